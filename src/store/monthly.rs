//! 月度进展报告 (五(三)): who owes a report for which month, and where each report stands. The
//! roll is loaded for a range of months at once (one query for the plan's school memberships, one
//! for the reports), so a year's rates or the province's month cost two queries.

use super::Store;
use super::rows::{date, decode_err, opt_date};
use crate::domain::ids::{MonthlyReportId, OrgId, PlanId};
use crate::domain::monthly::{Deadline, Rates, ReportState, Timeliness, deadline, timeliness};
use crate::domain::org::OrgKind;
use crate::domain::plan::{Month, PlanYears};
use jiff::civil::Date;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Where one school's report for one month stands (the stored row; none = untouched draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHead {
    pub id: MonthlyReportId,
    pub state: ReportState,
    /// Submissions so far (0 for a draft never submitted).
    pub version: i64,
    pub first_submitted_at: Option<i64>,
    pub last_submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    /// Accepted as a paper copy after submissions closed (stays 未报).
    pub paper: bool,
}

/// One school in one month's roll.
#[derive(Debug, Clone, PartialEq)]
pub struct RollEntry {
    pub school: OrgId,
    pub name: String,
    pub kind: OrgKind,
    /// A member (university or vocational school) of an active group of the plan on the due
    /// date: only these count in the rates.
    pub expected: bool,
    pub report: Option<ReportHead>,
    pub timeliness: Timeliness,
}

impl RollEntry {
    pub fn state(&self) -> ReportState {
        self.report
            .as_ref()
            .map(|r| r.state)
            .unwrap_or(ReportState::Draft)
    }
}

/// One month's roll: every school that owed a report, or has one, in name order.
#[derive(Debug, Clone)]
pub struct MonthRoll {
    pub deadline: Deadline,
    pub entries: Vec<RollEntry>,
}

impl MonthRoll {
    /// Reporting and on-time rates of the month over the schools that were members on the due date.
    pub fn rates(&self) -> Rates {
        let mut r = Rates::default();
        for e in self.entries.iter().filter(|e| e.expected) {
            r.add(e.timeliness);
        }
        r
    }

    /// The expected schools with no submission yet.
    pub fn unsubmitted(&self) -> impl Iterator<Item = &RollEntry> {
        self.entries
            .iter()
            .filter(|e| e.expected && !e.timeliness.submitted())
    }
}

struct SchoolSpell {
    org: OrgId,
    name: String,
    kind: OrgKind,
    from: Date,
    to: Option<Date>,
    group_from: Date,
    group_to: Option<Date>,
}

impl SchoolSpell {
    fn member_on(&self, d: Date) -> bool {
        self.from <= d
            && self.to.is_none_or(|t| d < t)
            && self.group_from <= d
            && self.group_to.is_none_or(|t| d < t)
    }
}

impl Store {
    /// The report roll of each month in `from ..= to` under the plan, judged at `now_ms`: the
    /// schools expected on each month's due date and every school with a stored report. Months
    /// before the plan's first report month are left out; each month is due as the plan in force
    /// for its year says.
    pub async fn report_roll(
        &self,
        plan_id: &PlanId,
        years: &PlanYears,
        from: Month,
        to: Month,
        now_ms: i64,
    ) -> sqlx::Result<Vec<MonthRoll>> {
        let from = from.max(years.original().report_start_month);
        if from > to {
            return Ok(Vec::new());
        }
        let spells = sqlx::query(
            "select m.org_id, o.name, o.kind, m.effective_from, m.effective_to,
                    g.started_on, g.ended_on
             from group_memberships m
             join pairing_groups g on g.id = m.group_id
             join organisations o on o.id = m.org_id
             where g.plan_id = $1 and m.role in ('university', 'vocational_school')",
        )
        .bind(plan_id.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(SchoolSpell {
                org: OrgId::from_db(r.try_get::<String, _>("org_id")?),
                name: r.try_get("name")?,
                kind: OrgKind::parse(&kind)
                    .ok_or_else(|| decode_err("organisation kind", &kind))?,
                from: date(r, "effective_from")?,
                to: opt_date(r, "effective_to")?,
                group_from: date(r, "started_on")?,
                group_to: opt_date(r, "ended_on")?,
            })
        })
        .collect::<sqlx::Result<Vec<_>>>()?;
        let mut reports: BTreeMap<String, Vec<(OrgId, String, ReportHead)>> = BTreeMap::new();
        for r in sqlx::query(
            "select r.id, r.school_id, o.name, r.month, r.state, r.version, r.first_submitted_at,
                    r.last_submitted_at, r.reviewed_at, r.paper
             from monthly_reports r join organisations o on o.id = r.school_id
             where r.plan_id = $1 and r.month >= $2 and r.month <= $3",
        )
        .bind(plan_id.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?
        {
            let state: String = r.try_get("state")?;
            let head = ReportHead {
                id: MonthlyReportId::from_db(r.try_get::<String, _>("id")?),
                state: ReportState::parse(&state)
                    .ok_or_else(|| decode_err("report state", &state))?,
                version: r.try_get("version")?,
                first_submitted_at: r.try_get("first_submitted_at")?,
                last_submitted_at: r.try_get("last_submitted_at")?,
                reviewed_at: r.try_get("reviewed_at")?,
                paper: r.try_get::<i64, _>("paper")? != 0,
            };
            reports.entry(r.try_get("month")?).or_default().push((
                OrgId::from_db(r.try_get::<String, _>("school_id")?),
                r.try_get("name")?,
                head,
            ));
        }
        let kinds: HashMap<&OrgId, OrgKind> = spells.iter().map(|s| (&s.org, s.kind)).collect();
        let mut out = Vec::new();
        for month in crate::domain::monthly::months_from(from, to) {
            let d = deadline(years.for_month(month), month);
            let key = month.to_string();
            let mut entries: BTreeMap<OrgId, RollEntry> = BTreeMap::new();
            for s in spells.iter().filter(|s| s.member_on(d.due_on)) {
                entries.entry(s.org.clone()).or_insert_with(|| RollEntry {
                    school: s.org.clone(),
                    name: s.name.clone(),
                    kind: s.kind,
                    expected: true,
                    report: None,
                    timeliness: Timeliness::NotDue,
                });
            }
            for (org, name, head) in reports.get(&key).into_iter().flatten() {
                let kind = kinds.get(org).copied().unwrap_or(OrgKind::University);
                entries
                    .entry(org.clone())
                    .or_insert_with(|| RollEntry {
                        school: org.clone(),
                        name: name.clone(),
                        kind,
                        expected: false,
                        report: None,
                        timeliness: Timeliness::NotDue,
                    })
                    .report = Some(head.clone());
            }
            let mut entries: Vec<RollEntry> = entries
                .into_values()
                .map(|mut e| {
                    let first = e.report.as_ref().and_then(|r| r.first_submitted_at);
                    e.timeliness = timeliness(&d, first, now_ms);
                    e
                })
                .collect();
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            out.push(MonthRoll {
                deadline: d,
                entries,
            });
        }
        Ok(out)
    }
}
