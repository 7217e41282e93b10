//! Opening a group for one user: the page, the JSON call and the export all start here, so a
//! group the user may not see is a 404 before anything else is read or written.

use super::ServiceError;
use super::access::{self, Viewer};
use crate::domain::ids::{AttachmentId, GroupId};
use crate::domain::plan::Plan;
use crate::services::compliance::{GroupChecks, checks_of_group};
use crate::store::attachments::AttachmentRow;
use crate::store::plans::PlanCache;
use crate::store::{GroupRow, GroupView, Store};
use jiff::civil::Date;
use std::sync::Arc;

/// A group opened for one user: what they may see, and whether they may write.
pub struct OpenedGroup {
    pub view: GroupView,
    /// The plan the group belongs to, parsed once.
    pub plan: Arc<Plan>,
    pub today: Date,
    pub can_edit: bool,
}

impl OpenedGroup {
    pub fn group(&self) -> &GroupRow {
        &self.view.group
    }

    /// The group's verdicts for `year`, from the one evaluator.
    pub async fn checks(&self, store: &Store, year: i16) -> Result<GroupChecks, ServiceError> {
        Ok(checks_of_group(store, self.plan.clone(), &self.view.group, year, self.today).await?)
    }

    pub fn require_edit(&self) -> Result<(), ServiceError> {
        if self.can_edit {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// Opens group `id` (as written in a URL) for `viewer`: not found when the id is malformed, the
/// group does not exist or the viewer may not see it; forbidden for roles without business data.
pub async fn open_group(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    id: &str,
    today: Date,
) -> Result<OpenedGroup, ServiceError> {
    access::require_business(viewer)?;
    let id = GroupId::parse(id).ok_or(ServiceError::NotFound)?;
    let view = store
        .get_group(&access::group_scope(viewer), &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let plan = plans
        .get(store, &view.group.plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let can_edit = access::may_edit_group(viewer, &view.group, today);
    Ok(OpenedGroup {
        view,
        plan,
        today,
        can_edit,
    })
}

/// An attachment's record, for a viewer who may see its group; not found otherwise.
pub async fn open_attachment(
    store: &Store,
    viewer: &Viewer,
    id: &str,
) -> Result<AttachmentRow, ServiceError> {
    access::require_business(viewer)?;
    let id = AttachmentId::parse(id).ok_or(ServiceError::NotFound)?;
    let file = store
        .get_attachment(&id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    store
        .get_group(&access::group_scope(viewer), &file.group_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(file)
}
