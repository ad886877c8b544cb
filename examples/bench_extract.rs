//! Clean + extract throughput on one core: loads every page under the given directories into
//! memory (decompressed and decoded: text dumps and HTML pages), then runs the cleaner and the
//! extractor over them and prints pages/s and MB/s.
//!
//! `cargo run --release --example bench_extract -- [--pages N] ../shared/bench/extraction/scrapinghub-text/pages [MORE_DIRS]`
//!
//! `--pages N` (default 3000) sets how many pages to run, cycling through the loaded ones: a
//! small N with `valgrind --tool=callgrind` counts the instructions a page costs, which is
//! repeatable where wall-clock time on a shared machine is not.

use std::path::PathBuf;
use std::time::Instant;

use newsmill::config::Config;
use newsmill::record::{Document, Format, Markup};
use newsmill::runner::{Outcome, Transform};
use newsmill::stages::clean::Cleaner;
use newsmill::stages::extract::Extractor;
use newsmill::stages::source::charset::{Sniff, decode};

/// The daemon's allocator, so that clean + extract are timed as the daemon runs them.
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut target = 3_000;
    if let Some(at) = args.iter().position(|a| a == "--pages") {
        target = args.get(at + 1).and_then(|n| n.parse().ok()).ok_or("--pages needs a number")?;
        args.drain(at..at + 2);
    }
    let dirs: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    if dirs.is_empty() {
        return Err("usage: bench_extract [--pages N] DIR [DIR...]".into());
    }
    let mut texts = Vec::new();
    for dir in &dirs {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path.to_string_lossy().to_string();
            let html = name.ends_with(".html") || name.ends_with(".html.gz") || name.ends_with(".htm");
            if !(html || name.ends_with(".txt")) {
                continue;
            }
            let mut bytes = std::fs::read(&path)?;
            if name.ends_with(".gz") {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)?;
                bytes = out;
            }
            if let Ok(d) = decode(&bytes, if html { Sniff::Html } else { Sniff::Text }) {
                texts.push((d.text, if html { Markup::Html } else { Markup::Text }));
            }
        }
    }
    let cfg = Config::default();
    let cleaner = Cleaner::new(&cfg.clean)?;
    let extractor = Extractor::new(&cfg.extract);
    let doc = |text: &str, markup: Markup| {
        Document::standalone("bench", std::path::Path::new("bench.txt"), Format::Text, markup, text.to_string())
    };
    let rounds = (target / texts.len().max(1)).max(1);
    let started = Instant::now();
    let mut kept = 0usize;
    for _ in 0..rounds {
        for (t, markup) in &texts {
            if let Ok(Outcome::Emit(c)) = cleaner.process(doc(t, *markup))
                && let Ok(a) = extractor.extract(c)
            {
                kept += a.article.body.len();
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let pages = rounds * texts.len();
    let bytes: usize = rounds * texts.iter().map(|(t, _)| t.len()).sum::<usize>();
    println!(
        "{pages} pages ({} distinct) in {secs:.2} s: {:.0} pages/s, {:.1} MB/s on one core ({kept} paragraphs)",
        texts.len(),
        pages as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    Ok(())
}
