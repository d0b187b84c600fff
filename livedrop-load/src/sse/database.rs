//! PostgreSQL's own count of the work it did, read twice around the idle period: a hub
//! that idles must cost the database nothing per stream. Statements from
//! `pg_stat_statements` when the extension is installed and loaded, else committed
//! transactions from `pg_stat_database` (updated by the server about once a second, so
//! coarser). The two reads themselves add one or two to the count.

use crate::Error;

/// One reading: where from, and the count.
#[derive(Clone, Debug, PartialEq)]
pub struct Counter {
    /// `pg_stat_statements` or `pg_stat_database.xact_commit`.
    pub source: &'static str,
    /// Statements (or transactions) so far.
    pub value: f64,
}

/// Reads the counter of the database `url` names.
///
/// # Errors
/// The database cannot be reached, or neither view can be read.
#[cfg(feature = "postgres")]
pub async fn read(url: &str) -> Result<Counter, Error> {
    use sqlx::Connection;

    let mut connection = sqlx::PgConnection::connect(url).await?;
    let statements: Result<f64, sqlx::Error> = sqlx::query_scalar(
        "SELECT COALESCE(sum(calls), 0)::float8 FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(&mut connection)
    .await;
    let counter = match statements {
        Ok(value) => Counter {
            source: "pg_stat_statements",
            value,
        },
        // Not installed, or not in `shared_preload_libraries`: the coarser view.
        Err(_) => Counter {
            source: "pg_stat_database.xact_commit",
            value: sqlx::query_scalar(
                "SELECT xact_commit::float8 FROM pg_stat_database \
                 WHERE datname = current_database()",
            )
            .fetch_one(&mut connection)
            .await?,
        },
    };
    connection.close().await?;
    Ok(counter)
}

/// Without feature `postgres` there is no driver; [`SseConfig::validate`] refuses
/// `--database-url` before the run.
///
/// [`SseConfig::validate`]: crate::SseConfig::validate
///
/// # Errors
/// Always.
#[cfg(not(feature = "postgres"))]
pub async fn read(_url: &str) -> Result<Counter, Error> {
    Err("--database-url needs a build with feature `postgres`".into())
}
