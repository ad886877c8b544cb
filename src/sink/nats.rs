//! The `nats` output: each record a message on a JetStream stream, its subject made from a
//! template over the record's fields, its `Nats-Msg-Id` the article id (a rejection's key).
//!
//! Like the `postgres` output it sends only sealed batches (see [`super::Sink::seal`]), and a
//! flush returns once every PubAck of the batch is in: only then are the inputs acknowledged.
//! A record sent again after a crash carries the same id and the same dedup answer. The stream
//! drops a repeated id within its duplicate window; beyond it, the output itself knows what it
//! sent after its last committed position: on start it reads the stream from there and skips
//! those ids. While the server is away, flushes fail and are retried, the batches fill, and the
//! pipeline stops taking input.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use super::batch::{Item, Server};
use super::{Holds, Record, SinkError};
use crate::nats::NatsConfig;
use crate::num::nz;

/// The fields a subject template may name, by what an output holds.
pub fn template_fields(holds: Holds) -> &'static [&'static str] {
    match holds {
        Holds::Articles => &["lang", "page_type", "dedup", "publisher"],
        Holds::Rejections => &["stage", "kind"],
    }
}

/// A NATS server's `max_payload` unless configured otherwise.
const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

/// Most messages read back from the stream on start (beyond them, the duplicate window alone
/// keeps records sent before a crash from being sent twice).
const MAX_READ_BACK: u64 = 100_000;

/// What a stream's settings default to, by what it holds.
pub trait StreamDefaults {
    /// What the output holds.
    const HOLDS: Holds;
    /// The stream's name.
    const STREAM: &'static str;
    /// The subject template.
    const SUBJECT: &'static str;
}

/// Articles (`[sink.nats]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleStream;

impl StreamDefaults for ArticleStream {
    const HOLDS: Holds = Holds::Articles;
    const STREAM: &'static str = "NEWSMILL_ARTICLES";
    const SUBJECT: &'static str = "newsmill.articles.{lang}";
}

/// Rejections (`[dead_letter.nats]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectionStream;

impl StreamDefaults for RejectionStream {
    const HOLDS: Holds = Holds::Rejections;
    const STREAM: &'static str = "NEWSMILL_REJECTED";
    const SUBJECT: &'static str = "newsmill.rejected.{stage}";
}

/// `[sink.nats]` and `[dead_letter.nats]`: the stream and the subjects.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default, bound = "")]
pub struct NatsStream<K: StreamDefaults> {
    /// The JetStream stream the messages go to.
    pub stream: String,
    /// Subject of each message: a template whose `{field}`s take the record's values.
    pub subject: String,
    /// Create the stream when it does not exist (file storage, capturing the template's subjects).
    pub create_stream: bool,
    /// The duplicate window of a stream created here: a repeated `Nats-Msg-Id` within it is dropped.
    pub duplicate_window_ms: u64,
    /// Messages older than this leave a stream created here (0: kept until `max_bytes`).
    pub max_age_hours: u64,
    /// Most bytes a stream created here keeps, the oldest going first (0: no limit).
    pub max_bytes: u64,
    /// Most messages awaiting their PubAck at once.
    pub max_in_flight: std::num::NonZeroUsize,
    #[serde(skip)]
    _holds: std::marker::PhantomData<fn() -> K>,
}

impl<K: StreamDefaults> Default for NatsStream<K> {
    fn default() -> Self {
        Self {
            stream: K::STREAM.into(),
            subject: K::SUBJECT.into(),
            create_stream: true,
            duplicate_window_ms: 600_000,
            max_age_hours: 0,
            max_bytes: 0,
            max_in_flight: nz(256),
            _holds: std::marker::PhantomData,
        }
    }
}

impl<K: StreamDefaults> NatsStream<K> {
    /// Where an output with these settings writes, on `server`.
    pub fn target(&self, server: &NatsConfig) -> NatsTarget {
        NatsTarget {
            server: server.clone(),
            stream: self.stream.clone(),
            subject: self.subject.clone(),
            create_stream: self.create_stream,
            duplicate_window_ms: self.duplicate_window_ms,
            max_age_hours: self.max_age_hours,
            max_bytes: self.max_bytes,
            max_in_flight: self.max_in_flight.get(),
        }
    }
}

/// Where a `nats` output writes.
#[derive(Debug, Clone, PartialEq)]
pub struct NatsTarget {
    /// The server.
    pub server: NatsConfig,
    /// The stream.
    pub stream: String,
    /// The subject template.
    pub subject: String,
    /// Create the stream when missing.
    pub create_stream: bool,
    /// A created stream's duplicate window.
    pub duplicate_window_ms: u64,
    /// A created stream's age limit (0: none).
    pub max_age_hours: u64,
    /// A created stream's size limit (0: none).
    pub max_bytes: u64,
    /// Most messages awaiting their PubAck.
    pub max_in_flight: usize,
}

/// One message to publish.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    subject: String,
    id: String,
    payload: Bytes,
}

/// The connection and what was learnt on it.
struct Link {
    js: jetstream::Context,
    client: async_nats::Client,
    /// The stream is there, and what was sent after the committed position is known.
    ready: bool,
}

/// `kind = "nats"`.
pub(crate) struct NatsKind;

impl super::Kind for NatsKind {
    fn place(&self, settings: &super::OutputSettings) -> String {
        format!("nats:{}", settings.nats.stream)
    }

    fn problems(&self, settings: &super::OutputSettings) -> Vec<(&'static str, String)> {
        let target = &settings.nats;
        let stream = crate::nats::bad_stream_name(&target.stream).map(|why| ("nats.stream", why));
        let subject = crate::nats::bad_template(&target.subject, template_fields(settings.holds))
            .map(|why| ("nats.subject", why));
        stream.into_iter().chain(subject).collect()
    }

    fn clash(
        &self,
        articles: &super::OutputSettings,
        rejections: &super::OutputSettings,
    ) -> Option<(&'static str, String)> {
        (articles.nats.stream == rejections.nats.stream)
            .then(|| ("nats.stream", "must differ from sink.nats.stream".into()))
    }

    fn open(
        &self,
        settings: &super::OutputSettings,
        committed: Option<&[u8]>,
    ) -> Result<std::sync::Arc<dyn super::Sink>, SinkError> {
        let server = NatsOutput::open(settings.holds, &settings.nats, committed)?;
        Ok(std::sync::Arc::new(super::batch::Sealed::new(server, settings.buffer_bytes)))
    }
}

/// See the module docs.
pub struct NatsOutput {
    holds: Holds,
    target: NatsTarget,
    link: tokio::sync::Mutex<Option<Link>>,
    runtime: tokio::runtime::Handle,
    /// The stream sequence of the last PubAck: the position committed.
    last_seq: AtomicU64,
    /// The committed position this output was opened at (0: none).
    opened_at: u64,
    /// Ids in the stream after the committed position at start: already sent.
    sent_before: Mutex<HashSet<String>>,
    /// The server's largest message (0 until connected).
    max_payload: AtomicUsize,
    written: AtomicU64,
}

impl NatsOutput {
    /// An output for `holds` into `target`, at the committed position `committed`. Connects in
    /// the background (an unreachable server is only a warning); must be called off the async
    /// threads.
    pub fn open(holds: Holds, target: &NatsTarget, committed: Option<&[u8]>) -> Result<Self, SinkError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| SinkError::Setup {
            output: holds.name().into(),
            message: format!("no async runtime to connect from: {e}"),
        })?;
        let opened_at = committed.and_then(|p| p.try_into().ok()).map_or(0, u64::from_le_bytes);
        let out = Self {
            holds,
            target: target.clone(),
            link: tokio::sync::Mutex::new(None),
            runtime,
            last_seq: AtomicU64::new(opened_at),
            opened_at,
            sent_before: Mutex::new(HashSet::new()),
            max_payload: AtomicUsize::new(0),
            written: AtomicU64::new(0),
        };
        // A server that is there is prepared now, so that a wrong stream shows at start.
        let ready = out.runtime.block_on(async {
            let mut link = out.link.lock().await;
            tokio::time::timeout(out.target.server.request_timeout(), out.ready(&mut link)).await.map(|r| r.map(|_| ()))
        });
        match ready {
            Ok(Ok(_)) => {}
            Ok(Err(message)) => {
                warn!(output = holds.name(), stream = %target.stream, error = %message, "NATS output not ready; will retry on the next flushes.")
            }
            Err(_) => {
                warn!(output = holds.name(), stream = %target.stream, "NATS is unreachable; will retry on the next flushes.")
            }
        }
        Ok(out)
    }

    fn name(&self) -> String {
        format!("{} (stream {})", self.holds.name(), self.target.stream)
    }

    /// Connects if need be, makes sure of the stream, and reads back what was sent after the
    /// committed position.
    async fn ready<'a>(&self, link: &'a mut Option<Link>) -> Result<&'a Link, String> {
        if link.is_none() {
            let client = self.target.server.connect().await?;
            let js = jetstream::new(client.clone());
            *link = Some(Link { js, client, ready: false });
        }
        let Some(l) = link.as_mut() else { return Err("no connection".into()) };
        if !l.ready {
            let cfg = &self.target;
            let mut stream = match l.js.get_stream(&cfg.stream).await {
                Ok(s) => s,
                Err(e)
                    if cfg.create_stream
                        && matches!(e.kind(), jetstream::context::GetStreamErrorKind::JetStream(j)
                            if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND) =>
                {
                    let created =
                        l.js.create_stream(jetstream::stream::Config {
                            name: cfg.stream.clone(),
                            subjects: vec![crate::nats::subject_filter(&cfg.subject)],
                            duplicate_window: Duration::from_millis(cfg.duplicate_window_ms),
                            max_age: Duration::from_secs(cfg.max_age_hours.saturating_mul(3600)),
                            max_bytes: i64::try_from(cfg.max_bytes).ok().filter(|&b| b > 0).unwrap_or(-1),
                            storage: jetstream::stream::StorageType::File,
                            ..Default::default()
                        })
                        .await
                        .map_err(|e| format!("cannot create stream {}: {e}", cfg.stream))?;
                    info!(output = self.holds.name(), stream = %cfg.stream, "Created the NATS stream.");
                    created
                }
                Err(e) => return Err(format!("stream {}: {e}", cfg.stream)),
            };
            let last = stream.info().await.map_err(|e| format!("stream {}: {e}", cfg.stream))?.state.last_sequence;
            if self.opened_at > 0 && last > self.opened_at {
                let from = (self.opened_at + 1).max(last.saturating_sub(MAX_READ_BACK) + 1);
                let ids = read_back(&stream, from, last, self.target.server.request_timeout())
                    .await
                    .map_err(|e| format!("reading back stream {} from {from}: {e}", cfg.stream))?;
                info!(output = self.holds.name(), stream = %cfg.stream, from, to = last, ids = ids.len(), "Read back what was sent after the last commit.");
                *self.sent_before.lock().unwrap_or_else(|e| e.into_inner()) = ids;
            }
            self.max_payload.store(l.client.server_info().max_payload, Ordering::Relaxed);
            l.ready = true;
        }
        Ok(l)
    }

    /// Publishes `items`, at most `max_in_flight` awaiting their PubAck; the highest sequence.
    async fn publish(&self, js: &jetstream::Context, items: &[Item<Message>]) -> Result<(u64, u64), String> {
        let label = self.holds.name();
        let mut skipped = Vec::new();
        let mut waiting = VecDeque::new();
        let (mut last, mut again) = (0u64, 0u64);
        let started = Instant::now();
        let settle = |ack: Result<jetstream::publish::PublishAck, _>, last: &mut u64, again: &mut u64| {
            let ack: jetstream::publish::PublishAck =
                ack.map_err(|e: jetstream::context::PublishError| e.to_string())?;
            *last = (*last).max(ack.sequence);
            *again += u64::from(ack.duplicate);
            Ok::<(), String>(())
        };
        let result = async {
            for item in items {
                let m = &item.body;
                if self.sent_before.lock().unwrap_or_else(|e| e.into_inner()).contains(&m.id) {
                    skipped.push(&m.id);
                    continue;
                }
                let publish = jetstream::message::PublishMessage::build().payload(m.payload.clone()).message_id(&m.id);
                let ack = js.send_publish(m.subject.clone(), publish).await.map_err(|e| e.to_string())?;
                waiting.push_back(ack);
                if waiting.len() >= self.target.max_in_flight
                    && let Some(ack) = waiting.pop_front()
                {
                    settle(ack.await, &mut last, &mut again)?;
                }
            }
            while let Some(ack) = waiting.pop_front() {
                settle(ack.await, &mut last, &mut again)?;
            }
            Ok::<(), String>(())
        }
        .await;
        result?;
        // Each input is sent once more at most: a skipped id will not come again.
        let mut before = self.sent_before.lock().unwrap_or_else(|e| e.into_inner());
        for id in &skipped {
            before.remove(*id);
        }
        drop(before);
        again += skipped.len() as u64;
        metrics::histogram!("newsmill_output_flush_seconds", "output" => label).record(started.elapsed());
        Ok((last, again))
    }

    /// The message of a record.
    fn message(&self, record: Record<'_>) -> Result<Message, SinkError> {
        let payload = serde_json::to_vec(&record)?;
        let template = &self.target.subject;
        let (subject, id) = match record {
            Record::Article(a) => (
                crate::nats::subject(template, |f| match f {
                    "lang" => a.lang.clone(),
                    "page_type" => a.page_type.map(|p| p.name().to_string()),
                    "dedup" => a.dedup.map(str::to_string),
                    "publisher" => a.publisher.clone(),
                    _ => None,
                }),
                a.id.clone(),
            ),
            Record::Rejection(r) => (
                crate::nats::subject(template, |f| match f {
                    "stage" => Some(r.stage.to_string()),
                    "kind" => Some(r.kind.to_string()),
                    _ => None,
                }),
                r.key(),
            ),
        };
        // Until the server has said, its default: a record it cannot take must be refused here,
        // where it can go to the dead letter, not at the flush, where it would hold its batch.
        let max = match self.max_payload.load(Ordering::Relaxed) {
            0 => DEFAULT_MAX_PAYLOAD,
            known => known,
        };
        // The id header and some room for the protocol's own.
        if payload.len() + id.len() + 64 > max {
            return Err(SinkError::Refused {
                reason: format!("record of {} bytes exceeds the NATS server's max_payload ({max})", payload.len()),
            });
        }
        Ok(Message { subject, id, payload: Bytes::from(payload) })
    }
}

/// The `Nats-Msg-Id`s of the messages `from..=last` of `stream`, read as headers only by an
/// ordered consumer, in a stream of pulls rather than one request a message. Messages deleted
/// or expired since are not there to skip: the read ends when none comes within `wait`.
async fn read_back(
    stream: &jetstream::stream::Stream,
    from: u64,
    last: u64,
    wait: Duration,
) -> Result<HashSet<String>, String> {
    use futures_util::StreamExt;
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::OrderedConfig {
            deliver_policy: jetstream::consumer::DeliverPolicy::ByStartSequence { start_sequence: from },
            headers_only: true,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    let mut ids = HashSet::new();
    loop {
        let message = match tokio::time::timeout(wait, messages.next()).await {
            Ok(Some(Ok(m))) => m,
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) | Err(_) => return Ok(ids),
        };
        let seq = message.info().map_err(|e| e.to_string())?.stream_sequence;
        if let Some(id) = message.headers.as_ref().and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID)) {
            ids.insert(id.as_str().to_string());
        }
        if seq >= last {
            return Ok(ids);
        }
    }
}

impl Server for NatsOutput {
    type Body = Message;

    fn body(&self, record: Record<'_>) -> Result<(Message, usize), SinkError> {
        let body = self.message(record)?;
        let bytes = body.payload.len();
        Ok((body, bytes))
    }

    fn send(&self, items: &[Item<Message>]) -> Result<(), SinkError> {
        let label = self.holds.name();
        let result = self.runtime.block_on(async {
            let mut link = self.link.lock().await;
            let js = match self.ready(&mut link).await {
                Ok(l) => l.js.clone(),
                Err(e) => return Err(e),
            };
            self.publish(&js, items).await
        });
        match result {
            Ok((last, again)) => {
                metrics::histogram!("newsmill_output_batch_records", "output" => label).record(items.len() as f64);
                metrics::counter!("newsmill_output_records_total", "output" => label).increment(items.len() as u64);
                if again > 0 {
                    metrics::counter!("newsmill_output_already_present_total", "output" => label).increment(again);
                }
                self.last_seq.fetch_max(last, Ordering::Relaxed);
                self.written.fetch_add(items.iter().map(|i| i.bytes as u64).sum(), Ordering::Relaxed);
                Ok(())
            }
            Err(message) => {
                metrics::counter!("newsmill_output_retries_total", "output" => label).increment(1);
                Err(SinkError::Server { output: self.name(), message })
            }
        }
    }

    fn position(&self) -> Vec<u8> {
        self.last_seq.load(Ordering::Relaxed).to_le_bytes().to_vec()
    }

    fn bytes_sent(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}
