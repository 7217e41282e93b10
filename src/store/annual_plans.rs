//! A group's annual cooperation plans (年度合作计划): one per year, its items, and the outcome
//! figures recorded in the year that the items' targets are read against.

use super::audit::{self, Actor, AuditEntry};
use super::{Store, StoreError};
use crate::domain::annual_plan::{NewPlanItem, PlanHeader, YearEndStatus};
use crate::domain::ids::{AnnualPlanId, GroupId, PlanItemId};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct PlanItemRow {
    pub id: PlanItemId,
    pub area: i64,
    pub text: String,
    pub target_code: Option<String>,
    pub target_amount: Option<i64>,
    pub project_id: Option<String>,
    pub project_title: Option<String>,
    pub year_end_status: Option<YearEndStatus>,
    pub year_end_note: String,
}

impl PlanItemRow {
    pub fn stored(&self) -> NewPlanItem {
        NewPlanItem {
            area: self.area as u8,
            text: self.text.clone(),
            target: self.target_code.clone().zip(self.target_amount),
            project: self.project_id.clone(),
            year_end_status: self.year_end_status,
            year_end_note: self.year_end_note.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AnnualPlanRow {
    pub id: AnnualPlanId,
    pub year: i16,
    pub title: String,
    pub notes: String,
    pub items: Vec<PlanItemRow>,
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
}

/// A plan item as a decision's link offers it.
#[derive(Debug, Clone)]
pub struct PlanItemChoice {
    pub id: String,
    pub year: i16,
    pub text: String,
}

const ITEM_COLUMNS: &str = "i.id, i.area, i.text, i.target_code, i.target_amount, i.project_id,
     p.title as project_title, i.year_end_status, i.year_end_note
     from annual_plan_items i left join projects p on p.id = i.project_id";

impl Store {
    /// The group's plan for `year` with its items (area order, then as entered); none when
    /// there is none yet.
    pub async fn get_annual_plan(
        &self,
        group: &GroupId,
        year: i16,
    ) -> sqlx::Result<Option<AnnualPlanRow>> {
        let mut conn = self.pool.acquire().await?;
        plan_of(&mut conn, group, year).await
    }

    /// Creates the plan of `year` or replaces its header. Returns its id and whether it was new.
    pub async fn save_annual_plan(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        year: i16,
        h: &PlanHeader,
    ) -> Result<(AnnualPlanId, bool), StoreError> {
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query(
            "select id, title, notes from annual_plans where group_id = $1 and year = $2",
        )
        .bind(group.as_str())
        .bind(i64::from(year))
        .fetch_optional(&mut *tx)
        .await?;
        let new = json!({ "title": h.title, "notes": h.notes });
        let (id, created, before, after) = match existing {
            Some(r) => {
                let id = AnnualPlanId::from_db(r.try_get("id")?);
                let old = json!({
                    "title": r.try_get::<String, _>("title")?,
                    "notes": r.try_get::<String, _>("notes")?,
                });
                let (was, now) = audit::changed_fields(&old, &new);
                if now.is_empty() {
                    return Ok((id, false));
                }
                sqlx::query("update annual_plans set title = $1, notes = $2 where id = $3")
                    .bind(h.title.as_str())
                    .bind(h.notes.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                (id, false, Some(was.into()), now.into())
            }
            None => {
                let id = AnnualPlanId::new();
                let inserted = sqlx::query(
                    "insert into annual_plans (id, group_id, year, title, notes, created_by, created_at)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.as_str())
                .bind(group.as_str())
                .bind(i64::from(year))
                .bind(h.title.as_str())
                .bind(h.notes.as_str())
                .bind(actor.user_id.as_ref().map(|u| u.to_string()))
                .bind(now_ms)
                .execute(&mut *tx)
                .await;
                if let Err(e) = inserted {
                    if super::unique_violation(&e).is_some() {
                        return Err(StoreError::Conflict(format!(
                            "本组 {year} 年度合作计划刚由他人建立，请刷新后再修改"
                        )));
                    }
                    return Err(e.into());
                }
                let mut after = new.clone();
                after["group_id"] = json!(group.as_str());
                after["year"] = json!(year);
                (id, true, None, after)
            }
        };
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if created {
                    "annual_plan.create"
                } else {
                    "annual_plan.update"
                },
                entity: "annual_plan",
                entity_id: Some(id.as_str()),
                before,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((id, created))
    }

    pub async fn add_plan_item(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        plan: &AnnualPlanId,
        x: &NewPlanItem,
    ) -> Result<PlanItemId, StoreError> {
        let id = PlanItemId::new();
        let mut tx = self.begin_write().await?;
        insert_plan_item(&mut tx, actor, now_ms, group, plan, &id, x).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One item of the group's plan of `year`; none when it is not there.
    pub async fn get_plan_item(
        &self,
        group: &GroupId,
        year: i16,
        id: &PlanItemId,
    ) -> sqlx::Result<Option<PlanItemRow>> {
        let mut conn = self.pool.acquire().await?;
        item_in(&mut conn, group, year, id).await
    }

    /// Corrects an item (or records its year-end status). Returns whether anything changed.
    pub async fn update_plan_item(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        year: i16,
        id: &PlanItemId,
        x: &NewPlanItem,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_item(&mut tx, group, id).await?;
        let before = item_in(&mut tx, group, year, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (was, now) = audit::changed_fields(&before.stored().audit_json(), &x.audit_json());
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update annual_plan_items set area = $1, text = $2, target_code = $3, target_amount = $4,
             project_id = $5, year_end_status = $6, year_end_note = $7 where id = $8 and group_id = $9",
        )
        .bind(i64::from(x.area))
        .bind(x.text.as_str())
        .bind(x.target.as_ref().map(|t| t.0.clone()))
        .bind(x.target.as_ref().map(|t| t.1))
        .bind(x.project.clone())
        .bind(x.year_end_status.map(|s| s.as_str().to_string()))
        .bind(x.year_end_note.as_str())
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "annual_plan_item.update",
                entity: "annual_plan_item",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws an item entered by mistake; decisions that linked it keep their text without
    /// the link. The audit entry keeps the item whole.
    pub async fn withdraw_plan_item(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        year: i16,
        id: &PlanItemId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_item(&mut tx, group, id).await?;
        let before = item_in(&mut tx, group, year, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query("update meeting_decisions set plan_item_id = null where plan_item_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from annual_plan_items where id = $1 and group_id = $2")
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?;
        let mut was = before.stored().audit_json();
        was["group_id"] = json!(group.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "annual_plan_item.withdraw",
                entity: "annual_plan_item",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The outcome figures the group's project updates dated in `year` recorded, summed per
    /// figure code: one query, exact integer sums (money in fen).
    pub async fn outcome_totals(
        &self,
        group: &GroupId,
        year: i16,
    ) -> sqlx::Result<HashMap<String, i64>> {
        let first = jiff::civil::date(year, 1, 1);
        let last = jiff::civil::date(year, 12, 31);
        let mut all = self
            .project_outcome_totals(std::slice::from_ref(group), first, last)
            .await?;
        Ok(all.remove(group).unwrap_or_default().into_iter().collect())
    }

    /// The items of the group's plans, newest year first, for a decision's link.
    pub async fn plan_item_choices(&self, group: &GroupId) -> sqlx::Result<Vec<PlanItemChoice>> {
        sqlx::query(
            "select i.id, y.year, i.text from annual_plan_items i join annual_plans y on y.id = i.plan_id
             where i.group_id = $1 order by y.year desc, i.area, i.created_at",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let year: i64 = r.try_get("year")?;
            Ok(PlanItemChoice {
                id: r.try_get("id")?,
                year: year as i16,
                text: r.try_get("text")?,
            })
        })
        .collect()
    }

    /// Whether `id` is one of the group's plan items.
    pub async fn plan_item_exists(&self, group: &GroupId, id: &str) -> sqlx::Result<bool> {
        self.group_record_exists("annual_plan_items", id, group)
            .await
    }

    /// Whether `id` is one of the group's projects.
    pub async fn project_exists(&self, group: &GroupId, id: &str) -> sqlx::Result<bool> {
        self.group_record_exists("projects", id, group).await
    }
}

async fn claim_item(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &PlanItemId,
) -> Result<(), StoreError> {
    let n = sqlx::query("update annual_plan_items set text = text where id = $1 and group_id = $2")
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn plan_of(
    conn: &mut AnyConnection,
    group: &GroupId,
    year: i16,
) -> sqlx::Result<Option<AnnualPlanRow>> {
    let Some(r) = sqlx::query(
        "select id, year, title, notes, history_import_id from annual_plans where group_id = $1 and year = $2",
    )
    .bind(group.as_str())
    .bind(i64::from(year))
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let id = AnnualPlanId::from_db(r.try_get("id")?);
    let items = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {ITEM_COLUMNS} where i.plan_id = $1 order by i.area, i.created_at, i.id"
    )))
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(item_from_row)
    .collect::<sqlx::Result<_>>()?;
    Ok(Some(AnnualPlanRow {
        id,
        year,
        title: r.try_get("title")?,
        notes: r.try_get("notes")?,
        items,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    }))
}

async fn item_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    year: i16,
    id: &PlanItemId,
) -> sqlx::Result<Option<PlanItemRow>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {ITEM_COLUMNS} join annual_plans y on y.id = i.plan_id
         where i.id = $1 and i.group_id = $2 and y.year = $3"
    )))
    .bind(id.as_str())
    .bind(group.as_str())
    .bind(i64::from(year))
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(item_from_row)
    .transpose()
}

fn item_from_row(r: &AnyRow) -> sqlx::Result<PlanItemRow> {
    let status: Option<String> = r.try_get("year_end_status")?;
    Ok(PlanItemRow {
        id: PlanItemId::from_db(r.try_get("id")?),
        area: r.try_get("area")?,
        text: r.try_get("text")?,
        target_code: r.try_get("target_code")?,
        target_amount: r.try_get("target_amount")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        year_end_status: status
            .map(|s| {
                YearEndStatus::parse(&s)
                    .ok_or_else(|| super::rows::decode_err("year-end status", &s))
            })
            .transpose()?,
        year_end_note: r.try_get("year_end_note")?,
    })
}

/// Records an item of `plan` inside the caller's write. Items list in the order they were
/// recorded (`now_ms`), by area.
pub(super) async fn insert_plan_item(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    plan: &AnnualPlanId,
    id: &PlanItemId,
    x: &NewPlanItem,
) -> Result<(), StoreError> {
    sqlx::query(
            "insert into annual_plan_items (id, plan_id, group_id, area, text, target_code, target_amount,
             project_id, year_end_status, year_end_note, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.as_str())
        .bind(plan.as_str())
        .bind(group.as_str())
        .bind(i64::from(x.area))
        .bind(x.text.as_str())
        .bind(x.target.as_ref().map(|t| t.0.clone()))
        .bind(x.target.as_ref().map(|t| t.1))
        .bind(x.project.clone())
        .bind(x.year_end_status.map(|s| s.as_str().to_string()))
        .bind(x.year_end_note.as_str())
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    let mut after = x.audit_json();
    after["group_id"] = json!(group.as_str());
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "annual_plan_item.create",
            entity: "annual_plan_item",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}
