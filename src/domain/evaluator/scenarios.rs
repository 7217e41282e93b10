//! The compliance matrix's table of scenarios (issue 11), at the evaluator: from a group and its
//! schools that meet every rule for a closed year, each scenario breaks exactly one rule, and
//! exactly that cell of the matrix — the group's row and its university's school row — turns
//! 不符合. The API tests (tests/api/matrix.rs) prove a subset of the same cells through the
//! database on both stores.

use super::*;
use crate::domain::facts::{AgreementFact, BaseFact, MatterFact, OnsiteFact};
use crate::domain::group::Membership;
use crate::domain::ids::{GroupId, PlanId, TeamMemberId};
use crate::domain::org::OrgKind;
use crate::domain::plan::DONGGUAN_2023_PLAN;
use crate::domain::team::{TeamRole, Title};
use jiff::civil::date;
use std::collections::BTreeMap;

const YEAR: i16 = 2025;
const TODAY: Date = date(2026, 6, 15);

struct World {
    plan: Plan,
    group: GroupFacts,
    school: SchoolFact,
    months: Vec<(Month, Timeliness)>,
}

fn member(name: &str, org: &OrgId, role: TeamRole, title: Title, leader: bool) -> TeamSpell {
    TeamSpell {
        id: TeamMemberId::new(),
        name: name.into(),
        org: org.clone(),
        role,
        title,
        school_leader: leader,
        joined: date(2024, 1, 1),
        left: None,
    }
}

/// A group from 2024-01-01 that met every rule in 2025, and its university, which reported every
/// month on time.
fn baseline() -> World {
    let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
    let (town, village, uni, voc) = (OrgId::new(), OrgId::new(), OrgId::new(), OrgId::new());
    let start = date(2024, 1, 1);
    let mut g = GroupFacts::new(GroupId::new(), PlanId::new(), 1, start);
    let m = |org: &OrgId, name: &str, role| Membership {
        org_id: org.clone(),
        name: name.into(),
        role,
        from: start,
        to: None,
    };
    g.calendar.members = vec![
        m(&town, "凤岗镇", MemberRole::Town),
        m(&village, "雁田村", MemberRole::Village),
        m(&uni, "东莞理工学院", MemberRole::University),
        m(&voc, "东莞理工学校", MemberRole::VocationalSchool),
    ];
    g.agreements = vec![AgreementFact {
        signed_on: Some(date(2024, 1, 20)),
        parties: vec![town, village, uni.clone(), voc.clone()],
    }];
    g.team = vec![
        member("王校长", &uni, TeamRole::Captain, Title::Senior, true),
        member(
            "李校长",
            &voc,
            TeamRole::ViceCaptain,
            Title::ViceSenior,
            true,
        ),
        member("陈老师", &uni, TeamRole::Member, Title::Intermediate, false),
        member("林老师", &uni, TeamRole::Member, Title::ViceSenior, false),
        member("黄老师", &voc, TeamRole::Member, Title::Intermediate, false),
        member("周老师", &voc, TeamRole::Member, Title::Senior, false),
    ];
    let everyone: Vec<TeamMemberId> = g.team.iter().map(|t| t.id.clone()).collect();
    g.onsite = vec![OnsiteFact {
        from: date(2025, 3, 1),
        to: date(2025, 6, 30),
        members: everyone,
        confirmed: true,
    }];
    g.bases = vec![BaseFact {
        name: "雁田村实践基地".into(),
        opened_on: date(2024, 3, 1),
    }];
    g.meetings = vec![
        MeetingFact {
            held_on: date(2025, 3, 1),
            adopts_annual_plan: true,
        },
        MeetingFact {
            held_on: date(2025, 9, 1),
            adopts_annual_plan: false,
        },
    ];
    g.annual_plans = vec![YEAR];
    // 五(三): HQ finalised the year's evaluation in March.
    g.evaluated = vec![(YEAR, date(2026, 3, 20))];
    g.matters = vec![MatterFact {
        summary: "村道塌方".into(),
        raised_on: date(2025, 5, 1),
        reported_on: date(2025, 5, 3),
    }];
    let months = (1..=12)
        .map(|month| (Month { year: YEAR, month }, Timeliness::OnTime))
        .collect();
    World {
        plan,
        group: g,
        school: SchoolFact {
            org: uni,
            name: "东莞理工学院".into(),
            kind: OrgKind::University,
        },
        months,
    }
}

/// The cells of the matrix for the group's row and its university's school row.
fn cells(w: &World) -> BTreeMap<RuleId, Status> {
    let mut out: BTreeMap<RuleId, Status> = evaluate_group(&w.plan, &w.group, YEAR, TODAY)
        .verdicts
        .into_iter()
        .map(|v| (v.rule, v.status))
        .collect();
    let schools = [w.school.clone()];
    let groups = [w.group.clone()];
    let pairing = evaluate_pairing(&w.plan, &schools, &groups, YEAR, TODAY);
    let medical = evaluate_medical_extra(&w.plan, &schools, &groups, YEAR, TODAY);
    let reports = evaluate_monthly_reports(
        &w.plan,
        &[SchoolMonths {
            school: w.school.clone(),
            months: w.months.clone(),
        }],
        YEAR,
        TODAY,
    );
    for v in [&pairing[0], &medical[0], &reports[0]] {
        out.insert(v.verdict.rule, v.verdict.status);
    }
    out
}

fn team_member<'a>(w: &'a mut World, name: &str) -> &'a mut TeamSpell {
    w.group.team.iter_mut().find(|t| t.name == name).unwrap()
}

#[test]
fn the_baseline_meets_every_rule_that_can_be_met() {
    let w = baseline();
    let got = cells(&w);
    assert_eq!(
        got.len(),
        RuleId::ALL.len(),
        "every rule of SPEC §5 has a cell"
    );
    for (rule, status) in &got {
        let want = match rule {
            RuleId::Publicity => Status::Advisory,
            // Not a medical-focused university.
            RuleId::MedicalExtra => Status::NotApplicable,
            _ => Status::Met,
        };
        assert_eq!(*status, want, "{rule}");
    }
    // The group's overall status (the group list's column, the card's badge) is 符合.
    assert_eq!(
        evaluate_group(&w.plan, &w.group, YEAR, TODAY).worst(),
        Status::Met
    );
}

#[test]
fn each_scenario_breaks_exactly_its_own_cell() {
    type Break = fn(&mut World);
    let scenarios: [(RuleId, Break); 12] = [
        (RuleId::Agreement, |w| w.group.agreements.clear()),
        (RuleId::TeamSize, |w| {
            team_member(w, "周老师").left = Some(date(2024, 12, 1))
        }),
        (RuleId::TeamCaptain, |w| {
            team_member(w, "王校长").school_leader = false
        }),
        (RuleId::TeamVice, |w| {
            team_member(w, "李校长").school_leader = false
        }),
        (RuleId::TeamTitle, |w| {
            team_member(w, "陈老师").title = Title::Junior
        }),
        (RuleId::Onsite, |w| w.group.onsite[0].to = date(2025, 3, 31)),
        (RuleId::Base, |w| w.group.bases.clear()),
        (RuleId::Meetings, |w| w.group.meetings.truncate(1)),
        (RuleId::AnnualPlan, |w| w.group.annual_plans.clear()),
        (RuleId::Escalation, |w| {
            w.group.matters[0].reported_on = date(2025, 5, 20)
        }),
        (RuleId::MonthlyReport, |w| w.months[4].1 = Timeliness::Late),
        // The village leaves mid-year: on 31 December the school's only group has no village.
        (RuleId::Pairing, |w| {
            let village = w
                .group
                .calendar
                .members
                .iter_mut()
                .find(|m| m.role == MemberRole::Village)
                .unwrap();
            village.to = Some(date(2025, 6, 1));
        }),
    ];
    let base = cells(&baseline());
    let can_fail: BTreeSet<RuleId> = RuleId::ALL
        .into_iter()
        .filter(|r| !r.advisory() && *r != RuleId::Evaluation)
        .collect();
    assert_eq!(
        scenarios.iter().map(|s| s.0).collect::<BTreeSet<_>>(),
        can_fail,
        "a scenario for every rule that can be not met"
    );
    for (rule, breaks) in scenarios {
        let mut w = baseline();
        breaks(&mut w);
        let got = cells(&w);
        let changed: Vec<(RuleId, Status)> = got
            .iter()
            .filter(|(r, s)| base[*r] != **s)
            .map(|(r, s)| (*r, *s))
            .collect();
        assert_eq!(changed, vec![(rule, Status::NotMet)], "breaking {rule}");
    }
}

#[test]
fn a_medical_university_is_encouraged_with_its_places_against_the_others() {
    let mut w = baseline();
    w.school.name = "广东医科大学".into();
    w.group.calendar.members[2].name = "广东医科大学".into();
    let other = SchoolFact {
        org: OrgId::new(),
        name: "东莞理工学院".into(),
        kind: OrgKind::University,
    };
    let schools = [w.school.clone(), other];
    let v = evaluate_medical_extra(&w.plan, &schools, &[w.group.clone()], YEAR, TODAY);
    assert_eq!(v[0].verdict.status, Status::Advisory);
    assert!(
        v[0].verdict.reason.contains("结对镇(街道)、村(社区) 2 个")
            && v[0].verdict.reason.contains("其他 1 所高校平均 0.0 个"),
        "{}",
        v[0].verdict.reason
    );
    assert_eq!(v[1].verdict.status, Status::NotApplicable);
}

#[test]
fn evaluation_is_met_once_finalised_and_not_met_after_its_due_day() {
    let mut w = baseline();
    let finalised = evaluate_group(&w.plan, &w.group, YEAR, TODAY);
    let running = evaluate_group(&w.plan, &w.group, 2026, TODAY);
    let before = evaluate_group(&w.plan, &w.group, 2023, TODAY);
    let reason = |v: &GroupVerdicts, r| v.get(r).unwrap().reason.clone();
    let status = |v: &GroupVerdicts, r| v.get(r).unwrap().status;
    assert_eq!(status(&finalised, RuleId::Evaluation), Status::Met);
    assert_eq!(
        reason(&finalised, RuleId::Evaluation),
        "2025 年度评价已于 2026-03-20 完成"
    );
    assert_eq!(reason(&running, RuleId::Evaluation), "2026 年度结束后评价");
    assert_eq!(status(&running, RuleId::Evaluation), Status::NotYetDue);
    // Asked on a day before it was finalised, the evaluation was still to come (due 2026-03-31).
    let earlier = evaluate_group(&w.plan, &w.group, YEAR, date(2026, 3, 1));
    assert_eq!(status(&earlier, RuleId::Evaluation), Status::NotYetDue);
    assert!(reason(&earlier, RuleId::Evaluation).contains("应于 2026-03-31 前完成"));
    // Never finalised: not met once the plan's 90 days after the year have passed.
    w.group.evaluated.clear();
    let missing = evaluate_group(&w.plan, &w.group, YEAR, TODAY);
    assert_eq!(status(&missing, RuleId::Evaluation), Status::NotMet);
    assert!(reason(&missing, RuleId::Evaluation).contains("至 2026-06-15 尚未完成"));
    // The evaluation is HQ's to do: the group's own standing is not held by it.
    assert_eq!(missing.worst(), Status::Met);
    // A plan that evaluates only from a later year: 2025 is not one of its years.
    let mut later = w.plan.clone();
    later.evaluation.first_year = 2026;
    let v = evaluate_group(&later, &w.group, YEAR, TODAY);
    assert_eq!(status(&v, RuleId::Evaluation), Status::NotApplicable);
    assert!(reason(&finalised, RuleId::Publicity).contains("不少于 1 篇"));
    // Before the annual rules apply (and before the group began), neither applies.
    assert_eq!(
        before.get(RuleId::Publicity).unwrap().status,
        Status::NotApplicable
    );
    assert_eq!(status(&before, RuleId::Evaluation), Status::NotApplicable);
}
