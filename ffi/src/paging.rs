//! Paginators: handles over the core's named paginators, one per list route.
//! `jiga_paginator_next` queues the next page (JSON `null` after the last one); the paging
//! loop is the core's.

use std::ffi::c_char;

use jiga::client::{PageRequest, SearchParams, SessionFilter, TransactionFilter};

use crate::entries::{Pager, PagerEntry};
use crate::runtime::with_lib;
use crate::status::{JIGA_OK, Res, guard};
use crate::strings::{arg_str, opt_json, out_ptr};

fn open(client: u64, out: *mut u64, make: impl FnOnce(&jiga::Client) -> Res<Pager>) -> i32 {
    guard(|| {
        let out = out_ptr(out, "out_pager")?;
        with_lib(|lib| {
            let entry = lib.clients.get(client)?;
            let pager = make(&entry.client)?;
            *out = lib.pagers.insert(PagerEntry { client, pager });
            Ok(JIGA_OK)
        })
    })
}

/// A paginator over every page of a search (`params_json` as for `jiga_search`, NULL for
/// none); writes its handle to `*out_pager`. Free it with `jiga_paginator_free`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_search_pages(
    client: u64,
    params_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let params: SearchParams = opt_json(params_json, "params_json")?;
        Ok(Pager::Search(c.search_pages(params)))
    })
}

/// A paginator over the caller's transactions, newest first (`filter_json` as for
/// `jiga_transactions`, NULL for none).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_transaction_pages(
    client: u64,
    filter_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let filter: TransactionFilter = opt_json(filter_json, "filter_json")?;
        Ok(Pager::Transactions(c.transaction_pages(filter)))
    })
}

/// A paginator over the caller's sessions (`filter_json` as for `jiga_sessions`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_pages(
    client: u64,
    filter_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let filter: SessionFilter = opt_json(filter_json, "filter_json")?;
        Ok(Pager::Sessions(c.session_pages(filter)))
    })
}

/// A paginator over the caller's own agents (`page_json`: the first page's `limit`, `cursor`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_my_agent_pages(
    client: u64,
    page_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let first: PageRequest = opt_json(page_json, "page_json")?;
        Ok(Pager::MyAgents(c.my_agent_pages(first)))
    })
}

/// A paginator over an agent's versions (`page_json` as for `jiga_my_agent_pages`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent_version_pages(
    client: u64,
    agent_id: *const c_char,
    page_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let id = arg_str(agent_id, "agent_id")?;
        let first: PageRequest = opt_json(page_json, "page_json")?;
        Ok(Pager::Versions(c.agent_version_pages(id, first)))
    })
}

/// A paginator over an agent's reviews (`page_json` as for `jiga_my_agent_pages`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_review_pages(
    client: u64,
    agent_id: *const c_char,
    page_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let id = arg_str(agent_id, "agent_id")?;
        let first: PageRequest = opt_json(page_json, "page_json")?;
        Ok(Pager::Reviews(c.review_pages(id, first)))
    })
}

/// Fetches the paginator's next page; the result JSON (in its client's queue) is the page,
/// or `null` after the last page. A failed page is fetched again by the next call.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_paginator_next(pager: u64, out_op: *mut u64) -> i32 {
    guard(|| {
        let out = out_ptr(out_op, "out_op")?;
        with_lib(|lib| {
            let entry = lib.pagers.get(pager)?;
            let sink = &lib.clients.get(entry.client)?.sink;
            macro_rules! next {
                ($p:expr) => {{
                    let p = $p.clone();
                    lib.spawn_op(sink, async move { p.next_page().await })
                }};
            }
            *out = match &entry.pager {
                Pager::Search(p) => next!(p),
                Pager::MyAgents(p) => next!(p),
                Pager::Versions(p) => next!(p),
                Pager::Reviews(p) => next!(p),
                Pager::Transactions(p) => next!(p),
                Pager::Sessions(p) => next!(p),
            };
            Ok(JIGA_OK)
        })
    })
}

/// Frees a paginator (a page being fetched still arrives).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_paginator_free(pager: u64) -> i32 {
    guard(|| with_lib(|lib| lib.pagers.remove(pager).map(|_| JIGA_OK)))
}
