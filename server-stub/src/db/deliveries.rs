//! Outside channels in storage (contract v1.2): each user's webhook, who wants email, and the
//! deliveries waiting to go out.
//!
//! A delivery is one notification for one channel, keyed by `(notification id, channel)`.
//! The fan-out tries each one once before anything is stored; only a delivery that failed (or
//! did not finish in time) is queued here, in the same job that moves the fan-out past its
//! event, and stays until its channel accepted it or it expired. A crash before that job
//! replays the events, so delivery is at least once, and receivers dedupe by the id.

use rusqlite::{Connection, OptionalExtension, params};

use super::error::DbResult;

/// A channel a notification can go out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// POSTed to the user's webhook.
    Webhook,
    /// Sent by email (users who opted in, with an address).
    Email,
}

impl Channel {
    /// Its name in storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }

    fn parse(s: &str) -> Option<Channel> {
        match s {
            "webhook" => Some(Channel::Webhook),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// A user's webhook.
#[derive(Clone, PartialEq, Eq)]
pub struct Hook {
    /// Where notifications are POSTed.
    pub url: String,
    /// The signing secret.
    pub secret: String,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Sets (or replaces, rotating the secret) `user_id`'s webhook.
///
/// # Errors
/// A database failure.
pub fn set_hook(tx: &Connection, user_id: &str, hook: &Hook, now: i64) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO user_webhooks (user_id, url, secret, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
         updated_at = excluded.updated_at",
    )?
    .execute(params![user_id, hook.url, hook.secret, now])?;
    Ok(())
}

/// `user_id`'s webhook, if any.
///
/// # Errors
/// A database failure.
pub fn hook(c: &Connection, user_id: &str) -> DbResult<Option<Hook>> {
    Ok(
        c.prepare_cached("SELECT url, secret FROM user_webhooks WHERE user_id = ?1")?
            .query_row([user_id], |r| {
                Ok(Hook {
                    url: r.get(0)?,
                    secret: r.get(1)?,
                })
            })
            .optional()?,
    )
}

/// Removes `user_id`'s webhook and the webhook deliveries still waiting for it; whether there
/// was one.
///
/// # Errors
/// A database failure.
pub fn delete_hook(tx: &Connection, user_id: &str) -> DbResult<bool> {
    let n = tx
        .prepare_cached("DELETE FROM user_webhooks WHERE user_id = ?1")?
        .execute([user_id])?;
    tx.prepare_cached("DELETE FROM deliveries WHERE user_id = ?1 AND channel = 'webhook'")?
        .execute([user_id])?;
    Ok(n > 0)
}

/// Where an email goes: the user's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The user's email address.
    pub address: String,
    /// Their display name.
    pub name: String,
}

/// The condition on `users` row `u` for a user who gets email: an address, and
/// `preferences.notifications.email` is `true`.
const WANTS_EMAIL: &str =
    "u.email IS NOT NULL AND json_type(u.preferences, '$.notifications.email') = 'true'";

/// `user_id`'s address if they get email now (see `WANTS_EMAIL`).
///
/// # Errors
/// A database failure.
pub fn recipient(c: &Connection, user_id: &str) -> DbResult<Option<Recipient>> {
    Ok(c.prepare_cached(&format!(
        "SELECT u.email, u.display_name FROM users u WHERE u.id = ?1 AND {WANTS_EMAIL}"
    ))?
    .query_row([user_id], |r| {
        Ok(Recipient {
            address: r.get(0)?,
            name: r.get(1)?,
        })
    })
    .optional()?)
}

/// Where a due delivery goes now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// To this webhook.
    Webhook(Hook),
    /// To this address.
    Email(Recipient),
    /// Nowhere any more: the webhook was removed, or the user turned email off.
    Gone,
}

/// A delivery to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The notification id.
    pub id: String,
    /// Where it goes.
    pub channel: Channel,
    /// Whose it is.
    pub user_id: String,
    /// What is sent: the notification as JSON `{id, type, ts, data}`.
    pub body: String,
    /// Tries so far.
    pub attempts: u32,
    /// No retry after this (Unix milliseconds).
    pub expires_at: i64,
}

/// Queues `d` (after its `d.attempts` tries so far, the last failing with `error`) to go out
/// at `next_at`, once per notification and channel.
///
/// # Errors
/// A database failure.
pub fn enqueue(tx: &Connection, d: &Delivery, next_at: i64, error: Option<&str>) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO deliveries
           (id, channel, user_id, body, attempts, next_at, expires_at, last_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        d.id,
        d.channel.as_str(),
        d.user_id,
        d.body,
        d.attempts,
        next_at,
        d.expires_at,
        error
    ])?;
    Ok(())
}

/// Up to `limit` deliveries due at `now`, the longest waiting first, each with where it goes
/// now.
///
/// # Errors
/// A database failure.
pub fn due(c: &Connection, now: i64, limit: usize) -> DbResult<Vec<(Delivery, Target)>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT d.id, d.channel, d.user_id, d.body, d.attempts, d.expires_at, w.url, w.secret,
                u.email, u.display_name
         FROM deliveries d
         LEFT JOIN user_webhooks w ON d.channel = 'webhook' AND w.user_id = d.user_id
         LEFT JOIN users u ON d.channel = 'email' AND u.id = d.user_id AND {WANTS_EMAIL}
         WHERE d.next_at <= ?1 ORDER BY d.next_at LIMIT ?2"
    ))?;
    let mut rows = stmt.query(params![now, i64::try_from(limit).unwrap_or(i64::MAX)])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        // A channel this server does not know (a newer server's row) waits for that server.
        let Some(channel) = Channel::parse(r.get_ref(1)?.as_str().unwrap_or_default()) else {
            continue;
        };
        let pair = |a: usize, b: usize| -> rusqlite::Result<Option<(String, String)>> {
            Ok(r.get::<_, Option<String>>(a)?
                .zip(r.get::<_, Option<String>>(b)?))
        };
        let target = match channel {
            Channel::Webhook => {
                pair(6, 7)?.map(|(url, secret)| Target::Webhook(Hook { url, secret }))
            }
            Channel::Email => {
                pair(8, 9)?.map(|(address, name)| Target::Email(Recipient { address, name }))
            }
        };
        out.push((
            Delivery {
                id: r.get(0)?,
                channel,
                user_id: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
                expires_at: r.get(5)?,
            },
            target.unwrap_or(Target::Gone),
        ));
    }
    Ok(out)
}

/// When the next delivery is due, if any is waiting.
///
/// # Errors
/// A database failure.
pub fn next_due(c: &Connection) -> DbResult<Option<i64>> {
    Ok(c.prepare_cached("SELECT MIN(next_at) FROM deliveries")?
        .query_row([], |r| r.get(0))?)
}

/// The delivery went out: it is done.
///
/// # Errors
/// A database failure.
pub fn delivered(tx: &Connection, id: &str, channel: Channel) -> DbResult<()> {
    tx.prepare_cached("DELETE FROM deliveries WHERE id = ?1 AND channel = ?2")?
        .execute(params![id, channel.as_str()])?;
    Ok(())
}

/// The delivery failed with `error`: try again at `next_at`.
///
/// # Errors
/// A database failure.
pub fn retry_at(
    tx: &Connection,
    id: &str,
    channel: Channel,
    next_at: i64,
    error: &str,
) -> DbResult<()> {
    tx.prepare_cached(
        "UPDATE deliveries SET attempts = attempts + 1, next_at = ?3, last_error = ?4
         WHERE id = ?1 AND channel = ?2",
    )?
    .execute(params![id, channel.as_str(), next_at, error])?;
    Ok(())
}

/// Deliveries waiting, per channel (for `/metrics` and tests).
///
/// # Errors
/// A database failure.
pub fn waiting(c: &Connection, channel: Channel) -> DbResult<u64> {
    Ok(
        c.prepare_cached("SELECT COUNT(*) FROM deliveries WHERE channel = ?1")?
            .query_row([channel.as_str()], |r| r.get(0))?,
    )
}
