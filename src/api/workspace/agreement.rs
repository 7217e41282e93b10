//! The agreement through the API: read it, record or correct it (JSON), add scans (multipart),
//! withdraw one entered by mistake, remove a scan. The same for the supplementary agreement (补充协议)
//! of an adjustment that added parties, under `/groups/{id}/adjustments/{adjustment}/agreement`.

use super::{AttachmentDto, body, open, org_ref};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::agreement::AgreementInput;
use crate::domain::ids::AttachmentOwner;
use crate::domain::rules::agreement_deadline;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::workspace::agreement::{Supplementary, Which};
use crate::services::workspace::{OpenedGroup, agreement};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// An agreement as read (the tripartite one or a supplementary one), with its deadline.
async fn agreement_parts(
    state: &AppState,
    ws: &OpenedGroup,
    which: Which<'_>,
    deadline: jiff::civil::Date,
) -> Result<AgreementDto, ApiError> {
    let a = agreement::get_agreement(&state.store, ws, which).await?;
    let scans = match &a {
        Some(a) => {
            state
                .store
                .list_attachments(AttachmentOwner::Agreement, &[a.id.to_string()])
                .await?
        }
        None => Vec::new(),
    };
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

async fn agreement_dto(state: &AppState, ws: &OpenedGroup) -> Result<AgreementDto, ApiError> {
    let deadline = agreement_deadline(ws.group().started_on, ws.plan.rules.agreement_months);
    agreement_parts(state, ws, Which::Tripartite, deadline).await
}

/// The group's tripartite agreement, its parties and scans.
#[utoipa::path(get, path = "/api/v1/groups/{id}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = AgreementDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AgreementDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    Ok(Json(agreement_dto(&state, &ws).await?))
}

/// A supplementary agreement (补充协议): what the tripartite agreement's reading has, and the
/// adjustment it answers.
#[derive(Serialize, ToSchema)]
pub struct SupplementaryAgreementDto {
    /// As the tripartite agreement reads; its deadline is the adjustment's effective date plus
    /// the plan's months (四(二)).
    #[serde(flatten)]
    pub agreement: AgreementDto,
    /// The adjustment it answers.
    pub adjustment_id: String,
    /// The adjustment's effective date, YYYY-MM-DD: the agreement is not signed before it.
    pub effective_on: String,
    /// The organisations the adjustment added: each must be a party.
    pub added: Vec<OrgRef>,
}

async fn supplementary_dto(
    state: &AppState,
    ws: &OpenedGroup,
    s: &Supplementary,
) -> Result<SupplementaryAgreementDto, ApiError> {
    Ok(SupplementaryAgreementDto {
        agreement: agreement_parts(state, ws, Which::Supplementary(s), s.due).await?,
        adjustment_id: s.adjustment.id.to_string(),
        effective_on: s.adjustment.effective_on.to_string(),
        added: s
            .added
            .iter()
            .map(|m| OrgRef {
                id: m.org_id.to_string(),
                name: m.name.clone(),
            })
            .collect(),
    })
}

/// The group and the adjustment of the path: not found unless the adjustment is the group's and
/// added parties.
async fn open_supplementary(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    id: &str,
    adjustment: &str,
) -> Result<(OpenedGroup, Supplementary), ApiError> {
    let ws = open(state, user, id).await?;
    let s = agreement::supplementary(&state.store, &ws, adjustment).await?;
    Ok((ws, s))
}

/// The supplementary agreement (补充协议) the parties an adjustment added owe, its parties and
/// scans: everyone who sees the group.
#[utoipa::path(get, path = "/api/v1/groups/{id}/adjustments/{adjustment}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("adjustment" = String, Path, description = "The adjustment's id (UUID)")),
    responses((status = 200, body = SupplementaryAgreementDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, description = "No such group, or no adjustment of it that added parties", body = ErrorBody)))]
pub async fn get_supplementary_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, adjustment)): Path<(String, String)>,
) -> Result<Json<SupplementaryAgreementDto>, ApiError> {
    let (ws, s) = open_supplementary(&state, &user, &id, &adjustment).await?;
    Ok(Json(supplementary_dto(&state, &ws, &s).await?))
}

/// Records or corrects the supplementary agreement of an adjustment that added parties (the
/// group's schools and the bureau): signed on or after the adjustment's effective date, by at
/// least the parties it added, members of the group on that date.
#[utoipa::path(put, path = "/api/v1/groups/{id}/adjustments/{adjustment}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("adjustment" = String, Path, description = "The adjustment's id (UUID)")),
    request_body = AgreementRequest,
    responses(
        (status = 200, description = "Recorded", body = SupplementaryAgreementDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not one of the group's schools, nor the bureau", body = ErrorBody),
        (status = 404, description = "No such group, or no adjustment of it that added parties", body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn save_supplementary_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, adjustment)): Path<(String, String)>,
    req: Result<Json<AgreementRequest>, JsonRejection>,
) -> Result<Json<SupplementaryAgreementDto>, ApiError> {
    let (ws, s) = open_supplementary(&state, &user, &id, &adjustment).await?;
    ws.require_edit()?;
    let req = body(req)?;
    let input = AgreementInput {
        signed_on: req.signed_on.unwrap_or_default(),
        notes: req.notes.unwrap_or_default(),
        parties: req.parties,
        with_scans: false,
    };
    let which = Which::Supplementary(&s);
    agreement::save_agreement(&writer(&state, &user), &ws, which, input, Vec::new()).await?;
    Ok(Json(supplementary_dto(&state, &ws, &s).await?))
}

/// Adds scans (PDF, JPEG, PNG) to the recorded, signed supplementary agreement.
#[utoipa::path(post, path = "/api/v1/groups/{id}/adjustments/{adjustment}/agreement/scans", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("adjustment" = String, Path, description = "The adjustment's id (UUID)")),
    request_body(content = ScansUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added", body = SupplementaryAgreementDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong file in `fields`", body = ErrorBody),
    ))]
pub async fn add_supplementary_agreement_scans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, adjustment)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<SupplementaryAgreementDto>, ApiError> {
    let (ws, s) = open_supplementary(&state, &user, &id, &adjustment).await?;
    ws.require_edit()?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let scans = form.take_files("scans");
    let which = Which::Supplementary(&s);
    agreement::add_agreement_scans(&writer(&state, &user), &ws, which, scans).await?;
    Ok(Json(supplementary_dto(&state, &ws, &s).await?))
}

/// Withdraws the supplementary agreement entered by mistake, with its parties and scans.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/adjustments/{adjustment}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("adjustment" = String, Path, description = "The adjustment's id (UUID)")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group or adjustment, or no supplementary agreement recorded", body = ErrorBody),
    ))]
pub async fn withdraw_supplementary_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, adjustment)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (ws, s) = open_supplementary(&state, &user, &id, &adjustment).await?;
    agreement::withdraw_agreement(&writer(&state, &user), &ws, Which::Supplementary(&s)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes one scan of the supplementary agreement; its file goes when no other record refers to it.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/adjustments/{adjustment}/agreement/scans/{scan}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("adjustment" = String, Path, description = "The adjustment's id (UUID)"), ("scan" = String, Path, description = "The scan's attachment id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group or adjustment, or no such scan of its supplementary agreement", body = ErrorBody),
    ))]
pub async fn remove_supplementary_agreement_scan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, adjustment, scan)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (ws, s) = open_supplementary(&state, &user, &id, &adjustment).await?;
    let which = Which::Supplementary(&s);
    agreement::remove_agreement_scan(&writer(&state, &user), &ws, which, &scan).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unknown fields are refused (422): every field has a default, so a misspelt one would otherwise
/// be read as empty.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementRequest {
    /// YYYY-MM-DD; absent or empty while not signed yet.
    #[serde(default)]
    pub signed_on: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Organisation ids of the signing members. At least a school and the town or a village to be
    /// recorded; the agreement rule is met only when every member the plan names has signed.
    #[serde(default)]
    pub parties: Vec<String>,
}

/// Records or corrects the group's agreement (the group's schools and the bureau). A body with
/// no date and no notes is refused (422): an empty agreement is not recorded.
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
    agreement::save_agreement(
        &writer(&state, &user),
        &ws,
        Which::Tripartite,
        input,
        Vec::new(),
    )
    .await?;
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
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<AgreementDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let scans = form.take_files("scans");
    agreement::add_agreement_scans(&writer(&state, &user), &ws, Which::Tripartite, scans).await?;
    Ok(Json(agreement_dto(&state, &ws).await?))
}

/// Withdraws the group's agreement entered by mistake, with its parties and scans.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/agreement", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no agreement recorded", body = ErrorBody),
    ))]
pub async fn withdraw_agreement(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    agreement::withdraw_agreement(&writer(&state, &user), &ws, Which::Tripartite).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes one scan of the agreement; its file goes when no other record refers to it.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/agreement/scans/{file}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("file" = String, Path, description = "The scan's attachment id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such scan of its agreement", body = ErrorBody),
    ))]
pub async fn remove_agreement_scan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    agreement::remove_agreement_scan(&writer(&state, &user), &ws, Which::Tripartite, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}
