//! The chain of stages, known by [`StageId`]: the bounded channels between them, their workers
//! (through the generic [`crate::runner`]), their counters, and what a reload or the status probe
//! asks of them (worker counts, channel bounds, queue depths).

use std::sync::Arc;

use tracing::{error, info};

use crate::channel::Queue;
use crate::config::Config;
use crate::live::Live;
use crate::record::{Acknowledge, Cleaned, Document, Extracted, Rejection};
use crate::runner::{DeadLetterTx, Stage, StageContext, StageCounters, spawn_stage};
use crate::sink::{DeadLetterStage, SinkStage};
use crate::stages::clean::Cleaner;
use crate::stages::dedup::Dedup;
use crate::stages::extract::Extractor;

/// A stage of the pipeline, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageId {
    /// Reads the inputs.
    Source,
    /// Sorts article lines from the page's other lines.
    Clean,
    /// Builds the article record.
    Extract,
    /// Finds copies and stories.
    Dedup,
    /// Writes articles.
    Sink,
    /// Writes rejections.
    DeadLetter,
}

impl StageId {
    /// Every stage, in pipeline order.
    pub const ALL: [StageId; 6] =
        [StageId::Source, StageId::Clean, StageId::Extract, StageId::Dedup, StageId::Sink, StageId::DeadLetter];

    /// The stages that run on worker pools of the runner (all but the source).
    pub(crate) const POOLED: [StageId; 5] =
        [StageId::Clean, StageId::Extract, StageId::Dedup, StageId::Sink, StageId::DeadLetter];

    /// Its name in logs, metrics and config sections.
    pub fn name(self) -> &'static str {
        match self {
            StageId::Source => "source",
            StageId::Clean => "clean",
            StageId::Extract => "extract",
            StageId::Dedup => "dedup",
            StageId::Sink => "sink",
            StageId::DeadLetter => "dead_letter",
        }
    }

    /// Its workers and input bound as `cfg` sets them (`None` for the source, whose input is
    /// not a channel of the pipeline; the dead letter has one worker).
    pub(crate) fn sizes(self, cfg: &Config) -> Option<(usize, usize)> {
        Some(match self {
            StageId::Source => return None,
            StageId::Clean => (cfg.clean.workers.get(), cfg.clean.channel_capacity.get()),
            StageId::Extract => (cfg.extract.workers.get(), cfg.extract.channel_capacity.get()),
            StageId::Dedup => (cfg.dedup.workers.get(), cfg.dedup.channel_capacity.get()),
            StageId::Sink => (cfg.sink.workers.get(), cfg.sink.channel_capacity.get()),
            StageId::DeadLetter => (1, cfg.dead_letter.channel_capacity.get()),
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How every stage's workers, the source's readers among them, wait for items and are scheduled
/// (`[runtime]`).
pub(super) fn pace(cfg: &Config) -> crate::runner::Pace {
    crate::runner::Pace { linger: cfg.runtime.linger(), scheduling: cfg.runtime.worker_scheduling }
}

/// The logic each pooled stage runs; a reload replaces it through the [`Live`] cells.
pub(super) struct Logic {
    pub cleaner: Arc<Live<Cleaner>>,
    pub extractor: Arc<Live<Extractor>>,
    pub dedup: Arc<Live<Dedup>>,
    pub sink: SinkStage,
    pub dead_letter: DeadLetterStage,
}

/// The running chain after the source.
pub(super) struct Stages {
    counters: [Arc<StageCounters>; 6],
    /// Worker pools of the pooled stages, by [`StageId::index`] (none for the source).
    pools: [Option<Arc<Stage>>; 6],
    /// Input channels of the pooled stages.
    queues: [Option<Arc<dyn Queue>>; 6],
}

/// The ends the source is given.
pub(super) struct SourceEnds {
    /// Where documents go.
    pub out: crate::channel::Sender<Document>,
    /// Where articles already extracted go (the dedup role's source): the dedup stage's input.
    pub extracted: crate::channel::Sender<Extracted>,
    /// Where the source's rejections go.
    pub dead_letter: DeadLetterTx,
    /// The source's counters.
    pub counters: Arc<StageCounters>,
}

impl Stages {
    /// Builds the channels and starts every pooled stage's workers; returns the ends for the
    /// source. Each stage's input closes once every stage before it is done.
    pub(super) fn start(cfg: &Config, logic: Logic, acks: Arc<dyn Acknowledge>) -> (Self, SourceEnds) {
        let counters: [Arc<StageCounters>; 6] = std::array::from_fn(|_| Arc::new(StageCounters::default()));
        let size = |id: StageId| id.sizes(cfg).unwrap_or((1, 1));
        let (dl_tx, dl_rx) = crate::channel::bounded::<Rejection>(size(StageId::DeadLetter).1);
        let (clean_tx, clean_rx) = crate::channel::bounded::<Document>(size(StageId::Clean).1);
        let (extract_tx, extract_rx) = crate::channel::bounded::<Cleaned>(size(StageId::Extract).1);
        let (dedup_tx, dedup_rx) = crate::channel::bounded::<Extracted>(size(StageId::Dedup).1);
        let (sink_tx, sink_rx) = crate::channel::bounded::<Extracted>(size(StageId::Sink).1);
        // Read by the probe, changed by a reload; they keep no channel open.
        let mut queues: [Option<Arc<dyn Queue>>; 6] = Default::default();
        queues[StageId::Clean.index()] = Some(Arc::new(clean_rx.control().with_sender(&clean_tx)));
        queues[StageId::Extract.index()] = Some(Arc::new(extract_rx.control().with_sender(&extract_tx)));
        queues[StageId::Dedup.index()] = Some(Arc::new(dedup_rx.control().with_sender(&dedup_tx)));
        queues[StageId::Sink.index()] = Some(Arc::new(sink_rx.control().with_sender(&sink_tx)));
        queues[StageId::DeadLetter.index()] = Some(Arc::new(dl_rx.control().with_sender(&dl_tx)));

        let dead_letter = DeadLetterTx::new(dl_tx, cfg.dead_letter.excerpt_bytes.get());
        let ctx = |id: StageId, dead_letter: Option<DeadLetterTx>| StageContext {
            counters: counters[id.index()].clone(),
            dead_letter,
            acks: acks.clone(),
            pace: pace(cfg),
        };
        let mut pools: [Option<Arc<Stage>>; 6] = Default::default();
        let dl = || Some(dead_letter.clone());
        let mut start = |id: StageId, stage: Stage| pools[id.index()] = Some(Arc::new(stage));
        let workers = |id: StageId| size(id).0;
        let (clean, extract, dedup) = (StageId::Clean, StageId::Extract, StageId::Dedup);
        start(clean, spawn_stage(logic.cleaner, workers(clean), clean_rx, Some(extract_tx), ctx(clean, dl())));
        let extracted = dedup_tx.clone();
        start(extract, spawn_stage(logic.extractor, workers(extract), extract_rx, Some(dedup_tx), ctx(extract, dl())));
        start(dedup, spawn_stage(logic.dedup, workers(dedup), dedup_rx, Some(sink_tx), ctx(dedup, dl())));
        let sink = StageId::Sink;
        start(sink, spawn_stage(Arc::new(logic.sink), workers(sink), sink_rx, None, ctx(sink, dl())));
        // The dead letter has nowhere to send its own failures (they are logged): its input
        // closes once every other stage, and so every sender, is gone.
        let dead = StageId::DeadLetter;
        start(dead, spawn_stage(Arc::new(logic.dead_letter), workers(dead), dl_rx, None, ctx(dead, None)));
        let ends =
            SourceEnds { out: clean_tx, extracted, dead_letter, counters: counters[StageId::Source.index()].clone() };
        (Self { counters, pools, queues }, ends)
    }

    /// A stage's counters.
    pub(super) fn counters(&self, id: StageId) -> &Arc<StageCounters> {
        &self.counters[id.index()]
    }

    /// A pooled stage's workers.
    pub(super) fn pool(&self, id: StageId) -> Option<&Arc<Stage>> {
        self.pools[id.index()].as_ref()
    }

    /// A pooled stage's input channel.
    pub(super) fn queue(&self, id: StageId) -> Option<&Arc<dyn Queue>> {
        self.queues[id.index()].as_ref()
    }

    /// Waits for every pooled stage to finish, in pipeline order (each one's input closes when
    /// the one before it is done; the dead letter's when all are).
    pub(super) async fn join(&self) {
        for id in StageId::POOLED {
            if let Some(pool) = self.pool(id) {
                pool.join().await;
            }
        }
    }

    /// Aborts every worker still running (a forced shutdown).
    pub(super) fn abort(&self) {
        self.pools.iter().flatten().flat_map(|p| p.abort_handles()).for_each(|a| a.abort());
    }

    /// Every stage's counters, for the end of a run.
    pub(super) fn summary(&self, forced: bool) -> super::Summary {
        let stages = StageId::ALL
            .iter()
            .map(|&id| {
                let (received, sent, rejected, dropped) = self.counters(id).snapshot();
                let cpu_ms = crate::cpu_time::millis(self.counters(id).cpu());
                super::StageSummary { stage: id.name(), received, sent, rejected, dropped, cpu_ms }
            })
            .collect();
        super::Summary { stages, forced, committed: true, cpu_ms: crate::cpu_time::process_ms() }
    }

    /// Logs every stage's counters.
    pub(super) fn log_counters(&self) {
        for id in StageId::ALL {
            let (received, sent, rejected, dropped) = self.counters(id).snapshot();
            info!(stage = id.name(), received, sent, rejected, dropped, "Stage counters.");
        }
    }
}

/// Logs a task that ended in a panic or was aborted.
pub(super) fn report(stage: &'static str, result: Result<(), tokio::task::JoinError>) {
    if let Err(error) = result {
        error!(stage, %error, "Stage task failed.");
    }
}
