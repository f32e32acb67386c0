//! The flat error view against the real server: each kind a caller can provoke comes back
//! with its `ErrorKind`, the contract's code, the HTTP status, the request id and the
//! `details` members, read from `details` and never from the message.

use std::time::Duration;

use jiga::client::{IdempotencyKey, PageRequest, RetryPolicy, SearchParams};
use jiga::model::{TopupProvider, TopupRequest};
use jiga::{Dof, Error, ErrorKind};

use crate::common::{Harness, hire, unique};

fn assert_server_error(e: &Error, kind: ErrorKind, status: u16, code: &str) {
    assert_eq!(e.kind(), kind, "{e:?}");
    assert_eq!(e.status(), Some(status), "{e:?}");
    assert_eq!(e.code().map(|c| c.as_str()), Some(code), "{e:?}");
    assert!(
        e.request_id().is_some_and(|r| r.starts_with("req_")),
        "{e:?}"
    );
    assert!(!e.message().is_empty());
}

#[tokio::test]
async fn every_error_kind_carries_code_status_request_id_and_details() {
    let h = Harness::start().await;
    let (owner, agent) = h.published_agent(|_| {}).await;
    let poor = h.funded(40).await;

    let e = poor.hire(&hire(&agent.id, 100)).await.expect_err("402");
    assert_server_error(&e, ErrorKind::InsufficientFunds, 402, "insufficient_funds");
    assert_eq!(
        (e.needed(), e.available()),
        (Some(Dof::new(100)), Some(Dof::new(40)))
    );

    let e = poor.agent(&unique("agt")).await.expect_err("404");
    assert_server_error(&e, ErrorKind::NotFound, 404, "not_found");

    let e = owner.hire(&hire(&agent.id, 100)).await.expect_err("403");
    assert_server_error(&e, ErrorKind::Forbidden, 403, "forbidden");

    // The price the hirer saw is not the agent's price: refused, nothing held.
    let mut stale = hire(&agent.id, 30);
    stale.expected_pricing = Some(jiga::model::Pricing {
        per_minute: agent
            .pricing
            .per_minute
            .checked_sub(Dof::new(1))
            .expect("dof"),
        per_action: agent.pricing.per_action,
    });
    let e = poor.hire(&stale).await.expect_err("409");
    assert_server_error(&e, ErrorKind::Conflict, 409, "conflict");
    assert_eq!(poor.wallet().await.expect("wallet").held, Dof::ZERO);

    // A limit the client passes through; the server names the field in `details`.
    let e = poor
        .search(&SearchParams::new().limit(0))
        .await
        .expect_err("400");
    assert_server_error(&e, ErrorKind::InvalidArgument, 400, "invalid_argument");
    assert_eq!(e.field(), Some("limit"));
    let e = poor
        .my_agents(&PageRequest::new().limit(101))
        .await
        .expect_err("400");
    assert_eq!(e.field(), Some("limit"));

    let key = IdempotencyKey::new(unique("key")).expect("key");
    let topup = |amount| TopupRequest {
        amount: Dof::new(amount),
        provider: TopupProvider::Dev,
    };
    poor.topup_with_key(&topup(5), key.clone())
        .await
        .expect("first use of the key");
    let e = poor.topup_with_key(&topup(6), key).await.expect_err("409");
    assert_server_error(
        &e,
        ErrorKind::IdempotencyConflict,
        409,
        "idempotency_conflict",
    );

    let e = poor
        .login(
            &format!("{}@example.com", unique("nobody")),
            "wrong-password",
        )
        .await
        .expect_err("401");
    assert_server_error(&e, ErrorKind::Unauthenticated, 401, "unauthenticated");
}

#[tokio::test]
async fn rate_limited_carries_retry_after_from_details_and_header() {
    let h = Harness::start_with(|c| c.rate_limit_anonymous = 3).await;
    let client = jiga::Client::builder()
        .base_url(&h.url)
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let mut limited = None;
    for _ in 0..10 {
        if let Err(e) = client.categories().await {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("the fourth anonymous call is refused");
    assert_server_error(&e, ErrorKind::RateLimited, 429, "rate_limited");
    let after = e.retry_after().expect("retry after");
    assert!(
        after >= Duration::from_secs(1) && after <= Duration::from_secs(60),
        "{after:?}"
    );
}
