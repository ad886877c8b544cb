//! Sinks: where finished articles go. A [`Sink`] buffers writes and makes them durable on
//! [`Sink::flush`], returning the tickets of the records it made durable (so their input can be
//! acknowledged) and the position to commit. The JSON-lines file sink is the default; brokers and
//! databases implement the same trait later without touching the stages.

pub mod config;
mod file;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tracing::warn;

pub use file::{FileOptions, Flushed, JsonlFile, Position, format_ms, rotated_name};

use crate::record::{Article, Extracted, Reject, Ticket};
use crate::runner::{Outcome, Transform};

/// A sink failure (the record is retried, never dropped).
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// File I/O.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The record could not be serialized.
    #[error("cannot serialize record: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The position stored in the state is not one this sink wrote.
    #[error(
        "the state's committed position for {path} is damaged; move the state directory aside to start afresh \
         (every input is read again) or restore it from a backup"
    )]
    Position {
        /// The output.
        path: PathBuf,
    },
}

/// Where articles go.
///
/// Exactly-once output rests on a commit point: `flush` makes what was written durable and says
/// where the output now stands (an opaque position); the pipeline stores that position in the
/// state in the same transaction as the input checkpoints it covers, then calls `committed`. A
/// sink opened with the last committed position must drop (or ignore) anything written after it.
pub trait Sink: Output {
    /// Buffers one article (may block briefly; an error means "retry later", nothing was kept).
    fn write(&self, article: &Article) -> Result<(), SinkError>;
}

/// What the committer needs of any output (the sink, the dead letter).
pub trait Output: Send + Sync + 'static {
    /// Makes every buffered record durable; returns their tickets and the position to commit.
    fn flush(&self) -> Result<SinkFlushed, SinkError>;
    /// The state now holds `position` (from an earlier `flush`).
    fn committed(&self, position: &[u8]);
    /// Bytes written since start (for metrics).
    fn bytes_written(&self) -> u64;
    /// New rotation limits (a config reload; 0 turns one off). Sinks without files ignore them.
    fn set_rotation(&self, _max_file_bytes: u64, _rotate_interval_ms: u64) {}
}

/// What a sink's flush made durable.
#[derive(Debug)]
pub struct SinkFlushed {
    /// Tickets of the records now durable.
    pub tickets: Vec<Ticket>,
    /// Where the output stands, in the sink's own encoding.
    pub position: Vec<u8>,
}

/// Opens a JSON-lines output at the position `committed` (as stored in the state).
pub fn open_jsonl(opts: FileOptions, committed: Option<&[u8]>) -> Result<JsonlFile, SinkError> {
    let committed = match committed {
        None => None,
        Some(bytes) => Some(Position::decode(bytes).ok_or_else(|| SinkError::Position { path: opts.path.clone() })?),
    };
    JsonlFile::open(opts, committed)
}

/// The default sink: one article per line in a local file.
pub struct JsonlSink {
    file: JsonlFile,
}

impl JsonlSink {
    /// Wraps an opened output file.
    pub fn new(file: JsonlFile) -> Self {
        Self { file }
    }
}

impl Sink for JsonlSink {
    fn write(&self, article: &Article) -> Result<(), SinkError> {
        self.file.append(article, article.ticket)
    }
}

impl Output for JsonlSink {
    fn flush(&self) -> Result<SinkFlushed, SinkError> {
        Output::flush(&self.file)
    }

    fn committed(&self, position: &[u8]) {
        Output::committed(&self.file, position);
    }

    fn bytes_written(&self) -> u64 {
        self.file.bytes_written()
    }

    fn set_rotation(&self, max_file_bytes: u64, rotate_interval_ms: u64) {
        self.file.set_rotation(max_file_bytes, rotate_interval_ms);
    }
}

impl Output for JsonlFile {
    fn flush(&self) -> Result<SinkFlushed, SinkError> {
        let f = JsonlFile::flush(self)?;
        Ok(SinkFlushed { tickets: f.tickets, position: f.position.encode() })
    }

    fn committed(&self, position: &[u8]) {
        if let Some(p) = Position::decode(position) {
            JsonlFile::committed(self, p);
        }
    }

    fn bytes_written(&self) -> u64 {
        JsonlFile::bytes_written(self)
    }

    fn set_rotation(&self, max_file_bytes: u64, rotate_interval_ms: u64) {
        JsonlFile::set_rotation(self, max_file_bytes, rotate_interval_ms);
    }
}

/// An output that a reload can replace (a new path): writers take the current one for each
/// record.
pub struct Swap<T: ?Sized> {
    current: std::sync::RwLock<Arc<T>>,
}

impl<T: ?Sized> Swap<T> {
    /// Starts with `t`.
    pub fn new(t: Arc<T>) -> Self {
        Self { current: std::sync::RwLock::new(t) }
    }

    /// The one in use now.
    pub fn get(&self) -> Arc<T> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts `t` in use; returns the one it replaces.
    pub fn replace(&self, t: Arc<T>) -> Arc<T> {
        std::mem::replace(&mut *self.current.write().unwrap_or_else(|e| e.into_inner()), t)
    }
}

/// The sink stage: hands articles to a [`Sink`], retrying with backoff while it fails (a full disk
/// stalls the pipeline; it never loses the record).
pub struct SinkStage {
    sink: Arc<Swap<dyn Sink>>,
}

impl SinkStage {
    /// Writes to whichever sink `sink` holds when a record arrives.
    pub fn new(sink: Arc<Swap<dyn Sink>>) -> Self {
        Self { sink }
    }
}

impl Transform for SinkStage {
    type In = Extracted;
    type Out = ();
    const STAGE: &'static str = "sink";
    const BLOCKING: bool = true;

    fn process(&self, doc: Extracted) -> Result<Outcome<()>, Reject> {
        let mut delay = Duration::from_millis(100);
        loop {
            // Taken afresh on every try: a reload may have replaced a failing sink.
            match self.sink.get().write(&doc.article) {
                Ok(()) => return Ok(Outcome::Emit(())),
                Err(SinkError::Serialize(e)) => {
                    return Err(Reject::new("unserializable", e.to_string(), doc.article.id.clone()));
                }
                Err(error) => {
                    warn!(%error, doc = %doc.article.id, retry_in_ms = delay.as_millis() as u64, "Sink write failed; retrying.");
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}
