//! The story index: a bounded window of the bodies seen, searchable for exact copies (by content
//! hash) and for near copies (MinHash locality-sensitive hashing over [`Sketch`]es), and grouped
//! into stories.
//!
//! Entries live in arrival order in a ring (`VecDeque`), numbered by a sequence that never repeats;
//! the oldest is evicted first, by count or by age. Each LSH band is a table of bucket heads whose
//! chains run through the entries from newest to oldest, so the index needs no per-key allocation
//! and an eviction clears nothing: a chain simply ends where it reaches the evicted part of the
//! ring. The tables grow with the window (doubling, the chains rebuilt from the entries held) up to
//! a bucket per entry `max_entries` allows, so that a young window's memory is its size, not the
//! largest window's. Work per lookup is bounded
//! (`max_candidates`, and a bound on each chain walk), so a story republished a thousand times
//! costs no more than one republished twice.
//!
//! A candidate is a near copy when the estimated containment of the smaller body in the larger
//! reaches `threshold`, and its entity shingles (numbers, names) agree about as well as its text
//! does: a template story with other numbers and names shares its wording but not its entities.

use std::collections::{HashMap, VecDeque};

use super::config::DedupConfig;
use super::sketch::{ENTITY_SLOTS, LEAD_SLOTS, SLOTS, Sketch, Sketched};

/// Most steps taken along one band's chain per lookup.
const MAX_CHAIN_STEPS: usize = 48;
/// Buckets per table of a new index (the tables double as the window fills). At the default 31
/// tables, 4096 buckets are half a megabyte; the full-size tables of a 1,000,000-entry window are
/// 130 MB, which a fresh daemon used to take (and the kernel to zero) at its first documents.
const INITIAL_BUCKETS: usize = 4096;
/// How much a shared lead counts, next to resemblance, when ranking candidates: a copy with
/// another article's paragraphs appended can resemble that article more than its own story, but
/// it begins like its own story.
const LEAD_WEIGHT: f64 = 1.0;
/// Format version of a persisted entry.
pub(crate) const RECORD_VERSION: u8 = 1;

/// How a document relates to what the index held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The first of its story.
    New,
    /// The same normalised body as an earlier document.
    Exact,
    /// A near copy of an earlier document.
    Near,
}

impl MatchKind {
    fn to_byte(self) -> u8 {
        match self {
            Self::New => 0,
            Self::Exact => 1,
            Self::Near => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::New,
            1 => Self::Exact,
            2 => Self::Near,
            _ => return None,
        })
    }
}

/// A document indexed whose output is not known to be durable yet. If the process dies before it
/// is, the document is read again after the restart; it must then get the same answer as the
/// first time rather than be taken for a copy of itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InFlight {
    /// Its entry.
    pub seq: u64,
    /// Where it sits in its input ([`crate::record::Ticket::origin`]).
    pub origin: u64,
    /// The answer it got.
    pub kind: MatchKind,
    /// With this similarity.
    pub similarity: f64,
}

impl InFlight {
    /// Persisted form: origin, kind, similarity (the sequence number is the key).
    pub fn encode(&self) -> [u8; 17] {
        let mut out = [0u8; 17];
        out[..8].copy_from_slice(&self.origin.to_le_bytes());
        out[8] = self.kind.to_byte();
        out[9..].copy_from_slice(&self.similarity.to_le_bytes());
        out
    }

    /// Reverses [`InFlight::encode`].
    pub fn decode(seq: u64, bytes: &[u8]) -> Result<Self, DecodeError> {
        let err = |reason| DecodeError { seq, reason };
        let bytes: &[u8; 17] = bytes.try_into().map_err(|_| err("in-flight entry has the wrong length"))?;
        let (origin, rest) = bytes.split_first_chunk::<8>().ok_or(err("truncated"))?;
        let (&kind, sim) = rest.split_first().ok_or(err("truncated"))?;
        Ok(Self {
            seq,
            origin: u64::from_le_bytes(*origin),
            kind: MatchKind::from_byte(kind).ok_or(err("unknown match kind"))?,
            similarity: f64::from_le_bytes(sim.try_into().map_err(|_| err("truncated"))?),
        })
    }
}

/// The index's answer for one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Exact, near, new or re-read.
    pub kind: MatchKind,
    /// The story's id (stable while any document of the story is held).
    pub story: u64,
    /// The earliest document of the story still held, unless that is this document.
    pub duplicate_of: Option<String>,
    /// Similarity to the matched document (containment estimate; 1 for exact copies).
    pub similarity: f64,
}

/// One document as held (its sequence number is its place in the ring).
#[derive(Debug, Clone, PartialEq)]
pub struct DedupRecord {
    /// Sequence number (the persisted key).
    pub seq: u64,
    /// Arrival time (unix seconds).
    pub seen_at: i64,
    /// The document's id.
    pub id: Box<str>,
    /// Its story.
    pub story: u64,
    /// Low 64 bits of its content hash.
    pub exact: u64,
    /// Its body's sketch (`None`: no words, matched exactly only).
    pub sketch: Option<Sketch>,
    /// Its lead signature's band keys.
    pub lead_keys: Vec<u32>,
}

/// Why a persisted entry could not be read.
#[derive(Debug, thiserror::Error)]
#[error("damaged dedup entry {seq}: {reason}")]
pub struct DecodeError {
    /// The entry's key.
    pub seq: u64,
    /// What is wrong.
    pub reason: &'static str,
}

impl DedupRecord {
    /// Appends the persisted form to `out` (cleared first).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(RECORD_VERSION);
        out.extend_from_slice(&self.seen_at.to_le_bytes());
        out.extend_from_slice(&self.story.to_le_bytes());
        out.extend_from_slice(&self.exact.to_le_bytes());
        match &self.sketch {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.extend_from_slice(&s.shingles.to_le_bytes());
                out.extend_from_slice(&s.number_count.to_le_bytes());
                out.extend_from_slice(&s.name_count.to_le_bytes());
                let slots = s.sig.iter().chain(&s.numbers).chain(&s.names);
                slots.for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
        }
        out.push(u8::try_from(self.lead_keys.len()).unwrap_or(0));
        if self.lead_keys.len() <= usize::from(u8::MAX) {
            self.lead_keys.iter().for_each(|k| out.extend_from_slice(&k.to_le_bytes()));
        }
        out.extend_from_slice(self.id.as_bytes());
    }

    /// Reads an entry written by [`DedupRecord::encode`].
    pub fn decode(seq: u64, bytes: &[u8]) -> Result<Self, DecodeError> {
        let err = |reason| DecodeError { seq, reason };
        let mut r = Reader(bytes);
        if r.take::<1>().ok_or(err("empty"))?[0] != RECORD_VERSION {
            return Err(err("unknown format version"));
        }
        let seen_at = i64::from_le_bytes(r.take().ok_or(err("truncated"))?);
        let story = u64::from_le_bytes(r.take().ok_or(err("truncated"))?);
        let exact = u64::from_le_bytes(r.take().ok_or(err("truncated"))?);
        let sketch = match r.take::<1>().ok_or(err("truncated"))?[0] {
            0 => None,
            1 => {
                let shingles = u32::from_le_bytes(r.take().ok_or(err("truncated"))?);
                let number_count = u32::from_le_bytes(r.take().ok_or(err("truncated"))?);
                let name_count = u32::from_le_bytes(r.take().ok_or(err("truncated"))?);
                let mut sig = [0u16; SLOTS];
                let mut numbers = [0u16; ENTITY_SLOTS];
                let mut names = [0u16; ENTITY_SLOTS];
                for v in sig.iter_mut().chain(numbers.iter_mut()).chain(names.iter_mut()) {
                    *v = u16::from_le_bytes(r.take().ok_or(err("truncated"))?);
                }
                Some(Sketch { sig, numbers, names, shingles, number_count, name_count })
            }
            _ => return Err(err("bad sketch tag")),
        };
        let n = r.take::<1>().ok_or(err("truncated"))?[0];
        let lead_keys =
            (0..n).map(|_| r.take().map(u32::from_le_bytes).ok_or(err("truncated"))).collect::<Result<_, _>>()?;
        let id = std::str::from_utf8(r.0).map_err(|_| err("id is not UTF-8"))?;
        Ok(Self { seq, seen_at, id: id.into(), story, exact, sketch, lead_keys })
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
}

/// Index changes to persist.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DedupChanges {
    /// Entries added since the last commit.
    pub added: Vec<DedupRecord>,
    /// Entries with sequence numbers in this range were evicted.
    pub removed: std::ops::Range<u64>,
    /// Of the entries added, those whose output is not durable yet.
    pub in_flight: Vec<InFlight>,
    /// Entries persisted as in flight whose output is durable now.
    pub landed: Vec<u64>,
}

impl DedupChanges {
    /// Whether there is nothing to persist.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.in_flight.is_empty() && self.landed.is_empty()
    }
}

#[derive(Debug)]
struct Entry {
    seen_at: i64,
    id: Box<str>,
    story: u64,
    exact: u64,
    /// Distance to the next entry of the same story (0: none).
    story_next: u32,
    sketch: Sketch,
}

#[derive(Debug, Clone, Copy)]
struct Story {
    first: u64,
    last: u64,
}

/// The window of documents seen, grouped into stories.
#[derive(Debug)]
pub struct StoryIndex {
    /// `[dedup]`, with the table layout the index was built with.
    cfg: DedupConfig,
    entries: VecDeque<Entry>,
    /// Per entry and table (bands, then lead bands): distance to the next older entry in the same
    /// bucket (0: none).
    links: VecDeque<u32>,
    /// Per entry and lead band: the band's key (the lead signature itself is not kept).
    lead_keys: VecDeque<u32>,
    /// Sequence number of `entries[0]`.
    front: u64,
    /// Per table, `buckets` heads: low 32 bits of the newest entry's sequence number, plus one
    /// (0: empty). Heads are not cleared on eviction: a chain ends where it reaches an evicted entry.
    heads: Vec<u32>,
    bucket_mask: u64,
    exact: HashMap<u64, u64>,
    stories: HashMap<u64, Story>,
    /// First sequence number not yet handed out for persisting.
    persisted_next: u64,
    /// Lowest sequence number that may still be persisted.
    persisted_front: u64,
    /// Entries whose output is not durable yet, by origin.
    in_flight: HashMap<u64, InFlight>,
    /// Sequence numbers of entries persisted as in flight that have landed since the last commit.
    landed: Vec<u64>,
}

impl StoryIndex {
    /// An index of `cfg`'s settings, filled from persisted records (any order).
    pub fn new(cfg: DedupConfig, mut loaded: Vec<DedupRecord>, now: i64) -> Self {
        let mut idx = Self::with_buckets(cfg, loaded.len());
        loaded.sort_by_key(|r| r.seq);
        for r in loaded {
            idx.restore(r, now);
        }
        idx
    }

    /// An empty index.
    pub fn empty(cfg: DedupConfig) -> Self {
        Self::with_buckets(cfg, 0)
    }

    /// An empty index whose tables have room for `entries` without growing.
    fn with_buckets(cfg: DedupConfig, entries: usize) -> Self {
        let buckets = buckets_for(entries, &cfg);
        let heads = bucket_heads(tables(&cfg), buckets);
        Self {
            cfg,
            entries: VecDeque::new(),
            links: VecDeque::new(),
            lead_keys: VecDeque::new(),
            front: 0,
            heads,
            bucket_mask: buckets as u64 - 1,
            exact: HashMap::new(),
            stories: HashMap::new(),
            persisted_next: 0,
            persisted_front: 0,
            in_flight: HashMap::new(),
            landed: Vec::new(),
        }
    }

    /// After [`StoryIndex::restore`]: the entries that were in flight when the last run stopped.
    /// One whose entry is gone is forgotten (and deleted at the next commit).
    pub(crate) fn restore_in_flight(&mut self, records: Vec<InFlight>) {
        for r in records {
            if self.entry(r.seq).is_some_and(|e| !e.id.is_empty()) {
                self.in_flight.insert(r.origin, r);
            } else {
                self.landed.push(r.seq);
            }
        }
    }

    /// The document from `origin` is durably handled: its entry is final.
    pub(crate) fn land(&mut self, origin: u64) {
        if let Some(f) = self.in_flight.remove(&origin)
            && f.seq < self.persisted_next
        {
            self.landed.push(f.seq);
        }
    }

    /// Takes new thresholds and window bounds (a config reload). The table layout (`bands`,
    /// `rows`, `lead_bands`, `lead_rows`) stays: held entries are indexed by it. A smaller window
    /// evicts at once.
    pub(crate) fn reconfigure(&mut self, cfg: &DedupConfig, now: i64) {
        self.cfg = cfg.with_layout_of(&self.cfg);
        self.evict(now);
    }

    /// Adds a persisted record, in ascending order of sequence numbers (as the state database
    /// yields them), so that a restart streams the window back without holding it twice.
    pub(crate) fn restore(&mut self, mut r: DedupRecord, now: i64) {
        if self.entries.is_empty() && self.front == 0 {
            (self.front, self.persisted_front) = (r.seq, r.seq);
        }
        if r.seq < self.next_seq() {
            return;
        }
        if r.seq - self.next_seq() > self.cfg.max_entries.get() as u64 {
            // A gap wider than the window: everything before it would be evicted anyway.
            self.evict_while(|_| true);
            self.front = r.seq;
        }
        // A gap (entries never persisted) is filled with placeholders that match nothing.
        while self.next_seq() < r.seq {
            self.push(Entry::placeholder(r.seen_at), &[]);
        }
        let lead = std::mem::take(&mut r.lead_keys);
        self.push(Entry::from_record(r), &lead);
        self.persisted_next = self.next_seq();
        self.evict(now);
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Stories with at least one document held.
    pub fn stories(&self) -> usize {
        self.stories.len()
    }

    fn next_seq(&self) -> u64 {
        self.front + self.entries.len() as u64
    }

    fn entry(&self, seq: u64) -> Option<&Entry> {
        self.entries.get(usize::try_from(seq.checked_sub(self.front)?).ok()?)
    }

    /// Looks the document up and adds it to the window. `origin` is where it sits in its input
    /// (0: unknown): a document indexed from the same place whose output never became durable (a
    /// crash) gets the answer it got then. It stays in flight until
    /// [`StoryIndex::land`].
    pub fn check_and_insert(
        &mut self,
        id: &str,
        origin: u64,
        exact: u64,
        sketch: Option<&Sketched>,
        now: i64,
    ) -> Verdict {
        self.evict(now);
        // The body need not be the same: what the cleaner learned since (site templates) may have
        // changed it a little, and it is still the same input.
        if let Some(f) = self.in_flight.get(&origin).copied()
            && let Some(e) = self.entry(f.seq).filter(|e| !e.id.is_empty())
        {
            let story = e.story;
            return self.verdict(story, f.kind, f.similarity);
        }
        let lead = sketch.map(|s| self.lead_keys_of(&s.lead)).unwrap_or_default();
        let mut best: Option<(u64, MatchKind, f64)> = None;
        if let Some(&seq) = self.exact.get(&exact)
            && let Some(e) = self.entry(seq)
        {
            best = Some((e.story, MatchKind::Exact, 1.0));
        }
        if best.is_none()
            && let Some(s) = sketch
        {
            best = self.near(s, &lead).map(|(story, sim)| (story, MatchKind::Near, sim));
        }
        let seq = self.next_seq();
        let story = match best {
            Some((story, ..)) => story,
            None => new_story_id(id, seq, now),
        };
        let verdict = match best {
            Some((story, kind, sim)) => self.verdict(story, kind, sim),
            None => Verdict { kind: MatchKind::New, story, duplicate_of: None, similarity: 0.0 },
        };
        self.push(
            Entry {
                seen_at: now,
                id: id.into(),
                story,
                exact,
                story_next: 0,
                sketch: sketch.map(|s| s.sketch.clone()).unwrap_or_else(Entry::no_sketch),
            },
            &lead,
        );
        if origin != 0 {
            let f = InFlight { seq, origin, kind: verdict.kind, similarity: verdict.similarity };
            if let Some(old) = self.in_flight.insert(origin, f)
                && old.seq < self.persisted_next
            {
                self.landed.push(old.seq);
            }
        }
        self.evict(now);
        verdict
    }

    /// A copy names the story's first document held (even when an input reused its id).
    fn verdict(&self, story: u64, kind: MatchKind, similarity: f64) -> Verdict {
        let first = self.stories.get(&story).and_then(|s| self.entry(s.first)).map(|e| &*e.id);
        let duplicate_of = first.filter(|_| kind != MatchKind::New).map(str::to_string);
        Verdict { kind, story, duplicate_of, similarity }
    }

    /// The best near copy held: its story and similarity.
    fn near(&self, q: &Sketched, lead: &[u32]) -> Option<(u64, f64)> {
        let p = &self.cfg;
        let s = &q.sketch;
        if !p.near || s.shingles < p.min_shingles {
            return None;
        }
        let mut seen: Vec<u64> = Vec::with_capacity(p.max_candidates.get());
        let mut best: Option<(u64, f64, f64)> = None;
        let newest = self.next_seq().checked_sub(1)?;
        let tables = tables(p);
        'tables: for table in 0..tables {
            let key = match table.checked_sub(p.bands.get()) {
                None => self.band_key(&s.sig, table),
                Some(lb) => lead[lb],
            };
            let head = self.heads[table * self.buckets() + self.bucket(key)];
            if head == 0 {
                continue;
            }
            let mut seq = newest - u64::from((newest as u32).wrapping_sub(head - 1));
            for _ in 0..MAX_CHAIN_STEPS {
                let Some(e) = self.entry(seq) else { break };
                let at = (seq - self.front) as usize;
                let same = match table.checked_sub(p.bands.get()) {
                    None => self.band_key(&e.sketch.sig, table) == key,
                    Some(lb) => self.lead_keys[at * p.lead_bands + lb] == key,
                };
                if same && !seen.contains(&seq) {
                    seen.push(seq);
                    // Ranked by resemblance, not by containment: a copy that had a short
                    // article's paragraphs appended contains all of that article, but resembles
                    // its own story's documents far more.
                    if let Some((resemblance, sim)) = self.verify(s, &e.sketch) {
                        let same_lead =
                            (0..p.lead_bands).filter(|&lb| self.lead_keys[at * p.lead_bands + lb] == lead[lb]).count();
                        let resemblance = resemblance + LEAD_WEIGHT * same_lead as f64 / p.lead_bands.max(1) as f64;
                        if best.is_none_or(|(_, _, r)| resemblance > r) {
                            best = Some((e.story, sim, resemblance));
                        }
                    }
                    if seen.len() >= p.max_candidates.get() {
                        break 'tables;
                    }
                }
                let link = self.links[at * tables + table];
                if link == 0 {
                    break;
                }
                seq -= u64::from(link);
            }
        }
        best.map(|(story, sim, _)| (story, sim))
    }

    /// Resemblance and similarity (containment) of a candidate, if it is a near copy.
    fn verify(&self, s: &Sketch, c: &Sketch) -> Option<(f64, f64)> {
        let p = &self.cfg;
        if c.shingles < p.min_shingles {
            return None;
        }
        let (resemblance, sim) = s.compare(c);
        if sim < p.threshold {
            return None;
        }
        let enough = |a: u32, b: u32| a >= p.min_entities && b >= p.min_entities;
        if enough(s.number_count, c.number_count) {
            if s.number_containment(c) < p.number_agreement * sim {
                return None;
            }
        } else if enough(s.name_count, c.name_count) && s.name_containment(c) < p.name_agreement * sim {
            return None;
        }
        Some((resemblance, sim))
    }

    fn buckets(&self) -> usize {
        self.bucket_mask as usize + 1
    }

    /// The key of one band of the body signature.
    fn band_key(&self, sig: &[u16; SLOTS], band: usize) -> u32 {
        let r = self.cfg.rows.get();
        let at = (band * r).min(SLOTS);
        let mut h = band as u64;
        for &v in &sig[at..(at + r).min(SLOTS)] {
            h = (h.rotate_left(16) ^ u64::from(v)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        (h >> 32) as u32
    }

    /// The keys of the lead signature's bands.
    fn lead_keys_of(&self, lead: &[u32; LEAD_SLOTS]) -> Vec<u32> {
        let r = self.cfg.lead_rows.get();
        (0..self.cfg.lead_bands)
            .map(|band| {
                let at = (band * r).min(LEAD_SLOTS);
                let mut h = !(band as u64);
                for &v in &lead[at..(at + r).min(LEAD_SLOTS)] {
                    h = (h.rotate_left(32) ^ u64::from(v)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                }
                (h >> 32) as u32
            })
            .collect()
    }

    fn bucket(&self, key: u32) -> usize {
        let h = u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((h >> 32) & self.bucket_mask) as usize
    }

    fn push(&mut self, e: Entry, lead: &[u32]) {
        let buckets = buckets_for(self.entries.len() + 1, &self.cfg);
        if buckets > self.buckets() {
            self.grow(buckets);
        }
        let seq = self.next_seq();
        for lb in 0..self.cfg.lead_bands {
            self.lead_keys.push_back(lead.get(lb).copied().unwrap_or(0));
        }
        if !e.id.is_empty() {
            self.exact.insert(e.exact, seq);
            match self.stories.get_mut(&e.story) {
                Some(st) => {
                    let last = st.last;
                    st.last = seq;
                    if let Some(prev) = last.checked_sub(self.front).and_then(|i| self.entries.get_mut(i as usize)) {
                        prev.story_next = u32::try_from(seq - last).unwrap_or(0);
                    }
                }
                None => {
                    self.stories.insert(e.story, Story { first: seq, last: seq });
                }
            }
        }
        self.entries.push_back(e);
        let at = self.entries.len() - 1;
        for table in 0..tables(&self.cfg) {
            let link = self.key_of(at, table).map_or(0, |key| self.link(table, key, seq));
            self.links.push_back(link);
        }
    }

    /// The key under which the entry held at `at` stands in `table`: none for an entry without
    /// enough shingles (matched exactly only), and in a lead table none for a key of 0 (an entry
    /// without a lead keeps 0s).
    fn key_of(&self, at: usize, table: usize) -> Option<u32> {
        let e = &self.entries[at];
        if !(self.cfg.near && e.sketch.shingles >= self.cfg.min_shingles) {
            return None;
        }
        match table.checked_sub(self.cfg.bands.get()) {
            None => Some(self.band_key(&e.sketch.sig, table)),
            Some(lb) => Some(self.lead_keys[at * self.cfg.lead_bands + lb]).filter(|&k| k != 0),
        }
    }

    /// Makes entry `seq` the head of `key`'s bucket in `table`, and returns its link to the entry
    /// that was the head (0: none held).
    fn link(&mut self, table: usize, key: u32, seq: u64) -> u32 {
        let slot = table * self.buckets() + self.bucket(key);
        let head = self.heads[slot];
        let mut link = 0;
        if head != 0 && seq > 0 {
            let older = (seq - 1).saturating_sub(u64::from(((seq - 1) as u32).wrapping_sub(head - 1)));
            if older >= self.front {
                link = u32::try_from(seq - older).unwrap_or(0);
            }
        }
        self.heads[slot] = (seq as u32).wrapping_add(1);
        link
    }

    /// Tables of `buckets` buckets each, with every held entry's chains rebuilt in arrival order
    /// (as they were built, a bucket being a coarser or finer slice of the same keys).
    fn grow(&mut self, buckets: usize) {
        let tables = tables(&self.cfg);
        self.heads = bucket_heads(tables, buckets);
        self.bucket_mask = buckets as u64 - 1;
        for at in 0..self.entries.len() {
            let seq = self.front + at as u64;
            for table in 0..tables {
                self.links[at * tables + table] = self.key_of(at, table).map_or(0, |key| self.link(table, key, seq));
            }
        }
    }

    fn evict(&mut self, now: i64) {
        let oldest_allowed = now.saturating_sub(self.cfg.max_age_secs());
        let max_entries = self.cfg.max_entries.get();
        self.evict_while(|idx| idx.entries.len() > max_entries || idx.entries[0].seen_at < oldest_allowed);
    }

    /// Evicts the oldest entry while `cond` holds (it is asked only when there is one).
    fn evict_while(&mut self, cond: impl Fn(&Self) -> bool) {
        while !self.entries.is_empty() && cond(self) {
            let seq = self.front;
            let Some(e) = self.entries.pop_front() else { break };
            self.links.drain(..tables(&self.cfg).min(self.links.len()));
            self.lead_keys.drain(..self.cfg.lead_bands.min(self.lead_keys.len()));
            self.front += 1;
            if e.id.is_empty() {
                continue;
            }
            if self.exact.get(&e.exact) == Some(&seq) {
                self.exact.remove(&e.exact);
            }
            if let Some(st) = self.stories.get_mut(&e.story)
                && st.first == seq
            {
                if e.story_next == 0 || st.last == seq {
                    self.stories.remove(&e.story);
                } else {
                    st.first = seq + u64::from(e.story_next);
                }
            }
        }
    }

    /// Changes since the last call, to persist.
    pub(crate) fn take_changes(&mut self) -> DedupChanges {
        let from = self.persisted_next.max(self.front);
        let added = (from..self.next_seq())
            .filter_map(|seq| {
                let e = self.entry(seq)?;
                (!e.id.is_empty()).then(|| DedupRecord {
                    seq,
                    seen_at: e.seen_at,
                    id: e.id.clone(),
                    story: e.story,
                    exact: e.exact,
                    sketch: (e.sketch.shingles > 0).then(|| e.sketch.clone()),
                    lead_keys: {
                        let at = (seq - self.front) as usize * self.cfg.lead_bands;
                        self.lead_keys.range(at..at + self.cfg.lead_bands).copied().collect()
                    },
                })
            })
            .collect();
        let removed = self.persisted_front..self.persisted_front.max(self.front);
        let front = self.front;
        // An evicted entry is final whatever became of its document.
        self.in_flight.retain(|_, f| f.seq >= front);
        let in_flight = self.in_flight.values().filter(|f| f.seq >= from).copied().collect();
        let landed = std::mem::take(&mut self.landed).into_iter().filter(|s| *s >= front).collect();
        self.persisted_next = self.next_seq();
        self.persisted_front = self.front;
        DedupChanges { added, removed, in_flight, landed }
    }

    /// Puts back changes whose commit failed, so the next commit carries them.
    pub(crate) fn requeue(&mut self, changes: &DedupChanges) {
        if let Some(first) = changes.added.first() {
            self.persisted_next = self.persisted_next.min(first.seq);
        }
        if !changes.removed.is_empty() {
            self.persisted_front = self.persisted_front.min(changes.removed.start);
        }
        self.landed.extend_from_slice(&changes.landed);
    }
}

impl Entry {
    fn no_sketch() -> Sketch {
        Sketch {
            sig: [0; SLOTS],
            numbers: [super::sketch::NONE; ENTITY_SLOTS],
            names: [super::sketch::NONE; ENTITY_SLOTS],
            shingles: 0,
            number_count: 0,
            name_count: 0,
        }
    }

    fn placeholder(seen_at: i64) -> Self {
        Self { seen_at, id: "".into(), story: 0, exact: 0, story_next: 0, sketch: Self::no_sketch() }
    }

    fn from_record(r: DedupRecord) -> Self {
        Self {
            seen_at: r.seen_at,
            id: r.id,
            story: r.story,
            exact: r.exact,
            story_next: 0,
            sketch: r.sketch.unwrap_or_else(Self::no_sketch),
        }
    }
}

/// A story id no other story gets: from the first document's id, place and time.
fn new_story_id(id: &str, seq: u64, now: i64) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(id.as_bytes());
    h.update(&seq.to_le_bytes());
    h.update(&now.to_le_bytes());
    h.digest()
}

/// Tables of bucket heads: one per LSH band and one per lead band.
fn tables(cfg: &DedupConfig) -> usize {
    cfg.bands.get() + cfg.lead_bands
}

/// `tables` tables of `buckets` empty heads each, in huge pages where the kernel gives them.
fn bucket_heads(tables: usize, buckets: usize) -> Vec<u32> {
    let mut heads = vec![0; tables * buckets];
    prefer_huge_pages(&mut heads);
    heads
}

/// Buckets per table for a window of `entries`: a power of two at least `entries` (a chain holds
/// about one entry besides its own key's), from [`INITIAL_BUCKETS`] up to what `max_entries`
/// needs (at most 4,194,304).
fn buckets_for(entries: usize, cfg: &DedupConfig) -> usize {
    let most = cfg.max_entries.get().clamp(1024, 1 << 22).next_power_of_two();
    entries.max(INITIAL_BUCKETS).next_power_of_two().min(most)
}

/// Asks the kernel to back the bucket heads with huge pages where it can (Linux, transparent huge
/// pages in `madvise` mode). The tables of a full window are large (31 tables of 2^20 heads, 130
/// MB, at the defaults) and every entry touches one random head in each table: in 4 KB pages an
/// index takes a page fault for nearly every head it touches until the whole table has been touched
/// (`run --once` over 1,870 page dumps: 58,000 page faults against 20,000, and a fifth more CPU;
/// docs/dedup.md). Only advice: the table's contents and size are the same either way.
#[cfg(target_os = "linux")]
fn prefer_huge_pages(table: &mut [u32]) {
    const PAGE: usize = 4096;
    let start = table.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(table);
    let aligned = start.next_multiple_of(PAGE);
    let len = end.saturating_sub(aligned) / PAGE * PAGE;
    if len == 0 {
        return;
    }
    // SAFETY: `aligned..aligned + len` is page-aligned and lies within `table`'s allocation, which
    // outlives the call; MADV_HUGEPAGE changes how the kernel backs the range, not its contents.
    let rc = unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    if rc != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "Huge pages not available for the dedup index.");
    }
}

#[cfg(not(target_os = "linux"))]
fn prefer_huge_pages(_: &mut [u32]) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::{nz, nz64};
    use crate::stages::dedup::Sketcher;
    use proptest::prelude::*;

    const STORY: &[&str] = &[
        "The Karachi Stock Exchange recorded its largest single day gain on Tuesday, surging 3.5% to a new high \
         after four hours of furious trading in the city.",
        "The index rose 225 points as investors bet that political stability would bring an economic boom, \
         and energy and telecommunication stocks performed particularly well.",
        "In 2002 the exchange was the best performing stock market in the world, with the index rising 112% over \
         the year, and analysts expect a repeat.",
        "Jubilant investors danced on the streets as the market closed, confident that the boom would continue \
         until the public holiday on 22 January.",
    ];

    fn params() -> DedupConfig {
        DedupConfig::default()
    }

    fn sk(paragraphs: &[&str]) -> Sketched {
        Sketcher::new(5).sketch(paragraphs.iter().copied()).unwrap()
    }

    fn check(idx: &mut StoryIndex, id: &str, paragraphs: &[&str], now: i64) -> Verdict {
        let exact = crate::text::content_hash(paragraphs.iter().copied()).0 as u64;
        idx.check_and_insert(id, 0, exact, Some(&sk(paragraphs)), now)
    }

    #[test]
    fn a_window_that_outgrows_its_tables_finds_what_full_size_tables_find() {
        // Distinct 40-word texts from a 3,000-word vocabulary, then edited copies of the first
        // thousand after the tables have doubled (at 4,096 entries).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut word = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            format!("w{}", state % 3000)
        };
        let texts: Vec<String> = (0..5000).map(|_| (0..40).map(|_| word()).collect::<Vec<_>>().join(" ")).collect();
        let edited = texts[..1000].iter().map(|t| t.replacen(' ', " changed ", 1));
        let stream: Vec<String> = texts.iter().cloned().chain(edited).collect();
        let mut growing = StoryIndex::new(params(), vec![], 0);
        let mut full = StoryIndex::with_buckets(params(), params().max_entries.get());
        assert_eq!(growing.buckets(), INITIAL_BUCKETS);
        for (k, text) in stream.iter().enumerate() {
            let id = k.to_string();
            let verdict = check(&mut growing, &id, &[text], 1);
            assert_eq!(verdict, check(&mut full, &id, &[text], 1), "document {k}");
            if k >= 5000 {
                assert_eq!(verdict.kind, MatchKind::Near, "document {k}");
                assert_eq!(verdict.duplicate_of.as_deref(), Some((k - 5000).to_string().as_str()));
            }
        }
        assert_eq!(growing.buckets(), 8192);
        assert_eq!(full.buckets(), 1 << 20);
    }

    #[test]
    fn exact_and_edited_copies_join_the_story_and_unrelated_text_does_not() {
        let mut idx = StoryIndex::new(params(), vec![], 0);
        let first = check(&mut idx, "a", STORY, 0);
        assert_eq!((first.kind, first.duplicate_of.as_deref()), (MatchKind::New, None));
        let exact = check(&mut idx, "b", STORY, 1);
        assert_eq!(
            (exact.kind, exact.story, exact.duplicate_of.as_deref()),
            (MatchKind::Exact, first.story, Some("a"))
        );
        // Another outlet: truncated, a word changed, a line of its own added.
        let edited = [
            "LONDON (Reuters) - The Karachi Stock Exchange recorded its largest single day gain on Tuesday, surging \
             3.5% to a new high after four hours of frantic trading in the city.",
            STORY[1],
            STORY[2],
            "Sign up for our markets newsletter.",
        ];
        let near = check(&mut idx, "c", &edited, 2);
        assert_eq!((near.kind, near.story, near.duplicate_of.as_deref()), (MatchKind::Near, first.story, Some("a")));
        assert!(near.similarity > 0.6, "{}", near.similarity);
        let other = check(
            &mut idx,
            "d",
            &["Heavy rain flooded the valley overnight and the river burst its banks in three places, forcing \
               hundreds of families from their homes while rescue teams worked through the night."],
            3,
        );
        assert_eq!(other.kind, MatchKind::New);
        assert_ne!(other.story, first.story);
        assert_eq!(idx.stories(), 2);
    }

    #[test]
    fn a_template_story_with_other_figures_is_not_merged() {
        let mut idx = StoryIndex::new(params(), vec![], 0);
        let first = check(&mut idx, "a", STORY, 0);
        let figures: Vec<String> = STORY
            .iter()
            .map(|p| {
                p.replace("3.5", "1.2")
                    .replace("225", "87")
                    .replace("2002", "1998")
                    .replace("112", "64")
                    .replace("22", "9")
            })
            .collect();
        let template = check(&mut idx, "b", &figures.iter().map(String::as_str).collect::<Vec<_>>(), 1);
        assert_eq!(template.kind, MatchKind::New);
        assert_ne!(template.story, first.story);
    }

    #[test]
    fn a_document_read_again_before_its_output_landed_gets_its_first_answer() {
        let mut idx = StoryIndex::new(params(), vec![], 0);
        let exact = |p: &[&str]| crate::text::content_hash(p.iter().copied()).0 as u64;
        let first = idx.check_and_insert("a", 7, exact(STORY), Some(&sk(STORY)), 0);
        let edited: Vec<String> = STORY.iter().map(|p| p.replace("furious", "frantic")).collect();
        let edited: Vec<&str> = edited.iter().map(String::as_str).collect();
        let near = idx.check_and_insert("b", 8, exact(&edited), Some(&sk(&edited)), 0);
        assert_eq!((first.kind, near.kind), (MatchKind::New, MatchKind::Near));
        // Both were indexed and persisted, then the process died before their output was durable.
        let changes = idx.take_changes();
        assert_eq!(changes.in_flight.len(), 2);
        let mut again = StoryIndex::new(params(), changes.added.clone(), 0);
        again.restore_in_flight(changes.in_flight.clone());
        assert_eq!(again.check_and_insert("a", 7, exact(STORY), Some(&sk(STORY)), 1), first);
        assert_eq!(again.check_and_insert("b", 8, exact(&edited), Some(&sk(&edited)), 1), near);
        assert_eq!(again.len(), 2, "not indexed twice");
        // Once landed, the same body from the same place is a copy (the file was written again).
        again.land(7);
        let copy = again.check_and_insert("a", 7, exact(STORY), Some(&sk(STORY)), 2);
        assert_eq!((copy.kind, copy.duplicate_of.as_deref()), (MatchKind::Exact, Some("a")));
        let changes = again.take_changes();
        assert_eq!(changes.landed, vec![0]);
        assert_eq!(changes.in_flight.iter().map(|f| f.seq).collect::<Vec<_>>(), vec![2]);
        // Still in flight, the same place gets the same answer even if its body came out a little
        // different this time.
        let other = ["A completely different text about the weather in the mountains this weekend and more."];
        assert_eq!(again.check_and_insert("b", 8, exact(&other), None, 3), near);
    }

    #[test]
    fn in_flight_encoding_round_trips() {
        let f = InFlight { seq: 9, origin: u64::MAX - 3, kind: MatchKind::Near, similarity: 0.75 };
        assert_eq!(InFlight::decode(9, &f.encode()).unwrap(), f);
        assert!(InFlight::decode(9, &f.encode()[..16]).is_err());
        let mut bad = f.encode();
        bad[8] = 9;
        assert!(InFlight::decode(9, &bad).is_err());
    }

    #[test]
    fn evicts_by_count_and_by_age_and_the_story_moves_on() {
        let mut idx =
            StoryIndex::new(DedupConfig { max_entries: nz(2), max_age_hours: nz64(1), ..params() }, vec![], 0);
        let a = check(&mut idx, "a", STORY, 0);
        check(&mut idx, "b", &STORY[..3], 1);
        check(&mut idx, "c", &STORY[1..], 2);
        assert_eq!(idx.len(), 2);
        // "a" is gone; the story lives on in "b" and "c", and its id with it.
        let d = check(&mut idx, "d", STORY, 3);
        assert_eq!((d.story, d.duplicate_of.as_deref()), (a.story, Some("b")));
        let late = check(&mut idx, "e", STORY, 3_700);
        assert_eq!(late.kind, MatchKind::New, "everything was older than max_age");
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn persisted_changes_rebuild_the_same_index() {
        let mut idx = StoryIndex::new(DedupConfig { max_entries: nz(3), ..params() }, vec![], 0);
        let a = check(&mut idx, "a", STORY, 0);
        let mut stored: std::collections::BTreeMap<u64, Vec<u8>> = Default::default();
        let mut apply = |ch: &DedupChanges| {
            stored.retain(|k, _| !ch.removed.contains(k));
            for r in &ch.added {
                let mut buf = Vec::new();
                r.encode(&mut buf);
                stored.insert(r.seq, buf);
            }
        };
        apply(&idx.take_changes());
        check(&mut idx, "b", &STORY[..2], 1);
        let failed = idx.take_changes();
        idx.requeue(&failed);
        for (i, id) in ["c", "d"].iter().enumerate() {
            check(
                &mut idx,
                id,
                &[&format!("Unrelated story number {i} about a new bridge over the river opening soon.")],
                2,
            );
        }
        let ch = idx.take_changes();
        assert_eq!(ch.removed, 0..1, "the first entry was evicted");
        assert_eq!(ch.added.iter().map(|r| &*r.id).collect::<Vec<_>>(), ["b", "c", "d"]);
        apply(&ch);
        let records: Vec<DedupRecord> =
            stored.iter().map(|(seq, bytes)| DedupRecord::decode(*seq, bytes).unwrap()).collect();
        let mut back = StoryIndex::new(DedupConfig { max_entries: nz(3), ..params() }, records, 3);
        assert_eq!(back.len(), 3);
        let copy = check(&mut back, "e", &STORY[..2], 4);
        assert_eq!((copy.kind, copy.story, copy.duplicate_of.as_deref()), (MatchKind::Exact, a.story, Some("b")));
        let near = check(&mut back, "f", &STORY[..3], 5);
        assert_eq!((near.kind, near.story), (MatchKind::Near, a.story), "the LSH tables were rebuilt");
    }

    #[test]
    fn damaged_records_are_errors() {
        let r = DedupRecord {
            seq: 7,
            seen_at: 1,
            id: "x".into(),
            story: 2,
            exact: 3,
            sketch: Some(sk(STORY).sketch),
            lead_keys: vec![1, 2],
        };
        let mut buf = Vec::new();
        r.encode(&mut buf);
        assert_eq!(DedupRecord::decode(7, &buf).unwrap(), r);
        for cut in [0, 1, 10, 30, 60] {
            assert!(DedupRecord::decode(7, &buf[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = buf.clone();
        bad[0] = 99;
        assert!(DedupRecord::decode(7, &bad).unwrap_err().to_string().contains("version"));
    }

    proptest! {
        #[test]
        fn any_sequence_of_documents_keeps_the_bounds(
            docs in proptest::collection::vec((0usize..6, 0usize..4, 0i64..6_000), 1..80),
            max_entries in 1usize..8,
        ) {
            let mut idx = StoryIndex::new(DedupConfig { max_entries: nz(max_entries), max_age_hours: nz64(1), ..params() }, vec![], 0);
            let mut now = 0;
            for (n, (id, len, dt)) in docs.into_iter().enumerate() {
                now += dt;
                let v = check(&mut idx, &format!("d{id}"), &STORY[..=len], now);
                prop_assert!(idx.len() <= max_entries);
                if v.kind == MatchKind::New {
                    prop_assert!(v.duplicate_of.is_none());
                }
                if n % 7 == 0 {
                    let ch = idx.take_changes();
                    prop_assert!(ch.added.iter().all(|r| r.seq >= ch.removed.end));
                }
            }
            prop_assert!(idx.stories() <= idx.len());
        }
    }
}
