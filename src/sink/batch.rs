//! The records an output that cannot take back what it sends (a database, a broker) holds
//! between commits: those written since the last seal (`pending`) and those set aside for the
//! next flush (`sealed`, see [`super::Sink::seal`]). Bounded in bytes: past the bound a write is
//! refused as [`SinkError::Full`] and retried by the sink stage, which stalls the pipeline
//! until a flush makes room (an unreachable server stops the input, it never grows memory).

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::{Record, Sink, SinkError, SinkFlushed};
use crate::record::Ticket;

/// The server side of an output that sends sealed batches (a database, a broker): how a record
/// is sent, and the sending. [`Sealed`] makes it a [`Sink`].
pub(crate) trait Server: Send + Sync + 'static {
    /// A record as the server takes it (a row, a message).
    type Body: Send + Sync + 'static;
    /// The record as sent, and the bytes it holds; `Refused` for one the server can never take.
    fn body(&self, record: Record<'_>) -> Result<(Self::Body, usize), SinkError>;
    /// Sends a sealed batch; after an error it is sent again whole, so a repeat must leave one
    /// copy of each record (keys, message ids).
    fn send(&self, items: &[Item<Self::Body>]) -> Result<(), SinkError>;
    /// Where the output stands, committed with the state.
    fn position(&self) -> Vec<u8>;
    /// Bytes sent since start.
    fn bytes_sent(&self) -> u64;
}

/// A [`Server`] with its bounded batches: the output the daemon sees.
pub(crate) struct Sealed<S: Server> {
    server: S,
    batches: Batches<S::Body>,
}

impl<S: Server> Sealed<S> {
    /// `server`, holding at most `buffer_bytes` of records between flushes.
    pub fn new(server: S, buffer_bytes: usize) -> Self {
        Self { server, batches: Batches::new(buffer_bytes) }
    }
}

impl<S: Server> Sink for Sealed<S> {
    fn write(&self, record: Record<'_>) -> Result<(), SinkError> {
        let (body, bytes) = self.server.body(record)?;
        self.batches.push(Item { body, bytes, ticket: record.ticket() })
    }

    fn seal(&self) -> bool {
        self.batches.seal()
    }

    fn flush(&self) -> Result<SinkFlushed, SinkError> {
        let tickets = self.batches.send_sealed(|items| self.server.send(items))?;
        Ok(SinkFlushed { tickets, position: self.server.position() })
    }

    fn committed(&self, _position: &[u8]) {}

    fn bytes_written(&self) -> u64 {
        self.server.bytes_sent()
    }
}

/// One record as an output will send it.
#[derive(Debug, Clone)]
pub(crate) struct Item<T> {
    /// What the output sends (its row, its message).
    pub body: T,
    /// Bytes it holds, for the bound.
    pub bytes: usize,
    /// The input to acknowledge once it is sent.
    pub ticket: Option<Ticket>,
}

/// See the module docs.
pub(crate) struct Batches<T> {
    inner: Mutex<Inner<T>>,
    /// Signalled when a send makes room.
    room: Condvar,
    max_bytes: usize,
}

/// How long a write waits for room before it is refused (and tried again).
const WAIT_FOR_ROOM: Duration = Duration::from_secs(1);

struct Inner<T> {
    pending: Vec<Item<T>>,
    sealed: Vec<Item<T>>,
    bytes: usize,
}

impl<T> Batches<T> {
    /// Holds at most `max_bytes` (but always at least one record).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner { pending: Vec::new(), sealed: Vec::new(), bytes: 0 }),
            room: Condvar::new(),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds `item` until it is sealed and sent; while the batches are full it waits a while
    /// for a send to make room, then refuses it.
    pub fn push(&self, item: Item<T>) -> Result<(), SinkError> {
        let full = |inner: &mut Inner<T>| inner.bytes > 0 && inner.bytes + item.bytes > self.max_bytes;
        let (mut inner, _) = self
            .room
            .wait_timeout_while(self.lock(), WAIT_FOR_ROOM, |inner| full(inner))
            .unwrap_or_else(|e| e.into_inner());
        if full(&mut inner) {
            return Err(SinkError::Full { held_bytes: inner.bytes });
        }
        inner.bytes += item.bytes;
        inner.pending.push(item);
        Ok(())
    }

    /// Moves what was written so far to the sealed batch; whether there was anything.
    pub fn seal(&self) -> bool {
        let mut inner = self.lock();
        let any = !inner.pending.is_empty();
        let pending = std::mem::take(&mut inner.pending);
        inner.sealed.extend(pending);
        any
    }

    /// Runs `send` over the sealed batch (none: nothing is sent). On success the batch is let go and its
    /// tickets returned; on failure it stays sealed for the next flush.
    pub fn send_sealed<E>(&self, send: impl FnOnce(&[Item<T>]) -> Result<(), E>) -> Result<Vec<Ticket>, E> {
        // Only the committer sends, one flush at a time: the sealed batch cannot change meanwhile,
        // but writers must not wait for the server, so the lock is not held while sending.
        let sealed = std::mem::take(&mut self.lock().sealed);
        if sealed.is_empty() {
            return Ok(Vec::new());
        }
        match send(&sealed) {
            Ok(()) => {
                let mut inner = self.lock();
                inner.bytes -= sealed.iter().map(|i| i.bytes).sum::<usize>();
                self.room.notify_all();
                Ok(sealed.into_iter().filter_map(|i| i.ticket).collect())
            }
            Err(e) => {
                let mut inner = self.lock();
                let later = std::mem::replace(&mut inner.sealed, sealed);
                inner.sealed.extend(later);
                Err(e)
            }
        }
    }

    /// Records held (pending and sealed).
    #[cfg(test)]
    pub fn held(&self) -> usize {
        let inner = self.lock();
        inner.pending.len() + inner.sealed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: u32, bytes: usize) -> Item<u32> {
        Item { body: n, bytes, ticket: None }
    }

    #[test]
    fn only_sealed_records_are_sent_and_a_failed_send_keeps_them() {
        let b = Batches::new(100);
        b.push(item(1, 10)).unwrap();
        b.push(item(2, 10)).unwrap();
        assert!(b.seal());
        b.push(item(3, 10)).unwrap();
        let sent = std::cell::RefCell::new(Vec::new());
        let err: Result<Vec<Ticket>, &str> = b.send_sealed(|items| {
            sent.borrow_mut().extend(items.iter().map(|i| i.body));
            Err("server down")
        });
        assert!(err.is_err());
        assert_eq!(b.held(), 3);
        b.send_sealed(|items| {
            sent.borrow_mut().extend(items.iter().map(|i| i.body));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(*sent.borrow(), [1, 2, 1, 2], "3 was written after the seal and waits for the next");
        assert_eq!(b.held(), 1);
        assert!(b.seal());
        assert!(!b.seal(), "nothing new");
    }

    #[test]
    fn full_batches_refuse_writes_until_a_send_makes_room() {
        let b = Batches::new(25);
        b.push(item(1, 10)).unwrap();
        b.push(item(2, 10)).unwrap();
        assert!(matches!(b.push(item(3, 10)), Err(SinkError::Full { held_bytes: 20 })));
        b.seal();
        b.send_sealed(|_| Ok::<(), ()>(())).unwrap();
        b.push(item(3, 10)).unwrap();
        // One record larger than the bound still goes through on its own.
        let big = Batches::new(5);
        big.push(item(4, 50)).unwrap();
        assert!(big.push(item(5, 1)).is_err());
    }
}
