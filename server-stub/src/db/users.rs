//! Users, their logins (token families) and refresh tokens.

use jiga::Timestamp;
use jiga::model::{Me, UpdateMeRequest, User};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::error::{DbError, DbResult};
use crate::ids::{new_id, sha256_hex};

const USER_COLS: &str = "id, display_name, email, created_at, preferences";

fn ts(millis: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_unix_millis(millis)
        .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(0, millis))
}

fn me_from_row(r: &Row<'_>) -> rusqlite::Result<Me> {
    let prefs: String = r.get(4)?;
    Ok(Me {
        user: User {
            id: r.get(0)?,
            display_name: r.get(1)?,
            email: r.get(2)?,
            created_at: ts(r.get(3)?)?,
        },
        preferences: serde_json::from_str(&prefs).unwrap_or_else(|_| serde_json::json!({})),
    })
}

/// Creates a user with an email login.
///
/// # Errors
/// `conflict` when the email is taken.
pub fn create_with_email(
    tx: &Connection,
    email: &str,
    password_hash: &str,
    display_name: &str,
    now: i64,
) -> DbResult<User> {
    let email = email.to_lowercase();
    let taken: bool = tx
        .prepare_cached("SELECT 1 FROM users WHERE email = ?1")?
        .exists([&email])?;
    if taken {
        return Err(DbError::EmailTaken { email });
    }
    let id = new_id("usr");
    tx.prepare_cached("INSERT INTO users (id, email, password_hash, display_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![id, email, password_hash, display_name.trim(), now])?;
    Ok(User {
        id,
        display_name: display_name.trim().to_owned(),
        email: Some(email),
        created_at: ts(now)?,
    })
}

/// The user and password hash for an email login.
///
/// # Errors
/// A database failure.
pub fn find_login(conn: &Connection, email: &str) -> DbResult<Option<(User, String)>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {USER_COLS}, password_hash FROM users WHERE email = ?1 AND password_hash IS NOT NULL"))?
        .query_row([email.to_lowercase()], |r| Ok((me_from_row(r)?.user, r.get::<_, String>(5)?)))
        .optional()?)
}

/// The user of a device, created on first use.
///
/// # Errors
/// A database failure.
pub fn device_user(tx: &Connection, device_id: &str, now: i64) -> DbResult<User> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT {USER_COLS} FROM users WHERE device_id = ?1"
        ))?
        .query_row([device_id], me_from_row)
        .optional()?;
    if let Some(me) = found {
        return Ok(me.user);
    }
    let id = new_id("usr");
    // A readable default name from the id's random tail.
    let name = format!("Player {}", &id[id.len() - 6..]);
    tx.prepare_cached(
        "INSERT INTO users (id, device_id, display_name, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, device_id, name, now])?;
    Ok(User {
        id,
        display_name: name,
        email: None,
        created_at: ts(now)?,
    })
}

/// A user with preferences.
///
/// # Errors
/// A database failure.
pub fn get(conn: &Connection, id: &str) -> DbResult<Option<Me>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?
        .query_row([id], me_from_row)
        .optional()?)
}

/// Applies `PATCH /v1/users/me`.
///
/// # Errors
/// `not_found` for an unknown user.
pub fn update(tx: &Connection, id: &str, req: &UpdateMeRequest) -> DbResult<Me> {
    if let Some(name) = &req.display_name {
        tx.prepare_cached("UPDATE users SET display_name = ?2 WHERE id = ?1")?
            .execute(params![id, name.trim()])?;
    }
    if let Some(p) = &req.preferences {
        tx.prepare_cached("UPDATE users SET preferences = ?2 WHERE id = ?1")?
            .execute(params![id, p.to_string()])?;
    }
    get(tx, id)?.ok_or_else(|| DbError::NotFound {
        kind: "user",
        id: id.to_owned(),
    })
}

/// Starts a login: a token family and its first refresh token, returned in clear.
///
/// # Errors
/// A database failure.
pub fn start_login(
    tx: &Connection,
    user_id: &str,
    now: i64,
    refresh_ttl_ms: i64,
) -> DbResult<(String, String)> {
    let family = new_id("lgn");
    tx.prepare_cached("INSERT INTO token_families (id, user_id, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![family, user_id, now])?;
    let token = issue_refresh(tx, &family, now + refresh_ttl_ms)?;
    Ok((family, token))
}

fn issue_refresh(tx: &Connection, family: &str, expires_at: i64) -> DbResult<String> {
    let token = format!("rt_{}", crate::ids::new_secret());
    tx.prepare_cached(
        "INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![sha256_hex(&token), family, expires_at])?;
    Ok(token)
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// A fresh token of the same login.
    Rotated {
        /// The user.
        user: User,
        /// The login.
        family: String,
        /// The new refresh token, in clear.
        token: String,
    },
    /// The token was already used: the whole login has been revoked.
    ReuseDetected {
        /// The revoked login.
        family: String,
    },
    /// Unknown, expired or revoked.
    Invalid,
}

/// Rotates a refresh token. Reuse of a used token revokes its login; the caller answers 401
/// after the revocation is committed (so this returns `Ok` for it).
///
/// # Errors
/// A database failure.
pub fn rotate(tx: &Connection, token: &str, now: i64, refresh_ttl_ms: i64) -> DbResult<Rotation> {
    let row = tx
        .prepare_cached(
            "SELECT r.family_id, r.used, r.expires_at, f.revoked, f.user_id FROM refresh_tokens r \
             JOIN token_families f ON f.id = r.family_id WHERE r.token_hash = ?1",
        )?
        .query_row([sha256_hex(token)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((family, used, expires_at, revoked, user_id)) = row else {
        return Ok(Rotation::Invalid);
    };
    if revoked || expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    if used {
        tx.prepare_cached("UPDATE token_families SET revoked = 1 WHERE id = ?1")?
            .execute([&family])?;
        return Ok(Rotation::ReuseDetected { family });
    }
    tx.prepare_cached("UPDATE refresh_tokens SET used = 1 WHERE token_hash = ?1")?
        .execute([sha256_hex(token)])?;
    let user = get(tx, &user_id)?
        .ok_or_else(|| DbError::internal("refresh token of a missing user"))?
        .user;
    let token = issue_refresh(tx, &family, now + refresh_ttl_ms)?;
    Ok(Rotation::Rotated {
        user,
        family,
        token,
    })
}

/// Every revoked login (loaded at start into the in-memory deny list).
///
/// # Errors
/// A database failure.
pub fn revoked_families(conn: &Connection) -> DbResult<Vec<String>> {
    Ok(conn
        .prepare("SELECT id FROM token_families WHERE revoked = 1")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?)
}
