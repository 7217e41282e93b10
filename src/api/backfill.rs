//! 历史补录 through the API: the same dry run and import as the bureau's upload page.

use crate::AppState;
use crate::domain::FieldError;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, AppError, ErrorBody, writer};
use crate::services::workspace::Upload;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A multipart body: the workbook, the zip of the files it names, and whether to write.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct HistoryUpload {
    /// The history workbook (xlsx): the template's sheets (队员, 协议, 驻点服务, 实践基地, 联席会议,
    /// 工作协调小组, 重大事项, 合作项目, 经费, 年度合作计划, 会议决定, 月报) in its columns.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Optional zip of the files the sheets name: agreement scans, base photos, meeting papers and
    /// past monthly reports' own files (Word docx or PDF).
    #[schema(value_type = Option<String>, format = Binary)]
    pub files: Option<Vec<u8>>,
    /// `true` (the default) checks and writes nothing; `false` imports when the check is clean.
    pub dry_run: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetCount {
    pub sheet: String,
    pub count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct SheetProblem {
    pub sheet: String,
    /// The row as Excel numbers it (the headings are row 1).
    pub row: usize,
    pub column: String,
    pub message: String,
    /// What the column takes: its allowed values and an example.
    pub hint: String,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryImportResult {
    /// Records of each kind the workbook holds (the rows without a problem).
    pub counts: Vec<SheetCount>,
    /// "将导入 协议 8 条、队员 56 条、…".
    pub summary: String,
    pub problems: Vec<SheetProblem>,
    /// Whether the records were written (never on a dry run or with a problem).
    pub imported: bool,
    pub import_id: Option<String>,
}

/// Checks a history workbook (a dry run, the default) or imports it, all or nothing: bureau only.
#[utoipa::path(post, path = "/api/v1/history-imports", tag = "workspace", security(("bearer" = [])),
    request_body(content = HistoryUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Checked without a problem, or imported", body = HistoryImportResult),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 422, description = "Problems found (nothing written): every one in `problems`", body = HistoryImportResult),
    ))]
pub async fn import_history(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    user.require(&[crate::domain::user::Role::Bureau])
        .map_err(AppError::from)?;
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let dry_run = match form.text("dry_run").as_str() {
        "" | "true" => true,
        "false" => false,
        other => {
            return Err(AppError::Invalid(FieldError::new(
                "dry_run",
                format!("应为 true 或 false，实际为“{other}”"),
            ))
            .into());
        }
    };
    let Some(workbook) = form.take_files("file").into_iter().next() else {
        return Err(
            AppError::Invalid(FieldError::new("file", "请上传历史补录工作簿（xlsx）")).into(),
        );
    };
    let files: Option<Upload> = form.take_files("files").into_iter().next();
    let outcome = crate::services::backfill::check_or_import(
        &writer(&state, &user),
        &state.plans,
        state.clock.today(),
        &workbook,
        files.as_ref(),
        !dry_run,
    )
    .await?;
    let status = if outcome.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = HistoryImportResult {
        counts: outcome
            .counts
            .iter()
            .map(|(k, n)| SheetCount {
                sheet: k.sheet().to_string(),
                count: *n,
            })
            .collect(),
        summary: outcome.counts_line(),
        imported: outcome.imported.is_some(),
        import_id: outcome.imported.as_ref().map(|i| i.to_string()),
        problems: outcome
            .problems
            .into_iter()
            .map(|p| SheetProblem {
                sheet: p.sheet,
                row: p.row,
                column: p.column,
                message: p.message,
                hint: p.hint,
            })
            .collect(),
    };
    Ok((status, Json(body)).into_response())
}

/// The history workbook's template: a sheet per record kind with its headings, and 说明.
#[utoipa::path(get, path = "/api/v1/history-imports/template.xlsx", tag = "workspace", security(("bearer" = [])),
    responses(
        (status = 200, description = "The xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
    ))]
pub async fn history_import_template(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Response, ApiError> {
    let bytes =
        crate::services::backfill::template(&user, &state.store, &state.plans, state.clock.today())
            .await
            .map_err(AppError::from)?;
    Ok(super::summaries::file_response(
        super::summaries::XLSX,
        "历史补录模板.xlsx",
        bytes,
    ))
}
