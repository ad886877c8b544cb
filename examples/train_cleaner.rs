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
use newsmill::stages::clean::Cleaner;
use newsmill::stages::clean::features::{FEATURE_NAMES, N_FEATURES};
use newsmill::stages::source::charset::decode;

struct Row {
    x: [f32; N_FEATURES],
    y: f32,
    weight: f32,
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

fn load_set(bench: &Path, set: &str, cleaner: &Cleaner) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let dir = bench.join("extraction").join(set);
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("ground-truth.json"))?)?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.join("pages"))?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    pages.sort();
    let mut rows = Vec::new();
    for page in pages {
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let id = name.split('.').next().unwrap_or_default();
        let Some(body) = truth[id]["articleBody"].as_str() else { continue };
        let Ok(decoded) = decode(&std::fs::read(&page)?, false) else { continue };
        let t = Truth::new(body);
        for (text, x) in cleaner.training_rows(&decoded.text) {
            let (positive, n) = t.label(&text);
            rows.push(Row { x, y: f32::from(u8::from(positive)), weight: (1.0 + n as f32).sqrt() });
        }
    }
    Ok(rows)
}

struct Model {
    mean: [f32; N_FEATURES],
    scale: [f32; N_FEATURES],
    weights: [f32; N_FEATURES],
}

impl Model {
    fn probability(&self, x: &[f32; N_FEATURES]) -> f32 {
        let z: f32 = (0..N_FEATURES).map(|i| (x[i] - self.mean[i]) / self.scale[i] * self.weights[i]).sum();
        1.0 / (1.0 + (-z).exp())
    }
}

fn train(rows: &[Row], iterations: usize, l2: f32) -> Model {
    let n: f32 = rows.iter().map(|r| r.weight).sum();
    let mut mean = [0f32; N_FEATURES];
    let mut scale = [1f32; N_FEATURES];
    for i in 1..N_FEATURES {
        mean[i] = rows.iter().map(|r| r.x[i] * r.weight).sum::<f32>() / n;
        let var = rows.iter().map(|r| (r.x[i] - mean[i]).powi(2) * r.weight).sum::<f32>() / n;
        scale[i] = var.sqrt().max(1e-3);
    }
    let z: Vec<[f32; N_FEATURES]> = rows
        .iter()
        .map(|r| {
            let mut v = [0f32; N_FEATURES];
            for i in 0..N_FEATURES {
                v[i] = (r.x[i] - mean[i]) / scale[i];
            }
            v
        })
        .collect();
    let mut w = [0f32; N_FEATURES];
    // Adam: robust step sizes without tuning per feature.
    let (mut m, mut v) = ([0f32; N_FEATURES], [0f32; N_FEATURES]);
    let (b1, b2, lr, eps) = (0.9f32, 0.999f32, 0.05f32, 1e-8f32);
    for t in 1..=iterations {
        let mut g = [0f32; N_FEATURES];
        for (r, x) in rows.iter().zip(&z) {
            let s: f32 = (0..N_FEATURES).map(|i| x[i] * w[i]).sum();
            let p = 1.0 / (1.0 + (-s).exp());
            let d = (p - r.y) * r.weight;
            for i in 0..N_FEATURES {
                g[i] += d * x[i];
            }
        }
        for i in 0..N_FEATURES {
            let grad = g[i] / n + if i > 0 { l2 * w[i] } else { 0.0 };
            m[i] = b1 * m[i] + (1.0 - b1) * grad;
            v[i] = b2 * v[i] + (1.0 - b2) * grad * grad;
            let mh = m[i] / (1.0 - b1.powi(t as i32));
            let vh = v[i] / (1.0 - b2.powi(t as i32));
            w[i] -= lr * mh / (vh.sqrt() + eps);
        }
    }
    Model { mean, scale, weights: w }
}

/// Weighted precision, recall and F1 of "keep" decisions against the labels.
fn evaluate(model: &Model, rows: &[Row], threshold: f32) -> (f32, f32, f32) {
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

fn write_weights(model: &Model, path: &Path, command: &str) -> std::io::Result<()> {
    let arr = |v: &[f32; N_FEATURES]| {
        let mut s = String::new();
        for (x, name) in v.iter().zip(FEATURE_NAMES) {
            let _ = writeln!(s, "    {x:.6}, // {name}");
        }
        s
    };
    let text = format!(
        "//! Generated by `{command}`; do not edit by hand.\n\nuse super::features::N_FEATURES;\n\n\
         pub(super) const MEAN: [f32; N_FEATURES] = [\n{}];\n\n\
         pub(super) const SCALE: [f32; N_FEATURES] = [\n{}];\n\n\
         pub(super) const WEIGHTS: [f32; N_FEATURES] = [\n{}];\n",
        arr(&model.mean),
        arr(&model.scale),
        arr(&model.weights)
    );
    std::fs::write(path, text)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let bench = PathBuf::from(args.get(1).ok_or("usage: train_cleaner BENCH_DIR --train SETS [--eval SETS] [--write FILE]")?);
    let list = |s: Option<String>| s.map(|s| s.split(',').map(String::from).collect::<Vec<_>>()).unwrap_or_default();
    let train_sets = list(arg("--train"));
    let eval_sets = list(arg("--eval"));
    let iterations: usize = arg("--iterations").map(|s| s.parse()).transpose()?.unwrap_or(300);
    let cleaner = Cleaner::new(&CleanConfig::default())?;
    let mut rows = Vec::new();
    for set in &train_sets {
        rows.extend(load_set(&bench, set, &cleaner)?);
    }
    let positives = rows.iter().filter(|r| r.y > 0.5).count();
    eprintln!("training on {} lines ({positives} body) from {}", rows.len(), train_sets.join(", "));
    let model = train(&rows, iterations, 1e-3);
    let (p, r, f) = evaluate(&model, &rows, 0.5);
    println!("train {:<28} P={p:.3} R={r:.3} F1={f:.3}", train_sets.join(","));
    for set in &eval_sets {
        let eval = load_set(&bench, set, &cleaner)?;
        let (p, r, f) = evaluate(&model, &eval, 0.5);
        println!("eval  {set:<28} P={p:.3} R={r:.3} F1={f:.3}");
    }
    let mut ranked: Vec<(f32, &str)> = model.weights.iter().copied().zip(FEATURE_NAMES.iter().copied()).collect();
    ranked.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    for (w, name) in ranked.iter().take(12) {
        println!("  {name:<22} {w:+.3}");
    }
    if let Some(path) = arg("--write") {
        let command = format!(
            "cargo run --release --example train_cleaner -- BENCH_DIR --train {} --iterations {iterations}",
            train_sets.join(",")
        );
        write_weights(&model, Path::new(&path), &command)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}
