//! Structured logging to stderr: text or JSON, level from `[log] level`, overridden by `RUST_LOG`.
//! The level can be changed while running (a config reload).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Changes the log level of the running subscriber.
pub type LevelHandle = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

fn filter_for(level: &str) -> Option<EnvFilter> {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::builder().parse(v).ok())
        .or_else(|| EnvFilter::builder().parse(level).ok())
}

/// Installs the global subscriber. Call once, before anything logs. Returns the handle that
/// changes its level (`None` if a subscriber was installed already).
pub fn init(cfg: &LogConfig) -> Option<LevelHandle> {
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
