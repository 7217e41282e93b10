//! The web UI (server-rendered HTML, works without JavaScript) and the router that shows every route.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod error;
pub mod groups;
pub mod import;
pub mod multipart;
pub mod orgs;
pub mod pages;
pub mod session;
pub mod workspace;

use crate::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;

/// The largest request body of the routes that take attachments: a few files of the plan's
/// per-file limit (20 MB in the Dongguan plan, checked per file with a clear message).
const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// Every route of the platform.
pub fn router(state: AppState) -> Router {
    let web = Router::new()
        .route("/", get(groups::list_groups))
        .route("/groups/export.xlsx", get(groups::export_groups))
        .route("/groups/{id}", get(workspace::get_group))
        .route(
            "/groups/{id}/agreement",
            get(workspace::agreement::get_agreement)
                .post(workspace::agreement::save_agreement)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/team",
            get(workspace::team::get_team).post(workspace::team::add_member),
        )
        .route(
            "/groups/{id}/team/export.xlsx",
            get(workspace::team::export_team),
        )
        .route(
            "/groups/{id}/team/{member}/leave",
            get(workspace::team::leave_form).post(workspace::team::leave),
        )
        .route(
            "/groups/{id}/onsite",
            get(workspace::onsite::list_onsite).post(workspace::onsite::add_entry),
        )
        .route(
            "/groups/{id}/onsite/export.xlsx",
            get(workspace::onsite::export_onsite),
        )
        .route(
            "/groups/{id}/onsite/import",
            post(workspace::onsite::import_onsite),
        )
        .route(
            "/groups/{id}/onsite/{entry}/delete",
            get(workspace::onsite::delete_form).post(workspace::onsite::delete_entry),
        )
        .route(
            "/groups/{id}/onsite/{entry}/confirm",
            post(workspace::onsite::confirm_entry),
        )
        .route(
            "/groups/{id}/bases",
            get(workspace::bases::list_bases)
                .post(workspace::bases::add_base)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/groups/{id}/bases/export.xlsx",
            get(workspace::bases::export_bases),
        )
        .route("/files/{id}", get(workspace::download_file))
        .route("/organisations", get(orgs::list_organisations))
        .route(
            "/organisations/export.xlsx",
            get(orgs::export_organisations),
        )
        .route("/regions", get(orgs::list_regions))
        .route("/plan", get(orgs::get_plan))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route(
            "/account/password",
            get(session::password_form).post(session::change_password),
        )
        .route(
            "/import/pairings",
            get(import::pairings_form).post(import::import_pairings),
        )
        .route(
            "/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/admin/users/new", get(admin::user_form))
        .route("/admin/users/import", post(admin::import_users))
        .route("/admin/users/export.xlsx", get(admin::export_users))
        .route(
            "/admin/users/{id}/{action}",
            get(admin::confirm_action).post(admin::apply_action),
        )
        .route("/audit", get(audit::list_audit))
        .route("/audit/export.xlsx", get(audit::export_audit));

    Router::new()
        .merge(web)
        .nest("/api", crate::api::router())
        .route("/healthz", get(healthz))
        .route("/static/{*path}", get(static_file))
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn(auth::same_origin_only))
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
        .layer(TraceLayer::new_for_http())
        .with_state(state)
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

#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
struct Assets;

async fn static_file(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
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
