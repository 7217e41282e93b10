//! Who may see and who may change what: the one place these decisions are made. A list, a
//! detail page, an export, a file download, the JSON API and a job all ask here (SPEC §2, 三权分立).

use super::ServiceError;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::user::Role;
use crate::store::workspace::school_role_on;
use crate::store::{Actor, GroupRow, GroupScope};
use jiff::civil::Date;

/// The signed-in user, as every handler and service sees them.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: Role,
    pub csrf_token: String,
    pub session_hash: String,
    pub must_change_password: bool,
    pub ip: String,
}

impl Viewer {
    /// The groups this user may read (SPEC §2).
    pub fn group_scope(&self) -> GroupScope {
        group_scope(self)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
            name: self.username.clone(),
            ip: self.ip.clone(),
        }
    }

    /// Refuses anyone whose role is not listed.
    pub fn require(&self, roles: &[Role]) -> Result<(), ServiceError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Business pages: everyone but the system administrator and the auditor (三权分立).
    pub fn require_business(&self) -> Result<(), ServiceError> {
        require_business(self)
    }
}

/// The groups a user may read: the bureau and headquarters all of them, a member organisation's
/// users the groups it is (or was) in, the system administrator and the auditor none.
pub fn group_scope(viewer: &Viewer) -> GroupScope {
    if viewer.role.sees_all_groups() {
        GroupScope::All
    } else if viewer.role.sees_business() {
        GroupScope::Member(viewer.org_id.clone())
    } else {
        GroupScope::Nothing
    }
}

/// Business data is not for the system administrator or the auditor (三权分立).
pub fn require_business(viewer: &Viewer) -> Result<(), ServiceError> {
    if viewer.role.sees_business() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Whether the user may record a group's work (agreement, team, on-site days, bases): the bureau
/// always, a school only while it is one of the group's schools (as it stands `today`).
pub fn may_edit_group(viewer: &Viewer, group: &GroupRow, today: Date) -> bool {
    match viewer.role {
        Role::Bureau => true,
        Role::School => school_role_on(group, &viewer.org_id, today).is_some(),
        _ => false,
    }
}

/// Whether the user may confirm an on-site entry at `place`: a town user for service in the
/// group's lead town or in their own town, a village user in their own village; both only while
/// their organisation is a member of the group, and only once.
pub fn may_confirm_onsite(
    viewer: &Viewer,
    group: &GroupRow,
    today: Date,
    place: &OrgId,
    confirmed: bool,
) -> bool {
    if confirmed {
        return false;
    }
    let today = today.to_string();
    let member_now = group
        .members
        .iter()
        .any(|m| m.org_id == viewer.org_id && m.active_on(&today));
    match viewer.role {
        Role::Town => {
            member_now && (viewer.org_id == group.lead_town_id || &viewer.org_id == place)
        }
        Role::Village => member_now && &viewer.org_id == place,
        _ => false,
    }
}

/// Whether the user sees a team member's full phone number: the bureau and the member's own
/// organisation; everyone else sees it masked.
pub fn sees_full_phone(viewer: &Viewer, member_org: &OrgId) -> bool {
    viewer.role == Role::Bureau || &viewer.org_id == member_org
}
