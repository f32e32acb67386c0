//! Tests: ledger.
