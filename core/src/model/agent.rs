use serde::{Deserialize, Deserializer, Serialize};

use super::validate::{FieldError, chars_between, int_between, string_list};
use crate::{Dof, Timestamp};

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written on the wire.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, FieldError> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(FieldError::new(
                        stringify!($name),
                        format!("unknown value '{}', expected one of: {}", s, [$($wire),+].join(", ")),
                    )),
                }
            }
        }
    };
}
pub(crate) use wire_enum;

wire_enum!(
    /// An agent's skill tier.
    Rank {
        /// Bronze.
        Bronze = "bronze",
        /// Silver.
        Silver = "silver",
        /// Gold.
        Gold = "gold",
        /// Platinum.
        Platinum = "platinum",
        /// Diamond.
        Diamond = "diamond",
        /// Master.
        Master = "master",
    }
);

wire_enum!(
    /// What an agent does in a game session.
    AgentType {
        /// Teaches the player.
        Coach = "coach",
        /// Plays alongside the player.
        Teammate = "teammate",
        /// Plays against the player.
        Opponent = "opponent",
        /// Narrates the game.
        Commentator = "commentator",
        /// Analyses the game.
        Analyst = "analyst",
    }
);

wire_enum!(
    /// An agent's lifecycle state.
    AgentStatus {
        /// Created, never published; visible to its owner only.
        Draft = "draft",
        /// In the marketplace.
        Published = "published",
        /// Taken out of the marketplace; visible to its owner only.
        Unpublished = "unpublished",
    }
);

/// What an agent costs: per started minute and per action, in DOF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pricing {
    /// Charged at the start of every started minute (≥ 0).
    pub per_minute: Dof,
    /// Charged for every action (≥ 0).
    pub per_action: Dof,
}

impl Pricing {
    fn validate(&self, field: &str) -> Result<(), FieldError> {
        if self.per_minute.is_negative() {
            return Err(FieldError::new(
                format!("{field}.perMinute"),
                "must be at least 0",
            ));
        }
        if self.per_action.is_negative() {
            return Err(FieldError::new(
                format!("{field}.perAction"),
                "must be at least 0",
            ));
        }
        Ok(())
    }
}

/// An agent, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    /// Opaque id (`agt_…`).
    pub id: String,
    /// The owning user's id.
    pub owner_id: String,
    /// 1–100 characters.
    pub name: String,
    /// At most 5 000 characters.
    pub description: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// What the agent is good at.
    pub specializations: Vec<String>,
    /// Games the agent plays.
    pub games: Vec<String>,
    /// Skill tier.
    pub rank: Rank,
    /// Role in a session.
    #[serde(rename = "type")]
    pub agent_type: AgentType,
    /// Model provider, free text (`openai`).
    pub provider: String,
    /// Talks over voice chat.
    pub has_voice_chat: bool,
    /// Emits `agent.commentary` events.
    pub has_commentator: bool,
    /// Prices.
    pub pricing: Pricing,
    /// Actions per second in a session, 1..=1000.
    pub actions_per_second: u32,
    /// Picture.
    pub image_url: Option<String>,
    /// Nationality shown on the card.
    pub nationality: Option<String>,
    /// Lifecycle state.
    pub status: AgentStatus,
    /// Bumped by every change, starting at 1.
    pub version: u32,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// The default `actionsPerSecond` of a new agent.
pub const DEFAULT_ACTIONS_PER_SECOND: u32 = 2;
/// The fastest an agent may act.
pub const MAX_ACTIONS_PER_SECOND: u32 = 1000;

fn default_aps() -> u32 {
    DEFAULT_ACTIONS_PER_SECOND
}

/// `POST /v1/agents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAgentRequest {
    /// 1–100 characters.
    pub name: String,
    /// At most 5 000 characters.
    #[serde(default)]
    pub description: String,
    /// At most 20 tags of at most 50 characters.
    #[serde(default)]
    pub tags: Vec<String>,
    /// At most 20, of at most 50 characters.
    #[serde(default)]
    pub specializations: Vec<String>,
    /// At most 20, of at most 50 characters.
    #[serde(default)]
    pub games: Vec<String>,
    /// Skill tier.
    pub rank: Rank,
    /// Role in a session.
    #[serde(rename = "type")]
    pub agent_type: AgentType,
    /// Model provider (1–50 characters).
    pub provider: String,
    /// Defaults to false.
    #[serde(default)]
    pub has_voice_chat: bool,
    /// Defaults to false.
    #[serde(default)]
    pub has_commentator: bool,
    /// Prices.
    pub pricing: Pricing,
    /// 1..=1000, default 2.
    #[serde(default = "default_aps")]
    pub actions_per_second: u32,
    /// Picture.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Nationality.
    #[serde(default)]
    pub nationality: Option<String>,
}

/// The fields create and update share, borrowed for validation.
struct Fields<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    lists: [(&'static str, Option<&'a [String]>); 3],
    provider: Option<&'a str>,
    pricing: Option<&'a Pricing>,
    aps: Option<u32>,
    image_url: Option<&'a str>,
    nationality: Option<&'a str>,
}

impl Fields<'_> {
    fn validate(&self) -> Result<(), FieldError> {
        if let Some(n) = self.name {
            chars_between("name", n.trim(), 1, 100)?;
        }
        if let Some(d) = self.description {
            chars_between("description", d, 0, 5000)?;
        }
        for (field, list) in self.lists {
            if let Some(list) = list {
                string_list(field, list, 20, 50)?;
            }
        }
        if let Some(p) = self.provider {
            chars_between("provider", p.trim(), 1, 50)?;
        }
        if let Some(p) = self.pricing {
            p.validate("pricing")?;
        }
        if let Some(a) = self.aps {
            int_between(
                "actionsPerSecond",
                i64::from(a),
                1,
                i64::from(MAX_ACTIONS_PER_SECOND),
            )?;
        }
        if let Some(u) = self.image_url {
            chars_between("imageUrl", u, 1, 2048)?;
        }
        if let Some(n) = self.nationality {
            chars_between("nationality", n, 1, 100)?;
        }
        Ok(())
    }
}

impl CreateAgentRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first field that breaks a rule.
    pub fn validate(&self) -> Result<(), FieldError> {
        Fields {
            name: Some(&self.name),
            description: Some(&self.description),
            lists: [
                ("tags", Some(&self.tags)),
                ("specializations", Some(&self.specializations)),
                ("games", Some(&self.games)),
            ],
            provider: Some(&self.provider),
            pricing: Some(&self.pricing),
            aps: Some(self.actions_per_second),
            image_url: self.image_url.as_deref(),
            nationality: self.nationality.as_deref(),
        }
        .validate()
    }
}

/// `PATCH /v1/agents/{id}`: every field optional; `imageUrl` and `nationality` may be set to
/// `null` to clear them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateAgentRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New specializations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specializations: Option<Vec<String>>,
    /// New games.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub games: Option<Vec<String>>,
    /// New rank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<Rank>,
    /// New type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<AgentType>,
    /// New provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// New voice-chat flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_voice_chat: Option<bool>,
    /// New commentator flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_commentator: Option<bool>,
    /// New prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Pricing>,
    /// New speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_per_second: Option<u32>,
    /// `Some(None)` clears the picture.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub image_url: Option<Option<String>>,
    /// `Some(None)` clears the nationality.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub nationality: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl UpdateAgentRequest {
    /// Checks the contract's rules.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first field that breaks a rule.
    pub fn validate(&self) -> Result<(), FieldError> {
        Fields {
            name: self.name.as_deref(),
            description: self.description.as_deref(),
            lists: [
                ("tags", self.tags.as_deref()),
                ("specializations", self.specializations.as_deref()),
                ("games", self.games.as_deref()),
            ],
            provider: self.provider.as_deref(),
            pricing: self.pricing.as_ref(),
            aps: self.actions_per_second,
            image_url: self.image_url.as_ref().and_then(|o| o.as_deref()),
            nationality: self.nationality.as_ref().and_then(|o| o.as_deref()),
        }
        .validate()
    }

    /// True when the request changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == UpdateAgentRequest::default()
    }

    /// Applies the changes to `agent` (without touching `version` or timestamps).
    pub fn apply_to(&self, agent: &mut Agent) {
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = &self.$f { agent.$f = v.clone(); })* };
        }
        set!(
            name,
            description,
            tags,
            specializations,
            games,
            rank,
            agent_type,
            provider,
            has_voice_chat,
            has_commentator,
            pricing,
            actions_per_second,
            image_url,
            nationality
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_defaults_and_rules() {
        let req: CreateAgentRequest = serde_json::from_str(
            r#"{"name":"Ace","rank":"gold","type":"coach","provider":"openai","pricing":{"perMinute":5,"perAction":1}}"#,
        )
        .expect("valid");
        assert_eq!(req.actions_per_second, 2);
        assert!(req.validate().is_ok());
        let bad = CreateAgentRequest {
            actions_per_second: 1001,
            ..req.clone()
        };
        assert_eq!(
            bad.validate().map_err(|e| e.field),
            Err("actionsPerSecond".to_owned())
        );
        let bad = CreateAgentRequest {
            tags: vec!["x".repeat(51)],
            ..req
        };
        assert_eq!(
            bad.validate().map_err(|e| e.field),
            Err("tags[0]".to_owned())
        );
    }

    #[test]
    fn patch_tells_null_from_absent() {
        let p: UpdateAgentRequest = serde_json::from_str(r#"{"imageUrl":null}"#).expect("valid");
        assert_eq!(p.image_url, Some(None));
        assert_eq!(p.nationality, None);
    }

    #[test]
    fn unknown_rank_lists_the_choices() {
        let err = "legend".parse::<Rank>().expect_err("unknown");
        assert!(err.message.contains("'legend'") && err.message.contains("bronze"));
    }
}
