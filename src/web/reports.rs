//! 月度进展报告 (五(三)) in the browser. `/reports`: a school's own months with their state,
//! timeliness and due date; for the bureau, HQ, towns and villages a month's schools with filters
//! (the bureau's review queue is state = submitted), the month's rates, paging and an xlsx export.
//! `/reports/{month}/{school}`: the month's figures group by group, the school's form, its
//! submission (after a confirmation page), the versions, and the bureau's review and paper copy.
//! Every action calls the same service as the API.

use crate::AppState;
use crate::clock::format_ms;
use crate::domain::monthly::{ReportState, Timeliness};
use crate::domain::monthly_report::{
    COMMENT_FIELD, NEXT_PLAN_FIELD, PAPER_NOTE_FIELD, PROBLEMS_FIELD, ReportInput,
};
use crate::domain::plan::Plan;
use crate::domain::user::Role;
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::ServiceError;
use crate::services::monthly_reports::{self as services, OpenedReport};
use crate::store::monthly::RollEntry;
use crate::store::monthly_reports::{Prefill, VersionRow};
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, PER_PAGE, Pager, audited_xlsx, page_offset, render};
use crate::web::workspace::Choice;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

// ---------------------------------------------------------------------------------------------
// The list

/// One school's line of a month.
pub struct RollLine {
    pub school: String,
    pub href: String,
    pub expected: bool,
    pub state: &'static str,
    pub state_label: &'static str,
    pub timeliness: &'static str,
    pub timeliness_label: &'static str,
    pub badge: &'static str,
    pub first_submitted: String,
    pub last_submitted: String,
    pub paper: bool,
}

fn roll_line(e: &RollEntry, month: &str) -> RollLine {
    let r = e.report.as_ref();
    RollLine {
        school: e.name.clone(),
        href: format!("/reports/{month}/{}", e.school),
        expected: e.expected,
        state: e.state().as_str(),
        state_label: e.state().label(r.map_or(0, |r| r.version)),
        timeliness: e.timeliness.as_str(),
        timeliness_label: e.timeliness.label(),
        badge: badge(e.timeliness),
        first_submitted: r
            .and_then(|r| r.first_submitted_at)
            .map(format_ms)
            .unwrap_or_default(),
        last_submitted: r
            .and_then(|r| r.last_submitted_at)
            .map(format_ms)
            .unwrap_or_default(),
        paper: r.is_some_and(|r| r.paper),
    }
}

/// A school's month, for its own list.
pub struct MonthLine {
    pub month: String,
    pub label: String,
    pub href: String,
    pub due_on: String,
    pub expected: bool,
    pub state_label: &'static str,
    pub timeliness: &'static str,
    pub timeliness_label: &'static str,
    pub badge: &'static str,
    pub paper: bool,
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct ReportsPage {
    chrome: Chrome,
    is_school: bool,
    // a school
    months: Vec<MonthLine>,
    // everyone else
    month: String,
    month_label: String,
    due_on: String,
    closes_at: String,
    month_choices: Vec<Choice>,
    state_choices: Vec<Choice>,
    timeliness_choices: Vec<Choice>,
    lines: Vec<RollLine>,
    reporting_rate: String,
    on_time_rate: String,
    expected: u32,
    submitted: u32,
    on_time: u32,
    /// Reports waiting for the bureau's review this month.
    waiting: usize,
    is_bureau: bool,
    /// Whether the viewer may read the year's rates (bureau, HQ, a school for its own).
    sees_rates: bool,
    export_query: String,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    month: Option<String>,
    state: Option<String>,
    timeliness: Option<String>,
    page: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The month's lines after the filters (state, timeliness).
fn filtered<'a>(entries: &'a [RollEntry], q: &ListQuery) -> Vec<&'a RollEntry> {
    let state = non_empty(&q.state).and_then(ReportState::parse);
    let timeliness = non_empty(&q.timeliness);
    entries
        .iter()
        .filter(|e| state.is_none_or(|s| e.state() == s))
        .filter(|e| timeliness.is_none_or(|t| e.timeliness.as_str() == t))
        .collect()
}

/// The badge colour of a timeliness (the existing colours: on time is met, late a warning,
/// missing not met, not due grey).
fn badge(t: Timeliness) -> &'static str {
    match t {
        Timeliness::OnTime => "met",
        Timeliness::Late => "warn",
        Timeliness::Missing => "not_met",
        Timeliness::NotDue => "not_yet_due",
    }
}

const TIMELINESS: [Timeliness; 4] = [
    Timeliness::OnTime,
    Timeliness::Late,
    Timeliness::Missing,
    Timeliness::NotDue,
];

/// `/reports`: a school's months, or a month's schools.
pub async fn list_reports(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let now_ms = state.clock.now_ms();
    let mut page = ReportsPage {
        chrome: Chrome::new(&user, "reports"),
        is_school: user.role == Role::School,
        months: Vec::new(),
        month: String::new(),
        month_label: String::new(),
        due_on: String::new(),
        closes_at: String::new(),
        month_choices: Vec::new(),
        state_choices: Vec::new(),
        timeliness_choices: Vec::new(),
        lines: Vec::new(),
        reporting_rate: String::new(),
        on_time_rate: String::new(),
        expected: 0,
        submitted: 0,
        on_time: 0,
        waiting: 0,
        is_bureau: user.role == Role::Bureau,
        sees_rates: matches!(user.role, Role::Bureau | Role::Hq | Role::School),
        export_query: String::new(),
        pager: Pager::new("/reports", &[], 1, 0),
    };
    if page.is_school {
        page.months = services::school_months(&state.store, &state.plans, &user, now_ms)
            .await?
            .into_iter()
            .map(|m| {
                let month = m.deadline.month.to_string();
                MonthLine {
                    href: format!("/reports/{month}/{}", user.org_id),
                    label: m.deadline.month.label(),
                    month,
                    due_on: m.deadline.due_on.to_string(),
                    expected: m.expected,
                    state_label: m.state.label(m.version),
                    timeliness: m.timeliness.as_str(),
                    timeliness_label: m.timeliness.label(),
                    badge: badge(m.timeliness),
                    paper: m.paper,
                }
            })
            .collect();
        return Ok(render(&page)?.into_response());
    }
    let list = services::month_list(
        &state.store,
        &state.plans,
        &user,
        non_empty(&q.month),
        now_ms,
    )
    .await?;
    let month = list.month.to_string();
    let rates = list.rates();
    let rows = filtered(&list.roll.entries, &q);
    let (page_no, offset) = page_offset(q.page.as_deref());
    let filters = [
        ("month", Some(month.as_str())),
        ("state", non_empty(&q.state)),
        ("timeliness", non_empty(&q.timeliness)),
    ];
    page.pager = Pager::new("/reports", &filters, page_no, rows.len() as i64);
    page.export_query = page.pager.export_query();
    page.lines = rows
        .iter()
        .skip(offset as usize)
        .take(PER_PAGE as usize)
        .map(|e| roll_line(e, &month))
        .collect();
    page.waiting = list
        .roll
        .entries
        .iter()
        .filter(|e| e.state().awaits_review())
        .count();
    page.month_choices = list
        .months
        .iter()
        .rev()
        .map(|m| Choice {
            value: m.to_string(),
            label: m.label(),
            selected: *m == list.month,
        })
        .collect();
    page.state_choices = ReportState::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: s.label(1).into(),
            selected: non_empty(&q.state) == Some(s.as_str()),
        })
        .collect();
    page.timeliness_choices = TIMELINESS
        .iter()
        .map(|t| Choice {
            value: t.as_str().into(),
            label: t.label().into(),
            selected: non_empty(&q.timeliness) == Some(t.as_str()),
        })
        .collect();
    page.month_label = list.month.label();
    page.due_on = list.roll.deadline.due_on.to_string();
    page.closes_at = format_ms(list.roll.deadline.closes_ms);
    page.reporting_rate = rates.reporting_label();
    page.on_time_rate = rates.on_time_label();
    page.expected = rates.expected;
    page.submitted = rates.submitted;
    page.on_time = rates.on_time;
    page.month = month;
    Ok(render(&page)?.into_response())
}

/// The month's list (with its filters) as xlsx.
pub async fn export_reports(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let list = services::month_list(
        &state.store,
        &state.plans,
        &user,
        non_empty(&q.month),
        state.clock.now_ms(),
    )
    .await?;
    let month = list.month.to_string();
    let due = list.roll.deadline.due_on.to_string();
    let table = Table {
        sheet: "月度进展报告".into(),
        headers: vec![
            "月份",
            "学校",
            "应报",
            "报送期限",
            "状态",
            "报送情况",
            "首次提交",
            "最近提交",
            "纸质报告",
        ],
        rows: filtered(&list.roll.entries, &q)
            .into_iter()
            .map(|e| {
                let l = roll_line(e, &month);
                vec![
                    month.clone(),
                    l.school,
                    if l.expected { "是" } else { "否" }.into(),
                    due.clone(),
                    l.state_label.into(),
                    l.timeliness_label.into(),
                    l.first_submitted,
                    l.last_submitted,
                    if l.paper { "是" } else { "" }.into(),
                ]
            })
            .collect(),
    };
    audited_xlsx(
        &state,
        &user,
        "monthly_report",
        None,
        &format!("{month}月度进展报告.xlsx"),
        &table,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// One report

/// One line of figures: a label and its value.
pub struct Figure {
    pub label: String,
    pub value: String,
}

/// One group's figures of the month, as the page shows them.
pub struct GroupFigures {
    pub title: String,
    pub figures: Vec<Figure>,
    pub projects: Vec<String>,
    pub empty: bool,
}

/// The pre-fill group by group, with the plan's area names and outcome labels and units; money
/// in yuan.
fn figures_view(plan: &Plan, prefill: &Prefill) -> Vec<GroupFigures> {
    use crate::domain::money::show_yuan;
    prefill
        .groups
        .iter()
        .map(|g| {
            let f = &g.figures;
            let fig = |label: &str, value: String| Figure {
                label: label.into(),
                value,
            };
            let mut figures = vec![
                fig("驻镇(含驻村)服务天数", format!("{} 天", f.onsite_days)),
                fig("服务人天", format!("{} 人天", f.person_days)),
                fig("服务记录", format!("{} 条", f.onsite_entries)),
                fig("随行学生", format!("{} 人次", f.onsite_students)),
                fig(
                    "合作项目",
                    format!(
                        "{} 项（新开展 {} 项，完成 {} 项）",
                        f.projects.len(),
                        f.projects_started(),
                        f.projects_finished()
                    ),
                ),
            ];
            for (code, n) in &f.outcomes {
                let (label, unit) = match plan.outcome(code) {
                    Some((_, o)) => (o.label.clone(), o.unit.clone()),
                    None => (code.clone(), String::new()),
                };
                figures.push(Figure {
                    label,
                    value: format!("{n} {unit}"),
                });
            }
            figures.push(fig(
                "联席会议",
                if f.meetings.is_empty() {
                    "0 次".into()
                } else {
                    let days: Vec<String> = f.meetings.iter().map(|d| d.to_string()).collect();
                    format!("{} 次（{}）", f.meetings.len(), days.join("、"))
                },
            ));
            figures.push(fig(
                "经费",
                format!(
                    "{} 笔，现金 {}，实物折价 {}",
                    f.expenses,
                    show_yuan(f.expense_cash_fen),
                    show_yuan(f.expense_in_kind_fen)
                ),
            ));
            let projects = f
                .projects
                .iter()
                .map(|p| {
                    let area = plan
                        .area(p.area)
                        .map(|a| a.name.clone())
                        .unwrap_or_default();
                    let status = crate::domain::project::ProjectStatus::parse(&p.status)
                        .map(|s| s.label())
                        .unwrap_or("");
                    let mut notes = Vec::new();
                    if p.started {
                        notes.push("本月开展".to_string());
                    }
                    if p.finished {
                        notes.push("本月完成".to_string());
                    }
                    if p.updates > 0 {
                        notes.push(format!("进展 {} 条", p.updates));
                    }
                    format!("{}（{area}，{status}；{}）", p.title, notes.join("，"))
                })
                .collect();
            GroupFigures {
                title: format!("第 {} 组（{}）", g.number, g.lead_town),
                empty: f.is_empty(),
                figures,
                projects,
            }
        })
        .collect()
}

/// One area's text in the form or on the page.
pub struct AreaText {
    pub number: u8,
    pub name: String,
    /// The input's name (`narrative_3`).
    pub input: String,
    pub text: String,
}

fn area_texts(plan: &Plan, narrative: &BTreeMap<String, String>) -> Vec<AreaText> {
    plan.areas
        .iter()
        .map(|a| AreaText {
            number: a.number,
            name: a.name.clone(),
            input: format!("narrative_{}", a.number),
            text: narrative
                .get(&a.number.to_string())
                .cloned()
                .unwrap_or_default(),
        })
        .collect()
}

/// A submitted version, as a line of the list.
pub struct VersionLine {
    pub version: i64,
    pub href: String,
    pub submitted: String,
    pub review: &'static str,
    pub comment: String,
}

fn review_label(review: Option<&str>) -> &'static str {
    match review {
        Some("accepted") => "已通过",
        Some("returned") => "已退回",
        _ => "待审核",
    }
}

fn version_line(base: &str, v: &VersionRow) -> VersionLine {
    VersionLine {
        version: v.version,
        href: format!("{base}/versions/{}", v.version),
        submitted: format!("{} · {}", format_ms(v.submitted_at), v.submitted_by_name),
        review: review_label(v.review.as_deref()),
        comment: v.review_comment.clone(),
    }
}

#[derive(Template)]
#[template(path = "pages/report.html")]
struct ReportPage {
    chrome: Chrome,
    base: String,
    school: String,
    month_label: String,
    due_on: String,
    closes_at: String,
    state: &'static str,
    state_label: &'static str,
    timeliness: &'static str,
    timeliness_label: &'static str,
    badge: &'static str,
    first_submitted: String,
    last_submitted: String,
    prefilled_at: String,
    review_comment: String,
    reviewed: String,
    paper: bool,
    /// Brought in by a history import: the page says 历史补录.
    backfilled: bool,
    /// The report's own file (a past report's Word or PDF document): its name and size.
    file: Option<(String, String)>,
    groups: Vec<GroupFigures>,
    areas: Vec<AreaText>,
    problems: String,
    next_plan: String,
    can_edit: bool,
    is_owner: bool,
    closed: bool,
    closed_message: String,
    can_review: bool,
    can_accept_paper: bool,
    accepted: bool,
    versions: Vec<VersionLine>,
    comment: String,
    note: String,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

/// What the viewer typed, kept when the page comes back with errors.
#[derive(Default)]
struct Typed {
    form: Option<HashMap<String, String>>,
    comment: Option<String>,
    note: Option<String>,
}

fn report_base(r: &OpenedReport) -> String {
    format!("/reports/{}/{}", r.month, r.school_id)
}

async fn report_page(
    state: &AppState,
    user: &Viewer,
    r: &OpenedReport,
    typed: Typed,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<ReportPage, AppError> {
    let base = report_base(r);
    let versions = services::versions(&state.store, r).await?;
    let file = services::report_file(&state.store, r).await?.map(|f| {
        (
            f.file_name,
            format!("{:.1} KB", f.size_bytes as f64 / 1024.0),
        )
    });
    let row = r.row.as_ref();
    let mut narrative = row.map(|x| x.text.narrative().clone()).unwrap_or_default();
    let mut problems = row
        .map(|x| x.text.problems().to_string())
        .unwrap_or_default();
    let mut next_plan = row
        .map(|x| x.text.next_plan().to_string())
        .unwrap_or_default();
    if let Some(f) = &typed.form {
        narrative = form_narrative(f);
        problems = f.get("problems").cloned().unwrap_or_default();
        next_plan = f.get("next_plan").cloned().unwrap_or_default();
    }
    let st = r.state();
    Ok(ReportPage {
        chrome: Chrome::new(user, "reports"),
        school: r.school_name.clone(),
        month_label: r.month.label(),
        due_on: r.deadline.due_on.to_string(),
        closes_at: format_ms(r.deadline.closes_ms),
        state: st.as_str(),
        state_label: st.label(r.version()),
        timeliness: r.timeliness.as_str(),
        timeliness_label: r.timeliness.label(),
        badge: badge(r.timeliness),
        first_submitted: row
            .and_then(|x| x.first_submitted_at)
            .map(format_ms)
            .unwrap_or_default(),
        last_submitted: row
            .and_then(|x| x.last_submitted_at)
            .map(format_ms)
            .unwrap_or_default(),
        prefilled_at: row
            .and_then(|x| x.prefilled_at)
            .map(format_ms)
            .unwrap_or_default(),
        review_comment: row.map(|x| x.review_comment.clone()).unwrap_or_default(),
        reviewed: row
            .and_then(|x| {
                x.reviewed_at.map(|t| {
                    format!(
                        "{} · {}",
                        format_ms(t),
                        x.reviewed_by_name.clone().unwrap_or_default()
                    )
                })
            })
            .unwrap_or_default(),
        paper: row.is_some_and(|x| x.paper),
        backfilled: row.is_some_and(|x| x.backfilled),
        file,
        groups: figures_view(&r.plan, &r.prefill),
        areas: area_texts(&r.plan, &narrative),
        problems,
        next_plan,
        can_edit: r.can_edit(),
        is_owner: r.is_owner,
        closed: r.closed_to_school(),
        closed_message: r.closed_message(),
        can_review: r.can_review(user),
        can_accept_paper: r.can_accept_paper(user),
        accepted: st == ReportState::Accepted,
        versions: versions.iter().map(|v| version_line(&base, v)).collect(),
        comment: typed.comment.unwrap_or_default(),
        note: typed.note.unwrap_or_default(),
        base,
        summary,
        saved,
    })
}

async fn open(
    state: &AppState,
    user: &Viewer,
    month: &str,
    school: &str,
) -> Result<OpenedReport, AppError> {
    Ok(services::open_report(
        &state.store,
        &state.plans,
        user,
        month,
        school,
        state.clock.now_ms(),
    )
    .await?)
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The report's page.
pub async fn get_report(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((month, school)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let r = open(&state, &user, &month, &school).await?;
    let saved = saved_notice(q.saved.as_deref());
    let page = report_page(&state, &user, &r, Typed::default(), None, saved).await?;
    Ok(render(&page)?.into_response())
}

/// The form's fields as the errors name them, and their inputs (`id="f-<name>"`).
fn form_fields(plan: &Plan) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = plan
        .areas
        .iter()
        .map(|a| {
            (
                crate::domain::monthly_report::area_field(a.number),
                format!("narrative_{}", a.number),
            )
        })
        .collect();
    if let Some(a) = plan.areas.first() {
        out.push(("各领域工作进展", format!("narrative_{}", a.number)));
    }
    out.push((PROBLEMS_FIELD, "problems".into()));
    out.push((NEXT_PLAN_FIELD, "next_plan".into()));
    out.push((COMMENT_FIELD, "comment".into()));
    out.push((PAPER_NOTE_FIELD, "note".into()));
    out
}

fn summary_of(plan: &Plan, e: &ServiceError) -> Option<ErrorSummary> {
    match e {
        ServiceError::Invalid(errors) => {
            let fields = form_fields(plan);
            let refs: Vec<(&str, &str)> = fields.iter().map(|(l, n)| (*l, n.as_str())).collect();
            Some(ErrorSummary::new(errors, &refs))
        }
        ServiceError::Conflict(m) => Some(ErrorSummary::message(m.clone())),
        _ => None,
    }
}

/// After a write: back to the page with its notice, or the page again with what went wrong.
async fn after(
    state: &AppState,
    user: &Viewer,
    r: &OpenedReport,
    result: Result<&'static str, ServiceError>,
    typed: Typed,
) -> Result<Response, AppError> {
    match result {
        Ok(key) => Ok(saved_redirect(&report_base(r), key)),
        Err(e) => {
            let Some(summary) = summary_of(&r.plan, &e) else {
                return Err(e.into());
            };
            let status = if matches!(e, ServiceError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = report_page(state, user, r, typed, Some(summary), None).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

fn form_narrative(f: &HashMap<String, String>) -> BTreeMap<String, String> {
    f.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("narrative_")
                .map(|n| (n.to_string(), v.clone()))
        })
        .collect()
}

/// Saves the school's draft.
pub async fn save_report(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let user = f.user;
    let r = open(&state, &user, &month, &school).await?;
    let input = ReportInput {
        narrative: form_narrative(&f.form),
        problems: f.form.get("problems").cloned().unwrap_or_default(),
        next_plan: f.form.get("next_plan").cloned().unwrap_or_default(),
    };
    let result = services::save_report(&writer(&state, &user), &r, &input)
        .await
        .map(|changed| {
            if changed {
                "report_saved"
            } else {
                "report_unchanged"
            }
        });
    let typed = Typed {
        form: Some(f.form),
        ..Typed::default()
    };
    after(&state, &user, &r, result, typed).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// Re-reads the month's figures into the draft.
pub async fn refresh_report(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let r = open(&state, &user, &month, &school).await?;
    let result = services::refresh_prefill(&writer(&state, &user), &r)
        .await
        .map(|()| "report_refreshed");
    after(&state, &user, &r, result, Typed::default()).await
}

#[derive(Template)]
#[template(path = "pages/report_submit.html")]
struct SubmitPage {
    chrome: Chrome,
    base: String,
    school: String,
    month_label: String,
    due_on: String,
    closes_at: String,
    late: bool,
    resubmission: bool,
    areas_written: usize,
}

/// The confirmation page before a submission.
pub async fn submit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let r = open(&state, &user, &month, &school).await?;
    if !r.is_owner {
        return Err(AppError::Forbidden);
    }
    if !r.can_edit() {
        let page = report_page(
            &state,
            &user,
            &r,
            Typed::default(),
            Some(ErrorSummary::message(if r.closed_to_school() {
                r.closed_message()
            } else {
                format!("该报告当前为“{}”，不能再提交", r.state().label(r.version()))
            })),
            None,
        )
        .await?;
        return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
    }
    let page = SubmitPage {
        chrome: Chrome::new(&user, "reports"),
        base: report_base(&r),
        school: r.school_name.clone(),
        month_label: r.month.label(),
        due_on: r.deadline.due_on.to_string(),
        closes_at: format_ms(r.deadline.closes_ms),
        late: r.now_ms > r.deadline.due_ms
            && r.row
                .as_ref()
                .is_none_or(|x| x.first_submitted_at.is_none()),
        resubmission: r.version() > 0,
        areas_written: r.row.as_ref().map_or(0, |x| x.text.narrative().len()),
    };
    Ok(render(&page)?.into_response())
}

/// Submits the report as last saved.
pub async fn submit_report(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let r = open(&state, &user, &month, &school).await?;
    let result = services::submit_report(&writer(&state, &user), &r)
        .await
        .map(|_| "report_submitted");
    after(&state, &user, &r, result, Typed::default()).await
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    comment: String,
}

pub async fn accept_report(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let r = open(&state, &user, &month, &school).await?;
    let result = services::accept_report(&writer(&state, &user), &r, &f.form.comment)
        .await
        .map(|()| "report_accepted");
    let typed = Typed {
        comment: Some(f.form.comment),
        ..Typed::default()
    };
    after(&state, &user, &r, result, typed).await
}

pub async fn return_report(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let r = open(&state, &user, &month, &school).await?;
    let result = services::return_report(&writer(&state, &user), &r, &f.form.comment)
        .await
        .map(|()| "report_returned");
    let typed = Typed {
        comment: Some(f.form.comment),
        ..Typed::default()
    };
    after(&state, &user, &r, result, typed).await
}

#[derive(Deserialize, Default)]
pub struct PaperForm {
    #[serde(default)]
    note: String,
}

pub async fn accept_paper(
    State(state): State<AppState>,
    Path((month, school)): Path<(String, String)>,
    f: CsrfForm<PaperForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let r = open(&state, &user, &month, &school).await?;
    let result = services::accept_paper(&writer(&state, &user), &r, &f.form.note)
        .await
        .map(|()| "report_paper");
    let typed = Typed {
        note: Some(f.form.note),
        ..Typed::default()
    };
    after(&state, &user, &r, result, typed).await
}

/// A GET on an action's address (a reload after a refused action) leads to the report's page.
pub async fn back_to_report(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let r = open(&state, &user, &month, &school).await?;
    Ok(Redirect::to(&report_base(&r)).into_response())
}

#[derive(Template)]
#[template(path = "pages/report_version.html")]
struct VersionPage {
    chrome: Chrome,
    base: String,
    school: String,
    month_label: String,
    line: VersionLine,
    reviewed: String,
    groups: Vec<GroupFigures>,
    areas: Vec<AreaText>,
    problems: String,
    next_plan: String,
}

/// The report's own file (a past report brought in by the history import), for whoever may open
/// the report.
pub async fn download_report_file(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let r = open(&state, &user, &month, &school).await?;
    let (file, bytes) =
        services::read_report_file(&state.store, &state.files, &user, &r, state.clock.now_ms())
            .await?;
    Ok(crate::http::file_response(
        &file.file_name,
        &file.content_type,
        bytes,
    ))
}

/// Version `n` as it was submitted, with its review.
pub async fn get_version(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((month, school, n)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let r = open(&state, &user, &month, &school).await?;
    let v = services::version(&state.store, &r, &n).await?;
    let c = &v.content;
    let prefill: Prefill = serde_json::from_value(c["prefill"].clone()).unwrap_or_default();
    let narrative: BTreeMap<String, String> =
        serde_json::from_value(c["narrative"].clone()).unwrap_or_default();
    let base = report_base(&r);
    let page = VersionPage {
        chrome: Chrome::new(&user, "reports"),
        school: r.school_name.clone(),
        month_label: r.month.label(),
        reviewed: v
            .reviewed_at
            .map(|t| {
                format!(
                    "{} · {}",
                    format_ms(t),
                    v.reviewed_by_name.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        line: version_line(&base, &v),
        groups: figures_view(&r.plan, &prefill),
        areas: area_texts(&r.plan, &narrative),
        problems: c["problems"].as_str().unwrap_or_default().to_string(),
        next_plan: c["next_plan"].as_str().unwrap_or_default().to_string(),
        base,
    };
    Ok(render(&page)?.into_response())
}
