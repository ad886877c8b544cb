//! The dedup window in the state database: its entries, the entries whose output was not durable
//! at the last commit, and the fingerprint of the settings their sketches were made with.

use std::sync::Mutex;

use super::index::{DedupChanges, DedupRecord, InFlight, StoryIndex};
use crate::state::{Persist, StateError, StateStore, TableDefinition, WriteTransaction, rows};

/// The window: sequence number -> entry ([`DedupRecord::encode`]).
const DEDUP: TableDefinition<u64, &[u8]> = TableDefinition::new("dedup_stories_v1");
/// What the window's sketches were made with: "sketch" -> fingerprint of the settings.
const DEDUP_META: TableDefinition<&str, u64> = TableDefinition::new("dedup_meta_v1");
/// Entries whose output was not durable at the commit: sequence number -> [`InFlight::encode`].
const DEDUP_IN_FLIGHT: TableDefinition<u64, &[u8]> = TableDefinition::new("dedup_in_flight_v1");

/// The way out of a damaged window, for error messages.
const WAY_OUT: &str = "run `newsmill reset-dedup` with the same config to empty the dedup window (input checkpoints \
                       are kept), or restore the state directory from a backup";

/// Hands every persisted entry to `each`, oldest first (streamed: the window is never held twice
/// in memory); returns how many there were. A damaged entry is an error that names the way out.
pub(crate) fn load(store: &StateStore, mut each: impl FnMut(DedupRecord)) -> Result<usize, StateError> {
    let txn = store.read()?;
    rows(&txn, DEDUP, |k, v| {
        each(DedupRecord::decode(k, v).map_err(|e| format!("{e}; {WAY_OUT}"))?);
        Ok(())
    })
    .map_err(|e| store.error(e))
}

/// The entries that were in flight at the last commit.
pub(crate) fn load_in_flight(store: &StateStore) -> Result<Vec<InFlight>, StateError> {
    let txn = store.read()?;
    let mut out = Vec::new();
    rows(&txn, DEDUP_IN_FLIGHT, |k, v| {
        out.push(InFlight::decode(k, v).map_err(|e| format!("{e}; {WAY_OUT}"))?);
        Ok(())
    })
    .map_err(|e| store.error(e))?;
    Ok(out)
}

/// Empties the window; returns how many entries it held.
pub fn reset(store: &StateStore) -> Result<u64, StateError> {
    use crate::state::ReadableTableMetadata;
    store.write(|txn| {
        let n = txn.open_table(DEDUP)?.len()?;
        for table in [DEDUP, DEDUP_IN_FLIGHT] {
            txn.delete_table(table)?;
        }
        txn.delete_table(DEDUP_META)?;
        Ok(n)
    })
}

/// Records the fingerprint of the settings that make sketches, and returns the one recorded
/// before (if any): held sketches made with other settings no longer compare with new ones.
pub(crate) fn swap_sketch_fingerprint(store: &StateStore, fingerprint: u64) -> Result<Option<u64>, StateError> {
    store.write(|txn| Ok(txn.open_table(DEDUP_META)?.insert("sketch", fingerprint)?.map(|v| v.value())))
}

/// A document acknowledged is durably handled: its entry is final.
impl crate::record::Acknowledge for Mutex<StoryIndex> {
    fn ack(&self, ticket: &crate::record::Ticket) {
        self.lock().unwrap_or_else(|e| e.into_inner()).land(ticket.origin());
    }
}

impl Persist for Mutex<StoryIndex> {
    type Changes = DedupChanges;

    fn take(&self) -> DedupChanges {
        self.lock().unwrap_or_else(|e| e.into_inner()).take_changes()
    }

    fn is_empty(changes: &DedupChanges) -> bool {
        changes.is_empty()
    }

    fn write(changes: &DedupChanges, txn: &WriteTransaction) -> Result<(), redb::Error> {
        let mut buf = Vec::new();
        let mut table = txn.open_table(DEDUP)?;
        if !changes.removed.is_empty() {
            table.retain_in(changes.removed.clone(), |_, _| false)?;
        }
        for r in &changes.added {
            r.encode(&mut buf);
            table.insert(r.seq, buf.as_slice())?;
        }
        let mut table = txn.open_table(DEDUP_IN_FLIGHT)?;
        if !changes.removed.is_empty() {
            table.retain_in(changes.removed.clone(), |_, _| false)?;
        }
        for seq in &changes.landed {
            table.remove(*seq)?;
        }
        for f in &changes.in_flight {
            table.insert(f.seq, f.encode().as_slice())?;
        }
        Ok(())
    }

    fn requeue(&self, changes: DedupChanges) {
        self.lock().unwrap_or_else(|e| e.into_inner()).requeue(&changes);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::record::FileKey;
    use crate::stages::dedup::MatchKind;
    use crate::stages::source::checkpoint::{self, FileCheckpoint, Tracker};
    use crate::stages::source::feed::{self, FeedChanges, FeedMemory};
    use crate::state::part;

    /// One commit of every component's state, as the committer writes it.
    fn commit<P: Persist>(s: &StateStore, component: Arc<P>) {
        s.commit(&[part(component)], &[]).unwrap();
    }

    fn record(seq: u64, id: &str) -> DedupRecord {
        DedupRecord {
            seq,
            seen_at: seq as i64 * 10,
            id: id.into(),
            story: 9,
            exact: seq,
            sketch: crate::stages::dedup::Sketcher::new(3).sketch(["some words in a body"]).map(|s| s.sketch),
            lead_keys: vec![1, 2, 3],
        }
    }

    /// Component `P` whose next changes are the ones given.
    struct Given<P: Persist>(Mutex<Option<P::Changes>>, std::marker::PhantomData<P>);

    fn given<P: Persist>(changes: P::Changes) -> Arc<Given<P>> {
        Arc::new(Given(Mutex::new(Some(changes)), std::marker::PhantomData))
    }

    impl<P: Persist> Persist for Given<P>
    where
        P::Changes: Default,
    {
        type Changes = P::Changes;

        fn take(&self) -> P::Changes {
            self.0.lock().unwrap().take().unwrap_or_default()
        }

        fn is_empty(changes: &P::Changes) -> bool {
            P::is_empty(changes)
        }

        fn write(changes: &P::Changes, txn: &WriteTransaction) -> Result<(), redb::Error> {
            P::write(changes, txn)
        }

        fn requeue(&self, _: P::Changes) {}
    }

    #[test]
    fn every_component_round_trips_through_the_store() {
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
            let changes = DedupChanges {
                added: vec![record(2, "b"), record(1, "a")],
                removed: 0..0,
                in_flight: vec![InFlight { seq: 2, origin: 5, kind: MatchKind::New, similarity: 0.0 }],
                landed: vec![],
            };
            commit(&s, given::<Mutex<StoryIndex>>(changes));
            commit(&s, given::<Tracker>(vec![(key, Some(cp.clone()))]));
            commit(&s, given::<FeedMemory>(FeedChanges { added: vec![(7, 100), (8, 200)], removed: vec![] }));
        }
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(checkpoint::load(&s).unwrap(), vec![(key, cp)]);
        let mut d = vec![];
        load(&s, |r| d.push(r)).unwrap();
        assert_eq!(d.iter().map(|r| &*r.id).collect::<Vec<_>>(), ["a", "b"]);
        assert!(d[0].sketch.is_some());
        assert_eq!(feed::load(&s).unwrap(), [(7, 100), (8, 200)]);
        assert_eq!(load_in_flight(&s).unwrap().iter().map(|f| (f.seq, f.origin)).collect::<Vec<_>>(), [(2, 5)]);
        let changes = DedupChanges { added: vec![], removed: 0..2, in_flight: vec![], landed: vec![2] };
        commit(&s, given::<Mutex<StoryIndex>>(changes));
        commit(&s, given::<Tracker>(vec![(key, None)]));
        commit(&s, given::<FeedMemory>(FeedChanges { added: vec![], removed: vec![7] }));
        assert!(checkpoint::load(&s).unwrap().is_empty());
        assert_eq!(feed::load(&s).unwrap(), [(8, 200)]);
        assert!(load_in_flight(&s).unwrap().is_empty());
        assert_eq!(load(&s, |_| {}).unwrap(), 1);
        assert_eq!(reset(&s).unwrap(), 1);
        assert_eq!(load(&s, |_| {}).unwrap(), 0);
        assert_eq!(reset(&s).unwrap(), 0);
    }

    #[test]
    fn damaged_dedup_entry_names_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        s.write(|txn| {
            txn.open_table(DEDUP)?.insert(5, b"\x01garbage".as_slice())?;
            Ok(())
        })
        .unwrap();
        let msg = load(&s, |_| {}).unwrap_err().to_string();
        assert!(msg.contains("damaged dedup entry 5") && msg.contains("newsmill reset-dedup"), "{msg}");
        assert_eq!(reset(&s).unwrap(), 1);
        assert_eq!(load(&s, |_| {}).unwrap(), 0);
    }

    #[test]
    fn sketch_fingerprint_is_swapped_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateStore::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(swap_sketch_fingerprint(&s, 7).unwrap(), None);
        assert_eq!(swap_sketch_fingerprint(&s, 8).unwrap(), Some(7));
        reset(&s).unwrap();
        assert_eq!(swap_sketch_fingerprint(&s, 9).unwrap(), None);
    }
}
