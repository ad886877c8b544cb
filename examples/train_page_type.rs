//! Trains the page-type models (`src/page_type/mod.rs`) on benchmark pages whose ground
//! truth has a `page_type`, cross-validates them grouped by site, and writes their weights.
//!
//! ```sh
//! cargo run --release --example train_page_type -- ../shared/bench --html wcxb-html --text wcxb-text \
//!     --folds 5 --write src/page_type/weights.rs
//! ```
//!
//! A set named `SET:article` counts its pages without a `page_type` as articles (the older sets);
//! `SET:article:W` also makes each of its pages weigh W in the fit (default 1).
//! Every page is read and cleaned as the daemon does it; its row is `page_type::features`. The model
//! is a softmax over the seven types on standardised inputs, fitted by full-batch Adam with L2 from
//! zero, so the same pages always give the same weights.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use newsmill::config::CleanConfig;
use newsmill::page_type::{self, FEATURE_NAMES, N_FEATURES, PageType, Weights};
use newsmill::record::Markup;
use newsmill::stages::clean::Cleaner;

#[path = "common/adam.rs"]
mod adam;
#[path = "common/bench.rs"]
mod bench;

use adam::Adam;

const K: usize = 7;

struct Row {
    x: [f32; N_FEATURES],
    y: usize,
    group: String,
    set: String,
    /// How much the row counts in the fit.
    weight: f32,
}

/// The rows of `set`; `SET:TYPE` gives every page of the set without a `page_type` that type (the
/// older sets are all news articles).
fn load(bench: &Path, set: &str, cleaner: &Cleaner) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut parts = set.split(':');
    let set = parts.next().unwrap_or_default();
    let untyped = match parts.next() {
        Some(t) => Some(PageType::from_name(t).ok_or_else(|| format!("no page type {t:?}"))?),
        None => None,
    };
    let weight: f32 = parts.next().map(str::parse).transpose()?.unwrap_or(1.0);
    let mut rows = Vec::new();
    for p in bench::read_set(bench, set)? {
        let Some(y) = p.truth["page_type"].as_str().and_then(PageType::from_name).or(untyped) else { continue };
        let (cleaned, _) = cleaner.clean_document(p.doc);
        rows.push(Row { x: page_type::features(&cleaned), y: y.index(), group: p.group, set: set.to_string(), weight });
    }
    Ok(rows)
}

/// Fits a softmax on `rows`.
fn fit(rows: &[&Row], iterations: usize, l2: f32) -> Weights {
    let n = rows.iter().map(|r| r.weight).sum::<f32>().max(1.0);
    let mut mean = [0f32; N_FEATURES];
    let mut scale = [1f32; N_FEATURES];
    for i in 0..N_FEATURES {
        let m = rows.iter().map(|r| r.weight * r.x[i]).sum::<f32>() / n;
        let var = rows.iter().map(|r| r.weight * (r.x[i] - m).powi(2)).sum::<f32>() / n;
        mean[i] = m;
        scale[i] = if var > 1e-8 { 1.0 / var.sqrt() } else { 0.0 };
    }
    let z: Vec<[f32; N_FEATURES]> =
        rows.iter().map(|r| std::array::from_fn(|i| (r.x[i] - mean[i]) * scale[i])).collect();
    let np = K * (N_FEATURES + 1);
    let mut p = vec![0f32; np];
    let mut adam = Adam::new(np);
    for _ in 0..iterations {
        let mut g = vec![0f32; np];
        for (zr, r) in z.iter().zip(rows) {
            let logits: [f32; K] = std::array::from_fn(|k| {
                let w = &p[k * (N_FEATURES + 1)..(k + 1) * (N_FEATURES + 1)];
                w[N_FEATURES] + w[..N_FEATURES].iter().zip(zr).map(|(w, z)| w * z).sum::<f32>()
            });
            let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let e: [f32; K] = std::array::from_fn(|k| (logits[k] - top).exp());
            let sum: f32 = e.iter().sum();
            for k in 0..K {
                let d = r.weight * (e[k] / sum - f32::from(u8::from(k == r.y)));
                let gk = &mut g[k * (N_FEATURES + 1)..(k + 1) * (N_FEATURES + 1)];
                for (gi, zi) in gk[..N_FEATURES].iter_mut().zip(zr) {
                    *gi += d * zi / n;
                }
                gk[N_FEATURES] += d / n;
            }
        }
        for k in 0..K {
            for i in 0..N_FEATURES {
                let j = k * (N_FEATURES + 1) + i;
                g[j] += l2 * p[j];
            }
        }
        adam.step(&mut p, &g);
    }
    let w: [[f32; N_FEATURES]; K] = std::array::from_fn(|k| std::array::from_fn(|i| p[k * (N_FEATURES + 1) + i]));
    let b: [f32; K] = std::array::from_fn(|k| p[k * (N_FEATURES + 1) + N_FEATURES]);
    Weights { mean, scale, w, b }
}

/// Accuracy over seven types, article-vs-not accuracy, per-type F1 and the confusion matrix.
fn report(label: &str, truth_pred: &[(usize, usize)]) {
    let n = truth_pred.len().max(1) as f64;
    let acc = truth_pred.iter().filter(|(y, p)| y == p).count() as f64 / n;
    let binary = truth_pred.iter().filter(|(y, p)| (*y == 0) == (*p == 0)).count() as f64 / n;
    let mut f1s = Vec::new();
    let mut line = String::new();
    for k in 0..K {
        let tp = truth_pred.iter().filter(|(y, p)| *y == k && *p == k).count() as f64;
        let fp = truth_pred.iter().filter(|(y, p)| *y != k && *p == k).count() as f64;
        let fnn = truth_pred.iter().filter(|(y, p)| *y == k && *p != k).count() as f64;
        let f1 = if tp > 0.0 { 2.0 * tp / (2.0 * tp + fp + fnn) } else { 0.0 };
        f1s.push(f1);
        let _ = write!(line, " {}={f1:.3}", PageType::ALL[k].name());
    }
    let macro_f1 = f1s.iter().sum::<f64>() / K as f64;
    println!("{label}: n={} accuracy={acc:.3} article_vs_not={binary:.3} macro_F1={macro_f1:.3}", truth_pred.len());
    println!("  F1:{line}");
    println!("  confusion (rows: truth, columns: predicted, in the order above):");
    for y in 0..K {
        let counts: Vec<String> =
            (0..K).map(|p| format!("{:4}", truth_pred.iter().filter(|(a, b)| *a == y && *b == p).count())).collect();
        println!("  {:<14}{}", PageType::ALL[y].name(), counts.join(""));
    }
}

fn floats(v: &[f32]) -> String {
    v.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", ")
}

fn rust_weights(name: &str, doc: &str, m: &Weights) -> String {
    let mut s = format!("/// {doc}\npub static {name}: Weights = Weights {{\n");
    let _ = writeln!(s, "    mean: [{}],", floats(&m.mean));
    let _ = writeln!(s, "    scale: [{}],", floats(&m.scale));
    s.push_str("    w: [\n");
    for (k, row) in m.w.iter().enumerate() {
        let _ = writeln!(s, "        // {}\n        [{}],", PageType::ALL[k].name(), floats(row));
    }
    s.push_str("    ],\n");
    let _ = writeln!(s, "    b: [{}],\n}};", floats(&m.b));
    s
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let usage = "usage: train_page_type BENCH_DIR --html SETS --text SETS [--folds K] [--iterations N] [--l2 X] [--write FILE] [--dump DIR]";
    let bench = PathBuf::from(args.get(1).ok_or(usage)?);
    let list = |s: Option<String>| s.map(|s| s.split(',').map(String::from).collect::<Vec<_>>()).unwrap_or_default();
    let folds: usize = arg("--folds").map(|s| s.parse()).transpose()?.unwrap_or(5);
    let iterations: usize = arg("--iterations").map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let l2: f32 = arg("--l2").map(|s| s.parse()).transpose()?.unwrap_or(L2);
    // The daemon types a page from the first block model's verdicts, a page dump from those of
    // the text model the chooser picked (a page of another kind then gets the other model's):
    // the inputs are read from those.
    let mut first_only = CleanConfig::default();
    first_only.non_article_html_model = false;
    first_only.non_article_text_model = false;
    let cleaner = Cleaner::new(&first_only)?;
    let mut fitted = Vec::new();
    for (kind, sets) in [(Markup::Html, list(arg("--html"))), (Markup::Text, list(arg("--text")))] {
        let mut rows = Vec::new();
        for set in &sets {
            rows.extend(load(&bench, set, &cleaner)?);
        }
        if rows.is_empty() {
            return Err(format!("no pages with a page_type in {sets:?}\n{usage}").into());
        }
        let all: Vec<&Row> = rows.iter().collect();
        if let Some(dir) = arg("--dump") {
            // The rows as CSV (type, site, inputs), for trying other learners on the same inputs.
            let mut csv = format!("type,site,{}\n", FEATURE_NAMES.join(","));
            for r in &all {
                let _ = writeln!(csv, "{},{},{}", PageType::ALL[r.y].name(), r.group, floats(&r.x));
            }
            std::fs::write(Path::new(&dir).join(format!("{}.csv", sets.join("+"))), csv)?;
        }
        if folds > 1 {
            let mut out = Vec::new();
            for k in 0..folds {
                let (train, held_out) = bench::split_fold(&all, k, folds, |r: &Row| &r.group);
                let m = fit(&train, iterations, l2);
                for r in held_out {
                    out.push((r.set.as_str(), r.y, page_type::decide(&m, &r.x).page_type.index()));
                }
            }
            let pairs = |set: Option<&str>| -> Vec<(usize, usize)> {
                out.iter().filter(|(s, ..)| set.is_none_or(|set| *s == set)).map(|&(_, y, p)| (y, p)).collect()
            };
            report(&format!("cv{folds} by site, {}", sets.join(",")), &pairs(None));
            if sets.len() > 1 {
                for set in &sets {
                    let name = set.split(':').next().unwrap_or(set);
                    report(&format!("  of which {name}"), &pairs(Some(name)));
                }
            }
        }
        let m = fit(&all, iterations, l2);
        let out: Vec<(usize, usize)> =
            all.iter().map(|r| (r.y, page_type::decide(&m, &r.x).page_type.index())).collect();
        report(&format!("fit {}", sets.join(",")), &out);
        fitted.push((kind, sets, m));
    }
    if let Some(path) = arg("--write") {
        let mut text = String::from(
            "//! Weights of the page-type models (`src/page_type/mod.rs`). Written by\n//! `cargo run --release --example train_page_type -- BENCH_DIR",
        );
        for (kind, sets, _) in &fitted {
            let _ = write!(text, " --{} {}", if *kind == Markup::Text { "text" } else { "html" }, sets.join(","));
        }
        let _ =
            write!(text, " --iterations {iterations} --l2 {l2} --write FILE`; do not edit.\n\nuse super::Weights;\n\n");
        let _ = writeln!(text, "// Inputs: {}.", FEATURE_NAMES.join(", "));
        for (kind, sets, m) in &fitted {
            let (name, doc) = match kind {
                Markup::Text => ("TEXT", format!("The model for text dumps (trained on {}).", sets.join(", "))),
                _ => ("HTML", format!("The model for HTML pages (trained on {}).", sets.join(", "))),
            };
            text.push('\n');
            text.push_str(&rust_weights(name, &doc, m));
        }
        std::fs::write(&path, text)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}

/// Weight decay: grouped 5-fold cross-validation on wcxb-html, article vs not: 1e-3 0.892, 3e-3 0.901,
/// 1e-2 0.906, 3e-2 0.902 (1,000 iterations).
const L2: f32 = 1e-2;
