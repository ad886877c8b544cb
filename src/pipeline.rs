//! Wires the pipeline: opens the state, builds the bounded channels
//! `source -> clean -> extract -> dedup -> sink`, spawns every stage through the generic runner,
//! and shuts down from the source: cancel the source, let each stage drain until its input closes,
//! flush the sink and the dead letter last, and commit the state. Every task handle is awaited,
//! within `shutdown_grace_ms` once a stop was asked for.

use crate::stages::source::feed::FeedMemory;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::checkpoint::Tracker;
use crate::config::Config;
use crate::runner::{Live, Stage, StageContext, StageCounters, spawn_stage};
use crate::sink::{FileOptions, JsonlSink, Output, Sink, SinkError, SinkStage, Swap, open_jsonl};
use crate::stages::clean::Cleaner;
use crate::stages::dedup::{Dedup, Params, SharedIndex, StoryIndex};
use crate::stages::extract::Extractor;
use crate::stages::source::{FileSource, Source, SourceContext, SourceError};
use crate::state::{Commit, StateError, StateStore};
use crate::status::{Health, Probe, StageProbe};

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
    Pattern(#[from] crate::stages::clean::rules::RulesError),
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
    /// The outputs: the sink, the dead letter, and any a reload replaced that are still drained.
    outputs: Mutex<Vec<Slot>>,
    tracker: Arc<Tracker>,
    index: SharedIndex,
    feeds: Arc<FeedMemory>,
    store: Arc<StateStore>,
    /// Where commit outcomes are reported.
    health: Arc<Health>,
}

/// One output as the committer sees it.
struct Slot {
    /// Its key in the state ("articles:<path>", "rejected:<path>").
    key: String,
    output: Arc<dyn Output>,
    /// The position the state holds.
    stored: Option<Vec<u8>>,
    /// Replaced by a reload: commits since, with nothing more to flush.
    retired: Option<u32>,
}

impl Slot {
    fn new(key: String, output: Arc<dyn Output>, stored: Option<Vec<u8>>) -> Self {
        Self { key, output, stored, retired: None }
    }
}

impl Committer {
    /// Adds a new output in place of the live one whose key starts with `kind`; the old one is
    /// drained by the next commits. Commits at once, so that the new output's starting position is
    /// in the state before anything is written to it.
    fn replace_output(&self, kind: &str, slot: Slot) -> Result<(), String> {
        {
            let mut outputs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
            let prefix = format!("{kind}:");
            for s in outputs.iter_mut().filter(|s| s.key.starts_with(&prefix) && s.retired.is_none()) {
                s.retired = Some(0);
            }
            outputs.push(slot);
        }
        self.commit()
    }

    fn commit(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        // The commit holds the outputs for its whole length, so a reload swaps them between commits.
        let mut outputs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        // Each output's durable records are acknowledged even when another output failed.
        let mut flushed: Vec<Option<(Vec<u8>, usize)>> = Vec::with_capacity(outputs.len());
        for slot in outputs.iter() {
            flushed.push(match slot.output.flush() {
                Ok(f) => {
                    f.tickets.iter().for_each(|t| self.tracker.ack(t));
                    Some((f.position, f.tickets.len()))
                }
                Err(e) => {
                    errors.push(e.to_string());
                    None
                }
            });
        }
        let sinks = outputs
            .iter()
            .zip(&flushed)
            .filter_map(|(slot, f)| {
                let (p, _) = f.as_ref()?;
                (slot.stored.as_ref() != Some(p)).then(|| (slot.key.clone(), p.clone()))
            })
            .collect();
        let commit = Commit {
            files: self.tracker.take_changes(),
            dedup: self.index.lock().unwrap_or_else(|e| e.into_inner()).take_changes(),
            feeds: self.feeds.take_changes(),
            sinks,
        };
        if !commit.is_empty()
            && let Err(e) = self.store.commit(&commit)
        {
            self.tracker.requeue(&commit.files);
            self.index.lock().unwrap_or_else(|e| e.into_inner()).requeue(&commit.dedup);
            self.feeds.requeue(&commit.feeds);
            errors.push(e.to_string());
            return Err(errors.join("; "));
        }
        for (slot, f) in outputs.iter_mut().zip(flushed) {
            let Some((p, records)) = f else { continue };
            slot.output.committed(&p);
            slot.stored = Some(p);
            if let Some(idle) = slot.retired.as_mut() {
                *idle = if records == 0 { *idle + 1 } else { 0 };
            }
        }
        // A replaced output is let go once two commits in a row found nothing more in it: a
        // writer that took it just before the swap has finished with it by then.
        outputs.retain(|s| {
            let done = s.retired.is_some_and(|idle| idle >= 2);
            if done {
                info!(output = %s.key, "Replaced output drained and closed.");
            }
            !done
        });
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

/// How the process steers a running pipeline besides stopping it.
#[derive(Default)]
pub struct Control {
    /// The config file, read again on a reload.
    pub config_path: Option<std::path::PathBuf>,
    /// Sends a reload request (for the config file watcher).
    pub reload_tx: Option<tokio::sync::mpsc::Sender<()>>,
    /// Reload requests (SIGHUP, the watcher).
    pub reload_rx: Option<tokio::sync::mpsc::Receiver<()>>,
    /// Changes the log level.
    pub log_level: Option<crate::logging::LevelHandle>,
}

/// Runs the pipeline until `stop` is cancelled (or, with `once`, until the inputs are read).
pub async fn run(cfg: Config, once: bool, stop: CancellationToken, control: Control) -> Result<Summary, PipelineError> {
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
    let feeds = Arc::new(FeedMemory::new(cfg.source.max_feed_items.get(), store.load_feed_items()?));
    info!(
        files = checkpoints.len(),
        dedup_entries = dedup_records,
        dedup_held = story_index.len(),
        dedup_load_ms = loading.elapsed().as_millis() as u64,
        feed_items = feeds.len(),
        dir = %cfg.state.dir.display(),
        "State loaded."
    );
    story_index.restore_in_flight(store.load_dedup_in_flight()?);
    let index: SharedIndex = Arc::new(Mutex::new(story_index));
    let landing = index.clone();
    let tracker = Arc::new(
        Tracker::new(cfg.source.max_tracked_files.get(), checkpoints)
            .with_feed_memory(feeds.clone())
            // A document acknowledged is durably handled: its dedup entry is final.
            .with_ack_listener(Arc::new(move |t| landing.lock().unwrap_or_else(|e| e.into_inner()).land(t.origin()))),
    );
    let sink_key = output_key("articles", &cfg.sink.path);
    let dead_letter_key = output_key("rejected", &cfg.dead_letter.path);
    let stored = (store.sink_position(&sink_key)?, store.sink_position(&dead_letter_key)?);
    let first_sink: Arc<dyn Sink> = Arc::new(JsonlSink::new(open_jsonl(sink_options(&cfg), stored.0.as_deref())?));
    let first_dead_letter = Arc::new(open_jsonl(dead_letter_options(&cfg), stored.1.as_deref())?);
    // Writers take the current output for every record: a reload may move one to a new path.
    let sink = Arc::new(Swap::new(first_sink.clone()));
    let dead_file = Arc::new(Swap::new(first_dead_letter.clone()));
    // Bytes written by outputs a reload replaced, so that the byte counters never go back.
    let replaced_bytes = Arc::new((std::sync::atomic::AtomicU64::new(0), std::sync::atomic::AtomicU64::new(0)));
    let source = FileSource::new(&cfg.source, cfg.dead_letter.excerpt_bytes.get(), once)?;
    let source_globs = source.globs();
    let cleaner = Arc::new(Live::new(Cleaner::new(&cfg.clean)?));
    let extractor = Arc::new(Live::new(Extractor::new(&cfg.extract)));
    let dedup = Arc::new(Live::new(Dedup::new(&cfg.dedup, index.clone())));
    let sink_stage = Arc::new(SinkStage::new(sink.clone()));

    let health = Arc::new(Health::default());
    *health.config_hash.lock().unwrap_or_else(|e| e.into_inner()) = config_hash(&cfg);
    let committer = Arc::new(Committer {
        outputs: Mutex::new(vec![
            Slot::new(sink_key, first_sink, stored.0),
            Slot::new(dead_letter_key, first_dead_letter, stored.1),
        ]),
        tracker: tracker.clone(),
        index: index.clone(),
        feeds: feeds.clone(),
        store: store.clone(),
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

    if cfg.metrics.enabled && !once {
        // Before the stages start: their workers take their metric handles when they start.
        crate::http::prometheus();
    }
    let (clean_tx, clean_rx) = crate::channel::bounded(cfg.clean.channel_capacity.get());
    let (extract_tx, extract_rx) = crate::channel::bounded(cfg.extract.channel_capacity.get());
    let (dedup_tx, dedup_rx) = crate::channel::bounded(cfg.dedup.channel_capacity.get());
    let (sink_tx, sink_rx) = crate::channel::bounded(cfg.sink.channel_capacity.get());
    // Read by the probe, changed by a reload; they keep no channel open.
    let controls = (
        Arc::new(clean_rx.control().with_sender(&clean_tx)),
        Arc::new(extract_rx.control().with_sender(&extract_tx)),
        Arc::new(dedup_rx.control().with_sender(&dedup_tx)),
        Arc::new(sink_rx.control().with_sender(&sink_tx)),
    );

    let source_cancel = stop.child_token();
    let source_task = tokio::spawn(Box::new(source).run(SourceContext {
        out: clean_tx,
        dead_letter: dl_tx.clone(),
        tracker: tracker.clone(),
        cancel: source_cancel.clone(),
        counters: counters[0].clone(),
        feeds: feeds.clone(),
    }));
    let queues = [None, queue(&controls.0), queue(&controls.1), queue(&controls.2), queue(&controls.3), None];
    let stages: Vec<Arc<Stage>> = vec![
        Arc::new(spawn_stage(cleaner.clone(), cfg.clean.workers.get(), clean_rx, Some(extract_tx), ctx(1))),
        Arc::new(spawn_stage(extractor.clone(), cfg.extract.workers.get(), extract_rx, Some(dedup_tx), ctx(2))),
        Arc::new(spawn_stage(dedup.clone(), cfg.dedup.workers.get(), dedup_rx, Some(sink_tx), ctx(3))),
        Arc::new(spawn_stage(sink_stage, cfg.sink.workers.get(), sink_rx, None, ctx(4))),
    ];
    drop(dl_tx);
    let workers = |i: usize| -> Box<dyn Fn() -> usize + Send + Sync> {
        match i.checked_sub(1).and_then(|k| stages.get(k)) {
            Some(stage) => {
                let stage = stage.clone();
                Box::new(move || stage.workers())
            }
            None => Box::new(|| 1),
        }
    };
    let probe = Arc::new(Probe {
        stages: names
            .iter()
            .zip(&counters)
            .zip(queues)
            .enumerate()
            .map(|(i, ((name, c), queue))| StageProbe { name, counters: c.clone(), queue, workers: workers(i) })
            .collect(),
        tracker: tracker.clone(),
        index: index.clone(),
        dedup: dedup.current().counts(),
        output_bytes: {
            let (sink, dead) = (sink.clone(), dead_file.clone());
            let replaced = replaced_bytes.clone();
            Box::new(move || {
                use std::sync::atomic::Ordering::Relaxed;
                (
                    replaced.0.load(Relaxed) + sink.get().bytes_written(),
                    replaced.1.load(Relaxed) + dead.get().bytes_written(),
                )
            })
        },
        health: health.clone(),
        started: std::time::Instant::now(),
    });
    let progress = (once && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .then(|| tokio::spawn(show_progress(probe.clone(), stop.child_token())));
    let server_stop = CancellationToken::new();
    let server = if cfg.metrics.enabled && !once {
        let listener = tokio::net::TcpListener::bind(&cfg.metrics.listen)
            .await
            .map_err(|source| PipelineError::Metrics { addr: cfg.metrics.listen.clone(), source })?;
        Some(tokio::spawn(crate::http::serve(listener, probe.clone(), server_stop.clone())))
    } else {
        None
    };

    info!(once, inputs = ?cfg.source.paths, output = %cfg.sink.path.display(), "Pipeline started.");
    cfg.warn_removed_keys();

    let flush_interval_ms = Arc::new(std::sync::atomic::AtomicU64::new(cfg.sink.flush_interval_ms.get()));
    let reload_stop = CancellationToken::new();
    let reloader = match (control.config_path, control.reload_rx) {
        (Some(path), Some(rx)) if !once => {
            let reopen = {
                let (committer, store, sink, dead_file, replaced) =
                    (committer.clone(), store.clone(), sink.clone(), dead_file.clone(), replaced_bytes.clone());
                Box::new(move |kind: crate::reload::OutputKind, cfg: &Config| -> Result<(), String> {
                    use crate::reload::OutputKind;
                    let (name, opts) = match kind {
                        OutputKind::Articles => ("articles", sink_options(cfg)),
                        OutputKind::Rejected => ("rejected", dead_letter_options(cfg)),
                    };
                    let key = output_key(name, &opts.path);
                    let stored = store.sink_position(&key).map_err(|e| e.to_string())?;
                    let file = open_jsonl(opts, stored.as_deref()).map_err(|e| e.to_string())?;
                    match kind {
                        OutputKind::Articles => {
                            let new: Arc<dyn Sink> = Arc::new(JsonlSink::new(file));
                            committer.replace_output(name, Slot::new(key, new.clone(), stored))?;
                            let old = sink.replace(new);
                            replaced.0.fetch_add(old.bytes_written(), std::sync::atomic::Ordering::Relaxed);
                        }
                        OutputKind::Rejected => {
                            let new = Arc::new(file);
                            committer.replace_output(name, Slot::new(key, new.clone(), stored))?;
                            let old = dead_file.replace(new);
                            replaced.1.fetch_add(old.bytes_written(), std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    Ok(())
                }) as crate::reload::Reopen
            };
            let parts = crate::reload::Reloadable {
                cleaner: cleaner.clone(),
                extractor: extractor.clone(),
                dedup: dedup.clone(),
                index: index.clone(),
                stages: stages.clone(),
                sink: sink.clone(),
                dead_letter: dead_file.clone(),
                flush_interval_ms: flush_interval_ms.clone(),
                globs: source_globs,
                log_level: control.log_level,
                reopen,
                capacities: vec![
                    capacity_setter(&controls.0),
                    capacity_setter(&controls.1),
                    capacity_setter(&controls.2),
                    capacity_setter(&controls.3),
                ],
            };
            let watcher =
                if cfg.reload.watch { control.reload_tx.and_then(|tx| watch_config(&path, tx)) } else { None };
            Some(tokio::spawn(reload_loop(
                path,
                rx,
                Arc::new(parts),
                cfg.clone(),
                health.clone(),
                reload_stop.clone(),
                watcher,
            )))
        }
        _ => None,
    };
    let commit_stop = CancellationToken::new();
    let commit_loop = {
        let (committer, commit_stop, counters) = (committer.clone(), commit_stop.clone(), counters.clone());
        let flush_interval_ms = flush_interval_ms.clone();
        tokio::spawn(async move {
            let mut ticks = 0u64;
            let mut failures = 0u32;
            loop {
                let interval = Duration::from_millis(flush_interval_ms.load(std::sync::atomic::Ordering::Relaxed));
                // While the disk is full (or the state unwritable), retry less and less often.
                let wait = (interval * 2u32.saturating_pow(failures.min(16))).min(MAX_COMMIT_BACKOFF.max(interval));
                tokio::select! {
                    () = tokio::time::sleep(wait) => {
                        failures = if committer.commit_async().await { 0 } else { failures + 1 };
                    }
                    () = commit_stop.cancelled() => break,
                }
                ticks += 1;
                if ticks % (60_000 / wait.as_millis().max(1) as u64).max(1) == 0 {
                    log_progress(&names, &counters);
                }
            }
        })
    };

    let source_abort = source_task.abort_handle();
    let dl_abort = dl_task.abort_handle();
    let drain = async {
        // Stages finish in pipeline order: each one's input closes when the one before it is done.
        if let Err(error) = source_task.await {
            error!(stage = "source", %error, "Stage task failed.");
        }
        for stage in &stages {
            stage.join().await;
        }
        if let Err(error) = dl_task.await {
            error!(stage = "dead_letter", %error, "Stage task failed.");
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
            source_abort.abort();
            stages.iter().flat_map(|s| s.abort_handles()).for_each(|a| a.abort());
            dl_abort.abort();
            true
        }
    };
    reload_stop.cancel();
    if let Some(r) = reloader
        && let Err(error) = r.await
    {
        error!(%error, "Reload task failed.");
    }
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
    if let Some(p) = progress {
        p.abort();
        eprintln!();
    }
    server_stop.cancel();
    if let Some(server) = server
        && let Err(error) = server.await
    {
        error!(%error, "Metrics server task failed.");
    }
    info!(forced, in_flight = tracker.lag().in_flight, "Pipeline stopped.");
    Ok(Summary { stages, forced })
}

/// Reloads the config on every request until `stop`: read and validate the file, then apply it,
/// or keep the running config and say why.
async fn reload_loop(
    path: std::path::PathBuf,
    mut requests: tokio::sync::mpsc::Receiver<()>,
    parts: Arc<crate::reload::Reloadable>,
    boot: Config,
    health: Arc<Health>,
    stop: CancellationToken,
    _watcher: Option<notify::RecommendedWatcher>,
) {
    use std::sync::atomic::Ordering;
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
            Ok(new) => new,
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
                health.reloads_ok.fetch_add(1, Ordering::Relaxed);
                *health.config_hash.lock().unwrap_or_else(|e| e.into_inner()) = config_hash(&new);
                current = new;
            }
            Err(error) => {
                error!(%error, "Config reload failed; the parts before the failing one use the new config.");
                health.reloads_failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// `run --once` on a terminal: one line on stderr, redrawn, with documents done, rate and time left.
async fn show_progress(probe: Arc<Probe>, stop: CancellationToken) {
    use std::io::Write;
    let started = std::time::Instant::now();
    let mut first_remaining: Option<u64> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
            () = stop.cancelled() => return,
        }
        let s = probe.status();
        let done = s.stages.get(4).map_or(0, |st| st.received) + s.stages.iter().map(|st| st.rejected).sum::<u64>();
        let remaining = s.source.unread_bytes + s.source.uncommitted_bytes;
        let start = *first_remaining.get_or_insert(remaining);
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        let line = crate::top::progress_line(
            done,
            done as f64 / secs,
            remaining,
            start.saturating_sub(remaining) as f64 / secs,
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

/// Hash of the effective config (after interpolation and defaults), for `/status`.
fn config_hash(cfg: &Config) -> String {
    let text = serde_json::to_string(cfg).unwrap_or_default();
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Watches the config file (its directory, so that editors that replace the file are seen) and
/// asks for a reload when it changes, debounced; `None` (logged) when watching is impossible.
fn watch_config(path: &std::path::Path, tx: tokio::sync::mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let name = path.file_name()?.to_os_string();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")).to_path_buf();
    let debounce = std::sync::Arc::new(Mutex::new(None::<std::time::Instant>));
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

/// An output's key in the state: its kind and path.
fn output_key(kind: &str, path: &std::path::Path) -> String {
    format!("{kind}:{}", path.display())
}

fn sink_options(cfg: &Config) -> FileOptions {
    FileOptions {
        path: cfg.sink.path.clone(),
        max_file_bytes: cfg.sink.max_file_bytes,
        rotate_interval_ms: cfg.sink.rotate_interval_ms,
        buffer_bytes: cfg.sink.buffer_bytes.get(),
    }
}

fn dead_letter_options(cfg: &Config) -> FileOptions {
    FileOptions {
        path: cfg.dead_letter.path.clone(),
        max_file_bytes: cfg.dead_letter.max_file_bytes,
        rotate_interval_ms: cfg.dead_letter.rotate_interval_ms,
        buffer_bytes: cfg.sink.buffer_bytes.get(),
    }
}

/// Changes a channel's bound.
fn capacity_setter<T: Send + 'static>(c: &Arc<crate::channel::Control<T>>) -> Box<dyn Fn(usize) + Send + Sync> {
    let c = c.clone();
    Box::new(move |n| c.set_capacity(n))
}

/// Reads a channel's depth and capacity.
fn queue<T: Send + 'static>(
    c: &Arc<crate::channel::Control<T>>,
) -> Option<Box<dyn Fn() -> (usize, usize) + Send + Sync>> {
    let c = c.clone();
    Some(Box::new(move || c.depth()))
}

fn log_progress(names: &[&'static str], counters: &[Arc<StageCounters>]) {
    for (stage, c) in names.iter().zip(counters) {
        let (received, sent, rejected, dropped) = c.snapshot();
        info!(stage, received, sent, rejected, dropped, "Stage counters.");
    }
}
