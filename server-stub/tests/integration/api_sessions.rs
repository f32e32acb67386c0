//! Tests: api_sessions.
