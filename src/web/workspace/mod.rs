//! A group's workspace: overview with the rule verdicts, agreement, team, on-site service and
//! practice bases. Every handler opens the group through [`Workspace::open`], which asks
//! [`crate::services::workspace::open_group`] (and so [`crate::services::access`]): 404 for a
//! group the user may not see, before anything else is read or written.

pub mod adjustments;
pub mod agreement;
pub mod annual_plans;
pub mod bases;
pub mod cases;
pub mod coordination;
pub mod expense_import;
pub mod expenses;
pub mod matters;
pub mod meetings;
pub mod member;
pub mod onsite;
pub mod projects;
pub mod team;
pub mod work_plan;

use super::pages::{Chrome, render};
use crate::AppState;
use crate::domain::org::MemberRole;
use crate::domain::plan::Plan;
use crate::domain::rules::Verdict;
use crate::http::AppError;
use crate::http::attachment_response;
use crate::http::auth::{Viewer, WebUser};
use crate::services::compliance::GroupChecks;
use crate::services::workspace::{OpenedGroup, open_group, read_attachment};
use crate::store::attachments::AttachmentRow;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;

pub use crate::http::params::parse_year;

/// The group's title and tabs, shown on every workspace page.
pub struct GroupHead {
    pub id: String,
    pub number: i64,
    pub lead_town: String,
    pub tab: &'static str,
}

impl GroupHead {
    pub fn tabs(&self) -> [(&'static str, &'static str, &'static str); 13] {
        [
            ("overview", "", "概况"),
            ("agreement", "/agreement", "三方协议"),
            ("work_plan", "/work-plan", "服务方案"),
            ("coordination", "/coordination", "协调小组"),
            ("team", "/team", "服务工作队"),
            ("onsite", "/onsite", "驻镇(含驻村)服务"),
            ("bases", "/bases", "实践基地"),
            ("projects", "/projects", "合作项目"),
            ("expenses", "/expenses", "经费"),
            ("meetings", "/meetings", "联席会议"),
            ("annual-plan", "/annual-plan", "年度计划"),
            ("matters", "/matters", "重大事项"),
            ("cases", "/cases", "宣传案例"),
        ]
    }
}

/// A verdict as a row of a rules table, titled with the plan's own numbers (those of the plan
/// in force for the year judged) and its clause.
pub struct VerdictLine {
    pub id: &'static str,
    pub clause: String,
    pub title: String,
    pub status: &'static str,
    pub label: &'static str,
    pub reason: String,
}

impl VerdictLine {
    pub fn new(plan: &Plan, v: &Verdict) -> Self {
        Self {
            id: v.rule.as_str(),
            clause: plan.rule_clause(v.rule).to_string(),
            title: plan.rule_title(v.rule),
            status: v.status.as_str(),
            label: v.status.label(),
            reason: v.reason.clone(),
        }
    }
}

pub struct AttachmentLine {
    pub id: String,
    pub file_name: String,
    pub size: String,
    /// When it was uploaded, Asia/Shanghai; the SHA-256 stays in the API, not on pages.
    pub uploaded_at: String,
}

impl From<&AttachmentRow> for AttachmentLine {
    fn from(a: &AttachmentRow) -> Self {
        let size = if a.size_bytes >= 1024 * 1024 {
            format!("{:.1} MB", a.size_bytes as f64 / 1048576.0)
        } else {
            format!("{:.0} KB", (a.size_bytes as f64 / 1024.0).ceil())
        };
        Self {
            id: a.id.to_string(),
            file_name: a.file_name.clone(),
            size,
            uploaded_at: crate::clock::format_ms(a.created_at),
        }
    }
}

/// An option of a select or a checkbox list.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A group opened for one user ([`OpenedGroup`]), with what the workspace pages add to it.
pub struct Workspace(pub OpenedGroup);

impl std::ops::Deref for Workspace {
    type Target = OpenedGroup;

    fn deref(&self) -> &OpenedGroup {
        &self.0
    }
}

impl Workspace {
    pub async fn open(state: &AppState, user: &Viewer, id: &str) -> Result<Self, AppError> {
        Ok(Self(
            open_group(&state.store, &state.plans, user, id, state.clock.today()).await?,
        ))
    }

    /// The day the group began. A stored value that does not parse is an error, not a default.
    pub fn started_on(&self) -> Date {
        self.view.group.started_on
    }

    pub fn head(&self, tab: &'static str) -> GroupHead {
        GroupHead {
            id: self.view.group.id.to_string(),
            number: self.view.group.number,
            lead_town: self.view.group.lead_town.clone(),
            tab,
        }
    }

    pub fn require_edit(&self) -> Result<(), AppError> {
        Ok(self.0.require_edit()?)
    }

    /// The group's verdicts for `year`, from the one evaluator.
    pub async fn checks(&self, state: &AppState, year: i16) -> Result<GroupChecks, AppError> {
        Ok(self.0.checks(&state.store, year).await?)
    }
}

pub use crate::domain::parse_date;

pub struct MemberLine {
    pub role: &'static str,
    pub name: String,
    pub effective_from: String,
    pub effective_to: String,
    pub active: bool,
    pub medical: bool,
}

#[derive(Template)]
#[template(path = "pages/group.html")]
struct OverviewPage {
    chrome: Chrome,
    head: GroupHead,
    line: super::groups::GroupLine,
    plan_name: String,
    plan_doc_no: String,
    started_on: String,
    members: Vec<MemberLine>,
    year: i16,
    as_of: String,
    verdicts: Vec<VerdictLine>,
    glance: crate::services::workspace::glance::YearGlance,
    /// The group's card: its verdicts at a glance and what to do next.
    card: crate::web::cards::GroupCardView,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

pub async fn get_group(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    use crate::services::workspace::year_page::{stamp_before_opening, year_page};
    let stamp = stamp_before_opening(&state.store, &id).await?;
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let page = year_page(&state.store, &state.year_pages, &ws, stamp, year).await?;
    let card = &page.card;
    let mut members: Vec<MemberLine> = ws
        .group()
        .members
        .iter()
        .map(|m| MemberLine {
            role: m.role.label(),
            name: m.name_in(&ws.group().lead_town),
            effective_from: m.effective_from.to_string(),
            effective_to: m.effective_to.map(|d| d.to_string()).unwrap_or_default(),
            active: m.active_on(ws.today),
            medical: m.medical_focus,
        })
        .collect();
    let order = |r: &str| {
        MemberRole::ALL
            .iter()
            .position(|x| x.label() == r)
            .unwrap_or(9)
    };
    members.sort_by_key(|m| order(m.role));
    let page = OverviewPage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head("overview"),
        line: super::groups::GroupLine::from_row(ws.group(), ws.today),
        plan_name: ws.view.plan_name.clone(),
        plan_doc_no: ws.view.plan_doc_no.clone(),
        started_on: ws.group().started_on.to_string(),
        members,
        year,
        as_of: card.verdicts.period.as_of.to_string(),
        verdicts: card
            .verdicts
            .verdicts
            .iter()
            .map(|v| VerdictLine::new(&card.plan, v))
            .collect(),
        card: crate::web::cards::GroupCardView::new(card, false),
        glance: page.glance.clone(),
    };
    Ok(render(&page)?.into_response())
}

/// The file names of each record's attachments, joined with ；as an export's column writes them
/// (and the history import reads them back), by the record's id.
pub async fn attachment_names(
    state: &AppState,
    owner: crate::domain::ids::AttachmentOwner,
    ids: Vec<String>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut names: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for a in state.store.list_attachments(owner, &ids).await? {
        names.entry(a.owner_id).or_default().push(a.file_name);
    }
    Ok(names.into_iter().map(|(k, v)| (k, v.join("；"))).collect())
}

/// Downloads an attachment, only for users who may see its group.
pub async fn download_file(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (file, bytes) =
        read_attachment(&state.store, &state.files, &user, &id, state.clock.now_ms()).await?;
    Ok(attachment_response(&file, bytes))
}

#[derive(Template)]
#[template(path = "pages/record_history.html")]
struct HistoryPage {
    chrome: Chrome,
    head: GroupHead,
    kind: &'static str,
    back: String,
    history: Vec<crate::services::history::HistoryEntry>,
}

/// A record's 修改记录 for everyone who may see the group (those who may change it also see it
/// on the record's edit page); the web twin of the API's history route.
pub async fn record_history(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((id, kind, record)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    use crate::services::history::{self, RecordKind};
    let ws = Workspace::open(&state, &user, &id).await?;
    let kind =
        RecordKind::parse(&kind).ok_or(AppError::from(crate::services::ServiceError::NotFound))?;
    let history = history::viewed_record_history(&state.store, &ws, &user, kind, &record).await?;
    let (tab, suffix) = match kind {
        RecordKind::Agreement => ("agreement", "/agreement"),
        RecordKind::TeamMember => ("team", "/team"),
        RecordKind::OnsiteEntry => ("onsite", "/onsite"),
        RecordKind::PracticeBase => ("bases", "/bases"),
        RecordKind::MajorMatter => ("matters", "/matters"),
        RecordKind::Expense => ("expenses", "/expenses"),
        RecordKind::Coordinator => ("coordination", "/coordination"),
        RecordKind::Meeting => ("meetings", "/meetings"),
        RecordKind::AnnualPlanItem => ("annual-plan", "/annual-plan"),
        RecordKind::Project | RecordKind::ProjectUpdate => ("projects", "/projects"),
        RecordKind::Case => ("cases", "/cases"),
        RecordKind::Adjustment => ("adjustments", "/adjustments"),
    };
    let page = HistoryPage {
        chrome: Chrome::new(&user, "groups"),
        head: ws.head(tab),
        kind: kind.label(),
        back: format!("/groups/{}{suffix}", ws.group().id),
        history,
    };
    Ok(render(&page)?.into_response())
}
