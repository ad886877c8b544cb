//! Weights of the headline model (`headline_model.rs`). Written by
//! `cargo run --release --example train_headline -- BENCH_DIR wcxb-text,l3s-gn1-text --iterations 500 --l2 0.001 --write FILE`; do not edit.

use super::headline_model::Weights;

// Inputs: rule_title, rule_subtitle, lines_up, lines_down, lines_up_run, lines_down_run, run_overlap, right_over_body, rank_up, body_overlap, lead_overlap, log_words, two_words_or_less, sixteen_words_or_more, ends_statement, ends_mid_sentence, trail_or_entry, question, kept, dropped_repeat, dropped_short, model_score, byline_or_date_under, byline_or_date_over, repeated, held_by_longer_line, title_case_share, all_caps, site_separator, digit_share, first_line, log_shared_terms, most_shared_terms, overlap_below_best, overlap_times_log_words, menu_marks, glued_words, next_line_kept, ends_with_colon, rule_title_over_byline, shares_less_than_one_over.

/// The model for page dumps (trained on wcxb-text, l3s-gn1-text).
pub static TEXT: Weights = Weights {
    mean: [0.018102469, 0.0055383774, 2.2722566, 0.8243806, 3.2615476, 0.09763156, 0.23395224, 0.017182669, 3.0707605, 0.26712003, 0.13593175, 0.9503812, 0.52962935, 0.01802419, 0.020000784, 0.0926455, 0.040021136, 0.0097851185, 0.10025833, 0.20840345, 0.00025441308, 0.24197473, 0.06231164, 0.02473678, 0.2468394, 0.0072801285, 0.6518606, 0.019296255, 0.023269013, 0.032782268, 0.008552194, 0.45356968, 0.03458061, 0.71856254, 0.43323442, 0.06636268, 0.0429371, 0.15082783, 0.016145445, 0.0076128226, 0.38707972],
    scale: [7.5021477, 13.474758, 0.66366935, 0.6259981, 0.709205, 2.5567474, 2.8532927, 7.693729, 1.0265723, 2.6875966, 3.64116, 1.2678776, 2.0035684, 7.5166864, 7.140742, 3.4494684, 5.1026964, 10.16045, 3.3297658, 2.4622576, 62.708836, 3.885337, 4.136444, 6.438458, 2.3194127, 11.763653, 2.7589571, 7.270257, 6.633302, 8.24663, 10.860288, 1.5917715, 5.471767, 2.6705594, 1.5092343, 4.017722, 4.933433, 2.7938075, 7.9348826, 11.503074, 2.0532491],
    w: [0.10821258, 0.036129475, 0.21207687, -0.55026954, 1.1155754, -0.5839357, 0.72168404, 0.15341589, -1.5453283, 0.022227129, 0.43413946, 0.9527765, -0.23319069, -0.2560988, -0.21201663, -0.3380481, -0.43045938, 0.04592605, -0.27818877, 0.17076339, 0.068237536, -0.24527258, 0.41567096, 0.17426267, -0.016153455, 0.14053981, 0.23915334, 0.07347093, 0.043977156, 0.09841211, -0.04440855, 1.0170914, -0.043680966, -0.022208245, -0.39130703, -0.10904924, -0.094929755, -0.16956335, -0.3192603, 0.009074174, -0.27482775],
};
