//! A real SMTP server on loopback for the email tests: Python's aiosmtpd running
//! `smtp_sink.py`, which parses every message it accepts with Python's `email` package and
//! keeps it as a JSON line.
//!
//! The test command (scripts/test.sh) provides a Python with aiosmtpd as
//! `JIGA_CHANNELS_PYTHON`; without it [`SmtpSink::start`] answers `None` (a bare `cargo
//! test`), and under CI that is a failure.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The running SMTP server; killed on drop.
pub struct SmtpSink {
    child: Child,
    /// `smtp://127.0.0.1:<port>`.
    pub url: String,
    out: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    /// Starts one that answers the first `fail_first` messages with 451; `None` without
    /// `JIGA_CHANNELS_PYTHON` outside CI.
    pub fn start(fail_first: usize) -> Option<SmtpSink> {
        let Some(python) = std::env::var_os("JIGA_CHANNELS_PYTHON") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must set JIGA_CHANNELS_PYTHON (scripts/test.sh does)"
            );
            eprintln!("JIGA_CHANNELS_PYTHON is not set: the email checks are skipped");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("mail.ndjson");
        let mut child = Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/channels/smtp_sink.py"
            ))
            .arg(&out)
            .arg("--fail-first")
            .arg(fail_first.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP sink starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the SMTP sink says its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("the SMTP sink said {line:?}"));
        Some(SmtpSink {
            child,
            url: format!("smtp://127.0.0.1:{port}"),
            out,
            _dir: dir,
        })
    }

    /// Every message received so far, parsed: `{envelopeTo, from, to, subject, messageId,
    /// date, autoSubmitted, contentType, text, html}`.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// Waits until `n` messages arrived (at most `secs` seconds); all of them.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.messages();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                assert!(got.len() >= n, "the SMTP sink got {got:#?}, wanted {n}");
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The notification id a message is named by: `<ntf_…@domain>` → `ntf_…`.
pub fn notification_id(message: &Value) -> String {
    message["messageId"]
        .as_str()
        .and_then(|m| m.strip_prefix('<'))
        .and_then(|m| m.split_once('@'))
        .map(|(id, _)| id.to_owned())
        .unwrap_or_else(|| panic!("no Message-ID in {message}"))
}
