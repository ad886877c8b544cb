//! The headline and deck of a page: the lines just above the body whose content words the body
//! shares, told apart from a wrapped line of the body's own prose.

use super::config::CleanConfig;
use super::features;
use super::headline_model::RulesChoice;
use crate::record::{InputMeta, Line, LineClass};

/// A set of [`content_terms`].
pub(super) type TermSet = super::hashed::HashedSet;

/// Share of a line's content terms that occur in the body.
pub(super) fn overlap(line: &str, body: &TermSet) -> f32 {
    let mut terms = Vec::new();
    content_terms(line, &mut terms);
    if terms.is_empty() {
        return 0.0;
    }
    terms.iter().filter(|t| body.contains(*t)).count() as f32 / terms.len() as f32
}

/// How many lines above a headline-shaped line the headline may be, for it to be the deck.
const DECK_REACH_LINES: usize = 3;

/// Whether a line has at least `n` words, a CJK character counting as half a word (CJK writes no
/// spaces between words).
fn has_words(l: &Line, n: usize) -> bool {
    l.words >= n || l.text.chars().filter(|c| crate::text::is_cjk(*c)).count() >= n.saturating_mul(2)
}

/// Marks the title (and subtitle) among the lines just above where the body's prose starts. A
/// candidate must be headline-shaped and share its content words with the body (menus, section
/// labels and teasers for other stories do not). The nearest candidate over a byline or dateline
/// (`headline_anchor_lines`) is the title, looked for further up and a little into the body; a
/// long enough candidate right above it that shares enough of the body's words makes it the deck.
/// Else the nearest candidate is the title, unless the one right above it is one too: then that is
/// the title and the nearer the deck. Headline-shaped lines the model kept as body before the
/// first prose line are candidates too (decks often look like text). When none is found, the
/// same is done over the longest run of kept lines, if it starts further down, among dropped
/// lines only. Returns what was marked, with the classes it replaced.
pub(super) fn find_headlines(lines: &mut [Line], forced: &[bool], cfg: &CleanConfig) -> RulesChoice {
    let mut choice = page_context(lines, cfg);
    let Some(first) = choice.first else { return choice };
    // A menu's blurb the model kept can stand for the body's start, far over the headline: then
    // the headline is looked for over the longest run of kept lines, where the article is.
    // Only a line the model dropped is taken there: a kept one is as often the body's own
    // sentence, and stays in the body.
    let found = headlines_over(lines, forced, cfg, first, true, &choice.body_terms).or_else(|| {
        choice.run.filter(|&start| start > first).and_then(|start| {
            let mut terms = Vec::new();
            body_terms(lines, start, cfg, &mut terms);
            headlines_over(lines, forced, cfg, start, false, &terms)
        })
    });
    if let Some((title, subtitle, anchored)) = found {
        choice.anchored = anchored;
        choice.title = Some((title, std::mem::replace(&mut lines[title].class, LineClass::Title)));
        if let Some(s) = subtitle {
            choice.subtitle = Some((s, std::mem::replace(&mut lines[s].class, LineClass::Subtitle)));
        }
    }
    choice
}

/// On an HTML article with no title, or whose title (a bare `<title>` or first `<h1>`: on older
/// pages often the site's or the section's name, "SFGate: World Views") shares none of its
/// content words with the body's first `headline_body_terms`, the nearest heading (`<h1>`-`<h3>`)
/// of 3 to 40 words over the body's first prose, within `headline_reach_lines`, that shares
/// `headline_min_overlap` of its own is the headline: it becomes the title (leaving the body if
/// the model kept it), and the line that stood for the title is dropped.
pub(super) fn retitle_from_heading(lines: &mut [Line], headings: &[bool], meta: &mut InputMeta, cfg: &CleanConfig) {
    let context = page_context(lines, cfg);
    let Some(first) = context.first else { return };
    let body: TermSet = context.body_terms.iter().copied().collect();
    let min = cfg.headline_min_overlap;
    if meta.title.as_deref().is_some_and(|title| overlap(title, &body) > 0.0) {
        return;
    }
    let reach = first.saturating_sub(cfg.headline_reach_lines.get());
    let found = (reach..first).rev().find(|&i| {
        let l = &lines[i];
        headings.get(i) == Some(&true)
            && l.class != LineClass::Title
            && (3..=40).contains(&l.words)
            && overlap(&l.text, &body) >= min
    });
    let Some(at) = found else { return };
    for l in lines.iter_mut().filter(|l| l.class == LineClass::Title) {
        l.class = LineClass::Drop("not_the_headline");
    }
    lines[at].class = LineClass::Title;
    meta.title = Some(lines[at].text.clone());
}

/// Where the body's prose starts on a page its line model has judged, where the longest run of
/// kept lines starts, and the body's first content words: what the headline rules and the
/// headline model read.
pub(super) fn page_context(lines: &[Line], cfg: &CleanConfig) -> RulesChoice {
    let first = lines
        .iter()
        .position(|l| l.class == LineClass::Keep && l.prose)
        .or_else(|| lines.iter().position(|l| l.class == LineClass::Keep));
    let mut body = Vec::new();
    if let Some(first) = first {
        body_terms(lines, first, cfg, &mut body);
    }
    RulesChoice { first, run: longest_kept_run(lines), body_terms: body, ..RulesChoice::default() }
}

/// The content terms of the body's kept lines from line `first` on, in order, up to
/// `headline_body_terms` of them (a headline's words are in the article's first paragraphs).
pub(super) fn body_terms(lines: &[Line], first: usize, cfg: &CleanConfig, terms: &mut Vec<u64>) {
    for l in lines[first..].iter().filter(|l| l.class == LineClass::Keep) {
        content_terms(&l.text, terms);
        if terms.len() >= cfg.headline_body_terms.get() {
            break;
        }
    }
}

/// Where the longest run of kept lines (in words; lines dropped between them of a few words
/// do not end it) starts.
fn longest_kept_run(lines: &[Line]) -> Option<usize> {
    /// Words of a dropped line that ends a run.
    const BREAK_WORDS: usize = 3;
    let (mut best, mut best_words) = (None, 0);
    let (mut start, mut words) = (None, 0);
    for (i, l) in lines.iter().enumerate() {
        if l.class == LineClass::Keep {
            start.get_or_insert(i);
            words += l.words;
            if words > best_words {
                (best, best_words) = (start, words);
            }
        } else if l.words > BREAK_WORDS {
            (start, words) = (None, 0);
        }
    }
    best
}

/// The title and deck over the body that starts at line `first` (see [`find_headlines`]), among
/// kept lines too if `kept`.
fn headlines_over(
    lines: &[Line],
    forced: &[bool],
    cfg: &CleanConfig,
    first: usize,
    kept: bool,
    terms: &[u64],
) -> Option<(usize, Option<usize>, bool)> {
    let body: TermSet = terms.iter().copied().collect();
    // A page often repeats its headline (window title, breadcrumb, then the article): the copy next
    // to the body counts even though the repeat rule dropped it.
    let open = |l: &Line| {
        matches!(l.class, LineClass::Drop("model" | "short_text" | "repeated")) || (kept && l.class == LineClass::Keep)
    };
    let no_link = |l: &Line| !features::has_link(&l.text);
    // Lines forced by `keep_patterns` stay body text.
    let shaped = |i: usize| {
        let l = &lines[i];
        !forced[i] && open(l) && no_link(l) && has_words(l, 3) && l.words <= 80
    };
    let shares = |i: usize| overlap(&lines[i].text, &body);
    let candidate = |i: usize| shaped(i) && !calls_to_act(&lines[i].text) && shares(i) >= cfg.headline_min_overlap;
    let title_like =
        |i: usize| lines[i].words <= 40 && !ends_statement(&lines[i].text) && !ends_mid_sentence(&lines[i].text);
    // A headline right over its byline or dateline, however much of the page's furniture (author
    // boxes, sign-up forms, a share bar) stands between it and the body.
    let below = first.saturating_add(cfg.headline_anchor_below_lines).min(lines.len());
    // (The anchor first: it is the cheapest test, and the overlap the dearest.)
    let anchored = (first.saturating_sub(cfg.headline_anchor_reach_lines)..below).rev().find(|&i| {
        lines[i + 1..]
            .iter()
            .take(cfg.headline_anchor_lines)
            .any(|l| matches!(l.class, LineClass::Byline | LineClass::Dateline))
            && title_like(i)
            && candidate(i)
    });
    let (title, subtitle, sure) = if let Some(a) = anchored {
        // The nearest candidate over it, when long enough and sharing enough of the body's words
        // (a site's buttons and breadcrumbs are neither), is the headline and this the deck.
        let up = (a.saturating_sub(DECK_REACH_LINES)..a)
            .rev()
            .filter(|&j| shaped(j) && title_like(j) && !is_trail_or_entry(&lines[j].text))
            .map(|j| (j, shares(j)))
            .find(|&(_, s)| s >= cfg.headline_min_overlap)
            .filter(|&(j, s)| {
                has_words(&lines[j], cfg.headline_deck_min_words) && s >= shares(a) * cfg.headline_deck_overlap_share
            });
        up.map_or((a, None, true), |(j, _)| (j, Some(a), true))
    } else {
        let above: Vec<usize> =
            (first.saturating_sub(cfg.headline_reach_lines.get())..first).rev().filter(|&i| candidate(i)).collect();
        let &nearest = above.first()?;
        let next_up = above
            .get(1)
            .copied()
            .filter(|&j| nearest - j <= DECK_REACH_LINES && title_like(j) && !is_trail_or_entry(&lines[j].text));
        match (title_like(nearest), next_up) {
            (_, Some(up)) => (up, Some(nearest), false),
            (true, None) => (nearest, None, false),
            (false, None) => return None,
        }
    };
    Some((title, subtitle, sure))
}

/// Whether a line is a breadcrumb trail (`Home » Blog » HubSpot Alternatives`, `Sprout Blog /
/// Topics / Social Media`, `Home >Marketing >Plumbing Trends`), an entry of the article's contents (`5. Wedding Planning Checklist`)
/// or a button ([`calls_to_act`]): pages put them right over the headline, and they share its
/// words, but none is the headline over a deck.
pub(super) fn is_trail_or_entry(text: &str) -> bool {
    let t = text.trim_start();
    let numbered = t.find(". ").is_some_and(|at| (1..=2).contains(&at) && t[..at].bytes().all(|b| b.is_ascii_digit()));
    // (Each test only where its bytes are: this runs on every line around the body.)
    let b = t.as_bytes();
    numbered
        || (memchr::memchr2(0xC2, 0xE2, b).is_some() && t.contains(['»', '›', '«']))
        || (memchr::memchr3(b'/', b'>', b'|', b).is_some() && [" / ", " >", ">>", " | "].iter().any(|s| t.contains(s)))
        || calls_to_act(t)
}

/// Whether a line is a button's call to act (`Get started for free`, `Book a demo`, `Yes, I want
/// better conversions`, `Login See my leads`): a site's offer over the article, not its headline.
pub(super) fn calls_to_act(text: &str) -> bool {
    // Only calls no headline starts with: `Try`, `Join` or `Download` alone begin real ones.
    const CALLS: [&str; 13] = [
        "get started",
        "sign up",
        "log in",
        "login",
        "book a demo",
        "request a demo",
        "start your free",
        "start free",
        "yes, i want",
        "subscribe now",
        "download now",
        "try it free",
        "try for free",
    ];
    CALLS.iter().any(|c| text.get(..c.len()).is_some_and(|p| p.eq_ignore_ascii_case(c)))
}

/// Whether a line ends as a statement does: a sentence end other than a question or an
/// exclamation, which headlines end with as often as prose does (`What is Cloud Computing?`).
pub(super) fn ends_statement(text: &str) -> bool {
    crate::text::sentence_end(text).is_some_and(|c| !matches!(c, '?' | '!' | '？' | '！'))
}

/// Whether a line reads as a piece of wrapped prose: it starts with a word in lower case ("need
/// gap in the virtual world ...") or stops on a lower-case function word ("... a CPM leader
/// like"). A headline does neither.
pub(super) fn ends_mid_sentence(text: &str) -> bool {
    let mut words = text.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()));
    let Some(first) = words.next() else {
        return false;
    };
    let last = words.next_back().unwrap_or(first);
    let starts_lower = first.chars().next().is_some_and(char::is_lowercase) && !first.chars().any(char::is_uppercase);
    let ends_function_word = last.chars().next().is_some_and(char::is_lowercase)
        && last.len() <= features::max_stopword_bytes()
        && features::is_stopword(&last.to_lowercase());
    starts_lower || ends_function_word
}

/// Hashes of the content words of a text (lower case, no function words, no short tokens), and of
/// character pairs for CJK and Hangul (whose words carry particles and endings): what a headline
/// shares with its article.
pub(super) fn content_terms(text: &str, out: &mut Vec<u64>) {
    if text.is_ascii() {
        for tok in text.as_bytes().split(|b| !b.is_ascii_alphanumeric()) {
            ascii_content_term(tok, out);
        }
        return;
    }
    let mut lower = String::new();
    for tok in text.split(|c: char| !crate::text::is_word_char(c)) {
        if tok.is_ascii() {
            ascii_content_term(tok.as_bytes(), out);
        } else {
            content_term(tok, &mut lower, out);
        }
    }
}

/// The terms of one token of `content_terms` (`lower` is a buffer to reuse).
pub(super) fn content_term(tok: &str, lower: &mut String, out: &mut Vec<u64>) {
    if tok.chars().any(|c| crate::text::is_cjk(c) || ('\u{AC00}'..='\u{D7A3}').contains(&c)) {
        let mut prev: Option<char> = None;
        for c in tok.chars() {
            if let Some(p) = prev {
                out.push((u64::from(u32::from(p)) << 32) | u64::from(u32::from(c)));
            }
            prev = Some(c);
        }
        return;
    }
    if tok.len() < 3 {
        return;
    }
    lower.clear();
    crate::text::push_lowercase(lower, tok);
    if lower.chars().nth(2).is_some() && !features::is_stopword(lower) && !lower.bytes().all(|b| b.is_ascii_digit()) {
        // A crude stem, so that `Glazers` in a headline meets `Glazer's` in the text.
        let stem = lower.strip_suffix("'s").or_else(|| lower.strip_suffix("’s")).unwrap_or(lower);
        let stem = if stem.len() > 4 { stem.strip_suffix('s').unwrap_or(stem) } else { stem };
        out.push(xxhash_rust::xxh3::xxh3_64(stem.as_bytes()));
    }
}

/// [`content_term`] for a token of ASCII letters and digits (or none): the same term, without
/// decoding characters or a lower-cased `String`.
pub(super) fn ascii_content_term(tok: &[u8], out: &mut Vec<u64>) {
    const MAX: usize = 64;
    if tok.len() < 3 || features::is_ascii_stopword_any_case(tok) || tok.iter().all(u8::is_ascii_digit) {
        return;
    }
    let mut long = Vec::new();
    let mut buf = [0u8; MAX];
    let lower: &mut [u8] = if tok.len() <= MAX {
        &mut buf[..tok.len()]
    } else {
        long.extend_from_slice(tok);
        &mut long
    };
    lower.copy_from_slice(tok);
    lower.make_ascii_lowercase();
    // No apostrophe in such a token, so the possessive never needs stripping here.
    let stem = match lower.split_last() {
        Some((b's', rest)) if lower.len() > 4 => rest,
        _ => &lower[..],
    };
    out.push(xxhash_rust::xxh3::xxh3_64(stem));
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A line of a dump: prose from 15 words.
    pub(in crate::stages::clean) fn line(text: &str, class: LineClass) -> Line {
        let words = crate::text::word_count(text);
        Line { text: text.into(), class, words, prose: words >= 15, score: None, cut: None }
    }

    const BODY: [&str; 3] = [
        "The harbour tunnel will open to traffic next week, once the last safety checks on the harbour tunnel are done by the engineers.",
        "Engineers had to cut the harbour tunnel through a layer of hard rock that was not on any of the survey maps of the city.",
        "The council expects thirty thousand cars a day once the harbour tunnel and the toll road open to traffic in spring.",
    ];

    const MENU: LineClass = LineClass::Drop("model");

    /// `above` (text, class) over the body: the title and deck [`find_headlines`] marks.
    fn headlines(above: &[(&str, LineClass)], cfg: &CleanConfig) -> (Option<String>, Option<String>) {
        let mut lines: Vec<Line> = above.iter().map(|(t, c)| line(t, c.clone())).collect();
        lines.extend(BODY.iter().map(|t| line(t, LineClass::Keep)));
        let forced = vec![false; lines.len()];
        find_headlines(&mut lines, &forced, cfg);
        let with = |class: LineClass| lines.iter().find(|l| l.class == class).map(|l| l.text.clone());
        (with(LineClass::Title), with(LineClass::Subtitle))
    }

    #[test]
    fn a_kept_menu_blurb_far_over_the_article_does_not_hide_its_headline() {
        let cfg = CleanConfig::default();
        let blurb = "See what sets our toll road apart from the competition and why leading city councils choose us for their roads.";
        let mut above = vec![("Home", MENU), (blurb, LineClass::Keep)];
        let filler: Vec<String> = (0..40).map(|i| format!("Product {i}")).collect();
        above.extend(filler.iter().map(|f| (f.as_str(), MENU)));
        above.push(("Harbour tunnel opens to traffic next week", MENU));
        assert_eq!(headlines(&above, &cfg).0.as_deref(), Some("Harbour tunnel opens to traffic next week"));
        // A kept line stays body text there: the fallback takes only lines the model dropped.
        let last = above.len() - 1;
        above[last].1 = LineClass::Keep;
        assert_eq!(headlines(&above, &cfg).0, None);
    }

    #[test]
    fn a_question_can_be_the_headline_a_statement_cannot() {
        let cfg = CleanConfig::default();
        let title = |t: &str| headlines(&[("Home", MENU), (t, MENU)], &cfg).0;
        assert_eq!(title("When will the harbour tunnel open?").as_deref(), Some("When will the harbour tunnel open?"));
        assert_eq!(title("Harbour tunnel to open to traffic!").as_deref(), Some("Harbour tunnel to open to traffic!"));
        assert_eq!(title("The harbour tunnel will open to traffic."), None);
    }

    #[test]
    fn a_headline_over_its_dateline_however_far_above_the_body() {
        let cfg = CleanConfig::default();
        let mut above = vec![
            ("Harbour tunnel opens to traffic", MENU),
            ("By", MENU),
            ("Ann Lee", MENU),
            ("March 3, 2025", LineClass::Dateline),
        ];
        // An author box and a sign-up form: more lines than `headline_reach_lines`.
        above.extend(std::iter::repeat_n(("Sign up for our newsletter", MENU), 30));
        above.push(("Traffic news for the harbour tunnel", MENU));
        assert_eq!(headlines(&above, &cfg), (Some("Harbour tunnel opens to traffic".into()), None));
        // With the rule off, the nearest headline-shaped line that shares the body's words.
        let off = CleanConfig { headline_anchor_lines: 0, ..CleanConfig::default() };
        assert_eq!(headlines(&above, &off).0.as_deref(), Some("Traffic news for the harbour tunnel"));
        // Further up than `headline_anchor_reach_lines`, it is not looked for.
        let near = CleanConfig { headline_anchor_reach_lines: 10, ..CleanConfig::default() };
        assert_eq!(headlines(&above, &near).0.as_deref(), Some("Traffic news for the harbour tunnel"));
    }

    #[test]
    fn a_deck_over_the_byline_under_its_headline() {
        let cfg = CleanConfig::default();
        let page = |over: &str| {
            let above = [
                ("Home", MENU),
                (over, MENU),
                ("Harbour tunnel traffic starts Monday after engineers finish the safety checks", MENU),
                ("By Ann Lee", MENU),
                ("March 3, 2025", LineClass::Dateline),
            ];
            headlines(&above, &cfg)
        };
        assert_eq!(
            page("Harbour tunnel opens to traffic"),
            (
                Some("Harbour tunnel opens to traffic".into()),
                Some("Harbour tunnel traffic starts Monday after engineers finish the safety checks".into())
            )
        );
        // A button or a breadcrumb over the headline is neither.
        let headline = Some("Harbour tunnel traffic starts Monday after engineers finish the safety checks".into());
        assert_eq!(page("Tunnel traffic"), (headline.clone(), None));
        assert_eq!(page("Harbour news: the city desk reports"), (headline, None));
    }

    #[test]
    fn a_breadcrumb_a_contents_entry_or_a_button_is_not_the_headline() {
        let cfg = CleanConfig::default();
        let headline = "Harbour tunnel traffic starts Monday after engineers finish the safety checks";
        for over in [
            "Home » News » Harbour tunnel traffic",
            "City News / Traffic / Harbour tunnel",
            "Home >News >Harbour tunnel traffic",
            "2. Harbour tunnel traffic",
        ] {
            let anchored = [("Home", MENU), (over, MENU), (headline, MENU), ("By Ann Lee", LineClass::Byline)];
            assert_eq!(headlines(&anchored, &cfg), (Some(headline.into()), None), "{over}");
            let nearest = [("Home", MENU), (over, MENU), (headline, MENU)];
            assert_eq!(headlines(&nearest, &cfg), (Some(headline.into()), None), "{over}");
        }
        // A button's call to act is no headline, over a deck or alone.
        let button = [("Home", MENU), ("Get started for free", MENU), (headline, MENU)];
        assert_eq!(headlines(&button, &cfg), (Some(headline.into()), None));
        let alone = [("Home", MENU), ("Sign up for harbour tunnel traffic news", MENU)];
        assert_eq!(headlines(&alone, &cfg), (None, None));
        // A headline over its deck, as before.
        let deck = [("Home", MENU), ("Harbour tunnel opens to traffic", MENU), (headline, MENU)];
        assert_eq!(headlines(&deck, &cfg), (Some("Harbour tunnel opens to traffic".into()), Some(headline.into())));
    }

    #[test]
    fn a_headline_over_its_dateline_among_the_first_kept_lines() {
        // The model kept an app banner above the headline: the body "starts" there.
        let banner = "Open in the app to read the harbour tunnel news and the traffic report for the whole city today.";
        let above = [
            (banner, LineClass::Keep),
            ("Harbour tunnel opens to traffic", LineClass::Keep),
            ("March 3, 2025", LineClass::Dateline),
        ];
        let cfg = CleanConfig::default();
        assert_eq!(headlines(&above, &cfg).0.as_deref(), Some("Harbour tunnel opens to traffic"));
        let off = CleanConfig { headline_anchor_below_lines: 0, ..CleanConfig::default() };
        assert_eq!(headlines(&above, &off).0, None);
    }
}
