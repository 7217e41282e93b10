//! Error pages in the site's own layout: every error a web page answers with (400, 403, 404,
//! 405, 413, 422, 429, 500, …), whether an [`AppError`] or a response made below the handlers
//! (a body over a route's limit, a method a route does not take, a panic), is shown in Chinese
//! with the navigation of whoever is signed in. A GET on an address that only takes a form's
//! POST (`/logout`, `…/onsite/import` reloaded after a failed import) leads back to the page the
//! form lives on. Under `/api` an error that is not JSON yet becomes `{error, message}`.

use super::pages::{Chrome, render};
use crate::AppState;
use crate::http::auth::WebUser;
use crate::http::error::{ShownError, status_title};
use crate::http::{ErrorBody, UPLOAD_LIMIT};
use askama::Template;
use axum::Json;
use axum::body::{Body, BodyDataStream};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
    rows: Vec<String>,
    /// What to do about an upload over the limits, one step a line.
    advice: Vec<String>,
    back: String,
    back_label: &'static str,
}

/// The layer (see `app::router`).
pub async fn error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/api" || path.starts_with("/api/") {
        let (parts, body) = req.into_parts();
        let (body, rest) = keep_the_rest(body);
        let resp = next.run(Request::from_parts(parts, body)).await;
        if resp.status() == StatusCode::PAYLOAD_TOO_LARGE
            || resp.status() == StatusCode::UNPROCESSABLE_ENTITY
        {
            drain(rest).await;
        }
        return json_errors(resp);
    }
    let (parts, body) = req.into_parts();
    let kept = parts.clone();
    let (body, rest) = keep_the_rest(body);
    let resp = next.run(Request::from_parts(parts, body)).await;
    let status = resp.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        drain(rest).await;
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let shown = resp.extensions().get::<ShownError>().cloned();
    let content_type = |h: &axum::http::HeaderMap| {
        h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let kind = content_type(resp.headers());
    // A page a handler rendered itself (a form shown again with its errors) stays as it is, and
    // so does JSON outside /api (/healthz for monitors).
    if shown.is_none() && (kind.starts_with("text/html") || kind.starts_with("application/json")) {
        return resp;
    }
    if status == StatusCode::METHOD_NOT_ALLOWED && matches!(kept.method, Method::GET | Method::HEAD)
    {
        return Redirect::to(&form_page(&path)).into_response();
    }
    let shown = shown.unwrap_or_else(|| ShownError {
        message: default_message(status).to_string(),
        rows: Vec::new(),
    });
    let mut page = ErrorPage {
        chrome: Chrome::anonymous(),
        status: status.as_u16(),
        title: status_title(status),
        message: shown.message,
        rows: shown.rows,
        advice: Vec::new(),
        back: "/".into(),
        back_label: "返回首页",
    };
    if kept.method != Method::GET && kept.method != Method::HEAD {
        page.back = form_page(&path);
        page.back_label = "返回填写页面";
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        if content_type(&kept.headers).starts_with("multipart/form-data") {
            let (message, advice) = upload_limits(&state, &path).await;
            page.message = message;
            page.advice = advice;
        } else {
            page.message = "填写的文字内容过多，超过了一次提交的上限，未保存任何内容。".into();
            page.advice = vec!["删减较长的内容（如简介、服务内容）后重新提交".into()];
        }
    }
    let mut kept = kept;
    if let Ok(WebUser(viewer)) = WebUser::from_request_parts(&mut kept, &state).await {
        page.chrome = Chrome::new(&viewer, "");
    }
    let html = match render(&page) {
        Ok(html) => html,
        Err(_) => return resp,
    };
    let (mut head, _) = resp.into_parts();
    head.headers.remove(header::CONTENT_LENGTH);
    head.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(head, Body::from(html.0))
}

/// The request body the handler reads, and a handle on what it leaves unread.
type Rest = Arc<Mutex<Option<BodyDataStream>>>;

fn keep_the_rest(body: Body) -> (Body, Rest) {
    let rest: Rest = Arc::new(Mutex::new(Some(body.into_data_stream())));
    let shared = rest.clone();
    let stream = futures_util::stream::poll_fn(move |cx| {
        let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(s) => s.poll_next_unpin(cx),
            None => std::task::Poll::Ready(None),
        }
    });
    (Body::from_stream(stream), rest)
}

/// The most of a refused upload read to its end, and for how long: past either, the connection
/// is simply closed.
const DRAIN_BYTES: usize = 4 * UPLOAD_LIMIT;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads what a refused request still has to send. A server that answers before the body has
/// arrived and closes the connection makes the browser show "connection reset" instead of the
/// answer; reading the rest first (as a web server's lingering close does) lets the page arrive.
async fn drain(rest: Rest) {
    let Some(mut stream) = rest.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return;
    };
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = 0;
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len();
            if read > DRAIN_BYTES {
                break;
            }
        }
    })
    .await;
}

/// What a status says when nothing more specific was given.
fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "提交的内容无法识别，请返回页面重新填写后提交",
        403 => "您没有权限进行此操作",
        404 => "您访问的页面或记录不存在，可能已被删除，或地址有误",
        405 => "此地址不支持这种操作，请从页面上的按钮或链接进入",
        408 => "请求处理时间过长，请稍后重试",
        413 => "提交的内容超过了大小上限",
        415 => "提交的内容类型不受支持，请从页面上的表单提交",
        422 => "提交的内容有误，请返回页面检查后重新提交",
        429 => "操作过于频繁，请稍候再试",
        s if s >= 500 => "服务器内部错误，请稍后重试；如果问题持续，请联系系统管理员",
        _ => "请求未能完成，请返回重试",
    }
}

/// The page a form posting to `path` lives on: where a GET on the form's address leads back,
/// and where an error page's link returns. `/logout` → `/`; `…/onsite/import` → `…/onsite`;
/// `…/onsite/{entry}/confirm` → `…/onsite`; `/admin/users/import` → `/admin/users`; a form
/// posting to the address of its own page (`/groups/{id}/bases`) returns there.
pub fn form_page(path: &str) -> String {
    let path = path.trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let keep = match segments.as_slice() {
        ["logout"] | [] => 0,
        [.., "import"] => segments.len() - 1,
        [.., "confirm"] if segments.len() >= 2 => segments.len() - 2,
        _ => segments.len(),
    };
    format!("/{}", segments[..keep].join("/"))
}

/// The limits of the route an upload went to, per file and per submission, and what to do.
async fn upload_limits(state: &AppState, path: &str) -> (String, Vec<String>) {
    let mb = |bytes: usize| bytes.div_ceil(1024 * 1024);
    if path.ends_with("/import") || path == "/import/pairings" {
        let file = mb(crate::imports::MAX_SHEET_BYTES);
        return (
            format!(
                "导入的表格文件不能超过 {file} MB，每次提交一个文件。本次提交超过了上限，未导入任何数据。"
            ),
            vec![
                "删去表格中无关的工作表、图片和空行后另存，再重新上传".into(),
                "记录较多时，分成几个文件分次导入".into(),
            ],
        );
    }
    let per_file = match state.store.current_plan().await {
        Ok(Some(plan)) => plan.plan.rules.attachment_max_mb as usize,
        _ => 20,
    };
    let total = mb(UPLOAD_LIMIT);
    (
        format!(
            "每个文件不能超过 {per_file} MB，每次提交的文件合计不能超过 {total} MB。本次提交超过了上限，未保存任何内容。"
        ),
        vec![
            "一次少选几个文件，分几次提交".into(),
            "把照片压缩或缩小尺寸后再上传（手机照片通常压缩到 5 MB 以内即可看清）".into(),
            "返回填写页面后，需要重新选择文件".into(),
        ],
    )
}

/// Under `/api`: an error response that is not JSON (a method a route does not take, a body
/// over the limit, a panic) becomes `{error, message}` with its status.
fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let code = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        422 => "invalid",
        429 => "too_many_requests",
        _ if status.is_server_error() => "internal",
        _ => "error",
    };
    let (mut head, _) = resp.into_parts();
    head.headers.remove(header::CONTENT_LENGTH);
    head.headers.remove(header::CONTENT_TYPE);
    let body = Json(ErrorBody::new(code, default_message(status))).into_response();
    let (body_head, body) = body.into_parts();
    head.headers.extend(body_head.headers);
    Response::from_parts(head, body)
}

#[cfg(test)]
mod tests {
    use super::form_page;

    #[test]
    fn a_forms_address_leads_back_to_its_page() {
        for (post, page) in [
            ("/logout", "/"),
            ("/groups/abc/onsite/import", "/groups/abc/onsite"),
            ("/groups/abc/onsite/e1/confirm", "/groups/abc/onsite"),
            ("/admin/users/import", "/admin/users"),
            ("/import/pairings", "/import/pairings"),
            ("/groups/abc/bases", "/groups/abc/bases"),
            ("/groups/abc/agreement/", "/groups/abc/agreement"),
            ("/", "/"),
        ] {
            assert_eq!(form_page(post), page, "{post}");
        }
    }
}
