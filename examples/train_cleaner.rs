//! Trains the cleaner's line model on benchmark pages with ground truth, and writes its weights.
//!
//! ```sh
//! cargo run --release --example train_cleaner -- ../shared/bench \
//!     --train scrapinghub-text,l3s-gn1-text --write src/stages/clean/weights.rs
//! cargo run --release --example train_cleaner -- ../shared/bench --train scrapinghub-text --eval l3s-gn1-text
//! ```
//!
//! Every line the cleaner's rules leave open becomes a training row: the features the daemon
//! computes, and a label saying whether the line is part of the page's ground-truth article body
//! (at least half of its 4-token shingles occur in the body; short lines must occur in it whole).
//! The model is an L2-regularised logistic regression on standardised features, fitted by full-batch
//! gradient descent from zero, so the same pages always give the same weights. See
//! docs/cleaner-model.md.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use newsmill::config::CleanConfig;
use newsmill::stages::clean::features::{FEATURE_NAMES, N_FEATURES};
use newsmill::stages::clean::model::{CONTEXT_NAMES, Logistic, N_B, stage_b_inputs};
use newsmill::stages::clean::{Cleaner, TrainingLine};
use newsmill::stages::source::charset::decode;

struct Row<const N: usize> {
    x: [f32; N],
    y: f32,
    weight: f32,
}

/// One page's lines: features, labels and whether the model decides them.
struct Page {
    lines: Vec<TrainingLine>,
    labels: Vec<(bool, usize)>,
}

/// `\w+` tokens, lower-cased: the scorer's tokens.
fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|t| !t.is_empty()).map(str::to_lowercase).collect()
}

fn hash(tokens: &[String]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(tokens.join("\u{1}").as_bytes())
}

struct Truth {
    grams: HashSet<u64>,
}

impl Truth {
    fn new(body: &str) -> Self {
        let t = tokens(body);
        let mut grams = HashSet::new();
        for n in 1..=4 {
            for w in t.windows(n) {
                grams.insert(hash(w));
            }
        }
        Self { grams }
    }

    fn label(&self, line: &str) -> (bool, usize) {
        let t = tokens(line);
        let positive = match t.len() {
            0 | 1 => false,
            2 | 3 => self.grams.contains(&hash(&t)),
            n => {
                let hits = t.windows(4).filter(|w| self.grams.contains(&hash(w))).count();
                hits * 2 >= n - 3
            }
        };
        (positive, t.len())
    }
}

fn load_set(bench: &Path, set: &str, cleaner: &Cleaner) -> Result<Vec<Page>, Box<dyn std::error::Error>> {
    let dir = bench.join("extraction").join(set);
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json"))?)?;
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir.join("pages"))?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    files.sort();
    let mut pages = Vec::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let id = name.split('.').next().unwrap_or_default();
        let Some(body) = truth[id]["articleBody"].as_str() else { continue };
        let Ok(decoded) = decode(&std::fs::read(&file)?, false) else { continue };
        let t = Truth::new(body);
        let lines = cleaner.training_lines(&decoded.text);
        let labels = lines.iter().map(|l| t.label(&l.text)).collect();
        pages.push(Page { lines, labels });
    }
    Ok(pages)
}

fn weight(tokens: usize) -> f32 {
    (1.0 + tokens as f32).sqrt()
}

/// The scorer averages precision and recall over pages, so every page carries the same total
/// weight, shared among its lines by their length.
fn page_weights(p: &Page) -> Vec<f32> {
    let raw: Vec<f32> = p.lines.iter().zip(&p.labels).map(|(l, &(_, n))| if l.open { weight(n) } else { 0.0 }).collect();
    let total: f32 = raw.iter().sum::<f32>().max(1e-9);
    raw.iter().map(|w| w / total * 100.0).collect()
}

fn rows_a(pages: &[Page]) -> Vec<Row<N_FEATURES>> {
    let mut rows = Vec::new();
    for p in pages {
        for ((l, &(y, _)), w) in p.lines.iter().zip(&p.labels).zip(page_weights(p)) {
            if l.open {
                rows.push(Row { x: l.features, y: f32::from(u8::from(y)), weight: w });
            }
        }
    }
    rows
}

fn rows_b(pages: &[Page], a: &Fitted<N_FEATURES>) -> Vec<Row<N_B>> {
    let mut rows = Vec::new();
    for p in pages {
        let features: Vec<[f32; N_FEATURES]> = p.lines.iter().map(|l| l.features).collect();
        let pa: Vec<f32> = p.lines.iter().map(|l| if l.open { a.probability(&l.features) } else { 0.0 }).collect();
        let words: Vec<f32> = p.lines.iter().map(|l| l.words).collect();
        let weights = page_weights(p);
        for (((x, l), &(y, _)), w) in
            stage_b_inputs(&features, &pa, &words).into_iter().zip(&p.lines).zip(&p.labels).zip(weights)
        {
            if l.open {
                rows.push(Row { x, y: f32::from(u8::from(y)), weight: w });
            }
        }
    }
    rows
}

/// A fitted model, owning its numbers.
struct Fitted<const N: usize> {
    mean: [f32; N],
    scale: [f32; N],
    weights: [f32; N],
}

impl<const N: usize> Fitted<N> {
    fn probability(&self, x: &[f32; N]) -> f32 {
        Logistic { mean: &self.mean, scale: &self.scale, weights: &self.weights }.probability(x)
    }
}

fn train<const N: usize>(rows: &[Row<N>], iterations: usize, l2: f32) -> Fitted<N> {
    let n: f32 = rows.iter().map(|r| r.weight).sum::<f32>().max(1e-9);
    let mut mean = [0f32; N];
    let mut scale = [1f32; N];
    for i in 1..N {
        mean[i] = rows.iter().map(|r| r.x[i] * r.weight).sum::<f32>() / n;
        let var = rows.iter().map(|r| (r.x[i] - mean[i]).powi(2) * r.weight).sum::<f32>() / n;
        scale[i] = var.sqrt().max(1e-3);
    }
    let z: Vec<[f32; N]> = rows
        .iter()
        .map(|r| {
            let mut v = [0f32; N];
            for i in 0..N {
                v[i] = (r.x[i] - mean[i]) / scale[i];
            }
            v
        })
        .collect();
    let mut w = [0f32; N];
    // Adam: robust step sizes without tuning per feature.
    let (mut m, mut v) = ([0f32; N], [0f32; N]);
    let (b1, b2, lr, eps) = (0.9f32, 0.999f32, 0.05f32, 1e-8f32);
    for t in 1..=iterations {
        let mut g = [0f32; N];
        for (r, x) in rows.iter().zip(&z) {
            let s: f32 = (0..N).map(|i| x[i] * w[i]).sum();
            let p = 1.0 / (1.0 + (-s).exp());
            let d = (p - r.y) * r.weight;
            for i in 0..N {
                g[i] += d * x[i];
            }
        }
        for i in 0..N {
            let grad = g[i] / n + if i > 0 { l2 * w[i] } else { 0.0 };
            m[i] = b1 * m[i] + (1.0 - b1) * grad;
            v[i] = b2 * v[i] + (1.0 - b2) * grad * grad;
            let mh = m[i] / (1.0 - b1.powi(t as i32));
            let vh = v[i] / (1.0 - b2.powi(t as i32));
            w[i] -= lr * mh / (vh.sqrt() + eps);
        }
    }
    Fitted { mean, scale, weights: w }
}

/// Weighted precision, recall and F1 of "keep" decisions against the labels.
fn evaluate<const N: usize>(model: &Fitted<N>, rows: &[Row<N>], threshold: f32) -> (f32, f32, f32) {
    let (mut tp, mut fp, mut fneg) = (0f32, 0f32, 0f32);
    for r in rows {
        let keep = model.probability(&r.x) >= threshold;
        match (keep, r.y > 0.5) {
            (true, true) => tp += r.weight,
            (true, false) => fp += r.weight,
            (false, true) => fneg += r.weight,
            _ => {}
        }
    }
    let p = tp / (tp + fp).max(1e-9);
    let rc = tp / (tp + fneg).max(1e-9);
    (p, rc, 2.0 * p * rc / (p + rc).max(1e-9))
}

fn rust_array<const N: usize>(v: &[f32; N], names: &[&str]) -> String {
    let mut s = String::new();
    for (x, name) in v.iter().zip(names) {
        let _ = writeln!(s, "        {x:.6}, // {name}");
    }
    s
}

fn rust_model<const N: usize>(name: &str, m: &Fitted<N>, names: &[&str]) -> String {
    format!(
        "pub(super) const {name}: Logistic<'static> = Logistic {{\n    mean: &[\n{}    ],\n    scale: &[\n{}    ],\n    weights: &[\n{}    ],\n}};\n",
        rust_array(&m.mean, names),
        rust_array(&m.scale, names),
        rust_array(&m.weights, names)
    )
}

fn write_weights(a: &Fitted<N_FEATURES>, b: &Fitted<N_B>, path: &Path, command: &str) -> std::io::Result<()> {
    let b_names: Vec<&str> = FEATURE_NAMES.iter().chain(CONTEXT_NAMES).copied().collect();
    let text = format!(
        "//! Generated by `{command}`; do not edit by hand.\n\nuse super::model::Logistic;\n\n{}\n{}",
        rust_model("STAGE_A", a, FEATURE_NAMES),
        rust_model("STAGE_B", b, &b_names),
    );
    std::fs::write(path, text)
}

fn report<const N: usize>(label: &str, m: &Fitted<N>, rows: &[Row<N>]) {
    let (p, r, f) = evaluate(m, rows, 0.5);
    println!("{label:<44} P={p:.3} R={r:.3} F1={f:.3}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let usage = "usage: train_cleaner BENCH_DIR --train SETS [--eval SETS] [--iterations N] [--write FILE]";
    let bench = PathBuf::from(args.get(1).ok_or(usage)?);
    let list = |s: Option<String>| s.map(|s| s.split(',').map(String::from).collect::<Vec<_>>()).unwrap_or_default();
    let train_sets = list(arg("--train"));
    let eval_sets = list(arg("--eval"));
    let iterations: usize = arg("--iterations").map(|s| s.parse()).transpose()?.unwrap_or(300);
    let cleaner = Cleaner::new(&CleanConfig::default())?;
    let mut pages = Vec::new();
    for set in &train_sets {
        pages.extend(load_set(&bench, set, &cleaner)?);
    }
    let ra = rows_a(&pages);
    let positives = ra.iter().filter(|r| r.y > 0.5).count();
    eprintln!("training on {} lines ({positives} body) of {} pages from {}", ra.len(), pages.len(), train_sets.join(", "));
    let a = train(&ra, iterations, 1e-3);
    let rb = rows_b(&pages, &a);
    let b = train(&rb, iterations, 1e-3);
    report(&format!("train A {}", train_sets.join(",")), &a, &ra);
    report(&format!("train B {}", train_sets.join(",")), &b, &rb);
    for set in &eval_sets {
        let eval = load_set(&bench, set, &cleaner)?;
        report(&format!("eval  A {set}"), &a, &rows_a(&eval));
        report(&format!("eval  B {set}"), &b, &rows_b(&eval, &a));
    }
    let b_names: Vec<&str> = FEATURE_NAMES.iter().chain(CONTEXT_NAMES).copied().collect();
    let mut ranked: Vec<(f32, &str)> = b.weights.iter().copied().zip(b_names.iter().copied()).collect();
    ranked.sort_by(|x, y| y.0.abs().total_cmp(&x.0.abs()));
    for (w, name) in ranked.iter().take(12) {
        println!("  B {name:<22} {w:+.3}");
    }
    if let Some(path) = arg("--write") {
        let command = format!(
            "cargo run --release --example train_cleaner -- BENCH_DIR --train {} --iterations {iterations}",
            train_sets.join(",")
        );
        write_weights(&a, &b, Path::new(&path), &command)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}
