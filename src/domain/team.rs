//! The service team (服务工作队) of a group — clause 四(一) — and the values its members carry.

use crate::domain::group::GroupCalendar;
use crate::domain::ids::OrgId;
use crate::domain::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;
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

/// A team member as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct TeamMemberInput {
    pub person_name: String,
    /// The organisation id of one of the group's schools.
    pub org_id: String,
    /// A [`TeamRole`] code or label.
    pub role: String,
    /// A [`Title`] code or label.
    pub title: String,
    pub school_leader: bool,
    /// May be empty.
    pub phone: String,
    /// `YYYY-MM-DD`.
    pub joined_on: String,
}

/// A team member that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeamMember {
    person_name: String,
    org_id: OrgId,
    role: TeamRole,
    title: Title,
    school_leader: bool,
    phone: Option<PhoneNumber>,
    joined_on: Date,
}

impl NewTeamMember {
    pub fn person_name(&self) -> &str {
        &self.person_name
    }

    pub fn org_id(&self) -> &OrgId {
        &self.org_id
    }

    pub fn role(&self) -> TeamRole {
        self.role
    }

    pub fn title(&self) -> Title {
        self.title
    }

    pub fn school_leader(&self) -> bool {
        self.school_leader
    }

    /// The normalised number, or empty when none was given.
    pub fn phone(&self) -> &str {
        self.phone.as_ref().map_or("", |p| p.as_str())
    }

    pub fn joined_on(&self) -> Date {
        self.joined_on
    }
}

/// Checks a new member against the group and today; all the errors at once.
pub fn parse_team_member(
    input: &TeamMemberInput,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewTeamMember, FieldErrors> {
    let mut errors = FieldErrors::default();
    match check_member(input, group, today, &mut errors) {
        Some(m) if errors.is_empty() => Ok(m),
        _ => Err(errors),
    }
}

/// The checks of [`parse_team_member`], adding to `errors` (so a correction can add its own).
fn check_member(
    input: &TeamMemberInput,
    group: &GroupCalendar,
    today: Date,
    errors: &mut FieldErrors,
) -> Option<NewTeamMember> {
    let person_name = errors.take(parse_person_name(&input.person_name));
    let org_id = errors.take(
        OrgId::parse(&input.org_id)
            .ok_or_else(|| FieldError::new("所在单位", "请选择本组的一所学校")),
    );
    let role = errors.take(
        TeamRole::parse(&input.role)
            .ok_or_else(|| FieldError::new("队内职务", "请选择队长、副队长或队员")),
    );
    let title = errors
        .take(Title::parse(&input.title).ok_or_else(|| FieldError::new("职称", "请选择职称")));
    let phone = if input.phone.trim().is_empty() {
        Some(None)
    } else {
        errors.take(PhoneNumber::parse(&input.phone)).map(Some)
    };
    let joined_on = errors.take(parse_date("加入日期", &input.joined_on));
    if let Some(d) = joined_on {
        if d > today {
            errors.push("加入日期", format!("{d} 晚于今天，不能登记未来的日期"));
        } else if d < group.started_on {
            errors.push(
                "加入日期",
                format!("{d} 早于结对开始日期 {}", group.started_on),
            );
        }
        if let Some(org) = &org_id
            && group.school_role_on(org, d).is_none()
        {
            errors.push(
                "所在单位",
                format!("{d} 时不是本组的签约学校，队员须来自本组的高校或中职学校"),
            );
        }
    }
    Some(NewTeamMember {
        person_name: person_name?,
        org_id: org_id?,
        role: role?,
        title: title?,
        school_leader: input.school_leader,
        phone: phone?,
        joined_on: joined_on?,
    })
}

/// A member as corrected on the edit form: every field of [`NewTeamMember`] and the leaving date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectedTeamMember {
    pub member: NewTeamMember,
    /// The first day off the team; `None` while on it (or when a leaving recorded by mistake is
    /// taken back by clearing the date).
    pub left_on: Option<Date>,
}

/// Checks a correction: the same checks as adding, and the leaving date (may be empty) against
/// the corrected joining date; all the errors at once.
pub fn parse_member_correction(
    input: &TeamMemberInput,
    left_on: &str,
    group: &GroupCalendar,
    today: Date,
) -> Result<CorrectedTeamMember, FieldErrors> {
    let mut errors = FieldErrors::default();
    let member = check_member(input, group, today, &mut errors);
    let left_on = if left_on.trim().is_empty() {
        Some(None)
    } else {
        match parse_date("离队日期", left_on) {
            Ok(d) => {
                // Against the typed joining date even when another field is wrong.
                let joined = parse_date("加入日期", &input.joined_on).ok();
                match check_left_on(d, joined, today) {
                    Ok(()) => Some(Some(d)),
                    Err(e) => {
                        errors.push(e.field, e.message);
                        None
                    }
                }
            }
            Err(e) => {
                errors.push(e.field, e.message);
                None
            }
        }
    };
    match (member, left_on) {
        (Some(member), Some(left_on)) if errors.is_empty() => {
            Ok(CorrectedTeamMember { member, left_on })
        }
        _ => Err(errors),
    }
}

/// The day a member leaves the team (gone from that day on), checked against the day they joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Departure(Date);

impl Departure {
    pub fn left_on(self) -> Date {
        self.0
    }
}

/// The latest leaving date that can be recorded today: tomorrow. The leaving date is the first
/// day off the team, so a member whose last day of service is today leaves "tomorrow"; allowing
/// it lets a school record that today instead of waiting a day.
pub fn latest_left_on(today: Date) -> Date {
    today.tomorrow().unwrap_or(today)
}

/// The earliest leaving date for a member who joined on `joined_on`: the day after (a member
/// who joined and left on the same day was never on the team; that is a mistake to withdraw).
pub fn earliest_left_on(joined_on: Date) -> Date {
    joined_on.tomorrow().unwrap_or(joined_on)
}

/// A leaving date against the joining date (when it is known) and today.
fn check_left_on(d: Date, joined_on: Option<Date>, today: Date) -> Result<(), FieldError> {
    if let Some(joined) = joined_on
        && d < earliest_left_on(joined)
    {
        return Err(FieldError::new(
            "离队日期",
            format!(
                "{d} 应晚于加入日期 {joined}：离队日期是离队后的第一天（最后在队日的次日），最早为 {}；同日加入又离开的误录请用“撤回误录”",
                earliest_left_on(joined)
            ),
        ));
    }
    let latest = latest_left_on(today);
    if d > latest {
        return Err(FieldError::new(
            "离队日期",
            format!(
                "{d} 晚于 {latest}：离队日期是离队后的第一天，今天最多登记到明天（即今天为最后在队日）"
            ),
        ));
    }
    Ok(())
}

/// Checks a leaving date: after joining, at most tomorrow (the member's last day is today).
pub fn parse_departure(
    left_on: &str,
    joined_on: Date,
    today: Date,
) -> Result<Departure, FieldErrors> {
    let d = parse_date("离队日期", left_on)?;
    check_left_on(d, Some(joined_on), today)?;
    Ok(Departure(d))
}

/// Someone already on the team (now or formerly), as the duplicate warning names them.
pub struct Teammate<'a> {
    pub person_name: &'a str,
    pub org_name: &'a str,
    pub joined_on: Date,
    pub left_on: Option<Date>,
}

/// The warning given when `name` is already on the team (any school, now or formerly), unless
/// the user confirmed that it is another person: the same person entered twice is a common
/// mistake, two people of one name are rare but real.
pub fn duplicate_name_warning<'a>(
    name: &str,
    team: impl IntoIterator<Item = Teammate<'a>>,
) -> Option<FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let same: Vec<String> = team
        .into_iter()
        .filter(|t| t.person_name == name)
        .map(|t| match t.left_on {
            None => format!("{}（{}，{} 加入）", t.person_name, t.org_name, t.joined_on),
            Some(l) => format!(
                "{}（{}，{} 加入，{l} 离队）",
                t.person_name, t.org_name, t.joined_on
            ),
        })
        .collect();
    if same.is_empty() {
        return None;
    }
    Some(FieldError::new(
        "姓名",
        format!(
            "本队已有同名队员 {}；如确为另一人，请勾选“确认添加同名队员”后再提交",
            same.join("、")
        ),
    ))
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

    #[test]
    fn a_member_is_checked_whole() {
        use crate::domain::group::Membership;
        use crate::domain::org::MemberRole;
        let school = OrgId::new();
        let g = GroupCalendar {
            started_on: Date::constant(2024, 1, 1),
            ended_on: None,
            members: vec![Membership {
                org_id: school.clone(),
                name: String::new(),
                role: MemberRole::University,
                from: Date::constant(2024, 1, 1),
                to: Some(Date::constant(2026, 1, 1)),
            }],
        };
        let today = Date::constant(2026, 6, 15);
        let input = TeamMemberInput {
            person_name: " 张三 ".into(),
            org_id: school.to_string(),
            role: "队长".into(),
            title: "中级".into(),
            school_leader: false,
            phone: String::new(),
            joined_on: "2025-12-31".into(),
        };
        let m = parse_team_member(&input, &g, today).unwrap();
        assert_eq!((m.person_name(), m.phone()), ("张三", ""));
        // The school's membership ends on 2026-01-01 (exclusive).
        let late = TeamMemberInput {
            joined_on: "2026-01-01".into(),
            phone: "123".into(),
            person_name: String::new(),
            ..input
        };
        let fields: Vec<_> = parse_team_member(&late, &g, today)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["姓名", "手机号码", "所在单位"]);
    }

    #[test]
    fn leaving_is_after_joining_and_not_after_today() {
        let (joined, today) = (Date::constant(2025, 3, 1), Date::constant(2026, 6, 15));
        assert!(parse_departure("2025-03-01", joined, today).is_err());
        assert!(parse_departure("2025-03-02", joined, today).is_ok());
        assert!(parse_departure("2026-06-15", joined, today).is_ok());
        // The first day off the team: a member whose last day is today leaves tomorrow.
        assert!(parse_departure("2026-06-16", joined, today).is_ok());
        assert!(parse_departure("2026-06-17", joined, today).is_err());
        // Joined today: leaving today would mean never on the team (a mistake to withdraw).
        let e = parse_departure("2026-06-15", today, today).unwrap_err();
        assert!(e.0[0].message.contains("撤回误录"), "{e}");
        assert!(parse_departure("2026-06-16", today, today).is_ok());
    }

    #[test]
    fn a_correction_checks_the_member_and_the_leaving_date_together() {
        use crate::domain::group::Membership;
        use crate::domain::org::MemberRole;
        let school = OrgId::new();
        let g = GroupCalendar {
            started_on: Date::constant(2024, 1, 1),
            ended_on: None,
            members: vec![Membership {
                org_id: school.clone(),
                name: String::new(),
                role: MemberRole::University,
                from: Date::constant(2024, 1, 1),
                to: None,
            }],
        };
        let today = Date::constant(2026, 6, 15);
        let input = TeamMemberInput {
            person_name: "张三".into(),
            org_id: school.to_string(),
            role: "member".into(),
            title: "none".into(),
            school_leader: true,
            phone: String::new(),
            joined_on: "2025-01-01".into(),
        };
        let c = parse_member_correction(&input, "", &g, today).unwrap();
        assert_eq!(c.left_on, None);
        let c = parse_member_correction(&input, "2025-03-01", &g, today).unwrap();
        assert_eq!(c.left_on, Some(Date::constant(2025, 3, 1)));
        let bad = TeamMemberInput {
            role: String::new(),
            ..input
        };
        let fields: Vec<_> = parse_member_correction(&bad, "2024-12-31", &g, today)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["队内职务", "离队日期"]);
    }

    #[test]
    fn a_name_already_on_the_team_is_named_with_its_school_and_dates() {
        let team = || {
            [
                Teammate {
                    person_name: "张三",
                    org_name: "某某大学",
                    joined_on: Date::constant(2026, 3, 1),
                    left_on: None,
                },
                Teammate {
                    person_name: "李四",
                    org_name: "某某学校",
                    joined_on: Date::constant(2025, 1, 1),
                    left_on: Some(Date::constant(2025, 6, 1)),
                },
            ]
        };
        let w = duplicate_name_warning(" 张三 ", team()).unwrap();
        assert_eq!(w.field, "姓名");
        assert!(w.message.starts_with("本队已有同名队员 张三（某某大学，2026-03-01 加入）；如确为另一人，请勾选“确认添加同名队员”"), "{}", w.message);
        let w = duplicate_name_warning("李四", team()).unwrap();
        assert!(w.message.contains("2025-06-01 离队"), "{}", w.message);
        assert!(duplicate_name_warning("王五", team()).is_none());
    }
}
