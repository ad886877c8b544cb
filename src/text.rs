//! Small text measures shared by the cleaner and the extractor: words (CJK-aware), sentence
//! endings, prose-likeness, and the normalisation behind content hashes.

/// Whether `c` is written without spaces between words (Han, kana).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B..
}

/// Whether `c` is a letter or digit, answering the common cases (ASCII, typographic punctuation
/// such as curly quotes and dashes, Latin letters with accents, Hangul, CJK) without the Unicode
/// tables.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    match c as u32 {
        // Punctuation, arrows, maths, box drawing (w3m's rules), shapes, symbols.
        0x2000..=0x206F | 0x2190..=0x2BFF | 0x00A0..=0x00BF | 0x3000..=0x303F | 0xFF00..=0xFF0F => false,
        0x00C0..=0x024F => c != '×' && c != '÷',
        0xAC00..=0xD7A3 => true,
        _ if is_cjk(c) => true,
        _ => c.is_alphanumeric(),
    }
}

/// Whether `c` has no case (so lower-casing leaves it as it is): Hangul and CJK, the bulk of
/// non-Latin text newsmill sees.
pub(crate) fn is_caseless(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F) || is_cjk(c)
}

/// [`is_caseless`], or one of the punctuation marks, arrows, box drawing and shapes text browsers
/// draw rules and bullets with (a dump's rule is a line of a thousand `─`).
fn lowers_to_itself(c: char) -> bool {
    matches!(c as u32, 0x2000..=0x206F | 0x2190..=0x23FF | 0x2500..=0x27FF) || is_caseless(c)
}

/// Appends `s` lower-cased to `out`, skipping the Unicode tables where they cannot matter. The
/// same characters as [`str::to_lowercase`] but for a final `Σ`, which that makes `ς`.
pub(crate) fn push_lowercase(out: &mut String, s: &str) {
    // Runs of ASCII (most of a line even where it has a curly quote or a dash) and runs of
    // characters without case are copied whole; only the others go through the Unicode tables.
    let mut rest = s;
    while !rest.is_empty() {
        let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        rest = &rest[ascii..];
        let caseless =
            rest.char_indices().find(|(_, c)| c.is_ascii() || !lowers_to_itself(*c)).map_or(rest.len(), |(i, _)| i);
        out.push_str(&rest[..caseless]);
        rest = &rest[caseless..];
        let mut chars = rest.chars();
        if let Some(c) = chars.next().filter(|c| !c.is_ascii()) {
            out.extend(c.to_lowercase());
            rest = chars.as_str();
        }
    }
}

/// Whether an ASCII byte is whitespace as [`char::is_whitespace`] has it (which, unlike
/// [`u8::is_ascii_whitespace`], includes the vertical tab): what `split_whitespace` splits at.
pub const fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

/// For each ASCII byte: 1 for a letter or digit, 2 for whitespace ([`is_ascii_space`]), 0 else.
static ASCII_WORD_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0u8;
    while b < 128 {
        t[b as usize] = if b.is_ascii_alphanumeric() {
            1
        } else if is_ascii_space(b) {
            2
        } else {
            0
        };
        b += 1;
    }
    t
};

/// Words in `s`: whitespace-separated tokens with a letter or digit, where every CJK character
/// counts as one word (those scripts do not separate words with spaces).
///
/// ```
/// assert_eq!(newsmill::text::word_count("Troops to Ukraine — 2024"), 4);
/// assert_eq!(newsmill::text::word_count("北朝鮮の派兵"), 6);
/// ```
pub fn word_count(s: &str) -> usize {
    // Byte by byte, decoding only the characters outside ASCII: a word is a run between
    // whitespace with a letter or digit in it, and every CJK character is one.
    let bytes = s.as_bytes();
    if s.is_ascii() {
        // Most lines: one table load a byte and two bit operations carried from byte to byte
        // (no branch: which of space and letter-or-digit a byte is changes every few bytes, and
        // a mispredicted branch costs more than the arithmetic).
        let (mut count, mut alnum) = (0usize, 0u8);
        for &b in bytes {
            ascii_word_step(b, &mut count, &mut alnum);
        }
        return count + usize::from(alnum);
    }
    let (mut count, mut alnum, mut i) = (0, 0u8, 0);
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            ascii_word_step(b, &mut count, &mut alnum);
            i += 1;
            continue;
        }
        // Box drawing, arrows and shapes (U+2500-U+27FF; a dump's rules are lines of them) are
        // neither space nor part of a word: passed by their first two bytes.
        if b == 0xE2 && bytes.get(i + 1).is_some_and(|n| (0x94..=0x9F).contains(n)) {
            i += 3;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else { break };
        i += c.len_utf8();
        if c.is_whitespace() {
            count += usize::from(alnum);
            alnum = 0;
        } else if is_cjk(c) {
            count += 1;
        } else {
            alnum |= u8::from(is_word_char(c));
        }
    }
    count + usize::from(alnum)
}

/// One ASCII byte of [`word_count`]: a space ends the current token (counting it if it had a
/// letter or digit, `alnum` being 1), a letter or digit marks it.
#[inline(always)]
fn ascii_word_step(b: u8, count: &mut usize, alnum: &mut u8) {
    let class = ASCII_WORD_CLASS[usize::from(b & 0x7F)];
    let space = class >> 1;
    *count += usize::from(*alnum & space);
    *alnum = (*alnum | (class & 1)) & (space ^ 1);
}

/// [`word_count`] one token and character at a time (the reference the fast count is tested against).
#[cfg(test)]
fn word_count_chars(s: &str) -> usize {
    let mut count = 0;
    for tok in s.split_whitespace() {
        let mut other_word = false;
        for c in tok.chars() {
            if c.is_ascii() {
                other_word |= c.is_ascii_alphanumeric();
            } else if is_cjk(c) {
                count += 1;
            } else {
                other_word |= is_word_char(c);
            }
        }
        count += usize::from(other_word);
    }
    count
}

/// Whether the line ends like a sentence (allowing closing quotes and brackets after the mark).
pub(crate) fn ends_sentence(s: &str) -> bool {
    sentence_end(s).is_some()
}

/// The mark a line ends its sentence with (closing quotes and brackets after it allowed), if it
/// ends like a sentence.
pub(crate) fn sentence_end(s: &str) -> Option<char> {
    let trimmed = s.trim_end_matches(|c: char| {
        matches!(c, '"' | '\'' | '”' | '’' | '」' | '』' | ')' | '）' | ']' | '»' | '›') || c.is_whitespace()
    });
    // A trailing ellipsis is a teaser, not a sentence.
    let end =
        trimmed.chars().next_back().filter(|c| matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…' | '다' | '요'));
    end.filter(|_| !trimmed.ends_with("..."))
}

/// Whether a line reads as article prose rather than a label, menu item or headline.
#[cfg(test)]
pub(crate) fn is_prose(s: &str, min_words: usize) -> bool {
    is_prose_counted(s, word_count(s), min_words)
}

/// [`is_prose`] for a line whose word count is known.
pub(crate) fn is_prose_counted(s: &str, words: usize, min_words: usize) -> bool {
    words >= min_words * 3 || (words >= min_words && ends_sentence(s))
}

/// Whether [`normalize_line`] would return `s` unchanged: single spaces between words, nothing
/// to trim, no other whitespace. (An ASCII line keeps a vertical tab, as it always has.)
fn is_plain(s: &str) -> bool {
    let b = s.as_bytes();
    let ascii_plain = b.first().is_none_or(|c| !c.is_ascii_whitespace())
        && b.last().is_none_or(|c| !c.is_ascii_whitespace())
        && memchr::memchr3(b'\t', b'\n', b'\r', b).is_none()
        && memchr::memchr(b'\x0C', b).is_none()
        && !s.contains("  ");
    if !ascii_plain {
        return false;
    }
    if s.is_ascii() {
        return true;
    }
    // The whitespace and zero-width characters outside ASCII all start with one of these pairs of
    // bytes in UTF-8 (U+0085, U+00A0; U+1680; U+2000-U+205F; U+3000; U+FEFF); curly quotes and
    // dashes share the third pair, so those characters are decoded and looked at, while the box
    // drawing and arrows a text browser draws with (`E2 94 80`) are passed by their second byte.
    let line_space_at = |i: usize| {
        b.get(i + 1).is_some_and(|&next| may_start_line_space(b[i], next))
            && s.get(i..).and_then(|rest| rest.chars().next()).is_some_and(is_line_space)
    };
    !b.contains(&b'\x0B')
        && !memchr::memchr3_iter(0xC2, 0xE2, 0xE3, b).any(line_space_at)
        && !memchr::memchr2_iter(0xE1, 0xEF, b).any(line_space_at)
}

/// Whether a character whose UTF-8 starts with the bytes `lead`, `next` may be one [`is_line_space`]
/// takes (checked against every character by a test).
fn may_start_line_space(lead: u8, next: u8) -> bool {
    matches!((lead, next), (0xC2, 0x85 | 0xA0) | (0xE1, 0x9A) | (0xE2, 0x80 | 0x81) | (0xE3, 0x80) | (0xEF, 0xBB))
}

/// What [`normalize_line`] splits at.
fn is_line_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{FEFF}')
}

/// `s` cut to at most `max` bytes at a word boundary: after the last whitespace in the last
/// quarter of the allowed bytes, or at a character boundary when a word fills all of it.
pub(crate) fn cut_at_word(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let window = crate::record::truncate_str(s, max);
    let end = window.len();
    match window.rfind(char::is_whitespace) {
        Some(at) if at >= end - end / 4 && at > 0 => window[..at].trim_end(),
        _ => window,
    }
}

/// Collapses runs of whitespace (including NBSP and zero-width characters) to one space and trims;
/// a line that shows nothing (joiners, soft hyphens and direction marks alone) becomes empty.
pub(crate) fn normalize_line(s: &str) -> String {
    // Most lines are already normal: single spaces, nothing to trim.
    let line = if is_plain(s) { s.to_string() } else { collapse_spaces(s) };
    // A paragraph holding only a zero-width joiner (Webflow's `<p>&zwj;</p>` between
    // paragraphs) is an empty line; inside a line the joiner stays, it joins emoji.
    if line.as_bytes().first().is_some_and(|b| !b.is_ascii()) && line.chars().all(|c| c == ' ' || is_invisible(c)) {
        return String::new();
    }
    line
}

/// Characters that show nothing and are not whitespace: joiners, soft hyphens, direction marks.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200D}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}')
}

/// [`normalize_line`] the long way.
fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split(is_line_space) {
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Feeds the text a content hash is taken over to `out`: lower case, one space between words,
/// typographic quotes and dashes folded, so that whitespace, case and quote style do not make a
/// copy look new.
fn normalized_pieces<'a>(paragraphs: impl IntoIterator<Item = &'a str>, out: &mut dyn FnMut(&[u8])) {
    let mut first = true;
    let mut buf = [0u8; 256];
    let mut folded = String::new();
    for p in paragraphs {
        // Most paragraphs have single spaces already (and no vertical tab, at which
        // `split_whitespace` splits though `is_plain` keeps it): their normal form is theirs with
        // every character folded, runs of ASCII lower-cased a buffer at a time.
        if !p.is_empty() && is_plain(p) && !p.as_bytes().contains(&b'\x0B') {
            if !first {
                out(b" ");
            }
            first = false;
            let bytes = p.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let run = bytes[i..].iter().position(|b| !b.is_ascii()).unwrap_or(bytes.len() - i);
                for chunk in bytes[i..i + run].chunks(buf.len()) {
                    let b = &mut buf[..chunk.len()];
                    b.copy_from_slice(chunk);
                    b.make_ascii_lowercase();
                    out(b);
                }
                i += run;
                if let Some(c) = p.get(i..).and_then(|rest| rest.chars().next()) {
                    folded.clear();
                    fold_char(c, &mut folded);
                    out(folded.as_bytes());
                    i += c.len_utf8();
                }
            }
            continue;
        }
        for word in p.split_whitespace() {
            if !first {
                out(b" ");
            }
            first = false;
            if word.is_ascii() {
                for chunk in word.as_bytes().chunks(buf.len()) {
                    let b = &mut buf[..chunk.len()];
                    b.copy_from_slice(chunk);
                    b.make_ascii_lowercase();
                    out(b);
                }
                continue;
            }
            folded.clear();
            for c in word.chars() {
                fold_char(c, &mut folded);
            }
            out(folded.as_bytes());
        }
    }
}

/// One character as the content hash sees it: typographic quotes and dashes as ASCII ones, the
/// rest in lower case.
fn fold_char(c: char, out: &mut String) {
    match c {
        '“' | '”' | '„' | '«' | '»' => out.push('"'),
        '‘' | '’' | '‚' => out.push('\''),
        '–' | '—' => out.push('-'),
        _ => out.extend(c.to_lowercase()),
    }
}

/// The normalised text behind a content hash (see [`content_hash`]).
#[cfg(test)]
pub(crate) fn normalize_for_hash<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> String {
    let mut bytes = Vec::new();
    normalized_pieces(paragraphs, &mut |b| bytes.extend_from_slice(b));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// xxh3-128 of the normalised paragraphs, as 32 hex digits, and the raw value.
pub fn content_hash<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> (u128, String) {
    // Word-sized updates are slow for a streaming hasher: gather pieces into blocks first.
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut block = [0u8; 4096];
    let mut len = 0;
    normalized_pieces(paragraphs, &mut |mut b| {
        while !b.is_empty() {
            if len == block.len() {
                hasher.update(&block);
                len = 0;
            }
            let n = b.len().min(block.len() - len);
            block[len..len + n].copy_from_slice(&b[..n]);
            len += n;
            b = &b[n..];
        }
    });
    hasher.update(&block[..len]);
    let h = hasher.digest128();
    (h, format!("{h:032x}"))
}

/// One automaton for several lists of words, each list with its label: every match says whose word
/// it is. Matched without regard to ASCII case, as a DFA (it is asked of many short texts, so speed
/// matters more than its memory). The words are the program's own, so building cannot fail.
pub(crate) fn labelled_words<L: Copy>(lists: &[(&[&str], L)]) -> (aho_corasick::AhoCorasick, Vec<L>) {
    let (mut words, mut labels) = (Vec::new(), Vec::new());
    for (list, label) in lists {
        for w in *list {
            words.push(*w);
            labels.push(*label);
        }
    }
    let automaton = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .match_kind(aho_corasick::MatchKind::Standard)
        .build(&words)
        .unwrap_or_else(|e| panic!("built-in word lists are valid: {e}"));
    (automaton, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`normalized_pieces`] one word at a time, every paragraph (the reference for its fast path).
    fn normalized_by_word(paragraphs: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for word in paragraphs.iter().flat_map(|p| p.split_whitespace()) {
            if !out.is_empty() {
                out.push(b' ');
            }
            let mut folded = String::new();
            for c in word.chars() {
                fold_char(c, &mut folded);
            }
            out.extend_from_slice(folded.as_bytes());
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn normalized_text_is_the_word_by_word_one(ps in proptest::collection::vec("[ -~\t\x0b\u{a0}\u{2009}“’—ΣÉé가]{0,30}", 0..4)) {
            let refs: Vec<&str> = ps.iter().map(String::as_str).collect();
            let mut fast = Vec::new();
            normalized_pieces(refs.iter().copied(), &mut |b| fast.extend_from_slice(b));
            proptest::prop_assert_eq!(fast, normalized_by_word(&refs));
        }
    }

    #[test]
    fn every_line_space_outside_ascii_starts_as_looked_for() {
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32).filter(|c| is_line_space(*c)) {
            let mut buf = [0u8; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert!(may_start_line_space(b[0], b[1]), "{:X}", c as u32);
        }
    }

    #[test]
    fn caseless_characters_have_no_lower_case() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32).filter(|c| lowers_to_itself(*c)) {
            assert!(c.to_lowercase().eq([c]), "{c:?} {:X}", c as u32);
        }
    }

    proptest::proptest! {
        #[test]
        fn lower_casing_is_the_standard_one_but_for_final_sigma(line in "[ -~“’—ÉéİŞÖ가中ΑΒσ─■→Ⅻⓐ]{0,40}") {
            let mut out = String::from("x");
            push_lowercase(&mut out, &line);
            proptest::prop_assert_eq!(&out[1..], line.to_lowercase());
        }

        #[test]
        fn ascii_word_count_agrees_with_the_general_count(line in "[ -~\t\n\r\x0b\x0c]{0,60}") {
            proptest::prop_assert_eq!(word_count(&line), word_count_chars(&line));
        }

        #[test]
        fn plain_lines_are_the_ones_without_whitespace_to_mend(line in "[ -~\t\n\r\x0b\x0c]{0,40}") {
            let b = line.as_bytes();
            let by_windows = b.first().is_none_or(|c| !c.is_ascii_whitespace())
                && b.last().is_none_or(|c| !c.is_ascii_whitespace())
                && !b.windows(2).any(|w| w[0].is_ascii_whitespace() && (w[1].is_ascii_whitespace() || w[0] != b' '));
            proptest::prop_assert_eq!(is_plain(&line), by_windows);
        }

        #[test]
        fn plain_lines_need_no_mending(line in "[ -~\t\x0b\u{85}\u{a0}\u{1680}\u{2000}-\u{2030}\u{205f}\u{3000}\u{feff}\u{2500}-\u{2503}→é가北]{0,40}") {
            // (ASCII lines are the test above's.)
            if !line.is_ascii() && is_plain(&line) {
                proptest::prop_assert_eq!(collapse_spaces(&line), line);
            }
        }

        #[test]
        fn word_count_agrees_with_the_general_count(line in "[ -~\t\u{85}\u{a0}-\u{24f}\u{2000}-\u{2030}\u{3000}\u{2480}-\u{2810}가-힣の北。]{0,60}") {
            proptest::prop_assert_eq!(word_count(&line), word_count_chars(&line));
        }
    }

    #[test]
    fn words_in_many_scripts() {
        assert_eq!(word_count("The quick brown fox."), 4);
        assert_eq!(word_count("북한군 파병 가능성"), 3);
        assert_eq!(word_count("北朝鮮の派兵"), 6);
        assert_eq!(word_count("— | 2024"), 1);
    }

    #[test]
    fn prose_vs_headline() {
        assert!(is_prose("He added, \"This was once dismissed as mere imagination but is now real.\"", 8));
        assert!(!is_prose("NIS \"Monitoring Cooperation\"... Possibility of North Korea Dispatching Troops", 8));
        assert!(!is_prose("Read more...", 1));
        assert!(is_prose("国家情報院は22日、北朝鮮とロシアの協力の動向を注視していると明らかにした。", 8));
    }

    #[test]
    fn streamed_hash_equals_hash_of_normalized_text() {
        let paras = ["He said “YES” — twice.", "Next  para"];
        assert_eq!(normalize_for_hash(paras), "he said \"yes\" - twice. next para");
        let (h, _) = content_hash(paras);
        assert_eq!(h, xxhash_rust::xxh3::xxh3_128(normalize_for_hash(paras).as_bytes()));
    }

    #[test]
    fn hash_ignores_case_space_and_quotes() {
        let (a, _) = content_hash(["He said “yes”.", "Next  para"]);
        let (b, _) = content_hash(["he said \"YES\".", "next para"]);
        let (c, _) = content_hash(["he said no.", "next para"]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(normalize_line("  a\u{a0}\u{200b} b\t c "), "a b c");
        assert_eq!(normalize_line("a\tb"), "a b");
        assert_eq!(normalize_line("plain line, as is"), "plain line, as is");
        assert_eq!(normalize_line("a\x0cb"), "a b");
    }

    #[test]
    fn a_line_of_invisible_characters_is_empty() {
        assert_eq!(normalize_line("\u{200d}"), "");
        assert_eq!(normalize_line("\u{200d} \u{200c}\u{a0}"), "");
        assert_eq!(normalize_line("\u{ad}\u{2060}"), "");
        assert_eq!(normalize_line(" \u{200d} "), "");
        // Joiners inside text and emoji stay.
        assert_eq!(normalize_line("👨\u{200d}👩"), "👨\u{200d}👩");
        assert_eq!(normalize_line("\u{200d}a"), "\u{200d}a");
    }
}
