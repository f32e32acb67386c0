//! Integration tests of the client against the real `jiga-server`, started in-process on
//! 127.0.0.1:0 over a SQLite file in a temporary directory. One module per API area.

mod agents;
mod auth;
mod caching;
mod common;
mod errors;
mod handles;
mod marketplace;
#[cfg(feature = "otel")]
mod otel;
mod retry;
mod sessions;
mod stream;
mod users;
mod wallet;
