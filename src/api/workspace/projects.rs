//! 合作项目 through the API: a group's filtered list with totals per area, recording,
//! correcting and withdrawing a project, its progress updates (recording, correcting,
//! withdrawing) and the list across every group the caller reads. Outcome figures are named by
//! the plan's codes; money (contract values, money figures) goes in and out as yuan strings with
//! the integer fen beside it.

use super::{Created, ImportResult, body, created, open};
use crate::AppState;
use crate::api::OrgRef;
use crate::domain::FieldError;
use crate::domain::money::plain_yuan;
use crate::domain::plan::{OutcomeKind, Plan};
use crate::domain::project::{ProjectInput, UpdateInput, show_figure};
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, AppError, ErrorBody, writer};
use crate::services::ServiceError;
use crate::services::workspace::OpenedGroup;
use crate::services::workspace::projects;
use crate::store::projects::{ProjectRow, ProjectTotals, UpdateRow};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// One outcome figure of an area, with its amount.
#[derive(Serialize, ToSchema)]
pub struct FigureDto {
    /// The plan's code (`people_trained`).
    pub code: String,
    pub label: String,
    pub unit: String,
    /// count or money.
    pub kind: String,
    /// A count, or fen for money.
    pub amount: i64,
    /// As people read it: the count, or yuan with two decimals ("1200.50").
    pub value: String,
}

/// The figures of area `area` of `plan`, each with its amount from `amounts` (0 when none).
fn figures(plan: &Plan, area: u8, amounts: &dyn Fn(&str) -> i64) -> Vec<FigureDto> {
    plan.area(i64::from(area))
        .map(|a| {
            a.outcomes
                .iter()
                .map(|f| {
                    let amount = amounts(&f.code);
                    FigureDto {
                        code: f.code.clone(),
                        label: f.label.clone(),
                        unit: f.unit.clone(),
                        kind: match f.kind {
                            OutcomeKind::Count => "count",
                            OutcomeKind::Money => "money",
                        }
                        .into(),
                        amount,
                        value: show_figure(f.kind, amount),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: String,
    pub group_id: String,
    pub group_number: i64,
    /// The area's number (1–6 in the Dongguan plan) and name.
    pub area: u8,
    pub area_name: String,
    pub title: String,
    pub lead: OrgRef,
    /// Bodies outside the programme, as text.
    pub partners: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// planned, active, done or paused.
    pub status: String,
    pub status_label: String,
    pub description: String,
    /// 五(二) 购买服务: a town or village buys services from the school leading it.
    pub purchased: bool,
    pub buyer: Option<OrgRef>,
    /// Yuan with two decimals ("120000.00").
    pub contract: Option<String>,
    pub contract_fen: Option<i64>,
    /// How many progress updates, and the students they counted.
    pub updates: i64,
    pub students: i64,
    /// Every figure of the project's area, summed over its updates.
    pub figures: Vec<FigureDto>,
}

fn dto(plan: &Plan, p: ProjectRow) -> ProjectDto {
    let figures = figures(plan, p.area, &|c| p.figures.get(c).copied().unwrap_or(0));
    ProjectDto {
        id: p.id.to_string(),
        group_id: p.group_id.to_string(),
        group_number: p.group_number,
        area: p.area,
        area_name: plan
            .area(i64::from(p.area))
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        title: p.title,
        lead: OrgRef {
            id: p.lead_org_id.to_string(),
            name: p.lead_name,
        },
        partners: p.partners,
        starts_on: p.starts_on.to_string(),
        ends_on: p.ends_on.map(|d| d.to_string()),
        status: p.status.as_str().into(),
        status_label: p.status.label().into(),
        description: p.description,
        purchased: p.purchased,
        buyer: p.buyer_org_id.map(|id| OrgRef {
            id: id.to_string(),
            name: p.buyer_name.unwrap_or_default(),
        }),
        contract: p.contract_fen.map(plain_yuan),
        contract_fen: p.contract_fen,
        updates: p.updates,
        students: p.students,
        figures,
    }
}

#[derive(Serialize, ToSchema)]
pub struct AreaTotalDto {
    pub area: u8,
    pub name: String,
    pub projects: i64,
    /// Each figure of the area summed (a year's updates only when a year is chosen).
    pub figures: Vec<FigureDto>,
}

#[derive(Serialize, ToSchema)]
pub struct BuyerTotalDto {
    pub buyer: OrgRef,
    pub projects: i64,
    pub contract: String,
    pub contract_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectTotalsDto {
    /// Every area of the plan, with none where no project matches.
    pub by_area: Vec<AreaTotalDto>,
    pub purchased_projects: i64,
    pub purchased_contract: String,
    pub purchased_contract_fen: i64,
    pub purchases_by_buyer: Vec<BuyerTotalDto>,
}

fn totals_dto(plan: &Plan, t: &ProjectTotals) -> ProjectTotalsDto {
    ProjectTotalsDto {
        by_area: plan
            .areas
            .iter()
            .map(|a| {
                let found = t.by_area.iter().find(|x| x.area == a.number);
                AreaTotalDto {
                    area: a.number,
                    name: a.name.clone(),
                    projects: found.map_or(0, |x| x.projects),
                    figures: figures(plan, a.number, &|c| {
                        found.and_then(|x| x.figures.get(c).copied()).unwrap_or(0)
                    }),
                }
            })
            .collect(),
        purchased_projects: t.purchased_projects,
        purchased_contract: plain_yuan(t.purchased_fen),
        purchased_contract_fen: t.purchased_fen,
        purchases_by_buyer: t
            .purchases
            .iter()
            .map(|b| BuyerTotalDto {
                buyer: OrgRef {
                    id: b.buyer_org_id.to_string(),
                    name: b.buyer_name.clone(),
                },
                projects: b.projects,
                contract: plain_yuan(b.contract_fen),
                contract_fen: b.contract_fen,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectListDto {
    pub items: Vec<ProjectDto>,
    /// How many match the filters (all pages).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// Over every matching project, not only this page.
    pub totals: ProjectTotalsDto,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListQuery {
    /// The area's number, e.g. 3.
    pub area: Option<String>,
    /// planned, active, done or paused.
    pub status: Option<String>,
    /// Projects running in this calendar year (e.g. 2026); the totals count its updates.
    pub year: Option<String>,
    /// 1-based page number (newest start first), at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// The group's projects (filtered, a page at a time) with totals per area over every match;
/// for everyone who sees the group.
#[utoipa::path(get, path = "/api/v1/groups/{id}/projects", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ProjectListQuery),
    responses((status = 200, body = ProjectListDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, description = "A filter that is not an area, status or year", body = ErrorBody)))]
pub async fn list_projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    q: Result<Query<ProjectListQuery>, QueryRejection>,
) -> Result<Json<ProjectListDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    let q = crate::api::query(q)?;
    let filter = projects::parse_filter(
        &ws.plan,
        q.area.as_deref(),
        q.status.as_deref(),
        q.year.as_deref(),
        None,
    )?;
    let (page, per_page) = crate::api::paging(q.page, q.per_page)?;
    let (rows, total) = projects::list_projects(
        &state.store,
        &ws,
        &filter,
        Some((per_page, (page - 1) * per_page)),
    )
    .await?;
    let t = projects::project_totals(&state.store, &ws, &filter).await?;
    Ok(Json(ProjectListDto {
        items: rows.into_iter().map(|p| dto(&ws.plan, p)).collect(),
        total,
        page,
        per_page,
        totals: totals_dto(&ws.plan, &t),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllProjectsQuery {
    /// Only this group's (its id).
    pub group: Option<String>,
    /// The area's number, e.g. 3.
    pub area: Option<String>,
    /// planned, active, done or paused.
    pub status: Option<String>,
    /// Projects running in this calendar year (e.g. 2026); the totals count its updates.
    pub year: Option<String>,
    /// 1-based page number, at most 1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// The projects of every group the caller reads (the bureau and HQ: all groups; a school, town
/// or village: the groups it is a member of), filtered and paged, with totals per area.
#[utoipa::path(get, path = "/api/v1/projects", tag = "workspace", security(("bearer" = [])),
    params(AllProjectsQuery),
    responses((status = 200, body = ProjectListDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody), (status = 422, description = "A filter that is not a group id, area, status or year", body = ErrorBody)))]
pub async fn list_all_projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    q: Result<Query<AllProjectsQuery>, QueryRejection>,
) -> Result<Json<ProjectListDto>, ApiError> {
    crate::services::access::require_business(&user)?;
    let q = crate::api::query(q)?;
    let (_, plan) = state
        .plans
        .current(&state.store)
        .await
        .map_err(|e| ApiError(AppError::from(crate::store::StoreError::from(e))))?
        .ok_or(ApiError(AppError::NotFound))?;
    let filter = projects::parse_filter(
        &plan,
        q.area.as_deref(),
        q.status.as_deref(),
        q.year.as_deref(),
        q.group.as_deref(),
    )?;
    let (page, per_page) = crate::api::paging(q.page, q.per_page)?;
    let (rows, total, t) = projects::list_all_projects(
        &state.store,
        &user,
        &filter,
        Some((per_page, (page - 1) * per_page)),
    )
    .await?;
    Ok(Json(ProjectListDto {
        items: rows.into_iter().map(|p| dto(&plan, p)).collect(),
        total,
        page,
        per_page,
        totals: totals_dto(&plan, &t),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UpdateDto {
    pub id: String,
    #[schema(format = Date)]
    pub happened_on: String,
    pub summary: String,
    pub students: i64,
    /// Every figure of the project's area, with what this update added (0 where nothing).
    pub figures: Vec<FigureDto>,
}

fn update_dto(plan: &Plan, area: u8, u: UpdateRow) -> UpdateDto {
    let amounts: BTreeMap<String, i64> = u.figures.iter().cloned().collect();
    UpdateDto {
        id: u.id.to_string(),
        happened_on: u.happened_on.to_string(),
        summary: u.summary,
        students: u.students,
        figures: figures(plan, area, &|c| amounts.get(c).copied().unwrap_or(0)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectDetailDto {
    #[serde(flatten)]
    pub project: ProjectDto,
    /// Newest first.
    pub progress: Vec<UpdateDto>,
    pub attachments: Vec<super::AttachmentDto>,
}

/// One project of the group with its progress updates and attachments.
#[utoipa::path(get, path = "/api/v1/groups/{id}/projects/{project}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id")),
    responses((status = 200, body = ProjectDetailDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "No such group, or no such project in it", body = ErrorBody)))]
pub async fn get_project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project)): Path<(String, String)>,
) -> Result<Json<ProjectDetailDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    Ok(Json(detail(&state, &ws, &project).await?))
}

/// The project with its progress updates and attachments, as it now stands.
async fn detail(
    state: &AppState,
    ws: &OpenedGroup,
    project: &str,
) -> Result<ProjectDetailDto, ApiError> {
    let p = projects::project(&state.store, ws, project).await?;
    let updates = projects::updates(&state.store, &p).await?;
    let files = state
        .store
        .list_attachments(
            crate::domain::ids::AttachmentOwner::Project,
            &[p.id.to_string()],
        )
        .await
        .map_err(|e| ApiError(AppError::from(crate::store::StoreError::from(e))))?;
    let area = p.area;
    Ok(ProjectDetailDto {
        project: dto(&ws.plan, p),
        progress: updates
            .into_iter()
            .map(|u| update_dto(&ws.plan, area, u))
            .collect(),
        attachments: files.iter().map(Into::into).collect(),
    })
}

/// A project as recorded or corrected: every field as it should be (unknown fields are refused).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRequest {
    #[serde(default)]
    pub title: String,
    /// The area's number in the plan (1–6 in the Dongguan plan).
    #[serde(default)]
    pub area: Option<i64>,
    /// A member organisation of the group on the start date.
    #[serde(default)]
    pub lead_org_id: String,
    #[serde(default)]
    pub partners: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    #[schema(format = Date)]
    pub starts_on: String,
    /// YYYY-MM-DD, not before the start.
    #[serde(default)]
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// planned, active, done or paused.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: Option<String>,
    /// 五(二): a town or village of the group buys the service from the school leading it.
    #[serde(default)]
    pub purchased: bool,
    /// Required when purchased: the group's town or one of its villages.
    #[serde(default)]
    pub buyer_org_id: Option<String>,
    /// Required when purchased: yuan as a string with up to two decimals ("120000.50").
    #[serde(default)]
    pub contract: Option<String>,
}

impl ProjectRequest {
    fn input(self) -> ProjectInput {
        ProjectInput {
            title: self.title,
            area: self.area.map(|a| a.to_string()).unwrap_or_default(),
            lead: self.lead_org_id,
            partners: self.partners.unwrap_or_default(),
            starts_on: self.starts_on,
            ends_on: self.ends_on.unwrap_or_default(),
            status: self.status,
            description: self.description.unwrap_or_default(),
            purchased: self.purchased,
            buyer: self.buyer_org_id.unwrap_or_default(),
            contract: self.contract.unwrap_or_default(),
        }
    }
}

fn require_record(
    user: &crate::http::auth::Viewer,
    ws: &crate::services::workspace::OpenedGroup,
) -> Result<(), ApiError> {
    if projects::may_record(user, ws) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden.into())
    }
}

/// Records a project (the group's schools and towns, and the bureau; not villages).
#[utoipa::path(post, path = "/api/v1/groups/{id}/projects", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body = ProjectRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`, each saying what to type instead", body = ErrorBody),
    ))]
pub async fn add_project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    req: Result<Json<ProjectRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    require_record(&user, &ws)?;
    let input = body(req)?.input();
    let id = projects::add_project(&writer(&state, &user), &ws, &input).await?;
    Ok(created(id))
}

/// Corrects a project; kept in its 修改记录 with the fields' old and new values. The area cannot
/// change under updates with figures of the old one.
#[utoipa::path(put, path = "/api/v1/groups/{id}/projects/{project}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id")),
    request_body = ProjectRequest,
    responses(
        (status = 200, description = "Corrected", body = ProjectDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such project in it", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project)): Path<(String, String)>,
    req: Result<Json<ProjectRequest>, JsonRejection>,
) -> Result<Json<ProjectDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    require_record(&user, &ws)?;
    let input = body(req)?.input();
    projects::update_project(&writer(&state, &user), &ws, &project, &input).await?;
    let row = projects::project(&state.store, &ws, &project).await?;
    Ok(Json(dto(&ws.plan, row)))
}

/// Withdraws a project entered by mistake (kept in the audit log): only while it has no
/// progress updates and no expenses (409 says so).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/projects/{project}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "It has progress updates or expenses", body = ErrorBody),
    ))]
pub async fn withdraw_project(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    projects::withdraw_project(&writer(&state, &user), &ws, &project).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A progress update as recorded or corrected.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdateRequest {
    /// YYYY-MM-DD, from the project's start to today.
    #[serde(default)]
    #[schema(format = Date)]
    pub happened_on: String,
    #[serde(default)]
    pub summary: String,
    /// Students who took part (三(一) 师生团队), a whole number ≥ 0; 0 when omitted.
    #[serde(default)]
    pub students: Option<i64>,
    /// What the update adds to the figures of the project's area, by the plan's code: counts as
    /// whole numbers, money as yuan, both as strings ({"people_trained": "40"}). A code of another
    /// area is refused by name.
    #[serde(default)]
    pub figures: BTreeMap<String, String>,
}

impl ProjectUpdateRequest {
    fn input(self) -> UpdateInput {
        UpdateInput {
            happened_on: self.happened_on,
            summary: self.summary,
            students: self.students.map(|s| s.to_string()).unwrap_or_default(),
            figures: self.figures.into_iter().collect(),
        }
    }
}

/// Records a progress update of the group's project and what it adds to the area's figures.
#[utoipa::path(post, path = "/api/v1/groups/{id}/projects/{project}/updates", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id")),
    request_body = ProjectUpdateRequest,
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, or no such project in it", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn add_project_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project)): Path<(String, String)>,
    req: Result<Json<ProjectUpdateRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let ws = open(&state, &user, &id).await?;
    require_record(&user, &ws)?;
    let input = body(req)?.input();
    let id = projects::add_update(&writer(&state, &user), &ws, &project, &input).await?;
    Ok(created(id))
}

/// Corrects a progress update (its figures replaced whole).
#[utoipa::path(put, path = "/api/v1/groups/{id}/projects/{project}/updates/{update}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id"), ("update" = String, Path, description = "Progress update id")),
    request_body = ProjectUpdateRequest,
    responses(
        (status = 200, description = "Corrected", body = UpdateDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such group, project or update", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_project_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project, update)): Path<(String, String, String)>,
    req: Result<Json<ProjectUpdateRequest>, JsonRejection>,
) -> Result<Json<UpdateDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    require_record(&user, &ws)?;
    let input = body(req)?.input();
    projects::correct_update(&writer(&state, &user), &ws, &project, &update, &input).await?;
    let (p, u) = projects::update(&state.store, &ws, &project, &update).await?;
    Ok(Json(update_dto(&ws.plan, p.area, u)))
}

/// Withdraws a progress update entered by mistake (kept in the audit log).
#[utoipa::path(delete, path = "/api/v1/groups/{id}/projects/{project}/updates/{update}", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id"), ("update" = String, Path, description = "Progress update id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn withdraw_project_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project, update)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    projects::withdraw_update(&writer(&state, &user), &ws, &project, &update).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProjectFilesUpload {
    /// One or more files (PDF, JPEG, PNG) under the name `files`.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// Adds documents or photos (PDF, JPEG, PNG) to a project, all or none, as the project page does
/// (those who may record the group's projects).
#[utoipa::path(post, path = "/api/v1/groups/{id}/projects/{project}/files", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), ("project" = String, Path, description = "Project id")),
    request_body(content = ProjectFilesUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Added: the project as it now stands", body = ProjectDetailDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school or town user of the group, nor the bureau", body = ErrorBody),
        (status = 404, description = "No such group, or no such project in it", body = ErrorBody),
        (status = 422, description = "No file, or every wrong file in `fields` (none is stored)", body = ErrorBody),
    ))]
pub async fn add_project_files(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ProjectDetailDto>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    projects::project(&state.store, &ws, &project).await?;
    if !projects::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let files = form.take_files("files");
    projects::add_files(&writer(&state, &user), &ws, &project, files).await?;
    Ok(Json(detail(&state, &ws, &project).await?))
}

/// Removes one attachment of a project (kept in the audit log); its bytes go when no other
/// record refers to them.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/projects/{project}/files/{file}", tag = "workspace", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Group id (UUID)"),
        ("project" = String, Path, description = "Project id"),
        ("file" = String, Path, description = "The file's attachment id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not a school or town user of the group, nor the bureau", body = ErrorBody),
        (status = 404, description = "No such group, project in it, or file of the project", body = ErrorBody),
    ))]
pub async fn remove_project_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, project, file)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = open(&state, &user, &id).await?;
    projects::remove_file(&writer(&state, &user), &ws, &project, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProjectSheetUpload {
    /// xlsx or UTF-8 csv in the columns of the project export (项目名称, 合作领域, 牵头单位, 合作方,
    /// 开始日期, 结束日期, 状态, 项目简介, 购买服务, 购买方, 合同金额（元）, 参与学生（人次）, then one
    /// column per outcome figure of the plan).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Records the projects of a sheet, all or none, as the projects page's import does (those who
/// may record the group's projects). A row's figures become one progress update dated its start.
#[utoipa::path(post, path = "/api/v1/groups/{id}/projects/import", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body(content = ProjectSheetUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Recorded", body = ImportResult),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The sheet is unreadable or beyond its limits, or rows are wrong: every row error in `fields`", body = ErrorBody),
    ))]
pub async fn import_projects(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ImportResult>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !projects::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let Some(sheet) = form.take_files("file").into_iter().next() else {
        return Err(AppError::Invalid(FieldError::new("合作项目表", "请选择要导入的文件")).into());
    };
    let rows = crate::imports::read_sheet(&sheet.bytes)
        .map_err(|e| AppError::Invalid(FieldError::new("合作项目表", e)))?;
    let imported = projects::import_projects(&writer(&state, &user), &ws, &rows).await?;
    Ok(Json(ImportResult { imported }))
}
