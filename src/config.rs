//! The daemon's one configuration file: typed sections, their defaults, `${VAR}` interpolation and a
//! loader that reports every problem it finds at once, each with its `file:line:column`.
//!
//! Loading works section by section so that a bad key in `[source]` does not hide a bad value in
//! `[dedup]`: the TOML is parsed into a spanned tree first, each section is deserialized on its own,
//! and the semantic checks run over whatever parsed. All defaults live in the `Default` impls below.

use std::fmt;
use std::num::{NonZeroU64, NonZeroUsize};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue, ValueDeserializer};

pub use crate::logging::{LogConfig, LogFormat};
use crate::num::{nz, nz64};
pub use crate::sink::config::{DeadLetterConfig, SinkConfig, SinkKind};
pub use crate::sink::postgres::PostgresConfig;
pub use crate::stages::clean::config::CleanConfig;
pub use crate::stages::dedup::config::{DedupAction, DedupConfig};
pub use crate::stages::extract::config::ExtractConfig;
pub use crate::stages::source::config::{FollowSymlinks, ItemsWithoutText, SourceConfig, SourceKind};

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
    /// The PostgreSQL server, for `postgres` outputs.
    pub postgres: PostgresConfig,
    /// The NATS server, for a `nats` source and `nats` outputs.
    pub nats: crate::nats::NatsConfig,
    /// The internal stream between `run --role extract` and `run --role dedup`, and the dedup
    /// owner's lease.
    pub handoff: crate::stages::source::handoff::HandoffConfig,
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

impl Config {
    /// Whether anything talks to the NATS server.
    pub fn uses_nats(&self) -> bool {
        [self.sink.kind, self.dead_letter.kind].contains(&crate::sink::SinkKind::Nats)
            || self.source.kind == SourceKind::Nats
    }

    /// Warns about keys of removed features: the config still loads, but they do nothing.
    pub(crate) fn warn_removed_keys(&self) {
        for key in self.clean.removed_keys() {
            tracing::warn!(
                key,
                "Config key of the removed site-template learner is ignored (it changed nothing measurable); delete it."
            );
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

/// Longest `[runtime] linger_ms`.
const MAX_LINGER_MS: u64 = 1_000;

/// `[runtime]`: process-wide settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    /// After SIGINT/SIGTERM, how long stages may take to drain before the process gives up on them.
    pub shutdown_grace_ms: NonZeroU64,
    /// How long a stage's worker that has just emptied its input waits for more before it sleeps
    /// on the queue, so that a busy pipeline hands documents on in small batches rather than
    /// waking a thread for each; 0 wakes it for each. Adds at most this much to a document's way
    /// through each stage while the pipeline is busy.
    pub linger_ms: u64,
    /// How the pipeline's worker threads are scheduled: "batch" (Linux `SCHED_BATCH`: a worker
    /// woken by a document does not preempt the one running, so busy cores switch between
    /// workers far less often) or "normal".
    pub worker_scheduling: crate::sched::Scheduling,
}

impl RuntimeConfig {
    /// `linger_ms`, as the workers wait it.
    pub fn linger(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.linger_ms)
    }
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self { shutdown_grace_ms: nz64(30_000), linger_ms: 5, worker_scheduling: crate::sched::Scheduling::Batch }
    }
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
                "postgres" => section(value).map(|s| config.postgres = s),
                "nats" => section(value).map(|s| config.nats = s),
                "handoff" => section(value).map(|s| config.handoff = s),
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
        let mut section = |name: &str, problems: Vec<(&'static str, String)>| {
            errors.extend(problems.into_iter().map(|(key, why)| (format!("{name}.{key}"), why)));
        };
        section("source", self.source.problems());
        section("clean", self.clean.problems());
        section("extract", self.extract.problems());
        section("dedup", self.dedup.problems());
        section("log", self.log.problems());
        section("handoff", self.handoff.problems());
        if [self.sink.kind, self.dead_letter.kind].contains(&crate::sink::SinkKind::Postgres) {
            section("postgres", self.postgres.problems());
        }
        if self.uses_nats() {
            section("nats", self.nats.problems());
        }
        if self.metrics.listen.parse::<std::net::SocketAddr>().is_err() {
            errors.push(("metrics.listen".into(), format!("`{}` is not an address:port", self.metrics.listen)));
        }
        errors.extend(crate::sink::config::problems(&self.sink, &self.dead_letter, &self.postgres, &self.nats));
        if self.state.dir.as_os_str().is_empty() {
            errors.push(("state.dir".into(), "must not be empty".into()));
        }
        if self.runtime.linger_ms > MAX_LINGER_MS {
            errors.push((
                "runtime.linger_ms".into(),
                format!("at most {MAX_LINGER_MS} (it delays every document at every stage of a busy pipeline)"),
            ));
        }
        errors
    }
}

const SECTIONS: &str =
    "source, clean, extract, dedup, sink, dead_letter, postgres, nats, handoff, state, log, runtime, metrics, reload";

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
pub(crate) fn interpolate(raw: &str, env: &dyn Fn(&str) -> Option<String>) -> (String, Vec<(usize, String)>) {
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
        assert_eq!(cfg.extract.html_body_threshold, def.extract.html_body_threshold);
        assert_eq!(cfg.extract.text_body_threshold, def.extract.text_body_threshold);
        assert_eq!(cfg.runtime.linger_ms, def.runtime.linger_ms);
        assert_eq!(cfg.clean.ui_labels, def.clean.ui_labels);
        assert_eq!(cfg.clean.button_labels, def.clean.button_labels);
        for (a, b) in [
            (&cfg.clean.copyright_pattern, &def.clean.copyright_pattern),
            (&cfg.clean.credit_pattern, &def.clean.credit_pattern),
            (&cfg.clean.caption_credit_pattern, &def.clean.caption_credit_pattern),
            (&cfg.clean.caption_pattern, &def.clean.caption_pattern),
            (&cfg.clean.comments_start_pattern, &def.clean.comments_start_pattern),
            (&cfg.clean.comment_header_pattern, &def.clean.comment_header_pattern),
            (&cfg.clean.share_pattern, &def.clean.share_pattern),
            (&cfg.clean.banner_pattern, &def.clean.banner_pattern),
            (&cfg.clean.filler_pattern, &def.clean.filler_pattern),
            (&cfg.clean.promo_pattern, &def.clean.promo_pattern),
            (&cfg.clean.thread_end_pattern, &def.clean.thread_end_pattern),
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
    fn the_scale_out_example_config_is_valid() {
        let text = include_str!("../contrib/scale-out.toml");
        let env = |n: &str| (n == "NEWSMILL_STATE_DIR").then(|| "/var/lib/newsmill/extract-1".to_string());
        let cfg = Config::from_toml(text, Path::new("scale-out.toml"), &env).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.sink.kind, crate::sink::SinkKind::Postgres, "the dedup role needs it");
        assert_eq!(cfg.state.dir, Path::new("/var/lib/newsmill/extract-1"));
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
    fn a_linger_longer_than_a_second_is_refused_where_it_is_set() {
        let p = parse("[runtime]\nlinger_ms = 5000\n").unwrap_err().problems();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("t.toml:2:") && p[0].contains("linger_ms") && p[0].contains("at most 1000"), "{p:?}");
        assert_eq!(parse("[runtime]\nlinger_ms = 0\n").map(|c| c.runtime.linger_ms).ok(), Some(0));
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
        assert_eq!(cfg.extract.accept_page_types, [crate::record::PageType::Article, crate::record::PageType::Forum]);
        let p = parse("[extract]\naccept_page_types = [\"blog\"]\n").unwrap_err().problems();
        assert!(p[0].starts_with("t.toml:2:") && p[0].contains("blog"), "{p:?}");
        let p = parse("[extract]\naccept_page_types = []\nreject_min_probability = 2.0\n").unwrap_err().problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|l| l.contains("accept_page_types") && l.contains("at least one")), "{p:?}");
    }

    #[test]
    fn body_thresholds_by_page_type() {
        use crate::stages::extract::config::BodyThresholds;
        let def = Config::default();
        assert_eq!(def.extract.html_body_threshold, BodyThresholds::HTML);
        assert_eq!(def.extract.text_body_threshold, BodyThresholds::TEXT);
        // A table names only what it changes; the other types keep their defaults.
        let cfg = parse("[extract.html_body_threshold]\nlisting = 0.3\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.extract.html_body_threshold, BodyThresholds { listing: 0.3, ..BodyThresholds::HTML });
        assert_eq!(cfg.extract.text_body_threshold, BodyThresholds::TEXT);
        let p = parse("[extract.text_body_threshold]\nforum = 1.5\n").unwrap_err().problems();
        assert!(p.iter().any(|l| l.contains("text_body_threshold") && l.contains("forum")), "{p:?}");
        let p = parse("[extract.text_body_threshold]\nblog = 0.2\n").unwrap_err().problems();
        assert!(p[0].starts_with("t.toml:2:1") && p[0].contains("blog"), "{p:?}");
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

    #[test]
    fn outputs_choose_their_kind_and_the_older_spelling_still_loads() {
        let cfg = parse("[sink]\nkind = \"stdout\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((cfg.sink.kind, cfg.dead_letter.kind), (SinkKind::Stdout, SinkKind::Jsonl));
        let cfg =
            parse("[sink]\ntype = \"jsonl\"\n[dead_letter]\nkind = \"stdout\"\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((cfg.sink.kind, cfg.dead_letter.kind), (SinkKind::Jsonl, SinkKind::Stdout));
        let both = parse("[sink]\nkind = \"stdout\"\n[dead_letter]\nkind = \"stdout\"\n").unwrap_err().problems();
        assert_eq!(both.len(), 1, "{both:?}");
        assert!(both[0].contains("dead_letter.kind") && both[0].contains("standard output"), "{both:?}");
        let unknown = parse("[sink]\nkind = \"kafka\"\n").unwrap_err().problems();
        assert!(unknown[0].contains("sink.kind") && unknown[0].contains("kafka"), "{unknown:?}");
    }

    #[test]
    fn each_kind_checks_its_own_settings_and_the_two_outputs_side_by_side() {
        // (config, the dotted key every problem must name): each kind's checks, and where the
        // articles output and the dead letter of one kind clash.
        for (text, keys) in [
            ("[sink]\npath = \"\"\n", vec!["sink.path"]),
            ("[sink]\npath = \"out/a.jsonl\"\n[dead_letter]\npath = \"out/a.jsonl\"\n", vec!["dead_letter.path"]),
            ("[sink]\nkind = \"postgres\"\n[sink.postgres]\ntable = \"a;drop\"\n", vec!["sink.postgres.table"]),
            (
                "[sink]\nkind = \"postgres\"\n[dead_letter]\nkind = \"postgres\"\n[dead_letter.postgres]\ntable = \"newsmill_articles\"\n",
                vec!["dead_letter.postgres.table"],
            ),
            ("[dead_letter]\nkind = \"nats\"\n[dead_letter.nats]\nstream = \"a.b\"\n", vec!["dead_letter.nats.stream"]),
            (
                "[sink]\nkind = \"nats\"\n[dead_letter]\nkind = \"nats\"\n[dead_letter.nats]\nstream = \"NEWSMILL_ARTICLES\"\n",
                vec!["dead_letter.nats.stream"],
            ),
            // Two of a kind that has no clash of its own, and a kind's settings left unchecked
            // while another kind is chosen.
            ("[sink]\nkind = \"discard\"\n[dead_letter]\nkind = \"discard\"\n", vec![]),
            ("[sink.postgres]\ntable = \"a;drop\"\n", vec![]),
        ] {
            let problems = match parse(text) {
                Ok(_) => Vec::new(),
                Err(e) => e.problems(),
            };
            assert_eq!(problems.len(), keys.len(), "{text}: {problems:?}");
            for (problem, key) in problems.iter().zip(&keys) {
                assert!(problem.contains(key), "{text}: {problem} should name {key}");
            }
        }
    }
}
