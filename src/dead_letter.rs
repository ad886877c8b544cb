//! The dead letter: every input that could not become an article is written to its own JSON-lines
//! file with the stage, a reason and a bounded excerpt, and is acknowledged like a written article,
//! so bad input is neither lost nor retried forever.

use std::sync::Arc;

use tracing::{Instrument, error, info_span};

use crate::record::{Rejection, truncate_str};
use crate::sink::JsonlFile;

/// The sending side, cloned into every stage.
#[derive(Clone, Debug)]
pub struct DeadLetterTx {
    tx: async_channel::Sender<Rejection>,
    excerpt_bytes: usize,
}

impl DeadLetterTx {
    /// Sends a rejection to the writer, waiting for room (backpressure like any channel).
    pub async fn send(&self, mut rejection: Rejection) {
        rejection.excerpt = truncate_str(&rejection.excerpt, self.excerpt_bytes).to_string();
        if let Err(e) = self.tx.send(rejection).await {
            // Only possible once the writer has stopped, which happens after every stage has.
            error!(path = %e.0.path, reason = %e.0.reason, "Dead letter is closed; rejection not recorded.");
        }
    }

    /// Same as [`DeadLetterTx::send`], from a blocking thread.
    pub fn send_blocking(&self, mut rejection: Rejection) {
        rejection.excerpt = truncate_str(&rejection.excerpt, self.excerpt_bytes).to_string();
        if let Err(e) = self.tx.send_blocking(rejection) {
            error!(path = %e.0.path, reason = %e.0.reason, "Dead letter is closed; rejection not recorded.");
        }
    }
}

#[cfg(test)]
impl DeadLetterTx {
    /// A sender over a plain channel, for tests that inspect what is sent.
    pub(crate) fn for_tests(tx: async_channel::Sender<Rejection>, excerpt_bytes: usize) -> Self {
        Self { tx, excerpt_bytes }
    }
}

/// Creates the channel and spawns the writer task, which ends when every sender is dropped.
pub fn spawn(
    file: Arc<crate::sink::Swap<JsonlFile>>,
    capacity: usize,
    excerpt_bytes: usize,
    counter: Arc<crate::runner::StageCounters>,
) -> (DeadLetterTx, tokio::task::JoinHandle<()>) {
    let (tx, rx) = async_channel::bounded::<Rejection>(capacity);
    let task = async move {
        while let Ok(r) = rx.recv().await {
            counter.received.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let file = file.clone();
            let written = tokio::task::spawn_blocking(move || {
                let mut delay = std::time::Duration::from_millis(100);
                loop {
                    // Taken afresh on every try: a reload may have given the dead letter a new path.
                    let current = file.get();
                    match current.append(&r, r.ticket) {
                        Ok(()) => return,
                        Err(e) => {
                            error!(error = %e, path = %current.path().display(), "Cannot write dead letter; retrying.");
                            std::thread::sleep(delay);
                            delay = (delay * 2).min(std::time::Duration::from_secs(5));
                        }
                    }
                }
            })
            .await;
            if let Err(e) = written {
                error!(error = %e, "Dead-letter write task failed.");
            }
            counter.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    };
    (
        DeadLetterTx { tx, excerpt_bytes },
        tokio::spawn(task.instrument(info_span!("worker", stage = "dead_letter", worker = 0))),
    )
}
