//! Plans, parsed once. A plan version is only ever added, never changed, so a typed plan cached
//! by id stays true for every instance sharing the database: no request parses TOML again.

use super::Store;
use crate::domain::ids::PlanId;
use crate::domain::plan::Plan;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Clone, Default)]
pub struct PlanCache {
    plans: Arc<RwLock<HashMap<PlanId, Arc<Plan>>>>,
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
}
