//! 公开概览: what anyone may read without signing in — the programme, its groups with their
//! member organisations, each group's year in counts (projects, joint meetings, on-site service
//! days) and the statuses of its rules. No reasons (they name people), no people, no phone
//! numbers: only what [`PublicOverview`] holds, which has no field for them.
//!
//! It costs a full evaluation of every group, and anyone may ask, so the computed view is kept
//! for [`FRESH_MS`] per year: repeated hits in that time are served from memory, and hits that
//! arrive while it is being computed wait for that one computation instead of starting their own.

use super::ServiceError;
use super::charts::{GroupYear, group_years};
use crate::domain::FieldError;
use crate::domain::evaluator::GROUP_RULES;
use crate::domain::rules::RuleId;
use crate::store::plans::PlanCache;
use crate::store::{GroupScope, Store};
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Arc;

/// How long a computed overview is served before it is computed again.
pub const FRESH_MS: i64 = 60_000;

pub struct PublicOverview {
    pub year: i16,
    /// The years one may choose: from the plan's start to this year.
    pub first_year: i16,
    pub last_year: i16,
    /// The plan's name and document number (none before a plan is loaded).
    pub programme: Option<(String, String)>,
    /// The rule columns, in the evaluator's order.
    pub rules: Vec<RuleId>,
    /// The groups at work at some time in the year, by number.
    pub groups: Vec<GroupYear>,
    /// When this view was computed (Unix ms).
    pub computed_at_ms: i64,
}

/// The computed overviews by year (in `AppState`, shared by every request).
#[derive(Default)]
pub struct PublicCache {
    years: tokio::sync::Mutex<HashMap<i16, Arc<PublicOverview>>>,
}

/// The year asked for, within the plan's years (this year when none is asked for).
pub fn public_year(asked: Option<i16>, first_year: i16, last_year: i16) -> Result<i16, FieldError> {
    match asked {
        None => Ok(last_year),
        Some(y) if (first_year..=last_year).contains(&y) => Ok(y),
        Some(y) => Err(FieldError::new(
            "年份",
            format!("{y} 年不在可查看的范围内（{first_year}–{last_year} 年）"),
        )),
    }
}

/// The overview of `asked` (a year; this year when none), from memory when computed less than
/// [`FRESH_MS`] ago. A fresh copy is served without touching the database. Otherwise one task
/// computes it: it is spawned, so a client that goes away does not cancel it (nor let the next
/// request start a second computation beside it), and requests that arrive meanwhile queue on the
/// cache's lock and then find it fresh.
pub async fn public_overview(
    store: &Store,
    plans: &PlanCache,
    cache: &Arc<PublicCache>,
    asked: Option<i16>,
    now_ms: i64,
    today: Date,
) -> Result<Arc<PublicOverview>, ServiceError> {
    let fresh = move |v: &Arc<PublicOverview>| {
        now_ms - v.computed_at_ms < FRESH_MS && now_ms >= v.computed_at_ms
    };
    let year = asked.unwrap_or(today.year());
    if let Some(v) = cache.years.lock().await.get(&year).filter(|v| fresh(v)) {
        return Ok(v.clone());
    }
    let plan = plans.current(store).await?.map(|(_, p)| p);
    let last_year = today.year();
    let first_year = plan
        .as_deref()
        .map_or(last_year, |p| p.group_start.year().min(last_year));
    let year = public_year(asked, first_year, last_year)?;
    let (store, plans, cache) = (store.clone(), plans.clone(), cache.clone());
    let task = tokio::spawn(async move {
        let mut years = cache.years.lock().await;
        if let Some(v) = years.get(&year).filter(|v| fresh(v)) {
            return Ok(v.clone());
        }
        let (groups, _) = group_years(&store, &plans, &GroupScope::All, year, today).await?;
        let groups = groups
            .into_iter()
            // A group not yet (or no longer) at work in the year has no member in it.
            .filter(|g| !g.members.is_empty())
            .collect::<Vec<_>>();
        let view = Arc::new(PublicOverview {
            year,
            first_year,
            last_year,
            programme: plan.map(|p| (p.name.clone(), p.doc_no.clone())),
            rules: GROUP_RULES.to_vec(),
            groups,
            computed_at_ms: now_ms,
        });
        years.insert(year, view.clone());
        Ok::<_, ServiceError>(view)
    });
    task.await
        .map_err(|e| ServiceError::from(sqlx::Error::Protocol(format!("public overview: {e}"))))?
}
