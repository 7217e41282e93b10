//! 统计图表 and the year's figures per group they (and the public overview) draw on. Every
//! verdict and every count of days or meetings is the one evaluator's (`compliance::year_checks`
//! for the viewer's groups in one batch); the city's monthly rates are `compliance::report_year`'s;
//! projects are counted per group and area by one grouped query.

use super::ServiceError;
use super::access::{self, Viewer};
use super::compliance::{self, MonthRates};
use crate::domain::evaluator::meetings_in;
use crate::domain::ids::GroupId;
use crate::domain::org::MemberRole;
use crate::domain::plan::Plan;
use crate::domain::rules::{self, OnsiteProgress, RuleId, Status, year_bounds};
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use crate::store::{GroupFilter, GroupRow, GroupScope, Store};
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Arc;

/// One group's year in figures, with its verdicts (statuses only: no reasons, which may name
/// people).
pub struct GroupYear {
    pub group_id: GroupId,
    pub number: i64,
    pub lead_town: String,
    /// The organisations that were members at some time in the year, by role (town, villages,
    /// university, vocational schools), as the pairing table names them.
    pub members: Vec<(MemberRole, String)>,
    /// On-site team-days counted and the threshold, pro-rated (四(二)).
    pub onsite: OnsiteProgress,
    /// Joint meetings held in the year and the number required, pro-rated (五(一)).
    pub meetings_held: u32,
    pub meetings_required: u32,
    /// Projects running in the year (三(一)–(六)).
    pub projects: i64,
    /// Every group rule's status, in the evaluator's order.
    pub statuses: Vec<(RuleId, Status)>,
}

impl GroupYear {
    pub fn status(&self, rule: RuleId) -> Option<Status> {
        self.statuses
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, s)| *s)
    }

    /// "第 3 组（凤岗镇）".
    pub fn label(&self) -> String {
        format!("第 {} 组（{}）", self.number, self.lead_town)
    }
}

/// The groups of `scope` (all of them, or a member organisation's) with their year in figures,
/// by number, and the projects per area over them.
pub async fn group_years(
    store: &Store,
    plans: &PlanCache,
    scope: &GroupScope,
    year: i16,
    today: Date,
) -> sqlx::Result<(Vec<GroupYear>, HashMap<u8, i64>)> {
    let (mut rows, _) = store
        .list_groups(
            scope,
            &GroupFilter {
                q: None,
                limit: i64::MAX / 2,
                offset: 0,
            },
        )
        .await?;
    rows.sort_by_key(|g| g.number);
    let ids: Vec<GroupId> = rows.iter().map(|g| g.id.clone()).collect();
    let set = match scope {
        GroupScope::All => GroupSet::All,
        _ => GroupSet::Ids(&ids),
    };
    let checks = compliance::year_checks(store, plans, set, year, today).await?;
    let by_id: HashMap<&GroupId, &compliance::GroupChecks> =
        checks.iter().map(|c| (&c.facts.id, c)).collect();
    let mut per_group: HashMap<GroupId, i64> = HashMap::new();
    let mut per_area: HashMap<u8, i64> = HashMap::new();
    let counts = store.project_counts(year).await?;
    for c in counts.iter().filter(|c| by_id.contains_key(&c.group_id)) {
        *per_group.entry(c.group_id.clone()).or_default() += c.projects;
        *per_area.entry(c.area).or_default() += c.projects;
    }
    let (first, last) = year_bounds(year);
    let out = rows
        .iter()
        .filter_map(|row| {
            let c = by_id.get(&row.id)?;
            let g = &c.facts;
            let v = &c.verdicts;
            Some(GroupYear {
                group_id: row.id.clone(),
                number: row.number,
                lead_town: row.lead_town.clone(),
                members: members_in_year(row, first, last),
                onsite: v.onsite,
                meetings_held: meetings_in(g, &v.period).len() as u32,
                meetings_required: rules::pro_rated(
                    year,
                    g.calendar.started_on,
                    g.calendar.ended_on,
                    c.plan.rules.meetings_min,
                ),
                projects: per_group.get(&row.id).copied().unwrap_or(0),
                statuses: v.verdicts.iter().map(|x| (x.rule, x.status)).collect(),
            })
        })
        .collect();
    Ok((out, per_area))
}

fn members_in_year(row: &GroupRow, first: Date, last: Date) -> Vec<(MemberRole, String)> {
    let mut m: Vec<(MemberRole, String)> = row
        .members
        .iter()
        .filter(|m| m.effective_from <= last && m.effective_to.is_none_or(|to| to > first))
        .map(|m| (m.role, m.name_in(&row.lead_town)))
        .collect();
    m.sort();
    m.dedup();
    m
}

/// What the charts page draws for a viewer and a year.
pub struct Charts {
    pub year: i16,
    pub plan: Option<Arc<Plan>>,
    /// (a) The city's reporting and on-time rates per month; empty for a member organisation's
    /// user (it sees its own groups only, and the city's rates are the bureau's).
    pub months: Vec<MonthRates>,
    /// (b), (d) Each group's on-site days and meetings.
    pub groups: Vec<GroupYear>,
    /// (c) Projects running in the year per area of the plan (every area, zeros included).
    pub areas: Vec<(u8, String, i64)>,
    /// Whether these are every group of the programme (else the viewer's own).
    pub whole_programme: bool,
}

/// 统计图表 for `viewer`: the bureau and HQ see the whole programme; a school, town or village
/// its own groups; the administrators nothing (三权分立).
pub async fn charts(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    now_ms: i64,
    today: Date,
) -> Result<Charts, ServiceError> {
    access::require_business(viewer)?;
    let whole_programme = access::sees_programme(viewer);
    // The plan in force in the year charted (its thresholds are the ones the verdicts read).
    let plan = plans
        .current_years(store)
        .await?
        .map(|(_, years)| years.for_year(year).clone());
    let (groups, per_area) =
        group_years(store, plans, &access::group_scope(viewer), year, today).await?;
    let months = if whole_programme {
        compliance::report_year(store, plans, year, now_ms, today, None)
            .await?
            .1
    } else {
        Vec::new()
    };
    let areas = plan
        .as_deref()
        .map(|p| {
            p.areas
                .iter()
                .map(|a| {
                    (
                        a.number,
                        a.name.clone(),
                        per_area.get(&a.number).copied().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Charts {
        year,
        plan,
        months,
        groups,
        areas,
        whole_programme,
    })
}
