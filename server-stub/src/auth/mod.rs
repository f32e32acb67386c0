//! Authentication: argon2id password hashes, HS256 access tokens, the revoked-login deny list,
//! and the extractors handlers use ([`AuthUser`], [`MaybeUser`]).

mod extract;
mod password;
mod tokens;

pub use extract::{AuthUser, MaybeUser, bearer_in, bearer_token};
pub use password::{hash_password, verify_password};
pub use tokens::{Claims, TokenService};
