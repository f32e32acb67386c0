//! Tests: api_wallet.
