//! 三方合作协议 (四(二)): signed date, parties, notes and scans; its status against the deadline.
//! The form records or corrects it; an agreement entered by mistake is withdrawn and a scan
//! removed after a confirmation; the page shows the agreement's 修改记录.

use super::bases::{ConfirmRemovePage, Empty, upload_limit_mb};
use super::{AttachmentLine, Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::agreement::AgreementInput;
use crate::domain::ids::AttachmentOwner;
use crate::domain::rules::{AgreementState, RuleId, Status, agreement_deadline, agreement_state};
use crate::http::auth::{CsrfForm, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::agreement as services;
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("签署日期", "signed_on"),
    ("签约各方", "parties"),
    ("备注", "notes"),
    ("协议扫描件", "scans"),
];

#[derive(Template)]
#[template(path = "pages/agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    head: GroupHead,
    can_edit: bool,
    rule_title: String,
    status: String,
    status_kind: &'static str,
    status_reason: String,
    deadline: String,
    signed_on: String,
    notes: String,
    parties: Vec<Choice>,
    has_agreement: bool,
    scans: Vec<AttachmentLine>,
    max_mb: u32,
    total_mb: usize,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    history: Vec<HistoryEntry>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The form as typed, kept when it is shown again with an error.
struct Typed {
    signed_on: String,
    notes: String,
    parties: Vec<String>,
}

async fn page(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    ws: &Workspace,
    typed: Option<Typed>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<AgreementPage, AppError> {
    let g = ws.group();
    let start = ws.started_on();
    let agreement = state.store.get_agreement(&g.id).await?;
    let signed = agreement.as_ref().and_then(|a| a.signed_on);
    let deadline = agreement_deadline(start, ws.plan.rules.agreement_months);
    // The verdict of the year that holds the deadline, from the one evaluator; the countdown
    // (即将到期) only while it is not yet due.
    let checks = ws.checks(state, deadline.year()).await?;
    let verdict = checks
        .verdicts
        .get(RuleId::Agreement)
        .ok_or(AppError::NotFound)?;
    let st = agreement_state(
        start,
        ws.plan.rules.agreement_months,
        signed,
        ws.today,
        ws.plan.rules.agreement_due_soon_days,
    );
    // A short badge, and the reason beside it as ordinary text (it may name several parties).
    let (status, status_kind) = match (verdict.status, st) {
        (Status::NotYetDue, AgreementState::DueSoon { .. } | AgreementState::Unsigned { .. }) => (
            st.label(),
            if matches!(st, AgreementState::DueSoon { .. }) {
                "warn"
            } else {
                "not_yet_due"
            },
        ),
        (s, _) => (s.label().to_string(), s.as_str()),
    };
    let status_reason = verdict.reason.clone();
    let scans = match &agreement {
        Some(a) => {
            state
                .store
                .list_attachments(AttachmentOwner::Agreement, &[a.id.to_string()])
                .await?
        }
        None => Vec::new(),
    };
    let history = match &agreement {
        Some(a) => record_history(&state.store, ws, RecordKind::Agreement, a.id.as_str()).await?,
        None => Vec::new(),
    };
    let typed = typed.unwrap_or_else(|| Typed {
        signed_on: signed.map(|d| d.to_string()).unwrap_or_default(),
        notes: agreement
            .as_ref()
            .map(|a| a.notes.clone())
            .unwrap_or_default(),
        // A new agreement starts with the group's current members selected.
        parties: match &agreement {
            Some(a) => a.parties.iter().map(|p| p.to_string()).collect(),
            None => g
                .members
                .iter()
                .filter(|m| m.active_on(ws.today))
                .map(|m| m.org_id.to_string())
                .collect(),
        },
    });
    let parties = g
        .members
        .iter()
        .filter(|m| m.active_on(ws.today) || typed.parties.contains(&m.org_id.to_string()))
        .map(|m| Choice {
            value: m.org_id.to_string(),
            label: format!("{}（{}）", m.name, m.role.label()),
            selected: typed.parties.contains(&m.org_id.to_string()),
        })
        .collect();
    Ok(AgreementPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("agreement"),
        can_edit: ws.can_edit,
        rule_title: ws.plan.rule_title(RuleId::Agreement),
        status,
        status_kind,
        status_reason,
        deadline: deadline.to_string(),
        signed_on: typed.signed_on,
        notes: typed.notes,
        parties,
        has_agreement: agreement.is_some(),
        scans: scans.iter().map(AttachmentLine::from).collect(),
        max_mb: ws.plan.rules.attachment_max_mb,
        total_mb: upload_limit_mb(),
        summary,
        saved,
        history,
    })
}

pub async fn get_agreement(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let saved = saved_notice(q.saved.as_deref());
    Ok(render(&page(&state, &user, &ws, None, None, saved).await?)?.into_response())
}

pub async fn save_agreement(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let mut form = read_multipart(multipart, &user.csrf_token).await?;
    let typed = Typed {
        signed_on: form.text("signed_on"),
        notes: form.text("notes"),
        parties: form.all("parties"),
    };
    let scans = form.take_files("scans");
    let input = AgreementInput {
        signed_on: typed.signed_on.clone(),
        notes: typed.notes.clone(),
        parties: typed.parties.clone(),
        with_scans: false,
    };
    let had_files = !scans.is_empty();
    match services::save_agreement(&writer(&state, &user), &ws, input, scans).await {
        Ok(saved) => {
            let key = if !saved.changed && saved.scans_added {
                "scans_added"
            } else {
                "agreement_saved"
            };
            Ok(saved_redirect(&agreement_path(&ws), key))
        }
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS).with_files_dropped(had_files);
            let page = page(&state, &user, &ws, Some(typed), Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(ServiceError::Conflict(message)) => {
            let summary = ErrorSummary::message(message).with_files_dropped(had_files);
            let page = page(&state, &user, &ws, Some(typed), Some(summary), None).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn agreement_path(ws: &Workspace) -> String {
    format!("/groups/{}/agreement", ws.group().id)
}

/// The confirmation page before the agreement entered by mistake is withdrawn.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let a = state
        .store
        .get_agreement(&ws.group().id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scans = state
        .store
        .list_attachments(AttachmentOwner::Agreement, &[a.id.to_string()])
        .await?;
    let party_names: Vec<String> = a
        .parties
        .iter()
        .filter_map(|p| ws.group().members.iter().find(|m| &m.org_id == p))
        .map(|m| m.name.clone())
        .collect();
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("agreement"),
        title: "撤回三方合作协议（误录）".into(),
        facts: vec![
            (
                "签署日期",
                a.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            ),
            ("签约各方", party_names.join("、")),
            ("备注", a.notes.clone()),
            (
                "扫描件",
                scans
                    .iter()
                    .map(|s| s.file_name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ],
        notice: "撤回后本组视为尚未登记协议（协议规则按未签署判断），协议的签约各方和扫描件一并删除；撤回操作记入审计日志。只是日期或签约方有误时，请直接在协议页修改。".into(),
        action: format!("/groups/{}/agreement/withdraw", ws.group().id),
        button: "确认撤回",
        cancel: agreement_path(&ws),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw_agreement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_agreement(&writer(&state, &user), &ws).await?;
    Ok(saved_redirect(&agreement_path(&ws), "agreement_withdrawn"))
}

/// The confirmation page before a scan is removed.
pub async fn remove_scan_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, scan)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let a = state
        .store
        .get_agreement(&ws.group().id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scans = state
        .store
        .list_attachments(AttachmentOwner::Agreement, &[a.id.to_string()])
        .await?;
    let s = scans
        .iter()
        .find(|s| s.id.as_str() == scan)
        .ok_or(AppError::NotFound)?;
    let line = AttachmentLine::from(s);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("agreement"),
        title: "删除协议扫描件".into(),
        facts: vec![
            ("扫描件", line.file_name),
            ("大小", line.size),
            ("上传于", line.uploaded_at),
        ],
        notice: "删除后该扫描件不再显示，也不能下载；协议的签署日期和签约各方不变。删除操作记入协议的修改记录。".into(),
        action: format!("/groups/{}/agreement/scans/{}/remove", ws.group().id, s.id),
        button: "确认删除",
        cancel: agreement_path(&ws),
    };
    Ok(render(&page)?.into_response())
}

pub async fn remove_scan(
    State(state): State<AppState>,
    Path((id, scan)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::remove_agreement_scan(&writer(&state, &user), &ws, &scan).await?;
    Ok(saved_redirect(&agreement_path(&ws), "scan_removed"))
}
