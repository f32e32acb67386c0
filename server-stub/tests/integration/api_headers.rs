//! Security headers (contract v1.2): helmet's defaults on success, error, 304 and preflight.

use reqwest::{Method, StatusCode};

use crate::common::TestServer;

const ORIGIN: &str = "https://game.example";

fn assert_security_headers(h: &reqwest::header::HeaderMap, corp: &str, what: &str) {
    let get = |n: &str| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        get("content-security-policy"),
        "default-src 'self'; img-src 'self' https: data:; script-src 'self'",
        "{what}"
    );
    assert!(
        !get("content-security-policy").contains("unsafe-inline"),
        "{what}"
    );
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{what}");
    assert_eq!(get("cross-origin-resource-policy"), corp, "{what}");
}

#[tokio::test]
async fn success_error_and_not_modified_answers_carry_them() {
    let ts = TestServer::start_with(|c| c.cors_origins = vec![ORIGIN.into()]).await;
    let ok = ts.get("/health", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_security_headers(&ok.headers, "same-site", "success");
    let err = ts.get("/v1/nowhere", None).await;
    err.assert_error(404, "not_found");
    assert_security_headers(&err.headers, "same-site", "error");
    let unauth = ts.get("/v1/wallet", None).await;
    assert_security_headers(&unauth.headers, "same-site", "401");
    let first = ts.get("/v1/marketplace/featured", None).await;
    let tag = first.headers["etag"].to_str().expect("etag").to_owned();
    let res = ts
        .http
        .get(format!("{}/v1/marketplace/featured", ts.url))
        .header("If-None-Match", tag)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_security_headers(res.headers(), "same-site", "304");
    let other = ts
        .http
        .get(format!("{}/health", ts.url))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert_security_headers(
        other.headers(),
        "same-site",
        "an origin CORS does not allow",
    );
}

#[tokio::test]
async fn preflights_and_allowed_origins_get_them_with_cross_origin_corp() {
    let ts = TestServer::start_with(|c| c.cors_origins = vec![ORIGIN.into()]).await;
    let res = ts
        .http
        .request(Method::OPTIONS, format!("{}/v1/wallet", ts.url))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .expect("sent");
    assert!(res.status().is_success(), "{}", res.status());
    assert!(
        res.headers().get("access-control-allow-origin").is_some(),
        "a real preflight"
    );
    assert_security_headers(res.headers(), "cross-origin", "preflight");
    let res = ts
        .http
        .get(format!("{}/v1/marketplace/categories", ts.url))
        .header("Origin", ORIGIN)
        .send()
        .await
        .expect("sent");
    assert_security_headers(res.headers(), "cross-origin", "a CORS answer");
}

#[tokio::test]
async fn the_openapi_document_describes_the_v1_2_routes_parameters_and_headers() {
    let ts = TestServer::start().await;
    let doc: serde_json::Value =
        serde_json::from_slice(&ts.get("/v1/openapi.json", None).await.raw).expect("json");
    let paths = &doc["paths"];
    let ach = &paths["/v1/users/me/achievements"]["get"];
    assert_eq!(
        ach["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Achievements"
    );
    assert!(doc["components"]["schemas"]["Achievement"].is_object());
    let shop = &paths["/v1/webhooks/payments/shopify"]["post"];
    let names = |op: &serde_json::Value| -> Vec<String> {
        op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for h in [
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Topic",
        "X-Shopify-Webhook-Id",
    ] {
        assert!(names(shop).contains(&h.to_owned()), "{h}");
    }
    assert!(
        doc["components"]["schemas"]["TopupProvider"]["enum"]
            .as_array()
            .is_some_and(|v| v.contains(&serde_json::json!("shopify")))
    );
    for (path, expand) in [
        ("/v1/marketplace/search", false),
        ("/v1/marketplace/featured", false),
        ("/v1/marketplace/listings/{agentId}", true),
    ] {
        let op = &paths[path]["get"];
        let n = names(op);
        assert!(n.contains(&"fields".to_owned()), "{path}");
        assert_eq!(n.contains(&"expand".to_owned()), expand, "{path}");
        assert!(n.contains(&"If-None-Match".to_owned()), "{path}");
        assert!(op["responses"]["304"].is_object(), "{path}");
        assert!(
            op["responses"]["200"]["headers"]["ETag"].is_object(),
            "{path}"
        );
        let one_of = &op["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"];
        assert!(
            one_of.as_array().is_some_and(|v| v.len() >= 2),
            "{path}: {one_of}"
        );
    }
    assert!(paths["/v1/marketplace/categories"]["get"]["responses"]["304"].is_object());
    // Every response documents the security headers.
    let health = &paths["/health"]["get"]["responses"]["200"]["headers"];
    assert!(health["Content-Security-Policy"].is_object(), "{health}");
    assert!(
        paths["/v1/wallet"]["get"]["responses"]["401"]["headers"]["X-Frame-Options"].is_object()
    );
}
