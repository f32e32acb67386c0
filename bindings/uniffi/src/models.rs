//! The contract's answers as uniffi records (Kotlin data classes, Swift structs), each made
//! from the core's model by a plain `From`: a field the core adds or renames is a compile
//! error here, not a silent gap. Wire enums (`rank`, `status`, …) are their wire strings, DOF
//! amounts `Long`, times `java.time.Instant` / `Date`. Free-form JSON members (preferences,
//! a transaction's metadata, a notification's data) stay JSON text.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use jiga::model as m;

/// A time of the contract as the platform's instant.
pub(crate) fn time(t: jiga::Timestamp) -> SystemTime {
    let ms = t.unix_millis();
    match u64::try_from(ms) {
        Ok(ms) => SystemTime::UNIX_EPOCH + Duration::from_millis(ms),
        Err(_) => SystemTime::UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs()),
    }
}

/// A user.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct User {
    /// `usr_…`.
    pub id: String,
    /// The name shown to others.
    pub display_name: String,
    /// Set for email accounts.
    pub email: Option<String>,
    /// When the account was made.
    pub created_at: SystemTime,
}

impl From<m::User> for User {
    fn from(u: m::User) -> Self {
        User {
            id: u.id,
            display_name: u.display_name,
            email: u.email,
            created_at: time(u.created_at),
        }
    }
}

/// The caller with their preferences.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Me {
    /// The caller.
    pub user: User,
    /// The preferences object, as JSON text.
    pub preferences_json: String,
}

impl From<m::Me> for Me {
    fn from(me: m::Me) -> Self {
        Me {
            user: me.user.into(),
            preferences_json: me.preferences.to_string(),
        }
    }
}

/// What an agent costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct Pricing {
    /// DOF charged at the start of every started minute.
    pub per_minute: i64,
    /// DOF charged per action.
    pub per_action: i64,
}

impl From<m::Pricing> for Pricing {
    fn from(p: m::Pricing) -> Self {
        Pricing {
            per_minute: p.per_minute.get(),
            per_action: p.per_action.get(),
        }
    }
}

/// An agent.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Agent {
    /// `agt_…`.
    pub id: String,
    /// Its owner's user id.
    pub owner_id: String,
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// What it is good at.
    pub specializations: Vec<String>,
    /// The games it plays.
    pub games: Vec<String>,
    /// `bronze` … `grandmaster`.
    pub rank: String,
    /// `teammate`, `coach`, `opponent`, …
    pub agent_type: String,
    /// Who runs it.
    pub provider: String,
    /// Whether it talks.
    pub has_voice_chat: bool,
    /// Whether it comments.
    pub has_commentator: bool,
    /// What it costs.
    pub pricing: Pricing,
    /// How fast it acts.
    pub actions_per_second: u32,
    /// Its picture.
    pub image_url: Option<String>,
    /// Its flag.
    pub nationality: Option<String>,
    /// `draft`, `published`, `unpublished`.
    pub status: String,
    /// Bumped by every update.
    pub version: u32,
    /// When it was made.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
}

impl From<m::Agent> for Agent {
    fn from(a: m::Agent) -> Self {
        Agent {
            id: a.id,
            owner_id: a.owner_id,
            name: a.name,
            description: a.description,
            tags: a.tags,
            specializations: a.specializations,
            games: a.games,
            rank: a.rank.to_string(),
            agent_type: a.agent_type.to_string(),
            provider: a.provider,
            has_voice_chat: a.has_voice_chat,
            has_commentator: a.has_commentator,
            pricing: a.pricing.into(),
            actions_per_second: a.actions_per_second,
            image_url: a.image_url,
            nationality: a.nationality,
            status: a.status.to_string(),
            version: a.version,
            created_at: time(a.created_at),
            updated_at: time(a.updated_at),
        }
    }
}

/// A user as others see them.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OwnerSummary {
    /// `usr_…`.
    pub id: String,
    /// Their name.
    pub display_name: String,
}

impl From<m::OwnerSummary> for OwnerSummary {
    fn from(o: m::OwnerSummary) -> Self {
        OwnerSummary {
            id: o.id,
            display_name: o.display_name,
        }
    }
}

/// A published agent in the marketplace.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Listing {
    /// The agent.
    pub agent: Agent,
    /// Who owns it.
    pub owner: OwnerSummary,
    /// Mean review rating, 0 to 5.
    pub rating: f64,
    /// Reviews.
    pub review_count: u64,
    /// Hires.
    pub total_hires: u64,
    /// The ranking's popularity score.
    pub popularity: f64,
    /// Share of sessions that ended well.
    pub success_rate: f64,
}

impl From<m::Listing> for Listing {
    fn from(l: m::Listing) -> Self {
        Listing {
            agent: l.agent.into(),
            owner: l.owner.into(),
            rating: l.rating,
            review_count: l.review_count,
            total_hires: l.total_hires,
            popularity: l.popularity,
            success_rate: l.success_rate,
        }
    }
}

/// A search's counts per filter value.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Facets {
    /// Per rank.
    pub rank: HashMap<String, u64>,
    /// Per agent type.
    pub agent_type: HashMap<String, u64>,
    /// Per provider.
    pub provider: HashMap<String, u64>,
    /// Per game.
    pub game: HashMap<String, u64>,
    /// Per `true`/`false`.
    pub has_voice_chat: HashMap<String, u64>,
    /// Per `true`/`false`.
    pub has_commentator: HashMap<String, u64>,
}

impl From<m::Facets> for Facets {
    fn from(f: m::Facets) -> Self {
        Facets {
            rank: f.rank.into_iter().collect(),
            agent_type: f.agent_type.into_iter().collect(),
            provider: f.provider.into_iter().collect(),
            game: f.game.into_iter().collect(),
            has_voice_chat: f.has_voice_chat.into_iter().collect(),
            has_commentator: f.has_commentator.into_iter().collect(),
        }
    }
}

/// One page of search results.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct SearchPage {
    /// The listings.
    pub items: Vec<Listing>,
    /// Where the next page starts; `None` on the last.
    pub next_cursor: Option<String>,
    /// Matches in all.
    pub total: u64,
    /// Counts per filter value.
    pub facets: Facets,
}

impl From<m::SearchResults> for SearchPage {
    fn from(r: m::SearchResults) -> Self {
        SearchPage {
            items: r.items.into_iter().map(Into::into).collect(),
            next_cursor: r.next_cursor,
            total: r.total,
            facets: r.facets.into(),
        }
    }
}

/// Listings per game and per type.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Categories {
    /// `(game, count)`.
    pub games: Vec<CategoryCount>,
    /// `(agent type, count)`.
    pub types: Vec<CategoryCount>,
}

/// One category and how many listings it has.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CategoryCount {
    /// The game, or the agent type.
    pub name: String,
    /// Listings.
    pub count: u64,
}

impl From<m::Categories> for Categories {
    fn from(c: m::Categories) -> Self {
        Categories {
            games: c
                .games
                .into_iter()
                .map(|g| CategoryCount {
                    name: g.game,
                    count: g.count,
                })
                .collect(),
            types: c
                .types
                .into_iter()
                .map(|t| CategoryCount {
                    name: t.agent_type.to_string(),
                    count: t.count,
                })
                .collect(),
        }
    }
}

/// A review.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Review {
    /// `rev_…`.
    pub id: String,
    /// The agent reviewed.
    pub agent_id: String,
    /// The session it was hired in.
    pub session_id: String,
    /// Who wrote it.
    pub author: OwnerSummary,
    /// 1 to 5.
    pub rating: u8,
    /// What they said.
    pub text: String,
    /// When.
    pub created_at: SystemTime,
}

impl From<m::Review> for Review {
    fn from(r: m::Review) -> Self {
        Review {
            id: r.id,
            agent_id: r.agent_id,
            session_id: r.session_id,
            author: r.author.into(),
            rating: r.rating,
            text: r.text,
            created_at: time(r.created_at),
        }
    }
}

/// A hired session.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Session {
    /// `ses_…`.
    pub id: String,
    /// The agent hired.
    pub agent_id: String,
    /// Who hired it.
    pub hirer_id: String,
    /// Who owns the agent.
    pub owner_id: String,
    /// The game.
    pub game: String,
    /// `active` or `ended`.
    pub status: String,
    /// DOF held at hire.
    pub budget: i64,
    /// DOF charged so far.
    pub consumed: i64,
    /// `budget - consumed`.
    pub remaining: i64,
    /// When it started.
    pub started_at: SystemTime,
    /// When it ended.
    pub ended_at: Option<SystemTime>,
    /// Why it ended (`hirer_ended`, `budget_exhausted`, …).
    pub end_reason: Option<String>,
    /// When it ends by itself.
    pub expires_at: SystemTime,
    /// The last event's seq.
    pub last_seq: u64,
}

impl From<m::Session> for Session {
    fn from(s: m::Session) -> Self {
        Session {
            id: s.id,
            agent_id: s.agent_id,
            hirer_id: s.hirer_id,
            owner_id: s.owner_id,
            game: s.game,
            status: s.status.to_string(),
            budget: s.budget.get(),
            consumed: s.consumed.get(),
            remaining: s.remaining.get(),
            started_at: time(s.started_at),
            ended_at: s.ended_at.map(time),
            end_reason: s.end_reason.map(|r| r.to_string()),
            expires_at: time(s.expires_at),
            last_seq: s.last_seq,
        }
    }
}

/// The answer to a hire.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct HireResponse {
    /// The session started.
    pub session: Session,
    /// Where its events are streamed.
    pub stream_path: String,
}

impl From<m::HireResponse> for HireResponse {
    fn from(h: m::HireResponse) -> Self {
        HireResponse {
            session: h.session.into(),
            stream_path: h.stream_path,
        }
    }
}

/// How an ended session's DOF was split: `consumed = ownerEarnings + platformFee`,
/// `released = budget - consumed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Settlement {
    /// Charged in all.
    pub consumed: i64,
    /// The owner's share.
    pub owner_earnings: i64,
    /// The platform's share.
    pub platform_fee: i64,
    /// Given back to the hirer.
    pub released: i64,
}

impl From<m::Settlement> for Settlement {
    fn from(s: m::Settlement) -> Self {
        Settlement {
            consumed: s.consumed.get(),
            owner_earnings: s.owner_earnings.get(),
            platform_fee: s.platform_fee.get(),
            released: s.released.get(),
        }
    }
}

/// The answer to ending a session.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct EndSessionResponse {
    /// The session, ended.
    pub session: Session,
    /// How its DOF was split.
    pub settlement: Settlement,
}

impl From<m::EndSessionResponse> for EndSessionResponse {
    fn from(e: m::EndSessionResponse) -> Self {
        EndSessionResponse {
            session: e.session.into(),
            settlement: e.settlement.into(),
        }
    }
}

/// A command the server accepted (REST).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CommandAccepted {
    /// The command's id.
    pub command_id: String,
}

impl From<m::CommandAccepted> for CommandAccepted {
    fn from(c: m::CommandAccepted) -> Self {
        CommandAccepted {
            command_id: c.command_id,
        }
    }
}

/// The caller's wallet.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Wallet {
    /// Everything.
    pub balance: i64,
    /// Held for active sessions.
    pub held: i64,
    /// `balance - held`: what can be spent.
    pub available: i64,
    /// `DOF`.
    pub currency: String,
}

impl From<m::Wallet> for Wallet {
    fn from(w: m::Wallet) -> Self {
        Wallet {
            balance: w.balance.get(),
            held: w.held.get(),
            available: w.available.get(),
            currency: w.currency,
        }
    }
}

/// One posting of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LedgerEntry {
    /// Which account.
    pub account: String,
    /// Signed DOF.
    pub amount: i64,
}

/// A ledger transaction of the caller's.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Transaction {
    /// `txn_…`.
    pub id: String,
    /// `topup`, `hire_hold`, `settlement`, …
    pub kind: String,
    /// When.
    pub created_at: SystemTime,
    /// Its postings (they sum to zero).
    pub entries: Vec<LedgerEntry>,
    /// Its metadata object, as JSON text.
    pub metadata_json: String,
}

impl From<m::Transaction> for Transaction {
    fn from(t: m::Transaction) -> Self {
        Transaction {
            id: t.id,
            kind: t.kind.to_string(),
            created_at: time(t.created_at),
            entries: t
                .entries
                .into_iter()
                .map(|e| LedgerEntry {
                    account: e.account,
                    amount: e.amount.get(),
                })
                .collect(),
            metadata_json: t.metadata.to_string(),
        }
    }
}

/// A top-up.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Topup {
    /// `top_…`.
    pub id: String,
    /// DOF.
    pub amount: i64,
    /// `dev`, `stripe`, …
    pub provider: String,
    /// `completed`, `pending`, …
    pub status: String,
    /// When.
    pub created_at: SystemTime,
}

impl From<m::Topup> for Topup {
    fn from(t: m::Topup) -> Self {
        Topup {
            id: t.id,
            amount: t.amount.get(),
            provider: t.provider.to_string(),
            status: t.status.to_string(),
            created_at: time(t.created_at),
        }
    }
}

/// Declares a page record of a list route.
macro_rules! page {
    ($(#[doc = $doc:literal])* $name:ident, $item:ident) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq, uniffi::Record)]
        pub struct $name {
            /// The items.
            pub items: Vec<$item>,
            /// Where the next page starts; `None` on the last.
            pub next_cursor: Option<String>,
        }

        impl From<m::Page<m::$item>> for $name {
            fn from(p: m::Page<m::$item>) -> Self {
                $name {
                    items: p.items.into_iter().map(Into::into).collect(),
                    next_cursor: p.next_cursor,
                }
            }
        }
    };
}

page!(
    /// One page of agents.
    AgentPage,
    Agent
);
page!(
    /// One page of reviews.
    ReviewPage,
    Review
);
page!(
    /// One page of sessions.
    SessionPage,
    Session
);
page!(
    /// One page of transactions.
    TransactionPage,
    Transaction
);

/// A notification of the caller's (`agent.hired`, `transaction.completed`, …).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Notification {
    /// `ntf_…`.
    pub id: String,
    /// `agent.hired`, `session.ended`, `review.submitted`, …
    pub kind: String,
    /// When it happened.
    pub ts: SystemTime,
    /// The type's payload, as JSON text (`{"sessionId": …}`).
    pub data_json: String,
}

impl From<jiga::event::Notification> for Notification {
    fn from(n: jiga::event::Notification) -> Self {
        Notification {
            id: n.id,
            kind: n.kind,
            ts: time(n.ts),
            data_json: n.data.as_str().to_owned(),
        }
    }
}

/// One unlocked achievement of the caller's.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Achievement {
    /// `first_hire`, `ten_sessions`, `first_review`, `big_spender`, `first_publish`,
    /// `first_earning`.
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// What earned it, for people.
    pub description: String,
    /// When it was unlocked.
    pub unlocked_at: SystemTime,
}

impl From<m::Achievement> for Achievement {
    fn from(a: m::Achievement) -> Self {
        Achievement {
            id: a.id.to_string(),
            name: a.name,
            description: a.description,
            unlocked_at: time(a.unlocked_at),
        }
    }
}
