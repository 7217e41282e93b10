//! The application state every handler, job and service caller shares: below web, api and http,
//! above the store, so nothing that uses it reaches back up to start-up.

use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;
use std::sync::Arc;

/// Shared by every handler: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Uploaded files, content-addressed under the data directory.
    pub files: crate::store::files::FileStore,
    pub clock: Clock,
    pub config: Arc<Config>,
    /// Plans parsed once, by id.
    pub plans: crate::store::plans::PlanCache,
    /// Sign-in attempts per client address and per name, counted in the database (so across
    /// instances) behind a first filter in this instance's memory.
    pub signin: Arc<crate::throttle::SignInLimiter>,
    /// 公开概览 computed per year, kept a minute (anyone may ask for it, signed in or not).
    pub public: Arc<crate::services::public::PublicCache>,
    /// The programme's judged periods, kept while no write has moved the data version.
    pub judged: Arc<crate::services::judged::JudgedCache>,
    /// Group pages' verdicts and year at a glance, kept while the group's version stands.
    pub year_pages: Arc<crate::services::workspace::year_page::YearPageCache>,
}
