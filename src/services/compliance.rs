//! The compliance service: loads the facts of a set of groups for a period and hands them to the
//! one evaluator of `domain::evaluator`. The group pages, the API, exports and (later) the
//! compliance matrix all ask here, so they cannot disagree.

use super::ServiceError;
use super::access::{self, Viewer};
use crate::domain::FieldError;
use crate::domain::evaluator::{self, GROUP_RULES, GroupVerdicts, SchoolMonths, SchoolVerdict};
use crate::domain::facts::GroupFacts;
use crate::domain::facts::SchoolFact;
use crate::domain::ids::{GroupId, OrgId, PlanId};
use crate::domain::monthly::{Rates, Timeliness};
use crate::domain::plan::Month;
use crate::domain::plan::Plan;
use crate::domain::rules::{RuleId, Status, year_bounds};
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use crate::store::{GroupFilter, GroupRow, Store};
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One group's facts for a year with its verdicts.
pub struct GroupChecks {
    pub facts: GroupFacts,
    pub plan: Arc<Plan>,
    pub verdicts: GroupVerdicts,
}

fn missing_plan(g: &GroupFacts) -> sqlx::Error {
    sqlx::Error::Decode(format!("group {} refers to a plan that does not exist", g.id).into())
}

/// Every rule, for every group of `set`, for calendar `year` as seen on `today`.
pub async fn year_checks(
    store: &Store,
    plans: &PlanCache,
    set: GroupSet<'_>,
    year: i16,
    today: Date,
) -> sqlx::Result<Vec<GroupChecks>> {
    let (first, last) = year_bounds(year);
    let started = std::time::Instant::now();
    let facts = store.load_group_facts(set, first, last).await?;
    let loaded = started.elapsed();
    // Each group with its plan in force for the year (plans are few and cached), then the
    // judging, which is pure CPU work: off the async workers, spread over the cores for a large set.
    let mut planned: Vec<(Arc<Plan>, GroupFacts)> = Vec::with_capacity(facts.len());
    let mut current: Option<(PlanId, Arc<Plan>)> = None;
    for g in facts {
        let plan = match &current {
            Some((id, p)) if *id == g.plan => p.clone(),
            _ => {
                let p = plans
                    .for_year(store, &g.plan, year)
                    .await?
                    .ok_or_else(|| missing_plan(&g))?;
                current = Some((g.plan.clone(), p.clone()));
                p
            }
        };
        planned.push((plan, g));
    }
    let out = tokio::task::spawn_blocking(move || evaluate_all(planned, year, today))
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("evaluation stopped: {e}")))?;
    tracing::debug!(
        groups = out.len(),
        load_ms = loaded.as_secs_f64() * 1e3,
        evaluate_ms = (started.elapsed() - loaded).as_secs_f64() * 1e3,
        "year checks"
    );
    Ok(out)
}

/// Below this many groups one thread judges them all.
const PARALLEL_FROM: usize = 200;

fn evaluate_all(planned: Vec<(Arc<Plan>, GroupFacts)>, year: i16, today: Date) -> Vec<GroupChecks> {
    let judge = move |(plan, facts): (Arc<Plan>, GroupFacts)| {
        // Judged as things stood on `today`: records dated after it had not happened yet (the
        // matrix's "as of" date or a month's last day; none on the real today as a rule).
        let facts = crate::domain::period::records_as_of(&facts, today).unwrap_or(facts);
        let verdicts = evaluator::evaluate_group(&plan, &facts, year, today);
        GroupChecks {
            facts,
            plan,
            verdicts,
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if planned.len() < PARALLEL_FROM || threads < 2 {
        return planned.into_iter().map(judge).collect();
    }
    let per_thread = planned.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(Arc<Plan>, GroupFacts)>> = Vec::with_capacity(threads);
    let mut rest = planned.into_iter();
    loop {
        let chunk: Vec<_> = rest.by_ref().take(per_thread).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(judge).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an evaluation thread panicked"))
            .collect()
    })
}

/// The checks of one group already opened (its row read for the page): the record tables only.
pub async fn checks_of_group(
    store: &Store,
    plan: Arc<Plan>,
    group: &GroupRow,
    year: i16,
    today: Date,
) -> sqlx::Result<GroupChecks> {
    let (first, last) = year_bounds(year);
    let facts = store.facts_of_group(group, first, last).await?;
    // As `year_checks` judges: records dated after `today` had not happened yet.
    let facts = crate::domain::period::records_as_of(&facts, today).unwrap_or(facts);
    let verdicts = evaluator::evaluate_group(&plan, &facts, year, today);
    Ok(GroupChecks {
        facts,
        plan,
        verdicts,
    })
}

/// 二: the pairing rule for every school of the programme, judged on all groups, under the plan
/// in force for `year`.
pub async fn school_checks(
    store: &Store,
    plans: &PlanCache,
    year: i16,
    today: Date,
) -> sqlx::Result<Vec<SchoolVerdict>> {
    let Some((_, years)) = plans.current_years(store).await? else {
        return Ok(Vec::new());
    };
    let plan = years.for_year(year);
    let schools = store.load_schools().await?;
    let groups = store.load_group_calendars(GroupSet::All).await?;
    Ok(evaluator::evaluate_pairing(
        plan, &schools, &groups, year, today,
    ))
}

/// How many groups stand at each status (every status, zeros included, worst first), each
/// group counted once at its worst status.
pub fn count_worst(checks: &[GroupChecks]) -> Vec<(Status, usize)> {
    Status::ALL
        .into_iter()
        .map(|s| {
            let n = checks.iter().filter(|c| c.verdicts.worst() == s).count();
            (s, n)
        })
        .collect()
}

pub struct RuleCounts {
    pub rule: RuleId,
    /// Every status with its number of groups (zeros included, in [`Status::ALL`] order).
    pub counts: Vec<(Status, usize)>,
}

/// Per rule of the group page, how many groups stand at each status.
pub fn count_by_rule(checks: &[GroupChecks]) -> Vec<RuleCounts> {
    GROUP_RULES
        .iter()
        .map(|rule| RuleCounts {
            rule: *rule,
            counts: Status::ALL
                .into_iter()
                .map(|s| {
                    let n = checks
                        .iter()
                        .filter(|c| c.verdicts.get(*rule).is_some_and(|v| v.status == s))
                        .count();
                    (s, n)
                })
                .collect(),
        })
        .collect()
}

/// A filter of the group list by verdict: one rule's status, or (no rule) the group's worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFilter {
    pub rule: Option<RuleId>,
    pub status: Status,
}

impl StatusFilter {
    /// Reads the filter from a query: `rule` (a group rule's id, optional) and `status` (a status
    /// code; required with a rule). `fields` names the two fields in the caller's words.
    pub fn parse(
        rule: Option<&str>,
        status: Option<&str>,
        fields: (&'static str, &'static str),
    ) -> Result<Option<Self>, FieldError> {
        let rule = match rule {
            Some(r) => Some(
                RuleId::parse(r)
                    .filter(|r| GROUP_RULES.contains(r))
                    .ok_or_else(|| FieldError::new(fields.0, format!("“{r}”不是结对组的规则")))?,
            ),
            None => None,
        };
        match status {
            Some(s) => {
                let status = Status::parse(s)
                    .ok_or_else(|| FieldError::new(fields.1, format!("“{s}”不是有效的检查结果")))?;
                Ok(Some(Self { rule, status }))
            }
            None if rule.is_some() => Err(FieldError::new(fields.1, "按规则筛选时请选择结果")),
            None => Ok(None),
        }
    }

    pub fn matches(&self, v: &GroupVerdicts) -> bool {
        match self.rule {
            Some(r) => v.get(r).is_some_and(|x| x.status == self.status),
            None => v.worst() == self.status,
        }
    }
}

/// What a page of the group list asks for.
pub struct GroupList {
    /// Matches a group number or the name of any member organisation.
    pub q: Option<String>,
    pub by_status: Option<StatusFilter>,
    pub limit: i64,
    pub offset: i64,
}

/// A page of the group list with each group's worst status for `year`. Without a status filter
/// the store pages and only the page's groups are judged; with one, every group of the viewer's
/// scope matching `q` is judged once (one batch), filtered, then paged.
pub async fn list_groups_with_status(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    list: GroupList,
    year: i16,
    today: Date,
) -> Result<(Vec<(GroupRow, Status)>, i64), ServiceError> {
    access::require_business(viewer)?;
    let GroupList {
        q,
        by_status,
        limit,
        offset,
    } = list;
    let scope = access::group_scope(viewer);
    let filter = match by_status {
        None => GroupFilter { q, limit, offset },
        Some(_) => GroupFilter {
            q,
            limit: i64::MAX / 2,
            offset: 0,
        },
    };
    let (rows, total) = store.list_groups(&scope, &filter).await?;
    let ids: Vec<GroupId> = rows.iter().map(|g| g.id.clone()).collect();
    let checks = year_checks(store, plans, GroupSet::Ids(&ids), year, today).await?;
    let by_id: HashMap<GroupId, GroupVerdicts> = checks
        .into_iter()
        .map(|c| (c.facts.id.clone(), c.verdicts))
        .collect();
    let judged = rows.into_iter().filter_map(|g| {
        let v = by_id.get(&g.id)?;
        if by_status.is_some_and(|f| !f.matches(v)) {
            return None;
        }
        Some((g, v.worst()))
    });
    match by_status {
        None => Ok((judged.collect(), total)),
        Some(_) => {
            let all: Vec<(GroupRow, Status)> = judged.collect();
            let total = all.len() as i64;
            let page = all
                .into_iter()
                .skip(offset.max(0) as usize)
                .take(limit.max(0) as usize)
                .collect();
            Ok((page, total))
        }
    }
}

/// One school's year of monthly reports: the rule's verdict, its reporting and on-time rates and
/// each month it owed with how that month's report stands.
pub struct SchoolReportYear {
    pub verdict: SchoolVerdict,
    pub rates: Rates,
    pub months: Vec<(Month, Timeliness)>,
}

/// The city's rates per month (schools that were members on each due date).
pub struct MonthRates {
    pub month: Month,
    pub rates: Rates,
}

/// 五(三): each school's monthly reports over `year` (judged by the one evaluator) and the
/// city's rates per month, from one roll of the year's months (two queries). Months after the
/// current one are left out. `only` narrows the schools (a school user sees its own). The plan in
/// force for `year` sets the due day and judges the rule.
pub async fn report_year(
    store: &Store,
    plans: &PlanCache,
    year: i16,
    now_ms: i64,
    today: Date,
    only: Option<&OrgId>,
) -> sqlx::Result<(Vec<SchoolReportYear>, Vec<MonthRates>)> {
    let Some((plan_id, years)) = plans.current_years(store).await? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let plan = years.for_year(year).clone();
    let last = Month { year, month: 12 }.min(Month::of(today));
    let rolls = store
        .report_roll(&plan_id, &years, Month { year, month: 1 }, last, now_ms)
        .await?;
    let mut by_school: BTreeMap<OrgId, SchoolMonths> = BTreeMap::new();
    let mut city = Vec::with_capacity(rolls.len());
    for roll in &rolls {
        city.push(MonthRates {
            month: roll.deadline.month,
            rates: roll.rates(),
        });
        for e in roll.entries.iter().filter(|e| e.expected) {
            if only.is_some_and(|o| o != &e.school) {
                continue;
            }
            by_school
                .entry(e.school.clone())
                .or_insert_with(|| SchoolMonths {
                    school: SchoolFact {
                        org: e.school.clone(),
                        name: e.name.clone(),
                        kind: e.kind,
                    },
                    months: Vec::new(),
                })
                .months
                .push((roll.deadline.month, e.timeliness));
        }
    }
    // Schools of the programme that owed nothing this year still get their line.
    for s in store.load_schools().await? {
        if only.is_some_and(|o| o != &s.org) {
            continue;
        }
        by_school.entry(s.org.clone()).or_insert(SchoolMonths {
            school: s,
            months: Vec::new(),
        });
    }
    let schools: Vec<SchoolMonths> = by_school.into_values().collect();
    let verdicts = evaluator::evaluate_monthly_reports(&plan, &schools, year, today);
    let mut out: Vec<SchoolReportYear> = schools
        .into_iter()
        .zip(verdicts)
        .map(|(s, verdict)| {
            let mut rates = Rates::default();
            for (_, t) in &s.months {
                rates.add(*t);
            }
            SchoolReportYear {
                verdict,
                rates,
                months: s.months,
            }
        })
        .collect();
    out.sort_by(|a, b| a.verdict.school.name.cmp(&b.verdict.school.name));
    Ok((out, city))
}

/// What a viewer may see of a year's monthly-report rates.
pub struct ReportRates {
    /// The rule's title under the plan in force for the year.
    pub title: String,
    pub schools: Vec<SchoolReportYear>,
    /// The city's rates per month; empty for a school user (it sees its own line only).
    pub city: Vec<MonthRates>,
}

/// 五(三) rates for `viewer`: the bureau and HQ see every school and the city's months; a school
/// user its own line; everyone else is refused.
pub async fn report_rates(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    year: i16,
    now_ms: i64,
    today: Date,
) -> Result<ReportRates, ServiceError> {
    use crate::domain::user::Role;
    let only = match viewer.role {
        _ if access::sees_programme(viewer) => None,
        Role::School => Some(&viewer.org_id),
        _ => return Err(ServiceError::Forbidden),
    };
    let title = plans
        .current_years(store)
        .await?
        .map(|(_, p)| p.for_year(year).rule_title(RuleId::MonthlyReport))
        .unwrap_or_default();
    let (schools, city) = report_year(store, plans, year, now_ms, today, only).await?;
    Ok(ReportRates {
        title,
        schools,
        city: if only.is_some() { Vec::new() } else { city },
    })
}

/// [`year_checks`] judged on `judged_on`, a date that may be before today (the compliance
/// matrix's "as of" date, or a month's last day): records dated after it had not happened yet
/// on it and are left out (`domain::period::records_as_of`) before the group is judged again.
pub async fn checks_as_of(
    store: &Store,
    plans: &PlanCache,
    set: GroupSet<'_>,
    year: i16,
    judged_on: Date,
) -> sqlx::Result<Vec<GroupChecks>> {
    // `year_checks` judges every group on the date it is given, records after it left out.
    year_checks(store, plans, set, year, judged_on).await
}

/// One school's verdicts on the school rules (`evaluator::SCHOOL_RULES`, in that order) for a
/// period, with the months of reports the monthly-report rule read.
#[derive(Clone)]
pub struct SchoolRules {
    pub school: SchoolFact,
    pub verdicts: Vec<crate::domain::rules::Verdict>,
    /// Each month of the period the school owed a report, with how it stood as of the period's date.
    pub months: Vec<(Month, Timeliness)>,
}

/// 二, 五(三) and 三(五) for every school of the programme (or `only` one) in a period, judged by
/// the one evaluator on the date the period is read on: pairing and medical-extra on the
/// memberships of that date (all groups: a school's pairing may be in any group), the monthly
/// reports as they stood at the end of that date (a submission after it had not happened yet).
pub async fn school_rule_checks(
    store: &Store,
    plans: &PlanCache,
    period: &crate::domain::period::Period,
    now_ms: i64,
    only: Option<&OrgId>,
) -> sqlx::Result<Vec<SchoolRules>> {
    let (groups, inputs) = tokio::try_join!(
        store.load_group_calendars(GroupSet::All),
        school_inputs(store, plans, period, now_ms),
    )?;
    Ok(judge_schools(inputs, &groups, period, only))
}

/// What the school rules read besides the groups: the plan, the schools and the report roll.
pub struct SchoolInputs {
    plan: Option<Arc<Plan>>,
    schools: Vec<SchoolFact>,
    owed: HashMap<OrgId, Vec<(Month, Timeliness)>>,
}

/// Loads [`SchoolInputs`] for `period` (the reports as of the end of the period's date).
pub async fn school_inputs(
    store: &Store,
    plans: &PlanCache,
    period: &crate::domain::period::Period,
    now_ms: i64,
) -> sqlx::Result<SchoolInputs> {
    use crate::domain::monthly::{end_of_day_ms, timeliness};
    let Some((plan_id, years)) = plans.current_years(store).await? else {
        return Ok(SchoolInputs {
            plan: None,
            schools: Vec::new(),
            owed: HashMap::new(),
        });
    };
    let plan = years.for_year(period.year()).clone();
    let cutoff = now_ms.min(end_of_day_ms(period.as_of));
    let (from, to) = period.months();
    let (schools, rolls) = tokio::try_join!(
        store.load_schools(),
        store.report_roll(&plan_id, &years, from, to, cutoff),
    )?;
    let mut owed: HashMap<OrgId, Vec<(Month, Timeliness)>> = HashMap::new();
    for roll in &rolls {
        for e in roll.entries.iter().filter(|e| e.expected) {
            let first = e
                .report
                .as_ref()
                .and_then(|r| r.first_submitted_at)
                .filter(|t| *t <= cutoff);
            owed.entry(e.school.clone()).or_default().push((
                roll.deadline.month,
                timeliness(&roll.deadline, first, cutoff),
            ));
        }
    }
    Ok(SchoolInputs {
        plan: Some(plan),
        schools,
        owed,
    })
}

/// The school rules judged on `inputs` and the groups' calendars (`groups`: every group).
pub fn judge_schools(
    inputs: SchoolInputs,
    groups: &[GroupFacts],
    period: &crate::domain::period::Period,
    only: Option<&OrgId>,
) -> Vec<SchoolRules> {
    let SchoolInputs {
        plan,
        schools: all_schools,
        mut owed,
    } = inputs;
    let Some(plan) = plan else {
        return Vec::new();
    };
    let year = period.year();
    let judged_on = period.judged_on();
    // Every school is judged (medical-extra compares a university with all the others, whoever
    // asks); `only` then keeps the one asked about.
    let keep = |s: &SchoolFact| only.is_none_or(|o| o == &s.org);
    let schools: Vec<SchoolFact> = all_schools.iter().filter(|s| keep(s)).cloned().collect();
    let pairing = evaluator::evaluate_pairing(&plan, &schools, groups, year, judged_on);
    let medical: Vec<_> =
        evaluator::evaluate_medical_extra(&plan, &all_schools, groups, year, judged_on)
            .into_iter()
            .filter(|v| keep(&v.school))
            .collect();
    let months: Vec<SchoolMonths> = schools
        .iter()
        .map(|s| SchoolMonths {
            school: s.clone(),
            months: owed.remove(&s.org).unwrap_or_default(),
        })
        .collect();
    let reports: Vec<crate::domain::rules::Verdict> = match period.month() {
        None => evaluator::evaluate_monthly_reports(&plan, &months, year, period.as_of)
            .into_iter()
            .map(|v| v.verdict)
            .collect(),
        Some(m) if m < plan.report_start_month => months
            .iter()
            .map(|_| {
                crate::domain::rules::verdict(
                    RuleId::MonthlyReport,
                    Status::NotApplicable,
                    format!("月度进展报告自 {} 起报送", plan.report_start_month.label()),
                )
            })
            .collect(),
        Some(m) => months
            .iter()
            .map(|s| {
                let t = s.months.iter().find(|(x, _)| *x == m).map(|(_, t)| *t);
                crate::domain::period::month_report_verdict(m, t)
            })
            .collect(),
    };
    months
        .into_iter()
        .zip(pairing.into_iter().zip(reports).zip(medical))
        .map(|(s, ((p, r), md))| SchoolRules {
            school: s.school,
            verdicts: vec![p.verdict, r, md.verdict],
            months: s.months,
        })
        .collect()
}
