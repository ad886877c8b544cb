//! Weights of the headline model (`headline_model.rs`). Written by
//! `cargo run --release --example train_headline -- BENCH_DIR wcxb-text,l3s-gn1-text --iterations 500 --l2 0.001 --write FILE`; do not edit.

use super::headline_model::Weights;

// Inputs: rule_title, rule_subtitle, lines_up, lines_down, lines_up_run, lines_down_run, run_overlap, right_over_body, rank_up, body_overlap, lead_overlap, log_words, two_words_or_less, sixteen_words_or_more, ends_statement, ends_mid_sentence, trail_or_entry, question, kept, dropped_repeat, dropped_short, model_score, byline_or_date_under, byline_or_date_over, repeated, held_by_longer_line, title_case_share, all_caps, site_separator, digit_share, first_line, log_shared_terms, most_shared_terms, overlap_below_best, overlap_times_log_words, menu_marks, glued_words, next_line_kept, ends_with_colon, rule_title_over_byline, shares_less_than_one_over.

/// The model for page dumps (trained on wcxb-text, l3s-gn1-text).
pub static TEXT: Weights = Weights {
    mean: [0.018194254, 0.0053742426, 2.2476895, 0.865538, 3.3061688, 0.09426506, 0.22826484, 0.017236663, 3.0697775, 0.25936276, 0.1318238, 0.9575641, 0.5268712, 0.01866328, 0.020363495, 0.093160056, 0.039339457, 0.010142662, 0.08776627, 0.2058628, 0.0002540551, 0.21845534, 0.063826464, 0.025581395, 0.24774282, 0.007484854, 0.64949125, 0.018858707, 0.022806332, 0.03278727, 0.008657416, 0.44594237, 0.035372287, 0.7214799, 0.42233974, 0.0673246, 0.042427205, 0.14473324, 0.017178034, 0.007641196, 0.38174713],
    scale: [7.48384, 13.6758175, 0.6599947, 0.6110058, 0.70864373, 2.5936496, 2.8904374, 7.6823125, 1.0269138, 2.735545, 3.7230484, 1.2600616, 2.003214, 7.3893824, 7.078588, 3.4399903, 5.1432304, 9.982649, 3.5334744, 2.4728303, 62.752968, 3.8426082, 4.090909, 6.334092, 2.3160856, 11.600004, 2.7549162, 7.3501368, 6.697263, 8.218261, 10.795612, 1.6047647, 5.4152102, 2.7126927, 1.5329943, 3.990532, 4.9607882, 2.8419282, 7.6945615, 11.482142, 2.058921],
    w: [0.101146944, 0.032187026, 0.19068968, -0.68556553, 0.86603856, -0.52801186, 0.6787726, 0.14270079, -1.289338, 0.078070074, 0.4262294, 0.8645785, -0.33181244, -0.25027186, -0.2291215, -0.37078562, -0.44307947, 0.026834898, -0.29208228, 0.12036863, 0.06602447, -0.09943212, 0.42693588, 0.17683753, -0.10717822, 0.1443043, 0.27455348, 0.0772451, 0.04104649, 0.1488333, -0.043279987, 1.001024, -0.036460582, -0.077937014, -0.42538953, -0.10305657, -0.08992368, -0.22262774, -0.34069437, 0.012313031, -0.28918403],
};
