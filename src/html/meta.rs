//! A page's metadata as its markup states it, in order of trust: JSON-LD (`NewsArticle`,
//! `Article`, ...), OpenGraph and `article:*` properties, `<meta name=author|date|...>`, the first
//! `<time datetime>`, `<link rel=canonical>`, `<html lang>`, then the `<h1>` and `<title>`.
//! The title loses a " | Site Name" suffix.

use std::collections::HashMap;

use serde_json::Value;

use super::tokenizer::Tag;
use crate::record::{InputMeta, schema};
use crate::text::normalize_line;

/// Most bytes of JSON-LD read per page (a page stating more is not describing one article).
const MAX_LD_BYTES: usize = 1 << 20;
/// Most `citation_author` names kept (a physics paper may have thousands).
const MAX_CITATION_AUTHORS: usize = 20;
/// Most bytes of `<title>` and `<h1>` text kept.
const MAX_TITLE_BYTES: usize = 2048;

/// Collects metadata during the page walk.
#[derive(Debug, Default)]
pub(super) struct Collector {
    metas: HashMap<String, String>,
    /// `citation_author` tags, in order.
    citation_authors: Vec<String>,
    /// `<html lang>` as written (`en-GB`).
    lang: Option<String>,
    canonical: Option<String>,
    time: Option<String>,
    /// The first `<time datetime>` whose value does not start with a year (`02-12-2025`, `10:00`):
    /// taken only when no `<time>` gives a date in the attribute's own form.
    loose_time: Option<String>,
    title_tag: String,
    h1: String,
    h1_done: bool,
    ld: Vec<String>,
    in_title: usize,
    in_h1: usize,
    in_ld: bool,
    ld_bytes: usize,
    /// The text of the first link to an author's page (`rel="author"`, `/author/name`).
    author_link: String,
    in_author_link: usize,
    author_link_done: bool,
    /// [`schema`] flags of microdata `itemtype`s seen (JSON-LD's are added at the end).
    pub(super) schema: u32,
}

/// Most bytes of an author link's text kept (a name, not a paragraph).
const MAX_AUTHOR_LINK_BYTES: usize = 120;

/// Whether a link goes to an author's page.
fn is_author_link(e: &Tag<'_, '_>) -> bool {
    let rel = e.attr("rel").is_some_and(|r| r.split_whitespace().any(|r| r.eq_ignore_ascii_case("author")));
    // Asked of every link until one is found: one substring search each (paths are lower case).
    let href = e.attr("href").unwrap_or_default().as_bytes();
    rel || memchr::memmem::find(href, b"/author/").is_some()
        || memchr::memmem::find(href, b"/authors/").is_some()
        || memchr::memmem::find(href, b"/byline/").is_some()
}

impl Collector {
    pub(super) fn open(&mut self, e: &Tag<'_, '_>) {
        if let Some(types) = e.attr("itemtype") {
            self.schema = types.split_whitespace().fold(self.schema, |f, t| f | schema::of(t));
        }
        match e.name {
            "html" if self.lang.is_none() => {
                self.lang = e.attr("lang").or_else(|| e.attr("xml:lang")).map(str::to_string);
            }
            "meta" => {
                let key = e.attr("property").or_else(|| e.attr("name")).or_else(|| e.attr("itemprop"));
                if let (Some(key), Some(content)) = (key, e.attr("content")) {
                    // A CMS that escapes its values twice (`Mountaineering&amp;#39;s`) leaves a
                    // reference after the parser's decoding: nobody means one in a title.
                    let content = normalize_line(&super::tokenizer::decode_references(content, true));
                    if content.is_empty() {
                        // Nothing stated.
                    } else if key.trim().eq_ignore_ascii_case("citation_author") {
                        if self.citation_authors.len() < MAX_CITATION_AUTHORS {
                            self.citation_authors.push(first_name_first(content));
                        }
                    } else {
                        self.metas.entry(key.trim().to_ascii_lowercase()).or_insert(content);
                    }
                }
            }
            "link" => {
                let canonical =
                    e.attr("rel").is_some_and(|r| r.split_whitespace().any(|r| r.eq_ignore_ascii_case("canonical")));
                if canonical && self.canonical.is_none() {
                    self.canonical = e.attr("href").map(str::trim).filter(|h| !h.is_empty()).map(str::to_string);
                }
            }
            "time" if self.time.is_none() => {
                if let Some(d) = e.attr("datetime").map(str::trim).filter(|d| !d.is_empty()) {
                    // The attribute's form is year first (HTML's valid date strings); a page that
                    // writes `02-12-2025` there often has a second `<time>` that keeps to it.
                    if d.as_bytes().get(..4).is_some_and(|y| y.iter().all(u8::is_ascii_digit)) {
                        self.time = Some(d.to_string());
                    } else if self.loose_time.is_none() {
                        self.loose_time = Some(d.to_string());
                    }
                }
            }
            "title" => self.in_title += 1,
            "h1" => self.in_h1 += 1,
            "a" if !self.author_link_done && (self.in_author_link > 0 || is_author_link(e)) => self.in_author_link += 1,
            "script" => {
                self.in_ld = e.attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
                if self.in_ld {
                    self.ld.push(String::new());
                }
            }
            _ => {}
        }
    }

    pub(super) fn close(&mut self, name: &str) {
        match name {
            "title" => self.in_title = self.in_title.saturating_sub(1),
            "h1" => {
                self.in_h1 = self.in_h1.saturating_sub(1);
                if self.in_h1 == 0 && !self.h1.trim().is_empty() {
                    self.h1_done = true;
                }
            }
            "script" => self.in_ld = false,
            "a" if self.in_author_link > 0 => {
                self.in_author_link -= 1;
                if self.in_author_link == 0 {
                    // A link around a photo only has no name: the next author link may.
                    self.author_link_done = !self.author_link.trim().is_empty();
                }
            }
            _ => {}
        }
    }

    pub(super) fn text(&mut self, t: &str) {
        if self.in_ld {
            if self.ld_bytes + t.len() <= MAX_LD_BYTES
                && let Some(last) = self.ld.last_mut()
            {
                last.push_str(t);
                self.ld_bytes += t.len();
            }
            return;
        }
        if self.in_author_link > 0 && self.author_link.len() < MAX_AUTHOR_LINK_BYTES {
            self.author_link.push(' ');
            self.author_link.push_str(t);
        }
        if self.in_title > 0 && self.title_tag.len() < MAX_TITLE_BYTES {
            self.title_tag.push_str(t);
        }
        if self.in_h1 > 0 && !self.h1_done && self.h1.len() < MAX_TITLE_BYTES {
            self.h1.push(' ');
            self.h1.push_str(t);
        }
    }

    /// The metadata, with the page's [`schema`] flags and `og:type` for [`crate::record::PageSignals`].
    pub(super) fn finish(self) -> (InputMeta, u32, Option<String>) {
        let mut ld = LdArticle::default();
        let mut schema = self.schema;
        for script in &self.ld {
            if let Ok(v) = serde_json::from_str::<Value>(script) {
                ld.search(&v, 0, &v);
                schema |= schema_types(&v, 0);
            }
        }
        let og_type = self.metas.get("og:type").map(|t| t.trim().to_ascii_lowercase());
        let m = |keys: &[&str]| keys.iter().find_map(|k| self.metas.get(*k).cloned());
        let site_name = ld.publisher.clone().or_else(|| m(&["og:site_name", "application-name", "twitter:site"]));
        let h1 = Some(normalize_line(&self.h1)).filter(|s| !s.is_empty());
        let title_tag = Some(normalize_line(&self.title_tag)).filter(|s| !s.is_empty());
        let stated = ld.headline.clone().or_else(|| m(&["og:title", "twitter:title", "headline", "title", "dc.title"]));
        // The headline the reader sees: the page's first `<h1>`, when it is about what the stated
        // (SEO) title is about; stated titles are often rewritten for search and sharing.
        let shown = h1.filter(|h| stated.as_deref().or(title_tag.as_deref()).is_none_or(|t| same_subject(h, t)));
        let title = shown.or(stated).or(title_tag).map(|t| strip_site_suffix(&t, site_name.as_deref()));
        let page_url = ld.url.clone().or(self.canonical).or_else(|| m(&["og:url"]));
        let image =
            ld.image.clone().or_else(|| m(&["og:image", "twitter:image"])).map(|i| absolute(&i, page_url.as_deref()));
        let meta = InputMeta {
            title,
            author: ld
                .author
                .clone()
                .or_else(|| {
                    // `author` and `article:author` often hold a profile URL: the next key is asked then.
                    ["author", "article:author", "byl", "dc.creator", "sailthru.author", "parsely-author"]
                        .iter()
                        .filter_map(|k| self.metas.get(*k))
                        .find(|a| !a.starts_with("http") && !a.trim().is_empty())
                        .cloned()
                })
                .or_else(|| (!self.citation_authors.is_empty()).then(|| self.citation_authors.join(", ")))
                .or_else(|| {
                    // WordPress SEO plugins: `twitter:label1` "Written by", `twitter:data1` the name.
                    ["1", "2"].iter().find_map(|n| {
                        let label = self.metas.get(&format!("twitter:label{n}"))?.to_lowercase();
                        (label.contains("written by") || label.contains("author"))
                            .then(|| self.metas.get(&format!("twitter:data{n}")).cloned())
                            .flatten()
                    })
                })
                .or_else(|| {
                    let name = normalize_line(&self.author_link);
                    (!name.is_empty() && name.split(' ').count() <= 6).then_some(name)
                }),
            published: ld.published.clone().or_else(|| {
                m(&[
                    "article:published_time",
                    "datepublished",
                    "pubdate",
                    "publishdate",
                    "date",
                    "dc.date",
                    "dc.date.issued",
                    "sailthru.date",
                    "parsely-pub-date",
                    "og:published_time",
                    "og:article:published_time",
                    "article:first_published_time",
                    "og:publish_date",
                    "publish_date",
                    "published_on",
                    "publication_date",
                    // Highwire Press tags, which journals and repositories write for Google Scholar.
                    "citation_publication_date",
                    "citation_date",
                ])
                .or_else(|| ld.page_published.clone())
                .or_else(|| self.time.clone())
                .or_else(|| self.loose_time.clone())
            }),
            updated: ld.modified.clone().or_else(|| {
                m(&["article:modified_time", "datemodified", "og:updated_time"]).or_else(|| ld.page_modified.clone())
            }),
            url: page_url,
            lang: self
                .lang
                .as_deref()
                .and_then(primary_language)
                .or_else(|| m(&["og:locale", "content-language", "language"]).and_then(|l| primary_language(&l))),
            // The most specific locale the page states: OpenGraph's carries a region more often.
            day_first: m(&["og:locale"])
                .and_then(|l| crate::date::day_first(&l))
                .or_else(|| self.lang.as_deref().and_then(crate::date::day_first))
                .or_else(|| m(&["content-language"]).and_then(|l| crate::date::day_first(&l))),
            image,
            description: ld
                .description
                .clone()
                .or_else(|| m(&["og:description", "description", "twitter:description"])),
            outlet: site_name,
            categories: Vec::new(),
            headline_only: false,
            truncated: false,
        };
        (meta, schema, og_type)
    }
}

/// The [`schema`] flags of every `@type` in a JSON-LD value (nested objects, `@graph`, arrays).
fn schema_types(v: &Value, depth: usize) -> u32 {
    if depth > 8 {
        return 0;
    }
    match v {
        Value::Array(items) => items.iter().fold(0, |f, i| f | schema_types(i, depth + 1)),
        Value::Object(o) => {
            let own = match o.get("@type") {
                Some(Value::String(t)) => schema::of(t),
                Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).fold(0, |f, t| f | schema::of(t)),
                _ => 0,
            };
            o.iter().filter(|(k, _)| k.as_str() != "@type").fold(own, |f, (_, v)| f | schema_types(v, depth + 1))
        }
        _ => 0,
    }
}

/// The primary subtag of a language tag, if it looks like one (`en-US` -> `en`).
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase())).then_some(primary)
}

/// What sites put between a headline and their name in `<title>`.
pub(crate) const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " » ", " · ", " / "];

/// Removes a " | Site Name" (or " - Site", " — Site", " :: Site", " » Site") part from a title: the
/// part equal to the site's name, else a short last (or first) part next to a much longer one.
pub(crate) fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    let title = normalize_line(title);
    for sep in TITLE_SEPARATORS {
        let parts: Vec<&str> = title.split(sep).collect();
        if parts.len() < 2 {
            continue;
        }
        if let Some(site) = site.map(str::trim).filter(|s| !s.is_empty()) {
            let rest: Vec<&str> = parts.iter().copied().filter(|p| !p.trim().eq_ignore_ascii_case(site)).collect();
            if rest.len() < parts.len() && !rest.is_empty() {
                return rest.join(sep);
            }
        }
        let words = |s: &str| s.split_whitespace().count();
        let (first, last) = (parts[0], parts[parts.len() - 1]);
        let head: String = parts[..parts.len() - 1].join(sep);
        if words(last) <= 4 && words(&head) >= 2 * words(last).max(2) {
            return head;
        }
        let tail: String = parts[1..].join(sep);
        if words(first) <= 3 && words(&tail) >= 3 * words(first).max(2) {
            return tail;
        }
    }
    title
}

/// The article a page's JSON-LD describes.
#[derive(Debug, Default)]
struct LdArticle {
    found: bool,
    headline: Option<String>,
    author: Option<String>,
    published: Option<String>,
    modified: Option<String>,
    publisher: Option<String>,
    image: Option<String>,
    url: Option<String>,
    description: Option<String>,
    /// The dates of the first `WebPage` node (Yoast and other plugins state a post's dates there,
    /// on pages that carry no article node or one without dates).
    page_published: Option<String>,
    page_modified: Option<String>,
}

/// JSON-LD types that describe an article: schema's article kinds, and `TechArticle` (which it
/// counts as documentation, but which has a headline, an author and dates all the same).
fn is_article_type(t: &str) -> bool {
    schema::of(t) == schema::ARTICLE || t.ends_with("TechArticle")
}

impl LdArticle {
    /// Takes the first article-typed object found depth-first (in `@graph`, arrays, `mainEntity`),
    /// and the dates of the first `WebPage` node.
    fn search(&mut self, v: &Value, depth: usize, root: &Value) {
        if (self.found && self.page_published.is_some()) || depth > 8 {
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.search(i, depth + 1, root)),
            Value::Object(o) => {
                let types = |f: &dyn Fn(&str) -> bool| match o.get("@type") {
                    Some(Value::String(t)) => f(t),
                    Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(f),
                    _ => false,
                };
                let s = |k: &str| o.get(k).and_then(text_of);
                if self.page_published.is_none() && types(&|t| schema::of(t) == schema::WEBPAGE) {
                    self.page_published = s("datePublished");
                    self.page_modified = s("dateModified");
                }
                if !self.found && types(&is_article_type) {
                    self.found = true;
                    self.headline = s("headline").or_else(|| s("name"));
                    // Yoast and others write the author and image as `{"@id": ...}` references
                    // to other nodes of the script.
                    let resolved = |k: &str| o.get(k).map(|v| resolve(v, root));
                    let (author, publisher, image) = (resolved("author"), resolved("publisher"), resolved("image"));
                    self.author = author.and_then(|v| names(&v));
                    self.published = s("datePublished").or_else(|| s("dateCreated"));
                    self.modified = s("dateModified");
                    self.publisher = publisher.and_then(|v| names(&v));
                    self.image = image.and_then(|v| url_of(&v));
                    self.url = s("url").or_else(|| o.get("mainEntityOfPage").and_then(url_of));
                    self.description = s("description");
                    return;
                }
                for key in ["@graph", "mainEntity", "itemListElement"] {
                    if let Some(inner) = o.get(key) {
                        self.search(inner, depth + 1, root);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `href` made absolute against the page's URL when it is relative and the page's URL is known;
/// else as it is.
fn absolute(href: &str, page: Option<&str>) -> String {
    let href = href.trim();
    if url::Url::parse(href).is_ok() {
        return href.to_string();
    }
    page.and_then(|p| url::Url::parse(p).ok())
        .and_then(|base| base.join(href).ok())
        .map_or_else(|| href.to_string(), |u| u.to_string())
}

/// Whether a heading and a title share at least half of the heading's words (case and
/// punctuation aside), and the heading has two words or more: a site's logo or section name in
/// the `<h1>` does not.
fn same_subject(heading: &str, title: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let (h, t) = (words(heading), words(title));
    let shared = h.iter().filter(|w| t.contains(w)).count();
    h.len() >= 2 && shared * 2 >= h.len()
}

/// A Highwire `citation_author` name (one tag a name) written `Last, First` turned round: joined
/// with commas, such names would read as two names each.
fn first_name_first(name: String) -> String {
    match name.split_once(',') {
        Some((last, first)) if !first.contains(',') && !first.trim().is_empty() => {
            format!("{} {}", first.trim(), last.trim())
        }
        _ => name,
    }
}

/// Most `@id` nodes indexed per JSON-LD script.
const MAX_LD_NODES: usize = 256;

/// Every object with an `@id` and more than that, by its `@id`.
fn index_nodes<'v>(v: &'v Value, nodes: &mut HashMap<&'v str, &'v Value>, depth: usize) {
    if depth > 8 || nodes.len() >= MAX_LD_NODES {
        return;
    }
    match v {
        Value::Array(items) => items.iter().for_each(|i| index_nodes(i, nodes, depth + 1)),
        Value::Object(o) => {
            if let Some(Value::String(id)) = o.get("@id")
                && o.len() > 1
            {
                nodes.entry(id.as_str()).or_insert(v);
            }
            o.values().for_each(|i| index_nodes(i, nodes, depth + 1));
        }
        _ => {}
    }
}

/// A bare reference: an object with an `@id` and neither a name nor a URL of its own.
fn is_reference(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.contains_key("@id") && !o.contains_key("name") && !o.contains_key("url"))
}

/// `v` with `{"@id": ...}` references (alone or in a list) replaced by the nodes of `root` they
/// name. The index of `root` is built only when there is a reference to follow.
fn resolve<'v>(v: &'v Value, root: &'v Value) -> std::borrow::Cow<'v, Value> {
    use std::borrow::Cow;
    let refs = match v {
        Value::Array(items) => items.iter().any(is_reference),
        other => is_reference(other),
    };
    if !refs {
        return Cow::Borrowed(v);
    }
    let mut nodes = HashMap::new();
    index_nodes(root, &mut nodes, 0);
    let one = |v: &'v Value| -> &'v Value {
        match v {
            Value::Object(o) if is_reference(v) => {
                o.get("@id").and_then(Value::as_str).and_then(|id| nodes.get(id).copied()).unwrap_or(v)
            }
            other => other,
        }
    };
    match v {
        Value::Array(items) => Cow::Owned(Value::Array(items.iter().take(16).map(|i| one(i).clone()).collect())),
        other => Cow::Borrowed(one(other)),
    }
}

fn text_of(v: &Value) -> Option<String> {
    let s = match v {
        // JSON-LD is often written through an HTML escaper: `&#163;71.6m`, `Q&amp;A`.
        Value::String(s) => normalize_line(&super::tokenizer::decode_references(s, false)),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A person or organisation (or a list of them) as names, comma separated.
fn names(v: &Value) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: &Value| {
        let name = match v {
            Value::Object(o) => o.get("name").and_then(text_of),
            other => text_of(other).filter(|s| !s.starts_with("http")),
        };
        if let Some(n) = name
            && !out.contains(&n)
        {
            out.push(n);
        }
    };
    match v {
        Value::Array(items) => items.iter().take(16).for_each(&mut push),
        other => push(other),
    }
    (!out.is_empty()).then(|| out.join(", "))
}

/// A URL from a string, an `ImageObject`/`WebPage` (`url` or `@id`), or the first of a list.
fn url_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Object(o) => o.get("url").and_then(url_of).or_else(|| o.get("@id").and_then(url_of)),
        Value::Array(items) => items.iter().find_map(url_of),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, parse};
    use super::*;

    #[test]
    fn json_ld_wins_over_opengraph_and_title() {
        let html = r#"<html lang="en-GB"><head><title>Ignored | The Daily</title>
            <meta property="og:title" content="OG title - The Daily">
            <meta property="og:site_name" content="The Daily">
            <meta property="article:published_time" content="2024-01-01T00:00:00Z">
            <link rel="canonical" href="https://daily.example/a">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},
              {"@type":["NewsArticle"],"headline":"Bridge reopens after repairs","datePublished":"2024-06-22T10:00:00+09:00",
               "dateModified":"2024-06-23","author":[{"@type":"Person","name":"Ann Lee"},{"name":"Bo Kim"}],
               "publisher":{"@type":"Organization","name":"The Daily"},"image":[{"url":"https://daily.example/i.jpg"}]}]}
            </script></head><body><h1>The Daily</h1></body></html>"#;
        let m = parse(html, Limits::default()).meta;
        assert_eq!(m.title.as_deref(), Some("Bridge reopens after repairs"));
        assert_eq!(m.author.as_deref(), Some("Ann Lee, Bo Kim"));
        assert_eq!(m.published.as_deref(), Some("2024-06-22T10:00:00+09:00"));
        assert_eq!(m.updated.as_deref(), Some("2024-06-23"));
        assert_eq!(m.outlet.as_deref(), Some("The Daily"));
        assert_eq!(m.image.as_deref(), Some("https://daily.example/i.jpg"));
        assert_eq!(m.url.as_deref(), Some("https://daily.example/a"));
        assert_eq!(m.lang.as_deref(), Some("en"));
    }

    #[test]
    fn opengraph_then_meta_then_time_then_title() {
        let og = r#"<head><meta property="og:title" content="Rates rise again | Money Times"><meta name="author" content="Jo Park">
            <meta property="og:site_name" content="Money Times"></head><body><time datetime="2024-06-22">June 22</time></body>"#;
        let m = parse(og, Limits::default()).meta;
        assert_eq!(
            (m.title.as_deref(), m.author.as_deref(), m.published.as_deref()),
            (Some("Rates rise again"), Some("Jo Park"), Some("2024-06-22"))
        );
        // A `<time>` whose attribute is not in its year-first form gives way to one that is.
        let loose = r#"<time datetime="02-12-2025">02-12-2025</time><p>x</p><time datetime="2025-12-02">December 02, 2025</time>"#;
        assert_eq!(parse(loose, Limits::default()).meta.published.as_deref(), Some("2025-12-02"));
        let only = r#"<time datetime="02-12-2025">02-12-2025</time>"#;
        assert_eq!(parse(only, Limits::default()).meta.published.as_deref(), Some("02-12-2025"));
        let bare = "<head><title>Storm hits the coast overnight - Coast News</title></head><body><p>x</p></body>";
        assert_eq!(parse(bare, Limits::default()).meta.title.as_deref(), Some("Storm hits the coast overnight"));
        let broken =
            r#"<script type="application/ld+json">{"@type":"NewsArticle", "headline": </script><h1>From the h1</h1>"#;
        assert_eq!(parse(broken, Limits::default()).meta.title.as_deref(), Some("From the h1"));
    }

    #[test]
    fn graph_references_and_relative_images() {
        // Yoast's shape: the article names its author and image by `@id`.
        let html = r##"<head><link rel="canonical" href="https://blog.example/posts/tram"><script type="application/ld+json">
            {"@context":"https://schema.org","@graph":[
              {"@type":"Article","@id":"https://blog.example/posts/tram#article","headline":"Tram line approved",
               "author":{"@id":"https://blog.example/#/schema/person/9f"},"image":{"@id":"https://blog.example/posts/tram#primaryimage"},
               "datePublished":"2025-03-14T09:00:00+00:00"},
              {"@type":"ImageObject","@id":"https://blog.example/posts/tram#primaryimage","url":"/img/tram.jpg"},
              {"@type":"Person","@id":"https://blog.example/#/schema/person/9f","name":"Ines Calder"}]}
            </script></head><body><p>x</p></body>"##;
        let m = parse(html, Limits::default()).meta;
        assert_eq!(m.author.as_deref(), Some("Ines Calder"));
        assert_eq!(m.image.as_deref(), Some("https://blog.example/img/tram.jpg"));
        // An `author` meta holding a profile URL gives way to the next key that holds a name.
        let metas = r#"<head><meta name="author" content="https://site.example/staff/jo"><meta name="sailthru.author" content="Jo Park"></head>"#;
        assert_eq!(parse(metas, Limits::default()).meta.author.as_deref(), Some("Jo Park"));
    }

    #[test]
    fn dates_of_a_webpage_node_and_of_scholar_tags() {
        // Yoast on a post with no article node: the dates are the `WebPage`'s; an article node's
        // own dates still win, wherever the `WebPage` stands in the graph.
        let page = |article: &str| {
            format!(
                r#"<head><script type="application/ld+json">{{"@graph":[
                {{"@type":"WebPage","datePublished":"2024-03-17T19:47:39+00:00","dateModified":"2024-05-03T10:57:58+00:00"}}{article}]}}
                </script></head><body><p>x</p></body>"#
            )
        };
        let m = parse(&page(""), Limits::default()).meta;
        assert_eq!(
            (m.published.as_deref(), m.updated.as_deref()),
            (Some("2024-03-17T19:47:39+00:00"), Some("2024-05-03T10:57:58+00:00"))
        );
        let m = parse(&page(r#",{"@type":"BlogPosting","datePublished":"2024-03-18"}"#), Limits::default()).meta;
        assert_eq!(m.published.as_deref(), Some("2024-03-18"));
        // A page's own meta tag comes before the `WebPage` node.
        let tagged =
            page("").replace("<head>", r#"<head><meta property="article:published_time" content="2024-03-16">"#);
        assert_eq!(parse(&tagged, Limits::default()).meta.published.as_deref(), Some("2024-03-16"));
        let journal =
            r#"<head><meta name="citation_publication_date" content="2024 Jun 30"></head><body><p>x</p></body>"#;
        assert_eq!(parse(journal, Limits::default()).meta.published.as_deref(), Some("2024 Jun 30"));
        let paper = r#"<head><meta name="citation_author" content="Md Najmul Hossain">
            <meta name="citation_author_institution" content="Pukyong National University">
            <meta name="citation_author" content="Lee, Jaeeun"></head><body><p>x</p></body>"#;
        assert_eq!(parse(paper, Limits::default()).meta.author.as_deref(), Some("Md Najmul Hossain, Jaeeun Lee"));
        let twice = r#"<head><meta property="og:title" content="Saving Mountaineering&amp;#39;s Soul &amp;amp; More"></head><body><p>x</p></body>"#;
        assert_eq!(parse(twice, Limits::default()).meta.title.as_deref(), Some("Saving Mountaineering's Soul & More"));
        // The names other publishing systems give the date.
        for name in ["published_on", "publish_date", "og:publish_date", "article:first_published_time"] {
            let page =
                format!(r#"<head><meta name="{name}" content="2026-01-22T21:00:00.000Z"></head><body><p>x</p></body>"#);
            assert_eq!(
                parse(&page, Limits::default()).meta.published.as_deref(),
                Some("2026-01-22T21:00:00.000Z"),
                "{name}"
            );
        }
    }

    #[test]
    fn the_shown_headline_wins_over_a_rewritten_seo_title() {
        let page = r#"<head><meta property="og:title" content="Your Maintenance Checklist: 12 Jobs | Cars"></head>
            <body><div class="logo"><h1>Cars</h1></div><h1>Your Car Maintenance Checklist</h1></body>"#;
        // The first <h1> is the site's name: not about what the title is about, so the stated title stays.
        assert_eq!(parse(page, Limits::default()).meta.title.as_deref(), Some("Your Maintenance Checklist: 12 Jobs"));
        let page = r#"<head><meta property="og:title" content="Your Maintenance Checklist: 12 Jobs | Cars"></head>
            <body><h1>Your Car Maintenance Checklist</h1></body>"#;
        assert_eq!(parse(page, Limits::default()).meta.title.as_deref(), Some("Your Car Maintenance Checklist"));
        // With nothing stated, the `<title>` is what the `<h1>` is weighed against: a section's
        // name in the `<h1>` gives way to it.
        let page = r#"<head><title>Bridge reopens after two years of repairs</title></head>
            <body><h1>Local News</h1><p>x</p></body>"#;
        assert_eq!(
            parse(page, Limits::default()).meta.title.as_deref(),
            Some("Bridge reopens after two years of repairs")
        );
    }

    #[test]
    fn authors_from_seo_labels_and_author_links() {
        let yoast = r#"<head><meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Nawaz Dhandala"></head>"#;
        assert_eq!(parse(yoast, Limits::default()).meta.author.as_deref(), Some("Nawaz Dhandala"));
        let link = r#"<body><a href="/blog/author/shahzeb/"><img src="a.jpg"></a> <h4><a href="https://x.example/blog/author/shahzeb/">Shahzeb Ahmed</a></h4><p>Text.</p></body>"#;
        assert_eq!(parse(link, Limits::default()).meta.author.as_deref(), Some("Shahzeb Ahmed"));
        let rel = r#"<body><p>By <a rel="author" href="/people/jo">Jo Park</a></p></body>"#;
        assert_eq!(parse(rel, Limits::default()).meta.author.as_deref(), Some("Jo Park"));
    }

    #[test]
    fn site_suffixes() {
        assert_eq!(strip_site_suffix("A long headline about things | Site", None), "A long headline about things");
        assert_eq!(
            strip_site_suffix("Site | A long headline about many things", Some("Site")),
            "A long headline about many things"
        );
        assert_eq!(strip_site_suffix("Left - right", None), "Left - right");
    }
}
