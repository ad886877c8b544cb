//! Turning input bytes into text: byte-order mark, then a declared HTML charset, then UTF-8 if the
//! bytes are valid UTF-8, then statistical detection (EUC-KR, Shift_JIS, GB18030, Windows-1252, ...).
//! Binary input is refused here rather than decoded into noise.

use encoding_rs::{Encoding, UTF_8};

/// Why bytes could not be taken as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// NUL bytes or too many control characters.
    #[error("binary content ({0})")]
    Binary(&'static str),
}

/// Decoded text and the encoding it came from (`None` when it was UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// The source encoding's name when it was not UTF-8.
    pub charset: Option<&'static str>,
}

/// Decodes a whole document. `html` enables `<meta charset>` sniffing.
pub fn decode(bytes: &[u8], html: bool) -> Result<Decoded, DecodeError> {
    let head = &bytes[..bytes.len().min(8192)];
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return finish(enc, &bytes[bom_len..]);
    }
    if head.contains(&0) {
        return Err(DecodeError::Binary("NUL bytes"));
    }
    if html && let Some(enc) = declared_charset(head) {
        // UTF-16 can't be declared in an ASCII-compatible meta tag; browsers treat it as UTF-8.
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE { UTF_8 } else { enc };
        if enc != UTF_8 || std::str::from_utf8(bytes).is_ok() {
            return finish(enc, bytes);
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        return finish(UTF_8, bytes);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    finish(detector.guess(None, chardetng::Utf8Detection::Allow), bytes)
}

fn finish(enc: &'static Encoding, bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (text, _) = enc.decode_without_bom_handling(bytes);
    let sample = text.chars().take(8192);
    let (mut controls, mut total) = (0usize, 0usize);
    for c in sample {
        total += 1;
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c') {
            controls += 1;
        }
    }
    if total > 0 && controls * 10 > total {
        return Err(DecodeError::Binary("control characters"));
    }
    let charset = (enc != UTF_8).then(|| enc.name());
    Ok(Decoded { text: text.into_owned(), charset })
}

/// Finds `<meta charset=...>` or `<meta http-equiv=... content="...; charset=...">` in the first bytes.
fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().take(4096).map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        from = i;
        while i < lower.len() && matches!(lower[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        if lower.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < lower.len() && matches!(lower[i], b' ' | b'"' | b'\'') {
            i += 1;
        }
        let start = i;
        while i < lower.len() && (lower[i].is_ascii_alphanumeric() || matches!(lower[i], b'-' | b'_' | b':' | b'.')) {
            i += 1;
        }
        if let Some(enc) = Encoding::for_label(&lower[start..i]) {
            return Some(enc);
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_through() {
        let d = decode("héllo 안녕".as_bytes(), false).unwrap();
        assert_eq!(d.text, "héllo 안녕");
        assert_eq!(d.charset, None);
    }

    #[test]
    fn bom_wins() {
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice(b"abc");
        assert_eq!(decode(&b, false).unwrap().text, "abc");
        let b = [0xFF, 0xFE, b'h', 0, b'i', 0];
        assert_eq!(decode(&b, false).unwrap().text, "hi");
    }

    #[test]
    fn detects_legacy_cjk_encodings() {
        let korean = "북한과 러시아가 소련 시절의 군사동맹에 버금가는 수준으로 관계를 격상하면서 북한군의 우크라이나 파병 가능성도 거론되고 있다. 국가정보원은 22일 북러 협력 동향을 면밀히 주시하고 있다고 밝혔다.";
        let (b, _, _) = encoding_rs::EUC_KR.encode(korean);
        let d = decode(&b, false).unwrap();
        assert_eq!(d.text, korean);
        assert_eq!(d.charset, Some("EUC-KR"));
        let japanese = "日本政府は二十二日、北朝鮮とロシアの協力の動向を注視していると発表した。専門家はウクライナへの派兵の可能性についても議論している。";
        let (b, _, _) = encoding_rs::SHIFT_JIS.encode(japanese);
        let d = decode(&b, false).unwrap();
        assert_eq!(d.text, japanese);
        assert_eq!(d.charset, Some("Shift_JIS"));
    }

    #[test]
    fn html_meta_charset() {
        let (body, _, _) = encoding_rs::WINDOWS_1252.encode("<p>café crème brûlée</p>");
        let mut page = b"<html><head><meta charset=\"windows-1252\"></head><body>".to_vec();
        page.extend_from_slice(&body);
        let d = decode(&page, true).unwrap();
        assert!(d.text.contains("café crème brûlée"));
        assert_eq!(d.charset, Some("windows-1252"));
        let page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=EUC-KR\">";
        assert_eq!(declared_charset(page), Some(encoding_rs::EUC_KR));
    }

    #[test]
    fn binary_is_refused() {
        assert!(matches!(decode(b"\x7fELF\x02\x01\x01\0\0\0", false), Err(DecodeError::Binary(_))));
        let noise: Vec<u8> = (0u8..32).filter(|b| *b != 0 && !b"\n\r\t\x0c".contains(b)).cycle().take(500).collect();
        assert!(matches!(decode(&noise, false), Err(DecodeError::Binary(_))));
    }
}
