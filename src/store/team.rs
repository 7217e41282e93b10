//! A group's service team (服务工作队): members with dated joining and leaving.

use super::audit::{self, Actor, AuditEntry};
use super::rows::{date, decode_err, opt_date};
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{GroupId, OrgId, TeamMemberId};
use crate::domain::team::{CorrectedTeamMember, TeamRole, Title, mask_phone};
use jiff::civil::Date;
use serde_json::{Map, Value, json};
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
    /// Brought in by a history import (历史补录).
    pub backfilled: bool,
}

impl TeamMemberRow {
    /// On the team on `date` (leaving is exclusive: gone from `left_on`).
    pub fn active_on(&self, date: Date) -> bool {
        self.joined_on <= date && self.left_on.is_none_or(|l| date < l)
    }
}

pub use crate::domain::team::{Departure, NewTeamMember, TeamMemberInput};

/// A member's fields as the audit log keeps them (the phone masked, as everywhere but the
/// member's own school), so a correction can record just the fields it changed.
fn audit_fields(m: &NewTeamMember, left_on: Option<Date>) -> Map<String, Value> {
    let v = json!({
        "person_name": m.person_name(), "org_id": m.org_id().as_str(),
        "team_role": m.role().as_str(), "title": m.title().as_str(), "school_leader": m.school_leader(),
        "phone": mask_phone(m.phone()), "joined_on": m.joined_on().to_string(),
        "left_on": left_on.map(|d| d.to_string()),
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object"),
    }
}

fn row_fields(r: &TeamMemberRow) -> Map<String, Value> {
    let v = json!({
        "person_name": r.person_name, "org_id": r.org_id.as_str(),
        "team_role": r.role.as_str(), "title": r.title.as_str(), "school_leader": r.school_leader,
        "phone": mask_phone(&r.phone), "joined_on": r.joined_on.to_string(),
        "left_on": r.left_on.map(|d| d.to_string()),
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object"),
    }
}

/// An on-site entry a member is named in: its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberService {
    pub date_from: Date,
    pub date_to: Date,
}

impl std::fmt::Display for MemberService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.date_from == self.date_to {
            write!(f, "{}", self.date_from)
        } else {
            write!(f, "{}–{}", self.date_from, self.date_to)
        }
    }
}

/// The entries naming `member`, oldest first.
async fn services_of(
    conn: &mut AnyConnection,
    member: &TeamMemberId,
) -> sqlx::Result<Vec<MemberService>> {
    let rows = sqlx::query(
        "select e.date_from, e.date_to from onsite_entries e
         join onsite_entry_members m on m.entry_id = e.id
         where m.member_id = $1 order by e.date_from, e.date_to",
    )
    .bind(member.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MemberService {
                date_from: date(r, "date_from")?,
                date_to: date(r, "date_to")?,
            })
        })
        .collect()
}

fn joined(list: &[MemberService]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// Takes the group's row first: on SQLite the write lock before any read, on PostgreSQL a lock
/// that orders this write after (or before) an on-site entry being recorded for the group, which
/// takes the same row.
async fn lock_group(conn: &mut AnyConnection, group: &GroupId) -> sqlx::Result<()> {
    sqlx::query("update pairing_groups set created_at = created_at where id = $1")
        .bind(group.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const TEAM_SELECT: &str = "select t.id, t.group_id, t.person_name, t.org_id, o.name as org_name, t.role, t.title, t.school_leader, t.phone, t.joined_on, t.left_on, t.history_import_id
         from team_members t join organisations o on o.id = t.org_id";
const TEAM_ORDER: &str = "order by case t.role when 'captain' then 0 when 'vice_captain' then 1 else 2 end, t.joined_on, t.person_name";

/// The group's team on `conn` (so a write can read it inside its transaction).
pub(super) async fn team_in(
    conn: &mut AnyConnection,
    group: &GroupId,
) -> sqlx::Result<Vec<TeamMemberRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TEAM_SELECT} where t.group_id = $1 {TEAM_ORDER}"
    )))
    .bind(group.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(team_row).collect()
}

impl Store {
    /// Every team of a plan's groups in one query, by group (a history import matches the names
    /// its sheets give against them).
    pub async fn teams_of_plan(
        &self,
        plan: &crate::domain::ids::PlanId,
    ) -> sqlx::Result<std::collections::HashMap<GroupId, Vec<TeamMemberRow>>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TEAM_SELECT} join pairing_groups g on g.id = t.group_id where g.plan_id = $1 {TEAM_ORDER}"
        )))
        .bind(plan.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out: std::collections::HashMap<GroupId, Vec<TeamMemberRow>> =
            std::collections::HashMap::new();
        for r in &rows {
            out.entry(GroupId::from_db(r.try_get("group_id")?))
                .or_default()
                .push(team_row(r)?);
        }
        Ok(out)
    }
}

fn team_row(r: &sqlx::any::AnyRow) -> sqlx::Result<TeamMemberRow> {
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
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
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
        insert_team_member(&mut tx, actor, now_ms, group, &id, m, None).await?;
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
        // Ordered with on-site entries being recorded for the group, which take the same row.
        lock_group(&mut tx, group).await?;
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
        // Checked inside the transaction, after the group's and the member's rows were taken.
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

    /// The on-site entries that name `member`, oldest first (the leave form starts after them).
    pub async fn member_services(&self, member: &TeamMemberId) -> sqlx::Result<Vec<MemberService>> {
        let mut conn = self.pool.acquire().await?;
        services_of(&mut conn, member).await
    }

    /// Corrects every field of a member. Inside the transaction (after taking the group's row, so
    /// an on-site entry recorded meanwhile is seen): the school must still be one of the group's
    /// schools on the joining day, and every on-site entry naming the member must still fall
    /// within the corrected days on the team — each entry at fault is named. Only the fields
    /// that changed go to the audit log.
    pub async fn update_team_member(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &TeamMemberId,
        c: &CorrectedTeamMember,
    ) -> Result<(), StoreError> {
        let m = &c.member;
        let mut tx = self.begin_write().await?;
        lock_group(&mut tx, group).await?;
        let before = team_in(&mut tx, group)
            .await?
            .into_iter()
            .find(|t| &t.id == id)
            .ok_or(StoreError::NotFound)?;
        let joined_on = m.joined_on().to_string();
        let schools: i64 = sqlx::query(
            "select count(*) as n from group_memberships
             where group_id = $1 and org_id = $2 and role in ('university', 'vocational_school')
               and effective_from <= $3 and (effective_to is null or effective_to > $3)",
        )
        .bind(group.as_str())
        .bind(m.org_id().as_str())
        .bind(&joined_on)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if schools == 0 {
            return Err(FieldError::new(
                "所在单位",
                format!("{joined_on} 时不是本组的签约学校，队员须来自本组的高校或中职学校"),
            )
            .into());
        }
        let services = services_of(&mut tx, id).await?;
        let early: Vec<MemberService> = services
            .iter()
            .copied()
            .filter(|s| s.date_from < m.joined_on())
            .collect();
        let late: Vec<MemberService> = services
            .iter()
            .copied()
            .filter(|s| c.left_on.is_some_and(|l| s.date_to >= l))
            .collect();
        if !early.is_empty() || !late.is_empty() {
            let mut parts = Vec::new();
            if !early.is_empty() {
                parts.push(format!("{} 早于加入日期 {joined_on}", joined(&early)));
            }
            if let Some(l) = c.left_on
                && !late.is_empty()
            {
                parts.push(format!("{} 不早于离队日期 {l}", joined(&late)));
            }
            let field = if early.is_empty() {
                "离队日期"
            } else {
                "加入日期"
            };
            let msg = format!(
                "{} 的驻镇(含驻村)服务记录 {}，将不在其在队期间；请先更正这些服务记录或改用其他日期",
                before.person_name,
                parts.join("；")
            );
            return Err(FieldError::new(field, msg).into());
        }
        let n = sqlx::query(
            "update team_members set person_name = $1, org_id = $2, role = $3, title = $4,
                 school_leader = $5, phone = $6, joined_on = $7, left_on = $8
             where id = $9 and group_id = $10",
        )
        .bind(m.person_name())
        .bind(m.org_id().as_str())
        .bind(m.role().as_str())
        .bind(m.title().as_str())
        .bind(i64::from(m.school_leader()))
        .bind(m.phone())
        .bind(&joined_on)
        .bind(c.left_on.map(|d| d.to_string()))
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let (old, new) = (row_fields(&before), audit_fields(m, c.left_on));
        let mut b = Map::new();
        let mut a = Map::new();
        for (k, v) in &new {
            if old.get(k) != Some(v) {
                b.insert(k.clone(), old.get(k).cloned().unwrap_or(Value::Null));
                a.insert(k.clone(), v.clone());
            }
        }
        // A full number changed behind the same mask is still a change the log shows.
        if before.phone != m.phone() && !a.contains_key("phone") {
            b.insert("phone".into(), json!(mask_phone(&before.phone)));
            a.insert(
                "phone".into(),
                json!(format!("{}（已更换）", mask_phone(m.phone()))),
            );
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "team_member.update",
                entity: "team_member",
                entity_id: Some(id.as_str()),
                before: Some(Value::Object(b)),
                after: Some(Value::Object(a)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a member entered by mistake (not one who left: leaving keeps the record). Refused
    /// while on-site entries name the member (they must be corrected first), every entry named.
    pub async fn withdraw_team_member(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &TeamMemberId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        lock_group(&mut tx, group).await?;
        let before = team_in(&mut tx, group)
            .await?
            .into_iter()
            .find(|t| &t.id == id)
            .ok_or(StoreError::NotFound)?;
        let services = services_of(&mut tx, id).await?;
        if !services.is_empty() {
            return Err(StoreError::Conflict(format!(
                "{} 出现在 {} 的驻镇(含驻村)服务记录中，不能撤回；请先更正或删除这些服务记录。如该队员确曾在队、现已离开，请用“登记离队”",
                before.person_name,
                joined(&services)
            )));
        }
        let n = sqlx::query("delete from team_members where id = $1 and group_id = $2")
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let mut before_json = row_fields(&before);
        before_json.insert("group_id".into(), json!(group.as_str()));
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "team_member.withdraw",
                entity: "team_member",
                entity_id: Some(id.as_str()),
                before: Some(Value::Object(before_json)),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Adds a member (who left on `left_on`, when a history import says so) on the caller's
/// transaction, with its audit entry.
pub(super) async fn insert_team_member(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    id: &TeamMemberId,
    m: &NewTeamMember,
    left_on: Option<Date>,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into team_members (id, group_id, person_name, org_id, role, title, school_leader, phone, joined_on, left_on, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
    .bind(left_on.map(|d| d.to_string()))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let mut after = json!({
        "group_id": group.as_str(), "person_name": m.person_name(), "org_id": m.org_id().as_str(),
        "team_role": m.role().as_str(), "title": m.title().as_str(), "school_leader": m.school_leader(),
        "phone": mask_phone(m.phone()), "joined_on": m.joined_on().to_string(),
    });
    if let Some(d) = left_on {
        after["left_on"] = json!(d.to_string());
    }
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "team_member.create",
            entity: "team_member",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}
