//! Paginators: handles over the core's named paginators. `jiga_paginator_next` queues the
//! next page (JSON `null` after the last one); the paging loop is the core's.

use std::ffi::c_char;

use jiga::client::{SearchPages, TransactionFilter, TransactionPages};
use jiga::model::TransactionType;
use serde::Deserialize;

use crate::calls::{PageJson, SearchJson};
use crate::runtime::with_lib;
use crate::status::{JIGA_OK, Res, guard};
use crate::strings::{arg_json, out_ptr};

pub(crate) enum Pager {
    Search(SearchPages),
    Transactions(TransactionPages),
}

pub(crate) struct PagerEntry {
    pub(crate) client: u64,
    pager: Pager,
}

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

/// A paginator over every page of a search (`params_json` as for `jiga_search`); writes its
/// handle to `*out_pager`. Free it with `jiga_paginator_free`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_search_pages(
    client: u64,
    params_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let params = arg_json::<SearchJson>(params_json, "params_json")?.into_params();
        Ok(Pager::Search(c.search_pages(params)))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TransactionsJson {
    #[serde(rename = "type")]
    kind: Option<TransactionType>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A paginator over the caller's transactions, newest first. `filter_json`: `type`, `limit`,
/// `cursor`, all optional (NULL means none).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_transaction_pages(
    client: u64,
    filter_json: *const c_char,
    out_pager: *mut u64,
) -> i32 {
    open(client, out_pager, |c| {
        let f: Option<TransactionsJson> = if filter_json.is_null() {
            None
        } else {
            Some(arg_json(filter_json, "filter_json")?)
        };
        let filter = match f {
            None => TransactionFilter::default(),
            Some(f) => TransactionFilter {
                kind: f.kind,
                page: PageJson {
                    limit: f.limit,
                    cursor: f.cursor,
                }
                .into_page(),
            },
        };
        Ok(Pager::Transactions(c.transaction_pages(filter)))
    })
}

/// Fetches the paginator's next page; the result JSON (in its client's queue) is the page,
/// or `null` after the last page.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_paginator_next(pager: u64, out_op: *mut u64) -> i32 {
    guard(|| {
        let out = out_ptr(out_op, "out_op")?;
        with_lib(|lib| {
            let entry = lib.pagers.get(pager)?;
            let queue = lib.clients.get(entry.client)?.queue.clone();
            *out = match &entry.pager {
                Pager::Search(p) => {
                    let p = p.clone();
                    lib.spawn_op(queue, async move { p.next_page().await })
                }
                Pager::Transactions(p) => {
                    let p = p.clone();
                    lib.spawn_op(queue, async move { p.next_page().await })
                }
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
