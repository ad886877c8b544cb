//! Helpers for integration tests: a scratch directory with a config, the real binary, and polling.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod harness;
pub mod services;
pub mod stories;

/// A scratch working directory with `inbox/`, `out/`, `state/` and a config pointing at them.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Scratch {
    /// A scratch dir whose config has fast timings, plus `extra` TOML merged into its sections
    /// (its keys replace the base's).
    pub fn new(extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("inbox")).expect("inbox");
        let config = root.join("newsmill.toml");
        std::fs::write(&config, config_text(root, extra)).expect("config");
        Self { dir, config }
    }

    /// Writes the config again with another `extra` (for reload tests), atomically.
    pub fn rewrite_config(&self, extra: &str) {
        let tmp = self.root().join("newsmill.toml.tmp");
        std::fs::write(&tmp, config_text(self.root(), extra)).expect("config");
        std::fs::rename(&tmp, &self.config).expect("rename");
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn inbox(&self) -> PathBuf {
        self.root().join("inbox")
    }

    /// Writes a file atomically into the inbox (write a hidden temp file, then rename).
    pub fn drop_file(&self, name: &str, bytes: impl AsRef<[u8]>) {
        let tmp = self.inbox().join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).expect("write");
        std::fs::rename(&tmp, self.inbox().join(name)).expect("rename");
    }

    pub fn articles(&self) -> Vec<Value> {
        read_jsonl(&self.root().join("out/articles.jsonl"))
    }

    pub fn rejected(&self) -> Vec<Value> {
        read_jsonl(&self.root().join("out/rejected.jsonl"))
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_newsmill"));
        c.args(args).current_dir(self.root()).env_remove("RUST_LOG");
        c
    }

    /// `newsmill run --once` to completion.
    pub fn run_once(&self) -> Output {
        let out = self.cmd(&["run", "--once", "--config", self.config.to_str().expect("utf-8")]).output().expect("run");
        assert!(out.status.success(), "run --once failed: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Starts the daemon.
    pub fn spawn(&self) -> Daemon {
        let child = self
            .cmd(&["run", "--config", self.config.to_str().expect("utf-8")])
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(self.root().join("daemon.log")).expect("log")))
            .spawn()
            .expect("spawn");
        Daemon { child }
    }

    /// Starts the daemon with its stderr appended to `log` (harnesses that start it many times and
    /// kill it).
    pub fn spawn_logging_to(&self, log: &std::fs::File) -> Child {
        self.cmd(&["run", "--config", self.config.to_str().expect("utf-8")])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log.try_clone().expect("log")))
            .spawn()
            .expect("spawn")
    }

    /// Writes `n` distinct seed-shaped pages into the inbox.
    pub fn write_backlog(&self, n: usize) {
        for i in 0..n {
            std::fs::write(self.inbox().join(format!("p{i:05}.txt")), page(i)).expect("write page");
        }
    }

    /// Waits until the daemon has written at least one article.
    pub fn wait_for_first_article(&self) {
        let started = wait_for(Duration::from_secs(60), || (!self.articles().is_empty()).then_some(()));
        assert!(started.is_some(), "no output; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root().join("daemon.log")).unwrap_or_default()
    }

    /// The address the daemon's metrics endpoint listens on, from its log.
    pub fn metrics_addr(&self) -> String {
        wait_for(Duration::from_secs(60), || {
            let log = self.log();
            let line = log.lines().find(|l| l.contains("Serving /metrics"))?;
            let at = line.find("addr=")? + 5;
            Some(line[at..].split_whitespace().next()?.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{}", self.log()))
    }
}

fn config_text(root: &Path, extra: &str) -> String {
    let base = format!(
        "[source]\npaths = [\"{inbox}\"]\nsettle_ms = 100\nrescan_interval_ms = 300\n\
         [sink]\npath = \"{out}/articles.jsonl\"\nflush_interval_ms = 100\n\
         [dead_letter]\npath = \"{out}/rejected.jsonl\"\n\
         [state]\ndir = \"{state}\"\n\
         [log]\nlevel = \"newsmill=debug\"\n\
         [runtime]\nshutdown_grace_ms = 20000\n\
         [metrics]\nlisten = \"127.0.0.1:0\"\n",
        inbox = root.join("inbox").display(),
        out = root.join("out").display(),
        state = root.join("state").display(),
    );
    let mut sections = split_sections(&base);
    for (name, body) in split_sections(extra) {
        match sections.iter_mut().find(|(n, _)| *n == name) {
            Some((_, b)) => {
                // A key given again replaces the base's.
                let keys: Vec<&str> = body.lines().filter_map(|l| l.split_once('=')).map(|(k, _)| k.trim()).collect();
                let kept: String = b
                    .lines()
                    .filter(|l| l.split_once('=').is_none_or(|(k, _)| !keys.contains(&k.trim())))
                    .map(|l| format!("{l}\n"))
                    .collect();
                *b = kept + &body;
            }
            None => sections.push((name, body)),
        }
    }
    sections.into_iter().map(|(n, b)| format!("[{n}]\n{b}\n")).collect()
}

fn split_sections(extra: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in extra.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            out.push((name.to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
            last.1.push('\n');
        }
    }
    out
}

/// An article's body paragraphs.
pub fn body(article: &Value) -> Vec<&str> {
    article["body"].as_array().map(|b| b.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// Every record of an output in `dir`, rotated files included: files named `<stem>*.jsonl`.
pub fn read_outputs(dir: &Path, stem: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
    files.retain(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(stem) && n.ends_with(".jsonl"))
    });
    files.sort();
    files.iter().flat_map(|p| read_jsonl(p)).collect()
}

/// Every complete line of a JSON-lines file. A last line without its newline is a write in
/// progress (a running daemon's buffer reaches the file in blocks, not in lines) and is left out:
/// read after a stop, a record cut short would show as a missing one.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad output line {l:?}: {e}"))).collect()
}

/// A running daemon; killed on drop if still alive.
pub struct Daemon {
    pub child: Child,
}

impl Daemon {
    pub fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill failed");
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// SIGTERM and wait for exit; returns the exit code.
    pub fn stop(mut self) -> Option<i32> {
        self.signal(libc::SIGTERM);
        let status = wait_for(Duration::from_secs(60), || self.child.try_wait().expect("try_wait"))
            .expect("daemon did not exit after SIGTERM");
        status.code()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small article record with id `id`, as an output takes it.
pub fn article(id: &str) -> newsmill::record::Article {
    serde_json::from_value(serde_json::json!({
        "id": id, "source": {"path": format!("/in/{id}"), "offset": null, "format": "text"}, "url": null,
        "title": "T", "subtitle": null, "body": ["Some text."], "byline": null, "publisher": null,
        "published": null, "updated": null, "lang": "en", "captions": [], "image": null, "categories": [],
        "word_count": 2, "content_hash": "00", "duplicate_of": null, "story_id": "01", "similarity": null,
        "dedup": "new", "ingested_at": "2026-12-05T00:00:00Z"
    }))
    .expect("an article")
}

/// A plain HTTP/1.1 GET: (status code, body).
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect("a status code");
    (code, body.to_string())
}

/// Polls `f` until it returns `Some` or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A page dump shaped like the seed, with a distinct story number `n`.
pub fn page(n: usize) -> String {
    format!(
        "본문 바로가기\nbar_progress\n\nText Size\n\nClose\n\n\
         Council Approves Budget For Bridge Repair Number {n}... Work Starts In Spring\n\n\
         Engineers Warn Of Delays On Route {n}\n\n\
         The city council approved the budget for the repair of bridge number {n} on Tuesday, ending months of debate about the cost.\n\n\
         Officials said the work on route {n} would begin in the spring and take about {n} weeks, with lanes closed at night.\n\n\
         Residents near bridge {n} welcomed the news but asked for clear detour signs during the works.\n\n\
         © The Example Daily(www.example.com). All rights reserved.\n\nSpecial Coverage\n\nJoin us on social!\n\nTop\n"
    )
}

/// Page `n` of a made-up site whose pages share a template, including a promotional paragraph
/// that reads like prose.
pub fn site_page(n: usize) -> String {
    let topics = ["ferry timetable", "harbour wall", "fish market", "lifeboat station", "marina fees", "tide gauge"];
    let topic = topics[n % topics.len()];
    format!(
        "Skip to main content\nThe Harbour Gazette\nNews\nSport\nWhat's On\nSubscribe\n\
         Town Council Approves Changes To The {topic} Number {n}\n\
         Residents will be consulted over the summer\n\
         By Sam Carter\n\
         The town council approved changes to the {topic} on Monday evening, after a long debate about costs and the needs of visitors in summer.\n\
         Councillors said the plans for the {topic} would be published next week, and that residents could comment until the end of August.\n\
         The mayor said the decision on item {n} was overdue, and thanked the volunteers who had collected signatures in the spring.\n\
         The Harbour Gazette is an independent newspaper that has served the harbour district since 1921, and every story we publish is paid for by readers who subscribe.\n\
         Most read\n\
         Lifeboat Crew Rescues Two Sailors Off The Point\n\
         New Cafe Opens On The Quay\n\
         Contact us\nAdvertise\n© 2024 The Harbour Gazette. All rights reserved.\n"
    )
}
