//! The compliance service: loads the facts of a set of groups for a period and hands them to the
//! one evaluator of `domain::evaluator`. The group pages, the API, exports and (later) the
//! compliance matrix all ask here, so they cannot disagree.

use crate::domain::evaluator::{self, GroupVerdicts, SchoolVerdict};
use crate::domain::facts::GroupFacts;
use crate::domain::ids::PlanId;
use crate::domain::plan::Plan;
use crate::domain::rules::year_bounds;
use crate::store::facts::GroupSet;
use crate::store::plans::PlanCache;
use crate::store::{GroupRow, Store};
use jiff::civil::Date;
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
    // Each group with its plan (plans are few and cached), then the judging, which is pure CPU
    // work: off the async workers, spread over the cores for a large set.
    let mut planned: Vec<(Arc<Plan>, GroupFacts)> = Vec::with_capacity(facts.len());
    let mut current: Option<(PlanId, Arc<Plan>)> = None;
    for g in facts {
        let plan = match &current {
            Some((id, p)) if *id == g.plan => p.clone(),
            _ => {
                let p = plans
                    .get(store, &g.plan)
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
    let verdicts = evaluator::evaluate_group(&plan, &facts, year, today);
    Ok(GroupChecks {
        facts,
        plan,
        verdicts,
    })
}

/// 二: the pairing rule for every school of the programme, judged on all groups.
pub async fn school_checks(
    store: &Store,
    plans: &PlanCache,
    year: i16,
    today: Date,
) -> sqlx::Result<Vec<SchoolVerdict>> {
    let Some((_, plan)) = plans.current(store).await? else {
        return Ok(Vec::new());
    };
    let schools = store.load_schools().await?;
    let groups = store.load_group_calendars(GroupSet::All).await?;
    Ok(evaluator::evaluate_pairing(
        &plan, &schools, &groups, year, today,
    ))
}
