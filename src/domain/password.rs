//! Password policy and sign-in lock-out (GB/T 22239-2019, 等保 2.0 身份鉴别).

use crate::domain::FieldError;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;
/// Failed attempts in a row that lock an account.
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// Checks a new password: at least 8 characters, using at least three of
/// upper case, lower case, digits and symbols.
pub fn check_strength(password: &str) -> Result<(), FieldError> {
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
    Ok(())
}

/// Where an account stands for a sign-in attempt at `now_ms`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_boundaries() {
        let cases = [
            ("Abcdef1", false),        // 7 characters
            ("Abcdef12", true),        // 8, three classes
            ("abcdefgh", false),       // one class
            ("abcdef12", false),       // two classes
            ("abcdef1!", true),        // lower, digit, symbol
            ("ABCDEF1!", true),        // upper, digit, symbol
            ("Abcdefg!", true),        // upper, lower, symbol
            ("校地通校地通ab1", true), // non-ASCII counts as a symbol
        ];
        for (pw, ok) in cases {
            assert_eq!(check_strength(pw).is_ok(), ok, "{pw}");
        }
        assert!(check_strength(&"Aa1".repeat(50)).is_err());
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
}
