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

/// A delivered message to be read (or rejected unread).
struct Delivered {
    seq: u64,
    id: String,
    path: Arc<std::path::Path>,
    url: Option<String>,
    message: jetstream::Message,
    work: Work,
}

/// What becomes of a delivered message.
enum Work {
    /// Read it as this format.
    Read(Format),
    /// Its last allowed delivery: to the dead letter unread, then terminated.
    Poison(Rejection),
    /// Rejected unread (an unknown format).
    Reject(Rejection),
}

/// See the module docs.
pub(crate) struct NatsSource {
    /// Return once the consumer has nothing more to deliver (`run --once`).
    once: bool,
    /// Settings from reloads.
    settings: tokio::sync::watch::Receiver<(NatsSourceConfig, NatsConfig)>,
    cfg: NatsSourceConfig,
    server: NatsConfig,
    limits: Limits,
    acks: Arc<MessageAcks>,
}

impl NatsSource {
    /// A source reading `cfg`'s consumer on `server`, acknowledging through `acks`.
    /// With `once` it returns when the consumer has nothing more to deliver. The sender it
    /// returns passes new settings to it while it runs.
    pub fn new(
        cfg: &NatsSourceConfig,
        server: &NatsConfig,
        limits: Limits,
        acks: Arc<MessageAcks>,
        once: bool,
    ) -> (Self, SourceSettings) {
        let (tx, settings) = tokio::sync::watch::channel((cfg.clone(), server.clone()));
        (Self { once, settings, cfg: cfg.clone(), server: server.clone(), limits, acks }, tx)
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

    /// What a delivered message needs: `None` when it is not to be read (handled already, on its
    /// way, or without JetStream metadata).
    fn sort(&self, message: jetstream::Message, ctx: &SourceContext) -> Option<Delivered> {
        ctx.counters.received.fetch_add(1, Ordering::Relaxed);
        let (seq, delivered) = match message.info() {
            Ok(info) => (info.stream_sequence, info.delivered),
            Err(error) => {
                warn!(%error, subject = %message.subject, "A NATS message without JetStream metadata; ignored.");
                return None;
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
                return None;
            }
        }
        let path: Arc<std::path::Path> = PathBuf::from(format!("nats://{}/{seq}", self.cfg.stream)).into();
        let header = |name: &str| message.headers.as_ref().and_then(|h| h.get(name)).map(|v| v.as_str().to_string());
        let id = header(async_nats::header::NATS_MESSAGE_ID.as_ref())
            .filter(|i| !i.trim().is_empty())
            .unwrap_or_else(|| format!("{}-{seq}", self.cfg.stream));
        let rejection = |kind: &'static str, reason: String, excerpt: String| Rejection {
            id: Some(id.clone()),
            path: path.display().to_string(),
            offset: None,
            stage: "source",
            kind,
            reason,
            excerpt,
            rejected_at: now_rfc3339(),
            ticket: None,
        };
        let work = if u64::try_from(delivered).unwrap_or(0) >= self.cfg.max_deliver.get() {
            metrics::counter!("newsmill_nats_poison_total").increment(1);
            let excerpt = &message.payload[..message.payload.len().min(self.limits.excerpt_bytes)];
            Work::Poison(rejection(
                "redelivered",
                format!(
                    "delivered {delivered} times (max_deliver) without being handled: a message that stops newsmill \
                     each time it is read; terminated"
                ),
                String::from_utf8_lossy(excerpt).into_owned(),
            ))
        } else {
            match header(FORMAT_HEADER).map(|f| f.trim().to_ascii_lowercase()).as_deref() {
                Some("html") => Work::Read(Format::Html),
                Some("text" | "txt") => Work::Read(Format::Text),
                Some("feed" | "rss" | "atom") => Work::Read(Format::Feed),
                Some("json" | "jsonl") | None => Work::Read(Format::Jsonl),
                Some(other) => Work::Reject(rejection(
                    "unknown_format",
                    format!("{FORMAT_HEADER}: `{other}` is none of html, text, feed, json"),
                    String::new(),
                )),
            }
        };
        Some(Delivered { seq, id, path, url: header(URL_HEADER), message, work })
    }

    /// Turns a chunk of delivered messages into documents and rejections and hands them on;
    /// false when the pipeline is closing. The reading (decoding, feed parsing: CPU work) of the
    /// whole chunk runs in one go off the async threads: one hand-over per chunk, not per message,
    /// so that a busy machine does not starve the pipeline of input.
    async fn handle(&self, messages: Vec<jetstream::Message>, ctx: &SourceContext) -> bool {
        let sorted: Vec<Delivered> = messages.into_iter().filter_map(|m| self.sort(m, ctx)).collect();
        let jobs: Vec<_> = sorted
            .iter()
            .map(|d| match d.work {
                Work::Read(format) => Some((d.path.clone(), d.id.clone(), format, d.message.payload.to_vec())),
                _ => None,
            })
            .collect();
        let limits = self.limits;
        let read = tokio::task::spawn_blocking(move || {
            jobs.into_iter()
                .map(|job| {
                    let mut out = Vec::new();
                    if let Some((path, id, format, payload)) = job {
                        read_message(&path, &id, format, payload, limits, &mut |e| {
                            out.push(e);
                            true
                        });
                    }
                    out
                })
                .collect::<Vec<Vec<Emit>>>()
        })
        .await
        .unwrap_or_default();
        for (d, mut out) in sorted.into_iter().zip(read.into_iter().chain(std::iter::repeat_with(Vec::new))) {
            let poison = matches!(d.work, Work::Poison(_));
            match d.work {
                Work::Poison(r) | Work::Reject(r) => out = vec![Emit::Reject(r)],
                Work::Read(_) => {}
            }
            let ticket = |part: usize| {
                Ticket::Message(MessageTicket {
                    source: self.acks.source,
                    seq: d.seq,
                    part: u32::try_from(part).unwrap_or(u32::MAX),
                })
            };
            for (part, e) in out.iter_mut().enumerate() {
                match e {
                    Emit::Doc(doc) => {
                        doc.prov.ticket = ticket(part);
                        if doc.meta.url.is_none() {
                            doc.meta.url.clone_from(&d.url);
                        }
                    }
                    Emit::Reject(r) => r.ticket = Some(ticket(part)),
                }
            }
            self.acks.deliver(d.seq, d.message, u32::try_from(out.len()).unwrap_or(u32::MAX), poison);
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
        }
        true
    }

    /// Keeps messages on their way alive and reports the consumer's figures until `stop`.
    async fn watch(
        acks: Arc<MessageAcks>,
        consumer: PullConsumer,
        client: async_nats::Client,
        input_down: Arc<std::sync::atomic::AtomicBool>,
        every: Duration,
        stop: CancellationToken,
    ) {
        let mut consumer = consumer;
        // The connection's state is looked at more often than the keep-alives are due.
        let tick = every.min(Duration::from_secs(1));
        let mut since_alive = Duration::ZERO;
        loop {
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                () = stop.cancelled() => return,
            }
            let down = client.connection_state() != async_nats::connection::State::Connected;
            if input_down.swap(down, Ordering::Relaxed) != down {
                if down {
                    warn!("NATS source disconnected; waiting for the server (not ready).");
                } else {
                    info!("NATS source connected again.");
                }
            }
            since_alive += tick;
            if since_alive < every {
                continue;
            }
            since_alive = Duration::ZERO;
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

    /// Connects and finds the consumer, retrying until it works; `None` when cancelled first.
    async fn open(&self, ctx: &SourceContext) -> Option<(jetstream::Context, PullConsumer)> {
        let client = match self.server.connect().await {
            Ok(c) => c,
            Err(error) => {
                // Only a setting can make this fail (the client retries an absent server itself).
                warn!(%error, "NATS source cannot connect; check [nats]. Reading nothing until a reload fixes it.");
                ctx.cancel.cancelled().await;
                return None;
            }
        };
        self.acks.set_client(client.clone());
        let js = jetstream::new(client);
        let consumer = self.find_consumer(&js, ctx).await?;
        Some((js, consumer))
    }

    async fn find_consumer(&self, js: &jetstream::Context, ctx: &SourceContext) -> Option<PullConsumer> {
        let mut wait = Duration::from_millis(200);
        loop {
            match self.consumer(js).await {
                Ok(c) => {
                    info!(stream = %self.cfg.stream, consumer = %self.cfg.consumer, "Reading from NATS.");
                    ctx.input_down.store(false, Ordering::Relaxed);
                    return Some(c);
                }
                Err(error) => {
                    ctx.input_down.store(true, Ordering::Relaxed);
                    warn!(%error, retry_in_ms = wait.as_millis() as u64, "NATS consumer not ready; retrying.");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = ctx.cancel.cancelled() => return None,
                    }
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    async fn run_inner(mut self, ctx: SourceContext) {
        let Some((mut js, mut consumer)) = self.open(&ctx).await else { return };
        loop {
            let stop_watch = ctx.cancel.child_token();
            let watcher = tokio::spawn(Self::watch(
                self.acks.clone(),
                consumer.clone(),
                js.client(),
                ctx.input_down.clone(),
                Duration::from_millis(self.cfg.progress_interval_ms.get()),
                stop_watch.clone(),
            ));
            let outcome = self.pull(&consumer, &ctx).await;
            stop_watch.cancel();
            let _ = watcher.await;
            if outcome == Pulled::Stop {
                return;
            }
            // A reload: the new settings, on a new connection when the server's changed.
            let (cfg, server) = self.settings.borrow_and_update().clone();
            let reconnect = server != self.server;
            self.cfg = NatsSourceConfig { stream: self.cfg.stream.clone(), consumer: self.cfg.consumer.clone(), ..cfg };
            self.server = server;
            info!(reconnect, "NATS source settings reloaded.");
            let reopened = if reconnect {
                self.open(&ctx).await
            } else {
                self.find_consumer(&js, &ctx).await.map(|c| (js.clone(), c))
            };
            let Some(next) = reopened else { return };
            (js, consumer) = next;
        }
    }

    /// Pulls and hands on messages until cancelled, done (`once`), or reconfigured.
    async fn pull(&mut self, consumer: &PullConsumer, ctx: &SourceContext) -> Pulled {
        let mut failures = 0u32;
        while !ctx.cancel.is_cancelled() {
            if self.settings.has_changed().unwrap_or(false) {
                return Pulled::Reconfigured;
            }
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
                            () = ctx.cancel.cancelled() => return Pulled::Stop,
                        }
                        continue;
                    }
                },
                () = ctx.cancel.cancelled() => return Pulled::Stop,
            };
            let mut got = 0usize;
            let mut chunks = (&mut batch).ready_chunks(self.cfg.fetch_batch.get());
            loop {
                let next = tokio::select! {
                    n = chunks.next() => n,
                    () = ctx.cancel.cancelled() => return Pulled::Stop,
                };
                let Some(chunk) = next else {
                    if self.once && got == 0 && self.drained(consumer).await {
                        info!(stream = %self.cfg.stream, "Nothing more to read from NATS.");
                        return Pulled::Stop;
                    }
                    break;
                };
                let mut messages = Vec::with_capacity(chunk.len());
                let mut ended = false;
                for m in chunk {
                    match m {
                        Ok(m) => messages.push(m),
                        Err(error) => {
                            debug!(%error, "NATS pull ended early.");
                            ended = true;
                        }
                    }
                }
                got += messages.len();
                if !messages.is_empty() {
                    failures = 0;
                    if !self.handle(messages, ctx).await {
                        return Pulled::Stop;
                    }
                }
                if ended {
                    break;
                }
            }
        }
        Pulled::Stop
    }
}

/// How pulling ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pulled {
    /// Cancelled, the pipeline closing, or the input done (`once`).
    Stop,
    /// New settings arrived.
    Reconfigured,
}

/// New settings for a running `nats` source (a config reload): `[source.nats]` (its stream and
/// consumer names stay: they name the source's state) and `[nats]`.
pub type SourceSettings = tokio::sync::watch::Sender<(NatsSourceConfig, NatsConfig)>;

impl Source for NatsSource {
    fn acknowledger(&self) -> Arc<dyn Acknowledge> {
        self.acks.clone()
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self.run_inner(ctx))
    }
}
