//! Signing in and out of the API.

use super::json_rejection;
use super::second_factor::{SecondFactorRequired, begin_second_factor};
use crate::AppState;
use crate::http::auth::{ApiUser, ClientInfo};
use crate::http::session::{LoginError, authenticate, start_session};
use crate::http::{ApiError, ErrorBody};
use crate::services::second_factor;
use crate::store::SessionKind;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
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
    /// Send as `Authorization: Bearer <token>`. It expires after `idle_timeout_seconds` without a request.
    pub token: String,
    pub idle_timeout_seconds: i64,
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
        (status = 200, description = "Signed in, or a second factor is required", body = LoginAnswer),
        (status = 401, description = "Wrong user name or password", body = ErrorBody),
        (status = 403, description = "The initial password must first be changed on the web", body = ErrorBody),
        (status = 422, description = "Malformed request", body = ErrorBody),
        (status = 423, description = "Locked after too many failed attempts in a row (of the password or of the second factor); the message says until when", body = ErrorBody),
        (status = 429, description = "Too many sign-in attempts from this address or for this name; try again after `Retry-After` seconds", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Json<LoginAnswer>, Response> {
    let Json(req) = body.map_err(|r| json_rejection(r).into_response())?;
    let ip = client.ip;
    match authenticate(&state, &req.username, &req.password, &ip).await {
        Ok(user) if user.must_change_password => {
            // A password set by someone else (first start, reset, bulk import) is changed on the web first.
            Err((
                StatusCode::FORBIDDEN,
                Json(ErrorBody::new(
                    "password_change_required",
                    "请先在网页上修改初始密码，再使用接口",
                )),
            )
                .into_response())
        }
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
            })))
        }
        Err(LoginError::Internal(e)) => Err(ApiError(e).into_response()),
        Err(e @ LoginError::Locked { .. }) => Err((
            StatusCode::LOCKED,
            Json(ErrorBody::new("locked", e.message())),
        )
            .into_response()),
        Err(e) => Err((
            StatusCode::UNAUTHORIZED,
            Json(ErrorBody::new("unauthorized", e.message())),
        )
            .into_response()),
    }
}

/// End the session of the token sent.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
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
