//! Token persistence: `TokenStore`, a trait the app implements in Kotlin or Swift (a file,
//! EncryptedSharedPreferences, the Keychain), bridged to the core's `jiga::client::TokenStore`.
//! When to load and save is the core's rule (load once at build, save after every sign-in and
//! refresh, forget on sign-out or a revoked login); the bridge only converts.

use std::sync::Arc;

/// The credentials of one login. Secret: store them where the platform keeps secrets.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tokens {
    /// The signed-in user.
    pub user_id: String,
    /// The bearer token.
    pub access_token: String,
    /// The single-use refresh token.
    pub refresh_token: String,
    /// When the access token was received.
    pub obtained_at: std::time::SystemTime,
    /// When the access token expires.
    pub expires_at: std::time::SystemTime,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl From<jiga::client::Tokens> for Tokens {
    fn from(t: jiga::client::Tokens) -> Self {
        Tokens {
            user_id: t.user_id,
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            obtained_at: t.obtained_at,
            expires_at: t.expires_at,
        }
    }
}

impl From<Tokens> for jiga::client::Tokens {
    fn from(t: Tokens) -> Self {
        jiga::client::Tokens {
            user_id: t.user_id,
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            obtained_at: t.obtained_at,
            expires_at: t.expires_at,
        }
    }
}

/// Where a client keeps its tokens between launches; implemented by the app.
///
/// `load` is called once, when the client is made; `save` after every sign-in and refresh
/// (with the new tokens) and on sign-out or a revoked login (with `null`/`nil`). Both are
/// called on the library's own threads and must return quickly and not throw.
#[uniffi::export(with_foreign)]
pub trait TokenStore: Send + Sync {
    /// The tokens saved last, if any.
    fn load(&self) -> Option<Tokens>;
    /// Replaces the saved tokens (`None` forgets them).
    fn save(&self, tokens: Option<Tokens>);
}

/// The app's store as the core's.
pub(crate) struct Bridge(pub(crate) Arc<dyn TokenStore>);

impl jiga::client::TokenStore for Bridge {
    fn load(&self) -> Option<jiga::client::Tokens> {
        self.0.load().map(Into::into)
    }

    fn save(&self, tokens: Option<&jiga::client::Tokens>) {
        self.0.save(tokens.cloned().map(Into::into));
    }
}
