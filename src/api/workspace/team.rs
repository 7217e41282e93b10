//! The service team through the API: list it (phones masked per `services::access`), add a
//! member, record a departure.

use super::{Created, body, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::team::{TeamMemberInput, mask_phone};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::access;
use crate::services::reads::{self, Read};
use crate::services::workspace::team;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TeamMemberDto {
    pub id: String,
    pub person_name: String,
    pub organisation: OrgRef,
    /// captain, vice_captain or member.
    pub role: String,
    /// senior, vice_senior, intermediate, junior or none.
    pub title: String,
    pub school_leader: bool,
    /// In full for the bureau and the member's own school; masked (138****1234) for everyone else.
    pub phone: String,
    pub joined_on: String,
    /// The first day off the team, absent while on it.
    pub left_on: Option<String>,
}

/// The group's team, everyone who ever joined, with their dates.
#[utoipa::path(get, path = "/api/v1/groups/{id}/team", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<TeamMemberDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_team(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<TeamMemberDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let team = state.store.list_team(&ws.group().id).await?;
    // Names and phone numbers: a read of personal data, audited as the web page's is.
    let group = ws.group().id.to_string();
    let asked = serde_json::json!({ "via": "api", "rows": team.len() });
    let now = state.clock.now_ms();
    reads::record_read(
        &state.store,
        &user,
        now,
        Read::View,
        "team_member",
        Some(&group),
        asked,
    )
    .await?;
    Ok(Json(
        team.into_iter()
            .map(|m| TeamMemberDto {
                id: m.id.to_string(),
                phone: if access::sees_full_phone(&user, &m.org_id) {
                    m.phone.clone()
                } else {
                    mask_phone(&m.phone)
                },
                organisation: OrgRef {
                    id: m.org_id.to_string(),
                    name: m.org_name,
                },
                person_name: m.person_name,
                role: m.role.as_str().into(),
                title: m.title.as_str().into(),
                school_leader: m.school_leader,
                joined_on: m.joined_on.to_string(),
                left_on: m.left_on.map(|d| d.to_string()),
            })
            .collect(),
    ))
}

/// Unknown fields are refused (422), as for every JSON body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    #[serde(default)]
    pub person_name: String,
    /// The organisation id of one of the group's schools.
    #[serde(default)]
    pub org_id: String,
    /// captain, vice_captain or member.
    #[serde(default)]
    pub role: String,
    /// senior, vice_senior, intermediate, junior or none.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub school_leader: bool,
    /// Mobile number, may be absent.
    #[serde(default)]
    pub phone: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    #[schema(format = Date)]
    pub joined_on: String,
}

/// Adds a member to the group's team (the group's schools and the bureau).
#[utoipa::path(post, path = "/api/v1/groups/{id}/team", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = TeamMemberRequest,
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_team_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<TeamMemberRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let req = body(req)?;
    let input = TeamMemberInput {
        person_name: req.person_name,
        org_id: req.org_id,
        role: req.role,
        title: req.title,
        school_leader: req.school_leader,
        phone: req.phone.unwrap_or_default(),
        joined_on: req.joined_on,
    };
    let id = team::add_team_member(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRequest {
    /// The first day off the team, YYYY-MM-DD: after joining, not after today.
    #[serde(default)]
    #[schema(format = Date)]
    pub left_on: String,
}

/// Records that a member left the team (nothing is deleted).
#[utoipa::path(post, path = "/api/v1/groups/{id}/team/{member}/leave", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("member" = String, Path, description = "Team member id")),
    request_body = LeaveRequest,
    responses(
        (status = 204, description = "Recorded"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already left", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn leave_team(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, member)): Path<(String, String)>,
    req: Result<Json<LeaveRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let req = body(req)?;
    team::end_team_member(&writer(&state, &user), &ws, &member, &req.left_on).await?;
    Ok(StatusCode::NO_CONTENT)
}
