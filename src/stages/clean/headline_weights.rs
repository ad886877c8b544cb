//! Weights of the headline model (`headline_model.rs`). Written by
//! `cargo run --release --example train_headline -- BENCH_DIR wcxb-text,l3s-gn1-text --iterations 500 --l2 0.001 --write FILE`; do not edit.

use super::headline_model::Weights;

// Inputs: rule_title, rule_subtitle, lines_up, lines_down, lines_up_run, lines_down_run, run_overlap, right_over_body, rank_up, body_overlap, lead_overlap, log_words, two_words_or_less, sixteen_words_or_more, ends_statement, ends_mid_sentence, trail_or_entry, question, kept, dropped_repeat, dropped_short, model_score, byline_or_date_under, byline_or_date_over, repeated, held_by_longer_line, title_case_share, all_caps, site_separator, digit_share, first_line, log_shared_terms, most_shared_terms, overlap_below_best, overlap_times_log_words, menu_marks, glued_words, next_line_kept, ends_with_colon, rule_title_over_byline, shares_less_than_one_over.

/// The model for page dumps (trained on wcxb-text, l3s-gn1-text).
pub static TEXT: Weights = Weights {
    mean: [0.018195692, 0.0053804466, 2.2465346, 0.8665371, 3.3062356, 0.094373874, 0.22834083, 0.017236995, 3.0697105, 0.25947466, 0.1318227, 0.9579928, 0.52648157, 0.018684823, 0.020387001, 0.0932676, 0.039365303, 0.01015437, 0.08786758, 0.20604175, 0.0002543484, 0.21865064, 0.063782744, 0.02559136, 0.24791141, 0.0074934945, 0.64934796, 0.018880475, 0.022793528, 0.032818396, 0.00866741, 0.44621992, 0.035393555, 0.72134584, 0.4226163, 0.06736319, 0.04247618, 0.14488076, 0.017197864, 0.0076304516, 0.38169867],
    scale: [7.4835463, 13.668034, 0.65990937, 0.6108813, 0.7083572, 2.5924213, 2.8898854, 7.6822405, 1.0268098, 2.7354972, 3.723584, 1.2595531, 2.0024257, 7.385323, 7.074767, 3.4382176, 5.141621, 9.976574, 3.531957, 2.4724758, 62.716793, 3.8419254, 4.092156, 6.332916, 2.3158207, 11.593458, 2.7539449, 7.346184, 6.6989822, 8.213884, 10.789552, 1.6044616, 5.4125123, 2.7125444, 1.5326219, 3.989584, 4.9574766, 2.8409035, 7.6903615, 11.490006, 2.0589538],
    w: [0.101161286, 0.032205723, 0.19062744, -0.6856878, 0.8662038, -0.5281952, 0.6788603, 0.14270122, -1.289166, 0.07808936, 0.42612764, 0.86491984, -0.33191255, -0.2504061, -0.22923823, -0.37097523, -0.4432234, 0.02686707, -0.29214293, 0.12043083, 0.066061735, -0.099536255, 0.42680955, 0.17685884, -0.10718354, 0.14438504, 0.2746488, 0.07727961, 0.041079126, 0.14897014, -0.043316886, 1.0013249, -0.0365055, -0.077970944, -0.42559716, -0.10308289, -0.089983165, -0.22268781, -0.34085992, 0.01228064, -0.28919002],
};
