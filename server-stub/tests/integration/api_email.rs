//! Email (contract v1.2): the notifications users opted in to, sent through a real SMTP server
//! on loopback (aiosmtpd, `tests/channels/smtp_sink.py`) and read back with Python's `email`
//! package — plain text and HTML, named by the notification id, retried after a temporary
//! refusal, dropped after a permanent one.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, unique};
use crate::smtp::{SmtpSink, notification_id};

const FROM: &str = "JIGA Test <no-reply@jiga.test>";

async fn mail_server(sink: &SmtpSink) -> TestServer {
    let url = sink.url.clone();
    TestServer::start_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = FROM.into();
    })
    .await
}

/// A registered user at `email`, with email notifications `on` or off; (token, user id).
async fn person(s: &TestServer, email: &str, on: bool) -> (String, String) {
    let r = s
        .post(
            "/v1/auth/register",
            None,
            json!({"email": email, "password": "correct-horse-1", "displayName": "Ann Example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.body["accessToken"].as_str().expect("token").to_owned();
    let id = r.body["user"]["id"].as_str().expect("id").to_owned();
    opt_in(s, &token, on).await;
    (token, id)
}

async fn opt_in(s: &TestServer, token: &str, on: bool) {
    let r = s
        .call(
            Method::PATCH,
            "/v1/users/me",
            Some(token),
            Some(json!({"preferences": {"notifications": {"email": on}, "theme": "dark"}})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The notification ids `user` was sent, by type, straight from the outbox.
async fn notes_of(s: &TestServer, user: &str) -> Vec<(String, String)> {
    let user = user.to_owned();
    s.state()
        .db
        .read(move |c| {
            let mut stmt = c.prepare("SELECT type, recipients FROM outbox ORDER BY seq")?;
            let rows: Vec<(String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for (kind, recipients) in rows {
                let recipients: Vec<[String; 2]> =
                    serde_json::from_str(&recipients).expect("recipients");
                for [u, id] in recipients {
                    if u == user {
                        out.push((kind.clone(), id));
                    }
                }
            }
            Ok::<_, jiga_server::db::DbError>(out)
        })
        .await
        .expect("outbox")
}

async fn email_waiting(s: &TestServer) -> u64 {
    s.state()
        .db
        .read(|c| {
            jiga_server::db::deliveries::waiting(c, jiga_server::db::deliveries::Channel::Email)
        })
        .await
        .expect("count")
}

async fn until_no_email_waits(s: &TestServer) {
    for _ in 0..200 {
        if email_waiting(s).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} emails still waiting", email_waiting(s).await);
}

#[tokio::test]
async fn opted_in_users_get_their_notifications_by_email_in_plain_text_and_html() {
    let Some(sink) = SmtpSink::start(0) else {
        return;
    };
    let s = mail_server(&sink).await;
    let (owner, owner_id) = person(&s, "owner@mail.test", true).await;
    let (hirer, hirer_id) = person(&s, "hirer@mail.test", true).await;
    // Not opted in, and opted in without an address: no email for either.
    let (quiet, _) = person(&s, "quiet@mail.test", false).await;
    let (device, _) = s.user().await;
    opt_in(&s, &device, true).await;

    let r = s
        .post(
            "/v1/agents",
            Some(&owner),
            json!({"name": "Coach <b>&</b>", "rank": "gold", "type": "coach", "provider": "openai",
                   "pricing": {"perMinute": 10, "perAction": 1}, "games": ["chess"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let agent = r.body["id"].as_str().expect("id").to_owned();
    let r = s
        .post(
            &format!("/v1/agents/{agent}/publish"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.top_up(&hirer, 500).await;
    s.top_up(&quiet, 5).await;
    s.top_up(&device, 5).await;
    let session = s.hire(&hirer, &agent, 100).await;
    let r = s
        .post_idem(
            &format!("/v1/sessions/{session}/end"),
            &hirer,
            None,
            &unique("end"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The hirer: transaction.completed and session.ended; the owner: agent.hired and
    // session.ended. Nothing else.
    let got = sink.wait_for(4, 20).await;
    until_no_email_waits(&s).await;
    let got_all = sink.messages();
    assert_eq!(got_all.len(), 4, "{got_all:#?}");
    let mut expected: Vec<(String, String, String)> = Vec::new();
    for (user, address) in [
        (&hirer_id, "hirer@mail.test"),
        (&owner_id, "owner@mail.test"),
    ] {
        for (kind, id) in notes_of(&s, user).await {
            if ["session.ended", "transaction.completed", "agent.hired"].contains(&kind.as_str()) {
                expected.push((address.to_owned(), kind, id));
            }
        }
    }
    assert_eq!(expected.len(), 4, "{expected:?}");
    let ids: HashSet<String> = got.iter().map(notification_id).collect();
    assert_eq!(ids.len(), 4, "every message has its own notification id");
    for (address, kind, id) in &expected {
        let m: &Value = got
            .iter()
            .find(|m| notification_id(m) == *id)
            .unwrap_or_else(|| panic!("no email for {kind} {id}: {got:#?}"));
        assert_eq!(m["envelopeTo"], json!([address]));
        assert!(
            m["to"]
                .as_str()
                .is_some_and(|t| t.contains(address.as_str())),
            "{m}"
        );
        assert_eq!(m["from"], FROM);
        assert_eq!(m["messageId"], format!("<{id}@jiga.test>"));
        assert_eq!(m["autoSubmitted"], "auto-generated");
        assert_eq!(m["contentType"], "multipart/alternative");
        let text = m["text"].as_str().expect("a plain-text part");
        let html = m["html"].as_str().expect("an HTML part");
        assert!(text.contains("preferences.notifications.email"), "{text}");
        match kind.as_str() {
            "agent.hired" => {
                assert_eq!(m["subject"], "Your agent Coach <b>&</b> was hired");
                assert!(text.contains(&session), "{text}");
                // What a user wrote is text in the HTML part, never markup.
                assert!(html.contains("Coach &lt;b&gt;&amp;&lt;/b&gt;"), "{html}");
                assert!(!html.contains("<b>"), "{html}");
            }
            "session.ended" => {
                assert_eq!(m["subject"], "Your session with Coach <b>&</b> ended");
                assert!(text.contains("DOF consumed:"), "{text}");
            }
            _ => {
                assert_eq!(m["subject"], "Top-up of 500 DOF completed");
                assert!(
                    text.contains("500 DOF were added to your wallet."),
                    "{text}"
                );
                assert!(
                    html.contains("500 DOF were added to your wallet."),
                    "{html}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_temporarily_refused_email_is_retried_and_arrives_once() {
    let Some(sink) = SmtpSink::start(2) else {
        return;
    };
    let s = mail_server(&sink).await;
    let (t, id) = person(&s, "retry@mail.test", true).await;
    s.top_up(&t, 25).await;
    let got = sink.wait_for(1, 20).await;
    until_no_email_waits(&s).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "{:#?}", sink.messages());
    let notes = notes_of(&s, &id).await;
    assert_eq!(notification_id(&got[0]), notes[0].1);
}

#[tokio::test]
async fn a_permanently_refused_email_is_dropped_not_retried() {
    let Some(sink) = SmtpSink::start(0) else {
        return;
    };
    let s = mail_server(&sink).await;
    let (refused, _) = person(&s, "refused@mail.test", true).await;
    let (fine, _) = person(&s, "fine@mail.test", true).await;
    s.top_up(&refused, 5).await;
    s.top_up(&fine, 6).await;
    sink.wait_for(1, 20).await;
    // The 550 ends the refused one's delivery at its first try: nothing waits for a retry.
    until_no_email_waits(&s).await;
    let got = sink.messages();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["envelopeTo"], json!(["fine@mail.test"]));
}

#[tokio::test]
async fn without_smtp_no_email_is_queued() {
    let s = TestServer::start().await;
    let (t, _) = person(&s, "nosmtp@mail.test", true).await;
    s.top_up(&t, 5).await;
    // Once the fan-out has passed the top-up's event, nothing was queued for it.
    for _ in 0..200 {
        let (at, head) = s
            .state()
            .db
            .read(|c| {
                Ok::<_, jiga_server::db::DbError>((
                    jiga_server::db::outbox::progress(c, jiga_server::channels::FANOUT_SINK)?,
                    jiga_server::db::outbox::head(c)?,
                ))
            })
            .await
            .expect("progress");
        if head > 0 && at == head {
            assert_eq!(email_waiting(&s).await, 0);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the fan-out did not pass the top-up");
}

#[tokio::test]
async fn the_email_preference_must_be_a_boolean() {
    let s = TestServer::start().await;
    let (t, _) = s.user().await;
    for (prefs, field) in [
        (
            json!({"notifications": {"email": "yes"}}),
            "preferences.notifications.email",
        ),
        (json!({"notifications": true}), "preferences.notifications"),
    ] {
        s.call(
            Method::PATCH,
            "/v1/users/me",
            Some(&t),
            Some(json!({ "preferences": prefs })),
            None,
        )
        .await
        .assert_invalid_field(field);
    }
}
