//! [`Hub`]: fans a session's committed events out to every connected viewer.
//!
//! Each active session has a [`Channel`] holding the most recent frames (at most
//! [`SLOW_CONSUMER_LIMIT`] + 1) and a `watch` of its head seq. Viewers keep their own cursor
//! and copy frames out under a short lock, so one publish wakes every viewer once and a
//! viewer that cannot keep up never makes memory grow: once its cursor falls out of the
//! window it is more than 10 000 events behind and is closed with 4008. Frames are shared text:
//! a frame is serialized once, when it is stored, and shared by every viewer.
//!
//! Only committed frames are published, so a viewer that subscribes and then reads the
//! database can never miss one: anything not yet in the database will come through the hub.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::db::sessions::Frame;

/// Shared, immutable frame text: the WebSocket's own string type, so a frame goes to every
/// viewer as a reference-count bump, without a copy or a UTF-8 re-check.
pub type FrameText = axum::extract::ws::Utf8Bytes;

/// A viewer more than this many live events behind is closed with 4008.
pub const SLOW_CONSUMER_LIMIT: u64 = 10_000;

/// The per-session channels of active sessions.
#[derive(Default)]
pub struct Hub {
    channels: Mutex<HashMap<String, Arc<Channel>>>,
}

/// One session's recent frames and head.
pub struct Channel {
    ring: Mutex<Ring>,
    head: watch::Sender<u64>,
}

struct Ring {
    /// Seq of `frames[0]`.
    first_seq: u64,
    frames: VecDeque<FrameText>,
    ended: bool,
}

/// What a viewer finds when it looks for frames after its cursor.
pub enum Read {
    /// Frames in order, starting right after the cursor.
    Frames(Vec<FrameText>),
    /// The cursor is older than the window: read from the database (replay) or close (live).
    Behind,
    /// Nothing new yet.
    UpToDate,
    /// The session ended and every frame has been read.
    Ended,
}

impl Hub {
    /// The channel of an active session, created on first use.
    pub fn channel(&self, session_id: &str, last_seq: u64) -> Arc<Channel> {
        self.channels
            .lock()
            .entry(session_id.to_owned())
            .or_insert_with(|| {
                Arc::new(Channel {
                    ring: Mutex::new(Ring {
                        first_seq: last_seq + 1,
                        frames: VecDeque::new(),
                        ended: false,
                    }),
                    head: watch::channel(last_seq).0,
                })
            })
            .clone()
    }

    /// The channel of a session if it is live here.
    pub fn get(&self, session_id: &str) -> Option<Arc<Channel>> {
        self.channels.lock().get(session_id).cloned()
    }

    /// Publishes committed frames of a session.
    pub fn publish(&self, session_id: &str, frames: Vec<Frame>, ended: bool) {
        let (Some(first), Some(last)) = (frames.first(), frames.last()) else {
            return;
        };
        let (first, last) = (first.0, last.0);
        let ch = self.channel(session_id, first - 1);
        {
            let mut ring = ch.ring.lock();
            for (seq, f) in frames {
                // Frames arrive in seq order from the session's single writer; a gap would mean
                // a bug, and the ring restarts so viewers fall back to the database.
                if seq != ring.first_seq + ring.frames.len() as u64 {
                    ring.frames.clear();
                    ring.first_seq = seq;
                }
                ring.frames.push_back(FrameText::from(f));
            }
            let excess = ring
                .frames
                .len()
                .saturating_sub(SLOW_CONSUMER_LIMIT as usize + 1);
            ring.frames.drain(..excess);
            ring.first_seq += excess as u64;
            ring.ended |= ended;
        }
        ch.head.send_replace(last);
        if ended {
            // Late viewers read an ended session from the database.
            self.channels.lock().remove(session_id);
        }
    }
}

impl Channel {
    /// Frames after `cursor`, at most `max`.
    pub fn read_after(&self, cursor: u64, max: usize) -> Read {
        let ring = self.ring.lock();
        if cursor + 1 < ring.first_seq {
            return Read::Behind;
        }
        let start = (cursor + 1 - ring.first_seq) as usize;
        if start >= ring.frames.len() {
            return if ring.ended {
                Read::Ended
            } else {
                Read::UpToDate
            };
        }
        let end = (start + max).min(ring.frames.len());
        Read::Frames(ring.frames.range(start..end).cloned().collect())
    }

    /// The seq of the newest frame.
    pub fn head(&self) -> u64 {
        *self.head.borrow()
    }

    /// A receiver that wakes on every publish.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.head.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(from: u64, n: u64) -> Vec<Frame> {
        (from..from + n).map(|s| (s, s.to_string())).collect()
    }

    #[test]
    fn viewers_read_in_order_and_fall_behind_past_the_limit() {
        let hub = Hub::default();
        hub.publish("s", frames(1, 5), false);
        let ch = hub.get("s").expect("live");
        match ch.read_after(2, 100) {
            Read::Frames(f) => assert_eq!(
                f.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
                ["3", "4", "5"]
            ),
            _ => panic!("expected frames"),
        }
        assert!(matches!(ch.read_after(5, 100), Read::UpToDate));
        hub.publish("s", frames(6, SLOW_CONSUMER_LIMIT + 10), false);
        assert!(matches!(ch.read_after(2, 100), Read::Behind));
        let head = ch.head();
        assert!(matches!(
            ch.read_after(head - SLOW_CONSUMER_LIMIT, 1),
            Read::Frames(_)
        ));
    }

    #[test]
    fn ended_sessions_leave_the_hub_after_their_last_frame() {
        let hub = Hub::default();
        hub.publish("s", frames(1, 2), false);
        let ch = hub.get("s").expect("live");
        hub.publish("s", frames(3, 1), true);
        assert!(hub.get("s").is_none());
        assert!(matches!(ch.read_after(3, 10), Read::Ended));
    }
}
