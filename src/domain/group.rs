//! What the record rules need to know of a pairing group: when it started and ended, and which
//! organisations were its members in which role on which dates.

use crate::domain::ids::OrgId;
use crate::domain::org::MemberRole;
use jiff::civil::Date;

/// One organisation's membership of a group, from `from` until (not including) `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: OrgId,
    /// The organisation's name, for reasons and messages.
    pub name: String,
    pub role: MemberRole,
    pub from: Date,
    pub to: Option<Date>,
}

impl Membership {
    pub fn active_on(&self, date: Date) -> bool {
        self.from <= date && self.to.is_none_or(|to| date < to)
    }

    pub fn is_school(&self) -> bool {
        matches!(
            self.role,
            MemberRole::University | MemberRole::VocationalSchool
        )
    }

    /// A town or a village: where on-site service happens and bases stand.
    pub fn is_place(&self) -> bool {
        matches!(self.role, MemberRole::Town | MemberRole::Village)
    }
}

/// A group's dates and dated memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCalendar {
    pub started_on: Date,
    /// The group's last day is the day before this.
    pub ended_on: Option<Date>,
    pub members: Vec<Membership>,
}

impl GroupCalendar {
    /// The role a group school holds on `date`, if the organisation is one of its schools then.
    pub fn school_role_on(&self, org: &OrgId, date: Date) -> Option<MemberRole> {
        self.members
            .iter()
            .find(|m| &m.org_id == org && m.is_school() && m.active_on(date))
            .map(|m| m.role)
    }

    /// The places of the group's on-site service on `date`: its town and its villages.
    pub fn places_on(&self, date: Date) -> Vec<(OrgId, String)> {
        self.members
            .iter()
            .filter(|m| m.is_place() && m.active_on(date))
            .map(|m| (m.org_id.clone(), m.name.clone()))
            .collect()
    }

    /// Whether the organisation is the group's town or one of its villages on `date`.
    pub fn is_place_on(&self, org: &OrgId, date: Date) -> bool {
        self.members
            .iter()
            .any(|m| &m.org_id == org && m.is_place() && m.active_on(date))
    }

    /// Whether the group has a member of `role` on `date`.
    pub fn has_member_on(&self, role: MemberRole, date: Date) -> bool {
        self.members
            .iter()
            .any(|m| m.role == role && m.active_on(date))
    }

    /// Whether the group itself is active on `date` (its end date is exclusive).
    pub fn active_on(&self, date: Date) -> bool {
        self.started_on <= date && self.ended_on.is_none_or(|e| date < e)
    }

    /// The role the organisation holds (or held) in the group, on any date.
    pub fn role_of(&self, org: &OrgId) -> Option<MemberRole> {
        self.members
            .iter()
            .find(|m| &m.org_id == org)
            .map(|m| m.role)
    }
}
