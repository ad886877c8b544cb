//! Language of a text. Scripts that belong to one language decide at once (Hangul, kana, Han), and
//! running Latin-script text votes with the function words of the languages newsmill sees most;
//! only when neither is conclusive does the statistical detector (whatlang) run. Per document it is
//! the most expensive single step of extraction otherwise, with a fixed cost of every language's
//! profile, however short the sample.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Function words that are frequent in one language and rare in the others listed.
const VOTERS: &[(&str, &str)] = &[
    (
        "en",
        "the of and to is that was for with are this have from by not but they which their has been were would there will",
    ),
    (
        "de",
        "der die und das ist nicht ein eine mit sich des auf dem den auch wird werden hat sind wurde nach bei oder zum zur",
    ),
    ("fr", "le les et des est une dans pour qui sur pas au du que ont sont cette avec plus été ses leur mais aux"),
    ("es", "el los las del que por para una con está como pero sus fue más este entre también sobre hasta desde son"),
    ("pt", "os das dos uma não para com que por mais foi como seu sua também pelo pela são estão ao às"),
    ("it", "il di che della del per sono gli una alla nel anche più dei delle degli questo è stato come ma"),
    ("nl", "de het een van en dat niet zijn voor met op ook aan maar door werd wordt naar bij hij dit"),
];

static WORDS: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Vec<usize>> = HashMap::new();
    for (i, (_, words)) in VOTERS.iter().enumerate() {
        for w in words.split_whitespace() {
            map.entry(w).or_default().push(i);
        }
    }
    map
});

/// Votes needed, and how far ahead of the runner-up the winner must be.
const MIN_VOTES: usize = 6;
const MARGIN: usize = 2;

/// ISO 639-1 code of `text`'s language (639-3 where there is none), when it can be told.
pub(crate) fn detect(text: &str) -> Option<String> {
    let (mut hangul, mut kana, mut han, mut latin, mut other) = (0usize, 0usize, 0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        match c as u32 {
            0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            0x3040..=0x30FF => kana += 1,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => han += 1,
            _ if c.is_ascii_alphabetic() || ('\u{C0}'..='\u{24F}').contains(&c) => latin += 1,
            _ => other += 1,
        }
    }
    let total = hangul + kana + han + latin + other;
    if total == 0 {
        return None;
    }
    if hangul * 2 > total {
        return Some("ko".into());
    }
    if kana * 10 > total && (kana + han) * 2 > total {
        return Some("ja".into());
    }
    if han * 2 > total && kana == 0 {
        return Some("zh".into());
    }
    if latin * 2 > total
        && let Some(code) = vote(text)
    {
        return Some(code.into());
    }
    let info = whatlang::detect(text)?;
    (info.is_reliable() || info.confidence() >= 0.5).then(|| iso639_1(info.lang()).to_string())
}

fn vote(text: &str) -> Option<&'static str> {
    let mut votes = [0usize; VOTERS.len()];
    let mut lower = String::new();
    for tok in text.split_whitespace() {
        let tok = tok.trim_matches(|c: char| !c.is_alphanumeric());
        lower.clear();
        lower.extend(tok.chars().flat_map(char::to_lowercase));
        if let Some(langs) = WORDS.get(lower.as_str()) {
            for &l in langs {
                votes[l] += 1;
            }
        }
    }
    let mut ranked: Vec<(usize, usize)> = votes.iter().copied().enumerate().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let (best, best_votes) = ranked[0];
    let runner_up = ranked.get(1).map_or(0, |r| r.1);
    (best_votes >= MIN_VOTES && best_votes >= runner_up * MARGIN).then(|| VOTERS[best].0)
}

fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn languages() {
        let cases = [
            (
                "The council said on Tuesday that the work on the bridge would begin in the spring and that it was not going to be cheap for the city.",
                "en",
            ),
            (
                "Der Stadtrat hat am Dienstag beschlossen, dass die Arbeiten an der Brücke im Frühjahr beginnen und nicht billig werden, sagte die Sprecherin.",
                "de",
            ),
            (
                "Le conseil municipal a annoncé mardi que les travaux sur le pont commenceront au printemps et qu'ils ne seront pas bon marché pour la ville.",
                "fr",
            ),
            (
                "El ayuntamiento anunció el martes que las obras del puente comenzarán en primavera y que no serán baratas para la ciudad, según los técnicos.",
                "es",
            ),
            (
                "A prefeitura anunciou na terça-feira que as obras da ponte vão começar na primavera e que não serão baratas para a cidade, segundo os técnicos.",
                "pt",
            ),
            (
                "Il consiglio comunale ha annunciato martedì che i lavori sul ponte inizieranno in primavera e che non saranno economici per la città, secondo gli esperti.",
                "it",
            ),
            (
                "De gemeenteraad heeft dinsdag besloten dat de werken aan de brug in de lente beginnen en dat het niet goedkoop wordt voor de stad, zei een woordvoerder.",
                "nl",
            ),
            (
                "Городской совет во вторник объявил, что работы на мосту начнутся весной и обойдутся городу недешево, сообщили в мэрии.",
                "ru",
            ),
            ("정부는 22일 내년도 예산안을 발표하고 복지 분야 지출을 크게 늘리겠다고 밝혔다.", "ko"),
            ("国家情報院は22日、北朝鮮とロシアの協力の動向を注視していると明らかにした。", "ja"),
            ("国家情报院22日表示，正在密切关注俄朝合作的动向。", "zh"),
            (
                "Rada miasta ogłosiła we wtorek, że prace na moście rozpoczną się wiosną i nie będą tanie dla miasta, powiedzieli urzędnicy.",
                "pl",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(detect("12345 — 678"), None);
    }
}
