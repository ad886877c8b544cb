//! Output kinds by name: what `kind = "..."` in `[sink]` and `[dead_letter]` opens. A kind is a
//! [`Kind`] in the file (or folder) of its output, registered with one line in the list below;
//! a kind with settings of its own also has its sub-table in both sections (`[sink.postgres]`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{OutputSettings, Sink, SinkError};

/// What an output kind does with its settings.
pub(crate) trait Kind: Sync {
    /// Where its records go, as its key in the state says it (after what it holds).
    fn place(&self, settings: &OutputSettings) -> String;
    /// What is wrong with its settings: (key under the section, why).
    fn problems(&self, _settings: &OutputSettings) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Why the articles output and the dead letter, both of this kind, cannot be set so: (key
    /// under `[dead_letter]`, why).
    fn clash(&self, _articles: &OutputSettings, _rejections: &OutputSettings) -> Option<(&'static str, String)> {
        None
    }
    /// Opens the output at the position `committed` the state holds for it (a server is
    /// connected here: off the async threads).
    fn open(&self, settings: &OutputSettings, committed: Option<&[u8]>) -> Result<Arc<dyn Sink>, SinkError>;
}

/// Declares [`SinkKind`], one variant per registered kind, and its [`Kind`].
macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $kind:expr,)+) => {
        /// The kinds of output, for `[sink] kind` and `[dead_letter] kind`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum SinkKind {
            $($(#[$doc])* $variant,)+
        }

        impl SinkKind {
            /// What this kind does.
            pub(crate) fn spec(self) -> &'static dyn Kind {
                match self {
                    $(SinkKind::$variant => &$kind,)+
                }
            }
        }
    };
}

kinds! {
    /// One JSON object per line in a local file (`path`), rotated, cut back to the last commit
    /// after a crash: exactly once.
    Jsonl => super::file::JsonlKind,
    /// One JSON object per line on standard output, for piping into another tool (logs stay on
    /// stderr). What was written after the last commit is written again after a crash: at least
    /// once.
    Stdout => super::stdout::StdoutKind,
    /// Rows of a PostgreSQL table (`[postgres]`, and the table in `[sink.postgres]` or
    /// `[dead_letter.postgres]`), inserted idempotently by id: exactly once.
    Postgres => super::postgres::PostgresKind,
    /// Messages on a NATS JetStream stream (`[nats]`, and the stream in `[sink.nats]` or
    /// `[dead_letter.nats]`), each with its id as `Nats-Msg-Id`: exactly once.
    Nats => super::nats::NatsKind,
    /// Nothing: records are counted and acknowledged, and kept nowhere (a dedup process standing
    /// by; measuring the pipeline without an output).
    Discard => super::discard::DiscardKind,
}
