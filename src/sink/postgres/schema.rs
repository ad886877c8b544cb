//! The tables of the `postgres` outputs: their columns, the statements that create and fill
//! them, and the check at start that they are there (`newsmill migrate` makes them).

use tokio_postgres::Client;

use crate::sink::Holds;

/// A column: name and SQL type. Values travel as text and are cast on insert.
type Column = (&'static str, &'static str);

/// The articles table: the stable fields as columns, the whole record as `jsonb`.
const ARTICLES: &[Column] = &[
    ("id", "text"),
    ("url", "text"),
    ("title", "text"),
    ("byline", "text"),
    ("publisher", "text"),
    ("published", "text"),
    ("lang", "text"),
    ("page_type", "text"),
    ("story_id", "text"),
    ("dedup", "text"),
    ("duplicate_of", "text"),
    ("similarity", "double precision"),
    ("word_count", "integer"),
    ("content_hash", "text"),
    ("ingested_at", "timestamptz"),
    ("record", "jsonb"),
];

/// The rejections table; `key` stands for the rejected input (the same on every read of it).
const REJECTIONS: &[Column] = &[
    ("key", "text"),
    ("id", "text"),
    ("path", "text"),
    ("stage", "text"),
    ("kind", "text"),
    ("reason", "text"),
    ("rejected_at", "timestamptz"),
    ("record", "jsonb"),
];

/// What a table holds, and so its columns.
pub(crate) fn columns(holds: Holds) -> &'static [Column] {
    match holds {
        Holds::Articles => ARTICLES,
        Holds::Rejections => REJECTIONS,
    }
}

/// `"schema"."table"` (both checked plain names: see `config::bad_identifier`).
pub(crate) fn qualified(schema: &str, table: &str) -> String {
    format!("\"{schema}\".\"{table}\"")
}

/// A statement worth running where the server can (lz4 needs a server built with it): the
/// record column compressed with lz4 rather than pglz takes the server half the CPU to store
/// (4,625 articles, 43 MB: 1.2 s against 2.5 s), which on a machine shared with newsmill is
/// throughput.
pub(crate) fn tune(schema: &str, table: &str) -> String {
    format!("ALTER TABLE {} ALTER COLUMN record SET COMPRESSION lz4", qualified(schema, table))
}

/// The statements that create the schema and the table, or add the columns a newer version
/// has, leaving rows alone: running them again changes nothing.
pub(crate) fn create(holds: Holds, schema: &str, table: &str) -> Vec<String> {
    let cols = columns(holds);
    let name = qualified(schema, table);
    let key = cols[0].0;
    let mut out = vec![
        format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""),
        format!("CREATE TABLE IF NOT EXISTS {name} (\"{key}\" text PRIMARY KEY, record jsonb NOT NULL)"),
    ];
    for (col, ty) in cols[1..].iter().filter(|(c, _)| *c != "record") {
        out.push(format!("ALTER TABLE {name} ADD COLUMN IF NOT EXISTS \"{col}\" {ty}"));
    }
    let index = |col: &str| format!("CREATE INDEX IF NOT EXISTS \"{table}_{col}_idx\" ON {name} (\"{col}\")");
    match holds {
        Holds::Articles => out.extend([index("story_id"), index("ingested_at")]),
        Holds::Rejections => out.push(index("rejected_at")),
    }
    out
}

/// The insert of one batch: one text array per column, unnested into rows and cast; a row whose
/// key is there already (a record sent again after a crash) is left as it is.
pub(crate) fn insert(holds: Holds, schema: &str, table: &str) -> String {
    let cols = columns(holds);
    let names = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let casts = cols
        .iter()
        .map(|(c, ty)| if *ty == "text" { format!("u.\"{c}\"") } else { format!("u.\"{c}\"::{ty}") })
        .collect::<Vec<_>>()
        .join(", ");
    let arrays = (1..=cols.len()).map(|i| format!("${i}::text[]")).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO {} ({names}) SELECT {casts} FROM unnest({arrays}) AS u({names}) ON CONFLICT (\"{}\") DO NOTHING",
        qualified(schema, table),
        cols[0].0
    )
}

/// Why the check at start failed.
#[derive(Debug)]
pub(crate) enum Missing {
    /// The table is not there, or lacks columns: a person must run `newsmill migrate`.
    Table(String),
    /// The server did not answer the question (the connection was cut or ended by the server):
    /// try again, as for a server that could not be reached.
    Unanswered(String),
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::Table(m) | Missing::Unanswered(m) => f.write_str(m),
        }
    }
}

/// Checks that the table is there with every column; the error names the way out.
pub(crate) async fn check(client: &Client, holds: Holds, schema: &str, table: &str) -> Result<(), Missing> {
    let rows = client
        .query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
            &[&schema, &table],
        )
        .await
        .map_err(|e| Missing::Unanswered(format!("cannot read the columns of {}: {e}", qualified(schema, table))))?;
    let have: Vec<String> = rows.iter().filter_map(|r| r.try_get::<_, String>(0).ok()).collect();
    if have.is_empty() {
        return Err(Missing::Table(format!(
            "table {} does not exist; run `newsmill migrate` with this config to create it",
            qualified(schema, table)
        )));
    }
    let missing: Vec<&str> = columns(holds).iter().map(|(c, _)| *c).filter(|c| !have.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        return Err(Missing::Table(format!(
            "table {} lacks the columns {}; run `newsmill migrate` with this config to add them",
            qualified(schema, table),
            missing.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_name_every_column_once_and_in_order() {
        let sql = insert(Holds::Articles, "news", "articles");
        assert!(sql.starts_with("INSERT INTO \"news\".\"articles\" (\"id\", \"url\""), "{sql}");
        assert!(sql.contains("u.\"similarity\"::double precision") && sql.contains("u.\"record\"::jsonb"), "{sql}");
        assert!(
            sql.contains(&format!("${}::text[]", ARTICLES.len())) && sql.ends_with("ON CONFLICT (\"id\") DO NOTHING")
        );
        let ddl = create(Holds::Rejections, "news", "rejected");
        assert!(ddl[1].contains("\"key\" text PRIMARY KEY"), "{ddl:?}");
        assert_eq!(ddl.iter().filter(|s| s.contains("ADD COLUMN")).count(), REJECTIONS.len() - 2);
    }
}
