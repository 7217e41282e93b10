//! Boundary tests of the readings of SPEC §5, on the Dongguan plan and hand-made facts.

use super::*;
use crate::domain::facts::{AgreementFact, BaseFact, OnsiteFact};
use crate::domain::group::Membership;
use crate::domain::ids::{GroupId, PlanId, TeamMemberId};
use crate::domain::org::OrgKind;
use crate::domain::plan::DONGGUAN_2023_PLAN;
use crate::domain::team::{TeamRole, Title};
use jiff::civil::date;

fn plan() -> Plan {
    Plan::parse(DONGGUAN_2023_PLAN).unwrap()
}

struct Orgs {
    uni: OrgId,
    voc: OrgId,
    town: OrgId,
    village: OrgId,
}

fn orgs() -> Orgs {
    Orgs {
        uni: OrgId::new(),
        voc: OrgId::new(),
        town: OrgId::new(),
        village: OrgId::new(),
    }
}

fn membership(org: &OrgId, name: &str, role: MemberRole, from: Date) -> Membership {
    Membership {
        org_id: org.clone(),
        name: name.into(),
        role,
        from,
        to: None,
    }
}

/// A Dongguan-like group from 2023-12-29 with a university, a vocational school, a town and a village.
fn group(o: &Orgs) -> GroupFacts {
    let start = date(2023, 12, 29);
    let mut g = GroupFacts::new(GroupId::new(), PlanId::new(), 1, start);
    g.calendar.members = vec![
        membership(&o.town, "凤岗镇", MemberRole::Town, start),
        membership(&o.village, "雁田村", MemberRole::Village, start),
        membership(&o.uni, "广东医科大学", MemberRole::University, start),
        membership(&o.voc, "东莞理工学校", MemberRole::VocationalSchool, start),
    ];
    g
}

fn spell(
    org: &OrgId,
    name: &str,
    role: TeamRole,
    title: Title,
    leader: bool,
    joined: Date,
) -> TeamSpell {
    TeamSpell {
        id: TeamMemberId::new(),
        name: name.into(),
        org: org.clone(),
        role,
        title,
        school_leader: leader,
        joined,
        left: None,
    }
}

/// A complete team of six from `joined`: captain, vice-captain and four intermediate members.
fn full_team(o: &Orgs, joined: Date) -> Vec<TeamSpell> {
    let mut t = vec![
        spell(
            &o.uni,
            "队长甲",
            TeamRole::Captain,
            Title::Senior,
            true,
            joined,
        ),
        spell(
            &o.voc,
            "副队长乙",
            TeamRole::ViceCaptain,
            Title::ViceSenior,
            true,
            joined,
        ),
    ];
    for i in 0..4 {
        t.push(spell(
            &o.uni,
            &format!("队员{i}"),
            TeamRole::Member,
            Title::Intermediate,
            false,
            joined,
        ));
    }
    t
}

fn signed_by_all(o: &Orgs, on: Date) -> AgreementFact {
    AgreementFact {
        signed_on: Some(on),
        parties: vec![
            o.uni.clone(),
            o.voc.clone(),
            o.town.clone(),
            o.village.clone(),
        ],
    }
}

fn status(v: &GroupVerdicts, rule: RuleId) -> Status {
    v.get(rule).unwrap().status
}

fn reason(v: &GroupVerdicts, rule: RuleId) -> &str {
    &v.get(rule).unwrap().reason
}

/// A group with everything in place for 2024: signed on time, a full team, a base, 90 days.
fn complete(o: &Orgs) -> GroupFacts {
    let mut g = group(o);
    g.agreements = vec![signed_by_all(o, date(2024, 1, 20))];
    g.team = full_team(o, date(2024, 1, 1));
    g.bases = vec![BaseFact {
        name: "基地".into(),
        opened_on: date(2024, 3, 1),
    }];
    g.onsite = vec![OnsiteFact {
        from: date(2024, 4, 1),
        to: date(2024, 6, 29),
        members: vec![g.team[0].id.clone()],
        confirmed: false,
    }];
    // 五(一): two joint meetings, the first adopting the year's plan.
    g.meetings = vec![
        meeting(date(2024, 2, 20), true),
        meeting(date(2024, 9, 10), false),
    ];
    g.annual_plans = vec![2024];
    g
}

#[test]
fn the_bare_preset_has_nothing_unmet_in_2023() {
    let o = orgs();
    let g = group(&o);
    for today in [date(2023, 12, 30), date(2024, 1, 15), date(2026, 11, 29)] {
        let v = evaluate_group(&plan(), &g, 2023, today);
        assert_eq!(v.verdicts.len(), GROUP_RULES.len());
        for x in &v.verdicts {
            assert_ne!(x.status, Status::NotMet, "{today}: {x:?}");
        }
        assert_eq!(status(&v, RuleId::TeamSize), Status::NotApplicable);
        assert!(reason(&v, RuleId::Onsite).contains("自 2024 年起检查"));
        assert_eq!(status(&v, RuleId::Agreement), Status::NotYetDue);
        assert!(reason(&v, RuleId::Agreement).contains("2024-01-29"));
    }
}

#[test]
fn a_complete_group_meets_every_rule_of_2024() {
    let o = orgs();
    let mut g = complete(&o);
    // A matter reported to HQ within the plan's days (without one, escalation has nothing to judge).
    g.matters = vec![crate::domain::facts::MatterFact {
        summary: "村道塌方".into(),
        raised_on: date(2024, 5, 1),
        reported_on: date(2024, 5, 3),
    }];
    let v = evaluate_group(&plan(), &g, 2024, date(2025, 1, 1));
    for x in &v.verdicts {
        // The evaluation is due by 2025-03-31 (not yet, on 1 January), and publicity is
        // advisory (never 符合).
        let want = match x.rule {
            RuleId::Evaluation => Status::NotYetDue,
            RuleId::Publicity => Status::Advisory,
            _ => Status::Met,
        };
        assert_eq!(x.status, want, "{x:?}");
    }
}

#[test]
fn a_year_ends_after_31_december_not_on_it() {
    let o = orgs();
    let mut g = complete(&o);
    g.onsite[0].to = date(2024, 6, 28); // 89 days
    let on_the_day = evaluate_group(&plan(), &g, 2024, date(2024, 12, 31));
    assert_eq!(status(&on_the_day, RuleId::Onsite), Status::NotYetDue);
    assert!(reason(&on_the_day, RuleId::Onsite).contains("还需驻镇(含驻村)服务 1 天"));
    let after = evaluate_group(&plan(), &g, 2024, date(2025, 1, 1));
    assert_eq!(status(&after, RuleId::Onsite), Status::NotMet);
    assert!(!on_the_day.period.over && after.period.over);
}

#[test]
fn a_year_not_begun_is_wholly_not_yet_due() {
    let o = orgs();
    let v = evaluate_group(&plan(), &complete(&o), 2027, date(2026, 12, 31));
    assert!(v.verdicts.iter().all(|x| x.status == Status::NotYetDue));
    let v = evaluate_group(&plan(), &complete(&o), 2027, date(2027, 1, 1));
    assert!(v.verdicts.iter().any(|x| x.status != Status::NotYetDue));
}

#[test]
fn agreement_on_the_deadline_versus_the_day_after() {
    let o = orgs();
    let mut g = group(&o);
    let after_2024 = date(2025, 1, 1);
    g.agreements = vec![signed_by_all(&o, date(2024, 1, 29))];
    let v = evaluate_group(&plan(), &g, 2024, after_2024);
    assert_eq!(status(&v, RuleId::Agreement), Status::Met);
    g.agreements = vec![signed_by_all(&o, date(2024, 1, 30))];
    let v = evaluate_group(&plan(), &g, 2024, after_2024);
    assert_eq!(status(&v, RuleId::Agreement), Status::NotMet);
    assert!(
        reason(&v, RuleId::Agreement).contains("超过期限 2024-01-29 1 天"),
        "{}",
        reason(&v, RuleId::Agreement)
    );
}

#[test]
fn a_late_agreement_is_not_held_against_later_years() {
    let o = orgs();
    let mut g = group(&o);
    g.agreements = vec![signed_by_all(&o, date(2024, 1, 30))];
    for year in [2025, 2026] {
        let v = evaluate_group(&plan(), &g, year, date(2026, 11, 29));
        assert_eq!(status(&v, RuleId::Agreement), Status::Met, "{year}");
    }
    // Never signed: still missing in later years.
    g.agreements.clear();
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 11, 29));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotMet);
    assert_eq!(
        reason(&v, RuleId::Agreement),
        "期限 2024-01-29 已过，截至 2025-12-31 尚未签署：凤岗镇、雁田村、广东医科大学、东莞理工学校"
    );
    // In the running year, "so far".
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 11, 29));
    assert!(reason(&v, RuleId::Agreement).contains("至今尚未签署"));
}

#[test]
fn an_agreement_without_the_village_is_not_tripartite() {
    let o = orgs();
    let mut g = group(&o);
    g.agreements = vec![AgreementFact {
        signed_on: Some(date(2024, 1, 10)),
        parties: vec![o.uni.clone(), o.voc.clone(), o.town.clone()],
    }];
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 1, 20));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotYetDue);
    assert!(reason(&v, RuleId::Agreement).contains("雁田村"));
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 1, 30));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotMet);
    assert_eq!(
        reason(&v, RuleId::Agreement),
        "期限 2024-01-29 已过，尚未签署：雁田村"
    );
    // A plan that asks only the school side and the town to sign.
    let mut p = plan();
    p.rules.agreement_signers = vec![
        MemberRole::University,
        MemberRole::VocationalSchool,
        MemberRole::Town,
    ];
    let v = evaluate_group(&p, &g, 2024, date(2024, 1, 30));
    assert_eq!(status(&v, RuleId::Agreement), Status::Met);
}

#[test]
fn a_party_joining_later_has_a_deadline_of_its_own() {
    let o = orgs();
    let mut g = group(&o);
    g.agreements = vec![signed_by_all(&o, date(2024, 1, 20))];
    let newcomer = OrgId::new();
    g.calendar.members.push(membership(
        &newcomer,
        "塘厦镇石潭埔村",
        MemberRole::Village,
        date(2025, 3, 31),
    ));
    // Deadline 2025-04-30 (a month from 31 March, clamped).
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 4, 30));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotYetDue);
    assert!(reason(&v, RuleId::Agreement).contains("补充协议"));
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 5, 1));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotMet);
    g.agreements.push(AgreementFact {
        signed_on: Some(date(2025, 4, 30)),
        parties: vec![newcomer.clone(), o.uni.clone()],
    });
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 5, 1));
    assert_eq!(status(&v, RuleId::Agreement), Status::Met);
    // The 2024 verdict is untouched by the newcomer.
    let v = evaluate_group(&plan(), &g, 2024, date(2025, 5, 1));
    assert_eq!(status(&v, RuleId::Agreement), Status::Met);
}

/// 结对调整: read as the year stood the day before a party joins, the group owes it nothing yet;
/// from the day it joins its supplementary agreement is pending.
#[test]
fn a_party_not_yet_joined_owes_nothing() {
    let o = orgs();
    let mut g = group(&o);
    g.agreements = vec![signed_by_all(&o, date(2024, 1, 20))];
    g.calendar.members[1].to = Some(date(2025, 7, 1));
    g.calendar.members.push(membership(
        &OrgId::new(),
        "新民社区",
        MemberRole::Village,
        date(2025, 7, 1),
    ));
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 6, 30));
    assert_eq!(status(&v, RuleId::Agreement), Status::Met);
    assert!(!reason(&v, RuleId::Agreement).contains("新民社区"));
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 7, 1));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotYetDue);
    assert!(reason(&v, RuleId::Agreement).contains("新民社区"));
}

#[test]
fn team_size_five_versus_six() {
    let o = orgs();
    let mut g = complete(&o);
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(status(&v, RuleId::TeamSize), Status::Met);
    g.team.pop();
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(status(&v, RuleId::TeamSize), Status::NotMet);
    assert!(reason(&v, RuleId::TeamSize).contains("5 人，少于 6 人"));
}

#[test]
fn a_past_year_counts_the_days_short_against_the_grace() {
    let o = orgs();
    let p = plan();
    let after = date(2025, 1, 1);
    // Complete all year, captain gone from 15 December: 17 days short, within 30.
    let mut g = complete(&o);
    g.team[0].left = Some(date(2024, 12, 15));
    let v = evaluate_group(&p, &g, 2024, after);
    assert_eq!(status(&v, RuleId::TeamCaptain), Status::Met);
    assert!(
        reason(&v, RuleId::TeamCaptain).contains("17 天不符合，在 30 天宽限内"),
        "{}",
        reason(&v, RuleId::TeamCaptain)
    );
    assert!(reason(&v, RuleId::TeamCaptain).contains("2024-12-15 至 2024-12-31：未设队长"));
    // Captain gone from 1 December: 31 days short, past the grace.
    g.team[0].left = Some(date(2024, 12, 1));
    let v = evaluate_group(&p, &g, 2024, after);
    assert_eq!(status(&v, RuleId::TeamCaptain), Status::NotMet);
    // 2 December: 30 days, exactly the grace.
    g.team[0].left = Some(date(2024, 12, 2));
    let v = evaluate_group(&p, &g, 2024, after);
    assert_eq!(status(&v, RuleId::TeamCaptain), Status::Met);
    // A team formed on 30 December does not pass the year.
    let mut late = complete(&o);
    late.team = full_team(&o, date(2024, 12, 30));
    let v = evaluate_group(&p, &late, 2024, after);
    for rule in [RuleId::TeamSize, RuleId::TeamCaptain, RuleId::TeamVice] {
        assert_eq!(status(&v, rule), Status::NotMet, "{rule}");
    }
    assert!(reason(&v, RuleId::TeamSize).contains("2024-01-01 至 2024-12-31 有 364 天不符合"));
    // The running year is judged as the team stands today.
    let v = evaluate_group(&p, &late, 2024, date(2024, 12, 30));
    assert_eq!(status(&v, RuleId::TeamCaptain), Status::Met);
    let v = evaluate_group(&p, &late, 2024, date(2024, 12, 29));
    assert_eq!(status(&v, RuleId::TeamCaptain), Status::NotMet);
}

#[test]
fn exactly_one_vice_captain_and_none_without_a_vocational_school() {
    let o = orgs();
    let today = date(2024, 6, 1);
    let mut g = complete(&o);
    g.team.push(spell(
        &o.voc,
        "副队长丙",
        TeamRole::ViceCaptain,
        Title::Senior,
        true,
        date(2024, 1, 1),
    ));
    let v = evaluate_group(&plan(), &g, 2024, today);
    assert_eq!(status(&v, RuleId::TeamVice), Status::NotMet);
    assert!(reason(&v, RuleId::TeamVice).contains("有 2 名副队长（副队长乙、副队长丙）"));
    // 三(五): a medical university's extra pairing without a vocational school.
    let mut extra = complete(&o);
    extra
        .calendar
        .members
        .retain(|m| m.role != MemberRole::VocationalSchool);
    extra.team.retain(|m| m.role != TeamRole::ViceCaptain);
    extra.team.push(spell(
        &o.uni,
        "队员9",
        TeamRole::Member,
        Title::Intermediate,
        false,
        date(2024, 1, 1),
    ));
    for today in [today, date(2025, 1, 1)] {
        let v = evaluate_group(&plan(), &extra, 2024, today);
        assert_eq!(
            status(&v, RuleId::TeamVice),
            Status::NotApplicable,
            "{today}"
        );
        assert!(reason(&v, RuleId::TeamVice).contains("没有签约中职学校"));
        assert_eq!(status(&v, RuleId::TeamSize), Status::Met);
    }
}

#[test]
fn members_of_a_school_that_left_the_group_do_not_count() {
    let o = orgs();
    let mut g = complete(&o);
    // The vocational school leaves on 1 June: its vice-captain no longer counts.
    g.calendar
        .members
        .iter_mut()
        .find(|m| m.role == MemberRole::VocationalSchool)
        .unwrap()
        .to = Some(date(2024, 6, 1));
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 2));
    assert_eq!(status(&v, RuleId::TeamSize), Status::NotMet);
    assert!(reason(&v, RuleId::TeamSize).contains("另有 1 人所在学校已不在本组"));
    // With no vocational school left, the vice-captain rule no longer applies that day.
    assert_eq!(status(&v, RuleId::TeamVice), Status::NotApplicable);
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 5, 31));
    assert_eq!(status(&v, RuleId::TeamSize), Status::Met);
}

#[test]
fn titles_at_the_boundary() {
    let o = orgs();
    let mut g = complete(&o);
    g.team[2].title = Title::Junior;
    g.team[2].name = "张三".into();
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(status(&v, RuleId::TeamTitle), Status::NotMet);
    assert!(reason(&v, RuleId::TeamTitle).contains("队员 张三 职称为初级，低于中级要求"));
    g.team[2].title = Title::Intermediate;
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(status(&v, RuleId::TeamTitle), Status::Met);
}

#[test]
fn onsite_89_versus_90_days_and_pro_rating() {
    let o = orgs();
    let after = date(2025, 1, 1);
    let mut g = complete(&o);
    let v = evaluate_group(&plan(), &g, 2024, after);
    assert_eq!(v.onsite.team_days, 90);
    assert_eq!(status(&v, RuleId::Onsite), Status::Met);
    g.onsite[0].to = date(2024, 6, 28);
    let v = evaluate_group(&plan(), &g, 2024, after);
    assert_eq!(v.onsite.team_days, 89);
    assert_eq!(status(&v, RuleId::Onsite), Status::NotMet);
    // A group that started on 1 July 2024 needs 46 days of 2024 (184 of 366, rounded up).
    let mut mid = complete(&o);
    mid.calendar.started_on = date(2024, 7, 1);
    let v = evaluate_group(&plan(), &mid, 2024, after);
    assert_eq!(v.onsite.required, 46);
}

#[test]
fn bases_count_from_their_opening() {
    let o = orgs();
    let g = complete(&o);
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 2, 29));
    assert_eq!(status(&v, RuleId::Base), Status::NotMet);
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 3, 1));
    assert_eq!(status(&v, RuleId::Base), Status::Met);
}

#[test]
fn a_group_starting_later_this_year_owes_nothing_yet() {
    let o = orgs();
    let mut g = group(&o);
    g.calendar.started_on = date(2026, 9, 1);
    for m in &mut g.calendar.members {
        m.from = date(2026, 9, 1);
    }
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 6, 15));
    for x in v.verdicts.iter().filter(|x| x.rule != RuleId::Escalation) {
        assert_eq!(x.status, Status::NotYetDue, "{x:?}");
    }
    // No matter raised: nothing to report, whether or not the group has begun.
    assert_eq!(status(&v, RuleId::Escalation), Status::NotApplicable);
    // Once it has begun, the running year judges it as it stands.
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 9, 2));
    assert_eq!(status(&v, RuleId::Base), Status::NotMet);
    assert_eq!(status(&v, RuleId::Onsite), Status::NotYetDue);
}

#[test]
fn a_group_that_ended_is_not_judged_after() {
    let o = orgs();
    let mut g = complete(&o);
    g.calendar.ended_on = Some(date(2025, 1, 1));
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 1));
    for rule in &GROUP_RULES[1..] {
        assert_eq!(status(&v, *rule), Status::NotApplicable, "{rule}");
    }
}

#[test]
fn pairing_is_judged_per_school() {
    let o = orgs();
    let p = plan();
    let g = group(&o);
    let lonely = SchoolFact {
        org: OrgId::new(),
        name: "东莞市商业学校".into(),
        kind: OrgKind::VocationalSchool,
    };
    let uni = SchoolFact {
        org: o.uni.clone(),
        name: "广东医科大学".into(),
        kind: OrgKind::University,
    };
    let v = evaluate_pairing(
        &p,
        &[uni.clone(), lonely],
        std::slice::from_ref(&g),
        2023,
        date(2024, 1, 5),
    );
    assert_eq!(v[0].verdict.status, Status::Met);
    assert!(v[0].verdict.reason.contains("第 1 组"));
    assert_eq!(v[1].verdict.status, Status::NotMet);
    assert!(v[1].verdict.reason.contains("不在任何结对组中"));
    // Before the groups start nothing is due.
    let v = evaluate_pairing(
        &p,
        std::slice::from_ref(&uni),
        std::slice::from_ref(&g),
        2023,
        date(2023, 12, 28),
    );
    assert_eq!(v[0].verdict.status, Status::NotYetDue);
    // A group without a village does not pair its school with one.
    let mut no_village = g;
    no_village
        .calendar
        .members
        .retain(|m| m.role != MemberRole::Village);
    let v = evaluate_pairing(&p, &[uni], &[no_village], 2024, date(2024, 5, 1));
    assert_eq!(v[0].verdict.status, Status::NotMet);
    assert!(v[0].verdict.reason.contains("缺少镇(街道)或村(社区)"));
}

#[test]
fn an_earlier_missing_signature_is_not_hidden_by_a_newcomer_due_this_year() {
    let o = orgs();
    let mut g = group(&o);
    // The town never signed the founding agreement; a village joins in 2025 and signs on time.
    g.agreements = vec![AgreementFact {
        signed_on: Some(date(2024, 1, 20)),
        parties: vec![o.uni.clone(), o.voc.clone(), o.village.clone()],
    }];
    let newcomer = OrgId::new();
    g.calendar.members.push(membership(
        &newcomer,
        "石潭埔村",
        MemberRole::Village,
        date(2025, 3, 1),
    ));
    g.agreements.push(AgreementFact {
        signed_on: Some(date(2025, 3, 20)),
        parties: vec![newcomer, o.uni.clone()],
    });
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 10));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotMet);
    assert!(reason(&v, RuleId::Agreement).contains("尚未签署：凤岗镇"));
}

#[test]
fn a_supplementary_party_is_not_bound_by_the_agreement_signed_before_it_joined() {
    let o = orgs();
    let mut g = group(&o);
    let newcomer = OrgId::new();
    g.calendar.members.push(membership(
        &newcomer,
        "石潭埔村",
        MemberRole::Village,
        date(2025, 3, 1),
    ));
    // The founding agreement (2024) lists the newcomer too, as a correction might: it does not
    // stand for the supplementary agreement due by 2025-04-01.
    let mut founding = signed_by_all(&o, date(2024, 1, 20));
    founding.parties.push(newcomer);
    g.agreements = vec![founding];
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 10));
    assert_eq!(status(&v, RuleId::Agreement), Status::NotMet);
    assert!(reason(&v, RuleId::Agreement).contains("石潭埔村"));
}

#[test]
fn a_missing_signature_is_not_held_after_the_party_or_the_group_left() {
    let o = orgs();
    let mut g = group(&o);
    g.agreements = vec![AgreementFact {
        signed_on: Some(date(2024, 1, 20)),
        parties: vec![o.uni.clone(), o.voc.clone(), o.town.clone()],
    }];
    // The village never signed and left on 2024-06-01.
    g.calendar
        .members
        .iter_mut()
        .find(|m| m.role == MemberRole::Village)
        .unwrap()
        .to = Some(date(2024, 6, 1));
    let v = evaluate_group(&plan(), &g, 2024, date(2025, 1, 5));
    assert_eq!(
        status(&v, RuleId::Agreement),
        Status::NotMet,
        "late in its own year"
    );
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 5));
    assert_eq!(status(&v, RuleId::Agreement), Status::Met);
}

#[test]
fn a_past_year_keeps_its_verdict_when_a_later_deadline_appears() {
    let o = orgs();
    let mut g = group(&o);
    g.agreements = vec![signed_by_all(&o, date(2024, 1, 20))];
    let before = evaluate_group(&plan(), &g, 2025, date(2026, 1, 5));
    g.calendar.members.push(membership(
        &OrgId::new(),
        "石潭埔村",
        MemberRole::Village,
        date(2026, 3, 1),
    ));
    let after = evaluate_group(&plan(), &g, 2025, date(2026, 3, 5));
    assert_eq!(status(&before, RuleId::Agreement), Status::Met);
    assert_eq!(status(&after, RuleId::Agreement), Status::Met);
}

#[test]
fn grace_days_are_pro_rated_for_a_short_year() {
    let o = orgs();
    let mut g = group(&o);
    g.calendar.started_on = date(2025, 12, 10);
    for m in &mut g.calendar.members {
        m.from = date(2025, 12, 10);
    }
    // No team at all for the 22 days of 2025: 30 × 22 / 365 rounds down to 1 grace day.
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 1));
    assert_eq!(status(&v, RuleId::TeamSize), Status::NotMet);
    assert!(
        reason(&v, RuleId::TeamSize).contains("超过 1 天宽限"),
        "{}",
        reason(&v, RuleId::TeamSize)
    );
}

#[test]
fn a_group_that_ended_mid_year_is_judged_over_its_window() {
    let o = orgs();
    let mut g = complete(&o);
    g.calendar.ended_on = Some(date(2024, 5, 1));
    g.onsite[0].to = date(2024, 4, 30); // 30 days: what its 121 days of 2024 require
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(v.onsite.required, 30);
    assert_eq!(status(&v, RuleId::Onsite), Status::Met);
    g.onsite[0].to = date(2024, 4, 28);
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(
        status(&v, RuleId::Onsite),
        Status::NotMet,
        "it can no longer catch up"
    );
    // The team is judged over its window, not on its last day.
    g.team[0].left = Some(date(2024, 2, 1));
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(status(&v, RuleId::TeamCaptain), Status::NotMet);
    assert!(reason(&v, RuleId::TeamCaptain).contains("2024-01-01 至 2024-04-30"));
}

// ------------------------------------------------------------ can it still be met? nothing to judge?

/// A complete 2026 group (team, base, agreement) with `days` on-site days from 1 March 2026.
fn in_2026_with_days(o: &Orgs, days: i32) -> GroupFacts {
    let mut g = complete(o);
    g.onsite.clear();
    if days > 0 {
        g.onsite.push(OnsiteFact {
            from: date(2026, 3, 1),
            to: date(2026, 3, 1).saturating_add(jiff::Span::new().days(days - 1)),
            members: vec![g.team[0].id.clone()],
            confirmed: true,
        });
    }
    g
}

#[test]
fn no_onsite_days_on_29_november_can_no_longer_be_met() {
    let o = orgs();
    let v = evaluate_group(&plan(), &in_2026_with_days(&o, 0), 2026, date(2026, 11, 29));
    assert_eq!(status(&v, RuleId::Onsite), Status::Unattainable);
    assert_eq!(Status::Unattainable.label(), "无法按期完成");
    assert!(
        reason(&v, RuleId::Onsite).contains("还需 90 天，本年仅余 33 天"),
        "{}",
        reason(&v, RuleId::Onsite)
    );
    // The same group in June still has time: not yet due, with the days left in words.
    let v = evaluate_group(&plan(), &in_2026_with_days(&o, 0), 2026, date(2026, 6, 15));
    assert_eq!(status(&v, RuleId::Onsite), Status::NotYetDue);
    assert!(reason(&v, RuleId::Onsite).contains("还需驻镇(含驻村)服务 90 天（本年仅余 200 天）"));
}

#[test]
fn days_needed_equal_to_days_left_versus_one_more() {
    let o = orgs();
    // 29 November – 31 December is 33 days: 57 days done need 33 more (just possible), 56 need 34.
    let v = evaluate_group(
        &plan(),
        &in_2026_with_days(&o, 57),
        2026,
        date(2026, 11, 29),
    );
    assert_eq!(status(&v, RuleId::Onsite), Status::NotYetDue);
    let v = evaluate_group(
        &plan(),
        &in_2026_with_days(&o, 56),
        2026,
        date(2026, 11, 29),
    );
    assert_eq!(status(&v, RuleId::Onsite), Status::Unattainable);
    assert!(reason(&v, RuleId::Onsite).contains("还需 34 天，本年仅余 33 天"));
    // A day already recorded today is not a day left: 89 days with today among them need one
    // more day, and 31 December is still free; recorded up to 31 December, none is left.
    let mut g = in_2026_with_days(&o, 0);
    g.onsite.push(OnsiteFact {
        from: date(2026, 10, 3),
        to: date(2026, 12, 30),
        members: vec![g.team[0].id.clone()],
        confirmed: true,
    });
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 12, 30));
    assert_eq!(v.onsite.team_days, 89);
    assert_eq!(status(&v, RuleId::Onsite), Status::NotYetDue);
    g.onsite[0].from = date(2026, 10, 4);
    g.onsite[0].to = date(2026, 12, 31);
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 12, 31));
    assert_eq!(v.onsite.team_days, 89);
    assert_eq!(status(&v, RuleId::Onsite), Status::Unattainable);
    assert!(reason(&v, RuleId::Onsite).contains("本年仅余 0 天"));
}

#[test]
fn days_awaiting_confirmation_may_still_count() {
    let o = orgs();
    let mut plan = plan();
    plan.rules.onsite_requires_confirmation = true;
    let mut g = in_2026_with_days(&o, 50);
    g.onsite[0].confirmed = false;
    // 50 days wait for the town's confirmation, 33 days are left: 83 < 90, out of reach.
    let v = evaluate_group(&plan, &g, 2026, date(2026, 11, 29));
    assert_eq!(v.onsite.team_days, 0);
    assert_eq!(status(&v, RuleId::Onsite), Status::Unattainable);
    // 60 waiting and 33 left make 93 ≥ 90: confirmed in time, they would meet it.
    let g = {
        let mut g = in_2026_with_days(&o, 60);
        g.onsite[0].confirmed = false;
        g
    };
    let v = evaluate_group(&plan, &g, 2026, date(2026, 11, 29));
    assert_eq!(status(&v, RuleId::Onsite), Status::NotYetDue);
}

#[test]
fn a_group_ending_before_the_year_ends_has_only_its_own_days_left() {
    let o = orgs();
    let mut g = in_2026_with_days(&o, 0);
    // Ends on 1 August 2026 (exclusive): pro-rated 90 × 212 / 365 → 53 days; on 1 July only 31
    // days are left, to 31 July.
    g.calendar.ended_on = Some(date(2026, 8, 1));
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 7, 1));
    assert_eq!(v.onsite.required, 53);
    assert_eq!(status(&v, RuleId::Onsite), Status::Unattainable);
    assert!(
        reason(&v, RuleId::Onsite).contains("至 2026-07-31 结对结束仅余 31 天"),
        "{}",
        reason(&v, RuleId::Onsite)
    );
}

#[test]
fn an_empty_team_is_not_met_and_its_titles_have_nothing_to_judge() {
    let o = orgs();
    let mut g = complete(&o);
    g.team.clear();
    for today in [date(2024, 6, 1), date(2025, 1, 1)] {
        let v = evaluate_group(&plan(), &g, 2024, today);
        assert_eq!(
            status(&v, RuleId::TeamTitle),
            Status::NothingToJudge,
            "{today}"
        );
        assert_ne!(status(&v, RuleId::TeamTitle), Status::Met);
        assert_eq!(status(&v, RuleId::TeamSize), Status::NotMet, "{today}");
        assert_eq!(status(&v, RuleId::TeamCaptain), Status::NotMet, "{today}");
        assert_eq!(status(&v, RuleId::TeamVice), Status::NotMet, "{today}");
        assert_eq!(v.worst(), Status::NotMet);
    }
    // Captain and vice-captain alone: still no member whose title could be judged.
    let mut g = complete(&o);
    g.team.truncate(2);
    let v = evaluate_group(&plan(), &g, 2024, date(2024, 6, 1));
    assert_eq!(status(&v, RuleId::TeamTitle), Status::NothingToJudge);
    assert!(reason(&v, RuleId::TeamTitle).contains("尚无队长、副队长以外的队员"));
    // A past year with an empty spell and then a proper team is judged on the days it had one.
    let mut g = complete(&o);
    for m in &mut g.team {
        m.joined = date(2024, 3, 1);
    }
    let v = evaluate_group(&plan(), &g, 2024, date(2025, 1, 1));
    assert_eq!(status(&v, RuleId::TeamTitle), Status::Met);
    assert_eq!(status(&v, RuleId::TeamSize), Status::NotMet);
}

#[test]
fn the_worst_status_orders_warnings_between_not_met_and_not_yet_due() {
    use crate::domain::rules::worst;
    assert_eq!(
        worst([Status::Met, Status::NotYetDue, Status::Unattainable]),
        Some(Status::Unattainable)
    );
    assert_eq!(
        worst([Status::Unattainable, Status::NotMet]),
        Some(Status::NotMet)
    );
    assert_eq!(
        worst([Status::Met, Status::NothingToJudge, Status::NotYetDue]),
        Some(Status::NothingToJudge)
    );
    assert_eq!(
        worst([Status::NotApplicable, Status::Met]),
        Some(Status::Met)
    );
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
}

#[test]
fn escalation_judges_the_matters_raised_in_the_year() {
    use crate::domain::facts::MatterFact;
    let o = orgs();
    let mut g = complete(&o);
    let matter = |raised: Date, reported: Date| MatterFact {
        summary: "村道塌方".into(),
        raised_on: raised,
        reported_on: reported,
    };
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 6, 15));
    assert_eq!(status(&v, RuleId::Escalation), Status::NotApplicable);
    // Raised on 31 December 2025 and reported on day 8: late, but in 2025, not 2026.
    g.matters = vec![
        matter(date(2025, 12, 31), date(2026, 1, 8)),
        matter(date(2026, 6, 1), date(2026, 6, 8)),
    ];
    let v = evaluate_group(&plan(), &g, 2026, date(2026, 6, 15));
    assert_eq!(status(&v, RuleId::Escalation), Status::Met);
    assert!(reason(&v, RuleId::Escalation).contains("1 件"));
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 6, 15));
    assert_eq!(status(&v, RuleId::Escalation), Status::NotMet);
    // Judged in the plan's first year too, unlike the annual rules.
    g.matters = vec![matter(date(2023, 12, 20), date(2023, 12, 29))];
    let v = evaluate_group(&plan(), &g, 2023, date(2023, 12, 30));
    assert_eq!(status(&v, RuleId::TeamSize), Status::NotApplicable);
    assert_eq!(status(&v, RuleId::Escalation), Status::NotMet);
}

// ------------------------------------------------------------------------ meetings, annual plan

fn meeting(on: Date, adopts: bool) -> crate::domain::facts::MeetingFact {
    crate::domain::facts::MeetingFact {
        held_on: on,
        adopts_annual_plan: adopts,
    }
}

#[test]
fn one_meeting_on_31_december_and_one_on_1_january_are_one_a_year() {
    let o = orgs();
    let mut g = complete(&o);
    g.meetings = vec![
        meeting(date(2024, 6, 1), false),
        meeting(date(2024, 12, 31), false),
        meeting(date(2025, 1, 1), false),
    ];
    // 2024 is over: two meetings, met.
    let v = evaluate_group(&plan(), &g, 2024, date(2025, 3, 1));
    assert_eq!(status(&v, RuleId::Meetings), Status::Met);
    assert!(reason(&v, RuleId::Meetings).contains("召开联席会议 2 次"));
    // 2025 is over with only the meeting of 1 January: not met, in words.
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 1));
    assert_eq!(status(&v, RuleId::Meetings), Status::NotMet);
    assert!(
        reason(&v, RuleId::Meetings).contains("本年度召开联席会议 1 次")
            && reason(&v, RuleId::Meetings).contains("少于 2 次"),
        "{}",
        reason(&v, RuleId::Meetings)
    );
    // On 31 December 2025 the year still runs: one short is not yet due.
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 12, 31));
    assert_eq!(status(&v, RuleId::Meetings), Status::NotYetDue);
    assert!(reason(&v, RuleId::Meetings).contains("还需召开 1 次"));
    // Met as soon as the second meeting is held, long before the year ends.
    g.meetings.push(meeting(date(2025, 3, 1), false));
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 3, 2));
    assert_eq!(status(&v, RuleId::Meetings), Status::Met);
    // None at all in a past year.
    let v = evaluate_group(&plan(), &g, 2026, date(2027, 1, 1));
    assert_eq!(status(&v, RuleId::Meetings), Status::NotMet);
    assert!(reason(&v, RuleId::Meetings).contains("本年度召开联席会议 0 次，少于 2 次"));
}

#[test]
fn meetings_and_the_annual_plan_are_not_judged_in_the_setting_up_year() {
    let o = orgs();
    let g = group(&o);
    let v = evaluate_group(&plan(), &g, 2023, date(2024, 6, 1));
    for rule in [RuleId::Meetings, RuleId::AnnualPlan] {
        assert_eq!(status(&v, rule), Status::NotApplicable, "{rule}");
        assert!(reason(&v, rule).contains("自 2024 年起检查"), "{rule}");
    }
}

#[test]
fn the_meetings_a_group_active_part_of_the_year_needs_are_pro_rated_up() {
    let o = orgs();
    let starting = |on: Date| {
        let mut g = complete(&o);
        g.calendar.started_on = on;
        for m in &mut g.calendar.members {
            m.from = on;
        }
        g.meetings = vec![meeting(date(2025, 9, 1), false)];
        evaluate_group(&plan(), &g, 2025, date(2026, 1, 5))
    };
    // From 1 August: 2 × 153/365 = 0.84, rounded up to 1.
    let v = starting(date(2025, 8, 1));
    assert_eq!(status(&v, RuleId::Meetings), Status::Met);
    assert!(reason(&v, RuleId::Meetings).contains("不少于 1 次"));
    // From 1 July: 2 × 184/365 = 1.01, rounded up to 2 (as the on-site days are).
    let v = starting(date(2025, 7, 1));
    assert_eq!(status(&v, RuleId::Meetings), Status::NotMet);
    assert!(reason(&v, RuleId::Meetings).contains("少于 2 次"));
}

#[test]
fn the_annual_plan_needs_a_meeting_of_its_own_year_to_adopt_it() {
    let o = orgs();
    let mut g = complete(&o);
    g.annual_plans = vec![2025];
    // Adopted at a meeting on 31 December 2024: that meeting is 2024's, not 2025's.
    g.meetings = vec![meeting(date(2024, 12, 31), true)];
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 2, 1));
    assert_eq!(status(&v, RuleId::AnnualPlan), Status::NotMet);
    assert!(
        reason(&v, RuleId::AnnualPlan).contains("尚未经本年度的联席会议审议通过"),
        "{}",
        reason(&v, RuleId::AnnualPlan)
    );
    // 2024 has the adopting meeting but no plan of its own.
    let v = evaluate_group(&plan(), &g, 2024, date(2025, 2, 1));
    assert_eq!(status(&v, RuleId::AnnualPlan), Status::NotMet);
    assert!(reason(&v, RuleId::AnnualPlan).contains("尚未录入 2024 年度合作计划"));
    // A meeting on 1 January 2025 that adopts it: met, and at once (the year still runs).
    g.meetings.push(meeting(date(2025, 1, 1), true));
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 1, 2));
    assert_eq!(status(&v, RuleId::AnnualPlan), Status::Met);
    assert!(reason(&v, RuleId::AnnualPlan).contains("2025-01-01"));
    // A meeting that did not adopt it counts for the meetings rule only.
    g.meetings = vec![meeting(date(2025, 5, 1), false)];
    let v = evaluate_group(&plan(), &g, 2025, date(2025, 6, 1));
    assert_eq!(status(&v, RuleId::AnnualPlan), Status::NotYetDue);
    // No plan, no meeting, the year over.
    g.annual_plans.clear();
    g.meetings.clear();
    let v = evaluate_group(&plan(), &g, 2025, date(2026, 1, 1));
    assert_eq!(status(&v, RuleId::AnnualPlan), Status::NotMet);
    assert!(reason(&v, RuleId::AnnualPlan).contains("尚未制定 2025 年度合作计划"));
}

fn school_months(months: &[(&str, Timeliness)]) -> SchoolMonths {
    SchoolMonths {
        school: SchoolFact {
            org: OrgId::new(),
            name: "东莞理工学院".into(),
            kind: OrgKind::University,
        },
        months: months
            .iter()
            .map(|(m, t)| (Month::parse(m).unwrap(), *t))
            .collect(),
    }
}

#[test]
fn monthly_reports_are_met_only_when_every_owed_month_was_on_time() {
    let p = plan();
    let on_time = school_months(&[
        ("2024-01", Timeliness::OnTime),
        ("2024-02", Timeliness::NotDue),
    ]);
    let v = evaluate_monthly_reports(&p, &[on_time], 2024, date(2024, 2, 10));
    assert_eq!(v[0].verdict.status, Status::NotYetDue);
    // One late month and the year cannot be met any more, whatever follows.
    let late = school_months(&[
        ("2024-01", Timeliness::OnTime),
        ("2024-02", Timeliness::Late),
    ]);
    let v = evaluate_monthly_reports(&p, &[late], 2024, date(2024, 3, 1));
    assert_eq!(v[0].verdict.status, Status::NotMet);
    assert!(
        v[0].verdict.reason.contains("2024年2月逾期"),
        "{}",
        v[0].verdict.reason
    );
    let missing = school_months(&[("2024-03", Timeliness::Missing)]);
    let v = evaluate_monthly_reports(&p, &[missing], 2024, date(2024, 4, 1));
    assert!(v[0].verdict.reason.contains("2024年3月未报"));
    // Twelve on-time months, judged after December's due day: met; before it, not yet due.
    let months: Vec<(String, Timeliness)> = (1..=12)
        .map(|m| (format!("2024-{m:02}"), Timeliness::OnTime))
        .collect();
    let refs: Vec<(&str, Timeliness)> = months.iter().map(|(m, t)| (m.as_str(), *t)).collect();
    let all = school_months(&refs);
    let v = evaluate_monthly_reports(&p, std::slice::from_ref(&all), 2024, date(2024, 12, 29));
    assert_eq!(v[0].verdict.status, Status::Met);
    let v = evaluate_monthly_reports(&p, &[all], 2024, date(2024, 12, 28));
    assert_eq!(v[0].verdict.status, Status::NotYetDue);
    // Before the first report month the rule does not apply.
    let v = evaluate_monthly_reports(&p, &[school_months(&[])], 2023, date(2024, 1, 1));
    assert_eq!(v[0].verdict.status, Status::NotApplicable);
}
