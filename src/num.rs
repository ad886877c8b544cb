//! Non-zero constants for config defaults.

use std::num::{NonZeroU64, NonZeroUsize};

/// `n` as a non-zero count (1 for 0).
pub(crate) const fn nz(n: usize) -> NonZeroUsize {
    match NonZeroUsize::new(n) {
        Some(v) => v,
        None => NonZeroUsize::MIN,
    }
}

/// `n` as a non-zero quantity (1 for 0).
pub(crate) const fn nz64(n: u64) -> NonZeroU64 {
    match NonZeroU64::new(n) {
        Some(v) => v,
        None => NonZeroU64::MIN,
    }
}
