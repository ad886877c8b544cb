//! The clean stage: classifies every line of a page dump as article text or chrome, and sets
//! copyright, credit, caption, byline and date lines aside as data for extraction.
//!
//! Rules come first and judge each line alone (`patterns`, compiled in `config`: interface labels,
//! share prompts, repeats, patterns). A learned line model then decides every line the rules left
//! open, from the line's features and its neighbours' (`features`, `model`, `net`,
//! docs/cleaner-model.md); two small rules mend holes it leaves in the body; readers' comments are
//! cut (`comments`); the headline and deck are found above the body (`headline`); last, lines of a
//! page dump that hold other columns' words beside the article's are cut down to the article's
//! (`columns`). `explain` and `training` serve `newsmill explain` and the training commands.

use std::collections::HashSet;

use self::config::CleanConfig;
use crate::date::find_date;
use crate::html::{Block, BlockTag, Limits as HtmlLimits, Page, within};
use crate::record::{Cleaned, Document, InputMeta, Line, LineClass, Markup, PageSignals, PageType, Reject};
use crate::runner::{Outcome, Transform};
use crate::text::{is_prose_counted, normalize_line, word_count};

pub mod blocks;
pub mod columns;
mod comments;
pub mod config;
mod explain;
pub mod features;
mod hashed;
mod headline;
pub mod headline_model;
#[rustfmt::skip]
mod headline_weights;
#[rustfmt::skip]
pub mod html_weights;
pub mod model;
pub mod net;
pub mod patterns;
mod training;
#[rustfmt::skip]
pub mod weights;

use comments::{drop_comment_sections, end_at_comment_list, end_at_comments};
use config::Rules;
use explain::Explanation;
pub(crate) use explain::explain_line;
use features::LineStats;
use headline::{content_terms, find_headlines};
use model::{LineModel, Rows, Stages};
pub use training::TrainingLine;

/// The compiled cleaner for one configuration.
#[derive(Debug)]
pub struct Cleaner {
    cfg: CleanConfig,
    rules: std::sync::Arc<Rules>,
    model: LineModel,
    html_model: LineModel,
}

/// A page dump's headline candidates ([`Cleaner::headline_candidates`]).
pub struct HeadlineCandidates {
    /// Each candidate's text.
    pub texts: Vec<String>,
    /// The candidates, with the model's inputs.
    pub candidates: Vec<headline_model::Candidate>,
    /// Whether the daemon ranks them on this page (it keeps the rules' headline on a page too
    /// short for the line model).
    pub ranked: bool,
}

/// An HTML page cleaned: its lines, what its markup states, each line's element (`p`, `h2`, `li`,
/// ..., for `explain`; empty unless asked for) and the page-wide signals the page-type model reads.
struct HtmlCleaned {
    lines: Vec<Line>,
    meta: InputMeta,
    tags: Vec<&'static str>,
    signals: PageSignals,
    /// Whether each line is a heading of the first three levels.
    headings: Vec<bool>,
    /// What the block model for pages other than articles needs, should the page be one.
    rejudge: Option<Box<Rejudge>>,
}

/// An HTML page as the block models see it, kept until the page's type is known: a page typed
/// other than an article is judged again by the model for such pages.
struct Rejudge {
    /// Every block's features.
    features: Rows,
    /// Whether the rules left it for the model.
    open: Vec<bool>,
    /// Its class and score as the rules left them.
    unjudged: Vec<(LineClass, Option<f32>)>,
    /// Lines made captions only for repeating an image's `alt`.
    alt_captions: Vec<bool>,
}

/// An HTML page after the rules and the markup's roles, ready for the model.
struct HtmlPass {
    meta: InputMeta,
    signals: PageSignals,
    /// Lines made captions only for repeating an image's `alt`.
    alt_captions: Vec<bool>,
    first: FirstPass,
    /// Blocks left for the model.
    open: Vec<bool>,
    features: Rows,
    /// Each line's element, for `explain` (empty unless asked for).
    tags: Vec<&'static str>,
    /// Whether each line is a heading of the first three levels.
    headings: Vec<bool>,
}

/// What the per-line rules give: the lines, and which `keep_patterns` forced.
struct FirstPass {
    lines: Vec<Line>,
    forced: Vec<bool>,
    /// Each line's index among the input lines (empty ones are skipped).
    origin: Vec<usize>,
}

/// Which text line model judges a page dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The chooser's pick (the first model when `second_text_model` is off).
    Chooser,
    /// The second model, whatever the chooser says (a page typed other than an article).
    Second,
}

/// A page dump's lines after the rules and the line model.
struct Judged {
    lines: Vec<Line>,
    /// Which lines `keep_patterns` forced.
    forced: Vec<bool>,
    /// The chooser handed the page to the second text model (whose pages are not split).
    second: bool,
}

impl Cleaner {
    /// A cleaner with the patterns of `cfg` (compiled once per config, see [`CleanConfig::rules`]).
    pub fn new(cfg: &CleanConfig) -> Result<Self, config::RulesError> {
        Self::with_models(cfg, LineModel::shipped(), LineModel::shipped_html())
    }

    /// A cleaner with other models for text lines and HTML blocks (the training command evaluates
    /// candidates this way).
    pub fn with_models(cfg: &CleanConfig, model: LineModel, html_model: LineModel) -> Result<Self, config::RulesError> {
        Ok(Self { cfg: cfg.clone(), rules: cfg.rules()?, model, html_model })
    }

    /// Classifies every non-empty line of `text`: rules first, then the line model for every line
    /// the rules left open, then the headline above the body.
    pub fn classify(&self, text: &str) -> Vec<Line> {
        self.classify_text(text, self.cfg.split_columns, Pick::Chooser).0
    }

    /// [`Cleaner::classify`], with or without the column splitter, by the model `pick` says; and
    /// whether the second judged the page.
    fn classify_text(&self, text: &str, split: bool, pick: Pick) -> (Vec<Line>, bool) {
        let Judged { mut lines, forced, second } = self.verdicts(text, split, pick);
        end_at_comment_list(&mut lines, &forced, &self.rules.comment_header);
        if second {
            fill_gaps(&mut lines, &forced, self.cfg.gap_fill_max_lines, self.cfg.gap_fill_threshold);
        }
        (lines, second)
    }

    /// A page dump's lines as the models leave them: judged, the headline found, split into
    /// columns when `split` says so (what the column splitter's training rows are read from).
    fn verdicts(&self, text: &str, split: bool, pick: Pick) -> Judged {
        let Judged { mut lines, forced, second } = self.judge_with_headline(text, pick);
        // The second model learned from pages that are not split: its verdicts are final.
        if let (true, false, Some(words)) = (split, second, &self.model.columns) {
            columns::split_columns(words, &mut lines, &forced, self.column_settings());
        }
        // After the splitter: a bridged paragraph is kept whole, and the splitter's work stays
        // that of the model's verdicts (judging these lines too cost 2.9% more a page).
        bridge_item_headings(&mut lines, self.cfg.sandwich_reach_lines.get(), self.cfg.bridge_line_words);
        Judged { lines, forced, second }
    }

    /// A page dump's lines judged by the rules and the line model, with the headline found (the
    /// column splitter's input).
    fn judge_with_headline(&self, text: &str, pick: Pick) -> Judged {
        let Judged { mut lines, forced, second } = self.judge_text(text, pick);
        // Headlines first: a headline's words are never cut, and the splitter learns from body lines.
        let rules = find_headlines(&mut lines, &forced, &self.cfg);
        if self.cfg.headline_model && self.model_judges(&lines) {
            headline_model::rerank(&mut lines, &forced, rules, &self.cfg, &headline_weights::TEXT);
        }
        Judged { lines, forced, second }
    }

    /// How the column splitter decides, from `[clean]`.
    fn column_settings(&self) -> columns::Settings {
        columns::Settings {
            threshold: self.cfg.column_word_threshold,
            keep: self.cfg.keep_threshold,
            min_share: self.cfg.column_min_share,
            margin: self.cfg.column_cut_margin,
            rescue: self.cfg.column_rescue_threshold,
            max_sentence_share: self.cfg.column_max_sentence_share,
        }
    }

    /// Whether the line model judges a page dump (and the headline model ranks its lines): not a
    /// page too short for the model's context, whose lines are judged by their shape alone.
    fn model_judges(&self, lines: &[Line]) -> bool {
        lines.len() >= self.cfg.min_model_lines.get()
    }

    /// The headline model's candidates on a page dump and their texts, as the daemon sees them
    /// before the model picks one (the training command's rows).
    pub fn headline_candidates(&self, text: &str) -> HeadlineCandidates {
        self.headline_candidates_by(text, Pick::Chooser)
    }

    /// [`Cleaner::headline_candidates`] on the verdicts of the model `pick` says.
    fn headline_candidates_by(&self, text: &str, pick: Pick) -> HeadlineCandidates {
        let Judged { mut lines, forced, .. } = self.judge_text(text, pick);
        let rules = find_headlines(&mut lines, &forced, &self.cfg);
        let candidates = headline_model::candidates(&lines, &forced, &rules, &self.cfg);
        HeadlineCandidates {
            texts: candidates.iter().map(|c| lines[c.line].text.clone()).collect(),
            candidates,
            ranked: self.model_judges(&lines),
        }
    }

    /// For `newsmill explain`: the headline the model took on a page dump, its score, and the
    /// rules' choice and the runner-up beside it (none when it found no candidate). `other_type`:
    /// the page went to the second text model for its type.
    pub(crate) fn explain_headline(&self, text: &str, other_type: bool) -> Option<String> {
        if !self.cfg.headline_model {
            return Some("the rules' (headline_model = false)".into());
        }
        let pick = if other_type { Pick::Second } else { Pick::Chooser };
        let HeadlineCandidates { texts, candidates: cands, ranked } = self.headline_candidates_by(text, pick);
        if !ranked {
            return Some("the rules' (a page too short for the model)".into());
        }
        let model = &headline_weights::TEXT;
        let scores: Vec<f32> = cands.iter().map(|c| model.score(&c.x)).collect();
        let chosen = headline_model::best(&cands, model)?;
        let said = |k: usize| format!("{:.2} {:?}", scores[k], texts[k]);
        let mut out = format!("model {}", said(chosen));
        if let Some(rules) = cands.iter().position(headline_model::is_rules_title)
            && rules != chosen
        {
            out.push_str(&format!(" (the rules': {})", said(rules)));
        }
        let runner_up = (0..cands.len()).filter(|&k| k != chosen).max_by(|&a, &b| scores[a].total_cmp(&scores[b]));
        if let Some(k) = runner_up {
            out.push_str(&format!(", next {}", said(k)));
        }
        Some(out)
    }

    /// A page dump's lines after the per-line rules and the captions, which `keep_patterns`
    /// forced, and which the line model is to judge.
    fn open_lines(&self, text: &str) -> (Vec<Line>, Vec<bool>, Vec<bool>) {
        let FirstPass { mut lines, forced, .. } = self.first_pass(text.lines(), self.cfg.drop_repeated_lines, false);
        attach_captions(&mut lines);
        let open = lines.iter().zip(&forced).map(|(l, f)| l.class == LineClass::Keep && !f).collect();
        (lines, forced, open)
    }

    /// For `newsmill explain`: which text line model judged a page dump, and the chooser's
    /// probability (none on a page too short for the model). `other_type`: the page, typed other
    /// than an article, went to the second model after the chooser's pick.
    pub(crate) fn explain_model(&self, text: &str, other_type: bool) -> Option<String> {
        let (lines, _, open) = self.open_lines(text);
        if !self.model_judges(&lines) {
            return None;
        }
        let features = line_features(&lines);
        let p = self.model.chooser_probability(&features, &open)?;
        let (_, second) = self.model.choose(&features, &open, self.cfg.second_text_model);
        Some(match (self.cfg.second_text_model, second) {
            _ if other_type => format!(
                "the second, not split into columns, for a page other than an article (the chooser gave it {p:.2})"
            ),
            (false, _) => format!("the first (second_text_model = false; the chooser gave the second {p:.2})"),
            (true, true) => format!("the second, not split into columns (chooser {p:.2})"),
            (true, false) => format!("the first (chooser {p:.2} for the second)"),
        })
    }

    /// A page dump's lines through the rules and the line model (the first or the second, as the
    /// chooser decides, or the second when `pick` says so).
    fn judge_text(&self, text: &str, pick: Pick) -> Judged {
        let (mut lines, forced, open) = self.open_lines(text);
        let mut second = false;
        if !self.model_judges(&lines) {
            // Too little page for the model's context (a JSON-lines body, a short note): keep prose.
            for (line, _) in lines.iter_mut().zip(&open).filter(|(l, o)| **o && !l.prose) {
                line.class = LineClass::Drop("short_text");
            }
        } else {
            let features = line_features(&lines);
            let (stages, chosen) = match (pick, self.model.second()) {
                (Pick::Second, Some(stages)) => (stages, true),
                _ => self.model.choose(&features, &open, self.cfg.second_text_model),
            };
            second = chosen;
            self.judge(stages, &mut lines, &features, &open);
            // After the model, so that its training rows stay those of the page as it is.
            let mut kept: Vec<bool> =
                lines.iter().zip(&forced).map(|(l, f)| l.class == LineClass::Keep && !f).collect();
            end_at_comments(&mut lines, &mut kept, 0, &self.rules.comments_start);
        }
        self.finish_lines(&mut lines);
        Judged { lines, forced, second }
    }

    /// After the model: mends holes in the body, and keeps the prose when nothing at all was kept.
    fn finish_lines(&self, lines: &mut [Line]) {
        mend_body_holes(lines, self.cfg.sandwich_reach_lines.get());
        keep_wrapped_tails(lines, self.cfg.wrapped_tail_words);
        // Rather than lose the article when the model is unsure of all of it, keep its prose.
        if !lines.iter().any(|l| l.class == LineClass::Keep) {
            for line in lines.iter_mut().filter(|l| l.class == LineClass::Drop("model") && l.prose) {
                line.class = LineClass::Keep;
            }
        }
    }

    /// Classifies the blocks of an HTML page: the same per-line rules as for dumps, then the HTML
    /// model (text and markup features) for every block they leave open; figure captions and
    /// credits, bylines and the headline are set aside as data. Returns the page's metadata too.
    pub fn classify_html(&self, html: &str) -> (Vec<Line>, InputMeta) {
        let HtmlCleaned { lines, meta, .. } = self.classify_html_page(html, Markup::Html, false);
        (lines, meta)
    }

    /// [`Cleaner::classify_html`], with the element each line came from (`p`, `h2`, `li`, ...) when
    /// `tags` asks for it. A [`Markup::HtmlFragment`] (a feed item's content) is all article: the
    /// rules and roles apply, the page model does not.
    fn classify_html_page(&self, html: &str, markup: Markup, tags: bool) -> HtmlCleaned {
        let fragment = markup == Markup::HtmlFragment;
        let HtmlPass {
            meta,
            signals,
            first: FirstPass { mut lines, .. },
            open,
            features,
            tags,
            alt_captions,
            headings,
        } = self.html_pass(html, !fragment, tags);
        if fragment {
            return HtmlCleaned { lines, meta, tags, signals, headings, rejudge: None };
        }
        // The rules' verdicts, for the model for other pages should the page turn out to be one.
        let unjudged = (self.cfg.non_article_html_model && self.html_model.non_article().is_some())
            .then(|| lines.iter().map(|l| (l.class.clone(), l.score)).collect());
        self.judge_page(self.html_model.first(), &mut lines, &features, &open);
        let rejudge = unjudged.map(|unjudged| Box::new(Rejudge { features, open, unjudged, alt_captions }));
        HtmlCleaned { lines, meta, tags, signals, headings, rejudge }
    }

    /// Gives the lines of a page typed other than an article the verdicts of the block model for
    /// such pages, judging them afresh from the rules' verdicts.
    fn judge_other_page(&self, lines: &mut [Line], rejudge: &Rejudge) {
        let Some(stages) = self.html_model.non_article() else { return };
        for (line, (class, score)) in lines.iter_mut().zip(&rejudge.unjudged) {
            line.class = class.clone();
            line.score = *score;
        }
        self.judge_page(stages, lines, &rejudge.features, &rejudge.open);
        adopt_tile_names(lines, &rejudge.alt_captions);
    }

    /// An HTML page's blocks through `model` and the rules after it.
    fn judge_page(&self, model: &Stages, lines: &mut [Line], features: &Rows, open: &[bool]) {
        self.judge(model, lines, features, open);
        // The comments rules take only blocks left open for the model: those are the ones it
        // would have judged.
        let in_comments = |l: &Line| l.class == LineClass::Drop("comment_section");
        if lines.iter().any(in_comments) {
            let comments: Vec<bool> = lines.iter().map(in_comments).collect();
            self.judge_comments(model, lines, features, &comments);
        }
        self.finish_lines(lines);
        drop_repeated_runs(lines, self.cfg.repeated_run_min_words, self.cfg.repeated_run_block_words.get());
    }

    /// Drops the lines the models kept or doubted that are a button's label (`[clean]
    /// button_labels`), filler (`filler_pattern`, lines of at most 40 words), a site's pitch
    /// (`promo_pattern`, lines of at most 30 words) or below the end of a
    /// forum's thread (`thread_end_pattern`, asked of lines of at most six words): after the
    /// models, which learned with such lines in view. A line a keep pattern forces stays, and so does a sentence's last word wrapped onto a
    /// line (`like.`).
    fn drop_after_models(&self, lines: &mut [Line]) {
        let rules = &self.rules;
        let mut label = String::new();
        let mut started = false;
        let mut ended = false;
        for line in lines.iter_mut() {
            // The first heading of the other threads' lists that follows the thread's first kept
            // line ends it, whatever verdict the heading itself got.
            ended = ended || (started && line.words <= 6 && rules.thread_end.is_match(&line.text));
            started |= line.class == LineClass::Keep;
            if line.class != LineClass::Keep && !line.doubted() {
                continue;
            }
            let verdict = if ended {
                "thread_end"
            } else if !rules.buttons.is_empty()
                && is_label(&line.text, &rules.buttons, rules.max_label_bytes, &mut label)
            {
                "button_label"
            } else if line.words <= 40 && rules.filler.is_match(&line.text) {
                "filler"
            } else if line.words <= 30 && rules.promo.is_match(&line.text) {
                "promo"
            } else {
                continue;
            };
            if rules.keep.is_empty() || !rules.keep.is_match(&line.text) {
                line.class = LineClass::Drop(verdict);
            }
        }
    }

    /// Runs `model` over the open lines: each gets its probability, and those under
    /// `keep_threshold` are dropped.
    fn judge(&self, model: &Stages, lines: &mut [Line], features: &Rows, open: &[bool]) {
        let words: Vec<f32> = lines.iter().map(|l| l.words as f32).collect();
        let p = model.keep_probabilities(features, open, &words);
        for ((line, p), _) in lines.iter_mut().zip(p).zip(open).filter(|(_, o)| **o) {
            line.score = Some(p);
            if p < self.cfg.keep_threshold {
                line.class = LineClass::Drop("model");
            }
        }
    }

    /// A comments section stays out of an article, but on a thread's page it is the content, and
    /// the extractor decides by the page's type: its blocks get the model's probability too,
    /// judged among themselves (the other blocks' verdicts stay as they were). A "comments"
    /// element that holds the page's article, with next to nothing kept outside it, is a wrapper
    /// named after something else (a theme's `<main class="has-comments">` around the whole
    /// post): its blocks are then judged like any others.
    fn judge_comments(&self, model: &Stages, lines: &mut [Line], features: &Rows, comments: &[bool]) {
        let words: Vec<f32> = lines.iter().map(|l| l.words as f32).collect();
        let p = model.keep_probabilities(features, comments, &words);
        for ((line, p), _) in lines.iter_mut().zip(p).zip(comments).filter(|(_, c)| **c) {
            line.score = Some(p);
        }
        let threshold = self.cfg.keep_threshold;
        let article_words = |inside: bool| -> usize {
            lines
                .iter()
                .zip(comments)
                .filter(|(l, c)| **c == inside && l.score.is_some_and(|p| p >= threshold))
                .map(|(l, _)| l.words)
                .sum()
        };
        let ratio = self.cfg.comments_wrapper_ratio;
        if ratio > 0.0 && (article_words(false) as f32) * ratio < article_words(true) as f32 {
            for (line, _) in lines.iter_mut().zip(comments).filter(|(_, c)| **c) {
                let kept = line.score.is_some_and(|p| p >= threshold);
                line.class = if kept { LineClass::Keep } else { LineClass::Drop("model") };
            }
        }
    }

    /// The page parsed, the rules' pass over its blocks, the roles the markup gives, and (when the
    /// model is to judge them) every block's features; each block's element when `tags` asks.
    fn html_pass(&self, html: &str, measure: bool, tags: bool) -> HtmlPass {
        let limits =
            HtmlLimits { max_blocks: self.cfg.max_html_blocks.get(), max_block_bytes: self.cfg.max_line_bytes.get() };
        let Page { blocks: all, mut meta, image_alts, signals } = crate::html::parse(html, limits);
        // Repeats are left to the model here: articles repeat lines of their own ("Portion: 1 cup",
        // a recipe's steps), and a menu shown twice is recognisable by its markup (cross-validated:
        // 0.960 -> 0.961, 0.938 -> 0.940, 0.960 -> 0.963 on the three HTML sets; a "repeated"
        // feature added nothing on top).
        let mut first = self.first_pass(all.iter().map(|b| b.text.as_str()), false, true);
        let blocks: Vec<&Block> = first.origin.iter().filter_map(|&i| all.get(i)).collect();
        let mut open: Vec<bool> =
            first.lines.iter().zip(&first.forced).map(|(l, f)| l.class == LineClass::Keep && !f).collect();
        let alt_captions = mark_html_roles(&mut first.lines, &blocks, &mut open, &mut meta, &image_alts);
        drop_comment_sections(&mut first.lines, &blocks, &mut open, &self.rules.comments_start);
        let features = if measure {
            blocks::join(&line_features(&first.lines), &blocks::dom_features(&blocks))
        } else {
            Rows::default()
        };
        let tags = if tags { blocks.iter().map(|b| b.tag.name()).collect() } else { Vec::new() };
        let headings = blocks.iter().map(|b| matches!(b.tag, BlockTag::Heading(1..=3))).collect();
        HtmlPass { meta, signals, first, open, features, tags, alt_captions, headings }
    }

    /// Rules that judge each line alone.
    /// `html`: the lines are an HTML page's blocks, where a teaser line is a block of its own; in a
    /// page dump the same words may start a line of the article's own text.
    fn first_pass<'t>(&self, raw_lines: impl Iterator<Item = &'t str>, drop_repeats: bool, html: bool) -> FirstPass {
        let rules = &self.rules;
        let min_prose = self.cfg.min_prose_words.get();
        let mut seen = hashed::HashedSet::default();
        let mut folded = String::new();
        let mut label = String::new();
        let mut lines: Vec<Line> = Vec::new();
        let mut forced = Vec::new();
        let mut origin = Vec::new();
        for (index, raw) in raw_lines.enumerate() {
            let cut = crate::text::cut_at_word(raw, self.cfg.max_line_bytes.get());
            let text = normalize_line(cut);
            if text.is_empty() {
                continue;
            }
            origin.push(index);
            let words = word_count(&text);
            let prose = is_prose_counted(&text, words, min_prose);
            // Empty sets are the default; asking one costs a regex search all the same.
            let keep = !rules.keep.is_empty() && rules.keep.is_match(&text);
            let hash = case_folded_hash(&text, &mut folded);
            let copyright_or_caption =
                words <= 80 && rules.copyright_or_caption.as_ref().is_none_or(|r| r.is_match(&text));
            let class = if keep {
                LineClass::Keep
            } else if !rules.drop.is_empty() && rules.drop.is_match(&text) {
                LineClass::Drop("drop_pattern")
            } else if words <= 40 && copyright_or_caption && rules.copyright.is_match(&text) {
                LineClass::Copyright
            } else if let Some(c) = rules.credit.is_match(&text).then(|| rules.credit.captures(&text)).flatten() {
                LineClass::Credit(c.get(1).map_or_else(String::new, |m| m.as_str().trim().to_string()))
            } else if let Some(c) = (words <= 80 && text.ends_with([')', ']']))
                .then(|| rules.caption_credit.captures(&text))
                .flatten()
                .filter(|c| c.get(0).is_some_and(|m| m.start() > 0))
            {
                let at = c.get(0).map_or(text.len(), |m| m.start());
                LineClass::CaptionCredit {
                    credit: c.get(1).map_or_else(String::new, |m| m.as_str().trim().to_string()),
                    at,
                }
            } else if copyright_or_caption && rules.caption.is_match(&text) {
                LineClass::Caption
            } else if trim_label(&text).is_empty() || is_label(&text, &rules.ui, rules.max_label_bytes, &mut label) {
                LineClass::Drop("ui_label")
            } else if rules.identifier.is_match(&text) {
                LineClass::Drop("ui_identifier")
            } else if words <= 12 && rules.share.is_match(&text) {
                LineClass::Drop("share_prompt")
            } else if mentions_cookies(&text) && rules.consent.is_match(&text) {
                LineClass::Drop("consent")
            } else if words <= 40 && rules.banner.is_match(&text) {
                LineClass::Drop("banner")
            } else if words <= 30 && rules.tags.is_match(&text) {
                LineClass::Drop("tags")
            } else if html && words <= 25 && rules.teaser.is_match(&text) {
                LineClass::Drop("teaser")
            } else if drop_repeats && !seen.insert(hash) {
                LineClass::Drop("repeated")
            } else if words <= 10
                && rules.byline.is_match(&text)
                && !browses_by(&text)
                && !foreign_label_without_name(&text)
            {
                LineClass::Byline
            } else if words <= 12 && !prose && find_date(&text).is_some() {
                if rules.dateline.is_match(&text) || words <= 6 || mostly_date(&text) {
                    LineClass::Dateline
                } else {
                    LineClass::Keep
                }
            } else {
                LineClass::Keep
            };
            forced.push(keep);
            lines.push(Line { text, class, words, prose, score: None, cut: None });
        }
        FirstPass { lines, forced, origin }
    }
}

/// Whether a line says "cookie" in any case: the consent rule is asked only then (one vectorised
/// search for its `k` in most lines instead of a regex search).
fn mentions_cookies(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'k', b'K', bytes)
        .any(|k| k >= 3 && bytes.get(k - 3..k + 3).is_some_and(|w| w.eq_ignore_ascii_case(b"cookie")))
}

/// Whether a block repeats an image's description (`alt`): then it is that image's caption, however
/// the page marks it up. Sites cut long captions short ("... to strengthen the ... more"), add a
/// "less" link or the credit, so sharing most of the shorter of the two from the start counts.
fn repeats_image_description(text: &str, alts: &[String]) -> bool {
    if alts.is_empty() || text.split_whitespace().nth(4).is_none() {
        return false;
    }
    let key = crate::html::caption_key(text);
    alts.iter().any(|alt| {
        let common = key.bytes().zip(alt.bytes()).take_while(|(a, b)| a == b).count();
        common == key.len().max(alt.len()) || (common >= 40 && common * 10 >= key.len().min(alt.len()) * 8)
    })
}

/// On a page other than an article, a tile's name repeating its image's `alt` (a product, a
/// story in an index) is the tile's text, not a caption: it takes the verdict of the tile's text
/// next to it (kept, or doubted with that score, for the extractor to decide by the page's type),
/// and stays a caption next to nothing kept or doubted.
fn adopt_tile_names(lines: &mut [Line], alt_captions: &[bool]) {
    let verdict = |l: &Line| match l.class {
        LineClass::Keep => Some((LineClass::Keep, l.score)),
        _ if l.doubted() => Some((l.class.clone(), l.score)),
        _ => None,
    };
    let alt = |j: usize| alt_captions.get(j).copied().unwrap_or(false);
    // Kept before doubted, then the higher score.
    let rank = |(class, score): &(LineClass, Option<f32>)| (*class == LineClass::Keep, score.unwrap_or(0.0));
    for i in 0..lines.len() {
        if !alt(i) || lines[i].class != LineClass::Caption {
            continue;
        }
        let near = [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .filter(|&j| !alt(j))
            .filter_map(|j| lines.get(j).and_then(verdict))
            .max_by(|a, b| {
                let ((ka, sa), (kb, sb)) = (rank(a), rank(b));
                ka.cmp(&kb).then(sa.total_cmp(&sb))
            });
        if let Some((class, score)) = near {
            lines[i].class = class;
            lines[i].score = score;
        }
    }
}

/// Roles the markup gives blocks before the model runs: the `<h1>` (or block) repeating the stated
/// headline is the title, a block right under it marked as the deck (`class="standfirst"`), or
/// repeating the stated description in a heading or the header, the deck, figure captions and
/// credits are caption data, a short block in a byline box is the byline. None of these is left
/// to the model.
/// Returns which lines it made captions only because they repeat an image's `alt` (a shop's or an
/// index's tiles name their item in both).
fn mark_html_roles(
    lines: &mut [Line],
    blocks: &[&Block],
    open: &mut [bool],
    meta: &mut InputMeta,
    alts: &[String],
) -> Vec<bool> {
    let mut alt_captions = vec![false; lines.len()];
    // A `<title>` whose site part was not recognised ("Site - City News, Weather | Headline"): the
    // part the page shows as a block of its own is the headline.
    if let Some(title) = meta.title.clone()
        && !lines.iter().any(|l| l.text.eq_ignore_ascii_case(&title))
    {
        let parts = crate::html::meta::TITLE_SEPARATORS.iter().flat_map(|sep| title.split(sep)).map(str::trim);
        let shown = parts
            .filter(|p| p.len() < title.len() && p.split_whitespace().count() >= 3)
            .find(|p| lines.iter().zip(open.iter()).any(|(l, o)| *o && l.text.eq_ignore_ascii_case(p)));
        if let Some(part) = shown {
            meta.title = Some(part.to_string());
        }
    }
    let meta = &*meta;
    let same = |a: &str, b: Option<&String>| b.is_some_and(|b| a.eq_ignore_ascii_case(b.trim()));
    // The headline as stated, else the first `<h1>`/`<h2>` that reads like it (sites shorten or
    // decorate one of the two), else the first `<h1>` when nothing is stated.
    let mut terms = Vec::new();
    content_terms(meta.title.as_deref().unwrap_or_default(), &mut terms);
    let title_terms: hashed::HashedSet = terms.drain(..).collect();
    let like_title = |text: &str| {
        let mut terms = Vec::new();
        content_terms(text, &mut terms);
        let shared = terms.iter().filter(|t| title_terms.contains(t)).count();
        let (a, b) = (terms.len(), title_terms.len());
        a >= 2 && b >= 2 && shared * 10 >= a.max(b) * 7
    };
    let mut title_at = None;
    let mut byline_found = false;
    for (i, (line, block)) in lines.iter_mut().zip(blocks).enumerate() {
        if !open[i] {
            continue;
        }
        let figure = block.within & within::FIGURE != 0;
        let headline = same(&line.text, meta.title.as_ref())
            || (matches!(block.tag, BlockTag::Heading(1 | 2)) && line.words <= 40 && like_title(&line.text))
            || (meta.title.is_none() && block.tag == BlockTag::Heading(1));
        let class = if title_at.is_none() && headline {
            title_at = Some(i);
            Some(LineClass::Title)
        } else if title_at.is_some_and(|t| i <= t + 3)
            && line.words >= 3
            && ((block.within & within::DECK != 0 && line.words <= 60)
                || (same(&line.text, meta.description.as_ref())
                    && (matches!(block.tag, BlockTag::Heading(_)) || block.within & within::HEADER != 0)))
        {
            // A description repeated in a heading or the header is the deck; repeated in a
            // paragraph it is the lede, which is body text.
            Some(LineClass::Subtitle)
        } else if block.within & within::CREDIT != 0 && (figure || block.tag == BlockTag::FigCaption) {
            Some(LineClass::Credit(line.text.clone()))
        } else if block.tag == BlockTag::FigCaption || (block.within & within::CAPTION != 0 && figure) {
            Some(LineClass::Caption)
        } else if repeats_image_description(&line.text, alts) {
            alt_captions[i] = true;
            Some(LineClass::Caption)
        } else if block.byline_box && !byline_found && line.words <= 12 && !line.prose {
            byline_found = true;
            Some(LineClass::Byline)
        } else {
            None
        };
        if let Some(class) = class {
            line.class = class;
            open[i] = false;
        }
    }
    alt_captions
}

/// How unsure the model must at least be of a lede for it to be kept next to the body.
const EDGE_MIN_SCORE: f32 = 0.2;

/// Whether a line is mostly a date: digits, separators and the CJK date and time characters.
fn mostly_date(text: &str) -> bool {
    let (mut datey, mut all) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        all += 1;
        datey += usize::from(c.is_ascii_digit() || c.is_ascii_punctuation() || "年月日時分秒년월일시분".contains(c));
    }
    all > 0 && datey * 10 >= all * 8
}

/// A line without the punctuation and spaces around it, as the label lists are matched.
fn trim_label(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
}

/// Whether a whole line is one of `labels` (`[clean] ui_labels` or `button_labels`, lower-cased):
/// compared lower-cased and trimmed ([`trim_label`]), but never a sentence's last words wrapped
/// onto a line of their own (`like.`). Labels are short: a line longer than `max_bytes` is not
/// lower-cased to be looked up. `buf` is the lower-cased copy's buffer.
fn is_label(text: &str, labels: &std::collections::HashSet<String>, max_bytes: usize, buf: &mut String) -> bool {
    let trimmed = trim_label(text);
    if trimmed.len() > max_bytes {
        return false;
    }
    buf.clear();
    crate::text::push_lowercase(buf, trimmed);
    labels.contains(buf.as_str()) && !wrapped_sentence_end(text)
}

/// Whether a line reads as the last words of a sentence wrapped onto a line of their own
/// (`home.`): it starts in lower case and ends the sentence, which no interface label does.
fn wrapped_sentence_end(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_lowercase) && crate::text::ends_sentence(text)
}

/// Whether a line reads `By <facet>` (`By Role`, `By Use Case`, `By RegionMenu Toggle`): a menu's
/// heading, not a byline. More facets follow as the same kind of line, so one word or two after
/// the label is all there is.
fn browses_by(text: &str) -> bool {
    let Some(rest) = text.get(..3).filter(|by| by.eq_ignore_ascii_case("by ")).and_then(|_| text.get(3..)) else {
        return false;
    };
    // Two text nodes run together: `RegionMenu Toggle`, `CategoryBy Manufacturer`.
    let end = rest
        .char_indices()
        .skip(1)
        .find(|&(i, c)| c.is_uppercase() && !rest[..i].ends_with(' '))
        .map_or(rest.len(), |(i, _)| i);
    let rest = rest[..end].trim_end_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    patterns::BROWSE_FACETS.iter().any(|f| rest == *f || rest.strip_suffix('s') == Some(*f))
}

/// The byline labels of other languages that are also words of English lines (`Door Locks`,
/// `Di Montezemolo: ...`) or of a menu's (`Par Matière`).
const FOREIGN_BYLINE_LABELS: [&str; 5] = ["von", "par", "por", "di", "door"];

/// Whether a line opens with one of [`FOREIGN_BYLINE_LABELS`] but no name follows it: a name is a
/// capitalised word, then (after particles such as `de`, `van der`) another one that is not the
/// label again (`Door Jan de Vries`, `Von Moritz Bachmann publiziert am ...`), or an agency's
/// capitals alone (`Par AFP`); a colon or `&` after the first word ends it (`Door Locks &
/// Hardware`).
fn foreign_label_without_name(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let Some(label) = words.next().map(|w| w.trim_end_matches(':')) else { return false };
    if !FOREIGN_BYLINE_LABELS.iter().any(|l| label.eq_ignore_ascii_case(l)) {
        return false;
    }
    let name_word = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
    };
    let Some(first) = words.next() else { return true };
    if !name_word(first) {
        return true;
    }
    if (2..=6).contains(&first.len()) && first.chars().all(|c| c.is_ascii_uppercase()) {
        return false;
    }
    let mut rest = words.skip_while(|w| NAME_PARTICLES.contains(w));
    !rest.next().is_some_and(|w| name_word(w.trim_end_matches([',', '.'])) && !w.eq_ignore_ascii_case(label))
}

/// Lower-case words inside a name (`Jan de Vries`, `Ludwig van der Rohe`).
const NAME_PARTICLES: [&str; 12] = ["de", "van", "der", "den", "da", "di", "del", "la", "le", "von", "zu", "ter"];

/// Mends holes the model leaves in the body. A prose line the model was unsure of (probability at
/// least [`EDGE_MIN_SCORE`]) right next to the body's prose, with no prose on its other side, is body
/// (a lede under the headline, a last paragraph above the footer). A prose line the model doubted,
/// with body text at most `reach` lines above and below, is body: articles do not interleave single
/// lines of other prose. (The model learned mostly from English pages; this keeps it from tearing
/// holes in text whose language it has seen little of.) Scores stay the model's, so `explain` can
/// tell these lines from the ones the model kept.
fn mend_body_holes(lines: &mut [Line], reach: usize) {
    let doubted = |l: &Line| l.class == LineClass::Drop("model") && l.prose;
    let mut i = 0;
    while i < lines.len() {
        if !doubted(&lines[i]) {
            i += 1;
            continue;
        }
        // A run of doubted prose lines, judged as one: a last paragraph or two above the footer.
        let end = (i..lines.len()).find(|&j| !doubted(&lines[j])).unwrap_or(lines.len());
        let mean = lines[i..end].iter().map(|l| l.score.unwrap_or(0.0)).sum::<f32>() / (end - i) as f32;
        let body =
            |j: Option<usize>| j.and_then(|j| lines.get(j)).is_some_and(|l| l.class == LineClass::Keep && l.prose);
        let edge = |j: Option<usize>| {
            j.and_then(|j| lines.get(j)).is_none_or(|l| !l.prose && !matches!(l.class, LineClass::Keep))
        };
        let (above, below) = (i.checked_sub(1), Some(end));
        if mean >= EDGE_MIN_SCORE && ((body(below) && edge(above)) || (body(above) && edge(below))) {
            lines[i..end].iter_mut().for_each(|l| l.class = LineClass::Keep);
        }
        i = end;
    }
    let kept: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.class == LineClass::Keep).map(|(i, _)| i).collect();
    for pair in kept.windows(2) {
        let (above, below) = (pair[0], pair[1]);
        if below - above < 2 || below - above > 2 * reach {
            continue;
        }
        for line in &mut lines[above + 1..below] {
            if line.class == LineClass::Drop("model") && line.prose {
                line.class = LineClass::Keep;
            }
        }
    }
}

/// A list article in a dump (the year's best games, the city's movers, the season's festivals):
/// each item's paragraph stands alone between its heading (`15. Shleppers Moving & Storage`), a
/// rating or a link, so the model, which reads a line by the lines around it, doubts them all. Two
/// body paragraphs further apart than the sandwich rule reaches, with nothing between them but
/// prose and lines of at most `max_words` words, bridge that stretch: its prose the model doubted is
/// body. A longer line that is not prose (a menu, a row of links) between them breaks the bridge.
/// The headings stay out: a text dump does not tell an item's heading from a label. 0 turns it off.
fn bridge_item_headings(lines: &mut [Line], reach: usize, max_words: usize) {
    if max_words == 0 {
        return;
    }
    let doubted = |l: &Line| l.class == LineClass::Drop("model") && l.prose;
    let body: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.class == LineClass::Keep && l.prose).map(|(i, _)| i).collect();
    for pair in body.windows(2) {
        let (above, below) = (pair[0], pair[1]);
        let between = above + 1..below;
        if below - above <= 2 * reach
            || !lines[between.clone()].iter().all(|l| doubted(l) || (!l.prose && l.words <= max_words))
        {
            continue;
        }
        for line in lines[between].iter_mut().filter(|l| doubted(l)) {
            line.class = LineClass::Keep;
        }
    }
}

/// This year's articles carry lists, tables and code between their paragraphs (a checklist, a
/// price table, `git commit -m`), whose short lines the second text model doubts, though less
/// than it doubts a menu. A run of at most `max_lines` lines between two body lines, every one of
/// them dropped by the model or as a repeat (a rule's verdict, a caption, a title breaks it), is
/// the article's: its model-dropped lines with at least `threshold` join the body, and so do its
/// repeats of a line that is body elsewhere on the page, but for lines without a letter or digit
/// (a rule drawn with box characters, an arrow) and image placeholders a text browser leaves
/// (`[logo]`), which say nothing. Lines kept by `keep_patterns` are already body. Scores stay the
/// model's, so `explain` shows these lines as mended. A `max_lines` of 0 turns it off.
fn fill_gaps(lines: &mut [Line], forced: &[bool], max_lines: usize, threshold: f32) {
    if max_lines == 0 {
        return;
    }
    let n = lines.len();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < n {
        if lines[i].class == LineClass::Keep {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && lines[i].class != LineClass::Keep {
            i += 1;
        }
        // The run is lines[start..i], between two body lines.
        let closed = start > 0 && i < n && i - start <= max_lines;
        if closed && lines[start..i].iter().all(|l| matches!(l.class, LineClass::Drop("model" | "repeated"))) {
            runs.push(start..i);
        }
    }
    let says_something = |l: &Line| l.text.chars().any(char::is_alphanumeric) && !is_image_placeholder(&l.text);
    for run in &runs {
        for k in run.clone() {
            let line = &mut lines[k];
            if !forced[k]
                && says_something(line)
                && line.class == LineClass::Drop("model")
                && line.score.is_some_and(|p| p >= threshold)
            {
                line.class = LineClass::Keep;
            }
        }
    }
    // A repeated line (a list's label shown for every item: `Key features:`, `Fees based on
    // income`) whose text is body elsewhere on the page is body here too; a button or a date
    // repeated from the page's menus is not, nor a paragraph shown again (a thread quoting a post).
    let mut folded = String::new();
    let joins: Vec<usize> = runs
        .iter()
        .flat_map(|run| run.clone())
        .filter(|&k| {
            let line = &lines[k];
            line.class == LineClass::Drop("repeated") && !line.prose && !forced[k] && says_something(line)
        })
        .filter(|&k| {
            lines.iter().any(|l| l.class == LineClass::Keep && same_text(&l.text, &lines[k].text, &mut folded))
        })
        .collect();
    for k in joins {
        lines[k].class = LineClass::Keep;
    }
}

/// Whether two lines say the same, case aside, as the repeat rule compares them (by
/// [`case_folded_hash`]; two ASCII lines without folding them). `scratch` is the folding's buffer.
fn same_text(a: &str, b: &str, scratch: &mut String) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        case_folded_hash(a, scratch) == case_folded_hash(b, scratch)
    }
}

/// Whether a line is only what a text browser puts where an image was (`[logo]`, `[hero-image]`).
fn is_image_placeholder(text: &str) -> bool {
    let t = text.trim();
    t.strip_prefix('[').and_then(|r| r.strip_suffix(']')).is_some_and(|inner| !inner.contains(['[', ']']))
}

/// Fewest words of a line a paragraph was wrapped from (a wrapped line is not prose by itself: it
/// may not end a sentence); a shorter one is a label or a heading, not the start of a sentence.
const WRAPPED_LINE_MIN_WORDS: usize = 6;

/// A text browser wraps a paragraph at its column's width, so a sentence's last word or two can
/// end up on a line of their own (`2007.`, `Annapolis failed.`), which the model, judging lines,
/// takes for a label. Such a line of at most `max_words` that ends a sentence, right below a kept
/// body line whose sentence runs on (no sentence end or colon), is that sentence's end.
fn keep_wrapped_tails(lines: &mut [Line], max_words: usize) {
    for i in 1..lines.len() {
        let tail = lines[i].class == LineClass::Drop("model")
            && lines[i].words <= max_words
            && crate::text::ends_sentence(&lines[i].text);
        let above = &lines[i - 1];
        let runs_on = above.class == LineClass::Keep
            && above.words >= WRAPPED_LINE_MIN_WORDS
            && !crate::text::ends_sentence(&above.text)
            && !above.text.trim_end().ends_with([':', '：']);
        if tail && runs_on {
            lines[i].class = LineClass::Keep;
        }
    }
}

/// A hash of the line ignoring case, to spot repeats without keeping a lower-cased copy of each:
/// the hash of `text.to_lowercase()`, lower-cased into `scratch` (one buffer for a page's lines).
fn case_folded_hash(text: &str, scratch: &mut String) -> u64 {
    if !text.is_ascii() && text.contains('Σ') {
        // A final sigma lower-cases by its place in the word, which only `to_lowercase` knows.
        return xxhash_rust::xxh3::xxh3_64(text.to_lowercase().as_bytes());
    }
    scratch.clear();
    crate::text::push_lowercase(scratch, text);
    xxhash_rust::xxh3::xxh3_64(scratch.as_bytes())
}

/// Feature vectors of every line (rule-dropped lines are context too).
fn line_features(lines: &[Line]) -> Rows {
    let stats: Vec<LineStats> = lines.iter().map(|l| LineStats::of(&l.text, l.words, l.prose)).collect();
    let copyright: Vec<bool> = lines.iter().map(|l| l.class == LineClass::Copyright).collect();
    Rows::from_arrays(&features::features(&stats, &copyright))
}

/// Drops a later copy of a run of kept lines that repeats earlier kept lines word for word, when its
/// lines of at least `block_words` words hold `min_words` or more: the article shown a second time.
/// Measured on the dev pages: wcxb-html 0.8354 -> 0.8378, l3s-gn1-html 0.9502 -> 0.9494 (three of
/// its pages show the story twice and its ground truth has it twice), the others unchanged; with
/// every line counting (no `block_words`), a page of six meal plans sharing their lines lost them.
fn drop_repeated_runs(lines: &mut [Line], min_words: usize, block_words: usize) {
    if min_words == 0 {
        return;
    }
    let kept: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].class == LineClass::Keep).collect();
    let mut seen = HashSet::new();
    let repeats: Vec<bool> = kept.iter().map(|&i| !seen.insert(lines[i].text.as_str())).collect();
    let mut runs = Vec::new();
    let mut k = 0;
    while k < kept.len() {
        if !repeats[k] {
            k += 1;
            continue;
        }
        let start = k;
        while k < kept.len() && repeats[k] {
            k += 1;
        }
        let prose: usize = kept[start..k].iter().map(|&i| lines[i].words).filter(|&w| w >= block_words).sum();
        if prose >= min_words {
            runs.push(start..k);
        }
    }
    for run in runs {
        for &i in &kept[run] {
            lines[i].class = LineClass::Drop("repeated");
        }
    }
}

/// An image credit names the image whose caption is the line right before it.
fn attach_captions(lines: &mut [Line]) {
    for i in 1..lines.len() {
        if matches!(lines[i].class, LineClass::Credit(_)) && lines[i - 1].class == LineClass::Keep {
            lines[i - 1].class = LineClass::Caption;
        }
    }
}

/// A document's text was cut at a limit: the record says so (`truncated`), and so does the log,
/// with the key that sets the limit.
fn warn_truncated(doc: &Document, key: &'static str, limit: usize) {
    metrics::counter!("newsmill_truncated_total", "limit" => key).increment(1);
    tracing::warn!(doc = %doc.prov.id, path = %doc.prov.path.display(), limit_key = key, limit, "Text cut at a limit; the record is marked truncated.");
}

impl Transform for Cleaner {
    type In = Document;
    type Out = Cleaned;
    const STAGE: &'static str = "clean";

    fn process(&self, doc: Document) -> Result<Outcome<Cleaned>, Reject> {
        let (cleaned, text) = self.clean_document(doc);
        // A line the model doubted may still be main content: on a listing or a shop's page, the
        // extractor knows the page's type and decides ([extract] html_body_threshold).
        let open = |l: &Line| l.class == LineClass::Keep || l.doubted();
        if !cleaned.meta.headline_only && !cleaned.lines.iter().any(open) {
            let excerpt = text.chars().take(300).collect::<String>();
            return Err(Reject::new("empty_after_cleaning", "no article text left after cleaning", excerpt));
        }
        Ok(Outcome::Emit(cleaned))
    }
}

impl Cleaner {
    /// Cleans a document whatever is left of it (the stage rejects one with no article text left;
    /// the page-type trainer wants every page), and hands its text back.
    pub fn clean_document(&self, doc: Document) -> (Cleaned, String) {
        let (cleaned, text, _) = self.clean_with(doc, false);
        (cleaned, text)
    }

    /// Cleans `doc`; with `explain`, also says what `newsmill explain` shows of it.
    fn clean_with(&self, mut doc: Document, explain: bool) -> (Cleaned, String, Explanation) {
        let text = std::mem::take(&mut doc.text);
        let mut explanation = Explanation::default();
        if doc.meta.headline_only {
            // Nothing to clean: the record is the stated metadata with an empty body.
            let Document { prov, format, charset, meta, .. } = doc;
            let cleaned = Cleaned { prov, format, charset, meta, lines: Vec::new(), signals: None, page_type: None };
            if explain {
                explanation.page_type = crate::page_type::explain(&cleaned);
            }
            return (cleaned, text, explanation);
        }
        let max_line = self.cfg.max_line_bytes.get();
        let (mut signals, mut rejudge, mut second) = (None, None, false);
        let mut headings = Vec::new();
        // A title the input stated (a JSON line's) stands; one read off the page may not.
        let stated_title = doc.meta.title.is_some();
        let dump = doc.markup == Markup::Text;
        let mut lines = match doc.markup {
            Markup::Text => {
                // Only a document longer than the limit can hold a longer line.
                if text.len() > max_line && text.split('\n').any(|l| l.len() > max_line) {
                    doc.meta.truncated = true;
                    warn_truncated(&doc, "clean.max_line_bytes", max_line);
                }
                let (lines, by_second) = self.classify_text(&text, self.cfg.split_columns, Pick::Chooser);
                second = by_second;
                lines
            }
            Markup::Html | Markup::HtmlFragment => {
                let HtmlCleaned { lines, meta: page, signals: markup_signals, tags, headings: h, rejudge: again } =
                    self.classify_html_page(&text, doc.markup, explain);
                headings = h;
                explanation.tags = tags;
                rejudge = again;
                // A feed item's content is not a page: its type is the feed's business.
                signals = (doc.markup == Markup::Html).then(|| Box::new(markup_signals));
                if page.truncated && !doc.meta.truncated {
                    doc.meta.truncated = true;
                    warn_truncated(&doc, "clean.max_line_bytes or clean.max_html_blocks", max_line);
                }
                doc.meta.fill_from(page);
                lines
            }
        };
        self.drop_after_models(&mut lines);
        let Document { prov, format, charset, meta, .. } = doc;
        let mut cleaned = Cleaned { prov, format, charset, meta, lines, signals, page_type: None };
        // The type is read from the first block model's verdicts (a dump: the chooser's pick),
        // which learned from articles and pages of every kind; then a page of another kind gets
        // the verdicts of the model for such pages.
        let verdict = crate::page_type::classify(&cleaned);
        cleaned.page_type = Some(verdict);
        if explain {
            explanation.page_type = crate::page_type::explain(&cleaned);
        }
        if verdict.page_type == PageType::Article && !stated_title && !headings.is_empty() {
            headline::retitle_from_heading(&mut cleaned.lines, &headings, &mut cleaned.meta, &self.cfg);
        }
        if verdict.page_type != PageType::Article {
            if let Some(again) = &rejudge {
                self.judge_other_page(&mut cleaned.lines, again);
                self.drop_after_models(&mut cleaned.lines);
                explanation.other_model = true;
            } else if dump
                && self.cfg.non_article_text_model
                && !second
                && self.model.second().is_some()
                && self.model_judges(&cleaned.lines)
            {
                cleaned.lines = self.classify_text(&text, self.cfg.split_columns, Pick::Second).0;
                self.drop_after_models(&mut cleaned.lines);
                explanation.other_model = true;
            }
        }
        (cleaned, text, explanation)
    }
}

#[cfg(test)]
mod tests {
    use super::headline::{ascii_content_term, content_term, ends_mid_sentence};
    use super::*;

    #[test]
    fn a_tile_name_repeating_its_image_takes_its_tiles_verdict_on_other_pages() {
        let line = |text: &str, class: LineClass, score: Option<f32>| Line {
            text: text.into(),
            class,
            words: text.split_whitespace().count(),
            prose: false,
            score,
            cut: None,
        };
        let mut lines = vec![
            line("Mountain Urban Helmet Vent Light", LineClass::Caption, None),
            line("$19.95", LineClass::Drop("model"), Some(0.3)),
            line("Caden Helmet Vent Light with clip", LineClass::Caption, None),
            line("$21.95", LineClass::Keep, Some(0.8)),
            line("A photo of the shop's front door", LineClass::Caption, None),
            line("Sign in", LineClass::Drop("ui_label"), None),
            line("Our team at the trade fair in May", LineClass::Caption, None),
        ];
        // The last two: a caption set by its markup (a `<figcaption>`), and one next to nothing
        // kept or doubted.
        let alt = [true, false, true, false, false, false, true];
        adopt_tile_names(&mut lines, &alt);
        assert_eq!(
            (lines[0].class.clone(), lines[0].score),
            (LineClass::Drop("model"), Some(0.3)),
            "doubted as its price"
        );
        assert!(lines[0].doubted());
        // Between a doubted price and a kept one, the kept one wins.
        assert_eq!((lines[2].class.clone(), lines[2].score), (LineClass::Keep, Some(0.8)));
        assert_eq!(lines[4].class, LineClass::Caption);
        assert_eq!(lines[6].class, LineClass::Caption);
    }

    pub(crate) const SEEDLIKE: &str = include_str!("../../../tests/fixtures/seedlike.txt");

    fn cleaner() -> Cleaner {
        Cleaner::new(&CleanConfig::default()).unwrap()
    }

    fn class_of<'a>(lines: &'a [Line], starts: &str) -> &'a LineClass {
        &lines.iter().find(|l| l.text.starts_with(starts)).unwrap_or_else(|| panic!("no line {starts}")).class
    }

    #[test]
    fn a_consent_managers_notice_is_dropped_and_prose_about_cookies_kept() {
        let rules = Rules::compile(&CleanConfig::default()).unwrap();
        let consent = |text: &str| mentions_cookies(text) && rules.consent.is_match(text);
        for notice in [
            "We use cookies to give you the best online experience.",
            "This website uses cookies to personalize content, analyze our traffic and enhance your experience.",
            "We and our 100 partners store and/or access information on a device, such as unique IDs in cookies.",
            "By continuing to browse this site you are agreeing to our use of cookies. View Privacy Policy.",
            "These cookies are necessary for the website to function and cannot be switched off in our systems.",
            "These cookies, including those from third parties, are used to collect information about visitors.",
            "go.dev uses cookies from Google to deliver and enhance the quality of its services.",
            "_clck 1 year Microsoft Clarity sets this cookie to retain the browser's Clarity User ID.",
            "Accept All Cookies",
            "THIS SITE USES COOKIES",
        ] {
            assert!(consent(notice), "{notice}");
        }
        for prose in [
            "Google said on Monday it would stop using third-party cookies in Chrome next year.",
            "Regulators say sites must ask visitors before they store cookies on their devices.",
            "At one point I put an aluminum cookie sheet in the oven to catch drippings.",
            "Flask will take the values you put into the session object and serialize them into a cookie.",
            "We use the partners' data to plan routes, the company said.",
        ] {
            assert!(!consent(prose), "{prose}");
        }
        let page = "Harbour News\nHome | News | Sport\nWe use cookies to ensure that we give you the best experience on our website.\n\
            The harbour's new ferry terminal opened on Monday after three years of building work and delays.\n\
            Bakers along the quay sold out of cookies by noon as thousands came to see the first crossing.";
        let lines = cleaner().classify(page);
        assert_eq!(class_of(&lines, "We use cookies"), &LineClass::Drop("consent"));
        assert_eq!(class_of(&lines, "Bakers along"), &LineClass::Keep);
    }

    #[test]
    fn the_us_government_banner_is_no_part_of_the_page() {
        let page = "Skip to main content\nAn official website of the United States government\nHere’s how you know\n\
            Official websites use .gov\nA .gov website belongs to an official government organization in the United States.\n\
            Secure .gov websites use HTTPS\nA lock ( ) or https:// means you’ve safely connected to the .gov website. \
            Share sensitive information only on official, secure websites.\nHarbour ferry service resumes after the storm\n\
            The harbour's ferry service resumed on Monday after three days of storms kept every boat in port.\n\
            The agency said the crossing would run to its summer timetable from the first of June.";
        let lines = cleaner().classify(page);
        for banner in
            ["An official website", "Here’s how", "Official websites", "A .gov website", "Secure .gov", "A lock"]
        {
            assert_eq!(class_of(&lines, banner), &LineClass::Drop("banner"), "{banner}");
        }
        assert_eq!(class_of(&lines, "The agency said"), &LineClass::Keep);
        assert_eq!(class_of(&lines, "Harbour ferry"), &LineClass::Title);
    }

    #[test]
    fn an_article_shown_twice_keeps_its_first_copy() {
        let para = |i: usize| {
            format!(
                "Paragraph {i} of the story: the council met on Monday and spent the whole evening arguing about the new tram line, its cost, its route and who would pay for it, before a vote that went {i} to 3."
            )
        };
        let mut html = String::from("<html><head><title>Tram line approved</title></head><body>");
        for copy in ["mobile", "desktop"] {
            html.push_str(&format!("<div class=\"{copy}\"><article><h1>Tram line approved</h1>"));
            for i in 1..=5 {
                html.push_str(&format!("<p>{}</p><p>Portion: 1 cup</p>", para(i)));
            }
            html.push_str("</article></div>");
        }
        html.push_str("</body></html>");
        let (lines, _) = cleaner().classify_html(&html);
        let body: Vec<&str> = lines.iter().filter(|l| l.class == LineClass::Keep).map(|l| l.text.as_str()).collect();
        for i in 1..=5 {
            assert_eq!(body.iter().filter(|l| **l == para(i)).count(), 1, "{body:#?}");
        }
        assert!(lines.iter().any(|l| l.class == LineClass::Drop("repeated")), "{lines:#?}");
        // Off, both copies stay.
        let all = Cleaner::new(&CleanConfig { repeated_run_min_words: 0, ..CleanConfig::default() }).unwrap();
        let (lines, _) = all.classify_html(&html);
        assert_eq!(lines.iter().filter(|l| l.class == LineClass::Keep && l.text == para(1)).count(), 2);
    }

    #[test]
    fn a_page_typed_other_than_an_article_takes_the_other_block_models_verdicts() {
        use crate::record::Format;
        let doc = |name: &str, markup| {
            let page = std::fs::read_to_string(format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            Document::standalone("p", std::path::Path::new("/in/p.html"), Format::Html, markup, page)
        };
        let off_cfg = CleanConfig { non_article_html_model: false, ..CleanConfig::default() };
        let (on, off) = (cleaner(), Cleaner::new(&off_cfg).unwrap());
        let verdicts = |c: &Cleaned| -> Vec<(LineClass, Option<f32>)> {
            c.lines.iter().map(|l| (l.class.clone(), l.score)).collect()
        };
        // The type comes from the first model's verdicts, so it is the same either way.
        let (product, first) = (
            on.clean_document(doc("product.html", Markup::Html)).0,
            off.clean_document(doc("product.html", Markup::Html)).0,
        );
        let of = |c: &Cleaned| c.page_type.map(|v| v.page_type);
        assert_eq!((of(&product), of(&first)), (Some(PageType::Product), Some(PageType::Product)));
        // The other model judged the blocks the rules left open; what the rules decided stays.
        assert_eq!(product.lines.len(), first.lines.len());
        for (a, b) in product.lines.iter().zip(&first.lines) {
            assert_eq!(a.text, b.text);
            assert_eq!(a.score.is_some(), b.score.is_some(), "{}", a.text);
            if b.score.is_none() {
                assert_eq!(a.class, b.class, "{}", a.text);
            }
        }
        assert_ne!(verdicts(&product), verdicts(&first), "the other model's probabilities");
        // An article keeps the first model's verdicts.
        let story = |c: &Cleaner| c.clean_document(doc("news-article.html", Markup::Html)).0;
        let (article, article_first) = (story(&on), story(&off));
        assert_eq!(of(&article), Some(PageType::Article));
        assert_eq!(verdicts(&article), verdicts(&article_first));
        // A feed item's content is all article, and a dump has no blocks: the first model's too.
        let fragment = |c: &Cleaner| verdicts(&c.clean_document(doc("product.html", Markup::HtmlFragment)).0);
        assert_eq!(fragment(&on), fragment(&off));
        // A headline-only record is never typed.
        let mut headline = crate::stages::test_document("");
        headline.meta.headline_only = true;
        assert_eq!(on.clean_document(headline).0.page_type, None);
    }

    /// The seed-like dump (long enough for the models) with `inserted` just before `at`, the start
    /// of one of its lines.
    fn seedlike_with(at: &str, inserted: &str) -> String {
        let i = SEEDLIKE.find(at).unwrap_or_else(|| panic!("no {at:?} in the fixture"));
        format!("{}{inserted}{}", &SEEDLIKE[..i], &SEEDLIKE[i..])
    }

    /// A rule that runs after the models changes nothing they decided: every line's score is the
    /// same with it (`on`) and without it (`off`), and so is every verdict but its own.
    fn only_this_verdict_differs(on: &Cleaned, off: &Cleaned, verdict: &'static str) {
        assert_eq!(on.lines.len(), off.lines.len());
        for (a, b) in on.lines.iter().zip(&off.lines) {
            assert_eq!(a.score, b.score, "{}", a.text);
            if a.class != LineClass::Drop(verdict) {
                assert_eq!(a.class, b.class, "{}", a.text);
            }
        }
    }

    #[test]
    fn a_buttons_label_leaves_the_body_after_the_models_judged_it() {
        let story = [
            "The council approved the new tram line on Monday after a debate that ran late into the evening, with the final vote going nine to three.",
            "Critics said the cost had doubled since the plan was first shown, and asked who would pay for the years of roadworks the route will need.",
        ];
        // A seed-like dump (long enough for the models) with buttons between its paragraphs.
        let dump = seedlike_with(
            "Under the plan",
            "Learn more\nAdd to cart!\n\nThe line will run to the harbour, which is what the mayor would\nlike.\n\nReply\n\n",
        );
        let clean = |c: &Cleaner| c.clean_document(crate::stages::test_document(&dump)).0;
        let class = |c: &Cleaned, starts: &str| class_of(&c.lines, starts).clone();
        let on = clean(&cleaner());
        // The models judged each label's line, and the rule dropped it after them.
        for label in ["Learn more", "Add to cart!", "Reply"] {
            let line = on.lines.iter().find(|l| l.text == label).expect("the label's line");
            assert_eq!((&line.class, line.score.is_some()), (&LineClass::Drop("button_label"), true), "{label}");
        }
        // A sentence's last word on a line of its own is not a button.
        assert_ne!(class(&on, "like."), LineClass::Drop("button_label"));
        // The models judged with the labels in view: every other line's verdict is the same without
        // the rule, and a keep pattern keeps a label.
        let off = clean(&Cleaner::new(&CleanConfig { button_labels: Vec::new(), ..CleanConfig::default() }).unwrap());
        only_this_verdict_differs(&on, &off, "button_label");
        let keep = CleanConfig { keep_patterns: vec!["^Reply$".into()], ..CleanConfig::default() };
        assert_eq!(class(&clean(&Cleaner::new(&keep).unwrap()), "Reply"), LineClass::Keep);
        // An HTML page's blocks too.
        let html = format!(
            "<html><head><title>Tram line approved</title></head><body><article><h1>Tram line approved</h1>{}\
             <p><a href=/more>Learn more</a></p>{}</article></body></html>",
            format_args!("<p>{}</p>", story[0]),
            format_args!("<p>{}</p>", story[1]),
        );
        let page = Document::standalone(
            "p",
            std::path::Path::new("/in/p.html"),
            crate::record::Format::Html,
            Markup::Html,
            html,
        );
        let cleaned = cleaner().clean_document(page).0;
        assert_eq!(class(&cleaned, "Learn more"), LineClass::Drop("button_label"));
    }

    #[test]
    fn a_heading_over_the_body_is_the_headline_when_the_title_is_the_sites_name() {
        let body = "<p>Early yesterday morning a car bomb killed General Hajj, the army's head of operations, in a Christian town east of Beirut.</p>\
                    <p>Several experts fear that the attack on Hajj will put off the presidential vote once more, and deepen the country's crisis.</p>\
                    <p>The murder is the latest political killing in Lebanon, and with it goes another hope for peace, the army said on Thursday.</p>";
        let page = |title: &str| {
            let html = format!(
                "<html><head><title>{title}</title></head><body><h1>{title}</h1>\
                 <h2>Another political murder in Lebanon, another dashed hope for peace</h2>{body}</body></html>"
            );
            let doc = Document::standalone(
                "p",
                std::path::Path::new("/in/p.html"),
                crate::record::Format::Html,
                Markup::Html,
                html,
            );
            cleaner().clean_document(doc).0
        };
        let cleaned = page("SFGate: World Views");
        assert_eq!(
            cleaned.meta.title.as_deref(),
            Some("Another political murder in Lebanon, another dashed hope for peace")
        );
        assert_eq!(class_of(&cleaned.lines, "Another political murder"), &LineClass::Title);
        assert_eq!(class_of(&cleaned.lines, "SFGate"), &LineClass::Drop("not_the_headline"));
        // A page with no title at all takes the heading too.
        let html = format!(
            "<html><body><h3>Another political murder in Lebanon, another dashed hope for peace</h3>{body}</body></html>"
        );
        let doc = Document::standalone(
            "p",
            std::path::Path::new("/in/p.html"),
            crate::record::Format::Html,
            Markup::Html,
            html,
        );
        let untitled = cleaner().clean_document(doc).0;
        assert_eq!(
            untitled.meta.title.as_deref(),
            Some("Another political murder in Lebanon, another dashed hope for peace")
        );
        // A title that names what the body is about stays.
        let cleaned = page("Car bomb kills army general Hajj");
        assert_eq!(cleaned.meta.title.as_deref(), Some("Car bomb kills army general Hajj"));
    }

    #[test]
    fn a_comment_forms_and_a_readers_author_boxes_are_not_the_byline() {
        let story = "The council approved the tram line on Tuesday after a long debate about its cost, its route and the years of works it will bring to the centre of the city.";
        let page = |boxes: &str| {
            let html = format!(
                "<html><head><title>Tram line approved</title></head><body><article><h1>Tram line approved</h1>\
                 <p>{story}</p><p>{story} Work starts in May.</p></article>{boxes}</body></html>"
            );
            let doc = Document::standalone(
                "p",
                std::path::Path::new("/in/p.html"),
                crate::record::Format::Html,
                Markup::Html,
                html,
            );
            let cleaned = cleaner().clean_document(doc).0;
            cleaned.lines.iter().filter(|l| l.class == LineClass::Byline).map(|l| l.text.clone()).collect::<Vec<_>>()
        };
        let form =
            "<form id=commentform><p class=comment-form-author><label>Name *</label><input name=author></p></form>";
        let comment = "<ol class=comment-list><li><div class=comment-author><b>Jane Doe</b> says</div>\
                       <div class=comment-author><a href=#r>Reply</a></div><p>Nice.</p></li></ol>";
        assert_eq!(page(&format!("{form}{comment}")), Vec::<String>::new());
        // The article's own author box still gives the byline.
        assert_eq!(page("<div class=author-box>Ann Example</div>"), ["Ann Example"]);
    }

    /// The seed-like dump with `lines` after its article's end, cleaned by `cleaner`.
    fn seedlike_ending_with(lines: &[&str], cleaner: &Cleaner) -> Cleaned {
        let dump = seedlike_with("Under the plan", &format!("{}\n\n", lines.join("\n\n")));
        cleaner.clean_document(crate::stages::test_document(&dump)).0
    }

    #[test]
    fn filler_leaves_the_body_after_the_models_judged_it() {
        let fillers = [
            "Your browser does not support the video tag.",
            "JavaScript is disabled. For a better experience, please enable JavaScript in your browser.",
            "You should upgrade or use an alternative browser.",
            "You are using an out of date browser. It may not display this or other websites correctly.",
            "Click to share on Facebook (Opens in new window)",
            "You must log in or register to reply here.",
            "By signing up, you agree to our Privacy Policy and Terms of Service.",
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.",
        ];
        let clean = |c: &Cleaner| seedlike_ending_with(&fillers, c);
        let on = clean(&cleaner());
        for filler in fillers {
            let line = on.lines.iter().find(|l| l.text == filler).expect("the filler's line");
            assert_eq!((&line.class, line.score.is_some()), (&LineClass::Drop("filler"), true), "{filler}");
        }
        // Only those lines change: the models judged with them in view.
        let off = clean(&Cleaner::new(&CleanConfig { filler_pattern: "^$".into(), ..CleanConfig::default() }).unwrap());
        only_this_verdict_differs(&on, &off, "filler");
        // Prose that talks about browsers or scripts is not filler, and a keep pattern wins.
        for prose in [
            "The browser wars of the 1990s ended when one company stopped supporting its own product.",
            "Engineers said the page uses a script written in Rust rather than JavaScript, which loads faster.",
        ] {
            assert!(!Rules::compile(&CleanConfig::default()).unwrap().filler.is_match(prose), "{prose}");
        }
        let keep = CleanConfig { keep_patterns: vec!["^Lorem".into()], ..CleanConfig::default() };
        let kept = clean(&Cleaner::new(&keep).unwrap());
        assert_ne!(class_of(&kept.lines, "Lorem ipsum").clone(), LineClass::Drop("filler"));
    }

    #[test]
    fn a_sites_pitch_for_its_newsletter_leaves_the_body_after_the_models_judged_it() {
        let pitches = [
            "Sign up for our weekly newsletter to get the best of our coverage.",
            "Get the latest small business news delivered straight to your inbox!",
            "Join All Access to unlock members-only content",
            "This story is funded by readers like you",
            "Thank you for subscribing! Please check your inbox for your welcome email.",
            "Already have an account? Log in",
        ];
        let clean = |c: &Cleaner| seedlike_ending_with(&pitches, c);
        let on = clean(&cleaner());
        for pitch in pitches {
            let line = on.lines.iter().find(|l| l.text == pitch).expect("the pitch's line");
            assert_eq!(line.class, LineClass::Drop("promo"), "{pitch}");
        }
        let off = clean(&Cleaner::new(&CleanConfig { promo_pattern: "^$".into(), ..CleanConfig::default() }).unwrap());
        only_this_verdict_differs(&on, &off, "promo");
        // An article about newsletters, or one that quotes an inbox, is not a pitch.
        for prose in [
            "The company said its newsletter reached two million readers last year, up from one million.",
            "Investigators found the messages in her inbox weeks after the account had been closed.",
        ] {
            assert!(!Rules::compile(&CleanConfig::default()).unwrap().promo.is_match(prose), "{prose}");
        }
    }

    #[test]
    fn the_other_threads_lists_below_a_thread_leave_the_body() {
        // A seed-like dump whose end is followed by a Q&A site's list of other threads, which read
        // like questions in prose.
        let titles = [
            "Why does bread dough rise so much faster in a warm kitchen than in a cold one, and should the recipe's proving time be changed when the heating is off during the winter months?",
            "Is it safe to reheat cooked rice that was left out on the counter for a few hours after dinner, or does the bacteria that survives cooking make it a risk whatever the temperature?",
        ];
        let dump = seedlike_with("©", &format!("Hot Network Questions\n\n{}\n\n{}\n\n", titles[0], titles[1]));
        let on = cleaner().clean_document(crate::stages::test_document(&dump)).0;
        for title in titles {
            assert!(!on.lines.iter().any(|l| l.text == title && l.class == LineClass::Keep), "{title}");
        }
        // Without the rule the models keep at least one of them; with it, nothing above changes.
        let none = CleanConfig { thread_end_pattern: "^$".into(), ..CleanConfig::default() };
        let off = Cleaner::new(&none).unwrap().clean_document(crate::stages::test_document(&dump)).0;
        let kept = |c: &Cleaned, t: &str| c.lines.iter().any(|l| l.text == t && l.class == LineClass::Keep);
        assert!(titles.iter().any(|t| kept(&off, t)));
        let heading = on.lines.iter().position(|l| l.text == "Hot Network Questions").expect("the heading");
        for (i, (a, b)) in on.lines.iter().zip(&off.lines).enumerate() {
            if a.class == LineClass::Drop("thread_end") {
                // Only what the models kept or doubted from the heading on.
                assert!(i >= heading && (b.class == LineClass::Keep || b.doubted() || i == heading), "{}", a.text);
            } else {
                assert_eq!(a.class, b.class, "{}", a.text);
            }
        }
        // The heading before the page's first kept line (a menu's entry) ends nothing.
        let menu_first = format!("Hot Network Questions\n\n{SEEDLIKE}");
        let cleaned = cleaner().clean_document(crate::stages::test_document(&menu_first)).0;
        assert!(!cleaned.lines.iter().any(|l| l.class == LineClass::Drop("thread_end")));
    }

    #[test]
    fn a_comments_wrapper_around_the_whole_article_is_not_a_comments_section() {
        let story = [
            "The council approved the new tram line on Monday after a debate that ran late into the evening, with the final vote going nine to three.",
            "The line will run from the station to the harbour, with eleven stops, and the first trams are due to carry passengers in the spring of next year.",
            "Critics said the cost had doubled since the plan was first shown, and asked who would pay for the years of roadworks the route will need.",
        ];
        let paragraphs: String = story.iter().map(|p| format!("<p>{p}</p>")).collect();
        let page = |main_class: &str, comments: &str| {
            format!(
                "<html><head><title>Why the east side finally gets its tram</title>\
                 <meta property=\"og:title\" content=\"Why the east side finally gets its tram\"></head><body><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\
                 <main class=\"{main_class}\"><article><h1>Tram line approved</h1>{paragraphs}</article>{comments}</main>\
                 <footer><a href=\"/privacy\">Privacy</a></footer></body></html>"
            )
        };
        let body_of = |html: &str| -> Vec<String> {
            let (lines, _) = cleaner().classify_html(html);
            lines.into_iter().filter(|l| l.class == LineClass::Keep).map(|l| l.text).collect()
        };
        // A theme's class word on the element around everything (and a headline that is not the
        // stated title, so no headline shows it to be a wrapper): the article is the article.
        let wrapped = body_of(&page("main has-comments", ""));
        for p in story {
            assert!(wrapped.iter().any(|l| l == p), "{p} missing: {wrapped:#?}");
        }
        let off = Cleaner::new(&CleanConfig { comments_wrapper_ratio: 0.0, ..CleanConfig::default() }).unwrap();
        let (lines, _) = off.classify_html(&page("main has-comments", ""));
        assert!(!lines.iter().any(|l| l.class == LineClass::Keep && l.text == story[0]), "{lines:#?}");
        // A real comments section below the article stays out.
        let comment = "I have lived by the harbour for thirty years and I think this line will finally give the east side the service it has needed for so long.";
        let commented =
            body_of(&page("main", &format!("<section id=\"comments\"><h2>Comments</h2><p>{comment}</p></section>")));
        assert!(story.iter().all(|p| commented.iter().any(|l| l == p)), "{commented:#?}");
        assert!(!commented.iter().any(|l| l == comment), "{commented:#?}");
    }

    #[test]
    fn short_repeated_lines_and_short_repeated_runs_stay() {
        let line = |text: &str| Line {
            text: text.into(),
            class: LineClass::Keep,
            words: word_count(text),
            prose: true,
            score: Some(0.9),
            cut: None,
        };
        let long = "A long line of the article that says something of its own in more than twenty-five words, as an article's paragraphs do when they carry the story forward to its end.";
        // A meal plan's lines repeat under every plan; one long line repeated is a teaser.
        let mut lines: Vec<Line> = [
            "Pre-Workout Meal",
            "Eat 60-90 minutes before",
            long,
            "Pre-Workout Meal",
            "Eat 60-90 minutes before",
            long,
        ]
        .into_iter()
        .map(line)
        .collect();
        drop_repeated_runs(&mut lines, 150, 25);
        assert!(lines.iter().all(|l| l.class == LineClass::Keep), "{lines:#?}");
        drop_repeated_runs(&mut lines, 20, 25);
        assert!(lines[3..].iter().all(|l| l.class == LineClass::Drop("repeated")), "{lines:#?}");
        assert!(lines[..3].iter().all(|l| l.class == LineClass::Keep), "{lines:#?}");
    }

    #[test]
    fn seedlike_page() {
        let lines = cleaner().classify(SEEDLIKE);
        for chrome in
            ["본문 바로가기", "bar_progress", "Text Size", "Close", "Special Coverage", "Join us on social!", "Top"]
        {
            assert!(matches!(class_of(&lines, chrome), LineClass::Drop(_)), "{chrome}: {lines:#?}");
        }
        assert_eq!(class_of(&lines, "©"), &LineClass::Copyright);
        assert_eq!(class_of(&lines, "[Image source"), &LineClass::Credit("Hanbit Photo Agency".into()));
        assert_eq!(class_of(&lines, "Seoul Unveils Plan To Put Drones Over"), &LineClass::Title);
        assert_eq!(class_of(&lines, "City Hall Bets"), &LineClass::Subtitle);
        let kept: Vec<_> = lines.iter().filter(|l| l.class == LineClass::Keep).collect();
        assert_eq!(kept.len(), 5, "{kept:#?}");
        let captions: Vec<_> = lines.iter().filter(|l| l.class == LineClass::Caption).collect();
        assert_eq!(captions.len(), 1);
        assert!(captions[0].text.ends_with("on the 13th."));
    }

    #[test]
    fn column_splitting_can_be_turned_off() {
        let page = include_str!("../../../tests/fixtures/columns.txt");
        let cut = |page: &str, split: bool, share: f32| {
            let cfg = CleanConfig { split_columns: split, column_max_sentence_share: share, ..CleanConfig::default() };
            let lines = Cleaner::new(&cfg).unwrap().classify(page);
            lines.iter().filter(|l| l.cut.is_some()).count()
        };
        assert!(cut(page, true, 0.9) >= 2);
        assert_eq!(cut(page, false, 0.9), 0);
    }

    /// The shipped line model with a second model that keeps every line it judges, handed pages
    /// by a chooser whose answer is `always` (a constant network: no hidden weight, its output the
    /// bias).
    fn with_keeping_second(always: bool) -> LineModel {
        use model::{Mlp, N_CHOOSER, SecondWeights};
        let bias = if always { 10.0 } else { -10.0 };
        let chooser = Mlp {
            mean: &[0.0; N_CHOOSER],
            scale: &[1.0; N_CHOOSER],
            hidden: &[0.0; N_CHOOSER],
            hidden_bias: &[0.0],
            output: &[0.0],
            output_bias: bias,
        };
        let (n_a, n_b) = (weights::STAGE_A.mean.len(), weights::STAGE_B.mean.len());
        let (zeros, ones) = (vec![0f32; n_b], vec![1f32; n_b]);
        let keep = |n: usize| Mlp {
            mean: &zeros[..n],
            scale: &ones[..n],
            hidden: &zeros[..n],
            hidden_bias: &[0.0],
            output: &[0.0],
            output_bias: 10.0,
        };
        let (keep_a, keep_b) = (keep(n_a), keep(n_b));
        LineModel::shipped().with_second(SecondWeights { stage_a: &keep_a, stage_b: &keep_b, chooser: &chooser })
    }

    #[test]
    fn the_chooser_hands_a_page_to_the_second_model_which_is_not_split() {
        let page = include_str!("../../../tests/fixtures/columns.txt");
        // A chooser that always picks the second model, whose stages keep every line they judge.
        let model = with_keeping_second(true);
        let with = |second_text_model: bool| {
            let cfg = CleanConfig { second_text_model, ..CleanConfig::default() };
            Cleaner::with_models(&cfg, model.clone(), LineModel::shipped_html()).unwrap()
        };
        let judged = with(true).judge_text(page, Pick::Chooser);
        assert!(judged.second);
        // Every line the rules left open is kept by the second model's stages, and none is cut.
        let lines = with(true).classify(page);
        assert!(lines.iter().all(|l| l.cut.is_none()), "{lines:#?}");
        assert!(lines.iter().all(|l| l.class != LineClass::Drop("model")), "{lines:#?}");
        // Turned off, the first model judges the page and the splitter cuts its columns.
        assert!(!with(false).judge_text(page, Pick::Chooser).second);
        assert!(with(false).classify(page).iter().any(|l| l.cut.is_some()));
    }

    #[test]
    fn a_page_dump_typed_other_than_an_article_goes_to_the_second_text_model() {
        // A chooser that never picks the second model, whose stages keep every line they judge.
        let model = with_keeping_second(false);
        let with = |non_article_text_model: bool| {
            let cfg = CleanConfig { non_article_text_model, ..CleanConfig::default() };
            Cleaner::with_models(&cfg, model.clone(), LineModel::shipped_html()).unwrap()
        };
        let clean = |c: &Cleaner, name: &str, text: &str| {
            let doc = Document::standalone(
                "p",
                std::path::Path::new(name),
                crate::record::Format::Text,
                Markup::Text,
                text.into(),
            );
            c.explain_document(doc)
        };
        let by_model = |c: &Cleaned| c.lines.iter().filter(|l| l.class == LineClass::Drop("model")).count();
        // A shop's page: typed from the first model's verdicts (the chooser's pick), then judged
        // by the second, which keeps every line the rules left open.
        let shop = include_str!("../../../tests/fixtures/pages/product.txt");
        let ((on, said), (off, not_said)) = (clean(&with(true), "p.txt", shop), clean(&with(false), "p.txt", shop));
        assert!(on.page_type.is_some_and(|v| v.page_type != PageType::Article), "{:?}", on.page_type);
        assert_eq!(on.page_type, off.page_type);
        assert!(by_model(&off) >= 10, "{:#?}", off.lines);
        assert_eq!(by_model(&on), 0, "{:#?}", on.lines);
        assert!(said.other_model && !not_said.other_model);
        // An article stays with the chooser's pick.
        let ((article, said), (first, _)) =
            (clean(&with(true), "a.txt", SEEDLIKE), clean(&with(false), "a.txt", SEEDLIKE));
        assert_eq!(article.page_type.map(|v| v.page_type), Some(PageType::Article));
        assert!(by_model(&article) > 0);
        assert_eq!(article.lines, first.lines);
        assert!(!said.other_model);
    }

    #[test]
    fn bylines_datelines_and_custom_patterns() {
        let cfg = CleanConfig {
            drop_patterns: vec!["^Sponsored by".into()],
            keep_patterns: vec!["^Menu of the day$".into()],
            ..CleanConfig::default()
        };
        let c = Cleaner::new(&cfg).unwrap();
        let text = "Home\nWorld\nBig Storm Hits The Coast Overnight\nBy Jane Doe\nPublished 20 July 2024, 22:13\n\
            Sponsored by Acme\nMenu of the day\nThe storm reached the coast late on Saturday, knocking out power to thousands of homes.\n\
            Officials said repairs would take several days, and urged residents to stay indoors.\n홍길동 기자 hong@example.com";
        let lines = c.classify(text);
        assert!(matches!(class_of(&lines, "Home"), LineClass::Drop(_)));
        assert!(matches!(class_of(&lines, "World"), LineClass::Drop(_)));
        assert_eq!(class_of(&lines, "By Jane"), &LineClass::Byline);
        assert_eq!(class_of(&lines, "Published"), &LineClass::Dateline);
        assert_eq!(class_of(&lines, "Sponsored"), &LineClass::Drop("drop_pattern"));
        assert_eq!(class_of(&lines, "Menu of the day"), &LineClass::Keep);
        assert_eq!(class_of(&lines, "Big Storm"), &LineClass::Title);
        assert_eq!(class_of(&lines, "홍길동"), &LineClass::Byline);
    }

    #[test]
    fn foreign_labels_open_a_byline_only_before_a_name() {
        for line in [
            "Door Locks",
            "Door Locks & Hardware",
            "Par Matière Par Matière",
            "Di Montezemolo: Driver lineup is crucial",
            "Von",
        ] {
            assert!(foreign_label_without_name(line), "{line}");
        }
        for line in [
            "Von Moritz Bachmann publiziert am 30. Juli 2018",
            "Door Jan de Vries",
            "Par AFP",
            "Por María López",
            "By Industry",
            "Di Mario Rossi, inviato",
        ] {
            assert!(!foreign_label_without_name(line), "{line}");
        }
        let lines =
            cleaner().classify("Shop\nDoor Locks\nDoor Hardware\nVon Moritz Bachmann publiziert am 30. Juli 2018");
        let bylines: Vec<&str> =
            lines.iter().filter(|l| l.class == LineClass::Byline).map(|l| l.text.as_str()).collect();
        assert_eq!(bylines, ["Von Moritz Bachmann publiziert am 30. Juli 2018"]);
    }

    #[test]
    fn a_menu_browsing_by_industry_names_no_author() {
        for menu in [
            "By Industry",
            "By Use Case",
            "By Team Size",
            "by roles",
            "By RegionMenu Toggle",
            "By CategoryBy Manufacturer",
            "By Service & Solution",
        ] {
            assert!(browses_by(menu), "{menu}");
        }
        for byline in ["By Jane Doe", "By Ann Price", "By Rolf Industry", "By McDonald Role", "By", "Byron Smith"] {
            assert!(!browses_by(byline), "{byline}");
        }
        let lines = cleaner().classify("Products\nBy Industry\nHealthcare\nRetail\nBy Role\nIT Support");
        assert!(!lines.iter().any(|l| l.class == LineClass::Byline), "{lines:#?}");
    }

    #[test]
    fn tag_lists_under_a_label_in_many_languages() {
        let c = cleaner();
        for tags in ["Tags: storm, coast, power", "Etiketler: Eskişehir, kütüphane", "Теги: мосты", "标签：杭州 图书馆"]
        {
            let text =
                format!("Officials said repairs would take several days, and urged residents to stay indoors.\n{tags}");
            let lines = c.classify(&text);
            assert_eq!(lines[1].class, LineClass::Drop("tags"), "{tags}");
        }
        // The word at the start of a sentence is no label.
        let lines = c.classify("Tags on the trees showed which ones the council would fell.");
        assert_eq!(lines[0].class, LineClass::Keep);
    }

    proptest::proptest! {
        #[test]
        fn ascii_tokens_make_the_terms_the_general_walk_makes(tok in "[A-Za-z0-9]{0,12}") {
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            ascii_content_term(tok.as_bytes(), &mut fast);
            content_term(&tok, &mut String::new(), &mut general);
            proptest::prop_assert_eq!(fast, general);
        }
    }

    #[test]
    fn function_words_and_numbers_are_no_content_terms() {
        let mut terms = Vec::new();
        content_terms("The Glazers said 2024 was theirs, and “Glazer’s” bid", &mut terms);
        let mut ascii = Vec::new();
        content_terms("the glazer said 2024 was theirs and glazer bid", &mut ascii);
        // `glazers` and `glazer’s` stem to `glazer`; `the`, `and` and `2024` are no terms.
        let hash = |t: &str| xxhash_rust::xxh3::xxh3_64(t.as_bytes());
        assert_eq!(terms.iter().filter(|t| **t == hash("glazer")).count(), 2, "{terms:?}");
        assert!(terms.contains(&hash("bid")) && !terms.contains(&hash("the")) && !terms.contains(&hash("2024")));
        assert_eq!(terms, ascii);
    }

    #[test]
    fn a_wrapped_prose_line_is_never_the_headline() {
        assert!(ends_mid_sentence("as his statement had been ratifying the stance of"));
        assert!(ends_mid_sentence("Police said the driver was taken to hospital and"));
        assert!(!ends_mid_sentence("Harbour Tunnel Opens To Traffic"));
        assert!(!ends_mid_sentence("Storm hits the coast"));
        assert!(!ends_mid_sentence("What the deal means for A"));
        assert!(ends_mid_sentence("need gap in the virtual world of the internet"));
        assert!(!ends_mid_sentence("iPhone sales fall"));
        assert!(!ends_mid_sentence(""));
        let c = cleaner();
        let text = "Home\nWorld\nThe harbour tunnel will open to\n\
            traffic next week, once the last safety checks on the harbour tunnel are done.\n\
            Engineers had to cut the tunnel through a layer of hard rock that was not on any of the survey maps.\n\
            The council expects thirty thousand cars a day once the tunnel and the toll road open in spring.";
        let lines = c.classify(text);
        assert!(!lines.iter().any(|l| l.class == LineClass::Title), "{lines:#?}");
    }

    #[test]
    fn html_title_is_the_part_of_the_title_tag_the_page_shows() {
        let html = "<title>Metro Channel - Metro City News, Weather, Traffic and Sports | Harbour tunnel opens to traffic</title>\
            <table><tr><td><a href=/>Home</a></td></tr><tr><td>Harbour tunnel opens to traffic</td></tr></table>\
            <p>The tunnel under the harbour opened to traffic on Monday after four years of work, the city said.</p>";
        let cleaner = Cleaner::new(&CleanConfig::default()).unwrap();
        let (lines, meta) = cleaner.classify_html(html);
        assert_eq!(meta.title.as_deref(), Some("Harbour tunnel opens to traffic"));
        assert!(lines.iter().any(|l| l.class == LineClass::Title && l.text == "Harbour tunnel opens to traffic"));
    }

    const ARTICLE: &str = "<h1>Harbour tunnel opens to traffic</h1>\
        <p>The tunnel under the harbour opened to traffic on Monday after four years of work, the city said.</p>\
        <p>Engineers had to cut through a layer of hard rock that was not on any of the survey maps.</p>\
        <p>The council expects about thirty thousand cars a day to use it once the toll road opens in spring.</p>";

    #[test]
    fn a_block_repeating_an_image_description_is_its_caption() {
        let caption = "The defence minister shakes hands with his counterpart in Hanoi on Wednesday";
        let html = format!(
            "<html><body>{ARTICLE}<div class=gallery><img src=a.jpg alt='{caption}.'>\
             <div class=caption-full>{caption}. AP Photo</div><div>{caption}... more</div></div></body></html>"
        );
        let (lines, _) = cleaner().classify_html(&html);
        let captions = lines.iter().filter(|l| l.class == LineClass::Caption).count();
        assert_eq!(captions, 2, "{lines:?}");
        assert!(lines.iter().any(|l| l.class == LineClass::Keep && l.text.starts_with("Engineers had")));
    }

    #[test]
    fn readers_comments_are_not_the_article() {
        let cleaner = cleaner();
        let kept = |html: &str| -> Vec<String> {
            let (lines, _) = cleaner.classify_html(html);
            lines.into_iter().filter(|l| l.class == LineClass::Keep).map(|l| l.text).collect()
        };
        let comment = "I have driven through it twice already and it saves me twenty minutes every single morning.";
        // Marked by class, as most sites do.
        let by_class =
            format!("<html><body><div class=post>{ARTICLE}</div><div id=comments><p>{comment}</p></div></body></html>");
        let k = kept(&by_class);
        assert!(k.iter().any(|l| l.starts_with("Engineers had")) && !k.iter().any(|l| l == comment), "{k:?}");
        // Marked only by its heading.
        let by_heading = format!(
            "<html><body>{ARTICLE}<hr><b>Comments are now closed for this story</b><br><b>Bruce</b><br>{comment}</body></html>"
        );
        let k = kept(&by_heading);
        assert!(k.iter().any(|l| l.starts_with("The council")) && !k.iter().any(|l| l == comment), "{k:?}");
        // The word on a wrapper of the whole article ("has-comments") leaves it to the model.
        let wrapper = format!("<html><body><div class='post has-comments'>{ARTICLE}</div></body></html>");
        let k = kept(&wrapper);
        assert!(k.iter().filter(|l| l.split(' ').count() > 10).count() == 3, "{k:?}");
    }

    #[test]
    fn headings_of_comment_sections() {
        let rules = Rules::compile(&CleanConfig::default()).unwrap();
        for heading in [
            "Comments",
            "Readers' Comments",
            "12 comments",
            "Comments are now closed for this story",
            "Post a comment",
            "[comments] Post a comment",
            "Add your view",
            "Post comment",
            "Have your say",
            "Your Say",
            "Reader views (5)",
            "Latest Comments:",
            "댓글",
        ] {
            assert!(rules.comments_start.is_match(heading), "{heading}");
        }
        for line in [
            "The council will post a statement on its website.",
            "Readers commented on the plan for weeks.",
            "Commentary",
            "News & Comment",
            "Horse Racing ● Have your say ● Read comments",
        ] {
            assert!(!rules.comments_start.is_match(line), "{line}");
        }
    }

    #[test]
    fn captions_ending_in_their_credit() {
        let rules = Rules::compile(&CleanConfig::default()).unwrap();
        let cases = [
            (
                "A worker loads trims outside a store in Hialeah, Fla. (AP Photo/Alan Diaz, File)",
                Some("Alan Diaz, File"),
            ),
            ("Fans wait at the gate on Sunday. [Photo: Jo Park]", Some("Jo Park")),
            ("Crews repair the bridge (Reuters Photo by Lee Kim)", Some("Lee Kim")),
            ("The mayor said the plan (see photo) would cost less.", None),
            ("(AP Photo/Alan Diaz)", None),
        ];
        for (text, want) in cases {
            let got = rules.caption_credit.captures(text).filter(|c| c.get(0).is_some_and(|m| m.start() > 0));
            assert_eq!(got.and_then(|c| c.get(1)).map(|m| m.as_str()), want, "{text}");
        }
    }

    #[test]
    fn lines_written_as_photo_captions_are_captions() {
        let captions = [
            "FILE PHOTO: The ferry terminal is seen in Port Alder, March 3, 2021.",
            "In this Jan. 8, 2019, file photo, commuters wait for a train in Springfield.",
            "In this photo released by the city council, workers repair the old bridge.",
            "Mayor Ana Ruiz, left, and council leader Tom Berg shake hands at the ceremony.",
            "Coach Lee Park (left) talks to his players during practice on Monday.",
            "Volunteers clear snow from the path to the town hall on Tuesday. (Dana Reyes/Harbour News)",
        ];
        let prose = [
            "He's right, and the council should listen to him, the resident said.",
            "When Smith left, and the door closed, nobody spoke for a minute.",
            "The mayor said the new plan would be ready in the spring. (Reporting by Dana Reyes)",
            "Residents were told the photo exhibition would open in the spring.",
        ];
        let mut page = vec!["Springfield Herald", "Home | News | Sport"];
        page.extend(captions);
        page.extend(prose);
        let lines = cleaner().classify(&page.join("\n"));
        for text in captions {
            assert_eq!(class_of(&lines, text), &LineClass::Caption, "{text}");
        }
        let rules = Rules::compile(&CleanConfig::default()).unwrap();
        for text in prose {
            assert!(!rules.caption.is_match(text), "{text}");
        }
    }

    #[test]
    fn a_doubted_run_of_prose_next_to_the_body_is_judged_as_one() {
        let line = |class: LineClass, prose: bool, score: f32| Line {
            text: "text".into(),
            class,
            words: 12,
            prose,
            score: Some(score),
            cut: None,
        };
        let (keep, doubt) = (LineClass::Keep, LineClass::Drop("model"));
        let page = |tail: &[f32]| {
            let mut lines = vec![line(keep.clone(), true, 0.9), line(keep.clone(), true, 0.8)];
            lines.extend(tail.iter().map(|&p| line(doubt.clone(), true, p)));
            lines.push(line(doubt.clone(), false, 0.01));
            mend_body_holes(&mut lines, 2);
            lines.iter().map(|l| l.class == LineClass::Keep).collect::<Vec<_>>()
        };
        // The last two paragraphs, doubted (mean 0.26): kept together.
        assert_eq!(page(&[0.46, 0.06]), [true, true, true, true, false]);
        // A run the model is sure of as a whole (mean 0.1) stays out; so does the footer.
        assert_eq!(page(&[0.15, 0.05]), [true, true, false, false, false]);
        // One doubted line, as before.
        assert_eq!(page(&[0.3]), [true, true, true, false]);
    }

    #[test]
    fn a_list_articles_items_are_bridged_over_short_lines() {
        let line = |text: &str, class: LineClass, prose: bool| Line {
            text: text.into(),
            class,
            words: crate::text::word_count(text),
            prose,
            score: Some(0.3),
            cut: None,
        };
        let (keep, doubt) = (LineClass::Keep, LineClass::Drop("model"));
        let item = "Their crews wrap every piece of furniture and the prices are fair for the city.";
        let page = |between: &str| {
            vec![
                line("Looking for a moving company in the city? These are the ones we trust most.", keep.clone(), true),
                line("2. Blue Moving", doubt.clone(), false),
                line(item, doubt.clone(), true),
                line("Average Rating: 4.8", LineClass::Drop("repeated"), false),
                line(between, doubt.clone(), false),
                line(item, doubt.clone(), true),
                line("3. Liberty Moving", doubt.clone(), false),
                line(item, doubt.clone(), true),
                line("If you run a moving company and want to be listed here, write to us today.", keep.clone(), true),
            ]
        };
        let kept = |lines: &[Line]| lines.iter().map(|l| l.class == LineClass::Keep).collect::<Vec<_>>();
        let mut lines = page("https://example.com/quote");
        bridge_item_headings(&mut lines, 2, 12);
        // The items' paragraphs are body; their headings and ratings stay out.
        assert_eq!(kept(&lines), [true, false, true, false, false, true, false, true, true]);
        // A long line that is not prose (a row of links) between them: no bridge.
        let mut lines = page("Home News Sport Business Travel Culture Weather Video Sounds Food Bitesize Arts Taster");
        bridge_item_headings(&mut lines, 2, 12);
        assert_eq!(kept(&lines), [true, false, false, false, false, false, false, false, true]);
        // Switched off.
        let mut lines = page("https://example.com/quote");
        bridge_item_headings(&mut lines, 2, 0);
        assert_eq!(kept(&lines), [true, false, false, false, false, false, false, false, true]);
    }

    #[test]
    fn a_list_or_code_between_paragraphs_fills_its_gap() {
        let line = |text: &str, class: LineClass, score: f32| Line {
            text: text.into(),
            class,
            words: crate::text::word_count(text),
            prose: false,
            score: Some(score),
            cut: None,
        };
        let (keep, doubt) = (LineClass::Keep, LineClass::Drop("model"));
        let first = "To start a repository, run these commands in the folder that holds your project.";
        let last = "After the first commit, every change you make is tracked from then on.";
        let page = |between: &[(&str, LineClass, f32)]| {
            let mut lines = vec![line(first, keep.clone(), 0.9)];
            lines.extend(between.iter().map(|(t, c, p)| line(t, c.clone(), *p)));
            lines.push(line(last, keep.clone(), 0.9));
            lines
        };
        let kept = |lines: &[Line]| lines.iter().map(|l| l.class == LineClass::Keep).collect::<Vec<_>>();
        let code = [
            ("git init", doubt.clone(), 0.15),
            ("git add -A", doubt.clone(), 0.2),
            ("[terminal-screenshot]", doubt.clone(), 0.3),
            ("━━━━━━━━━━", doubt.clone(), 0.3),
            ("Sign in", doubt.clone(), 0.04),
            ("git commit -m \"first\"", LineClass::Drop("repeated"), 0.3),
        ];
        let mut lines = page(&code);
        fill_gaps(&mut lines, &[false; 8], 30, 0.1);
        // The commands join; the image's placeholder, the drawn rule, the line the model is sure
        // of and the repeat of a line that is nowhere body stay out.
        assert_eq!(kept(&lines), [true, true, true, false, false, false, false, true]);
        // A list's label shown for every item joins where its first showing is body.
        let label = "Key features:";
        let mut lines = page(&[(label, doubt.clone(), 0.3), ("Fast", doubt.clone(), 0.3)]);
        lines.push(line(label, LineClass::Drop("repeated"), 0.0));
        lines.push(line("Cheap", doubt.clone(), 0.3));
        lines.push(line(last, keep.clone(), 0.9));
        fill_gaps(&mut lines, &[false; 7], 30, 0.1);
        assert_eq!(kept(&lines), [true; 7]);
        // A paragraph shown again (a thread quoting a post) is not a label: it stays out.
        let mut lines = page(&[("Fast", doubt.clone(), 0.3)]);
        let mut quote = line(first, LineClass::Drop("repeated"), 0.0);
        quote.prose = true;
        lines.extend([quote, line("Cheap", doubt.clone(), 0.3), line(last, keep.clone(), 0.9)]);
        fill_gaps(&mut lines, &[false; 6], 30, 0.1);
        assert_eq!(kept(&lines), [true, true, true, false, true, true]);
        // Lines kept by `keep_patterns` are left as they are; so is a run with a rule's verdict in it.
        let mut lines = page(&code);
        fill_gaps(&mut lines, &[false, true, false, false, false, false, false, false], 30, 0.1);
        assert_eq!(kept(&lines), [true, false, true, false, false, false, false, true]);
        let mut lines = page(&[("git init", doubt.clone(), 0.3), ("Share on X", LineClass::Drop("share_prompt"), 0.3)]);
        fill_gaps(&mut lines, &[false; 4], 30, 0.1);
        assert_eq!(kept(&lines), [true, false, false, true]);
        // A run longer than the limit, or switched off: left alone.
        let mut lines = page(&code);
        fill_gaps(&mut lines, &[false; 8], 5, 0.1);
        assert_eq!(kept(&lines), [true, false, false, false, false, false, false, true]);
        let mut lines = page(&code);
        fill_gaps(&mut lines, &[false; 8], 0, 0.1);
        assert_eq!(kept(&lines), [true, false, false, false, false, false, false, true]);
        // Lines after the last body line are no gap (a footer's menu).
        let mut lines = vec![line(first, keep.clone(), 0.9), line("Contact us", doubt.clone(), 0.3)];
        fill_gaps(&mut lines, &[false; 2], 30, 0.1);
        assert_eq!(kept(&lines), [true, false]);
        assert!(is_image_placeholder(" [hero-image] ") && !is_image_placeholder("[icon] [icon]"));
        let mut folded = String::new();
        assert!(same_text("KEY FEATURES:", "Key features:", &mut folded));
        assert!(same_text("ÖZELLİKLER", "özelli̇kler", &mut folded));
        assert!(!same_text("Key features", "Key features:", &mut folded) && !same_text("Цена", "Цена:", &mut folded));
    }

    #[test]
    fn a_wrapped_sentence_keeps_its_last_words() {
        let line = |text: &str, class: LineClass| Line {
            text: text.into(),
            class,
            words: crate::text::word_count(text),
            prose: false,
            score: Some(0.2),
            cut: None,
        };
        let mut lines = vec![
            line("The EU gave the Palestinian Authority some $1.4 billion in", LineClass::Keep),
            line("2007.", LineClass::Drop("model")),
            line("Officials said the talks went well and would go on", LineClass::Keep),
            line("Read more.", LineClass::Drop("ui_label")),
            line("The talks ended late on Sunday.", LineClass::Keep),
            line("Next week.", LineClass::Drop("model")),
            line("Contact us:", LineClass::Keep),
            line("Newsroom.", LineClass::Drop("model")),
            line("The minister said three further rounds were planned for", LineClass::Keep),
            line("the spring and the summer.", LineClass::Drop("model")),
        ];
        keep_wrapped_tails(&mut lines, 2);
        let kept: Vec<bool> = lines.iter().map(|l| l.class == LineClass::Keep).collect();
        // Kept: the tail of a running sentence. Not: a rule's verdict, a line below a finished
        // sentence or a label, a tail longer than two words.
        assert_eq!(kept, [true, true, true, false, true, false, true, false, true, false]);
        let mut off = lines.clone();
        off[1].class = LineClass::Drop("model");
        keep_wrapped_tails(&mut off, 0);
        assert_eq!(off[1].class, LineClass::Drop("model"));
    }

    #[test]
    fn case_folded_hash_is_the_hash_of_the_lower_case() {
        for text in [
            "Home",
            &"A Long Line Of Text. ".repeat(40),
            "Über Öl",
            "",
            "“Quoted” — İstanbul",
            "ΟΔΟΣ ΣΟΦΙΑΣ",
            "Ünlü ŞEHİR",
        ] {
            assert_eq!(
                case_folded_hash(text, &mut String::new()),
                xxhash_rust::xxh3::xxh3_64(text.to_lowercase().as_bytes()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn repeated_lines_and_empty_documents() {
        let lines = cleaner().classify("A long headline about things\nA long headline about things\nBody text goes here and it is long enough to count.");
        assert_eq!(lines[1].class, LineClass::Drop("repeated"));
        let c = cleaner();
        let doc = crate::stages::test_document("Close\nTop\n\n");
        assert!(c.process(doc).is_err());
    }
}
