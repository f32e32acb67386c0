//! [`Dof`], the platform's integer currency.
//!
//! Money is never a float: a `Dof` is a whole number of DOF held in an `i64`, and every
//! arithmetic operation is checked so an overflow is an error instead of a wrapped balance.

use std::fmt;
use std::iter::Sum;

use serde::{Deserialize, Serialize};

/// An amount of DOF, the platform's currency. One DOF is the smallest unit.
///
/// Amounts are signed because ledger entries are (a debit is a negative entry); balances
/// and prices are never negative, and the types that hold them validate that.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = i64, example = 100))]
pub struct Dof(i64);

impl Dof {
    /// Zero DOF.
    pub const ZERO: Dof = Dof(0);
    /// The largest representable amount.
    pub const MAX: Dof = Dof(i64::MAX);

    /// Wraps a whole number of DOF.
    #[must_use]
    pub const fn new(amount: i64) -> Self {
        Dof(amount)
    }

    /// The amount as a plain integer.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// `self + rhs`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, rhs: Dof) -> Option<Dof> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Some(Dof(v)),
            None => None,
        }
    }

    /// `self - rhs`, or `None` on overflow.
    #[must_use]
    pub const fn checked_sub(self, rhs: Dof) -> Option<Dof> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Some(Dof(v)),
            None => None,
        }
    }

    /// `self * n`, or `None` on overflow.
    #[must_use]
    pub const fn checked_mul(self, n: i64) -> Option<Dof> {
        match self.0.checked_mul(n) {
            Some(v) => Some(Dof(v)),
            None => None,
        }
    }

    /// `-self`, or `None` for `i64::MIN`.
    #[must_use]
    pub const fn checked_neg(self) -> Option<Dof> {
        match self.0.checked_neg() {
            Some(v) => Some(Dof(v)),
            None => None,
        }
    }

    /// True for amounts below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True for zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Splits `self` into `(owner, fee)` where `fee = floor(self * bps / 10_000)`.
    ///
    /// Integer division rounds the fee down, so any remainder goes to the owner, as the
    /// contract's settlement rule says. Returns `None` when `self` is negative or `bps` is
    /// above 10 000.
    #[must_use]
    pub fn split_fee(self, bps: u32) -> Option<(Dof, Dof)> {
        if self.0 < 0 || bps > 10_000 {
            return None;
        }
        // i128 keeps `amount * bps` exact for every i64 amount.
        let fee = (i128::from(self.0) * i128::from(bps) / 10_000) as i64;
        Some((Dof(self.0 - fee), Dof(fee)))
    }
}

impl From<i64> for Dof {
    fn from(v: i64) -> Self {
        Dof(v)
    }
}

impl From<Dof> for i64 {
    fn from(v: Dof) -> Self {
        v.0
    }
}

impl fmt::Display for Dof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} DOF", self.0)
    }
}

/// Sums amounts, returning `None` if the total overflows.
pub fn checked_sum<I: IntoIterator<Item = Dof>>(iter: I) -> Option<Dof> {
    iter.into_iter().try_fold(Dof::ZERO, Dof::checked_add)
}

/// Panics on overflow, like integer `Sum` in debug builds; use [`checked_sum`] on untrusted input.
impl Sum for Dof {
    fn sum<I: Iterator<Item = Dof>>(iter: I) -> Dof {
        #[allow(clippy::expect_used)]
        checked_sum(iter).expect("DOF sum overflowed i64")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_arithmetic_refuses_overflow() {
        assert_eq!(Dof::MAX.checked_add(Dof::new(1)), None);
        assert_eq!(Dof::new(i64::MIN).checked_sub(Dof::new(1)), None);
        assert_eq!(Dof::new(5).checked_sub(Dof::new(7)), Some(Dof::new(-2)));
        assert_eq!(Dof::new(i64::MAX / 2 + 1).checked_mul(2), None);
    }

    #[test]
    fn fee_split_rounds_in_the_owners_favour() {
        assert_eq!(
            Dof::new(101).split_fee(2000),
            Some((Dof::new(81), Dof::new(20)))
        );
        assert_eq!(
            Dof::new(4).split_fee(2000),
            Some((Dof::new(4), Dof::new(0)))
        );
        assert_eq!(
            Dof::new(5).split_fee(2000),
            Some((Dof::new(4), Dof::new(1)))
        );
        assert_eq!(Dof::MAX.split_fee(10_000), Some((Dof::ZERO, Dof::MAX)));
        assert_eq!(Dof::new(-1).split_fee(2000), None);
    }

    #[test]
    fn serializes_as_a_bare_integer_and_rejects_floats() {
        assert_eq!(
            serde_json::to_string(&Dof::new(42)).ok().as_deref(),
            Some("42")
        );
        assert!(serde_json::from_str::<Dof>("1.5").is_err());
        assert!(serde_json::from_str::<Dof>("1e3").is_err());
        assert!(serde_json::from_str::<Dof>("99999999999999999999").is_err());
    }
}
