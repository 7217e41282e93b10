//! The programme's judged period (every group's verdicts on the group rules, every school's on
//! the school rules, and the group list they are shown in), kept under the data version it was
//! judged at (migration 0022: the database moves the number on every committed write to a table
//! the verdicts read). A request reads the number first — one small query — and uses what is
//! kept only when the number has not moved, so what it shows is never older than the records; a
//! write on any instance makes the next request judge again — only what the writes since the
//! kept judgement touched (migration 0024 notes which groups, whether the school rules' inputs,
//! whether something every verdict reads): a group's verdicts read only its own records, so the
//! other groups' are carried over. Verdicts are still computed from the records by the one
//! evaluator; this only keeps a judgement from being redone when nothing it read has changed.

use super::ServiceError;
use super::compliance::{self, SchoolRules};
use crate::domain::facts::GroupFacts;
use crate::domain::ids::{GroupId, OrgId};
use crate::domain::org::MemberRole;
use crate::domain::period::{Period, PeriodKind};
use crate::domain::plan::Plan;
use crate::domain::rules::Verdict;
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use crate::store::{DataChanges, GroupRow, Store};
use jiff::civil::Date;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Judgements kept at once (periods asked about: this year, last year, a month, an "as of").
const KEEP: usize = 6;

/// A group as the matrix lists it.
#[derive(Clone)]
pub struct MatrixGroup {
    pub id: GroupId,
    pub number: i64,
    pub lead_town_id: OrgId,
    pub lead_town: String,
    /// Its universities (any in the group's history), as the pairing table lists its members.
    pub universities: Vec<(OrgId, String)>,
}

impl MatrixGroup {
    /// From a row of the group list.
    pub fn of_row(g: &GroupRow) -> Self {
        MatrixGroup {
            id: g.id.clone(),
            number: g.number,
            lead_town_id: g.lead_town_id.clone(),
            lead_town: g.lead_town.clone(),
            universities: g
                .members
                .iter()
                .filter(|m| m.role == MemberRole::University)
                .map(|m| (m.org_id.clone(), m.name.clone()))
                .collect(),
        }
    }

    /// From the facts a group was judged on (its memberships in the pairing table's order).
    fn of_facts(f: &GroupFacts, lead_town: Option<&(OrgId, String)>) -> Self {
        let (lead_town_id, lead_town) = lead_town.cloned().unwrap_or_default();
        MatrixGroup {
            id: f.id.clone(),
            number: f.number,
            lead_town_id,
            lead_town,
            universities: f
                .calendar
                .members
                .iter()
                .filter(|m| m.role == MemberRole::University)
                .map(|m| (m.org_id.clone(), m.name.clone()))
                .collect(),
        }
    }
}

/// Everything the programme's matrix shows for one period.
pub struct Judged {
    /// The plan in force in the period's year.
    pub plan: Arc<Plan>,
    /// Every group, in plan and number order.
    pub rows: Vec<MatrixGroup>,
    /// Each group's verdicts, in `GROUP_RULES` order.
    pub verdicts: HashMap<GroupId, Vec<Verdict>>,
    /// Every school of the programme, in `SCHOOL_RULES` order.
    pub schools: Vec<SchoolRules>,
    /// What was judged to make this (the rest was carried over from an earlier judgement).
    pub anew: Anew,
    /// Every group's calendar (its memberships), as the school rules read them: kept so that a
    /// write only the school rules read (a monthly report) judges the schools again without
    /// loading every group again. Empty in a member's judgement.
    calendars: Arc<Vec<GroupFacts>>,
}

/// What a judgement judged afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anew {
    /// Every group and every school.
    Everything,
    /// These many groups (the ones whose records changed), and the schools or not.
    Part { groups: usize, schools: bool },
}

/// What a judgement depends on besides the records: the period and the date it is read on.
/// Nothing else of the clock: the date read on is today's unless an earlier one was asked for, and
/// then the reports are read as at the end of that date whatever the time now (a report due
/// today is missing tomorrow because tomorrow is another date read on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    version: i64,
    kind: PeriodKind,
    as_of: Date,
}

impl Key {
    fn new(version: i64, period: &Period) -> Self {
        Key {
            version,
            kind: period.kind,
            as_of: period.as_of,
        }
    }
}

/// The judgements kept, newest first, and a turn so that requests arriving together after a
/// write judge once, not each for itself.
#[derive(Default)]
pub struct JudgedCache {
    kept: Mutex<VecDeque<(Key, Arc<Judged>)>>,
    judging: tokio::sync::Mutex<()>,
}

impl JudgedCache {
    fn find(&self, key: &Key) -> Option<Arc<Judged>> {
        let kept = self.kept.lock().expect("judged cache lock");
        kept.iter().find(|(k, _)| k == key).map(|(_, j)| j.clone())
    }

    fn keep(&self, key: Key, judged: Arc<Judged>) {
        let mut kept = self.kept.lock().expect("judged cache lock");
        // An older version of the same period will not be asked for again.
        kept.retain(|(k, _)| {
            !(k.kind == key.kind && k.as_of == key.as_of && k.version < key.version)
        });
        kept.push_front((key, judged));
        kept.truncate(KEEP);
    }

    /// The newest judgement kept for `period` (whatever its version).
    fn latest(&self, period: &Period) -> Option<(Key, Arc<Judged>)> {
        let kept = self.kept.lock().expect("judged cache lock");
        kept.iter()
            .filter(|(k, _)| k.kind == period.kind && k.as_of == period.as_of)
            .max_by_key(|(k, _)| k.version)
            .map(|(k, j)| (*k, j.clone()))
    }

    /// The programme judged for `period` as the records stand now: kept, or judged again (once,
    /// however many ask at the same moment) when a write has moved the data version — only the
    /// groups and schools whose records changed since the newest kept judgement of the period
    /// when nothing every verdict reads changed (migration 0024), else everything.
    pub async fn programme(
        &self,
        store: &Store,
        plans: &PlanCache,
        period: &Period,
        now_ms: i64,
    ) -> Result<Arc<Judged>, ServiceError> {
        if let Some(j) = self.find(&Key::new(store.data_version().await?, period)) {
            return Ok(j);
        }
        let _turn = self.judging.lock().await;
        // Read again after waiting: another request may have judged this very version meanwhile.
        let base = self.latest(period);
        let changes = store
            .data_changes(base.as_ref().map_or(i64::MAX, |(k, _)| k.version))
            .await?;
        let key = Key::new(changes.version, period);
        if let Some(j) = self.find(&key) {
            return Ok(j);
        }
        let started = std::time::Instant::now();
        let judged = match base {
            Some((_, base))
                if !changes.everything
                    && changes.groups.iter().all(|g| base.verdicts.contains_key(g)) =>
            {
                judge_again(store, plans, period, now_ms, &base, &changes).await?
            }
            _ => judge(store, plans, period, now_ms).await?,
        };
        tracing::debug!(
            anew = ?judged.anew,
            ms = started.elapsed().as_secs_f64() * 1e3,
            "programme judged"
        );
        let judged = Arc::new(judged);
        self.keep(key, judged.clone());
        Ok(judged)
    }

    /// What a school, town or village user's matrix shows: its groups (`rows`, the ones it may
    /// read) and, for a school, its own school row (`school`). Read from the programme's
    /// judgement when one is kept for the records as they stand, else only these groups are
    /// judged (the whole programme is not judged for a few groups).
    pub async fn members(
        &self,
        store: &Store,
        plans: &PlanCache,
        period: &Period,
        now_ms: i64,
        rows: &[GroupRow],
        school: Option<&OrgId>,
    ) -> Result<Judged, ServiceError> {
        let own_school = |s: &SchoolRules| school.is_some_and(|o| o == &s.school.org);
        if let Some(all) = self.kept(store, period).await? {
            return Ok(Judged {
                plan: all.plan.clone(),
                rows: rows.iter().map(MatrixGroup::of_row).collect(),
                verdicts: rows
                    .iter()
                    .filter_map(|g| Some((g.id.clone(), all.verdicts.get(&g.id)?.clone())))
                    .collect(),
                schools: all
                    .schools
                    .iter()
                    .filter(|s| own_school(s))
                    .cloned()
                    .collect(),
                anew: Anew::Part {
                    groups: 0,
                    schools: false,
                },
                calendars: Arc::default(),
            });
        }
        let ids: Vec<GroupId> = rows.iter().map(|g| g.id.clone()).collect();
        let schools = async {
            match school {
                Some(o) => {
                    compliance::school_rule_checks(store, plans, period, now_ms, Some(o)).await
                }
                None => Ok(Vec::new()),
            }
        };
        let checks = compliance::checks_as_of(
            store,
            plans,
            GroupSet::Ids(&ids),
            period.year(),
            period.judged_on(),
        );
        let (plan, checks, schools) = tokio::try_join!(
            plan_of_year(store, plans, period.year()),
            async { checks.await.map_err(ServiceError::from) },
            async { schools.await.map_err(ServiceError::from) },
        )?;
        Ok(Judged {
            plan,
            rows: rows.iter().map(MatrixGroup::of_row).collect(),
            verdicts: checks
                .into_iter()
                .map(|c| (c.facts.id, c.verdicts.verdicts))
                .collect(),
            schools,
            anew: Anew::Part {
                groups: ids.len(),
                schools: school.is_some(),
            },
            calendars: Arc::default(),
        })
    }

    /// The programme's judgement for `period` if one is kept for the records as they stand now
    /// (a school, town or village user's matrix reads its rows from it rather than judging the
    /// whole programme for a few groups).
    pub async fn kept(
        &self,
        store: &Store,
        period: &Period,
    ) -> Result<Option<Arc<Judged>>, ServiceError> {
        Ok(self.find(&Key::new(store.data_version().await?, period)))
    }
}

/// The plan in force in `year` (its clauses and wording head the columns).
pub async fn plan_of_year(
    store: &Store,
    plans: &PlanCache,
    year: i16,
) -> Result<Arc<Plan>, ServiceError> {
    plans
        .current_years(store)
        .await?
        .map(|(_, years)| years.for_year(year).clone())
        .ok_or(ServiceError::NotFound)
}

/// Judges every group and every school for `period`: the group list, the group verdicts and
/// the school verdicts loaded side by side (each its own queries on its own connections).
async fn judge(
    store: &Store,
    plans: &PlanCache,
    period: &Period,
    now_ms: i64,
) -> Result<Judged, ServiceError> {
    let plan = plan_of_year(store, plans, period.year()).await?;
    let checks = compliance::checks_as_of(
        store,
        plans,
        GroupSet::All,
        period.year(),
        period.judged_on(),
    );
    let schools = compliance::school_inputs(store, plans, period, now_ms);
    let (leads, checks, schools) = tokio::try_join!(store.lead_towns(), checks, schools)?;
    // The school rules read the calendars the group rules were judged on (loaded once).
    let mut verdicts = HashMap::with_capacity(checks.len());
    let mut calendars = Vec::with_capacity(checks.len());
    let mut rows = Vec::with_capacity(checks.len());
    for c in checks {
        rows.push(MatrixGroup::of_facts(&c.facts, leads.get(&c.facts.id)));
        verdicts.insert(c.facts.id.clone(), c.verdicts.verdicts);
        calendars.push(calendar_of(c.facts));
    }
    let schools = compliance::judge_schools(schools, &calendars, period, None);
    Ok(Judged {
        plan,
        rows,
        verdicts,
        schools,
        anew: Anew::Everything,
        calendars: Arc::new(calendars),
    })
}

/// A group's facts with only what the school rules read (its calendar), its records dropped.
fn calendar_of(f: GroupFacts) -> GroupFacts {
    let mut g = GroupFacts::new(f.id, f.plan, f.number, f.calendar.started_on);
    g.calendar = f.calendar;
    g
}

/// `base` brought up to the records as they stand: the groups in `changes` judged again (each
/// group's verdicts read only its own records), the schools judged again if their inputs
/// changed, everything else carried over. Only when nothing every verdict reads has changed
/// (the plan, the groups, their memberships, the organisations): those keep the rows and the
/// plan as they were.
async fn judge_again(
    store: &Store,
    plans: &PlanCache,
    period: &Period,
    now_ms: i64,
    base: &Judged,
    changes: &DataChanges,
) -> Result<Judged, ServiceError> {
    let checks = compliance::checks_as_of(
        store,
        plans,
        GroupSet::Ids(&changes.groups),
        period.year(),
        period.judged_on(),
    );
    // The school rules on the calendars kept (memberships have not changed, or everything
    // would be judged again) and the report roll as it stands.
    let schools = async {
        if changes.schools {
            compliance::school_inputs(store, plans, period, now_ms)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    };
    let (checks, inputs) = tokio::try_join!(checks, schools)?;
    let schools = inputs.map(|i| compliance::judge_schools(i, &base.calendars, period, None));
    let mut verdicts = base.verdicts.clone();
    for c in checks {
        verdicts.insert(c.facts.id, c.verdicts.verdicts);
    }
    Ok(Judged {
        plan: base.plan.clone(),
        rows: base.rows.clone(),
        verdicts,
        schools: schools.unwrap_or_else(|| base.schools.clone()),
        anew: Anew::Part {
            groups: changes.groups.len(),
            schools: changes.schools,
        },
        calendars: base.calendars.clone(),
    })
}
