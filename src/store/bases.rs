//! A group's practice bases (乡村建设实践基地); photos are attachments.

use super::attachments::insert_attachments;
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::rows::date;
use super::{Store, StoreError};
use crate::domain::ids::AttachmentOwner;
use crate::domain::ids::{BaseId, GroupId, OrgId};
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;

pub use crate::domain::base::{
    BASE_FUNCTIONS, BaseInput, NewBase, base_function_label, parse_base,
};

#[derive(Debug, Clone)]
pub struct BaseRow {
    pub id: BaseId,
    pub name: String,
    pub place_org_id: OrgId,
    pub place_name: String,
    pub functions: Vec<String>,
    pub opened_on: Date,
    pub description: String,
}

impl Store {
    pub async fn add_base(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        b: &NewBase,
        photos: &[CheckedFile],
    ) -> Result<BaseId, StoreError> {
        let id = BaseId::new();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "insert into practice_bases (id, group_id, name, place_org_id, functions, opened_on, description, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(b.name())
        .bind(b.place_org_id().as_str())
        .bind(b.functions().join(","))
        .bind(b.opened_on().to_string())
        .bind(b.description())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "base.create",
                entity: "practice_base",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": group.as_str(), "name": b.name(), "place_org_id": b.place_org_id().as_str(),
                    "functions": b.functions(), "opened_on": b.opened_on().to_string(),
                })),
            },
        )
        .await?;
        insert_attachments(
            &mut tx,
            actor,
            now_ms,
            group,
            AttachmentOwner::Base,
            id.as_str(),
            photos,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_bases(&self, group: &GroupId) -> sqlx::Result<Vec<BaseRow>> {
        let rows = sqlx::query(
            "select b.id, b.name, b.place_org_id, o.name as place_name, b.functions, b.opened_on, b.description
             from practice_bases b join organisations o on o.id = b.place_org_id
             where b.group_id = $1 order by b.opened_on, b.name",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let functions: String = r.try_get("functions")?;
                Ok(BaseRow {
                    id: BaseId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    place_org_id: OrgId::from_db(r.try_get("place_org_id")?),
                    place_name: r.try_get("place_name")?,
                    functions: functions
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    opened_on: date(r, "opened_on")?,
                    description: r.try_get("description")?,
                })
            })
            .collect()
    }
}
