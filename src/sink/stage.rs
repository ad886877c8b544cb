//! The two stages that end a document's way: the sink stage writes articles, the dead-letter
//! stage writes rejections, each to whichever output is current (a reload may replace it), and
//! each retries with backoff while the output fails: a full disk stalls the pipeline, it never
//! loses a record.

use std::sync::Arc;

use tracing::warn;

use super::{Record, Sink, SinkError};
use crate::live::Live;
use crate::record::{Extracted, Reject, Rejection};
use crate::runner::{Outcome, Transform};

/// Writes `record` to the current output of `output`, until it is written; a record that cannot
/// be serialized is refused instead.
fn write(output: &Live<dyn Sink>, record: Record<'_>) -> Result<(), Reject> {
    crate::retry::blocking(
        // Taken afresh on every try: a reload may have replaced a failing output.
        || match output.get().write(record) {
            Ok(()) => Ok(Ok(())),
            Err(SinkError::Serialize(e)) => Ok(Err(Reject::new("unserializable", e.to_string(), record.id()))),
            Err(error) => Err(error),
        },
        |error, wait| {
            warn!(%error, doc = %record.id(), retry_in_ms = wait.as_millis() as u64, "Output write failed; retrying.");
        },
    )
}

/// The sink stage: hands articles to the articles output.
pub struct SinkStage {
    output: Arc<Live<dyn Sink>>,
}

impl SinkStage {
    /// Writes to whichever output `output` holds when a record arrives.
    pub fn new(output: Arc<Live<dyn Sink>>) -> Self {
        Self { output }
    }
}

impl Transform for SinkStage {
    type In = Extracted;
    type Out = ();
    const STAGE: &'static str = "sink";
    const BLOCKING: bool = true;

    fn process(&self, doc: Extracted) -> Result<Outcome<()>, Reject> {
        write(&self.output, Record::Article(&doc.article)).map(Outcome::Emit)
    }
}

/// The dead-letter stage: hands rejections to the dead-letter output.
pub struct DeadLetterStage {
    output: Arc<Live<dyn Sink>>,
}

impl DeadLetterStage {
    /// Writes to whichever output `output` holds when a rejection arrives.
    pub fn new(output: Arc<Live<dyn Sink>>) -> Self {
        Self { output }
    }
}

impl Transform for DeadLetterStage {
    type In = Rejection;
    type Out = ();
    const STAGE: &'static str = "dead_letter";
    const BLOCKING: bool = true;

    fn process(&self, rejection: Rejection) -> Result<Outcome<()>, Reject> {
        write(&self.output, Record::Rejection(&rejection)).map(Outcome::Emit)
    }
}
