//! [`AgentBrain`]: what an agent does in a session, and [`SimBrain`], the reference server's
//! deterministic simulation of one.
//!
//! A real AI agent plugs in by implementing [`AgentBrain`]; the session runner around it owns
//! the clock, the charging and the event log. `SimBrain` derives every choice from the session
//! id and the action's index alone, so the same session always plays the same way — also when
//! it resumes after a restart.

use jiga::event::AgentAction;
use jiga::model::{Agent, AgentType, Session};

/// Characters of a command's `focus` the simulation keeps: it repeats the focus in every later
/// action, so an unbounded one would be copied into every event the session stores.
pub const MAX_FOCUS_CHARS: usize = 64;

/// Makes the agent of each session; the runner takes its agents only through this, so another
/// agent implementation is one type away.
pub trait BrainFactory: Send + Sync + 'static {
    /// The agent playing `session` (as hired: `agent` is the agent at hire time).
    fn brain(&self, session: &Session, agent: &Agent) -> Box<dyn AgentBrain>;
}

/// The reference server's factory: a [`SimBrain`] per session.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimBrains;

impl BrainFactory for SimBrains {
    fn brain(&self, session: &Session, agent: &Agent) -> Box<dyn AgentBrain> {
        Box::new(SimBrain::new(&session.id, agent.agent_type, &session.game))
    }
}

/// The behaviour of an agent in a session.
pub trait AgentBrain: Send + 'static {
    /// The agent's `index`-th action (from 0).
    fn action(&mut self, index: u64) -> AgentAction;
    /// The agent's `index`-th commentary line (from 0).
    fn commentary(&mut self, index: u64) -> String;
    /// A command from the hirer reached the agent.
    fn command(&mut self, command_id: &str, data: &serde_json::Value);
}

/// SplitMix64: a tiny, well-mixed generator; good enough for a simulation and dependency-free.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of the session id: the simulation's seed.
fn seed_of(session_id: &str) -> u64 {
    session_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The deterministic simulated agent.
pub struct SimBrain {
    seed: u64,
    kind: AgentType,
    game: String,
    /// The last command seen; the simulation mentions it in its next lines.
    focus: Option<String>,
}

impl SimBrain {
    /// The simulation of an agent of `kind` playing `game` in session `session_id`.
    #[must_use]
    pub fn new(session_id: &str, kind: AgentType, game: &str) -> Self {
        SimBrain {
            seed: seed_of(session_id),
            kind,
            game: game.to_owned(),
            focus: None,
        }
    }

    fn roll(&self, index: u64, salt: u64) -> u64 {
        mix(self.seed ^ mix(index.wrapping_mul(31).wrapping_add(salt)))
    }
}

fn pick<'a>(items: &[&'a str], r: u64) -> &'a str {
    items[(r % items.len() as u64) as usize]
}

impl AgentBrain for SimBrain {
    fn action(&mut self, index: u64) -> AgentAction {
        let verbs: &[&str] = match self.kind {
            AgentType::Coach => &["hint", "analyze", "suggest", "review", "drill"],
            AgentType::Teammate => &["move", "attack", "defend", "heal", "scout", "ping"],
            AgentType::Opponent => &["move", "attack", "feint", "ambush", "retreat"],
            AgentType::Commentator => &["observe", "highlight", "replay"],
            AgentType::Analyst => &["measure", "predict", "compare", "chart"],
        };
        let targets = [
            "north lane",
            "mid",
            "south lane",
            "objective A",
            "objective B",
            "enemy carry",
            "jungle",
        ];
        let (r1, r2, r3) = (
            self.roll(index, 1),
            self.roll(index, 2),
            self.roll(index, 3),
        );
        let action = pick(verbs, r1).to_owned();
        let target = (r2 % 4 != 0).then(|| pick(&targets, r2 >> 8).to_owned());
        let confidence = 50 + r3 % 50;
        let detail = match (&target, &self.focus) {
            (Some(t), Some(f)) => format!(
                "{action} on {t} in {} ({confidence}% sure, focusing on {f})",
                self.game
            ),
            (Some(t), None) => format!("{action} on {t} in {} ({confidence}% sure)", self.game),
            (None, _) => format!("{action} in {} ({confidence}% sure)", self.game),
        };
        AgentAction {
            action,
            target,
            detail,
        }
    }

    fn commentary(&mut self, index: u64) -> String {
        let lines = [
            "What a play! The pressure is building.",
            "A quiet moment — both sides are regrouping.",
            "That rotation was textbook.",
            "The tempo is picking up now.",
            "Risky move, but it might just pay off.",
            "Clean execution under pressure.",
        ];
        format!("{} ({})", pick(&lines, self.roll(index, 7)), self.game)
    }

    fn command(&mut self, command_id: &str, data: &serde_json::Value) {
        let focus = data
            .get("focus")
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("command {command_id}"), str::to_owned);
        self.focus = Some(focus.chars().take(MAX_FOCUS_CHARS).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_session_plays_the_same_way() {
        let mut a = SimBrain::new("ses_1", AgentType::Teammate, "dota");
        let mut b = SimBrain::new("ses_1", AgentType::Teammate, "dota");
        let mut c = SimBrain::new("ses_2", AgentType::Teammate, "dota");
        let xs: Vec<_> = (0..50).map(|i| a.action(i)).collect();
        let ys: Vec<_> = (0..50).map(|i| b.action(i)).collect();
        let zs: Vec<_> = (0..50).map(|i| c.action(i)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        // Resuming at index 25 plays what the first run played there.
        let mut d = SimBrain::new("ses_1", AgentType::Teammate, "dota");
        assert_eq!(d.action(25), xs[25]);
    }

    #[test]
    fn regression_command_focus_is_not_copied_whole_into_actions() {
        let mut b = SimBrain::new("ses_1", AgentType::Teammate, "dota");
        let focus = "x".repeat(16 * 1024);
        b.command("c1", &serde_json::json!({ "focus": focus }));
        for i in 0..20 {
            assert!(b.action(i).detail.len() < 200);
        }
    }
}
