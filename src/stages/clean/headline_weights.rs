//! Weights of the headline model (`headline_model.rs`). Written by
//! `cargo run --release --example train_headline -- BENCH_DIR wcxb-text,l3s-gn1-text --iterations 500 --l2 0.001 --write FILE`; do not edit.

use super::headline_model::Weights;

// Inputs: rule_title, rule_subtitle, lines_up, lines_down, lines_up_run, lines_down_run, run_overlap, right_over_body, rank_up, body_overlap, lead_overlap, log_words, two_words_or_less, sixteen_words_or_more, ends_statement, ends_mid_sentence, trail_or_entry, question, kept, dropped_repeat, dropped_short, model_score, byline_or_date_under, byline_or_date_over, repeated, held_by_longer_line, title_case_share, all_caps, site_separator, digit_share, first_line, log_shared_terms, most_shared_terms, overlap_below_best, overlap_times_log_words, menu_marks, glued_words, next_line_kept, ends_with_colon, rule_title_over_byline.

/// The model for page dumps (trained on wcxb-text, l3s-gn1-text).
pub static TEXT: Weights = Weights {
    mean: [0.018195692, 0.0053804466, 2.2465346, 0.8665371, 3.3062356, 0.094373874, 0.22834083, 0.017236995, 3.0697105, 0.25947466, 0.1318227, 0.9579928, 0.52648157, 0.018684823, 0.020387001, 0.0932676, 0.039365303, 0.01015437, 0.08786758, 0.20604175, 0.0002543484, 0.21865064, 0.063782744, 0.02559136, 0.24791141, 0.0074934945, 0.64934796, 0.018880475, 0.022793528, 0.032818396, 0.00866741, 0.44621992, 0.035393555, 0.72134584, 0.4226163, 0.06736319, 0.04247618, 0.14488076, 0.017197864, 0.0076304516],
    scale: [7.4835463, 13.668034, 0.65990937, 0.6108813, 0.7083572, 2.5924213, 2.8898854, 7.6822405, 1.0268098, 2.7354972, 3.723584, 1.2595531, 2.0024257, 7.385323, 7.074767, 3.4382176, 5.141621, 9.976574, 3.531957, 2.4724758, 62.716793, 3.8419254, 4.092156, 6.332916, 2.3158207, 11.593458, 2.7539449, 7.346184, 6.6989822, 8.213884, 10.789552, 1.6044616, 5.4125123, 2.7125444, 1.5326219, 3.989584, 4.9574766, 2.8409035, 7.6903615, 11.490006],
    w: [0.10168967, 0.027117735, 0.22946368, -0.6986082, 0.8568782, -0.55089223, 0.67761534, 0.14456956, -1.2894163, 0.086941585, 0.42185533, 0.8609982, -0.32812873, -0.25315467, -0.22782463, -0.37264696, -0.44096142, 0.03077805, -0.30098587, 0.1377213, 0.06648687, -0.09708629, 0.43953595, 0.17943004, -0.11592634, 0.13800539, 0.2894399, 0.07404416, 0.041605268, 0.14769584, -0.036598377, 1.1051917, -0.025026483, -0.08680844, -0.45057556, -0.10322443, -0.08910393, -0.22586425, -0.33298296, 0.011405805],
};
