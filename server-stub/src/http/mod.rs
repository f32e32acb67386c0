//! The HTTP surface: [`router`] wires every route of the contract, with its documentation
//! ([`crate::openapi::Doc`]) next to it, and the middleware stack.
//!
//! One module per API area holds its handlers: [`auth`], [`users`], [`agents`],
//! [`marketplace`], [`wallet`] (and the [`shopify`] webhook), [`sessions`], [`ops`];
//! [`security`] adds the security headers to every response. The session and notification
//! WebSockets live in [`crate::stream::session_ws`].

pub mod agents;
pub mod auth;
pub mod extract;
pub mod idem;
pub mod marketplace;
pub mod middleware;
pub mod ops;
pub mod security;
pub mod sessions;
pub mod shopify;
mod storage;
pub mod users;
pub mod wallet;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use jiga::model::*;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::AppError;
use crate::openapi::{ApiDoc, Doc};
use crate::state::AppState;
use crate::stream::session_ws;

/// The body limit of the contract.
pub use crate::error::MAX_BODY;

struct Routes {
    router: Router<AppState>,
    doc: ApiDoc,
}

impl Routes {
    fn add(mut self, path: &str, handler: MethodRouter<AppState>, doc: Doc) -> Self {
        self.router = self.router.route(path, handler);
        self.doc.add(doc);
        self
    }
}

fn api() -> Routes {
    let r = Routes {
        router: Router::new(),
        doc: ApiDoc::default(),
    };
    r
        // Auth
        .add(
            "/v1/auth/register",
            post(auth::register),
            Doc::post("/v1/auth/register", "Register with email and password")
                .body::<RegisterRequest>()
                .ok::<AuthResponse>(201)
                .errors(&[409]),
        )
        .add(
            "/v1/auth/login",
            post(auth::login),
            Doc::post("/v1/auth/login", "Sign in with email and password")
                .body::<LoginRequest>()
                .ok::<AuthResponse>(200)
                .errors(&[401]),
        )
        .add(
            "/v1/auth/anonymous",
            post(auth::anonymous),
            Doc::post(
                "/v1/auth/anonymous",
                "Device sign-in (creates the user on first use)",
            )
            .body::<AnonymousLoginRequest>()
            .ok::<AuthResponse>(200),
        )
        .add(
            "/v1/auth/refresh",
            post(auth::refresh),
            Doc::post("/v1/auth/refresh", "Rotate a refresh token")
                .body::<RefreshRequest>()
                .ok::<AuthResponse>(200)
                .errors(&[401]),
        )
        // Users
        .add(
            "/v1/users/me",
            get(users::me),
            Doc::get("/v1/users/me", "The caller with preferences")
                .ok::<Me>(200)
                .auth(),
        )
        .add(
            "/v1/users/me",
            patch(users::update_me),
            Doc::patch("/v1/users/me", "Update the caller")
                .body::<UpdateMeRequest>()
                .ok::<Me>(200)
                .auth(),
        )
        .add(
            "/v1/users/me/agents",
            get(users::my_agents),
            Doc::get("/v1/users/me/agents", "The caller's agents")
                .paged()
                .ok_page::<Agent>(200)
                .auth(),
        )
        .add(
            "/v1/users/me/webhook",
            put(users::put_webhook),
            Doc::put(
                "/v1/users/me/webhook",
                "Set the caller's webhook; answers its new signing secret, shown once (v1.2)",
            )
            .body::<SetWebhookRequest>()
            .ok::<WebhookSecret>(200)
            .auth(),
        )
        .add(
            "/v1/users/me/webhook",
            get(users::get_webhook),
            Doc::get("/v1/users/me/webhook", "The caller's webhook (v1.2)")
                .ok::<Webhook>(200)
                .auth()
                .errors(&[404]),
        )
        .add(
            "/v1/users/me/webhook",
            delete(users::delete_webhook),
            Doc::delete("/v1/users/me/webhook", "Remove the caller's webhook (v1.2)")
                .ok_untyped(204)
                .auth()
                .errors(&[404]),
        )
        .add(
            "/v1/users/me/achievements",
            get(users::achievements),
            Doc::get(
                "/v1/users/me/achievements",
                "The caller's unlocked achievements, oldest first (v1.2)",
            )
            .ok::<Achievements>(200)
            .auth(),
        )
        .add(
            "/v1/users/{id}",
            get(users::get),
            Doc::get("/v1/users/{id}", "A user (only the caller)")
                .ok::<Me>(200)
                .auth()
                .errors(&[403]),
        )
        // Agents
        .add(
            "/v1/agents",
            post(agents::create),
            Doc::post("/v1/agents", "Create a draft agent")
                .body::<CreateAgentRequest>()
                .ok::<Agent>(201)
                .auth(),
        )
        .add(
            "/v1/agents/{id}",
            get(agents::get),
            Doc::get("/v1/agents/{id}", "An agent (drafts to their owner only)")
                .ok::<Agent>(200)
                .errors(&[404]),
        )
        .add(
            "/v1/agents/{id}",
            patch(agents::update),
            Doc::patch("/v1/agents/{id}", "Change an agent (bumps its version)")
                .body::<UpdateAgentRequest>()
                .ok::<Agent>(200)
                .auth()
                .errors(&[403, 404]),
        )
        .add(
            "/v1/agents/{id}/versions",
            get(agents::versions),
            Doc::get("/v1/agents/{id}/versions", "Every version, newest first")
                .paged()
                .ok_page::<Agent>(200)
                .errors(&[404]),
        )
        .add(
            "/v1/agents/{id}/publish",
            post(agents::publish),
            Doc::post("/v1/agents/{id}/publish", "Put an agent in the marketplace")
                .ok::<Agent>(200)
                .auth()
                .errors(&[403, 404, 409]),
        )
        .add(
            "/v1/agents/{id}/unpublish",
            post(agents::unpublish),
            Doc::post(
                "/v1/agents/{id}/unpublish",
                "Take an agent out of the marketplace",
            )
            .ok::<Agent>(200)
            .auth()
            .errors(&[403, 404, 409]),
        )
        .add(
            "/v1/agents/{id}/reviews",
            post(agents::create_review),
            Doc::post("/v1/agents/{id}/reviews", "Review an ended session")
                .body::<CreateReviewRequest>()
                .ok::<Review>(201)
                .auth()
                .errors(&[403, 404, 409]),
        )
        .add(
            "/v1/agents/{id}/reviews",
            get(agents::reviews),
            Doc::get("/v1/agents/{id}/reviews", "Reviews, newest first")
                .paged()
                .ok_page::<Review>(200)
                .errors(&[404]),
        )
        // Marketplace
        .add(
            "/v1/marketplace/search",
            get(marketplace::search),
            Doc::get(
                "/v1/marketplace/search",
                "Search listings with filters, sorts and facets",
            )
            .query(
                "q",
                "text; every word must match (prefix, one typo for 5+ letters)",
            )
            .query("rank", "repeatable")
            .query("type", "repeatable")
            .query("provider", "repeatable")
            .query("game", "repeatable")
            .query("hasVoiceChat", "true/false")
            .query("hasCommentator", "true/false")
            .query("priceMin", "pricing.perMinute lower bound")
            .query("priceMax", "pricing.perMinute upper bound")
            .query("ratingMin", "minimum rating")
            .query(
                "sort",
                "relevance, popularity, rating, priceAsc, priceDesc, newest",
            )
            .query(
                FIELDS_PARAM,
                "v1.2: comma-separated Listing fields to return (id always); unknown → 400",
            )
            .paged()
            .ok::<SearchResults>(200)
            .alternative::<SelectedResults>("with fields=")
            .cached(),
        )
        .add(
            "/v1/marketplace/listings/{agentId}",
            get(marketplace::listing),
            Doc::get("/v1/marketplace/listings/{agentId}", "A published listing")
                .query(
                    FIELDS_PARAM,
                    "v1.2: comma-separated Listing fields to return (id always); unknown → 400",
                )
                .query(EXPAND_PARAM, "v1.2: reviews (the 10 newest); unknown → 400")
                .ok::<Listing>(200)
                .alternative::<ListingWithReviews>("with expand=reviews")
                .alternative::<PartialListing>("with fields=")
                .cached()
                .errors(&[404]),
        )
        .add(
            "/v1/marketplace/featured",
            get(marketplace::featured),
            Doc::get("/v1/marketplace/featured", "The 10 most popular listings")
                .query(
                    FIELDS_PARAM,
                    "v1.2: comma-separated Listing fields to return (id always); unknown → 400",
                )
                .ok::<Featured>(200)
                .alternative::<SelectedFeatured>("with fields=")
                .cached(),
        )
        .add(
            "/v1/marketplace/categories",
            get(marketplace::categories),
            Doc::get("/v1/marketplace/categories", "Games and types with counts")
                .ok::<Categories>(200)
                .cached(),
        )
        // Wallet
        .add(
            "/v1/wallet",
            get(wallet::get),
            Doc::get("/v1/wallet", "The caller's wallet")
                .ok::<Wallet>(200)
                .auth(),
        )
        .add(
            "/v1/wallet/transactions",
            get(wallet::transactions),
            Doc::get(
                "/v1/wallet/transactions",
                "The caller's ledger transactions, newest first",
            )
            .query("type", "topup, hold, consume, settle, release")
            .paged()
            .ok_page::<Transaction>(200)
            .auth(),
        )
        .add(
            "/v1/wallet/topups",
            post(wallet::topup),
            Doc::post("/v1/wallet/topups", "Top up the wallet")
                .body::<TopupRequest>()
                .ok::<Topup>(201)
                .auth()
                .idempotent(),
        )
        .add(
            "/v1/webhooks/payments/stripe",
            post(wallet::stripe_webhook),
            Doc::post(
                "/v1/webhooks/payments/stripe",
                "Stripe-signed payment webhook",
            )
            .header(
                "Stripe-Signature",
                true,
                "t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>; at most 8 v1 entries",
            )
            .ok_untyped(200),
        )
        .add(
            "/v1/webhooks/payments/shopify",
            post(shopify::webhook),
            Doc::post(
                "/v1/webhooks/payments/shopify",
                "Shopify-signed orders/paid webhook (v1.2)",
            )
            .header(
                "X-Shopify-Hmac-Sha256",
                true,
                "base64 HMAC-SHA256 of the raw body with the webhook secret",
            )
            .header(
                "X-Shopify-Topic",
                true,
                "orders/paid credits; other topics are ignored",
            )
            .header(
                "X-Shopify-Webhook-Id",
                false,
                "the delivery's id, the same on every retry",
            )
            .ok_untyped(200),
        )
        // Hiring and sessions
        .add(
            "/v1/hires",
            post(sessions::hire),
            Doc::post(
                "/v1/hires",
                "Hire an agent: holds the budget and starts a session",
            )
            .body::<HireRequest>()
            .ok::<HireResponse>(201)
            .auth()
            .idempotent()
            .errors(&[402, 403, 404, 409, 429]),
        )
        .add(
            "/v1/sessions",
            get(sessions::list),
            Doc::get("/v1/sessions", "Sessions the caller hired, newest first")
                .query("status", "active or ended")
                .paged()
                .ok_page::<Session>(200)
                .auth(),
        )
        .add(
            "/v1/sessions/{id}",
            get(sessions::get),
            Doc::get("/v1/sessions/{id}", "A session (hirer or owner)")
                .ok::<Session>(200)
                .auth()
                .errors(&[404]),
        )
        .add(
            "/v1/sessions/{id}/commands",
            post(sessions::command),
            Doc::post("/v1/sessions/{id}/commands", "Send a command to the agent")
                .body::<CommandRequest>()
                .ok::<CommandAccepted>(202)
                .auth()
                .errors(&[403, 404, 409, 413, 429]),
        )
        .add(
            "/v1/sessions/{id}/end",
            post(sessions::end),
            Doc::post("/v1/sessions/{id}/end", "End and settle a session")
                .ok::<EndSessionResponse>(200)
                .auth()
                .idempotent()
                .errors(&[403, 404]),
        )
        .add(
            "/v1/sessions/{id}/stream-tickets",
            post(sessions::stream_ticket),
            Doc::post(
                "/v1/sessions/{id}/stream-tickets",
                "A single-use stream credential (60 s)",
            )
            .ok::<StreamTicket>(201)
            .auth()
            .errors(&[404]),
        )
        .add(
            "/v1/sessions/{id}/stream",
            get(session_ws::stream),
            Doc::get(
                "/v1/sessions/{id}/stream",
                "Session events over WebSocket (replay after afterSeq, then live)",
            )
            .query("afterSeq", "last seq processed, default 0")
            .query("ticket", "single-use credential for browsers")
            .ok_untyped(101),
        )
        .add(
            "/v1/events/stream-tickets",
            post(sessions::notification_ticket),
            Doc::post(
                "/v1/events/stream-tickets",
                "A single-use notifications-stream credential (60 s)",
            )
            .ok::<StreamTicket>(201)
            .auth(),
        )
        .add(
            "/v1/events/stream",
            get(session_ws::notifications),
            Doc::get(
                "/v1/events/stream",
                "The caller's notifications over WebSocket",
            )
            .query("ticket", "single-use credential for browsers")
            .ok_untyped(101),
        )
        // Operations
        .add(
            "/health",
            get(ops::health),
            Doc::get("/health", "Liveness").ok_untyped(200),
        )
        .add(
            "/ready",
            get(ops::ready),
            Doc::get("/ready", "Readiness: storage answers")
                .ok_untyped(200)
                .errors(&[503]),
        )
        .add(
            "/metrics",
            get(ops::metrics),
            Doc::get("/metrics", "Prometheus metrics").ok_untyped(200),
        )
}

/// The OpenAPI document of every route.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut routes = api();
    routes
        .doc
        .add(Doc::get("/v1/openapi.json", "This document").ok_untyped(200));
    routes.doc.build()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let spec = serde_json::to_string(&openapi()).unwrap_or_default();
    let Routes { router, .. } = api();
    let router = router
        .route(
            "/v1/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        spec,
                    )
                }
            }),
        )
        .fallback(|| async { AppError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async {
            AppError::MethodNotAllowed("this path does not take that method".into())
        })
        // Outermost last: every response, a CORS preflight or a caught panic included, gets a
        // request id; preflights are answered before the rate limiter counts them.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::rate_limit,
        ))
        .layer(tower::util::option_layer(cors(&state.config.cors_origins)))
        // Level 1 (nginx's default `gzip_comp_level`): most of the saving for a fraction of
        // the default level's time, which was a visible share of a search answer's latency.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when(
                    SizeAbove::new(1025).and(NotForContentType::const_new("text/event-stream")),
                ),
        )
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(AppError::internal("a handler panicked"))
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_id,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ));
    router.with_state(state)
}

/// CORS for the configured origins; none configured, no CORS headers at all.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            // The W3C trace context (v1.2, `telemetry`), sent by instrumented browser callers.
            HeaderName::from_static("traceparent"),
            HeaderName::from_static("tracestate"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("ratelimit-limit"),
            HeaderName::from_static("ratelimit-remaining"),
            HeaderName::from_static("ratelimit-reset"),
            HeaderName::from_static("retry-after"),
            HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(Duration::from_secs(600));
    Some(layer)
}
