//! The bounded completion queue of one client, and the client's pending operations.
//!
//! Operation tasks and stream forwarders push into the queue (waiting for room when it is
//! full, so a stream stops pulling from the core); the host takes from it with `jiga_poll`
//! and blocks on it with `jiga_wait`. An optional wake-up callback is called, outside every
//! lock, when the queue goes from empty to not empty.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jiga::accounting::GuardAction;
use jiga::model::EndSessionResponse;
use jiga::{Dof, Error, SessionEvent, event::Notification};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::status::{JIGA_EMPTY, JIGA_ERR_CLOSED, JIGA_OK};

/// A wake-up callback: called with the client's handle when its queue stops being empty.
/// It runs on a library thread, must return quickly, and must not call `jiga_shutdown`; it
/// carries no host state (look the client up by its handle).
pub type JigaWakeFn = Option<extern "C" fn(client: u64)>;

/// What a queue holds, converted to a completion record only when the host takes it.
pub(crate) enum Item {
    /// An operation finished with its result as JSON.
    Op {
        op: u64,
        result: Result<String, Error>,
    },
    /// A session stream delivered an event.
    Event { stream: u64, event: SessionEvent },
    /// A session's budget guard fired (after the event that made it fire). `end`: the answer
    /// of the `POST /end` the core sent at the cap, for a stream opened with `endAtCap`.
    Guard {
        stream: u64,
        action: GuardAction,
        consumed: Dof,
        end: Option<Result<EndSessionResponse, Error>>,
    },
    /// A notification stream delivered a notification.
    Notification {
        stream: u64,
        notification: Notification,
    },
    /// A stream ended (after `session.ended`, a close, or an error). `json`: the
    /// reconciliation of a session stream that saw the whole session.
    StreamEnd {
        stream: u64,
        result: Result<(), Error>,
        json: Option<String>,
    },
}

struct State {
    items: VecDeque<Item>,
    closed: bool,
}

pub(crate) struct Queue {
    state: Mutex<State>,
    capacity: usize,
    /// Wakes `jiga_wait`.
    ready: Condvar,
    /// Wakes producers waiting for room.
    room: Notify,
    /// The host's wake-up callback and the client handle it is called with.
    wake: Mutex<Option<(extern "C" fn(u64), u64)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Queue {
    pub(crate) fn new(capacity: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity.min(1024)),
                closed: false,
            }),
            capacity,
            ready: Condvar::new(),
            room: Notify::new(),
            wake: Mutex::new(None),
        }
    }

    /// Sets (or clears) the wake-up callback.
    pub(crate) fn set_wake(&self, wake: JigaWakeFn, client: u64) {
        *lock(&self.wake) = wake.map(|f| (f, client));
    }

    /// Queues `item`, waiting while the queue is full. `Err` when the queue was closed.
    pub(crate) async fn push(&self, item: Item) -> Result<(), Item> {
        let mut item = Some(item);
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            // Registered before the check, so a pop between the check and the await wakes us.
            room.as_mut().enable();
            {
                let mut st = lock(&self.state);
                let Some(it) = item.take() else {
                    return Ok(());
                };
                if st.closed {
                    return Err(it);
                }
                if st.items.len() < self.capacity {
                    let was_empty = st.items.is_empty();
                    st.items.push_back(it);
                    drop(st);
                    self.ready.notify_all();
                    if was_empty {
                        // Copied out first: the callback runs with no lock of ours held.
                        let wake = *lock(&self.wake);
                        if let Some((f, client)) = wake {
                            f(client);
                        }
                    }
                    return Ok(());
                }
                item = Some(it);
            }
            room.await;
        }
    }

    /// Takes the oldest item, if any.
    pub(crate) fn pop(&self) -> Option<Item> {
        let item = lock(&self.state).items.pop_front();
        if item.is_some() {
            self.room.notify_waiters();
        }
        item
    }

    /// Blocks until an item is queued, the queue is closed, or `timeout` (None: forever).
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> i32 {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = lock(&self.state);
        loop {
            if !st.items.is_empty() {
                return JIGA_OK;
            }
            if st.closed {
                return JIGA_ERR_CLOSED;
            }
            match deadline {
                None => st = self.ready.wait(st).unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return JIGA_EMPTY;
                    }
                    st = self
                        .ready
                        .wait_timeout(st, d - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
        }
    }

    /// Refuses further pushes, drops what is queued and wakes every waiter.
    pub(crate) fn close(&self) {
        let dropped: Vec<Item> = {
            let mut st = lock(&self.state);
            st.closed = true;
            st.items.drain(..).collect()
        };
        drop(dropped);
        self.ready.notify_all();
        self.room.notify_waiters();
        *lock(&self.wake) = None;
    }
}

/// Where a client's operations report: its queue, and the operations still running (so one
/// can be cancelled). An operation either is cancelled or queues its completion, never both:
/// whichever of the task and `jiga_cancel` takes it out of `pending` first decides.
#[derive(Clone)]
pub(crate) struct Sink {
    pub(crate) queue: Arc<Queue>,
    pending: Arc<Mutex<HashMap<u64, AbortHandle>>>,
}

impl Sink {
    pub(crate) fn new(capacity: usize) -> Self {
        Sink {
            queue: Arc::new(Queue::new(capacity)),
            pending: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Registers operation `op`, whose task `spawn` starts (under the registry's lock, so the
    /// task cannot finish before it is registered).
    pub(crate) fn register(&self, op: u64, spawn: impl FnOnce() -> AbortHandle) {
        let mut pending = lock(&self.pending);
        pending.insert(op, spawn());
    }

    /// Called by the task of `op` when it finished: `false` when it was cancelled first.
    pub(crate) fn finish(&self, op: u64) -> bool {
        lock(&self.pending).remove(&op).is_some()
    }

    /// Cancels `op`: `true` when it was still running (no completion will come).
    pub(crate) fn cancel(&self, op: u64) -> bool {
        let handle = lock(&self.pending).remove(&op);
        handle.map(|h| h.abort()).is_some()
    }

    /// Aborts every running operation and closes the queue (the client is freed).
    pub(crate) fn close(&self) {
        let pending: Vec<AbortHandle> = lock(&self.pending).drain().map(|(_, h)| h).collect();
        for h in pending {
            h.abort();
        }
        self.queue.close();
    }
}
