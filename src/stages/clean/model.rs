//! The line model, in two stages of logistic regression over standardised features. Stage A judges
//! each line from its own and its neighbours' measures. Stage B sees stage A's verdicts around the
//! line too (how sure A is of the lines nearby, where A's densest run of body text lies), which
//! learns the context smoothing that jusText does by hand. Weights live in `weights.rs`, written by
//! `cargo run --release --example train_cleaner` (see docs/cleaner-model.md).

use super::features::main_block_by;

/// Hidden units of each stage's network.
pub const HIDDEN: usize = 8;

/// Most inputs a network takes (its standardised inputs live on the stack).
const MAX_INPUTS: usize = 128;
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

/// Feature vectors of a page's lines (or blocks), one row each, all of the same width.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    width: usize,
    data: Vec<f32>,
}

impl Rows {
    /// No rows yet, each of `width` numbers.
    pub fn new(width: usize) -> Self {
        Self { width, data: Vec::new() }
    }

    /// Empty rows with room for `rows` rows without growing (the word model's rows for a page run
    /// to megabytes; growing them by doubling copied them many times).
    pub fn with_capacity(width: usize, rows: usize) -> Self {
        Self { width, data: Vec::with_capacity(width * rows) }
    }

    /// Rows from fixed-size vectors.
    pub fn from_arrays<const N: usize>(rows: &[[f32; N]]) -> Self {
        Self { width: N, data: rows.iter().flatten().copied().collect() }
    }

    /// Rows of `width` numbers each.
    pub fn from_rows<'a>(rows: impl Iterator<Item = &'a [f32]>, width: usize) -> Self {
        let mut out = Self::new(width);
        for r in rows {
            out.push(r);
        }
        out
    }

    /// Appends a row; `row` must be `width` long.
    pub fn push(&mut self, row: &[f32]) {
        debug_assert_eq!(row.len(), self.width);
        self.data.extend_from_slice(row);
    }

    /// How many rows fit without growing.
    pub fn capacity(&self) -> usize {
        self.data.capacity() / self.width.max(1)
    }

    /// The numbers of each row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.width..(i + 1) * self.width]
    }

    /// Every row in order.
    pub fn iter(&self) -> impl Iterator<Item = &[f32]> {
        self.data.chunks_exact(self.width.max(1))
    }
}

/// Dot product with eight independent sums, which the compiler turns into SIMD (a single running
/// sum must be added in order, which it cannot vectorise).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The hidden units' activation: a rational approximation of tanh (within 0.03 of it), several times
/// cheaper; training uses the same function, so the weights fit it exactly.
pub fn activation(x: f32) -> f32 {
    if x >= 3.0 {
        1.0
    } else if x <= -3.0 {
        -1.0
    } else {
        let x2 = x * x;
        x * (27.0 + x2) / (27.0 + 9.0 * x2)
    }
}

/// Derivative of [`activation`], for training.
pub fn activation_slope(x: f32) -> f32 {
    if x.abs() >= 3.0 {
        0.0
    } else {
        let x2 = x * x;
        let d = 27.0 + 9.0 * x2;
        ((27.0 + 3.0 * x2) * d - x * (27.0 + x2) * 18.0 * x) / (d * d)
    }
}

/// A small neural network over standardised features: one tanh hidden layer and a logistic output.
/// Slices rather than arrays so that the crate still builds while the features change and the
/// weights are retrained; a test checks the shapes.
#[derive(Debug, Clone)]
pub struct Mlp<'a> {
    /// Per-feature mean subtracted first.
    pub mean: &'a [f32],
    /// Per-feature scale divided by next.
    pub scale: &'a [f32],
    /// Hidden-layer weights, one row of `inputs` numbers per hidden unit.
    pub hidden: &'a [f32],
    /// Hidden-layer biases.
    pub hidden_bias: &'a [f32],
    /// Output weights, one per hidden unit.
    pub output: &'a [f32],
    /// Output bias.
    pub output_bias: f32,
}

impl Mlp<'_> {
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.mean.len()
    }

    /// The probability for one feature vector.
    pub fn probability(&self, x: &[f32]) -> f32 {
        let n = self.inputs();
        let mut z = [0f32; MAX_INPUTS];
        let z = &mut z[..n.min(MAX_INPUTS)];
        for (((z, x), m), s) in z.iter_mut().zip(x).zip(self.mean).zip(self.scale) {
            *z = (x - m) / s;
        }
        let mut out = self.output_bias;
        for ((row, b), w) in self.hidden.chunks_exact(n.max(1)).zip(self.hidden_bias).zip(self.output) {
            out += w * activation(dot(row, z) + b);
        }
        1.0 / (1.0 + (-out).exp())
    }
}

/// An [`Mlp`] in the form the cleaner evaluates it: the standardisation folded into the hidden
/// weights (no per-input subtraction and division), stored input by input so that all hidden units
/// advance together (eight of them fill two SIMD registers). Same function as the [`Mlp`] up to
/// rounding; training keeps the [`Mlp`]'s form, which it differentiates.
#[derive(Debug, Clone)]
pub struct Net {
    hidden: usize,
    /// `weights[j * hidden + h]`: input `j`'s weight into hidden unit `h`, over its scale.
    weights: Vec<f32>,
    bias: Vec<f32>,
    output: Vec<f32>,
    output_bias: f32,
}

impl Net {
    /// Folds `mlp`'s standardisation into its weights.
    pub fn new(mlp: &Mlp<'_>) -> Self {
        let n = mlp.inputs();
        let hidden = mlp.hidden_bias.len();
        let mut weights = vec![0f32; n * hidden];
        let mut bias = mlp.hidden_bias.to_vec();
        for (h, (row, b)) in mlp.hidden.chunks_exact(n.max(1)).zip(&mut bias).enumerate() {
            for (j, ((w, m), s)) in row.iter().zip(mlp.mean).zip(mlp.scale).enumerate() {
                weights[j * hidden + h] = w / s;
                *b -= w * m / s;
            }
        }
        Self { hidden, weights, bias, output: mlp.output.to_vec(), output_bias: mlp.output_bias }
    }

    /// The probability for one feature vector.
    pub fn probability(&self, x: &[f32]) -> f32 {
        self.probability_of(x, &[])
    }

    /// The probability for the feature vector `head` followed by `tail` (without copying them
    /// into one).
    pub fn probability_of(&self, head: &[f32], tail: &[f32]) -> f32 {
        sigmoid(self.logit_of(head, tail))
    }

    /// The log-odds [`Net::probability_of`] is the sigmoid of: where a caller wants the log-odds,
    /// asking for them saves an exponential and a logarithm.
    pub fn logit_of(&self, head: &[f32], tail: &[f32]) -> f32 {
        let z = if self.hidden == HIDDEN {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx") {
                // SAFETY: the CPU has AVX, checked just above.
                return self.output_bias + unsafe { self.hidden_sum_avx(head, tail) };
            }
            self.hidden_sum_fixed(head, tail)
        } else {
            self.hidden_sum(&mut vec![0f32; self.hidden], head, tail)
        };
        self.output_bias + z
    }

    /// [`Net::hidden_sum_fixed`] in AVX, whose 256-bit registers hold all eight units: one
    /// multiply and one add an input instead of two each. The same operations in the same order
    /// (four accumulators; multiplies and adds separate, no fused multiply-add), so the result is
    /// the portable one to the bit, which a test checks.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn hidden_sum_avx(&self, head: &[f32], tail: &[f32]) -> f32 {
        use std::arch::x86_64::{
            _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_storeu_ps,
        };
        let mut accs = [_mm256_setzero_ps(); 4];
        let (w_head, w_tail) = self.weights.split_at((head.len() * HIDDEN).min(self.weights.len()));
        for (xs, ws) in [(head, w_head), (tail, w_tail)] {
            let (mut x4s, mut w4s) = (xs.chunks_exact(4), ws.chunks_exact(4 * HIDDEN));
            for (x, w) in (&mut x4s).zip(&mut w4s) {
                for (k, acc) in accs.iter_mut().enumerate() {
                    // SAFETY: `w` holds 4 * HIDDEN floats, so HIDDEN of them start at k * HIDDEN.
                    let wk = unsafe { _mm256_loadu_ps(w.as_ptr().add(k * HIDDEN)) };
                    *acc = _mm256_add_ps(*acc, _mm256_mul_ps(_mm256_set1_ps(x[k]), wk));
                }
            }
            for (x, w) in x4s.remainder().iter().zip(w4s.remainder().chunks_exact(HIDDEN)) {
                // SAFETY: `w` holds HIDDEN floats.
                let w = unsafe { _mm256_loadu_ps(w.as_ptr()) };
                accs[0] = _mm256_add_ps(accs[0], _mm256_mul_ps(_mm256_set1_ps(*x), w));
            }
        }
        let sum = _mm256_add_ps(_mm256_add_ps(accs[0], accs[1]), _mm256_add_ps(accs[2], accs[3]));
        let mut a = [0f32; HIDDEN];
        // SAFETY: `a` holds HIDDEN floats.
        unsafe { _mm256_storeu_ps(a.as_mut_ptr(), sum) };
        let mut z = 0.0;
        for (h, (b, w)) in self.bias.iter().zip(&self.output).enumerate() {
            z += w * activation(b + a[h]);
        }
        z
    }

    /// [`Net::hidden_sum`] for [`HIDDEN`] units, the inputs taken four at a time into four
    /// accumulators: with one, every input's add waits for the previous one's (four cycles each),
    /// with four they overlap. Fixed sizes keep the accumulators in registers.
    #[inline(always)]
    fn hidden_sum_fixed(&self, head: &[f32], tail: &[f32]) -> f32 {
        let mut accs = [[0f32; HIDDEN]; 4];
        let (w_head, w_tail) = self.weights.split_at((head.len() * HIDDEN).min(self.weights.len()));
        for (xs, ws) in [(head, w_head), (tail, w_tail)] {
            let (mut x4s, mut w4s) = (xs.chunks_exact(4), ws.chunks_exact(4 * HIDDEN));
            for (x, w) in (&mut x4s).zip(&mut w4s) {
                for ((acc, x), w) in accs.iter_mut().zip(x).zip(w.chunks_exact(HIDDEN)) {
                    for (a, w) in acc.iter_mut().zip(w) {
                        *a += x * w;
                    }
                }
            }
            for (x, w) in x4s.remainder().iter().zip(w4s.remainder().chunks_exact(HIDDEN)) {
                for (a, w) in accs[0].iter_mut().zip(w) {
                    *a += x * w;
                }
            }
        }
        let mut z = 0.0;
        for (h, (b, w)) in self.bias.iter().zip(&self.output).enumerate() {
            let a = b + ((accs[0][h] + accs[1][h]) + (accs[2][h] + accs[3][h]));
            z += w * activation(a);
        }
        z
    }

    /// The output layer's weighted sum of the hidden units' activations, accumulating the hidden
    /// units in `acc` (one slot each).
    #[inline(always)]
    fn hidden_sum(&self, acc: &mut [f32], head: &[f32], tail: &[f32]) -> f32 {
        let h = acc.len().max(1);
        acc.copy_from_slice(&self.bias);
        let (w_head, w_tail) = self.weights.split_at((head.len() * h).min(self.weights.len()));
        for (xs, ws) in [(head, w_head), (tail, w_tail)] {
            for (x, w) in xs.iter().zip(ws.chunks_exact(h)) {
                for (a, w) in acc.iter_mut().zip(w) {
                    *a += x * w;
                }
            }
        }
        acc.iter().zip(&self.output).map(|(a, w)| w * activation(*a)).sum()
    }
}

/// The logistic function: the probability whose log-odds are `z`.
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

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

/// The two stages of the line model.
#[derive(Debug, Clone)]
pub struct LineModel {
    /// Judges lines from their features.
    stage_a: Net,
    /// Judges lines from their features and stage A's verdicts around them.
    stage_b: Net,
    /// Judges the words of kept lines, to cut off other columns' words (page dumps only).
    pub columns: Option<super::columns::ColumnModel>,
}

impl LineModel {
    /// A line model from its two stages' weights, and the column splitter's two passes (page
    /// dumps) or none (HTML).
    pub fn new(stage_a: &Mlp<'_>, stage_b: &Mlp<'_>, columns: Option<(&Mlp<'_>, &Mlp<'_>)>) -> Self {
        Self {
            stage_a: Net::new(stage_a),
            stage_b: Net::new(stage_b),
            columns: columns.map(|(first, second)| super::columns::ColumnModel {
                first: Net::new(first),
                second: Net::new(second),
            }),
        }
    }

    /// The model shipped with newsmill (`weights.rs`).
    pub fn shipped() -> Self {
        Self::new(&weights::STAGE_A, &weights::STAGE_B, Some((&weights::COLUMNS_A, &weights::COLUMNS_B)))
    }

    /// The model for HTML blocks shipped with newsmill (`html_weights.rs`).
    pub fn shipped_html() -> Self {
        Self::new(&html_weights::STAGE_A, &html_weights::STAGE_B, None)
    }

    /// Stage A's probability for every line; `open[i]` is false where the rules already decided.
    pub fn stage_a(&self, features: &Rows, open: &[bool]) -> Vec<f32> {
        features.iter().zip(open).map(|(f, &o)| if o { self.stage_a.probability(f) } else { 0.0 }).collect()
    }

    /// The final probability that each open line is article body text (0 for the others).
    pub fn keep_probabilities(&self, features: &Rows, open: &[bool], words: &[f32]) -> Vec<f32> {
        let a = self.stage_a(features, open);
        stage_b_inputs(features, &a, words)
            .iter()
            .zip(open)
            .map(|(x, &o)| if o { self.stage_b.probability(x) } else { 0.0 })
            .collect()
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
        for mlp in [weights::STAGE_A, weights::STAGE_B, weights::COLUMNS_A, weights::COLUMNS_B, html_weights::STAGE_A] {
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
            (&html_weights::STAGE_A, html_a, "HTML A"),
            (&html_weights::STAGE_B, html_b, "HTML B"),
        ] {
            let shape = (m.mean.len(), m.scale.len(), m.hidden.len(), m.hidden_bias.len(), m.output.len());
            assert_eq!(shape, (n, n, n * HIDDEN, HIDDEN, HIDDEN), "retrain stage {name}");
        }
        use super::super::columns::{N_SECOND_FEATURES, N_WORD_FEATURES};
        for (m, n) in [(&weights::COLUMNS_A, N_WORD_FEATURES), (&weights::COLUMNS_B, N_SECOND_FEATURES)] {
            let h = m.hidden_bias.len();
            let shape = (m.mean.len(), m.scale.len(), m.hidden.len(), m.output.len());
            assert_eq!(shape, (n, n, n * h, h), "retrain the column model");
        }
    }
}
