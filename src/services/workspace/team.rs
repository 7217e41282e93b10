//! 服务工作队 (四(一)): adding members, correcting one, withdrawing one entered by mistake and
//! recording that one left.

use super::{OpenedGroup, Writer};
use crate::domain::FieldErrors;
use crate::domain::ids::TeamMemberId;
use crate::domain::team::{
    TeamMemberInput, Teammate, duplicate_name_warning, earliest_left_on, latest_left_on,
    parse_departure, parse_member_correction, parse_team_member,
};
use crate::services::ServiceError;
use crate::store::Store;
use crate::store::team::{MemberService, TeamMemberRow};
use jiff::civil::Date;

/// The warning for a name someone else on the team (now or formerly) already has, unless the
/// user confirmed that it is another person.
fn duplicate_warning(
    team: &[TeamMemberRow],
    name: &str,
    except: Option<&TeamMemberId>,
    confirmed: bool,
) -> Option<crate::domain::FieldError> {
    if confirmed {
        return None;
    }
    duplicate_name_warning(
        name,
        team.iter()
            .filter(|t| except.is_none_or(|id| &t.id != id))
            .map(|t| Teammate {
                person_name: &t.person_name,
                org_name: &t.org_name,
                joined_on: t.joined_on,
                left_on: t.left_on,
            }),
    )
}

/// `errors` with the duplicate warning first (it is about the name, the form's first field).
fn with_warning(
    warning: Option<crate::domain::FieldError>,
    errors: Option<FieldErrors>,
) -> Option<FieldErrors> {
    match (warning, errors) {
        (None, e) => e,
        (Some(w), None) => Some(w.into()),
        (Some(w), Some(mut e)) => {
            let at =
                e.0.iter()
                    .position(|f| f.field != "姓名")
                    .unwrap_or(e.0.len());
            e.0.insert(at, w);
            Some(e)
        }
    }
}

/// Adds a member to the group's team: the group's schools and the bureau only. A name already
/// on the team is refused with a warning unless `confirm_duplicate` says it is another person.
pub async fn add_team_member(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &TeamMemberInput,
    confirm_duplicate: bool,
) -> Result<TeamMemberId, ServiceError> {
    ws.require_edit()?;
    let team = w.store.list_team(&ws.group().id).await?;
    let parsed = parse_team_member(input, &ws.group().calendar(), ws.today);
    let warning = duplicate_warning(&team, &input.person_name, None, confirm_duplicate);
    let member = match (parsed, warning) {
        (Ok(m), None) => m,
        (Ok(_), Some(w)) => return Err(w.into()),
        (Err(e), w) => return Err(with_warning(w, Some(e)).unwrap_or_default().into()),
    };
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

/// Corrects every field of a member (and the leaving date, empty when on the team): the same
/// checks as adding, a renamed member warned about as a duplicate; the store checks the member's
/// on-site entries against the corrected dates.
pub async fn update_team_member(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    member: &str,
    input: &TeamMemberInput,
    left_on: &str,
    confirm_duplicate: bool,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let team = w.store.list_team(&ws.group().id).await?;
    let id = TeamMemberId::parse(member).ok_or(ServiceError::NotFound)?;
    let current = team
        .iter()
        .find(|m| m.id == id)
        .ok_or(ServiceError::NotFound)?;
    let parsed = parse_member_correction(input, left_on, &ws.group().calendar(), ws.today);
    // Only a change of name is warned about: two people of one name, once confirmed, can still
    // have their other fields corrected without confirming again.
    let renamed = input.person_name.trim() != current.person_name;
    let warning = duplicate_warning(
        &team,
        &input.person_name,
        Some(&id),
        confirm_duplicate || !renamed,
    );
    let corrected = match (parsed, warning) {
        (Ok(c), None) => c,
        (Ok(_), Some(w)) => return Err(w.into()),
        (Err(e), w) => return Err(with_warning(w, Some(e)).unwrap_or_default().into()),
    };
    Ok(w.store
        .update_team_member(&w.actor(), w.now_ms, &ws.group().id, &id, &corrected)
        .await?)
}

/// Deletes a member entered by mistake (the same day or later): the group's schools and the
/// bureau only; refused while on-site entries name the member.
pub async fn withdraw_team_member(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    member: &str,
) -> Result<(), ServiceError> {
    ws.require_edit()?;
    let id = TeamMemberId::parse(member).ok_or(ServiceError::NotFound)?;
    Ok(w.store
        .withdraw_team_member(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?)
}

/// The leaving dates a member can be given today, for the leave form: from the day after they
/// joined (and after their last on-site service) to tomorrow; `None` when there is none.
pub struct LeaveWindow {
    pub earliest: Date,
    pub latest: Date,
    /// The on-site entries that name the member (the earliest date comes after the last).
    pub services: Vec<MemberService>,
}

impl LeaveWindow {
    pub fn is_empty(&self) -> bool {
        self.earliest > self.latest
    }

    /// The date the form starts on: today when it can be recorded, else none (a pre-filled date
    /// that is then refused is worse than an empty field with the range beside it).
    pub fn suggested(&self, today: Date) -> Option<Date> {
        (self.earliest <= today && today <= self.latest).then_some(today)
    }
}

pub async fn leave_window(
    store: &Store,
    ws: &OpenedGroup,
    m: &TeamMemberRow,
) -> Result<LeaveWindow, ServiceError> {
    let services = store.member_services(&m.id).await?;
    let after_service = services
        .iter()
        .map(|s| s.date_to.tomorrow().unwrap_or(s.date_to))
        .max();
    let earliest = earliest_left_on(m.joined_on).max(after_service.unwrap_or(m.joined_on));
    Ok(LeaveWindow {
        earliest,
        latest: latest_left_on(ws.today),
        services,
    })
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
