//! Names the pooled thread a stage's worker runs on (`clean-0`, `extract-1`, `sink-0`), so that
//! `top -H`, `ps -L`, `perf` and `/proc/PID/task/*/comm` tell an operator which stage spends the
//! CPU, sleeps or is switched out. The workers run on tokio's blocking pool, whose threads are all
//! called `tokio-rt-worker`; the name is given back when the worker ends, as the thread goes back
//! to its pool.

/// Longest thread name Linux keeps, in bytes (16 with the terminating NUL).
const MAX_NAME_BYTES: usize = 15;

/// Names the calling thread `{stage}-{worker}` until the guard is dropped. Best effort: where the
/// system has no thread names, or refuses, nothing changes.
pub(crate) fn enter(stage: &str, worker: usize) -> Guard {
    // A stage name too long for the limit loses its end, never the worker's number.
    let number = format!("-{worker}");
    let mut cut = MAX_NAME_BYTES.saturating_sub(number.len()).min(stage.len());
    while !stage.is_char_boundary(cut) {
        cut -= 1;
    }
    let name = format!("{}{number}", &stage[..cut]);
    let before = current();
    let renamed = before.is_some() && set(name.as_bytes());
    Guard { restore: if renamed { before } else { None } }
}

/// Gives the thread its pool's name back when dropped.
#[derive(Debug)]
pub(crate) struct Guard {
    restore: Option<Vec<u8>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(name) = self.restore.take() {
            set(&name);
        }
    }
}

/// The calling thread's name as the system holds it.
#[cfg(target_os = "linux")]
fn current() -> Option<Vec<u8>> {
    let mut buf = [0u8; MAX_NAME_BYTES + 1];
    // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL included, into the buffer it is given,
    // which is 16 bytes long.
    let rc = unsafe { libc::prctl(libc::PR_GET_NAME, buf.as_mut_ptr() as libc::c_ulong, 0, 0, 0) };
    if rc != 0 {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(buf[..len].to_vec())
}

#[cfg(not(target_os = "linux"))]
fn current() -> Option<Vec<u8>> {
    None
}

/// Sets the calling thread's name (its first [`MAX_NAME_BYTES`] bytes; none may be NUL); whether
/// the system took it.
#[cfg(target_os = "linux")]
fn set(name: &[u8]) -> bool {
    if name.contains(&0) {
        return false;
    }
    let mut buf = [0u8; MAX_NAME_BYTES + 1];
    let len = name.len().min(MAX_NAME_BYTES);
    buf[..len].copy_from_slice(&name[..len]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes; `buf` is 16 bytes
    // and its last byte is always 0.
    let rc = unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr() as libc::c_ulong, 0, 0, 0) };
    if rc != 0 {
        tracing::debug!(name = %String::from_utf8_lossy(name), error = %std::io::Error::last_os_error(), "The system refused the worker's thread name.");
    }
    rc == 0
}

#[cfg(not(target_os = "linux"))]
fn set(_: &[u8]) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn name() -> String {
        String::from_utf8(current().unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn a_worker_thread_bears_its_stage_and_number_until_its_guard_drops() {
        std::thread::Builder::new()
            .name("pool-thread".into())
            .spawn(|| {
                assert_eq!(name(), "pool-thread");
                {
                    let _guard = enter("extract", 1);
                    assert_eq!(name(), "extract-1");
                }
                assert_eq!(name(), "pool-thread");
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn a_long_stage_name_is_cut_before_the_worker_number() {
        std::thread::spawn(|| {
            let _guard = enter("dead_letter_archive", 12);
            assert_eq!(name(), "dead_letter_-12");
        })
        .join()
        .unwrap();
    }
}
