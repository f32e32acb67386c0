//! Synthetic listings for tests and benchmarks: deterministic, varied enough to exercise
//! every filter, facet and sort, with a realistically large vocabulary.

use jiga::Dof;
use jiga::Timestamp;
use jiga::model::{Agent, AgentStatus, AgentType, Listing, OwnerSummary, Pricing, Rank};

const GAMES: &[&str] = &[
    "Chess",
    "Counter-Strike 2",
    "League of Legends",
    "Valorant",
    "Dota 2",
    "Fortnite",
    "Rocket League",
    "StarCraft II",
    "Minecraft",
    "Apex Legends",
    "Overwatch 2",
    "Street Fighter 6",
    "Tekken 8",
    "Hearthstone",
    "Go",
    "Poker",
];
const PROVIDERS: &[&str] = &["openai", "anthropic", "google", "mistral", "meta", "OpenAI"];
const ADJECTIVES: &[&str] = &[
    "Swift", "Silent", "Crimson", "Iron", "Lucky", "Clever", "Frozen", "Golden", "Shadow", "Rapid",
    "Brave", "Cosmic", "Nimble", "Stoic", "Wild", "Arcane",
];
const NOUNS: &[&str] = &[
    "Sniper",
    "Falcon",
    "Strategist",
    "Tactician",
    "Wizard",
    "Ranger",
    "Knight",
    "Oracle",
    "Striker",
    "Guardian",
    "Phantom",
    "Mentor",
    "Caster",
    "Scout",
    "Titan",
    "Rook",
];
const TAGS: &[&str] = &[
    "aim",
    "macro",
    "micro",
    "positioning",
    "openings",
    "endgame",
    "rotations",
    "economy",
    "clutch",
    "teamwork",
    "calm",
    "aggressive",
    "beginner",
    "pro",
    "fun",
    "competitive",
];
const SPECIALIZATIONS: &[&str] = &[
    "aim training",
    "map control",
    "opening theory",
    "laning phase",
    "shot calling",
    "replay analysis",
    "build orders",
    "combo drills",
];
const PROSE: &[&str] = &[
    "helps",
    "you",
    "improve",
    "your",
    "game",
    "with",
    "patient",
    "feedback",
    "and",
    "clear",
    "advice",
    "learn",
    "faster",
    "every",
    "match",
    "review",
    "mistakes",
    "practice",
    "drills",
    "strategy",
    "tactics",
    "coaching",
    "friendly",
    "expert",
    "players",
    "ranked",
    "climb",
    "session",
    "voice",
    "commentary",
    "analysis",
    "decision",
    "making",
    "mechanics",
    "focus",
    "on",
    "the",
    "fundamentals",
    "advanced",
    "techniques",
    "for",
    "teams",
    "solo",
    "queue",
];

/// A small deterministic generator (64-bit LCG); quality is irrelevant here, determinism is.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next()).unwrap_or(0) % n.max(1)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from.get(self.below(from.len())).copied().unwrap_or("")
    }
}

/// A made-up word unique to `n`, so the vocabulary grows with the listings as real text does.
fn coined(n: usize) -> String {
    let mut n = n;
    let mut w = String::from("zor");
    loop {
        w.push(char::from(b'a' + u8::try_from(n % 26).unwrap_or(0)));
        n /= 26;
        if n == 0 {
            return w;
        }
    }
}

/// `n` synthetic listings with ids `agt_00000`…, deterministic for a given `n`.
#[doc(hidden)]
#[must_use]
pub fn synthetic_listings(n: usize) -> Vec<Listing> {
    let mut rng = Lcg(0x5eed);
    let base_ms: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    (0..n)
        .filter_map(|i| {
            let picks = |rng: &mut Lcg, from: &[&str], max: usize| -> Vec<String> {
                let k = 1 + rng.below(max);
                let mut v: Vec<String> = (0..k).map(|_| rng.pick(from).to_owned()).collect();
                v.sort();
                v.dedup();
                v
            };
            let name = format!("{} {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS), i % 1000);
            let mut description: Vec<String> = (0..20 + rng.below(30))
                .map(|_| rng.pick(PROSE).to_owned())
                .collect();
            description.push(coined(i));
            let created_ms = base_ms + i64::try_from(rng.below(10_000_000)).unwrap_or(0) * 1000;
            let created_at = Timestamp::from_unix_millis(created_ms)?;
            let hires = rng.next() % 500;
            let agent = Agent {
                id: format!("agt_{i:05}"),
                owner_id: format!("usr_{:04}", i % 997),
                name,
                description: description.join(" "),
                tags: picks(&mut rng, TAGS, 4),
                specializations: picks(&mut rng, SPECIALIZATIONS, 2),
                games: picks(&mut rng, GAMES, 3),
                rank: *Rank::ALL.get(rng.below(Rank::ALL.len()))?,
                agent_type: *AgentType::ALL.get(rng.below(AgentType::ALL.len()))?,
                provider: rng.pick(PROVIDERS).to_owned(),
                has_voice_chat: rng.below(2) == 0,
                has_commentator: rng.below(3) == 0,
                pricing: Pricing {
                    per_minute: Dof::new(i64::try_from(rng.below(50)).unwrap_or(0)),
                    per_action: Dof::new(i64::try_from(rng.below(3)).unwrap_or(0)),
                },
                actions_per_second: 2,
                image_url: None,
                nationality: None,
                status: AgentStatus::Published,
                version: 1,
                created_at,
                updated_at: created_at,
            };
            // Coarse values on purpose, so every tie-break level gets exercised.
            let rating = f64::from(u8::try_from(rng.below(51)).unwrap_or(0)) / 10.0;
            Some(Listing {
                owner: OwnerSummary {
                    id: agent.owner_id.clone(),
                    display_name: format!("Owner {}", i % 997),
                },
                agent,
                rating,
                review_count: rng.next() % 100,
                total_hires: hires,
                popularity: f64::from(u32::try_from(hires % 50).unwrap_or(0)),
                success_rate: 1.0,
            })
        })
        .collect()
}
