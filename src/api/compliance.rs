//! The compliance matrix through the API (issue 11): `GET /api/v1/compliance`, per group and per
//! school each rule's id, clause, status and reason for a year or a month as of a date, with the
//! caller's visibility. The same service as the page (`services::matrix`).

use super::groups::VerdictStatus;
use crate::AppState;
use crate::domain::rules::Verdict;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::matrix::{self, Matrix, MatrixQuery, RawMatrixQuery, RuleHead};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// Calendar year, 2000–2100; this year when neither `year` nor `month` is given.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// A month `YYYY-MM` instead of the whole year: the year's rules as of the month's last day
    /// (or `as_of`, if earlier), the monthly-report cell that month's report. When `year` is
    /// given too, the month must lie in it.
    #[param(pattern = r"^(|\d{4}-\d{2})$")]
    pub month: Option<String>,
    /// `YYYY-MM-DD`: read the period as of this date. A date after today is read as today (the
    /// answer's `as_of` says the date used); by default today.
    #[param(value_type = Option<String>, format = Date)]
    pub as_of: Option<String>,
    /// Only groups whose lead town has this organisation id.
    #[param(pattern = "^(|[0-9a-fA-F-]{36})$")]
    pub town: Option<String>,
    /// Only groups with this university (organisation id) among their members.
    #[param(pattern = "^(|[0-9a-fA-F-]{36})$")]
    pub university: Option<String>,
    /// Only rows not met on this rule (groups for a group rule, schools for a school rule).
    #[param(
        pattern = "^(|pairing|agreement|team-size|team-captain|team-vice|team-title|onsite|base|meetings|annual-plan|escalation|monthly-report|evaluation|medical-extra|publicity)$"
    )]
    pub rule: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    /// Rule id (SPEC §5).
    pub id: String,
    /// The clause of the plan, e.g. 四(一).
    pub clause: String,
    /// The rule in short, with the plan's numbers.
    pub title: String,
    /// The plan's own words for the rule (from the founding document).
    pub wording: String,
    /// Whether the rule only encourages (never 不符合).
    pub advisory: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CellDto {
    /// Rule id.
    pub rule: String,
    pub clause: String,
    pub status: VerdictStatus,
    /// 符合, 不符合, 未到期, … (the status in words).
    pub status_label: String,
    /// Why, in words.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupRowDto {
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    pub universities: Vec<String>,
    /// How many of its rules are 不符合.
    pub not_met: usize,
    /// One cell per group rule, in the order of `group_rules`.
    pub checks: Vec<CellDto>,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolRowDto {
    pub org_id: String,
    pub name: String,
    /// university or vocational_school.
    pub kind: String,
    /// One cell per school rule, in the order of `school_rules`.
    pub checks: Vec<CellDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplianceResponse {
    pub year: i16,
    /// `YYYY-MM` when a month was asked for.
    pub month: Option<String>,
    /// The date the period was read as of (never after today).
    #[schema(format = Date)]
    pub as_of: String,
    /// The date the rules were judged on: `as_of`, or for a month its last day if earlier.
    #[schema(format = Date)]
    pub judged_on: String,
    pub group_rules: Vec<RuleDto>,
    pub school_rules: Vec<RuleDto>,
    /// The groups the caller may read (the bureau and HQ all; a member organisation its own).
    pub groups: Vec<GroupRowDto>,
    /// The schools the caller may see: every school for the bureau and HQ, a school its own,
    /// none for a town or a village.
    pub schools: Vec<SchoolRowDto>,
}

fn rule_dto(h: &RuleHead) -> RuleDto {
    RuleDto {
        id: h.rule.as_str().into(),
        clause: h.clause.clone(),
        title: h.title.clone(),
        wording: h.wording.clone(),
        advisory: h.rule.advisory(),
    }
}

fn cell_dto(m: &Matrix, v: &Verdict) -> CellDto {
    CellDto {
        rule: v.rule.as_str().into(),
        clause: m.clause_of(v.rule).into(),
        status: v.status.into(),
        status_label: v.status.label().into(),
        reason: v.reason.clone(),
    }
}

/// The compliance matrix for a year or a month: every group rule per group and every school rule
/// per school, judged by the one evaluator, as the caller may see them.
#[utoipa::path(get, path = "/api/v1/compliance", tag = "groups", security(("bearer" = [])),
    params(ComplianceQuery),
    responses(
        (status = 200, body = ComplianceResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Roles without business data (the administrators)", body = ErrorBody),
        (status = 404, description = "No plan is loaded", body = ErrorBody),
        (status = 422, description = "A wrong year, month, as_of, town, university or rule; `fields` names each", body = ErrorBody),
    ))]
pub async fn compliance(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<ComplianceQuery>, QueryRejection>,
) -> Result<Json<ComplianceResponse>, ApiError> {
    let q = super::query(query)?;
    let raw = RawMatrixQuery {
        year: q.year,
        month: q.month,
        as_of: q.as_of,
        town: q.town,
        university: q.university,
        rule: q.rule,
        sort: None,
        page: None,
        per_page: Some("all".into()),
    };
    let q = MatrixQuery::parse(&raw, state.clock.today()).map_err(AppError::Fields)?;
    let m = matrix::matrix(
        &state.store,
        &state.plans,
        &state.judged,
        &user,
        &q,
        state.clock.now_ms(),
    )
    .await?;
    Ok(Json(ComplianceResponse {
        year: m.period.year(),
        month: m.period.month().map(|x| x.to_string()),
        as_of: m.period.as_of.to_string(),
        judged_on: m.period.judged_on().to_string(),
        group_rules: m.group_rules.iter().map(rule_dto).collect(),
        school_rules: m.school_rules.iter().map(rule_dto).collect(),
        groups: m
            .rows
            .iter()
            .map(|r| GroupRowDto {
                group_id: r.group.to_string(),
                number: r.number,
                lead_town: r.lead_town.clone(),
                universities: r.universities.clone(),
                not_met: r.not_met,
                checks: r.verdicts.iter().map(|v| cell_dto(&m, v)).collect(),
            })
            .collect(),
        schools: m
            .schools
            .iter()
            .map(|s| SchoolRowDto {
                org_id: s.school.org.to_string(),
                name: s.school.name.clone(),
                kind: s.school.kind.as_str().into(),
                checks: s.verdicts.iter().map(|v| cell_dto(&m, v)).collect(),
            })
            .collect(),
    }))
}
