//! 月度汇总 (五(三)): the bureau generates month M's summary from the report roll and the month's
//! records, edits its text, regenerates its figures while it is a draft, and sends it to HQ
//! (市"百千万工程"指挥部), which reads it once sent. Schools, towns and villages never see one.
//! The web pages, the JSON API and the exports all call these functions.

use super::ServiceError;
use super::access::Viewer;
use crate::clock::{format_ms, shanghai};
use crate::domain::FieldError;
use crate::domain::ids::PlanId;
use crate::domain::monthly::Timeliness;
use crate::domain::plan::{Month, Plan, PlanYears};
use crate::domain::summary::{
    GroupLine, KeyFigures, OutcomeColumn, ReportText, Snapshot, StatusLine, SummaryState,
    SummaryText, default_intro, default_title, parse_month, parse_text, pick_lines,
};
use crate::domain::user::Role;
use crate::services::workspace::Writer;
use crate::store::Store;
use crate::store::plans::PlanCache;
use crate::store::summaries::SummaryRow;
use jiff::civil::Date;
use std::sync::Arc;

/// The bureau builds, edits and sends summaries.
pub fn may_write(viewer: &Viewer) -> bool {
    viewer.role == Role::Bureau
}

fn require_writer(viewer: &Viewer) -> Result<(), ServiceError> {
    if may_write(viewer) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Only the bureau and HQ read summaries (HQ only those sent).
fn require_reader(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Bureau, Role::Hq])
}

/// Whether the viewer may read this summary: the bureau always, HQ once it is sent.
fn visible(viewer: &Viewer, s: &SummaryRow) -> bool {
    viewer.role == Role::Bureau || (viewer.role == Role::Hq && s.state == SummaryState::Sent)
}

async fn current_plan(
    store: &Store,
    plans: &PlanCache,
) -> Result<(PlanId, Arc<Plan>), ServiceError> {
    plans.current(store).await?.ok_or(ServiceError::NotFound)
}

/// The summaries the viewer may read, newest month first.
pub async fn list_summaries(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
) -> Result<Vec<SummaryRow>, ServiceError> {
    require_reader(viewer)?;
    let Some((plan_id, _)) = plans.current(store).await? else {
        return Ok(Vec::new());
    };
    Ok(store
        .list_summaries(&plan_id)
        .await?
        .into_iter()
        .filter(|s| visible(viewer, s))
        .collect())
}

/// The months a summary may be generated for: the plan's first report month to this month.
pub async fn months(
    store: &Store,
    plans: &PlanCache,
    today: Date,
) -> Result<Vec<Month>, ServiceError> {
    let (_, plan) = current_plan(store, plans).await?;
    let mut m = crate::domain::monthly::months_from(plan.report_start_month, Month::of(today));
    m.reverse();
    Ok(m)
}

/// Month `month` (as written in a URL) of the current plan, checked to be one a summary may
/// exist for.
async fn month_of(
    store: &Store,
    plans: &PlanCache,
    month: &str,
    today: Date,
) -> Result<(PlanId, Arc<Plan>, Month), ServiceError> {
    let m = parse_month(month)?;
    let (plan_id, plan) = current_plan(store, plans).await?;
    if m < plan.report_start_month {
        return Err(FieldError::new(
            "月份",
            format!(
                "{} 早于行动方案要求报送进展情况的首月 {}",
                m.label(),
                plan.report_start_month.label()
            ),
        )
        .into());
    }
    if m > Month::of(today) {
        return Err(FieldError::new("月份", format!("{} 尚未到来，不能汇总", m.label())).into());
    }
    Ok((plan_id, plan, m))
}

/// Month `month`'s summary as the viewer may read it: not found when there is none, or (for HQ)
/// when it has not been sent; forbidden for every role but the bureau and HQ.
pub async fn get_summary(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    month: &str,
    today: Date,
) -> Result<SummaryRow, ServiceError> {
    require_reader(viewer)?;
    let (plan_id, _, m) = month_of(store, plans, month, today).await?;
    store
        .get_summary(&plan_id, m)
        .await?
        .filter(|s| visible(viewer, s))
        .ok_or(ServiceError::NotFound)
}

/// Whether month `month` has a summary (for the bureau's page: a month without one shows the
/// generate button).
pub async fn find_summary(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    month: &str,
    today: Date,
) -> Result<Option<SummaryRow>, ServiceError> {
    match get_summary(store, plans, viewer, month, today).await {
        Ok(s) => Ok(Some(s)),
        Err(ServiceError::NotFound) if may_write(viewer) => {
            // A month that is valid but has no summary yet (the month itself was checked).
            month_of(store, plans, month, today).await?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The status table and figures of the month as they stand at `now_ms` (due as the plan in
/// force for the month's year says).
pub async fn build_snapshot(
    store: &Store,
    plan_id: &PlanId,
    years: &PlanYears,
    month: Month,
    now_ms: i64,
) -> Result<Snapshot, ServiceError> {
    let plan = years.for_month(month);
    let roll = store
        .report_roll(plan_id, years, month, month, now_ms)
        .await?
        .into_iter()
        .next();
    let mut snap = Snapshot {
        month: month.to_string(),
        due_on: crate::domain::monthly::deadline(plan, month)
            .due_on
            .to_string(),
        bureau: plan.organisations.bureau.clone(),
        ..Snapshot::default()
    };
    if let Some(roll) = roll {
        let rates = roll.rates();
        snap.expected = rates.expected;
        snap.submitted = rates.submitted;
        snap.on_time = rates.on_time;
        snap.reporting_rate = rates.reporting_label();
        snap.on_time_rate = rates.on_time_label();
        // The schools that owed the month's report (those with a report but not expected on the
        // due date are left out, as they are from the rates).
        snap.statuses = roll
            .entries
            .iter()
            .filter(|e| e.expected)
            .map(|e| StatusLine {
                school: e.name.clone(),
                status: e.timeliness.as_str().into(),
                label: e.timeliness.label().into(),
                first_submitted: e
                    .report
                    .as_ref()
                    .and_then(|r| r.first_submitted_at)
                    .filter(|_| e.timeliness != Timeliness::Missing)
                    .map(format_ms),
            })
            .collect();
    }
    let groups = store.groups_in_month(plan_id, month).await?;
    let ids: Vec<_> = groups.iter().map(|g| g.id.clone()).collect();
    let figures = store.month_figures(&ids, month).await?;
    for g in groups {
        let f = figures.get(&g.id).cloned().unwrap_or_default();
        let k = KeyFigures {
            onsite_days: f.onsite_days,
            person_days: f.person_days,
            onsite_students: f.onsite_students,
            projects: f.projects.len() as i64,
            projects_started: f.projects_started() as i64,
            projects_finished: f.projects_finished() as i64,
            meetings: f.meetings.len() as i64,
            expenses: f.expenses,
            expense_cash_fen: f.expense_cash_fen,
            expense_in_kind_fen: f.expense_in_kind_fen,
            outcomes: f.outcomes.clone(),
        };
        snap.totals.add(&k);
        snap.groups.push(GroupLine {
            number: g.number,
            lead_town: g.lead_town,
            schools: g.schools.join("、"),
            figures: k,
        });
    }
    snap.outcome_columns = plan
        .areas
        .iter()
        .flat_map(|a| a.outcomes.iter())
        .filter(|o| snap.totals.outcomes.get(&o.code).is_some_and(|v| *v != 0))
        .map(|o| OutcomeColumn {
            code: o.code.clone(),
            label: o.label.clone(),
            unit: o.unit.clone(),
        })
        .collect();
    Ok(snap)
}

/// Generates month `month`'s summary (the bureau): a new draft with the default title and
/// opening and the highlights and problems picked from the submitted reports; or, for an
/// existing draft, its status table and figures refreshed and its text kept. Returns whether
/// it was new.
pub async fn generate_summary(
    w: &Writer<'_>,
    plans: &PlanCache,
    month: &str,
    today: Date,
) -> Result<bool, ServiceError> {
    require_writer(w.by)?;
    let (plan_id, _, m) = month_of(w.store, plans, month, today).await?;
    let years = plans
        .years(w.store, &plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let plan = years.for_month(m);
    let snapshot = build_snapshot(w.store, &plan_id, &years, m, w.now_ms).await?;
    let texts = w.store.submitted_texts(&plan_id, m).await?;
    let picked: Vec<ReportText<'_>> = texts
        .iter()
        .map(|t| ReportText {
            school: &t.school,
            narrative: &t.narrative,
            problems: &t.problems,
        })
        .collect();
    let (highlights, problems) = pick_lines(&picked);
    let text = SummaryText {
        title: default_title(m),
        intro: default_intro(m, &plan.doc_no),
        highlights,
        problems,
        next_steps: String::new(),
    };
    Ok(w.store
        .generate_summary(
            &w.actor(),
            w.now_ms,
            &plan_id,
            m,
            &w.by.user_id,
            &text,
            &snapshot,
        )
        .await?)
}

/// The bureau's edit of a draft's text. Returns whether anything changed.
pub async fn update_summary(
    w: &Writer<'_>,
    plans: &PlanCache,
    month: &str,
    today: Date,
    input: &SummaryText,
) -> Result<bool, ServiceError> {
    require_writer(w.by)?;
    let (plan_id, _, m) = month_of(w.store, plans, month, today).await?;
    let text = parse_text(input)?;
    Ok(w.store
        .update_summary_text(&w.actor(), w.now_ms, &plan_id, m, &w.by.user_id, &text)
        .await?)
}

/// Marks the draft sent to HQ: from now on HQ reads it and it is read-only.
pub async fn send_summary(
    w: &Writer<'_>,
    plans: &PlanCache,
    month: &str,
    today: Date,
) -> Result<(), ServiceError> {
    require_writer(w.by)?;
    let (plan_id, _, m) = month_of(w.store, plans, month, today).await?;
    Ok(w.store
        .send_summary(&w.actor(), w.now_ms, &plan_id, m, &w.by.user_id)
        .await?)
}

/// 撤回: the bureau takes a sent summary back to draft for a correction (audited).
pub async fn recall_summary(
    w: &Writer<'_>,
    plans: &PlanCache,
    month: &str,
    today: Date,
) -> Result<(), ServiceError> {
    require_writer(w.by)?;
    let (plan_id, _, m) = month_of(w.store, plans, month, today).await?;
    Ok(w.store
        .recall_summary(&w.actor(), w.now_ms, &plan_id, m, &w.by.user_id)
        .await?)
}

/// Which file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Docx,
    Xlsx,
}

/// A summary's export (whoever may read it), written into the audit log: its file name and bytes.
pub async fn export_summary(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    month: &str,
    today: Date,
    now_ms: i64,
    kind: ExportKind,
) -> Result<(String, Vec<u8>), ServiceError> {
    let s = get_summary(store, plans, viewer, month, today).await?;
    // The document is dated the day it was sent, or (a draft) today.
    let dated = s
        .sent_at
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.to_zoned(shanghai()).date())
        .unwrap_or(today);
    let internal =
        |e: String| ServiceError::Store(crate::store::StoreError::Internal(anyhow::anyhow!(e)));
    let (name, bytes) = match kind {
        ExportKind::Docx => (
            format!("{}月度汇总.docx", s.month.label()),
            crate::exports::summary::summary_docx(&s.text, &s.snapshot, dated)
                .map_err(|e| internal(e.to_string()))?,
        ),
        ExportKind::Xlsx => (
            format!("{}月度汇总.xlsx", s.month.label()),
            crate::exports::summary::summary_xlsx(&s.text, &s.snapshot)
                .map_err(|e| internal(e.to_string()))?,
        ),
    };
    crate::services::reads::record_read(
        store,
        viewer,
        now_ms,
        crate::services::reads::Read::Export,
        "monthly_summary",
        Some(&s.id),
        serde_json::json!({ "file": name, "month": s.month.to_string() }),
    )
    .await?;
    Ok((name, bytes))
}
