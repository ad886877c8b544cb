//! Applying a new config to the running daemon (SIGHUP, or the config file changing with
//! `[reload] watch`). The new file is read and validated in full first; an invalid one changes
//! nothing. A valid one is applied in place where the running parts allow it, as each section
//! says (its `LIVE` keys): the cleaner's, extractor's and dedup's settings (the next document uses
//! them), the dedup window, worker counts (stages scale up at once and down as workers finish
//! their item), the log level, the flush interval, output rotation, the source's globs and the
//! channels' bounds (see [`crate::channel`]); a new output path opens the new file, commits its
//! starting position, switches the writers over and drains the old file through the next
//! commits. No document is in a half-applied state: each is handled wholly by the old or wholly
//! by the new settings, and nothing is dropped, so a reload never loses or repeats a record. The
//! other keys are named in the reload's log event and keep their old values until a restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::commit::Committer;
use super::outputs::{self, Outputs};
use super::stages::{StageId, Stages};
use crate::config::{
    CleanConfig, Config, DeadLetterConfig, DedupConfig, ExtractConfig, LogConfig, SinkConfig, SourceConfig,
};
use crate::live::{Live, LiveKeys};
use crate::logging::LevelHandle;
use crate::sink::Holds;
use crate::sink::postgres::PostgresConfig;
use crate::stages::clean::Cleaner;
use crate::stages::dedup::{Dedup, SharedIndex};
use crate::stages::extract::Extractor;
use crate::stages::source::Globs;
use crate::state::StateStore;
use crate::status::Health;

/// What a reload applies in place, section by section.
fn live_keys(section: &str) -> LiveKeys {
    match section {
        "source" => SourceConfig::LIVE,
        "clean" => CleanConfig::LIVE,
        "extract" => ExtractConfig::LIVE,
        "dedup" => DedupConfig::LIVE,
        "sink" => SinkConfig::LIVE,
        "dead_letter" => DeadLetterConfig::LIVE,
        "log" => LogConfig::LIVE,
        "postgres" => PostgresConfig::LIVE,
        "nats" => crate::nats::NatsConfig::LIVE,
        _ => LiveKeys::None,
    }
}

/// Whether `key` (`section.key`) is applied in place.
pub(super) fn is_live(key: &str) -> bool {
    key.split_once('.').is_some_and(|(section, key)| live_keys(section).contains(key))
}

/// Every key (`section.key`) whose value differs between two configs.
pub(super) fn changed_keys(old: &Config, new: &Config) -> Vec<String> {
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
pub(super) struct Reloadable {
    /// What this process' role does (a reloaded config is adapted to it).
    pub duty: super::role::Duty,
    pub cleaner: Arc<Live<Cleaner>>,
    pub extractor: Arc<Live<Extractor>>,
    pub dedup: Arc<Live<Dedup>>,
    /// The dedup window.
    pub index: SharedIndex,
    pub stages: Arc<Stages>,
    pub outputs: Arc<Outputs>,
    pub committer: Arc<Committer>,
    pub store: Arc<StateStore>,
    /// The commit loop's interval.
    pub flush_interval_ms: Arc<AtomicU64>,
    /// The file source's globs (none for another source).
    pub globs: Option<Globs>,
    /// The NATS source's settings (none for another source).
    pub nats_settings: Option<crate::stages::source::nats::SourceSettings>,
    /// The log level (`None` when logging was set up elsewhere).
    pub log_level: Option<LevelHandle>,
}

/// What a reload did.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Applied {
    /// Keys that changed and took effect.
    pub applied: Vec<String>,
    /// Keys that differ from the running config but wait for a restart.
    pub needs_restart: Vec<String>,
}

impl Reloadable {
    /// Applies the live keys of `new` that differ from `old`; `boot` is the config the process
    /// started with, against which the keys still waiting for a restart are listed. Returns the
    /// error of a part that refused (nothing after it is applied; the caller keeps `old`).
    pub(super) fn apply(&self, boot: &Config, old: &Config, new: &Config) -> Result<Applied, String> {
        let changed = changed_keys(old, new);
        let any = |prefix: &str| changed.iter().any(|k| k.starts_with(prefix) && is_live(k));
        let key = |k: &str| changed.iter().any(|c| c == k);
        // Work on a copy of `new` whose restart-only keys that the running parts read keep
        // their running values.
        let mut eff = new.clone();
        eff.dedup = new.dedup.with_layout_of(&old.dedup);
        // The servers' addresses take a restart.
        eff.nats.url.clone_from(&old.nats.url);
        eff.postgres.url.clone_from(&old.postgres.url);

        if any("source.")
            && let Some(globs) = &self.globs
        {
            globs.set(&eff.source).map_err(|e| format!("source globs: {e}"))?;
        }
        if (any("source.nats") || any("nats."))
            && let Some(settings) = &self.nats_settings
        {
            let (was, now) = (&old.source.nats, &eff.source.nats);
            if (&was.stream, &was.consumer) != (&now.stream, &now.consumer) {
                warn!("[source.nats] stream and consumer name the source's state: they change at the next restart.");
            }
            settings.send_replace((now.clone(), eff.nats.clone()));
        }
        if any("clean.") {
            let cleaner = Cleaner::new(&eff.clean).map_err(|e| format!("clean: {e}"))?;
            eff.warn_removed_keys();
            self.cleaner.replace(Arc::new(cleaner));
        }
        if any("extract.") {
            self.extractor.replace(Arc::new(Extractor::new(&eff.extract)));
        }
        if any("dedup.") {
            self.dedup.replace(Arc::new(self.dedup.get().reconfigured(&eff.dedup)));
            self.index
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .reconfigure(&eff.dedup, jiff::Timestamp::now().as_second());
        }
        for id in StageId::POOLED {
            let (Some(pool), Some((workers, _))) = (self.stages.pool(id), id.sizes(&eff)) else { continue };
            if pool.workers() != workers {
                pool.scale(workers);
            }
        }
        // An output moves when where it writes changes (a path, a table, the server's settings).
        for (holds, section) in [(Holds::Articles, "sink"), (Holds::Rejections, "dead_letter")] {
            let (was, now) = (outputs::settings(holds, old), outputs::settings(holds, &eff));
            if was.kind == now.kind && (was.key() != now.key() || was.postgres != now.postgres || was.nats != now.nats)
            {
                self.outputs
                    .reopen(holds, &eff, &self.store, &self.committer)
                    .map_err(|e| format!("{section}: {e}"))?;
            }
        }
        for id in StageId::POOLED {
            let (Some(queue), Some((_, capacity))) = (self.stages.queue(id), id.sizes(&eff)) else { continue };
            let setting = format!("{}.channel_capacity", id.name());
            if key(&setting) && is_live(&setting) {
                queue.set_capacity(capacity);
            }
        }
        if key("sink.flush_interval_ms") {
            self.flush_interval_ms.store(eff.sink.flush_interval_ms.get(), Ordering::Relaxed);
        }
        self.outputs.set_rotation(&eff);
        if key("log.level")
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

/// Reloads the config on every request until `stop`: read and validate the file, then apply it,
/// or keep the running config and say why.
pub(super) async fn run_loop(
    path: std::path::PathBuf,
    mut requests: tokio::sync::mpsc::Receiver<()>,
    parts: Arc<Reloadable>,
    boot: Config,
    health: Arc<Health>,
    stop: CancellationToken,
    _watcher: Option<notify::RecommendedWatcher>,
) {
    let mut current = boot.clone();
    loop {
        tokio::select! {
            r = requests.recv() => if r.is_none() { break },
            () = stop.cancelled() => break,
        }
        let p = path.clone();
        let loaded = match tokio::task::spawn_blocking(move || Config::load(&p)).await {
            Ok(l) => l,
            Err(error) => {
                error!(%error, "Config reload task failed.");
                continue;
            }
        };
        let new = match loaded {
            // As this process' role runs it (its outputs, its workers).
            Ok(new) => parts.duty.adapt(new),
            Err(e) => {
                for problem in e.problems() {
                    error!(%problem, "Config reload refused; the running config stays.");
                }
                health.reloads_failed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        // Building a cleaner and committing are blocking work.
        let applied = {
            let (parts, boot, current, new) = (parts.clone(), boot.clone(), current.clone(), new.clone());
            tokio::task::spawn_blocking(move || parts.apply(&boot, &current, &new)).await
        };
        let applied = applied.unwrap_or_else(|e| Err(format!("reload task failed: {e}")));
        match applied {
            Ok(done) => {
                info!(
                    path = %path.display(),
                    applied = ?done.applied,
                    needs_restart = ?done.needs_restart,
                    "Config reloaded."
                );
                // The hash first: whoever sees the reload counted sees the config it applied.
                *health.config_hash.lock().unwrap_or_else(|e| e.into_inner()) = super::config_hash(&new);
                health.reloads_ok.fetch_add(1, Ordering::Relaxed);
                current = new;
            }
            Err(error) => {
                error!(%error, "Config reload failed; the parts before the failing one use the new config.");
                health.reloads_failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Watches the config file (its directory, so that editors that replace the file are seen) and
/// asks for a reload when it changes, debounced; `None` (logged) when watching is impossible.
pub(super) fn watch(path: &std::path::Path, tx: tokio::sync::mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let name = path.file_name()?.to_os_string();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")).to_path_buf();
    let debounce = std::sync::Arc::new(std::sync::Mutex::new(None::<std::time::Instant>));
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        if !event.paths.iter().any(|p| p.file_name() == Some(&name)) || event.kind.is_access() {
            return;
        }
        let mut last = debounce.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if last.is_none_or(|t| now.duration_since(t) > Duration::from_millis(CONFIG_DEBOUNCE_MS)) {
            *last = Some(now);
            let tx = tx.clone();
            // Let the editor finish writing before the file is read.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(CONFIG_DEBOUNCE_MS));
                let _ = tx.try_send(());
            });
        }
    })
    .map_err(|error| warn!(%error, "Cannot watch the config file; reload with SIGHUP."))
    .ok()?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(|error| warn!(%error, dir = %dir.display(), "Cannot watch the config file; reload with SIGHUP."))
        .ok()?;
    Some(watcher)
}

/// How long a config file must be quiet before a watched change is reloaded.
const CONFIG_DEBOUNCE_MS: u64 = 300;
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
