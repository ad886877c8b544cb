//! The `nats` source: documents from a NATS JetStream stream, through a durable pull consumer
//! with explicit acknowledgements.
//!
//! A message is one document: a JSON object with the JSON-lines input's fields, or the page's
//! own bytes with headers saying what they are (`Newsmill-Format`: `html`, `text`, `feed` or
//! `json`; `Newsmill-Url`); its id is the object's `id`, else `Nats-Msg-Id`, else the stream and
//! sequence. A feed gives one document per item. A message is acknowledged only once every
//! document it gave is durably handled and committed ([`acks`]); while it is on its way it is
//! kept alive with progress acknowledgements, so a stalled output does not make the server
//! deliver it again. Its last allowed delivery (`max_deliver`) goes to the dead letter unread
//! and the message is terminated: a message that stops the daemon each time it is read cannot
//! stop it forever. What is in flight is bounded by the consumer's `max_ack_pending`, one pull
//! and the channels.

pub(crate) mod acks;
pub mod config;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::PullConsumer, consumer::pull};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use self::acks::{Arrival, MessageAcks};
use self::config::NatsSourceConfig;
use super::reader::{Emit, Limits, read_message};
use super::{Source, SourceContext};
use crate::nats::NatsConfig;
use crate::record::{Acknowledge, Format, MessageTicket, Rejection, Ticket, now_rfc3339};

/// The header that says what a message's bytes are.
pub const FORMAT_HEADER: &str = "Newsmill-Format";
/// The header that gives a page's URL.
pub const URL_HEADER: &str = "Newsmill-Url";

/// Tells this stream and consumer's tickets (and done table rows) from any other's.
pub(crate) fn source_id(cfg: &NatsSourceConfig) -> u64 {
    xxhash_rust::xxh3::xxh3_64(format!("{}\0{}", cfg.stream, cfg.consumer).as_bytes()).max(1)
}

/// See the module docs.
pub(crate) struct NatsSource {
    /// Return once the consumer has nothing more to deliver (`run --once`).
    once: bool,
    cfg: NatsSourceConfig,
    server: NatsConfig,
    limits: Limits,
    acks: Arc<MessageAcks>,
}

impl NatsSource {
    /// A source reading `cfg`'s consumer on `server`, acknowledging through `acks`.
    /// With `once` it returns when the consumer has nothing more to deliver.
    pub fn new(
        cfg: &NatsSourceConfig,
        server: &NatsConfig,
        limits: Limits,
        acks: Arc<MessageAcks>,
        once: bool,
    ) -> Self {
        Self { once, cfg: cfg.clone(), server: server.clone(), limits, acks }
    }

    /// The stream and the durable consumer, created when missing (with `create`).
    async fn consumer(&self, js: &jetstream::Context) -> Result<PullConsumer, String> {
        let cfg = &self.cfg;
        let stream = if cfg.create {
            js.get_or_create_stream(jetstream::stream::Config {
                name: cfg.stream.clone(),
                subjects: cfg.subjects.clone(),
                storage: jetstream::stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("stream {}: {e}", cfg.stream))?
        } else {
            js.get_stream(&cfg.stream).await.map_err(|e| format!("stream {}: {e}", cfg.stream))?
        };
        let config = pull::Config {
            durable_name: Some(cfg.consumer.clone()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_millis(cfg.ack_wait_ms.get()),
            max_deliver: i64::try_from(cfg.max_deliver.get()).unwrap_or(i64::MAX),
            max_ack_pending: i64::try_from(cfg.max_ack_pending.get()).unwrap_or(i64::MAX),
            filter_subjects: if cfg.subjects.len() > 1 { cfg.subjects.clone() } else { Vec::new() },
            filter_subject: if cfg.subjects.len() == 1 { cfg.subjects[0].clone() } else { String::new() },
            ..Default::default()
        };
        let consumer: PullConsumer = if cfg.create {
            stream.get_or_create_consumer(&cfg.consumer, config.clone()).await.map_err(|e| e.to_string())
        } else {
            stream.get_consumer(&cfg.consumer).await.map_err(|e| e.to_string())
        }
        .map_err(|e| format!("consumer {} on {}: {e}", cfg.consumer, cfg.stream))?;
        // Settings changed in the config since the consumer was made apply to it.
        if cfg.create {
            let _ = stream.update_consumer(config).await.map_err(|e| {
                warn!(consumer = %cfg.consumer, error = %e, "Cannot update the NATS consumer's settings; it keeps its own.")
            });
        }
        Ok(consumer)
    }

    /// Turns one delivered message into documents and rejections and hands them on; false when
    /// the pipeline is closing.
    async fn handle(&self, message: jetstream::Message, ctx: &SourceContext) -> bool {
        ctx.counters.received.fetch_add(1, Ordering::Relaxed);
        let (seq, delivered) = match message.info() {
            Ok(info) => (info.stream_sequence, info.delivered),
            Err(error) => {
                warn!(%error, subject = %message.subject, "A NATS message without JetStream metadata; ignored.");
                return true;
            }
        };
        if delivered > 1 {
            metrics::counter!("newsmill_nats_redeliveries_total").increment(1);
        }
        match self.acks.arrive(seq, &message) {
            Arrival::Read => {}
            Arrival::Done | Arrival::OnItsWay => {
                debug!(seq, delivered, "Message handled already or on its way; not read again.");
                ctx.counters.dropped.fetch_add(1, Ordering::Relaxed);
                return true;
            }
        }
        let path: Arc<std::path::Path> = PathBuf::from(format!("nats://{}/{seq}", self.cfg.stream)).into();
        let header = |name: &str| message.headers.as_ref().and_then(|h| h.get(name)).map(|v| v.as_str().to_string());
        let id = header(async_nats::header::NATS_MESSAGE_ID.as_ref())
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| format!("{}-{seq}", self.cfg.stream));
        let ticket = |part: u32| Ticket::Message(MessageTicket { source: self.acks.source, seq, part });
        let mut out: Vec<Emit> = Vec::new();
        if u64::try_from(delivered).unwrap_or(0) >= self.cfg.max_deliver.get() {
            metrics::counter!("newsmill_nats_poison_total").increment(1);
            out.push(Emit::Reject(Rejection {
                id: Some(id.clone()),
                path: path.display().to_string(),
                offset: None,
                stage: "source",
                kind: "redelivered",
                reason: format!(
                    "delivered {delivered} times (max_deliver) without being handled: a message that stops newsmill \
                     each time it is read; terminated"
                ),
                excerpt: String::from_utf8_lossy(
                    &message.payload[..message.payload.len().min(self.limits.excerpt_bytes)],
                )
                .into_owned(),
                rejected_at: now_rfc3339(),
                ticket: Some(ticket(0)),
            }));
        } else {
            let format = match header(FORMAT_HEADER).map(|f| f.trim().to_ascii_lowercase()).as_deref() {
                Some("html") => Ok(Format::Html),
                Some("text" | "txt") => Ok(Format::Text),
                Some("feed" | "rss" | "atom") => Ok(Format::Feed),
                Some("json" | "jsonl") | None => Ok(Format::Jsonl),
                Some(other) => Err(other.to_string()),
            };
            match format {
                Ok(format) => {
                    let (limits, url, payload) = (self.limits, header(URL_HEADER), message.payload.to_vec());
                    let (p, i) = (path.clone(), id.clone());
                    // Decoding and feed parsing are CPU work: off the async threads.
                    let read = tokio::task::spawn_blocking(move || {
                        let mut out = Vec::new();
                        read_message(&p, &i, format, payload, limits, &mut |e| {
                            out.push(e);
                            true
                        });
                        out
                    })
                    .await;
                    out = read.unwrap_or_default();
                    for (part, e) in out.iter_mut().enumerate() {
                        let t = ticket(u32::try_from(part).unwrap_or(u32::MAX));
                        match e {
                            Emit::Doc(d) => {
                                d.prov.ticket = t;
                                if d.meta.url.is_none() {
                                    d.meta.url.clone_from(&url);
                                }
                            }
                            Emit::Reject(r) => r.ticket = Some(t),
                        }
                    }
                }
                Err(other) => out.push(Emit::Reject(Rejection {
                    id: Some(id.clone()),
                    path: path.display().to_string(),
                    offset: None,
                    stage: "source",
                    kind: "unknown_format",
                    reason: format!("{FORMAT_HEADER}: `{other}` is none of html, text, feed, json"),
                    excerpt: String::new(),
                    rejected_at: now_rfc3339(),
                    ticket: Some(ticket(0)),
                })),
            }
        }
        let poison = out.iter().any(|e| matches!(e, Emit::Reject(r) if r.kind == "redelivered"));
        self.acks.deliver(seq, message, u32::try_from(out.len()).unwrap_or(u32::MAX), poison);
        for e in out {
            match e {
                Emit::Doc(doc) => {
                    if ctx.out.send(doc).await.is_err() {
                        return false;
                    }
                    ctx.counters.sent.fetch_add(1, Ordering::Relaxed);
                }
                Emit::Reject(r) => {
                    warn!(path = %r.path, kind = r.kind, reason = %r.reason, "Rejected input.");
                    ctx.counters.rejected.fetch_add(1, Ordering::Relaxed);
                    ctx.dead_letter.send(r).await;
                }
            }
        }
        true
    }

    /// Keeps messages on their way alive and reports the consumer's figures until `stop`.
    async fn watch(acks: Arc<MessageAcks>, consumer: PullConsumer, every: Duration, stop: CancellationToken) {
        let mut consumer = consumer;
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = stop.cancelled() => return,
            }
            let kept = acks.keep_alive(every);
            if kept > 0 {
                metrics::counter!("newsmill_nats_progress_acks_total").increment(kept as u64);
            }
            match consumer.info().await {
                Ok(info) => {
                    metrics::gauge!("newsmill_nats_consumer_pending").set(info.num_pending as f64);
                    metrics::gauge!("newsmill_nats_ack_pending").set(info.num_ack_pending as f64);
                    metrics::gauge!("newsmill_nats_redelivered").set(info.num_redelivered as f64);
                    acks.floor(info.ack_floor.stream_sequence);
                }
                Err(error) => debug!(%error, "Cannot read the NATS consumer's figures."),
            }
            let (in_flight, done) = acks.sizes();
            metrics::gauge!("newsmill_nats_in_flight").set(in_flight as f64);
            metrics::gauge!("newsmill_nats_done_held").set(done as f64);
        }
    }

    /// Whether the consumer has no message left to deliver: none pending, and none delivered
    /// but unacknowledged beyond this process' own (a killed process' deliveries come again
    /// after `ack_wait`).
    async fn drained(&self, consumer: &PullConsumer) -> bool {
        let mut consumer = consumer.clone();
        let (mine, _) = self.acks.sizes();
        consumer.info().await.is_ok_and(|i| i.num_pending == 0 && i.num_ack_pending <= mine)
    }

    async fn run_inner(self, ctx: SourceContext) {
        let client = match self.server.connect().await {
            Ok(c) => c,
            Err(error) => {
                warn!(%error, "NATS source cannot start; check [nats].");
                return;
            }
        };
        let js = jetstream::new(client);
        let mut wait = Duration::from_millis(200);
        let consumer = loop {
            match self.consumer(&js).await {
                Ok(c) => break c,
                Err(error) => {
                    warn!(%error, retry_in_ms = wait.as_millis() as u64, "NATS consumer not ready; retrying.");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = ctx.cancel.cancelled() => return,
                    }
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        };
        info!(stream = %self.cfg.stream, consumer = %self.cfg.consumer, "Reading from NATS.");
        let stop_watch = ctx.cancel.child_token();
        let watcher = tokio::spawn(Self::watch(
            self.acks.clone(),
            consumer.clone(),
            Duration::from_millis(self.cfg.progress_interval_ms.get()),
            stop_watch.clone(),
        ));
        let mut failures = 0u32;
        'pull: while !ctx.cancel.is_cancelled() {
            let batch = consumer
                .fetch()
                .max_messages(self.cfg.fetch_batch.get())
                .expires(Duration::from_millis(self.cfg.fetch_expires_ms.get()))
                .messages();
            let mut batch = tokio::select! {
                b = batch => match b {
                    Ok(b) => b,
                    Err(error) => {
                        failures += 1;
                        warn!(%error, "NATS pull failed; retrying.");
                        let backoff = Duration::from_millis(100 * u64::from(failures.min(50)));
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            () = ctx.cancel.cancelled() => break 'pull,
                        }
                        continue;
                    }
                },
                () = ctx.cancel.cancelled() => break,
            };
            let mut got = 0usize;
            loop {
                let next = tokio::select! {
                    n = batch.next() => n,
                    () = ctx.cancel.cancelled() => break 'pull,
                };
                got += usize::from(matches!(next, Some(Ok(_))));
                match next {
                    None => {
                        if self.once && got == 0 && self.drained(&consumer).await {
                            info!(stream = %self.cfg.stream, "Nothing more to read from NATS.");
                            break 'pull;
                        }
                        break;
                    }
                    Some(Ok(message)) => {
                        failures = 0;
                        if !self.handle(message, &ctx).await {
                            break 'pull;
                        }
                    }
                    Some(Err(error)) => {
                        debug!(%error, "NATS pull ended early.");
                        break;
                    }
                }
            }
        }
        stop_watch.cancel();
        let _ = watcher.await;
    }
}

impl Source for NatsSource {
    fn acknowledger(&self) -> Arc<dyn Acknowledge> {
        self.acks.clone()
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self.run_inner(ctx))
    }
}
