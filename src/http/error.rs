//! One error type for every handler, with its two renderings: an HTML page under the web
//! routes ([`AppError`] itself) and `{error, message}` JSON under `/api` ([`ApiError`]). A user
//! never sees internals: a 500 is logged with its full chain and shown as an opaque message.

use crate::domain::sheet::RowError;
use crate::domain::{FieldError, FieldErrors};
use crate::services::ServiceError;
use crate::store::StoreError;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthorized,
    #[error("没有权限访问此页面")]
    Forbidden,
    /// Forbidden, with the reason (what the rule is and who may do it instead).
    #[error("{0}")]
    Refused(String),
    #[error("页面或记录不存在")]
    NotFound,
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// Every field error of one record, found at once.
    #[error("{0}")]
    Fields(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("文件有 {} 处错误", .0.len())]
    Rows(Vec<RowError>),
    #[error("请求来源校验失败，请刷新页面后重试")]
    Csrf,
    /// The password was set by someone else or has expired: nothing but changing it until then.
    #[error("请先修改密码（POST /api/v1/account/password，或在网页上修改），再使用其他功能")]
    PasswordChangeRequired,
    /// A request body over the route's limit (the web page says the limits and what to do).
    #[error("{0}")]
    TooLarge(String),
    #[error("服务器内部错误，请稍后重试")]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(f) => AppError::Invalid(f),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Internal(e) => AppError::Internal(e),
            StoreError::Db(e) => e.into(),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::Refused(m) => AppError::Refused(m),
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Invalid(e) => AppError::Fields(e),
            ServiceError::Conflict(m) => AppError::Conflict(m),
            ServiceError::Rows(rows) => AppError::Rows(rows),
            ServiceError::Store(e) => e.into(),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::Refused(_)
            | AppError::Csrf
            | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::Fields(_) | AppError::Rows(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden | AppError::Refused(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) | AppError::Fields(_) | AppError::Rows(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// Logs what the user is not shown.
    pub fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }
}

/// What an error page says, kept on the response so the web's error layer
/// (`web::errors::error_pages`) can show it inside the site's own layout, with the navigation of
/// whoever is signed in.
#[derive(Debug, Clone)]
pub struct ShownError {
    pub message: String,
    /// Each wrong row of a sheet (第 N 行 列名：问题).
    pub rows: Vec<String>,
}

/// The page title of an error status, in Chinese, for every status the platform answers with.
pub fn status_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求有误",
        401 => "请先登录",
        403 => "无权访问",
        404 => "页面不存在",
        405 => "不支持此操作",
        408 => "请求超时",
        409 => "与现有记录冲突",
        413 => "上传的内容过大",
        415 => "不支持的内容类型",
        422 => "提交的内容有误",
        429 => "操作过于频繁",
        503 => "服务暂不可用",
        s if s >= 500 => "服务器出错了",
        _ => "请求未能完成",
    }
}

/// The bare page of an error, before the web's error layer puts it in the site's layout (and
/// what a response shows when it does not pass that layer).
#[derive(Template)]
#[template(path = "pages/error_plain.html")]
struct PlainErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    rows: &'a [String],
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let shown = ShownError {
            message: self.to_string(),
            rows: match &self {
                AppError::Rows(rows) => rows.iter().map(|r| r.to_string()).collect(),
                _ => Vec::new(),
            },
        };
        let page = PlainErrorPage {
            status: status.as_u16(),
            title: status_title(status),
            message: &shown.message,
            rows: &shown.rows,
        };
        let mut resp = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, shown.message.clone()).into_response(),
        };
        resp.extensions_mut().insert(shown);
        resp
    }
}

/// An [`AppError`] rendered as `{"error", "message"}` JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code: unauthorized, forbidden, password_change_required, not_found,
    /// invalid, conflict, locked, too_many_attempts, too_many_requests, method_not_allowed,
    /// payload_too_large, bad_request, internal; at the second step of signing in,
    /// second_factor_wrong and second_factor_expired.
    pub error: String,
    /// What went wrong, in Chinese, naming the field where there is one.
    pub message: String,
    /// With `invalid`: every wrong field at once, each named as on the web form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldErrorBody>>,
}

impl ErrorBody {
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            message: message.into(),
            fields: None,
        }
    }
}

/// One wrong field of a request.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// The field, named in Chinese as on the web form (e.g. 签署日期); 请求体 for a body that is
    /// not valid JSON.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<&FieldError> for FieldErrorBody {
    fn from(e: &FieldError) -> Self {
        Self {
            field: e.field.to_string(),
            message: e.message.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(mut self) -> Response {
        // An upload over an operation's limit is one more wrong field of the call (the document
        // declares 413 only where a JSON body is read; a multipart call's problems are its 422).
        if let AppError::TooLarge(m) = self.0 {
            self.0 = AppError::Invalid(FieldError::new("上传", m));
        }
        self.0.log();
        let fields = match &self.0 {
            AppError::Invalid(e) => Some(vec![e.into()]),
            AppError::Fields(es) => Some(es.0.iter().map(FieldErrorBody::from).collect()),
            // A sheet's errors, each named by its row and column as a person sees them in Excel.
            AppError::Rows(rows) => Some(
                rows.iter()
                    .map(|r| FieldErrorBody {
                        field: format!("第 {} 行 {}", r.row, r.column),
                        message: r.message.clone(),
                    })
                    .collect(),
            ),
            _ => None,
        };
        let body = ErrorBody {
            error: self.0.code().to_string(),
            message: self.0.to_string(),
            fields,
        };
        (self.0.status(), Json(body)).into_response()
    }
}
