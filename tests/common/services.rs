//! Real servers for the tests that need them: a PostgreSQL schema of the test's own on the
//! machine's server, and a TCP proxy a test can cut to play an outage. A test whose server is
//! absent skips with a printed reason, unless `NEWSMILL_REQUIRE_SERVICES` is set (CI): then it
//! fails.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Whether a missing server fails the test instead of skipping it.
pub fn services_required() -> bool {
    std::env::var_os("NEWSMILL_REQUIRE_SERVICES").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Skips (returns `None`, printing why) or fails when a server cannot be had.
pub fn skip_or_fail<T>(what: &str, why: impl std::fmt::Display) -> Option<T> {
    assert!(!services_required(), "{what} is required (NEWSMILL_REQUIRE_SERVICES is set) but: {why}");
    eprintln!("SKIPPED: {what} is not available: {why}");
    None
}

/// The server tests use: `NEWSMILL_TEST_POSTGRES_URL`, else the machine's on 127.0.0.1:5432.
pub fn postgres_url() -> String {
    std::env::var("NEWSMILL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Runs `sql` and returns every row with every column as text (NULL: `None`).
pub fn pg_query(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    runtime().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.map_err(|e| e.to_string())?;
        let conn = tokio::spawn(conn);
        let messages = client.simple_query(sql).await.map_err(|e| e.to_string())?;
        drop(client);
        let _ = conn.await;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    })
}

/// A schema of the test's own, dropped with everything in it at the end.
pub struct PgSchema {
    pub name: String,
    pub url: String,
}

impl PgSchema {
    /// A fresh schema, or `None` (skipped) when the server cannot be reached.
    pub fn new() -> Option<Self> {
        static N: AtomicU64 = AtomicU64::new(0);
        let url = postgres_url();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("nm_test_{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        match pg_query(&url, &format!("CREATE SCHEMA \"{name}\"")) {
            Ok(_) => Some(Self { name, url }),
            Err(e) => skip_or_fail(&format!("PostgreSQL at {url}"), e),
        }
    }

    /// Rows of `sql`.
    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        pg_query(&self.url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// One number from `sql`.
    pub fn count(&self, sql: &str) -> u64 {
        let rows = self.query(sql);
        rows.first().and_then(|r| r.first()).cloned().flatten().and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// Ends every connection newsmill holds to the server (`pg_terminate_backend`); how many.
    pub fn terminate_newsmill_connections(&self) -> u64 {
        self.count(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = 'newsmill' AND pid <> pg_backend_pid()",
        )
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = pg_query(&self.url, &format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
    }
}

/// A free TCP port on loopback (free when asked; a test binds it soon after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A TCP proxy from a local port to a server, which a test can cut (every connection dropped
/// at once, as a network failure would) and stop (connections refused, as a server that is
/// down).
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listens on `port` and forwards every connection to `target` (`host:port`).
    pub fn start(port: u16, target: &str) -> Self {
        let listener = (0..100)
            .find_map(|_| {
                TcpListener::bind(("127.0.0.1", port)).ok().or_else(|| {
                    std::thread::sleep(Duration::from_millis(50));
                    None
                })
            })
            .expect("bind the proxy's port");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (s, list, target) = (stop.clone(), streams.clone(), target.to_string());
        let accept = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let _ = client.set_nonblocking(false);
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (mut from, mut to) = (from.try_clone().expect("clone"), to.try_clone().expect("clone"));
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Both);
                        let _ = from.shutdown(Shutdown::Both);
                    });
                }
                list.lock().expect("lock").extend([client, server]);
            }
        });
        Self { port, stop, streams, accept: Some(accept) }
    }

    /// Drops every open connection (the proxy goes on accepting new ones).
    pub fn cut(&self) {
        for s in self.streams.lock().expect("lock").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Stops listening and drops every connection.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        self.cut();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The nats-server binary: `NEWSMILL_NATS_SERVER`, else the one `scripts/test-services.sh`
/// installs under `target/test-tools` (installed now when missing).
fn nats_server_bin() -> Result<std::path::PathBuf, String> {
    if let Some(p) = std::env::var_os("NEWSMILL_NATS_SERVER") {
        return Ok(p.into());
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/test-tools/nats/bin/nats-server");
    if !bin.is_file() {
        let out = std::process::Command::new(root.join("scripts/test-services.sh"))
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run scripts/test-services.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!("scripts/test-services.sh failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    Ok(bin)
}

/// A NATS server with JetStream of the test's own: its own port and store, stopped (SIGKILL)
/// and started again at will, killed at the end.
pub struct NatsServer {
    pub port: u16,
    store: tempfile::TempDir,
    bin: std::path::PathBuf,
    child: Option<std::process::Child>,
    /// Further command-line options (authentication, TLS).
    args: Vec<String>,
}

impl NatsServer {
    /// A running server, or `None` (skipped) when none can be had.
    pub fn start() -> Option<Self> {
        let mut s = Self::stopped()?;
        if let Err(e) = s.spawn() {
            return skip_or_fail("a current nats-server", e);
        }
        Some(s)
    }

    /// A server not started yet (its port chosen): `restart` starts it.
    pub fn stopped() -> Option<Self> {
        match nats_server_bin() {
            Ok(bin) => Some(Self {
                port: free_port(),
                store: tempfile::tempdir().expect("tempdir"),
                bin,
                child: None,
                args: Vec::new(),
            }),
            Err(e) => skip_or_fail("a current nats-server", e),
        }
    }

    /// A running server started with `args` besides the usual ones.
    pub fn start_with(args: &[&str]) -> Option<Self> {
        let mut s = Self::stopped()?;
        s.args = args.iter().map(|a| a.to_string()).collect();
        if let Err(e) = s.spawn() {
            return skip_or_fail("a current nats-server", e);
        }
        Some(s)
    }

    /// Where its store and logs are (and where a test may put certificates).
    pub fn dir(&self) -> &std::path::Path {
        self.store.path()
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.store.path().join("server.log")).map_err(|e| e.to_string())?;
        let child = std::process::Command::new(&self.bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(self.store.path().join("js"))
            .args(&self.args)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        self.child = Some(child);
        let up = super::wait_for(Duration::from_secs(20), || TcpStream::connect(("127.0.0.1", self.port)).ok());
        up.map(|_| ()).ok_or_else(|| format!("nats-server did not listen on {}", self.port))
    }

    /// Kills the server (SIGKILL: what it wrote to its store stays, as after a crash).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and store.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().expect("restart nats-server");
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A message to publish: (subject, headers, payload).
pub type Msg = (String, Vec<(String, String)>, Vec<u8>);

/// A small NATS client for tests: publish input, read a stream back.
pub struct Nats {
    runtime: tokio::runtime::Runtime,
    js: async_nats::jetstream::Context,
}

impl Nats {
    pub fn connect(url: &str) -> Self {
        let runtime = runtime();
        let js = runtime.block_on(async {
            let client = async_nats::connect(url).await.expect("connect to nats");
            async_nats::jetstream::new(client)
        });
        Self { js, runtime }
    }

    /// Creates a stream capturing `subjects` (file storage).
    pub fn create_stream(&self, name: &str, subjects: &[&str]) {
        let cfg = async_nats::jetstream::stream::Config {
            name: name.into(),
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        self.runtime.block_on(self.js.get_or_create_stream(cfg)).expect("create stream");
    }

    /// Publishes each message and waits for every PubAck.
    pub fn publish(&self, messages: Vec<Msg>) {
        self.runtime.block_on(async {
            let mut acks = Vec::new();
            for (subject, headers, payload) in messages {
                let mut h = async_nats::HeaderMap::new();
                for (k, v) in headers {
                    h.insert(k.as_str(), v.as_str());
                }
                acks.push(self.js.publish_with_headers(subject, h, payload.into()).await.expect("publish"));
                if acks.len() >= 256 {
                    for a in acks.drain(..) {
                        a.await.expect("puback");
                    }
                }
            }
            for a in acks {
                a.await.expect("puback");
            }
        });
    }

    /// Every message of `stream`: (Nats-Msg-Id, payload as JSON).
    pub fn read(&self, stream: &str) -> Vec<(String, serde_json::Value)> {
        self.runtime.block_on(async {
            let Ok(mut s) = self.js.get_stream(stream).await else { return Vec::new() };
            let last = s.info().await.expect("stream info").state.last_sequence;
            let mut out = Vec::new();
            for seq in 1..=last {
                let Ok(m) = s.get_raw_message(seq).await else { continue };
                let id = m.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_string()).unwrap_or_default();
                out.push((id, serde_json::from_slice(&m.payload).unwrap_or_default()));
            }
            out
        })
    }

    /// A stream's settings.
    pub fn stream_config(&self, stream: &str) -> async_nats::jetstream::stream::Config {
        self.runtime.block_on(async {
            let mut s = self.js.get_stream(stream).await.expect("the stream");
            s.info().await.expect("stream info").config.clone()
        })
    }

    /// The consumer's `max_ack_pending` setting.
    pub fn consumer_max_ack_pending(&self, stream: &str, consumer: &str) -> Option<i64> {
        self.runtime.block_on(async {
            let s = self.js.get_stream(stream).await.ok()?;
            let mut c: async_nats::jetstream::consumer::PullConsumer = s.get_consumer(consumer).await.ok()?;
            Some(c.info().await.ok()?.config.max_ack_pending)
        })
    }

    /// The consumer's (pending, ack pending); `None` while it does not exist.
    pub fn consumer_lag(&self, stream: &str, consumer: &str) -> Option<(u64, usize)> {
        self.runtime.block_on(async {
            let s = self.js.get_stream(stream).await.ok()?;
            let mut c: async_nats::jetstream::consumer::PullConsumer = s.get_consumer(consumer).await.ok()?;
            let i = c.info().await.ok()?;
            Some((i.num_pending, i.num_ack_pending))
        })
    }
}
