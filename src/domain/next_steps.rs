//! 下一步: what a group still has to do in a year, in words, read off the one evaluator's
//! verdicts and the facts they were judged on (never a second reading of the rules).

use crate::domain::evaluator::GroupVerdicts;
use crate::domain::facts::GroupFacts;
use crate::domain::plan::Plan;
use crate::domain::rules::{self, RuleId, Status};

/// One line per rule of the year that is not (yet) met, in the evaluator's order: counted where
/// the rule counts ("本年度还需召开 1 次联席会议"), else the rule with the evaluator's reason.
pub fn next_steps(plan: &Plan, g: &GroupFacts, judged: &GroupVerdicts) -> Vec<String> {
    let year = judged.period.year;
    let open = !judged.period.over;
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
        .map(|v| match v.rule {
            RuleId::Meetings if open => {
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
                format!("本年度还需召开 {short} 次联席会议")
            }
            RuleId::AnnualPlan if open => {
                if g.annual_plans.contains(&year) {
                    format!("{year} 年度合作计划尚待联席会议审议通过")
                } else {
                    format!("制定 {year} 年度合作计划，并在联席会议上审议通过")
                }
            }
            rule => format!("{}：{}", plan.rule_title(rule), v.reason),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evaluator::evaluate_group;
    use crate::domain::facts::MeetingFact;
    use crate::domain::ids::{GroupId, PlanId};
    use crate::domain::plan::DONGGUAN_2023_PLAN;
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
}
