//! 月度进展报告 (五(三)): one school's report for one month, its workflow and its versions.
//! A report's row is made on the first write (race-safe: insert, and on the unique violation read
//! the row another request made); every later write runs in a transaction that first claims the
//! row (a no-op update, which locks it on PostgreSQL; SQLite's `begin_write` holds the database
//! lock already), checks the state inside it and writes its audit entry with before and after.

use super::audit::{self, Actor, AuditEntry};
use super::monthly_figures::MonthFigures;
use super::{Store, StoreError, violates_unique};
use crate::clock::format_ms;
use crate::domain::ids::{GroupId, MonthlyReportId, OrgId, PlanId, UserId};
use crate::domain::monthly::ReportState;
use crate::domain::monthly_report::ReportText;
use crate::domain::plan::Month;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// One group's part of the pre-fill: what it recorded in the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefillGroup {
    pub group_id: String,
    pub number: i64,
    pub lead_town: String,
    pub figures: MonthFigures,
}

/// The pre-filled part of a report (`monthly_reports.prefill`): the month's figures of every
/// group the school served in during the month, group by group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prefill {
    pub groups: Vec<PrefillGroup>,
}

impl Prefill {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"groups\":[]}".into())
    }
}

/// A group of the school during the month, for the pre-fill.
pub struct PrefillSource {
    pub id: GroupId,
    pub number: i64,
    pub lead_town: String,
}

/// A stored report.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub id: MonthlyReportId,
    pub plan_id: PlanId,
    pub school_id: OrgId,
    pub month: Month,
    pub state: ReportState,
    pub version: i64,
    pub prefill: Prefill,
    pub prefilled_at: Option<i64>,
    pub text: ReportText,
    pub first_submitted_at: Option<i64>,
    pub last_submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub reviewed_by_name: Option<String>,
    pub review_comment: String,
    pub paper: bool,
    pub updated_at: i64,
    /// Brought in by a history import (历史补录): accepted as reported then, with no version here.
    pub backfilled: bool,
}

impl ReportRow {
    /// A version's `content`: `{prefill, narrative, problems, next_plan}`.
    pub fn content(&self) -> serde_json::Value {
        json!({
            "prefill": self.prefill,
            "narrative": self.text.narrative(),
            "problems": self.text.problems(),
            "next_plan": self.text.next_plan(),
        })
    }
}

/// One submitted version with the review it got.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i64,
    pub content: serde_json::Value,
    pub submitted_at: i64,
    pub submitted_by_name: String,
    /// `accepted` or `returned`, once reviewed.
    pub review: Option<String>,
    pub review_comment: String,
    pub reviewed_at: Option<i64>,
    pub reviewed_by_name: Option<String>,
}

/// Which report: the plan, the school and the month.
#[derive(Debug, Clone)]
pub struct ReportKey<'a> {
    pub plan_id: &'a PlanId,
    pub school: &'a OrgId,
    pub month: Month,
}

const SELECT: &str = "select r.id, r.plan_id, r.school_id, r.month, r.state, r.version, r.prefill,
        r.prefilled_at, r.narrative, r.problems, r.next_plan, r.first_submitted_at,
        r.last_submitted_at, r.reviewed_at, u.display_name as reviewed_by_name,
        r.review_comment, r.paper, r.updated_at, r.history_import_id
     from monthly_reports r left join users u on u.id = r.reviewed_by";

/// The review the bureau gives a submitted report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Accept,
    Return,
}

impl Review {
    fn as_str(self) -> &'static str {
        match self {
            Review::Accept => "accepted",
            Review::Return => "returned",
        }
    }
}

impl Store {
    /// The school's report of the month, if a row was made.
    pub async fn find_report(&self, key: &ReportKey<'_>) -> sqlx::Result<Option<ReportRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where r.plan_id = $1 and r.school_id = $2 and r.month = $3"
        )))
        .bind(key.plan_id.as_str())
        .bind(key.school.as_str())
        .bind(key.month.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(report_from_row)
        .transpose()
    }

    /// The month's figures of `groups`, as a pre-fill (groups in the order given).
    pub async fn build_prefill(
        &self,
        groups: &[PrefillSource],
        month: Month,
    ) -> sqlx::Result<Prefill> {
        let ids: Vec<GroupId> = groups.iter().map(|g| g.id.clone()).collect();
        let mut figures = self.month_figures(&ids, month).await?;
        Ok(Prefill {
            groups: groups
                .iter()
                .map(|g| PrefillGroup {
                    group_id: g.id.to_string(),
                    number: g.number,
                    lead_town: g.lead_town.clone(),
                    figures: figures.remove(&g.id).unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// The report's row, made now (a draft with `prefill`) when there is none. Two requests
    /// that race here both get the one row: the loser's insert hits the unique constraint and
    /// it reads the winner's.
    pub async fn ensure_report(
        &self,
        actor: &Actor,
        now_ms: i64,
        key: &ReportKey<'_>,
        prefill: &Prefill,
    ) -> Result<ReportRow, StoreError> {
        if let Some(r) = self.find_report(key).await? {
            return Ok(r);
        }
        let id = MonthlyReportId::new();
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "insert into monthly_reports (id, plan_id, school_id, month, state, version, prefill,
                prefilled_at, created_at, updated_at)
             values ($1, $2, $3, $4, 'draft', 0, $5, $6, $6, $6)",
        )
        .bind(id.as_str())
        .bind(key.plan_id.as_str())
        .bind(key.school.as_str())
        .bind(key.month.to_string())
        .bind(prefill.to_json())
        .bind(now_ms)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e)
                if violates_unique(
                    &e,
                    "monthly_reports_school_month_unique",
                    "monthly_reports.month",
                ) =>
            {
                drop(tx);
                return self.find_report(key).await?.ok_or(StoreError::NotFound);
            }
            Err(e) => return Err(e.into()),
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_report.create",
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "school_id": key.school.as_str(),
                    "month": key.month.to_string(),
                    "state": "draft",
                })),
            },
        )
        .await?;
        tx.commit().await?;
        self.find_report(key).await?.ok_or(StoreError::NotFound)
    }

    /// Saves the school's text of a draft or returned report. Returns whether anything changed.
    pub async fn save_report_text(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MonthlyReportId,
        text: &ReportText,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, id).await?;
        require_editable(&before)?;
        let (was, now) = audit::changed_fields(&text_json(&before.text), &text_json(text));
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update monthly_reports set narrative = $1, problems = $2, next_plan = $3, updated_at = $4
             where id = $5",
        )
        .bind(text.narrative_json())
        .bind(text.problems())
        .bind(text.next_plan())
        .bind(now_ms)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_report.save",
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces the pre-filled figures of a draft or returned report.
    pub async fn refresh_report_prefill(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MonthlyReportId,
        prefill: &Prefill,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, id).await?;
        require_editable(&before)?;
        sqlx::query(
            "update monthly_reports set prefill = $1, prefilled_at = $2, updated_at = $2 where id = $3",
        )
        .bind(prefill.to_json())
        .bind(now_ms)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_report.refresh",
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: before
                    .prefilled_at
                    .map(|t| json!({ "prefilled_at": format_ms(t) })),
                after: Some(json!({ "prefilled_at": format_ms(now_ms) })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Submits a draft or returned report: version + 1, its content kept as that version; the
    /// first submission time is set once and never changed. A first submission is refused
    /// (conflict, `closed`) once `closes_ms` has passed; a resubmission is not.
    pub async fn submit_report(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MonthlyReportId,
        by: &UserId,
        closes_ms: i64,
        closed: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, id).await?;
        require_editable(&before)?;
        if now_ms > closes_ms && before.first_submitted_at.is_none() {
            return Err(StoreError::Conflict(closed.to_string()));
        }
        let version = before.version + 1;
        sqlx::query(
            "update monthly_reports set state = 'submitted', version = $1,
                first_submitted_at = coalesce(first_submitted_at, $2), last_submitted_at = $2,
                reviewed_at = null, reviewed_by = null, review_comment = '', updated_at = $2
             where id = $3",
        )
        .bind(version)
        .bind(now_ms)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into monthly_report_versions (id, report_id, version, content, submitted_at, submitted_by)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(id.as_str())
        .bind(version)
        .bind(before.content().to_string())
        .bind(now_ms)
        .bind(by.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_report.submit",
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: Some(json!({ "state": before.state.as_str(), "version": before.version })),
                after: Some(json!({
                    "state": "submitted", "version": version,
                    "submitted_at": format_ms(now_ms),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The bureau accepts or returns a submitted report (conflict for any other state); the
    /// review is written on the report and on the version it concerns.
    pub async fn review_report(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MonthlyReportId,
        by: &UserId,
        review: Review,
        comment: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, id).await?;
        if before.state != ReportState::Submitted {
            return Err(StoreError::Conflict(format!(
                "该报告当前为“{}”，只有已提交待审核的报告可以审核",
                before.state.label(before.version)
            )));
        }
        sqlx::query(
            "update monthly_reports set state = $1, reviewed_at = $2, reviewed_by = $3,
                review_comment = $4, updated_at = $2
             where id = $5",
        )
        .bind(review.as_str())
        .bind(now_ms)
        .bind(by.as_str())
        .bind(comment)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "update monthly_report_versions set review = $1, review_comment = $2, reviewed_at = $3,
                reviewed_by = $4
             where report_id = $5 and version = $6",
        )
        .bind(review.as_str())
        .bind(comment)
        .bind(now_ms)
        .bind(by.as_str())
        .bind(id.as_str())
        .bind(before.version)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: match review {
                    Review::Accept => "monthly_report.accept",
                    Review::Return => "monthly_report.return",
                },
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: Some(json!({ "state": before.state.as_str() })),
                after: Some(json!({
                    "state": review.as_str(), "version": before.version,
                    "review_comment": comment,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The bureau accepts a paper copy of a report never submitted, once submissions closed at
    /// `closes_ms`: accepted, `paper` = 1, the note as its comment (it stays 未报).
    pub async fn accept_paper_report(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &MonthlyReportId,
        by: &UserId,
        closes_ms: i64,
        note: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = claim(&mut tx, id).await?;
        if now_ms <= closes_ms {
            return Err(StoreError::Conflict(format!(
                "网上报送尚未截止（截止时间 {}），学校仍可在平台提交，暂不能登记纸质报告",
                format_ms(closes_ms)
            )));
        }
        if before.first_submitted_at.is_some() || before.state == ReportState::Accepted {
            return Err(StoreError::Conflict(
                "该报告已在平台提交或已通过，不能再登记纸质报告".into(),
            ));
        }
        sqlx::query(
            "update monthly_reports set state = 'accepted', paper = 1, reviewed_at = $1,
                reviewed_by = $2, review_comment = $3, updated_at = $1
             where id = $4",
        )
        .bind(now_ms)
        .bind(by.as_str())
        .bind(note)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_report.paper",
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: Some(json!({ "state": before.state.as_str() })),
                after: Some(json!({ "state": "accepted", "paper": true, "review_comment": note })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every submitted version of a report, oldest first.
    pub async fn report_versions(&self, id: &MonthlyReportId) -> sqlx::Result<Vec<VersionRow>> {
        let rows = sqlx::query(
            "select v.version, v.content, v.submitted_at, s.display_name as submitted_by_name,
                    v.review, v.review_comment, v.reviewed_at, u.display_name as reviewed_by_name
             from monthly_report_versions v
             join users s on s.id = v.submitted_by
             left join users u on u.id = v.reviewed_by
             where v.report_id = $1 order by v.version",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let content: String = r.try_get("content")?;
                Ok(VersionRow {
                    version: r.try_get("version")?,
                    content: serde_json::from_str(&content)
                        .map_err(|e| sqlx::Error::Decode(e.into()))?,
                    submitted_at: r.try_get("submitted_at")?,
                    submitted_by_name: r.try_get("submitted_by_name")?,
                    review: r.try_get("review")?,
                    review_comment: r.try_get("review_comment")?,
                    reviewed_at: r.try_get("reviewed_at")?,
                    reviewed_by_name: r.try_get("reviewed_by_name")?,
                })
            })
            .collect()
    }

    /// How many reports wait for the bureau's review (its workbench).
    pub async fn reports_waiting(&self, plan_id: &PlanId) -> sqlx::Result<i64> {
        sqlx::query(
            "select count(*) as n from monthly_reports where plan_id = $1 and state = 'submitted'",
        )
        .bind(plan_id.as_str())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")
    }

    /// The earliest month with a report waiting for review, if any (where the queue starts).
    pub async fn oldest_waiting_month(&self, plan_id: &PlanId) -> sqlx::Result<Option<Month>> {
        let m: Option<String> = sqlx::query(
            "select min(month) as m from monthly_reports where plan_id = $1 and state = 'submitted'",
        )
        .bind(plan_id.as_str())
        .fetch_one(&self.pool)
        .await?
        .try_get("m")?;
        Ok(m.as_deref().and_then(Month::parse))
    }

    /// A school's name and kind code, if the organisation exists.
    pub async fn org_name_kind(&self, id: &OrgId) -> sqlx::Result<Option<(String, String)>> {
        let row = sqlx::query("select name, kind from organisations where id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("name")?, r.try_get("kind")?)))
            .transpose()
    }
}

fn text_json(t: &ReportText) -> serde_json::Value {
    json!({
        "narrative": t.narrative(),
        "problems": t.problems(),
        "next_plan": t.next_plan(),
    })
}

fn require_editable(r: &ReportRow) -> Result<(), StoreError> {
    if r.state.editable() {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "该报告当前为“{}”，不能再修改或提交",
            r.state.label(r.version)
        )))
    }
}

/// Takes the report's row for a write (locked until commit on PostgreSQL).
async fn claim(conn: &mut AnyConnection, id: &MonthlyReportId) -> Result<ReportRow, StoreError> {
    let n = sqlx::query("update monthly_reports set state = state where id = $1")
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where r.id = $1")))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(report_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

fn report_from_row(r: &AnyRow) -> sqlx::Result<ReportRow> {
    let decode = |what: &str, e: String| sqlx::Error::Decode(format!("{what}: {e}").into());
    let state: String = r.try_get("state")?;
    let month: String = r.try_get("month")?;
    let prefill: String = r.try_get("prefill")?;
    let narrative: String = r.try_get("narrative")?;
    let prefill: Prefill = if prefill.trim() == "{}" {
        Prefill::default()
    } else {
        serde_json::from_str(&prefill).map_err(|e| decode("prefill", e.to_string()))?
    };
    let narrative: BTreeMap<String, String> =
        serde_json::from_str(&narrative).map_err(|e| decode("narrative", e.to_string()))?;
    Ok(ReportRow {
        id: MonthlyReportId::from_db(r.try_get("id")?),
        plan_id: PlanId::from_db(r.try_get("plan_id")?),
        school_id: OrgId::from_db(r.try_get("school_id")?),
        month: Month::parse(&month).ok_or_else(|| decode("month", month.clone()))?,
        state: ReportState::parse(&state).ok_or_else(|| decode("state", state.clone()))?,
        version: r.try_get("version")?,
        prefill,
        prefilled_at: r.try_get("prefilled_at")?,
        text: ReportText::stored(narrative, r.try_get("problems")?, r.try_get("next_plan")?),
        first_submitted_at: r.try_get("first_submitted_at")?,
        last_submitted_at: r.try_get("last_submitted_at")?,
        reviewed_at: r.try_get("reviewed_at")?,
        reviewed_by_name: r.try_get("reviewed_by_name")?,
        review_comment: r.try_get("review_comment")?,
        paper: r.try_get::<i64, _>("paper")? != 0,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
        updated_at: r.try_get("updated_at")?,
    })
}

/// A past monthly report's own file (migration 0039).
#[derive(Debug, Clone)]
pub struct ReportFileRow {
    pub id: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub file_name: String,
}

/// Stores the row of a report's own file (its content goes to the file store first), with its
/// audit entry naming the report.
pub(super) async fn insert_report_file(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    report: &MonthlyReportId,
    f: &super::files::CheckedFile,
) -> sqlx::Result<()> {
    let id = crate::domain::ids::AttachmentId::new();
    sqlx::query(
        "insert into monthly_report_files (id, report_id, sha256, size_bytes, content_type, file_name, uploaded_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_str())
    .bind(report.as_str())
    .bind(&f.sha256)
    .bind(f.bytes.len() as i64)
    .bind(f.kind.content_type())
    .bind(&f.file_name)
    .bind(actor.user_id.as_ref().map(|u| u.to_string()))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "monthly_report.file",
            entity: "monthly_report",
            entity_id: Some(report.as_str()),
            before: None,
            after: Some(json!({
                "file_id": id.as_str(), "file_name": f.file_name, "sha256": f.sha256,
                "size": f.bytes.len(),
            })),
        },
    )
    .await?;
    Ok(())
}

impl Store {
    /// The report's own file, if one was brought in with it.
    pub async fn report_file(
        &self,
        report: &MonthlyReportId,
    ) -> sqlx::Result<Option<ReportFileRow>> {
        sqlx::query(
            "select id, sha256, size_bytes, content_type, file_name from monthly_report_files
             where report_id = $1 order by created_at limit 1",
        )
        .bind(report.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            Ok(ReportFileRow {
                id: r.try_get("id")?,
                sha256: r.try_get("sha256")?,
                size_bytes: r.try_get("size_bytes")?,
                content_type: r.try_get("content_type")?,
                file_name: r.try_get("file_name")?,
            })
        })
        .transpose()
    }
}
