//! A fast, forgiving HTML tokenizer with just enough tree building for text extraction: it reports
//! elements opening and closing, properly nested, and entity-decoded text, in one pass with no
//! tree and no copies of the page.
//!
//! html5ever builds a full standards-conforming DOM; newsmill needs the visible text, each block's
//! ancestors and a few attributes, and parsing was two thirds of the time spent on an HTML page
//! (about 136 MB/s). This reads the same pages several times faster. What it does of the standard:
//! raw-text elements (`script`, `style`, `textarea`, `title`, ...) end only at their end tag;
//! comments, doctypes and processing instructions are skipped; void elements never stay open; a new
//! block closes an open `<p>`, `<li>` closes `<li>`, cells and rows close cells and rows; an end tag
//! closes everything opened after its element, and an end tag with no open element is ignored;
//! numeric and all 2,231 named character references are decoded. Unclosed elements are closed at
//! the end. No script is ever run.

use std::borrow::Cow;

/// One attribute: its name as written (compare without regard to case) and its decoded value.
#[derive(Debug, Clone)]
pub struct Attr<'a> {
    /// The name, as in the source.
    pub name: &'a str,
    /// The value with character references decoded.
    pub value: Cow<'a, str>,
}

/// An element as it opens.
#[derive(Debug)]
pub struct Tag<'t, 'a> {
    /// The lower-case element name.
    pub name: &'t str,
    /// Its attributes.
    pub attrs: &'t [Attr<'a>],
}

impl Tag<'_, '_> {
    /// The value of attribute `name` (lower case), if present.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name)).map(|a| a.value.as_ref())
    }
}

/// What the tokenizer reports.
pub trait Sink {
    /// An element opened.
    fn open(&mut self, tag: &Tag<'_, '_>);
    /// The most recently opened element still open closed (`name` is its lower-case name).
    fn close(&mut self, name: &str);
    /// Text (references decoded; whitespace as in the source).
    fn text(&mut self, text: &str);
}

/// Elements that never have content.
/// HTML elements whose start tag inside `<svg>` or `<math>` ends that foreign content (the HTML
/// standard's list for "in foreign content"; `<font>` only with attributes, left out here).
fn breaks_out_of_foreign(name: &str) -> bool {
    matches!(
        name,
        "b" | "big"
            | "blockquote"
            | "body"
            | "br"
            | "center"
            | "code"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "em"
            | "embed"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "hr"
            | "i"
            | "img"
            | "li"
            | "listing"
            | "menu"
            | "meta"
            | "nobr"
            | "ol"
            | "p"
            | "pre"
            | "ruby"
            | "s"
            | "small"
            | "span"
            | "strong"
            | "strike"
            | "sub"
            | "sup"
            | "table"
            | "tt"
            | "u"
            | "ul"
            | "var"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "keygen"
            | "frame"
            | "basefont"
            | "bgsound"
    )
}

/// Elements whose content is text up to their end tag (`true`: references are decoded in it).
fn raw_text(name: &str) -> Option<bool> {
    match name {
        "script" | "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => Some(false),
        "textarea" | "title" => Some(true),
        _ => None,
    }
}

/// Elements whose start closes an open `<p>`.
pub(super) fn closes_p(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "details"
            | "div"
            | "dl"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "ul"
    )
}

/// Elements that stop the search for an element to close implicitly.
fn is_scope(name: &str) -> bool {
    matches!(
        name,
        "html"
            | "body"
            | "table"
            | "td"
            | "th"
            | "caption"
            | "button"
            | "marquee"
            | "object"
            | "template"
            | "svg"
            | "math"
    )
}

/// How far down the open elements an end tag looks for its element (a stray end tag deep in a
/// 10,000-level page must not cost 10,000 comparisons).
const MAX_CLOSE_SEARCH: usize = 256;

/// Tokenizes `html`, reporting to `sink`.
pub(crate) fn tokenize(html: &str, sink: &mut impl Sink) {
    let mut t = Tree { stack: Vec::new(), attrs: Vec::new(), foreign: 0 };
    t.run(html, sink);
}

struct Tree<'a> {
    /// Open elements; names borrow from the page unless it wrote them in capitals.
    stack: Vec<Cow<'a, str>>,
    attrs: Vec<Attr<'a>>,
    /// Open `<svg>` and `<math>` elements, where `<x/>` closes itself.
    foreign: usize,
}

impl<'a> Tree<'a> {
    fn run(&mut self, html: &'a str, sink: &mut impl Sink) {
        let b = html.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let Some(lt) = memchr::memchr(b'<', &b[i..]).map(|p| p + i) else {
                emit_text(&html[i..], true, sink);
                break;
            };
            if lt > i {
                emit_text(&html[i..lt], true, sink);
            }
            i = self.markup(html, lt, sink);
        }
        self.pop_to(0, sink);
    }

    /// Handles the markup at `lt` (a `<`); returns where text resumes.
    fn markup(&mut self, html: &'a str, lt: usize, sink: &mut impl Sink) -> usize {
        let b = html.as_bytes();
        match b.get(lt + 1) {
            Some(b'!') => {
                if b[lt..].starts_with(b"<!--") {
                    return memchr::memmem::find(&b[lt + 4..], b"-->").map_or(b.len(), |p| lt + 4 + p + 3);
                }
                skip_past(b, lt, b'>')
            }
            Some(b'?') => skip_past(b, lt, b'>'),
            Some(b'/') => match b.get(lt + 2) {
                Some(c) if c.is_ascii_alphabetic() => {
                    let name_end = tag_name_end(b, lt + 2);
                    let name = lower(&html[lt + 2..name_end]);
                    if name == "br" {
                        sink.open(&Tag { name: "br", attrs: &[] });
                        sink.close("br");
                    } else {
                        self.close_named(&name, sink);
                    }
                    skip_past(b, name_end, b'>')
                }
                Some(b'>') => lt + 3,
                Some(_) => skip_past(b, lt, b'>'),
                None => b.len(),
            },
            Some(c) if c.is_ascii_alphabetic() => self.start_tag(html, lt, sink),
            _ => {
                emit_text("<", false, sink);
                lt + 1
            }
        }
    }

    fn start_tag(&mut self, html: &'a str, lt: usize, sink: &mut impl Sink) -> usize {
        let b = html.as_bytes();
        let name_end = tag_name_end(b, lt + 1);
        let mut i = name_end;
        let name = lower(&html[lt + 1..name_end]);
        self.attrs.clear();
        let mut self_closing = false;
        // Attributes up to `>`.
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                self_closing = b[i] == b'/';
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            if b[i] == b'>' {
                i += 1;
                break;
            }
            self_closing = false;
            let start = i;
            while i < b.len() && !matches!(b[i], b'=' | b'>' | b'/') && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            // A name may start with `=` (`<p =x>`); take at least one byte so the loop moves.
            if i == start {
                i += 1;
            }
            let attr_name = &html[start..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value: &str = "";
            if b.get(i) == Some(&b'=') {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let end = memchr::memchr(q, &b[i + 1..]).map_or(b.len(), |p| i + 1 + p);
                        value = &html[i + 1..end];
                        i = (end + 1).min(b.len());
                    }
                    Some(_) => {
                        let start = i;
                        while i < b.len() && b[i] != b'>' && !b[i].is_ascii_whitespace() {
                            i += 1;
                        }
                        value = &html[start..i];
                    }
                    None => {}
                }
            }
            if self.attrs.len() < 64 && !attr_name.is_empty() {
                self.attrs.push(Attr { name: attr_name, value: decode_references(value, true) });
            }
        }
        if self.foreign > 0 && breaks_out_of_foreign(&name) {
            self.leave_foreign(sink);
        }
        self.implied_closes(&name, sink);
        sink.open(&Tag { name: &name, attrs: &self.attrs });
        // `<div/>` opens a div in HTML; only in SVG and MathML does the slash close the element.
        let foreign = matches!(&*name, "svg" | "math");
        if is_void(&name) || (self_closing && (self.foreign > 0 || foreign)) {
            sink.close(&name);
            return i;
        }
        // A `<noscript>` in the body holds what a reader without scripts sees (forums serve their
        // posts there); newsmill runs no script, so it reads that markup as such a browser does.
        // In `<head>` it holds styles and links: text to skip.
        let raw = raw_text(&name).filter(|_| &*name != "noscript" || self.stack.iter().any(|n| &**n == "head"));
        if let Some(decode) = raw {
            // Text up to `</name`, whatever it looks like. A `<title>` never closed ends at the
            // next tag, as lenient browsers had it (the standard would make the page its title).
            let (end, resume) = match find_end_tag(b, i, name.as_bytes()) {
                end if end < b.len() => (end, skip_past(b, end, b'>')),
                _ if &*name == "title" => {
                    let end = memchr::memchr2(b'<', b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                    (end, end)
                }
                _ => (b.len(), b.len()),
            };
            if end > i {
                emit_text(&html[i..end], decode, sink);
            }
            sink.close(&name);
            return resume;
        }
        self.foreign += usize::from(foreign);
        self.stack.push(name);
        i
    }

    /// The end tags the standard implies before `name` opens.
    fn implied_closes(&mut self, name: &str, sink: &mut impl Sink) {
        // Anything that does not belong in `<head>` ends it (many pages never write `</head>`).
        if !matches!(name, "title" | "meta" | "link" | "script" | "style" | "base" | "noscript" | "template" | "object")
            && let Some(at) = self.stack.iter().take(2).position(|n| &**n == "head")
        {
            self.pop_to(at, sink);
        }
        if closes_p(name) {
            self.close_within_scope(&["p"], &[], &[], sink);
        }
        // What to close, what stops the search, and what it may pass (a new row ends the open cell).
        let (targets, fences, through): (&[&str], &[&str], &[&str]) = match name {
            "li" => (&["li"], &["ul", "ol"], &[]),
            "dt" | "dd" => (&["dt", "dd"], &["dl"], &[]),
            "tr" => (&["tr"], &["tbody", "thead", "tfoot"], &["td", "th"]),
            "td" | "th" => (&["td", "th"], &["tr"], &[]),
            "option" => (&["option"], &["select", "datalist"], &[]),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                // Only a heading still open right on top (`<h1>a<h2>b`).
                if self.stack.last().is_some_and(|top| matches!(&**top, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")) {
                    self.pop_to(self.stack.len() - 1, sink);
                }
                return;
            }
            _ => return,
        };
        self.close_within_scope(targets, fences, through, sink);
    }

    /// Closes the open `<svg>` or `<math>` an HTML element has started in, and what is open inside
    /// it, as browsers do: an icon's `<svg>` left unclosed (`<svg ...></a>`) would otherwise hide
    /// the rest of the page. Inside an element that holds HTML (`<foreignObject>`, an SVG
    /// `<desc>` or `<title>`, MathML's `<annotation-xml>`) the element stays where it is.
    fn leave_foreign(&mut self, sink: &mut impl Sink) {
        for at in (0..self.stack.len()).rev().take(MAX_CLOSE_SEARCH) {
            match &*self.stack[at] {
                "foreignobject" | "desc" | "title" | "annotation-xml" => return,
                "svg" | "math" => {
                    self.pop_to(at, sink);
                    return;
                }
                _ => {}
            }
        }
    }

    /// Closes the nearest open element named in `targets`, unless a scope element (other than one
    /// in `through`) or one of `fences` comes first.
    fn close_within_scope(&mut self, targets: &[&str], fences: &[&str], through: &[&str], sink: &mut impl Sink) {
        for at in (0..self.stack.len()).rev().take(MAX_CLOSE_SEARCH) {
            let open = &*self.stack[at];
            if targets.contains(&open) {
                self.pop_to(at, sink);
                return;
            }
            if (is_scope(open) && !through.contains(&open)) || fences.contains(&open) {
                return;
            }
        }
    }

    fn close_named(&mut self, name: &str, sink: &mut impl Sink) {
        if matches!(name, "body" | "html") {
            // Browsers keep content after `</body>` in the body.
            return;
        }
        for at in (0..self.stack.len()).rev().take(MAX_CLOSE_SEARCH) {
            if &*self.stack[at] == name {
                self.pop_to(at, sink);
                return;
            }
            // An end tag passes an open `<svg>` or `<math>` as browsers let it (`<a><svg></a>`
            // closes both); the other scopes hold it.
            let open = &*self.stack[at];
            if is_scope(open)
                && !matches!(open, "svg" | "math")
                && !matches!(name, "table" | "svg" | "math" | "template")
            {
                return;
            }
        }
    }

    /// Closes every element from the top down to and including the one at `at`.
    fn pop_to(&mut self, at: usize, sink: &mut impl Sink) {
        while self.stack.len() > at {
            if let Some(name) = self.stack.pop() {
                self.foreign -= usize::from(matches!(&*name, "svg" | "math"));
                sink.close(&name);
            }
        }
    }
}

/// Hands text to the sink, references decoded where the element's content allows them.
fn emit_text(text: &str, decode: bool, sink: &mut impl Sink) {
    if decode && text.contains('&') {
        sink.text(&decode_references(text, false));
    } else {
        sink.text(text);
    }
}

/// Where a tag name starting at `i` ends (its attributes start there).
fn tag_name_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'/' && b[j] != b'>' {
        j += 1;
    }
    j
}

/// The name in lower case, borrowed when it already is (no allocation for most tags).
fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// One past the next `byte` at or after `from` (the end of input when there is none).
fn skip_past(b: &[u8], from: usize, byte: u8) -> usize {
    memchr::memchr(byte, &b[from.min(b.len())..]).map_or(b.len(), |p| from + p + 1)
}

/// Where `</name` (any case, followed by a delimiter) starts at or after `from`.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(p) = memchr::memmem::find(&b[i..], b"</") {
        let at = i + p;
        let after = at + 2 + name.len();
        if b.get(at + 2..after).is_some_and(|n| n.eq_ignore_ascii_case(name))
            && b.get(after).is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
        {
            return at;
        }
        i = at + 2;
    }
    b.len()
}

/// Decodes character references (`&amp;`, `&#8217;`, `&#x2019;`). In attribute values a legacy
/// reference without `;` followed by a letter, digit or `=` stays as written, as browsers do.
pub(crate) fn decode_references(s: &str, attribute: bool) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while let Some(p) = memchr::memchr(b'&', &b[i..]) {
        let amp = i + p;
        i = amp + 1;
        let Some((decoded, end)) = reference_at(s, amp, attribute) else { continue };
        out.push_str(&s[copied..amp]);
        out.push_str(decoded.as_str());
        copied = end;
        i = end;
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

/// Up to two characters a reference stands for.
struct Decoded {
    buf: [u8; 8],
    len: usize,
}

impl Decoded {
    fn new(chars: &[char]) -> Self {
        let mut d = Self { buf: [0; 8], len: 0 };
        for c in chars {
            d.len += c.encode_utf8(&mut d.buf[d.len..]).len();
        }
        d
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("\u{FFFD}")
    }
}

/// The reference starting at `amp`, and where it ends.
fn reference_at(s: &str, amp: usize, attribute: bool) -> Option<(Decoded, usize)> {
    let b = s.as_bytes();
    if b.get(amp + 1) == Some(&b'#') {
        let (hex, start) = match b.get(amp + 2) {
            Some(b'x' | b'X') => (true, amp + 3),
            _ => (false, amp + 2),
        };
        let mut j = start;
        let mut n: u32 = 0;
        while let Some(d) = b.get(j).and_then(|&c| (c as char).to_digit(if hex { 16 } else { 10 })) {
            n = n.saturating_mul(if hex { 16 } else { 10 }).saturating_add(d);
            j += 1;
        }
        if j == start {
            return None;
        }
        let end = if b.get(j) == Some(&b';') { j + 1 } else { j };
        return Some((Decoded::new(&[numeric_char(n)]), end));
    }
    // Named: the longest name in the table, with or without its `;`.
    let mut j = amp + 1;
    while j < b.len() && j - amp <= 32 && b[j].is_ascii_alphanumeric() {
        j += 1;
    }
    if j == amp + 1 {
        return None;
    }
    let table = &web_atoms::NAMED_ENTITIES;
    if b.get(j) == Some(&b';')
        && let Some(&(c1, c2)) = table.get(&s[amp + 1..=j])
        && c1 != 0
    {
        return Some((chars(c1, c2), j + 1));
    }
    // Legacy names without `;` (`&amp`, `&copy`), longest first.
    for k in (amp + 2..=j).rev() {
        if let Some(&(c1, c2)) = table.get(&s[amp + 1..k])
            && c1 != 0
        {
            let next = b.get(k).copied();
            if attribute && next.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'=') {
                return None;
            }
            return Some((chars(c1, c2), k));
        }
    }
    None
}

fn chars(c1: u32, c2: u32) -> Decoded {
    let first = char::from_u32(c1).unwrap_or('\u{FFFD}');
    match char::from_u32(c2).filter(|_| c2 != 0) {
        Some(second) => Decoded::new(&[first, second]),
        None => Decoded::new(&[first]),
    }
}

/// A numeric reference's character: Windows-1252 for 0x80..0x9F (as the standard says), U+FFFD
/// for zero, surrogates and values past Unicode.
fn numeric_char(n: u32) -> char {
    const CP1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let n = if (0x80..=0x9F).contains(&n) { CP1252[(n - 0x80) as usize] } else { n };
    if n == 0 { '\u{FFFD}' } else { char::from_u32(n).unwrap_or('\u{FFFD}') }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Records events as a compact string: `<p>`, `</p>`, text in quotes.
    #[derive(Default)]
    struct Log(String, usize, usize);

    impl Sink for Log {
        fn open(&mut self, tag: &Tag<'_, '_>) {
            self.1 += 1;
            self.0.push_str(&format!("<{}>", tag.name));
            if let Some(c) = tag.attr("class") {
                self.0.push_str(&format!("[{c}]"));
            }
        }
        fn close(&mut self, name: &str) {
            self.2 += 1;
            self.0.push_str(&format!("</{name}>"));
        }
        fn text(&mut self, text: &str) {
            self.0.push_str(&format!("{text:?}"));
        }
    }

    fn log(html: &str) -> String {
        let mut l = Log::default();
        tokenize(html, &mut l);
        assert_eq!(l.1, l.2, "every open is closed: {}", l.0);
        l.0
    }

    #[test]
    fn nesting_and_implied_ends() {
        assert_eq!(log("<P CLASS=a>x<p>y</P>"), r#"<p>[a]"x"</p><p>"y"</p>"#);
        assert_eq!(log("<ul><li>a<li>b</ul>"), r#"<ul><li>"a"</li><li>"b"</li></ul>"#);
        assert_eq!(
            log("<table><tr><td>1<td>2<tr><td>3</table>"),
            r#"<table><tr><td>"1"</td><td>"2"</td></tr><tr><td>"3"</td></tr></table>"#
        );
        assert_eq!(log("<div><p>a<div>b</div></div>"), r#"<div><p>"a"</p><div>"b"</div></div>"#);
        assert_eq!(log("<b>a</i>b</b>"), r#"<b>"a""b"</b>"#);
        assert_eq!(log("a<br>b</br>c"), r#""a"<br></br>"b"<br></br>"c""#);
        assert_eq!(log("<div><span>open"), r#"<div><span>"open"</span></div>"#);
        assert_eq!(log("</body>after"), r#""after""#);
        assert_eq!(log("<head><title>t</title><body>x"), r#"<head><title>"t"</title></head><body>"x"</body>"#);
        let icons = "<svg>".to_string() + &"<path d='x'/>".repeat(500) + "</svg><p>after</p>";
        assert!(log(&icons).ends_with(r#"</svg><p>"after"</p>"#));
    }

    #[test]
    fn html_ends_an_svg_left_open() {
        // An icon never closed inside a link: the link's end closes it, and the page goes on.
        assert_eq!(
            log("<a><svg width=18></a><h1>Title</h1><p>text</p>"),
            r#"<a><svg></svg></a><h1>"Title"</h1><p>"text"</p>"#
        );
        // An HTML element's start ends the foreign content it opens in, as in browsers.
        assert_eq!(
            log("<div><svg><g><path/><p>text</p></div>"),
            r#"<div><svg><g><path></path></g></svg><p>"text"</p></div>"#
        );
        assert_eq!(log("<math><mi>x<div>d</div>"), r#"<math><mi>"x"</mi></math><div>"d"</div>"#);
        // What SVG lets hold HTML keeps it, and SVG's own elements stay inside.
        assert_eq!(
            log("<svg><foreignObject><div>in</div></foreignObject><text>t</text></svg>after"),
            r#"<svg><foreignobject><div>"in"</div></foreignobject><text>"t"</text></svg>"after""#
        );
    }

    #[test]
    fn raw_text_comments_and_doctypes() {
        assert_eq!(
            log("<!DOCTYPE html><!-- <p>no</p> --><script>if (a<b) x='</p>'</script ><p>y"),
            r#"<script>"if (a<b) x='</p>'"</script><p>"y"</p>"#
        );
        assert_eq!(log("<title>A &amp; B</title>"), r#"<title>"A & B"</title>"#);
        assert_eq!(log("<style>p{}</STYLE>z"), r#"<style>"p{}"</style>"z""#);
        assert_eq!(log("<?xml version='1.0'?>a < b"), r#""a ""<"" b""#);
        assert_eq!(log("<script>never closed"), r#"<script>"never closed"</script>"#);
        assert_eq!(log("<!-- never closed"), "");
    }

    #[test]
    fn attributes() {
        let mut seen = Vec::new();
        struct A<'v>(&'v mut Vec<String>);
        impl Sink for A<'_> {
            fn open(&mut self, tag: &Tag<'_, '_>) {
                for a in tag.attrs {
                    self.0.push(format!("{}={}", a.name, a.value));
                }
            }
            fn close(&mut self, _: &str) {}
            fn text(&mut self, _: &str) {}
        }
        tokenize(
            r#"<a HREF="/x?a=1&amp;b=2" class='c d' data-x=plain hidden title="&notin; &notit">"#,
            &mut A(&mut seen),
        );
        assert_eq!(seen, ["HREF=/x?a=1&b=2", "class=c d", "data-x=plain", "hidden=", "title=∉ &notit"]);
    }

    #[test]
    fn references() {
        assert_eq!(decode_references("&lt;&#65;&#x42;&#150;&eacute&nbsp;&bogus; &", false), "<AB–é\u{a0}&bogus; &");
        assert_eq!(decode_references("&#0;&#xD800;&#99999999999;", false), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(decode_references("&NotEqualTilde;", false), "≂\u{338}");
    }

    #[test]
    fn deep_and_stray() {
        let deep = "<div>".repeat(10_000) + "x" + &"</div>".repeat(10_000);
        let mut l = Log::default();
        tokenize(&deep, &mut l);
        assert_eq!((l.1, l.2), (10_000, 10_000));
        let stray = "<div>".repeat(5_000) + &"</span>".repeat(5_000);
        let mut l = Log::default();
        tokenize(&stray, &mut l);
        assert_eq!(l.1, l.2);
    }

    proptest! {
        #[test]
        fn never_panics_and_always_balances(s in "(<[a-zA-Z/!?]{0,3}[ a-z=\"'&#;x0-9>-]{0,8}|[a-z &;#<>]{0,6}){0,40}") {
            let mut l = Log::default();
            tokenize(&s, &mut l);
            prop_assert_eq!(l.1, l.2);
        }

        #[test]
        fn arbitrary_unicode_never_panics(s in "\\PC{0,200}") {
            let mut l = Log::default();
            tokenize(&s, &mut l);
            prop_assert_eq!(l.1, l.2);
            let _ = decode_references(&s, true);
        }
    }
}
