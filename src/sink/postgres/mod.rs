//! The `postgres` output: articles (or rejections) as rows of a table, the stable fields as
//! columns and the whole record as `jsonb`.
//!
//! Records wait in memory ([`super::batch::Sealed`]) until the committer seals them and has made their dedup
//! answers durable; the flush then sends the sealed batch in one transaction of batched
//! `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING` statements, and only after it
//! commits are their inputs acknowledged. A record sent again after a crash (its input was not
//! yet acknowledged) carries the same key and the same dedup answer, and the insert leaves the
//! row there alone: exactly one row per input. While the server is unreachable, flushes fail
//! and are retried with the committer's backoff (reconnecting each time), the batches fill, and
//! the pipeline stops taking input.

pub mod config;
pub mod lease;
pub(crate) mod schema;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};
use tracing::{info, warn};

pub use self::config::PostgresConfig;
use super::batch::{Item, Server};
use super::{Holds, Record, SinkError};

/// Where a `postgres` output writes.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresTarget {
    /// The server.
    pub server: PostgresConfig,
    /// The table (in `server.schema`).
    pub table: String,
    /// The dedup owner's fence, checked in every flush's transaction (`--role dedup`).
    pub fence: Option<lease::Fence>,
}

/// `kind = "postgres"`.
pub(crate) struct PostgresKind;

impl super::Kind for PostgresKind {
    fn place(&self, settings: &super::OutputSettings) -> String {
        format!("postgres:{}.{}", settings.postgres.server.schema, settings.postgres.table)
    }

    fn problems(&self, settings: &super::OutputSettings) -> Vec<(&'static str, String)> {
        config::bad_identifier(&settings.postgres.table).map(|why| ("postgres.table", why)).into_iter().collect()
    }

    fn clash(
        &self,
        articles: &super::OutputSettings,
        rejections: &super::OutputSettings,
    ) -> Option<(&'static str, String)> {
        (articles.postgres.table == rejections.postgres.table)
            .then(|| ("postgres.table", "must differ from sink.postgres.table".into()))
    }

    fn open(
        &self,
        settings: &super::OutputSettings,
        _committed: Option<&[u8]>,
    ) -> Result<std::sync::Arc<dyn super::Sink>, SinkError> {
        let server = PostgresOutput::open(settings.holds, &settings.postgres)?;
        Ok(std::sync::Arc::new(super::batch::Sealed::new(server, settings.buffer_bytes)))
    }
}

/// One row: a text value (or NULL) per column of [`schema::columns`].
type Row = Vec<Option<String>>;

/// See the module docs.
pub struct PostgresOutput {
    holds: Holds,
    target: PostgresTarget,
    /// The insert statement.
    insert: String,
    /// The connection, once made (dropped after an error, made again on the next flush).
    client: Mutex<Option<Client>>,
    runtime: tokio::runtime::Handle,
    /// JSON bytes of the records sent.
    written: AtomicU64,
    /// Rows sent since start: the position committed (the table itself is the truth).
    sent: AtomicU64,
}

impl PostgresOutput {
    /// An output for `holds` into `target`. Connects at once to check that the table is there
    /// (an error that names `newsmill migrate` if not); an unreachable server is only a warning:
    /// the first flushes will connect. Must be called off the async threads.
    pub fn open(holds: Holds, target: &PostgresTarget) -> Result<Self, SinkError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| setup(holds, target, format!("no async runtime to connect from: {e}")))?;
        let out = Self {
            holds,
            insert: schema::insert(holds, &target.server.schema, &target.table),
            target: target.clone(),
            client: Mutex::new(None),
            runtime,
            written: AtomicU64::new(0),
            sent: AtomicU64::new(0),
        };
        match out.runtime.block_on(out.connect()) {
            Ok(client) => *out.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(client),
            Err(Problem::Schema(why)) => return Err(setup(holds, target, why)),
            Err(Problem::Server(why)) => {
                warn!(output = holds.name(), table = %out.table(), error = %why, "PostgreSQL is unreachable; will connect on the next flushes.")
            }
        }
        Ok(out)
    }

    fn table(&self) -> String {
        schema::qualified(&self.target.server.schema, &self.target.table)
    }

    /// Connects and checks the table.
    async fn connect(&self) -> Result<Client, Problem> {
        let server = &self.target.server;
        let mut pg: tokio_postgres::Config =
            server.url.parse().map_err(|e| Problem::Schema(format!("bad url: {e}")))?;
        let timeout = Duration::from_millis(server.connect_timeout_ms.get());
        pg.connect_timeout(timeout).application_name("newsmill");
        let (client, connection) = tokio::time::timeout(timeout, pg.connect(NoTls))
            .await
            .map_err(|_| Problem::Server(format!("no connection within {} ms", timeout.as_millis())))?
            .map_err(|e| Problem::Server(e.to_string()))?;
        let holds = self.holds;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                warn!(output = holds.name(), %error, "PostgreSQL connection lost.");
            }
        });
        // A connection ended by the server while it answers is an unreachable server, not a
        // missing table: the daemon goes on and connects again on the next flush.
        schema::check(&client, self.holds, &server.schema, &self.target.table).await.map_err(|m| match m {
            schema::Missing::Table(why) => Problem::Schema(why),
            schema::Missing::Unanswered(why) => Problem::Server(why),
        })?;
        Ok(client)
    }

    /// Inserts `items` in one transaction, checking the fence if there is one; how many rows
    /// were new.
    async fn insert(&self, client: &mut Client, items: &[Item<Row>]) -> Result<u64, Failed> {
        let tx = client.transaction().await?;
        let statement = tx.prepare(&self.insert).await?;
        let mut inserted = 0;
        let columns = schema::columns(self.holds).len();
        for chunk in items.chunks(self.target.server.batch_rows.get()) {
            let arrays: Vec<Vec<Option<&str>>> = (0..columns)
                .map(|c| chunk.iter().map(|i| i.body.get(c).and_then(|v| v.as_deref())).collect())
                .collect();
            let params: Vec<&(dyn ToSql + Sync)> = arrays.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
            inserted += tx.execute(&statement, &params).await?;
        }
        if let Some(fence) = &self.target.fence {
            let fenced = lease::Fence::statement(&self.target.server.schema);
            if tx.execute(&fenced, &[&fence.lease, &fence.epoch, &fence.position()]).await? == 0 {
                // Dropping the transaction rolls it back: not a row of a stale owner lands.
                return Err(Failed::Fenced);
            }
        }
        tx.commit().await?;
        Ok(inserted)
    }
}

/// Why a flush's transaction failed.
enum Failed {
    /// The server said no.
    Db(tokio_postgres::Error),
    /// Another process holds the lease now.
    Fenced,
}

impl From<tokio_postgres::Error> for Failed {
    fn from(e: tokio_postgres::Error) -> Self {
        Failed::Db(e)
    }
}

/// Why connecting failed.
enum Problem {
    /// The server could not be reached (retry).
    Server(String),
    /// The table is missing or wrong (a person must act).
    Schema(String),
}

impl Problem {
    fn into_message(self) -> String {
        match self {
            Problem::Server(m) | Problem::Schema(m) => m,
        }
    }
}

fn setup(holds: Holds, target: &PostgresTarget, message: String) -> SinkError {
    SinkError::Setup {
        output: format!("{} ({})", holds.name(), schema::qualified(&target.server.schema, &target.table)),
        message,
    }
}

/// A server error with what the server said (the client's own text is only "db error").
fn message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}): {}", e, db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// PostgreSQL's text and `jsonb` refuse the NUL character, which rejected binary input quotes:
/// it becomes U+FFFD in columns and in the record's JSON (`\u0000` escapes, found by walking the
/// escapes so that an escaped backslash followed by `u0000` text is left alone).
fn without_nul(text: String) -> String {
    if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text }
}

fn json_without_nul(json: String) -> String {
    if !json.contains("\\u0000") {
        return json;
    }
    let mut out = String::with_capacity(json.len());
    let mut rest = json.as_str();
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        if let Some(after) = escape.strip_prefix("\\u0000") {
            out.push_str("\\ufffd");
            rest = after;
        } else {
            // A backslash and the character it escapes, kept as they are.
            let len = escape[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&escape[..len]);
            rest = &escape[len..];
        }
    }
    out.push_str(rest);
    out
}

/// The row of a record, and its JSON.
fn row(record: Record<'_>) -> Result<(Row, usize), SinkError> {
    let json = json_without_nul(serde_json::to_string(&record)?);
    let bytes = json.len();
    let s = |v: &Option<String>| v.clone().map(without_nul);
    let row = match record {
        Record::Article(a) => vec![
            Some(a.id.clone()),
            s(&a.url),
            s(&a.title),
            s(&a.byline),
            s(&a.publisher),
            s(&a.published),
            s(&a.lang),
            a.page_type.map(|p| p.name().to_string()),
            s(&a.story_id),
            a.dedup.map(str::to_string),
            s(&a.duplicate_of),
            a.similarity.map(|v| v.to_string()),
            Some(a.word_count.to_string()),
            Some(a.content_hash.clone()),
            Some(a.ingested_at.clone()).filter(|t| !t.is_empty()),
            Some(json),
        ],
        Record::Rejection(r) => vec![
            Some(r.key()),
            s(&r.id),
            Some(without_nul(r.path.clone())),
            Some(r.stage.to_string()),
            Some(r.kind.to_string()),
            Some(without_nul(r.reason.clone())),
            Some(r.rejected_at.clone()).filter(|t| !t.is_empty()),
            Some(json),
        ],
    };
    Ok((row, bytes))
}

impl Server for PostgresOutput {
    type Body = Row;

    fn body(&self, record: Record<'_>) -> Result<(Row, usize), SinkError> {
        row(record)
    }

    /// Connects if need be, inserts, and keeps the connection only if that worked.
    fn send(&self, items: &[Item<Row>]) -> Result<(), SinkError> {
        let label = self.holds.name();
        let started = Instant::now();
        let taken = self.client.lock().unwrap_or_else(|e| e.into_inner()).take();
        let deadline = Duration::from_millis(self.target.server.statement_timeout_ms.get());
        let result = self.runtime.block_on(async {
            let mut client = match taken.filter(|c| !c.is_closed()) {
                Some(c) => c,
                None => {
                    let c = self.connect().await.map_err(Problem::into_message)?;
                    info!(output = label, table = %self.table(), "Connected to PostgreSQL.");
                    c
                }
            };
            match tokio::time::timeout(deadline, self.insert(&mut client, items)).await {
                Ok(Ok(inserted)) => Ok((client, inserted)),
                Ok(Err(Failed::Db(e))) => Err(message(&e)),
                Ok(Err(Failed::Fenced)) => {
                    if let Some(fence) = &self.target.fence {
                        fence.lost.cancel();
                    }
                    Err(format!(
                        "fenced: the lease's epoch is no longer {}, another process owns it",
                        self.target.fence.as_ref().map_or(0, |f| f.epoch)
                    ))
                }
                Err(_) => Err(format!("no answer within {} ms", deadline.as_millis())),
            }
        });
        match result {
            Ok((client, inserted)) => {
                *self.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(client);
                metrics::histogram!("newsmill_output_flush_seconds", "output" => label).record(started.elapsed());
                metrics::histogram!("newsmill_output_batch_records", "output" => label).record(items.len() as f64);
                metrics::counter!("newsmill_output_records_total", "output" => label).increment(items.len() as u64);
                let again = items.len() as u64 - inserted;
                if again > 0 {
                    // Records sent before a crash and sent again now: already there.
                    metrics::counter!("newsmill_output_already_present_total", "output" => label).increment(again);
                }
                self.sent.fetch_add(items.len() as u64, Ordering::Relaxed);
                self.written.fetch_add(items.iter().map(|i| i.bytes as u64).sum(), Ordering::Relaxed);
                Ok(())
            }
            Err(message) => {
                metrics::counter!("newsmill_output_retries_total", "output" => label).increment(1);
                Err(SinkError::Server { output: format!("{label} ({})", self.table()), message })
            }
        }
    }

    fn position(&self) -> Vec<u8> {
        self.sent.load(Ordering::Relaxed).to_le_bytes().to_vec()
    }

    fn bytes_sent(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

/// Creates (or completes) the schema and tables of `targets`; returns what it did, one line each.
pub async fn migrate(targets: &[(Holds, PostgresTarget)]) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    for (holds, target) in targets {
        let server = &target.server;
        let mut pg: tokio_postgres::Config = server.url.parse().map_err(|e| format!("[postgres] url: {e}"))?;
        pg.connect_timeout(Duration::from_millis(server.connect_timeout_ms.get())).application_name("newsmill migrate");
        let (client, connection) = pg.connect(NoTls).await.map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        let conn = tokio::spawn(connection);
        let table = schema::qualified(&server.schema, &target.table);
        for statement in schema::create(*holds, &server.schema, &target.table) {
            client.batch_execute(&statement).await.map_err(|e| format!("{table}: {statement}: {e}"))?;
        }
        let tuned = match client.batch_execute(&schema::tune(&server.schema, &target.table)).await {
            Ok(()) => "",
            Err(e) => {
                warn!(%table, error = %message(&e), "The record column keeps the server's default compression.");
                " (default compression: the server has no lz4)"
            }
        };
        schema::check(&client, *holds, &server.schema, &target.table).await.map_err(|m| m.to_string())?;
        done.push(format!("{table}: ready for {}{tuned}", holds.name()));
        if *holds == Holds::Articles {
            // The dedup role's lease lives beside its articles.
            for statement in lease::create(&server.schema) {
                client.batch_execute(&statement).await.map_err(|e| format!("{statement}: {e}"))?;
            }
            done.push(format!("{}: ready for the dedup role's lease", schema::qualified(&server.schema, lease::TABLE)));
        }
        drop(client);
        let _ = conn.await;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_become_replacement_characters_and_nothing_else_changes() {
        let rejection = crate::record::Rejection {
            id: Some("a\0b".into()),
            path: "/in/x".into(),
            offset: None,
            stage: "source",
            kind: "binary",
            reason: "not text".into(),
            excerpt: "\0\u{1}\\u0000 quoted \"\\\\u0000\"".into(),
            rejected_at: "2026-12-05T00:00:00Z".into(),
            ticket: None,
        };
        let (row, _) = row(Record::Rejection(&rejection)).unwrap();
        assert_eq!(row[1].as_deref(), Some("a\u{FFFD}b"));
        let json = row.last().cloned().flatten().unwrap();
        assert!(!json.contains("\\u0000\\u0001"), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["excerpt"], "\u{FFFD}\u{1}\\u0000 quoted \"\\\\u0000\"", "escaped text that reads u0000 stays");
        assert_eq!(back["id"], "a\u{FFFD}b");
        assert_eq!(json_without_nul("{\"a\":\"x\"}".into()), "{\"a\":\"x\"}");
    }

    proptest::proptest! {
        /// Any text survives the trip through the record's JSON, NULs aside.
        #[test]
        fn any_text_round_trips_with_nuls_replaced(text in "(\\PC|\\x00|\\\\|u0000|\\x01)*") {
            let json = json_without_nul(serde_json::to_string(&text).unwrap());
            let back: String = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(back, text.replace('\0', "\u{FFFD}"));
        }
    }
}
