//! 表彰 (五(三)) through the API: the commendations a user may read, and HQ's nomination,
//! correction, approval and withdrawal. The same service functions as the web pages.

use super::workspace::{Created, created};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::FieldError;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::commendations::{self, NominationInput};
use crate::store::commendations::CommendationRow;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CommendationDto {
    pub id: String,
    pub year: i16,
    /// collective (优秀集体) or individual (先进个人).
    pub kind: String,
    pub kind_label: String,
    pub group_id: String,
    pub group_number: i64,
    pub lead_town: String,
    /// For 先进个人: the person, their team member id and school.
    pub person_name: Option<String>,
    pub team_member_id: Option<String>,
    pub school: Option<String>,
    pub citation: String,
    /// nominated, approved or withdrawn.
    pub state: String,
    pub state_label: String,
    pub nominated_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
}

impl From<CommendationRow> for CommendationDto {
    fn from(c: CommendationRow) -> Self {
        Self {
            id: c.id.to_string(),
            year: c.year,
            kind: c.kind.as_str().into(),
            kind_label: c.kind.label().into(),
            group_id: c.group_id.to_string(),
            group_number: c.group_number,
            lead_town: c.lead_town,
            person_name: c.person_name,
            team_member_id: c.team_member_id.map(|t| t.to_string()),
            school: c.org_name,
            citation: c.citation,
            state: c.state.as_str().into(),
            state_label: c.state.label().into(),
            nominated_at: format_ms(c.nominated_at),
            decided_at: c.decided_at.map(format_ms),
            decided_by: c.decided_by,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommendationQuery {
    /// Only this year's.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i16>,
}

/// The commendations the caller may read: every one for the bureau and HQ; the approved ones of
/// its groups and its people for a member organisation.
#[utoipa::path(get, path = "/api/v1/commendations", tag = "evaluations", security(("bearer" = [])),
    params(CommendationQuery),
    responses(
        (status = 200, body = Vec<CommendationDto>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody),
        (status = 422, description = "A year outside 2000–2100", body = ErrorBody),
    ))]
pub async fn list_commendations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    q: Result<Query<CommendationQuery>, QueryRejection>,
) -> Result<Json<Vec<CommendationDto>>, ApiError> {
    let q = super::query(q)?;
    if q.year.is_some_and(|y| !(2000..=2100).contains(&y)) {
        return Err(ApiError(AppError::Invalid(FieldError::new(
            "year",
            "应在 2000–2100 之间",
        ))));
    }
    let rows = commendations::list(&state.store, &user, q.year).await?;
    Ok(Json(rows.into_iter().map(CommendationDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominationRequest {
    /// A completed year from the plan's first evaluated one.
    pub year: i16,
    /// collective (优秀集体) or individual (先进个人).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub group_id: String,
    /// For individual: a member of the group's team during the year.
    #[serde(default)]
    pub team_member_id: Option<String>,
    /// The main deeds or the reason (required, at most 2,000 characters).
    #[serde(default)]
    pub citation: String,
}

/// HQ nominates a group (优秀集体) or a team member (先进个人) for a year.
#[utoipa::path(post, path = "/api/v1/commendations", tag = "evaluations", security(("bearer" = [])),
    request_body = NominationRequest,
    responses(
        (status = 201, description = "Nominated", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ nominates", body = ErrorBody),
        (status = 409, description = "The group (or person) already has a standing nomination for the year", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn nominate_commendation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    req: Result<Json<NominationRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(req) = req.map_err(super::json_rejection)?;
    let id = commendations::nominate(
        &state.store,
        &state.plans,
        &user,
        &NominationInput {
            year: req.year.to_string(),
            kind: req.kind,
            group_id: req.group_id,
            team_member_id: req.team_member_id.unwrap_or_default(),
            citation: req.citation,
        },
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await?;
    Ok(created(id.as_str()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CitationRequest {
    #[serde(default)]
    pub citation: String,
}

#[derive(Serialize, ToSchema)]
pub struct CitationSaved {
    pub changed: bool,
}

/// HQ corrects a nomination's citation (while it waits for approval).
#[utoipa::path(put, path = "/api/v1/commendations/{id}", tag = "evaluations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Commendation id (UUID)")),
    request_body = CitationRequest,
    responses(
        (status = 200, body = CitationSaved),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ corrects nominations", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already approved or withdrawn", body = ErrorBody),
        (status = 422, description = "A missing or too long citation", body = ErrorBody),
    ))]
pub async fn update_commendation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<CitationRequest>, JsonRejection>,
) -> Result<Json<CitationSaved>, ApiError> {
    let Json(req) = req.map_err(super::json_rejection)?;
    let changed = commendations::update(
        &state.store,
        &user,
        &id,
        &req.citation,
        state.clock.now_ms(),
    )
    .await?;
    Ok(Json(CitationSaved { changed }))
}

/// HQ approves a nomination.
#[utoipa::path(post, path = "/api/v1/commendations/{id}/approve", tag = "evaluations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Commendation id (UUID)")),
    responses(
        (status = 204, description = "Approved"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ approves", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already approved or withdrawn", body = ErrorBody),
    ))]
pub async fn approve_commendation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    commendations::decide(&state.store, &user, &id, true, state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// HQ withdraws a nomination (it stays on record as withdrawn).
#[utoipa::path(post, path = "/api/v1/commendations/{id}/withdraw", tag = "evaluations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Commendation id (UUID)")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ withdraws", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already approved or withdrawn", body = ErrorBody),
    ))]
pub async fn withdraw_commendation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    commendations::decide(&state.store, &user, &id, false, state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A commendation's 修改记录, oldest first: nomination, citation corrections, approval or
/// withdrawal (those who may read the commendation).
#[utoipa::path(get, path = "/api/v1/commendations/{id}/history", tag = "evaluations", security(("bearer" = [])),
    params(("id" = String, Path, description = "Commendation id (UUID)")),
    responses(
        (status = 200, body = Vec<crate::services::history::HistoryEntry>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody),
        (status = 404, description = "No such commendation, or not one the user may read", body = ErrorBody),
    ))]
pub async fn commendation_history(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<crate::services::history::HistoryEntry>>, ApiError> {
    let (_, entries) = commendations::history(&state.store, &user, &id).await?;
    Ok(Json(entries))
}
