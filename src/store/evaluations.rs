//! 年度评价 (五(三)) in storage: HQ's reviewers of a plan's year, their scores, and each group's
//! result frozen when HQ finalises the year. Every write is audited in its transaction.

use super::audit::{self, Actor, AuditEntry};
use super::{Store, StoreError};
use crate::domain::evaluation::Tenths;
use crate::domain::ids::{GroupId, PlanId, UserId};
use jiff::civil::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// A reviewer of a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewerRow {
    pub user_id: UserId,
    pub display_name: String,
    pub username: String,
}

/// One reviewer's score of one criterion for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRow {
    pub group_id: GroupId,
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub criterion: String,
    pub points: Tenths,
    pub comment: String,
    pub updated_at: i64,
}

/// A group's result as finalised: the working is the result as computed then (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenRow {
    pub group_id: GroupId,
    pub total: Tenths,
    pub grade: Option<String>,
    pub working: String,
    /// The plan's evaluation scheme (JSON) as it was finalised under.
    pub scheme: String,
    pub finalised_on: Date,
    pub finalised_at: i64,
    pub finalised_by: String,
}

/// What a finalisation writes for one group.
pub struct Finalised {
    pub group_id: GroupId,
    pub total: Tenths,
    pub grade: Option<String>,
    pub working: String,
}

fn tenths(r: &sqlx::any::AnyRow, col: &str) -> sqlx::Result<Tenths> {
    let v: i64 = r.try_get(col)?;
    Tenths::try_from(v).map_err(|_| super::rows::decode_err(col, &v.to_string()))
}

fn reviewer_from(r: &sqlx::any::AnyRow) -> sqlx::Result<ReviewerRow> {
    Ok(ReviewerRow {
        user_id: UserId::from_db(r.try_get("id")?),
        display_name: r.try_get("display_name")?,
        username: r.try_get("username")?,
    })
}

impl Store {
    /// What a year's results are about to be computed from (read before the records).
    pub async fn evaluation_inputs(&self, plan: &PlanId, year: i16) -> sqlx::Result<InputsSeen> {
        let version = self.data_version().await?;
        let mut conn = self.pool.acquire().await?;
        Ok(InputsSeen {
            version,
            scores: scores_seen(&mut conn, plan, year).await?,
        })
    }

    /// The year's reviewers, by name.
    pub async fn evaluation_reviewers(
        &self,
        plan: &PlanId,
        year: i16,
    ) -> sqlx::Result<Vec<ReviewerRow>> {
        let rows = sqlx::query(
            "select u.id, u.display_name, u.username from evaluation_reviewers r
             join users u on u.id = r.user_id
             where r.plan_id = $1 and r.year = $2 order by u.display_name, u.username",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(reviewer_from).collect()
    }

    /// Active HQ accounts, who may be made reviewers.
    pub async fn hq_accounts(&self) -> sqlx::Result<Vec<ReviewerRow>> {
        let rows = sqlx::query(
            "select id, display_name, username from users
             where role = 'hq' and disabled = 0 and approval = 'approved'
             order by display_name, username",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(reviewer_from).collect()
    }

    /// Makes `user` a reviewer of the year (a no-op when they are one). Refused once finalised.
    pub async fn add_reviewer(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        year: i16,
        user: &UserId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_open_year(&mut tx, self.backend, plan, year).await?;
        let done = sqlx::query(
            "insert into evaluation_reviewers (plan_id, year, user_id, assigned_by, assigned_at)
             values ($1, $2, $3, $4, $5) on conflict do nothing",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .bind(user.as_str())
        .bind(actor.user_id.as_ref().map(|u| u.to_string()))
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done > 0 {
            audit::append(
                &mut tx,
                actor,
                now_ms,
                AuditEntry {
                    action: "evaluation.reviewer_add",
                    entity: "evaluation",
                    entity_id: Some(&year.to_string()),
                    before: None,
                    after: Some(json!({"year": year, "reviewer": user.as_str()})),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Ends `user`'s part in the year: they are no longer a reviewer and their scores of it go
    /// (the audit log keeps them). Refused once finalised.
    pub async fn remove_reviewer(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        year: i16,
        user: &UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_open_year(&mut tx, self.backend, plan, year).await?;
        let gone = sqlx::query(
            "delete from evaluation_reviewers where plan_id = $1 and year = $2 and user_id = $3",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        let scores = sqlx::query(
            "delete from evaluation_scores where plan_id = $1 and year = $2 and reviewer_id = $3",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "evaluation.reviewer_remove",
                entity: "evaluation",
                entity_id: Some(&year.to_string()),
                before: Some(json!({"year": year, "reviewer": user.as_str(), "scores": scores})),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every score of the year.
    pub async fn evaluation_scores(&self, plan: &PlanId, year: i16) -> sqlx::Result<Vec<ScoreRow>> {
        let rows = sqlx::query(
            "select s.group_id, s.reviewer_id, u.display_name, s.criterion, s.points, s.comment, s.updated_at
             from evaluation_scores s join users u on u.id = s.reviewer_id
             where s.plan_id = $1 and s.year = $2
             order by s.group_id, s.criterion, u.display_name, s.reviewer_id",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ScoreRow {
                    group_id: GroupId::from_db(r.try_get("group_id")?),
                    reviewer_id: UserId::from_db(r.try_get("reviewer_id")?),
                    reviewer_name: r.try_get("display_name")?,
                    criterion: r.try_get("criterion")?,
                    points: tenths(r, "points")?,
                    comment: r.try_get("comment")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// Writes (or corrects) a reviewer's score of a criterion for a group; the audit entry holds
    /// the score before and after. Refused when the year is final or `reviewer` is no reviewer.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_score(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        year: i16,
        group: &GroupId,
        reviewer: &UserId,
        criterion: &str,
        points: Tenths,
        comment: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_open_year(&mut tx, self.backend, plan, year).await?;
        let is_reviewer = sqlx::query(
            "select 1 as one from evaluation_reviewers where plan_id = $1 and year = $2 and user_id = $3",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .bind(reviewer.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !is_reviewer {
            return Err(StoreError::Conflict(format!(
                "您不是 {year} 年度评价的评审人，不能评分"
            )));
        }
        let before = sqlx::query(
            "select points, comment from evaluation_scores
             where plan_id = $1 and year = $2 and group_id = $3 and reviewer_id = $4 and criterion = $5",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .bind(group.as_str())
        .bind(reviewer.as_str())
        .bind(criterion)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> sqlx::Result<(Tenths, String)> {
            Ok((tenths(&r, "points")?, r.try_get("comment")?))
        })
        .transpose()?;
        if before
            .as_ref()
            .is_some_and(|(p, c)| *p == points && c == comment)
        {
            return Ok(false);
        }
        sqlx::query(
            "insert into evaluation_scores (plan_id, year, group_id, reviewer_id, criterion, points, comment, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (plan_id, year, group_id, reviewer_id, criterion)
             do update set points = excluded.points, comment = excluded.comment, updated_at = excluded.updated_at",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .bind(group.as_str())
        .bind(reviewer.as_str())
        .bind(criterion)
        .bind(i64::from(points))
        .bind(comment)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        let at = json!({"year": year, "group_id": group.as_str(), "criterion": criterion});
        let with = |p: Tenths, c: &str| {
            let mut v = at.clone();
            v["points"] = json!(crate::domain::evaluation::points_label(p));
            v["comment"] = json!(c);
            v
        };
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if before.is_some() {
                    "evaluation.score_update"
                } else {
                    "evaluation.score"
                },
                entity: "evaluation",
                entity_id: Some(&year.to_string()),
                before: before.as_ref().map(|(p, c)| with(*p, c)),
                after: Some(with(points, comment)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Freezes the year: one row per group with its result and working. Refused when the year
    /// is already final (two HQ users finalising at once: one wins, the other is told).
    #[allow(clippy::too_many_arguments)]
    pub async fn finalise_evaluation(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        year: i16,
        on: Date,
        scheme: &str,
        rows: &[Finalised],
        seen: &InputsSeen,
    ) -> Result<Finalising, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_open_year(&mut tx, self.backend, plan, year).await?;
        // The results were computed from the inputs as `seen` says. The year's reviewers and
        // scores cannot change now (their writes claim the year too) and are compared; the
        // records are held (PostgreSQL: the version row locked, so a write's version trigger
        // waits for this commit; SQLite: the write lock is held already) and compared for the
        // year's groups, the schools' inputs and the tables every verdict reads.
        if scores_seen(&mut tx, plan, year).await? != seen.scores {
            return Ok(Finalising::Stale);
        }
        let lock = match self.backend {
            super::Backend::Postgres => " for update",
            super::Backend::Sqlite => "",
        };
        let v = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select global_n, schools_n from data_version where id = 1{lock}"
        )))
        .fetch_one(&mut *tx)
        .await?;
        let (global_n, schools_n): (i64, i64) = (v.try_get("global_n")?, v.try_get("schools_n")?);
        if global_n > seen.version || schools_n > seen.version {
            return Ok(Finalising::Stale);
        }
        let changed: Vec<String> =
            sqlx::query_scalar("select group_id from group_versions where n > $1")
                .bind(seen.version)
                .fetch_all(&mut *tx)
                .await?;
        if rows
            .iter()
            .any(|r| changed.iter().any(|g| g == r.group_id.as_str()))
        {
            return Ok(Finalising::Stale);
        }
        for r in rows {
            let inserted = sqlx::query(
                "insert into evaluations (group_id, year, plan_id, total, grade, working, finalised_on, finalised_at, finalised_by, scheme)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(r.group_id.as_str())
            .bind(i64::from(year))
            .bind(plan.as_str())
            .bind(i64::from(r.total))
            .bind(r.grade.clone())
            .bind(&r.working)
            .bind(on.to_string())
            .bind(now_ms)
            .bind(actor.user_id.as_ref().map(|u| u.to_string()))
            .bind(scheme)
            .execute(&mut *tx)
            .await;
            if let Err(e) = inserted {
                return Err(match super::unique_violation(&e) {
                    Some(_) => StoreError::Conflict(format!("{year} 年度评价已经定稿")),
                    None => e.into(),
                });
            }
        }
        let totals: BTreeMap<String, String> = rows
            .iter()
            .map(|r| {
                (
                    r.group_id.to_string(),
                    format!(
                        "{} {}",
                        crate::domain::evaluation::points_label(r.total),
                        r.grade.clone().unwrap_or_default()
                    ),
                )
            })
            .collect();
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "evaluation.finalise",
                entity: "evaluation",
                entity_id: Some(&year.to_string()),
                before: None,
                after: Some(json!({"year": year, "groups": rows.len(), "totals": totals})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Finalising::Done)
    }

    /// The year's frozen results (empty until HQ finalises it).
    pub async fn finalised_evaluations(
        &self,
        plan: &PlanId,
        year: i16,
    ) -> sqlx::Result<Vec<FrozenRow>> {
        let rows = sqlx::query(
            "select e.group_id, e.total, e.grade, e.working, e.scheme, e.finalised_on, e.finalised_at,
                    coalesce(u.display_name, '') as finalised_by
             from evaluations e left join users u on u.id = e.finalised_by
             where e.plan_id = $1 and e.year = $2",
        )
        .bind(plan.as_str())
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let on: String = r.try_get("finalised_on")?;
                Ok(FrozenRow {
                    group_id: GroupId::from_db(r.try_get("group_id")?),
                    total: tenths(r, "total")?,
                    grade: r.try_get("grade")?,
                    working: r.try_get("working")?,
                    scheme: r.try_get("scheme")?,
                    finalised_on: on
                        .parse()
                        .map_err(|_| super::rows::decode_err("finalised_on", &on))?,
                    finalised_at: r.try_get("finalised_at")?,
                    finalised_by: r.try_get("finalised_by")?,
                })
            })
            .collect()
    }

    /// Per group and area, the projects running in `year` and how many of them are done.
    pub async fn project_progress(
        &self,
        year: i16,
    ) -> sqlx::Result<HashMap<GroupId, BTreeMap<u8, (u32, u32)>>> {
        let rows = sqlx::query(
            "select p.group_id, p.area, count(*) as n,
                    sum(case when p.status = 'done' then 1 else 0 end) as done
             from projects p
             where p.starts_on <= $1 and (p.ends_on is null or p.ends_on >= $2)
             group by p.group_id, p.area",
        )
        .bind(format!("{year:04}-12-31"))
        .bind(format!("{year:04}-01-01"))
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<GroupId, BTreeMap<u8, (u32, u32)>> = HashMap::new();
        for r in &rows {
            let area: i64 = r.try_get("area")?;
            let n: i64 = r.try_get("n")?;
            let done: i64 = r.try_get("done")?;
            out.entry(GroupId::from_db(r.try_get("group_id")?))
                .or_default()
                .insert(
                    u8::try_from(area)
                        .map_err(|_| super::rows::decode_err("area", &area.to_string()))?,
                    (n as u32, done as u32),
                );
        }
        Ok(out)
    }
}

/// What finalising did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finalising {
    Done,
    /// A write committed since the results were computed: nothing stored, compute again.
    Stale,
}

/// What a year's results were computed from: the data version read before the records, and the
/// year's reviewers and scores as [`scores_seen`] sums them up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputsSeen {
    pub version: i64,
    pub scores: String,
}

/// The year's reviewers and scores in one line: how many, the latest write, the points and the
/// comments' lengths summed. Any score saved, corrected or moved out, and any reviewer added or
/// removed, changes it.
async fn scores_seen(conn: &mut AnyConnection, plan: &PlanId, year: i16) -> sqlx::Result<String> {
    let r = sqlx::query(
        "select cast(count(*) as bigint) as n, cast(coalesce(max(updated_at), 0) as bigint) as at,
                cast(coalesce(sum(points), 0) as bigint) as points,
                cast(coalesce(sum(length(comment)), 0) as bigint) as chars,
                (select cast(count(*) as bigint) from evaluation_reviewers r
                  where r.plan_id = $1 and r.year = $2) as reviewers
         from evaluation_scores where plan_id = $1 and year = $2",
    )
    .bind(plan.as_str())
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await?;
    let get = |c: &str| r.try_get::<i64, _>(c);
    Ok(format!(
        "{}/{}/{}/{}/{}",
        get("n")?,
        get("at")?,
        get("points")?,
        get("chars")?,
        get("reviewers")?
    ))
}

/// Claims the year for a write of its evaluation (PostgreSQL: the plan's row locked; SQLite: the
/// write lock is held already), so reviewers, scores and the finalisation of one year happen one
/// after another; refused when the year is final (it takes no more reviewers or scores).
async fn claim_open_year(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: super::Backend,
    plan: &PlanId,
    year: i16,
) -> Result<(), StoreError> {
    if backend == super::Backend::Postgres {
        sqlx::query("select id from plans where id = $1 for update")
            .bind(plan.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    }
    let final_ =
        sqlx::query("select 1 as one from evaluations where plan_id = $1 and year = $2 limit 1")
            .bind(plan.as_str())
            .bind(i64::from(year))
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
    if final_ {
        return Err(StoreError::Conflict(format!(
            "{year} 年度评价已经定稿，不能再修改"
        )));
    }
    Ok(())
}
