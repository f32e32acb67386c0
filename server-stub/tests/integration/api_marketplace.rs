//! Tests: api_marketplace.
