//! The audit log: who did what to which record, before/after, when and from where.
//! The application only ever appends; the database refuses updates and deletes (triggers).

use super::Store;
use crate::domain::ids::{AuditId, UserId};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Who is acting, and from which address.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub name: String,
    pub ip: String,
}

impl Actor {
    /// The platform itself (first start, preset loading) or an operator at the command line.
    pub fn system(name: &str) -> Self {
        Self {
            user_id: None,
            name: name.to_string(),
            ip: "local".to_string(),
        }
    }
}

pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub at: i64,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// The acting user's organisation, by its name as the platform shows it.
    pub organisation: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Appends one event inside the caller's transaction, so a write and its audit stand or fall together.
/// Control characters (a newline, an escape sequence typed into the sign-in form) written out as
/// `\u{…}`, so an entry cannot forge a line of its own or colour a terminal that reads the log.
pub fn escape_controls(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The fields of a correction that changed, as the audit entry's (before, after) objects: each
/// field of `new` whose value differs from `old`'s. Both empty when nothing changed.
pub fn changed_fields(
    old: &serde_json::Value,
    new: &serde_json::Value,
) -> (
    serde_json::Map<String, serde_json::Value>,
    serde_json::Map<String, serde_json::Value>,
) {
    let (mut was, mut now) = (serde_json::Map::new(), serde_json::Map::new());
    if let Some(fields) = new.as_object() {
        for (k, v) in fields {
            if old.get(k) != Some(v) {
                was.insert(
                    k.clone(),
                    old.get(k).cloned().unwrap_or(serde_json::Value::Null),
                );
                now.insert(k.clone(), v.clone());
            }
        }
    }
    (was, now)
}

/// The hash the first entry of the chain points back to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as the chain sees it: every stored field, in a fixed order.
struct Link<'a> {
    seq: i64,
    id: &'a str,
    at: i64,
    actor_user_id: Option<&'a str>,
    actor_name: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<&'a str>,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
    ip: &'a str,
}

impl Link<'_> {
    /// sha256 (lower-case hex) over the fields and the previous entry's hash. Each field is written
    /// as `<byte length>:<text>` and an absent one as `-`, joined by `|`: no two different entries
    /// encode alike, whatever their text holds, and the encoding is easy to re-implement.
    fn hash(&self, prev_hash: &str) -> String {
        use sha2::{Digest, Sha256};
        let (seq, at) = (self.seq.to_string(), self.at.to_string());
        let fields: [Option<&str>; 12] = [
            Some(&seq),
            Some(self.id),
            Some(&at),
            self.actor_user_id,
            Some(self.actor_name),
            Some(self.action),
            Some(self.entity),
            self.entity_id,
            self.before_json,
            self.after_json,
            Some(self.ip),
            Some(prev_hash),
        ];
        let mut h = Sha256::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                h.update(b"|");
            }
            match f {
                Some(t) => {
                    h.update(t.len().to_string().as_bytes());
                    h.update(b":");
                    h.update(t.as_bytes());
                }
                None => h.update(b"-"),
            }
        }
        format!("{:x}", h.finalize())
    }
}

/// Appends one event inside the caller's transaction, so a write and its audit stand or fall
/// together. The event takes the next place in the hash chain: the chain's head row is updated
/// first, which holds its write lock (SQLite: the database's; PostgreSQL: the row's) until the
/// caller commits, so two appends never take the same place or point back to the same entry.
pub async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    at_ms: i64,
    e: AuditEntry<'_>,
) -> sqlx::Result<()> {
    let head = sqlx::query(
        "update audit_chain set last_seq = last_seq + 1 where id = 1 returning last_seq, last_hash",
    )
    .fetch_one(&mut *conn)
    .await?;
    let seq: i64 = head.try_get("last_seq")?;
    let prev_hash: String = head.try_get("last_hash")?;
    let id = AuditId::new().to_string();
    let actor_user_id = actor.user_id.as_ref().map(|u| u.to_string());
    let actor_name = escape_controls(&actor.name);
    let ip = escape_controls(&actor.ip);
    let before_json = e.before.map(|v| v.to_string());
    let after_json = e.after.map(|v| v.to_string());
    let hash = Link {
        seq,
        id: &id,
        at: at_ms,
        actor_user_id: actor_user_id.as_deref(),
        actor_name: &actor_name,
        action: e.action,
        entity: e.entity,
        entity_id: e.entity_id,
        before_json: before_json.as_deref(),
        after_json: after_json.as_deref(),
        ip: &ip,
    }
    .hash(&prev_hash);
    sqlx::query(
        "insert into audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id, before_json, after_json, ip, seq, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&id)
    .bind(at_ms)
    .bind(actor_user_id.as_deref())
    .bind(&actor_name)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(before_json.as_deref())
    .bind(after_json.as_deref())
    .bind(&ip)
    .bind(seq)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update audit_chain set last_hash = $1 where id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The columns a chain check reads, in `Link` order.
const LINK_COLUMNS: &str = "id, at, actor_user_id, actor_name, action, entity, entity_id, before_json, after_json, ip, seq, prev_hash, hash";

/// A stored entry with its chain columns (any of which may be missing in a tampered table).
struct StoredLink {
    id: String,
    at: i64,
    actor_user_id: Option<String>,
    actor_name: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    ip: String,
    seq: Option<i64>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl StoredLink {
    fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor_user_id: r.try_get("actor_user_id")?,
            actor_name: r.try_get("actor_name")?,
            action: r.try_get("action")?,
            entity: r.try_get("entity")?,
            entity_id: r.try_get("entity_id")?,
            before_json: r.try_get("before_json")?,
            after_json: r.try_get("after_json")?,
            ip: r.try_get("ip")?,
            seq: r.try_get("seq")?,
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
        })
    }

    fn hash_at(&self, seq: i64, prev_hash: &str) -> String {
        Link {
            seq,
            id: &self.id,
            at: self.at,
            actor_user_id: self.actor_user_id.as_deref(),
            actor_name: &self.actor_name,
            action: &self.action,
            entity: &self.entity,
            entity_id: self.entity_id.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            ip: &self.ip,
        }
        .hash(prev_hash)
    }
}

/// The first fault `Store::verify_audit_chain` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// No entry holds place `seq`: it was deleted.
    Missing { seq: i64 },
    /// The entry at `seq` no longer matches its hash: a field was changed.
    Altered { seq: i64, id: String },
    /// The entry at `seq` does not point back to the entry before it: an entry before it was
    /// replaced, or this one was put in by hand.
    BrokenLink { seq: i64, id: String },
    /// An entry with no place in the chain: written by hand, outside the application.
    Unchained { id: String },
    /// The head says the chain ends at `head_seq` (with a hash), the last entry is `last_seq`:
    /// entries at the end were deleted, added by hand after it, or the last one replaced.
    Head { head_seq: i64, last_seq: i64 },
}

impl std::fmt::Display for ChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainFault::Missing { seq } => write!(f, "第 {seq} 条审计记录缺失（已被删除）"),
            ChainFault::Altered { seq, id } => write!(
                f,
                "第 {seq} 条审计记录（{id}）的内容与其哈希不符（已被修改）"
            ),
            ChainFault::BrokenLink { seq, id } => write!(
                f,
                "第 {seq} 条审计记录（{id}）没有指向第 {} 条记录的哈希（其前的记录被替换，或此条为手工插入）",
                seq - 1
            ),
            ChainFault::Unchained { id } => write!(
                f,
                "审计记录 {id} 不在哈希链中（不是由本平台写入的，系手工插入）"
            ),
            ChainFault::Head { head_seq, last_seq } if head_seq > last_seq => write!(
                f,
                "哈希链应到第 {head_seq} 条为止，最后一条却是第 {last_seq} 条：第 {} 至 {head_seq} 条已被删除",
                last_seq + 1
            ),
            ChainFault::Head { head_seq, last_seq } if head_seq < last_seq => write!(
                f,
                "哈希链应到第 {head_seq} 条为止，其后却还有记录（到第 {last_seq} 条）：系手工插入"
            ),
            ChainFault::Head { last_seq, .. } => write!(
                f,
                "哈希链头记下的哈希与第 {last_seq} 条审计记录不符（最后一条被替换，或链头被修改）"
            ),
        }
    }
}

/// What a chain check found: how many entries it checked, the head, and the first fault if any.
#[derive(Debug, Clone)]
pub struct ChainReport {
    pub entries: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub fault: Option<ChainFault>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.fault.is_none()
    }
}

impl Store {
    /// An event with no other write beside it (a sign-in, a failed sign-in).
    pub async fn audit(&self, actor: &Actor, at_ms: i64, e: AuditEntry<'_>) -> sqlx::Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, actor, at_ms, e).await?;
        tx.commit().await
    }

    /// The chain's head: the last entry's place and hash.
    pub async fn audit_head(&self) -> sqlx::Result<(i64, String)> {
        let r = sqlx::query("select last_seq, last_hash from audit_chain where id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((r.try_get("last_seq")?, r.try_get("last_hash")?))
    }

    /// The hash stored for the entry at `seq`, if there is one.
    pub async fn audit_hash_at(&self, seq: i64) -> sqlx::Result<Option<String>> {
        Ok(sqlx::query("select hash from audit_events where seq = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("hash"))
            .transpose()?
            .flatten())
    }

    /// Gives the entries written before migration 0009 their places in the chain, once (the head
    /// row's `legacy_pending` flag): a row slipped in by hand later is never chained, and so is
    /// reported by [`Store::verify_audit_chain`]. Returns how many entries it chained.
    pub async fn chain_legacy_audit(&self) -> sqlx::Result<u64> {
        let mut tx = self.begin_write().await?;
        let Some(head) = sqlx::query(
            "update audit_chain set legacy_pending = 0 where id = 1 and legacy_pending = 1 returning last_seq, last_hash",
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(0);
        };
        let mut seq: i64 = head.try_get("last_seq")?;
        let mut prev: String = head.try_get("last_hash")?;
        // In pages, so a long log is never in memory at once: each page, once chained, no
        // longer matches `hash is null`.
        let mut chained = 0u64;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "select {LINK_COLUMNS} from audit_events where hash is null order by at, id limit 5000"
            )))
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let link = StoredLink::from_row(r)?;
                seq += 1;
                let hash = link.hash_at(seq, &prev);
                sqlx::query(
                    "update audit_events set seq = $1, prev_hash = $2, hash = $3 where id = $4",
                )
                .bind(seq)
                .bind(&prev)
                .bind(&hash)
                .bind(&link.id)
                .execute(&mut *tx)
                .await?;
                prev = hash;
            }
            chained += rows.len() as u64;
        }
        sqlx::query("update audit_chain set last_seq = $1, last_hash = $2 where id = 1")
            .bind(seq)
            .bind(&prev)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(chained)
    }

    /// Walks the chain from its first entry and names the first fault: an entry missing (deleted),
    /// altered, not pointing back to the one before it, not in the chain at all (inserted by
    /// hand), or a head that does not match the last entry (entries cut off the end). Reads in
    /// pages of a few thousand entries, so the whole log is never in memory at once.
    ///
    /// The server may append while this runs: the walk stops at the head read at the start (an
    /// append commits its entry with the head, so every entry up to that head is there to read),
    /// and entries appended since are left for the next check. Only an entry past the head as it
    /// stands *after* the walk is one the application did not write.
    pub async fn verify_audit_chain(&self) -> sqlx::Result<ChainReport> {
        const PAGE: i64 = 5000;
        let head = sqlx::query("select last_seq, last_hash from audit_chain where id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let (head_seq, head_hash) = match &head {
            Some(h) => (h.try_get("last_seq")?, h.try_get("last_hash")?),
            None => (-1, String::new()),
        };
        let mut report = ChainReport {
            entries: 0,
            head_seq,
            head_hash,
            fault: None,
        };
        let (mut expected, mut prev) = (1i64, GENESIS_HASH.to_string());
        'walk: loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "select {LINK_COLUMNS} from audit_events where seq >= $1 and seq <= $2 order by seq limit $3"
            )))
            .bind(expected)
            .bind(head_seq)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                let link = StoredLink::from_row(r)?;
                let seq = link.seq.unwrap_or_default();
                let fault = if seq != expected {
                    Some(ChainFault::Missing { seq: expected })
                } else if link.prev_hash.as_deref() != Some(prev.as_str()) {
                    Some(ChainFault::BrokenLink {
                        seq,
                        id: link.id.clone(),
                    })
                } else if link.hash.as_deref() != Some(link.hash_at(seq, &prev).as_str()) {
                    Some(ChainFault::Altered {
                        seq,
                        id: link.id.clone(),
                    })
                } else {
                    None
                };
                if fault.is_some() {
                    report.fault = fault;
                    break 'walk;
                }
                report.entries += 1;
                expected += 1;
                prev = link.hash.unwrap_or_default();
            }
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
        if report.fault.is_none() {
            // Seq 0 or below never comes from `append`: such rows are found here as unchained.
            let stray = sqlx::query(
                "select id from audit_events where seq is null or seq < 1 or hash is null order by at, id limit 1",
            )
            .fetch_optional(&self.pool)
            .await?;
            if let Some(r) = stray {
                report.fault = Some(ChainFault::Unchained {
                    id: r.try_get("id")?,
                });
            }
        }
        let last_seq = expected - 1;
        if report.fault.is_none() && (head_seq != last_seq || report.head_hash != prev) {
            report.fault = Some(ChainFault::Head { head_seq, last_seq });
        }
        if report.fault.is_none() {
            // The last entry is read before the head: an append commits its entry and the head
            // together, so an entry the application wrote is never past a head read after it.
            let last: Option<i64> = sqlx::query("select max(seq) as m from audit_events")
                .fetch_one(&self.pool)
                .await?
                .try_get("m")?;
            let (now_seq, _) = self.audit_head().await?;
            if let Some(last) = last.filter(|m| *m > now_seq) {
                report.fault = Some(ChainFault::Head {
                    head_seq: now_seq,
                    last_seq: last,
                });
            }
        }
        Ok(report)
    }

    pub async fn list_audit(&self, f: &AuditFilter) -> sqlx::Result<(Vec<AuditRecord>, i64)> {
        // Filters are optional: `$n is null or …` keeps one static statement for every combination.
        const WHERE: &str = " where ($1 is null or actor_name = $1) and ($2 is null or action = $2)
              and ($3 is null or at >= $3) and ($4 is null or at < $4)
              and ($5 is null or actor_user_id in
                   (select u.id from users u join organisations o on o.id = u.org_id where o.name = $5))";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from audit_events{WHERE}"
        )))
        .bind(f.actor.as_deref())
        .bind(f.action.as_deref())
        .bind(f.from_ms)
        .bind(f.to_ms)
        .bind(f.organisation.as_deref())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select at, actor_name, action, entity, entity_id, before_json, after_json, ip from audit_events{WHERE}
             order by at desc, seq desc, id limit $6 offset $7"
        )))
        .bind(f.actor.as_deref())
        .bind(f.action.as_deref())
        .bind(f.from_ms)
        .bind(f.to_ms)
        .bind(f.organisation.as_deref())
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&self.pool)
        .await?;
        let records = rows
            .iter()
            .map(audit_record)
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok((records, total))
    }

    /// Every entry about one record (its creation, each correction, confirmations), oldest first:
    /// the record's 修改记录. Reads are not changes, so `view`/`export`/`download` are left out.
    pub async fn record_history(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> sqlx::Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "select at, actor_name, action, entity, entity_id, before_json, after_json, ip
             from audit_events where entity = $1 and entity_id = $2
               and action not in ('view', 'export', 'download')
             order by seq, at limit 500",
        )
        .bind(entity)
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_record).collect()
    }

    /// Whether `table` (one of the workspace's record tables, named by the caller, never by
    /// input) holds record `id` of `group`.
    pub async fn group_record_exists(
        &self,
        table: &'static str,
        id: &str,
        group: &crate::domain::ids::GroupId,
    ) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from {table} where id = $1 and group_id = $2"
        )))
        .bind(id)
        .bind(group.as_str())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n > 0)
    }

    /// Names for the records a page of the log refers to: accounts, groups and organisations, in
    /// one query for the whole page. Keys are `(kind, id)`; ids that name nothing are left out.
    pub async fn audit_record_names(
        &self,
        records: &[(String, String)],
    ) -> sqlx::Result<HashMap<(String, String), String>> {
        let ids = |kind: &str| -> Vec<&str> {
            let mut v: Vec<&str> = records
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, id)| id.as_str())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (users, groups, orgs) = (ids("user"), ids("group"), ids("organisation"));
        let mut parts = Vec::new();
        let mut binds: Vec<&str> = Vec::new();
        fn list<'a>(ids: &[&'a str], binds: &mut Vec<&'a str>) -> String {
            let ph: Vec<String> = ids
                .iter()
                .map(|id| {
                    binds.push(id);
                    format!("${}", binds.len())
                })
                .collect();
            ph.join(", ")
        }
        if !users.is_empty() {
            let ph = list(&users, &mut binds);
            parts.push(format!(
                "select 'user' as kind, id, display_name || '（' || username || '）' as name from users where id in ({ph})"
            ));
        }
        if !groups.is_empty() {
            let ph = list(&groups, &mut binds);
            parts.push(format!(
                "select 'group' as kind, id, '第 ' || cast(number as text) || ' 组' as name from pairing_groups where id in ({ph})"
            ));
        }
        if !orgs.is_empty() {
            let ph = list(&orgs, &mut binds);
            parts.push(format!(
                "select 'organisation' as kind, id, name from organisations where id in ({ph})"
            ));
        }
        let mut names = HashMap::new();
        if parts.is_empty() {
            return Ok(names);
        }
        let sql = parts.join(" union all ");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        for r in q.fetch_all(&self.pool).await? {
            names.insert((r.try_get("kind")?, r.try_get("id")?), r.try_get("name")?);
        }
        Ok(names)
    }
}

fn audit_record(r: &sqlx::any::AnyRow) -> sqlx::Result<AuditRecord> {
    Ok(AuditRecord {
        at: r.try_get("at")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        before_json: r.try_get("before_json")?,
        after_json: r.try_get("after_json")?,
        ip: r.try_get("ip")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_correction_keeps_only_the_fields_that_changed() {
        let old = serde_json::json!({"name": "甲", "place": "p1", "notes": ""});
        let new = serde_json::json!({"name": "乙", "place": "p1", "notes": "新"});
        let (was, now) = super::changed_fields(&old, &new);
        assert_eq!(
            serde_json::Value::Object(was),
            serde_json::json!({"name": "甲", "notes": ""})
        );
        assert_eq!(
            serde_json::Value::Object(now),
            serde_json::json!({"name": "乙", "notes": "新"})
        );
        let (was, now) = super::changed_fields(&old, &old);
        assert!(was.is_empty() && now.is_empty());
    }

    use super::*;

    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(
            escape_controls("admin\n2026 login ok"),
            "admin\\u{a}2026 login ok"
        );
        assert_eq!(escape_controls("\u{1b}[31m张三"), "\\u{1b}[31m张三");
        assert_eq!(escape_controls("张三"), "张三");
    }
}
