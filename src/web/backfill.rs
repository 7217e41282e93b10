//! 历史补录 (bureau users): upload the history workbook (and a zip of the files it names), check
//! it (a dry run that writes nothing), import it when the check finds nothing.

use super::pages::{Chrome, render, xlsx_response};
use crate::AppState;
use crate::domain::FieldError;
use crate::domain::backfill::Problem;
use crate::domain::user::Role;
use crate::http::auth::WebUser;
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::backfill::{self, Outcome};
use crate::services::workspace::Upload;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "pages/backfill.html")]
struct BackfillPage {
    chrome: Chrome,
    outcome: Option<Shown>,
}

struct Shown {
    counts: String,
    problems: Vec<Problem>,
    imported: bool,
    checked_only: bool,
}

impl Shown {
    /// "已导入 协议 8 条、…" once written.
    fn counts_done(&self) -> String {
        self.counts.replacen("将导入", "已导入", 1)
    }
}

fn page(user: &crate::services::access::Viewer, outcome: Option<Shown>) -> BackfillPage {
    BackfillPage {
        // Under the menu's 导入结对表 (the menu has no room for another item on a desktop).
        chrome: Chrome::new(user, "import"),
        outcome,
    }
}

pub async fn form(WebUser(user): WebUser) -> Result<Response, AppError> {
    user.require(&[Role::Bureau])?;
    Ok(render(&page(&user, None))?.into_response())
}

pub async fn template(
    State(state): State<AppState>,
    WebUser(user): WebUser,
) -> Result<Response, AppError> {
    let bytes =
        crate::services::backfill::template(&user, &state.store, &state.plans, state.clock.today())
            .await?;
    Ok(xlsx_response("历史补录模板.xlsx", bytes))
}

/// The workbook (field `file`), the optional zip (`files`) and which button was pressed.
pub async fn submit(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    user.require(&[Role::Bureau])?;
    let mut form = super::multipart::read_multipart(multipart, &user.csrf_token).await?;
    let commit = form.text("action") == "import";
    let Some(workbook) = form.take_files("file").into_iter().next() else {
        return Err(FieldError::new("工作簿", "请选择要上传的历史补录工作簿（xlsx）").into());
    };
    let files: Option<Upload> = form.take_files("files").into_iter().next();
    let outcome = run(&state, &user, &workbook, files.as_ref(), commit).await?;
    let failed = !outcome.problems.is_empty();
    let shown = Shown {
        counts: outcome.counts_line(),
        imported: outcome.imported.is_some(),
        checked_only: !commit,
        problems: outcome.problems,
    };
    let html = render(&page(&user, Some(shown)))?;
    Ok(if failed {
        (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
    } else {
        html.into_response()
    })
}

// The CLI takes a zip of files as large as the page and the API do.
const _: () = assert!(crate::services::backfill::MAX_FILES_BYTES == crate::http::UPLOAD_LIMIT);

/// The dry run or the import, through the one service (the API and the CLI call the same).
async fn run(
    state: &AppState,
    user: &crate::services::access::Viewer,
    workbook: &Upload,
    files: Option<&Upload>,
    commit: bool,
) -> Result<Outcome, ServiceError> {
    let w = writer(state, user);
    backfill::check_or_import(
        &w,
        &state.plans,
        state.clock.today(),
        workbook,
        files,
        commit,
    )
    .await
}
