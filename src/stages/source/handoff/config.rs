//! `[handoff]`: the internal stream between the extract and dedup roles (`run --role extract`
//! publishes there, `run --role dedup` reads it in order), and the lease that makes one dedup
//! process the owner.

use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};

use crate::num::nz64;

/// `[handoff]`: see the module docs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HandoffConfig {
    /// The JetStream stream extracted articles go to (the first extract process creates it, with
    /// the limits below; a dedup process waits for it).
    pub stream: String,
    /// The subject they are published on.
    pub subject: String,
    /// Messages older than this leave a stream created here (0: kept until `max_bytes`). A dedup
    /// process that starts with no state of its own rebuilds its window by reading the stream
    /// from its first message: keep at least the dedup window (`[dedup] max_age_hours`).
    pub max_age_hours: u64,
    /// Most bytes a stream created here keeps, the oldest going first (0: no limit).
    pub max_bytes: u64,
    /// A stream created here drops a repeated `Nats-Msg-Id` (the document id) within this long:
    /// an extract process that died before acknowledging its input publishes the same id again.
    pub duplicate_window_ms: NonZeroU64,
    /// The dedup owner's lease: a PostgreSQL advisory lock and a row of `newsmill_leases` in
    /// `[postgres] schema`, whose epoch every write of the owner checks.
    pub lease: String,
    /// How often a standing-by dedup process tries the lease and reads how far the owner got,
    /// and how often the owner makes sure it still holds it.
    pub lease_interval_ms: NonZeroU64,
}

impl Default for HandoffConfig {
    fn default() -> Self {
        Self {
            stream: "NEWSMILL_EXTRACTED".into(),
            subject: "newsmill.extracted".into(),
            max_age_hours: 7 * 24,
            max_bytes: 0,
            duplicate_window_ms: nz64(600_000),
            lease: "dedup".into(),
            lease_interval_ms: nz64(1_000),
        }
    }
}

impl HandoffConfig {
    /// Problems, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if let Some(why) = crate::nats::bad_stream_name(&self.stream) {
            errors.push(("stream", why));
        }
        if self.subject.is_empty() || self.subject.contains(['*', '>', ' ', '\t']) {
            errors.push((
                "subject",
                format!("`{}` is not a subject to publish on (no wildcards or spaces)", self.subject),
            ));
        }
        if self.lease.is_empty() || self.lease.len() > 200 {
            errors.push(("lease", "must be a name of 1 to 200 bytes".into()));
        }
        errors
    }

    /// Tells this stream's tickets apart from other sources'.
    pub(crate) fn source_id(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(format!("handoff\0{}", self.stream).as_bytes()).max(1)
    }
}
