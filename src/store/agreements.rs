//! A group's tripartite agreement (三方合作协议) and its parties; scans are attachments.

use super::attachments::insert_attachments;
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::rows::opt_date;
use super::{Store, StoreError};
use crate::domain::ids::AttachmentOwner;
use crate::domain::ids::{AgreementId, GroupId, OrgId};
use jiff::civil::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone)]
pub struct AgreementRow {
    pub id: AgreementId,
    pub signed_on: Option<Date>,
    pub notes: String,
    pub parties: Vec<OrgId>,
    pub updated_at: i64,
}

pub use crate::domain::agreement::{AgreementInput, NewAgreement};

async fn agreement_in(
    conn: &mut AnyConnection,
    group: &GroupId,
) -> sqlx::Result<Option<AgreementRow>> {
    let Some(r) =
        sqlx::query("select id, signed_on, notes, updated_at from agreements where group_id = $1")
            .bind(group.as_str())
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let id = AgreementId::from_db(r.try_get("id")?);
    let parties =
        sqlx::query("select org_id from agreement_parties where agreement_id = $1 order by org_id")
            .bind(id.as_str())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|p| p.try_get::<String, _>("org_id").map(OrgId::from_db))
            .collect::<sqlx::Result<_>>()?;
    Ok(Some(AgreementRow {
        id,
        signed_on: opt_date(&r, "signed_on")?,
        notes: r.try_get("notes")?,
        parties,
        updated_at: r.try_get("updated_at")?,
    }))
}

impl Store {
    pub async fn get_agreement(&self, group: &GroupId) -> sqlx::Result<Option<AgreementRow>> {
        let mut conn = self.pool.acquire().await?;
        agreement_in(&mut conn, group).await
    }

    /// Records (or corrects) the group's agreement and adds scans, all in one transaction.
    pub async fn save_agreement(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        agreement: &NewAgreement,
        scans: &[CheckedFile],
    ) -> Result<AgreementId, StoreError> {
        let parties = agreement.parties();
        let mut tx = self.begin_write().await?;
        // Two saves of one group's agreement take turns, so the second sees the first's agreement
        // and corrects it instead of also taking its save for the first. SQLite: the write lock
        // `begin_write` took. PostgreSQL: the group's row, locked until commit (the unique
        // constraint below remains the last guard). `no key update`, the lock an update of the
        // row would take: writes that only refer to the group (team, on-site) are not held up.
        if self.backend == super::Backend::Postgres {
            sqlx::query("select id from pairing_groups where id = $1 for no key update")
                .bind(group.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        }
        let before = agreement_in(&mut tx, group).await?;
        let id = match &before {
            Some(a) => {
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
                a.id.clone()
            }
            None => {
                let id = AgreementId::new();
                sqlx::query(
                    "insert into agreements (id, group_id, signed_on, notes, created_at, updated_at) values ($1, $2, $3, $4, $5, $5)",
                )
                .bind(id.as_str())
                .bind(group.as_str())
                .bind(agreement.signed_on().map(|d| d.to_string()))
                .bind(agreement.notes())
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    if super::violates_unique(&e, "agreements_group_key", "agreements.group_id") {
                        StoreError::Conflict("协议刚被他人同时保存，请刷新页面后再修改".into())
                    } else {
                        e.into()
                    }
                })?;
                id
            }
        };
        for p in parties {
            sqlx::query("insert into agreement_parties (agreement_id, org_id) values ($1, $2)")
                .bind(id.as_str())
                .bind(p.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let as_json = |signed: Option<Date>, notes: &str, parties: &[OrgId]| {
            json!({
                "signed_on": signed.map(|d| d.to_string()), "notes": notes,
                "parties": parties.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            })
        };
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if before.is_some() {
                    "agreement.update"
                } else {
                    "agreement.create"
                },
                entity: "agreement",
                entity_id: Some(id.as_str()),
                before: before
                    .as_ref()
                    .map(|a| as_json(a.signed_on, &a.notes, &a.parties)),
                after: Some(as_json(agreement.signed_on(), agreement.notes(), parties)),
            },
        )
        .await?;
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
        tx.commit().await?;
        Ok(id)
    }
}
