//! On-site service (驻镇(含驻村)服务) entries of a group, their members and confirmations.

use super::audit::{self, Actor, AuditEntry};
use super::rows::date;
use super::team::team_in;
use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{GroupId, OnsiteEntryId, OrgId, TeamMemberId, UserId};
use crate::domain::onsite::same_service_key;
use jiff::civil::Date;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

pub use crate::domain::onsite::{
    MAX_ENTRY_DAYS, NewOnsiteEntry, OnsiteEntryDraft, OnsiteEntryInput, check_onsite_entry,
};

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

/// The unique index that makes recording the same service twice impossible (0003_onsite_unique).
const DEDUP_INDEX: &str = "onsite_entries_dedup_key";

/// The stored form of [`NewOnsiteEntry::same_service_key`]: its SHA-256, so the index stays small
/// whatever the length of the content.
fn dedup_key(same_service: &str) -> String {
    Sha256::digest(same_service.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn duplicate(e: &NewOnsiteEntry) -> StoreError {
    let msg = format!(
        "与已登记的 {}–{} 服务记录完全相同，未重复登记",
        e.date_from(),
        e.date_to()
    );
    FieldError::new("开始日期", msg).into()
}

/// [`Store::list_onsite`] on `conn` (so a write can read it inside its transaction).
async fn onsite_in(
    conn: &mut AnyConnection,
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
    .fetch_all(&mut *conn)
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
        members.extend(q.fetch_all(&mut *conn).await?);
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

/// What the store checks of new entries against the group's records on `conn`: every member
/// at fault (not only the first) and every entry recorded already, each with its index.
async fn check_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    entries: &[NewOnsiteEntry],
) -> sqlx::Result<Vec<(usize, StoreError)>> {
    let team = team_in(conn, group).await?;
    let mut errors: Vec<(usize, StoreError)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        for id in e.member_ids() {
            let problem = match team.iter().find(|t| &t.id == id) {
                None => Some("只能选择本组服务工作队的队员".to_string()),
                Some(t) if !(t.active_on(e.date_from()) && t.active_on(e.date_to())) => {
                    Some(format!(
                        "{} 在 {}–{} 期间不在队中",
                        t.person_name,
                        e.date_from(),
                        e.date_to()
                    ))
                }
                Some(_) => None,
            };
            if let Some(msg) = problem {
                errors.push((i, FieldError::new("在场队员", msg).into()));
            }
        }
    }
    // The same service entered twice (an export imported again, a form sent twice) is refused.
    if let (Some(first), Some(last)) = (
        entries.iter().map(|e| e.date_from()).min(),
        entries.iter().map(|e| e.date_to()).max(),
    ) {
        let existing = onsite_in(conn, group, first, last).await?;
        let mut seen: HashSet<String> = existing
            .iter()
            .map(|r| {
                same_service_key(
                    r.date_from,
                    r.date_to,
                    &r.place_org_id,
                    &r.member_ids,
                    &r.content,
                )
            })
            .collect();
        for (i, e) in entries.iter().enumerate() {
            if !seen.insert(e.same_service_key()) && !errors.iter().any(|(j, _)| *j == i) {
                errors.push((i, duplicate(e)));
            }
        }
    }
    Ok(errors)
}

impl Store {
    /// Checks entries as [`Store::add_onsite_entries`] would, writing nothing (an import with
    /// bad cells reports these problems of its good rows with them).
    pub async fn check_onsite_entries(
        &self,
        group: &GroupId,
        entries: &[NewOnsiteEntry],
    ) -> sqlx::Result<Vec<(usize, StoreError)>> {
        let mut conn = self.pool.acquire().await?;
        check_in(&mut conn, group, entries).await
    }

    /// Adds entries all or none; errors come back with the index of the entry. The team and the
    /// entries already recorded are read inside the transaction, after it has taken the group's
    /// row, so two requests for one group are checked one after the other; the unique index on
    /// `dedup_key` backs the duplicate check.
    pub async fn add_onsite_entries(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        entries: &[NewOnsiteEntry],
    ) -> Result<Vec<OnsiteEntryId>, Vec<(usize, StoreError)>> {
        let db = |e: sqlx::Error| vec![(0, StoreError::from(e))];
        let mut tx = self.begin_write().await.map_err(db)?;
        // A write first: on SQLite it takes the write lock before any read (a read first would
        // fail instead of waiting when another writer commits); on PostgreSQL it locks the group.
        sqlx::query("update pairing_groups set created_at = created_at where id = $1")
            .bind(group.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut errors = check_in(&mut tx, group, entries).await.map_err(db)?;
        if !errors.is_empty() {
            errors.sort_by_key(|(i, _)| *i);
            return Err(errors);
        }
        let mut ids = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let id = OnsiteEntryId::new();
            sqlx::query(
                "insert into onsite_entries (id, group_id, date_from, date_to, place_org_id, content, created_by, created_at, dedup_key, member_ids)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id.as_str())
            .bind(group.as_str())
            .bind(e.date_from().to_string())
            .bind(e.date_to().to_string())
            .bind(e.place_org_id().as_str())
            .bind(e.content())
            .bind(actor.user_id.as_ref().map(|u| u.to_string()))
            .bind(now_ms)
            .bind(dedup_key(&e.same_service_key()))
            .bind(
                e.member_ids()
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .execute(&mut *tx)
            .await
            .map_err(|err| {
                if super::violates_unique(&err, DEDUP_INDEX, "onsite_entries.dedup_key") {
                    vec![(i, duplicate(e))]
                } else {
                    db(err)
                }
            })?;
            for m in e.member_ids() {
                sqlx::query(
                    "insert into onsite_entry_members (entry_id, member_id) values ($1, $2)",
                )
                .bind(id.as_str())
                .bind(m.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
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
                        "group_id": group.as_str(), "from": e.date_from().to_string(), "to": e.date_to().to_string(),
                        "place_org_id": e.place_org_id().as_str(),
                        "members": e.member_ids().iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                        "content": e.content(),
                    })),
                },
            )
            .await
            .map_err(db)?;
            ids.push(id);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    /// Entries overlapping `[from, to]`, oldest first, with their members (two queries, not one per entry).
    pub async fn list_onsite(
        &self,
        group: &GroupId,
        from: Date,
        to: Date,
    ) -> sqlx::Result<Vec<OnsiteRow>> {
        let mut conn = self.pool.acquire().await?;
        onsite_in(&mut conn, group, from, to).await
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
        let mut tx = self.begin_write().await?;
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
        let mut tx = self.begin_write().await?;
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
