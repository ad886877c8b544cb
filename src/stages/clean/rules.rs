//! The per-line rules of the clean stage: the built-in interface labels and patterns (the
//! defaults of `[clean]`, where operators can replace them), compiled once per configuration.

use std::collections::HashSet;

use regex::{Regex, RegexSet};

use super::config::CleanConfig;

/// Interface labels that are never article text, matched on the whole line (lower-cased, outer
/// punctuation trimmed). Many languages, because sites are.
pub const UI_LABELS: &[&str] = &[
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
    "continue reading below",
    "story continues below",
    "story continues below advertisement",
    "article continues below",
    "continue reading the main story",
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
    "related news",
    "back to gallery",
    "most read",
    "most popular",
    "trending",
    "latest news",
    "you may also like",
    "you may also be interested in",
    "recommended",
    "advert",
    "article continues",
    "printer friendly page",
    "printer-friendly page",
    "printer friendly version",
    "this slideshow requires javascript",
    "related links",
    "related posts",
    "related content",
    "explore further",
    "read on",
    "don't miss",
    "refer to a friend",
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

/// Default `copyright_pattern`: a copyright notice (names the publisher; the text is dropped).
pub const COPYRIGHT_PATTERN: &str = r"(?i)^\s*(?:©|ⓒ|\(c\)|copyright(?-u:\b))(?:\s*(?:©|\(c\)))?\s*(?:(?:19|20)\d{2}|\p{L}[\p{L}.&'-]*\s+\p{L})|all rights reserved|is subject to copyright|무단\s*전재|재배포\s*금지|版权所有|版權所有|無断転載|無斷轉載|tous droits réservés|alle rechte vorbehalten|todos los derechos reservados|все права защищены";

/// Default `credit_pattern`: an image credit line; group 1 is the credit.
pub const CREDIT_PATTERN: &str = r"(?i)^[\[(]?\s*(?:image source|image credit|photo credit|photo|photograph|image|picture|credit|사진|이미지|写真|图片|圖片|foto|bild)\s*[=:：]\s*([^\])]{1,150}?)\s*[\])]?$";

/// Default `caption_credit_pattern`: an image caption that ends in its credit, as wire photos
/// do ("... in Hialeah, Fla. (AP Photo/Alan Diaz, File)"); group 1 is the credit.
pub const CAPTION_CREDIT_PATTERN: &str = r"(?i)\s[(\[](?:\p{Lu}[\w.&'-]*\s+){0,3}(?:photo|photograph|image|picture|foto|credit)s?\s*(?:/|:|by\s)\s*([^()\[\]]{2,80}?)\s*[)\]]$";

/// Default `caption_pattern`: the conventions of press photo captions ("FILE PHOTO: ...", "In this
/// Jan. 8 photo, ...", "Mark Esper, left, and Ngo Xuan Lich shake hands ..."): such a line describes
/// a picture, and is its caption rather than article text. Its word boundaries are ASCII ones
/// (`(?-u:\b)`): with a Unicode boundary the regex engine cannot use its DFA on lines with
/// non-ASCII text, and this pattern alone doubled the cost of cleaning a page.
pub const CAPTION_PATTERN: &str = r"(?:^(?i:file photo|file|photo|pictured|handout)\s*[:–—-]\s|(?i:(?-u:\b)in this (?:\S+ ){0,6}(?:photo|image|picture|photograph|frame grab|video grab|screen ?shot|handout)(?-u:\b))|\p{Lu}[\p{L}.'’-]*(?: \((?:left|right|centre|center)\)|, (?:left|right|centre|center|second (?:from )?(?:left|right)|from left|front|rear),(?: |$))|[.!?][\x22”’]? \(\p{Lu}[\p{L}.'’&-]*(?:[ /]\p{Lu}[\p{L}.'’&-]*){0,4}\)$)";

/// Default `comments_start_pattern`: the heading of a readers' comments section, after the image
/// placeholder a text browser may put before it (`[comments] Post a comment`).
pub const COMMENTS_START_PATTERN: &str = r"(?i)^(?:\[[^\]]*\]\s*)?(?:(?:\d+\s+)?(?:readers?'?\s+|your\s+|user\s+|latest\s+)?comments?(?:\s*\(\d+\))?(?:\s+are\s+(?:now\s+)?closed.*)?[:.]?$|(?:post|leave|add|write|submit)\s+(?:a\s+|your\s+)?(?:comment|reply|view)s?(?-u:\b)|(?:have\s+)?your\s+say$|readers?'?\s+views?(?:\s*\(\d+\))?$|comments\s+are\s+(?:now\s+)?closed|(?:\d+\s+)?(?:kommentare|commentaires|comentarios|댓글|コメント|评论|評論)(?:\s*\(\d+\))?:?$)";

/// Default `teaser_pattern`: a link to another article inside this one ("SEE MORE: ...",
/// "Related: ...", "READ MORE: ...", a headline tagged "[VIDEO]" or "[INSIGHT]").
pub const TEASER_PATTERN: &str = r"(?i)^(?:see more|read more|related|also read|read also|must read|more on this|watch|most read|top stories|recommended)\s*[:|]\s*\S|\s\[(?:video|videos|pics|photos|gallery|insight|reaction|analysis|latest|live|poll|report|update)\]\s*\|?$";

/// Default `tags_pattern`: the list of an article's tags or topics under a label ("Tags: ...",
/// "Etiketler: ...", "Теги: ...", "标签：..."), in the languages of the other rules and more.
pub const TAGS_PATTERN: &str = r"(?i)^(?:tags?|tagged(?: with| in)?|topics|filed under|keywords|schlagwörter|stichwörter|themen|étiquettes|mots[- ]clés|etiquetas|palabras clave|etiketler|anahtar kelimeler|теги|метки|ключевые слова|الوسوم|الكلمات المفتاحية|标签|標籤|关键词|關鍵詞|タグ|태그|키워드)\s*[:：]";

/// Default `share_pattern`: share and follow prompts.
pub const SHARE_PATTERN: &str = r"(?i)^(join us on|follow us(?-u:\b)|follow [\w.@ ]{1,40} on (?:instagram|facebook|twitter|youtube|tiktok)|share (this|on|via|the|article)(?-u:\b)|like us on|find us on|connect with us|subscribe (to|for|now)(?-u:\b)|sign up (for|to)(?-u:\b)|get (our|the) newsletter|click here(?-u:\b)|download (our|the) app|공유하기|구독하기|페이스북|트위터|카카오톡)";

/// Default `identifier_pattern`: a code identifier leaked into the page (`bar_progress`).
pub const IDENTIFIER_PATTERN: &str = r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$";

/// Default `byline_pattern`: an author line.
pub const BYLINE_PATTERN: &str = r"^(?:(?i:by|written by|reported by|reporter|posted by|author|von|par|por|di|door|автор)[:\s]+\p{Lu}|[가-힣]{2,4}\s?(?:기자|특파원|기상캐스터)(?:\s|$|[(\[]|=)|\S{2,6}\s?(?:記者|记者))";

/// Default `dateline_pattern`: words that introduce a publication date.
pub const DATELINE_PATTERN: &str = r"(?i)^(published|updated|posted|last updated|last edited|edited|created|modified|date|입력|수정|등록|발행|승인|登録|更新|公開|发布|發佈|发表|时间|時間|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|опубликовано|обновлено)(?-u:\b)";

/// The rules of one configuration, compiled.
#[derive(Debug)]
pub struct Rules {
    /// Interface labels, lower-cased.
    pub ui: HashSet<String>,
    /// Longest label in bytes: longer lines are not looked up.
    pub max_label_bytes: usize,
    /// See [`COPYRIGHT_PATTERN`].
    pub copyright: Regex,
    /// See [`CREDIT_PATTERN`].
    pub credit: Regex,
    /// See [`CAPTION_CREDIT_PATTERN`].
    pub caption_credit: Regex,
    /// See [`CAPTION_PATTERN`].
    pub caption: Regex,
    /// Either of `copyright` and `caption`: one search tells most lines neither applies, where
    /// the two alone cost two (both search the whole line). `None` when the two together exceed
    /// the regex size limit: then each is asked on its own.
    pub copyright_or_caption: Option<Regex>,
    /// The heading of a readers' comments section.
    pub comments_start: Regex,
    /// A link to another article inside this one.
    pub teaser: Regex,
    /// `tags_pattern`.
    pub tags: Regex,
    /// See [`SHARE_PATTERN`].
    pub share: Regex,
    /// See [`IDENTIFIER_PATTERN`].
    pub identifier: Regex,
    /// See [`BYLINE_PATTERN`].
    pub byline: Regex,
    /// See [`DATELINE_PATTERN`].
    pub dateline: Regex,
    /// `drop_patterns`.
    pub drop: RegexSet,
    /// `keep_patterns`.
    pub keep: RegexSet,
}

/// Every pattern of a `[clean]` section that does not compile: (key, why).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.iter().map(|(key, why)| format!("clean.{key}: {why}")).collect::<Vec<_>>().join("; "))]
pub struct RulesError(pub Vec<(&'static str, String)>);

impl Rules {
    /// Compiles the rules of `cfg`, naming every pattern that does not compile.
    pub fn compile(cfg: &CleanConfig) -> Result<Self, RulesError> {
        let mut errors = Vec::new();
        let mut one = |key: &'static str, pattern: &str| {
            Regex::new(pattern).map_err(|e| errors.push((key, format!("bad regular expression: {e}")))).ok()
        };
        let copyright = one("copyright_pattern", &cfg.copyright_pattern);
        let credit = one("credit_pattern", &cfg.credit_pattern);
        let caption_credit = one("caption_credit_pattern", &cfg.caption_credit_pattern);
        let caption = one("caption_pattern", &cfg.caption_pattern);
        let comments_start = one("comments_start_pattern", &cfg.comments_start_pattern);
        let teaser = one("teaser_pattern", &cfg.teaser_pattern);
        let tags = one("tags_pattern", &cfg.tags_pattern);
        let share = one("share_pattern", &cfg.share_pattern);
        let identifier = one("identifier_pattern", &cfg.identifier_pattern);
        let byline = one("byline_pattern", &cfg.byline_pattern);
        let dateline = one("dateline_pattern", &cfg.dateline_pattern);
        let drop = pattern_set("drop_patterns", &cfg.drop_patterns, &mut errors);
        let keep = pattern_set("keep_patterns", &cfg.keep_patterns, &mut errors);
        let (
            Some(copyright),
            Some(credit),
            Some(caption_credit),
            Some(caption),
            Some(comments_start),
            Some(teaser),
            Some(tags),
            Some(share),
            Some(identifier),
            Some(byline),
            Some(dateline),
            Some(drop),
            Some(keep),
        ) = (
            copyright,
            credit,
            caption_credit,
            caption,
            comments_start,
            teaser,
            tags,
            share,
            identifier,
            byline,
            dateline,
            drop,
            keep,
        )
        else {
            return Err(RulesError(errors));
        };
        let ui: HashSet<String> = cfg.ui_labels.iter().map(|l| l.to_lowercase()).collect();
        Ok(Self {
            max_label_bytes: ui.iter().map(String::len).max().unwrap_or(0),
            ui,
            copyright_or_caption: Regex::new(&format!("(?:{})|(?:{})", cfg.copyright_pattern, cfg.caption_pattern))
                .ok(),
            copyright,
            credit,
            caption_credit,
            caption,
            comments_start,
            teaser,
            tags,
            share,
            identifier,
            byline,
            dateline,
            drop,
            keep,
        })
    }
}

/// One set of patterns; a pattern that does not compile is named on its own.
fn pattern_set(key: &'static str, patterns: &[String], errors: &mut Vec<(&'static str, String)>) -> Option<RegexSet> {
    let before = errors.len();
    for p in patterns {
        if let Err(e) = Regex::new(p) {
            errors.push((key, format!("bad regular expression `{p}`: {e}")));
        }
    }
    if errors.len() > before {
        return None;
    }
    RegexSet::new(patterns).map_err(|e| errors.push((key, e.to_string()))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_rules_compile() {
        let r = Rules::compile(&CleanConfig::default()).unwrap();
        assert!(r.ui.contains("본문 바로가기") && r.ui.contains("text size"));
        assert!(r.copyright.is_match("© The Asia Business Daily(www.asiae.co.kr). All rights reserved."));
        assert!(!r.copyright.is_match("Copyright"));
        assert_eq!(&r.credit.captures("[Image source=Yonhap News]").unwrap()[1], "Yonhap News");
        assert!(r.identifier.is_match("bar_progress") && !r.identifier.is_match("Jean-Pierre"));
    }

    #[test]
    fn the_joint_search_matches_where_either_pattern_does() {
        let r = Rules::compile(&CleanConfig::default()).unwrap();
        let joint = r.copyright_or_caption.as_ref().unwrap();
        for line in [
            "© 2024 Example News. All rights reserved.",
            "FILE PHOTO: A man walks past the central bank in Frankfurt.",
            "Jane Doe, left, and John Roe at the opening.",
            "The council said on Tuesday that the work would begin in the spring.",
            "COPYRIGHT",
            "(c) Example",
            "무단 전재 및 재배포 금지",
            "",
        ] {
            assert_eq!(joint.is_match(line), r.copyright.is_match(line) || r.caption.is_match(line), "{line:?}");
        }
    }
}
