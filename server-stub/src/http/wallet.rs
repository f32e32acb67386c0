//! `/v1/wallet/*` and the Stripe webhook (the Shopify one is in `shopify.rs`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiga::Timestamp;
use jiga::model::{
    Page, Topup, TopupProvider, TopupRequest, TopupStatus, Transaction, TransactionType, Wallet,
};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use serde_json::json;

use super::extract::{IdemRequest, Query, RawBody, parse_json};
use super::idem;
use crate::auth::AuthUser;
use crate::cursor::PageParams;
use crate::db::idempotency::run_stored;
use crate::db::ledger::{self, account};
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, now_millis};
use crate::state::AppState;

/// `GET /v1/wallet`.
pub async fn get(State(state): State<AppState>, user: AuthUser) -> AppResult<axum::Json<Wallet>> {
    Ok(axum::Json(
        state.db.read(move |c| ledger::wallet(c, &user.id)).await?,
    ))
}

/// Query of `GET /v1/wallet/transactions`.
#[derive(Deserialize)]
pub struct TxQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// `GET /v1/wallet/transactions`.
pub async fn transactions(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<TxQuery>,
) -> AppResult<axum::Json<Page<Transaction>>> {
    let page = q.page.parse()?;
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(k.parse::<TransactionType>().map_err(|e| {
            AppError::invalid("type", format!("query parameter 'type': {}", e.message))
        })?),
    };
    Ok(axum::Json(
        state
            .db
            .read(move |c| ledger::list_for_user(c, &user.id, kind, page))
            .await?,
    ))
}

fn topup_of(
    id: String,
    amount: i64,
    provider: TopupProvider,
    status: TopupStatus,
    created: i64,
) -> AppResult<Topup> {
    Ok(Topup {
        id,
        amount: amount.into(),
        provider,
        status,
        created_at: Timestamp::from_unix_millis(created)
            .ok_or_else(|| AppError::internal("timestamp"))?,
    })
}

fn credit(
    tx: &rusqlite::Connection,
    topup_id: &str,
    user_id: &str,
    amount: i64,
    provider: TopupProvider,
    now: i64,
) -> AppResult<()> {
    ledger::post(
        tx,
        TransactionType::Topup,
        &[
            (&account::external(provider.as_str()), -amount),
            (&account::available(user_id), amount),
        ],
        &json!({"topupId": topup_id, "provider": provider}),
        now,
    )?;
    tx.prepare_cached("UPDATE topups SET status = 'completed' WHERE id = ?1")?
        .execute([topup_id])?;
    Ok(())
}

/// `POST /v1/wallet/topups`.
pub async fn topup(
    State(state): State<AppState>,
    user: AuthUser,
    idem_req: IdemRequest,
) -> AppResult<Response> {
    let st = state.clone();
    let uid = user.id.clone();
    idem::run(&state, &user, idem_req, move |ik, body| async move {
        let req = match parse_json::<TopupRequest>(&body).and_then(|r| r.validate().map(|()| r).map_err(AppError::from)) {
            Ok(r) => r,
            Err(e) => return idem::refuse(&st, ik, e).await,
        };
        let now = now_millis();
        let (stored, event) = st
            .db
            .write(move |tx| {
                let mut completed = None;
                run_stored(tx, &ik, 201, now, |tx| {
                    let id = new_id("top");
                    let status = if req.provider == TopupProvider::Dev { TopupStatus::Completed } else { TopupStatus::Pending };
                    tx.prepare_cached("INSERT INTO topups (id, user_id, amount, provider, status, created_at) VALUES (?1, ?2, ?3, ?4, 'pending', ?5)")?
                        .execute(params![id, uid, req.amount.get(), req.provider.as_str(), now])?;
                    crate::db::outbox::record(tx, "transaction.initiated", json!({"topupId": id, "amount": req.amount.get(), "provider": req.provider.as_str()}), &[], now)?;
                    if status == TopupStatus::Completed {
                        credit(tx, &id, &uid, req.amount.get(), req.provider, now)?;
                        completed = Some(completed_event(tx, &uid, &id, req.amount.get(), now)?);
                    }
                    topup_of(id, req.amount.get(), req.provider, status, now)
                })
                .map(|(stored, _)| (stored, completed))
            })
            .await?;
        st.notifier.send_all(&event);
        Ok(stored)
    })
    .await
}

/// Records `transaction.completed {topupId, amount}` for a credited top-up, in the crediting
/// job.
fn completed_event(
    tx: &rusqlite::Connection,
    user_id: &str,
    topup_id: &str,
    amount: i64,
    now: i64,
) -> Result<crate::db::outbox::Recorded, crate::db::DbError> {
    crate::db::outbox::record(
        tx,
        "transaction.completed",
        json!({"topupId": topup_id, "amount": amount}),
        &[user_id],
        now,
    )
}

/// Credits a pending top-up of `provider` that a verified webhook names, exactly once: the
/// check and the credit run in one writer job, and crediting is keyed by the top-up, so however
/// often (and however concurrently) the event, or another event for the same top-up, arrives,
/// the money comes in once. `delivery` (the provider's event or delivery id) is recorded for
/// the audit trail. A top-up of another provider, or one already completed, is left alone.
/// Returns whether this call credited it.
///
/// # Errors
/// `invalid_argument` naming `field` for an unknown top-up; storage failures.
pub(super) async fn credit_from_webhook(
    state: &AppState,
    provider: TopupProvider,
    topup_id: String,
    delivery: Option<String>,
    field: &'static str,
) -> AppResult<bool> {
    let now = now_millis();
    let credited = state
        .db
        .write(move |tx| {
            let row = tx
                .prepare_cached(
                    "SELECT user_id, amount, status, provider FROM topups WHERE id = ?1",
                )?
                .query_row([&topup_id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .optional()?;
            let Some((user_id, amount, status, stored_provider)) = row else {
                return Err(AppError::invalid(
                    field,
                    format!("webhook names unknown top-up '{topup_id}'"),
                ));
            };
            if let Some(delivery) = &delivery {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO webhook_events (id, received_at) VALUES (?1, ?2)",
                )?
                .execute(params![delivery, now])?;
            }
            if status == "completed" || stored_provider != provider.as_str() {
                return Ok(None);
            }
            credit(tx, &topup_id, &user_id, amount, provider, now)?;
            Ok(Some(completed_event(tx, &user_id, &topup_id, amount, now)?))
        })
        .await?;
    let Some(event) = credited else {
        return Ok(false);
    };
    state.notifier.send(&event);
    Ok(true)
}

/// Events older or newer than this (seconds) are refused.
const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// The most `v1=` entries a `Stripe-Signature` header may carry (the contract's Limits).
pub const MAX_SIGNATURES: usize = 8;

/// Parses `t=<unix>,v1=<64 hex>,...`: at most [`MAX_SIGNATURES`] `v1` entries, each exactly 32
/// bytes of hex; other keys (Stripe's `v0`) are ignored. Bounded before any HMAC is computed,
/// so a header of thousands of entries costs one pass over it.
///
/// # Errors
/// `invalid_argument` naming `Stripe-Signature` for a missing `t`, too many `v1` entries or an
/// entry that is not 64 hex characters.
pub fn parse_stripe_signature(header: &str) -> AppResult<(i64, Vec<[u8; 32]>)> {
    let bad = |why: String| {
        AppError::invalid(
            "Stripe-Signature",
            format!("header 'Stripe-Signature': {why}"),
        )
    };
    let (mut t, mut v1s) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => {
                if v1s.len() == MAX_SIGNATURES {
                    return Err(bad(format!("more than {MAX_SIGNATURES} v1 entries")));
                }
                let mut sig = [0u8; 32];
                if v.len() != 64 || hex::decode_to_slice(v, &mut sig).is_err() {
                    let shown: String = v.chars().take(70).collect();
                    return Err(bad(format!("v1 entry '{shown}' is not 64 hex characters")));
                }
                v1s.push(sig);
            }
            _ => {}
        }
    }
    let t = t.ok_or_else(|| bad("no valid t=".into()))?;
    Ok((t, v1s))
}

/// `POST /v1/webhooks/payments/stripe`.
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<(StatusCode, axum::Json<serde_json::Value>)> {
    let secret = state.config.stripe_webhook_secret.clone().ok_or_else(|| {
        AppError::invalid(
            "Stripe-Signature",
            "webhooks are not configured on this server (no --stripe-webhook-secret)",
        )
    })?;
    let sig = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            AppError::invalid("Stripe-Signature", "missing 'Stripe-Signature' header")
        })?;
    let (t, v1s) = parse_stripe_signature(sig)?;
    if (chrono::Utc::now().timestamp() - t).abs() > WEBHOOK_TOLERANCE_SECS {
        return Err(AppError::invalid(
            "Stripe-Signature",
            "webhook timestamp is more than 300 s away from the server's clock",
        ));
    }
    // Stripe signs as the store signs its own webhooks: one HMAC over the body, whatever the
    // number of entries, each compared in constant time.
    let header = jiga::webhook::SignatureHeader {
        timestamp: t,
        signatures: v1s,
    };
    if !header.matches(&secret, &body) {
        return Err(AppError::invalid(
            "Stripe-Signature",
            "webhook signature does not match",
        ));
    }
    let event: serde_json::Value = parse_json(&body)?;
    let event_id = event
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    if event.get("type").and_then(|v| v.as_str()) != Some("payment_intent.succeeded") {
        return Ok((
            StatusCode::OK,
            axum::Json(json!({"received": true, "handled": false})),
        ));
    }
    let topup_id = event
        .pointer("/data/object/metadata/topupId")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            AppError::invalid(
                "data.object.metadata.topupId",
                "field 'data.object.metadata.topupId' is missing",
            )
        })?
        .to_owned();
    credit_from_webhook(
        &state,
        TopupProvider::Stripe,
        topup_id,
        (!event_id.is_empty()).then_some(event_id),
        "data.object.metadata.topupId",
    )
    .await?;
    Ok((
        StatusCode::OK,
        axum::Json(json!({"received": true, "handled": true})),
    ))
}
