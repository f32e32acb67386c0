//! OpenAPI schemas of the stream frames, for `/v1/openapi.json` (and the JS package's
//! TypeScript types, generated from it). The frames' serde is written by hand in the parent
//! module, so these schemas are built here beside it rather than derived; the tests check
//! each against a frame as [`SessionEvent`](super::SessionEvent) writes it.

use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

use super::{AgentAction, DofUpdate, Notification, types};
use crate::Timestamp;
use crate::model::{EndReason, Session, Settlement};

/// The `data` of `session.started`.
#[derive(ToSchema)]
#[allow(dead_code)] // a shape for the document, never built
struct StartedData {
    /// The session as it was at hire.
    session: Session,
}

/// The `data` of `agent.commentary`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct CommentaryData {
    /// What the commentator said.
    text: String,
}

/// The `data` of `session.command_ack`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct CommandAckData {
    /// The `commandId` the command was sent with.
    #[schema(rename = "commandId")]
    command_id: String,
}

/// The `data` of `session.ended`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct EndedData {
    /// Why the session ended.
    reason: EndReason,
    /// How the session's DOF were split.
    settlement: Settlement,
}

/// `{seq, type, ts, data}` with `type` fixed to `event_type` and `data` a `data` schema.
fn frame(event_type: &str, data: &str, about: &str) -> Schema {
    ObjectBuilder::new()
        .description(Some(about))
        .property(
            "seq",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .description(Some("Position in the session, from 1, without gaps.")),
        )
        .property(
            "type",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([event_type])),
        )
        .property("ts", Ref::from_schema_name(Timestamp::name()))
        .property("data", Ref::from_schema_name(data))
        .required("seq")
        .required("type")
        .required("ts")
        .required("data")
        .into()
}

/// The frames of a session stream, one schema per event type and their union
/// `SessionEvent`, plus `Notification` and what they refer to, as `(name, schema)`.
#[must_use]
pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let events: [(&str, &str, &str, &str); 6] = [
        (
            "SessionStartedEvent",
            types::STARTED,
            "StartedData",
            "`session.started`: always seq 1.",
        ),
        (
            "AgentActionEvent",
            types::ACTION,
            "AgentAction",
            "`agent.action`: what the agent did.",
        ),
        (
            "AgentCommentaryEvent",
            types::COMMENTARY,
            "CommentaryData",
            "`agent.commentary`: what the commentator said.",
        ),
        (
            "DofUpdateEvent",
            types::DOF_UPDATE,
            "DofUpdate",
            "`session.dof_update`: a charge.",
        ),
        (
            "CommandAckEvent",
            types::COMMAND_ACK,
            "CommandAckData",
            "`session.command_ack`: a command was accepted.",
        ),
        (
            "SessionEndedEvent",
            types::ENDED,
            "EndedData",
            "`session.ended`: the last event; the stream closes after it.",
        ),
    ];
    let mut out: Vec<(String, RefOr<Schema>)> = Vec::new();
    let mut union = OneOfBuilder::new().description(Some(
        "One text frame of `GET /v1/sessions/{id}/stream`. Clients ignore types they do not know.",
    ));
    for (name, event_type, data, about) in events {
        out.push((name.to_owned(), frame(event_type, data, about).into()));
        union = union.item(Ref::from_schema_name(name));
    }
    out.push((
        "SessionEvent".to_owned(),
        Schema::OneOf(union.build()).into(),
    ));
    fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
        out.push((T::name().into_owned(), T::schema()));
        T::schemas(out);
    }
    add::<StartedData>(&mut out);
    add::<AgentAction>(&mut out);
    add::<CommentaryData>(&mut out);
    add::<DofUpdate>(&mut out);
    add::<CommandAckData>(&mut out);
    add::<EndedData>(&mut out);
    add::<Notification>(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::schemas;
    use crate::Dof;
    use crate::event::{AgentAction, ChargeReason, DofUpdate, EventKind, SessionEvent};

    fn schema_of(name: &str) -> Value {
        let all = schemas();
        let (_, s) = all.iter().find(|(n, _)| n == name).expect(name);
        serde_json::to_value(s).expect("schema")
    }

    /// Each frame schema names exactly the keys, the `type` and the `data` keys that
    /// `SessionEvent` writes.
    #[test]
    fn every_frame_schema_matches_what_serde_writes() {
        let ts = crate::Timestamp::from_unix_millis(1_767_225_600_000).expect("ts");
        let cases = [
            (
                "AgentActionEvent",
                "AgentAction",
                EventKind::Action(AgentAction {
                    action: "move".into(),
                    target: Some("e4".into()),
                    detail: "d".into(),
                }),
            ),
            (
                "AgentCommentaryEvent",
                "CommentaryData",
                EventKind::Commentary { text: "hi".into() },
            ),
            (
                "DofUpdateEvent",
                "DofUpdate",
                EventKind::DofUpdate(DofUpdate {
                    delta: Dof::new(1),
                    consumed: Dof::new(1),
                    remaining: Dof::new(9),
                    reason: ChargeReason::Action,
                }),
            ),
            (
                "CommandAckEvent",
                "CommandAckData",
                EventKind::CommandAck {
                    command_id: "c1".into(),
                },
            ),
        ];
        for (frame, data, kind) in cases {
            let wire: Value =
                serde_json::to_value(SessionEvent { seq: 2, ts, kind }).expect("frame");
            let s = schema_of(frame);
            let keys = |v: &Value| {
                let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
                k.sort();
                k
            };
            assert_eq!(keys(&s["properties"]), keys(&wire), "{frame}");
            assert_eq!(
                s["properties"]["type"]["enum"],
                json!([wire["type"]]),
                "{frame}"
            );
            let d = schema_of(data);
            let mut want = keys(&d["properties"]);
            let got = keys(&wire["data"]);
            // Optional keys may be left out of a frame, never the other way round.
            want.retain(|k| {
                got.contains(k)
                    || !d["required"]
                        .as_array()
                        .is_some_and(|r| r.contains(&json!(k)))
            });
            assert!(
                got.iter().all(|k| want.contains(k)),
                "{data}: {got:?} vs {want:?}"
            );
        }
    }

    #[test]
    fn the_union_lists_every_event_type() {
        let u = schema_of("SessionEvent");
        assert_eq!(u["oneOf"].as_array().expect("oneOf").len(), 6);
        assert_eq!(
            schema_of("ChargeReason")["enum"],
            json!(["action", "minute"])
        );
    }
}
