//! Sessions for the web (cookie) and the API (bearer token). Only a SHA-256 of the token is
//! stored, so a copy of the database does not hand out live sessions.

use super::Store;
use crate::domain::ids::UserId;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Sessions end after this long without a request (等保: 登录连接超时自动退出).
pub const IDLE_TIMEOUT_MS: i64 = 30 * 60 * 1000;
/// The default absolute lifetime of a session, however active (`session_lifetime_hours`).
pub const DEFAULT_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;
/// `last_seen_at` is written at most this often, not on every request.
const TOUCH_EVERY_MS: i64 = 30 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub kind: String,
}

/// A session just made: the token goes to the client once and is never stored.
pub struct NewSession {
    pub token: String,
    pub token_hash: String,
    pub csrf_token: String,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub async fn create_session(
        &self,
        user: &UserId,
        kind: SessionKind,
        ip: &str,
        now_ms: i64,
        lifetime_ms: i64,
    ) -> sqlx::Result<NewSession> {
        let token = random_token();
        let token_hash = hash_token(&token);
        let csrf_token = random_token();
        sqlx::query(
            "insert into sessions (token_hash, user_id, csrf_token, kind, created_at, last_seen_at, ip)
             values ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(&token_hash)
        .bind(user.as_str())
        .bind(&csrf_token)
        .bind(kind.as_str())
        .bind(now_ms)
        .bind(ip)
        .execute(&self.pool)
        .await?;
        // Sweep the expired ones now and then, so the table does not grow without bound.
        sqlx::query("delete from sessions where last_seen_at < $1 or created_at <= $2")
            .bind(now_ms - IDLE_TIMEOUT_MS)
            .bind(now_ms - lifetime_ms)
            .execute(&self.pool)
            .await?;
        Ok(NewSession {
            token,
            token_hash,
            csrf_token,
        })
    }

    /// The live session for a token of the given kind with its user, refreshed, in one query
    /// (every request makes it); `None` when unknown, idle too long, or older than `lifetime_ms`
    /// (等保: an absolute limit beside the idle one, so a session kept busy still ends).
    pub async fn touch_session(
        &self,
        token: &str,
        kind: SessionKind,
        now_ms: i64,
        lifetime_ms: i64,
    ) -> sqlx::Result<Option<(SessionRow, super::UserRow)>> {
        let token_hash = hash_token(token);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select s.csrf_token, s.kind, s.last_seen_at, s.created_at as session_created_at, {}
             from sessions s join users u on u.id = s.user_id join organisations o on o.id = u.org_id
             where s.token_hash = $1 and s.kind = $2",
            super::users::USER_COLUMNS
        )))
        .bind(&token_hash)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let created: i64 = row.try_get("session_created_at")?;
        if now_ms - last_seen >= IDLE_TIMEOUT_MS || now_ms - created >= lifetime_ms {
            self.delete_session(&token_hash).await?;
            return Ok(None);
        }
        if now_ms - last_seen >= TOUCH_EVERY_MS {
            sqlx::query("update sessions set last_seen_at = $1 where token_hash = $2")
                .bind(now_ms)
                .bind(&token_hash)
                .execute(&self.pool)
                .await?;
        }
        let user = super::users::user_from_row(&row)?;
        Ok(Some((
            SessionRow {
                token_hash,
                user_id: user.id.clone(),
                csrf_token: row.try_get("csrf_token")?,
                kind: row.try_get("kind")?,
            },
            user,
        )))
    }

    pub async fn delete_user_sessions(&self, user: &UserId) -> sqlx::Result<()> {
        sqlx::query("delete from sessions where user_id = $1")
            .bind(user.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> sqlx::Result<()> {
        sqlx::query("delete from sessions where token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
