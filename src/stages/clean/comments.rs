//! Readers' comments: a section of them is cut from the article, found by its markup (HTML), by
//! its heading, or (page dumps) by the line over each comment.

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

/// A blog's comments in a page dump often come with no heading at all, only a line over each
/// ("1. Kathy Owen says:"), and the line model keeps them (they read like prose). Once three prose
/// lines of the article are behind, the first line of such a list ends the article, from the
/// comments heading over it if there is one. A list counts when it is plain: two different
/// commenters' lines, or the first numbered 1 (one line alone is as likely a quotation's
/// lead-in). Its lines are `comment_list`, which never join the body, not even on a page taken for
/// a thread: forums quote with "said:" and "wrote:", not "says".
///
/// Run on the final verdicts (after the column splitter), so that nothing the training command
/// fits (the models' rows, the chooser's and the gate's scores) depends on it.
pub(super) fn end_at_comment_list(lines: &mut [Line], forced: &[bool], header: &regex::Regex) {
    let mut body = 0;
    // Where a comments heading began a section, if one did.
    let mut section = None;
    let mut list = None;
    let mut first: Option<(usize, &str)> = None;
    for (i, line) in lines.iter().enumerate() {
        if line.class == LineClass::Keep && line.prose {
            body += 1;
        }
        if body < 3 {
            continue;
        }
        if section.is_none() && line.class == LineClass::Drop("comment_section") {
            section = Some(i);
        }
        let text = line.text.trim();
        if line.words > 12 || !header.is_match(text) {
            continue;
        }
        match first {
            None if numbered_one(text) => {
                list = Some(i);
                break;
            }
            None => first = Some((i, text)),
            Some((at, seen)) if seen != text => {
                list = Some(at);
                break;
            }
            Some(_) => {}
        }
    }
    let Some(list) = list else { return };
    let start = section.map_or(list, |s| s.min(list));
    for (line, forced) in lines.iter_mut().zip(forced).skip(start) {
        let judged = matches!(line.class, LineClass::Keep | LineClass::Drop("model" | "comment_section"));
        if judged && !forced {
            line.class = LineClass::Drop("comment_list");
        }
    }
}

/// Whether a line is numbered 1 as a list's first item is ("1. Jess", "1.[avatar]Jess"), not a
/// figure ("1.5 million").
fn numbered_one(text: &str) -> bool {
    text.strip_prefix("1.").is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '['))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::clean::patterns::{COMMENT_HEADER_PATTERN, COMMENTS_START_PATTERN};

    const ARTICLE: [&str; 4] = [
        "The council approved the budget on Tuesday after a long debate about the new bridge.",
        "Engineers had warned that the old crossing would need repairs within five years.",
        "The mayor said the vote showed the city could still agree on what mattered most.",
        "Work on the new bridge is to begin in the spring and to take about two years.",
    ];

    fn line(text: &str) -> Line {
        let words = text.split_whitespace().count();
        Line { text: text.into(), class: LineClass::Keep, words, prose: words > 6, score: Some(0.8), cut: None }
    }

    /// The classes of `tail`'s lines after the article, once the model kept them all and both
    /// rules ran as a page dump has them run.
    fn after(tail: &[&str]) -> Vec<(String, LineClass)> {
        let start = regex::Regex::new(COMMENTS_START_PATTERN).unwrap();
        let header = regex::Regex::new(COMMENT_HEADER_PATTERN).unwrap();
        let mut lines: Vec<Line> = ARTICLE.iter().chain(tail).map(|t| line(t)).collect();
        let mut open = vec![true; lines.len()];
        end_at_comments(&mut lines, &mut open, 0, &start);
        let forced = vec![false; lines.len()];
        end_at_comment_list(&mut lines, &forced, &header);
        assert!(lines.iter().take(ARTICLE.len()).all(|l| l.class == LineClass::Keep));
        lines.into_iter().skip(ARTICLE.len()).map(|l| (l.text, l.class)).collect()
    }

    fn all(tail: &[&str], class: LineClass) -> bool {
        after(tail).iter().all(|(_, c)| *c == class)
    }

    #[test]
    fn a_blogs_list_of_comments_ends_the_article() {
        let list = [
            "1. [b7d2eff4] Kathy Owen says:",
            "July 21, 2025 at 2:12 PM",
            "Thank you so much for this, I have been meaning to start for years and never did.",
            "2. [5b320071] Janice Ash says:",
            "Been restoring antique furniture for forty years and this is the best guide yet.",
        ];
        assert!(all(&list, LineClass::Drop("comment_list")), "{:?}", after(&list));
        // Unnumbered, with the theme's colon left off, or in German: two commenters make a list.
        assert!(all(
            &["Jess says", "I tried this last week and it worked for me.", "Anna Weber sagt:", "Danke!"],
            LineClass::Drop("comment_list")
        ));
        // One numbered 1 begins one; a figure is no number of a list.
        assert!(all(
            &["1.5 million viewers, the network says", "The ratings were the best in years."],
            LineClass::Keep
        ));
        assert!(all(
            &["1. Уховит says:", "Great article, thank you for writing it up."],
            LineClass::Drop("comment_list")
        ));
        // A theme that bullets its numbered list ("1. ● Balu says:").
        assert!(all(
            &["1. ● sfcgeorge says:", "Nice write-up.", "2. ● Balu says:", "Works on my board too."],
            LineClass::Drop("comment_list")
        ));
        // A heading over the list begins the section, and the whole section is a list.
        assert!(all(
            &["42 Comments", "Reply", "1. Kathy Owen says:", "Thank you so much!"],
            LineClass::Drop("comment_list")
        ));
        // A line the model dropped is the list's too (on a page taken for a thread it would
        // otherwise join); a line kept by `keep_patterns` is left alone.
        let header = regex::Regex::new(COMMENT_HEADER_PATTERN).unwrap();
        let mut lines: Vec<Line> = ARTICLE
            .iter()
            .chain(&["1. Kathy Owen says:", "Thanks!", "Pinned by the editor"])
            .map(|t| line(t))
            .collect();
        lines[5].class = LineClass::Drop("model");
        let mut forced = vec![false; lines.len()];
        forced[6] = true;
        end_at_comment_list(&mut lines, &forced, &header);
        let classes: Vec<&LineClass> = lines.iter().skip(4).map(|l| &l.class).collect();
        assert_eq!(classes, [&LineClass::Drop("comment_list"), &LineClass::Drop("comment_list"), &LineClass::Keep]);
    }

    #[test]
    fn what_only_looks_like_a_comment_header_stays() {
        for tail in [
            // A quotation's lead-in.
            &["Here is what my son says:", "Buy the bridge tickets early, they sell out fast every year."][..],
            // A related story's headline, shown twice.
            &[
                "Pharmacists breaking the law on cannabis, officer says",
                "Pharmacists breaking the law on cannabis, officer says",
            ],
            // A forum's quotations: its posts are the page.
            &["spikeymike said:", "The bridge will be fine.", "FutureBSD wrote:", "I doubt it very much."],
        ] {
            assert!(all(tail, LineClass::Keep), "{tail:?}");
        }
        // Before the article has begun.
        let header = regex::Regex::new(COMMENT_HEADER_PATTERN).unwrap();
        let mut lines: Vec<Line> = ["1. Kathy Owen says:"].iter().chain(&ARTICLE).map(|t| line(t)).collect();
        let forced = vec![false; lines.len()];
        end_at_comment_list(&mut lines, &forced, &header);
        assert!(lines.iter().all(|l| l.class == LineClass::Keep), "{lines:?}");
    }

    #[test]
    fn a_heading_alone_is_a_comments_section() {
        assert!(all(
            &["Comments are now closed for this story", "What a waste of money."],
            LineClass::Drop("comment_section")
        ));
    }
}
