//! The two outputs, articles (`[sink]`) and rejections (`[dead_letter]`): opened at the
//! positions the state holds, written through [`Live`] cells so that a reload can move one
//! elsewhere, and counted in bytes across such moves.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::commit::{Committer, Slot};
use crate::config::Config;
use crate::live::Live;
use crate::sink::postgres::lease::Fence;
use crate::sink::{Holds, OutputSettings, Sink, SinkError};
use crate::state::StateStore;

/// How `cfg` says the output that `holds` is opened.
pub(super) fn settings(holds: Holds, cfg: &Config) -> OutputSettings {
    match holds {
        Holds::Articles => cfg.sink.output(&cfg.postgres, &cfg.nats),
        Holds::Rejections => cfg.dead_letter.output(cfg.sink.buffer_bytes.get(), &cfg.postgres, &cfg.nats),
    }
}

/// One output in use.
pub(super) struct Output {
    /// What the writers write to.
    pub current: Arc<Live<dyn Sink>>,
    /// Bytes written by the outputs a reload replaced, so that the byte counter never goes back.
    replaced_bytes: AtomicU64,
}

impl Output {
    /// Bytes written since start, over replacements.
    pub(super) fn bytes_written(&self) -> u64 {
        self.replaced_bytes.load(Ordering::Relaxed) + self.current.get().bytes_written()
    }
}

/// Both outputs.
pub(super) struct Outputs {
    pub articles: Output,
    pub rejected: Output,
    /// The dedup owner's fence, for the outputs a reload opens too.
    fence: Option<Fence>,
}

/// Opens `holds` as `cfg` says, at its committed position: the committer's slot for it. A
/// `postgres` output checks `fence` in every flush.
fn open(
    holds: Holds,
    cfg: &Config,
    store: &StateStore,
    fence: Option<&Fence>,
) -> Result<(Arc<dyn Sink>, Slot), OpenError> {
    let mut settings = settings(holds, cfg);
    settings.postgres.fence = fence.cloned();
    let key = settings.key();
    let stored = store.sink_position(&key)?;
    let sink = crate::sink::open(&settings, stored.as_deref())?;
    Ok((sink.clone(), Slot::new(key, sink, stored)))
}

/// Why an output could not be opened.
#[derive(Debug, thiserror::Error)]
pub(super) enum OpenError {
    /// Its position could not be read.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// It could not be opened.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

impl Outputs {
    /// Opens both outputs; returns them and their slots for the committer.
    pub(super) fn open(cfg: &Config, store: &StateStore, fence: Option<Fence>) -> Result<(Self, Vec<Slot>), OpenError> {
        let (articles, a) = open(Holds::Articles, cfg, store, fence.as_ref())?;
        let (rejected, r) = open(Holds::Rejections, cfg, store, fence.as_ref())?;
        let output = |sink| Output { current: Arc::new(Live::new(sink)), replaced_bytes: AtomicU64::new(0) };
        Ok((Self { articles: output(articles), rejected: output(rejected), fence }, vec![a, r]))
    }

    fn get(&self, holds: Holds) -> &Output {
        match holds {
            Holds::Articles => &self.articles,
            Holds::Rejections => &self.rejected,
        }
    }

    /// Moves an output where `cfg` says (a reload): opens the new one, commits its starting
    /// position, switches the writers to it, and leaves the old one to drain through the next
    /// commits.
    pub(super) fn reopen(
        &self,
        holds: Holds,
        cfg: &Config,
        store: &StateStore,
        committer: &Committer,
    ) -> Result<(), String> {
        let (sink, slot) = open(holds, cfg, store, self.fence.as_ref()).map_err(|e| e.to_string())?;
        committer.replace_output(holds.name(), slot)?;
        let output = self.get(holds);
        let old = output.current.replace(sink);
        output.replaced_bytes.fetch_add(old.bytes_written(), Ordering::Relaxed);
        Ok(())
    }

    /// New rotation limits for both.
    pub(super) fn set_rotation(&self, cfg: &Config) {
        for holds in [Holds::Articles, Holds::Rejections] {
            let s = settings(holds, cfg);
            self.get(holds).current.get().set_rotation(s.max_file_bytes, s.rotate_interval_ms);
        }
    }
}

/// Creates (or completes) what the outputs of `cfg` need on their servers (`newsmill migrate`):
/// the PostgreSQL schema and tables of `postgres` outputs. One line per output it prepared.
pub async fn migrate(cfg: &Config) -> Result<Vec<String>, String> {
    let targets: Vec<_> = [Holds::Articles, Holds::Rejections]
        .into_iter()
        .map(|holds| settings(holds, cfg))
        .filter(|s| s.kind == crate::sink::SinkKind::Postgres)
        .map(|s| (s.holds, s.postgres))
        .collect();
    crate::sink::postgres::migrate(&targets).await
}
