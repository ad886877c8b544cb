//! The clean stage: classifies every line of a page dump as article text or chrome. Menus, UI
//! labels, share prompts, repeated lines and anything after the copyright footer are dropped;
//! copyright, credit, caption, byline and date lines are kept aside as data for extraction.
//!
//! Rules run in two passes. The first looks at each line alone (patterns, shape). The second finds
//! the article: the prose block, the headline lines right above it, and the footer below it.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::config::CleanConfig;
use crate::date::find_date;
use crate::record::{Cleaned, Document, Line, LineClass, Reject};
use crate::runner::{Outcome, Transform};
use crate::text::{is_prose_counted, normalize_line, word_count};

/// Interface labels that are never article text, matched on the whole line (lower-cased, outer
/// punctuation trimmed). Many languages, because sites are.
const UI_LABELS: &[&str] = &[
    // English
    "close",
    "text size",
    "font size",
    "increase font size",
    "decrease font size",
    "top",
    "back to top",
    "go to top",
    "scroll to top",
    "skip to content",
    "skip to main content",
    "skip navigation",
    "menu",
    "main menu",
    "open menu",
    "close menu",
    "toggle navigation",
    "navigation",
    "search",
    "share",
    "share this",
    "share this article",
    "print",
    "email",
    "e-mail",
    "tweet",
    "facebook",
    "twitter",
    "linkedin",
    "whatsapp",
    "pinterest",
    "reddit",
    "subscribe",
    "sign in",
    "log in",
    "login",
    "sign up",
    "register",
    "log out",
    "logout",
    "home",
    "next",
    "previous",
    "prev",
    "more",
    "read more",
    "see more",
    "show more",
    "load more",
    "advertisement",
    "ad",
    "ads",
    "sponsored",
    "comments",
    "comment",
    "copy link",
    "link copied",
    "copied",
    "listen",
    "listen to this article",
    "save",
    "bookmark",
    "loading",
    "cookie settings",
    "accept",
    "accept all",
    "reject all",
    "got it",
    "related",
    "related articles",
    "related stories",
    "most read",
    "most popular",
    "trending",
    "latest news",
    "you may also like",
    "recommended",
    "x",
    "a a",
    "a+ a-",
    // Korean
    "본문 바로가기",
    "주메뉴 바로가기",
    "메뉴",
    "전체메뉴",
    "검색",
    "닫기",
    "공유",
    "공유하기",
    "기사 공유",
    "인쇄",
    "글자크기",
    "글씨 크기",
    "글자 크기",
    "맨위로",
    "맨 위로",
    "이전",
    "다음",
    "로그인",
    "회원가입",
    "구독",
    "댓글",
    "스크랩",
    "기사 스크랩",
    "url 복사",
    "많이 본 뉴스",
    "관련기사",
    // Japanese
    "メニュー",
    "検索",
    "閉じる",
    "共有",
    "印刷",
    "ログイン",
    "トップへ戻る",
    "シェア",
    "関連記事",
    // Chinese
    "首页",
    "菜单",
    "搜索",
    "关闭",
    "分享",
    "打印",
    "登录",
    "注册",
    "返回顶部",
    "相关新闻",
    "關閉",
    "分享到",
    // German
    "schließen",
    "suche",
    "teilen",
    "drucken",
    "anmelden",
    "nach oben",
    "zum inhalt springen",
    "mehr zum thema",
    // French
    "fermer",
    "rechercher",
    "partager",
    "imprimer",
    "se connecter",
    "retour en haut",
    "lire aussi",
    // Spanish
    "cerrar",
    "buscar",
    "compartir",
    "imprimir",
    "iniciar sesión",
    "volver arriba",
    "lee también",
    // Russian
    "закрыть",
    "поиск",
    "поделиться",
    "печать",
    "войти",
    "наверх",
    "читайте также",
];

struct Rules {
    ui: HashSet<&'static str>,
    copyright: Regex,
    credit: Regex,
    share: Regex,
    identifier: Regex,
    byline: Regex,
    dateline_word: Regex,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("built-in clean patterns are valid");
    Rules {
        ui: UI_LABELS.iter().copied().collect(),
        copyright: re(
            r"(?i)^\s*(©|ⓒ|\(c\)\s|copyright\b)|all rights reserved|무단\s*전재|재배포\s*금지|版权所有|版權所有|無断転載|無斷轉載|tous droits réservés|alle rechte vorbehalten|todos los derechos reservados|все права защищены",
        ),
        credit: re(
            r"(?i)^[\[(]?\s*(?:image source|image credit|photo credit|photo|photograph|image|picture|credit|사진|이미지|写真|图片|圖片|foto|bild)\s*[=:：]\s*([^\])]{1,150}?)\s*[\])]?$",
        ),
        share: re(
            r"(?i)^(join us on|follow us\b|share (this|on|via|the|article)\b|like us on|find us on|connect with us|subscribe (to|for|now)\b|sign up (for|to)\b|get (our|the) newsletter|click here\b|download (our|the) app|공유하기|구독하기|페이스북|트위터|카카오톡)",
        ),
        identifier: re(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$"),
        byline: re(
            r"^(?:(?i:by|written by|reported by|reporter|posted by|author)[:\s]+\p{Lu}|[가-힣]{2,4}\s?(?:기자|특파원|기상캐스터)(?:\s|$|[(\[]|=)|\S{2,6}\s?(?:記者|记者)\b)",
        ),
        dateline_word: re(
            r"(?i)^(published|updated|posted|last updated|date|입력|수정|등록|발행|승인|登録|更新|公開|发布|發佈|发表|时间|時間|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|опубликовано|обновлено)\b",
        ),
    }
});

/// The compiled cleaner for one configuration.
#[derive(Debug)]
pub struct Cleaner {
    cfg: CleanConfig,
    drop: RegexSet,
    keep: RegexSet,
}

impl Cleaner {
    /// Compiles the configured patterns (already validated by the config loader).
    pub fn new(cfg: &CleanConfig) -> Result<Self, regex::Error> {
        Ok(Self {
            cfg: cfg.clone(),
            drop: RegexSet::new(&cfg.drop_patterns)?,
            keep: RegexSet::new(&cfg.keep_patterns)?,
        })
    }

    /// Classifies every non-empty line of `text`.
    pub fn classify(&self, text: &str) -> Vec<Line> {
        let rules = &*RULES;
        let max_menu = self.cfg.max_menu_words.get();
        let min_prose = self.cfg.min_prose_words.get();
        let mut seen = HashSet::new();
        let mut lines: Vec<Line> = Vec::new();
        let mut forced = Vec::new();
        for raw in text.lines() {
            let cut = crate::record::truncate_str(raw, self.cfg.max_line_bytes.get());
            let text = normalize_line(cut);
            if text.is_empty() {
                continue;
            }
            let words = word_count(&text);
            let prose = is_prose_counted(&text, words, min_prose);
            let label = text.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace()).to_lowercase();
            let keep = self.keep.is_match(&text);
            let class = if keep {
                LineClass::Keep
            } else if self.drop.is_match(&text) {
                LineClass::Drop("drop_pattern")
            } else if words <= 40 && rules.copyright.is_match(&text) {
                LineClass::Copyright
            } else if let Some(c) = rules.credit.captures(&text) {
                LineClass::Credit(c.get(1).map_or_else(String::new, |m| m.as_str().trim().to_string()))
            } else if rules.ui.contains(label.as_str()) || label.is_empty() {
                LineClass::Drop("ui_label")
            } else if rules.identifier.is_match(&text) {
                LineClass::Drop("ui_identifier")
            } else if words <= 12 && rules.share.is_match(&text) {
                LineClass::Drop("share_prompt")
            } else if self.cfg.drop_repeated_lines && !seen.insert(text.to_lowercase()) {
                LineClass::Drop("repeated")
            } else if words <= 10 && rules.byline.is_match(&text) {
                LineClass::Byline
            } else if words <= 12 && !prose && find_date(&text).is_some() {
                if rules.dateline_word.is_match(&text) || words <= 6 { LineClass::Dateline } else { LineClass::Keep }
            } else {
                LineClass::Keep
            };
            forced.push(keep);
            lines.push(Line { text, class, words, prose });
        }
        attach_captions(&mut lines);
        self.find_article(&mut lines, &forced, max_menu);
        lines
    }

    /// Second pass: keep the headline lines above the first prose line and drop what lies outside
    /// the article (menus above it, anything below the copyright footer, short labels after it).
    fn find_article(&self, lines: &mut [Line], forced: &[bool], max_menu: usize) {
        let kept = |l: &Line| l.class == LineClass::Keep;
        let Some(first) = lines.iter().position(|l| kept(l) && l.prose) else {
            return;
        };
        let last = lines.iter().rposition(|l| kept(l) && l.prose).unwrap_or(first);
        let menu_like = |l: &Line| l.words < 3 || (l.words <= max_menu && l.text.len() < 24);
        // Headline run: walking up from the body, up to two headline-shaped lines; short labels in
        // between are dropped, everything above the run is outside the article.
        let mut headlines = 0;
        for i in (0..first).rev() {
            if !kept(&lines[i]) || forced[i] {
                continue;
            }
            if headlines < 2 && !menu_like(&lines[i]) {
                headlines += 1;
            } else if headlines < 2 {
                lines[i].class = LineClass::Drop("menu");
            } else {
                lines[i].class = LineClass::Drop(if menu_like(&lines[i]) { "menu" } else { "before_headline" });
            }
        }
        let footer =
            lines.iter().enumerate().skip(first).find(|(_, l)| l.class == LineClass::Copyright).map(|(i, _)| i);
        for i in first..lines.len() {
            if !kept(&lines[i]) || forced[i] {
                continue;
            }
            if footer.is_some_and(|f| i > f) {
                lines[i].class = LineClass::Drop("after_footer");
            } else if i > last && menu_like(&lines[i]) {
                lines[i].class = LineClass::Drop("after_article");
            }
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

impl Transform for Cleaner {
    type In = Document;
    type Out = Cleaned;
    const STAGE: &'static str = "clean";
    const BLOCKING: bool = true;

    fn process(&self, doc: Document) -> Result<Outcome<Cleaned>, Reject> {
        let lines = self.classify(&doc.text);
        if !lines.iter().any(|l| l.class == LineClass::Keep) {
            let excerpt = doc.text.chars().take(300).collect::<String>();
            return Err(Reject::new("empty_after_cleaning", "no article text left after cleaning", excerpt));
        }
        Ok(Outcome::Emit(Cleaned { prov: doc.prov, format: doc.format, charset: doc.charset, meta: doc.meta, lines }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const SEEDLIKE: &str = include_str!("../../tests/fixtures/seedlike.txt");

    fn cleaner() -> Cleaner {
        Cleaner::new(&CleanConfig::default()).unwrap()
    }

    fn class_of<'a>(lines: &'a [Line], starts: &str) -> &'a LineClass {
        &lines.iter().find(|l| l.text.starts_with(starts)).unwrap_or_else(|| panic!("no line {starts}")).class
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
        assert_eq!(class_of(&lines, "Seoul Unveils Plan To Put Drones Over"), &LineClass::Keep);
        let kept: Vec<_> = lines.iter().filter(|l| l.class == LineClass::Keep).collect();
        assert_eq!(kept.len(), 2 + 5, "{kept:#?}");
        let captions: Vec<_> = lines.iter().filter(|l| l.class == LineClass::Caption).collect();
        assert_eq!(captions.len(), 1);
        assert!(captions[0].text.ends_with("on the 13th."));
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
        assert_eq!(class_of(&lines, "World"), &LineClass::Drop("menu"));
        assert_eq!(class_of(&lines, "By Jane"), &LineClass::Byline);
        assert_eq!(class_of(&lines, "Published"), &LineClass::Dateline);
        assert_eq!(class_of(&lines, "Sponsored"), &LineClass::Drop("drop_pattern"));
        assert_eq!(class_of(&lines, "Menu of the day"), &LineClass::Keep);
        assert_eq!(class_of(&lines, "Big Storm"), &LineClass::Keep);
        assert_eq!(class_of(&lines, "홍길동"), &LineClass::Byline);
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
