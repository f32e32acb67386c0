//! HS256 access tokens and the in-memory deny list of revoked logins.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The login (token family) it belongs to, so revoking a login revokes its access tokens.
    pub sid: String,
}

/// Signs and checks access tokens.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Access-token lifetime in seconds.
    pub ttl_secs: u64,
    /// Revoked logins, each until the last access token it may have issued has expired
    /// (after that its tokens fail on `exp` anyway), so the list does not only grow.
    revoked: RwLock<HashMap<String, i64>>,
}

impl TokenService {
    /// A service signing with `secret`.
    #[must_use]
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        // Only HS256 is accepted: `alg: none` and algorithm-confusion tokens fail validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        TokenService {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
            revoked: RwLock::new(HashMap::new()),
        }
    }

    /// A new access token for `user_id` in login `sid`.
    ///
    /// # Errors
    /// `internal` if signing fails.
    pub fn issue(&self, user_id: &str, sid: &str) -> AppResult<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            iat: now,
            exp: now + self.ttl_secs as i64,
            sid: sid.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("token signing: {e}")))
    }

    /// Checks a token: signature, algorithm, expiry and the deny list.
    ///
    /// # Errors
    /// `unauthenticated` saying which check failed.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                AppError::Unauthenticated(match e.kind() {
                    ErrorKind::ExpiredSignature => "access token has expired; refresh it".into(),
                    ErrorKind::InvalidSignature => "access token signature is invalid".into(),
                    ErrorKind::InvalidAlgorithm => "access token algorithm is not accepted".into(),
                    _ => format!("access token is invalid: {e}"),
                })
            })?;
        if self.revoked.read().contains_key(&data.claims.sid) {
            return Err(AppError::Unauthenticated(
                "this login was revoked; sign in again".into(),
            ));
        }
        Ok(data.claims)
    }

    /// Adds logins to the deny list, forgetting those whose tokens have all expired.
    pub fn revoke<I: IntoIterator<Item = String>>(&self, families: I) {
        self.revoke_at(families, chrono::Utc::now().timestamp());
    }

    fn revoke_at<I: IntoIterator<Item = String>>(&self, families: I, now: i64) {
        // A token issued up to now expires at most one lifetime (and a second of rounding)
        // from now.
        let until = now + self.ttl_secs as i64 + 1;
        let mut revoked = self.revoked.write();
        revoked.retain(|_, exp| *exp > now);
        revoked.extend(families.into_iter().map(|f| (f, until)));
    }

    /// Number of logins on the deny list.
    #[must_use]
    pub fn revoked_len(&self) -> usize {
        self.revoked.read().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_revoked_logins_are_forgotten_once_their_tokens_expired() {
        let t = TokenService::new(b"secret", 900);
        t.revoke_at((0..1000).map(|i| format!("lgn_{i}")), 0);
        assert_eq!(t.revoked_len(), 1000);
        t.revoke_at(["lgn_new".to_owned()], 902);
        assert_eq!(t.revoked_len(), 1, "only the new revocation is kept");
    }
}
