//! What every page shares: the chrome around it (navigation by role), paging, rendering, xlsx downloads.

use crate::domain::user::Role;
use crate::exports::{Table, to_xlsx};
use crate::http::AppError;
use crate::http::auth::{Viewer, urlencode};
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

pub use crate::http::params::non_empty;

/// Rows per page in every list.
pub const PER_PAGE: i64 = 20;
/// The most rows one export writes.
pub const EXPORT_LIMIT: i64 = 100_000;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub key: &'static str,
}

/// The frame of every signed-in page.
pub struct Chrome {
    pub viewer: Option<Viewer>,
    pub active: &'static str,
}

impl Chrome {
    pub fn new(viewer: &Viewer, active: &'static str) -> Self {
        Self {
            viewer: Some(viewer.clone()),
            active,
        }
    }

    pub fn anonymous() -> Self {
        Self {
            viewer: None,
            active: "",
        }
    }

    pub fn nav(&self) -> Vec<NavItem> {
        let Some(v) = &self.viewer else {
            return Vec::new();
        };
        let mut items = vec![NavItem {
            href: "/",
            label: "工作台",
            key: "workbench",
        }];
        if v.role.sees_business() {
            items.push(NavItem {
                href: "/groups",
                label: "结对组",
                key: "groups",
            });
            items.push(NavItem {
                href: "/organisations",
                label: "单位",
                key: "organisations",
            });
            items.push(NavItem {
                href: "/regions",
                label: "行政区划",
                key: "regions",
            });
            items.push(NavItem {
                href: "/plan",
                label: "行动方案",
                key: "plan",
            });
            // 三(一)–(六): every group's cooperation projects the user reads, in one list.
            items.push(NavItem {
                href: "/projects",
                label: "合作项目",
                key: "projects",
            });
            // 五(三): the monthly reports (a school's own, its groups' for a town or village).
            items.push(NavItem {
                href: "/reports",
                label: "月度报告",
                key: "reports",
            });
        }
        if v.role == Role::Hq {
            // 五(一): the groups report major matters to HQ directly; its queue.
            items.push(NavItem {
                href: "/matters",
                label: "重大事项",
                key: "matters",
            });
        }
        if matches!(v.role, Role::Bureau | Role::Hq) {
            // 五(四): the groups' typical cases and news, for the bureau to review.
            items.push(NavItem {
                href: "/cases",
                label: "宣传案例",
                key: "cases",
            });
        }
        if v.role == Role::Bureau {
            items.push(NavItem {
                href: "/import/pairings",
                label: "导入结对表",
                key: "import",
            });
        }
        if matches!(v.role, Role::Bureau | Role::Hq) {
            // 五(三): the bureau's monthly summary for HQ.
            items.push(NavItem {
                href: "/summaries",
                label: "月度汇总",
                key: "summaries",
            });
        }
        if matches!(v.role, Role::Bureau | Role::Hq) {
            // 五(三): the yearly evaluation HQ runs (the bureau reads it).
            items.push(NavItem {
                href: "/evaluations",
                label: "年度评价",
                key: "evaluations",
            });
        }
        if matches!(v.role, Role::Bureau | Role::Hq | Role::School) {
            // 五(三): 优秀集体 and 先进个人 (a school reads and exports its people's).
            items.push(NavItem {
                href: "/commendations",
                label: "表彰",
                key: "commendations",
            });
        }
        if v.role == Role::Secadmin {
            items.push(NavItem {
                href: "/admin/approvals",
                label: "待审核",
                key: "approvals",
            });
        }
        if matches!(v.role, Role::Sysadmin | Role::Secadmin) {
            items.push(NavItem {
                href: "/admin/users",
                label: "用户管理",
                key: "users",
            });
        }
        if v.role == Role::Auditor {
            items.push(NavItem {
                href: "/audit",
                label: "审计日志",
                key: "audit",
            });
        }
        // 五(三): the bureau follows the reminders' deliveries to the group robots.
        if v.role == Role::Bureau {
            items.push(NavItem {
                href: "/reminders",
                label: "提醒",
                key: "reminders",
            });
        }
        // 五(三): requests to unlock accepted monthly reports, for the bureau to decide.
        if v.role == Role::Bureau {
            items.push(NavItem {
                href: "/unlocks",
                label: "解锁申请",
                key: "unlocks",
            });
        }
        // 统计图表: the programme's for the bureau and HQ (a member organisation reads its own
        // groups' at the same address, linked from its workbench).
        if matches!(v.role, Role::Bureau | Role::Hq) {
            items.push(NavItem {
                href: "/charts",
                label: "统计图表",
                key: "charts",
            });
        }
        // The compliance matrix (issue 11): the bureau's and HQ's home; the others' groups.
        if v.role.sees_business() {
            items.push(NavItem {
                href: "/compliance",
                label: "合规矩阵",
                key: "compliance",
            });
        }
        items
    }

    /// The header's bell: unread notifications of the user's organisation, for business users
    /// on a page request (`web::reminders::unread_bell`).
    pub fn unread(&self) -> Option<i64> {
        self.viewer
            .as_ref()
            .filter(|v| v.role.sees_business())
            .and_then(|_| crate::web::reminders::unread_now())
    }

    pub fn csrf(&self) -> &str {
        self.viewer
            .as_ref()
            .map(|v| v.csrf_token.as_str())
            .unwrap_or("")
    }
}

pub fn render(page: &impl Template) -> Result<Html<String>, AppError> {
    Ok(Html(page.render()?))
}

/// Page number from the query string (1-based; anything unreadable is page 1), and the SQL offset.
pub fn page_offset(page: Option<&str>) -> (i64, i64) {
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    (page, (page - 1) * PER_PAGE)
}

/// Links to the neighbouring pages of a list, keeping its filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The list's URL with its filters and a trailing `page=` to append a number to.
    pub base: String,
}

impl Pager {
    pub fn new(path: &str, filters: &[(&str, Option<&str>)], page: i64, total: i64) -> Self {
        let query = query_string(filters);
        let base = if query.is_empty() {
            format!("{path}?page=")
        } else {
            format!("{path}?{query}&page=")
        };
        Self {
            page,
            pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
            total,
            base,
        }
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    pub fn prev(&self) -> i64 {
        self.page - 1
    }

    pub fn next(&self) -> i64 {
        self.page + 1
    }

    /// The same filters as an export link.
    pub fn export_query(&self) -> String {
        let q = self.base.split_once('?').map(|(_, q)| q).unwrap_or("");
        q.strip_suffix("page=")
            .unwrap_or(q)
            .trim_end_matches('&')
            .to_string()
    }
}

/// A list's filters as a query string, leaving out the empty ones (for paging and export links).
pub fn query_string(filters: &[(&str, Option<&str>)]) -> String {
    let pairs: Vec<(&str, &str)> = filters
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (*k, v)))
        .collect();
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

/// An xlsx export of a list, written into the audit log first (`export`, the entity, its id when
/// the list belongs to one group, the file name and how many rows): every export of the web UI
/// goes through here.
pub async fn audited_xlsx(
    state: &crate::AppState,
    user: &Viewer,
    entity: &str,
    entity_id: Option<&str>,
    filename: &str,
    table: &Table,
) -> Result<Response, AppError> {
    crate::services::reads::record_read(
        &state.store,
        user,
        state.clock.now_ms(),
        crate::services::reads::Read::Export,
        entity,
        entity_id,
        serde_json::json!({ "file": filename, "rows": table.rows.len() }),
    )
    .await?;
    xlsx_download(filename, table)
}

/// An xlsx download of a list.
pub fn xlsx_download(filename: &str, table: &Table) -> Result<Response, AppError> {
    let bytes = to_xlsx(table).map_err(|e| AppError::Internal(e.into()))?;
    Ok(xlsx_response(filename, bytes))
}

/// [`audited_xlsx`] for a sheet whose headings are made at run time (from the plan file).
#[allow(clippy::too_many_arguments)]
pub async fn audited_sheet(
    state: &crate::AppState,
    user: &Viewer,
    entity: &str,
    entity_id: Option<&str>,
    filename: &str,
    sheet: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Response, AppError> {
    crate::services::reads::record_read(
        &state.store,
        user,
        state.clock.now_ms(),
        crate::services::reads::Read::Export,
        entity,
        entity_id,
        serde_json::json!({ "file": filename, "rows": rows.len() }),
    )
    .await?;
    let bytes = crate::exports::write_xlsx(sheet, headers, rows)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(xlsx_response(filename, bytes))
}

/// A file download: its type, an ASCII name for old clients and the real (Chinese) name.
pub(crate) fn file_response(
    content_type: &str,
    ascii: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> Response {
    let encoded = urlencode(filename).replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub const DOCX_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn xlsx_response(filename: &str, bytes: Vec<u8>) -> Response {
    file_response(XLSX_TYPE, "export.xlsx", filename, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_keeps_filters_and_counts_pages() {
        let p = Pager::new(
            "/organisations",
            &[("kind", Some("town")), ("q", None)],
            2,
            41,
        );
        assert_eq!(p.base, "/organisations?kind=town&page=");
        assert_eq!(p.pages, 3);
        assert!(p.has_prev() && p.has_next());
        assert_eq!(p.export_query(), "kind=town");
        let p = Pager::new("/", &[], 1, 0);
        assert_eq!(
            (p.pages, p.has_next(), p.export_query().as_str()),
            (1, false, "")
        );
    }
}
