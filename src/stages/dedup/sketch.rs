//! Fixed-size sketches of an article body for near-duplicate search.
//!
//! A body becomes a set of word shingles (`shingle_words` consecutive words, lower-cased, with
//! punctuation, quote style and whitespace ignored, every CJK character a word), and that set becomes
//! a one-permutation MinHash signature (Li, Owen and Zhang 2012: one hash per shingle, the minimum
//! kept per bin, empty bins filled from their neighbour) of [`SLOTS`] 16-bit values. Two signatures
//! agree in a share of slots that estimates the sets' Jaccard resemblance; with the set sizes, that
//! gives the containment of the smaller in the larger, which survives truncation and added paragraphs.
//!
//! Two small bottom-k sketches (the [`ENTITY_SLOTS`] smallest hashes: the whole set when it is
//! small, as entity sets usually are) cover the body's *entities*: its numbers, and its names
//! (capitalised words inside a sentence). Another outlet's edit leaves them as they are, but a different story written
//! from the same template ("shares rose 3%" / "shares fell 2%", other names) changes exactly them,
//! so comparing them tells such stories apart where the wording alone cannot.

/// Slots in the body signature.
pub const SLOTS: usize = 64;
/// Slots in each entity sketch (numbers, names).
pub(crate) const ENTITY_SLOTS: usize = 16;
/// Slots in the lead signature.
pub const LEAD_SLOTS: usize = 32;
/// Shingles at the start of a body that make its lead signature.
pub(crate) const LEAD_SHINGLES: u32 = 64;

const EMPTY: u32 = u32::MAX;
/// An unused slot of an entity sketch (no hash takes this value).
pub(crate) const NONE: u16 = u16::MAX;

/// A body's sketch, with the lead signature that is only needed to look it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketched {
    /// What the index keeps.
    pub sketch: Sketch,
    /// MinHash (full 32-bit values) of the first [`LEAD_SHINGLES`] shingles: a copy that was cut
    /// short or had paragraphs added at the end has the same lead even when the whole bodies differ
    /// too much in size for their signatures to collide.
    pub lead: [u32; LEAD_SLOTS],
}

impl Sketched {
    /// Bytes of the carried form: layout fingerprint, three counts, the slots, the lead.
    const CARRIED_BYTES: usize = 8 + 3 * 4 + (SLOTS + 2 * ENTITY_SLOTS) * 2 + LEAD_SLOTS * 4;

    /// The form carried on the internal stream between the extract and dedup roles (hex), marked
    /// with the sketch layout's fingerprint so that a dedup role configured otherwise sketches the
    /// body again instead of comparing unlike sketches.
    pub fn to_hex(&self, layout: u64) -> String {
        let s = &self.sketch;
        let mut bytes = Vec::with_capacity(Self::CARRIED_BYTES);
        bytes.extend_from_slice(&layout.to_le_bytes());
        for n in [s.shingles, s.number_count, s.name_count] {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        s.sig.iter().chain(&s.numbers).chain(&s.names).for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        self.lead.iter().for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        out
    }

    /// Reads [`Sketched::to_hex`]; `None` when it was made under another layout or is damaged.
    pub fn from_hex(text: &str, layout: u64) -> Option<Self> {
        let text = text.as_bytes();
        if text.len() != Self::CARRIED_BYTES * 2 {
            return None;
        }
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let bytes: Vec<u8> =
            text.chunks_exact(2).map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?)).collect::<Option<_>>()?;
        let mut r = bytes.as_slice();
        let mut take = |n: usize| {
            let (head, rest) = r.split_at_checked(n)?;
            r = rest;
            Some(head)
        };
        let u64_at = |b: &[u8]| b.try_into().ok().map(u64::from_le_bytes);
        if u64_at(take(8)?)? != layout {
            return None;
        }
        let mut u32s = || take(4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        let (shingles, number_count, name_count) = (u32s()?, u32s()?, u32s()?);
        let mut sig = [0u16; SLOTS];
        let mut numbers = [0u16; ENTITY_SLOTS];
        let mut names = [0u16; ENTITY_SLOTS];
        for v in sig.iter_mut().chain(numbers.iter_mut()).chain(names.iter_mut()) {
            *v = u16::from_le_bytes(take(2)?.try_into().ok()?);
        }
        let mut lead = [0u32; LEAD_SLOTS];
        for v in &mut lead {
            *v = u32::from_le_bytes(take(4)?.try_into().ok()?);
        }
        Some(Self { sketch: Sketch { sig, numbers, names, shingles, number_count, name_count }, lead })
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The sketch of one body, as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    /// MinHash of every shingle.
    pub sig: [u16; SLOTS],
    /// The smallest hashes of the distinct numbers, ascending, padded with [`NONE`].
    pub numbers: [u16; ENTITY_SLOTS],
    /// The smallest hashes of the distinct names, ascending, padded with [`NONE`].
    pub names: [u16; ENTITY_SLOTS],
    /// Shingles in the body (positions, so repeats count).
    pub shingles: u32,
    /// Numbers in the body (positions).
    pub number_count: u32,
    /// Names in the body (positions).
    pub name_count: u32,
}

impl Sketch {
    /// Share of agreeing slots: an estimate of the Jaccard resemblance of the two bodies.
    pub fn resemblance(&self, other: &Sketch) -> f64 {
        agreement(&self.sig, &other.sig)
    }

    /// Estimated containment of the smaller body's shingles in the larger, in `[0, 1]`.
    pub fn containment(&self, other: &Sketch) -> f64 {
        self.compare(other).1
    }

    /// Resemblance and containment together (one pass over the signatures).
    pub(crate) fn compare(&self, other: &Sketch) -> (f64, f64) {
        let j = self.resemblance(other);
        (j, containment(j, self.shingles, other.shingles))
    }

    /// Estimated containment of the smaller set of numbers in the larger.
    pub fn number_containment(&self, other: &Sketch) -> f64 {
        bottom_k_containment(&self.numbers, self.number_count, &other.numbers, other.number_count)
    }

    /// Estimated containment of the smaller set of names in the larger.
    pub fn name_containment(&self, other: &Sketch) -> f64 {
        bottom_k_containment(&self.names, self.name_count, &other.names, other.name_count)
    }
}

fn agreement<const N: usize>(a: &[u16; N], b: &[u16; N]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / N as f64
}

/// Containment of the smaller set in the larger from two bottom-k sketches: exact while both sets
/// fit; otherwise the resemblance among the k smallest of the union, scaled by the sizes (`count`:
/// occurrences, which bound the distinct values from above).
fn bottom_k_containment(a: &[u16; ENTITY_SLOTS], a_count: u32, b: &[u16; ENTITY_SLOTS], b_count: u32) -> f64 {
    let fill = |s: &[u16; ENTITY_SLOTS]| s.iter().take_while(|&&v| v != NONE).count();
    let (fa, fb) = (fill(a), fill(b));
    if fa == 0 || fb == 0 {
        return 0.0;
    }
    let common = |limit: u16| a[..fa].iter().filter(|&&v| v <= limit && b[..fb].binary_search(&v).is_ok()).count();
    if fa < ENTITY_SLOTS && fb < ENTITY_SLOTS {
        return common(NONE) as f64 / fa.min(fb) as f64;
    }
    // The k smallest of the union end at the k-th smallest of the merged lists.
    let mut merged: Vec<u16> = a[..fa].iter().chain(&b[..fb]).copied().collect();
    merged.sort_unstable();
    merged.dedup();
    let limit = merged[merged.len().min(ENTITY_SLOTS) - 1];
    let j = common(limit) as f64 / merged.len().min(ENTITY_SLOTS) as f64;
    let size = |fill: usize, count: u32| if fill < ENTITY_SLOTS { fill as u32 } else { count.max(fill as u32) };
    containment(j, size(fa, a_count), size(fb, b_count))
}

fn insert_bottom_k(s: &mut [u16; ENTITY_SLOTS], v: u16) {
    let v = v.min(NONE - 1);
    if let Err(at) = s.binary_search(&v)
        && at < ENTITY_SLOTS
    {
        s.copy_within(at..ENTITY_SLOTS - 1, at + 1);
        s[at] = v;
    }
}

/// From |A∩B| / |A∪B| = j and the sizes: |A∩B| = j (|A| + |B|) / (1 + j).
fn containment(j: f64, a: u32, b: u32) -> f64 {
    let small = a.min(b).max(1) as f64;
    let inter = j * (a as f64 + b as f64) / (1.0 + j);
    (inter / small).min(1.0)
}

/// Longest shingle, in words.
pub(crate) const MAX_SHINGLE_WORDS: usize = 16;

/// Turns bodies into sketches (allocating nothing).
#[derive(Debug)]
pub struct Sketcher {
    shingle_words: usize,
}

/// What sketching one body accumulates.
struct Acc {
    bins: [u32; SLOTS],
    lead_bins: [u32; LEAD_SLOTS],
    numbers: [u16; ENTITY_SLOTS],
    names: [u16; ENTITY_SLOTS],
    shingles: u32,
    number_count: u32,
    name_count: u32,
    tokens: usize,
    /// The last `w` token hashes; the next one goes to `pos`.
    ring: [u64; MAX_SHINGLE_WORDS],
    pos: usize,
    w: usize,
    /// Polynomial hash of the last `w` tokens, rolled one token at a time.
    rolling: u64,
    /// `ROLL_BASE` to the power `w - 1`.
    top: u64,
}

const ROLL_BASE: u64 = 0x9E37_79B9_7F4A_7C15;

impl Acc {
    fn token(&mut self, t: u64, digit: bool, name: bool) {
        if digit || name {
            let (set, count) = if digit {
                (&mut self.numbers, &mut self.number_count)
            } else {
                (&mut self.names, &mut self.name_count)
            };
            insert_bottom_k(set, mix(t) as u16);
            *count = count.saturating_add(1);
        }
        // Rolling the window's hash (rather than hashing w words per shingle) and avoiding `%`
        // made sketching several times faster.
        let old = if self.tokens >= self.w { self.ring[self.pos] } else { 0 };
        self.rolling = self.rolling.wrapping_sub(old.wrapping_mul(self.top)).wrapping_mul(ROLL_BASE).wrapping_add(t);
        self.ring[self.pos] = t;
        self.pos = if self.pos + 1 == self.w { 0 } else { self.pos + 1 };
        self.tokens += 1;
        if self.tokens >= self.w {
            self.shingle();
        }
    }

    /// Adds the shingle of the last `w` tokens (or of all, when there are fewer).
    fn shingle(&mut self) {
        let h = mix(self.rolling);
        if self.shingles < LEAD_SHINGLES {
            let bin = ((h >> 40) & (LEAD_SLOTS as u64 - 1)) as usize;
            self.lead_bins[bin] = self.lead_bins[bin].min(h as u32);
        }
        self.shingles = self.shingles.saturating_add(1);
        let bin = (h >> 58) as usize;
        self.bins[bin] = self.bins[bin].min(h as u32);
    }
}

impl Sketcher {
    /// A sketcher for shingles of `shingle_words` words (1 to [`MAX_SHINGLE_WORDS`]).
    pub fn new(shingle_words: usize) -> Self {
        Self { shingle_words: shingle_words.clamp(1, MAX_SHINGLE_WORDS) }
    }

    /// The sketch of the paragraphs, or `None` when they hold no word at all.
    pub fn sketch<'a>(&mut self, paragraphs: impl IntoIterator<Item = &'a str>) -> Option<Sketched> {
        self.sketch_by(paragraphs, Self::paragraph)
    }

    /// The sketch, with `split` splitting each paragraph into words.
    fn sketch_by<'a>(
        &self,
        paragraphs: impl IntoIterator<Item = &'a str>,
        split: fn(&str, &mut Acc),
    ) -> Option<Sketched> {
        let mut acc = Acc {
            bins: [EMPTY; SLOTS],
            lead_bins: [EMPTY; LEAD_SLOTS],
            numbers: [NONE; ENTITY_SLOTS],
            names: [NONE; ENTITY_SLOTS],
            shingles: 0,
            number_count: 0,
            name_count: 0,
            tokens: 0,
            ring: [0; MAX_SHINGLE_WORDS],
            pos: 0,
            w: self.shingle_words,
            rolling: 0,
            top: (1..self.shingle_words).fold(1u64, |p, _| p.wrapping_mul(ROLL_BASE)),
        };
        for p in paragraphs {
            split(p, &mut acc);
        }
        if acc.tokens == 0 {
            return None;
        }
        if acc.tokens < acc.w {
            acc.shingle();
        }
        let sketch = Sketch {
            sig: densify(acc.bins).map(|v| v as u16),
            numbers: acc.numbers,
            names: acc.names,
            shingles: acc.shingles,
            number_count: acc.number_count,
            name_count: acc.name_count,
        };
        Some(Sketched { sketch, lead: densify(acc.lead_bins) })
    }

    /// Splits a paragraph into words: ASCII through a class table, the Unicode tables only for
    /// other characters.
    fn paragraph(p: &str, acc: &mut Acc) {
        let bytes = p.as_bytes();
        let mut sentence_start = true;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let mut word = WordHasher::default();
            let (mut digit, upper);
            if b.is_ascii() {
                let class = ASCII_CLASS[usize::from(b)];
                if class & ALNUM == 0 {
                    sentence_start |= class & SENTENCE_END != 0;
                    i += 1;
                    continue;
                }
                // Most words are ASCII to their end: one pass finds the end and whether a digit
                // is in it, then the word is hashed eight bytes at a time.
                let start = i;
                let mut seen = 0;
                while let Some(&c) = bytes.get(i).map(|&b| &ASCII_CLASS[usize::from(b)])
                    && c & ALNUM != 0
                {
                    seen |= c;
                    i += 1;
                }
                digit = seen & DIGIT != 0;
                upper = b.is_ascii_uppercase();
                word.push_alphanumeric(&bytes[start..i]);
                i = rest_of_word(p, i, &mut word, &mut digit);
            } else {
                let (c, len) = char_at(p, i);
                if !crate::text::is_word_char(c) {
                    sentence_start |= matches!(c, '。' | '！' | '？');
                    i += len;
                    continue;
                }
                digit = c.is_numeric();
                upper = c.is_uppercase();
                word.push_char(c);
                i += len;
                // Every CJK character is a word of its own.
                if !crate::text::is_cjk(c) {
                    i = rest_of_word(p, i, &mut word, &mut digit);
                }
            }
            let name = !digit && !sentence_start && upper;
            sentence_start = false;
            acc.token(word.finish(), digit, name);
        }
    }
}

/// Reads on a word from byte `i` (`café`, `Zürich`: ASCII letters and digits, and other word
/// characters that are not CJK) character by character, and returns where it ends.
fn rest_of_word(p: &str, mut i: usize, word: &mut WordHasher, digit: &mut bool) -> usize {
    let bytes = p.as_bytes();
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            *digit |= b.is_ascii_digit();
            word.push(b.to_ascii_lowercase());
            i += 1;
            continue;
        }
        let (d, len) = char_at(p, i);
        if d.is_ascii() || !crate::text::is_word_char(d) || crate::text::is_cjk(d) {
            break;
        }
        *digit |= d.is_numeric();
        word.push_char(d);
        i += len;
    }
    i
}

/// [`ASCII_CLASS`]: a letter or digit.
const ALNUM: u8 = 1;
/// [`ASCII_CLASS`]: a digit.
const DIGIT: u8 = 2;
/// [`ASCII_CLASS`]: a mark that ends a sentence (`.`, `!`, `?`, `:`).
const SENTENCE_END: u8 = 4;

/// What each byte is to the word splitter (a byte of a longer UTF-8 character: nothing).
static ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() {
            ALNUM | DIGIT
        } else if c.is_ascii_alphabetic() {
            ALNUM
        } else if matches!(c, b'.' | b'!' | b'?' | b':') {
            SENTENCE_END
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The character starting at byte `i` (a char boundary) and its length in bytes.
#[inline]
fn char_at(s: &str, i: usize) -> (char, usize) {
    match s.as_bytes()[i] {
        b if b.is_ascii() => (char::from(b), 1),
        _ => s[i..].chars().next().map_or((' ', 1), |c| (c, c.len_utf8())),
    }
}

/// Hashes a word byte by byte as it is read, eight bytes per step, without gathering it first.
/// Sketches are persisted, so this hash must never change.
#[derive(Default)]
struct WordHasher {
    h: u64,
    word: u64,
    bytes: u32,
}

impl WordHasher {
    #[inline]
    fn push(&mut self, b: u8) {
        self.word |= u64::from(b) << (8 * (self.bytes & 7));
        self.bytes += 1;
        if self.bytes & 7 == 0 {
            self.fold();
        }
    }

    /// Pushes ASCII letters and digits, lower-cased: the same as pushing them one by one.
    #[inline]
    fn push_alphanumeric(&mut self, run: &[u8]) {
        let mut run = run;
        while self.bytes & 7 != 0
            && let Some((&b, rest)) = run.split_first()
        {
            self.push(b.to_ascii_lowercase());
            run = rest;
        }
        let mut chunks = run.chunks_exact(8);
        for chunk in chunks.by_ref() {
            let w = chunk.first_chunk::<8>().map_or(0, |a| u64::from_le_bytes(*a));
            // Digits and lower-case letters have bit 5 set already; setting it lower-cases an
            // upper-case letter.
            self.word = w | 0x2020_2020_2020_2020;
            self.bytes += 8;
            self.fold();
        }
        for &b in chunks.remainder() {
            self.push(b.to_ascii_lowercase());
        }
    }

    #[inline]
    fn push_char(&mut self, c: char) {
        if c.is_ascii() {
            return self.push((c as u8).to_ascii_lowercase());
        }
        let mut buf = [0u8; 4];
        for l in c.to_lowercase() {
            l.encode_utf8(&mut buf).bytes().for_each(|b| self.push(b));
        }
    }

    fn fold(&mut self) {
        self.h = (self.h ^ self.word).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
        self.word = 0;
    }

    fn finish(mut self) -> u64 {
        if self.bytes & 7 != 0 {
            self.fold();
        }
        mix(self.h ^ u64::from(self.bytes))
    }
}

/// A 64-bit finaliser (from SplitMix64): every input bit moves every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fills each empty bin from the next non-empty one to its right (circularly), salted with the
/// distance, so that two bodies with the same shingles fill the same way; an empty set stays empty.
fn densify<const N: usize>(bins: [u32; N]) -> [u32; N] {
    let mut out = [0u32; N];
    if bins.iter().all(|&b| b == EMPTY) {
        return out;
    }
    for i in 0..N {
        let mut d = 0;
        while bins[(i + d) % N] == EMPTY {
            d += 1;
        }
        let v = bins[(i + d) % N];
        out[i] = if d == 0 { v } else { mix(u64::from(v) ^ ((d as u64) << 40)) as u32 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The word splitter as it was before ASCII words were read through a class table and
    /// hashed eight bytes at a time (the sketches it made are persisted); what reads on past
    /// ASCII, unchanged, is shared.
    fn paragraph_one_by_one(p: &str, acc: &mut Acc) {
        let bytes = p.as_bytes();
        let mut sentence_start = true;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() && !b.is_ascii_alphanumeric() {
                sentence_start |= matches!(b, b'.' | b'!' | b'?' | b':');
                i += 1;
                continue;
            }
            let (c, len) = char_at(p, i);
            if !crate::text::is_word_char(c) {
                sentence_start |= matches!(c, '.' | '!' | '?' | ':' | '。' | '！' | '？');
                i += len;
                continue;
            }
            let mut word = WordHasher::default();
            let mut digit = c.is_numeric();
            let upper = c.is_uppercase();
            word.push_char(c);
            i += len;
            if !crate::text::is_cjk(c) {
                i = rest_of_word(p, i, &mut word, &mut digit);
            }
            let name = !digit && !sentence_start && upper;
            sentence_start = false;
            acc.token(word.finish(), digit, name);
        }
    }

    const STORY: &str = "The Karachi Stock Exchange has recorded its largest single day gain, surging 3.5% to a new \
        high after four hours of furious trading. Many investors said political stability could bring an economic \
        boom to the country. The index closed at 6709 points, an overall gain of nearly 400 points in the first two \
        trading days of the week, while energy and telecommunication stocks performed particularly well. In 2002 \
        the exchange was the best performing stock market in the world, with the index rising 112% over the year. \
        Jubilant investors danced on the streets as the market closed for the day on Tuesday, confident that the \
        boom will continue at least until the public holiday on 22 January.";

    fn sk(text: &str) -> Sketch {
        Sketcher::new(5).sketch(text.split("\n\n")).unwrap().sketch
    }

    #[test]
    fn same_text_in_another_dress_is_identical() {
        let a = sk(STORY);
        let b = sk(&STORY.to_uppercase().replace(' ', "  ").replace('\'', "\u{2019}"));
        assert_eq!(a.sig, b.sig);
        assert_eq!(a.resemblance(&b), 1.0);
    }

    #[test]
    fn truncated_copy_is_contained() {
        let a = sk(STORY);
        let half: String = STORY.split(". ").take(3).collect::<Vec<_>>().join(". ");
        let b = sk(&half);
        assert!(a.resemblance(&b) < 0.8);
        assert!(a.containment(&b) > 0.7, "containment {}", a.containment(&b));
    }

    #[test]
    fn changed_numbers_and_names_show_in_the_entity_signatures() {
        let a = sk(STORY);
        let b = sk(&STORY
            .replace("3.5", "7.1")
            .replace("6709", "5512")
            .replace("400", "250")
            .replace("2002", "1999")
            .replace("112", "87")
            .replace("22", "9")
            .replace("Karachi", "Lahore"));
        assert!(a.containment(&b) > 0.3);
        assert!(a.number_containment(&b) < 0.3, "number containment {}", a.number_containment(&b));
        assert!(a.name_containment(&b) < 0.9, "name containment {}", a.name_containment(&b));
        assert!(a.number_containment(&a) > 0.99 && a.name_containment(&a) > 0.99);
    }

    #[test]
    fn entity_sketches_are_exact_for_small_sets_and_estimate_large_ones() {
        let a = sk("In 2002 the index rose 112 points to 6709, and in 2003 it fell 40 points.");
        let cut = sk("In 2002 the index rose 112 points.");
        assert_eq!(a.number_containment(&cut), 1.0);
        let other = sk("In 1999 the index rose 87 points.");
        assert_eq!(a.number_containment(&other), 0.0);
        let many: Vec<String> = (0..200).map(|i| format!("Figure {i} was reported.")).collect();
        let half: Vec<String> = many[..100].to_vec();
        let (m, h) = (sk(&many.join(" ")), sk(&half.join(" ")));
        assert!(m.number_containment(&h) > 0.6, "{}", m.number_containment(&h));
        let shifted: Vec<String> = (1000..1200).map(|i| format!("Figure {i} was reported.")).collect();
        assert!(m.number_containment(&sk(&shifted.join(" "))) < 0.2);
    }

    #[test]
    fn unrelated_text_is_far() {
        let a = sk(STORY);
        let b = sk("Heavy rain flooded the valley overnight and the river burst its banks in three places, \
            forcing hundreds of families from their homes while rescue teams worked through the night to reach \
            villages cut off by the water, officials from the regional emergency service said on Sunday morning.");
        assert!(a.containment(&b) < 0.2, "containment {}", a.containment(&b));
    }

    #[test]
    fn empty_and_short_bodies() {
        assert!(Sketcher::new(5).sketch(["", " ... "]).is_none());
        let s = Sketcher::new(5).sketch(["Two words"]).unwrap().sketch;
        assert_eq!(s.shingles, 1);
        let cjk = Sketcher::new(5).sketch(["首相は本日、新しい経済対策を発表した。"]).unwrap().sketch;
        assert!(cjk.shingles > 10);
    }

    proptest! {
        /// Sketches are persisted: the class table and the eight-byte steps give exactly what the
        /// character-by-character splitter gave, for every shape of word.
        #[test]
        fn words_split_and_hash_as_one_character_at_a_time(text in "([A-Za-z0-9]{1,20}|[ .,!?:;'-]{1,3}|\\PC{1,3}|[éßÄ日本語한국。！？]{1,3}){0,80}") {
            let sketcher = Sketcher::new(4);
            let table = sketcher.sketch_by([text.as_str()], Sketcher::paragraph);
            let one_by_one = sketcher.sketch_by([text.as_str()], paragraph_one_by_one);
            prop_assert_eq!(table, one_by_one);
        }

        #[test]
        fn any_text_sketches_without_panic(text in "\\PC{0,400}") {
            let s = Sketcher::new(4).sketch([text.as_str()]).map(|s| s.sketch);
            if let Some(s) = s {
                prop_assert_eq!(s.resemblance(&s), 1.0);
                prop_assert!(s.containment(&s) > 0.99);
            }
        }

        #[test]
        fn one_edited_word_keeps_copies_close(words in proptest::collection::vec("[a-z]{2,9}", 120..200), at in 0usize..120) {
            let a = words.join(" ");
            let mut edited = words.clone();
            edited[at] = "zzzzzz".into();
            let b = edited.join(" ");
            let (sa, sb) = (sk(&a), sk(&b));
            prop_assert!(sa.containment(&sb) > 0.6, "containment {}", sa.containment(&sb));
        }

        /// The form carried between roles reads back as it was, under its layout only; any other
        /// text is refused, never a panic.
        #[test]
        fn carried_sketches_round_trip_and_anything_else_is_refused(
            text in "\\PC{0,300}",
            layout in any::<u64>(),
            garbage in "[0-9a-fA-FxyZ]{0,700}",
        ) {
            if let Some(s) = Sketcher::new(5).sketch([text.as_str()]) {
                let hex = s.to_hex(layout);
                prop_assert_eq!(Sketched::from_hex(&hex, layout), Some(s));
                prop_assert_eq!(Sketched::from_hex(&hex, layout ^ 1), None);
                prop_assert_eq!(Sketched::from_hex(&hex[..hex.len() - 1], layout), None);
            }
            let _ = Sketched::from_hex(&garbage, layout);
        }
    }
}
