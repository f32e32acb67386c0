//! Per-user notifications (`GET /v1/events/stream`): live only. What is sent was recorded in
//! the outbox (`crate::db::outbox`) by the write that caused it, under the same ids; the
//! outside channels (webhooks, email) read it back from there.

use std::collections::HashMap;
use std::sync::Arc;

use jiga::event::Notification;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::db::outbox::Recorded;

/// Notifications a connection may fall behind before it is closed with 4008.
const BACKLOG: usize = 1024;

/// Notification fan-out, one broadcast channel per connected user.
#[derive(Default)]
pub struct Notifier {
    users: Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>,
    /// Counts the events sent: the outbox's dispatchers watch it.
    recorded: tokio::sync::watch::Sender<u64>,
}

impl Notifier {
    /// Sends a recorded event to each of its recipients who is connected now, under the
    /// notification id the outbox gave that recipient (call it after the write committed).
    pub fn send(&self, event: &Recorded) {
        self.recorded.send_modify(|n| *n = n.wrapping_add(1));
        if event.notes.is_empty() {
            return;
        }
        let Ok(data) = jiga::RawJson::from_value(&event.data) else {
            return;
        };
        let Some(ts) = jiga::Timestamp::from_unix_millis(event.ts) else {
            return;
        };
        let mut users = self.users.lock();
        for note in &event.notes {
            let Some(tx) = users.get(&note.user_id) else {
                continue;
            };
            if tx.receiver_count() == 0 {
                users.remove(&note.user_id);
                continue;
            }
            let n = Notification {
                id: note.id.clone(),
                kind: event.kind.clone(),
                ts,
                data: data.clone(),
            };
            if let Ok(text) = serde_json::to_string(&n) {
                let _ = tx.send(Arc::from(text));
            }
        }
    }

    /// Sends each recorded event of `events`.
    pub fn send_all<'a>(&self, events: impl IntoIterator<Item = &'a Recorded>) {
        for e in events {
            self.send(e);
        }
    }

    /// Sends `achievement.unlocked` for each achievement a committed job unlocked.
    pub fn unlocked(&self, unlocked: &[crate::db::achievements::Unlocked]) {
        self.send_all(unlocked.iter().map(|u| &u.event));
    }

    /// A watch on the count of events sent: a dispatcher of the outbox waits for it to
    /// change (an event sent while it worked is not missed).
    #[must_use]
    pub fn recorded(&self) -> tokio::sync::watch::Receiver<u64> {
        self.recorded.subscribe()
    }

    /// Forgets `user_id`'s channel once no connection follows it (called after a connection
    /// dropped its receiver). Otherwise every user who ever connected would keep a channel of
    /// `BACKLOG` slots until a notification happened to be sent to them, and anonymous users
    /// cost nothing to make.
    pub fn release(&self, user_id: &str) {
        let mut users = self.users.lock();
        if users
            .get(user_id)
            .is_some_and(|tx| tx.receiver_count() == 0)
        {
            users.remove(user_id);
        }
    }

    /// Users with a channel now.
    #[must_use]
    pub fn users(&self) -> usize {
        self.users.lock().len()
    }

    /// Subscribes to a user's notifications.
    pub fn subscribe(&self, user_id: &str) -> broadcast::Receiver<Arc<str>> {
        self.users
            .lock()
            .entry(user_id.to_owned())
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .subscribe()
    }
}
