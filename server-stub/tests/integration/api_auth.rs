//! Tests: api_auth.
