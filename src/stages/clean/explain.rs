//! `newsmill explain`: every line with its verdict, its role and what decided it.

use super::Cleaner;
use crate::record::{Cleaned, Document, Line, LineClass};

/// What `newsmill explain` shows of a document beside its lines.
#[derive(Debug, Default)]
pub(crate) struct Explanation {
    /// The element each line of an HTML page came from (`p`, `h2`, `li`, ...; none for text).
    pub tags: Vec<&'static str>,
    /// The page's type, how sure, and the inputs that decided it: read from the verdicts the type
    /// was decided on, the first block model's or the chooser's text model's
    /// ([`crate::page_type::explain`]).
    pub page_type: String,
    /// The page is not an article, and the model for such pages judged it: the HTML block model
    /// for them, or the second text model where the chooser had picked the first.
    pub other_model: bool,
}

/// One line of `newsmill explain`: verdict, role, what decided, and the text. `threshold` is the
/// `keep_threshold` the cleaner ran with: a body line scored below it was kept by the mending rules.
/// `joins`: a line the cleaner dropped joins the body all the same, for the page's type.
pub(crate) fn explain_line(line: &Line, threshold: f32, joins: bool) -> String {
    let (verdict, role, why) = match &line.class {
        _ if joins => ("KEEP", "body", "page_type".to_string()),
        LineClass::Keep => ("KEEP", "body", String::new()),
        LineClass::Title => ("KEEP", "title", String::new()),
        LineClass::Subtitle => ("KEEP", "subtitle", String::new()),
        LineClass::Drop(rule) => ("DROP", "-", (*rule).to_string()),
        LineClass::Copyright => ("DATA", "publisher", "copyright".into()),
        LineClass::Credit(c) => ("DATA", "credit", format!("credit={c}")),
        LineClass::Caption => ("DATA", "caption", "caption".into()),
        LineClass::CaptionCredit { credit, .. } => ("DATA", "caption", format!("credit={credit}")),
        LineClass::Byline => ("DATA", "byline", "byline".into()),
        LineClass::Dateline => ("DATA", "date", "dateline".into()),
    };
    let score = line.score.map_or_else(|| "    ".to_string(), |p| format!("{p:.2}"));
    let why = match (why.is_empty(), line.score) {
        (false, _) => why,
        (true, Some(p)) if line.class == LineClass::Keep && p < threshold => "mended".to_string(),
        (true, Some(_)) => "model".to_string(),
        (true, None) if line.prose => "prose".to_string(),
        (true, None) => "headline".to_string(),
    };
    match line.cut.as_deref() {
        // The words the column splitter cut off stay visible, marked, where they were.
        Some(cut) => {
            let before = if cut.before.is_empty() { String::new() } else { format!("{{-{}-}} ", cut.before) };
            let after = if cut.after.is_empty() { String::new() } else { format!(" {{-{}-}}", cut.after) };
            format!("{verdict} {role:<9} {score} {:<14} | {before}{}{after}", "columns", line.text)
        }
        None => format!("{verdict} {role:<9} {score} {why:<14} | {}", line.text),
    }
}

impl Cleaner {
    /// [`Cleaner::clean_document`] for `newsmill explain`, with what it shows beside the lines.
    pub(crate) fn explain_document(&self, doc: Document) -> (Cleaned, Explanation) {
        let (cleaned, _, explanation) = self.clean_with(doc, true);
        (cleaned, explanation)
    }
}
