//! 下一步: what a group still has to do in a year, in words, read off the one evaluator's
//! verdicts and the facts they were judged on (never a second reading of the rules).
//!
//! While the year runs (and the group with it) each line is counted where the rule counts:
//! "还需驻点 23 天", "本年度还需召开 1 次联席会议", "还需补充 2 名队员", "尚需建设 1 个实践基地",
//! "三方合作协议须于 2026-07-01 前签署". A year gone by, or a rule that does not count, gives the
//! rule's title with the evaluator's reason.

use crate::domain::evaluator::{GroupVerdicts, YearView, onsite_days_left, signings, team_on_date};
use crate::domain::facts::GroupFacts;
use crate::domain::plan::Plan;
use crate::domain::rules::{self, OnsiteWindow, RuleId, Status, Verdict};
/// One thing to do, with the rule it serves (so a page can link it to the rule's records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub rule: RuleId,
    pub text: String,
}

/// One line per rule of the year that is not (yet) met, in the evaluator's order: counted where
/// the rule counts ("本年度还需召开 1 次联席会议"), else the rule with the evaluator's reason.
pub fn next_steps(plan: &Plan, g: &GroupFacts, judged: &GroupVerdicts) -> Vec<String> {
    steps(plan, g, judged).into_iter().map(|s| s.text).collect()
}

/// [`next_steps`] with the rule of each line.
pub fn steps(plan: &Plan, g: &GroupFacts, judged: &GroupVerdicts) -> Vec<NextStep> {
    let p = &judged.period;
    // Counting what is left makes sense only while the year runs for a group at work in it.
    let open = !p.over
        && g.calendar.started_on <= p.as_of
        && g.calendar.ended_on.is_none_or(|e| e > p.as_of);
    judged
        .verdicts
        .iter()
        .filter(|v| {
            matches!(
                v.status,
                Status::NotMet | Status::NotYetDue | Status::Unattainable
            )
        })
        // Advisory rules encourage and ask nothing; the evaluation is HQ's to carry out, not
        // something the group does.
        .filter(|v| !v.rule.advisory() && v.rule != RuleId::Evaluation)
        .map(|v| NextStep {
            rule: v.rule,
            text: (if open {
                counted(plan, g, judged, v)
            } else {
                None
            })
            .unwrap_or_else(|| format!("{}：{}", plan.rule_title(v.rule), v.reason)),
        })
        .collect()
}

/// The line of a rule that counts what is left, for the running year (`None`: it does not).
fn counted(plan: &Plan, g: &GroupFacts, judged: &GroupVerdicts, v: &Verdict) -> Option<String> {
    let p = &judged.period;
    let year = p.year;
    match v.rule {
        RuleId::Agreement => agreement_line(plan, g, p),
        RuleId::TeamSize if v.status == Status::NotMet => {
            let n = team_on_date(g, p.as_of)
                .iter()
                .filter(|m| m.org_role.is_some())
                .count();
            let min = plan.rules.team_min_members as usize;
            let short = min.checked_sub(n).filter(|s| *s > 0)?;
            Some(format!(
                "还需补充 {short} 名队员（服务工作队现有 {n} 人，要求不少于 {min} 人）"
            ))
        }
        RuleId::Onsite => {
            let o = &judged.onsite;
            let needed = o.required.checked_sub(o.team_days).filter(|n| *n > 0)?;
            let OnsiteWindow::Open { days_left, last } = onsite_days_left(g, p) else {
                return None;
            };
            let until = if last == p.last {
                "本年".to_string()
            } else {
                format!("至 {last} 结对结束")
            };
            let pending = if o.unconfirmed_days > 0 {
                format!("；另有 {} 天待镇村确认", o.unconfirmed_days)
            } else {
                String::new()
            };
            Some(if v.status == Status::Unattainable {
                format!("还需驻点 {needed} 天，{until}仅余 {days_left} 天，已无法按期完成{pending}")
            } else {
                format!("还需驻点 {needed} 天（{until}可用 {days_left} 天）{pending}")
            })
        }
        RuleId::Base if v.status == Status::NotMet => {
            let n = g.bases.iter().filter(|b| b.opened_on <= p.as_of).count();
            let short = (plan.rules.bases_min as usize)
                .checked_sub(n)
                .filter(|s| *s > 0)?;
            Some(format!("尚需建设 {short} 个实践基地"))
        }
        RuleId::Meetings => {
            let required = rules::pro_rated(
                year,
                g.calendar.started_on,
                g.calendar.ended_on,
                plan.rules.meetings_min,
            );
            let held = g
                .meetings
                .iter()
                .filter(|m| m.held_on.year() == year)
                .count();
            let short = (required as usize).saturating_sub(held);
            Some(format!("本年度还需召开 {short} 次联席会议"))
        }
        RuleId::AnnualPlan => Some(if g.annual_plans.contains(&year) {
            format!("{year} 年度合作计划尚待联席会议审议通过")
        } else {
            format!("制定 {year} 年度合作计划，并在联席会议上审议通过")
        }),
        _ => None,
    }
}

/// 四(二): the parties still to sign: those past their deadline first ("期限 … 已过"), else the
/// earliest deadline to come ("须于 … 前签署"); `None` when nobody is left to sign (a late
/// signing is history, told by the reason).
fn agreement_line(plan: &Plan, g: &GroupFacts, p: &YearView) -> Option<String> {
    let mut unsigned: Vec<_> = signings(plan, g)
        .into_iter()
        .filter(|s| s.signed_on.is_none_or(|d| d > p.as_of))
        .filter(|s| s.left.is_none_or(|l| l > p.as_of))
        .collect();
    unsigned.sort_by(|a, b| (a.deadline, a.role, &a.name).cmp(&(b.deadline, b.role, &b.name)));
    let kind = if unsigned.iter().all(|s| s.supplementary) {
        "补充协议"
    } else {
        "三方合作协议"
    };
    let names = |late: bool| {
        unsigned
            .iter()
            .filter(|s| (s.deadline < p.as_of) == late)
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let first = unsigned.first()?;
    Some(if first.deadline < p.as_of {
        let last_overdue = unsigned
            .iter()
            .filter(|s| s.deadline < p.as_of)
            .map(|s| s.deadline)
            .max()
            .unwrap_or(first.deadline);
        format!(
            "{kind}签署期限 {last_overdue} 已过，尚待 {} 尽快签署",
            names(true)
        )
    } else {
        format!(
            "{kind}须于 {} 前签署（尚待 {} 签署）",
            first.deadline,
            names(false)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evaluator::evaluate_group;
    use crate::domain::facts::{AgreementFact, BaseFact, MeetingFact, OnsiteFact, TeamSpell};
    use crate::domain::group::Membership;
    use crate::domain::ids::{GroupId, OrgId, PlanId, TeamMemberId};
    use crate::domain::org::MemberRole;
    use crate::domain::plan::DONGGUAN_2023_PLAN;
    use crate::domain::team::{TeamRole, Title};
    use jiff::civil::{Date, date};

    fn steps(g: &GroupFacts, today: Date) -> Vec<String> {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        next_steps(&plan, g, &evaluate_group(&plan, g, 2024, today))
    }

    fn meeting(held_on: Date, adopts_annual_plan: bool) -> MeetingFact {
        MeetingFact {
            held_on,
            adopts_annual_plan,
        }
    }

    #[test]
    fn meetings_and_the_plan_are_counted_while_the_year_runs() {
        let mut g = GroupFacts::new(GroupId::new(), PlanId::new(), 1, date(2023, 12, 29));
        let mid = date(2024, 6, 15);
        let none = steps(&g, mid);
        assert!(
            none.contains(&"本年度还需召开 2 次联席会议".to_string()),
            "{none:?}"
        );
        assert!(
            none.contains(&"制定 2024 年度合作计划，并在联席会议上审议通过".to_string()),
            "{none:?}"
        );

        g.annual_plans.push(2024);
        g.meetings.push(meeting(date(2024, 3, 1), false));
        let one = steps(&g, mid);
        assert!(
            one.contains(&"本年度还需召开 1 次联席会议".to_string()),
            "{one:?}"
        );
        assert!(
            one.contains(&"2024 年度合作计划尚待联席会议审议通过".to_string()),
            "{one:?}"
        );

        g.meetings.push(meeting(date(2024, 5, 1), true));
        let done = steps(&g, mid);
        assert!(
            !done
                .iter()
                .any(|s| s.contains("联席会议") || s.contains("合作计划")),
            "met rules ask for nothing: {done:?}"
        );
    }

    #[test]
    fn a_year_gone_by_lists_what_fell_short_with_the_reason() {
        let g = GroupFacts::new(GroupId::new(), PlanId::new(), 1, date(2023, 12, 29));
        let after = steps(&g, date(2025, 3, 1));
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        let title = plan.rule_title(RuleId::Meetings);
        assert!(
            after.iter().any(|s| s.starts_with(&format!("{title}："))),
            "{after:?}"
        );
        assert!(
            !after.iter().any(|s| s.starts_with("本年度还需")),
            "{after:?}"
        );
    }

    /// A group started on `start` with a town, a village and a university.
    fn group_from(start: Date) -> (GroupFacts, OrgId) {
        let mut g = GroupFacts::new(GroupId::new(), PlanId::new(), 1, start);
        let uni = OrgId::new();
        let member = |org: &OrgId, name: &str, role| Membership {
            org_id: org.clone(),
            name: name.into(),
            role,
            from: start,
            to: None,
        };
        g.calendar.members = vec![
            member(&OrgId::new(), "凤岗镇", MemberRole::Town),
            member(&OrgId::new(), "雁田村", MemberRole::Village),
            member(&uni, "广东医科大学", MemberRole::University),
        ];
        (g, uni)
    }

    fn team(g: &mut GroupFacts, org: &OrgId, n: usize) {
        for i in 0..n {
            g.team.push(TeamSpell {
                id: TeamMemberId::new(),
                name: format!("队员{i}"),
                org: org.clone(),
                role: TeamRole::Member,
                title: Title::Senior,
                school_leader: false,
                joined: date(2024, 1, 1),
                left: None,
            });
        }
    }

    fn has(lines: &[String], want: &str) -> bool {
        lines.iter().any(|l| l == want)
    }

    #[test]
    fn onsite_days_are_counted_against_the_days_left() {
        let (mut g, _) = group_from(date(2023, 12, 29));
        let members = vec![TeamMemberId::new()];
        // 67 days on site (1 Jan – 7 Mar 2024): 23 still needed of 90.
        g.onsite.push(OnsiteFact {
            from: date(2024, 1, 1),
            to: date(2024, 3, 7),
            members,
            confirmed: true,
        });
        let mid = steps(&g, date(2024, 6, 15));
        // 15 June to 31 December: 200 days free.
        assert!(has(&mid, "还需驻点 23 天（本年可用 200 天）"), "{mid:?}");

        // With 10 days left in the year, 23 are out of reach and the line says so.
        let late = steps(&g, date(2024, 12, 22));
        assert!(
            has(&late, "还需驻点 23 天，本年仅余 10 天，已无法按期完成"),
            "{late:?}"
        );

        // Met: no line at all.
        g.onsite.push(OnsiteFact {
            from: date(2024, 4, 1),
            to: date(2024, 4, 30),
            members: vec![TeamMemberId::new()],
            confirmed: true,
        });
        let met = steps(&g, date(2024, 6, 15));
        assert!(!met.iter().any(|l| l.contains("驻点")), "{met:?}");
    }

    #[test]
    fn team_and_base_gaps_are_counted() {
        let (mut g, uni) = group_from(date(2023, 12, 29));
        team(&mut g, &uni, 4);
        let lines = steps(&g, date(2024, 6, 15));
        assert!(
            has(
                &lines,
                "还需补充 2 名队员（服务工作队现有 4 人，要求不少于 6 人）"
            ),
            "{lines:?}"
        );
        assert!(has(&lines, "尚需建设 1 个实践基地"), "{lines:?}");

        team(&mut g, &uni, 2);
        g.bases.push(BaseFact {
            name: "雁田基地".into(),
            opened_on: date(2024, 5, 1),
        });
        let lines = steps(&g, date(2024, 6, 15));
        assert!(
            !lines
                .iter()
                .any(|l| l.contains("补充") || l.contains("实践基地")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_agreement_says_by_when_and_who_is_left_to_sign() {
        let (mut g, uni) = group_from(date(2024, 5, 20));
        // Within its month: due on 20 June, nobody has signed.
        let before = steps(&g, date(2024, 6, 15));
        assert!(
            has(
                &before,
                "三方合作协议须于 2024-06-20 前签署（尚待 凤岗镇、雁田村、广东医科大学 签署）"
            ),
            "{before:?}"
        );
        // The university signed; the deadline has passed for the other two.
        g.agreements.push(AgreementFact {
            signed_on: Some(date(2024, 6, 1)),
            parties: vec![uni],
        });
        let after = steps(&g, date(2024, 7, 1));
        assert!(
            has(
                &after,
                "三方合作协议签署期限 2024-06-20 已过，尚待 凤岗镇、雁田村 尽快签署"
            ),
            "{after:?}"
        );
    }

    #[test]
    fn a_group_that_ended_is_told_what_fell_short_not_what_to_do() {
        let (mut g, _) = group_from(date(2023, 12, 29));
        g.calendar.ended_on = Some(date(2024, 3, 1));
        let lines = steps(&g, date(2024, 6, 15));
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with("还需") || l.starts_with("本年度还需")),
            "{lines:?}"
        );
    }
}
