//! The second factor through the API: the second step of signing in (setting up an
//! authenticator when the user has none), and an administrator's reset. The rules are
//! [`crate::services::second_factor`], shared with the web pages.

use super::json_rejection;
use crate::AppState;
use crate::domain::totp;
use crate::http::auth::{ApiUser, ClientInfo};
use crate::http::session::start_session;
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::second_factor::{self, SecondFactorError};
use crate::store::{SessionKind, UserRow};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The password was right; no session yet.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorRequired {
    /// Always `true`.
    pub second_factor_required: bool,
    /// Send it with a code to `POST /api/v1/auth/second-factor`. Good for `expires_in_seconds`
    /// and a few wrong codes.
    pub pending_token: String,
    pub expires_in_seconds: i64,
    /// Present when the user has no authenticator yet: add this one to an authenticator app,
    /// then send its current code to complete both the set-up and the sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolment: Option<EnrolmentBody>,
}

/// An authenticator to set up (RFC 6238: SHA-1, 6 digits, 30-second steps).
#[derive(Serialize, ToSchema)]
pub struct EnrolmentBody {
    /// The secret, base32.
    pub secret: String,
    /// The same as an `otpauth://totp/…` URI, for a QR code.
    pub otpauth_uri: String,
}

/// The API's answer to a right password for a role that gives a second factor.
pub(super) async fn begin_second_factor(
    state: &AppState,
    user: &UserRow,
    ip: &str,
) -> Result<SecondFactorRequired, Response> {
    let now = state.clock.now_ms();
    match second_factor::begin(&state.store, user, SessionKind::Api, "/", ip, now).await {
        Ok(started) => Ok(SecondFactorRequired {
            second_factor_required: true,
            pending_token: started.token,
            expires_in_seconds: totp::CHALLENGE_LIFETIME_MS / 1000,
            enrolment: started.enrolment.map(|e| EnrolmentBody {
                secret: e.secret,
                otpauth_uri: e.otpauth_uri,
            }),
        }),
        Err(e) => Err(error_response(e)),
    }
}

fn error_response(e: SecondFactorError) -> Response {
    let message = e.to_string();
    let (status, code) = match e {
        SecondFactorError::Store(e) => return ApiError(e.into()).into_response(),
        SecondFactorError::Invalid(f) => return ApiError(AppError::Invalid(f)).into_response(),
        SecondFactorError::Locked { .. } => (StatusCode::LOCKED, "locked"),
        SecondFactorError::WrongCode { .. } => (StatusCode::UNAUTHORIZED, "second_factor_wrong"),
        SecondFactorError::Expired | SecondFactorError::TooManyAttempts => {
            (StatusCode::UNAUTHORIZED, "second_factor_expired")
        }
        SecondFactorError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
    };
    let body = Json(ErrorBody::new(code, message));
    match e.retry_after_secs() {
        Some(secs) => (status, [(header::RETRY_AFTER, secs.to_string())], body).into_response(),
        None => (status, body).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    /// From the answer of `POST /api/v1/login`.
    pub pending_token: String,
    /// The 6 digits the authenticator shows now, or a recovery code (`ABCD-EFGH-JKLM-NPQR`).
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct SecondFactorResponse {
    /// Send as `Authorization: Bearer <token>`. It expires after `idle_timeout_seconds` without a
    /// request, and `lifetime_seconds` after sign-in however active.
    pub token: String,
    pub idle_timeout_seconds: i64,
    pub lifetime_seconds: i64,
    /// As for `POST /api/v1/login`: when true, every call but `POST /api/v1/account/password` and
    /// logout answers 403 `password_change_required` until the password is changed.
    pub must_change_password: bool,
    /// Only when this call set up the authenticator: ten one-time recovery codes, shown this
    /// once (only their hashes are kept). Empty otherwise.
    pub recovery_codes: Vec<String>,
}

/// Complete a sign-in with the code from the authenticator (the first code also completes its
/// set-up) or a recovery code. Each code is accepted once; wrong codes count, and five in a row
/// lock the second step for a while (15 minutes, doubling with each further five wrong codes
/// before a right one, at most 24 hours). Throttled like `POST /api/v1/login`, per address and
/// per user.
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "auth", request_body = SecondFactorRequest,
    responses(
        (status = 200, description = "Signed in", body = SecondFactorResponse),
        (status = 401, description = "`second_factor_wrong`: the code is wrong or was used already (try again); `second_factor_expired`: the pending token is unknown, expired or out of tries (sign in again)", body = ErrorBody),
        (status = 422, description = "Malformed request, or not a code at all", body = ErrorBody),
        (status = 423, description = "Too many wrong codes in a row; the message says until when", body = ErrorBody),
        (status = 429, description = "Too many tries from this address or for this user just now (`too_many_attempts`); nothing was checked. `Retry-After` says in how many seconds to try again", body = ErrorBody,
            headers(("Retry-After" = i64, description = "Seconds until another try may be checked"))),
    ))]
pub async fn complete_second_factor(
    State(state): State<AppState>,
    client: ClientInfo,
    body: Result<Json<SecondFactorRequest>, JsonRejection>,
) -> Result<Json<SecondFactorResponse>, Response> {
    let Json(req) = body.map_err(|r| json_rejection(r).into_response())?;
    let done = second_factor::complete(
        &state.store,
        &state.signin,
        req.pending_token.trim(),
        SessionKind::Api,
        &req.code,
        &client.ip,
        state.clock.now_ms(),
    )
    .await
    .map_err(error_response)?;
    let session = start_session(&state, &done.user, SessionKind::Api, &client.ip, None)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok(Json(SecondFactorResponse {
        token: session.token,
        idle_timeout_seconds: crate::store::IDLE_TIMEOUT_MS / 1000,
        lifetime_seconds: state.config.session_lifetime_ms() / 1000,
        must_change_password: done.user.must_change_password,
        recovery_codes: done.recovery_codes,
    }))
}

/// Reset a user's second factor (a lost phone): their authenticator and recovery codes are
/// removed, their sessions end, and their next sign-in sets up a new authenticator. Not on
/// one's own account.
#[utoipa::path(delete, path = "/api/v1/users/{id}/second-factor", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    responses(
        (status = 204, description = "Reset"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No authenticator set up, or one's own account", body = ErrorBody),
    ))]
pub async fn reset_second_factor(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    second_factor::reset(&state.store, &user, &id, state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}
