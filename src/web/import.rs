//! Uploading a pairing table (bureau users): all or nothing, every bad cell named.

use super::pages::{Chrome, render};
use crate::AppState;
use crate::domain::FieldError;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::access;
use crate::store::{ImportSummary, PairingImportError};
use crate::web::forms::ErrorSummary;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "pages/import.html")]
struct ImportPage {
    chrome: Chrome,
    summary: Option<ErrorSummary>,
    imported: Option<ImportSummary>,
}

pub async fn pairings_form(WebUser(user): WebUser) -> Result<Response, AppError> {
    access::require_pairing_import(&user)?;
    Ok(render(&ImportPage {
        chrome: Chrome::new(&user, "import"),
        summary: None,
        imported: None,
    })?
    .into_response())
}

/// The one file (field `file`) of an upload form, after checking the form's CSRF token.
pub async fn read_upload(
    multipart: Multipart,
    csrf: &str,
    field_label: &'static str,
) -> Result<Vec<u8>, AppError> {
    let mut form = super::multipart::read_multipart(multipart, csrf).await?;
    match form.take_files("file").into_iter().next() {
        Some(f) if !f.bytes.is_empty() => Ok(f.bytes),
        _ => Err(FieldError::new(field_label, "请选择要上传的文件").into()),
    }
}

pub async fn import_pairings(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    access::require_pairing_import(&user)?;
    let bytes = read_upload(multipart, &user.csrf_token, "结对表文件").await?;
    let fail = |errors: Vec<String>| -> Result<Response, AppError> {
        let page = ImportPage {
            chrome: Chrome::new(&user, "import"),
            summary: Some(ErrorSummary::rows(errors)),
            imported: None,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let rows = match crate::imports::read_sheet(&bytes) {
        Ok(rows) => rows,
        Err(e) => return fail(vec![format!("结对表文件：{e}")]),
    };
    match state
        .store
        .import_pairings(&rows, &user.actor(), state.clock.now_ms())
        .await
    {
        Ok(summary) => {
            let page = ImportPage {
                chrome: Chrome::new(&user, "import"),
                summary: None,
                imported: Some(summary),
            };
            Ok(render(&page)?.into_response())
        }
        Err(PairingImportError::Rows(rows)) => fail(rows.iter().map(|r| r.to_string()).collect()),
        Err(PairingImportError::NoPlan) => fail(vec!["尚未加载行动方案".into()]),
        Err(PairingImportError::Conflict(m)) => fail(vec![m]),
        Err(PairingImportError::Db(e)) => Err(e.into()),
    }
}
