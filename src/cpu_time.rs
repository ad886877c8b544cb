//! CPU time as the kernel counts it, for the thread that asks and for the whole process: each
//! stage's workers add what they spend to their stage's counter, so that `/status`, `/metrics`
//! and the end of `run --once` say which stage the CPU goes to, and how much goes to none of
//! them (the runtime's threads: scanning, commits, status), without a profiler.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// CPU time the calling thread has used since it started; `None` where the system cannot say.
pub(crate) fn thread_now() -> Option<Duration> {
    #[cfg(unix)]
    {
        clock(libc::CLOCK_THREAD_CPUTIME_ID)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// CPU time the whole process has used since it started, every thread together.
pub fn process_now() -> Option<Duration> {
    #[cfg(unix)]
    {
        clock(libc::CLOCK_PROCESS_CPUTIME_ID)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Whole milliseconds of `d`, as the run's summary gives CPU time.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// [`process_now`] in whole milliseconds (0 where the system cannot say), for the run's summary.
pub fn process_ms() -> u64 {
    millis(process_now().unwrap_or_default())
}

/// Spends `until` of the calling thread's CPU (for tests of what is charged).
#[cfg(test)]
pub(crate) fn spin(until: Duration) -> u64 {
    let start = thread_now().unwrap_or_default();
    let mut x = 1u64;
    while thread_now().unwrap_or(until + start).saturating_sub(start) < until {
        for _ in 0..1000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
    x
}

#[cfg(unix)]
fn clock(id: libc::clockid_t) -> Option<Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for clock_gettime to fill.
    let rc = unsafe { libc::clock_gettime(id, &mut ts) };
    (rc == 0).then(|| Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), u32::try_from(ts.tv_nsec).unwrap_or(0)))
}

/// Charges the CPU time one thread spends to a counter, in nanoseconds, from one reading to the
/// next. Reading the clock is a system call (a fraction of a microsecond), so a worker charges
/// before it waits for input and every [`Meter::EVERY`] items while it is busy, not per item.
pub(crate) struct Meter {
    last: Option<Duration>,
    since: u32,
}

impl Meter {
    /// Items a busy worker handles between two readings: the counter lags a busy stage by about
    /// this many items' time.
    pub(crate) const EVERY: u32 = 32;

    /// Starts counting from now, on the calling thread.
    pub(crate) fn start() -> Self {
        Self { last: thread_now(), since: 0 }
    }

    /// One item done: charges what was spent since the last reading once every
    /// [`Meter::EVERY`] items.
    pub(crate) fn item(&mut self, into: &AtomicU64) {
        self.since += 1;
        if self.since >= Self::EVERY {
            self.charge(into);
        }
    }

    /// Charges what the thread spent since the last reading.
    pub(crate) fn charge(&mut self, into: &AtomicU64) {
        self.since = 0;
        let (Some(last), Some(now)) = (self.last, thread_now()) else { return };
        let spent = now.saturating_sub(last);
        into.fetch_add(u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_meter_charges_the_cpu_its_thread_spent_and_not_what_it_slept() {
        let counter = AtomicU64::new(0);
        let mut meter = Meter::start();
        spin(Duration::from_millis(30));
        std::thread::sleep(Duration::from_millis(50));
        meter.charge(&counter);
        let spent = Duration::from_nanos(counter.load(Ordering::Relaxed));
        assert!(spent >= Duration::from_millis(30), "{spent:?}");
        // Sleeping costs no CPU: what was charged is the spinning, far from the 80 ms that passed.
        assert!(spent < Duration::from_millis(70), "{spent:?}");
        // Another thread's work is not this thread's.
        std::thread::spawn(|| spin(Duration::from_millis(30))).join().ok();
        meter.charge(&counter);
        assert!(Duration::from_nanos(counter.load(Ordering::Relaxed)) < Duration::from_millis(70));
        // ...but it is the process'.
        assert!(process_now().is_some_and(|p| p >= Duration::from_millis(60)));
    }

    #[cfg(unix)]
    #[test]
    fn a_busy_worker_is_charged_every_so_many_items() {
        let counter = AtomicU64::new(0);
        let mut meter = Meter::start();
        spin(Duration::from_millis(5));
        for _ in 0..Meter::EVERY - 1 {
            meter.item(&counter);
        }
        assert_eq!(counter.load(Ordering::Relaxed), 0, "not yet read");
        meter.item(&counter);
        assert!(counter.load(Ordering::Relaxed) >= 5_000_000);
    }
}
