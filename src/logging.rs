//! Structured logging to stderr: text or JSON, level from `[log] level`, overridden by `RUST_LOG`.
//! The level can be changed while running (a config reload).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use serde::{Deserialize, Serialize};

/// Changes the log level of the running subscriber.
pub(crate) type LevelHandle = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

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

impl LogConfig {
    /// What a reload changes in place: the level.
    pub(crate) const LIVE: crate::live::LiveKeys = crate::live::LiveKeys::Only(&["level"]);

    /// Problems with the section's values, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        match EnvFilter::builder().parse(&self.level) {
            Ok(_) => Vec::new(),
            Err(e) => vec![("level", format!("bad filter `{}`: {e}", self.level))],
        }
    }
}

fn filter_for(level: &str) -> Option<EnvFilter> {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::builder().parse(v).ok())
        .or_else(|| EnvFilter::builder().parse(level).ok())
}

/// The message a panic was raised with.
pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Panics are logged as structured `ERROR` events with their location (one line, in the log's
/// format) instead of the default hook's free text on stderr; where they are caught (a stage
/// worker, a file reader) a `panic` dead-letter record follows. `RUST_BACKTRACE` still adds a
/// backtrace through the default hook.
pub(crate) fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = panic_message(info.payload());
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
        let thread = std::thread::current();
        tracing::error!(panic = %message, %location, thread = thread.name().unwrap_or("unnamed"), "Panic.");
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            default(info);
        }
    }));
}

/// Installs the global subscriber and the panic hook. Call once, before anything logs. Returns
/// the handle that changes its level (`None` if a subscriber was installed already).
pub fn init(cfg: &LogConfig) -> Option<LevelHandle> {
    install_panic_hook();
    let filter = filter_for(&cfg.level).unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // `RUST_LOG`, when set, keeps overriding the configured level.
    let reload = |level: &str| filter_for(level).ok_or_else(|| format!("bad log level `{level}`"));
    match cfg.format {
        LogFormat::Text => {
            let builder = builder.with_filter_reloading();
            let handle = builder.reload_handle();
            builder.try_init().ok()?;
            Some(Box::new(move |level: &str| handle.reload(reload(level)?).map_err(|e| e.to_string())))
        }
        LogFormat::Json => {
            let builder = builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_filter_reloading();
            let handle = builder.reload_handle();
            builder.try_init().ok()?;
            Some(Box::new(move |level: &str| handle.reload(reload(level)?).map_err(|e| e.to_string())))
        }
    }
}
