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
//! Every word of the lines the fitted line model keeps then becomes a row of the column splitter's
//! two passes (article when it lies within its line's run of words found in the body).
//! Each stage is a small network (one hidden layer, tanh-like activation) on standardised features, fitted by
//! full-batch Adam with L2 from a fixed pseudo-random start, so the same pages always give the same
//! weights. See docs/cleaner-model.md.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use newsmill::config::CleanConfig;
use newsmill::record::LineClass;
use newsmill::record::Markup;
use newsmill::stages::clean::blocks::DOM_FEATURE_NAMES;
use newsmill::stages::clean::columns;
use newsmill::stages::clean::config::RulesError;
use newsmill::stages::clean::features::FEATURE_NAMES;
use newsmill::stages::clean::model::{
    self, CONTEXT_NAMES, ColumnWeights, HIDDEN, LineModel, Mlp, Rows, SecondWeights, activation, activation_slope,
    stage_b_inputs,
};
use newsmill::stages::clean::{Cleaner, TrainingLine};

#[path = "common/bench.rs"]
mod bench;

#[derive(Clone)]
struct Row {
    x: Vec<f32>,
    y: f32,
    weight: f32,
}

/// One page: its text and ground truth, and its lines' features, labels and whether the model
/// decides them.
struct Page {
    /// The cross-validation group: the host of the page's URL (pages of one site share templates,
    /// so a fold never has a site on both sides), or the page id when the ground truth has no URL.
    group: String,
    /// The ground truth's `page_type` (WCXB), for per-type figures.
    page_type: Option<String>,
    /// How much the page weighs in training, against the usual one (`--set-weight`).
    weight: f32,
    /// ... in the second text model's training (`--second-set-weight`), or the HTML model's for
    /// pages other than articles (`--non-article-set-weight`).
    weight_second: f32,
    set: String,
    text: String,
    markup: Markup,
    truth: String,
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
                // (Also calling body every line that holds a run of the article beside other
                // columns' words, for the column splitter to cut down, scored lower in
                // cross-validation on both sets: the line model learns to keep menus.)
                let hits = t.windows(4).filter(|w| self.grams.contains(&hash(w))).count();
                hits * 2 >= n - 3
            }
        };
        (positive, t.len())
    }
}

fn load_set(bench: &Path, set: &str, cleaner: &Cleaner) -> Result<Vec<Page>, Box<dyn std::error::Error>> {
    let mut pages = Vec::new();
    for p in bench::read_set(bench, set)? {
        let Some(body) = p.truth["articleBody"].as_str() else { continue };
        let (text, markup) = (p.doc.text, p.doc.markup);
        let t = Truth::new(body);
        let lines = match markup {
            Markup::Text => cleaner.training_lines(&text),
            Markup::Html | Markup::HtmlFragment => cleaner.training_blocks(&text),
        };
        let labels = lines.iter().map(|l| t.label(&l.text)).collect();
        pages.push(Page {
            group: p.group,
            page_type: p.truth["page_type"].as_str().map(String::from),
            weight: 1.0,
            weight_second: 1.0,
            set: set.to_string(),
            text,
            markup,
            truth: body.to_string(),
            lines,
            labels,
        });
    }
    Ok(pages)
}

fn weight(tokens: usize) -> f32 {
    (1.0 + tokens as f32).sqrt()
}

/// The scorer averages precision and recall over pages, so every page carries the same total
/// weight, shared among its lines by their length.
fn page_weights(p: &Page, model: Which) -> Vec<f32> {
    let raw: Vec<f32> =
        p.lines.iter().zip(&p.labels).map(|(l, &(_, n))| if l.open { weight(n) } else { 0.0 }).collect();
    let total: f32 = raw.iter().sum::<f32>().max(1e-9);
    let weight = match model {
        Which::First => p.weight,
        Which::Second => p.weight_second,
    };
    raw.iter().map(|w| w / total * 100.0 * weight).collect()
}

/// Which of the two text line models a row is for (their set weights differ).
#[derive(Clone, Copy, PartialEq)]
enum Which {
    First,
    Second,
}

fn rows_a(pages: &[&Page], model: Which) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in pages {
        for ((l, &(y, _)), w) in p.lines.iter().zip(&p.labels).zip(page_weights(p, model)) {
            if l.open {
                rows.push(Row { x: l.features.clone(), y: f32::from(u8::from(y)), weight: w });
            }
        }
    }
    rows
}

fn rows_b(pages: &[&Page], a: &Fitted, model: Which) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in pages {
        let mut features = Rows::new(a.mean.len());
        for l in &p.lines {
            features.push(&l.features);
        }
        let pa: Vec<f32> = p.lines.iter().map(|l| if l.open { a.probability(&l.features) } else { 0.0 }).collect();
        let words: Vec<f32> = p.lines.iter().map(|l| l.words).collect();
        let weights = page_weights(p, model);
        for (((x, l), &(y, _)), w) in
            stage_b_inputs(&features, &pa, &words).iter().zip(&p.lines).zip(&p.labels).zip(weights)
        {
            if l.open {
                rows.push(Row { x: x.to_vec(), y: f32::from(u8::from(y)), weight: w });
            }
        }
    }
    rows
}

/// A fitted network, owning its numbers.
#[derive(Clone)]
struct Fitted {
    mean: Vec<f32>,
    scale: Vec<f32>,
    hidden: Vec<f32>,
    hidden_bias: Vec<f32>,
    output: Vec<f32>,
    output_bias: f32,
}

impl Fitted {
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

    fn probability(&self, x: &[f32]) -> f32 {
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

/// The least an input's spread is taken to be when standardising it. An input the training pages
/// all but never set (the share of Hangul particle endings: a few lines in thousands) would
/// otherwise stand hundreds of spreads out on the one page that sets it, and its weights, which
/// learned from almost nothing, would decide that page (a Korean article's paragraphs fell to
/// 0.01). Floored, such an input moves a line by a few spreads at most.
const MIN_SCALE: f32 = 0.1;

/// Full-batch Adam on weighted log-loss with L2, from a fixed pseudo-random start: the same rows
/// always give the same network.
fn train(rows: &[Row], iterations: usize, l2: f32) -> Fitted {
    let h = HIDDEN;
    #[allow(non_snake_case)]
    let N = rows.first().map_or(0, |r| r.x.len());
    let n: f32 = rows.iter().map(|r| r.weight).sum::<f32>().max(1e-9);
    let mut mean = vec![0f32; N];
    let mut scale = vec![1f32; N];
    for i in 1..N {
        mean[i] = rows.iter().map(|r| r.x[i] * r.weight).sum::<f32>() / n;
        let var = rows.iter().map(|r| (r.x[i] - mean[i]).powi(2) * r.weight).sum::<f32>() / n;
        scale[i] = var.sqrt().max(MIN_SCALE);
    }
    let z: Vec<Vec<f32>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![0f32; N];
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
    let mut pre = vec![0f32; h];
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
                pre[j] = a;
                act[j] = activation(a);
                out += output[j] * act[j];
            }
            let p = 1.0 / (1.0 + (-out).exp());
            let d = (p - r.y) * r.weight / n;
            g_ob += d;
            for j in 0..h {
                g_o[j] += d * act[j];
                let dh = d * output[j] * activation_slope(pre[j]);
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

/// 4-token shingles as the benchmark's scorer counts them (a shorter text is one shingle).
fn shingles(text: &str) -> HashMap<Vec<String>, usize> {
    let t = tokens(text);
    let mut out = HashMap::new();
    if t.is_empty() {
        return out;
    }
    for i in 0..t.len().saturating_sub(3).max(1) {
        *out.entry(t[i..(i + 4).min(t.len())].to_vec()).or_insert(0) += 1;
    }
    out
}

/// The lines the cleaner's models keep on `page` (the rules that run after them left out).
fn body_of(cleaner: &Cleaner, page: &Page) -> Vec<String> {
    let lines = match page.markup {
        Markup::Text => cleaner.classify_verdicts(&page.text),
        Markup::Html | Markup::HtmlFragment => cleaner.classify_html(&page.text).0,
    };
    lines.into_iter().filter(|l| l.class == LineClass::Keep).map(|l| l.text).collect()
}

/// The scorer's sh_P, sh_R and sh_F1 for the bodies the cleaner keeps on `pages`.
fn shingle_score(cleaner: &Cleaner, pages: &[&Page]) -> (f64, f64, f64) {
    score_bodies(pages, pages.iter().map(|page| body_of(cleaner, page)))
}

/// The same score for the lines the labels call body: the best any per-line decision can do.
fn oracle_score(pages: &[&Page]) -> (f64, f64, f64) {
    let bodies = pages.iter().map(|page| {
        page.lines.iter().zip(&page.labels).filter(|(_, (y, _))| *y).map(|(l, _)| l.text.clone()).collect()
    });
    score_bodies(pages, bodies)
}

/// The scorer's shingle counts of one page's body against its truth: shared, only in the body,
/// only in the truth.
fn shingle_counts(page: &Page, body: &[String]) -> (usize, usize, usize) {
    let (t, p) = (shingles(&page.truth), shingles(&body.join("\n")));
    let tp: usize = t.iter().map(|(k, n)| (*n).min(p.get(k).copied().unwrap_or(0))).sum();
    let fp: usize = p.iter().map(|(k, n)| n.saturating_sub(t.get(k).copied().unwrap_or(0))).sum();
    let fneg: usize = t.iter().map(|(k, n)| n.saturating_sub(p.get(k).copied().unwrap_or(0))).sum();
    (tp, fp, fneg)
}

fn score_bodies(pages: &[&Page], bodies: impl Iterator<Item = Vec<String>>) -> (f64, f64, f64) {
    let (mut ps, mut rs) = (Vec::new(), Vec::new());
    for (page, body) in pages.iter().zip(bodies) {
        let (tp, fp, fneg) = shingle_counts(page, &body);
        let all = (tp + fp + fneg) as f64;
        if all == 0.0 {
            continue;
        }
        let (tp, fp, fneg) = (tp as f64 / all, fp as f64 / all, fneg as f64 / all);
        let perfect = fp == 0.0 && fneg == 0.0;
        if tp + fp > 0.0 {
            ps.push(if perfect { 1.0 } else { tp / (tp + fp) });
        }
        if tp + fneg > 0.0 {
            rs.push(if perfect { 1.0 } else { tp / (tp + fneg) });
        }
    }
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
    let (p, r) = (mean(&ps), mean(&rs));
    (p, r, if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 })
}

/// Weight decay of the line model's networks for text dumps and for HTML (`--l2` overrides it).
/// HTML pages give the model more features to memorise pages by; stronger decay scored best in
/// cross-validation there (0.931 -> 0.958 on scrapinghub-html, 2 folds). On the text dumps, 5-fold
/// cross-validation (scrapinghub-text / l3s-gn1-text): 1e-3 0.857 / 0.844, 3e-3 0.869 / 0.846,
/// 1e-2 0.871 / 0.842.
const L2_TEXT: f32 = 3e-3;
const L2_HTML: f32 = 1e-2;
/// Weight decay of the column splitter's two networks (`--l2-columns` overrides it).
const L2_COLUMNS: f32 = 1e-3;
/// Weight decay of the split gate (`--l2-gate` overrides it): a few hundred pages' rows, not
/// thousands of lines'.
const L2_GATE: f32 = 1e-2;

/// How the models are fitted (the command's options).
struct FitOptions {
    iterations: usize,
    /// Weight decay of the line model, of the column splitter's two passes, and of its gate.
    l2: f32,
    l2_columns: f32,
    l2_gate: f32,
    /// `--columns-train SETS`: the sets the word model learns from (empty: all).
    columns_sets: Vec<String>,
    /// `--gate-set-weight SET=W,...`: how much a set's pages weigh for the split gate.
    gate_weights: HashMap<String, f32>,
    /// Fit a second text model and its chooser (`--second-set-weight` given).
    second_model: bool,
    /// `--chooser-set-weight SET=W,...`: how much a set's pages weigh for the chooser.
    chooser_weights: HashMap<String, f32>,
    /// Fit the HTML block model for pages other than articles (`--non-article-set-weight` given).
    non_article_model: bool,
}

/// Trains both stages on `pages`, and for page dumps the column splitter and its gate. (Stage B
/// learning from out-of-fold stage-A verdicts was tried and scored no better in cross-validation,
/// for twice the training time.)
fn fit(pages: &[&Page], opts: &FitOptions, cfg: &CleanConfig) -> Result<Model, RulesError> {
    let a = train(&rows_a(pages, Which::First), opts.iterations, opts.l2);
    let b = train(&rows_b(pages, &a, Which::First), opts.iterations, opts.l2);
    let markup = pages.first().map_or(Markup::Text, |p| p.markup);
    let columns = match markup {
        Markup::Text => {
            let lines_only = cleaner_with(&Model::alone(&a, &b), cfg, markup)?;
            // `--columns-train SETS`: the word model learns from those sets' pages only (a table
            // layout's wrapped columns are rare on this year's pages, which would unlearn them).
            let for_columns: Vec<&Page> = pages
                .iter()
                .filter(|p| opts.columns_sets.is_empty() || opts.columns_sets.contains(&p.set))
                .copied()
                .collect();
            let (first_rows, words) = rows_words(&for_columns, &lines_only);
            let first = train(&first_rows, opts.iterations, opts.l2_columns);
            let second_rows = rows_second(&first_rows, &words, &first);
            let second = train(&second_rows, opts.iterations, opts.l2_columns);
            let ungated = Model {
                a: a.clone(),
                b: b.clone(),
                columns: Some(Columns { first, second, gate: None }),
                second: None,
                non_article: None,
            };
            let split = cleaner_with(&ungated, cfg, markup)?;
            let gate_pages: Vec<GatePage> = pages.iter().map(|p| GatePage::new(p, &split, &lines_only)).collect();
            let rows: Vec<Row> =
                gate_rows(pages, &gate_pages, &opts.gate_weights).into_iter().map(|(_, r)| r).collect();
            let gate = train(&rows, opts.iterations, opts.l2_gate);
            ungated.columns.map(|c| Columns { gate: Some(gate), ..c })
        }
        Markup::Html | Markup::HtmlFragment => None,
    };
    let first = Model { a, b, columns, second: None, non_article: None };
    if markup != Markup::Text {
        if !opts.non_article_model {
            return Ok(first);
        }
        // The pages' `weight_second` are the `--non-article-set-weight` ones.
        let a2 = train(&rows_a(pages, Which::Second), opts.iterations, opts.l2);
        let b2 = train(&rows_b(pages, &a2, Which::Second), opts.iterations, opts.l2);
        return Ok(Model { non_article: Some((a2, b2)), ..first });
    }
    if !opts.second_model {
        return Ok(first);
    }
    let a2 = train(&rows_a(pages, Which::Second), opts.iterations, opts.l2);
    let b2 = train(&rows_b(pages, &a2, Which::Second), opts.iterations, opts.l2);
    let alone = Model::alone(&a2, &b2);
    let rows = chooser_rows(pages, &cleaner_with(&first, cfg, markup)?, &cleaner_with(&alone, cfg, markup)?, opts);
    let chooser = train(&rows, opts.iterations, opts.l2_gate);
    Ok(Model { second: Some(Second { a: a2, b: b2, chooser }), ..first })
}

/// The chooser's rows: every page with its measures ([`model::chooser_names`]), labelled by
/// whether the second model (its lines alone, never split) scores better on it than the first
/// (with the column splitter), weighing by how much better or worse, times its set's
/// `--chooser-set-weight`.
fn chooser_rows(pages: &[&Page], first: &Cleaner, second: &Cleaner, opts: &FitOptions) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in pages {
        let (Some(one), Some(two)) = (page_f1(p, &body_of(first, p)), page_f1(p, &body_of(second, p))) else {
            continue;
        };
        let gain = (two - one) as f32;
        let weight = gain.abs() * opts.chooser_weights.get(&p.set).copied().unwrap_or(1.0);
        if weight > 0.0 {
            rows.push(Row { x: page_chooser_measures(p).to_vec(), y: f32::from(u8::from(gain > 0.0)), weight });
        }
    }
    rows
}

/// The chooser's measures of a page, from its training lines (the features the daemon computes).
fn page_chooser_measures(p: &Page) -> [f32; model::N_CHOOSER] {
    let mut rows = Rows::new(p.lines.first().map_or(0, |l| l.features.len()));
    for l in &p.lines {
        rows.push(&l.features);
    }
    let open: Vec<bool> = p.lines.iter().map(|l| l.open).collect();
    model::chooser_measures(&rows, &open)
}

/// What the split gate learns from on one page: its measures, when the splitter's fixed gates let
/// it through, and the cleaner's body with the page split (then) and left whole.
struct GatePage {
    measures: Option<[f32; columns::N_GATE]>,
    split: Option<Vec<String>>,
    whole: Vec<String>,
}

impl GatePage {
    /// `page` through a cleaner that splits every page its fixed gates let through, and one that
    /// splits none.
    fn new(page: &Page, split: &Cleaner, whole: &Cleaner) -> Self {
        let measures = split.split_gate_measures(&page.text);
        Self { measures, split: measures.map(|_| body_of(split, page)), whole: body_of(whole, page) }
    }

    /// The body with the page split or not (a page the fixed gates stop is never split).
    fn body(&self, split: bool) -> &[String] {
        self.split.as_deref().filter(|_| split).unwrap_or(&self.whole)
    }
}

/// The split gate's rows: every page the splitter's fixed gates let through, with its measures,
/// labelled by whether splitting it scores better than leaving it to the line model, and weighing
/// by how much better or worse (times its set's `--gate-set-weight`). Each row comes with the
/// index of its page in `pages`.
fn gate_rows(pages: &[&Page], gate_pages: &[GatePage], weights: &HashMap<String, f32>) -> Vec<(usize, Row)> {
    let mut rows = Vec::new();
    for (k, (p, g)) in pages.iter().zip(gate_pages).enumerate() {
        let Some(x) = g.measures else { continue };
        let (Some(with), Some(without)) = (page_f1(p, g.body(true)), page_f1(p, g.body(false))) else { continue };
        let gain = (with - without) as f32;
        let weight = gain.abs() * weights.get(&p.set).copied().unwrap_or(1.0);
        if weight > 0.0 {
            rows.push((k, Row { x: x.to_vec(), y: f32::from(u8::from(gain > 0.0)), weight }));
        }
    }
    rows
}

/// The scorer's per-page shingle F1 of one body, or `None` for a page with neither truth nor body.
fn page_f1(page: &Page, body: &[String]) -> Option<f64> {
    let (tp, fp, fneg) = shingle_counts(page, body);
    let n = 2 * tp + fp + fneg;
    (n > 0).then(|| 2.0 * tp as f64 / n as f64)
}

/// The fitted networks of one model.
#[derive(Clone)]
struct Model {
    a: Fitted,
    b: Fitted,
    columns: Option<Columns>,
    /// The second text model and its chooser.
    second: Option<Second>,
    /// HTML: the block model for pages other than articles (stage A, stage B).
    non_article: Option<(Fitted, Fitted)>,
}

impl Model {
    /// Two stages alone: no column splitter, second model or model for other pages.
    fn alone(a: &Fitted, b: &Fitted) -> Self {
        Self { a: a.clone(), b: b.clone(), columns: None, second: None, non_article: None }
    }
}

/// The second text model's fitted networks and its chooser.
#[derive(Clone)]
struct Second {
    a: Fitted,
    b: Fitted,
    chooser: Fitted,
}

/// The column splitter's fitted networks.
#[derive(Clone)]
struct Columns {
    first: Fitted,
    second: Fitted,
    gate: Option<Fitted>,
}

/// The column splitter's rows: every word of the lines the line model keeps, labelled article
/// when it lies within the line's run of words that the ground truth holds (from the first to the
/// last word in a 3-token sequence of the body). Lines of fewer than three tokens are all article
/// or all not, as their line's label says.
/// The second pass's rows: the first pass's, with what the first pass made of each line.
fn rows_second(first_rows: &[Row], words: &[Vec<Vec<String>>], first: &Fitted) -> Vec<Row> {
    let mut out = Vec::with_capacity(first_rows.len());
    let mut k = 0;
    for page in words {
        let n: usize = page.iter().map(Vec::len).sum();
        let rows = &first_rows[k..k + n];
        let p1: Vec<f32> = rows.iter().map(|r| first.probability(&r.x)).collect();
        let refs: Vec<Vec<&str>> = page.iter().map(|l| l.iter().map(String::as_str).collect()).collect();
        let runs = columns::runs(&refs, &p1, columns::logit(0.5));
        let extra = columns::second_rows(&refs, &p1, &runs, &[]);
        for (r, x2) in rows.iter().zip(extra.iter()) {
            out.push(Row { x: [r.x.as_slice(), x2].concat(), y: r.y, weight: r.weight });
        }
        k += n;
    }
    out
}

fn rows_words(pages: &[&Page], cleaner: &Cleaner) -> (Vec<Row>, Vec<Vec<Vec<String>>>) {
    let mut rows = Vec::new();
    let mut all_words = Vec::new();
    for p in pages {
        let truth = Truth::new(&p.truth);
        let (lines, features) = cleaner.training_words(&p.text);
        let mut labels = Vec::with_capacity(features.len());
        let mut page_words = Vec::new();
        for line in &lines {
            let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
            page_words.push(words.iter().map(|w| (*w).to_string()).collect());
            let mut owner = Vec::new();
            let mut toks = Vec::new();
            for (k, w) in words.iter().enumerate() {
                for t in tokens(w) {
                    toks.push(t);
                    owner.push(k);
                }
            }
            let mut good = vec![false; words.len()];
            if toks.len() < 3 {
                let whole = truth.label(line).0;
                good.iter_mut().for_each(|g| *g = whole);
            } else {
                for (i, w) in toks.windows(3).enumerate() {
                    if truth.grams.contains(&hash(w)) {
                        for o in &owner[i..i + 3] {
                            good[*o] = true;
                        }
                    }
                }
                if let (Some(first), Some(last)) = (good.iter().position(|g| *g), good.iter().rposition(|g| *g)) {
                    good[first..=last].iter_mut().for_each(|g| *g = true);
                }
            }
            labels.extend(good);
        }
        let w = 100.0 / labels.len().max(1) as f32;
        for (x, y) in features.iter().zip(labels) {
            rows.push(Row { x: x.to_vec(), y: f32::from(u8::from(y)), weight: w });
        }
        all_words.push(page_words);
    }
    (rows, all_words)
}

/// A cleaner running a freshly fitted model.
fn cleaner_with(m: &Model, cfg: &CleanConfig, markup: Markup) -> Result<Cleaner, RulesError> {
    let columns =
        m.columns.as_ref().map(|c| (c.first.as_mlp(), c.second.as_mlp(), c.gate.as_ref().map(Fitted::as_mlp)));
    let weights = columns.as_ref().map(|(first, second, gate)| ColumnWeights { first, second, gate: gate.as_ref() });
    let mut model = LineModel::new(&m.a.as_mlp(), &m.b.as_mlp(), weights);
    if let Some(s) = &m.second {
        let (stage_a, stage_b, chooser) = (s.a.as_mlp(), s.b.as_mlp(), s.chooser.as_mlp());
        model = model.with_second(SecondWeights { stage_a: &stage_a, stage_b: &stage_b, chooser: &chooser });
    }
    if let Some((a, b)) = &m.non_article {
        model = model.with_non_article(&a.as_mlp(), &b.as_mlp());
    }
    match markup {
        Markup::Text => Cleaner::with_models(cfg, model, LineModel::shipped_html()),
        Markup::Html | Markup::HtmlFragment => Cleaner::with_models(cfg, LineModel::shipped(), model),
    }
}

/// Weighted precision, recall and F1 of "keep" decisions against the labels.
fn evaluate(model: &Fitted, rows: &[Row], threshold: f32) -> (f32, f32, f32) {
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
            // Shortest text that reads back as the same f32.
            let _ = write!(s, " {x:?},");
        }
        s.push('\n');
    }
    s
}

fn rust_model(name: &str, m: &Fitted, names: &[&str]) -> String {
    let mut s = format!("pub(super) const {name}: Mlp<'static> = Mlp {{\n");
    let _ = writeln!(s, "    // inputs: {}", names.join(", "));
    let _ = write!(s, "    mean: &[\n{}    ],\n", rust_floats(&m.mean, 8));
    let _ = write!(s, "    scale: &[\n{}    ],\n", rust_floats(&m.scale, 8));
    let _ = write!(s, "    hidden: &[\n{}    ],\n", rust_floats(&m.hidden, m.mean.len()));
    let _ = write!(s, "    hidden_bias: &[\n{}    ],\n", rust_floats(&m.hidden_bias, 8));
    let _ = write!(s, "    output: &[\n{}    ],\n", rust_floats(&m.output, 8));
    let _ = write!(s, "    output_bias: {:?},\n}};\n", m.output_bias);
    s
}

fn write_weights(m: &Model, markup: Markup, path: &Path, command: &str) -> std::io::Result<()> {
    let (a, b) = (&m.a, &m.b);
    let a_names: Vec<&str> = match markup {
        Markup::Text => FEATURE_NAMES.to_vec(),
        Markup::Html | Markup::HtmlFragment => FEATURE_NAMES.iter().chain(DOM_FEATURE_NAMES).copied().collect(),
    };
    let b_names: Vec<&str> = a_names.iter().chain(CONTEXT_NAMES).copied().collect();
    let text = format!(
        "//! Generated by `{command}`; do not edit by hand.\n\nuse super::model::Mlp;\n\n{}\n{}",
        rust_model("STAGE_A", a, &a_names),
        rust_model("STAGE_B", b, &b_names),
    );
    let text = match &m.columns {
        Some(Columns { first, second, gate }) => {
            let names = columns::word_feature_names();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let names2 = columns::second_feature_names();
            let names2: Vec<&str> = names2.iter().map(String::as_str).collect();
            let text = format!(
                "{text}\n{}\n{}",
                rust_model("COLUMNS_A", first, &names),
                rust_model("COLUMNS_B", second, &names2)
            );
            match gate {
                Some(gate) => format!("{text}\n{}", rust_model("COLUMNS_GATE", gate, &columns::GATE_NAMES)),
                None => text,
            }
        }
        None => text,
    };
    let text = match &m.non_article {
        Some((a, b)) => {
            format!(
                "{text}\n{}\n{}",
                rust_model("NON_ARTICLE_A", a, &a_names),
                rust_model("NON_ARTICLE_B", b, &b_names)
            )
        }
        None => text,
    };
    let text = match &m.second {
        Some(s) => {
            let names = model::chooser_names();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!(
                "{text}\n{}\n{}\n{}",
                rust_model("SECOND_A", &s.a, &a_names),
                rust_model("SECOND_B", &s.b, &b_names),
                rust_model("SECOND_CHOOSER", &s.chooser, &names)
            )
        }
        None => text,
    };
    std::fs::write(path, text)
}

/// Grouped 5-fold cross-validation of the split gate alone (the line model and the word model as
/// fitted on every page): each page's split is decided by a gate that saw no page of its site.
/// Prints each set's score with every page split, none split, and split as the gate decides.
fn gate_cv(
    pages: &[&Page],
    m: &Model,
    opts: &FitOptions,
    cfg: &CleanConfig,
    sets: &[String],
) -> Result<(), RulesError> {
    const FOLDS: usize = 5;
    let ungated = Model { columns: m.columns.clone().map(|c| Columns { gate: None, ..c }), second: None, ..m.clone() };
    let split = cleaner_with(&ungated, cfg, Markup::Text)?;
    let whole = cleaner_with(&Model { columns: None, second: None, ..m.clone() }, cfg, Markup::Text)?;
    let gate_pages: Vec<GatePage> = pages.iter().map(|p| GatePage::new(p, &split, &whole)).collect();
    let rows = gate_rows(pages, &gate_pages, &opts.gate_weights);
    let mut decided = vec![false; pages.len()];
    for k in 0..FOLDS {
        let held_out = |i: usize| bench::fold_of(&pages[i].group, FOLDS) == k;
        let train_rows: Vec<Row> = rows.iter().filter(|(i, _)| !held_out(*i)).map(|(_, r)| r.clone()).collect();
        let gate = train(&train_rows, opts.iterations, opts.l2_gate);
        for i in (0..pages.len()).filter(|&i| held_out(i)) {
            decided[i] = gate_pages[i].measures.is_some_and(|x| gate.probability(&x) >= 0.5);
        }
    }
    for set in sets {
        let ids: Vec<usize> = (0..pages.len()).filter(|&i| &pages[i].set == set).collect();
        let of_set: Vec<&Page> = ids.iter().map(|&i| pages[i]).collect();
        let score = |split: &dyn Fn(usize) -> bool| {
            score_bodies(&of_set, ids.iter().map(|&i| gate_pages[i].body(split(i)).to_vec())).2
        };
        let (all, none, gated) = (score(&|_| true), score(&|_| false), score(&|i| decided[i]));
        let n = ids.iter().filter(|&&i| decided[i]).count();
        println!(
            "gate cv{FOLDS} {set:<24} split all {all:.4}, none {none:.4}, as the gate decides {gated:.4} ({n} of {} pages split)",
            ids.len()
        );
    }
    Ok(())
}

/// Which held-out body a cross-validation line scores.
#[derive(Clone, Copy)]
enum Body {
    /// The shipped model's (with the column split for text).
    First,
    /// Text without the column split, or HTML by the non-article model.
    Third,
    /// HTML: an article page by the first model, any other page by the non-article model.
    ByType,
}

fn report(label: &str, m: &Fitted, rows: &[Row]) {
    let (p, r, f) = evaluate(m, rows, 0.5);
    println!("{label:<44} P={p:.3} R={r:.3} F1={f:.3}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let usage = "usage: train_cleaner BENCH_DIR --train SETS [--folds K] [--eval SETS] [--iterations N] [--l2 X] [--l2-columns X] [--config FILE] [--threshold P] [--write FILE] [--oracle] [--cv-only] [--set-weight SET=W,...] [--columns-train SETS] [--gate-set-weight SET=W,...] [--l2-gate X] [--second-set-weight SET=W,...] [--chooser-set-weight SET=W,...] [--non-article-set-weight SET=W,...]";
    let bench = PathBuf::from(args.get(1).ok_or(usage)?);
    let list = |s: Option<String>| s.map(|s| s.split(',').map(String::from).collect::<Vec<_>>()).unwrap_or_default();
    let train_sets = list(arg("--train"));
    let eval_sets = list(arg("--eval"));
    let iterations: usize = arg("--iterations").map(|s| s.parse()).transpose()?.unwrap_or(400);
    let folds: usize = arg("--folds").map(|s| s.parse()).transpose()?.unwrap_or(0);
    let columns_sets = list(arg("--columns-train"));
    // The cleaner's settings: the daemon's defaults, or the `[clean]` section of a config file, so
    // that a setting can be cross-validated before it becomes a default.
    let mut cfg = match arg("--config") {
        Some(path) => newsmill::config::Config::load(Path::new(&path))?.clean,
        None => CleanConfig::default(),
    };
    if let Some(t) = arg("--threshold") {
        cfg.keep_threshold = t.parse()?;
    }
    // The networks learn with the rules' headline, not the headline model's: that model learns
    // from theirs (`train_headline`), and with each fitted on the other the two commands never
    // settled on one pair of weight files. So `train_cleaner` does not read the headline weights,
    // and `train_cleaner` then `train_headline` rebuild both files byte for byte.
    cfg.headline_model = false;
    let cfg = &cfg;

    let cleaner = Cleaner::new(cfg)?;
    let mut pages = Vec::new();
    for set in &train_sets {
        pages.extend(load_set(&bench, set, &cleaner)?);
    }
    // `SET=W,...` options: how much each named set's pages weigh (1 unless named).
    let set_weights = |flag: &str| -> Result<HashMap<String, f32>, Box<dyn std::error::Error>> {
        let mut weights = HashMap::new();
        for spec in list(arg(flag)) {
            let (set, w) = spec.split_once('=').ok_or_else(|| format!("{flag} takes SET=W,..."))?;
            weights.insert(set.to_string(), w.parse::<f32>()?);
        }
        Ok(weights)
    };
    // `--set-weight`: a set's pages weigh W times as much in training (scores are not weighted).
    // `--second-set-weight`: a second text model learns with these set weights, and a chooser
    // hands each page to one of the two. `--non-article-set-weight` (HTML): the block model for
    // pages other than articles learns with these (a set named with 0 is left out).
    let second_model = arg("--second-set-weight").is_some();
    let non_article_model = arg("--non-article-set-weight").is_some();
    let second_flag = if non_article_model { "--non-article-set-weight" } else { "--second-set-weight" };
    let (first_weights, second_weights) = (set_weights("--set-weight")?, set_weights(second_flag)?);
    for p in &mut pages {
        p.weight = first_weights.get(&p.set).copied().unwrap_or(1.0);
        p.weight_second = second_weights.get(&p.set).copied().unwrap_or(1.0);
    }
    let all: Vec<&Page> = pages.iter().collect();
    eprintln!("{} pages from {}", all.len(), train_sets.join(", "));
    // One model learns from one kind of page: text dumps, or HTML (`--write` says which file).
    let markup = all.first().map_or(Markup::Text, |p| p.markup);
    if all.iter().any(|p| p.markup != markup) {
        return Err("train on text sets or on HTML sets, not both at once".into());
    }
    if (markup == Markup::Text && non_article_model) || (markup != Markup::Text && second_model) {
        return Err("--second-set-weight is for text sets, --non-article-set-weight for HTML".into());
    }
    let l2_default = if markup == Markup::Html { L2_HTML } else { L2_TEXT };
    let l2: f32 = arg("--l2").map(|s| s.parse()).transpose()?.unwrap_or(l2_default);
    let l2_columns: f32 = arg("--l2-columns").map(|s| s.parse()).transpose()?.unwrap_or(L2_COLUMNS);
    let l2_gate: f32 = arg("--l2-gate").map(|s| s.parse()).transpose()?.unwrap_or(L2_GATE);
    let (gate_weights, chooser_weights) = (set_weights("--gate-set-weight")?, set_weights("--chooser-set-weight")?);
    let opts = FitOptions {
        iterations,
        l2,
        l2_columns,
        l2_gate,
        columns_sets: columns_sets.clone(),
        gate_weights,
        second_model,
        chooser_weights,
        non_article_model,
    };
    if args.iter().any(|a| a == "--oracle") {
        for set in &train_sets {
            let ps: Vec<&Page> = all.iter().filter(|p| &p.set == set).copied().collect();
            let (p, r, f) = oracle_score(&ps);
            println!("oracle {set:<22} sh_P={p:.3} sh_R={r:.3} sh_F1={f:.3} (keeping exactly the lines labelled body)");
            let mut types: Vec<&str> = ps.iter().filter_map(|p| p.page_type.as_deref()).collect();
            types.sort_unstable();
            types.dedup();
            for t in types {
                let of_type: Vec<&Page> = ps.iter().filter(|p| p.page_type.as_deref() == Some(t)).copied().collect();
                let (p, r, f) = oracle_score(&of_type);
                println!(
                    "oracle {:<22} sh_P={p:.3} sh_R={r:.3} sh_F1={f:.3} n={}",
                    format!("{set}[{t}]"),
                    of_type.len()
                );
            }
        }
        return Ok(());
    }
    // Cross-validation: every page is scored by a model that never saw it, nor any page of its
    // site, in any rendering (the text and HTML sets share pages, and a site's pages share a
    // template, so folds go by the host of the page's URL).
    if folds > 1 {
        let columns = markup == Markup::Text;
        // Each held-out page's body, and a third: text without the column split, or HTML by the
        // model for pages other than articles.
        let mut held: Vec<(&Page, Vec<String>, Vec<String>)> = Vec::new();
        for k in 0..folds {
            let (train_pages, held_out) = bench::split_fold(&all, k, folds, |p: &Page| &p.group);
            let m = fit(&train_pages, &opts, cfg)?;
            let with = cleaner_with(&m, cfg, markup)?;
            let other =
                m.non_article.as_ref().map(|(a, b)| cleaner_with(&Model::alone(a, b), cfg, markup)).transpose()?;
            let without = cleaner_with(&Model { columns: None, ..m }, cfg, markup)?;
            for p in held_out {
                let third = match (&other, columns) {
                    (_, true) => body_of(&without, p),
                    (Some(other), false) => body_of(other, p),
                    (None, false) => Vec::new(),
                };
                held.push((p, body_of(&with, p), third));
            }
        }
        let non_article = opts.non_article_model;
        let variants = [
            ("", Body::First, true),
            (" (lines only, no column split)", Body::Third, columns),
            (" (the non-article model)", Body::Third, non_article),
            (" (articles the first model's, other types the non-article model's)", Body::ByType, non_article),
        ];
        for set in &train_sets {
            for (label, body, _) in variants.iter().filter(|(.., wanted)| *wanted) {
                let of_set: Vec<&(&Page, Vec<String>, Vec<String>)> =
                    held.iter().filter(|(p, ..)| &p.set == set).collect();
                let mut types: Vec<Option<&str>> = vec![None];
                let mut seen: Vec<&str> = of_set.iter().filter_map(|(p, ..)| p.page_type.as_deref()).collect();
                seen.sort_unstable();
                seen.dedup();
                types.extend(seen.into_iter().map(Some));
                for t in types {
                    let chosen: Vec<_> =
                        of_set.iter().filter(|(p, ..)| t.is_none() || p.page_type.as_deref() == t).collect();
                    let pages: Vec<&Page> = chosen.iter().map(|(p, ..)| *p).collect();
                    let bodies = chosen.iter().map(|(p, first, third)| {
                        let is_article = p.page_type.as_deref().is_none_or(|t| t == "article");
                        match body {
                            Body::First => first,
                            Body::Third => third,
                            Body::ByType if is_article => first,
                            Body::ByType => third,
                        }
                        .clone()
                    });
                    let (p, r, f) = score_bodies(&pages, bodies);
                    let name = t.map_or_else(|| set.clone(), |t| format!("{set}[{t}]"));
                    println!("cv{folds} {name:<34} sh_P={p:.3} sh_R={r:.3} sh_F1={f:.3} n={}{label}", pages.len());
                }
            }
        }
        if args.iter().any(|a| a == "--cv-only") {
            return Ok(());
        }
    }
    let m = fit(&all, &opts, cfg)?;
    report(&format!("train A {}", train_sets.join(",")), &m.a, &rows_a(&all, Which::First));
    report(&format!("train B {}", train_sets.join(",")), &m.b, &rows_b(&all, &m.a, Which::First));
    if let Some(s) = &m.second {
        report(&format!("train second A {}", train_sets.join(",")), &s.a, &rows_a(&all, Which::Second));
        report(&format!("train second B {}", train_sets.join(",")), &s.b, &rows_b(&all, &s.a, Which::Second));
        let first = cleaner_with(&Model { second: None, ..m.clone() }, cfg, markup)?;
        let alone = cleaner_with(&Model::alone(&s.a, &s.b), cfg, markup)?;
        report("train chooser", &s.chooser, &chooser_rows(&all, &first, &alone, &opts));
        for set in &train_sets {
            let ps: Vec<&Page> = all.iter().filter(|p| &p.set == set).copied().collect();
            let (_, _, one) = shingle_score(&first, &ps);
            let (_, _, two) = shingle_score(&alone, &ps);
            println!("fit  {set:<24} first model sh_F1={one:.3}, second model alone sh_F1={two:.3}");
        }
    }
    if let Some(Columns { first, second, .. }) = &m.columns {
        let lines_only = cleaner_with(&Model { columns: None, second: None, ..m.clone() }, cfg, markup)?;
        gate_cv(&all, &m, &opts, cfg, &train_sets)?;
        let (rows, words) = rows_words(&all, &lines_only);
        report(&format!("train columns 1 {}", train_sets.join(",")), first, &rows);
        report(&format!("train columns 2 {}", train_sets.join(",")), second, &rows_second(&rows, &words, first));
        for set in &train_sets {
            let ps: Vec<&Page> = all.iter().filter(|p| &p.set == set).copied().collect();
            let (p, r, f) = shingle_score(&lines_only, &ps);
            println!("fit  {set:<24} sh_P={p:.3} sh_R={r:.3} sh_F1={f:.3} (lines only, no column split)");
        }
    }
    let fitted = cleaner_with(&m, cfg, markup)?;
    for set in &train_sets {
        let ps: Vec<&Page> = all.iter().filter(|p| &p.set == set).copied().collect();
        let (p, r, f) = shingle_score(&fitted, &ps);
        println!("fit  {set:<24} sh_P={p:.3} sh_R={r:.3} sh_F1={f:.3} (pages it was trained on)");
    }
    for set in &eval_sets {
        let eval = load_set(&bench, set, &cleaner)?;
        let refs: Vec<&Page> = eval.iter().collect();
        let (p, r, f) = shingle_score(&fitted, &refs);
        println!("eval {set:<24} sh_P={p:.3} sh_R={r:.3} sh_F1={f:.3} (unseen set)");
    }
    if let Some(path) = arg("--write") {
        let mut weights = arg("--set-weight").map(|w| format!(" --set-weight {w}")).unwrap_or_default();
        if !columns_sets.is_empty() {
            weights.push_str(&format!(" --columns-train {}", columns_sets.join(",")));
        }
        if let Some(w) = arg("--gate-set-weight") {
            weights.push_str(&format!(" --gate-set-weight {w}"));
        }
        if let Some(w) = arg("--second-set-weight") {
            weights.push_str(&format!(" --second-set-weight {w}"));
        }
        if let Some(w) = arg("--chooser-set-weight") {
            weights.push_str(&format!(" --chooser-set-weight {w}"));
        }
        if let Some(w) = arg("--non-article-set-weight") {
            weights.push_str(&format!(" --non-article-set-weight {w}"));
        }
        let command = format!(
            "cargo run --release --example train_cleaner -- BENCH_DIR --train {}{weights} --iterations {iterations}",
            train_sets.join(",")
        );
        write_weights(&m, markup, Path::new(&path), &command)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}
