//! The second factor (等保 8.1.4.1: two or more authentication techniques for administrators):
//! time-based one-time passwords as RFC 6238 (HMAC-SHA1, 6 digits, 30-second steps, accepted one
//! step either side for clock drift), the `otpauth://` URI authenticator apps read from a QR
//! code, and one-time recovery codes. Pure: the time and the random bytes come in as arguments.

use super::FieldError;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Seconds per time step (RFC 6238's default; what authenticator apps assume).
pub const STEP_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one, for a phone's clock a little off.
pub const DRIFT_STEPS: i64 = 1;
/// Bytes of a new secret: 160 bits, the HMAC-SHA1 block of RFC 4226 §4.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Random bytes behind one recovery code: 80 bits, written as 16 base32 characters.
pub const RECOVERY_CODE_BYTES: usize = 10;
/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "校地通";
/// How long the step between a right password and the code may take.
pub const CHALLENGE_LIFETIME_MS: i64 = 5 * 60 * 1000;
/// Wrong codes one sign-in may try before the password is asked again.
pub const CHALLENGE_MAX_ATTEMPTS: i64 = 5;
/// Wrong codes in a row (over any number of sign-ins) that lock the second step.
pub const MAX_WRONG_CODES: i64 = 5;
/// How long the second step stays locked after the first [`MAX_WRONG_CODES`] in a row.
pub const CODE_LOCK_MS: i64 = 15 * 60 * 1000;
/// The longest lock: each further lock (until a right code) lasts twice the one before, up to
/// this, so slow guessing at five codes per lock slows down instead of going on for ever.
pub const CODE_LOCK_MAX_MS: i64 = 24 * 60 * 60 * 1000;

/// How long the `nth` lock in a row (1 for the first) lasts: 15 minutes, doubling, at most 24 h.
pub fn code_lock_ms(nth: i64) -> i64 {
    // 2^7 × 15 min already exceeds a day: the shift never needs to go further.
    let doublings = (nth - 1).clamp(0, 7);
    (CODE_LOCK_MS << doublings).min(CODE_LOCK_MAX_MS)
}

/// The end of the lock that the `wrong_codes`-th wrong code in a row starts, if it starts one:
/// the 5th, 10th, 15th … (the count is not reset when a lock starts, only by a right code).
pub fn lock_after_wrong_codes(wrong_codes: i64, now_ms: i64) -> Option<i64> {
    (wrong_codes >= MAX_WRONG_CODES && wrong_codes % MAX_WRONG_CODES == 0)
        .then(|| now_ms + code_lock_ms(wrong_codes / MAX_WRONG_CODES))
}

/// The time step an instant (Unix ms) falls in.
pub fn step_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(STEP_SECS * 1000)
}

/// The code for time step `step` (RFC 4226 HOTP with the step as counter, dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(secret)
        .expect("HMAC takes a key of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[digest.len() - 1] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The step whose code `code` is, among the current step and [`DRIFT_STEPS`] either side;
/// every candidate is compared, in constant time, so the answer's timing tells nothing.
pub fn matching_step(secret: &[u8], code: &str, now_ms: i64) -> Option<i64> {
    let now = step_of(now_ms);
    let mut found = None;
    for step in now - DRIFT_STEPS..=now + DRIFT_STEPS {
        let expected = code_at(secret, step);
        let same = expected.len() == code.len()
            && expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding: how secrets are written for people and for apps.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads base32 (either case, spaces and `=` ignored); `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| b as char == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The `otpauth://` URI of Google's Key URI format, which every common authenticator app reads:
/// `otpauth://totp/校地通:zhangsan?secret=…&issuer=校地通&algorithm=SHA1&digits=6&period=30`.
pub fn otpauth_uri(account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent_encode(ISSUER),
        percent_encode(account),
        base32_encode(secret),
        percent_encode(ISSUER),
    )
}

/// Percent-encodes all but RFC 3986's unreserved characters (so `:` `/` `?` `&` cannot break the URI).
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A secret shown for typing by hand: groups of four.
pub fn grouped(text: &str) -> String {
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A recovery code from its random bytes: `ABCD-EFGH-JKLM-NPQR` (16 base32 characters).
pub fn recovery_code(bytes: &[u8; RECOVERY_CODE_BYTES]) -> String {
    let text = base32_encode(bytes);
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// What was typed at the second step, told apart by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorInput {
    /// Six digits from the authenticator app.
    Code(String),
    /// A recovery code, normalised (upper case, no separators).
    Recovery(String),
}

/// Parses the one field of the second step: a 6-digit code or a recovery code, spaces and
/// hyphens allowed anywhere; in a recovery code, 0, 1 and 8 are read as O, I and B (base32 has
/// no such digits, and they are what people mistype those letters as).
pub fn parse_input(input: &str) -> Result<SecondFactorInput, FieldError> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if compact.is_empty() {
        return Err(FieldError::new("验证码", "不能为空"));
    }
    if compact.len() == DIGITS as usize && compact.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(SecondFactorInput::Code(compact));
    }
    let normalised: String = compact
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            '0' => 'O',
            '1' => 'I',
            '8' => 'B',
            c => c,
        })
        .collect();
    if normalised.len() == RECOVERY_CODE_BYTES * 8 / 5
        && normalised.bytes().all(|b| BASE32.contains(&b))
    {
        return Ok(SecondFactorInput::Recovery(normalised));
    }
    Err(FieldError::new(
        "验证码",
        format!("应为身份验证器显示的 {DIGITS} 位数字，或 16 位恢复码"),
    ))
}

/// What is stored of a recovery code: a SHA-256 over the user's id and the normalised code
/// (80 random bits need no slow hash; the id keeps equal codes of two users apart).
pub fn recovery_hash(user_id: &str, normalised: &str) -> String {
    let digest = Sha256::digest(format!("{user_id}:{normalised}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (the seed is ASCII "12345678901234567890"); the 6-digit
    /// codes are the last six digits of the 8-digit ones printed there.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59i64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(secret, step_of(time * 1000)), code, "T = {time}");
        }
    }

    #[test]
    fn one_step_either_side_and_no_further() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111_000;
        let step = step_of(now);
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at(secret, step + offset);
            assert_eq!(
                matching_step(secret, &code, now),
                accepted.then_some(step + offset),
                "offset {offset}"
            );
        }
        assert_eq!(matching_step(secret, "12345", now), None);
    }

    #[test]
    fn the_fifth_wrong_code_in_a_row_locks() {
        assert_eq!(lock_after_wrong_codes(MAX_WRONG_CODES - 1, 0), None);
        assert_eq!(
            lock_after_wrong_codes(MAX_WRONG_CODES, 0),
            Some(CODE_LOCK_MS)
        );
        // Counting goes on after a lock: the next lock comes five codes later, twice as long.
        assert_eq!(lock_after_wrong_codes(MAX_WRONG_CODES + 1, 0), None);
        assert_eq!(lock_after_wrong_codes(2 * MAX_WRONG_CODES - 1, 0), None);
        assert_eq!(
            lock_after_wrong_codes(2 * MAX_WRONG_CODES, 100),
            Some(100 + 2 * CODE_LOCK_MS)
        );
        assert_eq!(
            lock_after_wrong_codes(3 * MAX_WRONG_CODES, 0),
            Some(4 * CODE_LOCK_MS)
        );
    }

    #[test]
    fn locks_double_up_to_a_day() {
        let minutes: Vec<i64> = (1..=10).map(|n| code_lock_ms(n) / 60_000).collect();
        assert_eq!(minutes, [15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440]);
        assert_eq!(code_lock_ms(i64::MAX), CODE_LOCK_MAX_MS);
        assert_eq!(code_lock_ms(0), CODE_LOCK_MS);
    }

    #[test]
    fn steps_begin_on_the_half_minute() {
        assert_eq!(step_of(29_999), 0);
        assert_eq!(step_of(30_000), 1);
        assert_eq!(step_of(-1), -1);
    }

    /// RFC 4648 §10.
    #[test]
    fn base32_round_trips() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_decode("mzxw 6ytb oi==").unwrap(), b"foobar");
        assert_eq!(base32_decode("MZ1"), None);
    }

    #[test]
    fn the_uri_names_the_platform_and_the_account() {
        let uri = otpauth_uri("zhang.san", b"12345678901234567890");
        assert_eq!(
            uri,
            "otpauth://totp/%E6%A0%A1%E5%9C%B0%E9%80%9A:zhang.san\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E6%A0%A1%E5%9C%B0%E9%80%9A\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert!(otpauth_uri("a&b:c", b"x").contains(":a%26b%3Ac?"));
    }

    #[test]
    fn inputs_are_told_apart_by_shape() {
        assert_eq!(
            parse_input(" 123 456 "),
            Ok(SecondFactorInput::Code("123456".into()))
        );
        let code = recovery_code(&[7; RECOVERY_CODE_BYTES]);
        assert_eq!(code.len(), 19);
        let normalised = code.replace('-', "");
        assert_eq!(
            parse_input(&code.to_lowercase()),
            Ok(SecondFactorInput::Recovery(normalised.clone()))
        );
        // Digits people type for look-alike letters.
        assert_eq!(
            parse_input("0018-AAAA-BBBB-CCCC"),
            Ok(SecondFactorInput::Recovery("OOIBAAAABBBBCCCC".into()))
        );
        for bad in [
            "",
            "  ",
            "12345",
            "1234567",
            "abcdef",
            "ABCD-EFGH-IJKL-MN9P",
        ] {
            let e = parse_input(bad).unwrap_err();
            assert_eq!(e.field, "验证码", "{bad:?}");
        }
    }

    #[test]
    fn recovery_hashes_depend_on_the_user() {
        assert_ne!(recovery_hash("u1", "AAAA"), recovery_hash("u2", "AAAA"));
        assert_eq!(recovery_hash("u1", "AAAA").len(), 64);
    }
}
