//! `[extract]`: the extractor's settings and their defaults.

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::live::LiveKeys;
use crate::num::nz;
use crate::record::PageType;

/// `[extract]`: building the article from cleaned lines.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {
    /// Parallel extraction workers.
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (cleaned documents waiting for extraction).
    pub channel_capacity: NonZeroUsize,
    /// Language is only reported when the body has at least this many characters.
    pub lang_min_chars: usize,
    /// Page types written as articles (`article`, `service`, `forum`, `collection`, `listing`,
    /// `product`, `documentation`); a page of another type goes to the dead letter as
    /// `not_an_article` with the type found. Default: all seven.
    pub accept_page_types: Vec<PageType>,
    /// A page of a type not accepted is rejected only when the page-type model gives that type at
    /// least this probability (0..1); a page it is less sure of is written, with its type.
    pub reject_min_probability: f32,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        Self {
            workers: nz(2),
            channel_capacity: nz(64),
            lang_min_chars: 40,
            accept_page_types: PageType::ALL.to_vec(),
            reject_min_probability: 0.5,
        }
    }
}

impl ExtractConfig {
    /// What a reload changes in place: everything.
    pub(crate) const LIVE: LiveKeys = LiveKeys::All;

    /// Problems with the section's values, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if self.accept_page_types.is_empty() {
            errors.push(("accept_page_types", "name at least one page type (`article`)".into()));
        }
        if !(0.0..=1.0).contains(&self.reject_min_probability) {
            errors.push(("reject_min_probability", "must be between 0 and 1".into()));
        }
        errors
    }
}
