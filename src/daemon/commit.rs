//! The commit point: flushes the outputs, acknowledges what they made durable, and commits the
//! state together with the outputs' positions, in one transaction: the one point that input
//! checkpoints, dedup window, feed memory and outputs agree on. Each component's persisted state
//! takes part through [`crate::state::Persist`]; the outputs through [`Sink`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::stages::Stages;
use crate::record::Acknowledge;
use crate::sink::Sink;
use crate::state::{Part, StateStore};
use crate::status::Health;

/// The longest wait between commit attempts while commits fail.
const MAX_COMMIT_BACKOFF: Duration = Duration::from_secs(30);

/// One output as the committer sees it.
pub(super) struct Slot {
    /// Its key in the state ([`crate::sink::OutputSettings::key`]).
    key: String,
    output: Arc<dyn Sink>,
    /// The position the state holds.
    stored: Option<Vec<u8>>,
    /// Replaced by a reload: commits since, with nothing more to flush.
    retired: Option<u32>,
}

impl Slot {
    pub(super) fn new(key: String, output: Arc<dyn Sink>, stored: Option<Vec<u8>>) -> Self {
        Self { key, output, stored, retired: None }
    }
}

/// See the module docs.
pub(super) struct Committer {
    /// The outputs: the sink, the dead letter, and any a reload replaced that are still drained.
    outputs: Mutex<Vec<Slot>>,
    /// Hears of every record made durable.
    acks: Arc<dyn Acknowledge>,
    /// The persisted state of every component.
    parts: Vec<Arc<dyn Part>>,
    store: Arc<StateStore>,
    /// Where commit outcomes are reported.
    health: Arc<Health>,
}

impl Committer {
    pub(super) fn new(
        outputs: Vec<Slot>,
        acks: Arc<dyn Acknowledge>,
        parts: Vec<Arc<dyn Part>>,
        store: Arc<StateStore>,
        health: Arc<Health>,
    ) -> Self {
        Self { outputs: Mutex::new(outputs), acks, parts, store, health }
    }

    /// Adds a new output in place of the live one whose key starts with `holds`; the old one is
    /// drained by the next commits. Commits at once, so that the new output's starting position
    /// is in the state before anything is written to it.
    pub(super) fn replace_output(&self, holds: &str, slot: Slot) -> Result<(), String> {
        {
            let mut outputs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
            let prefix = format!("{holds}:");
            for s in outputs.iter_mut().filter(|s| s.key.starts_with(&prefix) && s.retired.is_none()) {
                s.retired = Some(0);
            }
            outputs.push(slot);
        }
        self.commit()
    }

    /// Flushes every output and commits; the errors of every part that failed, joined.
    pub(super) fn commit(&self) -> Result<(), String> {
        let mut errors = Vec::new();
        // The commit holds the outputs for its whole length, so a reload swaps them between commits.
        let mut outputs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        // Outputs that cannot take back what they send get only records whose dedup answers are
        // already durable (`Sink::seal`).
        let sealed = outputs.iter().fold(false, |any, slot| slot.output.seal() | any);
        if sealed && let Err(e) = self.store.commit(&self.parts, &[]) {
            return Err(e.to_string());
        }
        // Each output's durable records are acknowledged even when another output failed.
        let mut flushed: Vec<Option<(Vec<u8>, usize)>> = Vec::with_capacity(outputs.len());
        for slot in outputs.iter() {
            flushed.push(match slot.output.flush() {
                Ok(f) => {
                    f.tickets.iter().for_each(|t| self.acks.ack(t));
                    Some((f.position, f.tickets.len()))
                }
                Err(e) => {
                    errors.push(e.to_string());
                    None
                }
            });
        }
        let positions: Vec<(String, Vec<u8>)> = outputs
            .iter()
            .zip(&flushed)
            .filter_map(|(slot, f)| {
                let (p, _) = f.as_ref()?;
                (slot.stored.as_ref() != Some(p)).then(|| (slot.key.clone(), p.clone()))
            })
            .collect();
        if let Err(e) = self.store.commit(&self.parts, &positions) {
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
    pub(super) async fn commit_async(self: &Arc<Self>) -> bool {
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

/// Commits every `flush_interval_ms` (read afresh each time: a reload may change it) until
/// `stop`, backing off while commits fail; logs the stages' counters about once a minute.
pub(super) async fn run_loop(
    committer: Arc<Committer>,
    flush_interval_ms: Arc<std::sync::atomic::AtomicU64>,
    stages: Arc<Stages>,
    stop: CancellationToken,
) {
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
            () = stop.cancelled() => break,
        }
        ticks += 1;
        if ticks.is_multiple_of((60_000 / wait.as_millis().max(1) as u64).max(1)) {
            stages.log_counters();
        }
    }
}
