//! Applying a new config to the running pipeline (SIGHUP, or the config file changing with
//! `[reload] watch`). The new file is read and validated in full first; an invalid one changes
//! nothing. A valid one is applied in place where the running parts allow it: the cleaner's,
//! extractor's and dedup's rules and thresholds (the next document uses them), the dedup window,
//! worker counts (stages scale up at once and down as workers finish their item), the log level,
//! the flush interval, output rotation, the source's globs and the channels' bounds (see
//! [`crate::channel`]); a new output path opens the new
//! file, commits its starting position, switches the writers over and drains the old file through
//! the next commits. No document is in a half-applied state: each is handled wholly by the old or
//! wholly by the new settings, and nothing is dropped, so a reload never loses or repeats a
//! record. Settings that need a restart (input directories and the source's other settings, the state
//! directory, the metrics address, the dedup sketch layout, ...) are named in the reload's log
//! event and keep their old values until then.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::config::Config;
use crate::logging::LevelHandle;
use crate::runner::{Live, Stage};
use crate::sink::{JsonlFile, Sink, Swap};
use crate::stages::clean::Cleaner;
use crate::stages::dedup::{Dedup, Params, SharedIndex};
use crate::stages::extract::Extractor;
use crate::stages::source::Globs;

/// Keys (or whole sections, ending in `.`) a reload applies in place. Every other key takes
/// effect at the next start.
const LIVE: &[&str] = &[
    "source.include",
    "source.exclude",
    "clean.",
    "extract.",
    "dedup.",
    "sink.workers",
    "sink.channel_capacity",
    "sink.path",
    "dead_letter.path",
    "sink.flush_interval_ms",
    "sink.max_file_bytes",
    "sink.rotate_interval_ms",
    "dead_letter.max_file_bytes",
    "dead_letter.rotate_interval_ms",
    "log.level",
];

/// Keys inside the live sections that still need a restart.
const NOT_LIVE: &[&str] = &[
    // The sketch layout: held entries were sketched and indexed with it.
    "dedup.shingle_words",
    "dedup.bands",
    "dedup.rows",
    "dedup.lead_bands",
    "dedup.lead_rows",
];

/// Whether `key` is applied in place.
pub fn is_live(key: &str) -> bool {
    !NOT_LIVE.contains(&key) && LIVE.iter().any(|l| if l.ends_with('.') { key.starts_with(l) } else { key == *l })
}

/// Every key (`section.key`) whose value differs between two configs.
pub fn changed_keys(old: &Config, new: &Config) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return vec!["(config)".into()];
    };
    let mut out = Vec::new();
    for (section, sa) in &a {
        match (sa, b.get(section)) {
            (Value::Object(ka), Some(Value::Object(kb))) => {
                for (key, va) in ka {
                    if kb.get(key) != Some(va) {
                        out.push(format!("{section}.{key}"));
                    }
                }
            }
            (x, y) if Some(x) != y => out.push(section.clone()),
            _ => {}
        }
    }
    out
}

/// The running parts a reload can change.
pub struct Reloadable {
    /// The cleaner stage's logic.
    pub cleaner: Arc<Live<Cleaner>>,
    /// The extractor stage's logic.
    pub extractor: Arc<Live<Extractor>>,
    /// The dedup stage's logic.
    pub dedup: Arc<Live<Dedup>>,
    /// The dedup window.
    pub index: SharedIndex,
    /// clean, extract, dedup, sink.
    pub stages: Vec<Arc<Stage>>,
    /// The articles output.
    pub sink: Arc<Swap<dyn Sink>>,
    /// The dead letter.
    pub dead_letter: Arc<Swap<JsonlFile>>,
    /// The commit loop's interval.
    pub flush_interval_ms: Arc<AtomicU64>,
    /// The source's globs.
    pub globs: Globs,
    /// The log level (`None` when logging was set up elsewhere).
    pub log_level: Option<LevelHandle>,
    /// Moves an output to the path `cfg` gives it: opens the new file, commits its starting
    /// position, switches the writers to it, and drains the old one.
    pub reopen: Reopen,
    /// Set the bounds of the input channels of clean, extract, dedup and sink.
    pub capacities: Vec<Box<dyn Fn(usize) + Send + Sync>>,
}

/// See [`Reloadable::reopen`].
pub type Reopen = Box<dyn Fn(OutputKind, &Config) -> Result<(), String> + Send + Sync>;

/// Which output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `[sink]`.
    Articles,
    /// `[dead_letter]`.
    Rejected,
}

/// What a reload did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Applied {
    /// Keys that changed and took effect.
    pub applied: Vec<String>,
    /// Keys that differ from the running config but wait for a restart.
    pub needs_restart: Vec<String>,
}

impl Reloadable {
    /// Applies the live keys of `new` that differ from `old`; `boot` is the config the process
    /// started with, against which the keys still waiting for a restart are listed. Returns the
    /// error of a part that refused (nothing after it is applied; the caller keeps `old`).
    pub fn apply(&self, boot: &Config, old: &Config, new: &Config) -> Result<Applied, String> {
        let changed = changed_keys(old, new);
        let any = |prefix: &str| changed.iter().any(|k| k.starts_with(prefix) && is_live(k));
        // Work on a copy of `new` whose restart-only keys keep their running values.
        let mut eff = new.clone();
        eff.dedup.shingle_words = old.dedup.shingle_words;
        eff.dedup.bands = old.dedup.bands;
        eff.dedup.rows = old.dedup.rows;
        eff.dedup.lead_bands = old.dedup.lead_bands;
        eff.dedup.lead_rows = old.dedup.lead_rows;

        if any("source.") {
            self.globs.set(&eff.source).map_err(|e| format!("source globs: {e}"))?;
        }
        if any("clean.") {
            let cleaner = Cleaner::new(&eff.clean).map_err(|e| format!("clean: {e}"))?;
            eff.warn_removed_keys();
            self.cleaner.replace(cleaner);
        }
        if any("extract.") {
            self.extractor.replace(Extractor::new(&eff.extract));
        }
        if any("dedup.") {
            self.dedup.replace(self.dedup.current().reconfigured(&eff.dedup));
            self.index
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .set_params(Params::from_config(&eff.dedup), jiff::Timestamp::now().as_second());
        }
        for (stage, workers) in self.stages.iter().zip([
            eff.clean.workers.get(),
            eff.extract.workers.get(),
            eff.dedup.workers.get(),
            eff.sink.workers.get(),
        ]) {
            if stage.workers() != workers {
                stage.scale(workers);
            }
        }
        if changed.iter().any(|k| k == "sink.path") {
            (self.reopen)(OutputKind::Articles, &eff).map_err(|e| format!("sink.path: {e}"))?;
        }
        if changed.iter().any(|k| k == "dead_letter.path") {
            (self.reopen)(OutputKind::Rejected, &eff).map_err(|e| format!("dead_letter.path: {e}"))?;
        }
        for (set, (key, capacity)) in self.capacities.iter().zip([
            ("clean.channel_capacity", eff.clean.channel_capacity.get()),
            ("extract.channel_capacity", eff.extract.channel_capacity.get()),
            ("dedup.channel_capacity", eff.dedup.channel_capacity.get()),
            ("sink.channel_capacity", eff.sink.channel_capacity.get()),
        ]) {
            if changed.iter().any(|k| k == key) {
                set(capacity);
            }
        }
        if changed.iter().any(|k| k == "sink.flush_interval_ms") {
            self.flush_interval_ms.store(eff.sink.flush_interval_ms.get(), Ordering::Relaxed);
        }
        self.sink.get().set_rotation(eff.sink.max_file_bytes, eff.sink.rotate_interval_ms);
        self.dead_letter.get().set_rotation(eff.dead_letter.max_file_bytes, eff.dead_letter.rotate_interval_ms);
        if changed.iter().any(|k| k == "log.level")
            && let Some(set) = &self.log_level
        {
            set(&eff.log.level).map_err(|e| format!("log.level: {e}"))?;
        }
        Ok(Applied {
            applied: changed.iter().filter(|k| is_live(k)).cloned().collect(),
            needs_restart: changed_keys(boot, new).into_iter().filter(|k| !is_live(k)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_keys_name_section_and_key_and_say_which_apply_live() {
        let old = Config::default();
        let mut new = Config::default();
        new.clean.keep_threshold = 0.7;
        new.clean.channel_capacity = std::num::NonZeroUsize::new(8).unwrap();
        new.dedup.threshold = 0.6;
        new.dedup.bands = std::num::NonZeroUsize::new(10).unwrap();
        new.sink.path = "elsewhere.jsonl".into();
        new.state.dir = "elsewhere".into();
        new.log.level = "debug".into();
        let mut keys = changed_keys(&old, &new);
        keys.sort();
        assert_eq!(
            keys,
            [
                "clean.channel_capacity",
                "clean.keep_threshold",
                "dedup.bands",
                "dedup.threshold",
                "log.level",
                "sink.path",
                "state.dir"
            ]
        );
        let live: Vec<&String> = keys.iter().filter(|k| is_live(k)).collect();
        assert_eq!(
            live,
            ["clean.channel_capacity", "clean.keep_threshold", "dedup.threshold", "log.level", "sink.path"]
        );
        assert!(changed_keys(&old, &Config::default()).is_empty());
    }
}
