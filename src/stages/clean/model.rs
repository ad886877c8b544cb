//! The line model: logistic regression over standardised line features. Its weights live in
//! `weights.rs`, written by `cargo run --release --example train_cleaner` (see docs/cleaner-model.md).

use super::features::N_FEATURES;
use super::weights::{MEAN, SCALE, WEIGHTS};

/// Probability that a line with these features is article body text.
pub fn keep_probability(features: &[f32; N_FEATURES]) -> f32 {
    let mut z = 0f32;
    for i in 0..N_FEATURES {
        z += (features[i] - MEAN[i]) / SCALE[i] * WEIGHTS[i];
    }
    1.0 / (1.0 + (-z).exp())
}
