//! The core's flat error view (`Error::kind()` and its accessors) as a plain JS object,
//! `{jigaKind, message, code, status, requestId, field, needed, available, retryAfterMs,
//! limit}`, which the ESM layer turns into the `JigaError` subclass of its kind.

use serde::Serialize;
use wasm_bindgen::JsValue;

/// What JavaScript sees of a `jiga::Error`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorRecord {
    /// `invalid_argument`, `unauthenticated`, … (`ErrorKind::as_str`).
    jiga_kind: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    needed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
}

impl ErrorRecord {
    pub(crate) fn new(e: &jiga::Error) -> Self {
        ErrorRecord {
            jiga_kind: e.kind().as_str(),
            message: e.message(),
            code: e.code().map(|c| c.as_str().to_owned()),
            status: e.status(),
            request_id: e.request_id().map(str::to_owned),
            field: e.field().map(str::to_owned),
            needed: e.needed().map(jiga::Dof::get),
            available: e.available().map(jiga::Dof::get),
            retry_after_ms: e
                .retry_after()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            limit: e.limit(),
        }
    }
}

/// `e` as the JS object the ESM layer maps (see the module).
pub(crate) fn to_js(e: &jiga::Error) -> JsValue {
    let text = serde_json::to_string(&ErrorRecord::new(e)).unwrap_or_else(|_| {
        format!(
            r#"{{"jigaKind":"decode","message":"cannot encode an error of kind {}"}}"#,
            e.kind().as_str()
        )
    });
    js_sys::JSON::parse(&text).unwrap_or_else(|_| JsValue::from_str(&text))
}

/// An invalid-argument error raised before anything was sent.
pub(crate) fn invalid(field: &str, message: String) -> jiga::Error {
    jiga::Error::InvalidArgument {
        field: Some(field.to_owned()),
        message,
        request_id: None,
    }
}
