//! The client honours validators (contract v1.2): marketplace answers are kept with their
//! `ETag`, the next request sends `If-None-Match`, and a 304 is served from what was kept —
//! against the real server, through a transport that records what went over the wire.
//! Also field selection, expansion and `achievements()`.

use std::sync::Arc;
use std::time::Duration;

use jiga::Client;
use jiga::client::transport::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, TransportError,
};
use jiga::client::{ListingOptions, MemoryTokenStore, ReqwestTransport, SearchParams};
use jiga::model::{AchievementId, Expand, FieldSet, ListingField, UpdateAgentRequest};
use parking_lot_free::Log;

use crate::common::{Harness, fast_retry, hire};

mod parking_lot_free {
    use std::sync::Mutex;

    /// (If-None-Match sent, status received) per request.
    #[derive(Default)]
    pub struct Log(pub Mutex<Vec<(Option<String>, u16)>>);

    impl Log {
        pub fn take(&self) -> Vec<(Option<String>, u16)> {
            std::mem::take(&mut *self.0.lock().expect("log"))
        }
    }
}

struct Recording {
    inner: ReqwestTransport,
    log: Arc<Log>,
}

impl HttpTransport for Recording {
    fn send(
        &self,
        req: HttpRequest,
    ) -> BoxFuture<'_, std::result::Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let sent = req
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("if-none-match"))
                .map(|(_, v)| v.clone());
            let res = self.inner.send(req).await?;
            self.log.0.lock().expect("log").push((sent, res.status));
            Ok(res)
        })
    }
}

fn recorded(h: &Harness) -> (Client, Arc<Log>) {
    let log = Arc::new(Log::default());
    let transport = Recording {
        inner: ReqwestTransport::new(Duration::from_secs(10), Duration::from_secs(5))
            .expect("transport"),
        log: log.clone(),
    };
    let c = Client::builder()
        .base_url(&h.url)
        .retry(fast_retry())
        .token_store(Arc::new(MemoryTokenStore::default()))
        .http_transport(Arc::new(transport))
        .build()
        .expect("client");
    (c, log)
}

#[tokio::test]
async fn a_second_read_revalidates_and_is_served_from_the_304() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|r| r.name = "Cached Coach".into()).await;
    let (c, log) = recorded(&h);
    let params = SearchParams::new().q("cached");
    let first = c.search(&params).await.expect("search");
    let second = c.search(&params).await.expect("search again");
    assert_eq!(first, second, "the 304 is answered with the kept copy");
    let l1 = c.listing(&agent.id).await.expect("listing");
    let l2 = c.listing(&agent.id).await.expect("listing again");
    assert_eq!(l1.agent.name, l2.agent.name);
    c.featured().await.expect("featured");
    c.featured().await.expect("featured again");
    c.categories().await.expect("categories");
    c.categories().await.expect("categories again");
    let got = log.take();
    let pairs: Vec<(bool, u16)> = got.iter().map(|(inm, s)| (inm.is_some(), *s)).collect();
    assert_eq!(
        pairs,
        [(false, 200), (true, 304)].repeat(4),
        "each second read sent If-None-Match and got a 304: {got:?}"
    );
}

#[tokio::test]
async fn a_change_is_read_fresh_never_from_the_kept_copy() {
    let h = Harness::start().await;
    let (owner, agent) = h.published_agent(|r| r.name = "Old Name".into()).await;
    let (c, log) = recorded(&h);
    assert_eq!(
        c.listing(&agent.id).await.expect("listing").agent.name,
        "Old Name"
    );
    owner
        .update_agent(
            &agent.id,
            &UpdateAgentRequest {
                name: Some("New Name".into()),
                ..UpdateAgentRequest::default()
            },
        )
        .await
        .expect("update");
    let fresh = c.listing(&agent.id).await.expect("listing");
    assert_eq!(fresh.agent.name, "New Name");
    let got = log.take();
    assert_eq!(got.len(), 2);
    assert!(got[1].0.is_some(), "the kept validator was sent: {got:?}");
    assert_eq!(
        got[1].1, 200,
        "and the server answered with the new listing: {got:?}"
    );
    // The new copy is kept in turn.
    assert_eq!(
        c.listing(&agent.id).await.expect("listing").agent.name,
        "New Name"
    );
    assert_eq!(log.take()[0].1, 304);
}

#[tokio::test]
async fn selected_fields_expansions_and_achievements() {
    let h = Harness::start().await;
    let (_, agent) = h.published_agent(|r| r.name = "Shaped".into()).await;
    let c = h.client();
    let fields = FieldSet::of([ListingField::Name, ListingField::Rating]);
    let page = c
        .search_with(&SearchParams::new().q("shaped"), &fields)
        .await
        .expect("search_with");
    assert_eq!(page.total, 1);
    let item = &page.items[0];
    assert_eq!(item.id, agent.id);
    assert_eq!(item.name.as_deref(), Some("Shaped"));
    assert_eq!(item.rating, Some(0.0));
    assert!(item.pricing.is_none() && item.owner.is_none(), "{item:?}");
    let featured = c.featured_with(&fields).await.expect("featured_with");
    assert_eq!(featured.items[0].name.as_deref(), Some("Shaped"));

    let hirer = h.funded(1_000).await;
    let s = hirer.hire(&hire(&agent.id, 100)).await.expect("hire");
    hirer.end_session(&s.session.id).await.expect("end");
    hirer
        .create_review(
            &agent.id,
            &jiga::model::CreateReviewRequest {
                session_id: s.session.id.clone(),
                rating: 4,
                text: "nice".into(),
            },
        )
        .await
        .expect("review");
    let full = c.listing_with_reviews(&agent.id).await.expect("expanded");
    assert_eq!(full.listing.agent.name, "Shaped");
    assert_eq!(full.reviews.len(), 1);
    assert_eq!(full.reviews[0].text, "nice");
    let part = c
        .listing_with(
            &agent.id,
            &ListingOptions::new()
                .fields(FieldSet::of([ListingField::ReviewCount]))
                .expand(Expand::Reviews),
        )
        .await
        .expect("listing_with");
    assert_eq!(part.review_count, Some(1));
    assert_eq!(part.reviews.map(|r| r.len()), Some(1));
    assert!(part.name.is_none());

    let mine: Vec<AchievementId> = hirer
        .achievements()
        .await
        .expect("achievements")
        .items
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(mine, [AchievementId::FirstHire, AchievementId::FirstReview]);
}
