//! Agents, their versions, stats and reviews; and the marketplace listing built from them.

use jiga::Timestamp;
use jiga::model::{
    AchievementId, Agent, AgentStatus, CreateAgentRequest, Listing, OwnerSummary, Page, Review,
    UpdateAgentRequest,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::achievements::{self, Unlocked};
use super::error::{DbError, DbResult};
use crate::cursor::{PageReq, page_from};
use crate::ids::new_id;

fn ts(millis: i64) -> DbResult<Timestamp> {
    Timestamp::from_unix_millis(millis).ok_or_else(|| DbError::internal("timestamp out of range"))
}

fn parse_doc(doc: &str) -> DbResult<Agent> {
    serde_json::from_str(doc)
        .map_err(|e| DbError::internal(format!("stored agent is unreadable: {e}")))
}

fn doc(agent: &Agent) -> DbResult<String> {
    serde_json::to_string(agent).map_err(DbError::internal)
}

/// Creates a draft agent (version 1).
///
/// # Errors
/// A database failure.
pub fn create(
    tx: &Connection,
    owner_id: &str,
    req: CreateAgentRequest,
    now: i64,
) -> DbResult<Agent> {
    let agent = Agent {
        id: new_id("agt"),
        owner_id: owner_id.to_owned(),
        name: req.name.trim().to_owned(),
        description: req.description,
        tags: req.tags,
        specializations: req.specializations,
        games: req.games,
        rank: req.rank,
        agent_type: req.agent_type,
        provider: req.provider.trim().to_owned(),
        has_voice_chat: req.has_voice_chat,
        has_commentator: req.has_commentator,
        pricing: req.pricing,
        actions_per_second: req.actions_per_second,
        image_url: req.image_url,
        nationality: req.nationality,
        status: AgentStatus::Draft,
        version: 1,
        created_at: ts(now)?,
        updated_at: ts(now)?,
    };
    let d = doc(&agent)?;
    tx.prepare_cached("INSERT INTO agents (id, owner_id, status, doc) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![agent.id, agent.owner_id, agent.status.as_str(), d])?;
    tx.prepare_cached("INSERT INTO agent_versions (agent_id, version, doc) VALUES (?1, 1, ?2)")?
        .execute(params![agent.id, d])?;
    tx.prepare_cached("INSERT INTO agent_stats (agent_id) VALUES (?1)")?
        .execute([&agent.id])?;
    Ok(agent)
}

/// An agent by id, whatever its status.
///
/// # Errors
/// A database failure.
pub fn get(conn: &Connection, id: &str) -> DbResult<Option<Agent>> {
    conn.prepare_cached("SELECT doc FROM agents WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, String>(0))
        .optional()?
        .map(|d| parse_doc(&d))
        .transpose()
}

fn save(tx: &Connection, agent: &Agent) -> DbResult<()> {
    tx.prepare_cached("UPDATE agents SET status = ?2, doc = ?3 WHERE id = ?1")?
        .execute(params![agent.id, agent.status.as_str(), doc(agent)?])?;
    Ok(())
}

/// Applies a PATCH: bumps the version and keeps the new one in the history.
///
/// # Errors
/// `not_found` for an unknown agent, `forbidden` for anyone but the owner.
pub fn update(
    tx: &Connection,
    id: &str,
    caller: &str,
    req: &UpdateAgentRequest,
    now: i64,
) -> DbResult<Agent> {
    let mut agent = owned(tx, id, caller)?;
    req.apply_to(&mut agent);
    agent.name = agent.name.trim().to_owned();
    agent.version += 1;
    agent.updated_at = ts(now)?;
    save(tx, &agent)?;
    tx.prepare_cached("INSERT INTO agent_versions (agent_id, version, doc) VALUES (?1, ?2, ?3)")?
        .execute(params![agent.id, agent.version, doc(&agent)?])?;
    Ok(agent)
}

/// The agent if `caller` owns it.
///
/// # Errors
/// `not_found` when it does not exist, `forbidden` when someone else owns it.
pub fn owned(conn: &Connection, id: &str, caller: &str) -> DbResult<Agent> {
    let agent = get(conn, id)?.ok_or_else(|| DbError::NotFound {
        kind: "agent",
        id: id.to_owned(),
    })?;
    if agent.owner_id != caller {
        return Err(DbError::NotOwner {
            kind: "agent",
            id: id.to_owned(),
        });
    }
    Ok(agent)
}

/// Publishes or unpublishes.
///
/// # Errors
/// `conflict` when the agent is already in (or, for unpublish, not in) the marketplace.
pub fn set_published(
    tx: &Connection,
    id: &str,
    caller: &str,
    publish: bool,
    now: i64,
    unlocked: &mut Vec<Unlocked>,
) -> DbResult<Agent> {
    let mut agent = owned(tx, id, caller)?;
    let is_published = agent.status == AgentStatus::Published;
    if publish && is_published {
        return Err(DbError::AlreadyPublished { id: id.to_owned() });
    }
    if !publish && !is_published {
        return Err(DbError::NotPublished { id: id.to_owned() });
    }
    agent.status = if publish {
        AgentStatus::Published
    } else {
        AgentStatus::Unpublished
    };
    agent.updated_at = ts(now)?;
    save(tx, &agent)?;
    if publish {
        achievements::unlock(tx, caller, AchievementId::FirstPublish, now, unlocked)?;
    }
    Ok(agent)
}

/// The caller's agents, newest first.
///
/// # Errors
/// A database failure.
pub fn list_by_owner(conn: &Connection, owner: &str, page: PageReq) -> DbResult<Page<Agent>> {
    let rows = conn
        .prepare_cached(
            "SELECT pk, doc FROM agents WHERE owner_id = ?1 AND pk < ?2 ORDER BY pk DESC LIMIT ?3",
        )?
        .query_map(
            params![owner, page.before, i64::from(page.limit) + 1],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let rows = rows
        .into_iter()
        .map(|(pk, d)| Ok((pk, parse_doc(&d)?)))
        .collect::<DbResult<Vec<_>>>()?;
    Ok(page_from(rows, page.limit))
}

/// Every version of an agent, newest first.
///
/// # Errors
/// A database failure.
pub fn versions(conn: &Connection, id: &str, page: PageReq) -> DbResult<Page<Agent>> {
    let rows = conn
        .prepare_cached("SELECT version, doc FROM agent_versions WHERE agent_id = ?1 AND version < ?2 ORDER BY version DESC LIMIT ?3")?
        .query_map(params![id, page.before, i64::from(page.limit) + 1], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let rows = rows
        .into_iter()
        .map(|(v, d)| Ok((v, parse_doc(&d)?)))
        .collect::<DbResult<Vec<_>>>()?;
    Ok(page_from(rows, page.limit))
}

/// Stat counters of an agent.
#[derive(Clone, Copy, Debug, Default)]
pub enum Stat {
    /// A session was hired.
    #[default]
    Hire,
    /// A session ended; `agent_error` says whether it failed.
    Ended {
        /// Whether it ended in `agent_error`.
        agent_error: bool,
    },
    /// Listing views.
    Views(i64),
}

/// Counts an event in an agent's stats.
///
/// # Errors
/// A database failure.
pub fn bump(tx: &Connection, agent_id: &str, stat: Stat) -> DbResult<()> {
    let (sql, by): (&str, i64) = match stat {
        Stat::Hire => (
            "UPDATE agent_stats SET total_hires = total_hires + ?2 WHERE agent_id = ?1",
            1,
        ),
        Stat::Ended { agent_error: false } => (
            "UPDATE agent_stats SET ended_sessions = ended_sessions + ?2 WHERE agent_id = ?1",
            1,
        ),
        Stat::Ended { agent_error: true } => (
            "UPDATE agent_stats SET ended_sessions = ended_sessions + ?2, agent_errors = agent_errors + ?2 WHERE agent_id = ?1",
            1,
        ),
        Stat::Views(n) => (
            "UPDATE agent_stats SET views = views + ?2 WHERE agent_id = ?1",
            n,
        ),
    };
    tx.prepare_cached(sql)?.execute(params![agent_id, by])?;
    Ok(())
}

const LISTING_SQL: &str = "SELECT a.doc, u.display_name, s.review_count, s.rating_sum, s.total_hires, s.views, \
     s.ended_sessions, s.agent_errors FROM agents a JOIN users u ON u.id = a.owner_id \
     JOIN agent_stats s ON s.agent_id = a.id WHERE a.status = 'published'";

fn listing_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, [i64; 6])> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        [
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ],
    ))
}

fn to_listing((d, owner_name, s): (String, String, [i64; 6])) -> DbResult<Listing> {
    let agent = parse_doc(&d)?;
    let [review_count, rating_sum, total_hires, views, ended, errors] = s;
    let rating = if review_count > 0 {
        (rating_sum as f64 / review_count as f64 * 10.0).round() / 10.0
    } else {
        0.0
    };
    let success_rate = if ended > 0 {
        (ended - errors) as f64 / ended as f64
    } else {
        1.0
    };
    Ok(Listing {
        owner: OwnerSummary {
            id: agent.owner_id.clone(),
            display_name: owner_name,
        },
        rating,
        review_count: review_count as u64,
        total_hires: total_hires as u64,
        popularity: popularity(total_hires, review_count, rating, views),
        success_rate,
        agent,
    })
}

/// The marketplace's popularity score: hires weigh most, then reviews (scaled by how good they
/// are), then views. One decimal, so equal scores tie-break visibly.
#[must_use]
pub fn popularity(hires: i64, reviews: i64, rating: f64, views: i64) -> f64 {
    let score = hires as f64 * 10.0 + reviews as f64 * (2.0 + rating) + views as f64 * 0.1;
    (score * 10.0).round() / 10.0
}

/// The listing of a published agent.
///
/// # Errors
/// A database failure.
pub fn listing(conn: &Connection, id: &str) -> DbResult<Option<Listing>> {
    conn.prepare_cached(&format!("{LISTING_SQL} AND a.id = ?1"))?
        .query_row([id], listing_from_row)
        .optional()?
        .map(to_listing)
        .transpose()
}

/// Every published listing (to build the search index at start).
///
/// # Errors
/// A database failure.
pub fn all_listings(conn: &Connection) -> DbResult<Vec<Listing>> {
    let rows = conn
        .prepare(LISTING_SQL)?
        .query_map([], listing_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_listing).collect()
}

/// Published agents owned by `owner` (to refresh listings after a rename).
///
/// # Errors
/// A database failure.
pub fn published_ids_of(conn: &Connection, owner: &str) -> DbResult<Vec<String>> {
    Ok(conn
        .prepare_cached("SELECT id FROM agents WHERE owner_id = ?1 AND status = 'published'")?
        .query_map([owner], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?)
}

/// Writes a review and counts it in the agent's rating.
///
/// # Errors
/// `conflict` when the session already has a review.
pub fn create_review(
    tx: &Connection,
    agent_id: &str,
    session_id: &str,
    author: OwnerSummary,
    rating: u8,
    text: &str,
    now: i64,
) -> DbResult<Review> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM reviews WHERE session_id = ?1")?
        .exists([session_id])?;
    if exists {
        return Err(DbError::AlreadyReviewed {
            session_id: session_id.to_owned(),
        });
    }
    let id = new_id("rev");
    tx.prepare_cached(
        "INSERT INTO reviews (id, agent_id, session_id, user_id, rating, text, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, agent_id, session_id, author.id, rating, text, now])?;
    tx.prepare_cached("UPDATE agent_stats SET review_count = review_count + 1, rating_sum = rating_sum + ?2 WHERE agent_id = ?1")?
        .execute(params![agent_id, rating])?;
    Ok(Review {
        id,
        agent_id: agent_id.to_owned(),
        session_id: session_id.to_owned(),
        author,
        rating,
        text: text.to_owned(),
        created_at: ts(now)?,
    })
}

/// An agent's reviews, newest first.
///
/// # Errors
/// A database failure.
pub fn list_reviews(conn: &Connection, agent_id: &str, page: PageReq) -> DbResult<Page<Review>> {
    let rows = conn
        .prepare_cached(
            "SELECT r.pk, r.id, r.session_id, r.user_id, u.display_name, r.rating, r.text, r.created_at \
             FROM reviews r JOIN users u ON u.id = r.user_id \
             WHERE r.agent_id = ?1 AND r.pk < ?2 ORDER BY r.pk DESC LIMIT ?3",
        )?
        .query_map(params![agent_id, page.before, i64::from(page.limit) + 1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?),
                (r.get::<_, u8>(5)?, r.get::<_, String>(6)?, r.get::<_, i64>(7)?),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let rows = rows
        .into_iter()
        .map(
            |(pk, (id, session_id, uid, name), (rating, text, created))| {
                Ok((
                    pk,
                    Review {
                        id,
                        agent_id: agent_id.to_owned(),
                        session_id,
                        author: OwnerSummary {
                            id: uid,
                            display_name: name,
                        },
                        rating,
                        text,
                        created_at: ts(created)?,
                    },
                ))
            },
        )
        .collect::<DbResult<Vec<_>>>()?;
    Ok(page_from(rows, page.limit))
}
