//! 三方合作协议 (四(二)): signed date, parties, notes and scans; its status against the deadline.

use super::{AttachmentLine, Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::agreement::AgreementInput;
use crate::domain::ids::AttachmentOwner;
use crate::domain::rules::{AgreementState, RuleId, Status, agreement_deadline, agreement_state};
use crate::http::auth::WebUser;
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::workspace::agreement as services;
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

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
    error: Option<String>,
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
    error: Option<String>,
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
    let st = agreement_state(start, ws.plan.rules.agreement_months, signed, ws.today);
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
        error,
    })
}

pub async fn get_agreement(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(render(&page(&state, &user, &ws, None, None).await?)?.into_response())
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
    match services::save_agreement(&writer(&state, &user), &ws, input, scans).await {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{}/agreement", ws.group().id)).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            again(&state, &user, &ws, typed, errors.to_string()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn again(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    ws: &Workspace,
    typed: Typed,
    error: String,
) -> Result<Response, AppError> {
    let page = page(state, user, ws, Some(typed), Some(error)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
