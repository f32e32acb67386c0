//! Live delivery: the per-session event hub with its slow-consumer bound, the session-stream
//! WebSocket (replay, then live), the per-user notifications stream, and the single-use
//! tickets that open them; the per-user cap on open connections; [`deps::StreamDeps`], what the
//! streams take of the server.

pub mod conns;
pub mod deps;
pub mod hub;
pub mod notify;
pub mod session_ws;
pub mod tickets;
