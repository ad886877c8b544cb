//! The dedup stage: exact duplicates on the normalised body text. A bounded window of body hashes
//! (`max_entries`, `max_age_hours`, oldest forgotten first) is shared by the stage's workers and
//! persisted with the input checkpoints, so a restart remembers what it has seen.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use crate::config::{DedupAction, DedupConfig};
use crate::record::{Extracted, Reject};
use crate::runner::{Outcome, Transform};
use crate::state::{DedupChanges, DedupRecord};

/// The window of body hashes seen.
#[derive(Debug)]
pub struct ExactIndex {
    map: HashMap<u128, (i64, Box<str>)>,
    /// (seen_at, hash) in arrival order: the front is the oldest.
    order: VecDeque<(i64, u128)>,
    max_entries: usize,
    max_age_secs: i64,
    added: HashSet<u128>,
    removed: HashSet<u128>,
}

impl DedupChanges {
    /// Whether there is nothing to persist.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

impl ExactIndex {
    /// An index with the given bounds, filled from persisted records (oldest first).
    pub fn new(max_entries: usize, max_age_secs: i64, loaded: Vec<DedupRecord>, now: i64) -> Self {
        let mut idx = Self {
            map: HashMap::with_capacity(loaded.len().min(max_entries)),
            order: VecDeque::with_capacity(loaded.len().min(max_entries)),
            max_entries,
            max_age_secs,
            added: HashSet::new(),
            removed: HashSet::new(),
        };
        for r in loaded {
            if idx.map.insert(r.hash, (r.seen_at, r.id.into_boxed_str())).is_none() {
                idx.order.push_back((r.seen_at, r.hash));
            }
        }
        idx.evict(now);
        idx
    }

    /// Number of bodies remembered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn evict(&mut self, now: i64) {
        while let Some(&(seen_at, hash)) = self.order.front() {
            if self.order.len() <= self.max_entries && seen_at >= now - self.max_age_secs {
                break;
            }
            self.order.pop_front();
            self.map.remove(&hash);
            if !self.added.remove(&hash) {
                self.removed.insert(hash);
            }
        }
    }

    /// Returns the id of the first document with this body, or remembers `id` as the first.
    /// A document seen again under its own id (re-read after a crash) is not its own duplicate.
    pub fn check_and_insert(&mut self, hash: u128, id: &str, now: i64) -> Option<String> {
        self.evict(now);
        if let Some((_, first)) = self.map.get(&hash) {
            return (&**first != id).then(|| first.to_string());
        }
        self.map.insert(hash, (now, id.into()));
        self.order.push_back((now, hash));
        self.removed.remove(&hash);
        self.added.insert(hash);
        self.evict(now);
        None
    }

    /// Changes since the last call, to persist.
    pub fn take_changes(&mut self) -> DedupChanges {
        let added = std::mem::take(&mut self.added)
            .into_iter()
            .filter_map(|hash| {
                self.map.get(&hash).map(|(seen_at, id)| DedupRecord { hash, seen_at: *seen_at, id: id.to_string() })
            })
            .collect();
        DedupChanges { added, removed: std::mem::take(&mut self.removed).into_iter().collect() }
    }

    /// Puts back changes whose commit failed, so the next commit carries them.
    pub fn requeue(&mut self, changes: &DedupChanges) {
        for r in &changes.added {
            if self.map.contains_key(&r.hash) {
                self.added.insert(r.hash);
            }
        }
        for h in &changes.removed {
            if !self.map.contains_key(h) {
                self.removed.insert(*h);
            }
        }
    }
}

/// The shared index, as held by the stage and the committer.
pub type SharedIndex = Arc<Mutex<ExactIndex>>;

/// The dedup stage.
pub struct Dedup {
    index: SharedIndex,
    action: DedupAction,
    enabled: bool,
}

impl Dedup {
    /// A stage over a shared index.
    pub fn new(cfg: &DedupConfig, index: SharedIndex) -> Self {
        Self { index, action: cfg.action, enabled: cfg.enabled }
    }
}

impl Transform for Dedup {
    type In = Extracted;
    type Out = Extracted;
    const STAGE: &'static str = "dedup";
    const BLOCKING: bool = false;

    fn process(&self, mut doc: Extracted) -> Result<Outcome<Extracted>, Reject> {
        if !self.enabled {
            return Ok(Outcome::Emit(doc));
        }
        let hash = u128::from_str_radix(&doc.article.content_hash, 16)
            .map_err(|e| Reject::new("bad_hash", format!("content hash is not hex: {e}"), doc.article.id.clone()))?;
        let now = jiff::Timestamp::now().as_second();
        let first = self.index.lock().unwrap_or_else(|e| e.into_inner()).check_and_insert(hash, &doc.article.id, now);
        match (first, self.action) {
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
    fn finds_duplicates_but_not_self() {
        let mut idx = ExactIndex::new(10, 100, vec![], 0);
        assert_eq!(idx.check_and_insert(1, "a", 0), None);
        assert_eq!(idx.check_and_insert(1, "b", 1).as_deref(), Some("a"));
        assert_eq!(idx.check_and_insert(1, "a", 2), None, "re-read of the first document");
        assert_eq!(idx.check_and_insert(2, "c", 3), None);
    }

    #[test]
    fn evicts_by_count_and_age() {
        let mut idx = ExactIndex::new(2, 100, vec![], 0);
        idx.check_and_insert(1, "a", 0);
        idx.check_and_insert(2, "b", 1);
        idx.check_and_insert(3, "c", 2);
        assert_eq!(idx.len(), 2);
        assert_eq!(idx.check_and_insert(1, "a2", 3), None, "oldest was forgotten");
        assert_eq!(idx.check_and_insert(3, "x", 200), None, "too old");
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn actions_tag_drop_and_disabled() {
        use crate::config::DedupConfig;
        use crate::record::{Article, Extracted, Format, SourceInfo};
        let doc = |id: &str| {
            let prov = crate::stages::test_document("x").prov;
            let article = Article {
                id: id.into(),
                source: SourceInfo { path: "/in/x".into(), offset: None, format: Format::Text, charset: None },
                url: None,
                title: None,
                subtitle: None,
                body: vec!["same body".into()],
                byline: None,
                publisher: None,
                published: None,
                updated: None,
                lang: None,
                captions: vec![],
                image: None,
                categories: vec![],
                word_count: 2,
                content_hash: crate::text::content_hash(["same body"]).1,
                duplicate_of: None,
                ingested_at: String::new(),
                ticket: None,
            };
            Extracted { prov, article }
        };
        let stage = |cfg: DedupConfig| Dedup::new(&cfg, Arc::new(Mutex::new(ExactIndex::new(10, 3600, vec![], 0))));
        let tag = stage(DedupConfig::default());
        assert!(matches!(tag.process(doc("a")), Ok(Outcome::Emit(d)) if d.article.duplicate_of.is_none()));
        assert!(
            matches!(tag.process(doc("b")), Ok(Outcome::Emit(d)) if d.article.duplicate_of.as_deref() == Some("a"))
        );
        let drop = stage(DedupConfig { action: DedupAction::Drop, ..DedupConfig::default() });
        assert!(matches!(drop.process(doc("a")), Ok(Outcome::Emit(_))));
        assert!(matches!(drop.process(doc("b")), Ok(Outcome::Drop)));
        let off = stage(DedupConfig { enabled: false, ..DedupConfig::default() });
        assert!(matches!(off.process(doc("a")), Ok(Outcome::Emit(_))));
        assert!(matches!(off.process(doc("b")), Ok(Outcome::Emit(d)) if d.article.duplicate_of.is_none()));
    }

    #[test]
    fn changes_round_trip_through_records() {
        let mut idx = ExactIndex::new(2, 100, vec![], 0);
        idx.check_and_insert(1, "a", 0);
        idx.check_and_insert(2, "b", 1);
        let ch = idx.take_changes();
        assert_eq!(ch.added.len(), 2);
        idx.check_and_insert(3, "c", 2);
        let ch2 = idx.take_changes();
        assert_eq!(ch2.removed, vec![1]);
        let mut records = ch.added;
        records.retain(|r| r.hash != 1);
        records.extend(ch2.added);
        records.sort_by_key(|r| r.seen_at);
        let mut back = ExactIndex::new(2, 100, records, 3);
        assert_eq!(back.check_and_insert(3, "z", 3).as_deref(), Some("c"));
        assert_eq!(back.check_and_insert(2, "z", 3).as_deref(), Some("b"));
    }
}
