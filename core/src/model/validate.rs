//! The contract's input rules, as plain functions over the request types.

use std::fmt;

/// A request field that breaks one of the contract's input rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// The offending field, as named on the wire (`pricing.perMinute`).
    pub field: String,
    /// What is wrong with it, lower-case, quoting the limit.
    pub message: String,
}

impl FieldError {
    /// A rule broken by `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field '{}': {}", self.field, self.message)
    }
}

pub(crate) fn chars_between(
    field: &str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<(), FieldError> {
    let n = s.chars().count();
    if n < min || n > max {
        let what = if min == 0 {
            format!("must be at most {max} characters, got {n}")
        } else {
            format!("must be {min} to {max} characters, got {n}")
        };
        return Err(FieldError::new(field, what));
    }
    Ok(())
}

pub(crate) fn string_list(
    field: &str,
    list: &[String],
    max_items: usize,
    max_chars: usize,
) -> Result<(), FieldError> {
    if list.len() > max_items {
        return Err(FieldError::new(
            field,
            format!("must hold at most {max_items} strings, got {}", list.len()),
        ));
    }
    for (i, s) in list.iter().enumerate() {
        chars_between(&format!("{field}[{i}]"), s, 1, max_chars)?;
    }
    Ok(())
}

pub(crate) fn int_between(field: &str, v: i64, min: i64, max: i64) -> Result<(), FieldError> {
    if v < min || v > max {
        return Err(FieldError::new(
            field,
            format!("must be between {min} and {max}, got {v}"),
        ));
    }
    Ok(())
}
