//! The JSON API under `/api/v1`, with the same authorisation, validation and audit as the web UI
//! (both call the same services). Errors are `{"error", "message"}`, with `fields` listing every
//! wrong field of a 422; the OpenAPI document at `/api/openapi.json` is generated from this code,
//! and the router from the same list of operations. One file per resource: auth, groups,
//! organisations, and a group's workspace.

mod auth;
mod groups;
mod organisations;
mod schools;
mod workspace;

use crate::AppState;
use crate::domain::FieldError;
use crate::http::{ApiError, AppError, ErrorBody, UPLOAD_LIMIT};
use auth::*;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodFilter;
use axum::{Json, Router};
use groups::*;
use organisations::*;
use schools::*;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use workspace::*;

pub use groups::OrgRef;

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
    change_password,
    list_groups,
    get_group,
    group_checks,
    list_organisations,
    school_checks,
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
    import_onsite_entries [DefaultBodyLimit::max(crate::imports::MAX_SHEET_BYTES + 64 * 1024)],
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

/// A query string parsed, or the error that names it.
pub(crate) fn query<T>(
    q: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    q.map(|axum::extract::Query(t)| t).map_err(|r| {
        ApiError(AppError::Invalid(FieldError::new(
            "查询参数",
            r.body_text(),
        )))
    })
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
