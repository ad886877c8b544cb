//! Cleaning and extracting files outside the daemon, with no state: `newsmill process` (one
//! JSON line per document) and `newsmill explain` (how the cleaner judged every line). Both read
//! files as the daemon's source does and handle each document as its workers do: a panic on one
//! document rejects that document.

use std::io::Write;
use std::path::Path;

use crate::config::Config;
use crate::record::{Article, Markup, Reject};
use crate::runner::{Outcome, Transform};
use crate::stages::clean::Cleaner;
use crate::stages::extract::{Extractor, Joining};
use crate::stages::source::reader::{Emit, Limits, read_file_once};

/// Why a one-off run stopped.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// The clean patterns did not compile.
    #[error(transparent)]
    Pattern(#[from] crate::stages::clean::config::RulesError),
    /// A file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The output could not be written.
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
}

/// Cleans and extracts every document of `files` into `out`, one JSON line per article; every
/// document that gives none (and every file that cannot be read) is told to `rejected` with the
/// reason. Returns how many were rejected.
pub fn process(
    cfg: &Config,
    files: &[impl AsRef<Path>],
    out: &mut dyn Write,
    rejected: &mut dyn FnMut(&Path, String),
) -> Result<usize, OfflineError> {
    let cleaner = Cleaner::new(&cfg.clean)?;
    let extractor = Extractor::new(&cfg.extract);
    let limits = Limits::new(&cfg.source, cfg.dead_letter.excerpt_bytes.get());
    let mut count = 0usize;
    for file in files {
        let file = file.as_ref();
        let mut write_err = None;
        let read = read_file_once(file, limits, &mut |ev| {
            let article = match ev {
                Emit::Doc(doc) => clean_and_extract(&cleaner, &extractor, doc),
                Emit::Reject(r) => Err(Reject::new(r.kind, r.reason, r.excerpt)),
            };
            match article {
                Ok(a) => {
                    let line = serde_json::to_string(&a).map_err(std::io::Error::other);
                    if let Err(e) = line.and_then(|l| writeln!(out, "{l}")) {
                        write_err = Some(e);
                        return false;
                    }
                }
                Err(r) => {
                    count += 1;
                    rejected(file, format!("rejected ({}): {}", r.kind, r.reason));
                }
            }
            true
        });
        if let Some(e) = write_err {
            return Err(OfflineError::Write(e));
        }
        if let Err(e) = read {
            rejected(file, e.to_string());
            count += 1;
        }
    }
    Ok(count)
}

/// One document through clean and extract, a panic rejecting it.
fn clean_and_extract(
    cleaner: &Cleaner,
    extractor: &Extractor,
    doc: crate::record::Document,
) -> Result<Article, Reject> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cleaner.process(doc).and_then(|o| match o {
            Outcome::Emit(c) => extractor.extract(c).map(|e| e.article),
            Outcome::Drop => Err(Reject::new("dropped", "dropped by the cleaner", "")),
        })
    }))
    .unwrap_or_else(|p| {
        let message = crate::logging::panic_message(p.as_ref());
        Err(Reject::new("panic", format!("clean/extract panicked: {message}"), ""))
    })
}

/// Writes to `out`, for every document of `file`, the page's metadata (HTML), its page type and
/// why, and every line with KEEP or DROP, its role and the rule or model score that decided.
pub fn explain(cfg: &Config, file: &Path, out: &mut dyn Write) -> Result<(), OfflineError> {
    let cleaner = Cleaner::new(&cfg.clean)?;
    let mut result = Ok(());
    let read = read_file_once(file, Limits::new(&cfg.source, cfg.dead_letter.excerpt_bytes.get()), &mut |ev| {
        result = match ev {
            Emit::Doc(doc) => {
                let html = doc.markup != Markup::Text;
                let dump = !html && !doc.meta.headline_only;
                let raw = dump.then(|| doc.text.clone());
                let (cleaned, explanation) = cleaner.explain_document(doc);
                let other = explanation.other_model;
                let headline = raw.as_deref().and_then(|text| cleaner.explain_headline(text, other));
                let model = raw.as_deref().and_then(|text| cleaner.explain_model(text, other));
                let mut text = String::new();
                if html {
                    let meta = &cleaned.meta;
                    let categories = (!meta.categories.is_empty()).then(|| meta.categories.join(", "));
                    for (name, value) in [
                        ("title", &meta.title),
                        ("author", &meta.author),
                        ("published", &meta.published),
                        ("modified", &meta.updated),
                        ("site", &meta.outlet),
                        ("url", &meta.url),
                        ("lang", &meta.lang),
                        ("image", &meta.image),
                        ("category", &categories),
                    ] {
                        if let Some(v) = value {
                            text.push_str(&format!("META {name:<9} {v}\n"));
                        }
                    }
                }
                text.push_str(&format!("PAGE TYPE {}\n", explanation.page_type));
                if let Some(m) = model {
                    text.push_str(&format!("MODEL     {m}\n"));
                }
                if let Some(h) = headline {
                    text.push_str(&format!("HEADLINE  {h}\n"));
                }
                let verdict = cleaned.page_type;
                if html && explanation.other_model {
                    text.push_str("MODEL     the block model for pages other than articles\n");
                }
                let joining = Joining::for_page(&cfg.extract, &cleaned, verdict.map(|v| v.page_type));
                if let Some(v) = verdict
                    && joining.from < cfg.clean.keep_threshold
                {
                    text.push_str(&format!(
                        "BODY      lines the model dropped join the body from {:.2} on a {} page\n",
                        joining.from, v.page_type
                    ));
                }
                for (i, line) in cleaned.lines.iter().enumerate() {
                    if let Some(tag) = explanation.tags.get(i) {
                        text.push_str(&format!("<{tag:<6}> "));
                    }
                    text.push_str(&crate::stages::clean::explain_line(
                        line,
                        cfg.clean.keep_threshold,
                        joining.joins(line),
                    ));
                    text.push('\n');
                }
                writeln!(out, "# {}\n{text}", cleaned.prov.id)
            }
            Emit::Reject(r) => writeln!(out, "# {}: rejected ({}): {}", r.path, r.kind, r.reason),
        };
        result.is_ok()
    });
    read.map_err(|source| OfflineError::Read { path: file.to_path_buf(), source })?;
    result.map_err(OfflineError::Write)
}
