//! The service team (服务工作队) of a group — clause 四(一) — and the values its members carry.

use crate::domain::FieldError;
use serde::{Deserialize, Serialize};

/// A professional title (职称), ordered from lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Title {
    None,
    Junior,
    Intermediate,
    ViceSenior,
    Senior,
}

impl Title {
    pub const ALL: [Title; 5] = [
        Title::Senior,
        Title::ViceSenior,
        Title::Intermediate,
        Title::Junior,
        Title::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Title::Senior => "senior",
            Title::ViceSenior => "vice_senior",
            Title::Intermediate => "intermediate",
            Title::Junior => "junior",
            Title::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Title::Senior => "正高级",
            Title::ViceSenior => "副高级",
            Title::Intermediate => "中级",
            Title::Junior => "初级",
            Title::None => "无",
        }
    }

    /// Accepts the code or the Chinese label (as typed in a sheet).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s || t.label() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TeamRole {
    Captain,
    ViceCaptain,
    Member,
}

impl TeamRole {
    pub const ALL: [TeamRole; 3] = [TeamRole::Captain, TeamRole::ViceCaptain, TeamRole::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Captain => "captain",
            TeamRole::ViceCaptain => "vice_captain",
            TeamRole::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TeamRole::Captain => "队长",
            TeamRole::ViceCaptain => "副队长",
            TeamRole::Member => "队员",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.label() == s)
    }
}

/// A mainland mobile number: 11 digits starting with 1[3-9].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
        let ok = digits.len() == 11
            && digits.chars().all(|c| c.is_ascii_digit())
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        if ok {
            Ok(Self(digits))
        } else {
            Err(FieldError::new(
                "手机号码",
                format!("“{}”不是有效的 11 位手机号码", s.trim()),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 138****1234: what everyone but the bureau and the member's own school sees.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else if phone.is_empty() {
        String::new()
    } else {
        "****".to_string()
    }
}

/// A person's name on the team: 1–30 characters.
pub fn parse_person_name(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    match s.chars().count() {
        0 => Err(FieldError::new("姓名", "不能为空")),
        n if n > 30 => Err(FieldError::new("姓名", "不能超过 30 个字符")),
        _ => Ok(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_ordered_and_parse_from_labels() {
        assert!(Title::Senior > Title::ViceSenior && Title::ViceSenior > Title::Intermediate);
        assert!(Title::Intermediate > Title::Junior && Title::Junior > Title::None);
        assert_eq!(Title::parse("中级"), Some(Title::Intermediate));
        assert_eq!(Title::parse("vice_senior"), Some(Title::ViceSenior));
        assert_eq!(Title::parse("高级"), None);
        assert_eq!(TeamRole::parse("副队长"), Some(TeamRole::ViceCaptain));
    }

    #[test]
    fn phones_are_validated_and_masked() {
        assert_eq!(
            PhoneNumber::parse("138 0013 1234").unwrap().as_str(),
            "13800131234"
        );
        assert_eq!(
            PhoneNumber::parse("+8613800131234").unwrap().as_str(),
            "13800131234"
        );
        for bad in [
            "1380013123",
            "12800131234",
            "2380013123a",
            "",
            "138001312345",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_phone("13800131234"), "138****1234");
        assert_eq!(mask_phone(""), "");
    }
}
