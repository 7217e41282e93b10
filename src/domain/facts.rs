//! The programme's facts for a set of groups and a period, as the rules read them: dated
//! memberships, agreements with their parties, team spells, on-site entries, bases. The store
//! loads them for many groups at once (one query per fact table); the evaluator judges them.

use crate::domain::ids::{GroupId, OrgId, PlanId, TeamMemberId};
use crate::domain::org::{MemberRole, OrgKind};
use crate::domain::team::{TeamRole, Title};
use jiff::civil::Date;

/// One organisation's membership of a group; `to` is exclusive (gone from that day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org: OrgId,
    pub name: String,
    pub role: MemberRole,
    pub from: Date,
    pub to: Option<Date>,
}

impl Membership {
    pub fn active_on(&self, d: Date) -> bool {
        self.from <= d && self.to.is_none_or(|t| d < t)
    }
}

/// An agreement (the tripartite one, or a supplementary one) with the organisations that signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFact {
    pub signed_on: Option<Date>,
    pub parties: Vec<OrgId>,
}

/// One spell of a person on the team; `left` is exclusive (gone from that day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSpell {
    pub id: TeamMemberId,
    pub name: String,
    pub org: OrgId,
    pub role: TeamRole,
    pub title: Title,
    pub school_leader: bool,
    pub joined: Date,
    pub left: Option<Date>,
}

impl TeamSpell {
    pub fn active_on(&self, d: Date) -> bool {
        self.joined <= d && self.left.is_none_or(|l| d < l)
    }
}

/// One on-site service entry (both dates inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnsiteFact {
    pub from: Date,
    pub to: Date,
    pub members: Vec<TeamMemberId>,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFact {
    pub name: String,
    pub opened_on: Date,
}

/// Everything the group rules read about one group. On-site entries are those overlapping the
/// period loaded; the rest is the group's whole dated history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub id: GroupId,
    pub plan: PlanId,
    pub number: i64,
    pub started_on: Date,
    /// Exclusive, like every end date here.
    pub ended_on: Option<Date>,
    pub memberships: Vec<Membership>,
    pub agreements: Vec<AgreementFact>,
    pub team: Vec<TeamSpell>,
    pub onsite: Vec<OnsiteFact>,
    pub bases: Vec<BaseFact>,
}

impl GroupFacts {
    pub fn new(id: GroupId, plan: PlanId, number: i64, started_on: Date) -> Self {
        Self {
            id,
            plan,
            number,
            started_on,
            ended_on: None,
            memberships: Vec::new(),
            agreements: Vec::new(),
            team: Vec::new(),
            onsite: Vec::new(),
            bases: Vec::new(),
        }
    }

    pub fn active_on(&self, d: Date) -> bool {
        self.started_on <= d && self.ended_on.is_none_or(|e| d < e)
    }

    /// The role a group school holds on `d`, if `org` is one of the group's schools then.
    pub fn school_role_on(&self, org: &OrgId, d: Date) -> Option<MemberRole> {
        self.memberships
            .iter()
            .find(|m| &m.org == org && m.role.org_kind().is_school() && m.active_on(d))
            .map(|m| m.role)
    }

    pub fn has_member_on(&self, role: MemberRole, d: Date) -> bool {
        self.memberships
            .iter()
            .any(|m| m.role == role && m.active_on(d))
    }
}

/// A school of the programme, for the school-level rules (pairing, monthly reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolFact {
    pub org: OrgId,
    pub name: String,
    pub kind: OrgKind,
}
