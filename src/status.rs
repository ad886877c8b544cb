//! What the running daemon reports about itself: one [`Probe`] reads every figure (stage
//! counters, queue depths, dedup, sink, source lag, commits, reloads) into a [`Status`], which is
//! served as JSON on `/status` and exported to Prometheus on `/metrics`. The figures are read at
//! request time from the counters the stages keep anyway, so the hot paths pay nothing for them
//! (the processing-time histogram, recorded by the runner, is the one exception).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::runner::StageCounters;
use crate::stages::dedup::{DedupCounts, SharedIndex};
use crate::stages::source::checkpoint::{Lag, Tracker};
use crate::stages::source::handoff::Position;

pub use crate::runner::PROCESSING_SECONDS;

/// Buckets of the processing-time histogram, in seconds (10 µs to 10 s).
pub(crate) const PROCESSING_BUCKETS: &[f64] =
    &[0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];

/// One stage as the probe sees it.
pub struct StageProbe {
    /// Stage name.
    pub name: &'static str,
    /// Its counters.
    pub counters: Arc<StageCounters>,
    /// Its input queue; `None` for the source.
    pub queue: Option<Arc<dyn crate::channel::Queue>>,
    /// Its workers; `None` for the source (one task).
    pub pool: Option<Arc<crate::runner::Stage>>,
}

/// Outcomes of commits and reloads, kept by the pipeline.
#[derive(Debug, Default)]
pub struct Health {
    /// Unix milliseconds of the last successful commit (0: none yet).
    pub last_commit_ms: AtomicI64,
    /// Commits that worked.
    pub commits_ok: AtomicU64,
    /// Commits that failed (disk full, unwritable output or state).
    pub commits_failed: AtomicU64,
    /// The last commit failed: the outputs are not writable right now.
    pub stalled: AtomicBool,
    /// The source cannot reach its input (a broker that is away).
    pub input_down: Arc<AtomicBool>,
    /// Config reloads applied.
    pub reloads_ok: AtomicU64,
    /// Config reloads refused (invalid config).
    pub reloads_failed: AtomicU64,
    /// Hash of the running config's text.
    pub config_hash: Mutex<String>,
}

impl Health {
    /// Records a commit's outcome.
    pub fn commit(&self, ok: bool) {
        if ok {
            self.last_commit_ms.store(jiff::Timestamp::now().as_millisecond(), Ordering::Relaxed);
            self.commits_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.commits_failed.fetch_add(1, Ordering::Relaxed);
        }
        self.stalled.store(!ok, Ordering::Relaxed);
    }
}

/// Reads every figure the daemon reports.
pub struct Probe {
    /// Stages in pipeline order.
    pub stages: Vec<StageProbe>,
    /// Read positions.
    pub tracker: Arc<Tracker>,
    /// The dedup window.
    pub index: SharedIndex,
    /// Dedup outcomes.
    pub dedup: Arc<DedupCounts>,
    /// Bytes written by the sink and the dead letter.
    pub output_bytes: Box<dyn Fn() -> (u64, u64) + Send + Sync>,
    /// Commits and reloads.
    pub health: Arc<Health>,
    /// When the pipeline started.
    pub started: Instant,
    /// The process' role.
    pub role: RoleProbe,
}

/// The process' role (`run --role`) and, in the dedup role, how far it has read.
pub struct RoleProbe {
    /// `all`, `extract` or `dedup`.
    pub role: &'static str,
    /// `active`, or `standby` (a dedup process waiting for the lease).
    pub state: &'static str,
    /// The dedup role's position in the internal stream.
    pub handoff: Option<Arc<Position>>,
}

/// `/status`' `role`.
#[derive(Debug, Clone, Serialize)]
pub struct RoleStatus {
    /// `all`, `extract` or `dedup`.
    pub role: &'static str,
    /// `active`, or `standby`.
    pub state: &'static str,
    /// The dedup role: the internal stream's sequence up to which everything is committed.
    pub position: Option<u64>,
    /// The dedup role: messages of the internal stream not yet committed here (read and on
    /// their way, or not read yet).
    pub lag: Option<u64>,
}

/// Everything `/status` says.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// newsmill's version.
    pub version: &'static str,
    /// Seconds since the pipeline started.
    pub uptime_secs: u64,
    /// CPU seconds the whole process has spent: the stages' workers, and the runtime's threads
    /// (scanning, commits, reloads, status) that no stage is charged for.
    pub cpu_seconds: f64,
    /// Hash of the running config's text (xxh3-64, hex).
    pub config_hash: String,
    /// State loaded, outputs writable and the input reachable.
    pub ready: bool,
    /// The source cannot reach its input (a broker that is away).
    pub input_down: bool,
    /// Per stage, in pipeline order.
    pub stages: Vec<StageStatus>,
    /// The source's lag.
    pub source: Lag,
    /// Dedup.
    pub dedup: DedupStatus,
    /// Outputs and commits.
    pub sink: SinkStatus,
    /// Config reloads.
    pub reloads: ReloadStatus,
    /// The process' role.
    pub role: RoleStatus,
}

/// One stage's figures.
#[derive(Debug, Clone, Serialize)]
pub struct StageStatus {
    /// Name.
    pub stage: &'static str,
    /// Items taken.
    pub received: u64,
    /// Items passed on.
    pub sent: u64,
    /// Items sent to the dead letter.
    pub rejected: u64,
    /// Items dropped on purpose.
    pub dropped: u64,
    /// Items waiting in its input queue.
    pub queue_depth: usize,
    /// The queue's capacity.
    pub queue_capacity: usize,
    /// Workers.
    pub workers: u64,
    /// CPU seconds its workers have spent since start (a busy stage's figure lags by a few
    /// items; a source other than files does its work on the runtime's threads and counts 0).
    pub cpu_seconds: f64,
}

/// Dedup figures.
#[derive(Debug, Clone, Serialize)]
pub struct DedupStatus {
    /// Documents held in the window.
    pub held: usize,
    /// Stories held.
    pub stories: usize,
    /// Documents first of their story.
    pub new: u64,
    /// Exact copies found.
    pub exact: u64,
    /// Near copies found.
    pub near: u64,
}

/// Output figures.
#[derive(Debug, Clone, Serialize)]
pub struct SinkStatus {
    /// Bytes written to the articles output since start.
    pub bytes: u64,
    /// Bytes written to the dead letter since start.
    pub dead_letter_bytes: u64,
    /// Unix milliseconds of the last successful commit (0: none yet).
    pub last_commit_ms: i64,
    /// Commits that worked.
    pub commits_ok: u64,
    /// Commits that failed.
    pub commits_failed: u64,
    /// The last commit failed (disk full or unwritable).
    pub stalled: bool,
}

/// Reload figures.
#[derive(Debug, Clone, Serialize)]
pub struct ReloadStatus {
    /// Applied.
    pub ok: u64,
    /// Refused.
    pub failed: u64,
}

impl Probe {
    /// Reads every figure now.
    pub fn status(&self) -> Status {
        let h = &self.health;
        let stages = self
            .stages
            .iter()
            .map(|s| {
                let (received, sent, rejected, dropped) = s.counters.snapshot();
                let (queue_depth, queue_capacity) = s.queue.as_ref().map_or((0, 0), |q| q.depth());
                StageStatus {
                    stage: s.name,
                    received,
                    sent,
                    rejected,
                    dropped,
                    queue_depth,
                    queue_capacity,
                    workers: s.pool.as_ref().map_or(1, |p| p.workers()) as u64,
                    cpu_seconds: s.counters.cpu().as_secs_f64(),
                }
            })
            .collect();
        let (held, stories) = {
            let idx = self.index.lock().unwrap_or_else(|e| e.into_inner());
            (idx.len(), idx.stories())
        };
        let (bytes, dead_letter_bytes) = (self.output_bytes)();
        let stalled = h.stalled.load(Ordering::Relaxed);
        let input_down = h.input_down.load(Ordering::Relaxed);
        Status {
            version: env!("CARGO_PKG_VERSION"),
            uptime_secs: self.started.elapsed().as_secs(),
            cpu_seconds: crate::cpu_time::process_now().unwrap_or_default().as_secs_f64(),
            config_hash: h.config_hash.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            ready: !stalled && !input_down,
            input_down,
            stages,
            source: self.tracker.lag(),
            dedup: DedupStatus {
                held,
                stories,
                new: self.dedup.new.load(Ordering::Relaxed),
                exact: self.dedup.exact.load(Ordering::Relaxed),
                near: self.dedup.near.load(Ordering::Relaxed),
            },
            sink: SinkStatus {
                bytes,
                dead_letter_bytes,
                last_commit_ms: h.last_commit_ms.load(Ordering::Relaxed),
                commits_ok: h.commits_ok.load(Ordering::Relaxed),
                commits_failed: h.commits_failed.load(Ordering::Relaxed),
                stalled,
            },
            reloads: ReloadStatus {
                ok: h.reloads_ok.load(Ordering::Relaxed),
                failed: h.reloads_failed.load(Ordering::Relaxed),
            },
            role: RoleStatus {
                role: self.role.role,
                state: self.role.state,
                position: self.role.handoff.as_ref().map(|p| p.durable()),
                lag: self.role.handoff.as_ref().map(|p| p.lag()),
            },
        }
    }
}

/// Hands a status's figures to the `metrics` recorder (Prometheus names and labels).
pub(crate) fn export(s: &Status) {
    use metrics::{counter, gauge};
    gauge!("newsmill_build_info", "version" => s.version).set(1.0);
    gauge!("newsmill_uptime_seconds").set(s.uptime_secs as f64);
    gauge!("newsmill_ready").set(if s.ready { 1.0 } else { 0.0 });
    // Gauges, as the `metrics` crate's counters hold integers; they only grow, so `rate()` over
    // them is the share of a core each stage uses.
    gauge!("newsmill_cpu_seconds").set(s.cpu_seconds);
    for st in &s.stages {
        let stage = st.stage;
        counter!("newsmill_stage_received_total", "stage" => stage).absolute(st.received);
        counter!("newsmill_stage_sent_total", "stage" => stage).absolute(st.sent);
        counter!("newsmill_stage_rejected_total", "stage" => stage).absolute(st.rejected);
        counter!("newsmill_stage_dropped_total", "stage" => stage).absolute(st.dropped);
        gauge!("newsmill_stage_queue_depth", "stage" => stage).set(st.queue_depth as f64);
        gauge!("newsmill_stage_queue_capacity", "stage" => stage).set(st.queue_capacity as f64);
        gauge!("newsmill_stage_workers", "stage" => stage).set(st.workers as f64);
        gauge!("newsmill_stage_cpu_seconds", "stage" => stage).set(st.cpu_seconds);
    }
    for (kind, n) in [("new", s.dedup.new), ("exact", s.dedup.exact), ("near", s.dedup.near)] {
        counter!("newsmill_dedup_documents_total", "kind" => kind).absolute(n);
    }
    gauge!("newsmill_dedup_index_documents").set(s.dedup.held as f64);
    gauge!("newsmill_dedup_index_stories").set(s.dedup.stories as f64);
    counter!("newsmill_sink_bytes_total", "output" => "articles").absolute(s.sink.bytes);
    counter!("newsmill_sink_bytes_total", "output" => "rejected").absolute(s.sink.dead_letter_bytes);
    gauge!("newsmill_last_commit_timestamp_seconds").set(s.sink.last_commit_ms as f64 / 1000.0);
    counter!("newsmill_commits_total", "result" => "ok").absolute(s.sink.commits_ok);
    counter!("newsmill_commits_total", "result" => "failed").absolute(s.sink.commits_failed);
    gauge!("newsmill_source_files").set(s.source.files as f64);
    gauge!("newsmill_source_unread_bytes").set(s.source.unread_bytes as f64);
    gauge!("newsmill_source_uncommitted_bytes").set(s.source.uncommitted_bytes as f64);
    gauge!("newsmill_documents_in_flight").set(s.source.in_flight as f64);
    counter!("newsmill_reloads_total", "result" => "ok").absolute(s.reloads.ok);
    counter!("newsmill_reloads_total", "result" => "failed").absolute(s.reloads.failed);
    // Both states, so that a standby that took over does not go on showing as one.
    for state in ["active", "standby"] {
        gauge!("newsmill_role", "role" => s.role.role, "state" => state)
            .set(f64::from(u8::from(state == s.role.state)));
    }
    if let (Some(position), Some(lag)) = (s.role.position, s.role.lag) {
        gauge!("newsmill_dedup_position").set(position as f64);
        gauge!("newsmill_dedup_lag").set(lag as f64);
    }
}
