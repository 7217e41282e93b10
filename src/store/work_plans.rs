//! A group's service work plan (服务工作方案, 四(二)): the current text in `work_plans`, every
//! version (the first included) in `work_plan_revisions`, files as attachments of the plan.

use super::attachments::{
    AttachmentRow, attachments_of, delete_attachments, file_names, insert_attachments,
};
use super::audit::{self, Actor, AuditEntry, changed_fields};
use super::files::CheckedFile;
use super::rows::date;
use super::{Store, StoreError};
use crate::domain::ids::{AttachmentId, AttachmentOwner, GroupId, WorkPlanId};
use crate::domain::work_plan::NewWorkPlan;
use jiff::civil::Date;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct WorkPlanRow {
    pub id: WorkPlanId,
    pub title: String,
    pub agreed_on: Date,
    pub content: String,
    /// The current revision's number (1 for the first text).
    pub revision: i64,
    pub updated_at: i64,
}

/// One version of the plan as it was recorded.
#[derive(Debug, Clone)]
pub struct WorkPlanRevision {
    pub revision: i64,
    pub title: String,
    pub agreed_on: Date,
    pub content: String,
    pub recorded_at: i64,
    /// The account's display name at the time.
    pub recorded_by: String,
}

fn audit_json(p: &NewWorkPlan) -> Value {
    json!({ "plan_title": p.title, "agreed_on": p.agreed_on.to_string(), "content": p.content })
}

async fn plan_in(conn: &mut AnyConnection, group: &GroupId) -> sqlx::Result<Option<WorkPlanRow>> {
    let row = sqlx::query(
        "select id, title, agreed_on, content, revision, updated_at from work_plans where group_id = $1",
    )
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(WorkPlanRow {
            id: WorkPlanId::from_db(r.try_get("id")?),
            title: r.try_get("title")?,
            agreed_on: date(&r, "agreed_on")?,
            content: r.try_get("content")?,
            revision: r.try_get("revision")?,
            updated_at: r.try_get("updated_at")?,
        })
    })
    .transpose()
}

/// Writes to one group's plan take turns (SQLite: the write lock; PostgreSQL: the group's row).
async fn lock_group(conn: &mut AnyConnection, group: &GroupId) -> sqlx::Result<()> {
    sqlx::query("update pairing_groups set created_at = created_at where id = $1")
        .bind(group.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    pub async fn get_work_plan(&self, group: &GroupId) -> sqlx::Result<Option<WorkPlanRow>> {
        let mut conn = self.pool.acquire().await?;
        plan_in(&mut conn, group).await
    }

    /// Every version of the plan, newest first.
    pub async fn work_plan_revisions(
        &self,
        plan: &WorkPlanId,
    ) -> sqlx::Result<Vec<WorkPlanRevision>> {
        let rows = sqlx::query(
            "select revision, title, agreed_on, content, recorded_at, recorded_by
             from work_plan_revisions where work_plan_id = $1 order by revision desc",
        )
        .bind(plan.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WorkPlanRevision {
                    revision: r.try_get("revision")?,
                    title: r.try_get("title")?,
                    agreed_on: date(r, "agreed_on")?,
                    content: r.try_get("content")?,
                    recorded_at: r.try_get("recorded_at")?,
                    recorded_by: r.try_get("recorded_by")?,
                })
            })
            .collect()
    }

    /// Records the plan (the first time) or a new revision of it, with any files; `by` is the
    /// display name kept with the revision. Returns the plan's id and whether the text changed
    /// (files alone add no revision).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_work_plan(
        &self,
        actor: &Actor,
        by: &str,
        now_ms: i64,
        group: &GroupId,
        p: &NewWorkPlan,
        files: &[CheckedFile],
    ) -> Result<(WorkPlanId, bool), StoreError> {
        let mut tx = self.begin_write().await?;
        lock_group(&mut tx, group).await?;
        let current = plan_in(&mut tx, group).await?;
        let (id, revision, action, before, after) = match &current {
            None => {
                let id = WorkPlanId::new();
                sqlx::query(
                    "insert into work_plans (id, group_id, title, agreed_on, content, revision, updated_at)
                     values ($1, $2, $3, $4, $5, 1, $6)",
                )
                .bind(id.as_str())
                .bind(group.as_str())
                .bind(&p.title)
                .bind(p.agreed_on.to_string())
                .bind(&p.content)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                let mut after = audit_json(p);
                after["group_id"] = json!(group.as_str());
                after["revision"] = json!(1);
                (id, Some(1), "work_plan.create", None, Some(after))
            }
            Some(c) => {
                let old = json!({ "plan_title": c.title, "agreed_on": c.agreed_on.to_string(), "content": c.content });
                let (mut was, mut now) = changed_fields(&old, &audit_json(p));
                if now.is_empty() {
                    (c.id.clone(), None, "", None, None)
                } else {
                    let revision = c.revision + 1;
                    sqlx::query(
                        "update work_plans set title = $1, agreed_on = $2, content = $3, revision = $4, updated_at = $5 where id = $6",
                    )
                    .bind(&p.title)
                    .bind(p.agreed_on.to_string())
                    .bind(&p.content)
                    .bind(revision)
                    .bind(now_ms)
                    .bind(c.id.as_str())
                    .execute(&mut *tx)
                    .await?;
                    was.insert("revision".into(), json!(c.revision));
                    now.insert("revision".into(), json!(revision));
                    (
                        c.id.clone(),
                        Some(revision),
                        "work_plan.revise",
                        Some(Value::Object(was)),
                        Some(Value::Object(now)),
                    )
                }
            }
        };
        if let Some(revision) = revision {
            sqlx::query(
                "insert into work_plan_revisions (id, work_plan_id, revision, title, agreed_on, content, recorded_at, recorded_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(id.as_str())
            .bind(revision)
            .bind(&p.title)
            .bind(p.agreed_on.to_string())
            .bind(&p.content)
            .bind(now_ms)
            .bind(by)
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                actor,
                now_ms,
                AuditEntry {
                    action,
                    entity: "work_plan",
                    entity_id: Some(id.as_str()),
                    before,
                    after,
                },
            )
            .await?;
        }
        if !files.is_empty() {
            insert_attachments(
                &mut tx,
                actor,
                now_ms,
                group,
                AttachmentOwner::WorkPlan,
                id.as_str(),
                files,
            )
            .await?;
            audit::append(
                &mut tx,
                actor,
                now_ms,
                AuditEntry {
                    action: "work_plan.file_add",
                    entity: "work_plan",
                    entity_id: Some(id.as_str()),
                    before: None,
                    after: Some(
                        json!({ "files": file_names(files.iter().map(|f| f.file_name.as_str())) }),
                    ),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok((id, revision.is_some()))
    }

    /// Removes one file of the group's plan; not found when it is not one of them.
    pub async fn remove_work_plan_file(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        file: &AttachmentId,
    ) -> Result<AttachmentRow, StoreError> {
        let mut tx = self.begin_write().await?;
        lock_group(&mut tx, group).await?;
        let plan = plan_in(&mut tx, group).await?.ok_or(StoreError::NotFound)?;
        let row = attachments_of(&mut tx, AttachmentOwner::WorkPlan, plan.id.as_str())
            .await?
            .into_iter()
            .find(|f| &f.id == file)
            .ok_or(StoreError::NotFound)?;
        delete_attachments(&mut tx, actor, now_ms, std::slice::from_ref(&row)).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "work_plan.file_remove",
                entity: "work_plan",
                entity_id: Some(plan.id.as_str()),
                before: Some(json!({ "files": [row.file_name.as_str()] })),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}
