//! Fixed-size sketches of an article body for near-duplicate search.
//!
//! A body becomes a set of word shingles (`shingle_words` consecutive words, lower-cased, with
//! punctuation, quote style and whitespace ignored, every CJK character a word), and that set becomes
//! a one-permutation MinHash signature (Li, Owen and Zhang 2012: one hash per shingle, the minimum
//! kept per bin, empty bins filled from their neighbour) of [`SLOTS`] 16-bit values. Two signatures
//! agree in a share of slots that estimates the sets' Jaccard resemblance; with the set sizes, that
//! gives the containment of the smaller in the larger, which survives truncation and added paragraphs.
//!
//! Two small signatures cover the body's *entities*: its numbers, and its names (capitalised words
//! inside a sentence). Another outlet's edit leaves them as they are, but a different story written
//! from the same template ("shares rose 3%" / "shares fell 2%", other names) changes exactly them,
//! so comparing them tells such stories apart where the wording alone cannot.

/// Slots in the body signature.
pub const SLOTS: usize = 64;
/// Slots in each entity signature (numbers, names).
pub const ENTITY_SLOTS: usize = 16;
/// Slots in the lead signature.
pub const LEAD_SLOTS: usize = 32;
/// Shingles at the start of a body that make its lead signature.
pub const LEAD_SHINGLES: u32 = 64;

const EMPTY: u32 = u32::MAX;

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

/// The sketch of one body, as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    /// MinHash of every shingle.
    pub sig: [u16; SLOTS],
    /// MinHash of the numbers.
    pub numbers: [u16; ENTITY_SLOTS],
    /// MinHash of the names.
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

    /// Estimated containment of the smaller body's shingles in the larger's, in `[0, 1]`.
    pub fn containment(&self, other: &Sketch) -> f64 {
        containment(self.resemblance(other), self.shingles, other.shingles)
    }

    /// Estimated containment of the smaller set of numbers in the larger.
    pub fn number_containment(&self, other: &Sketch) -> f64 {
        containment(agreement(&self.numbers, &other.numbers), self.number_count, other.number_count)
    }

    /// Estimated containment of the smaller set of names in the larger.
    pub fn name_containment(&self, other: &Sketch) -> f64 {
        containment(agreement(&self.names, &other.names), self.name_count, other.name_count)
    }
}

fn agreement<const N: usize>(a: &[u16; N], b: &[u16; N]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / N as f64
}

/// From |A∩B| / |A∪B| = j and the sizes: |A∩B| = j (|A| + |B|) / (1 + j).
fn containment(j: f64, a: u32, b: u32) -> f64 {
    let small = a.min(b).max(1) as f64;
    let inter = j * (a as f64 + b as f64) / (1.0 + j);
    (inter / small).min(1.0)
}

/// Turns bodies into sketches; holds its buffers so that sketching allocates nothing per body.
#[derive(Debug)]
pub struct Sketcher {
    shingle_words: usize,
    word: String,
    /// Token hashes of the current window.
    window: Vec<u64>,
}

impl Sketcher {
    /// A sketcher for shingles of `shingle_words` words (at least 1).
    pub fn new(shingle_words: usize) -> Self {
        let shingle_words = shingle_words.max(1);
        Self { shingle_words, word: String::new(), window: Vec::with_capacity(shingle_words) }
    }

    /// The sketch of the paragraphs, or `None` when they hold no word at all.
    pub fn sketch<'a>(&mut self, paragraphs: impl IntoIterator<Item = &'a str>) -> Option<Sketched> {
        let mut bins = [EMPTY; SLOTS];
        let mut lead_bins = [EMPTY; LEAD_SLOTS];
        let mut number_bins = [EMPTY; ENTITY_SLOTS];
        let mut name_bins = [EMPTY; ENTITY_SLOTS];
        let mut shingles = 0u32;
        let mut number_count = 0u32;
        let mut name_count = 0u32;
        let mut tokens = 0usize;
        self.window.clear();
        let w = self.shingle_words;
        let mut emit = |window: &[u64]| {
            let mut h = 0x243F_6A88_85A3_08D3u64;
            for &t in window {
                h = (h.rotate_left(23) ^ t).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            let h = mix(h);
            if shingles < LEAD_SHINGLES {
                let bin = ((h >> 40) & (LEAD_SLOTS as u64 - 1)) as usize;
                lead_bins[bin] = lead_bins[bin].min(h as u32);
            }
            shingles = shingles.saturating_add(1);
            let bin = (h >> 58) as usize;
            bins[bin] = bins[bin].min(h as u32);
        };
        for p in paragraphs {
            let mut sentence_start = true;
            let mut chars = p.char_indices().peekable();
            while let Some((_, c)) = chars.next() {
                if !crate::text::is_word_char(c) {
                    if matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | ':') {
                        sentence_start = true;
                    }
                    continue;
                }
                self.word.clear();
                let mut digit = c.is_numeric();
                let upper = c.is_uppercase();
                if crate::text::is_cjk(c) {
                    self.word.push(c);
                } else {
                    push_lower(&mut self.word, c);
                    while let Some(&(_, d)) = chars.peek() {
                        if !crate::text::is_word_char(d) || crate::text::is_cjk(d) {
                            break;
                        }
                        digit |= d.is_numeric();
                        push_lower(&mut self.word, d);
                        chars.next();
                    }
                }
                let t = xxhash_rust::xxh3::xxh3_64(self.word.as_bytes());
                if digit || (upper && !sentence_start) {
                    let (bins, count) =
                        if digit { (&mut number_bins, &mut number_count) } else { (&mut name_bins, &mut name_count) };
                    let h = mix(t);
                    let bin = (h >> 60) as usize;
                    bins[bin] = bins[bin].min(h as u32);
                    *count = count.saturating_add(1);
                }
                sentence_start = false;
                tokens += 1;
                if self.window.len() == w {
                    self.window.remove(0);
                }
                self.window.push(t);
                if self.window.len() == w {
                    emit(&self.window);
                }
            }
        }
        if tokens == 0 {
            return None;
        }
        if tokens < w {
            emit(&self.window);
        }
        let sketch = Sketch {
            sig: densify(bins).map(|v| v as u16),
            numbers: densify(number_bins).map(|v| v as u16),
            names: densify(name_bins).map(|v| v as u16),
            shingles,
            number_count,
            name_count,
        };
        Some(Sketched { sketch, lead: densify(lead_bins) })
    }
}

fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else {
        out.extend(c.to_lowercase());
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
        let b = sk(&STORY.replace("3.5", "7.1").replace("6709", "5512").replace("400", "250").replace("2002", "1999")
            .replace("112", "87").replace("22", "9").replace("Karachi", "Lahore"));
        assert!(a.containment(&b) > 0.3);
        assert!(a.number_containment(&b) < 0.3, "number containment {}", a.number_containment(&b));
        assert!(a.name_containment(&b) < 0.9, "name containment {}", a.name_containment(&b));
        assert!(a.number_containment(&a) > 0.99 && a.name_containment(&a) > 0.99);
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
    }
}
