//! 表彰 (五(三)): `/commendations?year=` lists the commendations the user may read (every one
//! for the bureau and HQ, the approved ones of its groups and people for a member organisation)
//! with an xlsx export — a school's is the record for its title-review files; HQ nominates,
//! corrects, approves and withdraws (after a confirmation page) on the same page.

use crate::AppState;
use crate::clock::format_ms;
use crate::http::AppError;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::services::ServiceError;
use crate::services::commendations::{self as services, NominationInput};
use crate::store::commendations::{CommendationKind, CommendationRow, CommendationState};
use crate::web::evaluations::ConfirmPage;
use crate::web::forms::ErrorSummary;
use crate::web::pages::{Chrome, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const FIELDS: &[(&str, &str)] = &[
    ("year", "year"),
    ("kind", "kind"),
    ("group_id", "group_id"),
    ("team_member_id", "team_member_id"),
    ("citation", "citation"),
];

const NOTICES: &[(&str, &str)] = &[
    ("nominated", "已提名：表彰提名已保存，待批准。"),
    ("updated", "已保存：提名的事迹已修改。"),
    ("unchanged", "未作修改：提交的事迹与原来相同。"),
    ("approved", "已批准：该表彰已批准，相关单位可查看和导出。"),
    ("withdrawn", "已撤销：该表彰提名已撤销（记录保留）。"),
];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    year: Option<String>,
    saved: Option<String>,
}

pub struct Line {
    pub id: String,
    pub year: i16,
    pub kind: &'static str,
    pub group: String,
    pub person: String,
    pub school: String,
    pub citation: String,
    pub state: &'static str,
    pub badge: &'static str,
    pub decided: String,
    pub open: bool,
    /// Brought in by a history import: the line says 历史补录.
    pub backfilled: bool,
}

fn line(c: &CommendationRow) -> Line {
    Line {
        id: c.id.to_string(),
        year: c.year,
        kind: c.kind.label(),
        group: format!("第 {} 组（{}）", c.group_number, c.lead_town),
        person: c.person_name.clone().unwrap_or_default(),
        school: c.org_name.clone().unwrap_or_default(),
        citation: c.citation.clone(),
        state: c.state.label(),
        badge: match c.state {
            CommendationState::Approved => "met",
            CommendationState::Nominated => "not_yet_due",
            CommendationState::Withdrawn => "not_applicable",
        },
        decided: c
            .decided_at
            .map(|t| {
                format!(
                    "{} · {}",
                    format_ms(t),
                    c.decided_by.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        open: c.state == CommendationState::Nominated,
        backfilled: c.backfilled,
    }
}

#[derive(Template)]
#[template(path = "pages/commendations.html")]
struct ListPage {
    chrome: Chrome,
    year_value: String,
    lines: Vec<Line>,
    may_decide: bool,
    groups: Vec<(String, String)>,
    members: Vec<(String, String)>,
    form: NominationInput,
    saved: Option<&'static str>,
    summary: Option<ErrorSummary>,
}

/// The year asked for: blank is every year; anything else that is not a year is not found.
fn year_of(s: Option<&str>) -> Result<Option<i16>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i16>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .map(Some)
            .ok_or(AppError::NotFound),
    }
}

async fn list_page(
    state: &AppState,
    user: &Viewer,
    year: Option<i16>,
    form: NominationInput,
    saved: Option<&'static str>,
    summary: Option<ErrorSummary>,
) -> Result<ListPage, AppError> {
    let rows = services::list(&state.store, user, year).await?;
    let may_decide = services::may_decide(user);
    let today = state.clock.today();
    // HQ's form offers the groups and the team members of the year shown (the latest completed
    // year when none is chosen).
    let form_year = year.unwrap_or(today.year() - 1);
    let (groups, members) = if may_decide {
        let members = state.store.team_members_of_year(form_year).await?;
        let towns = state.store.lead_towns().await?;
        let (all, _) = state
            .store
            .list_groups(
                &crate::store::GroupScope::All,
                &crate::store::GroupFilter {
                    q: None,
                    limit: 10_000,
                    offset: 0,
                },
            )
            .await?;
        (
            all.iter()
                .map(|g| {
                    (
                        g.id.to_string(),
                        format!(
                            "第 {} 组（{}）",
                            g.number,
                            towns.get(&g.id).map_or("", |t| t.1.as_str())
                        ),
                    )
                })
                .collect(),
            members
                .iter()
                .map(|m| {
                    (
                        m.id.to_string(),
                        format!(
                            "第 {} 组 · {}（{}）",
                            m.group_number, m.person_name, m.school
                        ),
                    )
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let form = NominationInput {
        year: if form.year.is_empty() {
            form_year.to_string()
        } else {
            form.year
        },
        ..form
    };
    Ok(ListPage {
        chrome: Chrome::new(user, "commendations"),
        year_value: year.map(|y| y.to_string()).unwrap_or_default(),
        lines: rows.iter().map(line).collect(),
        may_decide,
        groups,
        members,
        form,
        saved,
        summary,
    })
}

pub async fn list(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let year = year_of(q.year.as_deref())?;
    let saved = q
        .saved
        .as_deref()
        .and_then(|k| NOTICES.iter().find(|(key, _)| *key == k).map(|(_, m)| *m));
    let page = list_page(&state, &user, year, NominationInput::default(), saved, None).await?;
    Ok(render(&page)?.into_response())
}

/// The list as xlsx (what the user may read of the year, or of every year).
pub async fn export(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let year = year_of(q.year.as_deref())?;
    let rows = services::list(&state.store, &user, year).await?;
    let headers: Vec<String> = [
        "年度",
        "类别",
        "结对组",
        "姓名",
        "学校",
        "主要事迹",
        "状态",
        "批准时间",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let data: Vec<Vec<String>> = rows
        .iter()
        .map(|c| {
            let l = line(c);
            vec![
                c.year.to_string(),
                l.kind.into(),
                l.group,
                l.person,
                l.school,
                l.citation,
                l.state.into(),
                l.decided,
            ]
        })
        .collect();
    let name = match year {
        Some(y) => format!("{y}年度表彰.xlsx"),
        None => "表彰.xlsx".into(),
    };
    crate::web::pages::audited_sheet(
        &state,
        &user,
        "commendation",
        None,
        &name,
        "表彰",
        &headers,
        &data,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct NominationForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    group_id: String,
    #[serde(default)]
    team_member_id: String,
    #[serde(default)]
    citation: String,
}

pub async fn nominate(
    State(state): State<AppState>,
    f: CsrfForm<NominationForm>,
) -> Result<Response, AppError> {
    let input = NominationInput {
        year: f.form.year,
        kind: f.form.kind,
        group_id: f.form.group_id,
        team_member_id: f.form.team_member_id,
        citation: f.form.citation,
    };
    let result = services::nominate(
        &state.store,
        &state.plans,
        &f.user,
        &input,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await;
    let summary = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!(
                "/commendations?year={}&saved=nominated#saved",
                input.year.trim()
            ))
            .into_response());
        }
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, FIELDS),
        Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
        Err(e) => return Err(e.into()),
    };
    let year = input
        .year
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    let page = list_page(&state, &f.user, year, input, None, Some(summary)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct CitationForm {
    #[serde(default)]
    citation: String,
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<CitationForm>,
) -> Result<Response, AppError> {
    let row = services::get(&state.store, &f.user, &id).await?;
    let result = services::update(
        &state.store,
        &f.user,
        &id,
        &f.form.citation,
        state.clock.now_ms(),
    )
    .await;
    let summary = match result {
        Ok(changed) => {
            return Ok(Redirect::to(&format!(
                "/commendations?year={}&saved={}#saved",
                row.year,
                if changed { "updated" } else { "unchanged" }
            ))
            .into_response());
        }
        // The correction form is folded in its row: the summary names the problem (what was typed
        // there is not kept).
        Err(ServiceError::Invalid(e)) => ErrorSummary::message(format!(
            "修改“{}”的事迹未保存：{}",
            row.person_name
                .clone()
                .unwrap_or_else(|| format!("第 {} 组", row.group_number)),
            e.0.iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("；")
        )),
        Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
        Err(e) => return Err(e.into()),
    };
    let page = list_page(
        &state,
        &f.user,
        Some(row.year),
        NominationInput::default(),
        None,
        Some(summary),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let row = services::get(&state.store, &f.user, &id).await?;
    services::decide(&state.store, &f.user, &id, true, state.clock.now_ms()).await?;
    Ok(Redirect::to(&format!(
        "/commendations?year={}&saved=approved#saved",
        row.year
    ))
    .into_response())
}

pub async fn withdraw_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !services::may_decide(&user) {
        return Err(AppError::Forbidden);
    }
    let c = services::get(&state.store, &user, &id).await?;
    if c.state != CommendationState::Nominated {
        return Err(ServiceError::Conflict("该提名已批准或已撤销，不能再办理".into()).into());
    }
    let l = line(&c);
    let page = ConfirmPage {
        chrome: Chrome::new(&user, "commendations"),
        title: "撤销表彰提名".into(),
        facts: vec![
            ("年度", format!("{} 年", c.year)),
            ("类别", l.kind.into()),
            ("结对组", l.group),
            (
                "队员",
                if c.kind == CommendationKind::Individual {
                    format!("{}（{}）", l.person, l.school)
                } else {
                    String::new()
                },
            ),
        ],
        notice: "撤销后该提名不再参加表彰，记录保留为“已撤销提名”；撤销操作记入审计日志。".into(),
        action: format!("/commendations/{id}/withdraw"),
        button: "确认撤销",
        danger: true,
        cancel: format!("/commendations?year={}", c.year),
    };
    Ok(render(&page)?.into_response())
}

pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let row = services::get(&state.store, &f.user, &id).await?;
    services::decide(&state.store, &f.user, &id, false, state.clock.now_ms()).await?;
    Ok(Redirect::to(&format!(
        "/commendations?year={}&saved=withdrawn#saved",
        row.year
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "pages/commendation.html")]
struct ItemPage {
    chrome: Chrome,
    l: Line,
    history: Vec<crate::services::history::HistoryEntry>,
}

/// One commendation with its 修改记录 (those who may read it).
pub async fn item(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (c, history) = services::history(&state.store, &user, &id).await?;
    let page = ItemPage {
        chrome: Chrome::new(&user, "commendations"),
        l: line(&c),
        history,
    };
    Ok(render(&page)?.into_response())
}
