//! Integration tests of `jiga-server`: the real server on 127.0.0.1:0, real SQLite files, real
//! HTTP and WebSocket clients. One binary, a module per domain.

mod common;
#[path = "../channels/smtp.rs"]
mod smtp;

mod api_achievements;
mod api_agents;
mod api_analytics;
mod api_auth;
mod api_email;
mod api_errors;
mod api_headers;
mod api_limits;
mod api_listing_cache;
mod api_marketplace;
mod api_sessions;
mod api_shopify;
mod api_wallet;
mod api_webhooks;
mod ledger;
mod regression;
mod stream;
