//! 结对调整 (动态调整, 五(三)): HQ ends and starts a group's memberships on the document's
//! grounds; everyone who sees the group reads its timeline — memberships with the adjustments
//! behind them, and the service team's spells — in date order. Web, API and tests call these.

use super::ServiceError;
use super::access;
use super::workspace::{OpenedGroup, Writer};
use crate::domain::adjustment::{AdjustmentInput, NewAdjustment};
use crate::domain::ids::AdjustmentId;
use crate::store::Store;
use crate::store::adjustments::{AdjustmentRow, MembershipRecord, Recorder};
use crate::store::team::TeamMemberRow;
use jiff::civil::Date;
use std::collections::HashMap;

/// Whether the viewer may adjust the group's pairing (HQ).
pub fn may_adjust(viewer: &access::Viewer) -> bool {
    access::require_adjuster(viewer).is_ok()
}

/// What is checked or recorded, the same for the confirmation page and the write.
async fn run(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &AdjustmentInput,
    write: bool,
) -> Result<(Option<AdjustmentId>, NewAdjustment), ServiceError> {
    access::require_adjuster(w.by)?;
    let by = Recorder {
        actor: &w.actor(),
        user: &w.by.user_id,
        now_ms: w.now_ms,
        today: ws.today,
        agreement_months: agreement_months(ws, &input.effective_on),
    };
    match w
        .store
        .record_adjustment(&by, &ws.group().id, input, write)
        .await?
    {
        Ok((id, a)) => Ok((id, a)),
        Err(e) => Err(ServiceError::Invalid(e)),
    }
}

/// Checks an adjustment without recording it (the confirmation page shows what it will do).
pub async fn preview_adjustment(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &AdjustmentInput,
) -> Result<NewAdjustment, ServiceError> {
    Ok(run(w, ws, input, false).await?.1)
}

/// Records an adjustment (HQ only): the memberships end and start on its effective date.
pub async fn record_adjustment(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &AdjustmentInput,
) -> Result<(AdjustmentId, NewAdjustment), ServiceError> {
    let (id, a) = run(w, ws, input, true).await?;
    Ok((id.expect("a recorded adjustment has an id"), a))
}

/// Corrects an adjustment entered with a mistake (HQ only): its grounds, deciding body, note,
/// team rework and effective date (the memberships it ended and started move with it). Only
/// those fields of `fix` are read. Returns whether anything changed.
pub async fn correct_adjustment(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    fix: &AdjustmentInput,
) -> Result<bool, ServiceError> {
    access::require_adjuster(w.by)?;
    let id = AdjustmentId::parse(id).ok_or(ServiceError::NotFound)?;
    let by = Recorder {
        actor: &w.actor(),
        user: &w.by.user_id,
        now_ms: w.now_ms,
        today: ws.today,
        agreement_months: agreement_months(ws, &fix.effective_on),
    };
    w.store
        .correct_adjustment(&by, &ws.group().id, &id, fix)
        .await?
        .map_err(ServiceError::Invalid)
}

/// 四(二): the months of the plan in force in the effective date's year (this year's when the
/// date does not read: its own error is reported).
fn agreement_months(ws: &OpenedGroup, effective_on: &str) -> u32 {
    let year = effective_on
        .trim()
        .parse::<Date>()
        .map(|d| d.year())
        .unwrap_or(ws.today.year());
    ws.years.for_year(year).rules.agreement_months
}

/// One adjustment of the group (everyone who sees the group); not found when it is another's.
pub async fn adjustment(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<AdjustmentRow, ServiceError> {
    let id = AdjustmentId::parse(id).ok_or(ServiceError::NotFound)?;
    store
        .list_adjustments(&ws.group().id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(ServiceError::NotFound)
}

/// A membership on the timeline, with the adjustments that started and ended it.
#[derive(Debug, Clone)]
pub struct MembershipLine {
    pub record: MembershipRecord,
    pub started_by: Option<AdjustmentRow>,
    pub ended_by: Option<AdjustmentRow>,
}

/// One dated event of the group's timeline.
#[derive(Debug, Clone)]
pub struct TimelineEvent {
    pub on: Date,
    /// member_joined, member_left, team_joined, team_left.
    pub kind: &'static str,
    pub who: String,
    /// The member's role in the group, or the team member's organisation and team role.
    pub what: String,
    /// The adjustment behind a membership's start or end, if one was.
    pub adjustment: Option<AdjustmentRow>,
}

/// A group's timeline: its memberships, its team's spells and its adjustments.
pub struct Timeline {
    pub memberships: Vec<MembershipLine>,
    pub team: Vec<TeamMemberRow>,
    pub adjustments: Vec<AdjustmentRow>,
    /// Everything above as dated events, earliest first.
    pub events: Vec<TimelineEvent>,
}

/// The group's adjustments, earliest first (everyone who sees the group).
pub async fn list_adjustments(
    store: &Store,
    ws: &OpenedGroup,
) -> Result<Vec<AdjustmentRow>, ServiceError> {
    Ok(store.list_adjustments(&ws.group().id).await?)
}

pub async fn timeline(store: &Store, ws: &OpenedGroup) -> Result<Timeline, ServiceError> {
    let group = &ws.group().id;
    let (records, team, adjustments) = tokio::try_join!(
        store.group_memberships(group),
        store.list_team(group),
        store.list_adjustments(group),
    )?;
    let by_id: HashMap<_, _> = adjustments.iter().map(|a| (a.id.clone(), a)).collect();
    let find =
        |id: &Option<AdjustmentId>| id.as_ref().and_then(|i| by_id.get(i)).map(|a| (*a).clone());
    let memberships: Vec<MembershipLine> = records
        .into_iter()
        .map(|r| MembershipLine {
            started_by: find(&r.started_by),
            ended_by: find(&r.ended_by),
            record: r,
        })
        .collect();
    let mut events = Vec::new();
    for m in &memberships {
        let s = &m.record.spell;
        events.push(TimelineEvent {
            on: s.from,
            kind: "member_joined",
            who: s.name.clone(),
            what: s.role.label().to_string(),
            adjustment: m.started_by.clone(),
        });
        if let Some(to) = s.to {
            events.push(TimelineEvent {
                on: to,
                kind: "member_left",
                who: s.name.clone(),
                what: s.role.label().to_string(),
                adjustment: m.ended_by.clone(),
            });
        }
    }
    for t in &team {
        let what = format!("{} · {}", t.org_name, t.role.label());
        events.push(TimelineEvent {
            on: t.joined_on,
            kind: "team_joined",
            who: t.person_name.clone(),
            what: what.clone(),
            adjustment: None,
        });
        if let Some(l) = t.left_on {
            events.push(TimelineEvent {
                on: l,
                kind: "team_left",
                who: t.person_name.clone(),
                what,
                adjustment: None,
            });
        }
    }
    // By date; on one day, leavings before joinings (a replacement reads in its order).
    let rank = |k: &str| match k {
        "member_left" => 0,
        "member_joined" => 1,
        "team_left" => 2,
        _ => 3,
    };
    events.sort_by_key(|e| (e.on, rank(e.kind)));
    Ok(Timeline {
        memberships,
        team,
        adjustments,
        events,
    })
}

/// HQ sets up a new group by an adjustment (新增结对组): under the current plan, numbered after
/// its last group, its lead town and members from the effective date.
pub async fn create_group(
    w: &Writer<'_>,
    today: Date,
    input: &crate::domain::adjustment::NewGroupInput,
) -> Result<crate::domain::ids::GroupId, ServiceError> {
    let (id, _) = new_group(w, today, input, true).await?;
    Ok(id.expect("a created group has an id"))
}

/// Checks a new group without creating it (the confirmation page).
pub async fn preview_group(
    w: &Writer<'_>,
    today: Date,
    input: &crate::domain::adjustment::NewGroupInput,
) -> Result<crate::domain::adjustment::NewGroup, ServiceError> {
    Ok(new_group(w, today, input, false).await?.1)
}

async fn new_group(
    w: &Writer<'_>,
    today: Date,
    input: &crate::domain::adjustment::NewGroupInput,
    write: bool,
) -> Result<
    (
        Option<crate::domain::ids::GroupId>,
        crate::domain::adjustment::NewGroup,
    ),
    ServiceError,
> {
    access::require_adjuster(w.by)?;
    let plan = w
        .store
        .current_plan()
        .await?
        .ok_or_else(|| ServiceError::Conflict("尚未加载行动方案".into()))?;
    let by = Recorder {
        actor: &w.actor(),
        user: &w.by.user_id,
        now_ms: w.now_ms,
        today,
        agreement_months: plan.plan.rules.agreement_months,
    };
    match w
        .store
        .create_group_by_adjustment(&by, &plan.id, plan.plan.group_start, input, write)
        .await?
    {
        Ok(done) => Ok(done),
        Err(e) => Err(ServiceError::Invalid(e)),
    }
}
