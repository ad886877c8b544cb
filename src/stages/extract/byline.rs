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
        // A sentence's full stop (`Jeff Cobb. Last Updated`), not an initial's (`R.D.`).
        if let Some(head) = name.strip_suffix('.')
            && head.chars().next_back().is_some_and(char::is_lowercase)
        {
            name = head;
        }
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

static BYLINE_LABEL: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    // The labels `[clean] byline_pattern` accepts in front of a name (English, German, French,
    // Spanish/Portuguese, Italian, Dutch, Russian).
    Regex::new(r"(?i)^(?:about the authors?|the authors?|by|written by|reported by|reporter|posted by|authors?|authored by|von|par|por|di|door|автор)(?:[:\s]+|$)")
        .expect("byline pattern is valid")
        .into()
});

/// Most words in a name shown on the line after a byline label (`By` / `Meghan Holmes`).
const NAME_MAX_WORDS: usize = 6;

/// The name a byline line gives, without its label; a label alone (`By`, `Written by`, `Author`)
/// names whoever the next short line does, as pages show the name as a link of its own.
pub(super) fn byline_at(lines: &[Line], i: usize) -> Option<String> {
    let line = BYLINE_LABEL.replace(&lines.get(i)?.text, "");
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
    /// Longest name line, in characters.
    const NAME_MAX_CHARS: usize = 40;
    let title = lines.iter().position(|l| l.class == LineClass::Title)?;
    let dated = |i: usize| {
        lines
            .iter()
            .skip(i.saturating_sub(NAME_NEAR_DATE_LINES))
            .take(2 * NAME_NEAR_DATE_LINES + 1)
            .any(|l| l.class == LineClass::Dateline)
    };
    lines.iter().enumerate().skip(title + 1).take(NAME_UNDER_HEADLINE_LINES).find_map(|(i, l)| {
        if l.class == LineClass::Keep {
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
    fn a_name_alone_or_after_its_date_stays() {
        for line in ["Ann Example", "John Q.", "March 12, 2025 by Haley Hoekstra", "12:30", "2025", "Ayşe Demirtaş"] {
            assert_eq!(name_of(line), line);
        }
    }
}
