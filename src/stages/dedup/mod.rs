//! The dedup stage: exact and near duplicates, grouped into stories. Each body is sketched
//! ([`sketch`]) outside the lock; the shared [`StoryIndex`] ([`index`]) answers whether an earlier
//! document held in the window is the same text or an edited copy of it, and is persisted with the
//! input checkpoints, so a restart remembers what it has seen.

pub mod config;
pub mod index;
pub mod persist;
pub mod sketch;

use std::sync::{Arc, Mutex};

pub use index::{DedupChanges, DedupRecord, InFlight, MatchKind, StoryIndex, Verdict};
pub use sketch::{LEAD_SLOTS, SLOTS, Sketch, Sketched, Sketcher};

use self::config::{DedupAction, DedupConfig};
use crate::record::{Extracted, Reject};
use crate::runner::{Outcome, Transform};

/// A fingerprint of the settings that decide what a sketch means (shingle length, lead bands and
/// the sketch layout): entries sketched under another one only ever match exactly.
pub(crate) fn sketch_fingerprint(cfg: &DedupConfig) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for v in [cfg.shingle_words.get(), cfg.lead_bands, cfg.lead_rows.get(), SLOTS, LEAD_SLOTS, sketch::ENTITY_SLOTS] {
        h.update(&(v as u64).to_le_bytes());
    }
    h.update(&[index::RECORD_VERSION]);
    h.digest()
}

/// The shared index, as held by the stage and the committer.
pub(crate) type SharedIndex = Arc<Mutex<StoryIndex>>;

/// The dedup stage.
pub(crate) struct Dedup {
    index: SharedIndex,
    action: DedupAction,
    enabled: bool,
    near: bool,
    shingle_words: usize,
    counts: Arc<DedupCounts>,
}

/// Documents by what dedup found, since start.
#[derive(Debug, Default)]
pub struct DedupCounts {
    /// First of their story.
    pub new: std::sync::atomic::AtomicU64,
    /// Exact copies.
    pub exact: std::sync::atomic::AtomicU64,
    /// Near copies.
    pub near: std::sync::atomic::AtomicU64,
}

impl Dedup {
    /// A stage over a shared index.
    pub fn new(cfg: &DedupConfig, index: SharedIndex) -> Self {
        Self {
            index,
            action: cfg.action,
            enabled: cfg.enabled,
            near: cfg.near,
            shingle_words: cfg.shingle_words.get(),
            counts: Arc::default(),
        }
    }

    /// The same stage with the settings of `cfg` (a config reload): same index, same counts.
    pub(crate) fn reconfigured(&self, cfg: &DedupConfig) -> Self {
        Self { counts: self.counts.clone(), ..Self::new(cfg, self.index.clone()) }
    }

    /// The stage's counts by kind (shared: they go on counting).
    pub fn counts(&self) -> Arc<DedupCounts> {
        self.counts.clone()
    }
}

impl Transform for Dedup {
    type In = Extracted;
    type Out = Extracted;
    const STAGE: &'static str = "dedup";
    const BLOCKING: bool = true;

    fn process(&self, mut doc: Extracted) -> Result<Outcome<Extracted>, Reject> {
        // A headline without text is no story's text: every such record would be an "exact
        // copy" of the first.
        if !self.enabled || doc.article.headline_only {
            return Ok(Outcome::Emit(doc));
        }
        let hash = u128::from_str_radix(&doc.article.content_hash, 16)
            .map_err(|e| Reject::new("bad_hash", format!("content hash is not hex: {e}"), doc.article.id.clone()))?;
        let sketch = if self.near {
            Sketcher::new(self.shingle_words).sketch(doc.article.body.iter().map(String::as_str))
        } else {
            None
        };
        let now = jiff::Timestamp::now().as_second();
        let verdict = self.index.lock().unwrap_or_else(|e| e.into_inner()).check_and_insert(
            &doc.article.id,
            doc.article.ticket.map_or(0, |t| t.origin()),
            hash as u64,
            sketch.as_ref(),
            now,
        );
        let count = match verdict.kind {
            MatchKind::New => &self.counts.new,
            MatchKind::Exact => &self.counts.exact,
            MatchKind::Near => &self.counts.near,
        };
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let a = &mut doc.article;
        a.story_id = Some(format!("{:016x}", verdict.story));
        a.dedup = Some(match verdict.kind {
            MatchKind::New => "new",
            MatchKind::Exact => "exact",
            MatchKind::Near => "near",
        });
        if a.dedup != Some("new") {
            a.similarity = Some((verdict.similarity * 1000.0).round() / 1000.0);
            tracing::debug!(
                doc = %a.id,
                story = a.story_id.as_deref().unwrap_or_default(),
                kind = a.dedup.unwrap_or_default(),
                similarity = verdict.similarity,
                first = verdict.duplicate_of.as_deref().unwrap_or_default(),
                "Duplicate found."
            );
        }
        match (verdict.duplicate_of, self.action) {
            (None, _) => Ok(Outcome::Emit(doc)),
            (Some(_), DedupAction::Drop) => Ok(Outcome::Drop),
            (Some(first), DedupAction::Tag) => {
                doc.article.duplicate_of = Some(first);
                Ok(Outcome::Emit(doc))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_tag_drop_and_disabled() {
        use super::config::DedupConfig;
        use crate::record::{Article, Extracted, Format, SourceInfo};
        let doc = |id: &str| {
            let prov = crate::stages::test_document("x").prov;
            let body = "same body with enough words to make several shingles of five words each";
            let article = Article {
                id: id.into(),
                source: SourceInfo { path: "/in/x".into(), offset: None, format: Format::Text, charset: None },
                url: None,
                title: None,
                subtitle: None,
                body: vec![body.into()],
                byline: None,
                publisher: None,
                published: None,
                updated: None,
                lang: None,
                captions: vec![],
                image: None,
                categories: vec![],
                page_type: None,
                headline_only: false,
                truncated: false,
                word_count: 2,
                content_hash: crate::text::content_hash([body]).1,
                duplicate_of: None,
                story_id: None,
                similarity: None,
                dedup: None,
                ingested_at: String::new(),
                ticket: None,
            };
            Extracted { prov, article }
        };
        let stage = |cfg: DedupConfig| {
            let index = StoryIndex::new(cfg.clone(), vec![], 0);
            Dedup::new(&cfg, Arc::new(Mutex::new(index)))
        };
        let tag = stage(DedupConfig::default());
        let first = match tag.process(doc("a")) {
            Ok(Outcome::Emit(d)) => d.article,
            other => panic!("{other:?}"),
        };
        assert!(first.duplicate_of.is_none() && first.similarity.is_none());
        assert_eq!(first.dedup, Some("new"));
        let copy = match tag.process(doc("b")) {
            Ok(Outcome::Emit(d)) => d.article,
            other => panic!("{other:?}"),
        };
        assert_eq!(copy.duplicate_of.as_deref(), Some("a"));
        assert_eq!((copy.dedup, copy.similarity), (Some("exact"), Some(1.0)));
        assert_eq!(copy.story_id, first.story_id);
        let drop = stage(DedupConfig { action: DedupAction::Drop, ..DedupConfig::default() });
        assert!(matches!(drop.process(doc("a")), Ok(Outcome::Emit(_))));
        assert!(matches!(drop.process(doc("b")), Ok(Outcome::Drop)));
        let off = stage(DedupConfig { enabled: false, ..DedupConfig::default() });
        assert!(matches!(off.process(doc("a")), Ok(Outcome::Emit(_))));
        assert!(matches!(off.process(doc("b")), Ok(Outcome::Emit(d)) if d.article.duplicate_of.is_none()));
    }
}
