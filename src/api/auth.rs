//! Signing in and out of the API, and changing one's own password.

use super::json_rejection;
use super::second_factor::{SecondFactorRequired, begin_second_factor};
use crate::AppState;
use crate::domain::FieldError;
use crate::http::auth::{ApiSignedIn, ClientInfo};
use crate::http::session::{LoginError, authenticate, start_session};
use crate::http::{ApiError, AppError, ErrorBody};
use crate::services::second_factor;
use crate::services::signin::{OwnAccount, PasswordChangeError, change_own_password};
use crate::store::SessionKind;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Unknown fields are refused (422), so a misspelt one is not silently ignored.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. It expires after `idle_timeout_seconds` without a
    /// request, and `lifetime_seconds` after sign-in however active.
    pub token: String,
    pub idle_timeout_seconds: i64,
    pub lifetime_seconds: i64,
    /// When true, the password was set by someone else (first start, an administrator, a reset)
    /// or has expired: every call but `POST /api/v1/account/password` and logout answers 403
    /// `password_change_required` until it is changed.
    pub must_change_password: bool,
}

/// A 429 with `Retry-After`, or another refusal of a sign-in, as `{error, message}`.
fn refusal(state: &AppState, e: LoginError) -> Response {
    let now = state.clock.now_ms();
    let e = match e {
        LoginError::Internal(err) => return ApiError(err).into_response(),
        e => e,
    };
    let (status, code) = match &e {
        LoginError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        LoginError::BadCredentials => (StatusCode::UNAUTHORIZED, "unauthorized"),
        LoginError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, "locked"),
        LoginError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
        LoginError::Dormant => (StatusCode::FORBIDDEN, "account_disabled"),
    };
    let body = Json(ErrorBody::new(code, e.message()));
    match e.retry_after_secs(now) {
        Some(secs) => (status, [(header::RETRY_AFTER, secs.to_string())], body).into_response(),
        None => (status, body).into_response(),
    }
}

/// What a right password gets: a token, or (for roles that give a second factor) a pending
/// token to complete with a code at `POST /api/v1/auth/second-factor`.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    SignedIn(LoginResponse),
    SecondFactor(SecondFactorRequired),
}

/// Sign in and get a bearer token. Users of the roles the `two_factor_roles` setting lists get a
/// pending token instead, and give a code from their authenticator (setting one up first, when
/// `enrolment` is present) at `POST /api/v1/auth/second-factor`.
#[utoipa::path(post, path = "/api/v1/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in (see `must_change_password`), or a second factor is required", body = LoginAnswer),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 403, description = "MLPS profile: the account was unused for 90 days and is now disabled (`account_disabled`)", body = ErrorBody),
        (status = 422, description = "Malformed request", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address or for this name (`too_many_attempts`), or the name is locked after five failures in a row (`locked`); `Retry-After` says in how many seconds to try again", body = ErrorBody,
            headers(("Retry-After" = i64, description = "Seconds until another attempt may succeed"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginAnswer>, Response> {
    let Json(req) = body.map_err(|r| json_rejection(r).into_response())?;
    let ip = client.ip;
    match authenticate(&state, &req.username, &req.password, &ip).await {
        Ok(user) if second_factor::required(&state.config, user.role) => {
            begin_second_factor(&state, &user, &ip)
                .await
                .map(|r| Json(LoginAnswer::SecondFactor(r)))
        }
        Ok(user) => {
            let session = start_session(&state, &user, SessionKind::Api, &ip, None)
                .await
                .map_err(|e| ApiError(e).into_response())?;
            Ok(Json(LoginAnswer::SignedIn(LoginResponse {
                token: session.token,
                idle_timeout_seconds: crate::store::IDLE_TIMEOUT_MS / 1000,
                lifetime_seconds: state.config.session_lifetime_ms() / 1000,
                must_change_password: user.must_change_password,
            })))
        }
        Err(e) => Err(refusal(&state, e)),
    }
}

/// End the session of the token sent.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
) -> Result<StatusCode, ApiError> {
    state.store.delete_session(&user.session_hash).await?;
    let entry = crate::store::AuditEntry {
        action: "logout",
        entity: "user",
        entity_id: Some(user.user_id.as_str()),
        before: None,
        after: None,
    };
    state
        .store
        .audit(&user.actor(), state.clock.now_ms(), entry)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// 8–128 characters of at least three of upper case, lower case, digits and symbols; not
    /// containing the user name; not a common password or a variant of one.
    pub new_password: String,
}

/// Change one's own password (also when it must be changed before anything else). Every other
/// session of the user ends; this token stays valid.
#[utoipa::path(post, path = "/api/v1/account/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "The current password is wrong (field 当前密码), or the new one is refused (field 密码 or 新密码)", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords in a row: the name is locked and every session of the user has ended", body = ErrorBody,
            headers(("Retry-After" = i64, description = "Seconds until the lock ends"))),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiSignedIn(user): ApiSignedIn,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, Response> {
    let Json(req) = body.map_err(|r| json_rejection(r).into_response())?;
    let now = state.clock.now_ms();
    let who = OwnAccount {
        user_id: &user.user_id,
        session_hash: &user.session_hash,
        actor: user.actor(),
    };
    match change_own_password(
        &state.store,
        now,
        who,
        &req.current_password,
        &req.new_password,
    )
    .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(PasswordChangeError::WrongCurrent) => {
            Err(ApiError(AppError::Invalid(FieldError::new("当前密码", "不正确"))).into_response())
        }
        Err(PasswordChangeError::Invalid(e)) => Err(ApiError(AppError::Invalid(e)).into_response()),
        Err(PasswordChangeError::Locked { until_ms }) => {
            Err(refusal(&state, LoginError::Locked { until_ms }))
        }
        Err(PasswordChangeError::Store(e)) => Err(ApiError(e.into()).into_response()),
    }
}
