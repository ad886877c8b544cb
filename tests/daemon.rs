//! The daemon's wiring, run in this process through the harness: stages known by name, counters
//! that add up from source to outputs, and stop/start cycles that neither lose nor repeat.

mod common;

use common::harness::Harness;
use newsmill::daemon::{StageId, Summary};

/// (received, sent, rejected, dropped) of one stage.
fn counts(summary: &Summary, id: StageId) -> (u64, u64, u64, u64) {
    let s = summary.stages.iter().find(|s| s.stage == id.name()).unwrap_or_else(|| panic!("no {}", id.name()));
    (s.received, s.sent, s.rejected, s.dropped)
}

#[test]
fn every_stage_reports_by_name_and_the_counts_add_up_from_source_to_outputs() {
    let mut h = Harness::new("");
    h.scratch.write_backlog(6);
    h.feed("lines.jsonl", "{\"id\": \"a\", \"text\": \"too short\"}\nnot json at all\n{\"id\": \"b\"}\n");
    h.feed("binary.txt", [0u8, 1, 2, 3, 0, 0, 0, 7, 8, 0].repeat(20));
    let summary = h.run_once().unwrap_or_else(|e| panic!("{e}"));
    assert!(!summary.forced);
    let names: Vec<&str> = summary.stages.iter().map(|s| s.stage).collect();
    assert_eq!(names, StageId::ALL.map(StageId::name));

    let articles = h.scratch.articles();
    let rejected = h.scratch.rejected();
    assert_eq!(articles.len(), 6, "{rejected:?}");
    // Each stage receives what the one before it sent.
    for pair in StageId::ALL[..5].windows(2) {
        assert_eq!(counts(&summary, pair[0]).1, counts(&summary, pair[1]).0, "{:?} -> {:?}", pair[0], pair[1]);
    }
    let (_, written, ..) = counts(&summary, StageId::Sink);
    assert_eq!(written as usize, articles.len());
    // Every rejection of every stage reached the dead letter, and its file.
    let refused: u64 = StageId::ALL[..5].iter().map(|&id| counts(&summary, id).2).sum();
    assert_eq!(counts(&summary, StageId::DeadLetter), (refused, refused, 0, 0));
    assert_eq!(rejected.len() as u64, refused);
    assert!(refused >= 3, "{rejected:?}");
}

#[test]
fn stopping_and_starting_again_in_process_neither_loses_nor_repeats() {
    let mut h = Harness::new("");
    h.scratch.write_backlog(20);
    h.start();
    h.wait_for_articles(20);
    let first = h.stop();
    assert!(!first.forced);
    assert_eq!(counts(&first, StageId::Source).0, 20);

    for i in 20..30 {
        h.feed(&format!("p{i:05}.txt"), common::page(i));
    }
    h.start();
    h.wait_for_articles(30);
    let second = h.stop();
    // The second run read only the new files: the first run's positions were committed.
    assert_eq!(counts(&second, StageId::Source).0, 10);
    let mut ids: Vec<String> =
        h.scratch.articles().iter().map(|a| a["id"].as_str().unwrap_or_default().to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30);
    assert!(h.scratch.rejected().is_empty(), "{:?}", h.scratch.rejected());
}
