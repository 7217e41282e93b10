//! Who is asking: sessions from the cookie (web) or the bearer token (API), the signed-in
//! [`Viewer`], CSRF checks for forms, and the origin check for every state-changing request.

use super::error::{ApiError, AppError};
use crate::AppState;
use crate::store::SessionKind;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// Who is signed in; defined with the access decisions that read it.
pub use crate::services::access::Viewer;

pub const SESSION_COOKIE: &str = "xiaodi_session";
pub const LOGIN_CSRF_COOKIE: &str = "xiaodi_login_csrf";

/// Where a request comes from: its address (for the audit log) and whether it came over https.
/// Behind a load balancer listed in `trusted_proxies`, both are read from X-Forwarded-For and
/// X-Forwarded-Proto; from anyone else those headers are ignored.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: String,
    pub https: bool,
}

impl ClientInfo {
    pub fn of(parts: &Parts, config: &crate::config::Config) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        // Compared as addresses: behind a dual-stack listener an IPv4 proxy shows as ::ffff:a.b.c.d.
        let canonical = |ip: &str| {
            ip.trim()
                .parse::<std::net::IpAddr>()
                .ok()
                .map(|a| a.to_canonical())
        };
        let trusted = |ip: &str| {
            let ip = canonical(ip);
            ip.is_some() && config.trusted_proxies.iter().any(|t| canonical(t) == ip)
        };
        let Some(peer) = peer else {
            return Self {
                ip: "unknown".into(),
                https: false,
            };
        };
        if !trusted(&peer.to_string()) {
            return Self {
                ip: peer.to_string(),
                https: false,
            };
        }
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        // The right-most address that is not one of our proxies is the client.
        let forwarded = header("x-forwarded-for")
            .split(',')
            .map(str::trim)
            .filter(|a| a.parse::<std::net::IpAddr>().is_ok())
            .rev()
            .find(|a| !trusted(a))
            .map(str::to_string);
        Self {
            ip: forwarded.unwrap_or_else(|| peer.to_string()),
            https: header("x-forwarded-proto").eq_ignore_ascii_case("https"),
        }
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientInfo::of(parts, &state.config))
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when served over https.
pub fn set_cookie(
    state: &AppState,
    client: &ClientInfo,
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if state.config.secure_cookies || client.https {
        c.push_str("; Secure");
    }
    c
}

/// Resolves a session token of the given kind to the user behind it.
async fn load_viewer(
    state: &AppState,
    token: &str,
    kind: SessionKind,
    ip: String,
) -> Result<Option<Viewer>, AppError> {
    let now = state.clock.now_ms();
    let lifetime = state.config.session_lifetime_ms();
    let Some((session, user)) = state
        .store
        .touch_session(token, kind, now, lifetime)
        .await?
    else {
        return Ok(None);
    };
    if !user.may_sign_in() {
        state.store.delete_session(&session.token_hash).await?;
        return Ok(None);
    }
    Ok(Some(Viewer {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        org_id: user.org_id,
        org_name: user.org_name,
        role: user.role,
        csrf_token: session.csrf_token,
        session_hash: session.token_hash,
        must_change_password: user.must_change_password,
        ip,
    }))
}

/// A signed-in web user; anyone else is sent to the login page.
pub struct WebUser(pub Viewer);

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(WebUser(v.clone()));
        }
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next = if parts.method == Method::GET {
                next
            } else {
                "/"
            };
            Redirect::to(&format!("/login?next={}", urlencode(next))).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(to_login());
        };
        let viewer = load_viewer(
            state,
            &token,
            SessionKind::Web,
            ClientInfo::of(parts, &state.config).ip,
        )
        .await
        .map_err(IntoResponse::into_response)?;
        let Some(viewer) = viewer else {
            return Err(to_login());
        };
        // A password set by someone else (first start, reset) must be changed before anything else.
        let path = parts.uri.path();
        if viewer.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(Redirect::to("/account/password").into_response());
        }
        parts.extensions.insert(viewer.clone());
        Ok(WebUser(viewer))
    }
}

/// A signed-in API caller (`Authorization: Bearer …`) who may use the API: one whose password
/// was set by someone else (first start, an administrator, a reset) or has expired is refused
/// with `password_change_required` until it is changed (`POST /api/v1/account/password`).
pub struct ApiUser(pub Viewer);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiSignedIn(viewer) = ApiSignedIn::from_request_parts(parts, state).await?;
        if viewer.must_change_password {
            return Err(ApiError(AppError::PasswordChangeRequired));
        }
        Ok(ApiUser(viewer))
    }
}

/// Any signed-in API caller, even one who must still change their password: for changing it
/// and for signing out.
pub struct ApiSignedIn(pub Viewer);

impl FromRequestParts<AppState> for ApiSignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
            .ok_or(ApiError(AppError::Unauthorized))?;
        let viewer = load_viewer(
            state,
            &token,
            SessionKind::Api,
            ClientInfo::of(parts, &state.config).ip,
        )
        .await?;
        viewer
            .map(ApiSignedIn)
            .ok_or(ApiError(AppError::Unauthorized))
    }
}

/// A submitted form from a signed-in user whose `csrf_token` field matches their session.
pub struct CsrfForm<T> {
    pub user: Viewer,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let WebUser(user) = WebUser::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1024 * 1024).await.map_err(|_| {
            AppError::Invalid(crate::domain::FieldError::new("表单", "内容过大")).into_response()
        })?;
        let field: CsrfField =
            serde_html_form::from_bytes(&bytes).map_err(|_| AppError::Csrf.into_response())?;
        if !constant_time_eq(&field.csrf_token, &user.csrf_token) {
            return Err(AppError::Csrf.into_response());
        }
        // serde_html_form: repeated keys (several checkboxes of one name) become a Vec.
        let form = serde_html_form::from_bytes(&bytes).map_err(|e| {
            AppError::Invalid(crate::domain::FieldError::new(
                "表单",
                format!("格式不正确：{e}"),
            ))
            .into_response()
        })?;
        Ok(CsrfForm { user, form })
    }
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses state-changing browser requests that come from another site, before any handler runs.
/// Forms also carry a per-session token ([`CsrfForm`]); this is the second, cheap layer.
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !req.uri().path().starts_with("/api/") {
        let headers = req.headers();
        if headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|s| s == "cross-site")
        {
            return AppError::Csrf.into_response();
        }
        if let (Some(origin), Some(host)) = (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin == "null" || origin_host != host {
                return AppError::Csrf.into_response();
            }
        }
    }
    next.run(req).await
}

/// HSTS whenever the platform is reached over https (a trusted proxy's `X-Forwarded-Proto`, or
/// `secure_cookies` for a deployment that is only ever served over https): browsers then refuse
/// plain http to it for a year.
pub async fn strict_transport(
    State(state): State<AppState>,
    client: ClientInfo,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    if state.config.secure_cookies || client.https {
        resp.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|q| q[1..].to_string())
        .unwrap_or_default()
}
