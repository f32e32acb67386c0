//! The analytics export (contract v1.2): every bus event once in the hour's NDJSON, a closed
//! hour as Parquet with the same rows, and an export whose record did not commit cut back
//! rather than doubled.

use std::collections::HashMap;
use std::time::Duration;

use jiga_server::channels::analytics::{Exporter, SINK, hour_of};
use jiga_server::db::{DbError, outbox};
use serde_json::{Value, json};

use crate::common::{TestServer, unique};

/// Waits until the export has reached the outbox's head; the head.
async fn caught_up(s: &TestServer) -> i64 {
    for _ in 0..200 {
        let (head, done) = s
            .state()
            .db
            .read(|c| Ok::<_, DbError>((outbox::head(c)?, outbox::progress(c, SINK)?)))
            .await
            .expect("progress");
        if head > 0 && head == done {
            return head;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the analytics export did not catch up");
}

/// Every line of every NDJSON file in `dir`, by event id.
fn lines(dir: &std::path::Path) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "ndjson") {
            for line in std::fs::read_to_string(&p).expect("read").lines() {
                let v: Value = serde_json::from_str(line).expect("a JSON line");
                out.entry(v["id"].as_str().expect("id").to_owned())
                    .or_default()
                    .push(v);
            }
        }
    }
    out
}

async fn outbox_ids(s: &TestServer) -> Vec<(String, String)> {
    s.state()
        .db
        .read(|c| {
            let mut stmt = c.prepare("SELECT id, type FROM outbox ORDER BY seq")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, DbError>(rows)
        })
        .await
        .expect("outbox")
}

/// Some of every kind of traffic: an agent created and published, a top-up, a hire that
/// runs and ends.
async fn traffic(s: &TestServer) {
    let (_, agent) = s.published_agent(json!({"actionsPerSecond": 20})).await;
    let (hirer, _) = s.funded_user(300).await;
    let session = s.hire(&hirer, &agent, 100).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = s
        .post_idem(
            &format!("/v1/sessions/{session}/end"),
            &hirer,
            None,
            &unique("end"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
}

#[tokio::test]
async fn every_bus_event_is_exported_once_and_a_closed_hour_as_parquet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::start_with(|c| c.analytics_dir = Some(dir.path().to_owned())).await;
    traffic(&s).await;
    caught_up(&s).await;
    let events = outbox_ids(&s).await;
    let got = lines(dir.path());
    assert_eq!(got.len(), events.len());
    for (id, kind) in &events {
        let l = got
            .get(id)
            .unwrap_or_else(|| panic!("{kind} {id} not exported"));
        assert_eq!(l.len(), 1, "{id} exported {} times", l.len());
        assert_eq!(l[0]["type"], kind.as_str());
        assert_eq!(
            l[0]["metadata"],
            json!({"version": "1.0", "source": "jiga-server"})
        );
        assert!(l[0]["ts"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(l[0]["data"].is_object());
    }
    let kinds: std::collections::HashSet<&str> = events.iter().map(|(_, k)| k.as_str()).collect();
    for k in [
        "agent.created",
        "agent.published",
        "transaction.initiated",
        "transaction.completed",
        "session.started",
        "agent.hired",
        "session.dof_update",
        "session.ended",
        "achievement.unlocked",
    ] {
        assert!(kinds.contains(k), "no {k} in {kinds:?}");
    }

    // Two hours later the hour closes: its Parquet file holds the same rows.
    let exporter =
        Exporter::new(s.state().db.clone(), dir.path(), "jiga-server").expect("exporter");
    let later = jiga_server::ids::now_millis() + 2 * 3_600_000;
    assert!(exporter.close_due(later).await.expect("close") >= 1);
    let hour = hour_of(jiga_server::ids::now_millis());
    let parquet = exporter.parquet_path(&hour);
    let file = std::fs::File::open(&parquet).expect("the closed hour's Parquet file");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file")
        .build()
        .expect("reader");
    let rows: usize = reader.map(|b| b.expect("batch").num_rows()).sum();
    let ndjson = std::fs::read_to_string(exporter.ndjson_path(&hour)).expect("ndjson");
    assert_eq!(rows, ndjson.lines().count());
    assert!(
        !dir.path()
            .join(format!("events-{hour}.parquet.tmp"))
            .exists()
    );

    // An independent reader agrees (scripts/test.sh provides pyarrow as JIGA_CHANNELS_PYTHON).
    if let Some(python) = std::env::var_os("JIGA_CHANNELS_PYTHON") {
        let out = std::process::Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/channels/parquet_matches_ndjson.py"
            ))
            .arg(dir.path())
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "pyarrow disagrees: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        // The test command installs pyarrow; only a bare `cargo test` goes without.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set JIGA_CHANNELS_PYTHON (scripts/test.sh does)"
        );
    }

    // An event committed later with a timestamp in the closed hour goes to a later file:
    // the closed hour's NDJSON still matches its Parquet.
    s.funded_user(5).await;
    caught_up(&s).await;
    assert_eq!(lines(dir.path()).len(), outbox_ids(&s).await.len());
    let ndjson = std::fs::read_to_string(exporter.ndjson_path(&hour)).expect("ndjson");
    assert_eq!(
        rows,
        ndjson.lines().count(),
        "a closed hour was appended to"
    );
}

#[tokio::test]
async fn lines_whose_export_did_not_commit_are_cut_back_not_doubled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::start_with(|c| c.analytics_dir = Some(dir.path().to_owned())).await;
    s.funded_user(10).await;
    caught_up(&s).await;
    // A pass that wrote and fsynced lines, then died before its record committed: the file
    // is longer than recorded.
    let hour = hour_of(jiga_server::ids::now_millis());
    let path = dir.path().join(format!("events-{hour}.ndjson"));
    let before = std::fs::read_to_string(&path).expect("ndjson");
    let last = before.lines().last().expect("a line").to_owned();
    std::fs::write(&path, format!("{before}{last}\n{{\"id\":\"evt_torn")).expect("append");
    s.funded_user(10).await;
    caught_up(&s).await;
    let got = lines(dir.path());
    let events = outbox_ids(&s).await;
    assert_eq!(got.len(), events.len());
    assert!(got.values().all(|l| l.len() == 1), "a line was doubled");
}

#[tokio::test]
async fn the_outbox_keeps_what_a_sink_has_not_taken_or_is_recent() {
    let s = TestServer::start().await;
    let (deleted, left) = s
        .state()
        .db
        .write(|tx| {
            let old: Vec<_> = (0..3)
                .map(|_| outbox::record(tx, "test.old", json!({}), &[], 1_000))
                .collect::<Result<_, _>>()?;
            outbox::record(tx, "test.new", json!({}), &[], 10_000)?;
            // One sink took the first two, the other all: only those two may go, and only
            // if older than the cut.
            outbox::advance(tx, "a", old[1].seq)?;
            outbox::advance(tx, "b", i64::MAX)?;
            let deleted = outbox::prune(tx, &["a", "b"], 5_000, 100)?;
            let left: i64 = tx.query_row(
                "SELECT COUNT(*) FROM outbox WHERE type LIKE 'test.%'",
                [],
                |r| r.get(0),
            )?;
            Ok::<_, DbError>((deleted, left))
        })
        .await
        .expect("prune");
    assert_eq!((deleted, left), (2, 2));
}
