//! 年度合作计划 through the API: a year's plan with each target against the outcome figures
//! recorded so far, its header created or replaced, items added, corrected and withdrawn.

use super::{Created, body, created, open};
use crate::AppState;
use crate::domain::annual_plan::{PlanHeaderInput, PlanItemInput, plain_amount};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::ServiceError;
use crate::services::workspace::annual_plans::{self, ItemView, parse_plan_year};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TargetDto {
    /// The outcome figure's code in the plan file (people_trained …) and its label.
    pub code: String,
    pub label: String,
    pub unit: String,
    /// count or money.
    pub kind: String,
    /// The target, as typed back: a count, or yuan for money ("50000.00").
    pub target: String,
    /// The raw integer (fen for money).
    pub target_amount: i64,
    /// What the group's project updates dated in the year recorded so far.
    pub recorded: String,
    pub recorded_amount: i64,
    pub reached: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PlanItemDto {
    pub id: String,
    pub area: i64,
    pub area_name: String,
    pub text: String,
    pub target: Option<TargetDto>,
    pub project_id: Option<String>,
    pub project_title: Option<String>,
    /// done (完成), partial (部分完成), not_done (未完成), or null until judged.
    pub year_end_status: Option<String>,
    pub year_end_note: String,
}

fn item_dto(v: ItemView) -> PlanItemDto {
    PlanItemDto {
        id: v.item.id.to_string(),
        area: v.item.area,
        area_name: v.area_name,
        text: v.item.text,
        target: v.progress.map(|p| TargetDto {
            target: plain_amount(p.kind, p.target),
            recorded: plain_amount(p.kind, p.recorded),
            reached: p.reached(),
            code: p.code,
            label: p.label,
            unit: p.unit,
            kind: match p.kind {
                crate::domain::plan::OutcomeKind::Money => "money".into(),
                crate::domain::plan::OutcomeKind::Count => "count".into(),
            },
            target_amount: p.target,
            recorded_amount: p.recorded,
        }),
        project_id: v.item.project_id,
        project_title: v.item.project_title,
        year_end_status: v.item.year_end_status.map(|s| s.as_str().into()),
        year_end_note: v.item.year_end_note,
    }
}

#[derive(Serialize, ToSchema)]
pub struct AnnualPlanDto {
    pub id: String,
    pub year: i16,
    pub title: String,
    pub notes: String,
    pub items: Vec<PlanItemDto>,
}

/// The group's plan of `year`, each target against the figures recorded in that year.
#[utoipa::path(get, path = "/api/v1/groups/{id}/annual-plans/{year}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("year" = String, Path, description = "Calendar year, 2000–2100")),
    responses((status = 200, body = AnnualPlanDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, description = "No such group, or no plan for that year yet", body = ErrorBody)))]
pub async fn get_annual_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, year)): Path<(String, String)>,
) -> Result<Json<AnnualPlanDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    let v = annual_plans::plan_of_year(&state.store, &ws, year)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(Json(AnnualPlanDto {
        id: v.plan.id.to_string(),
        year: v.plan.year,
        title: v.plan.title,
        notes: v.plan.notes,
        items: v.items.into_iter().map(item_dto).collect(),
    }))
}

/// The plan's header (unknown fields are refused).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnualPlanRequest {
    /// Left out or empty: "2026 年度合作计划".
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Creates the group's plan of `year` (one per year), or replaces its header.
#[utoipa::path(put, path = "/api/v1/groups/{id}/annual-plans/{year}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("year" = String, Path, description = "Calendar year, 2000–2100")),
    request_body = AnnualPlanRequest,
    responses(
        (status = 200, description = "The header replaced", body = AnnualPlanDto),
        (status = 201, description = "The plan created", body = AnnualPlanDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school or town user of the group", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Created by someone else at the same moment", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn save_annual_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, year_text)): Path<(String, String)>,
    req: Result<Json<AnnualPlanRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<AnnualPlanDto>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    let year = parse_plan_year(&year_text)?;
    if !annual_plans::may_write(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let r = body(req)?;
    let input = PlanHeaderInput {
        title: r.title.unwrap_or_default(),
        notes: r.notes.unwrap_or_default(),
    };
    let created = annual_plans::save_plan(&writer(&state, &user), &ws, year, &input).await?;
    let Json(dto) = get_annual_plan(State(state), ApiUser(user), Path((id, year_text))).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(dto)))
}

/// A plan item as added or corrected (unknown fields are refused).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemRequest {
    /// The area's number in the plan file (1–6 in Dongguan's).
    #[serde(default)]
    pub area: i64,
    #[serde(default)]
    pub text: String,
    /// An outcome figure code of the area, with `target_amount`; both or neither.
    #[serde(default)]
    pub target_code: Option<String>,
    /// A whole count, or yuan as text for a money figure ("50000.50"). Send text.
    #[serde(default)]
    pub target_amount: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    /// done, partial or not_done; null until judged.
    #[serde(default)]
    pub year_end_status: Option<String>,
    #[serde(default)]
    pub year_end_note: Option<String>,
}

impl PlanItemRequest {
    fn input(self) -> PlanItemInput {
        PlanItemInput {
            area: if self.area == 0 {
                String::new()
            } else {
                self.area.to_string()
            },
            text: self.text,
            target_code: self.target_code.unwrap_or_default(),
            target_amount: self.target_amount.unwrap_or_default(),
            project: self.project_id.unwrap_or_default(),
            year_end_status: self.year_end_status.unwrap_or_default(),
            year_end_note: self.year_end_note.unwrap_or_default(),
        }
    }
}

/// Adds an item to the plan of `year` (which must exist: 409 otherwise).
#[utoipa::path(post, path = "/api/v1/groups/{id}/annual-plans/{year}/items", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("year" = String, Path, description = "Calendar year, 2000–2100")),
    request_body = PlanItemRequest,
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The year has no plan yet", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_plan_item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, year)): Path<(String, String)>,
    req: Result<Json<PlanItemRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    if !annual_plans::may_write(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    let id = annual_plans::add_item(&writer(&state, &user), &ws, year, &input).await?;
    Ok(created(id))
}

/// Corrects an item, its year-end status included (kept in its 修改记录).
#[utoipa::path(put, path = "/api/v1/groups/{id}/annual-plans/{year}/items/{item}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("year" = String, Path, description = "Calendar year, 2000–2100"), ("item" = String, Path, description = "Item id")),
    request_body = PlanItemRequest,
    responses(
        (status = 200, description = "Corrected", body = PlanItemDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_plan_item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, year, item)): Path<(String, String, String)>,
    req: Result<Json<PlanItemRequest>, JsonRejection>,
) -> Result<Json<PlanItemDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    annual_plans::item(&state.store, &ws, year, &item).await?;
    if !annual_plans::may_write(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    annual_plans::update_item(&writer(&state, &user), &ws, year, &item, &input).await?;
    Ok(Json(item_dto(
        annual_plans::item_view_of(&state.store, &ws, year, &item).await?,
    )))
}

/// Withdraws an item entered by mistake (kept in the audit log).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/annual-plans/{year}/items/{item}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("year" = String, Path, description = "Calendar year, 2000–2100"), ("item" = String, Path, description = "Item id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn withdraw_plan_item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, year, item)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let year = parse_plan_year(&year)?;
    annual_plans::withdraw_item(&writer(&state, &user), &ws, year, &item).await?;
    Ok(StatusCode::NO_CONTENT)
}
