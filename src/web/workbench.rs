//! 工作台: the home page of every signed-in user, what asks for their attention now (one service,
//! `services::workbench`, also behind `GET /api/v1/workbench`).

use super::pages::{Chrome, render};
use crate::AppState;
use crate::domain::user::Role;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::workbench::{self, Workbench};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};

pub struct PendingView {
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    pub entries: Vec<PendingEntryView>,
}

pub struct PendingEntryView {
    pub dates: String,
    pub place: String,
    pub content: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "pages/workbench.html")]
struct WorkbenchPage {
    chrome: Chrome,
    kind: &'static str,
    year: i16,
    today: String,
    // school
    report: Option<String>,
    // town / village
    pending: Vec<PendingView>,
    pending_total: usize,
    /// A school: its next monthly report's page.
    report_href: Option<String>,
    // administrators
    admin_role: &'static str,
    awaiting_approval: i64,
    /// A school's, town's or village's groups, one card each.
    cards: Vec<super::cards::GroupCardView>,
}

/// `GET /`: the workbench. The group list lives at `/groups`; an old bookmark of the list with
/// its filters (`/?q=…`, `/?page=…`) is sent there.
pub async fn get_workbench(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        return Ok(Redirect::to(&format!("/groups?{q}")).into_response());
    }
    // The bureau's and HQ's home is the compliance matrix, with their to-dos above it.
    if crate::services::access::sees_programme(&user) {
        return super::matrix::matrix_page(&state, &user, Default::default(), true).await;
    }
    let today = state.clock.today();
    let bench = workbench::workbench(&state.store, &state.plans, &user, today).await?;
    let mut page = WorkbenchPage {
        chrome: Chrome::new(&user, "workbench"),
        kind: "",
        year: today.year(),
        today: today.to_string(),
        report: None,
        pending: Vec::new(),
        pending_total: 0,
        report_href: None,
        admin_role: "",
        awaiting_approval: 0,
        cards: Vec::new(),
    };
    match bench {
        Workbench::School(s) => {
            page.kind = "school";
            page.year = s.year;
            // A month's report exists from its 1st: after this month's due day the next report
            // is next month's, not yet open, so the link goes to the list instead.
            let this_month = crate::domain::plan::Month::of(state.clock.today());
            page.report_href = s.next_report.as_ref().map(|r| {
                if r.month <= this_month {
                    format!("/reports/{}/{}", r.month, user.org_id)
                } else {
                    "/reports".to_string()
                }
            });
            page.report = s.next_report.map(|r| {
                format!(
                    "{} 月度进展报告应于 {} 前报送（剩余 {} 天）",
                    r.month, r.due_on, r.days_left
                )
            });
            page.cards = s
                .cards
                .iter()
                .map(|c| super::cards::GroupCardView::new(c, true))
                .collect();
        }
        Workbench::Locality(l) => {
            page.kind = "locality";
            page.cards = l
                .cards
                .iter()
                .map(|c| super::cards::GroupCardView::new(c, true))
                .collect();
            page.pending_total = l.groups.iter().map(|g| g.entries.len()).sum();
            page.pending = l
                .groups
                .into_iter()
                .map(|g| {
                    let id = g.group_id.to_string();
                    PendingView {
                        entries: g
                            .entries
                            .into_iter()
                            .map(|e| PendingEntryView {
                                dates: if e.date_from == e.date_to {
                                    e.date_from.to_string()
                                } else {
                                    format!("{} 至 {}", e.date_from, e.date_to)
                                },
                                href: format!(
                                    "/groups/{id}/onsite?year={}&place={}&status=unconfirmed",
                                    e.date_from.year(),
                                    e.place_org_id
                                ),
                                place: e.place_name,
                                content: e.content,
                            })
                            .collect(),
                        group_id: id,
                        number: g.number,
                        lead_town: g.lead_town,
                    }
                })
                .collect();
        }
        // Not reached: the programme's home is the matrix (returned above), whose to-do panel
        // reads the same queues without judging every group a second time.
        Workbench::Programme(_) => {
            return super::matrix::matrix_page(&state, &user, Default::default(), true).await;
        }
        Workbench::Admin(a) => {
            page.kind = "admin";
            page.admin_role = match a.role {
                Role::Sysadmin => "sysadmin",
                Role::Secadmin => "secadmin",
                _ => "auditor",
            };
            page.awaiting_approval = a.awaiting_approval;
        }
    }
    Ok(render(&page)?.into_response())
}
