//! On-site service (驻镇(含驻村)服务) entries of a group, their members and confirmations.

use super::audit::{self, Actor, AuditEntry};
use super::locks;
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
    /// The display name of the user who confirmed it.
    pub confirmed_by: Option<String>,
    /// The organisation of the user who confirmed it (whose word the confirmation is).
    pub confirmed_by_org: Option<OrgId>,
    pub confirmed_at: Option<i64>,
    /// Students who went along (三(一) 师生团队).
    pub students: i64,
    /// Brought in by a history import (历史补录).
    pub backfilled: bool,
}

/// What a correction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnsiteCorrection {
    /// The entry already reads so: nothing written.
    Unchanged,
    /// Written; `confirmation_cleared` when the town's or village's confirmation was withdrawn
    /// with it (their word was about the old content).
    Corrected { confirmation_cleared: bool },
}

/// Why a confirmed entry cannot be withdrawn, and what to do instead.
pub const CONFIRMED_STAYS: &str = "该记录已由镇(街道)或村(社区)确认，不能直接删除。如确属误录，请联系确认的镇(街道)或村(社区)在本页“撤销确认”后再删除；如只是内容有误，可直接修改（修改后需重新确认）。";

/// The unique index that makes recording the same service twice impossible (0003_onsite_unique).
const DEDUP_INDEX: &str = "onsite_entries_dedup_key";

/// The stored form of [`NewOnsiteEntry::same_service_key`]: its SHA-256, so the index stays small
/// whatever the length of the content.
pub(crate) fn dedup_key(same_service: &str) -> String {
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
    let sql = format!(
        "{ENTRY_SELECT} where e.group_id = $1 and e.date_from <= $3 and e.date_to >= $2
         order by e.date_from, e.date_to, e.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(group.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&mut *conn)
        .await?;
    with_members(conn, rows).await
}

/// One entry of the group on `conn`, with its members.
async fn entry_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &OnsiteEntryId,
) -> sqlx::Result<Option<OnsiteRow>> {
    let sql = format!("{ENTRY_SELECT} where e.id = $1 and e.group_id = $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .bind(group.as_str())
        .fetch_all(&mut *conn)
        .await?;
    Ok(with_members(conn, rows).await?.pop())
}

const ENTRY_SELECT: &str = "select e.id, e.date_from, e.date_to, e.place_org_id, o.name as place_name, e.content, e.students,
        coalesce(u.display_name, e.confirmed_by_text) as confirmed_by, u.org_id as confirmed_by_org, e.confirmed_at,
        e.history_import_id
    from onsite_entries e join organisations o on o.id = e.place_org_id left join users u on u.id = e.confirmed_by";

/// Entry rows of [`ENTRY_SELECT`] with their members.
async fn with_members(
    conn: &mut AnyConnection,
    rows: Vec<sqlx::any::AnyRow>,
) -> sqlx::Result<Vec<OnsiteRow>> {
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
                confirmed_by_org: r
                    .try_get::<Option<String>, _>("confirmed_by_org")?
                    .map(OrgId::from_db),
                confirmed_at: r.try_get("confirmed_at")?,
                students: r.try_get("students")?,
                backfilled: r
                    .try_get::<Option<String>, _>("history_import_id")?
                    .is_some(),
            })
        })
        .collect()
}

/// What the store checks of new entries against the group's records on `conn`: every member
/// at fault (not only the first) and every entry recorded already, each with its index.
/// `correcting` is the entry being corrected: it is not a duplicate of itself.
async fn check_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    entries: &[NewOnsiteEntry],
    correcting: Option<&OnsiteEntryId>,
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
            .filter(|r| Some(&r.id) != correcting)
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
        check_in(&mut conn, group, entries, None).await
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
        let ids = add_onsite_entries_in(&mut tx, actor, now_ms, group, entries).await?;
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

    /// One entry of the group, with its members; `None` when it is not the group's.
    pub async fn get_onsite_entry(
        &self,
        group: &GroupId,
        id: &OnsiteEntryId,
    ) -> sqlx::Result<Option<OnsiteRow>> {
        let mut conn = self.pool.acquire().await?;
        entry_in(&mut conn, group, id).await
    }

    /// Corrects an entry: its days, place, members and content, checked as a new entry is (every
    /// member not on the team then; the same service as another entry refused), with the
    /// member rows and `member_ids` rewritten together and `dedup_key` recomputed. A confirmed
    /// entry loses its confirmation (the town's or village's word was about the old content);
    /// the audit entry keeps who had confirmed it and when.
    pub async fn update_onsite_entry(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &OnsiteEntryId,
        e: &NewOnsiteEntry,
    ) -> Result<OnsiteCorrection, Vec<(usize, StoreError)>> {
        let db = |e: sqlx::Error| vec![(0, StoreError::from(e))];
        let mut tx = self.begin_write().await.map_err(db)?;
        // As in adding: a write first takes SQLite's lock and PostgreSQL's lock on the group, so
        // a correction and an addition of the same service are checked one after the other.
        sqlx::query("update pairing_groups set created_at = created_at where id = $1")
            .bind(group.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // Claim the entry (a write, so it is locked until commit): a confirmation arriving at the
        // same moment either happened before (and is read below, cleared and audited) or waits
        // and then confirms the corrected content.
        let claimed = sqlx::query(
            "update onsite_entries set content = content where id = $1 and group_id = $2",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let old = match entry_in(&mut tx, group, id).await.map_err(db)? {
            Some(old) if claimed > 0 => old,
            _ => return Err(vec![(0, StoreError::NotFound)]),
        };
        let mut old_members: Vec<&str> = old.member_ids.iter().map(|m| m.as_str()).collect();
        old_members.sort_unstable();
        let new_members: Vec<&str> = e.member_ids().iter().map(|m| m.as_str()).collect();
        let mut before = serde_json::Map::new();
        let mut after = serde_json::Map::new();
        let mut changed = |key: &str, old: serde_json::Value, new: serde_json::Value| {
            if old != new {
                before.insert(key.into(), old);
                after.insert(key.into(), new);
            }
        };
        changed(
            "from",
            json!(old.date_from.to_string()),
            json!(e.date_from().to_string()),
        );
        changed(
            "to",
            json!(old.date_to.to_string()),
            json!(e.date_to().to_string()),
        );
        changed(
            "place_org_id",
            json!(old.place_org_id.as_str()),
            json!(e.place_org_id().as_str()),
        );
        changed("present_members", json!(old_members), json!(new_members));
        changed("content", json!(old.content), json!(e.content()));
        changed("students", json!(old.students), json!(e.students()));
        if before.is_empty() {
            return Ok(OnsiteCorrection::Unchanged);
        }
        // 五(三): neither from nor into a month an accepted monthly report has locked.
        let ranges = [(old.date_from, old.date_to), (e.date_from(), e.date_to())];
        locks::refuse_locked(&mut tx, group, "开始日期", &ranges)
            .await
            .map_err(|e| vec![(0, e)])?;
        let errors = check_in(&mut tx, group, std::slice::from_ref(e), Some(id))
            .await
            .map_err(db)?;
        if !errors.is_empty() {
            return Err(errors);
        }
        let confirmation_cleared = old.confirmed_at.is_some();
        if let Some(at) = old.confirmed_at {
            before.insert("confirmed".into(), json!(true));
            before.insert("confirmed_by".into(), json!(old.confirmed_by));
            before.insert("confirmed_at".into(), json!(crate::clock::format_ms(at)));
            after.insert("confirmed".into(), json!(false));
        }
        sqlx::query(
            "update onsite_entries set date_from = $1, date_to = $2, place_org_id = $3, content = $4,
                 dedup_key = $5, member_ids = $6, confirmed_by = null, confirmed_by_text = null, confirmed_at = null,
                 students = $9
             where id = $7 and group_id = $8",
        )
        .bind(e.date_from().to_string())
        .bind(e.date_to().to_string())
        .bind(e.place_org_id().as_str())
        .bind(e.content())
        .bind(dedup_key(&e.same_service_key()))
        .bind(new_members.join(","))
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(e.students())
        .execute(&mut *tx)
        .await
        .map_err(|err| {
            if super::violates_unique(&err, DEDUP_INDEX, "onsite_entries.dedup_key") {
                vec![(0, duplicate(e))]
            } else {
                db(err)
            }
        })?;
        sqlx::query("delete from onsite_entry_members where entry_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for m in e.member_ids() {
            sqlx::query("insert into onsite_entry_members (entry_id, member_id) values ($1, $2)")
                .bind(id.as_str())
                .bind(m.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let entry = AuditEntry {
            action: "onsite.update",
            entity: "onsite_entry",
            entity_id: Some(id.as_str()),
            before: Some(serde_json::Value::Object(before)),
            after: Some(serde_json::Value::Object(after)),
        };
        audit::append(&mut tx, actor, now_ms, entry)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(OnsiteCorrection::Corrected {
            confirmation_cleared,
        })
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
                Some(_) => StoreError::Conflict(CONFIRMED_STAYS.into()),
                None => StoreError::NotFound,
            });
        }
        let row = sqlx::query(
            "select date_from, date_to, place_org_id, content from onsite_entries where id = $1",
        )
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        locks::refuse_locked_withdrawal(
            &mut tx,
            group,
            date(&row, "date_from")?,
            date(&row, "date_to")?,
        )
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
            "present_members": members,
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
        let n = sqlx::query("update onsite_entries set confirmed_by = $1, confirmed_by_text = null, confirmed_at = $2 where id = $3 and group_id = $4 and confirmed_at is null")
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
        let name: String = sqlx::query("select display_name from users where id = $1")
            .bind(by.as_str())
            .fetch_one(&mut *tx)
            .await?
            .try_get("display_name")?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "onsite.confirm",
                entity: "onsite_entry",
                entity_id: Some(id.as_str()),
                before: Some(json!({ "confirmed": false })),
                after: Some(json!({ "confirmed": true, "confirmed_by": name })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws the confirmation of an entry (made by mistake): the entry counts as unconfirmed
    /// again. `seen` is the confirmation time the caller checked the right to withdraw against:
    /// a confirmation changed in between is a conflict, not withdrawn unseen.
    pub async fn unconfirm_onsite(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &OnsiteEntryId,
        seen: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Claim the row first (a write: SQLite's lock before any read, PostgreSQL's row lock).
        let n = sqlx::query(
            "update onsite_entries set content = content
             where id = $1 and group_id = $2 and confirmed_at = $3",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(seen)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "该记录的确认已撤销或已变更，请刷新页面".into(),
            ));
        }
        let before = entry_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "update onsite_entries set confirmed_by = null, confirmed_by_text = null, confirmed_at = null where id = $1",
        )
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "onsite.unconfirm",
                entity: "onsite_entry",
                entity_id: Some(id.as_str()),
                before: Some(json!({
                    "confirmed": true,
                    "confirmed_by": before.confirmed_by,
                    "confirmed_at": crate::clock::format_ms(seen),
                })),
                after: Some(json!({ "confirmed": false })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What [`Store::add_onsite_entries`] does, on the caller's transaction (a history import writes
/// every group's entries in its one transaction).
pub(super) async fn add_onsite_entries_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    entries: &[NewOnsiteEntry],
) -> Result<Vec<OnsiteEntryId>, Vec<(usize, StoreError)>> {
    let db = |e: sqlx::Error| vec![(0, StoreError::from(e))];
    // A write first: on SQLite it takes the write lock before any read (a read first would
    // fail instead of waiting when another writer commits); on PostgreSQL it locks the group.
    sqlx::query("update pairing_groups set created_at = created_at where id = $1")
        .bind(group.as_str())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let mut errors = check_in(&mut *conn, group, entries, None)
        .await
        .map_err(db)?;
    // 五(三): no entry in a month an accepted monthly report has locked.
    for (i, e) in entries.iter().enumerate() {
        if let Some(lock) = locks::locked_by(&mut *conn, group, e.date_from(), e.date_to())
            .await
            .map_err(db)?
        {
            errors.push((i, FieldError::new("开始日期", lock.message()).into()));
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|(i, _)| *i);
        return Err(errors);
    }
    let mut ids = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let id = OnsiteEntryId::new();
        sqlx::query(
                "insert into onsite_entries (id, group_id, date_from, date_to, place_org_id, content, created_by, created_at, dedup_key, member_ids, students)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
            .bind(e.students())
            .execute(&mut *conn)
            .await
            .map_err(|err| {
                if super::violates_unique(&err, DEDUP_INDEX, "onsite_entries.dedup_key") {
                    vec![(i, duplicate(e))]
                } else {
                    db(err)
                }
            })?;
        for m in e.member_ids() {
            sqlx::query("insert into onsite_entry_members (entry_id, member_id) values ($1, $2)")
                .bind(id.as_str())
                .bind(m.as_str())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        audit::append(
                &mut *conn,
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
                        "present_members": e.member_ids().iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                        "content": e.content(),
                        "students": e.students(),
                    })),
                },
            )
            .await
            .map_err(db)?;
        ids.push(id);
    }
    Ok(ids)
}
