//! Outside channels (contract v1.2): notifications leave the server by user webhook and by
//! email, read from the transactional outbox (`crate::db::outbox`).
//!
//! Two loops, one task each:
//! - **fan-out** reads outbox events after its recorded position, makes a delivery for each
//!   recipient with a webhook and an email for each who opted in to the kinds that go out by
//!   email, and tries each once straight away ([`IN_FLIGHT`] at once, for at most
//!   [`FIRST_TRY`]). Then, in one storage write, it queues what failed or did not finish
//!   (`crate::db::deliveries`) and moves its position past the batch. What went out the first
//!   time costs no storage write; a crash before that write tries the batch again: nothing is
//!   lost, and a repeat is deduplicable by `JIGA-Delivery-Id` (or the email's `Message-ID`).
//! - **delivery** sends the queued deliveries that are due, at most [`IN_FLIGHT`] at once, and
//!   records each outcome: done (removed), or retried with exponential backoff until 24 hours
//!   after the event (an SMTP server's permanent refusal is not retried). A delivery in flight
//!   when the process dies is still queued and goes out again after the restart.
//!
//! The fan-out wakes when a committed write's events are sent live ([`Notifier::recorded`]),
//! the delivery loop when the fan-out queued something or a retry is due; both otherwise look
//! once a second. The fan-out also deletes what every sink has taken, after [`RETAIN`].

pub mod analytics;
pub mod email;
pub mod guard;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::db::deliveries::{self, Channel, Delivery, Hook, Recipient, Target};
use crate::db::{Db, outbox};
use crate::ids::now_millis;
use crate::stream::notify::Notifier;

/// The fan-out's name in `outbox_progress`.
pub const FANOUT_SINK: &str = "deliveries";
/// Outbox events one fan-out job takes.
const FANOUT_BATCH: usize = 2048;
/// Deliveries sent at once.
pub const IN_FLIGHT: usize = 16;
/// How long the fan-out waits for its first tries of a batch before it queues what is left
/// for the delivery loop.
pub const FIRST_TRY: Duration = Duration::from_secs(2);
/// Deliveries one pass takes (their outcomes are recorded in one write).
const DUE_BATCH: usize = 256;
/// How long a notification is retried.
pub const RETRY_FOR: Duration = Duration::from_secs(24 * 3600);
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often taken events are deleted from the outbox.
const PRUNE_EVERY: Duration = Duration::from_secs(5);
/// How long taken events stay in the outbox (for inspection) before they are deleted.
pub const RETAIN: Duration = Duration::from_secs(300);
/// Events one pruning write deletes at most.
const PRUNE_CHUNK: usize = 5_000;
/// How often the loops look even when nothing woke them.
const POLL: Duration = Duration::from_secs(1);

/// What the dispatcher needs.
#[derive(Clone)]
pub struct Dispatcher {
    /// Storage.
    pub db: Db,
    /// Says when a write recorded events.
    pub notifier: Arc<Notifier>,
    /// Wakes the delivery loop when the fan-out queued something.
    pub queued: Arc<Notify>,
    /// The webhook sender.
    pub webhooks: webhook::Sender,
    /// The email sender, when the server sends email (`--smtp-url`).
    pub mailer: Option<email::Mailer>,
    /// The first retry's delay; each later one doubles it.
    pub retry_base: Duration,
    /// Every sink reading the outbox in this server (the fan-out's [`FANOUT_SINK`], and
    /// `analytics` when it exports): events all of them have taken are deleted.
    pub sinks: Vec<&'static str>,
}

impl Dispatcher {
    /// Runs both loops until `shutdown`.
    pub fn spawn(self, shutdown: CancellationToken) {
        let fan = self.clone();
        let stop = shutdown.clone();
        tokio::spawn(async move { fan.fan_out_loop(stop).await });
        tokio::spawn(async move { self.delivery_loop(shutdown).await });
    }

    async fn fan_out_loop(self, shutdown: CancellationToken) {
        let mut recorded = self.notifier.recorded();
        let mut pruned_at = tokio::time::Instant::now();
        loop {
            if pruned_at.elapsed() >= PRUNE_EVERY {
                pruned_at = tokio::time::Instant::now();
                if let Err(e) = self.prune().await {
                    tracing::warn!(error = %e, "outbox pruning failed");
                }
            }
            let moved = match self.fan_out_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox fan-out failed; retrying");
                    0
                }
            };
            if moved == FANOUT_BATCH {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = recorded.changed() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Queues the deliveries of the next batch of outbox events; how many events it took.
    ///
    /// # Errors
    /// A storage failure (nothing of the batch is applied).
    pub async fn fan_out_once(&self) -> Result<usize, crate::db::DbError> {
        let retry_for = i64::try_from(RETRY_FOR.as_millis()).unwrap_or(i64::MAX);
        // Read on a reader connection, so the writer only queues; this task is the only one
        // moving the fan-out's position, so what it read is still what follows it.
        let email = self.mailer.is_some();
        let (taken, last, queue) = self
            .db
            .read(move |c| {
                let events = outbox::after(c, outbox::progress(c, FANOUT_SINK)?, FANOUT_BATCH)?;
                let mut users: HashMap<String, (Option<Hook>, Option<Recipient>)> = HashMap::new();
                let mut queue: Vec<(Delivery, Target)> = Vec::new();
                for e in &events {
                    let mut mail = None;
                    for note in &e.notes {
                        if !users.contains_key(&note.user_id) {
                            let hook = deliveries::hook(c, &note.user_id)?;
                            let to = if email {
                                deliveries::recipient(c, &note.user_id)?
                            } else {
                                None
                            };
                            users.insert(note.user_id.clone(), (hook, to));
                        }
                        let Some((hook, to)) = users.get(&note.user_id) else {
                            continue;
                        };
                        let expires_at = e.ts.saturating_add(retry_for);
                        if let Some(hook) = hook {
                            queue.push((
                                Delivery {
                                    id: note.id.clone(),
                                    channel: Channel::Webhook,
                                    user_id: note.user_id.clone(),
                                    body: webhook::body(e, note)?,
                                    attempts: 0,
                                    expires_at,
                                },
                                Target::Webhook(hook.clone()),
                            ));
                        }
                        if let Some(to) = to {
                            if mail.is_none() {
                                mail = Some(match email::render(c, e)? {
                                    Some(m) => Some(
                                        serde_json::to_string(&m)
                                            .map_err(crate::db::DbError::internal)?,
                                    ),
                                    None => None,
                                });
                            }
                            if let Some(Some(body)) = &mail {
                                queue.push((
                                    Delivery {
                                        id: note.id.clone(),
                                        channel: Channel::Email,
                                        user_id: note.user_id.clone(),
                                        body: body.clone(),
                                        attempts: 0,
                                        expires_at,
                                    },
                                    Target::Email(to.clone()),
                                ));
                            }
                        }
                    }
                }
                Ok::<_, crate::db::DbError>((events.len(), events.last().map(|e| e.seq), queue))
            })
            .await?;
        let Some(last) = last else { return Ok(0) };
        // The first try, straight away and before anything is stored: what went out needs no
        // row. What failed is queued for its retry, and what has not finished by the deadline
        // (a slow receiver must not hold the batch) is queued as it was, to go out from the
        // delivery loop (a cut-off try may have arrived: a duplicate, deduplicable by the id).
        let mut outcomes: Vec<Option<Result<(), Failure>>> = vec![None; queue.len()];
        {
            // Each try is a task of its own: one still running at the deadline finishes on its
            // own (an SMTP conversation or a request cut mid-way could leave a pooled
            // connection out of step), at most IN_FLIGHT of them.
            let tries: Vec<(usize, (Delivery, Target))> =
                queue.iter().cloned().enumerate().collect();
            let sends = futures_util::stream::iter(tries)
                .map(|(i, (d, target))| {
                    let (webhooks, mailer) = (self.webhooks.clone(), self.mailer.clone());
                    tokio::spawn(
                        async move { (i, send(&webhooks, mailer.as_ref(), &d, &target).await) },
                    )
                })
                .buffer_unordered(IN_FLIGHT);
            tokio::pin!(sends);
            let deadline = tokio::time::Instant::now() + FIRST_TRY;
            while let Ok(Some(Ok((i, outcome)))) =
                tokio::time::timeout_at(deadline, sends.next()).await
            {
                if let Some(slot) = outcomes.get_mut(i) {
                    *slot = Some(outcome);
                }
            }
        }
        let base = self.retry_base;
        let done = now_millis();
        let mut queued = false;
        let mut rows: Vec<(Delivery, i64, Option<String>)> = Vec::new();
        for ((d, _), outcome) in queue.into_iter().zip(outcomes) {
            match outcome {
                Some(outcome) => {
                    if let Some((next, e)) = settle(&d, outcome, done, base) {
                        let attempts = d.attempts + 1;
                        rows.push((Delivery { attempts, ..d }, next, Some(e)));
                    }
                }
                None => {
                    queued = true;
                    rows.push((d, done, None));
                }
            }
        }
        self.db
            .write(move |tx| {
                for (d, next_at, error) in &rows {
                    deliveries::enqueue(tx, d, *next_at, error.as_deref())?;
                }
                outbox::advance(tx, FANOUT_SINK, last)
            })
            .await?;
        if queued {
            self.queued.notify_one();
        }
        Ok(taken)
    }

    /// Deletes the events every sink has taken that are older than [`RETAIN`], a bounded
    /// chunk per write.
    ///
    /// # Errors
    /// A storage failure.
    pub async fn prune(&self) -> Result<usize, crate::db::DbError> {
        let mut total = 0;
        loop {
            let sinks = self.sinks.clone();
            let before = now_millis() - i64::try_from(RETAIN.as_millis()).unwrap_or(i64::MAX);
            let n = self
                .db
                .write(move |tx| outbox::prune(tx, &sinks, before, PRUNE_CHUNK))
                .await?;
            total += n;
            if n < PRUNE_CHUNK {
                return Ok(total);
            }
        }
    }

    async fn delivery_loop(self, shutdown: CancellationToken) {
        loop {
            let wait = match self.deliver_due().await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery pass failed; retrying");
                    POLL
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.queued.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends every delivery due now (a batch of at most 256, [`IN_FLIGHT`] at once) and records the
    /// outcomes; how long until the next one is due (at most a second).
    ///
    /// # Errors
    /// A storage failure.
    pub async fn deliver_due(&self) -> Result<Duration, crate::db::DbError> {
        let now = now_millis();
        let due = self
            .db
            .read(move |c| deliveries::due(c, now, DUE_BATCH))
            .await?;
        if due.is_empty() {
            let next = self.db.read(deliveries::next_due).await?;
            return Ok(next.map_or(POLL, |at| {
                Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(POLL)
            }));
        }
        let outcomes: Vec<(Delivery, Result<(), Failure>)> = futures_util::stream::iter(due)
            .map(|(d, target)| async move {
                let outcome = send(&self.webhooks, self.mailer.as_ref(), &d, &target).await;
                (d, outcome)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let base = self.retry_base;
        let done = now_millis();
        self.db
            .write(move |tx| {
                for (d, outcome) in outcomes {
                    match settle(&d, outcome, done, base) {
                        None => deliveries::delivered(tx, &d.id, d.channel)?,
                        Some((next, e)) => deliveries::retry_at(tx, &d.id, d.channel, next, &e)?,
                    }
                }
                Ok::<_, crate::db::DbError>(())
            })
            .await?;
        Ok(Duration::ZERO)
    }
}

/// One try of `d` to `target`.
async fn send(
    webhooks: &webhook::Sender,
    mailer: Option<&email::Mailer>,
    d: &Delivery,
    target: &Target,
) -> Result<(), Failure> {
    match target {
        Target::Webhook(hook) => webhooks
            .send(hook, &d.id, &d.body)
            .await
            .map_err(Failure::Retry),
        Target::Email(to) => match mailer {
            Some(mailer) => mailer.send(&d.id, to, &d.body).await,
            // Queued by a run with `--smtp-url`; kept until a run sends email again.
            None => Err(Failure::Retry(
                "this server sends no email (--smtp-url)".into(),
            )),
        },
        // Nothing to deliver to any more.
        Target::Gone => Ok(()),
    }
}

/// What follows one try of `d` that ended at `now` with `outcome`: `None` when it is done
/// with (sent, refused for good, or past its 24 hours), else when to try again and why.
fn settle(
    d: &Delivery,
    outcome: Result<(), Failure>,
    now: i64,
    base: Duration,
) -> Option<(i64, String)> {
    let attempts = d.attempts + 1;
    match outcome {
        Ok(()) => None,
        Err(Failure::GiveUp(e)) => {
            tracing::warn!(id = %d.id, channel = d.channel.as_str(), error = %e, attempts, "delivery refused for good; dropped");
            None
        }
        Err(Failure::Retry(e)) => {
            let next = now + backoff_millis(base, attempts);
            if next > d.expires_at {
                tracing::warn!(id = %d.id, channel = d.channel.as_str(), error = %e, attempts, "delivery expired; dropped");
                None
            } else {
                tracing::debug!(id = %d.id, channel = d.channel.as_str(), error = %e, "delivery failed; retrying");
                Some((next, e))
            }
        }
    }
}

/// Why a delivery did not go out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// It may go out later (no answer, a timeout, a temporary refusal): try again.
    Retry(String),
    /// It never will (the SMTP server refused the recipient for good): drop it.
    GiveUp(String),
}

/// The wait before try `attempt + 1` after `attempt` failures: `base` doubling, at most an
/// hour.
fn backoff_millis(base: Duration, failures: u32) -> i64 {
    let exp = failures.saturating_sub(1).min(20);
    let wait = base.saturating_mul(1 << exp).min(MAX_BACKOFF);
    i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff_millis(base, 1), 1_000);
        assert_eq!(backoff_millis(base, 2), 2_000);
        assert_eq!(backoff_millis(base, 5), 16_000);
        assert_eq!(backoff_millis(base, 13), 3_600_000);
        assert_eq!(backoff_millis(base, u32::MAX), 3_600_000);
    }
}
