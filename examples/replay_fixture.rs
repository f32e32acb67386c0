//! The Rust side of the replay benchmark of bindings that sit on the C ABI (the Unity
//! package's `bindings/unity/bench/run.sh`): the same server and the same finished session for
//! the Rust core alone and for the binding's reader.
//!
//! Run with (`cargo run --release -p jiga-examples --bin replay-fixture -- …`):
//! - `… -- record URL EVENTS`: records one finished session of at least `EVENTS` events from a
//!   fast agent (as `core/benches/replay.rs` does) and prints `events=<n>`, `session=<id>` and
//!   `hirer_device=<id>`, for the binding's reader to replay the same session.
//! - `… -- read URL SESSION DEVICE_ID RUNS`: the Rust core alone reading that replay through
//!   `SessionStream::next_event` (best of `RUNS`); prints `rust_events_per_sec=<n>`.

// A fixture program reports on stdout for the script that runs it.
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use jiga::Dof;
use jiga::client::Client;
use jiga::model::{
    AgentType, CreateAgentRequest, HireRequest, Pricing, Rank, TopupProvider, TopupRequest,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn agent_request(name: &str, game: &str, actions_per_second: u32) -> CreateAgentRequest {
    CreateAgentRequest {
        name: name.into(),
        description: "created by replay-fixture".into(),
        tags: vec![],
        specializations: vec![],
        games: vec![game.into()],
        rank: Rank::Gold,
        agent_type: AgentType::Teammate,
        provider: "sim".into(),
        has_voice_chat: false,
        has_commentator: true,
        pricing: Pricing {
            per_minute: Dof::new(1),
            per_action: Dof::new(1),
        },
        actions_per_second,
        image_url: None,
        nationality: None,
    }
}

async fn record(url: &str, want: u64) -> Result<(), BoxError> {
    let owner = Client::builder().base_url(url).build()?;
    owner.sign_in_device("replay-owner").await?;
    let agent = owner
        .create_agent(&agent_request("Replay", "bench", 1000))
        .await?;
    owner.publish_agent(&agent.id).await?;
    let hirer_device = format!("replay-hirer-{}", agent.id);
    let hirer = Client::builder().base_url(url).build()?;
    hirer.sign_in_device(&hirer_device).await?;
    hirer
        .topup(&TopupRequest {
            amount: Dof::new(1_000_000),
            provider: TopupProvider::Dev,
        })
        .await?;
    let hired = hirer
        .hire(&HireRequest {
            agent_id: agent.id.clone(),
            game: "bench".into(),
            budget: Dof::new(1_000_000),
            max_minutes: None,
            expected_pricing: None,
        })
        .await?;
    let sid = hired.session.id;
    while hirer.session(&sid).await?.last_seq < want {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    hirer.end_session(&sid).await?;
    let total = hirer.session(&sid).await?.last_seq;
    println!("events={total}");
    println!("session={sid}");
    println!("hirer_device={hirer_device}");
    Ok(())
}

async fn read(url: &str, sid: &str, device: &str, runs: usize) -> Result<(), BoxError> {
    let hirer = Client::builder().base_url(url).build()?;
    hirer.sign_in_device(device).await?;
    let total = hirer.session(sid).await?.last_seq;
    let mut best = 0f64;
    for _ in 0..runs {
        let start = Instant::now();
        let events = hirer.session_events(sid);
        let mut n = 0u64;
        while let Some(ev) = events.next_event().await? {
            std::hint::black_box(ev);
            n += 1;
        }
        let t = start.elapsed();
        if n != total {
            return Err(format!("the replay delivered {n} of {total} events").into());
        }
        best = best.max(n as f64 / t.as_secs_f64());
    }
    println!("rust_events_per_sec={best:.0}");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["record", url, events] => record(url, events.parse()?).await,
        ["read", url, session, device, runs] => read(url, session, device, runs.parse()?).await,
        _ => {
            Err("usage: replay-fixture record URL EVENTS | read URL SESSION DEVICE_ID RUNS".into())
        }
    }
}
