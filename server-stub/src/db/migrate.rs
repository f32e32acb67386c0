//! Schema migrations, applied at start in one transaction; `PRAGMA user_version` records the
//! last one applied, so a database from an older server is migrated in place.

use rusqlite::Connection;

use super::error::{DbError, DbResult};

/// Every migration, in order. Never edit one that has shipped; append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the whole store.
    r#"
CREATE TABLE users (
    pk            INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    email         TEXT UNIQUE,
    password_hash TEXT,
    device_id     TEXT UNIQUE,
    display_name  TEXT NOT NULL,
    preferences   TEXT NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL
);

-- A login: every refresh token it rotates through shares the family; reuse revokes it.
CREATE TABLE token_families (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL REFERENCES token_families(id),
    used       INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
);

-- The agent as JSON (the wire `Agent`), with the columns queries filter on.
CREATE TABLE agents (
    pk         INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    owner_id   TEXT NOT NULL,
    status     TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX agents_owner ON agents(owner_id, pk);
CREATE TABLE agent_versions (
    pk       INTEGER PRIMARY KEY,
    agent_id TEXT NOT NULL,
    version  INTEGER NOT NULL,
    doc      TEXT NOT NULL,
    UNIQUE (agent_id, version)
);
CREATE TABLE agent_stats (
    agent_id       TEXT PRIMARY KEY,
    review_count   INTEGER NOT NULL DEFAULT 0,
    rating_sum     INTEGER NOT NULL DEFAULT 0,
    total_hires    INTEGER NOT NULL DEFAULT 0,
    views          INTEGER NOT NULL DEFAULT 0,
    ended_sessions INTEGER NOT NULL DEFAULT 0,
    agent_errors   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE reviews (
    pk         INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    agent_id   TEXT NOT NULL,
    session_id TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    rating     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX reviews_agent ON reviews(agent_id, pk);

-- Double-entry ledger. `accounts.balance` is kept in step with `entries` in the same
-- transaction; nothing writes a balance outside a ledger transaction.
CREATE TABLE accounts (
    id      TEXT PRIMARY KEY,
    balance INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE transactions (
    pk         INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    metadata   TEXT NOT NULL
);
CREATE TABLE entries (
    txn_pk  INTEGER NOT NULL REFERENCES transactions(pk),
    idx     INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount  INTEGER NOT NULL,
    PRIMARY KEY (txn_pk, idx)
) WITHOUT ROWID;
CREATE INDEX entries_account ON entries(account, txn_pk);

CREATE TABLE topups (
    pk         INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    provider   TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    pk              INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    agent_id        TEXT NOT NULL,
    hirer_id        TEXT NOT NULL,
    owner_id        TEXT NOT NULL,
    game            TEXT NOT NULL,
    status          TEXT NOT NULL,
    budget          INTEGER NOT NULL,
    consumed        INTEGER NOT NULL DEFAULT 0,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    end_reason      TEXT,
    expires_at      INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    actions_done    INTEGER NOT NULL DEFAULT 0,
    minutes_charged INTEGER NOT NULL DEFAULT 0,
    -- The agent as hired: price and behaviour stay fixed for the session.
    agent_doc       TEXT NOT NULL,
    settlement      TEXT
);
CREATE INDEX sessions_hirer ON sessions(hirer_id, pk);
CREATE INDEX sessions_status ON sessions(status);

-- Every frame exactly as sent, so replay is byte-identical.
CREATE TABLE session_events (
    session_pk INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    frame      TEXT NOT NULL,
    PRIMARY KEY (session_pk, seq)
) WITHOUT ROWID;

CREATE TABLE idempotency (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
"#,
    // 2: the hire's cap of active sessions per hirer counts them through this index.
    r#"
CREATE INDEX sessions_active_hirer ON sessions(hirer_id) WHERE status = 'active';
"#,
    // 3 (v1.2): achievements, unlocked once per user; the hirer's running totals their
    // thresholds read, carried over from the sessions already stored.
    r#"
CREATE TABLE achievements (
    pk             INTEGER PRIMARY KEY,
    user_id        TEXT NOT NULL,
    achievement_id TEXT NOT NULL,
    unlocked_at    INTEGER NOT NULL,
    UNIQUE (user_id, achievement_id)
);
CREATE TABLE hirer_stats (
    user_id        TEXT PRIMARY KEY,
    sessions_ended INTEGER NOT NULL DEFAULT 0,
    consumed       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO hirer_stats (user_id, sessions_ended, consumed)
    SELECT hirer_id, SUM(status = 'ended'), SUM(consumed) FROM sessions GROUP BY hirer_id;
"#,
    // 4 (v1.2): the transactional outbox, how far each sink got, user webhooks and the
    // deliveries waiting to go out (at least once, retried until they expire).
    r#"
-- `seq` is the rowid: pruning never deletes the newest row, so it never goes back.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL,
    type       TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    data       TEXT NOT NULL,
    -- [[user id, notification id], ...]
    recipients TEXT NOT NULL
);
CREATE TABLE outbox_progress (
    sink TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE user_webhooks (
    user_id    TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE deliveries (
    id         TEXT NOT NULL,
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (id, channel)
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries(next_at);
-- The analytics export: per UTC hour (YYYYMMDDHH), the NDJSON bytes committed with the
-- export's position, and whether the hour is closed (its Parquet file written).
CREATE TABLE analytics_files (
    hour   TEXT PRIMARY KEY,
    bytes  INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"#,
];

/// Applies every migration the database has not seen.
///
/// # Errors
/// A failing migration (nothing of it is applied) or a database newer than this server.
pub fn run(conn: &mut Connection) -> DbResult<()> {
    let current: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if current > MIGRATIONS.len() {
        return Err(DbError::internal(format!(
            "database schema version {current} is newer than this server ({})",
            MIGRATIONS.len()
        )));
    }
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.execute_batch(sql)
            .map_err(|e| DbError::internal(format!("migration {} failed: {e}", i + 1)))?;
        tracing::info!(version = i + 1, "applied migration");
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()?;
    Ok(())
}
