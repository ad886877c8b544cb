//! `[postgres]` (the server) and the `postgres` outputs' tables (`[sink.postgres]`,
//! `[dead_letter.postgres]`), with their defaults and checks.

use std::num::{NonZeroU64, NonZeroUsize};

use serde::{Deserialize, Serialize};

use crate::live::LiveKeys;
use crate::num::{nz, nz64};

/// `[postgres]`: the PostgreSQL server that `postgres` outputs write to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostgresConfig {
    /// Connection string, as a URL (`postgres://user:password@host:5432/db?sslmode=disable`) or as
    /// `key=value` pairs (`host=127.0.0.1 user=newsmill dbname=news`); put secrets in `${VAR}`.
    pub url: String,
    /// Schema the tables live in (`newsmill migrate` creates it and them).
    pub schema: String,
    /// Give up one connection attempt after this long (the next flush tries again).
    pub connect_timeout_ms: NonZeroU64,
    /// Give up one flush (its transaction) after this long; its rows are sent again next time.
    pub statement_timeout_ms: NonZeroU64,
    /// Most rows in one INSERT statement (a flush sends as many as it holds, in one transaction).
    pub batch_rows: NonZeroUsize,
}

impl Default for PostgresConfig {
    fn default() -> Self {
        Self {
            url: "postgres://postgres@127.0.0.1:5432/postgres".into(),
            schema: "public".into(),
            connect_timeout_ms: nz64(5_000),
            statement_timeout_ms: nz64(30_000),
            batch_rows: nz(1_000),
        }
    }
}

impl PostgresConfig {
    /// What a reload changes in place: all but the server's address (the outputs reconnect).
    pub(crate) const LIVE: LiveKeys = LiveKeys::AllBut(&["url"]);

    /// Problems, as (key, why).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if let Err(e) = self.url.parse::<tokio_postgres::Config>() {
            errors.push(("url", format!("not a PostgreSQL connection string: {e}")));
        }
        if let Some(why) = bad_identifier(&self.schema) {
            errors.push(("schema", why));
        }
        errors
    }
}

/// `[sink.postgres]`: the table articles go to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArticlesTable {
    /// Table name (in `[postgres] schema`).
    pub table: String,
}

impl Default for ArticlesTable {
    fn default() -> Self {
        Self { table: "newsmill_articles".into() }
    }
}

/// `[dead_letter.postgres]`: the table rejections go to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RejectionsTable {
    /// Table name (in `[postgres] schema`).
    pub table: String,
}

impl Default for RejectionsTable {
    fn default() -> Self {
        Self { table: "newsmill_rejections".into() }
    }
}

/// Why `name` cannot name a schema or table (none: it can). Names are quoted in every
/// statement; keeping them plain keeps them the same in `psql` and in the config.
pub(crate) fn bad_identifier(name: &str) -> Option<String> {
    let ok = name.len() <= 63
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (!ok).then(|| {
        format!("`{name}` is not a plain SQL name (letters, digits and `_`, at most 63, not starting with a digit)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls_are_checked() {
        assert!(PostgresConfig::default().problems().is_empty());
        let bad =
            PostgresConfig { url: "postgres://x:y@h:notaport/db".into(), schema: "a-b".into(), ..Default::default() };
        let keys: Vec<_> = bad.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["url", "schema"]);
        assert!(bad_identifier("newsmill_articles").is_none());
        assert!(bad_identifier("1x").is_some() && bad_identifier("").is_some() && bad_identifier("a;drop").is_some());
    }
}
