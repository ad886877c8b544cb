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

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// The `*.txt` and `*.html` pages in `dirs`: (extension, bytes).
fn pages(dirs: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else { continue };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            if ["txt", "html", "htm"].contains(&ext.as_str())
                && let Ok(bytes) = std::fs::read(&p)
            {
                out.push((ext, bytes));
            }
        }
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(4333)
}

/// The machine's busy CPU time so far, seconds (every process: newsmill and the servers).
fn busy_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<f64> =
        stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: f64 = fields.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum();
    busy / 100.0
}

/// CPU seconds of the children that ended so far.
fn children_cpu() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the buffer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn publish(url: &str, pages: &[(String, Vec<u8>)], copies: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let client = async_nats::connect(url).await.expect("connect to NATS");
        let js = async_nats::jetstream::new(client);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: "IN".into(),
            subjects: vec!["in.>".into()],
            ..Default::default()
        })
        .await
        .expect("stream");
        let mut acks = Vec::new();
        for k in 0..copies {
            for (i, (ext, bytes)) in pages.iter().enumerate() {
                let mut h = async_nats::HeaderMap::new();
                h.insert("Newsmill-Format", if ext == "txt" { "text" } else { "html" });
                h.insert("Nats-Msg-Id", format!("c{k}-p{i}").as_str());
                acks.push(js.publish_with_headers("in.pages", h, bytes.clone().into()).await.expect("publish"));
                if acks.len() >= 512 {
                    for a in acks.drain(..) {
                        a.await.expect("puback");
                    }
                }
            }
        }
        for a in acks {
            a.await.expect("puback");
        }
    });
}

/// The config of one process: `round` names its consumer and internal stream; `workers` (0:
/// the default) sets the clean and extract workers.
fn config(dir: &Path, nats: &str, pg: &str, schema: &str, round: usize, workers: usize) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("newsmill.toml");
    let d = dir.display();
    std::fs::write(
        &path,
        format!(
            "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"IN\"\nsubjects = [\"in.>\"]\nconsumer = \"round{round}\"\n\
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
    let mut dirs = Vec::new();
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if a == "--pin" {
        } else if a.starts_with("--") {
            skip = true;
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let pages = pages(&dirs);
    assert!(!pages.is_empty(), "no *.txt or *.html pages in {dirs:?}");
    let docs = (pages.len() * copies) as f64;
    let pg = std::env::var("NEWSMILL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let schema = format!("nm_bench_scale_{}", std::process::id());
    let work = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut nats: Child = Command::new(&server)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(work.path().join("js"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    std::thread::sleep(Duration::from_millis(500));
    let url = format!("nats://127.0.0.1:{port}");
    publish(&url, &pages, copies);
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
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        if let Ok((client, conn)) = tokio_postgres::connect(&pg, tokio_postgres::NoTls).await {
            let conn = tokio::spawn(conn);
            let _ = client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await;
            drop(client);
            let _ = conn.await;
        }
    });
    let _ = nats.kill();
    let _ = nats.wait();
}
