//! The second step of signing in on the web (a code from the authenticator app, or setting one
//! up), and an administrator's reset of someone's second factor. The rules are
//! [`crate::services::second_factor`], shared with the API.

use super::pages::{Chrome, render};
use super::session::{landing, login_again};
use crate::AppState;
use crate::clock::format_ms;
use crate::domain::totp;
use crate::http::AppError;
use crate::http::auth::{
    ClientInfo, CsrfForm, LOGIN_CSRF_COOKIE, SESSION_COOKIE, WebUser, constant_time_eq, cookie,
    set_cookie,
};
use crate::http::session::start_session;
use crate::services::second_factor::{self, Pending, SecondFactorError};
use crate::store::SessionKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The cookie of a sign-in between its password and its code: HttpOnly, five minutes.
pub const SECOND_FACTOR_COOKIE: &str = "xiaodi_second_factor";

/// After a right password: the browser carries the challenge's token to the second step.
pub(super) fn to_second_step(state: &AppState, client: &ClientInfo, token: &str) -> Response {
    (
        AppendHeaders([
            (
                header::SET_COOKIE,
                set_cookie(
                    state,
                    client,
                    SECOND_FACTOR_COOKIE,
                    token,
                    Some(totp::CHALLENGE_LIFETIME_MS / 1000),
                ),
            ),
            (
                header::SET_COOKIE,
                set_cookie(state, client, LOGIN_CSRF_COOKIE, "", Some(0)),
            ),
        ]),
        Redirect::to("/login/second-factor"),
    )
        .into_response()
}

/// Back to the login page with `message`: the challenge cookie cleared, a new form token set.
fn start_again(
    state: &AppState,
    client: &ClientInfo,
    username: &str,
    message: String,
) -> Result<Response, AppError> {
    let (csrf, page) = login_again(state, username, "/", message)?;
    Ok((
        StatusCode::UNAUTHORIZED,
        AppendHeaders([
            (
                header::SET_COOKIE,
                set_cookie(state, client, SECOND_FACTOR_COOKIE, "", Some(0)),
            ),
            (
                header::SET_COOKIE,
                set_cookie(state, client, LOGIN_CSRF_COOKIE, &csrf, Some(3600)),
            ),
        ]),
        page,
    )
        .into_response())
}

/// An authenticator to set up, as the page shows it.
struct EnrolmentView {
    qr_svg: String,
    secret: String,
    uri: String,
}

#[derive(Template)]
#[template(path = "pages/second_factor.html")]
struct SecondFactorPage {
    chrome: Chrome,
    csrf: String,
    username: String,
    enrolment: Option<EnrolmentView>,
    error: Option<String>,
    attempts_left: i64,
    expires_at: String,
    lifetime_minutes: i64,
    digits: u32,
}

fn second_factor_page(pending: Pending, error: Option<String>) -> SecondFactorPage {
    SecondFactorPage {
        chrome: Chrome::anonymous(),
        csrf: pending.csrf_token,
        username: pending.username,
        enrolment: pending.enrolment.map(|e| EnrolmentView {
            qr_svg: super::qr::svg(&e.otpauth_uri, 220, "用身份验证器扫描此二维码")
                .unwrap_or_default(),
            secret: totp::grouped(&e.secret),
            uri: e.otpauth_uri,
        }),
        error,
        attempts_left: pending.attempts_left,
        expires_at: format_ms(pending.expires_at),
        lifetime_minutes: totp::CHALLENGE_LIFETIME_MS / 60_000,
        digits: totp::DIGITS,
    }
}

#[derive(Template)]
#[template(path = "pages/recovery_codes.html")]
struct RecoveryCodesPage {
    chrome: Chrome,
    codes: Vec<String>,
    target: String,
}

pub async fn second_factor_form(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(token) = cookie(&headers, SECOND_FACTOR_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(Redirect::to("/login").into_response());
    };
    match second_factor::pending(&state.store, token, SessionKind::Web, state.clock.now_ms()).await
    {
        Ok(pending) => Ok(render(&second_factor_page(pending, None))?.into_response()),
        Err(SecondFactorError::Store(e)) => Err(e.into()),
        Err(e) => start_again(&state, &client, "", e.to_string()),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn submit_second_factor(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now_ms();
    let expired = || SecondFactorError::Expired.to_string();
    let Some(token) = cookie(&headers, SECOND_FACTOR_COOKIE).filter(|t| !t.is_empty()) else {
        return start_again(&state, &client, "", expired());
    };
    let pending = match second_factor::pending(&state.store, token, SessionKind::Web, now).await {
        Ok(p) => p,
        Err(SecondFactorError::Store(e)) => return Err(e.into()),
        Err(e) => return start_again(&state, &client, "", e.to_string()),
    };
    if !constant_time_eq(&pending.csrf_token, &form.csrf_token) {
        return Err(AppError::Csrf);
    }
    let username = pending.username.clone();
    let done = second_factor::complete(
        &state.store,
        &state.signin,
        token,
        SessionKind::Web,
        &form.code,
        &client.ip,
        now,
    )
    .await;
    let done = match done {
        Ok(done) => done,
        Err(
            e @ (SecondFactorError::WrongCode { .. }
            | SecondFactorError::Invalid(_)
            | SecondFactorError::Throttled { .. }),
        ) => {
            let status = match e {
                SecondFactorError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                // As the login page: 429, and when to try again.
                SecondFactorError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            let retry_after = e.retry_after_secs();
            // The page again, with the tries that are left.
            let pending =
                match second_factor::pending(&state.store, token, SessionKind::Web, now).await {
                    Ok(p) => p,
                    Err(SecondFactorError::Store(e)) => return Err(e.into()),
                    Err(e) => return start_again(&state, &client, &username, e.to_string()),
                };
            let page = render(&second_factor_page(pending, Some(e.to_string())))?;
            return Ok(match retry_after {
                Some(secs) => {
                    (status, [(header::RETRY_AFTER, secs.to_string())], page).into_response()
                }
                None => (status, page).into_response(),
            });
        }
        Err(SecondFactorError::Store(e)) => return Err(e.into()),
        Err(e) => return start_again(&state, &client, &username, e.to_string()),
    };
    let old = cookie(&headers, SESSION_COOKIE);
    let session = start_session(&state, &done.user, SessionKind::Web, &client.ip, old).await?;
    let target = landing(&done.user, &done.next_path);
    let cookies = AppendHeaders([
        (
            header::SET_COOKIE,
            set_cookie(&state, &client, SESSION_COOKIE, &session.token, None),
        ),
        (
            header::SET_COOKIE,
            set_cookie(&state, &client, SECOND_FACTOR_COOKIE, "", Some(0)),
        ),
    ]);
    if done.recovery_codes.is_empty() {
        return Ok((cookies, Redirect::to(&target)).into_response());
    }
    // Just set up: the recovery codes, shown this once.
    let page = RecoveryCodesPage {
        chrome: Chrome::anonymous(),
        codes: done.recovery_codes,
        target,
    };
    Ok((cookies, render(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "pages/second_factor_reset.html")]
struct ResetPage {
    chrome: Chrome,
    id: String,
    username: String,
    display_name: String,
    org_name: String,
    role: &'static str,
    enrolled: bool,
    recovery_codes_left: i64,
    done: bool,
}

pub async fn reset_form(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let status = second_factor::status(&state.store, &user, &id).await?;
    Ok(render(&ResetPage {
        chrome: Chrome::new(&user, "users"),
        id: status.user.id.to_string(),
        username: status.user.username,
        display_name: status.user.display_name,
        org_name: status.user.org_name,
        role: status.user.role.label(),
        enrolled: status.enrolled,
        recovery_codes_left: status.recovery_codes_left,
        done: false,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct Confirm {}

pub async fn reset(
    State(state): State<AppState>,
    Path(id): Path<String>,
    f: CsrfForm<Confirm>,
) -> Result<Response, AppError> {
    let target = second_factor::reset(&state.store, &f.user, &id, state.clock.now_ms()).await?;
    Ok(render(&ResetPage {
        chrome: Chrome::new(&f.user, "users"),
        id: target.id.to_string(),
        username: target.username,
        display_name: target.display_name,
        org_name: target.org_name,
        role: target.role.label(),
        enrolled: false,
        recovery_codes_left: 0,
        done: true,
    })?
    .into_response())
}
