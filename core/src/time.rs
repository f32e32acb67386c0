//! [`Timestamp`]: the wire's RFC 3339 UTC instants with millisecond precision.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant in UTC, written on the wire as `2026-11-25T21:03:11.123Z`.
///
/// The value is truncated to whole milliseconds when created, so what a server stores and what
/// a client parses back compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(value_type = String, format = DateTime, example = "2026-11-25T21:03:11.123Z")
)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch, or `None` if out of range.
    #[must_use]
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        Utc.timestamp_millis_opt(millis).single().map(Timestamp)
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn unix_millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The underlying `chrono` value.
    #[must_use]
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        // Truncate to the wire's precision so round trips are exact.
        let millis = dt.timestamp_millis();
        Timestamp(Utc.timestamp_millis_opt(millis).single().unwrap_or(dt))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// The error for a string that is not an RFC 3339 timestamp.
#[derive(Debug, thiserror::Error)]
#[error("invalid timestamp '{input}': {source}")]
pub struct ParseTimestampError {
    input: String,
    source: chrono::ParseError,
}

impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(s)
            .map(|dt| Timestamp::from(dt.with_timezone(&Utc)))
            .map_err(|source| ParseTimestampError {
                input: s.to_owned(),
                source,
            })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        let t = Timestamp::from_unix_millis(1_795_640_591_123).expect("in range");
        assert_eq!(t.to_string(), "2026-11-25T21:03:11.123Z");
        assert_eq!(
            "2026-11-25T21:03:11.123Z".parse::<Timestamp>().ok(),
            Some(t)
        );
    }

    #[test]
    fn rejects_garbage_with_the_input_quoted() {
        let err = "yesterday"
            .parse::<Timestamp>()
            .expect_err("not a timestamp");
        assert!(err.to_string().contains("'yesterday'"));
    }
}
