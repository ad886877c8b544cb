//! `[sink]` and `[dead_letter]`: the outputs' settings and their defaults.

use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::num::{nz, nz64};

/// The kinds of sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SinkKind {
    /// One JSON object per line in a local file.
    Jsonl,
}

/// `[sink]`: where articles are written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SinkConfig {
    /// Sink workers (serialization runs in parallel, writes are ordered by a lock).
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (articles waiting to be written).
    pub channel_capacity: NonZeroUsize,
    /// Sink kind.
    #[serde(rename = "type")]
    pub kind: SinkKind,
    /// Output file for `jsonl`.
    pub path: PathBuf,
    /// Written records are flushed, fsync'd and acknowledged this often.
    pub flush_interval_ms: NonZeroU64,
    /// Rotate the output once it holds this many bytes (checked at each flush; 0: never).
    pub max_file_bytes: u64,
    /// Rotate the output once it is this old (0: never).
    pub rotate_interval_ms: u64,
    /// Serialized records held in memory between flushes before they are written out.
    pub buffer_bytes: NonZeroUsize,
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
        }
    }
}

/// `[dead_letter]`: where rejected input is recorded.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeadLetterConfig {
    /// Output file, one JSON object per rejection.
    pub path: PathBuf,
    /// Capacity of the channel every stage sends rejections into.
    pub channel_capacity: NonZeroUsize,
    /// Most bytes of the rejected input quoted in the record.
    pub excerpt_bytes: NonZeroUsize,
    /// Rotate the file once it holds this many bytes (0: never).
    pub max_file_bytes: u64,
    /// Rotate the file once it is this old (0: never).
    pub rotate_interval_ms: u64,
}

impl Default for DeadLetterConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("out/rejected.jsonl"),
            channel_capacity: nz(64),
            excerpt_bytes: nz(512),
            max_file_bytes: 1 << 30,
            rotate_interval_ms: 24 * 3_600_000,
        }
    }
}
