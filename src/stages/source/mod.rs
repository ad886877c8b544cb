//! The fetch-from-file source: watches directories (filesystem events plus a periodic rescan for
//! events the kernel dropped), waits until a file has settled, asks the checkpoint tracker where to
//! read from, and hands the work to reader workers on the blocking pool. Readers push documents into
//! the bounded channel to `clean` with a blocking send, so a slow pipeline slows reading.

pub mod charset;
pub mod checkpoint;
pub mod config;
pub mod feed;
pub mod handoff;
pub mod nats;
pub mod reader;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use globset::{GlobSet, GlobSetBuilder};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use self::checkpoint::{HEAD_BYTES, Observed, Plan, Tracker};
use self::config::{FollowSymlinks, SourceConfig};
use crate::record::{Acknowledge, Document, FileKey, Rejection, Ticket, now_rfc3339};
use crate::runner::DeadLetterTx;
use crate::runner::StageCounters;
use reader::{Emit, FileJob, Kind, Limits, read_job};

/// Everything a source needs from the pipeline.
pub struct SourceContext {
    /// Where documents go.
    pub out: crate::channel::Sender<Document>,
    /// Where articles already extracted go (the internal stream between roles): straight to
    /// dedup. Other sources drop it.
    pub extracted: crate::channel::Sender<crate::record::Extracted>,
    /// Where bad input goes.
    pub dead_letter: DeadLetterTx,
    /// Cancelled on shutdown.
    pub cancel: CancellationToken,
    /// The source's counters.
    pub counters: Arc<StageCounters>,
    /// Set while the source cannot reach its input (a broker that is away): not ready.
    pub input_down: Arc<std::sync::atomic::AtomicBool>,
    /// How the readers wait for files and are scheduled (`[runtime]`).
    pub pace: crate::runner::Pace,
}

/// A producer of documents. Every document (and every rejection of input) carries a
/// [`crate::record::Ticket`]; the pipeline hands the ticket to [`Source::acknowledger`] once the
/// document's output is durable, and only then may the source count it as done (move a file's
/// checkpoint, acknowledge a message). `run` returns when cancelled (or, in batch mode, when its
/// input is read); dropping its sender then lets the stages drain.
pub trait Source: Send + 'static {
    /// Who hears that a document is durably handled.
    fn acknowledger(&self) -> Arc<dyn Acknowledge>;
    /// Runs until done or cancelled.
    fn run(self: Box<Self>, ctx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Errors setting up the file source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A glob did not compile (the config loader catches this first).
    #[error("bad glob: {0}")]
    Glob(#[from] globset::Error),
}

/// Which files to read.
#[derive(Debug, Clone)]
struct Matcher {
    include: GlobSet,
    exclude: GlobSet,
}

impl Matcher {
    fn new(cfg: &SourceConfig) -> Result<Self, SourceError> {
        let build = |globs: &[String]| -> Result<GlobSet, SourceError> {
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(globset::GlobBuilder::new(g).literal_separator(false).build()?);
            }
            Ok(b.build()?)
        };
        Ok(Self { include: build(&cfg.include)?, exclude: build(&cfg.exclude)? })
    }

    fn matches(&self, relative: &Path) -> bool {
        self.include.is_match(relative) && !self.exclude.is_match(relative)
    }
}

/// The file source.
pub(crate) struct FileSource {
    cfg: SourceConfig,
    matcher: Arc<std::sync::RwLock<Matcher>>,
    limits: Limits,
    once: bool,
    /// Read positions, loaded from the state.
    tracker: Arc<Tracker>,
    /// Feed items already handled, loaded from the state.
    feeds: Arc<feed::FeedMemory>,
}

impl FileSource {
    /// A file source; `once` reads what is there now and returns.
    pub fn new(
        cfg: &SourceConfig,
        excerpt_bytes: usize,
        once: bool,
        tracker: Arc<Tracker>,
        feeds: Arc<feed::FeedMemory>,
    ) -> Result<Self, SourceError> {
        Ok(Self {
            tracker,
            feeds,
            matcher: Arc::new(std::sync::RwLock::new(Matcher::new(cfg)?)),
            cfg: cfg.clone(),
            limits: Limits {
                max_document_bytes: cfg.max_document_bytes.get(),
                excerpt_bytes,
                items_without_text: cfg.feed_items_without_text,
            },
            once,
        })
    }
}

impl FileSource {
    /// A handle that changes which files are read (`include`/`exclude`), from the next scan on.
    pub fn globs(&self) -> Globs {
        Globs(self.matcher.clone())
    }
}

/// Changes the source's `include`/`exclude` globs while it runs (a config reload).
#[derive(Clone)]
pub(crate) struct Globs(Arc<std::sync::RwLock<Matcher>>);

impl Globs {
    /// Takes the globs of `cfg` (validated: a bad glob is an error and changes nothing).
    pub fn set(&self, cfg: &SourceConfig) -> Result<(), SourceError> {
        let m = Matcher::new(cfg)?;
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = m;
        Ok(())
    }
}

impl Source for FileSource {
    fn acknowledger(&self) -> Arc<dyn Acknowledge> {
        self.tracker.clone()
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(self.run_inner(ctx))
    }
}

/// What the scanner remembers about a file between scans, to tell when it has settled.
#[derive(Debug, Clone, Copy)]
struct Seen {
    size: u64,
    mtime_ns: u64,
    changed_at: Instant,
}

struct Scanner {
    roots: Vec<PathBuf>,
    matcher: Arc<std::sync::RwLock<Matcher>>,
    max_depth: usize,
    settle: Duration,
    once: bool,
    tracker: Arc<Tracker>,
    feeds: Option<Arc<feed::FeedMemory>>,
    seen: HashMap<PathBuf, Seen>,
    scan_no: u64,
    links: FollowSymlinks,
    /// Links already counted as skipped (a rescan does not count them again).
    skipped_links: HashSet<PathBuf>,
    /// Files that could not be read, by path.
    failing: HashMap<PathBuf, Failing>,
    unreadable_retries: u32,
    /// Where a file that stays unreadable is reported (the dead letter in the daemon).
    on_unreadable: Box<dyn FnMut(Rejection) + Send>,
}

/// A file that could not be opened or read: how often, and the state it was in. A change of
/// size, mtime or ctime (a `chmod` changes only the last) starts the count again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Failing {
    tries: u32,
    stamp: (u64, u64, i64),
    reported: bool,
}

struct ScanStats {
    planned: usize,
    unsettled: usize,
    /// Files left for later because `max_tracked_files` was reached.
    waiting: usize,
}

impl FileSource {
    async fn run_inner(self, ctx: SourceContext) {
        for dir in &self.cfg.paths {
            if let Err(error) = std::fs::create_dir_all(dir) {
                warn!(%error, path = %dir.display(), "Cannot create input directory.");
            }
        }
        let (job_tx, job_rx) = crate::channel::bounded::<FileJob>(self.cfg.channel_capacity.get());
        let reader = Reader { ctx, tracker: self.tracker.clone(), limits: self.limits };
        let ctx = &reader.ctx;
        let (dead_letter, counters, cancel) = (ctx.dead_letter.clone(), ctx.counters.clone(), ctx.cancel.clone());
        // A thread of its own per reader: a file's read is blocking work, and handing each file
        // to the blocking pool and back cost two thread switches a file.
        let pace = ctx.pace;
        let readers = crate::runner::spawn_workers(Arc::new(reader), self.cfg.workers.get(), pace, job_rx);

        let (wake_tx, mut wake_rx) = tokio::sync::mpsc::channel::<()>(1);
        let _watcher = if self.once { None } else { watch(&self.cfg.paths, wake_tx) };
        let mut scanner = Some(Scanner {
            roots: self.cfg.paths.clone(),
            matcher: self.matcher.clone(),
            max_depth: self.cfg.max_depth.get(),
            settle: Duration::from_millis(self.cfg.settle_ms),
            once: self.once,
            tracker: self.tracker.clone(),
            feeds: Some(self.feeds.clone()),
            seen: HashMap::new(),
            scan_no: 0,
            links: self.cfg.follow_symlinks,
            skipped_links: HashSet::new(),
            failing: HashMap::new(),
            unreadable_retries: self.cfg.unreadable_retries,
            on_unreadable: {
                let counters = counters.clone();
                Box::new(move |r: Rejection| {
                    counters.rejected.fetch_add(1, Ordering::Relaxed);
                    dead_letter.send_blocking(r);
                })
            },
        });
        let rescan = Duration::from_millis(self.cfg.rescan_interval_ms.get());
        while let Some(mut s) = scanner.take() {
            let started = Instant::now();
            let (tx, stop) = (job_tx.clone(), cancel.clone());
            // Jobs go out while the walk goes on, so a huge backlog is never held in memory.
            let scanned = tokio::task::spawn_blocking(move || {
                let stats = s.scan(&mut |job| !stop.is_cancelled() && tx.send_blocking(job).is_ok());
                (s, stats)
            })
            .await;
            let Ok((s_back, stats)) = scanned else {
                warn!("Directory scan failed; stopping the source.");
                break;
            };
            scanner = Some(s_back);
            debug!(
                planned = stats.planned,
                unsettled = stats.unsettled,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "Scanned inputs."
            );
            if stats.waiting > 0 {
                warn!(
                    waiting = stats.waiting,
                    max_tracked_files = self.cfg.max_tracked_files.get(),
                    "Too many input files tracked; the rest wait until processed files are removed."
                );
            }
            if cancel.is_cancelled() {
                break;
            }
            if self.once {
                break;
            }
            let wait = if stats.unsettled > 0 { Duration::from_millis(self.cfg.settle_ms.max(50)) } else { rescan };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                Some(()) = wake_rx.recv() => {
                    // Let a burst of events coalesce into one scan.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                () = cancel.cancelled() => break,
            }
        }
        job_tx.close();
        readers.join().await;
        info!("Source stopped.");
    }
}

/// The source's readers: each job is a file (or the part of it past the last read) whose
/// documents and rejections go on as they are read.
struct Reader {
    /// The pipeline's ends.
    ctx: SourceContext,
    /// The read positions.
    tracker: Arc<Tracker>,
    limits: Limits,
}

impl crate::runner::Work for Reader {
    type In = FileJob;
    const STAGE: &'static str = "source";

    fn take(&self, job: FileJob) -> bool {
        let (key, generation, size) = (job.key, job.generation, job.size);
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_one(&job)));
        match read {
            Ok(next) => self.tracker.finish_read(key, generation, next),
            Err(_) => {
                // `read_job` contains panics of its own; this is one in the bookkeeping around it.
                // Retrying would only panic again: the file waits until it changes.
                tracing::error!(path = %job.path.display(), "Reader failed; the file is left until it changes.");
                metrics::counter!("newsmill_source_panics_total").increment(1);
                self.tracker.finish_read(key, generation, size);
            }
        }
        // A cancelled read ends early and the scanner sends no more: the loop ends as the jobs
        // channel closes.
        true
    }

    fn counters(&self) -> &StageCounters {
        &self.ctx.counters
    }
}

impl Reader {
    /// Reads one planned file, sending its documents and rejections on; returns where the read
    /// ended.
    fn read_one(&self, job: &FileJob) -> u64 {
        let (ctx, tracker, limits) = (&self.ctx, &self.tracker, self.limits);
        let started = Instant::now();
        let mut docs = 0u64;
        let next = read_job(job, limits, &mut |ev| {
            if ctx.cancel.is_cancelled() {
                return false;
            }
            ctx.counters.received.fetch_add(1, Ordering::Relaxed);
            match ev {
                Emit::Doc(doc) => {
                    if let Some(t) = doc.prov.ticket.file()
                        && !tracker.register(t)
                    {
                        debug!(doc = %doc.prov.id, "Already written before the last stop; skipped.");
                        ctx.counters.dropped.fetch_add(1, Ordering::Relaxed);
                        return true;
                    }
                    docs += 1;
                    let sent = ctx.out.send_blocking(doc).is_ok();
                    if sent {
                        ctx.counters.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    sent
                }
                Emit::Reject(r) => {
                    if let Some(t) = r.ticket.as_ref().and_then(Ticket::file)
                        && !tracker.register(t)
                    {
                        debug!(path = %r.path, offset = r.offset, "Rejection already recorded before the last stop; skipped.");
                        ctx.counters.dropped.fetch_add(1, Ordering::Relaxed);
                        return true;
                    }
                    warn!(path = %r.path, offset = r.offset, kind = r.kind, reason = %r.reason, "Rejected input.");
                    ctx.counters.rejected.fetch_add(1, Ordering::Relaxed);
                    ctx.dead_letter.send_blocking(r);
                    true
                }
            }
        });
        debug!(path = %job.path.display(), from = job.from, to = next, bytes = next.saturating_sub(job.from), docs, elapsed_ms = started.elapsed().as_millis() as u64, "Read file.");
        next
    }
}

/// Watches the roots recursively; every event just wakes the scanner. Returns `None` (and logs)
/// when watching is impossible, e.g. out of inotify watches: the periodic rescan still works.
fn watch(roots: &[PathBuf], wake: tokio::sync::mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher = match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Err(error) = &res {
            warn!(%error, "File watch error; relying on rescans.");
        }
        let _ = wake.try_send(());
    }) {
        Ok(w) => w,
        Err(error) => {
            warn!(%error, "Cannot watch inputs; relying on periodic rescans.");
            return None;
        }
    };
    for root in roots {
        if let Err(error) = watcher.watch(root, notify::RecursiveMode::Recursive) {
            warn!(%error, path = %root.display(), "Cannot watch directory; relying on periodic rescans.");
        }
    }
    Some(watcher)
}

fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(unix)]
fn file_key(meta: &std::fs::Metadata) -> FileKey {
    use std::os::unix::fs::MetadataExt;
    FileKey { dev: meta.dev(), ino: meta.ino() }
}

#[cfg(not(unix))]
fn file_key(_meta: &std::fs::Metadata) -> FileKey {
    FileKey { dev: 0, ino: 0 }
}

impl Scanner {
    /// Walks every root, notes which files changed, and hands a read job for each settled file
    /// with unread data to `dispatch`, which returns false to stop (shutdown).
    fn scan(&mut self, dispatch: &mut dyn FnMut(FileJob) -> bool) -> ScanStats {
        self.scan_no += 1;
        let mut stats = ScanStats { planned: 0, unsettled: 0, waiting: 0 };
        let mut still_here = HashMap::new();
        let now = Instant::now();
        let mut complete = true;
        // This scan's globs (a reload may change them for the next one).
        let matcher = self.matcher.read().unwrap_or_else(|e| e.into_inner()).clone();
        // Roots as real paths, for telling where a link leads (a root may be a link itself).
        let real_roots: Vec<PathBuf> = self.roots.iter().filter_map(|r| std::fs::canonicalize(r).ok()).collect();
        for root in self.roots.clone() {
            complete &= walk(&root, &root, self.max_depth, &matcher, &mut |path, link| {
                let meta = match link {
                    Entry::File(meta) => meta,
                    Entry::Link => match self.follow(&path, &real_roots) {
                        Some(meta) => meta,
                        None => return true,
                    },
                };
                let Some(job) = self.consider(path, meta, now, &mut still_here, &mut stats) else {
                    return true;
                };
                let (key, generation, from) = (job.key, job.generation, job.from);
                if dispatch(job) {
                    stats.planned += 1;
                    true
                } else {
                    self.tracker.finish_read(key, generation, from);
                    false
                }
            });
        }
        if complete {
            // Files that went away take their failure counts with them.
            if !self.once {
                self.failing.retain(|path, _| still_here.contains_key(path));
            }
            self.seen = still_here;
            self.tracker.forget_unseen(self.scan_no);
        }
        stats
    }

    /// Settle bookkeeping and planning for one file.
    fn consider(
        &mut self,
        path: PathBuf,
        meta: std::fs::Metadata,
        now: Instant,
        still_here: &mut HashMap<PathBuf, Seen>,
        stats: &mut ScanStats,
    ) -> Option<FileJob> {
        let (size, mtime) = (meta.len(), mtime_ns(&meta));
        let key = file_key(&meta);
        let kind = Kind::of(&path)?;
        self.tracker.mark_seen(key, self.scan_no);
        if !self.once {
            let prev = self.seen.get(&path).copied();
            let seen = match prev {
                Some(p) if p.size == size && p.mtime_ns == mtime => p,
                _ => {
                    // A file untouched for longer than the settle time is settled on first sight.
                    let age = meta.modified().ok().and_then(|m| SystemTime::now().duration_since(m).ok());
                    let changed_at = match age {
                        Some(a) if prev.is_none() && a >= self.settle => now.checked_sub(self.settle).unwrap_or(now),
                        _ => now,
                    };
                    Seen { size, mtime_ns: mtime, changed_at }
                }
            };
            still_here.insert(path.clone(), seen);
            if now.duration_since(seen.changed_at) < self.settle {
                stats.unsettled += 1;
                return None;
            }
        }
        let obs = self.observe(&path, key, size, mtime)?;
        let (from, generation) = match self.tracker.plan(&obs, kind.whole(), self.scan_no) {
            Plan::Read { from, generation } => (from, generation),
            Plan::Skip => return None,
            Plan::Full => {
                stats.waiting += 1;
                return None;
            }
        };
        Some(FileJob {
            path: path.into(),
            key,
            generation,
            from,
            size,
            kind,
            final_read: self.once,
            feeds: self.feeds.clone(),
        })
    }

    /// Where the symbolic link `path` leads, when the policy lets it be read: the target's
    /// metadata. Links that are skipped (policy, outside the watched directories, dangling,
    /// looping, pointing at a directory) are counted once each.
    fn follow(&mut self, path: &Path, real_roots: &[PathBuf]) -> Option<std::fs::Metadata> {
        let skip = |s: &mut Self, reason: &'static str, error: Option<std::io::Error>| {
            if s.skipped_links.len() < MAX_REMEMBERED_LINKS && s.skipped_links.insert(path.to_path_buf()) {
                metrics::counter!("newsmill_source_links_skipped_total", "reason" => reason).increment(1);
                let error = error.map(|e| e.to_string()).unwrap_or_default();
                if reason == "outside" {
                    warn!(path = %path.display(), reason, "Symbolic link leads outside the watched directories; not read (source.follow_symlinks).");
                } else {
                    debug!(path = %path.display(), reason, error, "Symbolic link skipped.");
                }
            }
            None
        };
        if self.links == FollowSymlinks::Never {
            return skip(self, "never", None);
        }
        let real = match std::fs::canonicalize(path) {
            Ok(r) => r,
            Err(e) if e.raw_os_error() == Some(libc_eloop()) => return skip(self, "loop", Some(e)),
            Err(e) => return skip(self, "dangling", Some(e)),
        };
        if self.links == FollowSymlinks::Inside && !real_roots.iter().any(|root| real.starts_with(root)) {
            return skip(self, "outside", None);
        }
        match std::fs::metadata(&real) {
            Ok(meta) if meta.is_file() => {
                self.skipped_links.remove(path);
                Some(meta)
            }
            Ok(_) => skip(self, "not_a_file", None),
            Err(e) => skip(self, "dangling", Some(e)),
        }
    }

    /// A file that cannot be read: retried on the next scans, then reported once as `unreadable`
    /// with the OS error, and tried again when it changes.
    fn unreadable(&mut self, path: &Path, size: u64, mtime_ns: u64, error: &std::io::Error) {
        let stamp = (size, mtime_ns, ctime(path));
        let entry = self.failing.entry(path.to_path_buf()).or_insert(Failing { tries: 0, stamp, reported: false });
        if entry.stamp != stamp {
            *entry = Failing { tries: 0, stamp, reported: false };
        }
        entry.tries = entry.tries.saturating_add(1);
        metrics::counter!("newsmill_source_read_errors_total").increment(1);
        // A single pass (`run --once`) has no later scan to retry in.
        let retries = if self.once { 0 } else { self.unreadable_retries };
        if entry.reported || entry.tries <= retries {
            debug!(%error, path = %path.display(), tries = entry.tries, "Cannot read file; will retry.");
            return;
        }
        entry.reported = true;
        warn!(%error, path = %path.display(), tries = entry.tries, "Cannot read file; sent to the dead letter, read again when it changes.");
        (self.on_unreadable)(Rejection {
            id: Some(reader::path_id(path)),
            path: path.display().to_string(),
            offset: None,
            stage: "source",
            kind: "unreadable",
            reason: format!("cannot read file after {} tries: {error}", entry.tries),
            excerpt: String::new(),
            rejected_at: now_rfc3339(),
            // Nothing of the file was read, so nothing is acknowledged.
            ticket: None,
        });
    }

    fn observe(&mut self, path: &Path, key: FileKey, size: u64, mtime_ns: u64) -> Option<Observed> {
        use std::io::Read;
        let mut head = Vec::with_capacity(HEAD_BYTES);
        let read = std::fs::File::open(path).and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head));
        if let Err(error) = read {
            self.unreadable(path, size, mtime_ns, &error);
            return None;
        }
        self.failing.remove(path);
        let hash = |n: usize| xxhash_rust::xxh3::xxh3_64(&head[..n.min(head.len())]);
        let head_len = head.len() as u64;
        let recorded = self.tracker.recorded_head_len(key);
        Some(Observed {
            key,
            path: path.to_path_buf(),
            size,
            mtime_ns,
            head_hash: hash(head.len()),
            head_len,
            head_hash_at_recorded_len: recorded
                .filter(|l| *l <= head_len)
                .map(|l| hash(usize::try_from(l).unwrap_or(usize::MAX))),
        })
    }
}

/// Links remembered as skipped, at most (past this they are counted again on every scan).
const MAX_REMEMBERED_LINKS: usize = 100_000;

/// What the walk found at a path.
enum Entry {
    /// A regular file, with its metadata.
    File(std::fs::Metadata),
    /// A symbolic link (not followed yet: the scanner decides).
    Link,
}

fn libc_eloop() -> i32 {
    #[cfg(unix)]
    {
        libc::ELOOP
    }
    #[cfg(not(unix))]
    {
        -1
    }
}

/// The file's status-change time (seconds), which a `chmod` moves; 0 where unknown.
fn ctime(path: &Path) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path).map_or(0, |m| m.ctime())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0
    }
}

/// Hands every matching regular file and symbolic link below `dir` to `visit`; links to
/// directories are never followed. Returns false when `visit` asked to stop.
fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    matcher: &Matcher,
    visit: &mut dyn FnMut(PathBuf, Entry) -> bool,
) -> bool {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            if dir == root {
                warn!(%error, path = %dir.display(), "Cannot list input directory.");
            }
            return true;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            if depth > 1 && !walk(root, &path, depth - 1, matcher, visit) {
                return false;
            }
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        if !matcher.matches(relative) {
            continue;
        }
        let found = if ft.is_symlink() {
            Some(Entry::Link)
        } else {
            std::fs::symlink_metadata(&path).ok().filter(std::fs::Metadata::is_file).map(Entry::File)
        };
        if let Some(found) = found
            && !visit(path, found)
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_relative_paths() {
        let m = Matcher::new(&SourceConfig::default()).unwrap();
        assert!(m.matches(Path::new("a.txt")));
        assert!(m.matches(Path::new("sub/dir/a.html.gz")));
        assert!(!m.matches(Path::new(".hidden.txt")));
        assert!(!m.matches(Path::new("sub/.partial.jsonl")));
        assert!(!m.matches(Path::new("a.txt.part")));
        assert!(!m.matches(Path::new("a.pdf")));
    }

    fn scanner(dir: &Path, once: bool, reports: Arc<std::sync::Mutex<Vec<Rejection>>>) -> Scanner {
        Scanner {
            roots: vec![dir.to_path_buf()],
            matcher: Arc::new(std::sync::RwLock::new(Matcher::new(&SourceConfig::default()).unwrap())),
            max_depth: 4,
            settle: Duration::ZERO,
            once,
            tracker: Arc::new(Tracker::new(100, vec![])),
            feeds: None,
            seen: HashMap::new(),
            scan_no: 0,
            links: FollowSymlinks::Inside,
            skipped_links: HashSet::new(),
            failing: HashMap::new(),
            unreadable_retries: 2,
            on_unreadable: Box::new(move |r| reports.lock().unwrap().push(r)),
        }
    }

    #[test]
    fn an_unreadable_file_is_retried_then_reported_once_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.txt");
        std::fs::write(&path, "text").unwrap();
        let reports = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut s = scanner(dir.path(), false, reports.clone());
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        for _ in 0..2 {
            s.unreadable(&path, 4, 1, &denied);
        }
        assert!(reports.lock().unwrap().is_empty(), "retried first");
        for _ in 0..5 {
            s.unreadable(&path, 4, 1, &denied);
        }
        let got = reports.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "reported once");
        assert_eq!((got[0].kind, got[0].ticket), ("unreadable", None));
        assert!(got[0].reason.contains("after 3 tries") && got[0].reason.contains("denied"), "{}", got[0].reason);
        // Changed (new size): tried again from the start, and reported again if it still fails.
        for _ in 0..3 {
            s.unreadable(&path, 5, 1, &denied);
        }
        assert_eq!(reports.lock().unwrap().len(), 2);
        // A single pass reports at once: there is no later scan to retry in.
        let mut once = scanner(dir.path(), true, reports.clone());
        once.unreadable(&path, 4, 1, &denied);
        assert_eq!(reports.lock().unwrap().len(), 3);
    }

    #[test]
    fn scanner_waits_for_files_to_settle() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = scanner(dir.path(), false, Arc::default());
        s.settle = Duration::from_secs(3600);
        std::fs::write(dir.path().join("new.txt"), "fresh").unwrap();
        let mut jobs = Vec::new();
        let r = s.scan(&mut |j| {
            jobs.push(j);
            true
        });
        assert_eq!((r.planned, r.unsettled), (0, 1));
        s.settle = Duration::ZERO;
        let r = s.scan(&mut |j| {
            jobs.push(j);
            true
        });
        assert_eq!(r.planned, 1);
        assert_eq!(s.scan(&mut |_| true).planned, 0, "being read: not planned twice");
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].from, 0);
    }
}
