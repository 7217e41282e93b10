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

/// A published item as a line of the public list or its article page.
pub struct PublicCaseLine {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub area: String,
    pub summary: String,
    /// Cleaned HTML (`domain::case::clean_body`).
    pub body: String,
    pub group: String,
    pub organisation: String,
    pub published_on: String,
}

impl PublicCaseLine {
    fn new(c: &crate::store::cases::CaseRow, areas: &[crate::domain::plan::Area]) -> Self {
        Self {
            id: c.id.to_string(),
            kind: c.kind.label(),
            title: c.title.clone(),
            area: super::workspace::cases::area_name(areas, c.area),
            summary: c.summary.clone(),
            body: c.body.clone(),
            group: format!("第 {} 组（{}）", c.group_number, c.lead_town),
            organisation: c.written_by_org.clone(),
            published_on: c.published_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/public_cases.html")]
struct PublicCasesPage {
    chrome: Chrome,
    cases: Vec<PublicCaseLine>,
    areas: Vec<super::workspace::Choice>,
    towns: Vec<super::workspace::Choice>,
    years: Vec<super::workspace::Choice>,
    kinds: Vec<super::workspace::Choice>,
    pager: super::pages::Pager,
}

#[derive(Deserialize)]
pub struct PublicCasesQuery {
    area: Option<String>,
    town: Option<String>,
    year: Option<String>,
    kind: Option<String>,
    page: Option<String>,
}

fn choices<T: ToString>(
    items: impl IntoIterator<Item = (T, String)>,
    chosen: Option<&str>,
) -> Vec<super::workspace::Choice> {
    items
        .into_iter()
        .map(|(v, label)| {
            let value = v.to_string();
            super::workspace::Choice {
                selected: chosen == Some(value.as_str()),
                value,
                label,
            }
        })
        .collect()
}

/// `GET /public/cases`: the published typical cases and news, latest first, filtered by area,
/// lead town, year and kind (no sign-in). A filter it cannot read is left out, not an error.
pub async fn public_cases(
    State(state): State<AppState>,
    Query(q): Query<PublicCasesQuery>,
) -> Result<Response, AppError> {
    use crate::domain::case::CaseKind;
    use crate::store::cases::PublishedFilter;
    let plan = state.plans.current(&state.store).await?;
    let areas = plan.as_ref().map_or(&[][..], |(_, p)| p.areas.as_slice());
    let leads = state.store.lead_towns().await?;
    let mut towns: Vec<(crate::domain::ids::OrgId, String)> = leads.into_values().collect();
    towns.sort_by(|a, b| a.1.cmp(&b.1));
    towns.dedup();
    let pick = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let area = pick(&q.area)
        .and_then(|a| a.parse::<u8>().ok())
        .filter(|n| areas.iter().any(|a| a.number == *n));
    let town = pick(&q.town).and_then(|t| {
        towns
            .iter()
            .find(|(id, _)| id.as_str() == t)
            .map(|(id, _)| id.clone())
    });
    let this_year = state.clock.today().year();
    let year = pick(&q.year)
        .and_then(|y| y.parse::<i16>().ok())
        .filter(|y| (2023..=this_year).contains(y));
    let kind = pick(&q.kind).and_then(|k| CaseKind::parse(&k));
    let filter = PublishedFilter {
        area,
        town: town.clone(),
        year,
        kind,
    };
    let (page_no, offset) = super::pages::page_offset(q.page.as_deref());
    let (rows, total) =
        crate::services::cases::published(&state.store, &filter, super::pages::PER_PAGE, offset)
            .await?;
    let area_s = area.map(|a| a.to_string());
    let year_s = year.map(|y| y.to_string());
    let page = PublicCasesPage {
        chrome: Chrome::anonymous(),
        cases: rows.iter().map(|c| PublicCaseLine::new(c, areas)).collect(),
        areas: choices(
            areas.iter().map(|a| (a.number, a.name.clone())),
            area_s.as_deref(),
        ),
        towns: choices(
            towns.iter().map(|(id, n)| (id.as_str(), n.clone())),
            town.as_ref().map(|t| t.as_str()),
        ),
        years: choices(
            (2023..=this_year).rev().map(|y| (y, format!("{y} 年"))),
            year_s.as_deref(),
        ),
        kinds: choices(
            CaseKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label().to_string())),
            kind.map(|k| k.as_str()),
        ),
        pager: super::pages::Pager::new(
            "/public/cases",
            &[
                ("area", area_s.as_deref()),
                ("town", town.as_ref().map(|t| t.as_str())),
                ("year", year_s.as_deref()),
                ("kind", kind.map(|k| k.as_str())),
            ],
            page_no,
            total,
        ),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "pages/public_case.html")]
struct PublicCasePage {
    chrome: Chrome,
    case: PublicCaseLine,
    /// The page's own address, absolute, for sharing (Open Graph).
    url: String,
    /// The titles of the cooperation projects it is about.
    projects: Vec<String>,
}

/// `GET /public/cases/{id}`: one published item as an article, with its title, description and
/// Open Graph tags for sharing (WeChat reads them); 404 once it is taken down.
pub async fn public_case(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let c = crate::services::cases::published_case(&state.store, &id).await?;
    let plan = state.plans.current(&state.store).await?;
    let areas = plan.as_ref().map_or(&[][..], |(_, p)| p.areas.as_slice());
    // The address as the visitor asked for it (behind a proxy, the Host it forwarded).
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    let projects = state
        .store
        .project_titles(&c.group_id)
        .await?
        .into_iter()
        .filter(|(id, _)| c.project_ids.contains(id))
        .map(|(_, title)| title)
        .collect();
    let page = PublicCasePage {
        projects,
        chrome: Chrome::anonymous(),
        url: format!("{scheme}://{host}/public/cases/{}", c.id),
        case: PublicCaseLine::new(&c, areas),
    };
    Ok(render(&page)?.into_response())
}

/// An image of an item's body: anyone reads it while the item is published (no sign-in); a
/// draft's or one under review only the signed-in viewers who see the item. Not cached by shared
/// caches and revalidated on every read, so taking an item down hides its images at once.
pub async fn case_image(
    State(state): State<AppState>,
    user: Result<crate::http::auth::WebUser, Response>,
    axum::extract::Path((case, image)): axum::extract::Path<(String, String)>,
) -> Result<Response, AppError> {
    let viewer = user.ok().map(|u| u.0);
    let today = state.clock.today();
    let (file, bytes) = crate::services::cases::case_image(
        &state.store,
        &state.files,
        &state.plans,
        viewer.as_ref(),
        &case,
        &image,
        today,
    )
    .await?;
    let cache = if viewer.is_some() {
        "private, no-cache"
    } else {
        "no-cache"
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, file.content_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "inline".to_string(),
            ),
            (axum::http::header::CACHE_CONTROL, cache.to_string()),
        ],
        bytes,
    )
        .into_response())
}
