//! The session runner: one task per active session that drives its agent, charges DOF and
//! writes events; the only writer of its session's event log, so seqs never collide.
//!
//! - [`brain`]: the [`brain::AgentBrain`] interface and the deterministic simulation.
//! - [`runner`]: the per-session task, its clock and the messages (end, command) it takes.

pub mod brain;
pub mod runner;
