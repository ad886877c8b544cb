//! Live operations: the metrics, health and status endpoints of the running daemon.

mod common;

use std::time::Duration;

use common::{Scratch, http_get, page, wait_for};

/// The value of the Prometheus sample `name{labels}` in `text`.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
}

#[test]
fn metrics_health_and_status_match_the_documents_processed() {
    let s = Scratch::new("");
    let d = s.spawn();
    let addr = s.metrics_addr();
    for i in 0..5 {
        s.drop_file(&format!("p{i}.txt"), page(i));
    }
    s.drop_file("copy.txt", page(1));
    s.drop_file("bad.jsonl", "{broken\n");
    wait_for(Duration::from_secs(60), || (s.articles().len() == 6 && s.rejected().len() == 1).then_some(()))
        .expect("processed");
    // The figures settle once the commit after the last write has run.
    let metrics = wait_for(Duration::from_secs(30), || {
        let (code, body) = http_get(&addr, "/metrics");
        assert_eq!(code, 200);
        (sample(&body, "newsmill_source_uncommitted_bytes") == Some(0.0)).then_some(body)
    })
    .expect("committed");
    assert_eq!(sample(&metrics, r#"newsmill_stage_received_total{stage="sink"}"#), Some(6.0), "{metrics}");
    assert_eq!(sample(&metrics, r#"newsmill_stage_sent_total{stage="source"}"#), Some(6.0));
    assert_eq!(sample(&metrics, r#"newsmill_stage_rejected_total{stage="source"}"#), Some(1.0));
    assert_eq!(sample(&metrics, r#"newsmill_dedup_documents_total{kind="new"}"#), Some(5.0));
    assert_eq!(sample(&metrics, r#"newsmill_dedup_documents_total{kind="exact"}"#), Some(1.0));
    assert_eq!(sample(&metrics, r#"newsmill_stage_queue_capacity{stage="clean"}"#), Some(64.0));
    assert_eq!(sample(&metrics, r#"newsmill_stage_workers{stage="clean"}"#), Some(2.0));
    assert_eq!(sample(&metrics, "newsmill_dedup_index_documents"), Some(6.0));
    assert_eq!(sample(&metrics, "newsmill_ready"), Some(1.0));
    let bytes = sample(&metrics, r#"newsmill_sink_bytes_total{output="articles"}"#).expect("sink bytes");
    let on_disk = std::fs::metadata(s.root().join("out/articles.jsonl")).unwrap().len() as f64;
    assert_eq!(bytes, on_disk);
    assert!(sample(&metrics, "newsmill_last_commit_timestamp_seconds").is_some_and(|t| t > 1.7e9));
    assert!(metrics.contains(r#"newsmill_stage_processing_seconds_bucket{stage="extract",le="#), "histogram");
    assert!(metrics.contains("newsmill_build_info{version="));

    assert_eq!(http_get(&addr, "/health"), (200, "ok\n".to_string()));
    assert_eq!(http_get(&addr, "/ready").0, 200);
    let (code, status) = http_get(&addr, "/status");
    assert_eq!(code, 200);
    let status: serde_json::Value = serde_json::from_str(&status).expect("status JSON");
    assert_eq!(status["ready"], true);
    assert_eq!(status["stages"][4]["stage"], "sink");
    assert_eq!(status["stages"][4]["received"], 6);
    assert_eq!(status["dedup"]["exact"], 1);
    assert_eq!(status["config_hash"].as_str().map(str::len), Some(16));
    assert_eq!(http_get(&addr, "/nothing").0, 404);
    assert_eq!(d.stop(), Some(0));
}
