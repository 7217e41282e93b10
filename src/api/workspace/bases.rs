//! Practice bases through the API: list them with photos, record one (multipart), correct one,
//! withdraw one entered by mistake, add photos later and remove one.

use super::{AttachmentDto, Created, body, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::base::BaseInput;
use crate::domain::ids::AttachmentOwner;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::workspace::OpenedGroup;
use crate::services::workspace::bases;
use crate::store::bases::BaseRow;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    responses((status = 200, body = Vec<BaseDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_bases(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<BaseDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let rows = state.store.list_bases(&ws.group().id).await?;
    Ok(Json(base_dtos(&state, rows).await?))
}

async fn base_dtos(state: &AppState, rows: Vec<BaseRow>) -> Result<Vec<BaseDto>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|b| b.id.to_string()).collect();
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &ids)
        .await?;
    Ok(rows
        .into_iter()
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
        .collect())
}

/// One base of the group as the API gives it (404 when there is none by that id in the group).
async fn base_dto(state: &AppState, ws: &OpenedGroup, base: &str) -> Result<BaseDto, ApiError> {
    let id =
        crate::domain::ids::BaseId::parse(base).ok_or(crate::services::ServiceError::NotFound)?;
    let row = state
        .store
        .get_base(&ws.group().id, &id)
        .await?
        .ok_or(crate::services::ServiceError::NotFound)?;
    Ok(base_dtos(state, vec![row])
        .await?
        .pop()
        .expect("one base in, one out"))
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
    #[schema(format = Date)]
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
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
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

/// A correction of a base: every field as it should be (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseRequest {
    #[serde(default)]
    pub name: String,
    /// The organisation id of the group's town or one of its villages.
    #[serde(default)]
    pub place_org_id: String,
    /// red_education, innovation, creative_design, internship, other; at least one.
    #[serde(default)]
    pub functions: Vec<String>,
    /// YYYY-MM-DD, not after today.
    #[serde(default)]
    #[schema(format = Date)]
    pub opened_on: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Corrects a practice base (the group's schools and the bureau); the change is kept in the
/// base's 修改记录 with the fields' old and new values.
#[utoipa::path(put, path = "/api/v1/groups/{id}/bases/{base}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("base" = String, Path, description = "Practice base id")),
    request_body = BaseRequest,
    responses(
        (status = 200, description = "Corrected", body = BaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such base in it", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_base(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, base)): Path<(String, String)>,
    req: Result<Json<BaseRequest>, JsonRejection>,
) -> Result<Json<BaseDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let req = body(req)?;
    let input = BaseInput {
        name: req.name,
        place: req.place_org_id,
        functions: req.functions,
        opened_on: req.opened_on,
        description: req.description.unwrap_or_default(),
    };
    bases::update_base(&writer(&state, &user), &ws, &base, &input).await?;
    Ok(Json(base_dto(&state, &ws, &base).await?))
}

/// Withdraws a base entered by mistake, with its photos (the group's schools and the bureau).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/bases/{base}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("base" = String, Path, description = "Practice base id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn withdraw_base(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, base)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    bases::withdraw_base(&writer(&state, &user), &ws, &base).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Photo files as a multipart body.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotosUpload {
    /// One or more JPEG or PNG files, each within the plan's size limit.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub photos: Vec<Vec<u8>>,
}

/// Adds photos to a base recorded earlier (the group's schools and the bureau).
#[utoipa::path(post, path = "/api/v1/groups/{id}/bases/{base}/photos", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("base" = String, Path, description = "Practice base id")),
    request_body(content = PhotosUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added", body = BaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "No photo, or every wrong file in `fields`", body = ErrorBody),
    ))]
pub async fn add_base_photos(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, base)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<BaseDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let photos = form.take_files("photos");
    bases::add_base_photos(&writer(&state, &user), &ws, &base, photos).await?;
    Ok(Json(base_dto(&state, &ws, &base).await?))
}

/// Removes one photo of a base; its file goes when no other record refers to it.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/bases/{base}/photos/{file}", tag = "workspace", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Group id (UUID)"),
        ("base" = String, Path, description = "Practice base id"),
        ("file" = String, Path, description = "The photo's attachment id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, base, or photo of that base", body = ErrorBody),
    ))]
pub async fn remove_base_photo(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, base, file)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    bases::remove_base_photo(&writer(&state, &user), &ws, &base, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}
