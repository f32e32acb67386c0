//! `/v1/marketplace/*`: search with every filter and sort, listings, featured, categories;
//! field selection and expansion (v1.2). Every answer here is revalidated with its `ETag`
//! (see `validators.rs`).

use std::sync::Arc;

use super::Client;
use super::error::Result;
use super::http::{Req, seg};
use super::pagination::{PageRequest, SearchPages};
use super::transport::BoxStream;
use crate::Dof;
use crate::model::{
    AgentType, Categories, EXPAND_PARAM, Expand, FIELDS_PARAM, Featured, FieldSet, Listing,
    ListingWithReviews, PartialListing, Rank, SearchResults, SearchSort, SelectedFeatured,
    SelectedResults,
};

/// What a listing request asks for beyond the listing (contract v1.2): a selection of fields
/// and expansions.
///
/// ```
/// use jiga::client::ListingOptions;
/// use jiga::model::{Expand, FieldSet, ListingField};
///
/// let o = ListingOptions::new()
///     .fields(FieldSet::of([ListingField::Name, ListingField::Rating]))
///     .expand(Expand::Reviews);
/// assert_eq!(o.to_query(), [("fields", "id,name,rating".to_owned()), ("expand", "reviews".to_owned())]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ListingOptions {
    fields: Option<FieldSet>,
    expand: Vec<Expand>,
}

impl ListingOptions {
    /// The whole listing, nothing expanded.
    pub fn new() -> Self {
        ListingOptions::default()
    }

    /// Only these fields (`id` always).
    pub fn fields(mut self, fields: FieldSet) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Adds an expansion (`Expand::Reviews`: the 10 newest reviews).
    pub fn expand(mut self, what: Expand) -> Self {
        if !self.expand.contains(&what) {
            self.expand.push(what);
        }
        self
    }

    /// The query string pairs.
    #[must_use]
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(f) = &self.fields {
            q.push((FIELDS_PARAM, f.to_query()));
        }
        if !self.expand.is_empty() {
            let names: Vec<&str> = self.expand.iter().map(|e| e.as_str()).collect();
            q.push((EXPAND_PARAM, names.join(",")));
        }
        q
    }
}

/// The query of `GET /v1/marketplace/search`. Repeatable filters are OR'ed within a filter;
/// filters are AND'ed together.
///
/// ```
/// use jiga::client::SearchParams;
/// use jiga::model::{Rank, SearchSort};
///
/// let p = SearchParams::new().q("chess coach").rank(Rank::Gold).rank(Rank::Master)
///     .price_max(jiga::Dof::new(50)).sort(SearchSort::Rating).limit(10);
/// assert_eq!(p.to_query()[0], ("q", "chess coach".to_owned()));
/// ```
///
/// Bindings take it as JSON (camelCase, every member optional, unknown members refused):
///
/// ```
/// use jiga::client::SearchParams;
///
/// let p: SearchParams = serde_json::from_str(r#"{"q": "chess", "rank": ["gold"], "limit": 5}"#)?;
/// assert_eq!(p, SearchParams::new().q("chess").rank(jiga::model::Rank::Gold).limit(5));
/// assert!(serde_json::from_str::<SearchParams>(r#"{"pricemax": 5}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(from = "SearchParamsJson")]
#[must_use]
pub struct SearchParams {
    q: Option<String>,
    rank: Vec<Rank>,
    agent_type: Vec<AgentType>,
    provider: Vec<String>,
    game: Vec<String>,
    has_voice_chat: Option<bool>,
    has_commentator: Option<bool>,
    price_min: Option<Dof>,
    price_max: Option<Dof>,
    rating_min: Option<f64>,
    sort: Option<SearchSort>,
    page: PageRequest,
}

/// The JSON form of [`SearchParams`]: the query's members, flat.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SearchParamsJson {
    q: Option<String>,
    #[serde(default)]
    rank: Vec<Rank>,
    #[serde(default)]
    agent_type: Vec<AgentType>,
    #[serde(default)]
    provider: Vec<String>,
    #[serde(default)]
    game: Vec<String>,
    has_voice_chat: Option<bool>,
    has_commentator: Option<bool>,
    price_min: Option<Dof>,
    price_max: Option<Dof>,
    rating_min: Option<f64>,
    sort: Option<SearchSort>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl From<SearchParamsJson> for SearchParams {
    fn from(j: SearchParamsJson) -> Self {
        SearchParams {
            q: j.q,
            rank: j.rank,
            agent_type: j.agent_type,
            provider: j.provider,
            game: j.game,
            has_voice_chat: j.has_voice_chat,
            has_commentator: j.has_commentator,
            price_min: j.price_min,
            price_max: j.price_max,
            rating_min: j.rating_min,
            sort: j.sort,
            page: PageRequest {
                limit: j.limit,
                cursor: j.cursor,
            },
        }
    }
}

impl SearchParams {
    /// No filter: every listing, most popular first.
    pub fn new() -> Self {
        SearchParams::default()
    }

    /// Free text; every word must match (prefixes, and one typo for words of 5+ letters).
    pub fn q(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// Adds a rank to match.
    pub fn rank(mut self, rank: Rank) -> Self {
        self.rank.push(rank);
        self
    }

    /// Adds an agent type to match.
    pub fn agent_type(mut self, t: AgentType) -> Self {
        self.agent_type.push(t);
        self
    }

    /// Adds a provider to match.
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider.push(provider.into());
        self
    }

    /// Adds a game to match.
    pub fn game(mut self, game: impl Into<String>) -> Self {
        self.game.push(game.into());
        self
    }

    /// Only agents with (or without) voice chat.
    pub fn has_voice_chat(mut self, yes: bool) -> Self {
        self.has_voice_chat = Some(yes);
        self
    }

    /// Only agents with (or without) a commentator.
    pub fn has_commentator(mut self, yes: bool) -> Self {
        self.has_commentator = Some(yes);
        self
    }

    /// Lowest `pricing.perMinute`, inclusive.
    pub fn price_min(mut self, min: Dof) -> Self {
        self.price_min = Some(min);
        self
    }

    /// Highest `pricing.perMinute`, inclusive.
    pub fn price_max(mut self, max: Dof) -> Self {
        self.price_max = Some(max);
        self
    }

    /// Lowest rating, 0.0–5.0.
    pub fn rating_min(mut self, min: f64) -> Self {
        self.rating_min = Some(min);
        self
    }

    /// The order (default: relevance with `q`, else popularity).
    pub fn sort(mut self, sort: SearchSort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Listings per page, 1..=100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.page.limit = Some(limit);
        self
    }

    /// Continues after a page (`SearchResults::next_cursor`).
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.page.cursor = Some(cursor.into());
        self
    }

    /// The query string pairs, in a stable order, named as in [`crate::wire::query`].
    #[must_use]
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        use crate::wire::query::search::{
            GAME, HAS_COMMENTATOR, HAS_VOICE_CHAT, PRICE_MAX, PRICE_MIN, PROVIDER, Q, RANK,
            RATING_MIN, SORT,
        };
        use crate::wire::query::{CURSOR, LIMIT, TYPE};
        let mut q = Vec::new();
        if let Some(text) = &self.q {
            q.push((Q, text.clone()));
        }
        q.extend(self.rank.iter().map(|r| (RANK, r.as_str().to_owned())));
        q.extend(
            self.agent_type
                .iter()
                .map(|t| (TYPE, t.as_str().to_owned())),
        );
        q.extend(self.provider.iter().map(|p| (PROVIDER, p.clone())));
        q.extend(self.game.iter().map(|g| (GAME, g.clone())));
        let flags = [
            (HAS_VOICE_CHAT, self.has_voice_chat),
            (HAS_COMMENTATOR, self.has_commentator),
        ];
        q.extend(
            flags
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v.to_string()))),
        );
        let prices = [(PRICE_MIN, self.price_min), (PRICE_MAX, self.price_max)];
        q.extend(
            prices
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v.get().to_string()))),
        );
        if let Some(r) = self.rating_min {
            q.push((RATING_MIN, r.to_string()));
        }
        if let Some(s) = self.sort {
            q.push((SORT, s.as_str().to_owned()));
        }
        if let Some(l) = self.page.limit {
            q.push((LIMIT, l.to_string()));
        }
        if let Some(c) = &self.page.cursor {
            q.push((CURSOR, c.clone()));
        }
        q
    }
}

impl Client {
    /// One page of search results with total and facets (`GET /v1/marketplace/search`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for a filter the server
    /// refuses (a bad limit, a price range out of bounds), transport errors.
    pub async fn search(&self, params: &SearchParams) -> Result<SearchResults> {
        self.call(
            Req::get("/v1/marketplace/search")
                .queries(params.to_query())
                .validated(),
        )
        .await
    }

    /// One page of search results with only `fields` of each listing (`fields=`, v1.2).
    ///
    /// # Errors
    /// As [`Client::search`].
    pub async fn search_with(
        &self,
        params: &SearchParams,
        fields: &FieldSet,
    ) -> Result<SelectedResults> {
        self.call(
            Req::get("/v1/marketplace/search")
                .queries(params.to_query())
                .query(FIELDS_PARAM, fields.to_query())
                .validated(),
        )
        .await
    }

    /// The results of `params` page by page, each with its `total` and facets.
    pub fn search_pages(&self, params: SearchParams) -> SearchPages {
        let client = self.clone();
        let first = params.page.clone();
        SearchPages::new(
            first,
            Arc::new(move |page| {
                let client = client.clone();
                let params = SearchParams {
                    page,
                    ..params.clone()
                };
                Box::pin(async move { client.search(&params).await })
            }),
        )
    }

    /// Every listing matching `params`, across pages (facets and totals are dropped).
    pub fn search_stream(&self, params: SearchParams) -> BoxStream<'static, Result<Listing>> {
        self.search_pages(params).into_items()
    }

    /// A published listing (`GET /v1/marketplace/listings/{agentId}`).
    ///
    /// # Errors
    /// [`Error::NotFound`](super::Error::NotFound) when the agent is not published.
    pub async fn listing(&self, agent_id: &str) -> Result<Listing> {
        self.call(Req::get(format!("/v1/marketplace/listings/{}", seg(agent_id))).validated())
            .await
    }

    /// A published listing with its 10 newest reviews (`?expand=reviews`, v1.2).
    ///
    /// # Errors
    /// As [`Client::listing`].
    pub async fn listing_with_reviews(&self, agent_id: &str) -> Result<ListingWithReviews> {
        let options = ListingOptions::new().expand(Expand::Reviews);
        self.call(
            Req::get(format!("/v1/marketplace/listings/{}", seg(agent_id)))
                .queries(options.to_query())
                .validated(),
        )
        .await
    }

    /// A published listing shaped by `options`: selected fields and expansions (v1.2).
    ///
    /// # Errors
    /// As [`Client::listing`].
    pub async fn listing_with(
        &self,
        agent_id: &str,
        options: &ListingOptions,
    ) -> Result<PartialListing> {
        self.call(
            Req::get(format!("/v1/marketplace/listings/{}", seg(agent_id)))
                .queries(options.to_query())
                .validated(),
        )
        .await
    }

    /// The 10 most popular listings (`GET /v1/marketplace/featured`).
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn featured(&self) -> Result<Featured> {
        self.call(Req::get("/v1/marketplace/featured").validated())
            .await
    }

    /// The 10 most popular listings with only `fields` of each (`fields=`, v1.2).
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn featured_with(&self, fields: &FieldSet) -> Result<SelectedFeatured> {
        self.call(
            Req::get("/v1/marketplace/featured")
                .query(FIELDS_PARAM, fields.to_query())
                .validated(),
        )
        .await
    }

    /// Games and agent types with their counts (`GET /v1/marketplace/categories`).
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn categories(&self) -> Result<Categories> {
        self.call(Req::get("/v1/marketplace/categories").validated())
            .await
    }
}
