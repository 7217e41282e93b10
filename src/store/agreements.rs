//! A group's agreements and their parties; scans are attachments. A group has its tripartite
//! agreement (三方合作协议) and, for each adjustment that added parties, a supplementary agreement
//! (补充协议); every function takes the [`AgreementKey`] that says which.

use super::attachments::{
    AttachmentRow, attachments_of, delete_attachments, file_names, insert_attachments,
};
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::rows::opt_date;
use super::{Store, StoreError};
use crate::domain::agreement::AgreementKey;
use crate::domain::ids::{
    AdjustmentId, AgreementId, AttachmentId, AttachmentOwner, GroupId, OrgId,
};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct AgreementRow {
    pub id: AgreementId,
    pub signed_on: Option<Date>,
    pub notes: String,
    pub parties: Vec<OrgId>,
    pub updated_at: i64,
    /// The adjustment a supplementary agreement answers; none for the tripartite agreement.
    pub adjustment: Option<AdjustmentId>,
    /// Brought in by a history import (历史补录).
    pub backfilled: bool,
}

pub use crate::domain::agreement::{AgreementInput, NewAgreement};

const COLUMNS: &str = "id, signed_on, notes, updated_at, adjustment_id, history_import_id";

async fn agreement_in(
    conn: &mut AnyConnection,
    key: &AgreementKey,
) -> sqlx::Result<Option<AgreementRow>> {
    let row = match &key.adjustment {
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "select {COLUMNS} from agreements where group_id = $1 and adjustment_id is null"
            )))
            .bind(key.group.as_str())
            .fetch_optional(&mut *conn)
            .await?
        }
        Some(adjustment) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "select {COLUMNS} from agreements where group_id = $1 and adjustment_id = $2"
            )))
            .bind(key.group.as_str())
            .bind(adjustment.as_str())
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    match row {
        Some(r) => Ok(Some(agreement_from(conn, &r).await?)),
        None => Ok(None),
    }
}

/// An agreement row with its parties.
async fn agreement_from(conn: &mut AnyConnection, r: &AnyRow) -> sqlx::Result<AgreementRow> {
    let id = AgreementId::from_db(r.try_get("id")?);
    let parties =
        sqlx::query("select org_id from agreement_parties where agreement_id = $1 order by org_id")
            .bind(id.as_str())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|p| p.try_get::<String, _>("org_id").map(OrgId::from_db))
            .collect::<sqlx::Result<_>>()?;
    Ok(AgreementRow {
        id,
        signed_on: opt_date(r, "signed_on")?,
        notes: r.try_get("notes")?,
        parties,
        updated_at: r.try_get("updated_at")?,
        adjustment: r
            .try_get::<Option<String>, _>("adjustment_id")?
            .map(AdjustmentId::from_db),
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

/// What a write did to an agreement, as the audit log's action codes say it: a supplementary
/// agreement's codes are its own, so the log and the record's 修改记录 name it (补充协议).
#[derive(Clone, Copy)]
enum Act {
    Create,
    Update,
    Withdraw,
    ScanAdd,
    ScanRemove,
}

fn action(key: &AgreementKey, act: Act) -> &'static str {
    match (key.adjustment.is_some(), act) {
        (false, Act::Create) => "agreement.create",
        (false, Act::Update) => "agreement.update",
        (false, Act::Withdraw) => "agreement.withdraw",
        (false, Act::ScanAdd) => "agreement.scan_add",
        (false, Act::ScanRemove) => "agreement.scan_remove",
        (true, Act::Create) => "supplementary_agreement.create",
        (true, Act::Update) => "supplementary_agreement.update",
        (true, Act::Withdraw) => "supplementary_agreement.withdraw",
        (true, Act::ScanAdd) => "supplementary_agreement.scan_add",
        (true, Act::ScanRemove) => "supplementary_agreement.scan_remove",
    }
}

impl Store {
    /// The group's tripartite agreement or one supplementary agreement, as `key` says.
    pub async fn get_agreement(&self, key: &AgreementKey) -> sqlx::Result<Option<AgreementRow>> {
        let mut conn = self.pool.acquire().await?;
        agreement_in(&mut conn, key).await
    }

    /// The group's supplementary agreements (each names its adjustment).
    pub async fn supplementary_agreements(
        &self,
        group: &GroupId,
    ) -> sqlx::Result<Vec<AgreementRow>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from agreements
             where group_id = $1 and adjustment_id is not null order by created_at, id"
        )))
        .bind(group.as_str())
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(agreement_from(&mut conn, r).await?);
        }
        Ok(out)
    }

    /// Records (or corrects) the agreement `key` names and adds scans, all in one transaction.
    /// A correction's audit entry holds the fields it changed, before and after; scans added
    /// are an entry of their own on the agreement. Returns the agreement and whether its date,
    /// notes or parties changed.
    pub async fn save_agreement(
        &self,
        actor: &Actor,
        now_ms: i64,
        key: &AgreementKey,
        agreement: &NewAgreement,
        scans: &[CheckedFile],
    ) -> Result<(AgreementId, bool), StoreError> {
        let group = &key.group;
        let parties = agreement.parties();
        let mut tx = self.begin_write().await?;
        lock_group_agreement(&mut tx, self.backend, group).await?;
        // The service checked the date against the adjustment as it read it; a correction of
        // the adjustment's date (which claims the group's row too) may have committed since.
        if let (Some(adjustment), Some(signed)) = (&key.adjustment, agreement.signed_on()) {
            let effective: Option<String> =
                sqlx::query_scalar("select effective_on from adjustments where id = $1")
                    .bind(adjustment.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(effective) = effective.filter(|e| signed.to_string() < *e) {
                return Err(StoreError::Conflict(format!(
                    "该调整的生效日期已更正为 {effective}，签署日期不能早于该日，请刷新后重新登记"
                )));
            }
        }
        let before = agreement_in(&mut tx, key).await?;
        let as_json = |signed: Option<Date>, notes: &str, parties: &[OrgId]| {
            json!({
                "signed_on": signed.map(|d| d.to_string()), "notes": notes,
                "parties": parties.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            })
        };
        let after = as_json(agreement.signed_on(), agreement.notes(), parties);
        let (id, audit_entry) = match &before {
            Some(a) => {
                let old = as_json(a.signed_on, &a.notes, &a.parties);
                let (was, now) = audit::changed_fields(&old, &after);
                if now.is_empty() {
                    (a.id.clone(), None)
                } else {
                    sqlx::query("update agreements set signed_on = $1, notes = $2, updated_at = $3 where id = $4")
                        .bind(agreement.signed_on().map(|d| d.to_string()))
                        .bind(agreement.notes())
                        .bind(now_ms)
                        .bind(a.id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("delete from agreement_parties where agreement_id = $1")
                        .bind(a.id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    insert_parties(&mut tx, &a.id, parties).await?;
                    (
                        a.id.clone(),
                        Some((action(key, Act::Update), Some(was.into()), now.into())),
                    )
                }
            }
            None => {
                let id = AgreementId::new();
                sqlx::query(
                    "insert into agreements (id, group_id, signed_on, notes, created_at, updated_at, adjustment_id) values ($1, $2, $3, $4, $5, $5, $6)",
                )
                .bind(id.as_str())
                .bind(group.as_str())
                .bind(agreement.signed_on().map(|d| d.to_string()))
                .bind(agreement.notes())
                .bind(now_ms)
                .bind(key.adjustment.as_ref().map(|a| a.as_str().to_string()))
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    // One tripartite agreement per group, one supplementary per adjustment.
                    if super::violates_unique(&e, "agreements_group_key", "agreements.group_id")
                        || super::violates_unique(
                            &e,
                            "agreements_adjustment_key",
                            "agreements.adjustment_id",
                        )
                    {
                        StoreError::Conflict("协议刚被他人同时保存，请刷新页面后再修改".into())
                    } else {
                        e.into()
                    }
                })?;
                insert_parties(&mut tx, &id, parties).await?;
                (id, Some((action(key, Act::Create), None, after.clone())))
            }
        };
        let changed = audit_entry.is_some();
        if let Some((action, before, after)) = audit_entry {
            audit::append(
                &mut tx,
                actor,
                now_ms,
                AuditEntry {
                    action,
                    entity: "agreement",
                    entity_id: Some(id.as_str()),
                    before,
                    after: Some(after),
                },
            )
            .await?;
        }
        if !scans.is_empty() {
            insert_attachments(
                &mut tx,
                actor,
                now_ms,
                group,
                AttachmentOwner::Agreement,
                id.as_str(),
                scans,
            )
            .await?;
            audit::append(
                &mut tx,
                actor,
                now_ms,
                AuditEntry {
                    action: action(key, Act::ScanAdd),
                    entity: "agreement",
                    entity_id: Some(id.as_str()),
                    before: None,
                    after: Some(json!({
                        "scans": file_names(scans.iter().map(|f| f.file_name.as_str())),
                    })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok((id, changed))
    }

    /// Withdraws the agreement `key` names, entered by mistake, with its parties and scan rows.
    /// Returns the scans' digests, for the caller to remove the files no other record refers to.
    pub async fn withdraw_agreement(
        &self,
        actor: &Actor,
        now_ms: i64,
        key: &AgreementKey,
    ) -> Result<Vec<String>, StoreError> {
        let group = &key.group;
        let mut tx = self.begin_write().await?;
        lock_group_agreement(&mut tx, self.backend, group).await?;
        let a = agreement_in(&mut tx, key)
            .await?
            .ok_or(StoreError::NotFound)?;
        let scans = attachments_of(&mut tx, AttachmentOwner::Agreement, a.id.as_str()).await?;
        delete_attachments(&mut tx, actor, now_ms, &scans).await?;
        sqlx::query("delete from agreement_parties where agreement_id = $1")
            .bind(a.id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from agreements where id = $1")
            .bind(a.id.as_str())
            .execute(&mut *tx)
            .await?;
        let mut before = json!({
            "group_id": group.as_str(),
            "signed_on": a.signed_on.map(|d| d.to_string()), "notes": a.notes,
            "parties": a.parties.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "scans": file_names(scans.iter().map(|f| f.file_name.as_str())),
        });
        if let Some(adjustment) = &key.adjustment {
            // The row is gone after this: the entry keeps which adjustment it answered.
            before["adjustment_id"] = adjustment.as_str().into();
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: action(key, Act::Withdraw),
                entity: "agreement",
                entity_id: Some(a.id.as_str()),
                before: Some(before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(scans.into_iter().map(|f| f.sha256).collect())
    }

    /// Removes one scan of the agreement `key` names; not found when it is not one of its scans.
    pub async fn remove_agreement_scan(
        &self,
        actor: &Actor,
        now_ms: i64,
        key: &AgreementKey,
        scan: &AttachmentId,
    ) -> Result<AttachmentRow, StoreError> {
        let mut tx = self.begin_write().await?;
        lock_group_agreement(&mut tx, self.backend, &key.group).await?;
        let a = agreement_in(&mut tx, key)
            .await?
            .ok_or(StoreError::NotFound)?;
        let row = attachments_of(&mut tx, AttachmentOwner::Agreement, a.id.as_str())
            .await?
            .into_iter()
            .find(|f| &f.id == scan)
            .ok_or(StoreError::NotFound)?;
        delete_attachments(&mut tx, actor, now_ms, std::slice::from_ref(&row)).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: action(key, Act::ScanRemove),
                entity: "agreement",
                entity_id: Some(a.id.as_str()),
                before: Some(json!({ "scans": [row.file_name.as_str()] })),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// Writes to one group's agreements take turns, so the second sees what the first did (and
/// corrects it instead of also taking its save for the first). SQLite: the write lock
/// `begin_write` took. PostgreSQL: the group's row, locked until commit (the unique constraint
/// on `agreements.group_id` remains the last guard). `no key update`, the lock an update of the
/// row would take: writes that only refer to the group (team, on-site) are not held up.
async fn lock_group_agreement(
    conn: &mut AnyConnection,
    backend: super::Backend,
    group: &GroupId,
) -> sqlx::Result<()> {
    if backend == super::Backend::Postgres {
        sqlx::query("select id from pairing_groups where id = $1 for no key update")
            .bind(group.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn insert_parties(
    conn: &mut AnyConnection,
    id: &AgreementId,
    parties: &[OrgId],
) -> sqlx::Result<()> {
    for p in parties {
        sqlx::query("insert into agreement_parties (agreement_id, org_id) values ($1, $2)")
            .bind(id.as_str())
            .bind(p.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
