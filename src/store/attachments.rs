//! Attachments (scans, photos) of a group's records: rows that point at content-addressed files.

use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::{Store, StoreError};
use crate::domain::ids::{AttachmentId, AttachmentOwner, GroupId};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: AttachmentId,
    pub group_id: GroupId,
    pub owner: AttachmentOwner,
    pub owner_id: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub file_name: String,
    pub created_at: i64,
}

fn attachment_from_row(r: &AnyRow) -> sqlx::Result<AttachmentRow> {
    Ok(AttachmentRow {
        id: AttachmentId::from_db(r.try_get("id")?),
        group_id: GroupId::from_db(r.try_get("group_id")?),
        owner: {
            let kind: String = r.try_get("owner_kind")?;
            AttachmentOwner::parse(&kind).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown attachment owner {kind}").into())
            })?
        },
        owner_id: r.try_get("owner_id")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        content_type: r.try_get("content_type")?,
        file_name: r.try_get("file_name")?,
        created_at: r.try_get("created_at")?,
    })
}

const ATTACHMENT_COLUMNS: &str =
    "id, group_id, owner_kind, owner_id, sha256, size_bytes, content_type, file_name, created_at";

pub(super) async fn insert_attachments(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    owner: AttachmentOwner,
    owner_id: &str,
    files: &[CheckedFile],
) -> sqlx::Result<()> {
    for f in files {
        let id = AttachmentId::new();
        sqlx::query(
            "insert into attachments (id, group_id, owner_kind, owner_id, sha256, size_bytes, content_type, file_name, uploaded_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(owner.as_str())
        .bind(owner_id)
        .bind(&f.sha256)
        .bind(f.bytes.len() as i64)
        .bind(f.kind.content_type())
        .bind(&f.file_name)
        .bind(actor.user_id.as_ref().map(|u| u.to_string()))
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "attachment.create",
                entity: "attachment",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": group.as_str(), "owner": owner.as_str(), "owner_id": owner_id,
                    "file_name": f.file_name, "sha256": f.sha256, "size": f.bytes.len(),
                })),
            },
        )
        .await?;
    }
    Ok(())
}

/// The attachments of one record, oldest first (inside a write's transaction).
pub(super) async fn attachments_of(
    conn: &mut AnyConnection,
    owner: AttachmentOwner,
    owner_id: &str,
) -> sqlx::Result<Vec<AttachmentRow>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {ATTACHMENT_COLUMNS} from attachments where owner_kind = $1 and owner_id = $2 order by created_at, file_name"
    )))
    .bind(owner.as_str())
    .bind(owner_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(attachment_from_row)
    .collect()
}

/// Removes attachment rows (each with its audit entry, as each was added with one); the caller
/// removes the files no row refers to any more once the transaction is committed.
pub(super) async fn delete_attachments(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    rows: &[AttachmentRow],
) -> sqlx::Result<()> {
    for a in rows {
        sqlx::query("delete from attachments where id = $1")
            .bind(a.id.as_str())
            .execute(&mut *conn)
            .await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "attachment.delete",
                entity: "attachment",
                entity_id: Some(a.id.as_str()),
                before: Some(json!({
                    "group_id": a.group_id.as_str(), "owner": a.owner.as_str(), "owner_id": a.owner_id,
                    "file_name": a.file_name, "sha256": a.sha256, "size": a.size_bytes,
                })),
                after: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// A record one of whose files is removed, as its 修改记录 names the removal.
pub(super) struct RecordFile<'a> {
    pub owner: AttachmentOwner,
    pub owner_id: &'a str,
    /// The record's audit entity and the action (`meeting`, `meeting.paper_remove`).
    pub entity: &'static str,
    pub action: &'static str,
    /// What the record calls its files in its history (`files`, `photos`).
    pub called: &'static str,
}

/// Adds files to the record (inside the caller's transaction, the record claimed), each with its
/// attachment's audit entry, and one entry on the record naming them.
pub(super) async fn add_record_files(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    record: RecordFile<'_>,
    files: &[CheckedFile],
) -> sqlx::Result<()> {
    insert_attachments(
        conn,
        actor,
        now_ms,
        group,
        record.owner,
        record.owner_id,
        files,
    )
    .await?;
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: record.action,
            entity: record.entity,
            entity_id: Some(record.owner_id),
            before: None,
            after: Some(json!({
                record.called: file_names(files.iter().map(|f| f.file_name.as_str())),
            })),
        },
    )
    .await
}

/// Removes the record's file `file` (inside the caller's transaction, the record claimed), with
/// the attachment's audit entry and the record's; not found when it is not this record's.
pub(super) async fn remove_record_file(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    record: RecordFile<'_>,
    file: &AttachmentId,
) -> Result<AttachmentRow, StoreError> {
    let row = attachments_of(conn, record.owner, record.owner_id)
        .await?
        .into_iter()
        .find(|a| &a.id == file)
        .ok_or(StoreError::NotFound)?;
    delete_attachments(conn, actor, now_ms, std::slice::from_ref(&row)).await?;
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: record.action,
            entity: record.entity,
            entity_id: Some(record.owner_id),
            before: Some(json!({ record.called: [row.file_name.as_str()] })),
            after: None,
        },
    )
    .await?;
    Ok(row)
}

/// File names, as a record's audit entry lists its photos or scans.
pub(super) fn file_names<'a>(names: impl IntoIterator<Item = &'a str>) -> serde_json::Value {
    json!(names.into_iter().collect::<Vec<_>>())
}

impl Store {
    /// Of these digests, those no attachment or report file row refers to (safe to remove after a
    /// failed write).
    pub async fn unreferenced_digests(&self, digests: &[String]) -> sqlx::Result<Vec<String>> {
        let mut out = Vec::new();
        for d in digests {
            let n: i64 = sqlx::query(
                "select (select count(*) from attachments where sha256 = $1)
                      + (select count(*) from monthly_report_files where sha256 = $1) as n",
            )
            .bind(d.as_str())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
            if n == 0 {
                out.push(d.clone());
            }
        }
        Ok(out)
    }

    pub async fn list_attachments(
        &self,
        owner: AttachmentOwner,
        owner_ids: &[String],
    ) -> sqlx::Result<Vec<AttachmentRow>> {
        if owner_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (2..owner_ids.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select {ATTACHMENT_COLUMNS} from attachments where owner_kind = $1 and owner_id in ({}) order by created_at, file_name",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner.as_str());
        for id in owner_ids {
            q = q.bind(id.as_str());
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(attachment_from_row)
            .collect()
    }

    /// An attachment by id; the caller checks the group is visible before handing it out.
    pub async fn get_attachment(&self, id: &AttachmentId) -> sqlx::Result<Option<AttachmentRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ATTACHMENT_COLUMNS} from attachments where id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(attachment_from_row).transpose()
    }
}
