//! Signing in, for the web form and the API alike: checking a name and password against the
//! lock-out policy, and starting a session.

use super::error::AppError;
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::password::{self, LockState, lock_state};
use crate::store::{Actor, AuditEntry, NewSession, SessionKind, UserRow, hash_token};

/// Why a sign-in was refused. Wrong name and wrong password read the same.
#[derive(Debug)]
pub enum LoginError {
    BadCredentials,
    Locked { until_ms: i64 },
    Internal(AppError),
}

impl LoginError {
    pub fn message(&self) -> String {
        match self {
            LoginError::BadCredentials => "用户名或密码错误".to_string(),
            LoginError::Locked { until_ms } => format!(
                "连续 {} 次登录失败，账户已锁定 {} 分钟，请于 {} 后再试",
                password::MAX_FAILED_ATTEMPTS,
                password::LOCK_MS / 60_000,
                format_ms(*until_ms)
            ),
            LoginError::Internal(e) => e.to_string(),
        }
    }
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Internal(e.into())
    }
}

/// The sign-in policy as the login page states it, from the same settings the store enforces.
pub fn policy_notice() -> String {
    format!(
        "连续 {} 次密码错误，账户将锁定 {} 分钟；{} 分钟无操作将自动退出。",
        password::MAX_FAILED_ATTEMPTS,
        password::LOCK_MS / 60_000,
        crate::store::IDLE_TIMEOUT_MS / 60_000
    )
}

/// Checks a name and password, counting failures and locking after
/// [`password::MAX_FAILED_ATTEMPTS`] in a row (web and API alike).
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
    ip: &str,
) -> Result<UserRow, LoginError> {
    let now = state.clock.now_ms();
    let username = username.trim();
    let actor = Actor {
        user_id: None,
        name: username.chars().take(64).collect(),
        ip: ip.to_string(),
    };
    let user = state.store.find_user_by_username(username).await?;
    // A disabled account, and one a security administrator has not approved (三权分立), reads
    // like an unknown name.
    let Some(user) = user.filter(|u| u.may_sign_in()) else {
        // Spend the same time as a real check, so response times do not reveal which names exist.
        let _ = state.store.verify_password(password, None).await;
        state
            .store
            .audit(
                &actor,
                now,
                AuditEntry {
                    action: "login.failure",
                    entity: "user",
                    entity_id: None,
                    before: None,
                    after: None,
                },
            )
            .await?;
        return Err(LoginError::BadCredentials);
    };
    if let LockState::Locked { until_ms } = lock_state(user.locked_until, now) {
        state
            .store
            .audit(
                &actor,
                now,
                AuditEntry {
                    action: "login.refused_locked",
                    entity: "user",
                    entity_id: Some(user.id.as_str()),
                    before: None,
                    after: None,
                },
            )
            .await?;
        return Err(LoginError::Locked { until_ms });
    }
    let ok = state
        .store
        .verify_password(password, Some(&user.password_hash))
        .await;
    if !ok {
        return match state.store.record_login_failure(&user, &actor, now).await? {
            Some(until_ms) => Err(LoginError::Locked { until_ms }),
            None => Err(LoginError::BadCredentials),
        };
    }
    state.store.reset_login_failures(&user.id).await?;
    let actor = Actor {
        user_id: Some(user.id.clone()),
        ..actor
    };
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
        .create_session(&user.id, kind, ip, state.clock.now_ms())
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
}
