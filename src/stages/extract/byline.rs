//! The name on a byline line. Pages print the author beside the date, a revision label, the
//! reading time or a separator (`Matt Miller on Dec 16, 2025 at 11:00 AM`, `Jessie Festa |
//! Updated on June 7, 2024`, `Sarah Schwartz — November 18, 2025 6 min read`); the byline is the
//! name, and the date has its own field.

use std::sync::LazyLock;

use regex::Regex;

use crate::per_thread::PerThread;

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

#[cfg(test)]
mod tests {
    use super::name_of;

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
