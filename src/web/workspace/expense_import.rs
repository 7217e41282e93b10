//! 经费导入 page: a sheet in the export's columns, all or nothing, every row's errors at once.

use super::{GroupHead, Workspace};
use crate::AppState;
use crate::http::auth::WebUser;
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::workspace::{expense_import, expenses};
use crate::web::forms::ErrorSummary;
use crate::web::import::read_upload;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "pages/expense_import.html")]
struct ImportPage {
    chrome: Chrome,
    head: GroupHead,
    kinds: String,
    summary: Option<ErrorSummary>,
}

fn import_page(
    user: &crate::http::auth::Viewer,
    ws: &Workspace,
    summary: Option<ErrorSummary>,
) -> ImportPage {
    ImportPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("expenses"),
        kinds: crate::domain::expense::EXPENSE_KINDS
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join("、"),
        summary,
    }
}

pub async fn import_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    if !expenses::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    Ok(render(&import_page(&user, &ws, None))?.into_response())
}

pub async fn import_expenses(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    if !expenses::may_record(&user, &ws) {
        return Err(ServiceError::Forbidden.into());
    }
    let bytes = read_upload(multipart, &user.csrf_token, "经费表").await?;
    let result = match crate::imports::read_sheet(&bytes) {
        Err(e) => Err(vec![format!("经费表：{e}")]),
        Ok(rows) => {
            match expense_import::import_expenses(&writer(&state, &user), &ws, &rows).await {
                Ok(n) => Ok(n),
                Err(ServiceError::Rows(errors)) => {
                    Err(errors.iter().map(|e| e.to_string()).collect())
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/groups/{}/expenses?saved=expenses_imported#saved",
            ws.group().id
        ))
        .into_response()),
        Err(lines) => {
            let page = import_page(&user, &ws, Some(ErrorSummary::rows(lines)));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
