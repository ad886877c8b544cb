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

/// What the dedup stage does, by the process' role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Sketch and decide, by the wall clock (`--role all`).
    #[default]
    Decide,
    /// Only sketch, and carry the sketch on in the record (`--role extract`: the dedup role
    /// decides).
    Sketch,
    /// Decide with the carried sketch, by the time the document was read (`--role dedup`): the
    /// answers depend on nothing but the internal stream's contents and order.
    Replay,
}

/// The dedup stage.
pub(crate) struct Dedup {
    mode: Mode,
    layout: u64,
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
            mode: Mode::Decide,
            layout: sketch_fingerprint(cfg),
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
        Self { counts: self.counts.clone(), ..Self::new(cfg, self.index.clone()).with_mode(self.mode) }
    }

    /// The same stage working as `mode` says.
    pub(crate) fn with_mode(self, mode: Mode) -> Self {
        Self { mode, ..self }
    }

    /// The body's sketch: the one carried in the record when it was made under this layout,
    /// else made here.
    fn sketch(&self, article: &mut crate::record::Article) -> Option<Sketched> {
        let carried = article.sketch.take();
        if !self.near {
            return None;
        }
        carried
            .and_then(|hex| Sketched::from_hex(&hex, self.layout))
            .or_else(|| Sketcher::new(self.shingle_words).sketch(article.body.iter().map(String::as_str)))
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

    fn process(&self, mut doc: Extracted) -> Result<Outcome<Extracted>, Reject> {
        // A headline without text is no story's text: every such record would be an "exact
        // copy" of the first.
        if !self.enabled || doc.article.headline_only {
            return Ok(Outcome::Emit(doc));
        }
        let hash = u128::from_str_radix(&doc.article.content_hash, 16)
            .map_err(|e| Reject::new("bad_hash", format!("content hash is not hex: {e}"), doc.article.id.clone()))?;
        let sketch = self.sketch(&mut doc.article);
        if self.mode == Mode::Sketch {
            doc.article.sketch = sketch.map(|s| s.to_hex(self.layout));
            return Ok(Outcome::Emit(doc));
        }
        let wall = || jiff::Timestamp::now().as_second();
        let now = match self.mode {
            // The extract role's clock, carried in the record: every dedup process replaying the
            // stream ages the window alike.
            Mode::Replay => {
                doc.article.ingested_at.parse::<jiff::Timestamp>().map_or_else(|_| wall(), |t| t.as_second())
            }
            Mode::Decide | Mode::Sketch => wall(),
        };
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
                sketch: None,
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

    #[test]
    fn a_sketch_carried_between_roles_gives_the_answers_of_one_process() {
        use crate::record::{Article, Extracted};
        let cfg = DedupConfig::default();
        let body = |extra: &str| {
            vec![
                format!(
                    "The council voted on Tuesday to close the old bridge for repairs that will take a year {extra}"
                ),
                "Drivers will be sent through the town centre while engineers replace the deck and the rails".into(),
            ]
        };
        let doc = |id: &str, extra: &str, at: &str| {
            let prov = crate::stages::test_document("x").prov;
            let json = serde_json::json!({
                "id": id, "source": {"path": "/in/x", "offset": null, "format": "text"}, "url": null,
                "title": null, "subtitle": null, "body": body(extra), "byline": null, "publisher": null,
                "published": null, "updated": null, "lang": "en", "captions": [], "image": null,
                "categories": [], "word_count": 30, "content_hash": crate::text::content_hash(body(extra).iter().map(String::as_str)).1,
                "duplicate_of": null, "story_id": null, "similarity": null, "dedup": null, "ingested_at": at,
            });
            let article: Article = serde_json::from_value(json).unwrap();
            Extracted { prov, article }
        };
        let stage = |mode| Dedup::new(&cfg, Arc::new(Mutex::new(StoryIndex::empty(cfg.clone())))).with_mode(mode);
        let docs = [
            doc("a", "", "2026-12-01T10:00:00Z"),
            doc("b", "and more", "2026-12-01T10:00:05Z"),
            doc("c", "", "2026-12-01T10:00:09Z"),
        ];
        let emitted = |r: Result<Outcome<Extracted>, Reject>| match r {
            Ok(Outcome::Emit(d)) => d.article,
            other => panic!("{other:?}"),
        };
        // The extract role sketches; the record goes through the internal stream as JSON.
        let sketcher = stage(Mode::Sketch);
        let carried: Vec<Extracted> = docs
            .iter()
            .map(|d| {
                let a = emitted(sketcher.process(d.clone()));
                assert!(a.sketch.is_some() && a.story_id.is_none(), "sketched, not decided");
                let back: Article = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
                Extracted { prov: d.prov.clone(), article: back }
            })
            .collect();
        let replay = |docs: &[Extracted]| {
            let s = stage(Mode::Replay);
            docs.iter().map(|d| emitted(s.process(d.clone()))).collect::<Vec<_>>()
        };
        let (a, b) = (replay(&carried), replay(&carried));
        let (fresh, plain) = (replay(&docs), replay(&docs));
        for out in [&a, &b, &fresh, &plain] {
            assert!(out.iter().all(|x| x.sketch.is_none()), "the sketch never reaches an output");
            assert_eq!(out.iter().map(|x| x.dedup).collect::<Vec<_>>(), [Some("new"), Some("near"), Some("exact")]);
        }
        let stories = |out: &[Article]| out.iter().map(|x| x.story_id.clone()).collect::<Vec<_>>();
        assert_eq!(stories(&a), stories(&b), "two replays of one stream agree");
        assert_eq!(stories(&a), stories(&fresh), "a carried sketch answers as one made here");
        // A sketch made under another layout is not used: the body is sketched again.
        let other = DedupConfig { shingle_words: std::num::NonZeroUsize::new(4).unwrap(), ..cfg.clone() };
        let hex = carried[0].article.sketch.clone().unwrap();
        assert!(Sketched::from_hex(&hex, sketch_fingerprint(&other)).is_none());
        assert!(Sketched::from_hex(&hex[2..], sketch_fingerprint(&cfg)).is_none());
        assert!(Sketched::from_hex(&hex, sketch_fingerprint(&cfg)).is_some());
    }
}
