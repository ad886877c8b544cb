//! The crash-safety torture harness: generates a backlog of page dumps and JSON lines with exact
//! and edited duplicates and bad input mixed in, runs the real daemon on it, kills it with SIGKILL
//! at random moments while it works (dropping more input in between), lets a last run finish, and
//! then checks the outputs: every good document is in the articles exactly once, every bad one in
//! the rejections exactly once, and every duplicate group has exactly one first ("new") that all
//! its copies point to.
//!
//! The short form runs with the test suite. The long form is one command:
//! `scripts/torture.sh` (100 kills, 100,000 documents; `--kills`, `--docs`, `--seed` to change).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use common::stories::{Rng, Story, pick};
use common::{Scratch, read_outputs};
use serde_json::Value;

fn page_dump(s: &Story) -> String {
    format!(
        "Skip to content\nHome\nWorld\nBusiness\nText Size\nClose\n\n{}\n\n{}\n\n© 2026 The Torture Times. All rights \
         reserved.\nJoin us on social!\n",
        s.title,
        s.paragraphs.join("\n\n")
    )
}

fn json_line(id: &str, s: &Story) -> String {
    let mut line = serde_json::json!({ "id": id, "title": s.title, "text": s.paragraphs.join("\n\n") }).to_string();
    line.push('\n');
    line
}

/// One input document and what the output must say about it.
#[derive(Debug, Clone)]
struct Expected {
    /// Duplicate group (the story), or `None` for bad input.
    group: Option<usize>,
}

/// Input documents are known by (file name, byte offset; `None` for whole files).
type Key = (String, Option<u64>);

/// The generated backlog, written in installments.
struct Backlog {
    /// Files to drop into the inbox, in order: (name, bytes, append to an existing file).
    installments: Vec<Vec<(String, Vec<u8>, bool)>>,
    expected: HashMap<Key, Expected>,
}

fn generate(docs: usize, parts: usize, seed: u64) -> Backlog {
    let mut rng = Rng(seed.max(1));
    let mut stories: Vec<Story> = Vec::new();
    let mut expected = HashMap::new();
    let mut installments: Vec<Vec<(String, Vec<u8>, bool)>> = vec![Vec::new(); parts.max(1)];
    let per_part = docs.div_ceil(parts.max(1));
    let mut made = 0usize;
    let mut jsonl_sizes: HashMap<String, u64> = HashMap::new();
    let mut part = 0;
    while made < docs {
        let part_end = (made + per_part).min(docs);
        // A part: a few page dumps and JSON-lines files; one file of an earlier part grows.
        let mut batch_no = 0;
        while made < part_end {
            let text_file = rng.chance(15);
            let name = if text_file {
                format!("p{part:03}_{made:07}.txt")
            } else if part > 0 && batch_no == 0 && rng.chance(50) {
                // Appended to a file the daemon has (maybe) read already.
                format!("b{:03}_000.jsonl", rng.below(part as u64))
            } else {
                format!("b{part:03}_{batch_no:03}.jsonl")
            };
            batch_no += 1;
            let append = jsonl_sizes.contains_key(&name);
            let mut bytes = Vec::new();
            let records = if text_file { 1 } else { (5 + rng.below(300)) as usize };
            for _ in 0..records.min(part_end - made) {
                // Pick the story: mostly new, some exact copies, some edited copies.
                let (group, s) = pick(&mut rng, &mut stories);
                made += 1;
                if text_file {
                    bytes = page_dump(&s).into_bytes();
                    expected.insert((name.clone(), None), Expected { group: Some(group) });
                    break;
                }
                let offset = jsonl_sizes.get(&name).copied().unwrap_or(0) + bytes.len() as u64;
                if rng.chance(2) {
                    let bad =
                        if rng.chance(50) { format!("{{\"id\": \"bad{made}\", broken\n") } else { "[1, 2]\n".into() };
                    bytes.extend_from_slice(bad.as_bytes());
                    expected.insert((name.clone(), Some(offset)), Expected { group: None });
                } else {
                    bytes.extend_from_slice(json_line(&format!("d{made}"), &s).as_bytes());
                    expected.insert((name.clone(), Some(offset)), Expected { group: Some(group) });
                }
            }
            if !text_file {
                *jsonl_sizes.entry(name.clone()).or_insert(0) += bytes.len() as u64;
            }
            installments[part.min(parts - 1)].push((name, bytes, append));
        }
        part += 1;
    }
    Backlog { installments, expected }
}

fn drop_files(s: &Scratch, files: &[(String, Vec<u8>, bool)]) {
    use std::io::Write;
    for (name, bytes, append) in files {
        if *append {
            let mut f = std::fs::OpenOptions::new().append(true).open(s.inbox().join(name)).expect("open to append");
            f.write_all(bytes).expect("append");
        } else {
            s.drop_file(name, bytes);
        }
    }
}

fn key_of(path: &Value, offset: &Value) -> Key {
    let name = Path::new(path.as_str().unwrap_or_default())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (name, offset.as_u64())
}

/// Runs the harness; panics with a report when an output is wrong.
fn torture(docs: usize, kills: usize, seed: u64) {
    let s = Scratch::new(
        "[sink]\nflush_interval_ms = 200\nmax_file_bytes = 262144\nbuffer_bytes = 4096\n\
         [dead_letter]\nmax_file_bytes = 4096\n\
         [log]\nlevel = \"warn\"\n",
    );
    let backlog = generate(docs, kills + 1, seed);
    let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    drop_files(&s, &backlog.installments[0]);
    let started = Instant::now();
    let log = std::fs::OpenOptions::new().create(true).append(true).open(s.root().join("daemon.log")).expect("log");
    for k in 0..kills {
        let mut child = s.spawn_logging_to(&log);
        // Kill at a random moment: mostly while busy, sometimes right at start-up.
        let wait = if rng.chance(15) { rng.below(60) } else { 100 + rng.below(900) };
        std::thread::sleep(Duration::from_millis(wait));
        if let Some(next) = backlog.installments.get(k + 1) {
            drop_files(&s, next);
        }
        std::thread::sleep(Duration::from_millis(rng.below(200)));
        assert!(child.try_wait().expect("try_wait").is_none(), "the daemon exited by itself; log:\n{}", s.log());
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
    }
    for rest in backlog.installments.iter().skip(kills + 1) {
        drop_files(&s, rest);
    }
    let out = s.run_once();
    assert!(out.status.success());
    let log = s.log();
    let cuts: Vec<&str> = log.lines().filter(|l| l.contains("Cut records written after the last commit")).collect();
    eprintln!("torture: outputs cut back to their commit point {} times", cuts.len());
    if std::env::var_os("NEWSMILL_TORTURE_VERBOSE").is_some() {
        cuts.iter().for_each(|l| eprintln!("  {l}"));
    }
    eprintln!("torture: {docs} documents, {kills} kills, seed {seed}: {:.1}s", started.elapsed().as_secs_f64());

    let outdir = s.root().join("out");
    let articles = read_outputs(&outdir, "articles");
    let rejected = read_outputs(&outdir, "rejected");
    let mut seen: HashMap<Key, usize> = HashMap::new();
    let mut problems: Vec<String> = Vec::new();
    let mut by_group: BTreeMap<usize, Vec<&Value>> = BTreeMap::new();
    for a in &articles {
        let key = key_of(&a["source"]["path"], &a["source"]["offset"]);
        *seen.entry(key.clone()).or_default() += 1;
        match backlog.expected.get(&key) {
            Some(Expected { group: Some(g) }) => by_group.entry(*g).or_default().push(a),
            Some(Expected { group: None }) => problems.push(format!("bad input {key:?} came out as an article")),
            None => problems.push(format!("unexpected article {key:?}")),
        }
    }
    for r in &rejected {
        let key = key_of(&r["path"], &r["offset"]);
        *seen.entry(key.clone()).or_default() += 1;
        if !matches!(backlog.expected.get(&key), Some(Expected { group: None })) {
            problems.push(format!("{key:?} rejected: {}", r["reason"]));
        }
    }
    for key in backlog.expected.keys() {
        match seen.get(key).copied().unwrap_or(0) {
            1 => {}
            0 => problems.push(format!("{key:?} is missing")),
            n => problems.push(format!("{key:?} is in the output {n} times")),
        }
    }
    for (g, members) in &by_group {
        let firsts: Vec<&&Value> = members.iter().filter(|a| a["dedup"] == "new").collect();
        if firsts.len() != 1 {
            let detail: Vec<String> = members
                .iter()
                .map(|a| {
                    let key = key_of(&a["source"]["path"], &a["source"]["offset"]);
                    format!("{key:?} {} {} of {} ({})", a["id"], a["dedup"], a["duplicate_of"], a["similarity"])
                })
                .collect();
            problems.push(format!(
                "story {g}: {} documents marked new of {}: {}",
                firsts.len(),
                members.len(),
                detail.join("; ")
            ));
            continue;
        }
        let first_id = &firsts[0]["id"];
        for a in members.iter().filter(|a| a["dedup"] != "new") {
            if &a["duplicate_of"] != first_id {
                problems
                    .push(format!("story {g}: {} is a copy of {} but names {}", a["id"], first_id, a["duplicate_of"]));
            }
        }
    }
    let bad = backlog.expected.values().filter(|e| e.group.is_none()).count();
    eprintln!(
        "torture: {} articles, {} rejections ({bad} bad inputs planted), {} stories",
        articles.len(),
        rejected.len(),
        by_group.len()
    );
    if !problems.is_empty() {
        problems.truncate(40);
        panic!("{} problems (seed {seed}):\n{}\nlog tail:\n{}", problems.len(), problems.join("\n"), tail(&s.log()));
    }
    let rotated = std::fs::read_dir(&outdir).map(|d| d.count()).unwrap_or(0);
    assert!(rotated > 2, "the outputs were expected to rotate");
}

fn tail(log: &str) -> &str {
    let start = log.len().saturating_sub(4000);
    let start = (start..log.len()).find(|i| log.is_char_boundary(*i)).unwrap_or(log.len());
    &log[start..]
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn torture_short() {
    torture(5_000, 10, env_or("NEWSMILL_TORTURE_SEED", 20261127));
}

/// The long form: `scripts/torture.sh` (release build).
#[test]
#[ignore = "long: run with scripts/torture.sh"]
fn torture_long() {
    torture(
        env_or("NEWSMILL_TORTURE_DOCS", 100_000) as usize,
        env_or("NEWSMILL_TORTURE_KILLS", 100) as usize,
        env_or("NEWSMILL_TORTURE_SEED", 1),
    );
}
