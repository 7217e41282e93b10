//! Plans, parsed once. A plan version is only ever added, never changed, so a typed plan cached
//! by id stays true for every instance sharing the database: no request parses TOML again.
//!
//! `get` and `current` give a plan as first loaded: forms, labels and the records' figures read
//! it. Verdicts for a year read `for_year` / `years`: the version in force that year (a bureau
//! may load a version for a new year). The versions of a plan are cached too; since they are only
//! added, one count query tells whether the cached set is still whole (another instance may have
//! added one).

use super::Store;
use crate::domain::ids::PlanId;
use crate::domain::plan::{Plan, PlanYears};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A plan's versions as cached, with how many rows they were read from.
type CachedYears = (i64, Arc<PlanYears>);

#[derive(Clone, Default)]
pub struct PlanCache {
    plans: Arc<RwLock<HashMap<PlanId, Arc<Plan>>>>,
    /// Per plan: its versions as cached, with how many there were.
    years: Arc<RwLock<HashMap<PlanId, CachedYears>>>,
}

impl PlanCache {
    /// The plan with this id: from the cache, or read and parsed once. A stored plan that does
    /// not parse is an error, never a default.
    pub async fn get(&self, store: &Store, id: &PlanId) -> sqlx::Result<Option<Arc<Plan>>> {
        if let Some(p) = self.plans.read().expect("plan cache lock").get(id) {
            return Ok(Some(p.clone()));
        }
        let Some(row) = store.get_plan(id).await? else {
            return Ok(None);
        };
        let plan = Arc::new(row.plan);
        self.plans
            .write()
            .expect("plan cache lock")
            .insert(id.clone(), plan.clone());
        Ok(Some(plan))
    }

    /// The newest plan (the one the plan page shows), with its id.
    pub async fn current(&self, store: &Store) -> sqlx::Result<Option<(PlanId, Arc<Plan>)>> {
        let Some(id) = store.current_plan_id().await? else {
            return Ok(None);
        };
        Ok(self.get(store, &id).await?.map(|p| (id, p)))
    }

    /// The plan with its versions by year (see [`PlanYears::for_year`]).
    pub async fn years(&self, store: &Store, id: &PlanId) -> sqlx::Result<Option<Arc<PlanYears>>> {
        let count = store.plan_version_count(id).await?;
        if let Some((n, y)) = self.years.read().expect("plan cache lock").get(id)
            && *n == count
        {
            return Ok(Some(y.clone()));
        }
        let Some(original) = self.get(store, id).await? else {
            return Ok(None);
        };
        let rows = store.plan_versions(id).await?;
        let n = rows.len() as i64;
        let years = Arc::new(PlanYears::new(
            original,
            rows.into_iter()
                .map(|r| (r.from_year, Arc::new(r.plan)))
                .collect(),
        ));
        self.years
            .write()
            .expect("plan cache lock")
            .insert(id.clone(), (n, years.clone()));
        Ok(Some(years))
    }

    /// The plan in force for calendar year `year`: the newest version from that year or before,
    /// else the plan as first loaded.
    pub async fn for_year(
        &self,
        store: &Store,
        id: &PlanId,
        year: i16,
    ) -> sqlx::Result<Option<Arc<Plan>>> {
        Ok(self
            .years(store, id)
            .await?
            .map(|y| y.for_year(year).clone()))
    }

    /// The newest plan with its versions by year, with its id.
    pub async fn current_years(
        &self,
        store: &Store,
    ) -> sqlx::Result<Option<(PlanId, Arc<PlanYears>)>> {
        let Some(id) = store.current_plan_id().await? else {
            return Ok(None);
        };
        Ok(self.years(store, &id).await?.map(|y| (id, y)))
    }
}
