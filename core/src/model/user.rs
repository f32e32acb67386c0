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
    /// A [`FieldError`] for a bad display name or a `preferences` that is not a JSON object of
    /// at most 64 KiB.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(name) = &self.display_name {
            chars_between("displayName", name.trim(), 1, 100)?;
        }
        if let Some(p) = &self.preferences {
            if !p.is_object() {
                return Err(FieldError::new("preferences", "must be a JSON object"));
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
