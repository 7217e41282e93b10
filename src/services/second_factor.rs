//! The second step of signing in (等保 8.1.4.1), for the web form and the JSON API alike: after a
//! right password, a user whose role the `two_factor_roles` setting lists gives a one-time code
//! from an authenticator app (or a recovery code) before a session starts; one without an
//! authenticator sets one up first. Also the reset of someone's second factor (a lost phone).

use super::ServiceError;
use super::access::{self, Viewer};
use crate::config::Config;
use crate::domain::FieldError;
use crate::domain::ids::UserId;
use crate::domain::totp::{self, SecondFactorInput};
use crate::domain::user::Role;
use crate::store::second_factor::{ChallengeRow, CodeAttempt};
use crate::store::{Actor, AuditEntry, SessionKind, Store, StoreError, UserRow};
use crate::throttle::SignInLimiter;
use rand::RngCore;
use serde_json::json;

/// The roles the setting lists, read with [`Role::parse`]; unknown codes are left out.
pub fn roles(config: &Config) -> Vec<Role> {
    config
        .two_factor_roles
        .iter()
        .filter_map(|c| Role::parse(c))
        .collect()
}

/// The codes of the setting that name no role (for a warning at start).
pub fn unknown_roles(config: &Config) -> Vec<String> {
    config
        .two_factor_roles
        .iter()
        .filter(|c| Role::parse(c).is_none())
        .cloned()
        .collect()
}

/// Whether users of `role` give a second factor when they sign in.
pub fn required(config: &Config, role: Role) -> bool {
    roles(config).contains(&role)
}

/// An authenticator being set up: what the app is given.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// base32, for typing by hand.
    pub secret: String,
    pub otpauth_uri: String,
}

impl Enrolment {
    fn of(username: &str, secret_b32: &str) -> Option<Self> {
        let bytes = totp::base32_decode(secret_b32)?;
        Some(Self {
            secret: secret_b32.to_string(),
            otpauth_uri: totp::otpauth_uri(username, &bytes),
        })
    }
}

/// A second step begun: the token for the client (a cookie or the JSON answer), and, for a user
/// without an authenticator, the one to set up.
#[derive(Debug)]
pub struct Started {
    pub token: String,
    pub enrolment: Option<Enrolment>,
}

/// A second step waiting for its code, as its page shows it.
#[derive(Debug)]
pub struct Pending {
    pub username: String,
    pub csrf_token: String,
    pub enrolment: Option<Enrolment>,
    pub attempts_left: i64,
    pub expires_at: i64,
}

/// A second step done: the user to start a session for, where they were going, and (at
/// enrolment) the recovery codes to show once.
#[derive(Debug)]
pub struct Completed {
    pub user: UserRow,
    pub next_path: String,
    pub recovery_codes: Vec<String>,
}

/// Why a second step did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    /// No such challenge, or its five minutes are over: sign in again.
    #[error("登录验证已失效（须在 {} 分钟内完成），请重新登录", totp::CHALLENGE_LIFETIME_MS / 60_000)]
    Expired,
    /// Not a code at all (nothing was counted).
    #[error("{0}")]
    Invalid(FieldError),
    /// A wrong, or already used, code.
    #[error("验证码：不正确或已使用过，还可尝试 {attempts_left} 次")]
    WrongCode { attempts_left: i64 },
    /// The challenge's last try was wrong: sign in again.
    #[error("验证码：错误次数过多，请重新登录")]
    TooManyAttempts,
    /// Too many wrong codes in a row: the second step is locked for a while (longer each time).
    #[error(
        "验证码连续 {} 次错误，第二步验证已锁定，请于 {} 后再试（正确验证之前，每再错 {} 次锁定时间加倍，最长 {} 小时）",
        totp::MAX_WRONG_CODES,
        crate::clock::format_ms(*until_ms),
        totp::MAX_WRONG_CODES,
        totp::CODE_LOCK_MAX_MS / 3_600_000
    )]
    Locked { until_ms: i64 },
    /// Too many tries from this address or for this user just now (the sign-in limiter);
    /// nothing was checked or counted.
    #[error("验证尝试过于频繁，请 {} 秒后再试", retry_after_secs(*retry_after_ms))]
    Throttled { retry_after_ms: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SecondFactorError {
    /// For the `Retry-After` header of a 429: whole seconds until trying again makes sense.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            SecondFactorError::Throttled { retry_after_ms } => {
                Some(retry_after_secs(*retry_after_ms))
            }
            _ => None,
        }
    }
}

fn retry_after_secs(ms: i64) -> i64 {
    ((ms + 999) / 1000).max(1)
}

impl From<sqlx::Error> for SecondFactorError {
    fn from(e: sqlx::Error) -> Self {
        SecondFactorError::Store(e.into())
    }
}

fn user_actor(user: &UserRow, ip: &str) -> Actor {
    Actor {
        user_id: Some(user.id.clone()),
        name: user.username.clone(),
        ip: ip.to_string(),
    }
}

async fn audit(
    store: &Store,
    actor: &Actor,
    now_ms: i64,
    action: &'static str,
    user: &UserId,
    after: serde_json::Value,
) -> sqlx::Result<()> {
    store
        .audit(
            actor,
            now_ms,
            AuditEntry {
                action,
                entity: "user",
                entity_id: Some(user.as_str()),
                before: None,
                after: Some(after),
            },
        )
        .await
}

/// Begins the second step for a user whose password was just right. A user without an
/// authenticator gets a new secret to set up; one whose second step is locked is refused.
pub async fn begin(
    store: &Store,
    user: &UserRow,
    kind: SessionKind,
    next_path: &str,
    ip: &str,
    now_ms: i64,
) -> Result<Started, SecondFactorError> {
    let factor = store.second_factor(&user.id).await?;
    if let Some(until_ms) = factor
        .as_ref()
        .and_then(|f| f.locked_until)
        .filter(|u| *u > now_ms)
    {
        let actor = user_actor(user, ip);
        let after = json!({ "locked_until": until_ms });
        audit(
            store,
            &actor,
            now_ms,
            "login.second_factor_refused_locked",
            &user.id,
            after,
        )
        .await?;
        return Err(SecondFactorError::Locked { until_ms });
    }
    let enrol_secret = factor.is_none().then(|| {
        let mut bytes = [0u8; totp::SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        totp::base32_encode(&bytes)
    });
    let challenge = store
        .create_challenge(
            &user.id,
            kind,
            next_path,
            enrol_secret.as_deref(),
            ip,
            now_ms,
        )
        .await?;
    // The password step's own entry says only that the password was right: this one says that
    // no session starts until the code (an auditor reads the two together).
    let after = json!({ "enrolment": enrol_secret.is_some() });
    let actor = user_actor(user, ip);
    audit(
        store,
        &actor,
        now_ms,
        "login.second_factor_required",
        &user.id,
        after,
    )
    .await?;
    Ok(Started {
        token: challenge.token,
        enrolment: enrol_secret.and_then(|s| Enrolment::of(&user.username, &s)),
    })
}

async fn live_challenge(
    store: &Store,
    token: &str,
    kind: SessionKind,
    now_ms: i64,
) -> Result<(ChallengeRow, UserRow), SecondFactorError> {
    let challenge = store
        .challenge(token, kind, now_ms)
        .await?
        .ok_or(SecondFactorError::Expired)?;
    let user = store
        .get_user(&challenge.user_id)
        .await?
        // Disabled, not (or no longer) approved since the password step: no second step either.
        .filter(|u| u.may_sign_in())
        .ok_or(SecondFactorError::Expired)?;
    Ok((challenge, user))
}

/// The second step a token stands for, for its page; `Expired` when there is none.
pub async fn pending(
    store: &Store,
    token: &str,
    kind: SessionKind,
    now_ms: i64,
) -> Result<Pending, SecondFactorError> {
    let (challenge, user) = live_challenge(store, token, kind, now_ms).await?;
    Ok(Pending {
        enrolment: challenge
            .enrol_secret
            .as_deref()
            .and_then(|s| Enrolment::of(&user.username, s)),
        username: user.username,
        csrf_token: challenge.csrf_token,
        attempts_left: totp::CHALLENGE_MAX_ATTEMPTS - challenge.attempts,
        expires_at: challenge.created_at + totp::CHALLENGE_LIFETIME_MS,
    })
}

/// Completes the second step with what the user typed: a code from the authenticator (the
/// first one also confirms an enrolment) or a recovery code. Each code is good once.
///
/// Every try goes through the sign-in `limiter` (per address and per user name, as the password
/// step) and reserves its place, per challenge and per user, before the code is checked: the
/// limits hold however many requests arrive at once.
pub async fn complete(
    store: &Store,
    limiter: &SignInLimiter,
    token: &str,
    kind: SessionKind,
    input: &str,
    ip: &str,
    now_ms: i64,
) -> Result<Completed, SecondFactorError> {
    let (challenge, user) = live_challenge(store, token, kind, now_ms).await?;
    let name_key = crate::domain::password::name_key(&user.username);
    let acquired = limiter
        .try_acquire(store, ip, &name_key, now_ms)
        .await
        .map_err(StoreError::from)?;
    if let Err(t) = acquired {
        tracing::warn!(ip, name = ?name_key, "second factor throttled");
        return Err(SecondFactorError::Throttled {
            retry_after_ms: t.retry_after_ms,
        });
    }
    let done = check_code(store, &challenge, user, input, ip, now_ms).await;
    if done.is_ok() {
        // As for a right password: a right code does not count against the address or name.
        limiter.give_back(store, ip, &name_key, now_ms).await;
    }
    done
}

async fn check_code(
    store: &Store,
    challenge: &ChallengeRow,
    user: UserRow,
    input: &str,
    ip: &str,
    now_ms: i64,
) -> Result<Completed, SecondFactorError> {
    // Not a code at all: said by name, and not counted.
    let input = totp::parse_input(input).map_err(SecondFactorError::Invalid)?;
    let actor = user_actor(&user, ip);
    // The challenge's try first: out of tries (parallel requests included) or expired, nothing
    // is checked.
    let attempts = store
        .reserve_challenge_attempt(&challenge.token_hash, now_ms)
        .await?
        .ok_or(SecondFactorError::Expired)?;
    if let Some(secret) = challenge.enrol_secret.clone() {
        let attempt = Attempt {
            challenge,
            attempts,
            lock_until: None,
        };
        return confirm_enrolment(store, attempt, user, &secret, input, &actor, now_ms).await;
    }
    // Then the user's: refused while locked; the one that reaches a lock starts it.
    let lock_until = match store.reserve_code_attempt(&user.id, now_ms).await? {
        CodeAttempt::Reserved { lock_until, .. } => lock_until,
        CodeAttempt::Locked { until_ms } => return Err(SecondFactorError::Locked { until_ms }),
        // Reset by an administrator since the password step.
        CodeAttempt::NoFactor => return Err(SecondFactorError::Expired),
    };
    let attempt = Attempt {
        challenge,
        attempts,
        lock_until,
    };
    let factor = store
        .second_factor(&user.id)
        .await?
        .ok_or(SecondFactorError::Expired)?;
    let (accepted, method) = match &input {
        SecondFactorInput::Code(code) => {
            let secret = totp::base32_decode(&factor.secret).ok_or_else(|| {
                StoreError::Internal(anyhow::anyhow!("stored TOTP secret is not base32"))
            })?;
            let accepted = match totp::matching_step(&secret, code, now_ms) {
                Some(step) => store.accept_step(&user.id, step).await?,
                None => false,
            };
            (accepted, "totp")
        }
        SecondFactorInput::Recovery(code) => {
            let hash = totp::recovery_hash(user.id.as_str(), code);
            let accepted = store.use_recovery_code(&user.id, &hash, now_ms).await?;
            (accepted, "recovery_code")
        }
    };
    if !accepted {
        return Err(wrong_code(store, &attempt, &user, &actor, method, now_ms).await);
    }
    store.delete_challenge(&challenge.token_hash).await?;
    let mut after = json!({ "method": method });
    if method == "recovery_code" {
        after["recovery_codes_left"] = store.recovery_codes_left(&user.id).await?.into();
    }
    audit(
        store,
        &actor,
        now_ms,
        "login.second_factor_success",
        &user.id,
        after,
    )
    .await?;
    Ok(Completed {
        next_path: challenge.next_path.clone(),
        user,
        recovery_codes: Vec::new(),
    })
}

/// One reserved try: the challenge, its tries so far (this one included) and the lock this try
/// started for the user, if it was the one to reach it.
struct Attempt<'a> {
    challenge: &'a ChallengeRow,
    attempts: i64,
    lock_until: Option<i64>,
}

/// The first code from a new authenticator: right, and the authenticator and ten recovery codes
/// are stored; wrong, and it counts against the challenge (not against the user: nothing is
/// set up yet to guess against).
async fn confirm_enrolment(
    store: &Store,
    attempt: Attempt<'_>,
    user: UserRow,
    secret_b32: &str,
    input: SecondFactorInput,
    actor: &Actor,
    now_ms: i64,
) -> Result<Completed, SecondFactorError> {
    let SecondFactorInput::Code(code) = input else {
        return Err(SecondFactorError::Invalid(FieldError::new(
            "验证码",
            format!(
                "请输入身份验证器新显示的 {} 位数字（恢复码在设置完成后才生成）",
                totp::DIGITS
            ),
        )));
    };
    let secret = totp::base32_decode(secret_b32)
        .ok_or_else(|| StoreError::Internal(anyhow::anyhow!("enrolment secret is not base32")))?;
    let Some(step) = totp::matching_step(&secret, &code, now_ms) else {
        return Err(wrong_code(store, &attempt, &user, actor, "enrolment", now_ms).await);
    };
    let challenge = attempt.challenge;
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; totp::RECOVERY_CODE_BYTES];
            rand::rng().fill_bytes(&mut bytes);
            totp::recovery_code(&bytes)
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| totp::recovery_hash(user.id.as_str(), &c.replace('-', "")))
        .collect();
    match store
        .confirm_enrolment(actor, now_ms, challenge, secret_b32, step, &hashes)
        .await
    {
        Ok(()) => {}
        // The challenge was used up meanwhile (a second tab).
        Err(StoreError::NotFound) => return Err(SecondFactorError::Expired),
        Err(e) => return Err(e.into()),
    }
    Ok(Completed {
        next_path: challenge.next_path.clone(),
        user,
        recovery_codes: codes,
    })
}

/// Audits a wrong code (already counted when its try was reserved) and ends what it used up:
/// the challenge at its last try, every challenge of the user when it started a lock. The error
/// to answer with.
async fn wrong_code(
    store: &Store,
    attempt: &Attempt<'_>,
    user: &UserRow,
    actor: &Actor,
    method: &str,
    now_ms: i64,
) -> SecondFactorError {
    let Attempt {
        challenge,
        attempts,
        lock_until,
    } = *attempt;
    let result: Result<SecondFactorError, sqlx::Error> = async {
        if lock_until.is_some() {
            store.delete_challenges_of(&user.id).await?;
        } else if attempts >= totp::CHALLENGE_MAX_ATTEMPTS {
            store.delete_challenge(&challenge.token_hash).await?;
        }
        let action = if lock_until.is_some() {
            "login.second_factor_locked"
        } else {
            "login.second_factor_failure"
        };
        let after = json!({ "method": method, "attempts": attempts, "locked_until": lock_until });
        audit(store, actor, now_ms, action, &user.id, after).await?;
        Ok(match lock_until {
            Some(until_ms) => SecondFactorError::Locked { until_ms },
            None if attempts >= totp::CHALLENGE_MAX_ATTEMPTS => SecondFactorError::TooManyAttempts,
            None => SecondFactorError::WrongCode {
                attempts_left: totp::CHALLENGE_MAX_ATTEMPTS - attempts,
            },
        })
    }
    .await;
    result.unwrap_or_else(SecondFactorError::from)
}

/// Whether someone has an authenticator, for the page that resets it.
#[derive(Debug)]
pub struct FactorStatus {
    pub user: UserRow,
    pub enrolled: bool,
    pub recovery_codes_left: i64,
}

/// Someone's second factor as the administrator who may reset it sees it.
pub async fn status(
    store: &Store,
    viewer: &Viewer,
    user_id: &str,
) -> Result<FactorStatus, ServiceError> {
    access::require_second_factor_reset(viewer)?;
    let id = UserId::parse(user_id).ok_or(ServiceError::NotFound)?;
    let user = store.get_user(&id).await?.ok_or(ServiceError::NotFound)?;
    Ok(FactorStatus {
        enrolled: store.second_factor(&user.id).await?.is_some(),
        recovery_codes_left: store.recovery_codes_left(&user.id).await?,
        user,
    })
}

/// Removes someone's authenticator and recovery codes (a lost phone): their sessions end and
/// their next sign-in sets up a new one. Only for whoever [`access::require_second_factor_reset`]
/// admits, and never on one's own or another administrator's account (a stolen session must not
/// be able to drop the factor that protects it; administrators' are reset from the command line).
pub async fn reset(
    store: &Store,
    viewer: &Viewer,
    user_id: &str,
    now_ms: i64,
) -> Result<UserRow, ServiceError> {
    access::require_second_factor_reset(viewer)?;
    let id = UserId::parse(user_id).ok_or(ServiceError::NotFound)?;
    let target = store.get_user(&id).await?.ok_or(ServiceError::NotFound)?;
    access::may_act_on_account(viewer, &target.id, target.role)?;
    reset_of(store, &viewer.actor(), &target, now_ms).await?;
    Ok(target)
}

/// The same reset from the command line (the operator at the server), by user name: for when
/// no other administrator can sign in.
pub async fn reset_by_operator(
    store: &Store,
    actor: &Actor,
    username: &str,
    now_ms: i64,
) -> Result<UserRow, ServiceError> {
    let target = store
        .find_user_by_username(username.trim())
        .await?
        .ok_or(ServiceError::NotFound)?;
    reset_of(store, actor, &target, now_ms).await?;
    Ok(target)
}

async fn reset_of(
    store: &Store,
    actor: &Actor,
    target: &UserRow,
    now_ms: i64,
) -> Result<(), ServiceError> {
    match store.reset_second_factor(actor, now_ms, &target.id).await {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound) => Err(ServiceError::Conflict(format!(
            "用户“{}”尚未设置身份验证器，无需重置",
            target.username
        ))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_decides_which_roles_and_names_unknown_codes() {
        let mut config = Config::default();
        for role in [Role::Sysadmin, Role::Auditor, Role::Bureau, Role::Hq] {
            assert!(required(&config, role), "{role:?} by default");
        }
        for role in [Role::School, Role::Town, Role::Village] {
            assert!(!required(&config, role), "{role:?} not by default");
        }
        config.two_factor_roles = vec!["school".into(), "nobody".into(), "审计管理员".into()];
        assert_eq!(roles(&config), vec![Role::School, Role::Auditor]);
        assert_eq!(unknown_roles(&config), vec!["nobody".to_string()]);
        assert!(!required(&config, Role::Bureau));
    }
}
