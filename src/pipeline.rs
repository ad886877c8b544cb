//! Wires the pipeline: opens the state, builds the bounded channels
//! `source -> clean -> extract -> dedup -> sink`, spawns every stage through the generic runner,
//! and shuts down from the source: cancel the source, let each stage drain until its input closes,
//! flush the sink and the dead letter last, and commit the state. Every task handle is awaited,
//! within `shutdown_grace_ms` once a stop was asked for.

use crate::stages::source::feed::FeedMemory;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::checkpoint::Tracker;
use crate::config::Config;
use crate::runner::{StageContext, StageCounters, spawn_stage};
use crate::sink::{FileOptions, JsonlFile, JsonlSink, Sink, SinkError, SinkStage, open_jsonl};
use crate::stages::clean::Cleaner;
use crate::stages::clean::template::{TemplateRules, TemplateStore};
use crate::stages::dedup::{Dedup, Params, SharedIndex, StoryIndex};
use crate::stages::extract::Extractor;
use crate::stages::source::{FileSource, Source, SourceContext, SourceError};
use crate::state::{Commit, StateError, StateStore};
use crate::status::{Health, Probe, StageProbe};
use std::sync::atomic::AtomicU64;

/// Why the pipeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The state could not be opened or read.
    #[error(transparent)]
    State(#[from] StateError),
    /// An output file could not be opened.
    #[error("cannot open output: {0}")]
    Sink(#[from] SinkError),
    /// The source could not be set up.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A clean pattern did not compile.
    #[error("bad clean pattern: {0}")]
    Pattern(#[from] regex::Error),
    /// The metrics endpoint could not listen.
    #[error("cannot listen for metrics on {addr} ([metrics] listen): {source}")]
    Metrics {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// There is no state, but the outputs hold records: starting afresh would write them twice.
    #[error(
        "the state database {state} does not exist, but {output} already holds records: starting afresh would \
         read every input again and write its records twice. Restore the state directory from a backup, or move \
         the outputs aside to start over"
    )]
    MissingState {
        /// The state database that was expected.
        state: std::path::PathBuf,
        /// The output that holds records.
        output: std::path::PathBuf,
    },
}

/// The longest wait between commit attempts while commits fail.
const MAX_COMMIT_BACKOFF: Duration = Duration::from_secs(30);

/// Counters of one stage at the end of a run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageSummary {
    /// Stage name.
    pub stage: &'static str,
    /// Items received.
    pub received: u64,
    /// Items passed on.
    pub sent: u64,
    /// Items rejected.
    pub rejected: u64,
    /// Items dropped on purpose.
    pub dropped: u64,
}

/// How a run ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// Per-stage counters, in pipeline order.
    pub stages: Vec<StageSummary>,
    /// The grace period ran out and some tasks were aborted (their input will be read again).
    pub forced: bool,
}

/// Flushes the outputs, acknowledges what they made durable, and commits the state together with
/// the outputs' positions: the one commit point that input checkpoints, dedup window and outputs
/// agree on.
struct Committer {
    sink: Arc<dyn Sink>,
    sink_key: String,
    dead_letter: Arc<JsonlFile>,
    dead_letter_key: String,
    tracker: Arc<Tracker>,
    index: SharedIndex,
    templates: Arc<Mutex<TemplateStore>>,
    feeds: Arc<FeedMemory>,
    store: Arc<StateStore>,
    /// Positions the state holds (sink, dead letter).
    stored: Mutex<StoredPositions>,
    /// Where commit outcomes are reported.
    health: Arc<Health>,
}

/// Output positions as the state holds them: (sink, dead letter).
type StoredPositions = (Option<Vec<u8>>, Option<Vec<u8>>);

impl Committer {
    fn commit(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        // Each output's durable records are acknowledged even when the other output failed.
        let sink_position = match self.sink.flush() {
            Ok(f) => {
                f.tickets.iter().for_each(|t| self.tracker.ack(t));
                Some(f.position)
            }
            Err(e) => {
                errors.push(e.to_string());
                None
            }
        };
        let dead_letter_position = match self.dead_letter.flush() {
            Ok(f) => {
                f.tickets.iter().for_each(|t| self.tracker.ack(t));
                Some(f.position.encode())
            }
            Err(e) => {
                errors.push(e.to_string());
                None
            }
        };
        let mut sinks = Vec::new();
        {
            let stored = self.stored.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(p) = sink_position.as_ref().filter(|p| stored.0.as_ref() != Some(*p)) {
                sinks.push((self.sink_key.clone(), p.clone()));
            }
            if let Some(p) = dead_letter_position.as_ref().filter(|p| stored.1.as_ref() != Some(*p)) {
                sinks.push((self.dead_letter_key.clone(), p.clone()));
            }
        }
        let commit = Commit {
            files: self.tracker.take_changes(),
            dedup: self.index.lock().unwrap_or_else(|e| e.into_inner()).take_changes(),
            templates: self.templates.lock().unwrap_or_else(|e| e.into_inner()).take_changes(),
            feeds: self.feeds.take_changes(),
            sinks,
        };
        if !commit.is_empty() {
            if let Err(e) = self.store.commit(&commit) {
                self.tracker.requeue(&commit.files);
                self.index.lock().unwrap_or_else(|e| e.into_inner()).requeue(&commit.dedup);
                self.templates.lock().unwrap_or_else(|e| e.into_inner()).requeue(&commit.templates);
                self.feeds.requeue(&commit.feeds);
                errors.push(e.to_string());
                return Err(errors.join("; "));
            }
            let mut stored = self.stored.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(p) = sink_position {
                self.sink.committed(&p);
                stored.0 = Some(p);
            }
            if let Some(p) = dead_letter_position {
                if let Some(pos) = crate::sink::Position::decode(&p) {
                    self.dead_letter.committed(pos);
                }
                stored.1 = Some(p);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }

    /// Commits off the async threads; true when it worked.
    async fn commit_async(self: &Arc<Self>) -> bool {
        let me = self.clone();
        let result = tokio::task::spawn_blocking(move || me.commit()).await;
        self.health.commit(matches!(result, Ok(Ok(()))));
        match result {
            Ok(Ok(())) => true,
            Ok(Err(error)) => {
                error!(%error, "Commit failed; input is held back and the commit retried.");
                false
            }
            Err(error) => {
                error!(%error, "Commit task failed; will retry.");
                false
            }
        }
    }
}

/// Runs the pipeline until `stop` is cancelled (or, with `once`, until the inputs are read).
pub async fn run(cfg: Config, once: bool, stop: CancellationToken) -> Result<Summary, PipelineError> {
    let db = cfg.state.dir.join(crate::state::DB_FILE);
    if !db.exists() {
        for output in [&cfg.sink.path, &cfg.dead_letter.path] {
            if std::fs::metadata(output).is_ok_and(|m| m.len() > 0) {
                return Err(PipelineError::MissingState { state: db, output: output.clone() });
            }
        }
    }
    let store = Arc::new(StateStore::open(&cfg.state.dir, cfg.state.cache_bytes.get())?);
    let checkpoints = store.load_checkpoints()?;
    let now = jiff::Timestamp::now().as_second();
    let mut story_index = StoryIndex::empty(Params::from_config(&cfg.dedup));
    let loading = std::time::Instant::now();
    let dedup_records = store.load_dedup(|r| story_index.restore(r, now))?;
    let fingerprint = crate::stages::dedup::sketch_fingerprint(&cfg.dedup);
    if let Some(old) = store.swap_sketch_fingerprint(fingerprint)?
        && old != fingerprint
        && dedup_records > 0
    {
        warn!(
            held = dedup_records,
            "The dedup window was sketched with other settings (shingle_words, lead bands); its documents now match \
             only exact copies until they age out. `newsmill reset-dedup` starts the window afresh."
        );
    }
    let site_templates = store.load_templates()?;
    let feeds = Arc::new(FeedMemory::new(cfg.source.max_feed_items.get(), store.load_feed_items()?));
    info!(
        files = checkpoints.len(),
        dedup_entries = dedup_records,
        dedup_held = story_index.len(),
        dedup_load_ms = loading.elapsed().as_millis() as u64,
        sites = site_templates.len(),
        feed_items = feeds.len(),
        dir = %cfg.state.dir.display(),
        "State loaded."
    );
    let templates = Arc::new(Mutex::new(TemplateStore::new(TemplateRules::from_config(&cfg.clean), site_templates)));
    story_index.restore_in_flight(store.load_dedup_in_flight()?);
    let index: SharedIndex = Arc::new(Mutex::new(story_index));
    let landing = index.clone();
    let tracker = Arc::new(
        Tracker::new(cfg.source.max_tracked_files.get(), checkpoints)
            .with_feed_memory(feeds.clone())
            // A document acknowledged is durably handled: its dedup entry is final.
            .with_ack_listener(Arc::new(move |t| landing.lock().unwrap_or_else(|e| e.into_inner()).land(t.origin()))),
    );
    let sink_key = format!("articles:{}", cfg.sink.path.display());
    let dead_letter_key = format!("rejected:{}", cfg.dead_letter.path.display());
    let stored = (store.sink_position(&sink_key)?, store.sink_position(&dead_letter_key)?);
    let sink_opts = FileOptions {
        path: cfg.sink.path.clone(),
        max_file_bytes: cfg.sink.max_file_bytes,
        rotate_interval_ms: cfg.sink.rotate_interval_ms,
        buffer_bytes: cfg.sink.buffer_bytes.get(),
    };
    let sink: Arc<dyn Sink> = Arc::new(JsonlSink::new(open_jsonl(sink_opts, stored.0.as_deref())?));
    let dead_opts = FileOptions {
        path: cfg.dead_letter.path.clone(),
        max_file_bytes: cfg.dead_letter.max_file_bytes,
        rotate_interval_ms: cfg.dead_letter.rotate_interval_ms,
        buffer_bytes: cfg.sink.buffer_bytes.get(),
    };
    let dead_file = Arc::new(open_jsonl(dead_opts, stored.1.as_deref())?);
    let source = FileSource::new(&cfg.source, cfg.dead_letter.excerpt_bytes.get(), once)?;
    let cleaner = Cleaner::new(&cfg.clean)?;
    let cleaner = Arc::new(if cfg.clean.templates { cleaner.with_templates(templates.clone()) } else { cleaner });
    let extractor = Arc::new(Extractor::new(&cfg.extract));
    let dedup = Arc::new(Dedup::new(&cfg.dedup, index.clone()));
    let sink_stage = Arc::new(SinkStage::new(sink.clone()));

    let health = Arc::new(Health::default());
    *health.config_hash.lock().unwrap_or_else(|e| e.into_inner()) =
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(format!("{cfg:?}").as_bytes()));
    let committer = Arc::new(Committer {
        sink: sink.clone(),
        sink_key,
        dead_letter: dead_file.clone(),
        dead_letter_key,
        tracker: tracker.clone(),
        index: index.clone(),
        templates: templates.clone(),
        feeds: feeds.clone(),
        store: store.clone(),
        stored: Mutex::new(stored),
        health: health.clone(),
    });
    // The outputs' starting positions are committed before anything is written: a crash before
    // the first periodic commit must find a commit point to cut back to.
    {
        let me = committer.clone();
        match tokio::task::spawn_blocking(move || me.commit()).await {
            Ok(Ok(())) => {}
            Ok(Err(message)) => return Err(StateError::Io { path: cfg.state.dir.clone(), message }.into()),
            Err(e) => return Err(StateError::Io { path: cfg.state.dir.clone(), message: e.to_string() }.into()),
        }
    }

    let names = ["source", "clean", "extract", "dedup", "sink", "dead_letter"];
    let counters: Vec<Arc<StageCounters>> = names.iter().map(|_| Arc::new(StageCounters::default())).collect();
    let (dl_tx, dl_task) = crate::dead_letter::spawn(
        dead_file.clone(),
        cfg.dead_letter.channel_capacity.get(),
        cfg.dead_letter.excerpt_bytes.get(),
        counters[5].clone(),
    );
    let ctx =
        |i: usize| StageContext { counters: counters[i].clone(), dead_letter: dl_tx.clone(), tracker: tracker.clone() };

    let (clean_tx, clean_rx) = async_channel::bounded(cfg.clean.channel_capacity.get());
    let (extract_tx, extract_rx) = async_channel::bounded(cfg.extract.channel_capacity.get());
    let (dedup_tx, dedup_rx) = async_channel::bounded(cfg.dedup.channel_capacity.get());
    let (sink_tx, sink_rx) = async_channel::bounded(cfg.sink.channel_capacity.get());

    let source_cancel = stop.child_token();
    let source_task = tokio::spawn(Box::new(source).run(SourceContext {
        out: clean_tx,
        dead_letter: dl_tx.clone(),
        tracker: tracker.clone(),
        cancel: source_cancel.clone(),
        counters: counters[0].clone(),
        feeds: feeds.clone(),
    }));
    let queues = [None, queue(&clean_rx), queue(&extract_rx), queue(&dedup_rx), queue(&sink_rx), None];
    let workers =
        [1, cfg.clean.workers.get(), cfg.extract.workers.get(), cfg.dedup.workers.get(), cfg.sink.workers.get(), 1];
    let probe = Arc::new(Probe {
        stages: names
            .iter()
            .zip(&counters)
            .zip(queues)
            .zip(workers)
            .map(|(((name, c), queue), w)| StageProbe {
                name,
                counters: c.clone(),
                queue,
                workers: Arc::new(AtomicU64::new(w as u64)),
            })
            .collect(),
        tracker: tracker.clone(),
        index: index.clone(),
        dedup: dedup.counts(),
        output_bytes: {
            let (sink, dead) = (sink.clone(), dead_file.clone());
            Box::new(move || (sink.bytes_written(), dead.bytes_written()))
        },
        health: health.clone(),
        started: std::time::Instant::now(),
    });
    let server_stop = CancellationToken::new();
    let server = if cfg.metrics.enabled && !once {
        let listener = tokio::net::TcpListener::bind(&cfg.metrics.listen)
            .await
            .map_err(|source| PipelineError::Metrics { addr: cfg.metrics.listen.clone(), source })?;
        Some(tokio::spawn(crate::http::serve(listener, probe.clone(), server_stop.clone())))
    } else {
        None
    };
    let stages: Vec<Vec<JoinHandle<()>>> = vec![
        vec![source_task],
        spawn_stage(cleaner, cfg.clean.workers.get(), clean_rx, Some(extract_tx), ctx(1)),
        spawn_stage(extractor, cfg.extract.workers.get(), extract_rx, Some(dedup_tx), ctx(2)),
        spawn_stage(dedup, cfg.dedup.workers.get(), dedup_rx, Some(sink_tx), ctx(3)),
        spawn_stage(sink_stage, cfg.sink.workers.get(), sink_rx, None, ctx(4)),
        vec![dl_task],
    ];
    drop(dl_tx);
    info!(once, inputs = ?cfg.source.paths, output = %cfg.sink.path.display(), "Pipeline started.");

    let commit_stop = CancellationToken::new();
    let commit_loop = {
        let (committer, commit_stop, counters) = (committer.clone(), commit_stop.clone(), counters.clone());
        let interval = Duration::from_millis(cfg.sink.flush_interval_ms.get());
        tokio::spawn(async move {
            let mut ticks = 0u64;
            let mut wait = interval;
            loop {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {
                        // While the disk is full (or the state unwritable), retry less and less often.
                        wait = if committer.commit_async().await { interval } else { (wait * 2).min(MAX_COMMIT_BACKOFF) };
                    }
                    () = commit_stop.cancelled() => break,
                }
                ticks += 1;
                if ticks % (60_000 / interval.as_millis().max(1) as u64).max(1) == 0 {
                    log_progress(&names, &counters);
                }
            }
        })
    };

    let aborts: Vec<_> = stages.iter().flatten().map(JoinHandle::abort_handle).collect();
    let drain = async {
        // Stages finish in pipeline order: each one's input closes when the one before it is done.
        for (name, handles) in names.iter().zip(stages) {
            for h in handles {
                if let Err(error) = h.await {
                    error!(stage = name, %error, "Stage task failed.");
                }
            }
        }
    };
    let grace = Duration::from_millis(cfg.runtime.shutdown_grace_ms.get());
    let deadline = async {
        stop.cancelled().await;
        info!(grace_ms = grace.as_millis() as u64, "Stopping: draining stages.");
        tokio::time::sleep(grace).await;
    };
    let forced = tokio::select! {
        () = drain => false,
        () = deadline => {
            warn!("Shutdown grace period ran out; aborting unfinished stages. Unwritten documents will be read again on restart.");
            for a in &aborts {
                a.abort();
            }
            true
        }
    };
    commit_stop.cancel();
    if let Err(error) = commit_loop.await {
        error!(%error, "Commit loop failed.");
    }
    // The final commit: everything written so far becomes durable and acknowledged.
    committer.commit_async().await;
    log_progress(&names, &counters);
    let stages = names
        .iter()
        .zip(&counters)
        .map(|(stage, c)| {
            let (received, sent, rejected, dropped) = c.snapshot();
            StageSummary { stage, received, sent, rejected, dropped }
        })
        .collect();
    server_stop.cancel();
    if let Some(server) = server
        && let Err(error) = server.await
    {
        error!(%error, "Metrics server task failed.");
    }
    info!(forced, in_flight = tracker.in_flight(), "Pipeline stopped.");
    Ok(Summary { stages, forced })
}

/// Reads a channel's depth and capacity through a weak handle: the probe must not keep open a
/// channel that shutdown waits to see closed.
fn queue<T: Send + 'static>(rx: &async_channel::Receiver<T>) -> Option<Box<dyn Fn() -> (usize, usize) + Send + Sync>> {
    let weak = rx.downgrade();
    Some(Box::new(move || weak.upgrade().map_or((0, 0), |r| (r.len(), r.capacity().unwrap_or(0)))))
}

fn log_progress(names: &[&'static str], counters: &[Arc<StageCounters>]) {
    for (stage, c) in names.iter().zip(counters) {
        let (received, sent, rejected, dropped) = c.snapshot();
        info!(stage, received, sent, rejected, dropped, "Stage counters.");
    }
}
