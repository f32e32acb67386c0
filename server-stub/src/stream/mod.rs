//! Live delivery: the per-session event hub with its slow-consumer bound, the session-stream
//! WebSocket (replay, then live), and the per-user notifications stream.

pub mod hub;
pub mod notify;
pub mod session_ws;
