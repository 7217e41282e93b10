//! 月度进展报告 (五(三)) through the API: the month's status per school as the caller may see
//! it, one report in full, the school's draft, refresh, submission, the bureau's review and paper
//! copy, and each submitted version. Every handler calls the same service as the web page.

use super::json_rejection;
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::monthly::Rates;
use crate::domain::monthly_report::ReportInput;
use crate::http::auth::{ApiUser, Viewer};
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::monthly_reports::{self as services, OpenedReport};
use crate::store::monthly::RollEntry;
use crate::store::monthly_reports::VersionRow;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct RatesDto {
    /// Reports due from schools that were members on the due date.
    pub expected: u32,
    pub submitted: u32,
    pub on_time: u32,
    /// Submitted ÷ expected, per cent (absent when nothing was due).
    pub reporting_rate: Option<f64>,
    /// On time ÷ expected, per cent (absent when nothing was due).
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

/// One school's report of the month, as a line of the list.
#[derive(Serialize, ToSchema)]
pub struct ReportStatusDto {
    pub school_id: String,
    pub school_name: String,
    /// A member of an active group on the due date (counted in the rates).
    pub expected: bool,
    /// draft, submitted, returned or accepted.
    pub state: String,
    /// 草稿, 已提交, 已重新提交, 已退回 or 已通过.
    pub state_label: String,
    /// on_time, late, missing or not_due.
    pub timeliness: String,
    /// 按时, 逾期, 未报 or 未到期.
    pub timeliness_label: String,
    #[schema(format = Date)]
    pub due_on: String,
    /// Beijing time.
    pub first_submitted_at: Option<String>,
    pub last_submitted_at: Option<String>,
    /// Accepted as a paper copy after submissions closed (stays 未报).
    pub paper: bool,
}

fn status_dto(e: &RollEntry, due_on: String) -> ReportStatusDto {
    let version = e.report.as_ref().map_or(0, |r| r.version);
    ReportStatusDto {
        school_id: e.school.to_string(),
        school_name: e.name.clone(),
        expected: e.expected,
        state: e.state().as_str().into(),
        state_label: e.state().label(version).into(),
        timeliness: e.timeliness.as_str().into(),
        timeliness_label: e.timeliness.label().into(),
        due_on,
        first_submitted_at: e
            .report
            .as_ref()
            .and_then(|r| r.first_submitted_at)
            .map(format_ms),
        last_submitted_at: e
            .report
            .as_ref()
            .and_then(|r| r.last_submitted_at)
            .map(format_ms),
        paper: e.report.as_ref().is_some_and(|r| r.paper),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportListDto {
    /// YYYY-MM.
    pub month: String,
    #[schema(format = Date)]
    pub due_on: String,
    /// When submissions close (Beijing time).
    pub closes_at: String,
    /// Over the schools listed.
    pub rates: RatesDto,
    pub items: Vec<ReportStatusDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportListQuery {
    /// YYYY-MM, from the plan's first report month to the current month; by default the latest
    /// month whose due day has passed.
    pub month: Option<String>,
}

/// The month's reports per school, as the caller may see them: a school its own, a town or
/// village the schools of its groups, the bureau and HQ every school.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])),
    params(ReportListQuery),
    responses((status = 200, body = ReportListDto), (status = 401, body = ErrorBody), (status = 403, description = "Roles without business data", body = ErrorBody), (status = 422, description = "A month outside the reporting months", body = ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: Result<Query<ReportListQuery>, QueryRejection>,
) -> Result<Json<ReportListDto>, ApiError> {
    let q = super::query(query)?;
    let list = services::month_list(
        &state.store,
        &state.plans,
        &user,
        q.month.as_deref(),
        state.clock.now_ms(),
    )
    .await?;
    let d = list.roll.deadline;
    Ok(Json(ReportListDto {
        month: list.month.to_string(),
        due_on: d.due_on.to_string(),
        closes_at: format_ms(d.closes_ms),
        rates: list.rates().into(),
        items: list
            .roll
            .entries
            .iter()
            .map(|e| status_dto(e, d.due_on.to_string()))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct VersionSummaryDto {
    pub version: i64,
    pub submitted_at: String,
    pub submitted_by: String,
    /// accepted or returned, once reviewed.
    pub review: Option<String>,
    pub review_comment: String,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
}

impl From<&VersionRow> for VersionSummaryDto {
    fn from(v: &VersionRow) -> Self {
        Self {
            version: v.version,
            submitted_at: format_ms(v.submitted_at),
            submitted_by: v.submitted_by_name.clone(),
            review: v.review.clone(),
            review_comment: v.review_comment.clone(),
            reviewed_at: v.reviewed_at.map(format_ms),
            reviewed_by: v.reviewed_by_name.clone(),
        }
    }
}

/// One version as submitted: its content `{prefill, narrative, problems, next_plan}` and review.
#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    #[serde(flatten)]
    pub summary: VersionSummaryDto,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

/// A school's report of a month in full.
#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    pub school_id: String,
    pub school_name: String,
    /// YYYY-MM.
    pub month: String,
    #[schema(format = Date)]
    pub due_on: String,
    pub closes_at: String,
    pub state: String,
    pub state_label: String,
    /// Submissions so far.
    pub version: i64,
    pub timeliness: String,
    pub timeliness_label: String,
    pub first_submitted_at: Option<String>,
    pub last_submitted_at: Option<String>,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
    /// The bureau's latest comment (a return's reason, an acceptance's remark, a paper note).
    pub review_comment: String,
    pub paper: bool,
    /// `{"groups": [{"group_id", "number", "lead_town", "figures"}]}`: what was recorded in the
    /// month, group by group (live figures while nobody has written to the report).
    #[schema(value_type = Object)]
    pub prefill: serde_json::Value,
    pub prefilled_at: Option<String>,
    /// The school's account per area: area number (as text) → text.
    pub narrative: BTreeMap<String, String>,
    pub problems: String,
    pub next_plan: String,
    /// Every submitted version, oldest first.
    pub versions: Vec<VersionSummaryDto>,
    /// Brought in by a history import (历史补录): accepted as reported then, with no versions.
    pub backfilled: bool,
    /// The report's own file (a past report's Word or PDF document brought in with it).
    pub file: Option<ReportFileDto>,
}

/// A past report's own file.
#[derive(Serialize, ToSchema)]
pub struct ReportFileDto {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `GET` this path for the bytes.
    pub url: String,
}

async fn report_dto(state: &AppState, r: &OpenedReport) -> Result<ReportDto, ApiError> {
    let versions = services::versions(&state.store, r).await?;
    let row = r.row.as_ref();
    let state_ = r.state();
    Ok(ReportDto {
        school_id: r.school_id.to_string(),
        school_name: r.school_name.clone(),
        month: r.month.to_string(),
        due_on: r.deadline.due_on.to_string(),
        closes_at: format_ms(r.deadline.closes_ms),
        state: state_.as_str().into(),
        state_label: state_.label(r.version()).into(),
        version: r.version(),
        timeliness: r.timeliness.as_str().into(),
        timeliness_label: r.timeliness.label().into(),
        first_submitted_at: row.and_then(|x| x.first_submitted_at).map(format_ms),
        last_submitted_at: row.and_then(|x| x.last_submitted_at).map(format_ms),
        reviewed_at: row.and_then(|x| x.reviewed_at).map(format_ms),
        reviewed_by: row.and_then(|x| x.reviewed_by_name.clone()),
        review_comment: row.map(|x| x.review_comment.clone()).unwrap_or_default(),
        paper: row.is_some_and(|x| x.paper),
        prefill: serde_json::to_value(&r.prefill).unwrap_or_default(),
        prefilled_at: row.and_then(|x| x.prefilled_at).map(format_ms),
        narrative: row.map(|x| x.text.narrative().clone()).unwrap_or_default(),
        problems: row
            .map(|x| x.text.problems().to_string())
            .unwrap_or_default(),
        next_plan: row
            .map(|x| x.text.next_plan().to_string())
            .unwrap_or_default(),
        versions: versions.iter().map(VersionSummaryDto::from).collect(),
        backfilled: row.is_some_and(|x| x.backfilled),
        file: services::report_file(&state.store, r)
            .await?
            .map(|f| ReportFileDto {
                file_name: f.file_name,
                content_type: f.content_type,
                size_bytes: f.size_bytes,
                sha256: f.sha256,
                url: format!("/api/v1/reports/{}/{}/file", r.month, r.school_id),
            }),
    })
}

async fn open(
    state: &AppState,
    user: &Viewer,
    month: &str,
    school: &str,
) -> Result<OpenedReport, ApiError> {
    Ok(services::open_report(
        &state.store,
        &state.plans,
        user,
        month,
        school,
        state.clock.now_ms(),
    )
    .await?)
}

/// The report as it now stands, after a write.
async fn reread(
    state: &AppState,
    user: &Viewer,
    month: &str,
    school: &str,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(state, user, month, school).await?;
    Ok(Json(report_dto(state, &r).await?))
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(json_rejection)
}

/// A school's report of a month in full (who may see it: the school, the towns and villages of
/// its groups during the month, the bureau and HQ; anyone else gets 404).
#[utoipa::path(get, path = "/api/v1/reports/{month}/{school}", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    responses((status = 200, body = ReportDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, description = "No such month or school, or one the caller may not see", body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Json<ReportDto>, ApiError> {
    reread(&state, &user, &month, &school).await
}

/// The school's text of its report (unknown fields are refused, 422).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Area number (as text, an area of the plan) → the school's account of it (≤ 5000 characters).
    #[serde(default)]
    pub narrative: BTreeMap<String, String>,
    /// ≤ 5000 characters.
    #[serde(default)]
    pub problems: String,
    /// Next month's plan, ≤ 5000 characters.
    #[serde(default)]
    pub next_plan: String,
}

/// Saves the school's draft (its own report, while draft or returned and submissions are open).
#[utoipa::path(put, path = "/api/v1/reports/{month}/{school}", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    request_body = ReportRequest,
    responses(
        (status = 200, description = "Saved", body = ReportDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the school's own user", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Submitted or accepted already, or submissions closed", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn save_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
    req: Result<Json<ReportRequest>, JsonRejection>,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    if !r.is_owner {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    let req = body(req)?;
    let input = ReportInput {
        narrative: req.narrative,
        problems: req.problems,
        next_plan: req.next_plan,
    };
    services::save_report(&writer(&state, &user), &r, &input).await?;
    reread(&state, &user, &month, &school).await
}

/// Re-reads the month's recorded figures into the report (its school, until it is submitted).
#[utoipa::path(post, path = "/api/v1/reports/{month}/{school}/refresh", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    responses(
        (status = 200, description = "Refreshed", body = ReportDto),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Submitted or accepted already, or submissions closed", body = ErrorBody),
    ))]
pub async fn refresh_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    services::refresh_prefill(&writer(&state, &user), &r).await?;
    reread(&state, &user, &month, &school).await
}

/// Submits the report as last saved (its school only); refused once submissions closed.
#[utoipa::path(post, path = "/api/v1/reports/{month}/{school}/submit", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    responses(
        (status = 200, description = "Submitted", body = ReportDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the school's own user", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Submitted or accepted already, or submissions closed", body = ErrorBody),
    ))]
pub async fn submit_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    services::submit_report(&writer(&state, &user), &r).await?;
    reread(&state, &user, &month, &school).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// Required to return a report (what to change); optional on acceptance.
    #[serde(default)]
    pub comment: String,
}

/// The bureau accepts a submitted report.
#[utoipa::path(post, path = "/api/v1/reports/{month}/{school}/accept", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Accepted", body = ReportDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not waiting for review", body = ErrorBody),
        (status = 422, description = "A comment too long", body = ErrorBody),
    ))]
pub async fn accept_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
    req: Result<Json<ReviewRequest>, JsonRejection>,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    user.require(&[crate::domain::user::Role::Bureau])?;
    let req = body(req)?;
    services::accept_report(&writer(&state, &user), &r, &req.comment).await?;
    reread(&state, &user, &month, &school).await
}

/// The bureau returns a submitted report with a comment.
#[utoipa::path(post, path = "/api/v1/reports/{month}/{school}/return", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Returned", body = ReportDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not waiting for review", body = ErrorBody),
        (status = 422, description = "No comment, or one too long", body = ErrorBody),
    ))]
pub async fn return_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
    req: Result<Json<ReviewRequest>, JsonRejection>,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    user.require(&[crate::domain::user::Role::Bureau])?;
    let req = body(req)?;
    services::return_report(&writer(&state, &user), &r, &req.comment).await?;
    reread(&state, &user, &month, &school).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperRequest {
    /// How the paper copy came (date received, by whom); required.
    #[serde(default)]
    pub note: String,
}

/// The bureau accepts a paper copy of a report never submitted, after submissions closed (the
/// report stays 未报).
#[utoipa::path(post, path = "/api/v1/reports/{month}/{school}/paper", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    request_body = PaperRequest,
    responses(
        (status = 200, description = "Accepted as a paper copy", body = ReportDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Submissions still open, or the report was submitted or accepted", body = ErrorBody),
        (status = 422, description = "No note, or one too long", body = ErrorBody),
    ))]
pub async fn accept_paper_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
    req: Result<Json<PaperRequest>, JsonRejection>,
) -> Result<Json<ReportDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    user.require(&[crate::domain::user::Role::Bureau])?;
    let req = body(req)?;
    services::accept_paper(&writer(&state, &user), &r, &req.note).await?;
    reread(&state, &user, &month, &school).await
}

/// The report's own file (a past report's Word or PDF document brought in by the history
/// import), for whoever may see the report; 404 when it has none.
#[utoipa::path(get, path = "/api/v1/reports/{month}/{school}/file", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)")),
    responses(
        (status = 200, description = "The file's bytes, with its content type (Word docx or PDF)", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No such report, one the caller may not see, or a report without a file", body = ErrorBody),
    ))]
pub async fn download_report_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    let (file, bytes) =
        services::read_report_file(&state.store, &state.files, &user, &r, state.clock.now_ms())
            .await?;
    Ok(crate::http::file_response(
        &file.file_name,
        &file.content_type,
        bytes,
    ))
}

/// Version `n` of a report as it was submitted, with its review.
#[utoipa::path(get, path = "/api/v1/reports/{month}/{school}/versions/{n}", tag = "reports", security(("bearer" = [])),
    params(("month" = String, Path, description = "YYYY-MM"), ("school" = String, Path, description = "School organisation id (UUID)"), ("n" = i64, Path, description = "Version number, from 1")),
    responses((status = 200, body = VersionDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_report_version(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((month, school, n)): Path<(String, String, String)>,
) -> Result<Json<VersionDto>, ApiError> {
    let r = open(&state, &user, &month, &school).await?;
    let v = services::version(&state.store, &r, &n).await?;
    Ok(Json(VersionDto {
        summary: VersionSummaryDto::from(&v),
        content: v.content,
    }))
}
