//! The persisted state in `[state] dir`: one embedded ACID database (redb). Every component keeps
//! its own tables beside its code and takes part in a commit through [`Persist`] (the source's read
//! positions and feed memory, the dedup window); the outputs' committed positions are the store's
//! own. One commit writes all of them in one transaction, so a crash leaves the previous commit
//! intact. A damaged database is reported with its path and the way out; it is never silently
//! reset.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use redb::{Database, ReadableDatabase, TableError};
pub(crate) use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};

/// Each output's committed position: output key ("articles:<path>", ...) -> the output's own encoding.
const SINKS: TableDefinition<&str, &[u8]> = TableDefinition::new("sink_positions_v1");
/// Tables of earlier versions, dropped on open: the exact-only dedup window (the story index
/// replaced it) and the site templates (the learner changed nothing measurable and is gone).
const OLD_TABLES: &[(&str, &str)] = &[
    ("dedup_exact_v1", "Dropped the exact-only dedup window of an earlier version; the story index starts empty."),
    ("site_templates_v1", "Dropped the site templates of an earlier version."),
];

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

/// A component's persisted state, implemented beside the component: what changed since the last
/// commit is written into the commit's transaction, and given back when that commit fails.
pub(crate) trait Persist: Send + Sync + 'static {
    /// What changed.
    type Changes: Send + 'static;
    /// Takes what changed since the last call.
    fn take(&self) -> Self::Changes;
    /// Whether `changes` hold nothing to write.
    fn is_empty(changes: &Self::Changes) -> bool;
    /// Writes `changes` into the commit's transaction.
    fn write(changes: &Self::Changes, txn: &WriteTransaction) -> Result<(), redb::Error>;
    /// The commit that held `changes` failed: they are taken again next time.
    fn requeue(&self, changes: Self::Changes);
    /// The commit that held `changes` is durable (a source may now tell its broker).
    fn committed(&self, _changes: Self::Changes) {}
}

/// One component's part in a commit, as the committer loops over them.
pub(crate) trait Part: Send + Sync {
    /// Takes the component's changes and writes them into `txn`; whether there were any.
    fn write(&self, txn: &WriteTransaction) -> Result<bool, redb::Error>;
    /// The transaction committed, or not (then the changes go back to the component).
    fn finish(&self, committed: bool);
}

/// A [`Persist`] component with the changes of the commit under way.
struct Pending<P: Persist> {
    part: Arc<P>,
    taken: Mutex<Option<P::Changes>>,
}

/// `component` as a part of commits.
pub(crate) fn part<P: Persist>(component: Arc<P>) -> Arc<dyn Part> {
    Arc::new(Pending { part: component, taken: Mutex::new(None) })
}

impl<P: Persist> Part for Pending<P> {
    fn write(&self, txn: &WriteTransaction) -> Result<bool, redb::Error> {
        let changes = self.part.take();
        let any = !P::is_empty(&changes);
        let written = if any { P::write(&changes, txn) } else { Ok(()) };
        *self.taken.lock().unwrap_or_else(|e| e.into_inner()) = Some(changes);
        written.map(|()| any)
    }

    fn finish(&self, committed: bool) {
        let taken = self.taken.lock().unwrap_or_else(|e| e.into_inner()).take();
        match taken {
            Some(changes) if committed => self.part.committed(changes),
            Some(changes) => self.part.requeue(changes),
            None => {}
        }
    }
}

/// The rows of `table`, or none when it was never written.
pub(crate) fn rows<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &ReadTransaction,
    table: TableDefinition<K, V>,
    mut each: impl FnMut(K::SelfType<'_>, V::SelfType<'_>) -> Result<(), String>,
) -> Result<usize, String> {
    let table = match txn.open_table(table) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.to_string()),
    };
    let mut n = 0;
    for row in table.iter().map_err(|e| e.to_string())? {
        let (k, v) = row.map_err(|e| e.to_string())?;
        each(k.value(), v.value())?;
        n += 1;
    }
    Ok(n)
}

/// Moves aside a database file whose creation a crash cut short. The database library writes a
/// new file's header first and its magic number last, so a process killed in between leaves a
/// file that never held a commit, whose first bytes are zero, and that every later start would
/// refuse as "not a database". It is kept beside as `newsmill.redb.unfinished` (one such copy).
fn set_aside_unfinished(path: &Path) {
    /// The length of the library's magic number, at the start of the file.
    const MAGIC_BYTES: usize = 9;
    let Ok(mut file) = std::fs::File::open(path) else { return };
    let mut head = [0u8; MAGIC_BYTES];
    if std::io::Read::read_exact(&mut file, &mut head).is_err() || head.iter().any(|&b| b != 0) {
        // Empty (the library initialises it), too short to tell, or begun: left to the library.
        return;
    }
    drop(file);
    let aside = path.with_extension("redb.unfinished");
    match std::fs::rename(path, &aside) {
        Ok(()) => tracing::warn!(
            path = %path.display(),
            moved_to = %aside.display(),
            "state database was never finished (a crash while it was created); starting a new one"
        ),
        Err(error) => tracing::warn!(path = %path.display(), %error, "cannot move an unfinished state database aside"),
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
        set_aside_unfinished(&path);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|e| StateError::Open { path: path.clone(), message: e.to_string() })?;
        let store = Self { db, path };
        store.write(|txn| {
            for (name, said) in OLD_TABLES {
                let old: TableDefinition<u64, &[u8]> = TableDefinition::new(name);
                if txn.delete_table(old)? {
                    tracing::warn!(table = name, "{said}");
                }
            }
            txn.open_table(SINKS)?;
            Ok(())
        })?;
        Ok(store)
    }

    /// A problem with the database, naming it.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> StateError {
        StateError::Io { path: self.path.clone(), message: message.to_string() }
    }

    /// A read transaction.
    pub(crate) fn read(&self) -> Result<ReadTransaction, StateError> {
        self.db.begin_read().map_err(|e| self.error(e))
    }

    /// Runs `f` in a write transaction and commits it.
    pub(crate) fn write<R>(
        &self,
        f: impl FnOnce(&WriteTransaction) -> Result<R, redb::Error>,
    ) -> Result<R, StateError> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        let r = f(&txn).map_err(|e| self.error(e))?;
        txn.commit().map_err(|e| self.error(e))?;
        Ok(r)
    }

    /// The committed position of output `key`, if one was ever committed.
    pub(crate) fn sink_position(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        let txn = self.read()?;
        let table = txn.open_table(SINKS).map_err(|e| self.error(e))?;
        Ok(table.get(key).map_err(|e| self.error(e))?.map(|v| v.value().to_vec()))
    }

    /// One commit: every part's changes and the outputs' new positions (output key, position), in
    /// one durable transaction. What the outputs hold beyond their positions is cut off on the next
    /// start, because the input positions committed with them do not cover it. Every part hears
    /// whether it committed.
    pub(crate) fn commit(&self, parts: &[Arc<dyn Part>], positions: &[(String, Vec<u8>)]) -> Result<(), StateError> {
        let finish = |ok: bool| parts.iter().for_each(|p| p.finish(ok));
        let txn = match self.db.begin_write() {
            Ok(t) => t,
            Err(e) => return Err(self.error(e)),
        };
        let written = (|| -> Result<bool, redb::Error> {
            let mut any = !positions.is_empty();
            for part in parts {
                any |= part.write(&txn)?;
            }
            let mut table = txn.open_table(SINKS)?;
            for (key, position) in positions {
                table.insert(key.as_str(), position.as_slice())?;
            }
            Ok(any)
        })();
        let result = match written {
            Ok(true) => txn.commit().map_err(|e| self.error(e)),
            Ok(false) => txn.abort().map_err(|e| self.error(e)),
            Err(e) => Err(self.error(e)),
        };
        finish(result.is_ok());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component that remembers numbers in a table of its own.
    #[derive(Default)]
    struct Numbers {
        new: Mutex<Vec<u64>>,
        fail: std::sync::atomic::AtomicBool,
    }

    const NUMBERS: TableDefinition<u64, u64> = TableDefinition::new("numbers_test");

    impl Persist for Numbers {
        type Changes = Vec<u64>;

        fn take(&self) -> Vec<u64> {
            std::mem::take(&mut *self.new.lock().unwrap())
        }

        fn is_empty(changes: &Vec<u64>) -> bool {
            changes.is_empty()
        }

        fn write(changes: &Vec<u64>, txn: &WriteTransaction) -> Result<(), redb::Error> {
            let mut table = txn.open_table(NUMBERS)?;
            for n in changes {
                table.insert(*n, n * 10)?;
            }
            Ok(())
        }

        fn requeue(&self, changes: Vec<u64>) {
            let mut new = self.new.lock().unwrap();
            let later = std::mem::replace(&mut *new, changes);
            new.extend(later);
        }
    }

    /// A component whose writes fail while `fail` is set.
    struct Flaky(Arc<Numbers>);

    impl Part for Flaky {
        fn write(&self, _txn: &WriteTransaction) -> Result<bool, redb::Error> {
            if self.0.fail.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(redb::Error::Corrupted("the disk is full".into()));
            }
            Ok(false)
        }

        fn finish(&self, _committed: bool) {}
    }

    fn stored(s: &StateStore) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        rows(&s.read().unwrap(), NUMBERS, |k, v| {
            out.push((k, v));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_commit_writes_every_part_and_the_positions_together_or_gives_the_changes_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert!(stored(&s).is_empty(), "a table never written reads as empty");
        let numbers = Arc::new(Numbers::default());
        let parts = [part(numbers.clone()), Arc::new(Flaky(numbers.clone())) as Arc<dyn Part>];
        numbers.new.lock().unwrap().extend([1, 2]);
        s.commit(&parts, &[("articles:out.jsonl".into(), vec![7])]).unwrap();
        assert_eq!(stored(&s), [(1, 10), (2, 20)]);
        assert_eq!(s.sink_position("articles:out.jsonl").unwrap(), Some(vec![7]));

        // A part fails: nothing of the commit is written, and the changes come back for the next.
        numbers.new.lock().unwrap().push(3);
        numbers.fail.store(true, std::sync::atomic::Ordering::Relaxed);
        let err = s.commit(&parts, &[("articles:out.jsonl".into(), vec![8])]).unwrap_err().to_string();
        assert!(err.contains("the disk is full") && err.contains(DB_FILE), "{err}");
        assert_eq!(stored(&s), [(1, 10), (2, 20)]);
        assert_eq!(s.sink_position("articles:out.jsonl").unwrap(), Some(vec![7]));
        numbers.new.lock().unwrap().push(4);
        numbers.fail.store(false, std::sync::atomic::Ordering::Relaxed);
        s.commit(&parts, &[]).unwrap();
        assert_eq!(stored(&s), [(1, 10), (2, 20), (3, 30), (4, 40)]);
        drop(s);
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(stored(&s).len(), 4);
        assert_eq!(s.sink_position("rejected:x").unwrap(), None);
    }

    #[test]
    fn a_database_whose_creation_was_cut_short_is_set_aside_and_made_anew() {
        let dir = tempfile::tempdir().unwrap();
        // What the library leaves when killed after writing the header, before the magic number.
        let mut unfinished = vec![0u8; 4096];
        unfinished[9] = 3;
        std::fs::write(dir.path().join(DB_FILE), &unfinished).unwrap();
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(s.sink_position("jsonl:x").unwrap(), None);
        drop(s);
        assert_eq!(std::fs::read(dir.path().join("newsmill.redb.unfinished")).unwrap(), unfinished);
        // The new database opens again as it is.
        assert!(StateStore::open(dir.path(), 1 << 20).is_ok());
        assert!(dir.path().join("newsmill.redb.unfinished").exists());
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
