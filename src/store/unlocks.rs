//! 解锁申请 (五(三)): a school asks to unlock its accepted monthly report; the bureau grants it
//! (the report goes back to 退回 with the review comment "准予解锁：…", its versions and first
//! submission kept) or refuses it. Each write claims its rows first and is audited.

use super::audit::{self, Actor, AuditEntry};
use super::{Store, StoreError};
use crate::domain::ids::{MonthlyReportId, OrgId, PlanId, UnlockRequestId, UserId};
use crate::domain::monthly::ReportState;
use crate::domain::plan::Month;
use crate::domain::unlock::{UnlockState, grant_review_comment};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One unlock request, with its report's school, month and state now.
#[derive(Debug, Clone)]
pub struct UnlockRow {
    pub id: UnlockRequestId,
    pub report_id: MonthlyReportId,
    pub school_id: OrgId,
    pub school_name: String,
    pub month: Month,
    pub report_state: ReportState,
    pub report_version: i64,
    pub state: UnlockState,
    pub reason: String,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_comment: String,
}

/// Which requests a list (and its export) covers.
#[derive(Debug, Clone, Default)]
pub struct UnlockFilter {
    pub state: Option<UnlockState>,
    /// Only this school's requests (a school user sees its own).
    pub school: Option<OrgId>,
}

impl UnlockFilter {
    fn clause(&self) -> (String, Vec<String>) {
        let mut sql = String::from("1 = 1");
        let mut binds = Vec::new();
        if let Some(s) = self.state {
            binds.push(s.as_str().to_string());
            sql.push_str(&format!(" and u.state = ${}", binds.len()));
        }
        if let Some(o) = &self.school {
            binds.push(o.to_string());
            sql.push_str(&format!(" and r.school_id = ${}", binds.len()));
        }
        (sql, binds)
    }
}

/// A school's report for a month, as far as an unlock is concerned.
#[derive(Debug, Clone)]
pub struct ReportStanding {
    pub id: MonthlyReportId,
    pub state: ReportState,
    pub version: i64,
    pub review_comment: String,
}

const SELECT: &str = "select u.id, u.report_id, r.school_id, o.name as school_name, r.month,
        r.state as report_state, r.version as report_version, u.state, u.reason,
        q.display_name as requested_by_name, u.requested_at,
        d.display_name as decided_by_name, u.decided_at, u.decision_comment
     from report_unlocks u
     join monthly_reports r on r.id = u.report_id
     join organisations o on o.id = r.school_id
     join users q on q.id = u.requested_by
     left join users d on d.id = u.decided_by";

/// Open requests first (the oldest first: they have waited longest), then decided ones, the
/// latest request first.
const ORDER: &str = "order by case when u.state = 'open' then 0 else 1 end,
        case when u.state = 'open' then u.requested_at else -u.requested_at end, u.id";

fn decode(what: &str, v: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {v}").into())
}

fn unlock_from_row(r: &AnyRow) -> sqlx::Result<UnlockRow> {
    let month: String = r.try_get("month")?;
    let report_state: String = r.try_get("report_state")?;
    let state: String = r.try_get("state")?;
    Ok(UnlockRow {
        id: UnlockRequestId::from_db(r.try_get("id")?),
        report_id: MonthlyReportId::from_db(r.try_get("report_id")?),
        school_id: OrgId::from_db(r.try_get("school_id")?),
        school_name: r.try_get("school_name")?,
        month: Month::parse(&month).ok_or_else(|| decode("month", &month))?,
        report_state: ReportState::parse(&report_state)
            .ok_or_else(|| decode("report state", &report_state))?,
        report_version: r.try_get("report_version")?,
        state: UnlockState::parse(&state).ok_or_else(|| decode("unlock state", &state))?,
        reason: r.try_get("reason")?,
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at: r.try_get("requested_at")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        decision_comment: r.try_get("decision_comment")?,
    })
}

/// Why a report that is not accepted cannot be unlocked.
fn not_accepted(month: Month, state: Option<ReportState>, version: i64) -> StoreError {
    let now = match state {
        Some(s) => s.label(version),
        None => ReportState::Draft.label(0),
    };
    StoreError::Conflict(format!(
        "{}的月度进展报告当前为“{now}”，尚未通过审核，该月记录未锁定，无需申请解锁",
        month.label()
    ))
}

/// Why a second request cannot be opened while one waits.
pub const ALREADY_OPEN: &str = "该报告已有待审批的解锁申请，请等待市教育局处理";

impl Store {
    /// The school's report for `month` under `plan`; none when it was never touched (a draft).
    pub async fn report_standing(
        &self,
        plan: &PlanId,
        school: &OrgId,
        month: Month,
    ) -> sqlx::Result<Option<ReportStanding>> {
        let row = sqlx::query(
            "select id, state, version, review_comment from monthly_reports
             where plan_id = $1 and school_id = $2 and month = $3",
        )
        .bind(plan.as_str())
        .bind(school.as_str())
        .bind(month.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let state: String = r.try_get("state")?;
            Ok(ReportStanding {
                id: MonthlyReportId::from_db(r.try_get("id")?),
                state: ReportState::parse(&state).ok_or_else(|| decode("report state", &state))?,
                version: r.try_get("version")?,
                review_comment: r.try_get("review_comment")?,
            })
        })
        .transpose()
    }

    /// The school asks to unlock its accepted report for `month`: refused (409) when the report is
    /// not accepted, or when a request for it is open already.
    #[allow(clippy::too_many_arguments)]
    pub async fn request_unlock(
        &self,
        actor: &Actor,
        now_ms: i64,
        plan: &PlanId,
        school: &OrgId,
        month: Month,
        by: &UserId,
        reason: &str,
    ) -> Result<UnlockRequestId, StoreError> {
        let mut tx = self.begin_write().await?;
        // Claim the report: a review or another request at the same moment waits for this one.
        let report = sqlx::query(
            "update monthly_reports set state = state
             where plan_id = $1 and school_id = $2 and month = $3 returning id, state, version",
        )
        .bind(plan.as_str())
        .bind(school.as_str())
        .bind(month.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(report) = report else {
            return Err(not_accepted(month, None, 0));
        };
        let report_id: String = report.try_get("id")?;
        let state: String = report.try_get("state")?;
        let state = ReportState::parse(&state);
        if state != Some(ReportState::Accepted) {
            return Err(not_accepted(month, state, report.try_get("version")?));
        }
        let open = sqlx::query(
            "select 1 as one from report_unlocks where report_id = $1 and state = 'open'",
        )
        .bind(report_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_some() {
            return Err(StoreError::Conflict(ALREADY_OPEN.into()));
        }
        let id = UnlockRequestId::new();
        sqlx::query(
            "insert into report_unlocks (id, report_id, state, reason, requested_by, requested_at)
             values ($1, $2, 'open', $3, $4, $5)",
        )
        .bind(id.as_str())
        .bind(report_id.as_str())
        .bind(reason)
        .bind(by.as_str())
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if super::violates_unique(&e, "report_unlocks_one_open", "report_unlocks.report_id") {
                StoreError::Conflict(ALREADY_OPEN.into())
            } else {
                e.into()
            }
        })?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "report_unlock.request",
                entity: "report_unlock",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "report_id": report_id, "school_id": school.as_str(),
                    "report_month": month.to_string(), "unlock_reason": reason,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One request; none when there is no such request.
    pub async fn get_unlock(&self, id: &UnlockRequestId) -> sqlx::Result<Option<UnlockRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where u.id = $1")))
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(unlock_from_row)
            .transpose()
    }

    /// The requests made for one report, latest first.
    pub async fn unlocks_of_report(
        &self,
        report: &MonthlyReportId,
    ) -> sqlx::Result<Vec<UnlockRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where u.report_id = $1 order by u.requested_at desc, u.id"
        )))
        .bind(report.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(unlock_from_row)
        .collect()
    }

    /// A page of the requests matching `filter` (all of them when `page` is none: the export),
    /// open ones first; how many match; and how many of those are open.
    pub async fn list_unlocks(
        &self,
        filter: &UnlockFilter,
        page: Option<(i64, i64)>,
    ) -> sqlx::Result<(Vec<UnlockRow>, i64, i64)> {
        let (clause, binds) = filter.clause();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n, cast(coalesce(sum(case when u.state = 'open' then 1 else 0 end), 0) as bigint) as open
             from report_unlocks u join monthly_reports r on r.id = u.report_id where {clause}"
        )));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let counts = q.fetch_one(self.pool()).await?;
        let total: i64 = counts.try_get("n")?;
        let open: i64 = counts.try_get("open")?;
        let limit = match page {
            Some((limit, offset)) => format!(" limit {limit} offset {offset}"),
            None => String::new(),
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where {clause} {ORDER}{limit}"
        )));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let rows = q
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(unlock_from_row)
            .collect::<sqlx::Result<_>>()?;
        Ok((rows, total, open))
    }

    /// The bureau grants a request: the report goes back to 退回 with "准予解锁：…" (the bureau's
    /// comment, or the school's reason), its versions and first submission kept; its month is
    /// unlocked until it is accepted again.
    pub async fn grant_unlock(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &UnlockRequestId,
        by: &UserId,
        comment: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (report_id, reason) = claim_open(&mut tx, id).await?;
        let report = sqlx::query(
            "update monthly_reports set state = state where id = $1 returning state, review_comment",
        )
        .bind(report_id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let state: String = report.try_get("state")?;
        let old_comment: String = report.try_get("review_comment")?;
        if state != ReportState::Accepted.as_str() {
            return Err(StoreError::Conflict(
                "该月度报告已不是“已通过”状态，无需解锁；请不予解锁并说明情况".into(),
            ));
        }
        let review = grant_review_comment(comment, &reason);
        sqlx::query(
            "update monthly_reports set state = 'returned', review_comment = $1, reviewed_at = $2,
                 reviewed_by = $3, updated_at = $2 where id = $4",
        )
        .bind(review.as_str())
        .bind(now_ms)
        .bind(by.as_str())
        .bind(report_id.as_str())
        .execute(&mut *tx)
        .await?;
        decide(
            &mut tx,
            id,
            UnlockState::Granted,
            by,
            now_ms,
            comment.unwrap_or(""),
        )
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "report_unlock.grant",
                entity: "report_unlock",
                entity_id: Some(id.as_str()),
                before: Some(json!({
                    "unlock_state": UnlockState::Open.as_str(), "report_id": report_id,
                    "report_state": state, "review_comment": old_comment,
                })),
                after: Some(json!({
                    "unlock_state": UnlockState::Granted.as_str(),
                    "report_state": ReportState::Returned.as_str(), "review_comment": review,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The bureau refuses a request, with its reason; the report stays accepted and locked.
    pub async fn refuse_unlock(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &UnlockRequestId,
        by: &UserId,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (report_id, _) = claim_open(&mut tx, id).await?;
        decide(&mut tx, id, UnlockState::Refused, by, now_ms, reason).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "report_unlock.refuse",
                entity: "report_unlock",
                entity_id: Some(id.as_str()),
                before: Some(json!({ "unlock_state": UnlockState::Open.as_str(), "report_id": report_id })),
                after: Some(json!({ "unlock_state": UnlockState::Refused.as_str(), "decision_comment": reason })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Takes an open request's row for this decision: not found when there is none, a conflict when
/// it was decided already (by someone else a moment ago, say). Gives its report and reason.
async fn claim_open(
    conn: &mut AnyConnection,
    id: &UnlockRequestId,
) -> Result<(String, String), StoreError> {
    let row = sqlx::query(
        "update report_unlocks set state = state where id = $1 returning report_id, state, reason",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let state: String = row.try_get("state")?;
    if state != UnlockState::Open.as_str() {
        let label = UnlockState::parse(&state).map_or("已处理", |s| s.label());
        return Err(StoreError::Conflict(format!(
            "该解锁申请已处理（{label}），不能再次审批"
        )));
    }
    Ok((row.try_get("report_id")?, row.try_get("reason")?))
}

async fn decide(
    conn: &mut AnyConnection,
    id: &UnlockRequestId,
    state: UnlockState,
    by: &UserId,
    now_ms: i64,
    comment: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "update report_unlocks set state = $1, decided_by = $2, decided_at = $3, decision_comment = $4
         where id = $5",
    )
    .bind(state.as_str())
    .bind(by.as_str())
    .bind(now_ms)
    .bind(comment)
    .bind(id.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
