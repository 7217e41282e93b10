//! 典型案例与新闻 (五(四)): a group's schools, town and villages write typical cases and news
//! items and send them for review; the bureau publishes them (they appear on the public pages at
//! once), returns them with a comment, or takes a published one down (gone from public view at
//! once). The web pages and the API call these functions, so both check alike.

use super::ServiceError;
use super::access::{self, Viewer};
use super::workspace::{
    OpenedGroup, Upload, Writer, check_uploads, open_group, remove_unreferenced, write_with_files,
};
use crate::domain::case::{CaseInput, CaseState, parse_case, parse_comment};
use crate::domain::ids::{AttachmentId, AttachmentOwner, CaseId};
use crate::domain::{FieldError, FieldErrors};
use crate::store::Store;
use crate::store::attachments::AttachmentRow;
use crate::store::cases::{CaseMove, CaseRow, NOT_EDITABLE, PublishedFilter};
use crate::store::files::{FileKind, FileStore};
use crate::store::plans::PlanCache;
use jiff::civil::Date;

fn case_id(id: &str) -> Result<CaseId, ServiceError> {
    CaseId::parse(id).ok_or(ServiceError::NotFound)
}

/// Whether the viewer may write the opened group's items.
pub fn may_write(ws: &OpenedGroup, viewer: &Viewer) -> bool {
    access::may_write_cases(viewer, ws.group(), ws.today)
}

fn require_writer(ws: &OpenedGroup, viewer: &Viewer) -> Result<(), ServiceError> {
    if may_write(ws, viewer) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Whether the viewer may correct, submit and withdraw `c`: a user of the organisation that
/// wrote it, while it is a member of the group (its name is on the item when published).
pub fn may_change(ws: &OpenedGroup, viewer: &Viewer, c: &CaseRow) -> bool {
    may_write(ws, viewer) && viewer.org_id == c.written_by_org_id
}

fn require_author(ws: &OpenedGroup, viewer: &Viewer, c: &CaseRow) -> Result<(), ServiceError> {
    if may_change(ws, viewer, c) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Whether the viewer sees `c`: a draft is its group's own (the bureau and HQ see an item once
/// it is sent for review).
/// A former member (结对调整) sees only the items written before it left and its own.
fn visible(ws: &OpenedGroup, viewer: &Viewer, c: &CaseRow) -> bool {
    (c.state != CaseState::Draft || may_write(ws, viewer))
        && ws.shows(c.created_at, Some(&c.written_by_org_id))
}

/// The group's items as the viewer may see them, newest first.
pub async fn group_cases(
    store: &Store,
    ws: &OpenedGroup,
    viewer: &Viewer,
) -> Result<Vec<CaseRow>, ServiceError> {
    let rows = store.list_cases(&ws.group().id).await?;
    Ok(rows
        .into_iter()
        .filter(|c| visible(ws, viewer, c))
        .collect())
}

/// The group's item `id` as the viewer may see it; not found when it is another group's (or
/// none, or a draft the viewer does not see).
pub async fn group_case(
    store: &Store,
    ws: &OpenedGroup,
    viewer: &Viewer,
    id: &str,
) -> Result<CaseRow, ServiceError> {
    let id = case_id(id)?;
    store
        .get_case(&id)
        .await?
        .filter(|c| c.group_id == ws.group().id && visible(ws, viewer, c))
        .ok_or(ServiceError::NotFound)
}

/// An item by id with its group opened for the viewer: not found when the viewer may not see
/// the group (the bureau's review links and the review API).
pub async fn open_case(
    store: &Store,
    plans: &PlanCache,
    viewer: &Viewer,
    id: &str,
    today: Date,
) -> Result<(OpenedGroup, CaseRow), ServiceError> {
    access::require_business(viewer)?;
    let id = case_id(id)?;
    let c = store.get_case(&id).await?.ok_or(ServiceError::NotFound)?;
    let ws = open_group(store, plans, viewer, c.group_id.as_str(), today).await?;
    if !visible(&ws, viewer, &c) {
        return Err(ServiceError::NotFound);
    }
    Ok((ws, c))
}

/// The ids of the group's projects, which an item may name.
async fn group_projects(
    store: &Store,
    ws: &OpenedGroup,
) -> Result<Vec<crate::domain::ids::ProjectId>, ServiceError> {
    Ok(store
        .project_titles(&ws.group().id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}

/// Writes a draft (the group's school, town and village users).
pub async fn add_case(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &CaseInput,
) -> Result<CaseId, ServiceError> {
    require_writer(ws, w.by)?;
    let c = parse_case(input, &ws.plan.areas, &group_projects(w.store, ws).await?)?;
    Ok(w.store
        .add_case(
            &w.actor(),
            w.now_ms,
            &ws.group().id,
            (&w.by.user_id, &w.by.org_id),
            &c,
        )
        .await?)
}

/// Corrects an item while the group may (draft, returned, taken down). Returns whether anything
/// changed.
pub async fn update_case(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &CaseInput,
) -> Result<bool, ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    require_author(ws, w.by, &c)?;
    if !c.state.editable() {
        return Err(ServiceError::Conflict(NOT_EDITABLE.into()));
    }
    let parsed = parse_case(input, &ws.plan.areas, &group_projects(w.store, ws).await?)?;
    Ok(w.store
        .update_case(&w.actor(), w.now_ms, &c.id, &parsed)
        .await?)
}

/// Sends an item for the bureau's review.
pub async fn submit_case(w: &Writer<'_>, ws: &OpenedGroup, id: &str) -> Result<(), ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    require_author(ws, w.by, &c)?;
    Ok(w.store
        .move_case(&w.actor(), w.now_ms, &c.id, CaseMove::Submit)
        .await?)
}

/// Withdraws an item never published (written by mistake), with its images.
pub async fn withdraw_case(w: &Writer<'_>, ws: &OpenedGroup, id: &str) -> Result<(), ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    require_author(ws, w.by, &c)?;
    let digests = w.store.withdraw_case(&w.actor(), w.now_ms, &c.id).await?;
    remove_unreferenced(w, &digests).await;
    Ok(())
}

/// What the bureau decides on an item.
pub enum Review<'a> {
    /// 通过: published today; with the version (`updated_at`) the reviewer read, when known.
    Publish(Option<i64>),
    /// 返回修改, with what to change.
    Return(&'a str),
    /// 撤下: off the public pages at once.
    Unpublish,
}

/// The bureau's review of an item of the opened group.
pub async fn review_case(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    review: Review<'_>,
) -> Result<(), ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    access::require_case_reviewer(w.by)?;
    let comment;
    let m = match review {
        Review::Publish(seen) => CaseMove::Publish {
            by: &w.by.user_id,
            on: ws.today,
            seen,
        },
        Review::Return(text) => {
            comment = parse_comment(text)?;
            CaseMove::Return {
                by: &w.by.user_id,
                comment: &comment,
            }
        }
        Review::Unpublish => CaseMove::Unpublish { by: &w.by.user_id },
    };
    Ok(w.store.move_case(&w.actor(), w.now_ms, &c.id, m).await?)
}

/// One page of the bureau's queue (the bureau and HQ read it; only the bureau acts): the page,
/// how many items in all and how many wait for review.
pub async fn case_queue(
    store: &Store,
    viewer: &Viewer,
    state: Option<CaseState>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CaseRow>, i64, i64), ServiceError> {
    if !access::sees_programme(viewer) {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.case_queue(state, limit, offset).await?)
}

/// Published items for the public pages (no sign-in): one page and the number in all.
pub async fn published(
    store: &Store,
    filter: &PublishedFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CaseRow>, i64), ServiceError> {
    Ok(store.published_cases(filter, limit, offset).await?)
}

/// A published item for its public page: not found when there is none by that id or it is not
/// (or no longer) published.
pub async fn published_case(store: &Store, id: &str) -> Result<CaseRow, ServiceError> {
    let id = case_id(id)?;
    store
        .get_case(&id)
        .await?
        .filter(|c| c.state == CaseState::Published)
        .ok_or(ServiceError::NotFound)
}

/// What an image of an item's body may be.
const IMAGE_KINDS: [FileKind; 2] = [FileKind::Jpeg, FileKind::Png];

/// The address an item's body uses for one of its images: the same for the group's preview and
/// for public readers (it answers publicly while the item is published).
pub fn image_src(case: &CaseId, image: &AttachmentId) -> String {
    format!("/public/cases/{case}/images/{image}")
}

/// An item's images (those who see the item see them).
pub async fn case_images(store: &Store, c: &CaseRow) -> Result<Vec<AttachmentRow>, ServiceError> {
    Ok(store.case_images(&c.id).await?)
}

/// Adds images (JPEG or PNG, each within the plan's size limit) for an item's body while its
/// writing organisation may correct it; every file's error at once, nothing stored when there is
/// one. Returns how many were added.
pub async fn add_images(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    uploads: Vec<Upload>,
) -> Result<usize, ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    require_author(ws, w.by, &c)?;
    if !c.state.editable() {
        return Err(ServiceError::Conflict(NOT_EDITABLE.into()));
    }
    if uploads.is_empty() {
        return Err(FieldErrors::from(FieldError::new("图片", "请至少选择一张图片")).into());
    }
    let mut errors = FieldErrors::default();
    let files = check_uploads(
        &mut errors,
        "图片",
        uploads,
        ws.attachment_limit(),
        &IMAGE_KINDS,
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let n = files.len();
    let group = ws.group().id.clone();
    let actor = w.actor();
    write_with_files(w, &files, || {
        w.store
            .add_case_images(&actor, w.now_ms, &group, &c.id, &files)
    })
    .await?;
    Ok(n)
}

/// Removes one image of an item while its writing organisation may correct it; its file goes
/// when no other row refers to it. Returns the image's file name.
pub async fn remove_image(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    image: &str,
) -> Result<String, ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    require_author(ws, w.by, &c)?;
    let image = AttachmentId::parse(image).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_case_image(&w.actor(), w.now_ms, &c.id, &image)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}

/// One image of an item with its bytes: for anyone while the item is published; otherwise only
/// for a signed-in viewer who sees the item (the group's preview, the bureau's review). Not
/// found in every other case (no such item or image, or the image is another item's).
pub async fn case_image(
    store: &Store,
    files: &FileStore,
    plans: &PlanCache,
    viewer: Option<&Viewer>,
    id: &str,
    image: &str,
    today: Date,
) -> Result<(AttachmentRow, Vec<u8>), ServiceError> {
    let case = case_id(id)?;
    let image = AttachmentId::parse(image).ok_or(ServiceError::NotFound)?;
    let c = store.get_case(&case).await?.ok_or(ServiceError::NotFound)?;
    if c.state != CaseState::Published {
        let viewer = viewer.ok_or(ServiceError::NotFound)?;
        open_case(store, plans, viewer, id, today).await?;
    }
    let row = store
        .get_attachment(&image)
        .await?
        .filter(|a| a.owner == AttachmentOwner::Case && a.owner_id == c.id.as_str())
        .ok_or(ServiceError::NotFound)?;
    let bytes = files.read(&row.sha256).await.map_err(|e| {
        crate::store::StoreError::Internal(anyhow::anyhow!("case image {} unreadable: {e}", row.id))
    })?;
    Ok((row, bytes))
}
