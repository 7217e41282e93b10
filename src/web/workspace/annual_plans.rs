//! 年度合作计划: a year's plan (year picker), its header, its items with each target against the
//! outcome figures recorded so far in the year, the forms to add an item and to correct one (its
//! year-end status included, with the 修改记录), the withdraw confirmation and the export.

use super::bases::ConfirmRemovePage;
use super::{Choice, GroupHead, Workspace, parse_year};
use crate::AppState;
use crate::domain::annual_plan::{PlanHeaderInput, PlanItemInput, YearEndStatus, plain_amount};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::annual_plans::{self as services, ItemView, parse_plan_year};
use crate::store::annual_plans::PlanItemRow;
use crate::web::forms::{ErrorSummary, saved_notice};
use crate::web::pages::{Chrome, audited_xlsx, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const FIELDS: &[(&str, &str)] = &[
    ("计划名称", "title"),
    ("说明", "notes"),
    ("合作领域", "area"),
    ("计划事项", "text"),
    ("目标指标", "target_code"),
    ("目标数值", "target_amount"),
    ("关联项目", "project"),
    ("年终完成情况", "year_end_status"),
    ("年终说明", "year_end_note"),
];

fn plan_path(ws: &Workspace, year: i16) -> String {
    format!("/groups/{}/annual-plan?year={year}", ws.group().id)
}

/// Back to the plan of `year` with a notice (`saved_redirect` takes a path without a query, and
/// this page needs its year).
fn back(ws: &Workspace, year: i16, key: &'static str) -> Response {
    debug_assert!(saved_notice(Some(key)).is_some(), "unknown notice {key}");
    let to = format!(
        "/groups/{}/annual-plan?year={year}&saved={key}#saved",
        ws.group().id
    );
    axum::response::Redirect::to(&to).into_response()
}

#[derive(Deserialize, Default)]
pub struct HeaderForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    notes: String,
}

#[derive(Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    target_code: String,
    #[serde(default)]
    target_amount: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    year_end_status: String,
    #[serde(default)]
    year_end_note: String,
}

impl ItemForm {
    fn input(&self) -> PlanItemInput {
        PlanItemInput {
            area: self.area.clone(),
            text: self.text.clone(),
            target_code: self.target_code.clone(),
            target_amount: self.target_amount.clone(),
            project: self.project.clone(),
            year_end_status: self.year_end_status.clone(),
            year_end_note: self.year_end_note.clone(),
        }
    }

    fn of(ws: &Workspace, i: &PlanItemRow) -> Self {
        let kind = i
            .target_code
            .as_deref()
            .and_then(|c| ws.plan.outcome(c))
            .map(|(_, f)| f.kind)
            .unwrap_or_default();
        Self {
            area: i.area.to_string(),
            text: i.text.clone(),
            target_code: i.target_code.clone().unwrap_or_default(),
            target_amount: i
                .target_amount
                .map(|a| plain_amount(kind, a))
                .unwrap_or_default(),
            project: i.project_id.clone().unwrap_or_default(),
            year_end_status: i
                .year_end_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            year_end_note: i.year_end_note.clone(),
        }
    }
}

/// The item form's selects, with what was typed selected.
pub struct ItemChoices {
    pub areas: Vec<Choice>,
    pub targets: Vec<Choice>,
    pub projects: Vec<Choice>,
    pub statuses: Vec<Choice>,
}

async fn item_choices(
    state: &AppState,
    ws: &Workspace,
    form: &ItemForm,
) -> Result<ItemChoices, AppError> {
    let projects = state.store.project_choices(&ws.group().id).await?;
    Ok(ItemChoices {
        areas: ws
            .plan
            .areas
            .iter()
            .map(|a| Choice {
                value: a.number.to_string(),
                label: format!("{} {}", a.number, a.name),
                selected: form.area.trim() == a.number.to_string(),
            })
            .collect(),
        targets: ws
            .plan
            .areas
            .iter()
            .flat_map(|a| {
                a.outcomes.iter().map(move |o| Choice {
                    value: o.code.clone(),
                    label: format!("（领域 {}）{}（{}）", a.number, o.label, o.unit),
                    selected: form.target_code.trim() == o.code,
                })
            })
            .collect(),
        projects: projects
            .into_iter()
            .map(|p| Choice {
                selected: form.project.trim() == p.id,
                value: p.id,
                label: format!("（领域 {}）{}", p.area, p.title),
            })
            .collect(),
        statuses: YearEndStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: form.year_end_status.trim() == s.as_str(),
            })
            .collect(),
    })
}

/// An item as the plan shows it.
pub struct ItemLine {
    pub id: String,
    pub area: String,
    pub text: String,
    pub target: String,
    pub recorded: String,
    pub percent: i64,
    pub reached: bool,
    pub project: String,
    pub status: String,
    pub note: String,
}

fn item_line(v: &ItemView) -> ItemLine {
    ItemLine {
        id: v.item.id.to_string(),
        area: v.area_name.clone(),
        text: v.item.text.clone(),
        target: v
            .progress
            .as_ref()
            .map(|p| format!("{} {}", p.label, p.target_text()))
            .unwrap_or_default(),
        recorded: v
            .progress
            .as_ref()
            .map(|p| p.recorded_text())
            .unwrap_or_default(),
        percent: v.progress.as_ref().map_or(0, |p| p.percent()),
        reached: v.progress.as_ref().is_some_and(|p| p.reached()),
        project: v.item.project_title.clone().unwrap_or_default(),
        status: v
            .item
            .year_end_status
            .map_or_else(|| "未评定".to_string(), |s| s.label().to_string()),
        note: v.item.year_end_note.clone(),
    }
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    year: Option<String>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/annual_plan.html")]
struct PlanPage {
    chrome: Chrome,
    head: GroupHead,
    year: i16,
    exists: bool,
    backfilled: bool,
    title: String,
    notes: String,
    verdict: Option<super::VerdictLine>,
    items: Vec<ItemLine>,
    can_write: bool,
    header: HeaderForm,
    form: ItemForm,
    choices: ItemChoices,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[allow(clippy::too_many_arguments)]
async fn plan_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    year: i16,
    saved: Option<&str>,
    header: Option<HeaderForm>,
    form: ItemForm,
    summary: Option<ErrorSummary>,
) -> Result<PlanPage, AppError> {
    let view = services::plan_of_year(&state.store, ws, year).await?;
    let checks = ws.checks(state, year).await?;
    let verdict = checks
        .verdicts
        .get(crate::domain::rules::RuleId::AnnualPlan)
        .map(|v| super::VerdictLine::new(&checks.plan, v));
    let header = header.unwrap_or_else(|| HeaderForm {
        title: view
            .as_ref()
            .map(|v| v.plan.title.clone())
            .unwrap_or_default(),
        notes: view
            .as_ref()
            .map(|v| v.plan.notes.clone())
            .unwrap_or_default(),
    });
    Ok(PlanPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("annual-plan"),
        year,
        exists: view.is_some(),
        backfilled: view.as_ref().is_some_and(|v| v.plan.backfilled),
        title: view
            .as_ref()
            .map_or_else(|| format!("{year} 年度合作计划"), |v| v.plan.title.clone()),
        notes: view
            .as_ref()
            .map(|v| v.plan.notes.clone())
            .unwrap_or_default(),
        verdict,
        items: view
            .as_ref()
            .map(|v| v.items.iter().map(item_line).collect())
            .unwrap_or_default(),
        can_write: services::may_write(user, ws),
        header,
        choices: item_choices(state, ws, &form).await?,
        form,
        summary,
        saved: saved_notice(saved),
    })
}

pub async fn get_plan(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let page = plan_page(
        &state,
        &user,
        &ws,
        year,
        q.saved.as_deref(),
        None,
        ItemForm::default(),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn save_plan(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    f: CsrfForm<HeaderForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    let input = PlanHeaderInput {
        title: f.form.title.clone(),
        notes: f.form.notes.clone(),
    };
    match services::save_plan(&writer(&state, &user), &ws, year, &input).await {
        Ok(_) => Ok(back(&ws, year, "plan_saved")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = plan_page(
                &state,
                &user,
                &ws,
                year,
                None,
                Some(f.form),
                ItemForm::default(),
                Some(summary),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_item(
    State(state): State<AppState>,
    Path((id, year)): Path<(String, String)>,
    f: CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    match services::add_item(&writer(&state, &user), &ws, year, &f.form.input()).await {
        Ok(_) => Ok(back(&ws, year, "plan_item_added")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page =
                plan_page(&state, &user, &ws, year, None, None, f.form, Some(summary)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_plan(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, year)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    let view = services::plan_of_year(&state.store, &ws, year).await?;
    let table = Table {
        sheet: format!("{year}年度合作计划"),
        headers: vec![
            "合作领域",
            "计划事项",
            "目标指标",
            "目标数值",
            "已记录",
            "关联项目",
            "年终完成情况",
            "年终说明",
        ],
        rows: view
            .map(|v| v.items)
            .unwrap_or_default()
            .iter()
            .map(|v| {
                vec![
                    v.area_name.clone(),
                    v.item.text.clone(),
                    v.progress
                        .as_ref()
                        .map(|p| format!("{}（{}）", p.label, p.unit))
                        .unwrap_or_default(),
                    v.progress
                        .as_ref()
                        .map(|p| p.target_plain())
                        .unwrap_or_default(),
                    v.progress
                        .as_ref()
                        .map(|p| p.recorded_plain())
                        .unwrap_or_default(),
                    v.item.project_title.clone().unwrap_or_default(),
                    v.item
                        .year_end_status
                        .map(|s| s.label().to_string())
                        .unwrap_or_default(),
                    v.item.year_end_note.clone(),
                ]
            })
            .collect(),
    };
    let file = format!("第{}组{year}年度合作计划.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "annual_plan", Some(&group), &file, &table).await
}

#[derive(Template)]
#[template(path = "pages/plan_item_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    year: i16,
    item_id: String,
    form: ItemForm,
    choices: ItemChoices,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn for_change(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    year: i16,
    item: &str,
) -> Result<PlanItemRow, AppError> {
    let row = services::item(&state.store, ws, year, item).await?;
    if !services::may_write(user, ws) {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    year: i16,
    row: &PlanItemRow,
    form: ItemForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let history = record_history(
        &state.store,
        ws,
        RecordKind::AnnualPlanItem,
        row.id.as_str(),
    )
    .await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("annual-plan"),
        year,
        item_id: row.id.to_string(),
        choices: item_choices(state, ws, &form).await?,
        form,
        summary,
        history,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, year, item)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    let row = for_change(&state, &user, &ws, year, &item).await?;
    let page = edit_page(
        &state,
        &user,
        &ws,
        year,
        &row,
        ItemForm::of(&ws, &row),
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_item(
    State(state): State<AppState>,
    Path((id, year, item)): Path<(String, String, String)>,
    f: CsrfForm<ItemForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    let row = for_change(&state, &user, &ws, year, &item).await?;
    let w = writer(&state, &user);
    let summary = match services::update_item(&w, &ws, year, &item, &f.form.input()).await {
        Ok(true) => return Ok(back(&ws, year, "plan_item_updated")),
        Ok(false) => return Ok(back(&ws, year, "plan_item_unchanged")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(e) => return Err(e.into()),
    };
    let page = edit_page(&state, &user, &ws, year, &row, f.form, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, year, item)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    let row = for_change(&state, &user, &ws, year, &item).await?;
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("annual-plan"),
        title: "撤回误录的计划事项".into(),
        facts: vec![
            ("年度", year.to_string()),
            (
                "合作领域",
                ws.plan
                    .area(row.area)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
            ),
            ("计划事项", row.text.clone()),
        ],
        notice: "确定撤回这一误录的计划事项？该事项将被删除，关联它的会议决定保留但不再关联，撤回记入审计日志。".into(),
        action: format!(
            "/groups/{}/annual-plan/{year}/items/{item}/withdraw",
            ws.group().id
        ),
        button: "确认撤回",
        cancel: plan_path(&ws, year),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn withdraw_item(
    State(state): State<AppState>,
    Path((id, year, item)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    services::withdraw_item(&writer(&state, &user), &ws, year, &item).await?;
    Ok(back(&ws, year, "plan_item_withdrawn"))
}
