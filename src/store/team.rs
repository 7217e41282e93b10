//! A group's service team (服务工作队): members with dated joining and leaving.

use super::audit::{self, Actor, AuditEntry};
use super::rows::{date, decode_err, opt_date};
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{GroupId, OrgId, TeamMemberId};
use crate::domain::team::{TeamRole, Title};
use jiff::civil::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};

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

pub use crate::domain::team::{Departure, NewTeamMember, TeamMemberInput};

/// The group's team on `conn` (so a write can read it inside its transaction).
pub(super) async fn team_in(
    conn: &mut AnyConnection,
    group: &GroupId,
) -> sqlx::Result<Vec<TeamMemberRow>> {
    let rows = sqlx::query(
        "select t.id, t.person_name, t.org_id, o.name as org_name, t.role, t.title, t.school_leader, t.phone, t.joined_on, t.left_on
         from team_members t join organisations o on o.id = t.org_id
         where t.group_id = $1
         order by case t.role when 'captain' then 0 when 'vice_captain' then 1 else 2 end, t.joined_on, t.person_name",
    )
    .bind(group.as_str())
    .fetch_all(&mut *conn)
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

impl Store {
    pub async fn list_team(&self, group: &GroupId) -> sqlx::Result<Vec<TeamMemberRow>> {
        let mut conn = self.pool.acquire().await?;
        team_in(&mut conn, group).await
    }

    pub async fn add_team_member(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        m: &NewTeamMember,
    ) -> Result<TeamMemberId, StoreError> {
        let id = TeamMemberId::new();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "insert into team_members (id, group_id, person_name, org_id, role, title, school_leader, phone, joined_on, left_on, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, null, $10)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(m.person_name())
        .bind(m.org_id().as_str())
        .bind(m.role().as_str())
        .bind(m.title().as_str())
        .bind(i64::from(m.school_leader()))
        .bind(m.phone())
        .bind(m.joined_on().to_string())
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
                    "group_id": group.as_str(), "name": m.person_name(), "org_id": m.org_id().as_str(),
                    "role": m.role().as_str(), "title": m.title().as_str(), "school_leader": m.school_leader(),
                    "phone": crate::domain::team::mask_phone(m.phone()), "joined_on": m.joined_on().to_string(),
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
        departure: Departure,
    ) -> Result<(), StoreError> {
        let left_on = departure.left_on();
        if member.left_on.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} 已于 {} 离队",
                member.person_name,
                member.left_on.map(|d| d.to_string()).unwrap_or_default()
            )));
        }
        let mut tx = self.begin_write().await?;
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
                "{} 在 {last} 还有驻镇(含驻村)服务记录，离队日期应晚于该日",
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
