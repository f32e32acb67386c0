//! `/v1/wallet/*`: the wallet, its transactions, top-ups.

use std::ffi::c_char;

use jiga::client::TransactionFilter;
use jiga::model::TopupRequest;

use crate::runtime::start;
use crate::strings::{arg_json, arg_key, opt_json};

/// The caller's wallet. Result: `Wallet`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_wallet(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.wallet().await })
    })
}

/// One page of the caller's transactions, newest first. `filter_json` (NULL: all): `type`,
/// `limit`, `cursor`. Result: a page of `Transaction`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_transactions(
    client: u64,
    filter_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let filter: TransactionFilter = opt_json(filter_json, "filter_json")?;
        Ok(async move { c.transactions(&filter).await })
    })
}

/// Tops the wallet up with a `TopupRequest` JSON (`amount`, `provider`: `dev` or `stripe`).
/// Result: `Topup`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_topup(client: u64, request_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: TopupRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.topup(&req).await })
    })
}

/// `jiga_topup` under the host's own idempotency key.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_topup_with_key(
    client: u64,
    request_json: *const c_char,
    idempotency_key: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: TopupRequest = arg_json(request_json, "request_json")?;
        let key = arg_key(idempotency_key)?;
        Ok(async move { c.topup_with_key(&req, key).await })
    })
}
