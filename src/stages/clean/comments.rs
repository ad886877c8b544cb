//! Readers' comments: a section of them is cut from the article, found by its markup (HTML) or
//! by its heading (page dumps).

use crate::html::Block;
use crate::record::{Line, LineClass};

/// Readers' comments read like prose, so no line feature tells them from the article; their
/// markup does (`class="comments"`, `id="disqus_thread"`). A page whose headline sits inside such
/// an element has the word on a wrapper of everything (`class="post has-comments"`), and is left
/// to the model.
pub(super) fn drop_comment_sections(lines: &mut [Line], blocks: &[&Block], open: &mut [bool], start: &regex::Regex) {
    let headline = lines.iter().position(|l| l.class == LineClass::Title);
    let anchor = headline.or_else(|| open.iter().position(|o| *o));
    if anchor.is_none_or(|i| blocks.get(i).is_some_and(|b| b.comments > 0)) {
        return;
    }
    for ((line, block), open) in lines.iter_mut().zip(blocks).zip(open.iter_mut()) {
        if block.comments > 0 && *open {
            line.class = LineClass::Drop("comment_section");
            *open = false;
        }
    }
    if let Some(anchor) = anchor {
        end_at_comments(lines, open, anchor + 1, start);
    }
}

/// Older pages (and every page dump) mark a comments section with its heading only ("Comments
/// are now closed for this story", "Post a comment"): once three prose lines of the article are
/// behind, such a heading ends the article.
pub(super) fn end_at_comments(lines: &mut [Line], open: &mut [bool], from: usize, start: &regex::Regex) {
    let mut body = 0;
    let mut end = None;
    for (i, line) in lines.iter().enumerate().skip(from) {
        if open[i] && line.prose {
            body += 1;
        }
        if body >= 3 && line.words <= 10 && start.is_match(line.text.trim()) {
            end = Some(i);
            break;
        }
    }
    if let Some(end) = end {
        for (line, open) in lines.iter_mut().zip(open.iter_mut()).skip(end) {
            if *open {
                line.class = LineClass::Drop("comment_section");
                *open = false;
            }
        }
    }
}
