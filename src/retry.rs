//! Retrying an operation that fails for a while (a full disk, an output that is away) without
//! ever giving up on the record: the one backoff every writer uses.

use std::time::Duration;

/// The first wait after a failure.
const FIRST: Duration = Duration::from_millis(100);
/// The longest wait between tries.
const LONGEST: Duration = Duration::from_secs(5);

/// Calls `attempt` until it succeeds, on a blocking thread: after a failure it waits 100 ms, then
/// twice as long after each next one, up to 5 s. `failed` hears of each failure and the wait
/// before the next try (to log it). An attempt that must give up on its own returns that as
/// its `Ok` value.
pub(crate) fn blocking<T, E>(mut attempt: impl FnMut() -> Result<T, E>, mut failed: impl FnMut(&E, Duration)) -> T {
    let mut delay = FIRST;
    loop {
        match attempt() {
            Ok(t) => return t,
            Err(e) => {
                failed(&e, delay);
                std::thread::sleep(delay);
                delay = (delay * 2).min(LONGEST);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tries_until_it_works_and_reports_each_failure_with_a_growing_wait() {
        let mut tries = 0;
        let mut waits = Vec::new();
        let got = super::blocking(
            || {
                tries += 1;
                if tries < 3 { Err(tries) } else { Ok("done") }
            },
            |e, wait| waits.push((*e, wait.as_millis())),
        );
        assert_eq!(got, "done");
        assert_eq!(waits, [(1, 100), (2, 200)]);
    }
}
