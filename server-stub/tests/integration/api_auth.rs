//! Tests: api_auth. Registration, login, device sign-in, refresh-token rotation and theft
//! detection, access-token validation (tampered, forged, `alg: none`, expired, missing), and
//! the `/v1/users/*` routes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

/// Asserts the contract's timestamp format: RFC 3339, UTC, millisecond precision.
fn assert_timestamp(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("timestamp is a string: {v}"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(s).is_ok()
            && s.len() == 24
            && s.ends_with('Z')
            && s.as_bytes()[19] == b'.',
        "not an RFC 3339 UTC timestamp with milliseconds: {s}"
    );
}

/// Asserts the `AuthResponse` shape and returns (access token, refresh token).
fn assert_auth_response(body: &Value) -> (String, String) {
    let access = body["accessToken"]
        .as_str()
        .expect("accessToken")
        .to_owned();
    let refresh = body["refreshToken"]
        .as_str()
        .expect("refreshToken")
        .to_owned();
    assert_eq!(
        access.split('.').count(),
        3,
        "access token is a JWT: {access}"
    );
    assert!(!refresh.is_empty());
    assert_eq!(
        body["expiresIn"], 900,
        "default access-token lifetime is 15 minutes: {body}"
    );
    let user = &body["user"];
    assert!(user["id"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    assert!(user["displayName"].is_string(), "{body}");
    assert!(
        user["email"].is_string() || user["email"].is_null(),
        "{body}"
    );
    assert_timestamp(&user["createdAt"]);
    (access, refresh)
}

async fn register(ts: &TestServer, email: &str, password: &str) -> Resp {
    ts.post(
        "/v1/auth/register",
        None,
        json!({"email": email, "password": password, "displayName": "Ann Example"}),
    )
    .await
}

fn email() -> String {
    format!("{}@example.com", unique("user"))
}

/// A signed-in login with email and password: (access, refresh, user id).
async fn login(ts: &TestServer, email: &str, password: &str) -> (String, String, String) {
    let r = ts
        .post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (a, rt) = assert_auth_response(&r.body);
    (a, rt, r.body["user"]["id"].as_str().expect("id").to_owned())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An HS256 JWT signed with `secret`, built by hand.
fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("hmac key");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn me_status(ts: &TestServer, token: &str) -> Resp {
    ts.get("/v1/users/me", Some(token)).await
}

#[tokio::test]
async fn register_answers_201_with_an_auth_response() {
    let ts = TestServer::start().await;
    let mail = email();
    let r = register(&ts, &mail, "correct horse").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (access, _) = assert_auth_response(&r.body);
    assert_eq!(r.body["user"]["email"], mail.as_str());
    assert_eq!(r.body["user"]["displayName"], "Ann Example");
    assert!(r.headers.contains_key("x-request-id"));
    // The access token works and names the same user.
    let me = me_status(&ts, &access).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["id"], r.body["user"]["id"]);
    assert_eq!(me.body["email"], mail.as_str());
}

#[tokio::test]
async fn register_with_a_taken_email_is_a_conflict() {
    let ts = TestServer::start().await;
    let mail = email();
    assert_eq!(
        register(&ts, &mail, "password-1").await.status,
        StatusCode::CREATED
    );
    register(&ts, &mail, "password-2")
        .await
        .assert_error(409, "conflict");
}

#[tokio::test]
async fn register_validates_password_and_email() {
    let ts = TestServer::start().await;
    let r = register(&ts, &email(), "1234567").await;
    r.assert_invalid_field("password");
    // Exactly 8 characters is enough.
    assert_eq!(
        register(&ts, &email(), "12345678").await.status,
        StatusCode::CREATED
    );
    let r = ts
        .post(
            "/v1/auth/register",
            None,
            json!({"email": email(), "displayName": "No Password"}),
        )
        .await;
    r.assert_invalid_field("password");
}

#[tokio::test]
async fn login_with_the_right_and_the_wrong_password() {
    let ts = TestServer::start().await;
    let mail = email();
    let r = register(&ts, &mail, "s3cret-pass").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (access, _, id) = login(&ts, &mail, "s3cret-pass").await;
    assert_eq!(id, r.body["user"]["id"].as_str().expect("id"));
    assert_eq!(me_status(&ts, &access).await.status, StatusCode::OK);
    ts.post(
        "/v1/auth/login",
        None,
        json!({"email": mail, "password": "s3cret-pasS"}),
    )
    .await
    .assert_error(401, "unauthenticated");
    ts.post(
        "/v1/auth/login",
        None,
        json!({"email": email(), "password": "s3cret-pass"}),
    )
    .await
    .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn anonymous_sign_in_creates_then_reuses_the_device_user() {
    let ts = TestServer::start().await;
    let device = unique("device");
    let first = ts
        .post("/v1/auth/anonymous", None, json!({"deviceId": device}))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_auth_response(&first.body);
    assert!(
        first.body["user"]["email"].is_null(),
        "device users have no email: {}",
        first.body
    );
    let again = ts
        .post("/v1/auth/anonymous", None, json!({"deviceId": device}))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["user"]["id"], first.body["user"]["id"]);
    assert_eq!(
        again.body["user"]["createdAt"],
        first.body["user"]["createdAt"]
    );
    let other = ts
        .post(
            "/v1/auth/anonymous",
            None,
            json!({"deviceId": unique("device")}),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert_ne!(other.body["user"]["id"], first.body["user"]["id"]);
    ts.post("/v1/auth/anonymous", None, json!({"deviceId": ""}))
        .await
        .assert_error(400, "invalid_argument");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_stops_working() {
    let ts = TestServer::start().await;
    let mail = email();
    assert_eq!(
        register(&ts, &mail, "rotate-me-please").await.status,
        StatusCode::CREATED
    );
    let (_, r1, id) = login(&ts, &mail, "rotate-me-please").await;
    let r = ts
        .post("/v1/auth/refresh", None, json!({"refreshToken": r1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (a2, r2) = assert_auth_response(&r.body);
    assert_ne!(r2, r1, "a new refresh token");
    assert_eq!(r.body["user"]["id"], id.as_str());
    assert_eq!(me_status(&ts, &a2).await.body["id"], id.as_str());
    // The old one is spent.
    ts.post("/v1/auth/refresh", None, json!({"refreshToken": r1}))
        .await
        .assert_error(401, "unauthenticated");
    // An unknown one never worked.
    ts.post(
        "/v1/auth/refresh",
        None,
        json!({"refreshToken": "rt_not-a-real-token"}),
    )
    .await
    .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_login() {
    let ts = TestServer::start().await;
    let mail = email();
    assert_eq!(
        register(&ts, &mail, "theft-detection").await.status,
        StatusCode::CREATED
    );
    let (a1, r1, _) = login(&ts, &mail, "theft-detection").await;
    // A second, independent login of the same user.
    let (other_access, other_refresh, _) = login(&ts, &mail, "theft-detection").await;

    let r = ts
        .post("/v1/auth/refresh", None, json!({"refreshToken": r1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (a2, r2) = assert_auth_response(&r.body);
    assert_eq!(me_status(&ts, &a1).await.status, StatusCode::OK);
    assert_eq!(me_status(&ts, &a2).await.status, StatusCode::OK);

    // The thief (or the victim) presents the used token: the login is revoked.
    ts.post("/v1/auth/refresh", None, json!({"refreshToken": r1}))
        .await
        .assert_error(401, "unauthenticated");
    ts.post("/v1/auth/refresh", None, json!({"refreshToken": r2}))
        .await
        .assert_error(401, "unauthenticated");
    me_status(&ts, &a1)
        .await
        .assert_error(401, "unauthenticated");
    me_status(&ts, &a2)
        .await
        .assert_error(401, "unauthenticated");

    // Another login is not "that login".
    assert_eq!(me_status(&ts, &other_access).await.status, StatusCode::OK);
    let r = ts
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refreshToken": other_refresh}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_tampered_signature_is_refused() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    assert_eq!(me_status(&ts, &token).await.status, StatusCode::OK);
    let (signing_input, sig) = token.rsplit_once('.').expect("three parts");
    // Flip a character in the middle of the signature (the last one may carry only padding bits).
    let mut chars: Vec<char> = sig.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{signing_input}.{}", chars.into_iter().collect::<String>());
    assert_ne!(tampered, token);
    me_status(&ts, &tampered)
        .await
        .assert_error(401, "unauthenticated");
    // Tampering with the payload (another user id) is refused too.
    let (header, _) = signing_input.split_once('.').expect("header");
    let payload = b64(
        json!({"sub": "usr_someone_else", "iat": now_secs(), "exp": now_secs() + 600, "sid": "x"})
            .to_string()
            .as_bytes(),
    );
    me_status(&ts, &format!("{header}.{payload}.{sig}"))
        .await
        .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let ts = TestServer::start().await;
    let (token, id) = ts.user().await;
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let claims = json!({"sub": id, "iat": now_secs(), "exp": now_secs() + 600, "sid": "forged"});
    let forged = hs256(
        b"not-the-server-secret-not-the-server-secret",
        &header,
        &claims,
    );
    me_status(&ts, &forged)
        .await
        .assert_error(401, "unauthenticated");
    // The same construction with the server's (test) secret is accepted, so the refusal above is
    // about the secret and not about how the token was built. The `sid` must be a real login's,
    // so take it from the real token.
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).expect("payload"))
            .expect("base64url"),
    )
    .expect("claims");
    let claims =
        json!({"sub": id, "iat": now_secs(), "exp": now_secs() + 600, "sid": payload["sid"]});
    let genuine = hs256(b"test-secret-test-secret-test-secret", &header, &claims);
    assert_eq!(me_status(&ts, &genuine).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_alg_none_token_is_refused() {
    let ts = TestServer::start().await;
    let (token, id) = ts.user().await;
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).expect("payload"))
            .expect("base64url"),
    )
    .expect("claims");
    let claims =
        json!({"sub": id, "iat": now_secs(), "exp": now_secs() + 600, "sid": payload["sid"]});
    for alg in ["none", "None", "NONE"] {
        let unsigned = format!(
            "{}.{}.",
            b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        me_status(&ts, &unsigned)
            .await
            .assert_error(401, "unauthenticated");
    }
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let ts = TestServer::start_with(|c| c.access_token_ttl = 1).await;
    let r = ts
        .post(
            "/v1/auth/anonymous",
            None,
            json!({"deviceId": unique("dev")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["expiresIn"], 1);
    let token = r.body["accessToken"].as_str().expect("token").to_owned();
    let refresh = r.body["refreshToken"].as_str().expect("refresh").to_owned();
    assert_eq!(me_status(&ts, &token).await.status, StatusCode::OK);
    // Time is the subject here: wait past `exp` (whole seconds, no leeway).
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    me_status(&ts, &token)
        .await
        .assert_error(401, "unauthenticated");
    // The refresh token still gets a fresh access token.
    let r = ts
        .post("/v1/auth/refresh", None, json!({"refreshToken": refresh}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = r.body["accessToken"].as_str().expect("token");
    assert_eq!(me_status(&ts, fresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_missing_or_malformed_token_is_unauthenticated() {
    let ts = TestServer::start().await;
    ts.get("/v1/users/me", None)
        .await
        .assert_error(401, "unauthenticated");
    ts.get("/v1/users/me", Some("not-a-jwt"))
        .await
        .assert_error(401, "unauthenticated");
    let r = ts
        .http
        .get(format!("{}/v1/users/me", ts.url))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .expect("sent");
    Resp::read(r).await.assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn users_me_reads_and_updates_name_and_preferences() {
    let ts = TestServer::start().await;
    let (token, id) = ts.user().await;
    let me = ts.get("/v1/users/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["id"], id.as_str());
    assert!(me.body["displayName"].is_string());
    assert!(me.body["email"].is_null());
    assert_timestamp(&me.body["createdAt"]);
    assert_eq!(me.body["preferences"], json!({}));

    let prefs = json!({"theme": "dark", "volume": 7, "keys": {"jump": "space"}});
    let r = ts
        .call(
            Method::PATCH,
            "/v1/users/me",
            Some(&token),
            Some(json!({"displayName": "Renamed Player", "preferences": prefs})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["displayName"], "Renamed Player");
    assert_eq!(r.body["preferences"], prefs);

    // A partial update keeps the rest.
    let r = ts
        .call(
            Method::PATCH,
            "/v1/users/me",
            Some(&token),
            Some(json!({"displayName": "Third Name"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = ts.get("/v1/users/me", Some(&token)).await;
    assert_eq!(me.body["displayName"], "Third Name");
    assert_eq!(me.body["preferences"], prefs);
}

#[tokio::test]
async fn users_me_preferences_must_be_an_object() {
    let ts = TestServer::start().await;
    let (token, _) = ts.user().await;
    for bad in [json!([1, 2]), json!("dark"), json!(3)] {
        let r = ts
            .call(
                Method::PATCH,
                "/v1/users/me",
                Some(&token),
                Some(json!({"preferences": bad})),
                None,
            )
            .await;
        r.assert_invalid_field("preferences");
    }
    let r = ts
        .call(
            Method::PATCH,
            "/v1/users/me",
            Some(&token),
            Some(json!({"displayName": ""})),
            None,
        )
        .await;
    r.assert_invalid_field("displayName");
    // Nothing was changed by the refused requests.
    assert_eq!(
        ts.get("/v1/users/me", Some(&token)).await.body["preferences"],
        json!({})
    );
    ts.call(
        Method::PATCH,
        "/v1/users/me",
        None,
        Some(json!({"displayName": "x"})),
        None,
    )
    .await
    .assert_error(401, "unauthenticated");
}

#[tokio::test]
async fn users_read_only_their_own_profile() {
    let ts = TestServer::start().await;
    let (token, id) = ts.user().await;
    let (_, other) = ts.user().await;
    let r = ts.get(&format!("/v1/users/{id}"), Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["id"], id.as_str());
    assert!(r.body["preferences"].is_object());
    ts.get(&format!("/v1/users/{other}"), Some(&token))
        .await
        .assert_error(403, "forbidden");
    ts.get(&format!("/v1/users/{other}"), None)
        .await
        .assert_error(401, "unauthenticated");
}
