//! The one worker loop every stage goes through. A stage is a plain sync [`Transform`] (or, for a
//! reader that makes many documents of one file, a `Work` of its own); the runner owns the
//! rest: `workers` threads sharing one bounded input channel (each named after the stage and its
//! number while it works for it), a tracing span per worker, per-stage counters, scaling, and the
//! error policy: a rejected item or a panicking transform becomes a dead-letter record and the
//! worker goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tracing::{debug, error, info_span, warn};

use crate::live::Live;
use crate::logging::panic_message;
use crate::record::{Acknowledge, Provenance, Reject, Rejection, Tracked, now_rfc3339, truncate_str};

/// What a transform made of one item.
#[derive(Debug)]
pub enum Outcome<T> {
    /// Pass this on to the next stage.
    Emit(T),
    /// Deliberately not passed on (e.g. a dropped duplicate); the item counts as handled.
    Drop,
}

/// One stage's logic: a plain function from one item to the next.
pub trait Transform: Send + Sync + 'static {
    /// What the stage takes.
    type In: Tracked + Send + 'static;
    /// What it gives.
    type Out: Send + 'static;
    /// The stage's name in logs, counters and dead-letter records.
    const STAGE: &'static str;
    /// Handles one item (on a worker thread of its own: it may use the CPU or block).
    fn process(&self, input: Self::In) -> Result<Outcome<Self::Out>, Reject>;
}

/// What a stage's workers do with each item they take from its input. A [`Transform`] is run,
/// checked and sent on by the runner; a stage whose item gives any number of outputs, sent as
/// they are made (a file of JSON lines), implements this itself.
pub(crate) trait Work: Send + Sync + 'static {
    /// What the workers take.
    type In: Send + 'static;
    /// The stage's name in spans.
    const STAGE: &'static str;
    /// Handles one item; `false` stops the worker (where it sends to is gone).
    fn take(&self, item: Self::In) -> bool;
    /// The stage's counters, which the workers charge their CPU time to.
    fn counters(&self) -> &StageCounters;
}

/// Name of the processing-time histogram every worker records into.
pub const PROCESSING_SECONDS: &str = "newsmill_stage_processing_seconds";

/// The sending side of the dead letter, cloned into every stage.
#[derive(Clone, Debug)]
pub struct DeadLetterTx {
    tx: crate::channel::Sender<Rejection>,
    excerpt_bytes: usize,
}

impl DeadLetterTx {
    /// A sender into `tx` that cuts excerpts to `excerpt_bytes`.
    pub fn new(tx: crate::channel::Sender<Rejection>, excerpt_bytes: usize) -> Self {
        Self { tx, excerpt_bytes }
    }

    /// Sends a rejection to the writer, waiting for room (backpressure like any channel).
    pub async fn send(&self, mut rejection: Rejection) {
        rejection.excerpt = truncate_str(&rejection.excerpt, self.excerpt_bytes).to_string();
        if let Err(e) = self.tx.send(rejection).await {
            // Only possible once the writer has stopped, which happens after every stage has.
            error!(path = %e.0.path, reason = %e.0.reason, "Dead letter is closed; rejection not recorded.");
        }
    }

    /// Same as [`DeadLetterTx::send`], from a blocking thread.
    pub(crate) fn send_blocking(&self, mut rejection: Rejection) {
        rejection.excerpt = truncate_str(&rejection.excerpt, self.excerpt_bytes).to_string();
        if let Err(e) = self.tx.send_blocking(rejection) {
            error!(path = %e.0.path, reason = %e.0.reason, "Dead letter is closed; rejection not recorded.");
        }
    }
}

/// Per-stage counters, shared by the stage's workers.
#[derive(Debug, Default)]
pub struct StageCounters {
    /// Items taken from the input channel.
    pub received: AtomicU64,
    /// Items passed on.
    pub sent: AtomicU64,
    /// Items sent to the dead letter.
    pub rejected: AtomicU64,
    /// Items deliberately not passed on.
    pub dropped: AtomicU64,
    /// CPU time the stage's workers spent, in nanoseconds (charged as they go; see
    /// [`crate::cpu_time::Meter`]).
    pub cpu_ns: AtomicU64,
}

impl StageCounters {
    /// `(received, sent, rejected, dropped)` right now.
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.received.load(Ordering::Relaxed),
            self.sent.load(Ordering::Relaxed),
            self.rejected.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }

    /// CPU time the stage's workers have spent so far.
    pub fn cpu(&self) -> Duration {
        Duration::from_nanos(self.cpu_ns.load(Ordering::Relaxed))
    }
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Everything a stage's workers share.
pub(crate) struct StageContext {
    /// Counters of this stage.
    pub counters: Arc<StageCounters>,
    /// Where rejections go (`None` for the dead letter's own stage).
    pub dead_letter: Option<DeadLetterTx>,
    /// To acknowledge items that end here on purpose.
    pub acks: Arc<dyn Acknowledge>,
    /// How its workers wait for items and are scheduled.
    pub pace: Pace,
}

/// How a stage's workers wait for items and ask to be scheduled (`[runtime]`).
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// How long a worker that finds its input empty after an item waits before it sleeps on the
    /// queue (`linger_ms`; see [`spawn_workers`]).
    pub linger: Duration,
    /// The workers' scheduling policy (`worker_scheduling`).
    pub scheduling: crate::sched::Scheduling,
}

/// A running stage: its workers, and what it takes to start more or let some go.
pub struct Stage {
    name: &'static str,
    handles: std::sync::Mutex<Vec<JoinHandle<()>>>,
    /// Workers wanted.
    target: Arc<AtomicUsize>,
    /// Workers asked to stop after their current item (scaling down).
    to_quit: Arc<AtomicUsize>,
    next_id: AtomicUsize,
    /// Starts one more worker. It holds a sender of the next stage's channel, so it is dropped
    /// once the workers are done, for that channel to close.
    spawn: std::sync::Mutex<Option<Spawner>>,
}

type Spawner = Box<dyn Fn(usize) -> JoinHandle<()> + Send + Sync>;

impl Stage {
    /// Workers wanted right now.
    pub fn workers(&self) -> usize {
        self.target.load(Ordering::Relaxed)
    }

    /// Scales to `n` workers (at least one): new workers start at once; surplus ones stop after
    /// the item they are on (or, when idle, after the next one they take), so nothing is dropped.
    pub fn scale(&self, n: usize) {
        let n = n.max(1);
        let before = self.target.swap(n, Ordering::SeqCst);
        if n > before {
            // Cancel pending quits first: a worker asked to stop that has not yet stopped stays.
            let mut more = n - before;
            while more > 0
                && self.to_quit.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |q| q.checked_sub(1)).is_ok()
            {
                more -= 1;
            }
            let spawn = self.spawn.lock().unwrap_or_else(|e| e.into_inner());
            let Some(spawn) = spawn.as_ref() else { return };
            let mut handles = self.handles.lock().unwrap_or_else(|e| e.into_inner());
            handles.retain(|h| !h.is_finished());
            for _ in 0..more {
                handles.push(spawn(self.next_id.fetch_add(1, Ordering::Relaxed)));
            }
        } else if n < before {
            self.to_quit.fetch_add(before - n, Ordering::SeqCst);
        }
    }

    /// Waits for every worker, including ones started while waiting, to finish (the stage's
    /// input closes first).
    pub async fn join(&self) {
        loop {
            let next = self.handles.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let Some(h) = next else { break };
            if let Err(error) = h.await {
                error!(stage = self.name, %error, "Stage task failed.");
            }
        }
        // No more workers: let go of the next stage's channel so that it closes.
        self.spawn.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Abort handles of the workers running now (for a forced shutdown).
    pub(crate) fn abort_handles(&self) -> Vec<tokio::task::AbortHandle> {
        self.handles.lock().unwrap_or_else(|e| e.into_inner()).iter().map(JoinHandle::abort_handle).collect()
    }
}

/// Starts `workers` workers running `transform` from `input` to `output` (`None` for the last
/// stage).
pub(crate) fn spawn_stage<T: Transform>(
    transform: Arc<T>,
    workers: usize,
    input: crate::channel::Receiver<T::In>,
    output: Option<crate::channel::Sender<T::Out>>,
    ctx: StageContext,
) -> Stage {
    // The histogram is looked up once rather than per document (a no-op unless the metrics
    // recorder was installed before the stage started).
    let timing = metrics::histogram!(PROCESSING_SECONDS, "stage" => T::STAGE);
    let pace = ctx.pace;
    spawn_workers(Arc::new(Pass { transform, output, ctx, timing }), workers, pace, input)
}

/// Starts `workers` workers doing `work` on what arrives on `input`, each on a blocking-pool
/// thread of its own that uses the channels' blocking calls: CPU-heavy or blocking work then
/// costs no hop between threads per item.
///
/// A worker that finds its input empty right after an item waits `linger` before it sleeps on
/// the queue: a worker asleep on a queue is woken by every item sent (a thread switch each, and
/// the caches of the thread it displaced), while one that lingers takes what arrived meanwhile in
/// one go. An idle worker sleeps on the queue after a single linger, so an idle daemon makes no
/// wake-ups; a busy stage adds at most `linger` to an item's way through it.
pub(crate) fn spawn_workers<W: Work>(
    work: Arc<W>,
    workers: usize,
    pace: Pace,
    input: crate::channel::Receiver<W::In>,
) -> Stage {
    let Pace { linger, scheduling } = pace;
    let to_quit = Arc::new(AtomicUsize::new(0));
    let quit = to_quit.clone();
    // The spawner holds `work`, and with it the next stage's sender: it is dropped once the
    // workers are done, for that channel to close.
    let spawn = move |worker: usize| {
        let (work, input, quit) = (work.clone(), input.clone(), quit.clone());
        let span = info_span!("worker", stage = W::STAGE, worker);
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let _scheduled = scheduling.enter();
            let _named = crate::thread_name::enter(W::STAGE, worker);
            let mut meter = crate::cpu_time::Meter::start();
            let cpu = &work.counters().cpu_ns;
            debug!("Worker started.");
            // Set by an item: the next time the input is empty, wait `linger` once before
            // sleeping on it.
            let mut may_linger = false;
            while !should_quit(&quit) {
                let item = match input.try_recv() {
                    Some(item) => item,
                    // An ended input has nothing to linger for: at shutdown every stage
                    // would otherwise wait out its linger in turn.
                    None if may_linger && !input.is_finished() => {
                        may_linger = false;
                        meter.charge(cpu);
                        std::thread::sleep(linger);
                        continue;
                    }
                    None => {
                        meter.charge(cpu);
                        match input.recv_blocking() {
                            Ok(item) => item,
                            Err(_) => break,
                        }
                    }
                };
                may_linger = !linger.is_zero();
                let more = work.take(item);
                meter.item(cpu);
                if !more {
                    break;
                }
            }
            meter.charge(cpu);
            debug!("Input closed; worker done.");
        })
    };
    let workers = workers.max(1);
    let handles = (0..workers).map(&spawn).collect();
    Stage {
        name: W::STAGE,
        handles: std::sync::Mutex::new(handles),
        target: Arc::new(AtomicUsize::new(workers)),
        to_quit,
        next_id: AtomicUsize::new(workers),
        spawn: std::sync::Mutex::new(Some(Box::new(spawn))),
    }
}

/// Takes one of the pending quits, if any: this worker then stops.
fn should_quit(quit: &AtomicUsize) -> bool {
    quit.load(Ordering::Relaxed) > 0
        && quit.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |q| q.checked_sub(1)).is_ok()
}

/// A stage whose logic a config reload replaces: every item is handled by whichever version is
/// current when it arrives.
impl<T: Transform> Transform for Live<T> {
    type In = T::In;
    type Out = T::Out;
    const STAGE: &'static str = T::STAGE;

    fn process(&self, input: Self::In) -> Result<Outcome<Self::Out>, Reject> {
        self.get().process(input)
    }
}

/// A transform's work: run it on the item, apply the error policy, send on what it made.
struct Pass<T: Transform> {
    transform: Arc<T>,
    output: Option<crate::channel::Sender<T::Out>>,
    ctx: StageContext,
    timing: metrics::Histogram,
}

impl<T: Transform> Work for Pass<T> {
    type In = T::In;
    const STAGE: &'static str = T::STAGE;

    fn take(&self, item: T::In) -> bool {
        match handle(&*self.transform, item, &self.ctx, &self.timing) {
            Next::Send(out) => {
                if let Some(tx) = &self.output
                    && tx.send_blocking(out).is_err()
                {
                    error!("Next stage is gone; stopping worker.");
                    return false;
                }
                inc(&self.ctx.counters.sent);
            }
            Next::DeadLetter(dl, r) => dl.send_blocking(*r),
            Next::Done => {}
        }
        true
    }

    fn counters(&self) -> &StageCounters {
        &self.ctx.counters
    }
}

/// What a worker does after one item.
enum Next<'a, T> {
    Send(T),
    DeadLetter(&'a DeadLetterTx, Box<Rejection>),
    Done,
}

/// Runs the transform on one item and applies the error policy; the caller does the sending.
fn handle<'c, T: Transform>(
    transform: &T,
    item: T::In,
    ctx: &'c StageContext,
    timing: &metrics::Histogram,
) -> Next<'c, T::Out> {
    inc(&ctx.counters.received);
    let prov = item.prov().cloned();
    let doc = prov.as_ref().map_or("-", |p| &*p.id);
    let path = prov.as_ref().map_or(std::path::Path::new("-"), |p| &*p.path);
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| transform.process(item)));
    let elapsed = started.elapsed();
    timing.record(elapsed.as_secs_f64());
    let elapsed_us = elapsed.as_micros() as u64;
    match result {
        Ok(Ok(Outcome::Emit(out))) => {
            debug!(doc, elapsed_us, "Processed.");
            Next::Send(out)
        }
        Ok(Ok(Outcome::Drop)) => {
            debug!(doc, elapsed_us, "Dropped on purpose.");
            if let Some(p) = &prov {
                ctx.acks.ack(&p.ticket);
            }
            inc(&ctx.counters.dropped);
            Next::Done
        }
        Ok(Err(reject)) => {
            warn!(doc, path = %path.display(), kind = reject.kind, reason = %reject.reason, "Rejected input.");
            inc(&ctx.counters.rejected);
            dead_letter(T::STAGE, prov.as_ref(), ctx, reject)
        }
        Err(panic) => {
            let message = panic_message(panic.as_ref());
            error!(doc, path = %path.display(), panic = %message, "Transform panicked; input sent to the dead letter.");
            inc(&ctx.counters.rejected);
            let reject = Reject::new("panic", format!("{} worker panicked: {message}", T::STAGE), String::new());
            dead_letter(T::STAGE, prov.as_ref(), ctx, reject)
        }
    }
}

/// The dead-letter record for a refused item; what the dead letter itself failed on (it has no
/// provenance and no dead letter to go to) can only be logged.
fn dead_letter<'c, T>(
    stage: &'static str,
    prov: Option<&Provenance>,
    ctx: &'c StageContext,
    reject: Reject,
) -> Next<'c, T> {
    match (prov, &ctx.dead_letter) {
        (Some(p), Some(dl)) => Next::DeadLetter(dl, Box::new(rejection(stage, p, reject))),
        _ => {
            error!(stage, kind = reject.kind, reason = %reject.reason, "A rejection could not be written anywhere.");
            Next::Done
        }
    }
}

/// Builds the dead-letter record for an item a stage refused.
pub fn rejection(stage: &'static str, prov: &Provenance, reject: Reject) -> Rejection {
    Rejection {
        id: Some(prov.id.to_string()),
        path: prov.path.display().to_string(),
        offset: prov.offset,
        stage,
        kind: reject.kind,
        reason: reject.reason,
        excerpt: reject.excerpt,
        rejected_at: now_rfc3339(),
        ticket: Some(prov.ticket),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Document, Rejection};
    use crate::stages::test_document;

    /// Panics on documents containing "boom", rejects "bad", drops "skip", passes the rest.
    struct Picky;

    impl Transform for Picky {
        type In = Document;
        type Out = String;
        const STAGE: &'static str = "picky";

        fn process(&self, doc: Document) -> Result<Outcome<String>, Reject> {
            match doc.text.as_str() {
                "boom" => panic!("exploded on purpose"),
                "bad" => Err(Reject::new("bad_input", "it was bad", "bad")),
                "skip" => Ok(Outcome::Drop),
                _ => Ok(Outcome::Emit(doc.text)),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lingering_worker_takes_what_comes_later_and_stops_when_its_input_closes() {
        let (in_tx, in_rx) = crate::channel::bounded(4);
        let (out_tx, out_rx) = crate::channel::bounded(8);
        let (dl_tx, _dl_rx) = crate::channel::bounded::<Rejection>(4);
        let ctx = StageContext {
            counters: Arc::new(StageCounters::default()),
            dead_letter: Some(DeadLetterTx::new(dl_tx, 100)),
            acks: Arc::new(crate::stages::source::checkpoint::Tracker::new(10, vec![])),
            pace: Pace { linger: Duration::from_millis(20), scheduling: crate::sched::Scheduling::Normal },
        };
        let stage = spawn_stage(Arc::new(Picky), 1, in_rx, Some(out_tx), ctx);
        // One item, then a pause longer than the linger (the worker goes back to sleeping on the
        // queue), then a burst: the first wakes it, the rest it takes as they come.
        in_tx.send(test_document("a")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        for text in ["b", "c", "d"] {
            in_tx.send(test_document(text)).await.unwrap();
        }
        in_tx.close();
        stage.join().await;
        let out: Vec<String> = std::iter::from_fn(|| out_rx.try_recv()).collect();
        assert_eq!(out, ["a", "b", "c", "d"]);
    }

    /// Records the scheduling policy and the name of the thread each item is taken on.
    #[cfg(target_os = "linux")]
    struct Threads(std::sync::Mutex<Vec<(i32, String)>>, StageCounters);

    /// The calling thread's scheduling policy and name.
    #[cfg(target_os = "linux")]
    fn this_thread() -> (i32, String) {
        // SAFETY: pid 0 is the calling thread.
        let policy = unsafe { libc::sched_getscheduler(0) };
        let name = std::fs::read_to_string("/proc/thread-self/comm").unwrap_or_default();
        (policy, name.trim_end().to_string())
    }

    #[cfg(target_os = "linux")]
    impl Work for Threads {
        type In = ();
        const STAGE: &'static str = "threads";

        fn take(&self, (): ()) -> bool {
            self.0.lock().unwrap().push(this_thread());
            // 2 ms of this thread's CPU, for the stage to be charged with.
            crate::cpu_time::spin(Duration::from_millis(2));
            true
        }

        fn counters(&self) -> &StageCounters {
            &self.1
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn workers_run_under_the_policy_asked_for_and_their_name_are_charged_their_cpu_and_their_threads_go_back_as_they_came()
     {
        for (scheduling, policy) in [
            (crate::sched::Scheduling::Batch, libc::SCHED_BATCH),
            (crate::sched::Scheduling::Normal, libc::SCHED_OTHER),
        ] {
            let (tx, rx) = crate::channel::bounded(4);
            let work = Arc::new(Threads(std::sync::Mutex::new(Vec::new()), StageCounters::default()));
            let pace = Pace { linger: Duration::ZERO, scheduling };
            let stage = spawn_workers(work.clone(), 2, pace, rx);
            for () in [(); 6] {
                tx.send(()).await.unwrap();
            }
            tx.close();
            stage.join().await;
            let seen = work.0.lock().unwrap().clone();
            assert_eq!(seen.len(), 6);
            // Every item's CPU is charged to the stage by the time its workers are done, whichever
            // worker ran it.
            assert!(work.1.cpu() >= Duration::from_millis(12), "{:?}", work.1.cpu());
            for (p, name) in &seen {
                assert_eq!(*p, policy);
                assert!(name == "threads-0" || name == "threads-1", "worker thread named {name:?}");
            }
            // A blocking-pool thread taken afterwards (one the workers ran on, when the pool
            // hands back an idle one) runs under the normal policy and its pool's name.
            let (after, name) = tokio::task::spawn_blocking(this_thread).await.unwrap();
            assert_eq!(after, libc::SCHED_OTHER);
            assert!(!name.starts_with("threads-"), "the pool's thread kept the worker's name {name:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn panics_and_rejections_go_to_the_dead_letter_and_the_worker_goes_on() {
        let (in_tx, in_rx) = crate::channel::bounded(4);
        let (out_tx, out_rx) = crate::channel::bounded(4);
        let (dl_tx, dl_rx) = crate::channel::bounded::<Rejection>(4);
        let counters = Arc::new(StageCounters::default());
        let ctx = StageContext {
            counters: counters.clone(),
            dead_letter: Some(DeadLetterTx::new(dl_tx, 100)),
            acks: Arc::new(crate::stages::source::checkpoint::Tracker::new(10, vec![])),
            pace: Pace { linger: Duration::from_millis(1), scheduling: crate::sched::Scheduling::Batch },
        };
        let stage = spawn_stage(Arc::new(Picky), 1, in_rx, Some(out_tx), ctx);
        for text in ["a", "boom", "bad", "skip", "b"] {
            in_tx.send(test_document(text)).await.unwrap();
        }
        in_tx.close();
        stage.join().await;
        let out: Vec<String> = std::iter::from_fn(|| out_rx.try_recv()).collect();
        assert_eq!(out, ["a", "b"]);
        let dead: Vec<Rejection> = std::iter::from_fn(|| dl_rx.try_recv()).collect();
        assert_eq!(dead.len(), 2);
        assert_eq!((dead[0].kind, dead[0].stage), ("panic", "picky"));
        assert!(dead[0].reason.contains("exploded on purpose"));
        assert_eq!(dead[1].kind, "bad_input");
        assert_eq!(counters.snapshot(), (5, 2, 2, 1));
    }
}
