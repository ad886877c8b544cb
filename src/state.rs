//! The persisted state in `[state] dir`: input checkpoints and the dedup window, in one embedded
//! ACID database (redb) so that both are committed together in one transaction, and a crash leaves
//! the previous commit intact. A damaged database is reported with its path and the way out; it is
//! never silently reset.

use crate::stages::source::feed::FeedChanges;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use crate::record::FileKey;
use crate::stages::dedup::{DedupChanges, DedupRecord, InFlight};
use crate::stages::source::checkpoint::{Changes, FileCheckpoint};

const FILES: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("files_v1");
/// The dedup window: sequence number -> entry ([`DedupRecord::encode`]).
const DEDUP: TableDefinition<u64, &[u8]> = TableDefinition::new("dedup_stories_v1");
/// What the dedup window's sketches were made with: "sketch" -> fingerprint of the settings.
const DEDUP_META: TableDefinition<&str, u64> = TableDefinition::new("dedup_meta_v1");
/// The exact-only window of earlier versions; dropped on open.
const DEDUP_EXACT_OLD: &str = "dedup_exact_v1";
/// The site templates of earlier versions (the learner changed nothing measurable and is gone);
/// dropped on open.
const TEMPLATES_OLD: &str = "site_templates_v1";
/// Dedup entries whose output was not durable at the commit: sequence number -> [`InFlight::encode`].
const DEDUP_IN_FLIGHT: TableDefinition<u64, &[u8]> = TableDefinition::new("dedup_in_flight_v1");
/// Each output's committed position: output name ("articles", "rejected") -> the sink's own encoding.
const SINKS: TableDefinition<&str, &[u8]> = TableDefinition::new("sink_positions_v1");
/// Feed items handled: item key -> unix seconds.
const FEED_ITEMS: TableDefinition<u64, i64> = TableDefinition::new("feed_items_v1");

/// File name of the database inside the state directory.
pub(crate) const DB_FILE: &str = "newsmill.redb";

/// Errors opening or writing the state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The directory could not be created.
    #[error("cannot create state directory {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened: damaged, or locked by another newsmill.
    #[error(
        "cannot open state database {path}: {message}. If another newsmill uses this state directory, stop it \
         first. If the file is damaged, move it aside (newsmill then re-reads every input from the start and \
         rebuilds the dedup window) or restore it from a backup."
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A read or a commit failed.
    #[error("state database {path}: {message}")]
    Io {
        /// The database file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// Everything one commit writes, in one transaction.
#[derive(Debug, Default)]
pub struct Commit {
    /// Input checkpoints.
    pub files: Changes,
    /// Dedup window changes.
    pub dedup: DedupChanges,
    /// Feed items remembered and forgotten.
    pub feeds: FeedChanges,
    /// Outputs' committed positions (output name, position): what the outputs hold beyond them is
    /// cut off on the next start, because the input checkpoints above do not cover it.
    pub sinks: Vec<(String, Vec<u8>)>,
}

impl Commit {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.dedup.is_empty() && self.feeds.is_empty() && self.sinks.is_empty()
    }
}

/// The open state database.
pub struct StateStore {
    db: Database,
    path: PathBuf,
}

impl StateStore {
    /// Opens (or creates) the database in `dir`, caching at most `cache_bytes` of it in memory.
    pub fn open(dir: &Path, cache_bytes: usize) -> Result<Self, StateError> {
        std::fs::create_dir_all(dir).map_err(|source| StateError::Dir { path: dir.to_path_buf(), source })?;
        let path = dir.join(DB_FILE);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|e| StateError::Open { path: path.clone(), message: e.to_string() })?;
        let store = Self { db, path };
        // Create the tables up front so that read transactions find them.
        store.commit(&Commit::default())?;
        store.drop_old_tables()?;
        Ok(store)
    }

    /// Earlier versions kept an exact-only dedup window that the story index replaces, and site
    /// templates that are no longer learned.
    fn drop_old_tables(&self) -> Result<(), StateError> {
        let old: TableDefinition<u128, &[u8]> = TableDefinition::new(DEDUP_EXACT_OLD);
        let templates: TableDefinition<&str, &[u8]> = TableDefinition::new(TEMPLATES_OLD);
        let txn = self.db.begin_write().map_err(|e| self.io(e))?;
        if txn.delete_table(old).map_err(|e| self.io(e))? {
            tracing::warn!(
                table = DEDUP_EXACT_OLD,
                "Dropped the exact-only dedup window of an earlier version; the story index starts empty."
            );
        }
        if txn.delete_table(templates).map_err(|e| self.io(e))? {
            tracing::info!(table = TEMPLATES_OLD, "Dropped the site templates of an earlier version.");
        }
        txn.commit().map_err(|e| self.io(e))
    }

    fn io(&self, e: impl std::fmt::Display) -> StateError {
        StateError::Io { path: self.path.clone(), message: e.to_string() }
    }

    /// Every persisted checkpoint.
    pub(crate) fn load_checkpoints(&self) -> Result<Vec<(FileKey, FileCheckpoint)>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.io(e))?;
        let table = txn.open_table(FILES).map_err(|e| self.io(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.io(e))? {
            let (k, v) = row.map_err(|e| self.io(e))?;
            let (dev, ino) = k.value();
            let cp = FileCheckpoint::decode(v.value())
                .ok_or_else(|| self.io(format!("damaged checkpoint for file {dev}:{ino}")))?;
            out.push((FileKey { dev, ino }, cp));
        }
        Ok(out)
    }

    /// Hands every persisted dedup entry to `each`, oldest first (streamed: the window is never
    /// held twice in memory); returns how many there were. A damaged entry is an error that names
    /// the way out: `newsmill reset-dedup` empties the window and keeps everything else.
    pub(crate) fn load_dedup(&self, mut each: impl FnMut(DedupRecord)) -> Result<usize, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.io(e))?;
        let table = txn.open_table(DEDUP).map_err(|e| self.io(e))?;
        let mut n = 0;
        for row in table.iter().map_err(|e| self.io(e))? {
            let (k, v) = row.map_err(|e| self.io(e))?;
            let record = DedupRecord::decode(k.value(), v.value()).map_err(|e| {
                self.io(format!(
                    "{e}; run `newsmill reset-dedup` with the same config to empty the dedup window (input \
                     checkpoints are kept), or restore the state directory from a backup"
                ))
            })?;
            each(record);
            n += 1;
        }
        Ok(n)
    }

    /// The dedup entries that were in flight at the last commit.
    pub(crate) fn load_dedup_in_flight(&self) -> Result<Vec<InFlight>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.io(e))?;
        let table = txn.open_table(DEDUP_IN_FLIGHT).map_err(|e| self.io(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.io(e))? {
            let (k, v) = row.map_err(|e| self.io(e))?;
            out.push(InFlight::decode(k.value(), v.value()).map_err(|e| {
                self.io(format!("{e}; run `newsmill reset-dedup` with the same config to empty the dedup window"))
            })?);
        }
        Ok(out)
    }

    /// The committed position of output `name`, if one was ever committed.
    pub(crate) fn sink_position(&self, name: &str) -> Result<Option<Vec<u8>>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.io(e))?;
        let table = txn.open_table(SINKS).map_err(|e| self.io(e))?;
        Ok(table.get(name).map_err(|e| self.io(e))?.map(|v| v.value().to_vec()))
    }

    /// Empties the dedup window; returns how many entries it held.
    pub fn reset_dedup(&self) -> Result<u64, StateError> {
        let txn = self.db.begin_write().map_err(|e| self.io(e))?;
        let n = {
            let table = txn.open_table(DEDUP).map_err(|e| self.io(e))?;
            table.len().map_err(|e| self.io(e))?
        };
        txn.delete_table(DEDUP).map_err(|e| self.io(e))?;
        txn.open_table(DEDUP).map_err(|e| self.io(e))?;
        txn.delete_table(DEDUP_META).map_err(|e| self.io(e))?;
        txn.delete_table(DEDUP_IN_FLIGHT).map_err(|e| self.io(e))?;
        txn.open_table(DEDUP_IN_FLIGHT).map_err(|e| self.io(e))?;
        txn.commit().map_err(|e| self.io(e))?;
        Ok(n)
    }

    /// Records the fingerprint of the settings that make sketches, and returns the one recorded
    /// before (if any): held sketches made with other settings no longer compare with new ones.
    pub(crate) fn swap_sketch_fingerprint(&self, fingerprint: u64) -> Result<Option<u64>, StateError> {
        let txn = self.db.begin_write().map_err(|e| self.io(e))?;
        let old = {
            let mut table = txn.open_table(DEDUP_META).map_err(|e| self.io(e))?;
            table.insert("sketch", fingerprint).map_err(|e| self.io(e))?.map(|v| v.value())
        };
        txn.commit().map_err(|e| self.io(e))?;
        Ok(old)
    }

    /// Every feed item remembered as handled: (item key, unix seconds).
    pub(crate) fn load_feed_items(&self) -> Result<Vec<(u64, i64)>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.io(e))?;
        let table = txn.open_table(FEED_ITEMS).map_err(|e| self.io(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.io(e))? {
            let (k, v) = row.map_err(|e| self.io(e))?;
            out.push((k.value(), v.value()));
        }
        Ok(out)
    }

    /// Writes checkpoint, dedup and feed memory changes in one durable transaction.
    pub fn commit(&self, commit: &Commit) -> Result<(), StateError> {
        let Commit { files, dedup, feeds, sinks } = commit;
        let txn = self.db.begin_write().map_err(|e| self.io(e))?;
        let mut buf = Vec::new();
        {
            let mut table = txn.open_table(FEED_ITEMS).map_err(|e| self.io(e))?;
            for key in &feeds.removed {
                table.remove(*key).map_err(|e| self.io(e))?;
            }
            for (key, at) in &feeds.added {
                table.insert(*key, *at).map_err(|e| self.io(e))?;
            }
            let mut table = txn.open_table(FILES).map_err(|e| self.io(e))?;
            for (key, cp) in files {
                match cp {
                    Some(cp) => {
                        cp.encode(&mut buf);
                        table.insert((key.dev, key.ino), buf.as_slice()).map_err(|e| self.io(e))?;
                    }
                    None => {
                        table.remove((key.dev, key.ino)).map_err(|e| self.io(e))?;
                    }
                }
            }
            let mut table = txn.open_table(DEDUP).map_err(|e| self.io(e))?;
            if !dedup.removed.is_empty() {
                table.retain_in(dedup.removed.clone(), |_, _| false).map_err(|e| self.io(e))?;
            }
            for r in &dedup.added {
                r.encode(&mut buf);
                table.insert(r.seq, buf.as_slice()).map_err(|e| self.io(e))?;
            }
            let mut table = txn.open_table(DEDUP_IN_FLIGHT).map_err(|e| self.io(e))?;
            if !dedup.removed.is_empty() {
                table.retain_in(dedup.removed.clone(), |_, _| false).map_err(|e| self.io(e))?;
            }
            for seq in &dedup.landed {
                table.remove(*seq).map_err(|e| self.io(e))?;
            }
            for f in &dedup.in_flight {
                table.insert(f.seq, f.encode().as_slice()).map_err(|e| self.io(e))?;
            }
            let mut table = txn.open_table(SINKS).map_err(|e| self.io(e))?;
            for (name, position) in sinks {
                table.insert(name.as_str(), position.as_slice()).map_err(|e| self.io(e))?;
            }
        }
        txn.commit().map_err(|e| self.io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::dedup::MatchKind;

    #[test]
    fn round_trip_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let key = FileKey { dev: 3, ino: 9 };
        let cp = FileCheckpoint {
            path: "/x/a.txt".into(),
            head_len: 5,
            head_hash: 42,
            size: 5,
            mtime_ns: 1,
            committed: 5,
            complete: true,
            done: vec![(7, 9)],
        };
        {
            let s = StateStore::open(dir.path(), 1 << 20).unwrap();
            let record = |seq: u64, id: &str| DedupRecord {
                seq,
                seen_at: seq as i64 * 10,
                id: id.into(),
                story: 9,
                exact: seq,
                sketch: crate::stages::dedup::Sketcher::new(3).sketch(["some words in a body"]).map(|s| s.sketch),
                lead_keys: vec![1, 2, 3],
            };
            let added = vec![record(2, "b"), record(1, "a")];
            s.commit(&Commit {
                files: vec![(key, Some(cp.clone()))],
                dedup: DedupChanges {
                    added,
                    removed: 0..0,
                    in_flight: vec![InFlight { seq: 2, origin: 5, kind: MatchKind::New, similarity: 0.0 }],
                    landed: vec![],
                },
                feeds: FeedChanges { added: vec![(7, 100), (8, 200)], removed: vec![] },
                sinks: vec![("articles".into(), vec![1, 2, 3])],
            })
            .unwrap();
        }
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(s.load_checkpoints().unwrap(), vec![(key, cp)]);
        let mut d = vec![];
        s.load_dedup(|r| d.push(r)).unwrap();
        assert_eq!(d.iter().map(|r| &*r.id).collect::<Vec<_>>(), ["a", "b"]);
        assert!(d[0].sketch.is_some());
        assert_eq!(s.load_feed_items().unwrap(), [(7, 100), (8, 200)]);
        assert_eq!(s.load_dedup_in_flight().unwrap().iter().map(|f| (f.seq, f.origin)).collect::<Vec<_>>(), [(2, 5)]);
        assert_eq!(s.sink_position("articles").unwrap(), Some(vec![1, 2, 3]));
        assert_eq!(s.sink_position("rejected").unwrap(), None);
        s.commit(&Commit {
            files: vec![(key, None)],
            dedup: DedupChanges { added: vec![], removed: 0..2, in_flight: vec![], landed: vec![2] },
            feeds: FeedChanges { added: vec![], removed: vec![7] },
            sinks: vec![],
        })
        .unwrap();
        assert_eq!(s.load_feed_items().unwrap(), [(8, 200)]);
        assert!(s.load_dedup_in_flight().unwrap().is_empty());
        assert!(s.load_checkpoints().unwrap().is_empty());
        assert_eq!(s.load_dedup(|_| {}).unwrap(), 1);
        assert_eq!(s.reset_dedup().unwrap(), 1);
        assert_eq!(s.load_dedup(|_| {}).unwrap(), 0);
    }

    #[test]
    fn damaged_dedup_entry_names_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        let txn = s.db.begin_write().unwrap();
        txn.open_table(DEDUP).unwrap().insert(5, b"\x01garbage".as_slice()).unwrap();
        txn.commit().unwrap();
        let msg = s.load_dedup(|_| {}).unwrap_err().to_string();
        assert!(msg.contains("damaged dedup entry 5") && msg.contains("newsmill reset-dedup"), "{msg}");
        assert_eq!(s.reset_dedup().unwrap(), 1);
        assert_eq!(s.load_dedup(|_| {}).unwrap(), 0);
    }

    #[test]
    fn sketch_fingerprint_is_swapped_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(s.swap_sketch_fingerprint(7).unwrap(), None);
        assert_eq!(s.swap_sketch_fingerprint(8).unwrap(), Some(7));
        s.reset_dedup().unwrap();
        assert_eq!(s.swap_sketch_fingerprint(9).unwrap(), None);
    }

    #[test]
    fn damaged_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE), b"this is not a database at all, not even close").unwrap();
        let err = StateStore::open(dir.path(), 1 << 20).err().expect("must fail");
        let msg = err.to_string();
        assert!(msg.contains(DB_FILE) && msg.contains("move it aside"), "{msg}");
    }
}
