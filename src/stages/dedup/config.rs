//! `[dedup]`: the dedup window's and matcher's settings and their defaults.

use std::num::{NonZeroU64, NonZeroUsize};

use serde::{Deserialize, Serialize};

use crate::live::LiveKeys;
use crate::num::{nz, nz64};

/// What the dedup stage does with a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupAction {
    /// Write it, with `duplicate_of` set to the first document's id.
    Tag,
    /// Do not write it.
    Drop,
}

/// `[dedup]`: exact and near duplicates, grouped into stories, over a bounded window.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// Dedup workers (they share one index).
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (articles waiting for duplicate checks).
    pub channel_capacity: NonZeroUsize,
    /// Turn duplicate detection off entirely.
    pub enabled: bool,
    /// `tag` or `drop`.
    pub action: DedupAction,
    /// Most bodies remembered; the oldest is forgotten first.
    pub max_entries: NonZeroUsize,
    /// Bodies older than this are forgotten.
    pub max_age_hours: NonZeroU64,
    /// Look for near copies (edited republications), not only exact ones.
    pub near: bool,
    /// Words per shingle: longer shingles tell unrelated texts apart better, shorter ones survive
    /// heavier editing.
    pub shingle_words: NonZeroUsize,
    /// LSH bands over the 64-slot signature; `bands * rows` must be at most 64. More bands find
    /// less similar copies, at more lookups per document.
    pub bands: NonZeroUsize,
    /// Signature slots per band: more rows make a band's match rarer between unrelated texts.
    pub rows: NonZeroUsize,
    /// LSH bands over the lead signature (the first 64 shingles), which find copies cut short or
    /// extended at the end; `lead_bands * lead_rows` must be at most 32; 0 turns them off.
    pub lead_bands: usize,
    /// Lead signature slots per band.
    pub lead_rows: NonZeroUsize,
    /// Least share of the shorter body found in the other for a near copy (0..1].
    pub threshold: f64,
    /// Least ratio of how well the two bodies' numbers agree to how well their text agrees, for a
    /// near copy (0..1]: a template story with other figures fails it.
    pub number_agreement: f64,
    /// The same for names (capitalised words inside sentences), used where either body has too
    /// few numbers to judge ([0, 1]; 0, the default, turns it off: an edit's dropped sentence
    /// takes names with it as often as a template story swaps them, so on generated wire copies
    /// it split more true copies than it kept template stories apart).
    pub name_agreement: f64,
    /// Bodies with fewer shingles than this are only matched exactly.
    pub min_shingles: u32,
    /// When either body has fewer numbers (names) than this, they are not compared.
    pub min_entities: u32,
    /// Most earlier documents compared per document (bounds the work per lookup).
    pub max_candidates: NonZeroUsize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        Self {
            workers: nz(1),
            channel_capacity: nz(64),
            enabled: true,
            action: DedupAction::Tag,
            max_entries: nz(1_000_000),
            max_age_hours: nz64(7 * 24),
            near: true,
            shingle_words: nz(5),
            bands: nz(21),
            rows: nz(3),
            lead_bands: 10,
            lead_rows: nz(3),
            threshold: 0.5,
            number_agreement: 0.5,
            name_agreement: 0.0,
            min_shingles: 8,
            min_entities: 2,
            max_candidates: nz(32),
        }
    }
}

impl DedupConfig {
    /// The sketch layout: the held entries were sketched and indexed with it, so it changes only
    /// at a restart (and then the window's documents match only exact copies until they age out).
    pub(crate) const RESTART: &[&str] = &["shingle_words", "bands", "rows", "lead_bands", "lead_rows"];

    /// What a reload changes in place: everything but the sketch layout.
    pub(crate) const LIVE: LiveKeys = LiveKeys::AllBut(Self::RESTART);

    /// `max_age_hours` in seconds.
    pub fn max_age_secs(&self) -> i64 {
        i64::try_from(self.max_age_hours.get().saturating_mul(3600)).unwrap_or(i64::MAX)
    }

    /// This config with the sketch layout of `running` (a reload keeps it until the restart).
    pub(crate) fn with_layout_of(&self, running: &Self) -> Self {
        Self {
            shingle_words: running.shingle_words,
            bands: running.bands,
            rows: running.rows,
            lead_bands: running.lead_bands,
            lead_rows: running.lead_rows,
            ..self.clone()
        }
    }

    /// Problems with the section's values, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        use super::{LEAD_SLOTS, SLOTS, sketch::MAX_SHINGLE_WORDS};
        let mut errors = Vec::new();
        if self.bands.get() * self.rows.get() > SLOTS {
            errors.push(("bands", format!("bands * rows must be at most {SLOTS} (the signature's slots)")));
        }
        if self.shingle_words.get() > MAX_SHINGLE_WORDS {
            errors.push(("shingle_words", format!("must be at most {MAX_SHINGLE_WORDS}")));
        }
        if self.lead_bands * self.lead_rows.get() > LEAD_SLOTS {
            errors.push(("lead_bands", format!("lead_bands * lead_rows must be at most {LEAD_SLOTS}")));
        }
        for (key, v) in [("threshold", self.threshold), ("number_agreement", self.number_agreement)] {
            if !(v > 0.0 && v <= 1.0) {
                errors.push((key, "must be above 0 and at most 1".into()));
            }
        }
        if !(0.0..=1.0).contains(&self.name_agreement) {
            errors.push(("name_agreement", "must be between 0 and 1".into()));
        }
        errors
    }
}
