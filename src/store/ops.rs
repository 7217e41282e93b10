//! What backups and restores ask of the database: its schema version, the attachments it refers
//! to, whether it already holds tables.

use super::{Backend, Store};
use sqlx::Row;

impl Store {
    /// The newest migration applied to this database.
    pub async fn schema_version(&self) -> sqlx::Result<i64> {
        sqlx::query("select cast(coalesce(max(version), 0) as bigint) as v from _sqlx_migrations where success")
            .fetch_one(&self.pool)
            .await?
            .try_get("v")
    }

    /// The newest migration this build of the platform carries for `backend`.
    pub fn known_schema_version(backend: Backend) -> i64 {
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The sha256 of every file the database refers to (attachments and past monthly reports'
    /// own files), each once, sorted.
    pub async fn attachment_digests(&self) -> sqlx::Result<Vec<String>> {
        sqlx::query(
            "select sha256 from attachments union select sha256 from monthly_report_files order by sha256",
        )
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("sha256"))
            .collect()
    }

    /// How many tables the PostgreSQL database's `public` schema holds (a restore target should
    /// hold none).
    pub async fn public_table_count(&self) -> sqlx::Result<i64> {
        sqlx::query(
            "select cast(count(*) as bigint) as n from information_schema.tables where table_schema = 'public'",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")
    }

    /// Claims the run of a scheduled `job` for `period` (migration 0029): true for the one
    /// instance whose row went in, which runs it; false when another instance (or this one,
    /// before a restart) has it already.
    pub async fn claim_scheduled_run(
        &self,
        job: &str,
        period: &str,
        now_ms: i64,
    ) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "insert into scheduled_runs (job, period, ran_at) values ($1, $2, $3)
             on conflict (job, period) do nothing",
        )
        .bind(job)
        .bind(period)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed run back (it failed), so that a later check may claim it again.
    pub async fn release_scheduled_run(&self, job: &str, period: &str) -> sqlx::Result<()> {
        sqlx::query("delete from scheduled_runs where job = $1 and period = $2")
            .bind(job)
            .bind(period)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
