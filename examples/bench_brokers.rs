//! NATS in -> PostgreSQL out against files in -> files out, on the same pages, in the same run:
//! `newsmill run --once` over the pages as files in an inbox, then over the same pages published
//! to a JetStream stream (one message each, `Newsmill-Format` by extension) with the articles and
//! rejections inserted into PostgreSQL; alternated `--runs` times, medians and their ratio printed.
//! Publishing is not timed (it happens before newsmill starts); newsmill's start, its reading,
//! its work and its last commit are.
//!
//!   cargo run --release --example bench_brokers -- --bin target/release/newsmill \
//!       --nats-server target/test-tools/nats/bin/nats-server [--copies K] [--runs R] DIR...
//!
//! (`scripts/bench-brokers.sh` does the building and the finding.) PostgreSQL: the machine's, or
//! `NEWSMILL_TEST_POSTGRES_URL`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use support::{arg_value, busy_cpu, children_cpu, pages, positional, psql, publish};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// One timed run: wall seconds, newsmill's CPU seconds, and every other process' CPU seconds.
struct Timing {
    wall: f64,
    newsmill_cpu: f64,
    other_cpu: f64,
}

/// `newsmill run --once` on `config`.
fn run_once(bin: &Path, config: &Path) -> Timing {
    let (busy, children) = (busy_cpu(), children_cpu());
    let started = Instant::now();
    let out = Command::new(bin)
        .args(["run", "--once", "--config"])
        .arg(config)
        .env("RUST_LOG", std::env::var("NEWSMILL_BENCH_LOG").map_or("warn", |_| "info"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run newsmill");
    assert!(out.status.success(), "newsmill failed: {}", String::from_utf8_lossy(&out.stderr));
    if let Ok(dir) = std::env::var("NEWSMILL_BENCH_LOG") {
        let name = config.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = std::fs::write(Path::new(&dir).join(format!("{name}.log")), &out.stderr);
    }
    let wall = started.elapsed().as_secs_f64();
    let newsmill_cpu = children_cpu() - children;
    Timing { wall, newsmill_cpu, other_cpu: (busy_cpu() - busy - newsmill_cpu).max(0.0) }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin = PathBuf::from(arg_value(&args, "--bin").unwrap_or_else(|| "target/release/newsmill".into()));
    let server = PathBuf::from(
        arg_value(&args, "--nats-server").unwrap_or_else(|| "target/test-tools/nats/bin/nats-server".into()),
    );
    let copies: usize = arg_value(&args, "--copies").and_then(|v| v.parse().ok()).unwrap_or(10);
    let runs: usize = arg_value(&args, "--runs").and_then(|v| v.parse().ok()).unwrap_or(3);
    let dirs = positional(&args, &[]);
    let pages = pages(&dirs);
    assert!(!pages.is_empty(), "no *.txt or *.html pages in {dirs:?}");
    let docs = pages.len() * copies;
    let pg = support::postgres_url();
    let work = tempfile::tempdir().expect("tempdir");
    let (mut nats, nats_url) = support::start_nats(&server, &work.path().join("js"));

    let (mut files_rates, mut broker_rates) = (Vec::new(), Vec::new());
    for r in 0..runs {
        // Files in, files out.
        let dir = work.path().join(format!("files{r}"));
        std::fs::create_dir_all(dir.join("inbox")).expect("inbox");
        for k in 0..copies {
            for (i, (ext, bytes)) in pages.iter().enumerate() {
                std::fs::write(dir.join(format!("inbox/c{k}-p{i}.{ext}")), bytes).expect("page");
            }
        }
        let config = dir.join("files.toml");
        let d = dir.display();
        std::fs::write(
            &config,
            format!(
                "[source]\npaths = [\"{d}/inbox\"]\nsettle_ms = 0\n[sink]\npath = \"{d}/out/articles.jsonl\"\n\
                 [dead_letter]\npath = \"{d}/out/rejected.jsonl\"\n[state]\ndir = \"{d}/state\"\n[metrics]\nenabled = false\n"
            ),
        )
        .expect("config");
        let t = run_once(&bin, &config);
        files_rates.push(docs as f64 / t.wall);
        let files_cpu = (t.newsmill_cpu, t.other_cpu);

        // NATS in, PostgreSQL out.
        let stream = format!("BENCH{r}");
        publish(&nats_url, &stream, &pages, copies);
        let schema = format!("nm_bench_{}_{r}", std::process::id());
        let config = dir.join("brokers.toml");
        std::fs::write(
            &config,
            format!(
                "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"{stream}\"\nsubjects = [\"{stream}.>\"]\n\
                 fetch_expires_ms = 200\n[nats]\nurl = \"{nats_url}\"\n\
                 [sink]\nkind = \"postgres\"\nbuffer_bytes = 16777216\n[dead_letter]\nkind = \"postgres\"\n\
                 [postgres]\nurl = \"{pg}\"\nschema = \"{schema}\"\n[state]\ndir = \"{d}/state-brokers\"\n\
                 [metrics]\nenabled = false\n"
            ),
        )
        .expect("config");
        let migrated = Command::new(&bin).args(["migrate", "--config"]).arg(&config).output().expect("migrate");
        assert!(migrated.status.success(), "migrate: {}", String::from_utf8_lossy(&migrated.stderr));
        let t = run_once(&bin, &config);
        broker_rates.push(docs as f64 / t.wall);
        psql(&pg, &format!("DROP SCHEMA \"{schema}\" CASCADE"));
        let _ = std::fs::remove_dir_all(&dir);
        let ms = |cpu: f64| cpu * 1000.0 / docs as f64;
        eprintln!(
            "run {}: files -> files {:.0} docs/s (CPU/doc: newsmill {:.2} ms, other {:.2} ms), \
             NATS -> PostgreSQL {:.0} docs/s (newsmill {:.2} ms, servers and other {:.2} ms)",
            r + 1,
            files_rates[r],
            ms(files_cpu.0),
            ms(files_cpu.1),
            broker_rates[r],
            ms(t.newsmill_cpu),
            ms(t.other_cpu),
        );
    }
    let _ = nats.kill();
    let _ = nats.wait();
    let (f, b) = (median(files_rates), median(broker_rates));
    println!("{docs} documents, median of {runs} runs");
    println!("files in -> files out:         {f:.0} docs/s");
    println!("NATS in -> PostgreSQL out:     {b:.0} docs/s");
    println!("ratio:                         {:.2}", b / f);
}
