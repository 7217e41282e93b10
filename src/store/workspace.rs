//! A group's workspace: its tripartite agreement (with scans), service team, on-site service
//! and practice bases. Every write runs in one transaction with its audit event.

use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::groups::GroupRow;
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{
    AgreementId, AttachmentId, BaseId, GroupId, OnsiteEntryId, OrgId, TeamMemberId, UserId,
};
use crate::domain::org::MemberRole;
use crate::domain::team::{TeamRole, Title};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

fn decode_err(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value}").into())
}

fn date(r: &AnyRow, col: &str) -> sqlx::Result<Date> {
    let s: String = r.try_get(col)?;
    s.parse().map_err(|_| decode_err("date", &s))
}

fn opt_date(r: &AnyRow, col: &str) -> sqlx::Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| s.parse().map_err(|_| decode_err("date", &s)))
        .transpose()
}

// ---------------------------------------------------------------- attachments

#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: AttachmentId,
    pub group_id: GroupId,
    pub owner_kind: String,
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
        owner_kind: r.try_get("owner_kind")?,
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

async fn insert_attachments(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    owner_kind: &str,
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
        .bind(owner_kind)
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
                    "group_id": group.as_str(), "owner": owner_kind, "owner_id": owner_id,
                    "file_name": f.file_name, "sha256": f.sha256, "size": f.bytes.len(),
                })),
            },
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Of these digests, those no attachment row refers to (safe to remove after a failed write).
    pub async fn unreferenced_digests(&self, digests: &[String]) -> sqlx::Result<Vec<String>> {
        let mut out = Vec::new();
        for d in digests {
            let n: i64 = sqlx::query("select count(*) as n from attachments where sha256 = $1")
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
        owner_kind: &str,
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
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner_kind);
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

// ---------------------------------------------------------------- agreements

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

// ---------------------------------------------------------------- team

#[derive(Debug, Clone)]
pub struct TeamMemberRow {
    pub id: TeamMemberId,
    pub person_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub role: TeamRole,
    pub title: Title,
    pub school_leader: bool,
    pub phone: String,
    pub joined_on: Date,
    pub left_on: Option<Date>,
}

impl TeamMemberRow {
    /// On the team on `date` (leaving is exclusive: gone from `left_on`).
    pub fn active_on(&self, date: Date) -> bool {
        self.joined_on <= date && self.left_on.is_none_or(|l| date < l)
    }
}

#[derive(Debug, Clone)]
pub struct NewTeamMember {
    pub person_name: String,
    pub org_id: OrgId,
    pub role: TeamRole,
    pub title: Title,
    pub school_leader: bool,
    pub phone: String,
    pub joined_on: Date,
}

/// The role a group school holds on `date`, if the organisation is one of the group's schools then.
pub fn school_role_on(group: &GroupRow, org: &OrgId, date: Date) -> Option<MemberRole> {
    let d = date.to_string();
    group
        .members
        .iter()
        .find(|m| {
            &m.org_id == org
                && matches!(
                    m.role,
                    MemberRole::University | MemberRole::VocationalSchool
                )
                && m.active_on(&d)
        })
        .map(|m| m.role)
}

impl Store {
    pub async fn list_team(&self, group: &GroupId) -> sqlx::Result<Vec<TeamMemberRow>> {
        let rows = sqlx::query(
            "select t.id, t.person_name, t.org_id, o.name as org_name, t.role, t.title, t.school_leader, t.phone, t.joined_on, t.left_on
             from team_members t join organisations o on o.id = t.org_id
             where t.group_id = $1
             order by case t.role when 'captain' then 0 when 'vice_captain' then 1 else 2 end, t.joined_on, t.person_name",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                let title: String = r.try_get("title")?;
                Ok(TeamMemberRow {
                    id: TeamMemberId::from_db(r.try_get("id")?),
                    person_name: r.try_get("person_name")?,
                    org_id: OrgId::from_db(r.try_get("org_id")?),
                    org_name: r.try_get("org_name")?,
                    role: TeamRole::parse(&role).ok_or_else(|| decode_err("team role", &role))?,
                    title: Title::parse(&title).ok_or_else(|| decode_err("title", &title))?,
                    school_leader: r.try_get::<i64, _>("school_leader")? != 0,
                    phone: r.try_get("phone")?,
                    joined_on: date(r, "joined_on")?,
                    left_on: opt_date(r, "left_on")?,
                })
            })
            .collect()
    }

    pub async fn add_team_member(
        &self,
        actor: &Actor,
        now_ms: i64,
        today: Date,
        group: &GroupRow,
        m: &NewTeamMember,
    ) -> Result<TeamMemberId, StoreError> {
        if m.joined_on > today {
            return Err(FieldError::new(
                "加入日期",
                format!("{} 晚于今天，不能登记未来的日期", m.joined_on),
            )
            .into());
        }
        if m.joined_on.to_string() < group.started_on {
            return Err(FieldError::new(
                "加入日期",
                format!("{} 早于结对开始日期 {}", m.joined_on, group.started_on),
            )
            .into());
        }
        if school_role_on(group, &m.org_id, m.joined_on).is_none() {
            return Err(FieldError::new(
                "所在单位",
                format!(
                    "{} 时不是本组的签约学校，队员须来自本组的高校或中职学校",
                    m.joined_on
                ),
            )
            .into());
        }
        let id = TeamMemberId::new();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into team_members (id, group_id, person_name, org_id, role, title, school_leader, phone, joined_on, left_on, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, null, $10)",
        )
        .bind(id.as_str())
        .bind(group.id.as_str())
        .bind(&m.person_name)
        .bind(m.org_id.as_str())
        .bind(m.role.as_str())
        .bind(m.title.as_str())
        .bind(i64::from(m.school_leader))
        .bind(&m.phone)
        .bind(m.joined_on.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "team_member.create",
                entity: "team_member",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": group.id.as_str(), "name": m.person_name, "org_id": m.org_id.as_str(),
                    "role": m.role.as_str(), "title": m.title.as_str(), "school_leader": m.school_leader,
                    "phone": crate::domain::team::mask_phone(&m.phone), "joined_on": m.joined_on.to_string(),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records that a member left the team on `left_on` (nothing is deleted: the team as it stood stays).
    pub async fn end_team_member(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        member: &TeamMemberRow,
        left_on: Date,
    ) -> Result<(), StoreError> {
        if member.left_on.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} 已于 {} 离队",
                member.person_name,
                member.left_on.map(|d| d.to_string()).unwrap_or_default()
            )));
        }
        if left_on <= member.joined_on {
            return Err(FieldError::new(
                "离队日期",
                format!("应晚于加入日期 {}", member.joined_on),
            )
            .into());
        }
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("update team_members set left_on = $1 where id = $2 and group_id = $3 and left_on is null")
            .bind(left_on.to_string())
            .bind(member.id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // Checked inside the transaction, after the update took the member's row.
        let last: Option<String> = sqlx::query(
            "select max(e.date_to) as last from onsite_entries e
             join onsite_entry_members m on m.entry_id = e.id where m.member_id = $1",
        )
        .bind(member.id.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("last")?;
        if let Some(last) = last
            && left_on.to_string() <= last
        {
            let msg = format!(
                "{} 在 {last} 还有驻点服务记录，离队日期应晚于该日",
                member.person_name
            );
            return Err(FieldError::new("离队日期", msg).into());
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "team_member.leave",
                entity: "team_member",
                entity_id: Some(member.id.as_str()),
                before: Some(json!({ "left_on": null })),
                after: Some(json!({ "left_on": left_on.to_string() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

// ---------------------------------------------------------------- on-site service

#[derive(Debug, Clone)]
pub struct OnsiteRow {
    pub id: OnsiteEntryId,
    pub date_from: Date,
    pub date_to: Date,
    pub place_org_id: OrgId,
    pub place_name: String,
    pub content: String,
    pub member_ids: Vec<TeamMemberId>,
    pub member_names: Vec<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewOnsiteEntry {
    pub date_from: Date,
    pub date_to: Date,
    pub place_org_id: OrgId,
    pub content: String,
    pub member_ids: Vec<TeamMemberId>,
}

/// The longest single entry accepted; longer stays are entered month by month.
pub const MAX_ENTRY_DAYS: i64 = 92;

/// The places of a group's on-site service on `date`: its town and its villages.
pub fn places_on(group: &GroupRow, date: Date) -> Vec<(OrgId, String)> {
    let d = date.to_string();
    group
        .members
        .iter()
        .filter(|m| matches!(m.role, MemberRole::Town | MemberRole::Village) && m.active_on(&d))
        .map(|m| (m.org_id.clone(), m.name.clone()))
        .collect()
}

/// Checks one entry against the group, its team and today.
pub fn check_onsite_entry(
    group: &GroupRow,
    team: &[TeamMemberRow],
    e: &NewOnsiteEntry,
    today: Date,
) -> Result<(), FieldError> {
    if e.date_to < e.date_from {
        return Err(FieldError::new(
            "结束日期",
            format!("{} 早于开始日期 {}", e.date_to, e.date_from),
        ));
    }
    if e.date_to > today {
        return Err(FieldError::new(
            "结束日期",
            format!("{} 晚于今天，只能登记已经发生的服务", e.date_to),
        ));
    }
    if e.date_from.to_string() < group.started_on {
        return Err(FieldError::new(
            "开始日期",
            format!("{} 早于结对开始日期 {}", e.date_from, group.started_on),
        ));
    }
    let days = crate::domain::rules::days_between(e.date_from, e.date_to) + 1;
    if days > MAX_ENTRY_DAYS {
        return Err(FieldError::new(
            "结束日期",
            format!("一条记录最长 {MAX_ENTRY_DAYS} 天，本条为 {days} 天，请分段登记"),
        ));
    }
    if let Some(end) = &group.ended_on
        && e.date_to.to_string() >= *end
    {
        return Err(FieldError::new(
            "结束日期",
            format!("结对组已于 {end} 结束"),
        ));
    }
    let here = |d: Date| {
        places_on(group, d)
            .iter()
            .any(|(id, _)| id == &e.place_org_id)
    };
    if !(here(e.date_from) && here(e.date_to)) {
        return Err(FieldError::new(
            "服务地点",
            "只能是本组的镇(街道)或本组的村(社区)",
        ));
    }
    if e.member_ids.is_empty() {
        return Err(FieldError::new("在场队员", "至少选择一名队员"));
    }
    for id in &e.member_ids {
        match team.iter().find(|t| &t.id == id) {
            None => return Err(FieldError::new("在场队员", "只能选择本组服务工作队的队员")),
            Some(t) if !(t.active_on(e.date_from) && t.active_on(e.date_to)) => {
                return Err(FieldError::new(
                    "在场队员",
                    format!(
                        "{} 在 {}–{} 期间不在队中",
                        t.person_name, e.date_from, e.date_to
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let n = e.content.trim().chars().count();
    if n == 0 {
        return Err(FieldError::new("服务内容", "不能为空"));
    }
    if n > 2000 {
        return Err(FieldError::new("服务内容", "不能超过 2000 个字符"));
    }
    Ok(())
}

impl Store {
    /// Adds entries all or none; errors come back with the index of the entry.
    pub async fn add_onsite_entries(
        &self,
        actor: &Actor,
        now_ms: i64,
        today: Date,
        group: &GroupRow,
        entries: &[NewOnsiteEntry],
    ) -> Result<Vec<OnsiteEntryId>, Vec<(usize, StoreError)>> {
        let team = self
            .list_team(&group.id)
            .await
            .map_err(|e| vec![(0, e.into())])?;
        let mut errors: Vec<(usize, StoreError)> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                check_onsite_entry(group, &team, e, today)
                    .err()
                    .map(|f| (i, f.into()))
            })
            .collect();
        // The same service entered twice (an export imported again, a form sent twice) is refused.
        let key = |e: &NewOnsiteEntry| {
            let mut m: Vec<&str> = e.member_ids.iter().map(|m| m.as_str()).collect();
            m.sort();
            m.dedup();
            (
                e.date_from,
                e.date_to,
                e.place_org_id.to_string(),
                e.content.trim().to_string(),
                m.join(","),
            )
        };
        let first = entries.iter().map(|e| e.date_from).min().unwrap_or(today);
        let last = entries.iter().map(|e| e.date_to).max().unwrap_or(today);
        let existing = self
            .list_onsite(&group.id, first, last)
            .await
            .map_err(|e| vec![(0, e.into())])?;
        let mut seen: std::collections::HashSet<_> = existing
            .into_iter()
            .map(|r| {
                key(&NewOnsiteEntry {
                    date_from: r.date_from,
                    date_to: r.date_to,
                    place_org_id: r.place_org_id,
                    content: r.content,
                    member_ids: r.member_ids,
                })
            })
            .collect();
        for (i, e) in entries.iter().enumerate() {
            if !seen.insert(key(e)) && !errors.iter().any(|(j, _)| *j == i) {
                let msg = format!(
                    "与已登记的 {}–{} 服务记录完全相同，未重复登记",
                    e.date_from, e.date_to
                );
                errors.push((i, FieldError::new("开始日期", msg).into()));
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|(i, _)| *i);
            return Err(errors);
        }
        let result: sqlx::Result<Vec<OnsiteEntryId>> = async {
            let mut tx = self.pool.begin().await?;
            let mut ids = Vec::new();
            for e in entries {
                let id = OnsiteEntryId::new();
                sqlx::query(
                    "insert into onsite_entries (id, group_id, date_from, date_to, place_org_id, content, created_by, created_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id.as_str())
                .bind(group.id.as_str())
                .bind(e.date_from.to_string())
                .bind(e.date_to.to_string())
                .bind(e.place_org_id.as_str())
                .bind(e.content.trim())
                .bind(actor.user_id.as_ref().map(|u| u.to_string()))
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                let mut members = e.member_ids.clone();
                members.sort();
                members.dedup();
                for m in &members {
                    sqlx::query("insert into onsite_entry_members (entry_id, member_id) values ($1, $2)")
                        .bind(id.as_str())
                        .bind(m.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                audit::append(
                    &mut tx,
                    actor,
                    now_ms,
                    AuditEntry {
                        action: "onsite.create",
                        entity: "onsite_entry",
                        entity_id: Some(id.as_str()),
                        before: None,
                        after: Some(json!({
                            "group_id": group.id.as_str(), "from": e.date_from.to_string(), "to": e.date_to.to_string(),
                            "place_org_id": e.place_org_id.as_str(), "members": members.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                            "content": e.content.trim(),
                        })),
                    },
                )
                .await?;
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        }
        .await;
        result.map_err(|e| vec![(0, e.into())])
    }

    /// Entries overlapping `[from, to]`, oldest first, with their members (two queries, not one per entry).
    pub async fn list_onsite(
        &self,
        group: &GroupId,
        from: Date,
        to: Date,
    ) -> sqlx::Result<Vec<OnsiteRow>> {
        let rows = sqlx::query(
            "select e.id, e.date_from, e.date_to, e.place_org_id, o.name as place_name, e.content, u.display_name as confirmed_by, e.confirmed_at
             from onsite_entries e join organisations o on o.id = e.place_org_id left join users u on u.id = e.confirmed_by
             where e.group_id = $1 and e.date_from <= $3 and e.date_to >= $2
             order by e.date_from, e.date_to, e.id",
        )
        .bind(group.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        // Members by the entries' ids (through the primary key), in chunks: joining on the date
        // range instead let PostgreSQL pick a scan of every entry-member row (32 ms per group).
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<sqlx::Result<_>>()?;
        let mut members = Vec::new();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "select m.entry_id, m.member_id, t.person_name
                 from onsite_entry_members m join team_members t on t.id = m.member_id
                 where m.entry_id in ({}) order by t.person_name",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            members.extend(q.fetch_all(&self.pool).await?);
        }
        let mut by_entry: HashMap<String, Vec<(TeamMemberId, String)>> = HashMap::new();
        for m in &members {
            by_entry.entry(m.try_get("entry_id")?).or_default().push((
                TeamMemberId::from_db(m.try_get("member_id")?),
                m.try_get("person_name")?,
            ));
        }
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let people = by_entry.remove(&id).unwrap_or_default();
                Ok(OnsiteRow {
                    id: OnsiteEntryId::from_db(id),
                    date_from: date(r, "date_from")?,
                    date_to: date(r, "date_to")?,
                    place_org_id: OrgId::from_db(r.try_get("place_org_id")?),
                    place_name: r.try_get("place_name")?,
                    content: r.try_get("content")?,
                    member_ids: people.iter().map(|(id, _)| id.clone()).collect(),
                    member_names: people.into_iter().map(|(_, n)| n).collect(),
                    confirmed_by: r.try_get("confirmed_by")?,
                    confirmed_at: r.try_get("confirmed_at")?,
                })
            })
            .collect()
    }

    pub async fn get_onsite_entry(
        &self,
        group: &GroupId,
        id: &OnsiteEntryId,
    ) -> sqlx::Result<Option<(OrgId, Option<i64>)>> {
        let row = sqlx::query(
            "select place_org_id, confirmed_at from onsite_entries where id = $1 and group_id = $2",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                OrgId::from_db(r.try_get("place_org_id")?),
                r.try_get("confirmed_at")?,
            ))
        })
        .transpose()
    }

    /// Withdraws an entry entered by mistake; a confirmed entry stays (it is the town's word too).
    pub async fn delete_onsite_entry(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &OnsiteEntryId,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Claim the row first (a write, so it is locked until commit): a confirmation arriving at
        // the same moment either happened before (and this refuses) or waits and then finds nothing.
        let claimed = sqlx::query(
            "update onsite_entries set content = content where id = $1 and group_id = $2 and confirmed_at is null",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            let exists =
                sqlx::query("select 1 as one from onsite_entries where id = $1 and group_id = $2")
                    .bind(id.as_str())
                    .bind(group.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match exists {
                Some(_) => StoreError::Conflict("该记录已由镇村确认，不能删除".into()),
                None => StoreError::NotFound,
            });
        }
        let row = sqlx::query(
            "select date_from, date_to, place_org_id, content from onsite_entries where id = $1",
        )
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let members: Vec<String> = sqlx::query(
            "select member_id from onsite_entry_members where entry_id = $1 order by member_id",
        )
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("member_id"))
        .collect::<sqlx::Result<_>>()?;
        sqlx::query("delete from onsite_entry_members where entry_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from onsite_entries where id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        let before = json!({
            "group_id": group.as_str(),
            "from": row.try_get::<String, _>("date_from")?,
            "to": row.try_get::<String, _>("date_to")?,
            "place_org_id": row.try_get::<String, _>("place_org_id")?,
            "content": row.try_get::<String, _>("content")?,
            "members": members,
        });
        let entry = AuditEntry {
            action: "onsite.delete",
            entity: "onsite_entry",
            entity_id: Some(id.as_str()),
            before: Some(before),
            after: None,
        };
        audit::append(&mut tx, actor, now_ms, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A town or village user confirms that the service took place.
    pub async fn confirm_onsite(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &OnsiteEntryId,
        by: &UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("update onsite_entries set confirmed_by = $1, confirmed_at = $2 where id = $3 and group_id = $4 and confirmed_at is null")
            .bind(by.as_str())
            .bind(now_ms)
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("该记录已确认或不存在".into()));
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "onsite.confirm",
                entity: "onsite_entry",
                entity_id: Some(id.as_str()),
                before: Some(json!({ "confirmed": false })),
                after: Some(json!({ "confirmed": true, "confirmed_by": by.as_str() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

// ---------------------------------------------------------------- practice bases

/// 三(一): "开展红色教育、科技创新、文创设计、实习煅练等社会实践".
pub const BASE_FUNCTIONS: [(&str, &str); 5] = [
    ("red_education", "红色教育"),
    ("innovation", "科技创新"),
    ("creative_design", "文创设计"),
    ("internship", "实习锻炼"),
    ("other", "其他"),
];

pub fn base_function_label(code: &str) -> &'static str {
    BASE_FUNCTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("其他")
}

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

#[derive(Debug, Clone)]
pub struct NewBase {
    pub name: String,
    pub place_org_id: OrgId,
    pub functions: Vec<String>,
    pub opened_on: Date,
    pub description: String,
}

impl Store {
    pub async fn add_base(
        &self,
        actor: &Actor,
        now_ms: i64,
        today: Date,
        group: &GroupRow,
        b: &NewBase,
        photos: &[CheckedFile],
    ) -> Result<BaseId, StoreError> {
        let n = b.name.trim().chars().count();
        if n == 0 || n > 100 {
            return Err(FieldError::new(
                "基地名称",
                if n == 0 {
                    "不能为空"
                } else {
                    "不能超过 100 个字符"
                },
            )
            .into());
        }
        if !places_on(group, b.opened_on.min(today))
            .iter()
            .any(|(id, _)| id == &b.place_org_id)
        {
            return Err(FieldError::new("所在地", "只能是本组的镇(街道)或本组的村(社区)").into());
        }
        if let Some(bad) = b
            .functions
            .iter()
            .find(|f| !BASE_FUNCTIONS.iter().any(|(c, _)| c == f))
        {
            return Err(FieldError::new("基地功能", format!("“{bad}”不是可选的功能")).into());
        }
        // Each function once, in the plan's order (三(一): 红色教育、科技创新、文创设计、实习锻炼).
        let functions: Vec<String> = BASE_FUNCTIONS
            .iter()
            .filter(|(c, _)| b.functions.iter().any(|f| f == c))
            .map(|(c, _)| c.to_string())
            .collect();
        if functions.is_empty() {
            return Err(FieldError::new("基地功能", "至少选择一项").into());
        }
        if b.opened_on > today {
            return Err(FieldError::new("揭牌日期", format!("{} 晚于今天", b.opened_on)).into());
        }
        if b.description.chars().count() > 2000 {
            return Err(FieldError::new("简介", "不能超过 2000 个字符").into());
        }
        let id = BaseId::new();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into practice_bases (id, group_id, name, place_org_id, functions, opened_on, description, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_str())
        .bind(group.id.as_str())
        .bind(b.name.trim())
        .bind(b.place_org_id.as_str())
        .bind(functions.join(","))
        .bind(b.opened_on.to_string())
        .bind(b.description.trim())
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
                    "group_id": group.id.as_str(), "name": b.name.trim(), "place_org_id": b.place_org_id.as_str(),
                    "functions": functions, "opened_on": b.opened_on.to_string(),
                })),
            },
        )
        .await?;
        insert_attachments(
            &mut tx,
            actor,
            now_ms,
            &group.id,
            "base",
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
