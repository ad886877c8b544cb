//! The extract stage: builds the article record from classified lines: title and subtitle (as the
//! cleaner found them, unless the input stated a title), body paragraphs,
//! byline, publisher (input metadata, else the copyright line), publication date, captions with
//! credits, language, word count and content hash.

use std::sync::LazyLock;

use regex::Regex;

use self::config::ExtractConfig;
use crate::date::{find_date_in, may_read_as, normalize_stated_in};
use crate::per_thread::PerThread;
use crate::record::{
    Article, Caption, Cleaned, Extracted, Format, Line, LineClass, PageType, Reject, SourceInfo, now_rfc3339,
};
use crate::runner::{Outcome, Transform};
use crate::text::{content_hash, word_count};

mod byline;
use self::byline::{DatedByline, byline_at, name_under_headline, shown_byline_with};
pub mod config;

static PUBLISHER_NOISE: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)©|ⓒ|\(c\)|copyright|\b(19|20)\d{2}\b(\s*[-–]\s*(19|20)\d{2})?|(?:all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|tutti i diritti riservati|все права защищены|版权所有|版權所有|無断転載|無斷轉載|무단\s*전재|재배포\s*금지).*$|\((?:https?://)?(?:www\.)?[a-z0-9.-]+\.[a-z]{2,}[^)]*\)|\b(?:https?://)?www\.[a-z0-9.-]+\.[a-z]{2,}\S*")
        .expect("publisher pattern is valid")
        .into()
});

/// The extractor for one configuration.
#[derive(Debug, Clone)]
pub struct Extractor {
    cfg: ExtractConfig,
}

impl Extractor {
    /// An extractor for `[extract]`.
    pub fn new(cfg: &ExtractConfig) -> Self {
        Self { cfg: cfg.clone() }
    }

    /// Builds the article, or says why there is none.
    pub fn extract(&self, doc: Cleaned) -> Result<Extracted, Reject> {
        // The cleaner typed the page (it judges a page of another kind than an article with the
        // block model for such pages).
        let verdict = doc.page_type;
        if let Some(v) = &verdict
            && !self.cfg.accept_page_types.contains(&v.page_type)
            && v.probability >= self.cfg.reject_min_probability
        {
            metrics::counter!("newsmill_not_an_article_total", "page_type" => v.page_type.name()).increment(1);
            let accepted: Vec<&str> = self.cfg.accept_page_types.iter().map(|t| t.name()).collect();
            let reason = format!(
                "page type {} (probability {:.2}; accepted: {}){}",
                v.page_type,
                v.probability,
                accepted.join(", "),
                doc.meta.url.as_deref().map(|u| format!("; url {u}")).unwrap_or_default()
            );
            let kept = doc.lines.iter().filter(|l| l.class == LineClass::Keep).map(|l| l.text.as_str());
            return Err(Reject::new(
                "not_an_article",
                reason,
                excerpt(doc.meta.title.as_deref().into_iter().chain(kept)),
            ));
        }
        let stated = doc.meta.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let line_with = |class: LineClass| doc.lines.iter().find(|l| l.class == class).map(|l| l.text.clone());
        let title = stated.map(str::to_string).or_else(|| line_with(LineClass::Title));
        let subtitle = line_with(LineClass::Subtitle).filter(|s| Some(s.as_str()) != title.as_deref());
        let joining = Joining::for_page(&self.cfg, &doc, verdict.map(|v| v.page_type));
        let in_body = |l: &Line| l.class == LineClass::Keep || joining.joins(l);
        // A stated title repeated on the page is the headline, not body text.
        let body: Vec<&Line> = doc
            .lines
            .iter()
            .filter(|l| in_body(l) && !stated.is_some_and(|t| l.text.eq_ignore_ascii_case(t)))
            .collect();
        if body.is_empty() && !doc.meta.headline_only {
            let excerpt = excerpt(doc.lines.iter().map(|l| l.text.as_str()));
            let reason = match verdict {
                Some(v) if !doc.lines.iter().any(|l| l.class == LineClass::Keep) => format!(
                    "no body paragraph found: the cleaner kept none, and none of the lines its model doubted reach {:.2} (the threshold of a {} page)",
                    joining.from, v.page_type
                ),
                _ => "no body paragraph found".to_string(),
            };
            return Err(Reject::new("no_body", reason, excerpt));
        }
        // An HTML page or a page dump; a JSON line or a feed item is what its publisher stated,
        // and its length and dates stand as stated.
        let page = matches!(doc.format, Format::Html | Format::Text);
        // Before the dates and the byline are looked for: a page too short to write needs neither.
        let word_count: usize = body.iter().map(|l| l.words).sum();
        if let Some(v) = verdict
            && page
            && v.page_type != PageType::Article
            && word_count < self.cfg.non_article_min_words
            && !doc.meta.headline_only
        {
            let reason = format!(
                "the body of this {} page is {word_count} words, under [extract] non_article_min_words ({})",
                v.page_type, self.cfg.non_article_min_words
            );
            return Err(Reject::new("too_short", reason, excerpt(body.iter().map(|l| l.text.as_str()))));
        }
        let mut captions: Vec<Caption> = Vec::new();
        // Nothing was published after it was read: a later date is a review due, an event, an
        // expiry, or a bad value (a day of slack for time zones).
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let latest = today.tomorrow().unwrap_or(jiff::civil::Date::MAX);
        let past = |d: Option<String>| d.filter(|d| !after(d, latest));
        let day_first = doc.meta.day_first;
        let (mut byline, mut published, mut publisher) = (
            doc.meta.author.clone(),
            past(doc.meta.published.as_deref().and_then(|d| normalize_stated_in(d, day_first))),
            doc.meta.outlet.clone(),
        );
        for (i, line) in doc.lines.iter().enumerate() {
            match &line.class {
                LineClass::Caption => {
                    let text = title
                        .as_deref()
                        .and_then(|t| line.text.strip_prefix(t))
                        .map_or(line.text.as_str(), str::trim_start)
                        .to_string();
                    captions.push(Caption { text, credit: None });
                }
                LineClass::CaptionCredit { credit, at } => {
                    let text = crate::record::truncate_str(&line.text, *at).trim().to_string();
                    captions.push(Caption { text, credit: Some(credit.clone()) });
                }
                LineClass::Credit(credit) => match captions.last_mut() {
                    Some(c) if c.credit.is_none() => c.credit = Some(credit.clone()),
                    _ => captions.push(Caption { text: String::new(), credit: Some(credit.clone()) }),
                },
                LineClass::Byline if byline.is_none() => {
                    byline = byline_at(&doc.lines, i);
                }
                LineClass::Dateline if published.is_none() => {
                    published = past(find_date_in(&line.text, day_first));
                }
                LineClass::Copyright if publisher.is_none() => publisher = publisher_from_copyright(&line.text),
                _ => {}
            }
        }
        let updated = doc.meta.updated.as_deref().and_then(|d| normalize_stated_in(d, day_first));
        // The date line under the headline is what readers see; a date the markup states that
        // differs from it is often the template's or the CMS's (a republication, a migration, the
        // page's own date). What a JSON-lines object or a feed states is the operator's or the
        // publisher's word and stands.
        // The dates shown near the top, read once for both rules that need them.
        let dated = if page || published.is_none() { dated_lines(&doc.lines, latest, day_first) } else { Vec::new() };
        if page
            && let Some(shown) =
                date_under_headline(&doc.lines, &dated, published.as_deref(), updated.as_deref(), day_first)
        {
            published = Some(shown);
        }
        // A dated `by` line anywhere on the page may give the author and the date both.
        let dated_byline = DatedByline::new(&doc.lines);
        if byline.is_none() {
            // On a thread's or a shop's page the capitalised lines by the headline are members'
            // and brands' names.
            let shown = !matches!(verdict.map(|v| v.page_type), Some(PageType::Forum | PageType::Product));
            byline = name_under_headline(&doc.lines)
                .or_else(|| shown.then(|| shown_byline_with(&doc.lines, &dated_byline)).flatten());
        }
        if published.is_none() {
            published = visible_date(&doc.lines, &dated)
                .or_else(|| past(doc.meta.url.as_deref().and_then(url_date)))
                .or_else(|| footer_date(&doc.lines, &dated_byline, latest, day_first));
        }
        let body: Vec<String> = body.into_iter().map(|l| l.text.clone()).collect();
        let (_, hash_hex) = content_hash(body.iter().map(String::as_str));
        let lang = doc.meta.lang.clone().or_else(|| detect_lang(&body, self.cfg.lang_min_chars));
        let article = Article {
            id: doc.prov.id.to_string(),
            source: SourceInfo {
                path: doc.prov.path.display().to_string(),
                offset: doc.prov.offset,
                format: doc.format,
                charset: doc.charset,
            },
            url: doc.meta.url,
            title,
            subtitle,
            body,
            byline,
            publisher,
            published,
            updated,
            lang,
            captions,
            image: doc.meta.image,
            categories: doc.meta.categories,
            page_type: verdict.map(|v| v.page_type),
            headline_only: doc.meta.headline_only,
            truncated: doc.meta.truncated,
            word_count,
            content_hash: hash_hex,
            duplicate_of: None,
            story_id: None,
            similarity: None,
            dedup: None,
            ingested_at: now_rfc3339(),
            sketch: None,
            ticket: Some(doc.prov.ticket),
        };
        Ok(Extracted { prov: doc.prov, article })
    }
}

/// Which lines the cleaner dropped join the body all the same, on one page. What is main content
/// depends on the page's type: a listing's items and a shop's short lines read as menus to the
/// cleaner's model, which learned mostly from articles; on a thread's page the comments section is
/// the thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joining {
    /// The page's type (`None`: a headline-only record, never typed).
    page_type: Option<PageType>,
    /// The model probability from which a line joins ([`ExtractConfig::body_threshold`]).
    pub(crate) from: f32,
}

impl Joining {
    /// The rule for `doc`, a page of `page_type`.
    pub(crate) fn for_page(cfg: &ExtractConfig, doc: &Cleaned, page_type: Option<PageType>) -> Self {
        let from = page_type.map_or(f32::INFINITY, |t| cfg.body_threshold(doc.signals.is_some(), t));
        Self { page_type, from }
    }

    /// Whether `line`, dropped by the cleaner, joins the body.
    pub(crate) fn joins(&self, line: &Line) -> bool {
        let judged = line.doubted() && line.score.is_some_and(|p| p >= self.from);
        let for_this_page = line.class != LineClass::Drop("comment_section") || self.page_type == Some(PageType::Forum);
        judged && for_this_page
    }
}

/// Characters of a rejected document's text its dead-letter record shows.
const EXCERPT_CHARS: usize = 300;

/// The first [`EXCERPT_CHARS`] characters of `texts`, a line each.
fn excerpt<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut room = EXCERPT_CHARS;
    for t in texts {
        if room == 0 {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
            room -= 1;
        }
        for c in t.chars().take(room) {
            out.push(c);
            room -= 1;
        }
    }
    out
}

/// Words that say a shown date is a revision's, not the publication's (English, German, French,
/// Spanish/Portuguese, Italian, Dutch).
static REVISION_LABEL: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:updated|modified|reviewed|edited|revised|aktualisiert|mis à jour|modifié|actualizado|atualizado|aggiornato|bijgewerkt)\b")
        .expect("revision label pattern is valid")
        .into()
});

/// Words that say a shown date is the publication's even beside a revision label (`Published
/// March 3, updated May 5`).
static PUBLICATION_LABEL: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:published|posted|created|originally|veröffentlicht|publié|publicado|pubblicato|gepubliceerd)\b",
    )
    .expect("publication label pattern is valid")
    .into()
});

/// Lines above the body's first paragraph, and this many after it, are where a page shows its date.
const DATE_REACH_LINES: usize = 8;

/// Most words on a line that shows a date (`By Ann Lee • March 12, 2025`, `August 16, 2019 -
/// Updated July 9, 2025`): a longer line is a sentence that mentions one.
const DATE_LINE_MAX_WORDS: usize = 14;

/// The lines near a page's top that show a date (every line above the body's first paragraph,
/// and [`DATE_REACH_LINES`] after it; as many under the headline, and the
/// [`DATE_ABOVE_HEADLINE_LINES`] over it, where a menu's paragraph of links was taken for the
/// body's first), each with the first date on it; none after `latest`.
fn dated_lines(lines: &[Line], latest: jiff::civil::Date, day_first: Option<bool>) -> Vec<(usize, String)> {
    let first_body = lines.iter().position(|l| l.class == LineClass::Keep).unwrap_or(0);
    let headline = lines
        .iter()
        .position(|l| l.class == LineClass::Title)
        .map_or(0..0, |t| t.saturating_sub(DATE_ABOVE_HEADLINE_LINES)..t + DATE_REACH_LINES + 1);
    lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < first_body + DATE_REACH_LINES || headline.contains(i))
        .filter_map(|(i, l)| find_date_in(&l.text, day_first).filter(|d| !after(d, latest)).map(|d| (i, d)))
        .collect()
}

/// A date the page shows near its top when nothing states one: the first in a byline, or on a
/// short line above the body or among its first lines, or on a longer one that says it is the
/// publication's (`dated`: see [`dated_lines`]).
fn visible_date(lines: &[Line], dated: &[(usize, String)]) -> Option<String> {
    let first_on = |on: &dyn Fn(&Line) -> bool| dated.iter().find(|(i, _)| on(&lines[*i])).map(|(_, d)| d.clone());
    first_on(&|l| l.class == LineClass::Byline).or_else(|| {
        first_on(&|l| {
            (l.words <= DATE_LINE_MAX_WORDS || labelled_date(&l.text))
                && !matches!(l.class, LineClass::Title | LineClass::Copyright)
        })
    })
}

/// The date of a dated byline further down the page than dates are looked for (a blog's footer:
/// `Posted by Colin Watson on 2025-12-18 in debusine.`).
fn footer_date(
    lines: &[Line],
    dated: &DatedByline<'_>,
    latest: jiff::civil::Date,
    day_first: Option<bool>,
) -> Option<String> {
    let (_, at) = dated.get()?;
    find_date_in(&lines[*at].text, day_first).filter(|d| !after(d, latest))
}

/// How far before its date a byline's `by` may stand on a line that is the date's (`by Ann Lee
/// | Mar 11, 2023 | Brakes, Repairs | 0 comments`, `... its chief said. By Ann Lee on Dec. 19,
/// 2025`), in bytes.
const DATE_LABEL_REACH_BYTES: usize = 40;

/// Whether the first date on `text` is labelled the publication's (`Posted on`, `originally
/// published on`), follows a byline's `by` closely, or opens the line: a line longer than a date
/// line otherwise mentions a date rather than states it.
fn labelled_date(text: &str) -> bool {
    let Some(at) = crate::date::date_start(text) else { return false };
    let before = &text[..at];
    let labelled = PUBLICATION_LABEL.find_iter(before).any(|m| at - m.end() <= 4);
    // `By Lisa Jennings on Dec. 19, 2025` after a deck run into it; `On January 12, 2025 By ...`.
    let last_by = [(" by ", "by "), (" By ", "By ")]
        .iter()
        .filter_map(|(inner, opening)| {
            before.rfind(inner).map(|space| space + 1).or_else(|| before.starts_with(opening).then_some(0))
        })
        .max();
    let by = last_by.is_some_and(|b| at - b <= DATE_LABEL_REACH_BYTES);
    let opens = before.trim().is_empty() || before.trim().eq_ignore_ascii_case("on");
    labelled || by || opens
}

/// Lines above the headline that are still its date line (`March 3, 2025` over the title).
const DATE_ABOVE_HEADLINE_LINES: usize = 2;

/// The date the page shows under its headline, when it should stand for the publication date
/// `stated` (the page's metadata, else its first dateline): the first dated line (of `dated`, see
/// [`dated_lines`]) from just above the headline on that is a dateline, a byline, or a short line
/// before the body. `None` when the page shows the stated date itself there (in any time zone, see
/// [`stated_days`]), when the first dated line is body text (a change log), or when the shown
/// date is the stated revision date `updated` or the stated date read the other way round. A line
/// labelled as a revision (`Updated May 5, 2025`) is passed over: it tells when the page changed,
/// not when it was published.
fn date_under_headline(
    lines: &[Line],
    dated: &[(usize, String)],
    stated: Option<&str>,
    updated: Option<&str>,
    day_first: Option<bool>,
) -> Option<String> {
    let first_body = lines.iter().position(|l| l.class == LineClass::Keep).unwrap_or(0);
    let from = lines
        .iter()
        .position(|l| l.class == LineClass::Title)
        .map_or(0, |t| t.saturating_sub(DATE_ABOVE_HEADLINE_LINES));
    let day = |d: &str| day_of(d, day_first);
    let mut shown = dated.iter().filter(|(i, _)| *i >= from && !revision_date(lines, *i));
    if let Some((low, high)) = stated.and_then(|s| stated_days(s, day_first))
        && shown.clone().any(|(_, d)| day(d).is_some_and(|d| low <= d && d <= high))
    {
        return None;
    }
    let (i, date) = shown.next()?;
    let line = &lines[*i];
    let date_line = match line.class {
        LineClass::Dateline | LineClass::Byline => true,
        LineClass::Title | LineClass::Copyright => false,
        _ => *i <= first_body && line.words <= DATE_LINE_MAX_WORDS,
    };
    let contradicts = stated
        .is_some_and(|s| updated.and_then(day) == day(date) || day(s).is_some_and(|s| may_read_as(&line.text, s)));
    (date_line && !contradicts).then(|| date.clone())
}

/// Whether the date on line `i` is labelled as a revision's, on the line itself or, for a date
/// shown alone, on the line before it (`Last updated:` / `August 19, 2025`).
fn revision_date(lines: &[Line], i: usize) -> bool {
    /// Most words on a line that shows a date alone, its label on the line before.
    const BARE_DATE_WORDS: usize = 4;
    let text = &lines[i].text;
    if PUBLICATION_LABEL.is_match(text) {
        return false;
    }
    REVISION_LABEL.is_match(text)
        || (lines[i].words <= BARE_DATE_WORDS && i > 0 && REVISION_LABEL.is_match(&lines[i - 1].text))
}

/// Hours a local time can be off UTC, behind and ahead (UTC-12, UTC+14).
const UTC_OFFSETS_HOURS: (i64, i64) = (12, 14);

/// The days (first, last) a page may show the stated date `stated` as: its own day, and for a
/// stated instant (`2026-02-23T00:57:30+00:00`) its day in every time zone, as a page shows it in
/// its own.
fn stated_days(stated: &str, day_first: Option<bool>) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    let own = day_of(stated, day_first)?;
    let Ok(at) = stated.trim().parse::<jiff::Timestamp>() else { return Some((own, own)) };
    let (behind, ahead) = UTC_OFFSETS_HOURS;
    let day_at = |hours: i64| {
        at.checked_add(jiff::SignedDuration::from_hours(hours)).ok().map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
    };
    let first = day_at(-behind).map_or(own, |d| d.min(own));
    let last = day_at(ahead).map_or(own, |d| d.max(own));
    Some((first, last))
}

/// The day of a date as stated or found.
fn day_of(d: &str, day_first: Option<bool>) -> Option<jiff::civil::Date> {
    d.get(..10).and_then(|day| day.parse().ok()).or_else(|| find_date_in(d, day_first)?.get(..10)?.parse().ok())
}

/// Whether the date `d` (ISO form, as `find_date` gives it; a stated form that is not is never
/// judged) falls after `latest`.
fn after(d: &str, latest: jiff::civil::Date) -> bool {
    d.get(..10).and_then(|d| d.parse::<jiff::civil::Date>().ok()).is_some_and(|d| d > latest)
}

/// The date in a URL's path: `/2025/03/14/`, `/2025-03-14-`, `/20250314/`.
fn url_date(url: &str) -> Option<String> {
    static URL_DATE: LazyLock<PerThread<Regex>> = LazyLock::new(|| {
        Regex::new(r"/((?:19|20)\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:[/-]|$)|/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/")
            .expect("the URL date pattern is valid")
        .into()
    });
    let c = URL_DATE.captures(url)?;
    let part = |a: usize, b: usize| c.get(a).or_else(|| c.get(b)).map(|m| m.as_str());
    let (y, m, d) = (part(1, 4)?, part(2, 5)?, part(3, 6)?);
    let date = jiff::civil::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()?;
    Some(date.to_string())
}

impl Transform for Extractor {
    type In = Cleaned;
    type Out = Extracted;
    const STAGE: &'static str = "extract";

    fn process(&self, doc: Cleaned) -> Result<Outcome<Extracted>, Reject> {
        self.extract(doc).map(Outcome::Emit)
    }
}

/// The publisher named in a copyright line.
///
/// ```
/// use newsmill::stages::extract::publisher_from_copyright as publisher;
/// assert_eq!(publisher("© The Asia Business Daily(www.asiae.co.kr). All rights reserved.").as_deref(), Some("The Asia Business Daily"));
/// assert_eq!(publisher("ⓒ 한국일보 무단전재 및 재배포 금지").as_deref(), Some("한국일보"));
/// ```
pub fn publisher_from_copyright(line: &str) -> Option<String> {
    let stripped = PUBLISHER_NOISE.replace_all(line, " ");
    let name = stripped
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace() || c == '|')
        .to_string();
    let words = word_count(&name);
    ((1..=8).contains(&words) && name.chars().any(char::is_alphabetic)).then_some(name)
}

/// ISO 639-1 code of the body's language, from its first paragraphs.
fn detect_lang(body: &[String], min_chars: usize) -> Option<String> {
    const SAMPLE_BYTES: usize = 600;
    let mut sample = String::with_capacity(SAMPLE_BYTES + 8);
    for p in body {
        let room = SAMPLE_BYTES.saturating_sub(sample.len());
        if room == 0 {
            break;
        }
        sample.push_str(crate::record::truncate_str(p, room));
        sample.push('\n');
    }
    if sample.chars().count() < min_chars {
        return None;
    }
    crate::lang::detect(&sample)
}

#[cfg(test)]
mod date_and_byline_tests {
    use super::*;
    use crate::date::find_date;

    pub(super) fn line(text: &str, class: LineClass) -> Line {
        Line { text: text.into(), class, words: word_count(text), prose: false, score: None, cut: None }
    }

    #[test]
    fn dates_in_urls() {
        assert_eq!(url_date("https://x.example/2025/03/14/tram-line/").as_deref(), Some("2025-03-14"));
        assert_eq!(url_date("https://x.example/news/2025-03-14-tram").as_deref(), Some("2025-03-14"));
        assert_eq!(url_date("https://x.example/story/20250314/tram").as_deref(), Some("2025-03-14"));
        assert_eq!(url_date("https://x.example/2025/13/40/x"), None);
        assert_eq!(url_date("https://x.example/products/1234567890"), None);
    }

    #[test]
    fn a_shown_date_and_a_label_only_byline() {
        let lines = [
            line("Tram line approved", LineClass::Title),
            line("By", LineClass::Byline),
            line("Meghan Holmes", LineClass::Drop("ui_label")),
            line("August 16, 2019 - Updated July 9, 2025", LineClass::Drop("model")),
            line(
                "The council approved the new tram line on Monday after a long debate about its cost.",
                LineClass::Keep,
            ),
        ];
        assert_eq!(byline_at(&lines, 1).as_deref(), Some("Meghan Holmes"));
        let dated = |lines: &[Line]| dated_lines(lines, jiff::civil::Date::MAX, None);
        assert_eq!(visible_date(&lines, &dated(&lines)).as_deref(), Some("2019-08-16"));
        let dated_byline = [line("By Haley Hoekstra • March 12, 2025", LineClass::Byline), lines[4].clone()];
        assert_eq!(visible_date(&dated_byline, &dated(&dated_byline)).as_deref(), Some("2025-03-12"));
        assert_eq!(byline_at(&dated_byline, 0).as_deref(), Some("Haley Hoekstra"));
    }

    /// A page: a masthead, the headline, `under` (the lines under it), then the body.
    fn page(under: &[(&str, LineClass)]) -> Vec<Line> {
        let mut lines = vec![
            line("Saturday, March 14, 2026", LineClass::Dateline),
            line("Home", LineClass::Drop("model")),
            line("News", LineClass::Drop("model")),
            line("Transport", LineClass::Drop("model")),
            line("Tram line approved", LineClass::Title),
        ];
        lines.extend(under.iter().map(|(t, c)| line(t, c.clone())));
        lines.push(line(
            "The council approved the new tram line on Monday after a long debate about its cost.",
            LineClass::Keep,
        ));
        lines
    }

    fn shown(lines: &[Line], stated: Option<&str>, updated: Option<&str>) -> Option<String> {
        date_under_headline(lines, &dated_lines(lines, jiff::civil::Date::MAX, None), stated, updated, None)
    }

    #[test]
    fn the_date_under_the_headline_stands_for_a_differing_stated_one() {
        let lines = page(&[("Ann Lee", LineClass::Drop("model")), ("May 14, 2025", LineClass::Dateline)]);
        // A CMS's date (a migration, a republication) gives way to what readers see.
        assert_eq!(shown(&lines, Some("2025-11-20T16:02:46.767Z"), None).as_deref(), Some("2025-05-14"));
        // With nothing stated, the date under the headline, not the masthead's date above it.
        assert_eq!(shown(&lines, None, None).as_deref(), Some("2025-05-14"));
        // A byline with a date on a line of the body's own kind, just above it.
        let byline = page(&[("Ryan Bald 02 Feb 2026 Product Reviews 7 Comments", LineClass::Drop("model"))]);
        assert_eq!(shown(&byline, Some("2026-02-23"), None).as_deref(), Some("2026-02-02"));
    }

    #[test]
    fn the_stated_date_stands_when_the_page_shows_it_or_a_revision() {
        let shows_stated =
            page(&[("January 16, 2025", LineClass::Dateline), ("Ann Lee | July 15, 2025", LineClass::Byline)]);
        assert_eq!(shown(&shows_stated, Some("2025-01-16T00:00:27+00:00"), None), None);
        // The shown date is the stated revision date: a template that shows the last change.
        let revision = page(&[("October 26, 2025", LineClass::Dateline)]);
        assert_eq!(shown(&revision, Some("2024-02-21T11:54:45+00:00"), Some("2025-10-26T18:41:45+00:00")), None);
        // Labelled as a revision, on its line or on the label's line before it.
        for under in [
            &[("Last updated:", LineClass::Drop("model")), ("August 19, 2025", LineClass::Dateline)][..],
            &[("Updated December 19, 2025", LineClass::Dateline)][..],
        ] {
            assert_eq!(shown(&page(under), Some("2024-12-03"), None), None, "{under:?}");
        }
        // ... unless it says it was published then.
        let both = page(&[
            ("Last updated on: November 29, 2025", LineClass::Dateline),
            ("Published: October 29, 2024", LineClass::Dateline),
        ]);
        assert_eq!(shown(&both, Some("2025-11-29"), None).as_deref(), Some("2024-10-29"));
        // The stated instant's day in the page's time zone (UTC 00:57 is the evening before in America).
        let local = page(&[("February 22, 2026", LineClass::Dateline)]);
        assert_eq!(shown(&local, Some("2026-02-23T00:57:30+00:00"), None), None);
        assert_eq!(shown(&local, Some("2026-02-24T22:02:58Z"), None).as_deref(), Some("2026-02-22"));
        // A numeric date written the other way round (`09.10.2024` for September 10).
        let dotted = page(&[("09.10.2024", LineClass::Dateline)]);
        assert_eq!(shown(&dotted, Some("2024-09-10T16:07:00.000Z"), None), None);
    }

    #[test]
    fn a_change_log_in_the_body_is_no_date_line() {
        let mut lines = page(&[]);
        lines.extend([
            line("2021-08-09 Emphasizing non-requirements for analysis as well as tool choice.", LineClass::Keep),
            line("2022-04-12 Link to Choosing Software", LineClass::Dateline),
        ]);
        assert_eq!(shown(&lines, Some("2021-01-18T19:55+01:00"), None), None);
    }

    #[test]
    fn a_long_line_gives_its_date_when_it_says_it_is_the_publications() {
        let visible = |text: &str| {
            let lines = [
                line("Tram line approved", LineClass::Title),
                line(text, LineClass::Drop("model")),
                line(
                    "The council approved the new tram line on Monday after a long debate about its cost.",
                    LineClass::Keep,
                ),
            ];
            visible_date(&lines, &dated_lines(&lines, jiff::civil::Date::MAX, None))
        };
        for labelled in [
            "Posted on December 20, 2025 by Jean-Luc Example - 5 Comments on Do you need fourteen ports on your small computer?",
            "by Daniel Example | Mar 11, 2023 | All About Brakes and Brake Repair, Learn About Brakes | 0 comments",
            "This article was originally published on 26 Sep 2019 at 4:12pm but has been regularly updated since then.",
            "On January 12, 2025 By Gabby Example In Budget Travel, Budget Travel Guides, Travel Resources, Travel Tips, Planning",
            "The chain is positioning for growth beyond the U.S. and Canada, its chief said. By Lisa Example on Dec. 19, 2025",
        ] {
            assert_eq!(
                visible(labelled).map(|d| d[..10].to_string()),
                find_date(labelled).map(|d| d[..10].to_string()),
                "{labelled}"
            );
            assert!(visible(labelled).is_some(), "{labelled}");
        }
        // A sentence that mentions a date is no date line.
        assert_eq!(
            visible(
                "The line was first proposed on March 3, 2019, when the council asked the city's engineers for a plan and a cost."
            ),
            None
        );
    }

    #[test]
    fn the_date_under_the_headline_counts_when_a_menu_was_taken_for_the_body() {
        let menu =
            "Sell smarter, grow faster and build lasting customer relationships with every tool you need in one place.";
        let mut lines = vec![line(menu, LineClass::Keep)];
        lines.extend((0..12).map(|i| line(&format!("Menu item {i}"), LineClass::Drop("model"))));
        lines.push(line("Eight tools to switch to this year", LineClass::Title));
        lines.push(line("Avatar photo by Val Example October 20, 2025", LineClass::Drop("model")));
        lines.push(line(
            "The council approved the new tram line on Monday after a long debate about its cost.",
            LineClass::Keep,
        ));
        let dated = dated_lines(&lines, jiff::civil::Date::MAX, None);
        assert_eq!(visible_date(&lines, &dated).as_deref(), Some("2025-10-20"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Transform;
    use crate::stages::clean::Cleaner;
    use crate::stages::clean::config::CleanConfig;

    /// The default cleaner and extractor, built once for every test here: building the rules
    /// compiles every pattern, which a debug build takes a good part of a second over (the
    /// property test below runs hundreds of pages).
    static DEFAULTS: std::sync::LazyLock<(Cleaner, Extractor)> = std::sync::LazyLock::new(|| {
        (Cleaner::new(&CleanConfig::default()).unwrap(), Extractor::new(&ExtractConfig::default()))
    });

    fn run(text: &str, meta: crate::record::InputMeta) -> Result<Article, Reject> {
        let (cleaner, extractor) = &*DEFAULTS;
        let mut doc = crate::stages::test_document(text);
        doc.meta = meta;
        let Outcome::Emit(cleaned) = cleaner.process(doc)? else { panic!("dropped") };
        extractor.extract(cleaned).map(|e| e.article)
    }

    #[test]
    fn lines_the_model_doubted_join_the_body_from_the_page_types_threshold() {
        let cleaner = Cleaner::new(&CleanConfig::default()).unwrap();
        let text = include_str!("../../../tests/fixtures/seedlike.txt");
        let Outcome::Emit(mut cleaned) = cleaner.process(crate::stages::test_document(text)).unwrap() else {
            panic!("dropped")
        };
        let doubted =
            |text: &str, class, score| Line { score: Some(score), ..date_and_byline_tests::line(text, class) };
        cleaned.lines.extend([
            doubted("Show HN: a tram timetable in the terminal (github.com)", LineClass::Drop("model"), 0.3),
            doubted("12 points by someone 3 hours ago | hide | 4 comments", LineClass::Drop("model"), 0.1),
            doubted("Subscribe to our newsletter", LineClass::Drop("ui_label"), 0.9),
        ]);
        // The same threshold for every type: whatever type the page gets, it applies.
        let body_from = |t: f32| {
            let all = config::BodyThresholds {
                article: t,
                service: t,
                forum: t,
                collection: t,
                listing: t,
                product: t,
                documentation: t,
            };
            let cfg = ExtractConfig { text_body_threshold: all, ..ExtractConfig::default() };
            Extractor::new(&cfg).extract(cleaned.clone()).unwrap().article
        };
        let kept = body_from(0.5);
        assert!(!kept.body.iter().any(|l| l.contains("Show HN") || l.contains("points by")), "{:?}", kept.body);
        let more = body_from(0.2);
        assert_eq!(more.body.len(), kept.body.len() + 1, "{:?}", more.body);
        assert!(more.body.last().is_some_and(|l| l.starts_with("Show HN")));
        assert_eq!(more.word_count, kept.word_count + word_count(&cleaned.lines[cleaned.lines.len() - 3].text));
        let most = body_from(0.05);
        assert!(most.body.iter().any(|l| l.contains("points by")), "{:?}", most.body);
        assert!(!most.body.iter().any(|l| l.contains("newsletter")), "a rule's drop never joins: {:?}", most.body);
        // An HTML page's threshold is another table: text is untouched by it.
        let html_only = ExtractConfig {
            html_body_threshold: config::BodyThresholds { article: 0.0, ..config::BodyThresholds::HTML },
            ..ExtractConfig::default()
        };
        assert_eq!(Extractor::new(&html_only).extract(cleaned.clone()).unwrap().article.body, kept.body);
    }

    #[test]
    fn a_page_of_another_type_with_a_few_words_left_is_too_short() {
        let cleaner = Cleaner::new(&CleanConfig::default()).unwrap();
        let text = include_str!("../../../tests/fixtures/seedlike.txt");
        let Outcome::Emit(full) = cleaner.process(crate::stages::test_document(text)).unwrap() else {
            panic!("dropped")
        };
        // The page with its first kept line only (a dozen words or so).
        let mut short = full.clone();
        let first = short.lines.iter().position(|l| l.class == LineClass::Keep).expect("a kept line");
        for line in short.lines.iter_mut().skip(first + 1) {
            if line.class == LineClass::Keep {
                line.class = LineClass::Drop("model");
                line.score = Some(0.0);
            }
        }
        let words = short.lines[first].words;
        assert!(words < 40, "{words}");
        let typed = |c: &Cleaned, page_type| {
            let verdict = crate::record::TypeVerdict {
                page_type,
                probability: 0.9,
                runner_up: PageType::Article,
                runner_up_probability: 0.1,
            };
            Cleaned { page_type: Some(verdict), ..c.clone() }
        };
        let extract = |c: Cleaned, min: usize| {
            Extractor::new(&ExtractConfig { non_article_min_words: min, ..ExtractConfig::default() }).extract(c)
        };
        let rejected = extract(typed(&short, PageType::Product), 40).expect_err("too short");
        assert_eq!(rejected.kind, "too_short");
        assert!(rejected.reason.contains(&format!("product page is {words} words")), "{}", rejected.reason);
        // An article, a page of unknown type, a feed item or a JSON line of another type, the whole
        // page, or the key at 0: written.
        assert!(extract(typed(&short, PageType::Article), 40).is_ok());
        assert!(extract(Cleaned { page_type: None, ..short.clone() }, 40).is_ok());
        for format in [Format::Feed, Format::Jsonl] {
            assert!(extract(Cleaned { format, ..typed(&short, PageType::Listing) }, 40).is_ok(), "{format:?}");
        }
        assert!(extract(typed(&full, PageType::Product), 40).is_ok());
        assert!(extract(typed(&short, PageType::Product), 0).is_ok());
    }

    #[test]
    fn a_comments_section_joins_the_body_of_a_thread_only() {
        let post = |class, score| Line {
            score: Some(score),
            ..date_and_byline_tests::line(
                "I replaced the opener's battery and it has worked every morning since.",
                class,
            )
        };
        let comment = post(LineClass::Drop("comment_section"), 0.8);
        assert!(Joining { page_type: Some(PageType::Forum), from: 0.4 }.joins(&comment));
        assert!(
            !Joining { page_type: Some(PageType::Article), from: 0.4 }.joins(&comment),
            "readers' comments stay out of an article"
        );
        assert!(!Joining { page_type: Some(PageType::Listing), from: 0.05 }.joins(&comment));
        assert!(
            !Joining { page_type: Some(PageType::Forum), from: 0.4 }
                .joins(&post(LineClass::Drop("comment_section"), 0.3))
        );
        assert!(Joining { page_type: Some(PageType::Listing), from: 0.05 }.joins(&post(LineClass::Drop("model"), 0.3)));
        assert!(!Joining { page_type: None, from: f32::INFINITY }.joins(&post(LineClass::Drop("model"), 0.3)));
        assert!(
            !Joining { page_type: Some(PageType::Forum), from: 0.0 }.joins(&post(LineClass::Drop("ui_label"), 0.9))
        );
        assert!(
            !Joining { page_type: Some(PageType::Forum), from: 0.0 }.joins(&post(LineClass::Drop("comment_list"), 0.9)),
            "a blog's list of comments is not a thread, whatever the page was taken for"
        );
        assert!(!Joining { page_type: Some(PageType::Forum), from: 0.0 }.joins(&post(LineClass::Caption, 0.9)));
        // What may join is what the cleaner passes on a page for (a thread held in its comments
        // section alone reaches the extractor); a line the model never judged can do neither.
        assert!(comment.doubted() && post(LineClass::Drop("model"), 0.3).doubted());
        let unjudged = Line { score: None, ..comment.clone() };
        assert!(!unjudged.doubted());
        assert!(!Joining { page_type: Some(PageType::Forum), from: 0.0 }.joins(&unjudged));
    }

    #[test]
    fn seedlike_record() {
        let a = run(include_str!("../../../tests/fixtures/seedlike.txt"), Default::default()).unwrap();
        assert_eq!(
            a.title.as_deref(),
            Some("Seoul Unveils Plan To Put Drones Over Han River Bridges... Night Traffic Monitoring From Next Year")
        );
        assert_eq!(a.subtitle.as_deref(), Some("City Hall Bets on Automated Patrols to Cut Response Times"));
        assert_eq!(a.body.len(), 5, "{:#?}", a.body);
        assert!(a.body[0].starts_with("The Seoul Metropolitan Government"));
        assert!(a.body[4].starts_with("Kim Min-ji"));
        assert_eq!(
            a.captions,
            vec![Caption {
                text: "A city official demonstrates a patrol drone at a briefing held at Seoul City Hall on the 13th."
                    .into(),
                credit: Some("Hanbit Photo Agency".into()),
            }]
        );
        assert_eq!(a.publisher.as_deref(), Some("The Han River Herald"));
        assert_eq!(a.lang.as_deref(), Some("en"));
        assert!(a.word_count > 150);
        assert_eq!(a.content_hash.len(), 32);
    }

    #[test]
    fn a_date_after_the_reading_is_no_publication_date() {
        let body = "The council voted on Tuesday to close the old bridge for repairs that will take a whole year.\n\n\
                    Drivers will be sent through the town centre while engineers replace the deck and the rails.\n\n\
                    Residents said the detour would add twenty minutes to the trip into the city each morning.\n";
        let page = |dates: &str| format!("Bridge Closes For A Year\n\n{dates}\n\n{body}");
        let review = run(&page("Next review due: 11 Jan 2099\n\n3 Sept 2024"), Default::default()).unwrap();
        assert_eq!(review.published.as_deref(), Some("2024-09-03"), "the review date is skipped, the next one taken");
        let stated = crate::record::InputMeta { published: Some("2099-01-01".into()), ..Default::default() };
        let a = run(&page("3 Sept 2024"), stated).unwrap();
        assert_eq!(a.published.as_deref(), Some("2024-09-03"), "a stated date in the future is not taken");
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        assert!(!after(&today.to_string(), today.tomorrow().unwrap()) && after("2099-01-01T10:00:00", today));
        assert!(!after("01/07/2099", today), "a stated form that is not ISO is not judged");
    }

    #[test]
    fn a_numeric_date_follows_the_page_locale() {
        let body = "The council voted on Tuesday to close the old bridge for repairs that will take a whole year.\n\n\
                    Drivers will be sent through the town centre while engineers replace the deck and the rails.\n\n\
                    Residents said the detour would add twenty minutes to the trip into the city each morning.\n";
        let page = format!("Bridge Closes For A Year\n\n12/03/2024\n\n{body}");
        let with = |day_first| run(&page, crate::record::InputMeta { day_first, ..Default::default() }).unwrap();
        assert_eq!(with(Some(true)).published.as_deref(), Some("2024-03-12"));
        assert_eq!(with(Some(false)).published.as_deref(), Some("2024-12-03"));
        assert_eq!(with(None).published, None, "either order is possible");
        let stated = crate::record::InputMeta {
            published: Some("03-09-2024".into()),
            day_first: Some(false),
            ..Default::default()
        };
        // A date shown under the headline stands for the markup's, not for what a JSON-lines
        // object or a feed states.
        let shown = crate::record::InputMeta { published: Some("2024-12-01".into()), ..Default::default() };
        let dated = format!("Bridge Closes For A Year\n\nMarch 12, 2024\n\n{body}");
        assert_eq!(run(&dated, shown.clone()).unwrap().published.as_deref(), Some("2024-03-12"));
        let cleaner = Cleaner::new(&CleanConfig::default()).unwrap();
        let mut object = crate::stages::test_document(&dated);
        (object.meta, object.format) = (shown, crate::record::Format::Jsonl);
        let Outcome::Emit(cleaned) = cleaner.process(object).unwrap() else { panic!("dropped") };
        let article = Extractor::new(&ExtractConfig::default()).extract(cleaned).unwrap().article;
        assert_eq!(article.published.as_deref(), Some("2024-12-01"));
        // (On a page that shows no date: a shown one under the headline would stand for it.)
        let undated = format!("Bridge Closes For A Year\n\n{body}");
        assert_eq!(run(&undated, stated).unwrap().published.as_deref(), Some("2024-03-09"));
    }

    #[test]
    fn stated_metadata_wins() {
        let meta = crate::record::InputMeta {
            title: Some("Stated Title".into()),
            outlet: Some("Wire".into()),
            published: Some("2024-01-02".into()),
            url: Some("https://example.com/a".into()),
            ..Default::default()
        };
        let a = run(
            "Stated Title\nThe first paragraph is long enough to be prose for sure, right here.\n© 2024 Other Co.",
            meta,
        )
        .unwrap();
        assert_eq!(a.title.as_deref(), Some("Stated Title"));
        assert_eq!(a.subtitle, None);
        assert_eq!(a.body.len(), 1);
        assert_eq!(a.publisher.as_deref(), Some("Wire"));
        assert_eq!(a.published.as_deref(), Some("2024-01-02"));
        assert_eq!(a.url.as_deref(), Some("https://example.com/a"));
    }

    proptest::proptest! {
        /// Whatever the page, cleaning and extraction never panic, and every title is a line of
        /// the input, every body paragraph a run of words of one (the column splitter may cut a
        /// line's ends off), every caption the end of one: nothing is invented.
        #[test]
        fn never_panics_and_invents_nothing(lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::string::string_regex("[A-Za-z가-힣 ,.!?\"©=\\[\\]()_-]{0,120}").unwrap(),
                proptest::sample::select(vec![
                    "Close".to_string(), "Top".to_string(), "© The Daily. All rights reserved.".to_string(),
                    "[Image source=Wire]".to_string(), "By Jane Doe".to_string(), "June 22, 2024".to_string(),
                    "The council met on Tuesday and approved the new budget for the coming year.".to_string(),
                ]),
            ],
            0..40,
        )) {
            let text = lines.join("\n");
            if let Ok(a) = run(&text, Default::default()) {
                let inputs: Vec<String> = lines.iter().map(|l| crate::text::normalize_line(l)).collect();
                for p in a.title.iter().chain(a.subtitle.iter()) {
                    proptest::prop_assert!(inputs.contains(p), "{p:?} is not an input line");
                }
                let words_of = |s: &str| s.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect::<Vec<_>>();
                for p in &a.body {
                    let run = words_of(p);
                    let found = inputs.iter().any(|l| words_of(l).windows(run.len().max(1)).any(|w| w == run.as_slice()));
                    proptest::prop_assert!(found, "{p:?} is not a run of words of an input line");
                }
                for c in &a.captions {
                    proptest::prop_assert!(c.text.is_empty() || inputs.iter().any(|l| l.ends_with(&c.text)));
                }
                proptest::prop_assert!(!a.body.is_empty());
            }
        }
    }

    #[test]
    fn publishers_from_copyright_lines() {
        assert_eq!(
            publisher_from_copyright("© The Asia Business Daily(www.asiae.co.kr). All rights reserved.").as_deref(),
            Some("The Asia Business Daily")
        );
        assert_eq!(
            publisher_from_copyright("Copyright © 2019-2024 Example News, Inc. All Rights Reserved").as_deref(),
            Some("Example News, Inc")
        );
        assert_eq!(publisher_from_copyright("ⓒ 한국일보 무단전재 및 재배포 금지").as_deref(), Some("한국일보"));
        assert_eq!(publisher_from_copyright("© 2024"), None);
    }

    #[test]
    fn korean_page_language_and_byline() {
        let text = "정부, 내년 예산안 발표\n입력 2024.06.22 10:30\n홍길동 기자\n정부는 22일 내년도 예산안을 발표하고 복지 분야 지출을 크게 늘리겠다고 밝혔다. 기획재정부는 경기 회복을 위해 재정의 역할이 중요하다고 설명했다.\n전문가들은 재정 건전성에 대한 우려도 함께 제기했다. 국회는 다음 달부터 예산안 심사에 착수할 예정이다.";
        let a = run(text, Default::default()).unwrap();
        assert_eq!(a.title.as_deref(), Some("정부, 내년 예산안 발표"));
        assert_eq!(a.lang.as_deref(), Some("ko"));
        assert_eq!(a.byline.as_deref(), Some("홍길동 기자"));
        assert_eq!(a.published.as_deref(), Some("2024-06-22T10:30:00"));
        assert_eq!(a.body.len(), 2);
    }

    #[test]
    fn a_blog_footers_dated_byline_gives_author_and_date() {
        let mut text = String::from("Colin's blog\nPreparing a transition in our build farm\n");
        for i in 0..30 {
            text.push_str(&format!(
                "Paragraph {i} of the post explains what changed in the build farm, and why the transition took a month.\n"
            ));
        }
        text.push_str(
            "Comments\nLoad comments\nPosted by Colin Watson on 2025-12-18 in debusine. Tags: debusine, freexian.\n",
        );
        let a = run(&text, Default::default()).unwrap();
        assert_eq!(a.byline.as_deref(), Some("Colin Watson"));
        assert_eq!(a.published.as_deref(), Some("2025-12-18"));
    }
}
