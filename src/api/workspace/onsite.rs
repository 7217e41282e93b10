//! On-site service through the API: a year's entries, recording, correcting, withdrawing,
//! confirming and withdrawing a confirmation.

use super::{Created, body, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::FieldError;
use crate::domain::onsite::OnsiteEntryInput;
use crate::domain::rules::days_between;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::params::parse_year;
use crate::http::{ApiError, AppError, ErrorBody, writer};
use crate::services::workspace::onsite;
use crate::store::onsite::{OnsiteCorrection, OnsiteRow};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    /// Students who went along (三(一) 师生团队).
    pub students: i64,
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
#[into_params(parameter_in = Query)]
pub struct OnsiteQuery {
    /// Calendar year, 2000–2100; this year when absent.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// The group's on-site service entries of one calendar year.
#[utoipa::path(get, path = "/api/v1/groups/{id}/onsite", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), OnsiteQuery),
    responses((status = 200, body = OnsiteList), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_onsite(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<OnsiteQuery>, QueryRejection>,
) -> Result<Json<OnsiteList>, ApiError> {
    let q = crate::api::query(query)?;
    let ws = open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let (first, last) = match (Date::new(year, 1, 1), Date::new(year, 12, 31)) {
        (Ok(f), Ok(l)) => (f, l),
        _ => return Err(AppError::Internal(anyhow::anyhow!("year {year}")).into()),
    };
    let rows =
        crate::services::workspace::onsite::list_onsite(&state.store, &ws, first, last).await?;
    Ok(Json(OnsiteList {
        year,
        entries: rows.into_iter().map(entry_dto).collect(),
    }))
}

fn entry_dto(e: OnsiteRow) -> OnsiteEntryDto {
    OnsiteEntryDto {
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
        students: e.students,
        confirmed: e.confirmed_at.is_some(),
        confirmed_by: e.confirmed_by,
        confirmed_at: e.confirmed_at.map(crate::clock::format_ms),
    }
}

/// Unknown fields are refused (422), as for every JSON body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnsiteRequest {
    /// YYYY-MM-DD.
    #[serde(default)]
    #[schema(format = Date)]
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
    /// Students who went along (三(一) 师生团队), a whole number ≥ 0; 0 when omitted.
    #[serde(default)]
    pub students: Option<i64>,
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
    let id = onsite::add_onsite_entry(&writer(&state, &user), &ws, &req.into_input()).await?;
    Ok(created(id))
}

impl OnsiteRequest {
    fn into_input(self) -> OnsiteEntryInput {
        OnsiteEntryInput {
            date_from: self.date_from,
            date_to: self.date_to.unwrap_or_default(),
            place: self.place_org_id,
            content: self.content,
            members: self.member_ids,
            students: self.students.map(|s| s.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OnsiteCorrected {
    /// The entry as it now reads.
    pub entry: OnsiteEntryDto,
    /// Whether anything changed (the same values again change nothing and write no audit entry).
    pub changed: bool,
    /// Whether the town's or village's confirmation was withdrawn by the correction: it was
    /// about the old content, so the corrected entry waits for a new confirmation.
    pub confirmation_cleared: bool,
}

/// Corrects an entry (the whole entry, as when recording it): the group's schools and the
/// bureau. Checked as a new entry is; a confirmed entry loses its confirmation.
#[utoipa::path(put, path = "/api/v1/groups/{id}/onsite/{entry}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("entry" = String, Path, description = "On-site entry id")),
    request_body = OnsiteRequest,
    responses(
        (status = 200, description = "Corrected (or already so)", body = OnsiteCorrected),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such entry in this group", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`; also the same service as another entry", body = ErrorBody),
    ))]
pub async fn correct_onsite_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, entry)): Path<(String, String)>,
    req: Result<Json<OnsiteRequest>, JsonRejection>,
) -> Result<Json<OnsiteCorrected>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    onsite::onsite_entry(&state.store, &ws, &entry).await?;
    let req = body(req)?;
    let w = writer(&state, &user);
    let outcome = onsite::correct_onsite_entry(&w, &ws, &entry, &req.into_input()).await?;
    let row = onsite::onsite_entry(&state.store, &ws, &entry).await?;
    let (changed, confirmation_cleared) = match outcome {
        OnsiteCorrection::Unchanged => (false, false),
        OnsiteCorrection::Corrected {
            confirmation_cleared,
        } => (true, confirmation_cleared),
    };
    Ok(Json(OnsiteCorrected {
        entry: entry_dto(row),
        changed,
        confirmation_cleared,
    }))
}

/// Withdraws an entry entered by mistake; an entry the town or village confirmed stays (409:
/// the town or village withdraws its confirmation first, or the entry is corrected).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/onsite/{entry}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("entry" = String, Path, description = "On-site entry id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Confirmed entries stay until the confirmation is withdrawn", body = ErrorBody),
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

/// Withdraws a confirmation made by mistake (撤销确认): a user of the town or village that
/// confirmed the entry, who may still confirm service at its place. The entry is unconfirmed again.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/onsite/{entry}/confirmation", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("entry" = String, Path, description = "On-site entry id")),
    responses(
        (status = 204, description = "Confirmation withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the organisation that confirmed it", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not confirmed", body = ErrorBody),
    ))]
pub async fn unconfirm_onsite_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    onsite::unconfirm_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A multipart body with one sheet.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SheetUpload {
    /// xlsx or UTF-8 csv in the columns of the on-site export (开始日期, 结束日期, 服务地点, 在场队员, 服务内容).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    /// How many entries were recorded (all the sheet's rows, or none).
    pub imported: usize,
}

/// Records the entries of a sheet, all or none, as the on-site page's import does.
#[utoipa::path(post, path = "/api/v1/groups/{id}/onsite/import", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body(content = SheetUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Recorded", body = ImportResult),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The sheet is unreadable or beyond its limits, or rows are wrong: every row error in `fields`", body = ErrorBody),
    ))]
pub async fn import_onsite_entries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ImportResult>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let Some(sheet) = form.take_files("file").into_iter().next() else {
        return Err(
            AppError::Invalid(FieldError::new("驻镇(含驻村)服务表", "请选择要导入的文件")).into(),
        );
    };
    let rows = crate::imports::read_sheet(&sheet.bytes)
        .map_err(|e| AppError::Invalid(FieldError::new("驻镇(含驻村)服务表", e)))?;
    let imported = onsite::import_onsite_entries(&writer(&state, &user), &ws, &rows).await?;
    Ok(Json(ImportResult { imported }))
}
