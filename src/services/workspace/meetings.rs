//! 联席会议 (五(一)): recording a joint meeting, correcting it, withdrawing one entered by
//! mistake; each attending organisation confirming its attendance; the decisions taken and
//! their follow-up at a later meeting. The group's schools and towns record; everyone who sees
//! the group reads.

use super::{OpenedGroup, Upload, Writer, check_uploads, remove_unreferenced, write_with_files};
use crate::domain::FieldErrors;
use crate::domain::ids::{AttachmentId, DecisionId, MeetingId};
use crate::domain::meeting::{
    DecisionInput, DecisionLink, MeetingInput, NewDecision, parse_decision, parse_follow_up,
    parse_meeting,
};
use crate::services::ServiceError;
use crate::services::access::{self, Viewer};
use crate::store::Store;
use crate::store::adjustments::RecordTable;
use crate::store::files::FileKind;
use crate::store::meetings::{DecisionRow, MeetingRow};

/// Whether `viewer` may record the opened group's meetings.
pub fn may_record(viewer: &Viewer, ws: &OpenedGroup) -> bool {
    access::may_record_meetings(viewer, ws.group(), ws.today)
}

fn require_record(viewer: &Viewer, ws: &OpenedGroup) -> Result<(), ServiceError> {
    if may_record(viewer, ws) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Whether `viewer` may confirm their organisation's attendance at `m`.
pub fn may_confirm(viewer: &Viewer, ws: &OpenedGroup, m: &MeetingRow) -> bool {
    let attending: Vec<_> = m.attendees.iter().map(|a| a.org_id.clone()).collect();
    access::may_confirm_attendance(viewer, ws.group(), ws.today, &attending)
}

fn meeting_id(id: &str) -> Result<MeetingId, ServiceError> {
    MeetingId::parse(id).ok_or(ServiceError::NotFound)
}

/// The list's year as typed in a query string (none: every year).
pub fn parse_year_filter(year: Option<&str>) -> Result<Option<i16>, ServiceError> {
    match year.map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(None),
        Some(y) => Ok(Some(
            y.parse::<i16>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| {
                    crate::domain::FieldError::new("年度", format!("“{y}”不是年份，如 2026"))
                })?,
        )),
    }
}

pub async fn list_meetings(
    store: &Store,
    ws: &OpenedGroup,
    year: Option<i16>,
) -> Result<Vec<MeetingRow>, ServiceError> {
    let rows = store.list_meetings(&ws.group().id, year).await?;
    ws.visible_records(store, RecordTable::Meetings, rows, |m| m.id.to_string())
        .await
}

/// One of the group's meetings, for anyone who sees the group; not found for another group's.
pub async fn meeting(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<MeetingRow, ServiceError> {
    let m = store
        .get_meeting(&ws.group().id, &meeting_id(id)?)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !ws
        .shows_record(store, RecordTable::Meetings, m.id.as_str())
        .await?
    {
        return Err(ServiceError::NotFound);
    }
    Ok(m)
}

/// Records a meeting with its papers; every field error at once, nothing stored when there is one.
pub async fn add_meeting(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &MeetingInput,
    papers: Vec<Upload>,
) -> Result<MeetingId, ServiceError> {
    require_record(w.by, ws)?;
    let parsed = parse_meeting(input, &ws.group().calendar(), ws.today);
    let mut errors = match &parsed {
        Ok(_) => FieldErrors::default(),
        Err(e) => e.clone(),
    };
    let files = check_uploads(
        &mut errors,
        "会议材料",
        papers,
        ws.attachment_limit(),
        &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
    );
    let x = match parsed {
        Ok(x) if errors.is_empty() => x,
        _ => return Err(errors.into()),
    };
    let group = ws.group().id.clone();
    let actor = w.actor();
    write_with_files(w, &files, || {
        w.store.add_meeting(&actor, w.now_ms, &group, &x, &files)
    })
    .await
}

/// Adds papers to a recorded meeting.
pub async fn add_papers(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    papers: Vec<Upload>,
) -> Result<(), ServiceError> {
    require_record(w.by, ws)?;
    let m = meeting(w.store, ws, id).await?;
    let mut errors = FieldErrors::default();
    if papers.is_empty() {
        errors.push("会议材料", "请选择要上传的文件（PDF、JPEG 或 PNG）");
    }
    let files = check_uploads(
        &mut errors,
        "会议材料",
        papers,
        ws.attachment_limit(),
        &[FileKind::Pdf, FileKind::Jpeg, FileKind::Png],
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let group = ws.group().id.clone();
    let actor = w.actor();
    write_with_files(w, &files, || {
        w.store
            .add_meeting_papers(&actor, w.now_ms, &group, &m.id, &files)
    })
    .await
}

/// Removes one paper of a meeting (those who may record the group's meetings); its bytes go
/// when no other record refers to them. Returns its file name.
pub async fn remove_paper(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    file: &str,
) -> Result<String, ServiceError> {
    require_record(w.by, ws)?;
    let id = meeting_id(id)?;
    let file = AttachmentId::parse(file).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_meeting_paper(&w.actor(), w.now_ms, &ws.group().id, &id, &file)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}

/// Corrects a meeting with the same checks as recording one; not found for another group's.
/// Returns whether anything changed.
pub async fn update_meeting(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &MeetingInput,
) -> Result<bool, ServiceError> {
    require_record(w.by, ws)?;
    let row = meeting(w.store, ws, id).await?;
    let x = parse_meeting(input, &ws.group().calendar(), ws.today)?;
    Ok(w.store
        .update_meeting(&w.actor(), w.now_ms, &ws.group().id, &row.id, &x)
        .await?)
}

/// Withdraws a meeting entered by mistake, with its attendance, decisions and papers.
pub async fn withdraw_meeting(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
) -> Result<(), ServiceError> {
    require_record(w.by, ws)?;
    let id = meeting_id(id)?;
    let digests = w
        .store
        .withdraw_meeting(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?;
    remove_unreferenced(w, &digests).await;
    Ok(())
}

/// Confirms (`confirm`) or undoes the confirmation of the caller's organisation's attendance.
/// Refused, saying why, for an organisation the meeting does not list. Returns whether anything
/// changed.
pub async fn confirm_attendance(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    confirm: bool,
) -> Result<bool, ServiceError> {
    let m = meeting(w.store, ws, id).await?;
    if !may_confirm(w.by, ws, &m) {
        return Err(ServiceError::Refused(format!(
            "本次会议（{}）的参会单位中没有{}，不能确认参会；如确有参会，请联系记录会议的学校或镇街更正参会单位",
            m.held_on, w.by.org_name
        )));
    }
    Ok(w.store
        .set_attendance_confirmed(
            &w.actor(),
            w.now_ms,
            &ws.group().id,
            &m.id,
            &w.by.org_id,
            confirm,
        )
        .await?)
}

/// A decision's link, checked against the group's own projects and plan items.
async fn check_link(store: &Store, ws: &OpenedGroup, x: &NewDecision) -> Result<(), ServiceError> {
    let ok = match &x.link {
        None => true,
        Some(DecisionLink::Project(p)) => store.project_exists(&ws.group().id, p).await?,
        Some(DecisionLink::PlanItem(i)) => store.plan_item_exists(&ws.group().id, i).await?,
    };
    if ok {
        Ok(())
    } else {
        Err(crate::domain::FieldError::new(
            "关联事项",
            "请从列表中选择本组的合作项目或年度计划事项",
        )
        .into())
    }
}

/// Records a decision of the meeting.
pub async fn add_decision(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    meeting_id_text: &str,
    input: &DecisionInput,
) -> Result<DecisionId, ServiceError> {
    require_record(w.by, ws)?;
    let m = meeting(w.store, ws, meeting_id_text).await?;
    let x = parse_decision(input, &ws.group().calendar())?;
    check_link(w.store, ws, &x).await?;
    Ok(w.store
        .add_decision(&w.actor(), w.now_ms, &ws.group().id, &m.id, &x)
        .await?)
}

fn decision_id(id: &str) -> Result<DecisionId, ServiceError> {
    DecisionId::parse(id).ok_or(ServiceError::NotFound)
}

/// One of the group's decisions; not found for another group's.
pub async fn decision(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<DecisionRow, ServiceError> {
    store
        .get_decision(&ws.group().id, &decision_id(id)?)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Corrects a decision (every field as it should be). `at`: the later meeting at which its
/// status and follow-up were recorded, if any (it must be held after the decision's meeting).
pub async fn update_decision(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &DecisionInput,
    at: Option<&str>,
) -> Result<bool, ServiceError> {
    require_record(w.by, ws)?;
    let d = decision(w.store, ws, id).await?;
    let at = follow_up_meeting(w.store, ws, &d, at).await?;
    let x = parse_decision(input, &ws.group().calendar())?;
    check_link(w.store, ws, &x).await?;
    Ok(w.store
        .update_decision(&w.actor(), w.now_ms, &ws.group().id, &d.id, &x, at.as_ref())
        .await?)
}

async fn follow_up_meeting(
    store: &Store,
    ws: &OpenedGroup,
    d: &DecisionRow,
    at: Option<&str>,
) -> Result<Option<MeetingId>, ServiceError> {
    let Some(at) = at.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let m = store
        .get_meeting(
            &ws.group().id,
            &MeetingId::parse(at).ok_or_else(bad_follow_up)?,
        )
        .await?
        .ok_or_else(bad_follow_up)?;
    if m.held_on <= d.meeting_held_on {
        return Err(crate::domain::FieldError::new(
            "跟进会议",
            format!(
                "跟进须在作出决定（{}）之后召开的会议上记录",
                d.meeting_held_on
            ),
        )
        .into());
    }
    Ok(Some(m.id))
}

fn bad_follow_up() -> ServiceError {
    crate::domain::FieldError::new("跟进会议", "请选择本组在该决定之后召开的会议").into()
}

/// Records the follow-up (status and note) of an earlier meeting's decision at meeting `at`.
pub async fn follow_up_decision(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    at: &str,
    id: &str,
    status: &str,
    note: &str,
) -> Result<bool, ServiceError> {
    require_record(w.by, ws)?;
    let d = decision(w.store, ws, id).await?;
    let at = follow_up_meeting(w.store, ws, &d, Some(at)).await?;
    let (status, note) = parse_follow_up(status, note)?;
    let mut x = d.stored();
    x.status = status;
    x.follow_up = note;
    Ok(w.store
        .update_decision(&w.actor(), w.now_ms, &ws.group().id, &d.id, &x, at.as_ref())
        .await?)
}

/// The decisions taken at `m`, and those of earlier meetings still open (or followed up at it).
pub async fn decisions_of(
    store: &Store,
    ws: &OpenedGroup,
    m: &MeetingRow,
) -> Result<(Vec<DecisionRow>, Vec<DecisionRow>), ServiceError> {
    let own = store.decisions_of(&ws.group().id, &m.id).await?;
    let earlier = store
        .decisions_to_follow_up(&ws.group().id, m.held_on, &m.id)
        .await?;
    Ok((own, earlier))
}
