//! Column splitting for page dumps. A text browser lays a table page out row by row, so one line of
//! its dump can hold a fragment of the navigation column, a fragment of the article's column and a
//! fragment of a sidebar (`Charleroi By Scott Brown Multimedia`): no verdict on the whole line can
//! be right. A small word model scores every word of a kept line as article text or not, from the
//! word's shape, its neighbours', where it sits in the line and how sure the line model was of the
//! line and its neighbours; the line then keeps its highest-scoring run of words (a maximum-sum
//! subarray of the words' log-odds), since the article's column is one run in every row. On a page
//! it splits, the lines the line model dropped but was unsure of are judged too, and keep a run
//! the word model is sure of (half of such a line is often the article's). Trained by
//! `examples/train_cleaner` with the line model (docs/cleaner-model.md).

use super::features::{is_ascii_stopword_any_case, is_stopword, max_stopword_bytes};
use super::net::{Net, Rows, sigmoid};
use crate::record::{Cut, Line, LineClass};
use crate::text::{ends_sentence, is_cjk};

/// The measures of one word's shape, in [`shape`]'s order.
const SHAPE_NAMES: [&str; 13] = [
    "cap",
    "lower",
    "allcaps",
    "digit",
    "end_sentence",
    "end_comma",
    "open_quote",
    "close_quote",
    "bracket",
    "symbol",
    "stop",
    "ln_chars",
    "cjk",
];
const SHAPE: usize = SHAPE_NAMES.len();
/// Where [`shape`] puts the measures the place features count.
const CAP: usize = 0;
const END_SENTENCE: usize = 4;
const STOP: usize = 10;

/// Measures of the word's place in its line, and of its line and page.
const PLACE_NAMES: [&str; 27] = [
    "prev_absent",
    "next_absent",
    "ln_index",
    "ln_index_from_end",
    "ln_line_words",
    "relative_index",
    "ln_chars_before",
    "ln_chars_after",
    "before_cap_share",
    "before_ln_stops",
    "before_sentence_end",
    "after_cap_share",
    "after_ln_stops",
    "after_sentence_end",
    "ln_cap_run",
    "line_p",
    "line_ln_chars",
    "line_ends_sentence",
    "prev_line_p",
    "next_line_p",
    "prev_line_ends_sentence",
    "next_line_starts_lower",
    "page_narrow_share",
    "page_ln_mean_chars",
    "prev_line_kept",
    "next_line_kept",
    "line_prose",
];

/// Inputs of the word model: the word's shape, its neighbours' two either side, then its place.
pub(crate) const N_WORD_FEATURES: usize = 5 * SHAPE + PLACE_NAMES.len();

/// The word model's input names, in order (for the weights file).
pub fn word_feature_names() -> Vec<String> {
    let mut names = Vec::with_capacity(N_WORD_FEATURES);
    for who in ["w", "prev", "next", "prev2", "next2"] {
        names.extend(SHAPE_NAMES.iter().map(|s| format!("{who}_{s}")));
    }
    names.extend(PLACE_NAMES.iter().map(|s| (*s).to_string()));
    names
}

/// Lines of at most this many characters are what a text browser wraps a column to: on a page of
/// them, a line can hold several columns.
const NARROW_CHARS: usize = 80;

/// A first-pass probability this high for every word of a line leaves the line whole.
const SURE: f32 = 0.95;

/// The page gate first looks at every this many lines.
const SAMPLE_EVERY: usize = 4;

/// Each line's best run by the words' probabilities `p` (all lines' words in a row).
pub fn runs(words: &[Vec<&str>], p: &[f32], bias: f32) -> Vec<Option<(usize, usize)>> {
    let z: Vec<f32> = p.iter().map(|p| logit(*p)).collect();
    runs_of_logits(words, &z, bias)
}

/// [`runs`] from the words' log-odds `z` instead of their probabilities.
fn runs_of_logits(words: &[Vec<&str>], z: &[f32], bias: f32) -> Vec<Option<(usize, usize)>> {
    let mut scores = Vec::new();
    let mut offset = 0;
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        scores.clear();
        scores.extend(z[offset..offset + w.len()].iter().map(|z| clamp_logit(*z) - bias));
        out.push(best_run(&scores));
        offset += w.len();
    }
    out
}

/// How many lines their `runs` would cut.
fn mixed_lines<'a>(lines: impl Iterator<Item = (&'a [&'a str], Option<(usize, usize)>)>) -> usize {
    lines.filter(|(w, r)| *r != Some((0, w.len()))).count()
}

/// Fewest lines the first pass must find mixed before a page is split: one or two such lines are
/// no layout.
const MIN_MIXED_LINES: usize = 3;

/// One word's shape.
fn shape(word: &str) -> [f32; SHAPE] {
    shape_with(word, word.is_ascii())
}

/// [`shape`], walking an ASCII word's bytes when `ascii` (the same values as walking its characters).
fn shape_with(word: &str, ascii: bool) -> [f32; SHAPE] {
    let f = |b: bool| f32::from(u8::from(b));
    // One walk over the characters: this runs for every word of every kept line. Most words are
    // ASCII, walked byte by byte.
    let (mut first_alpha, mut letters, mut upper, mut chars) = (None, 0usize, 0usize, 0usize);
    let (mut digit, mut alnum, mut cjk) = (false, false, false);
    if ascii {
        chars = word.len();
        for &b in word.as_bytes() {
            if b.is_ascii_alphabetic() {
                letters += 1;
                first_alpha = first_alpha.or(Some(char::from(b)));
            }
            upper += usize::from(b.is_ascii_uppercase());
            digit |= b.is_ascii_digit();
            alnum |= b.is_ascii_alphanumeric();
        }
    } else {
        for c in word.chars() {
            chars += 1;
            if c.is_alphabetic() {
                letters += 1;
                first_alpha = first_alpha.or(Some(c));
            }
            upper += usize::from(c.is_uppercase());
            digit |= c.is_ascii_digit();
            alnum |= c.is_alphanumeric();
            cjk |= is_cjk(c);
        }
    }
    let (last, stop, open_quote, close_quote, bracket) = if ascii {
        // The same tests on bytes: none of the other characters they look for is ASCII.
        let b = word.as_bytes();
        let kept = b.iter().rposition(|c| !matches!(c, b'"' | b'\'' | b')' | b']')).map_or(0, |e| e + 1);
        let core = match (b.iter().position(u8::is_ascii_alphanumeric), b.iter().rposition(u8::is_ascii_alphanumeric)) {
            (Some(s), Some(e)) => &b[s..=e],
            _ => &[],
        };
        (
            kept.checked_sub(1).map(|e| char::from(b[e])),
            is_ascii_stopword_any_case(core),
            matches!(b.first(), Some(b'"' | b'\'' | b'(')),
            matches!(b.last(), Some(b'"' | b'\'' | b')')),
            b.iter().any(|c| matches!(c, b'[' | b']')),
        )
    } else {
        let trimmed = word.trim_end_matches(['"', '\'', ')', '”', '’', ']']);
        let core = word.trim_matches(|c: char| !c.is_alphanumeric());
        let mut lower = String::new();
        if core.len() <= max_stopword_bytes() {
            crate::text::push_lowercase(&mut lower, core);
        }
        (
            trimmed.chars().last(),
            !lower.is_empty() && is_stopword(&lower),
            word.starts_with(['"', '\'', '(', '“', '‘']),
            word.ends_with(['"', '\'', ')', '”', '’']),
            word.contains(['[', ']']),
        )
    };
    [
        f(first_alpha.is_some_and(char::is_uppercase)),
        f(first_alpha.is_some_and(char::is_lowercase)),
        f(letters >= 2 && upper == letters),
        f(digit),
        f(matches!(last, Some('.' | '!' | '?' | '。' | '！' | '？'))),
        f(matches!(last, Some(',' | ';' | ':' | '、' | '，'))),
        f(open_quote),
        f(close_quote),
        f(bracket),
        f(!alnum),
        f(stop),
        ln_1p(chars as f32),
        f(cjk),
    ]
}

/// `ln(1 + x)`, from a table for the small whole numbers (counts of words and characters) the word
/// model's place features take: a logarithm per feature per word is a measurable share of its time.
fn ln_1p(x: f32) -> f32 {
    const TABLE: usize = 512;
    static LN_1P: std::sync::LazyLock<[f32; TABLE]> = std::sync::LazyLock::new(|| {
        let mut t = [0f32; TABLE];
        for (i, v) in t.iter_mut().enumerate() {
            *v = (1.0 + i as f32).ln();
        }
        t
    });
    // `x as usize` saturates; a whole number below the table's end converts back to itself.
    // (`fract` is a call into libm on the baseline x86-64 target.)
    let i = x as usize;
    if x >= 0.0 && i < TABLE && i as f32 == x { LN_1P[i] } else { (1.0 + x).ln() }
}

/// What the word model knows of a line's surroundings.
struct LineContext {
    p: f32,
    prev_p: f32,
    next_p: f32,
    prev_ends: bool,
    next_starts_lower: bool,
    prev_kept: bool,
    next_kept: bool,
}

/// What the word model knows of the page: how much of its kept text is in narrow lines.
#[derive(Debug, Clone, Copy)]
struct PageContext {
    narrow_share: f32,
    ln_mean_chars: f32,
}

fn page_context(lines: &[Line]) -> PageContext {
    let kept = lines.iter().filter(|l| l.class == LineClass::Keep);
    let (mut n, mut narrow, mut chars) = (0usize, 0usize, 0usize);
    for line in kept {
        let c = line.text.chars().count();
        n += 1;
        narrow += usize::from(c <= NARROW_CHARS);
        chars += c;
    }
    let n = n.max(1) as f32;
    PageContext { narrow_share: narrow as f32 / n, ln_mean_chars: (1.0 + chars as f32 / n).ln() }
}

/// The lines the word model cuts: kept by the line model (not by a rule or a pattern), of more
/// than one word.
pub(crate) fn splittable(line: &Line, forced: bool) -> bool {
    line.class == LineClass::Keep && line.score.is_some() && !forced && line.text.contains(' ')
}

/// The lines the word model judges on a page it splits: those it cuts ([`splittable`]), and those
/// the line model dropped with at least `rescue` probability, which keep only a run of words the
/// word model is sure of (a line half menu, half article looks like a menu to the line model).
pub fn judged(line: &Line, forced: bool, rescue: f32) -> bool {
    splittable(line, forced)
        || (!forced
            && line.class == LineClass::Drop("model")
            && line.score.is_some_and(|p| p >= rescue)
            && line.text.contains(' '))
}

/// Appends the word model's inputs for every word of line `i` of `lines` (`words`, as
/// [`line_words`] splits it) to `rows`.
fn push_rows(lines: &[Line], i: usize, words: &[&str], page: PageContext, rows: &mut Rows) {
    let line = &lines[i];
    let kept = |j: Option<usize>| j.and_then(|j| lines.get(j)).is_some_and(|l| l.class == LineClass::Keep);
    let score = |j: Option<usize>| j.and_then(|j| lines.get(j)).map_or(0.0, |l| l.score.unwrap_or(0.0));
    let (above, below) = (i.checked_sub(1), Some(i + 1));
    let ctx = LineContext {
        p: line.score.unwrap_or(1.0),
        prev_p: score(above),
        next_p: score(below),
        prev_ends: above.and_then(|j| lines.get(j)).is_some_and(|l| ends_sentence(&l.text)),
        next_starts_lower: lines
            .get(i + 1)
            .and_then(|l| l.text.chars().find(|c| c.is_alphabetic()))
            .is_some_and(char::is_lowercase),
        prev_kept: kept(above),
        next_kept: kept(below),
    };
    let shapes: Vec<[f32; SHAPE]> = words.iter().map(|w| shape(w)).collect();
    let chars: Vec<usize> = words.iter().map(|w| w.chars().count() + 1).collect();
    let total_chars: usize = chars.iter().sum();
    let line_chars = (total_chars as f32).ln();
    let line_ends = f32::from(u8::from(ends_sentence(&line.text)));
    let n = words.len();
    // Running counts before each word: capitalised words, function words, sentence ends, characters.
    let mut before = vec![[0f32; 4]; n + 1];
    for (k, s) in shapes.iter().enumerate() {
        before[k + 1] = [
            before[k][0] + s[CAP],
            before[k][1] + s[STOP],
            before[k][2] + s[END_SENTENCE],
            before[k][3] + chars[k] as f32,
        ];
    }
    let ln = ln_1p;
    let zero = [0f32; SHAPE];
    let mut row = [0f32; N_WORD_FEATURES];
    for k in 0..n {
        let at = |j: Option<usize>| j.and_then(|j| shapes.get(j)).unwrap_or(&zero);
        let mut o = 0;
        for s in [&shapes[k], at(k.checked_sub(1)), at(Some(k + 1)), at(k.checked_sub(2)), at(Some(k + 2))] {
            row[o..o + SHAPE].copy_from_slice(s);
            o += SHAPE;
        }
        // A run of capitalised words that are not function words: a menu's items, a name.
        let title = |j: usize| shapes[j][CAP] > 0.0 && shapes[j][STOP] == 0.0;
        let mut run = 0usize;
        if title(k) {
            let start = (0..k).rev().take_while(|&j| title(j)).count();
            let end = (k + 1..n).take_while(|&j| title(j)).count();
            run = start + end + 1;
        }
        let (b, a) = (
            before[k],
            [
                before[n][0] - before[k + 1][0],
                before[n][1] - before[k + 1][1],
                before[n][2] - before[k + 1][2],
                before[n][3] - before[k + 1][3],
            ],
        );
        let share = |count: f32, of: usize| if of == 0 { 0.0 } else { count / of as f32 };
        let place = [
            f32::from(u8::from(k == 0)),
            f32::from(u8::from(k + 1 == n)),
            ln(k as f32),
            ln((n - 1 - k) as f32),
            ln(n as f32),
            if n > 1 { k as f32 / (n - 1) as f32 } else { 0.5 },
            ln(b[3]),
            ln(a[3]),
            share(b[0], k),
            ln(b[1]),
            f32::from(u8::from(b[2] > 0.0)),
            share(a[0], n - 1 - k),
            ln(a[1]),
            f32::from(u8::from(a[2] > 0.0)),
            ln(run as f32),
            ctx.p,
            line_chars,
            line_ends,
            ctx.prev_p,
            ctx.next_p,
            f32::from(u8::from(ctx.prev_ends)),
            f32::from(u8::from(ctx.next_starts_lower)),
            page.narrow_share,
            page.ln_mean_chars,
            f32::from(u8::from(ctx.prev_kept)),
            f32::from(u8::from(ctx.next_kept)),
            f32::from(u8::from(line.prose)),
        ];
        row[o..].copy_from_slice(&place);
        rows.push(&row);
    }
}

/// The word model's inputs for every word of each line in `which`.
pub(crate) fn word_rows(lines: &[Line], which: &[usize]) -> Rows {
    word_rows_of(lines, which, &line_words(lines, which), page_context(lines))
}

/// [`word_rows`] for lines already split into their `words` (one entry per line in `which`), on a
/// page of context `page`.
fn word_rows_of(lines: &[Line], which: &[usize], words: &[Vec<&str>], page: PageContext) -> Rows {
    let mut rows = Rows::with_capacity(N_WORD_FEATURES, words.iter().map(Vec::len).sum());
    for (&i, w) in which.iter().zip(words) {
        push_rows(lines, i, w, page, &mut rows);
    }
    rows
}

/// Measures a second pass adds to each word's inputs, from the first pass's verdicts.
pub(crate) const SECOND_NAMES: [&str; 14] = [
    "line_run1_cut_before",
    "line_run1_cut_after",
    "near_cut_before_share",
    "near_cut_after_share",
    "p1",
    "p1_prev",
    "p1_next",
    "in_run1",
    "ln_column_chars",
    "line_excess",
    "before_over_column",
    "after_over_column",
    "run1_over_column",
    "from_run1_start_over_column",
];

/// Inputs of the second pass.
#[cfg(test)]
pub(crate) const N_SECOND_FEATURES: usize = N_WORD_FEATURES + SECOND_NAMES.len();

/// The second pass's input names, in order.
pub fn second_feature_names() -> Vec<String> {
    let mut names = word_feature_names();
    names.extend(SECOND_NAMES.iter().map(|s| (*s).to_string()));
    names
}

/// Each line's words, for the lines in `which`.
fn line_words<'a>(lines: &'a [Line], which: &[usize]) -> Vec<Vec<&'a str>> {
    which.iter().map(|&i| lines[i].text.split(' ').filter(|w| !w.is_empty()).collect()).collect()
}

/// Characters of `words` joined by single spaces.
fn run_chars(words: &[&str]) -> usize {
    words.iter().map(|w| w.chars().count()).sum::<usize>() + words.len().saturating_sub(1)
}

/// What the second pass adds to each word's first-pass row ([`SECOND_NAMES`]; its input is the
/// first-pass row followed by these), given the first pass's probabilities `p1` and its `runs`
/// (see [`runs`]), for the words of every line but those `skip` marks (an empty `skip` skips
/// none). The first pass's runs tell how wide the article's column is on this page (a text browser
/// wraps it at a fixed width, so most of its lines are nearly that long); a line much longer than
/// that must hold other columns' words, and those sit at its ends.
pub fn second_rows(words: &[Vec<&str>], p1: &[f32], runs: &[Option<(usize, usize)>], skip: &[bool]) -> Rows {
    let mut widths: Vec<usize> = words
        .iter()
        .zip(runs)
        .filter_map(|(w, r)| r.filter(|(a, b)| b - a >= 3).map(|(a, b)| run_chars(&w[a..b])))
        .collect();
    widths.sort_unstable();
    let column = widths.get(widths.len() * 3 / 4).copied().unwrap_or(0) as f32;
    let over = |c: f32| if column > 0.0 { (c / column).min(4.0) } else { 0.0 };
    let ln_column = (1.0 + column).ln();
    // Where pass 1 cut words off lines nearby: a menu column runs down many lines, so a
    // capitalised first word reads as the menu's where the lines around lost theirs.
    let cut_before: Vec<f32> = runs.iter().map(|r| f32::from(u8::from(r.is_some_and(|(a, _)| a > 0)))).collect();
    let cut_after: Vec<f32> =
        words.iter().zip(runs).map(|(w, r)| f32::from(u8::from(r.is_some_and(|(_, b)| b < w.len())))).collect();
    let near = |v: &[f32], i: usize| {
        let (lo, hi) = (i.saturating_sub(3), (i + 4).min(v.len()));
        let others = (hi - lo).saturating_sub(1);
        if others == 0 { 0.0 } else { ((lo..hi).filter(|&j| j != i).map(|j| v[j]).sum::<f32>()) / others as f32 }
    };
    let mut out = Rows::with_capacity(SECOND_NAMES.len(), words.iter().map(Vec::len).sum());
    let mut row = [0f32; SECOND_NAMES.len()];
    let mut k = 0;
    for (line, (w, run)) in words.iter().zip(runs).enumerate() {
        if skip.get(line).copied().unwrap_or(false) {
            k += w.len();
            continue;
        }
        let line_chars = run_chars(w) as f32;
        let around = [cut_before[line], cut_after[line], near(&cut_before, line), near(&cut_after, line)];
        let (ra, rb) = run.unwrap_or((0, 0));
        let run_start_chars = run_chars(&w[..ra]) as f32 + f32::from(u8::from(ra > 0));
        let run_width = over(run_chars(&w[ra..rb]) as f32);
        let mut before = 0f32;
        for (j, word) in w.iter().enumerate() {
            let len = word.chars().count() as f32;
            let after = line_chars - before - len;
            let p = |jj: Option<usize>| jj.filter(|&jj| jj < w.len()).map_or(0.0, |jj| p1[k + jj]);
            row[..4].copy_from_slice(&around);
            row[4..].copy_from_slice(&[
                p1[k + j],
                p(j.checked_sub(1)),
                p(Some(j + 1)),
                f32::from(u8::from(j >= ra && j < rb)),
                ln_column,
                if column > 0.0 { ((line_chars - column) / column).clamp(-1.0, 3.0) } else { 0.0 },
                over(before),
                over(after.max(0.0)),
                run_width,
                if column > 0.0 { ((before - run_start_chars) / column).clamp(-3.0, 3.0) } else { 0.0 },
            ]);
            out.push(&row);
            before += len + 1.0;
        }
        k += w.len();
    }
    out
}

/// The run of words `[start, end)` with the highest sum of `scores`, or `None` when every score is
/// negative.
pub(crate) fn best_run(scores: &[f32]) -> Option<(usize, usize)> {
    let (mut best, mut best_sum) = (None, 0f32);
    let (mut start, mut sum) = (0, 0f32);
    for (i, &s) in scores.iter().enumerate() {
        if sum <= 0.0 {
            start = i;
            sum = 0.0;
        }
        sum += s;
        if sum > best_sum {
            best_sum = sum;
            best = Some((start, i + 1));
        }
    }
    best
}

/// The page measures the split gate reads, in [`sample_pass`]'s order (a constant 1 first, as the
/// networks' inputs have). The word measures are the sample's: the gate decides before the words of
/// every line are judged, so a page it leaves whole costs no more than the sample.
pub const GATE_NAMES: [&str; 10] = [
    "bias",
    "sentence_share",
    "sample_mixed_share",
    "narrow_share",
    "ln_mean_chars",
    "ln_kept_lines",
    "sample_mean_word_p",
    "sample_doubted_word_share",
    "wrapped_share",
    "dropped_share",
];
/// How many measures the split gate reads.
pub const N_GATE: usize = GATE_NAMES.len();

/// What the sample pass found: the judged lines, which of them are kept and sampled, the sampled
/// lines' word rows and first-pass log-odds, and the page measures the split gate decides from.
struct Sample {
    which: Vec<usize>,
    kept: Vec<bool>,
    n_kept: usize,
    sampled: Vec<bool>,
    page: PageContext,
    rows: Rows,
    z1: Vec<f32>,
    gate: [f32; N_GATE],
}

/// The first pass over a sample of a page's kept lines, or `None` when the page is not split
/// whatever the gate says: no kept line, too many lines ending their sentences
/// (`max_sentence_share`), or too few sampled lines the word model would cut.
fn sample_pass(model: &ColumnModel, lines: &[Line], forced: &[bool], settings: Settings) -> Option<Sample> {
    let Settings { threshold, min_share, rescue, max_sentence_share, .. } = settings;
    let which: Vec<usize> = (0..lines.len()).filter(|&i| judged(&lines[i], forced[i], rescue)).collect();
    let kept: Vec<bool> = which.iter().map(|&i| lines[i].class == LineClass::Keep).collect();
    let n_kept = kept.iter().filter(|k| **k).count();
    if n_kept == 0 {
        return None;
    }
    // A page whose lines end their sentences has a paragraph a line, not wrapped columns.
    let (long, ending) = which
        .iter()
        .zip(&kept)
        .filter(|(i, k)| **k && lines[**i].words >= 5)
        .fold((0usize, 0usize), |(n, e), (i, _)| (n + 1, e + usize::from(ends_sentence(&lines[*i].text))));
    if max_sentence_share < 1.0 && long > 0 && ending as f32 > max_sentence_share * long as f32 {
        return None;
    }
    // Most pages have one column: a sample of every fourth line tells them apart at a quarter of
    // the cost of judging every word. The gates count the kept lines only: whether a page is
    // split does not depend on the lines it would rescue.
    let sampled: Vec<bool> = {
        let mut k = 0;
        kept.iter()
            .map(|&kept| {
                let s = kept && k % SAMPLE_EVERY == 0;
                k += usize::from(kept);
                s
            })
            .collect()
    };
    let sample: Vec<usize> = which.iter().zip(&sampled).filter(|(_, s)| **s).map(|(i, _)| *i).collect();
    let sample_words = line_words(lines, &sample);
    let page = page_context(lines);
    let rows = word_rows_of(lines, &sample, &sample_words, page);
    let z1: Vec<f32> = rows.iter().map(|x| model.first.logit_of(x, &[])).collect();
    let sample_runs = runs_of_logits(&sample_words, &z1, logit(threshold));
    let sample_mixed = mixed_lines(sample_words.iter().zip(&sample_runs).map(|(w, r)| (w.as_slice(), *r)));
    if (sample_mixed as f32) < min_share * sample.len() as f32 {
        return None;
    }
    let p_sum: f32 = z1.iter().map(|z| sigmoid(*z)).sum();
    let doubted = z1.iter().filter(|z| **z < 0.0).count();
    // A text browser wraps a narrow column mid-sentence: a line of five words or more that does not
    // end its sentence, above one that starts in lower case.
    let kept_lines = which.iter().zip(&kept).filter(|(_, k)| **k).map(|(i, _)| &lines[*i]);
    let wrapped = kept_lines
        .clone()
        .zip(kept_lines.skip(1))
        .filter(|(above, below)| {
            above.words >= 5 && !ends_sentence(&above.text) && below.text.chars().next().is_some_and(char::is_lowercase)
        })
        .count();
    let share = |n: usize, of: usize| n as f32 / of.max(1) as f32;
    let gate = [
        1.0,
        share(ending, long),
        share(sample_mixed, sample.len()),
        page.narrow_share,
        page.ln_mean_chars,
        (n_kept as f32).ln(),
        p_sum / z1.len().max(1) as f32,
        share(doubted, z1.len()),
        share(wrapped, n_kept),
        share(which.len() - n_kept, which.len()),
    ];
    Some(Sample { which, kept, n_kept, sampled, page, rows, z1, gate })
}

/// What the first pass over a page found: every judged line's words and first-pass verdicts.
struct FirstPass<'a> {
    which: Vec<usize>,
    kept: Vec<bool>,
    words: Vec<Vec<&'a str>>,
    first: Rows,
    p1: Vec<f32>,
    runs: Vec<Option<(usize, usize)>>,
}

/// The first pass over every judged line of a page the sample let through, or `None` when too few
/// of its kept lines turn out mixed.
fn first_pass<'a>(model: &ColumnModel, lines: &'a [Line], sample: Sample, settings: Settings) -> Option<FirstPass<'a>> {
    let Sample { which, kept, n_kept, sampled, page, rows: sample_rows, z1: sample_z1, .. } = sample;
    // The full pass: the sampled lines keep their rows and verdicts, the others are judged now.
    let words = line_words(lines, &which);
    let mut first = Rows::with_capacity(N_WORD_FEATURES, words.iter().map(Vec::len).sum());
    let mut z1 = Vec::with_capacity(first.capacity());
    let mut at = 0;
    for ((&i, &s), w) in which.iter().zip(&sampled).zip(&words) {
        let start = first.len();
        if s {
            let end = at + w.len();
            for r in at..end {
                first.push(sample_rows.row(r));
            }
            z1.extend_from_slice(&sample_z1[at..end]);
            at = end;
        } else {
            push_rows(lines, i, w, page, &mut first);
            z1.extend((start..first.len()).map(|r| model.first.logit_of(first.row(r), &[])));
        }
    }
    let p1: Vec<f32> = z1.iter().map(|z| sigmoid(*z)).collect();
    let runs = runs_of_logits(&words, &z1, logit(settings.threshold));
    // A page laid out in columns has them on many lines; a few lines the first pass would cut on
    // a page of one column are its mistakes, not columns.
    let mixed =
        mixed_lines(words.iter().zip(&runs).zip(&kept).filter(|(_, k)| **k).map(|((w, r), _)| (w.as_slice(), *r)));
    if mixed < MIN_MIXED_LINES || (mixed as f32) < settings.min_share * n_kept as f32 {
        return None;
    }
    Some(FirstPass { which, kept, words, first, p1, runs })
}

/// The split gate's measures of a page, or `None` when the splitter's fixed gates leave it whole
/// (the training command's rows for the gate).
pub(crate) fn gate_measures(
    model: &ColumnModel,
    lines: &[Line],
    forced: &[bool],
    settings: Settings,
) -> Option<[f32; N_GATE]> {
    sample_pass(model, lines, forced, settings).map(|s| s.gate)
}

/// Cuts every splittable line (see [`splittable`]) down to its article run; a line with no word
/// the model believes in is dropped. `threshold` is the probability a word must reach to count
/// for its run.
pub(crate) fn split_columns(model: &ColumnModel, lines: &mut [Line], forced: &[bool], settings: Settings) {
    let Some(sample) = sample_pass(model, lines, forced, settings) else { return };
    // The learned gate: pages of this year's one-column layouts, whose few mixed lines are the
    // word model's mistakes, are left as the line model judged them.
    if model.gate.as_ref().is_some_and(|g| g.probability(&sample.gate) < 0.5) {
        return;
    }
    let Some(FirstPass { which, kept, words, first, p1, runs }) = first_pass(model, lines, sample, settings) else {
        return;
    };
    let Settings { threshold, keep, margin, .. } = settings;
    let bias = logit(threshold);
    // A line the first pass is sure of in every word stays whole: the second pass would not cut
    // it, and skipping it saves most of the second pass's time.
    let mut offset = 0;
    let sure: Vec<bool> = words
        .iter()
        .zip(&kept)
        .map(|(w, &kept)| {
            let sure = kept && p1[offset..offset + w.len()].iter().all(|p| *p >= SURE);
            offset += w.len();
            sure
        })
        .collect();
    let extra = second_rows(&words, &p1, &runs, &sure);
    let model = &model.second;
    let mut extra = extra.iter();
    let mut offset = 0;
    let mut scores = Vec::new();
    // Decided first, applied after: the words borrow the lines' text.
    let mut cuts = Vec::new();
    for (((&i, words), &kept), &sure) in which.iter().zip(&words).zip(&kept).zip(&sure) {
        let at = offset;
        offset += words.len();
        if sure {
            continue;
        }
        scores.clear();
        scores
            .extend((at..offset).zip(extra.by_ref()).map(|(k, x)| clamp_logit(model.logit_of(first.row(k), x)) - bias));
        let best = best_run(&scores);
        let run = if kept && reads_whole(&lines[i].text) {
            // A paragraph on a line of its own (it starts a sentence and ends one) holds no other
            // column's words at its ends: it is kept whole, or dropped whole as another column's.
            // (Cutting such lines down to the width of the page's runs took a paragraph's first
            // and last words off the unwrapped dumps of this year's pages.)
            // A line the mending rules kept although the line model doubted it (a lede, a line
            // between body lines) was kept for its place, not its words: the word model, which
            // reads the line model's doubt among its inputs, does not drop it again.
            let mended = lines[i].score.is_some_and(|p| p < keep);
            (mended || best.is_some()).then_some((0, words.len()))
        } else if kept {
            // Words are cut off only when the model is sure of it: a wrong cut loses article text
            // in the middle of a sentence, a missed one leaves a few words of a menu.
            best.map(|(a, b)| {
                let a = if scores[..a].iter().sum::<f32>() < -margin { a } else { 0 };
                let b = if scores[b..].iter().sum::<f32>() < -margin { b } else { words.len() };
                (a, b)
            })
        } else {
            // A dropped line gets back only the words the model is sure of.
            best.filter(|&(a, b)| scores[a..b].iter().sum::<f32>() >= margin)
        };
        match run {
            None if kept => cuts.push((i, None)),
            None => {}
            Some((0, b)) if kept && b == words.len() => {}
            Some((a, b)) => {
                let cut = Cut { before: words[..a].join(" "), after: words[b..].join(" ") };
                cuts.push((i, Some((words[a..b].join(" "), cut))));
            }
        }
    }
    for (i, cut) in cuts {
        let line = &mut lines[i];
        match cut {
            None => line.class = LineClass::Drop("column"),
            Some((kept, cut)) => {
                line.class = LineClass::Keep;
                line.words = crate::text::word_count(&kept);
                line.text = kept;
                line.cut = (!cut.before.is_empty() || !cut.after.is_empty()).then(|| Box::new(cut));
            }
        }
    }
}

/// Whether a line reads as a paragraph of its own: it begins as a sentence does (a capital, a
/// digit or an opening quote, then a letter or digit) and ends one.
fn reads_whole(text: &str) -> bool {
    let start = text.trim_start_matches(['"', '“', '‘', '\'', '(', '¿', '¡']);
    start.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()) && ends_sentence(text)
}

/// How the column splitter decides, from `[clean]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// The probability a word must reach to count for the article's run.
    pub threshold: f32,
    /// The line model's keep threshold (`keep_threshold`): a kept line below it was kept by the
    /// mending rules.
    pub keep: f32,
    /// The share of kept lines the first pass must find mixed before a page is split.
    pub min_share: f32,
    /// How sure (summed log-odds) the model must be of the words at a line's end to cut them, and
    /// of a dropped line's run to keep it.
    pub margin: f32,
    /// The line model's probability from which a dropped line is judged word by word.
    pub rescue: f32,
    /// Most share of kept lines of five words or more that may end a sentence on a page split.
    pub max_sentence_share: f32,
}

/// The column splitter's two passes.
#[derive(Debug, Clone)]
pub struct ColumnModel {
    /// Judges each word from its own measures.
    pub first: Net,
    /// Judges each word again, knowing the first pass's verdicts and the column's width.
    pub second: Net,
    /// Decides from the page's measures ([`GATE_NAMES`]) whether a page the fixed gates let
    /// through is split; without it every such page is.
    pub gate: Option<Net>,
}

/// The log-odds of `p`.
pub fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// Log-odds kept within those of the probabilities [`logit`] clamps to: one word the model is
/// all but certain of must not outweigh a whole run.
fn clamp_logit(z: f32) -> f32 {
    // `logit(0.0)` and `logit(1.0)` in f32 (where `1.0 - 1e-6` rounds, so the two differ in size);
    // a test checks them.
    const LOW: f32 = -13.815_51;
    const HIGH: f32 = 13.802_318;
    z.clamp(LOW, HIGH)
}

#[cfg(test)]
mod tests {
    use super::super::net::Mlp;
    use super::*;

    proptest::proptest! {
        #[test]
        fn ascii_words_shape_bytewise_as_charwise(word in "[!-~]{1,20}") {
            proptest::prop_assert_eq!(shape_with(&word, true), shape_with(&word, false));
        }
    }

    #[test]
    fn clamped_log_odds_end_where_logit_clamps() {
        assert!((clamp_logit(f32::MAX) - logit(1.0)).abs() < 1e-5);
        assert!((clamp_logit(f32::MIN) - logit(0.0)).abs() < 1e-5);
        assert_eq!(clamp_logit(2.5), 2.5);
    }

    #[test]
    fn best_run_is_the_maximum_sum_run() {
        assert_eq!(best_run(&[1.0, 2.0, 3.0]), Some((0, 3)));
        assert_eq!(best_run(&[-1.0, 2.0, 3.0, -4.0]), Some((1, 3)));
        assert_eq!(best_run(&[2.0, -1.0, 2.0, -5.0, 1.0]), Some((0, 3)));
        assert_eq!(best_run(&[-1.0, -2.0]), None);
        assert_eq!(best_run(&[]), None);
    }

    #[test]
    fn dropped_lines_the_line_model_was_unsure_of_are_judged_too() {
        let line = |class, score: Option<f32>| Line {
            text: "is set for Wednesday. • School bus".into(),
            class,
            words: 7,
            prose: true,
            score,
            cut: None,
        };
        assert!(judged(&line(LineClass::Keep, Some(0.9)), false, 0.2));
        assert!(judged(&line(LineClass::Drop("model"), Some(0.3)), false, 0.2));
        assert!(!judged(&line(LineClass::Drop("model"), Some(0.1)), false, 0.2));
        assert!(!judged(&line(LineClass::Drop("model"), Some(0.3)), true, 0.2));
        assert!(!judged(&line(LineClass::Drop("ui_label"), None), false, 0.2));
        assert!(!splittable(&line(LineClass::Drop("model"), Some(0.3)), false));
    }

    /// A network of one hidden unit that reads input `k` of `inputs` only: `output` times the
    /// activation of `weight * x[k] + bias`.
    fn one_input_net(inputs: usize, k: usize, weight: f32, bias: f32, output: f32) -> Net {
        let mut hidden = vec![0f32; inputs];
        hidden[k] = weight;
        let (mean, scale) = (vec![0f32; inputs], vec![1f32; inputs]);
        let mlp = Mlp {
            mean: &mean,
            scale: &scale,
            hidden: &hidden,
            hidden_bias: &[bias],
            output: &[output],
            output_bias: 0.0,
        };
        Net::new(&mlp)
    }

    /// A word model that believes in lower-case words only: `Sports the council said ...` loses
    /// its first word.
    fn lower_case_model() -> ColumnModel {
        let net = |inputs: usize| one_input_net(inputs, CAP, -3.0, 1.5, 4.0);
        ColumnModel { first: net(N_WORD_FEATURES), second: net(N_SECOND_FEATURES), gate: None }
    }

    /// Twelve kept lines of a wrapped table layout, a menu word before the article's words, each
    /// line ending with `end`.
    fn ferry_page(end: &str) -> Vec<Line> {
        (0..12)
            .map(|i| Line {
                text: format!("Sports the council said that the old ferry would run again {i}{end}"),
                class: LineClass::Keep,
                words: 12,
                prose: true,
                score: Some(0.9),
                cut: None,
            })
            .collect()
    }

    #[test]
    fn pages_of_wrapped_columns_are_split_and_pages_of_sentences_are_not() {
        let settings =
            Settings { threshold: 0.5, keep: 0.5, min_share: 0.2, margin: 2.0, rescue: 0.2, max_sentence_share: 0.9 };
        let model = lower_case_model();
        let forced = vec![false; 12];
        let mut wrapped = ferry_page("");
        split_columns(&model, &mut wrapped, &forced, settings);
        let article = |l: &Line| l.text.starts_with("the council");
        assert!(wrapped.iter().all(article), "{wrapped:?}");
        // The same lines ending their sentences: a paragraph a line, whatever the word model says.
        let mut sentences = ferry_page(".");
        split_columns(&model, &mut sentences, &forced, settings);
        assert!(sentences.iter().all(|l| l.cut.is_none()), "{sentences:?}");
        // With that gate off, a line reading as a paragraph of its own (a capital first, a sentence
        // end last) is still never cut; one that starts mid-sentence is.
        let gate_off = Settings { max_sentence_share: 1.0, ..settings };
        let mut off = ferry_page(".");
        split_columns(&model, &mut off, &forced, gate_off);
        assert!(off.iter().all(|l| l.cut.is_none() && l.class == LineClass::Keep), "{off:?}");
        let mut mid = ferry_page(".");
        for (i, l) in mid.iter_mut().enumerate() {
            l.text = format!("the council said that the old ferry would run again {i} Sports.");
        }
        split_columns(&model, &mut mid, &forced, gate_off);
        assert!(mid.iter().all(|l| l.cut.is_some()), "{mid:?}");
    }

    /// A gate that reads one page measure: split when it is above `at`.
    fn gate_on(measure: &str, at: f32) -> Net {
        one_input_net(N_GATE, GATE_NAMES.iter().position(|n| *n == measure).unwrap(), 1.0, -at, 50.0)
    }

    #[test]
    fn the_learned_gate_decides_which_pages_the_fixed_gates_let_through_are_split() {
        let page = ferry_page("");
        let settings =
            Settings { threshold: 0.5, keep: 0.5, min_share: 0.2, margin: 2.0, rescue: 0.2, max_sentence_share: 1.0 };
        let forced = vec![false; 12];
        // Every kept line is mixed and none ends a sentence; twelve kept lines, none dropped.
        let m = gate_measures(&lower_case_model(), &page, &forced, settings).unwrap();
        let of = |name: &str| m[GATE_NAMES.iter().position(|n| *n == name).unwrap()];
        assert_eq!(
            (of("bias"), of("sentence_share"), of("sample_mixed_share"), of("dropped_share")),
            (1.0, 0.0, 1.0, 0.0)
        );
        assert!((of("ln_kept_lines") - 12f32.ln()).abs() < 1e-6);
        let split_with = |gate: Net| {
            let mut lines = page.clone();
            let model = ColumnModel { gate: Some(gate), ..lower_case_model() };
            split_columns(&model, &mut lines, &forced, settings);
            lines
        };
        // A gate that wants mixed lines on most of the page splits it; one that wants wrapped
        // sentences (there are none: no line starts in lower case) leaves it whole.
        assert!(split_with(gate_on("sample_mixed_share", 0.5)).iter().all(|l| l.text.starts_with("the council")));
        assert_eq!(split_with(gate_on("wrapped_share", 0.1)), page);
        // A page the fixed gates leave whole has no measures.
        let sentences: Vec<Line> =
            page.iter().map(|l| Line { text: "Weather.".into(), words: 1, ..l.clone() }).collect();
        assert!(gate_measures(&lower_case_model(), &sentences, &forced, settings).is_none());
    }

    #[test]
    fn a_paragraph_line_of_another_column_is_dropped_whole_unless_the_mending_rules_kept_it() {
        let line = |text: String, score: f32| Line {
            words: crate::text::word_count(&text),
            text,
            class: LineClass::Keep,
            prose: true,
            score: Some(score),
            cut: None,
        };
        let mut lines: Vec<Line> = (0..12)
            .map(|i| line(format!("Sports the council said that the old ferry would run again {i}"), 0.9))
            .collect();
        lines.push(line("Weather Traffic Jobs Classifieds Obituaries.".into(), 0.9));
        lines.push(line("Letters Opinion Columnists Cartoons Puzzles.".into(), 0.3));
        let settings =
            Settings { threshold: 0.5, keep: 0.5, min_share: 0.2, margin: 2.0, rescue: 0.2, max_sentence_share: 0.9 };
        split_columns(&lower_case_model(), &mut lines, &[false; 14], settings);
        assert_eq!(lines[12].class, LineClass::Drop("column"), "{:?}", lines[12]);
        assert!(lines[13].class == LineClass::Keep && lines[13].cut.is_none(), "{:?}", lines[13]);
    }

    #[test]
    fn lines_that_read_as_paragraphs() {
        for whole in
            ["The ferry runs again.", "“We won,” she said.", "2025 was a good year!", "(Reuters) The port opened."]
        {
            assert!(reads_whole(whole), "{whole}");
        }
        for part in ["the ferry runs again.", "The ferry runs again", "Home News The ferry", "- The ferry runs."] {
            assert!(!reads_whole(part), "{part}");
        }
    }

    #[test]
    fn features_have_their_names() {
        assert_eq!(word_feature_names().len(), N_WORD_FEATURES);
        let line = Line {
            text: "Charleroi it stands to reason that he is Video: Brown on".into(),
            class: LineClass::Keep,
            words: 11,
            prose: true,
            score: Some(0.7),
            cut: None,
        };
        let rows = word_rows(std::slice::from_ref(&line), &[0]);
        assert_eq!((rows.len(), rows.width()), (11, N_WORD_FEATURES));
        assert!(rows.iter().flatten().all(|x| x.is_finite()));
    }
}
