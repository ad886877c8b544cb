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
    // Every stage's workers charged the CPU they spent (before going idle), within the process'.
    let cpu = |stage: &str| sample(&metrics, &format!(r#"newsmill_stage_cpu_seconds{{stage="{stage}"}}"#));
    assert!(cpu("clean").is_some_and(|c| c > 0.0) && cpu("source").is_some_and(|c| c > 0.0), "{metrics}");
    let staged: f64 =
        ["source", "clean", "extract", "dedup", "sink", "dead_letter"].iter().filter_map(|s| cpu(s)).sum();
    assert!(sample(&metrics, "newsmill_cpu_seconds").is_some_and(|p| p >= staged), "{metrics}");

    assert_eq!(http_get(&addr, "/health"), (200, "ok\n".to_string()));
    assert_eq!(http_get(&addr, "/ready").0, 200);
    let (code, status) = http_get(&addr, "/status");
    assert_eq!(code, 200);
    let status: serde_json::Value = serde_json::from_str(&status).expect("status JSON");
    assert_eq!(status["ready"], true);
    assert_eq!(status["stages"][4]["stage"], "sink");
    assert_eq!(status["stages"][4]["received"], 6);
    assert!(status["stages"][1]["cpu_seconds"].as_f64().is_some_and(|c| c > 0.0), "{status}");
    assert_eq!(status["dedup"]["exact"], 1);
    assert_eq!(status["config_hash"].as_str().map(str::len), Some(16));
    assert_eq!(http_get(&addr, "/nothing").0, 404);
    assert_eq!(d.stop(), Some(0));
}

fn status(addr: &str) -> serde_json::Value {
    let (code, body) = http_get(addr, "/status");
    assert_eq!(code, 200);
    serde_json::from_str(&body).expect("status JSON")
}

fn json_lines(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"Line {i} of prose about the harbour and the ferry, long enough to keep.\"}}\n"))
        .collect()
}

#[test]
fn sighup_applies_a_valid_config_and_keeps_the_running_one_when_the_new_one_is_bad() {
    let s = Scratch::new("");
    let d = s.spawn();
    let addr = s.metrics_addr();
    assert_eq!(status(&addr)["stages"][1]["workers"], 2);
    let hash = status(&addr)["config_hash"].clone();
    s.rewrite_config(
        "[clean]\nworkers = 4\nkeep_threshold = 0.6\n[extract]\nworkers = 1\nchannel_capacity = 16\n[source]\nmax_depth = 8\n",
    );
    d.signal(libc::SIGHUP);
    let st = wait_for(Duration::from_secs(30), || {
        let st = status(&addr);
        (st["reloads"]["ok"] == 1).then_some(st)
    })
    .expect("reloaded");
    assert_eq!(st["stages"][1]["workers"], 4, "{st}");
    assert_eq!(st["stages"][2]["workers"], 1);
    assert_eq!(st["stages"][2]["queue_capacity"], 16);
    assert_ne!(st["config_hash"], hash);
    let log = s.log();
    let event = log.lines().find(|l| l.contains("Config reloaded.")).expect("a reload event");
    assert!(event.contains("clean.workers") && event.contains("clean.keep_threshold"), "{event}");
    assert!(event.contains("needs_restart") && event.contains("source.max_depth"), "{event}");

    // A broken file: nothing changes, the problem is logged with its place, the daemon goes on.
    std::fs::write(&s.config, "[clean]\nno_such_key = 1\n[dedup]\nthreshold = 7.0\n").unwrap();
    d.signal(libc::SIGHUP);
    wait_for(Duration::from_secs(30), || (status(&addr)["reloads"]["failed"] == 1).then_some(())).expect("refused");
    let log = s.log();
    assert!(log.contains("Config reload refused"), "{log}");
    assert!(
        log.contains("newsmill.toml:2:") && log.contains("newsmill.toml:4:"),
        "every problem, with line and column:\n{log}"
    );
    assert_eq!(status(&addr)["stages"][1]["workers"], 4, "the running config stays");
    s.drop_file("after.txt", page(3));
    wait_for(Duration::from_secs(60), || (s.articles().len() == 1).then_some(())).expect("still working");
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn twenty_reloads_under_load_lose_and_repeat_nothing() {
    let s = Scratch::new("[log]\nlevel = \"warn,newsmill::http=info\"\n");
    let d = s.spawn();
    let addr = s.metrics_addr();
    let n = 3_000;
    s.drop_file("a.jsonl", json_lines(0, n / 2));
    for i in 0..20 {
        let extra = format!(
            "[log]\nlevel = \"{}\"\n[clean]\nworkers = {}\nchannel_capacity = {}\n[extract]\nworkers = {}\n\
             [dedup]\nthreshold = {}\n[sink]\nflush_interval_ms = {}\nmax_file_bytes = {}\n",
            if i % 2 == 0 { "info" } else { "warn,newsmill::http=info" },
            1 + i % 3,
            [64, 4, 1, 32][i % 4],
            1 + (i + 1) % 2,
            if i % 2 == 0 { 0.6 } else { 0.5 },
            50 + 50 * (i % 3),
            20_000 + 10_000 * (i % 2),
        );
        s.rewrite_config(&extra);
        d.signal(libc::SIGHUP);
        wait_for(Duration::from_secs(30), || (status(&addr)["reloads"]["ok"] == i + 1).then_some(()))
            .unwrap_or_else(|| panic!("reload {i} not applied; log:\n{}", s.log()));
        if i == 10 {
            s.drop_file("b.jsonl", json_lines(n / 2, n / 2));
        }
    }
    let out = s.root().join("out");
    let read_all = || common::read_outputs(&out, "articles");
    wait_for(Duration::from_secs(120), || (read_all().len() >= n).then_some(()))
        .unwrap_or_else(|| panic!("only {} of {n}", read_all().len()));
    assert_eq!(d.stop(), Some(0));
    let mut ids: Vec<String> = read_all().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!((before, ids.len()), (n, n), "every document exactly once");
    let rotated = std::fs::read_dir(&out).unwrap().count();
    assert!(rotated > 3, "rotation limits from the reloads were used");
}

#[test]
fn a_watched_config_file_is_reloaded_when_it_changes() {
    let s = Scratch::new("[reload]\nwatch = true\n");
    let d = s.spawn();
    let addr = s.metrics_addr();
    s.rewrite_config("[reload]\nwatch = true\n[dedup]\nworkers = 2\n");
    let st = wait_for(Duration::from_secs(30), || {
        let st = status(&addr);
        (st["reloads"]["ok"] == 1).then_some(st)
    })
    .unwrap_or_else(|| panic!("not reloaded; log:\n{}", s.log()));
    assert_eq!(st["stages"][3]["workers"], 2);
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn top_shows_the_stages_of_a_running_daemon() {
    let s = Scratch::new("");
    let d = s.spawn();
    let addr = s.metrics_addr();
    s.drop_file("a.txt", page(1));
    wait_for(Duration::from_secs(60), || (s.articles().len() == 1).then_some(())).expect("processed");
    let out = s.cmd(&["top", "--once", "--addr", &addr]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    for stage in ["source", "clean", "extract", "dedup", "sink"] {
        assert!(table.lines().any(|l| l.starts_with(stage)), "{stage} in:\n{table}");
    }
    assert!(table.contains("0/64"), "queue depth/capacity:\n{table}");
    assert_eq!(d.stop(), Some(0));
    // With the daemon gone, top says where it looked.
    let out = s.cmd(&["top", "--once", "--addr", &addr]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&addr));
}

#[test]
fn a_reload_moves_the_outputs_to_new_paths_without_losing_or_repeating() {
    let s = Scratch::new("");
    let d = s.spawn();
    let addr = s.metrics_addr();
    s.drop_file("a.jsonl", json_lines(0, 400) + "{broken\n");
    let old = s.root().join("out/articles.jsonl");
    wait_for(Duration::from_secs(60), || (common::read_jsonl(&old).len() > 100).then_some(())).expect("started");
    let new_dir = s.root().join("out2");
    s.rewrite_config(&format!(
        "[sink]\npath = \"{}/articles.jsonl\"\n[dead_letter]\npath = \"{}/rejected.jsonl\"\n",
        new_dir.display(),
        new_dir.display()
    ));
    d.signal(libc::SIGHUP);
    wait_for(Duration::from_secs(30), || (status(&addr)["reloads"]["ok"] == 1).then_some(()))
        .unwrap_or_else(|| panic!("not reloaded; log:\n{}", s.log()));
    s.drop_file("b.jsonl", json_lines(400, 400) + "[1]\n");
    let new = new_dir.join("articles.jsonl");
    let all = || [common::read_jsonl(&old), common::read_jsonl(&new)].concat();
    wait_for(Duration::from_secs(60), || (all().len() >= 800).then_some(()))
        .unwrap_or_else(|| panic!("only {}; log:\n{}", all().len(), s.log()));
    // The byte counter goes on from the old file's bytes; it does not start again at zero.
    let bytes = status(&addr)["sink"]["bytes"].as_u64().unwrap();
    let new_bytes = std::fs::metadata(&new).unwrap().len();
    assert!(bytes > new_bytes, "{bytes} bytes counted, the new file alone holds {new_bytes}");
    assert_eq!(d.stop(), Some(0));
    let mut ids: Vec<String> = all().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!((n, ids.len()), (800, 800), "every document exactly once over both files");
    let moved = common::read_jsonl(&new);
    assert!(moved.iter().all(|a| a["id"].as_str().unwrap()[1..].parse::<usize>().unwrap() >= 100));
    assert!(moved.iter().any(|a| a["id"] == "d799"), "later documents went to the new path");
    let rejected = [s.rejected(), common::read_jsonl(&new_dir.join("rejected.jsonl"))].concat();
    assert_eq!(rejected.len(), 2);
    // A restart with the new config finds everything committed.
    s.run_once();
    assert_eq!(all().len(), 800);
}
