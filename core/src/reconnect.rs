//! What a stream's link events mean, decided without a socket: one state machine for both the
//! session stream and the notification stream.
//!
//! The client's stream drivers feed it what happened — the socket opened, a text frame, a
//! close code, a cut, a silent link, a refused upgrade — and do what it answers: deliver an
//! item, drop a duplicate, reconnect after the backoff of attempt `n`, refresh the access token
//! and reconnect, or end with a [`StreamError`]. Every rule about close codes, resume and
//! giving up lives here, so the two streams (and every binding above them) agree, and the
//! rules are tested exhaustively without a network.
//!
//! ```
//! use jiga::reconnect::{Link, Next, SessionMachine, Frame};
//! use jiga::wire::close;
//!
//! let mut m = SessionMachine::after(0);
//! m.link.opened(true);
//! let frame = r#"{"seq":1,"type":"agent.commentary","ts":"2026-11-25T21:03:11.123Z","data":{"text":"gl"}}"#;
//! assert!(matches!(m.on_text(frame), Frame::Deliver(_)));
//! assert!(matches!(m.on_text(frame), Frame::Duplicate));
//! // The server shuts down: resume from seq 1 after the first backoff.
//! assert!(matches!(m.link.on_close(Some(close::GOING_AWAY), ""), Next::Reconnect { attempt: 1, .. }));
//! assert_eq!(m.last_seq(), 1);
//! ```

use std::time::Duration;

use crate::cursor::{Accepted, GapError, StreamCursor};
use crate::event::{DecodeError, Notification, SessionEvent};
use crate::wire::close;

/// No frame for this long means the link is dead (the server pings at least every 15 s).
pub const DEAD_LINK: Duration = Duration::from_secs(30);

/// Reconnects in a row without an item delivered before a stream gives up.
pub const MAX_RECONNECTS: u32 = 20;

/// Why a link was lost (what a reconnect is reported with).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkLoss {
    /// The connection broke (a read or write error).
    Cut,
    /// The socket ended without a close frame.
    Ended,
    /// The server closed with `code` (1000 before the last event, 1001, 4008, …).
    Closed {
        /// The close code, if the frame had one.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// No frame for [`DEAD_LINK`].
    DeadLink,
    /// The socket did not open (refused, DNS, timeout).
    OpenFailed,
    /// The upgrade was answered with a 429 or 5xx.
    Unavailable {
        /// The HTTP status.
        status: u16,
    },
}

impl std::fmt::Display for LinkLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkLoss::Cut => f.write_str("connection cut"),
            LinkLoss::Ended => f.write_str("closed without a close frame"),
            LinkLoss::Closed { code, reason } => match code {
                Some(c) => write!(f, "closed with {c}: {reason}"),
                None => write!(f, "closed: {reason}"),
            },
            LinkLoss::DeadLink => write!(f, "no frame for {} s", DEAD_LINK.as_secs()),
            LinkLoss::OpenFailed => f.write_str("could not connect"),
            LinkLoss::Unavailable { status } => write!(f, "upgrade answered {status}"),
        }
    }
}

/// Why a stream ended for good.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// 4001 (or a 401 upgrade) with no token to refresh, or again right after a refresh.
    #[error("unauthenticated: {reason}")]
    Unauthenticated {
        /// The server's reason.
        reason: String,
    },
    /// 4003: neither the hirer nor the owner.
    #[error("forbidden: {reason}")]
    Forbidden {
        /// The server's reason.
        reason: String,
    },
    /// 4004: no such session.
    #[error("not found: {reason}")]
    NotFound {
        /// The server's reason.
        reason: String,
    },
    /// The upgrade was refused with another 4xx: build the error from that HTTP answer.
    #[error("upgrade refused with {status}")]
    Refused {
        /// The HTTP status.
        status: u16,
    },
    /// A gap in `seq`: the server broke the contract.
    #[error(transparent)]
    Gap(#[from] GapError),
    /// A frame that is not the contract's.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// [`MAX_RECONNECTS`] reconnects in a row without an item; the last loss.
    #[error("gave up after {attempts} reconnects: {last}")]
    GaveUp {
        /// Reconnects tried.
        attempts: u32,
        /// What broke the last time.
        last: LinkLoss,
    },
}

/// What to do after the link was lost or refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Wait the retry policy's backoff for `attempt` (from 1), then reconnect.
    Reconnect {
        /// Reconnects in a row without an item delivered.
        attempt: u32,
        /// What broke.
        cause: LinkLoss,
    },
    /// Refresh the access token (it was refused), then reconnect at once.
    RefreshThenReconnect,
    /// End the stream with this error.
    End(StreamError),
}

/// The reconnect rules shared by both streams: failures in a row, the one refresh allowed
/// per refusal, and what each close code means.
#[derive(Clone, Debug, Default)]
pub struct Link {
    failures: u32,
    refreshed: bool,
    with_token: bool,
}

impl Link {
    /// The socket opened; `with_token` says whether it carried a credential that a refresh
    /// could renew.
    pub fn opened(&mut self, with_token: bool) {
        self.with_token = with_token;
    }

    /// An item reached the application: the link works, so failures and the refresh allowance
    /// start over.
    pub fn delivered(&mut self) {
        self.failures = 0;
        self.refreshed = false;
    }

    /// Reconnects in a row so far.
    #[must_use]
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The server closed the socket with `code`.
    pub fn on_close(&mut self, code: Option<u16>, reason: &str) -> Next {
        match code {
            Some(close::UNAUTHENTICATED) => self.refused_credential(reason),
            Some(close::FORBIDDEN) => Next::End(StreamError::Forbidden {
                reason: reason.to_owned(),
            }),
            Some(close::NOT_FOUND) => Next::End(StreamError::NotFound {
                reason: reason.to_owned(),
            }),
            // 1000 before the last event reached us, 1001 (shutdown), 4008 (slow consumer),
            // 1009 or anything else: resume.
            _ => self.lost(LinkLoss::Closed {
                code,
                reason: reason.to_owned(),
            }),
        }
    }

    /// The connection broke, ended without a close frame, went silent or did not open.
    pub fn on_loss(&mut self, loss: LinkLoss) -> Next {
        self.lost(loss)
    }

    /// The upgrade was answered with HTTP `status` instead of a socket.
    pub fn on_refused(&mut self, status: u16) -> Next {
        match status {
            401 => self.refused_credential("the upgrade was answered 401"),
            429 | 500..=599 => self.lost(LinkLoss::Unavailable { status }),
            _ => Next::End(StreamError::Refused { status }),
        }
    }

    fn refused_credential(&mut self, reason: &str) -> Next {
        // Without a token, or when a refresh already failed to help, give up.
        if !self.with_token || self.refreshed {
            return Next::End(StreamError::Unauthenticated {
                reason: reason.to_owned(),
            });
        }
        self.refreshed = true;
        Next::RefreshThenReconnect
    }

    fn lost(&mut self, cause: LinkLoss) -> Next {
        self.failures += 1;
        if self.failures > MAX_RECONNECTS {
            return Next::End(StreamError::GaveUp {
                attempts: MAX_RECONNECTS,
                last: cause,
            });
        }
        Next::Reconnect {
            attempt: self.failures,
            cause,
        }
    }
}

/// What a text frame means.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame<T> {
    /// Hand it to the application.
    Deliver(T),
    /// A replayed duplicate: drop it.
    Duplicate,
    /// The stream cannot go on.
    End(StreamError),
}

/// The session stream: [`Link`] plus the [`StreamCursor`] that makes resume exactly-once.
#[derive(Clone, Debug)]
pub struct SessionMachine {
    /// The reconnect rules.
    pub link: Link,
    cursor: StreamCursor,
    finished: bool,
}

impl SessionMachine {
    /// A stream that delivers the events after `after_seq` (0: from the first).
    #[must_use]
    pub fn after(after_seq: u64) -> Self {
        SessionMachine {
            link: Link::default(),
            cursor: StreamCursor::after(after_seq),
            finished: false,
        }
    }

    /// The last seq delivered: the `afterSeq` of the next connection.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.cursor.last_seq()
    }

    /// True once `session.ended` was delivered: close, and do not reconnect.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// A text frame from the server.
    pub fn on_text(&mut self, text: &str) -> Frame<SessionEvent> {
        let event = match SessionEvent::from_json(text) {
            Ok(e) => e,
            Err(e) => return Frame::End(e.into()),
        };
        match self.cursor.accept(event.seq) {
            Ok(Accepted::Duplicate) => Frame::Duplicate,
            Ok(Accepted::Deliver) => {
                self.link.delivered();
                if event.kind.is_terminal() {
                    self.finished = true;
                }
                Frame::Deliver(event)
            }
            Err(gap) => Frame::End(gap.into()),
        }
    }

    /// Whether an event with `seq` would be delivered now (without delivering it): a driver
    /// that cannot take more events uses it to see acknowledgements it will read again.
    #[must_use]
    pub fn is_new(&self, seq: u64) -> bool {
        seq > self.cursor.last_seq()
    }
}

/// The notification stream: [`Link`] only, since notifications are live and have no seq.
#[derive(Clone, Debug, Default)]
pub struct NotificationMachine {
    /// The reconnect rules.
    pub link: Link,
}

impl NotificationMachine {
    /// A fresh stream.
    #[must_use]
    pub fn new() -> Self {
        NotificationMachine::default()
    }

    /// A text frame from the server.
    pub fn on_text(&mut self, text: &str) -> Frame<Notification> {
        match Notification::from_json(text) {
            Ok(n) => {
                self.link.delivered();
                Frame::Deliver(n)
            }
            Err(e) => Frame::End(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, ty: &str) -> String {
        let data = match ty {
            "session.ended" => {
                r#"{"reason":"ended_by_hirer","settlement":{"consumed":1,"ownerEarnings":1,"platformFee":0,"released":0}}"#
            }
            _ => r#"{"text":"x"}"#,
        };
        format!(r#"{{"seq":{seq},"type":"{ty}","ts":"2026-11-25T21:03:11.123Z","data":{data}}}"#)
    }

    fn text(seq: u64) -> String {
        ev(seq, "agent.commentary")
    }

    fn reconnect(attempt: u32) -> impl Fn(&Next) -> bool {
        move |n| matches!(n, Next::Reconnect { attempt: a, .. } if *a == attempt)
    }

    #[test]
    fn every_resuming_close_code_reconnects_with_the_backoff_count() {
        for code in [
            None,
            Some(close::NORMAL),
            Some(close::GOING_AWAY),
            Some(close::MESSAGE_TOO_BIG),
            Some(close::SLOW_CONSUMER),
            Some(4999),
        ] {
            let mut link = Link::default();
            link.opened(true);
            let n = link.on_close(code, "bye");
            assert!(reconnect(1)(&n), "{code:?}: {n:?}");
            assert!(
                matches!(&n, Next::Reconnect { cause: LinkLoss::Closed { code: c, .. }, .. } if *c == code)
            );
            assert!(reconnect(2)(&link.on_close(code, "bye")));
        }
    }

    #[test]
    fn forbidden_and_not_found_end_the_stream_on_both_streams() {
        for mut link in [
            SessionMachine::after(0).link,
            NotificationMachine::new().link,
        ] {
            link.opened(true);
            assert_eq!(
                link.on_close(Some(close::FORBIDDEN), "not yours"),
                Next::End(StreamError::Forbidden {
                    reason: "not yours".into()
                })
            );
            assert_eq!(
                link.on_close(Some(close::NOT_FOUND), "gone"),
                Next::End(StreamError::NotFound {
                    reason: "gone".into()
                })
            );
        }
    }

    #[test]
    fn unauthenticated_refreshes_once_then_ends() {
        let mut link = Link::default();
        link.opened(true);
        assert_eq!(
            link.on_close(Some(close::UNAUTHENTICATED), "expired"),
            Next::RefreshThenReconnect
        );
        link.opened(true);
        assert!(matches!(
            link.on_close(Some(close::UNAUTHENTICATED), "expired"),
            Next::End(StreamError::Unauthenticated { .. })
        ));
    }

    #[test]
    fn a_delivered_item_allows_another_refresh() {
        let mut m = SessionMachine::after(0);
        m.link.opened(true);
        assert_eq!(
            m.link.on_close(Some(close::UNAUTHENTICATED), ""),
            Next::RefreshThenReconnect
        );
        m.link.opened(true);
        assert!(matches!(m.on_text(&text(1)), Frame::Deliver(_)));
        assert_eq!(
            m.link.on_close(Some(close::UNAUTHENTICATED), ""),
            Next::RefreshThenReconnect
        );
    }

    #[test]
    fn unauthenticated_without_a_token_ends_at_once() {
        let mut link = Link::default();
        link.opened(false);
        assert!(matches!(
            link.on_close(Some(close::UNAUTHENTICATED), "no token"),
            Next::End(StreamError::Unauthenticated { .. })
        ));
        let mut link = Link::default();
        link.opened(false);
        assert!(matches!(
            link.on_refused(401),
            Next::End(StreamError::Unauthenticated { .. })
        ));
    }

    #[test]
    fn refused_upgrades_retry_only_when_transient() {
        let mut link = Link::default();
        link.opened(true);
        assert_eq!(link.on_refused(401), Next::RefreshThenReconnect);
        for status in [429, 500, 502, 503] {
            let n = link.on_refused(status);
            assert!(
                matches!(&n, Next::Reconnect { cause: LinkLoss::Unavailable { status: s }, .. } if *s == status),
                "{status}: {n:?}"
            );
        }
        for status in [400, 403, 404, 405, 413] {
            assert_eq!(
                link.on_refused(status),
                Next::End(StreamError::Refused { status })
            );
        }
    }

    #[test]
    fn losses_count_up_to_the_limit_then_give_up() {
        let mut link = Link::default();
        for attempt in 1..=MAX_RECONNECTS {
            let loss = match attempt % 3 {
                0 => LinkLoss::Cut,
                1 => LinkLoss::DeadLink,
                _ => LinkLoss::OpenFailed,
            };
            assert!(reconnect(attempt)(&link.on_loss(loss)));
        }
        assert_eq!(
            link.on_loss(LinkLoss::Ended),
            Next::End(StreamError::GaveUp {
                attempts: MAX_RECONNECTS,
                last: LinkLoss::Ended
            })
        );
    }

    #[test]
    fn a_delivered_event_resets_the_failure_count() {
        let mut m = SessionMachine::after(0);
        for _ in 0..MAX_RECONNECTS {
            let _ = m.link.on_loss(LinkLoss::Cut);
        }
        assert!(matches!(m.on_text(&text(1)), Frame::Deliver(_)));
        assert_eq!(m.link.failures(), 0);
        assert!(reconnect(1)(&m.link.on_loss(LinkLoss::Cut)));
    }

    #[test]
    fn duplicates_are_dropped_and_gaps_end_the_stream() {
        let mut m = SessionMachine::after(2);
        assert_eq!(m.on_text(&text(1)), Frame::Duplicate);
        assert_eq!(m.on_text(&text(2)), Frame::Duplicate);
        assert!(matches!(m.on_text(&text(3)), Frame::Deliver(e) if e.seq == 3));
        assert!(m.is_new(4) && !m.is_new(3));
        assert!(matches!(
            m.on_text(&text(5)),
            Frame::End(StreamError::Gap(_))
        ));
        assert_eq!(m.last_seq(), 3);
    }

    #[test]
    fn session_ended_finishes_the_stream() {
        let mut m = SessionMachine::after(0);
        assert!(matches!(m.on_text(&text(1)), Frame::Deliver(_)));
        assert!(!m.is_finished());
        assert!(matches!(
            m.on_text(&ev(2, "session.ended")),
            Frame::Deliver(_)
        ));
        assert!(m.is_finished());
    }

    #[test]
    fn undecodable_frames_end_either_stream() {
        let mut m = SessionMachine::after(0);
        assert!(matches!(
            m.on_text("{not json"),
            Frame::End(StreamError::Decode(_))
        ));
        let mut n = NotificationMachine::new();
        assert!(matches!(
            n.on_text(r#"{"id":"n"}"#),
            Frame::End(StreamError::Decode(_))
        ));
        let ok = r#"{"id":"ntf_1","type":"agent.hired","ts":"2026-11-25T21:03:11.123Z","data":{"sessionId":"s"}}"#;
        let _ = n.link.on_loss(LinkLoss::Cut);
        match n.on_text(ok) {
            Frame::Deliver(note) => assert_eq!(note.data.as_str(), r#"{"sessionId":"s"}"#),
            other => panic!("{other:?}"),
        }
        assert_eq!(n.link.failures(), 0);
    }
}
