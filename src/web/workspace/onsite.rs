//! 驻镇(含驻村)服务 (四(二)): entries with a date range, the members present and the place;
//! progress for a calendar year; confirmation by the town or village; xlsx export and import
//! in the same columns (a round trip).

use super::{Choice, GroupHead, VerdictLine, Workspace, parse_year};
use crate::AppState;
use crate::domain::ids::{OnsiteEntryId, OrgId};
use crate::domain::onsite::OnsiteEntryInput;
use crate::domain::rules::{self, OnsiteProgress, RuleId};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::workspace::onsite as services;
use crate::services::{ServiceError, access};
use crate::store::onsite::OnsiteRow;
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
    pub confirmed: Option<String>,
    pub can_confirm: bool,
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
            confirmed: confirmation(e),
            can_confirm: may_confirm(user, ws, &e.place_org_id, e.confirmed_at.is_some()),
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
    places: Vec<Choice>,
    team: Vec<Choice>,
    error: Option<String>,
    import_errors: Vec<String>,
    imported: Option<usize>,
}

#[derive(Deserialize, Default)]
pub struct OnsiteQuery {
    year: Option<String>,
    place: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

struct Extras {
    form: EntryForm,
    error: Option<String>,
    import_errors: Vec<String>,
    imported: Option<usize>,
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
    let all = state.store.list_onsite(&g.id, first, last).await?;
    let checks = ws.checks(state, year).await?;
    let progress = checks.verdicts.onsite;
    let verdict = checks
        .verdicts
        .get(RuleId::Onsite)
        .map(|v| VerdictLine::new(&ws.plan, v))
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
        places: all_places
            .iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: form.place == id.as_str(),
            })
            .collect(),
        // Departed members stay listed: past service is entered after the fact.
        team: team
            .iter()
            .map(|m| Choice {
                value: m.id.to_string(),
                label: match m.left_on {
                    Some(d) => format!("{}（{}，{d} 离队）", m.person_name, m.role.label()),
                    None => format!("{}（{}）", m.person_name, m.role.label()),
                },
                selected: form.members.contains(&m.id.to_string()),
            })
            .collect(),
        form,
        error: extras.error,
        import_errors: extras.import_errors,
        imported: extras.imported,
    })
}

fn no_extras() -> Extras {
    Extras {
        form: EntryForm::default(),
        error: None,
        import_errors: vec![],
        imported: None,
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
            Ok(
                Redirect::to(&format!("/groups/{}/onsite?year={year}", ws.group().id))
                    .into_response(),
            )
        }
        Err(ServiceError::Invalid(e)) => {
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
                error: Some(e.to_string()),
                import_errors: vec![],
                imported: None,
            };
            let page = page(&state, &user, &ws, &q, extras).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
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
    services::confirm_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(Redirect::to(&format!("/groups/{}/onsite", ws.group().id)).into_response())
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
    let all = state.store.list_onsite(&ws.group().id, first, last).await?;
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
    let result: Result<usize, Vec<String>> = match crate::imports::read_sheet(&bytes) {
        Err(e) => Err(vec![format!("驻镇(含驻村)服务表：{e}")]),
        Ok(rows) => {
            let w = writer(&state, &user);
            match services::import_onsite_entries(&w, &ws, &rows).await {
                Ok(n) => Ok(n),
                Err(ServiceError::Rows(errors)) => {
                    Err(errors.iter().map(|e| e.to_string()).collect())
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let (status, extras) = match result {
        Ok(n) => (
            StatusCode::OK,
            Extras {
                imported: Some(n),
                ..no_extras()
            },
        ),
        Err(lines) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Extras {
                import_errors: lines,
                ..no_extras()
            },
        ),
    };
    let page = page(&state, &user, &ws, &OnsiteQuery::default(), extras).await?;
    Ok((status, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/onsite_delete.html")]
struct DeletePage {
    chrome: Chrome,
    head: GroupHead,
    entry: EntryLine,
}

async fn entry_of(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    entry: &str,
) -> Result<EntryLine, AppError> {
    let id = OnsiteEntryId::parse(entry).ok_or(AppError::NotFound)?;
    let g = ws.group();
    let start = ws.started_on();
    let all = state
        .store
        .list_onsite(&g.id, start, ws.today.max(start))
        .await?;
    let e = all.iter().find(|e| e.id == id).ok_or(AppError::NotFound)?;
    Ok(EntryLine::new(user, ws, e))
}

/// The confirmation page before an entry entered by mistake is withdrawn.
pub async fn delete_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    ws.require_edit()?;
    let entry = entry_of(&state, &user, &ws, &entry).await?;
    if entry.confirmed.is_some() {
        return Err(AppError::Conflict("该记录已由镇村确认，不能删除".into()));
    }
    let page = DeletePage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("onsite"),
        entry,
    };
    Ok(render(&page)?.into_response())
}

pub async fn delete_entry(
    State(state): State<AppState>,
    Path((id, entry)): Path<(String, String)>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    services::withdraw_onsite_entry(&writer(&state, &user), &ws, &entry).await?;
    Ok(Redirect::to(&format!("/groups/{}/onsite", ws.group().id)).into_response())
}
