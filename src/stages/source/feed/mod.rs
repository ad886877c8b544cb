//! Feed files: RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 in any encoding, every item a document with
//! its guid, link, title, dates, authors and categories as stated metadata, and its
//! `content:encoded`/`content`/`description`/`summary` as the article's HTML (or text).
//!
//! The bytes are decoded to UTF-8 first ([`super::charset`]: BOM, NUL pattern, the XML
//! declaration, detection), then read by a forgiving tokenizer ([`xml`]) and an item-at-a-time
//! parser ([`parse`]): no tree of the feed is built, and broken markup loses at most the item it
//! is in.
//!
//! Feed files are rewritten in place as items come and go, so the source remembers which items it
//! has handled, by guid (else link), in the state database ([`FeedMemory`]): a rewritten feed
//! yields only its new items. An item counts as handled once its record (or its dead-letter entry)
//! is durable, in the same commit that moves the file's checkpoint.

pub mod parse;
pub mod xml;

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub use parse::{Dialect, FeedInfo, NotAFeed};

use super::charset::{DecodeError, Decoded, Sniff, decode, decode_owned};
use crate::record::{InputMeta, Markup};
use crate::state::{Persist, StateError, StateStore, TableDefinition, WriteTransaction, rows};

/// One feed item, ready to become a document.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// Its key in the feed memory: a hash of its guid (else link); never 0.
    pub key: u64,
    /// The guid (or link) itself: the document id.
    pub id: String,
    /// The item's content (empty when the item has none).
    pub text: String,
    /// HTML or plain text.
    pub markup: Markup,
    /// What the feed states about it.
    pub meta: InputMeta,
}

/// The key of an item with this guid or link.
pub(crate) fn item_key(guid: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(guid.trim().as_bytes()).max(1)
}

/// Why a file is not a readable feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// The bytes are not text.
    #[error("not text: {0}")]
    Binary(#[from] DecodeError),
    /// Text, but not a feed.
    #[error("not a feed: {0}")]
    NotAFeed(#[from] NotAFeed),
}

/// A whole feed parsed into memory: every item in feed order, and what the feed said. For tests,
/// fuzzing and tools; the source reads feeds item by item with [`decode_feed`] and [`parse::parse`].
pub fn parse_feed(bytes: &[u8]) -> Result<(Vec<FeedItem>, FeedInfo), FeedError> {
    let decoded = decode_feed(bytes)?;
    let mut items = Vec::new();
    let info = parse::parse(&decoded.text, &mut |item, _, _| {
        items.push(item);
        true
    })?;
    Ok((items, info))
}

/// A feed's bytes as text.
pub(crate) fn decode_feed(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode(bytes, Sniff::Xml)
}

/// A feed's bytes as text, without a copy when they are UTF-8.
pub(crate) fn decode_feed_owned(bytes: Vec<u8>) -> Result<Decoded, DecodeError> {
    decode_owned(bytes, Sniff::Xml)
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
    pub(crate) fn remember(&self, keys: impl IntoIterator<Item = u64>, now: i64) {
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
    pub(crate) fn take_changes(&self) -> FeedChanges {
        let mut m = self.lock();
        FeedChanges { added: std::mem::take(&mut m.added), removed: std::mem::take(&mut m.removed) }
    }

    /// Puts back changes whose commit failed.
    pub(crate) fn requeue(&self, changes: &FeedChanges) {
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

/// Feed items handled: item key -> unix seconds.
const FEED_ITEMS: TableDefinition<u64, i64> = TableDefinition::new("feed_items_v1");

/// Every feed item remembered as handled: (item key, unix seconds).
pub(crate) fn load(store: &StateStore) -> Result<Vec<(u64, i64)>, StateError> {
    let txn = store.read()?;
    let mut out = Vec::new();
    rows(&txn, FEED_ITEMS, |k, v| {
        out.push((k, v));
        Ok(())
    })
    .map_err(|e| store.error(e))?;
    Ok(out)
}

impl Persist for FeedMemory {
    type Changes = FeedChanges;

    fn take(&self) -> FeedChanges {
        self.take_changes()
    }

    fn is_empty(changes: &FeedChanges) -> bool {
        changes.is_empty()
    }

    fn write(changes: &FeedChanges, txn: &WriteTransaction) -> Result<(), redb::Error> {
        let mut table = txn.open_table(FEED_ITEMS)?;
        for key in &changes.removed {
            table.remove(*key)?;
        }
        for (key, at) in &changes.added {
            table.insert(*key, *at)?;
        }
        Ok(())
    }

    fn requeue(&self, changes: FeedChanges) {
        FeedMemory::requeue(self, &changes);
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
        let (items, info) = parse_feed(RSS.as_bytes()).unwrap();
        assert_eq!((items.len(), info.items, info.dialect.to_string()), (2, 2, "RSS 2.0".to_string()));
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
        let (items, info) = parse_feed(atom.as_bytes()).unwrap();
        assert_eq!(info.dialect, Dialect::Atom10);
        assert_eq!(items[0].id, "urn:e1");
        assert_eq!(items[0].text, "<p>Body.</p>");
        assert!(items[0].meta.updated.as_deref().is_some_and(|u| u.starts_with("2024-06-23")));
        let err = parse_feed(b"<html>not a feed</html>").unwrap_err();
        assert_eq!(err.to_string(), "not a feed: root element <html>");
        // An item or a channel title left open does not swallow the items after it.
        let open_item = "<rss version=\"2.0\"><channel><title>Feed<item><guid>a</guid><description>One.</description>\
            <item><guid>b</guid><description>Two.</description></item></channel></rss>";
        let (items, info) = parse_feed(open_item.as_bytes()).unwrap();
        let got: Vec<(&str, &str)> = items.iter().map(|i| (i.id.as_str(), i.text.as_str())).collect();
        assert_eq!((got, info.title.as_deref()), (vec![("a", "One."), ("b", "Two.")], Some("Feed")));
        // An empty item is an item (without anything): counted, and the next one read as usual.
        let (items, info) = parse_feed(b"<rss><channel><item/><item><guid>c</guid></item></channel></rss>").unwrap();
        assert_eq!((items.len(), info.items, items[1].id.as_str()), (2, 2, "c"));
        // A PHP notice printed ahead of the feed does not hide it.
        let noisy = "<br />\n<b>Notice</b>: Undefined index: page in feed.php<br />\n<?xml version=\"1.0\"?>\
            <rss version=\"2.0\"><channel><item><guid>n1</guid><description>The text.</description></item></channel></rss>";
        let (items, info) = parse_feed(noisy.as_bytes()).unwrap();
        assert_eq!((items.len(), items[0].id.as_str(), info.dialect), (1, "n1", Dialect::Rss(Some("2.0".into()))));
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
