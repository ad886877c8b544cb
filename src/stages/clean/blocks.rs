//! Features of HTML blocks: what the markup says about each block (its tag, link density, landmark
//! elements and class names around it, whether it sits in the page's densest container of
//! paragraphs), appended to the text features every line gets. The HTML model learns from both, so
//! a page's markup and its text each get a say (docs/cleaner-model.md).

use crate::html::{Block, BlockTag, within};

use super::model::Rows;

/// Names of the markup features, in order.
pub const DOM_FEATURE_NAMES: &[&str] = &[
    "link_density",
    "all_link",
    "tag_p",
    "tag_heading",
    "tag_h1",
    "tag_li",
    "tag_cell",
    "tag_quote",
    "tag_pre",
    "tag_figcaption",
    "tag_other",
    "in_article",
    "in_main",
    "in_nav",
    "in_aside",
    "in_footer",
    "in_header",
    "in_form",
    "in_figure",
    "in_list",
    "in_table",
    "in_byline_box",
    "in_caption_box",
    "negative_hint",
    "positive_hint",
    "in_best",
    "near_best",
    "container_share",
    "depth_from_best",
];

/// Number of markup features.
pub(crate) const N_DOM: usize = DOM_FEATURE_NAMES.len();

/// The markup features of every block. (The distance to the headline's block was tried as a
/// feature and changed nothing in cross-validation: the text features' position measures cover it.)
pub(crate) fn dom_features(blocks: &[&Block]) -> Vec<[f32; N_DOM]> {
    // Depth of the article's paragraphs: blocks much deeper or shallower are elsewhere.
    let mut best_depths: Vec<u16> = blocks.iter().filter(|b| b.in_best).map(|b| b.depth).collect();
    best_depths.sort_unstable();
    let best_depth = best_depths.get(best_depths.len() / 2).copied();
    blocks
        .iter()
        .map(|b| {
            let has = |flag: u16| f32::from(u8::from(b.within & flag != 0));
            let tag = |t: BlockTag| f32::from(u8::from(b.tag == t));
            let density = b.link_density();
            let depth_from_best =
                best_depth.map_or(0.0, |d| ((f32::from(b.depth) - f32::from(d)).abs()).min(8.0) / 8.0);
            [
                density,
                f32::from(u8::from(density > 0.9)),
                tag(BlockTag::Paragraph),
                f32::from(u8::from(matches!(b.tag, BlockTag::Heading(2..)))),
                tag(BlockTag::Heading(1)),
                tag(BlockTag::ListItem),
                tag(BlockTag::Cell),
                tag(BlockTag::Quote),
                tag(BlockTag::Pre),
                tag(BlockTag::FigCaption),
                tag(BlockTag::Other),
                has(within::ARTICLE),
                has(within::MAIN),
                has(within::NAV),
                has(within::ASIDE),
                has(within::FOOTER),
                has(within::HEADER),
                has(within::FORM),
                has(within::FIGURE),
                has(within::LIST),
                has(within::TABLE),
                has(within::BYLINE),
                has(within::CAPTION | within::CREDIT),
                f32::from(b.negative.min(3)) / 3.0,
                f32::from(b.positive.min(3)) / 3.0,
                f32::from(u8::from(b.in_best)),
                f32::from(u8::from(b.near_best)),
                b.container_share,
                depth_from_best,
            ]
        })
        .collect()
}

/// Text features and markup features side by side, one row per block.
pub fn join(text: &Rows, dom: &[[f32; N_DOM]]) -> Rows {
    let mut out = Rows::new(text.width() + N_DOM);
    let mut row = Vec::with_capacity(out.width());
    for (t, d) in text.iter().zip(dom) {
        row.clear();
        row.extend_from_slice(t);
        row.extend_from_slice(d);
        out.push(&row);
    }
    out
}
