//! 驻镇(含驻村)服务 (四(二)): entries with a date range, the members present and the place;
//! progress for a calendar year; confirmation by the town or village; xlsx export and import
//! in the same columns (a round trip).

use super::{Choice, GroupHead, VerdictLine, Workspace, parse_year};
use crate::AppState;
use crate::domain::ids::OrgId;
use crate::domain::onsite::OnsiteEntryInput;
use crate::domain::rules::{self, OnsiteProgress, RuleId};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::history::{HistoryEntry, RecordKind, record_history};
use crate::services::workspace::onsite as services;
use crate::services::{ServiceError, access};
use crate::store::onsite::{CONFIRMED_STAYS, OnsiteCorrection, OnsiteRow};
use crate::web::forms::{ErrorSummary, saved_notice};
use crate::web::import::read_upload;
use crate::web::pages::{Chrome, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use serde::Deserialize;

pub use crate::services::workspace::onsite::COLUMNS;

pub struct EntryLine {
    pub id: String,
    pub from: String,
    pub to: String,
    pub days: i64,
    pub place: String,
    pub members: String,
    pub content: String,
    pub students: i64,
    pub confirmed: Option<String>,
    pub can_confirm: bool,
    /// The town or village user whose organisation confirmed it may withdraw the confirmation.
    pub can_unconfirm: bool,
    /// Brought in by a history import: the list says 历史补录.
    pub backfilled: bool,
}

impl EntryLine {
    fn new(user: &Viewer, ws: &Workspace, e: &OnsiteRow) -> Self {
        Self {
            id: e.id.to_string(),
            from: e.date_from.to_string(),
            to: e.date_to.to_string(),
            days: rules::days_between(e.date_from, e.date_to) + 1,
            place: e.place_name.clone(),
            members: e.member_names.join("、"),
            content: e.content.clone(),
            students: e.students,
            confirmed: confirmation(e),
            can_confirm: may_confirm(user, ws, &e.place_org_id, e.confirmed_at.is_some()),
            can_unconfirm: services::may_unconfirm(user, ws, e),
            backfilled: e.backfilled,
        }
    }
}

fn confirmation(e: &OnsiteRow) -> Option<String> {
    e.confirmed_at.map(|at| {
        format!(
            "{} 于 {} 确认",
            e.confirmed_by.clone().unwrap_or_default(),
            crate::clock::format_ms(at)
        )
    })
}

/// Town users confirm service in the group's town and villages; village users in their own village.
fn may_confirm(user: &Viewer, ws: &Workspace, place: &OrgId, confirmed: bool) -> bool {
    access::may_confirm_onsite(user, ws.group(), ws.today, place, confirmed)
}

/// The entry form's fields as the errors name them, and their inputs (`f-<name>`).
const FIELDS: &[(&str, &str)] = &[
    ("开始日期", "date_from"),
    ("结束日期", "date_to"),
    ("服务地点", "place"),
    ("在场队员", "members"),
    ("服务内容", "content"),
    ("参与学生", "students"),
];

/// The summary above the entry form for a refusal of the service.
fn form_summary(e: &ServiceError) -> Option<ErrorSummary> {
    match e {
        ServiceError::Invalid(errors) => Some(ErrorSummary::new(errors, FIELDS)),
        ServiceError::Conflict(m) => Some(ErrorSummary::message(m.clone())),
        _ => None,
    }
}

/// After a save: back to the list of the year the entry is in, at the notice above it.
fn saved_at(ws: &Workspace, year: i16, key: &'static str) -> Response {
    debug_assert!(saved_notice(Some(key)).is_some(), "unknown notice {key}");
    Redirect::to(&format!(
        "/groups/{}/onsite?year={year}&saved={key}#saved",
        ws.group().id
    ))
    .into_response()
}

/// The team as checkboxes, `chosen` ticked. Departed members stay listed: past service is
/// entered (and corrected) after the fact.
fn team_choices(team: &[crate::store::team::TeamMemberRow], chosen: &[String]) -> Vec<Choice> {
    team.iter()
        .map(|m| Choice {
            value: m.id.to_string(),
            label: match m.left_on {
                Some(d) => format!("{}（{}，{d} 离队）", m.person_name, m.role.label()),
                None => format!("{}（{}）", m.person_name, m.role.label()),
            },
            selected: chosen.contains(&m.id.to_string()),
        })
        .collect()
}

fn place_choices(places: &[(OrgId, String)], chosen: &str) -> Vec<Choice> {
    places
        .iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name.clone(),
            selected: chosen == id.as_str(),
        })
        .collect()
}

#[derive(Deserialize, Default, Clone)]
pub struct EntryForm {
    #[serde(default)]
    date_from: String,
    #[serde(default)]
    date_to: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    students: String,
}

#[derive(Template)]
#[template(path = "pages/onsite.html")]
struct OnsitePage {
    chrome: Chrome,
    head: GroupHead,
    can_edit: bool,
    year: i16,
    progress: OnsiteProgress,
    verdict: VerdictLine,
    requires_confirmation: bool,
    entries: Vec<EntryLine>,
    pager: Pager,
    place_filter: Vec<Choice>,
    status: String,
    form: EntryForm,
    form_action: String,
    submit_label: &'static str,
    places: Vec<Choice>,
    team: Vec<Choice>,
    summary: Option<ErrorSummary>,
    import_summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
    imported: Option<usize>,
}

#[derive(Deserialize, Default)]
pub struct OnsiteQuery {
    year: Option<String>,
    place: Option<String>,
    status: Option<String>,
    page: Option<String>,
    saved: Option<String>,
    /// How many entries an import recorded (with `saved=onsite_imported`).
    imported: Option<String>,
}

struct Extras {
    form: EntryForm,
    summary: Option<ErrorSummary>,
    import_summary: Option<ErrorSummary>,
}

/// The list's filters, shared by the page and its export.
fn filter_entries<'a>(
    all: &'a [OnsiteRow],
    place: Option<&str>,
    status: &str,
) -> Vec<&'a OnsiteRow> {
    all.iter()
        .filter(|e| place.is_none_or(|p| e.place_org_id.as_str() == p))
        .filter(|e| match status {
            "confirmed" => e.confirmed_at.is_some(),
            "unconfirmed" => e.confirmed_at.is_none(),
            _ => true,
        })
        .collect()
}

fn year_range(year: i16) -> Result<(Date, Date), AppError> {
    let first = Date::new(year, 1, 1).map_err(|e| AppError::Internal(e.into()))?;
    let last = Date::new(year, 12, 31).map_err(|e| AppError::Internal(e.into()))?;
    Ok((first, last))
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    q: &OnsiteQuery,
    extras: Extras,
) -> Result<OnsitePage, AppError> {
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let (first, last) = year_range(year)?;
    let g = ws.group();
    let all =
        crate::services::workspace::onsite::list_onsite(&state.store, ws, first, last).await?;
    let checks = ws.checks(state, year).await?;
    let progress = checks.verdicts.onsite;
    let verdict = checks
        .verdicts
        .get(RuleId::Onsite)
        .map(|v| VerdictLine::new(&checks.plan, v))
        .ok_or(AppError::NotFound)?;
    let place = non_empty(&q.place);
    let status = non_empty(&q.status).unwrap_or_default();
    let filtered = filter_entries(&all, place.as_deref(), &status);
    let (page_no, offset) = page_offset(q.page.as_deref());
    let year_text = year.to_string();
    let pager = Pager::new(
        &format!("/groups/{}/onsite", g.id),
        &[
            ("year", Some(year_text.as_str())),
            ("place", place.as_deref()),
            ("status", Some(status.as_str())),
        ],
        page_no,
        filtered.len() as i64,
    );
    let entries = filtered
        .iter()
        .skip(offset as usize)
        .take(PER_PAGE as usize)
        .map(|e| EntryLine::new(user, ws, e))
        .collect();
    let all_places = g
        .calendar()
        .places_on(ws.today.min(last).max(ws.started_on()));
    let team = state.store.list_team(&g.id).await?;
    let form = extras.form;
    Ok(OnsitePage {
        form_action: format!("/groups/{}/onsite", g.id),
        submit_label: "登记",
        saved: saved_notice(q.saved.as_deref()),
        imported: q
            .imported
            .as_deref()
            .filter(|_| q.saved.as_deref() == Some("onsite_imported"))
            .and_then(|n| n.parse().ok()),
        chrome: Chrome::new(user, "groups"),
        head: ws.head("onsite"),
        can_edit: ws.can_edit,
        year,
        progress,
        verdict,
        requires_confirmation: ws.plan.rules.onsite_requires_confirmation,
        entries,
        pager,
        place_filter: all_places
            .iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: place.as_deref() == Some(id.as_str()),
            })
            .collect(),
        status,
        places: place_choices(&all_places, &form.place),
        team: team_choices(&team, &form.members),
        form,
        summary: extras.summary,
        import_summary: extras.import_summary,
    })
}

fn no_extras() -> Extras {
    Extras {
        form: EntryForm::default(),
        summary: None,
        import_summary: None,
    }
}

pub async fn list_onsite(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<OnsiteQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    Ok(render(&page(&state, &user, &ws, &q, no_extras()).await?)?.into_response())
}

impl EntryForm {
    fn input(&self) -> OnsiteEntryInput {
        OnsiteEntryInput {
            date_from: self.date_from.clone(),
            date_to: self.date_to.clone(),
            place: self.place.clone(),
            content: self.content.clone(),
            members: self.members.clone(),
            students: self.students.clone(),
        }
    }
}

pub async fn add_entry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<EntryForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    match services::add_onsite_entry(&writer(&state, &user), &ws, &f.form.input()).await {
        Ok(_) => {
            // The entry parsed, so its first day is a date: show the year it falls in.
            let year = crate::domain::parse_date("开始日期", &f.form.date_from)
                .map(|d| d.year())
                .unwrap_or(ws.today.year());
            Ok(saved_at(&ws, year, "onsite_added"))
        }
        Err(e) => {
            let Some(summary) = form_summary(&e) else {
                return Err(e.into());
            };
            let q = OnsiteQuery {
                year: f.form.date_from.get(..4).map(str::to_string),
                ..Default::default()
            };
            let q = if parse_year(q.year.as_deref(), ws.today).is_ok() {
                q
            } else {
                OnsiteQuery::default()
            };
            let extras = Extras {
                form: f.form,
                summary: Some(summary),
                import_summary: None,
            };
            let page = page(&state, &user, &ws, &q, extras).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn confirm_entry(
    State(state): State<AppState>,
    Path((id, entry)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let e = services::onsite_entry(&state.store, &ws, &entry).await?;
    services::confirm_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(saved_at(&ws, e.date_from.year(), "onsite_confirmed"))
}

pub async fn export_onsite(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<OnsiteQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let (first, last) = year_range(year)?;
    let all =
        crate::services::workspace::onsite::list_onsite(&state.store, &ws, first, last).await?;
    // The export holds what the list shows: the same year, place and confirmation filters.
    let status = non_empty(&q.status).unwrap_or_default();
    let entries = filter_entries(&all, non_empty(&q.place).as_deref(), &status);
    let table = Table {
        sheet: "驻镇(含驻村)服务".into(),
        headers: COLUMNS.to_vec(),
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    e.date_from.to_string(),
                    e.date_to.to_string(),
                    e.place_name.clone(),
                    e.member_names.join("、"),
                    e.content.clone(),
                    confirmation(e).unwrap_or_else(|| "待确认".into()),
                    e.students.to_string(),
                ]
            })
            .collect(),
    };
    let file = format!("第{}组驻镇(含驻村)服务{year}.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "onsite_entry", Some(&group), &file, &table).await
}

pub async fn import_onsite(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let bytes = read_upload(multipart, &user.csrf_token, "驻镇(含驻村)服务表").await?;
    let w = writer(&state, &user);
    let result = match crate::imports::read_sheet(&bytes) {
        Err(e) => Err(vec![format!("驻镇(含驻村)服务表：{e}")]),
        Ok(rows) => match services::import_onsite_entries(&w, &ws, &rows).await {
            Ok(n) => Ok(n),
            Err(ServiceError::Rows(errors)) => Err(errors.iter().map(|e| e.to_string()).collect()),
            Err(e) => return Err(e.into()),
        },
    };
    match result {
        Ok(n) => Ok(Redirect::to(&format!(
            "/groups/{}/onsite?saved=onsite_imported&imported={n}#saved",
            ws.group().id
        ))
        .into_response()),
        Err(lines) => {
            // Every problem of every row, and that the file must be chosen again (a browser
            // does not keep a file input's choice after a failed submit).
            let summary = ErrorSummary::rows(lines);
            let extras = Extras {
                import_summary: Some(summary),
                ..no_extras()
            };
            let page = page(&state, &user, &ws, &OnsiteQuery::default(), extras).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "pages/onsite_delete.html")]
struct DeletePage {
    chrome: Chrome,
    head: GroupHead,
    entry: EntryLine,
    /// Why a confirmed entry cannot be withdrawn, and what to do instead.
    confirmed_stays: &'static str,
    /// The refusal of a withdrawal that was tried all the same.
    summary: Option<ErrorSummary>,
}

async fn entry_of(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    entry: &str,
) -> Result<(OnsiteRow, EntryLine), AppError> {
    let e = services::onsite_entry(&state.store, ws, entry).await?;
    let line = EntryLine::new(user, ws, &e);
    Ok((e, line))
}

fn delete_page(
    user: &Viewer,
    ws: &Workspace,
    entry: EntryLine,
    summary: Option<ErrorSummary>,
) -> DeletePage {
    DeletePage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("onsite"),
        entry,
        confirmed_stays: CONFIRMED_STAYS,
        summary,
    }
}

/// The confirmation page before an entry entered by mistake is withdrawn; for a confirmed entry,
/// what to do instead (the town or village withdraws its confirmation first).
pub async fn delete_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let (_, entry) = entry_of(&state, &user, &ws, &entry).await?;
    Ok(render(&delete_page(&user, &ws, entry, None))?.into_response())
}

pub async fn delete_entry(
    State(state): State<AppState>,
    Path((id, entry)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let (row, line) = entry_of(&state, &user, &ws, &entry).await?;
    match services::withdraw_onsite_entry(&writer(&state, &user), &ws, &entry).await {
        Ok(()) => Ok(saved_at(&ws, row.date_from.year(), "onsite_withdrawn")),
        Err(ServiceError::Conflict(message)) => {
            let page = delete_page(&user, &ws, line, Some(ErrorSummary::message(message)));
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/onsite_edit.html")]
struct EditPage {
    chrome: Chrome,
    head: GroupHead,
    entry: EntryLine,
    year: i16,
    form: EntryForm,
    form_action: String,
    submit_label: &'static str,
    places: Vec<Choice>,
    team: Vec<Choice>,
    summary: Option<ErrorSummary>,
    history: Vec<HistoryEntry>,
}

async fn edit_page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    row: &OnsiteRow,
    form: EntryForm,
    summary: Option<ErrorSummary>,
) -> Result<EditPage, AppError> {
    let g = ws.group();
    // The places of the entry's days and of today (a place that joined or left since stays
    // choosable for the days it was the group's; the service checks the days chosen).
    let calendar = g.calendar();
    let mut places = calendar.places_on(row.date_from);
    for p in calendar.places_on(ws.today.max(ws.started_on())) {
        if !places.iter().any(|(id, _)| *id == p.0) {
            places.push(p);
        }
    }
    let team = state.store.list_team(&g.id).await?;
    let history =
        record_history(&state.store, ws, RecordKind::OnsiteEntry, row.id.as_str()).await?;
    Ok(EditPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("onsite"),
        entry: EntryLine::new(user, ws, row),
        year: row.date_from.year(),
        form_action: format!("/groups/{}/onsite/{}/edit", g.id, row.id),
        submit_label: "保存修改",
        places: place_choices(&places, &form.place),
        team: team_choices(&team, &form.members),
        form,
        summary,
        history,
    })
}

/// The correction form (修改), filled with the entry as recorded, with its 修改记录.
pub async fn edit_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let (row, _) = entry_of(&state, &user, &ws, &entry).await?;
    let form = EntryForm {
        date_from: row.date_from.to_string(),
        date_to: row.date_to.to_string(),
        place: row.place_org_id.to_string(),
        content: row.content.clone(),
        members: row.member_ids.iter().map(|m| m.to_string()).collect(),
        students: row.students.to_string(),
    };
    let page = edit_page(&state, &user, &ws, &row, form, None).await?;
    Ok(render(&page)?.into_response())
}

pub async fn update_entry(
    State(state): State<AppState>,
    Path((id, entry)): Path<(String, String)>,
    f: CsrfForm<EntryForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let (row, _) = entry_of(&state, &user, &ws, &entry).await?;
    let w = writer(&state, &user);
    match services::correct_onsite_entry(&w, &ws, &entry, &f.form.input()).await {
        Ok(outcome) => {
            let year = crate::domain::parse_date("开始日期", &f.form.date_from)
                .map(|d| d.year())
                .unwrap_or(row.date_from.year());
            let key = match outcome {
                OnsiteCorrection::Unchanged => "onsite_unchanged",
                OnsiteCorrection::Corrected { .. } => "onsite_updated",
            };
            Ok(saved_at(&ws, year, key))
        }
        Err(e) => {
            let Some(summary) = form_summary(&e) else {
                return Err(e.into());
            };
            let page = edit_page(&state, &user, &ws, &row, f.form, Some(summary)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "pages/onsite_unconfirm.html")]
struct UnconfirmPage {
    chrome: Chrome,
    head: GroupHead,
    entry: EntryLine,
}

/// The confirmation page before a town or village withdraws its confirmation of an entry.
pub async fn unconfirm_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let (row, entry) = entry_of(&state, &user, &ws, &entry).await?;
    if row.confirmed_at.is_none() {
        return Err(AppError::Conflict("该记录尚未确认，无需撤销".into()));
    }
    if !entry.can_unconfirm {
        return Err(ServiceError::Forbidden.into());
    }
    let page = UnconfirmPage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("onsite"),
        entry,
    };
    Ok(render(&page)?.into_response())
}

pub async fn unconfirm_entry(
    State(state): State<AppState>,
    Path((id, entry)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let row = services::onsite_entry(&state.store, &ws, &entry).await?;
    services::unconfirm_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(saved_at(&ws, row.date_from.year(), "onsite_unconfirmed"))
}
