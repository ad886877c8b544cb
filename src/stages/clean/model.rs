//! The line model, in two stages of logistic regression over standardised features. Stage A judges
//! each line from its own and its neighbours' measures. Stage B sees stage A's verdicts around the
//! line too (how sure A is of the lines nearby, where A's densest run of body text lies), which
//! learns the context smoothing that jusText does by hand. Weights live in `weights.rs`, written by
//! `cargo run --release --example train_cleaner` (see docs/cleaner-model.md).

use super::features::{FEATURE_NAMES, N_FEATURES, main_block_by};

pub use super::net::{HIDDEN, Mlp, Net, Rows, activation, activation_slope, sigmoid};
use super::{html_weights, weights};

/// Measures of stage A's verdicts around a line.
pub const CONTEXT_NAMES: &[&str] = &[
    "a_self",
    "a_mean1",
    "a_mean2",
    "a_mean4",
    "a_mean8",
    "a_max_above3",
    "a_max_below3",
    "a_ln_dist_above",
    "a_ln_dist_below",
    "a_in_block",
    "a_block_share",
];

/// Stage B's inputs for every line: its own features followed by [`CONTEXT_NAMES`], given stage A's
/// probabilities (0 for lines the rules decided).
pub fn stage_b_inputs(features: &Rows, a: &[f32], words: &[f32]) -> Rows {
    let n = a.len();
    let ln = |x: f32| (1.0 + x).ln();
    let mut out = Rows::with_capacity(features.width() + CONTEXT_NAMES.len(), n);
    if n == 0 {
        return out;
    }
    let mean = |i: usize, k: usize| {
        let lo = i.saturating_sub(k);
        let hi = (i + k + 1).min(n);
        let (sum, cnt) = (lo..hi).filter(|&j| j != i).fold((0.0, 0.0), |(s, c), j| (s + a[j], c + 1.0));
        if cnt > 0.0 { sum / cnt } else { 0.0 }
    };
    let (block_start, block_end) =
        main_block_by(n, |i| if a[i] >= 0.5 { words[i].max(1.0) } else { -(1.0 + words[i].min(10.0) / 3.0) });
    let block_words: f32 =
        (block_start..=block_end.min(n.saturating_sub(1))).filter(|&i| a[i] >= 0.5).map(|i| words[i]).sum();
    let all_words: f32 = (0..n).filter(|&i| a[i] >= 0.5).map(|i| words[i]).sum();
    let mut last_keep: Option<usize> = None;
    let mut dist_above = vec![50f32; n];
    for i in 0..n {
        if let Some(l) = last_keep {
            dist_above[i] = ((i - l) as f32).min(50.0);
        }
        if a[i] >= 0.5 {
            last_keep = Some(i);
        }
    }
    let mut next_keep: Option<usize> = None;
    let mut dist_below = vec![50f32; n];
    for i in (0..n).rev() {
        if let Some(l) = next_keep {
            dist_below[i] = ((l - i) as f32).min(50.0);
        }
        if a[i] >= 0.5 {
            next_keep = Some(i);
        }
    }
    out.data.reserve(n * out.width);
    for i in 0..n {
        let max_above = (i.saturating_sub(3)..i).map(|j| a[j]).fold(0f32, f32::max);
        let max_below = (i + 1..(i + 4).min(n)).map(|j| a[j]).fold(0f32, f32::max);
        let ctx = [
            a[i],
            mean(i, 1),
            mean(i, 2),
            mean(i, 4),
            mean(i, 8),
            max_above,
            max_below,
            ln(dist_above[i]),
            ln(dist_below[i]),
            f32::from(u8::from(i >= block_start && i <= block_end)),
            if all_words > 0.0 { block_words / all_words } else { 0.0 },
        ];
        out.data.extend_from_slice(features.row(i));
        out.data.extend_from_slice(&ctx);
    }
    out
}

/// The column splitter's weights: its two passes over the words, and the gate that decides which
/// pages it splits (none: every page its fixed gates let through).
#[derive(Debug, Clone, Copy)]
pub struct ColumnWeights<'w, 'a> {
    /// The first pass ([`super::columns::word_feature_names`]).
    pub first: &'w Mlp<'a>,
    /// The second pass ([`super::columns::second_feature_names`]).
    pub second: &'w Mlp<'a>,
    /// The split gate ([`super::columns::GATE_NAMES`]).
    pub gate: Option<&'w Mlp<'a>>,
}

/// The second text line model's weights and its chooser's.
#[derive(Debug, Clone, Copy)]
pub struct SecondWeights<'w, 'a> {
    /// Its stage A.
    pub stage_a: &'w Mlp<'a>,
    /// Its stage B.
    pub stage_b: &'w Mlp<'a>,
    /// The chooser ([`chooser_names`]).
    pub chooser: &'w Mlp<'a>,
}

/// The two stages of one line model.
#[derive(Debug, Clone)]
pub struct Stages {
    /// Judges lines from their features.
    stage_a: Net,
    /// Judges lines from their features and stage A's verdicts around them.
    stage_b: Net,
}

impl Stages {
    fn new(stage_a: &Mlp<'_>, stage_b: &Mlp<'_>) -> Self {
        Self { stage_a: Net::new(stage_a), stage_b: Net::new(stage_b) }
    }

    /// Stage A's probability for every line; `open[i]` is false where the rules already decided.
    pub(crate) fn stage_a(&self, features: &Rows, open: &[bool]) -> Vec<f32> {
        features.iter().zip(open).map(|(f, &o)| if o { self.stage_a.probability(f) } else { 0.0 }).collect()
    }

    /// The final probability that each open line is article body text (0 for the others).
    pub(crate) fn keep_probabilities(&self, features: &Rows, open: &[bool], words: &[f32]) -> Vec<f32> {
        let a = self.stage_a(features, open);
        stage_b_inputs(features, &a, words)
            .iter()
            .zip(open)
            .map(|(x, &o)| if o { self.stage_b.probability(x) } else { 0.0 })
            .collect()
    }
}

/// A second line model for page dumps, and the chooser that hands it a page. The first model
/// learned with the older sets' pages weighing ten times or more as much as this year's (their
/// layouts wrap columns into lines, which this year's seldom do); the second learned from every
/// page at the same weight. The chooser, fitted on which of the two scores better on each page,
/// decides from the page's mean line measures.
#[derive(Debug, Clone)]
struct SecondModel {
    stages: Stages,
    chooser: Net,
}

/// The chooser's inputs: the mean of every line feature over the lines the model judges, then
/// the log of their count and of all the page's lines.
pub fn chooser_names() -> Vec<String> {
    let mut names: Vec<String> = FEATURE_NAMES.iter().map(|n| format!("mean_{n}")).collect();
    names.extend(["ln_open_lines".to_string(), "ln_lines".to_string()]);
    names
}

/// The number of the chooser's inputs.
pub const N_CHOOSER: usize = N_FEATURES + 2;

/// [`chooser_names`] for a page: `features` of every line, `open` where the model judges it.
pub fn chooser_measures(features: &Rows, open: &[bool]) -> [f32; N_CHOOSER] {
    let mut out = [0f32; N_CHOOSER];
    let mut n = 0usize;
    for (row, _) in features.iter().zip(open).filter(|(_, o)| **o) {
        for (s, x) in out.iter_mut().zip(row) {
            *s += x;
        }
        n += 1;
    }
    let count = n.max(1) as f32;
    for s in &mut out[..N_FEATURES] {
        *s /= count;
    }
    out[N_FEATURES] = (1.0 + n as f32).ln();
    out[N_FEATURES + 1] = (1.0 + open.len() as f32).ln();
    out
}

/// The line model: its stages, for page dumps the column splitter, and a second model with the
/// chooser that hands it pages.
#[derive(Debug, Clone)]
pub struct LineModel {
    /// The first (for HTML, the only) model's two stages.
    first: Stages,
    /// Judges the words of kept lines, to cut off other columns' words (page dumps only).
    pub columns: Option<super::columns::ColumnModel>,
    /// A second model for page dumps and its chooser (none: every page is the first's).
    second: Option<SecondModel>,
    /// HTML: the block model for pages other than articles (none: every page is the first's).
    non_article: Option<Stages>,
}

impl LineModel {
    /// A line model from its two stages' weights, and the column splitter's two passes and its
    /// gate (page dumps) or none (HTML).
    pub fn new(stage_a: &Mlp<'_>, stage_b: &Mlp<'_>, columns: Option<ColumnWeights<'_, '_>>) -> Self {
        Self {
            first: Stages::new(stage_a, stage_b),
            columns: columns.map(|c| super::columns::ColumnModel {
                first: Net::new(c.first),
                second: Net::new(c.second),
                gate: c.gate.map(Net::new),
            }),
            second: None,
            non_article: None,
        }
    }

    /// This model with a model for pages other than articles (HTML): it learned from this year's
    /// pages alone, where the first learned from the older news sets too; the cleaner judges a page
    /// with it again once the page is typed other than an article.
    pub fn with_non_article(self, stage_a: &Mlp<'_>, stage_b: &Mlp<'_>) -> Self {
        Self { non_article: Some(Stages::new(stage_a, stage_b)), ..self }
    }

    /// This model with a second model and its chooser (page dumps).
    pub fn with_second(self, second: SecondWeights<'_, '_>) -> Self {
        let stages = Stages::new(second.stage_a, second.stage_b);
        Self { second: Some(SecondModel { stages, chooser: Net::new(second.chooser) }), ..self }
    }

    /// The model shipped with newsmill (`weights.rs`).
    pub fn shipped() -> Self {
        Self::new(
            &weights::STAGE_A,
            &weights::STAGE_B,
            Some(ColumnWeights {
                first: &weights::COLUMNS_A,
                second: &weights::COLUMNS_B,
                gate: Some(&weights::COLUMNS_GATE),
            }),
        )
        .with_second(SecondWeights {
            stage_a: &weights::SECOND_A,
            stage_b: &weights::SECOND_B,
            chooser: &weights::SECOND_CHOOSER,
        })
    }

    /// The model for HTML blocks shipped with newsmill (`html_weights.rs`).
    pub fn shipped_html() -> Self {
        Self::new(&html_weights::STAGE_A, &html_weights::STAGE_B, None)
            .with_non_article(&html_weights::NON_ARTICLE_A, &html_weights::NON_ARTICLE_B)
    }

    /// The first model's stages (HTML blocks, and a page dump the chooser leaves to it).
    pub(crate) fn first(&self) -> &Stages {
        &self.first
    }

    /// The second text model's stages, if this model has them.
    pub(crate) fn second(&self) -> Option<&Stages> {
        self.second.as_ref().map(|s| &s.stages)
    }

    /// The HTML block model for pages other than articles, if it has one.
    pub(crate) fn non_article(&self) -> Option<&Stages> {
        self.non_article.as_ref()
    }

    /// The stages that judge a page dump, and whether they are the second model's: the chooser's
    /// pick when `allow_second`, else the first's.
    pub(crate) fn choose(&self, features: &Rows, open: &[bool], allow_second: bool) -> (&Stages, bool) {
        match &self.second {
            Some(s) if allow_second && self.chooser_probability(features, open) >= Some(0.5) => (&s.stages, true),
            _ => (&self.first, false),
        }
    }

    /// The chooser's probability that the second model suits a page (none without one).
    pub(crate) fn chooser_probability(&self, features: &Rows, open: &[bool]) -> Option<f32> {
        self.second.as_ref().map(|s| s.chooser.probability(&chooser_measures(features, open)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::features::N_FEATURES;
    use super::*;

    #[test]
    fn the_folded_network_computes_the_trained_one() {
        // The shipped weights, on inputs spread over their features' ranges (a fixed LCG: no
        // randomness in tests).
        let mut seed = 12345u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32
        };
        for mlp in [
            weights::STAGE_A,
            weights::STAGE_B,
            weights::COLUMNS_A,
            weights::COLUMNS_B,
            weights::COLUMNS_GATE,
            weights::SECOND_A,
            weights::SECOND_B,
            weights::SECOND_CHOOSER,
            html_weights::STAGE_A,
        ] {
            let net = Net::new(&mlp);
            for _ in 0..200 {
                let x: Vec<f32> = mlp.mean.iter().zip(mlp.scale).map(|(m, s)| m + s * (4.0 * next() - 2.0)).collect();
                let (a, b) = (mlp.probability(&x), net.probability(&x));
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
                let (head, tail) = x.split_at(x.len() / 3);
                // The split sum adds in another order: f32 rounding, no more.
                let split = net.probability_of(head, tail);
                assert!((split - b).abs() < 1e-5, "{split} vs {b}");
                // The AVX build of the sum is the portable one to the bit.
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx") && net.hidden == HIDDEN {
                    let portable = net.hidden_sum_fixed(head, tail);
                    // SAFETY: the CPU has AVX, checked just above.
                    let avx = unsafe { net.hidden_sum_avx(head, tail) };
                    assert_eq!(portable.to_bits(), avx.to_bits());
                }
                if net.hidden == HIDDEN {
                    // Four accumulators add in another order than one: the same sum but for rounding.
                    let one = net.hidden_sum(&mut [0f32; HIDDEN], head, tail);
                    let four = net.hidden_sum_fixed(head, tail);
                    assert!((one - four).abs() <= 1e-5 * (1.0 + one.abs()), "{one} vs {four}");
                }
            }
        }
    }

    #[test]
    fn activation_tracks_tanh_and_its_slope() {
        for i in -500..=500 {
            let x = i as f32 / 100.0;
            assert!((activation(x) - x.tanh()).abs() < 0.03, "{x}");
            let numeric = (activation(x + 1e-3) - activation(x - 1e-3)) / 2e-3;
            assert!((activation_slope(x) - numeric).abs() < 1e-2, "{x}");
        }
    }

    #[test]
    fn weights_match_the_features() {
        let (n_a, n_b) = (N_FEATURES, N_FEATURES + CONTEXT_NAMES.len());
        let html_a = N_FEATURES + super::super::blocks::N_DOM;
        let html_b = html_a + CONTEXT_NAMES.len();
        for (m, n, name) in [
            (&weights::STAGE_A, n_a, "A"),
            (&weights::STAGE_B, n_b, "B"),
            (&weights::SECOND_A, n_a, "second A"),
            (&weights::SECOND_B, n_b, "second B"),
            (&html_weights::STAGE_A, html_a, "HTML A"),
            (&html_weights::STAGE_B, html_b, "HTML B"),
        ] {
            let shape = (m.mean.len(), m.scale.len(), m.hidden.len(), m.hidden_bias.len(), m.output.len());
            assert_eq!(shape, (n, n, n * HIDDEN, HIDDEN, HIDDEN), "retrain stage {name}");
        }
        use super::super::columns::{N_GATE, N_SECOND_FEATURES, N_WORD_FEATURES};
        for (m, n) in [
            (&weights::COLUMNS_A, N_WORD_FEATURES),
            (&weights::COLUMNS_B, N_SECOND_FEATURES),
            (&weights::COLUMNS_GATE, N_GATE),
            (&weights::SECOND_CHOOSER, N_CHOOSER),
        ] {
            let h = m.hidden_bias.len();
            let shape = (m.mean.len(), m.scale.len(), m.hidden.len(), m.output.len());
            assert_eq!(shape, (n, n, n * h, h), "retrain the column model or the chooser");
        }
        assert_eq!(chooser_names().len(), N_CHOOSER);
    }

    #[test]
    fn chooser_measures_average_the_open_lines() {
        let mut rows = Rows::new(N_FEATURES);
        let (a, b, c): (Vec<f32>, Vec<f32>, Vec<f32>) =
            (vec![1.0; N_FEATURES], vec![3.0; N_FEATURES], vec![100.0; N_FEATURES]);
        for r in [&a, &b, &c] {
            rows.push(r);
        }
        let m = chooser_measures(&rows, &[true, true, false]);
        assert!(m[..N_FEATURES].iter().all(|&x| x == 2.0), "{m:?}");
        assert_eq!(m[N_FEATURES], 3f32.ln());
        assert_eq!(m[N_FEATURES + 1], 4f32.ln());
        // A page with no open line: zeros, not a division by zero.
        let none = chooser_measures(&rows, &[false; 3]);
        assert!(none[..N_FEATURES].iter().all(|&x| x == 0.0));
    }
}
