//! 服务工作队 (四(一)): adding members and recording that one left.

use super::{OpenedGroup, Writer};
use crate::domain::ids::TeamMemberId;
use crate::domain::team::{TeamMemberInput, parse_departure, parse_team_member};
use crate::services::ServiceError;
use crate::store::Store;
use crate::store::team::TeamMemberRow;

/// Adds a member to the group's team: the group's schools and the bureau only.
pub async fn add_team_member(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &TeamMemberInput,
) -> Result<TeamMemberId, ServiceError> {
    ws.require_edit()?;
    let member = parse_team_member(input, &ws.group().calendar(), ws.today)?;
    Ok(w.store
        .add_team_member(&w.actor(), w.now_ms, &ws.group().id, &member)
        .await?)
}

/// A member of the group's team by id (as written in a URL); not found otherwise.
pub async fn team_member(
    store: &Store,
    ws: &OpenedGroup,
    member: &str,
) -> Result<TeamMemberRow, ServiceError> {
    let id = TeamMemberId::parse(member).ok_or(ServiceError::NotFound)?;
    store
        .list_team(&ws.group().id)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(ServiceError::NotFound)
}

/// Records that a member left on `left_on` (nothing is deleted): the group's schools and the
/// bureau only; a member who already left is a conflict.
pub async fn end_team_member(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    member: &str,
    left_on: &str,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let m = team_member(w.store, ws, member).await?;
    let departure = parse_departure(left_on, m.joined_on, ws.today)?;
    Ok(w.store
        .end_team_member(&w.actor(), w.now_ms, &ws.group().id, &m, departure)
        .await?)
}
