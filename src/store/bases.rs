//! A group's practice bases (乡村建设实践基地); photos are attachments.

use super::attachments::{
    AttachmentRow, RecordFile, add_record_files, attachments_of, delete_attachments, file_names,
    insert_attachments, remove_record_file,
};
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::rows::date;
use super::{Store, StoreError};
use crate::domain::ids::{AttachmentId, AttachmentOwner, BaseId, GroupId, OrgId};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

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
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
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
        insert_base(&mut tx, actor, now_ms, group, &id, b, photos).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_bases(&self, group: &GroupId) -> sqlx::Result<Vec<BaseRow>> {
        let rows = sqlx::query(
            "select b.id, b.name, b.place_org_id, o.name as place_name, b.functions, b.opened_on, b.description, b.history_import_id
             from practice_bases b join organisations o on o.id = b.place_org_id
             where b.group_id = $1 order by b.opened_on, b.name",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(base_from_row).collect()
    }

    /// One of the group's bases; none when it is another group's (or no base at all).
    pub async fn get_base(&self, group: &GroupId, id: &BaseId) -> sqlx::Result<Option<BaseRow>> {
        let mut conn = self.pool.acquire().await?;
        base_in(&mut conn, group, id).await
    }

    /// Corrects a base; the audit entry holds the fields that changed, before and after. Returns
    /// whether anything changed (a save of the form as it was writes nothing).
    pub async fn update_base(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &BaseId,
        b: &NewBase,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_base(&mut tx, group, id).await?;
        let before = base_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let old = base_json(&stored(&before));
        let new = base_json(b);
        let (was, now) = audit::changed_fields(&old, &new);
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update practice_bases set name = $1, place_org_id = $2, functions = $3, opened_on = $4, description = $5
             where id = $6 and group_id = $7",
        )
        .bind(b.name())
        .bind(b.place_org_id().as_str())
        .bind(b.functions().join(","))
        .bind(b.opened_on().to_string())
        .bind(b.description())
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "base.update",
                entity: "practice_base",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws a base entered by mistake, with its photo rows. Returns the digests of the photos
    /// it had, for the caller to remove the files no other record refers to.
    pub async fn withdraw_base(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &BaseId,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_base(&mut tx, group, id).await?;
        let before = base_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let photos = attachments_of(&mut tx, AttachmentOwner::Base, id.as_str()).await?;
        delete_attachments(&mut tx, actor, now_ms, &photos).await?;
        sqlx::query("delete from practice_bases where id = $1 and group_id = $2")
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?;
        let mut was = base_json(&stored(&before));
        was["group_id"] = json!(group.as_str());
        was["photos"] = file_names(photos.iter().map(|p| p.file_name.as_str()));
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "base.withdraw",
                entity: "practice_base",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(photos.into_iter().map(|p| p.sha256).collect())
    }

    /// Adds photos to a base recorded earlier; the base's history shows them.
    pub async fn add_base_photos(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &BaseId,
        photos: &[CheckedFile],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // The base is held until commit, so a withdrawal at the same moment cannot leave these
        // photos without their base.
        claim_base(&mut tx, group, id).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Base,
            owner_id: id.as_str(),
            action: "base.photo_add",
            entity: "practice_base",
            called: "photos",
        };
        add_record_files(&mut tx, actor, now_ms, group, record, photos).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one photo of a base; not found when the photo is not this base's. Returns the
    /// removed row (its digest: the file goes when no other record refers to it).
    pub async fn remove_base_photo(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &BaseId,
        photo: &AttachmentId,
    ) -> Result<AttachmentRow, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_base(&mut tx, group, id).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Base,
            owner_id: id.as_str(),
            action: "base.photo_remove",
            entity: "practice_base",
            called: "photos",
        };
        let row = remove_record_file(&mut tx, actor, now_ms, record, photo).await?;
        tx.commit().await?;
        Ok(row)
    }
}

fn stored(b: &BaseRow) -> NewBase {
    NewBase::stored(
        b.name.clone(),
        b.place_org_id.clone(),
        b.functions.clone(),
        b.opened_on,
        b.description.clone(),
    )
}

/// A base's fields as its audit entries write them.
fn base_json(b: &NewBase) -> serde_json::Value {
    json!({
        "name": b.name(), "place_org_id": b.place_org_id().as_str(),
        "functions": b.functions(), "opened_on": b.opened_on().to_string(),
        "description": b.description(),
    })
}

/// Takes the base's row for this write (a no-op update: on PostgreSQL it is locked until commit,
/// on SQLite `begin_write` holds the lock already); not found when it is not the group's.
async fn claim_base(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &BaseId,
) -> Result<(), StoreError> {
    let n = sqlx::query("update practice_bases set name = name where id = $1 and group_id = $2")
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

async fn base_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &BaseId,
) -> sqlx::Result<Option<BaseRow>> {
    sqlx::query(
        "select b.id, b.name, b.place_org_id, o.name as place_name, b.functions, b.opened_on, b.description, b.history_import_id
         from practice_bases b join organisations o on o.id = b.place_org_id
         where b.id = $1 and b.group_id = $2",
    )
    .bind(id.as_str())
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(base_from_row)
    .transpose()
}

fn base_from_row(r: &AnyRow) -> sqlx::Result<BaseRow> {
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
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

/// Records a base (and its photos) inside the caller's write.
pub(super) async fn insert_base(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    id: &BaseId,
    b: &NewBase,
    photos: &[CheckedFile],
) -> Result<(), StoreError> {
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
        .execute(&mut *conn)
        .await?;
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "base.create",
            entity: "practice_base",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some({
                let mut after = base_json(b);
                after["group_id"] = json!(group.as_str());
                if !photos.is_empty() {
                    after["photos"] = file_names(photos.iter().map(|p| p.file_name.as_str()));
                }
                after
            }),
        },
    )
    .await?;
    insert_attachments(
        conn,
        actor,
        now_ms,
        group,
        AttachmentOwner::Base,
        id.as_str(),
        photos,
    )
    .await?;
    Ok(())
}
