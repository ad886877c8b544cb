//! The `discard` output: counts records and keeps none. A dedup process standing by uses it (it
//! decides every story as the owner does, to keep its window warm, and leaves the writing to the
//! owner); it also measures the pipeline without an output. Every record is acknowledged at the
//! next commit.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Record, Sink, SinkError, SinkFlushed};
use crate::record::Ticket;

/// `kind = "discard"`.
pub(crate) struct DiscardKind;

impl super::Kind for DiscardKind {
    fn place(&self, _settings: &super::OutputSettings) -> String {
        "discard".into()
    }

    fn open(
        &self,
        _settings: &super::OutputSettings,
        _committed: Option<&[u8]>,
    ) -> Result<std::sync::Arc<dyn Sink>, SinkError> {
        Ok(std::sync::Arc::new(Discard::default()))
    }
}

/// See the module docs.
#[derive(Default)]
pub struct Discard {
    tickets: Mutex<Vec<Ticket>>,
    /// Bytes the records would have taken as JSON lines.
    counted: AtomicU64,
}

impl Sink for Discard {
    fn write(&self, record: Record<'_>) -> Result<(), SinkError> {
        let bytes = serde_json::to_vec(&record)?.len() as u64 + 1;
        self.counted.fetch_add(bytes, Ordering::Relaxed);
        self.tickets.lock().unwrap_or_else(|e| e.into_inner()).extend(record.ticket());
        Ok(())
    }

    fn flush(&self) -> Result<SinkFlushed, SinkError> {
        let tickets = std::mem::take(&mut *self.tickets.lock().unwrap_or_else(|e| e.into_inner()));
        Ok(SinkFlushed { tickets, position: self.counted.load(Ordering::Relaxed).to_le_bytes().to_vec() })
    }

    fn committed(&self, _position: &[u8]) {}

    fn bytes_written(&self) -> u64 {
        self.counted.load(Ordering::Relaxed)
    }
}
