//! Handles: `uint64_t` ids, not pointers. A handle packs its table's kind (bits 56–63), a
//! generation (bits 32–55) and a slot index (bits 0–31). Generations come from one counter
//! that survives `jiga_shutdown`, so a handle from before a shutdown, a freed one, or one of
//! another kind never matches a live slot: it is `JIGA_ERR_INVALID_HANDLE`, never a wild read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::status::{Fail, JIGA_ERR_INVALID_HANDLE, Res};

/// The kind tag of a handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Client = 1,
    Session = 2,
    Notifications = 3,
    Paginator = 4,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::Session => "session stream",
            Kind::Notifications => "notification stream",
            Kind::Paginator => "paginator",
        }
    }
}

const GEN_MASK: u64 = 0x00ff_ffff;

/// Shared by every table and every init, so no two slots ever share a generation (until it
/// wraps at 2^24 allocations of the same slot index).
static NEXT_GEN: AtomicU64 = AtomicU64::new(1);

fn next_gen() -> u64 {
    loop {
        let g = NEXT_GEN.fetch_add(1, Ordering::Relaxed) & GEN_MASK;
        if g != 0 {
            return g;
        }
    }
}

struct Slot<T> {
    generation: u64,
    value: Option<Arc<T>>,
}

/// One table of live objects of one kind.
pub(crate) struct Table<T> {
    kind: Kind,
    slots: Mutex<Vec<Slot<T>>>,
}

impl<T> Table<T> {
    pub(crate) fn new(kind: Kind) -> Self {
        Table {
            kind,
            slots: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Slot<T>>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `value` and returns its handle.
    pub(crate) fn insert(&self, value: T) -> u64 {
        let generation = next_gen();
        let mut slots = self.lock();
        let index = match slots.iter().position(|s| s.value.is_none()) {
            Some(i) => i,
            None => {
                slots.push(Slot {
                    generation: 0,
                    value: None,
                });
                slots.len() - 1
            }
        };
        slots[index] = Slot {
            generation,
            value: Some(Arc::new(value)),
        };
        ((self.kind as u64) << 56) | (generation << 32) | index as u64
    }

    fn index(&self, handle: u64, slots: &[Slot<T>]) -> Res<usize> {
        let bad = || {
            Fail::new(
                JIGA_ERR_INVALID_HANDLE,
                format!("{handle:#x} is not a live {} handle", self.kind.name()),
            )
        };
        if handle >> 56 != self.kind as u64 {
            return Err(bad());
        }
        let generation = (handle >> 32) & GEN_MASK;
        let index = usize::try_from(handle & 0xffff_ffff).map_err(|_| bad())?;
        match slots.get(index) {
            Some(s) if s.generation == generation && s.value.is_some() => Ok(index),
            _ => Err(bad()),
        }
    }

    /// The live object behind `handle`.
    pub(crate) fn get(&self, handle: u64) -> Res<Arc<T>> {
        let slots = self.lock();
        let i = self.index(handle, &slots)?;
        slots[i]
            .value
            .clone()
            .ok_or_else(|| Fail::new(JIGA_ERR_INVALID_HANDLE, "freed handle"))
    }

    /// Removes the object behind `handle`.
    pub(crate) fn remove(&self, handle: u64) -> Res<Arc<T>> {
        let mut slots = self.lock();
        let i = self.index(handle, &slots)?;
        slots[i]
            .value
            .take()
            .ok_or_else(|| Fail::new(JIGA_ERR_INVALID_HANDLE, "freed handle"))
    }

    /// Removes every object (at shutdown).
    pub(crate) fn drain(&self) -> Vec<Arc<T>> {
        self.lock()
            .iter_mut()
            .filter_map(|s| s.value.take())
            .collect()
    }

    /// The live objects matching `keep`, removed from the table.
    pub(crate) fn remove_where(&self, mut pick: impl FnMut(&T) -> bool) -> Vec<Arc<T>> {
        let mut slots = self.lock();
        let mut out = Vec::new();
        for s in slots.iter_mut() {
            if s.value.as_deref().is_some_and(&mut pick) {
                out.extend(s.value.take());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_foreign_and_freed_handles_are_refused() {
        let clients: Table<u32> = Table::new(Kind::Client);
        let pagers: Table<u32> = Table::new(Kind::Paginator);
        let h = clients.insert(7);
        assert_eq!(*clients.get(h).expect("live"), 7);
        assert!(pagers.get(h).is_err(), "foreign kind");
        assert!(clients.get(h ^ (1 << 32)).is_err(), "wrong generation");
        assert!(clients.get(0).is_err());
        clients.remove(h).expect("live");
        assert!(clients.get(h).is_err(), "freed");
        let h2 = clients.insert(8);
        assert_ne!(h, h2, "a reused slot gets a new generation");
        assert!(clients.get(h).is_err(), "stale after reuse");
    }
}
