//! 月度汇总 (五(三)): the bureau's monthly summaries for HQ, and what they are built from (the
//! month's groups and the text of the month's submitted reports). Every write keeps its before
//! and after in the audit log under the summary's id, so the text's history is the audit trail.

use super::audit::{self, Actor, AuditEntry};
use super::{Store, StoreError};
use crate::clock::format_ms;
use crate::domain::ids::{GroupId, PlanId, UserId};
use crate::domain::plan::Month;
use crate::domain::summary::{SENT, Snapshot, SummaryState, SummaryText};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A stored summary.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub id: String,
    pub plan_id: PlanId,
    pub month: Month,
    pub state: SummaryState,
    pub text: SummaryText,
    pub snapshot: Snapshot,
    pub generated_at: i64,
    pub generated_by: String,
    pub updated_at: i64,
    pub updated_by: String,
    pub sent_at: Option<i64>,
    pub sent_by: Option<String>,
}

const SELECT: &str = "select s.id, s.plan_id, s.month, s.state, s.title, s.intro, s.highlights,
        s.problems, s.next_steps, s.snapshot, s.generated_at, g.display_name as generated_by,
        s.updated_at, u.display_name as updated_by, s.sent_at, x.display_name as sent_by
     from monthly_summaries s
     join users g on g.id = s.generated_by
     join users u on u.id = s.updated_by
     left join users x on x.id = s.sent_by";

/// A group of the plan active in some part of the month, with its schools then.
#[derive(Debug, Clone)]
pub struct GroupInMonth {
    pub id: GroupId,
    pub number: i64,
    pub lead_town: String,
    pub schools: Vec<String>,
}

/// A submitted (or accepted) report's text.
#[derive(Debug, Clone)]
pub struct SubmittedText {
    pub school: String,
    pub narrative: String,
    pub problems: String,
}

impl Store {
    /// The plan's summaries, newest month first.
    pub async fn list_summaries(&self, plan: &PlanId) -> sqlx::Result<Vec<SummaryRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where s.plan_id = $1 order by s.month desc"
        )))
        .bind(plan.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    pub async fn get_summary(
        &self,
        plan: &PlanId,
        month: Month,
    ) -> sqlx::Result<Option<SummaryRow>> {
        let mut conn = self.pool.acquire().await?;
        summary_in(&mut conn, plan, month).await
    }

    /// Generates month `month`'s summary: a new draft with `text` and `snapshot`, or, when one
    /// exists and is still a draft, its snapshot refreshed and its text kept. A conflict once sent.
    /// Returns whether it was new.
    #[allow(clippy::too_many_arguments)]
    pub async fn generate_summary(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        month: Month,
        by: &UserId,
        text: &SummaryText,
        snapshot: &Snapshot,
    ) -> Result<bool, StoreError> {
        let snap = serde_json::to_string(snapshot).map_err(|e| StoreError::Internal(e.into()))?;
        let mut tx = self.begin_write().await?;
        // Held until commit (a no-op update locks the row on PostgreSQL).
        let n = sqlx::query(
            "update monthly_summaries set state = state where plan_id = $1 and month = $2",
        )
        .bind(plan.as_str())
        .bind(month.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let existing = if n > 0 {
            summary_in(&mut tx, plan, month).await?
        } else {
            None
        };
        let new = match existing {
            Some(s) if s.state == SummaryState::Sent => {
                return Err(StoreError::Conflict(SENT.into()));
            }
            Some(s) => {
                sqlx::query(
                    "update monthly_summaries set snapshot = $1, generated_at = $2, generated_by = $3
                     where id = $4 and state = 'draft'",
                )
                .bind(&snap)
                .bind(now_ms)
                .bind(by.as_str())
                .bind(&s.id)
                .execute(&mut *tx)
                .await?;
                audit::append(
                    &mut tx,
                    actor,
                    now_ms,
                    AuditEntry {
                        action: "monthly_summary.regenerate",
                        entity: "monthly_summary",
                        entity_id: Some(&s.id),
                        before: Some(json!({ "generated_at": format_ms(s.generated_at) })),
                        after: Some(json!({ "month": month.to_string(), "generated_at": format_ms(now_ms) })),
                    },
                )
                .await?;
                false
            }
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                sqlx::query(
                    "insert into monthly_summaries (id, plan_id, month, state, title, intro, highlights,
                        problems, next_steps, snapshot, generated_at, generated_by, updated_at, updated_by)
                     values ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)",
                )
                .bind(&id)
                .bind(plan.as_str())
                .bind(month.to_string())
                .bind(&text.title)
                .bind(&text.intro)
                .bind(&text.highlights)
                .bind(&text.problems)
                .bind(&text.next_steps)
                .bind(&snap)
                .bind(now_ms)
                .bind(by.as_str())
                .execute(&mut *tx)
                .await?;
                let mut after = text.audit_json();
                after["month"] = json!(month.to_string());
                audit::append(
                    &mut tx,
                    actor,
                    now_ms,
                    AuditEntry {
                        action: "monthly_summary.generate",
                        entity: "monthly_summary",
                        entity_id: Some(&id),
                        before: None,
                        after: Some(after),
                    },
                )
                .await?;
                true
            }
        };
        tx.commit().await?;
        Ok(new)
    }

    /// Saves the bureau's edit of a draft's text (a conflict once sent). Returns whether
    /// anything changed; the audit entry keeps each changed field's before and after.
    pub async fn update_summary_text(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        month: Month,
        by: &UserId,
        text: &SummaryText,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, plan, month).await?;
        if before.state == SummaryState::Sent {
            return Err(StoreError::Conflict(SENT.into()));
        }
        let (was, now) = audit::changed_fields(&before.text.audit_json(), &text.audit_json());
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update monthly_summaries set title = $1, intro = $2, highlights = $3, problems = $4,
                next_steps = $5, updated_at = $6, updated_by = $7
             where id = $8 and state = 'draft'",
        )
        .bind(&text.title)
        .bind(&text.intro)
        .bind(&text.highlights)
        .bind(&text.problems)
        .bind(&text.next_steps)
        .bind(now_ms)
        .bind(by.as_str())
        .bind(&before.id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_summary.update",
                entity: "monthly_summary",
                entity_id: Some(&before.id),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a draft sent to HQ (a conflict when it was sent already).
    pub async fn send_summary(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        month: Month,
        by: &UserId,
    ) -> Result<(), StoreError> {
        self.set_sent(actor, now_ms, plan, month, by, true).await
    }

    /// Recalls a sent summary to draft for a correction (a conflict when it is a draft).
    pub async fn recall_summary(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        month: Month,
        by: &UserId,
    ) -> Result<(), StoreError> {
        self.set_sent(actor, now_ms, plan, month, by, false).await
    }

    async fn set_sent(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        month: Month,
        by: &UserId,
        send: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, plan, month).await?;
        match (send, before.state) {
            (true, SummaryState::Sent) => {
                return Err(StoreError::Conflict("该月度汇总已报送市指挥部".into()));
            }
            (false, SummaryState::Draft) => {
                return Err(StoreError::Conflict("该月度汇总尚未报送，无需撤回".into()));
            }
            _ => {}
        }
        if send {
            sqlx::query(
                "update monthly_summaries set state = 'sent', sent_at = $1, sent_by = $2 where id = $3",
            )
            .bind(now_ms)
            .bind(by.as_str())
            .bind(&before.id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "update monthly_summaries set state = 'draft', sent_at = null, sent_by = null,
                    updated_at = $1, updated_by = $2
                 where id = $3",
            )
            .bind(now_ms)
            .bind(by.as_str())
            .bind(&before.id)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if send {
                    "monthly_summary.send"
                } else {
                    "monthly_summary.recall"
                },
                entity: "monthly_summary",
                entity_id: Some(&before.id),
                before: Some(json!({
                    "state": before.state.as_str(),
                    "sent_at": before.sent_at.map(format_ms),
                })),
                after: Some(json!({
                    "state": if send { "sent" } else { "draft" },
                    "sent_at": send.then(|| format_ms(now_ms)),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The plan's groups active on some day of the month, by number, with their schools
    /// (universities, then vocational schools) that were members on some day of it.
    pub async fn groups_in_month(
        &self,
        plan: &PlanId,
        month: Month,
    ) -> sqlx::Result<Vec<GroupInMonth>> {
        let (first, last) = (month.first_day().to_string(), month.last_day().to_string());
        let mut out: Vec<GroupInMonth> = Vec::new();
        for r in sqlx::query(
            "select g.id, g.number, t.name as lead_town, o.name as school
             from pairing_groups g
             join organisations t on t.id = g.lead_town_id
             left join group_memberships m on m.group_id = g.id
                 and m.role in ('university', 'vocational_school')
                 and m.effective_from <= $3 and (m.effective_to is null or m.effective_to > $2)
             left join organisations o on o.id = m.org_id
             where g.plan_id = $1 and g.started_on <= $3 and (g.ended_on is null or g.ended_on > $2)
             order by g.number, m.role desc, m.position, o.name",
        )
        .bind(plan.as_str())
        .bind(first)
        .bind(last)
        .fetch_all(&self.pool)
        .await?
        {
            let id = GroupId::from_db(r.try_get::<String, _>("id")?);
            let school: Option<String> = r.try_get("school")?;
            if out.last().is_none_or(|g| g.id != id) {
                out.push(GroupInMonth {
                    id,
                    number: r.try_get("number")?,
                    lead_town: r.try_get("lead_town")?,
                    schools: Vec::new(),
                });
            }
            if let (Some(g), Some(s)) = (out.last_mut(), school)
                && !g.schools.contains(&s)
            {
                g.schools.push(s);
            }
        }
        Ok(out)
    }

    /// The text of the month's reports that were submitted (submitted or accepted), by school name.
    pub async fn submitted_texts(
        &self,
        plan: &PlanId,
        month: Month,
    ) -> sqlx::Result<Vec<SubmittedText>> {
        sqlx::query(
            "select o.name, r.narrative, r.problems
             from monthly_reports r join organisations o on o.id = r.school_id
             where r.plan_id = $1 and r.month = $2 and r.state in ('submitted', 'accepted')
             order by o.name",
        )
        .bind(plan.as_str())
        .bind(month.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SubmittedText {
                school: r.try_get("name")?,
                narrative: r.try_get("narrative")?,
                problems: r.try_get("problems")?,
            })
        })
        .collect()
    }
}

/// Takes the month's summary for a write (locked until commit on PostgreSQL; SQLite's
/// `begin_write` holds the lock already); not found when there is none.
async fn claim(
    conn: &mut AnyConnection,
    plan: &PlanId,
    month: Month,
) -> Result<SummaryRow, StoreError> {
    let n =
        sqlx::query("update monthly_summaries set state = state where plan_id = $1 and month = $2")
            .bind(plan.as_str())
            .bind(month.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    summary_in(conn, plan, month)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn summary_in(
    conn: &mut AnyConnection,
    plan: &PlanId,
    month: Month,
) -> sqlx::Result<Option<SummaryRow>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} where s.plan_id = $1 and s.month = $2"
    )))
    .bind(plan.as_str())
    .bind(month.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(summary_from_row)
    .transpose()
}

fn summary_from_row(r: &AnyRow) -> sqlx::Result<SummaryRow> {
    let decode = |what: &str, v: &str| sqlx::Error::Decode(format!("unknown {what} “{v}”").into());
    let state: String = r.try_get("state")?;
    let month: String = r.try_get("month")?;
    let snapshot: String = r.try_get("snapshot")?;
    Ok(SummaryRow {
        id: r.try_get("id")?,
        plan_id: PlanId::from_db(r.try_get::<String, _>("plan_id")?),
        month: Month::parse(&month).ok_or_else(|| decode("month", &month))?,
        state: SummaryState::parse(&state).ok_or_else(|| decode("summary state", &state))?,
        text: SummaryText {
            title: r.try_get("title")?,
            intro: r.try_get("intro")?,
            highlights: r.try_get("highlights")?,
            problems: r.try_get("problems")?,
            next_steps: r.try_get("next_steps")?,
        },
        snapshot: serde_json::from_str(&snapshot)
            .map_err(|e| sqlx::Error::Decode(format!("summary snapshot: {e}").into()))?,
        generated_at: r.try_get("generated_at")?,
        generated_by: r.try_get("generated_by")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
        sent_at: r.try_get("sent_at")?,
        sent_by: r.try_get("sent_by")?,
    })
}
