//! A batch of session events as one buffer: what Kotlin's `SessionEvents.nextBatch` reads
//! (`nextPacked` underneath, decoded by `decodeEventBatch` in `JigaFlows.kt` into the same
//! `SessionEvent` records `next()` returns).
//!
//! Why: lifting a `Vec<SessionEvent>` record by record (uniffi's generic path) made the JVM
//! copy every string twice and allocate a list per event, and built an intermediate record
//! per event on the Rust side; this writes each event once, straight from the core's
//! `AccountedEvent`, into one presized buffer, and the Kotlin reader makes each string once
//! from it. It is a transport format between this crate and `JigaFlows.kt`, which ship
//! together; it holds no rule of the store (the accounting fields are the core's, copied).
//!
//! The format (big-endian, as uniffi's own serialisation, so the rare parts can be uniffi's):
//! - the format's version (`u8`, [`VERSION`]), the number of events (`i32`);
//! - per event: `seq` (`i64`), `tsMillis` (`i64`), `consumedTotal` (`i64`), a tag (`u8`)
//!   and the kind's fields:
//!   - [`ACTION`]: `action` (string), `target` (optional string), `detail` (string);
//!   - [`COMMENTARY`]: `text`; [`COMMAND_ACK`]: `commandId`;
//!   - [`DOF_UPDATE`]: `delta`, `consumed`, `remaining` (`i64`), `reason` (`u8`: 0 action,
//!     1 minute);
//!   - [`RECORD`] (the rare kinds: started, ended, unknown): the `EventKind` record in
//!     uniffi's serialisation (Kotlin reads it with the generated converter);
//! - then the guard's actions: their number (`u8`), each a `u8` (0: warn, followed by the
//!   fraction as `f64`; 1: end); then `capEnd`: 0, or 1 followed by the `CapEnd` record in
//!   uniffi's serialisation.
//!
//! A string is its UTF-8 length (`i32`) and bytes; an optional string has length -1 for none.

use jiga::accounting;
use jiga::client::AccountedEvent;
use uniffi::Lower;

use crate::UniFfiTag;
use crate::records::{CapEnd, EventKind};

/// The format's version, the buffer's first byte; `JigaFlows.kt` refuses any other.
pub(crate) const VERSION: u8 = 1;
/// `agent.action`.
pub(crate) const ACTION: u8 = 1;
/// `agent.commentary`.
pub(crate) const COMMENTARY: u8 = 2;
/// `session.dof_update`.
pub(crate) const DOF_UPDATE: u8 = 3;
/// `session.command_ack`.
pub(crate) const COMMAND_ACK: u8 = 4;
/// Any other kind, as the uniffi record.
pub(crate) const RECORD: u8 = 9;

/// What one event of the common kinds takes, roughly: the buffer is sized once for a batch.
const TYPICAL: usize = 96;

/// `events` in the format above.
pub(crate) fn encode(events: Vec<AccountedEvent>) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + events.len() * TYPICAL);
    out.push(VERSION);
    // At most `max` events of a `u32` are asked for; more than `i32::MAX` cannot be queued.
    let n = i32::try_from(events.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&n.to_be_bytes());
    for e in events.into_iter().take(usize::try_from(n).unwrap_or(0)) {
        event(&mut out, e);
    }
    out
}

fn event(out: &mut Vec<u8>, e: AccountedEvent) {
    // `seq` is a `u64` that fits an `i64` (Kotlin reads it back as `ULong`).
    out.extend_from_slice(&e.event.seq.to_be_bytes());
    out.extend_from_slice(&e.event.ts.unix_millis().to_be_bytes());
    out.extend_from_slice(&e.consumed.get().to_be_bytes());
    match e.event.kind {
        jiga::EventKind::Action(a) => {
            out.push(ACTION);
            string(out, &a.action);
            match &a.target {
                Some(t) => string(out, t),
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            }
            string(out, &a.detail);
        }
        jiga::EventKind::Commentary { text } => {
            out.push(COMMENTARY);
            string(out, &text);
        }
        jiga::EventKind::DofUpdate(u) => {
            out.push(DOF_UPDATE);
            out.extend_from_slice(&u.delta.get().to_be_bytes());
            out.extend_from_slice(&u.consumed.get().to_be_bytes());
            out.extend_from_slice(&u.remaining.get().to_be_bytes());
            out.push(match u.reason {
                jiga::event::ChargeReason::Action => 0,
                _ => 1,
            });
        }
        jiga::EventKind::CommandAck { command_id } => {
            out.push(COMMAND_ACK);
            string(out, &command_id);
        }
        other => {
            out.push(RECORD);
            <EventKind as Lower<UniFfiTag>>::write(other.into(), out);
        }
    }
    // The guard asks for at most one warning per threshold and one end.
    let n = u8::try_from(e.actions.len()).unwrap_or(u8::MAX);
    out.push(n);
    for a in e.actions.iter().take(usize::from(n)) {
        match a {
            accounting::GuardAction::Warn(fraction) => {
                out.push(0);
                out.extend_from_slice(&fraction.to_be_bytes());
            }
            _ => out.push(1),
        }
    }
    match e.cap_end {
        None => out.push(0),
        Some(r) => {
            out.push(1);
            <CapEnd as Lower<UniFfiTag>>::write(r.into(), out);
        }
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    // A frame's string is far below 2 GiB (the server caps frames).
    let n = i32::try_from(s.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&s.as_bytes()[..usize::try_from(n).unwrap_or(0)]);
}
