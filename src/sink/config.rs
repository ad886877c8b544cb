//! `[sink]` and `[dead_letter]`: the outputs' settings and their defaults.

use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use super::SinkKind;

use super::nats::{ArticleStream, NatsStream, NatsTarget, RejectionStream};
use super::postgres::PostgresTarget;
use super::postgres::config::{ArticlesTable, PostgresConfig, RejectionsTable};
use crate::live::LiveKeys;
use crate::nats::NatsConfig;
use crate::num::{nz, nz64};

/// What an output holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Articles (`[sink]`).
    Articles,
    /// Rejections (`[dead_letter]`).
    Rejections,
}

impl Holds {
    /// Its name in the state, in metrics and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Holds::Articles => "articles",
            Holds::Rejections => "rejected",
        }
    }
}

/// What opening an output needs, from `[sink]` or `[dead_letter]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSettings {
    /// What it holds.
    pub holds: Holds,
    /// The kind.
    pub kind: SinkKind,
    /// The file, for `jsonl`.
    pub path: PathBuf,
    /// Rotate once the file holds this many bytes (0: never).
    pub max_file_bytes: u64,
    /// Rotate once the file is this old (0: never).
    pub rotate_interval_ms: u64,
    /// Serialized records held before they are written out between flushes.
    pub buffer_bytes: usize,
    /// The server and table, for `postgres`.
    pub postgres: PostgresTarget,
    /// The server and stream, for `nats`.
    pub nats: NatsTarget,
}

impl OutputSettings {
    /// The output's key in the state: what it holds (`articles`, `rejected`) and where it goes.
    pub fn key(&self) -> String {
        format!("{}:{}", self.holds.name(), self.kind.spec().place(self))
    }
}

/// `[sink]`: where articles are written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SinkConfig {
    /// Sink workers (serialization runs in parallel, writes are ordered by a lock).
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (articles waiting to be written).
    pub channel_capacity: NonZeroUsize,
    /// `jsonl` (a file) or `stdout`; `type` is accepted for it too.
    #[serde(alias = "type")]
    pub kind: SinkKind,
    /// Output file for `jsonl`.
    pub path: PathBuf,
    /// Written records are flushed, fsync'd and acknowledged this often.
    pub flush_interval_ms: NonZeroU64,
    /// Rotate the output once it holds this many bytes (checked at each flush; 0: never).
    pub max_file_bytes: u64,
    /// Rotate the output once it is this old (0: never).
    pub rotate_interval_ms: u64,
    /// Serialized records held in memory between flushes before they are written out (for
    /// `postgres`, all that waits for the next flush: past it the pipeline waits).
    pub buffer_bytes: NonZeroUsize,
    /// The table, for `postgres`.
    pub postgres: ArticlesTable,
    /// The stream, for `nats`.
    pub nats: NatsStream<ArticleStream>,
}

impl Default for SinkConfig {
    fn default() -> Self {
        Self {
            workers: nz(1),
            channel_capacity: nz(64),
            kind: SinkKind::Jsonl,
            path: PathBuf::from("out/articles.jsonl"),
            flush_interval_ms: nz64(1_000),
            max_file_bytes: 1 << 30,
            rotate_interval_ms: 24 * 3_600_000,
            buffer_bytes: nz(1 << 20),
            postgres: ArticlesTable::default(),
            nats: NatsStream::default(),
        }
    }
}

/// `[dead_letter]`: where rejected input is recorded.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeadLetterConfig {
    /// `jsonl` (a file) or `stdout`.
    pub kind: SinkKind,
    /// Output file for `jsonl`, one JSON object per rejection.
    pub path: PathBuf,
    /// Capacity of the channel every stage sends rejections into.
    pub channel_capacity: NonZeroUsize,
    /// Most bytes of the rejected input quoted in the record.
    pub excerpt_bytes: NonZeroUsize,
    /// Rotate the file once it holds this many bytes (0: never).
    pub max_file_bytes: u64,
    /// Rotate the file once it is this old (0: never).
    pub rotate_interval_ms: u64,
    /// The table, for `postgres`.
    pub postgres: RejectionsTable,
    /// The stream, for `nats`.
    pub nats: NatsStream<RejectionStream>,
}

impl Default for DeadLetterConfig {
    fn default() -> Self {
        Self {
            kind: SinkKind::Jsonl,
            path: PathBuf::from("out/rejected.jsonl"),
            channel_capacity: nz(64),
            excerpt_bytes: nz(512),
            max_file_bytes: 1 << 30,
            rotate_interval_ms: 24 * 3_600_000,
            postgres: RejectionsTable::default(),
            nats: NatsStream::default(),
        }
    }
}

impl SinkConfig {
    /// What a reload changes in place: all but the kind (a new `path` opens the new file and
    /// drains the old one).
    pub(crate) const LIVE: LiveKeys = LiveKeys::AllBut(&["kind", "buffer_bytes"]);

    /// How the articles output is opened (`postgres`: the `[postgres]` server).
    pub fn output(&self, postgres: &PostgresConfig, nats: &NatsConfig) -> OutputSettings {
        OutputSettings {
            holds: Holds::Articles,
            kind: self.kind,
            path: self.path.clone(),
            max_file_bytes: self.max_file_bytes,
            rotate_interval_ms: self.rotate_interval_ms,
            buffer_bytes: self.buffer_bytes.get(),
            postgres: PostgresTarget { server: postgres.clone(), table: self.postgres.table.clone(), fence: None },
            nats: self.nats.target(nats),
        }
    }
}

impl DeadLetterConfig {
    /// What a reload changes in place: where rejections go and when the file rotates.
    pub(crate) const LIVE: LiveKeys =
        LiveKeys::Only(&["path", "max_file_bytes", "rotate_interval_ms", "postgres", "nats"]);

    /// How the dead letter is opened (buffered like the articles output: `buffer_bytes`).
    pub fn output(&self, buffer_bytes: usize, postgres: &PostgresConfig, nats: &NatsConfig) -> OutputSettings {
        OutputSettings {
            holds: Holds::Rejections,
            kind: self.kind,
            path: self.path.clone(),
            max_file_bytes: self.max_file_bytes,
            rotate_interval_ms: self.rotate_interval_ms,
            buffer_bytes,
            postgres: PostgresTarget { server: postgres.clone(), table: self.postgres.table.clone(), fence: None },
            nats: self.nats.target(nats),
        }
    }
}

/// Problems with `[sink]` and `[dead_letter]` together (each as its kind sees it, and the two
/// of one kind side by side), as (dotted key, why).
pub fn problems(
    sink: &SinkConfig,
    dead_letter: &DeadLetterConfig,
    postgres: &PostgresConfig,
    nats: &NatsConfig,
) -> Vec<(String, String)> {
    let articles = sink.output(postgres, nats);
    let rejections = dead_letter.output(articles.buffer_bytes, postgres, nats);
    let mut errors = Vec::new();
    for (section, output) in [("sink", &articles), ("dead_letter", &rejections)] {
        let found = output.kind.spec().problems(output);
        errors.extend(found.into_iter().map(|(key, why)| (format!("{section}.{key}"), why)));
    }
    if articles.kind == rejections.kind
        && let Some((key, why)) = articles.kind.spec().clash(&articles, &rejections)
    {
        errors.push((format!("dead_letter.{key}"), why));
    }
    errors
}
