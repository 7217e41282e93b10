//! The school-level rules: 二, every school paired with a town and a village, judged per school.

use super::groups::{VerdictStatus, YearQuery};
use crate::AppState;
use crate::domain::evaluator::YearView;
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
    let (_, plan) = state
        .plans
        .current(&state.store)
        .await?
        .ok_or(AppError::NotFound)?;
    let verdicts = compliance::school_checks(&state.store, &state.plans, year, today).await?;
    Ok(Json(SchoolChecksResponse {
        year,
        as_of: YearView::new(year, today).as_of.to_string(),
        rule: RuleId::Pairing.as_str().into(),
        clause: RuleId::Pairing.clause().into(),
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
