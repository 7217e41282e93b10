//! 月度汇总 (五(三)) through the API: read month M's summary (the bureau; HQ once sent),
//! generate or regenerate it, edit its text, send it to HQ, recall it, and download it as docx
//! or xlsx. The same service functions as the web pages.

use super::json_rejection;
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::summary::{KeyFigures, SummaryText};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody, writer};
use crate::services::summaries::{self as services, ExportKind};
use crate::store::summaries::SummaryRow;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One school's line of the status table.
#[derive(Serialize, ToSchema)]
pub struct SummaryStatusDto {
    pub school: String,
    /// on_time (按时), late (逾期), missing (未报) or not_due (未到期).
    pub status: String,
    pub label: String,
    /// The first submission, Beijing time (YYYY-MM-DD HH:MM), if any.
    pub first_submitted: Option<String>,
}

/// A group's (or the city's) key figures of the month.
#[derive(Serialize, ToSchema)]
pub struct SummaryFiguresDto {
    /// Distinct days with someone on site.
    pub onsite_days: i64,
    pub person_days: i64,
    pub onsite_students: i64,
    pub projects: i64,
    pub projects_started: i64,
    pub projects_finished: i64,
    pub meetings: i64,
    pub expenses: i64,
    /// Cash spent, in fen.
    pub expense_cash_fen: i64,
    /// In-kind contributions' estimated value, in fen.
    pub expense_in_kind_fen: i64,
    /// Outcome figures by the plan's outcome code.
    pub outcomes: BTreeMap<String, i64>,
}

impl From<&KeyFigures> for SummaryFiguresDto {
    fn from(f: &KeyFigures) -> Self {
        Self {
            onsite_days: f.onsite_days,
            person_days: f.person_days,
            onsite_students: f.onsite_students,
            projects: f.projects,
            projects_started: f.projects_started,
            projects_finished: f.projects_finished,
            meetings: f.meetings,
            expenses: f.expenses,
            expense_cash_fen: f.expense_cash_fen,
            expense_in_kind_fen: f.expense_in_kind_fen,
            outcomes: f.outcomes.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SummaryGroupDto {
    pub number: i64,
    pub lead_town: String,
    /// The group's schools in the month, 、-joined.
    pub schools: String,
    pub figures: SummaryFiguresDto,
}

/// A monthly summary: the bureau's text and the generated status table and figures.
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    /// YYYY-MM.
    pub month: String,
    /// draft (草稿) or sent (已报送市指挥部).
    pub state: String,
    pub title: String,
    pub intro: String,
    /// One line per school, "学校：…".
    pub highlights: String,
    pub problems: String,
    pub next_steps: String,
    /// 报送单位.
    pub bureau: String,
    /// The month's reports' due day (YYYY-MM-DD).
    #[schema(format = Date)]
    pub due_on: String,
    pub statuses: Vec<SummaryStatusDto>,
    /// Reports due from schools that were members on the due date.
    pub expected: u32,
    pub submitted: u32,
    pub on_time: u32,
    pub reporting_rate: String,
    pub on_time_rate: String,
    pub groups: Vec<SummaryGroupDto>,
    pub totals: SummaryFiguresDto,
    /// When the status table and figures were generated (Beijing time), and by whom.
    pub generated_at: String,
    pub generated_by: String,
    pub updated_at: String,
    pub updated_by: String,
    pub sent_at: Option<String>,
    pub sent_by: Option<String>,
}

impl From<SummaryRow> for SummaryDto {
    fn from(s: SummaryRow) -> Self {
        let snap = s.snapshot;
        Self {
            month: s.month.to_string(),
            state: s.state.as_str().into(),
            title: s.text.title,
            intro: s.text.intro,
            highlights: s.text.highlights,
            problems: s.text.problems,
            next_steps: s.text.next_steps,
            bureau: snap.bureau,
            due_on: snap.due_on,
            statuses: snap
                .statuses
                .into_iter()
                .map(|l| SummaryStatusDto {
                    school: l.school,
                    status: l.status,
                    label: l.label,
                    first_submitted: l.first_submitted,
                })
                .collect(),
            expected: snap.expected,
            submitted: snap.submitted,
            on_time: snap.on_time,
            reporting_rate: snap.reporting_rate,
            on_time_rate: snap.on_time_rate,
            groups: snap
                .groups
                .iter()
                .map(|g| SummaryGroupDto {
                    number: g.number,
                    lead_town: g.lead_town.clone(),
                    schools: g.schools.clone(),
                    figures: (&g.figures).into(),
                })
                .collect(),
            totals: (&snap.totals).into(),
            generated_at: format_ms(s.generated_at),
            generated_by: s.generated_by,
            updated_at: format_ms(s.updated_at),
            updated_by: s.updated_by,
            sent_at: s.sent_at.map(format_ms),
            sent_by: s.sent_by,
        }
    }
}

/// The bureau's text (unknown fields are refused, 422; a field left out is emptied).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryTextRequest {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub highlights: String,
    #[serde(default)]
    pub problems: String,
    #[serde(default)]
    pub next_steps: String,
}

async fn read(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    month: &str,
) -> Result<SummaryDto, ApiError> {
    let s =
        services::get_summary(&state.store, &state.plans, user, month, state.clock.today()).await?;
    Ok(s.into())
}

/// Month M's summary (the bureau; HQ only once it is sent — before that it is 404 to HQ).
#[utoipa::path(get, path = "/api/v1/summaries/{month}", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    responses(
        (status = 200, body = SummaryDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau and HQ", body = ErrorBody),
        (status = 404, description = "No summary for the month, or (HQ) one not yet sent", body = ErrorBody),
        (status = 422, description = "Not a month, or one before the plan's first report month or still to come", body = ErrorBody),
    ))]
pub async fn get_summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
) -> Result<Json<SummaryDto>, ApiError> {
    Ok(Json(read(&state, &user, &month).await?))
}

/// Generates month M's summary (the bureau): a new draft with the status table, the figures, and
/// highlights and problems picked from the submitted reports (201); or, for a draft, the table and
/// figures refreshed with its edited text kept (200). 409 once sent.
#[utoipa::path(post, path = "/api/v1/summaries/{month}", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    responses(
        (status = 201, description = "Generated", body = SummaryDto),
        (status = 200, description = "Regenerated (text kept)", body = SummaryDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 409, description = "Sent to HQ already", body = ErrorBody),
        (status = 422, description = "Not a month, or one before the plan's first report month or still to come", body = ErrorBody),
    ))]
pub async fn generate_summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
) -> Result<(StatusCode, Json<SummaryDto>), ApiError> {
    let today = state.clock.today();
    let new =
        services::generate_summary(&writer(&state, &user), &state.plans, &month, today).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(read(&state, &user, &month).await?)))
}

/// Edits a draft's text (the bureau); each change is kept in the audit log. 409 once sent.
#[utoipa::path(put, path = "/api/v1/summaries/{month}", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    request_body = SummaryTextRequest,
    responses(
        (status = 200, description = "Saved", body = SummaryDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, description = "No summary for the month", body = ErrorBody),
        (status = 409, description = "Sent to HQ already", body = ErrorBody),
        (status = 422, description = "Every wrong field in `fields`", body = ErrorBody),
    ))]
pub async fn update_summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
    req: Result<Json<SummaryTextRequest>, JsonRejection>,
) -> Result<Json<SummaryDto>, ApiError> {
    let today = state.clock.today();
    // Who may write, and whether the summary exists, before the body is read.
    if !services::may_write(&user) {
        return Err(crate::services::ServiceError::Forbidden.into());
    }
    services::get_summary(&state.store, &state.plans, &user, &month, today).await?;
    let Json(r) = req.map_err(json_rejection)?;
    let input = SummaryText {
        title: r.title,
        intro: r.intro,
        highlights: r.highlights,
        problems: r.problems,
        next_steps: r.next_steps,
    };
    services::update_summary(&writer(&state, &user), &state.plans, &month, today, &input).await?;
    Ok(Json(read(&state, &user, &month).await?))
}

/// Marks the draft sent to HQ (the bureau): HQ reads it from now on; it is read-only.
#[utoipa::path(post, path = "/api/v1/summaries/{month}/send", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    responses(
        (status = 200, description = "Sent", body = SummaryDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, description = "No summary for the month", body = ErrorBody),
        (status = 409, description = "Sent already", body = ErrorBody),
    ))]
pub async fn send_summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
) -> Result<Json<SummaryDto>, ApiError> {
    let today = state.clock.today();
    services::send_summary(&writer(&state, &user), &state.plans, &month, today).await?;
    Ok(Json(read(&state, &user, &month).await?))
}

/// 撤回: takes a sent summary back to draft for a correction (the bureau; audited).
#[utoipa::path(post, path = "/api/v1/summaries/{month}/recall", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    responses(
        (status = 200, description = "Back to draft", body = SummaryDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau", body = ErrorBody),
        (status = 404, description = "No summary for the month", body = ErrorBody),
        (status = 409, description = "Not sent", body = ErrorBody),
    ))]
pub async fn recall_summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
) -> Result<Json<SummaryDto>, ApiError> {
    let today = state.clock.today();
    services::recall_summary(&writer(&state, &user), &state.plans, &month, today).await?;
    Ok(Json(read(&state, &user, &month).await?))
}

/// A file download with its content type and a UTF-8 file name.
pub(crate) fn file_response(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let encoded = crate::http::auth::urlencode(name).replace('+', "%20");
    let ascii = if name.ends_with(".docx") {
        "summary.docx"
    } else {
        "summary.xlsx"
    };
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

pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Month M's summary as a Word document laid out as an official report (GB/T 9704).
#[utoipa::path(get, path = "/api/v1/summaries/{month}/export.docx", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    responses(
        (status = 200, description = "The docx", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau and HQ", body = ErrorBody),
        (status = 404, description = "No summary for the month, or (HQ) one not yet sent", body = ErrorBody),
    ))]
pub async fn export_summary_docx(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
) -> Result<Response, ApiError> {
    export(&state, &user, &month, ExportKind::Docx).await
}

/// Month M's summary as a workbook: sheet 报送情况 (statuses) and sheet 主要数据 (figures).
#[utoipa::path(get, path = "/api/v1/summaries/{month}/export.xlsx", tag = "workspace", security(("bearer" = [])),
    params(("month" = String, Path, description = "The month, YYYY-MM")),
    responses(
        (status = 200, description = "The xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau and HQ", body = ErrorBody),
        (status = 404, description = "No summary for the month, or (HQ) one not yet sent", body = ErrorBody),
    ))]
pub async fn export_summary_xlsx(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(month): Path<String>,
) -> Result<Response, ApiError> {
    export(&state, &user, &month, ExportKind::Xlsx).await
}

async fn export(
    state: &AppState,
    user: &crate::http::auth::Viewer,
    month: &str,
    kind: ExportKind,
) -> Result<Response, ApiError> {
    let (name, bytes) = services::export_summary(
        &state.store,
        &state.plans,
        user,
        month,
        state.clock.today(),
        state.clock.now_ms(),
        kind,
    )
    .await?;
    let ct = match kind {
        ExportKind::Docx => DOCX,
        ExportKind::Xlsx => XLSX,
    };
    Ok(file_response(ct, &name, bytes))
}

/// A summary in the list: its month, state and title.
#[derive(Serialize, ToSchema)]
pub struct SummaryHeadDto {
    pub month: String,
    /// draft or sent.
    pub state: String,
    pub title: String,
    pub updated_at: String,
    pub sent_at: Option<String>,
}

/// The summaries the caller may read, newest month first (the bureau all; HQ those sent).
#[utoipa::path(get, path = "/api/v1/summaries", tag = "workspace", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SummaryHeadDto>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Everyone but the bureau and HQ", body = ErrorBody),
    ))]
pub async fn list_summaries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<SummaryHeadDto>>, ApiError> {
    let rows = services::list_summaries(&state.store, &state.plans, &user).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SummaryHeadDto {
                month: s.month.to_string(),
                state: s.state.as_str().into(),
                title: s.text.title,
                updated_at: format_ms(s.updated_at),
                sent_at: s.sent_at.map(format_ms),
            })
            .collect(),
    ))
}
