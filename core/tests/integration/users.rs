//! `/v1/users/*`.

use futures_util::TryStreamExt;
use jiga::Error;
use jiga::client::PageRequest;
use jiga::model::UpdateMeRequest;
use serde_json::json;

use crate::common::{Harness, agent_request};

#[tokio::test]
async fn me_update_and_own_user_only() {
    let h = Harness::start().await;
    let c = h.user().await;
    let me = c.me().await.expect("me");
    let updated = c
        .update_me(&UpdateMeRequest {
            display_name: Some("Zed".into()),
            preferences: Some(json!({"volume": 3})),
        })
        .await
        .expect("update");
    assert_eq!(updated.user.display_name, "Zed");
    assert_eq!(updated.preferences["volume"], 3);
    assert_eq!(
        c.user(&me.user.id).await.expect("self").user.display_name,
        "Zed"
    );
    let other = h.user().await.me().await.expect("me").user.id;
    assert!(matches!(c.user(&other).await, Err(Error::Forbidden { .. })));
    let bad = UpdateMeRequest {
        display_name: None,
        preferences: Some(json!([1])),
    };
    assert!(matches!(
        c.update_me(&bad).await,
        Err(Error::InvalidArgument { field: Some(f), .. }) if f == "preferences"
    ));
}

#[tokio::test]
async fn my_agents_pages_and_streams() {
    let h = Harness::start().await;
    let c = h.user().await;
    for i in 0..5 {
        c.create_agent(&agent_request(&format!("A{i}")))
            .await
            .expect("create");
    }
    let page = c
        .my_agents(&PageRequest::new().limit(2))
        .await
        .expect("page");
    assert_eq!(page.items.len(), 2);
    assert!(page.next_cursor.is_some());
    let all: Vec<_> = c
        .my_agents_stream(PageRequest::new().limit(2))
        .try_collect()
        .await
        .expect("all");
    assert_eq!(all.len(), 5);
    let e = c
        .my_agents(&PageRequest::new().limit(0))
        .await
        .expect_err("limit 0");
    assert!(
        matches!(
            e,
            Error::InvalidArgument {
                request_id: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn webhook_set_read_rotate_and_delete() {
    let h = Harness::start_with(|c| c.allow_private_webhooks = true).await;
    let c = h.user().await;
    assert_eq!(c.webhook().await.expect("none yet"), None);
    let first = c.set_webhook("http://127.0.0.1:9/hook").await.expect("set");
    assert_eq!(first.url, "http://127.0.0.1:9/hook");
    assert!(first.secret.starts_with("whsec_"));
    assert!(
        !format!("{first:?}").contains(&first.secret),
        "Debug redacts the secret"
    );
    let read = c.webhook().await.expect("read").expect("set");
    assert_eq!(read.url, first.url);
    let second = c.set_webhook("http://127.0.0.1:9/hook").await.expect("set");
    assert_ne!(first.secret, second.secret);
    assert!(c.delete_webhook().await.expect("delete"));
    assert!(!c.delete_webhook().await.expect("already gone"));
    assert_eq!(c.webhook().await.expect("none"), None);
}

#[tokio::test]
async fn a_webhook_url_is_refused_as_invalid_argument_naming_url() {
    let h = Harness::start().await;
    let c = h.user().await;
    // Refused before sending: no host.
    assert!(matches!(
        c.set_webhook("https:///x").await,
        Err(Error::InvalidArgument { field: Some(f), .. }) if f == "url"
    ));
    // Refused by the server: loopback, without --allow-private-webhooks.
    assert!(matches!(
        c.set_webhook("http://localhost:9/hook").await,
        Err(Error::InvalidArgument { field: Some(f), .. }) if f == "url"
    ));
}
