//! `/v1/wallet/*`: wallet, transactions, top-ups and their idempotency.

use futures_util::TryStreamExt;
use jiga::client::{IdempotencyKey, PageRequest, TransactionFilter};
use jiga::model::{TopupProvider, TopupRequest, TopupStatus, TransactionType};
use jiga::{Dof, Error};

use crate::common::Harness;

fn dev(amount: i64) -> TopupRequest {
    TopupRequest {
        amount: Dof::new(amount),
        provider: TopupProvider::Dev,
    }
}

#[tokio::test]
async fn topups_credit_the_wallet_and_show_in_transactions() {
    let h = Harness::start().await;
    let c = h.user().await;
    assert_eq!(c.wallet().await.expect("wallet").available, Dof::ZERO);
    let t = c.topup(&dev(500)).await.expect("topup");
    assert_eq!(
        (t.amount, t.status),
        (Dof::new(500), TopupStatus::Completed)
    );
    c.topup(&dev(20)).await.expect("topup");
    let w = c.wallet().await.expect("wallet");
    assert_eq!(
        (w.balance, w.available, w.held),
        (Dof::new(520), Dof::new(520), Dof::ZERO)
    );

    let page = c
        .transactions(&TransactionFilter {
            kind: Some(TransactionType::Topup),
            page: PageRequest::new().limit(1),
        })
        .await
        .expect("transactions");
    assert_eq!(page.items.len(), 1);
    assert!(page.next_cursor.is_some());
    let all: Vec<_> = c
        .transactions_stream(TransactionFilter {
            kind: None,
            page: PageRequest::new().limit(1),
        })
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(all.len(), 2);

    let stripe = c
        .topup(&TopupRequest {
            amount: Dof::new(7),
            provider: TopupProvider::Stripe,
        })
        .await
        .expect("stripe");
    assert_eq!(stripe.status, TopupStatus::Pending);
}

#[tokio::test]
async fn the_same_key_has_one_effect_and_a_different_body_conflicts() {
    let h = Harness::start().await;
    let c = h.user().await;
    let key = IdempotencyKey::generate();
    let a = c
        .topup_with_key(&dev(100), key.clone())
        .await
        .expect("first");
    let b = c
        .topup_with_key(&dev(100), key.clone())
        .await
        .expect("replay");
    assert_eq!(a.id, b.id);
    assert_eq!(c.wallet().await.expect("wallet").available, Dof::new(100));
    let e = c
        .topup_with_key(&dev(101), key)
        .await
        .expect_err("other body");
    assert!(matches!(e, Error::IdempotencyConflict { .. }), "{e:?}");
}

#[tokio::test]
async fn out_of_range_topups_are_refused_locally() {
    let h = Harness::start().await;
    let c = h.user().await;
    for amount in [0, 1_000_001] {
        let e = c.topup(&dev(amount)).await.expect_err("range");
        assert!(
            matches!(&e, Error::InvalidArgument { field: Some(f), request_id: None, .. } if f == "amount"),
            "{e:?}"
        );
    }
}
