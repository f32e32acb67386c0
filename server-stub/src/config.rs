//! The server's flags and environment variables: the contract's "Running the reference server"
//! table, plus a few operational extras.

use std::net::SocketAddr;

use clap::Parser;

/// Configuration of a `jiga-server` process.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "jiga-server",
    version,
    about = "The JIGA Store reference server"
)]
pub struct Config {
    /// Listen address; port 0 picks a free port.
    #[arg(long, env = "JIGA_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Storage: `sqlite://PATH` or `sqlite::memory:`.
    #[arg(long, env = "JIGA_DB", default_value = "sqlite://jiga.db")]
    pub db: String,

    /// HS256 signing secret for access tokens; random at each start when absent.
    #[arg(long, env = "JIGA_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Secret that signs Stripe webhooks; without it the webhook answers 400.
    #[arg(long, env = "JIGA_STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<String>,

    /// Secret that signs Shopify webhooks (v1.2); without it the webhook answers 400.
    #[arg(long, env = "JIGA_SHOPIFY_WEBHOOK_SECRET", hide_env_values = true)]
    pub shopify_webhook_secret: Option<String>,

    /// Platform share of consumed DOF, in basis points (0..=10000).
    #[arg(long, env = "JIGA_PLATFORM_FEE_BPS", default_value_t = 2000,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub platform_fee_bps: u32,

    /// Requests per minute per client address without a token; 0 turns the limit off.
    #[arg(long, env = "JIGA_RATE_LIMIT_ANONYMOUS", default_value_t = 100)]
    pub rate_limit_anonymous: u32,

    /// Requests per minute per signed-in user; 0 turns the limit off.
    #[arg(long, env = "JIGA_RATE_LIMIT_AUTHENTICATED", default_value_t = 1000)]
    pub rate_limit_authenticated: u32,

    /// Allowed browser origin (repeatable).
    #[arg(long = "cors-origin", env = "JIGA_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Load the demo catalogue, its owners and a demo player with DOF.
    #[arg(long, env = "JIGA_SEED_DEMO", value_parser = parse_flag, default_value = "false",
          num_args = 0..=1, default_missing_value = "true")]
    pub seed_demo: bool,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "JIGA_LOG_JSON", value_parser = parse_flag, default_value = "false",
          num_args = 0..=1, default_missing_value = "true")]
    pub log_json: bool,

    /// Access-token lifetime in seconds.
    #[arg(long, env = "JIGA_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: u64,

    /// Active sessions one hirer may have at once (the contract's Limits: 20).
    #[arg(long, env = "JIGA_MAX_ACTIVE_SESSIONS", default_value_t = 20)]
    pub max_active_sessions_per_hirer: u32,

    /// Seconds a connection has to send a request's headers before it is closed (the
    /// contract's Limits: 10).
    #[arg(long, env = "JIGA_HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout_secs: u64,

    /// Seconds a WebSocket may go without any frame from its client (pongs count) before it is
    /// closed with 1001. The contract is silent; it pings at least every 15 s and has clients
    /// give up after 30 s of silence, so 60 s is four pings a live client answered.
    #[arg(long, env = "JIGA_WS_IDLE_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub ws_idle_timeout_secs: u64,

    /// WebSocket connections (session and notification streams together) one user may hold
    /// open; the next upgrade is answered 429 `rate_limited` (the contract is silent: its
    /// per-user quotas answer so). 0 turns the cap off.
    #[arg(long, env = "JIGA_MAX_WS_PER_USER", default_value_t = 32)]
    pub max_ws_per_user: u32,

    /// `max-age` of the `Cache-Control: public` header on public marketplace answers, in
    /// seconds (the contract: 300 in production).
    #[arg(long, env = "JIGA_CACHE_MAX_AGE", default_value_t = 300)]
    pub cache_max_age_secs: u64,

    /// Seconds a marketplace answer (search, listing, featured, categories) stays in the
    /// in-process cache; every change of a listing invalidates it sooner. 0 turns the cache off.
    #[arg(long, env = "JIGA_LISTING_CACHE_TTL", default_value_t = 300)]
    pub listing_cache_ttl_secs: u64,

    /// Seconds an agent profile (`GET /v1/agents/{id}`) stays in the in-process cache; every
    /// change of an agent invalidates it sooner. 0 turns the cache off.
    #[arg(long, env = "JIGA_PROFILE_CACHE_TTL", default_value_t = 600)]
    pub profile_cache_ttl_secs: u64,

    /// Reverse proxies (networks or addresses, comma-separated: `10.0.0.0/8,fd00::/8`) whose
    /// connections tell the client's address in `X-Forwarded-For`: anonymous rate limits are
    /// then kept per client instead of per proxy. None (the default): the header is ignored.
    #[arg(long = "trusted-proxy", env = "JIGA_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = crate::forwarded::parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Let user webhooks target private and loopback addresses (local development, tests).
    #[arg(long, env = "JIGA_ALLOW_PRIVATE_WEBHOOKS", value_parser = parse_flag, default_value = "false",
          num_args = 0..=1, default_missing_value = "true")]
    pub allow_private_webhooks: bool,

    /// Export every bus event to this directory: hourly NDJSON, and Parquet for each closed
    /// hour.
    #[arg(long, env = "JIGA_ANALYTICS_DIR")]
    pub analytics_dir: Option<std::path::PathBuf>,

    /// Send the notifications users opted in to by email through this SMTP server (v1.2):
    /// `smtp://host:port` (plain text; add `?tls=required` for STARTTLS, or
    /// `?tls=opportunistic` for STARTTLS when offered) or `smtps://host:port` (TLS from the
    /// start), with `user:password@` when the server asks for a login.
    /// None: no email is sent.
    #[arg(long, env = "JIGA_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The sender of outgoing email (v1.2), as `Name <address>` or a bare address; its domain
    /// also names each message (`Message-ID: <notification id@domain>`).
    #[arg(long, env = "JIGA_MAIL_FROM", default_value = DEFAULT_MAIL_FROM)]
    pub mail_from: String,

    /// Milliseconds before the first retry of a failed delivery (webhook or email); each later retry
    /// doubles it (at most an hour between tries, for 24 hours).
    #[arg(
        long,
        env = "JIGA_DELIVERY_RETRY_BASE_MS",
        default_value_t = 1000,
        hide = true
    )]
    pub delivery_retry_base_ms: u64,

    /// Export traces over OTLP/HTTP (protobuf) to this collector (v1.2): its base URL, such as
    /// `http://localhost:4318` (`/v1/traces` is appended), or the full URL of its traces
    /// path. None: nothing is exported.
    #[arg(long, env = "JIGA_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,

    /// Share of traces sampled (v1.2), 0.0 to 1.0, for the traces that start here; a request
    /// with a valid `traceparent` follows its caller's sampling decision instead.
    #[arg(long, env = "JIGA_TRACE_SAMPLE_RATIO", default_value_t = 0.1, value_parser = parse_ratio)]
    pub trace_sample_ratio: f64,
}

/// The contract's default sender of outgoing email.
pub const DEFAULT_MAIL_FROM: &str = "JIGA Store <no-reply@jiga.invalid>";

fn parse_flag(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(format!("expected 1/0 or true/false, got '{other}'")),
    }
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("expected a ratio from 0.0 to 1.0, got '{s}'")),
    }
}

impl Config {
    /// A configuration for tests and embedding: loopback port 0, the given database, no rate
    /// limits, a fixed JWT secret.
    #[must_use]
    pub fn for_tests(db: impl Into<String>) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: db.into(),
            jwt_secret: Some("test-secret-test-secret-test-secret".into()),
            stripe_webhook_secret: Some("whsec_test".into()),
            shopify_webhook_secret: Some("shpss_test".into()),
            platform_fee_bps: 2000,
            rate_limit_anonymous: 0,
            rate_limit_authenticated: 0,
            cors_origins: Vec::new(),
            seed_demo: false,
            log_json: false,
            access_token_ttl: 900,
            max_active_sessions_per_hirer: 20,
            header_read_timeout_secs: 10,
            ws_idle_timeout_secs: 60,
            max_ws_per_user: 32,
            cache_max_age_secs: 300,
            listing_cache_ttl_secs: 300,
            profile_cache_ttl_secs: 600,
            trusted_proxies: Vec::new(),
            allow_private_webhooks: false,
            delivery_retry_base_ms: 100,
            analytics_dir: None,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.into(),
            otlp_endpoint: None,
            trace_sample_ratio: 0.1,
        }
    }
}
