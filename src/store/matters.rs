//! 重大事项 (五(一)): a group's major matters, reported directly to HQ, and HQ's acknowledgement
//! and reply. Every write keeps its before and after in the audit log under the matter's id.

use super::audit::{self, Actor, AuditEntry};
use super::rows::date;
use super::{Store, StoreError};
use crate::clock::format_ms;
use crate::domain::ids::{GroupId, MatterId, OrgId, UserId};
use crate::domain::matter::{LOCKED, MatterStatus, NewMatter, Urgency};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub use crate::domain::matter::{MatterInput, parse_matter, parse_reply};

#[derive(Debug, Clone)]
pub struct MatterRow {
    pub id: MatterId,
    pub group_id: GroupId,
    pub group_number: i64,
    pub lead_town: String,
    pub summary: String,
    pub details: String,
    pub urgency: Urgency,
    pub raised_on: Date,
    /// When it was submitted on the platform (= reported to HQ), Unix ms.
    pub reported_at: i64,
    /// That moment's date, Asia/Shanghai (what the escalation rule counts with).
    pub reported_on: Date,
    pub raised_by_name: String,
    pub raised_by_org_id: OrgId,
    pub raised_by_org: String,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by_name: Option<String>,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
    pub replied_by_name: Option<String>,
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
}

impl MatterRow {
    pub fn status(&self) -> MatterStatus {
        MatterStatus::of(self.acknowledged_at.is_some(), self.reply.is_some())
    }

    fn stored(&self) -> NewMatter {
        NewMatter::stored(
            self.summary.clone(),
            self.details.clone(),
            self.urgency,
            self.raised_on,
        )
    }
}

const SELECT: &str = "select m.id, m.group_id, g.number as group_number, t.name as lead_town,
        m.summary, m.details, m.urgency, m.raised_on, m.reported_at, m.reported_on,
        coalesce(m.raised_by_text, u.display_name) as raised_by_name, m.raised_by_org_id,
        o.name as raised_by_org, m.acknowledged_at,
        coalesce(m.acknowledged_by_text, a.display_name) as acknowledged_by_name,
        m.reply, m.replied_at, coalesce(m.replied_by_text, r.display_name) as replied_by_name,
        m.history_import_id
     from major_matters m
     join pairing_groups g on g.id = m.group_id
     join organisations t on t.id = g.lead_town_id
     join users u on u.id = m.raised_by
     join organisations o on o.id = m.raised_by_org_id
     left join users a on a.id = m.acknowledged_by
     left join users r on r.id = m.replied_by";

/// Who raised a matter: the account and its organisation.
pub struct RaisedBy<'a> {
    pub user: &'a UserId,
    pub org: &'a OrgId,
}

impl Store {
    /// Records a matter as reported to HQ at `now_ms` (`reported_on` its Asia/Shanghai date).
    pub async fn add_matter(
        &self,
        actor: &Actor,
        now_ms: i64,
        reported_on: Date,
        group: &GroupId,
        by: RaisedBy<'_>,
        m: &NewMatter,
    ) -> Result<MatterId, StoreError> {
        let id = MatterId::new();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "insert into major_matters (id, group_id, summary, details, urgency, raised_on, reported_at, reported_on, raised_by, raised_by_org_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(m.summary())
        .bind(m.details())
        .bind(m.urgency().as_str())
        .bind(m.raised_on().to_string())
        .bind(now_ms)
        .bind(reported_on.to_string())
        .bind(by.user.as_str())
        .bind(by.org.as_str())
        .execute(&mut *tx)
        .await?;
        let mut after = matter_json(m);
        after["group_id"] = json!(group.as_str());
        after["reported_on"] = json!(reported_on.to_string());
        after["org_id"] = json!(by.org.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "major_matter.create",
                entity: "major_matter",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The group's matters, newest first.
    pub async fn list_matters(&self, group: &GroupId) -> sqlx::Result<Vec<MatterRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where m.group_id = $1 order by m.raised_on desc, m.reported_at desc"
        )))
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(matter_from_row).collect()
    }

    /// The group's matters HQ has not replied to yet, newest first (the year at a glance).
    pub async fn list_open_matters(&self, group: &GroupId) -> sqlx::Result<Vec<MatterRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where m.group_id = $1 and m.reply is null
             order by m.raised_on desc, m.reported_at desc"
        )))
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(matter_from_row).collect()
    }

    /// HQ's queue: every group's matters, those not yet acknowledged first (oldest report
    /// first, the longest waiting on top), then the rest, latest report first.
    /// One page of it (`limit`, `offset`), with how many matters there are in all and how many
    /// wait for acknowledgement.
    pub async fn matter_queue(
        &self,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<(Vec<MatterRow>, i64, i64)> {
        let counts = sqlx::query(
            "select count(*) as n,
                    coalesce(sum(case when acknowledged_at is null then 1 else 0 end), 0) as waiting
             from major_matters",
        )
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} order by case when m.acknowledged_at is null then 0 else 1 end,
               case when m.acknowledged_at is null then m.reported_at else -m.reported_at end, m.id
             limit $1 offset $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .iter()
            .map(matter_from_row)
            .collect::<sqlx::Result<_>>()?;
        Ok((rows, counts.try_get("n")?, counts.try_get("waiting")?))
    }

    /// How many matters wait for HQ's acknowledgement (HQ's workbench).
    pub async fn matters_waiting(&self) -> sqlx::Result<i64> {
        sqlx::query("select count(*) as n from major_matters where acknowledged_at is null")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// A matter by id, whichever group it is in (the caller checks the group may be seen).
    pub async fn get_matter(&self, id: &MatterId) -> sqlx::Result<Option<MatterRow>> {
        let mut conn = self.pool.acquire().await?;
        matter_in(&mut conn, id).await
    }

    /// Corrects a matter HQ has not acknowledged (conflict once it has). Returns whether
    /// anything changed.
    pub async fn update_matter(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MatterId,
        m: &NewMatter,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim_open(&mut tx, group, id).await?;
        let old = matter_json(&before.stored());
        let new = matter_json(m);
        let (was, now) = audit::changed_fields(&old, &new);
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update major_matters set summary = $1, details = $2, urgency = $3, raised_on = $4
             where id = $5 and group_id = $6 and acknowledged_at is null",
        )
        .bind(m.summary())
        .bind(m.details())
        .bind(m.urgency().as_str())
        .bind(m.raised_on().to_string())
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "major_matter.update",
                entity: "major_matter",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws a matter HQ has not acknowledged (conflict once it has).
    pub async fn withdraw_matter(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MatterId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim_open(&mut tx, group, id).await?;
        sqlx::query(
            "delete from major_matters where id = $1 and group_id = $2 and acknowledged_at is null",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        let mut was = matter_json(&before.stored());
        was["group_id"] = json!(group.as_str());
        was["reported_on"] = json!(before.reported_on.to_string());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "major_matter.withdraw",
                entity: "major_matter",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// HQ acknowledges a matter (once: conflict when it was acknowledged already).
    pub async fn acknowledge_matter(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MatterId,
        by: &UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "update major_matters set acknowledged_at = $1, acknowledged_by = $2
             where id = $3 and acknowledged_at is null",
        )
        .bind(now_ms)
        .bind(by.as_str())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(match matter_in(&mut tx, id).await? {
                None => StoreError::NotFound,
                Some(_) => StoreError::Conflict("该重大事项已由市指挥部签收".into()),
            });
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "major_matter.acknowledge",
                entity: "major_matter",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({ "acknowledged_at": format_ms(now_ms) })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// HQ replies to a matter (a reply acknowledges it too, if it was not yet); a later reply
    /// replaces the earlier one, which the audit entry keeps.
    pub async fn reply_matter(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MatterId,
        by: &UserId,
        reply: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Held until commit (a no-op update locks the row on PostgreSQL).
        let n = sqlx::query("update major_matters set reply = reply where id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let before = matter_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        if before.reply.as_deref() == Some(reply) {
            return Ok(());
        }
        sqlx::query(
            "update major_matters set reply = $1, replied_at = $2, replied_by = $3,
               acknowledged_at = coalesce(acknowledged_at, $2),
               acknowledged_by = coalesce(acknowledged_by, $3)
             where id = $4",
        )
        .bind(reply)
        .bind(now_ms)
        .bind(by.as_str())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        let mut after = json!({ "reply": reply, "replied_at": format_ms(now_ms) });
        if before.acknowledged_at.is_none() {
            after["acknowledged_at"] = json!(format_ms(now_ms));
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "major_matter.reply",
                entity: "major_matter",
                entity_id: Some(id.as_str()),
                before: before.reply.as_ref().map(|r| {
                    json!({
                        "reply": r,
                        "replied_at": before.replied_at.map(format_ms),
                    })
                }),
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A matter's fields as its audit entries write them.
fn matter_json(m: &NewMatter) -> serde_json::Value {
    json!({
        "summary": m.summary(), "details": m.details(),
        "urgency": m.urgency().as_str(), "raised_on": m.raised_on().to_string(),
    })
}

/// Takes the group's matter for a correction or withdrawal (locked until commit on PostgreSQL;
/// SQLite's `begin_write` holds the lock already): not found when it is not the group's, a
/// conflict once HQ has acknowledged it.
async fn claim_open(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &MatterId,
) -> Result<MatterRow, StoreError> {
    let n =
        sqlx::query("update major_matters set summary = summary where id = $1 and group_id = $2")
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let row = matter_in(conn, id).await?.ok_or(StoreError::NotFound)?;
    if row.acknowledged_at.is_some() {
        return Err(StoreError::Conflict(LOCKED.into()));
    }
    Ok(row)
}

async fn matter_in(conn: &mut AnyConnection, id: &MatterId) -> sqlx::Result<Option<MatterRow>> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where m.id = $1")))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(matter_from_row)
        .transpose()
}

fn matter_from_row(r: &AnyRow) -> sqlx::Result<MatterRow> {
    let urgency: String = r.try_get("urgency")?;
    Ok(MatterRow {
        id: MatterId::from_db(r.try_get("id")?),
        group_id: GroupId::from_db(r.try_get("group_id")?),
        group_number: r.try_get("group_number")?,
        lead_town: r.try_get("lead_town")?,
        summary: r.try_get("summary")?,
        details: r.try_get("details")?,
        urgency: Urgency::parse(&urgency)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown urgency “{urgency}”").into()))?,
        raised_on: date(r, "raised_on")?,
        reported_at: r.try_get("reported_at")?,
        reported_on: date(r, "reported_on")?,
        raised_by_name: r.try_get("raised_by_name")?,
        raised_by_org_id: OrgId::from_db(r.try_get("raised_by_org_id")?),
        raised_by_org: r.try_get("raised_by_org")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledged_by_name: r.try_get("acknowledged_by_name")?,
        reply: r.try_get("reply")?,
        replied_at: r.try_get("replied_at")?,
        replied_by_name: r.try_get("replied_by_name")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}
