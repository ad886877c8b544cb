//! End-to-end throughput benchmark: generates a backlog of page dumps shaped like the seed page,
//! runs `newsmill run --once` over it, and prints documents/s, MB/s and the daemon's peak RSS.
//!
//! `scripts/bench.sh [--docs N] [--dir DIR]` builds in release mode and runs this.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const WORDS: &str = "the of and to in a is that for on with as was by at from said it government officials \
    city council minister report new year people police court country president economy market company \
    would will has have been more than after about over also its into could their which this who other \
    two first last week month plans budget state public health school workers prices energy water project \
    local national international security defence agreement talks support growth trade rates bank data \
    million billion percent increase decrease election vote party leader opposition committee program \
    service system development research university study experts analysts residents community region \
    north south east west river bridge road traffic station airport port border coast island capital \
    statement announcement meeting conference summit visit treaty cooperation alliance military troops";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn sentence(rng: &mut Rng, words: &[&str], n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let w = words[rng.below(words.len())];
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s
}

fn page(i: usize, rng: &mut Rng, words: &[&str]) -> String {
    let title_words = 6 + rng.below(5);
    let title = format!("{} {i}... {}", sentence(rng, words, title_words), sentence(rng, words, 4));
    let deck_words = 7 + rng.below(4);
    let deck = sentence(rng, words, deck_words);
    let mut out = format!("본문 바로가기\nbar_progress\n\nText Size\n\nClose\n\n{title}\n\n{deck}\n\n");
    let paragraphs = 8 + rng.below(13);
    for p in 0..paragraphs {
        let mut para = String::new();
        for _ in 0..2 + rng.below(4) {
            let n = 8 + rng.below(13);
            para.push_str(&sentence(rng, words, n));
            para.push_str(". ");
        }
        out.push_str(para.trim_end());
        out.push_str("\n\n\n");
        if p == 1 {
            out.push_str(&format!("{title} {}.\n[Image source=Wire Photo {i}]\n\n", sentence(rng, words, 12)));
        }
    }
    out.push_str("© The Bench Daily(www.bench.example). All rights reserved.\n\nSpecial Coverage\n\n\nJoin us on social!\n\nTop\n");
    out
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let docs: usize = arg(&args, "--docs").map(|s| s.parse()).transpose()?.unwrap_or(120_000);
    let exe = std::env::current_exe()?;
    let target = exe.parent().and_then(Path::parent).ok_or("cannot find target dir")?;
    let dir = arg(&args, "--dir").map(PathBuf::from).unwrap_or_else(|| target.join("bench-pipeline"));
    let binary = target.join("newsmill");
    let inbox = dir.join("inbox");
    let marker = dir.join(format!("generated-{docs}"));
    if !marker.exists() {
        eprintln!("generating {docs} pages in {}", inbox.display());
        let _ = std::fs::remove_dir_all(&dir);
        let words: Vec<&str> = WORDS.split_whitespace().collect();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for i in 0..docs {
            let sub = inbox.join(format!("{:03}", i / 1000));
            if i % 1000 == 0 {
                std::fs::create_dir_all(&sub)?;
            }
            std::fs::write(sub.join(format!("page-{i:07}.txt")), page(i, &mut rng, &words))?;
        }
        std::fs::write(&marker, b"")?;
    }
    // Read every input once so that the timed run finds them in the page cache: this measures
    // newsmill, not the disk (a build or another job may have evicted them since the last run).
    let mut bytes = 0u64;
    for sub in std::fs::read_dir(&inbox)? {
        for f in std::fs::read_dir(sub?.path())? {
            bytes += std::fs::read(f?.path())?.len() as u64;
        }
    }
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let _ = std::fs::remove_dir_all(dir.join("state"));
    let config = dir.join("bench.toml");
    let mut f = std::fs::File::create(&config)?;
    writeln!(
        f,
        "[source]\npaths = [\"{}\"]\n[sink]\npath = \"{}\"\n[dead_letter]\npath = \"{}\"\n[state]\ndir = \"{}\"\n[log]\nlevel = \"warn\"",
        inbox.display(),
        dir.join("out/articles.jsonl").display(),
        dir.join("out/rejected.jsonl").display(),
        dir.join("state").display()
    )?;
    let started = Instant::now();
    let child = Command::new(&binary)
        .args(["run", "--once", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let pid = i32::try_from(child.id())?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child; status and usage are valid out-pointers.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    if rc != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("newsmill failed (status {status})").into());
    }
    let written = std::fs::read_to_string(dir.join("out/articles.jsonl"))?.lines().count();
    let rejected = std::fs::read_to_string(dir.join("out/rejected.jsonl")).map(|s| s.lines().count()).unwrap_or(0);
    let mb = bytes as f64 / 1e6;
    println!("documents      {docs} ({written} written, {rejected} rejected)");
    println!("input          {mb:.1} MB");
    println!("wall time      {secs:.2} s");
    println!("throughput     {:.0} docs/s, {:.1} MB/s", docs as f64 / secs, mb / secs);
    println!("peak RSS       {:.1} MB", usage.ru_maxrss as f64 / 1024.0);
    Ok(())
}
