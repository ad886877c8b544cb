//! Sinks: where finished articles go. A [`Sink`] buffers writes and makes them durable on
//! [`Sink::flush`], returning the tickets of the records it made durable so their input can be
//! acknowledged. The JSON-lines file sink is the default; brokers and databases implement the same
//! trait later without touching the stages.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tracing::warn;

use crate::record::{Article, Extracted, Reject, Ticket};
use crate::runner::{Outcome, Transform};

/// A sink failure (the record is retried, never dropped).
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// File I/O.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The record could not be serialized.
    #[error("cannot serialize record: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Where articles go.
pub trait Sink: Send + Sync + 'static {
    /// Buffers one article (may block briefly).
    fn write(&self, article: &Article) -> Result<(), SinkError>;
    /// Makes every buffered article durable; returns their tickets.
    fn flush(&self) -> Result<Vec<Ticket>, SinkError>;
}

/// An append-only JSON-lines file whose `flush` is a real fsync.
pub struct JsonlFile {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    writer: BufWriter<File>,
    written: Vec<Ticket>,
}

impl JsonlFile {
    /// Opens `path` for appending, creating it and its directory. A torn last line from a crash is
    /// cut off: it was never acknowledged, so its document will be read and written again.
    pub fn open(path: &Path) -> Result<Self, SinkError> {
        let io = |source| SinkError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new().create(true).read(true).append(true).open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len > 0 {
            let keep = complete_prefix_len(&mut file, len).map_err(io)?;
            if keep < len {
                warn!(path = %path.display(), bytes = len - keep, "Cutting a torn last line left by a crash.");
                file.set_len(keep).map_err(io)?;
                file.sync_all().map_err(io)?;
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner { writer: BufWriter::with_capacity(256 * 1024, file), written: Vec::new() }),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serializes `record` as one line and buffers it.
    pub fn append<T: Serialize>(&self, record: &T, ticket: Option<Ticket>) -> Result<(), SinkError> {
        let mut line = serde_json::to_vec(record)?;
        line.push(b'\n');
        let mut inner = self.lock();
        inner.writer.write_all(&line).map_err(|source| SinkError::Io { path: self.path.clone(), source })?;
        inner.written.extend(ticket);
        Ok(())
    }

    /// Writes out the buffer and fsyncs; returns the tickets of everything now durable.
    pub fn flush(&self) -> Result<Vec<Ticket>, SinkError> {
        let io = |source| SinkError::Io { path: self.path.clone(), source };
        let mut inner = self.lock();
        inner.writer.flush().map_err(io)?;
        inner.writer.get_ref().sync_data().map_err(io)?;
        Ok(std::mem::take(&mut inner.written))
    }
}

/// Length of the file up to and including its last newline.
fn complete_prefix_len(file: &mut File, len: u64) -> std::io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(pos) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + pos as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The default sink: one article per line in a local file.
pub struct JsonlSink {
    file: JsonlFile,
}

impl JsonlSink {
    /// Opens the output file.
    pub fn open(path: &Path) -> Result<Self, SinkError> {
        Ok(Self { file: JsonlFile::open(path)? })
    }
}

impl Sink for JsonlSink {
    fn write(&self, article: &Article) -> Result<(), SinkError> {
        self.file.append(article, article.ticket)
    }

    fn flush(&self) -> Result<Vec<Ticket>, SinkError> {
        self.file.flush()
    }
}

/// The sink stage: hands articles to a [`Sink`], retrying with backoff while it fails (a full disk
/// stalls the pipeline; it never loses the record).
pub struct SinkStage {
    sink: Arc<dyn Sink>,
}

impl SinkStage {
    /// Wraps a sink.
    pub fn new(sink: Arc<dyn Sink>) -> Self {
        Self { sink }
    }
}

impl Transform for SinkStage {
    type In = Extracted;
    type Out = ();
    const STAGE: &'static str = "sink";
    const BLOCKING: bool = true;

    fn process(&self, doc: Extracted) -> Result<Outcome<()>, Reject> {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.sink.write(&doc.article) {
                Ok(()) => return Ok(Outcome::Emit(())),
                Err(SinkError::Serialize(e)) => {
                    return Err(Reject::new("unserializable", e.to_string(), doc.article.id.clone()));
                }
                Err(error) => {
                    warn!(%error, doc = %doc.article.id, retry_in_ms = delay.as_millis() as u64, "Sink write failed; retrying.");
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_tail_is_cut_and_flush_returns_tickets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/a.jsonl");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{\"a\":1}\n{\"a\":").unwrap();
        let f = JsonlFile::open(&path).unwrap();
        let t = Ticket { file: crate::record::FileKey { dev: 1, ino: 2 }, generation: 1, start: 0, end: 5, item: 0 };
        f.append(&serde_json::json!({"b": 2}), Some(t)).unwrap();
        assert_eq!(f.flush().unwrap(), vec![t]);
        assert!(f.flush().unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}\n{\"b\":2}\n");
    }
}
