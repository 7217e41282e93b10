//! The whole application's router: the web pages, the JSON API under `/api`, `/healthz`, the
//! static files, and the layers every response passes through. The one place that knows both
//! `web` and `api`.

use crate::AppState;
use crate::http::AppError;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Every route of the platform.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::web::router())
        .nest("/api", crate::api::router())
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/static/{*path}", get(static_file))
        .fallback(|| async { AppError::NotFound })
        // The page header's bell: the signed-in user's unread notifications.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::reminders::unread_bell,
        ))
        .layer(axum::middleware::from_fn(
            crate::http::text::refuse_forbidden_text,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::auth::strict_transport,
        ))
        .layer(axum::middleware::from_fn(
            crate::http::auth::same_origin_only,
        ))
        // Uploads are limited to the sheet size here; attachment uploads get their own limit.
        .layer(DefaultBodyLimit::max(
            crate::imports::MAX_SHEET_BYTES + 64 * 1024,
        ))
        // Response headers an MLPS assessor checks for: no framing, no sniffing, no inline script.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Pages carry personal data and one-time passwords: no copies in shared caches or history.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::new())
        // Every error a page answers with, in Chinese and in the site's layout; a GET on a
        // form's POST address back to the form's page; JSON under /api.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::errors::error_pages,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// 200 with a constant body while the process serves requests (a liveness probe, and the bare
/// handler the benchmark compares the pages against: no database, no session, no template).
async fn livez() -> &'static str {
    "ok"
}

/// 200 when the database answers, 503 when it does not (for load balancers and monitors).
async fn healthz(State(state): State<AppState>) -> Response {
    if state.store.ping().await {
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ok" })),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "database unavailable" })),
        )
            .into_response()
    }
}

async fn static_file(Path(path): Path<String>) -> Response {
    match crate::assets::Assets::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_string()),
                (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
            ],
            file.data,
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}
