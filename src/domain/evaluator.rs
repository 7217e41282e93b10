//! The one evaluator: plan + facts + period → a verdict for every rule. Every page, API call and
//! export that shows a verdict comes through here, so they cannot disagree.
//!
//! How the plan is read (SPEC §5):
//! - A year is over after 31 December Asia/Shanghai; until then it is judged as of today.
//! - Deadline rules (the agreement) are judged in the year that holds the deadline; a late
//!   signing is not held against later years.
//! - Annual rules (team, on-site service, base, joint meetings, the annual plan, and the reports
//!   to come) apply from the plan's first year of operation; the year before is for signing and
//!   setting up (二). Meetings and the annual plan are met as soon as they are; short while the
//!   year runs they are 未到期, short when it is over 不符合.
//! - Team rules over a past year count the days the team fell short; within the plan's grace
//!   days the year is met. For the running year they judge the team as it stands today.
//! - "Can it still be met?": a rule not yet due that can no longer be met in time reads
//!   [`Status::Unattainable`] (无法按期完成), a warning, rather than 未到期. Only the on-site rule
//!   has such a state: it counts days, and the days left in the year are finite. The agreement
//!   can be signed on any day up to its deadline (after it, it is 不符合 at once); the team and
//!   base rules are judged on the running year as things stand today, so a gap is 不符合 now.
//! - A rule with nothing to judge (the title rule on a team with no ordinary members) reads
//!   [`Status::NothingToJudge`] (无可判断), never 符合; see that status for why not 不符合.

use crate::domain::facts::{GroupFacts, MeetingFact, SchoolFact, TeamSpell};
use crate::domain::ids::OrgId;
use crate::domain::monthly::Timeliness;
use crate::domain::org::MemberRole;
use crate::domain::plan::{Month, Plan};
use crate::domain::rules::{
    self, MemberFact, OnsiteProgress, OnsiteWindow, RuleId, Status, Verdict, agreement_deadline,
    days_between, verdict, year_bounds,
};
use jiff::civil::Date;
use std::collections::{BTreeSet, HashMap};

/// The group rules of SPEC §5, in the order pages show them.
pub const GROUP_RULES: [RuleId; 12] = [
    RuleId::Agreement,
    RuleId::TeamSize,
    RuleId::TeamCaptain,
    RuleId::TeamVice,
    RuleId::TeamTitle,
    RuleId::Onsite,
    RuleId::Base,
    RuleId::Meetings,
    RuleId::AnnualPlan,
    RuleId::Escalation,
    RuleId::Evaluation,
    RuleId::Publicity,
];

/// The school rules of SPEC §5 (one verdict per school, not per group), in the order pages show them.
pub const SCHOOL_RULES: [RuleId; 3] =
    [RuleId::Pairing, RuleId::MonthlyReport, RuleId::MedicalExtra];

/// The annual rules among them (SPEC §5): from the plan's first year of operation, while the
/// group is active. The agreement is a deadline rule and escalation judges each matter as it is
/// reported, so neither is one.
pub const ANNUAL_RULES: [RuleId; 8] = [
    RuleId::TeamSize,
    RuleId::TeamCaptain,
    RuleId::TeamVice,
    RuleId::TeamTitle,
    RuleId::Onsite,
    RuleId::Base,
    RuleId::Meetings,
    RuleId::AnnualPlan,
];

/// A calendar year as asked about on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearView {
    pub year: i16,
    pub first: Date,
    pub last: Date,
    /// The date the year's facts are read on: 31 December, or today while the year runs.
    pub as_of: Date,
    /// Whether the year has begun.
    pub begun: bool,
    /// Whether 31 December has passed (Asia/Shanghai).
    pub over: bool,
}

impl YearView {
    pub fn new(year: i16, today: Date) -> Self {
        let (first, last) = year_bounds(year);
        Self {
            year,
            first,
            last,
            as_of: last.min(today),
            begun: today >= first,
            over: today > last,
        }
    }
}

/// One group's verdicts for one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupVerdicts {
    pub period: YearView,
    pub verdicts: Vec<Verdict>,
    pub onsite: OnsiteProgress,
}

impl GroupVerdicts {
    pub fn get(&self, rule: RuleId) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| v.rule == rule)
    }

    /// The group's worst status over its rules (the status column of the group list). The
    /// evaluation is left out: it is HQ's to carry out, not the group's, and while it is not
    /// recorded it reads 未到期, which would keep every group from reading 符合.
    pub fn worst(&self) -> Status {
        rules::worst(
            self.verdicts
                .iter()
                .filter(|v| v.rule != RuleId::Evaluation)
                .map(|v| v.status),
        )
        .unwrap_or(Status::NotApplicable)
    }
}

/// Judges one group's facts for `year` as seen on `today`.
pub fn evaluate_group(plan: &Plan, g: &GroupFacts, year: i16, today: Date) -> GroupVerdicts {
    let p = YearView::new(year, today);
    let onsite = onsite_progress(plan, g, &p);
    let all = |status: Status, reason: String| -> Vec<Verdict> {
        GROUP_RULES
            .iter()
            .map(|r| verdict(*r, status, reason.clone()))
            .collect()
    };
    if !p.begun {
        return GroupVerdicts {
            period: p,
            verdicts: all(Status::NotYetDue, format!("{year} 年尚未开始")),
            onsite,
        };
    }
    let mut verdicts = vec![check_agreement(plan, g, &p)];
    let window = active_window(g, &p);
    let annual: Vec<Verdict> = if g.calendar.started_on > p.last {
        let status = if p.over {
            Status::NotApplicable
        } else {
            Status::NotYetDue
        };
        let reason = format!("结对组自 {} 起开展工作", g.calendar.started_on);
        ANNUAL_RULES
            .iter()
            .map(|r| verdict(*r, status, reason.clone()))
            .collect()
    } else if window.is_none() && g.calendar.ended_on.is_some_and(|e| e <= p.first) {
        let reason = format!("结对组已于 {} 结束", g.calendar.ended_on.expect("checked"));
        ANNUAL_RULES
            .iter()
            .map(|r| verdict(*r, Status::NotApplicable, reason.clone()))
            .collect()
    } else if year < plan.rules.annual_rules_from_year {
        let reason = format!(
            "{year} 年为结对签约、组建队伍之年（二），本项自 {} 年起检查",
            plan.rules.annual_rules_from_year
        );
        ANNUAL_RULES
            .iter()
            .map(|r| verdict(*r, Status::NotApplicable, reason.clone()))
            .collect()
    } else {
        match window {
            Some((from, to)) => {
                // Closed: the year is over, or the group ended before today; nothing can be
                // added to its window any more, so it is judged over the whole of it.
                let closed = p.over || to < p.as_of;
                let mut v = if closed {
                    team_over_period(plan, g, from, to)
                } else {
                    team_on(plan, g, to).to_vec()
                };
                let window = if closed {
                    OnsiteWindow::Closed
                } else {
                    onsite_days_left(g, &p)
                };
                v.push(rules::check_onsite(&onsite, year, window));
                let opened: Vec<Date> = g.bases.iter().map(|b| b.opened_on).collect();
                v.push(rules::check_base(&opened, to, plan.rules.bases_min));
                // 五(一): the year's meetings (dated in it; a meeting of another year adopts
                // nothing for this one), against the plan's number pro-rated for the group's
                // part of the year.
                let held = meetings_in(g, &p);
                let required = rules::pro_rated(
                    year,
                    g.calendar.started_on,
                    g.calendar.ended_on,
                    plan.rules.meetings_min,
                );
                v.push(rules::check_meetings(&held, year, required, closed));
                v.push(rules::check_annual_plan(
                    year,
                    g.annual_plans.contains(&year),
                    &held,
                    closed,
                ));
                v
            }
            // Ended before it began (a pairing withdrawn at once): nothing applies.
            None if g
                .calendar
                .ended_on
                .is_some_and(|e| e <= g.calendar.started_on) =>
            {
                let reason = format!("结对组已于 {} 撤销", g.calendar.ended_on.expect("checked"));
                ANNUAL_RULES
                    .iter()
                    .map(|r| verdict(*r, Status::NotApplicable, reason.clone()))
                    .collect()
            }
            // The group begins later this year: nothing of it is due yet.
            None => {
                let reason = format!("结对组自 {} 起开展工作", g.calendar.started_on);
                ANNUAL_RULES
                    .iter()
                    .map(|r| verdict(*r, Status::NotYetDue, reason.clone()))
                    .collect()
            }
        }
    };
    verdicts.extend(annual);
    // 五(一): every matter raised in the year, whatever else applies (a matter is reported the
    // day it is entered, so there is nothing "not yet due" about one).
    let raised: Vec<_> = g
        .matters
        .iter()
        .filter(|m| (p.first..=p.last).contains(&m.raised_on))
        .cloned()
        .collect();
    verdicts.push(rules::check_escalation(&raised, plan.rules.escalation_days));
    verdicts.extend(evaluation_and_publicity(plan, g, &verdicts, &p, today));
    GroupVerdicts {
        period: p,
        verdicts,
        onsite,
    }
}

/// 五(三) 评价 and 五(四) 宣传推广: annual like the others (a year the annual rules do not apply
/// to, or the group has not begun, reads the same for them). The evaluation is met once HQ has
/// finalised the year, not met when its due day has passed without it; publicity is advisory (never 不符合) and counts the group's
/// typical cases and news items published in the year by the date read on.
fn evaluation_and_publicity(
    plan: &Plan,
    g: &GroupFacts,
    judged: &[Verdict],
    p: &YearView,
    today: Date,
) -> [Verdict; 2] {
    // The base rule is judged (met or not met) whenever the annual rules apply to the year.
    let inactive = judged
        .iter()
        .find(|v| v.rule == RuleId::Base)
        .filter(|v| matches!(v.status, Status::NotApplicable | Status::NotYetDue));
    if let Some(v) = inactive {
        return [
            verdict(RuleId::Evaluation, v.status, v.reason.clone()),
            verdict(RuleId::Publicity, v.status, v.reason.clone()),
        ];
    }
    // 五(三): HQ finalises a year's evaluation after it ends; judged on the day asked about
    // (`today`), which for a past year is after its 31 December.
    let due = p.last + jiff::Span::new().days(i64::from(plan.rules.evaluation_due_days));
    let finalised = g
        .evaluated
        .iter()
        .find(|(y, on)| *y == p.year && *on <= today)
        .map(|(_, on)| *on);
    let evaluation = match finalised {
        // The plan evaluates from its first evaluated year on.
        _ if p.year < plan.evaluation.first_year => verdict(
            RuleId::Evaluation,
            Status::NotApplicable,
            format!("方案自 {} 年起开展年度评价", plan.evaluation.first_year),
        ),
        Some(on) => verdict(
            RuleId::Evaluation,
            Status::Met,
            format!("{} 年度评价已于 {on} 完成", p.year),
        ),
        None if !p.over => verdict(
            RuleId::Evaluation,
            Status::NotYetDue,
            format!("{} 年度结束后评价", p.year),
        ),
        None if today > due => verdict(
            RuleId::Evaluation,
            Status::NotMet,
            format!("{} 年度评价应于 {due} 前完成，至 {today} 尚未完成", p.year),
        ),
        None => verdict(
            RuleId::Evaluation,
            Status::NotYetDue,
            format!("{} 年度评价应于 {due} 前完成，尚未完成", p.year),
        ),
    };
    let min = plan.rules.publicity_min_items;
    let n = g
        .published
        .iter()
        .filter(|d| (p.first..=p.as_of).contains(d))
        .count();
    let publicity = verdict(
        RuleId::Publicity,
        Status::Advisory,
        format!(
            "{} 年截至 {} 已发布典型案例和新闻 {n} 篇{}；方案倡导每年不少于 {min} 篇",
            p.year,
            p.as_of,
            if n >= min as usize {
                "，已达到"
            } else {
                ""
            }
        ),
    );
    [evaluation, publicity]
}

/// The group's joint meetings held in the year, by date.
pub fn meetings_in(g: &GroupFacts, p: &YearView) -> Vec<MeetingFact> {
    let mut held: Vec<MeetingFact> = g
        .meetings
        .iter()
        .filter(|m| (p.first..=p.last).contains(&m.held_on))
        .cloned()
        .collect();
    held.sort_by_key(|m| m.held_on);
    held
}

/// The days of the year the group was active up to `as_of` (both inclusive), if any.
fn active_window(g: &GroupFacts, p: &YearView) -> Option<(Date, Date)> {
    let from = g.calendar.started_on.max(p.first);
    let to = g
        .calendar
        .ended_on
        .and_then(|e| e.yesterday().ok())
        .map_or(p.as_of, |e| e.min(p.as_of));
    (from <= to).then_some((from, to))
}

/// The days still free for on-site service in the year's running window: from today (if nothing
/// is recorded on it yet) to the group's last active day of the year.
pub fn onsite_days_left(g: &GroupFacts, p: &YearView) -> OnsiteWindow {
    let last = g
        .calendar
        .ended_on
        .and_then(|e| e.yesterday().ok())
        .map_or(p.last, |e| e.min(p.last));
    OnsiteWindow::Open {
        days_left: rules::free_onsite_days(
            &g.onsite,
            p.as_of.max(p.first).max(g.calendar.started_on),
            last,
        ),
        last,
    }
}

/// On-site progress for the year, the threshold pro-rated by the group's active days.
pub fn onsite_progress(plan: &Plan, g: &GroupFacts, p: &YearView) -> OnsiteProgress {
    rules::onsite_progress(
        &g.onsite,
        p.year,
        g.calendar.started_on,
        g.calendar.ended_on,
        plan.rules.onsite_min_days,
        plan.rules.onsite_requires_confirmation,
    )
}

// ------------------------------------------------------------------------------------ agreement

/// One signing obligation: an organisation must sign by a deadline (四(二)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    pub org: OrgId,
    pub name: String,
    pub role: MemberRole,
    /// When the organisation joined (the group's start for its founding members).
    pub joined: Date,
    pub deadline: Date,
    /// The first agreement it signed, if any.
    pub signed_on: Option<Date>,
    /// Whether it joined after the group began (a supplementary agreement is due).
    pub supplementary: bool,
    /// When its membership ended (exclusive), if it has.
    pub left: Option<Date>,
}

/// Every signing obligation of the group: each member organisation of a role the plan names
/// signs within the plan's months of its joining; one that leaves before its deadline need not.
pub fn signings(plan: &Plan, g: &GroupFacts) -> Vec<Signing> {
    let months = plan.rules.agreement_months;
    g.calendar
        .members
        .iter()
        .filter(|m| plan.rules.agreement_signers.contains(&m.role))
        .filter_map(|m| {
            let joined = m.from.max(g.calendar.started_on);
            let deadline = agreement_deadline(joined, months);
            if m.to.is_some_and(|t| t <= deadline) {
                return None;
            }
            // Only an agreement signed since it joined binds it (a later party is not bound by
            // the agreement the others signed before it came).
            let signed_on = g
                .agreements
                .iter()
                .filter(|a| a.parties.contains(&m.org_id))
                .filter_map(|a| a.signed_on)
                .filter(|d| *d >= joined)
                .min();
            Some(Signing {
                org: m.org_id.clone(),
                name: m.name.clone(),
                role: m.role,
                joined,
                deadline,
                signed_on,
                supplementary: joined > g.calendar.started_on,
                left: m.to,
            })
        })
        .collect()
}

/// The parties' names in the pairing table's order: town, villages, university, vocational schools.
fn party_list(s: &[&Signing]) -> String {
    let mut s = s.to_vec();
    s.sort_by(|a, b| (a.role, &a.name).cmp(&(b.role, &b.name)));
    s.iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// The parties still to sign, one sentence per deadline.
fn unsigned_by_deadline(overdue: &[&Signing], until: &str) -> Vec<String> {
    let mut deadlines: Vec<Date> = overdue.iter().map(|s| s.deadline).collect();
    deadlines.sort();
    deadlines.dedup();
    deadlines
        .into_iter()
        .map(|d| {
            let late: Vec<&Signing> = overdue
                .iter()
                .copied()
                .filter(|s| s.deadline == d)
                .collect();
            format!("期限 {d} 已过，{until}尚未签署：{}", party_list(&late))
        })
        .collect()
}

/// 四(二) "在1个月内签署三方合作协议": judged in the year that holds each deadline.
fn check_agreement(plan: &Plan, g: &GroupFacts, p: &YearView) -> Verdict {
    // A party that joins later (结对调整) owes nothing before it joins: the period as it stood on
    // its last day seen knows nothing of it yet.
    let all: Vec<Signing> = signings(plan, g)
        .into_iter()
        .filter(|s| !(s.supplementary && s.joined > p.as_of))
        .collect();
    // As the year stood on its last day seen: a signing after `as_of` had not happened yet.
    let signed_by = |s: &Signing| s.signed_on.filter(|d| *d <= p.as_of);
    let due: Vec<&Signing> = all
        .iter()
        .filter(|s| (p.first..=p.last).contains(&s.deadline))
        .collect();
    // Due in an earlier year and still unsigned in this one, by a party (and a group) still there:
    // missing still. A late signing was judged in its own year and is not held against this one.
    let group_active = g.calendar.ended_on.is_none_or(|e| e > p.first);
    let missing: Vec<&Signing> = all
        .iter()
        .filter(|s| s.deadline < p.first && signed_by(s).is_none())
        .filter(|s| group_active && s.left.is_none_or(|l| l > p.first))
        .collect();
    let until = if p.over {
        format!("截至 {} ", p.as_of)
    } else {
        "至今".to_string()
    };
    let mut problems = unsigned_by_deadline(&missing, &until);
    if due.is_empty() {
        if !problems.is_empty() {
            return verdict(RuleId::Agreement, Status::NotMet, problems.join("；"));
        }
        // Nothing falls due this year. Before the group's first deadline the agreement is still
        // to come; after it, this year has nothing of its own to judge.
        if all.iter().all(|s| s.deadline > p.last) {
            return match all.iter().min_by_key(|s| s.deadline) {
                Some(next) => verdict(
                    RuleId::Agreement,
                    Status::NotYetDue,
                    format!(
                        "签署期限 {}（属 {} 年）",
                        next.deadline,
                        next.deadline.year()
                    ),
                ),
                None => verdict(
                    RuleId::Agreement,
                    Status::NotApplicable,
                    "本组没有须签署协议的成员单位",
                ),
            };
        }
        return verdict(
            RuleId::Agreement,
            Status::Met,
            "本年度没有到期的签署期限，以往到期的协议均已签署",
        );
    }
    let mut pending: Vec<&Signing> = Vec::new();
    for s in &due {
        if let Some(d) = signed_by(s).filter(|d| *d > s.deadline) {
            problems.push(format!(
                "{} {} 签署，超过期限 {} {} 天",
                s.name,
                d,
                s.deadline,
                days_between(s.deadline, d)
            ));
        }
    }
    let mut overdue: Vec<&Signing> = Vec::new();
    for s in due.iter().filter(|s| signed_by(s).is_none()) {
        if p.as_of > s.deadline {
            overdue.push(s);
        } else {
            pending.push(s);
        }
    }
    problems.extend(unsigned_by_deadline(&overdue, ""));
    let kind = if due.iter().all(|s| s.supplementary) {
        "补充协议"
    } else {
        "三方合作协议"
    };
    if !problems.is_empty() {
        return verdict(RuleId::Agreement, Status::NotMet, problems.join("；"));
    }
    if !pending.is_empty() {
        let next = pending.iter().map(|s| s.deadline).min().expect("not empty");
        return verdict(
            RuleId::Agreement,
            Status::NotYetDue,
            format!("{kind}尚待 {} 签署，最早期限 {next}", party_list(&pending)),
        );
    }
    let last_signed = due.iter().filter_map(|s| signed_by(s)).max();
    let last_deadline = due.iter().map(|s| s.deadline).max().expect("not empty");
    verdict(
        RuleId::Agreement,
        Status::Met,
        format!(
            "{kind}由 {} 方按期签署（最晚 {}，期限 {last_deadline}）",
            due.len(),
            last_signed.map(|d| d.to_string()).unwrap_or_default(),
        ),
    )
}

// ------------------------------------------------------------------------------------ team

const TEAM_RULES: [RuleId; 4] = [
    RuleId::TeamSize,
    RuleId::TeamCaptain,
    RuleId::TeamVice,
    RuleId::TeamTitle,
];

/// The team on `d` as the rules see it: only members on the team that day, each with the role
/// their school holds in the group that day (`None`: the school is not a group school then).
pub fn team_on_date(g: &GroupFacts, d: Date) -> Vec<MemberFact> {
    g.team
        .iter()
        .filter(|m| m.active_on(d))
        .map(|m: &TeamSpell| MemberFact {
            name: m.name.clone(),
            org_role: g.calendar.school_role_on(&m.org, d),
            role: m.role,
            title: m.title,
            school_leader: m.school_leader,
        })
        .collect()
}

/// The four rules of 四(一) for the team as it stood on `d`.
pub fn team_on(plan: &Plan, g: &GroupFacts, d: Date) -> [Verdict; 4] {
    let facts = team_on_date(g, d);
    [
        rules::check_team_size(&facts, plan.rules.team_min_members),
        rules::check_team_captain(&facts),
        rules::check_team_vice(
            &facts,
            g.calendar.has_member_on(MemberRole::VocationalSchool, d),
        ),
        rules::check_team_title(&facts, plan.rules.team_min_title),
    ]
}

/// A run of days on which a rule failed for one reason.
struct Shortfall {
    from: Date,
    to: Date,
    reason: String,
}

/// The four rules of 四(一) over the days `from..=to`: the team changes only where a spell or a
/// membership begins or ends, so each stretch between such dates is judged once.
fn team_over_period(plan: &Plan, g: &GroupFacts, from: Date, to: Date) -> Vec<Verdict> {
    let mut cuts: BTreeSet<Date> = BTreeSet::new();
    cuts.insert(from);
    let mut cut = |d: Date| {
        if d > from && d <= to {
            cuts.insert(d);
        }
    };
    for m in &g.team {
        cut(m.joined);
        if let Some(l) = m.left {
            cut(l);
        }
    }
    for m in &g.calendar.members {
        cut(m.from);
        if let Some(t) = m.to {
            cut(t);
        }
    }
    let starts: Vec<Date> = cuts.into_iter().collect();
    let mut short: [Vec<Shortfall>; 4] = Default::default();
    let mut applies = [false; 4];
    // Whether any day had something to judge (a day with nothing to judge is no shortfall:
    // the team-size rule reports an empty team).
    let mut judged = [false; 4];
    let mut last_seen: Option<[Verdict; 4]> = None;
    for (i, start) in starts.iter().enumerate() {
        let end = starts
            .get(i + 1)
            .and_then(|n| n.yesterday().ok())
            .unwrap_or(to);
        let day = team_on(plan, g, *start);
        for (k, v) in day.iter().enumerate() {
            if v.status != Status::NotApplicable {
                applies[k] = true;
            }
            if matches!(v.status, Status::Met | Status::NotMet) {
                judged[k] = true;
            }
            if v.status == Status::NotMet {
                match short[k].last_mut() {
                    Some(s) if s.reason == v.reason && s.to.tomorrow().ok() == Some(*start) => {
                        s.to = end
                    }
                    _ => short[k].push(Shortfall {
                        from: *start,
                        to: end,
                        reason: v.reason.clone(),
                    }),
                }
            }
        }
        last_seen = Some(day);
    }
    // The grace days are the plan's for a whole year, pro-rated (rounded down) for a group active
    // only part of it: a group that began in December does not pass with no team at all.
    let (year_first, year_last) = year_bounds(from.year());
    let grace = i64::from(plan.rules.team_grace_days) * (days_between(from, to) + 1)
        / (days_between(year_first, year_last) + 1);
    TEAM_RULES
        .iter()
        .enumerate()
        .map(|(k, rule)| {
            let end_state = last_seen.as_ref().map(|d| d[k].clone());
            if !applies[k] {
                return end_state
                    .unwrap_or_else(|| verdict(*rule, Status::NotApplicable, "不适用"));
            }
            if !judged[k] {
                let why = end_state.map(|v| v.reason).unwrap_or_default();
                return verdict(
                    *rule,
                    Status::NothingToJudge,
                    format!("{from} 至 {to} 无可判断（{why}）"),
                );
            }
            let days: i64 = short[k]
                .iter()
                .map(|s| days_between(s.from, s.to) + 1)
                .sum();
            if days == 0 {
                let now = end_state.map(|v| v.reason).unwrap_or_default();
                return verdict(
                    *rule,
                    Status::Met,
                    format!("{from} 至 {to} 每天均符合（{to}：{now}）"),
                );
            }
            let spans: Vec<String> = short[k]
                .iter()
                .take(3)
                .map(|s| {
                    if s.from == s.to {
                        format!("{}：{}", s.from, s.reason)
                    } else {
                        format!("{} 至 {}：{}", s.from, s.to, s.reason)
                    }
                })
                .collect();
            let more = if short[k].len() > 3 {
                format!("；另有 {} 段", short[k].len() - 3)
            } else {
                String::new()
            };
            let detail = format!("{}{more}", spans.join("；"));
            if days <= grace {
                verdict(
                    *rule,
                    Status::Met,
                    format!("{from} 至 {to} 有 {days} 天不符合，在 {grace} 天宽限内（{detail}）"),
                )
            } else {
                verdict(
                    *rule,
                    Status::NotMet,
                    format!("{from} 至 {to} 有 {days} 天不符合，超过 {grace} 天宽限（{detail}）"),
                )
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------ schools

/// One school's verdict on a school-level rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolVerdict {
    pub school: SchoolFact,
    pub verdict: Verdict,
}

/// 二 "每所学校至少结对1个镇(街道)、1个典型村(社区)": each school is, on the date the year is read
/// on, a member of at least one active group that has a town and a village then.
pub fn evaluate_pairing(
    plan: &Plan,
    schools: &[SchoolFact],
    groups: &[GroupFacts],
    year: i16,
    today: Date,
) -> Vec<SchoolVerdict> {
    let p = YearView::new(year, today);
    let by = groups_by_member(groups);
    schools
        .iter()
        .map(|s| {
            let v = if !p.begun {
                verdict(
                    RuleId::Pairing,
                    Status::NotYetDue,
                    format!("{year} 年尚未开始"),
                )
            } else if p.as_of < plan.group_start {
                verdict(
                    RuleId::Pairing,
                    Status::NotYetDue,
                    format!("结对签约自 {} 起", plan.group_start),
                )
            } else {
                pairing_of(s, member_groups(&by, s), p.as_of)
            };
            SchoolVerdict {
                school: s.clone(),
                verdict: v,
            }
        })
        .collect()
}

/// The groups each organisation has ever been a member of, in the order of `groups`: a school's
/// rules read only its own groups (at province scale, a few of some 2,000).
fn groups_by_member(groups: &[GroupFacts]) -> HashMap<&OrgId, Vec<&GroupFacts>> {
    let mut by: HashMap<&OrgId, Vec<&GroupFacts>> = HashMap::new();
    for g in groups {
        for m in &g.calendar.members {
            let of = by.entry(&m.org_id).or_default();
            if !of.last().is_some_and(|last| std::ptr::eq(*last, g)) {
                of.push(g);
            }
        }
    }
    by
}

fn member_groups<'a, 'g>(
    by: &'a HashMap<&OrgId, Vec<&'g GroupFacts>>,
    s: &SchoolFact,
) -> &'a [&'g GroupFacts] {
    by.get(&s.org).map_or(&[], Vec::as_slice)
}

fn pairing_of(s: &SchoolFact, groups: &[&GroupFacts], d: Date) -> Verdict {
    let mut partial = Vec::new();
    let mut full = Vec::new();
    for g in groups.iter().filter(|g| g.calendar.active_on(d)) {
        if !g
            .calendar
            .members
            .iter()
            .any(|m| m.org_id == s.org && m.active_on(d))
        {
            continue;
        }
        if g.calendar.has_member_on(MemberRole::Town, d)
            && g.calendar.has_member_on(MemberRole::Village, d)
        {
            full.push(g.number);
        } else {
            partial.push(g.number);
        }
    }
    let numbers = |n: &[i64]| {
        n.iter()
            .map(|n| format!("第 {n} 组"))
            .collect::<Vec<_>>()
            .join("、")
    };
    if !full.is_empty() {
        verdict(
            RuleId::Pairing,
            Status::Met,
            format!("{} 在{}结对镇村", s.name, numbers(&full)),
        )
    } else if !partial.is_empty() {
        verdict(
            RuleId::Pairing,
            Status::NotMet,
            format!(
                "{} 所在的{}缺少镇(街道)或村(社区)",
                s.name,
                numbers(&partial)
            ),
        )
    } else {
        verdict(
            RuleId::Pairing,
            Status::NotMet,
            format!("{} 于 {d} 不在任何结对组中", s.name),
        )
    }
}

/// The towns and villages a school is paired with on `d`: the places of every active group it is
/// an active member of, each counted once.
fn places_paired(s: &SchoolFact, groups: &[&GroupFacts], d: Date) -> usize {
    let mut places: BTreeSet<&OrgId> = BTreeSet::new();
    for g in groups.iter().filter(|g| g.calendar.active_on(d)) {
        let member = g
            .calendar
            .members
            .iter()
            .any(|m| m.org_id == s.org && m.active_on(d));
        if member {
            places.extend(
                g.calendar
                    .members
                    .iter()
                    .filter(|m| m.is_place() && m.active_on(d))
                    .map(|m| &m.org_id),
            );
        }
    }
    places.len()
}

/// 三(五) "以医学为主的学校适当增加签约镇村数量" (advisory): for a university the plan names as
/// medical-focused, the towns and villages it is paired with on the date the year is read on,
/// against the other universities' average. Never 不符合: the plan encourages, it does not require.
/// Every other school: 不适用.
pub fn evaluate_medical_extra(
    plan: &Plan,
    schools: &[SchoolFact],
    groups: &[GroupFacts],
    year: i16,
    today: Date,
) -> Vec<SchoolVerdict> {
    use crate::domain::org::OrgKind;
    let p = YearView::new(year, today);
    let medical = |s: &SchoolFact| {
        s.kind == OrgKind::University && plan.organisations.medical_focused.contains(&s.name)
    };
    let by = groups_by_member(groups);
    let others: Vec<usize> = schools
        .iter()
        .filter(|s| s.kind == OrgKind::University && !medical(s))
        .map(|s| places_paired(s, member_groups(&by, s), p.as_of))
        .collect();
    schools
        .iter()
        .map(|s| {
            let v = if !medical(s) {
                verdict(
                    RuleId::MedicalExtra,
                    Status::NotApplicable,
                    "本项仅适用于以医学为主的高校",
                )
            } else if !p.begun {
                verdict(
                    RuleId::MedicalExtra,
                    Status::NotYetDue,
                    format!("{year} 年尚未开始"),
                )
            } else {
                let n = places_paired(s, member_groups(&by, s), p.as_of);
                let average = if others.is_empty() {
                    "没有其他高校可比".to_string()
                } else {
                    let avg = others.iter().sum::<usize>() as f64 / others.len() as f64;
                    format!("其他 {} 所高校平均 {avg:.1} 个", others.len())
                };
                verdict(
                    RuleId::MedicalExtra,
                    Status::Advisory,
                    format!(
                        "{} 于 {} 结对镇(街道)、村(社区) {n} 个（{average}）；方案倡导以医学为主的学校适当增加签约镇村数量（建议不少于 {} 个镇(街道)）",
                        s.name, p.as_of, plan.rules.medical_extra_min_towns
                    ),
                )
            };
            SchoolVerdict {
                school: s.clone(),
                verdict: v,
            }
        })
        .collect()
}

// ----------------------------------------------------------------------------- monthly reports

/// One school's months of a year as the monthly-report rule reads them: each month whose report
/// the school owed (it was a member on the due date), with how that report stands.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolMonths {
    pub school: SchoolFact,
    pub months: Vec<(Month, Timeliness)>,
}

/// 五(三) "每月28日前报送": every report the school owed in the year submitted by its due time.
/// One late or missing month and the year is not met; while months are still to come it is not
/// yet due; once the last month's due day has passed with every report on time, met.
pub fn evaluate_monthly_reports(
    plan: &Plan,
    schools: &[SchoolMonths],
    year: i16,
    today: Date,
) -> Vec<SchoolVerdict> {
    let start = plan.report_start_month;
    let december = Month { year, month: 12 };
    let final_due = crate::domain::monthly::deadline(plan, december).due_on;
    schools
        .iter()
        .map(|s| {
            let v = if year < start.year {
                verdict(
                    RuleId::MonthlyReport,
                    Status::NotApplicable,
                    format!("月度进展报告自 {} 起报送", start.label()),
                )
            } else if today < year_bounds(year).0 {
                verdict(
                    RuleId::MonthlyReport,
                    Status::NotYetDue,
                    format!("{year} 年尚未开始"),
                )
            } else {
                monthly_reports_of(s, today > final_due)
            };
            SchoolVerdict {
                school: s.school.clone(),
                verdict: v,
            }
        })
        .collect()
}

fn monthly_reports_of(s: &SchoolMonths, final_: bool) -> Verdict {
    let short: Vec<String> = s
        .months
        .iter()
        .filter(|(_, t)| matches!(t, Timeliness::Late | Timeliness::Missing))
        .map(|(m, t)| format!("{}{}", m.label(), t.label()))
        .collect();
    let on_time = s
        .months
        .iter()
        .filter(|(_, t)| *t == Timeliness::OnTime)
        .count();
    if !short.is_empty() {
        return verdict(
            RuleId::MonthlyReport,
            Status::NotMet,
            format!("{}；按时报送 {on_time} 个月", short.join("、")),
        );
    }
    if s.months.is_empty() {
        let status = if final_ {
            Status::NothingToJudge
        } else {
            Status::NotYetDue
        };
        return verdict(
            RuleId::MonthlyReport,
            status,
            "本年度尚无应报送的月度进展报告",
        );
    }
    if final_ {
        verdict(
            RuleId::MonthlyReport,
            Status::Met,
            format!("应报 {on_time} 个月，均按时报送"),
        )
    } else {
        verdict(
            RuleId::MonthlyReport,
            Status::NotYetDue,
            format!("已到期的 {on_time} 个月均按时报送，本年度其余月份尚未到期"),
        )
    }
}

#[cfg(test)]
mod scenarios;
#[cfg(test)]
mod tests;
