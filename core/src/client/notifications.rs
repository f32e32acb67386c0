//! The caller's notifications (`GET /v1/events/stream`): [`Client::notifications`].
//!
//! Notifications are live only — the contract keeps no backlog — so after a cut the stream
//! reconnects and goes on with what is sent from then; what was sent while the link was down
//! is not replayed. Use the REST routes (wallet, sessions) to catch up on state after a
//! reconnect if that matters.

use std::time::Duration;

use super::transport::{WsFrame, within};
use futures_util::{Stream, StreamExt, stream};

use super::Client;
use super::error::{Error, Result};
use super::retry::RetryReason;
use super::stream::{Opened, open_ws, pause_before_reconnect, ws_url};
use crate::event::Notification;

/// No frame for this long means the link is dead (the server pings at least every 15 s).
const DEAD_LINK: Duration = Duration::from_secs(30);
/// Reconnects in a row without a frame before the stream gives up.
const MAX_RECONNECTS: u32 = 20;

struct Notes {
    client: Client,
    ws: Option<super::stream::Ws>,
    failures: u32,
    finished: bool,
}

impl Client {
    /// The signed-in user's notifications (`agent.hired`, `transaction.completed`,
    /// `session.ended`, `review.submitted`, `agent.published`, …) as a stream that reconnects
    /// by itself after a cut. It ends with an error when the server refuses the caller, or
    /// after 20 failed reconnects in a row. Dropping it closes the connection.
    pub fn notifications(&self) -> impl Stream<Item = Result<Notification>> + Send + 'static {
        let notes = Notes {
            client: self.clone(),
            ws: None,
            failures: 0,
            finished: false,
        };
        stream::unfold(Box::new(notes), |mut n| async move {
            let item = n.next().await?;
            Some((item, n))
        })
    }
}

impl Notes {
    async fn next(&mut self) -> Option<Result<Notification>> {
        loop {
            if self.finished {
                return None;
            }
            let Some(ws) = self.ws.as_mut() else {
                let url = ws_url(&self.client, "/v1/events/stream");
                match open_ws(&self.client, &url, "notifications stream").await {
                    Ok(Opened::Ws(ws, _)) => self.ws = Some(ws),
                    Ok(Opened::Retry(reason, error)) => {
                        if let Err(e) = self.backoff(reason, error).await {
                            return Some(Err(e));
                        }
                    }
                    Err(e) => {
                        self.finished = true;
                        return Some(Err(e));
                    }
                }
                continue;
            };
            let (reason, error) =
                match within(self.client.inner.timer.sleep(DEAD_LINK), ws.next()).await {
                    Ok(Some(Ok(WsFrame::Text(text)))) => {
                        self.failures = 0;
                        return Some(serde_json::from_str(text.as_str()).map_err(|e| {
                            Error::Decode {
                                message: format!("notification frame: {e}"),
                            }
                        }));
                    }
                    Ok(Some(Ok(WsFrame::Close(frame)))) => {
                        let code = frame.as_ref().map(|(code, _)| *code);
                        let reason = frame.map(|(_, reason)| reason).unwrap_or_default();
                        if matches!(code, Some(4001 | 4003)) {
                            self.finished = true;
                            return Some(Err(Error::Unauthenticated {
                                message: reason,
                                request_id: None,
                            }));
                        }
                        (
                            RetryReason::Transport,
                            Error::Transport {
                                message: format!("notifications closed with {code:?}: {reason}"),
                                source: None,
                            },
                        )
                    }
                    // Pings are answered by tungstenite.
                    Ok(Some(Ok(_))) => continue,
                    Ok(Some(Err(e))) => (
                        RetryReason::Transport,
                        Error::Transport {
                            message: format!("notifications cut: {e}"),
                            source: Some(Box::new(e)),
                        },
                    ),
                    Ok(None) => (
                        RetryReason::Transport,
                        Error::Transport {
                            message: "notifications closed without a close frame".into(),
                            source: None,
                        },
                    ),
                    Err(_) => (
                        RetryReason::Timeout,
                        Error::Timeout {
                            message: "notifications showed no frame for 30 s".into(),
                        },
                    ),
                };
            self.ws = None;
            if let Err(e) = self.backoff(reason, error).await {
                return Some(Err(e));
            }
        }
    }

    async fn backoff(&mut self, reason: RetryReason, error: Error) -> Result<()> {
        self.failures += 1;
        if self.failures > MAX_RECONNECTS {
            self.finished = true;
            return Err(error);
        }
        pause_before_reconnect(&self.client, "/v1/events/stream", self.failures, reason).await;
        Ok(())
    }
}
