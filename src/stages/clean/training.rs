//! What the training commands learn from: every line or block with its features and whether the
//! model decides it, and the column splitter's words (`examples/train_cleaner.rs`).

use super::model::Rows;
use super::{Cleaner, FirstPass, HtmlPass, Pick, columns, line_features};
use crate::record::Line;

/// Lines as training rows: text, features and whether the model decides them.
fn training_rows(lines: Vec<Line>, features: &Rows, open: Vec<bool>) -> Vec<TrainingLine> {
    lines
        .into_iter()
        .zip(features.iter())
        .zip(open)
        .map(|((l, features), open)| TrainingLine {
            open,
            words: l.words as f32,
            text: l.text,
            features: features.to_vec(),
        })
        .collect()
}

/// One line as the training command sees it.
#[derive(Debug, Clone)]
pub struct TrainingLine {
    /// The normalised text.
    pub text: String,
    /// The rules left it for the model to decide.
    pub open: bool,
    /// Its word count.
    pub words: f32,
    /// Its features.
    pub features: Vec<f32>,
}

impl Cleaner {
    /// A page dump's lines as the models leave them (the column splitter's too), before the rules
    /// that run after them (`end_at_comment_list`, `fill_gaps`, and the button labels, filler and
    /// thread ends of `drop_after_models`): what the training command scores the models by when it
    /// fits the chooser and the splitter's gate, so that the rules run after the models do not move
    /// their weights.
    pub fn classify_verdicts(&self, text: &str) -> Vec<Line> {
        self.verdicts(text, self.cfg.split_columns, Pick::Chooser).lines
    }

    /// The lines of a page dump the column splitter would judge (their text before it cut them)
    /// and its inputs for each of their words: what the training command learns it from.
    pub fn training_words(&self, text: &str) -> (Vec<String>, Rows) {
        let lines = self.verdicts(text, false, Pick::Chooser).lines;
        let rescue = self.cfg.column_rescue_threshold;
        let which: Vec<usize> = (0..lines.len()).filter(|&i| columns::judged(&lines[i], false, rescue)).collect();
        let rows = columns::word_rows(&lines, &which);
        (which.into_iter().map(|i| lines[i].text.clone()).collect(), rows)
    }

    /// The column splitter's gate measures of a page dump ([`columns::GATE_NAMES`]), or `None`
    /// when its fixed gates leave the page whole or the chooser hands the page to the second text
    /// model: the rows the training command fits the gate on.
    pub fn split_gate_measures(&self, text: &str) -> Option<[f32; columns::N_GATE]> {
        let words = self.model.columns.as_ref()?;
        let super::Judged { lines, forced, second } = self.judge_with_headline(text, Pick::Chooser);
        if second {
            return None;
        }
        columns::gate_measures(words, &lines, &forced, self.column_settings())
    }

    /// Every block of an HTML page with its features and whether the model decides it.
    pub fn training_blocks(&self, html: &str) -> Vec<TrainingLine> {
        let HtmlPass { first: FirstPass { lines, .. }, open, features, .. } = self.html_pass(html, true, false);
        training_rows(lines, &features, open)
    }

    /// Every line with its features and whether the model decides it (the rules left it open):
    /// what the training command learns from.
    pub fn training_lines(&self, text: &str) -> Vec<TrainingLine> {
        let (lines, _, open) = self.open_lines(text);
        let features = line_features(&lines);
        training_rows(lines, &features, open)
    }
}
