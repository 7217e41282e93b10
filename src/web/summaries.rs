//! 月度汇总 (五(三)): `/summaries` lists the months with their summary's state (the bureau may
//! generate one for a month; HQ sees those sent), `/summaries/{YYYY-MM}` shows one with its
//! status table and figures, the bureau's edit form, regenerate, send (after a confirmation page)
//! and recall, and the docx and xlsx downloads.

use crate::AppState;
use crate::clock::format_ms;
use crate::domain::summary::{SECTIONS, Snapshot, SummaryState, SummaryText, yuan};
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::summaries::{self as services, ExportKind};
use crate::store::summaries::SummaryRow;
use crate::web::forms::ErrorSummary;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
const FIELDS: &[(&str, &str)] = &[
    ("标题", "title"),
    ("导语", "intro"),
    ("工作亮点", "highlights"),
    ("存在问题", "problems"),
    ("下一步工作", "next_steps"),
    ("月份", "month"),
];

/// Notices after a write, by the key its redirect carries (fixed here, never address-bar text).
const NOTICES: &[(&str, &str)] = &[
    (
        "generated",
        "已生成：月度汇总草稿已生成，请核对并修改文字后报送市指挥部。",
    ),
    (
        "regenerated",
        "已重新生成：报送情况和主要数据已按当前记录更新，您修改过的文字保持不变。",
    ),
    ("saved", "已保存：月度汇总的文字已保存。"),
    ("unchanged", "未作修改：提交的内容与原来相同。"),
    ("sent", "已报送：月度汇总已报送市指挥部，此后不能再修改。"),
    (
        "recalled",
        "已撤回：月度汇总已撤回为草稿，可修改后重新报送。",
    ),
];

fn notice(key: Option<&str>) -> Option<&'static str> {
    let key = key?;
    NOTICES.iter().find(|(k, _)| *k == key).map(|(_, m)| *m)
}

fn done(month: &str, key: &'static str) -> Response {
    Redirect::to(&format!("/summaries/{month}?saved={key}#saved")).into_response()
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub struct MonthLine {
    pub month: String,
    pub label: String,
    /// The summary's state label, or empty when there is none.
    pub state: &'static str,
    pub sent: bool,
    pub title: String,
    pub sent_at: String,
}

#[derive(Template)]
#[template(path = "pages/summaries.html")]
struct SummariesPage {
    chrome: Chrome,
    months: Vec<MonthLine>,
    can_write: bool,
    summary: Option<ErrorSummary>,
}

async fn list_page(
    state: &AppState,
    user: &Viewer,
    summary: Option<ErrorSummary>,
) -> Result<SummariesPage, AppError> {
    let rows = services::list_summaries(&state.store, &state.plans, user).await?;
    let can_write = services::may_write(user);
    let line = |s: &SummaryRow| MonthLine {
        month: s.month.to_string(),
        label: s.month.label(),
        state: s.state.label(),
        sent: s.state == SummaryState::Sent,
        title: s.text.title.clone(),
        sent_at: s.sent_at.map(format_ms).unwrap_or_default(),
    };
    let months = if can_write {
        // Every month from the plan's first report month, with its summary if any.
        services::months(&state.store, &state.plans, state.clock.today())
            .await?
            .into_iter()
            .map(|m| match rows.iter().find(|s| s.month == m) {
                Some(s) => line(s),
                None => MonthLine {
                    month: m.to_string(),
                    label: m.label(),
                    state: "",
                    sent: false,
                    title: String::new(),
                    sent_at: String::new(),
                },
            })
            .collect()
    } else {
        rows.iter().map(line).collect()
    };
    Ok(SummariesPage {
        chrome: Chrome::new(user, "summaries"),
        months,
        can_write,
        summary,
    })
}

pub async fn list_summaries(
    State(state): State<AppState>,
    WebUser(user): WebUser,
) -> Result<Response, AppError> {
    let page = list_page(&state, &user, None).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct MonthForm {
    #[serde(default)]
    month: String,
}

/// Generates the chosen month's summary from the list (or regenerates a draft's figures).
pub async fn generate_from_list(
    State(state): State<AppState>,
    f: CsrfForm<MonthForm>,
) -> Result<Response, AppError> {
    generate(&state, &f.user, &f.form.month, true).await
}

/// Regenerates the page's month (a draft's figures; its text kept).
pub async fn regenerate(
    State(state): State<AppState>,
    Path(month): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    generate(&state, &f.user, &month, false).await
}

async fn generate(
    state: &AppState,
    user: &Viewer,
    month: &str,
    from_list: bool,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    match services::generate_summary(&writer(state, user), &state.plans, month, today).await {
        Ok(new) => Ok(done(
            month.trim(),
            if new { "generated" } else { "regenerated" },
        )),
        Err(ServiceError::Invalid(e)) if from_list => {
            let page = list_page(state, user, Some(ErrorSummary::new(&e, FIELDS))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub struct StatusRow {
    pub n: usize,
    pub school: String,
    pub label: String,
    /// on_time, late, missing, not_due (the badge's class).
    pub badge: &'static str,
    pub first_submitted: String,
}

pub struct GroupRow {
    pub group: String,
    pub schools: String,
    pub onsite_days: i64,
    pub person_days: i64,
    pub projects: i64,
    pub meetings: i64,
    pub expenses: String,
}

#[derive(Template)]
#[template(path = "pages/summary.html")]
struct SummaryPage {
    chrome: Chrome,
    month: String,
    label: String,
    exists: bool,
    draft: bool,
    state: &'static str,
    can_write: bool,
    form: SummaryText,
    bureau: String,
    status_sentence: String,
    totals_sentence: String,
    statuses: Vec<StatusRow>,
    groups: Vec<GroupRow>,
    totals: GroupRow,
    generated: String,
    updated: String,
    sent: String,
    sections: [&'static str; 5],
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

fn badge(status: &str) -> &'static str {
    match status {
        "on_time" => "met",
        "late" => "warn",
        "missing" => "not_met",
        _ => "not_yet_due",
    }
}

fn group_row(group: String, schools: String, f: &crate::domain::summary::KeyFigures) -> GroupRow {
    GroupRow {
        group,
        schools,
        onsite_days: f.onsite_days,
        person_days: f.person_days,
        projects: f.projects,
        meetings: f.meetings,
        expenses: yuan(f.expense_cash_fen),
    }
}

fn summary_page(
    user: &Viewer,
    month: &str,
    s: Option<&SummaryRow>,
    form: Option<SummaryText>,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> SummaryPage {
    let empty = Snapshot::default();
    let snap = s.map(|s| &s.snapshot).unwrap_or(&empty);
    let label = crate::domain::plan::Month::parse(month)
        .map(|m| m.label())
        .unwrap_or_else(|| month.to_string());
    SummaryPage {
        chrome: Chrome::new(user, "summaries"),
        month: month.to_string(),
        label,
        exists: s.is_some(),
        draft: s.is_some_and(|s| s.state == SummaryState::Draft),
        state: s.map(|s| s.state.label()).unwrap_or("尚未生成"),
        can_write: services::may_write(user),
        form: form.unwrap_or_else(|| s.map(|s| s.text.clone()).unwrap_or_default()),
        bureau: snap.bureau.clone(),
        status_sentence: snap.status_sentence(),
        totals_sentence: snap.totals_sentence(),
        statuses: snap
            .statuses
            .iter()
            .enumerate()
            .map(|(i, l)| StatusRow {
                n: i + 1,
                school: l.school.clone(),
                label: l.label.clone(),
                badge: badge(&l.status),
                first_submitted: l.first_submitted.clone().unwrap_or_default(),
            })
            .collect(),
        groups: snap
            .groups
            .iter()
            .map(|g| {
                group_row(
                    format!("第 {} 组（{}）", g.number, g.lead_town),
                    g.schools.clone(),
                    &g.figures,
                )
            })
            .collect(),
        totals: group_row("全市合计".into(), String::new(), &snap.totals),
        generated: s
            .map(|s| format!("{} · {}", format_ms(s.generated_at), s.generated_by))
            .unwrap_or_default(),
        updated: s
            .map(|s| format!("{} · {}", format_ms(s.updated_at), s.updated_by))
            .unwrap_or_default(),
        sent: s
            .and_then(|s| {
                s.sent_at.map(|t| {
                    format!(
                        "{} · {}",
                        format_ms(t),
                        s.sent_by.clone().unwrap_or_default()
                    )
                })
            })
            .unwrap_or_default(),
        sections: SECTIONS,
        summary,
        saved,
    }
}

/// A month's summary: the bureau sees a month without one (with the generate button); HQ only
/// one that was sent.
pub async fn get_summary(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(month): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let s = services::find_summary(&state.store, &state.plans, &user, &month, today).await?;
    let page = summary_page(
        &user,
        &month,
        s.as_ref(),
        None,
        None,
        notice(q.saved.as_deref()),
    );
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct TextForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    highlights: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    next_steps: String,
}

pub async fn update_summary(
    State(state): State<AppState>,
    Path(month): Path<String>,
    f: CsrfForm<TextForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let today = state.clock.today();
    let input = SummaryText {
        title: f.form.title,
        intro: f.form.intro,
        highlights: f.form.highlights,
        problems: f.form.problems,
        next_steps: f.form.next_steps,
    };
    let summary =
        match services::update_summary(&writer(&state, &user), &state.plans, &month, today, &input)
            .await
        {
            Ok(true) => return Ok(done(&month, "saved")),
            Ok(false) => return Ok(done(&month, "unchanged")),
            Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
            Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
            Err(e) => return Err(e.into()),
        };
    let s = services::get_summary(&state.store, &state.plans, &user, &month, today).await?;
    let page = summary_page(&user, &month, Some(&s), Some(input), Some(summary), None);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/summary_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    title: String,
    facts: Vec<(&'static str, String)>,
    notice: &'static str,
    action: String,
    button: &'static str,
    cancel: String,
}

async fn confirm(
    state: &AppState,
    user: &Viewer,
    month: &str,
    send: bool,
) -> Result<Response, AppError> {
    if !services::may_write(user) {
        return Err(AppError::Forbidden);
    }
    let s =
        services::get_summary(&state.store, &state.plans, user, month, state.clock.today()).await?;
    let page = ConfirmPage {
        chrome: Chrome::new(user, "summaries"),
        title: if send {
            "报送市指挥部".into()
        } else {
            "撤回月度汇总".into()
        },
        facts: vec![
            ("月份", s.month.label()),
            ("标题", s.text.title.clone()),
            ("报送情况", s.snapshot.status_sentence()),
        ],
        notice: if send {
            "报送后市指挥部即可阅读该月度汇总，汇总变为只读，不能再修改或重新生成数据；如需更正，须先撤回。报送操作记入审计日志。"
        } else {
            "撤回后该汇总恢复为草稿，市指挥部在重新报送前看不到它；撤回操作记入审计日志。"
        },
        action: format!(
            "/summaries/{}/{}",
            s.month,
            if send { "send" } else { "recall" }
        ),
        button: if send { "确认报送" } else { "确认撤回" },
        cancel: format!("/summaries/{}", s.month),
    };
    Ok(render(&page)?.into_response())
}

pub async fn send_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(month): Path<String>,
) -> Result<Response, AppError> {
    confirm(&state, &user, &month, true).await
}

pub async fn recall_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(month): Path<String>,
) -> Result<Response, AppError> {
    confirm(&state, &user, &month, false).await
}

pub async fn send_summary(
    State(state): State<AppState>,
    Path(month): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    services::send_summary(&writer(&state, &f.user), &state.plans, &month, today).await?;
    Ok(done(&month, "sent"))
}

pub async fn recall_summary(
    State(state): State<AppState>,
    Path(month): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    services::recall_summary(&writer(&state, &f.user), &state.plans, &month, today).await?;
    Ok(done(&month, "recalled"))
}

pub async fn export_docx(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(month): Path<String>,
) -> Result<Response, AppError> {
    export(&state, &user, &month, ExportKind::Docx).await
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(month): Path<String>,
) -> Result<Response, AppError> {
    export(&state, &user, &month, ExportKind::Xlsx).await
}

async fn export(
    state: &AppState,
    user: &Viewer,
    month: &str,
    kind: ExportKind,
) -> Result<Response, AppError> {
    let (name, bytes) = services::export_summary(
        &state.store,
        &state.plans,
        user,
        month,
        state.clock.today(),
        state.clock.now_ms(),
        kind,
    )
    .await?;
    let (ct, ascii) = match kind {
        ExportKind::Docx => (crate::web::pages::DOCX_TYPE, "summary.docx"),
        ExportKind::Xlsx => (crate::web::pages::XLSX_TYPE, "summary.xlsx"),
    };
    Ok(crate::web::pages::file_response(ct, ascii, &name, bytes))
}
