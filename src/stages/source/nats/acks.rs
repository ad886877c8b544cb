//! A `nats` source's side of the commit protocol. Each delivered message is on its way until
//! every document it gave (a feed gives several) is durably handled; the committer then writes
//! its stream sequence into the state (the *done* table) in the commit that makes its output
//! durable, and only after that commit is the message acknowledged to the server. A crash
//! between the commit and the acknowledgement makes the server deliver it again: the done
//! table says it was handled, and it is acknowledged at once, unread. Entries leave the table
//! once the consumer's acknowledgement floor has passed them (the server will never deliver
//! them again), so the table holds about what was acknowledged since the floor last moved.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use async_nats::jetstream::AckKind;
use tracing::debug;

use crate::record::{Acknowledge, Ticket};
use crate::state::{Persist, StateError, StateStore, TableDefinition, WriteTransaction, rows};

/// Messages handled and committed, not yet below the consumer's floor: (source, sequence) -> ().
const NATS_DONE: TableDefinition<(u64, u64), ()> = TableDefinition::new("nats_done_v1");

/// The sequences of `source` in the done table.
pub(crate) fn load(store: &StateStore, source: u64) -> Result<BTreeSet<u64>, StateError> {
    let txn = store.read()?;
    let mut out = BTreeSet::new();
    rows(&txn, NATS_DONE, |(s, seq), ()| {
        if s == source {
            out.insert(seq);
        }
        Ok(())
    })
    .map_err(|e| store.error(e))?;
    Ok(out)
}

/// One delivered message on its way.
struct Delivery {
    /// The delivery to acknowledge (the latest, when the server delivered it again meanwhile).
    message: jetstream::Message,
    /// Its documents not yet durably handled.
    remaining: u32,
    /// When it was last kept alive (or delivered).
    touched: Instant,
    /// It goes to the dead letter unread and is terminated, not acknowledged.
    poison: bool,
}

#[derive(Default)]
struct Inner {
    in_flight: HashMap<u64, Delivery>,
    /// Messages wholly handled since the last commit took them.
    handled: Vec<u64>,
    /// In the done table (or about to be).
    done: BTreeSet<u64>,
    /// To remove from the done table (the floor passed them).
    forget: Vec<u64>,
}

/// See the module docs.
pub(crate) struct MessageAcks {
    /// Tells this source's tickets apart.
    pub source: u64,
    inner: Mutex<Inner>,
    runtime: tokio::runtime::Handle,
    /// Acknowledgements handed to the client and not yet written into it.
    sending: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The connection they go out on (flushed at the end of a run).
    client: Mutex<Option<async_nats::Client>>,
}

/// What a commit writes for the source.
pub(crate) struct DoneChanges {
    handled: Vec<u64>,
    forget: Vec<u64>,
    source: u64,
}

/// What to do with a delivered message.
pub(crate) enum Arrival {
    /// Read it: it is new (or its earlier delivery died with the process).
    Read,
    /// Already handled and committed: acknowledged again, not read.
    Done,
    /// Still on its way from an earlier delivery: that one is acknowledged when done.
    OnItsWay,
}

impl MessageAcks {
    /// The acknowledgements of `source`, with the sequences the state says are done.
    pub fn new(source: u64, done: BTreeSet<u64>, runtime: tokio::runtime::Handle) -> Self {
        Self {
            source,
            inner: Mutex::new(Inner { done, ..Inner::default() }),
            runtime,
            sending: Default::default(),
            client: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sorts out a delivered message before it is read.
    pub fn arrive(&self, seq: u64, message: &jetstream::Message) -> Arrival {
        let mut inner = self.lock();
        if inner.done.contains(&seq) {
            drop(inner);
            self.send(message.clone(), AckKind::Ack);
            return Arrival::Done;
        }
        if let Some(d) = inner.in_flight.get_mut(&seq) {
            d.message = message.clone();
            return Arrival::OnItsWay;
        }
        Arrival::Read
    }

    /// `message` is on its way as `parts` documents (or rejections); with `poison` it is
    /// terminated instead of acknowledged once they are handled.
    pub fn deliver(&self, seq: u64, message: jetstream::Message, parts: u32, poison: bool) {
        let mut inner = self.lock();
        if parts == 0 {
            inner.handled.push(seq);
        }
        inner.in_flight.insert(seq, Delivery { message, remaining: parts, touched: Instant::now(), poison });
    }

    /// Keeps alive every message on its way for longer than `every`: also those whose documents
    /// are all handled but not yet committed (a state that cannot be written holds them), lest
    /// the server spend their deliveries meanwhile.
    pub fn keep_alive(&self, every: Duration) -> usize {
        let now = Instant::now();
        let due: Vec<jetstream::Message> = self
            .lock()
            .in_flight
            .values_mut()
            .filter(|d| now.duration_since(d.touched) >= every)
            .map(|d| {
                d.touched = now;
                d.message.clone()
            })
            .collect();
        let n = due.len();
        for m in due {
            self.send(m, AckKind::Progress);
        }
        n
    }

    /// The consumer's floor: the server never delivers a message at or below it again.
    pub fn floor(&self, floor: u64) {
        let mut inner = self.lock();
        let below: Vec<u64> = inner.done.range(..=floor).copied().collect();
        for seq in &below {
            inner.done.remove(seq);
        }
        inner.forget.extend(below);
    }

    /// Messages on their way, and sequences remembered as done.
    pub fn sizes(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.in_flight.len(), inner.done.len())
    }

    /// The connection the source reads on.
    pub fn set_client(&self, client: async_nats::Client) {
        *self.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(client);
    }

    /// Waits (at most `within`) until every acknowledgement sent so far has reached the server's
    /// connection and it is flushed: the end of a run sends its last commit's acknowledgements
    /// before the process exits (one lost would only be a redelivery, answered by the done table).
    pub async fn settle(&self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.sending.load(std::sync::atomic::Ordering::Acquire) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let client = self.client.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(client) = client {
            let _ = tokio::time::timeout_at(deadline, client.flush()).await;
        }
    }

    fn send(&self, message: jetstream::Message, kind: AckKind) {
        // Not waited for: a lost acknowledgement is a redelivery, which the done table answers.
        let sending = self.sending.clone();
        sending.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.runtime.spawn(async move {
            if let Err(error) = message.ack_with(kind).await {
                debug!(%error, "Acknowledgement to NATS not sent; the message will come again and be acknowledged then.");
            }
            sending.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        });
    }
}

impl Acknowledge for MessageAcks {
    fn ack(&self, ticket: &Ticket) {
        let Ticket::Message(m) = ticket else { return };
        if m.source != self.source {
            return;
        }
        let mut inner = self.lock();
        let Some(d) = inner.in_flight.get_mut(&m.seq) else { return };
        d.remaining = d.remaining.saturating_sub(1);
        if d.remaining == 0 {
            inner.handled.push(m.seq);
        }
    }
}

impl Persist for MessageAcks {
    type Changes = DoneChanges;

    fn take(&self) -> DoneChanges {
        let mut inner = self.lock();
        DoneChanges {
            handled: std::mem::take(&mut inner.handled),
            forget: std::mem::take(&mut inner.forget),
            source: self.source,
        }
    }

    fn is_empty(changes: &DoneChanges) -> bool {
        changes.handled.is_empty() && changes.forget.is_empty()
    }

    fn write(changes: &DoneChanges, txn: &WriteTransaction) -> Result<(), redb::Error> {
        let mut table = txn.open_table(NATS_DONE)?;
        for seq in &changes.handled {
            table.insert((changes.source, *seq), ())?;
        }
        for seq in &changes.forget {
            table.remove((changes.source, *seq))?;
        }
        Ok(())
    }

    fn requeue(&self, changes: DoneChanges) {
        let mut inner = self.lock();
        inner.handled.extend(changes.handled);
        inner.forget.extend(changes.forget);
    }

    fn committed(&self, changes: DoneChanges) {
        let mut acks = Vec::with_capacity(changes.handled.len());
        {
            let mut inner = self.lock();
            for seq in changes.handled {
                if let Some(d) = inner.in_flight.remove(&seq) {
                    acks.push((d.message, if d.poison { AckKind::Term } else { AckKind::Ack }));
                }
                inner.done.insert(seq);
            }
        }
        for (message, kind) in acks {
            self.send(message, kind);
        }
    }
}
