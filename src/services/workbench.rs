//! The workbench (工作台): each role's home page, what asks for its attention now. Everything
//! judged comes from the one evaluator through `compliance::year_checks`, loaded once for the
//! user's set of groups (never group by group); the page and `GET /api/v1/workbench` both call
//! [`workbench`].
//!
//! - a school: its groups, each with what is due next (the agreement deadline while unsigned, the
//!   team and base gaps, the on-site days still needed against the days left), and the school's
//!   next monthly report (五(三): one per school, due by the plan's day of each month);
//! - a town or a village: the on-site entries at its places that wait for its confirmation;
//! - the bureau and HQ: how many groups stand at each status, per rule; HQ also how many major
//!   matters wait for its acknowledgement (linking to its queue);
//! - the administrators (三权分立): their duties only, no business data.

use super::ServiceError;
use super::access::{self, Viewer};
use super::cards::{GroupCard, group_card};
use super::compliance::{self, GroupChecks, RuleCounts};
use crate::domain::evaluator::{GROUP_RULES, onsite_days_left, signings};
use crate::domain::ids::{GroupId, OnsiteEntryId};
use crate::domain::plan::Month;
use crate::domain::rules::{OnsiteWindow, RuleId, Status, Verdict, days_between};
use crate::domain::user::Role;
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use crate::store::{GroupFilter, GroupRow, Store, UserFilter};
use jiff::civil::Date;
use std::collections::HashMap;

/// The most groups a workbench lists (a school is in a handful; a town in a few dozen at most).
const MAX_GROUPS: i64 = 10_000;

pub enum Workbench {
    School(SchoolBench),
    Locality(LocalityBench),
    Programme(ProgrammeBench),
    Admin(AdminBench),
}

/// A school's workbench.
pub struct SchoolBench {
    pub year: i16,
    /// The school's next monthly report (五(三)), when a plan is loaded.
    pub next_report: Option<NextReport>,
    pub groups: Vec<GroupDue>,
    /// Each of its groups' cards (the same judging as `groups`, in the same order).
    pub cards: Vec<GroupCard>,
}

pub struct NextReport {
    pub month: Month,
    pub due_on: Date,
    pub days_left: i64,
}

/// What one group owes next.
pub struct GroupDue {
    pub group_id: GroupId,
    pub number: i64,
    pub lead_town: String,
    /// The group's worst status this year.
    pub worst: Status,
    /// The agreement, while some party still has to sign.
    pub agreement: Option<AgreementDue>,
    /// The team and base rules that call for action, with their reasons.
    pub gaps: Vec<Verdict>,
    pub onsite: OnsiteDue,
}

pub struct AgreementDue {
    /// The earliest deadline of a party still to sign.
    pub deadline: Date,
    /// Days to the deadline (negative once it has passed).
    pub days_left: i64,
    /// The parties still to sign.
    pub parties: Vec<String>,
    /// This year's verdict on the agreement.
    pub verdict: Verdict,
}

pub struct OnsiteDue {
    pub team_days: u32,
    pub required: u32,
    /// Days still to serve this year.
    pub still_needed: u32,
    /// Days still free for service in the group's window of this year.
    pub days_left: u32,
    pub verdict: Verdict,
}

/// A town's or a village's workbench: what waits for its confirmation, per group.
pub struct LocalityBench {
    pub groups: Vec<GroupPending>,
    /// The cards of the groups the town or village is in today, for this year.
    pub cards: Vec<GroupCard>,
}

pub struct GroupPending {
    pub group_id: GroupId,
    pub number: i64,
    pub lead_town: String,
    pub entries: Vec<PendingEntry>,
}

pub struct PendingEntry {
    pub id: OnsiteEntryId,
    pub date_from: Date,
    pub date_to: Date,
    pub place_name: String,
    pub place_org_id: String,
    pub content: String,
}

/// The bureau's and HQ's workbench: counts of groups by status, per rule, for this year.
pub struct ProgrammeBench {
    pub year: i16,
    pub groups: usize,
    /// Each group counted once, at its worst status.
    pub worst: Vec<(Status, usize)>,
    pub rules: Vec<RuleCounts>,
    /// HQ only (五(一): matters are reported to HQ directly): how many major matters wait for
    /// its acknowledgement; `None` for the bureau, which reads them but does not acknowledge.
    pub matters_waiting: Option<i64>,
    /// The bureau only (五(三): it reviews the monthly reports): how many submitted reports wait
    /// for its review (its queue is `/reports?state=submitted`).
    pub reports_waiting: Option<i64>,
    /// The earliest month with a report waiting (where the queue starts).
    pub reports_waiting_month: Option<Month>,
}

/// An administrator's workbench: duties, no business data.
pub struct AdminBench {
    pub role: Role,
    /// Accounts waiting for a security administrator (new ones, or a role change).
    pub awaiting_approval: i64,
}

/// The workbench of `viewer` on `today`.
pub async fn workbench(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    today: Date,
) -> Result<Workbench, ServiceError> {
    let year = today.year();
    match viewer.role {
        Role::School => school_bench(store, plans, viewer, year, today)
            .await
            .map(Workbench::School),
        Role::Town | Role::Village => locality_bench(store, plans, viewer, year, today)
            .await
            .map(Workbench::Locality),
        Role::Bureau | Role::Hq => {
            let mut bench = programme_bench(store, plans, year, today).await?;
            if access::require_matter_receiver(viewer).is_ok() {
                bench.matters_waiting = Some(store.matters_waiting().await?);
            }
            if let Some((n, month)) =
                super::monthly_reports::waiting_for_review(store, plans, viewer).await?
            {
                bench.reports_waiting = Some(n);
                bench.reports_waiting_month = month;
            }
            Ok(Workbench::Programme(bench))
        }
        Role::Sysadmin | Role::Secadmin | Role::Auditor => {
            let (_, awaiting_approval) = store
                .list_users(&UserFilter {
                    q: None,
                    role: None,
                    awaiting_approval: true,
                    limit: 0,
                    offset: 0,
                })
                .await?;
            Ok(Workbench::Admin(AdminBench {
                role: viewer.role,
                awaiting_approval,
            }))
        }
    }
}

/// The groups the viewer may read (every one of a member organisation's groups).
async fn groups_of(store: &Store, viewer: &Viewer) -> Result<Vec<GroupRow>, ServiceError> {
    let (rows, _) = store
        .list_groups(
            &access::group_scope(viewer),
            &GroupFilter {
                q: None,
                limit: MAX_GROUPS,
                offset: 0,
            },
        )
        .await?;
    Ok(rows)
}

async fn school_bench(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    today: Date,
) -> Result<SchoolBench, ServiceError> {
    // The groups the school serves in today (a group it has left owes nothing of it now).
    let rows: Vec<GroupRow> = groups_of(store, viewer)
        .await?
        .into_iter()
        .filter(|g| g.calendar().school_role_on(&viewer.org_id, today).is_some())
        .collect();
    let ids: Vec<GroupId> = rows.iter().map(|g| g.id.clone()).collect();
    let checks = compliance::year_checks(store, plans, GroupSet::Ids(&ids), year, today).await?;
    let by_id: HashMap<&GroupId, &GroupChecks> = checks.iter().map(|c| (&c.facts.id, c)).collect();
    let groups = rows
        .iter()
        .filter_map(|row| by_id.get(&row.id).map(|c| group_due(row, c, today)))
        .collect();
    let cards = rows
        .iter()
        .filter_map(|row| by_id.get(&row.id).map(|c| group_card(c, &row.lead_town)))
        .collect();
    let next_report = plans.current_years(store).await?.map(|(_, years)| {
        let next = crate::domain::monthly::next_due(years.for_year(today.year()), today);
        NextReport {
            month: next.month,
            due_on: next.due_on,
            days_left: days_between(today, next.due_on),
        }
    });
    Ok(SchoolBench {
        year,
        next_report,
        groups,
        cards,
    })
}

fn group_due(row: &GroupRow, c: &GroupChecks, today: Date) -> GroupDue {
    let v = &c.verdicts;
    let pending: Vec<_> = signings(&c.plan, &c.facts)
        .into_iter()
        .filter(|s| s.signed_on.is_none() && s.left.is_none_or(|l| l > today))
        .collect();
    let agreement = pending
        .iter()
        .map(|s| s.deadline)
        .min()
        .and_then(|deadline| {
            let verdict = v.get(RuleId::Agreement)?.clone();
            Some(AgreementDue {
                deadline,
                days_left: days_between(today, deadline),
                parties: pending.iter().map(|s| s.name.clone()).collect(),
                verdict,
            })
        });
    let gaps = GROUP_RULES
        .iter()
        .filter(|r| !matches!(r, RuleId::Agreement | RuleId::Onsite))
        .filter_map(|r| v.get(*r))
        .filter(|x| x.status.needs_action())
        .cloned()
        .collect();
    let p = &v.onsite;
    let days_left = match onsite_days_left(&c.facts, &v.period) {
        OnsiteWindow::Open { days_left, .. } => days_left,
        OnsiteWindow::Closed => 0,
    };
    let onsite = OnsiteDue {
        team_days: p.team_days,
        required: p.required,
        still_needed: p.required.saturating_sub(p.team_days),
        days_left,
        verdict: v.get(RuleId::Onsite).cloned().unwrap_or_else(|| Verdict {
            rule: RuleId::Onsite,
            status: Status::NotApplicable,
            reason: String::new(),
        }),
    };
    GroupDue {
        group_id: row.id.clone(),
        number: row.number,
        lead_town: row.lead_town.clone(),
        worst: v.worst(),
        agreement,
        gaps,
        onsite,
    }
}

async fn locality_bench(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    today: Date,
) -> Result<LocalityBench, ServiceError> {
    let rows = groups_of(store, viewer).await?;
    // The cards: the groups the town or village is in today, judged in one batch.
    let current: Vec<&GroupRow> = rows
        .iter()
        .filter(|g| {
            g.members
                .iter()
                .any(|m| m.org_id == viewer.org_id && m.active_on(today))
        })
        .collect();
    let ids: Vec<GroupId> = current.iter().map(|g| g.id.clone()).collect();
    let checks = compliance::year_checks(store, plans, GroupSet::Ids(&ids), year, today).await?;
    let by_id: HashMap<&GroupId, &GroupChecks> = checks.iter().map(|c| (&c.facts.id, c)).collect();
    let cards = current
        .iter()
        .filter_map(|row| by_id.get(&row.id).map(|c| group_card(c, &row.lead_town)))
        .collect();
    let ids: Vec<GroupId> = rows.iter().map(|g| g.id.clone()).collect();
    let pending = store.unconfirmed_onsite(&ids).await?;
    let mut by_group: HashMap<&GroupId, Vec<PendingEntry>> = HashMap::new();
    let rows_by_id: HashMap<&GroupId, &GroupRow> = rows.iter().map(|g| (&g.id, g)).collect();
    for e in &pending {
        let Some(group) = rows_by_id.get(&e.group_id) else {
            continue;
        };
        // The one access rule decides which entries this user may confirm.
        if !access::may_confirm_onsite(viewer, group, today, &e.place_org_id, false) {
            continue;
        }
        by_group.entry(&group.id).or_default().push(PendingEntry {
            id: e.id.clone(),
            date_from: e.date_from,
            date_to: e.date_to,
            place_name: e.place_name.clone(),
            place_org_id: e.place_org_id.to_string(),
            content: e.content.clone(),
        });
    }
    let groups = rows
        .iter()
        .filter_map(|g| {
            by_group.remove(&g.id).map(|entries| GroupPending {
                group_id: g.id.clone(),
                number: g.number,
                lead_town: g.lead_town.clone(),
                entries,
            })
        })
        .collect();
    Ok(LocalityBench { groups, cards })
}

async fn programme_bench(
    store: &Store,
    plans: &PlanCache,
    year: i16,
    today: Date,
) -> Result<ProgrammeBench, ServiceError> {
    let checks = compliance::year_checks(store, plans, GroupSet::All, year, today).await?;
    Ok(ProgrammeBench {
        year,
        groups: checks.len(),
        worst: compliance::count_worst(&checks),
        rules: compliance::count_by_rule(&checks),
        matters_waiting: None,
        reports_waiting: None,
        reports_waiting_month: None,
    })
}
