//! Sign-in, token refresh (single flight, on 401), revocation and the token store.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jiga::Error;
use jiga::client::TokenStore;
use jiga::model::RegisterRequest;

use crate::common::{CountingStore, Harness, unique};

fn register_req(email: &str) -> RegisterRequest {
    RegisterRequest {
        email: email.into(),
        password: "correct horse".into(),
        display_name: "Ann".into(),
    }
}

#[tokio::test]
async fn register_login_and_sign_out() {
    let h = Harness::start().await;
    let email = format!("{}@example.com", unique("ann"));
    let c = h.client();
    let user = c.register(&register_req(&email)).await.expect("register");
    assert_eq!(user.email.as_deref(), Some(email.as_str()));
    assert!(c.is_signed_in());
    assert_eq!(c.me().await.expect("me").user.id, user.id);

    let again = h.client().register(&register_req(&email)).await;
    assert!(
        matches!(
            again,
            Err(Error::Conflict {
                request_id: Some(_),
                ..
            })
        ),
        "{again:?}"
    );

    let other = h.client();
    let wrong = other.login(&email, "wrong password").await;
    assert!(
        matches!(wrong, Err(Error::Unauthenticated { .. })),
        "{wrong:?}"
    );
    let logged = other.login(&email, "correct horse").await.expect("login");
    assert_eq!(logged.id, user.id);

    c.sign_out();
    assert!(!c.is_signed_in());
    let e = c.me().await.expect_err("signed out");
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert_eq!(e.status(), Some(401));
}

#[tokio::test]
async fn bad_input_is_refused_before_any_round_trip() {
    let h = Harness::start().await;
    let mut req = register_req("a@b.c");
    req.password = "short".into();
    let e = h.client().register(&req).await.expect_err("short password");
    assert!(
        matches!(&e, Error::InvalidArgument { field: Some(f), request_id: None, .. } if f == "password"),
        "{e:?}"
    );
    let e = h
        .client()
        .sign_in_device("")
        .await
        .expect_err("empty device");
    assert!(matches!(e, Error::InvalidArgument { .. }));
}

#[tokio::test]
async fn device_sign_in_is_stable_and_refresh_rotates_tokens() {
    let h = Harness::start().await;
    let device = unique("dev");
    let a = h.client();
    let first = a.sign_in_device(&device).await.expect("sign in");
    let again = h.client().sign_in_device(&device).await.expect("sign in");
    assert_eq!(first.id, again.id);
    let before = a.tokens().expect("tokens");
    a.refresh().await.expect("refresh");
    let after = a.tokens().expect("tokens");
    assert_ne!(before.refresh_token, after.refresh_token);
    assert_eq!(a.me().await.expect("me").user.id, first.id);
}

#[tokio::test]
async fn a_hundred_concurrent_calls_across_expiry_cause_one_refresh() {
    let h = Harness::start_with(|c| c.access_token_ttl = 1).await;
    let store = Arc::new(CountingStore::default());
    let c = h.client_at(&h.url, store.clone());
    c.sign_in_device(&unique("dev")).await.expect("sign in");
    assert_eq!(store.saves(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let calls = (0..100).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.wallet().await })
    });
    for r in futures_util::future::join_all(calls).await {
        r.expect("task").expect("call succeeds");
    }
    assert_eq!(store.saves(), 2, "exactly one refresh");
}

#[tokio::test]
async fn a_401_is_retried_once_after_a_refresh() {
    let h = Harness::start_with(|c| c.access_token_ttl = 1).await;
    let a = h.client();
    let user = a.sign_in_device(&unique("dev")).await.expect("sign in");
    // Tokens that the client believes fresh but the server has expired.
    let mut tokens = a.tokens().expect("tokens");
    tokens.expires_at = SystemTime::now() + Duration::from_secs(3600);
    let store = Arc::new(CountingStore::with(Some(tokens)));
    let b = h.client_at(&h.url, store.clone());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(b.me().await.expect("me after refresh").user.id, user.id);
    assert_eq!(store.saves(), 1, "one refresh");
}

#[tokio::test]
async fn a_revoked_refresh_token_is_unauthenticated() {
    let h = Harness::start().await;
    let a = h.client();
    a.sign_in_device(&unique("dev")).await.expect("sign in");
    let old = a.tokens().expect("tokens");
    a.refresh().await.expect("rotates");
    // Presenting the used refresh token again is theft: the whole login is revoked.
    let store = Arc::new(CountingStore::with(Some(old)));
    let thief = h.client_at(&h.url, store.clone());
    let e = thief.refresh().await.expect_err("reused refresh token");
    assert!(
        matches!(
            e,
            Error::Unauthenticated {
                request_id: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!thief.is_signed_in());
    assert!(store.load().is_none());
    let e = a.refresh().await.expect_err("family revoked");
    assert!(matches!(e, Error::Unauthenticated { .. }), "{e:?}");
    assert!(matches!(a.me().await, Err(Error::Unauthenticated { .. })));
}
