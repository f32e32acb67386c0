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
