//! 重大事项 (五(一)): a group user raises a major matter, which reaches HQ (市"百千万工程"指挥部)
//! directly the moment it is submitted; the raising organisation may correct or withdraw it
//! until HQ acknowledges it; only HQ acknowledges and replies. The bureau reads them.

use super::{OpenedGroup, Writer, open_group};
use crate::domain::ids::MatterId;
use crate::domain::matter::LOCKED;
use crate::services::ServiceError;
use crate::services::access::{self, Viewer};
use crate::store::Store;
use crate::store::matters::{MatterInput, MatterRow, RaisedBy, parse_matter, parse_reply};
use crate::store::plans::PlanCache;
use jiff::civil::Date;

fn matter_id(id: &str) -> Result<MatterId, ServiceError> {
    MatterId::parse(id).ok_or(ServiceError::NotFound)
}

/// Whether the viewer may raise a matter for the opened group.
pub fn may_raise(ws: &OpenedGroup, viewer: &Viewer) -> bool {
    access::may_raise_matter(viewer, ws.group(), ws.today)
}

/// Whether the viewer may still correct or withdraw `m`: a user of the organisation that raised
/// it, still a member of the group, while HQ has not acknowledged it.
pub fn may_change(ws: &OpenedGroup, viewer: &Viewer, m: &MatterRow) -> bool {
    may_raise(ws, viewer) && viewer.org_id == m.raised_by_org_id && m.acknowledged_at.is_none()
}

/// When a matter was made and by which organisation, for a former member's view.
pub(super) fn made(m: &MatterRow) -> (i64, Option<&crate::domain::ids::OrgId>) {
    (m.reported_at, Some(&m.raised_by_org_id))
}

/// The group's matters the viewer sees, newest first (a former member: those raised before it
/// left and its own).
pub async fn list_matters(store: &Store, ws: &OpenedGroup) -> Result<Vec<MatterRow>, ServiceError> {
    Ok(ws.visible(store.list_matters(&ws.group().id).await?, made))
}

/// The group's matter `id`; not found when it is another group's (or none, or one a former
/// member does not see).
pub async fn group_matter(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<MatterRow, ServiceError> {
    let id = matter_id(id)?;
    store
        .get_matter(&id)
        .await?
        .filter(|m| m.group_id == ws.group().id)
        .filter(|m| {
            let (at, by) = made(m);
            ws.shows(at, by)
        })
        .ok_or(ServiceError::NotFound)
}

/// Raises a matter: it is reported to HQ now (today, Asia/Shanghai, is its report date).
pub async fn add_matter(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &MatterInput,
) -> Result<MatterId, ServiceError> {
    if !may_raise(ws, w.by) {
        return Err(ServiceError::Forbidden);
    }
    let m = parse_matter(input, ws.group().started_on, ws.today)?;
    let by = RaisedBy {
        user: &w.by.user_id,
        org: &w.by.org_id,
    };
    Ok(w.store
        .add_matter(&w.actor(), w.now_ms, ws.today, &ws.group().id, by, &m)
        .await?)
}

/// The checks before a correction or withdrawal: not found for another group's matter,
/// forbidden for a user whose organisation did not raise it, a conflict once HQ acknowledged it.
async fn changeable(w: &Writer<'_>, ws: &OpenedGroup, id: &str) -> Result<MatterRow, ServiceError> {
    let m = group_matter(w.store, ws, id).await?;
    if !may_raise(ws, w.by) || w.by.org_id != m.raised_by_org_id {
        return Err(ServiceError::Forbidden);
    }
    if m.acknowledged_at.is_some() {
        return Err(ServiceError::Conflict(LOCKED.into()));
    }
    Ok(m)
}

/// Corrects a matter HQ has not acknowledged. Returns whether anything changed.
pub async fn update_matter(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &MatterInput,
) -> Result<bool, ServiceError> {
    let m = changeable(w, ws, id).await?;
    let parsed = parse_matter(input, ws.group().started_on, ws.today)?;
    Ok(w.store
        .update_matter(&w.actor(), w.now_ms, &ws.group().id, &m.id, &parsed)
        .await?)
}

/// Withdraws a matter HQ has not acknowledged (entered by mistake, or no longer to report).
pub async fn withdraw_matter(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
) -> Result<(), ServiceError> {
    let m = changeable(w, ws, id).await?;
    Ok(w.store
        .withdraw_matter(&w.actor(), w.now_ms, &ws.group().id, &m.id)
        .await?)
}

/// A matter by id with its group opened for the viewer: not found when the viewer may not see
/// the group (so another group's user learns nothing), for the matter API and HQ's links.
pub async fn open_matter(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    id: &str,
    today: Date,
) -> Result<(OpenedGroup, MatterRow), ServiceError> {
    access::require_business(viewer)?;
    let id = matter_id(id)?;
    let m = store.get_matter(&id).await?.ok_or(ServiceError::NotFound)?;
    let ws = open_group(store, plans, viewer, m.group_id.as_str(), today).await?;
    Ok((ws, m))
}

/// HQ acknowledges a matter of a group (forbidden for every other role that sees the group).
pub async fn acknowledge_matter(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
) -> Result<(), ServiceError> {
    let m = group_matter(w.store, ws, id).await?;
    access::require_matter_receiver(w.by)?;
    Ok(w.store
        .acknowledge_matter(&w.actor(), w.now_ms, &m.id, &w.by.user_id)
        .await?)
}

/// HQ replies to a matter (acknowledging it too when it was not yet).
pub async fn reply_matter(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    reply: &str,
) -> Result<(), ServiceError> {
    let m = group_matter(w.store, ws, id).await?;
    access::require_matter_receiver(w.by)?;
    let reply = parse_reply(reply)?;
    Ok(w.store
        .reply_matter(&w.actor(), w.now_ms, &m.id, &w.by.user_id, &reply)
        .await?)
}

/// One page of HQ's queue of every group's matters (HQ only): the page's rows, how many
/// matters there are in all and how many wait for acknowledgement.
pub async fn matter_queue(
    store: &Store,
    viewer: &Viewer,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MatterRow>, i64, i64), ServiceError> {
    access::require_matter_receiver(viewer)?;
    Ok(store.matter_queue(limit, offset).await?)
}

/// The most matters an export of HQ's queue holds (far beyond any programme's count; an export
/// stays bounded).
const EXPORT_LIMIT: i64 = 100_000;

/// HQ's whole queue in its order, for the export (HQ only).
pub async fn matter_queue_export(
    store: &Store,
    viewer: &Viewer,
) -> Result<Vec<MatterRow>, ServiceError> {
    access::require_matter_receiver(viewer)?;
    Ok(store.matter_queue(EXPORT_LIMIT, 0).await?.0)
}
