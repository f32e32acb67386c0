//! The `jiga-server` binary. Run with: `cargo run -p jiga-server -- --seed-demo`.

use clap::Parser;
use jiga_server::Config;
use jiga_server::telemetry::Traces;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let traces = match init_tracing(&config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("jiga-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let server = match jiga_server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jiga-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The handlers are installed before the listening line: a caller may send SIGTERM as
    // soon as it reads it, and a handler installed later (inside the spawned task, as it
    // once was) let that signal kill the process instead of shutting it down.
    let signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jiga-server: cannot install the signal handlers: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The contract's one line on stdout, so a caller can discover a port-0 address.
    #[allow(clippy::print_stdout)]
    {
        println!("jiga-server listening on {}", server.url());
    }
    let state = server.state().clone();
    tokio::spawn(async move {
        signals.recv().await;
        tracing::info!("shutting down");
        state.shutdown.cancel();
    });
    server.shutdown_when_cancelled().await;
    if let Some(traces) = traces {
        traces.shutdown().await;
    }
    std::process::ExitCode::SUCCESS
}

/// Logs to stderr (`JIGA_LOG`, `--log-json`) and, with `--otlp-endpoint`, exports traces.
fn init_tracing(config: &Config) -> Result<Option<Traces>, String> {
    let filter = EnvFilter::try_from_env("JIGA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let Some(endpoint) = &config.otlp_endpoint else {
        // No exporter: the log layer alone, its filter global as it always was.
        let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
        if config.log_json {
            builder.json().init();
        } else {
            builder.init();
        }
        return Ok(None);
    };
    // Each layer filters for itself: the logs keep `JIGA_LOG`, the exporter takes the
    // `request` and `session` spans whatever the log level.
    let traces = Traces::start(endpoint, config.trace_sample_ratio)?;
    let logs = fmt::layer().with_writer(std::io::stderr);
    let logs = if config.log_json {
        logs.json().with_filter(filter).boxed()
    } else {
        logs.with_filter(filter).boxed()
    };
    tracing_subscriber::registry()
        .with(logs)
        .with(traces.layer())
        .init();
    tracing::info!(
        endpoint = %jiga_server::telemetry::traces_url(endpoint),
        ratio = config.trace_sample_ratio,
        "exporting traces"
    );
    Ok(Some(traces))
}

/// SIGINT and SIGTERM, registered with the runtime when built, so a signal that arrives
/// before anyone awaits it is still kept.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves at the first SIGINT or SIGTERM (Ctrl-C elsewhere).
    async fn recv(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
