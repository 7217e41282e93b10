//! 经费 (四(二)): who paid what for the group's work. The clause's defaults: the school pays its
//! team's transport and living allowances, the town provides office space and equipment (often
//! in kind, with an estimated value or none), a major activity is paid by whoever initiated it
//! (谁发起、谁负责); only where a party 确有困难 do the parties agree shares.

use super::group::GroupCalendar;
use super::ids::{OrgId, ProjectId};
use super::money::{Fen, WHOLE, parse_percent, show_percent, split_fen};
use super::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

/// The kinds of expense the clause names, with their labels.
pub const EXPENSE_KINDS: [(&str, &str); 5] = [
    ("transport", "交通费"),
    ("living_allowance", "生活补助"),
    ("office_equipment", "办公场所设备"),
    ("major_activity", "重大活动"),
    ("other", "其他"),
];

pub fn expense_kind_label(code: &str) -> &'static str {
    EXPENSE_KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("其他")
}

pub const MAX_NOTES_CHARS: usize = 1000;

/// One party's share as typed: its organisation id and a percentage ("33.33"); both empty when
/// the party does not share.
#[derive(Debug, Clone, Default)]
pub struct ShareInput {
    pub org: String,
    pub percent: String,
}

/// An expense as typed in the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct ExpenseInput {
    /// `YYYY-MM-DD`.
    pub spent_on: String,
    /// Yuan, as typed ("1,200.50"); may be empty for a contribution in kind.
    pub amount: String,
    pub payer: String,
    pub kind: String,
    pub in_kind: bool,
    pub initiator: String,
    pub notes: String,
    /// Only when the parties agreed to share; rows with an empty percentage are ignored.
    pub shares: Vec<ShareInput>,
    /// The group's project it belongs to (its id), if any.
    pub project: String,
}

/// One party's agreed share with the fen it bears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub org_id: OrgId,
    /// Hundredths of a percent.
    pub basis_points: i32,
    /// The fen of the amount this share bears (the shares add up to the amount exactly).
    pub fen: i64,
}

/// An expense that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExpense {
    pub spent_on: Date,
    /// None only for a contribution in kind without an estimated value.
    pub amount: Option<Fen>,
    pub payer_org_id: OrgId,
    pub kind: String,
    pub in_kind: bool,
    pub initiator_org_id: Option<OrgId>,
    pub notes: String,
    pub shares: Vec<Share>,
    /// The cooperation project it was spent on; the service checks it is the group's.
    pub project_id: Option<ProjectId>,
}

impl NewExpense {
    /// The record's fields as its audit entries write them (ids are named on 修改记录).
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "spent_on": self.spent_on.to_string(),
            "amount_fen": self.amount.map(Fen::get),
            "payer_org_id": self.payer_org_id.as_str(),
            "expense_kind": self.kind,
            "in_kind": self.in_kind,
            "initiator_org_id": self.initiator_org_id.as_ref().map(OrgId::as_str),
            "notes": self.notes,
            "shares": self.shares.iter().map(|s| serde_json::json!({
                "org_id": s.org_id.as_str(),
                "percent": show_percent(s.basis_points),
            })).collect::<Vec<_>>(),
            "project_id": self.project_id.as_ref().map(ProjectId::as_str),
        })
    }
}

fn member_on(group: &GroupCalendar, org: &OrgId, date: Date) -> bool {
    group
        .members
        .iter()
        .any(|m| &m.org_id == org && m.active_on(date))
}

/// Checks an expense against the group and today; every error at once.
pub fn parse_expense(
    input: &ExpenseInput,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewExpense, FieldErrors> {
    let mut errors = FieldErrors::default();
    let spent_on = errors.take(parse_date("日期", &input.spent_on));
    if let Some(d) = spent_on
        && d > today
    {
        errors.push(
            "日期",
            format!("{d} 晚于今天；请填写实际支出（或投入）的日期"),
        );
    }
    let kind = input.kind.trim();
    if kind.is_empty() {
        errors.push("类别", "请选择经费类别");
    } else if !EXPENSE_KINDS.iter().any(|(c, _)| *c == kind) {
        errors.push("类别", format!("“{kind}”不是可选的类别"));
    }
    let amount = if input.in_kind && input.amount.trim().is_empty() {
        None // 实物投入 without an estimated value
    } else {
        errors.take(Fen::parse_yuan(&input.amount).map_err(|m| FieldError::new("金额", m)))
    };
    // 付款单位 / 发起单位: members of the group on the day.
    let mut member = |label: &'static str, text: &str, required: Option<&str>| {
        let text = text.trim();
        if text.is_empty() {
            if let Some(why) = required {
                errors.push(label, why.to_string());
            }
            return None;
        }
        let Some(org) = OrgId::parse(text) else {
            errors.push(label, "请从列表中选择本组的成员单位");
            return None;
        };
        if let Some(d) = spent_on
            && !member_on(group, &org, d)
        {
            errors.push(
                label,
                format!("{d} 该单位不是本组成员；请选择当日的成员单位"),
            );
            return None;
        }
        Some(org)
    };
    let payer = member(
        "付款单位",
        &input.payer,
        Some("请选择支付（或提供）这笔经费的单位"),
    );
    let initiator = member(
        "发起单位",
        &input.initiator,
        (kind == "major_activity").then_some("重大活动须填写发起单位（谁发起、谁负责）"),
    );
    let project = match input.project.trim() {
        "" => None,
        p => {
            let id = ProjectId::parse(p);
            if id.is_none() {
                errors.push("所属项目", "请从列表中选择本组的合作项目，或不选");
            }
            id
        }
    };
    let notes = input.notes.trim();
    if notes.chars().count() > MAX_NOTES_CHARS {
        errors.push("备注", format!("不能超过 {MAX_NOTES_CHARS} 个字符"));
    }
    // Shares: only the rows with a percentage; at least two parties adding up to 100.00%.
    let typed: Vec<&ShareInput> = input
        .shares
        .iter()
        .filter(|s| !s.percent.trim().is_empty())
        .collect();
    let mut shares: Vec<(OrgId, i32)> = Vec::new();
    let mut share_errors = 0;
    for s in &typed {
        let org = OrgId::parse(s.org.trim());
        let valid_org = org
            .as_ref()
            .is_some_and(|o| spent_on.is_none_or(|d| member_on(group, o, d)));
        let name = org
            .as_ref()
            .and_then(|o| group.members.iter().find(|m| &m.org_id == o))
            .map_or_else(|| s.org.clone(), |m| m.name.clone());
        if !valid_org {
            errors.push("分担比例", format!("“{name}”不是当日本组的成员单位"));
            share_errors += 1;
            continue;
        }
        let org = org.expect("checked above");
        if shares.iter().any(|(o, _)| o == &org) {
            errors.push("分担比例", format!("{name} 填写了两次"));
            share_errors += 1;
            continue;
        }
        match parse_percent(&s.percent) {
            Ok(bp) => shares.push((org, bp)),
            Err(m) => {
                errors.push("分担比例", format!("{name}：{m}"));
                share_errors += 1;
            }
        }
    }
    if share_errors == 0 && !typed.is_empty() {
        let total: i32 = shares.iter().map(|(_, bp)| bp).sum();
        if typed.len() < 2 {
            errors.push(
                "分担比例",
                "分担须至少两个单位；不分担的经费请把比例全部留空",
            );
        } else if total != WHOLE {
            errors.push(
                "分担比例",
                format!(
                    "各单位比例合计为 {}，须恰好为 100.00%（如 33.33、33.33、33.34）",
                    show_percent(total)
                ),
            );
        }
        if amount.is_none() && input.in_kind && input.amount.trim().is_empty() {
            errors.push("分担比例", "未估价的实物投入无法分担；请填写估价或留空比例");
        }
    }
    match (spent_on, payer) {
        (Some(spent_on), Some(payer_org_id)) if errors.is_empty() => {
            let parts = amount.map_or_else(Vec::new, |a| {
                split_fen(
                    a.get(),
                    &shares.iter().map(|(_, bp)| *bp).collect::<Vec<_>>(),
                )
            });
            Ok(NewExpense {
                spent_on,
                amount,
                payer_org_id,
                kind: kind.to_string(),
                in_kind: input.in_kind,
                initiator_org_id: initiator,
                notes: notes.to_string(),
                shares: shares
                    .into_iter()
                    .zip(parts)
                    .map(|((org_id, basis_points), fen)| Share {
                        org_id,
                        basis_points,
                        fen,
                    })
                    .collect(),
                project_id: project,
            })
        }
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

    fn input(payer: &OrgId) -> ExpenseInput {
        ExpenseInput {
            spent_on: "2026-05-01".into(),
            amount: "100".into(),
            payer: payer.to_string(),
            kind: "major_activity".into(),
            initiator: payer.to_string(),
            ..Default::default()
        }
    }

    fn with_shares(mut i: ExpenseInput, ids: &[OrgId], pcts: &[&str]) -> ExpenseInput {
        i.shares = ids
            .iter()
            .zip(pcts)
            .map(|(o, p)| ShareInput {
                org: o.to_string(),
                percent: p.to_string(),
            })
            .collect();
        i
    }

    fn fields(r: Result<NewExpense, FieldErrors>) -> Vec<&'static str> {
        r.expect_err("refused").0.iter().map(|e| e.field).collect()
    }

    #[test]
    fn shares_must_add_up_to_exactly_one_hundred_percent() {
        let (g, ids) = group();
        let today = d("2026-06-15");
        let ok = parse_expense(&with_shares(input(&ids[0]), &ids, &["50", "50"]), &g, today)
            .expect("50/50");
        assert_eq!(ok.shares.iter().map(|s| s.fen).sum::<i64>(), 10_000);
        let ok = parse_expense(
            &with_shares(input(&ids[0]), &ids, &["33.33", "33.33", "33.34"]),
            &g,
            today,
        )
        .expect("33.33/33.33/33.34");
        assert_eq!(
            ok.shares.iter().map(|s| s.fen).collect::<Vec<_>>(),
            vec![3333, 3333, 3334]
        );
        let e = parse_expense(
            &with_shares(input(&ids[0]), &ids, &["33.33", "33.33", "33.33"]),
            &g,
            today,
        );
        assert_eq!(fields(e), vec!["分担比例"]);
        let e = parse_expense(&with_shares(input(&ids[0]), &ids, &["100"]), &g, today);
        assert_eq!(fields(e), vec!["分担比例"]);
    }

    #[test]
    fn a_major_activity_names_its_initiator_and_parties_are_members_on_the_day() {
        let (mut g, ids) = group();
        let today = d("2026-06-15");
        let mut i = input(&ids[0]);
        i.initiator.clear();
        assert_eq!(fields(parse_expense(&i, &g, today)), vec!["发起单位"]);
        i.kind = "transport".into();
        assert!(parse_expense(&i, &g, today).is_ok());
        g.members[0].to = Some(d("2026-01-01"));
        assert_eq!(fields(parse_expense(&i, &g, today)), vec!["付款单位"]);
        i.spent_on = "2025-12-31".into();
        assert!(parse_expense(&i, &g, today).is_ok());
    }

    #[test]
    fn every_error_at_once_and_in_kind_may_have_no_value() {
        let (g, ids) = group();
        let today = d("2026-06-15");
        let e = parse_expense(&ExpenseInput::default(), &g, today);
        assert_eq!(fields(e), vec!["日期", "类别", "金额", "付款单位"]);
        let mut i = input(&ids[2]);
        i.kind = "office_equipment".into();
        i.initiator.clear();
        i.in_kind = true;
        i.amount.clear();
        let ok = parse_expense(&i, &g, today).expect("in kind without value");
        assert_eq!(ok.amount, None);
        i.in_kind = false;
        assert_eq!(fields(parse_expense(&i, &g, today)), vec!["金额"]);
        i.spent_on = "2026-06-16".into();
        i.amount = "5".into();
        assert_eq!(fields(parse_expense(&i, &g, today)), vec!["日期"]);
    }
}
