//! [`StreamCursor`]: the sans-I/O rule that makes a resumed stream deliver every `seq`
//! exactly once, in order.
//!
//! A reconnecting client asks for `afterSeq = cursor.last_seq()`; whatever the server (or a
//! proxy, or a replay race) sends back goes through [`StreamCursor::accept`]: an old `seq` is a
//! duplicate to drop, the next `seq` is delivered, and anything further ahead is a gap — an
//! error, never silently skipped.

/// What to do with a received event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// The next event: deliver it (the cursor has advanced).
    Deliver,
    /// Already delivered: drop it.
    Duplicate,
}

/// An event arrived ahead of the next expected `seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stream gap: expected seq {expected}, got {got}")]
pub struct GapError {
    /// The seq that should have come next.
    pub expected: u64,
    /// The seq that came.
    pub got: u64,
}

/// Tracks the last delivered `seq` of one session stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamCursor {
    last: u64,
}

impl StreamCursor {
    /// A cursor before the first event (`afterSeq = 0`).
    #[must_use]
    pub fn new() -> Self {
        StreamCursor { last: 0 }
    }

    /// A cursor that has already delivered everything up to `seq`.
    #[must_use]
    pub fn after(seq: u64) -> Self {
        StreamCursor { last: seq }
    }

    /// The last delivered seq: the `afterSeq` to resume with.
    #[must_use]
    pub fn last_seq(&self) -> u64 {
        self.last
    }

    /// Decides about an event with `seq`.
    ///
    /// # Errors
    /// A [`GapError`] when `seq > last + 1`; the cursor does not move.
    pub fn accept(&mut self, seq: u64) -> Result<Accepted, GapError> {
        if seq <= self.last {
            return Ok(Accepted::Duplicate);
        }
        let expected = self.last.saturating_add(1);
        if seq != expected {
            return Err(GapError { expected, got: seq });
        }
        self.last = seq;
        Ok(Accepted::Deliver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_in_order_drops_duplicates_and_refuses_gaps() {
        let mut c = StreamCursor::new();
        assert_eq!(c.accept(1), Ok(Accepted::Deliver));
        assert_eq!(c.accept(2), Ok(Accepted::Deliver));
        assert_eq!(c.accept(2), Ok(Accepted::Duplicate));
        assert_eq!(c.accept(1), Ok(Accepted::Duplicate));
        assert_eq!(
            c.accept(4),
            Err(GapError {
                expected: 3,
                got: 4
            })
        );
        assert_eq!(c.last_seq(), 2);
        assert_eq!(c.accept(3), Ok(Accepted::Deliver));
        let mut r = StreamCursor::after(10);
        assert_eq!(r.accept(10), Ok(Accepted::Duplicate));
        assert_eq!(r.accept(11), Ok(Accepted::Deliver));
        assert_eq!(r.last_seq(), 11);
    }

    #[test]
    fn zero_is_never_delivered() {
        let mut c = StreamCursor::new();
        assert_eq!(c.accept(0), Ok(Accepted::Duplicate));
        assert_eq!(c.last_seq(), 0);
    }
}
