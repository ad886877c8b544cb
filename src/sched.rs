//! How the pipeline's worker threads ask the operating system to schedule them: as ordinary
//! threads, or (Linux) as batch work.
//!
//! Each stage has worker threads of its own, so a busy pipeline has more runnable threads than
//! cores. Under the default policy a worker woken by a document preempts the one running, and a
//! core switches between workers every fraction of a millisecond, each switch costing the caches
//! their warm state. Threads under `SCHED_BATCH` do not preempt on wakeup: a worker runs until it
//! blocks or its time slice ends, and the daemon's other threads (commits, `/health`) still
//! preempt the workers as before.

use serde::{Deserialize, Serialize};

/// The scheduling policy of the pipeline's worker threads (`[runtime] worker_scheduling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduling {
    /// As every other thread.
    Normal,
    /// `SCHED_BATCH` on Linux (a woken worker does not preempt a running thread); as `normal`
    /// elsewhere.
    #[default]
    Batch,
}

impl Scheduling {
    /// Applies this to the calling thread until the guard is dropped, so that a pooled thread
    /// goes back to its pool as it came. Best effort: where the system refuses, the thread stays
    /// as it was (and a debug event says why).
    pub(crate) fn enter(self) -> Guard {
        Guard { restore: self != Scheduling::Normal && set_current(self) }
    }
}

/// Puts the thread back to the normal policy when dropped.
#[derive(Debug)]
pub(crate) struct Guard {
    restore: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.restore {
            set_current(Scheduling::Normal);
        }
    }
}

/// Sets the calling thread's policy; whether the system accepted it.
#[cfg(target_os = "linux")]
fn set_current(s: Scheduling) -> bool {
    let policy = match s {
        Scheduling::Normal => libc::SCHED_OTHER,
        Scheduling::Batch => libc::SCHED_BATCH,
    };
    // Both policies take priority 0.
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread; `param` is a valid `sched_param` the call only reads.
    let rc = unsafe { libc::sched_setscheduler(0, policy, &param) };
    if rc != 0 {
        tracing::debug!(policy = ?s, error = %std::io::Error::last_os_error(), "The system refused the worker's scheduling policy.");
    }
    rc == 0
}

#[cfg(not(target_os = "linux"))]
fn set_current(_: Scheduling) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn policy() -> i32 {
        // SAFETY: pid 0 is the calling thread.
        unsafe { libc::sched_getscheduler(0) }
    }

    #[test]
    fn a_batch_worker_thread_is_batch_until_its_guard_drops() {
        std::thread::spawn(|| {
            assert_eq!(policy(), libc::SCHED_OTHER);
            {
                let _guard = Scheduling::Batch.enter();
                assert_eq!(policy(), libc::SCHED_BATCH);
            }
            assert_eq!(policy(), libc::SCHED_OTHER);
            let _guard = Scheduling::Normal.enter();
            assert_eq!(policy(), libc::SCHED_OTHER);
        })
        .join()
        .unwrap();
    }
}
