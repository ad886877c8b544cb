//! End-to-end read positions. The source registers every document's byte range before sending it;
//! the sink and the dead letter acknowledge ranges once they are durably written. A file's committed
//! position only moves over a contiguous prefix of acknowledged ranges, because documents finish out
//! of order across workers. Only committed positions are persisted, so after any stop the source
//! resumes exactly after the last document known to be written: nothing is skipped.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::feed::FeedMemory;
use crate::record::{FileKey, FileTicket, Ticket};
use crate::state::{Persist, StateError, StateStore, TableDefinition, WriteTransaction, rows};

/// Bytes hashed at the start of a file to tell a new file from an old one with a reused inode.
pub(crate) const HEAD_BYTES: usize = 1024;

/// What is persisted per input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheckpoint {
    /// The path the file was last seen at (informational: identity is the key and `head_hash`).
    pub path: PathBuf,
    /// How many leading bytes `head_hash` covers.
    pub head_len: u64,
    /// xxh3-64 of the first `head_len` bytes.
    pub head_hash: u64,
    /// For whole-file formats: the size and mtime of the version that was processed.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: u64,
    /// Bytes durably handled (every document before this offset is in the output or the dead letter).
    pub committed: u64,
    /// A whole-file document has been durably handled.
    pub complete: bool,
    /// Documents past `committed` that are durably handled already, by their own bytes (start,
    /// length; [`crate::record::Ticket::doc_start`]): they finished before a document ahead of them,
    /// so the prefix could not move over them yet. A re-read after a crash skips them instead of
    /// writing them twice.
    pub done: Vec<(u64, u64)>,
}

impl FileCheckpoint {
    const VERSION: u8 = 2;

    /// Compact binary form for the state database: a version byte, five little-endian u64s, the
    /// `complete` flag, the number of `done` ranges (u32) and their bounds, then the path's bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(Self::VERSION);
        for n in [self.head_len, self.head_hash, self.size, self.mtime_ns, self.committed] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.push(u8::from(self.complete));
        out.extend_from_slice(&(self.done.len() as u32).to_le_bytes());
        for (start, end) in &self.done {
            out.extend_from_slice(&start.to_le_bytes());
            out.extend_from_slice(&end.to_le_bytes());
        }
        out.extend_from_slice(self.path.as_os_str().as_encoded_bytes());
    }

    /// Reverses [`FileCheckpoint::encode`] (and reads version 1, which had no `done` ranges);
    /// `None` for bytes it did not write.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&version, rest) = bytes.split_first()?;
        if version != 1 && version != Self::VERSION {
            return None;
        }
        let (numbers, rest) = rest.split_at_checked(40)?;
        let n = |i: usize| numbers.get(i * 8..i * 8 + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
        let (&complete, mut rest) = rest.split_first()?;
        let mut done = Vec::new();
        if version >= 2 {
            let (count, tail) = rest.split_first_chunk::<4>()?;
            rest = tail;
            for _ in 0..u32::from_le_bytes(*count) {
                let (start, tail) = rest.split_first_chunk::<8>()?;
                let (end, tail) = tail.split_first_chunk::<8>()?;
                done.push((u64::from_le_bytes(*start), u64::from_le_bytes(*end)));
                rest = tail;
            }
        }
        Some(Self {
            path: path_from_bytes(rest),
            head_len: n(0)?,
            head_hash: n(1)?,
            size: n(2)?,
            mtime_ns: n(3)?,
            committed: n(4)?,
            complete: complete != 0,
            done,
        })
    }
}

#[cfg(unix)]
fn path_from_bytes(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b).into()
}

#[cfg(not(unix))]
fn path_from_bytes(b: &[u8]) -> PathBuf {
    String::from_utf8_lossy(b).into_owned().into()
}

/// A file as the scanner sees it now.
#[derive(Debug, Clone)]
pub struct Observed {
    /// Its identity.
    pub key: FileKey,
    /// Its path.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its mtime in ns since the epoch.
    pub mtime_ns: u64,
    /// xxh3-64 of its first `min(size, HEAD_BYTES)` bytes.
    pub head_hash: u64,
    /// How many bytes `head_hash` covers.
    pub head_len: u64,
    /// xxh3-64 of the file's first `previous head_len` bytes, when that differs from `head_len`;
    /// lets a growing file be recognised as the same file.
    pub head_hash_at_recorded_len: Option<u64>,
}

/// What the scanner should do with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing: already handled, or being read.
    Skip,
    /// Not now: `max_tracked_files` files are tracked already.
    Full,
    /// Read from `from` onwards, tagging tickets with `generation`.
    Read {
        /// First byte to read.
        from: u64,
        /// Checkpoint generation for the tickets.
        generation: u64,
    },
}

#[derive(Debug)]
struct Entry {
    cp: FileCheckpoint,
    generation: u64,
    /// Where the next read starts (ahead of `committed` while documents are in flight).
    read_to: u64,
    /// A reader is working on the file.
    reading: bool,
    /// start -> (end, acknowledged, the document's own bytes: start and length; `None` for bytes
    /// that hold no document and for feed items)
    pending: BTreeMap<u64, Slot>,
    /// Documents (start -> length of their own bytes) durably handled before the last stop but
    /// past `committed`: registering one of them again says it is done ([`FileCheckpoint::done`]).
    done_before: BTreeMap<u64, u64>,
    /// The scan that last saw the file.
    seen: u64,
}

/// A pending range: (end, acknowledged, the document's own bytes as (start, length)).
type Slot = (u64, bool, Option<(u64, u64)>);

#[derive(Debug, Default)]
struct Inner {
    files: HashMap<FileKey, Entry>,
    /// Keys changed or removed since the last `take_changes`.
    dirty: HashMap<FileKey, bool>,
    next_generation: u64,
}

/// Shared read-position tracker (one per pipeline).
pub struct Tracker {
    inner: Mutex<Inner>,
    max_files: usize,
    /// Where acknowledged feed items are remembered.
    feeds: Option<Arc<FeedMemory>>,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker").field("max_files", &self.max_files).finish_non_exhaustive()
    }
}

/// How far the source is behind (for status and metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Lag {
    /// Files tracked.
    pub files: usize,
    /// Bytes in tracked files not read yet (as of each file's last scan).
    pub unread_bytes: u64,
    /// Bytes read whose documents are not all durably handled yet.
    pub uncommitted_bytes: u64,
    /// Documents on their way through the pipeline.
    pub in_flight: usize,
}

/// Changes to persist: `Some` to store, `None` to delete.
pub type Changes = Vec<(FileKey, Option<FileCheckpoint>)>;

impl Tracker {
    /// A tracker holding at most `max_files` files, starting from persisted checkpoints.
    pub fn new(max_files: usize, loaded: Vec<(FileKey, FileCheckpoint)>) -> Self {
        let mut inner = Inner::default();
        for (key, mut cp) in loaded {
            inner.next_generation += 1;
            let done_before = std::mem::take(&mut cp.done).into_iter().filter(|(s, _)| *s >= cp.committed).collect();
            let entry = Entry {
                read_to: cp.committed,
                done_before,
                cp,
                generation: inner.next_generation,
                reading: false,
                pending: BTreeMap::new(),
                seen: 0,
            };
            inner.files.insert(key, entry);
        }
        Self { inner: Mutex::new(inner), max_files, feeds: None }
    }

    /// Remembers every acknowledged feed item in `feeds`, at the moment it is acknowledged: a
    /// rescan of the feed (which waits for the file's pending items under the same lock) then
    /// never finds an item both handled and forgotten.
    pub(crate) fn with_feed_memory(mut self, feeds: Arc<FeedMemory>) -> Self {
        self.feeds = Some(feeds);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked mid-update of plain data; the data
        // is still consistent at every await-free step, so keep going rather than wedge the daemon.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The head length a file was identified by, so the scanner can hash the same prefix.
    pub(crate) fn recorded_head_len(&self, key: FileKey) -> Option<u64> {
        self.lock().files.get(&key).map(|e| e.cp.head_len)
    }

    /// Decides whether and where to read a file. `whole` is true for one-document formats.
    /// Marks the file as being read when the answer is `Read`; call [`Tracker::finish_read`] after.
    pub fn plan(&self, obs: &Observed, whole: bool, scan: u64) -> Plan {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let at_capacity = inner.files.len() >= self.max_files;
        let fresh = |generation| Entry {
            cp: FileCheckpoint {
                path: obs.path.clone(),
                head_len: obs.head_len,
                head_hash: obs.head_hash,
                size: obs.size,
                mtime_ns: obs.mtime_ns,
                committed: 0,
                complete: false,
                done: Vec::new(),
            },
            generation,
            read_to: 0,
            done_before: BTreeMap::new(),
            reading: false,
            pending: BTreeMap::new(),
            seen: scan,
        };
        let entry = match inner.files.get_mut(&obs.key) {
            None => {
                if at_capacity {
                    return Plan::Full;
                }
                inner.next_generation += 1;
                inner.files.entry(obs.key).or_insert(fresh(inner.next_generation))
            }
            Some(e) => {
                e.seen = scan;
                if e.cp.path != obs.path {
                    e.cp.path = obs.path.clone();
                    inner.dirty.insert(obs.key, true);
                }
                if e.reading || !e.pending.is_empty() {
                    return Plan::Skip;
                }
                let same_head = if e.cp.head_len == obs.head_len {
                    e.cp.head_hash == obs.head_hash
                } else {
                    obs.head_hash_at_recorded_len == Some(e.cp.head_hash)
                };
                let replaced = !same_head || obs.size < e.cp.committed;
                let rewritten = whole && (obs.size != e.cp.size || obs.mtime_ns != e.cp.mtime_ns);
                if replaced || rewritten {
                    inner.next_generation += 1;
                    *e = fresh(inner.next_generation);
                    inner.dirty.insert(obs.key, true);
                } else {
                    if e.cp.head_len < obs.head_len {
                        e.cp.head_len = obs.head_len;
                        e.cp.head_hash = obs.head_hash;
                    }
                    let nothing_new = if whole { e.cp.complete } else { obs.size <= e.read_to };
                    if nothing_new {
                        return Plan::Skip;
                    }
                }
                e
            }
        };
        entry.reading = true;
        entry.cp.size = obs.size;
        entry.cp.mtime_ns = obs.mtime_ns;
        Plan::Read { from: entry.read_to, generation: entry.generation }
    }

    /// Records that a document occupying `ticket` is on its way. Returns false when the document
    /// was durably handled before the last stop (it is then acknowledged here and must not be
    /// sent again).
    pub(crate) fn register(&self, ticket: &FileTicket) -> bool {
        let mut inner = self.lock();
        if let Some(e) = inner.files.get_mut(&ticket.file)
            && e.generation == ticket.generation
        {
            let doc = (ticket.doc_len > 0 && ticket.item == 0).then_some((ticket.doc_start, ticket.doc_len));
            let done = doc.is_some_and(|(start, len)| e.done_before.get(&start) == Some(&len));
            if done {
                e.done_before.remove(&ticket.doc_start);
            }
            e.pending.insert(ticket.start, (ticket.end, done, doc));
            e.read_to = e.read_to.max(ticket.end);
            if done {
                if let Some(feeds) = self.feeds.as_ref().filter(|_| ticket.item != 0) {
                    feeds.remember([ticket.item], jiff::Timestamp::now().as_second());
                }
                advance(&mut inner, ticket.file);
                return false;
            }
        }
        true
    }

    /// The reader is done with the file for now; `read_to` is where the next read starts.
    pub(crate) fn finish_read(&self, key: FileKey, generation: u64, read_to: u64) {
        let mut inner = self.lock();
        if let Some(e) = inner.files.get_mut(&key)
            && e.generation == generation
        {
            e.reading = false;
            e.read_to = e.read_to.max(read_to);
            // Bytes read without producing a document (blank lines) commit once all before them do.
            let last_end = e.pending.last_key_value().map_or(e.cp.committed, |(_, (end, ..))| *end).max(e.cp.committed);
            if read_to > last_end {
                e.pending.insert(last_end, (read_to, true, None));
            }
            advance(&mut inner, key);
        }
    }

    /// The document occupying `ticket` is durably written (or rejected, or dropped on purpose).
    pub(crate) fn ack(&self, ticket: &FileTicket) {
        let mut inner = self.lock();
        if let Some(e) = inner.files.get_mut(&ticket.file)
            && e.generation == ticket.generation
            && let Some(slot) = e.pending.get_mut(&ticket.start)
        {
            slot.1 = true;
            if let Some(feeds) = self.feeds.as_ref().filter(|_| ticket.item != 0) {
                feeds.remember([ticket.item], jiff::Timestamp::now().as_second());
            }
            // Even when the prefix cannot move yet, the acknowledged range is persisted.
            inner.dirty.insert(ticket.file, true);
            advance(&mut inner, ticket.file);
        }
    }

    /// Notes that a tracked file still exists (it may be unsettled and so not planned this scan).
    pub(crate) fn mark_seen(&self, key: FileKey, scan: u64) {
        if let Some(e) = self.lock().files.get_mut(&key) {
            e.seen = scan;
        }
    }

    /// Puts back changes whose commit failed, so the next commit carries them.
    pub(crate) fn requeue(&self, changes: &Changes) {
        let mut inner = self.lock();
        for (key, cp) in changes {
            let present = cp.is_some() && inner.files.contains_key(key);
            inner.dirty.entry(*key).or_insert(present);
        }
    }

    /// Forgets files not seen since scan `scan` (they were deleted) unless they are in flight.
    pub(crate) fn forget_unseen(&self, scan: u64) {
        let mut inner = self.lock();
        let gone: Vec<FileKey> = inner
            .files
            .iter()
            .filter(|(_, e)| e.seen < scan && !e.reading && e.pending.is_empty())
            .map(|(k, _)| *k)
            .collect();
        for key in gone {
            inner.files.remove(&key);
            inner.dirty.insert(key, false);
        }
    }

    /// Checkpoints changed since the last call, to persist.
    pub(crate) fn take_changes(&self) -> Changes {
        let mut inner = self.lock();
        let dirty = std::mem::take(&mut inner.dirty);
        dirty
            .into_iter()
            .map(|(key, present)| (key, if present { inner.files.get(&key).map(Entry::to_persist) } else { None }))
            .collect()
    }

    /// How far reading and committing are behind, over all tracked files.
    pub(crate) fn lag(&self) -> Lag {
        let inner = self.lock();
        let mut lag = Lag { files: inner.files.len(), ..Lag::default() };
        for e in inner.files.values() {
            lag.unread_bytes += e.cp.size.saturating_sub(e.read_to);
            lag.uncommitted_bytes += e.read_to.saturating_sub(e.cp.committed);
            lag.in_flight += e.pending.values().filter(|(_, done, _)| !done).count();
        }
        lag
    }

    /// Number of files tracked.
    pub fn len(&self) -> usize {
        self.lock().files.len()
    }

    /// Whether no file is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The committed checkpoint of a file, for tests and status.
    pub fn checkpoint(&self, key: FileKey) -> Option<FileCheckpoint> {
        self.lock().files.get(&key).map(|e| e.cp.clone())
    }
}

impl Entry {
    /// The checkpoint with the ranges done past the prefix: those acknowledged now, and those
    /// from before the last stop not met again yet.
    fn to_persist(&self) -> FileCheckpoint {
        let mut cp = self.cp.clone();
        cp.done = self
            .pending
            .values()
            .filter_map(|(_, done, doc)| doc.filter(|_| *done))
            .chain(self.done_before.iter().map(|(s, l)| (*s, *l)))
            .filter(|(s, _)| *s >= cp.committed)
            .collect();
        cp.done.sort_unstable();
        cp
    }
}

fn advance(inner: &mut Inner, key: FileKey) {
    let Some(e) = inner.files.get_mut(&key) else {
        return;
    };
    let mut changed = false;
    while let Some((&start, &(end, done, _))) = e.pending.first_key_value() {
        if !done || start > e.cp.committed {
            break;
        }
        e.pending.pop_first();
        e.cp.committed = e.cp.committed.max(end);
        changed = true;
    }
    if e.pending.is_empty() {
        // An emptied BTreeMap keeps its node allocated; with a map per file that adds up.
        e.pending = BTreeMap::new();
    }
    if !e.cp.complete && e.pending.is_empty() && !e.reading && e.cp.committed >= e.cp.size {
        e.cp.complete = true;
        changed = true;
    }
    if changed {
        inner.dirty.insert(key, true);
    }
}

impl crate::record::Acknowledge for Tracker {
    fn ack(&self, ticket: &Ticket) {
        if let Ticket::File(t) = ticket {
            Tracker::ack(self, t);
        }
    }
}

/// Read positions: (device, inode) -> [`FileCheckpoint::encode`].
const FILES: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("files_v1");

/// Every persisted checkpoint.
pub(crate) fn load(store: &StateStore) -> Result<Vec<(FileKey, FileCheckpoint)>, StateError> {
    let txn = store.read()?;
    let mut out = Vec::new();
    rows(&txn, FILES, |(dev, ino), v| {
        let cp = FileCheckpoint::decode(v).ok_or_else(|| format!("damaged checkpoint for file {dev}:{ino}"))?;
        out.push((FileKey { dev, ino }, cp));
        Ok(())
    })
    .map_err(|e| store.error(e))?;
    Ok(out)
}

impl Persist for Tracker {
    type Changes = Changes;

    fn take(&self) -> Changes {
        self.take_changes()
    }

    fn is_empty(changes: &Changes) -> bool {
        changes.is_empty()
    }

    fn write(changes: &Changes, txn: &WriteTransaction) -> Result<(), redb::Error> {
        let mut table = txn.open_table(FILES)?;
        let mut buf = Vec::new();
        for (key, cp) in changes {
            match cp {
                Some(cp) => {
                    cp.encode(&mut buf);
                    table.insert((key.dev, key.ino), buf.as_slice())?;
                }
                None => {
                    table.remove((key.dev, key.ino))?;
                }
            }
        }
        Ok(())
    }

    fn requeue(&self, changes: Changes) {
        Tracker::requeue(self, &changes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obs(size: u64, head: u64) -> Observed {
        Observed {
            key: FileKey { dev: 1, ino: 7 },
            path: "/in/a.jsonl".into(),
            size,
            mtime_ns: size,
            head_hash: head,
            head_len: size.min(HEAD_BYTES as u64),
            head_hash_at_recorded_len: Some(head),
        }
    }

    fn ticket(generation: u64, start: u64, end: u64) -> FileTicket {
        FileTicket {
            file: FileKey { dev: 1, ino: 7 },
            generation,
            start,
            end,
            item: 0,
            doc_start: start,
            doc_len: end - start,
        }
    }

    #[test]
    fn acknowledged_feed_items_are_remembered_at_once() {
        let feeds = Arc::new(FeedMemory::new(10, vec![]));
        let t = Tracker::new(10, vec![]).with_feed_memory(feeds.clone());
        let Plan::Read { generation, .. } = t.plan(&obs(30, 1), true, 1) else { panic!() };
        let item = FileTicket { item: 99, ..ticket(generation, 0, 30) };
        t.register(&item);
        t.finish_read(item.file, generation, 30);
        assert!(!feeds.contains(99));
        t.ack(&item);
        assert!(feeds.contains(99), "remembered before the file can be planned again");
        assert_eq!(feeds.take_changes().added.len(), 1);
    }

    #[test]
    fn commits_only_contiguous_acknowledged_prefix() {
        let t = Tracker::new(10, vec![]);
        let Plan::Read { from: 0, generation } = t.plan(&obs(30, 1), false, 1) else { panic!() };
        for (s, e) in [(0, 10), (10, 20), (20, 30)] {
            t.register(&ticket(generation, s, e));
        }
        t.finish_read(FileKey { dev: 1, ino: 7 }, generation, 30);
        t.ack(&ticket(generation, 10, 20));
        assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, 0);
        t.ack(&ticket(generation, 0, 10));
        assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, 20);
        t.ack(&ticket(generation, 20, 30));
        assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, 30);
        assert_eq!(t.plan(&obs(30, 1), false, 2), Plan::Skip);
        // Appended data is read from where the last read stopped.
        assert!(matches!(t.plan(&obs(45, 1), false, 3), Plan::Read { from: 30, .. }));
    }

    #[test]
    fn replaced_or_truncated_file_starts_over() {
        let t = Tracker::new(10, vec![]);
        let Plan::Read { generation, .. } = t.plan(&obs(30, 1), false, 1) else { panic!() };
        t.register(&ticket(generation, 0, 30));
        t.finish_read(FileKey { dev: 1, ino: 7 }, generation, 30);
        t.ack(&ticket(generation, 0, 30));
        let Plan::Read { from, generation: g2 } = t.plan(&obs(30, 2), false, 2) else { panic!() };
        assert_eq!(from, 0);
        assert_ne!(g2, generation);
        // A stale ack from the old generation does nothing.
        t.ack(&ticket(generation, 0, 30));
        assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, 0);
    }

    #[test]
    fn blank_tail_commits_after_documents() {
        let t = Tracker::new(10, vec![]);
        let Plan::Read { generation, .. } = t.plan(&obs(40, 1), false, 1) else { panic!() };
        t.register(&ticket(generation, 0, 30));
        t.finish_read(FileKey { dev: 1, ino: 7 }, generation, 40);
        assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, 0);
        t.ack(&ticket(generation, 0, 30));
        assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, 40);
    }

    #[test]
    fn checkpoint_encoding_round_trips() {
        let cp = FileCheckpoint {
            path: "/in/ü/a b.jsonl".into(),
            head_len: 1024,
            head_hash: u64::MAX,
            size: 7,
            mtime_ns: 1_700_000_000_123_456_789,
            committed: 5,
            complete: true,
            done: vec![(5, 6), (9, 12)],
        };
        let mut buf = Vec::new();
        cp.encode(&mut buf);
        assert_eq!(FileCheckpoint::decode(&buf), Some(cp));
        assert_eq!(FileCheckpoint::decode(&buf[..20]), None);
        assert_eq!(FileCheckpoint::decode(b"{\"path\":1}"), None);
    }

    #[test]
    fn whole_files_complete_and_reload() {
        let t = Tracker::new(10, vec![]);
        let Plan::Read { generation, .. } = t.plan(&obs(30, 1), true, 1) else { panic!() };
        t.register(&ticket(generation, 0, 30));
        t.finish_read(FileKey { dev: 1, ino: 7 }, generation, 30);
        t.ack(&ticket(generation, 0, 30));
        let changes = t.take_changes();
        assert_eq!(changes.len(), 1);
        let cp = changes[0].1.clone().unwrap();
        assert!(cp.complete);
        let t2 = Tracker::new(10, vec![(FileKey { dev: 1, ino: 7 }, cp)]);
        assert_eq!(t2.plan(&obs(30, 1), true, 1), Plan::Skip);
        // The same file rewritten in place is a new version.
        assert!(matches!(t2.plan(&obs(31, 1), true, 2), Plan::Read { from: 0, .. }));
    }

    #[test]
    fn forgets_deleted_files_and_respects_capacity() {
        let t = Tracker::new(1, vec![]);
        let Plan::Read { generation, .. } = t.plan(&obs(10, 1), true, 1) else { panic!() };
        let mut other = obs(10, 1);
        other.key.ino = 8;
        assert_eq!(t.plan(&other, true, 1), Plan::Full, "over capacity");
        t.register(&ticket(generation, 0, 10));
        t.finish_read(FileKey { dev: 1, ino: 7 }, generation, 10);
        t.forget_unseen(5);
        assert_eq!(t.len(), 1, "in flight, kept");
        t.ack(&ticket(generation, 0, 10));
        let _ = t.take_changes();
        t.forget_unseen(5);
        assert!(t.is_empty());
        assert_eq!(t.take_changes(), vec![(FileKey { dev: 1, ino: 7 }, None)]);
    }

    proptest! {
        /// A stop at any moment, with any documents acknowledged out of order: after the restart
        /// every document is either done (committed, or skipped as done when read again) or sent
        /// again, never both and never neither.
        #[test]
        fn every_document_is_handled_once_across_a_restart(lens in prop::collection::vec(1u64..50, 1..30), acked in prop::collection::vec(any::<bool>(), 30), stop_reading_at in 0usize..30) {
            let key = FileKey { dev: 1, ino: 7 };
            let t = Tracker::new(10, vec![]);
            let total: u64 = lens.iter().sum();
            let Plan::Read { generation, .. } = t.plan(&obs(total, 1), false, 1) else { panic!() };
            let mut spans = Vec::new();
            let mut at = 0;
            for l in &lens {
                spans.push((at, at + l));
                at += l;
            }
            // The reader may have stopped early (shutdown): only the first documents went out.
            let read = stop_reading_at.min(spans.len());
            for &(s, e) in &spans[..read] {
                prop_assert!(t.register(&ticket(generation, s, e)));
            }
            t.finish_read(key, generation, spans.get(read).map_or(total, |s| s.0));
            for (i, &(s, e)) in spans[..read].iter().enumerate() {
                if acked[i] {
                    t.ack(&ticket(generation, s, e));
                }
            }
            let mut persisted: Vec<(FileKey, FileCheckpoint)> = t.take_changes().into_iter().filter_map(|(k, cp)| cp.map(|c| (k, c))).collect();
            // Through the encoding, as the state database stores it.
            for (_, cp) in &mut persisted {
                let mut buf = Vec::new();
                cp.encode(&mut buf);
                *cp = FileCheckpoint::decode(&buf).unwrap();
            }
            let t2 = Tracker::new(10, persisted);
            let Plan::Read { from, generation: g2 } = t2.plan(&obs(total, 1), false, 2) else {
                // Nothing left to read: then everything was acknowledged.
                prop_assert!(read == spans.len() && acked.iter().take(read).all(|a| *a));
                return Ok(());
            };
            for (i, &(s, e)) in spans.iter().enumerate() {
                let was_done = i < read && acked[i];
                if s < from {
                    prop_assert!(was_done, "document {} skipped but never done", i);
                    continue;
                }
                let send = t2.register(&ticket(g2, s, e));
                prop_assert_eq!(send, !was_done, "document {}", i);
            }
        }
    }

    proptest! {
        /// Whatever order documents are acknowledged in, the committed offset is exactly the end
        /// of the longest acknowledged prefix.
        #[test]
        fn committed_is_longest_acked_prefix(lens in prop::collection::vec(1u64..50, 1..30), order in any::<prop::sample::Index>(), acked in prop::collection::vec(any::<bool>(), 30)) {
            let t = Tracker::new(10, vec![]);
            let total: u64 = lens.iter().sum();
            let Plan::Read { generation, .. } = t.plan(&obs(total, 1), false, 1) else { panic!() };
            let mut tickets = Vec::new();
            let mut at = 0;
            for l in &lens {
                tickets.push(ticket(generation, at, at + l));
                t.register(tickets.last().unwrap());
                at += l;
            }
            t.finish_read(FileKey { dev: 1, ino: 7 }, generation, total);
            let rot = order.index(tickets.len());
            let mut idx: Vec<usize> = (0..tickets.len()).collect();
            idx.rotate_left(rot);
            for i in idx.iter().copied().filter(|i| acked[*i]) {
                t.ack(&tickets[i]);
            }
            let expected = tickets.iter().enumerate().take_while(|(i, _)| acked[*i]).last().map_or(0, |(_, tk)| tk.end);
            prop_assert_eq!(t.checkpoint(FileKey { dev: 1, ino: 7 }).unwrap().committed, expected);
        }
    }
}
