//! 联席会议 (五(一) "定期召开联席会议"): a group's joint meeting — date, place, the member
//! organisations and people who attended, agenda, minutes, whether it adopted its own year's
//! annual cooperation plan — and its decisions, each with an owner, a due date and a status that
//! a later meeting follows up. Checks only; the store and the access rules live elsewhere.

use crate::domain::group::GroupCalendar;
use crate::domain::ids::OrgId;
use crate::domain::{FieldErrors, parse_date};
use jiff::civil::Date;
use serde_json::{Value, json};

pub const MAX_PLACE_CHARS: usize = 100;
pub const MAX_AGENDA_CHARS: usize = 5000;
pub const MAX_MINUTES_CHARS: usize = 20000;
pub const MAX_PEOPLE: usize = 200;
pub const MAX_PERSON_FIELD_CHARS: usize = 100;
pub const MAX_DECISION_CHARS: usize = 1000;
pub const MAX_FOLLOW_UP_CHARS: usize = 2000;
pub const MAX_OWNER_CHARS: usize = 100;

/// A person who attended, as typed: 姓名, 单位, 职务.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub organisation: String,
    pub post: String,
}

impl Person {
    /// "姓名，单位，职务", the way the form's text lines write it.
    pub fn line(&self) -> String {
        [&self.name, &self.organisation, &self.post]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("，")
    }
}

/// The people of a textarea: one per line, "姓名，单位，职务" (full-width or ASCII commas, or
/// tabs when pasted from a sheet); blank lines skipped.
pub fn people_from_lines(text: &str) -> Vec<Person> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l
                .split(['，', ',', '\t', '、'])
                .map(|p| p.trim().to_string());
            Person {
                name: parts.next().unwrap_or_default(),
                organisation: parts.next().unwrap_or_default(),
                post: parts.collect::<Vec<_>>().join("，"),
            }
        })
        .collect()
}

/// A meeting as typed in the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct MeetingInput {
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub place: String,
    /// Ids of the member organisations that attended.
    pub orgs: Vec<String>,
    pub people: Vec<Person>,
    pub agenda: String,
    pub minutes: String,
    pub adopts_annual_plan: bool,
}

/// A meeting that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    pub held_on: Date,
    pub place: String,
    /// In the group's order of members, each once.
    pub orgs: Vec<OrgId>,
    pub people: Vec<Person>,
    pub agenda: String,
    pub minutes: String,
    pub adopts_annual_plan: bool,
}

pub fn people_json(people: &[Person]) -> Value {
    Value::Array(
        people
            .iter()
            .map(|p| json!([p.name, p.organisation, p.post]))
            .collect(),
    )
}

pub fn people_from_json(text: &str) -> Vec<Person> {
    let items: Vec<(String, String, String)> = serde_json::from_str(text).unwrap_or_default();
    items
        .into_iter()
        .map(|(name, organisation, post)| Person {
            name,
            organisation,
            post,
        })
        .collect()
}

impl NewMeeting {
    /// The fields as the audit log keeps them (and a correction compares them).
    pub fn audit_json(&self) -> Value {
        json!({
            "held_on": self.held_on.to_string(),
            "place": self.place,
            "members": self.orgs.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
            "people": self.people.iter().map(Person::line).collect::<Vec<_>>(),
            "agenda": self.agenda,
            "minutes": self.minutes,
            "adopts_annual_plan": self.adopts_annual_plan,
        })
    }
}

fn text_field(
    errors: &mut FieldErrors,
    label: &'static str,
    text: &str,
    max: usize,
    required: Option<&str>,
) -> String {
    let t = text.trim();
    if t.is_empty() {
        if let Some(why) = required {
            errors.push(label, why.to_string());
        }
    } else if t.chars().count() > max {
        errors.push(label, format!("不能超过 {max} 个字符，请精简"));
    }
    t.to_string()
}

/// Checks a meeting against the group's dated memberships and today; every error at once.
pub fn parse_meeting(
    input: &MeetingInput,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewMeeting, FieldErrors> {
    let mut errors = FieldErrors::default();
    let held_on = errors.take(parse_date("会议日期", &input.held_on));
    if let Some(d) = held_on {
        if d > today {
            errors.push(
                "会议日期",
                format!("{d} 晚于今天；会议开过后再登记，请填写实际召开的日期"),
            );
        } else if !group.active_on(d) {
            errors.push(
                "会议日期",
                format!(
                    "{d} 本组不在结对期内（自 {} 起）；请填写结对期内的日期",
                    group.started_on
                ),
            );
        }
    }
    let place = text_field(
        &mut errors,
        "会议地点",
        &input.place,
        MAX_PLACE_CHARS,
        Some("不能为空，请填写召开会议的地点"),
    );
    let mut orgs: Vec<OrgId> = Vec::new();
    for text in input
        .orgs
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
    {
        let Some(org) = OrgId::parse(text) else {
            errors.push("参会单位", "请从列表中勾选本组的成员单位");
            continue;
        };
        let member = group.members.iter().find(|m| m.org_id == org);
        match (member, held_on) {
            (None, _) => errors.push("参会单位", "请从列表中勾选本组的成员单位"),
            (Some(m), Some(d)) if !m.active_on(d) => errors.push(
                "参会单位",
                format!("{} 在 {d} 不是本组成员；请只勾选当日的成员单位", m.name),
            ),
            _ if orgs.contains(&org) => {}
            _ => orgs.push(org),
        }
    }
    if orgs.is_empty() && !errors.0.iter().any(|e| e.field == "参会单位") {
        errors.push("参会单位", "请至少勾选一个参会的成员单位");
    }
    // The group's order, not the order of the boxes ticked.
    orgs.sort_by_key(|o| group.members.iter().position(|m| &m.org_id == o));
    if input.people.len() > MAX_PEOPLE {
        errors.push("参会人员", format!("最多 {MAX_PEOPLE} 人"));
    }
    let mut people = Vec::new();
    for (i, p) in input.people.iter().enumerate() {
        let name = p.name.trim();
        let organisation = p.organisation.trim();
        let post = p.post.trim();
        if name.is_empty() {
            errors.push(
                "参会人员",
                format!("第 {} 行没有姓名；每行写“姓名，单位，职务”", i + 1),
            );
            continue;
        }
        if [name, organisation, post]
            .iter()
            .any(|s| s.chars().count() > MAX_PERSON_FIELD_CHARS)
        {
            errors.push(
                "参会人员",
                format!(
                    "第 {} 行过长；姓名、单位、职务各不超过 {MAX_PERSON_FIELD_CHARS} 个字符",
                    i + 1
                ),
            );
            continue;
        }
        people.push(Person {
            name: name.into(),
            organisation: organisation.into(),
            post: post.into(),
        });
    }
    let agenda = text_field(&mut errors, "议程", &input.agenda, MAX_AGENDA_CHARS, None);
    let minutes = text_field(
        &mut errors,
        "会议纪要",
        &input.minutes,
        MAX_MINUTES_CHARS,
        None,
    );
    match held_on {
        Some(held_on) if errors.is_empty() => Ok(NewMeeting {
            held_on,
            place,
            orgs,
            people,
            agenda,
            minutes,
            adopts_annual_plan: input.adopts_annual_plan,
        }),
        _ => Err(errors),
    }
}

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionStatus {
    Open,
    Done,
    Dropped,
}

impl DecisionStatus {
    pub const ALL: [DecisionStatus; 3] = [
        DecisionStatus::Open,
        DecisionStatus::Done,
        DecisionStatus::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Open => "open",
            DecisionStatus::Done => "done",
            DecisionStatus::Dropped => "dropped",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DecisionStatus::Open => "未完成",
            DecisionStatus::Done => "已完成",
            DecisionStatus::Dropped => "不再执行",
        }
    }

    /// The code (`done`) or the label (`已完成`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s || x.label() == s)
    }
}

/// A decision as typed. `link` is empty, `project:<id>` or `item:<id>` on the web; the API sends
/// the two ids apart and they arrive here the same way.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub text: String,
    pub project: String,
    pub plan_item: String,
    pub owner_org: String,
    pub owner_text: String,
    pub due_on: String,
    /// A code or label of [`DecisionStatus`]; empty is open.
    pub status: String,
    pub follow_up: String,
}

/// What a decision links to, by id (the service checks it is the group's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionLink {
    Project(String),
    PlanItem(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub text: String,
    pub link: Option<DecisionLink>,
    pub owner_org: Option<OrgId>,
    pub owner_text: String,
    pub due_on: Option<Date>,
    pub status: DecisionStatus,
    pub follow_up: String,
}

impl NewDecision {
    pub fn audit_json(&self) -> Value {
        let (project, item) = match &self.link {
            Some(DecisionLink::Project(p)) => (Some(p.clone()), None),
            Some(DecisionLink::PlanItem(i)) => (None, Some(i.clone())),
            None => (None, None),
        };
        json!({
            "text": self.text,
            "project_id": project,
            "plan_item_id": item,
            "owner_org_id": self.owner_org.as_ref().map(|o| o.to_string()),
            "owner_text": self.owner_text,
            "due_on": self.due_on.map(|d| d.to_string()),
            "decision_status": self.status.as_str(),
            "follow_up": self.follow_up,
        })
    }
}

/// Checks a decision; the owner is a member organisation of the group or a name in text.
pub fn parse_decision(
    input: &DecisionInput,
    group: &GroupCalendar,
) -> Result<NewDecision, FieldErrors> {
    let mut errors = FieldErrors::default();
    let text = text_field(
        &mut errors,
        "决定事项",
        &input.text,
        MAX_DECISION_CHARS,
        Some("不能为空，请写明会议决定做什么"),
    );
    let project = input.project.trim();
    let item = input.plan_item.trim();
    let link = match (project.is_empty(), item.is_empty()) {
        (true, true) => None,
        (false, true) => Some(DecisionLink::Project(project.to_string())),
        (true, false) => Some(DecisionLink::PlanItem(item.to_string())),
        (false, false) => {
            errors.push(
                "关联事项",
                "只能关联一个合作项目或一个年度计划事项，请只选一项",
            );
            None
        }
    };
    let owner_org = match input.owner_org.trim() {
        "" => None,
        t => match OrgId::parse(t).filter(|o| group.members.iter().any(|m| &m.org_id == o)) {
            Some(o) => Some(o),
            None => {
                errors.push("责任单位", "请从列表中选择本组的成员单位");
                None
            }
        },
    };
    let owner_text = text_field(
        &mut errors,
        "责任人",
        &input.owner_text,
        MAX_OWNER_CHARS,
        None,
    );
    if owner_org.is_none()
        && owner_text.is_empty()
        && !errors.0.iter().any(|e| e.field == "责任单位")
    {
        errors.push("责任单位", "请选择责任单位，或填写责任人");
    }
    let due_on = match input.due_on.trim() {
        "" => None,
        t => errors.take(parse_date("完成期限", t)),
    };
    let status = match input.status.trim() {
        "" => Some(DecisionStatus::Open),
        t => {
            let s = DecisionStatus::parse(t);
            if s.is_none() {
                errors.push(
                    "落实情况",
                    format!("“{t}”不是可选的状态（未完成、已完成、不再执行）"),
                );
            }
            s
        }
    };
    let follow_up = text_field(
        &mut errors,
        "跟进说明",
        &input.follow_up,
        MAX_FOLLOW_UP_CHARS,
        None,
    );
    match status {
        Some(status) if errors.is_empty() => Ok(NewDecision {
            text,
            link,
            owner_org,
            owner_text,
            due_on,
            status,
            follow_up,
        }),
        _ => Err(errors),
    }
}

/// A follow-up of an earlier meeting's decision: its status and a note.
pub fn parse_follow_up(status: &str, note: &str) -> Result<(DecisionStatus, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let s = match status.trim() {
        "" => {
            errors.push("落实情况", "请选择落实情况（未完成、已完成、不再执行）");
            None
        }
        t => {
            let s = DecisionStatus::parse(t);
            if s.is_none() {
                errors.push(
                    "落实情况",
                    format!("“{t}”不是可选的状态（未完成、已完成、不再执行）"),
                );
            }
            s
        }
    };
    let note = text_field(&mut errors, "跟进说明", note, MAX_FOLLOW_UP_CHARS, None);
    match s {
        Some(s) if errors.is_empty() => Ok((s, note)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Membership;
    use crate::domain::org::MemberRole;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn group() -> (GroupCalendar, OrgId, OrgId) {
        let (school, village) = (OrgId::new(), OrgId::new());
        let m = |org: &OrgId, role, to: Option<Date>| Membership {
            org_id: org.clone(),
            name: "成员".into(),
            role,
            from: d("2024-01-01"),
            to,
        };
        (
            GroupCalendar {
                started_on: d("2024-01-01"),
                ended_on: None,
                members: vec![
                    m(&school, MemberRole::University, None),
                    m(&village, MemberRole::Village, Some(d("2026-01-01"))),
                ],
            },
            school,
            village,
        )
    }

    #[test]
    fn a_meeting_is_checked_whole() {
        let (g, school, village) = group();
        let today = d("2026-06-15");
        let ok = MeetingInput {
            held_on: "2026-03-01".into(),
            place: " 塘厦镇政府 ".into(),
            orgs: vec![school.to_string(), school.to_string()],
            people: people_from_lines("张三，广东医科大学，副校长\n\n李四, 塘厦镇, 镇长"),
            adopts_annual_plan: true,
            ..Default::default()
        };
        let m = parse_meeting(&ok, &g, today).unwrap();
        assert_eq!(m.place, "塘厦镇政府");
        assert_eq!(m.orgs, vec![school.clone()], "each organisation once");
        assert_eq!(m.people[1].post, "镇长");
        // A village that left the group in 2026, a future date, no place: all at once.
        let bad = MeetingInput {
            held_on: "2026-06-16".into(),
            orgs: vec![village.to_string()],
            ..Default::default()
        };
        let e = parse_meeting(&bad, &g, today).unwrap_err().to_string();
        assert!(e.contains("会议日期：2026-06-16 晚于今天"), "{e}");
        assert!(e.contains("会议地点：不能为空"), "{e}");
        let bad = MeetingInput {
            held_on: "2026-03-01".into(),
            place: "村委".into(),
            orgs: vec![village.to_string()],
            people: vec![Person::default()],
            ..Default::default()
        };
        let e = parse_meeting(&bad, &g, today).unwrap_err().to_string();
        assert!(e.contains("在 2026-03-01 不是本组成员"), "{e}");
        assert!(e.contains("第 1 行没有姓名"), "{e}");
        let before = MeetingInput {
            held_on: "2023-12-31".into(),
            ..ok.clone()
        };
        assert!(
            parse_meeting(&before, &g, today)
                .unwrap_err()
                .to_string()
                .contains("不在结对期内")
        );
    }

    #[test]
    fn a_decision_needs_text_and_an_owner_and_links_one_thing() {
        let (g, school, _) = group();
        let ok = DecisionInput {
            text: "完成村道规划初稿".into(),
            owner_org: school.to_string(),
            due_on: "2026-09-30".into(),
            ..Default::default()
        };
        let x = parse_decision(&ok, &g).unwrap();
        assert_eq!(x.status, DecisionStatus::Open);
        let both = DecisionInput {
            project: "p".into(),
            plan_item: "i".into(),
            owner_org: String::new(),
            status: "搁置".into(),
            ..ok.clone()
        };
        let e = parse_decision(&both, &g).unwrap_err().to_string();
        assert!(e.contains("只能关联一个"), "{e}");
        assert!(e.contains("请选择责任单位，或填写责任人"), "{e}");
        assert!(e.contains("“搁置”不是可选的状态"), "{e}");
        assert_eq!(
            parse_follow_up("已完成", "已交付").unwrap(),
            (DecisionStatus::Done, "已交付".to_string())
        );
        assert!(parse_follow_up("", "").is_err());
    }
}
