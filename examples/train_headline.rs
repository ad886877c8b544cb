//! Trains the headline model for page dumps (`src/stages/clean/headline_model.rs`) on benchmark
//! dumps whose ground truth has a `title`, cross-validates it grouped by site, and writes its
//! weights.
//!
//! ```sh
//! cargo run --release --example train_headline -- ../shared/bench wcxb-text,l3s-gn1-text \
//!     --folds 5 --write src/stages/clean/headline_weights.rs
//! ```
//!
//! Every page is read and cleaned as the daemon does it, up to the rules' headline; its rows are
//! `headline_model::candidates`. A candidate's target is how well it matches the true title (token
//! F1, as `score_meta.py` counts it): the page's best candidates share the page's weight, and a page
//! whose best candidate matches less than half is left out of the fit (its title is not among the
//! lines). The model is a softmax over each page's candidates on standardised inputs, fitted by
//! full-batch Adam with L2 from zero, so the same pages always give the same weights. Reported:
//! the mean title F1 of the rules' choice, of the model's, and of the best candidate, over every
//! page with a title and over WCXB's article pages. `--show` lists the pages where the model's
//! choice falls short of the best candidate by more than 0.2, in cross-validation.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use newsmill::config::CleanConfig;
use newsmill::stages::clean::headline_model::{self, Candidate, FEATURE_NAMES, N_FEATURES, Weights};
use newsmill::stages::clean::{Cleaner, HeadlineCandidates};

#[path = "common/adam.rs"]
mod adam;
#[path = "common/bench.rs"]
mod bench;

use adam::Adam;

/// One page's candidates.
struct Page {
    set: String,
    group: String,
    article: bool,
    /// Each candidate's inputs and its title F1.
    rows: Vec<([f32; N_FEATURES], f32)>,
    /// The candidates themselves.
    candidates: Vec<Candidate>,
    /// Each candidate's text, and the true title.
    texts: Vec<String>,
    title: String,
}

/// Lower-cased word tokens, as `score_meta.py` splits them (`\w+`).
fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|t| !t.is_empty()).map(str::to_lowercase).collect()
}

/// Token-multiset F1 of `pred` against `truth`.
fn f1(truth: &[String], pred: &str) -> f32 {
    let pred = tokens(pred);
    if truth.is_empty() || pred.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, i32> = HashMap::new();
    for t in truth {
        *counts.entry(t).or_default() += 1;
    }
    let mut common = 0;
    for t in &pred {
        if let Some(c) = counts.get_mut(t.as_str()).filter(|c| **c > 0) {
            *c -= 1;
            common += 1;
        }
    }
    if common == 0 {
        return 0.0;
    }
    let (p, r) = (common as f32 / pred.len() as f32, common as f32 / truth.len() as f32);
    2.0 * p * r / (p + r)
}

/// Fits the ranker on `pages`.
fn fit(pages: &[&Page], iterations: usize, l2: f32) -> Weights {
    let fitted: Vec<&Page> = pages.iter().copied().filter(|p| best_f1(p) >= 0.5).collect();
    let all: Vec<&[f32; N_FEATURES]> = fitted.iter().flat_map(|p| p.rows.iter().map(|(x, _)| x)).collect();
    let n = all.len().max(1) as f32;
    let mut mean = [0f32; N_FEATURES];
    let mut scale = [1f32; N_FEATURES];
    for i in 0..N_FEATURES {
        let m = all.iter().map(|x| x[i]).sum::<f32>() / n;
        let var = all.iter().map(|x| (x[i] - m).powi(2)).sum::<f32>() / n;
        mean[i] = m;
        scale[i] = if var > 1e-8 { 1.0 / var.sqrt() } else { 0.0 };
    }
    let z: Vec<Vec<([f32; N_FEATURES], f32)>> = fitted
        .iter()
        .map(|p| {
            let top = best_f1(p);
            let best = p.rows.iter().filter(|(_, f)| *f >= top - 1e-6).count() as f32;
            p.rows
                .iter()
                .map(|(x, f)| {
                    let target = if *f >= top - 1e-6 { 1.0 / best } else { 0.0 };
                    (std::array::from_fn(|i| (x[i] - mean[i]) * scale[i]), target)
                })
                .collect()
        })
        .collect();
    let pages_n = z.len().max(1) as f32;
    let mut w = [0f32; N_FEATURES];
    let mut adam = Adam::new(N_FEATURES);
    for _ in 0..iterations {
        let mut g = [0f32; N_FEATURES];
        for page in &z {
            let scores: Vec<f32> = page.iter().map(|(x, _)| x.iter().zip(&w).map(|(x, w)| x * w).sum()).collect();
            let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let e: Vec<f32> = scores.iter().map(|s| (s - top).exp()).collect();
            let sum: f32 = e.iter().sum();
            for ((x, target), e) in page.iter().zip(&e) {
                let d = (e / sum - target) / pages_n;
                for (gi, xi) in g.iter_mut().zip(x) {
                    *gi += d * xi;
                }
            }
        }
        for (g, w) in g.iter_mut().zip(&w) {
            *g += l2 * w;
        }
        adam.step(&mut w, &g);
    }
    Weights { mean, scale, w }
}

fn best_f1(p: &Page) -> f32 {
    p.rows.iter().map(|(_, f)| *f).fold(0.0, f32::max)
}

/// The title F1 of the candidate the daemon takes (0 when the page has none).
fn chosen_f1(p: &Page, m: &Weights) -> f32 {
    headline_model::best(&p.candidates, m).map_or(0.0, |k| p.rows[k].1)
}

/// The title F1 of the rules' choice (0 when they chose none among the candidates).
fn rules_f1(p: &Page) -> f32 {
    p.candidates.iter().position(headline_model::is_rules_title).map_or(0.0, |k| p.rows[k].1)
}

/// Mean F1s (rules, model, best candidate) over the pages `keep` selects.
fn report(label: &str, scored: &[(&Page, f32)], keep: impl Fn(&Page) -> bool) {
    let sel: Vec<&(&Page, f32)> = scored.iter().filter(|(p, _)| keep(p)).collect();
    let n = sel.len().max(1) as f32;
    let rules = sel.iter().map(|(p, _)| rules_f1(p)).sum::<f32>() / n;
    let model = sel.iter().map(|(_, f)| f).sum::<f32>() / n;
    let ceiling = sel.iter().map(|(p, _)| best_f1(p)).sum::<f32>() / n;
    println!("{label}: pages={} rules={rules:.4} model={model:.4} best_candidate={ceiling:.4}", sel.len());
}

fn floats(v: &[f32]) -> String {
    v.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", ")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let usage = "usage: train_headline BENCH_DIR SETS [--folds K] [--iterations N] [--l2 X] [--write FILE] [--show]";
    let bench = PathBuf::from(args.get(1).ok_or(usage)?);
    let sets: Vec<String> = args.get(2).ok_or(usage)?.split(',').map(String::from).collect();
    let folds: usize = arg("--folds").map(|s| s.parse()).transpose()?.unwrap_or(5);
    let iterations: usize = arg("--iterations").map(|s| s.parse()).transpose()?.unwrap_or(500);
    let l2: f32 = arg("--l2").map(|s| s.parse()).transpose()?.unwrap_or(L2);
    let cleaner = Cleaner::new(&CleanConfig::default())?;
    let mut pages = Vec::new();
    for set in &sets {
        for p in bench::read_set(&bench, set)? {
            let Some(title) = p.truth["title"].as_str() else { continue };
            let truth = tokens(title);
            if truth.is_empty() {
                continue;
            }
            let article = p.truth["page_type"].as_str().is_none_or(|t| t == "article");
            // (Pages too short for the daemon to rank are in the fit too, as the committed weights
            // were fitted; leaving them out changes them.)
            let HeadlineCandidates { texts, candidates, .. } = cleaner.headline_candidates(&p.doc.text);
            let rows = candidates.iter().zip(&texts).map(|(c, text)| (c.x, f1(&truth, text))).collect();
            let title = title.to_string();
            pages.push(Page { set: set.clone(), group: p.group, article, rows, candidates, texts, title });
        }
    }
    if pages.is_empty() {
        return Err(format!("no pages with a title in {sets:?}\n{usage}").into());
    }
    let all: Vec<&Page> = pages.iter().collect();
    let reports = |label: &str, scored: &[(&Page, f32)]| {
        for set in &sets {
            report(&format!("{label} {set}"), scored, |p| p.set == *set);
            report(&format!("{label} {set} articles"), scored, |p| p.set == *set && p.article);
        }
    };
    if folds > 1 {
        let mut scored = Vec::new();
        for k in 0..folds {
            let (train, held_out) = bench::split_fold(&all, k, folds, |p: &Page| &p.group);
            let m = fit(&train, iterations, l2);
            scored.extend(held_out.iter().map(|p| (*p, chosen_f1(p, &m))));
            if args.iter().any(|a| a == "--show") {
                for p in &held_out {
                    let chosen = chosen_f1(p, &m);
                    if chosen + 0.2 < best_f1(p) {
                        let at = |f: f32| p.rows.iter().position(|(_, g)| *g == f).map_or("", |i| p.texts[i].as_str());
                        let pick = headline_model::best(&p.candidates, &m).map_or("", |k| p.texts[k].as_str());
                        println!(
                            "MISS {} {}\n  truth  {}\n  chosen {}\n  best   {}",
                            p.set,
                            p.group,
                            p.title,
                            pick,
                            at(best_f1(p))
                        );
                    }
                }
            }
        }
        reports(&format!("cv{folds} by site"), &scored);
    }
    let m = fit(&all, iterations, l2);
    let scored: Vec<(&Page, f32)> = all.iter().map(|p| (*p, chosen_f1(p, &m))).collect();
    reports("fit", &scored);
    for (name, w) in FEATURE_NAMES.iter().zip(&m.w) {
        println!("  {name:<24} {w:+.3}");
    }
    if let Some(path) = arg("--write") {
        let mut text = String::new();
        let _ = write!(
            text,
            "//! Weights of the headline model (`headline_model.rs`). Written by\n//! `cargo run --release --example \
             train_headline -- BENCH_DIR {} --iterations {iterations} --l2 {l2} --write FILE`; do not edit.\n\n\
             use super::headline_model::Weights;\n\n// Inputs: {}.\n\n",
            sets.join(","),
            FEATURE_NAMES.join(", ")
        );
        let _ = writeln!(text, "/// The model for page dumps (trained on {}).", sets.join(", "));
        let _ = writeln!(text, "pub static TEXT: Weights = Weights {{");
        let _ = writeln!(text, "    mean: [{}],", floats(&m.mean));
        let _ = writeln!(text, "    scale: [{}],", floats(&m.scale));
        let _ = writeln!(text, "    w: [{}],\n}};", floats(&m.w));
        std::fs::write(&path, text)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}

/// Weight decay (see docs/cleaner-model.md for the grouped cross-validation behind it).
const L2: f32 = 1e-3;
