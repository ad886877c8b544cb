//! `[source]`: the file source's settings and their defaults.

use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::live::LiveKeys;
use crate::num::{nz, nz64};

/// Where documents come from, for `[source] kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Files in watched directories (`paths`), read from their checkpoints.
    Files,
    /// Messages of a NATS JetStream stream (`[nats]`, `[source.nats]`).
    Nats,
}

/// `[source]`: where documents come from; the file source's settings, and `[source.nats]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// `files` or `nats`.
    pub kind: SourceKind,
    /// The stream and consumer, for `nats`.
    pub nats: super::nats::config::NatsSourceConfig,
    /// Directories to watch; created when missing. Relative paths are taken from the working directory.
    pub paths: Vec<PathBuf>,
    /// Globs (relative to a watched directory) a file must match to be read.
    pub include: Vec<String>,
    /// Globs that exclude a file even when it matches `include`.
    pub exclude: Vec<String>,
    /// A file is read once its size and mtime have not changed for this long.
    pub settle_ms: u64,
    /// Full rescan interval, a safety net for missed filesystem events.
    pub rescan_interval_ms: NonZeroU64,
    /// Largest document (a whole file, a JSON line, or a decompressed `.gz`) accepted.
    pub max_document_bytes: NonZeroU64,
    /// How deep below a watched directory files are looked for.
    pub max_depth: NonZeroUsize,
    /// Most files whose read position is remembered at once; further files wait.
    pub max_tracked_files: NonZeroUsize,
    /// Most feed items remembered as handled (by guid or link), so that a rewritten feed yields
    /// only new items; past this the longest-remembered are forgotten.
    pub max_feed_items: NonZeroUsize,
    /// Concurrent file readers.
    pub workers: NonZeroUsize,
    /// Capacity of the queue of settled files waiting for a reader.
    pub channel_capacity: NonZeroUsize,
    /// A feed item with a headline (and link) but no description, summary or content: `reject`
    /// it to the dead letter as `no_content`, or `emit` a record with an empty body and
    /// `headline_only: true` (dedup passes such records through without a story).
    pub feed_items_without_text: ItemsWithoutText,
    /// Which symbolic links in the watched directories are read: `inside` (only those whose
    /// target lies under a watched directory), `never`, or `always` (any target the daemon can
    /// read). Links to directories are never followed.
    pub follow_symlinks: FollowSymlinks,
    /// Times a file that cannot be opened or read is retried (once a scan) before it goes to the
    /// dead letter as `unreadable`; it is read again when it changes.
    pub unreadable_retries: u32,
}

/// What becomes of a feed item without text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemsWithoutText {
    /// A `no_content` record in the dead letter.
    Reject,
    /// A record with an empty body, flagged `headline_only`.
    Emit,
}

/// Which symbolic links the file source follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowSymlinks {
    /// Links whose real path lies under a watched directory.
    Inside,
    /// No links at all.
    Never,
    /// Every link to a file.
    Always,
}

impl Default for SourceConfig {
    fn default() -> Self {
        Self {
            kind: SourceKind::Files,
            nats: Default::default(),
            paths: vec![PathBuf::from("inbox")],
            include: [
                "**/*.txt",
                "**/*.html",
                "**/*.htm",
                "**/*.html.gz",
                "**/*.htm.gz",
                "**/*.jsonl",
                "**/*.ndjson",
                "**/*.rss",
                "**/*.atom",
                "**/*.rdf",
                "**/*.xml",
                "**/*.feed",
            ]
            .map(String::from)
            .to_vec(),
            exclude: ["**/.*", "**/*.tmp", "**/*.part"].map(String::from).to_vec(),
            settle_ms: 1_000,
            rescan_interval_ms: nz64(30_000),
            max_document_bytes: nz64(10 * 1024 * 1024),
            max_depth: nz(16),
            max_tracked_files: nz(1_000_000),
            max_feed_items: nz(1_000_000),
            workers: nz(2),
            channel_capacity: nz(64),
            feed_items_without_text: ItemsWithoutText::Reject,
            follow_symlinks: FollowSymlinks::Inside,
            unreadable_retries: 3,
        }
    }
}

impl SourceConfig {
    /// What a reload changes in place: which files are read. The directories and the rest need a
    /// restart.
    pub(crate) const LIVE: LiveKeys = LiveKeys::Only(&["include", "exclude", "nats"]);

    /// Problems with the section's values, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if self.kind == SourceKind::Nats {
            errors.extend(self.nats.problems());
        }
        if self.kind == SourceKind::Files && self.paths.is_empty() {
            errors.push(("paths", "at least one directory is needed".into()));
        }
        for (key, globs) in [("include", &self.include), ("exclude", &self.exclude)] {
            for g in globs {
                if let Err(e) = globset::Glob::new(g) {
                    errors.push((key, format!("bad glob `{g}`: {e}")));
                }
            }
        }
        if self.include.is_empty() {
            errors.push(("include", "no file would ever be read".into()));
        }
        errors
    }
}
