//! 三方合作协议 (四(二)): signed date, parties, notes and scans; its status against the deadline.
//! The form records or corrects it; an agreement entered by mistake is withdrawn and a scan
//! removed after a confirmation; the page shows the agreement's 修改记录. Under it, the
//! supplementary agreements (补充协议) the parties added by adjustments owe, each on a page of its
//! own under `/groups/{id}/agreement/supplementary/{adjustment}` with the same form, scans,
//! withdrawal and history (one template, one set of handlers, told which agreement).

use super::bases::{ConfirmRemovePage, Empty, upload_limit_mb};
use super::{AttachmentLine, Choice, GroupHead, Workspace};
use crate::AppState;
use crate::domain::agreement::AgreementInput;
use crate::domain::ids::AttachmentOwner;
use crate::domain::rules::{AgreementState, RuleId, Status, agreement_deadline, agreement_state};
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::agreement::{self as services, Supplementary, Which};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::multipart::read_multipart;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("签署日期", "signed_on"),
    ("签约各方", "parties"),
    ("备注", "notes"),
    ("协议扫描件", "scans"),
];

/// The adjustment a supplementary agreement's page answers, as it shows it.
struct SupplementFacts {
    effective_on: String,
    grounds: &'static str,
    decided_by: String,
    added: String,
}

/// One adjustment that added parties, listed under the tripartite agreement.
struct SupplementLine {
    href: String,
    effective_on: String,
    added: String,
    due: String,
    /// 已签署 2025-07-20, or 未签署 (and how late).
    state: String,
    badge: &'static str,
    signed: bool,
}

#[derive(Template)]
#[template(path = "pages/agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    head: GroupHead,
    can_edit: bool,
    /// 三方合作协议 or 补充协议.
    kind: &'static str,
    /// As the form's headings and buttons say it: 协议 or 补充协议.
    short: &'static str,
    /// The agreement's page: the form posts here, withdrawal and scans hang under it.
    path: String,
    /// The supplementary agreement's adjustment; none on the tripartite agreement's page.
    supplement: Option<SupplementFacts>,
    /// The supplementary agreements owed, on the tripartite agreement's page.
    supplements: Vec<SupplementLine>,
    rule_title: String,
    status: String,
    status_kind: &'static str,
    status_reason: String,
    deadline: String,
    signed_on: String,
    notes: String,
    parties: Vec<Choice>,
    has_agreement: bool,
    /// Brought in by a history import: the page says 历史补录.
    backfilled: bool,
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

/// The organisations' names, as a line.
fn names(s: &Supplementary) -> String {
    s.added
        .iter()
        .map(|m| format!("{}（{}）", m.name, m.role.label()))
        .collect::<Vec<_>>()
        .join("、")
}

fn tripartite_path(ws: &Workspace) -> String {
    format!("/groups/{}/agreement", ws.group().id)
}

fn path_of(ws: &Workspace, which: Which<'_>) -> String {
    match which {
        Which::Tripartite => tripartite_path(ws),
        Which::Supplementary(s) => supplementary_path(ws, s),
    }
}

fn supplementary_path(ws: &Workspace, s: &Supplementary) -> String {
    format!(
        "/groups/{}/agreement/supplementary/{}",
        ws.group().id,
        s.adjustment.id
    )
}

/// The badge of a supplementary agreement: where it stands against its own deadline.
fn own_badge(st: AgreementState) -> &'static str {
    match st {
        AgreementState::SignedOnTime => "met",
        AgreementState::SignedLate { .. } | AgreementState::Overdue { .. } => "not_met",
        AgreementState::DueSoon { .. } => "warn",
        AgreementState::Unsigned { .. } => "not_yet_due",
    }
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    which: Which<'_>,
    typed: Option<Typed>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<AgreementPage, AppError> {
    let g = ws.group();
    let agreement = services::get_agreement(&state.store, ws, which).await?;
    let signed = agreement.as_ref().and_then(|a| a.signed_on);
    let rules = &ws.plan.rules;
    // (joined, months, deadline): the group's start for the tripartite agreement, the
    // adjustment's effective date (under the plan of its year) for a supplementary one.
    let (joined, months, deadline) = match which {
        Which::Tripartite => {
            let start = ws.started_on();
            let months = rules.agreement_months;
            (start, months, agreement_deadline(start, months))
        }
        Which::Supplementary(s) => {
            let on = s.adjustment.effective_on;
            let months = ws.years.for_year(on.year()).rules.agreement_months;
            (on, months, s.due)
        }
    };
    // The verdict of the year that holds the deadline, from the one evaluator; the countdown
    // (即将到期) only while it is not yet due.
    let checks = ws.checks(state, deadline.year()).await?;
    let verdict = checks
        .verdicts
        .get(RuleId::Agreement)
        .ok_or(AppError::NotFound)?;
    let st = agreement_state(
        joined,
        months,
        signed,
        ws.today,
        rules.agreement_due_soon_days,
    );
    // A short badge, and the reason beside it as ordinary text (it may name several parties).
    let (status, status_kind, status_reason) = match which {
        Which::Tripartite => {
            let (status, kind) = match (verdict.status, st) {
                (
                    Status::NotYetDue,
                    AgreementState::DueSoon { .. } | AgreementState::Unsigned { .. },
                ) => (
                    st.label(),
                    if matches!(st, AgreementState::DueSoon { .. }) {
                        "warn"
                    } else {
                        "not_yet_due"
                    },
                ),
                (s, _) => (s.label().to_string(), s.as_str()),
            };
            (status, kind, verdict.reason.clone())
        }
        // The supplementary agreement against its own deadline; the year's verdict (which may
        // name other parties too) beside it.
        Which::Supplementary(_) => (
            st.label(),
            own_badge(st),
            format!(
                "{} 年协议规则：{}。{}",
                deadline.year(),
                verdict.status.label(),
                verdict.reason
            ),
        ),
    };
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
    // The members a new agreement starts with selected, and those it may name: today's members
    // for the tripartite agreement, the members on the effective date for a supplementary one.
    let on = match which {
        Which::Tripartite => ws.today,
        Which::Supplementary(s) => s.adjustment.effective_on,
    };
    let typed = typed.unwrap_or_else(|| Typed {
        signed_on: signed.map(|d| d.to_string()).unwrap_or_default(),
        notes: agreement
            .as_ref()
            .map(|a| a.notes.clone())
            .unwrap_or_default(),
        parties: match &agreement {
            Some(a) => a.parties.iter().map(|p| p.to_string()).collect(),
            None => g
                .members
                .iter()
                .filter(|m| m.active_on(on))
                .map(|m| m.org_id.to_string())
                .collect(),
        },
    });
    let parties = g
        .members
        .iter()
        .filter(|m| m.active_on(on) || typed.parties.contains(&m.org_id.to_string()))
        .map(|m| Choice {
            value: m.org_id.to_string(),
            label: format!("{}（{}）", m.name, m.role.label()),
            selected: typed.parties.contains(&m.org_id.to_string()),
        })
        .collect();
    let (supplement, supplements) = match which {
        Which::Supplementary(s) => (
            Some(SupplementFacts {
                effective_on: s.adjustment.effective_on.to_string(),
                grounds: s.adjustment.grounds.label(),
                decided_by: s.adjustment.decided_by.clone(),
                added: names(s),
            }),
            Vec::new(),
        ),
        Which::Tripartite => (None, supplement_lines(state, ws).await?),
    };
    Ok(AgreementPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("agreement"),
        can_edit: ws.can_edit,
        kind: which.key(ws).label(),
        short: match which {
            Which::Tripartite => "协议",
            Which::Supplementary(_) => "补充协议",
        },
        path: path_of(ws, which),
        supplement,
        supplements,
        rule_title: ws.plan.rule_title(RuleId::Agreement),
        status,
        status_kind,
        status_reason,
        deadline: deadline.to_string(),
        signed_on: typed.signed_on,
        notes: typed.notes,
        parties,
        has_agreement: agreement.is_some(),
        backfilled: agreement.as_ref().is_some_and(|a| a.backfilled),
        scans: scans.iter().map(AttachmentLine::from).collect(),
        max_mb: rules.attachment_max_mb,
        total_mb: upload_limit_mb(),
        summary,
        saved,
        history,
    })
}

/// Each adjustment that added parties, with where its supplementary agreement stands.
async fn supplement_lines(
    state: &AppState,
    ws: &Workspace,
) -> Result<Vec<SupplementLine>, AppError> {
    let owed = services::supplementaries(&state.store, ws).await?;
    if owed.is_empty() {
        return Ok(Vec::new());
    }
    let recorded = state.store.supplementary_agreements(&ws.group().id).await?;
    Ok(owed
        .iter()
        .map(|s| {
            let signed: Option<Date> = recorded
                .iter()
                .find(|a| a.adjustment.as_ref() == Some(&s.adjustment.id))
                .and_then(|a| a.signed_on);
            // Where it stands against its own deadline, as its page's badge says it.
            let on = s.adjustment.effective_on;
            let rules = &ws.years.for_year(on.year()).rules;
            let st = agreement_state(
                on,
                rules.agreement_months,
                signed,
                ws.today,
                ws.plan.rules.agreement_due_soon_days,
            );
            let state = match (st, signed) {
                (AgreementState::SignedLate { days }, Some(d)) => {
                    format!("已签署 {d}（逾期 {days} 天）")
                }
                (_, Some(d)) => format!("已签署 {d}"),
                (AgreementState::Overdue { days }, None) => format!("未签署（已逾期 {days} 天）"),
                (AgreementState::DueSoon { days_left }, None) => {
                    format!("未签署（剩余 {days_left} 天）")
                }
                (_, None) => "未签署".to_string(),
            };
            let badge = own_badge(st);
            SupplementLine {
                href: supplementary_path(ws, s),
                effective_on: s.adjustment.effective_on.to_string(),
                added: names(s),
                due: s.due.to_string(),
                state,
                badge,
                signed: signed.is_some(),
            }
        })
        .collect())
}

/// The supplementary agreement's adjustment named by the path: not found unless it is one of
/// the group's that added parties.
async fn supplement_of(
    state: &AppState,
    ws: &Workspace,
    adjustment: &str,
) -> Result<Supplementary, AppError> {
    Ok(services::supplementary(&state.store, ws, adjustment).await?)
}

pub async fn get_agreement(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    show(&state, &user, &ws, Which::Tripartite, q).await
}

pub async fn get_supplementary(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, adjustment)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let s = supplement_of(&state, &ws, &adjustment).await?;
    show(&state, &user, &ws, Which::Supplementary(&s), q).await
}

async fn show(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    which: Which<'_>,
    q: SavedQuery,
) -> Result<Response, AppError> {
    let saved = saved_notice(q.saved.as_deref());
    Ok(render(&page(state, user, ws, which, None, None, saved).await?)?.into_response())
}

pub async fn save_agreement(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    save(&state, &user, &ws, Which::Tripartite, multipart).await
}

pub async fn save_supplementary(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, adjustment)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let s = supplement_of(&state, &ws, &adjustment).await?;
    save(&state, &user, &ws, Which::Supplementary(&s), multipart).await
}

async fn save(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    which: Which<'_>,
    multipart: Multipart,
) -> Result<Response, AppError> {
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
    match services::save_agreement(&writer(state, user), ws, which, input, scans).await {
        Ok(saved) => {
            let key = if !saved.changed && saved.scans_added {
                "scans_added"
            } else {
                "agreement_saved"
            };
            Ok(saved_redirect(&path_of(ws, which), key))
        }
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS).with_files_dropped(had_files);
            let page = page(state, user, ws, which, Some(typed), Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(ServiceError::Conflict(message)) => {
            let summary = ErrorSummary::message(message).with_files_dropped(had_files);
            let page = page(state, user, ws, which, Some(typed), Some(summary), None).await?;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The confirmation page before the agreement entered by mistake is withdrawn.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    confirm_withdraw(&state, &user, &ws, Which::Tripartite).await
}

pub async fn withdraw_supplementary_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, adjustment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let s = supplement_of(&state, &ws, &adjustment).await?;
    confirm_withdraw(&state, &user, &ws, Which::Supplementary(&s)).await
}

async fn confirm_withdraw(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    which: Which<'_>,
) -> Result<Response, AppError> {
    ws.require_edit()?;
    let a = services::get_agreement(&state.store, ws, which)
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
    let kind = which.key(ws).label();
    let mut facts = vec![
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
    ];
    let notice = match which {
        Which::Tripartite => "撤回后本组视为尚未登记协议（协议规则按未签署判断），协议的签约各方和扫描件一并删除；撤回操作记入审计日志。只是日期或签约方有误时，请直接在协议页修改。".to_string(),
        Which::Supplementary(s) => {
            facts.insert(0, ("结对调整", format!("{} 生效，加入 {}", s.adjustment.effective_on, names(s))));
            "撤回后视为本次调整新加入的单位尚未签署补充协议（协议规则按未签署判断），补充协议的签约各方和扫描件一并删除；撤回操作记入审计日志。只是日期或签约方有误时，请直接在补充协议页修改。".to_string()
        }
    };
    let path = path_of(ws, which);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("agreement"),
        title: format!("撤回{kind}（误录）"),
        facts,
        notice,
        action: format!("{path}/withdraw"),
        button: "确认撤回",
        cancel: path,
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
    services::withdraw_agreement(&writer(&state, &user), &ws, Which::Tripartite).await?;
    Ok(saved_redirect(&tripartite_path(&ws), "agreement_withdrawn"))
}

pub async fn withdraw_supplementary(
    State(state): State<AppState>,
    Path((id, adjustment)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let s = supplement_of(&state, &ws, &adjustment).await?;
    let which = Which::Supplementary(&s);
    services::withdraw_agreement(&writer(&state, &user), &ws, which).await?;
    Ok(saved_redirect(&path_of(&ws, which), "agreement_withdrawn"))
}

/// The confirmation page before a scan is removed.
pub async fn remove_scan_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, scan)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    confirm_remove_scan(&state, &user, &ws, Which::Tripartite, &scan).await
}

pub async fn remove_supplementary_scan_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, adjustment, scan)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let s = supplement_of(&state, &ws, &adjustment).await?;
    confirm_remove_scan(&state, &user, &ws, Which::Supplementary(&s), &scan).await
}

async fn confirm_remove_scan(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    which: Which<'_>,
    scan: &str,
) -> Result<Response, AppError> {
    ws.require_edit()?;
    let a = services::get_agreement(&state.store, ws, which)
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
    let path = path_of(ws, which);
    let kind = which.key(ws).label();
    let page = ConfirmRemovePage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("agreement"),
        title: match which {
            Which::Tripartite => "删除协议扫描件".to_string(),
            Which::Supplementary(_) => format!("删除{kind}扫描件"),
        },
        facts: vec![
            ("扫描件", line.file_name),
            ("大小", line.size),
            ("上传于", line.uploaded_at),
        ],
        notice: "删除后该扫描件不再显示，也不能下载；协议的签署日期和签约各方不变。删除操作记入协议的修改记录。".into(),
        action: format!("{path}/scans/{}/remove", s.id),
        button: "确认删除",
        cancel: path,
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
    services::remove_agreement_scan(&writer(&state, &user), &ws, Which::Tripartite, &scan).await?;
    Ok(saved_redirect(&tripartite_path(&ws), "scan_removed"))
}

pub async fn remove_supplementary_scan(
    State(state): State<AppState>,
    Path((id, adjustment, scan)): Path<(String, String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let s = supplement_of(&state, &ws, &adjustment).await?;
    let which = Which::Supplementary(&s);
    services::remove_agreement_scan(&writer(&state, &user), &ws, which, &scan).await?;
    Ok(saved_redirect(&path_of(&ws, which), "scan_removed"))
}
