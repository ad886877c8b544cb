//! Scale-out (`run --role extract` and `run --role dedup`) against a NATS server of the test's
//! own and PostgreSQL: several extract processes and two dedup processes (one owner, one
//! standing by) are killed with SIGKILL at random moments, the owner among them; then every
//! good document is in the output exactly once, every story has one `new`, and every record's
//! story answers (`story_id`, `dedup`, `duplicate_of`, `similarity`) are exactly those one dedup
//! process finds reading the same internal stream from start to end without a crash (so the
//! story partitions agree: adjusted Rand index 1.0).
//!
//! The short form runs with the test suite; the long form is `scripts/torture-scale-out.sh`.

mod common;

use std::collections::HashMap;
use std::process::Child;
use std::time::{Duration, Instant};

use common::Scratch;
use common::services::{Nats, NatsServer, PgSchema};
use common::stories::{Rng, messages};
use common::wait_for;

/// One article's story answers: (story_id, dedup, duplicate_of, similarity).
type Answers = (String, String, String, String);

/// A process of one role with its own state directory.
struct Process {
    role: &'static str,
    scratch: Scratch,
    child: Option<Child>,
    log: std::fs::File,
}

impl Process {
    fn new(role: &'static str, config: &str) -> Self {
        let scratch = Scratch::new(config);
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(scratch.root().join("daemon.log")).expect("log");
        Self { role, scratch, child: None, log }
    }

    fn start(&mut self) {
        let config = self.scratch.config.to_str().expect("utf-8").to_string();
        let child = self
            .scratch
            .cmd(&["run", "--role", self.role, "--config", &config])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::from(self.log.try_clone().expect("log")))
            .spawn()
            .expect("spawn");
        self.child = Some(child);
    }

    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL; how it had ended if it was not running any more (a fenced owner exits 3).
    fn kill(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let ended = c.try_wait().expect("try_wait");
        let _ = c.kill();
        let _ = c.wait();
        ended
    }

    /// SIGTERM and wait.
    fn stop(&mut self) -> Option<i32> {
        let mut c = self.child.take()?;
        let pid = i32::try_from(c.id()).expect("pid");
        // SAFETY: kill(2) on a child of ours with a valid signal number has no memory effects.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let status = wait_for(Duration::from_secs(60), || c.try_wait().expect("try_wait"));
        if status.is_none() {
            let _ = c.kill();
        }
        status.and_then(|s| s.code())
    }

    fn log_tail(&self) -> String {
        let log = self.scratch.log();
        log[log.len().saturating_sub(3000)..].to_string()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The config every process shares (each has its own state directory).
fn config(server: &NatsServer, schema: &PgSchema, lease: &str) -> String {
    format!(
        "[source]\nkind = \"nats\"\n[source.nats]\nstream = \"IN\"\nsubjects = [\"in.>\"]\nconsumer = \"extract\"\n\
         ack_wait_ms = 3000\nprogress_interval_ms = 1000\nmax_deliver = 1000\nfetch_expires_ms = 200\n\
         [nats]\nurl = \"{}\"\nconnect_timeout_ms = 1000\nrequest_timeout_ms = 3000\n\
         [handoff]\nstream = \"MID\"\nsubject = \"mid\"\nlease = \"{lease}\"\nlease_interval_ms = 200\n\
         [sink]\nkind = \"postgres\"\nflush_interval_ms = 200\nbuffer_bytes = 262144\n\
         [dead_letter]\nkind = \"postgres\"\n\
         [postgres]\nurl = \"{}\"\nschema = \"{}\"\nconnect_timeout_ms = 2000\n\
         [log]\nlevel = \"info\"\n",
        server.url(),
        schema.url,
        schema.name
    )
}

/// Every article's answers by id.
fn answers(schema: &PgSchema) -> HashMap<String, Answers> {
    let rows = schema.query(&format!(
        "SELECT id, story_id, dedup, coalesce(duplicate_of, ''), coalesce(similarity::text, '') FROM \"{}\".newsmill_articles",
        schema.name
    ));
    rows.into_iter()
        .map(|r| {
            let f = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            (f(0), (f(1), f(2), f(3), f(4)))
        })
        .collect()
}

/// The ids in the dead letter, with how many records each has.
fn rejected(schema: &PgSchema) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for r in schema.query(&format!("SELECT coalesce(id, '') FROM \"{}\".newsmill_rejections", schema.name)) {
        *out.entry(r.first().cloned().flatten().unwrap_or_default()).or_default() += 1;
    }
    out
}

/// The adjusted Rand index of two partitions of the same items (labels by item).
fn adjusted_rand(a: &HashMap<String, String>, b: &HashMap<String, String>) -> f64 {
    let pairs = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    let mut both: HashMap<(&str, &str), u64> = HashMap::new();
    let mut left: HashMap<&str, u64> = HashMap::new();
    let mut right: HashMap<&str, u64> = HashMap::new();
    for (item, la) in a {
        let Some(lb) = b.get(item) else { continue };
        *both.entry((la, lb)).or_default() += 1;
        *left.entry(la).or_default() += 1;
        *right.entry(lb).or_default() += 1;
    }
    let n: u64 = left.values().sum();
    let index: f64 = both.values().map(|&c| pairs(c)).sum();
    let (sa, sb): (f64, f64) = (left.values().map(|&c| pairs(c)).sum(), right.values().map(|&c| pairs(c)).sum());
    let expected = sa * sb / pairs(n).max(1.0);
    let max = (sa + sb) / 2.0;
    if (max - expected).abs() < f64::EPSILON { 1.0 } else { (index - expected) / (max - expected) }
}

/// The dedup owner now, by the lease's holder (`host/pid`).
fn owner_pid(schema: &PgSchema, lease: &str) -> Option<u32> {
    let rows = schema.query(&format!("SELECT holder FROM \"{}\".newsmill_leases WHERE name = '{lease}'", schema.name));
    rows.first()?.first()?.as_ref()?.rsplit('/').next()?.parse().ok()
}

/// Runs the harness; panics with a report when the output is wrong.
fn scale_out(docs: usize, extractors: usize, kills: usize, owner_kills: usize, seed: u64) {
    let Some(server) = NatsServer::start() else { return };
    let Some(schema) = PgSchema::new() else { return };
    let Some(reference) = PgSchema::new() else { return };
    let nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let shared = config(&server, &schema, "dedup");
    let mut processes: Vec<Process> = (0..extractors).map(|_| Process::new("extract", &shared)).collect();
    processes.extend((0..2).map(|_| Process::new("dedup", &shared)));
    let migrate = |s: &Scratch| {
        let m = s.cmd(&["migrate", "--config", s.config.to_str().expect("utf-8")]).output().expect("migrate");
        assert!(m.status.success(), "migrate: {}", String::from_utf8_lossy(&m.stderr));
    };
    migrate(&processes[0].scratch);
    let (installments, expected) = messages(docs, kills + 1, seed);
    nats.publish(installments[0].clone());
    processes.iter_mut().for_each(Process::start);
    let mut rng = Rng(seed ^ 0x5CA1_E0FF);
    let started = Instant::now();
    // Which kills aim at the dedup owner (spread over the run).
    let owner_rounds: Vec<usize> = (0..owner_kills).map(|i| (i * kills) / owner_kills.max(1) + 1).collect();
    let mut failovers = Vec::new();
    for k in 0..kills {
        std::thread::sleep(Duration::from_millis(300 + rng.below(1500)));
        let owner_round = owner_rounds.contains(&k);
        let owner = if owner_round {
            // The lease may not be held yet (the processes still starting, or the last takeover's
            // holder not yet recorded on a loaded machine): wait for a live dedup process to hold it.
            let live = |pid: &u32| processes.iter().any(|p| p.role == "dedup" && p.pid() == Some(*pid));
            wait_for(Duration::from_secs(60), || owner_pid(&schema, "dedup").filter(live))
        } else {
            owner_pid(&schema, "dedup")
        };
        let is_owner = |p: &Process| p.role == "dedup" && p.pid().is_some() && p.pid() == owner;
        let victim = if owner_round {
            processes.iter().position(is_owner).expect("an owner")
        } else {
            let others: Vec<usize> = (0..processes.len()).filter(|&i| !is_owner(&processes[i])).collect();
            others[rng.below(others.len() as u64) as usize]
        };
        let was_owner = is_owner(&processes[victim]);
        let epoch_before =
            schema.count(&format!("SELECT coalesce(max(epoch), 0) FROM \"{}\".newsmill_leases", schema.name));
        if let Some(status) = processes[victim].kill() {
            panic!(
                "a {} process had exited ({status}); log:\n{}",
                processes[victim].role,
                processes[victim].log_tail()
            );
        }
        let killed = Instant::now();
        if was_owner {
            // Failover: the other dedup process takes the lease (a new epoch) and commits its
            // first flush (which records the position in the lease's row).
            let took = wait_for(Duration::from_secs(30), || {
                let first_commit = schema.count(&format!(
                    "SELECT count(*) FROM \"{}\".newsmill_leases WHERE epoch > {epoch_before} AND updated_at > acquired_at",
                    schema.name
                ));
                (first_commit > 0).then_some(())
            });
            assert!(took.is_some(), "no takeover within 30 s");
            failovers.push(killed.elapsed());
        }
        processes[victim].start();
        if let Some(next) = installments.get(k + 1) {
            nats.publish(next.clone());
        }
    }
    for rest in installments.iter().skip(kills + 1) {
        nats.publish(rest.clone());
    }
    // Done when every input is in an output and the owner has read the whole internal stream.
    let good = expected.values().filter(|g| g.is_some()).count() as u64;
    let bad = expected.len() as u64 - good;
    let table = |t: &str| format!("SELECT count(*) FROM \"{}\".{t}", schema.name);
    let settled = wait_for(Duration::from_secs(600), || {
        let (a, r) = (schema.count(&table("newsmill_articles")), schema.count(&table("newsmill_rejections")));
        (a >= good && r >= bad).then_some(())
    });
    let counts = (schema.count(&table("newsmill_articles")), schema.count(&table("newsmill_rejections")));
    assert!(
        settled.is_some(),
        "not everything came out: {counts:?} of ({good}, {bad}); owner log:\n{}",
        processes[extractors].log_tail()
    );
    for p in &mut processes {
        let code = p.stop();
        assert_eq!(code, Some(0), "a {} process did not stop cleanly; log:\n{}", p.role, p.log_tail());
    }
    let took = started.elapsed();
    // The extract processes made the internal stream with `[handoff]`'s limits.
    let mid = nats.stream_config("MID");
    assert_eq!(mid.max_age, Duration::from_secs(168 * 3600), "{mid:?}");

    // The reference: one dedup process reading the same internal stream from start to end.
    let one = Process::new("dedup", &config(&server, &reference, "reference"));
    migrate(&one.scratch);
    let out = one
        .scratch
        .cmd(&["run", "--role", "dedup", "--once", "--config", one.scratch.config.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert!(out.status.success(), "reference run: {}", String::from_utf8_lossy(&out.stderr));

    let (got, want) = (answers(&schema), answers(&reference));
    let mut problems = Vec::new();
    for (id, story) in &expected {
        match (story, got.contains_key(id)) {
            (Some(_), false) => problems.push(format!("{id} is missing")),
            (None, true) => problems.push(format!("broken {id} came out as an article")),
            _ => {}
        }
    }
    for (id, n) in rejected(&schema) {
        if n != 1 || !matches!(expected.get(&id), Some(None)) {
            problems.push(format!("{id} is in the dead letter {n} times"));
        }
    }
    for id in got.keys().filter(|id| !expected.contains_key(*id)) {
        problems.push(format!("unexpected article {id}"));
    }
    let mut news: HashMap<&str, usize> = HashMap::new();
    for a in got.values() {
        *news.entry(&a.0).or_default() += usize::from(a.1 == "new");
    }
    problems.extend(news.iter().filter(|(_, n)| **n != 1).map(|(s, n)| format!("story {s} has {n} new")));
    if got.len() != want.len() {
        problems.push(format!("{} articles, the reference has {}", got.len(), want.len()));
    }
    for (id, a) in &got {
        match want.get(id) {
            Some(b) if a == b => {}
            other => problems.push(format!("{id}: {a:?}, the reference says {other:?}")),
        }
    }
    let labels = |m: &HashMap<String, Answers>| m.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect();
    let ari = adjusted_rand(&labels(&got), &labels(&want));
    eprintln!(
        "scale-out: {docs} documents, {extractors} extract + 2 dedup processes, {kills} kills ({} of the owner), \
         seed {seed}: {:.1}s; {} articles, {} stories, ARI {ari}; failovers (kill to the new owner's first commit) {:?}",
        failovers.len(),
        took.as_secs_f64(),
        got.len(),
        news.len(),
        failovers
    );
    if !problems.is_empty() || ari != 1.0 {
        problems.truncate(30);
        panic!(
            "{} problems (seed {seed}, ARI {ari}):\n{}\nowner log:\n{}",
            problems.len(),
            problems.join("\n"),
            processes[extractors].log_tail()
        );
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn three_extract_two_dedup_fifteen_kills() {
    scale_out(10_000, 3, 15, 3, env_or("NEWSMILL_TORTURE_SEED", 20261205));
}

/// The long form: `scripts/torture-scale-out.sh` (release build, 100 kills).
#[test]
#[ignore = "long: run with scripts/torture-scale-out.sh"]
fn scale_out_long() {
    let docs = env_or("NEWSMILL_TORTURE_DOCS", 50_000) as usize;
    let kills = env_or("NEWSMILL_TORTURE_KILLS", 100) as usize;
    scale_out(docs, 3, kills, kills / 5, env_or("NEWSMILL_TORTURE_SEED", 1));
}

/// An owner that was paused while its lease was taken from it (its lock's connection ended, as
/// on a network partition) and then goes on: it writes nothing, and stops (exit code 3).
#[test]
fn a_stale_owner_cannot_write() {
    let Some(server) = NatsServer::start() else { return };
    let Some(schema) = PgSchema::new() else { return };
    let nats = Nats::connect(&server.url());
    nats.create_stream("IN", &["in.>"]);
    let shared = config(&server, &schema, "dedup");
    let (installments, expected) = messages(600, 2, 7);
    let mut extract = Process::new("extract", &shared);
    let (mut first, mut second) = (Process::new("dedup", &shared), Process::new("dedup", &shared));
    let m = first.scratch.cmd(&["migrate", "--config", first.scratch.config.to_str().expect("utf-8")]).output();
    assert!(m.expect("migrate").status.success());
    first.start();
    let owner = wait_for(Duration::from_secs(30), || owner_pid(&schema, "dedup"));
    assert_eq!(owner, first.pid(), "the first dedup process owns the lease");
    second.start();
    extract.start();
    nats.publish(installments[0].clone());
    let articles = format!("SELECT count(*) FROM \"{}\".newsmill_articles", schema.name);
    assert!(wait_for(Duration::from_secs(120), || (schema.count(&articles) > 0).then_some(())).is_some());

    // Pause the owner and end its lock's connection: the other process takes the lease.
    let pid = i32::try_from(first.pid().expect("running")).expect("pid");
    // SAFETY: kill(2) on a child of ours with a valid signal number has no memory effects.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    // Other tests' leases run beside this one: only this lease's connections.
    let name = newsmill::sink::postgres::lease::application_name(&schema.name, "dedup");
    let ended = schema.count(&format!(
        "SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid \
         WHERE a.application_name = '{name}' AND l.locktype = 'advisory' AND l.granted"
    ));
    assert_eq!(ended, 1, "the owner's lock connection");
    let took = wait_for(Duration::from_secs(30), || (owner_pid(&schema, "dedup") == second.pid()).then_some(()));
    assert!(took.is_some(), "the standby took the lease");
    let epoch = schema.count(&format!("SELECT epoch FROM \"{}\".newsmill_leases", schema.name));
    nats.publish(installments[1].clone());
    let good = expected.values().filter(|g| g.is_some()).count() as u64;
    assert!(wait_for(Duration::from_secs(120), || (schema.count(&articles) >= good).then_some(())).is_some());

    // The stale owner goes on: it finds it lost the lease and stops, writing nothing.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    let mut child = first.child.take().expect("running");
    let status = wait_for(Duration::from_secs(30), || child.try_wait().expect("try_wait"));
    assert_eq!(status.and_then(|s| s.code()), Some(3), "log:\n{}", first.log_tail());
    assert!(first.scratch.log().contains("fenced") || first.scratch.log().contains("lease connection is gone"));
    let lease = format!("SELECT epoch FROM \"{}\".newsmill_leases", schema.name);
    assert_eq!(schema.count(&lease), epoch, "the stale owner did not take the lease back");
    assert_eq!(schema.count(&articles), good, "every article once, none of the stale owner's twice");
    assert_eq!(second.stop(), Some(0));
    assert_eq!(extract.stop(), Some(0));
}

/// The fence itself: a flush under an epoch the lease has moved past leaves no row, and says the
/// lease is lost; under the current epoch it writes and records the owner's position.
#[test]
fn a_flush_under_an_old_epoch_writes_nothing() {
    use newsmill::sink::Record;
    use newsmill::sink::postgres::lease::{Fence, Lease};
    let Some(schema) = PgSchema::new() else { return };
    let s = Scratch::new(&format!(
        "[sink]\nkind = \"postgres\"\n[postgres]\nurl = \"{}\"\nschema = \"{}\"\n",
        schema.url, schema.name
    ));
    let m = s.cmd(&["migrate", "--config", s.config.to_str().expect("utf-8")]).output().expect("migrate");
    assert!(m.status.success(), "migrate: {}", String::from_utf8_lossy(&m.stderr));
    let cfg = newsmill::config::Config::load(&s.config).expect("config");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    // Two owners in turn: the first's lock connection ends, the second takes the lease.
    let (old, new, _holding) = runtime.block_on(async {
        let first = Lease::connect(&cfg.postgres, "fence-test").await.expect("lease");
        let old = first.try_take("first").await.expect("try").expect("free");
        drop(first);
        let second = Lease::connect(&cfg.postgres, "fence-test").await.expect("lease");
        let new = wait_for_async(|| second.try_take("second")).await;
        (old, new, second)
    });
    assert_eq!(new.epoch, old.epoch + 1);
    let article = common::article("a1");
    let flush = |epoch: i64| {
        let fence = Fence {
            lease: "fence-test".into(),
            epoch,
            position: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(42)),
            lost: tokio_util::sync::CancellationToken::new(),
        };
        let mut settings = cfg.sink.output(&cfg.postgres, &cfg.nats);
        settings.postgres.fence = Some(fence.clone());
        let article = article.clone();
        // An output that talks to its server runs off the async threads.
        let task = runtime.spawn_blocking(move || {
            let out = newsmill::sink::open(&settings, None).expect("open");
            out.write(Record::Article(&article)).expect("write");
            out.seal();
            out.flush().map(|_| ()).map_err(|e| e.to_string())
        });
        let result = runtime.block_on(task).expect("flush task");
        (result, fence.lost.is_cancelled())
    };
    let rows = format!("SELECT count(*) FROM \"{}\".newsmill_articles", schema.name);
    let (stale, lost) = flush(old.epoch);
    assert!(stale.is_err() && lost, "a stale owner's flush fails and says the lease is lost");
    assert_eq!(schema.count(&rows), 0, "and leaves no row");
    let (current, lost) = flush(new.epoch);
    assert!(current.is_ok() && !lost, "{current:?}");
    assert_eq!(schema.count(&rows), 1);
    let position = format!("SELECT position FROM \"{}\".newsmill_leases WHERE name = 'fence-test'", schema.name);
    assert_eq!(schema.count(&position), 42, "the owner's position is recorded with its rows");
}

/// Polls `f` until it gives `Some`.
async fn wait_for_async<T, F: Future<Output = Result<Option<T>, String>>>(mut f: impl FnMut() -> F) -> T {
    for _ in 0..200 {
        if let Ok(Some(v)) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within 10 s");
}

#[test]
fn adjusted_rand_index_of_equal_and_split_partitions() {
    let p = |pairs: &[(&str, &str)]| pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let a = p(&[("1", "x"), ("2", "x"), ("3", "y"), ("4", "y")]);
    let renamed = p(&[("1", "q"), ("2", "q"), ("3", "r"), ("4", "r")]);
    let split = p(&[("1", "x"), ("2", "z"), ("3", "y"), ("4", "y")]);
    assert_eq!(adjusted_rand(&a, &renamed), 1.0);
    assert!(adjusted_rand(&a, &split) < 1.0);
}
