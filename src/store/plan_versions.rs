//! Plan versions (方案版本): a plan's later versions, each in force from a year. Only ever added.

use super::Store;
use super::audit::{self, Actor, AuditEntry};
use crate::domain::ids::{PlanId, UserId};
use crate::domain::plan::Plan;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One stored version of a plan, parsed.
#[derive(Debug, Clone)]
pub struct PlanVersionRow {
    pub id: String,
    pub plan_id: PlanId,
    /// Its place among the plan's versions, 1 for the first loaded.
    pub seq: i64,
    pub from_year: i16,
    pub loaded_at: i64,
    pub loaded_by: Option<UserId>,
    pub loaded_by_name: String,
    pub plan: Plan,
}

/// A version about to be stored: already parsed and checked from `text`.
pub struct NewPlanVersion<'a> {
    pub plan_id: &'a PlanId,
    pub from_year: i16,
    pub text: &'a str,
    pub plan: &'a Plan,
}

fn version_from_row(r: &AnyRow) -> sqlx::Result<PlanVersionRow> {
    let text: String = r.try_get("plan_toml")?;
    Ok(PlanVersionRow {
        id: r.try_get("id")?,
        plan_id: PlanId::from_db(r.try_get("plan_id")?),
        seq: r.try_get("seq")?,
        from_year: i16::try_from(r.try_get::<i64, _>("from_year")?)
            .map_err(|e| sqlx::Error::Decode(e.into()))?,
        loaded_at: r.try_get("loaded_at")?,
        loaded_by: r
            .try_get::<Option<String>, _>("loaded_by")?
            .map(UserId::from_db),
        loaded_by_name: r.try_get("loaded_by_name")?,
        plan: Plan::parse(&text).map_err(|e| sqlx::Error::Decode(e.into()))?,
    })
}

impl Store {
    /// Adds a version of a plan (with its audit entry, in one transaction); returns its place.
    pub async fn add_plan_version(
        &self,
        actor: &Actor,
        now_ms: i64,
        v: NewPlanVersion<'_>,
    ) -> sqlx::Result<i64> {
        let mut tx = self.begin_write().await?;
        // Two loads at once would read the same next number: touching the plan's row first makes
        // the second wait for the first (PostgreSQL's row lock; SQLite's write transaction is
        // already exclusive).
        sqlx::query("update plans set code = code where id = $1")
            .bind(v.plan_id.as_str())
            .execute(&mut *tx)
            .await?;
        let seq: i64 = sqlx::query(
            "select cast(coalesce(max(seq), 0) + 1 as bigint) as n from plan_versions where plan_id = $1",
        )
        .bind(v.plan_id.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let id = PlanId::new().to_string();
        sqlx::query(
            "insert into plan_versions (id, plan_id, seq, from_year, name, doc_no, plan_toml,
                                        loaded_at, loaded_by, loaded_by_name)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(v.plan_id.as_str())
        .bind(seq)
        .bind(i64::from(v.from_year))
        .bind(&v.plan.name)
        .bind(&v.plan.doc_no)
        .bind(v.text)
        .bind(now_ms)
        .bind(actor.user_id.as_ref().map(|u| u.as_str()))
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "plan_version.load",
                entity: "plan_version",
                entity_id: Some(&id),
                before: None,
                after: Some(json!({
                    "plan_id": v.plan_id.as_str(),
                    "from_year": v.from_year,
                    "code": v.plan.code,
                    "doc_no": v.plan.doc_no,
                    "rules": v.plan.rules,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// The versions of a plan, in the order loaded.
    pub async fn plan_versions(&self, plan_id: &PlanId) -> sqlx::Result<Vec<PlanVersionRow>> {
        sqlx::query(
            "select id, plan_id, seq, from_year, plan_toml, loaded_at, loaded_by, loaded_by_name
             from plan_versions where plan_id = $1 order by seq",
        )
        .bind(plan_id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(version_from_row)
        .collect()
    }

    /// How many versions a plan has (versions are only added, so the count tells a cached set
    /// whether it is still whole).
    pub async fn plan_version_count(&self, plan_id: &PlanId) -> sqlx::Result<i64> {
        sqlx::query("select count(*) as n from plan_versions where plan_id = $1")
            .bind(plan_id.as_str())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }
}
