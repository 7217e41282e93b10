//! A group's workspace through the API: agreement, team, on-site service, practice bases and
//! attachments. Each write parses the request into the domain's input and calls the same service
//! function as the web form, so validation, authorisation and audit are the browser's.

pub mod adjustments;
pub mod agreement;
pub mod annual_plans;
pub mod bases;
pub mod cases;
pub mod coordination;
pub mod expense_import;
pub mod expenses;
pub mod matters;
pub mod meetings;
pub mod onsite;
pub mod projects;
pub mod team;
pub mod work_plan;

pub use adjustments::*;
pub use agreement::*;
pub use annual_plans::*;
pub use bases::*;
pub use cases::*;
pub use coordination::*;
pub use expense_import::*;
pub use expenses::*;
pub use matters::*;
pub use meetings::*;
pub use onsite::*;
pub use projects::*;
pub use team::*;
pub use work_plan::*;

use super::{OrgRef, json_rejection};
use crate::AppState;
use crate::http::attachment_response;
use crate::http::auth::{ApiUser, Viewer};
use crate::http::{ApiError, ErrorBody};
use crate::services::workspace::{OpenedGroup, open_group, read_attachment};
use crate::store::attachments::AttachmentRow;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

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

pub(crate) fn created(id: impl ToString) -> (StatusCode, Json<Created>) {
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

/// Downloads an attachment (agreement scan, base photo), for callers who may see its group.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file's bytes, with its content type (PDF, JPEG or PNG)", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn download_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (file, bytes) =
        read_attachment(&state.store, &state.files, &user, &id, state.clock.now_ms()).await?;
    Ok(attachment_response(&file, bytes))
}

/// A record's 修改记录 (creation, each correction with the fields it changed, confirmations),
/// oldest first, for callers who may see its group. `kind` is agreement, team_member,
/// onsite_entry, practice_base, expense, major_matter, coordinator, meeting, annual_plan_item,
/// project, project_update or case.
#[utoipa::path(get, path = "/api/v1/groups/{id}/records/{kind}/{record}/history", tag = "workspace", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Group id (UUID)"),
        ("kind" = String, Path, description = "agreement, team_member, onsite_entry, practice_base, expense, major_matter, coordinator, meeting, annual_plan_item, project, project_update or case"),
        ("record" = String, Path, description = "The record's id"),
    ),
    responses(
        (status = 200, body = Vec<crate::services::history::HistoryEntry>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody),
        (status = 404, description = "No such group, kind or record in the group", body = ErrorBody),
    ))]
pub async fn record_history(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, kind, record)): Path<(String, String, String)>,
) -> Result<Json<Vec<crate::services::history::HistoryEntry>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let kind = crate::services::history::RecordKind::parse(&kind)
        .ok_or(crate::services::ServiceError::NotFound)?;
    Ok(Json(
        crate::services::history::viewed_record_history(&state.store, &ws, &user, kind, &record)
            .await?,
    ))
}
