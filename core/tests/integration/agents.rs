//! `/v1/agents/*`: create, read, update, versions, publish, unpublish.

use futures_util::TryStreamExt;
use jiga::Error;
use jiga::client::PageRequest;
use jiga::model::{AgentStatus, UpdateAgentRequest};

use crate::common::{Harness, agent_request};

#[tokio::test]
async fn agent_lifecycle() {
    let h = Harness::start().await;
    let owner = h.user().await;
    let stranger = h.user().await;
    let a = owner
        .create_agent(&agent_request("Ace"))
        .await
        .expect("create");
    assert_eq!((a.status, a.version), (AgentStatus::Draft, 1));
    assert_eq!(owner.agent(&a.id).await.expect("owner sees draft").id, a.id);
    assert!(matches!(
        stranger.agent(&a.id).await,
        Err(Error::NotFound { .. })
    ));

    let change = UpdateAgentRequest {
        name: Some("Ace v2".into()),
        ..UpdateAgentRequest::default()
    };
    let a2 = owner.update_agent(&a.id, &change).await.expect("update");
    assert_eq!((a2.name.as_str(), a2.version), ("Ace v2", 2));
    assert!(matches!(
        stranger.update_agent(&a.id, &change).await,
        Err(Error::Forbidden { .. })
    ));

    let versions = owner
        .agent_versions(&a.id, &PageRequest::new())
        .await
        .expect("versions");
    assert_eq!(
        versions.items.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let streamed: Vec<_> = owner
        .agent_versions_stream(&a.id, PageRequest::new().limit(1))
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), 2);

    let p = owner.publish_agent(&a.id).await.expect("publish");
    assert_eq!(p.status, AgentStatus::Published);
    assert!(matches!(
        owner.publish_agent(&a.id).await,
        Err(Error::Conflict { .. })
    ));
    assert_eq!(h.client().agent(&a.id).await.expect("public").id, a.id);
    assert!(matches!(
        stranger.publish_agent(&a.id).await,
        Err(Error::Forbidden { .. } | Error::Conflict { .. })
    ));
    let u = owner.unpublish_agent(&a.id).await.expect("unpublish");
    assert_eq!(u.status, AgentStatus::Unpublished);
    assert!(matches!(
        owner.unpublish_agent(&a.id).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        h.client().agent(&a.id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn invalid_agents_name_the_field() {
    let h = Harness::start().await;
    let owner = h.user().await;
    let mut req = agent_request("x");
    req.actions_per_second = 0;
    let e = owner.create_agent(&req).await.expect_err("aps 0");
    assert!(
        matches!(&e, Error::InvalidArgument { field: Some(f), .. } if f == "actionsPerSecond"),
        "{e:?}"
    );
    assert!(matches!(
        owner.agent("agt_missing").await,
        Err(Error::NotFound {
            request_id: Some(_),
            ..
        })
    ));
}
