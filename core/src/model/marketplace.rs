use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::agent::wire_enum;
use super::validate::{FieldError, chars_between};
use super::{Agent, AgentType};
use crate::Timestamp;

/// The owner shown on a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerSummary {
    /// The owner's user id.
    pub id: String,
    /// The owner's display name.
    pub display_name: String,
}

/// A published agent as the marketplace shows it: everything a card needs in one object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listing {
    /// The agent's fields.
    #[serde(flatten)]
    pub agent: Agent,
    /// Who owns it.
    pub owner: OwnerSummary,
    /// Average review, 0.0–5.0 with one decimal; 0.0 with no review.
    pub rating: f64,
    /// Number of reviews.
    pub review_count: u64,
    /// Number of sessions ever hired.
    pub total_hires: u64,
    /// Server-defined score growing with hires, reviews and views.
    pub popularity: f64,
    /// Share of ended sessions that did not end in `agent_error`; 1.0 with none.
    pub success_rate: f64,
}

wire_enum!(
    /// The orders `GET /v1/marketplace/search` can return.
    SearchSort {
        /// Best text match first (default when `q` is given).
        Relevance = "relevance",
        /// Most popular first (default without `q`).
        Popularity = "popularity",
        /// Best rated first.
        Rating = "rating",
        /// Cheapest per minute first.
        PriceAsc = "priceAsc",
        /// Dearest per minute first.
        PriceDesc = "priceDesc",
        /// Most recently created first.
        Newest = "newest",
    }
);

/// Facet counts: for each facet, the number of listings per value, computed with every filter
/// applied except the facet's own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// Per rank.
    pub rank: BTreeMap<String, u64>,
    /// Per agent type.
    #[serde(rename = "type")]
    pub agent_type: BTreeMap<String, u64>,
    /// Per provider.
    pub provider: BTreeMap<String, u64>,
    /// Per game.
    pub game: BTreeMap<String, u64>,
    /// `"true"`/`"false"` counts.
    pub has_voice_chat: BTreeMap<String, u64>,
    /// `"true"`/`"false"` counts.
    pub has_commentator: BTreeMap<String, u64>,
}

/// The answer of `GET /v1/marketplace/search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// This page of listings.
    pub items: Vec<Listing>,
    /// Cursor of the next page, `None` on the last.
    pub next_cursor: Option<String>,
    /// Number of listings matching the whole query.
    pub total: u64,
    /// Facet counts.
    pub facets: Facets,
}

/// `GET /v1/marketplace/featured`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Featured {
    /// Up to 10 most popular listings.
    pub items: Vec<Listing>,
}

/// A game and how many published agents play it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GameCount {
    /// The game.
    pub game: String,
    /// Published agents that list it.
    pub count: u64,
}

/// An agent type and how many published agents have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypeCount {
    /// The type.
    #[serde(rename = "type")]
    pub agent_type: AgentType,
    /// Published agents of that type.
    pub count: u64,
}

/// `GET /v1/marketplace/categories`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Categories {
    /// Games, most agents first.
    pub games: Vec<GameCount>,
    /// Types, most agents first.
    pub types: Vec<TypeCount>,
}

/// A review of an agent, written by the hirer of one ended session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    /// Opaque id (`rev_…`).
    pub id: String,
    /// The reviewed agent.
    pub agent_id: String,
    /// The session reviewed.
    pub session_id: String,
    /// Who wrote it.
    pub author: OwnerSummary,
    /// 1..=5.
    pub rating: u8,
    /// Free text, at most 5 000 characters.
    pub text: String,
    /// When it was written.
    pub created_at: Timestamp,
}

/// `POST /v1/agents/{id}/reviews`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateReviewRequest {
    /// An ended session the caller hired with this agent.
    pub session_id: String,
    /// 1..=5.
    pub rating: u8,
    /// Free text, at most 5 000 characters.
    #[serde(default)]
    pub text: String,
}

impl CreateReviewRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] for a rating outside 1..=5 or an over-long text.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=5).contains(&self.rating) {
            return Err(FieldError::new(
                "rating",
                format!("must be between 1 and 5, got {}", self.rating),
            ));
        }
        chars_between("text", &self.text, 0, 5000)
    }
}
