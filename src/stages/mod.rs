//! The stages between source and sink, one module each, named by what they do. Each is a plain
//! sync [`crate::runner::Transform`], unit-tested in place; the runner makes it async.

pub mod clean;
pub mod dedup;
pub mod extract;
pub mod source;

/// A document for unit tests, as if read from `/in/test.txt`.
#[cfg(test)]
pub(crate) fn test_document(text: &str) -> crate::record::Document {
    use crate::record::{Document, FileKey, Format, InputMeta, Provenance, Ticket};
    Document {
        prov: Provenance {
            id: "test".into(),
            path: std::path::Path::new("/in/test.txt").into(),
            offset: None,
            ticket: Ticket {
                file: FileKey { dev: 0, ino: 0 },
                generation: 0,
                start: 0,
                end: text.len() as u64,
                item: 0,
                doc_start: 0,
                doc_len: text.len() as u64,
            },
        },
        format: Format::Text,
        charset: None,
        text: text.into(),
        markup: crate::record::Markup::Text,
        meta: InputMeta::default(),
    }
}
