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
