//! HTTP plumbing shared by the web pages and the JSON API: the one [`AppError`] with its HTML and
//! JSON renderings, who is asking (extractors, sessions, CSRF and origin checks), signing in, and
//! reading query parameters. `web` and `api` both build on this and never on each other.

pub mod auth;
pub mod error;
pub mod multipart;
pub mod params;
pub mod session;
pub mod text;

pub use error::{ApiError, AppError, ErrorBody, FieldErrorBody};

use crate::AppState;
use crate::services::access::Viewer;
use crate::services::workspace::Writer;
use crate::store::attachments::AttachmentRow;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The largest request body of the routes that take attachments: a few files of the plan's
/// per-file limit (20 MB in the Dongguan plan, checked per file with a clear message).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// An attachment as a download: its own content type, its file name (UTF-8, RFC 5987), and no copy
/// kept by caches (it may hold personal data). The web page and the API answer alike.
pub fn attachment_response(file: &AttachmentRow, bytes: Vec<u8>) -> Response {
    file_response(&file.file_name, &file.content_type, bytes)
}

/// A stored file as a download, as [`attachment_response`] answers.
pub fn file_response(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let encoded = auth::urlencode(file_name).replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A write by `by`, now, to the application's stores.
pub fn writer<'a>(state: &'a AppState, by: &'a Viewer) -> Writer<'a> {
    Writer {
        store: &state.store,
        files: &state.files,
        by,
        now_ms: state.clock.now_ms(),
    }
}
