//! Opening a group for one user: the page, the JSON call and the export all start here, so a
//! group the user may not see is a 404 before anything else is read or written. The writes of a
//! group's workspace (agreement, team, on-site service, practice bases) live in the submodules,
//! one per noun: the web form and the JSON API call the same function, so both validate,
//! authorise and audit alike.

pub mod agreement;
pub mod annual_plans;
pub mod bases;
pub mod coordination;
pub mod expense_import;
pub mod expenses;
pub mod glance;
pub mod matters;
pub mod meetings;
pub mod onsite;
pub mod projects;
pub mod team;
pub mod work_plan;
pub mod year_page;

use super::ServiceError;
use super::access::{self, Viewer};
use crate::domain::FieldErrors;
use crate::domain::ids::{AttachmentId, GroupId, OrgId};
use crate::domain::plan::{Plan, PlanYears};
use crate::services::compliance::{GroupChecks, checks_of_group};
use crate::store::attachments::AttachmentRow;
use crate::store::files::{CheckedFile, FileKind, FileStore, check_upload};
use crate::store::plans::PlanCache;
use crate::store::{Actor, GroupRow, GroupView, Store, StoreError};
use jiff::civil::Date;
use std::sync::Arc;

/// A group opened for one user: what they may see, and whether they may write.
pub struct OpenedGroup {
    pub view: GroupView,
    /// The plan the group belongs to, parsed once, as first loaded (forms and labels).
    pub plan: Arc<Plan>,
    /// The plan with its later versions: a year's verdicts follow the version in force that year.
    pub years: Arc<PlanYears>,
    pub today: Date,
    pub can_edit: bool,
    /// A former member's view (its organisation left the group): who it is and the day it left.
    pub former: Option<(OrgId, Date)>,
}

impl OpenedGroup {
    pub fn group(&self) -> &GroupRow {
        &self.view.group
    }

    /// The group's verdicts for `year`, from the one evaluator, under the plan in force that year.
    pub async fn checks(&self, store: &Store, year: i16) -> Result<GroupChecks, ServiceError> {
        let plan = self.years.for_year(year).clone();
        Ok(checks_of_group(store, plan, &self.view.group, year, self.today).await?)
    }

    /// The largest file the group's plan accepts, in bytes.
    pub fn attachment_limit(&self) -> usize {
        self.plan.rules.attachment_max_mb as usize * 1024 * 1024
    }

    /// Whether the viewer sees a record of the group made at `created_ms` by `by_org`: a former
    /// member (结对调整) sees those made before it left and those it made itself; everyone else
    /// who sees the group sees them all. Every list and detail of the group's records asks here.
    pub fn shows(&self, created_ms: i64, by_org: Option<&OrgId>) -> bool {
        match &self.former {
            None => true,
            Some((org, until)) => by_org == Some(org) || created_ms < start_of_day_ms(*until),
        }
    }

    /// A former member's view of the group's records, for a list's query (none for everyone
    /// else).
    pub fn seen_by(&self) -> Option<crate::store::adjustments::SeenBy> {
        self.former
            .as_ref()
            .map(|(org, until)| crate::store::adjustments::SeenBy {
                org: org.clone(),
                before_ms: start_of_day_ms(*until),
            })
    }

    /// Keeps the records of `rows` the viewer sees ([`Self::shows`]).
    pub fn visible<T>(&self, rows: Vec<T>, made: impl Fn(&T) -> (i64, Option<&OrgId>)) -> Vec<T> {
        if self.former.is_none() {
            return rows;
        }
        rows.into_iter()
            .filter(|r| {
                let (at, by) = made(r);
                self.shows(at, by)
            })
            .collect()
    }

    /// Keeps the rows of `table` a former member sees (made before it left, or by it), by id;
    /// everyone else sees them all. For the records that keep their maker as a user.
    pub async fn visible_records<T>(
        &self,
        store: &Store,
        table: crate::store::adjustments::RecordTable,
        rows: Vec<T>,
        id: impl Fn(&T) -> String,
    ) -> Result<Vec<T>, ServiceError> {
        let Some((org, until)) = &self.former else {
            return Ok(rows);
        };
        let seen = store
            .records_made_before_or_by(table, &self.group().id, start_of_day_ms(*until), org)
            .await?;
        Ok(rows.into_iter().filter(|r| seen.contains(&id(r))).collect())
    }

    /// Whether a former member sees the record `id` of `table` (everyone else: yes).
    pub async fn shows_record(
        &self,
        store: &Store,
        table: crate::store::adjustments::RecordTable,
        id: &str,
    ) -> Result<bool, ServiceError> {
        let Some((org, until)) = &self.former else {
            return Ok(true);
        };
        Ok(store
            .records_made_before_or_by(table, &self.group().id, start_of_day_ms(*until), org)
            .await?
            .contains(id))
    }

    pub fn require_edit(&self) -> Result<(), ServiceError> {
        if self.can_edit {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// The first moment of `day`, Asia/Shanghai, in Unix ms.
pub fn start_of_day_ms(day: Date) -> i64 {
    day.to_zoned(crate::domain::shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MAX)
}

/// Opens group `id` (as written in a URL) for `viewer`: not found when the id is malformed, the
/// group does not exist or the viewer may not see it; forbidden for roles without business data.
pub async fn open_group(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    id: &str,
    today: Date,
) -> Result<OpenedGroup, ServiceError> {
    access::require_business(viewer)?;
    let id = GroupId::parse(id).ok_or(ServiceError::NotFound)?;
    let view = store
        .get_group(&access::group_scope(viewer), &id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let years = plans
        .years(store, &view.group.plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let plan = years.original().clone();
    let can_edit = access::may_edit_group(viewer, &view.group, today);
    let former = access::former_member_until(viewer, &view.group, today)
        .map(|until| (viewer.org_id.clone(), until));
    Ok(OpenedGroup {
        view,
        plan,
        years,
        today,
        can_edit,
        former,
    })
}

/// An attachment's record, for a viewer who may see its group (and, a former member, the
/// meeting or project it belongs to); not found otherwise.
pub async fn open_attachment(
    store: &Store,
    viewer: &Viewer,
    id: &str,
    today: Date,
) -> Result<AttachmentRow, ServiceError> {
    access::require_business(viewer)?;
    let id = AttachmentId::parse(id).ok_or(ServiceError::NotFound)?;
    let file = store
        .get_attachment(&id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    // A case's images are read through the case (`services::cases::case_image`), which knows
    // who sees a draft; not here.
    if file.owner == crate::domain::ids::AttachmentOwner::Case {
        return Err(ServiceError::NotFound);
    }
    let view = store
        .get_group(&access::group_scope(viewer), &file.group_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if let Some(until) = access::former_member_until(viewer, &view.group, today) {
        use crate::domain::ids::AttachmentOwner;
        use crate::store::adjustments::RecordTable;
        let table = match file.owner {
            AttachmentOwner::Meeting => Some(RecordTable::Meetings),
            AttachmentOwner::Project => Some(RecordTable::Projects),
            _ => None,
        };
        if let Some(table) = table
            && !store
                .records_made_before_or_by(
                    table,
                    &file.group_id,
                    start_of_day_ms(until),
                    &viewer.org_id,
                )
                .await?
                .contains(&file.owner_id)
        {
            return Err(ServiceError::NotFound);
        }
    }
    Ok(file)
}

/// The file's record and its bytes, for a viewer who may see its group (the web's `/files/{id}`
/// and the API's download both ask here); the download is written into the audit log.
pub async fn read_attachment(
    store: &Store,
    files: &FileStore,
    viewer: &Viewer,
    id: &str,
    now_ms: i64,
) -> Result<(AttachmentRow, Vec<u8>), ServiceError> {
    let today = jiff::Timestamp::from_millisecond(now_ms)
        .map(|t| t.to_zoned(crate::domain::shanghai()).date())
        .map_err(|e| StoreError::Internal(e.into()))?;
    let file = open_attachment(store, viewer, id, today).await?;
    let bytes = read_recorded(
        store,
        files,
        viewer,
        now_ms,
        &file.sha256,
        ("attachment", file.id.as_str()),
        serde_json::json!({ "file": file.file_name, "group_id": file.group_id.as_str(), "size": file.size_bytes }),
    )
    .await?;
    Ok((file, bytes))
}

/// A stored file's bytes by digest, the download recorded in the audit log as `entity` (its
/// kind and id) with `detail`.
pub async fn read_recorded(
    store: &Store,
    files: &FileStore,
    viewer: &Viewer,
    now_ms: i64,
    sha256: &str,
    entity: (&str, &str),
    detail: serde_json::Value,
) -> Result<Vec<u8>, ServiceError> {
    let bytes = files.read(sha256).await.map_err(|e| {
        StoreError::Internal(anyhow::anyhow!("{} {} unreadable: {e}", entity.0, entity.1))
    })?;
    crate::services::reads::record_read(
        store,
        viewer,
        now_ms,
        crate::services::reads::Read::Download,
        entity.0,
        Some(entity.1),
        detail,
    )
    .await?;
    Ok(bytes)
}

/// One write to a group's records: who makes it, when, and the stores it goes to.
pub struct Writer<'a> {
    pub store: &'a Store,
    pub files: &'a FileStore,
    pub by: &'a Viewer,
    pub now_ms: i64,
}

impl Writer<'_> {
    pub fn actor(&self) -> Actor {
        self.by.actor()
    }
}

/// A file as it arrived (a form's file input or a multipart API call), not yet checked.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Checks each upload's size and type against the plan's limit; the ones that fail add their
/// error (named `field`) to `errors`, so the caller reports them together with the form's.
pub(crate) fn check_uploads(
    errors: &mut FieldErrors,
    field: &'static str,
    uploads: Vec<Upload>,
    limit: usize,
    allowed: &[FileKind],
) -> Vec<CheckedFile> {
    uploads
        .into_iter()
        .filter_map(|f| errors.take(check_upload(field, &f.file_name, f.bytes, limit, allowed)))
        .collect()
}

/// Stores the uploaded files, then runs the write that records them. When the write fails, the
/// files this request added (and that no record refers to) are removed again, so a failed upload
/// stores nothing.
pub(crate) async fn write_with_files<T, Fut>(
    w: &Writer<'_>,
    files: &[CheckedFile],
    write: impl FnOnce() -> Fut,
) -> Result<T, ServiceError>
where
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    // Files first (content-addressed, so a retry reuses them).
    let added = w
        .files
        .put_all(files)
        .await
        .map_err(|e| StoreError::Internal(e.into()))?;
    match write().await {
        Ok(v) => {
            // A file that was there already (another record's) may have been removed by a
            // removal of that record running at the same moment, which found no row referring
            // to it before this write committed. Now that this write's rows are committed, a
            // later removal sees them, so putting such files back (a no-op when present) leaves
            // a row without its file only when a removal's check and delete straddle both this
            // commit and this check (content-addressed files have no lock across instances).
            for f in files.iter().filter(|f| !added.contains(&f.sha256)) {
                match w.files.put(f).await {
                    Ok(true) => {
                        tracing::warn!(sha256 = %f.sha256, "restored a file removed while it was uploaded again")
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, sha256 = %f.sha256, "could not check an uploaded file")
                    }
                }
            }
            Ok(v)
        }
        Err(e) => {
            match w.store.unreferenced_digests(&added).await {
                Ok(orphans) => w.files.remove_all(&orphans).await,
                Err(e) => tracing::warn!(error = %e, "could not check uploaded files for removal"),
            }
            Err(e.into())
        }
    }
}

/// After a write that removed attachment rows: removes the files of `digests` that no row refers
/// to any more (content-addressed, so another record may still hold the same file). A file that
/// cannot be removed now is only disk space, never a wrong record: the write stands.
pub(crate) async fn remove_unreferenced(w: &Writer<'_>, digests: &[String]) {
    match w.store.unreferenced_digests(digests).await {
        Ok(orphans) => w.files.remove_all(&orphans).await,
        Err(e) => tracing::warn!(error = %e, "could not check removed attachments' files"),
    }
}
