//! Sets and maps keyed by values that are hashes already (the xxh3 of a line or of a term): the
//! standard hasher would hash them again, for every line of every page.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes a `u64` key as itself.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; anything else is folded in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A set of hashes.
pub(super) type HashedSet = HashSet<u64, BuildHasherDefault<KeyHasher>>;

/// A map keyed by hashes.
pub(super) type HashedMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;
