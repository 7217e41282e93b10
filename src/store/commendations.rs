//! 表彰 (五(三)) in storage: HQ's nominations of 优秀集体 and 先进个人, their approval and
//! withdrawal. Nothing is deleted; every write is audited in its transaction.

use super::audit::{self, Actor, AuditEntry};
use super::{Store, StoreError};
use crate::domain::ids::{CommendationId, GroupId, OrgId, PlanId, TeamMemberId};
use serde_json::json;
use sqlx::Row;

/// 优秀集体 (a group and its team) or 先进个人 (a team member).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommendationKind {
    Collective,
    Individual,
}

impl CommendationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collective => "collective",
            Self::Individual => "individual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Collective => "优秀集体",
            Self::Individual => "先进个人",
        }
    }

    /// The code or the label.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "collective" | "优秀集体" => Some(Self::Collective),
            "individual" | "先进个人" => Some(Self::Individual),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommendationState {
    Nominated,
    Approved,
    Withdrawn,
}

impl CommendationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nominated => "nominated",
            Self::Approved => "approved",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Nominated => "已提名",
            Self::Approved => "已批准",
            Self::Withdrawn => "已撤销提名",
        }
    }

    /// The code (`approved`) or the label (`已批准`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "nominated" | "已提名" => Some(Self::Nominated),
            "approved" | "已批准" => Some(Self::Approved),
            "withdrawn" | "已撤销提名" => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommendationRow {
    pub id: CommendationId,
    pub year: i16,
    pub kind: CommendationKind,
    pub group_id: GroupId,
    pub group_number: i64,
    pub lead_town: String,
    pub team_member_id: Option<TeamMemberId>,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub person_name: Option<String>,
    pub citation: String,
    pub state: CommendationState,
    pub nominated_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    /// Brought in by a history import (历史补录).
    pub backfilled: bool,
}

/// A nomination as HQ enters it (checked by the service).
pub struct NewCommendation {
    pub plan_id: PlanId,
    pub year: i16,
    pub kind: CommendationKind,
    pub group_id: GroupId,
    /// For 先进个人: the member, their school and name.
    pub person: Option<(TeamMemberId, OrgId, String)>,
    pub citation: String,
}

const SELECT: &str =
    "select c.id, c.year, c.kind, c.group_id, g.number as group_number, t.name as lead_town,
        c.team_member_id, c.org_id, o.name as org_name, c.person_name, c.citation, c.state,
        c.nominated_at, c.decided_at, coalesce(d.display_name, c.decided_by_text) as decided_by,
        c.history_import_id
    from commendations c
    join pairing_groups g on g.id = c.group_id
    join organisations t on t.id = g.lead_town_id
    left join organisations o on o.id = c.org_id
    left join users d on d.id = c.decided_by";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<CommendationRow> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let year: i64 = r.try_get("year")?;
    Ok(CommendationRow {
        id: CommendationId::from_db(r.try_get("id")?),
        year: year as i16,
        kind: CommendationKind::parse(&kind)
            .ok_or_else(|| super::rows::decode_err("kind", &kind))?,
        group_id: GroupId::from_db(r.try_get("group_id")?),
        group_number: r.try_get("group_number")?,
        lead_town: r.try_get("lead_town")?,
        team_member_id: r
            .try_get::<Option<String>, _>("team_member_id")?
            .map(TeamMemberId::from_db),
        org_id: r
            .try_get::<Option<String>, _>("org_id")?
            .map(OrgId::from_db),
        org_name: r.try_get("org_name")?,
        person_name: r.try_get("person_name")?,
        citation: r.try_get("citation")?,
        state: CommendationState::parse(&state)
            .ok_or_else(|| super::rows::decode_err("state", &state))?,
        nominated_at: r.try_get("nominated_at")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

/// How a commendation is written: nominated on the platform by a user, or brought in by a
/// history import in the state, and with the decision (when, by whom), the workbook gives.
pub(super) struct Written<'a> {
    pub state: CommendationState,
    pub nominated_by: Option<&'a str>,
    pub nominated_at: i64,
    pub decided: Option<(i64, Option<&'a str>)>,
    pub import: Option<&'a crate::domain::ids::HistoryImportId>,
}

/// Inserts a commendation's row inside the caller's write (its audit entry is the caller's).
pub(super) async fn insert_commendation(
    conn: &mut sqlx::AnyConnection,
    id: &CommendationId,
    c: &NewCommendation,
    w: &Written<'_>,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into commendations (id, plan_id, year, kind, group_id, team_member_id, org_id, person_name,
             citation, state, nominated_by, nominated_at, decided_at, decided_by_text, updated_at,
             history_import_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(id.as_str())
    .bind(c.plan_id.as_str())
    .bind(i64::from(c.year))
    .bind(c.kind.as_str())
    .bind(c.group_id.as_str())
    .bind(c.person.as_ref().map(|p| p.0.to_string()))
    .bind(c.person.as_ref().map(|p| p.1.to_string()))
    .bind(c.person.as_ref().map(|p| p.2.clone()))
    .bind(&c.citation)
    .bind(w.state.as_str())
    .bind(w.nominated_by)
    .bind(w.nominated_at)
    .bind(w.decided.map(|d| d.0))
    .bind(w.decided.and_then(|d| d.1))
    .bind(now_ms)
    .bind(w.import.map(|i| i.as_str()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn duplicate(e: sqlx::Error) -> StoreError {
    match super::unique_violation(&e) {
        Some(_) => StoreError::Conflict("该年度已有同一结对组（或同一人）的表彰提名".into()),
        None => e.into(),
    }
}

impl Store {
    /// Every commendation of `year` (or of every year), by year, kind, group and name.
    pub async fn list_commendations(
        &self,
        year: Option<i16>,
    ) -> sqlx::Result<Vec<CommendationRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where ($1 = 0 or c.year = $1)
             order by c.year desc, c.kind, g.number, c.person_name, c.nominated_at, c.id"
        )))
        .bind(i64::from(year.unwrap_or(0)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get_commendation(
        &self,
        id: &CommendationId,
    ) -> sqlx::Result<Option<CommendationRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where c.id = $1")))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn add_commendation(
        &self,
        actor: &Actor,
        now_ms: i64,
        c: &NewCommendation,
    ) -> Result<CommendationId, StoreError> {
        let id = CommendationId::new();
        let mut tx = self.begin_write().await?;
        let by = actor.user_id.as_ref().map(|u| u.to_string());
        insert_commendation(
            &mut tx,
            &id,
            c,
            &Written {
                state: CommendationState::Nominated,
                nominated_by: by.as_deref(),
                nominated_at: now_ms,
                decided: None,
                import: None,
            },
            now_ms,
        )
        .await
        .map_err(duplicate)?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "commendation.nominate",
                entity: "commendation",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "year": c.year, "kind": c.kind.as_str(), "group_id": c.group_id.as_str(),
                    "person_name": c.person.as_ref().map(|p| p.2.clone()), "citation": c.citation,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Corrects a nomination's citation (only while nominated). Returns whether it changed.
    pub async fn update_citation(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &CommendationId,
        citation: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before: Option<(String, String)> =
            sqlx::query("select citation, state from commendations where id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| -> sqlx::Result<_> { Ok((r.try_get("citation")?, r.try_get("state")?)) })
                .transpose()?;
        let Some((old, state)) = before else {
            return Err(StoreError::NotFound);
        };
        if state != "nominated" {
            return Err(StoreError::Conflict(
                "只有待批准的提名可以修改事迹；已批准或已撤销的不能修改".into(),
            ));
        }
        if old == citation {
            return Ok(false);
        }
        // Only while still nominated: an approval committed meanwhile (PostgreSQL reads committed
        // rows) leaves the approved citation as it was.
        let done = sqlx::query(
            "update commendations set citation = $1, updated_at = $2 where id = $3 and state = 'nominated'",
        )
        .bind(citation)
        .bind(now_ms)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict(
                "只有待批准的提名可以修改事迹；已批准或已撤销的不能修改".into(),
            ));
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "commendation.update",
                entity: "commendation",
                entity_id: Some(id.as_str()),
                before: Some(json!({"citation": old})),
                after: Some(json!({"citation": citation})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Approves or withdraws a nomination (only while nominated).
    pub async fn decide_commendation(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &CommendationId,
        to: CommendationState,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "update commendations set state = $1, decided_by = $2, decided_at = $3, updated_at = $3
             where id = $4 and state = 'nominated'",
        )
        .bind(to.as_str())
        .bind(actor.user_id.as_ref().map(|u| u.to_string()))
        .bind(now_ms)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            let exists = sqlx::query("select 1 as one from commendations where id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            return Err(if exists {
                StoreError::Conflict("该提名已批准或已撤销，不能再办理".into())
            } else {
                StoreError::NotFound
            });
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: match to {
                    CommendationState::Approved => "commendation.approve",
                    _ => "commendation.withdraw",
                },
                entity: "commendation",
                entity_id: Some(id.as_str()),
                before: Some(json!({"state": "nominated"})),
                after: Some(json!({"state": to.as_str()})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A team member of some group in a year, for HQ's nomination form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearMember {
    pub id: TeamMemberId,
    pub group_id: GroupId,
    pub group_number: i64,
    pub person_name: String,
    pub school: String,
}

impl Store {
    /// Every team member on some group's team during `year`, by group and name.
    pub async fn team_members_of_year(&self, year: i16) -> sqlx::Result<Vec<YearMember>> {
        let (first, last) = crate::domain::rules::year_bounds(year);
        let rows = sqlx::query(
            "select t.id, t.group_id, g.number, t.person_name, o.name as school
             from team_members t join pairing_groups g on g.id = t.group_id
             join organisations o on o.id = t.org_id
             where t.joined_on <= $1 and (t.left_on is null or t.left_on > $2)
             order by g.number, t.person_name, t.id",
        )
        .bind(last.to_string())
        .bind(first.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(YearMember {
                    id: TeamMemberId::from_db(r.try_get("id")?),
                    group_id: GroupId::from_db(r.try_get("group_id")?),
                    group_number: r.try_get("number")?,
                    person_name: r.try_get("person_name")?,
                    school: r.try_get("school")?,
                })
            })
            .collect()
    }
}
