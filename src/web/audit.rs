//! The audit log, for the auditor only.

use super::pages::{
    Chrome, EXPORT_LIMIT, PER_PAGE, Pager, audited_xlsx, non_empty, page_offset, render,
};
use crate::AppState;
use crate::clock::{format_ms, shanghai};
use crate::domain::FieldError;
use crate::exports::Table;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::access;
use crate::store::{AuditFilter, AuditRecord};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    pub ip: String,
}

impl From<AuditRecord> for AuditLine {
    fn from(r: AuditRecord) -> Self {
        Self {
            at: format_ms(r.at),
            actor: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id.unwrap_or_default(),
            before: r.before_json.unwrap_or_default(),
            after: r.after_json.unwrap_or_default(),
            ip: r.ip,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditLine>,
    actor: String,
    action: String,
    from: String,
    to: String,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
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
    let (actor, action, from, to) = (
        non_empty(&q.actor),
        non_empty(&q.action),
        non_empty(&q.from),
        non_empty(&q.to),
    );
    let page = AuditPage {
        chrome: Chrome::new(&user, "audit"),
        events: rows.into_iter().map(AuditLine::from).collect(),
        pager: Pager::new(
            "/audit",
            &[
                ("actor", actor.as_deref()),
                ("action", action.as_deref()),
                ("from", from.as_deref()),
                ("to", to.as_deref()),
            ],
            page,
            total,
        ),
        actor: actor.unwrap_or_default(),
        action: action.unwrap_or_default(),
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
            "对象",
            "对象编号",
            "变更前",
            "变更后",
            "来源地址",
        ],
        rows: rows
            .into_iter()
            .map(AuditLine::from)
            .map(|l| {
                vec![
                    l.at,
                    l.actor,
                    l.action,
                    l.entity,
                    l.entity_id,
                    l.before,
                    l.after,
                    l.ip,
                ]
            })
            .collect(),
    };
    audited_xlsx(&state, &user, "audit_event", None, "审计日志.xlsx", &table).await
}
