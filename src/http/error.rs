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

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: String,
    rows: Vec<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let title = match status {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::UNAUTHORIZED => "请先登录",
            StatusCode::INTERNAL_SERVER_ERROR => "出错了",
            _ => "提交的内容有误",
        };
        let rows = match &self {
            AppError::Rows(rows) => rows.iter().map(|r| r.to_string()).collect(),
            _ => Vec::new(),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: self.to_string(),
            rows,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.to_string()).into_response(),
        }
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
    /// invalid, conflict, locked, too_many_attempts, method_not_allowed, internal; at the second
    /// step of signing in, second_factor_wrong and second_factor_expired.
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
    fn into_response(self) -> Response {
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
