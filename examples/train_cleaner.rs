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
//! Each stage is a small network (one tanh hidden layer) on standardised features, fitted by
//! full-batch Adam with L2 from a fixed pseudo-random start, so the same pages always give the same
//! weights. See docs/cleaner-model.md.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use newsmill::config::CleanConfig;
use newsmill::stages::clean::features::{FEATURE_NAMES, N_FEATURES};
use newsmill::stages::clean::model::{CONTEXT_NAMES, HIDDEN, Mlp, N_B, stage_b_inputs};
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

/// A fitted network, owning its numbers.
struct Fitted<const N: usize> {
    mean: [f32; N],
    scale: [f32; N],
    hidden: Vec<f32>,
    hidden_bias: Vec<f32>,
    output: Vec<f32>,
    output_bias: f32,
}

impl<const N: usize> Fitted<N> {
    fn as_mlp(&self) -> Mlp<'_> {
        Mlp {
            mean: &self.mean,
            scale: &self.scale,
            hidden: &self.hidden,
            hidden_bias: &self.hidden_bias,
            output: &self.output,
            output_bias: self.output_bias,
        }
    }

    fn probability(&self, x: &[f32; N]) -> f32 {
        self.as_mlp().probability(x)
    }
}

/// Adam state for one parameter vector.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    fn new(n: usize) -> Self {
        Self { m: vec![0.0; n], v: vec![0.0; n] }
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], t: i32, lr: f32) {
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        for i in 0..params.len() {
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * grads[i];
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * grads[i] * grads[i];
            let mh = self.m[i] / (1.0 - b1.powi(t));
            let vh = self.v[i] / (1.0 - b2.powi(t));
            params[i] -= lr * mh / (vh.sqrt() + eps);
        }
    }
}

/// Full-batch Adam on weighted log-loss with L2, from a fixed pseudo-random start: the same rows
/// always give the same network.
fn train<const N: usize>(rows: &[Row<N>], iterations: usize, l2: f32) -> Fitted<N> {
    let h = HIDDEN;
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
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rand = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let mut hidden: Vec<f32> = (0..h * N).map(|_| rand() * 2.0 / (N as f32).sqrt()).collect();
    let mut hidden_bias = vec![0f32; h];
    let mut output: Vec<f32> = (0..h).map(|_| rand() * 2.0 / (h as f32).sqrt()).collect();
    let mut output_bias = [0f32; 1];
    let (mut o_h, mut o_hb, mut o_o, mut o_ob) = (Adam::new(h * N), Adam::new(h), Adam::new(h), Adam::new(1));
    let mut act = vec![0f32; h];
    for t in 1..=iterations as i32 {
        let mut g_h = vec![0f32; h * N];
        let mut g_hb = vec![0f32; h];
        let mut g_o = vec![0f32; h];
        let mut g_ob = 0f32;
        for (r, x) in rows.iter().zip(&z) {
            let mut out = output_bias[0];
            for j in 0..h {
                let row = &hidden[j * N..(j + 1) * N];
                let a: f32 = row.iter().zip(x).map(|(w, x)| w * x).sum::<f32>() + hidden_bias[j];
                act[j] = a.tanh();
                out += output[j] * act[j];
            }
            let p = 1.0 / (1.0 + (-out).exp());
            let d = (p - r.y) * r.weight / n;
            g_ob += d;
            for j in 0..h {
                g_o[j] += d * act[j];
                let dh = d * output[j] * (1.0 - act[j] * act[j]);
                g_hb[j] += dh;
                let g = &mut g_h[j * N..(j + 1) * N];
                for (g, x) in g.iter_mut().zip(x) {
                    *g += dh * x;
                }
            }
        }
        for (g, w) in g_h.iter_mut().zip(&hidden) {
            *g += l2 * w;
        }
        for (g, w) in g_o.iter_mut().zip(&output) {
            *g += l2 * w;
        }
        let lr = 0.02;
        o_h.step(&mut hidden, &g_h, t, lr);
        o_hb.step(&mut hidden_bias, &g_hb, t, lr);
        o_o.step(&mut output, &g_o, t, lr);
        o_ob.step(&mut output_bias, &[g_ob], t, lr);
    }
    Fitted { mean, scale, hidden, hidden_bias, output, output_bias: output_bias[0] }
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

fn rust_floats(v: &[f32], per_line: usize) -> String {
    let mut s = String::new();
    for chunk in v.chunks(per_line.max(1)) {
        s.push_str("       ");
        for x in chunk {
            let _ = write!(s, " {x:.6},");
        }
        s.push('\n');
    }
    s
}

fn rust_model<const N: usize>(name: &str, m: &Fitted<N>, names: &[&str]) -> String {
    let mut s = format!("pub(super) const {name}: Mlp<'static> = Mlp {{\n");
    let _ = writeln!(s, "    // inputs: {}", names.join(", "));
    let _ = write!(s, "    mean: &[\n{}    ],\n", rust_floats(&m.mean, 8));
    let _ = write!(s, "    scale: &[\n{}    ],\n", rust_floats(&m.scale, 8));
    let _ = write!(s, "    hidden: &[\n{}    ],\n", rust_floats(&m.hidden, N));
    let _ = write!(s, "    hidden_bias: &[\n{}    ],\n", rust_floats(&m.hidden_bias, 8));
    let _ = write!(s, "    output: &[\n{}    ],\n", rust_floats(&m.output, 8));
    let _ = write!(s, "    output_bias: {:.6},\n}};\n", m.output_bias);
    s
}

fn write_weights(a: &Fitted<N_FEATURES>, b: &Fitted<N_B>, path: &Path, command: &str) -> std::io::Result<()> {
    let b_names: Vec<&str> = FEATURE_NAMES.iter().chain(CONTEXT_NAMES).copied().collect();
    let text = format!(
        "//! Generated by `{command}`; do not edit by hand.\n\nuse super::model::Mlp;\n\n{}\n{}",
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
    let iterations: usize = arg("--iterations").map(|s| s.parse()).transpose()?.unwrap_or(400);
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
