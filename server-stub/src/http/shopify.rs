//! `POST /v1/webhooks/payments/shopify` (contract v1.2): Shopify's signed `orders/paid`
//! webhook completes a `provider: "shopify"` top-up.
//!
//! The same bounded-cost rules as the Stripe webhook: the body is read under the 1 MiB limit,
//! the signature header is bounded and checked (one HMAC, a constant-time comparison) before
//! the body is parsed, and the crediting is keyed by the top-up, so the money comes in once
//! however often, and however concurrently, Shopify delivers the order.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, Mac};
use jiga::model::TopupProvider;
use jiga::wire::header::{SHOPIFY_HMAC, SHOPIFY_TOPIC, SHOPIFY_WEBHOOK_ID};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::extract::{RawBody, parse_json};
use super::wallet::credit_from_webhook;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The longest `X-Shopify-Hmac-Sha256` header taken: one standard base64 value of a 32-byte
/// HMAC is 44 characters.
pub const MAX_HMAC_HEADER: usize = 44;
/// The longest `X-Shopify-Webhook-Id` taken (Shopify's are UUIDs).
pub const MAX_WEBHOOK_ID: usize = 255;
/// The one topic that credits a top-up.
pub const ORDERS_PAID: &str = "orders/paid";

/// The names the contract gives the headers in `details.field`.
const HMAC_FIELD: &str = "X-Shopify-Hmac-Sha256";
const TOPIC_FIELD: &str = "X-Shopify-Topic";
const ID_FIELD: &str = "X-Shopify-Webhook-Id";

fn header<'h>(headers: &'h HeaderMap, name: &str, field: &'static str) -> AppResult<&'h str> {
    headers
        .get(name)
        .ok_or_else(|| AppError::invalid(field, format!("missing '{field}' header")))?
        .to_str()
        .map_err(|_| AppError::invalid(field, format!("header '{field}' is not ASCII")))
}

/// Decodes the signature header: exactly one base64 HMAC-SHA256, bounded before decoding.
///
/// # Errors
/// `invalid_argument` naming `X-Shopify-Hmac-Sha256` for anything else.
pub fn parse_shopify_hmac(value: &str) -> AppResult<[u8; 32]> {
    let bad = |why: &str| AppError::invalid(HMAC_FIELD, format!("header '{HMAC_FIELD}': {why}"));
    let value = value.trim();
    if value.len() > MAX_HMAC_HEADER {
        return Err(bad("longer than one base64 HMAC-SHA256 (44 characters)"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| bad("not base64"))?;
    bytes
        .try_into()
        .map_err(|_| bad("not the base64 of a 32-byte HMAC-SHA256"))
}

/// `POST /v1/webhooks/payments/shopify`.
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<(StatusCode, axum::Json<serde_json::Value>)> {
    let secret = state.config.shopify_webhook_secret.clone().ok_or_else(|| {
        AppError::invalid(
            HMAC_FIELD,
            "webhooks are not configured on this server (no --shopify-webhook-secret)",
        )
    })?;
    let given = parse_shopify_hmac(header(&headers, SHOPIFY_HMAC, HMAC_FIELD)?)?;
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return Err(AppError::internal("webhook secret unusable as an HMAC key"));
    };
    mac.update(&body);
    let expected = mac.finalize().into_bytes();
    if !bool::from(given.ct_eq(&expected[..])) {
        return Err(AppError::invalid(
            HMAC_FIELD,
            "webhook signature does not match",
        ));
    }
    // Only a signed request is read further.
    let delivery = match headers.get(SHOPIFY_WEBHOOK_ID) {
        None => None,
        Some(_) => {
            let id = header(&headers, SHOPIFY_WEBHOOK_ID, ID_FIELD)?.trim();
            if id.is_empty() || id.len() > MAX_WEBHOOK_ID {
                return Err(AppError::invalid(
                    ID_FIELD,
                    format!("header '{ID_FIELD}' must be 1..={MAX_WEBHOOK_ID} characters"),
                ));
            }
            Some(format!("shopify:{id}"))
        }
    };
    if header(&headers, SHOPIFY_TOPIC, TOPIC_FIELD)?.trim() != ORDERS_PAID {
        return Ok((
            StatusCode::OK,
            axum::Json(json!({"received": true, "handled": false})),
        ));
    }
    let order: serde_json::Value = parse_json(&body)?;
    let topup_id = order
        .get("note_attributes")
        .and_then(|a| a.as_array())
        .and_then(|attrs| {
            attrs
                .iter()
                .find(|a| a.get("name").and_then(|n| n.as_str()) == Some("topupId"))
        })
        .and_then(|a| a.get("value"))
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            AppError::invalid(
                "note_attributes",
                "field 'note_attributes' has no attribute named 'topupId' with a string value",
            )
        })?
        .to_owned();
    credit_from_webhook(
        &state,
        TopupProvider::Shopify,
        topup_id,
        delivery,
        "note_attributes",
    )
    .await?;
    Ok((
        StatusCode::OK,
        axum::Json(json!({"received": true, "handled": true})),
    ))
}
