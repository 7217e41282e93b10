//! Major matters (重大事项, 五(一)) through the API: a group's list, raising one (reported to HQ
//! at once), correcting and withdrawing it until HQ acknowledges it; HQ's queue, acknowledgement
//! and reply.

use super::{Created, body, created, open};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::matter::MatterInput;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::workspace::matters;
use crate::store::matters::MatterRow;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct MatterDto {
    pub id: String,
    pub group_id: String,
    pub group_number: i64,
    pub summary: String,
    pub details: String,
    /// normal (一般), urgent (紧急) or critical (特急).
    pub urgency: String,
    /// The day the matter arose (YYYY-MM-DD).
    #[schema(format = Date)]
    pub raised_on: String,
    /// When it was submitted, which is when it reached HQ (Beijing time).
    pub reported_at: String,
    /// That moment's date, Asia/Shanghai (the escalation rule counts from raised_on to it).
    #[schema(format = Date)]
    pub reported_on: String,
    /// The organisation that raised it.
    pub raised_by_org: String,
    pub raised_by: String,
    /// pending (待指挥部签收), acknowledged (已签收) or replied (已答复).
    pub status: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub reply: Option<String>,
    pub replied_at: Option<String>,
    pub replied_by: Option<String>,
}

impl From<MatterRow> for MatterDto {
    fn from(m: MatterRow) -> Self {
        Self {
            id: m.id.to_string(),
            group_id: m.group_id.to_string(),
            group_number: m.group_number,
            status: m.status().as_str().into(),
            summary: m.summary,
            details: m.details,
            urgency: m.urgency.as_str().into(),
            raised_on: m.raised_on.to_string(),
            reported_at: format_ms(m.reported_at),
            reported_on: m.reported_on.to_string(),
            raised_by_org: m.raised_by_org,
            raised_by: m.raised_by_name,
            acknowledged_at: m.acknowledged_at.map(format_ms),
            acknowledged_by: m.acknowledged_by_name,
            reply: m.reply,
            replied_at: m.replied_at.map(format_ms),
            replied_by: m.replied_by_name,
        }
    }
}

/// A major matter as raised or corrected (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatterRequest {
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub details: Option<String>,
    /// normal, urgent or critical (or 一般, 紧急, 特急).
    #[serde(default)]
    pub urgency: String,
    /// The day the matter arose, YYYY-MM-DD, not after today.
    #[serde(default)]
    #[schema(format = Date)]
    pub raised_on: String,
}

impl MatterRequest {
    fn input(self) -> MatterInput {
        MatterInput {
            summary: self.summary,
            details: self.details.unwrap_or_default(),
            urgency: self.urgency,
            raised_on: self.raised_on,
        }
    }
}

/// The group's major matters, newest first (every user who sees the group; the bureau reads them).
#[utoipa::path(get, path = "/api/v1/groups/{id}/matters", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<MatterDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_group_matters(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<MatterDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let rows = matters::list_matters(&state.store, &ws).await?;
    Ok(Json(rows.into_iter().map(MatterDto::from).collect()))
}

/// Raises a major matter, reported to HQ directly at this moment (a school, town or village
/// user of the group; not the bureau nor HQ).
#[utoipa::path(post, path = "/api/v1/groups/{id}/matters", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = MatterRequest,
    responses(
        (status = 201, description = "Reported to HQ", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_matter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<MatterRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !matters::may_raise(&ws, &user) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    let id = matters::add_matter(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// Corrects a major matter HQ has not acknowledged (users of the organisation that raised it);
/// kept in the matter's 修改记录.
#[utoipa::path(put, path = "/api/v1/groups/{id}/matters/{matter}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("matter" = String, Path, description = "Major matter id")),
    request_body = MatterRequest,
    responses(
        (status = 200, description = "Corrected", body = MatterDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such matter in it", body = ErrorBody),
        (status = 409, description = "HQ has acknowledged it", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_matter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, matter)): Path<(String, String)>,
    req: Result<Json<MatterRequest>, JsonRejection>,
) -> Result<Json<MatterDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    matters::group_matter(&state.store, &ws, &matter).await?;
    let input = body(req)?.input();
    matters::update_matter(&writer(&state, &user), &ws, &matter, &input).await?;
    Ok(Json(
        matters::group_matter(&state.store, &ws, &matter)
            .await?
            .into(),
    ))
}

/// Withdraws a major matter HQ has not acknowledged (users of the organisation that raised it).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/matters/{matter}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("matter" = String, Path, description = "Major matter id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "HQ has acknowledged it", body = ErrorBody),
    ))]
pub async fn withdraw_matter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, matter)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    matters::withdraw_matter(&writer(&state, &user), &ws, &matter).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One page of HQ's queue.
#[derive(Serialize, ToSchema)]
pub struct MatterQueuePage {
    pub items: Vec<MatterDto>,
    /// Every group's matters, acknowledged or not.
    pub total: i64,
    /// How many of them wait for HQ's acknowledgement (they come first).
    pub waiting: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// 1-based page number, at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// HQ's queue: every group's major matters, those not yet acknowledged first (oldest report
/// first), then the rest, latest report first; a page at a time (HQ only).
#[utoipa::path(get, path = "/api/v1/matters", tag = "workspace", security(("bearer" = [])),
    params(QueueQuery),
    responses((status = 200, body = MatterQueuePage), (status = 401, body = ErrorBody), (status = 403, description = "Everyone but HQ", body = ErrorBody), (status = 422, description = "A page or page size out of range", body = ErrorBody)))]
pub async fn matter_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MatterQueuePage>, ApiError> {
    // A query string it cannot read is a 422 naming it, as on every list.
    let q = crate::api::query(query)?;
    let (page, per_page) = crate::api::paging(q.page, q.per_page)?;
    let (rows, total, waiting) =
        matters::matter_queue(&state.store, &user, per_page, (page - 1) * per_page).await?;
    Ok(Json(MatterQueuePage {
        items: rows.into_iter().map(MatterDto::from).collect(),
        total,
        waiting,
        page,
        per_page,
    }))
}

/// HQ acknowledges a major matter (HQ only; once).
#[utoipa::path(post, path = "/api/v1/matters/{matter}/acknowledge", tag = "workspace", security(("bearer" = [])),
    params(("matter" = String, Path, description = "Major matter id")),
    responses(
        (status = 200, description = "Acknowledged", body = MatterDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but HQ", body = ErrorBody),
        (status = 404, description = "No such matter, or one of a group the caller does not see", body = ErrorBody),
        (status = 409, description = "Acknowledged already", body = ErrorBody),
    ))]
pub async fn acknowledge_matter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(matter): Path<String>,
) -> Result<Json<MatterDto>, ApiError> {
    let today = state.clock.today();
    let (ws, _) = matters::open_matter(&state.store, &state.plans, &user, &matter, today).await?;
    matters::acknowledge_matter(&writer(&state, &user), &ws, &matter).await?;
    Ok(Json(
        matters::group_matter(&state.store, &ws, &matter)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// HQ's reply to the group; a later reply replaces it (the history keeps both).
    #[serde(default)]
    pub reply: String,
}

/// HQ replies to a major matter, acknowledging it too when it was not yet (HQ only).
#[utoipa::path(post, path = "/api/v1/matters/{matter}/reply", tag = "workspace", security(("bearer" = [])),
    params(("matter" = String, Path, description = "Major matter id")),
    request_body = ReplyRequest,
    responses(
        (status = 200, description = "Replied", body = MatterDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but HQ", body = ErrorBody),
        (status = 404, description = "No such matter, or one of a group the caller does not see", body = ErrorBody),
        (status = 422, description = "An empty or too long reply", body = ErrorBody),
    ))]
pub async fn reply_matter(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(matter): Path<String>,
    req: Result<Json<ReplyRequest>, JsonRejection>,
) -> Result<Json<MatterDto>, ApiError> {
    let today = state.clock.today();
    let (ws, _) = matters::open_matter(&state.store, &state.plans, &user, &matter, today).await?;
    crate::services::access::require_matter_receiver(&user)?;
    let req = body(req)?;
    matters::reply_matter(&writer(&state, &user), &ws, &matter, &req.reply).await?;
    Ok(Json(
        matters::group_matter(&state.store, &ws, &matter)
            .await?
            .into(),
    ))
}
