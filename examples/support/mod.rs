//! What the broker benchmarks share: their arguments, the pages, a NATS server of their own,
//! publishing, PostgreSQL statements, and CPU accounting.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The value after `name` on the command line.
pub fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// The arguments that are neither an option nor an option's value (`flags` take none).
pub fn positional(args: &[String], flags: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if flags.contains(&a.as_str()) {
        } else if a.starts_with("--") {
            skip = true;
        } else {
            out.push(PathBuf::from(a));
        }
    }
    out
}

/// A NATS server's default `max_payload`, less room for the headers: larger pages are left out.
const MAX_PAGE_BYTES: usize = 1024 * 1024 - 4096;

/// The `*.txt` and `*.html` pages in `dirs`: (extension, bytes); pages too large to publish
/// are left out (and counted on stderr).
pub fn pages(dirs: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut too_large = 0;
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else { continue };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            if ["txt", "html", "htm"].contains(&ext.as_str())
                && let Ok(bytes) = std::fs::read(&p)
            {
                if bytes.len() > MAX_PAGE_BYTES {
                    too_large += 1;
                } else {
                    out.push((ext, bytes));
                }
            }
        }
    }
    if too_large > 0 {
        eprintln!("{too_large} pages over {MAX_PAGE_BYTES} bytes left out (larger than a NATS message)");
    }
    out
}

/// A nats-server with JetStream storing in `dir`: the process and its URL.
pub fn start_nats(server: &Path, dir: &Path) -> (Child, String) {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(4333);
    let child = Command::new(server)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nats-server");
    std::thread::sleep(Duration::from_millis(500));
    (child, format!("nats://127.0.0.1:{port}"))
}

/// The PostgreSQL server of the benchmarks: the machine's, or `NEWSMILL_TEST_POSTGRES_URL`.
pub fn postgres_url() -> String {
    std::env::var("NEWSMILL_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs `sql` on `url`.
pub fn psql(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.expect("connect to PostgreSQL");
        let conn = tokio::spawn(conn);
        client.batch_execute(sql).await.expect(sql);
        drop(client);
        let _ = conn.await;
    });
}

/// Publishes `copies` rounds of `pages` to `stream` (created capturing `STREAM.>`), on subject
/// `STREAM.pages`, one message each with `Newsmill-Format` by extension and an id of its own.
pub fn publish(url: &str, stream: &str, pages: &[(String, Vec<u8>)], copies: usize) {
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

/// The machine's busy CPU time so far, seconds (every process: newsmill and the servers).
pub fn busy_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<f64> =
        stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: f64 = fields.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum();
    busy / 100.0
}

/// CPU seconds of the children that ended so far.
pub fn children_cpu() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the buffer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
