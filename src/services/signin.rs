//! Passwords of signed-in users and the MLPS profile's account rules, for every door: the web
//! form and the JSON API change a password through [`change_own_password`]; `serve` runs
//! [`daily_dormancy_sweep`] when the profile is on. (Checking a name and password at sign-in is
//! `http::session::authenticate`, which both doors share.)

use crate::clock::Clock;
use crate::domain::FieldError;
use crate::domain::ids::UserId;
use crate::domain::password::{self, MLPS_DORMANT_AFTER_MS};
use crate::domain::user::Role;
use crate::store::{Actor, Store, StoreError};

/// Why a password was not changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The current password given is wrong (it counts towards the lock-out like a failed sign-in).
    #[error("当前密码：不正确")]
    WrongCurrent,
    /// That wrong current password was the last one allowed: the name is locked and every session
    /// of the user has ended.
    #[error("连续 {} 次密码错误，已锁定", password::MAX_FAILED_ATTEMPTS)]
    Locked { until_ms: i64 },
    /// The new password is refused (policy, or the same as the current one).
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(StoreError),
}

impl From<sqlx::Error> for PasswordChangeError {
    fn from(e: sqlx::Error) -> Self {
        PasswordChangeError::Store(e.into())
    }
}

/// Who is changing their own password, and from which session (kept; every other one ends).
pub struct OwnAccount<'a> {
    pub user_id: &'a UserId,
    pub session_hash: &'a str,
    pub actor: Actor,
}

/// Changes a signed-in user's own password after checking the current one. A wrong current
/// password counts as a failed sign-in of the name; the last one allowed locks it and ends the
/// user's sessions.
pub async fn change_own_password(
    store: &Store,
    now_ms: i64,
    who: OwnAccount<'_>,
    current: &str,
    new_password: &str,
) -> Result<(), PasswordChangeError> {
    let row = store
        .get_user(who.user_id)
        .await?
        .ok_or(PasswordChangeError::Store(StoreError::NotFound))?;
    if !store
        .verify_password(current, Some(&row.password_hash))
        .await
    {
        let key = password::name_key(&row.username);
        if let Some(until_ms) = store
            .record_sign_in_failure(&key, Some(&row.id), &who.actor, now_ms)
            .await?
        {
            store.delete_user_sessions(who.user_id).await?;
            return Err(PasswordChangeError::Locked { until_ms });
        }
        return Err(PasswordChangeError::WrongCurrent);
    }
    if new_password == current {
        return Err(PasswordChangeError::Invalid(FieldError::new(
            "新密码",
            "不能与当前密码相同",
        )));
    }
    match store
        .set_password(
            &who.actor,
            now_ms,
            who.user_id,
            new_password,
            false,
            Some(who.session_hash),
        )
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Invalid(e)) => Err(PasswordChangeError::Invalid(e)),
        Err(e) => Err(PasswordChangeError::Store(e)),
    }
}

/// Whether the MLPS profile disables accounts of this role when unused. Not the system
/// administrators': they re-enable the others, and are few and known.
pub fn dormancy_applies(role: Role) -> bool {
    role != Role::Sysadmin
}

/// MLPS profile: disables every account unused for 90 days. Returns how many were disabled.
pub async fn disable_dormant_accounts(store: &Store, now_ms: i64) -> Result<usize, StoreError> {
    let cutoff = now_ms - MLPS_DORMANT_AFTER_MS;
    let actor = Actor::system("等保配置：长期未使用账户停用");
    let mut n = 0;
    for user in store.dormant_users(cutoff).await? {
        if dormancy_applies(user.role)
            && store
                .disable_dormant_user(&actor, now_ms, &user, cutoff)
                .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Runs [`disable_dormant_accounts`] at start and then once a day, for as long as the server runs.
pub async fn daily_dormancy_sweep(store: Store, clock: Clock) {
    loop {
        match disable_dormant_accounts(&store, clock.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(disabled = n, "MLPS profile: dormant accounts disabled"),
            Err(e) => tracing::error!(error = ?e, "MLPS profile: the dormant-account sweep failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 60 * 60)).await;
    }
}
