//! 年度评价 (五(三)) through the API: a year's evaluation (ranking, each group's indicators,
//! points with their working, reviewers' scores), HQ's reviewers, a reviewer's score and HQ's
//! finalisation. The same service functions as the web pages.

use crate::AppState;
use crate::domain::FieldError;
use crate::domain::evaluation::{Tenths, points_label};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::evaluation::{self, GroupEvaluation, ScoreInput, YearEvaluation, YearState};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A year in a path: four digits.
pub(crate) fn year_param(s: &str) -> Result<i16, ApiError> {
    s.parse::<i16>()
        .ok()
        .filter(|y| s.len() == 4 && (2000..=2100).contains(y))
        .ok_or_else(|| {
            ApiError(AppError::Invalid(FieldError::new(
                "year",
                "应为 2000–2100 之间的年份",
            )))
        })
}

fn number(t: Tenths) -> f64 {
    f64::from(t) / 10.0
}

#[derive(Serialize, ToSchema)]
pub struct CriterionDto {
    pub code: String,
    pub label: String,
    /// rules_met, onsite_days, meetings, reports_on_time, projects, projects_done, areas,
    /// cases_published or review (scored by the reviewers).
    pub indicator: String,
    pub points: u32,
    pub full_at: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct GradeDto {
    pub name: String,
    /// The lowest total with this grade.
    pub min: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewerDto {
    pub user_id: String,
    pub name: String,
    pub username: String,
}

#[derive(Serialize, ToSchema)]
pub struct PointsDto {
    pub code: String,
    pub label: String,
    pub points: f64,
    pub max: f64,
    /// Which value gave which points, in words.
    pub working: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDto {
    pub reviewer: String,
    pub criterion: String,
    pub score: f64,
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupEvaluationDto {
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    /// 1 for the highest total; equal totals share a rank.
    pub rank: usize,
    pub total: f64,
    pub full: f64,
    pub grade: Option<String>,
    pub criteria: Vec<PointsDto>,
    /// What the year's records say: rules met and applicable (with each rule's verdict), on-site
    /// days, meetings, reports, projects per area, outcome figures, published cases.
    #[schema(value_type = Object)]
    pub indicators: serde_json::Value,
    pub reviews: Vec<ReviewDto>,
    /// Reviewed criteria with no score yet.
    pub unscored: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EvaluationDto {
    pub year: i16,
    /// open or final.
    pub state: String,
    #[schema(format = Date)]
    pub finalised_on: Option<String>,
    pub finalised_by: Option<String>,
    /// The day the plan wants the year evaluated by.
    #[schema(format = Date)]
    pub due: String,
    pub criteria: Vec<CriterionDto>,
    pub grades: Vec<GradeDto>,
    pub reviewers: Vec<ReviewerDto>,
    /// By rank.
    pub groups: Vec<GroupEvaluationDto>,
}

pub(crate) fn group_dto(g: &GroupEvaluation) -> GroupEvaluationDto {
    GroupEvaluationDto {
        group_id: g.group_id.to_string(),
        number: g.number,
        lead_town: g.lead_town.clone(),
        rank: g.rank,
        total: number(g.scored.total),
        full: number(g.scored.full),
        grade: g.scored.grade.clone(),
        criteria: g
            .scored
            .criteria
            .iter()
            .map(|c| PointsDto {
                code: c.code.clone(),
                label: c.label.clone(),
                points: number(c.points),
                max: number(c.max),
                working: c.working.clone(),
            })
            .collect(),
        indicators: serde_json::to_value(&g.indicators).unwrap_or_default(),
        reviews: g
            .reviews
            .iter()
            .map(|r| ReviewDto {
                reviewer: r.reviewer.clone(),
                criterion: r.criterion.clone(),
                score: number(r.points),
                comment: r.comment.clone(),
            })
            .collect(),
        unscored: g.scored.unscored.clone(),
    }
}

fn dto(y: &YearEvaluation) -> EvaluationDto {
    let (state, on, by) = match &y.state {
        YearState::Open => ("open", None, None),
        YearState::Final { on, by } => ("final", Some(on.to_string()), Some(by.clone())),
    };
    EvaluationDto {
        year: y.year,
        state: state.into(),
        finalised_on: on,
        finalised_by: by,
        due: y.due.to_string(),
        criteria: y
            .scheme
            .criteria
            .iter()
            .map(|c| CriterionDto {
                code: c.code.clone(),
                label: c.label.clone(),
                indicator: c.indicator.as_str().into(),
                points: c.points,
                full_at: c.full_at,
            })
            .collect(),
        grades: y
            .scheme
            .grades
            .iter()
            .map(|g| GradeDto {
                name: g.name.clone(),
                min: g.min,
            })
            .collect(),
        reviewers: y
            .reviewers
            .iter()
            .map(|r| ReviewerDto {
                user_id: r.user_id.to_string(),
                name: r.display_name.clone(),
                username: r.username.clone(),
            })
            .collect(),
        groups: y.groups.iter().map(group_dto).collect(),
    }
}

/// A completed year's evaluation (the bureau and HQ): computed from today's records and scores
/// while open, as frozen once HQ finalised it.
#[utoipa::path(get, path = "/api/v1/evaluations/{year}", tag = "evaluations", security(("bearer" = [])),
    params(("year" = String, Path, description = "A completed year, YYYY (from the plan's first evaluated year)", pattern = "^(20[0-9]{2}|2100)$")),
    responses(
        (status = 200, body = EvaluationDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the bureau or HQ", body = ErrorBody),
        (status = 404, description = "No evaluation of that year: it is not over, or before the plan's first evaluated year (or no plan is loaded)", body = ErrorBody),
    ))]
pub async fn get_evaluation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(year): Path<String>,
) -> Result<Json<EvaluationDto>, ApiError> {
    let year = year_param(&year)?;
    let y = readable_year(&state, &user, year).await?;
    Ok(Json(dto(&y)))
}

/// The year's evaluation for a read: a year the document allows but that has no evaluation is
/// not found (a read the document allows is never refused).
async fn readable_year(
    state: &AppState,
    user: &crate::services::access::Viewer,
    year: i16,
) -> Result<evaluation::YearEvaluation, ApiError> {
    evaluation::year(
        &state.store,
        &state.plans,
        user,
        year,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await
    .map_err(|e| match e {
        crate::services::ServiceError::Invalid(_) => ApiError(AppError::NotFound),
        e => ApiError::from(e),
    })
}

/// The year's 修改记录, oldest first: reviewers assigned and removed, every score and its
/// corrections (each naming its group and criterion), the finalisation.
#[utoipa::path(get, path = "/api/v1/evaluations/{year}/history", tag = "evaluations", security(("bearer" = [])),
    params(("year" = String, Path, description = "A completed year, YYYY (from the plan's first evaluated year)", pattern = "^(20[0-9]{2}|2100)$")),
    responses(
        (status = 200, body = Vec<crate::services::history::HistoryEntry>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the bureau or HQ", body = ErrorBody),
        (status = 404, description = "No evaluation of that year", body = ErrorBody),
    ))]
pub async fn evaluation_history(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(year): Path<String>,
) -> Result<Json<Vec<crate::services::history::HistoryEntry>>, ApiError> {
    let year = year_param(&year)?;
    let y = readable_year(&state, &user, year).await?;
    Ok(Json(evaluation::history(&state.store, &y).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerRequest {
    /// An active HQ account's id.
    #[serde(default)]
    pub user_id: String,
}

/// HQ makes one of its accounts a reviewer of the year (while it is open).
#[utoipa::path(post, path = "/api/v1/evaluations/{year}/reviewers", tag = "evaluations", security(("bearer" = [])),
    params(("year" = String, Path, description = "A completed year, YYYY", pattern = "^(20[0-9]{2}|2100)$")),
    request_body = ReviewerRequest,
    responses(
        (status = 204, description = "A reviewer of the year"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ assigns reviewers", body = ErrorBody),
        (status = 409, description = "The year is final", body = ErrorBody),
        (status = 422, description = "Not an active HQ account, or a wrong year", body = ErrorBody),
    ))]
pub async fn add_evaluation_reviewer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(year): Path<String>,
    req: Result<Json<ReviewerRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = req.map_err(super::json_rejection)?;
    let year = year_param(&year)?;
    evaluation::add_reviewer(
        &state.store,
        &state.plans,
        &user,
        year,
        &req.user_id,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// HQ removes a reviewer of an open year; their scores of it go with them (the audit log keeps them).
#[utoipa::path(delete, path = "/api/v1/evaluations/{year}/reviewers/{user}", tag = "evaluations", security(("bearer" = [])),
    params(("year" = String, Path, description = "A completed year, YYYY", pattern = "^(20[0-9]{2}|2100)$"),
           ("user" = String, Path, description = "The reviewer's user id")),
    responses(
        (status = 204, description = "No longer a reviewer"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ assigns reviewers", body = ErrorBody),
        (status = 404, description = "Not a reviewer of the year", body = ErrorBody),
        (status = 409, description = "The year is final", body = ErrorBody),
        (status = 422, description = "A wrong year", body = ErrorBody),
    ))]
pub async fn remove_evaluation_reviewer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((year, reviewer)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let year = year_param(&year)?;
    evaluation::remove_reviewer(
        &state.store,
        &state.plans,
        &user,
        year,
        &reviewer,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// From 0 to the criterion's points, at most one decimal place.
    pub score: f64,
    /// The reviewer's comment (required, at most 1,000 characters).
    #[serde(default)]
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreSaved {
    /// Whether anything changed (the same score and comment again change nothing).
    pub changed: bool,
}

/// A reviewer of the year writes or corrects their score of a reviewed criterion for a group.
#[utoipa::path(put, path = "/api/v1/evaluations/{year}/groups/{group}/scores/{criterion}", tag = "evaluations", security(("bearer" = [])),
    params(("year" = String, Path, description = "A completed year, YYYY", pattern = "^(20[0-9]{2}|2100)$"),
           ("group" = String, Path, description = "Group id (UUID)"),
           ("criterion" = String, Path, description = "A criterion's code of indicator review (from GET …/evaluations/{year})")),
    request_body = ScoreRequest,
    responses(
        (status = 200, body = ScoreSaved),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ's reviewers score", body = ErrorBody),
        (status = 404, description = "No such group or reviewed criterion", body = ErrorBody),
        (status = 409, description = "The year is final, or the user is not a reviewer of it", body = ErrorBody),
        (status = 422, description = "A score out of range or a missing comment; `fields` names each", body = ErrorBody),
    ))]
pub async fn save_evaluation_score(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((year, group, criterion)): Path<(String, String, String)>,
    req: Result<Json<ScoreRequest>, JsonRejection>,
) -> Result<Json<ScoreSaved>, ApiError> {
    let Json(req) = req.map_err(super::json_rejection)?;
    let year = year_param(&year)?;
    // The score as entered on the form: a finite number with at most one decimal place.
    let points = if req.score.is_finite() && req.score >= 0.0 && req.score < 10_000.0 {
        let tenths = (req.score * 10.0).round();
        if (tenths / 10.0 - req.score).abs() < 1e-9 {
            points_label(tenths as Tenths)
        } else {
            req.score.to_string()
        }
    } else {
        req.score.to_string()
    };
    let changed = evaluation::save_score(
        &state.store,
        &state.plans,
        &user,
        year,
        &group,
        &criterion,
        &ScoreInput {
            points,
            comment: req.comment,
        },
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await?;
    Ok(Json(ScoreSaved { changed }))
}

/// HQ finalises the year: every group's result is frozen as computed now (refused while a
/// reviewed criterion of some group has no score).
#[utoipa::path(post, path = "/api/v1/evaluations/{year}/finalise", tag = "evaluations", security(("bearer" = [])),
    params(("year" = String, Path, description = "A completed year, YYYY", pattern = "^(20[0-9]{2}|2100)$")),
    responses(
        (status = 204, description = "Final"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only HQ finalises", body = ErrorBody),
        (status = 409, description = "Already final, or scores are missing (the message names the groups)", body = ErrorBody),
        (status = 422, description = "A wrong year", body = ErrorBody),
    ))]
pub async fn finalise_evaluation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(year): Path<String>,
) -> Result<StatusCode, ApiError> {
    let year = year_param(&year)?;
    evaluation::finalise(
        &state.store,
        &state.plans,
        &user,
        year,
        state.clock.today(),
        state.clock.now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
