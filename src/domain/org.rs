//! Organisations (单位) and their roles in a pairing group.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    University,
    VocationalSchool,
    Town,
    Village,
    Bureau,
    Hq,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::University,
        OrgKind::VocationalSchool,
        OrgKind::Town,
        OrgKind::Village,
        OrgKind::Bureau,
        OrgKind::Hq,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::University => "university",
            OrgKind::VocationalSchool => "vocational_school",
            OrgKind::Town => "town",
            OrgKind::Village => "village",
            OrgKind::Bureau => "bureau",
            OrgKind::Hq => "hq",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::University => "在莞高校",
            OrgKind::VocationalSchool => "中职学校",
            OrgKind::Town => "镇(街道)",
            OrgKind::Village => "村(社区)",
            OrgKind::Bureau => "市教育局",
            OrgKind::Hq => "市指挥部办公室",
        }
    }

    pub fn is_school(self) -> bool {
        matches!(self, OrgKind::University | OrgKind::VocationalSchool)
    }
}

/// The part an organisation plays in a group (one column of the pairing table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Town,
    Village,
    University,
    VocationalSchool,
}

impl MemberRole {
    pub const ALL: [MemberRole; 4] = [
        MemberRole::Town,
        MemberRole::Village,
        MemberRole::University,
        MemberRole::VocationalSchool,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Town => "town",
            MemberRole::Village => "village",
            MemberRole::University => "university",
            MemberRole::VocationalSchool => "vocational_school",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MemberRole::Town => "镇(街道)",
            MemberRole::Village => "村(社区)",
            MemberRole::University => "在莞高校",
            MemberRole::VocationalSchool => "中职学校",
        }
    }

    /// The organisation kind that may hold this role.
    pub fn org_kind(self) -> OrgKind {
        match self {
            MemberRole::Town => OrgKind::Town,
            MemberRole::Village => OrgKind::Village,
            MemberRole::University => OrgKind::University,
            MemberRole::VocationalSchool => OrgKind::VocationalSchool,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        for r in MemberRole::ALL {
            assert_eq!(MemberRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(OrgKind::parse("school"), None);
    }
}

/// An organisation named as the platform shows it: `南面村(谢岗镇)` (with half- or full-width
/// brackets) is 南面村 of 谢岗镇, the way a village is told from another of the same name; a
/// name without a bracketed town is just the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceName {
    pub name: String,
    pub town: Option<String>,
}

impl PlaceName {
    pub fn parse(s: &str) -> Self {
        let s = s.trim().replace('（', "(").replace('）', ")");
        if let (Some(open), Some(inner)) = (s.find('('), s.strip_suffix(')')) {
            let (name, town) = (s[..open].trim(), inner[open + 1..].trim());
            if !name.is_empty() && !town.is_empty() && !town.contains(['(', ')']) {
                return Self {
                    name: name.to_string(),
                    town: Some(town.to_string()),
                };
            }
        }
        Self {
            name: s,
            town: None,
        }
    }
}

#[cfg(test)]
mod place_name_tests {
    use super::PlaceName;

    #[test]
    fn a_village_is_named_with_its_town_in_either_bracket() {
        let with = |name: &str, town: &str| PlaceName {
            name: name.into(),
            town: Some(town.into()),
        };
        assert_eq!(PlaceName::parse("南面村(谢岗镇)"), with("南面村", "谢岗镇"));
        assert_eq!(
            PlaceName::parse(" 南面村（谢岗镇） "),
            with("南面村", "谢岗镇")
        );
        assert_eq!(
            PlaceName::parse("南面村 ( 谢岗镇 )"),
            with("南面村", "谢岗镇")
        );
        let plain = |name: &str| PlaceName {
            name: name.into(),
            town: None,
        };
        assert_eq!(PlaceName::parse("谢岗镇"), plain("谢岗镇"));
        assert_eq!(PlaceName::parse("(谢岗镇)"), plain("(谢岗镇)"));
        assert_eq!(PlaceName::parse("南面村()"), plain("南面村()"));
        assert_eq!(PlaceName::parse("南面村(谢岗镇"), plain("南面村(谢岗镇"));
    }
}
