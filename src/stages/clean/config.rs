//! `[clean]`: the cleaner's settings (rules, model thresholds, limits), their defaults, and the
//! rules they compile to (once per loaded config).

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexSet};

use crate::per_thread::PerThread;
use serde::{Deserialize, Serialize};

use crate::live::LiveKeys;
use crate::num::nz;

/// `[clean]`: the line cleaner for page text.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanConfig {
    /// Parallel cleaning workers.
    pub workers: NonZeroUsize,
    /// Capacity of this stage's input channel (documents waiting to be cleaned).
    pub channel_capacity: NonZeroUsize,
    /// Extra regular expressions; a matching line is dropped.
    pub drop_patterns: Vec<String>,
    /// Regular expressions; a matching line is always kept (wins over every drop rule).
    pub keep_patterns: Vec<String>,
    /// A line needs at least this many words (or CJK characters / 2) and sentence punctuation to count as prose.
    pub min_prose_words: NonZeroUsize,
    /// Drop later copies of a line already seen in the same page dump (HTML pages leave repeats to
    /// the block model, which tells a menu shown twice from an article's own repeated lines).
    pub drop_repeated_lines: bool,
    /// Lines longer than this are cut (a minified blob is not an article line).
    pub max_line_bytes: NonZeroUsize,
    /// Most text blocks read from one HTML page; the rest of a longer page is ignored.
    pub max_html_blocks: NonZeroUsize,
    /// A line the rules leave open is kept when the line model gives it at least this probability
    /// of being article text (0 to 1: lower keeps more, higher keeps less).
    pub keep_threshold: f32,
    /// Page dumps: a chooser fitted on both line models' results hands each page to the model
    /// that suits it: the first learned mostly from the older sets' pages (2008-2019), the second
    /// from every page at the same weight (this year's pages are most of them); a page handed to
    /// the second is not split into columns. False: the first model judges every page.
    pub second_text_model: bool,
    /// HTML pages: a page typed as anything but an article (a listing, a shop's page, a thread, a
    /// manual, a service page; the type is read from the first block model's verdicts) is judged
    /// again by a second block model, which learned from this year's pages alone (the first also
    /// from older news pages, which weigh four times as much), and `[extract.html_body_threshold]`
    /// applies to its probabilities. False: every page keeps the first model's verdicts.
    pub non_article_html_model: bool,
    /// Page dumps: a page typed as anything but an article (the type read from the verdicts of the
    /// model the chooser picked) is judged again by the second text model, not split into
    /// columns, when the chooser had given it to the first (a page too short for the line model
    /// is left as it is): the second learned from this year's pages of every kind, the chooser
    /// mostly from older news pages. False: the chooser decides.
    pub non_article_text_model: bool,
    /// Cut the lines of a page dump that hold several columns of a table layout (a menu, the
    /// article, a sidebar side by side) down to the article's words, with the word model.
    pub split_columns: bool,
    /// A word of a kept line counts for the article's run when the word model gives it at least
    /// this probability (0 to 1: lower keeps more of each line, higher cuts more).
    pub column_word_threshold: f32,
    /// A page is split only when at least this share of its kept lines hold other columns' words
    /// by the word model's first pass (0 to 1): a page of one column is left whole.
    pub column_min_share: f32,
    /// Words at a line's start or end are cut off only when the word model's summed log-odds
    /// against them reach this much (0 or more: higher cuts less, only where it is sure).
    pub column_cut_margin: f32,
    /// On a page the splitter splits, a line the line model dropped with at least this probability
    /// (0 to 1; 1 turns it off) is judged word by word too, and keeps the run of words the word
    /// model is sure of: half of such a line is often the article, the other half a menu.
    pub column_rescue_threshold: f32,
    /// A page is split only when at most this share of its kept lines of five words or more end a
    /// sentence (0 to 1; 1, the default, turns this fixed gate off and leaves the choice to the
    /// learned split gate, which reads the same share among other page measures).
    pub column_max_sentence_share: f32,
    /// Removed with the site-template learner ([`CleanConfig::removed_keys`]); accepted and ignored.
    #[serde(skip_serializing)]
    pub templates: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_min_docs: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_min_share: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_max_sites: Option<serde::de::IgnoredAny>,
    /// Removed with the site-template learner; accepted and ignored.
    #[serde(skip_serializing)]
    pub template_max_lines_per_site: Option<serde::de::IgnoredAny>,
    /// Pages with fewer lines are judged by the prose rule alone (too little context for the model).
    pub min_model_lines: NonZeroUsize,
    /// A prose line the model doubted is kept when body text is at most this many lines above and below.
    pub sandwich_reach_lines: NonZeroUsize,
    /// Page dumps: two body paragraphs further apart than the sandwich reaches, with nothing between
    /// them but prose and lines of at most this many words (a list article's item headings, ratings,
    /// links), make the prose between them body; 0 turns it off.
    pub bridge_line_words: usize,
    /// Page dumps the second text model judged (this year's pages): a run of at most this many
    /// lines between two body lines, all of them dropped by the model (or as repeats), joins the
    /// body where the model gave a line at least `gap_fill_threshold` (a list, a table or a code
    /// block inside the article), and where a repeat's text is body elsewhere on the page; 0 turns
    /// it off.
    pub gap_fill_max_lines: usize,
    /// The model probability (0 to 1) from which a line of such a run joins the body.
    pub gap_fill_threshold: f32,
    /// A line of at most this many words that ends a sentence, right below a kept line of six words or
    /// more whose sentence runs on (no sentence end or colon), is kept as that sentence's wrapped end
    /// ("2007."); 0 turns it off.
    pub wrapped_tail_words: usize,
    /// How many lines above the body the headline is looked for.
    pub headline_reach_lines: NonZeroUsize,
    /// A headline must share at least this share of its content words with the body (0 to 1).
    pub headline_min_overlap: f32,
    /// How many of the body's first content words the headline is compared with.
    pub headline_body_terms: NonZeroUsize,
    /// A headline-shaped line with a byline or dateline at most this many lines under it is the
    /// headline, before the nearest one above the body; 0 turns the rule off.
    pub headline_anchor_lines: usize,
    /// How many lines above the body such a headline over a byline or dateline is looked for
    /// (author boxes and sign-up forms stand between them on today's pages).
    pub headline_anchor_reach_lines: usize,
    /// How many lines into the body such a headline is looked for too (the model kept a page's
    /// furniture above it).
    pub headline_anchor_below_lines: usize,
    /// A headline-shaped line at most 3 lines over such a headline makes it the deck (`Headline` /
    /// `Deck` / `By ...` / `date`) when it has at least this many words (CJK: twice as many
    /// characters); shorter ones are a site's buttons and breadcrumbs.
    pub headline_deck_min_words: usize,
    /// ... and when the body shares at least this share of what it shares with that headline's
    /// words (0 to 1).
    pub headline_deck_overlap_share: f32,
    /// Page dumps: the headline is the line the trained headline model ranks highest around the
    /// body's start (the rules' choice above is one of its inputs); false keeps the rules' choice.
    pub headline_model: bool,
    /// HTML pages: an element whose class or id names comments is a wrapper around the article,
    /// not a comments section, when the blocks in it that the model would keep have more than this
    /// many times the words kept outside it (a theme's `<main class="has-comments">`); 0 turns
    /// this off.
    pub comments_wrapper_ratio: f32,
    /// HTML pages: a later copy of a run of body blocks that repeats earlier kept blocks word for
    /// word (a page that renders its article twice, for phones and for desktops) is dropped when
    /// its blocks of at least `repeated_run_block_words` words hold at least this many words; 0
    /// turns it off. Short repeats (a recipe's "Portion: 1 cup", a teaser above its own lede) stay.
    pub repeated_run_min_words: usize,
    /// See `repeated_run_min_words`: the words a block needs to count as the article's prose.
    pub repeated_run_block_words: NonZeroUsize,
    /// Whole-line interface labels in any language (case-insensitive, outer punctuation ignored).
    pub ui_labels: Vec<String>,
    /// Whole-line labels of buttons (`Learn more`, `Add to cart`, `Reply`), matched as
    /// `ui_labels` are, dropped after the line models have judged the page (they stay in the
    /// models' view of the page, as when the models learned).
    pub button_labels: Vec<String>,
    /// A copyright notice (dropped from the text; names the publisher).
    pub copyright_pattern: String,
    /// An image credit line; capture group 1 is the credit.
    pub credit_pattern: String,
    /// An image caption ending in its credit, `... (AP Photo/Name)`; capture group 1 is the credit.
    pub caption_credit_pattern: String,
    /// A line written as a press photo caption ("FILE PHOTO: ...", "In this 2019 photo, ...",
    /// "Name, left, and Name ..."), in lines of at most 80 words: it is an image caption, kept out
    /// of the body.
    pub caption_pattern: String,
    /// The heading of a readers' comments section ("Comments are now closed", "Post a comment"):
    /// once the article has begun, such a line (at most 10 words) ends it.
    pub comments_start_pattern: String,
    /// The line over one reader's comment in a blog's list of them ("1. Kathy Owen says:"), in a
    /// page dump: once the article has begun (three prose lines), the first such line (at most 12
    /// words) ends it when the list is plain (two different such lines, or one numbered 1); the
    /// list's lines are never kept, whatever the page's type.
    pub comment_header_pattern: String,
    /// Share and follow prompts (lines of at most 12 words).
    pub share_pattern: String,
    /// A consent manager's notice about cookies, "We use cookies to ...", "These cookies are
    /// necessary ..." (lines that mention cookies).
    pub consent_pattern: String,
    /// A site-wide banner over every page, such as the one on United States government sites ("An
    /// official website of the United States government", "Here's how you know"): lines of at most
    /// 40 words that match it are dropped.
    pub banner_pattern: String,
    /// The page's own notices and placeholders, never content: a browser's fallback notice ("Your
    /// browser does not support the video tag.", "Please enable JavaScript"), a sharing widget's
    /// labels, a forum's sign-in prompt, placeholder text ("Lorem ipsum"). Lines of at most 40
    /// words the models kept or doubted are dropped after them.
    pub filler_pattern: String,
    /// A site's pitch for its newsletter or membership ("Sign up for our newsletter", "... delivered
    /// straight to your inbox", "Already have an account? Log in"). Lines of at most 30 words the
    /// models kept or doubted are dropped after them.
    pub promo_pattern: String,
    /// A heading under which a forum's or Q&A site's page lists other threads once its own has
    /// ended ("Hot Network Questions", "Similar threads"), asked of lines of at most six words:
    /// after the line models, the lines they kept or doubted below the first such line that
    /// follows a kept line are dropped.
    pub thread_end_pattern: String,
    /// A link to another article inside this one, "SEE MORE: ..." (HTML blocks of at most 25 words).
    pub teaser_pattern: String,
    /// An article's tags under a label, "Tags: ...", "Теги: ..." (lines of at most 30 words).
    pub tags_pattern: String,
    /// A code identifier leaked into the page, such as `bar_progress`.
    pub identifier_pattern: String,
    /// An author line (lines of at most 10 words).
    pub byline_pattern: String,
    /// Words that introduce a publication date (short lines with a date).
    pub dateline_pattern: String,
    /// The patterns above, compiled by the first call of [`CleanConfig::rules`] (the loader's
    /// validation) and shared by the copies of this config made after it.
    #[serde(skip)]
    pub(super) compiled: OnceLock<Result<Arc<Rules>, RulesError>>,
}

impl CleanConfig {
    /// What a reload changes in place: everything (the next document is cleaned with it).
    pub(crate) const LIVE: LiveKeys = LiveKeys::All;

    /// The compiled patterns, or every one that does not compile. Compiled once per loaded
    /// config: set the fields before the first call.
    pub fn rules(&self) -> Result<Arc<Rules>, RulesError> {
        self.compiled.get_or_init(|| Rules::compile(self).map(Arc::new)).clone()
    }

    /// Problems with the section's values, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = match self.rules() {
            Ok(_) => Vec::new(),
            Err(RulesError(errors)) => errors,
        };
        for (key, v) in [
            ("keep_threshold", self.keep_threshold),
            ("column_min_share", self.column_min_share),
            ("column_max_sentence_share", self.column_max_sentence_share),
            ("column_rescue_threshold", self.column_rescue_threshold),
            ("headline_min_overlap", self.headline_min_overlap),
            ("headline_deck_overlap_share", self.headline_deck_overlap_share),
            ("gap_fill_threshold", self.gap_fill_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                errors.push((key, "must be between 0 and 1".into()));
            }
        }
        if !(self.column_word_threshold > 0.0 && self.column_word_threshold < 1.0) {
            errors.push(("column_word_threshold", "must be between 0 and 1 (exclusive)".into()));
        }
        if !(self.column_cut_margin >= 0.0 && self.column_cut_margin.is_finite()) {
            errors.push(("column_cut_margin", "must be 0 or more".into()));
        }
        if !(self.comments_wrapper_ratio >= 0.0 && self.comments_wrapper_ratio.is_finite()) {
            errors.push(("comments_wrapper_ratio", "must be 0 or more".into()));
        }
        errors
    }

    /// The keys of the site-template learner this config still sets. The learner was removed: fed
    /// the 274 benchmark pages of sites with three pages or more in arrival order (CleanPortalEval,
    /// L3S and WCXB, HTML and text) it changed 3 pages' output by at most 0.0006, and 5 by at most
    /// 0.002 at its lowest setting (docs/cleaner-model.md). Configs that set them still load, with
    /// a warning.
    pub(crate) fn removed_keys(&self) -> Vec<&'static str> {
        [
            ("clean.templates", self.templates.is_some()),
            ("clean.template_min_docs", self.template_min_docs.is_some()),
            ("clean.template_min_share", self.template_min_share.is_some()),
            ("clean.template_max_sites", self.template_max_sites.is_some()),
            ("clean.template_max_lines_per_site", self.template_max_lines_per_site.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }
}

impl Default for CleanConfig {
    fn default() -> Self {
        Self {
            workers: nz(2),
            channel_capacity: nz(64),
            drop_patterns: Vec::new(),
            keep_patterns: Vec::new(),
            min_prose_words: nz(8),
            drop_repeated_lines: true,
            max_line_bytes: nz(64 * 1024),
            max_html_blocks: nz(20_000),
            keep_threshold: 0.5,
            second_text_model: true,
            non_article_html_model: true,
            non_article_text_model: true,
            split_columns: true,
            column_word_threshold: 0.5,
            column_min_share: 0.2,
            column_cut_margin: 2.0,
            column_rescue_threshold: 0.2,
            column_max_sentence_share: 1.0,
            templates: None,
            template_min_docs: None,
            template_min_share: None,
            template_max_sites: None,
            template_max_lines_per_site: None,
            min_model_lines: nz(12),
            sandwich_reach_lines: nz(2),
            bridge_line_words: 12,
            gap_fill_max_lines: 30,
            gap_fill_threshold: 0.1,
            comments_wrapper_ratio: 10.0,
            repeated_run_min_words: 150,
            repeated_run_block_words: nz(25),
            wrapped_tail_words: 2,
            headline_reach_lines: nz(25),
            headline_min_overlap: 0.34,
            headline_body_terms: nz(200),
            headline_anchor_lines: 6,
            headline_anchor_reach_lines: 75,
            headline_anchor_below_lines: 4,
            headline_deck_min_words: 4,
            headline_deck_overlap_share: 0.7,
            headline_model: true,
            ui_labels: super::patterns::UI_LABELS.iter().map(|s| s.to_string()).collect(),
            button_labels: super::patterns::BUTTON_LABELS.iter().map(|s| s.to_string()).collect(),
            copyright_pattern: super::patterns::COPYRIGHT_PATTERN.into(),
            credit_pattern: super::patterns::CREDIT_PATTERN.into(),
            caption_credit_pattern: super::patterns::CAPTION_CREDIT_PATTERN.into(),
            caption_pattern: super::patterns::CAPTION_PATTERN.into(),
            comments_start_pattern: super::patterns::COMMENTS_START_PATTERN.into(),
            comment_header_pattern: super::patterns::COMMENT_HEADER_PATTERN.into(),
            share_pattern: super::patterns::SHARE_PATTERN.into(),
            consent_pattern: super::patterns::CONSENT_PATTERN.into(),
            banner_pattern: super::patterns::BANNER_PATTERN.into(),
            filler_pattern: super::patterns::FILLER_PATTERN.into(),
            promo_pattern: super::patterns::PROMO_PATTERN.into(),
            thread_end_pattern: super::patterns::THREAD_END_PATTERN.into(),
            teaser_pattern: super::patterns::TEASER_PATTERN.into(),
            tags_pattern: super::patterns::TAGS_PATTERN.into(),
            identifier_pattern: super::patterns::IDENTIFIER_PATTERN.into(),
            byline_pattern: super::patterns::BYLINE_PATTERN.into(),
            dateline_pattern: super::patterns::DATELINE_PATTERN.into(),
            compiled: OnceLock::new(),
        }
    }
}

/// The rules of one configuration, compiled.
#[derive(Debug)]
pub struct Rules {
    /// Interface labels, lower-cased.
    pub ui: HashSet<String>,
    /// Button labels, lower-cased.
    pub buttons: HashSet<String>,
    /// Longest label (of either set) in bytes: longer lines are not looked up.
    pub max_label_bytes: usize,
    /// See [`super::patterns::COPYRIGHT_PATTERN`].
    pub copyright: PerThread<Regex>,
    /// See [`super::patterns::CREDIT_PATTERN`].
    pub credit: PerThread<Regex>,
    /// See [`super::patterns::CAPTION_CREDIT_PATTERN`].
    pub caption_credit: PerThread<Regex>,
    /// See [`super::patterns::CAPTION_PATTERN`].
    pub caption: PerThread<Regex>,
    /// Either of `copyright` and `caption`: one search tells most lines neither applies, where
    /// the two alone cost two (both search the whole line). `None` when the two together exceed
    /// the regex size limit: then each is asked on its own.
    pub copyright_or_caption: Option<PerThread<Regex>>,
    /// The heading of a readers' comments section.
    pub comments_start: PerThread<Regex>,
    /// The line over one reader's comment.
    pub comment_header: PerThread<Regex>,
    /// A link to another article inside this one.
    pub teaser: PerThread<Regex>,
    /// `tags_pattern`.
    pub tags: PerThread<Regex>,
    /// See [`super::patterns::SHARE_PATTERN`].
    pub share: PerThread<Regex>,
    /// See [`super::patterns::CONSENT_PATTERN`].
    pub consent: PerThread<Regex>,
    /// See [`super::patterns::BANNER_PATTERN`].
    pub banner: PerThread<Regex>,
    /// See [`super::patterns::FILLER_PATTERN`].
    pub filler: PerThread<Regex>,
    /// See [`super::patterns::PROMO_PATTERN`].
    pub promo: PerThread<Regex>,
    /// See [`super::patterns::THREAD_END_PATTERN`].
    pub thread_end: PerThread<Regex>,
    /// See [`super::patterns::IDENTIFIER_PATTERN`].
    pub identifier: PerThread<Regex>,
    /// See [`super::patterns::BYLINE_PATTERN`].
    pub byline: PerThread<Regex>,
    /// See [`super::patterns::DATELINE_PATTERN`].
    pub dateline: PerThread<Regex>,
    /// `drop_patterns`.
    pub drop: PerThread<RegexSet>,
    /// `keep_patterns`.
    pub keep: PerThread<RegexSet>,
}

/// Every pattern of a `[clean]` section that does not compile: (key, why).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.iter().map(|(key, why)| format!("clean.{key}: {why}")).collect::<Vec<_>>().join("; "))]
pub struct RulesError(pub Vec<(&'static str, String)>);

impl Rules {
    /// Compiles the rules of `cfg`, naming every pattern that does not compile.
    pub(crate) fn compile(cfg: &CleanConfig) -> Result<Self, RulesError> {
        let mut errors = Vec::new();
        let singles: [(&'static str, &str); 17] = [
            ("copyright_pattern", &cfg.copyright_pattern),
            ("credit_pattern", &cfg.credit_pattern),
            ("caption_credit_pattern", &cfg.caption_credit_pattern),
            ("caption_pattern", &cfg.caption_pattern),
            ("comments_start_pattern", &cfg.comments_start_pattern),
            ("comment_header_pattern", &cfg.comment_header_pattern),
            ("teaser_pattern", &cfg.teaser_pattern),
            ("tags_pattern", &cfg.tags_pattern),
            ("share_pattern", &cfg.share_pattern),
            ("consent_pattern", &cfg.consent_pattern),
            ("banner_pattern", &cfg.banner_pattern),
            ("filler_pattern", &cfg.filler_pattern),
            ("promo_pattern", &cfg.promo_pattern),
            ("thread_end_pattern", &cfg.thread_end_pattern),
            ("identifier_pattern", &cfg.identifier_pattern),
            ("byline_pattern", &cfg.byline_pattern),
            ("dateline_pattern", &cfg.dateline_pattern),
        ];
        let either = format!("(?:{})|(?:{})", cfg.copyright_pattern, cfg.caption_pattern);
        let mut sources: Vec<&str> = singles.iter().map(|(_, p)| *p).collect();
        sources.push(&either);
        let mut compiled = compile_on_two_threads(&sources).into_iter();
        // A pattern that does not compile is named, and the empty class (which matches nothing)
        // stands in for it, so that every bad pattern is found in one go; nothing built with it
        // is returned.
        let never = Regex::new(r"[^\s\S]").map_err(|e| RulesError(vec![("(built-in)", e.to_string())]))?;
        let mut one: Vec<PerThread<Regex>> = Vec::with_capacity(singles.len());
        for ((key, _), result) in singles.iter().zip(compiled.by_ref()) {
            one.push(PerThread::new(result.unwrap_or_else(|e| {
                errors.push((*key, format!("bad regular expression: {e}")));
                never.clone()
            })));
        }
        // Past the regex size limit the two are asked one after the other instead.
        let copyright_or_caption = compiled.next().and_then(Result::ok).map(PerThread::new);
        let drop = pattern_set("drop_patterns", &cfg.drop_patterns, &mut errors);
        let keep = pattern_set("keep_patterns", &cfg.keep_patterns, &mut errors);
        if !errors.is_empty() {
            return Err(RulesError(errors));
        }
        // Taken in the order of `singles`: struct fields are evaluated as written.
        let mut one = one.into_iter();
        let mut next = || one.next().ok_or_else(|| RulesError(vec![("(built-in)", "a pattern went missing".into())]));
        let ui: HashSet<String> = cfg.ui_labels.iter().map(|l| l.to_lowercase()).collect();
        let buttons: HashSet<String> = cfg.button_labels.iter().map(|l| l.to_lowercase()).collect();
        Ok(Self {
            max_label_bytes: ui.iter().chain(&buttons).map(String::len).max().unwrap_or(0),
            ui,
            buttons,
            copyright: next()?,
            credit: next()?,
            caption_credit: next()?,
            caption: next()?,
            copyright_or_caption,
            comments_start: next()?,
            comment_header: next()?,
            teaser: next()?,
            tags: next()?,
            share: next()?,
            consent: next()?,
            banner: next()?,
            filler: next()?,
            promo: next()?,
            thread_end: next()?,
            identifier: next()?,
            byline: next()?,
            dateline: next()?,
            drop: PerThread::new(drop),
            keep: PerThread::new(keep),
        })
    }
}

/// Compiles `patterns` on this thread and one more, each taking the next pattern left, and
/// returns the results in order. Unicode classes under `(?i)` take milliseconds each to compile
/// (the default share and consent patterns 9-11 ms apiece, of about 34 ms for all): `newsmill
/// check` on the shipped config took 32 ms in a row and takes 24.5 ms so.
fn compile_on_two_threads(patterns: &[&str]) -> Vec<Result<Regex, regex::Error>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        while let Some(i) = Some(next.fetch_add(1, Ordering::Relaxed)).filter(|&i| i < patterns.len()) {
            done.push((i, Regex::new(patterns[i])));
        }
        done
    };
    let mut slots: Vec<Option<Result<Regex, regex::Error>>> = (0..patterns.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        // Without a second thread (the system refused one) this thread takes every pattern.
        let helper = std::thread::Builder::new().name("compile-rules".into()).spawn_scoped(scope, take).ok();
        let mine = take();
        let theirs = helper.and_then(|h| h.join().ok()).unwrap_or_default();
        for (i, r) in mine.into_iter().chain(theirs) {
            slots[i] = Some(r);
        }
    });
    // A helper that failed midway left its patterns unset: they are compiled here.
    slots.into_iter().zip(patterns).map(|(r, p)| r.unwrap_or_else(|| Regex::new(p))).collect()
}

/// One set of patterns; a pattern that does not compile is named on its own.
fn pattern_set(key: &'static str, patterns: &[String], errors: &mut Vec<(&'static str, String)>) -> RegexSet {
    let before = errors.len();
    for p in patterns {
        if let Err(e) = Regex::new(p) {
            errors.push((key, format!("bad regular expression `{p}`: {e}")));
        }
    }
    if errors.len() > before {
        return RegexSet::empty();
    }
    RegexSet::new(patterns).unwrap_or_else(|e| {
        errors.push((key, e.to_string()));
        RegexSet::empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_rules_compile() {
        let r = Rules::compile(&CleanConfig::default()).unwrap();
        assert!(r.ui.contains("본문 바로가기") && r.ui.contains("text size"));
        assert!(r.copyright.is_match("© The Asia Business Daily(www.asiae.co.kr). All rights reserved."));
        assert!(!r.copyright.is_match("Copyright"));
        assert_eq!(&r.credit.captures("[Image source=Yonhap News]").unwrap()[1], "Yonhap News");
        assert!(r.identifier.is_match("bar_progress") && !r.identifier.is_match("Jean-Pierre"));
    }

    #[test]
    fn patterns_compiled_on_two_threads_come_back_in_order_with_their_errors() {
        let patterns: Vec<String> =
            (0..40).map(|i| if i % 7 == 3 { format!("(unclosed{i}") } else { format!("^n{i}$") }).collect();
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let compiled = compile_on_two_threads(&refs);
        assert_eq!(compiled.len(), 40);
        for (i, r) in compiled.iter().enumerate() {
            match r {
                Ok(re) => assert!(i % 7 != 3 && re.is_match(&format!("n{i}")) && !re.is_match(&format!("n{}", i + 1))),
                Err(e) => assert!(i % 7 == 3 && e.to_string().contains(&format!("unclosed{i}")), "{i}: {e}"),
            }
        }
        assert!(compile_on_two_threads(&[]).is_empty());
    }

    #[test]
    fn each_rule_gets_its_own_pattern() {
        let cfg = CleanConfig {
            copyright_pattern: "^copyright$".into(),
            credit_pattern: "^credit$".into(),
            caption_credit_pattern: "^caption_credit$".into(),
            caption_pattern: "^caption$".into(),
            comments_start_pattern: "^comments_start$".into(),
            comment_header_pattern: "^comment_header$".into(),
            teaser_pattern: "^teaser$".into(),
            tags_pattern: "^tags$".into(),
            share_pattern: "^share$".into(),
            consent_pattern: "^consent$".into(),
            banner_pattern: "^banner$".into(),
            filler_pattern: "^filler$".into(),
            promo_pattern: "^promo$".into(),
            thread_end_pattern: "^thread_end$".into(),
            identifier_pattern: "^identifier$".into(),
            byline_pattern: "^byline$".into(),
            dateline_pattern: "^dateline$".into(),
            ..CleanConfig::default()
        };
        let r = Rules::compile(&cfg).unwrap();
        for (name, rule) in [
            ("copyright", &r.copyright),
            ("credit", &r.credit),
            ("caption_credit", &r.caption_credit),
            ("caption", &r.caption),
            ("comments_start", &r.comments_start),
            ("comment_header", &r.comment_header),
            ("teaser", &r.teaser),
            ("tags", &r.tags),
            ("share", &r.share),
            ("consent", &r.consent),
            ("banner", &r.banner),
            ("filler", &r.filler),
            ("promo", &r.promo),
            ("thread_end", &r.thread_end),
            ("identifier", &r.identifier),
            ("byline", &r.byline),
            ("dateline", &r.dateline),
        ] {
            assert!(rule.is_match(name), "{name}");
            assert!(!rule.is_match("credit") || name == "credit", "{name}");
        }
        let joint = r.copyright_or_caption.as_ref().unwrap();
        assert!(joint.is_match("copyright") && joint.is_match("caption") && !joint.is_match("credit"));
    }

    #[test]
    fn every_bad_pattern_of_a_section_is_named_at_once() {
        let cfg = CleanConfig {
            share_pattern: "(share".into(),
            dateline_pattern: "[date".into(),
            drop_patterns: vec!["ok".into(), "(drop".into()],
            ..CleanConfig::default()
        };
        let RulesError(errors) = Rules::compile(&cfg).unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["share_pattern", "dateline_pattern", "drop_patterns"]);
    }

    #[test]
    fn the_joint_search_matches_where_either_pattern_does() {
        let r = Rules::compile(&CleanConfig::default()).unwrap();
        let joint = r.copyright_or_caption.as_ref().unwrap();
        for line in [
            "© 2024 Example News. All rights reserved.",
            "FILE PHOTO: A man walks past the central bank in Frankfurt.",
            "Jane Doe, left, and John Roe at the opening.",
            "The council said on Tuesday that the work would begin in the spring.",
            "COPYRIGHT",
            "(c) Example",
            "무단 전재 및 재배포 금지",
            "",
        ] {
            assert_eq!(joint.is_match(line), r.copyright.is_match(line) || r.caption.is_match(line), "{line:?}");
        }
    }
}
