//! Opening the state: the store, and from it every component's persisted part (read positions,
//! the dedup window, the feed memory), wired so that an acknowledged document lands in the
//! window.

use std::sync::{Arc, Mutex};

use tracing::{info, warn};

use super::DaemonError;
use crate::config::Config;
use crate::sink::Holds;
use crate::stages::dedup::{self, SharedIndex, StoryIndex};
use crate::stages::source::checkpoint::Tracker;
use crate::stages::source::feed::FeedMemory;
use crate::state::StateStore;

/// The state as the running daemon holds it.
pub(super) struct Persisted {
    pub store: Arc<StateStore>,
    /// Read positions; acknowledges documents.
    pub tracker: Arc<Tracker>,
    /// The dedup window.
    pub index: SharedIndex,
    /// Feed items already handled.
    pub feeds: Arc<FeedMemory>,
}

impl Persisted {
    /// Opens the state in `[state] dir` and loads every part of it.
    pub(super) fn open(cfg: &Config) -> Result<Self, DaemonError> {
        let db = cfg.state.dir.join(crate::state::DB_FILE);
        if !db.exists() {
            for holds in [Holds::Articles, Holds::Rejections] {
                let settings = super::outputs::settings(holds, cfg);
                if settings.kind == crate::sink::SinkKind::Jsonl
                    && std::fs::metadata(&settings.path).is_ok_and(|m| m.len() > 0)
                {
                    return Err(DaemonError::MissingState { state: db, output: settings.path });
                }
            }
        }
        let store = Arc::new(StateStore::open(&cfg.state.dir, cfg.state.cache_bytes.get())?);
        let checkpoints = crate::stages::source::checkpoint::load(&store)?;
        let now = jiff::Timestamp::now().as_second();
        let mut story_index = StoryIndex::empty(cfg.dedup.clone());
        let loading = std::time::Instant::now();
        let dedup_records = dedup::persist::load(&store, |r| story_index.restore(r, now))?;
        let fingerprint = dedup::sketch_fingerprint(&cfg.dedup);
        if let Some(old) = dedup::persist::swap_sketch_fingerprint(&store, fingerprint)?
            && old != fingerprint
            && dedup_records > 0
        {
            warn!(
                held = dedup_records,
                "The dedup window was sketched with other settings (shingle_words, lead bands); its documents now \
                 match only exact copies until they age out. `newsmill reset-dedup` starts the window afresh."
            );
        }
        let feeds =
            Arc::new(FeedMemory::new(cfg.source.max_feed_items.get(), crate::stages::source::feed::load(&store)?));
        info!(
            files = checkpoints.len(),
            dedup_entries = dedup_records,
            dedup_held = story_index.len(),
            dedup_load_ms = loading.elapsed().as_millis() as u64,
            feed_items = feeds.len(),
            dir = %cfg.state.dir.display(),
            "State loaded."
        );
        story_index.restore_in_flight(dedup::persist::load_in_flight(&store)?);
        let index: SharedIndex = Arc::new(Mutex::new(story_index));
        let tracker =
            Arc::new(Tracker::new(cfg.source.max_tracked_files.get(), checkpoints).with_feed_memory(feeds.clone()));
        Ok(Self { store, tracker, index, feeds })
    }
}
