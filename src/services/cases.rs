//! 典型案例与新闻 (五(四)): a group's schools, town and villages write typical cases and news
//! items and send them for review; the bureau publishes them (they appear on the public pages at
//! once), returns them with a comment, or takes a published one down (gone from public view at
//! once). The web pages and the API call these functions, so both check alike.

use super::ServiceError;
use super::access::{self, Viewer};
use super::workspace::{OpenedGroup, Writer, open_group};
use crate::domain::case::{CaseInput, CaseState, parse_case, parse_comment};
use crate::domain::ids::CaseId;
use crate::store::Store;
use crate::store::cases::{CaseMove, CaseRow, NOT_EDITABLE, PublishedFilter};
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

/// Withdraws an item never published (written by mistake).
pub async fn withdraw_case(w: &Writer<'_>, ws: &OpenedGroup, id: &str) -> Result<(), ServiceError> {
    let c = group_case(w.store, ws, w.by, id).await?;
    require_author(ws, w.by, &c)?;
    Ok(w.store.withdraw_case(&w.actor(), w.now_ms, &c.id).await?)
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
