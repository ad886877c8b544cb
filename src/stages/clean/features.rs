//! What the line classifier sees of a line: its own shape (length, function-word density, sentence
//! marks, capitalisation, symbols, script) and the same measures over its neighbours, plus where it
//! sits relative to the page's dense prose. Kept separate from the model so the training command
//! (`examples/train_cleaner.rs`) computes exactly what the daemon computes.

use std::sync::LazyLock;

use crate::text::{ends_sentence, is_ascii_space, is_caseless, is_cjk, is_word_char, push_lowercase};

/// Function words of the languages newsmill sees most; their density separates running text from
/// labels, menus and headlines in any of them.
const STOPWORDS: &str = "
a about after all also an and any are as at be been but by can could did do does for from had has have he her
his how i if in into is it its just more most my no not of on one only or other our out over said she so some
than that the their them then there these they this to up was we were what when which who will with would you
your
aber als am an auch auf aus bei bin bis da damit dann das dass dem den der des die doch du durch ein eine einem
einen einer es für hat ich ihr im ist jetzt kann man mit nach nicht noch nur oder sich sie sind so um und uns von
vor war was wenn wie wir wird zu zum zur über
au aux avec ce ces cette dans de des du elle en est et il ils je la le les leur mais ne nous on ont ou par pas
plus pour qu que qui sa se ses son sont sur un une été être
al como con de del el en es esta este fue ha la las lo los más no para pero por que se ser sin sobre su sus un
una y ya
ao as com da das de do dos e em foi mais na nas no nos não o os para pela pelo por que se sua são um uma
che con da dei del della di e gli il in la le non per più si sono su un una
de een en het in is met niet op te van voor zijn
а в во вы да для до его если же за и из или их к как ко мы на не но о об он она они от по при с со так то что
это я
";

/// Hangul syllables that end a word as a particle or verb ending in running Korean text.
const HANGUL_ENDINGS: &str = "은는이가을를에의도로과와다요며고서";
/// Kana and Han characters that are grammatical glue in running Japanese and Chinese text.
/// Chinese words run about 1.6 characters; an English word with its space about 6.
const CJK_CHARS_PER_WORD: f32 = 1.6;
const ENGLISH_CHARS_PER_WORD: f32 = 6.0;

const CJK_FUNCTION: &str =
    "のはがをにでとたしてもなる的了是在和有我这一不也就都而及与于以为其之被把将对从向到并但所因等个们那会能可要已还说";

/// The function words, each packed into a `u64` ([`pack`]: none is longer than eight bytes, which a
/// test checks), in an open-addressing table: a look-up is a multiplication and a probe or two,
/// where hashing the word's bytes for a set cost more than the rest of a line's measures.
static STOP: LazyLock<StopTable> = LazyLock::new(|| StopTable::new(STOPWORDS.split_whitespace()));

/// Slots in [`StopTable`]: a power of two, a few times the number of words.
const STOP_SLOTS: usize = 1024;

struct StopTable {
    slots: Box<[u64; STOP_SLOTS]>,
}

impl StopTable {
    fn new<'a>(words: impl Iterator<Item = &'a str>) -> Self {
        let mut slots = Box::new([0u64; STOP_SLOTS]);
        for key in words.filter_map(|w| pack(w.as_bytes(), |b| b)) {
            let mut i = slot(key);
            while slots[i] != 0 && slots[i] != key {
                i = (i + 1) % STOP_SLOTS;
            }
            slots[i] = key;
        }
        Self { slots }
    }

    fn contains(&self, key: u64) -> bool {
        let mut i = slot(key);
        loop {
            match self.slots[i] {
                0 => return false,
                k if k == key => return true,
                _ => i = (i + 1) % STOP_SLOTS,
            }
        }
    }
}

fn slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - STOP_SLOTS.trailing_zeros())) as usize
}

/// A word of one to eight bytes as a number (its bytes, through `fold`, in order; no word has a zero
/// byte, so words of different lengths differ); `None` for longer or empty words and words with a
/// zero byte.
fn pack(word: &[u8], fold: impl Fn(u8) -> u8) -> Option<u64> {
    if word.is_empty() || word.len() > 8 {
        return None;
    }
    // One walk over the (at most eight) bytes: `contains` would call `memchr` for every word.
    let mut key = 0u64;
    for &b in word.iter().rev() {
        if b == 0 {
            return None;
        }
        key = (key << 8) | u64::from(fold(b));
    }
    Some(key)
}

/// The longest function word, in bytes: a longer word needs no look-up.
pub(crate) fn max_stopword_bytes() -> usize {
    8
}

/// Whether a lower-case word is a function word in one of the languages newsmill knows.
pub(crate) fn is_stopword(lower: &str) -> bool {
    pack(lower.as_bytes(), |b| b).is_some_and(|k| STOP.contains(k))
}

/// Whether an ASCII word, in any case, is a function word.
pub(crate) fn is_ascii_stopword_any_case(word: &[u8]) -> bool {
    pack(word, |b| b.to_ascii_lowercase()).is_some_and(|k| STOP.contains(k))
}

/// Symbols that mark navigation, lists and widgets rather than prose.
const fn is_special(c: char) -> bool {
    matches!(c, '|' | '*' | '[' | ']' | '•' | '·' | '»' | '«' | '>' | '<' | '/' | '=' | '#' | '@' | '+' | '_' | '~' | '^')
        || matches!(c, '\u{2500}'..='\u{257F}') // box drawing (w3m rules)
        || matches!(c, '\u{25A0}'..='\u{25FF}') // geometric shapes (bullets)
}

/// A line's own measures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineStats {
    /// Words ([`crate::text::word_count`]).
    pub words: f32,
    /// Characters.
    pub chars: f32,
    /// Function-word density in the line's script: the share of tokens that are function words
    /// (alphabetic scripts), of Hangul words with a particle ending, or of CJK characters that are
    /// grammatical glue, each scaled to about where running English text sits.
    pub stop: f32,
    /// Ends like a sentence.
    pub ends: f32,
    /// Sentence marks inside the line, per ten words, capped at 1.
    pub marks: f32,
    /// Commas per word.
    pub commas: f32,
    /// Share of alphabetic words that start with a capital.
    pub title: f32,
    /// Share of letters that are capitals.
    pub upper: f32,
    /// Share of characters that are digits.
    pub digits: f32,
    /// Starts with a lower-case letter (a wrapped continuation).
    pub starts_lower: f32,
    /// Share of characters that are navigation symbols.
    pub special: f32,
    /// Share of characters that are CJK.
    pub cjk: f32,
    /// Share of CJK characters that are grammatical glue.
    pub cjk_function: f32,
    /// Share of Hangul words ending in a particle or verb ending.
    pub hangul_endings: f32,
    /// Contains a URL, an e-mail address or a handle.
    pub link: f32,
    /// Reads as running text (used for the distance features).
    pub dense: f32,
}

impl LineStats {
    /// Measures one line.
    pub fn of(text: &str, words: usize, prose: bool) -> Self {
        let mut s = LineStats::default();
        let Counts {
            chars,
            digits,
            special,
            cjk,
            cjk_fn,
            letters,
            upper,
            marks,
            commas,
            tokens,
            stops,
            alpha,
            caps,
            hangul,
            hangul_end,
        } = Counts::of(text);
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f32 / b as f32 };
        // A line of Chinese or Japanese counts a word per character; measured so, its sentences
        // look like lists of one-letter words to a model that learned mostly from English. Its
        // length goes in as the English it would make: a word per CJK_CHARS_PER_WORD characters,
        // each word as long as an English one.
        let cjk_line = cjk * 3 > chars;
        let (eq_words, eq_chars) = if cjk_line {
            let other_words = words.saturating_sub(cjk) as f32;
            let cjk_words = cjk as f32 / CJK_CHARS_PER_WORD;
            (other_words + cjk_words, (chars - cjk) as f32 + cjk_words * ENGLISH_CHARS_PER_WORD)
        } else {
            (words as f32, chars as f32)
        };
        s.words = eq_words;
        s.chars = eq_chars;
        let words = eq_words.round().max(1.0) as usize;
        s.cjk_function = ratio(cjk_fn, cjk);
        s.hangul_endings = ratio(hangul_end, hangul);
        s.stop = if cjk_line {
            (s.cjk_function * 3.0).min(1.0)
        } else if hangul > alpha {
            s.hangul_endings * 0.7
        } else {
            ratio(stops, tokens)
        };
        s.ends = f32::from(u8::from(ends_sentence(text)));
        s.marks = (ratio(marks * 10, words.max(1))).min(1.0);
        s.commas = ratio(commas, words.max(1)).min(1.0);
        s.title = ratio(caps, alpha);
        s.upper = ratio(upper, letters);
        s.digits = ratio(digits, chars);
        s.starts_lower = f32::from(u8::from(text.chars().next().is_some_and(char::is_lowercase)));
        s.special = ratio(special, chars);
        s.cjk = ratio(cjk, chars);
        s.link = f32::from(u8::from(has_link(text)));
        let cjk_dense = cjk >= 25 && (s.cjk_function >= 0.08 || marks > 0);
        let latin_dense = prose && (s.stop >= 0.15 || s.hangul_endings >= 0.3);
        s.dense = f32::from(u8::from(cjk_dense || latin_dense || (words >= 12 && s.stop >= 0.3)));
        s
    }
}

/// Whether a line holds an address: a URL, a bare `www.` host or an e-mail's `@`.
pub(crate) fn has_link(text: &str) -> bool {
    text.contains("http") || text.contains("www.") || text.contains('@')
}

/// 8-bit lanes of [`ASCII_LANES`]' entries, one per count an ASCII character can add to.
const LANE_CHARS: usize = 0;
const LANE_DIGITS: usize = 1;
const LANE_LETTERS: usize = 2;
const LANE_UPPER: usize = 3;
const LANE_MARKS: usize = 4;
const LANE_COMMAS: usize = 5;
const LANE_SPECIAL: usize = 6;

const fn one(lane: usize) -> u64 {
    1u64 << (8 * lane)
}

/// For each ASCII byte, a 1 in the lane of every count [`Counts::ascii_char`] adds it to.
static ASCII_LANES: [u64; 128] = {
    let mut t = [0u64; 128];
    let mut b = 0u8;
    while b < 128 {
        let mut v = one(LANE_CHARS);
        if b.is_ascii_digit() {
            v += one(LANE_DIGITS);
        } else if b.is_ascii_alphabetic() {
            v += one(LANE_LETTERS);
            if b.is_ascii_uppercase() {
                v += one(LANE_UPPER);
            }
        } else if matches!(b, b'.' | b'!' | b'?') {
            v += one(LANE_MARKS);
        } else if matches!(b, b',' | b';') {
            v += one(LANE_COMMAS);
        } else if is_special(b as char) {
            v += one(LANE_SPECIAL);
        }
        t[b as usize] = v;
        b += 1;
    }
    t
};

/// The counts a line's measures are ratios of.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    chars: usize,
    digits: usize,
    special: usize,
    cjk: usize,
    cjk_fn: usize,
    letters: usize,
    upper: usize,
    marks: usize,
    commas: usize,
    /// Whitespace-separated tokens with a word character.
    tokens: usize,
    /// Tokens that are function words.
    stops: usize,
    /// Tokens starting with a letter of a script other than CJK and Hangul.
    alpha: usize,
    /// Of those, the ones starting with a capital.
    caps: usize,
    /// Tokens starting with a Hangul syllable.
    hangul: usize,
    /// Of those, the ones ending in a particle or verb ending.
    hangul_end: usize,
}

impl Counts {
    /// Counts a line. ASCII characters and ASCII tokens, most of most pages even where a line has
    /// a curly quote or a dash, are counted byte by byte without the Unicode tables; the figures
    /// are those of [`Counts::general`].
    fn of(text: &str) -> Self {
        let mut n = Counts::default();
        let bytes = text.as_bytes();
        let ascii = text.is_ascii();
        // ASCII characters add their classes' lanes (`ASCII_LANES`) to one packed sum: a table
        // load and an add a byte, where a branch per class mispredicts on every word. A lane
        // holds 255, so the sum is emptied every 255 characters.
        if ascii {
            for chunk in bytes.chunks(usize::from(u8::MAX)) {
                n.add_lanes(chunk.iter().map(|&b| ASCII_LANES[usize::from(b & 0x7F)]).sum());
            }
        } else {
            let (mut lanes, mut pending, mut i) = (0u64, 0u8, 0);
            while let Some(&b) = bytes.get(i) {
                if b.is_ascii() {
                    lanes += ASCII_LANES[usize::from(b)];
                    pending += 1;
                    if pending == u8::MAX {
                        n.add_lanes(lanes);
                        (lanes, pending) = (0, 0);
                    }
                    i += 1;
                } else if let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
                    n.char(c);
                    i += c.len_utf8();
                } else {
                    break;
                }
            }
            n.add_lanes(lanes);
        }
        let mut lower = String::new();
        if ascii {
            for tok in bytes.split(|b| is_ascii_space(*b)) {
                n.ascii_token(tok);
            }
        } else {
            for tok in text.split_whitespace() {
                if tok.is_ascii() {
                    n.ascii_token(tok.as_bytes());
                } else {
                    n.token(tok, &mut lower);
                }
            }
        }
        n
    }

    /// The reference count, one character and one token at a time.
    #[cfg(test)]
    fn general(text: &str) -> Self {
        let mut n = Counts::default();
        for c in text.chars() {
            n.char(c);
        }
        let mut lower = String::new();
        for tok in text.split_whitespace() {
            n.token(tok, &mut lower);
        }
        n
    }

    fn char(&mut self, c: char) {
        self.chars += 1;
        if c.is_ascii() {
            if c.is_ascii_digit() {
                self.digits += 1;
            } else if c.is_ascii_alphabetic() {
                self.letters += 1;
                self.upper += usize::from(c.is_ascii_uppercase());
            } else if is_special(c) {
                self.special += 1;
            }
        } else if is_cjk(c) {
            self.cjk += 1;
            self.cjk_fn += usize::from(CJK_FUNCTION.contains(c));
        } else if is_caseless(c) {
            self.letters += 1;
        } else if is_word_char(c) && c.is_alphabetic() {
            self.letters += 1;
            self.upper += usize::from(c.is_uppercase());
        } else if is_special(c) {
            self.special += 1;
        }
        match c {
            '.' | '!' | '?' | '。' | '！' | '？' => self.marks += 1,
            ',' | '、' | '，' | ';' => self.commas += 1,
            _ => {}
        }
    }

    /// Adds the counts packed in `lanes` (sums of [`ASCII_LANES`] entries, each lane below 256).
    fn add_lanes(&mut self, lanes: u64) {
        let lane = |k: usize| ((lanes >> (8 * k)) & 0xFF) as usize;
        self.chars += lane(LANE_CHARS);
        self.digits += lane(LANE_DIGITS);
        self.letters += lane(LANE_LETTERS);
        self.upper += lane(LANE_UPPER);
        self.marks += lane(LANE_MARKS);
        self.commas += lane(LANE_COMMAS);
        self.special += lane(LANE_SPECIAL);
    }

    /// [`Counts::char`] for an ASCII character, one branch per class ([`ASCII_LANES`] must agree).
    #[cfg(test)]
    fn ascii_char(&mut self, b: u8) {
        self.chars += 1;
        if b.is_ascii_digit() {
            self.digits += 1;
        } else if b.is_ascii_alphabetic() {
            self.letters += 1;
            self.upper += usize::from(b.is_ascii_uppercase());
        } else {
            match b {
                b'.' | b'!' | b'?' => self.marks += 1,
                b',' | b';' => self.commas += 1,
                _ => self.special += usize::from(is_special(char::from(b))),
            }
        }
    }

    fn token(&mut self, tok: &str, lower: &mut String) {
        let tok = tok.trim_matches(|c: char| !is_word_char(c));
        let Some(first) = tok.chars().next() else { return };
        self.tokens += 1;
        if first.is_alphabetic() && !is_cjk(first) {
            if ('\u{AC00}'..='\u{D7A3}').contains(&first) {
                self.hangul += 1;
                self.hangul_end += usize::from(tok.chars().last().is_some_and(|l| HANGUL_ENDINGS.contains(l)));
            } else {
                self.alpha += 1;
                self.caps += usize::from(first.is_uppercase());
            }
        }
        // No function word is longer than this; longer tokens need no lower-cased copy.
        if tok.len() <= max_stopword_bytes() {
            lower.clear();
            push_lowercase(lower, tok);
            self.stops += usize::from(is_stopword(lower));
        }
    }

    /// [`Counts::token`] for an ASCII token.
    #[inline]
    fn ascii_token(&mut self, tok: &[u8]) {
        let Some(start) = tok.iter().position(u8::is_ascii_alphanumeric) else { return };
        let end = tok.iter().rposition(u8::is_ascii_alphanumeric).map_or(start, |e| e + 1);
        let tok = &tok[start..end];
        self.tokens += 1;
        if tok[0].is_ascii_alphabetic() {
            self.alpha += 1;
            self.caps += usize::from(tok[0].is_ascii_uppercase());
        }
        self.stops += usize::from(is_ascii_stopword_any_case(tok));
    }
}

/// Names of the features, in order (for the training report and the model file).
pub const FEATURE_NAMES: &[&str] = &[
    "bias",
    "ln_words",
    "ln_chars",
    "stop",
    "ends",
    "marks",
    "commas",
    "title",
    "upper",
    "digits",
    "starts_lower",
    "special",
    "cjk",
    "cjk_function",
    "hangul_endings",
    "link",
    "dense",
    "ctx1_ln_words",
    "ctx1_stop",
    "ctx1_ends",
    "ctx1_title",
    "ctx1_dense",
    "ctx3_ln_words",
    "ctx3_stop",
    "ctx3_ends",
    "ctx3_title",
    "ctx3_dense",
    "ln_dist_dense_above",
    "ln_dist_dense_below",
    "between_dense",
    "in_main_block",
    "rel_position",
    "label_like",
    "stop_x_words",
    "after_copyright",
];

/// Number of features.
pub const N_FEATURES: usize = FEATURE_NAMES.len();

/// Feature vectors for every line, given every line's stats and which lines are copyright notices.
pub fn features(stats: &[LineStats], copyright: &[bool]) -> Vec<[f32; N_FEATURES]> {
    let n = stats.len();
    let first_copyright = copyright.iter().position(|c| *c).unwrap_or(n);
    let ln = |x: f32| (1.0 + x).ln();
    // Distances to the nearest dense line above and below.
    let mut above = vec![f32::INFINITY; n];
    let mut below = vec![f32::INFINITY; n];
    let mut last = None;
    for i in 0..n {
        if let Some(l) = last {
            above[i] = (i - l) as f32;
        }
        if stats[i].dense > 0.0 {
            last = Some(i);
        }
    }
    last = None;
    for i in (0..n).rev() {
        if let Some(l) = last {
            below[i] = (l - i) as f32;
        }
        if stats[i].dense > 0.0 {
            last = Some(i);
        }
    }
    let (block_start, block_end) = main_block(stats);
    // Prefix sums of the measures the context windows average, so each window costs O(1).
    let measures: [fn(&LineStats) -> f32; 5] =
        [|s| (1.0 + s.words).ln(), |s| s.stop, |s| s.ends, |s| s.title, |s| s.dense];
    let prefix: Vec<Vec<f32>> = measures
        .iter()
        .map(|m| {
            let mut acc = Vec::with_capacity(n + 1);
            acc.push(0.0);
            for s in stats {
                acc.push(acc[acc.len() - 1] + m(s));
            }
            acc
        })
        .collect();
    let window = |i: usize, k: usize, m: usize| {
        let lo = i.saturating_sub(k);
        let hi = (i + k + 1).min(n);
        let count = (hi - lo - 1) as f32;
        let sum = prefix[m][hi] - prefix[m][lo] - measures[m](&stats[i]);
        if count > 0.0 { sum / count } else { 0.0 }
    };
    let cap = |d: f32| if d.is_finite() { ln(d) } else { ln(50.0) };
    (0..n)
        .map(|i| {
            let s = &stats[i];
            let mut f = [0f32; N_FEATURES];
            let ctx = |k| [window(i, k, 0), window(i, k, 1), window(i, k, 2), window(i, k, 3), window(i, k, 4)];
            let c1 = ctx(1);
            let c3 = ctx(3);
            let own = [
                1.0,
                ln(s.words),
                ln(s.chars),
                s.stop,
                s.ends,
                s.marks,
                s.commas,
                s.title,
                s.upper,
                s.digits,
                s.starts_lower,
                s.special,
                s.cjk,
                s.cjk_function,
                s.hangul_endings,
                s.link,
                s.dense,
            ];
            f[..own.len()].copy_from_slice(&own);
            let mut k = own.len();
            for v in c1.into_iter().chain(c3) {
                f[k] = v;
                k += 1;
            }
            let rest = [
                cap(above[i]),
                cap(below[i]),
                f32::from(u8::from(above[i].is_finite() && below[i].is_finite())),
                f32::from(u8::from(i >= block_start && i <= block_end)),
                if n > 1 { i as f32 / (n - 1) as f32 } else { 0.0 },
                f32::from(u8::from(s.words <= 3.0 && s.marks == 0.0)),
                s.stop * ln(s.words),
                f32::from(u8::from(i > first_copyright)),
            ];
            f[k..].copy_from_slice(&rest);
            f
        })
        .collect()
}

/// The contiguous run of lines with the most running text: dense lines' words count for it, other
/// lines against it (a maximum-sum segment, as in body-text extraction).
pub(crate) fn main_block(stats: &[LineStats]) -> (usize, usize) {
    main_block_by(stats.len(), |i| {
        let s = &stats[i];
        // CJK lines count their English-equivalent words (`LineStats::of`).
        if s.dense > 0.0 { s.words } else { -(2.0 + s.words.min(10.0) / 2.0) }
    })
}

/// The maximum-sum run of `n` lines under `weight` (inclusive bounds; `(0, 0)` when empty).
pub(crate) fn main_block_by(n: usize, weight: impl Fn(usize) -> f32) -> (usize, usize) {
    let (mut best, mut best_range) = (f32::MIN, (0, 0));
    let (mut sum, mut start) = (0f32, 0);
    for i in 0..n {
        if sum <= 0.0 {
            sum = 0.0;
            start = i;
        }
        sum += weight(i);
        if sum > best {
            best = sum;
            best_range = (start, i);
        }
    }
    best_range
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{is_prose, word_count};

    fn stats(text: &str) -> LineStats {
        let w = word_count(text);
        LineStats::of(text, w, is_prose(text, 8))
    }

    #[test]
    fn prose_and_menus_measure_differently() {
        let p = stats("The council said on Tuesday that the work would begin in the spring, and residents were told.");
        let m = stats("Home | World | Business | Tech");
        assert!(p.stop > 0.3 && p.ends == 1.0 && p.dense == 1.0);
        assert!(m.stop < 0.1 && m.special >= 0.1 && m.dense == 0.0 && m.title == 1.0, "{m:?}");
        let ko = stats("정부는 22일 내년도 예산안을 발표하고 복지 분야 지출을 크게 늘리겠다고 밝혔다.");
        assert!(ko.hangul_endings > 0.3 && ko.dense == 1.0, "{ko:?}");
        let ja = stats("国家情報院は22日、北朝鮮とロシアの協力の動向を注視していると明らかにした。");
        assert!(ja.cjk > 0.5 && ja.cjk_function > 0.1 && ja.dense == 1.0, "{ja:?}");
    }

    #[test]
    fn every_function_word_is_found_and_others_are_not() {
        for w in STOPWORDS.split_whitespace() {
            assert!(w.len() <= max_stopword_bytes(), "{w} is longer than a look-up key");
            assert!(is_stopword(w), "{w}");
            if w.is_ascii() {
                assert!(is_ascii_stopword_any_case(w.to_uppercase().as_bytes()), "{w}");
            }
        }
        for w in ["", "th", "thee", "hte", "council", "zzzzzzzzz", "\0", "the\0"] {
            assert!(!is_stopword(w), "{w:?}");
        }
    }

    #[test]
    fn lines_count_as_the_general_count_does() {
        let lines = [
            "The Council (UN) said: \"no\" -- 12.5% of THE votes; A+ / B|C, why?",
            "",
            "  ...  ",
            "x_y 3rd",
            "“Naïve” café — Über 12 Grad, l’été… 정부는 밝혔다. 北朝鮮の派兵。",
        ];
        for line in lines {
            assert_eq!(Counts::of(line), Counts::general(line), "{line:?}");
        }
        // Longer than an 8-bit lane holds, with a non-ASCII character after the first flush.
        let long = format!("{}é{}", "Ab1. x|, ".repeat(8_000), "Z?; ".repeat(20_000));
        assert_eq!(Counts::of(&long), Counts::general(&long));
        for b in 0..128u8 {
            let mut by_branch = Counts::default();
            by_branch.ascii_char(b);
            let mut by_lanes = Counts::default();
            by_lanes.add_lanes(ASCII_LANES[usize::from(b)]);
            assert_eq!(by_lanes, by_branch, "{b}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_count_agrees_with_the_general_count(line in "[ -~\t]{0,80}") {
            proptest::prop_assert_eq!(Counts::of(&line), Counts::general(&line));
        }

        #[test]
        fn mixed_count_agrees_with_the_general_count(line in "[ -~\t\u{a0}-\u{24f}\u{2000}-\u{2030}가-힣の北。]{0,80}") {
            proptest::prop_assert_eq!(Counts::of(&line), Counts::general(&line));
        }
    }

    #[test]
    fn main_block_finds_the_prose_run() {
        let lines = [
            "Home",
            "World",
            "The council said on Tuesday that the work would begin in the spring, and residents were told.",
            "A subheading",
            "Officials added that the closure would last for several weeks while the bridge is repaired.",
            "Most popular",
            "Another story headline here",
            "Yet another story headline here",
        ];
        let s: Vec<LineStats> = lines.iter().map(|l| stats(l)).collect();
        assert_eq!(main_block(&s), (2, 4));
        let f = features(&s, &[false; 8]);
        assert_eq!(f.len(), lines.len());
        assert_eq!(f[3][FEATURE_NAMES.iter().position(|n| *n == "in_main_block").unwrap()], 1.0);
        assert_eq!(f[6][FEATURE_NAMES.iter().position(|n| *n == "in_main_block").unwrap()], 0.0);
    }
}
