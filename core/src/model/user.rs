use serde::{Deserialize, Serialize};

use super::validate::{FieldError, chars_between};
use crate::Timestamp;

/// A user as the contract shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Opaque id (`usr_…`).
    pub id: String,
    /// Public name.
    pub display_name: String,
    /// Login email; `None` for device (anonymous) users.
    pub email: Option<String>,
    /// When the user was created.
    pub created_at: Timestamp,
}

/// `GET /v1/users/me`: the user plus their preferences.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// The user.
    #[serde(flatten)]
    pub user: User,
    /// Free-form JSON object the application keeps for the user.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub preferences: serde_json::Value,
}

/// `PATCH /v1/users/me`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMeRequest {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New preferences object (replaces the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub preferences: Option<serde_json::Value>,
}

/// The largest serialized `preferences` object a user may keep.
pub const MAX_PREFERENCES_BYTES: usize = 64 * 1024;

impl UpdateMeRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] for a bad display name, a `preferences` that is not a JSON object of
    /// at most 64 KiB, or a `preferences.notifications.email` that is not a boolean.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(name) = &self.display_name {
            chars_between("displayName", name.trim(), 1, 100)?;
        }
        if let Some(p) = &self.preferences {
            if !p.is_object() {
                return Err(FieldError::new("preferences", "must be a JSON object"));
            }
            // The one key the store itself reads (v1.2): email notifications on or off.
            if let Some(n) = p.get("notifications") {
                if !n.is_object() {
                    return Err(FieldError::new(
                        "preferences.notifications",
                        "must be a JSON object",
                    ));
                }
                if n.get("email").is_some_and(|e| !e.is_boolean()) {
                    return Err(FieldError::new(
                        "preferences.notifications.email",
                        "must be true or false",
                    ));
                }
            }
            let size = p.to_string().len();
            if size > MAX_PREFERENCES_BYTES {
                return Err(FieldError::new(
                    "preferences",
                    format!("must be at most {MAX_PREFERENCES_BYTES} bytes, got {size}"),
                ));
            }
        }
        Ok(())
    }
}

/// The longest webhook URL accepted.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2048;

/// `PUT /v1/users/me/webhook` (v1.2): where the caller's notifications are POSTed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetWebhookRequest {
    /// An `http://` or `https://` URL whose host resolves to public addresses only (unless the
    /// server allows private ones).
    pub url: String,
}

impl SetWebhookRequest {
    /// Checks what can be checked without resolving the host: the scheme, a host, no
    /// credentials, the length. The server also resolves the host and refuses private
    /// addresses.
    ///
    /// # Errors
    /// A [`FieldError`] naming `url`.
    pub fn validate(&self) -> Result<(), FieldError> {
        let url = self.url.trim();
        chars_between("url", url, 1, MAX_WEBHOOK_URL_CHARS)?;
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| FieldError::new("url", "must start with http:// or https://"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() {
            return Err(FieldError::new("url", "must name a host"));
        }
        if authority.contains('@') {
            return Err(FieldError::new("url", "must not carry credentials"));
        }
        if url.chars().any(char::is_whitespace) {
            return Err(FieldError::new("url", "must not contain whitespace"));
        }
        Ok(())
    }
}

/// `GET /v1/users/me/webhook` (v1.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Where notifications are POSTed.
    pub url: String,
}

/// `PUT /v1/users/me/webhook` answer: the URL and its signing secret, shown this once (a new
/// `PUT` rotates it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecret {
    /// Where notifications are POSTed.
    pub url: String,
    /// The HMAC-SHA256 key of `JIGA-Signature`.
    pub secret: String,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecret")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod webhook_tests {
    use super::SetWebhookRequest;

    fn check(url: &str) -> Result<(), String> {
        SetWebhookRequest { url: url.into() }
            .validate()
            .map_err(|e| format!("{}: {}", e.field, e.message))
    }

    #[test]
    fn webhook_urls_need_a_scheme_a_host_and_no_credentials() {
        assert!(check("https://hooks.example.com/jiga").is_ok());
        assert!(check("http://127.0.0.1:8080/x?y=1").is_ok());
        assert_eq!(
            check("ftp://x").expect_err("refused"),
            "url: must start with http:// or https://"
        );
        assert_eq!(
            check("https:///path").expect_err("refused"),
            "url: must name a host"
        );
        assert_eq!(
            check("https://u:p@example.com/").expect_err("refused"),
            "url: must not carry credentials"
        );
        assert!(check("").is_err());
        assert!(check(&format!("https://e.com/{}", "a".repeat(2048))).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs(p: serde_json::Value) -> Result<(), FieldError> {
        UpdateMeRequest {
            display_name: None,
            preferences: Some(p),
        }
        .validate()
    }

    #[test]
    fn email_notifications_must_be_a_boolean() {
        assert!(prefs(serde_json::json!({"notifications": {"email": true}})).is_ok());
        assert!(prefs(serde_json::json!({"notifications": {}, "theme": "dark"})).is_ok());
        let e = prefs(serde_json::json!({"notifications": {"email": "yes"}})).expect_err("refused");
        assert_eq!(e.field, "preferences.notifications.email");
        let e = prefs(serde_json::json!({"notifications": true})).expect_err("refused");
        assert_eq!(e.field, "preferences.notifications");
    }
}
