//! Gathers a group's facts for a period from the store and hands them to the pure rules of
//! `domain::rules`. Shared by the group pages, the API and (later) the compliance matrix.

use crate::domain::plan::RuleParams;
use crate::domain::rules::{self, MemberFact, OnsiteFact, OnsiteProgress, Verdict};
use crate::domain::team::Title;
use crate::store::onsite::OnsiteRow;
use crate::store::team::{TeamMemberRow, school_role_on};
use crate::store::{GroupRow, Store};
use jiff::civil::Date;

/// The rules [`group_checks`] evaluates, in its order.
pub const CHECKED_RULES: [&str; 7] = [
    "agreement",
    "team-size",
    "team-captain",
    "team-vice",
    "team-title",
    "onsite",
    "base",
];

pub struct GroupChecks {
    pub year: i16,
    /// The date the year's facts are read on: 31 December, or today while the year runs.
    pub as_of: Date,
    pub verdicts: Vec<Verdict>,
    pub onsite: OnsiteProgress,
}

pub fn group_start(group: &GroupRow) -> Date {
    group
        .started_on
        .parse()
        .unwrap_or(Date::constant(2023, 12, 29))
}

fn group_end(group: &GroupRow) -> Option<Date> {
    group.ended_on.as_deref().and_then(|d| d.parse().ok())
}

/// The title ordinary members need (checked when the plan file is loaded).
pub fn min_title(rules: &RuleParams) -> Title {
    Title::parse(&rules.team_min_title).unwrap_or(Title::Intermediate)
}

/// The team as it stood on `date`, as the rules see it.
pub fn team_facts(group: &GroupRow, team: &[TeamMemberRow], date: Date) -> Vec<MemberFact> {
    team.iter()
        .filter(|m| m.active_on(date))
        .map(|m| MemberFact {
            name: m.person_name.clone(),
            org_role: school_role_on(group, &m.org_id, date),
            role: m.role,
            title: m.title,
            school_leader: m.school_leader,
        })
        .collect()
}

/// The four composition rules of 四(一) for the team on `date`.
pub fn team_verdicts(
    group: &GroupRow,
    team: &[TeamMemberRow],
    rules: &RuleParams,
    date: Date,
) -> Vec<Verdict> {
    let facts = team_facts(group, team, date);
    let has_vocational = group
        .members_on(
            crate::domain::org::MemberRole::VocationalSchool,
            &date.to_string(),
        )
        .next()
        .is_some();
    vec![
        rules::check_team_size(&facts, rules.team_min_members),
        rules::check_team_captain(&facts),
        rules::check_team_vice(&facts, has_vocational),
        rules::check_team_title(&facts, min_title(rules)),
    ]
}

pub async fn onsite_progress(
    store: &Store,
    group: &GroupRow,
    rules: &RuleParams,
    year: i16,
) -> sqlx::Result<OnsiteProgress> {
    let first = Date::new(year, 1, 1).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let last = Date::new(year, 12, 31).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let entries = store.list_onsite(&group.id, first, last).await?;
    Ok(progress_of(group, rules, year, &entries))
}

/// Progress for `year` from entries already loaded (those overlapping the year).
pub fn progress_of(
    group: &GroupRow,
    rules: &RuleParams,
    year: i16,
    entries: &[OnsiteRow],
) -> OnsiteProgress {
    let facts: Vec<OnsiteFact> = entries
        .iter()
        .map(|e| OnsiteFact {
            from: e.date_from,
            to: e.date_to,
            member_ids: e.member_ids.iter().map(|m| m.to_string()).collect(),
            confirmed: e.confirmed_at.is_some(),
        })
        .collect();
    rules::onsite_progress(
        &facts,
        year,
        group_start(group),
        group_end(group),
        rules.onsite_min_days,
        rules.onsite_requires_confirmation,
    )
}

/// Every rule this platform checks so far, for one group and calendar year.
pub async fn group_checks(
    store: &Store,
    group: &GroupRow,
    rules: &RuleParams,
    year: i16,
    today: Date,
) -> sqlx::Result<GroupChecks> {
    let as_of = rules::as_of_for_year(year, today);
    let start = group_start(group);
    let agreement = store.get_agreement(&group.id).await?;
    let team = store.list_team(&group.id).await?;
    let bases = store.list_bases(&group.id).await?;
    let onsite = onsite_progress(store, group, rules, year).await?;

    let year_start = Date::new(year, 1, 1).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let verdicts = if today < year_start {
        // A year that has not begun: nothing in it is due yet.
        CHECKED_RULES
            .iter()
            .map(|id| Verdict {
                rule: rules::rule(id),
                status: rules::Status::NotYetDue,
                reason: format!("{year} 年尚未开始"),
            })
            .collect()
    } else if as_of < start {
        // The period asked about ends before the group began: nothing is due in it.
        CHECKED_RULES
            .iter()
            .map(|id| Verdict {
                rule: rules::rule(id),
                status: rules::Status::NotYetDue,
                reason: format!("结对组自 {start} 起开展工作"),
            })
            .collect()
    } else {
        let mut v = vec![rules::check_agreement(
            start,
            rules.agreement_months,
            agreement.and_then(|a| a.signed_on),
            as_of,
        )];
        v.extend(team_verdicts(group, &team, rules, as_of));
        v.push(rules::check_onsite(&onsite, year, as_of));
        let opened: Vec<Date> = bases.iter().map(|b| b.opened_on).collect();
        v.push(rules::check_base(&opened, as_of, rules.bases_min));
        v
    };
    Ok(GroupChecks {
        year,
        as_of,
        verdicts,
        onsite,
    })
}
