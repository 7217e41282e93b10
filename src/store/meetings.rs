//! A group's joint meetings (联席会议, 五(一)), their attending organisations with each one's
//! confirmation, and their decisions with the follow-up a later meeting records. Every write is
//! audited inside its transaction; a correction keeps the confirmations of the organisations
//! still listed.

use super::attachments::{
    AttachmentRow, RecordFile, add_record_files, attachments_of, delete_attachments,
    insert_attachments, remove_record_file,
};
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::locks;
use super::rows::{date, opt_date};
use super::{Store, StoreError};
use crate::domain::ids::{AttachmentId, AttachmentOwner, DecisionId, GroupId, MeetingId, OrgId};
use crate::domain::meeting::{
    DecisionLink, DecisionStatus, NewDecision, NewMeeting, Person, people_from_json, people_json,
};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// A member organisation listed as attending, and whether (and when, by whom) it confirmed.
#[derive(Debug, Clone)]
pub struct AttendeeRow {
    pub org_id: OrgId,
    pub name: String,
    pub confirmed_at: Option<i64>,
    pub confirmed_by: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MeetingRow {
    pub id: MeetingId,
    pub group_id: GroupId,
    pub held_on: Date,
    pub place: String,
    pub people: Vec<Person>,
    pub agenda: String,
    pub minutes: String,
    pub adopts_annual_plan: bool,
    pub attendees: Vec<AttendeeRow>,
    pub decisions: i64,
    pub created_at: i64,
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
}

impl MeetingRow {
    /// The record as it was checked when written, to compare with a correction.
    pub fn stored(&self) -> NewMeeting {
        NewMeeting {
            held_on: self.held_on,
            place: self.place.clone(),
            orgs: self.attendees.iter().map(|a| a.org_id.clone()).collect(),
            people: self.people.clone(),
            agenda: self.agenda.clone(),
            minutes: self.minutes.clone(),
            adopts_annual_plan: self.adopts_annual_plan,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub id: DecisionId,
    pub meeting_id: MeetingId,
    pub meeting_held_on: Date,
    pub text: String,
    pub project_id: Option<String>,
    pub project_title: Option<String>,
    pub plan_item_id: Option<String>,
    pub plan_item_text: Option<String>,
    pub owner_org_id: Option<OrgId>,
    pub owner_name: Option<String>,
    pub owner_text: String,
    pub due_on: Option<Date>,
    pub status: DecisionStatus,
    pub follow_up: String,
    /// The later meeting whose page recorded the follow-up, and its date.
    pub followed_up_in: Option<MeetingId>,
    pub followed_up_on: Option<Date>,
    pub followed_up_at: Option<i64>,
    /// Brought in by a history import (历史补录).
    pub backfilled: bool,
}

impl DecisionRow {
    pub fn stored(&self) -> NewDecision {
        NewDecision {
            text: self.text.clone(),
            link: match (&self.project_id, &self.plan_item_id) {
                (Some(p), _) => Some(DecisionLink::Project(p.clone())),
                (None, Some(i)) => Some(DecisionLink::PlanItem(i.clone())),
                _ => None,
            },
            owner_org: self.owner_org_id.clone(),
            owner_text: self.owner_text.clone(),
            due_on: self.due_on,
            status: self.status,
            follow_up: self.follow_up.clone(),
        }
    }

    /// Who answers for it: the organisation, the person, or both.
    pub fn owner(&self) -> String {
        match (&self.owner_name, self.owner_text.is_empty()) {
            (Some(o), true) => o.clone(),
            (Some(o), false) => format!("{o}（{}）", self.owner_text),
            (None, _) => self.owner_text.clone(),
        }
    }
}

/// A project of the group, as a decision's or a plan item's link offers it.
#[derive(Debug, Clone)]
pub struct ProjectChoice {
    pub id: String,
    pub title: String,
    pub area: i64,
}

const MEETING_COLUMNS: &str = "m.id, m.group_id, m.held_on, m.place, m.people, m.agenda, m.minutes,
     m.adopts_annual_plan, m.created_at, m.history_import_id,
     (select count(*) from meeting_decisions d where d.meeting_id = m.id) as decisions
     from meetings m";

const DECISION_COLUMNS: &str = "d.id, d.meeting_id, m.held_on, d.text, d.project_id,
     p.title as project_title, d.plan_item_id, i.text as plan_item_text, d.owner_org_id,
     o.name as owner_name, d.owner_text, d.due_on, d.status, d.follow_up, d.followed_up_in,
     f.held_on as followed_up_on, d.followed_up_at, d.history_import_id
     from meeting_decisions d join meetings m on m.id = d.meeting_id
     left join projects p on p.id = d.project_id
     left join annual_plan_items i on i.id = d.plan_item_id
     left join organisations o on o.id = d.owner_org_id
     left join meetings f on f.id = d.followed_up_in";

impl Store {
    pub async fn add_meeting(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        x: &NewMeeting,
        papers: &[CheckedFile],
    ) -> Result<MeetingId, StoreError> {
        let id = MeetingId::new();
        let mut tx = self.begin_write().await?;
        insert_meeting(&mut tx, actor, now_ms, group, &id, x, papers).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One of the group's meetings; none when it is another group's.
    pub async fn get_meeting(
        &self,
        group: &GroupId,
        id: &MeetingId,
    ) -> sqlx::Result<Option<MeetingRow>> {
        let mut conn = self.pool.acquire().await?;
        meeting_in(&mut conn, group, id).await
    }

    /// The group's meetings held in `year` (all when none), newest first.
    pub async fn list_meetings(
        &self,
        group: &GroupId,
        year: Option<i16>,
    ) -> sqlx::Result<Vec<MeetingRow>> {
        let (from, to) = match year {
            Some(y) => (format!("{y:04}-01-01"), format!("{:04}-01-01", y + 1)),
            None => ("0000-01-01".to_string(), "9999-12-31".to_string()),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {MEETING_COLUMNS} where m.group_id = $1 and m.held_on >= $2 and m.held_on < $3
             order by m.held_on desc, m.created_at desc"
        )))
        .bind(group.as_str())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut meetings: Vec<MeetingRow> = rows
            .iter()
            .map(meeting_from_row)
            .collect::<sqlx::Result<_>>()?;
        let mut conn = self.pool.acquire().await?;
        attach_attendees(&mut conn, &mut meetings).await?;
        Ok(meetings)
    }

    /// Corrects a meeting; organisations still listed keep their confirmation. Returns whether
    /// anything changed.
    pub async fn update_meeting(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MeetingId,
        x: &NewMeeting,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_meeting(&mut tx, group, id).await?;
        let before = meeting_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (was, now) = audit::changed_fields(&before.stored().audit_json(), &x.audit_json());
        if now.is_empty() {
            return Ok(false);
        }
        let (was_on, now_on) = (before.held_on, x.held_on);
        locks::refuse_locked(
            &mut tx,
            group,
            "会议日期",
            &[(was_on, was_on), (now_on, now_on)],
        )
        .await?;
        sqlx::query(
            "update meetings set held_on = $1, place = $2, people = $3, agenda = $4, minutes = $5,
             adopts_annual_plan = $6 where id = $7 and group_id = $8",
        )
        .bind(x.held_on.to_string())
        .bind(x.place.as_str())
        .bind(people_json(&x.people).to_string())
        .bind(x.agenda.as_str())
        .bind(x.minutes.as_str())
        .bind(i64::from(x.adopts_annual_plan))
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        for gone in before
            .attendees
            .iter()
            .filter(|a| !x.orgs.contains(&a.org_id))
        {
            sqlx::query("delete from meeting_attendees where meeting_id = $1 and org_id = $2")
                .bind(id.as_str())
                .bind(gone.org_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for new in x
            .orgs
            .iter()
            .filter(|o| !before.attendees.iter().any(|a| &a.org_id == *o))
        {
            insert_attendee(&mut tx, id, new).await?;
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "meeting.update",
                entity: "meeting",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws a meeting entered by mistake with its attendance, decisions and papers; the
    /// audit entry keeps it whole. Returns the digests of the removed papers.
    pub async fn withdraw_meeting(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MeetingId,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_meeting(&mut tx, group, id).await?;
        let before = meeting_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        locks::refuse_locked_withdrawal(&mut tx, group, before.held_on, before.held_on).await?;
        let papers = attachments_of(&mut tx, AttachmentOwner::Meeting, id.as_str()).await?;
        delete_attachments(&mut tx, actor, now_ms, &papers).await?;
        // A follow-up recorded at this meeting stays with its decision, without the meeting.
        sqlx::query("update meeting_decisions set followed_up_in = null where followed_up_in = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        let decisions: Vec<String> = sqlx::query(
            "select text from meeting_decisions where meeting_id = $1 order by created_at",
        )
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("text"))
        .collect::<sqlx::Result<_>>()?;
        for sql in [
            "delete from meeting_decisions where meeting_id = $1",
            "delete from meeting_attendees where meeting_id = $1",
            "delete from meetings where id = $1",
        ] {
            sqlx::query(sql).bind(id.as_str()).execute(&mut *tx).await?;
        }
        let mut was = before.stored().audit_json();
        was["group_id"] = json!(group.as_str());
        was["decisions"] = json!(decisions);
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "meeting.withdraw",
                entity: "meeting",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(papers.into_iter().map(|p| p.sha256).collect())
    }

    /// Confirms (or, `confirm` false, undoes the confirmation of) `org`'s attendance. Not found
    /// when the organisation is not listed as attending; returns whether anything changed.
    pub async fn set_attendance_confirmed(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MeetingId,
        org: &OrgId,
        confirm: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_meeting(&mut tx, group, id).await?;
        let row = sqlx::query(
            "select confirmed_at from meeting_attendees where meeting_id = $1 and org_id = $2",
        )
        .bind(id.as_str())
        .bind(org.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let confirmed_at: Option<i64> = row.try_get("confirmed_at")?;
        if confirmed_at.is_some() == confirm {
            return Ok(false);
        }
        sqlx::query(
            "update meeting_attendees set confirmed_at = $1, confirmed_by = $2, confirmed_by_text = null
             where meeting_id = $3 and org_id = $4",
        )
        .bind(confirm.then_some(now_ms))
        .bind(
            actor
                .user_id
                .as_ref()
                .filter(|_| confirm)
                .map(|u| u.to_string()),
        )
        .bind(id.as_str())
        .bind(org.as_str())
        .execute(&mut *tx)
        .await?;
        let (action, before, after) = if confirm {
            (
                "meeting.confirm_attendance",
                None,
                Some(json!({ "attendance_confirmed": org.as_str() })),
            )
        } else {
            (
                "meeting.unconfirm_attendance",
                Some(json!({ "attendance_confirmed": org.as_str() })),
                None,
            )
        };
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action,
                entity: "meeting",
                entity_id: Some(id.as_str()),
                before,
                after,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn add_decision(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        meeting: &MeetingId,
        x: &NewDecision,
    ) -> Result<DecisionId, StoreError> {
        let id = DecisionId::new();
        let mut tx = self.begin_write().await?;
        claim_meeting(&mut tx, group, meeting).await?;
        insert_decision(&mut tx, actor, now_ms, group, meeting, &id, x, None).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every decision of the group's meetings, by meeting date and then as recorded (the export).
    pub async fn group_decisions(&self, group: &GroupId) -> sqlx::Result<Vec<DecisionRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {DECISION_COLUMNS} where d.group_id = $1
             order by m.held_on, m.created_at, d.created_at, d.id"
        )))
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decision_from_row)
        .collect()
    }

    /// One of the group's decisions; none when it is another group's.
    pub async fn get_decision(
        &self,
        group: &GroupId,
        id: &DecisionId,
    ) -> sqlx::Result<Option<DecisionRow>> {
        let mut conn = self.pool.acquire().await?;
        decision_in(&mut conn, group, id).await
    }

    /// Corrects a decision, or records its follow-up: `at` names the later meeting whose page
    /// recorded it (none for a plain correction). Returns whether anything changed.
    pub async fn update_decision(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &DecisionId,
        x: &NewDecision,
        at: Option<&MeetingId>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "update meeting_decisions set status = status where id = $1 and group_id = $2",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let before = decision_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (mut was, mut now) =
            audit::changed_fields(&before.stored().audit_json(), &x.audit_json());
        if now.is_empty() {
            return Ok(false);
        }
        let followed = now.contains_key("decision_status") || now.contains_key("follow_up");
        let (follow_in, follow_at) = match (followed, at) {
            (true, Some(m)) => {
                was.insert(
                    "followed_up_in".into(),
                    json!(before.followed_up_in.as_ref().map(|m| m.to_string())),
                );
                now.insert("followed_up_in".into(), json!(m.as_str()));
                (Some(m.to_string()), Some(now_ms))
            }
            (true, None) => (
                before.followed_up_in.as_ref().map(|m| m.to_string()),
                Some(now_ms),
            ),
            (false, _) => (
                before.followed_up_in.as_ref().map(|m| m.to_string()),
                before.followed_up_at,
            ),
        };
        let (project, item) = link_ids(x);
        sqlx::query(
            "update meeting_decisions set text = $1, project_id = $2, plan_item_id = $3,
             owner_org_id = $4, owner_text = $5, due_on = $6, status = $7, follow_up = $8,
             followed_up_in = $9, followed_up_at = $10 where id = $11 and group_id = $12",
        )
        .bind(x.text.as_str())
        .bind(project)
        .bind(item)
        .bind(x.owner_org.as_ref().map(|o| o.to_string()))
        .bind(x.owner_text.as_str())
        .bind(x.due_on.map(|d| d.to_string()))
        .bind(x.status.as_str())
        .bind(x.follow_up.as_str())
        .bind(follow_in)
        .bind(follow_at)
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: if followed && at.is_some() {
                    "meeting_decision.follow_up"
                } else {
                    "meeting_decision.update"
                },
                entity: "meeting_decision",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The decisions taken at `meeting`, in the order they were recorded.
    pub async fn decisions_of(
        &self,
        group: &GroupId,
        meeting: &MeetingId,
    ) -> sqlx::Result<Vec<DecisionRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {DECISION_COLUMNS} where d.group_id = $1 and d.meeting_id = $2
             order by d.created_at, d.id"
        )))
        .bind(group.as_str())
        .bind(meeting.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decision_from_row)
        .collect()
    }

    /// The decisions of the group's meetings held before `before` that are still open, or
    /// that were followed up at `at` (so its page keeps showing what it followed up); oldest
    /// meeting first.
    pub async fn decisions_to_follow_up(
        &self,
        group: &GroupId,
        before: Date,
        at: &MeetingId,
    ) -> sqlx::Result<Vec<DecisionRow>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {DECISION_COLUMNS} where d.group_id = $1 and m.held_on < $2
             and (d.status = 'open' or d.followed_up_in = $3)
             order by m.held_on, d.created_at, d.id"
        )))
        .bind(group.as_str())
        .bind(before.to_string())
        .bind(at.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decision_from_row)
        .collect()
    }

    /// The group's projects, for the links of decisions and plan items (read only: the
    /// projects are another record's).
    pub async fn project_choices(&self, group: &GroupId) -> sqlx::Result<Vec<ProjectChoice>> {
        sqlx::query(
            "select id, title, area from projects where group_id = $1 order by starts_on desc, title",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(project_choice)
        .collect()
    }

    /// Every group's projects of the plan, in one query (as [`Store::project_choices`] lists a
    /// group's), by group.
    pub async fn project_choices_of_plan(
        &self,
        plan: &crate::domain::ids::PlanId,
    ) -> sqlx::Result<HashMap<GroupId, Vec<ProjectChoice>>> {
        let rows = sqlx::query(
            "select p.group_id, p.id, p.title, p.area from projects p
             join pairing_groups g on g.id = p.group_id
             where g.plan_id = $1 order by p.starts_on desc, p.title",
        )
        .bind(plan.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<GroupId, Vec<ProjectChoice>> = HashMap::new();
        for r in &rows {
            out.entry(GroupId::from_db(r.try_get("group_id")?))
                .or_default()
                .push(project_choice(r)?);
        }
        Ok(out)
    }

    /// Adds papers to a meeting recorded earlier; the meeting's history shows them.
    pub async fn add_meeting_papers(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MeetingId,
        papers: &[CheckedFile],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_meeting(&mut tx, group, id).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Meeting,
            owner_id: id.as_str(),
            action: "meeting.papers_add",
            entity: "meeting",
            called: "files",
        };
        add_record_files(&mut tx, actor, now_ms, group, record, papers).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one paper of a meeting; not found when it is not this meeting's.
    pub async fn remove_meeting_paper(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &MeetingId,
        file: &AttachmentId,
    ) -> Result<AttachmentRow, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_meeting(&mut tx, group, id).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Meeting,
            owner_id: id.as_str(),
            action: "meeting.paper_remove",
            entity: "meeting",
            called: "files",
        };
        let row = remove_record_file(&mut tx, actor, now_ms, record, file).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The papers (attachments) of a meeting.
    pub async fn meeting_papers(&self, id: &MeetingId) -> sqlx::Result<Vec<AttachmentRow>> {
        let mut conn = self.pool.acquire().await?;
        attachments_of(&mut conn, AttachmentOwner::Meeting, id.as_str()).await
    }
}

fn link_ids(x: &NewDecision) -> (Option<String>, Option<String>) {
    match &x.link {
        Some(DecisionLink::Project(p)) => (Some(p.clone()), None),
        Some(DecisionLink::PlanItem(i)) => (None, Some(i.clone())),
        None => (None, None),
    }
}

async fn insert_attendee(
    conn: &mut AnyConnection,
    meeting: &MeetingId,
    org: &OrgId,
) -> sqlx::Result<()> {
    sqlx::query("insert into meeting_attendees (meeting_id, org_id) values ($1, $2)")
        .bind(meeting.as_str())
        .bind(org.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes the meeting's row for this write; not found when it is not the group's.
async fn claim_meeting(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &MeetingId,
) -> Result<(), StoreError> {
    let n = sqlx::query("update meetings set place = place where id = $1 and group_id = $2")
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn meeting_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &MeetingId,
) -> sqlx::Result<Option<MeetingRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {MEETING_COLUMNS} where m.id = $1 and m.group_id = $2"
    )))
    .bind(id.as_str())
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut rows = vec![meeting_from_row(&row)?];
    attach_attendees(conn, &mut rows).await?;
    Ok(rows.pop())
}

async fn decision_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &DecisionId,
) -> sqlx::Result<Option<DecisionRow>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {DECISION_COLUMNS} where d.id = $1 and d.group_id = $2"
    )))
    .bind(id.as_str())
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(decision_from_row)
    .transpose()
}

/// The attendees of `rows`, in chunks of bound ids, each placed by its meeting.
async fn attach_attendees(conn: &mut AnyConnection, rows: &mut [MeetingRow]) -> sqlx::Result<()> {
    const CHUNK: usize = 500;
    let position: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_string(), i))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    for chunk in ids.chunks(CHUNK) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select a.meeting_id, a.org_id, o.name, a.confirmed_at,
                coalesce(u.display_name, a.confirmed_by_text) as confirmed_by
             from meeting_attendees a join organisations o on o.id = a.org_id
             join meetings m on m.id = a.meeting_id
             left join group_memberships g on g.group_id = m.group_id and g.org_id = a.org_id
             left join users u on u.id = a.confirmed_by
             where a.meeting_id in ({}) order by g.position, o.name",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(&mut *conn).await? {
            let meeting: String = r.try_get("meeting_id")?;
            if let Some(&i) = position.get(&meeting) {
                let org = OrgId::from_db(r.try_get("org_id")?);
                // A member that joined twice has two memberships: list it once.
                if rows[i].attendees.iter().any(|a| a.org_id == org) {
                    continue;
                }
                rows[i].attendees.push(AttendeeRow {
                    org_id: org,
                    name: r.try_get("name")?,
                    confirmed_at: r.try_get("confirmed_at")?,
                    confirmed_by: r.try_get("confirmed_by")?,
                });
            }
        }
    }
    Ok(())
}

fn project_choice(r: &AnyRow) -> sqlx::Result<ProjectChoice> {
    Ok(ProjectChoice {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        area: r.try_get("area")?,
    })
}

fn meeting_from_row(r: &AnyRow) -> sqlx::Result<MeetingRow> {
    let adopts: i64 = r.try_get("adopts_annual_plan")?;
    let people: String = r.try_get("people")?;
    Ok(MeetingRow {
        id: MeetingId::from_db(r.try_get("id")?),
        group_id: GroupId::from_db(r.try_get("group_id")?),
        held_on: date(r, "held_on")?,
        place: r.try_get("place")?,
        people: people_from_json(&people),
        agenda: r.try_get("agenda")?,
        minutes: r.try_get("minutes")?,
        adopts_annual_plan: adopts != 0,
        attendees: Vec::new(),
        decisions: r.try_get("decisions")?,
        created_at: r.try_get("created_at")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

fn decision_from_row(r: &AnyRow) -> sqlx::Result<DecisionRow> {
    let status: String = r.try_get("status")?;
    let owner: Option<String> = r.try_get("owner_org_id")?;
    let followed: Option<String> = r.try_get("followed_up_in")?;
    Ok(DecisionRow {
        id: DecisionId::from_db(r.try_get("id")?),
        meeting_id: MeetingId::from_db(r.try_get("meeting_id")?),
        meeting_held_on: date(r, "held_on")?,
        text: r.try_get("text")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        plan_item_id: r.try_get("plan_item_id")?,
        plan_item_text: r.try_get("plan_item_text")?,
        owner_org_id: owner.map(OrgId::from_db),
        owner_name: r.try_get("owner_name")?,
        owner_text: r.try_get("owner_text")?,
        due_on: opt_date(r, "due_on")?,
        status: DecisionStatus::parse(&status)
            .ok_or_else(|| super::rows::decode_err("decision status", &status))?,
        follow_up: r.try_get("follow_up")?,
        followed_up_in: followed.map(MeetingId::from_db),
        followed_up_on: opt_date(r, "followed_up_on")?,
        followed_up_at: r.try_get("followed_up_at")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

/// Writes a decision of `meeting` with its audit entry (inside the caller's transaction);
/// `followed_up_in`: the later meeting that recorded its follow-up, and when.
#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_decision(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    meeting: &MeetingId,
    id: &DecisionId,
    x: &NewDecision,
    followed_up_in: Option<&(MeetingId, i64)>,
) -> Result<(), StoreError> {
    let (project, item) = link_ids(x);
    sqlx::query(
        "insert into meeting_decisions (id, meeting_id, group_id, text, project_id, plan_item_id,
         owner_org_id, owner_text, due_on, status, follow_up, followed_up_in, followed_up_at, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id.as_str())
    .bind(meeting.as_str())
    .bind(group.as_str())
    .bind(x.text.as_str())
    .bind(project)
    .bind(item)
    .bind(x.owner_org.as_ref().map(|o| o.to_string()))
    .bind(x.owner_text.as_str())
    .bind(x.due_on.map(|d| d.to_string()))
    .bind(x.status.as_str())
    .bind(x.follow_up.as_str())
    .bind(followed_up_in.map(|f| f.0.to_string()))
    .bind(followed_up_in.map(|f| f.1))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let mut after = x.audit_json();
    after["meeting_id"] = json!(meeting.as_str());
    if let Some((m, _)) = followed_up_in {
        after["followed_up_in"] = json!(m.as_str());
    }
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "meeting_decision.create",
            entity: "meeting_decision",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Records a meeting, its attending organisations and papers inside the caller's write; refused
/// when its day is locked.
pub(super) async fn insert_meeting(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    id: &MeetingId,
    x: &NewMeeting,
    papers: &[CheckedFile],
) -> Result<(), StoreError> {
    locks::refuse_locked(conn, group, "会议日期", &[(x.held_on, x.held_on)]).await?;
    sqlx::query(
            "insert into meetings (id, group_id, held_on, place, people, agenda, minutes, adopts_annual_plan, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(x.held_on.to_string())
        .bind(x.place.as_str())
        .bind(people_json(&x.people).to_string())
        .bind(x.agenda.as_str())
        .bind(x.minutes.as_str())
        .bind(i64::from(x.adopts_annual_plan))
        .bind(actor.user_id.as_ref().map(|u| u.to_string()))
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    for org in &x.orgs {
        insert_attendee(conn, id, org).await?;
    }
    insert_attachments(
        conn,
        actor,
        now_ms,
        group,
        AttachmentOwner::Meeting,
        id.as_str(),
        papers,
    )
    .await?;
    let mut after = x.audit_json();
    after["group_id"] = json!(group.as_str());
    if !papers.is_empty() {
        after["files"] = json!(
            papers
                .iter()
                .map(|p| p.file_name.clone())
                .collect::<Vec<_>>()
        );
    }
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "meeting.create",
            entity: "meeting",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}
