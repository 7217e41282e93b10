//! Accounts and roles (SPEC §2). A user belongs to one organisation.

use crate::domain::FieldError;
use crate::domain::org::OrgKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Bureau,
    Hq,
    School,
    Town,
    Village,
    Sysadmin,
    Secadmin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Bureau,
        Role::Hq,
        Role::School,
        Role::Town,
        Role::Village,
        Role::Sysadmin,
        Role::Secadmin,
        Role::Auditor,
    ];

    /// The roles that work with the programme's records; every other role is an administrator's.
    pub const BUSINESS: [Role; 5] = [
        Role::Bureau,
        Role::Hq,
        Role::School,
        Role::Town,
        Role::Village,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bureau => "bureau",
            Role::Hq => "hq",
            Role::School => "school",
            Role::Town => "town",
            Role::Village => "village",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Bureau => "市教育局",
            Role::Hq => "市指挥部办公室",
            Role::School => "学校",
            Role::Town => "镇(街道)",
            Role::Village => "村(社区)",
            Role::Sysadmin => "系统管理员",
            Role::Secadmin => "安全管理员",
            Role::Auditor => "审计管理员",
        }
    }

    /// Accepts the code (`school`) or the Chinese label (`学校`), as people write either in sheets.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.label() == s)
    }

    /// Bureau and HQ read every group; school, town and village users only their own.
    pub fn sees_all_groups(self) -> bool {
        matches!(self, Role::Bureau | Role::Hq)
    }

    /// 三权分立: none of the three administrators sees business records.
    pub fn sees_business(self) -> bool {
        !self.is_admin()
    }

    /// One of the three administrators (系统管理员, 安全管理员, 审计管理员). Their accounts are
    /// made and kept from the server's command line only: no administrator can change one.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Sysadmin | Role::Secadmin | Role::Auditor)
    }

    /// Which organisations a user of this role may belong to.
    pub fn fits_org(self, kind: OrgKind) -> bool {
        match self {
            Role::Bureau => kind == OrgKind::Bureau,
            Role::Hq => kind == OrgKind::Hq,
            Role::School => kind.is_school(),
            Role::Town => kind == OrgKind::Town,
            Role::Village => kind == OrgKind::Village,
            Role::Sysadmin | Role::Secadmin | Role::Auditor => {
                matches!(kind, OrgKind::Bureau | OrgKind::Hq)
            }
        }
    }
}

/// Where an account stands with the security administrator (三权分立). An account the system
/// administrator creates is `Pending` and cannot sign in until a security administrator approves
/// it; `Rejected` cannot sign in either (a later approval may still admit it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    Pending,
    Approved,
    Rejected,
}

impl Approval {
    pub fn as_str(self) -> &'static str {
        match self {
            Approval::Pending => "pending",
            Approval::Approved => "approved",
            Approval::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Approval::Pending, Approval::Approved, Approval::Rejected]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Approval::Pending => "待审核",
            Approval::Approved => "已审核",
            Approval::Rejected => "审核未通过",
        }
    }
}

/// A login name: 3–32 characters of letters, digits, `_`, `.`, `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let n = s.chars().count();
        if !(3..=32).contains(&n) {
            return Err(FieldError::new(
                "用户名",
                format!("长度应为 3–32 个字符，当前为 {n} 个"),
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(FieldError::new("用户名", "只能包含英文字母、数字和 _ . -"));
        }
        if !s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::new("用户名", "应以字母或数字开头"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–50 characters after trimming.
pub fn parse_display_name(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(FieldError::new("姓名", "不能为空"));
    }
    if n > 50 {
        return Err(FieldError::new("姓名", "不能超过 50 个字符"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_fit_their_organisations() {
        assert!(Role::School.fits_org(OrgKind::University));
        assert!(Role::School.fits_org(OrgKind::VocationalSchool));
        assert!(!Role::School.fits_org(OrgKind::Town));
        assert!(!Role::Bureau.fits_org(OrgKind::University));
        assert!(Role::Sysadmin.fits_org(OrgKind::Bureau));
        assert!(!Role::Auditor.fits_org(OrgKind::Village));
        assert!(Role::Secadmin.fits_org(OrgKind::Bureau));
        assert!(!Role::Secadmin.fits_org(OrgKind::University));
    }

    #[test]
    fn the_three_administrators_see_no_business_records() {
        for role in Role::ALL {
            assert_eq!(role.is_admin(), !Role::BUSINESS.contains(&role), "{role:?}");
            assert_eq!(role.sees_business(), !role.is_admin(), "{role:?}");
        }
        assert!(Role::Secadmin.is_admin());
        assert_eq!(Role::parse("安全管理员"), Some(Role::Secadmin));
        assert_eq!(Role::parse("secadmin"), Some(Role::Secadmin));
    }

    #[test]
    fn approvals_round_trip() {
        for a in [Approval::Pending, Approval::Approved, Approval::Rejected] {
            assert_eq!(Approval::parse(a.as_str()), Some(a));
        }
        assert_eq!(Approval::parse("yes"), None);
    }

    #[test]
    fn roles_parse_from_code_or_label() {
        assert_eq!(Role::parse("school"), Some(Role::School));
        assert_eq!(Role::parse(" 学校 "), Some(Role::School));
        assert_eq!(Role::parse("审计管理员"), Some(Role::Auditor));
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("zhang.san").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("-abc").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }
}
