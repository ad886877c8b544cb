//! A value that worker threads use at the same time, copied once for each thread that uses it.
//!
//! `regex` keeps a compiled pattern's scratch space in a pool whose fast path serves only the
//! thread that searched first; every other thread locks the pool to borrow scratch space and
//! again to give it back, on every search (regex's documentation advises a clone per thread where
//! that matters). The clean and extract workers are threads of their own sharing one set of rules
//! and the date patterns: on `run --once` over text dumps those locks and the waits on them took
//! about 3% of the daemon's CPU (`perf record`). A clone has its own pool and shares the compiled
//! program, so a copy per thread costs one pool each.

use std::fmt;
use std::ops::Deref;

use thread_local::ThreadLocal;

/// `T`, with a copy of its own for every thread that reads it (made on the thread's first read).
pub struct PerThread<T: Clone + Send> {
    first: T,
    copies: ThreadLocal<T>,
}

impl<T: Clone + Send> PerThread<T> {
    /// Hands out copies of `value`.
    pub fn new(value: T) -> Self {
        Self { first: value, copies: ThreadLocal::new() }
    }
}

impl<T: Clone + Send> Deref for PerThread<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.copies.get_or(|| self.first.clone())
    }
}

impl<T: Clone + Send> Clone for PerThread<T> {
    fn clone(&self) -> Self {
        Self::new(self.first.clone())
    }
}

impl<T: Clone + Send + fmt::Debug> fmt::Debug for PerThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.first.fmt(f)
    }
}

impl<T: Clone + Send> From<T> for PerThread<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_reads_a_copy_of_its_own_and_the_same_value() {
        let shared = PerThread::new(regex::Regex::new(r"\d+").unwrap_or_else(|e| panic!("{e}")));
        let here: *const regex::Regex = &*shared;
        assert!(std::ptr::eq(here, &*shared), "a thread keeps its copy");
        std::thread::scope(|s| {
            let there = s.spawn(|| {
                (&*shared as *const regex::Regex as usize, shared.find("ab 42").map(|m| m.as_str().to_owned()))
            });
            let (ptr, found) = there.join().unwrap_or_else(|_| panic!("thread panicked"));
            assert_ne!(ptr, here as usize, "another thread has its own copy");
            assert_eq!(found.as_deref(), Some("42"));
        });
        assert_eq!(shared.find("x 7").map(|m| m.as_str()), Some("7"));
    }
}
