//! The rules of the plan as pure functions: facts in, verdict out. No database, no clock —
//! the period asked about comes in as an argument, so the compliance matrix can reuse them.

use crate::domain::facts::{MatterFact, MeetingFact, OnsiteFact};
use crate::domain::org::MemberRole;
use crate::domain::team::{TeamRole, Title};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// The rules of SPEC §5, each from a clause of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    Pairing,
    Agreement,
    TeamSize,
    TeamCaptain,
    TeamVice,
    TeamTitle,
    Onsite,
    Base,
    Meetings,
    AnnualPlan,
    Escalation,
    MonthlyReport,
    Evaluation,
    MedicalExtra,
    Publicity,
}

impl RuleId {
    pub const ALL: [RuleId; 15] = [
        RuleId::Pairing,
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
        RuleId::MonthlyReport,
        RuleId::Evaluation,
        RuleId::MedicalExtra,
        RuleId::Publicity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Pairing => "pairing",
            RuleId::Agreement => "agreement",
            RuleId::TeamSize => "team-size",
            RuleId::TeamCaptain => "team-captain",
            RuleId::TeamVice => "team-vice",
            RuleId::TeamTitle => "team-title",
            RuleId::Onsite => "onsite",
            RuleId::Base => "base",
            RuleId::Meetings => "meetings",
            RuleId::AnnualPlan => "annual-plan",
            RuleId::Escalation => "escalation",
            RuleId::MonthlyReport => "monthly-report",
            RuleId::Evaluation => "evaluation",
            RuleId::MedicalExtra => "medical-extra",
            RuleId::Publicity => "publicity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The clause of the founding document the rule comes from.
    pub fn clause(self) -> &'static str {
        match self {
            RuleId::Pairing => "二",
            RuleId::Agreement | RuleId::Onsite => "四(二)",
            RuleId::TeamSize | RuleId::TeamCaptain | RuleId::TeamVice | RuleId::TeamTitle => {
                "四(一)"
            }
            RuleId::Base => "三(一)",
            RuleId::Meetings | RuleId::AnnualPlan | RuleId::Escalation => "五(一)",
            RuleId::MonthlyReport | RuleId::Evaluation => "五(三)",
            RuleId::MedicalExtra => "三(五)",
            RuleId::Publicity => "五(四)",
        }
    }

    /// The rule's short name, for a column head or a card cell (its full wording is the plan's).
    pub fn short_name(self) -> &'static str {
        match self {
            RuleId::Pairing => "结对镇村",
            RuleId::Agreement => "三方协议",
            RuleId::TeamSize => "队伍人数",
            RuleId::TeamCaptain => "队长",
            RuleId::TeamVice => "副队长",
            RuleId::TeamTitle => "队员职称",
            RuleId::Onsite => "驻镇(含驻村)服务",
            RuleId::Base => "实践基地",
            RuleId::Meetings => "联席会议",
            RuleId::AnnualPlan => "年度计划",
            RuleId::Escalation => "重大事项报告",
            RuleId::MonthlyReport => "月度报告",
            RuleId::Evaluation => "年度评价",
            RuleId::MedicalExtra => "医学高校增加镇村",
            RuleId::Publicity => "宣传推广",
        }
    }

    /// Advisory rules encourage; they are never 不符合.
    pub fn advisory(self) -> bool {
        matches!(self, RuleId::MedicalExtra | RuleId::Publicity)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    /// Not judged yet (the year or the deadline is still to come), but it can no longer be met
    /// in time: e.g. more on-site days are still needed than the year has days left. A warning
    /// to act on now, not the grey 未到期 of a rule that is merely not due.
    Unattainable,
    /// The rule has nothing to judge: e.g. the title rule on a team with no members besides
    /// the captain and vice-captain. Not 符合 — "every member holds a title" says nothing when
    /// there is no member — and not 不符合 either: the missing people are the team-size rule's
    /// failure, and counting it twice would misstate what is wrong.
    NothingToJudge,
    NotYetDue,
    /// The rule does not apply to this group or year (e.g. no vice-captain without a
    /// vocational school; the annual rules before the plan's first year of operation).
    NotApplicable,
    Advisory,
}

impl Status {
    /// Every status, worst first (the order of [`Status::severity`]).
    pub const ALL: [Status; 7] = [
        Status::NotMet,
        Status::Unattainable,
        Status::NothingToJudge,
        Status::NotYetDue,
        Status::Met,
        Status::Advisory,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::Unattainable => "unattainable",
            Status::NothingToJudge => "nothing_to_judge",
            Status::NotYetDue => "not_yet_due",
            Status::NotApplicable => "not_applicable",
            Status::Advisory => "advisory",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "符合",
            Status::NotMet => "不符合",
            Status::Unattainable => "无法按期完成",
            Status::NothingToJudge => "无可判断",
            Status::NotYetDue => "未到期",
            Status::NotApplicable => "不适用",
            Status::Advisory => "倡导",
        }
    }

    /// The sign shown before the label (never alone: the label is always beside it), the same on
    /// every page — matrix, cards, charts, the public page.
    pub fn icon(self) -> &'static str {
        match self {
            Status::Met => "✓",
            Status::NotMet => "✗",
            Status::Unattainable => "⚠",
            Status::NothingToJudge => "∅",
            Status::NotYetDue => "⏳",
            Status::NotApplicable => "－",
            Status::Advisory => "ℹ",
        }
    }

    /// How much a status asks for attention, for a group's worst status (higher is worse).
    pub fn severity(self) -> u8 {
        match self {
            Status::NotMet => 6,
            Status::Unattainable => 5,
            Status::NothingToJudge => 4,
            Status::NotYetDue => 3,
            Status::Met => 2,
            Status::Advisory => 1,
            Status::NotApplicable => 0,
        }
    }

    /// Whether the status calls for action (the workbench lists these).
    pub fn needs_action(self) -> bool {
        matches!(
            self,
            Status::NotMet | Status::Unattainable | Status::NothingToJudge
        )
    }
}

/// The worst of a set of statuses (`None` for none).
pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
    statuses.into_iter().max_by_key(|s| s.severity())
}

/// A rule's verdict for one group (or school) and period, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rule: RuleId,
    pub status: Status,
    pub reason: String,
}

pub fn verdict(rule: RuleId, status: Status, reason: impl Into<String>) -> Verdict {
    Verdict {
        rule,
        status,
        reason: reason.into(),
    }
}

/// A team member as the rules see them on the date asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFact {
    pub name: String,
    /// The role the member's organisation holds in the group on that date (`None`: not a group school).
    pub org_role: Option<MemberRole>,
    pub role: TeamRole,
    pub title: Title,
    pub school_leader: bool,
}

/// 四(一): "每队成员不少于6人" — counting only members whose school belongs to the group then.
pub fn check_team_size(members: &[MemberFact], min: u32) -> Verdict {
    let n = members.iter().filter(|m| m.org_role.is_some()).count();
    let outside = members.len() - n;
    let note = if outside > 0 {
        format!("（另有 {outside} 人所在学校已不在本组，不计入）")
    } else {
        String::new()
    };
    if n >= min as usize {
        verdict(
            RuleId::TeamSize,
            Status::Met,
            format!("服务工作队 {n} 人，不少于 {min} 人{note}"),
        )
    } else {
        verdict(
            RuleId::TeamSize,
            Status::NotMet,
            format!("服务工作队 {n} 人，少于 {min} 人{note}"),
        )
    }
}

fn names(members: &[&MemberFact]) -> String {
    members
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// 四(一): "队长由签约高校安排1名校级领导担任".
pub fn check_team_captain(members: &[MemberFact]) -> Verdict {
    let captains: Vec<&MemberFact> = members
        .iter()
        .filter(|m| m.role == TeamRole::Captain)
        .collect();
    match captains.as_slice() {
        [] => verdict(RuleId::TeamCaptain, Status::NotMet, "未设队长"),
        [c] if c.org_role != Some(MemberRole::University) => verdict(
            RuleId::TeamCaptain,
            Status::NotMet,
            format!("队长 {} 不属于本组签约高校", c.name),
        ),
        [c] if !c.school_leader => verdict(
            RuleId::TeamCaptain,
            Status::NotMet,
            format!("队长 {} 不是校级领导", c.name),
        ),
        [c] => verdict(
            RuleId::TeamCaptain,
            Status::Met,
            format!("队长 {}，签约高校校级领导", c.name),
        ),
        many => verdict(
            RuleId::TeamCaptain,
            Status::NotMet,
            format!("有 {} 名队长（{}），应为 1 名", many.len(), names(many)),
        ),
    }
}

/// 四(一): "副队长由签约中职学校安排1名校级领导担任": exactly one, worded like the captain. A group
/// with no vocational school (三(五) extra pairings) has no vice-captain to appoint.
pub fn check_team_vice(members: &[MemberFact], group_has_vocational_school: bool) -> Verdict {
    if !group_has_vocational_school {
        return verdict(
            RuleId::TeamVice,
            Status::NotApplicable,
            "本组没有签约中职学校，不设副队长",
        );
    }
    let vices: Vec<&MemberFact> = members
        .iter()
        .filter(|m| m.role == TeamRole::ViceCaptain)
        .collect();
    match vices.as_slice() {
        [] => verdict(RuleId::TeamVice, Status::NotMet, "未设副队长"),
        [v] if v.org_role != Some(MemberRole::VocationalSchool) => verdict(
            RuleId::TeamVice,
            Status::NotMet,
            format!("副队长 {} 不属于本组签约中职学校", v.name),
        ),
        [v] if !v.school_leader => verdict(
            RuleId::TeamVice,
            Status::NotMet,
            format!("副队长 {} 不是校级领导", v.name),
        ),
        [v] => verdict(
            RuleId::TeamVice,
            Status::Met,
            format!("副队长 {}，签约中职学校校级领导", v.name),
        ),
        many => verdict(
            RuleId::TeamVice,
            Status::NotMet,
            format!("有 {} 名副队长（{}），应为 1 名", many.len(), names(many)),
        ),
    }
}

/// 四(一): "其他队员…需为中级以上职称(含中级)的专业教职工", from the group's schools.
pub fn check_team_title(members: &[MemberFact], min: Title) -> Verdict {
    let mut problems = Vec::new();
    let others: Vec<&MemberFact> = members
        .iter()
        .filter(|m| m.role == TeamRole::Member)
        .collect();
    for m in &others {
        if m.org_role.is_none() {
            problems.push(format!("队员 {} 所在单位不是本组签约学校", m.name));
        }
        if m.title < min {
            problems.push(format!(
                "队员 {} 职称为{}，低于{}要求",
                m.name,
                m.title.label(),
                min.label()
            ));
        }
    }
    if others.is_empty() {
        // Nothing to judge (see `Status::NothingToJudge`): the team-size rule reports the gap.
        return verdict(
            RuleId::TeamTitle,
            Status::NothingToJudge,
            "尚无队长、副队长以外的队员，职称要求无可判断",
        );
    }
    if problems.is_empty() {
        verdict(
            RuleId::TeamTitle,
            Status::Met,
            format!("{} 名队员均为{}及以上职称", others.len(), min.label()),
        )
    } else {
        verdict(RuleId::TeamTitle, Status::NotMet, problems.join("；"))
    }
}

/// 四(二): the agreement is due one calendar month after the group starts; a start on the 31st
/// is due on the last day of a shorter month (2024-01-31 → 2024-02-29).
pub fn agreement_deadline(start: Date, months: u32) -> Date {
    start.saturating_add((months as i64).months())
}

/// Days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: Date, b: Date) -> i64 {
    (b - a).get_days() as i64
}

/// Where an agreement stands, for the agreement page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementState {
    Unsigned { days_left: i64 },
    DueSoon { days_left: i64 },
    Overdue { days: i64 },
    SignedOnTime,
    SignedLate { days: i64 },
}

/// Where the agreement stands on `today`; unsigned, it shows as 即将到期 from `due_soon_days`
/// (plan `rules.agreement_due_soon_days`) before its deadline.
pub fn agreement_state(
    start: Date,
    months: u32,
    signed_on: Option<Date>,
    today: Date,
    due_soon_days: u32,
) -> AgreementState {
    let deadline = agreement_deadline(start, months);
    match signed_on {
        Some(s) if s <= deadline => AgreementState::SignedOnTime,
        Some(s) => AgreementState::SignedLate {
            days: days_between(deadline, s),
        },
        None => {
            let left = days_between(today, deadline);
            if left < 0 {
                AgreementState::Overdue { days: -left }
            } else if left <= i64::from(due_soon_days) {
                AgreementState::DueSoon { days_left: left }
            } else {
                AgreementState::Unsigned { days_left: left }
            }
        }
    }
}

impl AgreementState {
    pub fn label(self) -> String {
        match self {
            AgreementState::Unsigned { days_left } => format!("未签署（剩余 {days_left} 天）"),
            AgreementState::DueSoon { days_left } => format!("即将到期（剩余 {days_left} 天）"),
            AgreementState::Overdue { days } => format!("已逾期 {days} 天"),
            AgreementState::SignedOnTime => "已签署（按期）".to_string(),
            AgreementState::SignedLate { days } => format!("已签署（逾期 {days} 天）"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OnsiteProgress {
    /// Distinct days with at least one member on site (overlapping entries count once).
    pub team_days: u32,
    /// Distinct (member, day) pairs.
    pub person_days: u32,
    /// Days that only unconfirmed entries cover (not counted when confirmation is required).
    pub unconfirmed_days: u32,
    /// The threshold for this group and year, pro-rated.
    pub required: u32,
}

impl OnsiteProgress {
    /// Percentage towards the threshold, for a progress bar (0–100).
    pub fn percent(&self) -> u32 {
        (self.team_days * 100)
            .checked_div(self.required)
            .map_or(100, |p| p.min(100))
    }
}

pub fn year_bounds(year: i16) -> (Date, Date) {
    (
        Date::new(year, 1, 1).expect("valid year"),
        Date::new(year, 12, 31).expect("valid year"),
    )
}

/// 四(二) "每年需累计开展不少于3个月": the threshold for a group active only part of `year` is
/// pro-rated by its active days, rounded up. `active_to` is exclusive.
pub fn required_onsite_days(
    year: i16,
    active_from: Date,
    active_to: Option<Date>,
    min_days: u32,
) -> u32 {
    pro_rated(year, active_from, active_to, min_days)
}

/// An annual minimum for a group active only part of `year`, pro-rated by its active days and
/// rounded up (on-site days, joint meetings). `active_to` is exclusive.
pub fn pro_rated(year: i16, active_from: Date, active_to: Option<Date>, min: u32) -> u32 {
    let (first, last) = year_bounds(year);
    let start = active_from.max(first);
    let end = active_to
        .map(|t| t.yesterday().unwrap_or(t))
        .unwrap_or(last)
        .min(last);
    if end < start {
        return 0;
    }
    let active = days_between(start, end) + 1;
    let in_year = days_between(first, last) + 1;
    ((min as i64 * active + in_year - 1) / in_year) as u32
}

pub fn onsite_progress(
    entries: &[OnsiteFact],
    year: i16,
    active_from: Date,
    active_to: Option<Date>,
    min_days: u32,
    requires_confirmation: bool,
) -> OnsiteProgress {
    let (first, last) = year_bounds(year);
    let len = (days_between(first, last) + 1) as usize;
    let mut counted = vec![false; len];
    let mut unconfirmed = vec![false; len];
    // Each member on site gets a day-by-day mark; members are few per group, so a linear search
    // finds a member's row faster than hashing every (member, day) pair.
    let mut members: Vec<(&str, Vec<bool>)> = Vec::new();
    for e in entries {
        if e.members.is_empty() {
            continue;
        }
        let from = e.from.max(first);
        let to = e.to.min(last);
        if to < from {
            continue;
        }
        let counts = e.confirmed || !requires_confirmation;
        let rows: Vec<usize> = e
            .members
            .iter()
            .map(
                |m| match members.iter().position(|(id, _)| *id == m.as_str()) {
                    Some(k) => k,
                    None => {
                        members.push((m.as_str(), vec![false; len]));
                        members.len() - 1
                    }
                },
            )
            .collect();
        for offset in days_between(first, from)..=days_between(first, to) {
            let i = offset as usize;
            if counts {
                counted[i] = true;
                for row in &rows {
                    members[*row].1[i] = true;
                }
            } else {
                unconfirmed[i] = true;
            }
        }
    }
    OnsiteProgress {
        team_days: counted.iter().filter(|d| **d).count() as u32,
        person_days: members
            .iter()
            .map(|(_, days)| days.iter().filter(|d| **d).count() as u32)
            .sum(),
        unconfirmed_days: counted
            .iter()
            .zip(&unconfirmed)
            .filter(|(c, u)| !**c && **u)
            .count() as u32,
        required: required_onsite_days(year, active_from, active_to, min_days),
    }
}

/// Where the on-site rule's year stands when it is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnsiteWindow {
    /// The year (or the group's time in it) is over: judged on what was done.
    Closed,
    /// Still running until `last` (31 December, or the group's last day): `days_left` days on
    /// which service can still be added (today, if nothing is recorded on it yet, and every day
    /// after it up to `last`).
    Open { days_left: u32, last: Date },
}

/// Days of `from..=to` that no entry with someone on site covers (confirmed or not): the days on
/// which on-site service can still be recorded.
pub fn free_onsite_days(entries: &[OnsiteFact], from: Date, to: Date) -> u32 {
    if to < from {
        return 0;
    }
    let len = (days_between(from, to) + 1) as usize;
    let mut taken = vec![false; len];
    for e in entries.iter().filter(|e| !e.members.is_empty()) {
        let (a, b) = (e.from.max(from), e.to.min(to));
        if b < a {
            continue;
        }
        for i in days_between(from, a)..=days_between(from, b) {
            taken[i as usize] = true;
        }
    }
    taken.iter().filter(|t| !**t).count() as u32
}

/// 四(二): judged when the year is over. During the year a shortfall is not yet due while it can
/// still be made up; once the days still needed exceed the days left (counting the days that
/// wait for the town's or village's confirmation as if confirmed), it can no longer be met and
/// says so at once.
pub fn check_onsite(progress: &OnsiteProgress, year: i16, window: OnsiteWindow) -> Verdict {
    let p = progress;
    let detail = format!(
        "{year} 年已累计驻镇(含驻村)服务 {} 天（{} 人天），要求不少于 {} 天",
        p.team_days, p.person_days, p.required
    );
    let detail = if p.unconfirmed_days > 0 {
        format!("{detail}；另有 {} 天待镇村确认", p.unconfirmed_days)
    } else {
        detail
    };
    if p.team_days >= p.required {
        return verdict(RuleId::Onsite, Status::Met, detail);
    }
    let OnsiteWindow::Open { days_left, last } = window else {
        return verdict(RuleId::Onsite, Status::NotMet, detail);
    };
    let needed = p.required - p.team_days;
    let left = if last == year_bounds(year).1 {
        format!("本年仅余 {days_left} 天")
    } else {
        format!("至 {last} 结对结束仅余 {days_left} 天")
    };
    if needed > days_left + p.unconfirmed_days {
        verdict(
            RuleId::Onsite,
            Status::Unattainable,
            format!("{detail}；还需 {needed} 天，{left}，已无法按期完成"),
        )
    } else {
        verdict(
            RuleId::Onsite,
            Status::NotYetDue,
            format!("{detail}；还需驻镇(含驻村)服务 {needed} 天（{left}）"),
        )
    }
}

/// 三(一): "共同建设1个乡村建设实践基地".
pub fn check_base(opened: &[Date], as_of: Date, min: u32) -> Verdict {
    let n = opened.iter().filter(|d| **d <= as_of).count();
    if n >= min as usize {
        verdict(RuleId::Base, Status::Met, format!("已建实践基地 {n} 个"))
    } else {
        verdict(
            RuleId::Base,
            Status::NotMet,
            format!("已建实践基地 {n} 个，少于 {min} 个"),
        )
    }
}

/// 五(一) "每年至少召开2次联席会议": the meetings held in the year against the plan's number,
/// pro-rated like the on-site days for a group active only part of the year (rounded up). Met as
/// soon as the number is reached; short while the year (or the group's part of it) runs, it is
/// not yet due; short once it is over, not met.
pub fn check_meetings(held: &[MeetingFact], year: i16, required: u32, closed: bool) -> Verdict {
    let n = held.len();
    let dates = held
        .iter()
        .map(|m| m.held_on.to_string())
        .collect::<Vec<_>>()
        .join("、");
    let when = if dates.is_empty() {
        String::new()
    } else {
        format!("（{dates}）")
    };
    if n >= required as usize {
        return verdict(
            RuleId::Meetings,
            Status::Met,
            format!("{year} 年度召开联席会议 {n} 次{when}，不少于 {required} 次"),
        );
    }
    if closed {
        verdict(
            RuleId::Meetings,
            Status::NotMet,
            format!("本年度召开联席会议 {n} 次{when}，少于 {required} 次"),
        )
    } else {
        verdict(
            RuleId::Meetings,
            Status::NotYetDue,
            format!(
                "本年度已召开联席会议 {n} 次{when}，还需召开 {} 次（要求不少于 {required} 次）",
                required as usize - n
            ),
        )
    }
}

/// 五(一) "审议年度合作计划": the year's annual cooperation plan exists and a joint meeting held
/// in that year adopted it (a meeting of another year does not count: the caller passes only the
/// year's meetings). Short while the year runs, not yet due; once it is over, not met.
pub fn check_annual_plan(
    year: i16,
    plan_exists: bool,
    held: &[MeetingFact],
    closed: bool,
) -> Verdict {
    let adopted: Vec<Date> = held
        .iter()
        .filter(|m| m.adopts_annual_plan)
        .map(|m| m.held_on)
        .collect();
    let problem = match (plan_exists, adopted.first()) {
        (true, Some(d)) => {
            return verdict(
                RuleId::AnnualPlan,
                Status::Met,
                format!("{year} 年度合作计划已由 {d} 召开的联席会议审议通过"),
            );
        }
        (true, None) => format!("{year} 年度合作计划已制定，尚未经本年度的联席会议审议通过"),
        (false, Some(d)) => {
            format!("{d} 的联席会议记为审议通过年度计划，但尚未录入 {year} 年度合作计划")
        }
        (false, None) => format!("尚未制定 {year} 年度合作计划，也没有联席会议审议通过"),
    };
    let status = if closed {
        Status::NotMet
    } else {
        Status::NotYetDue
    };
    verdict(RuleId::AnnualPlan, status, problem)
}

/// 五(一) "重大事项需及时向市'百千万工程'指挥部报告": every matter raised in the year reached HQ
/// within `days` days of the day it arose (Asia/Shanghai dates: raised on 1 June, reported by
/// 8 June is within 7 days; on 9 June it is day 8, late). A year with no matter has nothing to
/// report, which is neither a success nor a failure: 不适用.
pub fn check_escalation(matters: &[MatterFact], days: u32) -> Verdict {
    if matters.is_empty() {
        return verdict(
            RuleId::Escalation,
            Status::NotApplicable,
            "本年度没有报告重大事项",
        );
    }
    let late: Vec<String> = matters
        .iter()
        .filter_map(|m| {
            let took = days_between(m.raised_on, m.reported_on);
            (took > days as i64).then(|| {
                format!(
                    "“{}”{} 发生，{} 才报告（第 {took} 天）",
                    m.summary, m.raised_on, m.reported_on
                )
            })
        })
        .collect();
    let n = matters.len();
    if late.is_empty() {
        verdict(
            RuleId::Escalation,
            Status::Met,
            format!("本年度 {n} 件重大事项均在发生后 {days} 天内报告市指挥部"),
        )
    } else {
        verdict(
            RuleId::Escalation,
            Status::NotMet,
            format!(
                "{} 件重大事项超过 {days} 天才报告市指挥部：{}",
                late.len(),
                late.join("；")
            ),
        )
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_status_has_its_own_icon() {
        let mut icons: Vec<&str> = Status::ALL.iter().map(|s| s.icon()).collect();
        icons.sort();
        icons.dedup();
        assert_eq!(icons.len(), Status::ALL.len());
    }
    use super::*;

    #[test]
    fn escalation_day_seven_is_in_time_and_day_eight_is_late() {
        let matter = |raised: &str, reported: &str| MatterFact {
            summary: "道路塌方".into(),
            raised_on: raised.parse().unwrap(),
            reported_on: reported.parse().unwrap(),
        };
        let on_time = [matter("2026-06-01", "2026-06-08")];
        assert_eq!(check_escalation(&on_time, 7).status, Status::Met);
        let same_day = [matter("2026-06-01", "2026-06-01")];
        assert_eq!(check_escalation(&same_day, 7).status, Status::Met);
        let late = [
            matter("2026-06-01", "2026-06-08"),
            matter("2026-06-01", "2026-06-09"),
        ];
        let v = check_escalation(&late, 7);
        assert_eq!(v.status, Status::NotMet);
        assert!(v.reason.contains("第 8 天"), "{}", v.reason);
        assert!(v.reason.starts_with("1 件"), "{}", v.reason);
        // Across the year's end: 28 December to 4 January is 7 days.
        let new_year = [matter("2025-12-28", "2026-01-04")];
        assert_eq!(check_escalation(&new_year, 7).status, Status::Met);
        // The plan's number, not 7.
        assert_eq!(check_escalation(&on_time, 6).status, Status::NotMet);
        assert_eq!(check_escalation(&[], 7).status, Status::NotApplicable);
    }
    use crate::domain::ids::TeamMemberId;
    use jiff::civil::date;

    fn m(
        name: &str,
        org: Option<MemberRole>,
        role: TeamRole,
        title: Title,
        leader: bool,
    ) -> MemberFact {
        MemberFact {
            name: name.into(),
            org_role: org,
            role,
            title,
            school_leader: leader,
        }
    }

    const U: Option<MemberRole> = Some(MemberRole::University);
    const V: Option<MemberRole> = Some(MemberRole::VocationalSchool);

    fn good_team(n: usize) -> Vec<MemberFact> {
        let mut t = vec![
            m("队长甲", U, TeamRole::Captain, Title::Senior, true),
            m(
                "副队长乙",
                V,
                TeamRole::ViceCaptain,
                Title::ViceSenior,
                true,
            ),
        ];
        for i in 2..n {
            t.push(m(
                &format!("队员{i}"),
                U,
                TeamRole::Member,
                Title::Intermediate,
                false,
            ));
        }
        t
    }

    #[test]
    fn captain_cases() {
        let cases: Vec<(&str, Vec<MemberFact>, Status, &str)> = vec![
            ("a good captain", good_team(6), Status::Met, "队长甲"),
            (
                "no captain",
                vec![m("乙", V, TeamRole::ViceCaptain, Title::Senior, true)],
                Status::NotMet,
                "未设队长",
            ),
            (
                "two captains",
                vec![
                    m("甲", U, TeamRole::Captain, Title::Senior, true),
                    m("丙", U, TeamRole::Captain, Title::Senior, true),
                ],
                Status::NotMet,
                "有 2 名队长（甲、丙）",
            ),
            (
                "captain from the vocational school",
                vec![m("丁", V, TeamRole::Captain, Title::Senior, true)],
                Status::NotMet,
                "队长 丁 不属于本组签约高校",
            ),
            (
                "captain not a school leader",
                vec![m("戊", U, TeamRole::Captain, Title::Senior, false)],
                Status::NotMet,
                "队长 戊 不是校级领导",
            ),
            (
                "captain from outside the group",
                vec![m("己", None, TeamRole::Captain, Title::Senior, true)],
                Status::NotMet,
                "不属于本组签约高校",
            ),
        ];
        for (what, team, status, reason) in cases {
            let v = check_team_captain(&team);
            assert_eq!(v.status, status, "{what}");
            assert!(v.reason.contains(reason), "{what}: {}", v.reason);
            assert_eq!(v.rule.clause(), "四(一)");
        }
    }

    #[test]
    fn agreement_deadline_clamps_to_month_end() {
        assert_eq!(agreement_deadline(date(2024, 1, 31), 1), date(2024, 2, 29));
        assert_eq!(agreement_deadline(date(2023, 1, 31), 1), date(2023, 2, 28));
        assert_eq!(agreement_deadline(date(2023, 12, 29), 1), date(2024, 1, 29));
        assert_eq!(agreement_deadline(date(2024, 3, 31), 1), date(2024, 4, 30));
    }

    #[test]
    fn agreement_state_around_the_deadline() {
        let start = date(2024, 1, 31);
        assert_eq!(
            agreement_state(start, 1, Some(date(2024, 2, 29)), date(2024, 5, 1), 7),
            AgreementState::SignedOnTime
        );
        assert_eq!(
            agreement_state(start, 1, Some(date(2024, 3, 2)), date(2024, 5, 1), 7),
            AgreementState::SignedLate { days: 2 }
        );
        assert_eq!(
            agreement_state(start, 1, None, date(2024, 2, 21), 7),
            AgreementState::Unsigned { days_left: 8 }
        );
        assert_eq!(
            agreement_state(start, 1, None, date(2024, 2, 22), 7),
            AgreementState::DueSoon { days_left: 7 }
        );
        assert_eq!(
            agreement_state(start, 1, None, date(2024, 2, 29), 7),
            AgreementState::DueSoon { days_left: 0 }
        );
        assert_eq!(
            agreement_state(start, 1, None, date(2024, 3, 1), 7),
            AgreementState::Overdue { days: 1 }
        );
    }

    fn entry(from: Date, to: Date, members: &[&str], confirmed: bool) -> OnsiteFact {
        OnsiteFact {
            from,
            to,
            members: members
                .iter()
                .map(|s| TeamMemberId::from_db(s.to_string()))
                .collect(),
            confirmed,
        }
    }

    #[test]
    fn overlapping_entries_count_once() {
        let start = date(2023, 12, 29);
        let entries = vec![
            entry(date(2024, 3, 1), date(2024, 3, 10), &["a"], false),
            entry(date(2024, 3, 5), date(2024, 3, 12), &["b"], false),
            entry(date(2024, 3, 5), date(2024, 3, 6), &["a"], false),
        ];
        let p = onsite_progress(&entries, 2024, start, None, 90, false);
        assert_eq!(p.team_days, 12, "1–12 March");
        assert_eq!(p.person_days, 10 + 8, "a on 1–10, b on 5–12");
        // Entries across the new year count only their days inside the year.
        let across = vec![entry(date(2024, 12, 30), date(2025, 1, 2), &["a"], false)];
        assert_eq!(
            onsite_progress(&across, 2024, start, None, 90, false).team_days,
            2
        );
        assert_eq!(
            onsite_progress(&across, 2025, start, None, 90, false).team_days,
            2
        );
        // An entry with nobody on site counts for nothing.
        assert_eq!(
            onsite_progress(
                &[entry(date(2024, 1, 1), date(2024, 1, 5), &[], false)],
                2024,
                start,
                None,
                90,
                false
            )
            .team_days,
            0
        );
    }

    #[test]
    fn unconfirmed_days_do_not_count_when_confirmation_is_required() {
        let start = date(2023, 12, 29);
        let entries = vec![
            entry(date(2024, 3, 1), date(2024, 3, 10), &["a"], true),
            entry(date(2024, 3, 8), date(2024, 3, 15), &["b"], false),
        ];
        let p = onsite_progress(&entries, 2024, start, None, 90, true);
        assert_eq!((p.team_days, p.unconfirmed_days), (10, 5));
        assert!(
            check_onsite(
                &p,
                2024,
                OnsiteWindow::Open {
                    days_left: 200,
                    last: date(2024, 12, 31)
                }
            )
            .reason
            .contains("另有 5 天待镇村确认")
        );
        let p = onsite_progress(&entries, 2024, start, None, 90, false);
        assert_eq!((p.team_days, p.unconfirmed_days), (15, 0));
    }

    #[test]
    fn pro_rating_for_a_group_that_started_on_1_july() {
        // 2024 is a leap year: 1 July – 31 Dec is 184 of 366 days; 90 × 184 / 366 = 45.2 → 46.
        assert_eq!(required_onsite_days(2024, date(2024, 7, 1), None, 90), 46);
        // 2025: 184 of 365 → 45.4 → 46.
        assert_eq!(required_onsite_days(2025, date(2025, 7, 1), None, 90), 46);
        assert_eq!(required_onsite_days(2024, date(2023, 12, 29), None, 90), 90);
        // The Dongguan groups started on 29 December 2023: three days of 2023.
        assert_eq!(required_onsite_days(2023, date(2023, 12, 29), None, 90), 1);
        // A group that ended on 1 July (exclusive) was active 182 days of 2024.
        assert_eq!(
            required_onsite_days(2024, date(2023, 1, 1), Some(date(2024, 7, 1)), 90),
            45
        );
        assert_eq!(required_onsite_days(2022, date(2023, 1, 1), None, 90), 0);
        let p = onsite_progress(
            &[entry(date(2024, 7, 1), date(2024, 8, 15), &["a"], false)],
            2024,
            date(2024, 7, 1),
            None,
            90,
            false,
        );
        assert_eq!((p.team_days, p.required), (46, 46));
        assert_eq!(
            check_onsite(&p, 2024, OnsiteWindow::Closed).status,
            Status::Met
        );
    }
}
