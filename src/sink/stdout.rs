//! The `stdout` output: one JSON object per line on standard output, for piping newsmill into
//! `jq` or another tool (logs go to stderr). A flush hands the buffered lines to the pipe; what a
//! crash cut off after the last commit is written again on restart, so the stream is
//! at-least-once (a pipe cannot take lines back). The position it commits is the bytes written.

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::{Record, Sink, SinkError, SinkFlushed};
use crate::record::Ticket;

/// `kind = "stdout"`.
pub(crate) struct StdoutKind;

impl super::Kind for StdoutKind {
    fn place(&self, _settings: &super::OutputSettings) -> String {
        "stdout".into()
    }

    fn clash(
        &self,
        _articles: &super::OutputSettings,
        _rejections: &super::OutputSettings,
    ) -> Option<(&'static str, String)> {
        Some((
            "kind",
            "articles and rejections would share standard output; give the dead letter a file (`jsonl`)".into(),
        ))
    }

    fn open(&self, settings: &super::OutputSettings, _committed: Option<&[u8]>) -> Result<Arc<dyn Sink>, SinkError> {
        Ok(Arc::new(Stdout::new(settings.buffer_bytes)))
    }
}

/// Standard output as an output.
pub struct Stdout {
    buffer_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Lines not yet handed to standard output.
    buf: Vec<u8>,
    /// Tickets of the records written since the last flush.
    tickets: Vec<Ticket>,
    /// Bytes handed over since start.
    written: u64,
}

impl Stdout {
    /// Buffers at most `buffer_bytes` of lines between flushes before writing them out.
    pub fn new(buffer_bytes: usize) -> Self {
        Self { buffer_bytes, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    /// Hands the buffer to standard output; on failure what was not taken stays buffered, so no
    /// line is written twice or cut.
    fn write_out(&mut self) -> Result<(), SinkError> {
        let io = |source| SinkError::Io { path: "(standard output)".into(), source };
        let mut out = std::io::stdout().lock();
        while !self.buf.is_empty() {
            match out.write(&self.buf) {
                Ok(0) => return Err(io(std::io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.buf.drain(..n);
                    self.written += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        out.flush().map_err(io)
    }
}

impl Sink for Stdout {
    fn write(&self, record: Record<'_>) -> Result<(), SinkError> {
        let mut line = serde_json::to_vec(&record)?;
        line.push(b'\n');
        let mut inner = self.lock();
        if !inner.buf.is_empty() && inner.buf.len() + line.len() > self.buffer_bytes {
            inner.write_out()?;
        }
        inner.buf.extend_from_slice(&line);
        inner.tickets.extend(record.ticket());
        Ok(())
    }

    fn flush(&self) -> Result<SinkFlushed, SinkError> {
        let mut inner = self.lock();
        inner.write_out()?;
        let tickets = std::mem::take(&mut inner.tickets);
        Ok(SinkFlushed { tickets, position: inner.written.to_le_bytes().to_vec() })
    }

    fn committed(&self, _position: &[u8]) {}

    fn bytes_written(&self) -> u64 {
        self.lock().written
    }
}
