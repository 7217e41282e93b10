//! The JSON API under `/api/v1`, with the same authorisation as the web UI. Errors are
//! `{"error", "message"}`; the OpenAPI document at `/api/openapi.json` is generated from this code.

mod workspace;

use crate::AppState;
use crate::domain::FieldError;
use crate::domain::org::{MemberRole, OrgKind};
use crate::http::auth::{ApiUser, ClientInfo};
use crate::http::params::{non_empty, parse_year};
use crate::http::session::{LoginError, authenticate, start_session};
use crate::http::{ApiError, AppError, ErrorBody, UPLOAD_LIMIT};
use crate::services::workspace::open_group;
use crate::store::{GroupFilter, GroupRow, OrgFilter, SessionKind};
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodFilter;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use workspace::*;

/// Every operation of the API, listed once. Each handler is routed at the method and path its own
/// `#[utoipa::path]` documents (found in the generated document by its operation id), and the
/// document lists exactly these handlers: a route cannot exist without its documentation, nor the
/// other way round. `[layer]` after a handler wraps its route (the upload limit).
macro_rules! operations {
    ($( $handler:ident $([$layer:expr])? ),* $(,)?) => {
        #[derive(OpenApi)]
        #[openapi(
            info(title = "校地通 API", description = "校地结对共建工作平台的 JSON 接口。先 POST /api/v1/login 取得令牌，再以 Authorization: Bearer <token> 调用其他接口。校验错误为 422，`fields` 列出每个有误的字段。"),
            paths($($handler),*),
            modifiers(&BearerAuth),
            tags((name = "auth"), (name = "groups"), (name = "organisations"), (name = "workspace"), (name = "meta"))
        )]
        pub struct ApiDoc;

        /// The routes under `/api`, built from [`ApiDoc`].
        fn routes() -> Router<AppState> {
            let doc = ApiDoc::openapi();
            let router = Router::new();
            $(
                let (method, path) = operation_of(&doc, stringify!($handler));
                let route = axum::routing::on(method_filter(&method), $handler);
                $(let route = route.layer($layer);)?
                let router = router.route(
                    path.strip_prefix("/api").expect("every operation is under /api"),
                    route,
                );
            )*
            router
        }

        /// (METHOD, path) of every route of the router, as [`routes`] builds it.
        pub fn operations() -> Vec<(String, String)> {
            let doc = ApiDoc::openapi();
            vec![$({
                let (method, path) = operation_of(&doc, stringify!($handler));
                (method_name(&method).to_string(), path)
            }),*]
        }
    };
}

operations! {
    openapi_json,
    login,
    logout,
    list_groups,
    get_group,
    group_checks,
    list_organisations,
    get_agreement,
    save_agreement,
    add_agreement_scans [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    list_team,
    add_team_member,
    leave_team,
    list_onsite,
    add_onsite_entry,
    withdraw_onsite_entry,
    confirm_onsite_entry,
    list_bases,
    add_base [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    download_file,
}

/// The method and path at which `doc` documents the operation `id`.
fn operation_of(doc: &utoipa::openapi::OpenApi, id: &str) -> (HttpMethod, String) {
    for (path, item) in &doc.paths.paths {
        let ops = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
        ];
        for (method, op) in ops {
            if op.as_ref().and_then(|o| o.operation_id.as_deref()) == Some(id) {
                return (method, path.clone());
            }
        }
    }
    panic!("operation {id} is not in the OpenAPI document")
}

fn method_filter(m: &HttpMethod) -> MethodFilter {
    match m {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Delete => MethodFilter::DELETE,
        HttpMethod::Patch => MethodFilter::PATCH,
        other => panic!("no route for {}", method_name(other)),
    }
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Put => "PUT",
        HttpMethod::Post => "POST",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

pub fn router() -> Router<AppState> {
    routes()
        .fallback(|| async { ApiError(AppError::NotFound) })
        .method_not_allowed_fallback(|| async {
            let body = ErrorBody::new("method_not_allowed", "此接口不支持该请求方法");
            (StatusCode::METHOD_NOT_ALLOWED, Json(body))
        })
}

pub(crate) fn json_rejection(r: JsonRejection) -> ApiError {
    ApiError(AppError::Invalid(FieldError::new(
        "请求体",
        format!("不是有效的 JSON：{}", r.body_text()),
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. It expires after `idle_timeout_seconds` without a request.
    pub token: String,
    pub idle_timeout_seconds: i64,
}

/// Sign in and get a bearer token.
#[utoipa::path(post, path = "/api/v1/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 403, description = "The initial password must first be changed on the web", body = ErrorBody),
        (status = 422, description = "Malformed request", body = ErrorBody),
        (status = 423, description = "Locked after too many failed attempts in a row; the message says until when", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginResponse>, Response> {
    let Json(req) = body.map_err(|r| json_rejection(r).into_response())?;
    let ip = client.ip;
    match authenticate(&state, &req.username, &req.password, &ip).await {
        Ok(user) if user.must_change_password => {
            // A password set by someone else (first start, reset, bulk import) is changed on the web first.
            Err((
                StatusCode::FORBIDDEN,
                Json(ErrorBody::new(
                    "password_change_required",
                    "请先在网页上修改初始密码，再使用接口",
                )),
            )
                .into_response())
        }
        Ok(user) => {
            let session = start_session(&state, &user, SessionKind::Api, &ip, None)
                .await
                .map_err(|e| ApiError(e).into_response())?;
            Ok(Json(LoginResponse {
                token: session.token,
                idle_timeout_seconds: crate::store::IDLE_TIMEOUT_MS / 1000,
            }))
        }
        Err(LoginError::Internal(e)) => Err(ApiError(e).into_response()),
        Err(e @ LoginError::Locked { .. }) => Err((
            StatusCode::LOCKED,
            Json(ErrorBody::new("locked", e.message())),
        )
            .into_response()),
        Err(e) => Err((
            StatusCode::UNAUTHORIZED,
            Json(ErrorBody::new("unauthorized", e.message())),
        )
            .into_response()),
    }
}

/// End the session of the token sent.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<StatusCode, ApiError> {
    state.store.delete_session(&user.session_hash).await?;
    let entry = crate::store::AuditEntry {
        action: "logout",
        entity: "user",
        entity_id: Some(user.user_id.as_str()),
        before: None,
        after: None,
    };
    state
        .store
        .audit(&user.actor(), state.clock.now_ms(), entry)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: String,
}

/// A group's member organisations as they stand today, by role.
#[derive(Serialize, ToSchema)]
pub struct MembersByRole {
    pub university: Vec<OrgRef>,
    pub vocational_school: Vec<OrgRef>,
    pub town: Vec<OrgRef>,
    pub village: Vec<OrgRef>,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipDto {
    pub organisation: OrgRef,
    /// university, vocational_school, town or village.
    pub role: String,
    /// YYYY-MM-DD.
    pub effective_from: String,
    /// YYYY-MM-DD (exclusive), absent while the membership holds.
    pub effective_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDto {
    pub id: String,
    pub number: i64,
    pub lead_town: OrgRef,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub members: MembersByRole,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupDto,
    pub plan: String,
    /// Every membership, past and present, with its dates.
    pub memberships: Vec<MembershipDto>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupPage {
    pub items: Vec<GroupDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 100).
    pub per_page: Option<i64>,
    /// Group number or member organisation name.
    pub q: Option<String>,
}

fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(100);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError(AppError::Invalid(FieldError::new(
            "page",
            "应为不小于 1 的整数",
        ))));
    }
    if !(1..=500).contains(&per_page) {
        return Err(ApiError(AppError::Invalid(FieldError::new(
            "per_page",
            "应在 1–500 之间",
        ))));
    }
    Ok((page, per_page))
}

fn group_dto(g: &GroupRow, today: jiff::civil::Date) -> GroupDto {
    let refs = |role: MemberRole| {
        g.members_on(role, today)
            .map(|m| OrgRef {
                id: m.org_id.to_string(),
                name: m.name.clone(),
            })
            .collect()
    };
    GroupDto {
        id: g.id.to_string(),
        number: g.number,
        lead_town: OrgRef {
            id: g.lead_town_id.to_string(),
            name: g.lead_town.clone(),
        },
        started_on: g.started_on.to_string(),
        ended_on: g.ended_on.map(|d| d.to_string()),
        members: MembersByRole {
            university: refs(MemberRole::University),
            vocational_school: refs(MemberRole::VocationalSchool),
            town: refs(MemberRole::Town),
            village: refs(MemberRole::Village),
        },
    }
}

/// The groups the caller may see.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = GroupPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (sysadmin, auditor)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn list_groups(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<GroupPage>, ApiError> {
    user.require_business()?;
    let Query(q) =
        query.map_err(|r| AppError::Invalid(FieldError::new("查询参数", r.body_text())))?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    let filter = GroupFilter {
        q: non_empty(&q.q),
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let (rows, total) = state
        .store
        .list_groups(&user.group_scope(), &filter)
        .await?;
    let today = state.clock.today();
    Ok(Json(GroupPage {
        items: rows.iter().map(|g| group_dto(g, today)).collect(),
        total,
        page,
        per_page,
    }))
}

/// One group; 404 when it does not exist or the caller may not see it.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    responses((status = 200, body = GroupDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_group(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<GroupDetail>, ApiError> {
    let view = open_group(&state.store, &state.plans, &user, &id, state.clock.today())
        .await?
        .view;
    let today = state.clock.today();
    let memberships = view
        .group
        .members
        .iter()
        .map(|m| MembershipDto {
            organisation: OrgRef {
                id: m.org_id.to_string(),
                name: m.name.clone(),
            },
            role: m.role.as_str().to_string(),
            effective_from: m.effective_from.to_string(),
            effective_to: m.effective_to.map(|d| d.to_string()),
        })
        .collect();
    Ok(Json(GroupDetail {
        group: group_dto(&view.group, today),
        plan: view.plan_doc_no,
        memberships,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    /// Rule id: agreement, team-size, team-captain, team-vice, team-title, onsite, base.
    pub id: String,
    /// The clause of the plan the rule comes from, e.g. 四(一).
    pub clause: String,
    pub title: String,
    /// met, not_met or not_yet_due.
    pub status: String,
    /// Why, in words (names the person or the figures).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChecksResponse {
    pub group_id: String,
    pub year: i16,
    /// The date the year's facts were read on (31 December, or today for the running year).
    pub as_of: String,
    pub checks: Vec<CheckDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    /// Calendar year, 2000–2100; this year when absent.
    pub year: Option<String>,
}

/// The verdict of every rule implemented so far, for one group and calendar year.
#[utoipa::path(get, path = "/api/v1/groups/{id}/checks", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)"), YearQuery),
    responses((status = 200, body = ChecksResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn group_checks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    query: Result<Query<YearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ChecksResponse>, ApiError> {
    let Query(q) =
        query.map_err(|r| AppError::Invalid(FieldError::new("查询参数", r.body_text())))?;
    let ws = open_group(&state.store, &state.plans, &user, &id, state.clock.today()).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let checks = ws.checks(&state.store, &state.plans, year).await?;
    Ok(Json(ChecksResponse {
        group_id: ws.group().id.to_string(),
        year,
        as_of: checks.verdicts.period.as_of.to_string(),
        checks: checks
            .verdicts
            .verdicts
            .iter()
            .map(|v| CheckDto {
                id: v.rule.as_str().into(),
                clause: v.rule.clause().into(),
                title: ws.plan.rule_title(v.rule),
                status: v.status.as_str().into(),
                reason: v.reason.clone(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    pub id: String,
    pub name: String,
    /// university, vocational_school, town, village, bureau or hq.
    pub kind: String,
    pub region: String,
    pub medical_focus: bool,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationDto>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct OrgQuery {
    /// university, vocational_school, town, village, bureau or hq.
    pub kind: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// The organisations of the programme, optionally of one kind.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrgQuery), security(("bearer" = [])),
    responses((status = 200, body = OrganisationPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_organisations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<OrgQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrganisationPage>, ApiError> {
    user.require_business()?;
    let Query(q) =
        query.map_err(|r| AppError::Invalid(FieldError::new("查询参数", r.body_text())))?;
    let (page, per_page) = paging(q.page, q.per_page)?;
    let kind = match non_empty(&q.kind) {
        Some(k) => Some(OrgKind::parse(&k).ok_or_else(|| {
            let all: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
            AppError::Invalid(FieldError::new(
                "kind",
                format!("“{k}”不是有效的单位类型，可选：{}", all.join(", ")),
            ))
        })?),
        None => None,
    };
    let (rows, total) = state
        .store
        .list_organisations(&OrgFilter {
            kind,
            q: None,
            limit: per_page,
            offset: (page - 1) * per_page,
        })
        .await?;
    let items = rows
        .into_iter()
        .map(|o| OrganisationDto {
            id: o.id.to_string(),
            name: o.name,
            kind: o.kind.as_str().into(),
            region: o.region_name,
            medical_focus: o.medical_focus,
        })
        .collect();
    Ok(Json(OrganisationPage {
        items,
        total,
        page,
        per_page,
    }))
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of every operation", content_type = "application/json")))]
async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        Err(e) => ApiError(AppError::Internal(e.into())).into_response(),
    }
}
