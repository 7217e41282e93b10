//! 服务方案 tab (四(二)): the group's service work plan as it stands, with its files; the form
//! that records it or a new revision (with files); every earlier revision's text, folded.

use super::bases::{ConfirmRemovePage, Empty, upload_limit_mb};
use super::{AttachmentLine, GroupHead, Workspace};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::work_plan::WorkPlanInput;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::workspace::work_plan as services;
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const FIELDS: &[(&str, &str)] = &[
    ("方案名称", "title"),
    ("商定日期", "agreed_on"),
    ("服务内容和形式", "content"),
    ("方案附件", "files"),
];

#[derive(Default, Clone)]
pub struct PlanForm {
    title: String,
    agreed_on: String,
    content: String,
}

pub struct RevisionLine {
    pub revision: i64,
    pub title: String,
    pub agreed_on: String,
    pub content: String,
    pub recorded: String,
}

#[derive(Template)]
#[template(path = "pages/work_plan.html")]
struct WorkPlanPage {
    chrome: Chrome,
    head: GroupHead,
    /// The current revision (`None` before the plan is recorded).
    current: Option<RevisionLine>,
    /// Earlier revisions, newest first.
    earlier: Vec<RevisionLine>,
    files: Vec<AttachmentLine>,
    can_edit: bool,
    form: PlanForm,
    today: String,
    limit_mb: usize,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn plan_path(ws: &Workspace) -> String {
    format!("/groups/{}/work-plan", ws.group().id)
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    typed: Option<PlanForm>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<WorkPlanPage, AppError> {
    let view = services::work_plan(&state.store, ws).await?;
    let lines: Vec<RevisionLine> = view
        .as_ref()
        .map(|v| {
            v.revisions
                .iter()
                .map(|r| RevisionLine {
                    revision: r.revision,
                    title: r.title.clone(),
                    agreed_on: r.agreed_on.to_string(),
                    content: r.content.clone(),
                    recorded: format!("{} · {}", format_ms(r.recorded_at), r.recorded_by),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut lines = lines.into_iter();
    let current = lines.next();
    let form = typed.unwrap_or_else(|| match &view {
        Some(v) => PlanForm {
            title: v.plan.title.clone(),
            agreed_on: v.plan.agreed_on.to_string(),
            content: v.plan.content.clone(),
        },
        None => PlanForm::default(),
    });
    Ok(WorkPlanPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("work_plan"),
        current,
        earlier: lines.collect(),
        files: view
            .as_ref()
            .map(|v| v.files.iter().map(AttachmentLine::from).collect())
            .unwrap_or_default(),
        can_edit: ws.can_edit,
        form,
        today: ws.today.to_string(),
        limit_mb: upload_limit_mb(),
        summary,
        saved,
    })
}

pub async fn work_plan(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let page = page(
        &state,
        &user,
        &ws,
        None,
        None,
        saved_notice(q.saved.as_deref()),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn save_work_plan(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let typed = PlanForm {
        title: form.text("title"),
        agreed_on: form.text("agreed_on"),
        content: form.text("content"),
    };
    let files = form.take_files("files");
    let had_files = !files.is_empty();
    let input = WorkPlanInput {
        title: typed.title.clone(),
        agreed_on: typed.agreed_on.clone(),
        content: typed.content.clone(),
    };
    match services::save_work_plan(&writer(&state, &user), &ws, &input, files).await {
        Ok((_, true)) => Ok(saved_redirect(&plan_path(&ws), "work_plan_saved")),
        Ok((_, false)) if had_files => Ok(saved_redirect(&plan_path(&ws), "work_plan_files_added")),
        Ok((_, false)) => Ok(saved_redirect(&plan_path(&ws), "work_plan_unchanged")),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS).with_files_dropped(had_files);
            let page = page(&state, &user, &ws, Some(typed), Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The confirmation page before a file is removed.
pub async fn remove_file_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let view = services::work_plan(&state.store, &ws)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = view
        .files
        .iter()
        .find(|f| f.id.as_str() == file)
        .ok_or(AppError::NotFound)?;
    let line = AttachmentLine::from(f);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("work_plan"),
        title: "删除服务工作方案附件".into(),
        facts: vec![
            ("附件", line.file_name),
            ("大小", line.size),
            ("上传于", line.uploaded_at),
        ],
        notice: "删除后该附件不再显示，也不能下载；方案的文字和各个版本不变。删除记入审计日志。"
            .into(),
        action: format!("/groups/{}/work-plan/files/{}/remove", ws.group().id, f.id),
        button: "确认删除",
        cancel: plan_path(&ws),
    };
    Ok(render(&page)?.into_response())
}

pub async fn remove_file(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::remove_work_plan_file(&writer(&state, &user), &ws, &file).await?;
    Ok(saved_redirect(&plan_path(&ws), "work_plan_file_removed"))
}
