//! The daemon's one configuration file: typed sections, their defaults, `${VAR}` interpolation and a
//! loader that reports every problem it finds at once, each with its `file:line:column`.
//!
//! Loading works section by section so that a bad key in `[source]` does not hide a bad value in
//! `[dedup]`: the TOML is parsed into a spanned tree first, each section is deserialized on its own,
//! and the semantic checks run over whatever parsed. All defaults live in the `Default` impls below.

use crate::record::PageType;
use std::fmt;
use std::num::{NonZeroU64, NonZeroUsize};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// Everything newsmill reads from its TOML file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Config {
    /// Where documents come from.
    pub source: SourceConfig,
    /// Line-level cleaning of page text.
    pub clean: CleanConfig,
    /// Building the article record from cleaned lines.
    pub extract: ExtractConfig,
    /// Duplicate detection.
    pub dedup: DedupConfig,
    /// Where articles go.
    pub sink: SinkConfig,
    /// Where rejected input goes.
    pub dead_letter: DeadLetterConfig,
    /// Persistent state: read positions and the dedup window.
    pub state: StateConfig,
    /// Logging.
    pub log: LogConfig,
    /// Process-wide settings.
    pub runtime: RuntimeConfig,
    /// The metrics and health endpoints.
    pub metrics: MetricsConfig,
    /// Reloading this file while running.
    pub reload: ReloadConfig,
}

/// `[reload]`: the config is read again on SIGHUP, and with `watch` whenever the file changes.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReloadConfig {
    /// Also reload when the config file changes (debounced), not only on SIGHUP.
    pub watch: bool,
}

/// `[metrics]`: the HTTP endpoints `/metrics` (Prometheus), `/health`, `/ready` and `/status`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve them (the daemon only; `run --once` never does).
    pub enabled: bool,
    /// Address and port to listen on; keep it on loopback unless a firewall guards it (port 0: any free port).
    pub listen: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { enabled: true, listen: "127.0.0.1:9464".into() }
    }
}

/// `[source]`: the fetch-from-file source.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
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

/// `[clean]`: the line cleaner for page text.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanConfig {
    /// Parallel cleaning workers.
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (documents waiting to be cleaned).
    pub channel_capacity: NonZeroUsize,
    /// Extra regular expressions; a matching line is dropped.
    pub drop_patterns: Vec<String>,
    /// Regular expressions; a matching line is always kept (wins over every drop rule).
    pub keep_patterns: Vec<String>,
    /// A line needs at least this many words (or CJK characters / 2) and sentence punctuation to count as prose.
    pub min_prose_words: NonZeroUsize,
    /// Drop later copies of a line already seen in the same page dump (HTML pages leave repeats to
    /// the block model, which tells a menu shown twice from an article's own repeated lines).
    pub drop_repeated_lines: bool,
    /// Lines longer than this are cut (a minified blob is not an article line).
    pub max_line_bytes: NonZeroUsize,
    /// Most text blocks read from one HTML page; the rest of a longer page is ignored.
    pub max_html_blocks: NonZeroUsize,
    /// A line the rules leave open is kept when the line model gives it at least this probability
    /// of being article text (0 to 1: lower keeps more, higher keeps less).
    pub keep_threshold: f32,
    /// Cut the lines of a page dump that hold several columns of a table layout (a menu, the
    /// article, a sidebar side by side) down to the article's words, with the word model.
    pub split_columns: bool,
    /// A word of a kept line counts for the article's run when the word model gives it at least
    /// this probability (0 to 1: lower keeps more of each line, higher cuts more).
    pub column_word_threshold: f32,
    /// A page is split only when at least this share of its kept lines hold other columns' words
    /// by the word model's first pass (0 to 1): a page of one column is left whole.
    pub column_min_share: f32,
    /// Words at a line's start or end are cut off only when the word model's summed log-odds
    /// against them reach this much (0 or more: higher cuts less, only where it is sure).
    pub column_cut_margin: f32,
    /// On a page the splitter splits, a line the line model dropped with at least this probability
    /// (0 to 1; 1 turns it off) is judged word by word too, and keeps the run of words the word
    /// model is sure of: half of such a line is often the article, the other half a menu.
    pub column_rescue_threshold: f32,
    /// A page is split only when at most this share of its kept lines of five words or more end a
    /// sentence (0 to 1; 1 turns this gate off): a text browser wraps a table layout's columns, so
    /// most of their lines stop mid-sentence, where a page of one column has a paragraph a line.
    pub column_max_sentence_share: f32,
    /// Removed with the site-template learner ([`CleanConfig::removed_keys`]); accepted and ignored.
    #[serde(skip_serializing)]
    pub templates: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_min_docs: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_min_share: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_max_sites: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_max_lines_per_site: Option<serde::de::IgnoredAny>,
    /// Pages with fewer lines are judged by the prose rule alone (too little context for the model).
    pub min_model_lines: NonZeroUsize,
    /// A prose line the model doubted is kept when body text is at most this many lines above and below.
    pub sandwich_reach_lines: NonZeroUsize,
    /// A line of at most this many words that ends a sentence, right below a kept line of six words or
    /// more whose sentence runs on (no sentence end or colon), is kept as that sentence's wrapped end
    /// ("2007."); 0 turns it off.
    pub wrapped_tail_words: usize,
    /// How many lines above the body the headline is looked for.
    pub headline_reach_lines: NonZeroUsize,
    /// A headline must share at least this share of its content words with the body (0 to 1).
    pub headline_min_overlap: f32,
    /// How many of the body's first content words the headline is compared with.
    pub headline_body_terms: NonZeroUsize,
    /// Whole-line interface labels in any language (case-insensitive, outer punctuation ignored).
    pub ui_labels: Vec<String>,
    /// A copyright notice (dropped from the text; names the publisher).
    pub copyright_pattern: String,
    /// An image credit line; capture group 1 is the credit.
    pub credit_pattern: String,
    /// An image caption ending in its credit, `... (AP Photo/Name)`; capture group 1 is the credit.
    pub caption_credit_pattern: String,
    /// A line written as a press photo caption ("FILE PHOTO: ...", "In this 2019 photo, ...",
    /// "Name, left, and Name ..."), in lines of at most 80 words: it is an image caption, kept out
    /// of the body.
    pub caption_pattern: String,
    /// The heading of a readers' comments section ("Comments are now closed", "Post a comment"):
    /// once the article has begun, such a line (at most 10 words) ends it.
    pub comments_start_pattern: String,
    /// Share and follow prompts (lines of at most 12 words).
    pub share_pattern: String,
    /// A link to another article inside this one, "SEE MORE: ..." (HTML blocks of at most 25 words).
    pub teaser_pattern: String,
    /// An article's tags under a label, "Tags: ...", "Теги: ..." (lines of at most 30 words).
    pub tags_pattern: String,
    /// A code identifier leaked into the page, such as `bar_progress`.
    pub identifier_pattern: String,
    /// An author line (lines of at most 10 words).
    pub byline_pattern: String,
    /// Words that introduce a publication date (short lines with a date).
    pub dateline_pattern: String,
}

impl Config {
    /// Warns about keys of removed features: the config still loads, but they do nothing.
    pub fn warn_removed_keys(&self) {
        for key in self.clean.removed_keys() {
            tracing::warn!(
                key,
                "Config key of the removed site-template learner is ignored (it changed nothing measurable); delete it."
            );
        }
    }
}

impl CleanConfig {
    /// The keys of the site-template learner this config still sets. The learner was removed: fed
    /// the 274 benchmark pages of sites with three pages or more in arrival order (CleanPortalEval,
    /// L3S and WCXB, HTML and text) it changed 3 pages' output by at most 0.0006, and 5 by at most
    /// 0.002 at its lowest setting (docs/cleaner-model.md). Configs that set them still load, with
    /// a warning.
    pub fn removed_keys(&self) -> Vec<&'static str> {
        [
            ("clean.templates", self.templates.is_some()),
            ("clean.template_min_docs", self.template_min_docs.is_some()),
            ("clean.template_min_share", self.template_min_share.is_some()),
            ("clean.template_max_sites", self.template_max_sites.is_some()),
            ("clean.template_max_lines_per_site", self.template_max_lines_per_site.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }
}

impl Default for CleanConfig {
    fn default() -> Self {
        Self {
            workers: nz(2),
            channel_capacity: nz(64),
            drop_patterns: Vec::new(),
            keep_patterns: Vec::new(),
            min_prose_words: nz(8),
            drop_repeated_lines: true,
            max_line_bytes: nz(64 * 1024),
            max_html_blocks: nz(20_000),
            keep_threshold: 0.5,
            split_columns: true,
            column_word_threshold: 0.5,
            column_min_share: 0.2,
            column_cut_margin: 2.0,
            column_rescue_threshold: 0.2,
            column_max_sentence_share: 0.9,
            templates: None,
            template_min_docs: None,
            template_min_share: None,
            template_max_sites: None,
            template_max_lines_per_site: None,
            min_model_lines: nz(12),
            sandwich_reach_lines: nz(2),
            wrapped_tail_words: 2,
            headline_reach_lines: nz(25),
            headline_min_overlap: 0.34,
            headline_body_terms: nz(200),
            ui_labels: crate::stages::clean::rules::UI_LABELS.iter().map(|s| s.to_string()).collect(),
            copyright_pattern: crate::stages::clean::rules::COPYRIGHT_PATTERN.into(),
            credit_pattern: crate::stages::clean::rules::CREDIT_PATTERN.into(),
            caption_credit_pattern: crate::stages::clean::rules::CAPTION_CREDIT_PATTERN.into(),
            caption_pattern: crate::stages::clean::rules::CAPTION_PATTERN.into(),
            comments_start_pattern: crate::stages::clean::rules::COMMENTS_START_PATTERN.into(),
            share_pattern: crate::stages::clean::rules::SHARE_PATTERN.into(),
            teaser_pattern: crate::stages::clean::rules::TEASER_PATTERN.into(),
            tags_pattern: crate::stages::clean::rules::TAGS_PATTERN.into(),
            identifier_pattern: crate::stages::clean::rules::IDENTIFIER_PATTERN.into(),
            byline_pattern: crate::stages::clean::rules::BYLINE_PATTERN.into(),
            dateline_pattern: crate::stages::clean::rules::DATELINE_PATTERN.into(),
        }
    }
}

/// `[extract]`: building the article from cleaned lines.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {
    /// Parallel extraction workers.
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (cleaned documents waiting for extraction).
    pub channel_capacity: NonZeroUsize,
    /// Language is only reported when the body has at least this many characters.
    pub lang_min_chars: usize,
    /// Page types written as articles (`article`, `service`, `forum`, `collection`, `listing`,
    /// `product`, `documentation`); a page of another type goes to the dead letter as
    /// `not_an_article` with the type found. Default: all seven.
    pub accept_page_types: Vec<PageType>,
    /// A page of a type not accepted is rejected only when the page-type model gives that type at
    /// least this probability (0..1); a page it is less sure of is written, with its type.
    pub reject_min_probability: f32,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        Self {
            workers: nz(2),
            channel_capacity: nz(64),
            lang_min_chars: 40,
            accept_page_types: PageType::ALL.to_vec(),
            reject_min_probability: 0.5,
        }
    }
}

/// What the dedup stage does with a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupAction {
    /// Write it, with `duplicate_of` set to the first document's id.
    Tag,
    /// Do not write it.
    Drop,
}

/// `[dedup]`: exact and near duplicates, grouped into stories, over a bounded window.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// Dedup workers (they share one index).
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (articles waiting for duplicate checks).
    pub channel_capacity: NonZeroUsize,
    /// Turn duplicate detection off entirely.
    pub enabled: bool,
    /// `tag` or `drop`.
    pub action: DedupAction,
    /// Most bodies remembered; the oldest is forgotten first.
    pub max_entries: NonZeroUsize,
    /// Bodies older than this are forgotten.
    pub max_age_hours: NonZeroU64,
    /// Look for near copies (edited republications), not only exact ones.
    pub near: bool,
    /// Words per shingle: longer shingles tell unrelated texts apart better, shorter ones survive
    /// heavier editing.
    pub shingle_words: NonZeroUsize,
    /// LSH bands over the 64-slot signature; `bands * rows` must be at most 64. More bands find
    /// less similar copies, at more lookups per document.
    pub bands: NonZeroUsize,
    /// Signature slots per band: more rows make a band's match rarer between unrelated texts.
    pub rows: NonZeroUsize,
    /// LSH bands over the lead signature (the first 64 shingles), which find copies cut short or
    /// extended at the end; `lead_bands * lead_rows` must be at most 32; 0 turns them off.
    pub lead_bands: usize,
    /// Lead signature slots per band.
    pub lead_rows: NonZeroUsize,
    /// Least share of the shorter body found in the other for a near copy (0..1].
    pub threshold: f64,
    /// Least ratio of how well the two bodies' numbers agree to how well their text agrees, for a
    /// near copy (0..1]: a template story with other figures fails it.
    pub number_agreement: f64,
    /// The same for names (capitalised words inside sentences), used where either body has too
    /// few numbers to judge ([0, 1]; 0, the default, turns it off: an edit's dropped sentence
    /// takes names with it as often as a template story swaps them, so on generated wire copies
    /// it split more true copies than it kept template stories apart).
    pub name_agreement: f64,
    /// Bodies with fewer shingles than this are only matched exactly.
    pub min_shingles: u32,
    /// When either body has fewer numbers (names) than this, they are not compared.
    pub min_entities: u32,
    /// Most earlier documents compared per document (bounds the work per lookup).
    pub max_candidates: NonZeroUsize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        Self {
            workers: nz(1),
            channel_capacity: nz(64),
            enabled: true,
            action: DedupAction::Tag,
            max_entries: nz(1_000_000),
            max_age_hours: nz64(7 * 24),
            near: true,
            shingle_words: nz(5),
            bands: nz(21),
            rows: nz(3),
            lead_bands: 10,
            lead_rows: nz(3),
            threshold: 0.5,
            number_agreement: 0.5,
            name_agreement: 0.0,
            min_shingles: 8,
            min_entities: 2,
            max_candidates: nz(32),
        }
    }
}

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

/// `[state]`: persisted read positions and the dedup window.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// Directory of the state database; created when missing.
    pub dir: PathBuf,
    /// Memory the state database may use to cache its pages.
    pub cache_bytes: NonZeroUsize,
}

impl Default for StateConfig {
    fn default() -> Self {
        Self { dir: PathBuf::from("state"), cache_bytes: nz(16 * 1024 * 1024) }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per event, for log shippers.
    Json,
}

/// `[log]`: structured logging to stderr.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter such as `info` or `newsmill=debug,warn`; `RUST_LOG` overrides it.
    pub level: String,
    /// `text` or `json`.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".into(), format: LogFormat::Text }
    }
}

/// `[runtime]`: process-wide settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    /// After SIGINT/SIGTERM, how long stages may take to drain before the process gives up on them.
    pub shutdown_grace_ms: NonZeroU64,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self { shutdown_grace_ms: nz64(30_000) }
    }
}

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

fn nz64(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN)
}

/// One problem in a config file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The file, as given.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: usize,
    /// 1-based column, when known.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.column, self.message)
    }
}

/// Every problem found in a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read but is not a valid config.
    #[error("{} problem(s) in config:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ConfigProblem>),
}

impl ConfigError {
    /// The problems, for printing one per line.
    pub fn problems(&self) -> Vec<String> {
        match self {
            ConfigError::Io { .. } => vec![self.to_string()],
            ConfigError::Invalid(p) => p.iter().map(ToString::to_string).collect(),
        }
    }
}

impl Config {
    /// Reads, interpolates, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let raw =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
        Self::from_toml(&raw, path, &|name| std::env::var(name).ok())
    }

    /// Parses config text. `env` resolves `${VAR}` references; `path` only labels the problems.
    pub fn from_toml(raw: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut problems = Problems { file: path.to_path_buf(), text: raw.to_string(), list: Vec::new() };
        let (text, interp_errors) = interpolate(raw, env);
        for (offset, msg) in interp_errors {
            problems.at(offset..offset, msg);
        }
        problems.text = text.clone();
        let (root, syntax_errors) = DeTable::parse_recoverable(&text);
        for e in syntax_errors {
            problems.at(e.span().unwrap_or(0..0), e.message().to_string());
        }
        let mut config = Config::default();
        let root = root.into_inner();
        let mut spans: Vec<(String, Range<usize>)> = Vec::new();
        for (key, value) in root {
            let name = key.get_ref().to_string();
            collect_spans(&name, &value, &mut spans);
            let span = key.span();
            let result = match name.as_str() {
                "source" => section(value).map(|s| config.source = s),
                "clean" => section(value).map(|s| config.clean = s),
                "extract" => section(value).map(|s| config.extract = s),
                "dedup" => section(value).map(|s| config.dedup = s),
                "sink" => section(value).map(|s| config.sink = s),
                "dead_letter" => section(value).map(|s| config.dead_letter = s),
                "state" => section(value).map(|s| config.state = s),
                "log" => section(value).map(|s| config.log = s),
                "runtime" => section(value).map(|s| config.runtime = s),
                "metrics" => section(value).map(|s| config.metrics = s),
                "reload" => section(value).map(|s| config.reload = s),
                other => {
                    problems.at(span.clone(), format!("unknown section `{other}`, expected one of {SECTIONS}"));
                    Ok(())
                }
            };
            if let Err(e) = result {
                let at = e.span().unwrap_or(span);
                // Name the deepest key whose value holds the error, so the message says what is wrong where.
                let key = spans
                    .iter()
                    .filter(|(_, s)| s.start <= at.start && at.start < s.end.max(s.start + 1))
                    .max_by_key(|(k, _)| k.len())
                    .map_or(name.clone(), |(k, _)| k.clone());
                problems.at(at, format!("{key}: {}", e.message()));
            }
        }
        for (key, msg) in config.validate() {
            let span = spans.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone()).unwrap_or(0..0);
            problems.at(span, format!("{key}: {msg}"));
        }
        if problems.list.is_empty() {
            return Ok(config);
        }
        problems.list.sort_by_key(|p| (p.line, p.column));
        Err(ConfigError::Invalid(problems.list))
    }

    /// Semantic checks that types alone cannot express; returns `(dotted key, message)` for each.
    fn validate(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        if self.source.paths.is_empty() {
            errors.push(("source.paths".into(), "at least one directory is needed".into()));
        }
        for (key, globs) in [("source.include", &self.source.include), ("source.exclude", &self.source.exclude)] {
            for g in globs.iter() {
                if let Err(e) = globset::Glob::new(g) {
                    errors.push((key.into(), format!("bad glob `{g}`: {e}")));
                }
            }
        }
        if self.metrics.listen.parse::<std::net::SocketAddr>().is_err() {
            errors.push(("metrics.listen".into(), format!("`{}` is not an address:port", self.metrics.listen)));
        }
        if self.source.include.is_empty() {
            errors.push(("source.include".into(), "no file would ever be read".into()));
        }
        for (key, pats) in
            [("clean.drop_patterns", &self.clean.drop_patterns), ("clean.keep_patterns", &self.clean.keep_patterns)]
        {
            for p in pats.iter() {
                if let Err(e) = regex::Regex::new(p) {
                    errors.push((key.into(), format!("bad regular expression `{p}`: {e}")));
                }
            }
        }
        if self.dedup.bands.get() * self.dedup.rows.get() > crate::stages::dedup::SLOTS {
            errors.push((
                "dedup.bands".into(),
                format!("bands * rows must be at most {} (the signature's slots)", crate::stages::dedup::SLOTS),
            ));
        }
        if self.dedup.shingle_words.get() > crate::stages::dedup::sketch::MAX_SHINGLE_WORDS {
            errors.push((
                "dedup.shingle_words".into(),
                format!("must be at most {}", crate::stages::dedup::sketch::MAX_SHINGLE_WORDS),
            ));
        }
        if self.dedup.lead_bands * self.dedup.lead_rows.get() > crate::stages::dedup::LEAD_SLOTS {
            errors.push((
                "dedup.lead_bands".into(),
                format!("lead_bands * lead_rows must be at most {}", crate::stages::dedup::LEAD_SLOTS),
            ));
        }
        for (key, v) in
            [("dedup.threshold", self.dedup.threshold), ("dedup.number_agreement", self.dedup.number_agreement)]
        {
            if !(v > 0.0 && v <= 1.0) {
                errors.push((key.into(), "must be above 0 and at most 1".into()));
            }
        }
        if !(0.0..=1.0).contains(&self.dedup.name_agreement) {
            errors.push(("dedup.name_agreement".into(), "must be between 0 and 1".into()));
        }
        if self.extract.accept_page_types.is_empty() {
            errors.push(("extract.accept_page_types".into(), "name at least one page type (`article`)".into()));
        }
        if !(0.0..=1.0).contains(&self.extract.reject_min_probability) {
            errors.push(("extract.reject_min_probability".into(), "must be between 0 and 1".into()));
        }
        if !(0.0..=1.0).contains(&self.clean.keep_threshold) {
            errors.push(("clean.keep_threshold".into(), "must be between 0 and 1".into()));
        }
        if !(self.clean.column_word_threshold > 0.0 && self.clean.column_word_threshold < 1.0) {
            errors.push(("clean.column_word_threshold".into(), "must be between 0 and 1 (exclusive)".into()));
        }
        if !(0.0..=1.0).contains(&self.clean.column_min_share) {
            errors.push(("clean.column_min_share".into(), "must be between 0 and 1".into()));
        }
        if !(0.0..=1.0).contains(&self.clean.column_max_sentence_share) {
            errors.push(("clean.column_max_sentence_share".into(), "must be between 0 and 1".into()));
        }
        if !(0.0..=1.0).contains(&self.clean.column_rescue_threshold) {
            errors.push(("clean.column_rescue_threshold".into(), "must be between 0 and 1".into()));
        }
        if !(self.clean.column_cut_margin >= 0.0 && self.clean.column_cut_margin.is_finite()) {
            errors.push(("clean.column_cut_margin".into(), "must be 0 or more".into()));
        }
        if !(0.0..=1.0).contains(&self.clean.headline_min_overlap) {
            errors.push(("clean.headline_min_overlap".into(), "must be between 0 and 1".into()));
        }
        let c = &self.clean;
        for (key, p) in [
            ("clean.copyright_pattern", &c.copyright_pattern),
            ("clean.credit_pattern", &c.credit_pattern),
            ("clean.caption_credit_pattern", &c.caption_credit_pattern),
            ("clean.caption_pattern", &c.caption_pattern),
            ("clean.comments_start_pattern", &c.comments_start_pattern),
            ("clean.share_pattern", &c.share_pattern),
            ("clean.teaser_pattern", &c.teaser_pattern),
            ("clean.tags_pattern", &c.tags_pattern),
            ("clean.identifier_pattern", &c.identifier_pattern),
            ("clean.byline_pattern", &c.byline_pattern),
            ("clean.dateline_pattern", &c.dateline_pattern),
        ] {
            if let Err(e) = regex::Regex::new(p) {
                errors.push((key.into(), format!("bad regular expression: {e}")));
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::builder().parse(&self.log.level) {
            errors.push(("log.level".into(), format!("bad filter `{}`: {e}", self.log.level)));
        }
        if self.sink.path == self.dead_letter.path {
            errors.push(("dead_letter.path".into(), "must differ from sink.path".into()));
        }
        if self.sink.path.as_os_str().is_empty() {
            errors.push(("sink.path".into(), "must not be empty".into()));
        }
        if self.state.dir.as_os_str().is_empty() {
            errors.push(("state.dir".into(), "must not be empty".into()));
        }
        errors
    }
}

const SECTIONS: &str = "source, clean, extract, dedup, sink, dead_letter, state, log, runtime, metrics, reload";

fn section<'a, T: Deserialize<'a>>(value: toml::Spanned<DeValue<'a>>) -> Result<T, toml::de::Error> {
    T::deserialize(ValueDeserializer::from(value))
}

fn collect_spans(prefix: &str, value: &toml::Spanned<DeValue<'_>>, out: &mut Vec<(String, Range<usize>)>) {
    out.push((prefix.to_string(), value.span()));
    if let DeValue::Table(t) = value.get_ref() {
        for (k, v) in t.iter() {
            collect_spans(&format!("{prefix}.{}", k.get_ref()), v, out);
        }
    }
}

struct Problems {
    file: PathBuf,
    text: String,
    list: Vec<ConfigProblem>,
}

impl Problems {
    fn at(&mut self, span: Range<usize>, message: String) {
        let (line, column) = line_col(&self.text, span.start);
        self.list.push(ConfigProblem { file: self.file.clone(), line, column, message });
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Replaces `${VAR}` and `${VAR:-default}` (an unset or empty `VAR` takes the default); `$$` is a
/// literal `$`. Whole-line comments are left alone so the config can document the syntax.
/// Returns the new text and `(offset, message)` for each reference that cannot be resolved.
pub fn interpolate(raw: &str, env: &dyn Fn(&str) -> Option<String>) -> (String, Vec<(usize, String)>) {
    let mut out = String::with_capacity(raw.len());
    let mut errors = Vec::new();
    let mut offset = 0usize;
    for line in raw.split_inclusive('\n') {
        let line_offset = offset;
        offset += line.len();
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(pos) = rest.find('$') {
            let at = line_offset + (line.len() - rest.len()) + pos;
            out.push_str(&rest[..pos]);
            let tail = &rest[pos..];
            if let Some(after) = tail.strip_prefix("$$") {
                out.push('$');
                rest = after;
                continue;
            }
            let Some(body) = tail.strip_prefix("${") else {
                out.push('$');
                rest = &tail[1..];
                continue;
            };
            let Some(end) = body.find('}') else {
                errors.push((at, "unterminated `${`".into()));
                out.push_str(tail);
                rest = "";
                continue;
            };
            let expr = &body[..end];
            rest = &body[end + 1..];
            let (name, default) = match expr.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (expr, None),
            };
            let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            if !valid {
                errors.push((at, format!("bad variable reference `${{{expr}}}`")));
                // Keep the reference as written so it causes no second, misleading error.
                out.push_str(&tail[..end + 3]);
                continue;
            }
            match (env(name).filter(|v| !v.is_empty()), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    errors.push((at, format!("environment variable `{name}` is not set (use `${{{name}:-default}}`)")));
                    out.push_str(&tail[..end + 3]);
                }
            }
        }
        out.push_str(rest);
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("t.toml"), &|n| (n == "HOME_DIR").then(|| "/home/x".to_string()))
    }

    #[test]
    fn shipped_config_parses_and_matches_defaults() {
        let text = include_str!("../config/newsmill.toml");
        let cfg = parse(text).unwrap_or_else(|e| panic!("{e}"));
        let def = Config::default();
        assert_eq!(cfg.source.paths, def.source.paths);
        assert_eq!(cfg.source.include, def.source.include);
        assert_eq!(cfg.sink.path, def.sink.path);
        assert_eq!(cfg.dead_letter.path, def.dead_letter.path);
        assert_eq!(cfg.state.dir, def.state.dir);
        assert_eq!(cfg.dedup.max_entries, def.dedup.max_entries);
        assert_eq!(cfg.clean.keep_threshold, def.clean.keep_threshold);
        assert_eq!(cfg.clean.ui_labels, def.clean.ui_labels);
        for (a, b) in [
            (&cfg.clean.copyright_pattern, &def.clean.copyright_pattern),
            (&cfg.clean.credit_pattern, &def.clean.credit_pattern),
            (&cfg.clean.caption_credit_pattern, &def.clean.caption_credit_pattern),
            (&cfg.clean.caption_pattern, &def.clean.caption_pattern),
            (&cfg.clean.comments_start_pattern, &def.clean.comments_start_pattern),
            (&cfg.clean.share_pattern, &def.clean.share_pattern),
            (&cfg.clean.teaser_pattern, &def.clean.teaser_pattern),
            (&cfg.clean.tags_pattern, &def.clean.tags_pattern),
            (&cfg.clean.identifier_pattern, &def.clean.identifier_pattern),
            (&cfg.clean.byline_pattern, &def.clean.byline_pattern),
            (&cfg.clean.dateline_pattern, &def.clean.dateline_pattern),
        ] {
            assert_eq!(a, b, "the shipped config must show the built-in default");
        }
    }

    #[test]
    fn shipped_config_documents_every_key() {
        let text = include_str!("../config/newsmill.toml");
        let (root, errs) = DeTable::parse_recoverable(text);
        assert!(errs.is_empty());
        let mut keys = Vec::new();
        for (k, v) in root.get_ref().iter() {
            collect_spans(k.get_ref(), v, &mut keys);
        }
        let lines: Vec<&str> = text.lines().collect();
        for (key, span) in keys.iter().filter(|(k, _)| k.contains('.')) {
            let (line, _) = line_col(text, span.start);
            let above = lines[..line - 1].iter().rev().take_while(|l| !l.trim().is_empty()).collect::<Vec<_>>();
            assert!(above.iter().any(|l| l.trim_start().starts_with('#')), "key {key} has no comment above it");
        }
        let def_sections = SECTIONS.split(", ").collect::<Vec<_>>();
        for s in def_sections {
            assert!(keys.iter().any(|(k, _)| k == s), "section {s} missing from shipped config");
        }
        // Every key the config has is shown (and so documented) in the shipped file.
        let Ok(serde_json::Value::Object(sections)) = serde_json::to_value(Config::default()) else { panic!() };
        for (section, fields) in sections {
            for field in fields.as_object().map(|f| f.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
                let key = format!("{section}.{field}");
                assert!(keys.iter().any(|(k, _)| *k == key), "{key} missing from the shipped config");
            }
        }
    }

    #[test]
    fn reports_every_problem_at_once_with_locations() {
        let text = "[source]\nworkers = 0\nbogus = 1\n\n[dedup]\naction = \"maybe\"\n\n[log]\nlevel = \"info,,=[\"\n";
        let err = parse(text).unwrap_err();
        let ConfigError::Invalid(problems) = err else { panic!("expected Invalid") };
        // workers=0 and the unknown key both live in [source]; serde stops at the first of them,
        // but other sections are still checked.
        assert!(problems.len() >= 2, "{problems:?}");
        assert!(problems.iter().any(|p| p.line == 2 || p.line == 3), "{problems:?}");
        assert!(problems.iter().any(|p| p.line == 6 && p.message.contains("maybe")), "{problems:?}");
    }

    #[test]
    fn unknown_key_and_unknown_section_are_errors() {
        let err = parse("[sink]\npth = \"x\"\n[sinks]\n").unwrap_err();
        let p = err.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("t.toml:2:1") && p[0].contains("pth"), "{p:?}");
        assert!(p[1].contains("t.toml:3:2") && p[1].contains("sinks"), "{p:?}");
    }

    #[test]
    fn semantic_errors_point_at_the_key() {
        let err = parse("[clean]\ndrop_patterns = [\"(\"]\n[source]\ninclude = [\"a[\"]\n").unwrap_err();
        let p = err.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|l| l.starts_with("t.toml:2:") && l.contains("drop_patterns")), "{p:?}");
        assert!(p.iter().any(|l| l.starts_with("t.toml:4:") && l.contains("include")), "{p:?}");
    }

    #[test]
    fn page_types_are_checked() {
        let cfg = parse("[extract]\naccept_page_types = [\"article\", \"forum\"]\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.extract.accept_page_types, [PageType::Article, PageType::Forum]);
        let p = parse("[extract]\naccept_page_types = [\"blog\"]\n").unwrap_err().problems();
        assert!(p[0].starts_with("t.toml:2:") && p[0].contains("blog"), "{p:?}");
        let p = parse("[extract]\naccept_page_types = []\nreject_min_probability = 2.0\n").unwrap_err().problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|l| l.contains("accept_page_types") && l.contains("at least one")), "{p:?}");
    }

    #[test]
    fn interpolation() {
        let env = |n: &str| (n == "A").then(|| "va".to_string());
        let (t, e) = interpolate("# ${NOPE}\nx = \"${A}/${B:-dflt}/$$\"\n", &env);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(t, "# ${NOPE}\nx = \"va/dflt/$\"\n");
        let (_, e) = interpolate("a = 1\nx = \"${MISSING}\"\n", &env);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, 11);
        let (_, e) = interpolate("x = \"${1X} ${A\"\n", &env);
        assert_eq!(e.len(), 2);
        let cfg = parse("[sink]\npath = \"${HOME_DIR}/a.jsonl\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.sink.path, PathBuf::from("/home/x/a.jsonl"));
        let err = parse("[sink]\npath = \"${UNSET_VAR}\"\n").unwrap_err();
        assert!(err.problems()[0].starts_with("t.toml:2:9"), "{:?}", err.problems());
    }

    proptest::proptest! {
        /// Garbage in, problems out: the loader never panics and every problem has a location.
        #[test]
        fn never_panics(text in "(\\[[a-z_]{1,8}\\]\n|[a-z_]{1,10} = (\"[^\"\n]{0,8}\"|[0-9-]{1,6}|\\[\\]|true)\n|\\$\\{[A-Z_:-]{0,6}\\}?\n|\\PC{0,12}\n){0,12}") {
            if let Err(ConfigError::Invalid(problems)) = parse(&text) {
                for p in problems {
                    proptest::prop_assert!(p.line >= 1 && p.column >= 1);
                }
            }
        }
    }

    #[test]
    fn enums_and_nonzero() {
        let cfg = parse("[dedup]\naction = \"drop\"\n[log]\nformat = \"json\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.dedup.action, DedupAction::Drop);
        assert_eq!(cfg.log.format, LogFormat::Json);
        assert!(parse("[sink]\nflush_interval_ms = 0\n").is_err());
    }
}
