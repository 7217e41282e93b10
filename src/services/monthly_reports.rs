//! 月度进展报告 (五(三)): every action on a school's monthly report, once, for the web pages and
//! the JSON API. Who may do what:
//!
//! - a school user sees and writes only its own organisation's reports (another school's is
//!   "not found", so ids leak nothing); it saves, refreshes the pre-fill and submits;
//! - a town or village user reads the reports of the schools in its groups (both memberships
//!   during the month);
//! - the bureau reads all and reviews (accept, return with a comment, a paper copy after
//!   submissions closed); HQ reads all.
//!
//! Months run from the plan's first report month to the current month; nothing else exists.

use super::ServiceError;
use super::access::{self, Viewer};
use super::workspace::Writer;
use crate::domain::ids::{OrgId, PlanId};
use crate::domain::monthly::{Deadline, Rates, ReportState, Timeliness, deadline, timeliness};
use crate::domain::monthly_report::{
    COMMENT_FIELD, PAPER_NOTE_FIELD, ReportInput, closed_message, parse_comment,
    parse_optional_comment, parse_report,
};
use crate::domain::org::{MemberRole, OrgKind};
use crate::domain::plan::{Month, Plan, PlanYears};
use crate::domain::user::Role;
use crate::store::monthly::{MonthRoll, RollEntry};
use crate::store::monthly_reports::{
    Prefill, PrefillSource, ReportKey, ReportRow, Review, VersionRow,
};
use crate::store::plans::PlanCache;
use crate::store::{GroupFilter, GroupMember, GroupRow, GroupScope, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// The most groups one organisation's list holds (far beyond any programme).
const MAX_GROUPS: i64 = 10_000;

use crate::domain::monthly::date_of_ms as date_of;

/// The plan in force with its versions by year (a month is due as its year's version says);
/// without one there are no reports.
async fn current_plan(
    store: &Store,
    plans: &PlanCache,
) -> Result<(PlanId, Arc<PlanYears>), ServiceError> {
    plans
        .current_years(store)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Whether the membership spans any day of the month.
fn member_during(m: &GroupMember, month: Month) -> bool {
    m.effective_from <= month.last_day() && m.effective_to.is_none_or(|to| to > month.first_day())
}

/// Whether the group was active on any day of the month.
fn group_during(g: &GroupRow, month: Month) -> bool {
    g.started_on <= month.last_day() && g.ended_on.is_none_or(|e| e > month.first_day())
}

fn is_school(role: MemberRole) -> bool {
    matches!(role, MemberRole::University | MemberRole::VocationalSchool)
}

async fn groups_of(store: &Store, org: &OrgId) -> Result<Vec<GroupRow>, ServiceError> {
    let (rows, _) = store
        .list_groups(
            &GroupScope::Member(org.clone()),
            &GroupFilter {
                q: None,
                limit: MAX_GROUPS,
                offset: 0,
            },
        )
        .await?;
    Ok(rows)
}

/// The groups a school served in during the month (its membership as a school and the group
/// both active on some day of it), in group-number order: what its report covers.
pub async fn school_groups(
    store: &Store,
    school: &OrgId,
    month: Month,
) -> Result<Vec<GroupRow>, ServiceError> {
    let mut rows: Vec<GroupRow> = groups_of(store, school)
        .await?
        .into_iter()
        .filter(|g| {
            group_during(g, month)
                && g.members
                    .iter()
                    .any(|m| &m.org_id == school && is_school(m.role) && member_during(m, month))
        })
        .collect();
    rows.sort_by_key(|g| g.number);
    Ok(rows)
}

/// The schools whose reports of `month` the viewer may read: `None` for all (bureau, HQ).
async fn visible_schools(
    store: &Store,
    viewer: &Viewer,
    month: Month,
) -> Result<Option<HashSet<OrgId>>, ServiceError> {
    access::require_business(viewer)?;
    if access::sees_programme(viewer) {
        return Ok(None);
    }
    if viewer.role == Role::School {
        return Ok(Some(HashSet::from([viewer.org_id.clone()])));
    }
    // A town or village: the schools of the groups it was in during the month.
    let mut out = HashSet::new();
    for g in groups_of(store, &viewer.org_id).await? {
        let mine = group_during(&g, month)
            && g.members
                .iter()
                .any(|m| m.org_id == viewer.org_id && member_during(m, month));
        if mine {
            out.extend(
                g.members
                    .iter()
                    .filter(|m| is_school(m.role) && member_during(m, month))
                    .map(|m| m.org_id.clone()),
            );
        }
    }
    Ok(Some(out))
}

/// The months that have reports at `now_ms`: the plan's first report month to the current one.
pub fn report_months(plan: &Plan, now_ms: i64) -> Vec<Month> {
    crate::domain::monthly::months_from(plan.report_start_month, Month::of(date_of(now_ms)))
}

/// The month the bureau's list opens at: the latest month whose due time has passed, else the
/// current month.
pub fn default_month(years: &PlanYears, now_ms: i64) -> Month {
    let plan = years.original();
    let current = Month::of(date_of(now_ms));
    let mut m = current;
    while m >= plan.report_start_month {
        if deadline(years.for_month(m), m).due_ms < now_ms {
            return m;
        }
        m = m.previous();
    }
    current.max(plan.report_start_month)
}

/// A month from a URL or a query: not found when malformed or outside the reporting months.
fn report_month(plan: &Plan, text: &str, now_ms: i64) -> Result<Month, ServiceError> {
    let m = Month::parse(text).ok_or(ServiceError::NotFound)?;
    if m < plan.report_start_month || m > Month::of(date_of(now_ms)) {
        return Err(ServiceError::NotFound);
    }
    Ok(m)
}

/// One month's reports as the viewer may see them.
pub struct MonthList {
    pub plan: Arc<Plan>,
    pub month: Month,
    /// The months the picker offers (first report month → current).
    pub months: Vec<Month>,
    /// The viewer's schools only (all of them for the bureau and HQ).
    pub roll: MonthRoll,
}

impl MonthList {
    /// Reporting and on-time rates over the schools listed.
    pub fn rates(&self) -> Rates {
        self.roll.rates()
    }
}

/// The month's reports the viewer may see; `month` is the `YYYY-MM` asked for (422 naming
/// `month` when it is not one of the reporting months), the default month when absent.
pub async fn month_list(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    month: Option<&str>,
    now_ms: i64,
) -> Result<MonthList, ServiceError> {
    access::require_business(viewer)?;
    let (plan_id, years) = current_plan(store, plans).await?;
    let plan = years.original().clone();
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => default_month(&years, now_ms),
        Some(text) => report_month(&plan, text, now_ms).map_err(|_| {
            crate::domain::FieldError::new(
                "month",
                format!(
                    "“{text}”不是可查看的月份：应为 {} 至 {} 之间的 YYYY-MM",
                    plan.report_start_month,
                    Month::of(date_of(now_ms))
                ),
            )
        })?,
    };
    let visible = visible_schools(store, viewer, month).await?;
    let mut roll = store
        .report_roll(&plan_id, &years, month, month, now_ms)
        .await?
        .pop()
        .unwrap_or(MonthRoll {
            deadline: deadline(years.for_month(month), month),
            entries: Vec::new(),
        });
    if let Some(v) = &visible {
        roll.entries.retain(|e| v.contains(&e.school));
    }
    Ok(MonthList {
        months: report_months(&plan, now_ms),
        plan,
        month,
        roll,
    })
}

/// One of a school's months, for its own list.
pub struct SchoolMonth {
    pub deadline: Deadline,
    /// The school was a member on the due date (it owes this month's report).
    pub expected: bool,
    pub state: ReportState,
    pub version: i64,
    pub timeliness: Timeliness,
    pub paper: bool,
}

/// A school's own months, newest first (a school user only).
pub async fn school_months(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    now_ms: i64,
) -> Result<Vec<SchoolMonth>, ServiceError> {
    viewer.require(&[Role::School])?;
    let (plan_id, years) = current_plan(store, plans).await?;
    let months = report_months(years.original(), now_ms);
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let rolls = store
        .report_roll(&plan_id, &years, *first, *last, now_ms)
        .await?;
    let mut out: Vec<SchoolMonth> = rolls
        .into_iter()
        .map(|roll| {
            let entry: Option<&RollEntry> = roll.entries.iter().find(|e| e.school == viewer.org_id);
            let d = roll.deadline;
            match entry {
                Some(e) => SchoolMonth {
                    deadline: d,
                    expected: e.expected,
                    state: e.state(),
                    version: e.report.as_ref().map_or(0, |r| r.version),
                    timeliness: e.timeliness,
                    paper: e.report.as_ref().is_some_and(|r| r.paper),
                },
                None => SchoolMonth {
                    deadline: d,
                    expected: false,
                    state: ReportState::Draft,
                    version: 0,
                    timeliness: timeliness(&d, None, now_ms),
                    paper: false,
                },
            }
        })
        .collect();
    out.reverse();
    Ok(out)
}

/// A school's report of a month, opened for one viewer.
pub struct OpenedReport {
    pub plan_id: PlanId,
    pub plan: Arc<Plan>,
    pub month: Month,
    pub deadline: Deadline,
    pub school_id: OrgId,
    pub school_name: String,
    /// The stored row; none while nobody has written to the report (an untouched draft).
    pub row: Option<ReportRow>,
    /// The row's pre-fill, or (untouched) the month's figures as recorded now.
    pub prefill: Prefill,
    pub timeliness: Timeliness,
    /// The viewer is a user of the school itself.
    pub is_owner: bool,
    pub now_ms: i64,
}

impl OpenedReport {
    pub fn state(&self) -> ReportState {
        self.row.as_ref().map_or(ReportState::Draft, |r| r.state)
    }

    pub fn version(&self) -> i64 {
        self.row.as_ref().map_or(0, |r| r.version)
    }

    fn submitted_ever(&self) -> bool {
        self.row
            .as_ref()
            .is_some_and(|r| r.first_submitted_at.is_some())
    }

    /// Submissions have closed (the bureau may accept a paper copy instead).
    pub fn closed(&self) -> bool {
        self.now_ms > self.deadline.closes_ms
    }

    /// Closed to the school: submissions closed and this report never submitted. Closing stops
    /// new submissions only — a report returned (or unlocked) after closing can still be
    /// corrected and resubmitted, keeping its first submission time.
    pub fn closed_to_school(&self) -> bool {
        self.closed() && !self.submitted_ever()
    }

    /// The school may still save, refresh and submit it.
    pub fn can_edit(&self) -> bool {
        self.is_owner && self.state().editable() && !self.closed_to_school()
    }

    /// The bureau may accept or return it (submitted, waiting for review).
    pub fn can_review(&self, viewer: &Viewer) -> bool {
        viewer.role == Role::Bureau && self.state().awaits_review()
    }

    /// The bureau may record a paper copy: submissions closed, never submitted, not accepted.
    pub fn can_accept_paper(&self, viewer: &Viewer) -> bool {
        viewer.role == Role::Bureau
            && self.closed()
            && !self.submitted_ever()
            && self.state() != ReportState::Accepted
    }

    /// The message a late submission gets.
    pub fn closed_message(&self) -> String {
        closed_message(self.month, date_of(self.deadline.closes_ms))
    }

    fn key(&self) -> ReportKey<'_> {
        ReportKey {
            plan_id: &self.plan_id,
            school: &self.school_id,
            month: self.month,
        }
    }
}

/// The month's figures of the school's groups, as recorded now.
async fn live_prefill(
    store: &Store,
    school: &OrgId,
    month: Month,
) -> Result<Prefill, ServiceError> {
    let groups = school_groups(store, school, month).await?;
    let sources: Vec<PrefillSource> = groups
        .iter()
        .map(|g| PrefillSource {
            id: g.id.clone(),
            number: g.number,
            lead_town: g.lead_town.clone(),
        })
        .collect();
    Ok(store.build_prefill(&sources, month).await?)
}

/// Opens school `school`'s report of `month` (both as written in a URL) for the viewer: not
/// found when either is malformed, the month is outside the reporting months, the organisation
/// is not a school, or the viewer may not see this school's reports.
pub async fn open_report(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    month: &str,
    school: &str,
    now_ms: i64,
) -> Result<OpenedReport, ServiceError> {
    access::require_business(viewer)?;
    let (plan_id, years) = current_plan(store, plans).await?;
    let month = report_month(years.original(), month, now_ms)?;
    // The report of a month is due, closed and judged as the plan in force for its year says.
    let plan = years.for_year(month.year).clone();
    let school_id = OrgId::parse(school).ok_or(ServiceError::NotFound)?;
    let (school_name, kind) = store
        .org_name_kind(&school_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !matches!(
        OrgKind::parse(&kind),
        Some(OrgKind::University | OrgKind::VocationalSchool)
    ) {
        return Err(ServiceError::NotFound);
    }
    if let Some(v) = visible_schools(store, viewer, month).await?
        && !v.contains(&school_id)
    {
        return Err(ServiceError::NotFound);
    }
    let key = ReportKey {
        plan_id: &plan_id,
        school: &school_id,
        month,
    };
    let row = store.find_report(&key).await?;
    let prefill = match &row {
        Some(r) => r.prefill.clone(),
        None => live_prefill(store, &school_id, month).await?,
    };
    let d = deadline(&plan, month);
    let first = row.as_ref().and_then(|r| r.first_submitted_at);
    Ok(OpenedReport {
        timeliness: timeliness(&d, first, now_ms),
        is_owner: viewer.role == Role::School && viewer.org_id == school_id,
        plan_id,
        plan,
        month,
        deadline: d,
        school_id,
        school_name,
        row,
        prefill,
        now_ms,
    })
}

/// The report's row, made now (pre-filled) on the first write.
async fn ensure(w: &Writer<'_>, r: &OpenedReport) -> Result<ReportRow, ServiceError> {
    if let Some(row) = &r.row {
        return Ok(row.clone());
    }
    Ok(w.store
        .ensure_report(&w.actor(), w.now_ms, &r.key(), &r.prefill)
        .await?)
}

/// The checks before the school writes: its own report (others were not found already), and
/// still open for submissions.
fn require_school_write(r: &OpenedReport) -> Result<(), ServiceError> {
    if !r.is_owner {
        return Err(ServiceError::Forbidden);
    }
    if r.closed_to_school() && r.state().editable() {
        return Err(ServiceError::Conflict(r.closed_message()));
    }
    Ok(())
}

/// Saves the school's text of its draft (or returned) report. Returns whether anything changed.
pub async fn save_report(
    w: &Writer<'_>,
    r: &OpenedReport,
    input: &ReportInput,
) -> Result<bool, ServiceError> {
    require_school_write(r)?;
    let text = parse_report(input, &r.plan)?;
    let row = ensure(w, r).await?;
    Ok(w.store
        .save_report_text(&w.actor(), w.now_ms, &row.id, &text)
        .await?)
}

/// Re-reads the month's figures into the pre-filled part (until the report is submitted).
pub async fn refresh_prefill(w: &Writer<'_>, r: &OpenedReport) -> Result<(), ServiceError> {
    require_school_write(r)?;
    let row = ensure(w, r).await?;
    let prefill = live_prefill(w.store, &r.school_id, r.month).await?;
    Ok(w.store
        .refresh_report_prefill(&w.actor(), w.now_ms, &row.id, &prefill)
        .await?)
}

/// Submits the school's report as it was last saved; returns the new version number.
pub async fn submit_report(w: &Writer<'_>, r: &OpenedReport) -> Result<i64, ServiceError> {
    require_school_write(r)?;
    let row = ensure(w, r).await?;
    Ok(w.store
        .submit_report(
            &w.actor(),
            w.now_ms,
            &row.id,
            &w.by.user_id,
            r.deadline.closes_ms,
            &r.closed_message(),
        )
        .await?)
}

fn require_reviewer(viewer: &Viewer) -> Result<(), ServiceError> {
    viewer.require(&[Role::Bureau])
}

/// The bureau accepts a submitted report (a comment is optional).
pub async fn accept_report(
    w: &Writer<'_>,
    r: &OpenedReport,
    comment: &str,
) -> Result<(), ServiceError> {
    require_reviewer(w.by)?;
    let comment = parse_optional_comment(comment)?;
    let row = r.row.as_ref().ok_or_else(not_submitted)?;
    Ok(w.store
        .review_report(
            &w.actor(),
            w.now_ms,
            &row.id,
            &w.by.user_id,
            Review::Accept,
            &comment,
        )
        .await?)
}

/// The bureau returns a submitted report with a comment saying what to change.
pub async fn return_report(
    w: &Writer<'_>,
    r: &OpenedReport,
    comment: &str,
) -> Result<(), ServiceError> {
    require_reviewer(w.by)?;
    let comment = parse_comment(COMMENT_FIELD, comment)?;
    let row = r.row.as_ref().ok_or_else(not_submitted)?;
    Ok(w.store
        .review_report(
            &w.actor(),
            w.now_ms,
            &row.id,
            &w.by.user_id,
            Review::Return,
            &comment,
        )
        .await?)
}

fn not_submitted() -> ServiceError {
    ServiceError::Conflict("该报告尚未提交，只有已提交待审核的报告可以审核".into())
}

/// The bureau accepts a paper copy of a report never submitted, after submissions closed.
pub async fn accept_paper(
    w: &Writer<'_>,
    r: &OpenedReport,
    note: &str,
) -> Result<(), ServiceError> {
    require_reviewer(w.by)?;
    let note = parse_comment(PAPER_NOTE_FIELD, note)?;
    if !r.closed() {
        return Err(ServiceError::Conflict(format!(
            "网上报送尚未截止（截止时间 {}），学校仍可在平台提交，暂不能登记纸质报告",
            crate::clock::format_ms(r.deadline.closes_ms)
        )));
    }
    let row = ensure(w, r).await?;
    Ok(w.store
        .accept_paper_report(
            &w.actor(),
            w.now_ms,
            &row.id,
            &w.by.user_id,
            r.deadline.closes_ms,
            &note,
        )
        .await?)
}

/// Every submitted version of the report (none while it was never submitted).
pub async fn versions(store: &Store, r: &OpenedReport) -> Result<Vec<VersionRow>, ServiceError> {
    match &r.row {
        Some(row) => Ok(store.report_versions(&row.id).await?),
        None => Ok(Vec::new()),
    }
}

/// Version `n` of the report; not found when there is no such version.
pub async fn version(store: &Store, r: &OpenedReport, n: &str) -> Result<VersionRow, ServiceError> {
    let n: i64 = n.trim().parse().map_err(|_| ServiceError::NotFound)?;
    versions(store, r)
        .await?
        .into_iter()
        .find(|v| v.version == n)
        .ok_or(ServiceError::NotFound)
}

/// How many reports wait for the bureau's review (its workbench) and the earliest month holding
/// one (where its queue starts); `None` for everyone else.
pub async fn waiting_for_review(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
) -> Result<Option<(i64, Option<Month>)>, ServiceError> {
    if viewer.role != Role::Bureau {
        return Ok(None);
    }
    match plans.current(store).await? {
        Some((id, _)) => Ok(Some((
            store.reports_waiting(&id).await?,
            store.oldest_waiting_month(&id).await?,
        ))),
        None => Ok(Some((0, None))),
    }
}

/// The row of an opened report's own file (a past report brought in by the history import).
pub async fn report_file(
    store: &Store,
    r: &OpenedReport,
) -> Result<Option<crate::store::monthly_reports::ReportFileRow>, ServiceError> {
    Ok(match &r.row {
        Some(row) => store.report_file(&row.id).await?,
        None => None,
    })
}

/// An opened report's own file and its bytes (not found when it has none), the download
/// recorded as every attachment's is.
pub async fn read_report_file(
    store: &Store,
    files: &crate::store::files::FileStore,
    viewer: &Viewer,
    r: &OpenedReport,
    now_ms: i64,
) -> Result<(crate::store::monthly_reports::ReportFileRow, Vec<u8>), ServiceError> {
    let file = report_file(store, r).await?.ok_or(ServiceError::NotFound)?;
    let bytes = super::workspace::read_recorded(
        store,
        files,
        viewer,
        now_ms,
        &file.sha256,
        ("monthly_report_file", &file.id),
        serde_json::json!({
            "file": file.file_name, "school_id": r.school_id.as_str(),
            "month": r.month.to_string(), "size": file.size_bytes,
        }),
    )
    .await?;
    Ok((file, bytes))
}
