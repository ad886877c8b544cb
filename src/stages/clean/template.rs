//! Site templates learned from the stream itself: lines that recur across many documents of the
//! same site (navigation, promotions, footers, disclaimers) are template, whatever they look like.
//! No peer extractor does this; with it, a site's later pages clean better than its first.
//!
//! Bounded everywhere: at most `template_max_sites` sites (least recently seen forgotten first) and
//! `template_max_lines_per_site` lines per site (lines seen once and not again for a while are
//! article text and are forgotten first). Persisted in the state database with the checkpoints.

use std::collections::{HashMap, HashSet};

use crate::config::CleanConfig;

/// How many documents a line seen once may wait for a second sighting before it is forgotten.
const SINGLETON_PATIENCE: u32 = 50;

/// What is known about one line on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    /// Documents of the site that contained the line.
    docs: u32,
    /// The site's document count when the line was last seen.
    last: u32,
}

/// One site's template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteTemplate {
    docs: u32,
    lines: HashMap<u64, Seen>,
    /// Order of last use among sites, for forgetting the least recent.
    touched: u64,
}

impl SiteTemplate {
    /// Documents of the site learned from.
    pub fn docs(&self) -> u32 {
        self.docs
    }

    /// Compact binary form: documents, then (hash, documents, last) per line.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.docs.to_le_bytes());
        for (h, s) in &self.lines {
            out.extend_from_slice(&h.to_le_bytes());
            out.extend_from_slice(&s.docs.to_le_bytes());
            out.extend_from_slice(&s.last.to_le_bytes());
        }
    }

    /// Reverses [`SiteTemplate::encode`]; `None` for bytes it did not write.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (docs, rest) = bytes.split_at_checked(4)?;
        if rest.len() % 16 != 0 {
            return None;
        }
        let u32_at = |b: &[u8], i: usize| b.get(i..i + 4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes);
        let mut lines = HashMap::with_capacity(rest.len() / 16);
        for rec in rest.chunks_exact(16) {
            let h = u64::from_le_bytes(rec.get(..8)?.try_into().ok()?);
            lines.insert(h, Seen { docs: u32_at(rec, 8)?, last: u32_at(rec, 12)? });
        }
        Some(Self { docs: u32_at(docs, 0)?, lines, touched: 0 })
    }
}

/// Thresholds for calling a line template.
#[derive(Debug, Clone, Copy)]
pub struct TemplateRules {
    /// A line must have been in at least this many earlier documents of the site.
    pub min_docs: u32,
    /// ... and in at least this share of them.
    pub min_share: f32,
    /// Most sites remembered.
    pub max_sites: usize,
    /// Most lines remembered per site.
    pub max_lines: usize,
}

impl TemplateRules {
    /// The rules set in `[clean]`.
    pub fn from_config(cfg: &CleanConfig) -> Self {
        Self {
            min_docs: cfg.template_min_docs.get(),
            min_share: cfg.template_min_share,
            max_sites: cfg.template_max_sites.get(),
            max_lines: cfg.template_max_lines_per_site.get(),
        }
    }
}

/// Every site's template.
#[derive(Debug)]
pub struct TemplateStore {
    rules: TemplateRules,
    sites: HashMap<String, SiteTemplate>,
    clock: u64,
    /// Sites changed or forgotten since the last `take_changes`.
    dirty: HashSet<String>,
}

/// Template changes to persist: `Some` to store, `None` to delete.
pub type TemplateChanges = Vec<(String, Option<SiteTemplate>)>;

impl TemplateStore {
    /// A store with the given rules, starting from persisted templates.
    pub fn new(rules: TemplateRules, loaded: Vec<(String, SiteTemplate)>) -> Self {
        let mut sites: HashMap<String, SiteTemplate> = loaded.into_iter().collect();
        let mut clock = 0;
        for t in sites.values_mut() {
            clock += 1;
            t.touched = clock;
        }
        Self { rules, sites, clock, dirty: HashSet::new() }
    }

    /// Which of `lines` (by case-folded hash) are template on `site`, given what earlier documents
    /// showed; `prose[i]` marks running text, which needs far stronger evidence.
    pub fn template_lines(&self, site: &str, hashes: &[u64], prose: &[bool]) -> Vec<bool> {
        let Some(t) = self.sites.get(site) else {
            return vec![false; hashes.len()];
        };
        let docs = t.docs.max(1) as f32;
        hashes
            .iter()
            .zip(prose)
            .map(|(h, &prose)| {
                t.lines.get(h).is_some_and(|s| {
                    let share = s.docs as f32 / docs;
                    let ordinary = s.docs >= self.rules.min_docs && share >= self.rules.min_share;
                    // A paragraph of prose on many pages is a disclaimer; on a few, a story re-sent.
                    ordinary && (!prose || (t.docs >= 10 && share >= 0.8))
                })
            })
            .collect()
    }

    /// Learns one document's distinct lines for `site`.
    pub fn learn(&mut self, site: &str, hashes: &[u64]) {
        self.clock += 1;
        if !self.sites.contains_key(site) && self.sites.len() >= self.rules.max_sites {
            self.forget_least_recent_site();
        }
        let t = self.sites.entry(site.to_string()).or_default();
        t.touched = self.clock;
        t.docs += 1;
        let now = t.docs;
        let mut seen_here = HashSet::with_capacity(hashes.len());
        for h in hashes {
            if seen_here.insert(*h) {
                let s = t.lines.entry(*h).or_insert(Seen { docs: 0, last: now });
                s.docs += 1;
                s.last = now;
            }
        }
        if t.lines.len() > self.rules.max_lines {
            prune(t, self.rules.max_lines);
        }
        self.dirty.insert(site.to_string());
    }

    fn forget_least_recent_site(&mut self) {
        if let Some(site) = self.sites.iter().min_by_key(|(_, t)| t.touched).map(|(s, _)| s.clone()) {
            self.sites.remove(&site);
            self.dirty.insert(site);
        }
    }

    /// Sites changed since the last call, to persist.
    pub fn take_changes(&mut self) -> TemplateChanges {
        std::mem::take(&mut self.dirty).into_iter().map(|s| (s.clone(), self.sites.get(&s).cloned())).collect()
    }

    /// Puts back changes whose commit failed, so the next commit carries them.
    pub fn requeue(&mut self, changes: &TemplateChanges) {
        self.dirty.extend(changes.iter().map(|(s, _)| s.clone()));
    }

    /// Takes new thresholds (a config reload); what was learned is kept.
    pub fn set_rules(&mut self, rules: TemplateRules) {
        self.rules = rules;
    }

    /// Number of sites known.
    pub fn sites(&self) -> usize {
        self.sites.len()
    }
}

/// Keeps a site's line table within `max`: first forgets lines seen once that did not come back,
/// then the least frequent.
fn prune(t: &mut SiteTemplate, max: usize) {
    let now = t.docs;
    t.lines.retain(|_, s| s.docs > 1 || now.saturating_sub(s.last) < SINGLETON_PATIENCE);
    if t.lines.len() > max {
        let mut counts: Vec<(u32, u32)> = t.lines.values().map(|s| (s.docs, s.last)).collect();
        counts.sort_unstable();
        // Keep the `max` most frequent (ties: the most recent).
        let cut = counts[counts.len() - max];
        t.lines.retain(|_, s| (s.docs, s.last) >= cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> TemplateRules {
        TemplateRules { min_docs: 3, min_share: 0.5, max_sites: 2, max_lines: 100 }
    }

    #[test]
    fn recurring_lines_become_template_after_enough_documents() {
        let mut s = TemplateStore::new(rules(), vec![]);
        for doc in 0..3u64 {
            assert_eq!(s.template_lines("a", &[1, 100 + doc], &[false, true]), vec![false, false]);
            s.learn("a", &[1, 100 + doc]);
        }
        assert_eq!(s.template_lines("a", &[1, 200], &[false, true]), vec![true, false]);
        assert_eq!(s.template_lines("b", &[1], &[false]), vec![false], "templates are per site");
        // Prose needs ten documents and a high share.
        assert_eq!(s.template_lines("a", &[1], &[true]), vec![false]);
        for _ in 0..7 {
            s.learn("a", &[1]);
        }
        assert_eq!(s.template_lines("a", &[1], &[true]), vec![true]);
    }

    #[test]
    fn bounded_sites_and_lines_and_persistence() {
        let mut s = TemplateStore::new(rules(), vec![]);
        s.learn("a", &[1]);
        s.learn("b", &[1]);
        s.learn("c", &[1]);
        assert_eq!(s.sites(), 2, "least recent site forgotten");
        let changes = s.take_changes();
        assert!(changes.iter().any(|(site, t)| site == "a" && t.is_none()));
        for doc in 0..300u64 {
            s.learn("c", &[7, 1000 + doc]);
        }
        let t = s.sites.get("c").unwrap();
        assert!(t.lines.len() <= 100 && t.lines.contains_key(&7), "{}", t.lines.len());
        let mut buf = Vec::new();
        t.encode(&mut buf);
        let back = SiteTemplate::decode(&buf).unwrap();
        assert_eq!((back.docs, back.lines.clone()), (t.docs, t.lines.clone()));
        assert!(SiteTemplate::decode(&buf[..buf.len() - 3]).is_none());
    }
}
