//! Per-user notifications (`GET /v1/events/stream`): live only, never stored.

use std::collections::HashMap;
use std::sync::Arc;

use jiga::event::Notification;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::ids::new_id;

/// Notifications a connection may fall behind before it is closed with 4008.
const BACKLOG: usize = 1024;

/// Notification fan-out, one broadcast channel per connected user.
#[derive(Default)]
pub struct Notifier {
    users: Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>,
}

impl Notifier {
    /// Sends a notification to `user_id` if they are connected.
    pub fn notify(&self, user_id: &str, kind: &str, data: serde_json::Value) {
        let mut users = self.users.lock();
        let Some(tx) = users.get(user_id) else { return };
        if tx.receiver_count() == 0 {
            users.remove(user_id);
            return;
        }
        let Ok(data) = jiga::RawJson::from_value(&data) else {
            return;
        };
        let n = Notification {
            id: new_id("ntf"),
            kind: kind.to_owned(),
            ts: chrono::Utc::now().into(),
            data,
        };
        if let Ok(text) = serde_json::to_string(&n) {
            let _ = tx.send(Arc::from(text));
        }
    }

    /// Sends `achievement.unlocked {achievementId}` for each achievement a committed job
    /// unlocked.
    pub fn unlocked(&self, unlocked: &[crate::db::achievements::Unlocked]) {
        for u in unlocked {
            self.notify(
                &u.user_id,
                "achievement.unlocked",
                serde_json::json!({"achievementId": u.id}),
            );
        }
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
