//! The second factor's records: confirmed authenticators, recovery-code hashes and the
//! challenges between a right password and the code. Every "at most once" rule is one
//! conditional update, so two requests racing with the same code cannot both succeed.

use super::audit::{self, Actor, AuditEntry};
use super::{SessionKind, Store, StoreError, hash_token, random_token};
use crate::domain::ids::UserId;
use crate::domain::totp;
use serde_json::json;
use sqlx::Row;

fn kind_code(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Web => "web",
        SessionKind::Api => "api",
    }
}

/// A confirmed authenticator.
#[derive(Debug, Clone)]
pub struct SecondFactorRow {
    /// base32, as the authenticator app was given it.
    pub secret: String,
    pub last_step: i64,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
}

/// A challenge waiting for its code.
#[derive(Debug, Clone)]
pub struct ChallengeRow {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub next_path: String,
    /// The secret being set up (base32), when the user has no authenticator yet.
    pub enrol_secret: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
}

/// The outcome of [`Store::reserve_code_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeAttempt {
    /// One check may go ahead. `wrong` counts it as wrong until a right code clears the count;
    /// `lock_until` is the lock it started (it stands unless the code turns out right).
    Reserved { wrong: i64, lock_until: Option<i64> },
    /// The second step is locked until then.
    Locked { until_ms: i64 },
    /// No authenticator (reset since the password step).
    NoFactor,
}

/// A challenge just made: the token goes to the client once and is never stored.
pub struct NewChallenge {
    pub token: String,
    pub csrf_token: String,
}

impl Store {
    pub async fn second_factor(&self, user: &UserId) -> sqlx::Result<Option<SecondFactorRow>> {
        let row = sqlx::query(
            "select secret, last_step, failed_attempts, locked_until from second_factors where user_id = $1",
        )
        .bind(user.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SecondFactorRow {
                secret: r.try_get("secret")?,
                last_step: r.try_get("last_step")?,
                failed_attempts: r.try_get("failed_attempts")?,
                locked_until: r.try_get("locked_until")?,
            })
        })
        .transpose()
    }

    /// Starts the second step of a sign-in; expired challenges are swept on the way.
    pub async fn create_challenge(
        &self,
        user: &UserId,
        kind: SessionKind,
        next_path: &str,
        enrol_secret: Option<&str>,
        ip: &str,
        now_ms: i64,
    ) -> sqlx::Result<NewChallenge> {
        let token = random_token();
        let csrf_token = random_token();
        sqlx::query("delete from second_factor_challenges where created_at <= $1")
            .bind(now_ms - totp::CHALLENGE_LIFETIME_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "insert into second_factor_challenges (token_hash, user_id, kind, csrf_token, next_path, enrol_secret, attempts, created_at, ip)
             values ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
        )
        .bind(hash_token(&token))
        .bind(user.as_str())
        .bind(kind_code(kind))
        .bind(&csrf_token)
        .bind(next_path)
        .bind(enrol_secret)
        .bind(now_ms)
        .bind(ip)
        .execute(&self.pool)
        .await?;
        Ok(NewChallenge { token, csrf_token })
    }

    /// The live challenge of a token of the given kind; `None` when unknown or expired.
    pub async fn challenge(
        &self,
        token: &str,
        kind: SessionKind,
        now_ms: i64,
    ) -> sqlx::Result<Option<ChallengeRow>> {
        let token_hash = hash_token(token);
        let row = sqlx::query(
            "select user_id, csrf_token, next_path, enrol_secret, attempts, created_at
             from second_factor_challenges where token_hash = $1 and kind = $2",
        )
        .bind(&token_hash)
        .bind(kind_code(kind))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        if now_ms - created_at >= totp::CHALLENGE_LIFETIME_MS {
            self.delete_challenge(&token_hash).await?;
            return Ok(None);
        }
        Ok(Some(ChallengeRow {
            token_hash,
            user_id: UserId::from_db(row.try_get("user_id")?),
            csrf_token: row.try_get("csrf_token")?,
            next_path: row.try_get("next_path")?,
            enrol_secret: row.try_get("enrol_secret")?,
            attempts: row.try_get("attempts")?,
            created_at,
        }))
    }

    pub async fn delete_challenge(&self, token_hash: &str) -> sqlx::Result<()> {
        sqlx::query("delete from second_factor_challenges where token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Reserves one try of a live challenge before its code is checked: one conditional update,
    /// so parallel requests on one challenge cannot check more than
    /// [`totp::CHALLENGE_MAX_ATTEMPTS`] codes between them. Returns the tries made so far, this
    /// one included; `None` when the challenge is unknown, expired or out of tries.
    pub async fn reserve_challenge_attempt(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query(
            "update second_factor_challenges set attempts = attempts + 1
             where token_hash = $1 and attempts < $2 and created_at > $3
             returning attempts",
        )
        .bind(token_hash)
        .bind(totp::CHALLENGE_MAX_ATTEMPTS)
        .bind(now_ms - totp::CHALLENGE_LIFETIME_MS)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get("attempts"))
        .transpose()
    }

    /// Confirms an enrolment: the authenticator (with the step its first code used, so that code
    /// cannot be used again), the recovery-code hashes, the challenge gone, and the audit entry,
    /// all or none. A conflict when the user enrolled meanwhile (another tab).
    pub async fn confirm_enrolment(
        &self,
        actor: &Actor,
        now_ms: i64,
        challenge: &ChallengeRow,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("delete from second_factor_challenges where token_hash = $1")
            .bind(&challenge.token_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        let inserted = sqlx::query(
            "insert into second_factors (user_id, secret, confirmed_at, last_step, failed_attempts, locked_until)
             values ($1, $2, $3, $4, 0, null)",
        )
        .bind(challenge.user_id.as_str())
        .bind(secret)
        .bind(now_ms)
        .bind(step)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            return Err(if super::unique_violation(&e).is_some() {
                StoreError::Conflict("此账户已设置身份验证器，请重新登录".into())
            } else {
                e.into()
            });
        }
        // Codes of an earlier enrolment (reset since) go with it.
        sqlx::query("delete from recovery_codes where user_id = $1")
            .bind(challenge.user_id.as_str())
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query(
                "insert into recovery_codes (user_id, code_hash, created_at, used_at) values ($1, $2, $3, null)",
            )
            .bind(challenge.user_id.as_str())
            .bind(hash)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "second_factor.enrol",
                entity: "user",
                entity_id: Some(challenge.user_id.as_str()),
                before: None,
                after: Some(json!({ "method": "totp", "recovery_codes": recovery_hashes.len() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the code of time step `step`: true only when no code of that step or a later one
    /// was taken before (RFC 6238 §5.2: a code is accepted once). Clears the wrong-code count.
    pub async fn accept_step(&self, user: &UserId, step: i64) -> sqlx::Result<bool> {
        let n = sqlx::query(
            "update second_factors set last_step = $1, failed_attempts = 0, locked_until = null
             where user_id = $2 and last_step < $1",
        )
        .bind(step)
        .bind(user.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Uses up a recovery code: true only for an unused code of this user. Clears the
    /// wrong-code count.
    pub async fn use_recovery_code(
        &self,
        user: &UserId,
        code_hash: &str,
        now_ms: i64,
    ) -> sqlx::Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "update recovery_codes set used_at = $1 where user_id = $2 and code_hash = $3 and used_at is null",
        )
        .bind(now_ms)
        .bind(user.as_str())
        .bind(code_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            sqlx::query(
                "update second_factors set failed_attempts = 0, locked_until = null where user_id = $1",
            )
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Recovery codes not used yet.
    pub async fn recovery_codes_left(&self, user: &UserId) -> sqlx::Result<i64> {
        sqlx::query(
            "select count(*) as n from recovery_codes where user_id = $1 and used_at is null",
        )
        .bind(user.as_str())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")
    }

    /// Reserves one code check against the user before the code is checked, counted as wrong
    /// until a right code clears the count ([`Store::accept_step`], [`Store::use_recovery_code`]).
    /// Refused while the second step is locked. The reservation that reaches a lock (the 5th,
    /// 10th … in a row: [`totp::lock_after_wrong_codes`]) starts the lock at once, in the same
    /// transaction, so parallel requests cannot check further codes while it is being checked.
    ///
    /// The first statement is the write: on SQLite the transaction holds the write lock from its
    /// start (no read-to-write upgrade), on PostgreSQL the row lock makes a parallel update wait
    /// and re-check its condition against the count and lock written here.
    pub async fn reserve_code_attempt(
        &self,
        user: &UserId,
        now_ms: i64,
    ) -> sqlx::Result<CodeAttempt> {
        let mut tx = self.begin_write().await?;
        let wrong: Option<i64> = sqlx::query(
            "update second_factors set failed_attempts = failed_attempts + 1
             where user_id = $1 and (locked_until is null or locked_until <= $2)
             returning failed_attempts",
        )
        .bind(user.as_str())
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("failed_attempts"))
        .transpose()?;
        let Some(wrong) = wrong else {
            tx.rollback().await?;
            return Ok(match self.second_factor(user).await? {
                Some(SecondFactorRow {
                    locked_until: Some(until_ms),
                    ..
                }) if until_ms > now_ms => CodeAttempt::Locked { until_ms },
                // Reset by an administrator meanwhile.
                _ => CodeAttempt::NoFactor,
            });
        };
        let lock_until = totp::lock_after_wrong_codes(wrong, now_ms);
        if let Some(until) = lock_until {
            sqlx::query("update second_factors set locked_until = $1 where user_id = $2")
                .bind(until)
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(CodeAttempt::Reserved { wrong, lock_until })
    }

    /// Ends every waiting challenge of a user (their second step has just locked).
    pub async fn delete_challenges_of(&self, user: &UserId) -> sqlx::Result<()> {
        sqlx::query("delete from second_factor_challenges where user_id = $1")
            .bind(user.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes a user's authenticator and recovery codes (a lost phone) and ends their sessions
    /// and challenges, so the next sign-in sets up a new one. `NotFound` when none was set up.
    pub async fn reset_second_factor(
        &self,
        actor: &Actor,
        now_ms: i64,
        user: &UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("delete from second_factors where user_id = $1")
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let codes = sqlx::query("delete from recovery_codes where user_id = $1")
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for table in ["second_factor_challenges", "sessions"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "delete from {table} where user_id = $1"
            )))
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "second_factor.reset",
                entity: "user",
                entity_id: Some(user.as_str()),
                before: Some(json!({ "method": "totp", "recovery_codes": codes })),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
