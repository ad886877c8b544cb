//! The interim HTML reader: a page's visible text in document order, one line per block, without
//! script, style or other invisible content. Real main-content extraction replaces this later; the
//! cleaner then treats the text like a page dump.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Elements whose content is never visible text.
const HIDDEN: &[&str] =
    &["script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "canvas", "select"];

/// Elements that start a new line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// The page's visible text, one line per block element. The parser never runs scripts, and the walk
/// is iterative, so arbitrarily deep nesting cannot overflow the stack.
pub fn visible_text(html: &str) -> String {
    let doc = Html::parse_document(html);
    let mut out = String::with_capacity(html.len() / 4);
    let mut hidden_depth = 0usize;
    // <title> sits in the hidden <head> but is the best headline a bare page has.
    let title = doc.root_element().descendants().find(|n| n.value().as_element().is_some_and(|e| e.name() == "title"));
    if let Some(title) = title {
        for text in title.descendants().filter_map(|d| d.value().as_text()) {
            push_text(&mut out, text);
        }
        newline(&mut out);
    }
    for edge in doc.root_element().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let name = e.name();
                    if HIDDEN.contains(&name) {
                        hidden_depth += 1;
                    } else if hidden_depth == 0 && BLOCKS.contains(&name) {
                        newline(&mut out);
                    }
                }
                Node::Text(t) if hidden_depth == 0 => push_text(&mut out, t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    let name = e.name();
                    if HIDDEN.contains(&name) {
                        hidden_depth = hidden_depth.saturating_sub(1);
                    } else if hidden_depth == 0 && BLOCKS.contains(&name) {
                        newline(&mut out);
                    }
                }
            }
        }
    }
    out.trim().to_string()
}

fn newline(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn push_text(out: &mut String, text: &str) {
    let space = |out: &mut String| {
        if !out.is_empty() && !out.ends_with([' ', '\n']) {
            out.push(' ');
        }
    };
    if text.starts_with(char::is_whitespace) {
        space(out);
    }
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            space(out);
        }
        out.push_str(word);
    }
    if text.ends_with(char::is_whitespace) {
        space(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_scripts_vanish() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <nav><a href=/>Home</a> <a href=/w>World</a></nav>\
            <h1>Big  news</h1><script>alert(1)</script><p>First <b>para</b>.</p><p>Second</p></body></html>";
        assert_eq!(visible_text(html), "T\nHome World\nBig news\nFirst para.\nSecond");
    }

    #[test]
    fn malformed_and_deep_html() {
        assert_eq!(visible_text("<p>unclosed <div>x"), "unclosed\nx");
        let deep = "<div>".repeat(10_000) + "deep" + &"</div>".repeat(10_000);
        assert_eq!(visible_text(&deep), "deep");
    }
}
