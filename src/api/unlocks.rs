//! 解锁申请 (五(三)) through the API: a school asks to unlock its accepted monthly report, the
//! bureau's queue, and its grant or refusal. The same service functions as the web pages.

use crate::AppState;
use crate::clock::format_ms;
use crate::domain::unlock::parse_state_filter;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, AppError, ErrorBody, writer};
use crate::services::unlocks;
use crate::store::unlocks::{UnlockFilter, UnlockRow};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UnlockDto {
    pub id: String,
    /// The month the report covers (YYYY-MM).
    pub month: String,
    pub school_id: String,
    pub school_name: String,
    /// open (待审批), granted (已准予解锁) or refused (不予解锁).
    pub state: String,
    pub state_label: String,
    pub reason: String,
    pub requested_by: String,
    /// Beijing time.
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The bureau's comment on a grant, or its reason for refusing.
    pub decision_comment: String,
    /// The report's state now: draft, submitted, returned or accepted.
    pub report_state: String,
}

impl From<UnlockRow> for UnlockDto {
    fn from(u: UnlockRow) -> Self {
        Self {
            id: u.id.to_string(),
            month: u.month.to_string(),
            school_id: u.school_id.to_string(),
            school_name: u.school_name,
            state: u.state.as_str().into(),
            state_label: u.state.label().into(),
            reason: u.reason,
            requested_by: u.requested_by_name,
            requested_at: format_ms(u.requested_at),
            decided_by: u.decided_by_name,
            decided_at: u.decided_at.map(format_ms),
            decision_comment: u.decision_comment,
            report_state: u.report_state.as_str().into(),
        }
    }
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(super::json_rejection)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequestBody {
    /// Why the month's records must be corrected (required, at most 1000 characters).
    #[serde(default)]
    pub reason: String,
}

/// A school user asks to unlock its own accepted monthly report for `month`, with a reason; one
/// open request per report at a time.
#[utoipa::path(post, path = "/api/v1/reports/{month}/{school}/unlock-requests", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month the report covers, YYYY-MM"), ("school" = String, Path, description = "The school's organisation id")),
    request_body = UnlockRequestBody,
    responses(
        (status = 201, description = "Asked; waiting for the bureau", body = UnlockDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school user (the bureau, HQ, towns and villages do not ask)", body = ErrorBody),
        (status = 404, description = "No such school, or another school's report", body = ErrorBody),
        (status = 409, description = "The report is not accepted, or a request of it is waiting", body = ErrorBody),
        (status = 422, description = "A missing or too long reason, or a malformed month", body = ErrorBody),
    ))]
pub async fn request_report_unlock(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
    req: Result<Json<UnlockRequestBody>, JsonRejection>,
) -> Result<(StatusCode, Json<UnlockDto>), ApiError> {
    unlocks::open_target(&state.store, &state.plans, &user, &month, &school).await?;
    let req = body(req)?;
    let id = unlocks::request_unlock(
        &writer(&state, &user),
        &state.plans,
        &month,
        &school,
        &req.reason,
    )
    .await?;
    let row = unlocks::unlock(&state.store, &user, id.as_str()).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One page of requests.
#[derive(Serialize, ToSchema)]
pub struct UnlockPage {
    pub items: Vec<UnlockDto>,
    /// Requests matching the filter.
    pub total: i64,
    /// How many of them wait for the bureau (they come first).
    pub open: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnlockQuery {
    /// open, granted or refused (all when absent).
    pub state: Option<String>,
    /// 1-based page number, at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// Unlock requests, open ones first (oldest first), then decided ones (latest first), a page at
/// a time: the bureau and HQ see every school's, a school its own; towns and villages none (403).
#[utoipa::path(get, path = "/api/v1/unlock-requests", tag = "reports", security(("bearer" = [])),
    params(UnlockQuery),
    responses((status = 200, body = UnlockPage), (status = 401, body = ErrorBody), (status = 403, description = "Towns, villages and the administrators", body = ErrorBody), (status = 422, description = "An unknown state, or a page out of range", body = ErrorBody)))]
pub async fn list_unlock_requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<UnlockQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UnlockPage>, ApiError> {
    let q = super::query(query)?;
    let (page, per_page) = super::paging(q.page, q.per_page)?;
    let filter = UnlockFilter {
        state: parse_state_filter("state", q.state.as_deref()).map_err(AppError::Invalid)?,
        school: None,
    };
    let (rows, total, open) = unlocks::list_unlocks(
        &state.store,
        &user,
        filter,
        Some((per_page, (page - 1) * per_page)),
    )
    .await?;
    Ok(Json(UnlockPage {
        items: rows.into_iter().map(UnlockDto::from).collect(),
        total,
        open,
        page,
        per_page,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// The bureau's comment (optional; the report's review comment quotes the school's reason
    /// when there is none).
    #[serde(default)]
    pub comment: String,
}

/// The bureau grants a request: the report goes back to returned, with the review comment
/// "准予解锁：…", its versions and first submission kept; its month is unlocked until accepted again.
#[utoipa::path(post, path = "/api/v1/unlock-requests/{id}/grant", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "Unlock request id")),
    request_body = GrantBody,
    responses(
        (status = 200, description = "Granted", body = UnlockDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Decided already, or the report is no longer accepted", body = ErrorBody),
        (status = 422, description = "A comment over 1000 characters", body = ErrorBody),
    ))]
pub async fn grant_unlock_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<GrantBody>, JsonRejection>,
) -> Result<Json<UnlockDto>, ApiError> {
    unlocks::unlock(&state.store, &user, &id).await?;
    if !unlocks::may_decide(&user) {
        return Err(AppError::Forbidden.into());
    }
    let req = body(req)?;
    unlocks::grant_unlock(&writer(&state, &user), &id, &req.comment).await?;
    Ok(Json(
        unlocks::unlock(&state.store, &user, &id).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    /// Why the bureau refuses (required, at most 1000 characters).
    #[serde(default)]
    pub reason: String,
}

/// The bureau refuses a request with its reason; the report stays accepted and its month locked.
#[utoipa::path(post, path = "/api/v1/unlock-requests/{id}/refuse", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "Unlock request id")),
    request_body = RefuseBody,
    responses(
        (status = 200, description = "Refused", body = UnlockDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Decided already", body = ErrorBody),
        (status = 422, description = "A missing or too long reason", body = ErrorBody),
    ))]
pub async fn refuse_unlock_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<RefuseBody>, JsonRejection>,
) -> Result<Json<UnlockDto>, ApiError> {
    unlocks::unlock(&state.store, &user, &id).await?;
    if !unlocks::may_decide(&user) {
        return Err(AppError::Forbidden.into());
    }
    let req = body(req)?;
    unlocks::refuse_unlock(&writer(&state, &user), &id, &req.reason).await?;
    Ok(Json(
        unlocks::unlock(&state.store, &user, &id).await?.into(),
    ))
}
