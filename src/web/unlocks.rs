//! 解锁申请 (五(三)) on the web: the form a school fills to unlock its accepted monthly report
//! (`/reports/{YYYY-MM}/{school}/unlock`, linked from the report's page: [`unlock_path`] and
//! `partials/unlock_link.html`), the bureau's queue (`/unlocks`: open first, filtered by state,
//! paged, xlsx export), and the grant and refuse confirmation pages.

use crate::AppState;
use crate::clock::format_ms;
use crate::domain::plan::Month;
use crate::domain::unlock::{UnlockState, parse_state_filter};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::unlocks::{self as services, UnlockTarget};
use crate::store::unlocks::{UnlockFilter, UnlockRow};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, PER_PAGE, Pager, audited_xlsx, page_offset, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The address of the unlock form of `school`'s report for `month` (the report page links here).
pub fn unlock_path(month: Month, school: &str) -> String {
    format!("/reports/{month}/{school}/unlock")
}

/// A request as a line of the queue or the report's list of requests.
pub struct UnlockLine {
    pub id: String,
    pub month: String,
    pub month_label: String,
    pub school_id: String,
    pub school: String,
    pub state: &'static str,
    pub state_label: &'static str,
    /// The badge's class (the colours the matters use: waiting is a warning).
    pub badge: &'static str,
    pub reason: String,
    pub requested: String,
    pub decided: String,
    pub decision_comment: String,
    pub open: bool,
}

impl From<&UnlockRow> for UnlockLine {
    fn from(u: &UnlockRow) -> Self {
        Self {
            id: u.id.to_string(),
            month: u.month.to_string(),
            month_label: u.month.label(),
            school_id: u.school_id.to_string(),
            school: u.school_name.clone(),
            state: u.state.as_str(),
            state_label: u.state.label(),
            badge: match u.state {
                UnlockState::Open => "warn",
                UnlockState::Granted => "met",
                UnlockState::Refused => "not_yet_due",
            },
            reason: u.reason.clone(),
            requested: format!("{} · {}", format_ms(u.requested_at), u.requested_by_name),
            decided: match (u.decided_at, &u.decided_by_name) {
                (Some(at), Some(n)) => format!("{} · {n}", format_ms(at)),
                (Some(at), None) => format_ms(at),
                _ => String::new(),
            },
            decision_comment: u.decision_comment.clone(),
            open: u.state == UnlockState::Open,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/unlock_form.html")]
struct FormPage {
    chrome: Chrome,
    month: String,
    month_label: String,
    school_id: String,
    school: String,
    report_state: &'static str,
    review_comment: String,
    accepted: bool,
    can_request: bool,
    can_decide: bool,
    waiting: Option<UnlockLine>,
    requests: Vec<UnlockLine>,
    reason: String,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

fn form_page(
    user: &Viewer,
    t: &UnlockTarget,
    reason: String,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> FormPage {
    FormPage {
        chrome: Chrome::new(user, "unlocks"),
        month: t.month.to_string(),
        month_label: t.month.label(),
        school_id: t.school_id.to_string(),
        school: t.school_name.clone(),
        report_state: t.report_label(),
        review_comment: t
            .report
            .as_ref()
            .map(|r| r.review_comment.clone())
            .unwrap_or_default(),
        accepted: t.accepted(),
        can_request: services::may_request(user, t),
        can_decide: services::may_decide(user),
        waiting: t.open_request().map(UnlockLine::from),
        requests: t.requests.iter().map(UnlockLine::from).collect(),
        reason,
        summary,
        saved,
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The unlock form of a school's report, with the requests made for it.
pub async fn unlock_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((month, school)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let t = services::open_target(&state.store, &state.plans, &user, &month, &school).await?;
    let page = form_page(
        &user,
        &t,
        String::new(),
        None,
        saved_notice(q.saved.as_deref()),
    );
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn request_unlock(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<ReasonForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let t = services::open_target(&state.store, &state.plans, &user, &month, &school).await?;
    let path = unlock_path(t.month, t.school_id.as_str());
    let w = writer(&state, &user);
    let summary =
        match services::request_unlock(&w, &state.plans, &month, &school, &f.form.reason).await {
            Ok(_) => return Ok(saved_redirect(&path, "unlock_requested")),
            Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, &[("申请理由", "reason")]),
            Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
            Err(e) => return Err(e.into()),
        };
    let page = form_page(&user, &t, f.form.reason, Some(summary), None);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/unlocks.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<UnlockLine>,
    open_total: i64,
    states: Vec<(&'static str, &'static str, bool)>,
    can_decide: bool,
    export_query: String,
    pager: Pager,
    saved: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    state: Option<String>,
    page: Option<String>,
    saved: Option<String>,
}

impl QueueQuery {
    fn filter(&self) -> Result<UnlockFilter, AppError> {
        let state = parse_state_filter("状态", self.state.as_deref())?;
        Ok(UnlockFilter {
            state,
            school: None,
        })
    }
}

/// The queue: open requests first (oldest first), then decided ones; the bureau and HQ see every
/// school's, a school its own.
pub async fn list_unlocks(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let filter = q.filter()?;
    let (page_no, offset) = page_offset(q.page.as_deref());
    let (rows, total, open_total) = services::list_unlocks(
        &state.store,
        &user,
        filter.clone(),
        Some((PER_PAGE, offset)),
    )
    .await?;
    let chosen = filter.state.map(|s| s.as_str());
    let page = QueuePage {
        chrome: Chrome::new(&user, "unlocks"),
        rows: rows.iter().map(UnlockLine::from).collect(),
        open_total,
        states: UnlockState::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), Some(s.as_str()) == chosen))
            .collect(),
        can_decide: services::may_decide(&user),
        pager: Pager::new("/unlocks", &[("state", chosen)], page_no, total),
        export_query: crate::web::pages::query_string(&[("state", chosen)]),
        saved: saved_notice(q.saved.as_deref()),
    };
    Ok(render(&page)?.into_response())
}

/// The filtered queue as xlsx, every page at once, in the queue's order.
pub async fn export_unlocks(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let filter = q.filter()?;
    let (rows, _, _) = services::list_unlocks(
        &state.store,
        &user,
        filter,
        Some((services::EXPORT_LIMIT, 0)),
    )
    .await?;
    let table = Table {
        sheet: "解锁申请".into(),
        headers: vec![
            "报告月份",
            "学校",
            "状态",
            "申请理由",
            "申请时间及申请人",
            "审批时间及审批人",
            "审批意见",
        ],
        rows: rows
            .iter()
            .map(|u| {
                let l = UnlockLine::from(u);
                vec![
                    l.month_label,
                    l.school,
                    l.state_label.to_string(),
                    l.reason,
                    l.requested,
                    l.decided,
                    l.decision_comment,
                ]
            })
            .collect(),
    };
    audited_xlsx(
        &state,
        &user,
        "report_unlock",
        None,
        "月度报告解锁申请.xlsx",
        &table,
    )
    .await
}

#[derive(Template)]
#[template(path = "pages/unlock_decide.html")]
struct DecidePage {
    chrome: Chrome,
    line: UnlockLine,
    grant: bool,
    text: String,
    summary: Option<ErrorSummary>,
}

fn decide_page(
    user: &Viewer,
    row: &UnlockRow,
    grant: bool,
    text: String,
    summary: Option<ErrorSummary>,
) -> DecidePage {
    DecidePage {
        chrome: Chrome::new(user, "unlocks"),
        line: UnlockLine::from(row),
        grant,
        text,
        summary,
    }
}

/// The request for a decision page: the bureau only, and only while it is open.
async fn decidable(state: &AppState, user: &Viewer, id: &str) -> Result<UnlockRow, AppError> {
    let row = services::unlock(&state.store, user, id).await?;
    if !services::may_decide(user) {
        return Err(AppError::Forbidden);
    }
    if row.state != UnlockState::Open {
        return Err(AppError::Conflict(format!(
            "该解锁申请已处理（{}），不能再次审批",
            row.state.label()
        )));
    }
    Ok(row)
}

/// The confirmation page before a grant (with an optional comment).
pub async fn grant_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let row = decidable(&state, &user, &id).await?;
    Ok(render(&decide_page(&user, &row, true, String::new(), None))?.into_response())
}

/// The confirmation page before a refusal (with its required reason).
pub async fn refuse_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let row = decidable(&state, &user, &id).await?;
    Ok(render(&decide_page(&user, &row, false, String::new(), None))?.into_response())
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    text: String,
}

async fn decide(
    state: AppState,
    id: String,
    f: CsrfForm<DecisionForm>,
    grant: bool,
) -> Result<Response, AppError> {
    let user = f.user;
    let row = decidable(&state, &user, &id).await?;
    let w = writer(&state, &user);
    let done = if grant {
        services::grant_unlock(&w, &id, &f.form.text).await
    } else {
        services::refuse_unlock(&w, &id, &f.form.text).await
    };
    let summary = match done {
        Ok(()) => {
            let key = if grant {
                "unlock_granted"
            } else {
                "unlock_refused"
            };
            return Ok(saved_redirect("/unlocks", key));
        }
        Err(ServiceError::Invalid(e)) => {
            ErrorSummary::new(&e, &[("审批意见", "text"), ("不予解锁理由", "text")])
        }
        Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
        Err(e) => return Err(e.into()),
    };
    let page = decide_page(&user, &row, grant, f.form.text, Some(summary));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn grant_unlock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    decide(state, id, f, true).await
}

pub async fn refuse_unlock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    decide(state, id, f, false).await
}
