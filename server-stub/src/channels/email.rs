//! Email (contract v1.2): the notifications a user opted in to (`preferences.notifications.email`)
//! written as mail, and the SMTP transport that sends them (`--smtp-url`).
//!
//! Only [`EMAIL_TYPES`] go out by email, and only to users with an address. The message is
//! rendered when the fan-out takes the event (the agent's name as it was then) as [`Mail`];
//! the address, and whether the user still wants email, are read when it is sent. Each
//! message is named by its notification: `Message-ID: <ntf_…@domain of --mail-from>`, so a
//! resent message (delivery is at least once) is recognisable as the same one, and it
//! carries `Auto-Submitted: auto-generated`.

use std::time::Duration;

use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Failure;
use crate::db::DbError;
use crate::db::deliveries::Recipient;
use crate::db::outbox::Stored;

/// The notifications that go out by email to users who opted in (contract v1.2).
pub const EMAIL_TYPES: [&str; 3] = ["session.ended", "transaction.completed", "agent.hired"];
/// How long the SMTP server has for each step of the conversation.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Connections kept open to the SMTP server.
const POOL: u32 = 4;

/// A message as queued: what it says, not yet to whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (everything taken from users escaped).
    pub html: String,
    /// When the event happened (Unix milliseconds): the message's `Date`.
    pub ts: i64,
}

/// The message for `event`, or `None` for a type that does not go out by email.
///
/// # Errors
/// A database failure reading the agent's name.
pub fn render(c: &Connection, event: &Stored) -> Result<Option<Mail>, DbError> {
    if !EMAIL_TYPES.contains(&event.kind.as_str()) {
        return Ok(None);
    }
    let data: Value = serde_json::from_str(&event.data).map_err(DbError::internal)?;
    let field = |k: &str| match data.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let agent = match data.get("agentId").and_then(Value::as_str) {
        Some(id) => c
            .prepare_cached("SELECT json_extract(doc, '$.name') FROM agents WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten()
            .unwrap_or_else(|| id.to_owned()),
        None => String::new(),
    };
    let agent = one_line(&agent);
    let (subject, lines): (String, Vec<String>) = match event.kind.as_str() {
        "agent.hired" => (
            format!("Your agent {agent} was hired"),
            vec![
                format!("Your agent {agent} was just hired for a game session."),
                format!("Session: {}", field("sessionId")),
            ],
        ),
        "session.ended" => (
            format!("Your session with {agent} ended"),
            vec![
                format!("The session with {agent} ended ({}).", field("reason")),
                format!("DOF consumed: {}", field("consumed")),
                format!("Session: {}", field("sessionId")),
            ],
        ),
        _ => (
            format!("Top-up of {} DOF completed", field("amount")),
            vec![
                format!("{} DOF were added to your wallet.", field("amount")),
                format!("Top-up: {}", field("topupId")),
            ],
        ),
    };
    let footer = "You get this email because email notifications are on in your JIGA Store \
                  preferences (preferences.notifications.email); set it to false to stop them.";
    let mut text = lines.join("\n");
    text.push_str("\n\n-- \n");
    text.push_str(footer);
    text.push('\n');
    let mut html = String::from("<!DOCTYPE html>\n<html><body>\n");
    for line in &lines {
        html.push_str("<p>");
        html.push_str(&escape_html(line));
        html.push_str("</p>\n");
    }
    html.push_str("<hr>\n<p style=\"color:#666;font-size:small\">");
    html.push_str(&escape_html(footer));
    html.push_str("</p>\n</body></html>\n");
    Ok(Some(Mail {
        subject,
        text,
        html,
        ts: event.ts,
    }))
}

/// `s` on one line: control characters (a name could hold a line break) become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `s` safe inside HTML text and attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation auto-replies to these.
#[derive(Clone, Debug)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Sends email through the configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP credentials.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `smtp_url` sending as `from`. Call it inside the tokio runtime that sends:
    /// the connection pool starts its task there.
    ///
    /// # Errors
    /// A URL lettre does not take, or a sender that is not an address.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from '{from}' is not an address: {e}"))?;
        let domain = from.email.domain().to_owned();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("--smtp-url is not usable: {e}"))?
            .timeout(Some(TIMEOUT))
            .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(POOL))
            .build();
        Ok(Mailer {
            transport,
            from,
            domain,
        })
    }

    /// The message notification `id` makes of `mail` for `to`.
    ///
    /// # Errors
    /// An address lettre cannot write, or a body that is not a [`Mail`].
    pub fn message(&self, id: &str, to: &Recipient, body: &str) -> Result<Message, Failure> {
        let mail: Mail = serde_json::from_str(body)
            .map_err(|e| Failure::GiveUp(format!("not a queued email: {e}")))?;
        let address = to
            .address
            .parse()
            .map_err(|e| Failure::GiveUp(format!("cannot write to '{}': {e}", to.address)))?;
        let date = std::time::UNIX_EPOCH
            + Duration::from_millis(u64::try_from(mail.ts).unwrap_or_default());
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(one_line(&to.name)), address))
            .subject(mail.subject)
            .message_id(Some(format!("<{id}@{}>", self.domain)))
            .date(date)
            .header(AutoSubmitted)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html),
                    ),
            )
            .map_err(|e| Failure::GiveUp(format!("cannot build the message: {e}")))
    }

    /// Sends notification `id`'s queued `body` to `to`.
    ///
    /// # Errors
    /// [`Failure::GiveUp`] when the SMTP server refused it for good (a 5xx answer), or the
    /// message cannot be written; [`Failure::Retry`] otherwise (no connection, a timeout, a
    /// 4xx answer).
    pub async fn send(&self, id: &str, to: &Recipient, body: &str) -> Result<(), Failure> {
        let message = self.message(id, to, body)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::GiveUp(format!("refused: {e}"))),
            Err(e) => Err(Failure::Retry(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn a_name_cannot_break_a_header_line() {
        assert_eq!(one_line("Coach\r\nBcc: x@y"), "Coach  Bcc: x@y");
    }

    #[tokio::test]
    async fn the_message_is_named_by_the_notification_and_has_both_parts() {
        let mailer = Mailer::new("smtp://127.0.0.1:2525", "JIGA Store <no-reply@jiga.test>")
            .expect("mailer");
        let body = serde_json::to_string(&Mail {
            subject: "Top-up of 500 DOF completed".into(),
            text: "500 DOF were added.".into(),
            html: "<p>500 DOF were added.</p>".into(),
            ts: 1_700_000_000_000,
        })
        .expect("json");
        let to = Recipient {
            address: "ada@example.com".into(),
            name: "Ada".into(),
        };
        let raw = String::from_utf8(
            mailer
                .message("ntf_1", &to, &body)
                .expect("msg")
                .formatted(),
        )
        .expect("utf-8");
        assert!(raw.contains("Message-ID: <ntf_1@jiga.test>\r\n"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"), "{raw}");
        assert!(raw.contains("To: Ada <ada@example.com>\r\n"), "{raw}");
        assert!(
            raw.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
    }

    #[test]
    fn a_bad_sender_or_url_is_a_clear_error() {
        assert!(
            Mailer::new("smtp://127.0.0.1:2525", "not an address")
                .expect_err("refused")
                .contains("--mail-from")
        );
        assert!(
            Mailer::new("ftp://x", "a@b.c")
                .expect_err("refused")
                .contains("--smtp-url")
        );
    }
}
