//! The school-level rules: 二, every school paired with a town and a village, judged per school.

use super::groups::{VerdictStatus, YearQuery};
use crate::AppState;
use crate::domain::evaluator::YearView;
use crate::domain::monthly::Rates;
use crate::domain::rules::RuleId;
use crate::http::auth::ApiUser;
use crate::http::params::parse_year;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::{access, compliance};
use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SchoolCheckDto {
    pub org_id: String,
    pub name: String,
    /// university or vocational_school.
    pub kind: String,
    pub status: VerdictStatus,
    /// Why, in words (names the groups).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolChecksResponse {
    pub year: i16,
    /// The date the year was read on (31 December, or today for the running year).
    pub as_of: String,
    /// The rule judged: `pairing`.
    pub rule: String,
    pub clause: String,
    pub title: String,
    pub schools: Vec<SchoolCheckDto>,
}

/// 二: each school's pairing for a calendar year (the bureau and HQ, who see the whole programme).
#[utoipa::path(get, path = "/api/v1/schools/checks", tag = "organisations", security(("bearer" = [])),
    params(YearQuery),
    responses(
        (status = 200, body = SchoolChecksResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only the bureau and HQ see every school's standing", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn school_checks(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<YearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SchoolChecksResponse>, ApiError> {
    if !access::sees_programme(&user) {
        return Err(AppError::Forbidden.into());
    }
    let q = super::query(query)?;
    let today = state.clock.today();
    let year = parse_year(q.year.as_deref(), today)?;
    let (_, years) = state
        .plans
        .current_years(&state.store)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = years.for_year(year);
    let verdicts = compliance::school_checks(&state.store, &state.plans, year, today).await?;
    Ok(Json(SchoolChecksResponse {
        year,
        as_of: YearView::new(year, today).as_of.to_string(),
        rule: RuleId::Pairing.as_str().into(),
        clause: plan.rule_clause(RuleId::Pairing).into(),
        title: plan.rule_title(RuleId::Pairing),
        schools: verdicts
            .into_iter()
            .map(|s| SchoolCheckDto {
                org_id: s.school.org.to_string(),
                name: s.school.name,
                kind: s.school.kind.as_str().into(),
                status: s.verdict.status.into(),
                reason: s.verdict.reason,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReportMonthDto {
    /// `YYYY-MM`.
    pub month: String,
    /// `on_time` 按时, `late` 逾期, `missing` 未报, `not_due` 未到期.
    pub timeliness: String,
}

#[derive(Serialize, ToSchema)]
pub struct RatesDto {
    /// Reports due from schools that were members on the due date.
    pub expected: u32,
    pub submitted: u32,
    pub on_time: u32,
    /// Submitted ÷ expected, per cent; absent when nothing was due.
    pub reporting_rate: Option<f64>,
    /// On time ÷ expected, per cent; absent when nothing was due.
    pub on_time_rate: Option<f64>,
}

impl From<Rates> for RatesDto {
    fn from(r: Rates) -> Self {
        Self {
            expected: r.expected,
            submitted: r.submitted,
            on_time: r.on_time,
            reporting_rate: r.reporting_pct(),
            on_time_rate: r.on_time_pct(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SchoolReportsDto {
    pub org_id: String,
    pub name: String,
    pub kind: String,
    pub rates: RatesDto,
    /// The monthly-report rule (五(三)) for the year.
    pub status: VerdictStatus,
    pub reason: String,
    /// Each month the school owed a report (it was a member on the due date).
    pub months: Vec<ReportMonthDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CityMonthDto {
    pub month: String,
    pub rates: RatesDto,
}

#[derive(Serialize, ToSchema)]
pub struct ReportRatesResponse {
    pub year: i16,
    pub clause: String,
    pub title: String,
    /// Per month, over every school that was a member on its due date (the bureau and HQ).
    pub months: Vec<CityMonthDto>,
    pub schools: Vec<SchoolReportsDto>,
}

/// 五(三): reporting rate and on-time rate per school and per month for a year, with each school's
/// monthly-report verdict. The bureau and HQ see every school; a school sees its own line.
#[utoipa::path(get, path = "/api/v1/reports/rates", tag = "organisations", security(("bearer" = [])),
    params(YearQuery),
    responses(
        (status = 200, body = ReportRatesResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Towns, villages and administrators have no school reports to rate", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn report_rates(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<YearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReportRatesResponse>, ApiError> {
    let q = super::query(query)?;
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
    Ok(Json(ReportRatesResponse {
        year,
        clause: RuleId::MonthlyReport.clause().into(),
        title: rates.title,
        months: rates
            .city
            .into_iter()
            .map(|m| CityMonthDto {
                month: m.month.to_string(),
                rates: m.rates.into(),
            })
            .collect(),
        schools: rates
            .schools
            .into_iter()
            .map(|s| SchoolReportsDto {
                org_id: s.verdict.school.org.to_string(),
                name: s.verdict.school.name,
                kind: s.verdict.school.kind.as_str().into(),
                rates: s.rates.into(),
                status: s.verdict.verdict.status.into(),
                reason: s.verdict.verdict.reason,
                months: s
                    .months
                    .into_iter()
                    .map(|(m, t)| ReportMonthDto {
                        month: m.to_string(),
                        timeliness: t.as_str().into(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}
