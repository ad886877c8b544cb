//! The small networks the line models are made of: feature rows, a one-hidden-layer network
//! borrowed from the weight tables ([`Mlp`]) or owned while training ([`Net`]), and the logistic
//! function.

/// Hidden units of each stage's network.
pub const HIDDEN: usize = 8;

/// Most inputs a network takes (its standardised inputs live on the stack).
const MAX_INPUTS: usize = 128;

/// Feature vectors of a page's lines (or blocks), one row each, all of the same width.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub(super) width: usize,
    pub(super) data: Vec<f32>,
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
    pub(crate) fn from_arrays<const N: usize>(rows: &[[f32; N]]) -> Self {
        Self { width: N, data: rows.iter().flatten().copied().collect() }
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
    pub(crate) fn width(&self) -> usize {
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
    pub(super) hidden: usize,
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
    pub(crate) fn probability_of(&self, head: &[f32], tail: &[f32]) -> f32 {
        sigmoid(self.logit_of(head, tail))
    }

    /// The log-odds [`Net::probability_of`] is the sigmoid of: where a caller wants the log-odds,
    /// asking for them saves an exponential and a logarithm.
    pub(crate) fn logit_of(&self, head: &[f32], tail: &[f32]) -> f32 {
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
    pub(super) fn hidden_sum_avx(&self, head: &[f32], tail: &[f32]) -> f32 {
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
    pub(super) fn hidden_sum_fixed(&self, head: &[f32], tail: &[f32]) -> f32 {
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
    pub(super) fn hidden_sum(&self, acc: &mut [f32], head: &[f32], tail: &[f32]) -> f32 {
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
