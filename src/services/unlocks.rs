//! 解锁申请 (五(三)): a school asks to unlock its own accepted monthly report; the bureau grants
//! or refuses; HQ reads the requests; towns and villages have nothing to do with them. One
//! function per action, for the web form, the JSON API and the export alike.
//!
//! The lock itself is checked inside every dated record's write (`store::locks::locked_by`), so
//! nothing here is needed for a write to be refused.

use super::ServiceError;
use super::access::{Viewer, require_business};
use super::workspace::Writer;
use crate::domain::ids::{OrgId, PlanId, UnlockRequestId};
use crate::domain::monthly::ReportState;
use crate::domain::org::OrgKind;
use crate::domain::plan::Month;
use crate::domain::unlock::{parse_grant_comment, parse_month, parse_reason, parse_refusal};
use crate::domain::user::Role;
use crate::store::Store;
use crate::store::plans::PlanCache;
use crate::store::unlocks::{ReportStanding, UnlockFilter, UnlockRow};

/// One school's report for one month, opened for an unlock.
#[derive(Debug, Clone)]
pub struct UnlockTarget {
    pub plan_id: PlanId,
    pub month: Month,
    pub school_id: OrgId,
    pub school_name: String,
    /// None: never touched (a draft).
    pub report: Option<ReportStanding>,
    /// The requests made for it, latest first.
    pub requests: Vec<UnlockRow>,
}

impl UnlockTarget {
    pub fn accepted(&self) -> bool {
        self.report
            .as_ref()
            .is_some_and(|r| r.state == ReportState::Accepted)
    }

    pub fn open_request(&self) -> Option<&UnlockRow> {
        self.requests
            .iter()
            .find(|r| r.state == crate::domain::unlock::UnlockState::Open)
    }

    /// The report's state in words (草稿 for one never touched).
    pub fn report_label(&self) -> &'static str {
        match &self.report {
            Some(r) => r.state.label(r.version),
            None => ReportState::Draft.label(0),
        }
    }
}

/// Who may read a school's unlock requests: the school itself (another school's are not found),
/// the bureau and HQ; towns and villages none.
fn may_read_school(viewer: &Viewer, school: &OrgId) -> Result<(), ServiceError> {
    require_business(viewer)?;
    match viewer.role {
        Role::Bureau | Role::Hq => Ok(()),
        Role::School if &viewer.org_id == school => Ok(()),
        Role::School => Err(ServiceError::NotFound),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Whether the viewer may ask to unlock this report now: a user of that school, while the report
/// is accepted and no request of it waits.
pub fn may_request(viewer: &Viewer, t: &UnlockTarget) -> bool {
    viewer.role == Role::School
        && viewer.org_id == t.school_id
        && t.accepted()
        && t.open_request().is_none()
}

/// Whether the viewer decides requests (the bureau).
pub fn may_decide(viewer: &Viewer) -> bool {
    viewer.role == Role::Bureau
}

/// School `school`'s report for `month` (as written in a URL) under the current plan, with its
/// unlock requests, for a viewer who may read them.
pub async fn open_target(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    month: &str,
    school: &str,
) -> Result<UnlockTarget, ServiceError> {
    require_business(viewer)?;
    let school_id = OrgId::parse(school).ok_or(ServiceError::NotFound)?;
    may_read_school(viewer, &school_id)?;
    let month = parse_month(month)?;
    let org = store
        .get_organisation(&school_id)
        .await?
        .filter(|o| matches!(o.kind, OrgKind::University | OrgKind::VocationalSchool))
        .ok_or(ServiceError::NotFound)?;
    let (plan_id, _) = plans.current(store).await?.ok_or(ServiceError::NotFound)?;
    let report = store.report_standing(&plan_id, &school_id, month).await?;
    let requests = match &report {
        Some(r) => store.unlocks_of_report(&r.id).await?,
        None => Vec::new(),
    };
    Ok(UnlockTarget {
        plan_id,
        month,
        school_id,
        school_name: org.name,
        report,
        requests,
    })
}

/// A school user asks to unlock its own accepted report, with a reason. Another school's report
/// is not found; the bureau, HQ, towns and villages may not ask (403); a report that is not
/// accepted, or has a request waiting, is a conflict (409).
pub async fn request_unlock(
    w: &Writer<'_>,
    plans: &PlanCache,
    month: &str,
    school: &str,
    reason: &str,
) -> Result<UnlockRequestId, ServiceError> {
    let t = open_target(w.store, plans, w.by, month, school).await?;
    if w.by.role != Role::School {
        return Err(ServiceError::Forbidden);
    }
    let reason = parse_reason(reason)?;
    Ok(w.store
        .request_unlock(
            &w.actor(),
            w.now_ms,
            &t.plan_id,
            &t.school_id,
            t.month,
            &w.by.user_id,
            &reason,
        )
        .await?)
}

/// The requests the viewer may read, matching `filter` (a school sees its own only), a page of
/// them (all when `page` is none: the export), how many match and how many of those are open.
pub async fn list_unlocks(
    store: &Store,
    viewer: &Viewer,
    filter: UnlockFilter,
    page: Option<(i64, i64)>,
) -> Result<(Vec<UnlockRow>, i64, i64), ServiceError> {
    require_business(viewer)?;
    let filter = match viewer.role {
        Role::Bureau | Role::Hq => filter,
        Role::School => UnlockFilter {
            school: Some(viewer.org_id.clone()),
            ..filter
        },
        _ => return Err(ServiceError::Forbidden),
    };
    Ok(store.list_unlocks(&filter, page).await?)
}

/// One request, for a viewer who may read its school's requests (not found otherwise for a
/// school, so ids leak nothing).
pub async fn unlock(store: &Store, viewer: &Viewer, id: &str) -> Result<UnlockRow, ServiceError> {
    require_business(viewer)?;
    let id = UnlockRequestId::parse(id).ok_or(ServiceError::NotFound)?;
    let row = store.get_unlock(&id).await?.ok_or(ServiceError::NotFound)?;
    may_read_school(viewer, &row.school_id)?;
    Ok(row)
}

/// The bureau grants a request: the report goes back to 退回 ("准予解锁：…", the bureau's comment
/// or the school's reason) and its month's records may be corrected until it is accepted again.
pub async fn grant_unlock(w: &Writer<'_>, id: &str, comment: &str) -> Result<(), ServiceError> {
    let row = unlock(w.store, w.by, id).await?;
    if !may_decide(w.by) {
        return Err(ServiceError::Forbidden);
    }
    let comment = parse_grant_comment(comment)?;
    Ok(w.store
        .grant_unlock(
            &w.actor(),
            w.now_ms,
            &row.id,
            &w.by.user_id,
            comment.as_deref(),
        )
        .await?)
}

/// The bureau refuses a request, saying why; the report stays accepted and its month locked.
pub async fn refuse_unlock(w: &Writer<'_>, id: &str, reason: &str) -> Result<(), ServiceError> {
    let row = unlock(w.store, w.by, id).await?;
    if !may_decide(w.by) {
        return Err(ServiceError::Forbidden);
    }
    let reason = parse_refusal(reason)?;
    Ok(w.store
        .refuse_unlock(&w.actor(), w.now_ms, &row.id, &w.by.user_id, &reason)
        .await?)
}

/// The most requests an export holds (far beyond any programme's count; an export stays bounded).
pub const EXPORT_LIMIT: i64 = 100_000;
