//! `--seed-demo`: a believable catalogue, its owners, reviews, and a demo player with DOF —
//! all through the same code paths as the API (the player's DOF through a ledger top-up).

use jiga::model::{AgentType, CreateAgentRequest, Pricing, Rank, TopupProvider, TransactionType};
use serde_json::json;

use crate::db::{self, ledger};
use crate::error::AppResult;
use crate::ids::{new_id, now_millis};
use crate::state::AppState;

/// The demo player's login.
pub const DEMO_EMAIL: &str = "demo@jiga.dev";
/// The demo player's password.
pub const DEMO_PASSWORD: &str = "demo-player-1";
/// The DOF granted to the demo player.
pub const DEMO_GRANT: i64 = 50_000;

const GAMES: &[&str] = &[
    "League of Legends",
    "Valorant",
    "Chess",
    "Dota 2",
    "Counter-Strike 2",
    "Fortnite",
    "Rocket League",
    "StarCraft II",
];
const PROVIDERS: &[&str] = &["openai", "anthropic", "mistral", "google", "meta"];
const FIRST: &[&str] = &[
    "Nova", "Atlas", "Echo", "Vex", "Orion", "Lyra", "Kai", "Zephyr", "Mira", "Rook", "Blitz",
    "Sage", "Quill", "Ember", "Juno", "Onyx",
];
const SECOND: &[&str] = &[
    "Tactician",
    "Shotcaller",
    "Strategist",
    "Sentinel",
    "Oracle",
    "Duelist",
    "Maestro",
    "Scout",
];
const SPECS: &[&str] = &[
    "macro strategy",
    "micro mechanics",
    "map awareness",
    "openings",
    "endgames",
    "team fights",
    "economy",
    "positioning",
    "aim training",
    "rotations",
];
const NATIONS: &[&str] = &["KR", "US", "SE", "BR", "DE", "FR", "CN", "PL"];

/// Seeds the demo store once (a second start finds the demo player and does nothing).
///
/// # Errors
/// A database failure.
pub async fn seed_demo(state: &AppState) -> AppResult<()> {
    if state
        .db
        .read(|c| db::users::find_login(c, DEMO_EMAIL))
        .await?
        .is_some()
    {
        return Ok(());
    }
    let player_hash = crate::auth::hash_password(DEMO_PASSWORD.into()).await?;
    let owner_hash = crate::auth::hash_password(new_id("pw")).await?;
    let now = now_millis();
    state
        .db
        .write(move |tx| {
            let player = db::users::create_with_email(tx, DEMO_EMAIL, &player_hash, "Demo Player", now)?;
            let topup_id = new_id("top");
            tx.execute(
                "INSERT INTO topups (id, user_id, amount, provider, status, created_at) VALUES (?1, ?2, ?3, 'dev', 'completed', ?4)",
                rusqlite::params![topup_id, player.id, DEMO_GRANT, now],
            )?;
            ledger::post(
                tx,
                TransactionType::Topup,
                &[(&ledger::account::external(TopupProvider::Dev.as_str()), -DEMO_GRANT), (&ledger::account::available(&player.id), DEMO_GRANT)],
                &json!({"topupId": topup_id, "provider": "dev", "reason": "demo grant"}),
                now,
            )?;
            let owners: Vec<_> = ["Astra Labs", "Pixel Minds", "Deep Play", "Coachbot Co", "Arena AI", "Meta Gamers"]
                .iter()
                .enumerate()
                .map(|(i, name)| db::users::create_with_email(tx, &format!("owner{i}@jiga.dev"), &owner_hash, name, now))
                .collect::<Result<_, db::DbError>>()?;
            for i in 0..48usize {
                let games: Vec<String> = (0..1 + i % 3).map(|k| GAMES[(i + k * 3) % GAMES.len()].to_owned()).collect();
                let kind = AgentType::ALL[i % AgentType::ALL.len()];
                let rank = Rank::ALL[(i * 7) % Rank::ALL.len()];
                let name = format!("{} {}", FIRST[i % FIRST.len()], SECOND[(i / 2) % SECOND.len()]);
                let req = CreateAgentRequest {
                    name: name.clone(),
                    description: format!(
                        "{name} is a {rank} {kind} for {} focused on {}. Hire it for live {} and post-game reviews.",
                        games.join(", "),
                        SPECS[i % SPECS.len()],
                        if matches!(kind, AgentType::Commentator) { "commentary" } else { "guidance" }
                    ),
                    tags: vec![kind.to_string(), rank.to_string(), if i % 2 == 0 { "beginner-friendly".into() } else { "competitive".into() }],
                    specializations: vec![SPECS[i % SPECS.len()].into(), SPECS[(i + 3) % SPECS.len()].into()],
                    games,
                    rank,
                    agent_type: kind,
                    provider: PROVIDERS[i % PROVIDERS.len()].into(),
                    has_voice_chat: i % 3 == 0,
                    has_commentator: matches!(kind, AgentType::Commentator) || i % 4 == 1,
                    pricing: Pricing { per_minute: ((5 + (i * 13) % 60) as i64).into(), per_action: ((i % 4) as i64).into() },
                    actions_per_second: 1 + (i % 4) as u32,
                    image_url: Some(format!("https://img.jiga.dev/agents/{i}.png")),
                    nationality: Some(NATIONS[i % NATIONS.len()].into()),
                };
                let owner = &owners[i % owners.len()];
                let agent = db::agents::create(tx, &owner.id, req, now - (48 - i as i64) * 3_600_000)?;
                // The seed's own events earn achievements like any other; nobody listens yet.
                db::agents::set_published(tx, &agent.id, &owner.id, true, now, &mut Vec::new())?;
                // Reviews and hires as stats, so the catalogue has ratings at first start.
                let reviews = (i * 5) % 9;
                for r in 0..reviews {
                    let rating = 3 + ((i + r) % 3) as u8;
                    db::agents::create_review(tx, &agent.id, &new_id("ses_demo"), jiga::model::OwnerSummary {
                        id: owners[(i + 1) % owners.len()].id.clone(),
                        display_name: owners[(i + 1) % owners.len()].display_name.clone(),
                    }, rating, ["Great session!", "Helped me climb a rank.", "Solid advice, a bit slow.", "Fun commentary."][r % 4], now)?;
                }
                for _ in 0..(i * 3) % 20 {
                    db::agents::bump(tx, &agent.id, db::agents::Stat::Hire)?;
                }
            }
            Ok::<(), db::DbError>(())
        })
        .await?;
    tracing::info!(
        email = DEMO_EMAIL,
        grant = DEMO_GRANT,
        "seeded the demo store"
    );
    Ok(())
}
