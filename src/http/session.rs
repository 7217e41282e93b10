//! Signing in, for the web form and the API alike: throttling, checking a name and password
//! against the lock-out policy, the MLPS profile's checks, and starting a session.
//!
//! Unknown and known names go through the same steps and answer alike (issue 7): a name is
//! locked after five failures in a row whether or not an account has it, every attempt that is
//! not throttled spends exactly one password hash, and the messages do not tell them apart.

use super::error::AppError;
use crate::AppState;
use crate::clock::format_ms;
use crate::config::Config;
use crate::domain::password::{self, LockState, lock_state};
use crate::store::{Actor, AuditEntry, NewSession, SessionKind, UserRow, hash_token};

/// Why a sign-in was refused. Wrong name and wrong password read the same, and so do the locks
/// of either.
#[derive(Debug)]
pub enum LoginError {
    BadCredentials,
    /// The name is locked after too many failures in a row.
    Locked {
        until_ms: i64,
    },
    /// Too many attempts from this address or for this name just now; nothing was checked.
    Throttled {
        retry_after_ms: i64,
    },
    /// MLPS profile: the right password, for an account unused so long that it is now disabled.
    Dormant,
    Internal(AppError),
}

impl LoginError {
    pub fn message(&self) -> String {
        match self {
            LoginError::BadCredentials => "用户名或密码错误".to_string(),
            LoginError::Locked { until_ms } => format!(
                "该用户名连续 {} 次登录失败，已锁定 {} 分钟，请于 {} 后再试",
                password::MAX_FAILED_ATTEMPTS,
                password::LOCK_MS / 60_000,
                format_ms(*until_ms)
            ),
            LoginError::Throttled { retry_after_ms } => format!(
                "登录尝试过于频繁，请 {} 秒后再试",
                retry_after_secs(*retry_after_ms)
            ),
            LoginError::Dormant => format!(
                "该账户已超过 {} 天未使用，已按安全策略停用，请联系系统管理员启用",
                password::MLPS_DORMANT_AFTER_MS / (24 * 60 * 60 * 1000)
            ),
            LoginError::Internal(e) => e.to_string(),
        }
    }

    /// For the `Retry-After` header of a 429: whole seconds until trying again makes sense.
    pub fn retry_after_secs(&self, now_ms: i64) -> Option<i64> {
        match self {
            LoginError::Locked { until_ms } => Some(retry_after_secs(until_ms - now_ms)),
            LoginError::Throttled { retry_after_ms } => Some(retry_after_secs(*retry_after_ms)),
            _ => None,
        }
    }
}

fn retry_after_secs(ms: i64) -> i64 {
    ((ms + 999) / 1000).max(1)
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Internal(e.into())
    }
}

/// The sign-in policy as the login page states it, from the same settings that are enforced.
pub fn policy_notice(config: &Config) -> String {
    format!(
        "连续 {} 次密码错误，账户将锁定 {} 分钟；{} 分钟无操作或登录满 {} 小时将自动退出。",
        password::MAX_FAILED_ATTEMPTS,
        password::LOCK_MS / 60_000,
        crate::store::IDLE_TIMEOUT_MS / 60_000,
        config.session_lifetime_hours
    )
}

/// Checks a name and password: throttled per address and per name, counting failures and
/// locking the name after [`password::MAX_FAILED_ATTEMPTS`] in a row (web and API alike).
/// Returns the account; a second factor, where one is required, comes after this and before
/// [`start_session`].
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<UserRow, LoginError> {
    let now = state.clock.now_ms();
    let key = password::name_key(username);
    let username = username.trim();
    // Before anything is looked up or hashed: a throttled attempt costs nothing and says nothing.
    if let Err(t) = state
        .signin
        .try_acquire(&state.store, ip, &key, now)
        .await?
    {
        tracing::warn!(ip, name = ?key, "sign-in throttled");
        return Err(LoginError::Throttled {
            retry_after_ms: t.retry_after_ms,
        });
    }
    let actor = Actor {
        user_id: None,
        name: username.chars().take(64).collect(),
        ip: ip.to_string(),
    };
    // The same reads, and one hash, for every name: known, unknown, disabled or locked.
    let lock = state.store.sign_in_lock(&key).await?;
    let found = state.store.find_user_by_username(username).await?;
    // A disabled account, and one a security administrator has not approved (三权分立), reads
    // like an unknown name.
    let user = found.as_ref().filter(|u| u.may_sign_in());
    let ok = state
        .store
        .verify_password(password, user.map(|u| u.password_hash.as_str()))
        .await;
    if let LockState::Locked { until_ms } = lock_state(lock, now) {
        state
            .store
            .audit(
                &actor,
                now,
                AuditEntry {
                    action: "login.refused_locked",
                    entity: "user",
                    entity_id: found.as_ref().map(|u| u.id.as_str()),
                    before: None,
                    after: None,
                },
            )
            .await?;
        return Err(LoginError::Locked { until_ms });
    }
    let Some(user) = user.filter(|_| ok).cloned() else {
        return match state
            .store
            .record_sign_in_failure(&key, found.as_ref().map(|u| &u.id), &actor, now)
            .await?
        {
            Some(until_ms) => Err(LoginError::Locked { until_ms }),
            None => Err(LoginError::BadCredentials),
        };
    };
    // The right password: this attempt does not count against the address or the name.
    state.signin.give_back(&state.store, ip, &key, now).await;
    let actor = Actor {
        user_id: Some(user.id.clone()),
        ..actor
    };
    let user = mlps_checks(state, user, &actor, now).await?;
    state
        .store
        .record_sign_in_success(&key, &user.id, now)
        .await?;
    state
        .store
        .audit(
            &actor,
            now,
            AuditEntry {
                action: "login.success",
                entity: "user",
                entity_id: Some(user.id.as_str()),
                before: None,
                after: None,
            },
        )
        .await?;
    Ok(user)
}

/// The MLPS profile at sign-in (when on): an account unused for 90 days is disabled instead of
/// signed in; a password older than 90 days must be changed first.
async fn mlps_checks(
    state: &AppState,
    mut user: UserRow,
    actor: &Actor,
    now: i64,
) -> Result<UserRow, LoginError> {
    if !state.config.mlps_profile {
        return Ok(user);
    }
    if crate::services::signin::dormancy_applies(user.role)
        && password::dormant(user.last_used_at(), now)
    {
        let system = Actor::system("等保配置：长期未使用账户停用");
        let cutoff = now - password::MLPS_DORMANT_AFTER_MS;
        state
            .store
            .disable_dormant_user(&system, now, &user, cutoff)
            .await?;
        return Err(LoginError::Dormant);
    }
    if !user.must_change_password && password::password_expired(user.password_changed_at, now) {
        state
            .store
            .require_password_change(actor, now, &user)
            .await?;
        user.must_change_password = true;
    }
    Ok(user)
}

/// Starts a session of `kind` for a user who has just signed in. A new session id at every
/// sign-in: the one the client brought (`replacing`, if any) ends here.
pub async fn start_session(
    state: &AppState,
    user: &UserRow,
    kind: SessionKind,
    ip: &str,
    replacing: Option<&str>,
) -> Result<NewSession, AppError> {
    if let Some(old) = replacing {
        state.store.delete_session(&hash_token(old)).await?;
    }
    Ok(state
        .store
        .create_session(
            &user.id,
            kind,
            ip,
            state.clock.now_ms(),
            state.config.session_lifetime_ms(),
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::LoginError;
    use crate::domain::password::{LOCK_MS, MAX_FAILED_ATTEMPTS};

    #[test]
    fn the_lock_out_message_states_the_policy() {
        let m = LoginError::Locked { until_ms: 0 }.message();
        assert!(
            m.contains(&format!("连续 {MAX_FAILED_ATTEMPTS} 次"))
                && m.contains(&format!("锁定 {} 分钟", LOCK_MS / 60_000)),
            "{m}"
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let t = LoginError::Throttled {
            retry_after_ms: 1_001,
        };
        assert_eq!(t.retry_after_secs(0), Some(2));
        assert!(t.message().contains("请 2 秒后再试"));
        let l = LoginError::Locked { until_ms: 60_000 };
        assert_eq!(l.retry_after_secs(59_999), Some(1));
        assert_eq!(l.retry_after_secs(0), Some(60));
        assert_eq!(LoginError::BadCredentials.retry_after_secs(0), None);
    }
}
