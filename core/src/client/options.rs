//! [`ClientOptions`]: a client's settings as JSON, the one form every binding takes them in.

use std::time::Duration;

use super::auth::{MemoryTokenStore, Tokens};
use super::error::{Error, Result};
use super::retry::RetryPolicy;
use super::{Client, ClientBuilder};

/// A client's settings as bindings take them (camelCase JSON; unknown members refused):
///
/// ```
/// use jiga::client::ClientOptions;
///
/// let o: ClientOptions = serde_json::from_str(
///     r#"{"baseUrl": "http://127.0.0.1:3000", "timeoutMs": 5000, "retry": {"maxAttempts": 2}}"#,
/// )?;
/// assert_eq!(o.retry.and_then(|r| r.max_attempts), Some(2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The store's base URL (`http://127.0.0.1:3000`).
    pub base_url: String,
    /// Per-request timeout in milliseconds (at least 1).
    pub timeout_ms: Option<u64>,
    /// Connection timeout in milliseconds (at least 1).
    pub connect_timeout_ms: Option<u64>,
    /// The retry policy; members left out keep [`RetryPolicy::default`]'s.
    pub retry: Option<RetryOptions>,
    /// Tokens saved from [`Client::tokens`], to start signed in.
    pub tokens: Option<Tokens>,
}

/// [`RetryPolicy`] as JSON: `maxAttempts`, `initialBackoffMs`, `maxBackoffMs`, `budgetMs`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RetryOptions {
    /// Attempts in all, at least 1.
    pub max_attempts: Option<u32>,
    /// The first backoff, in milliseconds.
    pub initial_backoff_ms: Option<u64>,
    /// The longest backoff, in milliseconds.
    pub max_backoff_ms: Option<u64>,
    /// The time all attempts of one call may take, in milliseconds.
    pub budget_ms: Option<u64>,
}

/// A binding's JSON argument (`ClientOptions`, `SearchParams`, `StreamOptions`, a request
/// body…) as `T`, or [`Error::InvalidArgument`] naming `what`. Every binding that takes the
/// contract's JSON parses it here, so a bad argument fails the same way in each.
///
/// # Errors
/// [`Error::InvalidArgument`] when `json` is not a `T`.
pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_slice(json.as_bytes()).map_err(|e| Error::InvalidArgument {
        field: Some(what.to_owned()),
        message: format!("{what}: {e}"),
        request_id: None,
    })
}

fn invalid(field: &str, message: &str) -> Error {
    Error::InvalidArgument {
        field: Some(field.to_owned()),
        message: format!("'{field}' {message}"),
        request_id: None,
    }
}

fn millis(v: Option<u64>, field: &str) -> Result<Option<Duration>> {
    match v {
        Some(0) => Err(invalid(field, "must be at least 1")),
        other => Ok(other.map(Duration::from_millis)),
    }
}

impl RetryOptions {
    fn policy(&self) -> Result<RetryPolicy> {
        let mut p = RetryPolicy::default();
        if let Some(n) = self.max_attempts {
            if n == 0 {
                return Err(invalid("retry.maxAttempts", "must be at least 1"));
            }
            p.max_attempts = n;
        }
        if let Some(d) = millis(self.initial_backoff_ms, "retry.initialBackoffMs")? {
            p.initial_backoff = d;
        }
        if let Some(d) = millis(self.max_backoff_ms, "retry.maxBackoffMs")? {
            p.max_backoff = d;
        }
        if let Some(d) = millis(self.budget_ms, "retry.budgetMs")? {
            p.budget = d;
        }
        Ok(p)
    }
}

impl ClientOptions {
    /// A builder with these settings (and a [`MemoryTokenStore`] holding `tokens`); the
    /// binding adds its spawner or transports and builds.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the member that is out of range.
    pub fn into_builder(self) -> Result<ClientBuilder> {
        let mut b = Client::builder()
            .base_url(self.base_url)
            .token_store(std::sync::Arc::new(MemoryTokenStore::with(self.tokens)));
        if let Some(t) = millis(self.timeout_ms, "timeoutMs")? {
            b = b.timeout(t);
        }
        if let Some(t) = millis(self.connect_timeout_ms, "connectTimeoutMs")? {
            b = b.connect_timeout(t);
        }
        if let Some(r) = &self.retry {
            b = b.retry(r.policy()?);
        }
        Ok(b)
    }
}
