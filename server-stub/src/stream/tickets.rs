//! [`TicketStore`]: single-use, 60-second credentials for browsers, which cannot set headers
//! on a WebSocket. A ticket names what it opens: one session's stream, or the caller's
//! notifications, and opens nothing else.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

use crate::ids::{new_secret, now_millis};

/// Tickets are valid this long.
pub const TICKET_TTL_SECS: u64 = 60;
/// Unused tickets one user may hold at once; issuing another forgets their oldest, so a
/// caller cannot grow the store.
pub const MAX_TICKETS_PER_USER: usize = 16;
/// How often expired tickets are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// What a ticket opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The stream of this session.
    Session(String),
    /// The caller's notifications.
    Notifications,
}

struct Ticket {
    scope: Scope,
    user_id: String,
    expires_ms: i64,
}

/// Why a ticket was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown, already used or expired.
    Invalid,
    /// Valid, but for another stream (it is used up all the same).
    OtherScope,
}

/// The unused tickets of this server.
#[derive(Default)]
pub struct TicketStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    tickets: HashMap<String, Ticket>,
    /// Each user's tickets, oldest first (used and expired ones until they are pruned).
    by_user: HashMap<String, VecDeque<String>>,
}

impl Inner {
    fn forget_from_user(&mut self, user_id: &str, ticket: &str) {
        if let Some(list) = self.by_user.get_mut(user_id) {
            list.retain(|t| t != ticket);
            if list.is_empty() {
                self.by_user.remove(user_id);
            }
        }
    }
}

impl TicketStore {
    /// A new ticket for `user_id` opening `scope`.
    pub fn issue(&self, user_id: &str, scope: Scope) -> String {
        let ticket = format!("tkt_{}", new_secret());
        let now = now_millis();
        let mut inner = self.inner.lock();
        let Inner { tickets, by_user } = &mut *inner;
        let mine = by_user.entry(user_id.to_owned()).or_default();
        mine.retain(|t| tickets.contains_key(t));
        while mine.len() >= MAX_TICKETS_PER_USER {
            if let Some(oldest) = mine.pop_front() {
                tickets.remove(&oldest);
            }
        }
        mine.push_back(ticket.clone());
        tickets.insert(
            ticket.clone(),
            Ticket {
                scope,
                user_id: user_id.to_owned(),
                expires_ms: now + (TICKET_TTL_SECS as i64) * 1000,
            },
        );
        ticket
    }

    /// Uses up `ticket` (whatever comes next) and returns its user if it opens `scope`.
    ///
    /// # Errors
    /// [`Refusal`] saying why not.
    pub fn take(&self, ticket: &str, scope: &Scope) -> Result<String, Refusal> {
        let entry = {
            let mut inner = self.inner.lock();
            let entry = inner.tickets.remove(ticket);
            if let Some(t) = &entry {
                let user = t.user_id.clone();
                inner.forget_from_user(&user, ticket);
            }
            entry
        };
        match entry {
            Some(t) if t.expires_ms > now_millis() => {
                if t.scope == *scope {
                    Ok(t.user_id)
                } else {
                    Err(Refusal::OtherScope)
                }
            }
            _ => Err(Refusal::Invalid),
        }
    }

    /// Uses up `ticket` if it opens `scope` and `admit` admits its user, returning the user and
    /// what `admit` gave. A valid ticket whose user is not admitted (`Ok(None)`: they hold
    /// their cap of connections) stays unused for a retry; an invalid or other-scope one is used
    /// up as with [`TicketStore::take`].
    ///
    /// # Errors
    /// [`Refusal`] saying why the ticket does not open `scope`.
    pub fn take_admitted<T>(
        &self,
        ticket: &str,
        scope: &Scope,
        admit: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<(String, T)>, Refusal> {
        // Decided under the store's lock, so no other upgrade can use the ticket between this
        // one's admission and its use.
        let mut inner = self.inner.lock();
        let Some(t) = inner.tickets.get(ticket) else {
            return Err(Refusal::Invalid);
        };
        let (valid, in_scope) = (t.expires_ms > now_millis(), t.scope == *scope);
        let admitted = if valid && in_scope {
            match admit(&t.user_id) {
                Some(a) => Some(a),
                None => return Ok(None),
            }
        } else {
            None
        };
        let Some(t) = inner.tickets.remove(ticket) else {
            return Err(Refusal::Invalid);
        };
        inner.forget_from_user(&t.user_id, ticket);
        match admitted {
            Some(a) => Ok(Some((t.user_id, a))),
            None if valid => Err(Refusal::OtherScope),
            None => Err(Refusal::Invalid),
        }
    }

    /// Forgets expired tickets.
    pub fn sweep(&self) {
        let now = now_millis();
        let mut inner = self.inner.lock();
        let Inner { tickets, by_user } = &mut *inner;
        tickets.retain(|_, t| t.expires_ms > now);
        by_user.retain(|_, list| {
            list.retain(|t| tickets.contains_key(t));
            !list.is_empty()
        });
    }

    /// Number of unused tickets (expired ones included until the next sweep).
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().tickets.len()
    }

    /// True when no ticket is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The store's chore: sweeps expired tickets until shutdown.
    pub fn spawn_sweeper(self: &std::sync::Arc<Self>, shutdown: CancellationToken) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => store.sweep(),
                    () = shutdown.cancelled() => break,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_opens_its_scope_once_and_nothing_else() {
        let store = TicketStore::default();
        let s = store.issue("u", Scope::Session("ses_1".into()));
        assert_eq!(
            store.take(&s, &Scope::Session("ses_1".into())),
            Ok("u".into())
        );
        assert_eq!(
            store.take(&s, &Scope::Session("ses_1".into())),
            Err(Refusal::Invalid)
        );
        let s = store.issue("u", Scope::Session("ses_1".into()));
        assert_eq!(
            store.take(&s, &Scope::Notifications),
            Err(Refusal::OtherScope)
        );
        let n = store.issue("u", Scope::Notifications);
        assert_eq!(
            store.take(&n, &Scope::Session("ses_1".into())),
            Err(Refusal::OtherScope)
        );
        let n = store.issue("u", Scope::Notifications);
        assert_eq!(store.take(&n, &Scope::Notifications), Ok("u".into()));
    }

    #[test]
    fn a_ticket_refused_admission_stays_unused() {
        let store = TicketStore::default();
        let s = store.issue("u", Scope::Session("ses_1".into()));
        let scope = Scope::Session("ses_1".into());
        assert_eq!(store.take_admitted(&s, &scope, |_| None::<()>), Ok(None));
        assert_eq!(
            store.take_admitted(&s, &scope, |user| Some(user.to_owned())),
            Ok(Some(("u".into(), "u".into())))
        );
        assert_eq!(
            store.take_admitted(&s, &scope, |_| Some(())),
            Err(Refusal::Invalid),
            "used up once admitted"
        );
        let s = store.issue("u", Scope::Notifications);
        assert_eq!(
            store.take_admitted(&s, &scope, |_| -> Option<()> { panic!("not asked") }),
            Err(Refusal::OtherScope)
        );
        assert!(store.is_empty(), "another scope uses the ticket up");
    }

    #[test]
    fn one_user_cannot_grow_the_store() {
        let store = TicketStore::default();
        for _ in 0..1000 {
            store.issue("u", Scope::Notifications);
        }
        assert_eq!(store.len(), MAX_TICKETS_PER_USER);
    }
}
