//! 结对调整 (动态调整, 五(三) "根据评价情况和三方合作成效及意愿，动态调整合作关系"): the
//! 指挥部 ends memberships of a group and starts new ones, on one of the document's grounds, as a
//! body decided, from an effective date. Nothing is deleted: an ending closes a membership on the
//! effective date (exclusive), an addition opens one from it. The checks here are pure: the
//! memberships as they stand and the organisations named come in as arguments.

use crate::domain::group::GroupCalendar;
use crate::domain::ids::{MembershipId, OrgId};
use crate::domain::org::{MemberRole, OrgKind};
use crate::domain::rules::agreement_deadline;
use crate::domain::{FieldErrors, parse_date};
use jiff::ToSpan;
use jiff::civil::Date;

/// The grounds the document gives for an adjustment (五(三)), and the change of the typical
/// towns and villages list (典型镇村名单) that the pairing itself follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grounds {
    Evaluation,
    Effectiveness,
    Willingness,
    TypicalList,
}

impl Grounds {
    pub const ALL: [Grounds; 4] = [
        Grounds::Evaluation,
        Grounds::Effectiveness,
        Grounds::Willingness,
        Grounds::TypicalList,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grounds::Evaluation => "evaluation",
            Grounds::Effectiveness => "effectiveness",
            Grounds::Willingness => "willingness",
            Grounds::TypicalList => "typical_list",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grounds::Evaluation => "评价结果",
            Grounds::Effectiveness => "三方合作成效",
            Grounds::Willingness => "合作意愿",
            Grounds::TypicalList => "典型镇村名单调整",
        }
    }

    /// The code (`evaluation`) or the label (`评价结果`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == s || g.label() == s)
    }
}

pub const MAX_DECIDED_BY_CHARS: usize = 100;
pub const MAX_NOTE_CHARS: usize = 2000;
/// How far ahead an adjustment may be recorded: a decision takes effect within the year ahead.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// An adjustment as typed (form or JSON), not yet checked.
#[derive(Debug, Clone, Default)]
pub struct AdjustmentInput {
    pub grounds: String,
    pub decided_by: String,
    pub effective_on: String,
    /// Memberships to end (their ids).
    pub end: Vec<String>,
    /// Organisations to add: (organisation id, role code).
    pub add: Vec<(String, String)>,
    /// None: decided from what changes (a school leaves or joins).
    pub team_rework: Option<bool>,
    pub note: String,
}

/// One membership of the group as the checks see it.
#[derive(Debug, Clone)]
pub struct MembershipSpell {
    pub id: MembershipId,
    pub org_id: OrgId,
    pub name: String,
    pub role: MemberRole,
    pub from: Date,
    pub to: Option<Date>,
}

/// An organisation named for addition, as the directory knows it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
}

/// A checked adjustment, ready to be written.
#[derive(Debug, Clone)]
pub struct NewAdjustment {
    pub grounds: Grounds,
    pub decided_by: String,
    pub effective_on: Date,
    pub end: Vec<MembershipSpell>,
    pub add: Vec<(Candidate, MemberRole)>,
    /// The added parties' supplementary agreement deadline (四(二): the plan's months from the
    /// effective date, the agreement rule's own); none when no party joins.
    pub supplementary_due: Option<Date>,
    pub team_rework: bool,
    pub note: String,
}

/// What the checks need besides the input.
pub struct Context<'a> {
    pub calendar: &'a GroupCalendar,
    pub lead_town: &'a OrgId,
    pub spells: &'a [MembershipSpell],
    /// The organisations the input names for addition, found by id (missing: unknown).
    pub candidates: &'a [Candidate],
    pub today: Date,
    pub agreement_months: u32,
}

/// The decision every adjustment records: its grounds, the deciding body and the note.
fn check_decision(
    input: &AdjustmentInput,
    errors: &mut FieldErrors,
) -> (Option<Grounds>, String, String) {
    let grounds = Grounds::parse(&input.grounds);
    if grounds.is_none() {
        errors.push(
            "调整依据",
            "应为评价结果、三方合作成效、合作意愿或典型镇村名单调整之一",
        );
    }
    let decided_by = input.decided_by.trim().to_string();
    if decided_by.is_empty() {
        errors.push("决定机构", "不能为空（如：市指挥部2025年第2次会议）");
    } else if decided_by.chars().count() > MAX_DECIDED_BY_CHARS {
        errors.push("决定机构", format!("不能超过 {MAX_DECIDED_BY_CHARS} 个字"));
    }
    let note = input.note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push("说明", format!("不能超过 {MAX_NOTE_CHARS} 个字"));
    }
    (grounds, decided_by, note)
}

/// A correction of the adjustment that set up a group (新增结对组): its decision only; the
/// effective date is the group's founding date and stays.
pub fn check_founding_correction(
    input: &AdjustmentInput,
    founded_on: Date,
) -> Result<(Grounds, String, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let (grounds, decided_by, note) = check_decision(input, &mut errors);
    if let Some(d) = errors.take(parse_date("生效日期", &input.effective_on))
        && d != founded_on
    {
        errors.push(
            "生效日期",
            format!("这次调整新设了本组，生效日期即成立日期 {founded_on}，不能更改"),
        );
    }
    match grounds {
        Some(g) if errors.is_empty() => Ok((g, decided_by, note)),
        _ => Err(errors),
    }
}

/// Checks an adjustment against the group as it stands; every problem at once, each naming its
/// field.
pub fn check_adjustment(
    input: &AdjustmentInput,
    cx: &Context<'_>,
) -> Result<NewAdjustment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let (grounds, decided_by, note) = check_decision(input, &mut errors);
    let effective_on = errors.take(parse_date("生效日期", &input.effective_on));
    let dated_errors = errors.0.len();
    if let Some(d) = effective_on {
        if d <= cx.calendar.started_on {
            errors.push(
                "生效日期",
                format!("应晚于结对组成立日期 {}", cx.calendar.started_on),
            );
        } else if cx.calendar.ended_on.is_some_and(|e| d >= e) {
            errors.push("生效日期", "结对组在该日期已结束");
        } else if d > cx.today.saturating_add(MAX_DAYS_AHEAD.days()) {
            errors.push("生效日期", format!("不能晚于今天之后 {MAX_DAYS_AHEAD} 天"));
        }
    }
    // The date's own problem said, the memberships are not judged against it again.
    let date_ok = errors.0.len() == dated_errors;
    if input.end.is_empty() && input.add.is_empty() {
        errors.push("调整内容", "请至少结束一项成员关系或新增一个成员单位");
    }

    let mut end: Vec<MembershipSpell> = Vec::new();
    for id in &input.end {
        let Some(spell) =
            MembershipId::parse(id.trim()).and_then(|id| cx.spells.iter().find(|s| s.id == id))
        else {
            errors.push("结束的成员关系", format!("“{id}”不是本组的成员关系"));
            continue;
        };
        if end.iter().any(|e| e.id == spell.id) {
            errors.push("结束的成员关系", format!("{} 重复列出", spell.name));
            continue;
        }
        if let Some(to) = spell.to {
            errors.push(
                "结束的成员关系",
                format!("{} 的成员关系已于 {to} 结束", spell.name),
            );
            continue;
        }
        if &spell.org_id == cx.lead_town && spell.role == MemberRole::Town {
            errors.push(
                "结束的成员关系",
                format!("{} 是本组的牵头镇(街道)，其成员关系不能结束", spell.name),
            );
            continue;
        }
        if let Some(d) = effective_on
            && date_ok
            && d <= spell.from
        {
            errors.push(
                "生效日期",
                format!(
                    "{} 的成员关系自 {} 起，结束日期应晚于该日",
                    spell.name, spell.from
                ),
            );
            continue;
        }
        end.push(spell.clone());
    }

    let mut add: Vec<(Candidate, MemberRole)> = Vec::new();
    for (org, role) in &input.add {
        let Some(role) = MemberRole::parse(role.trim()) else {
            errors.push(
                "新增成员的角色",
                format!("“{role}”应为 university、vocational_school、town 或 village"),
            );
            continue;
        };
        let Some(c) = cx.candidates.iter().find(|c| c.id.as_str() == org.trim()) else {
            errors.push("新增成员单位", format!("未知单位“{org}”"));
            continue;
        };
        if c.kind != role.org_kind() {
            errors.push(
                "新增成员单位",
                format!(
                    "{}是{}，不能作为{}加入",
                    c.name,
                    c.kind.label(),
                    role.label()
                ),
            );
            continue;
        }
        if add.iter().any(|(a, _)| a.id == c.id) {
            errors.push("新增成员单位", format!("{} 重复列出", c.name));
            continue;
        }
        // Already a member on the effective date or later (and not ended by this adjustment).
        if let Some(d) = effective_on
            && cx.spells.iter().any(|s| {
                s.org_id == c.id
                    && s.to.is_none_or(|to| to > d)
                    && !end.iter().any(|e| e.id == s.id)
            })
        {
            errors.push("新增成员单位", format!("{} 在 {d} 已是本组成员", c.name));
            continue;
        }
        add.push((c.clone(), role));
    }

    // 二: a group pairs schools with places; it keeps at least one school.
    if let Some(d) = effective_on
        && !end.is_empty()
    {
        let schools_left = cx
            .spells
            .iter()
            .filter(|s| is_school(s.role) && s.to.is_none_or(|to| to > d))
            .filter(|s| !end.iter().any(|e| e.id == s.id))
            .count()
            + add.iter().filter(|(_, r)| is_school(*r)).count();
        if schools_left == 0 {
            errors.push(
                "结束的成员关系",
                "调整后本组将没有学校，至少保留（或新增）一所学校",
            );
        }
    }

    let touches_schools =
        end.iter().any(|s| is_school(s.role)) || add.iter().any(|(_, r)| is_school(*r));
    let (Some(grounds), Some(effective_on)) = (grounds, effective_on) else {
        return Err(errors);
    };
    errors.into_result(|| NewAdjustment {
        grounds,
        decided_by,
        effective_on,
        supplementary_due: (!add.is_empty())
            .then(|| agreement_deadline(effective_on, cx.agreement_months)),
        end,
        add,
        team_rework: input.team_rework.unwrap_or(touches_schools),
        note,
    })
}

/// A new group (结对调整 "新增结对组") as typed: the decision, its lead town and its members.
#[derive(Debug, Clone, Default)]
pub struct NewGroupInput {
    pub grounds: String,
    pub decided_by: String,
    pub effective_on: String,
    /// The lead town's organisation id.
    pub lead_town: String,
    /// Further members: (organisation id, role code).
    pub members: Vec<(String, String)>,
    pub note: String,
}

/// A checked new group: its first memberships all start on the effective date.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub grounds: Grounds,
    pub decided_by: String,
    pub effective_on: Date,
    pub lead_town: Candidate,
    pub members: Vec<(Candidate, MemberRole)>,
    /// 四(二): the tripartite agreement is due the plan's months after the group starts.
    pub agreement_due: Date,
    pub note: String,
}

/// Checks a new group: the decision's fields as for an adjustment, a town to lead it, at least
/// one school, every organisation of the kind its role needs and named once; the start not before
/// the plan's pairing began nor more than the allowed days ahead.
pub fn check_new_group(
    input: &NewGroupInput,
    candidates: &[Candidate],
    plan_start: Date,
    today: Date,
    agreement_months: u32,
) -> Result<NewGroup, FieldErrors> {
    let mut errors = FieldErrors::default();
    let grounds = Grounds::parse(&input.grounds);
    if grounds.is_none() {
        errors.push(
            "调整依据",
            "应为评价结果、三方合作成效、合作意愿或典型镇村名单调整之一",
        );
    }
    let decided_by = input.decided_by.trim().to_string();
    if decided_by.is_empty() {
        errors.push("决定机构", "不能为空（如：市指挥部2025年第2次会议）");
    } else if decided_by.chars().count() > MAX_DECIDED_BY_CHARS {
        errors.push("决定机构", format!("不能超过 {MAX_DECIDED_BY_CHARS} 个字"));
    }
    let note = input.note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push("说明", format!("不能超过 {MAX_NOTE_CHARS} 个字"));
    }
    let effective_on = errors.take(parse_date("生效日期", &input.effective_on));
    if let Some(d) = effective_on {
        if d < plan_start {
            errors.push(
                "生效日期",
                format!("不能早于方案的结对起始日期 {plan_start}"),
            );
        } else if d > today.saturating_add(MAX_DAYS_AHEAD.days()) {
            errors.push("生效日期", format!("不能晚于今天之后 {MAX_DAYS_AHEAD} 天"));
        }
    }
    let find = |id: &str| candidates.iter().find(|c| c.id.as_str() == id.trim());
    let lead_town = match find(&input.lead_town) {
        Some(c) if c.kind == OrgKind::Town => Some(c.clone()),
        Some(c) => {
            errors.push(
                "牵头镇(街道)",
                format!("{}是{}，不是镇(街道)", c.name, c.kind.label()),
            );
            None
        }
        None => {
            errors.push("牵头镇(街道)", format!("未知单位“{}”", input.lead_town));
            None
        }
    };
    let mut members: Vec<(Candidate, MemberRole)> = Vec::new();
    for (org, role) in &input.members {
        let Some(role) = MemberRole::parse(role.trim()) else {
            errors.push(
                "成员的角色",
                format!("“{role}”应为 university、vocational_school、town 或 village"),
            );
            continue;
        };
        let Some(c) = find(org) else {
            errors.push("成员单位", format!("未知单位“{org}”"));
            continue;
        };
        if c.kind != role.org_kind() {
            errors.push(
                "成员单位",
                format!(
                    "{}是{}，不能作为{}加入",
                    c.name,
                    c.kind.label(),
                    role.label()
                ),
            );
            continue;
        }
        if members.iter().any(|(m, _)| m.id == c.id)
            || lead_town.as_ref().is_some_and(|t| t.id == c.id)
        {
            errors.push("成员单位", format!("{} 重复列出", c.name));
            continue;
        }
        members.push((c.clone(), role));
    }
    if !members.iter().any(|(_, r)| is_school(*r)) {
        errors.push("成员单位", "新结对组至少须有一所学校");
    }
    let (Some(grounds), Some(effective_on), Some(lead_town)) = (grounds, effective_on, lead_town)
    else {
        return Err(errors);
    };
    errors.into_result(|| NewGroup {
        grounds,
        decided_by,
        effective_on,
        lead_town,
        members,
        agreement_due: agreement_deadline(effective_on, agreement_months),
        note,
    })
}

fn is_school(role: MemberRole) -> bool {
    matches!(role, MemberRole::University | MemberRole::VocationalSchool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Membership;
    use jiff::civil::date;

    fn spell(org: &OrgId, name: &str, role: MemberRole, to: Option<Date>) -> MembershipSpell {
        MembershipSpell {
            id: MembershipId::new(),
            org_id: org.clone(),
            name: name.into(),
            role,
            from: date(2023, 12, 29),
            to,
        }
    }

    struct Fixture {
        town: OrgId,
        spells: Vec<MembershipSpell>,
        calendar: GroupCalendar,
        candidates: Vec<Candidate>,
    }

    fn fixture() -> Fixture {
        let (town, village, school) = (OrgId::new(), OrgId::new(), OrgId::new());
        let spells = vec![
            spell(&town, "塘厦镇", MemberRole::Town, None),
            spell(&village, "凤凰岗社区", MemberRole::Village, None),
            spell(&school, "广东医科大学", MemberRole::University, None),
        ];
        let calendar = GroupCalendar {
            started_on: date(2023, 12, 29),
            ended_on: None,
            members: spells
                .iter()
                .map(|s| Membership {
                    org_id: s.org_id.clone(),
                    name: s.name.clone(),
                    role: s.role,
                    from: s.from,
                    to: s.to,
                })
                .collect(),
        };
        let candidates = vec![
            Candidate {
                id: OrgId::new(),
                name: "林村社区".into(),
                kind: OrgKind::Village,
            },
            Candidate {
                id: OrgId::new(),
                name: "东莞理工学院".into(),
                kind: OrgKind::University,
            },
        ];
        Fixture {
            town,
            spells,
            calendar,
            candidates,
        }
    }

    fn check(f: &Fixture, input: &AdjustmentInput) -> Result<NewAdjustment, FieldErrors> {
        check_adjustment(
            input,
            &Context {
                calendar: &f.calendar,
                lead_town: &f.town,
                spells: &f.spells,
                candidates: &f.candidates,
                today: date(2026, 6, 15),
                agreement_months: 1,
            },
        )
    }

    fn input(f: &Fixture, end: &[usize], add: &[(usize, &str)]) -> AdjustmentInput {
        AdjustmentInput {
            grounds: "willingness".into(),
            decided_by: "市指挥部2025年第2次会议".into(),
            effective_on: "2025-07-01".into(),
            end: end.iter().map(|i| f.spells[*i].id.to_string()).collect(),
            add: add
                .iter()
                .map(|(i, r)| (f.candidates[*i].id.to_string(), r.to_string()))
                .collect(),
            team_rework: None,
            note: String::new(),
        }
    }

    fn fields(e: FieldErrors) -> Vec<&'static str> {
        e.0.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_village_replaced_owes_a_supplementary_agreement_a_month_on() {
        let f = fixture();
        let a = check(&f, &input(&f, &[1], &[(0, "village")])).unwrap();
        assert_eq!(a.grounds, Grounds::Willingness);
        assert_eq!(a.end.len(), 1);
        assert_eq!(a.add.len(), 1);
        assert_eq!(a.supplementary_due, Some(date(2025, 8, 1)));
        assert!(!a.team_rework, "no school changed");
        let a = check(&f, &input(&f, &[], &[(1, "university")])).unwrap();
        assert!(a.team_rework, "a school joined");
        assert!(
            check(&f, &input(&f, &[1], &[]))
                .unwrap()
                .supplementary_due
                .is_none()
        );
    }

    #[test]
    fn wrong_input_names_its_fields() {
        let f = fixture();
        let mut i = input(&f, &[1], &[]);
        i.grounds = "mood".into();
        i.decided_by = " ".into();
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["调整依据", "决定机构"]);
        let mut i = input(&f, &[1], &[]);
        i.effective_on = "2023-12-29".into();
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["生效日期"]);
        let mut i = input(&f, &[1], &[]);
        i.effective_on = "2027-06-17".into();
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["生效日期"]);
        let i = input(&f, &[], &[(0, "university")]);
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["新增成员单位"]);
        let i = input(&f, &[2], &[]);
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["结束的成员关系"]);
        let i = input(&f, &[0], &[]);
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["结束的成员关系"]);
        let i = input(&f, &[], &[]);
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["调整内容"]);
        let mut i = input(&f, &[], &[]);
        i.end = vec!["not-an-id".into()];
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["结束的成员关系"]);
        let mut i = input(&f, &[], &[(0, "village")]);
        i.add[0].1 = "mayor".into();
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["新增成员的角色"]);
    }

    #[test]
    fn a_new_group_needs_a_town_to_lead_it_and_a_school() {
        let f = fixture();
        let town = Candidate {
            id: OrgId::new(),
            name: "谢岗镇".into(),
            kind: OrgKind::Town,
        };
        let mut candidates = f.candidates.clone();
        candidates.push(town.clone());
        let input = |lead: &OrgId, members: &[usize]| NewGroupInput {
            grounds: "effectiveness".into(),
            decided_by: "市指挥部2026年第1次会议".into(),
            effective_on: "2026-07-01".into(),
            lead_town: lead.to_string(),
            members: members
                .iter()
                .map(|i| {
                    let c = &f.candidates[*i];
                    let role = if c.kind == OrgKind::Village {
                        "village"
                    } else {
                        "university"
                    };
                    (c.id.to_string(), role.to_string())
                })
                .collect(),
            note: String::new(),
        };
        let check = |i: &NewGroupInput| {
            check_new_group(i, &candidates, date(2023, 12, 29), date(2026, 6, 15), 1)
        };
        let g = check(&input(&town.id, &[0, 1])).unwrap();
        assert_eq!(g.agreement_due, date(2026, 8, 1));
        assert_eq!(g.members.len(), 2);
        assert_eq!(
            fields(check(&input(&town.id, &[0])).unwrap_err()),
            ["成员单位"],
            "no school"
        );
        assert_eq!(
            fields(check(&input(&f.candidates[0].id, &[1])).unwrap_err()),
            ["牵头镇(街道)"],
            "a village does not lead"
        );
        let mut early = input(&town.id, &[0, 1]);
        early.effective_on = "2023-12-28".into();
        assert_eq!(fields(check(&early).unwrap_err()), ["生效日期"]);
    }

    #[test]
    fn a_school_replaced_on_the_same_day_keeps_the_group_a_school() {
        let f = fixture();
        assert!(check(&f, &input(&f, &[2], &[(1, "university")])).is_ok());
    }

    #[test]
    fn an_ended_membership_is_not_ended_again_and_a_member_not_added_twice() {
        let mut f = fixture();
        f.spells[1].to = Some(date(2025, 1, 1));
        let i = input(&f, &[1], &[]);
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["结束的成员关系"]);
        // The village's spell ended before the date: it may come back.
        f.candidates[0].id = f.spells[1].org_id.clone();
        assert!(check(&f, &input(&f, &[], &[(0, "village")])).is_ok());
        // A village still a member on the date may not be added again.
        f.spells[1].to = None;
        let i = input(&f, &[], &[(0, "village")]);
        assert_eq!(fields(check(&f, &i).unwrap_err()), ["新增成员单位"]);
    }
}
