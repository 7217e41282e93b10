//! The service work plan (服务工作方案, 四(二)) through the API: read it, record it or a new
//! revision, read every revision's text, add and remove its files.

use super::{AttachmentDto, body, open};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::work_plan::WorkPlanInput;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::workspace::OpenedGroup;
use crate::services::workspace::work_plan;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct WorkPlanDto {
    /// Absent until the plan is recorded (then every other field is empty).
    pub id: Option<String>,
    pub title: String,
    /// YYYY-MM-DD.
    pub agreed_on: Option<String>,
    /// 服务内容和形式.
    pub content: String,
    /// The current revision (1 for the first text; 0 before any).
    pub revision: i64,
    pub files: Vec<AttachmentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkPlanRevisionDto {
    pub revision: i64,
    pub title: String,
    pub agreed_on: String,
    pub content: String,
    /// When it was recorded, Beijing time.
    pub recorded_at: String,
    pub recorded_by: String,
}

async fn plan_dto(state: &AppState, ws: &OpenedGroup) -> Result<WorkPlanDto, ApiError> {
    Ok(match work_plan::work_plan(&state.store, ws).await? {
        None => WorkPlanDto {
            id: None,
            title: String::new(),
            agreed_on: None,
            content: String::new(),
            revision: 0,
            files: Vec::new(),
        },
        Some(v) => WorkPlanDto {
            id: Some(v.plan.id.to_string()),
            title: v.plan.title,
            agreed_on: Some(v.plan.agreed_on.to_string()),
            content: v.plan.content,
            revision: v.plan.revision,
            files: v.files.iter().map(AttachmentDto::from).collect(),
        },
    })
}

/// The group's service work plan as it stands, with its files.
#[utoipa::path(get, path = "/api/v1/groups/{id}/work-plan", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = WorkPlanDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_work_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<WorkPlanDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    Ok(Json(plan_dto(&state, &ws).await?))
}

/// Every version of the plan, newest first: each correction kept with its number, date and who.
#[utoipa::path(get, path = "/api/v1/groups/{id}/work-plan/revisions", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<WorkPlanRevisionDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn work_plan_revisions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<WorkPlanRevisionDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let revisions = work_plan::work_plan(&state.store, &ws)
        .await?
        .map(|v| v.revisions)
        .unwrap_or_default();
    Ok(Json(
        revisions
            .into_iter()
            .map(|r| WorkPlanRevisionDto {
                revision: r.revision,
                title: r.title,
                agreed_on: r.agreed_on.to_string(),
                content: r.content,
                recorded_at: format_ms(r.recorded_at),
                recorded_by: r.recorded_by,
            })
            .collect(),
    ))
}

/// Unknown fields are refused (422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPlanRequest {
    #[serde(default)]
    pub title: String,
    /// YYYY-MM-DD: the day the parties agreed it.
    #[serde(default)]
    #[schema(format = Date)]
    pub agreed_on: String,
    /// 服务内容和形式.
    #[serde(default)]
    pub content: String,
}

/// Records the plan, or a new revision of it when the text changed (the earlier text stays
/// readable under `…/revisions`): the group's schools and the bureau.
#[utoipa::path(put, path = "/api/v1/groups/{id}/work-plan", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = WorkPlanRequest,
    responses(
        (status = 200, description = "Recorded (unchanged text adds no revision)", body = WorkPlanDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not one of the group's schools, nor the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn save_work_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<WorkPlanRequest>, JsonRejection>,
) -> Result<Json<WorkPlanDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let req = body(req)?;
    let input = WorkPlanInput {
        title: req.title,
        agreed_on: req.agreed_on,
        content: req.content,
    };
    work_plan::save_work_plan(&writer(&state, &user), &ws, &input, Vec::new()).await?;
    Ok(Json(plan_dto(&state, &ws).await?))
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct WorkPlanFilesUpload {
    /// One or more files (PDF, JPEG, PNG) under the name `files`.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// Adds files (PDF, JPEG, PNG) to the recorded plan.
#[utoipa::path(post, path = "/api/v1/groups/{id}/work-plan/files", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body(content = WorkPlanFilesUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added", body = WorkPlanDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong file in `fields`; no plan recorded yet", body = ErrorBody),
    ))]
pub async fn add_work_plan_files(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<WorkPlanDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let files = form.take_files("files");
    work_plan::add_work_plan_files(&writer(&state, &user), &ws, files).await?;
    Ok(Json(plan_dto(&state, &ws).await?))
}

/// Removes one file of the plan; its bytes go when no other record refers to them.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/work-plan/files/{file}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("file" = String, Path, description = "The file's attachment id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such file of its plan", body = ErrorBody),
    ))]
pub async fn remove_work_plan_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    work_plan::remove_work_plan_file(&writer(&state, &user), &ws, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}
