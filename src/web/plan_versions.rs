//! Loading a new version of the plan (the bureau), on the plan page: the file and the year it
//! applies from; every problem listed; a confirmation before it replaces anything.

use super::orgs::{VersionConfirm, VersionForm, plan_page};
use super::pages::render;
use crate::AppState;
use crate::http::AppError;
use crate::http::auth::WebUser;
use crate::services::ServiceError;
use crate::services::plan_versions::{self, FILE_FIELD, LoadOutcome, LoadRequest, YEAR_FIELD};
use crate::web::forms::{ErrorSummary, saved_redirect};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// A GET of the form's address (a reload after an error): the plan page.
pub async fn back_to_plan() -> Redirect {
    Redirect::to("/plan#versions")
}

/// The form's submit: a file (`file`) or, once confirming, the checked text carried by the
/// confirmation (`plan_toml`), the year (`from_year`) and `confirm`.
pub async fn load_plan_version(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    user.require(&[crate::domain::user::Role::Bureau])?;
    let mut form = super::multipart::read_multipart(multipart, &user.csrf_token).await?;
    let from_year = form.text("from_year");
    let upload = form
        .take_files("file")
        .into_iter()
        .next()
        .filter(|f| !f.bytes.is_empty());
    let had_file = upload.is_some();
    // A confirmation counts only for the text it was shown with, never for a new file.
    let (bytes, confirmed) = match upload {
        Some(f) => (f.bytes, false),
        None => (
            form.text("plan_toml").into_bytes(),
            form.text("confirm") == "1",
        ),
    };
    let req = LoadRequest {
        text: &bytes,
        from_year: &from_year,
        confirmed,
    };
    let today = state.clock.today();
    let outcome = plan_versions::load_version(
        &state.store,
        &state.plans,
        &user,
        &req,
        state.clock.now_ms(),
        today,
    )
    .await;
    match outcome {
        Ok(LoadOutcome::Loaded { .. }) => Ok(saved_redirect("/plan", "plan_version_loaded")),
        Ok(LoadOutcome::NeedsConfirmation(checked)) => {
            let form = VersionForm {
                from_year: checked.from_year.to_string(),
                summary: None,
                confirm: Some(VersionConfirm {
                    warnings: checked.warnings,
                    description: checked.plan.summary(),
                    plan_toml: checked.text,
                }),
            };
            Ok(render(&plan_page(&state, &user, form).await?)?.into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let summary =
                ErrorSummary::new(&errors, &[(FILE_FIELD, "file"), (YEAR_FIELD, "from_year")]);
            let form = VersionForm {
                from_year,
                summary: Some(summary.with_files_dropped(had_file)),
                confirm: None,
            };
            let page = plan_page(&state, &user, form).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
