//! 表彰 (五(三)): "对评价结果为优秀集体和先进个人的进行表彰", and "各签约学校在职称评审、评优评先等方面
//! 给予倾斜". HQ nominates 优秀集体 (a group and its team) and 先进个人 (a member of a group's
//! team in that year, with their school), corrects a nomination, approves or withdraws it. The
//! bureau and HQ read every one; a member organisation reads the approved ones of its groups and
//! people — a school exports its people's for its title-review files.

use super::ServiceError;
use super::access::{self, Viewer};
use crate::domain::FieldErrors;
use crate::domain::ids::{CommendationId, GroupId, TeamMemberId};
use crate::domain::rules::year_bounds;
use crate::domain::user::Role;
use crate::store::commendations::{
    CommendationKind, CommendationRow, CommendationState, NewCommendation,
};
use crate::store::plans::PlanCache;
use crate::store::{GroupFilter, Store};
use jiff::civil::Date;

/// The longest citation kept.
pub const MAX_CITATION_CHARS: usize = 2000;

fn require_hq(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Hq])
}

/// Whether the viewer may nominate, approve and withdraw (HQ).
pub fn may_decide(viewer: &Viewer) -> bool {
    viewer.role == Role::Hq
}

/// The commendations the viewer may read, of `year` or every year.
pub async fn list(
    store: &Store,
    viewer: &Viewer,
    year: Option<i16>,
) -> Result<Vec<CommendationRow>, ServiceError> {
    access::require_business(viewer)?;
    let rows = store.list_commendations(year).await?;
    if access::sees_programme(viewer) {
        return Ok(rows);
    }
    // The groups the viewer's organisation is or was in.
    let (groups, _) = store
        .list_groups(
            &viewer.group_scope(),
            &GroupFilter {
                q: None,
                limit: 10_000,
                offset: 0,
            },
        )
        .await?;
    // A collective commendation is read by the organisations that were members of the group in
    // its year (one that joined later, or had left, was not part of it).
    let member_in = |group: &GroupId, year: i16| {
        let (first, last) = year_bounds(year);
        groups.iter().filter(|g| &g.id == group).any(|g| {
            g.members.iter().any(|m| {
                m.org_id == viewer.org_id
                    && m.effective_from <= last
                    && m.effective_to.is_none_or(|to| to > first)
            })
        })
    };
    Ok(rows
        .into_iter()
        .filter(|c| c.state == CommendationState::Approved)
        .filter(|c| match c.kind {
            CommendationKind::Collective => member_in(&c.group_id, c.year),
            CommendationKind::Individual => c.org_id.as_ref() == Some(&viewer.org_id),
        })
        .collect())
}

/// A nomination as entered.
#[derive(Default)]
pub struct NominationInput {
    pub year: String,
    pub kind: String,
    pub group_id: String,
    pub team_member_id: String,
    pub citation: String,
}

fn check_citation(e: &mut FieldErrors, citation: &str) -> String {
    let c = citation.trim();
    if c.is_empty() {
        e.push("citation", "请填写主要事迹或表彰理由");
    } else if c.chars().count() > MAX_CITATION_CHARS {
        e.push("citation", format!("不能超过 {MAX_CITATION_CHARS} 字"));
    }
    c.to_string()
}

/// HQ nominates: a completed year from the plan's first evaluated one; a group of the plan active
/// in that year; for 先进个人 a member of that group's team during the year.
pub async fn nominate(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    input: &NominationInput,
    today: Date,
    now_ms: i64,
) -> Result<CommendationId, ServiceError> {
    require_hq(viewer)?;
    let Some((plan_id, versions)) = plans.current_years(store).await? else {
        return Err(ServiceError::NotFound);
    };
    let mut e = FieldErrors::default();
    let year = input
        .year
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|y| super::evaluation::years(versions.for_year(*y), today).contains(y));
    if year.is_none() {
        e.push("year", "应为已经结束、且在方案评价范围内的年度");
    }
    let kind = CommendationKind::parse(&input.kind);
    if kind.is_none() {
        e.push(
            "kind",
            "应为 collective（优秀集体）或 individual（先进个人）",
        );
    }
    let citation = check_citation(&mut e, &input.citation);
    let group = match GroupId::parse(input.group_id.trim()) {
        Some(id) => store
            .get_group(&crate::store::GroupScope::All, &id)
            .await?
            .filter(|g| g.group.plan_id == plan_id),
        None => None,
    };
    if group.is_none() {
        e.push("group_id", "应为本方案的结对组");
    }
    let mut person = None;
    if let (Some(CommendationKind::Individual), Some(g), Some(y)) = (kind, &group, year) {
        let (first, last) = year_bounds(y);
        let member = match TeamMemberId::parse(input.team_member_id.trim()) {
            Some(id) => store
                .list_team(&g.group.id)
                .await?
                .into_iter()
                .find(|m| m.id == id),
            None => None,
        };
        match member {
            Some(m) if m.joined_on <= last && m.left_on.is_none_or(|l| l > first) => {
                person = Some((m.id, m.org_id, m.person_name));
            }
            Some(_) => e.push("team_member_id", format!("该队员 {y} 年不在服务工作队中")),
            None => e.push("team_member_id", "应为该结对组服务工作队的队员"),
        }
    } else if kind == Some(CommendationKind::Collective) && !input.team_member_id.trim().is_empty()
    {
        e.push("team_member_id", "优秀集体不填队员");
    }
    if e.is_empty()
        && let (Some(g), Some(y)) = (&group, year)
    {
        let (first, last) = year_bounds(y);
        let active = g.group.started_on <= last && g.group.ended_on.is_none_or(|end| end > first);
        if !active {
            e.push("group_id", format!("该结对组 {y} 年未开展工作"));
        }
    }
    if !e.is_empty() {
        return Err(ServiceError::Invalid(e));
    }
    let c = NewCommendation {
        plan_id,
        year: year.expect("checked"),
        kind: kind.expect("checked"),
        group_id: group.expect("checked").group.id,
        person,
        citation,
    };
    Ok(store.add_commendation(&viewer.actor(), now_ms, &c).await?)
}

fn id_of(id: &str) -> Result<CommendationId, ServiceError> {
    CommendationId::parse(id).ok_or(ServiceError::NotFound)
}

/// HQ corrects a nomination's citation.
pub async fn update(
    store: &Store,
    viewer: &Viewer,
    id: &str,
    citation: &str,
    now_ms: i64,
) -> Result<bool, ServiceError> {
    require_hq(viewer)?;
    let id = id_of(id)?;
    let mut e = FieldErrors::default();
    let citation = check_citation(&mut e, citation);
    if !e.is_empty() {
        return Err(ServiceError::Invalid(e));
    }
    Ok(store
        .update_citation(&viewer.actor(), now_ms, &id, &citation)
        .await?)
}

/// HQ approves a nomination, or withdraws it.
pub async fn decide(
    store: &Store,
    viewer: &Viewer,
    id: &str,
    approve: bool,
    now_ms: i64,
) -> Result<(), ServiceError> {
    require_hq(viewer)?;
    let id = id_of(id)?;
    store
        .decide_commendation(
            &viewer.actor(),
            now_ms,
            &id,
            if approve {
                CommendationState::Approved
            } else {
                CommendationState::Withdrawn
            },
        )
        .await?;
    Ok(())
}

/// One commendation the viewer may read.
pub async fn get(
    store: &Store,
    viewer: &Viewer,
    id: &str,
) -> Result<CommendationRow, ServiceError> {
    let id = id_of(id)?;
    let row = store
        .get_commendation(&id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    list(store, viewer, Some(row.year))
        .await?
        .into_iter()
        .find(|c| c.id == row.id)
        .ok_or(ServiceError::NotFound)
}

/// A commendation's 修改记录, oldest first (nomination, citation corrections, approval or
/// withdrawal), for those who may read it.
pub async fn history(
    store: &Store,
    viewer: &Viewer,
    id: &str,
) -> Result<(CommendationRow, Vec<crate::services::history::HistoryEntry>), ServiceError> {
    let c = get(store, viewer, id).await?;
    let records = store.record_history("commendation", c.id.as_str()).await?;
    let name = |id: &str| -> Option<String> {
        if id == c.group_id.as_str() {
            Some(format!("第 {} 组（{}）", c.group_number, c.lead_town))
        } else if c.team_member_id.as_ref().is_some_and(|m| m.as_str() == id) {
            c.person_name.clone()
        } else if c.org_id.as_ref().is_some_and(|o| o.as_str() == id) {
            c.org_name.clone()
        } else {
            None
        }
    };
    let entries = records
        .iter()
        .map(|r| crate::services::history::entry(r, &name))
        .collect();
    Ok((c, entries))
}
