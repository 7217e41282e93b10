//! 驻镇(驻村)服务 (四(二)): recording an entry, withdrawing one entered by mistake, and the
//! town's or village's confirmation.

use super::{OpenedGroup, Writer};
use crate::domain::ids::OnsiteEntryId;
use crate::domain::onsite::{OnsiteEntryInput, parse_onsite_entry};
use crate::services::{ServiceError, access};

/// Records one on-site entry: the group's schools and the bureau only. Whether the members were
/// on the team on those days, and whether the same service is already recorded, the store checks
/// inside its transaction.
pub async fn add_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &OnsiteEntryInput,
) -> Result<OnsiteEntryId, ServiceError> {
    ws.require_edit()?;
    let entry = parse_onsite_entry(input, &ws.group().calendar(), ws.today)?;
    let mut ids = w
        .store
        .add_onsite_entries(
            &w.actor(),
            w.now_ms,
            &ws.group().id,
            std::slice::from_ref(&entry),
        )
        .await
        .map_err(|mut errors| ServiceError::from(errors.remove(0).1))?;
    ids.pop()
        .ok_or_else(|| ServiceError::Conflict("未能登记该记录".into()))
}

/// Withdraws an entry entered by mistake: the group's schools and the bureau only; an entry the
/// town or village has confirmed stays (it is their word too), a conflict.
pub async fn withdraw_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let id = OnsiteEntryId::parse(entry).ok_or(ServiceError::NotFound)?;
    Ok(w.store
        .delete_onsite_entry(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?)
}

/// Confirms that the service took place, for the town or village users `access` allows; an entry
/// confirmed already is a conflict.
pub async fn confirm_onsite_entry(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    entry: &str,
) -> Result<(), ServiceError> {
    let id = OnsiteEntryId::parse(entry).ok_or(ServiceError::NotFound)?;
    let (place, confirmed_at) = w
        .store
        .get_onsite_entry(&ws.group().id, &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !access::may_confirm_onsite(w.by, ws.group(), ws.today, &place, confirmed_at.is_some()) {
        return Err(if confirmed_at.is_some() {
            ServiceError::Conflict("该记录已确认".into())
        } else {
            ServiceError::Forbidden
        });
    }
    Ok(w.store
        .confirm_onsite(&w.actor(), w.now_ms, &ws.group().id, &id, &w.by.user_id)
        .await?)
}
