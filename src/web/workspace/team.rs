//! 服务工作队 (四(一)): members with dated joining and leaving, and the four composition rules
//! evaluated live for the team as it stood on any date; the add form. A member's own pages
//! (correct, withdraw, leave) are in [`super::member`].

use super::{Choice, GroupHead, VerdictLine, Workspace, parse_date};
use crate::AppState;
use crate::domain::FieldError;
use crate::domain::evaluator;
use crate::domain::org::MemberRole;
use crate::domain::team::{TeamMemberInput, TeamRole, Title, mask_phone};
use crate::exports::Table;
use crate::http::auth::{CsrfForm, Viewer, WebUser};
use crate::http::{AppError, writer};
use crate::services::reads::{self, Read};
use crate::services::workspace::team as services;
use crate::services::{ServiceError, access};
use crate::store::team::TeamMemberRow;
use crate::web::forms::{ErrorSummary, saved_notice, saved_redirect};
use crate::web::pages::{Chrome, audited_xlsx, non_empty, query_string, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct MemberLine {
    pub id: String,
    pub name: String,
    pub org: String,
    pub role: &'static str,
    pub title: &'static str,
    pub leader: bool,
    pub phone: String,
    pub joined_on: String,
    pub left_on: String,
    /// Brought in by a history import: the list says 历史补录.
    pub backfilled: bool,
}

/// The bureau and the member's own school see the number; everyone else sees it masked.
fn phone_for(user: &Viewer, m: &TeamMemberRow) -> String {
    if access::sees_full_phone(user, &m.org_id) {
        m.phone.clone()
    } else {
        mask_phone(&m.phone)
    }
}

pub(super) fn line(user: &Viewer, m: &TeamMemberRow) -> MemberLine {
    MemberLine {
        id: m.id.to_string(),
        name: m.person_name.clone(),
        org: m.org_name.clone(),
        role: m.role.label(),
        title: m.title.label(),
        leader: m.school_leader,
        phone: phone_for(user, m),
        joined_on: m.joined_on.to_string(),
        left_on: m.left_on.map(|d| d.to_string()).unwrap_or_default(),
        backfilled: m.backfilled,
    }
}

/// The member form as typed (adding and correcting), rendered back after an error.
#[derive(Deserialize, Default, Clone)]
pub struct MemberForm {
    #[serde(default)]
    pub person_name: String,
    #[serde(default)]
    pub org_id: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub school_leader: Option<String>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub joined_on: String,
    /// Correcting only: the first day off the team, empty while on it.
    #[serde(default)]
    pub left_on: String,
    #[serde(default)]
    pub confirm_duplicate: Option<String>,
}

/// The form's fields as the errors name them (label, input name), for the error summary.
pub(super) const MEMBER_FIELDS: &[(&str, &str)] = &[
    ("姓名", "person_name"),
    ("所在单位", "org_id"),
    ("队内职务", "role"),
    ("职称", "title"),
    ("手机号码", "phone"),
    ("加入日期", "joined_on"),
    ("离队日期", "left_on"),
];

/// The selects of the member form, and whether it asks to confirm a duplicate name.
pub struct MemberChoices {
    pub schools: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub titles: Vec<Choice>,
    /// The duplicate-name warning is among the errors (or was confirmed): show the checkbox.
    pub ask_duplicate: bool,
}

impl MemberChoices {
    /// The group's schools on the team's side today (and the one the form names, so a member of
    /// a former school can be corrected), roles and titles, none chosen unless the form chose it.
    pub(super) fn new(ws: &Workspace, form: &MemberForm, summary: &Option<ErrorSummary>) -> Self {
        let schools = ws
            .group()
            .members
            .iter()
            .filter(|m| {
                matches!(
                    m.role,
                    MemberRole::University | MemberRole::VocationalSchool
                ) && (m.active_on(ws.today) || form.org_id == m.org_id.as_str())
            })
            .fold(Vec::<Choice>::new(), |mut all, m| {
                if !all.iter().any(|c| c.value == m.org_id.as_str()) {
                    all.push(Choice {
                        value: m.org_id.to_string(),
                        label: format!("{}（{}）", m.name, m.role.label()),
                        selected: form.org_id == m.org_id.as_str(),
                    });
                }
                all
            });
        let roles = TeamRole::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().into(),
                label: r.label().into(),
                selected: form.role == r.as_str(),
            })
            .collect();
        let titles = Title::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: t.label().into(),
                selected: form.title == t.as_str(),
            })
            .collect();
        let warned = summary.as_ref().is_some_and(|s| {
            s.items
                .iter()
                .any(|i| i.message.starts_with("本队已有同名队员"))
        });
        Self {
            schools,
            roles,
            titles,
            ask_duplicate: warned || form.confirm_duplicate.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/team.html")]
struct TeamPage {
    chrome: Chrome,
    head: GroupHead,
    can_edit: bool,
    date: String,
    is_today: bool,
    members: Vec<MemberLine>,
    /// Members who had left by the date.
    former: Vec<MemberLine>,
    filter_schools: Vec<Choice>,
    filter_roles: Vec<Choice>,
    export_query: String,
    verdicts: Vec<VerdictLine>,
    form: MemberForm,
    choices: MemberChoices,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct TeamQuery {
    date: Option<String>,
    org: Option<String>,
    role: Option<String>,
    saved: Option<String>,
}

/// The list's filters, shared by the page and its export: the team on a date, by school and role.
struct TeamFilter {
    date: jiff::civil::Date,
    org: Option<String>,
    role: Option<String>,
}

impl TeamFilter {
    fn parse(q: &TeamQuery, today: jiff::civil::Date) -> Result<Self, FieldError> {
        let date = match q.date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(d) => parse_date("日期", d)?,
            None => today,
        };
        Ok(Self {
            date,
            org: non_empty(&q.org),
            role: non_empty(&q.role),
        })
    }

    fn matches(&self, m: &TeamMemberRow) -> bool {
        m.active_on(self.date) && self.same_kind(m)
    }

    /// Left the team by the date (listed apart, so they can still be corrected or withdrawn).
    fn left_by(&self, m: &TeamMemberRow) -> bool {
        m.left_on.is_some_and(|l| l <= self.date) && self.same_kind(m)
    }

    fn same_kind(&self, m: &TeamMemberRow) -> bool {
        self.org.as_deref().is_none_or(|o| m.org_id.as_str() == o)
            && self.role.as_deref().is_none_or(|r| m.role.as_str() == r)
    }

    fn query(&self) -> String {
        let date = self.date.to_string();
        query_string(&[
            ("date", Some(date.as_str())),
            ("org", self.org.as_deref()),
            ("role", self.role.as_deref()),
        ])
    }
}

async fn page(
    state: &AppState,
    user: &Viewer,
    ws: &Workspace,
    filter: TeamFilter,
    form: MemberForm,
    summary: Option<ErrorSummary>,
    saved: Option<&'static str>,
) -> Result<TeamPage, AppError> {
    let date = filter.date;
    let team = state.store.list_team(&ws.group().id).await?;
    // The four rules of 四(一) on the chosen date, from the one evaluator.
    let checks = ws.checks(state, date.year()).await?;
    let verdicts: Vec<VerdictLine> = evaluator::team_on(&checks.plan, &checks.facts, date)
        .iter()
        .map(|v| VerdictLine::new(&checks.plan, v))
        .collect();
    let choices = MemberChoices::new(ws, &form, &summary);
    Ok(TeamPage {
        chrome: Chrome::new(user, "groups"),
        head: ws.head("team"),
        can_edit: ws.can_edit,
        is_today: date == ws.today,
        date: date.to_string(),
        members: team
            .iter()
            .filter(|m| filter.matches(m))
            .map(|m| line(user, m))
            .collect(),
        former: team
            .iter()
            .filter(|m| filter.left_by(m))
            .map(|m| line(user, m))
            .collect(),
        filter_schools: ws
            .group()
            .members
            .iter()
            .filter(|m| {
                matches!(
                    m.role,
                    MemberRole::University | MemberRole::VocationalSchool
                )
            })
            .map(|m| Choice {
                value: m.org_id.to_string(),
                label: m.name.clone(),
                selected: filter.org.as_deref() == Some(m.org_id.as_str()),
            })
            .collect(),
        filter_roles: TeamRole::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().into(),
                label: r.label().into(),
                selected: filter.role.as_deref() == Some(r.as_str()),
            })
            .collect(),
        export_query: filter.query(),
        verdicts,
        form,
        choices,
        summary,
        saved,
    })
}

pub async fn get_team(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<TeamQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let filter = TeamFilter::parse(&q, ws.today)?;
    let saved = saved_notice(q.saved.as_deref());
    let page = page(
        &state,
        &user,
        &ws,
        filter,
        MemberForm::default(),
        None,
        saved,
    )
    .await?;
    // The list shows names and phone numbers: a read of personal data, audited.
    let group = ws.group().id.to_string();
    let asked = serde_json::json!({ "via": "web", "date": q.date, "org": q.org, "role": q.role });
    let now = state.clock.now_ms();
    reads::record_read(
        &state.store,
        &user,
        now,
        Read::View,
        "team_member",
        Some(&group),
        asked,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

impl MemberForm {
    pub(super) fn input(&self) -> TeamMemberInput {
        TeamMemberInput {
            person_name: self.person_name.clone(),
            org_id: self.org_id.clone(),
            role: self.role.clone(),
            title: self.title.clone(),
            school_leader: self.school_leader.is_some(),
            phone: self.phone.clone(),
            joined_on: self.joined_on.clone(),
        }
    }
}

pub async fn add_member(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<MemberForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let ws = Workspace::open(&state, &user, &id).await?;
    let confirmed = f.form.confirm_duplicate.is_some();
    let w = writer(&state, &user);
    let summary = match services::add_team_member(&w, &ws, &f.form.input(), confirmed).await {
        Ok(_) => {
            let path = format!("/groups/{}/team", ws.group().id);
            return Ok(saved_redirect(&path, "member_added"));
        }
        Err(ServiceError::Invalid(e)) => ErrorSummary::new(&e, MEMBER_FIELDS),
        Err(ServiceError::Conflict(m)) => ErrorSummary::message(m),
        Err(e) => return Err(e.into()),
    };
    let filter = TeamFilter {
        date: ws.today,
        org: None,
        role: None,
    };
    let page = page(&state, &user, &ws, filter, f.form, Some(summary), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn export_team(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<TeamQuery>,
) -> Result<Response, AppError> {
    let ws = Workspace::open(&state, &user, &id).await?;
    let filter = TeamFilter::parse(&q, ws.today)?;
    let team: Vec<TeamMemberRow> = state
        .store
        .list_team(&ws.group().id)
        .await?
        .into_iter()
        .filter(|m| filter.matches(m))
        .collect();
    let table = Table {
        sheet: "服务工作队".into(),
        headers: vec![
            "姓名",
            "所在单位",
            "队内职务",
            "职称",
            "校级领导",
            "手机号码",
            "加入日期",
            "离队日期",
        ],
        rows: team
            .iter()
            .map(|m| {
                let l = line(&user, m);
                vec![
                    l.name,
                    l.org,
                    l.role.into(),
                    l.title.into(),
                    if l.leader { "是" } else { "否" }.into(),
                    l.phone,
                    l.joined_on,
                    l.left_on,
                ]
            })
            .collect(),
    };
    let file = format!("第{}组服务工作队.xlsx", ws.group().number);
    let group = ws.group().id.to_string();
    audited_xlsx(&state, &user, "team_member", Some(&group), &file, &table).await
}
