//! Faults around the daemon: a missing or damaged state, a full output disk, input files deleted,
//! replaced and rotated under it. Each runs the real binary.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Scratch, page, wait_for};

fn json_line(id: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"text\":\"A line of prose about {id} that is long enough to be kept as an article.\"}}\n"
    )
}

fn ids(values: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = values.iter().filter_map(|a| a["id"].as_str().map(str::to_string)).collect();
    v.sort();
    v
}

#[test]
fn missing_state_with_existing_output_is_refused_with_the_way_out() {
    let s = Scratch::new("");
    s.drop_file("a.txt", page(1));
    s.run_once();
    assert_eq!(s.articles().len(), 1);
    std::fs::remove_dir_all(s.root().join("state")).unwrap();
    let out = s.cmd(&["run", "--once", "--config", s.config.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newsmill.redb") && err.contains("articles.jsonl") && err.contains("move"), "{err}");
    assert!(!s.root().join("state/newsmill.redb").exists(), "no empty state was left behind to start from");
    assert_eq!(s.articles().len(), 1, "nothing was written twice");
}

#[test]
fn damaged_state_is_refused_with_the_way_out() {
    let s = Scratch::new("");
    std::fs::create_dir_all(s.root().join("state")).unwrap();
    std::fs::write(s.root().join("state/newsmill.redb"), b"not a database, just some bytes that look wrong").unwrap();
    let out = s.cmd(&["run", "--once", "--config", s.config.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newsmill.redb") && err.contains("move it aside"), "{err}");
}

#[test]
fn inputs_deleted_replaced_and_rotated_while_the_daemon_runs() {
    let s = Scratch::new("");
    let d = s.spawn();
    // Rotation by rename: the old file moves aside (and is not read again), a new one takes its name.
    s.drop_file("app.jsonl", json_line("r1") + &json_line("r2"));
    wait_for(Duration::from_secs(60), || (s.articles().len() == 2).then_some(())).expect("first lines");
    std::fs::rename(s.inbox().join("app.jsonl"), s.inbox().join("app.jsonl.1")).unwrap();
    s.drop_file("app.jsonl", json_line("r3"));
    // Replaced under the same name with other content: a new file, read from its start.
    s.drop_file("page.txt", page(7));
    wait_for(Duration::from_secs(60), || (s.articles().len() == 4).then_some(())).expect("rotated and page");
    s.drop_file("page.txt", page(8));
    // Deleted: its position is forgotten; nothing it held is lost or repeated.
    s.drop_file("gone.jsonl", json_line("g1"));
    wait_for(Duration::from_secs(60), || (s.articles().len() == 6).then_some(())).expect("replaced page and g1");
    std::fs::remove_file(s.inbox().join("gone.jsonl")).unwrap();
    s.drop_file("after.jsonl", json_line("a1"));
    wait_for(Duration::from_secs(60), || (s.articles().len() == 7).then_some(())).expect("after deletion");
    assert_eq!(d.stop(), Some(0));
    let articles = s.articles();
    let got = ids(&articles);
    let pages = articles.iter().filter(|a| a["source"]["path"].as_str().unwrap().ends_with("page.txt")).count();
    assert_eq!(pages, 2, "both versions of the replaced page");
    assert_eq!(got.len(), 7, "{got:?}");
    for id in ["a1", "g1", "r1", "r2", "r3"] {
        assert_eq!(got.iter().filter(|g| *g == id).count(), 1, "{id} in {got:?}");
    }
    // A restart reads nothing again.
    s.run_once();
    assert_eq!(s.articles().len(), 7);
}

/// A small filesystem for the output, or `None` (with the reason printed) where mounting is not
/// allowed. CI runs as root, where it must work.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, bytes: u64) -> Option<Self> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            Some(Self(dir.to_path_buf()))
        } else {
            let msg = "skipping: cannot mount a tmpfs here (needs root) to fill a disk";
            assert!(std::env::var_os("NEWSMILL_REQUIRE_SERVICES").is_none(), "{msg}");
            eprintln!("{msg}");
            None
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn full_output_disk_stalls_then_resumes_without_losing_or_repeating() {
    let s = Scratch::new("[sink]\nbuffer_bytes = 4096\n[log]\nlevel = \"warn\"\n");
    let out = s.root().join("out");
    let Some(_fs) = Tmpfs::mount(&out, 256 * 1024) else { return };
    // Fill the disk but for a few KB.
    let filler = out.join("filler");
    let mut fill = vec![b'x'; 256 * 1024 - 8 * 1024];
    while std::fs::write(&filler, &fill).is_err() {
        fill.truncate(fill.len() - 4096);
    }
    let lines: String = (0..400).map(|i| json_line(&format!("d{i:03}"))).collect();
    s.drop_file("many.jsonl", &lines);
    let d = s.spawn();
    // It writes what fits, then stalls and says why.
    wait_for(Duration::from_secs(60), || s.log().contains("No space left").then_some(())).expect("a disk-full error");
    let stalled = s.articles().len();
    assert!(stalled < 400, "the disk could not hold everything");
    std::fs::remove_file(&filler).unwrap();
    wait_for(Duration::from_secs(90), || (s.articles().len() >= 400).then_some(()))
        .unwrap_or_else(|| panic!("did not resume: {} articles; log:\n{}", s.articles().len(), s.log()));
    assert_eq!(d.stop(), Some(0));
    let got = ids(&s.articles());
    let want: Vec<String> = (0..400).map(|i| format!("d{i:03}")).collect();
    assert_eq!(got, want, "every line exactly once");
}
