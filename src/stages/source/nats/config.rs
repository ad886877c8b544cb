//! `[source.nats]`: the JetStream stream and durable consumer a `nats` source reads.

use std::num::{NonZeroU64, NonZeroUsize};

use serde::{Deserialize, Serialize};

use crate::num::{nz, nz64};

/// `[source.nats]`: see the module docs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NatsSourceConfig {
    /// The stream documents are published to.
    pub stream: String,
    /// The subjects the stream captures when it is created here, and the consumer's filter.
    pub subjects: Vec<String>,
    /// The durable pull consumer's name: several newsmill processes with the same name share
    /// the work.
    pub consumer: String,
    /// Create the stream and the consumer when they do not exist.
    pub create: bool,
    /// A message not acknowledged within this long is delivered again (kept alive by progress
    /// acknowledgements while its document is on its way).
    pub ack_wait_ms: NonZeroU64,
    /// Deliveries of one message at most; its last delivery goes to the dead letter unread (a
    /// message that stops the daemon each time it is read must not stop it forever).
    pub max_deliver: NonZeroU64,
    /// Messages delivered and not yet acknowledged, at most (across every process of the
    /// consumer). A message is acknowledged after the commit that makes its output durable, so
    /// this over `[sink] flush_interval_ms` bounds the input rate (10,000 a second with the
    /// defaults); memory is bounded by the channels and the outputs' buffers, not by it.
    pub max_ack_pending: NonZeroU64,
    /// Messages asked for in one pull.
    pub fetch_batch: NonZeroUsize,
    /// How long one pull waits for messages.
    pub fetch_expires_ms: NonZeroU64,
    /// Messages still on their way are kept alive (a progress acknowledgement) this often.
    pub progress_interval_ms: NonZeroU64,
}

impl Default for NatsSourceConfig {
    fn default() -> Self {
        Self {
            stream: "NEWSMILL_INPUT".into(),
            subjects: vec!["newsmill.input.>".into()],
            consumer: "newsmill".into(),
            create: true,
            ack_wait_ms: nz64(30_000),
            max_deliver: nz64(10),
            max_ack_pending: nz64(10_000),
            fetch_batch: nz(64),
            fetch_expires_ms: nz64(1_000),
            progress_interval_ms: nz64(10_000),
        }
    }
}

impl NatsSourceConfig {
    /// Problems, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if let Some(why) = crate::nats::bad_stream_name(&self.stream) {
            errors.push(("nats.stream", why));
        }
        if !crate::nats::is_plain_name(&self.consumer) {
            errors.push(("nats.consumer", format!("`{}` is not a consumer name", self.consumer)));
        }
        if self.subjects.is_empty() || self.subjects.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            errors.push(("nats.subjects", "must list subjects (no spaces)".into()));
        }
        if self.max_deliver.get() < 2 {
            errors.push(("nats.max_deliver", "must be at least 2 (the last delivery goes to the dead letter)".into()));
        }
        if self.progress_interval_ms >= self.ack_wait_ms {
            errors.push(("nats.progress_interval_ms", "must be shorter than ack_wait_ms".into()));
        }
        errors
    }
}
