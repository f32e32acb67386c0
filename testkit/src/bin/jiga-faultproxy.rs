//! `jiga-faultproxy`: the proxies of `jiga-testkit` as a process, for the tests of bindings
//! in other languages. See the crate's README for the flags.

// The listening line on stdout is the interface with the test harness.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: jiga-faultproxy --upstream HOST:PORT (--chop MIN..MAX | --drop-first-response TRIGGER) [--stats FILE]";

enum Mode {
    Chop(usize, usize),
    Drop(String),
}

fn parse(args: &[String]) -> Result<(SocketAddr, Mode, Option<String>), String> {
    let (mut upstream, mut mode, mut stats) = (None, None, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--upstream" => {
                let v = value()?;
                upstream = Some(v.parse().map_err(|e| format!("--upstream {v}: {e}"))?);
            }
            "--chop" => {
                let v = value()?;
                let (a, b) = v
                    .split_once("..")
                    .ok_or(format!("--chop {v}: want MIN..MAX"))?;
                let (a, b) = (a.parse::<usize>(), b.parse::<usize>());
                match (a, b) {
                    (Ok(a), Ok(b)) if 0 < a && a < b => mode = Some(Mode::Chop(a, b)),
                    _ => return Err(format!("--chop {v}: want 0 < MIN < MAX")),
                }
            }
            "--drop-first-response" => mode = Some(Mode::Drop(value()?)),
            "--stats" => stats = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    match (upstream, mode) {
        (Some(u), Some(m)) => Ok((u, m, stats)),
        _ => Err("--upstream and one of --chop / --drop-first-response are required".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (upstream, mode, stats) = match parse(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("jiga-faultproxy: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("jiga-faultproxy: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let on_fault = move |n: usize| {
            if let Some(path) = &stats {
                // Written whole, then renamed: a reader never sees half a number.
                let tmp = format!("{path}.tmp");
                if std::fs::write(&tmp, format!("{n}\n")).is_ok() {
                    let _ = std::fs::rename(&tmp, path);
                }
            }
        };
        let proxy = match mode {
            Mode::Chop(a, b) => jiga_testkit::chopping(upstream, a..b, on_fault).await,
            Mode::Drop(trigger) => jiga_testkit::cutting(upstream, trigger, on_fault).await,
        };
        match proxy {
            Ok(p) => {
                println!("jiga-faultproxy listening on {}", p.url);
                let _ = std::io::stdout().flush();
                std::future::pending::<()>().await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("jiga-faultproxy: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
