//! Tests: api_errors.
