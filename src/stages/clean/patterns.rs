//! The built-in interface labels and line patterns of the clean stage: the defaults of
//! `[clean]`, where operators can replace them.

/// The labels of shops', services', recipes', forums' and Q&A sites' buttons and controls, matched like [`UI_LABELS`] but
/// after the line models have judged the page: the models learned with these lines in their
/// context, so they stay there for them.
pub const BUTTON_LABELS: &[&str] = &[
    "learn more",
    "click to expand",
    "reply",
    "like",
    "add to cart",
    "add to basket",
    "add to wishlist",
    "book now",
    "buy now",
    "shop now",
    "more details",
    "view details",
    "see details",
    "view more",
    "view all",
    "see all",
    "show less",
    "read less",
    "quick view",
    "get the recipe",
    "jump to recipe",
    "print recipe",
    "verified purchase",
    "apply now",
    "read full review",
    "compare",
    "more options",
    "read full article",
    "read the article",
    "continue reading",
    "best seller",
    "top rated",
    "new arrival",
    "views",
    "replies",
    "select options",
    "write a review",
    "see more reviews",
    "watch now",
    "in stock",
    "en stock",
    "ask question",
    "improve this question",
    "improve this answer",
    "hot network questions",
    "explore related questions",
    "sorted by: reset to default",
    "start asking to get answers",
    "find the answer to your question by asking",
    "see similar questions with these tags",
    "you must log in to answer this question",
    "featured on meta",
    "start free trial",
    "get started for free",
    "try for free",
    "how to install the app on ios",
    "contact us",
    "table of contents",
    "on this page",
    "expand description",
    "no credit card required",
    "start now",
    "request a demo",
    "need help",
    "add a comment",
    "reply with quote",
    "thank you for your feedback",
    "thank you for subscribing",
    "we care about your privacy",
    "sort by",
    "price: low to high",
    "filter",
    "filters",
    "filter & sort",
    "toggle",
    "you might also like",
    "you may also like",
    "your cart is empty",
    "leave a review",
    "see price at amazon",
    "recommended for you",
    "recommended articles",
    "recommended content",
    "more like this",
    "more articles",
    "read next",
    "related article",
    "related story",
    "related topics",
    "related pages",
    "you might like",
    "you may like to read",
    "you might also enjoy",
    "you may also enjoy",
    "other posts you may enjoy",
    "popular posts",
    "popular articles",
    "more from this author",
    "more from this brand",
    "more from our blog",
    "sign in or join",
    "join now for free",
    "see plans",
    "see case studies",
    "trending searches",
    "who is online",
    "top posters in this topic",
    "be the first to comment",
    "shopping options",
    "featured brands",
    "get a free quote today",
    "sponsor this newsletter",
    "log in to be able to post",
    "checkout",
];

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

/// Default `comment_header_pattern`: the line over one reader's comment in a blog's list of them
/// ("1. [avatar] Kathy Owen says:", "Jess says", "Anna sagt:"), the commenter's name (with the
/// number, the list's bullet and the avatar's placeholder a text browser puts before it: "1. ●
/// Balu says:") and the theme's verb, in the languages of the other rules. Forums quote with
/// "said:" and "wrote:", which are not matched: their posts are the page's content.
pub const COMMENT_HEADER_PATTERN: &str = r"^(?:\d{1,4}\.\s*)?(?:[●•*]\s*)?(?:\[[^\]]{1,40}\]\s*)?[\p{L}\p{N}@][^.!?:]{0,80}?\s(?:says|sagt|dit|dice|disse|zegt)\s*:?$";

/// Default `teaser_pattern`: a link to another article inside this one ("SEE MORE: ...",
/// "Related: ...", "READ MORE: ...", a headline tagged "[VIDEO]" or "[INSIGHT]").
pub const TEASER_PATTERN: &str = r"(?i)^(?:see more|read more|related|also read|read also|must read|more on this|watch|most read|top stories|recommended)\s*[:|]\s*\S|\s\[(?:video|videos|pics|photos|gallery|insight|reaction|analysis|latest|live|poll|report|update)\]\s*\|?$";

/// Default `tags_pattern`: the list of an article's tags or topics under a label ("Tags: ...",
/// "Etiketler: ...", "Теги: ...", "标签：..."), in the languages of the other rules and more.
pub const TAGS_PATTERN: &str = r"(?i)^(?:tags?|tagged(?: with| in)?|topics|filed under|keywords|schlagwörter|stichwörter|themen|étiquettes|mots[- ]clés|etiquetas|palabras clave|etiketler|anahtar kelimeler|теги|метки|ключевые слова|الوسوم|الكلمات المفتاحية|标签|標籤|关键词|關鍵詞|タグ|태그|키워드)\s*[:：]";

/// Default `share_pattern`: share and follow prompts.
pub const SHARE_PATTERN: &str = r"(?i)^(join us on|follow us(?-u:\b)|follow [\w.@ ]{1,40} on (?:instagram|facebook|twitter|youtube|tiktok)|share (this|on|via|the|article)(?-u:\b)|like us on|find us on|connect with us|subscribe (to|for|now)(?-u:\b)|sign up (for|to)(?-u:\b)|get (our|the) newsletter|click here(?-u:\b)|download (our|the) app|공유하기|구독하기|페이스북|트위터|카카오톡)";

/// Default `consent_pattern`: what a consent manager says about cookies ("We use cookies to ...",
/// "By continuing to browse you agree ...", "These cookies are necessary ...", "Accept all cookies"),
/// which a page dump shows as prose among the article's lines.
pub const CONSENT_PATTERN: &str = r"(?i)(?:(?-u:\b)(?:this|our) (?:web)?site (?:uses|is using) cookies|(?-u:\b)we(?:'ll|’ll| will| may| also| only)* (?:and our (?:\d+ )?(?:third[- ]party )?partners )?(?:use|store|set|place|have placed) (?:only |some |a set of |a lot of )?(?:essential |necessary |strictly necessary |optional |functional |first[- ]party )?(?:cookies|technologies like cookies)|(?-u:\b)(?:and|our) (?:\d+ )?(?:named )?(?:third[- ]party )?partners (?:use|store)|(?-u:\b)(?:use|uses|using) cookies (?:from [\w ]{1,30} |and (?:similar|other) (?:technologies|tools) )?to (?:give|ensure|improve|enhance|provide|personali[sz]e|offer|analy[sz]e|help|make|remember|deliver|collect)|(?-u:\b)by (?:clicking|continuing|using|browsing|logging)(?-u:\b).{0,120}?(?-u:\b)(?:agree|consent|accept)|(?-u:\b)(?:agree|consent|agreeing|consenting|accepting) to (?:the|our) use of (?:all )?cookies|(?-u:\b)(?:accept|reject|decline|manage|customi[sz]e|allow)(?: all| optional)? cookies(?-u:\b)|(?-u:\b)cookie (?:settings|preferences|policy|notice|banner)(?-u:\b)|(?-u:\b)(?:these|necessary|essential|functional|performance|analytic(?:al|s)?|advertising|advertisement|marketing|targeting|social media|preference) cookies(?:, [^,]{1,60},)? (?:are|help|allow|enable|may|ensure|do|store|track|collect|is|will|cannot)(?-u:\b)|(?-u:\b)(?:store and/or access|access and/or store) information on (?:a|your) device|(?-u:\b)sets? (?:this|the) cookie(?-u:\b)|(?-u:\b)this cookie (?:is|was) (?:used|set)(?-u:\b)|(?-u:\b)cookies are (?:disabled|blocked|turned off)(?-u:\b))";

/// Default `filler_pattern`: what a page prints in place of its content, never part of it: a
/// browser's fallback notice ("Your browser does not support the video tag.", "JavaScript is
/// disabled. For a better experience, ...", "Please enable JavaScript to view the comments", a
/// forum's "You are using an out of date browser", "install our site as a web app"), a sharing
/// widget's screen-reader labels (WordPress' "Click to share on X (Opens in new window)", "Like
/// Loading..."), a forum's sign-in prompt ("You must log in or register to reply here.", "By
/// clicking “Post Your Answer”, you agree to ..."), a form's small print ("By signing up, you agree
/// to our Privacy Policy", "This site is protected by reCAPTCHA") and a template's placeholder text
/// ("Lorem ipsum dolor sit amet").
pub const FILLER_PATTERN: &str = r"(?i)(?-u:\b)(?:your (?:web )?browser (?:does ?n[o']t|doesn’t|cannot|can ?not|can't|can’t) (?:seem to )?(?:support|play|display)|(?:enable|turn on|activate|allow) (?:your )?javascript|javascript (?:is|must be|has been|seems to be|appears to be) (?:disabled|turned off|required|enabled)|requires? javascript|(?:site|page|app) uses javascript|javascript (?:support )?is required|upgrade (?:your|to a) (?:modern |newer |different )?browser|(?:outdated|unsupported|old|out of date) browser|install (?:our|this) site as a web app|(?:upgrade|update) (?:your browser )?or use an? (?:alternative|different|modern|newer) browser|(?:not be|isn't|is not) (?:available|supported) in (?:some|all|older|your|this) browsers?|^click to (?:share|email|print)(?-u:\b).{0,60}\(opens in (?:a )?new window\)|^like loading\.\.\.$|^you must (?:log ?in|sign ?in|be (?:logged|signed) in)(?: or (?:register|sign up))? to (?:reply|post|comment|answer)|^by clicking .{0,3}post your (?:answer|reply|comment)|^create an account or (?:log|sign) in to (?:comment|reply|post)|looks like you(?:'|’)re interested in this conversation|protected by recaptcha|^by (?:submitting|signing up|subscribing|clicking|entering|providing)(?-u:\b).{0,100}(?-u:\b)(?:you agree|you consent|you accept|you acknowledge|i agree)|lorem ipsum)";

/// Default `promo_pattern`: a site's pitch for its newsletter or its membership, printed beside or
/// inside every article ("Sign up for our weekly newsletter", "Get the latest news delivered
/// straight to your inbox", "Join All Access to unlock members-only content", "This story is funded
/// by readers like you"), and what the sign-up form says back ("Thank you for subscribing! Check
/// your inbox", "Already have an account? Log in").
pub const PROMO_PATTERN: &str = r"(?i)(?-u:\b)(?:(?:sign up|subscribe|register)\s+(?:for|to)\s+(?:our|the|my)\s.{0,40}newsletter|(?:delivered|sent|straight|directly|right)\s+(?:to|in|into)\s+your\s+inbox|(?:join|subscribe to)\s+our\s+(?:mailing list|newsletter)|unlock\s+(?:members[- ]only|exclusive|premium)|(?:funded|supported) by readers like you|already have an account|check your inbox|thanks? (?:you )?for (?:signing up|subscribing))";

/// Default `thread_end_pattern`: the headings under which a forum's or Q&A site's page lists other
/// threads once its own has ended: Stack Exchange's "Explore related questions", "Featured on
/// Meta" and "Hot Network Questions", XenForo's "Similar threads", Discourse's "Suggested Topics".
pub const THREAD_END_PATTERN: &str =
    r"(?i)^(?:hot network questions|explore related questions|featured on meta|similar threads|suggested topics)$";

/// Default `banner_pattern`: the banner every United States government site shows over its page
/// ("An official website of the United States government", "Here's how you know", "Official
/// websites use .gov"), which a page dump shows as the page's first prose.
pub const BANNER_PATTERN: &str = r"(?i)^(?:an official website of the united states government|here(?:'|’)s how you know|official websites use \.gov|secure \.gov websites use https|a \.gov website belongs to an official government organization|a lock \(.{0,40}\) or https://|the \.gov means it(?:'|’)s official|federal government websites often end in \.gov|the site is secure\.?$|the https:// ensures that you are connecting to the official website)";

/// Default `identifier_pattern`: a code identifier leaked into the page (`bar_progress`).
pub const IDENTIFIER_PATTERN: &str = r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$";

/// Default `byline_pattern`: an author line.
pub const BYLINE_PATTERN: &str = r"^(?:(?i:by|written by|reported by|reporter|posted by|author|von|par|por|di|door|автор)[:\s]+\p{Lu}|[가-힣]{2,4}\s?(?:기자|특파원|기상캐스터)(?:\s|$|[(\[]|=)|\S{2,6}\s?(?:記者|记者))";

/// Default `dateline_pattern`: words that introduce a publication date.
pub const DATELINE_PATTERN: &str = r"(?i)^(published|updated|posted|last updated|last edited|edited|created|modified|date|입력|수정|등록|발행|승인|登録|更新|公開|发布|發佈|发表|时间|時間|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|опубликовано|обновлено)(?-u:\b)";

/// What a shop's or a software vendor's menu browses by (`By Industry`, `By Use Case`, `By Team
/// Size`): lines shaped like a byline that name no one.
pub const BROWSE_FACETS: [&str; 47] = [
    "age",
    "audience",
    "brand",
    "business need",
    "category",
    "challenge",
    "channel",
    "color",
    "company size",
    "country",
    "date",
    "degree",
    "department",
    "feature",
    "format",
    "function",
    "functionality",
    "goal",
    "industry",
    "integration",
    "interest",
    "job function",
    "job title",
    "language",
    "level",
    "location",
    "manufacturer",
    "need",
    "platform",
    "popularity",
    "price",
    "product",
    "program",
    "region",
    "role",
    "school",
    "season",
    "sector",
    "service",
    "service & solution",
    "size",
    "solution",
    "specialty",
    "team size",
    "topic",
    "type",
    "use case",
];
