//! RSS 2.0, RSS 1.0 (RDF) and Atom feed files (parsed by `feed-rs`): every item becomes a document
//! with its guid, link, title, dates, authors and categories as stated metadata, and its
//! `content:encoded`/`content`/`description` as the article's HTML.
//!
//! Feed files are rewritten in place as items come and go, so the source remembers which items it
//! has handled, by guid (else link), in the state database ([`FeedMemory`]): a rewritten feed
//! yields only its new items. An item counts as handled once its record (or its dead-letter entry)
//! is durable, in the same commit that moves the file's checkpoint.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::record::{InputMeta, Markup};

/// One feed item, ready to become a document.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// Its key in the feed memory: a hash of its guid (else link); never 0.
    pub key: u64,
    /// The guid (or link) itself: the document id.
    pub id: String,
    /// The item's content.
    pub text: String,
    /// HTML or plain text.
    pub markup: Markup,
    /// What the feed states about it.
    pub meta: InputMeta,
}

/// The key of an item with this guid or link.
pub fn item_key(guid: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(guid.trim().as_bytes()).max(1)
}

/// Parses a feed; every item, in feed order. Items without any text are returned with empty
/// `text` (the caller rejects them with a reason).
pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedItem>, String> {
    let feed = feed_rs::parser::parse(bytes).map_err(|e| e.to_string())?;
    let outlet = feed.title.as_ref().map(|t| t.content.trim().to_string()).filter(|t| !t.is_empty());
    let feed_lang = feed.language.clone();
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let link =
            entry.links.iter().find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate")).map(|l| l.href.clone());
        // feed-rs makes up an id from link and title when the feed states none.
        let id =
            if entry.id.trim().is_empty() { link.clone().unwrap_or_default() } else { entry.id.trim().to_string() };
        let (text, kind) = match (&entry.content, &entry.summary) {
            (Some(c), _) if c.body.as_deref().is_some_and(|b| !b.trim().is_empty()) => {
                (c.body.clone().unwrap_or_default(), c.content_type.to_string())
            }
            (_, Some(s)) => (s.content.clone(), s.content_type.to_string()),
            _ => (String::new(), String::new()),
        };
        let markup = if kind.starts_with("text/plain") { Markup::Text } else { Markup::HtmlFragment };
        let authors: Vec<String> = entry
            .authors
            .iter()
            .filter_map(|a| a.name.as_deref())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        let categories: Vec<String> = entry
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()).trim().to_string())
            .filter(|c| !c.is_empty())
            .take(64)
            .collect();
        let title = entry.title.map(|t| crate::text::normalize_line(&t.content)).filter(|t| !t.is_empty());
        let meta = InputMeta {
            url: link,
            title,
            published: entry.published.or(entry.updated).map(|d| d.to_rfc3339()),
            outlet: outlet.clone(),
            author: (!authors.is_empty()).then(|| authors.join(", ")),
            updated: entry.updated.filter(|u| Some(*u) != entry.published).map(|d| d.to_rfc3339()),
            lang: entry.language.or_else(|| feed_lang.clone()).and_then(|l| {
                let l = l.split(['-', '_']).next()?.trim().to_ascii_lowercase();
                (!l.is_empty()).then_some(l)
            }),
            image: entry.media.iter().flat_map(|m| &m.content).find_map(|c| c.url.as_ref().map(|u| u.to_string())),
            categories,
            description: entry
                .summary
                .as_ref()
                .map(|s| crate::text::normalize_line(&s.content))
                .filter(|s| !s.is_empty()),
        };
        items.push(FeedItem { key: item_key(&id), id, text, markup, meta });
    }
    Ok(items)
}

/// The feed items already handled, bounded: past `max_items`, the longest-remembered are forgotten.
#[derive(Debug)]
pub struct FeedMemory {
    inner: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    seen: HashMap<u64, i64>,
    order: VecDeque<u64>,
    max_items: usize,
    added: Vec<(u64, i64)>,
    removed: Vec<u64>,
}

/// Feed memory changes to persist: items remembered (key, unix seconds) and forgotten.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedChanges {
    /// Newly remembered items.
    pub added: Vec<(u64, i64)>,
    /// Forgotten items.
    pub removed: Vec<u64>,
}

impl FeedChanges {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

impl FeedMemory {
    /// A memory of at most `max_items`, starting from what was persisted.
    pub fn new(max_items: usize, mut loaded: Vec<(u64, i64)>) -> Self {
        loaded.sort_by_key(|&(k, t)| (t, k));
        let mut m = Memory { max_items: max_items.max(1), ..Memory::default() };
        for (key, at) in loaded {
            m.insert(key, at);
        }
        // Loading is not a change; what loading had to forget is.
        m.added.clear();
        Self { inner: Mutex::new(m) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the item was handled before.
    pub fn contains(&self, key: u64) -> bool {
        self.lock().seen.contains_key(&key)
    }

    /// Remembers items as handled at `now` (unix seconds).
    pub fn remember(&self, keys: impl IntoIterator<Item = u64>, now: i64) {
        let mut m = self.lock();
        for key in keys {
            m.insert(key, now);
        }
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.lock().seen.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The changes since the last call.
    pub fn take_changes(&self) -> FeedChanges {
        let mut m = self.lock();
        FeedChanges { added: std::mem::take(&mut m.added), removed: std::mem::take(&mut m.removed) }
    }

    /// Puts back changes whose commit failed.
    pub fn requeue(&self, changes: &FeedChanges) {
        let mut m = self.lock();
        for (key, at) in &changes.added {
            if m.seen.get(key) == Some(at) {
                m.added.push((*key, *at));
            }
        }
        for key in &changes.removed {
            if !m.seen.contains_key(key) {
                m.removed.push(*key);
            }
        }
    }
}

impl Memory {
    fn insert(&mut self, key: u64, at: i64) {
        if key == 0 || self.seen.contains_key(&key) {
            return;
        }
        self.seen.insert(key, at);
        self.order.push_back(key);
        self.added.push((key, at));
        while self.seen.len() > self.max_items {
            let Some(old) = self.order.pop_front() else { break };
            self.seen.remove(&old);
            self.added.retain(|(k, _)| *k != old);
            self.removed.push(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel><title>Coast News</title><language>en-us</language>
        <item><title>Storm &amp; surf</title><link>https://coast.example/a</link><guid>coast-1</guid>
          <pubDate>Sat, 22 Jun 2024 10:00:00 GMT</pubDate><dc:creator>Ann Lee</dc:creator><category>Weather</category>
          <description>Short teaser.</description>
          <content:encoded><![CDATA[<p>The storm reached the coast overnight, officials said.</p>]]></content:encoded></item>
        <item><title>Second</title><link>https://coast.example/b</link><description>Only a &lt;b&gt;description&lt;/b&gt; here.</description></item>
      </channel></rss>"#;

    #[test]
    fn rss_items_carry_their_metadata() {
        let items = parse_feed(RSS.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.id, "coast-1");
        assert_eq!(a.key, item_key("coast-1"));
        assert!(a.text.contains("<p>The storm reached"), "{}", a.text);
        assert_eq!(a.markup, Markup::HtmlFragment);
        assert_eq!(a.meta.title.as_deref(), Some("Storm & surf"));
        assert_eq!(a.meta.url.as_deref(), Some("https://coast.example/a"));
        assert_eq!(a.meta.author.as_deref(), Some("Ann Lee"));
        assert_eq!(a.meta.outlet.as_deref(), Some("Coast News"));
        assert_eq!(a.meta.categories, ["Weather"]);
        assert_eq!(a.meta.lang.as_deref(), Some("en"));
        assert!(a.meta.published.as_deref().is_some_and(|p| p.starts_with("2024-06-22T10:00:00")));
        assert!(items[1].text.contains("<b>description</b>"));
        assert!(!items[1].id.is_empty());
    }

    #[test]
    fn atom_entries() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id>
          <entry><title>E</title><id>urn:e1</id><updated>2024-06-23T00:00:00Z</updated><published>2024-06-22T00:00:00Z</published>
          <author><name>Bo Kim</name></author><link href="https://x.example/e1"/><content type="html">&lt;p&gt;Body.&lt;/p&gt;</content></entry></feed>"#;
        let items = parse_feed(atom.as_bytes()).unwrap();
        assert_eq!(items[0].id, "urn:e1");
        assert_eq!(items[0].text, "<p>Body.</p>");
        assert!(items[0].meta.updated.as_deref().is_some_and(|u| u.starts_with("2024-06-23")));
        assert!(parse_feed(b"<html>not a feed</html>").is_err());
    }

    #[test]
    fn memory_is_bounded_and_reports_changes() {
        let m = FeedMemory::new(2, vec![(5, 1)]);
        assert!(m.contains(5) && m.take_changes().is_empty());
        m.remember([6, 7], 10);
        assert!(!m.contains(5) && m.contains(6) && m.contains(7));
        let c = m.take_changes();
        assert_eq!(c.added, [(6, 10), (7, 10)]);
        assert_eq!(c.removed, [5]);
        m.requeue(&c);
        assert_eq!(m.take_changes(), c);
    }
}
