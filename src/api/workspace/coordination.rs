//! The coordination group (工作协调小组, 五(一)) through the API: list it (phones masked as the
//! team's), record a delegate, correct one (an end date records leaving), withdraw one entered
//! by mistake on the day it was recorded.

use super::{Created, body, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::coordination::CoordinatorInput;
use crate::domain::team::mask_phone;
use crate::http::auth::{ApiUser, Viewer};
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::access;
use crate::services::reads::{self, Read};
use crate::services::workspace::coordination;
use crate::store::coordination::CoordinatorRow;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CoordinatorDto {
    pub id: String,
    pub person_name: String,
    pub organisation: OrgRef,
    /// 职务.
    pub post: String,
    /// In full for the bureau and the person's own organisation; masked (138****1234) for
    /// everyone else; empty when none was recorded.
    pub phone: String,
    /// YYYY-MM-DD: the first day in the coordination group.
    pub from_on: String,
    /// The first day off, absent while in it.
    pub to_on: Option<String>,
    /// Whether the person is in the coordination group today.
    pub current: bool,
}

fn dto(user: &Viewer, today: jiff::civil::Date, c: CoordinatorRow) -> CoordinatorDto {
    CoordinatorDto {
        id: c.id.to_string(),
        phone: if access::sees_full_phone(user, &c.org_id) {
            c.phone.clone()
        } else {
            mask_phone(&c.phone)
        },
        current: c.active_on(today),
        organisation: OrgRef {
            id: c.org_id.to_string(),
            name: c.org_name,
        },
        person_name: c.person_name,
        post: c.post,
        from_on: c.from_on.to_string(),
        to_on: c.to_on.map(|d| d.to_string()),
    }
}

/// The group's coordination group: everyone ever delegated, by organisation, with their dates.
#[utoipa::path(get, path = "/api/v1/groups/{id}/coordination", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<CoordinatorDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_coordinators(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<CoordinatorDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let rows = state.store.list_coordinators(&ws.group().id).await?;
    // Names and phone numbers: a read of personal data, audited as the team's is.
    let group = ws.group().id.to_string();
    let asked = serde_json::json!({ "via": "api", "rows": rows.len() });
    reads::record_read(
        &state.store,
        &user,
        state.clock.now_ms(),
        Read::View,
        "coordinator",
        Some(&group),
        asked,
    )
    .await?;
    let today = ws.today;
    Ok(Json(
        rows.into_iter().map(|c| dto(&user, today, c)).collect(),
    ))
}

/// A delegate as recorded or corrected. Unknown fields are refused (422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoordinatorRequest {
    #[serde(default)]
    pub person_name: String,
    /// The id of one of the group's member organisations (school, town or village).
    #[serde(default)]
    pub org_id: String,
    /// 职务.
    #[serde(default)]
    pub post: String,
    /// Mobile number, may be absent.
    #[serde(default)]
    pub phone: Option<String>,
    /// YYYY-MM-DD: the first day in the coordination group.
    #[serde(default)]
    #[schema(format = Date)]
    pub from_on: String,
    /// YYYY-MM-DD, the first day off: only on a correction (PUT); absent or null while in it.
    #[serde(default)]
    #[schema(format = Date)]
    pub to_on: Option<String>,
}

impl CoordinatorRequest {
    fn input(self) -> CoordinatorInput {
        CoordinatorInput {
            person_name: self.person_name,
            org_id: self.org_id,
            post: self.post,
            phone: self.phone.unwrap_or_default(),
            from_on: self.from_on,
            to_on: self.to_on.unwrap_or_default(),
        }
    }
}

/// Records a delegate: the bureau, the group's schools and towns (any member's delegate), a
/// village (its own delegates only: another organisation is a 422 on `所在单位`).
#[utoipa::path(post, path = "/api/v1/groups/{id}/coordination", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = CoordinatorRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_coordinator(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<CoordinatorRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !coordination::may_record(&user, &ws) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    let id = coordination::add_coordinator(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// Corrects a delegate (every field is sent); an end date records that the person left.
#[utoipa::path(put, path = "/api/v1/groups/{id}/coordination/{person}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("person" = String, Path, description = "Delegate id")),
    request_body = CoordinatorRequest,
    responses(
        (status = 200, description = "Corrected: the delegate as now recorded", body = CoordinatorDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the caller's to change (a village user, another organisation's delegate)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_coordinator(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, person)): Path<(String, String)>,
    req: Result<Json<CoordinatorRequest>, JsonRejection>,
) -> Result<Json<CoordinatorDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let row = coordination::coordinator(&state.store, &ws, &person).await?;
    if !coordination::may_change(&user, &ws, &row.org_id) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    coordination::update_coordinator(&writer(&state, &user), &ws, &person, &input).await?;
    let row = coordination::coordinator(&state.store, &ws, &person).await?;
    Ok(Json(dto(&user, ws.today, row)))
}

/// Withdraws a delegate entered by mistake, on the day it was recorded (later, record an end
/// date instead: 409).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/coordination/{person}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("person" = String, Path, description = "Delegate id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Recorded on an earlier day: record an end date instead", body = ErrorBody),
    ))]
pub async fn withdraw_coordinator(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, person)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    coordination::withdraw_coordinator(&writer(&state, &user), &ws, &person).await?;
    Ok(StatusCode::NO_CONTENT)
}
