//! Clean + extract throughput on one core: loads every page under the given directories into
//! memory (decoded), then runs the cleaner and the extractor over them and prints pages/s.
//!
//! `cargo run --release --example bench_extract -- ../shared/bench/extraction/scrapinghub-text/pages [MORE_DIRS]`

use std::path::PathBuf;
use std::time::Instant;

use newsmill::config::Config;
use newsmill::record::{Document, FileKey, Format, InputMeta, Provenance, Ticket};
use newsmill::runner::{Outcome, Transform};
use newsmill::stages::clean::Cleaner;
use newsmill::stages::extract::Extractor;
use newsmill::stages::source::charset::decode;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        return Err("usage: bench_extract DIR [DIR...]".into());
    }
    let mut texts = Vec::new();
    for dir in &dirs {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "txt")
                && let Ok(d) = decode(&std::fs::read(&path)?, false)
            {
                texts.push(d.text);
            }
        }
    }
    let cfg = Config::default();
    let cleaner = Cleaner::new(&cfg.clean)?;
    let extractor = Extractor::new(&cfg.extract);
    let doc = |text: &str| Document {
        prov: Provenance {
            id: "bench".into(),
            path: std::path::Path::new("bench.txt").into(),
            offset: None,
            ticket: Ticket { file: FileKey { dev: 0, ino: 0 }, generation: 0, start: 0, end: 0 },
        },
        format: Format::Text,
        charset: None,
        text: text.to_string(),
        markup: newsmill::record::Markup::Text,
        meta: InputMeta::default(),
    };
    let rounds = (20_000 / texts.len().max(1)).max(1);
    let started = Instant::now();
    let mut kept = 0usize;
    for _ in 0..rounds {
        for t in &texts {
            if let Ok(Outcome::Emit(c)) = cleaner.process(doc(t))
                && let Ok(a) = extractor.extract(c)
            {
                kept += a.article.body.len();
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let pages = rounds * texts.len();
    println!(
        "{pages} pages ({} distinct) in {secs:.2} s: {:.0} pages/s on one core ({kept} paragraphs)",
        texts.len(),
        pages as f64 / secs
    );
    Ok(())
}
