//! The request core: one [`Req`] description, and [`Client::call`], which sends it with the
//! bearer token, refreshes and retries once on a 401, and retries transient failures under
//! the [`RetryPolicy`](super::RetryPolicy). Every retry decision of the client is here.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Client;
use super::error::{Error, Result};
use super::idempotency::IdempotencyKey;
use super::retry::{RetryEvent, RetryReason};
use super::transport::{HttpRequest, HttpResponse, Method, TransportError};
use crate::wire::header;

/// One logical request: sent once, or several times by the retry loop.
///
/// Deliberately not `Debug`: the body may hold a password or a refresh token.
#[derive(Clone)]
pub(crate) struct Req {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    key: Option<IdempotencyKey>,
    auth: bool,
    /// Repeating it has no effect beyond its own answer (a stream ticket: an unused one
    /// expires), so a try cut after sending may be repeated without a key.
    repeatable: bool,
    /// A public answer with a validator: kept, and revalidated with `If-None-Match`.
    validated: bool,
}

impl Req {
    fn new(method: Method, path: impl Into<String>) -> Self {
        Req {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            key: None,
            auth: true,
            repeatable: false,
            validated: false,
        }
    }

    pub(crate) fn get(path: impl Into<String>) -> Self {
        Req::new(Method::Get, path)
    }

    pub(crate) fn post(path: impl Into<String>) -> Self {
        Req::new(Method::Post, path)
    }

    pub(crate) fn patch(path: impl Into<String>) -> Self {
        Req::new(Method::Patch, path)
    }

    pub(crate) fn put(path: impl Into<String>) -> Self {
        Req::new(Method::Put, path)
    }

    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Req::new(Method::Delete, path)
    }

    /// Sends no token (sign-in routes).
    pub(crate) fn anonymous(mut self) -> Self {
        self.auth = false;
        self
    }

    /// Serializes `body` once; every retry sends the same bytes.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidArgument {
            field: None,
            message: format!("request body does not serialize: {e}"),
            request_id: None,
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn queries(mut self, pairs: Vec<(&'static str, String)>) -> Self {
        self.query.extend(pairs);
        self
    }

    /// Marks a write whose repetition has no effect beyond its answer (see `repeatable`).
    pub(crate) fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }

    /// Marks a public marketplace read (v1.2): its answer is kept with its `ETag`, and the
    /// next request for the same URL sends `If-None-Match` and takes a 304 from what was kept.
    pub(crate) fn validated(mut self) -> Self {
        self.validated = true;
        self
    }

    /// The key of a validated answer: the path and its query, in the order sent.
    fn cache_key(&self) -> String {
        let mut key = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            key.push(if i == 0 { '?' } else { '&' });
            key.push_str(k);
            key.push('=');
            key.push_str(&seg(v));
        }
        key
    }

    /// Marks the request as one logical DOF-moving operation with `key`.
    pub(crate) fn idempotent(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Whether a try that may have reached the server can be repeated without a second effect.
    fn replayable(&self) -> bool {
        self.method == Method::Get || self.key.is_some() || self.repeatable
    }
}

/// Percent-encodes one path segment (ids are opaque strings).
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn header_str(res: &HttpResponse, name: &str) -> Option<String> {
    res.header(name).map(str::to_owned)
}

fn retry_after(res: &HttpResponse) -> Option<Duration> {
    res.header(header::RETRY_AFTER)?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A failed try: the error to report and, when it may be retried, why.
struct Failure {
    error: Error,
    retry: Option<RetryReason>,
}

fn transport_failure(e: TransportError, req: &Req) -> Failure {
    let context = format!("{} {}", req.method, req.path);
    match e {
        // It never reached the server, so even a plain write may be repeated.
        TransportError::NotSent { message, source } => Failure {
            error: Error::Transport {
                message: format!("{context}: {message}"),
                source,
            },
            retry: Some(RetryReason::Transport),
        },
        TransportError::Timeout { message } => Failure {
            error: Error::Timeout {
                message: format!("{context}: {message}"),
            },
            retry: req.replayable().then_some(RetryReason::Timeout),
        },
        TransportError::Broken { message, source } => Failure {
            error: Error::Transport {
                message: format!("{context}: {message}"),
                source,
            },
            retry: req.replayable().then_some(RetryReason::Transport),
        },
    }
}

enum Attempt {
    Done(bytes::Bytes),
    Unauthorized(Error),
    Failed(Failure),
}

impl Client {
    /// Sends `req` under the retry policy and decodes a 2xx body as `T`. Everything but the
    /// decoding is [`call_bytes`](Client::call_bytes), which is not generic: one copy of the
    /// retry loop and its span, however many answer types (the wasm module's size).
    pub(crate) async fn call<T: DeserializeOwned>(&self, req: Req) -> Result<T> {
        let bytes = self.call_bytes(&req).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            message: format!("{} {}: {e}", req.method, req.path),
        })
    }

    /// Sends `req` under the retry policy; the 2xx answer's body (a 204's is empty) is not
    /// read.
    pub(crate) async fn call_no_body(&self, req: Req) -> Result<()> {
        self.call_bytes(&req).await.map(drop)
    }

    /// [`attempts`](Client::attempts), cut short by [`Client::close`].
    #[tracing::instrument(name = "jiga.call", skip_all, fields(method = %req.method, path = %req.path))]
    async fn call_bytes(&self, req: &Req) -> Result<bytes::Bytes> {
        let mut shutdown = self.inner.shutdown.subscribe();
        if *shutdown.borrow() {
            return Err(super::closed_error());
        }
        tokio::select! {
            biased;
            _ = shutdown.wait_for(|closed| *closed) => Err(super::closed_error()),
            r = self.attempts(req) => r,
        }
    }

    async fn attempts(&self, req: &Req) -> Result<bytes::Bytes> {
        let policy = self.inner.retry;
        let started = self.inner.timer.now();
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let token = if req.auth {
                self.inner.auth.bearer(self).await?
            } else {
                None
            };
            let failure = match self.try_once(req, token.as_deref(), attempt).await {
                Attempt::Done(bytes) => return Ok(bytes),
                Attempt::Unauthorized(error) => match token {
                    // The token was refused (expired early, or the clock is off): refresh
                    // once and try again; nothing was applied.
                    Some(stale) if !refreshed => {
                        refreshed = true;
                        attempt -= 1;
                        self.inner.auth.refresh_replacing(self, &stale).await?;
                        continue;
                    }
                    _ => return Err(error),
                },
                Attempt::Failed(f) => f,
            };
            let Some(reason) = failure.retry else {
                return Err(failure.error);
            };
            if attempt >= policy.max_attempts {
                return Err(failure.error);
            }
            let delay = match &failure.error {
                Error::RateLimited {
                    retry_after: Some(d),
                    ..
                } => *d,
                _ => policy.backoff(attempt),
            };
            if self.inner.timer.now().saturating_sub(started) + delay > policy.budget {
                return Err(failure.error);
            }
            tracing::debug!(attempt, %reason, delay_ms = delay.as_millis() as u64, "retrying");
            self.inner.observer.on_retry(&RetryEvent {
                method: req.method.to_string(),
                path: req.path.clone(),
                attempt,
                reason,
                delay,
            });
            self.inner.timer.sleep(delay).await;
        }
    }

    async fn try_once(&self, req: &Req, token: Option<&str>, attempt: u32) -> Attempt {
        let mut headers = Vec::with_capacity(3);
        if let Some(t) = token {
            headers.push((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        if let Some(k) = &req.key {
            headers.push((header::IDEMPOTENCY_KEY, k.as_str().to_owned()));
        }
        if req.body.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        // The kept copy is read once, here: a 304 confirms exactly the copy whose validator
        // this try sent, whatever happens to the cache meanwhile.
        let kept = if req.validated {
            self.inner.validators.get(&req.cache_key())
        } else {
            None
        };
        if let Some(k) = &kept {
            headers.push((header::IF_NONE_MATCH, k.etag.clone()));
        }
        // Every try carries the caller's trace, so each shows as a child of the same span.
        #[cfg(feature = "otel")]
        super::otel::inject(&mut headers);
        let sent = self
            .inner
            .transport
            .send(HttpRequest {
                method: req.method,
                url: format!("{}{}", self.inner.base, req.path),
                query: req.query.clone(),
                headers,
                body: req.body.clone(),
            })
            .await;
        let res = match sent {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(transport_failure(e, req)),
        };
        let (status, body) = (res.status, res.body.clone());
        tracing::debug!(status, request_id = ?res.header(header::REQUEST_ID), "answer");
        if status == 304
            && let Some(k) = kept
        {
            return Attempt::Done(k.body);
        }
        if (200..300).contains(&status) {
            if req.validated
                && let Some(etag) = res.header(header::ETAG)
            {
                self.inner.validators.keep(&req.cache_key(), etag, &body);
            }
            return Attempt::Done(body);
        }
        let error = Error::from_response(
            status,
            &body,
            header_str(&res, header::REQUEST_ID),
            retry_after(&res),
        );
        if status == 401 {
            return Attempt::Unauthorized(error);
        }
        let retry = match status {
            // The rate limiter answers before any handler runs: nothing was applied.
            429 => Some(RetryReason::RateLimited),
            500..=599 if req.replayable() => Some(RetryReason::ServerError(status)),
            // A retry of a keyed request may find the first try still running on the server,
            // which answers 409 `conflict` while it is in flight. A final answer to the key
            // comes back replayed (`Idempotent-Replayed: true`) and is not retried.
            409 if req.key.is_some()
                && attempt > 1
                && matches!(error, Error::Conflict { .. })
                && res.header(header::IDEMPOTENT_REPLAYED) != Some("true") =>
            {
                Some(RetryReason::InFlight)
            }
            _ => None,
        };
        Attempt::Failed(Failure { error, retry })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(seg("agt_01J"), "agt_01J");
        assert_eq!(seg("a/b c?"), "a%2Fb%20c%3F");
    }

    #[test]
    fn only_reads_and_keyed_writes_are_replayable() {
        assert!(Req::get("/v1/wallet").replayable());
        assert!(!Req::post("/v1/agents").replayable());
        assert!(
            Req::post("/v1/events/stream-tickets")
                .repeatable()
                .replayable()
        );
        assert!(
            Req::post("/v1/wallet/topups")
                .idempotent(IdempotencyKey::generate())
                .replayable()
        );
    }
}
