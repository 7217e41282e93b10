//! A group's workspace through the API: agreement, team, on-site service, practice bases and
//! attachments. Each write parses the request into the domain's input and calls the same service
//! function as the web form, so validation, authorisation and audit are the browser's.

use super::{OrgRef, json_rejection};
use crate::AppState;
use crate::domain::FieldError;
use crate::domain::agreement::AgreementInput;
use crate::domain::base::BaseInput;
use crate::domain::onsite::OnsiteEntryInput;
use crate::domain::rules::{agreement_deadline, days_between};
use crate::domain::team::{TeamMemberInput, mask_phone};
use crate::http::auth::{ApiUser, Viewer, urlencode};
use crate::http::multipart::read_parts;
use crate::http::params::parse_year;
use crate::http::{ApiError, AppError, ErrorBody, writer};
use crate::services::access;
use crate::services::workspace::{
    OpenedGroup, agreement, bases, onsite, open_group, read_attachment, team,
};
use crate::store::attachments::AttachmentRow;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

async fn open(state: &AppState, user: &Viewer, id: &str) -> Result<OpenedGroup, ApiError> {
    Ok(open_group(&state.store, &state.plans, user, id, state.clock.today()).await?)
}

/// A body that is not the JSON the operation takes is 422, after the group was found and may be
/// written (so a caller learns nothing of a group from a malformed body).
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(json_rejection)
}

/// The name of one of the group's member organisations.
fn org_ref(ws: &OpenedGroup, id: &crate::domain::ids::OrgId) -> OrgRef {
    OrgRef {
        id: id.to_string(),
        name: ws
            .group()
            .members
            .iter()
            .find(|m| &m.org_id == id)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
    }
}

/// The id of the record a write made.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

fn created(id: impl ToString) -> (StatusCode, Json<Created>) {
    (StatusCode::CREATED, Json(Created { id: id.to_string() }))
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: String,
    pub file_name: String,
    /// application/pdf, image/jpeg or image/png (judged from the content).
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// Where to download it (with the same bearer token).
    pub url: String,
}

impl From<&AttachmentRow> for AttachmentDto {
    fn from(a: &AttachmentRow) -> Self {
        Self {
            id: a.id.to_string(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
            url: format!("/api/v1/files/{}", a.id),
        }
    }
}

// ---------------------------------------------------------------- agreement

#[derive(Serialize, ToSchema)]
pub struct AgreementDto {
    /// Absent until an agreement is recorded.
    pub id: Option<String>,
    /// YYYY-MM-DD, absent while unsigned.
    pub signed_on: Option<String>,
    pub notes: String,
    /// The signing organisations.
    pub parties: Vec<OrgRef>,
    pub scans: Vec<AttachmentDto>,
    /// The last day to sign under the group's plan (四(二)), YYYY-MM-DD.
    pub deadline: String,
}

async fn agreement_dto(state: &AppState, ws: &OpenedGroup) -> Result<AgreementDto, ApiError> {
    let a = state.store.get_agreement(&ws.group().id).await?;
    let scans = match &a {
        Some(a) => {
            state
                .store
                .list_attachments("agreement", &[a.id.to_string()])
                .await?
        }
        None => Vec::new(),
    };
    let deadline = agreement_deadline(ws.group().started_on, ws.plan.rules.agreement_months);
    Ok(AgreementDto {
        id: a.as_ref().map(|a| a.id.to_string()),
        signed_on: a.as_ref().and_then(|a| a.signed_on).map(|d| d.to_string()),
        notes: a.as_ref().map(|a| a.notes.clone()).unwrap_or_default(),
        parties: a
            .as_ref()
            .map(|a| a.parties.iter().map(|p| org_ref(ws, p)).collect())
            .unwrap_or_default(),
        scans: scans.iter().map(AttachmentDto::from).collect(),
        deadline: deadline.to_string(),
    })
}

/// The group's tripartite agreement, its parties and scans.
#[utoipa::path(get, path = "/api/v1/groups/{id}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = AgreementDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AgreementDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    Ok(Json(agreement_dto(&state, &ws).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AgreementRequest {
    /// YYYY-MM-DD; absent or empty while not signed yet.
    #[serde(default)]
    pub signed_on: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Organisation ids of the signing members (at least a school and the town or a village).
    #[serde(default)]
    pub parties: Vec<String>,
}

/// Records or corrects the group's agreement (the group's schools and the bureau).
#[utoipa::path(put, path = "/api/v1/groups/{id}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = AgreementRequest,
    responses(
        (status = 200, description = "Recorded", body = AgreementDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not one of the group's schools, nor the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn save_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<AgreementRequest>, JsonRejection>,
) -> Result<Json<AgreementDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let req = body(req)?;
    let input = AgreementInput {
        signed_on: req.signed_on.unwrap_or_default(),
        notes: req.notes.unwrap_or_default(),
        parties: req.parties,
        with_scans: false,
    };
    agreement::save_agreement(&writer(&state, &user), &ws, input, Vec::new()).await?;
    Ok(Json(agreement_dto(&state, &ws).await?))
}

/// A multipart body of files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ScansUpload {
    /// One or more PDF, JPEG or PNG files, each within the plan's size limit.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub scans: Vec<Vec<u8>>,
}

/// Adds scans (PDF, JPEG, PNG) to the recorded, signed agreement.
#[utoipa::path(post, path = "/api/v1/groups/{id}/agreement/scans", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body(content = ScansUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added", body = AgreementDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong file in `fields`", body = ErrorBody),
    ))]
pub async fn add_agreement_scans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Json<AgreementDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(multipart).await?;
    let scans = form.take_files("scans");
    agreement::add_agreement_scans(&writer(&state, &user), &ws, scans).await?;
    Ok(Json(agreement_dto(&state, &ws).await?))
}

// ---------------------------------------------------------------- team

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
    responses((status = 200, body = Vec<TeamMemberDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_team(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<TeamMemberDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let team = state.store.list_team(&ws.group().id).await?;
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

#[derive(Deserialize, ToSchema)]
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
pub struct LeaveRequest {
    /// The first day off the team, YYYY-MM-DD: after joining, not after today.
    #[serde(default)]
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

// ---------------------------------------------------------------- on-site service

#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct OnsiteEntryDto {
    pub id: String,
    pub date_from: String,
    pub date_to: String,
    /// Days the entry covers, both ends included.
    pub days: i64,
    /// The town or village served.
    pub place: OrgRef,
    /// The team members present.
    pub members: Vec<PersonRef>,
    pub content: String,
    pub confirmed: bool,
    pub confirmed_by: Option<String>,
    /// When it was confirmed, Asia/Shanghai.
    pub confirmed_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OnsiteList {
    pub year: i16,
    /// Entries that overlap the year, oldest first.
    pub entries: Vec<OnsiteEntryDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct OnsiteQuery {
    /// Calendar year, 2000–2100; this year when absent.
    pub year: Option<String>,
}

/// The group's on-site service entries of one calendar year.
#[utoipa::path(get, path = "/api/v1/groups/{id}/onsite", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), OnsiteQuery),
    responses((status = 200, body = OnsiteList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_onsite(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<OnsiteQuery>, QueryRejection>,
) -> Result<Json<OnsiteList>, ApiError> {
    let Query(q) =
        query.map_err(|r| AppError::Invalid(FieldError::new("查询参数", r.body_text())))?;
    let ws = open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let (first, last) = match (Date::new(year, 1, 1), Date::new(year, 12, 31)) {
        (Ok(f), Ok(l)) => (f, l),
        _ => return Err(AppError::Internal(anyhow::anyhow!("year {year}")).into()),
    };
    let rows = state.store.list_onsite(&ws.group().id, first, last).await?;
    Ok(Json(OnsiteList {
        year,
        entries: rows
            .into_iter()
            .map(|e| OnsiteEntryDto {
                id: e.id.to_string(),
                date_from: e.date_from.to_string(),
                date_to: e.date_to.to_string(),
                days: days_between(e.date_from, e.date_to) + 1,
                place: OrgRef {
                    id: e.place_org_id.to_string(),
                    name: e.place_name,
                },
                members: e
                    .member_ids
                    .iter()
                    .zip(e.member_names)
                    .map(|(id, name)| PersonRef {
                        id: id.to_string(),
                        name,
                    })
                    .collect(),
                content: e.content,
                confirmed: e.confirmed_at.is_some(),
                confirmed_by: e.confirmed_by,
                confirmed_at: e.confirmed_at.map(crate::clock::format_ms),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct OnsiteRequest {
    /// YYYY-MM-DD.
    #[serde(default)]
    pub date_from: String,
    /// YYYY-MM-DD; absent for a one-day entry. At most 92 days from `date_from`.
    #[serde(default)]
    pub date_to: Option<String>,
    /// The organisation id of the group's town or one of its villages.
    #[serde(default)]
    pub place_org_id: String,
    /// Ids of the team members present (on the team on every day of the entry).
    #[serde(default)]
    pub member_ids: Vec<String>,
    /// What was done.
    #[serde(default)]
    pub content: String,
}

/// Records an on-site service entry (the group's schools and the bureau).
#[utoipa::path(post, path = "/api/v1/groups/{id}/onsite", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = OnsiteRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`; also the same service recorded twice", body = ErrorBody),
    ))]
pub async fn add_onsite_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<OnsiteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let req = body(req)?;
    let input = OnsiteEntryInput {
        date_from: req.date_from,
        date_to: req.date_to.unwrap_or_default(),
        place: req.place_org_id,
        content: req.content,
        members: req.member_ids,
    };
    let id = onsite::add_onsite_entry(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// Withdraws an entry entered by mistake; an entry the town or village confirmed stays (409).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/onsite/{entry}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("entry" = String, Path, description = "On-site entry id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Confirmed entries stay", body = ErrorBody),
    ))]
pub async fn withdraw_onsite_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    onsite::withdraw_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirms that the service took place: a town user of the group's lead town or of the place,
/// a village user of the place; once.
#[utoipa::path(post, path = "/api/v1/groups/{id}/onsite/{entry}/confirm", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("entry" = String, Path, description = "On-site entry id")),
    responses(
        (status = 204, description = "Confirmed"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already confirmed", body = ErrorBody),
    ))]
pub async fn confirm_onsite_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    onsite::confirm_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- practice bases

#[derive(Serialize, ToSchema)]
pub struct BaseDto {
    pub id: String,
    pub name: String,
    /// The town or village it is in.
    pub place: OrgRef,
    /// Function codes: red_education, innovation, creative_design, internship, other.
    pub functions: Vec<String>,
    pub opened_on: String,
    pub description: String,
    pub photos: Vec<AttachmentDto>,
}

/// The group's practice bases with their photos.
#[utoipa::path(get, path = "/api/v1/groups/{id}/bases", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<BaseDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_bases(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<BaseDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let rows = state.store.list_bases(&ws.group().id).await?;
    let ids: Vec<String> = rows.iter().map(|b| b.id.to_string()).collect();
    let photos = state.store.list_attachments("base", &ids).await?;
    Ok(Json(
        rows.into_iter()
            .map(|b| BaseDto {
                photos: photos
                    .iter()
                    .filter(|p| p.owner_id == b.id.as_str())
                    .map(AttachmentDto::from)
                    .collect(),
                id: b.id.to_string(),
                name: b.name,
                place: OrgRef {
                    id: b.place_org_id.to_string(),
                    name: b.place_name,
                },
                functions: b.functions,
                opened_on: b.opened_on.to_string(),
                description: b.description,
            })
            .collect(),
    ))
}

/// A practice base as a multipart body: text fields and photo files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BaseUpload {
    pub name: String,
    /// The organisation id of the group's town or one of its villages.
    pub place_org_id: String,
    /// Repeated: red_education, innovation, creative_design, internship, other.
    pub functions: Vec<String>,
    /// YYYY-MM-DD, not after today.
    pub opened_on: String,
    pub description: Option<String>,
    /// JPEG or PNG files, each within the plan's size limit.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub photos: Option<Vec<Vec<u8>>>,
}

/// Records a practice base with its photos (the group's schools and the bureau).
#[utoipa::path(post, path = "/api/v1/groups/{id}/bases", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body(content = BaseUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field and file in `fields`", body = ErrorBody),
    ))]
pub async fn add_base(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(multipart).await?;
    let input = BaseInput {
        name: form.text("name"),
        place: form.text("place_org_id"),
        functions: form.all("functions"),
        opened_on: form.text("opened_on"),
        description: form.text("description"),
    };
    let photos = form.take_files("photos");
    let id = bases::add_base(&writer(&state, &user), &ws, &input, photos).await?;
    Ok(created(id))
}

// ---------------------------------------------------------------- files

/// Downloads an attachment (agreement scan, base photo), for callers who may see its group.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file's bytes, with its content type (PDF, JPEG or PNG)", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn download_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (file, bytes) = read_attachment(&state.store, &state.files, &user, &id).await?;
    let encoded = urlencode(&file.file_name).replace('+', "%20");
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
