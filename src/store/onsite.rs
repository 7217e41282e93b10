//! On-site service (驻镇(驻村)服务) entries of a group, their members and confirmations.

use super::audit::{self, Actor, AuditEntry};
use super::groups::GroupRow;
use super::rows::date;
use super::team::TeamMemberRow;
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{GroupId, OnsiteEntryId, OrgId, TeamMemberId, UserId};
use crate::domain::org::MemberRole;
use jiff::civil::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

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
