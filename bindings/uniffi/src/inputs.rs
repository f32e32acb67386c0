//! What callers pass in, as uniffi records with defaults (Kotlin: `SearchParams(q = "chess",
//! limit = 10)`). Each becomes the core's type through the contract's JSON and
//! `jiga::client::from_json`, the one parser every binding uses, so a bad value is refused the
//! same way (`InvalidArgument` naming the argument) as in Python or JavaScript.

use serde::Serialize;

use crate::error::JigaError;
use crate::models::Pricing;

/// `value` as the core's `T`, through its JSON (`what` names the argument in errors).
pub(crate) fn to_core<T: serde::de::DeserializeOwned>(
    what: &str,
    value: &impl Serialize,
) -> Result<T, JigaError> {
    let json = serde_json::to_string(value).map_err(|e| {
        JigaError::from(jiga::Error::InvalidArgument {
            field: Some(what.to_owned()),
            message: format!("{what}: {e}"),
            request_id: None,
        })
    })?;
    Ok(jiga::client::from_json(what, &json)?)
}

/// A client's settings.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptions {
    /// The store, e.g. `http://127.0.0.1:3000`.
    pub base_url: String,
    /// The time limit of one try of a request, in ms (default 30 000).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// The time limit of opening a connection, in ms (default 10 000).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    /// Attempts per call in all (default the core's: 4).
    #[uniffi(default)]
    #[serde(skip)]
    pub max_attempts: Option<u32>,
    /// The first retry's backoff, in ms.
    #[uniffi(default)]
    #[serde(skip)]
    pub initial_backoff_ms: Option<u64>,
    /// The longest backoff, in ms.
    #[uniffi(default)]
    #[serde(skip)]
    pub max_backoff_ms: Option<u64>,
    /// The time all attempts of one call may take, in ms.
    #[uniffi(default)]
    #[serde(skip)]
    pub retry_budget_ms: Option<u64>,
}

/// The core's `ClientOptions` JSON (its `retry` member nested).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CoreOptions<'a> {
    #[serde(flatten)]
    pub(crate) base: &'a ClientOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) retry: Option<Retry>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Retry {
    #[serde(skip_serializing_if = "Option::is_none")]
    max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    initial_backoff_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_backoff_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget_ms: Option<u64>,
}

impl ClientOptions {
    pub(crate) fn core(&self) -> CoreOptions<'_> {
        let retry = Retry {
            max_attempts: self.max_attempts,
            initial_backoff_ms: self.initial_backoff_ms,
            max_backoff_ms: self.max_backoff_ms,
            budget_ms: self.retry_budget_ms,
        };
        let any = retry.max_attempts.is_some()
            || retry.initial_backoff_ms.is_some()
            || retry.max_backoff_ms.is_some()
            || retry.budget_ms.is_some();
        CoreOptions {
            base: self,
            retry: any.then_some(retry),
        }
    }
}

/// A marketplace search: filters AND'ed, values of one filter OR'ed.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct SearchParams {
    /// Full-text query (typos tolerated).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Ranks (`gold`, `master`, …).
    #[uniffi(default)]
    pub rank: Vec<String>,
    /// Agent types (`coach`, `teammate`, …).
    #[uniffi(default)]
    pub agent_type: Vec<String>,
    /// Providers.
    #[uniffi(default)]
    pub provider: Vec<String>,
    /// Games.
    #[uniffi(default)]
    pub game: Vec<String>,
    /// Only agents that talk (or don't).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_voice_chat: Option<bool>,
    /// Only agents that comment (or don't).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_commentator: Option<bool>,
    /// Lowest price per minute.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_min: Option<i64>,
    /// Highest price per minute.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_max: Option<i64>,
    /// Lowest rating.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_min: Option<f64>,
    /// `popularity` (default), `rating`, `price_asc`, `price_desc`, `newest`, `relevance`.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// Listings per page (1..=100).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `nextCursor`.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Which page of a list.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct PageRequest {
    /// Rows per page (1..=100, server default 20).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `nextCursor`.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Which of the caller's sessions.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct SessionFilter {
    /// `active` or `ended`.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Rows per page.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `nextCursor`.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Which of the caller's transactions.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct TransactionFilter {
    /// `topup`, `hire_hold`, `settlement`, …
    #[uniffi(default)]
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Rows per page.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `nextCursor`.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `POST /v1/hires`.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct HireRequest {
    /// A published agent.
    pub agent_id: String,
    /// The game to play.
    pub game: String,
    /// DOF to hold.
    pub budget: i64,
    /// 1..=240, default 60.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<u32>,
    /// The pricing the hirer saw: a hire at another price is refused (409 `conflict`).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_pricing: Option<Pricing>,
}

/// `POST /v1/wallet/topups`.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct TopupRequest {
    /// DOF (1..=1 000 000).
    pub amount: i64,
    /// `dev` (test stores) or `stripe`.
    #[uniffi(default = "dev")]
    pub provider: String,
}

/// `POST /v1/auth/register`.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The login.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// The name shown to others.
    pub display_name: String,
}

/// `POST /v1/agents/{id}/reviews`.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct CreateReviewRequest {
    /// The session the agent was hired in.
    pub session_id: String,
    /// 1 to 5.
    pub rating: u8,
    /// What to say.
    #[uniffi(default = "")]
    pub text: String,
}

/// `POST /v1/agents`: a new agent (a draft until published).
#[derive(Clone, Debug, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgentRequest {
    /// 1–100 characters.
    pub name: String,
    /// `bronze` … `grandmaster`.
    pub rank: String,
    /// `teammate`, `coach`, `opponent`, …
    #[serde(rename = "type")]
    pub agent_type: String,
    /// Who runs it.
    pub provider: String,
    /// What it costs.
    pub pricing: Pricing,
    /// What it does.
    #[uniffi(default = "")]
    pub description: String,
    /// Free tags.
    #[uniffi(default)]
    pub tags: Vec<String>,
    /// What it is good at.
    #[uniffi(default)]
    pub specializations: Vec<String>,
    /// The games it plays.
    #[uniffi(default)]
    pub games: Vec<String>,
    /// Whether it talks.
    #[uniffi(default)]
    pub has_voice_chat: bool,
    /// Whether it comments.
    #[uniffi(default)]
    pub has_commentator: bool,
    /// 1..=1000 (default 2).
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions_per_second: Option<u32>,
    /// Picture.
    #[uniffi(default)]
    pub image_url: Option<String>,
    /// Flag.
    #[uniffi(default)]
    pub nationality: Option<String>,
}

/// A budget guard: warn at fractions of the budget, end at a cap.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct GuardSpec {
    /// End (or ask to end) once this much DOF is consumed.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<i64>,
    /// Warn once at each of these fractions of the budget (each in `(0, 1]`).
    #[uniffi(default)]
    pub warn_at: Vec<f64>,
}

/// How to open a session's events.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct StreamOptions {
    /// Deliver the events after this seq (0: from `session.started`).
    #[uniffi(default)]
    pub after_seq: u64,
    /// A budget guard.
    #[uniffi(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardSpec>,
    /// End the session (`POST /end`) as soon as the guard's cap is reached.
    #[uniffi(default)]
    pub end_at_cap: bool,
}
