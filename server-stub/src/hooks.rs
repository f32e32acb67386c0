//! Pause points, so a test can force one interleaving of concurrent work every time instead of
//! hoping a race goes the wrong way (feature `test-hooks`, and this crate's unit tests).
//!
//! Code calls [`reached`] (in a task) or [`reached_blocking`] (on a storage thread) at a named
//! point, with a key saying whose work it is — a session or user id — so tests running side by
//! side in one process never hold each other's work. A test `arm`s a point for a key; the
//! next work to reach it waits there until the test releases the `Gate` (or drops it).
//! Without the feature every point is an empty inline function.

/// A session's task has taken the shutdown branch and is about to stop; its mailbox is still
/// open. Keyed by session id.
pub const RUNNER_STOPPING: &str = "runner.stopping";
/// [`crate::sim::runner::Runner::end`] holds the session's mailbox and has not sent the end
/// yet. Keyed by session id.
pub const END_BEFORE_SEND: &str = "runner.end.before_send";
/// A wallet read has read `available` and not yet `held`. Keyed by user id.
pub const WALLET_BETWEEN_READS: &str = "wallet.between_reads";

#[cfg(any(test, feature = "test-hooks"))]
mod imp {
    use std::collections::HashMap;
    use std::sync::LazyLock;

    use parking_lot::Mutex;
    use tokio::sync::oneshot;

    struct Armed {
        arrived: oneshot::Sender<()>,
        release: oneshot::Receiver<()>,
    }

    static ARMED: LazyLock<Mutex<HashMap<(&'static str, String), Armed>>> =
        LazyLock::new(Mutex::default);

    /// An armed point, held by the test: it sees the work arrive and lets it go on.
    pub struct Gate {
        arrived: Option<oneshot::Receiver<()>>,
        release: Option<oneshot::Sender<()>>,
    }

    /// Arms `point` for `key`: the next work reaching it waits for [`Gate::release`].
    #[must_use]
    pub fn arm(point: &'static str, key: &str) -> Gate {
        let (arrived_tx, arrived_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        ARMED.lock().insert(
            (point, key.to_owned()),
            Armed {
                arrived: arrived_tx,
                release: release_rx,
            },
        );
        Gate {
            arrived: Some(arrived_rx),
            release: Some(release_tx),
        }
    }

    impl Gate {
        /// Waits until work has reached the point (it is held there now).
        ///
        /// # Panics
        /// If the point was disarmed without being reached (cannot happen while the gate is
        /// held).
        pub async fn reached(&mut self) {
            if let Some(rx) = self.arrived.take() {
                rx.await.expect("the armed point is reached");
            }
        }

        /// Lets the held work go on.
        pub fn release(mut self) {
            if let Some(tx) = self.release.take() {
                let _ = tx.send(());
            }
        }
    }

    fn take(point: &'static str, key: &str) -> Option<Armed> {
        ARMED.lock().remove(&(point, key.to_owned()))
    }

    /// A pause point in a task.
    pub async fn reached(point: &'static str, key: &str) {
        if let Some(a) = take(point, key) {
            let _ = a.arrived.send(());
            let _ = a.release.await;
        }
    }

    /// A pause point on a thread outside the runtime (a storage thread).
    pub fn reached_blocking(point: &'static str, key: &str) {
        if let Some(a) = take(point, key) {
            let _ = a.arrived.send(());
            let _ = a.release.blocking_recv();
        }
    }
}

#[cfg(not(any(test, feature = "test-hooks")))]
mod imp {
    /// A pause point in a task: nothing without the `test-hooks` feature.
    #[inline(always)]
    pub async fn reached(_point: &'static str, _key: &str) {}

    /// A pause point on a storage thread: nothing without the `test-hooks` feature.
    #[inline(always)]
    pub fn reached_blocking(_point: &'static str, _key: &str) {}
}

pub use imp::*;
