//! HTTP plumbing shared by the web pages and the JSON API: the one [`AppError`] with its HTML and
//! JSON renderings, who is asking (extractors, sessions, CSRF and origin checks), signing in, and
//! reading query parameters. `web` and `api` both build on this and never on each other.

pub mod auth;
pub mod error;
pub mod params;
pub mod session;

pub use error::{ApiError, AppError, ErrorBody};
