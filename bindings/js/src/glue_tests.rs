//! `#[wasm_bindgen_test]`s of the glue, in Node and headless Chromium
//! (`tests/run.sh` runs them under wasm-bindgen-test-runner): the seam's pieces and the
//! conversions, without a server.

use std::time::Duration;

use jiga::client::{Timer, TokenStore};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::convert::{parse, promise};
use crate::errors::to_js;
use crate::platform::{JsTimer, JsTokenStore};

fn get(v: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen_test]
fn an_error_record_carries_the_flat_view() {
    let e = jiga::Error::InsufficientFunds {
        needed: Some(jiga::Dof::new(500)),
        available: Some(jiga::Dof::new(20)),
        message: "not enough".into(),
        request_id: Some("req_1".into()),
    };
    let r = to_js(&e);
    assert_eq!(
        get(&r, "jigaKind").as_string().as_deref(),
        Some("insufficient_funds")
    );
    assert_eq!(get(&r, "needed").as_f64(), Some(500.0));
    assert_eq!(get(&r, "available").as_f64(), Some(20.0));
    assert_eq!(get(&r, "status").as_f64(), Some(402.0));
    assert_eq!(get(&r, "requestId").as_string().as_deref(), Some("req_1"));
}

#[wasm_bindgen_test]
fn json_that_is_not_the_cores_names_the_argument() {
    let e = parse::<jiga::client::SearchParams>("params", r#"{"pricemax": 5}"#)
        .expect_err("unknown member");
    assert_eq!(e.field(), Some("params"));
}

#[wasm_bindgen_test]
async fn the_timer_sleeps_and_its_clocks_move() {
    let t = JsTimer;
    let (m0, w0) = (t.now(), t.wall_clock());
    t.sleep(Duration::from_millis(30)).await;
    assert!(t.now() - m0 >= Duration::from_millis(25));
    assert!(t.wall_clock() > w0);
}

#[wasm_bindgen_test]
async fn an_aborted_signal_rejects_with_its_reason_and_drops_the_work() {
    let ctl = web_abort_controller();
    let signal = get(&ctl, "signal");
    let p = promise(
        Some(signal),
        async {
            JsTimer.sleep(Duration::from_secs(60)).await;
            Ok::<_, jiga::Error>(1)
        },
        |v| Ok(JsValue::from(v)),
    );
    let abort: js_sys::Function = get(&ctl, "abort").dyn_into().expect("abort()");
    abort
        .call1(&ctl, &JsValue::from_str("gone"))
        .expect("abort");
    let r = JsFuture::from(p).await.expect_err("rejected");
    assert_eq!(r.as_string().as_deref(), Some("gone"));
}

#[wasm_bindgen_test]
fn the_token_store_round_trips_through_the_hook() {
    let saved = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
    let (s1, s2) = (saved.clone(), saved.clone());
    let load = Closure::<dyn Fn() -> JsValue>::new(move || {
        s1.borrow()
            .clone()
            .map_or(JsValue::NULL, |s| JsValue::from_str(&s))
    });
    let save = Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| *s2.borrow_mut() = v.as_string());
    let store = JsTokenStore {
        load: load.as_ref().clone().unchecked_into(),
        save: save.as_ref().clone().unchecked_into(),
    };
    assert!(store.load().is_none());
    let tokens: jiga::client::Tokens = serde_json::from_str(
        r#"{"userId":"usr_1","accessToken":"a","refreshToken":"r","obtainedAt":{"secs_since_epoch":1,"nanos_since_epoch":0},"expiresAt":{"secs_since_epoch":901,"nanos_since_epoch":0}}"#,
    )
    .expect("tokens");
    store.save(Some(&tokens));
    assert!(
        saved
            .borrow()
            .as_deref()
            .is_some_and(|s| s.contains("usr_1"))
    );
    assert_eq!(store.load().map(|t| t.user_id), Some("usr_1".to_owned()));
    store.save(None);
    assert!(saved.borrow().is_none());
}

#[wasm_bindgen(
    inline_js = "export function webAbortController() { return new AbortController(); }"
)]
extern "C" {
    #[wasm_bindgen(js_name = webAbortController)]
    fn web_abort_controller() -> JsValue;
}
