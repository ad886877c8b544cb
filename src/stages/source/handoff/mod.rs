//! The dedup role's source: the internal stream the extract role publishes to, read in stream
//! order by an ordered consumer (no acknowledgements to the server: the position is ours). Each
//! message is an extracted article with its sketch; it goes straight to the dedup stage.
//!
//! The position (every message up to it is durably handled) is committed with the outputs'
//! positions and the dedup window; a restart reads on from it, so the window sees every message
//! once and in order, and the stories are a function of the stream alone. A process standing by
//! reads no further than the owner has committed ([`Limit`]): when it takes over, nothing it
//! decided is missing from the outputs.

pub mod config;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream;
use futures_util::StreamExt;
use tracing::{info, warn};

pub use self::config::HandoffConfig;
use super::{Source, SourceContext};
use crate::nats::NatsConfig;
use crate::record::{Acknowledge, Article, Extracted, MessageTicket, Provenance, Reject, Ticket};
use crate::state::{Persist, StateError, StateStore, TableDefinition, WriteTransaction, rows};

/// The committed position per stream: source id -> last stream sequence durably handled.
const POSITIONS: TableDefinition<u64, u64> = TableDefinition::new("handoff_position_v1");

/// How far a process standing by may read: the owner's committed position, kept up to date by
/// whoever watches the lease.
pub type Limit = tokio::sync::watch::Receiver<u64>;

/// Where the reading stands: the committed position, and the messages read since, in order,
/// each waiting for its acknowledgement.
pub struct Position {
    source: u64,
    inner: Mutex<PositionInner>,
    /// The last committed position (shared with the lease, which tells the standbys).
    durable: Arc<AtomicU64>,
    /// Messages in the stream after the last one read.
    unread: AtomicU64,
}

struct PositionInner {
    /// Everything up to here is durably handled (or about to be, in the commit under way).
    handled: u64,
    /// Read since, in stream order: (sequence, acknowledged).
    open: VecDeque<(u64, bool)>,
    /// The last sequence read (the next read starts after it).
    read: u64,
    /// `handled` moved since the last commit took it.
    dirty: bool,
}

impl Position {
    /// The position of `cfg`'s stream as the state holds it; `durable` follows the committed
    /// position from now on.
    pub fn load(store: &StateStore, cfg: &HandoffConfig, durable: Arc<AtomicU64>) -> Result<Arc<Self>, StateError> {
        let source = cfg.source_id();
        let txn = store.read()?;
        let mut handled = 0;
        rows(&txn, POSITIONS, |s, seq| {
            if s == source {
                handled = seq;
            }
            Ok(())
        })
        .map_err(|e| store.error(e))?;
        let inner = PositionInner { handled, open: VecDeque::new(), read: handled, dirty: false };
        durable.store(handled, Ordering::Relaxed);
        Ok(Arc::new(Self { source, inner: Mutex::new(inner), durable, unread: AtomicU64::new(0) }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PositionInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last committed position.
    pub fn durable(&self) -> u64 {
        self.durable.load(Ordering::Relaxed)
    }

    /// Messages of the stream not committed here: read and on their way, or not read yet.
    pub fn lag(&self) -> u64 {
        let read = self.read();
        read.saturating_sub(self.durable()) + self.unread.load(Ordering::Relaxed)
    }

    /// The last sequence read.
    pub fn read(&self) -> u64 {
        self.lock().read
    }

    /// `seq` was read and is on its way.
    fn opened(&self, seq: u64) {
        let mut inner = self.lock();
        inner.open.push_back((seq, false));
        inner.read = seq;
    }
}

impl Acknowledge for Position {
    fn ack(&self, ticket: &Ticket) {
        let Ticket::Message(m) = ticket else { return };
        if m.source != self.source {
            return;
        }
        let mut inner = self.lock();
        // Acknowledgements come nearly in order: look from the front.
        if let Some(slot) = inner.open.iter_mut().find(|(seq, _)| *seq == m.seq) {
            slot.1 = true;
        }
        while let Some(&(seq, true)) = inner.open.front() {
            inner.open.pop_front();
            inner.handled = seq;
            inner.dirty = true;
        }
    }
}

/// A new committed position.
pub struct Moved {
    source: u64,
    to: Option<u64>,
}

impl Persist for Position {
    type Changes = Moved;

    fn take(&self) -> Moved {
        let mut inner = self.lock();
        let to = std::mem::take(&mut inner.dirty).then_some(inner.handled);
        Moved { source: self.source, to }
    }

    fn is_empty(changes: &Moved) -> bool {
        changes.to.is_none()
    }

    fn write(changes: &Moved, txn: &WriteTransaction) -> Result<(), redb::Error> {
        if let Some(to) = changes.to {
            txn.open_table(POSITIONS)?.insert(changes.source, to)?;
        }
        Ok(())
    }

    fn requeue(&self, changes: Moved) {
        if changes.to.is_some() {
            self.lock().dirty = true;
        }
    }

    fn committed(&self, changes: Moved) {
        if let Some(to) = changes.to {
            self.durable.fetch_max(to, Ordering::Relaxed);
        }
    }
}

/// See the module docs.
pub struct HandoffSource {
    cfg: HandoffConfig,
    server: NatsConfig,
    position: Arc<Position>,
    limit: Option<Limit>,
    once: bool,
}

/// Why a reading session ended.
enum Ended {
    /// Asked to stop, or (`once`) the stream is read.
    Done,
    /// The pipeline closed.
    Closed,
    /// The stream does not exist yet: the extract role's output creates it (with `[handoff]`'s
    /// limits), so that there is one definition of it.
    NoStream,
}

impl HandoffSource {
    /// Reads `cfg`'s stream on `server` from `position`; no further than `limit` says when given
    /// (standing by); with `once`, ends at the end of the stream.
    pub fn new(
        cfg: &HandoffConfig,
        server: &NatsConfig,
        position: Arc<Position>,
        limit: Option<Limit>,
        once: bool,
    ) -> Self {
        Self { cfg: cfg.clone(), server: server.clone(), position, limit, once }
    }

    async fn read(mut self, ctx: SourceContext) {
        let mut wait = Duration::from_millis(200);
        loop {
            match self.session(&ctx).await {
                Ok(Ended::Done | Ended::Closed) => break,
                Ok(Ended::NoStream) => {
                    info!(stage = "source", stream = %self.cfg.stream, "No internal stream yet (no extract process has written); waiting.");
                    tokio::select! {
                        () = ctx.cancel.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(5)) => {}
                    }
                }
                Err(error) => {
                    ctx.input_down.store(true, Ordering::Relaxed);
                    warn!(stage = "source", stream = %self.cfg.stream, %error, "Internal stream unreachable; retrying.");
                    tokio::select! {
                        () = ctx.cancel.cancelled() => break,
                        () = tokio::time::sleep(wait) => {}
                    }
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
        info!(stage = "source", stream = %self.cfg.stream, read = self.position.read(), "Internal stream reader stopped.");
    }

    /// One connection: reads from after the last message read until stopped or cut off.
    async fn session(&mut self, ctx: &SourceContext) -> Result<Ended, String> {
        let client = tokio::select! {
            () = ctx.cancel.cancelled() => return Ok(Ended::Done),
            c = self.server.connect() => c?,
        };
        let js = jetstream::new(client);
        let mut stream = match js.get_stream(&self.cfg.stream).await {
            Ok(stream) => stream,
            Err(e)
                if matches!(e.kind(), jetstream::context::GetStreamErrorKind::JetStream(j)
                if j.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND) =>
            {
                ctx.input_down.store(false, Ordering::Relaxed);
                return Ok(if self.once { Ended::Done } else { Ended::NoStream });
            }
            Err(e) => return Err(format!("stream {}: {e}", self.cfg.stream)),
        };
        let start = self.position.read() + 1;
        let last = stream.info().await.map_err(|e| e.to_string())?.state.last_sequence;
        ctx.input_down.store(false, Ordering::Relaxed);
        self.position.unread.store(last.saturating_sub(start - 1), Ordering::Relaxed);
        if self.once && last < start {
            return Ok(Ended::Done);
        }
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: self.cfg.subject.clone(),
                deliver_policy: jetstream::consumer::DeliverPolicy::ByStartSequence { start_sequence: start },
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
        info!(stage = "source", stream = %self.cfg.stream, from = start, last, "Reading the internal stream.");
        loop {
            let next = tokio::select! {
                () = ctx.cancel.cancelled() => return Ok(Ended::Done),
                next = messages.next() => next,
            };
            let message = match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("the consumer ended".into()),
            };
            let meta = message.info().map_err(|e| e.to_string())?;
            let (seq, pending) = (meta.stream_sequence, meta.pending);
            if seq <= self.position.read() {
                continue;
            }
            if let Some(limit) = &mut self.limit {
                // Standing by: not past what the owner has made durable.
                let reached = tokio::select! {
                    () = ctx.cancel.cancelled() => return Ok(Ended::Done),
                    r = limit.wait_for(|&l| l >= seq) => r.is_ok(),
                };
                if !reached {
                    return Ok(Ended::Done);
                }
            }
            self.position.unread.store(pending, Ordering::Relaxed);
            self.position.opened(seq);
            ctx.counters.received.fetch_add(1, Ordering::Relaxed);
            let ticket = Ticket::Message(MessageTicket { source: self.position.source, seq, part: 0 });
            let path: Arc<Path> = Path::new(&format!("nats://{}/{seq}", self.cfg.stream)).into();
            match serde_json::from_slice::<Article>(&message.payload) {
                Ok(mut article) => {
                    article.ticket = Some(ticket);
                    let prov = Provenance { id: article.id.as_str().into(), path, offset: None, ticket };
                    if ctx.extracted.send(Extracted { prov, article }).await.is_err() {
                        return Ok(Ended::Closed);
                    }
                    ctx.counters.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    let id = message
                        .headers
                        .as_ref()
                        .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
                        .map_or_else(|| seq.to_string(), |v| v.as_str().to_string());
                    let excerpt = String::from_utf8_lossy(&message.payload).into_owned();
                    let prov = Provenance { id: id.as_str().into(), path, offset: None, ticket };
                    let reason = format!("not an extracted article: {e}");
                    let rejection =
                        crate::runner::rejection("source", &prov, Reject::new("bad_handoff", reason, excerpt));
                    ctx.counters.rejected.fetch_add(1, Ordering::Relaxed);
                    ctx.dead_letter.send(rejection).await;
                }
            }
            if self.once && pending == 0 {
                return Ok(Ended::Done);
            }
        }
    }
}

impl Source for HandoffSource {
    fn acknowledger(&self) -> Arc<dyn Acknowledge> {
        self.position.clone()
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self.read(ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_moves_over_acknowledged_messages_in_order_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path(), 1 << 20).unwrap();
        let cfg = HandoffConfig::default();
        let pos = Position::load(&store, &cfg, Arc::default()).unwrap();
        for seq in [3, 4, 7] {
            pos.opened(seq);
        }
        let ack = |seq| pos.ack(&Ticket::Message(MessageTicket { source: cfg.source_id(), seq, part: 0 }));
        ack(4);
        assert!(Position::is_empty(&pos.take()), "3 is still on its way");
        ack(3);
        let moved = pos.take();
        assert_eq!(moved.to, Some(4));
        // Another source's ticket changes nothing.
        pos.ack(&Ticket::Message(MessageTicket { source: 1, seq: 7, part: 0 }));
        assert!(Position::is_empty(&pos.take()));
        store.write(|txn| Position::write(&moved, txn)).unwrap();
        pos.committed(moved);
        assert_eq!(pos.durable(), 4);
        assert_eq!(Position::load(&store, &cfg, Arc::default()).unwrap().read(), 4, "a restart reads on after 4");
    }
}
