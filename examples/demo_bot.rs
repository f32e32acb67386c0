//! A bot that hires an agent and follows its session live.
//!
//! Run with: `cargo run --release -p jiga-examples --bin demo-bot` (an embedded store with the
//! demo catalogue) or `cargo run --release -p jiga-examples --bin demo-bot -- http://127.0.0.1:3000`
//! (a running `jiga-server --seed-demo`).
//!
//! It signs in as the demo player, searches the marketplace for the best-rated agent it can
//! afford, hires it with a budget, streams the session with a live bar of the budget, ends the
//! session after a few seconds (or when a client-side cap is hit), then prints the server's
//! settlement and checks it against what the stream charged.

// An example program talks to its user on stdout.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use jiga::accounting::{BudgetGuard, DofMeter, GuardAction, reconcile};
use jiga::client::{Client, SearchParams};
use jiga::model::{HireRequest, SearchSort, TopupProvider, TopupRequest};
use jiga::{Dof, EventKind};

/// What the bot is willing to spend on one session.
const BUDGET: i64 = 400;
/// How long it watches before ending the session itself.
const WATCH: Duration = Duration::from_secs(8);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JIGA_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    // 1. A store: the one given on the command line, or an embedded one with the demo catalogue.
    let mut embedded = None;
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            let dir = tempfile::tempdir()?;
            let mut config = jiga_server::Config::for_tests(format!(
                "sqlite://{}",
                dir.path().join("demo.db").display()
            ));
            config.seed_demo = true;
            let server = jiga_server::start(config).await?;
            println!("started an embedded store at {}", server.url());
            let url = server.url();
            embedded = Some((server, dir));
            url
        }
    };

    // 2. Sign in as the demo player (or, on a store without the demo seed, as a new device
    //    user with a development top-up).
    let client = Client::builder().base_url(&url).build()?;
    let user = match client
        .login(
            jiga_server::seed::DEMO_EMAIL,
            jiga_server::seed::DEMO_PASSWORD,
        )
        .await
    {
        Ok(user) => user,
        Err(_) => {
            let user = client.sign_in_device("jiga-demo-bot").await?;
            client
                .topup(&TopupRequest {
                    amount: Dof::new(1_000),
                    provider: TopupProvider::Dev,
                })
                .await?;
            user
        }
    };
    let wallet = client.wallet().await?;
    println!(
        "signed in as {} with {} available",
        user.display_name, wallet.available
    );

    // 3. The best-rated agent whose first minute the budget covers.
    let budget = Dof::new(BUDGET).min(wallet.available);
    let found = client
        .search(
            &SearchParams::new()
                .sort(SearchSort::Rating)
                .price_max(budget)
                .limit(20),
        )
        .await?;
    let Some(pick) = found.items.into_iter().next() else {
        return Err(format!("no agent costs at most {budget} per minute").into());
    };
    println!(
        "hiring {} ({} {}, rated {:.1} from {} review{}) at {}/min + {}/action",
        pick.agent.name,
        pick.agent.rank,
        pick.agent.agent_type,
        pick.rating,
        pick.review_count,
        if pick.review_count == 1 { "" } else { "s" },
        pick.agent.pricing.per_minute,
        pick.agent.pricing.per_action
    );
    let game = pick
        .agent
        .games
        .first()
        .cloned()
        .unwrap_or_else(|| "practice".into());
    let hired = client
        .hire(&HireRequest {
            agent_id: pick.agent.id.clone(),
            game,
            budget,
            max_minutes: Some(5),
            expected_pricing: Some(pick.agent.pricing),
        })
        .await?;
    let session_id = hired.session.id.clone();

    // 4. Follow the session live; end it after a while, or when the guard's cap is reached.
    let bar = ProgressBar::new(budget.get() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40.cyan/blue} {pos:>4}/{len} DOF  {msg}",
    )?);
    let mut meter = DofMeter::new();
    let mut guard = BudgetGuard::new(budget)
        .cap(Dof::new(budget.get() * 3 / 4))
        .warn_at([0.5]);
    let ender = {
        let (client, id) = (client.clone(), session_id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(WATCH).await;
            client.end_session(&id).await
        })
    };
    // A handle over the stream's driver: every event once, in order, across reconnects.
    let events = client.session_events(&session_id);
    let mut settlement = None;
    let mut ended_early = false;
    while let Some(event) = events.next_event().await? {
        meter.observe(&event)?;
        bar.set_position(meter.consumed().get().max(0) as u64);
        match &event.kind {
            EventKind::Action(a) => bar.set_message(format!("#{} {}", event.seq, a.detail)),
            EventKind::Commentary { text } => bar.println(format!("  commentator: {text}")),
            EventKind::Ended {
                reason,
                settlement: s,
            } => {
                bar.finish_with_message(format!("session ended: {reason}"));
                settlement = Some(*s);
            }
            _ => {}
        }
        for action in guard.check_meter(&meter) {
            match action {
                GuardAction::Warn(f) => bar.println(format!("  budget: {:.0}% used", f * 100.0)),
                GuardAction::End if !ended_early => {
                    ended_early = true;
                    bar.println("  budget cap reached: ending the session");
                    ender.abort();
                    client.end_session(&session_id).await?;
                }
                _ => {}
            }
        }
    }
    let Some(settlement) = settlement else {
        return Err("the stream ended without session.ended".into());
    };

    // 5. The server's settlement, checked against what the stream charged.
    println!(
        "settlement: consumed {}, owner earns {}, platform fee {}, released {}",
        settlement.consumed,
        settlement.owner_earnings,
        settlement.platform_fee,
        settlement.released
    );
    let r = reconcile(&meter, &settlement)?;
    println!(
        "reconciled: {} charges seen on the stream add up to the settled {}",
        r.charges, r.consumed
    );
    println!("wallet now: {} available", client.wallet().await?.available);
    if let Some((server, _dir)) = embedded {
        server.shutdown().await;
    }
    Ok(())
}
