//! What kind of page a document is: an article, or a service, forum, collection, listing, product
//! or documentation page (WCXB's seven types). A news operator keeps the article stream clean with
//! `[extract] accept_page_types`; everyone else gets the type as a field.
//!
//! The decision is a small softmax model (`weights.rs`, trained by
//! `examples/train_page_type.rs`) over what the page says about itself: the schema.org types and
//! `og:type` its markup states, the shape of its URL (`/2025/03/14/slug`, `/products/`, `/t/`,
//! `/docs/`), class names and elements that belong to shops, threads and indexes, and the shape of
//! its text (how much is running prose, prices, dates, short lines). Text dumps have no markup or
//! URL: they get a model of their own trained on the text features alone.

pub use crate::record::PageType;
use crate::record::{Cleaned, Line, LineClass, class_kind, schema};

#[rustfmt::skip]
mod weights;
use weights::{HTML, TEXT};

/// Names of the model's inputs, in order.
pub const FEATURE_NAMES: &[&str] = &[
    "html",
    "schema_article",
    "schema_product",
    "schema_forum",
    "schema_collection",
    "schema_faq",
    "schema_service",
    "schema_docs",
    "schema_review",
    "schema_howto",
    "schema_video",
    "schema_event",
    "schema_comment",
    "schema_person",
    "schema_breadcrumb",
    "schema_webpage",
    "og_article",
    "og_product",
    "og_website",
    "og_other",
    "elements",
    "link_share",
    "article_elements",
    "time_elements",
    "form_controls",
    "images",
    "code_elements",
    "class_shop",
    "class_product",
    "class_review",
    "class_forum",
    "class_docs",
    "class_listing",
    "class_article",
    "class_service",
    "has_url",
    "url_date",
    "url_depth",
    "url_slug_words",
    "url_numeric_id",
    "url_root",
    "url_product",
    "url_forum",
    "url_docs",
    "url_listing",
    "url_article",
    "url_service",
    "words",
    "lines",
    "prose_share",
    "kept_share",
    "kept_lines",
    "kept_line_words",
    "longest_kept_run",
    "short_line_share",
    "price_lines",
    "date_lines",
    "question_lines",
    "code_lines",
    "number_lines",
    "stated_author",
    "stated_date",
    "byline_found",
    "title_words",
    "title_question",
    "title_count",
    "title_how",
    "we_rate",
    "you_rate",
    "i_rate",
    "said_rate",
    "cue_shop",
    "cue_forum",
    "cue_listing",
    "cue_article",
    "cue_service",
    "cue_docs",
];

/// Number of inputs.
pub const N_FEATURES: usize = FEATURE_NAMES.len();

/// A fitted softmax model: standardisation, then one linear score per type.
pub struct Weights {
    /// Feature means.
    pub mean: [f32; N_FEATURES],
    /// Feature scales (1 / standard deviation).
    pub scale: [f32; N_FEATURES],
    /// Per type, one weight per feature.
    pub w: [[f32; N_FEATURES]; 7],
    /// Per type, its bias.
    pub b: [f32; 7],
}

/// The model's decision.
pub use crate::record::TypeVerdict as Verdict;

/// Which model a document gets: pages with markup, or plain text.
fn weights_for(doc: &Cleaned) -> &'static Weights {
    if doc.signals.is_some() { &HTML } else { &TEXT }
}

/// Decides a document's type.
pub fn classify(doc: &Cleaned) -> Verdict {
    decide(weights_for(doc), &features(doc))
}

/// One line for `newsmill explain`: the type, how sure, and the inputs that pushed hardest towards
/// it against the runner-up (log-odds, strongest first, at most five). Worked out only here: the
/// stage needs the type alone.
pub fn explain(doc: &Cleaned) -> String {
    let (m, x) = (weights_for(doc), features(doc));
    let v = decide(m, &x);
    let (best, second) = (v.page_type.index(), v.runner_up.index());
    let mut reasons: Vec<(&str, f32)> = (0..N_FEATURES)
        .map(|i| (FEATURE_NAMES[i], (m.w[best][i] - m.w[second][i]) * (x[i] - m.mean[i]) * m.scale[i]))
        .filter(|(_, c)| *c > 0.05)
        .collect();
    reasons.sort_by(|a, b| b.1.total_cmp(&a.1));
    let why: Vec<String> = reasons.iter().take(5).map(|(name, by)| format!("{name} +{by:.2}")).collect();
    format!(
        "{} {:.2} (rather than {} {:.2}: {})",
        v.page_type,
        v.probability,
        v.runner_up,
        v.runner_up_probability,
        if why.is_empty() { "no input stands out".to_string() } else { why.join(", ") }
    )
}

/// The model's verdict on one row of inputs.
pub fn decide(m: &Weights, x: &[f32; N_FEATURES]) -> Verdict {
    let z: [f32; N_FEATURES] = std::array::from_fn(|i| (x[i] - m.mean[i]) * m.scale[i]);
    let logits: [f32; 7] = std::array::from_fn(|k| m.b[k] + m.w[k].iter().zip(&z).map(|(w, z)| w * z).sum::<f32>());
    // The two highest scores (the first of equals wins, as a stable sort would have it).
    let (mut best, mut second) = (0, 1);
    if logits[1] > logits[0] {
        (best, second) = (1, 0);
    }
    for k in 2..7 {
        if logits[k] > logits[best] {
            (best, second) = (k, best);
        } else if logits[k] > logits[second] {
            second = k;
        }
    }
    let sum: f32 = logits.iter().map(|l| (l - logits[best]).exp()).sum();
    let p = |k: usize| (logits[k] - logits[best]).exp() / sum;
    Verdict {
        page_type: PageType::ALL[best],
        probability: p(best),
        runner_up: PageType::ALL[second],
        runner_up_probability: p(second),
    }
}

/// What one pass over a document's lines counts.
#[derive(Default)]
struct TextCounts {
    words: usize,
    prose_words: usize,
    kept_words: usize,
    kept_lines: usize,
    longest_run: usize,
    short: usize,
    dates: usize,
    questions: usize,
    bylines: usize,
    prices: usize,
    numbers: usize,
    code: usize,
}

/// `ln(1 + n)` scaled to about 0..1 for counts up to `e^scale`.
fn log_count(n: f32, scale: f32) -> f32 {
    (n.ln_1p() / scale).min(1.5)
}

/// Path segments that say what a page is (lower case, compared whole).
const URL_PRODUCT: &[&str] = &["product", "products", "p", "dp", "item", "itm", "shop", "store", "buy", "pd"];
const URL_FORUM: &[&str] = &[
    "t",
    "thread",
    "threads",
    "topic",
    "topics",
    "forum",
    "forums",
    "community",
    "discussion",
    "discussions",
    "questions",
    "q",
    "comments",
    "r",
    "d",
];
const URL_DOCS: &[&str] = &[
    "docs",
    "doc",
    "documentation",
    "reference",
    "api",
    "manual",
    "guide",
    "guides",
    "learn",
    "wiki",
    "kb",
    "help",
    "support",
    "tutorial",
    "tutorials",
    "en-us",
    "latest",
    "stable",
];
const URL_LISTING: &[&str] = &[
    "category",
    "categories",
    "collections",
    "collection",
    "tag",
    "tags",
    "archive",
    "archives",
    "search",
    "page",
    "list",
    "lists",
    "best",
    "top",
    "shop-all",
    "all",
    "c",
    "browse",
    "section",
];
const URL_ARTICLE: &[&str] =
    &["news", "blog", "blogs", "article", "articles", "story", "stories", "post", "posts", "opinion", "features"];
const URL_SERVICE: &[&str] = &[
    "services",
    "service",
    "pricing",
    "about",
    "about-us",
    "contact",
    "courses",
    "course",
    "programs",
    "program",
    "solutions",
    "treatments",
    "plans",
    "admissions",
    "locations",
];
/// First labels of hosts that say what a site is.
const HOST_FORUM: &[&str] = &["community", "forum", "forums", "discuss", "discourse", "answers"];
const HOST_DOCS: &[&str] = &["docs", "developer", "developers", "learn", "help", "support", "wiki", "devdocs"];

/// The model's inputs for a cleaned document.
pub fn features(doc: &Cleaned) -> [f32; N_FEATURES] {
    let mut x = [0f32; N_FEATURES];
    let mut i = 0;
    let mut put = |v: f32| {
        x[i] = v;
        i += 1;
    };
    let flag = |b: bool| f32::from(u8::from(b));
    // Markup.
    let s = doc.signals.as_deref();
    put(flag(s.is_some()));
    let schema_bits = s.map_or(0, |s| s.schema);
    for bit in 0..schema::COUNT {
        put(flag(schema_bits & (1 << bit) != 0));
    }
    let og = s.and_then(|s| s.og_type.as_deref()).unwrap_or("");
    put(flag(og.contains("article")));
    put(flag(og.contains("product") || og.contains("item")));
    put(flag(og == "website"));
    put(flag(!og.is_empty() && !og.contains("article") && !og.contains("product") && og != "website"));
    let count = |f: &dyn Fn(&crate::record::PageSignals) -> u32| s.map_or(0.0, |s| f(s) as f32);
    let elements = count(&|s| s.elements);
    put(log_count(elements, 9.0));
    put(if elements > 0.0 { count(&|s| s.links) / elements } else { 0.0 });
    put(log_count(count(&|s| s.articles), 4.0));
    put(log_count(count(&|s| s.times), 4.0));
    put(log_count(count(&|s| s.controls), 5.0));
    put(log_count(count(&|s| s.images), 5.0));
    put(log_count(count(&|s| s.code), 5.0));
    for k in 0..class_kind::COUNT {
        put(log_count(count(&|s| s.class_kinds[k]), 5.0));
    }
    // The URL (the text model learned from dumps, which state none: it reads the text alone).
    let url = doc.meta.url.as_deref().filter(|_| s.is_some()).and_then(|u| url::Url::parse(u).ok());
    put(flag(url.is_some()));
    let segments: Vec<String> = url
        .as_ref()
        .and_then(|u| u.path_segments())
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let is_year = |s: &str| s.len() == 4 && s.starts_with("20") && s.bytes().all(|b| b.is_ascii_digit());
    put(flag(
        segments.iter().any(|s| is_year(s))
            || segments
                .iter()
                .any(|s| s.len() >= 8 && s.starts_with("20") && s.bytes().take(8).all(|b| b.is_ascii_digit())),
    ));
    put(segments.len().min(6) as f32 / 6.0);
    let last = segments.last().map(String::as_str).unwrap_or("");
    let slug = last.rsplit_once('.').map_or(last, |(stem, _)| stem);
    put(slug.split(['-', '_']).filter(|w| !w.is_empty()).count().min(12) as f32 / 12.0);
    put(flag(segments.iter().any(|s| s.len() >= 4 && s.bytes().all(|b| b.is_ascii_digit()) && !is_year(s))));
    put(flag(url.is_some() && segments.is_empty()));
    let host_first = url.as_ref().and_then(|u| u.host_str()).and_then(|h| h.split('.').next()).unwrap_or("");
    let has = |list: &[&str]| segments.iter().any(|s| list.contains(&s.as_str()));
    put(flag(has(URL_PRODUCT) || matches!(host_first, "shop" | "store")));
    put(flag(has(URL_FORUM) || HOST_FORUM.contains(&host_first)));
    put(flag(has(URL_DOCS) || HOST_DOCS.contains(&host_first)));
    put(flag(has(URL_LISTING)));
    put(flag(has(URL_ARTICLE)));
    put(flag(has(URL_SERVICE)));
    // The text, in one pass over the lines (a page has hundreds).
    // A blog's list of comments, found as such, ends the page: the comments are the readers' words,
    // and would make an article with many of them read as a thread.
    let comments = doc.lines.iter().position(|l| l.class == LineClass::Drop("comment_list"));
    let lines = &doc.lines[..comments.unwrap_or(doc.lines.len())];
    let kept = |l: &Line| l.class == LineClass::Keep;
    let mut t = TextCounts::default();
    let mut run = 0usize;
    for l in lines {
        t.words += l.words;
        t.prose_words += if l.prose { l.words } else { 0 };
        if kept(l) {
            t.kept_words += l.words;
            t.kept_lines += 1;
        }
        if !matches!(l.class, LineClass::Drop(_)) {
            run = if kept(l) && l.prose {
                run + l.words
            } else if kept(l) {
                run
            } else {
                0
            };
            t.longest_run = t.longest_run.max(run);
        }
        t.short += usize::from(l.words <= 3);
        t.dates += usize::from(l.class == LineClass::Dateline);
        t.questions += usize::from(l.text.ends_with('?'));
        t.bylines += usize::from(l.class == LineClass::Byline);
        // Prices, figures and program lines are short; long lines (most of a page's text) are not asked.
        if l.words <= 12 {
            t.prices += usize::from(has_price(&l.text));
            t.numbers += usize::from(mostly_digits(&l.text));
        }
        if l.words <= 30 {
            t.code += usize::from(looks_like_code(&l.text));
        }
    }
    let n = lines.len().max(1) as f32;
    let total = t.words.max(1) as f32;
    put(log_count(t.words as f32, 10.0));
    put(log_count(lines.len() as f32, 8.0));
    put(t.prose_words as f32 / total);
    put(t.kept_words as f32 / total);
    put(log_count(t.kept_lines as f32, 6.0));
    put((t.kept_words as f32 / t.kept_lines.max(1) as f32).min(100.0) / 50.0);
    put(log_count(t.longest_run as f32, 8.0));
    put(t.short as f32 / n);
    put(log_count(t.prices as f32, 4.0));
    put(log_count(t.dates as f32, 3.0));
    put(t.questions as f32 / n);
    put(t.code as f32 / n);
    put(t.numbers as f32 / n);
    put(flag(s.is_some() && doc.meta.author.is_some()));
    put(flag(s.is_some() && doc.meta.published.is_some()));
    put(flag(t.bylines > 0));
    // The headline: how long, a question, a count ("10 best ..."), a how-to.
    let title = doc
        .meta
        .title
        .clone()
        .or_else(|| lines.iter().find(|l| l.class == LineClass::Title).map(|l| l.text.clone()))
        .unwrap_or_default()
        .to_lowercase();
    let title_words: Vec<&str> = title.split_whitespace().collect();
    put(title_words.len().min(20) as f32 / 20.0);
    put(flag(title.trim_end().ends_with('?')));
    put(flag(
        title_words
            .first()
            .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()) || matches!(*w, "top" | "best" | "the"))
            && title_words
                .iter()
                .take(3)
                .any(|w| w.bytes().all(|b| b.is_ascii_digit()) || matches!(*w, "best" | "top")),
    ));
    put(flag(
        title_words.first().is_some_and(|w| matches!(*w, "how" | "what" | "why" | "when" | "where" | "who" | "guide"))
            || title.contains("guide")
            || title.contains("explained"),
    ));
    // Who speaks: a company ("we", "our"), to a customer ("you"), one person ("I"), a reporter
    // ("said"); read over the first words of the kept prose (enough to tell, and bounded).
    let mut rates = [0usize; 4];
    let mut counted = 0usize;
    'prose: for l in lines.iter().filter(|l| kept(l) && l.prose) {
        for w in l.text.split_whitespace() {
            if counted >= MAX_VOICE_WORDS {
                break 'prose;
            }
            counted += 1;
            if let Some(k) = voice(w) {
                rates[k] += 1;
            }
        }
    }
    for r in rates {
        put((r as f32 * 100.0 / counted.max(1) as f32).min(10.0) / 10.0);
    }
    // Interface lines that belong to one kind of page ("Add to cart", "Reply", "Read more"): one
    // search of every cue per short line.
    let mut cues = [0usize; CUES.len()];
    let (automaton, kinds) = &*CUE_AUTOMATON;
    for l in lines.iter().filter(|l| l.words <= 6) {
        let mut seen = 0u8;
        for m in automaton.find_overlapping_iter(l.text.as_str()) {
            seen |= 1 << kinds[m.pattern().as_usize()];
        }
        for (k, c) in cues.iter_mut().enumerate() {
            *c += usize::from(seen >> k & 1);
        }
    }
    for c in cues {
        put(log_count(c as f32, 3.0));
    }
    debug_assert_eq!(i, N_FEATURES);
    x
}

/// Most words of kept prose read for who speaks.
const MAX_VOICE_WORDS: usize = 600;

/// Which voice a word is: 0 "we", 1 "you", 2 "I", 3 "said" (ASCII case folded, punctuation
/// around it ignored). Asked of every word read, so it works on a few bytes on the stack.
fn voice(word: &str) -> Option<usize> {
    let b = word.trim_matches(|c: char| c.is_ascii_punctuation() && c != '\'').as_bytes();
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    for (d, c) in buf.iter_mut().zip(b) {
        *d = c.to_ascii_lowercase();
    }
    match &buf[..b.len()] {
        b"we" | b"our" | b"us" | b"ours" | b"we're" | b"we\xE2\x80\x99re" => Some(0),
        b"you" | b"your" | b"yours" | b"you're" | b"you\xE2\x80\x99re" => Some(1),
        b"i" | b"my" | b"me" | b"i'm" | b"i've" | b"i\xE2\x80\x99m" | b"i\xE2\x80\x99ve" => Some(2),
        b"said" | b"says" | b"told" => Some(3),
        _ => None,
    }
}

/// Every cue of [`CUES`] in one automaton (ASCII case folded), with its kind.
static CUE_AUTOMATON: std::sync::LazyLock<(aho_corasick::AhoCorasick, Vec<u8>)> = std::sync::LazyLock::new(|| {
    let lists: Vec<(&[&str], u8)> = CUES.iter().enumerate().map(|(k, list)| (*list, k as u8)).collect();
    crate::text::labelled_words(&lists)
});

/// Short interface lines of shops, threads, indexes, articles, service pages and manuals.
const CUES: [&[&str]; 6] = [
    &[
        "add to cart",
        "add to bag",
        "add to basket",
        "buy now",
        "in stock",
        "out of stock",
        "free shipping",
        "size guide",
        "write a review",
        "sold out",
        "choose options",
        "quick view",
        "sort by",
        "quantity",
        "add to wishlist",
        "free delivery",
        "free returns",
        "price",
    ],
    &[
        "reply",
        "quote",
        "joined",
        "posts:",
        "members",
        "original poster",
        "solved",
        "upvote",
        "permalink",
        "last edited",
        "thread starter",
        "report post",
        "log in to reply",
        "likes",
        "views",
        "replies",
    ],
    &[
        "read more",
        "continue reading",
        "load more",
        "next page",
        "older posts",
        "view all",
        "see all",
        "show more",
        "newer posts",
    ],
    &[
        "min read",
        "minute read",
        "share this article",
        "related articles",
        "related stories",
        "updated:",
        "published:",
        "posted on",
        "leave a comment",
    ],
    &[
        "contact us",
        "get a quote",
        "request a quote",
        "book now",
        "schedule",
        "call now",
        "call us",
        "free consultation",
        "get started",
        "apply now",
        "enroll",
        "book a",
        "request a demo",
        "get in touch",
        "our services",
    ],
    &[
        "edit this page",
        "on this page",
        "table of contents",
        "was this page helpful",
        "parameters",
        "returns",
        "syntax",
        "example",
        "see also",
        "next steps",
        "prerequisites",
        "copy",
    ],
];

/// A price: a currency sign next to a digit (`$19.99`, `19,99 €`, `£5`). The signs' first bytes
/// are searched for, so a line without one costs one vectorised scan.
fn has_price(text: &str) -> bool {
    let b = text.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    memchr::memchr3_iter(b'$', 0xC2, 0xE2, b).any(|at| {
        let len = match &b[at..] {
            [b'$', ..] => 1,
            // `£` C2 A3, `¥` C2 A5; `€` E2 82 AC, `₹` E2 82 B9.
            [0xC2, 0xA3 | 0xA5, ..] => 2,
            [0xE2, 0x82, 0xAC | 0xB9, ..] => 3,
            _ => return false,
        };
        digit_at(at + len) || (at >= 1 && digit_at(at - 1)) || (at >= 2 && b[at - 1] == b' ' && digit_at(at - 2))
    })
}

/// A line of program text: ends in `;`, `{`, `}` or `)`, or holds `()` / `=>` / `::`.
fn looks_like_code(text: &str) -> bool {
    let t = text.trim_end();
    if t.ends_with([';', '{', '}']) || t.starts_with("$ ") {
        return true;
    }
    // One vectorised scan for the three marks' first characters, which prose seldom holds.
    let b = t.as_bytes();
    memchr::memchr3_iter(b'(', b'=', b':', b)
        .any(|i| matches!((b[i], b.get(i + 1)), (b'(', Some(b')')) | (b'=', Some(b'>')) | (b':', Some(b':'))))
}

/// A line whose characters are mostly digits (prices, scores, counts, dates). Every character
/// outside ASCII counts as a letter (by its first byte), which spares a Unicode look-up per character.
fn mostly_digits(text: &str) -> bool {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let (mut digits, mut letters) = (0usize, 0usize);
    for b in text.bytes() {
        digits += usize::from(b.is_ascii_digit());
        letters += usize::from(b.is_ascii_alphabetic() || b >= 0xC0);
    }
    digits > 0 && digits >= letters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, t) in PageType::ALL.into_iter().enumerate() {
            assert_eq!(PageType::from_name(t.name()), Some(t));
            assert_eq!(t.index(), i);
        }
        assert_eq!(PageType::from_name("blog"), None);
    }

    #[test]
    fn prices_code_and_numbers() {
        for p in ["$19.99", "From 19,99 €", "£5 off", "Now 120 $"] {
            assert!(has_price(p), "{p}");
        }
        for p in ["US$ is strong", "the € fell", "cost a lot"] {
            assert!(!has_price(p), "{p}");
        }
        assert!(looks_like_code("let x = f();"));
        assert!(!looks_like_code("He said (quietly) that it was over."));
        assert!(mostly_digits("4.5 (1,203)"));
        assert_eq!(
            ["We", "\"you,", "I’m", "said.", "wee", "Our"].map(voice),
            [Some(0), Some(1), Some(2), Some(3), None, Some(0)]
        );
        assert!(!mostly_digits("Top 10 cities"));
    }
}
