//! Practice bases through the API: list them with photos, record one (multipart).

use super::{AttachmentDto, Created, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::base::BaseInput;
use crate::domain::ids::AttachmentOwner;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::workspace::bases;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use serde::Serialize;
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
    let ids: Vec<String> = rows.iter().map(|b| b.id.to_string()).collect();
    let photos = state
        .store
        .list_attachments(AttachmentOwner::Base, &ids)
        .await?;
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
