//! The stages between source and sink, one module each, named by what they do. Each is a plain
//! sync [`crate::runner::Transform`], unit-tested in place; the runner makes it async.

pub mod clean;
pub mod dedup;
pub mod extract;
pub mod source;

/// A document for unit tests, as if read from `/in/test.txt`.
#[cfg(test)]
pub(crate) fn test_document(text: &str) -> crate::record::Document {
    use crate::record::{Document, Format, Markup};
    Document::standalone("test", std::path::Path::new("/in/test.txt"), Format::Text, Markup::Text, text.into())
}
