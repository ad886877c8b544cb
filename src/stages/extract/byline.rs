//! The author a page shows. Bylines come labelled (`By Ann Lee`, a `By` of its own over the name's
//! link) or as a name standing alone under the headline next to the date; the name on such a line
//! is cut off the date, revision label, reading time or separator pages print beside it (`Matt
//! Miller on Dec 16, 2025 at 11:00 AM`, `Jessie Festa | Updated on June 7, 2024`, `Sarah Schwartz —
//! November 18, 2025 6 min read`): the byline is the name, and the date has its own field.

use std::sync::LazyLock;

use regex::Regex;

use crate::date::find_date;
use crate::per_thread::PerThread;
use crate::record::{Line, LineClass};

/// Where a name on a byline line ends, besides a date ([`crate::date::date_start`]): a publication
/// or revision label, a time of day, a relative time, a reading time, a year (with a day and month
/// in any form around it: `04-ago-2021`).
static NAME_END: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)\b(?:published|posted|updated|last updated|modified|publiziert|veröffentlicht|aktualisiert",
        r"|publié|mis à jour|publicado|actualizado|pubblicato|aggiornato|gepubliceerd)\b",
        r"|(?-u:\b)\d{1,2}:\d{2}",
        r"|(?-u:\b)\d{1,2}/\d{1,2}/\d{2}(?-u:\b)",
        r"|\b\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b",
        r"|\b(?:today|yesterday)\b",
        r"|\b\d+\s*min(?:ute)?s?\s+read\b",
        r"|(?-u:\b)(?:\d{1,2}[-./]\p{L}{3,9}[-./])?(?:19|20)\d{2}(?-u:\b)",
        // Run into the name from the next text node: `Amanda FurrerUpdated:`, `Jeffrey ZeldmanNovember 20`.
        r"|(?-i:\p{Ll}(?P<glued>Published|Updated|Posted|January|February|March|April|June|July|August|September|October|November|December))",
    ))
    .expect("byline end pattern is valid")
    .into()
});

/// Words left between a name and the date cut off it (`on`, `at`, `le`, a weekday).
const CONNECTORS: [&str; 26] = [
    "on",
    "at",
    "am",
    "um",
    "le",
    "el",
    "il",
    "em",
    "op",
    "de",
    "the",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "sat",
];

/// Marks between a name and what follows it (`|`, `•`, `—`, `·`, `⋅`, `»`).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || "-–—|•·⋅,:;»/([@*~©".contains(c)
}

/// The name of a byline line: cut before the first date, label or time that follows a name,
/// without the separators and words (`on`, a weekday) left before it. A line that starts with its
/// date, or holds nothing else, is given back as it is: there is no name before the date to keep.
pub(super) fn name_of(byline: &str) -> &str {
    let date = crate::date::date_start(byline);
    // A glued match starts with the name's last letter; the name ends after it.
    let other = NAME_END.captures_iter(byline).filter_map(|c| c.name("glued").or_else(|| c.get(0))).map(|m| m.start());
    let end = match date.into_iter().chain(other).min() {
        Some(end) if end > 0 => end,
        _ => return byline,
    };
    let mut name = &byline[..end];
    loop {
        let before = name.len();
        name = name.trim_end_matches(is_separator);
        if name.ends_with(']')
            && let Some(open) = name.rfind('[')
        {
            // An image's text in a dump (`Richard Garner [circle-que] Updated ...`).
            name = &name[..open];
        }
        // `Jeff Cobb. Last Updated`
        name = without_full_stop(name);
        if let Some((head, last)) = name.rsplit_once(char::is_whitespace)
            && CONNECTORS.iter().any(|w| last.eq_ignore_ascii_case(w))
        {
            name = head;
        }
        if name.len() == before {
            break;
        }
    }
    if name.chars().any(char::is_alphabetic) { name } else { byline }
}

/// `name` without a sentence's full stop after it (`Jeff Cobb.`), but with an initial's (`John
/// Q.`, `R.D.`).
fn without_full_stop(name: &str) -> &str {
    match name.strip_suffix('.') {
        Some(head) if head.chars().next_back().is_some_and(char::is_lowercase) => head,
        _ => name,
    }
}

static BYLINE_LABEL: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    // The labels `[clean] byline_pattern` accepts in front of a name (English, German, French,
    // Spanish/Portuguese, Italian, Dutch, Russian).
    Regex::new(r"(?i)^(?:about the authors?|the authors?|by|written by|reported by|reporter|posted by|authors?|authored by|von|par|por|di|door|автор)(?:[:\s]+|$)")
        .expect("byline pattern is valid")
        .into()
});

/// A byline label with the name run into it, the name's capital right after `by`; `BY` in
/// capitals is left alone (`BYRNE`).
static GLUED_LABEL: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:[Bb]y|[Ww]ritten by|[Pp]osted by|[Rr]eported by|[Aa]uthored by)(?P<name>\p{Lu})")
        .expect("glued byline pattern is valid")
        .into()
});

/// Most words in a name shown on the line after a byline label (`By` / `Meghan Holmes`).
const NAME_MAX_WORDS: usize = 6;

/// The name a byline line gives, without its label; a label alone (`By`, `Written by`, `Author`)
/// names whoever the next short line does, as pages show the name as a link of its own.
pub(super) fn byline_at(lines: &[Line], i: usize) -> Option<String> {
    // A label run into the name by inline markup (`byClemson News`, `Written byAAA Travel`).
    let unglued = GLUED_LABEL.replace(&lines.get(i)?.text, "$name");
    let line = BYLINE_LABEL.replace(&unglued, "");
    let name = name_of(line.trim());
    if !name.is_empty() {
        return Some(name.to_string());
    }
    lines
        .iter()
        .skip(i + 1)
        .take(2)
        .find(|l| l.words > 0 && l.words <= NAME_MAX_WORDS && find_date(&l.text).is_none())
        .map(|l| BYLINE_LABEL.replace(&l.text, "").trim().to_string())
        .filter(|n| !n.is_empty())
}

/// How many lines under the headline a name standing alone may be its byline.
const NAME_UNDER_HEADLINE_LINES: usize = 4;
/// How many lines from such a name a dateline must be, for the name to be the author's.
const NAME_NEAR_DATE_LINES: usize = 3;

/// A person's name as a line of its own: two to four capitalised words (particles such as `van`
/// or `de` between them), no digits.
static NAME_LINE: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:\p{Lu}[\p{L}'’.\-]+|\p{Lu}\.)(?:\s+(?:\p{Lu}[\p{L}'’.\-]*|van|de|der|den|von|da|di|du|le|la|bin|al)){1,3}$")
        .expect("name line pattern is valid")
        .into()
});

/// Words of the buttons and links a page shows under its headline, which no name is made of
/// (`Print This Page`, `Thread Tools`, `Sign In`, `User Image`).
const INTERFACE_WORDS: [&str; 27] = [
    "print",
    "page",
    "register",
    "faq",
    "sign",
    "log",
    "login",
    "share",
    "menu",
    "home",
    "search",
    "subscribe",
    "read",
    "more",
    "comments",
    "comment",
    "contact",
    "about",
    "help",
    "email",
    "follow",
    "save",
    "listen",
    "next",
    "image",
    "user",
    "tools",
];

/// The author's name a page shows on a line of its own under the headline, next to the date
/// (`Headline` / `Ryan Carrigan` / `March 3, 2025`), with or without a label (`Written by`): page
/// dumps carry no byline markup, and the byline rules know a name only after `By`.
pub(super) fn name_under_headline(lines: &[Line]) -> Option<String> {
    let title = lines.iter().position(|l| l.class == LineClass::Title)?;
    let dated = |i: usize| {
        lines
            .iter()
            .skip(i.saturating_sub(NAME_NEAR_DATE_LINES))
            .take(2 * NAME_NEAR_DATE_LINES + 1)
            .any(|l| l.class == LineClass::Dateline)
    };
    lines.iter().enumerate().skip(title + 1).take(NAME_UNDER_HEADLINE_LINES).find_map(|(i, l)| {
        // The headline again (a page's second heading) reads as a name when short.
        if l.class == LineClass::Keep || l.text.trim().eq_ignore_ascii_case(lines[title].text.trim()) {
            return None;
        }
        let name = BYLINE_LABEL.replace(&l.text, "");
        // `ByDaryl Austin`: the label and the name in two elements with no space between.
        let name = match name.trim().strip_prefix("By") {
            Some(rest) if rest.starts_with(char::is_uppercase) => rest,
            _ => name.trim(),
        };
        // A name is no acronym (`UX Analytics`, `FREE SEO AUDIT`) and no button.
        let interface = name.split_whitespace().any(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            (letters >= 2 && !w.chars().any(char::is_lowercase))
                || INTERFACE_WORDS.iter().any(|i| i.eq_ignore_ascii_case(w))
        });
        (name.chars().count() <= NAME_MAX_CHARS && NAME_LINE.is_match(name) && !interface && dated(i))
            .then(|| name.to_string())
    })
}

/// Lines above the headline a byline the page shows may stand on (`Picture of Ann Lee` / `Ann
/// Lee` / `March 3, 2025` over the headline).
const SHOWN_ABOVE_HEADLINE_LINES: usize = 8;
/// Lines under the headline a byline the page shows may stand on.
const SHOWN_UNDER_HEADLINE_LINES: usize = 12;
/// Most words of a line whose `by` names its author: a longer line is a sentence (`inspired by
/// Jane Austen`), unless the `by` follows a full stop (a deck run into its byline in a dump) or a
/// date (categories listed after the name).
const BY_LINE_MAX_WORDS: usize = 16;
/// How many lines from a name standing alone a date or reading time must be.
const SHOWN_NEAR_DATE_LINES: usize = 2;
/// Longest name line, in characters.
const NAME_MAX_CHARS: usize = 40;

/// A name at the start of the text after `by`: up to five capitalised words (with particles and
/// `&` / `and` between co-authors' names).
static NAME_RUN: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^\p{Lu}[\p{L}'’.\-]*(?:\s+(?:\p{Lu}[\p{L}'’.\-]*|van|de|der|den|von|da|di|du|le|la|bin|al|&|and)){0,4}",
    )
    .expect("name run pattern is valid")
    .into()
});

/// A reading time (`9 min read`, `Reading time`), shown beside the author as a date is.
static READING_TIME: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b\d+\s*min(?:ute)?s?\s+read\b|\breading time\b").expect("reading time pattern is valid").into()
});

/// Words right before a `by` that make what follows the author: labels (`Written by`, an essay's
/// `Text by`, a blog's `View all posts by`) and a doubled `by`. Any other word makes it a credit or a phrase (`Photo by`, `Sort by`, `inspired
/// by`); a date, a number or punctuation leaves it a byline.
const BY_LABELS: [&str; 10] =
    ["written", "posted", "reported", "authored", "story", "words", "article", "by", "text", "posts"];

/// Words of interface and section names that no name is made of, beyond [`INTERFACE_WORDS`]
/// (`Start Free Trial`, `Related Posts`, `Table of Contents`).
const SECTION_WORDS: [&str; 26] = [
    "logo",
    "community",
    "forum",
    "forums",
    "member",
    "members",
    "admin",
    "moderator",
    "trial",
    "start",
    "free",
    "demo",
    "blog",
    "news",
    "latest",
    "related",
    "posts",
    "post",
    "article",
    "articles",
    "table",
    "contents",
    "category",
    "categories",
    "tags",
    "topics",
];

/// The author's name a page shows around its headline where neither markup nor a `By` line
/// named one: `by` and a name anywhere on a short line; a label on a line of its own (`Written
/// by`, `Article written by:`) over the name; a name standing alone next to a date or a reading
/// time, or right under its picture's text (`Picture of Ann Lee` / `Ann Lee`). Tried in that
/// order, the nearest the headline first; then, anywhere on the page, a dated `by` line
/// ([`DatedByline`]) and an author's box ([`author_box`]). A name (before its role or
/// credentials) is made of capitalised words none of which the page uses in lower case
/// elsewhere: `Travel Tips` and `Key Features` are headings, not people.
#[cfg(test)]
fn shown_byline(lines: &[Line]) -> Option<String> {
    shown_byline_with(lines, &DatedByline::new(lines))
}

/// [`shown_byline`], with the page's dated byline looked for at most once (the extractor reads
/// its date too).
pub(super) fn shown_byline_with(lines: &[Line], dated: &DatedByline<'_>) -> Option<String> {
    let title = lines.iter().position(|l| l.class == LineClass::Title);
    // Where the article's prose starts: the headline may have been taken from elsewhere on the
    // page (a menu's heading), and the byline stands over the prose all the same.
    let body = lines.iter().position(|l| l.class == LineClass::Keep && l.prose).map(|i| i.saturating_sub(1));
    let around = |title: usize| shown_byline_around(lines, title);
    title
        .and_then(around)
        .or_else(|| body.filter(|&b| Some(b) != title).and_then(around))
        .or_else(|| dated.get().map(|(name, _)| name.clone()))
        .or_else(|| author_box(lines))
}

/// The name over an author's box, wherever on the page: a name on a line of its own, then the
/// author's words about themselves (`Mike Woodward` / `I'm a data science VP with ...`; `Cody
/// Jensen` / `Cody is a ... he ...`), when the page has one such box. The text under a heading
/// may open with the heading's word and a verb too (`Tuition Rates` / `Tuition is based on ...`)
/// but speaks of no person: the words about the author must say `he`, `she`, `they`, `I` or the
/// like.
fn author_box(lines: &[Line]) -> Option<String> {
    let mut names = lines.windows(2).filter_map(|pair| {
        let bio = pair[1].text.as_str();
        // The cheap tests first: this looks at every line of pages with no byline near the top.
        let in_first_person = ["I'm ", "I’m ", "I am "].iter().any(|p| bio.starts_with(p));
        let opening = crate::record::truncate_str(bio, BIO_VERB_REACH_BYTES);
        if pair[1].words < BIO_MIN_WORDS || !(in_first_person || BIO_VERBS.iter().any(|v| opening.contains(v))) {
            return None;
        }
        let name = standing_name(&pair[0].text)?;
        let first = name.split_whitespace().next().unwrap_or_default();
        let said_of =
            |who: &str| bio.strip_prefix(who).is_some_and(|rest| BIO_VERBS.iter().any(|v| rest.starts_with(v)));
        let personal = bio
            .split(|c: char| !c.is_alphabetic() && c != '\'' && c != '’')
            .take(BIO_PRONOUN_WORDS)
            .any(|w| PERSONAL_PRONOUNS.contains(&w));
        (in_first_person || ((said_of(first) || said_of(name_part(&name))) && personal)).then_some(name)
    });
    let name = names.next()?;
    names.all(|other| other == name).then_some(name).filter(|name| proper_name(name_part(name), lines))
}

/// What an author's box says of them after their name (`Cody is a ...`, `Ann Lee has been ...`): a news
/// teaser under a person's name says what they did (`Boris Johnson has pledged ...`).
const BIO_VERBS: [&str; 6] = [" is a ", " is an ", " writes ", " joined ", " has been ", " was born "];

/// Words that speak of a person, looked for among an author's box's first [`BIO_PRONOUN_WORDS`].
const PERSONAL_PRONOUNS: [&str; 11] = ["he", "she", "his", "her", "him", "they", "their", "I", "my", "I'm", "I’m"];

/// How far into an author's box its verb may stand (after a name of up to [`NAME_MAX_CHARS`]).
const BIO_VERB_REACH_BYTES: usize = 2 * NAME_MAX_CHARS;

/// How many words of an author's box are looked at for a pronoun.
const BIO_PRONOUN_WORDS: usize = 40;

/// Fewest words of an author's words about themselves.
const BIO_MIN_WORDS: usize = 8;

/// The name of a `by` line that also shows a date, wherever on the page (a blog's footer: `Posted
/// by Colin Watson on 2025-12-18 in debusine.`, `Last updated March 3, 2025 by Erik Demaine.`),
/// when every such line names the same person (a thread's or a comment section's lines name
/// several), and the first line that shows it: that line's date is the page's when nothing nearer
/// the top shows one. Looked for at most once a page, when first asked.
pub(super) struct DatedByline<'a> {
    lines: &'a [Line],
    found: std::cell::OnceCell<Option<(String, usize)>>,
}

impl<'a> DatedByline<'a> {
    /// The dated byline of `lines`, not looked for yet.
    pub(super) fn new(lines: &'a [Line]) -> Self {
        Self { lines, found: std::cell::OnceCell::new() }
    }

    /// The name and the line that shows it, if the page has such a byline.
    pub(super) fn get(&self) -> Option<&(String, usize)> {
        self.found.get_or_init(|| dated_byline_at(self.lines)).as_ref()
    }
}

/// See [`DatedByline`].
fn dated_byline_at(lines: &[Line]) -> Option<(String, usize)> {
    let mut names = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.words <= BY_LINE_MAX_WORDS && !matches!(l.class, LineClass::Copyright))
        .filter_map(|(i, l)| by_name(&l.text, l.words).filter(|_| find_date(&l.text).is_some()).map(|n| (n, i)));
    let (name, at) = names.next()?;
    (names.all(|(other, _)| other == name) && proper_name(name_part(&name), lines)).then_some((name, at))
}

/// [`shown_byline`] around the headline at line `title`.
fn shown_byline_around(lines: &[Line], title: usize) -> Option<String> {
    let from = title.saturating_sub(SHOWN_ABOVE_HEADLINE_LINES);
    let to = (title + SHOWN_UNDER_HEADLINE_LINES + 1).min(lines.len());
    // (rule, distance from the headline, name)
    let mut found: Vec<(u8, usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        let distance = i.abs_diff(title);
        if let Some(name) = by_name(&line.text, line.words) {
            found.push((0, distance, name));
        }
        if is_label_alone(&line.text)
            && let Some(name) = lines.iter().skip(i + 1).take(2).find_map(|l| named_after_label(&l.text))
        {
            found.push((1, distance, name));
        }
        if i != title
            && line.class != LineClass::Keep
            && let Some(name) = standing_name(&line.text)
            && (near_date(lines, i, title) || under_its_picture(lines, i, &name))
            && !among_items(lines, i, title, &name)
        {
            found.push((2, distance, name));
        }
    }
    found.sort_by_key(|(rule, distance, _)| (*rule, *distance));
    found.into_iter().map(|(_, _, name)| name).find(|name| proper_name(name_part(name), lines))
}

/// The name of a byline that goes on with a role, credentials or an outlet (`Eliz - Product
/// marketer`, `Dylan Bailey, MS, RD`, `Sergio Martínez-Beltrán | The Texas Newsroom`): what
/// stands before the first separator.
fn name_part(byline: &str) -> &str {
    // One pass over the characters (`, `, or ` - ` and the like): called for most short lines.
    let mut chars = byline.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let separated = match c {
            ',' => next == Some(' '),
            ' ' => next.is_some_and(|n| "-–—|⋅·".contains(n)) && byline[at + 1..].chars().nth(1) == Some(' '),
            _ => false,
        };
        if separated {
            return &byline[..at];
        }
    }
    byline
}

/// The name a `by` on `text` (of `words` words) introduces, if it is a byline's.
fn by_name(text: &str, words: usize) -> Option<String> {
    // `© 2008 by Example Newspapers` names the owner.
    let copyright = || text.contains('©') || text.as_bytes().windows(9).any(|w| w.eq_ignore_ascii_case(b"copyright"));
    let mut marks = by_marks(text).peekable();
    if marks.peek().is_none() || copyright() {
        return None;
    }
    for (by, start) in marks {
        let before = text[..by].trim_end();
        // The name's picture or link run in before its byline (`Picture of Liam Austin By Liam
        // Austin`) is the name again, not a phrase.
        let doubled = || NAME_RUN.find(name_of(&text[start..])).is_some_and(|run| before.ends_with(run.as_str()));
        if let Some(word) = before.split_whitespace().next_back()
            && word.chars().all(char::is_alphabetic)
            && !BY_LABELS.iter().any(|l| l.eq_ignore_ascii_case(word))
            && !doubled()
        {
            continue;
        }
        // A deck run into its byline ends with a full stop, categories after the name follow a
        // date (`On January 12, 2025 By Gabby Boucher In Budget Travel, Travel Tips, ...`).
        if words > BY_LINE_MAX_WORDS && !before.ends_with(['.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
            continue;
        }
        let rest = name_of(&text[start..]);
        let Some(run) = NAME_RUN.find(rest) else { continue };
        let name = before_connective(unglued(run.as_str())).trim_end();
        // An outlet's or a logo's capitals after a name in mixed case (`Nina Pineda WABC logo`;
        // `JORDAN ROBERTSON` is a name in capitals).
        let name = name
            .rsplit_once(' ')
            .filter(|(head, last)| {
                last.chars().count() >= 2
                    && !last.chars().any(char::is_lowercase)
                    && head.chars().any(char::is_lowercase)
            })
            .map_or(name, |(head, _)| head);
        // `Damien McFerran.`
        let name = without_full_stop(name);
        // One word is a name at the line's start (`By Susan`), unless in capitals: the rest of
        // a name in capitals was cut off (`By JORDAN`).
        let one_word = !name.contains(char::is_whitespace);
        let at_start = before.is_empty() && name.chars().any(char::is_lowercase);
        if usable_name(name) && (!one_word || at_start) {
            return Some(name.to_string());
        }
    }
    None
}

/// Where a `by` (`by`, `By`, `BY`) before a capitalised word stands on `text`, wherever on the
/// line (`Published August 7, 2023 by Nicole Burke`, `by Jacob Trussell—10 min read`, `Written
/// byby Rebecca MacFarlane`, `ByNina Pineda`, `By: Ann Lee`), and where that word starts: after
/// the line's start, a space, a digit, punctuation or another `by`, not inside a word (`Abby`).
/// A scan of the bytes, as most lines a page shows have a `by` in running text.
fn by_marks(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(1)).filter_map(move |i| {
        if !matches!(&bytes[i..i + 2], b"by" | b"By" | b"BY") {
            return None;
        }
        // `b`/`B` is ASCII: `i` is a character's start.
        let head = &text[..i];
        let opens = head.chars().next_back().is_none_or(|c| {
            c.is_whitespace()
                || c.is_ascii_digit()
                || ".|•·—–,:;".contains(c)
                || head.ends_with("by")
                || head.ends_with("By")
        });
        let after = text[i + 2..].trim_start();
        let after = after.strip_prefix(':').unwrap_or(after).trim_start();
        (opens && after.starts_with(char::is_uppercase)).then(|| (i, text.len() - after.len()))
    })
}

/// The name with what ran into it from the next element cut off (`Gabby BoucherIn Budget
/// Travel`: the category's label).
fn unglued(name: &str) -> &str {
    const GLUED: [&str; 4] = ["In ", "On ", "Published", "Updated"];
    let mut prev_lower = false;
    for (i, c) in name.char_indices() {
        if prev_lower && GLUED.iter().any(|g| name[i..].starts_with(g) || name[i..] == *g.trim_end()) {
            return &name[..i];
        }
        prev_lower = c.is_lowercase();
    }
    name
}

/// The name up to a capitalised connective after its first word (`Gabby Boucher In Budget
/// Travel`: the category the page files the article in).
fn before_connective(name: &str) -> &str {
    const CONNECTIVES: [&str; 10] = ["In", "On", "At", "For", "From", "With", "The", "Of", "To", "Under"];
    let mut end = 0;
    for (i, word) in name.split(' ').enumerate() {
        if i > 0 && CONNECTIVES.contains(&word) {
            return &name[..end];
        }
        end += word.len() + 1;
    }
    name
}

/// Whether `text` is a byline label and nothing else (`By`, `Written By`, `Article written by:`).
fn is_label_alone(text: &str) -> bool {
    /// The longest label alone, in bytes (`About the authors:`, with room for spaces).
    const LABEL_MAX_BYTES: usize = 32;
    let text = text.trim();
    if text.len() > LABEL_MAX_BYTES {
        return false;
    }
    let text = text.strip_prefix("Article ").or_else(|| text.strip_prefix("article ")).unwrap_or(text);
    !text.is_empty() && BYLINE_LABEL.find(text).is_some_and(|m| m.end() == text.len())
}

/// The name on the line after a label alone: a short line that is no date, its picture's text
/// taken off.
fn named_after_label(text: &str) -> Option<String> {
    let name = name_of(without_picture(text.trim()));
    let words = name.split_whitespace().count();
    (words > 0
        && words <= NAME_MAX_WORDS
        && name.starts_with(char::is_uppercase)
        && find_date(name).is_none()
        && usable_name(name))
    .then(|| name.to_string())
}

/// A line that is a person's name and nothing else, once a picture's text (`Picture of Ann Lee
/// Ann Lee`, `[ann-lee] Ann Lee`), a glued `By` and a repeat are taken off.
fn standing_name(text: &str) -> Option<String> {
    // A name shown three times with its role is shorter than this; a paragraph is not looked at.
    if text.len() > 4 * NAME_MAX_CHARS {
        return None;
    }
    let text = without_picture(text.trim());
    let text = match text.strip_prefix("By") {
        Some(rest) if rest.starts_with(char::is_uppercase) => rest,
        _ => text,
    };
    // `Eric SongBy Eric Song, IGN Staff`: the name's link, then the byline.
    let text = match text.as_bytes().windows(3).position(|w| w == b"By ") {
        Some(at) if at > 0 && text[..at].chars().next_back().is_some_and(char::is_lowercase) => &text[at + 3..],
        _ => text,
    };
    let name = undoubled(text);
    // The name itself, before its credentials or role (`Audrey Huang, Print Managing Editor`).
    let head = name_part(name);
    let shaped =
        head.chars().count() <= NAME_MAX_CHARS && NAME_LINE.is_match(head) && head.split_whitespace().all(person_word);
    // The role may hold any word (`Print Managing Editor`): the name is what must not be an
    // interface's or a section's.
    (shaped && usable_name(head)).then(|| name.to_string())
}

/// Whether the line before line `i` is the text of `name`'s picture (`Headshot of Lisa Pham,
/// Associate Writer` over `Lisa Pham`): an author box shows the name under the photo, dated or
/// not.
fn under_its_picture(lines: &[Line], i: usize, name: &str) -> bool {
    i.checked_sub(1)
        .and_then(|j| lines.get(j))
        .and_then(|l| after_picture_label(l.text.trim()))
        .is_some_and(|pictured| pictured.starts_with(name_part(name)))
}

/// What follows a picture's label (`Picture of`, `Headshot of`, ...) at the start of `text`.
fn after_picture_label(text: &str) -> Option<&str> {
    const LABELS: [&str; 5] = ["picture of ", "headshot of ", "photo of ", "image of ", "avatar of "];
    LABELS.iter().find_map(|p| {
        text.get(..p.len()).filter(|head| head.eq_ignore_ascii_case(p)).map(|_| text[p.len()..].trim_start())
    })
}

/// Whether `word` (capitalised, of a name-shaped line) may be part of a person's name: no acronym
/// (`UX Analytics`), no run-together capitals (`APtly Said`), no function word (`The Guardian`,
/// `Other Sports`), no possessive (`Larry’s Bio`), no domain (`Visit Domain.com.au`); initials
/// (`R.D.`) are.
fn person_word(word: &str) -> bool {
    let mut chars = word.chars();
    let two_capitals = chars.next().is_some_and(char::is_uppercase) && chars.next().is_some_and(char::is_uppercase);
    let possessive = word.ends_with("'s") || word.ends_with("’s");
    let domain = word.split('.').skip(1).any(|part| part.starts_with(char::is_lowercase));
    let function = crate::stages::clean::features::is_stopword(&word.to_lowercase());
    !(two_capitals || possessive || domain || (function && word.starts_with(char::is_uppercase)))
}

/// Whether line `i` is one of several name-shaped lines in a row (`Larry’s Bio` / `Dan’s Bio`,
/// `Soccer` / `Golf` / `Horse Racing`): a menu's items, not a byline. The headline and a repeat
/// of the same name (a picture's text over its link) are no such neighbours.
fn among_items(lines: &[Line], i: usize, title: usize, name: &str) -> bool {
    [i.checked_sub(1), Some(i + 1)].into_iter().flatten().filter(|&j| j != title).any(|j| {
        lines.get(j).is_some_and(|l| {
            let other = undoubled(without_picture(l.text.trim()));
            other != name && NAME_LINE.is_match(other) && usable_name(other)
        })
    })
}

/// `text` without the text of a picture before it (`Picture of`, `Headshot of`, `[ann-lee]`).
fn without_picture(text: &str) -> &str {
    let mut text = text;
    if text.starts_with('[')
        && let Some(end) = text.find(']')
    {
        text = text[end + 1..].trim_start();
    }
    let text = after_picture_label(text).unwrap_or(text);
    // An avatar's text after the name (`Ann Lee's avatar`).
    text.strip_suffix("'s avatar").or_else(|| text.strip_suffix("’s avatar")).unwrap_or(text)
}

/// A name shown twice, as a picture's text and its link (`Ann Lee Ann Lee`, `Ann LeeAnn Lee`),
/// once.
fn undoubled(text: &str) -> &str {
    for (at, _) in text.char_indices().skip(1) {
        let unit = &text[..at];
        if unit.ends_with(' ') {
            continue;
        }
        let mut rest = &text[at..];
        let mut repeats = 0;
        while let Some(after) = rest.strip_prefix(' ').unwrap_or(rest).strip_prefix(unit) {
            rest = after;
            repeats += 1;
        }
        if repeats > 0 && rest.is_empty() {
            return unit;
        }
    }
    text
}

/// Whether a date or a reading time is shown within [`SHOWN_NEAR_DATE_LINES`] of line `i`, on
/// the same side of the headline (line `title`): a menu's last item over the headline is not
/// dated by the line under it.
fn near_date(lines: &[Line], i: usize, title: usize) -> bool {
    let (from, to) = if i < title {
        (i.saturating_sub(SHOWN_NEAR_DATE_LINES), (i + SHOWN_NEAR_DATE_LINES).min(title - 1))
    } else {
        (i.saturating_sub(SHOWN_NEAR_DATE_LINES).max(title + 1), i + SHOWN_NEAR_DATE_LINES)
    };
    lines.iter().enumerate().take(to + 1).skip(from).any(|(j, l)| {
        // A caption's sentence that mentions a day (`..., in this June 3, 2007, file photo.`)
        // is no date line.
        let date_line = l.words <= super::DATE_LINE_MAX_WORDS && find_date(&l.text).is_some();
        j != i && (matches!(l.class, LineClass::Dateline) || date_line || READING_TIME.is_match(&l.text))
    })
}

/// Whether `name` has few enough words, and none that a button or section heading is made of.
fn usable_name(name: &str) -> bool {
    let words = name.split_whitespace().count();
    words > 0
        && words <= NAME_MAX_WORDS
        && !name.split_whitespace().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            INTERFACE_WORDS.iter().chain(SECTION_WORDS.iter()).any(|i| i.eq_ignore_ascii_case(w))
        })
}

/// Whether no capitalised word of `name` (of three letters or more, not all capitals; particles
/// and `and` aside) is used in lower case
/// on the page: words of a heading are (`Travel Tips` over a text about travel), a person's
/// name seldom is.
fn proper_name(name: &str, lines: &[Line]) -> bool {
    name.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3 && w.starts_with(char::is_uppercase) && w.chars().any(char::is_lowercase))
        .all(|w| {
            let lower = w.to_lowercase();
            // One searcher for the page's lines: building one per line cost more than searching.
            let finder = memchr::memmem::Finder::new(lower.as_bytes());
            !lines.iter().any(|l| used_as_word(&l.text, &finder))
        })
}

/// Whether `word` occurs in `text` as a word of running text, as it is spelt: between spaces or
/// punctuation, not inside an address, a handle or a slug (`/author/philip-stefanov`,
/// `haley@example.com`), where names are written in lower case.
fn used_as_word(text: &str, word: &memchr::memmem::Finder<'_>) -> bool {
    let len = word.needle().len();
    word.find_iter(text.as_bytes()).any(|at| {
        // The word is whole characters, so `at` and `at + len` are character boundaries.
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let after = text.get(at + len..).and_then(|t| t.chars().next());
        let opens = before.is_none_or(|c| c.is_whitespace() || "\"'(“‘".contains(c));
        let closes = after.is_none_or(|c| c.is_whitespace() || ",;:!?)\"'”’".contains(c))
            || (after == Some('.')
                && text.get(at + len + 1..).is_some_and(|t| t.chars().next().is_none_or(char::is_whitespace)));
        opens && closes
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::word_count;

    fn line(text: &str, class: LineClass) -> Line {
        Line { text: text.into(), class, words: word_count(text), prose: false, score: None, cut: None }
    }

    #[test]
    fn a_name_on_its_own_line_under_the_headline_next_to_the_date() {
        let byline = |name: &str, class: LineClass| {
            let lines = [
                line("Tram line approved", LineClass::Title),
                line(name, class),
                line("March 3, 2025", LineClass::Dateline),
                line("The council approved the new tram line on Monday after a long debate.", LineClass::Keep),
            ];
            name_under_headline(&lines)
        };
        let dropped = LineClass::Drop("model");
        assert_eq!(byline("Ryan Carrigan", dropped.clone()).as_deref(), Some("Ryan Carrigan"));
        assert_eq!(byline("Written by Ann van der Berg", dropped.clone()).as_deref(), Some("Ann van der Berg"));
        assert_eq!(byline("ByDaryl Austin", dropped.clone()).as_deref(), Some("Daryl Austin"));
        assert_eq!(byline("Ayşe Demirtaş", dropped.clone()).as_deref(), Some("Ayşe Demirtaş"));
        // Buttons, acronyms, numbers, sentences and body text are no names.
        for not_a_name in ["Sign In", "UX Analytics", "Print This Page", "Top 10 Picks", "Read the full story here"] {
            assert_eq!(byline(not_a_name, dropped.clone()), None, "{not_a_name}");
        }
        assert_eq!(byline("Ryan Carrigan", LineClass::Keep), None);
        // With no date near, a capitalised line under a headline is as often a section's name.
        // The headline repeated under itself is no name.
        let repeated = [
            line("Top Weight Loss Medications", LineClass::Title),
            line("July 29, 2025", LineClass::Dateline),
            line("Top Weight Loss Medications", LineClass::Drop("repeated")),
        ];
        assert_eq!(name_under_headline(&repeated), None);
        let undated = [
            line("Tram line approved", LineClass::Title),
            line("Ryan Carrigan", dropped.clone()),
            line("The council approved the new tram line on Monday after a long debate.", LineClass::Keep),
        ];
        assert_eq!(name_under_headline(&undated), None);
    }

    #[test]
    fn the_date_and_what_leads_to_it_are_cut_off_the_name() {
        for (line, name) in [
            ("Matt Miller on Dec 16, 2025 at 11:00 AM", "Matt Miller"),
            ("Jessie Festa | Updated on June 7, 2024", "Jessie Festa"),
            ("Sarah Schwartz — November 18, 2025 6 min read", "Sarah Schwartz"),
            ("Emily Baron Cadloff· October 10, 2021", "Emily Baron Cadloff"),
            ("Rachael Link, MS, RD on November 14, 2019", "Rachael Link, MS, RD"),
            ("Slaytanic40oz - Tuesday, January 08, 2008 1:32 PM", "Slaytanic40oz"),
            ("David A. Utter - Fri, 12/28/2007 - 6:41am.", "David A. Utter"),
            ("Moritz Bachmann publiziert am 25. September 2018", "Moritz Bachmann"),
            ("FlowGuard EMEA on 04-ago-2021 5:11:10", "FlowGuard EMEA"),
            ("JEFF KAROUB, AP Business Writer 47 minutes ago", "JEFF KAROUB, AP Business Writer"),
            ("Oh My of Adelaide 7:57am today", "Oh My of Adelaide"),
            ("Amanda FurrerUpdated: Dec 19, 2025 1:06 PM EST", "Amanda Furrer"),
            ("Jeffrey ZeldmanNovember 20, 2007", "Jeffrey Zeldman"),
            ("Richard Garner [circle-que] Updated Sep 5, 2024", "Richard Garner"),
            (
                "Chris McNamara ⋅ Founder and Editor-in-Chief ⋅ Updated May 6, 2025",
                "Chris McNamara ⋅ Founder and Editor-in-Chief",
            ),
            (
                "Tim Childers - Live Science Contributor 2019-11-19T12:48:14Z Space",
                "Tim Childers - Live Science Contributor",
            ),
            ("김민지 기자 2024.06.22", "김민지 기자"),
            ("Tess Bonn - 11/19/19 06:56 AM EST", "Tess Bonn"),
            ("Jeff Cobb. Last Updated on December 11, 2025", "Jeff Cobb"),
            ("Elle Penner M.P.H., R.D. | December 19, 2025", "Elle Penner M.P.H., R.D."),
        ] {
            assert_eq!(name_of(line), name, "{line}");
        }
    }

    #[test]
    fn a_label_run_into_the_name_is_cut_off() {
        let at = |text: &str| byline_at(&[line(text, LineClass::Byline)], 0);
        assert_eq!(at("Written byAAA Travel Editor, SMT").as_deref(), Some("AAA Travel Editor, SMT"));
        assert_eq!(at("byClemson News").as_deref(), Some("Clemson News"));
        // Names that begin with the label's letters stay whole.
        assert_eq!(at("Byron Katie").as_deref(), Some("Byron Katie"));
        assert_eq!(at("BYRNE MILLER").as_deref(), Some("BYRNE MILLER"));
    }

    #[test]
    fn a_name_alone_or_after_its_date_stays() {
        for line in ["Ann Example", "John Q.", "March 12, 2025 by Haley Hoekstra", "12:30", "2025", "Ayşe Demirtaş"] {
            assert_eq!(name_of(line), line);
        }
    }
    /// A dump: a menu, `around` the headline (`None` stands for the headline), the body.
    fn dump(around: &[Option<&str>]) -> Vec<Line> {
        let mut lines = vec![line("Home", LineClass::Drop("ui_label")), line("Guides", LineClass::Drop("model"))];
        for l in around {
            lines.push(match l {
                Some(text) => line(text, LineClass::Drop("model")),
                None => line("How to plan a garden for the cold months", LineClass::Title),
            });
        }
        for text in [
            "Planting in the cold months takes some planning, and a garden that is ready for frost pays back in spring.",
            "Start with the frost dates for your area, then pick hardy vegetables that travel well from seed to plate.",
        ] {
            lines.push(line(text, LineClass::Keep));
        }
        lines
    }

    #[test]
    fn a_byline_over_the_body_counts_when_the_headline_was_taken_from_elsewhere() {
        // The headline model took a menu's heading far over the article for the headline: the
        // byline stands over the body's first paragraph all the same.
        let mut lines = dump(&[Some("Published August 7, 2023 by Nicole Burke")]);
        lines[1].class = LineClass::Title;
        let filler: Vec<Line> = (0..30).map(|i| line(&format!("Guide number {i}"), LineClass::Drop("model"))).collect();
        lines.splice(2..2, filler);
        for l in lines.iter_mut().filter(|l| l.class == LineClass::Keep) {
            l.prose = true;
        }
        assert_eq!(shown_byline(&lines).as_deref(), Some("Nicole Burke"));
        // Without a headline at all, too.
        lines[1].class = LineClass::Drop("model");
        assert_eq!(shown_byline(&lines).as_deref(), Some("Nicole Burke"));
    }

    #[test]
    fn a_name_standing_by_a_date_keeps_its_role_whatever_its_words() {
        let lines = dump(&[None, Some("Audrey Huang, Print Managing Editor"), Some("May 31, 2024")]);
        assert_eq!(shown_byline(&lines).as_deref(), Some("Audrey Huang, Print Managing Editor"));
        // A name that is an interface's words is none, role or not.
        let lines = dump(&[None, Some("Print Edition, Managing Editor"), Some("May 31, 2024")]);
        assert_eq!(shown_byline(&lines), None);
    }

    #[test]
    fn an_author_box_anywhere_names_the_author() {
        let page = |name: &str, bio: &str| {
            let mut lines = dump(&[None]);
            lines.extend((0..40).map(|i| line(&format!("Paragraph number {i} of the post"), LineClass::Keep)));
            lines.push(line(name, LineClass::Drop("model")));
            lines.push(line(bio, LineClass::Drop("model")));
            lines
        };
        let bio = "I'm a data science VP with extensive experience of start-ups and big companies.";
        assert_eq!(shown_byline(&page("Mike Woodward", bio)).as_deref(), Some("Mike Woodward"));
        let bio = "Cody is a certified trainer; he has coached runners for fifteen years in Utah.";
        assert_eq!(shown_byline(&page("Cody Jensen", bio)).as_deref(), Some("Cody Jensen"));
        // A heading and its text speak of no person.
        let text = "Tuition is based on a one-on-one private session with faculty in two terms.";
        assert_eq!(shown_byline(&page("Tuition Rates", text)), None);
    }

    #[test]
    fn a_dated_by_line_anywhere_names_the_author_when_it_names_one_person() {
        // A blog's footer, far under the headline and the body.
        let mut lines = dump(&[None]);
        let filler: Vec<Line> =
            (0..40).map(|i| line(&format!("Paragraph number {i} of the post"), LineClass::Keep)).collect();
        lines.extend(filler);
        lines.push(line(
            "Posted by Colin Watson on 2025-12-18 in debusine. Tags: debusine, freexian.",
            LineClass::Drop("model"),
        ));
        assert_eq!(shown_byline(&lines).as_deref(), Some("Colin Watson"));
        // A comment section's dated lines name several people: none of them is the author.
        lines.push(line("December 19, 2025 by Jane Lowry", LineClass::Drop("model")));
        assert_eq!(shown_byline(&lines), None);
        // An undated `by` far away names nobody.
        let mut lines = dump(&[None]);
        lines.extend((0..40).map(|i| line(&format!("Paragraph number {i} of the post"), LineClass::Keep)));
        lines.push(line("Posted by Colin Watson in debusine", LineClass::Drop("model")));
        assert_eq!(shown_byline(&lines), None);
    }

    #[test]
    fn a_by_anywhere_on_a_short_line_names_the_author() {
        for (shown, name) in [
            ("Published August 7, 2023 by Nicole Burke", "Nicole Burke"),
            ("September 1st, 2023 By Emily Norwood", "Emily Norwood"),
            ("by Jacob Trussell—10 min read", "Jacob Trussell"),
            ("Written byby Rebecca MacFarlane", "Rebecca MacFarlane"),
            ("Text by Hunter Dukes", "Hunter Dukes"),
            ("View All posts by Jamie Canaves", "Jamie Canaves"),
            ("Picture of Liam Austin By Liam Austin", "Liam Austin"),
            ("ByNina Pineda WABC logo", "Nina Pineda"),
            ("On January 12, 2025 By Gabby BoucherIn Budget Travel, Travel Tips", "Gabby Boucher"),
            ("By Marta Szymanowska and Conrad Heilmann", "Marta Szymanowska and Conrad Heilmann"),
            (
                "On January 12, 2025 By Gabby Boucher In Budget Travel, Budget Travel Guides, Travel Resources, Travel Tips",
                "Gabby Boucher",
            ),
            (
                "The chain is positioning for growth beyond the U.S. and Canada, its chief said this week. By Lisa Jennings on Dec. 19, 2025",
                "Lisa Jennings",
            ),
        ] {
            assert_eq!(shown_byline(&dump(&[None, Some(shown)])).as_deref(), Some(name), "{shown}");
        }
        assert_eq!(
            shown_byline(&dump(&[None, Some("4120 Industrial Ave. By JORDAN ROBERTSON, AP Writer 10 minutes ago")]))
                .as_deref(),
            Some("JORDAN ROBERTSON")
        );
        // Credits, sorting and phrases are no bylines; nor is a `by` inside a long sentence, an
        // owner's `by` in a copyright line, or the first word of a name in capitals cut off.
        for not_a_byline in [
            "© Copyright 2008 by Example Acorn Newspapers",
            "By JORDAN",
            "Photo by Jane Doe",
            "Sort by Type",
            "Powered by WordPress",
            "Inspired by Jane Austen",
            "A walk through the old town led by Anna Berg, who has guided visitors around its lanes for more than twenty years",
        ] {
            assert_eq!(shown_byline(&dump(&[None, Some(not_a_byline)])), None, "{not_a_byline}");
        }
    }

    #[test]
    fn a_label_on_its_own_line_names_the_next_one() {
        for (label, next) in [
            ("By", "Joanna Okedara"),
            ("Written By", "Stephen Jesudunsin"),
            ("Article written by:", "Headshot of Doris Munoz"),
        ] {
            let lines = dump(&[None, Some(label), Some(next), Some("Table of Contents")]);
            assert_eq!(shown_byline(&lines).as_deref(), Some(next.trim_start_matches("Headshot of ")), "{label}");
        }
        // A role after the name (`Eliz - Product marketer`: the page speaks of its product) or an
        // outlet (`The Texas Newsroom`) stays with it; only the name must be one.
        for (label, next) in [("Written by", "Eliz - Product marketer"), ("By", "Sergio Martínez | The Texas Newsroom")]
        {
            let mut lines = dump(&[None, Some(label), Some(next)]);
            lines.push(line("Our product helps the newsroom plan the garden for the cold months.", LineClass::Keep));
            assert_eq!(shown_byline(&lines).as_deref(), Some(next), "{label}");
        }
        assert_eq!(
            shown_byline(&dump(&[None, Some("By"), Some("Andrea Valeria's avatar")])).as_deref(),
            Some("Andrea Valeria")
        );
        // A column heading over members' counts is no label of a name.
        assert_eq!(shown_byline(&dump(&[None, Some("Author"), Some("Posts")])), None);
    }

    #[test]
    fn a_name_standing_by_a_date_or_reading_time_is_the_author() {
        for (around, name) in [
            (vec![Some("Picture of Andrew King"), Some("Andrew King"), Some("September 4, 2025"), None], "Andrew King"),
            (vec![None, Some("Trevor Jackins"), Some("9 min read"), Some("Updated October 8, 2025")], "Trevor Jackins"),
            (vec![None, Some("Jonathan JonesJonathan Jones"), Some("Last Updated Nov 6, 2025")], "Jonathan Jones"),
            (vec![None, Some("Picture of Adam Hamilton Adam Hamilton"), Some("August 13, 2024")], "Adam Hamilton"),
            // Credentials or a role after the name; the name's link glued to the byline.
            (
                vec![None, Some("Dylan Bailey, MS, RD"), Some("Dylan Bailey, MS, RD"), Some("Published Jun 4, 2025")],
                "Dylan Bailey, MS, RD",
            ),
            (
                vec![None, Some("Eric SongBy Eric Song, IGN Staff"), Some("Updated: Jan 4, 2018")],
                "Eric Song, IGN Staff",
            ),
            // An author box: the name under its photo's text, with no date near.
            (
                vec![
                    Some("Headshot of Lisa Pham, Associate Writer at Example"),
                    Some("Lisa Pham"),
                    Some("Start Trial"),
                    None,
                ],
                "Lisa Pham",
            ),
            // A name written in lower case in an address is still a name.
            (
                vec![None, Some("Philip Stefanov"), Some("May 5, 2025"), Some("example.com/author/philip-stefanov")],
                "Philip Stefanov",
            ),
        ] {
            assert_eq!(shown_byline(&dump(&around)).as_deref(), Some(name), "{around:?}");
        }
        // Words the page uses in lower case make a heading (`Cold Months`: the body speaks of
        // cold months); a menu item over the headline is not dated by the line under it; with no
        // date near, a name-shaped line is as often a section's name.
        for around in [
            vec![None, Some("Cold Months"), Some("March 3, 2025")],
            vec![Some("Indigo Flight Cancellations"), None, Some("Updated: Dec 17, 2025")],
            vec![None, Some("Ryan Carrigan"), Some("Table of Contents")],
            vec![None, Some("UX Analytics"), Some("March 3, 2025")],
            // A function word, a possessive or a domain is in no name; a menu's items stand in a row.
            vec![None, Some("The Guardian"), Some("March 3, 2025")],
            vec![None, Some("Larry’s Bio"), Some("March 3, 2025")],
            vec![None, Some("Visit Example.com.au"), Some("March 3, 2025")],
            vec![None, Some("Special Pages"), Some("Gold Medal Mortgage"), Some("2008-01-12 11:31:01")],
            // A photo's credit under its caption, which mentions a day in a sentence.
            vec![
                None,
                Some("Kevork Djansezian, file"),
                Some("Singer Amy Winehouse arrives at the awards in Los Angeles, in this June 3, 2007, file photo."),
            ],
        ] {
            assert_eq!(shown_byline(&dump(&around)), None, "{around:?}");
        }
    }

    proptest::proptest! {
        /// Any lines around a headline: no panic (the rules slice lines at `by`, separators and
        /// pictures' brackets), and a name found is one of the page's lines' text, trimmed.
        #[test]
        fn any_lines_give_a_name_from_the_page_or_none(
            texts in proptest::collection::vec("(By|by|BY|Written by|Picture of|\\[x\\]| |, | - |’s avatar|Ann|Lee|Élodie|Ñ|日本|May 5, 2025|2025|[A-Za-z]{1,8}|\\PC{1,3}){0,12}", 1..12),
            title in 0usize..12,
        ) {
            let mut lines: Vec<Line> = texts.iter().map(|t| line(t, LineClass::Drop("model"))).collect();
            let title = title.min(lines.len() - 1);
            lines[title].class = LineClass::Title;
            if let Some(name) = shown_byline(&lines) {
                proptest::prop_assert!(!name.trim().is_empty());
                proptest::prop_assert!(lines.iter().any(|l| l.text.contains(name.as_str())), "{name:?}");
            }
        }
    }
}
