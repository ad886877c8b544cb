//! The dedup owner's lease and fence, in PostgreSQL (where the dedup role's outputs are).
//!
//! The lease is a session advisory lock held on a connection of its own: the server lets it go
//! the moment that connection ends (the process died, was killed, or lost the network), and a
//! process standing by takes it within `lease_interval_ms`. Taking it bumps the lease's *epoch*
//! in `newsmill_leases`; every flush of the owner's outputs checks that epoch in the same
//! transaction as its rows ([`Fence`]) and records how far the owner has got, so a stale owner
//! (one that lost its lock without knowing, and comes back) cannot write a row, and the
//! processes standing by know how far they may read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_postgres::{Client, NoTls};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::PostgresConfig;
use super::schema::qualified;

/// The table of leases.
pub(crate) const TABLE: &str = "newsmill_leases";

/// What an owner's writes carry: the epoch it took the lease at, checked in every flush.
#[derive(Debug, Clone)]
pub struct Fence {
    /// The lease's name.
    pub lease: String,
    /// The epoch this owner holds.
    pub epoch: i64,
    /// How far the owner has durably got (the internal stream's sequence), recorded with every
    /// flush for the processes standing by.
    pub position: Arc<AtomicU64>,
    /// Cancelled when a flush finds the epoch has moved on: another process owns the lease.
    pub lost: CancellationToken,
}

impl PartialEq for Fence {
    fn eq(&self, other: &Self) -> bool {
        (&self.lease, self.epoch) == (&other.lease, other.epoch)
    }
}

impl Fence {
    /// The statement that checks the epoch and records the position: $1 name, $2 epoch, $3 position.
    pub(crate) fn statement(schema: &str) -> String {
        format!(
            "UPDATE {} SET position = GREATEST(position, $3), updated_at = now() WHERE name = $1 AND epoch = $2",
            qualified(schema, TABLE)
        )
    }

    /// The current position, as the statement takes it.
    pub(crate) fn position(&self) -> i64 {
        i64::try_from(self.position.load(Ordering::Relaxed)).unwrap_or(i64::MAX)
    }
}

/// The statements that create the leases table (idempotent).
pub(crate) fn create(schema: &str) -> Vec<String> {
    vec![
        format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""),
        format!(
            "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, epoch bigint NOT NULL, position bigint NOT NULL \
             DEFAULT 0, holder text, acquired_at timestamptz, updated_at timestamptz)",
            qualified(schema, TABLE)
        ),
    ]
}

/// The lease connection's `application_name`: `newsmill lease SCHEMA.NAME`, cut to the 63 bytes
/// PostgreSQL keeps.
pub fn application_name(schema: &str, lease: &str) -> String {
    let full = format!("newsmill lease {schema}.{lease}");
    crate::record::truncate_str(&full, 63).to_string()
}

/// A lease connection: see the module docs.
pub struct Lease {
    client: Client,
    name: String,
    schema: String,
    key: i64,
    /// Ends with the connection.
    closed: CancellationToken,
}

/// The lease was taken.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    /// The new epoch.
    pub epoch: i64,
    /// How far the last owner had got.
    pub position: u64,
}

impl Lease {
    /// Connects for the lease `name` (the table is created if missing).
    pub async fn connect(server: &PostgresConfig, name: &str) -> Result<Self, String> {
        let mut pg: tokio_postgres::Config = server.url.parse().map_err(|e| format!("[postgres] url: {e}"))?;
        let timeout = Duration::from_millis(server.connect_timeout_ms.get());
        // Named after its lease, so that `pg_stat_activity` says which connection holds which.
        pg.connect_timeout(timeout).application_name(application_name(&server.schema, name));
        let (client, connection) = tokio::time::timeout(timeout, pg.connect(NoTls))
            .await
            .map_err(|_| format!("no connection to PostgreSQL within {} ms", timeout.as_millis()))?
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        let closed = CancellationToken::new();
        let on_close = closed.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                warn!(%error, "Lease connection lost.");
            }
            on_close.cancel();
        });
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(server.schema.as_bytes());
        h.update(&[0]);
        h.update(name.as_bytes());
        let key = h.digest() as i64;
        let lease = Self { client, name: name.into(), schema: server.schema.clone(), key, closed };
        lease.create_table().await?;
        Ok(lease)
    }

    /// Creates the table, one process at a time (two concurrent `CREATE TABLE IF NOT EXISTS`
    /// can collide).
    async fn create_table(&self) -> Result<(), String> {
        let exists = self
            .client
            .query_opt(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
                &[&self.schema, &TABLE],
            )
            .await
            .map_err(|e| e.to_string())?;
        if exists.is_some() {
            return Ok(());
        }
        // One lock per schema (the table is the schema's, whatever the lease).
        let schema_key = xxhash_rust::xxh3::xxh3_64(format!("newsmill_leases\0{}", self.schema).as_bytes()) as i64;
        let mut batch = format!("BEGIN; SELECT pg_advisory_xact_lock({schema_key});");
        for statement in create(&self.schema) {
            batch.push_str(&statement);
            batch.push(';');
        }
        batch.push_str("COMMIT;");
        self.client.batch_execute(&batch).await.map_err(|e| format!("creating {}: {e}", qualified(&self.schema, TABLE)))
    }

    /// Takes the lease if nobody holds it: the new epoch and the last owner's position.
    pub async fn try_take(&self, holder: &str) -> Result<Option<Taken>, String> {
        let got: bool = self
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&self.key])
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        if !got {
            return Ok(None);
        }
        let row = self
            .client
            .query_one(
                &format!(
                    "INSERT INTO {} AS l (name, epoch, position, holder, acquired_at, updated_at) VALUES ($1, 1, 0, $2, \
                     now(), now()) ON CONFLICT (name) DO UPDATE SET epoch = l.epoch + 1, holder = $2, acquired_at = \
                     now(), updated_at = now() RETURNING epoch, position",
                    qualified(&self.schema, TABLE)
                ),
                &[&self.name, &holder],
            )
            .await
            .map_err(|e| e.to_string())?;
        let (epoch, position): (i64, i64) = (row.get(0), row.get(1));
        Ok(Some(Taken { epoch, position: u64::try_from(position).unwrap_or(0) }))
    }

    /// How far the owner has got, and its epoch (none before any owner).
    pub async fn owner(&self) -> Result<Option<(i64, u64)>, String> {
        let row = self
            .client
            .query_opt(
                &format!("SELECT epoch, position FROM {} WHERE name = $1", qualified(&self.schema, TABLE)),
                &[&self.name],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(row.map(|r| (r.get::<_, i64>(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0))))
    }

    /// The owner still holds its lock (its connection is alive and answers).
    pub async fn holds(&self) -> bool {
        !self.closed.is_cancelled()
            && tokio::time::timeout(Duration::from_secs(5), self.client.simple_query("SELECT 1"))
                .await
                .is_ok_and(|r| r.is_ok())
    }
}
