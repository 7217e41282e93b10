//! 年度合作计划: the group's plan of a year (its header created or replaced), its items added,
//! corrected (year-end status included) and withdrawn, and each target read against the outcome
//! figures the group's projects recorded in that year. Written by the group's schools and towns
//! (as its meetings are), read by everyone who sees the group.

use super::{OpenedGroup, Writer};
use crate::domain::annual_plan::{
    PlanHeaderInput, PlanItemInput, parse_header, parse_item, plain_amount, show_amount,
};
use crate::domain::ids::{AnnualPlanId, PlanItemId};
use crate::domain::plan::{OutcomeKind, Plan};
use crate::services::ServiceError;
use crate::services::access::{self, Viewer};
use crate::store::Store;
use crate::store::annual_plans::{AnnualPlanRow, PlanItemRow};
use std::collections::HashMap;

/// Whether `viewer` may write the group's annual plans (the same people who record meetings).
pub fn may_write(viewer: &Viewer, ws: &OpenedGroup) -> bool {
    access::may_record_meetings(viewer, ws.group(), ws.today)
}

fn require_write(viewer: &Viewer, ws: &OpenedGroup) -> Result<(), ServiceError> {
    if may_write(viewer, ws) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// A year in a path or a query: 2000–2100; anything else is not a plan that can exist.
pub fn parse_plan_year(year: &str) -> Result<i16, ServiceError> {
    year.trim()
        .parse::<i16>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or(ServiceError::NotFound)
}

/// An item's target read against what the year recorded.
#[derive(Debug, Clone)]
pub struct TargetProgress {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub kind: OutcomeKind,
    pub target: i64,
    pub recorded: i64,
}

impl TargetProgress {
    pub fn target_text(&self) -> String {
        show_amount(self.kind, &self.unit, self.target)
    }

    pub fn recorded_text(&self) -> String {
        show_amount(self.kind, &self.unit, self.recorded)
    }

    pub fn target_plain(&self) -> String {
        plain_amount(self.kind, self.target)
    }

    pub fn recorded_plain(&self) -> String {
        plain_amount(self.kind, self.recorded)
    }

    /// Percentage reached (0–100, capped), for a progress bar.
    pub fn percent(&self) -> i64 {
        if self.target <= 0 {
            return 100;
        }
        (self.recorded.saturating_mul(100) / self.target).min(100)
    }

    pub fn reached(&self) -> bool {
        self.recorded >= self.target
    }
}

/// An item with its area's name and its target's progress.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: PlanItemRow,
    pub area_name: String,
    pub progress: Option<TargetProgress>,
}

/// The plan of a year as its page and the API show it.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: AnnualPlanRow,
    pub items: Vec<ItemView>,
}

fn item_view(plan: &Plan, totals: &HashMap<String, i64>, item: PlanItemRow) -> ItemView {
    let area_name = plan
        .area(item.area)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| format!("领域 {}", item.area));
    let progress = item
        .target_code
        .as_deref()
        .zip(item.target_amount)
        .map(|(code, target)| {
            let field = plan.outcome(code).map(|(_, f)| f);
            TargetProgress {
                code: code.to_string(),
                label: field.map_or_else(|| code.to_string(), |f| f.label.clone()),
                unit: field.map(|f| f.unit.clone()).unwrap_or_default(),
                kind: field.map(|f| f.kind).unwrap_or_default(),
                target,
                recorded: totals.get(code).copied().unwrap_or(0),
            }
        });
    ItemView {
        item,
        area_name,
        progress,
    }
}

/// The group's plan of `year` with each target against the figures recorded in the year; none
/// when the year has no plan yet.
pub async fn plan_of_year(
    store: &Store,
    ws: &OpenedGroup,
    year: i16,
) -> Result<Option<PlanView>, ServiceError> {
    let Some(mut plan) = store.get_annual_plan(&ws.group().id, year).await? else {
        return Ok(None);
    };
    let totals = store.outcome_totals(&ws.group().id, year).await?;
    let items = std::mem::take(&mut plan.items)
        .into_iter()
        .map(|i| item_view(&ws.plan, &totals, i))
        .collect();
    Ok(Some(PlanView { plan, items }))
}

/// Creates the plan of `year`, or replaces its header. Returns whether it was created.
pub async fn save_plan(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    year: i16,
    input: &PlanHeaderInput,
) -> Result<bool, ServiceError> {
    require_write(w.by, ws)?;
    let h = parse_header(input, year)?;
    let (_, created) = w
        .store
        .save_annual_plan(&w.actor(), w.now_ms, &ws.group().id, year, &h)
        .await?;
    Ok(created)
}

async fn plan_id(store: &Store, ws: &OpenedGroup, year: i16) -> Result<AnnualPlanId, ServiceError> {
    Ok(store
        .get_annual_plan(&ws.group().id, year)
        .await?
        .ok_or_else(|| {
            ServiceError::Conflict(format!(
                "本组尚无 {year} 年度合作计划；请先建立计划，再添加事项"
            ))
        })?
        .id)
}

async fn check_project(
    store: &Store,
    ws: &OpenedGroup,
    project: Option<&str>,
) -> Result<(), ServiceError> {
    if let Some(p) = project
        && !store.project_exists(&ws.group().id, p).await?
    {
        return Err(
            crate::domain::FieldError::new("关联项目", "请从列表中选择本组的合作项目").into(),
        );
    }
    Ok(())
}

/// Adds an item to the plan of `year` (which must exist).
pub async fn add_item(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    year: i16,
    input: &PlanItemInput,
) -> Result<PlanItemId, ServiceError> {
    require_write(w.by, ws)?;
    let plan = plan_id(w.store, ws, year).await?;
    let x = parse_item(input, &ws.plan)?;
    check_project(w.store, ws, x.project.as_deref()).await?;
    Ok(w.store
        .add_plan_item(&w.actor(), w.now_ms, &ws.group().id, &plan, &x)
        .await?)
}

fn item_id(id: &str) -> Result<PlanItemId, ServiceError> {
    PlanItemId::parse(id).ok_or(ServiceError::NotFound)
}

/// One item of the plan of `year`; not found for another group's or another year's.
pub async fn item(
    store: &Store,
    ws: &OpenedGroup,
    year: i16,
    id: &str,
) -> Result<PlanItemRow, ServiceError> {
    store
        .get_plan_item(&ws.group().id, year, &item_id(id)?)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// An item with its progress, for the API's answer to a correction.
pub async fn item_view_of(
    store: &Store,
    ws: &OpenedGroup,
    year: i16,
    id: &str,
) -> Result<ItemView, ServiceError> {
    let row = item(store, ws, year, id).await?;
    let totals = store.outcome_totals(&ws.group().id, year).await?;
    Ok(item_view(&ws.plan, &totals, row))
}

/// Corrects an item (its year-end status included). Returns whether anything changed.
pub async fn update_item(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    year: i16,
    id: &str,
    input: &PlanItemInput,
) -> Result<bool, ServiceError> {
    require_write(w.by, ws)?;
    let row = item(w.store, ws, year, id).await?;
    let x = parse_item(input, &ws.plan)?;
    check_project(w.store, ws, x.project.as_deref()).await?;
    Ok(w.store
        .update_plan_item(&w.actor(), w.now_ms, &ws.group().id, year, &row.id, &x)
        .await?)
}

/// Withdraws an item entered by mistake.
pub async fn withdraw_item(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    year: i16,
    id: &str,
) -> Result<(), ServiceError> {
    require_write(w.by, ws)?;
    let id = item_id(id)?;
    Ok(w.store
        .withdraw_plan_item(&w.actor(), w.now_ms, &ws.group().id, year, &id)
        .await?)
}
