//! The headline model for page dumps: a linear ranker over the lines around the body's start that
//! picks the page's headline, with the rules' choice ([`super::headline`]) as one of its inputs.
//!
//! A dump has no `<h1>`: the headline is one short line among a menu's, a breadcrumb's, an author
//! box's and a sign-up form's, and the rules alone name the right one on about three pages in five
//! of today's articles while the dump holds it on nearly all. What tells it apart is many weak
//! signs at once (how near it stands to the body, how many of its words the body uses, a byline or
//! date under it, a window title or breadcrumb repeating it, its shape), which a model trained on
//! the benchmark pages weighs better than a chain of rules. `examples/train_headline.rs` fits it.

use super::config::CleanConfig;
use super::features::has_link;
use super::hashed::HashedMap;
use super::headline::{body_terms, calls_to_act, content_terms, ends_mid_sentence, ends_statement, is_trail_or_entry};
use crate::record::{Line, LineClass};

/// How many lines above the body's first prose line a headline is looked for.
const REACH_UP_LINES: usize = 60;
/// How many lines into the body (a model that kept the page's furniture over the headline).
const REACH_DOWN_LINES: usize = 8;
/// How many lines above the longest run of kept lines, when it starts further down.
const RUN_REACH_UP_LINES: usize = 30;
/// The longest line (in words) taken for a headline.
const MAX_WORDS: usize = 40;
/// How many of the body's first content words make its lead.
const LEAD_TERMS: usize = 40;
/// How far (lines) beyond the candidates' window a copy of a candidate or a line holding it (a
/// breadcrumb, a window title `Headline | Site`) is looked for.
const REPEAT_REACH_LINES: usize = 20;
/// ... and how many of the page's first lines (a window title, a breadcrumb over a menu).
const TOP_LINES: usize = 10;
/// What separates the parts of a line holding the headline: `Headline | Site`, `Home » News » Headline`.
const SEPARATORS: [&str; 10] = [" | ", " - ", " – ", " — ", " » ", " › ", " > ", " / ", " :: ", ": "];

/// The model's inputs, in order.
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "rule_title",
    "rule_subtitle",
    "lines_up",
    "lines_down",
    "lines_up_run",
    "lines_down_run",
    "run_overlap",
    "right_over_body",
    "rank_up",
    "body_overlap",
    "lead_overlap",
    "log_words",
    "two_words_or_less",
    "sixteen_words_or_more",
    "ends_statement",
    "ends_mid_sentence",
    "trail_or_entry",
    "question",
    "kept",
    "dropped_repeat",
    "dropped_short",
    "model_score",
    "byline_or_date_under",
    "byline_or_date_over",
    "repeated",
    "held_by_longer_line",
    "title_case_share",
    "all_caps",
    "site_separator",
    "digit_share",
    "first_line",
    "log_shared_terms",
    "most_shared_terms",
    "overlap_below_best",
    "overlap_times_log_words",
    "menu_marks",
    "glued_words",
    "next_line_kept",
    "ends_with_colon",
    "rule_title_over_byline",
    "shares_less_than_one_over",
];
/// How many inputs the model reads.
pub const N_FEATURES: usize = 41;

/// A fitted ranker: inputs are standardised (`(x - mean) * scale`) and weighed; the highest score
/// among a page's candidates is its headline. (A hidden layer of 4 or 8 units scored the same in
/// grouped cross-validation, within 0.01 either way: docs/cleaner-model.md.)
#[derive(Debug, Clone)]
pub struct Weights {
    /// Each input's mean over the training candidates.
    pub mean: [f32; N_FEATURES],
    /// One over each input's standard deviation (0 for an input that never varied).
    pub scale: [f32; N_FEATURES],
    /// Each standardised input's weight.
    pub w: [f32; N_FEATURES],
}

impl Weights {
    /// The score of a candidate's inputs.
    pub fn score(&self, x: &[f32; N_FEATURES]) -> f32 {
        (0..N_FEATURES).map(|i| (x[i] - self.mean[i]) * self.scale[i] * self.w[i]).sum()
    }
}

/// A line that may be the headline, and the model's inputs for it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its index among the page's lines.
    pub line: usize,
    /// The model's inputs.
    pub x: [f32; N_FEATURES],
}

/// What the rules chose, the classes their choice replaced (the model may hand them back), and
/// the page context both read ([`super::headline::page_context`]).
#[derive(Debug, Clone, Default)]
pub struct RulesChoice {
    /// The title line and its class before.
    pub title: Option<(usize, LineClass)>,
    /// The deck line and its class before.
    pub subtitle: Option<(usize, LineClass)>,
    /// Whether the headline stands over a byline or dateline (and a deck, if any, passed the
    /// rules' tests of a deck: long enough, sharing enough of the body's words).
    pub anchored: bool,
    /// Where the body's prose starts (none: nothing was kept).
    pub first: Option<usize>,
    /// Where the longest run of kept lines starts.
    pub run: Option<usize>,
    /// The content terms of the body from `first` on, in order.
    pub body_terms: Vec<u64>,
}

impl RulesChoice {
    /// The class line `i` had before the rules marked the headline.
    fn class_before<'a>(&'a self, lines: &'a [Line], i: usize) -> &'a LineClass {
        match (&self.title, &self.subtitle) {
            (Some((t, c)), _) if *t == i => c,
            (_, Some((s, c))) if *s == i => c,
            _ => &lines[i].class,
        }
    }
}

/// The lines around the body's start that may be the headline, with their inputs. `lines` are
/// classified, with the rules' headline marked as `rules` says.
pub fn candidates(lines: &[Line], forced: &[bool], rules: &RulesChoice, cfg: &CleanConfig) -> Vec<Candidate> {
    let before = |i: usize| rules.class_before(lines, i);
    let Some(first) = rules.first else { return Vec::new() };
    // A menu's blurb the model kept can stand for the body's start far over the article: the
    // lines over the longest run of kept lines are candidates too.
    let run = rules.run.unwrap_or(first).max(first);
    // Each of the body's first content words with where it first stands (the first few are its
    // lead).
    let positions = |terms: &[u64]| {
        let mut at: HashedMap<usize> = HashedMap::with_capacity_and_hasher(terms.len(), Default::default());
        for (k, &t) in terms.iter().enumerate() {
            at.entry(t).or_insert(k);
        }
        at
    };
    let body = positions(&rules.body_terms);
    let run_body = (run > first).then(|| {
        let mut terms = Vec::new();
        body_terms(lines, run, cfg, &mut terms);
        positions(&terms)
    });
    let run_body = run_body.as_ref().unwrap_or(&body);
    let rule_title = rules.title.as_ref().map(|(t, _)| *t);
    let rule_subtitle = rules.subtitle.as_ref().map(|(s, _)| *s);
    let lo = first.saturating_sub(REACH_UP_LINES).min(rule_title.unwrap_or(usize::MAX));
    let hi = run.saturating_add(REACH_DOWN_LINES).min(lines.len()).max(rule_title.map_or(0, |t| t + 1));
    let far_run = run > first.saturating_add(REACH_DOWN_LINES + RUN_REACH_UP_LINES);
    let in_window = |i: usize| {
        i < first.saturating_add(REACH_DOWN_LINES) || !far_run || i + RUN_REACH_UP_LINES >= run || rule_title == Some(i)
    };
    let open = |i: usize| {
        let l = &lines[i];
        let class_open = matches!(before(i), LineClass::Keep | LineClass::Drop("model" | "short_text" | "repeated"));
        class_open
            && !forced.get(i).copied().unwrap_or(false)
            && !l.prose
            && (1..=MAX_WORDS).contains(&l.words)
            && !has_link(&l.text)
            && !calls_to_act(&l.text)
    };
    let anchor = |l: &Line| matches!(l.class, LineClass::Byline | LineClass::Dateline);
    // Where a copy of the headline, or a line holding it, stands: a window title or a breadcrumb
    // at the top of the page, or next to it.
    let near_lo = lo.saturating_sub(REPEAT_REACH_LINES);
    let near_hi = hi.saturating_add(REPEAT_REACH_LINES).min(lines.len());
    // (Keyed by the text's hash: a collision of two 64-bit hashes among a page's lines is not
    // worth a second hashing of every line.)
    let key = |t: &str| xxhash_rust::xxh3::xxh3_64(t.as_bytes());
    let mut copies: HashedMap<usize> = HashedMap::default();
    let mut parts: HashedMap<()> = HashedMap::default();
    for j in (0..TOP_LINES.min(near_lo)).chain(near_lo..near_hi) {
        let o = lines[j].text.trim();
        *copies.entry(key(o)).or_default() += 1;
        for_parts(o, |p| {
            parts.insert(key(p), ());
        });
    }
    let mut out = Vec::new();
    let mut rank = 0usize;
    let mut terms = Vec::new();
    for i in (lo..hi).rev() {
        if !in_window(i) || !open(i) {
            continue;
        }
        let l = &lines[i];
        let text = l.text.trim();
        terms.clear();
        content_terms(text, &mut terms);
        let share = |within: &dyn Fn(&u64) -> bool| {
            let n = terms.iter().filter(|t| within(t)).count();
            (n, if terms.is_empty() { 0.0 } else { n as f32 / terms.len() as f32 })
        };
        let (shared, body_overlap) = share(&|t| body.contains_key(t));
        let run_overlap = share(&|t| run_body.contains_key(t)).1;
        let lead_overlap = share(&|t| body.get(t).is_some_and(|&k| k < LEAD_TERMS)).1;
        let text_key = key(text);
        let repeated = copies.get(&text_key).is_some_and(|&n| n > 1);
        let held = parts.contains_key(&text_key);
        let shape = Shape::of(text);
        let flag = |b: bool| f32::from(u8::from(b));
        let x = [
            flag(rule_title == Some(i)),
            flag(rule_subtitle == Some(i)),
            (first.saturating_sub(i) as f32).ln_1p(),
            (i.saturating_sub(first) as f32).ln_1p(),
            (run.saturating_sub(i) as f32).ln_1p(),
            (i.saturating_sub(run) as f32).ln_1p(),
            run_overlap,
            flag(i + 1 == first),
            (rank as f32).ln_1p(),
            body_overlap,
            lead_overlap,
            (l.words as f32).ln(),
            flag(l.words <= 2),
            flag(l.words >= 16),
            flag(ends_statement(text)),
            flag(ends_mid_sentence(text)),
            flag(is_trail_or_entry(text)),
            flag(text.ends_with('?')),
            flag(*before(i) == LineClass::Keep),
            flag(*before(i) == LineClass::Drop("repeated")),
            flag(*before(i) == LineClass::Drop("short_text")),
            l.score.unwrap_or(0.5),
            flag(lines[i + 1..].iter().take(cfg.headline_anchor_lines.max(1)).any(anchor)),
            flag(lines[i.saturating_sub(3)..i].iter().any(anchor)),
            flag(repeated),
            flag(held),
            shape.capitalised as f32 / shape.words.max(1) as f32,
            flag(shape.letters >= 4 && shape.upper == shape.letters),
            flag([" | ", " - ", " – ", " — ", " :: "].iter().any(|s| text.contains(s))),
            shape.digits as f32 / shape.chars.max(1) as f32,
            flag(i == 0),
            (shared as f32).ln_1p(),
            0.0,
            0.0,
            body_overlap * (l.words as f32).ln_1p(),
            flag(text.matches(['·', '•', '|', '[', ']', '»']).nth(1).is_some()),
            flag(glued(text)),
            flag(i + 1 < lines.len() && *before(i + 1) == LineClass::Keep),
            flag(text.ends_with(':')),
            flag(rule_title == Some(i) && rules.anchored),
            0.0,
        ];
        out.push(Candidate { line: i, x });
        rank += 1;
    }
    // How each candidate stands against the page's others.
    let most = out.iter().map(|c| c.x[SHARED]).fold(0.0, f32::max);
    let best_overlap = out.iter().map(|c| c.x[OVERLAP]).fold(0.0, f32::max);
    for c in &mut out {
        c.x[MOST_SHARED] = f32::from(u8::from(c.x[SHARED] >= most && most > 0.0));
        c.x[BELOW_BEST] = best_overlap - c.x[OVERLAP];
    }
    // A deck under its headline, or the headline's second line, shares fewer of the body's words
    // than a candidate just over it.
    let shared: Vec<(usize, f32)> = out.iter().map(|c| (c.line, c.x[SHARED])).collect();
    for c in &mut out {
        let under = shared.iter().any(|&(l, s)| l < c.line && c.line - l <= NEIGHBOUR_LINES && s > c.x[SHARED]);
        c.x[UNDER_MORE_SHARED] = f32::from(u8::from(under));
    }
    out
}

/// Where input `name` stands among [`FEATURE_NAMES`]; a name that is not there fails the build.
const fn input(name: &str) -> usize {
    let mut i = 0;
    while i < N_FEATURES {
        let (a, b) = (FEATURE_NAMES[i].as_bytes(), name.as_bytes());
        let mut same = a.len() == b.len();
        let mut k = 0;
        while same && k < a.len() {
            same = a[k] == b[k];
            k += 1;
        }
        if same {
            return i;
        }
        i += 1;
    }
    panic!("not an input of the headline model")
}

/// The inputs read or filled in after a candidate's own.
const RULE_TITLE: usize = input("rule_title");
const RULE_SUBTITLE: usize = input("rule_subtitle");
const RULE_ANCHORED: usize = input("rule_title_over_byline");
const SHARED: usize = input("log_shared_terms");
const MOST_SHARED: usize = input("most_shared_terms");
const BELOW_BEST: usize = input("overlap_below_best");
const OVERLAP: usize = input("body_overlap");
const UNDER_MORE_SHARED: usize = input("shares_less_than_one_over");
/// How many lines over a candidate another one counts as just over it.
const NEIGHBOUR_LINES: usize = 3;

/// Calls `f` with each part of a line made of parts (`Headline | Site`, `Home » News »
/// Headline`), trimmed; not at all for a line of one part.
fn for_parts<'a>(line: &'a str, mut f: impl FnMut(&'a str)) {
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut at = 0;
    while let Some(k) = memchr::memchr2(b' ', b':', &bytes[at..]) {
        let here = at + k;
        // Most spaces are between words: only a separator's second byte makes it worth a look.
        let maybe = bytes[here] == b':' || bytes.get(here + 1).is_some_and(|b| b"|->/:\xC2\xE2".contains(b));
        match SEPARATORS.iter().find(|s| maybe && line[here..].starts_with(**s)) {
            Some(sep) => {
                let part = line[start..here].trim();
                if !part.is_empty() {
                    f(part);
                }
                start = here + sep.len();
                at = start;
            }
            None => at = here + 1,
        }
    }
    if start > 0 {
        let part = line[start..].trim();
        if !part.is_empty() {
            f(part);
        }
    }
}

/// Counts of a line's characters and words, in one pass.
#[derive(Default)]
struct Shape {
    chars: usize,
    letters: usize,
    upper: usize,
    digits: usize,
    words: usize,
    /// Words that start with a capital.
    capitalised: usize,
}

impl Shape {
    fn of(text: &str) -> Self {
        let mut s = Self::default();
        let mut in_word = false;
        for c in text.chars() {
            s.chars += 1;
            if c.is_whitespace() {
                in_word = false;
                continue;
            }
            let upper = c.is_uppercase();
            if !in_word {
                s.words += 1;
                s.capitalised += usize::from(upper);
                in_word = true;
            }
            s.letters += usize::from(c.is_alphabetic());
            s.upper += usize::from(upper);
            s.digits += usize::from(c.is_ascii_digit());
        }
        s
    }
}

/// Whether a word of `text` runs a lower-case letter into a capital (`ArtistMassage`, `Jan's
/// BlogFacebook`): a row of menu items the dump ran together.
fn glued(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(3).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase() && w[2].is_ascii_lowercase())
}

/// Which of `candidates` is the headline: the one the model ranks highest, but for the rules'
/// deck under a headline over its byline or dateline (where the rules tested the deck: long
/// enough, sharing enough of the body's words): the model judges a line alone and tends to prefer
/// the longer deck, which shares more of the body's words.
pub fn best(candidates: &[Candidate], m: &Weights) -> Option<usize> {
    let top = (0..candidates.len())
        .map(|k| (k, m.score(&candidates[k].x)))
        .fold(None, |acc: Option<(usize, f32)>, (k, s)| match acc {
            Some((_, best)) if best >= s => acc,
            _ => Some((k, s)),
        })
        .map(|(k, _)| k)?;
    if candidates[top].x[RULE_SUBTITLE] > 0.5
        && let Some(k) = candidates.iter().position(|c| c.x[RULE_ANCHORED] > 0.5)
    {
        return Some(k);
    }
    Some(top)
}

/// Whether a candidate is the rules' headline.
pub fn is_rules_title(c: &Candidate) -> bool {
    c.x[RULE_TITLE] > 0.5
}

/// Moves the headline to the line the model ranks highest, when that is not the rules' choice:
/// the rules' lines get their classes back, and their deck stays only right under the new title.
pub fn rerank(lines: &mut [Line], forced: &[bool], rules: RulesChoice, cfg: &CleanConfig, m: &Weights) {
    let found = candidates(lines, forced, &rules, cfg);
    let Some(title) = best(&found, m).map(|k| found[k].line) else { return };
    if rules.title.as_ref().is_some_and(|(t, _)| *t == title) {
        return;
    }
    let deck = rules.subtitle.as_ref().map(|(s, _)| *s).filter(|&s| s > title && s - title <= 2);
    for (i, class) in rules.title.into_iter().chain(rules.subtitle) {
        if Some(i) != deck {
            lines[i].class = class;
        }
    }
    lines[title].class = LineClass::Title;
}

#[cfg(test)]
mod tests {
    use super::super::headline::page_context;
    use super::super::headline::tests::line;
    use super::*;

    const MENU: LineClass = LineClass::Drop("model");

    const BODY: [&str; 3] = [
        "The harbour tunnel will open to traffic next week, once the last safety checks on the harbour tunnel are done by the engineers.",
        "Engineers had to cut the harbour tunnel through a layer of hard rock that was not on any of the survey maps of the city.",
        "The council expects thirty thousand cars a day once the harbour tunnel and the toll road open to traffic in spring.",
    ];

    fn page(above: &[(&str, LineClass)]) -> Vec<Line> {
        let mut lines: Vec<Line> = above.iter().map(|(t, c)| line(t, c.clone())).collect();
        lines.extend(BODY.iter().map(|t| line(t, LineClass::Keep)));
        lines
    }

    /// Weights that read one input only.
    fn only(name: &str, weight: f32) -> Weights {
        let mut w = [0.0; N_FEATURES];
        w[input(name)] = weight;
        Weights { mean: [0.0; N_FEATURES], scale: [1.0; N_FEATURES], w }
    }

    #[test]
    fn the_relative_inputs_are_where_their_names_say() {
        assert_eq!(FEATURE_NAMES[SHARED], "log_shared_terms");
        assert_eq!(FEATURE_NAMES[SHARED + 1], "most_shared_terms");
        assert_eq!(FEATURE_NAMES[SHARED + 2], "overlap_below_best");
        assert_eq!(FEATURE_NAMES[OVERLAP], "body_overlap");
        assert_eq!(FEATURE_NAMES[RULE_TITLE], "rule_title");
        assert_eq!(FEATURE_NAMES[RULE_SUBTITLE], "rule_subtitle");
        assert_eq!(FEATURE_NAMES[RULE_ANCHORED], "rule_title_over_byline");
    }

    #[test]
    fn the_rules_lines_get_their_classes_back_and_a_deck_stays_only_under_the_new_title() {
        let cfg = CleanConfig::default();
        let mut lines = page(&[
            ("Harbour tunnel opens to traffic after three years of building", MENU),
            ("City News", LineClass::Drop("repeated")),
            ("Tunnel traffic", LineClass::Title),
            ("Harbour tunnel opens", LineClass::Subtitle),
        ]);
        let rules =
            RulesChoice { title: Some((2, LineClass::Keep)), subtitle: Some((3, MENU)), ..page_context(&lines, &cfg) };
        // The longest candidate wins: the first line, far from the rules' deck.
        rerank(&mut lines, &[false; 7], rules.clone(), &cfg, &only("log_words", 1.0));
        let classes: Vec<&LineClass> = lines[..4].iter().map(|l| &l.class).collect();
        assert_eq!(classes, [&LineClass::Title, &LineClass::Drop("repeated"), &LineClass::Keep, &MENU]);
        // A model that agrees with the rules changes nothing.
        let mut same = page(&[
            ("Harbour tunnel opens to traffic after three years of building", MENU),
            ("City News", LineClass::Drop("repeated")),
            ("Tunnel traffic", LineClass::Title),
            ("Harbour tunnel opens", LineClass::Subtitle),
        ]);
        let before = same.clone();
        rerank(&mut same, &[false; 7], rules, &cfg, &only("rule_title", 1.0));
        assert_eq!(same, before);
    }

    #[test]
    fn the_deck_under_a_new_title_stays() {
        let cfg = CleanConfig::default();
        let mut lines = page(&[
            ("Harbour tunnel opens to traffic after three years of building", MENU),
            ("Harbour tunnel opens", LineClass::Subtitle),
        ]);
        let rules = RulesChoice { subtitle: Some((1, MENU)), ..page_context(&lines, &cfg) };
        rerank(&mut lines, &[false; 5], rules, &cfg, &only("log_words", 1.0));
        assert_eq!(lines[0].class, LineClass::Title);
        assert_eq!(lines[1].class, LineClass::Subtitle);
    }

    #[test]
    fn candidates_are_short_open_lines_around_the_body_and_never_forced_prose_or_links() {
        let cfg = CleanConfig::default();
        let lines = page(&[
            ("Skip to content", LineClass::Drop("ui_label")),
            ("Read more at www.example.com", MENU),
            ("Get started for free", MENU),
            ("Harbour tunnel opens to traffic", MENU),
            ("Kept by a pattern", MENU),
        ]);
        let forced = [false, false, false, false, true, false, false, false];
        let found = candidates(&lines, &forced, &page_context(&lines, &cfg), &cfg);
        let at: Vec<usize> = found.iter().map(|c| c.line).collect();
        // Nearest the body first; the body's first prose line is no candidate, its short ones are.
        assert_eq!(at, [3]);
        let near = &found[0].x;
        assert_eq!(near[input("right_over_body")], 0.0);
        assert!(near[OVERLAP] > 0.5, "the headline shares the body's words");
        assert_eq!(near[MOST_SHARED], 1.0, "and the most of them");
    }

    #[test]
    fn the_shipped_model_takes_the_headline_over_the_article_not_a_menu_heading() {
        let cfg = CleanConfig::default();
        let mut lines = page(&[
            ("Home", MENU),
            ("Services", MENU),
            ("Remote Access", LineClass::Title),
            ("Our products", MENU),
            ("Harbour tunnel opens to traffic after three years of work", MENU),
            ("By Ann Lee", LineClass::Byline),
            ("March 3, 2025", LineClass::Dateline),
        ]);
        let rules = RulesChoice { title: Some((2, MENU)), ..page_context(&lines, &cfg) };
        rerank(&mut lines, &[false; 10], rules, &cfg, &super::super::headline_weights::TEXT);
        assert_eq!(lines[4].class, LineClass::Title);
        assert_eq!(lines[2].class, MENU);
    }

    #[test]
    fn a_line_of_parts_gives_each_part() {
        let parts = |line: &str| {
            let mut out = Vec::new();
            for_parts(line, |p| out.push(p.to_string()));
            out
        };
        assert_eq!(parts("Harbour tunnel opens | City News"), ["Harbour tunnel opens", "City News"]);
        assert_eq!(parts("Home » News » Harbour tunnel opens"), ["Home", "News", "Harbour tunnel opens"]);
        assert_eq!(parts("City News: Harbour tunnel opens -  "), ["City News", "Harbour tunnel opens"]);
        assert!(parts("Harbour tunnel opens to traffic").is_empty());
        assert!(parts("Ratio 3:1 and a half-time lead").is_empty());
    }

    #[test]
    fn a_lines_shape_is_counted_in_one_pass() {
        let s = Shape::of("Ärzte warnen: 3 NEUE Fälle  in Köln");
        assert_eq!((s.words, s.capitalised, s.digits), (7, 4, 1));
        assert_eq!((s.letters, s.upper, s.chars), (26, 7, 35));
    }

    #[test]
    fn menu_items_run_together_are_glued() {
        assert!(glued("Makeup ArtistMassage Therapist"));
        assert!(glued("Jan's BlogFacebook"));
        assert!(!glued("Harbour Tunnel Opens"));
        assert!(!glued("NASA launches a probe"));
    }
}
