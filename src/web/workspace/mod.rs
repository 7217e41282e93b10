//! A group's workspace: overview with the rule verdicts, agreement, team, on-site service and
//! practice bases. Every handler opens the group through [`Workspace::open`], which answers 404
//! for a group the user may not see, before anything else is read or written.

pub mod agreement;
pub mod bases;
pub mod onsite;
pub mod team;

use super::auth::{Viewer, WebUser};
use super::error::AppError;
use super::pages::{Chrome, render};
use crate::AppState;
use crate::compliance::group_checks;
use crate::domain::FieldError;
use crate::domain::ids::{AttachmentId, GroupId};
use crate::domain::org::MemberRole;
use crate::domain::plan::RuleParams;
use crate::domain::rules::Verdict;
use crate::domain::user::Role;
use crate::store::attachments::AttachmentRow;
use crate::store::files::CheckedFile;
use crate::store::team::school_role_on;
use crate::store::{GroupRow, GroupView, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;

/// The group's title and tabs, shown on every workspace page.
pub struct GroupHead {
    pub id: String,
    pub number: i64,
    pub lead_town: String,
    pub tab: &'static str,
}

impl GroupHead {
    pub fn tabs(&self) -> [(&'static str, &'static str, &'static str); 5] {
        [
            ("overview", "", "概况"),
            ("agreement", "/agreement", "三方协议"),
            ("team", "/team", "服务工作队"),
            ("onsite", "/onsite", "驻点服务"),
            ("bases", "/bases", "实践基地"),
        ]
    }
}

/// A verdict as a row of a rules table.
pub struct VerdictLine {
    pub id: &'static str,
    pub clause: &'static str,
    pub title: &'static str,
    pub status: &'static str,
    pub label: &'static str,
    pub reason: String,
}

impl From<&Verdict> for VerdictLine {
    fn from(v: &Verdict) -> Self {
        Self {
            id: v.rule.id,
            clause: v.rule.clause,
            title: v.rule.title,
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
    pub sha256: String,
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
            sha256: a.sha256.clone(),
        }
    }
}

/// An option of a select or a checkbox list.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A group opened for one user: what they may see, and whether they may write.
pub struct Workspace {
    pub view: GroupView,
    pub rules: RuleParams,
    pub today: Date,
    pub can_edit: bool,
}

impl Workspace {
    pub async fn open(state: &AppState, user: &Viewer, id: &str) -> Result<Self, AppError> {
        user.require_business()?;
        let id = GroupId::parse(id).ok_or(AppError::NotFound)?;
        let view = state
            .store
            .get_group(&user.group_scope(), &id)
            .await?
            .ok_or(AppError::NotFound)?;
        let rules = state
            .store
            .get_plan(&view.group.plan_id)
            .await?
            .ok_or(AppError::NotFound)?
            .file
            .rules;
        let today = state.clock.today();
        // The bureau, and the group's own schools (as they stand today), record the group's work.
        let can_edit = match user.role {
            Role::Bureau => true,
            Role::School => school_role_on(&view.group, &user.org_id, today).is_some(),
            _ => false,
        };
        Ok(Self {
            view,
            rules,
            today,
            can_edit,
        })
    }

    pub fn group(&self) -> &GroupRow {
        &self.view.group
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
        if self.can_edit {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn attachment_limit(&self) -> usize {
        self.rules.attachment_max_mb as usize * 1024 * 1024
    }
}

/// Stores the uploaded files, then runs the write that records them. When the write fails, the
/// files this request added (and that no record refers to) are removed again, so a failed upload
/// stores nothing. A field error comes back for the form to show; anything else is an error.
pub async fn write_with_files<T, Fut>(
    state: &AppState,
    files: &[CheckedFile],
    write: impl FnOnce() -> Fut,
) -> Result<Result<T, FieldError>, AppError>
where
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    // Files first (content-addressed, so a retry reuses them).
    let added = state
        .files
        .put_all(files)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    match write().await {
        Ok(v) => Ok(Ok(v)),
        Err(e) => {
            match state.store.unreferenced_digests(&added).await {
                Ok(orphans) => state.files.remove_all(&orphans).await,
                Err(e) => tracing::warn!(error = %e, "could not check uploaded files for removal"),
            }
            match e {
                StoreError::Invalid(f) => Ok(Err(f)),
                other => Err(other.into()),
            }
        }
    }
}

pub use crate::domain::parse_date;

/// A year from the query string, or this year.
pub fn parse_year(s: Option<&str>, today: Date) -> Result<i16, FieldError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today.year()),
        Some(y) => match y.parse::<i16>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(y),
            _ => Err(FieldError::new(
                "年份",
                format!("“{y}”不是 2000–2100 之间的年份"),
            )),
        },
    }
}

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
    let ws = Workspace::open(&state, &user, &id).await?;
    let year = parse_year(q.year.as_deref(), ws.today)?;
    let checks = group_checks(&state.store, ws.group(), &ws.rules, year, ws.today).await?;
    let today = ws.today.to_string();
    let mut members: Vec<MemberLine> = ws
        .group()
        .members
        .iter()
        .map(|m| MemberLine {
            role: m.role.label(),
            name: m.name_in(&ws.group().lead_town),
            effective_from: m.effective_from.clone(),
            effective_to: m.effective_to.clone().unwrap_or_default(),
            active: m.active_on(&today),
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
        line: super::groups::GroupLine::from_row(ws.group(), &today),
        plan_name: ws.view.plan_name.clone(),
        plan_doc_no: ws.view.plan_doc_no.clone(),
        started_on: ws.group().started_on.clone(),
        members,
        year,
        as_of: checks.as_of.to_string(),
        verdicts: checks.verdicts.iter().map(VerdictLine::from).collect(),
    };
    Ok(render(&page)?.into_response())
}

/// Downloads an attachment, only for users who may see its group.
pub async fn download_file(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    user.require_business()?;
    let id = AttachmentId::parse(&id).ok_or(AppError::NotFound)?;
    let file = state
        .store
        .get_attachment(&id)
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .get_group(&user.group_scope(), &file.group_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = state.files.read(&file.sha256).await.map_err(|e| {
        AppError::Internal(anyhow::anyhow!("attachment {} unreadable: {e}", file.id))
    })?;
    let encoded = super::auth::urlencode(&file.file_name).replace('+', "%20");
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
