//! HTTP plumbing shared by the web pages and the JSON API: the one [`AppError`] with its HTML and
//! JSON renderings, who is asking (extractors, sessions, CSRF and origin checks), signing in, and
//! reading query parameters. `web` and `api` both build on this and never on each other.

pub mod auth;
pub mod error;
pub mod multipart;
pub mod params;
pub mod session;

pub use error::{ApiError, AppError, ErrorBody, FieldErrorBody};

use crate::AppState;
use crate::services::access::Viewer;
use crate::services::workspace::Writer;

/// The largest request body of the routes that take attachments: a few files of the plan's
/// per-file limit (20 MB in the Dongguan plan, checked per file with a clear message).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// A write by `by`, now, to the application's stores.
pub fn writer<'a>(state: &'a AppState, by: &'a Viewer) -> Writer<'a> {
    Writer {
        store: &state.store,
        files: &state.files,
        by,
        now_ms: state.clock.now_ms(),
    }
}
