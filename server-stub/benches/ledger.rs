//! Durable ledger throughput: group commit against the naive one-commit-per-operation loop.
//!
//! Run with: `cargo bench -p jiga-server --bench ledger`
//!
//! Both sides write the same operations through the same code (`db::ledger::post`, the
//! server's only way to move DOF) into a SQLite file with WAL and `synchronous=FULL`; an
//! operation counts once the call that made it has returned, i.e. once it is on disk.
//! - baseline: one operation per transaction, each committed before the next starts;
//! - jiga-server: the same operations from many concurrent callers through `Db::write`, whose
//!   writer thread batches whatever is waiting into one transaction (group commit).
//!
//! The mix is nine consume charges (held → session consumed) to one hire hold
//! (available → held), the two operations a running store performs most.
//!
//! With every sink on (v1.2), each operation also records its bus event in the outbox as the
//! server does (`session.dof_update` per charge, an `agent.hired` notification per hold to a
//! user with a webhook who opted in to email), while the analytics export writes NDJSON and the
//! dispatcher fans out, POSTs to a receiver on loopback and sends mail to an SMTP receiver on
//! loopback, all on the same database: the pipeline's cost is that
//! line next to the one with none. The two alternate over [`ROUNDS`] rounds (each on a fresh
//! file, after a pause that lets the previous round's sinks wind down), and the medians are
//! compared: one 5 s run of each varied by ±10 % on this machine's disk.

// A benchmark reports its figures on stdout.
#![allow(clippy::print_stdout)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jiga::model::TransactionType;
use jiga_server::channels::{Dispatcher, analytics, email, webhook};
use jiga_server::db::ledger::{self, account};
use jiga_server::db::{Db, DbError, deliveries, outbox};
use jiga_server::stream::notify::Notifier;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const USERS: usize = 64;
const SECONDS: u64 = 5;
const CALLERS: usize = 512;
/// Rounds of group commit with no sink and with every sink, alternating.
const ROUNDS: usize = 3;
/// The pause before each round: the sinks of the round before stop within their 2 s deadline.
const SETTLE: Duration = Duration::from_secs(3);

fn op(tx: &rusqlite::Connection, i: u64) -> jiga_server::db::DbResult<()> {
    let user = format!("bench{}", i % USERS as u64);
    if i.is_multiple_of(10) {
        ledger::post(
            tx,
            TransactionType::Hold,
            &[(&account::available(&user), -1), (&account::held(&user), 1)],
            &json!({"bench": i}),
            0,
        )?;
    } else {
        ledger::post(
            tx,
            TransactionType::Consume,
            &[
                (&account::held(&user), -1),
                (&format!("session:bench{}:consumed", i % USERS as u64), 1),
            ],
            &json!({"bench": i}),
            0,
        )?;
    }
    Ok(())
}

fn fund(conn: &rusqlite::Connection) {
    for u in 0..USERS {
        let user = format!("bench{u}");
        ledger::post(
            conn,
            TransactionType::Topup,
            &[
                (&account::external("dev"), -1_000_000_000),
                (&account::available(&user), 900_000_000),
                (&account::held(&user), 100_000_000),
            ],
            &json!({}),
            0,
        )
        .expect("fund");
    }
}

fn naive(dir: &std::path::Path) -> f64 {
    let mut conn = rusqlite::Connection::open(dir.join("naive.db")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    jiga_server::db::migrate::run(&mut conn).expect("migrate");
    fund(&conn);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(SECONDS) {
        let tx = conn.transaction().expect("begin");
        op(&tx, n).expect("op");
        tx.commit().expect("commit");
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The writer's ceiling: the same operations in one transaction from one thread, no commit
/// between them (what group commit approaches when batches are large). It calls
/// `ledger::post` outside the writer, so balances are upserted entry by entry; the writer
/// keeps a batch's balances in memory and writes each account once per commit.
fn one_transaction(dir: &std::path::Path) -> f64 {
    let mut conn = rusqlite::Connection::open(dir.join("ceiling.db")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    jiga_server::db::migrate::run(&mut conn).expect("migrate");
    fund(&conn);
    let tx = conn.transaction().expect("begin");
    let start = Instant::now();
    let n = 200_000u64;
    for i in 0..n {
        op(&tx, i).expect("op");
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    tx.commit().expect("commit");
    rate
}

/// `op` and the bus event the server records with it.
fn op_with_event(tx: &rusqlite::Connection, i: u64) -> jiga_server::db::DbResult<()> {
    op(tx, i)?;
    let user = format!("bench{}", i % USERS as u64);
    if i.is_multiple_of(10) {
        outbox::record(
            tx,
            "agent.hired",
            json!({"agentId": "agt_bench", "sessionId": format!("ses_{i}")}),
            &[&user],
            0,
        )?;
    } else {
        outbox::record(
            tx,
            "session.dof_update",
            json!({"sessionId": user, "delta": 1, "reason": "action"}),
            &[],
            0,
        )?;
    }
    Ok(())
}

/// Starts every sink on `db`: the analytics export into `dir` and the dispatcher, each user's
/// webhook pointing at a receiver on loopback and each user opted in to email, sent to an SMTP
/// receiver on loopback.
async fn start_sinks(db: &Db, dir: &std::path::Path, stop: &CancellationToken) {
    let url = common::webhook_receiver().await;
    let (smtp, _) = common::smtp_receiver().await;
    db.write(move |tx| {
        for u in 0..USERS {
            tx.execute(
                "INSERT INTO users (id, email, display_name, preferences, created_at)
                 VALUES (?1, ?2, 'Bench', '{\"notifications\":{\"email\":true}}', 0)",
                [format!("bench{u}"), format!("bench{u}@bench.test")],
            )?;
            deliveries::set_hook(
                tx,
                &format!("bench{u}"),
                &deliveries::Hook {
                    url: url.clone(),
                    secret: "whsec_bench".into(),
                },
                0,
            )?;
        }
        Ok::<(), DbError>(())
    })
    .await
    .expect("hooks");
    let notifier = Arc::new(Notifier::default());
    Dispatcher {
        db: db.clone(),
        notifier: notifier.clone(),
        queued: Arc::default(),
        webhooks: webhook::Sender::new(true).expect("sender"),
        mailer: Some(email::Mailer::new(&smtp, "Bench <bench@bench.test>").expect("mailer")),
        retry_base: Duration::from_secs(1),
        sinks: vec![jiga_server::channels::FANOUT_SINK, analytics::SINK],
    }
    .spawn(stop.clone());
    analytics::Exporter::new(db.clone(), dir.join("analytics"), "bench")
        .expect("exporter")
        .spawn(&notifier, stop.clone());
}

async fn grouped(dir: &std::path::Path, sinks: bool, round: usize) -> (f64, f64) {
    tokio::time::sleep(SETTLE).await;
    let name = if sinks {
        format!("sinks-{round}.db")
    } else {
        format!("grouped-{round}.db")
    };
    let db = Db::open(&format!("sqlite://{}", dir.join(name).display())).expect("open");
    db.write(|tx| {
        fund(tx);
        Ok::<(), DbError>(())
    })
    .await
    .expect("fund");
    let stop_sinks = CancellationToken::new();
    if sinks {
        start_sinks(&db, dir, &stop_sinks).await;
    }
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let before = db.write_stats();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CALLERS as u64 {
        let (db, done, stop) = (db.clone(), done.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                if sinks {
                    db.write(move |tx| op_with_event(tx, i)).await.expect("op");
                } else {
                    db.write(move |tx| op(tx, i)).await.expect("op");
                }
                done.fetch_add(1, Ordering::Relaxed);
                i += CALLERS as u64;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(SECONDS)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("caller");
    }
    let secs = start.elapsed().as_secs_f64();
    stop_sinks.cancel();
    let after = db.write_stats();
    let audit = db.read(ledger::audit).await.expect("audit");
    assert_eq!(
        (
            audit.entries_sum,
            audit.negative_user_accounts,
            audit.drifted_balances
        ),
        (0, 0, 0)
    );
    let per_commit =
        (after.jobs - before.jobs) as f64 / (after.commits - before.commits).max(1) as f64;
    (done.load(Ordering::Relaxed) as f64 / secs, per_commit)
}

fn main() {
    let dir = tempfile::tempdir_in(std::env::var("JIGA_BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = naive(dir.path());
    let ceiling = one_transaction(dir.path());
    let (mut none, mut all, mut per_commit) = (Vec::new(), Vec::new(), 0.0);
    for round in 0..ROUNDS {
        let (ops, per) = rt.block_on(grouped(dir.path(), false, round));
        none.push(ops);
        per_commit = per;
        all.push(rt.block_on(grouped(dir.path(), true, round)).0);
    }
    let rounds: Vec<String> = none
        .iter()
        .zip(&all)
        .map(|(n, a)| format!("{n:.0} / {a:.0} ({:.2}x)", a / n))
        .collect();
    let (ours, with_sinks) = (median(&mut none), median(&mut all));
    println!(
        "durable ledger operations per second ({SECONDS} s each, synchronous=FULL, same disk; \
         group commit: the median of {ROUNDS} rounds)"
    );
    println!(
        "{:<44} {:>12}",
        "naive: one commit per operation",
        format!("{base:.0}/s")
    );
    println!(
        "{:<44} {:>12}   ({per_commit:.0} ops per commit)",
        format!("jiga-server group commit, {CALLERS} callers"),
        format!("{ours:.0}/s")
    );
    println!(
        "{:<44} {:>12}",
        "  the same with every sink on (outbox, export, hooks, mail)",
        format!("{with_sinks:.0}/s")
    );
    println!(
        "{:<44} {:>12}",
        "(ceiling: every operation in one transaction)",
        format!("{ceiling:.0}/s")
    );
    println!("vs naive: {:.1}x", ours / base);
    println!("vs ceiling: {:.2}x (target: at least 0.8x)", ours / ceiling);
    println!(
        "every sink on vs none: {:.2}x (target: at least 0.8x, the pipeline costing at most 20 %)",
        with_sinks / ours
    );
    println!("  each round, none / every sink: {}", rounds.join(", "));
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
