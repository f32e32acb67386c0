//! Achievements (contract v1.2): the catalogue and `GET /v1/users/me/achievements`.

use serde::{Deserialize, Serialize};

use super::agent::wire_enum;
use super::validate::FieldError;
use crate::Timestamp;

wire_enum!(
    /// The contract's catalogue of achievements. Each unlocks once per user, in the same
    /// storage transaction as the event that earns it.
    AchievementId {
        /// Hired a first session.
        FirstHire = "first_hire",
        /// Ten hired sessions ended.
        TenSessions = "ten_sessions",
        /// Wrote a first review.
        FirstReview = "first_review",
        /// 1,000 DOF consumed in total as a hirer.
        BigSpender = "big_spender",
        /// Published a first agent.
        FirstPublish = "first_publish",
        /// Earned DOF from a settlement as an owner.
        FirstEarning = "first_earning",
    }
);

/// Ended sessions a hirer needs for [`AchievementId::TenSessions`].
pub const TEN_SESSIONS: i64 = 10;
/// DOF a hirer must have consumed for [`AchievementId::BigSpender`].
pub const BIG_SPENDER_DOF: i64 = 1_000;

impl AchievementId {
    /// The name shown to people.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            AchievementId::FirstHire => "First hire",
            AchievementId::TenSessions => "Regular",
            AchievementId::FirstReview => "Critic",
            AchievementId::BigSpender => "Big spender",
            AchievementId::FirstPublish => "Creator",
            AchievementId::FirstEarning => "First earnings",
        }
    }

    /// What earns it, for people.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            AchievementId::FirstHire => "Hired a first session",
            AchievementId::TenSessions => "10 hired sessions ended",
            AchievementId::FirstReview => "Wrote a first review",
            AchievementId::BigSpender => "1,000 DOF consumed in total as a hirer",
            AchievementId::FirstPublish => "Published a first agent",
            AchievementId::FirstEarning => "Earned DOF from a settlement as an owner",
        }
    }
}

/// One unlocked achievement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Achievement {
    /// Which one.
    pub id: AchievementId,
    /// Its name, for people.
    pub name: String,
    /// What earned it, for people.
    pub description: String,
    /// When it was unlocked.
    pub unlocked_at: Timestamp,
}

impl Achievement {
    /// `id` unlocked at `at`, with the catalogue's name and description.
    #[must_use]
    pub fn unlocked(id: AchievementId, at: Timestamp) -> Achievement {
        Achievement {
            id,
            name: id.name().to_owned(),
            description: id.description().to_owned(),
            unlocked_at: at,
        }
    }
}

/// `GET /v1/users/me/achievements`: the caller's unlocked achievements, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Achievements {
    /// At most one of each catalogue entry.
    pub items: Vec<Achievement>,
}
