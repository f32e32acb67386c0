//! Signing in, holding the tokens, and refreshing them: [`Tokens`], the [`TokenStore`] hook
//! that lets a game keep them between launches, and the single-flight refresh.
//!
//! Tokens never reach a log: [`Tokens`]' `Debug` prints them redacted.

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::Client;
use super::error::{Error, Result};
use super::http::Req;
use super::transport::{BoxFuture, SendOutsideWasm, SyncOutsideWasm};
use crate::model::{
    AnonymousLoginRequest, AuthResponse, LoginRequest, RefreshRequest, RegisterRequest, User,
};

/// The most a token is refreshed ahead of its expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// The credentials of one login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// The signed-in user.
    pub user_id: String,
    /// The JWT sent as `Authorization: Bearer`.
    pub access_token: String,
    /// The single-use refresh token.
    pub refresh_token: String,
    /// When the access token was received.
    pub obtained_at: SystemTime,
    /// When the access token expires.
    pub expires_at: SystemTime,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("user_id", &self.user_id)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("obtained_at", &self.obtained_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Tokens {
    /// The tokens of a sign-in answer received at `now`.
    #[must_use]
    pub fn from_response(r: &AuthResponse, now: SystemTime) -> Tokens {
        Tokens {
            user_id: r.user.id.clone(),
            access_token: r.access_token.clone(),
            refresh_token: r.refresh_token.clone(),
            obtained_at: now,
            expires_at: now + Duration::from_secs(r.expires_in),
        }
    }

    /// True when the access token should be refreshed before use: less than 30 s left (or
    /// less than half its lifetime, for short-lived tokens).
    #[must_use]
    pub fn needs_refresh(&self, now: SystemTime) -> bool {
        let lifetime = self
            .expires_at
            .duration_since(self.obtained_at)
            .unwrap_or_default();
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        now + margin >= self.expires_at
    }
}

/// Where the client keeps its tokens, so a game can persist them between launches.
///
/// `load` is called once when the client is built; `save` after every sign-in and refresh
/// (with `Some`) and on sign-out or a revoked login (with `None`). Implementations must not
/// block for long: `save` runs on the calling task.
pub trait TokenStore: SendOutsideWasm + SyncOutsideWasm {
    /// The tokens saved last, if any.
    fn load(&self) -> Option<Tokens>;
    /// Replaces the saved tokens (`None` forgets them).
    fn save(&self, tokens: Option<&Tokens>);
}

/// The default [`TokenStore`]: keeps the tokens in memory only.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<Option<Tokens>>,
}

impl MemoryTokenStore {
    /// A store holding `tokens` (for instance read from disk by the application).
    #[must_use]
    pub fn with(tokens: Option<Tokens>) -> Self {
        MemoryTokenStore {
            tokens: Mutex::new(tokens),
        }
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> Option<Tokens> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn save(&self, tokens: Option<&Tokens>) {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner()) = tokens.cloned();
    }
}

/// The boxed future of a refresh.
pub(crate) type RefreshFuture<'a> = BoxFuture<'a, Result<String>>;

/// The client's login state: the current tokens and the single-flight refresh lock.
pub(crate) struct AuthState {
    tokens: RwLock<Option<Tokens>>,
    refresh_lock: tokio::sync::Mutex<()>,
    store: Arc<dyn TokenStore>,
}

impl AuthState {
    pub(crate) fn new(store: Arc<dyn TokenStore>) -> Self {
        AuthState {
            tokens: RwLock::new(store.load()),
            refresh_lock: tokio::sync::Mutex::new(()),
            store,
        }
    }

    fn current(&self) -> Option<Tokens> {
        self.tokens
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, tokens: Option<Tokens>) {
        self.store.save(tokens.as_ref());
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) = tokens;
    }

    /// The access token to send now, refreshed first when it is about to expire; `None`
    /// when signed out.
    pub(crate) async fn bearer(&self, client: &Client) -> Result<Option<String>> {
        let Some(t) = self.current() else {
            return Ok(None);
        };
        if !t.needs_refresh(client.inner.timer.wall_clock()) {
            return Ok(Some(t.access_token));
        }
        self.refresh_replacing(client, &t.access_token)
            .await
            .map(Some)
    }

    /// Refreshes unless `stale` was already replaced, and returns the new access token.
    ///
    /// Single flight: callers queue on one lock, and whoever gets it after a refresh sees
    /// that the token it holds was replaced and uses the new one, so any number of concurrent
    /// callers with the same stale token cause one refresh.
    pub(crate) fn refresh_replacing<'a>(
        &'a self,
        client: &'a Client,
        stale: &'a str,
    ) -> RefreshFuture<'a> {
        // Boxed: a refresh is itself a call, and a call may refresh.
        Box::pin(async move {
            let _flight = self.refresh_lock.lock().await;
            let Some(cur) = self.current() else {
                return Err(Error::Unauthenticated {
                    message: "not signed in".into(),
                    request_id: None,
                });
            };
            if cur.access_token != stale {
                return Ok(cur.access_token);
            }
            tracing::debug!(user_id = %cur.user_id, "refreshing the access token");
            let req = Req::post("/v1/auth/refresh")
                .anonymous()
                .json(&RefreshRequest {
                    refresh_token: cur.refresh_token.clone(),
                })?;
            let answer = client.call::<AuthResponse>(req).await;
            // A sign-out or another sign-in while the refresh was out wins over its answer.
            let still_same = self
                .current()
                .is_some_and(|t| t.refresh_token == cur.refresh_token);
            if !still_same {
                return Err(Error::Unauthenticated {
                    message: "signed out while the token was being refreshed".into(),
                    request_id: None,
                });
            }
            match answer {
                Ok(r) => {
                    let tokens = Tokens::from_response(&r, client.inner.timer.wall_clock());
                    let access = tokens.access_token.clone();
                    self.set(Some(tokens));
                    Ok(access)
                }
                Err(e @ Error::Unauthenticated { .. }) => {
                    // The login is revoked (or the refresh token was reused): forget it.
                    tracing::warn!(user_id = %cur.user_id, "refresh refused; signed out");
                    self.set(None);
                    Err(e)
                }
                Err(e) => Err(e),
            }
        })
    }

    fn signed_in(&self, r: &AuthResponse, now: SystemTime) -> User {
        self.set(Some(Tokens::from_response(r, now)));
        r.user.clone()
    }
}

impl Client {
    /// Registers with email and password and signs in (`POST /v1/auth/register`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for input the contract refuses (checked before sending),
    /// [`Error::Conflict`] when the email is taken, transport errors.
    pub async fn register(&self, req: &RegisterRequest) -> Result<User> {
        req.validate()?;
        let r: AuthResponse = self
            .call(Req::post("/v1/auth/register").anonymous().json(req)?)
            .await?;
        Ok(self.inner.auth.signed_in(&r, self.inner.timer.wall_clock()))
    }

    /// Signs in with email and password (`POST /v1/auth/login`).
    ///
    /// # Errors
    /// [`Error::Unauthenticated`] for a wrong email or password, transport errors.
    pub async fn login(&self, email: &str, password: &str) -> Result<User> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let r: AuthResponse = self
            .call(Req::post("/v1/auth/login").anonymous().json(&body)?)
            .await?;
        Ok(self.inner.auth.signed_in(&r, self.inner.timer.wall_clock()))
    }

    /// Signs in as the user of a device, creating it on first use (`POST /v1/auth/anonymous`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty or over-long device id, transport errors.
    pub async fn sign_in_device(&self, device_id: &str) -> Result<User> {
        let body = AnonymousLoginRequest {
            device_id: device_id.to_owned(),
        };
        body.validate()?;
        let r: AuthResponse = self
            .call(Req::post("/v1/auth/anonymous").anonymous().json(&body)?)
            .await?;
        Ok(self.inner.auth.signed_in(&r, self.inner.timer.wall_clock()))
    }

    /// Refreshes the access token now (the client also does it by itself before expiry).
    ///
    /// # Errors
    /// [`Error::Unauthenticated`] when signed out or when the server refuses the refresh
    /// token (the login was revoked; the client then forgets it), transport errors.
    pub async fn refresh(&self) -> Result<()> {
        let stale = self
            .inner
            .auth
            .current()
            .map(|t| t.access_token)
            .unwrap_or_default();
        self.inner.auth.refresh_replacing(self, &stale).await?;
        Ok(())
    }

    /// Forgets the tokens (here and in the [`TokenStore`]).
    pub fn sign_out(&self) {
        self.inner.auth.set(None);
    }

    /// The current tokens, if signed in.
    #[must_use]
    pub fn tokens(&self) -> Option<Tokens> {
        self.inner.auth.current()
    }

    /// True when the client holds tokens.
    #[must_use]
    pub fn is_signed_in(&self) -> bool {
        self.inner.auth.current().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lifetime: u64) -> Tokens {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        Tokens {
            user_id: "usr_1".into(),
            access_token: "secret-access".into(),
            refresh_token: "secret-refresh".into(),
            obtained_at: now,
            expires_at: now + Duration::from_secs(lifetime),
        }
    }

    #[test]
    fn refresh_margin_is_30_s_or_half_the_lifetime() {
        let t = tokens(900);
        assert!(!t.needs_refresh(t.obtained_at + Duration::from_secs(869)));
        assert!(t.needs_refresh(t.obtained_at + Duration::from_secs(871)));
        let t = tokens(2);
        assert!(!t.needs_refresh(t.obtained_at));
        assert!(t.needs_refresh(t.obtained_at + Duration::from_secs(1)));
    }

    #[test]
    fn debug_never_shows_a_token() {
        let s = format!("{:?}", tokens(10));
        assert!(!s.contains("secret"), "{s}");
    }
}
