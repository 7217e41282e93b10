//! The service team through the API: list it (phones masked per `services::access`), add a
//! member, correct one, withdraw one entered by mistake, record a departure.

use super::{Created, body, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::team::{TeamMemberInput, mask_phone};
use crate::http::auth::ApiUser;
use crate::http::auth::Viewer;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::access;
use crate::services::reads::{self, Read};
use crate::services::workspace::team;
use crate::store::team::TeamMemberRow;
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

fn dto(user: &Viewer, m: TeamMemberRow) -> TeamMemberDto {
    TeamMemberDto {
        id: m.id.to_string(),
        phone: if access::sees_full_phone(user, &m.org_id) {
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
    }
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
    Ok(Json(team.into_iter().map(|m| dto(&user, m)).collect()))
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
    /// The name is already on the team (now or formerly) and this is another person: without it
    /// such a name is refused (422 on `姓名`, naming who has it).
    #[serde(default)]
    pub confirm_duplicate: bool,
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
        (status = 422, description = "Every wrong field in `fields`; a name already on the team unless `confirm_duplicate`", body = ErrorBody),
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
    let id =
        team::add_team_member(&writer(&state, &user), &ws, &input, req.confirm_duplicate).await?;
    Ok(created(id))
}

/// A member's full record as corrected (every field is sent; absent ones read as empty).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberUpdate {
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
    /// The first day off the team, YYYY-MM-DD; absent or null while on it (clearing it takes back
    /// a leaving recorded by mistake).
    #[serde(default)]
    #[schema(format = Date)]
    pub left_on: Option<String>,
    /// A new name that is already on the team belongs to another person (see adding).
    #[serde(default)]
    pub confirm_duplicate: bool,
}

/// Corrects a member's record: every field, with the checks of adding; the member's on-site
/// entries must still fall within the corrected days on the team.
#[utoipa::path(put, path = "/api/v1/groups/{id}/team/{member}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("member" = String, Path, description = "Team member id")),
    request_body = TeamMemberUpdate,
    responses(
        (status = 200, description = "Corrected: the member as now recorded", body = TeamMemberDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields` (on-site entries outside the new dates named)", body = ErrorBody),
    ))]
pub async fn update_team_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, member)): Path<(String, String)>,
    req: Result<Json<TeamMemberUpdate>, JsonRejection>,
) -> Result<Json<TeamMemberDto>, ApiError> {
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
    let left_on = req.left_on.unwrap_or_default();
    let w = writer(&state, &user);
    team::update_team_member(&w, &ws, &member, &input, &left_on, req.confirm_duplicate).await?;
    let m = team::team_member(&state.store, &ws, &member).await?;
    Ok(Json(dto(&user, m)))
}

/// Withdraws a member entered by mistake: the record is deleted (leaving is recorded with
/// `…/leave` instead). Refused while on-site entries name the member.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/team/{member}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("member" = String, Path, description = "Team member id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "On-site entries name the member (their dates in the message)", body = ErrorBody),
    ))]
pub async fn withdraw_team_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    team::withdraw_team_member(&writer(&state, &user), &ws, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRequest {
    /// The first day off the team, YYYY-MM-DD: after joining, at most tomorrow (the member's
    /// last day on the team is today).
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
