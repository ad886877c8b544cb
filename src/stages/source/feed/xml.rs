//! A forgiving XML tokenizer for feeds. Real feeds are often not well-formed: a bare `&` in a
//! title, HTML entities XML does not define (`&nbsp;`), unescaped HTML inside `<description>`,
//! end tags that do not match, a file cut off mid-item. A strict parser stops at the first of
//! these and loses every item after it, so this one reads on, as feed readers do: text and
//! attribute values have character references decoded (XML's and HTML's), a `<` that starts no
//! tag is text, comments, processing instructions and doctypes are skipped, and whatever is
//! unterminated ends at the end of the input. Tags are reported as written; matching end tags to
//! start tags is the caller's (it knows which elements it is in).
//!
//! It works on text already decoded to UTF-8 (the source transcodes first) and borrows from it:
//! no copy of the feed is made, and every token carries its byte offset.

use std::borrow::Cow;

use crate::html::tokenizer::decode_references;

/// A start tag (or an empty-element tag).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Start<'a> {
    /// The qualified name as written (`content:encoded`).
    pub name: &'a str,
    /// Attributes: qualified name and decoded value.
    pub attrs: Vec<(&'a str, Cow<'a, str>)>,
    /// `<x/>`: no content and no end tag follow.
    pub empty: bool,
    /// Offset of the tag's `<`.
    pub at: usize,
    /// Offset just past the tag's `>`.
    pub end: usize,
}

impl Start<'_> {
    /// The value of the attribute with this qualified name, if present.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_ref())
    }
}

/// What the tokenizer reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token<'a> {
    /// An element starts.
    Start(Start<'a>),
    /// An end tag, with the offset of its `<`.
    End {
        /// The qualified name as written.
        name: &'a str,
        /// Offset of the tag's `<`.
        at: usize,
    },
    /// Character data with references decoded.
    Text(Cow<'a, str>),
    /// The content of a CDATA section, as written.
    CData(&'a str),
}

/// Splits a document into tokens.
#[derive(Debug, Clone)]
pub(crate) struct Tokenizer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    /// A tokenizer at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    /// The offset of the next token.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Moves past `needle` from `from`, or to the end when it does not occur.
    fn skip_past(&mut self, from: usize, needle: &str) {
        self.pos =
            self.src.get(from..).and_then(|r| r.find(needle)).map_or(self.src.len(), |i| from + i + needle.len());
    }

    /// A doctype, with the brackets of an internal subset.
    fn skip_declaration(&mut self, from: usize) {
        let b = self.src.as_bytes();
        let mut depth = 0usize;
        let mut i = from;
        while i < b.len() {
            match b[i] {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b'>' if depth == 0 => {
                    self.pos = i + 1;
                    return;
                }
                _ => {}
            }
            i += 1;
        }
        self.pos = b.len();
    }

    fn start_tag(&mut self, at: usize) -> Token<'a> {
        let b = self.src.as_bytes();
        let name_end = name_end(b, at + 1);
        let name = &self.src[at + 1..name_end];
        let mut attrs = Vec::new();
        let mut i = name_end;
        let mut empty = false;
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                None => break,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b'/') if b.get(i + 1) == Some(&b'>') => {
                    empty = true;
                    i += 2;
                    break;
                }
                Some(b'/') => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let a_start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
                i += 1;
            }
            let a_name = &self.src[a_start..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if b.get(i) != Some(&b'=') {
                if i == a_start {
                    // A stray `=`-less character that is none of the above: step over it.
                    i += 1;
                }
                attrs.push((a_name, Cow::Borrowed("")));
                continue;
            }
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let value = match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let v_start = i + 1;
                    let v_end = memchr::memchr(q, &b[v_start..]).map_or(b.len(), |n| v_start + n);
                    i = (v_end + 1).min(b.len());
                    &self.src[v_start..v_end]
                }
                _ => {
                    let v_start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    &self.src[v_start..i]
                }
            };
            attrs.push((a_name, decode_references(value, true)));
        }
        self.pos = i;
        Token::Start(Start { name, attrs, empty, at, end: i })
    }
}

/// Where a tag name starting at `from` ends.
fn name_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'/' | b'>') {
        i += 1;
    }
    i
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let src = self.src;
        let b = src.as_bytes();
        loop {
            let at = self.pos;
            if at >= b.len() {
                return None;
            }
            if b[at] != b'<' {
                let end = memchr::memchr(b'<', &b[at..]).map_or(b.len(), |n| at + n);
                self.pos = end;
                return Some(Token::Text(decode_references(&src[at..end], false)));
            }
            let rest = &b[at..];
            if rest.starts_with(b"<!--") {
                self.skip_past(at + 4, "-->");
                continue;
            }
            if rest.starts_with(b"<![CDATA[") {
                let start = at + 9;
                let end = src[start..].find("]]>").map_or(b.len(), |n| start + n);
                self.pos = (end + 3).min(b.len());
                return Some(Token::CData(&src[start..end]));
            }
            if rest.starts_with(b"<?") {
                self.skip_past(at + 2, "?>");
                continue;
            }
            if rest.starts_with(b"<!") {
                self.skip_declaration(at + 2);
                continue;
            }
            if rest.starts_with(b"</") {
                let name_end = name_end(b, at + 2);
                let name = &src[at + 2..name_end];
                self.pos = memchr::memchr(b'>', &b[name_end..]).map_or(b.len(), |n| name_end + n + 1);
                return Some(Token::End { name, at });
            }
            // `<` followed by a name start is a tag; anything else (`a < b`, `<3`) is text.
            let starts_name = src[at + 1..].chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
            if !starts_name {
                self.pos = at + 1;
                return Some(Token::Text(Cow::Borrowed("<")));
            }
            return Some(self.start_tag(at));
        }
    }
}

/// Splits a qualified name into prefix and local name.
pub(crate) fn split_name(qname: &str) -> (&str, &str) {
    match qname.split_once(':') {
        Some((p, l)) if !l.is_empty() => (p, l),
        _ => ("", qname),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<Token<'_>> {
        Tokenizer::new(s).collect()
    }

    #[test]
    fn tags_text_cdata_and_references() {
        let t = tokens(
            "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY x 'y'>]><!-- c --><rss a=\"1 &amp; 2\" b='x>y' c=z>T &amp; &nbsp;&#8217;<![CDATA[<p>raw & </p>]]><br/></rss>",
        );
        let Token::Start(rss) = &t[0] else { panic!("{t:?}") };
        assert_eq!(
            (rss.name, rss.attr("a"), rss.attr("b"), rss.attr("c")),
            ("rss", Some("1 & 2"), Some("x>y"), Some("z"))
        );
        assert_eq!(t[1], Token::Text(Cow::Owned("T & \u{a0}\u{2019}".into())));
        assert_eq!(t[2], Token::CData("<p>raw & </p>"));
        assert!(matches!(&t[3], Token::Start(s) if s.name == "br" && s.empty));
        assert!(matches!(&t[4], Token::End { name: "rss", .. }));
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn forgiving_of_broken_markup() {
        let t = tokens("<title>Q&A: a < b & c</title><desc>cut off");
        assert_eq!(
            t.iter()
                .filter_map(|t| match t {
                    Token::Text(s) => Some(s.as_ref()),
                    _ => None,
                })
                .collect::<String>(),
            "Q&A: a < b & ccut off"
        );
        assert!(matches!(tokens("<a href=\"x").as_slice(), [Token::Start(s)] if s.attr("href") == Some("x")));
        assert!(matches!(tokens("<![CDATA[never closed").as_slice(), [Token::CData("never closed")]));
        assert!(tokens("<!-- never closed").is_empty());
    }

    proptest::proptest! {
        /// Any text: tokens come out in order, never overlap, and the tokenizer always ends.
        #[test]
        fn any_text_tokenizes(s in "(<[a-z/!?\\[]{0,3}[ a-z:=\"'&#;x0-9>\\]-]{0,8}|[a-z &;#<>\\]]{0,6}){0,40}") {
            let mut t = Tokenizer::new(&s);
            let mut last = 0;
            let mut n = 0;
            while t.next().is_some() {
                proptest::prop_assert!(t.position() > last || t.position() == s.len());
                last = t.position();
                n += 1;
                proptest::prop_assert!(n <= s.len() + 1);
            }
        }
    }
}
