//! A group's tripartite agreement (三方合作协议) and its parties; scans are attachments.

use super::attachments::insert_attachments;
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::groups::GroupRow;
use super::rows::opt_date;
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{AgreementId, GroupId, OrgId};
use crate::domain::org::MemberRole;
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

/// An agreement as entered, before it is checked against the group.
#[derive(Debug, Clone)]
pub struct AgreementInput {
    pub signed_on: Option<Date>,
    pub notes: String,
    pub parties: Vec<OrgId>,
}

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
        today: Date,
        group: &GroupRow,
        input: &AgreementInput,
        scans: &[CheckedFile],
    ) -> Result<AgreementId, StoreError> {
        if let Some(d) = input.signed_on {
            if d > today {
                return Err(FieldError::new(
                    "签署日期",
                    format!("{d} 晚于今天，不能登记未来的日期"),
                )
                .into());
            }
            if d.to_string() < group.started_on {
                return Err(FieldError::new(
                    "签署日期",
                    format!("{d} 早于结对开始日期 {}", group.started_on),
                )
                .into());
            }
        }
        if input.notes.chars().count() > 2000 {
            return Err(FieldError::new("备注", "不能超过 2000 个字符").into());
        }
        let mut parties = input.parties.clone();
        parties.sort();
        parties.dedup();
        // 四(二) 三方合作协议: at least a school and the town or a village, all members of the group.
        let roles: Vec<MemberRole> = parties
            .iter()
            .map(|p| {
                group
                    .members
                    .iter()
                    .find(|m| &m.org_id == p)
                    .map(|m| m.role)
            })
            .collect::<Option<_>>()
            .ok_or_else(|| FieldError::new("签约各方", "只能选择本组的成员单位"))?;
        let has_school = roles
            .iter()
            .any(|r| matches!(r, MemberRole::University | MemberRole::VocationalSchool));
        let has_locality = roles
            .iter()
            .any(|r| matches!(r, MemberRole::Town | MemberRole::Village));
        if !(has_school && has_locality) {
            return Err(FieldError::new(
                "签约各方",
                "至少包括一所签约学校和签约镇(街道)或村(社区)",
            )
            .into());
        }
        let mut tx = self.pool.begin().await?;
        // Read inside the transaction, so two saves at once do not both take it for a first save.
        let before = agreement_in(&mut tx, &group.id).await?;
        let id = match &before {
            Some(a) => {
                sqlx::query("update agreements set signed_on = $1, notes = $2, updated_at = $3 where id = $4")
                    .bind(input.signed_on.map(|d| d.to_string()))
                    .bind(&input.notes)
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
                .bind(group.id.as_str())
                .bind(input.signed_on.map(|d| d.to_string()))
                .bind(&input.notes)
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .map_err(|e| match super::unique_violation(&e) {
                    Some(_) => StoreError::Conflict("协议刚被他人同时保存，请刷新页面后再修改".into()),
                    None => e.into(),
                })?;
                id
            }
        };
        for p in &parties {
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
                after: Some(as_json(input.signed_on, &input.notes, &parties)),
            },
        )
        .await?;
        insert_attachments(
            &mut tx,
            actor,
            now_ms,
            &group.id,
            "agreement",
            id.as_str(),
            scans,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
