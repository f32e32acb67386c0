//! [`SearchQuery`]: the parameters of `GET /v1/marketplace/search`, parsed from the URL.

use std::borrow::Cow;
use std::str::FromStr;

use jiga::model::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use jiga::model::{AgentType, FieldError, Rank, SearchSort};
use jiga::wire::query::search::{
    GAME, HAS_COMMENTATOR, HAS_VOICE_CHAT, PRICE_MAX, PRICE_MIN, PROVIDER, Q, RANK, RATING_MIN,
    SORT,
};
use jiga::wire::query::{CURSOR, LIMIT, TYPE};

/// A marketplace search: text, filters, order and page.
///
/// Empty lists and `None` mean "no constraint". Build one by hand or with
/// [`SearchQuery::from_pairs`]; note that `limit` has no default when built by hand (a
/// `Default` query has `limit == 0`, which [`super::SearchIndex::search`] treats as the
/// contract's default of 20).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchQuery {
    /// Free text; every word must match (prefix, or one typo for words of 5+ characters).
    pub q: Option<String>,
    /// Ranks to keep (any of them).
    pub rank: Vec<Rank>,
    /// Agent types to keep (any of them).
    pub agent_type: Vec<AgentType>,
    /// Providers to keep (any of them), compared case-insensitively.
    pub provider: Vec<String>,
    /// Games to keep (listings playing any of them), compared case-insensitively.
    pub game: Vec<String>,
    /// Keep only listings with (or without) voice chat.
    pub has_voice_chat: Option<bool>,
    /// Keep only listings with (or without) a commentator.
    pub has_commentator: Option<bool>,
    /// Lowest `pricing.perMinute`, inclusive.
    pub price_min: Option<i64>,
    /// Highest `pricing.perMinute`, inclusive.
    pub price_max: Option<i64>,
    /// Lowest rating, inclusive.
    pub rating_min: Option<f64>,
    /// Order; `None` means relevance with text and popularity without.
    pub sort: Option<SearchSort>,
    /// Page size, 1..=100.
    pub limit: u32,
    /// Cursor from the previous page's `nextCursor`.
    pub cursor: Option<String>,
}

/// Parses a wire enum, naming the query parameter (the core's `FromStr` names the type).
fn wire_value<T: FromStr<Err = FieldError>>(field: &str, value: &str) -> Result<T, FieldError> {
    value
        .parse()
        .map_err(|e: FieldError| FieldError::new(field, e.message))
}

/// The most characters `q` may have (the contract's Limits).
pub const MAX_Q_CHARS: usize = 200;
/// The most words `q` may have.
pub const MAX_Q_WORDS: usize = 16;

/// `q` within the contract's limits; blank is no text constraint.
fn text_query(value: &str) -> Result<Option<String>, FieldError> {
    // Counting stops at the limit, so a megabyte of `q` costs no more than 201 characters.
    if value.chars().nth(MAX_Q_CHARS).is_some() {
        return Err(FieldError::new(
            Q,
            format!("must be at most {MAX_Q_CHARS} characters"),
        ));
    }
    let words = super::text::words(value).count();
    if words > MAX_Q_WORDS {
        return Err(FieldError::new(
            Q,
            format!("must be at most {MAX_Q_WORDS} words, got {words}"),
        ));
    }
    Ok(Some(value.to_owned()).filter(|q| !q.trim().is_empty()))
}

fn boolean(field: &str, value: &str) -> Result<bool, FieldError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(FieldError::new(
            field,
            format!("must be true or false, got '{value}'"),
        )),
    }
}

fn price(field: &str, value: &str) -> Result<i64, FieldError> {
    let v: i64 = value.parse().map_err(|_| {
        FieldError::new(
            field,
            format!("must be an integer number of dof, got '{value}'"),
        )
    })?;
    if v < 0 {
        return Err(FieldError::new(
            field,
            format!("must be at least 0, got {v}"),
        ));
    }
    Ok(v)
}

fn rating(value: &str) -> Result<f64, FieldError> {
    match value.parse::<f64>() {
        // `contains` is false for NaN, so "NaN" is refused with the rest.
        Ok(v) if (0.0..=5.0).contains(&v) => Ok(v),
        _ => Err(FieldError::new(
            RATING_MIN,
            format!("must be a number between 0 and 5, got '{value}'"),
        )),
    }
}

fn limit(value: &str) -> Result<u32, FieldError> {
    let range = format!("between 1 and {MAX_PAGE_SIZE}");
    let v: i64 = value.parse().map_err(|_| {
        FieldError::new(
            "limit",
            format!("must be an integer {range}, got '{value}'"),
        )
    })?;
    match u32::try_from(v) {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            "limit",
            format!("must be {range}, got {v}"),
        )),
    }
}

impl SearchQuery {
    /// Parses URL query pairs (already percent-decoded), e.g. from `form_urlencoded::parse`.
    ///
    /// `rank`, `type`, `provider` and `game` are repeatable; for every other parameter the
    /// last occurrence wins. Unknown parameters are ignored. Empty `q`, `cursor`, `provider`
    /// and `game` values are ignored (forms send them for untouched inputs); an empty value
    /// of any other parameter is refused like any bad value. `limit` defaults to 20.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first bad parameter as spelled on the wire (`limit`,
    /// `rank`, `type`, `sort`, `priceMin`, `priceMax`, `ratingMin`, `hasVoiceChat`,
    /// `hasCommentator`), or `priceMin` when it exceeds `priceMax`.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    ) -> Result<SearchQuery, FieldError> {
        let mut query = SearchQuery {
            limit: DEFAULT_PAGE_SIZE,
            ..SearchQuery::default()
        };
        for (key, value) in pairs {
            let value = value.as_ref();
            match key.as_ref() {
                Q => query.q = text_query(value)?,
                RANK => query.rank.push(wire_value(RANK, value)?),
                TYPE => query.agent_type.push(wire_value(TYPE, value)?),
                PROVIDER if !value.is_empty() => query.provider.push(value.to_owned()),
                GAME if !value.is_empty() => query.game.push(value.to_owned()),
                HAS_VOICE_CHAT => query.has_voice_chat = Some(boolean(HAS_VOICE_CHAT, value)?),
                HAS_COMMENTATOR => {
                    query.has_commentator = Some(boolean(HAS_COMMENTATOR, value)?);
                }
                PRICE_MIN => query.price_min = Some(price(PRICE_MIN, value)?),
                PRICE_MAX => query.price_max = Some(price(PRICE_MAX, value)?),
                RATING_MIN => query.rating_min = Some(rating(value)?),
                SORT => query.sort = Some(wire_value(SORT, value)?),
                LIMIT => query.limit = limit(value)?,
                CURSOR => query.cursor = Some(value.to_owned()).filter(|c| !c.is_empty()),
                _ => {}
            }
        }
        if let (Some(min), Some(max)) = (query.price_min, query.price_max)
            && min > max
        {
            return Err(FieldError::new(
                "priceMin",
                format!("must not exceed priceMax ({max}), got {min}"),
            ));
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<SearchQuery, FieldError> {
        SearchQuery::from_pairs(s.split('&').filter(|p| !p.is_empty()).map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (Cow::Borrowed(k), Cow::Borrowed(v))
        }))
    }

    fn err(s: &str) -> (String, String) {
        let e = parse(s).expect_err(s);
        (e.field, e.message)
    }

    #[test]
    fn parses_every_parameter() {
        let q = parse(
            "q=aim+bot&rank=gold&rank=master&type=coach&provider=OpenAI&provider=anthropic\
             &game=Chess&hasVoiceChat=true&hasCommentator=false&priceMin=1&priceMax=9\
             &ratingMin=4.5&sort=priceAsc&limit=50&cursor=abc&unknown=1",
        )
        .expect("valid");
        assert_eq!(q.q.as_deref(), Some("aim+bot"));
        assert_eq!(q.rank, [Rank::Gold, Rank::Master]);
        assert_eq!(q.agent_type, [AgentType::Coach]);
        assert_eq!(q.provider, ["OpenAI", "anthropic"]);
        assert_eq!(q.game, ["Chess"]);
        assert_eq!(
            (q.has_voice_chat, q.has_commentator),
            (Some(true), Some(false))
        );
        assert_eq!(
            (q.price_min, q.price_max, q.rating_min),
            (Some(1), Some(9), Some(4.5))
        );
        assert_eq!((q.sort, q.limit), (Some(SearchSort::PriceAsc), 50));
        assert_eq!(q.cursor.as_deref(), Some("abc"));
    }

    #[test]
    fn q_is_bounded_in_characters_and_words() {
        let long = "a".repeat(MAX_Q_CHARS + 1);
        assert_eq!(err(&format!("q={long}")).0, "q");
        assert!(parse(&format!("q={}", "a".repeat(MAX_Q_CHARS))).is_ok());
        let words = vec!["ab"; MAX_Q_WORDS + 1].join("+");
        let (f, m) = err(&format!("q={}", words.replace('+', " ")));
        assert!(f == "q" && m.contains("17"), "{m}");
        assert!(parse(&format!("q={}", vec!["ab"; MAX_Q_WORDS].join(" "))).is_ok());
    }

    #[test]
    fn defaults_and_empty_values() {
        let q = parse("q=  &cursor=&provider=&game=").expect("valid");
        assert_eq!(q.limit, 20);
        assert_eq!((q.q, q.cursor), (None, None));
        assert!(q.provider.is_empty() && q.game.is_empty());
        assert_eq!(parse("limit=100").map(|q| q.limit), Ok(100));
        assert_eq!(
            parse("priceMin=5&priceMax=5").map(|q| q.price_min),
            Ok(Some(5))
        );
    }

    #[test]
    fn errors_name_the_field_and_quote_the_input() {
        let e = |f: &str, m: &str| (f.to_owned(), m.to_owned());
        assert_eq!(
            err("limit=0"),
            e("limit", "must be between 1 and 100, got 0")
        );
        assert_eq!(
            err("limit=101"),
            e("limit", "must be between 1 and 100, got 101")
        );
        assert_eq!(
            err("limit=-3"),
            e("limit", "must be between 1 and 100, got -3")
        );
        assert_eq!(
            err("limit=ten"),
            e("limit", "must be an integer between 1 and 100, got 'ten'")
        );
        let (f, m) = err("rank=legend");
        assert!(
            f == "rank" && m.contains("'legend'") && m.contains("bronze"),
            "{m}"
        );
        let (f, m) = err("type=healer");
        assert!(
            f == "type" && m.contains("'healer'") && m.contains("coach"),
            "{m}"
        );
        let (f, m) = err("sort=cheapest");
        assert!(
            f == "sort" && m.contains("'cheapest'") && m.contains("priceAsc"),
            "{m}"
        );
        assert_eq!(err("priceMin=1.5").0, "priceMin");
        assert!(err("priceMax=abc").1.contains("'abc'"));
        assert_eq!(
            err("priceMax=-1"),
            e("priceMax", "must be at least 0, got -1")
        );
        assert_eq!(
            err("priceMin=10&priceMax=5"),
            e("priceMin", "must not exceed priceMax (5), got 10")
        );
        for bad in [
            "ratingMin=5.1",
            "ratingMin=-1",
            "ratingMin=NaN",
            "ratingMin=high",
        ] {
            assert_eq!(err(bad).0, "ratingMin", "{bad}");
        }
        assert_eq!(
            err("hasVoiceChat=yes"),
            e("hasVoiceChat", "must be true or false, got 'yes'")
        );
        assert_eq!(err("hasCommentator=1").0, "hasCommentator");
        assert_eq!(err("rank=").0, "rank");
    }
}
