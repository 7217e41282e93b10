//! 合作项目 (三(一)–(六)): a group's cooperation projects in the plan's areas, and the dated
//! progress updates that add to each area's outcome figures. The figures are the plan file's
//! (`[[areas]]`), never named in code. A project may be a purchased service (五(二)): a town or
//! village buys planning, construction or operation services from a school, money flowing to the
//! school, with the contract value in fen.

use super::group::GroupCalendar;
use super::ids::OrgId;
use super::money::Fen;
use super::plan::{Area, OutcomeKind, Plan};
use super::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_PARTNERS_CHARS: usize = 500;
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
pub const MAX_SUMMARY_CHARS: usize = 2000;
/// A count larger than any one update could honestly add (and far within an `i64` sum).
pub const MAX_COUNT: i64 = 100_000_000;

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectStatus {
    Planned,
    Active,
    Done,
    Paused,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::Planned,
        ProjectStatus::Active,
        ProjectStatus::Done,
        ProjectStatus::Paused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Planned => "planned",
            ProjectStatus::Active => "active",
            ProjectStatus::Done => "done",
            ProjectStatus::Paused => "paused",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::Planned => "计划中",
            ProjectStatus::Active => "进行中",
            ProjectStatus::Done => "已完成",
            ProjectStatus::Paused => "已暂停",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The code or the Chinese label (a sheet may hold either).
    pub fn parse_any(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
    }
}

/// A project as typed in the form, sent to the API or read from a sheet's row.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub title: String,
    /// The area's number ("2").
    pub area: String,
    /// The lead organisation's id.
    pub lead: String,
    pub partners: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    pub description: String,
    /// 五(二) 购买服务.
    pub purchased: bool,
    /// The buying town or village's id.
    pub buyer: String,
    /// Yuan, as typed.
    pub contract: String,
}

/// 五(二): who buys and for how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub buyer_org_id: OrgId,
    pub contract: Fen,
}

/// A project that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub title: String,
    pub area: u8,
    pub lead_org_id: OrgId,
    pub partners: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub status: ProjectStatus,
    pub description: String,
    pub purchase: Option<Purchase>,
}

impl NewProject {
    /// The record's fields as its audit entries write them.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "project_title": self.title,
            "area": self.area,
            "lead_org_id": self.lead_org_id.as_str(),
            "partners": self.partners,
            "starts_on": self.starts_on.to_string(),
            "ends_on": self.ends_on.map(|d| d.to_string()),
            "project_status": self.status.as_str(),
            "description": self.description,
            "purchased": self.purchase.is_some(),
            "buyer_org_id": self.purchase.as_ref().map(|p| p.buyer_org_id.as_str()),
            "contract_fen": self.purchase.as_ref().map(|p| p.contract.get()),
        })
    }
}

fn check_len(errors: &mut FieldErrors, field: &'static str, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.push(
            field,
            format!("不能超过 {max} 个字符（现有 {}）", text.chars().count()),
        );
    }
}

/// Checks a project against the plan's areas and the group's members; every error at once.
pub fn parse_project(
    input: &ProjectInput,
    plan: &Plan,
    group: &GroupCalendar,
) -> Result<NewProject, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    if title.is_empty() {
        errors.push("项目名称", "不能为空；请填写项目名称");
    }
    check_len(&mut errors, "项目名称", title, MAX_TITLE_CHARS);
    let area_text = input.area.trim();
    let area = match area_text.parse::<i64>().ok().and_then(|n| plan.area(n)) {
        Some(a) => Some(a.number),
        None if area_text.is_empty() => {
            errors.push("合作领域", "请选择合作领域");
            None
        }
        None => {
            errors.push(
                "合作领域",
                format!(
                    "“{area_text}”不是行动方案的合作领域；应为 1–{} 之一",
                    plan.areas.len()
                ),
            );
            None
        }
    };
    let starts_on = errors.take(parse_date("开始日期", &input.starts_on));
    let ends_on = if input.ends_on.trim().is_empty() {
        None
    } else {
        errors.take(parse_date("结束日期", &input.ends_on))
    };
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        errors.push(
            "结束日期",
            format!("{e} 早于开始日期 {s}；请填写开始日期当天或之后的日期"),
        );
    }
    let status = match input.status.trim() {
        "" => {
            errors.push("状态", "请选择项目状态");
            None
        }
        s => match ProjectStatus::parse_any(s) {
            Some(st) => Some(st),
            None => {
                errors.push(
                    "状态",
                    format!("“{s}”不是可选的状态；应为 计划中、进行中、已完成 或 已暂停"),
                );
                None
            }
        },
    };
    let partners = input.partners.trim();
    check_len(&mut errors, "合作方", partners, MAX_PARTNERS_CHARS);
    let description = input.description.trim();
    check_len(&mut errors, "项目简介", description, MAX_DESCRIPTION_CHARS);
    // 牵头单位: a member of the group when the project starts.
    let lead_text = input.lead.trim();
    let lead = if lead_text.is_empty() {
        errors.push("牵头单位", "请选择牵头的成员单位");
        None
    } else {
        match OrgId::parse(lead_text) {
            None => {
                errors.push("牵头单位", "请从列表中选择本组的成员单位");
                None
            }
            Some(org) => match starts_on {
                Some(d)
                    if !group
                        .members
                        .iter()
                        .any(|m| m.org_id == org && m.active_on(d)) =>
                {
                    errors.push(
                        "牵头单位",
                        format!("{d} 该单位不是本组成员；请选择项目开始时的成员单位"),
                    );
                    None
                }
                _ => Some(org),
            },
        }
    };
    // 五(二): a town or village of the group buys from a school of the group.
    let purchase = if input.purchased {
        if let (Some(org), Some(d)) = (&lead, starts_on)
            && group.school_role_on(org, d).is_none()
        {
            errors.push(
                "牵头单位",
                "购买服务的项目由学校承接；请选择本组的高校或中职学校作牵头单位",
            );
        }
        let buyer_text = input.buyer.trim();
        let buyer = if buyer_text.is_empty() {
            errors.push("购买方", "购买服务须选择购买方（本组的镇街或村(社区)）");
            None
        } else {
            match OrgId::parse(buyer_text) {
                None => {
                    errors.push("购买方", "请从列表中选择本组的镇街或村(社区)");
                    None
                }
                Some(org) => {
                    match starts_on {
                        Some(d) if !group.is_place_on(&org, d) => {
                            errors.push(
                            "购买方",
                            format!("{d} 该单位不是本组的镇街或村(社区)；购买方须为本组的镇街或村(社区)"),
                        );
                            None
                        }
                        _ => Some(org),
                    }
                }
            }
        };
        let contract = errors
            .take(Fen::parse_yuan(&input.contract).map_err(|m| FieldError::new("合同金额", m)));
        buyer
            .zip(contract)
            .map(|(buyer_org_id, contract)| Purchase {
                buyer_org_id,
                contract,
            })
    } else {
        // A buyer or a contract belongs to a purchased service only: said, not silently dropped.
        if !input.buyer.trim().is_empty() {
            errors.push(
                "购买方",
                "只有购买服务的项目填写购买方；请勾选购买服务，或留空",
            );
        }
        if !input.contract.trim().is_empty() {
            errors.push(
                "合同金额",
                "只有购买服务的项目填写合同金额；请勾选购买服务，或留空",
            );
        }
        None
    };
    match (area, starts_on, status, lead) {
        (Some(area), Some(starts_on), Some(status), Some(lead_org_id)) if errors.is_empty() => {
            Ok(NewProject {
                title: title.to_string(),
                area,
                lead_org_id,
                partners: partners.to_string(),
                starts_on,
                ends_on,
                status,
                description: description.to_string(),
                purchase,
            })
        }
        _ => Err(errors),
    }
}

/// A progress update as typed: figures are (outcome code, text) pairs; an empty or "0" value
/// adds nothing.
#[derive(Debug, Clone, Default)]
pub struct UpdateInput {
    pub happened_on: String,
    pub summary: String,
    pub students: String,
    pub figures: Vec<(String, String)>,
}

/// A progress update that passed its checks: what it adds to each figure (money in fen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpdate {
    pub happened_on: Date,
    pub summary: String,
    pub students: i64,
    /// In the area's order, only the figures it adds to.
    pub figures: Vec<(String, i64)>,
}

impl NewUpdate {
    pub fn audit_json(&self) -> serde_json::Value {
        let figures: serde_json::Map<String, serde_json::Value> = self
            .figures
            .iter()
            .map(|(c, a)| (c.clone(), serde_json::json!(a)))
            .collect();
        serde_json::json!({
            "happened_on": self.happened_on.to_string(),
            "update_summary": self.summary,
            "students": self.students,
            "figures": figures,
        })
    }
}

/// A whole number ≥ 0 as typed (ASCII digits only); `what` names it in the message.
pub fn parse_count(what: &str, text: &str) -> Result<i64, String> {
    let s = text.trim();
    let hint = "请填写不小于 0 的整数，如 0、12";
    if s.is_empty() {
        return Ok(0);
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("{what}“{s}”不是整数；{hint}"));
    }
    match s.parse::<i64>() {
        Ok(n) if n <= MAX_COUNT => Ok(n),
        _ => Err(format!("{what}“{s}”超过上限 {MAX_COUNT}；{hint}")),
    }
}

/// One figure's value as typed, by its kind: a count is a whole number ≥ 0, money is yuan with up
/// to two decimals (kept in fen). Zero (or nothing) adds nothing.
pub fn parse_figure(field: &super::plan::OutcomeField, text: &str) -> Result<i64, String> {
    let s = text.trim();
    if s.is_empty() || s == "0" {
        return Ok(0);
    }
    let named = format!("{}（{}）", field.label, field.unit);
    match field.kind {
        OutcomeKind::Count => parse_count(&named, s),
        OutcomeKind::Money => Fen::parse_yuan(s)
            .map(Fen::get)
            .map_err(|m| format!("{named}：{m}")),
    }
}

/// The figure's amount as a page, the API and a sheet write it: a count as is, money in yuan.
pub fn show_figure(kind: OutcomeKind, amount: i64) -> String {
    match kind {
        OutcomeKind::Count => amount.to_string(),
        OutcomeKind::Money => super::money::plain_yuan(amount),
    }
}

/// Checks a progress update of a project in `area` that started on `starts_on`: dated between the
/// project's start and today, a summary, a students count and figures of the area's fields only
/// (an unknown code is refused by name); every error at once.
pub fn parse_update(
    input: &UpdateInput,
    area: &Area,
    starts_on: Date,
    today: Date,
) -> Result<NewUpdate, FieldErrors> {
    let mut errors = FieldErrors::default();
    let happened_on = errors.take(parse_date("日期", &input.happened_on));
    if let Some(d) = happened_on {
        if d > today {
            errors.push("日期", format!("{d} 晚于今天；进展须是已经发生的"));
        } else if d < starts_on {
            errors.push(
                "日期",
                format!("{d} 早于项目开始日期 {starts_on}；请填写开始之后的日期"),
            );
        }
    }
    let summary = input.summary.trim();
    if summary.is_empty() {
        errors.push("进展情况", "不能为空；请简述这次进展");
    }
    check_len(&mut errors, "进展情况", summary, MAX_SUMMARY_CHARS);
    let students = errors
        .take(parse_count("参与学生", &input.students).map_err(|m| FieldError::new("参与学生", m)))
        .unwrap_or(0);
    let mut figures: Vec<(String, i64)> = Vec::new();
    for (code, text) in &input.figures {
        let code = code.trim();
        let Some(field) = area.outcomes.iter().find(|f| f.code == code) else {
            let known: Vec<String> = area
                .outcomes
                .iter()
                .map(|f| format!("{}（{}）", f.code, f.label))
                .collect();
            errors.push(
                "成果指标",
                format!(
                    "“{code}”不是领域 {}（{}）的成果指标；可填：{}",
                    area.number,
                    area.name,
                    known.join("、")
                ),
            );
            continue;
        };
        if figures.iter().any(|(c, _)| c == code) {
            errors.push("成果指标", format!("{} 填写了两次", field.label));
            continue;
        }
        match parse_figure(field, text) {
            Ok(0) => {}
            Ok(n) => figures.push((code.to_string(), n)),
            Err(m) => errors.push("成果指标", m),
        }
    }
    // In the area's order, whatever order they came in.
    figures.sort_by_key(|(c, _)| area.outcomes.iter().position(|f| &f.code == c));
    match happened_on {
        Some(happened_on) if errors.is_empty() => Ok(NewUpdate {
            happened_on,
            summary: summary.to_string(),
            students,
            figures,
        }),
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

    fn plan() -> Plan {
        Plan::parse(include_str!("../../presets/dongguan-2023/plan.toml")).unwrap()
    }

    fn group() -> (GroupCalendar, Vec<OrgId>) {
        let ids: Vec<OrgId> = (0..4).map(|_| OrgId::new()).collect();
        let roles = [
            MemberRole::University,
            MemberRole::VocationalSchool,
            MemberRole::Town,
            MemberRole::Village,
        ];
        let members = ids
            .iter()
            .zip(roles)
            .enumerate()
            .map(|(i, (id, role))| Membership {
                org_id: id.clone(),
                name: format!("单位{i}"),
                role,
                from: d("2024-01-01"),
                to: None,
            })
            .collect();
        (
            GroupCalendar {
                started_on: d("2024-01-01"),
                ended_on: None,
                members,
            },
            ids,
        )
    }

    fn input(lead: &OrgId) -> ProjectInput {
        ProjectInput {
            title: "村级规划编制".into(),
            area: "6".into(),
            lead: lead.to_string(),
            starts_on: "2026-03-01".into(),
            status: "active".into(),
            ..Default::default()
        }
    }

    fn fields<T: std::fmt::Debug>(r: Result<T, FieldErrors>) -> Vec<&'static str> {
        r.expect_err("refused").0.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_project_names_an_area_of_the_plan_and_a_member_as_lead() {
        let (g, ids) = group();
        let p = plan();
        let ok = parse_project(&input(&ids[0]), &p, &g).expect("valid");
        assert_eq!((ok.area, ok.status), (6, ProjectStatus::Active));
        let mut i = input(&ids[0]);
        i.area = "7".into();
        assert_eq!(fields(parse_project(&i, &p, &g)), vec!["合作领域"]);
        i.area = "6".into();
        i.lead = OrgId::new().to_string();
        assert_eq!(fields(parse_project(&i, &p, &g)), vec!["牵头单位"]);
        // A member only from after the start cannot lead it.
        let mut later = g.clone();
        later.members[0].from = d("2026-04-01");
        assert_eq!(
            fields(parse_project(&input(&ids[0]), &p, &later)),
            vec!["牵头单位"]
        );
        let e = parse_project(&ProjectInput::default(), &p, &g);
        assert_eq!(
            fields(e),
            vec!["项目名称", "合作领域", "开始日期", "状态", "牵头单位"]
        );
        i = input(&ids[0]);
        i.ends_on = "2026-02-28".into();
        assert_eq!(fields(parse_project(&i, &p, &g)), vec!["结束日期"]);
        i.ends_on = "2026-03-01".into();
        i.status = "已完成".into();
        assert_eq!(
            parse_project(&i, &p, &g).unwrap().status,
            ProjectStatus::Done
        );
        i.title = "字".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(fields(parse_project(&i, &p, &g)), vec!["项目名称"]);
    }

    #[test]
    fn a_purchased_service_is_bought_by_a_place_from_a_school() {
        let (g, ids) = group();
        let p = plan();
        let mut i = input(&ids[0]);
        i.purchased = true;
        i.buyer = ids[3].to_string();
        i.contract = "120000.50".into();
        let ok = parse_project(&i, &p, &g).expect("valid purchase");
        assert_eq!(ok.purchase.unwrap().contract.get(), 12_000_050);
        for bad in ["12.345", "-1", "0", "1e3", "１２", ""] {
            i.contract = bad.into();
            assert_eq!(fields(parse_project(&i, &p, &g)), vec!["合同金额"], "{bad}");
        }
        i.contract = "0.01".into();
        assert!(parse_project(&i, &p, &g).is_ok());
        // The buyer is a town or village, the lead a school.
        i.buyer = ids[1].to_string();
        assert_eq!(fields(parse_project(&i, &p, &g)), vec!["购买方"]);
        i.buyer = ids[2].to_string();
        i.lead = ids[2].to_string();
        assert_eq!(fields(parse_project(&i, &p, &g)), vec!["牵头单位"]);
        // Not a purchase: a town may lead; a buyer or contract typed anyway is pointed out.
        i.purchased = false;
        assert_eq!(
            fields(parse_project(&i, &p, &g)),
            vec!["购买方", "合同金额"]
        );
        i.buyer.clear();
        i.contract.clear();
        assert!(parse_project(&i, &p, &g).unwrap().purchase.is_none());
    }

    #[test]
    fn figures_are_typed_by_the_plan_and_unknown_codes_are_named() {
        let p = plan();
        let area4 = p.area(4).unwrap();
        let area3 = p.area(3).unwrap();
        let start = d("2026-01-01");
        let today = d("2026-06-15");
        let upd = |figures: &[(&str, &str)]| UpdateInput {
            happened_on: "2026-06-15".into(),
            summary: "举办培训".into(),
            students: "3".into(),
            figures: figures
                .iter()
                .map(|(c, v)| (c.to_string(), v.to_string()))
                .collect(),
        };
        let ok = parse_update(
            &upd(&[("collective_income", "1200.50")]),
            area4,
            start,
            today,
        )
        .unwrap();
        assert_eq!(ok.figures, vec![("collective_income".to_string(), 120_050)]);
        assert_eq!(ok.students, 3);
        let e = parse_update(&upd(&[("collective_income", "1.234")]), area4, start, today);
        assert_eq!(fields(e), vec!["成果指标"]);
        let ok = parse_update(
            &upd(&[("training_sessions", "2"), ("people_trained", "40")]),
            area3,
            start,
            today,
        )
        .unwrap();
        assert_eq!(
            ok.figures,
            vec![
                ("people_trained".to_string(), 40),
                ("training_sessions".to_string(), 2)
            ]
        );
        for bad in ["1.5", "-1", "１２", "abc"] {
            let e = parse_update(&upd(&[("people_trained", bad)]), area3, start, today);
            assert_eq!(fields(e), vec!["成果指标"], "{bad}");
        }
        let e = parse_update(&upd(&[("collective_income", "5")]), area3, start, today).unwrap_err();
        assert!(e.0[0].message.contains("collective_income"), "{e}");
        assert!(e.0[0].message.contains("people_trained（培训人数）"), "{e}");
        // Zero adds nothing; dates between the start and today; students a whole number.
        let ok = parse_update(&upd(&[("people_trained", "0")]), area3, start, today).unwrap();
        assert!(ok.figures.is_empty());
        let mut i = upd(&[]);
        i.happened_on = "2026-06-16".into();
        i.students = "-2".into();
        assert_eq!(
            fields(parse_update(&i, area3, start, today)),
            vec!["日期", "参与学生"]
        );
        i.happened_on = "2025-12-31".into();
        i.students = String::new();
        assert_eq!(fields(parse_update(&i, area3, start, today)), vec!["日期"]);
    }
}
