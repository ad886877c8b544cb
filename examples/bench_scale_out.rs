//! Scale-out figures on this machine: pages published to a JetStream stream, then
//! 1. `newsmill run --role extract --once` with 1, then 2, processes sharing the input consumer
//!    (each round a consumer of its own over the same messages, and an internal stream of its
//!    own): docs/s of the round and of each process;
//! 2. `newsmill run --role dedup --once` over the first round's internal stream into
//!    PostgreSQL: the dedup role's rate fed from the stream, and its CPU per document.
//!
//! Publishing is not timed; each process' start, reading, work and last commit are.
//!
//!   cargo run --release --example bench_scale_out -- --bin target/release/newsmill \
//!       --nats-server target/test-tools/nats/bin/nats-server [--copies K] [--workers W] DIR...
//!
//! `--workers 1` gives each process one clean and one extract worker, and `--pin` runs extract
//! process `p` on CPU `p` alone (`taskset`), so that the per-process rate shows whether processes
//! add up when each has a core of its own.
//!
//! (`scripts/bench-scale-out.sh` does the building.) PostgreSQL: the machine's, or
//! `NEWSMILL_TEST_POSTGRES_URL`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use support::{arg_value, busy_cpu, children_cpu, pages, positional, publish};

/// The config of one process: `round` names its consumer and internal stream; `workers` (0:
/// the default) sets the clean and extract workers.
fn config(dir: &Path, nats: &str, pg: &str, schema: &str, round: usize, workers: usize) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("newsmill.toml");
    let d = dir.display();
    std::fs::write(
        &path,
        format!(
            "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"IN\"\nsubjects = [\"IN.>\"]\nconsumer = \"round{round}\"\n\
             fetch_expires_ms = 500\nmax_ack_pending = 20000\n[nats]\nurl = \"{nats}\"\n[handoff]\nstream = \"MID{round}\"\nsubject = \"mid{round}\"\n\
             lease = \"bench{round}\"\n[sink]\nkind = \"postgres\"\nbuffer_bytes = 67108864\nflush_interval_ms = 250\n[dead_letter]\nkind = \"postgres\"\n\
             [postgres]\nurl = \"{pg}\"\nschema = \"{schema}\"\n[state]\ndir = \"{d}/state\"\n[metrics]\nenabled = false\n{}",
            if workers > 0 { format!("[clean]\nworkers = {workers}\n[extract]\nworkers = {workers}\n") } else { String::new() }
        ),
    )
    .expect("config");
    path
}

/// Starts `newsmill run --role ROLE --once`, on CPU `pin` alone when given (`taskset`).
fn start(bin: &Path, role: &str, config: &Path, pin: Option<usize>) -> Child {
    let mut command = match pin {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpu.to_string()]).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    command
        .args(["run", "--once", "--role", role, "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run newsmill")
}

/// Documents a finished `run --once` took in (its summary's source counter).
fn taken(child: Child) -> u64 {
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "newsmill failed");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let stages = summary["stages"].as_array().cloned().unwrap_or_default();
    stages.iter().find(|s| s["stage"] == "source").and_then(|s| s["received"].as_u64()).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin = PathBuf::from(arg_value(&args, "--bin").unwrap_or_else(|| "target/release/newsmill".into()));
    let server = PathBuf::from(
        arg_value(&args, "--nats-server").unwrap_or_else(|| "target/test-tools/nats/bin/nats-server".into()),
    );
    let copies: usize = arg_value(&args, "--copies").and_then(|v| v.parse().ok()).unwrap_or(4);
    let workers: usize = arg_value(&args, "--workers").and_then(|v| v.parse().ok()).unwrap_or(0);
    let pin = args.iter().any(|a| a == "--pin");
    let dirs = positional(&args, &["--pin"]);
    let pages = pages(&dirs);
    assert!(!pages.is_empty(), "no *.txt or *.html pages in {dirs:?}");
    let docs = (pages.len() * copies) as f64;
    let pg = support::postgres_url();
    let schema = format!("nm_bench_scale_{}", std::process::id());
    let work = tempfile::tempdir().expect("tempdir");
    let (mut nats, url) = support::start_nats(&server, &work.path().join("js"));
    publish(&url, "IN", &pages, copies);
    let first = config(&work.path().join("migrate"), &url, &pg, &schema, 0, workers);
    let migrated = Command::new(&bin).args(["migrate", "--config"]).arg(&first).output().expect("migrate");
    assert!(migrated.status.success(), "migrate: {}", String::from_utf8_lossy(&migrated.stderr));

    println!("{docs} documents ({} pages x {copies})", pages.len());
    for n in [1usize, 2] {
        let cpu = children_cpu();
        let started = Instant::now();
        let children: Vec<Child> = (0..n)
            .map(|p| {
                let dir = work.path().join(format!("x{n}-{p}"));
                start(&bin, "extract", &config(&dir, &url, &pg, &schema, n, workers), pin.then_some(p))
            })
            .collect();
        let each: Vec<u64> = children.into_iter().map(taken).collect();
        let wall = started.elapsed().as_secs_f64();
        let per: Vec<String> = each.iter().map(|&d| format!("{:.0}", d as f64 / wall)).collect();
        println!(
            "extract x{n}: {:.0} docs/s ({} per process), {:.2} ms CPU/doc",
            docs / wall,
            per.join(" + "),
            (children_cpu() - cpu) * 1000.0 / docs
        );
    }
    // The dedup role over the first round's internal stream, into PostgreSQL.
    let (cpu, busy) = (children_cpu(), busy_cpu());
    let started = Instant::now();
    let n = taken(start(&bin, "dedup", &config(&work.path().join("dedup"), &url, &pg, &schema, 1, workers), None));
    let wall = started.elapsed().as_secs_f64();
    let newsmill = children_cpu() - cpu;
    let per_doc = |secs: f64| secs * 1000.0 / n.max(1) as f64;
    println!(
        "dedup (from the internal stream into PostgreSQL): {:.0} docs/s, CPU/doc {:.3} ms of newsmill and {:.3} ms of \
         the servers ({n} documents)",
        n as f64 / wall,
        per_doc(newsmill),
        per_doc((busy_cpu() - busy - newsmill).max(0.0))
    );
    support::psql(&pg, &format!("DROP SCHEMA \"{schema}\" CASCADE"));
    let _ = nats.kill();
    let _ = nats.wait();
}
