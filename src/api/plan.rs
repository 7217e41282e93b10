//! 方案版本 through the API: the plan's versions, and the bureau loading a new one for a year.
//! The same service functions as the plan page.

use crate::AppState;
use crate::clock::format_ms;
use crate::domain::{FieldError, FieldErrors};
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody};
use crate::services::ServiceError;
use crate::services::plan_versions::{self, FILE_FIELD, LoadOutcome, LoadRequest, YEAR_FIELD};
use crate::store::plan_versions::PlanVersionRow;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PlanVersionDto {
    /// Its place among the plan's versions, 1 for the first loaded.
    pub seq: i64,
    /// The first calendar year it is in force (until a version with a later year).
    pub from_year: i16,
    pub code: String,
    pub name: String,
    pub doc_no: String,
    /// Beijing time.
    pub loaded_at: String,
    pub loaded_by: String,
}

impl From<PlanVersionRow> for PlanVersionDto {
    fn from(v: PlanVersionRow) -> Self {
        Self {
            seq: v.seq,
            from_year: v.from_year,
            code: v.plan.code,
            name: v.plan.name,
            doc_no: v.plan.doc_no,
            loaded_at: format_ms(v.loaded_at),
            loaded_by: v.loaded_by_name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionsResponse {
    /// The versions loaded after the original plan, in the order loaded. The plan in force for a
    /// year Y is the one with the latest `from_year` ≤ Y (of two for one year, the higher `seq`),
    /// else the original plan.
    pub versions: Vec<PlanVersionDto>,
}

/// The plan's versions (any user who reads the plan: the bureau, HQ, schools, towns, villages).
#[utoipa::path(get, path = "/api/v1/plan/versions", tag = "organisations", security(("bearer" = [])),
    responses(
        (status = 200, body = PlanVersionsResponse),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Administrators do not read business data", body = ErrorBody),
        (status = 404, description = "No plan is loaded", body = ErrorBody),
    ))]
pub async fn list_plan_versions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<PlanVersionsResponse>, ApiError> {
    let rows = plan_versions::list_versions(&state.store, &state.plans, &user).await?;
    Ok(Json(PlanVersionsResponse {
        versions: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadPlanVersionBody {
    /// The plan file's text (TOML, as `xiaodi plan check` reads it), at most 256 KiB.
    #[serde(default)]
    pub plan_toml: String,
    /// The first calendar year the version is in force (2000–2100, not before the plan's groups
    /// start).
    pub from_year: Option<i64>,
    /// Load even though the version replaces one for the same year or changes verdicts of a year
    /// that has begun (a 409 without it says what would change).
    #[serde(default)]
    pub confirm: bool,
}

/// The API names the body's fields, not the form's labels.
fn json_fields(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(errors) => ServiceError::Invalid(FieldErrors(
            errors
                .0
                .into_iter()
                .map(|f| FieldError {
                    field: match f.field {
                        FILE_FIELD => "plan_toml",
                        YEAR_FIELD => "from_year",
                        other => other,
                    },
                    message: f.message,
                })
                .collect(),
        )),
        other => other,
    }
}

/// The bureau loads a new version of the plan, in force from `from_year`. The text is checked
/// whole (every problem listed in `fields`); nothing is stored on any error.
#[utoipa::path(post, path = "/api/v1/plan/versions", tag = "organisations", security(("bearer" = [])),
    request_body = LoadPlanVersionBody,
    responses(
        (status = 201, description = "Loaded", body = PlanVersionDto),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only the bureau loads plan versions", body = ErrorBody),
        (status = 404, description = "No plan is loaded", body = ErrorBody),
        (status = 409, description = "It would replace a version for the same year or change a year that has begun: send again with confirm = true", body = ErrorBody),
        (status = 422, description = "The plan file or the year is wrong (each problem named)", body = ErrorBody),
    ))]
pub async fn load_plan_version(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<LoadPlanVersionBody>, JsonRejection>,
) -> Result<(StatusCode, Json<PlanVersionDto>), ApiError> {
    user.require(&[crate::domain::user::Role::Bureau])?;
    let Json(body) = body.map_err(super::json_rejection)?;
    let from_year = body.from_year.map(|y| y.to_string()).unwrap_or_default();
    let req = LoadRequest {
        text: body.plan_toml.as_bytes(),
        from_year: &from_year,
        confirmed: body.confirm,
    };
    let outcome = plan_versions::load_version(
        &state.store,
        &state.plans,
        &user,
        &req,
        state.clock.now_ms(),
        state.clock.today(),
    )
    .await
    .map_err(json_fields)?;
    match outcome {
        LoadOutcome::NeedsConfirmation(c) => Err(ServiceError::Conflict(format!(
            "请确认后再载入（confirm = true）：{}",
            c.warnings.join("；")
        ))
        .into()),
        LoadOutcome::Loaded { seq, .. } => {
            let row = plan_versions::list_versions(&state.store, &state.plans, &user)
                .await?
                .into_iter()
                .find(|v| v.seq == seq)
                .ok_or(ServiceError::NotFound)?;
            Ok((StatusCode::CREATED, Json(row.into())))
        }
    }
}
