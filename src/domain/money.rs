//! Money and cost shares (四(二)): an amount is typed in yuan and kept as whole fen, a share as
//! hundredths of a percent (basis points). Both are parsed from text digit by digit into
//! integers — no floating point anywhere — so totals are exact to the fen.

use std::fmt;

/// What to type instead of a refused amount.
pub const AMOUNT_HINT: &str = "请填写大于 0 的金额，以元为单位，最多两位小数，如 1200 或 1200.50";

/// What to type instead of a refused share.
pub const SHARE_HINT: &str = "请填写大于 0、不超过 100 的百分比，最多两位小数，如 50 或 33.33";

/// The largest amount one record may hold: 1 000 亿元 (far beyond any group's budget, far within
/// an `i64` sum of millions of records).
pub const MAX_FEN: i64 = 10_000_000_000_000;

/// An amount of money in fen (分), always positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(i64);

impl Fen {
    /// An amount read back from our own database (checked when it was written).
    pub fn from_db(fen: i64) -> Self {
        Self(fen)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Parses an amount as a person types it in yuan: "0.01", "12", "12.5", "12.50",
    /// "1,234.56". Refused, each with what to type instead: more than two decimals, a sign,
    /// zero, exponents, full-width digits, empty, letters, and amounts above [`MAX_FEN`].
    pub fn parse_yuan(text: &str) -> Result<Fen, String> {
        let s = text.trim();
        let refuse = |why: &str| Err(format!("{why}；{AMOUNT_HINT}"));
        if s.is_empty() {
            return Err(format!("不能为空；{AMOUNT_HINT}"));
        }
        if s.chars()
            .any(|c| ('０'..='９').contains(&c) || c == '．' || c == '，')
        {
            return refuse(&format!("“{s}”含全角字符，请用半角数字和小数点"));
        }
        if s.starts_with('-') {
            return refuse(&format!("“{s}”是负数"));
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        if int_part.is_empty()
            || !int_part.chars().all(|c| c.is_ascii_digit() || c == ',')
            || frac_part.is_some_and(|f| f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()))
        {
            return refuse(&format!("“{s}”不是金额"));
        }
        let digits: String = if int_part.contains(',') {
            // Thousands separators only where they belong: 1,234 and 12,345,678.
            let groups: Vec<&str> = int_part.split(',').collect();
            let well_formed =
                (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
            if !well_formed {
                return refuse(&format!("“{s}”的千位分隔符位置不对"));
            }
            groups.concat()
        } else {
            int_part.to_string()
        };
        let frac = frac_part.unwrap_or("");
        if frac.len() > 2 {
            return refuse(&format!("“{s}”超过两位小数（最小单位为分）"));
        }
        let too_large = || format!("“{s}”超过上限 {}；{AMOUNT_HINT}", Fen(MAX_FEN));
        let mut fen: i64 = 0;
        for c in digits.chars().chain(format!("{frac:0<2}").chars()) {
            let d = i64::from(c as u8 - b'0');
            fen = match fen.checked_mul(10).and_then(|f| f.checked_add(d)) {
                Some(f) => f,
                None => return Err(too_large()),
            };
        }
        if fen == 0 {
            return refuse("金额不能为 0");
        }
        if fen > MAX_FEN {
            return Err(too_large());
        }
        Ok(Fen(fen))
    }

    /// The amount as the API and the form write it: "1200.50" (no separators, two decimals).
    pub fn yuan(self) -> String {
        plain_yuan(self.0)
    }
}

/// `fen` as "1200.50".
pub fn plain_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// `fen` as a page shows it: "1,234.56 元".
pub fn show_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let int = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02} 元", a % 100)
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&show_yuan(self.0))
    }
}

/// 100.00% in basis points.
pub const WHOLE: i32 = 10_000;

/// A share in basis points (hundredths of a percent): "33.33" is 3333.
pub fn parse_percent(text: &str) -> Result<i32, String> {
    let s = text.trim().trim_end_matches('%').trim();
    let refuse = |why: String| Err(format!("{why}；{SHARE_HINT}"));
    if s.is_empty() {
        return refuse("不能为空".into());
    }
    let (int_part, frac) = s.split_once('.').unwrap_or((s, ""));
    if int_part.is_empty()
        || int_part.len() > 3
        || !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return refuse(format!("“{s}”不是百分比"));
    }
    if frac.len() > 2 {
        return refuse(format!("“{s}”超过两位小数"));
    }
    let mut bp: i32 = 0;
    for c in int_part.chars().chain(format!("{frac:0<2}").chars()) {
        bp = bp * 10 + i32::from(c as u8 - b'0');
    }
    if bp == 0 {
        return refuse("比例不能为 0".into());
    }
    if bp > WHOLE {
        return refuse(format!("“{s}”超过 100%"));
    }
    Ok(bp)
}

/// Basis points as "33.33%".
pub fn show_percent(bp: i32) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

/// Splits `fen` among shares (basis points adding up to [`WHOLE`]) into whole fen that add up to
/// exactly `fen`: each share's floor, then the fen left over one each to the largest remainders
/// (the earlier share first on a tie).
pub fn split_fen(fen: i64, shares: &[i32]) -> Vec<i64> {
    if shares.is_empty() {
        return Vec::new();
    }
    debug_assert_eq!(shares.iter().sum::<i32>(), WHOLE);
    let exact: Vec<(i64, i64)> = shares
        .iter()
        .map(|&bp| {
            let p = i128::from(fen) * i128::from(bp);
            (
                (p / i128::from(WHOLE)) as i64,
                (p % i128::from(WHOLE)) as i64,
            )
        })
        .collect();
    let mut parts: Vec<i64> = exact.iter().map(|(q, _)| *q).collect();
    let left = fen - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(exact[i].1), i));
    for &i in order.iter().take(left as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_people_type_are_read_to_the_fen() {
        for (typed, fen) in [
            ("0.01", 1),
            ("12", 1200),
            ("12.5", 1250),
            ("12.50", 1250),
            ("1,234.56", 123_456),
            (" 1200 ", 120_000),
            ("12,345,678.9", 1_234_567_890),
            ("100000000000", MAX_FEN),
        ] {
            assert_eq!(Fen::parse_yuan(typed), Ok(Fen(fen)), "{typed}");
        }
    }

    #[test]
    fn wrong_amounts_are_refused_saying_what_to_type() {
        for (typed, says) in [
            ("12.345", "两位小数"),
            ("-1", "负数"),
            ("0", "不能为 0"),
            ("0.00", "不能为 0"),
            ("1e3", "不是金额"),
            ("１２", "全角"),
            ("", "不能为空"),
            ("   ", "不能为空"),
            ("abc", "不是金额"),
            ("12.", "不是金额"),
            (".5", "不是金额"),
            ("+5", "不是金额"),
            ("12,34", "千位分隔符"),
            ("1,2345", "千位分隔符"),
            ("100000000000.01", "上限"),
            ("99999999999999999999999", "上限"),
        ] {
            let e = Fen::parse_yuan(typed).expect_err(typed);
            assert!(e.contains(says), "{typed}: {e}");
            assert!(e.contains("如 1200 或 1200.50"), "{typed}: {e}");
        }
    }

    #[test]
    fn amounts_show_with_separators_and_two_decimals() {
        assert_eq!(Fen(123_456).to_string(), "1,234.56 元");
        assert_eq!(Fen(1).to_string(), "0.01 元");
        assert_eq!(show_yuan(100_000_000), "1,000,000.00 元");
        assert_eq!(show_yuan(99_999), "999.99 元");
        assert_eq!(Fen(120_050).yuan(), "1200.50");
        assert_eq!(plain_yuan(5), "0.05");
    }

    #[test]
    fn shares_are_read_as_basis_points() {
        assert_eq!(parse_percent("50"), Ok(5000));
        assert_eq!(parse_percent("33.33"), Ok(3333));
        assert_eq!(parse_percent("33.3"), Ok(3330));
        assert_eq!(parse_percent("100"), Ok(WHOLE));
        assert_eq!(parse_percent("0.01%"), Ok(1));
        for bad in ["0", "100.01", "33.333", "-5", "abc", "", "１０"] {
            assert!(parse_percent(bad).is_err(), "{bad}");
        }
        assert_eq!(show_percent(3334), "33.34%");
    }

    #[test]
    fn a_split_adds_up_to_the_amount_exactly() {
        assert_eq!(split_fen(100, &[3333, 3333, 3334]), vec![33, 33, 34]);
        assert_eq!(split_fen(1, &[5000, 5000]), vec![1, 0]);
        assert_eq!(split_fen(10_001, &[5000, 5000]), vec![5001, 5000]);
        assert_eq!(split_fen(MAX_FEN, &[1, 9999]).iter().sum::<i64>(), MAX_FEN);
        for fen in [1, 2, 3, 7, 99, 12_345, 1_000_001] {
            let parts = split_fen(fen, &[3333, 3333, 3334]);
            assert_eq!(parts.iter().sum::<i64>(), fen);
        }
    }
}
