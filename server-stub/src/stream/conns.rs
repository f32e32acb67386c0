//! [`ConnectionCap`]: how many WebSocket connections each user holds open, bounded.
//!
//! A slot is taken before the upgrade and held by a [`ConnectionSlot`] for the connection's
//! life; dropping it (the connection ended, or the upgrade never completed) gives it back. A
//! user appears in the map only while they hold a connection, so the map is bounded by the
//! open connections themselves.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// Open WebSocket connections per user, at most `max` each (0: unbounded).
pub struct ConnectionCap {
    max: u32,
    open: Mutex<HashMap<String, u32>>,
}

/// One open connection of a user; returns its slot when dropped.
pub struct ConnectionSlot {
    cap: Arc<ConnectionCap>,
    user: String,
}

impl ConnectionCap {
    /// A cap of `max` connections per user; 0 turns it off.
    #[must_use]
    pub fn new(max: u32) -> Self {
        ConnectionCap {
            max,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The cap per user (0: off).
    #[must_use]
    pub fn max(&self) -> u32 {
        self.max
    }

    /// Takes one of `user`'s slots; `None` when they already hold `max`.
    #[must_use]
    pub fn try_open(self: &Arc<Self>, user: &str) -> Option<ConnectionSlot> {
        let mut open = self.open.lock();
        let n = open.entry(user.to_owned()).or_insert(0);
        if self.max != 0 && *n >= self.max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            cap: self.clone(),
            user: user.to_owned(),
        })
    }

    /// Connections `user` holds open.
    #[must_use]
    pub fn open(&self, user: &str) -> u32 {
        self.open.lock().get(user).copied().unwrap_or(0)
    }

    /// Users holding at least one connection.
    #[must_use]
    pub fn users(&self) -> usize {
        self.open.lock().len()
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.cap.open.lock();
        if let Some(n) = open.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_user_and_given_back_on_drop() {
        let cap = Arc::new(ConnectionCap::new(2));
        let a = cap.try_open("u").expect("first");
        let b = cap.try_open("u").expect("second");
        assert!(cap.try_open("u").is_none(), "a third is refused");
        let other = cap.try_open("v").expect("another user is not affected");
        drop(a);
        let c = cap.try_open("u").expect("a slot came back");
        drop((b, c, other));
        assert_eq!(
            cap.users(),
            0,
            "no user is kept once their connections are gone"
        );
    }

    #[test]
    fn zero_is_unbounded() {
        let cap = Arc::new(ConnectionCap::new(0));
        let slots: Vec<_> = (0..100).filter_map(|_| cap.try_open("u")).collect();
        assert_eq!(slots.len(), 100);
        assert_eq!(cap.open("u"), 100);
    }
}
