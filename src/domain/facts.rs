//! The programme's facts for a set of groups and a period, as the rules read them: dated
//! memberships, agreements with their parties, team spells, on-site entries, bases. The store
//! loads them for many groups at once (one query per fact table); the evaluator judges them.

use crate::domain::group::GroupCalendar;
use crate::domain::ids::{GroupId, OrgId, PlanId, TeamMemberId};
use crate::domain::org::OrgKind;
use crate::domain::team::{TeamRole, Title};
use jiff::civil::Date;

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

/// A major matter raised in the period (五(一)): the day it arose and the day (Asia/Shanghai)
/// it reached HQ on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatterFact {
    pub summary: String,
    pub raised_on: Date,
    pub reported_on: Date,
}

/// A joint meeting held in the period (五(一)): its date and whether it adopted its own year's
/// annual cooperation plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFact {
    pub held_on: Date,
    pub adopts_annual_plan: bool,
}

/// Everything the group rules read about one group. On-site entries are those overlapping the
/// period loaded; the rest is the group's whole dated history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub id: GroupId,
    pub plan: PlanId,
    pub number: i64,
    /// When the group began and ended, and its dated memberships.
    pub calendar: GroupCalendar,
    pub agreements: Vec<AgreementFact>,
    pub team: Vec<TeamSpell>,
    pub onsite: Vec<OnsiteFact>,
    pub bases: Vec<BaseFact>,
    /// Major matters raised in the period loaded.
    pub matters: Vec<MatterFact>,
    /// Joint meetings held in the period loaded, by date.
    pub meetings: Vec<MeetingFact>,
    /// The years of the period loaded that have an annual cooperation plan.
    pub annual_plans: Vec<i16>,
    /// The days its typical cases and news items now published were published (五(四)), in the
    /// period loaded, in order.
    pub published: Vec<Date>,
    /// The years of the period loaded whose evaluation HQ has finalised (五(三)), with the day.
    pub evaluated: Vec<(i16, Date)>,
}

impl GroupFacts {
    pub fn new(id: GroupId, plan: PlanId, number: i64, started_on: Date) -> Self {
        Self {
            id,
            plan,
            number,
            calendar: GroupCalendar {
                started_on,
                ended_on: None,
                members: Vec::new(),
            },
            agreements: Vec::new(),
            team: Vec::new(),
            onsite: Vec::new(),
            bases: Vec::new(),
            matters: Vec::new(),
            meetings: Vec::new(),
            annual_plans: Vec::new(),
            published: Vec::new(),
            evaluated: Vec::new(),
        }
    }
}

/// A school of the programme, for the school-level rules (pairing, monthly reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolFact {
    pub org: OrgId,
    pub name: String,
    pub kind: OrgKind,
}
