//! The daemon: opens the state and the outputs, starts the stages `source -> clean -> extract ->
//! dedup -> sink` (and the dead letter) over bounded channels, commits periodically, applies
//! reloads, and shuts down from the source: cancel the source, let each stage drain until its
//! input closes, flush the outputs last, and commit. Every task is awaited, within
//! `shutdown_grace_ms` once a stop was asked for. `docs/architecture.md` draws the whole.

mod commit;
mod outputs;
mod persisted;
mod reload;
pub mod role;
mod stages;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

pub use stages::StageId;

use crate::config::Config;
use crate::config::SourceKind;
use crate::live::Live;
use crate::record::{AckAll, Acknowledge};
use crate::sink::{DeadLetterStage, SinkError, SinkStage};
use crate::stages::clean::Cleaner;
use crate::stages::dedup::Dedup;
use crate::stages::extract::Extractor;
use crate::stages::source::handoff::{HandoffSource, Position};
use crate::stages::source::nats::{self, NatsSource, SourceSettings, acks::MessageAcks};
use crate::stages::source::reader::Limits;
use crate::stages::source::{FileSource, Globs, Source, SourceContext, SourceError};
use crate::state::{StateError, part};
use crate::status::{Health, Probe, RoleProbe, StageProbe};
use commit::Committer;
use outputs::Outputs;
pub use outputs::migrate;
use persisted::Persisted;
use stages::{Logic, Stages};

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The state could not be opened or read.
    #[error(transparent)]
    State(#[from] StateError),
    /// An output could not be opened.
    #[error("cannot open output")]
    Sink(#[from] SinkError),
    /// The source could not be set up.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A clean pattern did not compile.
    #[error("bad clean pattern: {0}")]
    Pattern(#[from] crate::stages::clean::config::RulesError),
    /// The metrics endpoint could not listen.
    #[error("cannot listen for metrics on {addr} ([metrics] listen): {source}")]
    Metrics {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// A task of the daemon's start-up failed (a bug).
    #[error("start-up task failed: {0}")]
    Task(String),
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

impl From<outputs::OpenError> for DaemonError {
    fn from(e: outputs::OpenError) -> Self {
        match e {
            outputs::OpenError::State(e) => DaemonError::State(e),
            outputs::OpenError::Sink(e) => DaemonError::Sink(e),
        }
    }
}

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
    /// CPU milliseconds the stage's workers spent.
    pub cpu_ms: u64,
}

/// How a run ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// Per-stage counters, in pipeline order.
    pub stages: Vec<StageSummary>,
    /// CPU milliseconds the whole process spent, the stages' and the rest (start, the runtime's
    /// threads: scanning, commits; the last commit).
    pub cpu_ms: u64,
    /// The grace period ran out and some tasks were aborted (their input will be read again).
    pub forced: bool,
    /// The last commit made everything written durable (false: an output or the state could
    /// not be written within the grace period; what it held is read again on the next start).
    pub committed: bool,
}

/// How the process steers a running daemon besides stopping it.
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
    /// What this run does, by the process' role.
    pub role: role::Duty,
}

/// Whether the summary of `run --once` must stay off standard output (an output writes there).
pub fn writes_to_stdout(cfg: &Config) -> bool {
    [cfg.sink.kind, cfg.dead_letter.kind].contains(&crate::sink::SinkKind::Stdout)
}

/// Runs the daemon until `stop` is cancelled (or, with `once`, until the inputs are read).
pub async fn run(cfg: Config, once: bool, stop: CancellationToken, control: Control) -> Result<Summary, DaemonError> {
    let duty = control.role.clone();
    let cfg = duty.adapt(cfg);
    // Open: the state, the outputs at their committed positions, the stages' logic.
    let state = Persisted::open(&cfg)?;
    // Off the async threads: an output may connect to its server here.
    let (outputs, slots) = {
        let (cfg, store, fence) = (cfg.clone(), state.store.clone(), duty.fence().cloned());
        tokio::task::spawn_blocking(move || Outputs::open(&cfg, &store, fence))
            .await
            .map_err(|e| DaemonError::Task(e.to_string()))??
    };
    let outputs = Arc::new(outputs);
    let limits = Limits::new(&cfg.source, cfg.dead_letter.excerpt_bytes.get());
    let mut parts = vec![part(state.tracker.clone()), part(state.index.clone()), part(state.feeds.clone())];
    // The NATS source's acknowledgements, flushed at the very end.
    let mut message_acks = None;
    // The dedup role's position in the internal stream.
    let mut handoff = None;
    let (source, globs, nats_settings): (Box<dyn Source>, Option<Globs>, Option<SourceSettings>) =
        match (duty.handoff(), cfg.source.kind) {
            // The dedup role reads the internal stream, whatever the input is.
            (Some((durable, limit)), _) => {
                let position = Position::load(&state.store, &cfg.handoff, durable)?;
                parts.push(part(position.clone()));
                handoff = Some(position.clone());
                (Box::new(HandoffSource::new(&cfg.handoff, &cfg.nats, position, limit, once)), None, None)
            }
            (None, SourceKind::Files) => {
                let files = FileSource::new(
                    &cfg.source,
                    cfg.dead_letter.excerpt_bytes.get(),
                    once,
                    state.tracker.clone(),
                    state.feeds.clone(),
                )?;
                let globs = files.globs();
                (Box::new(files), Some(globs), None)
            }
            (None, SourceKind::Nats) => {
                let id = nats::source_id(&cfg.source.nats);
                let done = nats::acks::load(&state.store, id)?;
                let acks = Arc::new(MessageAcks::new(id, done, tokio::runtime::Handle::current()));
                parts.push(part(acks.clone()));
                message_acks = Some(acks.clone());
                let (nats, settings) = NatsSource::new(&cfg.source.nats, &cfg.nats, limits, acks, once);
                (Box::new(nats), None, Some(settings))
            }
        };
    let cleaner = Arc::new(Live::of(Cleaner::new(&cfg.clean)?));
    let extractor = Arc::new(Live::of(Extractor::new(&cfg.extract)));
    let dedup = Arc::new(Live::of(Dedup::new(&cfg.dedup, state.index.clone()).with_mode(duty.dedup_mode())));
    let health = Arc::new(Health::default());
    *health.config_hash.lock().unwrap_or_else(|e| e.into_inner()) = config_hash(&cfg);
    // Documents are acknowledged to their source once their output is durable, and their dedup
    // entries become final.
    let acks: Arc<dyn Acknowledge> = Arc::new(AckAll(vec![source.acknowledger(), state.index.clone()]));
    let committer = Arc::new(Committer::new(slots, acks.clone(), parts, state.store.clone(), health.clone()));
    // The outputs' starting positions are committed before anything is written: a crash before
    // the first periodic commit must find a commit point to cut back to.
    first_commit(&committer, &cfg).await?;

    // Build and start: the stages, then the source that feeds them.
    if cfg.metrics.enabled && !once {
        // Before the stages start: their workers take their metric handles when they start.
        crate::http::prometheus();
    }
    let logic = Logic {
        cleaner: cleaner.clone(),
        extractor: extractor.clone(),
        dedup: dedup.clone(),
        sink: SinkStage::new(outputs.articles.current.clone()),
        dead_letter: DeadLetterStage::new(outputs.rejected.current.clone()),
    };
    let (stages, ends) = Stages::start(&cfg, logic, acks);
    let stages = Arc::new(stages);
    let source_task = tokio::spawn(source.run(SourceContext {
        out: ends.out,
        extracted: ends.extracted,
        dead_letter: ends.dead_letter,
        cancel: stop.child_token(),
        counters: ends.counters,
        input_down: health.input_down.clone(),
        pace: stages::pace(&cfg),
    }));
    let role = RoleProbe { role: duty.role().name(), state: duty.state(), handoff };
    let probe = Arc::new(probe(&stages, &state, &dedup, &outputs, &health, role));
    let progress = (once && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .then(|| Task::spawn("progress", |stop| show_progress(probe.clone(), stop)));
    // Watching starts before the daemon says it is up (the metrics address, "Pipeline started"),
    // so that a change made as soon as it is up is seen.
    let watcher = match (&control.config_path, control.reload_tx) {
        (Some(path), Some(tx)) if cfg.reload.watch && !once => reload::watch(path, tx),
        _ => None,
    };
    let server = if cfg.metrics.enabled && !once { Some(serve_metrics(&cfg, probe.clone()).await?) } else { None };
    info!(once, role = duty.role().name(), state = duty.state(), inputs = ?cfg.source.paths, output = %cfg.sink.output(&cfg.postgres, &cfg.nats).key(), "Pipeline started.");
    cfg.warn_removed_keys();

    // Run: commit periodically and apply reloads while the stages work.
    let flush_interval_ms = Arc::new(AtomicU64::new(cfg.sink.flush_interval_ms.get()));
    let reloader = match (control.config_path, control.reload_rx) {
        (Some(path), Some(rx)) if !once => {
            let parts = reload::Reloadable {
                duty: duty.clone(),
                cleaner,
                extractor,
                dedup,
                index: state.index.clone(),
                stages: stages.clone(),
                outputs: outputs.clone(),
                committer: committer.clone(),
                store: state.store.clone(),
                flush_interval_ms: flush_interval_ms.clone(),
                globs,
                nats_settings,
                log_level: control.log_level,
            };
            let (boot, health) = (cfg.clone(), health.clone());
            Some(Task::spawn("reload", |stop| reload::run_loop(path, rx, Arc::new(parts), boot, health, stop, watcher)))
        }
        _ => None,
    };
    let commit_loop = {
        let (committer, stages) = (committer.clone(), stages.clone());
        Task::spawn("commit", |stop| commit::run_loop(committer, flush_interval_ms, stages, stop))
    };

    // Drain: the source ends (stopped, or its input read), then each stage in turn.
    let grace = Duration::from_millis(cfg.runtime.shutdown_grace_ms.get());
    let forced = drain(source_task, &stages, &stop, grace).await;

    // Stop the helpers, then the final commit: everything written becomes durable and acknowledged.
    for task in [reloader, Some(commit_loop)].into_iter().flatten() {
        task.finish().await;
    }
    let committed = last_commit(&committer, grace).await;
    if let Some(acks) = &message_acks {
        acks.settle(Duration::from_secs(5)).await;
    }
    stages.log_counters();
    if let Some(p) = progress {
        p.finish().await;
        eprintln!();
    }
    if let Some(server) = server {
        server.finish().await;
    }
    info!(forced, committed, in_flight = state.tracker.lag().in_flight, "Pipeline stopped.");
    Ok(Summary { committed, ..stages.summary(forced) })
}

/// The last commit, tried again while it fails (an output's server away, a full disk) until it
/// works or `grace` runs out; whether it worked.
async fn last_commit(committer: &Arc<Committer>, grace: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + grace;
    let mut wait = Duration::from_millis(200);
    loop {
        if committer.commit_async().await {
            return true;
        }
        if tokio::time::Instant::now() + wait > deadline {
            error!(
                "The last commit failed within the grace period: what was not committed is not acknowledged and is read \
                 again on the next start."
            );
            return false;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(5));
    }
}

/// A helper task that runs until asked to stop.
struct Task {
    name: &'static str,
    stop: CancellationToken,
    handle: tokio::task::JoinHandle<()>,
}

impl Task {
    /// Spawns `run(stop)`.
    fn spawn<F: Future<Output = ()> + Send + 'static>(
        name: &'static str,
        run: impl FnOnce(CancellationToken) -> F,
    ) -> Self {
        let stop = CancellationToken::new();
        Self { name, handle: tokio::spawn(run(stop.clone())), stop }
    }

    /// Asks it to stop and waits for it.
    async fn finish(self) {
        self.stop.cancel();
        stages::report(self.name, self.handle.await);
    }
}

/// Serves `/metrics`, `/health`, `/ready` and `/status` on `[metrics] listen`.
async fn serve_metrics(cfg: &Config, probe: Arc<Probe>) -> Result<Task, DaemonError> {
    let listener = tokio::net::TcpListener::bind(&cfg.metrics.listen)
        .await
        .map_err(|source| DaemonError::Metrics { addr: cfg.metrics.listen.clone(), source })?;
    Ok(Task::spawn("metrics", |stop| crate::http::serve(listener, probe, stop)))
}

/// Commits the outputs' starting positions.
async fn first_commit(committer: &Arc<Committer>, cfg: &Config) -> Result<(), DaemonError> {
    let me = committer.clone();
    let message = match tokio::task::spawn_blocking(move || me.commit()).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(message)) => message,
        Err(e) => e.to_string(),
    };
    Err(StateError::Io { path: cfg.state.dir.clone(), message }.into())
}

/// Waits for the source and then every stage to finish; once `stop` is cancelled they have
/// `grace` to do so, then whatever still runs is aborted (true: its input is read again on
/// restart).
async fn drain(
    source: tokio::task::JoinHandle<()>,
    stages: &Stages,
    stop: &CancellationToken,
    grace: Duration,
) -> bool {
    let source_abort = source.abort_handle();
    let all = async {
        stages::report("source", source.await);
        stages.join().await;
    };
    let deadline = async {
        stop.cancelled().await;
        info!(grace_ms = grace.as_millis() as u64, "Stopping: draining stages.");
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = all => false,
        () = deadline => {
            warn!("Shutdown grace period ran out; aborting unfinished stages. Unwritten documents will be read again on restart.");
            source_abort.abort();
            stages.abort();
            true
        }
    }
}

/// The probe `/status`, `/metrics` and the progress line read.
fn probe(
    stages: &Arc<Stages>,
    state: &Persisted,
    dedup: &Live<Dedup>,
    outputs: &Arc<Outputs>,
    health: &Arc<Health>,
    role: RoleProbe,
) -> Probe {
    let stage_probes = StageId::ALL
        .iter()
        .map(|&id| StageProbe {
            name: id.name(),
            counters: stages.counters(id).clone(),
            queue: stages.queue(id).cloned(),
            pool: stages.pool(id).cloned(),
        })
        .collect();
    let outputs = outputs.clone();
    Probe {
        stages: stage_probes,
        tracker: state.tracker.clone(),
        index: state.index.clone(),
        dedup: dedup.get().counts(),
        output_bytes: Box::new(move || (outputs.articles.bytes_written(), outputs.rejected.bytes_written())),
        health: health.clone(),
        started: std::time::Instant::now(),
        role,
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
        let sink = s.stages.iter().find(|st| st.stage == StageId::Sink.name()).map_or(0, |st| st.received);
        let done = sink + s.stages.iter().map(|st| st.rejected).sum::<u64>();
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
