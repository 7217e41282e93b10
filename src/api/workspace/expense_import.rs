//! Importing a group's expenses from a sheet through the API (multipart, like the on-site import).

use super::ImportResult;
use super::open;
use crate::AppState;
use crate::domain::FieldError;
use crate::http::auth::ApiUser;
use crate::http::multipart::read_parts;
use crate::http::{ApiError, AppError, ErrorBody, writer};
use crate::services::workspace::expense_import;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use utoipa::ToSchema;

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ExpenseSheetUpload {
    /// xlsx or UTF-8 csv in the columns of the expense export (日期, 类别, 金额（元）, 实物投入,
    /// 付款单位, 发起单位, 分担比例, 备注).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Records the expenses of a sheet, all or none, as the expenses page's import does (those who
/// may record the group's expenses).
#[utoipa::path(post, path = "/api/v1/groups/{id}/expenses/import", tag = "workspace", security(("bearer" = [])),
    params(("id" = String, Path, description = "Group id (UUID)")),
    request_body(content = ExpenseSheetUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Recorded", body = ImportResult),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The sheet is unreadable or beyond its limits, or rows are wrong: every row error in `fields`", body = ErrorBody),
    ))]
pub async fn import_expenses(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ImportResult>, ApiError> {
    let ws = open(&state, &user, &id).await?;
    if !crate::services::workspace::expenses::may_record(&user, &ws) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let mut form = read_parts(crate::api::multipart(multipart)?).await?;
    let Some(sheet) = form.take_files("file").into_iter().next() else {
        return Err(AppError::Invalid(FieldError::new("经费表", "请选择要导入的文件")).into());
    };
    let rows = crate::imports::read_sheet(&sheet.bytes)
        .map_err(|e| AppError::Invalid(FieldError::new("经费表", e)))?;
    let imported = expense_import::import_expenses(&writer(&state, &user), &ws, &rows).await?;
    Ok(Json(ImportResult { imported }))
}
