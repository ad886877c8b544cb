//! The crash-safety torture harness for brokers and databases: documents published to a NATS
//! JetStream stream (new stories, exact and edited copies, broken ones) while newsmill reads
//! them and writes to PostgreSQL or to another stream; newsmill is killed with SIGKILL at random
//! moments, the NATS server is restarted and the PostgreSQL connections are terminated
//! (`pg_terminate_backend`) while it works. Then every good document must be in the output
//! exactly once by id, every bad one in the dead letter exactly once, and every story must have
//! exactly one `new` that all its copies name.
//!
//! The short forms run with the test suite. The long form is one command:
//! `scripts/torture-brokers.sh` (20,000 documents, 20 kills, 3 server restarts, 3 terminations).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use common::Scratch;
use common::services::{Nats, NatsServer, PgSchema};
use common::stories::{Rng, messages};

/// Where the articles go.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Out {
    Postgres,
    Nats,
}

/// What the outputs hold: (id, dedup, duplicate_of) of the articles, and the rejected ids.
fn outputs(out: Out, schema: Option<&PgSchema>, nats: &Nats) -> (Vec<(String, String, String)>, Vec<String>) {
    match (out, schema) {
        (Out::Postgres, Some(schema)) => {
            let rows = schema.query(&format!(
                "SELECT id, dedup, coalesce(duplicate_of, '') FROM \"{}\".newsmill_articles",
                schema.name
            ));
            let articles = rows
                .into_iter()
                .map(|r| {
                    let f = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                    (f(0), f(1), f(2))
                })
                .collect();
            let rejected = schema
                .query(&format!("SELECT coalesce(id, '') FROM \"{}\".newsmill_rejections", schema.name))
                .into_iter()
                .map(|r| r.first().cloned().flatten().unwrap_or_default())
                .collect();
            (articles, rejected)
        }
        _ => {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            let articles = nats
                .read("OUT")
                .into_iter()
                .map(|(_, r)| (s(&r["id"]), s(&r["dedup"]), s(&r["duplicate_of"])))
                .collect();
            let rejected = nats.read("DEAD").into_iter().map(|(_, r)| s(&r["id"])).collect();
            (articles, rejected)
        }
    }
}

/// Runs the harness; panics with a report when an output is wrong.
fn torture(out: Out, docs: usize, kills: usize, restarts: usize, terminations: usize, seed: u64) {
    let Some(mut server) = NatsServer::start() else { return };
    let schema = match out {
        Out::Postgres => match PgSchema::new() {
            Some(s) => Some(s),
            None => return,
        },
        Out::Nats => None,
    };
    let mut nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let outputs_config = match &schema {
        Some(schema) => format!(
            "[sink]\nkind = \"postgres\"\n[dead_letter]\nkind = \"postgres\"\n\
             [postgres]\nurl = \"{}\"\nschema = \"{}\"\nconnect_timeout_ms = 2000\n",
            schema.url, schema.name
        ),
        None => "[sink]\nkind = \"nats\"\n[sink.nats]\nstream = \"OUT\"\nsubject = \"out.{lang}\"\n\
                 [dead_letter]\nkind = \"nats\"\n[dead_letter.nats]\nstream = \"DEAD\"\nsubject = \"dead.{kind}\"\n"
            .to_string(),
    };
    let s = Scratch::new(&format!(
        "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"IN\"\nsubjects = [\"in.>\"]\nack_wait_ms = 3000\n\
         progress_interval_ms = 1000\nmax_deliver = 1000\nfetch_expires_ms = 200\n\
         [nats]\nurl = \"{}\"\nconnect_timeout_ms = 1000\nrequest_timeout_ms = 3000\n\
         [sink]\nflush_interval_ms = 200\nbuffer_bytes = 262144\n[log]\nlevel = \"warn\"\n{outputs_config}",
        server.url()
    ));
    if schema.is_some() {
        let m = s.cmd(&["migrate", "--config", s.config.to_str().expect("utf-8")]).output().expect("migrate");
        assert!(m.status.success(), "migrate: {}", String::from_utf8_lossy(&m.stderr));
    }
    let (installments, expected) = messages(docs, kills + 1, seed);
    nats.publish(installments[0].clone());
    let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    // Which rounds restart the server and terminate the database's connections.
    let restart_at: Vec<usize> =
        (0..restarts).map(|i| (i * kills) / restarts.max(1) + kills / (2 * restarts.max(1))).collect();
    let terminate_at: Vec<usize> = (0..terminations).map(|i| (i * kills) / terminations.max(1)).collect();
    let started = Instant::now();
    let log = std::fs::OpenOptions::new().create(true).append(true).open(s.root().join("daemon.log")).expect("log");
    for k in 0..kills {
        let mut child = s.spawn_logging_to(&log);
        let wait = if rng.chance(15) { rng.below(60) } else { 200 + rng.below(1200) };
        std::thread::sleep(Duration::from_millis(wait));
        if restart_at.contains(&k) {
            server.restart();
            nats = Nats::connect(&server.url());
        }
        if terminate_at.contains(&k)
            && let Some(schema) = &schema
        {
            schema.terminate_newsmill_connections();
        }
        if let Some(next) = installments.get(k + 1) {
            nats.publish(next.clone());
        }
        std::thread::sleep(Duration::from_millis(rng.below(300)));
        assert!(child.try_wait().expect("try_wait").is_none(), "the daemon exited by itself; log:\n{}", s.log());
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
    }
    for rest in installments.iter().skip(kills + 1) {
        nats.publish(rest.clone());
    }
    let last = s.run_once();
    assert!(last.status.success());
    eprintln!(
        "torture ({out:?}): {docs} documents, {kills} kills, seed {seed}: {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let (articles, rejected) = outputs(out, schema.as_ref(), &nats);
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut by_group: BTreeMap<usize, Vec<&(String, String, String)>> = BTreeMap::new();
    for a in &articles {
        *seen.entry(&a.0).or_default() += 1;
        match expected.get(&a.0) {
            Some(Some(g)) => by_group.entry(*g).or_default().push(a),
            Some(None) => problems.push(format!("bad input {} came out as an article", a.0)),
            None => problems.push(format!("unexpected article {}", a.0)),
        }
    }
    for r in &rejected {
        *seen.entry(r).or_default() += 1;
        if !matches!(expected.get(r), Some(None)) {
            problems.push(format!("{r} was rejected"));
        }
    }
    for id in expected.keys() {
        match seen.get(id.as_str()).copied().unwrap_or(0) {
            1 => {}
            0 => problems.push(format!("{id} is missing")),
            n => problems.push(format!("{id} is in the output {n} times")),
        }
    }
    for (g, members) in &by_group {
        let firsts: Vec<_> = members.iter().filter(|a| a.1 == "new").collect();
        if firsts.len() != 1 {
            let detail: Vec<String> = members.iter().map(|a| format!("{} {} of {}", a.0, a.1, a.2)).collect();
            problems.push(format!("story {g}: {} marked new: {}", firsts.len(), detail.join("; ")));
            continue;
        }
        for a in members.iter().filter(|a| a.1 != "new") {
            if a.2 != firsts[0].0 {
                problems.push(format!("story {g}: {} is a copy of {} but names {}", a.0, firsts[0].0, a.2));
            }
        }
    }
    eprintln!(
        "torture ({out:?}): {} articles, {} rejections, {} stories",
        articles.len(),
        rejected.len(),
        by_group.len()
    );
    if !problems.is_empty() {
        problems.truncate(40);
        let log = s.log();
        let tail = &log[log.len().saturating_sub(4000)..];
        panic!("{} problems (seed {seed}):\n{}\nlog tail:\n{tail}", problems.len(), problems.join("\n"));
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn torture_nats_to_postgres_short() {
    torture(Out::Postgres, 2_000, 6, 1, 2, env_or("NEWSMILL_TORTURE_SEED", 20261205));
}

#[test]
fn torture_nats_to_nats_short() {
    torture(Out::Nats, 2_000, 6, 1, 0, env_or("NEWSMILL_TORTURE_SEED", 20261205));
}

/// The long form: `scripts/torture-brokers.sh` (release build).
#[test]
#[ignore = "long: run with scripts/torture-brokers.sh"]
fn torture_brokers_long() {
    let (docs, kills) =
        (env_or("NEWSMILL_TORTURE_DOCS", 20_000) as usize, env_or("NEWSMILL_TORTURE_KILLS", 20) as usize);
    let seed = env_or("NEWSMILL_TORTURE_SEED", 1);
    torture(Out::Postgres, docs, kills, 3, 3, seed);
    torture(Out::Nats, docs, kills, 3, 0, seed);
}
