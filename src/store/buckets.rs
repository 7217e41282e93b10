//! The sign-in throttle's buckets in the database (migration 0029), so that every instance on it
//! counts every attempt: [`crate::throttle`] says what a bucket is and decides with these.

use super::Store;
use sqlx::Row;
use std::collections::HashMap;

impl Store {
    /// Takes one token from each of `buckets` at `now_ms`, from all of them or from none, in one
    /// transaction (one commit). Each is given as (bucket, interval_ms, span_ms): its full-again
    /// instant moves on by `interval_ms` (from now, when it had passed) unless that would put it
    /// more than `span_ms` (a whole burst) ahead of now. "Now" is never before the bucket's
    /// `seen_at` (see migration 0029). True when the tokens were taken.
    pub async fn take_sign_in_tokens(
        &self,
        buckets: &[(&str, i64, i64)],
        now_ms: i64,
    ) -> sqlx::Result<bool> {
        // $2 is now; `seen` is now as the bucket counts it, `from` where the token's time starts.
        const SEEN: &str = "(case when b.seen_at > $2 then b.seen_at else $2 end)";
        let from = format!("(case when b.full_at > {SEEN} then b.full_at else {SEEN} end)");
        let sql = format!(
            "insert into sign_in_buckets as b (bucket, full_at, seen_at) values ($1, $2 + $3, $2)
             on conflict (bucket) do update set full_at = {from} + $3, seen_at = {SEEN}
             where {from} + $3 - {SEEN} <= $4
             returning full_at"
        );
        let mut tx = self.begin_write().await?;
        for (bucket, interval_ms, span_ms) in buckets {
            let taken = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(*bucket)
                .bind(now_ms)
                .bind(*interval_ms)
                .bind(*span_ms)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_none() {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Gives back one token to each of `buckets` (bucket, interval_ms) that is not full at
    /// `now_ms`, in one transaction.
    pub async fn give_back_sign_in_tokens(
        &self,
        buckets: &[(&str, i64)],
        now_ms: i64,
    ) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        for (bucket, interval_ms) in buckets {
            sqlx::query(
                "update sign_in_buckets set full_at = full_at - $2
                 where bucket = $1
                   and full_at > (case when seen_at > $3 then seen_at else $3 end)",
            )
            .bind(*bucket)
            .bind(*interval_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// When each of `buckets` that is kept is full again and when it was last counted in, as
    /// (full_at, seen_at) in Unix ms; a bucket not named in the answer is full.
    pub async fn sign_in_buckets(
        &self,
        buckets: &[&str],
    ) -> sqlx::Result<HashMap<String, (i64, i64)>> {
        let mut found = HashMap::new();
        for bucket in buckets {
            let row = sqlx::query("select full_at, seen_at from sign_in_buckets where bucket = $1")
                .bind(*bucket)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = row {
                found.insert(
                    bucket.to_string(),
                    (row.try_get("full_at")?, row.try_get("seen_at")?),
                );
            }
        }
        Ok(found)
    }

    /// Deletes the buckets that are full at `now_ms`: they carry nothing (a missing bucket is a
    /// full one). Returns how many went.
    pub async fn forget_full_sign_in_buckets(&self, now_ms: i64) -> sqlx::Result<u64> {
        // On PostgreSQL the sweep passes over the rows a sign-in holds (it takes an address's
        // row, then a name's): locking them in scan order could deadlock with it.
        let sql = match self.backend() {
            super::Backend::Postgres => {
                "delete from sign_in_buckets where bucket in (
                    select bucket from sign_in_buckets where full_at <= $1 for update skip locked)"
            }
            super::Backend::Sqlite => "delete from sign_in_buckets where full_at <= $1",
        };
        let done = sqlx::query(sql).bind(now_ms).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
