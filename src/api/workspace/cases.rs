//! Typical cases and news (典型案例与新闻, 五(四)) through the API: a group's items, writing,
//! correcting, submitting and withdrawing one; the bureau's queue, publication, return and
//! taking down; the published items without sign-in.

use super::{Created, body, created, open};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::case::{CaseInput, CaseKind, CaseState};
use crate::domain::ids::OrgId;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::cases::{self, Review};
use crate::store::cases::{CaseRow, PublishedFilter};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub id: String,
    pub group_id: String,
    pub group_number: i64,
    pub lead_town: String,
    /// case (典型案例) or news (新闻).
    pub kind: String,
    pub title: String,
    /// The plan area's number (三(一) is 1), if any.
    pub area: Option<u8>,
    pub summary: String,
    /// Cleaned HTML: no scripts, event handlers, script addresses or outside embeds.
    pub body: String,
    /// draft, submitted, returned, published or unpublished.
    pub state: String,
    /// 草稿, 待审核, 已退回修改, 已发布, 已撤下.
    pub state_label: String,
    /// The bureau's comment when it returned the item.
    pub review_comment: Option<String>,
    /// The organisation that wrote it.
    pub written_by_org: String,
    pub submitted_at: Option<String>,
    /// The day it was (last) published, YYYY-MM-DD.
    #[schema(format = Date)]
    pub published_on: Option<String>,
    /// Where it can be read without signing in, while published.
    pub public_url: Option<String>,
    /// Its version (changes with every correction and move): give it to publish so that only
    /// what was read is published.
    pub version: i64,
    /// The group's cooperation projects it is about.
    pub project_ids: Vec<String>,
}

impl From<CaseRow> for CaseDto {
    fn from(c: CaseRow) -> Self {
        Self {
            public_url: (c.state == CaseState::Published)
                .then(|| format!("/public/cases/{}", c.id)),
            version: c.updated_at,
            project_ids: c.project_ids.iter().map(|p| p.to_string()).collect(),
            id: c.id.to_string(),
            group_id: c.group_id.to_string(),
            group_number: c.group_number,
            lead_town: c.lead_town,
            kind: c.kind.as_str().into(),
            title: c.title,
            area: c.area,
            summary: c.summary,
            body: c.body,
            state: c.state.as_str().into(),
            state_label: c.state.label().into(),
            review_comment: c.review_comment,
            written_by_org: c.written_by_org,
            submitted_at: c.submitted_at.map(format_ms),
            published_on: c.published_on.map(|d| d.to_string()),
        }
    }
}

/// An item as written or corrected (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    /// case or news (or 典型案例, 新闻).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    /// The plan area's number; required for a case.
    #[serde(default)]
    pub area: Option<u8>,
    #[serde(default)]
    pub summary: String,
    /// HTML (at most 200 KB); cleaned before it is kept.
    #[serde(default)]
    pub body: String,
    /// Ids of the group's cooperation projects it is about (at most 20). A correction replaces
    /// the item: leaving this out names none.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub project_ids: Vec<String>,
}

impl CaseRequest {
    fn input(self) -> CaseInput {
        CaseInput {
            kind: self.kind,
            title: self.title,
            area: self.area.map(|a| a.to_string()).unwrap_or_default(),
            summary: self.summary,
            body: self.body,
            projects: self.project_ids,
        }
    }
}

/// The group's typical cases and news items, newest first (every user who sees the group).
#[utoipa::path(get, path = "/api/v1/groups/{id}/cases", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = Vec<CaseDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<CaseDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let rows = cases::group_cases(&state.store, &ws, &user).await?;
    Ok(Json(rows.into_iter().map(CaseDto::from).collect()))
}

/// Writes a draft (a school, town or village user of the group).
#[utoipa::path(post, path = "/api/v1/groups/{id}/cases", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = CaseRequest,
    responses(
        (status = 201, description = "Kept as a draft", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<CaseRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !cases::may_write(&ws, &user) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let input = body(req)?.input();
    let id = cases::add_case(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// One item of the group.
#[utoipa::path(get, path = "/api/v1/groups/{id}/cases/{case}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("case" = String, Path, description = "Item id")),
    responses((status = 200, body = CaseDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "No such group, or no such item in it", body = ErrorBody)))]
pub async fn get_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<Json<CaseDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    Ok(Json(
        cases::group_case(&state.store, &ws, &user, &case)
            .await?
            .into(),
    ))
}

/// Corrects an item while the group may (a draft, one returned or taken down); kept in its
/// 修改记录.
#[utoipa::path(put, path = "/api/v1/groups/{id}/cases/{case}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("case" = String, Path, description = "Item id")),
    request_body = CaseRequest,
    responses(
        (status = 200, description = "Corrected", body = CaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such item in it", body = ErrorBody),
        (status = 409, description = "Under review or published", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case)): Path<(String, String)>,
    req: Result<Json<CaseRequest>, JsonRejection>,
) -> Result<Json<CaseDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    cases::group_case(&state.store, &ws, &user, &case).await?;
    let input = body(req)?.input();
    cases::update_case(&writer(&state, &user), &ws, &case, &input).await?;
    Ok(Json(
        cases::group_case(&state.store, &ws, &user, &case)
            .await?
            .into(),
    ))
}

/// Withdraws an item never published (written by mistake).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/cases/{case}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("case" = String, Path, description = "Item id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Under review, or published once", body = ErrorBody),
    ))]
pub async fn withdraw_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    cases::withdraw_case(&writer(&state, &user), &ws, &case).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends an item for the bureau's review.
#[utoipa::path(post, path = "/api/v1/groups/{id}/cases/{case}/submit", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("case" = String, Path, description = "Item id")),
    responses(
        (status = 200, description = "Waiting for review", body = CaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Under review or published already", body = ErrorBody),
    ))]
pub async fn submit_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<Json<CaseDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    cases::submit_case(&writer(&state, &user), &ws, &case).await?;
    Ok(Json(
        cases::group_case(&state.store, &ws, &user, &case)
            .await?
            .into(),
    ))
}

/// One page of the bureau's queue.
#[derive(Serialize, ToSchema)]
pub struct CaseQueuePage {
    pub items: Vec<CaseDto>,
    /// Every item sent for review at least once (drafts are the groups' own).
    pub total: i64,
    /// How many wait for review (they come first).
    pub waiting: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A state the bureau's queue lists (drafts are the groups' own).
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum QueueState {
    Submitted,
    Returned,
    Published,
    Unpublished,
}

impl QueueState {
    fn state(self) -> CaseState {
        match self {
            QueueState::Submitted => CaseState::Submitted,
            QueueState::Returned => CaseState::Returned,
            QueueState::Published => CaseState::Published,
            QueueState::Unpublished => CaseState::Unpublished,
        }
    }
}

/// case (典型案例) or news (新闻).
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum KindParam {
    Case,
    News,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQueueQuery {
    /// Only items in this state.
    #[param(inline)]
    pub state: Option<QueueState>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// The bureau's queue of every group's items: those waiting for review first (oldest first),
/// then the rest, latest change first (the bureau and HQ read it).
#[utoipa::path(get, path = "/api/v1/cases", tag = "workspace", security(("bearer" = [])),
    params(CaseQueueQuery),
    responses((status = 200, body = CaseQueuePage), (status = 401, body = ErrorBody), (status = 403, description = "Everyone but the bureau and HQ", body = ErrorBody), (status = 422, description = "A state, page or page size out of range", body = ErrorBody)))]
pub async fn case_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<CaseQueueQuery>, QueryRejection>,
) -> Result<Json<CaseQueuePage>, ApiError> {
    let q = crate::api::query(query)?;
    let (page, per_page) = crate::api::paging(q.page, q.per_page)?;
    let only = q.state.map(QueueState::state);
    let (rows, total, waiting) =
        cases::case_queue(&state.store, &user, only, per_page, (page - 1) * per_page).await?;
    Ok(Json(CaseQueuePage {
        items: rows.into_iter().map(CaseDto::from).collect(),
        total,
        waiting,
        page,
        per_page,
    }))
}

/// The bureau's decision on one item, by the item's id.
async fn review(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    case: &str,
    r: Review<'_>,
) -> Result<Json<CaseDto>, ApiError> {
    let (ws, _) =
        cases::open_case(&state.store, &state.plans, user, case, state.clock.today()).await?;
    cases::review_case(&writer(state, user), &ws, case, r).await?;
    Ok(Json(
        cases::group_case(&state.store, &ws, user, case)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishQuery {
    /// The item's `version` as the reviewer read it: if it was corrected since, 409.
    pub version: Option<i64>,
}

/// 通过: the bureau publishes an item waiting for review; it is on the public pages at once.
#[utoipa::path(post, path = "/api/v1/cases/{case}/publish", tag = "workspace", security(("bearer" = [])),
    params(("case" = String, Path, description = "Item id"), PublishQuery),
    responses(
        (status = 200, description = "Published", body = CaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not waiting for review, or corrected since `version`", body = ErrorBody),
        (status = 422, description = "A version that is not a number", body = ErrorBody),
    ))]
pub async fn publish_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(case): Path<String>,
    query: Result<Query<PublishQuery>, QueryRejection>,
) -> Result<Json<CaseDto>, ApiError> {
    let q = crate::api::query(query)?;
    review(&state, &user, &case, Review::Publish(q.version)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// What to change (required, at most 500 characters).
    #[serde(default)]
    pub comment: String,
}

/// 返回修改: the bureau returns an item waiting for review, with what to change.
#[utoipa::path(post, path = "/api/v1/cases/{case}/return", tag = "workspace", security(("bearer" = [])),
    params(("case" = String, Path, description = "Item id")),
    request_body = ReturnRequest,
    responses(
        (status = 200, description = "Returned", body = CaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not waiting for review", body = ErrorBody),
        (status = 422, description = "An empty or too long comment", body = ErrorBody),
    ))]
pub async fn return_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(case): Path<String>,
    req: Result<Json<ReturnRequest>, JsonRejection>,
) -> Result<Json<CaseDto>, ApiError> {
    let (ws, _) = cases::open_case(
        &state.store,
        &state.plans,
        &user,
        &case,
        state.clock.today(),
    )
    .await?;
    crate::services::access::require_case_reviewer(&user)?;
    let req = body(req)?;
    cases::review_case(
        &writer(&state, &user),
        &ws,
        &case,
        Review::Return(&req.comment),
    )
    .await?;
    Ok(Json(
        cases::group_case(&state.store, &ws, &user, &case)
            .await?
            .into(),
    ))
}

/// 撤下: the bureau takes a published item down; it leaves the public pages at once.
#[utoipa::path(post, path = "/api/v1/cases/{case}/unpublish", tag = "workspace", security(("bearer" = [])),
    params(("case" = String, Path, description = "Item id")),
    responses(
        (status = 200, description = "Taken down", body = CaseDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not published", body = ErrorBody),
    ))]
pub async fn unpublish_case(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(case): Path<String>,
) -> Result<Json<CaseDto>, ApiError> {
    review(&state, &user, &case, Review::Unpublish).await
}

/// A published item as anyone may read it: no one's name, no review notes.
#[derive(Serialize, ToSchema)]
pub struct PublicCaseDto {
    pub id: String,
    /// case (典型案例) or news (新闻).
    pub kind: String,
    pub title: String,
    pub area: Option<u8>,
    pub summary: String,
    /// Cleaned HTML.
    pub body: String,
    pub group_number: i64,
    pub lead_town: String,
    /// The organisation that wrote it.
    pub organisation: String,
    #[schema(format = Date)]
    pub published_on: String,
    pub url: String,
}

impl From<CaseRow> for PublicCaseDto {
    fn from(c: CaseRow) -> Self {
        Self {
            url: format!("/public/cases/{}", c.id),
            id: c.id.to_string(),
            kind: c.kind.as_str().into(),
            title: c.title,
            area: c.area,
            summary: c.summary,
            body: c.body,
            group_number: c.group_number,
            lead_town: c.lead_town,
            organisation: c.written_by_org,
            published_on: c.published_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// A published item as the public list gives it (its body on its own address).
#[derive(Serialize, ToSchema)]
pub struct PublicCaseItem {
    pub id: String,
    /// case (典型案例) or news (新闻).
    pub kind: String,
    pub title: String,
    pub area: Option<u8>,
    pub summary: String,
    pub group_number: i64,
    pub lead_town: String,
    pub organisation: String,
    #[schema(format = Date)]
    pub published_on: String,
    pub url: String,
}

impl From<CaseRow> for PublicCaseItem {
    fn from(c: CaseRow) -> Self {
        let d = PublicCaseDto::from(c);
        Self {
            id: d.id,
            kind: d.kind,
            title: d.title,
            area: d.area,
            summary: d.summary,
            group_number: d.group_number,
            lead_town: d.lead_town,
            organisation: d.organisation,
            published_on: d.published_on,
            url: d.url,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicCasePage {
    pub items: Vec<PublicCaseItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PublicCaseQuery {
    /// The plan area's number.
    #[param(minimum = 1, maximum = 255)]
    pub area: Option<u8>,
    /// A group's lead town (organisation id).
    pub town: Option<String>,
    /// Published in this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i16>,
    #[param(inline)]
    pub kind: Option<KindParam>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

impl PublicCaseQuery {
    /// The filter, or the field that is wrong.
    pub fn filter(&self) -> Result<PublishedFilter, crate::domain::FieldError> {
        use crate::domain::FieldError;
        if self.area == Some(0) {
            return Err(FieldError::new("area", "应为 1–255 之间的领域编号"));
        }
        if let Some(y) = self.year
            && !(2000..=2100).contains(&y)
        {
            return Err(FieldError::new("year", "应为 2000–2100 之间的年份"));
        }
        let kind = self.kind.map(|k| match k {
            KindParam::Case => CaseKind::Case,
            KindParam::News => CaseKind::News,
        });
        // A town that is no lead town's id leads no group: nothing listed, not an error.
        let town = self
            .town
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| OrgId::from_db(t.to_string()));
        Ok(PublishedFilter {
            area: self.area,
            town,
            year: self.year,
            kind,
        })
    }
}

/// Published typical cases and news, latest first, without their bodies (no sign-in).
#[utoipa::path(get, path = "/api/v1/public/cases", tag = "meta",
    params(PublicCaseQuery),
    responses((status = 200, body = PublicCasePage), (status = 422, description = "A filter, page or page size out of range", body = ErrorBody)))]
pub async fn public_cases(
    State(state): State<AppState>,
    query: Result<Query<PublicCaseQuery>, QueryRejection>,
) -> Result<Json<PublicCasePage>, ApiError> {
    let q = crate::api::query(query)?;
    let (page, per_page) = crate::api::paging(q.page, q.per_page)?;
    let filter = q.filter().map_err(crate::http::AppError::Invalid)?;
    let (rows, total) =
        cases::published(&state.store, &filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(PublicCasePage {
        items: rows.into_iter().map(PublicCaseItem::from).collect(),
        total,
        page,
        per_page,
    }))
}

/// One published item (no sign-in); 404 once it is taken down.
#[utoipa::path(get, path = "/api/v1/public/cases/{case}", tag = "meta",
    params(("case" = String, Path, description = "Item id")),
    responses((status = 200, body = PublicCaseDto), (status = 404, description = "No such item, or not published", body = ErrorBody)))]
pub async fn public_case(
    State(state): State<AppState>,
    Path(case): Path<String>,
) -> Result<Json<PublicCaseDto>, ApiError> {
    Ok(Json(
        cases::published_case(&state.store, &case).await?.into(),
    ))
}

/// An image of an item's body.
#[derive(Serialize, ToSchema)]
pub struct CaseImageDto {
    pub id: String,
    pub file_name: String,
    /// image/jpeg or image/png (judged from the content).
    pub content_type: String,
    pub size_bytes: i64,
    /// The address to use in the body (`<img src="…">`): read without sign-in while the item is
    /// published, by those who see the item otherwise.
    pub src: String,
}

async fn image_list(state: &AppState, c: &CaseRow) -> Result<Vec<CaseImageDto>, ApiError> {
    Ok(cases::case_images(&state.store, c)
        .await?
        .iter()
        .map(|a| CaseImageDto {
            id: a.id.to_string(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            src: cases::image_src(&c.id, &a.id),
        })
        .collect())
}

/// The images of an item's body, oldest first (everyone who sees the item).
#[utoipa::path(get, path = "/api/v1/groups/{id}/cases/{case}/images", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("case" = String, Path, description = "Item id")),
    responses((status = 200, body = Vec<CaseImageDto>), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_case_images(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case)): Path<(String, String)>,
) -> Result<Json<Vec<CaseImageDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let c = cases::group_case(&state.store, &ws, &user, &case).await?;
    Ok(Json(image_list(&state, &c).await?))
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CaseImagesUpload {
    /// One or more images (JPEG, PNG) under the name `files`.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// Adds images for an item's body, all or none (the writing organisation, while the item may be
/// corrected); put each one's `src` into the body where it belongs.
#[utoipa::path(post, path = "/api/v1/groups/{id}/cases/{case}/images", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("case" = String, Path, description = "Item id")),
    request_body(content = CaseImagesUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added: the item's images as they now stand", body = Vec<CaseImageDto>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a user of the organisation that wrote it", body = ErrorBody),
        (status = 404, description = "No such group, or no such item in it", body = ErrorBody),
        (status = 409, description = "Under review or published, or too many images", body = ErrorBody),
        (status = 422, description = "No file, or every wrong file in `fields` (none is stored)", body = ErrorBody),
    ))]
pub async fn add_case_images(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Vec<CaseImageDto>>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let c = cases::group_case(&state.store, &ws, &user, &case).await?;
    if !cases::may_change(&ws, &user, &c) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let files = form.take_files("files");
    cases::add_images(&writer(&state, &user), &ws, &case, files).await?;
    Ok(Json(image_list(&state, &c).await?))
}

/// Removes one image of an item (kept in its 修改记录); its bytes go when no other record refers
/// to them.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/cases/{case}/images/{image}", tag = "workspace", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Group id (UUID)"),
        ("case" = String, Path, description = "Item id"),
        ("image" = String, Path, description = "The image's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a user of the organisation that wrote it", body = ErrorBody),
        (status = 404, description = "No such group, item in it, or image of the item", body = ErrorBody),
        (status = 409, description = "Under review or published", body = ErrorBody),
    ))]
pub async fn remove_case_image(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, case, image)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    cases::remove_image(&writer(&state, &user), &ws, &case, &image).await?;
    Ok(StatusCode::NO_CONTENT)
}
