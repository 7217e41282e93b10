//! 操作手册 through the API: the guide as a docx, the same file as the web's `/guide.docx`.

use crate::AppState;
use crate::http::auth::ApiUser;
use crate::http::{ApiError, ErrorBody};
use crate::services::guide;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The user guide (操作手册) as a Word document in the official layout (GB/T 9704): a chapter
/// per role — what to do each month, each year and at any time, the page and the clause of the
/// plan of each step — with the screenshots. Any signed-in user.
#[utoipa::path(get, path = "/api/v1/guide.docx", tag = "meta", security(("bearer" = [])),
    responses(
        (status = 200, description = "The docx", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, body = ErrorBody),
    ))]
pub async fn get_guide_docx(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> Result<Response, ApiError> {
    let today = state.clock.today();
    let plan = guide::plan(&state.store, &state.plans, today).await?;
    let bytes = guide::docx(&plan, today)?;
    let encoded = crate::http::auth::urlencode(guide::GUIDE_DOCX_NAME).replace('+', "%20");
    Ok((
        [
            (header::CONTENT_TYPE, super::summaries::DOCX.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"guide.docx\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}
