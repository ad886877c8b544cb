//! `newsmill top`: polls a running daemon's `/status` and shows, per stage, throughput and queue
//! depths, refreshed in place (in the spirit of `vector top`); and the progress line of
//! `run --once` on a terminal. Both read the same [`Status`](crate::status::Status) figures.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Why `/status` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TopError {
    /// No connection or no answer.
    #[error("cannot reach newsmill at {addr}: {source} (is the daemon running with [metrics] enabled?)")]
    Connect {
        /// The address tried.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// An answer that is not a status.
    #[error("unexpected answer from {addr}: {reason}")]
    Answer {
        /// The address.
        addr: String,
        /// What was wrong.
        reason: String,
    },
}

/// Reads `/status` from the daemon at `addr` (a plain HTTP/1.1 request on loopback).
pub(crate) fn fetch_status(addr: &str) -> Result<Value, TopError> {
    let connect = |source| TopError::Connect { addr: addr.to_string(), source };
    let answer = |reason: String| TopError::Answer { addr: addr.to_string(), reason };
    let sock: std::net::SocketAddr = addr.parse().map_err(|e| answer(format!("bad address: {e}")))?;
    let mut s = std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(2)).map_err(connect)?;
    s.set_read_timeout(Some(Duration::from_secs(5))).map_err(connect)?;
    write!(s, "GET /status HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").map_err(connect)?;
    let mut raw = Vec::new();
    s.take(16 << 20).read_to_end(&mut raw).map_err(connect)?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(|| answer("no HTTP response".into()))?;
    if head.split_whitespace().nth(1) != Some("200") {
        return Err(answer(head.lines().next().unwrap_or_default().to_string()));
    }
    serde_json::from_str(body).map_err(|e| answer(format!("not JSON: {e}")))
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// The table `top` shows: one row per stage with its rate since `prev` (taken `elapsed` before).
pub(crate) fn render(prev: Option<&Value>, cur: &Value, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let mut out = String::new();
    let ready = if cur["ready"] == true { "ready" } else { "NOT READY (outputs or state not writable)" };
    // The role, and in the dedup role where it stands in the internal stream.
    let role = &cur["role"];
    let role = match (role["role"].as_str(), role["position"].as_u64()) {
        (Some(name), Some(pos)) => format!(
            "  role {name} ({})  position {pos}  lag {}",
            role["state"].as_str().unwrap_or("?"),
            n(&role["lag"])
        ),
        (Some(name), None) => format!("  role {name}"),
        _ => String::new(),
    };
    out.push_str(&format!(
        "newsmill {}  up {}s  config {}  {}{role}\n\n",
        cur["version"].as_str().unwrap_or("?"),
        n(&cur["uptime_secs"]),
        cur["config_hash"].as_str().unwrap_or("?"),
        ready
    ));
    out.push_str(&format!(
        "{:<12} {:>8} {:>12} {:>12} {:>10} {:>10} {:>9} {:>6}\n",
        "stage", "workers", "in/s", "received", "rejected", "dropped", "queue", "cpu%"
    ));
    let empty = Vec::new();
    let stages = cur["stages"].as_array().unwrap_or(&empty);
    // The share of one core a stage's workers used since the last poll (since start on the
    // first).
    let cpu = |v: &Value| v["cpu_seconds"].as_f64().unwrap_or(0.0);
    let cpu_secs = if prev.is_some() { secs } else { (n(&cur["uptime_secs"]) as f64).max(1.0) };
    for (i, st) in stages.iter().enumerate() {
        let before = prev.map(|p| n(&p["stages"][i]["received"])).unwrap_or(n(&st["received"]));
        let rate = n(&st["received"]).saturating_sub(before) as f64 / secs;
        let cpu_before = prev.map_or(0.0, |p| cpu(&p["stages"][i]));
        let busy = (cpu(st) - cpu_before).max(0.0) / cpu_secs * 100.0;
        let queue = if n(&st["queue_capacity"]) > 0 {
            format!("{}/{}", n(&st["queue_depth"]), n(&st["queue_capacity"]))
        } else {
            "-".into()
        };
        out.push_str(&format!(
            "{:<12} {:>8} {:>12.1} {:>12} {:>10} {:>10} {:>9} {:>6.0}\n",
            st["stage"].as_str().unwrap_or("?"),
            n(&st["workers"]),
            rate,
            n(&st["received"]),
            n(&st["rejected"]),
            n(&st["dropped"]),
            queue,
            busy
        ));
    }
    let d = &cur["dedup"];
    let src = &cur["source"];
    let sink = &cur["sink"];
    out.push_str(&format!(
        "\ndedup  held {}  stories {}  new {}  exact {}  near {}\n",
        n(&d["held"]),
        n(&d["stories"]),
        n(&d["new"]),
        n(&d["exact"]),
        n(&d["near"])
    ));
    out.push_str(&format!(
        "source files {}  unread {} B  uncommitted {} B  in flight {}\n",
        n(&src["files"]),
        n(&src["unread_bytes"]),
        n(&src["uncommitted_bytes"]),
        n(&src["in_flight"])
    ));
    out.push_str(&format!(
        "sink   {} B written  commits {} ok / {} failed  reloads {} ok / {} failed\n",
        n(&sink["bytes"]),
        n(&sink["commits_ok"]),
        n(&sink["commits_failed"]),
        n(&cur["reloads"]["ok"]),
        n(&cur["reloads"]["failed"])
    ));
    out
}

/// Polls `addr` every `interval` and redraws the table until interrupted (or once).
pub fn run(addr: &str, interval: Duration, once: bool) -> Result<(), TopError> {
    let mut prev: Option<(Value, Instant)> = None;
    let stdout = std::io::stdout();
    loop {
        let cur = fetch_status(addr)?;
        let now = Instant::now();
        let elapsed = prev.as_ref().map_or(Duration::from_secs(1), |(_, at)| now - *at);
        let table = render(prev.as_ref().map(|(v, _)| v), &cur, elapsed);
        let mut out = stdout.lock();
        if once {
            let _ = out.write_all(table.as_bytes());
            return Ok(());
        }
        // Home the cursor and clear the screen, then draw.
        let _ = write!(out, "\x1b[H\x1b[2J{table}\n(ctrl-c to quit)\n");
        let _ = out.flush();
        drop(out);
        prev = Some((cur, now));
        std::thread::sleep(interval);
    }
}

/// The one-line progress of `run --once`: documents done, rate, and time left from the bytes
/// still to read and commit.
pub(crate) fn progress_line(docs: u64, rate: f64, remaining_bytes: u64, bytes_rate: f64) -> String {
    let eta = if bytes_rate > 0.0 && remaining_bytes > 0 {
        let secs = (remaining_bytes as f64 / bytes_rate).round() as u64;
        format!("ETA {}:{:02}", secs / 60, secs % 60)
    } else if remaining_bytes == 0 {
        "finishing".into()
    } else {
        "ETA --:--".into()
    };
    format!("{docs} documents  {rate:.0}/s  {:.1} MB left  {eta}", remaining_bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_rates_queues_and_totals() {
        let status = |received: u64, cpu: f64| {
            serde_json::json!({
                "version": "0.1.0", "uptime_secs": 9, "config_hash": "abc", "ready": true,
                "stages": [
                    {"stage": "source", "workers": 1, "received": received, "rejected": 1, "dropped": 0, "queue_depth": 0, "queue_capacity": 0},
                    {"stage": "clean", "workers": 2, "received": received, "rejected": 0, "dropped": 0, "queue_depth": 5, "queue_capacity": 64, "cpu_seconds": cpu}
                ],
                "dedup": {"held": 7, "stories": 6, "new": 6, "exact": 1, "near": 0},
                "source": {"files": 3, "unread_bytes": 10, "uncommitted_bytes": 0, "in_flight": 2},
                "sink": {"bytes": 100, "commits_ok": 4, "commits_failed": 0},
                "reloads": {"ok": 1, "failed": 0},
                "role": {"role": "dedup", "state": "standby", "position": 90, "lag": 12}
            })
        };
        let t = render(Some(&status(100, 1.0)), &status(300, 2.5), Duration::from_secs(2));
        let clean = t.lines().find(|l| l.starts_with("clean")).unwrap();
        assert!(clean.contains("100.0") && clean.contains("5/64") && clean.contains(" 2 "), "{clean}");
        // 1.5 CPU seconds in 2 s: three quarters of a core.
        assert!(clean.ends_with(" 75"), "{clean}");
        // On the first poll, the share since start (2.5 s over 9 s up).
        let first = render(None, &status(300, 2.5), Duration::from_secs(2));
        assert!(first.lines().find(|l| l.starts_with("clean")).unwrap().ends_with(" 28"), "{first}");
        assert!(t.contains("held 7") && t.contains("reloads 1 ok") && t.contains("ready"), "{t}");
        assert!(t.lines().next().unwrap().ends_with("role dedup (standby)  position 90  lag 12"), "{t}");
    }

    #[test]
    fn progress_line_says_time_left() {
        assert_eq!(progress_line(1500, 500.4, 3_000_000, 1_000_000.0), "1500 documents  500/s  3.0 MB left  ETA 0:03");
        assert!(progress_line(0, 0.0, 10, 0.0).ends_with("ETA --:--"));
    }
}
