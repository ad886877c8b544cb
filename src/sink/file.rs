//! An append-only JSON-lines output file with a commit point and rotation.
//!
//! Records are serialized into a bounded buffer and reach the file on [`JsonlFile::flush`], which
//! ends with an fsync and reports the file's [`Position`]: the segment it is writing and the bytes
//! it holds. The pipeline stores that position in the state database in the same transaction as
//! the input checkpoints that cover those bytes. On the next start [`JsonlFile::open`] cuts the
//! file back to the committed position: anything after it was written by a run that died before
//! its commit, and the inputs it came from are read again. So a crash at any moment neither loses
//! nor repeats a record.
//!
//! Rotation renames the active file to `<stem>.<opened>_<closed>.<ext>` (UTC times, to the
//! millisecond) and starts a new one. It only happens once the active segment's opening is
//! committed, so at most one rotation can be newer than the state. After a crash that follows a
//! rotation, the state still names the rotated segment: that file is found by its opening time
//! and cut to the committed length, and the new active file (none of which was committed) starts
//! over empty.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use tracing::{info, warn};

use super::{OutputSettings, Record, Sink, SinkError, SinkFlushed};
use crate::record::Ticket;

/// Where an output stands: the segment being written (named by when it was opened) and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// When the active segment was opened, milliseconds since the epoch.
    pub opened_ms: i64,
    /// Bytes in it.
    pub len: u64,
}

impl Position {
    const VERSION: u8 = 1;

    /// The form stored in the state database.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17);
        out.push(Self::VERSION);
        out.extend_from_slice(&self.opened_ms.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
        out
    }

    /// Reverses [`Position::encode`].
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&version, rest) = bytes.split_first()?;
        let (opened, rest) = rest.split_first_chunk::<8>()?;
        let len: [u8; 8] = rest.try_into().ok()?;
        (version == Self::VERSION)
            .then(|| Self { opened_ms: i64::from_le_bytes(*opened), len: u64::from_le_bytes(len) })
    }
}

/// How an output file is written.
#[derive(Debug, Clone)]
pub struct FileOptions {
    /// The active file.
    pub path: PathBuf,
    /// Rotate once the active file holds this many bytes (0: never).
    pub max_file_bytes: u64,
    /// Rotate once the active file is this old (0: never).
    pub rotate_interval_ms: u64,
    /// Serialized records held before they are written out (without fsync) between flushes.
    pub buffer_bytes: usize,
}

impl FileOptions {
    /// Options for `path` with no rotation and a 1 MiB buffer.
    pub fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf(), max_file_bytes: 0, rotate_interval_ms: 0, buffer_bytes: 1 << 20 }
    }
}

/// What a flush made durable.
#[derive(Debug)]
pub struct Flushed {
    /// Tickets of the records now durable.
    pub tickets: Vec<Ticket>,
    /// The position to commit.
    pub position: Position,
}

/// One JSON-lines output (see the module docs).
pub struct JsonlFile {
    opts: FileOptions,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    opened_ms: i64,
    /// Bytes in the file (written, maybe not yet synced).
    written: u64,
    /// Bytes written since opened, over rotations.
    total: u64,
    /// Rotation limits in force: (max_file_bytes, rotate_interval_ms).
    rotation: (u64, u64),
    /// Serialized records not yet written.
    buf: Vec<u8>,
    /// Tickets of records in `buf` or written since the last flush.
    tickets: Vec<Ticket>,
    /// The position last committed to the state, if known: rotation waits until it is current.
    committed: Option<Position>,
    /// Test hook: how many upcoming writes fail as if the disk were full.
    #[cfg(test)]
    fail_writes: usize,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl JsonlFile {
    /// Opens the active file (creating it and its directory) and brings it back to `committed`,
    /// the position stored at the last commit (`None`: none was ever stored, e.g. a new state).
    pub fn open(opts: FileOptions, committed: Option<Position>) -> Result<Self, SinkError> {
        let path = opts.path.clone();
        let io = |source| SinkError::Io { path: path.clone(), source };
        if let Some(dir) = parent(&path) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut opened_ms = now_ms();
        let mut keep = len;
        match committed {
            None => {
                // No commit point (a new state directory): keep whole lines, cut a torn last one.
                keep = complete_prefix_len(&mut file, len).map_err(io)?;
            }
            Some(c) => match rotated_for(&opts.path, c.opened_ms).map_err(io)? {
                Some(rotated) => {
                    // Rotated after the commit: the rotated file is the committed segment.
                    let cut =
                        cut_to(&rotated, c.len).map_err(|source| SinkError::Io { path: rotated.clone(), source })?;
                    if cut > 0 {
                        warn!(path = %rotated.display(), bytes = cut, "Cut records written after the last commit; their inputs are read again.");
                    }
                    keep = 0;
                    opened_ms = opened_ms.max(c.opened_ms + 1);
                }
                None if len >= c.len => {
                    keep = c.len;
                    opened_ms = c.opened_ms;
                }
                None => {
                    warn!(
                        path = %path.display(),
                        committed_bytes = c.len,
                        bytes = len,
                        "The output file is shorter than committed: it was truncated, moved or replaced outside \
                         newsmill. Appending to it; what was lost from it is not written again."
                    );
                    opened_ms = c.opened_ms;
                }
            },
        }
        if keep < len {
            warn!(path = %path.display(), bytes = len - keep, "Cut records written after the last commit; their inputs are read again.");
            file.set_len(keep).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        // What the state holds: after a rotation that was never committed this is still the
        // rotated segment, so the new one cannot rotate before its opening is committed.
        let committed = committed.map(|c| if c.opened_ms == opened_ms { Position { opened_ms, len: keep } } else { c });
        let rotation = (opts.max_file_bytes, opts.rotate_interval_ms);
        Ok(Self {
            opts,
            inner: Mutex::new(Inner {
                file,
                opened_ms,
                written: keep,
                total: 0,
                rotation,
                buf: Vec::new(),
                tickets: Vec::new(),
                committed,
                #[cfg(test)]
                fail_writes: 0,
            }),
        })
    }

    /// The active file's path.
    pub fn path(&self) -> &Path {
        &self.opts.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn io(&self, source: std::io::Error) -> SinkError {
        SinkError::Io { path: self.opts.path.clone(), source }
    }

    /// Serializes `record` as one line and buffers it. When the buffer is full it is written out
    /// first; if that fails (disk full) nothing is buffered and the error says so: retry later.
    pub fn append<T: Serialize>(&self, record: &T, ticket: Option<Ticket>) -> Result<(), SinkError> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        let mut inner = self.lock();
        if !inner.buf.is_empty() && inner.buf.len() + line.len() > self.opts.buffer_bytes {
            inner.write_out().map_err(|e| self.io(e))?;
        }
        inner.buf.extend_from_slice(&line);
        inner.tickets.extend(ticket);
        Ok(())
    }

    /// Writes out the buffer, fsyncs, and rotates when due; returns the tickets now durable and
    /// the position to commit. On failure nothing is lost: the records stay buffered.
    pub fn flush(&self) -> Result<Flushed, SinkError> {
        let mut inner = self.lock();
        if inner.rotation_due() {
            // What was written since the commit goes with the rotated file; the rest to the new one.
            inner.file.sync_data().map_err(|e| self.io(e))?;
            self.rotate(&mut inner)?;
        }
        inner.write_out().map_err(|e| self.io(e))?;
        inner.file.sync_data().map_err(|e| self.io(e))?;
        let tickets = std::mem::take(&mut inner.tickets);
        Ok(Flushed { tickets, position: Position { opened_ms: inner.opened_ms, len: inner.written } })
    }

    /// Where the file stands now, counting only what is written out (for the first commit after
    /// opening: the state must hold a position before anything is written, or a crash before the
    /// first commit would leave records no commit point covers).
    pub fn position(&self) -> Position {
        let inner = self.lock();
        Position { opened_ms: inner.opened_ms, len: inner.written }
    }

    /// New rotation limits, from the next flush on (a config reload; 0 turns one off).
    pub(crate) fn set_rotation(&self, max_file_bytes: u64, rotate_interval_ms: u64) {
        let mut inner = self.lock();
        inner.rotation = (max_file_bytes, rotate_interval_ms);
    }

    /// The state now holds `position` (the pipeline calls this after its commit).
    pub fn committed(&self, position: Position) {
        self.lock().committed = Some(position);
    }

    /// Bytes written out since the file was opened (over rotations).
    pub(crate) fn bytes_written(&self) -> u64 {
        self.lock().total
    }

    fn rotate(&self, inner: &mut Inner) -> Result<(), SinkError> {
        // Segments are known by when they were opened, so no two may share a millisecond (two
        // rotations within one would make recovery take the older file for the newer).
        let closed = now_ms().max(inner.opened_ms + 1);
        let target = free_rotated_name(&self.opts.path, inner.opened_ms, closed);
        std::fs::rename(&self.opts.path, &target).map_err(|e| self.io(e))?;
        let file = OpenOptions::new().create(true).read(true).append(true).open(&self.opts.path);
        let file = match file {
            Ok(f) => f,
            Err(e) => {
                // Put it back so the active file and the state keep agreeing.
                let _ = std::fs::rename(&target, &self.opts.path);
                return Err(self.io(e));
            }
        };
        sync_dir(&self.opts.path);
        info!(path = %target.display(), bytes = inner.written, "Rotated output.");
        inner.file = file;
        inner.opened_ms = closed;
        inner.written = 0;
        Ok(())
    }

    #[cfg(test)]
    fn fail_next_writes(&self, n: usize) {
        self.lock().fail_writes = n;
    }
}

impl Inner {
    /// Writes the buffer to the file. A failed write may leave part of it in the file: that part
    /// is cut off again so that the file only ever holds whole records.
    fn write_out(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        #[cfg(test)]
        if self.fail_writes > 0 {
            self.fail_writes -= 1;
            // Behave like a disk that took part of the write and then filled up.
            let half = self.buf.len() / 2;
            self.file.write_all(&self.buf[..half])?;
            self.file.set_len(self.written)?;
            return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device (test)"));
        }
        if let Err(e) = self.file.write_all(&self.buf) {
            if let Err(cut) = self.file.set_len(self.written) {
                warn!(error = %cut, "Cannot cut a partly written record; the next start cuts it.");
            }
            return Err(e);
        }
        self.written += self.buf.len() as u64;
        self.total += self.buf.len() as u64;
        self.buf.clear();
        if self.buf.capacity() > 4 << 20 {
            self.buf.shrink_to(1 << 20);
        }
        Ok(())
    }

    fn rotation_due(&self) -> bool {
        let (max_file_bytes, rotate_interval_ms) = self.rotation;
        // Only a segment whose opening is committed rotates, so that at most one rotation is
        // newer than the state (see the module docs); an empty one never does.
        if self.written == 0 || self.committed.map(|c| c.opened_ms) != Some(self.opened_ms) {
            return false;
        }
        (max_file_bytes > 0 && self.written >= max_file_bytes)
            || (rotate_interval_ms > 0
                && now_ms().saturating_sub(self.opened_ms) >= i64::try_from(rotate_interval_ms).unwrap_or(i64::MAX))
    }
}

fn parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|d| !d.as_os_str().is_empty())
}

fn stem_and_ext(path: &Path) -> (String, String) {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    (stem, ext)
}

/// `20261127T003530.123Z`: sorts by time, has no characters that trouble shells or other systems.
pub fn format_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y%m%dT%H%M%S%.3fZ").to_string(),
        Err(_) => ms.to_string(),
    }
}

/// The rotated file's name for a segment opened at `opened` and closed at `closed`.
pub fn rotated_name(path: &Path, opened: i64, closed: i64) -> PathBuf {
    let (stem, ext) = stem_and_ext(path);
    let name = format!("{stem}.{}_{}.{ext}", format_ms(opened), format_ms(closed));
    path.with_file_name(name)
}

fn free_rotated_name(path: &Path, opened: i64, mut closed: i64) -> PathBuf {
    loop {
        let p = rotated_name(path, opened, closed);
        if !p.exists() {
            return p;
        }
        closed += 1;
    }
}

/// The rotated file of the segment opened at `opened`, if there is one.
fn rotated_for(path: &Path, opened: i64) -> std::io::Result<Option<PathBuf>> {
    let (stem, ext) = stem_and_ext(path);
    let prefix = format!("{stem}.{}_", format_ms(opened));
    let suffix = format!(".{ext}");
    let dir = parent(path).unwrap_or(Path::new("."));
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(&suffix) {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

/// Cuts `path` to `len` bytes if it is longer; returns how many bytes were cut.
fn cut_to(path: &Path, len: u64) -> std::io::Result<u64> {
    let file = OpenOptions::new().write(true).open(path)?;
    let have = file.metadata()?.len();
    if have > len {
        file.set_len(len)?;
        file.sync_all()?;
    }
    Ok(have.saturating_sub(len))
}

fn sync_dir(path: &Path) {
    if let Some(dir) = parent(path)
        && let Ok(d) = File::open(dir)
        && let Err(error) = d.sync_all()
    {
        warn!(%error, dir = %dir.display(), "Cannot sync the output directory.");
    }
}

/// Length of the file up to and including its last newline.
fn complete_prefix_len(file: &mut File, len: u64) -> std::io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(pos) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + pos as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// `kind = "jsonl"`.
pub(crate) struct JsonlKind;

impl super::Kind for JsonlKind {
    fn place(&self, settings: &OutputSettings) -> String {
        settings.path.display().to_string()
    }

    fn problems(&self, settings: &OutputSettings) -> Vec<(&'static str, String)> {
        if settings.path.as_os_str().is_empty() {
            return vec![("path", "must not be empty".into())];
        }
        Vec::new()
    }

    fn clash(&self, articles: &OutputSettings, rejections: &OutputSettings) -> Option<(&'static str, String)> {
        (articles.path == rejections.path).then(|| ("path", "must differ from sink.path".into()))
    }

    fn open(&self, settings: &OutputSettings, committed: Option<&[u8]>) -> Result<std::sync::Arc<dyn Sink>, SinkError> {
        Ok(std::sync::Arc::new(open(settings, committed)?))
    }
}

/// Opens a JSON-lines output at the position `committed` (as stored in the state).
pub(super) fn open(settings: &OutputSettings, committed: Option<&[u8]>) -> Result<JsonlFile, SinkError> {
    let opts = FileOptions {
        path: settings.path.clone(),
        max_file_bytes: settings.max_file_bytes,
        rotate_interval_ms: settings.rotate_interval_ms,
        buffer_bytes: settings.buffer_bytes,
    };
    let committed = match committed {
        None => None,
        Some(bytes) => Some(Position::decode(bytes).ok_or_else(|| SinkError::Position { path: opts.path.clone() })?),
    };
    JsonlFile::open(opts, committed)
}

impl Sink for JsonlFile {
    fn write(&self, record: Record<'_>) -> Result<(), SinkError> {
        self.append(&record, record.ticket())
    }

    fn flush(&self) -> Result<SinkFlushed, SinkError> {
        let f = JsonlFile::flush(self)?;
        Ok(SinkFlushed { tickets: f.tickets, position: f.position.encode() })
    }

    fn committed(&self, position: &[u8]) {
        if let Some(p) = Position::decode(position) {
            JsonlFile::committed(self, p);
        }
    }

    fn bytes_written(&self) -> u64 {
        JsonlFile::bytes_written(self)
    }

    fn set_rotation(&self, max_file_bytes: u64, rotate_interval_ms: u64) {
        JsonlFile::set_rotation(self, max_file_bytes, rotate_interval_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FileKey;

    fn ticket(n: u64) -> Ticket {
        Ticket::File(crate::record::FileTicket {
            file: FileKey { dev: 1, ino: 2 },
            generation: 1,
            start: n,
            end: n + 1,
            item: 0,
            doc_start: n,
            doc_len: 1,
        })
    }

    fn write(f: &JsonlFile, n: u64) {
        f.append(&serde_json::json!({ "n": n }), Some(ticket(n))).unwrap();
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect()
    }

    #[test]
    fn reopening_cuts_what_was_written_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/a.jsonl");
        let f = JsonlFile::open(FileOptions::new(&path), None).unwrap();
        write(&f, 1);
        let first = f.flush().unwrap();
        assert_eq!(first.tickets, vec![ticket(1)]);
        f.committed(first.position);
        write(&f, 2);
        let second = f.flush().unwrap();
        assert!(second.position.len > first.position.len);
        drop(f);
        // The state only ever stored the first position: the second record goes.
        let f = JsonlFile::open(FileOptions::new(&path), Some(first.position)).unwrap();
        assert_eq!(lines(&path), [r#"{"n":1}"#]);
        write(&f, 3);
        assert_eq!(f.flush().unwrap().position.opened_ms, first.position.opened_ms);
        assert_eq!(lines(&path), [r#"{"n":1}"#, r#"{"n":3}"#]);
    }

    #[test]
    fn without_a_commit_point_a_torn_line_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, b"{\"a\":1}\n{\"a\":").unwrap();
        let f = JsonlFile::open(FileOptions::new(&path), None).unwrap();
        write(&f, 2);
        f.flush().unwrap();
        assert_eq!(lines(&path), [r#"{"a":1}"#, r#"{"n":2}"#]);
    }

    #[test]
    fn a_full_disk_keeps_every_record_buffered_until_it_can_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let f = JsonlFile::open(FileOptions { buffer_bytes: 10, ..FileOptions::new(&path) }, None).unwrap();
        write(&f, 1);
        f.fail_next_writes(1);
        // The buffer is full, so this append writes out first, which fails: nothing is taken.
        let err = f.append(&serde_json::json!({ "n": 2 }), Some(ticket(2))).unwrap_err();
        assert!(err.to_string().contains("No space left"), "{err}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "the partial write was cut");
        write(&f, 2);
        let before = std::fs::metadata(&path).unwrap().len();
        f.fail_next_writes(1);
        assert!(f.flush().is_err());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
        let flushed = f.flush().unwrap();
        assert_eq!(flushed.tickets, vec![ticket(1), ticket(2)]);
        assert_eq!(lines(&path), [r#"{"n":1}"#, r#"{"n":2}"#]);
        assert_eq!(flushed.position.len, std::fs::metadata(&path).unwrap().len());
    }

    #[test]
    fn rotates_by_size_once_committed_and_recovers_from_a_crash_after_rotating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("articles.jsonl");
        let opts = FileOptions { max_file_bytes: 10, ..FileOptions::new(&path) };
        let f = JsonlFile::open(opts.clone(), None).unwrap();
        write(&f, 1);
        write(&f, 2);
        let first = f.flush().unwrap();
        assert!(first.position.len >= 10);
        // Not committed yet: no rotation.
        write(&f, 3);
        let p = f.flush().unwrap().position;
        assert_eq!(p.opened_ms, first.position.opened_ms);
        f.committed(p);
        write(&f, 4);
        let rotated = f.flush().unwrap().position;
        assert_ne!(rotated.opened_ms, p.opened_ms, "a new segment");
        let old = rotated_for(&path, p.opened_ms).unwrap().expect("rotated file");
        let name = old.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("articles.") && name.ends_with(".jsonl") && name.contains('_'), "{name}");
        assert_eq!(lines(&old), [r#"{"n":1}"#, r#"{"n":2}"#, r#"{"n":3}"#]);
        assert_eq!(lines(&path), [r#"{"n":4}"#]);
        // The new segment never reached the state: it rotates no further.
        write(&f, 5);
        write(&f, 6);
        assert_eq!(f.flush().unwrap().position.opened_ms, rotated.opened_ms);
        drop(f);
        // A crash now: the state still names the rotated segment.
        let f = JsonlFile::open(opts, Some(p)).unwrap();
        assert_eq!(lines(&old).len(), 3);
        assert!(lines(&path).is_empty(), "uncommitted records of the new segment are cut");
        write(&f, 4);
        f.flush().unwrap();
        assert_eq!(lines(&path), [r#"{"n":4}"#]);
    }

    #[test]
    fn rotates_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rejected.jsonl");
        let f = JsonlFile::open(FileOptions { rotate_interval_ms: 1, ..FileOptions::new(&path) }, None).unwrap();
        write(&f, 1);
        let p = f.flush().unwrap().position;
        f.committed(p);
        // Whatever the clock says, the segment is at least a millisecond old once the clock moves.
        while now_ms() <= p.opened_ms {
            std::thread::yield_now();
        }
        f.flush().unwrap();
        assert!(rotated_for(&path, p.opened_ms).unwrap().is_some());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[test]
    fn shorter_output_than_committed_is_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let f = JsonlFile::open(FileOptions::new(&path), None).unwrap();
        write(&f, 1);
        let p = f.flush().unwrap().position;
        drop(f);
        std::fs::write(&path, b"").unwrap();
        let f = JsonlFile::open(FileOptions::new(&path), Some(p)).unwrap();
        write(&f, 2);
        f.flush().unwrap();
        assert_eq!(lines(&path), [r#"{"n":2}"#]);
    }

    #[test]
    fn position_round_trips() {
        let p = Position { opened_ms: 1_790_000_000_123, len: 42 };
        assert_eq!(Position::decode(&p.encode()), Some(p));
        assert_eq!(Position::decode(&p.encode()[..10]), None);
        assert_eq!(format_ms(0), "19700101T000000.000Z");
    }
}

#[cfg(test)]
mod model {
    //! The commit logic against a model: whatever mix of writes, flushes, commits, full disks and
    //! crashes, the output files hold exactly the records of committed flushes, in order.
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Append,
        Flush,
        Commit,
        FailNext,
        Crash,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![4 => Just(Op::Append), 2 => Just(Op::Flush), 2 => Just(Op::Commit), 1 => Just(Op::FailNext), 1 => Just(Op::Crash)]
    }

    fn all_records(dir: &Path) -> Vec<u64> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        // Rotated files sort by opening time; the active file (shortest name) comes last.
        files.sort_by_key(|p| (p.file_name().unwrap().len() == "out.jsonl".len(), p.clone()));
        files
            .iter()
            .flat_map(|p| {
                std::fs::read_to_string(p).unwrap().lines().map(|l| l.parse::<u64>().unwrap()).collect::<Vec<_>>()
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn output_is_exactly_the_committed_records(ops in prop::collection::vec(op(), 1..60), max in 0u64..40, buffer in 1usize..30) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("out.jsonl");
            let opts = FileOptions { max_file_bytes: max, rotate_interval_ms: 0, buffer_bytes: buffer, path: path.clone() };
            let mut f = JsonlFile::open(opts.clone(), None).unwrap();
            let mut stored = Some(f.position());
            f.committed(f.position());
            let mut next = 0u64;
            let (mut committed, mut flushed, mut last) = (Vec::new(), Vec::new(), None::<Position>);
            for op in ops {
                match op {
                    Op::Append => {
                        let t = Ticket::File(crate::record::FileTicket { file: crate::record::FileKey { dev: 0, ino: 0 }, generation: 0, start: next, end: next + 1, item: 0, doc_start: next, doc_len: 1 });
                        if f.append(&next, Some(t)).is_ok() {
                            next += 1;
                        }
                    }
                    Op::Flush => {
                        if let Ok(done) = f.flush() {
                            flushed.extend(done.tickets.iter().filter_map(|t| t.file()).map(|t| t.start));
                            last = Some(done.position);
                        }
                    }
                    Op::Commit => {
                        if let Some(p) = last {
                            committed.append(&mut flushed);
                            stored = Some(p);
                            f.committed(p);
                        }
                    }
                    Op::FailNext => f.fail_next_writes(1),
                    Op::Crash => {
                        drop(f);
                        f = JsonlFile::open(opts.clone(), stored).unwrap();
                        // What was not committed is read again by the source: the model starts those over.
                        flushed.clear();
                        last = None;
                        next = committed.last().map_or(0, |n| n + 1);
                        prop_assert_eq!(all_records(dir.path()), committed.clone());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod same_millisecond {
    use super::*;

    /// Rotations faster than the clock still give every segment its own opening time, so that
    /// recovery after a crash finds the right rotated file.
    #[test]
    fn rotations_within_one_millisecond_keep_segments_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let opts = FileOptions { max_file_bytes: 1, ..FileOptions::new(&path) };
        let f = JsonlFile::open(opts.clone(), None).unwrap();
        let mut positions = Vec::new();
        for n in 0..5u64 {
            f.append(&n, None).unwrap();
            let p = f.flush().unwrap().position;
            f.committed(p);
            positions.push(p);
        }
        let opened: std::collections::HashSet<i64> = positions.iter().map(|p| p.opened_ms).collect();
        assert_eq!(opened.len(), 5, "{positions:?}");
        drop(f);
        // A crash after the last rotation: the state names segment 3's successor (4).
        let last = *positions.last().unwrap();
        let _f = JsonlFile::open(opts, Some(last)).unwrap();
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 5, "four rotated files and the active one");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "4\n");
    }
}
