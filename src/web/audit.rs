//! The audit log, for the auditor only.

use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::clock::{format_ms, shanghai};
use crate::domain::FieldError;
use crate::domain::audit_labels;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::access;
use crate::store::{AuditFilter, AuditRecord};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    /// The action in Chinese (the code itself when it has no label).
    pub action: String,
    pub action_code: String,
    /// The record kind in Chinese.
    pub entity: String,
    pub entity_id: String,
    /// The record's name where one is cheap to find (an account, group or organisation).
    pub entity_name: String,
    /// "字段：旧值 → 新值", one per changed field.
    pub changes: Vec<String>,
    pub before: String,
    pub after: String,
    pub ip: String,
}

impl AuditLine {
    fn new(r: AuditRecord, names: &HashMap<(String, String), String>) -> Self {
        let entity_id = r.entity_id.unwrap_or_default();
        let entity_name = names
            .get(&(r.entity.clone(), entity_id.clone()))
            .cloned()
            .unwrap_or_default();
        Self {
            at: format_ms(r.at),
            actor: r.actor_name,
            action: audit_labels::action_label(&r.action).to_string(),
            action_code: r.action,
            entity: audit_labels::entity_label(&r.entity).to_string(),
            entity_id,
            entity_name,
            changes: audit_labels::change_lines(r.before_json.as_deref(), r.after_json.as_deref()),
            before: r.before_json.unwrap_or_default(),
            after: r.after_json.unwrap_or_default(),
            ip: r.ip,
        }
    }
}

/// A page (or export) of the log, with the records it names resolved in one query.
async fn lines(state: &AppState, rows: Vec<AuditRecord>) -> Result<Vec<AuditLine>, AppError> {
    let refs: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| r.entity_id.clone().map(|id| (r.entity.clone(), id)))
        .collect();
    let names = state.store.audit_record_names(&refs).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditLine::new(r, &names))
        .collect())
}

pub struct ActionOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The action filter's choices: every known action in Chinese, plus the one asked for when it is
/// a code without a label (so a link with any code still shows what it filters on).
fn action_options(chosen: &str) -> Vec<ActionOption> {
    let mut options: Vec<ActionOption> = audit_labels::ACTIONS
        .iter()
        .map(|(code, label)| ActionOption {
            value: code.to_string(),
            label: label.to_string(),
            selected: *code == chosen,
        })
        .collect();
    if !chosen.is_empty() && !options.iter().any(|o| o.selected) {
        options.push(ActionOption {
            value: chosen.to_string(),
            label: chosen.to_string(),
            selected: true,
        });
    }
    options
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditLine>,
    actor: String,
    organisation: String,
    actions: Vec<ActionOption>,
    from: String,
    to: String,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    organisation: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

/// Start of a `YYYY-MM-DD` day in Asia/Shanghai, as Unix ms.
fn day_start_ms(field: &'static str, s: &str) -> Result<i64, AppError> {
    let date: jiff::civil::Date = s
        .parse()
        .map_err(|_| FieldError::new(field, format!("“{s}”不是 YYYY-MM-DD 日期")))?;
    let zoned = date
        .to_zoned(shanghai())
        .map_err(|_| FieldError::new(field, format!("“{s}”超出可查询的日期范围")))?;
    Ok(zoned.timestamp().as_millisecond())
}

fn audit_filter(q: &AuditQuery, limit: i64, offset: i64) -> Result<AuditFilter, AppError> {
    let from_ms = non_empty(&q.from)
        .map(|s| day_start_ms("开始日期", &s))
        .transpose()?;
    let to_ms = non_empty(&q.to)
        .map(|s| day_start_ms("结束日期", &s).map(|ms| ms + 86_400_000))
        .transpose()?;
    Ok(AuditFilter {
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        organisation: non_empty(&q.organisation),
        from_ms,
        to_ms,
        limit,
        offset,
    })
}

pub async fn list_audit(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    access::require_audit_reader(&user)?;
    let (page, offset) = page_offset(q.page.as_deref());
    let filter = audit_filter(&q, PER_PAGE, offset)?;
    let (rows, total) = state.store.list_audit(&filter).await?;
    let (actor, action, organisation, from, to) = (
        non_empty(&q.actor),
        non_empty(&q.action),
        non_empty(&q.organisation),
        non_empty(&q.from),
        non_empty(&q.to),
    );
    let page = AuditPage {
        chrome: Chrome::new(&user, "audit"),
        events: lines(&state, rows).await?,
        pager: Pager::new(
            "/audit",
            &[
                ("actor", actor.as_deref()),
                ("organisation", organisation.as_deref()),
                ("action", action.as_deref()),
                ("from", from.as_deref()),
                ("to", to.as_deref()),
            ],
            page,
            total,
        ),
        actor: actor.unwrap_or_default(),
        actions: action_options(action.as_deref().unwrap_or_default()),
        organisation: organisation.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn export_audit(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    access::require_audit_reader(&user)?;
    let (rows, _) = state
        .store
        .list_audit(&audit_filter(&q, EXPORT_LIMIT, 0)?)
        .await?;
    let table = Table {
        sheet: "审计日志".into(),
        headers: vec![
            "时间",
            "操作人",
            "操作",
            "操作代码",
            "对象类型",
            "对象编号",
            "对象",
            "变更内容",
            "变更前（原始）",
            "变更后（原始）",
            "来源地址",
        ],
        rows: lines(&state, rows)
            .await?
            .into_iter()
            .map(|l| {
                vec![
                    l.at,
                    l.actor,
                    l.action,
                    l.action_code,
                    l.entity,
                    l.entity_id,
                    l.entity_name,
                    l.changes.join("\n"),
                    l.before,
                    l.after,
                    l.ip,
                ]
            })
            .collect(),
    };
    audited_xlsx(&state, &user, "audit_event", None, "审计日志.xlsx", &table).await
}
