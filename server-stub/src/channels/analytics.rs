//! The analytics export (contract v1.2, `--analytics-dir`): every bus event, exactly once
//! across restarts, as a JSON line `{id, type, ts, data, metadata: {version: "1.0", source}}`
//! in `events-YYYYMMDDHH.ndjson` (the event's UTC hour), and each closed hour also as
//! `events-YYYYMMDDHH.parquet` with the same columns (`ts` a UTC millisecond timestamp,
//! `data` and `metadata` JSON text).
//!
//! Exactly once, however the process stops: a pass appends a batch of outbox events to the
//! hour files and `fsync`s them, then records in one storage write the bytes each file now
//! holds and the outbox position it reached. Before appending, a file longer than its recorded
//! size is cut back to it — those lines were written by a pass whose record never committed,
//! and the events are exported again from the recorded position. So a line is in a file iff
//! its event is at or below the recorded position, once.
//!
//! An hour is closed once the clock is [`GRACE`] past its end and a pass has caught up with
//! the outbox: its committed NDJSON is written as Parquet (to a temporary name, `fsync`,
//! renamed), then the hour is marked closed. A crash in between rewrites the same file. An
//! event committed later with a timestamp in a closed hour (a clock step, a write stalled past
//! the grace) goes to the current hour's file rather than reopening a closed one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use crate::db::outbox::{self, Stored};
use crate::db::{Db, DbError};
use crate::stream::notify::Notifier;

/// The export's name in `outbox_progress`.
pub const SINK: &str = "analytics";
/// Outbox events one pass takes.
pub const BATCH: usize = 8192;
/// The least time between two passes that found less than a batch: each pass ends with an
/// `fsync` of the file, which shares the disk with the database's commits, and an hourly
/// export has no use for lines sooner than this.
pub const PACE: Duration = Duration::from_millis(250);
/// How long after an hour ends it is closed.
pub const GRACE: Duration = Duration::from_secs(5);
/// The `metadata.version` of every line.
pub const VERSION: &str = "1.0";
/// How often the export looks when nothing woke it.
const POLL: Duration = Duration::from_secs(1);

/// Why a pass failed (it is retried; nothing of it counts until its record commits).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// A committed line does not parse, or Parquet could not be written.
    #[error("{0}")]
    Format(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One exported line.
#[derive(Serialize, Deserialize)]
struct Line<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    ts: String,
    #[serde(borrow)]
    data: &'a RawValue,
    metadata: Metadata<'a>,
}

#[derive(Serialize, Deserialize)]
struct Metadata<'a> {
    version: &'a str,
    source: &'a str,
}

/// `YYYYMMDDHH` of `ts` (Unix milliseconds, UTC).
#[must_use]
pub fn hour_of(ts: i64) -> String {
    Utc.timestamp_millis_opt(ts)
        .single()
        .unwrap_or_default()
        .format("%Y%m%d%H")
        .to_string()
}

/// When `hour` (`YYYYMMDDHH`) ends, in Unix milliseconds.
fn end_of(hour: &str) -> Option<i64> {
    let start =
        chrono::NaiveDateTime::parse_from_str(&format!("{hour}0000"), "%Y%m%d%H%M%S").ok()?;
    Some(start.and_utc().timestamp_millis() + 3_600_000)
}

/// The hour after `hour`.
fn next_hour(hour: &str) -> Option<String> {
    end_of(hour).map(hour_of)
}

/// The analytics export of one server.
#[derive(Clone)]
pub struct Exporter {
    db: Db,
    dir: Arc<PathBuf>,
    source: Arc<str>,
}

impl Exporter {
    /// An export into `dir` (created if missing); `source` goes into every line's metadata.
    ///
    /// # Errors
    /// The directory cannot be created.
    pub fn new(db: Db, dir: impl Into<PathBuf>, source: &str) -> Result<Exporter, ExportError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(Exporter {
            db,
            dir: Arc::new(dir),
            source: Arc::from(source),
        })
    }

    /// The NDJSON file of `hour`.
    #[must_use]
    pub fn ndjson_path(&self, hour: &str) -> PathBuf {
        self.dir.join(format!("events-{hour}.ndjson"))
    }

    /// The Parquet file of `hour`.
    #[must_use]
    pub fn parquet_path(&self, hour: &str) -> PathBuf {
        self.dir.join(format!("events-{hour}.parquet"))
    }

    /// Exports until `shutdown`, waking when events are sent (at most every [`PACE`]) and every
    /// second.
    pub fn spawn(self, notifier: &Notifier, shutdown: CancellationToken) {
        let mut recorded = notifier.recorded();
        tokio::spawn(async move {
            loop {
                let now = crate::ids::now_millis();
                match self.pass(now).await {
                    Ok(n) if n == BATCH => continue,
                    Ok(_) => {
                        if let Err(e) = self.close_due(now).await {
                            tracing::warn!(error = %e, "analytics: closing an hour failed; retrying");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "analytics export failed; retrying"),
                }
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(PACE) => {}
                }
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    _ = recorded.changed() => {}
                    () = tokio::time::sleep(POLL.saturating_sub(PACE)) => {}
                }
            }
            // What committed before the shutdown is exported before the process exits.
            let _ = self.pass(crate::ids::now_millis()).await;
        });
    }

    /// Exports the next batch of outbox events; how many it took.
    ///
    /// # Errors
    /// Storage or file failures (the batch is exported again by the next pass).
    pub async fn pass(&self, now: i64) -> Result<usize, ExportError> {
        let events = self
            .db
            .read(|c| outbox::after(c, outbox::progress(c, SINK)?, BATCH))
            .await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(0);
        };
        // Each event's file: its own hour, or (below) a later one if its hour is closed.
        let now_hour = hour_of(now);
        let mut groups: Vec<(String, Vec<Stored>)> = Vec::new();
        for e in events {
            let hour = hour_of(e.ts);
            match groups.iter_mut().find(|(h, _)| *h == hour) {
                Some((_, g)) => g.push(e),
                None => groups.push((hour, vec![e])),
            }
        }
        let hours: Vec<String> = groups.iter().map(|(h, _)| h.clone()).collect();
        let files = self
            .db
            .read(move |c| {
                hours
                    .iter()
                    .map(|h| Ok((h.clone(), outbox::hour_file(c, h)?.unwrap_or_default())))
                    .collect::<Result<Vec<_>, DbError>>()
            })
            .await?;
        // Late events go to the first hour after every closed one, or the current hour.
        let after_closed = self
            .db
            .read(outbox::last_closed_hour)
            .await?
            .and_then(|h| next_hour(&h));
        let late = match after_closed {
            Some(h) if h > now_hour => h,
            _ => now_hour,
        };
        let mut targets: Vec<(String, u64, Vec<Stored>)> = Vec::new();
        for ((hour, group), (_, file)) in groups.into_iter().zip(files) {
            let hour = if file.closed { late.clone() } else { hour };
            match targets.iter_mut().find(|(h, _, _)| *h == hour) {
                Some((_, _, g)) => g.extend(group),
                None => targets.push((hour, file.bytes, group)),
            }
        }
        // A current hour borrowed for late events may have its own committed size.
        for t in &mut targets {
            if t.1 == 0 {
                let h = t.0.clone();
                t.1 = self
                    .db
                    .read(move |c| outbox::hour_file(c, &h))
                    .await?
                    .unwrap_or_default()
                    .bytes;
            }
        }
        let this = self.clone();
        let n: usize = targets.iter().map(|t| t.2.len()).sum();
        let sizes = tokio::task::spawn_blocking(move || {
            targets
                .iter()
                .map(|(hour, committed, group)| {
                    this.append(hour, *committed, group)
                        .map(|size| (hour.clone(), size))
                })
                .collect::<Result<Vec<_>, ExportError>>()
        })
        .await
        .map_err(|e| ExportError::Format(e.to_string()))??;
        self.db
            .write(move |tx| {
                for (hour, size) in &sizes {
                    outbox::set_hour_bytes(tx, hour, *size)?;
                }
                outbox::advance(tx, SINK, last)
            })
            .await?;
        Ok(n)
    }

    /// Appends `events` to `hour`'s file after cutting it back to its `committed` size;
    /// `fsync`s; the file's new size.
    fn append(&self, hour: &str, committed: u64, events: &[Stored]) -> Result<u64, ExportError> {
        let path = self.ndjson_path(hour);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        let len = file.metadata().map_err(io(&path))?.len();
        let start = if len > committed {
            tracing::info!(
                hour,
                dropped = len - committed,
                "analytics: cutting lines whose export did not commit"
            );
            file.set_len(committed).map_err(io(&path))?;
            committed
        } else {
            if len < committed {
                tracing::error!(
                    hour,
                    len,
                    committed,
                    "analytics: file shorter than recorded; going on at its end"
                );
            }
            len
        };
        file.seek(SeekFrom::Start(start)).map_err(io(&path))?;
        let mut buf = Vec::with_capacity(events.len() * 256);
        for e in events {
            let data = RawValue::from_string(e.data.clone())
                .map_err(|err| ExportError::Format(err.to_string()))?;
            let line = Line {
                id: &e.id,
                kind: &e.kind,
                ts: rfc3339(e.ts),
                data: &data,
                metadata: Metadata {
                    version: VERSION,
                    source: &self.source,
                },
            };
            serde_json::to_writer(&mut buf, &line)
                .map_err(|err| ExportError::Format(err.to_string()))?;
            buf.push(b'\n');
        }
        file.write_all(&buf).map_err(io(&path))?;
        file.sync_data().map_err(io(&path))?;
        Ok(start + buf.len() as u64)
    }

    /// Closes every open hour that ended more than [`GRACE`] before `now`: writes its
    /// Parquet file, then marks it closed; how many it closed. Call it only after a pass that
    /// caught up with the outbox.
    ///
    /// # Errors
    /// Storage or file failures (the hour is closed by a later call).
    pub async fn close_due(&self, now: i64) -> Result<usize, ExportError> {
        let grace = i64::try_from(GRACE.as_millis()).unwrap_or(i64::MAX);
        let open = self.db.read(outbox::open_hours).await?;
        let mut closed = 0;
        for (hour, bytes) in open {
            if end_of(&hour).is_none_or(|end| end + grace > now) {
                continue;
            }
            let this = self.clone();
            let h = hour.clone();
            tokio::task::spawn_blocking(move || this.write_parquet(&h, bytes))
                .await
                .map_err(|e| ExportError::Format(e.to_string()))??;
            self.db
                .write(move |tx| outbox::close_hour(tx, &hour))
                .await?;
            closed += 1;
        }
        Ok(closed)
    }

    /// Writes `hour`'s first `bytes` of NDJSON as its Parquet file.
    fn write_parquet(&self, hour: &str, bytes: u64) -> Result<(), ExportError> {
        let src = self.ndjson_path(hour);
        let mut text = Vec::new();
        File::open(&src)
            .map_err(io(&src))?
            .take(bytes)
            .read_to_end(&mut text)
            .map_err(io(&src))?;
        let text = String::from_utf8(text).map_err(|e| ExportError::Format(e.to_string()))?;
        let (mut ids, mut kinds, mut tss, mut datas, mut metas) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (n, raw) in text.lines().enumerate() {
            let line: Line<'_> = serde_json::from_str(raw).map_err(|e| {
                ExportError::Format(format!("{} line {}: {e}", src.display(), n + 1))
            })?;
            let ts = chrono::DateTime::parse_from_rfc3339(&line.ts)
                .map_err(|e| ExportError::Format(format!("line {}: ts: {e}", n + 1)))?
                .timestamp_millis();
            ids.push(line.id.to_owned());
            kinds.push(line.kind.to_owned());
            tss.push(ts);
            datas.push(line.data.get().to_owned());
            metas.push(
                serde_json::to_string(&line.metadata)
                    .map_err(|e| ExportError::Format(e.to_string()))?,
            );
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("type", DataType::Utf8, false),
            Field::new(
                "ts",
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                false,
            ),
            Field::new("data", DataType::Utf8, false),
            Field::new("metadata", DataType::Utf8, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(StringArray::from(kinds)),
            Arc::new(TimestampMillisecondArray::from(tss).with_timezone("UTC")),
            Arc::new(StringArray::from(datas)),
            Arc::new(StringArray::from(metas)),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns)
            .map_err(|e| ExportError::Format(e.to_string()))?;
        let dst = self.parquet_path(hour);
        let tmp = dst.with_extension("parquet.tmp");
        let file = File::create(&tmp).map_err(io(&tmp))?;
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props))
            .map_err(|e| ExportError::Format(e.to_string()))?;
        writer
            .write(&batch)
            .map_err(|e| ExportError::Format(e.to_string()))?;
        let file = writer
            .into_inner()
            .map_err(|e| ExportError::Format(e.to_string()))?;
        file.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &dst).map_err(io(&dst))?;
        if let Ok(dir) = File::open(&*self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// `ts` (Unix milliseconds) as the wire's RFC 3339 UTC instant.
#[must_use]
pub fn rfc3339(ts: i64) -> String {
    jiga::Timestamp::from_unix_millis(ts)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_utc_and_end_an_hour_later() {
        // 2026-12-01T21:59:59.999Z
        let ts = 1_796_162_399_999;
        assert_eq!(hour_of(ts), "2026120121");
        assert_eq!(end_of("2026120121"), Some(ts + 1));
        assert_eq!(end_of("garbage"), None);
        assert_eq!(next_hour("2026123123").as_deref(), Some("2027010100"));
    }
}
