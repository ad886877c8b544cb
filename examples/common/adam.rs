//! Full-batch Adam for the small models the training commands fit from zero (`train_page_type`,
//! `train_headline`): the same steps in the same order, so the same pages give the same weights.

/// Adam's moments for a parameter vector.
pub struct Adam {
    m1: Vec<f32>,
    m2: Vec<f32>,
    t: i32,
}

impl Adam {
    const B1: f32 = 0.9;
    const B2: f32 = 0.999;
    const LR: f32 = 0.05;
    const EPS: f32 = 1e-8;

    /// Moments for `n` parameters.
    pub fn new(n: usize) -> Self {
        Self { m1: vec![0.0; n], m2: vec![0.0; n], t: 0 }
    }

    /// One step of `params` against `grad` (weight decay already added to it).
    pub fn step(&mut self, params: &mut [f32], grad: &[f32]) {
        self.t += 1;
        for ((p, g), (m1, m2)) in params.iter_mut().zip(grad).zip(self.m1.iter_mut().zip(self.m2.iter_mut())) {
            *m1 = Self::B1 * *m1 + (1.0 - Self::B1) * g;
            *m2 = Self::B2 * *m2 + (1.0 - Self::B2) * g * g;
            let mh = *m1 / (1.0 - Self::B1.powi(self.t));
            let vh = *m2 / (1.0 - Self::B2.powi(self.t));
            *p -= Self::LR * mh / (vh.sqrt() + Self::EPS);
        }
    }
}
