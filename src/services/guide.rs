//! 操作手册: the guide read with the numbers of the plan in force this year, as chapters for the
//! pages and as a docx (with the screenshots the browser tests keep under `static/guide/`). It
//! holds no business data: every signed-in user reads every chapter.

use crate::domain::guide::{self, Chapter};
use crate::domain::plan::{DONGGUAN_2023_PLAN, Plan};
use crate::domain::user::Role;
use crate::services::ServiceError;
use crate::services::access::Viewer;
use crate::store::Store;
use crate::store::plans::PlanCache;
use jiff::civil::Date;
use std::sync::Arc;

/// The docx's file name.
pub const GUIDE_DOCX_NAME: &str = "校地通操作手册.docx";

/// The plan whose numbers the guide quotes: the one in force in `today`'s year; before any plan
/// is loaded, the built-in Dongguan preset (a new deployment's administrators read the guide
/// before the bureau loads anything).
pub async fn plan(
    store: &Store,
    plans: &PlanCache,
    today: Date,
) -> Result<Arc<Plan>, ServiceError> {
    if let Some((_, years)) = plans.current_years(store).await? {
        return Ok(years.for_year(today.year()).clone());
    }
    Plan::parse(DONGGUAN_2023_PLAN)
        .map(Arc::new)
        .map_err(|e| ServiceError::Store(crate::store::StoreError::Internal(anyhow::anyhow!(e))))
}

/// Every chapter, the viewer's own first.
pub fn chapters(plan: &Plan, viewer: &Viewer) -> Vec<Chapter> {
    guide::chapters_for(plan, viewer.role)
}

/// One role's chapter, by its address segment (`school`); NotFound for no such role.
pub fn chapter(plan: &Plan, slug: &str) -> Result<Chapter, ServiceError> {
    let role: Role = guide::role_of(slug).ok_or(ServiceError::NotFound)?;
    Ok(guide::chapter(plan, role))
}

/// The guide as a docx in the official layout, every chapter in the roles' order, with the
/// screenshots built into the binary.
pub fn docx(plan: &Plan, today: Date) -> Result<Vec<u8>, ServiceError> {
    crate::exports::guide::guide_docx(plan, &guide::chapters(plan), crate::assets::bytes, today)
        .map_err(|e| ServiceError::Store(crate::store::StoreError::Internal(e)))
}
