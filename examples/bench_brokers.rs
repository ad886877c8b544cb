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

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
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

fn psql(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect to PostgreSQL");
        let conn = tokio::spawn(conn);
        client.batch_execute(sql).await.expect(sql);
        drop(client);
        let _ = conn.await;
    });
}

fn publish(url: &str, stream: &str, pages: &[(String, Vec<u8>)], copies: usize) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let client = async_nats::connect(url).await.expect("connect to NATS");
        let js = async_nats::jetstream::new(client);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: stream.into(),
            subjects: vec![format!("{stream}.>")],
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
                acks.push(
                    js.publish_with_headers(format!("{stream}.pages"), h, bytes.clone().into()).await.expect("publish"),
                );
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin = PathBuf::from(arg_value(&args, "--bin").unwrap_or_else(|| "target/release/newsmill".into()));
    let server = PathBuf::from(
        arg_value(&args, "--nats-server").unwrap_or_else(|| "target/test-tools/nats/bin/nats-server".into()),
    );
    let copies: usize = arg_value(&args, "--copies").and_then(|v| v.parse().ok()).unwrap_or(10);
    let runs: usize = arg_value(&args, "--runs").and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut dirs = Vec::new();
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if a.starts_with("--") {
            skip = true;
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let pages = pages(&dirs);
    assert!(!pages.is_empty(), "no *.txt or *.html pages in {dirs:?}");
    let docs = pages.len() * copies;
    let pg = std::env::var("NEWSMILL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
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
    let nats_url = format!("nats://127.0.0.1:{port}");

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
