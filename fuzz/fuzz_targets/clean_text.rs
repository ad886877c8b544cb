//! Any text, as a page dump: cleaning and extraction must not panic, and an extracted article's
//! body holds only text that was in the page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::{CleanConfig, ExtractConfig};
use newsmill::record::{Document, Format, Markup};
use newsmill::runner::{Outcome, Transform};
use newsmill::stages::clean::Cleaner;
use newsmill::stages::extract::Extractor;

static CLEANER: std::sync::LazyLock<Option<Cleaner>> =
    std::sync::LazyLock::new(|| Cleaner::new(&CleanConfig::default()).ok());
static EXTRACTOR: std::sync::LazyLock<Extractor> = std::sync::LazyLock::new(|| Extractor::new(&ExtractConfig::default()));

fuzz_target!(|data: &[u8]| {
    let (Ok(text), Some(cleaner)) = (std::str::from_utf8(data), CLEANER.as_ref()) else { return };
    let _ = cleaner.classify(text);
    let doc = Document::standalone("fuzz", std::path::Path::new("/in/fuzz.txt"), Format::Text, Markup::Text, text.to_string());
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
