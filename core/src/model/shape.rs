//! Expandable and selectable listings (contract v1.2): `expand=reviews` on a listing and
//! `fields=a,b,c` on search, featured and listing answers.
//!
//! The rules of both parameters live here, so the server parses with the very functions the
//! client writes with: [`FieldSet::parse`] refuses an unknown name with `details.field =
//! "fields"`, [`FieldSet::to_query`] writes the names the server reads.

use serde::{Deserialize, Serialize};

use super::agent::wire_enum;
use super::validate::FieldError;
use super::{AgentStatus, AgentType, Facets, OwnerSummary, Pricing, Rank, Review};
use crate::Timestamp;

wire_enum!(
    /// A field of `Listing` that `fields=` can select (its JSON name on the wire).
    ListingField {
        /// `id` (always returned).
        Id = "id",
        /// `ownerId`.
        OwnerId = "ownerId",
        /// `name`.
        Name = "name",
        /// `description`.
        Description = "description",
        /// `tags`.
        Tags = "tags",
        /// `specializations`.
        Specializations = "specializations",
        /// `games`.
        Games = "games",
        /// `rank`.
        Rank = "rank",
        /// `type`.
        Type = "type",
        /// `provider`.
        Provider = "provider",
        /// `hasVoiceChat`.
        HasVoiceChat = "hasVoiceChat",
        /// `hasCommentator`.
        HasCommentator = "hasCommentator",
        /// `pricing`.
        Pricing = "pricing",
        /// `actionsPerSecond`.
        ActionsPerSecond = "actionsPerSecond",
        /// `imageUrl`.
        ImageUrl = "imageUrl",
        /// `nationality`.
        Nationality = "nationality",
        /// `status`.
        Status = "status",
        /// `version`.
        Version = "version",
        /// `createdAt`.
        CreatedAt = "createdAt",
        /// `updatedAt`.
        UpdatedAt = "updatedAt",
        /// `owner`.
        Owner = "owner",
        /// `rating`.
        Rating = "rating",
        /// `reviewCount`.
        ReviewCount = "reviewCount",
        /// `totalHires`.
        TotalHires = "totalHires",
        /// `popularity`.
        Popularity = "popularity",
        /// `successRate`.
        SuccessRate = "successRate",
    }
);

wire_enum!(
    /// What `expand=` can add to a listing.
    Expand {
        /// `reviews`: the listing's 10 newest reviews.
        Reviews = "reviews",
    }
);

/// The query parameter that selects fields.
pub const FIELDS_PARAM: &str = "fields";
/// The query parameter that expands a listing.
pub const EXPAND_PARAM: &str = "expand";
/// How many reviews `expand=reviews` carries: the newest ones.
pub const EXPANDED_REVIEWS: u32 = 10;

/// A selection of listing fields (`fields=`); `id` is always part of it.
///
/// ```
/// use jiga::model::{FieldSet, ListingField};
///
/// let f = FieldSet::of([ListingField::Name, ListingField::Rating, ListingField::Name]);
/// assert_eq!(f.to_query(), "id,name,rating");
/// assert_eq!(FieldSet::parse("rating, name").unwrap(), f);
/// assert_eq!(FieldSet::parse("name,colour").unwrap_err().field, "fields");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldSet(Vec<ListingField>);

impl FieldSet {
    /// The given fields, `id` added; order and repeats do not matter.
    pub fn of(fields: impl IntoIterator<Item = ListingField>) -> FieldSet {
        let mut v: Vec<ListingField> = fields.into_iter().collect();
        v.push(ListingField::Id);
        v.sort_unstable();
        v.dedup();
        FieldSet(v)
    }

    /// Parses the value of `fields=`: names separated by commas, blanks around them ignored.
    ///
    /// # Errors
    /// A [`FieldError`] naming `fields` for an unknown or empty name.
    pub fn parse(text: &str) -> Result<FieldSet, FieldError> {
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim) {
            let field = name.parse::<ListingField>().map_err(|_| {
                let shown: String = name.chars().take(40).collect();
                FieldError::new(
                    FIELDS_PARAM,
                    format!(
                        "unknown listing field '{shown}', expected names from: {}",
                        ListingField::ALL
                            .iter()
                            .map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            out.push(field);
        }
        Ok(FieldSet::of(out))
    }

    /// The selected fields, `id` included, in a stable order.
    #[must_use]
    pub fn fields(&self) -> &[ListingField] {
        &self.0
    }

    /// Whether `name` (a JSON member of `Listing`) is selected.
    #[must_use]
    pub fn contains_name(&self, name: &str) -> bool {
        self.0.iter().any(|f| f.as_str() == name)
    }

    /// The value of `fields=`, canonical (sorted, no repeats).
    #[must_use]
    pub fn to_query(&self) -> String {
        self.0
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A listing with some of its fields (`fields=`): every member but `id` may be absent. A
/// selected field whose value is null (`imageUrl`, `nationality`) is `None` too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct PartialListing {
    /// Always present.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specializations: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub games: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<Rank>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<AgentType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_voice_chat: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_commentator: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Pricing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_per_second: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AgentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_hires: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub popularity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_rate: Option<f64>,
    /// With `expand=reviews`: the 10 newest reviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews: Option<Vec<Review>>,
}

/// `GET /v1/marketplace/listings/{agentId}?expand=reviews`: the whole listing and its 10
/// newest reviews.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingWithReviews {
    /// The listing.
    #[serde(flatten)]
    pub listing: super::Listing,
    /// Its newest reviews, newest first.
    pub reviews: Vec<Review>,
}

/// The answer of `GET /v1/marketplace/search?fields=…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectedResults {
    /// This page of listings, with the selected fields.
    pub items: Vec<PartialListing>,
    /// Cursor of the next page, `None` on the last.
    pub next_cursor: Option<String>,
    /// Number of listings matching the whole query.
    pub total: u64,
    /// Facet counts.
    pub facets: Facets,
}

/// The answer of `GET /v1/marketplace/featured?fields=…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelectedFeatured {
    /// Up to 10 most popular listings, with the selected fields.
    pub items: Vec<PartialListing>,
}
