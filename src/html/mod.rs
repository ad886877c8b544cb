//! HTML pages as the cleaner sees them: the visible text cut into blocks (one per paragraph,
//! heading, list item, cell, caption), each with what the markup says about it (its tag, how much
//! of it is link text, whether it sits in `<nav>`, `<article>`, a `class="comments"` box, the
//! page's densest container of paragraphs), plus the page's metadata (`meta`).
//!
//! The walk is iterative (a 10,000-deep page cannot overflow the stack), scripts are never run, and
//! everything it keeps is bounded by [`Limits`].

use std::collections::HashMap;

use tokenizer::{Sink, Tag};

use crate::record::{InputMeta, PageSignals, class_kind};

use crate::text::normalize_line;

pub mod meta;
pub mod tokenizer;

/// Elements whose content is never visible text. (A `<button>`'s own label is interface and is
/// skipped too, but not as a whole: see [`Walk::buttons`].) (`<object>` is not one: with no plugin to run,
/// browsers show what it holds, and old pages put whole articles there; nor is `<noscript>`, for
/// the same reason: newsmill runs no script.)
fn is_hidden(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "title"
            | "style"
            | "template"
            | "head"
            | "svg"
            | "math"
            | "iframe"
            | "canvas"
            | "select"
            | "textarea"
            | "option"
            | "datalist"
            | "dialog"
    )
}

/// Elements that start a new block: those whose start ends a paragraph, plus list items, cells,
/// rows, captions and line breaks (a `match` compiles to a length switch: this runs per element).
fn is_block(name: &str) -> bool {
    (tokenizer::closes_p(name) && name != "menu")
        || matches!(
            name,
            "body"
                | "br"
                | "caption"
                | "dd"
                | "dt"
                | "html"
                | "legend"
                | "li"
                | "summary"
                | "tbody"
                | "td"
                | "tfoot"
                | "th"
                | "thead"
                | "tr"
        )
}

/// Class/id words that mark page furniture rather than the article.
const NEGATIVE_HINTS: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "share",
    "social",
    "related",
    "sidebar",
    "widget",
    "promo",
    "advert",
    "banner",
    "cookie",
    "subscribe",
    "newsletter",
    "breadcrumb",
    "recommend",
    "popular",
    "trending",
    "outbrain",
    "taboola",
    "masthead",
    "login",
    "signup",
    "modal",
    "popup",
    "teaser",
    "more-",
    "tags",
    "toolbar",
    "rail",
    "skip",
];

/// Class/id words that mark the article itself.
const POSITIVE_HINTS: &[&str] =
    &["article", "content", "story", "post", "entry", "body", "text", "main", "prose", "blog", "news"];

/// What a class/id word says about an element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hint {
    Negative,
    Positive,
    Byline,
    Caption,
    Credit,
    Deck,
    Hidden,
    /// Readers' comments (furniture too).
    Comments,
    /// A word every class that hides or shows an element by screen width holds: only then are
    /// the class lists read token by token ([`hiding_class`], [`mobile_only_class`]).
    Display,
    /// A word of a [`class_kind`] list: counted for the page-type model only.
    Kind(usize),
}

/// One automaton for every class/id word, matched without regard to case: elements are many, and
/// each used to be searched once per word.
static HINTS: std::sync::LazyLock<(aho_corasick::AhoCorasick, Vec<Hint>)> = std::sync::LazyLock::new(|| {
    let kinds: Vec<(&[&str], Hint)> =
        class_kind::WORDS.iter().enumerate().map(|(k, list)| (*list, Hint::Kind(k))).collect();
    let mut lists: Vec<(&[&str], Hint)> = vec![
        (NEGATIVE_HINTS, Hint::Negative),
        (&["comment", "disqus"][..], Hint::Comments),
        (POSITIVE_HINTS, Hint::Positive),
        (&["byline", "author"][..], Hint::Byline),
        (&["caption"][..], Hint::Caption),
        (&["credit", "copyright"][..], Hint::Credit),
        (&["deck", "standfirst", "subtitle", "subhead", "sub-title", "strapline", "dek"][..], Hint::Deck),
        // Shown only on hover or to screen readers (tooltips, people cards, "opens in a new
        // window"), or once to a new visitor: consent managers' banners and settings, whose
        // paragraphs about cookies read as prose to every model.
        (
            &[
                "tooltip",
                "popover",
                "hovercard",
                "sr-only",
                "visually-hidden",
                "visuallyhidden",
                "screen-reader",
                "offscreen",
                "consent",
                "gdpr",
                "onetrust",
                "cookiebot",
                "didomi",
                "usercentrics",
                "cookie-banner",
                "cookiebanner",
                "cookie-bar",
                "cookie-notice",
                "cookie-compliance",
                "cookielaw",
            ][..],
            Hint::Hidden,
        ),
        (&["hid", "none", "visible-", "show", "mobile"][..], Hint::Display),
    ];
    lists.extend(kinds);
    crate::text::labelled_words(&lists)
});

/// What kind of element a block's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockTag {
    /// `<p>`.
    Paragraph,
    /// `<h1>`..`<h6>` (the level).
    Heading(u8),
    /// `<li>`, `<dd>`, `<dt>`.
    ListItem,
    /// `<td>`, `<th>`, `<caption>`.
    Cell,
    /// `<blockquote>`.
    Quote,
    /// `<pre>`.
    Pre,
    /// `<figcaption>`.
    FigCaption,
    /// Any other element (`<div>`, `<section>`, text after a `<br>`).
    Other,
}

impl BlockTag {
    /// The element's name as `explain` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Paragraph => "p",
            Self::Heading(1) => "h1",
            Self::Heading(2) => "h2",
            Self::Heading(3) => "h3",
            Self::Heading(_) => "h4-6",
            Self::ListItem => "li",
            Self::Cell => "td",
            Self::Quote => "quote",
            Self::Pre => "pre",
            Self::FigCaption => "figcap",
            Self::Other => "div",
        }
    }

    fn of(name: &str) -> Self {
        match name {
            "p" => Self::Paragraph,
            "h1" => Self::Heading(1),
            "h2" => Self::Heading(2),
            "h3" => Self::Heading(3),
            "h4" => Self::Heading(4),
            "h5" => Self::Heading(5),
            "h6" => Self::Heading(6),
            "li" | "dd" | "dt" => Self::ListItem,
            "td" | "th" | "caption" => Self::Cell,
            "blockquote" => Self::Quote,
            "pre" => Self::Pre,
            "figcaption" => Self::FigCaption,
            _ => Self::Other,
        }
    }
}

/// Ancestor elements a block sits in (bit flags).
pub mod within {
    /// `<article>`.
    pub(crate) const ARTICLE: u16 = 1;
    /// `<main>` or `role="main"`.
    pub(crate) const MAIN: u16 = 1 << 1;
    /// `<nav>` or `role="navigation"`.
    pub(crate) const NAV: u16 = 1 << 2;
    /// `<aside>` or `role="complementary"`.
    pub(crate) const ASIDE: u16 = 1 << 3;
    /// `<footer>` or `role="contentinfo"`.
    pub(crate) const FOOTER: u16 = 1 << 4;
    /// `<header>` or `role="banner"`.
    pub(crate) const HEADER: u16 = 1 << 5;
    /// `<form>`.
    pub(crate) const FORM: u16 = 1 << 6;
    /// `<figure>`.
    pub(crate) const FIGURE: u16 = 1 << 7;
    /// A list (`<ul>`, `<ol>`, `<dl>`).
    pub(crate) const LIST: u16 = 1 << 8;
    /// A table.
    pub(crate) const TABLE: u16 = 1 << 9;
    /// `<blockquote>`.
    pub(crate) const QUOTE: u16 = 1 << 10;
    /// `<time>`.
    pub(crate) const TIME: u16 = 1 << 11;
    /// An element whose class or id names an author or byline.
    pub(crate) const BYLINE: u16 = 1 << 12;
    /// An element whose class or id names a caption.
    pub(crate) const CAPTION: u16 = 1 << 13;
    /// An element whose class or id names an image credit (its text becomes a block of its own).
    pub(crate) const CREDIT: u16 = 1 << 14;
    /// An element whose class or id names the deck (standfirst, subtitle).
    pub(crate) const DECK: u16 = 1 << 15;
}

/// One block of visible text and what the markup says about it.
#[derive(Debug, Clone)]
pub struct Block {
    /// Normalised text (one line).
    pub text: String,
    /// The innermost block element it came from.
    pub tag: BlockTag,
    /// [`within`] flags of its ancestors.
    pub within: u16,
    /// Characters of its text inside links.
    pub link_chars: u32,
    /// Characters of its text.
    pub chars: u32,
    /// Ancestors whose class or id reads as furniture ([`NEGATIVE_HINTS`]).
    pub negative: u16,
    /// Ancestors whose class or id reads as article ([`POSITIVE_HINTS`]).
    pub positive: u16,
    /// Ancestors whose class or id names readers' comments (also counted in `negative`).
    pub comments: u16,
    /// Element depth.
    pub depth: u16,
    /// Its parent container's paragraph score over the page's best container's (0..1).
    pub container_share: f32,
    /// An element at most three levels up has a byline/author class (a whole page or article
    /// wrapped in `class="author-..."` does not make every block in it a byline).
    pub byline_box: bool,
    /// Inside the page's best container of paragraphs.
    pub in_best: bool,
    /// Inside the best container's parent.
    pub near_best: bool,
    /// Position in document order (element counter when it was cut).
    order: u32,
    /// The element ids of its container and the container's parent, for scoring.
    containers: [u32; 2],
    /// Inside an element shown on narrow screens only.
    narrow: bool,
}

/// Bounds on what one page may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Blocks kept per page; the rest of a longer page is ignored.
    pub max_blocks: usize,
    /// Bytes of text kept per block.
    pub max_block_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_blocks: 20_000, max_block_bytes: 64 * 1024 }
    }
}

/// A parsed page: its blocks in document order and its metadata.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Visible text blocks.
    pub blocks: Vec<Block>,
    /// What the markup states about the page.
    pub meta: InputMeta,
    /// Images' descriptions (`alt`) of five words or more, lower-cased with single spaces: a block
    /// repeating one is the image's caption. At most [`MAX_ALTS`].
    pub image_alts: Vec<String>,
    /// What the markup says about the page as a whole.
    pub signals: PageSignals,
}

/// Most image descriptions kept per page.
pub(crate) const MAX_ALTS: usize = 256;

/// One open element on the walk's stack.
struct Frame {
    id: u32,
    block: bool,
    hidden: bool,
    /// Shown on narrow screens only ([`mobile_only_class`]).
    narrow: bool,
    adds: u16,
    negative: bool,
    positive: bool,
    comments: bool,
    /// Pushed onto [`Walk::buttons`] when opened.
    in_buttons: bool,
    tag: BlockTag,
    chars: u32,
    link_chars: u32,
}

/// Per container of paragraphs: score, extent in document order, text and link characters.
#[derive(Default, Clone, Copy)]
struct Container {
    score: f32,
    start: u32,
    end: u32,
    chars: u32,
    link_chars: u32,
}

/// The block being collected.
#[derive(Default)]
struct Pending {
    text: String,
    link_chars: u32,
}

/// Parses `html` into blocks and metadata.
pub fn parse(html: &str, limits: Limits) -> Page {
    let mut walk = Walk::new(limits);
    tokenizer::tokenize(html, &mut walk);
    walk.finish()
}

/// Whether an element is content a server streamed in hidden for a script to move into place
/// (React's `<div hidden id="S:0">` for a Suspense boundary): a browser shows it once the script
/// runs, and it is often the whole article.
fn is_streamed_content(e: &Tag<'_, '_>) -> bool {
    e.attr("id")
        .and_then(|id| id.strip_prefix("S:"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether an element holds the whole page or its article (`<html>`, `<body>`, `<main>`,
/// `<article>`): what marks such an element hidden says something about the page around it (a
/// plugin's page-wide class, a dialog that was open), not that a browser hides it.
fn holds_the_page(name: &str) -> bool {
    matches!(name, "html" | "body" | "main" | "article")
}

/// Whether an element is a panel a disclosure widget folds away (an accordion's section, a tab's
/// panel): a reader opens it with one click, and on shops' and services' pages it holds the
/// specifications, the FAQ, the description. Scripts mark the folded ones `aria-hidden`.
fn folded_panel(e: &Tag<'_, '_>, role: &str) -> bool {
    if role.eq_ignore_ascii_case("region") || role.eq_ignore_ascii_case("tabpanel") {
        return true;
    }
    if !role.is_empty() {
        return false;
    }
    [e.attr("class"), e.attr("id")].into_iter().flatten().any(|v| {
        ["accordion", "collaps", "tab-pane", "tabpanel", "tab-content"]
            .iter()
            .any(|k| v.as_bytes().windows(k.len()).any(|w| w.eq_ignore_ascii_case(k.as_bytes())))
    })
}

/// Whether a class list hides its element in every layout: a utility class whose stylesheet rule is
/// `display: none` (`hide`, `hidden`, `d-none`, `is-hidden`), with no class that shows it again at
/// some screen width (`hidden md:block`, `d-none d-lg-flex`, `hidden-xs`).
fn hiding_class(classes: &str) -> bool {
    let mut hides = false;
    for c in classes.split_ascii_whitespace() {
        let shown_somewhere = c.contains(':')
            || (c.starts_with("d-") && c != "d-none")
            || c.starts_with("hidden-")
            || c.starts_with("visible-");
        if shown_somewhere {
            return false;
        }
        hides |= matches!(c, "hide" | "hidden" | "d-none" | "is-hidden");
    }
    hides
}

/// Whether a class list shows its element on narrow screens only: hidden from a tablet's or a
/// laptop's width up (`md:hidden`, `d-lg-none`, `visible-xs`, `hidden-up-md`,
/// `elementor-hidden-desktop`, `mobile-only`), with no class that shows it again on wider screens
/// (`lg:hidden xl:block`). Shops and landing pages print their description once for each layout,
/// and themes add a phone's menus and buttons; a reader on a computer sees the wide layout.
fn mobile_only_class(classes: &str) -> bool {
    const NARROW: [&str; 3] = ["sm", "md", "lg"];
    const WIDE: [&str; 5] = ["md", "lg", "xl", "xxl", "2xl"];
    const NAMED: [&str; 16] = [
        "hidden-up-md",
        "hidden-up-lg",
        "hidden-lg",
        "elementor-hidden-desktop",
        "is-hidden-desktop",
        "hide-for-large",
        "show-for-small-only",
        "mobile-only",
        "only-mobile",
        "hide-desktop",
        "hide-on-desktop",
        "hidden-desktop",
        "desktop-hidden",
        "showonmobile",
        "show-on-mobile",
        "visible-mobile",
    ];
    let mut narrow = false;
    for c in classes.split_ascii_whitespace() {
        if let Some((width, display)) = c.split_once(':') {
            // Tailwind: `md:hidden`, shown again by `xl:block`.
            if display == "hidden" && NARROW.contains(&width) {
                narrow = true;
            } else if display != "hidden" && WIDE.contains(&width) {
                return false;
            }
        } else if let Some(rest) = c.strip_prefix("d-") {
            // Bootstrap 4 and 5: `d-lg-none`, shown again by `d-xl-block`.
            match rest.split_once('-') {
                Some((width, "none")) if NARROW.contains(&width) => narrow = true,
                Some((width, _)) if WIDE.contains(&width) => return false,
                _ => {}
            }
        } else if c.starts_with("visible-") {
            // Bootstrap 3: `visible-xs`, `visible-sm-block`; `visible-md` shows it on computers.
            if c.starts_with("visible-xs") || c.starts_with("visible-sm") {
                narrow = true;
            } else {
                return false;
            }
        } else if NAMED.iter().any(|k| c.eq_ignore_ascii_case(k)) {
            narrow = true;
        }
    }
    narrow
}

/// Whether an inline style hides its element (`display: none`, `visibility:hidden !important`),
/// read declaration by declaration without copying the attribute.
fn hides(style: &str) -> bool {
    style.split(';').filter_map(|d| d.split_once(':')).any(|(property, value)| {
        let value = value.trim();
        let value = value.strip_suffix("!important").unwrap_or(value).trim();
        match property.trim() {
            p if p.eq_ignore_ascii_case("display") => value.eq_ignore_ascii_case("none"),
            p if p.eq_ignore_ascii_case("visibility") => value.eq_ignore_ascii_case("hidden"),
            _ => false,
        }
    })
}

struct Walk {
    limits: Limits,
    stack: Vec<Frame>,
    counts: [u16; 16],
    hidden: usize,
    /// Open elements shown on narrow screens only: their text is not the page a computer shows,
    /// but a byline may be printed there alone.
    narrow: usize,
    negative: u16,
    positive: u16,
    comments: u16,
    in_link: usize,
    image_alts: Vec<String>,
    next_id: u32,
    pending: Pending,
    blocks: Vec<Block>,
    containers: HashMap<u32, Container>,
    /// Open table rows: the first block cut inside, and whether a cell holds more than text.
    rows: Vec<(usize, bool)>,
    meta: meta::Collector,
    /// Text was left out at a limit (a block's bytes, the page's blocks).
    truncated: bool,
    signals: PageSignals,
    /// The open `<button>`s (`true`) and the block elements open inside one (`false`), innermost
    /// last. A button's label is interface, but a block inside it is shown: a tag left unclosed
    /// before its `>` (`<button class="nav "\nShop </button>`) leaves the button open over the rest
    /// of the page, and browsers show all of it.
    buttons: Vec<bool>,
}

impl Walk {
    fn new(limits: Limits) -> Self {
        Self {
            limits,
            stack: Vec::new(),
            counts: [0; 16],
            hidden: 0,
            narrow: 0,
            negative: 0,
            positive: 0,
            comments: 0,
            in_link: 0,
            image_alts: Vec::new(),
            next_id: 0,
            pending: Pending::default(),
            blocks: Vec::new(),
            containers: HashMap::new(),
            rows: Vec::new(),
            meta: meta::Collector::default(),
            truncated: false,
            signals: PageSignals::default(),
            buttons: Vec::new(),
        }
    }

    fn flags(&self) -> u16 {
        let mut f = 0;
        for (bit, n) in self.counts.iter().enumerate() {
            if *n > 0 {
                f |= 1 << bit;
            }
        }
        f
    }
}

impl Sink for Walk {
    fn open(&mut self, e: &Tag<'_, '_>) {
        let name = e.name;
        self.meta.open(e);
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        // A folded panel is shown with a click, however it is folded. `aria-hidden` hides from
        // screen readers only: on the page's `<main>` or `<article>` it is a dialog's doing (a
        // consent banner open when the page was saved), and a browser shows them.
        let aria_hidden =
            e.attr("aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true")) && !holds_the_page(name);
        // A dialog (a drawer menu, a sign-up or consent popup, a policy shown over the page) is
        // not the page, whether or not it was open when the page was saved.
        let role = e.attr("role").unwrap_or_default();
        let dialog = name == "dialog"
            || role.eq_ignore_ascii_case("dialog")
            || role.eq_ignore_ascii_case("alertdialog")
            || e.attr("aria-modal").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let hidden = is_hidden(name)
            || dialog
            || (((e.attr("hidden").is_some() && !is_streamed_content(e))
                || aria_hidden
                || e.attr("style").is_some_and(hides))
                && !folded_panel(e, role));
        if name == "img"
            && !hidden
            && !self.concealed()
            && self.narrow == 0
            && self.image_alts.len() < MAX_ALTS
            && let Some(alt) = e.attr("alt").filter(|a| a.split_whitespace().nth(4).is_some())
        {
            self.image_alts.push(caption_key(alt));
        }
        let mut adds = match name {
            "article" => within::ARTICLE,
            "main" => within::MAIN,
            "nav" => within::NAV,
            "aside" => within::ASIDE,
            "footer" => within::FOOTER,
            "header" => within::HEADER,
            "form" => within::FORM,
            "figure" => within::FIGURE,
            "ul" | "ol" | "dl" => within::LIST,
            "table" => within::TABLE,
            "blockquote" => within::QUOTE,
            "time" => within::TIME,
            _ => 0,
        };
        adds |= match role {
            "main" => within::MAIN,
            "navigation" | "menu" | "menubar" => within::NAV,
            "complementary" => within::ASIDE,
            "contentinfo" => within::FOOTER,
            "banner" => within::HEADER,
            _ => 0,
        };
        let (mut negative, mut positive, mut hidden_class, mut comments) = (false, false, false, false);
        let mut display = false;
        let (automaton, hints) = &*HINTS;
        let mut kinds = 0u32;
        for v in [e.attr("class"), e.attr("id")].into_iter().flatten() {
            // Overlapping matches: "related-content" is furniture although it says "content".
            for m in automaton.find_overlapping_iter(v) {
                match hints[m.pattern().as_usize()] {
                    Hint::Negative => negative = true,
                    Hint::Positive => positive = true,
                    Hint::Byline => adds |= within::BYLINE,
                    Hint::Caption => adds |= within::CAPTION,
                    Hint::Credit => adds |= within::CREDIT,
                    Hint::Deck => adds |= within::DECK,
                    Hint::Hidden => hidden_class = true,
                    Hint::Display => display = true,
                    Hint::Comments => (negative, comments) = (true, true),
                    Hint::Kind(k) => kinds |= 1 << k,
                }
            }
        }
        // A comment's own author box (`comment-author`, a comment form's `comment-form-author`)
        // names a reader, not the article's author.
        if comments {
            adds &= !within::BYLINE;
        }
        self.count(name, kinds);
        positive &= !negative;
        // A page-wide class ("wvs-tooltip" on `<body>`, set by a shop plugin) says nothing about
        // whether the page is shown.
        let class = e.attr("class").filter(|_| display);
        let hidden = hidden || ((hidden_class || class.is_some_and(hiding_class)) && !holds_the_page(name));
        let narrow = !holds_the_page(name) && class.is_some_and(mobile_only_class);
        let block = is_block(name) || adds & within::CREDIT != 0;
        if block && !self.concealed() {
            self.flush();
        }
        if name == "tr" {
            self.rows.push((self.blocks.len(), false));
        } else if block
            && !matches!(name, "td" | "th")
            && let Some(row) = self.rows.last_mut()
        {
            row.1 = true;
        }
        for bit in 0..16 {
            if adds & (1 << bit) != 0 {
                self.counts[bit] += 1;
            }
        }
        self.negative += u16::from(negative);
        self.positive += u16::from(positive);
        self.comments += u16::from(comments);
        self.hidden += usize::from(hidden);
        self.narrow += usize::from(narrow);
        let in_buttons = name == "button" || (block && !self.buttons.is_empty());
        if in_buttons {
            self.buttons.push(name == "button");
        }
        if name == "a" {
            self.in_link += 1;
        }
        let tag = if block { BlockTag::of(name) } else { BlockTag::Other };
        self.stack.push(Frame {
            id,
            block,
            hidden,
            narrow,
            adds,
            negative,
            positive,
            comments,
            in_buttons,
            tag,
            chars: 0,
            link_chars: 0,
        });
    }

    fn close(&mut self, name: &str) {
        self.meta.close(name);
        // The block is cut while its element is still on the stack, so it knows its own tag.
        if self.stack.last().is_some_and(|f| f.block) && !self.concealed() {
            self.flush();
        }
        let Some(frame) = self.stack.pop() else { return };
        if name == "tr"
            && let Some((first, complex)) = self.rows.pop()
            && !complex
        {
            self.merge_row(first);
        }
        for bit in 0..16 {
            if frame.adds & (1 << bit) != 0 {
                self.counts[bit] = self.counts[bit].saturating_sub(1);
            }
        }
        self.negative -= u16::from(frame.negative);
        self.positive -= u16::from(frame.positive);
        self.comments -= u16::from(frame.comments);
        self.hidden -= usize::from(frame.hidden);
        self.narrow -= usize::from(frame.narrow);
        if frame.in_buttons {
            self.buttons.pop();
        }
        if name == "a" {
            self.in_link = self.in_link.saturating_sub(1);
        }
        if let Some(c) = self.containers.get_mut(&frame.id) {
            c.start = frame.id;
            c.end = self.next_id;
            c.chars = frame.chars;
            c.link_chars = frame.link_chars;
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.chars += frame.chars;
            parent.link_chars += frame.link_chars;
        }
    }

    fn text(&mut self, t: &str) {
        self.meta.text(t);
        if self.concealed() {
            return;
        }
        if self.blocks.len() >= self.limits.max_blocks || self.pending.text.len() >= self.limits.max_block_bytes {
            self.truncated |= !t.trim().is_empty();
            return;
        }
        let p = &mut self.pending;
        let before = p.text.len();
        if t.starts_with(char::is_whitespace) && !p.text.is_empty() && !p.text.ends_with(' ') {
            p.text.push(' ');
        }
        for (i, word) in t.split_whitespace().enumerate() {
            if i > 0 {
                p.text.push(' ');
            }
            p.text.push_str(word);
        }
        if t.ends_with(char::is_whitespace) && !p.text.is_empty() && !p.text.ends_with(' ') {
            p.text.push(' ');
        }
        let added = p.text[before..].chars().count() as u32;
        if self.in_link > 0 {
            p.link_chars += added;
        }
        if let Some(top) = self.stack.last_mut() {
            top.chars += added;
            if self.in_link > 0 {
                top.link_chars += added;
            }
        }
    }
}

impl Walk {
    /// Whether text here is not shown: inside a hidden element, or a button's own label.
    fn concealed(&self) -> bool {
        self.hidden > 0 || self.buttons.last() == Some(&true)
    }

    /// Counts an opened element for [`PageSignals`] (`kinds`: its class words' [`class_kind`] bits).
    fn count(&mut self, name: &str, kinds: u32) {
        let s = &mut self.signals;
        s.elements += 1;
        match name {
            "a" => s.links += 1,
            "article" => s.articles += 1,
            "time" => s.times += 1,
            "input" | "select" | "textarea" | "button" => s.controls += 1,
            "img" => s.images += 1,
            "pre" | "code" => s.code += 1,
            _ => {}
        }
        if kinds != 0 {
            for (k, n) in s.class_kinds.iter_mut().enumerate() {
                *n += (kinds >> k) & 1;
            }
        }
    }

    /// Cuts the pending text into a block, and scores its containers the way readability does:
    /// paragraphs with commas and length make their parent (and, half as much, grandparent) a
    /// likely home of the article.
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if self.blocks.len() >= self.limits.max_blocks {
            return;
        }
        let cut = crate::text::cut_at_word(&pending.text, self.limits.max_block_bytes);
        self.truncated |= cut.len() < pending.text.trim_end().len();
        let text = normalize_line(cut);
        if text.is_empty() {
            return;
        }
        let chars = text.chars().count() as u32;
        // The innermost block element, and the two elements around it.
        let at = self.stack.iter().rposition(|f| f.block).unwrap_or(0);
        let tag = self.stack.get(at).map_or(BlockTag::Other, |f| f.tag);
        let container = at.checked_sub(1).and_then(|i| self.stack.get(i)).map_or(u32::MAX, |f| f.id);
        let grand = at.checked_sub(2).and_then(|i| self.stack.get(i)).map_or(u32::MAX, |f| f.id);
        let link_chars = pending.link_chars.min(chars);
        if matches!(tag, BlockTag::Paragraph | BlockTag::Pre | BlockTag::Cell | BlockTag::Quote | BlockTag::Other)
            && chars >= 25
            && self.narrow == 0
            && link_chars * 2 < chars
        {
            let commas = text.matches([',', '，', '、']).count() as f32;
            let score = 1.0 + commas + (chars as f32 / 100.0).min(3.0);
            if container != u32::MAX {
                self.containers.entry(container).or_default().score += score;
            }
            if grand != u32::MAX {
                self.containers.entry(grand).or_default().score += score / 2.0;
            }
        }
        self.blocks.push(Block {
            text,
            tag,
            within: self.flags(),
            link_chars,
            chars,
            negative: self.negative,
            positive: self.positive,
            comments: self.comments,
            depth: self.stack.len().min(u16::MAX as usize) as u16,
            container_share: 0.0,
            byline_box: self.stack.iter().rev().take(3).any(|f| f.adds & within::BYLINE != 0),
            in_best: false,
            near_best: false,
            order: self.next_id,
            containers: [container, grand],
            narrow: self.narrow > 0,
        });
    }

    /// A table row whose cells hold only text is one line of data ("1 Kyle Busch 5040"), as a
    /// browser shows it; cells holding paragraphs or lists (a layout table) stay blocks of their own.
    fn merge_row(&mut self, first: usize) {
        if self.blocks.len() < first + 2 {
            return;
        }
        let mut cells = self.blocks.drain(first..);
        let Some(mut row) = cells.next() else { return };
        let max = self.limits.max_block_bytes;
        for cell in cells {
            row.order = cell.order;
            // A row is one block, so it obeys the block size limit too.
            let room = max.saturating_sub(row.text.len() + 1);
            if room == 0 {
                continue;
            }
            let text = crate::record::truncate_str(&cell.text, room);
            row.text.push(' ');
            row.text.push_str(text);
            row.chars += text.chars().count() as u32 + 1;
            row.link_chars += cell.link_chars;
        }
        row.link_chars = row.link_chars.min(row.chars);
        row.tag = BlockTag::Cell;
        self.blocks.push(row);
    }

    fn finish(mut self) -> Page {
        self.flush();
        // A narrow screen's layout repeats the wide one's text or adds a phone's menus; its
        // author box is sometimes the only one.
        self.blocks.retain(|b| !b.narrow || b.byline_box);
        // The best container: highest score, discounted by its share of link text.
        let adjusted = |c: &Container| {
            let density = if c.chars > 0 { c.link_chars as f32 / c.chars as f32 } else { 0.0 };
            c.score * (1.0 - density)
        };
        let best = self
            .containers
            .iter()
            .max_by(|a, b| adjusted(a.1).total_cmp(&adjusted(b.1)).then(b.0.cmp(a.0)))
            .map(|(id, c)| (*id, *c));
        if let Some((_, best)) = best {
            let top = adjusted(&best).max(1e-6);
            // The best container's parent: the smallest scored container that encloses it, if any.
            let parent = self
                .containers
                .values()
                .filter(|c| c.start < best.start && c.end >= best.end && c.end > 0)
                .min_by_key(|c| c.end - c.start)
                .copied();
            for b in &mut self.blocks {
                b.in_best = b.order > best.start && b.order <= best.end;
                b.near_best = parent.is_some_and(|p| b.order > p.start && b.order <= p.end);
                let own =
                    b.containers.iter().filter_map(|id| self.containers.get(id)).map(adjusted).fold(0.0, f32::max);
                b.container_share = (own / top).min(1.0);
            }
        }
        let (mut meta, schema, og_type) = self.meta.finish();
        meta.truncated = self.truncated;
        let signals = PageSignals { schema, og_type, ..self.signals };
        Page { blocks: self.blocks, meta, image_alts: self.image_alts, signals }
    }
}

/// A caption or image description as compared: lower case, single spaces, at most 1,000 bytes.
pub(crate) fn caption_key(text: &str) -> String {
    let mut out = String::new();
    for w in text.split_whitespace() {
        if out.len() >= 1000 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        crate::text::push_lowercase(&mut out, w);
    }
    out
}

impl Block {
    /// Share of its characters inside links.
    pub(crate) fn link_density(&self) -> f32 {
        if self.chars == 0 { 0.0 } else { self.link_chars as f32 / self.chars as f32 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(page: &Page) -> Vec<&str> {
        page.blocks.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn blocks_carry_their_markup() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
            <nav class=menu><a href=/>Home</a> <a href=/w>World</a></nav>\
            <article><h1>Big  news</h1><script>alert(1)</script>\
            <div class=story-body><p>First, <b>para</b>, with a long enough sentence to count.</p>\
            <p>Second paragraph, also long enough to be scored as one.</p></div>\
            <figure><img src=x><figcaption>A cat. Photo: Jo</figcaption></figure></article>\
            <div class=comments><p>Nice!</p></div><p hidden>secret</p></body></html>";
        let page = parse(html, Limits::default());
        assert_eq!(
            texts(&page),
            [
                "Home World",
                "Big news",
                "First, para, with a long enough sentence to count.",
                "Second paragraph, also long enough to be scored as one.",
                "A cat. Photo: Jo",
                "Nice!"
            ]
        );
        let b = &page.blocks;
        assert!(b[0].within & within::NAV != 0 && b[0].link_density() >= 0.9 && b[0].negative == 1);
        assert_eq!(b[1].tag, BlockTag::Heading(1));
        assert!(b[2].in_best && b[3].in_best && !b[1].in_best && b[1].near_best && !b[5].in_best);
        assert!(b[2].positive == 1 && b[2].within & within::ARTICLE != 0 && b[2].container_share == 1.0);
        assert_eq!(b[4].tag, BlockTag::FigCaption);
        assert!(b[5].negative == 1);
    }

    #[test]
    fn an_unclosed_title_ends_at_the_next_tag() {
        let page = parse(
            "<html><head><title>Big news<script>x()</script></head><body><p>Body text.</p></body>",
            Limits::default(),
        );
        assert_eq!(texts(&page), ["Body text."]);
        assert_eq!(page.meta.title.as_deref(), Some("Big news"));
        let odd = parse("<title id=t>News</titlevalue=\"true\" --><p>Body.</p>", Limits::default());
        assert_eq!(texts(&odd), ["Body."]);
    }

    #[test]
    fn data_rows_are_lines_and_layout_cells_are_blocks() {
        let html = "<table><tr><th>Pos</th><th>Driver</th></tr><tr><td>1</td><td>Kyle Busch</td></tr>\
            <tr><td><p>Layout column one.</p></td><td><ul><li>Menu</li></ul></td></tr></table>";
        assert_eq!(
            texts(&parse(html, Limits::default())),
            ["Pos Driver", "1 Kyle Busch", "Layout column one.", "Menu"]
        );
    }

    #[test]
    fn noscript_in_the_body_is_read_as_markup_and_in_the_head_skipped() {
        let html = "<html><head><noscript><style>p{}</style><p>head fallback</p></noscript></head><body>\
            <noscript><div class=post><p>The thread's first post.</p></div></noscript><p>After.</p></body>";
        let page = parse(html, Limits::default());
        assert_eq!(texts(&page), ["The thread's first post.", "After."]);
        assert_eq!(page.blocks[0].tag, BlockTag::Paragraph);
    }

    #[test]
    fn page_signals_from_structured_data_elements_and_class_names() {
        let html = r#"<html><head><meta property="og:type" content="Product">
            <script type="application/ld+json">{"@graph":[{"@type":"WebPage"},
              {"@type":["Product"],"offers":{"@type":"Offer"},"review":[{"@type":"Review"}]}]}</script></head>
            <body><div itemscope itemtype="https://schema.org/BreadcrumbList"><a href=/>Home</a></div>
            <div class="product-info"><span class="price">$24</span><form><input name=qty>
            <button class="add-to-cart">Add</button></form></div><pre><code>x</code></pre>
            <article><time datetime=2025-01-01>Jan 1</time></article></body></html>"#;
        let s = parse(html, Limits::default()).signals;
        assert_eq!(
            s.schema,
            crate::record::schema::PRODUCT
                | crate::record::schema::REVIEW
                | crate::record::schema::WEBPAGE
                | crate::record::schema::BREADCRUMB
        );
        assert_eq!(s.og_type.as_deref(), Some("product"));
        assert_eq!((s.links, s.controls, s.code, s.articles, s.times), (1, 2, 2, 1, 1));
        assert_eq!(s.class_kinds[class_kind::PRODUCT], 1);
        // `price` and `add-to-cart` (cart).
        assert_eq!(s.class_kinds[class_kind::SHOP], 2);
    }

    #[test]
    fn what_browsers_show_although_the_markup_seems_to_hide_it() {
        // A shop plugin's page-wide class, React's streamed Suspense content, and a button whose
        // start tag never closed before its label (so it stays open over the rest of the page).
        let html = "<html><body class='woo wvs-tooltip'><div hidden id='S:0'><p>Streamed article text.</p></div>\
            <div hidden id='modal'><p>Really hidden.</p></div>\
            <button class=\"nav \"\n\nShop </button><div><p>After a broken button tag.</p></div></body></html>";
        assert_eq!(texts(&parse(html, Limits::default())), ["Streamed article text.", "After a broken button tag."]);
        let html = "<p>Press <button>Go</button> to start.</p><button><div>Menu</div><span>Label</span></button>";
        assert_eq!(texts(&parse(html, Limits::default())), ["Press to start.", "Menu"]);
    }

    #[test]
    fn folded_panels_are_shown_and_folded_menus_and_dialogs_are_not() {
        // Accordions and tabs fold their panels with `aria-hidden`, `hidden` or an inline style;
        // menus and dialogs use the same markup and stay out.
        let html = "<div class=accordion><h3>Specifications</h3>\
            <div role=region aria-labelledby=b1 aria-hidden=true><p>Seat height: 20 inches.</p></div>\
            <div class='accordion__content' hidden><p>Frame: oak.</p></div>\
            <div id=tab-pane-2 style='display:none'><p>Care: wipe clean.</p></div></div>\
            <div class=menu aria-hidden=true><a href=/>Home</a></div>\
            <div class='modal collapse-free' role=dialog aria-hidden=true><p>Sign up for our emails.</p></div>\
            <div aria-hidden=true><p>Carousel clone.</p></div>\
            <div class=drawer role=dialog><a href=/shop>Shop all</a></div><dialog open><p>Join our list.</p></dialog>\
            <div aria-modal=true><p>Our privacy policy, shown over the page.</p></div>";
        assert_eq!(
            texts(&parse(html, Limits::default())),
            ["Specifications", "Seat height: 20 inches.", "Frame: oak.", "Care: wipe clean."]
        );
    }

    #[test]
    fn consent_banners_are_hidden() {
        // What a consent manager shows a first-time visitor is not the page, however it words it;
        // while it is open, the page's `<main>` is hidden from screen readers, not from the eye.
        let html = "<div id=onetrust-consent-sdk><div role=dialog><p>We and our partners store and access \
            information on a device, such as cookies, to personalise ads and measure how the site is used.</p>\
            </div></div><section class='page-notice gdpr-banner' role=region><p>We use cookies and other \
            technologies that are essential to provide you our services.</p></section>\
            <div class=cookie-consent__message>By using this website you agree to our Privacy Policy.</div>\
            <main role=presentation aria-hidden=true><article><p>The bakery on Mill Street sold its last loaf \
            on Saturday after forty years.</p></article></main>";
        assert_eq!(
            texts(&parse(html, Limits::default())),
            ["The bakery on Mill Street sold its last loaf on Saturday after forty years."]
        );
    }

    #[test]
    fn inline_styles_that_hide() {
        for style in ["display:none", "DISPLAY : None ;color:red", "color:red; visibility: hidden !important"] {
            assert!(hides(style), "{style}");
        }
        for style in ["display:block", "color:none", "visibility:visible", "font-family: none-such"] {
            assert!(!hides(style), "{style}");
        }
    }

    #[test]
    fn utility_classes_that_hide_in_every_layout() {
        for hidden in ["hide", "hidden", "post d-none", "is-hidden card"] {
            assert!(hiding_class(hidden), "{hidden}");
        }
        // Shown at some width, or not a display rule at all.
        for shown in [
            "hidden md:block",
            "d-none d-lg-flex",
            "hidden-xs",
            "overflow-hidden",
            "hide-on-print",
            "hidden visible-lg",
        ] {
            assert!(!hiding_class(shown), "{shown}");
        }
        let html = "<html><body><article><h1>Tram line approved</h1><p>The council approved the tram line on Monday evening.</p>\
            <div class=\"related\"><div class=\"hide\"><p>The full text of another story, kept for a reading-time counter.</p></div></div>\
            <p class=\"hidden md:block\">Shown on wide screens.</p></article></body></html>";
        let text: Vec<String> = parse(html, Limits::default()).blocks.into_iter().map(|b| b.text).collect();
        assert!(!text.iter().any(|t| t.contains("another story")), "{text:?}");
        assert!(text.iter().any(|t| t == "Shown on wide screens."), "{text:?}");
    }

    #[test]
    fn a_narrow_screens_copy_is_not_the_page() {
        for narrow in [
            "flex md:hidden",
            "d-lg-none",
            "visible-xs-block",
            "product-description hidden-up-md",
            "elementor-hidden-desktop",
            "Mobile-Only",
        ] {
            assert!(mobile_only_class(narrow), "{narrow}");
        }
        // Shown on a computer: on wide screens only, again from a wider width, or not a display rule.
        for wide in [
            "hidden md:block",
            "lg:hidden xl:block",
            "d-none d-lg-flex",
            "d-md-none d-xl-block",
            "visible-xs visible-md",
            "hidden-down-md",
            "md:flex-row",
            "mobile-menu",
            "hide-mobile",
        ] {
            assert!(!mobile_only_class(wide), "{wide}");
        }
        let html = "<html><body class=\"mobile-only\"><article><h1>A speckled mug</h1>\
            <div class=\"hidden-down-md\"><p>A wheel-thrown mug with a matte speckled glaze, made by hand.</p></div>\
            <div class=\"hidden-up-md\"><p>A wheel-thrown mug with a matte speckled glaze, made by hand.</p>\
            <div class=\"author-box\"><p>Jane Potter</p></div></div>\
            <p class=\"md:hidden\">Tap to see the sizes.</p></article></body></html>";
        let page = parse(html, Limits::default());
        // The page-wide class on `<body>` hides nothing; the phone's copy and its button go, its
        // author box stays for the byline.
        assert_eq!(
            texts(&page),
            ["A speckled mug", "A wheel-thrown mug with a matte speckled glaze, made by hand.", "Jane Potter"]
        );
    }

    #[test]
    fn a_comments_author_box_is_no_byline_box() {
        let html = "<article><div class=author-box><p>Jane Potter</p></div>\
            <ol class=comments><li><div class=comment-author>Ann says</div></li></ol>\
            <form><p class=comment-form-author><label>Name *</label></p></form></article>";
        let page = parse(html, Limits::default());
        let boxes: Vec<(&str, bool)> = page.blocks.iter().map(|b| (b.text.as_str(), b.byline_box)).collect();
        assert_eq!(boxes, [("Jane Potter", true), ("Ann says", false), ("Name *", false)]);
    }

    #[test]
    fn hover_cards_and_screen_reader_text_are_hidden() {
        let html = "<p>Threatened Rep. <span class=person><a href=/p>Ilhan Omar</a>\
            <span class=person-hovercard>Ilhan Omar Latest stories</span></span> in June.\
            <span class=sr-only>(opens in a new window)</span></p>";
        assert_eq!(texts(&parse(html, Limits::default())), ["Threatened Rep. Ilhan Omar in June."]);
    }

    #[test]
    fn malformed_deep_and_huge_pages() {
        assert_eq!(texts(&parse("<p>unclosed <div>x", Limits::default())), ["unclosed", "x"]);
        let deep = "<div>".repeat(10_000) + "deep" + &"</div>".repeat(10_000);
        assert_eq!(texts(&parse(&deep, Limits::default())), ["deep"]);
        let many = "<p>x</p>".repeat(100);
        assert_eq!(parse(&many, Limits { max_blocks: 10, max_block_bytes: 10 }).blocks.len(), 10);
        let long = format!("<p>{}</p>", "word ".repeat(1000));
        assert!(parse(&long, Limits { max_blocks: 10, max_block_bytes: 100 }).blocks[0].text.len() <= 100);
        let wide = format!("<table><tr>{}</tr></table>", "<td>cell text</td>".repeat(100));
        let row = parse(&wide, Limits { max_blocks: 10, max_block_bytes: 100 });
        assert!(row.blocks.len() == 1 && row.blocks[0].text.len() <= 100, "{:?}", row.blocks);
    }
}
