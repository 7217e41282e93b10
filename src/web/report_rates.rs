//! 五(三) 报送率与及时率: each school's monthly reports over a year — the rule's verdict, the
//! reporting and on-time rates, and each month's standing — and the city's rates per month.

use super::pages::{Chrome, render};
use crate::AppState;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::http::params::parse_year;
use crate::services::compliance;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RatesQuery {
    year: Option<String>,
}

pub struct MonthCell {
    pub code: &'static str,
    pub label: &'static str,
}

pub struct SchoolLine {
    pub name: String,
    pub kind: &'static str,
    pub reporting: String,
    pub on_time: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub reason: String,
    /// One cell per month shown (blank where the school owed nothing).
    pub cells: Vec<Option<MonthCell>>,
}

pub struct CityLine {
    pub month: String,
    pub expected: u32,
    pub submitted: u32,
    pub on_time: u32,
    pub reporting: String,
    pub on_time_rate: String,
}

#[derive(Template)]
#[template(path = "pages/report_rates.html")]
struct RatesPage {
    chrome: Chrome,
    year: i16,
    title: String,
    months: Vec<String>,
    schools: Vec<SchoolLine>,
    city: Vec<CityLine>,
}

pub async fn report_rates(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(q): Query<RatesQuery>,
) -> Result<Response, AppError> {
    let today = state.clock.today();
    let year = parse_year(q.year.as_deref(), today)?;
    let rates = compliance::report_rates(
        &state.store,
        &state.plans,
        &user,
        year,
        state.clock.now_ms(),
        today,
    )
    .await?;
    let mut months: Vec<crate::domain::plan::Month> = rates
        .schools
        .iter()
        .flat_map(|s| s.months.iter().map(|(m, _)| *m))
        .chain(rates.city.iter().map(|c| c.month))
        .collect();
    months.sort();
    months.dedup();
    let page = RatesPage {
        chrome: Chrome::new(&user, "reports"),
        year,
        title: rates.title,
        months: months.iter().map(|m| format!("{}月", m.month)).collect(),
        schools: rates
            .schools
            .into_iter()
            .map(|s| SchoolLine {
                cells: months
                    .iter()
                    .map(|m| {
                        s.months
                            .iter()
                            .find(|(x, _)| x == m)
                            .map(|(_, t)| MonthCell {
                                code: t.as_str(),
                                label: t.label(),
                            })
                    })
                    .collect(),
                name: s.verdict.school.name,
                kind: s.verdict.school.kind.label(),
                reporting: s.rates.reporting_label(),
                on_time: s.rates.on_time_label(),
                status: s.verdict.verdict.status.as_str(),
                status_label: s.verdict.verdict.status.label(),
                reason: s.verdict.verdict.reason,
            })
            .collect(),
        city: rates
            .city
            .into_iter()
            .map(|c| CityLine {
                month: c.month.label(),
                expected: c.rates.expected,
                submitted: c.rates.submitted,
                on_time: c.rates.on_time,
                reporting: c.rates.reporting_label(),
                on_time_rate: c.rates.on_time_label(),
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}
