//! Turning input bytes into text. The order, first match wins:
//!
//! 1. a byte-order mark: UTF-8, UTF-16 (LE/BE) and UTF-32 (LE/BE);
//! 2. UTF-32 or UTF-16 without a mark, from where their NUL bytes fall;
//! 3. what the document declares: an XML declaration (`<?xml ... encoding="..."?>`, any input)
//!    or, in HTML, `<meta charset>`; a declared legacy encoding loses to UTF-8 when the bytes
//!    are valid UTF-8 with multi-byte characters (a page saved again without its declaration
//!    changed is far likelier than legacy text that happens to be valid UTF-8);
//! 4. 7-bit escape encodings: ISO-2022-JP and ISO-2022-KR;
//! 5. valid UTF-8;
//! 6. statistical detection (`chardetng`: the WHATWG legacy encodings), then, for Cyrillic
//!    text, a choice among the six Cyrillic code pages in use, two of which (x-mac-cyrillic and
//!    the DOS page IBM855) `chardetng` never names; Korean text that is neither UTF-8 nor EUC-KR
//!    is tried as Johab.
//!
//! Labels outside the WHATWG standard that real documents declare (`cp855`, `johab`,
//! `iso-2022-kr`, `utf-32`, `maccyrillic`, ...) are understood. Stray NULs and control characters
//! inside text are dropped and counted; input is refused as binary only when they are a sizeable
//! share of it.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

/// Why bytes could not be taken as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Too many NUL bytes or control characters for text.
    #[error("binary content ({0})")]
    Binary(String),
}

/// Decoded text and the encoding it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a byte-order mark, stray NULs or control characters.
    pub text: String,
    /// The source encoding's name when it was not UTF-8.
    pub charset: Option<&'static str>,
    /// How the encoding was found.
    pub how: How,
    /// NULs and other control characters dropped from the text.
    pub dropped_controls: usize,
}

/// How the encoding of a document was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// A byte-order mark.
    Bom,
    /// The pattern of NUL bytes of UTF-16 or UTF-32 text without a mark.
    NulPattern,
    /// An XML declaration or an HTML `<meta charset>`.
    Declared,
    /// Valid UTF-8 (or plain ASCII).
    Utf8,
    /// Escape sequences of a 7-bit encoding, or statistics of the bytes.
    Detected,
}

/// An encoding newsmill can decode: one of the WHATWG standard, or one of the few others real
/// documents are still found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// An encoding of the WHATWG Encoding Standard.
    Web(&'static Encoding),
    /// UTF-32, little-endian.
    Utf32Le,
    /// UTF-32, big-endian.
    Utf32Be,
    /// ISO-2022-KR (RFC 1557): KS X 1001 shifted in and out of 7-bit text.
    Iso2022Kr,
    /// The DOS Cyrillic code page 855.
    Ibm855,
    /// Korean Johab (KS X 1001:1992 annex 3).
    Johab,
}

impl Charset {
    /// The encoding's name as written in the output's `source.charset`.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Web(e) => e.name(),
            Charset::Utf32Le => "UTF-32LE",
            Charset::Utf32Be => "UTF-32BE",
            Charset::Iso2022Kr => "ISO-2022-KR",
            Charset::Ibm855 => "IBM855",
            Charset::Johab => "Johab",
        }
    }

    /// The encoding a label names, WHATWG labels and the common others.
    pub(crate) fn for_label(label: &[u8]) -> Option<Charset> {
        let label = String::from_utf8_lossy(label).trim().to_ascii_lowercase();
        let other = match label.as_str() {
            "utf-32" | "utf32" | "utf-32le" | "ucs-4" | "ucs-4le" => Some(Charset::Utf32Le),
            "utf-32be" | "ucs-4be" => Some(Charset::Utf32Be),
            "iso-2022-kr" | "csiso2022kr" => Some(Charset::Iso2022Kr),
            "ibm855" | "cp855" | "855" | "csibm855" | "cspc855" => Some(Charset::Ibm855),
            "johab" | "cp1361" | "ms1361" | "x-johab" => Some(Charset::Johab),
            "maccyrillic" | "mac-cyrillic" | "x-maccyrillic" => Some(Charset::Web(encoding_rs::X_MAC_CYRILLIC)),
            "macroman" | "mac-roman" | "x-macroman" => Some(Charset::Web(encoding_rs::MACINTOSH)),
            "cp949" | "uhc" | "ms949" => Some(Charset::Web(encoding_rs::EUC_KR)),
            "cp932" | "ms932" | "sjis" => Some(Charset::Web(encoding_rs::SHIFT_JIS)),
            "cp936" | "ms936" => Some(Charset::Web(encoding_rs::GBK)),
            "cp950" | "ms950" | "big5-hkscs" => Some(Charset::Web(encoding_rs::BIG5)),
            _ => None,
        };
        other.or_else(|| match Encoding::for_label(label.as_bytes()) {
            // The WHATWG maps ISO-2022-KR and a few others to "replacement", which decodes
            // nothing; those the list above knows were handled there.
            Some(e) if e == encoding_rs::REPLACEMENT => None,
            Some(e) => Some(Charset::Web(e)),
            None => None,
        })
    }

    /// Decodes `bytes` (no byte-order mark) into text; malformed sequences become U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        match self {
            Charset::Web(e) => e.decode_without_bom_handling(bytes).0,
            Charset::Utf32Le => Cow::Owned(decode_utf32(bytes, u32::from_le_bytes)),
            Charset::Utf32Be => Cow::Owned(decode_utf32(bytes, u32::from_be_bytes)),
            Charset::Iso2022Kr => Cow::Owned(decode_iso2022kr(bytes)),
            Charset::Ibm855 => Cow::Owned(decode_single_byte(bytes, &oem_cp::code_table::DECODING_TABLE_CP855)),
            Charset::Johab => Cow::Owned(decode_johab(bytes)),
        }
    }

    fn is_utf8(self) -> bool {
        self == Charset::Web(UTF_8)
    }
}

/// What kind of document the bytes are, for the declarations worth looking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// A page dump or other plain text.
    Text,
    /// An HTML page: `<meta charset>` counts.
    Html,
    /// An XML document (a feed).
    Xml,
}

/// Decodes a whole document.
pub fn decode(bytes: &[u8], sniff: Sniff) -> Result<Decoded, DecodeError> {
    let (charset, how, body) = detect(bytes, sniff);
    let text = charset.decode(body);
    let (text, dropped_controls) = drop_controls(text)?;
    let charset = (!charset.is_utf8()).then(|| charset.name());
    Ok(Decoded { text, charset, how, dropped_controls })
}

/// Decodes a whole document that arrives as an owned buffer: valid UTF-8 becomes the text
/// without a copy, and is validated once.
pub(crate) fn decode_owned(bytes: Vec<u8>, sniff: Sniff) -> Result<Decoded, DecodeError> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return decode(e.as_bytes(), sniff),
    };
    let (charset, how, body) = detect_known(text.as_bytes(), sniff, Some(true));
    if charset.is_utf8() && body.len() == text.len() && !has_controls(text.as_bytes()) {
        return Ok(Decoded { text, charset: None, how, dropped_controls: 0 });
    }
    decode(text.as_bytes(), sniff)
}

/// The encoding of `bytes`, how it was found, and the bytes to decode (without a BOM).
pub(crate) fn detect(bytes: &[u8], sniff: Sniff) -> (Charset, How, &[u8]) {
    detect_known(bytes, sniff, None)
}

/// [`detect`], told whether the bytes are valid UTF-8 when the caller knows already.
fn detect_known(bytes: &[u8], sniff: Sniff, valid_utf8: Option<bool>) -> (Charset, How, &[u8]) {
    if let Some((c, len)) = bom(bytes) {
        return (c, How::Bom, &bytes[len..]);
    }
    if let Some(c) = nul_pattern(bytes) {
        return (c, How::NulPattern, bytes);
    }
    let head = &bytes[..bytes.len().min(4096)];
    let declared = xml_declared(head).or_else(|| if sniff == Sniff::Html { meta_declared(head) } else { None });
    let valid_utf8 = valid_utf8.unwrap_or_else(|| std::str::from_utf8(bytes).is_ok());
    if let Some(c) = declared {
        // UTF-16 cannot be declared in ASCII-compatible bytes: such a declaration is wrong.
        let c = match c {
            Charset::Web(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => Charset::Web(UTF_8),
            Charset::Utf32Le | Charset::Utf32Be => Charset::Web(UTF_8),
            c => c,
        };
        let multibyte = valid_utf8 && !bytes.is_ascii();
        if (c.is_utf8() && valid_utf8) || (!c.is_utf8() && !multibyte) {
            return (c, How::Declared, bytes);
        }
    }
    // Before UTF-8: ISO-2022 text is 7-bit, so valid UTF-8 too.
    if let Some(c) = escape_encoding(bytes) {
        return (c, How::Detected, bytes);
    }
    if valid_utf8 {
        return (Charset::Web(UTF_8), How::Utf8, bytes);
    }
    if let Some(c) = utf16_cjk(bytes) {
        return (c, How::Detected, bytes);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
    let refined = refine_cyrillic(guess, bytes)
        .or_else(|| refine_korean(guess, bytes))
        .or_else(|| refine_western(guess, bytes))
        .unwrap_or(Charset::Web(guess));
    (refined, How::Detected, bytes)
}

fn bom(bytes: &[u8]) -> Option<(Charset, usize)> {
    // UTF-32LE's mark starts with UTF-16LE's: look for the longer one first.
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some((Charset::Utf32Le, 4)),
        [0, 0, 0xFE, 0xFF, ..] => Some((Charset::Utf32Be, 4)),
        _ => Encoding::for_bom(bytes).map(|(e, len)| (Charset::Web(e), len)),
    }
}

/// UTF-32 or UTF-16 without a byte-order mark, told by where their NUL bytes fall. UTF-32 has
/// at least two NULs in every code unit, in fixed places; UTF-16 has one in the code unit of every
/// character below U+0100 (markup, digits, spaces, line ends), always on the same side. Text in
/// 8-bit encodings has no NULs at all, and binary data has them on both sides.
fn nul_pattern(bytes: &[u8]) -> Option<Charset> {
    let sample = &bytes[..bytes.len().min(4096) & !3];
    if sample.len() < 8 || !sample.contains(&0) {
        return None;
    }
    let quads = sample.len() / 4;
    let count = |f: &dyn Fn(&[u8]) -> bool| sample.chunks_exact(4).filter(|q| f(q)).count();
    // Code points stop at U+10FFFF: the byte next to the two NULs is at most 0x10.
    if count(&|q| q[3] == 0 && q[2] <= 0x10 && (q[0] | q[1]) != 0) * 20 >= quads * 19 {
        return Some(Charset::Utf32Le);
    }
    if count(&|q| q[0] == 0 && q[1] <= 0x10 && (q[2] | q[3]) != 0) * 20 >= quads * 19 {
        return Some(Charset::Utf32Be);
    }
    let pairs = sample.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for p in sample.chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    // At least one character in 33 below U+0100 (a line end or a space will do), and nearly all
    // NULs on one side.
    // Stray NULs in 8-bit text are few; UTF-16 decodes without unpaired surrogates.
    let decodes = |e: &'static Encoding| !has_decode_errors(e, sample);
    if odd >= 4 && odd * 33 >= pairs && even * 20 <= odd && decodes(encoding_rs::UTF_16LE) {
        return Some(Charset::Web(encoding_rs::UTF_16LE));
    }
    if even >= 4 && even * 33 >= pairs && odd * 20 <= even && decodes(encoding_rs::UTF_16BE) {
        return Some(Charset::Web(encoding_rs::UTF_16BE));
    }
    None
}

/// UTF-16 without a mark or NULs: CJK text with no ASCII in its first bytes. Its code units'
/// high bytes stay in the few rows of the CJK blocks while the low bytes spread over all values;
/// Latin text read as UTF-16 has ASCII on both sides, and legacy CJK encodings give high bytes
/// outside those rows.
fn utf16_cjk(bytes: &[u8]) -> Option<Charset> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 32 {
        return None;
    }
    // Shift_JIS's lead bytes fall in the same rows: text a legacy CJK encoding decodes without a
    // single error is that encoding's (UTF-16 read as one fails within a few characters).
    let legacy =
        [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP, encoding_rs::GBK, encoding_rs::BIG5, encoding_rs::EUC_KR];
    if legacy.iter().any(|&e| !has_decode_errors(e, sample)) {
        return None;
    }
    let plausible_high = |h: u8| matches!(h, 0x30 | 0x4E..=0x9F | 0xAC..=0xD7 | 0xFF);
    for (enc, high_first) in [(encoding_rs::UTF_16LE, false), (encoding_rs::UTF_16BE, true)] {
        let (mut cjk, mut spread) = (0usize, 0usize);
        for p in sample.chunks_exact(2) {
            let (hi, lo) = if high_first { (p[0], p[1]) } else { (p[1], p[0]) };
            if plausible_high(hi) {
                cjk += 1;
                spread += usize::from(lo >= 0x80);
            }
        }
        let pairs = sample.len() / 2;
        if cjk * 20 >= pairs * 19 && spread * 4 >= cjk {
            return Some(Charset::Web(enc));
        }
    }
    None
}

/// The encoding an XML declaration at the very start states.
fn xml_declared(head: &[u8]) -> Option<Charset> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = head.get(start..)?;
    if !decl.starts_with(b"<?xml") {
        return None;
    }
    let end = find(decl, b"?>").unwrap_or(decl.len().min(512));
    let decl = &decl[..end];
    let at = find(decl, b"encoding")? + b"encoding".len();
    let value = attribute_value(&decl[at..])?;
    Charset::for_label(value)
}

/// The value after `=` (quoted or not) at the start of `rest`.
fn attribute_value(rest: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while rest.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if rest.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while rest.get(i).is_some_and(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'')) {
        i += 1;
    }
    let start = i;
    while rest.get(i).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')) {
        i += 1;
    }
    (i > start).then(|| &rest[start..i])
}

/// Finds `<meta charset=...>` or `<meta http-equiv=... content="...; charset=...">`.
fn meta_declared(head: &[u8]) -> Option<Charset> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let at = from + pos + b"charset".len();
        from = at;
        if let Some(c) = attribute_value(&lower[at..]).and_then(Charset::for_label) {
            return Some(c);
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// ISO-2022-JP and ISO-2022-KR are 7-bit: recognised by their escape sequences.
fn escape_encoding(bytes: &[u8]) -> Option<Charset> {
    if !bytes.is_ascii() || !bytes.contains(&0x1B) {
        return None;
    }
    if find(bytes, b"\x1b$)C").is_some() {
        return Some(Charset::Iso2022Kr);
    }
    let jp = [&b"\x1b$B"[..], b"\x1b$@", b"\x1b(J", b"\x1b(I"];
    jp.iter().any(|e| find(bytes, e).is_some()).then_some(Charset::Web(encoding_rs::ISO_2022_JP))
}

/// The Cyrillic pages `chardetng` answers (it says KOI8-U for KOI8-R).
const CHARDETNG_CYRILLIC: [&Encoding; 4] =
    [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_U, encoding_rs::IBM866, encoding_rs::ISO_8859_5];

/// The Cyrillic code pages, for text `chardetng` found Cyrillic.
const CYRILLIC: [Charset; 6] = [
    Charset::Web(encoding_rs::WINDOWS_1251),
    Charset::Web(encoding_rs::KOI8_U),
    Charset::Web(encoding_rs::IBM866),
    Charset::Web(encoding_rs::ISO_8859_5),
    Charset::Web(encoding_rs::X_MAC_CYRILLIC),
    Charset::Ibm855,
];

/// `chardetng` never answers x-mac-cyrillic or IBM855, and takes text in them for another
/// Cyrillic page or a Latin one. When most of the non-ASCII bytes decode to Cyrillic letters in
/// some Cyrillic page, the page whose text reads most like Cyrillic prose wins.
fn refine_cyrillic(guess: &'static Encoding, bytes: &[u8]) -> Option<Charset> {
    let cyrillic_guess = CHARDETNG_CYRILLIC.contains(&guess);
    let latin_guess = [encoding_rs::WINDOWS_1252, encoding_rs::WINDOWS_1250, encoding_rs::ISO_8859_2].contains(&guess);
    if !cyrillic_guess && !latin_guess {
        return None;
    }
    let sample = sample_high(bytes);
    let scored: Vec<(Charset, CyrillicScore)> =
        CYRILLIC.iter().map(|&c| (c, cyrillic_score(&c.decode(&sample)))).collect();
    let (best, CyrillicScore { score, letters, in_words, high }) = scored.iter().copied().max_by_key(|s| s.1.score)?;
    // Latin text decoded as Cyrillic gives scattered letters with mid-word capitals; only a page
    // that turns nearly every high byte into a Cyrillic letter overrides a Latin guess.
    // Latin text read as Cyrillic gives lone letters among Latin ones: Cyrillic prose is words.
    let convincing = score > 0 && letters * 10 >= high * 9 && in_words * 10 >= letters * 8;
    (convincing && (cyrillic_guess || letters >= 20) && best != Charset::Web(guess)).then_some(best)
}

/// Up to 16 KB of the lines that hold non-ASCII bytes: the part of the text the choice depends on.
fn sample_high(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in bytes.split(|b| *b == b'\n') {
        if !line.is_ascii() {
            out.extend_from_slice(line);
            out.push(b'\n');
            if out.len() > 16 * 1024 {
                break;
            }
        }
    }
    out
}

/// How much decoded text reads like Cyrillic prose.
#[derive(Debug, Clone, Copy)]
struct CyrillicScore {
    /// Lower-case letters in words and capitals that start them, against capitals inside words,
    /// symbols and controls among letters.
    score: i64,
    /// Cyrillic letters.
    letters: usize,
    /// Cyrillic letters in runs of three or more: words.
    in_words: usize,
    /// Non-ASCII characters other than common punctuation.
    high: usize,
}

fn cyrillic_score(text: &str) -> CyrillicScore {
    let (mut score, mut letters, mut high, mut in_words, mut run) = (0i64, 0usize, 0usize, 0usize, 0usize);
    let mut prev = ' ';
    for c in text.chars() {
        let cyr = is_cyrillic(c);
        if cyr {
            run += 1;
        } else {
            if run >= 3 {
                in_words += run;
            }
            run = 0;
        }
        if !c.is_ascii() {
            high += 1;
            if cyr {
                letters += 1;
                if prev.is_ascii_alphabetic() {
                    // A Cyrillic letter glued to a Latin one.
                    score -= 5;
                } else if c.is_lowercase() {
                    score += 1;
                } else if prev.is_lowercase() {
                    // A capital inside a word.
                    score -= 4;
                } else {
                    score += 1;
                }
            } else if c.is_control() || ('\u{2500}'..='\u{25FF}').contains(&c) || c == '\u{FFFD}' {
                score -= 5;
            } else if !matches!(
                c,
                '«' | '»'
                    | '„'
                    | '“'
                    | '”'
                    | '‘'
                    | '’'
                    | '—'
                    | '–'
                    | '…'
                    | '№'
                    | '\u{A0}'
                    | '©'
                    | '°'
                    | '·'
            ) {
                score -= 2;
            } else {
                // Punctuation every Cyrillic page has: neither for nor against.
                high -= 1;
                if is_cyrillic(prev) && prev.is_lowercase() && matches!(c, '„' | '‘' | '“') {
                    // An opening quote glued to the end of a word.
                    score -= 2;
                }
            }
        } else if c.is_ascii_alphabetic() && is_cyrillic(prev) {
            score -= 5;
        }
        prev = c;
    }
    if run >= 3 {
        in_words += run;
    }
    CyrillicScore { score, letters, in_words, high }
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Western European text: `chardetng` never answers macintosh or ISO-8859-15, and on text whose
/// only non-ASCII character is a pound sign it may answer windows-1250 (`Ł`). When windows-1252
/// or macintosh turns every non-ASCII byte into a character Western text is made of (accented
/// small letters, typographic quotes and dashes, currency signs) and the guess does not, that one
/// wins; ISO-8859-15 when its euro sign (windows-1252's `¤`) stands next to a number.
fn refine_western(guess: &'static Encoding, bytes: &[u8]) -> Option<Charset> {
    // Latin text taken for a non-Latin page: its "letters" sit alone inside Latin words.
    let other_non_latin = [
        encoding_rs::WINDOWS_1253,
        encoding_rs::ISO_8859_7,
        encoding_rs::WINDOWS_1255,
        encoding_rs::ISO_8859_8,
        encoding_rs::WINDOWS_1256,
        encoding_rs::ISO_8859_6,
        encoding_rs::WINDOWS_874,
    ];
    let sample = sample_high(bytes);
    let misread = (CHARDETNG_CYRILLIC.contains(&guess) || other_non_latin.contains(&guess)) && {
        let (glued, in_words) = letter_context(&guess.decode_without_bom_handling(&sample).0);
        glued >= 0.5 || in_words < 0.5
    };
    let central = [
        encoding_rs::WINDOWS_1250,
        encoding_rs::ISO_8859_2,
        encoding_rs::WINDOWS_1257,
        encoding_rs::ISO_8859_4,
        encoding_rs::ISO_8859_13,
        encoding_rs::WINDOWS_1254,
        encoding_rs::ISO_8859_15,
    ];
    if guess != encoding_rs::WINDOWS_1252 && !central.contains(&guess) && !misread {
        return None;
    }
    let score = |e: &'static Encoding| western_score(&e.decode_without_bom_handling(&sample).0);
    let guessed = if misread { 0.0 } else { score(guess) };
    // windows-1252 first: it wins a tie.
    let mut best: Option<(&'static Encoding, f32)> = None;
    for e in [encoding_rs::WINDOWS_1252, encoding_rs::MACINTOSH].into_iter().filter(|&e| e != guess) {
        let s = score(e);
        if best.is_none_or(|b| s > b.1) {
            best = Some((e, s));
        }
    }
    let best = best?;
    if best.1 >= 0.9 && best.1 - guessed >= 0.2 {
        return Some(Charset::Web(best.0));
    }
    if guess == encoding_rs::WINDOWS_1252 && !sample.contains(&0x80) && score(guess) >= 0.5 {
        // `¤` beside a number is a euro sign: ISO-8859-15 (Latin-9), the other bytes being alike.
        let euro = sample.windows(2).any(|w| {
            (w[0] == 0xA4 && w[1].is_ascii_digit()) || (w[1] == 0xA4 && (w[0].is_ascii_digit() || w[0] == b' '))
        });
        if euro {
            return Some(Charset::Web(encoding_rs::ISO_8859_15));
        }
    }
    None
}

/// Of the letters of non-Latin scripts: the share with a Latin letter beside them, and the share
/// with a letter of their own kind beside them (in a word).
fn letter_context(text: &str) -> (f32, f32) {
    let non_latin = |c: char| c.is_alphabetic() && !c.is_ascii() && !('\u{00C0}'..='\u{024F}').contains(&c);
    let (mut glued, mut in_words, mut all) = (0usize, 0usize, 0usize);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if non_latin(c) {
            all += 1;
            let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            let after = chars.get(i + 1).copied();
            glued += usize::from(
                before.is_some_and(|b| b.is_ascii_alphabetic()) || after.is_some_and(|a| a.is_ascii_alphabetic()),
            );
            in_words += usize::from(before.is_some_and(non_latin) || after.is_some_and(non_latin));
        }
    }
    if all == 0 { (0.0, 1.0) } else { (glued as f32 / all as f32, in_words as f32 / all as f32) }
}

/// The share of non-ASCII characters that Western European text is made of: accented small
/// letters, capitals where capitals go (starting a word, or in a word of capitals), typographic
/// quotes and dashes, currency and other common signs. Text of another page read this way shows
/// capitals glued to the end of small letters (`donÕt`, `meÓ`) and signs no language uses.
fn western_score(text: &str) -> f32 {
    let (mut good, mut all) = (0f32, 0usize);
    let mut chars = text.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        if !c.is_ascii() {
            all += 1;
            good += match c {
                // Not ð, ý, þ: they stand where Turkish and Icelandic put their own letters.
                'à'..='ï' | 'ñ'..='ö' | 'ø'..='ü' | 'ÿ' | 'œ' | 'ß' => 1.0,
                // Not ±, ¹, ³, ¼: where ISO-8859-2 has ą, ą, ł, ź.
                '“' | '”' | '‘' | '’' | '„' | '–' | '—' | '…' | '«' | '»' | '€' | '£' | '°' | '©' | '®' | '\u{A0}'
                | '·' | '¡' | '§' | '™' | '•' | '×' | '÷' | '½' | '¢' | '¥' | 'µ' | '†' | '›' | '‹' => {
                    1.0
                }
                'À'..='Ï' | 'Ñ'..='Ö' | 'Ø'..='Ü' => {
                    if prev.is_lowercase() {
                        0.0
                    } else if next.is_lowercase() || (prev.is_uppercase() && !prev.is_ascii()) || prev.is_uppercase() {
                        1.0
                    } else {
                        0.25
                    }
                }
                // Signs Central European pages have at the same places as letters.
                '¿' => 0.75,
                'ª' | 'º' | '±' | '¹' | '²' | '³' | '¼' | '¾' => 0.5,
                _ => 0.0,
            };
        }
        prev = c;
    }
    if all == 0 { 1.0 } else { good / all as f32 }
}

/// Hangul in Johab: `chardetng` knows only EUC-KR (and its UHC extension), and Johab text fails
/// it or comes out as a Latin page. When Johab decodes the bytes without a single error into
/// mostly Hangul, it is Johab.
fn refine_korean(guess: &'static Encoding, bytes: &[u8]) -> Option<Charset> {
    let sample = sample_high(bytes);
    // Johab's Hangul codes are mostly valid in EUC-KR's UHC extension, as rare syllables; real
    // EUC-KR text keeps to KS X 1001's common syllables, both bytes above 0xA0.
    if guess == encoding_rs::EUC_KR && !has_decode_errors(encoding_rs::EUC_KR, bytes) && ks_x_1001_share(&sample) >= 0.5
    {
        return None;
    }
    let text = decode_johab(&sample);
    let is_hangul = |c: char| ('\u{AC00}'..='\u{D7A3}').contains(&c);
    let (mut hangul, mut high, mut glued) = (0usize, 0usize, 0usize);
    let mut prev = ' ';
    for c in text.chars() {
        if !c.is_ascii() {
            high += 1;
            if c == '\u{FFFD}' {
                return None;
            }
            if is_hangul(c) {
                hangul += 1;
                // Latin text read as Johab: a high byte and the letter after it make a syllable
                // inside a Latin word (`don’t`).
                glued += usize::from(prev.is_ascii_alphabetic());
            }
        } else if c.is_ascii_alphabetic() && is_hangul(prev) {
            glued += 1;
        }
        prev = c;
    }
    (hangul >= 10 && hangul * 10 >= high * 7 && glued * 10 < hangul).then_some(Charset::Johab)
}

/// The share of two-byte codes read as EUC-KR that lie in KS X 1001 proper.
fn ks_x_1001_share(bytes: &[u8]) -> f32 {
    let (mut core, mut all) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] >= 0x81 {
            all += 1;
            core += usize::from(bytes[i] >= 0xA1 && bytes.get(i + 1).is_some_and(|b| *b >= 0xA1));
            i += 2;
        } else {
            i += 1;
        }
    }
    if all == 0 { 1.0 } else { core as f32 / all as f32 }
}

fn has_decode_errors(e: &'static Encoding, bytes: &[u8]) -> bool {
    e.decode_without_bom_handling_and_without_replacement(bytes).is_none()
}

fn has_controls(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { has_controls_avx2(bytes) };
    }
    has_controls_portable(bytes)
}

/// [`has_controls`] compiled for 32-byte vectors: every page the source reads goes through it,
/// and the baseline's 16-byte compares took about 1 instruction a byte.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn has_controls_avx2(bytes: &[u8]) -> bool {
    has_controls_portable(bytes)
}

#[inline(always)]
fn has_controls_portable(bytes: &[u8]) -> bool {
    // A block at a time with no early exit inside it: the compiler turns the loop into vector
    // compares (pages are hundreds of kilobytes; a byte at a time this was the source's largest
    // cost, and a word at a time still stopped at every line end and tab of an HTML page).
    bytes.chunks(256).any(|block| {
        block.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\n') & (b != b'\r') & (b != b'\t') & (b != 0x0C)) | (b == 0x7F)
        })
    })
}

/// Whether UTF-8 text holds a character [`is_stray_control`] calls stray.
fn has_stray_controls(utf8: &[u8]) -> bool {
    has_controls(utf8)
        || memchr::memchr_iter(0xC2, utf8).any(|i| utf8.get(i + 1).is_some_and(|b| (0x80..=0x9F).contains(b)))
}

fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c')
}

/// Drops NULs and other control characters from decoded text, counting them; refuses the text as
/// binary when they are more than a tenth of its first 8,192 characters, or when a tenth of its
/// characters could not be decoded.
fn drop_controls(text: Cow<'_, str>) -> Result<(String, usize), DecodeError> {
    // The common case, told from the bytes without decoding a character: no control character
    // (C0, DEL, or C1 as `C2 80`..`C2 9F`) and no replacement character.
    if !has_stray_controls(text.as_bytes()) && memchr::memmem::find(text.as_bytes(), "\u{FFFD}".as_bytes()).is_none() {
        return Ok((text.into_owned(), 0));
    }
    let (mut controls, mut replaced, mut total) = (0usize, 0usize, 0usize);
    for c in text.chars().take(8192) {
        total += 1;
        controls += usize::from(is_stray_control(c));
        replaced += usize::from(c == '\u{FFFD}');
    }
    if total > 0 && controls * 10 > total {
        let what = if text.chars().take(8192).filter(|c| *c == '\0').count() * 20 > total {
            "NUL bytes"
        } else {
            "control characters"
        };
        return Err(DecodeError::Binary(format!("{what}: {controls} of the first {total} characters")));
    }
    if total >= 64 && replaced * 10 > total {
        return Err(DecodeError::Binary(format!(
            "{replaced} of the first {total} characters are not valid in any encoding tried"
        )));
    }
    if !text.chars().any(is_stray_control) {
        return Ok((text.into_owned(), 0));
    }
    let mut dropped = 0;
    let kept: String = text
        .chars()
        .filter(|&c| {
            let stray = is_stray_control(c);
            dropped += usize::from(stray);
            !stray
        })
        .collect();
    Ok((kept, dropped))
}

fn decode_utf32(bytes: &[u8], word: fn([u8; 4]) -> u32) -> String {
    let mut out = String::with_capacity(bytes.len() / 4);
    let mut chunks = bytes.chunks_exact(4);
    for q in &mut chunks {
        let v = word([q[0], q[1], q[2], q[3]]);
        out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
    }
    if !chunks.remainder().is_empty() {
        out.push('\u{FFFD}');
    }
    out
}

fn decode_single_byte(bytes: &[u8], high: &[char; 128]) -> String {
    bytes.iter().map(|&b| if b < 0x80 { char::from(b) } else { high[usize::from(b - 0x80)] }).collect()
}

/// ISO-2022-KR: after `ESC $ ) C` in the header, SO (0x0E) shifts to KS X 1001 two-byte
/// characters in 7 bits and SI (0x0F) back to ASCII; the pairs are EUC-KR's with the high bit clear.
fn decode_iso2022kr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut shifted = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x1B if bytes[i..].starts_with(b"\x1b$)C") => i += 4,
            0x0E => {
                shifted = true;
                i += 1;
            }
            0x0F | b'\n' | b'\r' => {
                shifted = false;
                if b != 0x0F {
                    out.push(char::from(b));
                }
                i += 1;
            }
            _ if shifted => {
                if let Some(&b2) = bytes.get(i + 1).filter(|b2| (0x21..0x7F).contains(*b2) && (0x21..0x7F).contains(&b))
                {
                    let pair = [b | 0x80, b2 | 0x80];
                    out.push_str(&encoding_rs::EUC_KR.decode_without_bom_handling(&pair).0);
                    i += 2;
                } else {
                    out.push(if b == b' ' { ' ' } else { '\u{FFFD}' });
                    i += 1;
                }
            }
            _ => {
                out.push(if b.is_ascii() { char::from(b) } else { '\u{FFFD}' });
                i += 1;
            }
        }
    }
    out
}

/// The KS X 1001 row of a Johab symbol or Hanja code (lead bytes 0xD9-0xDE and 0xE0-0xF9):
/// each lead byte holds two rows, the second in trail bytes above 0xA0.
fn johab_row(lead: u8, trail: u8) -> Option<u8> {
    let first = match lead {
        0xD9..=0xDE => (lead - 0xD9) * 2 + 0x21,
        0xE0..=0xF9 => (lead - 0xE0) * 2 + 0x4A,
        _ => return None,
    };
    match trail {
        0x31..=0x7E | 0x91..=0xA0 => Some(first),
        0xA1..=0xFE => Some(first + 1),
        _ => None,
    }
}

/// Johab: Hangul syllables are three 5-bit jamo indexes in a 16-bit code with the high bit set;
/// symbols and Hanja are KS X 1001's, moved to lead bytes 0xD8-0xF9 by a fixed formula.
fn decode_johab(bytes: &[u8]) -> String {
    // Johab's 5-bit codes of initial, medial and final jamo, as indexes into Unicode's
    // composition order (-1: not a composable jamo; initial 1 and final 1 mean "fill", i.e. none).
    const INITIAL: [i8; 32] = [
        -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1,
    ];
    const MEDIAL: [i8; 32] = [
        -1, -1, -1, 0, 1, 2, 3, 4, -1, -1, 5, 6, 7, 8, 9, 10, -1, -1, 11, 12, 13, 14, 15, 16, -1, -1, 17, 18, 19, 20,
        -1, -1,
    ];
    const FINAL: [i8; 32] = [
        -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, -1, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
        -1, -1,
    ];
    let mut out = String::with_capacity(bytes.len() * 3 / 2);
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        if lead < 0x80 {
            out.push(char::from(lead));
            i += 1;
            continue;
        }
        let Some(&trail) = bytes.get(i + 1) else {
            out.push('\u{FFFD}');
            break;
        };
        i += 2;
        let code = u16::from(lead) << 8 | u16::from(trail);
        if (0x84..=0xD3).contains(&lead) {
            let (a, b, c) = (usize::from((code >> 10) & 31), usize::from((code >> 5) & 31), usize::from(code & 31));
            let (l, v, t) = (INITIAL[a], MEDIAL[b], FINAL[c]);
            let ch = if l >= 0 && v >= 0 && t >= 0 {
                char::from_u32(0xAC00 + (l as u32 * 21 + v as u32) * 28 + t as u32)
            } else {
                None
            };
            out.push(ch.unwrap_or('\u{FFFD}'));
        } else if let Some(row) = johab_row(lead, trail) {
            // Back to KS X 1001's row and cell, then through EUC-KR.
            let cell = match trail {
                0x31..=0x7E => trail - 0x10,
                0x91..=0xA0 => trail - 0x22,
                _ => trail - 0x80,
            };
            out.push_str(&encoding_rs::EUC_KR.decode_without_bom_handling(&[row | 0x80, cell | 0x80]).0);
        } else {
            out.push('\u{FFFD}');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_found_wherever_they_sit_and_whitespace_is_not_one() {
        // Three blocks long, so that a control is found in the first, a middle and the last.
        let plain = "Ein Satz, une phrase, 한 문장.\tTab\r\nNew line\x0c".repeat(12);
        // The vector build this CPU runs, and the portable one others run.
        for has in [has_controls, has_controls_portable] {
            assert!(!has(plain.as_bytes()));
            for at in 0..plain.len() {
                for c in [0u8, 0x01, 0x08, 0x0B, 0x1B, 0x1F, 0x7F] {
                    let mut b = plain.clone().into_bytes();
                    b.insert(at, c);
                    assert!(has(&b), "{c:#x} at {at}");
                }
            }
            assert!(!has(b""));
            assert!(has(b"\x00"));
        }
    }

    const RUSSIAN: &str = "Москва. Правительство России в понедельник объявило о новых мерах поддержки \
        экономики. Министр финансов Антон Силуанов заявил, что бюджет будет исполнен полностью, \
        а инфляция в этом году не превысит прогноза Центрального банка.";

    fn text_of(bytes: &[u8]) -> Decoded {
        decode(bytes, Sniff::Text).unwrap()
    }

    #[test]
    fn utf8_passes_through() {
        let d = text_of("héllo 안녕".as_bytes());
        assert_eq!(d.text, "héllo 안녕");
        assert_eq!(d.charset, None);
        let d = decode_owned("plain".into(), Sniff::Xml).unwrap();
        assert_eq!((d.text.as_str(), d.how), ("plain", How::Utf8));
    }

    #[test]
    fn byte_order_marks_for_utf8_16_and_32() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(b"abc");
        assert_eq!(text_of(&b).text, "abc");
        assert_eq!(text_of(&[0xFF, 0xFE, b'h', 0, b'i', 0]).text, "hi");
        let s = "Zürich née 東京";
        let le: Vec<u8> =
            [0xFF, 0xFE, 0, 0].into_iter().chain(s.chars().flat_map(|c| (c as u32).to_le_bytes())).collect();
        let d = text_of(&le);
        assert_eq!((d.text.as_str(), d.charset, d.how), (s, Some("UTF-32LE"), How::Bom));
        let be: Vec<u8> =
            [0, 0, 0xFE, 0xFF].into_iter().chain(s.chars().flat_map(|c| (c as u32).to_be_bytes())).collect();
        assert_eq!(text_of(&be).text, s);
    }

    #[test]
    fn utf16_and_utf32_without_a_mark() {
        let s = "<?xml version=\"1.0\"?><rss><channel><title>Ünïcode news</title></channel></rss>";
        let be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let d = decode(&be, Sniff::Xml).unwrap();
        assert_eq!((d.text.as_str(), d.charset, d.how), (s, Some("UTF-16BE"), How::NulPattern));
        let le: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&le, Sniff::Xml).unwrap().charset, Some("UTF-16LE"));
        let le32: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        assert_eq!(decode(&le32, Sniff::Xml).unwrap().text, s);
    }

    #[test]
    fn xml_declaration_names_the_encoding() {
        let (body, _, _) = encoding_rs::KOI8_R.encode(RUSSIAN);
        let mut doc = b"<?xml version=\"1.0\" encoding=\"koi8-r\"?>\n<rss><item><title>".to_vec();
        doc.extend_from_slice(&body);
        let d = decode(&doc, Sniff::Xml).unwrap();
        assert!(d.text.contains(RUSSIAN));
        assert_eq!((d.charset, d.how), (Some("KOI8-R"), How::Declared));
        // A declaration of a legacy page over valid UTF-8 text is a stale declaration.
        let doc = format!("<?xml version='1.0' encoding='ISO-8859-1'?><p>{RUSSIAN}</p>");
        let d = decode(doc.as_bytes(), Sniff::Xml).unwrap();
        assert_eq!((d.charset, d.how), (None, How::Utf8));
    }

    #[test]
    fn detects_legacy_cjk_encodings() {
        let korean = "북한과 러시아가 소련 시절의 군사동맹에 버금가는 수준으로 관계를 격상하면서 북한군의 우크라이나 파병 가능성도 거론되고 있다. 국가정보원은 22일 북러 협력 동향을 면밀히 주시하고 있다고 밝혔다.";
        let (b, _, _) = encoding_rs::EUC_KR.encode(korean);
        let d = text_of(&b);
        assert_eq!(d.text, korean);
        assert_eq!(d.charset, Some("EUC-KR"));
        let japanese = "日本政府は二十二日、北朝鮮とロシアの協力の動向を注視していると発表した。専門家はウクライナへの派兵の可能性についても議論している。";
        let (b, _, _) = encoding_rs::SHIFT_JIS.encode(japanese);
        let d = text_of(&b);
        assert_eq!(d.text, japanese);
        assert_eq!(d.charset, Some("Shift_JIS"));
        let (b, _, _) = encoding_rs::ISO_2022_JP.encode(japanese);
        let d = text_of(&b);
        assert_eq!((d.text.as_str(), d.charset), (japanese, Some("ISO-2022-JP")));
    }

    #[test]
    fn iso_2022_kr_and_johab() {
        let korean = "국가정보원은 22일 북러 협력 동향을 면밀히 주시하고 있다고 밝혔다.";
        // ISO-2022-KR by hand: the header, then SO/SI around EUC-KR pairs with the high bit cleared.
        let mut b = b"\x1b$)C".to_vec();
        for word in korean.split_inclusive(' ') {
            let (euc, _, _) = encoding_rs::EUC_KR.encode(word);
            let mut shifted = false;
            for &x in euc.iter() {
                if x >= 0x80 && !shifted {
                    b.push(0x0E);
                    shifted = true;
                } else if x < 0x80 && shifted {
                    b.push(0x0F);
                    shifted = false;
                }
                b.push(x & 0x7F);
            }
            if shifted {
                b.push(0x0F);
            }
        }
        let d = text_of(&b);
        assert_eq!((d.text.as_str(), d.charset), (korean, Some("ISO-2022-KR")));
        // Johab: Hangul syllables from their jamo indexes.
        let johab: Vec<u8> = korean.chars().flat_map(johab_encode).collect();
        let d = text_of(&johab);
        assert_eq!((d.text.as_str(), d.charset), (korean, Some("Johab")));
    }

    /// Johab's code of a Hangul syllable or an ASCII character (the test's own encoder).
    fn johab_encode(c: char) -> Vec<u8> {
        if c.is_ascii() {
            return vec![c as u8];
        }
        let s = c as u32 - 0xAC00;
        let (l, v, t) = (s / (21 * 28), (s % (21 * 28)) / 28, s % 28);
        let medial = [3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 23, 26, 27, 28, 29];
        let fin = |t: u32| if t < 17 { t + 1 } else { t + 2 };
        let code = 0x8000 | ((l + 2) << 10) | (medial[v as usize] << 5) | fin(t);
        (code as u16).to_be_bytes().to_vec()
    }

    #[test]
    fn cyrillic_code_pages_chardetng_does_not_name() {
        let (mac, _, _) = encoding_rs::X_MAC_CYRILLIC.encode(RUSSIAN);
        let d = text_of(&mac);
        assert_eq!((d.text.as_str(), d.charset), (RUSSIAN, Some("x-mac-cyrillic")));
        let dos: Vec<u8> = RUSSIAN
            .chars()
            .map(|c| match oem_cp::code_table::DECODING_TABLE_CP855.iter().position(|&x| x == c) {
                Some(i) => 0x80 + i as u8,
                None => c as u8,
            })
            .collect();
        let d = text_of(&dos);
        assert_eq!((d.text.as_str(), d.charset), (RUSSIAN, Some("IBM855")));
        for e in [encoding_rs::WINDOWS_1251, encoding_rs::KOI8_R, encoding_rs::IBM866, encoding_rs::ISO_8859_5] {
            let (b, _, _) = e.encode(RUSSIAN);
            assert_eq!(text_of(&b).text, RUSSIAN, "{}", e.name());
        }
    }

    #[test]
    fn western_pages_chardetng_takes_for_others() {
        // A pound sign alone reads as windows-1250's Ł to the statistics.
        let pound = "The council said the new route would cost £2.4m over three years, with fares at £1.50.";
        let (b, _, _) = encoding_rs::WINDOWS_1252.encode(pound);
        assert_eq!(text_of(&b).text, pound);
        // Mac Roman: curly quotes and dashes become capitals glued to words in windows-1252.
        let mac = "Then he said, “The names Bond, James Bond.” It’s served every day – and every night — too.";
        let (b, _, _) = encoding_rs::MACINTOSH.encode(mac);
        let d = text_of(&b);
        assert_eq!((d.text.as_str(), d.charset), (mac, Some("macintosh")));
        // Latin-9's euro sign beside a price.
        let (b, _, _) =
            encoding_rs::ISO_8859_15.encode("Die Karte kostet 10€ für Schüler und Studenten, sagte die Schule.");
        assert_eq!(text_of(&b).charset, Some("ISO-8859-15"));
        // What chardetng gets right stays right: Polish in windows-1250, Turkish in windows-1254.
        let polish = "Rada miasta zatwierdziła w środę plan budowy nowej linii tramwajowej. Pierwsze tramwaje \
            pojadą za dwa lata, a koszt inwestycji przekroczy sto milionów złotych. Mieszkańcy dzielnicy \
            długo czekali na tę decyzję, bo autobusy są przepełnione, a korki coraz dłuższe.";
        let (b, _, _) = encoding_rs::WINDOWS_1250.encode(polish);
        assert_eq!(text_of(&b).text, polish);
        let turkish = "Kanuni Sultan Süleyman döneminde Rodos seferine hazırlık amacıyla yaptırılan Sığacık Kalesi, günümüzde yerleşim yeri özelliğini koruyor.";
        let (b, _, _) = encoding_rs::WINDOWS_1254.encode(turkish);
        assert_eq!(text_of(&b).text, turkish);
    }

    #[test]
    fn utf16_cjk_without_mark_or_nuls() {
        let zh = "做SEO優化都知道更新原創文章是百度對該站點抓取的關鍵，有規律的更新文章才會使得百度不斷來抓取網頁內容。是網站收錄的重要一環。";
        for (enc, bytes) in [
            ("UTF-16LE", zh.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>()),
            ("UTF-16BE", zh.encode_utf16().flat_map(u16::to_be_bytes).collect()),
        ] {
            let d = text_of(&bytes);
            assert_eq!((d.text.as_str(), d.charset), (zh, Some(enc)));
        }
        let (gbk, _, _) = encoding_rs::GBK.encode(zh);
        assert_eq!(text_of(&gbk).text, zh, "legacy CJK is not taken for UTF-16");
    }

    #[test]
    fn html_meta_charset() {
        let (body, _, _) = encoding_rs::WINDOWS_1252.encode("<p>café crème brûlée</p>");
        let mut page = b"<html><head><meta charset=\"windows-1252\"></head><body>".to_vec();
        page.extend_from_slice(&body);
        let d = decode(&page, Sniff::Html).unwrap();
        assert!(d.text.contains("café crème brûlée"));
        assert_eq!(d.charset, Some("windows-1252"));
        let page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=EUC-KR\">";
        assert_eq!(meta_declared(page), Some(Charset::Web(encoding_rs::EUC_KR)));
    }

    #[test]
    fn stray_controls_are_dropped_and_binary_is_refused() {
        let d = text_of(b"An article about the storm.\0 It reached the coast\x01 overnight.");
        assert_eq!(d.text, "An article about the storm. It reached the coast overnight.");
        assert_eq!(d.dropped_controls, 2);
        assert!(matches!(decode(b"\x7fELF\x02\x01\x01\0\0\0", Sniff::Text), Err(DecodeError::Binary(_))));
        let noise: Vec<u8> = (0u8..32).filter(|b| *b != 0 && !b"\n\r\t\x0c".contains(b)).cycle().take(500).collect();
        assert!(matches!(decode(&noise, Sniff::Text), Err(DecodeError::Binary(_))));
        let nuls = [b'a', 0, 0, 0, 0, b'b', 0, 0, 0, 0, 0, 0].repeat(40);
        assert!(matches!(decode(&nuls, Sniff::Text), Err(DecodeError::Binary(r)) if r.contains("NUL")));
    }

    proptest::proptest! {
        /// The byte-level test agrees with the character-level one on any text.
        #[test]
        fn stray_controls_found_from_bytes(s in "\\PC{0,40}|[\u{0}-\u{200}]{0,40}") {
            proptest::prop_assert_eq!(has_stray_controls(s.as_bytes()), s.chars().any(is_stray_control));
        }

        /// Any bytes: a decision, never a panic; decoded text holds no stray control characters.
        #[test]
        fn any_bytes_decode_or_are_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600), sniff in 0..3u8) {
            let sniff = [Sniff::Text, Sniff::Html, Sniff::Xml][usize::from(sniff)];
            if let Ok(d) = decode(&bytes, sniff) {
                proptest::prop_assert!(!d.text.chars().any(is_stray_control));
            }
        }
    }
}
