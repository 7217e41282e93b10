//! 公开概览 (`/public`, no sign-in): the programme, its groups with their member organisations,
//! each group's year in counts and the statuses of its rules (icon and words, no reasons). What
//! it may show is decided by `services::public`, whose view holds no person and no reason.

use super::pages::{Chrome, render};
use crate::AppState;
use crate::domain::org::MemberRole;
use crate::domain::rules::Status;
use crate::http::AppError;
use crate::http::params::parse_year;
use crate::services::public::{self, PublicOverview};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PublicQuery {
    year: Option<String>,
}

pub struct RuleHead {
    pub id: &'static str,
    pub clause: &'static str,
    pub short: &'static str,
}

pub struct Cell {
    pub status: &'static str,
    pub label: &'static str,
    pub icon: &'static str,
}

pub struct PublicGroupLine {
    pub number: i64,
    pub lead_town: String,
    pub towns: String,
    pub villages: String,
    pub university: String,
    pub vocational_schools: String,
    pub projects: i64,
    pub meetings: u32,
    pub onsite_days: u32,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "pages/public.html")]
struct PublicPage {
    chrome: Chrome,
    year: i16,
    years: Vec<i16>,
    programme: Option<(String, String)>,
    updated_at: String,
    rules: Vec<RuleHead>,
    groups: Vec<PublicGroupLine>,
    statuses: Vec<(&'static str, &'static str, &'static str)>,
}

fn names(g: &crate::services::charts::GroupYear, role: MemberRole) -> String {
    let v: Vec<&str> = g
        .members
        .iter()
        .filter(|(r, _)| *r == role)
        .map(|(_, n)| n.as_str())
        .collect();
    if v.is_empty() {
        "—".into()
    } else {
        v.join("、")
    }
}

fn page_of(v: &PublicOverview) -> PublicPage {
    let updated_at = crate::clock::format_ms(v.computed_at_ms);
    // "HH:MM" of "YYYY-MM-DD HH:MM:SS".
    let updated_at = updated_at.get(11..16).unwrap_or(&updated_at).to_string();
    PublicPage {
        chrome: Chrome::anonymous(),
        year: v.year,
        years: (v.first_year..=v.last_year).rev().collect(),
        programme: v.programme.clone(),
        updated_at,
        rules: v
            .rules
            .iter()
            .map(|r| RuleHead {
                id: r.as_str(),
                clause: r.clause(),
                short: r.short_name(),
            })
            .collect(),
        groups: v
            .groups
            .iter()
            .map(|g| PublicGroupLine {
                number: g.number,
                lead_town: g.lead_town.clone(),
                towns: names(g, MemberRole::Town),
                villages: names(g, MemberRole::Village),
                university: names(g, MemberRole::University),
                vocational_schools: names(g, MemberRole::VocationalSchool),
                projects: g.projects,
                meetings: g.meetings_held,
                onsite_days: g.onsite.team_days,
                cells: v
                    .rules
                    .iter()
                    .map(|r| {
                        let s = g.status(*r).unwrap_or(Status::NotApplicable);
                        Cell {
                            status: s.as_str(),
                            label: s.label(),
                            icon: s.icon(),
                        }
                    })
                    .collect(),
            })
            .collect(),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), s.label(), s.icon()))
            .collect(),
    }
}

/// `GET /public?year=YYYY`: no sign-in.
pub async fn get_public(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let asked = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(y) => Some(parse_year(Some(y), today)?),
        None => None,
    };
    let v = public::public_overview(
        &state.store,
        &state.plans,
        &state.public,
        asked,
        state.clock.now_ms(),
        today,
    )
    .await?;
    Ok(render(&page_of(&v))?.into_response())
}
