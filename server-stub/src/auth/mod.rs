//! Authentication: argon2id password hashes, HS256 access tokens, the revoked-login deny list,
//! the per-email failed-login window ([`LoginThrottle`]) and the extractors handlers use ([`AuthUser`], [`MaybeUser`]).

mod extract;
mod password;
mod throttle;
mod tokens;

pub use extract::{AuthUser, MaybeUser, TokenSource, bearer_in, bearer_token};
pub use password::{hash_password, verify_password};
pub use throttle::LoginThrottle;
pub use tokens::{Claims, TokenService};
