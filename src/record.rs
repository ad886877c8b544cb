//! The types that flow between stages: a source `Document`, a `Cleaned` document, the output
//! `Article`, and the `Rejection` that goes to the dead letter instead.
//!
//! Every item carries a [`Ticket`]: its place in its input (a file's byte range, a stream's
//! message). The outputs hand tickets back once the record is durable, and only then may the
//! source count it as done (move a file's checkpoint, acknowledge a message).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

/// Identifies an input file across renames: device and inode, checked against a hash of its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileKey {
    /// Device number.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
}

impl std::fmt::Display for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.dev, self.ino)
    }
}

/// Whoever hands documents out and must hear when each is durably handled (its output, or its
/// rejection, is durable; or it ended on purpose): the source's side of the commit protocol.
pub trait Acknowledge: Send + Sync {
    /// The document of `ticket` is done with.
    fn ack(&self, ticket: &Ticket);
}

/// Several listeners to the same acknowledgements (the source, the dedup window), in order.
pub struct AckAll(pub Vec<Arc<dyn Acknowledge>>);

impl Acknowledge for AckAll {
    fn ack(&self, ticket: &Ticket) {
        self.0.iter().for_each(|a| a.ack(ticket));
    }
}

/// A document's place in its input, used to acknowledge it end to end: a byte range of a file,
/// or a message of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticket {
    /// A document of a file.
    File(FileTicket),
    /// A message of a broker's stream.
    Message(MessageTicket),
}

/// A document's byte range in its input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileTicket {
    /// The file.
    pub file: FileKey,
    /// The generation of the file's checkpoint this ticket belongs to (bumped when a file is replaced).
    pub generation: u64,
    /// First byte of the document.
    pub start: u64,
    /// One past its last byte (the next document starts here).
    pub end: u64,
    /// A feed item's key (hash of its guid or link; 0 for other documents): once the item is
    /// handled, a rewritten feed file does not yield it again.
    pub item: u64,
    /// Where the document's own bytes begin (a JSON line's first byte; 0 for whole files and feed
    /// items). Unlike `start`, which depends on where a read began (blank lines and a line's
    /// newline belong to the range of the document after them), it is the same on every read.
    pub doc_start: u64,
    /// Length of the document's own bytes (a JSON line without its line end; a whole file's
    /// size; 0 for feed items, which their `item` key identifies).
    pub doc_len: u64,
}

/// A message of a stream (a JetStream stream sequence), the same on every delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageTicket {
    /// Which stream and consumer (a hash of their names): tells sources apart.
    pub source: u64,
    /// The message's sequence number in its stream.
    pub seq: u64,
    /// Which of the message's documents (a feed's items; 0 for one document).
    pub part: u32,
}

impl Ticket {
    /// Where the document sits in its input, the same on every read of the same file or every
    /// delivery of the same message (unlike a file's `generation`, which is per run): lets the
    /// dedup index recognise a document it saw before a crash but whose output did not survive
    /// it. Never 0.
    pub(crate) fn origin(&self) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        match self {
            Ticket::File(t) => {
                for n in [t.file.dev, t.file.ino, t.doc_start, t.doc_len, t.item] {
                    h.update(&n.to_le_bytes());
                }
            }
            Ticket::Message(m) => {
                h.update(b"message");
                for n in [m.source, m.seq, u64::from(m.part)] {
                    h.update(&n.to_le_bytes());
                }
            }
        }
        h.digest().max(1)
    }

    /// The file range, for a document of a file.
    pub fn file(&self) -> Option<&FileTicket> {
        match self {
            Ticket::File(t) => Some(t),
            Ticket::Message(_) => None,
        }
    }
}

/// Where a document came from; carried unchanged through every stage.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The document's stable id (shared: every stage keeps a copy for its error path).
    pub id: Arc<str>,
    /// The input file (for a message: `nats://STREAM/SEQUENCE`).
    pub path: Arc<Path>,
    /// Byte offset of the document in a multi-document file (JSON lines), `None` for whole files.
    pub offset: Option<u64>,
    /// For acknowledgement.
    pub ticket: Ticket,
}

/// The input formats the file source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A plain-text page dump, one document per file.
    Text,
    /// An HTML page, one document per file.
    Html,
    /// One JSON object per line.
    Jsonl,
    /// An RSS or Atom feed: one document per item.
    Feed,
}

/// A document as read by the source: decoded text plus whatever metadata the input stated.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub prov: Provenance,
    /// Its format.
    pub format: Format,
    /// The charset it was decoded from, when it was not UTF-8.
    pub charset: Option<&'static str>,
    /// The page text, one line per visual line, or the page's HTML markup.
    pub text: String,
    /// Whether `text` is plain text or HTML.
    pub markup: Markup,
    /// Metadata stated by the input (JSON lines fields).
    pub meta: InputMeta,
}

impl Document {
    /// A whole-file document that no source read (benchmarks, fuzzing, tests): its id is `id`,
    /// its ticket covers `text`, and nothing acknowledges it.
    pub fn standalone(id: &str, path: &Path, format: Format, markup: Markup, text: String) -> Self {
        let len = text.len() as u64;
        Self {
            prov: Provenance {
                id: id.into(),
                path: path.into(),
                offset: None,
                ticket: Ticket::File(FileTicket {
                    file: FileKey { dev: 0, ino: 0 },
                    generation: 0,
                    start: 0,
                    end: len,
                    item: 0,
                    doc_start: 0,
                    doc_len: len,
                }),
            },
            format,
            charset: None,
            text,
            markup,
            meta: InputMeta::default(),
        }
    }
}

/// What a document's text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Markup {
    /// Plain text (a page dump, a JSON-lines `text`).
    #[default]
    Text,
    /// An HTML page (a file, a JSON-lines `html`).
    Html,
    /// HTML holding only the article (a feed item's content): the rules and the markup's roles
    /// apply, the page model (which looks for the article among page furniture) does not.
    HtmlFragment,
}

/// Metadata an input may state outright; extraction trusts it over what it finds in the text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputMeta {
    /// Canonical URL.
    pub url: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Publication time as given.
    pub published: Option<String>,
    /// Publisher / outlet name.
    pub outlet: Option<String>,
    /// Author(s).
    pub author: Option<String>,
    /// Last update time as given.
    pub updated: Option<String>,
    /// Declared language code.
    pub lang: Option<String>,
    /// Whether the page's locale writes numeric dates day first (`12/03/2026` the 12th of March):
    /// from a locale it states (see [`crate::date::day_first`]); `None` when that says nothing.
    pub day_first: Option<bool>,
    /// Lead image URL.
    pub image: Option<String>,
    /// Categories or tags the input states.
    pub categories: Vec<String>,
    /// A summary of the article (a page's description; often its deck or lede).
    pub description: Option<String>,
    /// The input states a headline but no text (a feed item without description or content,
    /// with `feed_items_without_text = "emit"`): the record is written with an empty body.
    pub headline_only: bool,
    /// Text was left out at a configured limit (`clean.max_line_bytes`, `clean.max_html_blocks`).
    pub truncated: bool,
}

impl InputMeta {
    /// Fills every field the input left empty from what a less trusted source states (the page's
    /// markup, after a JSON-lines object or a feed item).
    pub(crate) fn fill_from(&mut self, other: InputMeta) {
        let fill = |field: &mut Option<String>, value: Option<String>| {
            if field.as_deref().is_none_or(|f| f.trim().is_empty()) {
                *field = value;
            }
        };
        fill(&mut self.url, other.url);
        fill(&mut self.title, other.title);
        fill(&mut self.published, other.published);
        fill(&mut self.outlet, other.outlet);
        fill(&mut self.author, other.author);
        fill(&mut self.updated, other.updated);
        fill(&mut self.lang, other.lang);
        self.day_first = self.day_first.or(other.day_first);
        fill(&mut self.image, other.image);
        fill(&mut self.description, other.description);
        if self.categories.is_empty() {
            self.categories = other.categories;
        }
    }
}

/// What the cleaner made of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineClass {
    /// Part of the article body.
    Keep,
    /// The headline.
    Title,
    /// The deck / standfirst under the headline.
    Subtitle,
    /// Chrome; the rule that dropped it.
    Drop(&'static str),
    /// A copyright notice (dropped from text, names the publisher).
    Copyright,
    /// An image credit (dropped from text, attached to the caption before it).
    Credit(String),
    /// An image caption (dropped from text, kept as caption data).
    Caption,
    /// An image caption ending in its credit; the credit and where it starts in the text.
    CaptionCredit {
        /// Who the image is credited to.
        credit: String,
        /// Byte offset in the line where the credit part starts.
        at: usize,
    },
    /// A byline.
    Byline,
    /// A line stating the publication date.
    Dateline,
}

/// One input line with the cleaner's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The normalised line text.
    pub text: String,
    /// The verdict.
    pub class: LineClass,
    /// Its word count ([`crate::text::word_count`]), measured once for every rule that needs it.
    pub words: usize,
    /// Whether it reads as prose ([`crate::text::is_prose_counted`]).
    pub prose: bool,
    /// The line model's probability that this is article text, when the model judged it.
    pub score: Option<f32>,
    /// The words cut off because they belong to neighbouring columns (`text` is what is left).
    pub cut: Option<Box<Cut>>,
}

impl Line {
    /// Dropped by the cleaner's model, or as part of a comments section, and scored by the model:
    /// the extractor may still let it into the body once it knows the page's type (a listing's
    /// items, a thread's replies), so a page holding only such lines is not empty yet.
    pub fn doubted(&self) -> bool {
        matches!(self.class, LineClass::Drop("model" | "comment_section")) && self.score.is_some()
    }
}

/// The words a line of a page dump lost to the columns beside the article's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Words before the article's run.
    pub before: String,
    /// Words after it.
    pub after: String,
}

/// A page's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageType {
    /// News, blog posts, how-tos, explainers.
    Article,
    /// A company's or school's page about what it offers.
    Service,
    /// A discussion thread, questions and answers.
    Forum,
    /// A shop's category page (many products).
    Collection,
    /// An index of articles or links.
    Listing,
    /// One product in a shop.
    Product,
    /// Manuals, tutorials, reference pages.
    Documentation,
}

impl PageType {
    /// Every type, in the order of the model's outputs.
    pub const ALL: [PageType; 7] = [
        Self::Article,
        Self::Service,
        Self::Forum,
        Self::Collection,
        Self::Listing,
        Self::Product,
        Self::Documentation,
    ];

    /// The name used in the config, the output and the dead letter.
    pub fn name(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Service => "service",
            Self::Forum => "forum",
            Self::Collection => "collection",
            Self::Listing => "listing",
            Self::Product => "product",
            Self::Documentation => "documentation",
        }
    }

    /// Its place in [`PageType::ALL`] (the model's output for it).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The type of a name ([`PageType::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for PageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an HTML page's markup says about the page as a whole (not about any one block): the
/// schema.org types it states, its OpenGraph type, and counts of elements and class names that
/// tell an article from a shop, a forum thread or an index. The page-type model reads them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageSignals {
    /// [`schema`] flags of the JSON-LD `@type`s and microdata `itemtype`s on the page.
    pub schema: u32,
    /// `og:type`, lower-cased (`article`, `product`, `website`, ...), when stated.
    pub og_type: Option<String>,
    /// Elements on the page (those in `<head>` too).
    pub elements: u32,
    /// Links (`<a>` elements).
    pub links: u32,
    /// `<article>` elements (a listing holds many, an article page one or two).
    pub articles: u32,
    /// `<time>` elements (a thread dates every post).
    pub times: u32,
    /// Form controls (`<input>`, `<select>`, `<textarea>`, `<button>`).
    pub controls: u32,
    /// Images.
    pub images: u32,
    /// `<pre>` and `<code>` elements.
    pub code: u32,
    /// Elements whose class or id holds a word of each [`class_kind`] list.
    pub class_kinds: [u32; class_kind::COUNT],
}

/// schema.org types, grouped by what they say about a page ([`PageSignals::schema`]).
pub mod schema {
    /// `Article`, `NewsArticle`, `BlogPosting`, ... (not `TechArticle`).
    pub(crate) const ARTICLE: u32 = 1;
    /// `Product`, `Offer`, `ProductGroup`, ...
    pub(crate) const PRODUCT: u32 = 1 << 1;
    /// `DiscussionForumPosting`, `QAPage`, `Question`, `Answer`.
    pub(crate) const FORUM: u32 = 1 << 2;
    /// `ItemList`, `CollectionPage`, `SearchResultsPage`, `OfferCatalog`.
    pub(crate) const COLLECTION: u32 = 1 << 3;
    /// `FAQPage`.
    pub(crate) const FAQ: u32 = 1 << 4;
    /// `Service`, `LocalBusiness`, `Course`, `EducationalOrganization`, ...
    pub(crate) const SERVICE: u32 = 1 << 5;
    /// `TechArticle`, `APIReference`, `SoftwareSourceCode`, `SoftwareApplication`.
    pub(crate) const DOCS: u32 = 1 << 6;
    /// `Review`, `AggregateRating`, `Rating`.
    pub(crate) const REVIEW: u32 = 1 << 7;
    /// `Recipe`, `HowTo`.
    pub(crate) const HOWTO: u32 = 1 << 8;
    /// `VideoObject`.
    pub(crate) const VIDEO: u32 = 1 << 9;
    /// `Event`.
    pub(crate) const EVENT: u32 = 1 << 10;
    /// `Comment`.
    pub(crate) const COMMENT: u32 = 1 << 11;
    /// `Person`, `ProfilePage`.
    pub(crate) const PERSON: u32 = 1 << 12;
    /// `BreadcrumbList`.
    pub(crate) const BREADCRUMB: u32 = 1 << 13;
    /// `WebPage`, `AboutPage`, `ContactPage`.
    pub(crate) const WEBPAGE: u32 = 1 << 14;
    /// Number of flags.
    pub(crate) const COUNT: usize = 15;

    /// The flag of one `@type` value (a full URL or a prefixed name counts by its last part).
    pub fn of(t: &str) -> u32 {
        let t = t.rsplit(['/', ':', '#']).next().unwrap_or(t).trim();
        match t {
            "TechArticle" | "APIReference" | "SoftwareSourceCode" | "SoftwareApplication" | "WebApplication" => DOCS,
            "BlogPosting" | "LiveBlogPosting" | "SocialMediaPosting" | "Report" => ARTICLE,
            t if t.ends_with("Article") => ARTICLE,
            "Product" | "ProductGroup" | "IndividualProduct" | "ProductModel" | "Offer" | "AggregateOffer" | "Car"
            | "Vehicle" => PRODUCT,
            "DiscussionForumPosting" | "QAPage" | "Question" | "Answer" => FORUM,
            "ItemList" | "CollectionPage" | "SearchResultsPage" | "OfferCatalog" => COLLECTION,
            "FAQPage" => FAQ,
            "Service"
            | "LocalBusiness"
            | "ProfessionalService"
            | "Course"
            | "EducationalOrganization"
            | "CollegeOrUniversity"
            | "MedicalClinic"
            | "FinancialProduct"
            | "EducationalOccupationalProgram"
            | "Store"
            | "Restaurant"
            | "Hotel" => SERVICE,
            "Review" | "AggregateRating" | "Rating" => REVIEW,
            "Recipe" | "HowTo" => HOWTO,
            "VideoObject" => VIDEO,
            "Event" => EVENT,
            "Comment" => COMMENT,
            "Person" | "ProfilePage" => PERSON,
            "BreadcrumbList" => BREADCRUMB,
            "WebPage" | "AboutPage" | "ContactPage" => WEBPAGE,
            _ => 0,
        }
    }
}

/// Kinds of class/id words that mark what a page is ([`PageSignals::class_kinds`]).
pub mod class_kind {
    /// Shop furniture: `price`, `cart`, `basket`, `checkout`, `sku`, `quantity`, `swatch`, `variant`.
    pub const SHOP: usize = 0;
    /// `product`.
    pub const PRODUCT: usize = 1;
    /// `rating`, `review`, `stars`.
    pub const REVIEW: usize = 2;
    /// A thread's furniture: `reply`, `thread`, `topic`, `forum`, `avatar`, `member`, `username`,
    /// `message`, `answer`, `vote`, `comment`.
    pub const FORUM: usize = 3;
    /// Documentation: `toc`, `docs`, `documentation`, `highlight`, `syntax`, `api`, `code`.
    pub const DOCS: usize = 4;
    /// An index: `card`, `grid`, `tile`, `pagination`, `pager`, `listing`, `archive`, `results`,
    /// `filter`, `facet`, `collection`, `category`.
    pub const LISTING: usize = 5;
    /// An article: `article`, `byline`, `author`, `entry-content`, `story`, `dateline`, `published`.
    pub const ARTICLE: usize = 6;
    /// A service page: `hero`, `cta`, `pricing`, `testimonial`, `faq`, `accordion`, `feature`, `contact`.
    pub const SERVICE: usize = 7;
    /// Number of kinds.
    pub const COUNT: usize = 8;
    /// The words of each kind, in the order of the constants.
    pub const WORDS: [&[&str]; COUNT] = [
        &["price", "cart", "basket", "checkout", "sku", "quantity", "swatch", "variant"],
        &["product"],
        &["rating", "review", "stars"],
        &["reply", "thread", "topic", "forum", "avatar", "member", "username", "message", "answer", "vote", "comment"],
        &["toc", "docs", "documentation", "highlight", "syntax", "api", "code"],
        &[
            "card",
            "grid",
            "tile",
            "pagination",
            "pager",
            "listing",
            "archive",
            "results",
            "filter",
            "facet",
            "collection",
            "category",
        ],
        &["article", "byline", "author", "entry-content", "story", "dateline", "published"],
        &["hero", "cta", "pricing", "testimonial", "faq", "accordion", "feature", "contact"],
    ];
}

/// A cleaned document: the source document's identity plus classified lines.
#[derive(Debug, Clone)]
pub struct Cleaned {
    /// Where it came from.
    pub prov: Provenance,
    /// Its format.
    pub format: Format,
    /// The charset it was decoded from, when it was not UTF-8.
    pub charset: Option<&'static str>,
    /// Metadata stated by the input.
    pub meta: InputMeta,
    /// Every non-empty line, classified.
    pub lines: Vec<Line>,
    /// What an HTML page's markup says about the page as a whole (`None` for text, a feed item's
    /// content and a headline-only record).
    pub signals: Option<Box<PageSignals>>,
    /// The page's type, as the page-type model decided it from the lines the first block model
    /// kept (a page dump: the text model the chooser picked; `None` for a headline-only record).
    /// On a page of any type but article, `lines` hold the verdicts of the model for such pages
    /// (`[clean] non_article_html_model`, `non_article_text_model`).
    pub page_type: Option<TypeVerdict>,
}

/// The page-type model's decision ([`crate::page_type`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeVerdict {
    /// The most likely type.
    pub page_type: PageType,
    /// Its probability.
    pub probability: f32,
    /// The second most likely type.
    pub runner_up: PageType,
    /// The runner-up's probability.
    pub runner_up_probability: f32,
}

/// Where an article came from, as written in the output.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct SourceInfo {
    /// The input file's path.
    pub path: String,
    /// Byte offset in a multi-document file, `null` for whole files.
    pub offset: Option<u64>,
    /// The input format.
    pub format: Format,
    /// The charset the input was decoded from when it was not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "read::charset")]
    pub charset: Option<read::Fixed>,
}

/// An image caption with its credit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Caption {
    /// The caption text.
    pub text: String,
    /// Who the image is credited to.
    pub credit: Option<String>,
}

/// The output record: one per article, one JSON line in the sink. Field names are a stable API
/// (documented in README.md). It is read back from the internal stream between the extract and
/// dedup roles.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Article {
    /// Stable document id.
    pub id: String,
    /// Where it came from.
    pub source: SourceInfo,
    /// Canonical URL, when known.
    pub url: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Deck / standfirst under the headline.
    pub subtitle: Option<String>,
    /// Body paragraphs in order.
    pub body: Vec<String>,
    /// Author line.
    pub byline: Option<String>,
    /// Publisher name.
    pub publisher: Option<String>,
    /// Publication date (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`, or as the input stated it).
    pub published: Option<String>,
    /// Last update date, when the input states one (as stated).
    pub updated: Option<String>,
    /// ISO 639-1 language code of the body (639-3 where there is no 639-1 code).
    pub lang: Option<String>,
    /// Image captions with credits.
    pub captions: Vec<Caption>,
    /// The lead image's URL, when the input states one.
    pub image: Option<String>,
    /// Categories or tags, when the input states them (feeds).
    pub categories: Vec<String>,
    /// What kind of page it is (`article`, `service`, `forum`, `collection`, `listing`, `product`,
    /// `documentation`); absent for a headline-only record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_type: Option<PageType>,
    /// The input stated a headline but no text: `body` is empty on purpose (feed items, with
    /// `feed_items_without_text = "emit"`). Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub headline_only: bool,
    /// A line or document was cut at a configured limit (`max_line_bytes`, ...): the body is
    /// not the whole input. Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Words in the body (CJK characters count one each).
    pub word_count: usize,
    /// Hash of the normalised body (xxh3-128, hex): equal hashes mean the same text.
    pub content_hash: String,
    /// Id of the earliest document of the same story still held, when this one is a duplicate
    /// (exact or near copy).
    pub duplicate_of: Option<String>,
    /// The story this document belongs to (16 hex digits): every copy of a story carries the id
    /// its first document was given, for as long as any copy is held. `None` with dedup off.
    pub story_id: Option<String>,
    /// How alike this document is to the one it was matched with: 1 for an exact copy, else the
    /// estimated share of the shorter body found in the other. `None` for a story's first document.
    pub similarity: Option<f64>,
    /// `exact` or `near` for duplicates, `new` for a story's first document.
    #[serde(default, deserialize_with = "read::dedup")]
    pub dedup: Option<read::Fixed>,
    /// When newsmill read the document (RFC 3339, UTC).
    pub ingested_at: String,
    /// The body's dedup sketch (hex), carried on the internal stream from the extract role to the
    /// dedup role, which takes it out: never in an output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sketch: Option<String>,
    /// For acknowledgement; not written.
    #[serde(skip)]
    pub ticket: Option<Ticket>,
}

/// Reading back the output's fields that hold one of a few fixed names.
mod read {
    use serde::{Deserialize, Deserializer};

    /// One of a few fixed names (spelled so that serde does not take the field for text
    /// borrowed from the input, which `'static` would make impossible to read).
    pub type Fixed = &'static str;

    /// A charset's name, as the decoder names it (unknown names are dropped).
    pub(super) fn charset<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
        let name = Option::<String>::deserialize(d)?;
        Ok(name.and_then(|n| encoding_rs::Encoding::for_label(n.as_bytes())).map(|e| e.name()))
    }

    /// `new`, `exact` or `near`.
    pub(super) fn dedup<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
        let kind = Option::<String>::deserialize(d)?;
        kind.map(|k| match k.as_str() {
            "new" => Ok("new"),
            "exact" => Ok("exact"),
            "near" => Ok("near"),
            other => Err(serde::de::Error::unknown_variant(other, &["new", "exact", "near"])),
        })
        .transpose()
    }
}

/// An input that could not be turned into an article, with the reason; one line in the dead letter.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    /// Document id, when one could be given.
    pub id: Option<String>,
    /// Input file.
    pub path: String,
    /// Byte offset in the file, for multi-document files.
    pub offset: Option<u64>,
    /// The stage that rejected it.
    pub stage: &'static str,
    /// Why, as a short machine-friendly kind.
    pub kind: &'static str,
    /// Why, for a person.
    pub reason: String,
    /// The start of the rejected input.
    pub excerpt: String,
    /// When (RFC 3339, UTC).
    pub rejected_at: String,
    /// For acknowledgement; not written.
    #[serde(skip)]
    pub ticket: Option<Ticket>,
}

impl Rejection {
    /// Stands for the rejected input, the same on every read of it (its place in its input, or
    /// its path and offset, with the stage and the kind): an output keyed by it holds one
    /// record per rejected input however often a crash makes it read again.
    pub fn key(&self) -> String {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        match &self.ticket {
            Some(t) => h.update(&t.origin().to_le_bytes()),
            None => {
                h.update(self.path.as_bytes());
                h.update(&self.offset.unwrap_or(u64::MAX).to_le_bytes());
                h.update(self.id.as_deref().unwrap_or_default().as_bytes());
            }
        }
        for part in [self.stage, self.kind] {
            h.update(&[0]);
            h.update(part.as_bytes());
        }
        format!("{:032x}", h.digest128())
    }
}

/// A stage's refusal of one item: becomes a [`Rejection`] in the runner.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}")]
pub struct Reject {
    /// Short kind, e.g. `empty_after_cleaning`.
    pub kind: &'static str,
    /// Human-readable reason.
    pub reason: String,
    /// The input excerpt to record.
    pub excerpt: String,
}

impl Reject {
    /// A rejection with an excerpt.
    pub fn new(kind: &'static str, reason: impl Into<String>, excerpt: impl Into<String>) -> Self {
        Self { kind, reason: reason.into(), excerpt: excerpt.into() }
    }
}

/// Items the stage runner can attribute: an id and a ticket for the dead letter.
pub trait Tracked {
    /// The item's provenance; `None` for what has no input document of its own to send to the
    /// dead letter (a rejection on its way there).
    fn prov(&self) -> Option<&Provenance>;
}

impl Tracked for Rejection {
    fn prov(&self) -> Option<&Provenance> {
        None
    }
}

impl Tracked for Document {
    fn prov(&self) -> Option<&Provenance> {
        Some(&self.prov)
    }
}

impl Tracked for Cleaned {
    fn prov(&self) -> Option<&Provenance> {
        Some(&self.prov)
    }
}

/// An article as it leaves extraction, still carrying its provenance.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// Where it came from.
    pub prov: Provenance,
    /// The article.
    pub article: Article,
}

impl Tracked for Extracted {
    fn prov(&self) -> Option<&Provenance> {
        Some(&self.prov)
    }
}

/// The current time as RFC 3339 UTC with second precision.
pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default()
}

/// Cuts `s` to at most `max` bytes on a char boundary.
pub(crate) fn truncate_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
