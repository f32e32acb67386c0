use serde::{Deserialize, Serialize};

use super::User;
use super::validate::{FieldError, chars_between};

/// `POST /v1/auth/register`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// Login email; unique.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// Shown to other users.
    pub display_name: String,
}

impl RegisterRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first field that breaks a rule.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_email(&self.email)?;
        chars_between("password", &self.password, 8, 1024)?;
        chars_between("displayName", self.display_name.trim(), 1, 100)
    }
}

fn validate_email(email: &str) -> Result<(), FieldError> {
    chars_between("email", email, 3, 254)?;
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        return Err(FieldError::new(
            "email",
            format!("'{email}' is not an email address"),
        ));
    }
    Ok(())
}

/// `POST /v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /v1/auth/anonymous`: device sign-in, creating the user on first use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnonymousLoginRequest {
    /// A stable identifier of the device (1–255 characters).
    pub device_id: String,
}

impl AnonymousLoginRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] for an empty or over-long `deviceId`.
    pub fn validate(&self) -> Result<(), FieldError> {
        chars_between("deviceId", &self.device_id, 1, 255)
    }
}

/// `POST /v1/auth/refresh`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The refresh token of the last `AuthResponse`; it stops working once used.
    pub refresh_token: String,
}

/// What every sign-in route answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    /// The signed-in user.
    pub user: User,
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use token for `POST /v1/auth/refresh`.
    pub refresh_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_rules_name_the_field() {
        let mut r = RegisterRequest {
            email: "a@b.c".into(),
            password: "12345678".into(),
            display_name: "Ann".into(),
        };
        assert!(r.validate().is_ok());
        r.password = "short".into();
        assert_eq!(
            r.validate().map_err(|e| e.field),
            Err("password".to_owned())
        );
        r.password = "long enough".into();
        r.email = "nope".into();
        assert_eq!(r.validate().map_err(|e| e.field), Err("email".to_owned()));
    }
}
