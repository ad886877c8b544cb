//! Any bytes, as an HTML page: parsing, cleaning and extraction must not panic, and every block
//! must respect the configured limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsmill::config::{CleanConfig, ExtractConfig};
use newsmill::record::{Document, Format, Markup};
use newsmill::runner::{Outcome, Transform};
use newsmill::stages::extract::Extractor;
use newsmill::html::{Limits, parse};
use newsmill::stages::clean::Cleaner;

static EXTRACTOR: std::sync::LazyLock<Extractor> = std::sync::LazyLock::new(|| Extractor::new(&ExtractConfig::default()));
static CLEANER: std::sync::LazyLock<Option<Cleaner>> =
    std::sync::LazyLock::new(|| Cleaner::new(&CleanConfig::default()).ok());

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let limits = Limits { max_blocks: 50, max_block_bytes: 200 };
    let page = parse(&html, limits);
    assert!(page.blocks.len() <= 50);
    assert!(page.blocks.iter().all(|b| b.text.len() <= 200));
    if let Some(cleaner) = CLEANER.as_ref() {
        let _ = cleaner.classify_html(&html);
        let doc = Document::standalone("fuzz", std::path::Path::new("/in/fuzz.html"), Format::Html, Markup::Html, html.into_owned());
        if let Ok(Outcome::Emit(cleaned)) = cleaner.process(doc) {
            let _ = EXTRACTOR.extract(cleaned);
        }
    }
});
