//! Hiring, sessions, commands, ending, stream tickets and reviews.

use futures_util::TryStreamExt;
use jiga::client::{IdempotencyKey, PageRequest, SessionFilter};
use jiga::model::{CommandRequest, CreateReviewRequest, EndReason, SessionStatus};
use jiga::{Dof, Error};
use serde_json::json;

use crate::common::{Harness, hire};

#[tokio::test]
async fn a_402_carries_needed_and_available() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|_| {}).await;
    let poor = h.funded(40).await;
    let e = poor
        .hire(&hire(&agent.id, 100))
        .await
        .expect_err("too poor");
    match e {
        Error::InsufficientFunds {
            needed,
            available,
            request_id,
            ..
        } => {
            assert_eq!(needed, Some(Dof::new(100)));
            assert_eq!(available, Some(Dof::new(40)));
            assert!(request_id.is_some());
        }
        other => panic!("expected insufficient funds, got {other:?}"),
    }
}

#[tokio::test]
async fn hire_command_end_and_review() {
    let h = Harness::start().await;
    let (owner, agent) = h.published_agent(|_| {}).await;
    let hirer = h.funded(1000).await;
    assert!(matches!(
        owner.hire(&hire(&agent.id, 100)).await,
        Err(Error::Forbidden { .. } | Error::InsufficientFunds { .. })
    ));
    let hired = hirer.hire(&hire(&agent.id, 100)).await.expect("hire");
    let sid = hired.session.id.clone();
    assert_eq!(hired.stream_path, format!("/v1/sessions/{sid}/stream"));
    // The hold shrinks as the session consumes it.
    let held = hirer.wallet().await.expect("wallet").held;
    assert!(held > Dof::ZERO && held <= Dof::new(100), "{held}");

    let s = hirer.session(&sid).await.expect("session");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(owner.session(&sid).await.expect("owner sees it").id, sid);
    assert!(matches!(
        h.user().await.session(&sid).await,
        Err(Error::NotFound { .. })
    ));

    let list = hirer
        .sessions(&SessionFilter {
            status: Some(SessionStatus::Active),
            page: PageRequest::new(),
        })
        .await
        .expect("list");
    assert_eq!(list.items.len(), 1);

    let ack = hirer
        .send_command(
            &sid,
            &CommandRequest {
                command_id: "c1".into(),
                data: json!({"move": "e4"}),
            },
        )
        .await
        .expect("command");
    assert_eq!(ack.command_id, "c1");
    assert!(matches!(
        owner
            .send_command(
                &sid,
                &CommandRequest {
                    command_id: "c2".into(),
                    data: json!({})
                }
            )
            .await,
        Err(Error::Forbidden { .. })
    ));

    let ticket = hirer.stream_ticket(&sid).await.expect("ticket");
    assert_eq!(ticket.expires_in, 60);
    assert!(!ticket.ticket.is_empty());

    let review = CreateReviewRequest {
        session_id: sid.clone(),
        rating: 5,
        text: "great".into(),
    };
    assert!(matches!(
        hirer.create_review(&agent.id, &review).await,
        Err(Error::Conflict { .. })
    ));

    let ended = hirer.end_session(&sid).await.expect("end");
    assert_eq!(ended.session.end_reason, Some(EndReason::EndedByHirer));
    let st = ended.settlement;
    assert_eq!(st.consumed.checked_add(st.released), Some(Dof::new(100)));
    assert_eq!(
        st.owner_earnings.checked_add(st.platform_fee),
        Some(st.consumed)
    );
    assert!(matches!(
        hirer.end_session(&sid).await,
        Err(Error::Conflict { .. })
    ));
    let w = hirer.wallet().await.expect("wallet");
    assert_eq!(
        (w.held, w.available),
        (Dof::ZERO, Dof::new(1000 - st.consumed.get()))
    );

    let r = hirer
        .create_review(&agent.id, &review)
        .await
        .expect("review");
    assert_eq!(r.rating, 5);
    assert!(matches!(
        hirer.create_review(&agent.id, &review).await,
        Err(Error::Conflict { .. })
    ));
    let reviews = h
        .client()
        .reviews(&agent.id, &PageRequest::new())
        .await
        .expect("reviews");
    assert_eq!(reviews.items.len(), 1);
    let all: Vec<_> = h
        .client()
        .reviews_stream(&agent.id, PageRequest::new().limit(1))
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(all.len(), 1);
    let ended: Vec<_> = hirer
        .sessions_stream(SessionFilter {
            status: Some(SessionStatus::Ended),
            page: PageRequest::new(),
        })
        .try_collect()
        .await
        .expect("ended sessions");
    assert_eq!(ended.len(), 1);
}

#[tokio::test]
async fn hire_and_end_with_a_chosen_key_act_once() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|_| {}).await;
    let hirer = h.funded(1000).await;
    let key = IdempotencyKey::new(format!("hire-{}", crate::common::unique("k"))).expect("key");
    let a = hirer
        .hire_with_key(&hire(&agent.id, 100), key.clone())
        .await
        .expect("hire");
    let b = hirer
        .hire_with_key(&hire(&agent.id, 100), key.clone())
        .await
        .expect("replay");
    assert_eq!(a.session.id, b.session.id);
    let w = hirer.wallet().await.expect("wallet");
    // Available does not move while a session consumes its hold: one hold of 100.
    assert_eq!(w.available, Dof::new(900), "one hold, no second");
    let e = hirer
        .hire_with_key(&hire(&agent.id, 200), key)
        .await
        .expect_err("same key, other body");
    assert!(matches!(e, Error::IdempotencyConflict { .. }), "{e:?}");

    let end_key = IdempotencyKey::generate();
    let first = hirer
        .end_session_with_key(&a.session.id, end_key.clone())
        .await
        .expect("end");
    let again = hirer
        .end_session_with_key(&a.session.id, end_key)
        .await
        .expect("replayed, not a conflict");
    assert_eq!(first.settlement, again.settlement);
}
