//! Tests: stream.
