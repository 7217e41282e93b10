//! 修改记录: a record's history as its page shows it — who created it, each correction with the
//! fields it changed ("字段：旧值 → 新值"), confirmations and withdrawals — read from the audit log,
//! where every write of the platform already lands with its before and after. One function for
//! every record kind of a group's workspace, so later record types get the same history by
//! writing their audit entries under their own kind.

use super::ServiceError;
use super::workspace::OpenedGroup;
use crate::clock::format_ms;
use crate::domain::audit_labels::{action_label, change_lines_named};
use crate::store::Store;
use serde::Serialize;
use utoipa::ToSchema;

/// The record kinds of a group's workspace that keep a visible history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Agreement,
    TeamMember,
    OnsiteEntry,
    PracticeBase,
    MajorMatter,
    Expense,
    Coordinator,
    Meeting,
    AnnualPlanItem,
    Project,
    ProjectUpdate,
    Case,
    Adjustment,
}

impl RecordKind {
    pub const ALL: [RecordKind; 13] = [
        RecordKind::Agreement,
        RecordKind::TeamMember,
        RecordKind::OnsiteEntry,
        RecordKind::PracticeBase,
        RecordKind::MajorMatter,
        RecordKind::Expense,
        RecordKind::Coordinator,
        RecordKind::Meeting,
        RecordKind::AnnualPlanItem,
        RecordKind::Project,
        RecordKind::ProjectUpdate,
        RecordKind::Case,
        RecordKind::Adjustment,
    ];

    /// The kind as the audit log's `entity` column and the API's path write it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Agreement => "agreement",
            RecordKind::TeamMember => "team_member",
            RecordKind::OnsiteEntry => "onsite_entry",
            RecordKind::PracticeBase => "practice_base",
            RecordKind::MajorMatter => "major_matter",
            RecordKind::Expense => "expense",
            RecordKind::Coordinator => "coordinator",
            RecordKind::Meeting => "meeting",
            RecordKind::AnnualPlanItem => "annual_plan_item",
            RecordKind::Project => "project",
            RecordKind::ProjectUpdate => "project_update",
            RecordKind::Case => "case",
            RecordKind::Adjustment => "adjustment",
        }
    }

    /// The kind in Chinese, as a page names it.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Agreement => "三方协议",
            RecordKind::TeamMember => "服务队员",
            RecordKind::OnsiteEntry => "驻镇(含驻村)服务记录",
            RecordKind::PracticeBase => "实践基地",
            RecordKind::MajorMatter => "重大事项",
            RecordKind::Expense => "经费",
            RecordKind::Coordinator => "协调小组成员",
            RecordKind::Meeting => "联席会议",
            RecordKind::AnnualPlanItem => "年度计划事项",
            RecordKind::Project => "合作项目",
            RecordKind::ProjectUpdate => "项目进展",
            RecordKind::Case => "典型案例与新闻",
            RecordKind::Adjustment => "结对调整",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The table the record lives in (each has `id` and `group_id`).
    fn table(self) -> &'static str {
        match self {
            RecordKind::Agreement => "agreements",
            RecordKind::TeamMember => "team_members",
            RecordKind::OnsiteEntry => "onsite_entries",
            RecordKind::PracticeBase => "practice_bases",
            RecordKind::MajorMatter => "major_matters",
            RecordKind::Expense => "expenses",
            RecordKind::Coordinator => "coordinators",
            RecordKind::Meeting => "meetings",
            RecordKind::AnnualPlanItem => "annual_plan_items",
            RecordKind::Project => "projects",
            RecordKind::ProjectUpdate => "project_updates",
            RecordKind::Case => "cases",
            RecordKind::Adjustment => "adjustments",
        }
    }
}

/// One entry of a record's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// When, in Beijing time (2026-06-15 10:30).
    pub at: String,
    /// Who (the account's display name as it was then).
    pub by: String,
    /// What, in Chinese (录入协议, 修改服务队员 …).
    pub action: String,
    /// The fields it changed, one "字段：旧值 → 新值" line each.
    pub changes: Vec<String>,
}

/// [`record_history`] for the record pages' shared history route (web and API): also not found
/// when the viewer does not see the record itself — a draft case that is not its own, or a
/// record made after a former member left.
pub async fn viewed_record_history(
    store: &Store,
    ws: &OpenedGroup,
    viewer: &crate::services::access::Viewer,
    kind: RecordKind,
    id: &str,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    use crate::store::adjustments::RecordTable;
    let table = match kind {
        RecordKind::Case => {
            crate::services::cases::group_case(store, ws, viewer, id).await?;
            None
        }
        RecordKind::OnsiteEntry => Some(RecordTable::Onsite),
        RecordKind::Expense => Some(RecordTable::Expenses),
        RecordKind::Project => Some(RecordTable::Projects),
        RecordKind::Meeting => Some(RecordTable::Meetings),
        _ => None,
    };
    if let Some(table) = table
        && !ws.shows_record(store, table, id).await?
    {
        return Err(ServiceError::NotFound);
    }
    record_history(store, ws, kind, id).await
}

/// The history of record `id` of kind `kind` in the opened group, oldest first: not found when
/// the record is not the group's (so a viewer of one group cannot read another's history).
pub async fn record_history(
    store: &Store,
    ws: &OpenedGroup,
    kind: RecordKind,
    id: &str,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    let exists = store
        .group_record_exists(kind.table(), id, &ws.group().id)
        .await?;
    if !exists {
        return Err(ServiceError::NotFound);
    }
    let records = store.record_history(kind.as_str(), id).await?;
    // The group, its organisations and team members by name, not by id.
    let team = store.list_team(&ws.group().id).await?;
    let group_name = format!("第 {} 组", ws.group().number);
    let name = |id: &str| -> Option<String> {
        if id == ws.group().id.as_str() {
            return Some(group_name.clone());
        }
        ws.group()
            .members
            .iter()
            .find(|m| m.org_id.as_str() == id)
            .map(|m| m.name.clone())
            .or_else(|| {
                team.iter()
                    .find(|m| m.id.as_str() == id)
                    .map(|m| m.person_name.clone())
            })
    };
    Ok(records.iter().map(|r| entry(r, &name)).collect())
}

/// One audit record as a history entry, the ids `name` knows shown by their names.
pub fn entry(r: &crate::store::AuditRecord, name: &dyn Fn(&str) -> Option<String>) -> HistoryEntry {
    HistoryEntry {
        at: format_ms(r.at),
        by: r.actor_name.clone(),
        action: action_label(&r.action).to_string(),
        changes: change_lines_named(r.before_json.as_deref(), r.after_json.as_deref(), name),
    }
}
