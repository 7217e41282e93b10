//! Reading a multipart form (fields and files) after checking its CSRF token.

use crate::http::AppError;
use crate::http::auth::constant_time_eq;
use crate::http::multipart::read_parts;
use axum::extract::Multipart;

pub use crate::http::multipart::Submitted;

/// Reads every part; the form's `csrf_token` must match the session's.
pub async fn read_multipart(multipart: Multipart, csrf: &str) -> Result<Submitted, AppError> {
    let out = read_parts(multipart).await?;
    if !constant_time_eq(&out.text("csrf_token"), csrf) {
        return Err(AppError::Csrf);
    }
    Ok(out)
}
