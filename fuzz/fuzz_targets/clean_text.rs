//! Any text, as a page dump: cleaning and extraction must not panic, and an extracted article's
//! body holds only text that was in the page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::{CleanConfig, ExtractConfig};
use newsmill::record::{Document, FileKey, Format, InputMeta, Markup, Provenance, Ticket};
use newsmill::runner::{Outcome, Transform};
use newsmill::stages::clean::Cleaner;
use newsmill::stages::extract::Extractor;

static CLEANER: std::sync::LazyLock<Option<Cleaner>> =
    std::sync::LazyLock::new(|| Cleaner::new(&CleanConfig::default()).ok());
static EXTRACTOR: std::sync::LazyLock<Extractor> = std::sync::LazyLock::new(|| Extractor::new(&ExtractConfig::default()));

fuzz_target!(|data: &[u8]| {
    let (Ok(text), Some(cleaner)) = (std::str::from_utf8(data), CLEANER.as_ref()) else { return };
    let _ = cleaner.classify(text);
    let doc = Document {
        prov: Provenance {
            id: "fuzz".into(),
            path: std::path::Path::new("/in/fuzz.txt").into(),
            offset: None,
            ticket: Ticket { file: FileKey { dev: 0, ino: 0 }, generation: 0, start: 0, end: data.len() as u64, item: 0, doc_start: 0, doc_len: data.len() as u64 },
        },
        format: Format::Text,
        charset: None,
        text: text.to_string(),
        markup: Markup::Text,
        meta: InputMeta::default(),
    };
    if let Ok(Outcome::Emit(cleaned)) = cleaner.process(doc)
        && let Ok(extracted) = EXTRACTOR.extract(cleaned)
    {
        for paragraph in &extracted.article.body {
            for word in paragraph.split_whitespace().take(3) {
                assert!(text.contains(word), "body word {word:?} not in the page");
            }
        }
    }
});
