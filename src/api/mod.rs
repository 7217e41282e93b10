//! The JSON API under `/api/v1`, with the same authorisation, validation and audit as the web UI
//! (both call the same services). Errors are `{"error", "message"}`, with `fields` listing every
//! wrong field of a 422; the OpenAPI document at `/api/openapi.json` is generated from this code,
//! and the router from the same list of operations. One file per resource: auth, groups,
//! organisations, a group's workspace, and accounts (the administrators' duties).

mod auth;
mod backfill;
mod commendations;
mod compliance;
mod evaluations;
mod groups;
mod guide;
mod organisations;
mod plan;
mod reminders;
mod reports;
mod schools;
mod second_factor;
mod summaries;
mod unlocks;
mod users;
mod workbench;
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
use backfill::*;
use commendations::*;
use compliance::*;
use evaluations::*;
use groups::*;
use guide::*;
use organisations::*;
use plan::*;
use reminders::*;
use reports::*;
use schools::*;
use second_factor::*;
use summaries::*;
use unlocks::*;
use users::*;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use workbench::*;
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
            modifiers(&BearerAuth, &RefusedText, &CommonErrors),
            tags((name = "auth"), (name = "groups"), (name = "organisations"), (name = "workspace"), (name = "users"), (name = "meta"), (name = "reminders"), (name = "evaluations"))
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
    get_workbench,
    get_guide_docx,
    login,
    complete_second_factor,
    logout,
    reset_second_factor,
    change_password,
    list_groups,
    get_group,
    group_checks,
    group_glance,
    list_organisations,
    school_checks,
    report_rates,
    get_agreement,
    save_agreement,
    add_agreement_scans [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    withdraw_agreement,
    remove_agreement_scan,
    get_supplementary_agreement,
    save_supplementary_agreement,
    add_supplementary_agreement_scans [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    withdraw_supplementary_agreement,
    remove_supplementary_agreement_scan,
    list_team,
    add_team_member,
    update_team_member,
    withdraw_team_member,
    leave_team,
    list_onsite,
    add_onsite_entry,
    correct_onsite_entry,
    withdraw_onsite_entry,
    confirm_onsite_entry,
    unconfirm_onsite_entry,
    import_onsite_entries [DefaultBodyLimit::max(crate::imports::MAX_SHEET_BYTES + 64 * 1024)],
    list_bases,
    add_base [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    update_base,
    withdraw_base,
    add_base_photos [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    remove_base_photo,
    list_group_matters,
    add_matter,
    update_matter,
    withdraw_matter,
    matter_queue,
    acknowledge_matter,
    reply_matter,
    group_timeline,
    list_adjustments,
    add_adjustment,
    correct_adjustment,
    create_group,
    list_cases,
    add_case,
    get_case,
    update_case,
    withdraw_case,
    submit_case,
    case_queue,
    publish_case,
    return_case,
    unpublish_case,
    list_case_images,
    add_case_images [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    remove_case_image,
    public_cases,
    public_case,
    list_expenses,
    add_expense,
    update_expense,
    withdraw_expense,
    download_file,
    record_history,
    list_users,
    create_user,
    import_users [DefaultBodyLimit::max(crate::imports::MAX_SHEET_BYTES + 64 * 1024)],
    disable_user,
    enable_user,
    unlock_user,
    reset_user_password,
    change_user_role,
    approve_user,
    reject_user,
    list_coordinators,
    add_coordinator,
    update_coordinator,
    withdraw_coordinator,
    import_expenses [DefaultBodyLimit::max(crate::imports::MAX_SHEET_BYTES + 64 * 1024)],
    get_work_plan,
    save_work_plan,
    work_plan_revisions,
    add_work_plan_files [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    remove_work_plan_file,
    list_meetings,
    add_meeting,
    get_meeting,
    update_meeting,
    withdraw_meeting,
    confirm_attendance,
    unconfirm_attendance,
    add_decision,
    update_decision,
    get_annual_plan,
    save_annual_plan,
    add_plan_item,
    update_plan_item,
    withdraw_plan_item,
    list_projects,
    add_project,
    get_project,
    update_project,
    withdraw_project,
    add_project_update,
    update_project_update,
    withdraw_project_update,
    list_all_projects,
    add_project_files [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    remove_project_file,
    import_projects [DefaultBodyLimit::max(crate::imports::MAX_SHEET_BYTES + 64 * 1024)],
    add_meeting_papers [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    remove_meeting_paper,
    list_summaries,
    get_summary,
    generate_summary,
    update_summary,
    send_summary,
    recall_summary,
    export_summary_docx,
    export_summary_xlsx,
    import_history [DefaultBodyLimit::max(UPLOAD_LIMIT)],
    history_import_template,
    list_notifications,
    read_notification,
    read_all_notifications,
    list_webhooks,
    add_webhook,
    update_webhook,
    delete_webhook,
    test_webhook,
    list_deliveries,
    retry_delivery,
    request_report_unlock,
    list_unlock_requests,
    grant_unlock_request,
    refuse_unlock_request,
    list_reports,
    get_report,
    save_report,
    refresh_report,
    submit_report,
    accept_report,
    return_report,
    accept_paper_report,
    get_report_version,
    download_report_file,
    compliance,
    list_plan_versions,
    load_plan_version,
    get_evaluation,
    evaluation_history,
    add_evaluation_reviewer,
    remove_evaluation_reviewer,
    save_evaluation_score,
    finalise_evaluation,
    list_commendations,
    nominate_commendation,
    update_commendation,
    approve_commendation,
    withdraw_commendation,
    commendation_history,
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

/// The last page number a list answers (the bound the document declares for `page`).
pub(crate) const MAX_PAGE: i64 = 1_000_000;

pub(crate) fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(ApiError(AppError::Invalid(FieldError::new(
            "page",
            format!("应为 1–{MAX_PAGE} 之间的整数"),
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

/// A multipart body, or the 422 that names it (a request without one, or with another content
/// type, is a malformed body like a JSON one, not axum's bare 400).
pub(crate) fn multipart(
    m: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<axum::extract::Multipart, ApiError> {
    m.map_err(|r| {
        ApiError(AppError::Invalid(FieldError::new(
            "请求体",
            format!("应为 multipart/form-data 表单：{}", r.body_text()),
        )))
    })
}

/// The characters no text input may hold (`http::text`), written into the document: every string
/// a request carries (query and path parameters, JSON and multipart fields) that has no pattern or
/// format of its own gets [`REFUSED_TEXT_PATTERN`], so the document says what the server refuses.
struct RefusedText;

/// Any text without NUL or a bidirectional control (U+202A–U+202E, U+2066–U+2069).
pub const REFUSED_TEXT_PATTERN: &str = r"^[^\u0000\u202A-\u202E\u2066-\u2069]*$";

impl Modify for RefusedText {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use serde_json::Value;
        fn patch(schema: &mut Value, seen: &mut Vec<String>) {
            match schema {
                Value::Object(o) => {
                    if let Some(Value::String(r)) = o.get("$ref") {
                        // Request schemas are patched where they are defined, once.
                        if let Some(name) = r.strip_prefix("#/components/schemas/")
                            && !seen.iter().any(|s| s == name)
                        {
                            seen.push(name.to_string());
                        }
                        return;
                    }
                    let is_string = match o.get("type") {
                        Some(Value::String(t)) => t == "string",
                        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                        _ => false,
                    };
                    if is_string
                        && !o.contains_key("pattern")
                        && !o.contains_key("format")
                        && !o.contains_key("enum")
                    {
                        o.insert("pattern".into(), Value::from(REFUSED_TEXT_PATTERN));
                    }
                    for key in ["items", "additionalProperties"] {
                        if let Some(v) = o.get_mut(key) {
                            patch(v, seen);
                        }
                    }
                    if let Some(Value::Object(props)) = o.get_mut("properties") {
                        for v in props.values_mut() {
                            patch(v, seen);
                        }
                    }
                    for key in ["oneOf", "anyOf", "allOf"] {
                        if let Some(Value::Array(vs)) = o.get_mut(key) {
                            for v in vs {
                                patch(v, seen);
                            }
                        }
                    }
                }
                Value::Array(vs) => {
                    for v in vs {
                        patch(v, seen);
                    }
                }
                _ => {}
            }
        }
        let Ok(mut doc) = serde_json::to_value(&*openapi) else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        if let Some(Value::Object(paths)) = doc.get_mut("paths") {
            for item in paths.values_mut() {
                let Some(item) = item.as_object_mut() else {
                    continue;
                };
                for op in item.values_mut() {
                    if let Some(Value::Array(params)) = op.get_mut("parameters") {
                        for p in params {
                            if let Some(s) = p.get_mut("schema") {
                                patch(s, &mut seen);
                            }
                        }
                    }
                    if let Some(Value::Object(content)) =
                        op.get_mut("requestBody").and_then(|b| b.get_mut("content"))
                    {
                        for media in content.values_mut() {
                            if let Some(s) = media.get_mut("schema") {
                                patch(s, &mut seen);
                            }
                        }
                    }
                }
            }
        }
        // The request schemas named by reference, and those they name in turn.
        let mut done = 0;
        while done < seen.len() {
            let name = seen[done].clone();
            done += 1;
            let mut schema = doc["components"]["schemas"][&name].take();
            patch(&mut schema, &mut seen);
            doc["components"]["schemas"][&name] = schema;
        }
        if let Ok(patched) = serde_json::from_value(doc) {
            *openapi = patched;
        }
    }
}

/// The errors every operation of a kind can answer, declared on each: 422 everywhere (a query
/// string or body with refused text, `http::text`), 401 where a token is needed, 413 where a JSON
/// body is read (over 2 MiB). An operation that says more about one keeps its own description.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use serde_json::{Value, json};
        let error = |description: &str| {
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
            })
        };
        let Ok(mut doc) = serde_json::to_value(&*openapi) else {
            return;
        };
        if let Some(Value::Object(paths)) = doc.get_mut("paths") {
            for item in paths.values_mut().filter_map(Value::as_object_mut) {
                for op in item.values_mut().filter_map(Value::as_object_mut) {
                    let secured = op
                        .get("security")
                        .and_then(Value::as_array)
                        .is_some_and(|s| !s.is_empty());
                    let json_body = op
                        .get("requestBody")
                        .and_then(|b| b.get("content"))
                        .and_then(Value::as_object)
                        .is_some_and(|c| c.contains_key("application/json"));
                    let Some(Value::Object(responses)) = op.get_mut("responses") else {
                        continue;
                    };
                    responses.entry("422").or_insert_with(|| {
                        error("A parameter or field is wrong, or holds NUL or a text-direction control; `fields` names it")
                    });
                    if secured {
                        responses
                            .entry("401")
                            .or_insert_with(|| error("No valid bearer token"));
                    }
                    if json_body {
                        responses
                            .entry("413")
                            .or_insert_with(|| error("The body is over 2 MiB"));
                    }
                }
            }
        }
        if let Ok(patched) = serde_json::from_value(doc) {
            *openapi = patched;
        }
    }
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
