//! The `jiga-server` binary. Run with: `cargo run -p jiga-server -- --seed-demo`.

use clap::Parser;
use jiga_server::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let filter = EnvFilter::try_from_env("JIGA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
    let server = match jiga_server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jiga-server: {e}");
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
        wait_for_signal().await;
        tracing::info!("shutting down");
        state.shutdown.cancel();
    });
    server.shutdown_when_cancelled().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
