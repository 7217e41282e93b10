//! 重大事项 (五(一)): the group's tab lists its major matters with their status and dates and
//! takes a new one (reported to HQ directly, the moment it is sent); a matter's page shows it
//! with its 修改记录, the correction form and the withdrawal link for the organisation that
//! raised it while HQ has not acknowledged it, and HQ's acknowledge and reply forms. HQ's queue
//! (`/matters`) lists every group's matters, those waiting for it first.

use super::bases::{ConfirmRemovePage, Empty};
use super::{Choice, GroupHead, VerdictLine, Workspace};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::matter::Urgency;
use crate::domain::rules::RuleId;
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::matters as services;
use crate::store::matters::{MatterInput, MatterRow};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, PER_PAGE, Pager, audited_xlsx, page_offset, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("事项摘要", "summary"),
    ("紧急程度", "urgency"),
    ("发生日期", "raised_on"),
    ("详细情况", "details"),
];

/// The matter form as typed (kept when it is shown again with its errors).
#[derive(Deserialize, Default, Clone)]
pub struct MatterForm {
    #[serde(default)]
    summary: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    raised_on: String,
}

impl MatterForm {
    fn input(&self) -> MatterInput {
        MatterInput {
            summary: self.summary.clone(),
            details: self.details.clone(),
            urgency: self.urgency.clone(),
            raised_on: self.raised_on.clone(),
        }
    }

    fn of(m: &MatterRow) -> Self {
        Self {
            summary: m.summary.clone(),
            details: m.details.clone(),
            urgency: m.urgency.as_str().into(),
            raised_on: m.raised_on.to_string(),
        }
    }

    /// The urgency select, nothing chosen until the user chooses (a wrong default is costly).
    fn urgencies(&self) -> Vec<Choice> {
        Urgency::ALL
            .iter()
            .map(|u| Choice {
                value: u.as_str().into(),
                label: u.label().into(),
                selected: self.urgency == u.as_str(),
            })
            .collect()
    }
}

/// A matter as a line of a list or the facts of its page.
pub struct MatterLine {
    pub id: String,
    pub group_id: String,
    pub group: String,
    pub summary: String,
    pub details: String,
    pub urgency: &'static str,
    /// `normal`, `urgent`, `critical` (a CSS class).
    pub urgency_code: &'static str,
    pub raised_on: String,
    pub reported_at: String,
    pub raised_by: String,
    /// `pending`, `acknowledged`, `replied` (a CSS class) and its label.
    pub status: &'static str,
    pub status_label: &'static str,
    /// The badge's class (existing colours: waiting is a warning, answered is done).
    pub badge: &'static str,
    pub acknowledged: String,
    pub reply: String,
    pub replied: String,
    pub backfilled: bool,
}

impl From<&MatterRow> for MatterLine {
    fn from(m: &MatterRow) -> Self {
        let by = |at: Option<i64>, name: &Option<String>| match (at, name) {
            (Some(at), Some(n)) => format!("{} · {n}", format_ms(at)),
            (Some(at), None) => format_ms(at),
            _ => String::new(),
        };
        Self {
            id: m.id.to_string(),
            group_id: m.group_id.to_string(),
            group: format!("第 {} 组（{}）", m.group_number, m.lead_town),
            summary: m.summary.clone(),
            details: m.details.clone(),
            urgency: m.urgency.label(),
            urgency_code: m.urgency.as_str(),
            raised_on: m.raised_on.to_string(),
            reported_at: format_ms(m.reported_at),
            raised_by: format!("{} · {}", m.raised_by_org, m.raised_by_name),
            status: m.status().as_str(),
            status_label: m.status().label(),
            badge: match m.status() {
                crate::domain::matter::MatterStatus::Pending => "warn",
                crate::domain::matter::MatterStatus::Acknowledged => "not_yet_due",
                crate::domain::matter::MatterStatus::Replied => "met",
            },
            acknowledged: by(m.acknowledged_at, &m.acknowledged_by_name),
            reply: m.reply.clone().unwrap_or_default(),
            replied: by(m.replied_at, &m.replied_by_name),
            backfilled: m.backfilled,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/matters.html")]
struct MattersPage {
    chrome: Chrome,
    head: GroupHead,
    verdict: VerdictLine,
    matters: Vec<MatterLine>,
    can_raise: bool,
    form: MatterForm,
    urgencies: Vec<Choice>,
    today: String,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn list_path(ws: &Workspace) -> String {
    format!("/groups/{}/matters", ws.group().id)
}

fn matter_path(ws: &Workspace, m: &str) -> String {
    format!("/groups/{}/matters/{m}", ws.group().id)
}

async fn list_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    form: MatterForm,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<MattersPage, AppError> {
    let rows = services::list_matters(&state.store, ws).await?;
    let checks = ws.checks(state, ws.today.year()).await?;
    let verdict = checks
        .verdicts
        .get(RuleId::Escalation)
        .map(|v| VerdictLine::new(&checks.plan, v))
        .ok_or(AppError::NotFound)?;
    Ok(MattersPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("matters"),
        verdict,
        matters: rows.iter().map(MatterLine::from).collect(),
        can_raise: services::may_raise(ws, user),
        urgencies: form.urgencies(),
        form,
        today: ws.today.to_string(),
        summary,
        saved,
    })
}

pub async fn list_matters(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = list_page(&state, &user, &ws, MatterForm::default(), None, saved).await?;
    Ok(render(&page)?.into_response())
}

pub async fn add_matter(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<MatterForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_matter(&writer(&state, &user), &ws, &f.form.input()).await {
        Ok(m) => Ok(saved_redirect(
            &matter_path(&ws, m.as_str()),
            "matter_added",
        )),
        Err(ServiceError::Invalid(errors)) => {
            let summary = ErrorSummary::new(&errors, FIELDS);
            let page = list_page(&state, &user, &ws, f.form, Some(summary), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Which of the matter page's forms a summary belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MatterForms {
    Edit,
    Reply,
}

#[derive(Template)]
#[template(path = "pages/matter.html")]
struct MatterPage {
    chrome: Chrome,
    head: GroupHead,
    matter: MatterLine,
    /// The raising organisation may still correct and withdraw it.
    can_change: bool,
    /// HQ: the acknowledge (when not yet) and reply forms.
    is_hq: bool,
    acknowledged: bool,
    form: MatterForm,
    urgencies: Vec<Choice>,
    reply: String,
    today: String,
    summary: Option<ErrorSummary>,
    summary_for: MatterForms,
    saved: Option<&'static str>,
    history: Vec<HistoryEntry>,
}

impl MatterPage {
    fn edit_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == MatterForms::Edit
    }

    fn reply_failed(&self) -> bool {
        self.summary.is_some() && self.summary_for == MatterForms::Reply
    }
}

struct Typed {
    form: Option<MatterForm>,
    reply: Option<String>,
    summary: Option<(ErrorSummary, MatterForms)>,
}

impl Typed {
    fn none() -> Self {
        Self {
            form: None,
            reply: None,
            summary: None,
        }
    }
}

async fn matter_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    m: &MatterRow,
    typed: Typed,
    saved: Option<&'static str>,
) -> Result<MatterPage, AppError> {
    let history = record_history(&state.store, ws, RecordKind::MajorMatter, m.id.as_str()).await?;
    let form = typed.form.unwrap_or_else(|| MatterForm::of(m));
    let (summary, summary_for) = match typed.summary {
        Some((s, f)) => (Some(s), f),
        None => (None, MatterForms::Edit),
    };
    Ok(MatterPage {
        chrome: Chrome::new(
            user,
            if user.role == crate::domain::user::Role::Hq {
                "matters"
            } else {
                "groups"
            },
        ),
        head: ws.head("matters"),
        matter: MatterLine::from(m),
        can_change: services::may_change(ws, user, m),
        is_hq: crate::services::access::require_matter_receiver(user).is_ok(),
        acknowledged: m.acknowledged_at.is_some(),
        urgencies: form.urgencies(),
        form,
        reply: typed
            .reply
            .unwrap_or_else(|| m.reply.clone().unwrap_or_default()),
        today: ws.today.to_string(),
        summary,
        summary_for,
        saved,
        history,
    })
}

/// The matter's page: what was reported and HQ's answer, the forms the viewer may use, its
/// 修改记录.
pub async fn get_matter(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, matter)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::group_matter(&state.store, &ws, &matter).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = matter_page(&state, &user, &ws, &m, Typed::none(), saved).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_matter(
    State(state): State<AppState>,
    Path((id, matter)): Path<(String, String)>,
    f: CsrfForm<MatterForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::group_matter(&state.store, &ws, &matter).await?;
    let w = writer(&state, &user);
    let summary = match services::update_matter(&w, &ws, &matter, &f.form.input()).await {
        Ok(true) => return Ok(saved_redirect(&matter_path(&ws, &matter), "matter_updated")),
        Ok(false) => {
            return Ok(saved_redirect(
                &matter_path(&ws, &matter),
                "matter_unchanged",
            ));
        }
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(ServiceError::Conflict(msg)) => ErrorSummary::message(msg),
        Err(e) => return Err(e.into()),
    };
    let typed = Typed {
        form: Some(f.form),
        reply: None,
        summary: Some((summary, MatterForms::Edit)),
    };
    let page = matter_page(&state, &user, &ws, &m, typed, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The confirmation page before a matter is withdrawn.
pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, matter)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::group_matter(&state.store, &ws, &matter).await?;
    if !services::may_change(&ws, &user, &m) {
        return Err(
            if m.acknowledged_at.is_some() && services::may_raise(&ws, &user) {
                ServiceError::Conflict(crate::domain::matter::LOCKED.into()).into()
            } else {
                AppError::Forbidden
            },
        );
    }
    let line = MatterLine::from(&m);
    let page = ConfirmRemovePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("matters"),
        title: "撤回重大事项".into(),
        facts: vec![
            ("事项摘要", line.summary),
            ("紧急程度", line.urgency.into()),
            ("发生日期", line.raised_on),
            ("报告时间", line.reported_at),
        ],
        notice: "市指挥部尚未签收该事项。撤回后该事项从本组的重大事项中删除，市指挥部不再看到它，也不再计入重大事项报告规则；撤回操作记入审计日志。如只是内容有误，请返回修改。".into(),
        action: format!("{}/withdraw", matter_path(&ws, m.id.as_str())),
        button: "确认撤回",
        cancel: matter_path(&ws, m.id.as_str()),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw_matter(
    State(state): State<AppState>,
    Path((id, matter)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_matter(&writer(&state, &user), &ws, &matter).await?;
    Ok(saved_redirect(&list_path(&ws), "matter_withdrawn"))
}

pub async fn acknowledge_matter(
    State(state): State<AppState>,
    Path((id, matter)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::acknowledge_matter(&writer(&state, &user), &ws, &matter).await?;
    Ok(saved_redirect(
        &matter_path(&ws, &matter),
        "matter_acknowledged",
    ))
}

/// A GET on the acknowledge or reply address (a reload after a refused reply) leads to the
/// matter's page.
pub async fn back_to_matter(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, matter)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(Redirect::to(&matter_path(&ws, &matter)).into_response())
}

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    reply: String,
}

pub async fn reply_matter(
    State(state): State<AppState>,
    Path((id, matter)): Path<(String, String)>,
    f: CsrfForm<ReplyForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let m = services::group_matter(&state.store, &ws, &matter).await?;
    match services::reply_matter(&writer(&state, &user), &ws, &matter, &f.form.reply).await {
        Ok(()) => Ok(saved_redirect(&matter_path(&ws, &matter), "matter_replied")),
        Err(ServiceError::Invalid(e)) => {
            let typed = Typed {
                form: None,
                reply: Some(f.form.reply),
                summary: Some((
                    ErrorSummary::new(&e, &[("答复意见", "reply")]),
                    MatterForms::Reply,
                )),
            };
            let page = matter_page(&state, &user, &ws, &m, typed, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/matter_queue.html")]
struct QueuePage {
    chrome: Chrome,
    waiting: Vec<MatterLine>,
    handled: Vec<MatterLine>,
    waiting_total: i64,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    page: Option<String>,
}

/// HQ's queue: every group's matters, those waiting for its acknowledgement first, a page at a
/// time.
pub async fn matter_queue(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total, waiting_total) =
        services::matter_queue(&state.store, &user, PER_PAGE, offset).await?;
    let (waiting, handled): (Vec<_>, Vec<_>) =
        rows.iter().partition(|m| m.acknowledged_at.is_none());
    let page = QueuePage {
        chrome: Chrome::new(&user, "matters"),
        waiting: waiting.into_iter().map(MatterLine::from).collect(),
        handled: handled.into_iter().map(MatterLine::from).collect(),
        waiting_total,
        pager: Pager::new("/matters", &[], page_no, total),
    };
    Ok(render(&page)?.into_response())
}

/// The columns of a matters export (the group's list and HQ's queue alike).
fn matters_table(rows: &[MatterRow]) -> Table {
    Table {
        sheet: "重大事项".into(),
        headers: vec![
            "结对组",
            "事项摘要",
            "紧急程度",
            "发生日期",
            "报告时间",
            "报告单位",
            "报告人",
            "状态",
            "签收",
            "答复",
            "答复时间",
            "详细情况",
        ],
        rows: rows
            .iter()
            .map(|m| {
                let line = MatterLine::from(m);
                vec![
                    line.group,
                    line.summary,
                    line.urgency.to_string(),
                    line.raised_on,
                    line.reported_at,
                    m.raised_by_org.clone(),
                    m.raised_by_name.clone(),
                    line.status_label.to_string(),
                    line.acknowledged,
                    line.reply,
                    line.replied,
                    line.details,
                ]
            })
            .collect(),
    }
}

/// The group's matters as xlsx: everyone who sees the group (the bureau read-only) may export.
pub async fn export_matters(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let rows = services::list_matters(&state.store, &ws).await?;
    let file = format!("第{}组重大事项.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(
        &state,
        &user,
        "major_matter",
        Some(&group),
        &file,
        &matters_table(&rows),
    )
    .await
}

/// HQ's whole queue as xlsx, in the queue's order (waiting first), every page at once.
pub async fn export_matter_queue(
    State(state): State<AppState>,
    WebUser(user): WebUser,
) -> Result<Response, AppError> {
    let rows = services::matter_queue_export(&state.store, &user).await?;
    audited_xlsx(
        &state,
        &user,
        "major_matter",
        None,
        "重大事项汇总.xlsx",
        &matters_table(&rows),
    )
    .await
}
