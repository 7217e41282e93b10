//! A group's coordination group (工作协调小组, 五(一)): delegates with dated spells. Leaving is
//! an end date on a correction; a row is deleted only when withdrawn as a mistaken entry.

use super::audit::{self, Actor, AuditEntry, changed_fields};
use super::rows::{date, opt_date};
use super::{Store, StoreError};
use crate::domain::coordination::NewCoordinator;
use crate::domain::ids::{CoordinatorId, GroupId, OrgId};
use crate::domain::team::mask_phone;
use jiff::civil::Date;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct CoordinatorRow {
    pub id: CoordinatorId,
    pub person_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub post: String,
    pub phone: String,
    pub from_on: Date,
    pub to_on: Option<Date>,
    pub created_at: i64,
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
}

impl CoordinatorRow {
    /// In the coordination group on `date` (the end date is the first day off).
    pub fn active_on(&self, date: Date) -> bool {
        self.from_on <= date && self.to_on.is_none_or(|t| date < t)
    }

    /// The fields as the audit log keeps them (the phone masked, as on the team's entries).
    fn audit_json(&self) -> Value {
        json!({
            "person_name": self.person_name, "org_id": self.org_id.as_str(), "post": self.post,
            "phone": mask_phone(&self.phone), "from_on": self.from_on.to_string(),
            "to_on": self.to_on.map(|d| d.to_string()),
        })
    }
}

fn audit_json(c: &NewCoordinator) -> Value {
    json!({
        "person_name": c.person_name, "org_id": c.org_id.as_str(), "post": c.post,
        "phone": mask_phone(c.phone()), "from_on": c.from_on.to_string(),
        "to_on": c.to_on.map(|d| d.to_string()),
    })
}

fn from_row(r: &AnyRow) -> sqlx::Result<CoordinatorRow> {
    Ok(CoordinatorRow {
        id: CoordinatorId::from_db(r.try_get("id")?),
        person_name: r.try_get("person_name")?,
        org_id: OrgId::from_db(r.try_get("org_id")?),
        org_name: r.try_get("org_name")?,
        post: r.try_get("post")?,
        phone: r.try_get("phone")?,
        from_on: date(r, "from_on")?,
        to_on: opt_date(r, "to_on")?,
        created_at: r.try_get("created_at")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

async fn coordinators_in(
    conn: &mut AnyConnection,
    group: &GroupId,
) -> sqlx::Result<Vec<CoordinatorRow>> {
    let rows = sqlx::query(
        "select c.id, c.person_name, c.org_id, o.name as org_name, c.post, c.phone, c.from_on, c.to_on, c.created_at,
                c.history_import_id
         from coordinators c join organisations o on o.id = c.org_id
         where c.group_id = $1
         order by o.name, c.from_on, c.person_name, c.id",
    )
    .bind(group.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

impl Store {
    /// Everyone ever delegated to the group's coordination group, by organisation.
    pub async fn list_coordinators(&self, group: &GroupId) -> sqlx::Result<Vec<CoordinatorRow>> {
        let mut conn = self.pool.acquire().await?;
        coordinators_in(&mut conn, group).await
    }

    pub async fn add_coordinator(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        c: &NewCoordinator,
    ) -> Result<CoordinatorId, StoreError> {
        let id = CoordinatorId::new();
        let mut tx = self.begin_write().await?;
        insert_coordinator(&mut tx, actor, now_ms, group, &id, c).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Corrects every field (an end date records that the person left). Only the fields that
    /// changed go to the audit log; returns whether anything changed.
    pub async fn update_coordinator(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &CoordinatorId,
        c: &NewCoordinator,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = coordinators_in(&mut tx, group)
            .await?
            .into_iter()
            .find(|r| &r.id == id)
            .ok_or(StoreError::NotFound)?;
        let (mut was, mut now) = changed_fields(&before.audit_json(), &audit_json(c));
        // A full number changed behind the same mask is still a change the log shows.
        if before.phone != c.phone() && !now.contains_key("phone") {
            was.insert("phone".into(), json!(mask_phone(&before.phone)));
            now.insert(
                "phone".into(),
                json!(format!("{}（已更换）", mask_phone(c.phone()))),
            );
        }
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update coordinators set person_name = $1, org_id = $2, post = $3, phone = $4, from_on = $5, to_on = $6
             where id = $7 and group_id = $8",
        )
        .bind(&c.person_name)
        .bind(c.org_id.as_str())
        .bind(&c.post)
        .bind(c.phone())
        .bind(c.from_on.to_string())
        .bind(c.to_on.map(|d| d.to_string()))
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        let action = if before.to_on.is_none() && c.to_on.is_some() && now.len() == 1 {
            "coordinator.leave"
        } else {
            "coordinator.update"
        };
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action,
                entity: "coordinator",
                entity_id: Some(id.as_str()),
                before: Some(Value::Object(was)),
                after: Some(Value::Object(now)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes a delegate entered by mistake (the caller checks it was recorded today).
    pub async fn withdraw_coordinator(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        row: &CoordinatorRow,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("delete from coordinators where id = $1 and group_id = $2")
            .bind(row.id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let mut before = row.audit_json();
        before["group_id"] = json!(group.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "coordinator.withdraw",
                entity: "coordinator",
                entity_id: Some(row.id.as_str()),
                before: Some(before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Records a delegate inside the caller's write.
pub(super) async fn insert_coordinator(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    id: &CoordinatorId,
    c: &NewCoordinator,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into coordinators (id, group_id, person_name, org_id, post, phone, from_on, to_on, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.as_str())
    .bind(group.as_str())
    .bind(&c.person_name)
    .bind(c.org_id.as_str())
    .bind(&c.post)
    .bind(c.phone())
    .bind(c.from_on.to_string())
    .bind(c.to_on.map(|d| d.to_string()))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let mut after = audit_json(c);
    after["group_id"] = json!(group.as_str());
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "coordinator.create",
            entity: "coordinator",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}
