//! `/v1/openapi.json`, built from the same calls that build the router (see
//! [`crate::http::router`]), so a route cannot exist without its documentation or the other
//! way round. Schemas come from the wire types' `ToSchema` derives in `jiga-core`; the values of
//! the wire enums come from serde (see [`wire_enums`]).

use utoipa::ToSchema;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::OneOfBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, Type,
};

/// The documentation of one operation.
pub struct Doc {
    method: HttpMethod,
    path: String,
    summary: &'static str,
    body: Option<String>,
    ok_status: u16,
    ok_schema: Option<String>,
    auth: bool,
    idempotent: bool,
    params: Vec<(&'static str, ParameterIn, bool, &'static str)>,
    errors: Vec<u16>,
    schemas: Vec<(String, RefOr<Schema>)>,
    /// Other shapes of the success body (v1.2: `fields=`, `expand=`), with when each applies.
    alternatives: Vec<(String, &'static str)>,
    /// A public marketplace answer: `ETag`, `Cache-Control`, `If-None-Match` → 304.
    cached: bool,
}

fn name_of<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) -> String {
    let name = T::name().into_owned();
    schemas.push((name.clone(), T::schema()));
    T::schemas(schemas);
    name
}

impl Doc {
    fn new(method: HttpMethod, path: &str, summary: &'static str) -> Self {
        let params = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|p| (leak(p), ParameterIn::Path, true, "path parameter"))
            .collect();
        Doc {
            method,
            path: path.to_owned(),
            summary,
            body: None,
            ok_status: 200,
            ok_schema: None,
            auth: false,
            idempotent: false,
            params,
            errors: vec![400, 429, 500],
            schemas: Vec::new(),
            alternatives: Vec::new(),
            cached: false,
        }
    }
    /// `GET path`.
    pub fn get(path: &str, summary: &'static str) -> Self {
        Doc::new(HttpMethod::Get, path, summary)
    }
    /// `POST path`.
    pub fn post(path: &str, summary: &'static str) -> Self {
        Doc::new(HttpMethod::Post, path, summary)
    }
    /// `PATCH path`.
    pub fn patch(path: &str, summary: &'static str) -> Self {
        Doc::new(HttpMethod::Patch, path, summary)
    }
    /// `PUT path`.
    pub fn put(path: &str, summary: &'static str) -> Self {
        Doc::new(HttpMethod::Put, path, summary)
    }
    /// `DELETE path`.
    pub fn delete(path: &str, summary: &'static str) -> Self {
        Doc::new(HttpMethod::Delete, path, summary)
    }
    /// A JSON request body.
    #[must_use]
    pub fn body<T: ToSchema>(mut self) -> Self {
        self.body = Some(name_of::<T>(&mut self.schemas));
        self
    }
    /// The success status and JSON body.
    #[must_use]
    pub fn ok<T: ToSchema>(mut self, status: u16) -> Self {
        self.ok_status = status;
        self.ok_schema = Some(name_of::<T>(&mut self.schemas));
        self
    }
    /// A success status with one page of `T`. Every `Page<T>` is named `Page` by `ToSchema`,
    /// so each is registered as `Page_T` (`Page_Agent`, `Page_Transaction`…), with `T` itself:
    /// otherwise the last page type registered would describe every paged route.
    #[must_use]
    pub fn ok_page<T: ToSchema>(mut self, status: u16) -> Self
    where
        jiga::model::Page<T>: ToSchema,
    {
        let name = format!("Page_{}", T::name());
        self.schemas.push((
            name.clone(),
            <jiga::model::Page<T> as utoipa::PartialSchema>::schema(),
        ));
        <jiga::model::Page<T> as ToSchema>::schemas(&mut self.schemas);
        name_of::<T>(&mut self.schemas);
        self.ok_status = status;
        self.ok_schema = Some(name);
        self
    }
    /// Another shape the success body takes `when` (v1.2: field selection, expansion).
    #[must_use]
    pub fn alternative<T: ToSchema>(mut self, when: &'static str) -> Self {
        let name = name_of::<T>(&mut self.schemas);
        self.alternatives.push((name, when));
        self
    }
    /// A public, cacheable answer (v1.2): `ETag` and `Cache-Control` on the success, the
    /// `If-None-Match` header, and the 304 it leads to.
    #[must_use]
    pub fn cached(mut self) -> Self {
        self.cached = true;
        self.params.push((
            "If-None-Match",
            ParameterIn::Header,
            false,
            "validators held; a match is answered 304 with no body",
        ));
        self
    }
    /// A success status with a body not described by a schema.
    #[must_use]
    pub fn ok_untyped(mut self, status: u16) -> Self {
        self.ok_status = status;
        self
    }
    /// Needs a bearer token.
    #[must_use]
    pub fn auth(mut self) -> Self {
        self.auth = true;
        self.errors.push(401);
        self
    }
    /// Moves DOF: takes a required `Idempotency-Key`.
    #[must_use]
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self.errors.push(409);
        self
    }
    /// A query parameter.
    #[must_use]
    pub fn query(mut self, name: &'static str, about: &'static str) -> Self {
        self.params.push((name, ParameterIn::Query, false, about));
        self
    }
    /// A request header.
    #[must_use]
    pub fn header(mut self, name: &'static str, required: bool, about: &'static str) -> Self {
        self.params
            .push((name, ParameterIn::Header, required, about));
        self
    }
    /// `limit` and `cursor`.
    #[must_use]
    pub fn paged(self) -> Self {
        self.query("limit", "page size, 1..=100, default 20")
            .query("cursor", "from the previous page's nextCursor")
    }
    /// Further error statuses the operation answers.
    #[must_use]
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self
    }
}

/// Paths may name parameters only from a fixed set of route strings; leaking them once at
/// start keeps `Doc` free of lifetimes.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn text_header(about: &str) -> Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(about))
        .build()
}

/// The security headers every response carries (v1.2), with their values.
fn security_headers(res: ResponseBuilder) -> ResponseBuilder {
    [
        (
            "Content-Security-Policy",
            crate::http::security::CONTENT_SECURITY_POLICY,
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        (
            "Cross-Origin-Resource-Policy",
            "same-site (cross-origin when CORS allows the request's origin)",
        ),
        ("X-Request-Id", "the request's id"),
    ]
    .into_iter()
    .fold(res, |r, (name, value)| r.header(name, text_header(value)))
}

/// Collects [`Doc`]s into the OpenAPI document.
#[derive(Default)]
pub struct ApiDoc {
    paths: PathsBuilder,
    components: ComponentsBuilder,
}

fn json_ref(name: &str) -> ContentBuilder {
    ContentBuilder::new().schema(Some(Ref::from_schema_name(name)))
}

impl ApiDoc {
    /// Adds one operation.
    pub fn add(&mut self, doc: Doc) {
        let mut op = OperationBuilder::new()
            .summary(Some(doc.summary))
            .operation_id(Some(format!(
                "{}{}",
                method_name(&doc.method),
                doc.path.replace(['/', '{', '}', '-'], "_")
            )));
        for (name, at, required, about) in &doc.params {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(at.clone())
                    .required(if *required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .description(Some(*about))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        if doc.idempotent {
            op = op.parameter(
                ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(
                        "1–255 printable ASCII characters; one per logical operation",
                    ))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        if let Some(body) = &doc.body {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json_ref(body).build())
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        let mut ok = ResponseBuilder::new().description(if doc.alternatives.is_empty() {
            "success".to_owned()
        } else {
            let whens: Vec<String> = doc
                .alternatives
                .iter()
                .map(|(n, w)| format!("{n} {w}"))
                .collect();
            format!("success; the body is {}", whens.join(", "))
        });
        if let Some(s) = &doc.ok_schema {
            let content = if doc.alternatives.is_empty() {
                json_ref(s)
            } else {
                let mut one_of = OneOfBuilder::new().item(Ref::from_schema_name(s));
                for (alt, _) in &doc.alternatives {
                    one_of = one_of.item(Ref::from_schema_name(alt));
                }
                ContentBuilder::new().schema(Some(one_of))
            };
            ok = ok.content("application/json", content.build());
        }
        if doc.cached {
            ok = ok
                .header(
                    "ETag",
                    text_header("validator of the body (weak: W/\"<hash>\")"),
                )
                .header(
                    "Cache-Control",
                    text_header("public, max-age=N (configuration; 300 s by default)"),
                );
            op = op.response(
                "304",
                security_headers(
                    ResponseBuilder::new()
                        .description(
                            "not modified: the If-None-Match validator is current; no body",
                        )
                        .header("ETag", text_header("the current validator"))
                        .header("Cache-Control", text_header("public, max-age=N")),
                )
                .build(),
            );
        }
        op = op.response(doc.ok_status.to_string(), security_headers(ok).build());
        let mut errors = doc.errors.clone();
        errors.sort_unstable();
        errors.dedup();
        for status in errors {
            op = op.response(
                status.to_string(),
                security_headers(
                    ResponseBuilder::new()
                        .description("error")
                        .content("application/json", json_ref("ErrorBody").build()),
                )
                .build(),
            );
        }
        if doc.auth {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        let paths = std::mem::take(&mut self.paths);
        self.paths = paths.path(doc.path.clone(), PathItem::new(doc.method, op.build()));
        let components = std::mem::take(&mut self.components);
        self.components = components.schemas_from_iter(doc.schemas);
    }

    /// The finished document.
    #[must_use]
    pub fn build(self) -> OpenApi {
        let mut schemas = Vec::new();
        name_of::<jiga::model::ErrorBody>(&mut schemas);
        // The stream routes' frames: not a route's body, so listed here.
        schemas.extend(jiga::event::schema::schemas());
        let components = self
            .components
            .schemas_from_iter(schemas)
            .security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            )
            .build();
        let mut components = components;
        for (name, values) in wire_enums() {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(&name) {
                o.enum_values = Some(values);
            }
        }
        let mut api = OpenApiBuilder::new()
            .info(InfoBuilder::new().title("JIGA Store API").version("1.0.0").description(Some(
                "The wire contract between JIGA clients and the store server (shared/spec/store-api.md).",
            )))
            .paths(self.paths.build())
            .components(Some(components))
            .build();
        api.openapi = utoipa::openapi::OpenApiVersion::Version31;
        api
    }
}

/// The values of `T` as serialized.
fn serialized<T: serde::Serialize>(all: &[T]) -> Vec<serde_json::Value> {
    all.iter()
        .filter_map(|v| serde_json::to_value(v).ok())
        .collect()
}

/// Each of the core's wire enums by schema name, with its values as they are on the wire.
///
/// `ToSchema` does not see the `serde(rename)` that `jiga-core`'s `wire_enum!` puts on each
/// variant from inside a macro, so it writes the Rust names (`Gold` where the wire has
/// `gold`); the document takes the values from serde instead. `ErrorCode` is not here: its
/// `rename_all` is seen.
#[must_use]
pub fn wire_enums() -> Vec<(String, Vec<serde_json::Value>)> {
    use jiga::model::{
        AchievementId, AgentStatus, AgentType, EndReason, Rank, SearchSort, SessionStatus,
        TopupProvider, TopupStatus, TransactionType,
    };
    fn of<T: ToSchema + serde::Serialize>(all: &[T]) -> (String, Vec<serde_json::Value>) {
        (T::name().into_owned(), serialized(all))
    }
    vec![
        of(AchievementId::ALL),
        of(AgentStatus::ALL),
        of(AgentType::ALL),
        of(EndReason::ALL),
        of(Rank::ALL),
        of(SearchSort::ALL),
        of(SessionStatus::ALL),
        of(TopupProvider::ALL),
        of(TopupStatus::ALL),
        of(TransactionType::ALL),
    ]
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Delete => "delete",
        HttpMethod::Patch => "patch",
        HttpMethod::Head => "head",
        HttpMethod::Options => "options",
        HttpMethod::Trace => "trace",
    }
}
