//! The `postgres` outputs against the machine's real PostgreSQL server: `newsmill migrate`,
//! every article and every rejection exactly once across SIGKILLs, and a server that is down at
//! start, cut off mid-run and its connections terminated, with the pipeline waiting and
//! resuming. Each test works in a schema of its own.

mod common;

use std::time::Duration;

use common::services::{PgSchema, Proxy, free_port};
use common::{Scratch, http_get, wait_for};

fn config(schema: &PgSchema, url: &str) -> String {
    format!(
        "[sink]\nkind = \"postgres\"\n[dead_letter]\nkind = \"postgres\"\n\
         [postgres]\nurl = \"{url}\"\nschema = \"{}\"\nconnect_timeout_ms = 2000\nstatement_timeout_ms = 10000\n",
        schema.name
    )
}

fn articles(schema: &PgSchema) -> String {
    format!("\"{}\".newsmill_articles", schema.name)
}

fn rejections(schema: &PgSchema) -> String {
    format!("\"{}\".newsmill_rejections", schema.name)
}

fn migrate(s: &Scratch) {
    let out = s.cmd(&["migrate", "--config", s.config.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
}

/// Every story has exactly one `new` article; returns how many stories there are.
fn one_new_per_story(schema: &PgSchema) -> u64 {
    let t = articles(schema);
    let bad = schema.count(&format!(
        "SELECT count(*) FROM (SELECT story_id FROM {t} GROUP BY story_id HAVING sum((dedup = 'new')::int) <> 1) s"
    ));
    assert_eq!(bad, 0, "stories without exactly one `new`");
    schema.count(&format!("SELECT count(DISTINCT story_id) FROM {t}"))
}

#[test]
fn migrate_is_named_when_needed_and_every_record_lands_once_across_kills() {
    let Some(schema) = PgSchema::new() else { return };
    let s = Scratch::new(&config(&schema, &schema.url));
    let out = s.cmd(&["run", "--once", "--config", s.config.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("newsmill migrate"), "{err}");
    migrate(&s);
    migrate(&s);

    let pages = 400;
    s.write_backlog(pages);
    for i in 0..40 {
        std::fs::write(s.inbox().join(format!("copy{i:03}.txt")), common::page(i * 7)).unwrap();
    }
    std::fs::write(s.inbox().join("binary.txt"), [0u8, 159, 146, 150, 0, 1, 2, 3].repeat(50)).unwrap();
    std::fs::write(s.inbox().join("blank.txt"), "   \n\n").unwrap();
    let t = articles(&schema);
    for round in 1..=3u64 {
        let mut d = s.spawn();
        let seen = wait_for(Duration::from_secs(60), || {
            (schema.count(&format!("SELECT count(*) FROM {t}")) >= round * 60).then_some(())
        });
        assert!(seen.is_some() && d.alive(), "no progress, or the daemon exited; log:\n{}", s.log());
        d.signal(libc::SIGKILL);
        drop(d);
    }
    s.run_once();

    assert_eq!(schema.count(&format!("SELECT count(*) FROM {t}")), pages as u64 + 40);
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {t} WHERE dedup = 'exact'")), 40);
    assert_eq!(one_new_per_story(&schema), pages as u64);
    let r = rejections(&schema);
    assert_eq!(
        schema.count(&format!("SELECT count(*) FROM {r}")),
        2,
        "{:?}",
        schema.query(&format!("SELECT kind, path FROM {r}"))
    );
    assert_eq!(
        schema.count(&format!("SELECT count(*) FROM {t} WHERE record->>'id' = id AND record->>'story_id' = story_id")),
        pages as u64 + 40,
        "the columns agree with the record"
    );
}

#[test]
fn a_server_down_at_start_cut_off_and_terminated_stalls_the_pipeline_and_loses_nothing() {
    let Some(schema) = PgSchema::new() else { return };
    // The tables are made on the real server; the daemon talks through a proxy that is down.
    migrate(&Scratch::new(&config(&schema, &schema.url)));
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/{}", schema.url.rsplit('/').next().unwrap_or("postgres"));
    let s = Scratch::new(&config(&schema, &url));
    let t = articles(&schema);
    let rows = || schema.count(&format!("SELECT count(*) FROM {t}"));
    let mut d = s.spawn();
    let addr = s.metrics_addr();
    s.write_backlog(150);
    let unready = wait_for(Duration::from_secs(30), || (http_get(&addr, "/ready").0 == 503).then_some(()));
    assert!(unready.is_some(), "/ready stays 200 while nothing can be written; log:\n{}", s.log());
    assert!(d.alive() && rows() == 0);

    let proxy = Proxy::start(port, "127.0.0.1:5432");
    let all = wait_for(Duration::from_secs(60), || (rows() == 150).then_some(()));
    assert!(all.is_some(), "{} rows after the server came up; log:\n{}", rows(), s.log());
    assert!(wait_for(Duration::from_secs(30), || (http_get(&addr, "/ready").0 == 200).then_some(())).is_some());

    // Mid-run: connections cut, then terminated by the server, then the server away a while.
    for i in 150..300 {
        std::fs::write(s.inbox().join(format!("q{i:05}.txt")), common::page(i)).unwrap();
    }
    wait_for(Duration::from_secs(30), || (rows() > 150).then_some(()));
    proxy.cut();
    wait_for(Duration::from_secs(30), || (rows() > 200).then_some(()));
    schema.terminate_newsmill_connections();
    proxy.stop();
    for i in 300..400 {
        std::fs::write(s.inbox().join(format!("q{i:05}.txt")), common::page(i)).unwrap();
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(d.alive(), "the daemon must wait for the server, not exit");
    let proxy = Proxy::start(port, "127.0.0.1:5432");
    let all = wait_for(Duration::from_secs(90), || (rows() == 400).then_some(()));
    assert!(all.is_some(), "{} rows after the outages; log:\n{}", rows(), s.log());
    let (_, metrics) = http_get(&addr, "/metrics");
    assert!(metrics.contains("newsmill_output_retries_total{output=\"articles\"}"), "retries are counted");
    assert!(metrics.contains("newsmill_output_flush_seconds"), "flush latencies are measured");
    assert_eq!(d.stop(), Some(0));
    drop(proxy);
    assert_eq!(one_new_per_story(&schema), 400);
    assert_eq!(rows(), 400);
}

#[test]
fn run_once_fails_when_its_output_stays_away_and_the_next_run_writes_everything() {
    let Some(schema) = PgSchema::new() else { return };
    migrate(&Scratch::new(&config(&schema, &schema.url)));
    let port = free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/{}", schema.url.rsplit('/').next().unwrap_or("postgres"));
    let s = Scratch::new(&format!("{}[runtime]\nshutdown_grace_ms = 1500\n", config(&schema, &url)));
    s.write_backlog(30);
    let out = s.cmd(&["run", "--once", "--config", s.config.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("last commit failed"), "{err}");
    let _proxy = Proxy::start(port, "127.0.0.1:5432");
    s.run_once();
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {}", articles(&schema))), 30);
}
