//! One member of the service team: correcting the record (with its 修改记录), withdrawing one
//! entered by mistake, and recording that one left — three different things, each its own page.

use super::Workspace;
use super::team::{MEMBER_FIELDS, MemberChoices, MemberForm, MemberLine, line};
use crate::AppState;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::team as services;
use crate::store::team::TeamMemberRow;
use crate::web::forms::{ErrorSummary, saved_redirect};
use crate::web::pages::{Chrome, render};
use crate::web::workspace::GroupHead;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

fn team_path(ws: &Workspace) -> String {
    format!("/groups/{}/team", ws.group().id)
}

/// The member's record as the form starts it. The phone is shown to those who see it in full;
/// for others the form starts empty and the number stays as it is unless one is typed.
fn form_of(user: &Viewer, m: &TeamMemberRow) -> MemberForm {
    let full = crate::services::access::sees_full_phone(user, &m.org_id);
    MemberForm {
        person_name: m.person_name.clone(),
        org_id: m.org_id.to_string(),
        role: m.role.as_str().into(),
        title: m.title.as_str().into(),
        school_leader: m.school_leader.then(|| "1".to_string()),
        phone: if full { m.phone.clone() } else { String::new() },
        joined_on: m.joined_on.to_string(),
        left_on: m.left_on.map(|d| d.to_string()).unwrap_or_default(),
        confirm_duplicate: None,
    }
}

#[derive(Template)]
#[template(path = "pages/member_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    member: MemberLine,
    /// The leaving date is on the form (the member left, or one was typed).
    has_left: bool,
    /// The number is masked for this user: the field starts empty and empty keeps it.
    phone_hidden: bool,
    form: MemberForm,
    choices: MemberChoices,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    m: &TeamMemberRow,
    form: MemberForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::TeamMember, m.id.as_str()).await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("team"),
        member: line(user, m),
        has_left: m.left_on.is_some() || !form.left_on.is_empty(),
        phone_hidden: !crate::services::access::sees_full_phone(user, &m.org_id),
        choices: MemberChoices::new(ws, &form, &summary),
        form,
        summary,
        history,
    })
}

/// The edit form, pre-filled with the member's record, and the record's history.
pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let m = services::team_member(&state.store, &ws, &member).await?;
    let page = edit_page(&state, &user, &ws, &m, form_of(&user, &m), None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Path((id, member)): Path<(String, String)>,
    f: CsrfForm<MemberForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let m = services::team_member(&state.store, &ws, &member).await?;
    let mut input = f.form.input();
    // A masked number was not shown, so an empty field keeps the number on record.
    if input.phone.trim().is_empty() && !crate::services::access::sees_full_phone(&user, &m.org_id)
    {
        input.phone = m.phone.clone();
    }
    let confirmed = f.form.confirm_duplicate.is_some();
    let w = writer(&state, &user);
    let result =
        services::update_team_member(&w, &ws, &member, &input, &f.form.left_on, confirmed).await;
    let summary = match result {
        Ok(()) => return Ok(saved_redirect(&team_path(&ws), "member_updated")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, MEMBER_FIELDS),
        Err(ServiceError::Conflict(msg)) => ErrorSummary::message(msg),
        Err(e) => return Err(e.into()),
    };
    let page = edit_page(&state, &user, &ws, &m, f.form, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/member_withdraw.html")]
struct WithdrawPage {
    chrome: Chrome,
    head: GroupHead,
    member: MemberLine,
    /// Why it cannot be withdrawn (on-site entries name the member), when it cannot.
    refusal: Option<String>,
}

/// The confirmation page before a member entered by mistake is deleted; it says so at once when
/// on-site entries name the member.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let m = services::team_member(&state.store, &ws, &member).await?;
    let services = state.store.member_services(&m.id).await?;
    let refusal = (!services.is_empty()).then(|| {
        let dates: Vec<String> = services.iter().map(ToString::to_string).collect();
        format!(
            "{} 出现在 {} 的驻镇(含驻村)服务记录中，不能撤回；请先更正或删除这些服务记录。如该队员确曾在队、现已离开，请用“登记离队”",
            m.person_name,
            dates.join("、")
        )
    });
    let page = WithdrawPage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("team"),
        member: line(&user, &m),
        refusal,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn withdraw(
    State(state): State<AppState>,
    Path((id, member)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let w = writer(&state, &user);
    match services::withdraw_team_member(&w, &ws, &member).await {
        Ok(()) => Ok(saved_redirect(&team_path(&ws), "member_withdrawn")),
        Err(ServiceError::Conflict(msg)) => {
            let m = services::team_member(&state.store, &ws, &member).await?;
            let page = WithdrawPage {
                chrome: Chrome::new(&user, "groups"),
                head: ws.head("team"),
                member: line(&user, &m),
                refusal: Some(msg),
            };
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/member_leave.html")]
struct LeavePage {
    chrome: Chrome,
    head: GroupHead,
    member: MemberLine,
    left_on: String,
    /// The dates that can be given today, as the hint beside the field says.
    range: String,
    summary: Option<ErrorSummary>,
}

async fn leave_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    m: &TeamMemberRow,
    left_on: Option<String>,
    summary: Option<ErrorSummary>,
) -> Result<LeavePage, AppError> {
    let window = services::leave_window(&state.store, ws, m).await?;
    let range = if window.is_empty() {
        format!(
            "{} 的驻镇(含驻村)服务记录到 {} 为止，离队日期须晚于该日；请先更正服务记录",
            m.person_name,
            window.earliest.yesterday().unwrap_or(window.earliest)
        )
    } else if window.earliest == window.latest {
        format!("今天只能填 {}", window.earliest)
    } else {
        format!("可填 {} 至 {}", window.earliest, window.latest)
    };
    let left_on = left_on.unwrap_or_else(|| {
        window
            .suggested(ws.today)
            .map(|d| d.to_string())
            .unwrap_or_default()
    });
    Ok(LeavePage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("team"),
        member: line(user, m),
        left_on,
        range,
        summary,
    })
}

/// The confirmation page before a member is recorded as having left: today when it can be
/// recorded, else empty, with the dates that can be given beside the field.
pub async fn leave_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let m = services::team_member(&state.store, &ws, &member).await?;
    let page = leave_page(&state, &user, &ws, &m, None, None).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct LeaveForm {
    #[serde(default)]
    left_on: String,
}

pub async fn leave(
    State(state): State<AppState>,
    Path((id, member)): Path<(String, String)>,
    f: CsrfForm<LeaveForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let w = writer(&state, &user);
    let summary = match services::end_team_member(&w, &ws, &member, &f.form.left_on).await {
        Ok(()) => return Ok(saved_redirect(&team_path(&ws), "member_left")),
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, &[("离队日期", "left_on")]),
        Err(ServiceError::Conflict(msg)) => ErrorSummary::message(msg),
        Err(e) => return Err(e.into()),
    };
    let m = services::team_member(&state.store, &ws, &member).await?;
    let page = leave_page(&state, &user, &ws, &m, Some(f.form.left_on), Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
