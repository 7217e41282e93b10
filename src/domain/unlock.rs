//! 五(三) monthly reports, after review: once the bureau accepts a school's report for month M,
//! the records it summarised — those of the school's groups dated in M — are locked, so the
//! accepted report and the records behind it cannot drift apart. A school that finds a mistake
//! asks for an unlock with a reason; the bureau grants it (the report goes back to 退回, to be
//! corrected and resubmitted) or refuses it. This module holds the words and the input rules.

use super::FieldError;
use super::ids::OrgId;
use super::plan::Month;

/// A month of a group's records locked by one school's accepted report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub month: Month,
    pub school_id: OrgId,
    pub school_name: String,
}

impl Lock {
    /// What a refused write says: the month, the school whose report locks it, and what to do.
    pub fn message(&self) -> String {
        format!(
            "{}的月度进展报告（{}）已通过审核，该月记录已锁定；如需更正，请申请解锁",
            self.month.label(),
            self.school_name
        )
    }
}

/// Where an unlock request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnlockState {
    /// Waiting for the bureau.
    Open,
    /// Granted: the report went back to 退回.
    Granted,
    /// Refused: the report stays accepted and its month locked.
    Refused,
}

impl UnlockState {
    pub const ALL: [UnlockState; 3] = [
        UnlockState::Open,
        UnlockState::Granted,
        UnlockState::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnlockState::Open => "open",
            UnlockState::Granted => "granted",
            UnlockState::Refused => "refused",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnlockState::Open => "待审批",
            UnlockState::Granted => "已准予解锁",
            UnlockState::Refused => "不予解锁",
        }
    }

    /// The code (`open`) or the label (`待审批`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s || v.label() == s)
    }
}

/// A state filter as typed (`open` or `待审批`; empty = every state); an unknown one is an error
/// naming `field` (the query parameter on the API, 状态 on the web).
pub fn parse_state_filter(
    field: &'static str,
    s: Option<&str>,
) -> Result<Option<UnlockState>, FieldError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => UnlockState::parse(s).map(Some).ok_or_else(|| {
            FieldError::new(
                field,
                format!("“{s}”不是可选的状态：open、granted 或 refused"),
            )
        }),
    }
}

/// The longest reason or decision comment, in characters (a paragraph, not a report).
pub const MAX_REASON_CHARS: usize = 1000;

/// A required, bounded text naming `field`; surrounding white space dropped.
fn bounded(field: &'static str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    match t.chars().count() {
        0 => Err(FieldError::new(field, "不能为空，请写明原因")),
        n if n > MAX_REASON_CHARS => Err(FieldError::new(
            field,
            format!("不能超过 {MAX_REASON_CHARS} 个字符（现有 {n} 个）"),
        )),
        _ => Ok(t.to_string()),
    }
}

/// The school's reason for asking (required): what is wrong in which records.
pub fn parse_reason(text: &str) -> Result<String, FieldError> {
    bounded("申请理由", text)
}

/// The bureau's reason for refusing (required: the school needs to know why).
pub fn parse_refusal(text: &str) -> Result<String, FieldError> {
    bounded("不予解锁理由", text)
}

/// The bureau's comment on a grant (optional; the school's reason is quoted when none is given).
pub fn parse_grant_comment(text: &str) -> Result<Option<String>, FieldError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        bounded("审批意见", text).map(Some)
    }
}

/// The review comment a granted unlock leaves on the report: "准予解锁：…".
pub fn grant_review_comment(comment: Option<&str>, reason: &str) -> String {
    format!("准予解锁：{}", comment.unwrap_or(reason))
}

/// A month as written in a URL (`2024-03`), or the error naming it.
pub fn parse_month(s: &str) -> Result<Month, FieldError> {
    let t = s.trim();
    let well_formed = t.len() == 7 && t.as_bytes()[4] == b'-';
    match Month::parse(t).filter(|_| well_formed) {
        Some(m) => Ok(m),
        None => Err(FieldError::new(
            "月份",
            format!("“{t}”不是月份，应写作 2024-03"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_month_school_and_what_to_do() {
        let lock = Lock {
            month: Month::parse("2024-03").unwrap(),
            school_id: OrgId::new(),
            school_name: "东莞理工学院".into(),
        };
        assert_eq!(
            lock.message(),
            "2024年3月的月度进展报告（东莞理工学院）已通过审核，该月记录已锁定；如需更正，请申请解锁"
        );
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(parse_reason("  经费金额录错  ").unwrap(), "经费金额录错");
        assert_eq!(parse_reason(" ").unwrap_err().field, "申请理由");
        let long = "错".repeat(MAX_REASON_CHARS);
        assert!(parse_reason(&long).is_ok());
        let over = "错".repeat(MAX_REASON_CHARS + 1);
        assert!(
            parse_reason(&over)
                .unwrap_err()
                .message
                .contains("不能超过 1000 个字符")
        );
        assert_eq!(parse_refusal("").unwrap_err().field, "不予解锁理由");
        assert_eq!(parse_grant_comment(" ").unwrap(), None);
        assert_eq!(
            grant_review_comment(None, "经费金额录错"),
            "准予解锁：经费金额录错"
        );
        assert_eq!(
            grant_review_comment(Some("请于月底前更正"), "x"),
            "准予解锁：请于月底前更正"
        );
    }

    #[test]
    fn states_and_months_parse() {
        for s in UnlockState::ALL {
            assert_eq!(UnlockState::parse(s.as_str()), Some(s));
            assert_eq!(UnlockState::parse(s.label()), Some(s));
        }
        assert_eq!(UnlockState::parse("closed"), None);
        assert_eq!(parse_state_filter("state", Some(" ")).unwrap(), None);
        assert_eq!(
            parse_state_filter("state", Some("open")).unwrap(),
            Some(UnlockState::Open)
        );
        assert_eq!(
            parse_state_filter("状态", Some("x")).unwrap_err().field,
            "状态"
        );
        assert_eq!(parse_month("2024-03").unwrap().to_string(), "2024-03");
        assert!(parse_month("2024-3").is_err());
        assert!(parse_month("2024-13").is_err());
        assert!(parse_month("abc").is_err());
    }
}
