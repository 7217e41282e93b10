//! The audit log: who did what to which record, before/after, when and from where.
//! The application only ever appends; the database refuses updates and deletes (triggers).

use super::Store;
use crate::domain::ids::{AuditId, UserId};
use sqlx::{AnyConnection, Row};

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

pub async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    at_ms: i64,
    e: AuditEntry<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into audit_events (id, at, actor_user_id, actor_name, action, entity, entity_id, before_json, after_json, ip)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(AuditId::new().to_string())
    .bind(at_ms)
    .bind(actor.user_id.as_ref().map(|u| u.to_string()))
    .bind(escape_controls(&actor.name))
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(&actor.ip)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// An event with no other write beside it (a sign-in, a failed sign-in).
    pub async fn audit(&self, actor: &Actor, at_ms: i64, e: AuditEntry<'_>) -> sqlx::Result<()> {
        let mut conn = self.pool.acquire().await?;
        append(&mut conn, actor, at_ms, e).await
    }

    pub async fn list_audit(&self, f: &AuditFilter) -> sqlx::Result<(Vec<AuditRecord>, i64)> {
        // Filters are optional: `$n is null or …` keeps one static statement for every combination.
        const WHERE: &str = " where ($1 is null or actor_name = $1) and ($2 is null or action = $2)
              and ($3 is null or at >= $3) and ($4 is null or at < $4)";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from audit_events{WHERE}"
        )))
        .bind(f.actor.as_deref())
        .bind(f.action.as_deref())
        .bind(f.from_ms)
        .bind(f.to_ms)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select at, actor_name, action, entity, entity_id, before_json, after_json, ip from audit_events{WHERE}
             order by at desc, id limit $5 offset $6"
        )))
        .bind(f.actor.as_deref())
        .bind(f.action.as_deref())
        .bind(f.from_ms)
        .bind(f.to_ms)
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&self.pool)
        .await?;
        let records = rows
            .iter()
            .map(|r| {
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
            })
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok((records, total))
    }
}

#[cfg(test)]
mod tests {
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
