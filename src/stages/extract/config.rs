//! `[extract]`: the extractor's settings and their defaults.

use std::collections::HashMap;
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
    /// A page typed other than an article (a listing, a shop's page, a thread, ...) whose body
    /// has fewer words goes to the dead letter as `too_short`: what is left of such a page is
    /// menus and widgets, or its content lives in scripts the page never shows. 0: off. Articles,
    /// feed items and JSON lines are never held to it.
    pub non_article_min_words: usize,
    /// HTML pages: per page type, the block-model probability from which a block the cleaner's
    /// model dropped joins the body. What counts as main content differs by type (a listing's
    /// items and a shop's short lines look like an article page's menus to a model that learned
    /// mostly from articles); on a forum page, so do the lines of a comments section (the
    /// thread's replies). A value at or above `[clean] keep_threshold` changes nothing for that
    /// type; keys left out keep their defaults.
    #[serde(deserialize_with = "BodyThresholds::html")]
    pub html_body_threshold: BodyThresholds,
    /// Page dumps and other text: the same, for the line model's probabilities.
    #[serde(deserialize_with = "BodyThresholds::text")]
    pub text_body_threshold: BodyThresholds,
}

/// One probability (0..1) per page type: `[extract.html_body_threshold]`,
/// `[extract.text_body_threshold]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BodyThresholds {
    /// News, blog posts, how-tos, explainers.
    pub article: f32,
    /// A company's or school's page about what it offers.
    pub service: f32,
    /// A discussion thread.
    pub forum: f32,
    /// A shop's or site's collection of items.
    pub collection: f32,
    /// An index of links: headlines, events, search results.
    pub listing: f32,
    /// One product for sale.
    pub product: f32,
    /// A manual's or reference's page.
    pub documentation: f32,
}

impl BodyThresholds {
    /// HTML pages' defaults, chosen per type on the WCXB dev pages and checked by grouped
    /// cross-validation (docs/cleaner-model.md, "The body by page type"); for every type but
    /// article, on the probabilities of the block model for such pages (`[clean]
    /// non_article_html_model`, "A block model for pages other than articles").
    pub const HTML: Self = Self {
        article: 0.5,
        service: 0.2,
        forum: 0.4,
        collection: 0.15,
        listing: 0.15,
        product: 0.5,
        documentation: 0.3,
    };
    /// Text's defaults, chosen the same way on the WCXB page dumps (again with the second text
    /// model, whose probabilities are spread otherwise: docs/cleaner-model.md).
    pub const TEXT: Self = Self {
        article: 0.5,
        service: 0.3,
        forum: 0.3,
        collection: 0.4,
        listing: 0.1,
        product: 0.2,
        documentation: 0.15,
    };

    /// The threshold for pages of type `t`.
    pub fn get(&self, t: PageType) -> f32 {
        let mut copy = *self;
        *copy.slot(t)
    }

    fn slot(&mut self, t: PageType) -> &mut f32 {
        match t {
            PageType::Article => &mut self.article,
            PageType::Service => &mut self.service,
            PageType::Forum => &mut self.forum,
            PageType::Collection => &mut self.collection,
            PageType::Listing => &mut self.listing,
            PageType::Product => &mut self.product,
            PageType::Documentation => &mut self.documentation,
        }
    }

    /// These thresholds with the types a table names set as it says (a table names only what it
    /// changes; a name that is no page type is an error).
    fn with(mut self, given: HashMap<PageType, f32>) -> Self {
        for (t, v) in given {
            *self.slot(t) = v;
        }
        self
    }

    fn html<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        HashMap::deserialize(d).map(|g| Self::HTML.with(g))
    }

    fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        HashMap::deserialize(d).map(|g| Self::TEXT.with(g))
    }
}

impl Default for ExtractConfig {
    fn default() -> Self {
        Self {
            workers: nz(2),
            channel_capacity: nz(64),
            lang_min_chars: 40,
            accept_page_types: PageType::ALL.to_vec(),
            reject_min_probability: 0.5,
            non_article_min_words: 40,
            html_body_threshold: BodyThresholds::HTML,
            text_body_threshold: BodyThresholds::TEXT,
        }
    }
}

impl ExtractConfig {
    /// From which line-model probability a line the cleaner's model dropped joins the body of a
    /// page of type `t` (`html`: an HTML page's blocks, else text lines).
    pub fn body_threshold(&self, html: bool, t: PageType) -> f32 {
        if html { self.html_body_threshold.get(t) } else { self.text_body_threshold.get(t) }
    }

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
        for (key, table) in
            [("html_body_threshold", &self.html_body_threshold), ("text_body_threshold", &self.text_body_threshold)]
        {
            for t in PageType::ALL {
                if !(0.0..=1.0).contains(&table.get(t)) {
                    errors.push((key, format!("{t} must be between 0 and 1")));
                }
            }
        }
        errors
    }
}
