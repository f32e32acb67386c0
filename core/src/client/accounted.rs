//! A session stream with its DOF accounting: [`Client::session_events_with`] returns an
//! [`AccountedStream`], which feeds every event to a
//! [`SessionAccount`](crate::accounting::SessionAccount) (meter, budget guard, reconciliation)
//! and, when asked to, ends the session at the guard's cap. Every binding reads its events
//! through it, so none of them holds an accounting rule of its own.

use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use super::Client;
use super::error::{Error, Result};
use super::stream::SessionStream;
use crate::Dof;
use crate::SessionEvent;
use crate::accounting::{DofMeter, GuardAction, GuardSpec, Reconciled, SessionAccount};
use crate::model::EndSessionResponse;

/// How to open an [`AccountedStream`]. As JSON (bindings): `{"afterSeq": 0, "guard": {"cap":
/// 900, "warnAt": [0.5, 0.8]}, "endAtCap": true}`, every member optional.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct StreamOptions {
    /// Deliver the events after this seq (0: from `session.started`).
    #[serde(default)]
    pub after_seq: u64,
    /// A budget guard, set up once the session's budget is known.
    pub guard: Option<GuardSpec>,
    /// End the session (`POST /end`) as soon as the guard's cap is reached.
    #[serde(default)]
    pub end_at_cap: bool,
}

impl StreamOptions {
    /// From the first event, no guard.
    #[must_use]
    pub fn new() -> Self {
        StreamOptions::default()
    }

    /// Delivers the events after `seq`.
    #[must_use]
    pub fn after_seq(mut self, seq: u64) -> Self {
        self.after_seq = seq;
        self
    }

    /// Guards the session's spending with `guard`.
    #[must_use]
    pub fn guard(mut self, guard: GuardSpec) -> Self {
        self.guard = Some(guard);
        self
    }

    /// Ends the session when the guard's cap is reached.
    #[must_use]
    pub fn end_at_cap(mut self, yes: bool) -> Self {
        self.end_at_cap = yes;
        self
    }
}

/// One event and what it did to the session's account.
#[derive(Debug)]
#[non_exhaustive]
pub struct AccountedEvent {
    /// The event.
    pub event: SessionEvent,
    /// What the guard asks for after this event (thresholds ascending, `End` last).
    pub actions: Vec<GuardAction>,
    /// DOF counted so far, this event included.
    pub consumed: Dof,
    /// When this event reached the cap of a stream opened with `end_at_cap`: the answer of
    /// the `POST /end` the stream sent before handing the event over.
    pub cap_end: Option<Result<EndSessionResponse>>,
}

/// The events of one session with their accounting (see the module). A handle: clones share
/// the stream and its account.
#[derive(Clone)]
pub struct AccountedStream {
    stream: SessionStream,
    account: Arc<Mutex<SessionAccount>>,
    client: Client,
    end_at_cap: bool,
    /// Whether the stream's reconciliation error was returned already.
    reported: Arc<Mutex<bool>>,
    /// The event `try_next` found at the cap, waiting for the end that `next` sends.
    held: Arc<Mutex<Option<AccountedEvent>>>,
}

impl std::fmt::Debug for AccountedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountedStream")
            .field("stream", &self.stream)
            .field("end_at_cap", &self.end_at_cap)
            .finish_non_exhaustive()
    }
}

impl AccountedStream {
    /// The next event with its accounting; `Ok(None)` after `session.ended` (see
    /// [`SessionStream::next_event`]).
    ///
    /// # Errors
    /// What [`SessionStream::next_event`] returns, and once, after `session.ended`,
    /// [`Error::Reconciliation`] when the settlement does not match what was counted (only
    /// for a stream that saw the session from seq 1).
    pub async fn next(&self) -> Result<Option<AccountedEvent>> {
        let held = self.held().take();
        if let Some(e) = held {
            return Ok(Some(self.end_at_cap(e).await));
        }
        let Some(event) = self.stream.next_event().await? else {
            return self.finish();
        };
        let e = self.observe(event);
        if self.wants_cap_end(&e) {
            Ok(Some(self.end_at_cap(e).await))
        } else {
            Ok(Some(e))
        }
    }

    /// The next event with its accounting if it has arrived already, without waiting:
    /// `Poll::Pending` when none is here yet — or when the event that reached the cap of an
    /// `end_at_cap` stream waits for its `POST /end`, which [`next`](AccountedStream::next)
    /// sends — otherwise what `next` would return. Mixing the two never loses or reorders an
    /// event, so a host can drain a burst with `try_next` and wait with `next`.
    ///
    /// # Errors
    /// As [`next`](AccountedStream::next).
    #[must_use = "an event taken is not offered again"]
    pub fn try_next(&self) -> Poll<Result<Option<AccountedEvent>>> {
        if self.held().is_some() {
            return Poll::Pending;
        }
        match self.stream.try_next_event() {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(None)) => Poll::Ready(self.finish()),
            Poll::Ready(Ok(Some(event))) => {
                let e = self.observe(event);
                if self.wants_cap_end(&e) {
                    *self.held() = Some(e);
                    Poll::Pending
                } else {
                    Poll::Ready(Ok(Some(e)))
                }
            }
        }
    }

    /// `event` fed to the account.
    fn observe(&self, event: SessionEvent) -> AccountedEvent {
        let (seen, consumed) = {
            let mut account = self.lock();
            let seen = account.observe(&event);
            (seen, account.meter().consumed())
        };
        AccountedEvent {
            event,
            actions: seen.actions,
            consumed,
            cap_end: None,
        }
    }

    fn wants_cap_end(&self, e: &AccountedEvent) -> bool {
        self.end_at_cap && e.actions.contains(&GuardAction::End)
    }

    /// Sends the `POST /end` of the event that reached the cap, before handing it over.
    async fn end_at_cap(&self, mut e: AccountedEvent) -> AccountedEvent {
        e.cap_end = Some(self.client.end_session(self.stream.session_id()).await);
        e
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<AccountedEvent>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn finish(&self) -> Result<Option<AccountedEvent>> {
        let verdict = self.lock().reconciled().cloned();
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        match verdict {
            Some(Err(e)) if !*reported => {
                *reported = true;
                Err(Error::Reconciliation(e))
            }
            _ => Ok(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionAccount> {
        self.account.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The meter as of the last event returned.
    #[must_use]
    pub fn meter(&self) -> DofMeter {
        self.lock().meter().clone()
    }

    /// The reconciliation with the settlement, once `session.ended` was returned (`None`
    /// before, and for a stream that did not see the session from seq 1).
    #[must_use]
    pub fn reconciled(&self) -> Option<std::result::Result<Reconciled, Error>> {
        self.lock()
            .reconciled()
            .cloned()
            .map(|r| r.map_err(Error::Reconciliation))
    }

    /// Ends the stream (see [`SessionStream::close`]).
    pub fn close(&self) {
        self.stream.close();
    }

    /// The underlying stream (commands, connection state, close).
    #[must_use]
    pub fn stream(&self) -> &SessionStream {
        &self.stream
    }
}

impl Client {
    /// The events of a session with their DOF accounting and an optional budget guard (see
    /// [`AccountedStream`]).
    ///
    /// ```no_run
    /// # async fn demo(client: jiga::Client) -> jiga::Result<()> {
    /// use jiga::accounting::GuardSpec;
    /// use jiga::client::StreamOptions;
    ///
    /// let guard = GuardSpec { cap: Some(jiga::Dof::new(90)), warn_at: vec![0.5] };
    /// let events = client.session_events_with("ses_1", StreamOptions::new().guard(guard).end_at_cap(true));
    /// while let Some(e) = events.next().await? {
    ///     println!("{} consumed {}", e.event.seq, e.consumed);
    /// }
    /// println!("reconciled: {:?}", events.reconciled());
    /// # Ok(()) }
    /// ```
    pub fn session_events_with(&self, session_id: &str, options: StreamOptions) -> AccountedStream {
        AccountedStream {
            stream: self.session_events_after(session_id, options.after_seq),
            account: Arc::new(Mutex::new(SessionAccount::new(options.guard))),
            client: self.clone(),
            end_at_cap: options.end_at_cap,
            reported: Arc::new(Mutex::new(false)),
            held: Arc::new(Mutex::new(None)),
        }
    }
}
