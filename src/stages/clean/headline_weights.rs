//! Weights of the headline model (`headline_model.rs`). Written by
//! `cargo run --release --example train_headline -- BENCH_DIR wcxb-text,l3s-gn1-text --iterations 500 --l2 0.001 --write FILE`; do not edit.

use super::headline_model::Weights;

// Inputs: rule_title, rule_subtitle, lines_up, lines_down, lines_up_run, lines_down_run, run_overlap, right_over_body, rank_up, body_overlap, lead_overlap, log_words, two_words_or_less, sixteen_words_or_more, ends_statement, ends_mid_sentence, trail_or_entry, question, kept, dropped_repeat, dropped_short, model_score, byline_or_date_under, byline_or_date_over, repeated, held_by_longer_line, title_case_share, all_caps, site_separator, digit_share, first_line, log_shared_terms, most_shared_terms, overlap_below_best, overlap_times_log_words, menu_marks, glued_words, next_line_kept, ends_with_colon, rule_title_over_byline, shares_less_than_one_over.

/// The model for page dumps (trained on wcxb-text, l3s-gn1-text).
pub static TEXT: Weights = Weights {
    mean: [0.018044204, 0.005442522, 2.299061, 0.7926177, 3.2303796, 0.1016006, 0.24014167, 0.017302928, 3.0741482, 0.27246806, 0.13795233, 0.9335407, 0.5388487, 0.01736145, 0.019000059, 0.092132725, 0.03846829, 0.0097731305, 0.10871389, 0.21440415, 0.00025359422, 0.2588393, 0.062267132, 0.024813218, 0.25088271, 0.0076858555, 0.6549805, 0.019097595, 0.023623277, 0.033083856, 0.0084856525, 0.4561193, 0.034956988, 0.71173584, 0.43793064, 0.0662271, 0.043871798, 0.1494255, 0.015137624, 0.0076078265, 0.38998887],
    scale: [7.5136585, 13.590994, 0.668147, 0.6339033, 0.7064652, 2.5104647, 2.7971601, 7.667795, 1.0240108, 2.6521525, 3.608372, 1.2735277, 2.0058734, 7.65546, 7.323906, 3.4570544, 5.2003956, 10.166496, 3.213096, 2.4368455, 62.809975, 3.9212365, 4.1375165, 6.429138, 2.3071835, 11.44962, 2.7671287, 7.306052, 6.584426, 8.140877, 10.902352, 1.5904938, 5.444637, 2.6357398, 1.502064, 4.0211143, 4.8814034, 2.8049288, 8.187172, 11.506774, 2.050284],
    w: [0.09773807, 0.027089551, 0.10995204, -0.5849718, 0.6870409, -0.53208554, 0.7464269, 0.15229419, -1.2189285, 0.001814052, 0.4744804, 0.9049513, -0.24508347, -0.24114284, -0.21352457, -0.3357485, -0.410015, 0.0801523, -0.22323847, 0.2072492, 0.06911772, -0.34956604, 0.4312919, 0.1681309, -0.02470654, 0.13777208, 0.27632955, 0.06534655, 0.024061812, 0.12699968, -0.04231161, 1.0841756, -0.046065718, -0.0018176447, -0.42764416, -0.106665716, -0.07404209, -0.16957815, -0.3928988, 0.008054908, -0.24979472],
};
