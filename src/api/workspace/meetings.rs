//! 联席会议 through the API: the group's meetings by year, recording, correcting and withdrawing
//! one, each attending organisation confirming its attendance, and the decisions with their
//! follow-up. The same service functions as the web forms.

use super::{AttachmentDto, Created, body, created, open, org_ref};
use crate::AppState;
use crate::api::OrgRef;
use crate::clock::format_ms;
use crate::domain::meeting::{DecisionInput, MeetingInput, Person};
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::ServiceError;
use crate::services::workspace::OpenedGroup;
use crate::services::workspace::meetings;
use crate::store::meetings::{DecisionRow, MeetingRow};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PersonDto {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub post: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeDto {
    pub org: OrgRef,
    /// Whether the organisation confirmed its attendance, when and by whom (Beijing time).
    pub confirmed: bool,
    pub confirmed_at: Option<String>,
    pub confirmed_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingDto {
    pub id: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub place: String,
    pub attendees: Vec<AttendeeDto>,
    pub people: Vec<PersonDto>,
    pub agenda: String,
    pub minutes: String,
    /// Whether the meeting adopted its own year's annual cooperation plan.
    pub adopts_annual_plan: bool,
    /// How many decisions it took.
    pub decisions: i64,
}

fn meeting_dto(m: MeetingRow) -> MeetingDto {
    MeetingDto {
        id: m.id.to_string(),
        held_on: m.held_on.to_string(),
        place: m.place,
        attendees: m
            .attendees
            .into_iter()
            .map(|a| AttendeeDto {
                org: OrgRef {
                    id: a.org_id.to_string(),
                    name: a.name,
                },
                confirmed: a.confirmed_at.is_some(),
                confirmed_at: a.confirmed_at.map(format_ms),
                confirmed_by: a.confirmed_by,
            })
            .collect(),
        people: m
            .people
            .into_iter()
            .map(|p| PersonDto {
                name: p.name,
                organisation: p.organisation,
                post: p.post,
            })
            .collect(),
        agenda: m.agenda,
        minutes: m.minutes,
        adopts_annual_plan: m.adopts_annual_plan,
        decisions: m.decisions,
    }
}

#[derive(Serialize, ToSchema)]
pub struct DecisionDto {
    pub id: String,
    /// The meeting that took it, and its date.
    pub meeting_id: String,
    #[schema(format = Date)]
    pub meeting_held_on: String,
    pub text: String,
    pub project_id: Option<String>,
    pub project_title: Option<String>,
    pub plan_item_id: Option<String>,
    pub plan_item_text: Option<String>,
    pub owner_org: Option<OrgRef>,
    pub owner_text: String,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    /// open (未完成), done (已完成) or dropped (不再执行).
    pub status: String,
    pub follow_up: String,
    /// The later meeting at which the follow-up was recorded, and when.
    pub followed_up_in: Option<String>,
    pub followed_up_at: Option<String>,
}

fn decision_dto(ws: &OpenedGroup, d: DecisionRow) -> DecisionDto {
    DecisionDto {
        id: d.id.to_string(),
        meeting_id: d.meeting_id.to_string(),
        meeting_held_on: d.meeting_held_on.to_string(),
        owner_org: d.owner_org_id.as_ref().map(|o| org_ref(ws, o)),
        text: d.text,
        project_id: d.project_id,
        project_title: d.project_title,
        plan_item_id: d.plan_item_id,
        plan_item_text: d.plan_item_text,
        owner_text: d.owner_text,
        due_on: d.due_on.map(|x| x.to_string()),
        status: d.status.as_str().into(),
        follow_up: d.follow_up,
        followed_up_in: d.followed_up_in.map(|m| m.to_string()),
        followed_up_at: d.followed_up_at.map(format_ms),
    }
}

/// A meeting with its decisions, the earlier meetings' decisions to follow up at it, and its papers.
#[derive(Serialize, ToSchema)]
pub struct MeetingDetailDto {
    #[serde(flatten)]
    pub meeting: MeetingDto,
    pub decision_list: Vec<DecisionDto>,
    /// Decisions of earlier meetings still open (or followed up at this one): record their
    /// follow-up with PUT …/decisions/{decision} and `followed_up_in` set to this meeting.
    pub earlier_open_decisions: Vec<DecisionDto>,
    pub papers: Vec<AttachmentDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingListQuery {
    /// Calendar year, e.g. 2026 (every year when left out).
    pub year: Option<String>,
}

/// The group's joint meetings, newest first (everyone who sees the group).
#[utoipa::path(get, path = "/api/v1/groups/{id}/meetings", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), MeetingListQuery),
    responses((status = 200, body = Vec<MeetingDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, description = "A year that is not one", body = ErrorBody)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    q: Result<Query<MeetingListQuery>, QueryRejection>,
) -> Result<Json<Vec<MeetingDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let q = crate::api::query(q)?;
    let year = meetings::parse_year_filter(q.year.as_deref())?;
    let rows = meetings::list_meetings(&state.store, &ws, year).await?;
    Ok(Json(rows.into_iter().map(meeting_dto).collect()))
}

/// A meeting as recorded or corrected: every field as it should be (unknown fields are refused).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    /// YYYY-MM-DD, not after today, within the group's pairing.
    #[serde(default)]
    #[schema(format = Date)]
    pub held_on: String,
    #[serde(default)]
    pub place: String,
    /// Ids of the member organisations that attended (at least one).
    #[serde(default)]
    pub attending_org_ids: Vec<String>,
    #[serde(default)]
    pub people: Vec<PersonDto>,
    #[serde(default)]
    pub agenda: Option<String>,
    #[serde(default)]
    pub minutes: Option<String>,
    /// Whether the meeting adopted its own year's annual cooperation plan.
    #[serde(default)]
    pub adopts_annual_plan: bool,
}

impl MeetingRequest {
    fn input(self) -> MeetingInput {
        MeetingInput {
            held_on: self.held_on,
            place: self.place,
            orgs: self.attending_org_ids,
            people: self
                .people
                .into_iter()
                .map(|p| Person {
                    name: p.name,
                    organisation: p.organisation,
                    post: p.post,
                })
                .collect(),
            agenda: self.agenda.unwrap_or_default(),
            minutes: self.minutes.unwrap_or_default(),
            adopts_annual_plan: self.adopts_annual_plan,
        }
    }
}

/// Records a joint meeting (the group's school and town users).
#[utoipa::path(post, path = "/api/v1/groups/{id}/meetings", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = MeetingRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school or town user of the group", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<MeetingRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !meetings::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    let id = meetings::add_meeting(&writer(&state, &user), &ws, &input, Vec::new()).await?;
    Ok(created(id))
}

async fn detail(
    state: &AppState,
    ws: &OpenedGroup,
    m: MeetingRow,
) -> Result<MeetingDetailDto, ApiError> {
    let (own, earlier) = meetings::decisions_of(&state.store, ws, &m).await?;
    let papers = state.store.meeting_papers(&m.id).await?;
    Ok(MeetingDetailDto {
        decision_list: own.into_iter().map(|d| decision_dto(ws, d)).collect(),
        earlier_open_decisions: earlier.into_iter().map(|d| decision_dto(ws, d)).collect(),
        papers: papers.iter().map(AttachmentDto::from).collect(),
        meeting: meeting_dto(m),
    })
}

/// One meeting with its decisions, the earlier decisions to follow up at it, and its papers.
#[utoipa::path(get, path = "/api/v1/groups/{id}/meetings/{meeting}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    responses((status = 200, body = MeetingDetailDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Json<MeetingDetailDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let m = meetings::meeting(&state.store, &ws, &meeting).await?;
    Ok(Json(detail(&state, &ws, m).await?))
}

/// Corrects a meeting (kept in its 修改记录); organisations still listed keep their confirmation.
#[utoipa::path(put, path = "/api/v1/groups/{id}/meetings/{meeting}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    request_body = MeetingRequest,
    responses(
        (status = 200, description = "Corrected", body = MeetingDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such meeting in it", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
    req: Result<Json<MeetingRequest>, JsonRejection>,
) -> Result<Json<MeetingDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::meeting(&state.store, &ws, &meeting).await?;
    if !meetings::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    meetings::update_meeting(&writer(&state, &user), &ws, &meeting, &input).await?;
    let m = meetings::meeting(&state.store, &ws, &meeting).await?;
    Ok(Json(meeting_dto(m)))
}

/// Withdraws a meeting entered by mistake, with its attendance, decisions and papers (kept in
/// the audit log).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/meetings/{meeting}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn withdraw_meeting(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::withdraw_meeting(&writer(&state, &user), &ws, &meeting).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirms the caller's organisation attended (an organisation the meeting lists).
#[utoipa::path(post, path = "/api/v1/groups/{id}/meetings/{meeting}/attendance", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Confirmed (or already was)", body = MeetingDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The caller's organisation is not listed as attending", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn confirm_attendance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Json<MeetingDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::confirm_attendance(&writer(&state, &user), &ws, &meeting, true).await?;
    Ok(Json(meeting_dto(
        meetings::meeting(&state.store, &ws, &meeting).await?,
    )))
}

/// Undoes the caller's organisation's confirmation of its attendance.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/meetings/{meeting}/attendance", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "No longer confirmed", body = MeetingDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The caller's organisation is not listed as attending", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn unconfirm_attendance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Json<MeetingDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::confirm_attendance(&writer(&state, &user), &ws, &meeting, false).await?;
    Ok(Json(meeting_dto(
        meetings::meeting(&state.store, &ws, &meeting).await?,
    )))
}

/// A decision as recorded or corrected (unknown fields are refused).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[serde(default)]
    pub text: String,
    /// One of the group's projects, or none.
    #[serde(default)]
    pub project_id: Option<String>,
    /// One of the group's annual-plan items, or none (not both a project and an item).
    #[serde(default)]
    pub plan_item_id: Option<String>,
    /// A member organisation of the group that answers for it …
    #[serde(default)]
    pub owner_org_id: Option<String>,
    /// … or a person named in text (at least one of the two).
    #[serde(default)]
    pub owner_text: Option<String>,
    #[serde(default)]
    #[schema(format = Date)]
    pub due_on: Option<String>,
    /// open, done or dropped (default open).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub follow_up: Option<String>,
    /// When correcting: the later meeting at which this status and follow-up were recorded.
    #[serde(default)]
    pub followed_up_in: Option<String>,
}

impl DecisionRequest {
    fn input(self) -> (DecisionInput, Option<String>) {
        (
            DecisionInput {
                text: self.text,
                project: self.project_id.unwrap_or_default(),
                plan_item: self.plan_item_id.unwrap_or_default(),
                owner_org: self.owner_org_id.unwrap_or_default(),
                owner_text: self.owner_text.unwrap_or_default(),
                due_on: self.due_on.unwrap_or_default(),
                status: self.status.unwrap_or_default(),
                follow_up: self.follow_up.unwrap_or_default(),
            },
            self.followed_up_in,
        )
    }
}

/// Records a decision of the meeting (the group's school and town users).
#[utoipa::path(post, path = "/api/v1/groups/{id}/meetings/{meeting}/decisions", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    request_body = DecisionRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_decision(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
    req: Result<Json<DecisionRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::meeting(&state.store, &ws, &meeting).await?;
    if !meetings::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let (input, _) = body(req)?.input();
    let id = meetings::add_decision(&writer(&state, &user), &ws, &meeting, &input).await?;
    Ok(created(id))
}

/// Corrects a decision, or records its follow-up at a later meeting (`followed_up_in`).
#[utoipa::path(put, path = "/api/v1/groups/{id}/decisions/{decision}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("decision" = String, Path, description = "Decision id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Corrected", body = DecisionDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_decision(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, decision)): Path<(String, String)>,
    req: Result<Json<DecisionRequest>, JsonRejection>,
) -> Result<Json<DecisionDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::decision(&state.store, &ws, &decision).await?;
    if !meetings::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let (input, at) = body(req)?.input();
    meetings::update_decision(
        &writer(&state, &user),
        &ws,
        &decision,
        &input,
        at.as_deref(),
    )
    .await?;
    let d = meetings::decision(&state.store, &ws, &decision).await?;
    Ok(Json(decision_dto(&ws, d)))
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MeetingPapersUpload {
    /// One or more papers (minutes scans, sign-in sheets, photos: PDF, JPEG, PNG) under the name
    /// `files`.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// Adds papers to a recorded meeting, all or none, as the meeting page does (the group's
/// schools and towns).
#[utoipa::path(post, path = "/api/v1/groups/{id}/meetings/{meeting}/files", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("meeting" = String, Path, description = "Meeting id")),
    request_body(content = MeetingPapersUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added: the meeting as it now stands", body = MeetingDetailDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school or town user of the group", body = ErrorBody),
        (status = 404, description = "No such group, or no such meeting in it", body = ErrorBody),
        (status = 422, description = "No file, or every wrong file in `fields` (none is stored)", body = ErrorBody),
    ))]
pub async fn add_meeting_papers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<MeetingDetailDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::meeting(&state.store, &ws, &meeting).await?;
    if !meetings::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let files = form.take_files("files");
    meetings::add_papers(&writer(&state, &user), &ws, &meeting, files).await?;
    let m = meetings::meeting(&state.store, &ws, &meeting).await?;
    Ok(Json(detail(&state, &ws, m).await?))
}

/// Removes one paper of a meeting (kept in the audit log); its bytes go when no other record
/// refers to them.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/meetings/{meeting}/files/{file}", tag = "workspace", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Group id (UUID)"),
        ("meeting" = String, Path, description = "Meeting id"),
        ("file" = String, Path, description = "The paper's attachment id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school or town user of the group", body = ErrorBody),
        (status = 404, description = "No such group, meeting in it, or paper of the meeting", body = ErrorBody),
    ))]
pub async fn remove_meeting_paper(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, meeting, file)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    meetings::remove_paper(&writer(&state, &user), &ws, &meeting, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}
