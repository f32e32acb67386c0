//! The bounded completion queue of one client. Operation tasks and stream forwarders push
//! into it (waiting for room when it is full, so a stream stops pulling from the core); the
//! host takes from it with `jiga_poll` and blocks on it with `jiga_wait`.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jiga::{Error, SessionEvent, event::Notification};
use tokio::sync::Notify;

use crate::record::JigaCompletion;
use crate::runtime::with_lib;
use crate::status::{JIGA_EMPTY, JIGA_ERR_CLOSED, JIGA_OK, guard};
use crate::strings::out_ptr;

/// What a queue holds, converted to a [`JigaCompletion`] only when the host takes it.
pub(crate) enum Item {
    /// An operation finished with its result as JSON.
    Op {
        op: u64,
        result: Result<String, Error>,
    },
    /// A session stream delivered an event.
    Event { stream: u64, event: SessionEvent },
    /// A notification stream delivered a notification.
    Notification {
        stream: u64,
        notification: Notification,
    },
    /// A stream ended (after `session.ended`, a close, or an error).
    StreamEnd {
        stream: u64,
        result: Result<(), Error>,
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
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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
                let mut st = self.lock();
                let Some(it) = item.take() else {
                    return Ok(());
                };
                if st.closed {
                    return Err(it);
                }
                if st.items.len() < self.capacity {
                    st.items.push_back(it);
                    drop(st);
                    self.ready.notify_all();
                    return Ok(());
                }
                item = Some(it);
            }
            room.await;
        }
    }

    fn pop(&self) -> Option<Item> {
        let item = self.lock().items.pop_front();
        if item.is_some() {
            self.room.notify_waiters();
        }
        item
    }

    /// Blocks until an item is queued, the queue is closed, or `timeout` (None: forever).
    fn wait(&self, timeout: Option<Duration>) -> i32 {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
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
            let mut st = self.lock();
            st.closed = true;
            st.items.drain(..).collect()
        };
        drop(dropped);
        self.ready.notify_all();
        self.room.notify_waiters();
    }
}

/// Takes one completion or event of `client` into `*out` without blocking.
///
/// Returns `JIGA_OK` (0) when `*out` was filled (free it with `jiga_completion_free`),
/// `JIGA_EMPTY` (1) when nothing is ready, a negative status otherwise. `*out` is written only
/// on `JIGA_OK`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_poll(client: u64, out: *mut JigaCompletion) -> i32 {
    guard(|| {
        let out = out_ptr(out, "out")?;
        let entry = with_lib(|lib| lib.clients.get(client))?;
        match entry.queue.pop() {
            Some(item) => {
                *out = JigaCompletion::from_item(item);
                Ok(JIGA_OK)
            }
            None => Ok(JIGA_EMPTY),
        }
    })
}

/// Blocks the calling thread until `client`'s queue holds something, for at most
/// `timeout_ms` milliseconds (a negative value waits without limit).
///
/// Returns `JIGA_OK` when something is ready, `JIGA_EMPTY` on timeout, `JIGA_ERR_CLOSED` when
/// the client was freed or the library shut down while waiting.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_wait(client: u64, timeout_ms: i64) -> i32 {
    guard(|| {
        let entry = with_lib(|lib| lib.clients.get(client))?;
        let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
        // Only the queue is held while blocking, so a shutdown on another thread proceeds.
        let queue = entry.queue.clone();
        drop(entry);
        Ok(queue.wait(timeout))
    })
}
