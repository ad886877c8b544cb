//! Outputs: where articles (the `[sink]`) and rejections (the `[dead_letter]`) go. Every kind
//! implements [`Sink`]: it takes records, makes them durable on [`Sink::flush`] (returning the
//! tickets of the records it made durable, so that their input can be acknowledged, and its
//! position to commit), and hears when the state holds that position. The daemon's committer
//! stores the positions of every output in the same transaction as the input checkpoints they
//! cover. A kind is added in a file (or folder) of its own here, implementing `Kind` (its place
//! in the state's keys, its checks, how it opens), and one line in the list of kinds below that
//! names it; a kind with settings of its own also has its sub-table in both sections
//! (`[sink.postgres]`).

mod batch;
pub mod config;
mod discard;
mod file;
pub mod nats;
pub mod postgres;
mod stage;
mod stdout;

use std::path::PathBuf;
use std::sync::Arc;

pub use config::{Holds, OutputSettings};
pub use file::{FileOptions, Flushed, JsonlFile, Position, format_ms, rotated_name};
pub use stage::{DeadLetterStage, SinkStage};
pub use stdout::Stdout;

use serde::{Deserialize, Serialize};

use crate::record::{Article, Rejection, Ticket};

/// An output failure (the record is retried, never dropped).
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
    /// The output holds as much as it may until a flush sends it (retried quietly: the
    /// pipeline waits).
    #[error("output full ({held_bytes} bytes wait for the next flush)")]
    Full {
        /// Bytes held.
        held_bytes: usize,
    },
    /// A server (database, broker) failed or cannot be reached (retried).
    #[error("{output}: {message}")]
    Server {
        /// The output.
        output: String,
        /// Why.
        message: String,
    },
    /// The output cannot be used as configured (a missing table): a person must act.
    #[error("{output}: {message}")]
    Setup {
        /// The output.
        output: String,
        /// Why, and what to do.
        message: String,
    },
    /// The output cannot take this record, ever (it is larger than the server takes): the
    /// record goes to the dead letter instead.
    #[error("output refused the record: {reason}")]
    Refused {
        /// Why.
        reason: String,
    },
    /// The position stored in the state is not one this output wrote.
    #[error(
        "the state's committed position for {path} is damaged; move the state directory aside to start afresh \
         (every input is read again) or restore it from a backup"
    )]
    Position {
        /// The output.
        path: PathBuf,
    },
}

/// One record for an output.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// An article, for the sink.
    Article(&'a Article),
    /// A rejection, for the dead letter.
    Rejection(&'a Rejection),
}

impl Record<'_> {
    /// The ticket of the input it came from, to acknowledge once it is durable.
    pub fn ticket(&self) -> Option<Ticket> {
        match self {
            Record::Article(a) => a.ticket,
            Record::Rejection(r) => r.ticket,
        }
    }

    /// The record's id, for logs.
    pub fn id(&self) -> &str {
        match self {
            Record::Article(a) => &a.id,
            Record::Rejection(r) => r.id.as_deref().unwrap_or(&r.path),
        }
    }
}

impl serde::Serialize for Record<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Record::Article(a) => a.serialize(s),
            Record::Rejection(r) => r.serialize(s),
        }
    }
}

/// An output.
///
/// Exactly-once output rests on a commit point: `flush` makes what was written durable and says
/// where the output now stands (an opaque position); the daemon stores that position in the state
/// in the same transaction as the input checkpoints it covers, then calls `committed`. An output
/// opened with the last committed position drops (or ignores) anything written after it; one that
/// cannot take back what it wrote (standard output) gives at-least-once instead.
pub trait Sink: Send + Sync + 'static {
    /// Buffers one record (may block briefly; an error means "retry later", nothing was kept).
    fn write(&self, record: Record<'_>) -> Result<(), SinkError>;
    /// Makes every buffered record durable; returns their tickets and the position to commit.
    fn flush(&self) -> Result<SinkFlushed, SinkError>;
    /// The state now holds `position` (from an earlier `flush`).
    fn committed(&self, position: &[u8]);
    /// Bytes written since start (for metrics).
    fn bytes_written(&self) -> u64;
    /// Sets aside every record written so far for the next `flush`, and says whether there were
    /// any. An output that cannot take back what it sends (a database, a broker) sends only what
    /// was set aside, and the committer makes the dedup answers those records carry durable in
    /// between: a document read again after a crash then gets the answer its record went out
    /// with, and the output's own idempotence (by id) keeps one copy. An output cut back to its
    /// committed position on start needs none of this (the default sets nothing aside).
    fn seal(&self) -> bool {
        false
    }
    /// New rotation limits (a config reload; 0 turns one off). Outputs without files ignore them.
    fn set_rotation(&self, _max_file_bytes: u64, _rotate_interval_ms: u64) {}
}

/// What an output's flush made durable.
#[derive(Debug)]
pub struct SinkFlushed {
    /// Tickets of the records now durable.
    pub tickets: Vec<Ticket>,
    /// Where the output stands, in the output's own encoding.
    pub position: Vec<u8>,
}

/// Opens an output of the kind `settings` names, at the position `committed` the state holds
/// for it. Outputs that talk to a server connect here: call it off the async threads.
pub fn open(settings: &OutputSettings, committed: Option<&[u8]>) -> Result<Arc<dyn Sink>, SinkError> {
    settings.kind.spec().open(settings, committed)
}

/// What an output kind does with its settings.
pub(crate) trait Kind: Sync {
    /// Where its records go, as its key in the state says it (after what it holds).
    fn place(&self, settings: &OutputSettings) -> String;
    /// What is wrong with its settings: (key under the section, why).
    fn problems(&self, _settings: &OutputSettings) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Why the articles output and the dead letter, both of this kind, cannot be set so: (key
    /// under `[dead_letter]`, why).
    fn clash(&self, _articles: &OutputSettings, _rejections: &OutputSettings) -> Option<(&'static str, String)> {
        None
    }
    /// Opens the output at the position `committed` the state holds for it (a server is
    /// connected here: off the async threads).
    fn open(&self, settings: &OutputSettings, committed: Option<&[u8]>) -> Result<Arc<dyn Sink>, SinkError>;
}

/// Declares [`SinkKind`], one variant per registered kind, and its [`Kind`].
macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $kind:expr,)+) => {
        /// The kinds of output, for `[sink] kind` and `[dead_letter] kind`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum SinkKind {
            $($(#[$doc])* $variant,)+
        }

        impl SinkKind {
            /// What this kind does.
            pub(crate) fn spec(self) -> &'static dyn Kind {
                match self {
                    $(SinkKind::$variant => &$kind,)+
                }
            }
        }
    };
}

kinds! {
    /// One JSON object per line in a local file (`path`), rotated, cut back to the last commit
    /// after a crash: exactly once.
    Jsonl => file::JsonlKind,
    /// One JSON object per line on standard output, for piping into another tool (logs stay on
    /// stderr). What was written after the last commit is written again after a crash: at least
    /// once.
    Stdout => stdout::StdoutKind,
    /// Rows of a PostgreSQL table (`[postgres]`, and the table in `[sink.postgres]` or
    /// `[dead_letter.postgres]`), inserted idempotently by id: exactly once.
    Postgres => postgres::PostgresKind,
    /// Messages on a NATS JetStream stream (`[nats]`, and the stream in `[sink.nats]` or
    /// `[dead_letter.nats]`), each with its id as `Nats-Msg-Id`: exactly once.
    Nats => nats::NatsKind,
    /// Nothing: records are counted and acknowledged, and kept nowhere (a dedup process standing
    /// by; measuring the pipeline without an output).
    Discard => discard::DiscardKind,
}
