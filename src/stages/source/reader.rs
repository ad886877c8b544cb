//! Reading one input file into documents (sync; runs on the blocking pool). Whole-file formats
//! (`.txt`, `.html`, optionally gzipped) give one document per file; JSON lines give one per line
//! from a byte offset. Every way a file can be bad becomes a rejection with a reason, never a panic
//! and never a silent skip. Sizes are bounded before anything is held in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::charset::{Decoded, How, Sniff, decode_owned};
use super::config::ItemsWithoutText;
use super::feed::{FeedMemory, decode_feed_owned, parse};
use crate::record::{
    Document, FileKey, FileTicket, Format, InputMeta, Markup, Provenance, Rejection, Ticket, now_rfc3339,
};

/// Which reader a file needs, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    /// The document format.
    pub format: Format,
    /// Gzip-compressed.
    pub gzip: bool,
}

impl Kind {
    /// The kind of `path` by extension, `None` when newsmill does not read such files.
    pub fn of(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let (stem, gzip) = match name.strip_suffix(".gz") {
            Some(s) => (s.to_string(), true),
            None => (name, false),
        };
        let format = match stem.rsplit_once('.')?.1 {
            "txt" | "text" => Format::Text,
            "html" | "htm" | "xhtml" => Format::Html,
            "jsonl" | "ndjson" if !gzip => Format::Jsonl,
            "rss" | "atom" | "rdf" | "xml" | "feed" => Format::Feed,
            _ => return None,
        };
        Some(Kind { format, gzip })
    }

    /// One document per file.
    pub fn whole(self) -> bool {
        self.format != Format::Jsonl
    }
}

/// One unit of reading work.
#[derive(Debug, Clone)]
pub(crate) struct FileJob {
    /// The file.
    pub path: Arc<Path>,
    /// Its identity.
    pub key: FileKey,
    /// Checkpoint generation for tickets.
    pub generation: u64,
    /// First byte to read.
    pub from: u64,
    /// Size when planned.
    pub size: u64,
    /// Reader to use.
    pub kind: Kind,
    /// Take an unterminated last JSON line as final even when it does not parse (batch mode).
    pub final_read: bool,
    /// The feed items already handled (feeds skip them); `None` outside the daemon.
    pub feeds: Option<Arc<FeedMemory>>,
}

/// What reading produces.
#[derive(Debug)]
pub enum Emit {
    /// A document.
    Doc(Document),
    /// A bad input.
    Reject(Rejection),
}

/// Limits for reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest document in bytes.
    pub max_document_bytes: u64,
    /// Excerpt size in rejections.
    pub excerpt_bytes: usize,
    /// What becomes of a feed item with a headline but no text.
    pub items_without_text: ItemsWithoutText,
}

impl Limits {
    /// The limits `[source]` sets, with rejections quoting at most `excerpt_bytes`.
    pub fn new(source: &super::config::SourceConfig, excerpt_bytes: usize) -> Self {
        Self {
            max_document_bytes: source.max_document_bytes.get(),
            excerpt_bytes,
            items_without_text: source.feed_items_without_text,
        }
    }
}

/// Reads a whole file outside the daemon (no checkpoints): every document or rejection goes to
/// `emit`. Files of unknown kinds are read as page dumps.
pub fn read_file_once(path: &Path, limits: Limits, emit: &mut dyn FnMut(Emit) -> bool) -> std::io::Result<()> {
    let size = std::fs::metadata(path)?.len();
    let kind = Kind::of(path).unwrap_or(Kind { format: Format::Text, gzip: false });
    let job = FileJob::standalone(path, size, kind, true);
    read_job(&job, limits, emit);
    Ok(())
}

/// Stable id of a whole-file document: a hash of its path.
pub(crate) fn path_id(path: &Path) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(path.as_os_str().as_encoded_bytes()))
}

/// Reads a job, handing each document or rejection to `emit`, which returns false to stop early.
/// Returns the offset where the next read should start.
///
/// A panic while reading (a bug in a parser, on some input) is contained here: the part of the
/// file not yet handed out goes to the dead letter as `panic`, once, and the file counts as read
/// until it changes; the caller goes on to its next file.
pub(crate) fn read_job(job: &FileJob, limits: Limits, emit: &mut dyn FnMut(Emit) -> bool) -> u64 {
    let mut handed_out = job.from;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut tracking = |ev: Emit| {
            let ticket = match &ev {
                Emit::Doc(d) => Some(d.prov.ticket),
                Emit::Reject(r) => r.ticket,
            };
            let taken = emit(ev);
            // Only once taken: a panic inside `emit` leaves its document to the panic record.
            if let Some(Ticket::File(t)) = ticket {
                handed_out = handed_out.max(t.end);
            }
            taken
        };
        if job.kind.whole() { read_whole(job, limits, &mut tracking) } else { read_lines(job, limits, &mut tracking) }
    }));
    let panic = match result {
        Ok(next) => return next,
        Err(panic) => crate::logging::panic_message(panic.as_ref()),
    };
    metrics::counter!("newsmill_source_panics_total").increment(1);
    tracing::error!(path = %job.path.display(), from = handed_out, panic = %panic, "Reader panicked; the rest of the file goes to the dead letter.");
    let reason = format!("the reader panicked on this input (a bug; please report it): {panic}");
    let excerpt = read_excerpt(&job.path, handed_out, limits.excerpt_bytes);
    let ticket = job.ticket((handed_out, job.size), (handed_out, job.size.saturating_sub(handed_out)));
    let mut rejection = reject(job, Some(path_id(&job.path)), ticket, "panic", reason, &excerpt, limits);
    if handed_out >= job.size
        && let Emit::Reject(r) = &mut rejection
    {
        // Everything was handed out before the panic: the record has no bytes left to stand for.
        r.ticket = None;
    }
    emit(rejection);
    job.size.max(handed_out)
}

/// Up to `len` bytes of a file from `from`, for a rejection's excerpt (empty when unreadable).
fn read_excerpt(path: &Path, from: u64, len: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Ok(mut f) = File::open(path)
        && f.seek(SeekFrom::Start(from)).is_ok()
    {
        let _ = f.take(len as u64).read_to_end(&mut buf);
    }
    buf
}

impl FileJob {
    /// A job outside the daemon (no checkpoints, no feed memory): the whole of a file of `size`
    /// bytes read from its start.
    fn standalone(path: &Path, size: u64, kind: Kind, final_read: bool) -> Self {
        FileJob {
            path: path.into(),
            key: FileKey { dev: 0, ino: 0 },
            generation: 0,
            from: 0,
            size,
            kind,
            final_read,
            feeds: None,
        }
    }

    /// The ticket of a document occupying `range` of this file.
    fn ticket(&self, range: (u64, u64), doc: (u64, u64)) -> FileTicket {
        FileTicket {
            file: self.key,
            generation: self.generation,
            start: range.0,
            end: range.1,
            item: 0,
            doc_start: doc.0,
            doc_len: doc.1,
        }
    }
}

fn reject(
    job: &FileJob,
    id: Option<String>,
    ticket: FileTicket,
    kind: &'static str,
    reason: String,
    excerpt: &[u8],
    limits: Limits,
) -> Emit {
    let excerpt = String::from_utf8_lossy(&excerpt[..excerpt.len().min(limits.excerpt_bytes)]).into_owned();
    Emit::Reject(Rejection {
        id,
        path: job.path.display().to_string(),
        offset: (!job.kind.whole()).then_some(ticket.start),
        stage: "source",
        kind,
        reason,
        excerpt,
        rejected_at: now_rfc3339(),
        ticket: Some(Ticket::File(ticket)),
    })
}

fn read_whole(job: &FileJob, limits: Limits, emit: &mut dyn FnMut(Emit) -> bool) -> u64 {
    let id: Arc<str> = path_id(&job.path).into();
    let range = (0, job.size);
    // The file counts as read only if its one document (or rejection) was taken.
    let done = |taken: bool| if taken { job.size } else { job.from };
    let bad = |kind, reason: String, excerpt: &[u8]| {
        reject(job, Some(id.to_string()), job.ticket(range, (0, job.size)), kind, reason, excerpt, limits)
    };
    if job.size == 0 {
        return done(emit(bad("empty_file", "file is empty".into(), b"")));
    }
    let opened = match open_planned(job) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => return job.from,
        Err(e) => Err(e),
    };
    let bytes = match opened.and_then(|f| read_bounded(f, job.kind.gzip, limits.max_document_bytes)) {
        Ok(Bounded::Fits(b)) => b,
        Ok(Bounded::TooLarge(head)) => {
            let what = if job.kind.gzip { "decompressed size" } else { "size" };
            let reason = format!("{what} exceeds max_document_bytes ({})", limits.max_document_bytes);
            return done(emit(bad("too_large", reason, &head)));
        }
        Err(e) => {
            return done(emit(bad("unreadable", format!("cannot read file: {e}"), b"")));
        }
    };
    if job.kind.format == Format::Feed {
        return read_feed(job, limits, bytes, emit);
    }
    whole_from_bytes(job, id, limits, bytes, emit)
}

/// The one document of a page held in memory (a file's or a message's bytes).
fn whole_from_bytes(
    job: &FileJob,
    id: Arc<str>,
    limits: Limits,
    bytes: Vec<u8>,
    emit: &mut dyn FnMut(Emit) -> bool,
) -> u64 {
    let range = (0, job.size);
    let done = |taken: bool| if taken { job.size } else { job.from };
    let bad = |kind, reason: String, excerpt: &[u8]| {
        reject(job, Some(id.to_string()), job.ticket(range, (0, job.size)), kind, reason, excerpt, limits)
    };
    let excerpt = bytes[..bytes.len().min(64)].to_vec();
    let sniff = if job.kind.format == Format::Html { Sniff::Html } else { Sniff::Text };
    let decoded = match decode_owned(bytes, sniff) {
        Ok(d) => d,
        Err(e) => return done(emit(bad("binary", format!("not text: {e}"), &excerpt))),
    };
    note_dropped_controls(job, &decoded);
    let markup = if job.kind.format == Format::Html { Markup::Html } else { Markup::Text };
    let text = decoded.text;
    if text.trim().is_empty() {
        return done(emit(bad("no_text", "file has no text".into(), &excerpt)));
    }
    let prov =
        Provenance { id, path: job.path.clone(), offset: None, ticket: Ticket::File(job.ticket(range, (0, job.size))) };
    done(emit(Emit::Doc(Document {
        prov,
        format: job.kind.format,
        charset: decoded.charset,
        text,
        markup,
        meta: InputMeta::default(),
    })))
}

/// Reads one message of a broker as if it were the whole file `path` of `format`: a page
/// (`Text`, `Html`), a feed (every item), or one JSON object with the JSON-lines fields
/// (`Jsonl`). A page, or an object without an `id`, takes `id`. Documents and rejections go to
/// `emit` with file tickets over the payload, in order (the caller makes them its own).
pub fn read_message(
    path: &Path,
    id: &str,
    format: Format,
    bytes: Vec<u8>,
    limits: Limits,
    emit: &mut dyn FnMut(Emit) -> bool,
) {
    let size = bytes.len() as u64;
    let job = FileJob::standalone(path, size, Kind { format, gzip: false }, true);
    let whole = job.ticket((0, size), (0, size));
    if size > limits.max_document_bytes {
        let reason = format!("message exceeds max_document_bytes ({})", limits.max_document_bytes);
        emit(reject(&job, Some(id.into()), whole, "too_large", reason, &bytes, limits));
        return;
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        emit(reject(&job, Some(id.into()), whole, "empty_message", "message has no content".into(), &bytes, limits));
        return;
    }
    match format {
        Format::Feed => {
            read_feed(&job, limits, bytes, emit);
        }
        Format::Jsonl => {
            let content = bytes.trim_ascii();
            emit(match parse_line(content) {
                Ok(parsed) => parsed.into_emit(&job, (0, size), (0, size), id.to_string()),
                Err((kind, reason)) => reject(&job, Some(id.into()), whole, kind, reason, content, limits),
            });
        }
        Format::Text | Format::Html => {
            whole_from_bytes(&job, id.into(), limits, bytes, emit);
        }
    }
}

/// Stray NULs and control characters the decoder dropped from real text: counted, not a reason
/// to reject it.
fn note_dropped_controls(job: &FileJob, decoded: &Decoded) {
    if decoded.dropped_controls > 0 {
        metrics::counter!("newsmill_source_control_chars_dropped_total").increment(decoded.dropped_controls as u64);
        tracing::debug!(path = %job.path.display(), dropped = decoded.dropped_controls, "Dropped control characters from the text.");
    }
}

/// "; undeclared encoding, decoded as X" when the encoding was guessed from the bytes: the first
/// thing to suspect when such a file does not read as expected.
fn encoding_note(decoded: &Decoded) -> String {
    match (decoded.how, decoded.charset) {
        (How::Detected, Some(c)) => format!("; undeclared encoding, decoded as {c}"),
        _ => String::new(),
    }
}

/// Every item of a feed not handled before, as a document or a rejection naming the item, read
/// one item at a time. Items get byte ranges that tile the file (the end of each item's markup,
/// scaled from the decoded text to the file's bytes), so the file's checkpoint completes once
/// all are durable; items handled before give their bytes to the next item's range.
fn read_feed(job: &FileJob, limits: Limits, bytes: Vec<u8>, emit: &mut dyn FnMut(Emit) -> bool) -> u64 {
    let head = bytes[..bytes.len().min(limits.excerpt_bytes)].to_vec();
    let whole = job.ticket((0, job.size), (0, job.size));
    let decoded = match decode_feed_owned(bytes) {
        Ok(d) => d,
        Err(e) => {
            let rejection =
                reject(job, Some(path_id(&job.path)), whole, "binary", format!("not text: {e}"), &head, limits);
            return if emit(rejection) { job.size } else { job.from };
        }
    };
    note_dropped_controls(job, &decoded);
    let text_len = decoded.text.len().max(1) as u128;
    let to_file = |offset: usize| u64::try_from(offset as u128 * u128::from(job.size) / text_len).unwrap_or(job.size);
    let mut prev_end = 0u64;
    let mut stopped = false;
    let mut rejected = 0usize;
    let parsed = parse::parse(&decoded.text, &mut |item, end, dialect| {
        if job.feeds.as_ref().is_some_and(|m| m.contains(item.key)) {
            return true;
        }
        let end = to_file(end).max(prev_end + 1).min(job.size);
        if end <= prev_end {
            // Unreachable for real markup (an item is at least `<item>` long): no byte range left.
            tracing::warn!(path = %job.path.display(), item = %item.id, "Feed item has no byte range left; it will be read on the next change of the file.");
            return true;
        }
        let ticket = FileTicket { item: item.key, ..job.ticket((prev_end, end), (0, 0)) };
        prev_end = end;
        let ev = item_event(job, limits, item, ticket, dialect, decoded.charset);
        rejected += usize::from(matches!(ev, Emit::Reject(_)));
        let taken = emit(ev);
        stopped = !taken;
        taken
    });
    if stopped {
        // The items not taken are read again next time (the taken ones are remembered).
        return job.from;
    }
    let note = encoding_note(&decoded);
    let problem = match parsed {
        Err(e) => ("invalid_feed", format!("not a feed: {e}{note}")),
        Ok(info) if info.items == 0 => {
            ("no_items", format!("{} feed with no items (no <item> or <entry>){note}", info.dialect))
        }
        Ok(info) => {
            if info.truncated {
                metrics::counter!("newsmill_source_truncated_feeds_total").increment(1);
                tracing::warn!(path = %job.path.display(), items = info.items, dialect = %info.dialect, "Feed ends before its root element closes; its items up to the cut were read.");
            }
            tracing::debug!(path = %job.path.display(), items = info.items, dialect = %info.dialect, rejected, charset = decoded.charset.unwrap_or("UTF-8"), "Read feed.");
            return job.size;
        }
    };
    let rejection = reject(job, Some(path_id(&job.path)), whole, problem.0, problem.1, &head, limits);
    if emit(rejection) { job.size } else { job.from }
}

/// A fresh feed item as a document, or as a rejection that names it and says what it lacks.
fn item_event(
    job: &FileJob,
    limits: Limits,
    item: super::feed::FeedItem,
    ticket: FileTicket,
    dialect: &super::feed::Dialect,
    charset: Option<&'static str>,
) -> Emit {
    let headline_only = item.text.trim().is_empty();
    let (title, link) = (item.meta.title.as_deref(), item.meta.url.as_deref());
    let problem = if headline_only && (limits.items_without_text == ItemsWithoutText::Reject || title.is_none()) {
        let what = match (title, link) {
            (Some(_), Some(_)) => "has a title and a link but no text",
            (Some(_), None) => "has a title but no text",
            (None, Some(_)) => "has a link but no title or text",
            (None, None) => "has no title, link or text",
        };
        Some(("no_content", format!("item {what} (no description, summary or content); feed: {dialect}")))
    } else if item.text.len() as u64 > limits.max_document_bytes {
        Some(("too_large", format!("feed item exceeds max_document_bytes ({})", limits.max_document_bytes)))
    } else {
        None
    };
    if let Some((kind, reason)) = problem {
        let excerpt = if headline_only {
            format!("{}\n{}", title.unwrap_or_default(), link.unwrap_or_default())
        } else {
            crate::record::truncate_str(&item.text, limits.excerpt_bytes).to_string()
        };
        return reject(job, Some(item.id), ticket, kind, reason, excerpt.trim().as_bytes(), limits);
    }
    let mut meta = item.meta;
    meta.headline_only = headline_only;
    Emit::Doc(Document {
        prov: Provenance { id: item.id.into(), path: job.path.clone(), offset: None, ticket: Ticket::File(ticket) },
        format: Format::Feed,
        charset,
        text: item.text,
        markup: item.markup,
        meta,
    })
}

enum Bounded {
    Fits(Vec<u8>),
    TooLarge(Vec<u8>),
}

/// Opens the file the scanner planned: the same inode as when it was looked at. A path swapped
/// meanwhile (a file renamed over it, a link pointed elsewhere) is `None`: the next scan plans
/// whatever is there now, under the symlink policy.
fn open_planned(job: &FileJob) -> std::io::Result<Option<File>> {
    let file = File::open(&job.path)?;
    if job.key == (FileKey { dev: 0, ino: 0 }) {
        return Ok(Some(file));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata()?;
        if (FileKey { dev: meta.dev(), ino: meta.ino() }) != job.key {
            tracing::debug!(path = %job.path.display(), "File changed since it was planned; left for the next scan.");
            return Ok(None);
        }
    }
    Ok(Some(file))
}

fn read_bounded(file: File, gzip: bool, max: u64) -> std::io::Result<Bounded> {
    // Room for the whole file at once (a page compresses about fourfold), so that growing the
    // buffer does not copy it again and again.
    let size = file.metadata().map_or(0, |m| m.len());
    let expected = if gzip { size.saturating_mul(4) } else { size.saturating_add(1) };
    let mut reader: Box<dyn Read> =
        if gzip { Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))) } else { Box::new(file) };
    let mut buf = Vec::with_capacity(expected.min(max.saturating_add(1)) as usize);
    (&mut reader).take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        buf.truncate(512);
        return Ok(Bounded::TooLarge(buf));
    }
    Ok(Bounded::Fits(buf))
}

enum LineEnd {
    Newline,
    Eof,
}

/// Reads one line into `buf`, keeping at most `max + 1` bytes of it; returns bytes consumed.
fn next_line(r: &mut impl BufRead, max: usize, buf: &mut Vec<u8>) -> std::io::Result<Option<(u64, LineEnd)>> {
    buf.clear();
    let mut consumed = 0u64;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok((consumed > 0).then_some((consumed, LineEnd::Eof)));
        }
        let (n, found) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = (max + 1).saturating_sub(buf.len()).min(n);
        buf.extend_from_slice(&avail[..room]);
        r.consume(n);
        consumed += n as u64;
        if found {
            return Ok(Some((consumed, LineEnd::Newline)));
        }
    }
}

fn read_lines(job: &FileJob, limits: Limits, emit: &mut dyn FnMut(Emit) -> bool) -> u64 {
    let mut file = match open_planned(job) {
        Ok(Some(f)) => f,
        Ok(None) => return job.from,
        Err(e) => {
            tracing::warn!(error = %e, path = %job.path.display(), "Cannot open input; will retry on the next scan.");
            return job.from;
        }
    };
    if let Err(e) = file.seek(SeekFrom::Start(job.from)) {
        tracing::warn!(error = %e, path = %job.path.display(), "Cannot seek input; will retry on the next scan.");
        return job.from;
    }
    read_lines_from(job, &mut BufReader::with_capacity(64 * 1024, file), limits, emit)
}

/// Reads JSON lines held in memory as if they were the file `path` read from its start (with
/// `final_read`: an unterminated last line is final). Returns where the next read would start.
/// Documents and rejections go to `emit` exactly as the daemon's reader makes them.
pub fn read_json_lines(
    path: &Path,
    bytes: &[u8],
    final_read: bool,
    limits: Limits,
    emit: &mut dyn FnMut(Emit) -> bool,
) -> u64 {
    let job = FileJob::standalone(path, bytes.len() as u64, Kind { format: Format::Jsonl, gzip: false }, final_read);
    read_lines_from(&job, &mut std::io::Cursor::new(bytes), limits, emit)
}

/// Reads a feed held in memory as if it were the file `path`: every item as a document or a
/// rejection, exactly as the daemon's reader makes them (no feed memory: every item is fresh).
/// Returns where the next read would start.
pub fn read_feed_bytes(path: &Path, bytes: Vec<u8>, limits: Limits, emit: &mut dyn FnMut(Emit) -> bool) -> u64 {
    let job = FileJob::standalone(path, bytes.len() as u64, Kind { format: Format::Feed, gzip: false }, true);
    read_feed(&job, limits, bytes, emit)
}

fn read_lines_from(
    job: &FileJob,
    reader: &mut impl BufRead,
    limits: Limits,
    emit: &mut dyn FnMut(Emit) -> bool,
) -> u64 {
    let max = usize::try_from(limits.max_document_bytes).unwrap_or(usize::MAX - 1);
    let file_id = path_id(&job.path);
    // Documents own the bytes since the previous one, so blank lines commit with them.
    let mut range_start = job.from;
    let mut pos = job.from;
    let mut buf = Vec::new();
    loop {
        let (consumed, end) = match next_line(reader, max, &mut buf) {
            Ok(Some(x)) => x,
            Ok(None) => return pos,
            Err(e) => {
                tracing::warn!(error = %e, path = %job.path.display(), offset = pos, "Read error; will retry on the next scan.");
                return range_start;
            }
        };
        let line_start = pos;
        let line_end = pos + consumed;
        let range = (range_start, line_end);
        let too_long = buf.len() > max;
        let mut content = buf.as_slice();
        while let [rest @ .., b'\n' | b'\r'] = content {
            content = rest;
        }
        let blank = content.iter().all(u8::is_ascii_whitespace);
        let doc = (line_start, content.len() as u64);
        let derived_id = || format!("{file_id}-{line_start}");
        let outcome = if too_long {
            Some(reject(
                job,
                Some(derived_id()),
                job.ticket(range, doc),
                "too_large",
                format!("line exceeds max_document_bytes ({max})"),
                content,
                limits,
            ))
        } else if blank {
            None
        } else {
            match parse_line(content) {
                Ok(parsed) => Some(parsed.into_emit(job, range, doc, derived_id())),
                Err(_) if matches!(end, LineEnd::Eof) && !job.final_read => {
                    // An unterminated last line that does not parse is probably still being written.
                    return range_start;
                }
                Err((kind, reason)) => {
                    Some(reject(job, Some(derived_id()), job.ticket(range, doc), kind, reason, content, limits))
                }
            }
        };
        pos = line_end;
        if let Some(ev) = outcome {
            range_start = line_end;
            if !emit(ev) {
                return range_start;
            }
        }
    }
}

struct Parsed {
    id: Option<String>,
    text: String,
    markup: Markup,
    meta: InputMeta,
}

impl Parsed {
    fn into_emit(self, job: &FileJob, range: (u64, u64), doc: (u64, u64), derived_id: String) -> Emit {
        let prov = Provenance {
            id: self.id.unwrap_or(derived_id).into(),
            path: job.path.clone(),
            offset: Some(doc.0),
            ticket: Ticket::File(job.ticket(range, doc)),
        };
        Emit::Doc(Document {
            prov,
            format: Format::Jsonl,
            charset: None,
            text: self.text,
            markup: self.markup,
            meta: self.meta,
        })
    }
}

fn string_field(obj: &serde_json::Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| match obj.get(*n)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn parse_line(content: &[u8]) -> Result<Parsed, (&'static str, String)> {
    let text = std::str::from_utf8(content).map_err(|e| ("invalid_utf8", format!("line is not UTF-8: {e}")))?;
    let value: Value = serde_json::from_str(text).map_err(|e| ("invalid_json", format!("invalid JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(("not_an_object", "line is JSON but not an object".into()));
    };
    let body = match obj.get("text").or_else(|| obj.get("body")) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(parts)) => Some(parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")),
        _ => None,
    };
    let (body, markup) = match body.filter(|b| !b.trim().is_empty()) {
        Some(text) => (text, Markup::Text),
        None => {
            let html = obj.get("html").and_then(Value::as_str).filter(|h| !h.trim().is_empty());
            (html.ok_or(("no_text", "object has no `text`, `body` or `html`".to_string()))?.to_string(), Markup::Html)
        }
    };
    Ok(Parsed {
        id: string_field(&obj, &["id"]),
        text: body,
        markup,
        meta: InputMeta {
            url: string_field(&obj, &["url", "link"]),
            title: string_field(&obj, &["title"]),
            published: string_field(&obj, &["published", "date"]),
            outlet: string_field(&obj, &["outlet", "publisher"]),
            author: string_field(&obj, &["author", "byline"]),
            ..InputMeta::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const LIMITS: Limits =
        Limits { max_document_bytes: 200, excerpt_bytes: 40, items_without_text: ItemsWithoutText::Reject };

    fn job(path: &Path, from: u64, final_read: bool) -> FileJob {
        FileJob {
            path: path.into(),
            key: {
                use std::os::unix::fs::MetadataExt;
                let m = std::fs::metadata(path).unwrap();
                FileKey { dev: m.dev(), ino: m.ino() }
            },
            generation: 1,
            from,
            size: std::fs::metadata(path).unwrap().len(),
            kind: Kind::of(path).unwrap(),
            final_read,
            feeds: None,
        }
    }

    fn collect(j: &FileJob) -> (Vec<Emit>, u64) {
        let mut out = Vec::new();
        let next = read_job(j, LIMITS, &mut |e| {
            out.push(e);
            true
        });
        (out, next)
    }

    /// Where a read begins changes the byte ranges documents are acknowledged with (blank lines and
    /// a line's newline go with the document after them), never the identity of their own bytes.
    #[test]
    fn a_line_is_the_same_document_whichever_read_finds_it() {
        let first = "{\"id\":\"a\",\"text\":\"Alpha line of prose.\"}";
        let second = "{\"id\":\"b\",\"text\":\"Beta line of prose.\"}";
        let whole = format!("{first}\n\n{second}\n");
        // One file, written again for each read (truncated in place: the same inode), as a
        // writer that appends leaves it: a ticket's identity includes the file's, and a file of
        // its own for each read had passed only while the file system happened to reuse the
        // inode a removed one had.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        let tickets = |bytes: &str, from: u64| {
            std::fs::write(&p, bytes).unwrap();
            let (out, next) = collect(&job(&p, from, false));
            let t: Vec<FileTicket> = out
                .iter()
                .map(|e| match e {
                    Emit::Doc(d) => *d.prov.ticket.file().unwrap(),
                    Emit::Reject(r) => *r.ticket.unwrap().file().unwrap(),
                })
                .collect();
            (t, next)
        };
        let (all, _) = tickets(&whole, 0);
        // The writer had not yet written the first line's newline: the line parses and is taken.
        let (early, next) = tickets(first, 0);
        assert_eq!(next, first.len() as u64);
        // The rest is read from there: the newline and the blank line now open the second's range.
        let (late, _) = tickets(&whole, next);
        assert_eq!((early[0].doc_start, early[0].doc_len), (all[0].doc_start, all[0].doc_len));
        assert_eq!((late[0].doc_start, late[0].doc_len), (all[1].doc_start, all[1].doc_len));
        assert_ne!(late[0].start, all[1].start, "the ranges differ");
        assert_eq!(Ticket::File(early[0]).origin(), Ticket::File(all[0]).origin());
        assert_eq!(Ticket::File(late[0]).origin(), Ticket::File(all[1]).origin());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any bytes in a JSON-lines file: no panic, and the tickets tile the bytes read without gaps.
        #[test]
        fn json_lines_never_panic_and_tickets_tile(chunks in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..60),
                proptest::sample::select(vec![b"\n".to_vec(), b"{\"text\":\"a b c\"}\n".to_vec(), b"{\"id\":1,\"html\":\"<p>x\"}\n".to_vec()]),
            ],
            0..20,
        ), final_read in proptest::prelude::any::<bool>()) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("f.jsonl");
            let bytes = chunks.concat();
            std::fs::write(&p, &bytes).unwrap();
            let (out, next) = collect(&job(&p, 0, final_read));
            let mut at = 0;
            for e in &out {
                let t = match e {
                    Emit::Doc(d) => d.prov.ticket.file().unwrap(),
                    Emit::Reject(r) => r.ticket.as_ref().and_then(Ticket::file).unwrap(),
                };
                proptest::prop_assert_eq!(t.start, at);
                proptest::prop_assert!(t.end > t.start);
                at = t.end;
            }
            proptest::prop_assert!(next >= at && next <= bytes.len() as u64);
        }
    }

    #[test]
    fn a_panic_while_reading_dead_letters_the_rest_of_the_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let first = "{\"id\":\"a\",\"text\":\"Alpha line of prose.\"}\n";
        std::fs::write(
            &p,
            format!("{first}{{\"id\":\"b\",\"text\":\"Beta.\"}}\n{{\"id\":\"c\",\"text\":\"Gamma.\"}}\n"),
        )
        .unwrap();
        let j = job(&p, 0, false);
        let mut out = Vec::new();
        // A bug somewhere on the path (here: in what takes the documents) panics on the second one.
        let next = read_job(&j, LIMITS, &mut |e| {
            if matches!(&e, Emit::Doc(d) if &*d.prov.id == "b") {
                panic!("boom on b");
            }
            out.push(e);
            true
        });
        assert_eq!(next, j.size, "the file counts as read: no retry loop");
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(matches!(&out[0], Emit::Doc(d) if &*d.prov.id == "a"));
        let Emit::Reject(r) = &out[1] else { panic!("{out:?}") };
        assert_eq!(r.kind, "panic");
        assert!(r.reason.contains("boom on b"), "{}", r.reason);
        let t = *r.ticket.unwrap().file().unwrap();
        assert_eq!((t.start, t.end), (first.len() as u64, j.size), "the rest of the file, after what was handed out");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any feed made of items in any dialect, with or without text: every item the parser
        /// counts becomes exactly one document or one rejection naming it, in order, their byte
        /// ranges tile the file, and after clean and extract exactly one article or rejection.
        #[test]
        fn every_counted_feed_item_is_a_document_or_a_rejection(
            dialect in 0..4usize,
            items in proptest::collection::vec((proptest::option::of("[A-Za-z ]{1,30}"), proptest::option::of("[a-z &<>;]{0,80}"), proptest::prelude::any::<bool>()), 0..12),
            cut in proptest::prelude::any::<bool>(),
        ) {
            let (open, close, item_tag, text_tag) = match dialect {
                0 => ("<rss version=\"2.0\"><channel>", "</channel></rss>", "item", "description"),
                1 => ("<rss><channel>", "</channel></rss>", "item", "description"),
                2 => ("<feed xmlns=\"http://www.w3.org/2005/Atom\">", "</feed>", "entry", "content"),
                _ => ("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">", "</rdf:RDF>", "item", "description"),
            };
            let mut feed = format!("<?xml version=\"1.0\"?>{open}<title>Feed</title>");
            for (k, (title, text, guid)) in items.iter().enumerate() {
                feed.push_str(&format!("<{item_tag}>"));
                if *guid {
                    feed.push_str(&format!("<guid>g{k}</guid><id>g{k}</id>"));
                }
                if let Some(t) = title {
                    feed.push_str(&format!("<title>{}</title>", t.replace('<', "&lt;")));
                }
                if let Some(t) = text {
                    feed.push_str(&format!("<{text_tag}>{}</{text_tag}>", t.replace('&', "&amp;").replace('<', "&lt;")));
                }
                feed.push_str(&format!("</{item_tag}>"));
            }
            if !cut {
                feed.push_str(close);
            }
            let (parsed, info) = crate::stages::source::feed::parse_feed(feed.as_bytes()).unwrap();
            proptest::prop_assert_eq!(parsed.len(), items.len());
            proptest::prop_assert_eq!(info.items, items.len());
            let limits = Limits { max_document_bytes: 1 << 20, excerpt_bytes: 64, items_without_text: ItemsWithoutText::Reject };
            let mut out = Vec::new();
            let next = read_feed_bytes(Path::new("p.rss"), feed.clone().into_bytes(), limits, &mut |e| {
                out.push(e);
                true
            });
            proptest::prop_assert_eq!(next, feed.len() as u64);
            let mut at = 0;
            let mut accounted = 0;
            for e in &out {
                let (t, id) = match e {
                    Emit::Doc(d) => (*d.prov.ticket.file().unwrap(), Some(d.prov.id.to_string())),
                    Emit::Reject(r) => (*r.ticket.unwrap().file().unwrap(), r.id.clone()),
                };
                if t.item == 0 {
                    // Only a feed without items is rejected as a whole.
                    proptest::prop_assert!(items.is_empty());
                    continue;
                }
                proptest::prop_assert!(id.is_some_and(|i| !i.is_empty()));
                proptest::prop_assert_eq!(t.start, at);
                proptest::prop_assert!(t.end > t.start && t.end <= feed.len() as u64);
                at = t.end;
                accounted += 1;
            }
            proptest::prop_assert_eq!(accounted, items.len());
            // Downstream, every document is an article or a rejection: the item count holds to the end.
            let (mut articles, mut rejected) = (0, 0);
            for e in out {
                match e {
                    Emit::Doc(d) => match crate::runner::Transform::process(&CLEAN_EXTRACT.0, d) {
                        Ok(crate::runner::Outcome::Emit(c)) => match CLEAN_EXTRACT.1.extract(c) {
                            Ok(_) => articles += 1,
                            Err(_) => rejected += 1,
                        },
                        _ => rejected += 1,
                    },
                    Emit::Reject(r) if r.ticket.is_some_and(|t| t.file().is_some_and(|t| t.item != 0)) => rejected += 1,
                    Emit::Reject(_) => {}
                }
            }
            proptest::prop_assert_eq!(articles + rejected, items.len());
        }
    }

    /// One cleaner and extractor for the property tests (building them compiles the rules).
    static CLEAN_EXTRACT: std::sync::LazyLock<(crate::stages::clean::Cleaner, crate::stages::extract::Extractor)> =
        std::sync::LazyLock::new(|| {
            (
                crate::stages::clean::Cleaner::new(&Default::default()).expect("the default rules compile"),
                crate::stages::extract::Extractor::new(&Default::default()),
            )
        });

    #[test]
    fn kinds() {
        assert_eq!(Kind::of(Path::new("a/b.TXT")).map(|k| k.format), Some(Format::Text));
        assert_eq!(Kind::of(Path::new("b.html.gz")), Some(Kind { format: Format::Html, gzip: true }));
        assert_eq!(Kind::of(Path::new("b.ndjson")).map(|k| k.format), Some(Format::Jsonl));
        assert_eq!(Kind::of(Path::new("b.pdf")), None);
        assert_eq!(Kind::of(Path::new("jsonl")), None);
    }

    #[test]
    fn json_lines_good_bad_and_partial() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let long = "x".repeat(300);
        let content = format!(
            "{{\"id\":\"one\",\"title\":\"T\",\"text\":\"Hello world.\"}}\n\n{{broken\n{{\"body\":[\"p1\",\"p2\"],\"outlet\":\"W\"}}\n\"{long}\"\n[1]\n{{\"url\":\"u\"}}\n{{\"id\":7,\"html\":\"<p>Hi</p>\"}}\n{{\"text\":\"unterminated"
        );
        std::fs::write(&p, &content).unwrap();
        let (out, next) = collect(&job(&p, 0, false));
        let kinds: Vec<String> = out
            .iter()
            .map(|e| match e {
                Emit::Doc(d) => format!("doc:{}", d.prov.id),
                Emit::Reject(r) => format!("rej:{}", r.kind),
            })
            .collect();
        let file_id = path_id(&p);
        let body_off = content.find("{\"body\"").unwrap();
        assert_eq!(
            kinds,
            vec![
                "doc:one".to_string(),
                "rej:invalid_json".into(),
                format!("doc:{file_id}-{body_off}"),
                "rej:too_large".into(),
                "rej:not_an_object".into(),
                "rej:no_text".into(),
                "doc:7".into(),
            ]
        );
        // Tickets tile the file without gaps, blank line included.
        let mut at = 0;
        for e in &out {
            let t = match e {
                Emit::Doc(d) => d.prov.ticket.file().unwrap(),
                Emit::Reject(r) => r.ticket.as_ref().and_then(Ticket::file).unwrap(),
            };
            assert_eq!(t.start, at);
            at = t.end;
        }
        assert_eq!(next, at);
        assert_eq!(next as usize, content.rfind('\n').unwrap() + 1, "the unterminated line waits");
        if let Emit::Doc(d) = &out[2] {
            assert_eq!(d.text, "p1\np2");
            assert_eq!(d.meta.outlet.as_deref(), Some("W"));
        }
        if let Emit::Reject(r) = &out[3] {
            assert!(r.excerpt.len() <= 40);
        }
        // Completing the line makes it readable from where the last read stopped.
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"\"}\n").unwrap();
        let (out, next2) = collect(&job(&p, next, false));
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Emit::Doc(d) if d.text == "unterminated"));
        assert_eq!(next2, std::fs::metadata(&p).unwrap().len());
    }

    #[test]
    fn unterminated_valid_line_is_read_and_batch_mode_rejects_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        std::fs::write(&p, "{\"text\":\"a\"}").unwrap();
        let (out, next) = collect(&job(&p, 0, false));
        assert_eq!(out.len(), 1);
        assert_eq!(next, 12);
        std::fs::write(&p, "{\"text\":\"a").unwrap();
        let (out, _) = collect(&job(&p, 0, true));
        assert!(matches!(&out[0], Emit::Reject(r) if r.kind == "invalid_json"));
    }

    #[test]
    fn whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty.txt", vec![], "empty_file"),
            ("bin.txt", b"\x00\x01\x02ELF".to_vec(), "binary"),
            ("big.txt", vec![b'a'; 300], "too_large"),
            ("blank.html", b" \n\t ".to_vec(), "no_text"),
        ];
        for (name, bytes, want) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let (out, _) = collect(&job(&p, 0, false));
            assert!(matches!(&out[..], [Emit::Reject(r)] if r.kind == want), "{name}: {out:?}");
        }
        let p = dir.path().join("page.html.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<html><body><h1>Title</h1><p>Text.</p></body></html>").unwrap();
        std::fs::write(&p, gz.finish().unwrap()).unwrap();
        let (out, _) = collect(&job(&p, 0, false));
        assert!(
            matches!(&out[..], [Emit::Doc(d)] if d.text.contains("<h1>Title</h1>") && d.format == Format::Html && d.markup == Markup::Html),
            "{out:?}"
        );
        let p = dir.path().join("bomb.html.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b' '; 100_000]).unwrap();
        std::fs::write(&p, gz.finish().unwrap()).unwrap();
        let (out, _) = collect(&job(&p, 0, false));
        assert!(matches!(&out[..], [Emit::Reject(r)] if r.kind == "too_large" && r.reason.contains("decompressed")));
    }
}
