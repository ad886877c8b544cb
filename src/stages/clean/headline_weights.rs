//! Weights of the headline model (`headline_model.rs`). Written by
//! `cargo run --release --example train_headline -- BENCH_DIR wcxb-text,l3s-gn1-text --iterations 500 --l2 0.001 --write FILE`; do not edit.

use super::headline_model::Weights;

// Inputs: rule_title, rule_subtitle, lines_up, lines_down, lines_up_run, lines_down_run, run_overlap, right_over_body, rank_up, body_overlap, lead_overlap, log_words, two_words_or_less, sixteen_words_or_more, ends_statement, ends_mid_sentence, trail_or_entry, question, kept, dropped_repeat, dropped_short, model_score, byline_or_date_under, byline_or_date_over, repeated, held_by_longer_line, title_case_share, all_caps, site_separator, digit_share, first_line, log_shared_terms, most_shared_terms, overlap_below_best, overlap_times_log_words, menu_marks, glued_words, next_line_kept, ends_with_colon, rule_title_over_byline, shares_less_than_one_over.

/// The model for page dumps (trained on wcxb-text, l3s-gn1-text).
pub static TEXT: Weights = Weights {
    mean: [0.018051598, 0.005425237, 2.2927043, 0.79962254, 3.2285016, 0.10177887, 0.23993632, 0.017270988, 3.0734446, 0.2722291, 0.13821687, 0.9337356, 0.5387378, 0.017270988, 0.019202998, 0.0924437, 0.038464542, 0.00971859, 0.108290076, 0.2140822, 0.00025369815, 0.2589191, 0.06280005, 0.024920963, 0.25020492, 0.0077280356, 0.65464, 0.01932009, 0.023691503, 0.032978904, 0.00848913, 0.45553297, 0.034717616, 0.71220195, 0.4374649, 0.0661957, 0.0440459, 0.14909644, 0.015143828, 0.0076304595, 0.3909293],
    scale: [7.51217, 13.612394, 0.6673175, 0.6314167, 0.70584095, 2.509513, 2.794769, 7.6745267, 1.0236603, 2.6518655, 3.6041815, 1.2740276, 2.0061219, 7.674677, 7.287023, 3.4522963, 5.200627, 10.1946945, 3.2182162, 2.437663, 62.79712, 3.9297888, 4.1226115, 6.4160657, 2.3092248, 11.418771, 2.7668302, 7.266067, 6.5755467, 8.160054, 10.900139, 1.5925704, 5.4619136, 2.633142, 1.5020461, 4.021778, 4.8727922, 2.8069193, 8.185542, 11.489998, 2.0496585],
    w: [0.10312059, 0.03321061, 0.10310971, -0.6253189, 0.6225094, -0.5148768, 0.70829856, 0.13969715, -1.1968001, 0.009161953, 0.47702786, 0.89530075, -0.25257152, -0.24063545, -0.21540523, -0.336085, -0.41004807, 0.07714576, -0.19519915, 0.21735685, 0.06984321, -0.35054475, 0.42410147, 0.16831258, -0.03713597, 0.14127313, 0.29058424, 0.06320782, 0.020159664, 0.13976277, -0.043418396, 1.1039662, -0.03944151, -0.0091699185, -0.47160497, -0.10448093, -0.07944133, -0.16834952, -0.39285275, 0.00738121, -0.26417953],
};
