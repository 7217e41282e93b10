//! The groups list (the home page of business users) and a group's page.

use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::domain::org::MemberRole;
use crate::domain::user::Role;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::store::{GroupFilter, GroupRow};
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

#[derive(Template)]
#[template(path = "pages/groups.html")]
struct GroupsPage {
    chrome: Chrome,
    groups: Vec<GroupLine>,
    q: String,
    pager: Pager,
    title: String,
}

#[derive(Deserialize)]
pub struct GroupQuery {
    q: Option<String>,
    page: Option<String>,
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
    let filter = GroupFilter {
        q: q.clone(),
        limit: PER_PAGE,
        offset,
    };
    let (rows, total) = state
        .store
        .list_groups(&user.group_scope(), &filter)
        .await?;
    let today = state.clock.today();
    let title = if user.role.sees_all_groups() {
        "全部结对组".to_string()
    } else {
        format!("{}参与的结对组", user.org_name)
    };
    let page = GroupsPage {
        chrome: Chrome::new(&user, "groups"),
        groups: rows.iter().map(|g| GroupLine::from_row(g, today)).collect(),
        pager: Pager::new("/", &[("q", q.as_deref())], page, total),
        q: q.unwrap_or_default(),
        title,
    };
    Ok(render(&page)?.into_response())
}

pub async fn export_groups(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<GroupQuery>,
) -> Result<Response, AppError> {
    user.require_business()?;
    let filter = GroupFilter {
        q: non_empty(&query.q),
        limit: EXPORT_LIMIT,
        offset: 0,
    };
    let (rows, _) = state
        .store
        .list_groups(&user.group_scope(), &filter)
        .await?;
    let today = state.clock.today();
    let table = Table {
        sheet: "结对组".into(),
        headers: vec![
            "编号",
            "镇(街道)",
            "村(社区)",
            "在莞高校",
            "中职学校",
            "结对开始日期",
        ],
        rows: rows
            .iter()
            .map(|g| {
                let l = GroupLine::from_row(g, today);
                vec![
                    l.number.to_string(),
                    l.lead_town,
                    l.villages,
                    l.university,
                    l.vocational_schools,
                    g.started_on.to_string(),
                ]
            })
            .collect(),
    };
    audited_xlsx(&state, &user, "group", None, "结对组.xlsx", &table).await
}
