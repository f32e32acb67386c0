//! What crosses the boundary: the contract's JSON text in and out, and the bridge from the
//! core's futures to JavaScript `Promise`s that an `AbortSignal` cancels.

use std::future::Future;
use std::pin::Pin;

use futures_util::future::{Either, select};
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::errors::to_js;

#[wasm_bindgen(inline_js = r#"
export function abortPromise(signal) {
  return new Promise((resolve) => {
    const reason = () => signal.reason ?? new DOMException('the operation was aborted', 'AbortError');
    if (signal.aborted) resolve(reason());
    else signal.addEventListener('abort', () => resolve(reason()), { once: true });
  });
}
"#)]
extern "C" {
    /// A promise that resolves with the signal's reason once it is aborted.
    #[wasm_bindgen(js_name = abortPromise)]
    fn abort_promise(signal: &JsValue) -> Promise;
}

pub(crate) use jiga::client::from_json as parse;

/// `value` as JSON text.
pub(crate) fn json_text<T: Serialize>(value: &T) -> jiga::Result<String> {
    serde_json::to_string(value).map_err(|e| jiga::Error::Decode {
        message: e.to_string(),
    })
}

/// `value` as JSON text (a JS string).
pub(crate) fn json_out<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    json_text(value)
        .map(|s| JsValue::from_str(&s))
        .map_err(|e| to_js(&e))
}

/// The one kind of future that becomes a `Promise`: every call's work, already converted.
pub(crate) type Work = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// A `Promise` of `work`'s result, converted by `out`. When `signal` aborts first, the work's
/// future is dropped (which cancels the core's call, the `fetch` under it included) and the
/// promise rejects with the signal's reason.
///
/// Only this adapter is generic; the racing against the signal and the handover to
/// JavaScript are [`erased`], compiled once however many routes there are (the module's size).
pub(crate) fn promise<T, F, O>(signal: Option<JsValue>, work: F, out: O) -> Promise
where
    T: 'static,
    F: Future<Output = jiga::Result<T>> + 'static,
    O: FnOnce(T) -> Result<JsValue, JsValue> + 'static,
{
    erased(
        signal,
        Box::pin(async move {
            match work.await {
                Ok(v) => out(v),
                Err(e) => Err(to_js(&e)),
            }
        }),
    )
}

/// [`promise`] for work already converted to JavaScript values.
pub(crate) fn erased(signal: Option<JsValue>, work: Work) -> Promise {
    let signal = signal.filter(|s| !s.is_undefined() && !s.is_null());
    future_to_promise(async move {
        match signal {
            None => work.await,
            Some(signal) => {
                let aborted = JsFuture::from(abort_promise(&signal));
                match select(work, aborted).await {
                    Either::Left((r, _)) => r,
                    Either::Right((reason, _)) => Err(reason.unwrap_or_else(|e| e)),
                }
            }
        }
    })
}
