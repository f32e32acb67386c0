//! Session stream events: one JSON text frame per event, `{seq, type, ts, data}`.
//!
//! [`SessionEvent`] is both what the server writes and what clients decode. Decoding is
//! written by hand so that the common case (the server writes `type` before `data`) decodes
//! `data` straight into its typed form in one pass; a frame with the keys in another order
//! still decodes, through a buffered copy of `data`. Unknown event types decode to
//! [`EventKind::Unknown`] so an older client survives a newer server.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::model::{EndReason, Session, Settlement};
use crate::{Dof, Timestamp};

#[cfg(feature = "openapi")]
pub mod schema;

/// One event of a session stream.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionEvent {
    /// Position in the session, from 1, without gaps.
    pub seq: u64,
    /// When the server emitted it.
    pub ts: Timestamp,
    /// What happened.
    pub kind: EventKind,
}

/// What a [`SessionEvent`] says happened.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum EventKind {
    /// `session.started`: always seq 1.
    Started {
        /// The session as it was at hire.
        session: Box<Session>,
    },
    /// `agent.action`.
    Action(AgentAction),
    /// `agent.commentary`.
    Commentary {
        /// What the commentator said.
        text: String,
    },
    /// `session.dof_update`: a charge.
    DofUpdate(DofUpdate),
    /// `session.command_ack`: a command reached the agent.
    CommandAck {
        /// The acknowledged command.
        command_id: String,
    },
    /// `session.ended`: the last event.
    Ended {
        /// Why.
        reason: EndReason,
        /// How the DOF was split.
        settlement: Settlement,
    },
    /// An event type this SDK version does not know.
    Unknown {
        /// The `type` on the wire.
        event_type: String,
        /// The `data` as the server sent it (JSON text).
        data: RawJson,
    },
}

/// The data of `agent.action`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentAction {
    /// What the agent did (`move`, `attack`, `hint`…).
    pub action: String,
    /// What it acted on, when anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Human-readable detail.
    pub detail: String,
}

/// Why a DOF charge happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChargeReason {
    /// `pricing.perAction` for one action.
    Action,
    /// `pricing.perMinute` at the start of a started minute.
    Minute,
}

/// The data of `session.dof_update`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DofUpdate {
    /// This charge.
    pub delta: Dof,
    /// Total charged so far, this charge included.
    pub consumed: Dof,
    /// `budget - consumed`.
    pub remaining: Dof,
    /// What was charged for.
    pub reason: ChargeReason,
}

/// The wire names of the event types.
pub mod types {
    /// `session.started`
    pub const STARTED: &str = "session.started";
    /// `agent.action`
    pub const ACTION: &str = "agent.action";
    /// `agent.commentary`
    pub const COMMENTARY: &str = "agent.commentary";
    /// `session.dof_update`
    pub const DOF_UPDATE: &str = "session.dof_update";
    /// `session.command_ack`
    pub const COMMAND_ACK: &str = "session.command_ack";
    /// `session.ended`
    pub const ENDED: &str = "session.ended";
}

impl EventKind {
    /// The event's `type` on the wire.
    #[must_use]
    pub fn event_type(&self) -> &str {
        match self {
            EventKind::Started { .. } => types::STARTED,
            EventKind::Action(_) => types::ACTION,
            EventKind::Commentary { .. } => types::COMMENTARY,
            EventKind::DofUpdate(_) => types::DOF_UPDATE,
            EventKind::CommandAck { .. } => types::COMMAND_ACK,
            EventKind::Ended { .. } => types::ENDED,
            EventKind::Unknown { event_type, .. } => event_type,
        }
    }

    /// True for `session.ended`, after which the stream closes.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(self, EventKind::Ended { .. })
    }
}

impl SessionEvent {
    /// The frame as JSON text, exactly as the server sends it.
    ///
    /// # Errors
    /// Only if a `data` value cannot be serialized (never for the types above).
    pub fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }

    /// Decodes one text frame.
    ///
    /// # Errors
    /// A [`DecodeError`] quoting what did not fit.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        serde_json::from_slice(text.as_bytes()).map_err(|e| DecodeError::new("session event", &e))
    }
}

/// A frame or body that does not decode into the contract's shape.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {what}: {message}")]
pub struct DecodeError {
    /// What was being decoded (`session event`, `notification`).
    pub what: &'static str,
    /// What did not fit, with its line and column.
    pub message: String,
}

impl DecodeError {
    /// A decode error of `what` from serde's error.
    #[must_use]
    pub fn new(what: &'static str, e: &serde_json::Error) -> Self {
        DecodeError {
            what,
            message: e.to_string(),
        }
    }
}

/// JSON text kept as the server sent it, for payloads this SDK gives no type (unknown event
/// types, notification data): bindings hand it to their language's JSON parser.
#[derive(Clone, Debug)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The JSON text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Wraps JSON text after checking that it is JSON.
    ///
    /// # Errors
    /// A [`DecodeError`] when `text` is not one JSON value.
    pub fn from_string(text: String) -> Result<Self, DecodeError> {
        RawValue::from_string(text)
            .map(RawJson)
            .map_err(|e| DecodeError::new("json", &e))
    }

    /// The JSON text of a serializable value.
    ///
    /// # Errors
    /// When `value` does not serialize (a map with non-string keys).
    pub fn from_value<T: Serialize>(value: &T) -> Result<Self, DecodeError> {
        serde_json::value::to_raw_value(value)
            .map(RawJson)
            .map_err(|e| DecodeError::new("json", &e))
    }

    /// Decodes the text into `T`.
    ///
    /// # Errors
    /// A [`DecodeError`] when the text does not fit `T`.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, DecodeError> {
        serde_json::from_slice(self.0.get().as_bytes()).map_err(|e| DecodeError::new("json", &e))
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(RawJson)
    }
}

#[derive(Serialize)]
struct SessionData<'a> {
    session: &'a Session,
}
#[derive(Serialize, Deserialize)]
struct TextData<T> {
    text: T,
}
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AckData<T> {
    command_id: T,
}
#[derive(Serialize, Deserialize)]
struct EndedData {
    reason: EndReason,
    settlement: Settlement,
}
#[derive(Deserialize)]
struct StartedData {
    session: Box<Session>,
}

struct DataRef<'a>(&'a EventKind);

impl Serialize for DataRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            EventKind::Started { session } => SessionData { session }.serialize(s),
            EventKind::Action(a) => a.serialize(s),
            EventKind::Commentary { text } => TextData { text }.serialize(s),
            EventKind::DofUpdate(d) => d.serialize(s),
            EventKind::CommandAck { command_id } => AckData { command_id }.serialize(s),
            EventKind::Ended { reason, settlement } => EndedData {
                reason: *reason,
                settlement: *settlement,
            }
            .serialize(s),
            EventKind::Unknown { data, .. } => data.serialize(s),
        }
    }
}

impl Serialize for SessionEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Key order matters: `type` before `data` lets decoders take the one-pass path.
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("type", self.kind.event_type())?;
        m.serialize_entry("ts", &self.ts)?;
        m.serialize_entry("data", &DataRef(&self.kind))?;
        m.end()
    }
}

/// Decodes `data` for a known `type`.
struct KindSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for KindSeed<'_> {
    type Value = EventKind;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<EventKind, D::Error> {
        Ok(match self.0 {
            types::ACTION => EventKind::Action(AgentAction::deserialize(d)?),
            types::DOF_UPDATE => EventKind::DofUpdate(DofUpdate::deserialize(d)?),
            types::COMMENTARY => EventKind::Commentary {
                text: TextData::<String>::deserialize(d)?.text,
            },
            types::COMMAND_ACK => EventKind::CommandAck {
                command_id: AckData::<String>::deserialize(d)?.command_id,
            },
            types::STARTED => EventKind::Started {
                session: StartedData::deserialize(d)?.session,
            },
            types::ENDED => {
                let e = EndedData::deserialize(d)?;
                EventKind::Ended {
                    reason: e.reason,
                    settlement: e.settlement,
                }
            }
            other => EventKind::Unknown {
                event_type: other.to_owned(),
                data: RawJson::deserialize(d)?,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Field {
    Seq,
    Type,
    Ts,
    Data,
    #[serde(other)]
    Other,
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = SessionEvent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a session event {seq, type, ts, data}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SessionEvent, A::Error> {
        let mut seq = None;
        let mut ty: Option<std::borrow::Cow<'de, str>> = None;
        let mut ts = None;
        let mut kind = None;
        let mut raw: Option<Box<RawValue>> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Seq => seq = Some(map.next_value()?),
                Field::Type => ty = Some(map.next_value::<CowStr<'de>>()?.0),
                Field::Ts => ts = Some(map.next_value()?),
                Field::Data => match &ty {
                    Some(t) => kind = Some(map.next_value_seed(KindSeed(t))?),
                    None => raw = Some(map.next_value()?),
                },
                Field::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let ty = ty.ok_or_else(|| de::Error::missing_field("type"))?;
        let kind = match (kind, raw) {
            (Some(k), _) => k,
            (None, Some(raw)) => {
                let mut d = serde_json::Deserializer::from_slice(raw.get().as_bytes());
                KindSeed(&ty)
                    .deserialize(&mut d)
                    .map_err(de::Error::custom)?
            }
            (None, None) => return Err(de::Error::missing_field("data")),
        };
        Ok(SessionEvent {
            seq: seq.ok_or_else(|| de::Error::missing_field("seq"))?,
            ts: ts.ok_or_else(|| de::Error::missing_field("ts"))?,
            kind,
        })
    }
}

/// A string borrowed from the input when it has no escapes.
struct CowStr<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for SessionEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

/// A notification of `GET /v1/events/stream`: `{id, type, ts, data}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Opaque id (`ntf_…`).
    pub id: String,
    /// `agent.hired`, `transaction.completed`, `session.ended`, `review.submitted`,
    /// `agent.published`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened.
    pub ts: Timestamp,
    /// Type-specific payload, an object (`{"sessionId": …}`), held as its JSON text.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: RawJson,
}

impl Notification {
    /// Decodes one text frame of the notification stream.
    ///
    /// # Errors
    /// A [`DecodeError`] quoting what did not fit.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        serde_json::from_slice(text.as_bytes()).map_err(|e| DecodeError::new("notification", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts() -> Timestamp {
        Timestamp::from_unix_millis(1_795_640_591_123).expect("in range")
    }

    #[test]
    fn frame_shape_matches_the_contract() {
        let ev = SessionEvent {
            seq: 42,
            ts: ts(),
            kind: EventKind::DofUpdate(DofUpdate {
                delta: Dof::new(3),
                consumed: Dof::new(120),
                remaining: Dof::new(380),
                reason: ChargeReason::Action,
            }),
        };
        let json = ev.to_json().expect("serializes");
        assert_eq!(
            json,
            r#"{"seq":42,"type":"session.dof_update","ts":"2026-11-25T21:03:11.123Z","data":{"delta":3,"consumed":120,"remaining":380,"reason":"action"}}"#
        );
        assert_eq!(SessionEvent::from_json(&json).expect("decodes"), ev);
    }

    #[test]
    fn decodes_data_before_type_and_unknown_types() {
        let ev = SessionEvent::from_json(
            r#"{"data":{"commandId":"c1"},"ts":"2026-11-25T21:03:11.123Z","type":"session.command_ack","seq":3}"#,
        )
        .expect("decodes");
        assert_eq!(
            ev.kind,
            EventKind::CommandAck {
                command_id: "c1".into()
            }
        );
        let ev = SessionEvent::from_json(
            r#"{"seq":4,"type":"agent.dance","ts":"2026-11-25T21:03:11.123Z","data":{"x":1}}"#,
        )
        .expect("decodes");
        assert_eq!(ev.kind.event_type(), "agent.dance");
    }

    #[test]
    fn missing_fields_are_errors() {
        assert!(
            SessionEvent::from_json(
                r#"{"seq":1,"type":"agent.action","ts":"2026-11-25T21:03:11.123Z"}"#
            )
            .is_err()
        );
        assert!(
            SessionEvent::from_json(
                r#"{"type":"agent.commentary","ts":"2026-11-25T21:03:11.123Z","data":{"text":"x"}}"#
            )
            .is_err()
        );
    }
}
