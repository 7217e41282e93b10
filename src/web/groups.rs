//! The groups list (`/groups`: each group with its worst status this year, filterable by a
//! rule's status, as the workbench's counts link to it) and its export.

use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::domain::evaluator::GROUP_RULES;
use crate::domain::org::MemberRole;
use crate::domain::rules::Status;
use crate::domain::user::Role;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::compliance::{self, GroupList, StatusFilter};
use crate::store::GroupRow;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A group as a row of the list: members as they stand today.
pub struct GroupLine {
    pub id: String,
    pub number: i64,
    pub lead_town: String,
    pub university: String,
    pub vocational_schools: String,
    pub villages: String,
}

impl GroupLine {
    pub fn from_row(g: &GroupRow, today: jiff::civil::Date) -> Self {
        let names = |role: MemberRole| {
            g.members_on(role, today)
                .map(|m| m.name_in(&g.lead_town))
                .collect::<Vec<_>>()
                .join("、")
        };
        Self {
            id: g.id.to_string(),
            number: g.number,
            lead_town: g.lead_town.clone(),
            university: names(MemberRole::University),
            vocational_schools: names(MemberRole::VocationalSchool),
            villages: names(MemberRole::Village),
        }
    }
}

/// A row of the list with the group's worst status this year.
pub struct StatusLine {
    pub line: GroupLine,
    pub status: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "pages/groups.html")]
struct GroupsPage {
    chrome: Chrome,
    groups: Vec<StatusLine>,
    q: String,
    pager: Pager,
    title: String,
    year: i16,
    /// The rule filter (`""`: the group's worst status) and its choices.
    rule: String,
    rules: Vec<(&'static str, String)>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    /// HQ sets up new groups (结对调整).
    can_create: bool,
}

#[derive(Deserialize)]
pub struct GroupQuery {
    q: Option<String>,
    page: Option<String>,
    rule: Option<String>,
    status: Option<String>,
}

/// The status filter of the query (`rule` optional, `status` one of the status codes).
fn status_filter(query: &GroupQuery) -> Result<Option<StatusFilter>, AppError> {
    let (rule, status) = (non_empty(&query.rule), non_empty(&query.status));
    Ok(StatusFilter::parse(
        rule.as_deref(),
        status.as_deref(),
        ("规则", "结果"),
    )?)
}

pub async fn list_groups(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<GroupQuery>,
) -> Result<Response, AppError> {
    match user.role {
        Role::Sysadmin => return Ok(Redirect::to("/admin/users").into_response()),
        Role::Secadmin => return Ok(Redirect::to("/admin/approvals").into_response()),
        Role::Auditor => return Ok(Redirect::to("/audit").into_response()),
        _ => {}
    }
    let (page, offset) = page_offset(query.page.as_deref());
    let q = non_empty(&query.q);
    let by_status = status_filter(&query)?;
    let today = state.clock.today();
    let year = today.year();
    let (rows, total) = compliance::list_groups_with_status(
        &state.store,
        &state.plans,
        &user,
        GroupList {
            q: q.clone(),
            by_status,
            limit: PER_PAGE,
            offset,
        },
        year,
        today,
    )
    .await?;
    let title = if user.role.sees_all_groups() {
        "全部结对组".to_string()
    } else {
        format!("{}参与的结对组", user.org_name)
    };
    let rule = by_status
        .and_then(|f| f.rule)
        .map(|r| r.as_str())
        .unwrap_or("");
    let status = by_status.map(|f| f.status.as_str()).unwrap_or("");
    // The rules as the plan in force for the year words them.
    let plan = state
        .plans
        .current_years(&state.store)
        .await?
        .map(|(_, y)| y.for_year(year).clone());
    let page = GroupsPage {
        can_create: crate::services::adjustments::may_adjust(&user),
        chrome: Chrome::new(&user, "groups"),
        groups: rows
            .iter()
            .map(|(g, s)| StatusLine {
                line: GroupLine::from_row(g, today),
                status: s.as_str(),
                label: s.label(),
            })
            .collect(),
        pager: Pager::new(
            "/groups",
            &[
                ("q", q.as_deref()),
                ("rule", Some(rule)),
                ("status", Some(status)),
            ],
            page,
            total,
        ),
        q: q.unwrap_or_default(),
        title,
        year,
        rule: rule.to_string(),
        rules: GROUP_RULES
            .iter()
            .map(|r| {
                let title = plan
                    .as_deref()
                    .map(|p| p.rule_title(*r))
                    .unwrap_or_default();
                let clause = plan.as_deref().map_or(r.clause(), |p| p.rule_clause(*r));
                (r.as_str(), format!("{clause} {title}"))
            })
            .collect(),
        status: status.to_string(),
        statuses: Status::ALL
            .iter()
            .filter(|s| **s != Status::Advisory)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn export_groups(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<GroupQuery>,
) -> Result<Response, AppError> {
    user.require_business()?;
    // The list's filters and its status column, as on the page.
    let by_status = status_filter(&query)?;
    let today = state.clock.today();
    let year = today.year();
    let (rows, _) = compliance::list_groups_with_status(
        &state.store,
        &state.plans,
        &user,
        GroupList {
            q: non_empty(&query.q),
            by_status,
            limit: EXPORT_LIMIT,
            offset: 0,
        },
        year,
        today,
    )
    .await?;
    // The pairing table's columns first (序号 … 中职学校, as the import reads them: villages as
    // 村名(镇街), several names separated by ；), so the export imports back as it is.
    let table = Table {
        sheet: "结对组".into(),
        headers: crate::domain::pairing::COLUMNS
            .iter()
            .map(|(_, zh)| *zh)
            .chain(["结对开始日期", "本年状态"])
            .collect(),
        rows: rows
            .iter()
            .map(|(g, s)| {
                let names = |role: MemberRole, with_town: bool| {
                    g.members_on(role, today)
                        .map(|m| match (&m.town, with_town) {
                            (Some(t), true) => format!("{}({t})", m.name),
                            _ => m.name.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join("；")
                };
                vec![
                    g.number.to_string(),
                    g.lead_town.clone(),
                    crate::domain::region::town_kind_of(&g.lead_town)
                        .unwrap_or("")
                        .to_string(),
                    names(MemberRole::Village, true),
                    names(MemberRole::University, false),
                    names(MemberRole::VocationalSchool, false),
                    g.started_on.to_string(),
                    s.label().to_string(),
                ]
            })
            .collect(),
    };
    audited_xlsx(&state, &user, "group", None, "结对组.xlsx", &table).await
}
