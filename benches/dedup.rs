//! Criterion benches for the dedup stage's hot paths: sketching a body, and a lookup plus insert
//! in a full window. Run with `cargo bench --bench dedup`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsmill::config::DedupConfig;
use newsmill::stages::dedup::{Sketcher, StoryIndex};

const WORDS: &[&str] = &[
    "the",
    "council",
    "approved",
    "plan",
    "bridge",
    "harbour",
    "on",
    "Monday",
    "after",
    "a",
    "long",
    "debate",
    "about",
    "costs",
    "and",
    "schools",
    "in",
    "town",
    "said",
    "officials",
    "work",
    "will",
    "start",
    "March",
    "with",
    "temporary",
    "footbridge",
    "for",
    "cyclists",
    "river",
    "regional",
    "authority",
    "pay",
    "percent",
];

/// A deterministic made-up body of `paragraphs` paragraphs of about 60 words (numbers included).
fn body(seed: u64, paragraphs: usize) -> Vec<String> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..paragraphs)
        .map(|_| {
            (0..60)
                .map(|i| {
                    let r = next();
                    if i % 17 == 5 { (r % 1000).to_string() } else { WORDS[(r % WORDS.len() as u64) as usize].into() }
                })
                .collect::<Vec<String>>()
                .join(" ")
                + "."
        })
        .collect()
}

fn sketch(c: &mut Criterion) {
    let doc = body(1, 8);
    let bytes: usize = doc.iter().map(String::len).sum();
    let mut g = c.benchmark_group("sketch");
    g.throughput(Throughput::Bytes(bytes as u64));
    let mut sketcher = Sketcher::new(5);
    g.bench_function("480_words", |b| b.iter(|| black_box(sketcher.sketch(doc.iter().map(String::as_str)))));
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let cfg = DedupConfig::default();
    let mut sketcher = Sketcher::new(5);
    let held = 100_000u64;
    let mut index = StoryIndex::new(
        DedupConfig {
            max_entries: std::num::NonZeroUsize::new(held as usize).unwrap_or(std::num::NonZeroUsize::MIN),
            ..cfg
        },
        vec![],
        0,
    );
    for i in 0..held {
        let s = sketcher.sketch(body(i, 4).iter().map(String::as_str));
        index.check_and_insert(&format!("d{i}"), 0, i, s.as_ref(), 0);
    }
    // New documents: half unrelated, half copies of held ones cut short.
    let queries: Vec<_> = (0..1000u64)
        .map(|i| {
            let b = if i % 2 == 0 { body(held + i, 4) } else { body(i * 97 % held, 3) };
            sketcher.sketch(b.iter().map(String::as_str))
        })
        .collect();
    let mut n = held;
    c.bench_function("index/check_and_insert_100k_held", |b| {
        b.iter(|| {
            let q = &queries[(n % 1000) as usize];
            n += 1;
            black_box(index.check_and_insert(&format!("q{n}"), 0, n << 20, q.as_ref(), 0))
        })
    });
}

criterion_group!(benches, sketch, lookup);
criterion_main!(benches);
