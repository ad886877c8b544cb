//! The two stages that end a document's way: the sink stage writes articles, the dead-letter
//! stage writes rejections, each to whichever output is current (a reload may replace it), and
//! each retries with backoff while the output fails: a full disk stalls the pipeline, it never
//! loses a record.

use std::marker::PhantomData;
use std::sync::Arc;

use tracing::warn;

use super::{Record, Sink, SinkError};
use crate::live::Live;
use crate::record::{Extracted, Reject, Rejection, Tracked};
use crate::runner::{Outcome, Transform};

/// Writes `record` to the current output of `output`, until it is written; a record that cannot
/// be serialized is refused instead.
fn write(output: &Live<dyn Sink>, record: Record<'_>) -> Result<(), Reject> {
    crate::retry::blocking(
        // Taken afresh on every try: a reload may have replaced a failing output.
        || loop {
            break match output.get().write(record) {
                Ok(()) => Ok(Ok(())),
                Err(SinkError::Serialize(e)) => Ok(Err(Reject::new("unserializable", e.to_string(), record.id()))),
                Err(SinkError::Refused { reason }) => Ok(Err(Reject::new("refused_by_output", reason, record.id()))),
                // The output waited for room already; the next flush makes some.
                Err(SinkError::Full { .. }) => continue,
                Err(error) => Err(error),
            };
        },
        |error, wait| {
            warn!(%error, doc = %record.id(), retry_in_ms = wait.as_millis() as u64, "Output write failed; retrying.");
        },
    )
}

/// What an output stage writes: articles (the sink) or rejections (the dead letter).
pub trait Written: Tracked + Send + 'static {
    /// The stage's name.
    const STAGE: &'static str;
    /// The record to write.
    fn record(&self) -> Record<'_>;
}

impl Written for Extracted {
    const STAGE: &'static str = "sink";

    fn record(&self) -> Record<'_> {
        Record::Article(&self.article)
    }
}

impl Written for Rejection {
    const STAGE: &'static str = "dead_letter";

    fn record(&self) -> Record<'_> {
        Record::Rejection(self)
    }
}

/// A stage that hands what it takes to an output.
pub struct OutputStage<I> {
    output: Arc<Live<dyn Sink>>,
    _takes: PhantomData<fn(I)>,
}

impl<I> OutputStage<I> {
    /// Writes to whichever output `output` holds when a record arrives.
    pub fn new(output: Arc<Live<dyn Sink>>) -> Self {
        Self { output, _takes: PhantomData }
    }
}

impl<I: Written> Transform for OutputStage<I> {
    type In = I;
    type Out = ();
    const STAGE: &'static str = I::STAGE;

    fn process(&self, item: I) -> Result<Outcome<()>, Reject> {
        write(&self.output, item.record()).map(Outcome::Emit)
    }
}

/// The sink stage: hands articles to the articles output.
pub type SinkStage = OutputStage<Extracted>;

/// The dead-letter stage: hands rejections to the dead-letter output.
pub type DeadLetterStage = OutputStage<Rejection>;
