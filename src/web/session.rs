//! The sign-in and password pages: the forms and their answers. Checking the password and
//! starting the session is [`crate::http::session`], shared with the API.

use super::pages::{Chrome, render};
use crate::AppState;
use crate::domain::user::Role;
use crate::domain::{FieldError, FieldErrors};
use crate::http::AppError;
use crate::http::auth::{
    ClientInfo, CsrfForm, LOGIN_CSRF_COOKIE, SESSION_COOKIE, WebUser, constant_time_eq, cookie,
    set_cookie,
};
use crate::http::session::{LoginError, authenticate, policy_notice, start_session};
use crate::services::second_factor::{self, SecondFactorError};
use crate::services::signin::{OwnAccount, PasswordChangeError, change_own_password};
use crate::store::random_token;
use crate::store::{AuditEntry, SessionKind, UserRow};
use crate::web::forms::ErrorSummary;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    /// The lock-out and the session time-outs, as configured.
    policy: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only local paths may be redirected to after login.
/// Only a path on this site: no scheme or host, no `//` or `/\` (browsers read both as another
/// host), no whitespace or control characters (browsers drop tabs, so `/\t/evil` becomes `//evil`).
pub fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        let mut chars = n.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/') | Some('\\'))
            && !n
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
            && n.parse::<axum::http::Uri>()
                .is_ok_and(|u| u.scheme().is_none() && u.authority().is_none())
    };
    match next {
        Some(n) if ok(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    client: ClientInfo,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let csrf = random_token();
    let page = LoginPage {
        chrome: Chrome::anonymous(),
        csrf: csrf.clone(),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
        policy: policy_notice(&state.config),
    };
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(&state, &client, LOGIN_CSRF_COOKIE, &csrf, Some(3600)),
        )],
        render(&page)?,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    // Login CSRF: the form's token must match the cookie set with the form.
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if !constant_time_eq(expected, &form.csrf_token) {
        return Err(AppError::Csrf);
    }
    let ip = client.ip.clone();
    match authenticate(&state, &form.username, &form.password, &ip).await {
        // Roles that the setting lists give a code before the session starts (等保 8.1.4.1).
        Ok(user) if second_factor::required(&state.config, user.role) => {
            let next = safe_next(Some(&form.next));
            let now = state.clock.now_ms();
            match second_factor::begin(&state.store, &user, SessionKind::Web, &next, &ip, now).await
            {
                Ok(started) => Ok(super::second_factor::to_second_step(
                    &state,
                    &client,
                    &started.token,
                )),
                Err(SecondFactorError::Store(e)) => Err(e.into()),
                Err(e) => {
                    let page = LoginPage {
                        chrome: Chrome::anonymous(),
                        csrf: form.csrf_token,
                        next,
                        username: user.username,
                        error: Some(e.to_string()),
                        policy: policy_notice(&state.config),
                    };
                    Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response())
                }
            }
        }
        Ok(user) => {
            // A new session id at every sign-in; the one the browser brought (if any) ends here.
            let old = cookie(&headers, SESSION_COOKIE);
            let session = start_session(&state, &user, SessionKind::Web, &ip, old).await?;
            let target = landing(&user, &form.next);
            Ok((
                // AppendHeaders: both cookies must be sent (a plain array would keep only the last).
                AppendHeaders([
                    (
                        header::SET_COOKIE,
                        set_cookie(&state, &client, SESSION_COOKIE, &session.token, None),
                    ),
                    (
                        header::SET_COOKIE,
                        set_cookie(&state, &client, LOGIN_CSRF_COOKIE, "", Some(0)),
                    ),
                ]),
                Redirect::to(&target),
            )
                .into_response())
        }
        Err(LoginError::Internal(e)) => Err(e),
        Err(e) => {
            let page = LoginPage {
                chrome: Chrome::anonymous(),
                csrf: form.csrf_token,
                next: safe_next(Some(&form.next)),
                username: form.username.trim().to_string(),
                error: Some(e.message()),
                policy: policy_notice(&state.config),
            };
            let html = render(&page)?;
            Ok(match e.retry_after_secs(state.clock.now_ms()) {
                // Too many attempts (or a locked name): 429, and when to try again.
                Some(secs) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, secs.to_string())],
                    html,
                )
                    .into_response(),
                None if matches!(e, LoginError::Dormant) => {
                    (StatusCode::FORBIDDEN, html).into_response()
                }
                None => (StatusCode::UNAUTHORIZED, html).into_response(),
            })
        }
    }
}

/// Where a user lands once signed in: the password page when a change is due, an
/// administrator's own page, or where they were going.
pub(super) fn landing(user: &UserRow, next: &str) -> String {
    match user.role {
        _ if user.must_change_password => "/account/password".to_string(),
        Role::Sysadmin => "/admin/users".to_string(),
        Role::Secadmin => "/admin/approvals".to_string(),
        Role::Auditor => "/audit".to_string(),
        _ => safe_next(Some(next)),
    }
}

/// The login page with a message, for a sign-in that has to start again (a second step that
/// expired or ran out of tries): its form token, to set as the login CSRF cookie, and the page.
pub(super) fn login_again(
    state: &AppState,
    username: &str,
    next: &str,
    message: String,
) -> Result<(String, axum::response::Html<String>), AppError> {
    let csrf = random_token();
    let page = render(&LoginPage {
        chrome: Chrome::anonymous(),
        csrf: csrf.clone(),
        next: safe_next(Some(next)),
        username: username.to_string(),
        error: Some(message),
        policy: policy_notice(&state.config),
    })?;
    Ok((csrf, page))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    f: CsrfForm<Empty>,
) -> Result<Response, AppError> {
    state.store.delete_session(&f.user.session_hash).await?;
    state
        .store
        .audit(
            &f.user.actor(),
            state.clock.now_ms(),
            AuditEntry {
                action: "logout",
                entity: "user",
                entity_id: Some(f.user.user_id.as_str()),
                before: None,
                after: None,
            },
        )
        .await?;
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(&state, &client, SESSION_COOKIE, "", Some(0)),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "pages/password.html")]
struct PasswordPage {
    chrome: Chrome,
    forced: bool,
    summary: Option<ErrorSummary>,
    done: bool,
}

/// The password form's fields, by the label their errors use.
const PASSWORD_FIELDS: &[(&str, &str)] = &[
    ("当前密码", "current"),
    ("新密码", "new_password"),
    ("密码", "new_password"),
    ("确认密码", "confirm"),
];

pub async fn password_form(WebUser(user): WebUser) -> Result<Response, AppError> {
    let forced = user.must_change_password;
    Ok(render(&PasswordPage {
        chrome: Chrome::new(&user, "password"),
        forced,
        summary: None,
        done: false,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    client: ClientInfo,
    f: CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let user = f.user;
    let form = f.form;
    let forced = user.must_change_password;
    let fail = |errors: FieldErrors| -> Result<Response, AppError> {
        let page = PasswordPage {
            chrome: Chrome::new(&user, "password"),
            forced,
            summary: Some(ErrorSummary::new(&errors, PASSWORD_FIELDS)),
            done: false,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    if form.new_password != form.confirm {
        return fail(FieldError::new("确认密码", "两次输入的新密码不一致").into());
    }
    let now = state.clock.now_ms();
    let who = OwnAccount {
        user_id: &user.user_id,
        session_hash: &user.session_hash,
        actor: user.actor(),
    };
    match change_own_password(&state.store, now, who, &form.current, &form.new_password).await {
        Ok(()) => {}
        Err(PasswordChangeError::Locked { until_ms }) => {
            let e = LoginError::Locked { until_ms };
            // Signed out, on a login page whose form works once the lock ends.
            let csrf = random_token();
            return Ok((
                StatusCode::TOO_MANY_REQUESTS,
                AppendHeaders([
                    (
                        header::SET_COOKIE,
                        set_cookie(&state, &client, SESSION_COOKIE, "", Some(0)),
                    ),
                    (
                        header::SET_COOKIE,
                        set_cookie(&state, &client, LOGIN_CSRF_COOKIE, &csrf, Some(3600)),
                    ),
                    (
                        header::RETRY_AFTER,
                        e.retry_after_secs(now).unwrap_or(1).to_string(),
                    ),
                ]),
                render(&LoginPage {
                    chrome: Chrome::anonymous(),
                    csrf,
                    next: "/".into(),
                    username: user.username.clone(),
                    error: Some(e.message()),
                    policy: policy_notice(&state.config),
                })?,
            )
                .into_response());
        }
        Err(PasswordChangeError::WrongCurrent) => {
            return fail(FieldError::new("当前密码", "不正确").into());
        }
        Err(PasswordChangeError::Invalid(e)) => return fail(e.into()),
        Err(PasswordChangeError::Store(e)) => return Err(e.into()),
    }
    let mut viewer = user.clone();
    viewer.must_change_password = false;
    let page = PasswordPage {
        chrome: Chrome::new(&viewer, "password"),
        forced: false,
        summary: None,
        done: true,
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        for ok in ["/", "/groups/abc", "/organisations?kind=town&page=2"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n",
            "https://evil.example",
            "evil",
            "",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
