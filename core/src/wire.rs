//! The parts of the wire contract that are not JSON bodies, written once for the client and
//! the server: WebSocket close codes, the client's command frame, header names and query
//! parameter names (`shared/spec/store-api.md`).

use serde::{Deserialize, Serialize};

/// WebSocket close codes of the session and notification streams.
pub mod close {
    /// The session ended (`session.ended` was the last frame).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down; reconnect.
    pub const GOING_AWAY: u16 = 1001;
    /// A client message over the contract's 64 KiB.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// No credential, or a bad, expired or used one.
    pub const UNAUTHENTICATED: u16 = 4001;
    /// Authenticated, but neither the hirer nor the owner (or a ticket for another stream).
    pub const FORBIDDEN: u16 = 4003;
    /// No such session.
    pub const NOT_FOUND: u16 = 4004;
    /// The consumer fell more than 10,000 live events behind; resume from the last seq.
    pub const SLOW_CONSUMER: u16 = 4008;
}

/// Header names the contract gives a meaning to (lower-case, as HTTP/2 sends them).
pub mod header {
    /// The DOF-moving request's idempotency key.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// `true` on an answer replayed from the idempotency store.
    pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
    /// The request id, on every answer.
    pub const REQUEST_ID: &str = "x-request-id";
    /// Seconds to wait after a 429.
    pub const RETRY_AFTER: &str = "retry-after";
    /// `Bearer <token>`.
    pub const AUTHORIZATION: &str = "authorization";
    /// A public marketplace answer's validator (v1.2).
    pub const ETAG: &str = "etag";
    /// The validators a client holds; a match is answered 304 with no body (v1.2).
    pub const IF_NONE_MATCH: &str = "if-none-match";
    /// `public, max-age=N` on public marketplace answers (v1.2).
    pub const CACHE_CONTROL: &str = "cache-control";
    /// A user webhook delivery's signature, `t=<unix>,v1=<hex HMAC-SHA256>` (v1.2; checked by
    /// [`crate::webhook::verify`]).
    pub const JIGA_SIGNATURE: &str = "jiga-signature";
    /// A user webhook delivery's id: the notification's, the same on every retry of it (v1.2).
    pub const JIGA_DELIVERY_ID: &str = "jiga-delivery-id";
    /// Shopify's webhook signature: base64 HMAC-SHA256 of the raw body (v1.2).
    pub const SHOPIFY_HMAC: &str = "x-shopify-hmac-sha256";
    /// Shopify's webhook topic (`orders/paid`).
    pub const SHOPIFY_TOPIC: &str = "x-shopify-topic";
    /// Shopify's id of one webhook delivery, the same on every retry of it.
    pub const SHOPIFY_WEBHOOK_ID: &str = "x-shopify-webhook-id";
}

/// Query parameter names.
pub mod query {
    /// Page size of every list route.
    pub const LIMIT: &str = "limit";
    /// Where a list continues (the previous page's `nextCursor`).
    pub const CURSOR: &str = "cursor";
    /// `GET /v1/sessions?status=`.
    pub const STATUS: &str = "status";
    /// `GET /v1/wallet/transactions?type=`, and the agent type of a search.
    pub const TYPE: &str = "type";
    /// A stream's resume point.
    pub const AFTER_SEQ: &str = "afterSeq";
    /// A single-use stream credential (browsers cannot set headers on a WebSocket).
    pub const TICKET: &str = "ticket";

    /// The parameters of `GET /v1/marketplace/search` (besides `type`, `limit`, `cursor`).
    pub mod search {
        /// Free text.
        pub const Q: &str = "q";
        /// Repeatable rank filter.
        pub const RANK: &str = "rank";
        /// Repeatable provider filter.
        pub const PROVIDER: &str = "provider";
        /// Repeatable game filter.
        pub const GAME: &str = "game";
        /// `true`/`false`.
        pub const HAS_VOICE_CHAT: &str = "hasVoiceChat";
        /// `true`/`false`.
        pub const HAS_COMMENTATOR: &str = "hasCommentator";
        /// Lowest `pricing.perMinute`, inclusive.
        pub const PRICE_MIN: &str = "priceMin";
        /// Highest `pricing.perMinute`, inclusive.
        pub const PRICE_MAX: &str = "priceMax";
        /// Lowest rating.
        pub const RATING_MIN: &str = "ratingMin";
        /// The order.
        pub const SORT: &str = "sort";
    }
}

/// The one frame a client sends on a session stream:
/// `{"type": "command", "commandId": "...", "data": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename = "command", rename_all = "camelCase")]
pub struct CommandFrame {
    /// The caller's id for the command, echoed by `session.command_ack`.
    pub command_id: String,
    /// What the agent is asked to do (a JSON object).
    pub data: serde_json::Value,
}

/// A client frame as read, before its `type` is checked (serde's tagged structs accept any
/// tag value on input).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientFrame {
    #[serde(rename = "type")]
    kind: String,
    command_id: String,
    #[serde(default = "empty_object")]
    data: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl CommandFrame {
    /// The frame as JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        // A struct of a string and a `Value` always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes a client frame; `None` for anything that is not a command frame.
    #[must_use]
    pub fn from_json(text: &str) -> Option<CommandFrame> {
        let frame: ClientFrame = serde_json::from_slice(text.as_bytes()).ok()?;
        (frame.kind == "command").then_some(CommandFrame {
            command_id: frame.command_id,
            data: frame.data,
        })
    }
}

impl From<crate::model::CommandRequest> for CommandFrame {
    fn from(r: crate::model::CommandRequest) -> Self {
        CommandFrame {
            command_id: r.command_id,
            data: r.data,
        }
    }
}

impl From<CommandFrame> for crate::model::CommandRequest {
    fn from(f: CommandFrame) -> Self {
        crate::model::CommandRequest {
            command_id: f.command_id,
            data: f.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_frame_matches_the_contract() {
        let f = CommandFrame {
            command_id: "c1".into(),
            data: serde_json::json!({"focus": "mid"}),
        };
        assert_eq!(
            f.to_json(),
            r#"{"type":"command","commandId":"c1","data":{"focus":"mid"}}"#
        );
        assert_eq!(CommandFrame::from_json(&f.to_json()), Some(f));
        let bare = CommandFrame::from_json(r#"{"type":"command","commandId":"c2"}"#);
        assert_eq!(bare.map(|f| f.data), Some(serde_json::json!({})));
        assert_eq!(
            CommandFrame::from_json(r#"{"type":"ping","commandId":"c"}"#),
            None
        );
    }
}
