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

/// A webhook receiver on loopback: every request's `JIGA-Signature` and raw body, as sent.
async fn receiver() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Headers, then Content-Length bytes of body.
                let (head_end, length) = loop {
                    let n = sock.read(&mut chunk).await.expect("read");
                    assert!(n > 0, "the sender closed before its request ended");
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .expect("content-length");
                        break (i + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = sock.read(&mut chunk).await.expect("read");
                    assert!(n > 0, "the sender closed before its body ended");
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let signature = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case(jiga::wire::header::JIGA_SIGNATURE)
                            .then(|| value.trim().to_owned())
                    })
                    .unwrap_or_default();
                let body = buf[head_end..head_end + length].to_vec();
                let _ = sock
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
                let _ = tx.send((signature, body));
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn a_real_delivery_verifies_with_the_secret_set_webhook_returned() {
    use jiga::model::{TopupProvider, TopupRequest};
    use jiga::webhook::{DEFAULT_TOLERANCE, verify};
    let h = Harness::start_with(|c| c.allow_private_webhooks = true).await;
    let c = h.user().await;
    let (url, mut rx) = receiver().await;
    let secret = c.set_webhook(&url).await.expect("set").secret;
    c.topup(&TopupRequest {
        amount: jiga::Dof::new(50),
        provider: TopupProvider::Dev,
    })
    .await
    .expect("topup");
    let (signature, body) = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv())
        .await
        .expect("a delivery within 20 s")
        .expect("receiver running");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .try_into()
        .expect("fits i64");
    let n = verify(&secret, &signature, &body, now, DEFAULT_TOLERANCE).expect("verifies");
    assert_eq!(n.kind, "transaction.completed");
    assert!(n.id.starts_with("ntf_"), "{}", n.id);
    assert_eq!(
        n.data.parse::<serde_json::Value>().expect("data")["amount"],
        50
    );
    let tampered = String::from_utf8(body)
        .expect("utf-8")
        .replace("\"amount\":50", "\"amount\":5000");
    assert_eq!(
        verify(
            &secret,
            &signature,
            tampered.as_bytes(),
            now,
            DEFAULT_TOLERANCE
        ),
        Err(jiga::WebhookError::BadSignature)
    );
}
