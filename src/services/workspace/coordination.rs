//! 工作协调小组 (五(一)): recording a member organisation's delegate, correcting one (an end
//! date records that they left), and withdrawing one entered by mistake on the day it was
//! recorded. Who may write: see `access::may_record_coordinator` (a village's users only their
//! own village's delegates).

use super::{OpenedGroup, Writer};
use crate::clock::shanghai;
use crate::domain::FieldErrors;
use crate::domain::coordination::{CoordinatorInput, parse_coordinator};
use crate::domain::ids::{CoordinatorId, OrgId};
use crate::domain::team::mask_phone;
use crate::services::ServiceError;
use crate::services::access::{self, Viewer};
use crate::store::Store;
use crate::store::coordination::CoordinatorRow;

/// Whether the viewer may record any delegate of the opened group (the form is shown).
pub fn may_record(viewer: &Viewer, ws: &OpenedGroup) -> bool {
    access::may_record_coordinator(viewer, ws.group(), ws.today, None)
}

/// Whether the viewer may correct or withdraw a delegate of `org`.
pub fn may_change(viewer: &Viewer, ws: &OpenedGroup, org: &OrgId) -> bool {
    access::may_record_coordinator(viewer, ws.group(), ws.today, Some(org))
}

/// The organisation a form names, when it is an id (for the access check before the rest).
fn typed_org(input: &CoordinatorInput) -> Option<OrgId> {
    OrgId::parse(input.org_id.trim())
}

/// A refusal of a village user naming another organisation: said on the field, not a bare 403,
/// since the form offers the group's organisations.
fn own_org_only(
    ws: &OpenedGroup,
    viewer: &Viewer,
    org: Option<&OrgId>,
) -> Result<(), ServiceError> {
    if !may_record(viewer, ws) {
        return Err(ServiceError::Forbidden);
    }
    if let Some(org) = org
        && !may_change(viewer, ws, org)
    {
        return Err(FieldErrors::from(crate::domain::FieldError::new(
            "所在单位",
            "村(社区)用户只能登记本村(社区)委派的成员；其他单位的成员请由该单位或学校、镇街登记",
        ))
        .into());
    }
    Ok(())
}

/// Records a delegate; every field error at once.
pub async fn add_coordinator(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &CoordinatorInput,
) -> Result<CoordinatorId, ServiceError> {
    own_org_only(ws, w.by, typed_org(input).as_ref())?;
    let c = parse_coordinator(input, &ws.group().calendar(), ws.today, false)?;
    Ok(w.store
        .add_coordinator(&w.actor(), w.now_ms, &ws.group().id, &c)
        .await?)
}

/// One of the group's delegates by id (as written in a URL); not found otherwise.
pub async fn coordinator(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<CoordinatorRow, ServiceError> {
    let id = CoordinatorId::parse(id).ok_or(ServiceError::NotFound)?;
    store
        .list_coordinators(&ws.group().id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(ServiceError::NotFound)
}

/// Corrects a delegate (every field; an end date records leaving). A village user may correct
/// only its own village's delegates, and may not move one to another organisation. Returns
/// whether anything changed.
pub async fn update_coordinator(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &CoordinatorInput,
) -> Result<bool, ServiceError> {
    let row = coordinator(w.store, ws, id).await?;
    if !may_change(w.by, ws, &row.org_id) {
        return Err(ServiceError::Forbidden);
    }
    own_org_only(ws, w.by, typed_org(input).as_ref())?;
    // The masked number as shown to someone who may not see it in full, sent back unchanged,
    // keeps the number on record.
    let mut input = input.clone();
    if !row.phone.is_empty() && input.phone.trim() == mask_phone(&row.phone) {
        input.phone = row.phone.clone();
    }
    let c = parse_coordinator(&input, &ws.group().calendar(), ws.today, true)?;
    Ok(w.store
        .update_coordinator(&w.actor(), w.now_ms, &ws.group().id, &row.id, &c)
        .await?)
}

/// Whether `row` may still be withdrawn: recorded today (Asia/Shanghai). Later, a person who
/// was delegated stays on record and leaves by an end date.
pub fn withdrawable(ws: &OpenedGroup, row: &CoordinatorRow) -> bool {
    jiff::Timestamp::from_millisecond(row.created_at)
        .map(|t| t.to_zoned(shanghai()).date() == ws.today)
        .unwrap_or(false)
}

/// Deletes a delegate entered by mistake, on the day it was recorded.
pub async fn withdraw_coordinator(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
) -> Result<(), ServiceError> {
    let row = coordinator(w.store, ws, id).await?;
    if !may_change(w.by, ws, &row.org_id) {
        return Err(ServiceError::Forbidden);
    }
    if !withdrawable(ws, &row) {
        return Err(ServiceError::Conflict(format!(
            "{} 不是今天登记的，不能撤回；如已不再担任，请更正其记录、填写结束日期",
            row.person_name
        )));
    }
    Ok(w.store
        .withdraw_coordinator(&w.actor(), w.now_ms, &ws.group().id, &row)
        .await?)
}
