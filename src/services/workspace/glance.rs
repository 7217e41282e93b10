//! 本年概览: a group's year at a glance — its projects by area and status with the outcome
//! figures recorded, expenses by party, meetings held against required, the annual plan's items,
//! open major matters, and what is left to do. The page and `GET /api/v1/groups/{id}/glance`
//! read it here; every count comes from the records, every verdict from the one evaluator.

use super::OpenedGroup;
use crate::domain::annual_plan::show_amount;
use crate::domain::money::show_yuan;
use crate::domain::next_steps::next_steps;
use crate::domain::project::ProjectStatus;
use crate::domain::rules;
use crate::services::ServiceError;
use crate::services::compliance::GroupChecks;
use crate::store::Store;
use crate::store::expenses::ExpenseFilter;
use crate::store::projects::ProjectFilter;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearGlance {
    pub year: i16,
    /// One line per area of the plan (areas without projects too).
    pub areas: Vec<AreaGlance>,
    /// What each party bore in the year (its agreed shares, else what it paid).
    pub expenses: Vec<PartyGlance>,
    /// The year's money spent in all, in yuan.
    pub expenses_cash: String,
    /// The year's contributions in kind at their estimated value, in yuan.
    pub expenses_in_kind: String,
    pub meetings_held: u32,
    /// The plan's number for the year, pro-rated for a group active only part of it.
    pub meetings_required: u32,
    pub annual_plan: Option<PlanGlance>,
    /// Major matters not yet answered by HQ, of any year.
    pub open_matters: Vec<MatterGlance>,
    /// What is left to do (or, for a year gone by, what fell short), in words.
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaGlance {
    pub area: u8,
    pub name: String,
    /// Projects running in the year by status: 计划中, 进行中, 已完成, 已暂停.
    pub planned: u32,
    pub active: u32,
    pub done: u32,
    pub paused: u32,
    /// Each outcome figure of the area: what the year's progress updates recorded.
    pub figures: Vec<FigureGlance>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FigureGlance {
    pub code: String,
    pub label: String,
    /// "30 人" or "1,200.00 元".
    pub total: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyGlance {
    pub org_id: String,
    pub name: String,
    /// Money borne, in yuan.
    pub cash: String,
    /// Contributions in kind at their estimated value, in yuan.
    pub in_kind: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanGlance {
    pub title: String,
    /// Whether a joint meeting of the year adopted it.
    pub adopted: bool,
    pub items: Vec<PlanItemGlance>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanItemGlance {
    pub area: i64,
    pub text: String,
    /// 完成 / 部分完成 / 未完成, or empty until judged at the year's end.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterGlance {
    pub id: String,
    pub summary: String,
    pub raised_on: String,
    /// 待指挥部签收 or 已签收.
    pub status: String,
}

/// The year at a glance of the opened group, from its checks for that year.
pub async fn year_at_a_glance(
    store: &Store,
    ws: &OpenedGroup,
    checks: &GroupChecks,
) -> Result<YearGlance, ServiceError> {
    let plan = &ws.plan;
    let g = &checks.facts;
    let year = checks.verdicts.period.year;
    let group = &ws.group().id;

    // Counted and summed in SQL: the page reads no project or expense row.
    let in_year = ProjectFilter {
        group: Some(group.clone()),
        year: Some(year),
        seen_by: ws.seen_by(),
        ..ProjectFilter::default()
    };
    let spent_in_year = ExpenseFilter {
        year: Some(year),
        seen_by: ws.seen_by(),
        ..ExpenseFilter::default()
    };
    let (counts, sums, by_party, spent, plan_of_year, open) = tokio::try_join!(
        store.project_status_counts(&in_year),
        store.outcome_sums(&crate::store::GroupScope::All, &in_year),
        store.party_totals(group, &spent_in_year),
        store.expense_sum(group, &spent_in_year),
        store.get_annual_plan(group, year),
        store.list_open_matters(group),
    )?;
    let areas = plan
        .areas
        .iter()
        .map(|a| {
            let count = |s: ProjectStatus| {
                counts
                    .iter()
                    .filter(|(area, status, _)| *area == a.number && *status == s)
                    .map(|(_, _, n)| *n as u32)
                    .sum()
            };
            AreaGlance {
                area: a.number,
                name: a.name.clone(),
                planned: count(ProjectStatus::Planned),
                active: count(ProjectStatus::Active),
                done: count(ProjectStatus::Done),
                paused: count(ProjectStatus::Paused),
                figures: a
                    .outcomes
                    .iter()
                    .map(|f| FigureGlance {
                        code: f.code.clone(),
                        label: f.label.clone(),
                        total: show_amount(
                            f.kind,
                            &f.unit,
                            sums.iter()
                                .find(|(area, code, _)| *area == a.number && *code == f.code)
                                .map_or(0, |(_, _, total)| *total),
                        ),
                    })
                    .collect(),
            }
        })
        .collect();
    let expenses = by_party
        .iter()
        .map(|(org, name, sum)| PartyGlance {
            org_id: org.to_string(),
            name: name.clone(),
            cash: show_yuan(sum.cash_fen),
            in_kind: show_yuan(sum.in_kind_fen),
        })
        .collect();

    let meetings_held = g
        .meetings
        .iter()
        .filter(|m| m.held_on.year() == year)
        .count() as u32;
    let meetings_required = rules::pro_rated(
        year,
        g.calendar.started_on,
        g.calendar.ended_on,
        plan.rules.meetings_min,
    );
    let annual_plan = plan_of_year.map(|p| PlanGlance {
        title: p.title,
        adopted: g
            .meetings
            .iter()
            .any(|m| m.held_on.year() == year && m.adopts_annual_plan),
        items: p
            .items
            .into_iter()
            .map(|i| PlanItemGlance {
                area: i.area,
                text: i.text,
                status: i
                    .year_end_status
                    .map(|s| s.label().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    });
    let open_matters = ws
        .visible(open, super::matters::made)
        .into_iter()
        .map(|m| MatterGlance {
            status: m.status().label().to_string(),
            id: m.id.to_string(),
            summary: m.summary,
            raised_on: m.raised_on.to_string(),
        })
        .collect();

    Ok(YearGlance {
        year,
        areas,
        expenses,
        expenses_cash: show_yuan(spent.cash_fen),
        expenses_in_kind: show_yuan(spent.in_kind_fen),
        meetings_held,
        meetings_required,
        annual_plan,
        open_matters,
        next_steps: next_steps(plan, g, &checks.verdicts),
    })
}
