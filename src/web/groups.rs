//! The groups list (the home page of business users) and a group's page.

use super::auth::WebUser;
use super::error::AppError;
use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, non_empty, page_offset, render, xlsx_download,
};
use crate::AppState;
use crate::domain::ids::GroupId;
use crate::domain::org::MemberRole;
use crate::domain::user::Role;
use crate::exports::Table;
use crate::store::{GroupFilter, GroupMember, GroupRow};
use askama::Template;
use axum::extract::{Path, Query, State};
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
    pub fn from_row(g: &GroupRow, today: &str) -> Self {
        let names = |role: MemberRole| {
            g.members_on(role, today)
                .map(|m| m.name.as_str())
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
    page: Option<i64>,
}

pub async fn list_groups(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<GroupQuery>,
) -> Result<Response, AppError> {
    match user.role {
        Role::Sysadmin => return Ok(Redirect::to("/admin/users").into_response()),
        Role::Auditor => return Ok(Redirect::to("/audit").into_response()),
        _ => {}
    }
    let (page, offset) = page_offset(query.page);
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
    let today = state.clock.today().to_string();
    let title = if user.role.sees_all_groups() {
        "全部结对组".to_string()
    } else {
        format!("{}参与的结对组", user.org_name)
    };
    let page = GroupsPage {
        chrome: Chrome::new(&user, "groups"),
        groups: rows
            .iter()
            .map(|g| GroupLine::from_row(g, &today))
            .collect(),
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
    let today = state.clock.today().to_string();
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
                let l = GroupLine::from_row(g, &today);
                vec![
                    l.number.to_string(),
                    l.lead_town,
                    l.villages,
                    l.university,
                    l.vocational_schools,
                    g.started_on.clone(),
                ]
            })
            .collect(),
    };
    xlsx_download("结对组.xlsx", &table)
}

pub struct MemberLine {
    pub role: &'static str,
    pub name: String,
    pub effective_from: String,
    pub effective_to: String,
    pub active: bool,
    pub medical: bool,
}

impl MemberLine {
    fn from(m: &GroupMember, today: &str) -> Self {
        Self {
            role: m.role.label(),
            name: m.name.clone(),
            effective_from: m.effective_from.clone(),
            effective_to: m.effective_to.clone().unwrap_or_default(),
            active: m.active_on(today),
            medical: m.medical_focus,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/group.html")]
struct GroupPage {
    chrome: Chrome,
    line: GroupLine,
    plan_name: String,
    plan_doc_no: String,
    started_on: String,
    members: Vec<MemberLine>,
}

pub async fn get_group(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    user.require_business()?;
    let id = GroupId::parse(&id).ok_or(AppError::NotFound)?;
    let view = state
        .store
        .get_group(&user.group_scope(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = state.clock.today().to_string();
    let mut members: Vec<MemberLine> = view
        .group
        .members
        .iter()
        .map(|m| MemberLine::from(m, &today))
        .collect();
    let order = |r: &str| {
        MemberRole::ALL
            .iter()
            .position(|x| x.label() == r)
            .unwrap_or(9)
    };
    members.sort_by_key(|m| order(m.role));
    let page = GroupPage {
        chrome: Chrome::new(&user, "groups"),
        line: GroupLine::from_row(&view.group, &today),
        plan_name: view.plan_name,
        plan_doc_no: view.plan_doc_no,
        started_on: view.group.started_on.clone(),
        members,
    };
    Ok(render(&page)?.into_response())
}
