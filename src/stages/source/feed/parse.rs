//! From a feed's text to its items, one at a time: RSS 0.9x, 2.0 and versionless `<rss>`, RSS
//! 0.90 and 1.0 (RDF), Atom 0.3 and 1.0, with the extension elements news feeds use (Dublin
//! Core, `content:encoded`, Media RSS, iTunes). Elements are told apart by namespace URI where the
//! feed declares one and by their usual prefix where it forgot to; relative links are resolved
//! against `xml:base` or the feed's own link. An item is handed over as soon as it closes, so a
//! feed is never held as a tree.

use std::borrow::Cow;

use super::FeedItem;
use super::xml::{Start, Token, Tokenizer, split_name};
use crate::record::{InputMeta, Markup};

/// The open elements a feed may nest (deeper ones are read as text of the element around them).
const MAX_DEPTH: usize = 256;

/// How far down the open elements an end tag looks for its start tag.
const MAX_CLOSE_SEARCH: usize = 64;

/// Most categories kept per item.
const MAX_CATEGORIES: usize = 64;

/// Which kind of feed a document is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialect {
    /// `<rss version="...">`, or `<rss>` without a version (`None`).
    Rss(Option<String>),
    /// RSS 1.0 (RDF).
    Rss10,
    /// RSS 0.90 (RDF, Netscape's namespace).
    Rss090,
    /// An RDF document with an unknown default namespace that holds `<item>`s.
    Rdf,
    /// Atom 1.0.
    Atom10,
    /// Atom 0.3 (`http://purl.org/atom/ns#`, or `version="0.3"`).
    Atom03,
    /// A bare `<channel>` as the root: RSS with its `<rss>` wrapper missing.
    Channel,
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dialect::Rss(Some(v)) => write!(f, "RSS {v}"),
            Dialect::Rss(None) => f.write_str("RSS without a version"),
            Dialect::Rss10 => f.write_str("RSS 1.0"),
            Dialect::Rss090 => f.write_str("RSS 0.90"),
            Dialect::Rdf => f.write_str("RDF"),
            Dialect::Atom10 => f.write_str("Atom 1.0"),
            Dialect::Atom03 => f.write_str("Atom 0.3"),
            Dialect::Channel => f.write_str("RSS without its <rss> element"),
        }
    }
}

/// Why a document is not a feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAFeed {
    /// No element at all.
    #[error("no root element: the document holds no XML markup")]
    NoRoot,
    /// The root element is not one a feed starts with.
    #[error("root element <{0}>")]
    Root(String),
}

/// What the whole feed said, once it is read.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedInfo {
    /// The dialect.
    pub dialect: Dialect,
    /// Items found (each was handed to the caller).
    pub items: usize,
    /// The feed's title.
    pub title: Option<String>,
    /// Whether the document ended before its root element closed.
    pub truncated: bool,
}

/// Namespaces the parser tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// RSS (no namespace, or RSS 0.90/1.0's) and Atom: a feed's own elements.
    Core,
    Dc,
    Content,
    Media,
    Itunes,
    Rdf,
    Other,
}

fn ns_of_uri(uri: &str) -> Ns {
    let uri = uri.trim().trim_end_matches(['/', '#']);
    match uri {
        "" => Ns::Core,
        "http://purl.org/rss/1.0"
        | "http://my.netscape.com/rdf/simple/0.9"
        | "http://channel.netscape.com/rdf/simple/0.9"
        | "http://backend.userland.com/rss2"
        | "http://backend.userland.com/rss"
        | "http://www.w3.org/2005/Atom"
        | "http://purl.org/atom/ns" => Ns::Core,
        "http://purl.org/rss/1.0/modules/content" => Ns::Content,
        "http://search.yahoo.com/mrss" | "http://tools.search.yahoo.com/mrss" => Ns::Media,
        "http://www.itunes.com/dtds/podcast-1.0.dtd" => Ns::Itunes,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns" => Ns::Rdf,
        u if u.starts_with("http://purl.org/dc/elements") || u.starts_with("http://purl.org/dc/terms") => Ns::Dc,
        _ => Ns::Other,
    }
}

/// The namespace of an undeclared prefix, by the name feeds use for it.
fn ns_of_prefix(prefix: &str) -> Ns {
    match prefix.to_ascii_lowercase().as_str() {
        "" | "atom" | "rss" => Ns::Core,
        "dc" | "dcterms" => Ns::Dc,
        "content" => Ns::Content,
        "media" => Ns::Media,
        "itunes" => Ns::Itunes,
        "rdf" => Ns::Rdf,
        _ => Ns::Other,
    }
}

struct Frame<'a> {
    qname: &'a str,
    ns: Ns,
    local: &'a str,
    /// Lengths of the declaration and base stacks before this element.
    decls: usize,
    bases: usize,
}

/// What text inside an item is kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Link,
    Guid,
    /// `content:encoded`: HTML.
    Encoded,
    /// Atom `<content>`, with the markup its `type` states.
    Content(Markup),
    Summary(Markup),
    ItunesSummary,
    MediaDescription,
    Published,
    Updated,
    /// `<author>` (Atom's has a `<name>` inside; RSS's is text).
    Author,
    AuthorName,
    Creator,
    Category,
    ChannelTitle,
    ChannelLink,
    ChannelLanguage,
}

struct Capture {
    field: Field,
    /// Index of the element in the open elements.
    depth: usize,
    /// Where its content starts.
    inner_start: usize,
    text: String,
    /// It has child elements (XHTML content, or HTML the feed did not escape): its content is
    /// then its markup as written.
    children: bool,
    /// Prefix of namespaced XHTML to strip from copied markup.
    prefix: Option<String>,
}

#[derive(Default)]
struct Item {
    depth: usize,
    base: Option<String>,
    lang: Option<String>,
    about: Option<String>,
    guid: Option<String>,
    guid_permalink: bool,
    link_text: Option<String>,
    /// `<link href>`s: rel, type, href.
    links: Vec<(Option<String>, Option<String>, String)>,
    title: Option<String>,
    encoded: Option<String>,
    content: Option<(String, Markup)>,
    summary: Option<(String, Markup)>,
    itunes: Option<String>,
    media_description: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    authors: Vec<String>,
    /// An `<author>`'s `<name>`, until the `<author>` closes.
    author_name: Option<String>,
    categories: Vec<String>,
    images: Vec<String>,
}

#[derive(Default)]
struct Channel {
    title: Option<String>,
    link: Option<String>,
    lang: Option<String>,
    /// The feed's authors (Atom: entries without their own inherit them).
    authors: Vec<String>,
    author_name: Option<String>,
}

struct Parser<'a> {
    src: &'a str,
    stack: Vec<Frame<'a>>,
    decls: Vec<(&'a str, Cow<'a, str>)>,
    bases: Vec<String>,
    captures: Vec<Capture>,
    item: Option<Item>,
    channel: Channel,
    dialect: Option<Dialect>,
    items: usize,
    root_closed: bool,
}

/// Reads the feed in `src`, handing each item to `on_item` with the offset where it ends, as
/// soon as it closes; `on_item` returns false to stop. Items without any text come with empty
/// `text` (the caller decides what to do with them).
pub fn parse(src: &str, on_item: &mut dyn FnMut(FeedItem, usize, &Dialect) -> bool) -> Result<FeedInfo, NotAFeed> {
    let mut p = Parser {
        src,
        stack: Vec::new(),
        decls: Vec::new(),
        bases: Vec::new(),
        captures: Vec::new(),
        item: None,
        channel: Channel::default(),
        dialect: None,
        items: 0,
        root_closed: false,
    };
    let mut first_element = None;
    let mut tokens = Tokenizer::new(src);
    while let Some(token) = tokens.next() {
        match token {
            Token::Start(start) => {
                if p.dialect.is_none() {
                    // Markup before the feed (a server's warning printed ahead of it) is skipped;
                    // a document with no feed element at all is named by its first element.
                    match p.root(&start) {
                        Ok(d) => p.dialect = Some(d),
                        Err(e) => {
                            first_element.get_or_insert(e);
                            continue;
                        }
                    }
                }
                if p.root_closed {
                    continue;
                }
                // A new item ends whatever was left open before it (an item, a channel's title),
                // as a new `<li>` ends the last: otherwise the items after it would be its text.
                if p.starts_item(&start)
                    && let Some(depth) =
                        p.item.as_ref().map(|i| i.depth).or_else(|| p.captures.first().map(|c| c.depth))
                    && let Some(qname) = p.stack.get(depth).map(|f| f.qname)
                    && let Some((item, end)) = p.close(qname, start.at, start.at)
                    && let Some(dialect) = &p.dialect
                    && !on_item(item, end, dialect)
                {
                    break;
                }
                p.open(start);
                // An item that opened no element to close (`<item/>`, or too deep to hold) ends here.
                if p.item.as_ref().is_some_and(|i| i.depth >= p.stack.len())
                    && let Some(item) = p.finish_open_item()
                    && let Some(dialect) = &p.dialect
                    && !on_item(item, tokens.position(), dialect)
                {
                    break;
                }
            }
            Token::End { name, at } => {
                if let Some((item, end)) = p.close(name, at, tokens.position())
                    && let Some(dialect) = &p.dialect
                    && !on_item(item, end, dialect)
                {
                    break;
                }
            }
            Token::Text(t) => p.text(&t),
            Token::CData(t) => p.text(t),
        }
    }
    let Some(dialect) = p.dialect.take() else { return Err(first_element.unwrap_or(NotAFeed::NoRoot)) };
    let truncated = !p.root_closed;
    // A document cut off inside an item: the item as far as it goes.
    if let Some(item) = p.finish_open_item() {
        on_item(item, src.len(), &dialect);
    }
    Ok(FeedInfo { dialect, items: p.items, title: p.channel.title.clone(), truncated })
}

impl<'a> Parser<'a> {
    /// The dialect the root element announces.
    fn root(&mut self, start: &Start<'a>) -> Result<Dialect, NotAFeed> {
        let (prefix, local) = split_name(start.name);
        let default_ns = start.attr("xmlns").unwrap_or("");
        let own_ns = if prefix.is_empty() {
            default_ns.to_string()
        } else {
            start.attr(&format!("xmlns:{prefix}")).unwrap_or("").to_string()
        };
        let version = start.attr("version").map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let d = match local.to_ascii_lowercase().as_str() {
            "rss" => Dialect::Rss(version),
            "rdf" => match default_ns.trim_end_matches('/') {
                "http://purl.org/rss/1.0" => Dialect::Rss10,
                "http://my.netscape.com/rdf/simple/0.9" | "http://channel.netscape.com/rdf/simple/0.9" => {
                    Dialect::Rss090
                }
                _ => Dialect::Rdf,
            },
            "feed" if own_ns.starts_with("http://purl.org/atom/ns") || version.as_deref() == Some("0.3") => {
                Dialect::Atom03
            }
            "feed" => Dialect::Atom10,
            "channel" => Dialect::Channel,
            _ => return Err(NotAFeed::Root(start.name.to_string())),
        };
        Ok(d)
    }

    /// Whether `start` opens an item (`<item>`, `<entry>` of a feed's own namespace).
    fn starts_item(&self, start: &Start<'_>) -> bool {
        let (prefix, local) = split_name(start.name);
        matches!(local, "item" | "entry") && self.ns(prefix) == Ns::Core
    }

    fn ns(&self, prefix: &str) -> Ns {
        match self.decls.iter().rev().find(|(p, _)| *p == prefix) {
            Some((_, uri)) => match ns_of_uri(uri) {
                // A prefix bound to an unknown URI that feeds use for a known one (`dc` bound to
                // a misspelt URI): the prefix says what it meant.
                Ns::Other => ns_of_prefix(prefix),
                ns => ns,
            },
            None => ns_of_prefix(prefix),
        }
    }

    fn base(&self) -> Option<&str> {
        self.bases.last().map(String::as_str)
    }

    fn open(&mut self, start: Start<'a>) {
        let (decls, bases) = (self.decls.len(), self.bases.len());
        for (name, value) in &start.attrs {
            if *name == "xmlns" {
                self.decls.push(("", value.clone()));
            } else if let Some(p) = name.strip_prefix("xmlns:") {
                self.decls.push((p, value.clone()));
            }
        }
        if let Some(b) = start.attr("xml:base") {
            let resolved = resolve(self.base(), b).unwrap_or_else(|| b.to_string());
            self.bases.push(resolved);
        }
        let (prefix, local) = split_name(start.name);
        let ns = self.ns(prefix);
        let depth = self.stack.len();
        // Inside text being kept (HTML or XHTML content), elements are part of that text.
        if let Some(c) = self.captures.last_mut()
            && !matches!(c.field, Field::Author)
        {
            c.children = true;
            if c.prefix.is_none() && !prefix.is_empty() {
                c.prefix = Some(prefix.to_string());
            }
            self.push(start, ns, local, decls, bases);
            return;
        }
        if self.item.is_none() && ns == Ns::Core && matches!(local, "item" | "entry") {
            self.item = Some(Item {
                depth,
                base: self.base().map(str::to_string),
                lang: start.attr("xml:lang").map(str::to_string),
                about: start.attr("rdf:about").map(str::to_string),
                ..Item::default()
            });
        } else if self.item.is_some() {
            self.item_child(&start, ns, local, depth);
        } else {
            self.channel_child(&start, ns, local, depth);
        }
        self.push(start, ns, local, decls, bases);
    }

    fn push(&mut self, start: Start<'a>, ns: Ns, local: &'a str, decls: usize, bases: usize) {
        if start.empty || self.stack.len() >= MAX_DEPTH {
            // Nothing inside: a capture it started has no text.
            if self.captures.last().is_some_and(|c| c.depth == self.stack.len()) {
                self.captures.pop();
            }
            self.decls.truncate(decls);
            self.bases.truncate(bases);
            return;
        }
        self.stack.push(Frame { qname: start.name, ns, local, decls, bases });
    }

    fn capture(&mut self, field: Field, depth: usize, start: &Start<'_>) {
        self.captures.push(Capture {
            field,
            depth,
            inner_start: start.end,
            text: String::new(),
            children: false,
            prefix: None,
        });
    }

    fn channel_child(&mut self, start: &Start<'a>, ns: Ns, local: &str, depth: usize) {
        if depth == 2
            && ns == Ns::Core
            && local == "name"
            && self.captures.last().is_some_and(|c| c.field == Field::Author)
        {
            self.capture(Field::AuthorName, depth, start);
            return;
        }
        if depth == 0 {
            if let Some(l) = start.attr("xml:lang") {
                self.channel.lang = Some(l.to_string());
            }
            return;
        }
        // The feed's own title and link: children of the root (Atom) or of `<channel>` (RSS),
        // not of `<image>` or `<textinput>`.
        let parent = &self.stack[depth - 1];
        let of_feed = depth == 1 || (parent.ns == Ns::Core && parent.local == "channel");
        if !of_feed {
            return;
        }
        match (ns, local) {
            (Ns::Core, "title") if self.channel.title.is_none() => self.capture(Field::ChannelTitle, depth, start),
            (Ns::Core, "link") => match start.attr("href") {
                Some(href) if is_alternate(start.attr("rel")) && self.channel.link.is_none() => {
                    self.channel.link = resolve(self.base(), href);
                }
                Some(_) => {}
                None if self.channel.link.is_none() => self.capture(Field::ChannelLink, depth, start),
                None => {}
            },
            (Ns::Core, "language") | (Ns::Dc, "language") => self.capture(Field::ChannelLanguage, depth, start),
            (Ns::Core, "author") if depth == 1 => self.capture(Field::Author, depth, start),
            _ => {}
        }
    }

    fn item_child(&mut self, start: &Start<'a>, ns: Ns, local: &str, depth: usize) {
        let Some(item) = self.item.as_mut() else { return };
        let rel = depth.saturating_sub(item.depth);
        // Media RSS elements may sit in a `<media:group>`.
        if ns == Ns::Media {
            match local {
                "content" | "thumbnail" => {
                    let image = start.attr("medium").is_none_or(|m| m == "image")
                        && start.attr("type").is_none_or(|t| t.starts_with("image/"));
                    if let Some(url) = start.attr("url").filter(|_| image && item.images.is_empty()) {
                        let url = resolve(item.base.as_deref(), url).unwrap_or_else(|| url.to_string());
                        item.images.push(url);
                    }
                }
                "description" => self.capture(Field::MediaDescription, depth, start),
                _ => {}
            }
            return;
        }
        let in_author = rel == 2 && self.stack.get(depth - 1).is_some_and(|f| f.ns == Ns::Core && f.local == "author");
        if in_author && ns == Ns::Core && local == "name" {
            self.capture(Field::AuthorName, depth, start);
            return;
        }
        if rel != 1 {
            return;
        }
        let field = match (ns, local) {
            (Ns::Core, "title") => Field::Title,
            (Ns::Core, "link") => {
                if let Some(href) = start.attr("href").filter(|_| item.links.len() < MAX_CATEGORIES) {
                    let href = resolve(item.base.as_deref(), href).unwrap_or_else(|| href.to_string());
                    item.links.push((
                        start.attr("rel").map(str::to_string),
                        start.attr("type").map(str::to_string),
                        href,
                    ));
                    return;
                }
                Field::Link
            }
            (Ns::Core, "guid") => {
                item.guid_permalink = start.attr("isPermaLink").is_none_or(|v| !v.trim().eq_ignore_ascii_case("false"));
                Field::Guid
            }
            (Ns::Core, "id") => Field::Guid,
            (Ns::Content, "encoded") => Field::Encoded,
            (Ns::Core, "content") => {
                if let Some(src) = start.attr("src") {
                    let src = resolve(item.base.as_deref(), src).unwrap_or_else(|| src.to_string());
                    item.links.push((Some("content".into()), None, src));
                }
                Field::Content(atom_markup(start))
            }
            (Ns::Core, "description") | (Ns::Dc, "description") => Field::Summary(Markup::HtmlFragment),
            (Ns::Core, "summary") => Field::Summary(atom_markup(start)),
            (Ns::Itunes, "summary" | "subtitle") => Field::ItunesSummary,
            (Ns::Core, "pubDate" | "pubdate" | "published" | "issued" | "created") | (Ns::Dc, "date") => {
                Field::Published
            }
            (Ns::Core, "updated" | "modified") | (Ns::Dc, "modified") => Field::Updated,
            (Ns::Core, "author") => Field::Author,
            (Ns::Dc, "creator") | (Ns::Itunes, "author") => Field::Creator,
            (Ns::Core, "category") => {
                if let Some(term) = start.attr("label").or_else(|| start.attr("term")).map(str::trim)
                    && !term.is_empty()
                {
                    if item.categories.len() < MAX_CATEGORIES {
                        item.categories.push(term.to_string());
                    }
                    return;
                }
                Field::Category
            }
            (Ns::Dc, "subject") => Field::Category,
            (Ns::Core, "enclosure") => {
                if let Some(url) = start.attr("url")
                    && start.attr("type").is_some_and(|t| t.starts_with("image/"))
                {
                    let url = resolve(item.base.as_deref(), url).unwrap_or_else(|| url.to_string());
                    item.images.push(url);
                }
                return;
            }
            _ => return,
        };
        self.capture(field, depth, start);
    }

    fn text(&mut self, t: &str) {
        if let Some(c) = self.captures.last_mut() {
            c.text.push_str(t);
        }
    }

    /// An end tag: closes its element and everything opened inside it. Returns an item that
    /// closed, with the offset where it ends.
    fn close(&mut self, name: &str, at: usize, end: usize) -> Option<(FeedItem, usize)> {
        let lowest = self.stack.len().saturating_sub(MAX_CLOSE_SEARCH);
        let index = (lowest..self.stack.len()).rev().find(|&i| self.stack[i].qname == name)?;
        let mut closed = None;
        while self.stack.len() > index {
            let depth = self.stack.len() - 1;
            if self.captures.last().is_some_and(|c| c.depth == depth) {
                let c = self.captures.pop()?;
                self.finish_capture(c, at);
            }
            if self.item.as_ref().is_some_and(|i| i.depth == depth) {
                closed = self.finish_open_item().map(|i| (i, end));
            }
            let frame = self.stack.pop()?;
            self.decls.truncate(frame.decls);
            self.bases.truncate(frame.bases);
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
        closed
    }

    fn finish_capture(&mut self, c: Capture, end: usize) {
        let value = if c.children {
            let raw = self.src.get(c.inner_start..end).unwrap_or_default();
            let mut html = raw.replace("<![CDATA[", "").replace("]]>", "");
            if let Some(p) = &c.prefix {
                html = html.replace(&format!("<{p}:"), "<").replace(&format!("</{p}:"), "</");
            }
            html
        } else {
            c.text
        };
        let trimmed = value.trim();
        if c.field == Field::Author {
            // Atom's `<author>` holds its name in a child; RSS's is the text itself.
            let named = match self.item.as_mut() {
                Some(item) => item.author_name.take(),
                None => self.channel.author_name.take(),
            };
            let name = named.unwrap_or_else(|| rss_author(trimmed));
            let authors = match self.item.as_mut() {
                Some(item) => &mut item.authors,
                None => &mut self.channel.authors,
            };
            if !name.is_empty() && !authors.contains(&name) && authors.len() < MAX_CATEGORIES {
                authors.push(name);
            }
            return;
        }
        if trimmed.is_empty() {
            return;
        }
        let set = |slot: &mut Option<String>| {
            if slot.is_none() {
                *slot = Some(trimmed.to_string());
            }
        };
        match c.field {
            Field::ChannelTitle => set(&mut self.channel.title),
            Field::ChannelLink if self.channel.link.is_none() => self.channel.link = resolve(self.base(), trimmed),
            Field::ChannelLanguage => set(&mut self.channel.lang),
            Field::AuthorName if self.item.is_none() => set(&mut self.channel.author_name),
            _ => {}
        }
        let Some(item) = self.item.as_mut() else { return };
        match c.field {
            Field::Title => set(&mut item.title),
            Field::Link => set(&mut item.link_text),
            Field::Guid => set(&mut item.guid),
            Field::Encoded => set(&mut item.encoded),
            Field::Content(m) => {
                let markup = if c.children { Markup::HtmlFragment } else { m };
                item.content.get_or_insert((trimmed.to_string(), markup));
            }
            Field::Summary(m) => {
                let markup = if c.children { Markup::HtmlFragment } else { m };
                item.summary.get_or_insert((trimmed.to_string(), markup));
            }
            Field::ItunesSummary => set(&mut item.itunes),
            Field::MediaDescription => set(&mut item.media_description),
            Field::Published => set(&mut item.published),
            Field::Updated => set(&mut item.updated),
            Field::AuthorName => set(&mut item.author_name),
            Field::Author => {}
            Field::Creator => {
                let name = crate::text::normalize_line(trimmed);
                if !name.is_empty() && !item.authors.contains(&name) {
                    item.authors.push(name);
                }
            }
            Field::Category => {
                if item.categories.len() < MAX_CATEGORIES {
                    item.categories.push(crate::text::normalize_line(trimmed));
                }
            }
            Field::ChannelTitle | Field::ChannelLink | Field::ChannelLanguage => {}
        }
    }

    fn finish_open_item(&mut self) -> Option<FeedItem> {
        let depth = self.item.as_ref()?.depth;
        // Text left open in a cut-off item ends with the document.
        while self.captures.last().is_some_and(|c| c.depth > depth) {
            let c = self.captures.pop()?;
            self.finish_capture(c, self.src.len());
        }
        let item = self.item.take()?;
        self.items += 1;
        Some(build(item, &self.channel))
    }
}

/// An Atom text construct's markup: `type="text"` (the default) is plain text, `html` and
/// `xhtml` are HTML; Atom 0.3 said it with MIME types and `mode`.
fn atom_markup(start: &Start<'_>) -> Markup {
    match start.attr("type").map(|t| t.trim().to_ascii_lowercase()) {
        Some(t) if t == "html" || t == "xhtml" || t.contains("html") => Markup::HtmlFragment,
        Some(t) if t == "text" || t == "text/plain" => Markup::Text,
        // Atom 0.3's `mode="escaped"` with no type, and unknown types: treat as HTML, which
        // plain text survives.
        _ if start.attr("mode").is_some() => Markup::HtmlFragment,
        None => Markup::Text,
        Some(_) => Markup::HtmlFragment,
    }
}

fn is_alternate(rel: Option<&str>) -> bool {
    rel.is_none_or(|r| r.trim().is_empty() || r.trim().eq_ignore_ascii_case("alternate"))
}

/// RSS `<author>` is an e-mail address, often with the name in brackets: `jo@x.org (Jo Bloggs)`.
fn rss_author(s: &str) -> String {
    let s = crate::text::normalize_line(s);
    if let Some((_, rest)) = s.split_once('(')
        && let Some((name, _)) = rest.rsplit_once(')')
        && !name.trim().is_empty()
    {
        return name.trim().to_string();
    }
    s
}

/// `href` resolved against `base`; `None` when neither makes an absolute URL.
pub(crate) fn resolve(base: Option<&str>, href: &str) -> Option<String> {
    let href = href.trim();
    if let Ok(u) = url::Url::parse(href) {
        return Some(u.to_string());
    }
    let base = url::Url::parse(base?.trim()).ok()?;
    base.join(href).ok().map(|u| u.to_string())
}

/// The text of an HTML fragment, tags dropped and whitespace collapsed.
fn plain(s: &str, markup: Markup) -> String {
    if markup == Markup::Text || !s.contains('<') {
        return crate::text::normalize_line(&crate::html::tokenizer::decode_references(s, false));
    }
    struct Collect(String);
    impl crate::html::tokenizer::Sink for Collect {
        fn open(&mut self, _: &crate::html::tokenizer::Tag<'_, '_>) {
            self.0.push(' ');
        }
        fn close(&mut self, _: &str) {
            self.0.push(' ');
        }
        fn text(&mut self, text: &str) {
            self.0.push_str(text);
        }
    }
    let mut c = Collect(String::new());
    crate::html::tokenizer::tokenize(s, &mut c);
    crate::text::normalize_line(&c.0)
}

/// A date as RFC 3339 when it parses as RFC 2822 (RSS) or RFC 3339 (Atom), else as stated.
fn normalize_date(s: &str) -> String {
    let s = crate::text::normalize_line(s);
    if let Ok(z) = jiff::fmt::rfc2822::parse(&s) {
        return z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    }
    s
}

fn build(item: Item, channel: &Channel) -> FeedItem {
    let base = item.base.as_deref().or(channel.link.as_deref());
    let alternate = item
        .links
        .iter()
        .find(|(rel, ty, _)| is_alternate(rel.as_deref()) && ty.as_deref().is_none_or(|t| t.contains("html")))
        .or_else(|| item.links.iter().find(|(rel, _, _)| is_alternate(rel.as_deref())))
        .map(|(_, _, href)| resolve(base, href).unwrap_or_else(|| href.clone()));
    let guid_link = item.guid.as_deref().filter(|g| item.guid_permalink && g.starts_with("http")).map(str::to_string);
    let link = alternate
        .or_else(|| item.link_text.as_deref().and_then(|l| resolve(base, l).or_else(|| Some(l.to_string()))))
        .or(guid_link)
        .or_else(|| item.about.clone().filter(|a| a.starts_with("http")))
        .map(|l| crate::text::normalize_line(&l))
        .filter(|l| !l.is_empty());
    let title = item.title.as_deref().map(|t| plain(t, Markup::HtmlFragment)).filter(|t| !t.is_empty());
    let (text, markup) = item
        .encoded
        .clone()
        .map(|e| (e, Markup::HtmlFragment))
        .or_else(|| item.content.clone())
        .or_else(|| item.summary.clone())
        .or_else(|| item.itunes.clone().map(|s| (s, Markup::Text)))
        .or_else(|| item.media_description.clone().map(|s| (s, Markup::Text)))
        .unwrap_or_default();
    let description = item
        .summary
        .as_ref()
        .map(|(s, m)| plain(s, *m))
        .or_else(|| item.itunes.as_deref().map(|s| plain(s, Markup::Text)))
        .filter(|s| !s.is_empty());
    let id = item
        .guid
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .or_else(|| link.clone())
        .or_else(|| item.about.clone())
        .unwrap_or_else(|| {
            // Neither guid nor link: an id from what the item says, the same on every read.
            let h = xxhash_rust::xxh3::xxh3_64(format!("{title:?}\n{text}").as_bytes());
            format!("item-{h:016x}")
        });
    let lang = item.lang.or_else(|| channel.lang.clone()).and_then(|l| {
        let l = l.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        (!l.is_empty()).then_some(l)
    });
    let published = item.published.as_deref().map(normalize_date);
    let updated = item.updated.as_deref().map(normalize_date).filter(|u| Some(u) != published.as_ref());
    let meta = InputMeta {
        url: link,
        title,
        published: published.or_else(|| updated.clone()),
        outlet: channel.title.as_deref().map(|t| plain(t, Markup::HtmlFragment)).filter(|t| !t.is_empty()),
        author: Some(if item.authors.is_empty() { &channel.authors } else { &item.authors })
            .filter(|a| !a.is_empty())
            .map(|a| a.join(", ")),
        updated,
        lang,
        // Feed dates are RFC 822 or ISO 8601: no order to guess.
        day_first: None,
        image: item.images.into_iter().next(),
        categories: item.categories.into_iter().filter(|c| !c.is_empty()).collect(),
        description,
        headline_only: false,
        truncated: false,
    };
    FeedItem { key: super::item_key(&id), id, text, markup, meta }
}
