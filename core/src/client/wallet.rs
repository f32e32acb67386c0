//! `/v1/wallet/*`: the wallet, its ledger transactions and top-ups.

use std::sync::Arc;

use super::Client;
use super::error::Result;
use super::http::Req;
use super::idempotency::IdempotencyKey;
use super::pagination::{PageRequest, TransactionPages};
use super::transport::BoxStream;
use crate::model::{Page, Topup, TopupRequest, Transaction, TransactionType, Wallet};

/// The query of `GET /v1/wallet/transactions`. As JSON: `{"type": "hire_hold", "limit": 20,
/// "cursor": "…"}`, every member optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "TransactionFilterJson")]
pub struct TransactionFilter {
    /// Only transactions of this type.
    pub kind: Option<TransactionType>,
    /// Which page.
    pub page: PageRequest,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TransactionFilterJson {
    #[serde(rename = "type")]
    kind: Option<TransactionType>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl From<TransactionFilterJson> for TransactionFilter {
    fn from(j: TransactionFilterJson) -> Self {
        TransactionFilter {
            kind: j.kind,
            page: PageRequest {
                limit: j.limit,
                cursor: j.cursor,
            },
        }
    }
}

impl Client {
    /// The caller's wallet (`GET /v1/wallet`).
    ///
    /// # Errors
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated), transport errors.
    pub async fn wallet(&self) -> Result<Wallet> {
        self.call(Req::get("/v1/wallet")).await
    }

    /// One page of the caller's transactions, newest first (`GET /v1/wallet/transactions`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for a bad page request,
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn transactions(&self, filter: &TransactionFilter) -> Result<Page<Transaction>> {
        let req =
            Req::get("/v1/wallet/transactions").query_opt(crate::wire::query::TYPE, filter.kind);
        self.call(filter.page.apply(req)).await
    }

    /// The transactions matching `filter`, page by page.
    pub fn transaction_pages(&self, filter: TransactionFilter) -> TransactionPages {
        let client = self.clone();
        let first = filter.page.clone();
        TransactionPages::new(
            first,
            Arc::new(move |page| {
                let client = client.clone();
                let filter = TransactionFilter {
                    kind: filter.kind,
                    page,
                };
                Box::pin(async move { client.transactions(&filter).await })
            }),
        )
    }

    /// Every transaction matching `filter`, across pages.
    pub fn transactions_stream(
        &self,
        filter: TransactionFilter,
    ) -> BoxStream<'static, Result<Transaction>> {
        self.transaction_pages(filter).into_items()
    }

    /// Tops the wallet up (`POST /v1/wallet/topups`), under a fresh idempotency key reused by
    /// every retry of this call. Provider `dev` completes at once; `stripe` stays pending until
    /// the payment webhook confirms it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for an amount outside
    /// 1..=1 000 000 (checked before sending), [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn topup(&self, req: &TopupRequest) -> Result<Topup> {
        self.topup_with_key(req, IdempotencyKey::generate()).await
    }

    /// [`Client::topup`] under an idempotency key the application chose (and perhaps
    /// persisted): the same key and request never credit twice.
    ///
    /// # Errors
    /// As [`Client::topup`], plus [`Error::IdempotencyConflict`](super::Error::IdempotencyConflict)
    /// when `key` was used for a different request.
    pub async fn topup_with_key(&self, req: &TopupRequest, key: IdempotencyKey) -> Result<Topup> {
        req.validate()?;
        self.call(Req::post("/v1/wallet/topups").json(req)?.idempotent(key))
            .await
    }
}
