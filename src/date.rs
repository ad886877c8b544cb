//! Publication dates as pages state them: ISO, `2024.06.22 10:30`, `June 22, 2024`, `22 June 2024`,
//! `2024년 6월 22일`, `2024年6月22日`, `22.06.2024`, `22/06/2024`. Dates are validated (no 30 February);
//! a date without a time stays a date: no clock time is invented.

use std::sync::LazyLock;

use regex::Regex;

use crate::per_thread::PerThread;

#[derive(Clone)]
struct Patterns {
    /// A day, a word, a year (`14 марта 2025`, `12 Mart 2025`, `13 مارس 2025`): the word is looked
    /// up in [`MONTHS`] after a match, which costs less than an alternation of every name.
    day_word: Regex,
    iso: Regex,
    ymd: Regex,
    cjk: Regex,
    month_first: Regex,
    /// [`Patterns::month_first`] run into from the text node before (`calendarApr 16, 2024`).
    month_glued: Regex,
    day_first: Regex,
    dmy: Regex,
    time: Regex,
}

/// Month names (English, German, French, Spanish) and English abbreviations, by month.
const MONTH_NAMES: [&[&str]; 12] = [
    &["january", "jan", "januar", "janvier", "enero"],
    &["february", "feb", "februar", "février", "fevrier", "febrero"],
    &["march", "mar", "märz", "maerz", "mars", "marzo"],
    &["april", "apr", "avril", "abril"],
    &["may", "mai", "mayo"],
    &["june", "jun", "juni", "juin", "junio"],
    &["july", "jul", "juli", "juillet", "julio"],
    &["august", "aug", "août", "aout", "agosto"],
    &["september", "sept", "sep", "septembre", "septiembre", "setiembre"],
    &["october", "oct", "oktober", "octobre", "octubre"],
    &["november", "nov", "novembre", "noviembre"],
    &["december", "dec", "dezember", "décembre", "decembre", "diciembre"],
];

/// The month names as a regex alternation, longest first so that `juli` wins over `jul`.
fn months_alternation() -> String {
    let mut names: Vec<&str> = MONTH_NAMES.iter().flat_map(|m| m.iter().copied()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names.join("|")
}

static PATTERNS: LazyLock<PerThread<Patterns>> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("date patterns are valid");
    let months = months_alternation();
    PerThread::new(Patterns {
        day_word: re(r"(\d{1,2})\.?\s+(?:de\s+)?(\p{L}{3,12})\.?,?\s+(?:de\s+|г\.\s*)?(\d{4})"),
        iso: re(r"(?-u:\b)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?"),
        ymd: re(r"(?-u:\b)(\d{4})[./](\d{1,2})[./](\d{1,2})(?-u:\b)"),
        cjk: re(r"(\d{4})\s*[년年]\s*(\d{1,2})\s*[월月]\s*(\d{1,2})\s*[일日]"),
        // A year may run into the next text node (`April 26, 2024Updated on: ...`, `October 17,
        // 20236:01 PM`); the digit run on is captured so that only a plausible year is taken. The
        // month may be run into from the text node before (`calendarApr 16, 2024`), see
        // [`month_first`].
        month_first: re(&format!(
            r"(?i)(?-u:\b)({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?:(?-u:\b)|(?-i:[A-Z])|(\d))"
        )),
        month_glued: re(&format!(
            r"(?i)(?-i:[a-z])({months})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?:(?-u:\b)|(?-i:[A-Z])|(\d))"
        )),
        // `20 July 2024`, `20. Juli 2024`, `20 juillet 2024`, `20 de julio de 2024`.
        day_first: re(&format!(
            r"(?i)(?-u:\b)(\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+(?:de\s+)?({months})\.?,?\s+(?:de\s+)?(\d{{4}})(?:(?-u:\b)|(?-i:[A-Z])|(\d))"
        )),
        dmy: re(r"(?-u:\b)(\d{1,2})([./])(\d{1,2})[./](\d{4})(?-u:\b)"),
        time: re(r"(?i)(?-u:\b)(\d{1,2})(?::|時|시\s*)(\d{2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"),
    })
});

/// Month names of more languages, by month (Turkish, Russian and Ukrainian as written after a day,
/// Italian, Portuguese, Dutch, Polish, Scandinavian, Indonesian, Arabic), for [`Patterns::day_word`].
const MORE_MONTH_NAMES: [&[&str]; 12] = [
    &["ocak", "января", "январь", "січня", "gennaio", "janeiro", "januari", "stycznia", "يناير"],
    &["şubat", "subat", "февраля", "февраль", "лютого", "febbraio", "fevereiro", "februari", "lutego", "فبراير"],
    &["mart", "марта", "март", "березня", "março", "marco", "maart", "marca", "mars", "maret", "مارس"],
    &["nisan", "апреля", "апрель", "квітня", "aprile", "april", "kwietnia", "أبريل", "ابريل"],
    &["mayıs", "mayis", "мая", "май", "травня", "maggio", "maio", "mei", "maja", "maj", "مايو"],
    &["haziran", "июня", "июнь", "червня", "giugno", "junho", "czerwca", "يونيو", "يونيه"],
    &["temmuz", "июля", "июль", "липня", "luglio", "julho", "lipca", "يوليو", "يوليه"],
    &[
        "ağustos",
        "agustos",
        "августа",
        "август",
        "серпня",
        "augustus",
        "agustus",
        "sierpnia",
        "augusti",
        "أغسطس",
        "اغسطس",
    ],
    &["eylül", "eylul", "сентября", "сентябрь", "вересня", "settembre", "setembro", "września", "سبتمبر"],
    &["ekim", "октября", "октябрь", "жовтня", "ottobre", "outubro", "października", "أكتوبر", "اكتوبر"],
    &["kasım", "kasim", "ноября", "ноябрь", "листопада", "novembro", "listopada", "نوفمبر"],
    &["aralık", "aralik", "декабря", "декабрь", "грудня", "dicembre", "dezembro", "grudnia", "desember", "ديسمبر"],
];

/// Every month name of both lists, lower case, by month number.
static MONTHS: LazyLock<std::collections::HashMap<&'static str, i8>> = LazyLock::new(|| {
    let mut map = std::collections::HashMap::new();
    for (i, names) in MONTH_NAMES.iter().chain(MORE_MONTH_NAMES.iter()).enumerate() {
        for name in *names {
            map.insert(*name, (i % 12 + 1) as i8);
        }
    }
    map
});

fn month_number(name: &str) -> Option<i8> {
    MONTHS.get(name.to_lowercase().as_str()).copied()
}

fn num<T: std::str::FromStr>(m: Option<regex::Match<'_>>) -> Option<T> {
    m?.as_str().parse().ok()
}

/// A date as a page or feed states it, made machine-readable: an ISO 8601 value stays exactly as
/// stated (its time zone and precision included); another form a date is written in (`Feb 08,
/// 2022`, `20 July 2024, 22:13`, `2024.06.22`) becomes `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`; a
/// date in a form that says no order of day and month (`01/07/2016`) is kept as stated; what has
/// no year at all is not a date.
///
/// ```
/// use newsmill::date::normalize_stated;
/// assert_eq!(normalize_stated("2024-06-22T10:00:00+09:00").as_deref(), Some("2024-06-22T10:00:00+09:00"));
/// assert_eq!(normalize_stated("Feb 08, 2022").as_deref(), Some("2022-02-08"));
/// assert_eq!(normalize_stated("2024 Jun 30").as_deref(), Some("2024-06-30"));
/// assert_eq!(normalize_stated("01/07/2016").as_deref(), Some("01/07/2016"));
/// assert_eq!(normalize_stated("PT7M"), None);
/// ```
pub fn normalize_stated(s: &str) -> Option<String> {
    normalize_stated_in(s, None)
}

/// [`normalize_stated`], with the order of a numeric date's day and month when the page's locale
/// tells it (`day_first`, see [`day_first`]); `03-09-2026` is read as `03/09/2026` then.
pub fn normalize_stated_in(s: &str, day_first: Option<bool>) -> Option<String> {
    let s = s.trim();
    let b = s.as_bytes();
    let iso = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if iso {
        return Some(s.to_string());
    }
    let dashed = day_first.is_some() && numeric_with_dashes(s);
    let found = if dashed { find_date_in(&s.replacen('-', "/", 2), day_first) } else { find_date_in(s, day_first) };
    // A value with no year in it is no date (a duration such as `PT7M` in the wrong property).
    found.or_else(|| year_first(s)).or_else(|| has_year(s).then(|| s.to_string()))
}

/// `03-09-2026`: day and month (either way round) and a year, with dashes.
fn numeric_with_dashes(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    let (a, b, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let digits =
        |p: &str, n: std::ops::RangeInclusive<usize>| n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    digits(a, 1..=2) && digits(b, 1..=2) && rest.get(..4).is_some_and(|y| digits(y, 4..=4))
}

/// The order a locale (`en-US`, `en_GB`, `de`) writes numeric dates in: month first (`false`) for
/// any language in the United States; `None` for English with no region (pages so marked use both
/// orders) and for languages written year first (Chinese, Japanese, Korean, Hungarian,
/// Lithuanian); day first (`true`) for every other region and language, the common order outside
/// the United States (a few places that write month first too, such as the Philippines, are not
/// told apart).
pub fn day_first(locale: &str) -> Option<bool> {
    let mut parts = locale.trim().split(['-', '_']);
    let lang = parts.next()?.to_ascii_lowercase();
    let region =
        parts.find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic())).map(str::to_ascii_uppercase);
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    match (lang.as_str(), region.as_deref()) {
        ("zh" | "ja" | "ko" | "hu" | "lt", _) => None,
        (_, Some("US")) => Some(false),
        ("en", None) => None,
        _ => Some(true),
    }
}

/// `2024 Jun 30` (PubMed's order, which journals state in `citation_publication_date`): the
/// whole value is a year, a month name and a day. Only stated values are read this way: in
/// running text the same three words more often are a year followed by another date.
fn year_first(s: &str) -> Option<String> {
    let mut words = s.split_whitespace();
    let (y, m, d) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() || y.len() != 4 {
        return None;
    }
    let month = month_number(m.trim_end_matches(['.', ',']))?;
    let date = jiff::civil::Date::new(y.parse().ok()?, month, d.parse().ok()?).ok()?;
    Some(date.to_string())
}

/// Whether `s` holds a four-digit number from 1900 to 2099.
fn has_year(s: &str) -> bool {
    s.as_bytes().windows(4).any(|w| w.iter().all(u8::is_ascii_digit) && (w.starts_with(b"19") || w.starts_with(b"20")))
}

/// Finds the first date in `s` and returns it as `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS` when a time
/// follows the date.
///
/// ```
/// use newsmill::date::find_date;
/// assert_eq!(find_date("Published 20 July 2024, 22:13").as_deref(), Some("2024-07-20T22:13:00"));
/// assert_eq!(find_date("입력 2024.06.22").as_deref(), Some("2024-06-22"));
/// assert_eq!(find_date("05/06/2024"), None); // day and month could be either way round
/// ```
pub fn find_date(s: &str) -> Option<String> {
    find_date_in(s, None)
}

/// [`find_date`], with the order of a numeric date's day and month when the page's locale tells
/// it: `05/06/2024` is the 5th of June if `day_first` is `Some(true)`, the 6th of May if
/// `Some(false)`.
pub fn find_date_in(s: &str, day_first: Option<bool>) -> Option<String> {
    // Every form has a four-digit year; most lines have none, and the patterns are not free.
    // (`\d` also matches other scripts' digits, but a year in those does not parse either.)
    if !has_four_ascii_digits(s) {
        return None;
    }
    let p = &*PATTERNS;
    let (y, m, d, end): (i16, i8, i8, usize) = if let Some(c) = p.iso.captures(s) {
        let date = jiff::civil::Date::new(num(c.get(1))?, num(c.get(2))?, num(c.get(3))?).ok()?;
        if let (Some(h), Some(mi)) = (num::<i8>(c.get(4)), num::<i8>(c.get(5))) {
            let t = jiff::civil::Time::new(h, mi, num(c.get(6)).unwrap_or(0), 0).ok()?;
            return Some(date.to_datetime(t).strftime("%Y-%m-%dT%H:%M:%S").to_string());
        }
        return Some(date.to_string());
    } else if let Some(c) = p.cjk.captures(s) {
        (num(c.get(1))?, num(c.get(2))?, num(c.get(3))?, c.get(0)?.end())
    } else if let Some(c) = p.ymd.captures(s) {
        (num(c.get(1))?, num(c.get(2))?, num(c.get(3))?, c.get(0)?.end())
    } else if let Some(c) = month_first(p, s) {
        (glued_year(&c)?, month_number(c.get(1)?.as_str())?, num(c.get(2))?, c.get(3)?.end())
    } else if let Some(c) = p.day_first.captures(s) {
        (glued_year(&c)?, month_number(c.get(2)?.as_str())?, num(c.get(1))?, c.get(3)?.end())
    } else if let Some((m, c)) = p.day_word.captures(s).and_then(|c| Some((month_number(c.get(2)?.as_str())?, c))) {
        (num(c.get(3))?, m, num(c.get(1))?, c.get(0)?.end())
    } else if let Some(c) = p.dmy.captures(s) {
        let (a, b): (i8, i8) = (num(c.get(1))?, num(c.get(3))?);
        // `22.06.2024` is always day first; with slashes an order the numbers leave open is taken
        // from the page's locale, or not at all.
        let dotted = c.get(2)?.as_str() == ".";
        let (d, m) = match day_first {
            _ if dotted || a > 12 => (a, b),
            _ if b > 12 => (b, a),
            Some(true) => (a, b),
            Some(false) => (b, a),
            None => return None,
        };
        (num(c.get(4))?, m, d, c.get(0)?.end())
    } else {
        return None;
    };
    let date = jiff::civil::Date::new(y, m, d).ok()?;
    let rest = s.get(end..).unwrap_or("");
    let time = p.time.captures(rest).filter(|c| c.get(0).is_some_and(|m| m.start() <= 4)).and_then(|c| {
        let mut h: i8 = num(c.get(1))?;
        match c.get(4).map(|m| m.as_str().to_ascii_lowercase()) {
            Some(ap) if ap.starts_with('p') && h < 12 => h += 12,
            Some(ap) if ap.starts_with('a') && h == 12 => h = 0,
            _ => {}
        }
        jiff::civil::Time::new(h, num(c.get(2))?, num(c.get(3)).unwrap_or(0), 0).ok()
    });
    Some(match time {
        Some(t) => date.to_datetime(t).strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        None => date.to_string(),
    })
}

/// Where the earliest date [`find_date`] reads in `s` begins (a byte offset), to cut a date off a
/// line (`Ann Example on Dec 16, 2025` is a name and a date).
///
/// ```
/// use newsmill::date::date_start;
/// assert_eq!(date_start("Jeff Foust — November 18, 2019"), Some(15));
/// assert_eq!(date_start("Adrian Shaw 18/01/2008"), Some(12));
/// assert_eq!(date_start("Moritz Bachmann publiziert am 25. September 2018"), Some(30));
/// assert_eq!(date_start("Ann Example"), None);
/// ```
pub fn date_start(s: &str) -> Option<usize> {
    if !has_four_ascii_digits(s) {
        return None;
    }
    let p = &*PATTERNS;
    let day_word = p
        .day_word
        .captures_iter(s)
        .find(|c| c.get(2).is_some_and(|m| month_number(m.as_str()).is_some()))
        .and_then(|c| c.get(0));
    let month = month_first(p, s).and_then(|c| c.get(1));
    [&p.iso, &p.ymd, &p.cjk, &p.day_first, &p.dmy]
        .into_iter()
        .filter_map(|r| r.find(s))
        .chain(day_word)
        .chain(month)
        .map(|m| m.start())
        .min()
}

/// Whether the first numeric date in `s` (`09.10.2024`, `03/01/2017`) is the day `day` read
/// either way round: pages write dots in the American order too, so a shown numeric date that
/// disagrees with a stated one may only be read the other way.
///
/// ```
/// use newsmill::date::may_read_as;
/// let day = |s: &str| s.parse().unwrap();
/// assert!(may_read_as("09.10.2024", day("2024-09-10")));
/// assert!(may_read_as("By Ann | 09.10.2024", day("2024-10-09")));
/// assert!(!may_read_as("09.10.2024", day("2024-09-11")));
/// assert!(!may_read_as("October 9, 2024", day("2024-10-09"))); // only numeric dates can be read two ways
/// ```
pub fn may_read_as(s: &str, day: jiff::civil::Date) -> bool {
    if !has_four_ascii_digits(s) {
        return false;
    }
    let Some(c) = PATTERNS.dmy.captures(s) else { return false };
    let (a, b, y): (Option<i8>, Option<i8>, Option<i16>) = (num(c.get(1)), num(c.get(3)), num(c.get(4)));
    let (Some(a), Some(b), Some(y)) = (a, b, y) else { return false };
    let is = |m: i8, d: i8| jiff::civil::Date::new(y, m, d).is_ok_and(|date| date == day);
    is(a, b) || is(b, a)
}

/// The first month-first date in `s`. Its month may follow a lower-case letter only as a
/// capitalised name run in from the text node before (`ZeldmanNovember 20, 2007`, `calendarApr
/// 16, 2024`): the end of a word (`Grammar 5, 2024`) is no month. That form is looked for only
/// before the first other one, where a lower-case letter stands right before a capital.
fn month_first<'s>(p: &Patterns, s: &'s str) -> Option<regex::Captures<'s>> {
    let plain = p.month_first.captures(s);
    // A glued date counts only before the first plain one (the earliest date is the line's).
    let before = plain.as_ref().and_then(|c| c.get(0)).map_or(s.len(), |m| m.start());
    let camel = s.as_bytes()[..before].windows(2).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    let glued = camel
        .then(|| {
            p.month_glued
                .captures_iter(s)
                .take_while(|c| c.get(0).is_some_and(|m| m.start() < before))
                .find(|c| c.get(1).is_some_and(|m| m.as_str().starts_with(char::is_uppercase)))
        })
        .flatten();
    glued.or(plain)
}

/// The year (group 3) of a written-out date, when a digit running on after it (group 4) leaves
/// it plausible: `20236:01` is 2023 and a time, `10000` no year.
fn glued_year(c: &regex::Captures<'_>) -> Option<i16> {
    let year: i16 = num(c.get(3))?;
    (c.get(4).is_none() || (1900..2100).contains(&year)).then_some(year)
}

/// Whether `s` has four ASCII digits in a row.
fn has_four_ascii_digits(s: &str) -> bool {
    let mut run = 0;
    s.bytes().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run == 4
    })
}

#[cfg(test)]
mod tests {
    use super::{day_first, find_date, find_date_in, has_four_ascii_digits, normalize_stated_in};

    #[test]
    fn a_locale_orders_numeric_dates() {
        assert_eq!(
            [
                day_first("en_US"),
                day_first("en-GB"),
                day_first("de"),
                day_first("pt-BR"),
                day_first("en"),
                day_first("ja-JP")
            ],
            [Some(false), Some(true), Some(true), Some(true), None, None]
        );
        assert_eq!(day_first(""), None);
        assert_eq!(day_first("x-default"), None);
        // Only a date whose order the numbers leave open follows the locale.
        assert_eq!(find_date_in("Rachael Hogg - 12/03/2026", Some(true)).as_deref(), Some("2026-03-12"));
        assert_eq!(find_date_in("Rachael Hogg - 12/03/2026", Some(false)).as_deref(), Some("2026-12-03"));
        assert_eq!(find_date_in("Rachael Hogg - 12/03/2026", None), None);
        assert_eq!(find_date_in("25/12/2025", Some(false)).as_deref(), Some("2025-12-25"));
        assert_eq!(find_date_in("03.09.2026", Some(false)).as_deref(), Some("2026-09-03"), "dots are day first");
        // A stated value with dashes, read only when the locale says the order.
        assert_eq!(normalize_stated_in("03-09-2026", Some(false)).as_deref(), Some("2026-03-09"));
        assert_eq!(normalize_stated_in("02-12-2025", Some(true)).as_deref(), Some("2025-12-02"));
        assert_eq!(normalize_stated_in("02-12-2025", None).as_deref(), Some("02-12-2025"));
        assert_eq!(normalize_stated_in("2-12-20251", Some(true)).as_deref(), Some("2-12-20251"));
    }

    #[test]
    fn a_year_run_into_the_next_text_node() {
        // Two text nodes with no space between them, as the page shows them: a capitalised word,
        // a time, a reading time.
        assert_eq!(find_date("April 26, 2024Updated on: October 28, 2024").as_deref(), Some("2024-04-26"));
        assert_eq!(find_date("26 April 2024Updated").as_deref(), Some("2024-04-26"));
        assert_eq!(find_date("April 26, 2024 at 4:12pm").as_deref(), Some("2024-04-26T16:12:00"));
        assert_eq!(find_date("October 17, 20236:01 PM ET").as_deref(), Some("2023-10-17T18:01:00"));
        assert_eq!(find_date("January 14, 202620 Mins Read").as_deref(), Some("2026-01-14"));
        // A longer number is no year, and a lower-case run-on no date.
        assert_eq!(find_date("May 5, 10000 people"), None);
        assert_eq!(find_date("April 26, 2024abc"), None);
        // A month run into from the text node before.
        assert_eq!(find_date("by Jeffrey ZeldmanNovember 20, 2007").as_deref(), Some("2007-11-20"));
        assert_eq!(find_date("calendarApr 16, 2024").as_deref(), Some("2024-04-16"));
        assert_eq!(find_date("Mental HealthDECEMBER 22, 2022Updated").as_deref(), Some("2022-12-22"));
        assert_eq!(crate::date::date_start("Jeffrey ZeldmanNovember 20, 2007"), Some(15));
        assert_eq!(find_date("Grammar 5, 2024"), None);
        assert_eq!(find_date("Mental HealthDECEMBER 22, 2022Updated: JANUARY 02, 2026").as_deref(), Some("2022-12-22"));
        assert_eq!(find_date("Seminar 5, 2024 and Grammar 7, 2024"), None);
    }

    #[test]
    fn month_names_of_more_languages_after_a_day() {
        for (line, want) in [
            ("12 Mart 2025, 10:42", "2025-03-12T10:42:00"),
            ("14 марта 2025, 11:20", "2025-03-14T11:20:00"),
            ("Опубликовано 3 декабря 2024 г.", "2024-12-03"),
            ("الخميس 13 مارس 2025", "2025-03-13"),
            ("21 de março de 2024", "2024-03-21"),
            ("7 lipca 2023", "2023-07-07"),
            ("1 maart 2022", "2022-03-01"),
        ] {
            assert_eq!(find_date(line).as_deref(), Some(want), "{line}");
        }
        // A word after a number that is no month: no date.
        assert_eq!(find_date("12 Menschen 2025"), None);
        assert_eq!(find_date("Top 10 cities 2025"), None);
    }

    #[test]
    fn years_are_four_digits_in_a_row() {
        assert!(has_four_ascii_digits("on 12 May 2024") && has_four_ascii_digits("2024"));
        assert!(!has_four_ascii_digits("12 May 24, 5 comments") && !has_four_ascii_digits("２０２４年"));
        assert_eq!(find_date("２０２４年６月２２日"), None);
    }

    proptest::proptest! {
        /// Any input: no panic, and whatever comes out is a real calendar date (and time).
        #[test]
        fn output_is_always_valid(s in "\\PC{0,60}", y in 1900i16..2100, m in 0i8..14, d in 0i8..33) {
            for input in [s.clone(), format!("{y}-{m:02}-{d:02}"), format!("{d}.{m}.{y} {s}"), format!("{y}년 {m}월 {d}일")] {
                if let Some(out) = find_date(&input) {
                    let ok = out.parse::<jiff::civil::Date>().is_ok() || out.parse::<jiff::civil::DateTime>().is_ok();
                    proptest::prop_assert!(ok, "{input:?} -> {out:?}");
                }
            }
        }
    }

    #[test]
    fn formats() {
        let cases = [
            ("Published 20 July 2024, 22:13", Some("2024-07-20T22:13:00")),
            ("June 22, 2024", Some("2024-06-22")),
            ("Updated: Jun. 22nd 2024 3:05 pm", Some("2024-06-22T15:05:00")),
            ("입력 2024.06.22 10:30", Some("2024-06-22T10:30:00")),
            ("2024년 6월 22일", Some("2024-06-22")),
            ("2024年6月22日 10時30分", Some("2024-06-22T10:30:00")),
            ("22/06/2024", Some("2024-06-22")),
            ("06/22/2024", Some("2024-06-22")),
            ("05/06/2024", None),
            ("22.06.2024", Some("2024-06-22")),
            ("2024-06-22T10:30:00Z", Some("2024-06-22T10:30:00")),
            ("30 February 2024", None),
            ("Veröffentlicht 20. Juli 2024, 22:13", Some("2024-07-20T22:13:00")),
            ("publié le 3 août 2024", Some("2024-08-03")),
            ("20 de julio de 2024", Some("2024-07-20")),
            ("Sept. 5, 2024", Some("2024-09-05")),
            ("no date here, 1234", None),
        ];
        for (input, want) in cases {
            assert_eq!(find_date(input).as_deref(), want, "{input}");
        }
    }
}
