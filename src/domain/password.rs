//! Password policy and sign-in lock-out (GB/T 22239-2019, 等保 2.0 身份鉴别), and the MLPS
//! profile's periods. Every door that sets a password (web, API, CLI, first start, sheets) goes
//! through [`check_strength`].

use crate::domain::FieldError;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;
/// Failed attempts in a row that lock a name (an account's or not: see [`name_key`]).
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// How long a locked name stays locked.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// Failures older than this are forgotten when no lock followed them.
pub const FAILURE_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// MLPS profile: a password is changed at least this often (等保 "定期更换").
pub const MLPS_PASSWORD_MAX_AGE_MS: i64 = 90 * DAY_MS;
/// MLPS profile: an account not used for this long is disabled (等保 "及时停用过期账户").
pub const MLPS_DORMANT_AFTER_MS: i64 = 90 * DAY_MS;

/// The passwords refused as too common: the embedded list, normalised as a candidate is.
fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(normalise)
            .filter(|n| !n.is_empty())
            .collect()
    })
}

/// A look-alike digit or symbol read as the letter it stands for (`P@ssw0rd` → `password`).
fn unleet(c: char) -> char {
    match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        c => c,
    }
}

/// The core of a password as people build them: lower case, without the digits and symbols
/// tacked on before and after (`Qwerty123!` → `qwerty`), look-alikes read as letters.
fn normalise(password: &str) -> String {
    let lower = password.to_lowercase();
    lower
        .trim_matches(|c: char| !c.is_alphabetic())
        .chars()
        .map(unleet)
        .collect()
}

/// Whether a password is one of the common ones or a variant of one (case, look-alikes, digits
/// and symbols added before or after).
pub fn is_common(password: &str) -> bool {
    let set = common_passwords();
    let n = normalise(password);
    !n.is_empty() && set.contains(&n)
}

/// Whether the password contains the user name, plainly or in look-alikes (`Adm1n#2024` for admin).
fn contains_username(password: &str, username: &str) -> bool {
    let name = username.trim().to_lowercase();
    if name.is_empty() {
        return false;
    }
    let pw = password.to_lowercase();
    let read = |s: &str| s.chars().map(unleet).collect::<String>();
    pw.contains(&name) || read(&pw).contains(&read(&name))
}

/// Checks a new password for the account `username`: 8–128 characters, at least three of upper
/// case, lower case, digits and symbols, not containing the user name, and not a common password
/// or a variant of one.
pub fn check_strength(password: &str, username: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(FieldError::new(
            "密码",
            format!("至少需要 {MIN_LEN} 个字符，当前为 {len} 个"),
        ));
    }
    if len > MAX_LEN {
        return Err(FieldError::new(
            "密码",
            format!("不能超过 {MAX_LEN} 个字符"),
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    let n = classes.iter().filter(|b| **b).count();
    if n < 3 {
        return Err(FieldError::new(
            "密码",
            format!("需包含大写字母、小写字母、数字、符号中的至少三类，当前只有 {n} 类"),
        ));
    }
    if contains_username(password, username) {
        return Err(FieldError::new("密码", "不能包含用户名"));
    }
    if is_common(password) {
        return Err(FieldError::new(
            "密码",
            "过于常见，容易被猜中（如 Password1、Passw0rd!、Qwerty123 及其变体），请换一个",
        ));
    }
    Ok(())
}

/// The key a name's failed sign-ins are counted under: the same for `Admin` and ` admin `, and
/// for names no account has, so that what happens to a name says nothing about whether it exists.
pub fn name_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

/// Where a name stands for a sign-in attempt at `now_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    Open,
    /// Locked until this instant (Unix ms).
    Locked {
        until_ms: i64,
    },
}

pub fn lock_state(locked_until_ms: Option<i64>, now_ms: i64) -> LockState {
    match locked_until_ms {
        Some(until_ms) if until_ms > now_ms => LockState::Locked { until_ms },
        _ => LockState::Open,
    }
}

/// After the `failures`-th failed attempt in a row: the lock's end when it reaches the limit.
pub fn lock_after(failures: i64, now_ms: i64) -> Option<i64> {
    (failures >= MAX_FAILED_ATTEMPTS).then_some(now_ms + LOCK_MS)
}

/// MLPS profile: whether a password set at `changed_at_ms` must be changed at `now_ms`.
pub fn password_expired(changed_at_ms: i64, now_ms: i64) -> bool {
    now_ms - changed_at_ms >= MLPS_PASSWORD_MAX_AGE_MS
}

/// MLPS profile: whether an account last used at `last_used_ms` is dormant at `now_ms`.
pub fn dormant(last_used_ms: i64, now_ms: i64) -> bool {
    now_ms - last_used_ms >= MLPS_DORMANT_AFTER_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_boundaries() {
        let cases = [
            ("Abcdef7", false),        // 7 characters
            ("Kfbwxz12", true),        // 8, three classes
            ("kfbwxzqt", false),       // one class
            ("kfbwxz12", false),       // two classes
            ("kfbwxz1!", true),        // lower, digit, symbol
            ("KFBWXZ1!", true),        // upper, digit, symbol
            ("Kfbwxzq!", true),        // upper, lower, symbol
            ("校地通校地通kf1", true), // non-ASCII counts as a symbol
        ];
        for (pw, ok) in cases {
            assert_eq!(check_strength(pw, "someone").is_ok(), ok, "{pw}");
        }
        assert!(check_strength(&"Kf1".repeat(50), "someone").is_err());
    }

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        for pw in [
            "Password1",
            "Passw0rd!",
            "Qwerty123",
            "P@ssw0rd2024!",
            "PASSWORD#1",
            "!Password1",
            "Aa123456",
            "Abcd1234",
            "1qaz@WSX",
            "Woaini1314!",
            "Admin@123",
            "Iloveyou2!",
            "Dragon#2024",
            "Xiaodi#2024",
        ] {
            let e = check_strength(pw, "someone").expect_err(pw);
            assert_eq!(e.field, "密码");
            assert!(e.message.contains("过于常见"), "{pw}: {e}");
        }
        for pw in [
            "Harbour#2024pw",
            "Lychee#Tree7",
            "Kf7#mQ2!vLp9",
            "Better#Pass1x",
        ] {
            assert!(check_strength(pw, "someone").is_ok(), "{pw}");
        }
    }

    #[test]
    fn a_password_may_not_contain_the_user_name() {
        for (pw, name) in [
            ("Zhang.san#2024", "zhang.san"),
            ("XZHANGSAN#9k", "zhangsan"),
            ("Adm1n#Harbour", "admin"),
        ] {
            let e = check_strength(pw, name).expect_err(pw);
            assert_eq!(e.to_string(), "密码：不能包含用户名");
        }
        assert!(check_strength("Harbour#2024pw", "zhangsan").is_ok());
    }

    #[test]
    fn the_list_is_loaded_and_normalised() {
        let set = common_passwords();
        assert!(set.len() > 3000, "{}", set.len());
        assert!(set.contains("password") && set.contains("qwerty"));
        assert!(!set.contains(""));
        assert_eq!(normalise("P@ssw0rd2024!"), "password");
        assert_eq!(normalise("123456"), "");
    }

    #[test]
    fn names_are_keyed_alike() {
        assert_eq!(name_key(" Admin "), "admin");
        assert_eq!(name_key("admin"), name_key("ADMIN"));
        assert_eq!(name_key(&"x".repeat(100)).len(), 64);
    }

    #[test]
    fn fifth_failure_locks_for_fifteen_minutes() {
        let now = 1_000_000;
        assert_eq!(lock_after(4, now), None);
        assert_eq!(lock_after(5, now), Some(now + LOCK_MS));
        assert_eq!(
            lock_state(Some(now + LOCK_MS), now + LOCK_MS - 1),
            LockState::Locked {
                until_ms: now + LOCK_MS
            }
        );
        assert_eq!(
            lock_state(Some(now + LOCK_MS), now + LOCK_MS),
            LockState::Open
        );
        assert_eq!(lock_state(None, now), LockState::Open);
    }

    #[test]
    fn mlps_periods_end_on_day_ninety() {
        let day = 24 * 60 * 60 * 1000;
        let set = 1_000_000;
        assert!(!password_expired(set, set + 90 * day - 1));
        assert!(password_expired(set, set + 90 * day));
        assert!(!dormant(set, set + 90 * day - 1));
        assert!(dormant(set, set + 90 * day));
    }
}
