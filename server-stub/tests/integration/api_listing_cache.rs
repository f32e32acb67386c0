//! Expandable, selectable and cacheable marketplace answers (contract v1.2): `fields=`,
//! `expand=reviews`, `ETag`/`Cache-Control`/304, and the in-process caches' invalidation —
//! run with the caches on and off, so a 304 is never stale either way.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Resp, TestServer, unique};

async fn get_with(ts: &TestServer, path: &str, etag: Option<&str>) -> Resp {
    let mut req = ts.http.get(format!("{}{path}", ts.url));
    if let Some(e) = etag {
        req = req.header("If-None-Match", e);
    }
    Resp::read(req.send().await.expect("sent")).await
}

fn etag(r: &Resp) -> String {
    r.headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned()
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn fields_keep_only_the_named_listing_members_and_id() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({"name": "Selector"})).await;
    let r = ts
        .get("/v1/marketplace/search?fields=name,rating", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(keys(&r.body["items"][0]), ["id", "name", "rating"]);
    assert_eq!(r.body["total"], 1, "the rest of the answer stays whole");
    assert!(r.body["facets"]["rank"].is_object());
    assert!(r.body.get("nextCursor").is_some());

    let r = ts
        .get("/v1/marketplace/featured?fields=owner,type", None)
        .await;
    assert_eq!(keys(&r.body["items"][0]), ["id", "owner", "type"]);

    let r = ts
        .get(
            &format!("/v1/marketplace/listings/{agent}?fields=pricing"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(keys(&r.body), ["id", "pricing"]);
    assert_eq!(r.body["pricing"]["perMinute"], 10);

    // Without `fields`, the whole listing.
    let r = ts
        .get(&format!("/v1/marketplace/listings/{agent}"), None)
        .await;
    assert!(keys(&r.body).len() > 20, "{}", r.body);
    assert!(
        r.body.get("reviews").is_none(),
        "reviews only when expanded"
    );
}

#[tokio::test]
async fn unknown_fields_and_expansions_are_refused() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    for path in [
        "/v1/marketplace/search?fields=name,colour".to_owned(),
        "/v1/marketplace/featured?fields=".to_owned(),
        format!("/v1/marketplace/listings/{agent}?fields=reviews"),
    ] {
        ts.get(&path, None).await.assert_invalid_field("fields");
    }
    for path in [
        format!("/v1/marketplace/listings/{agent}?expand=owner"),
        "/v1/marketplace/search?expand=reviews".to_owned(),
        "/v1/marketplace/featured?expand=reviews".to_owned(),
    ] {
        ts.get(&path, None).await.assert_invalid_field("expand");
    }
}

#[tokio::test]
async fn expand_reviews_carries_the_ten_newest() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    let (token, _) = ts.funded_user(100_000).await;
    let mut texts = Vec::new();
    for i in 0..11 {
        let s = ts.hire(&token, &agent, 100).await;
        let r = ts
            .post_idem(
                &format!("/v1/sessions/{s}/end"),
                &token,
                None,
                &unique("end"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let text = format!("review {i}");
        let r = ts
            .post(
                &format!("/v1/agents/{agent}/reviews"),
                Some(&token),
                json!({"sessionId": s, "rating": 1 + i % 5, "text": text}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        texts.push(text);
    }
    let r = ts
        .get(
            &format!("/v1/marketplace/listings/{agent}?expand=reviews"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got: Vec<&str> = r.body["reviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .map(|v| v["text"].as_str().expect("text"))
        .collect();
    let want: Vec<&str> = texts.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(got, want, "the 10 newest, newest first");
    assert_eq!(r.body["reviewCount"], 11);
    // Expanded and selected together.
    let r = ts
        .get(
            &format!("/v1/marketplace/listings/{agent}?expand=reviews&fields=rating"),
            None,
        )
        .await;
    assert_eq!(keys(&r.body), ["id", "rating", "reviews"]);
}

#[tokio::test]
async fn public_answers_carry_validators_and_a_matching_one_is_304() {
    let ts = TestServer::start().await;
    let (_, agent) = ts.published_agent(json!({})).await;
    for path in [
        "/v1/marketplace/search?q=test".to_owned(),
        format!("/v1/marketplace/listings/{agent}"),
        format!("/v1/marketplace/listings/{agent}?expand=reviews"),
        "/v1/marketplace/featured".to_owned(),
        "/v1/marketplace/categories".to_owned(),
    ] {
        let first = get_with(&ts, &path, None).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        assert_eq!(
            first
                .headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("public, max-age=300"),
            "{path}"
        );
        let tag = etag(&first);
        let again = get_with(&ts, &path, Some(&tag)).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.raw.is_empty(), "a 304 has no body");
        assert_eq!(etag(&again), tag);
        assert!(again.headers.get("cache-control").is_some());
        // A list of validators, one of them current; a strong form of the weak tag; `*`.
        let listed = format!("W/\"nope\", {tag}");
        assert_eq!(
            get_with(&ts, &path, Some(&listed)).await.status,
            StatusCode::NOT_MODIFIED
        );
        let strong = tag.trim_start_matches("W/").to_owned();
        assert_eq!(
            get_with(&ts, &path, Some(&strong)).await.status,
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(
            get_with(&ts, &path, Some("*")).await.status,
            StatusCode::NOT_MODIFIED
        );
        let other = get_with(&ts, &path, Some("W/\"0000\"")).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        assert_eq!(other.raw, first.raw, "{path}");
    }
    // Different selections are different answers.
    let a = get_with(&ts, "/v1/marketplace/search?fields=name", None).await;
    let b = get_with(&ts, "/v1/marketplace/search?fields=rating", None).await;
    assert_ne!(etag(&a), etag(&b));
}

#[tokio::test]
async fn max_age_is_configuration() {
    let ts = TestServer::start_with(|c| c.cache_max_age_secs = 7).await;
    let r = get_with(&ts, "/v1/marketplace/featured", None).await;
    assert_eq!(
        r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=7")
    );
}

/// A change to a listing makes every validator taken before it stale: the next request with
/// it is a 200 with the new content, never a 304 — with the in-process caches on and off.
async fn a_change_invalidates(ts: TestServer) {
    let (owner, agent) = ts.published_agent(json!({"name": "Before"})).await;
    let listing = format!("/v1/marketplace/listings/{agent}");
    let search = "/v1/marketplace/search?q=before".to_owned();
    let profile = format!("/v1/agents/{agent}");
    let l0 = get_with(&ts, &listing, None).await;
    let s0 = get_with(&ts, &search, None).await;
    let p0 = ts.get(&profile, None).await;
    assert_eq!(s0.body["total"], 1);
    assert_eq!(p0.body["name"], "Before");
    // Held: answered from the caches.
    assert_eq!(
        get_with(&ts, &listing, Some(&etag(&l0))).await.status,
        StatusCode::NOT_MODIFIED
    );

    let r = ts
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/agents/{agent}"),
            Some(&owner),
            Some(json!({"name": "After"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let l1 = get_with(&ts, &listing, Some(&etag(&l0))).await;
    assert_eq!(l1.status, StatusCode::OK, "the old validator is stale");
    assert_eq!(l1.body["name"], "After");
    assert_ne!(etag(&l1), etag(&l0));
    let s1 = get_with(&ts, &search, Some(&etag(&s0))).await;
    assert_eq!(s1.status, StatusCode::OK);
    assert_eq!(s1.body["total"], 0, "'before' no longer matches");
    assert_eq!(
        ts.get(&profile, None).await.body["name"],
        "After",
        "the profile cache too"
    );

    // A review changes the listing's rating and its expansion.
    let (hirer, _) = ts.funded_user(1_000).await;
    let ex0 = get_with(&ts, &format!("{listing}?expand=reviews"), None).await;
    let s = ts.hire(&hirer, &agent, 100).await;
    ts.post_idem(
        &format!("/v1/sessions/{s}/end"),
        &hirer,
        None,
        &unique("end"),
    )
    .await;
    let r = ts
        .post(
            &format!("/v1/agents/{agent}/reviews"),
            Some(&hirer),
            json!({"sessionId": s, "rating": 3, "text": "fresh"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let ex1 = get_with(&ts, &format!("{listing}?expand=reviews"), Some(&etag(&ex0))).await;
    assert_eq!(
        ex1.status,
        StatusCode::OK,
        "a new review makes the expansion stale"
    );
    assert_eq!(ex1.body["reviews"][0]["text"], "fresh");
    assert_eq!(ex1.body["rating"], 3.0);

    // Unpublished: gone from the marketplace, whatever was cached.
    let held = etag(&get_with(&ts, &listing, None).await);
    let r = ts
        .post(
            &format!("/v1/agents/{agent}/unpublish"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    get_with(&ts, &listing, Some(&held))
        .await
        .assert_error(404, "not_found");
    ts.get(&profile, None).await.assert_error(404, "not_found");
}

#[tokio::test]
async fn a_change_invalidates_with_the_caches_on() {
    a_change_invalidates(TestServer::start().await).await;
}

#[tokio::test]
async fn a_change_invalidates_with_the_caches_off() {
    a_change_invalidates(
        TestServer::start_with(|c| {
            c.listing_cache_ttl_secs = 0;
            c.profile_cache_ttl_secs = 0;
        })
        .await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_racing_writes_never_leave_a_stale_answer_behind() {
    // Many reads run while the name changes; once the last change is answered, every read
    // sees it, and the validator held from before is stale.
    let ts = TestServer::start().await;
    let (owner, agent) = ts.published_agent(json!({"name": "v0"})).await;
    let listing = format!("/v1/marketplace/listings/{agent}");
    let old = etag(&get_with(&ts, &listing, None).await);
    let readers = async {
        for _ in 0..40 {
            get_with(&ts, &listing, None).await;
            ts.get(&format!("/v1/agents/{agent}"), None).await;
        }
    };
    let writer = async {
        for i in 1..=10 {
            ts.call(
                reqwest::Method::PATCH,
                &format!("/v1/agents/{agent}"),
                Some(&owner),
                Some(json!({"name": format!("v{i}")})),
                None,
            )
            .await;
        }
    };
    tokio::join!(readers, writer);
    let now = get_with(&ts, &listing, Some(&old)).await;
    assert_eq!(now.status, StatusCode::OK);
    assert_eq!(now.body["name"], "v10");
    assert_eq!(
        ts.get(&format!("/v1/agents/{agent}"), None).await.body["name"],
        "v10"
    );
}
