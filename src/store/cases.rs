//! 典型案例与新闻 (五(四)): a group's cases and news items, the bureau's review and the published
//! list the public pages read. Every write keeps its before and after in the audit log under the
//! item's id (its 修改记录); a move between states is claimed in its statement (`where state in
//! …`), so two reviewers, or a reviewer and a correction, cannot both act on the same state.

use super::attachments::{
    AttachmentRow, RecordFile, add_record_files, attachments_of, delete_attachments,
    remove_record_file,
};
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::rows::opt_date;
use super::{Store, StoreError};
use crate::domain::case::{CaseKind, CaseState, NewCase};
use crate::domain::ids::{
    AttachmentId, AttachmentOwner, CaseId, GroupId, OrgId, ProjectId, UserId,
};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub use crate::domain::case::{CaseInput, parse_case, parse_comment};

/// An item's `updated_at` moves forward on every correction and move, by at least 1 ms (two
/// writes in one millisecond, or a clock held still, still differ): it is the version a reviewer
/// publishes.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: CaseId,
    pub group_id: GroupId,
    pub group_number: i64,
    pub lead_town_id: OrgId,
    pub lead_town: String,
    pub kind: CaseKind,
    pub title: String,
    pub area: Option<u8>,
    pub summary: String,
    /// Cleaned HTML.
    pub body: String,
    pub state: CaseState,
    pub review_comment: Option<String>,
    pub written_by_name: String,
    pub written_by_org_id: OrgId,
    pub written_by_org: String,
    pub submitted_at: Option<i64>,
    pub reviewed_at: Option<i64>,
    pub reviewed_by_name: Option<String>,
    pub published_at: Option<i64>,
    /// The date it was (last) published, Asia/Shanghai: the publicity rule counts it in its year.
    pub published_on: Option<Date>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The group's projects it is about.
    pub project_ids: Vec<ProjectId>,
}

impl CaseRow {
    fn stored(&self) -> NewCase {
        NewCase {
            kind: self.kind,
            title: self.title.clone(),
            area: self.area,
            summary: self.summary.clone(),
            body: self.body.clone(),
            projects: self.project_ids.clone(),
        }
    }
}

const SELECT: &str = "select c.id, c.group_id, g.number as group_number, g.lead_town_id,
        t.name as lead_town, c.kind, c.title, c.area, c.summary, c.body, c.state,
        c.review_comment, u.display_name as written_by_name, c.written_by_org_id,
        o.name as written_by_org, c.submitted_at, c.reviewed_at,
        r.display_name as reviewed_by_name, c.published_at, c.published_on,
        c.created_at, c.updated_at, c.project_ids
     from cases c
     join pairing_groups g on g.id = c.group_id
     join organisations t on t.id = g.lead_town_id
     join users u on u.id = c.written_by
     join organisations o on o.id = c.written_by_org_id
     left join users r on r.id = c.reviewed_by";

fn case_json(c: &NewCase) -> serde_json::Value {
    json!({
        "kind": c.kind.as_str(),
        "heading": c.title,
        "area": c.area,
        "abstract": c.summary,
        "body": c.body,
        "linked_projects": project_list(&c.projects),
    })
}

/// Project ids as kept in `cases.project_ids`.
fn project_list(ids: &[ProjectId]) -> String {
    ids.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

/// What a move between states writes besides the state.
pub enum CaseMove<'a> {
    /// The group sends it for review.
    Submit,
    /// The bureau publishes it (today, Asia/Shanghai, is its publication date); `seen`, the
    /// version (`updated_at`) the reviewer read, when known: a correction since then is a
    /// conflict, so nothing unread is published.
    Publish {
        by: &'a UserId,
        on: Date,
        seen: Option<i64>,
    },
    /// The bureau returns it with a comment.
    Return { by: &'a UserId, comment: &'a str },
    /// The bureau takes it down from the public pages.
    Unpublish { by: &'a UserId },
}

impl CaseMove<'_> {
    /// The states it may be made from, and the one it leads to.
    fn states(&self) -> (&'static [CaseState], CaseState) {
        match self {
            CaseMove::Submit => (
                &[
                    CaseState::Draft,
                    CaseState::Returned,
                    CaseState::Unpublished,
                ],
                CaseState::Submitted,
            ),
            CaseMove::Publish { .. } => (&[CaseState::Submitted], CaseState::Published),
            CaseMove::Return { .. } => (&[CaseState::Submitted], CaseState::Returned),
            CaseMove::Unpublish { .. } => (&[CaseState::Published], CaseState::Unpublished),
        }
    }

    fn action(&self) -> &'static str {
        match self {
            CaseMove::Submit => "case.submit",
            CaseMove::Publish { .. } => "case.publish",
            CaseMove::Return { .. } => "case.return",
            CaseMove::Unpublish { .. } => "case.unpublish",
        }
    }
}

/// The list of published items, filtered.
#[derive(Debug, Clone, Default)]
pub struct PublishedFilter {
    pub area: Option<u8>,
    /// A group's lead town.
    pub town: Option<OrgId>,
    /// Published in this calendar year.
    pub year: Option<i16>,
    pub kind: Option<CaseKind>,
}

fn in_list(states: &[CaseState]) -> String {
    states
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Claims an item while its group may correct it (draft, returned, taken down): a review arriving
/// meanwhile waits for this transaction; a conflict when it is under review or published.
async fn claim_editable(conn: &mut AnyConnection, id: &CaseId) -> Result<(), StoreError> {
    let editable = in_list(&[
        CaseState::Draft,
        CaseState::Returned,
        CaseState::Unpublished,
    ]);
    let claimed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "update cases set updated_at = updated_at where id = $1 and state in ({editable})"
    )))
    .bind(id.as_str())
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(StoreError::Conflict(NOT_EDITABLE.into()));
    }
    Ok(())
}

/// How many images one item's body may have.
pub const MAX_CASE_IMAGES: usize = 30;

impl Store {
    /// Records a draft written by `by` of organisation `org`.
    pub async fn add_case(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        by: (&UserId, &OrgId),
        c: &NewCase,
    ) -> Result<CaseId, StoreError> {
        let id = CaseId::new();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "insert into cases (id, group_id, kind, title, area, summary, body, state, written_by, written_by_org_id, created_at, updated_at, project_ids)
             values ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10, $10, $11)",
        )
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(c.kind.as_str())
        .bind(&c.title)
        .bind(c.area.map(i64::from))
        .bind(&c.summary)
        .bind(&c.body)
        .bind(by.0.as_str())
        .bind(by.1.as_str())
        .bind(now_ms)
        .bind(project_list(&c.projects))
        .execute(&mut *tx)
        .await?;
        let mut after = case_json(c);
        after["group_id"] = json!(group.as_str());
        after["org_id"] = json!(by.1.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "case.create",
                entity: "case",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An item by id, whichever group it is in (the caller checks the group may be seen).
    pub async fn get_case(&self, id: &CaseId) -> sqlx::Result<Option<CaseRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where c.id = $1")))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The group's items, newest first.
    pub async fn list_cases(&self, group: &GroupId) -> sqlx::Result<Vec<CaseRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where c.group_id = $1 order by c.created_at desc, c.id"
        )))
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(case_from_row).collect()
    }

    /// Corrects an item the group may still change (draft, returned, taken down): a conflict
    /// otherwise. Returns whether anything changed.
    pub async fn update_case(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &CaseId,
        c: &NewCase,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_editable(&mut tx, id).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where c.id = $1")))
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let before = case_from_row(&row)?;
        let (was, now) = audit::changed_fields(&case_json(&before.stored()), &case_json(c));
        if now.is_empty() {
            return Ok(false);
        }
        sqlx::query(
            "update cases set kind = $1, title = $2, area = $3, summary = $4, body = $5,
               updated_at = case when updated_at >= $6 then updated_at + 1 else $6 end,
               project_ids = $8
             where id = $7",
        )
        .bind(c.kind.as_str())
        .bind(&c.title)
        .bind(c.area.map(i64::from))
        .bind(&c.summary)
        .bind(&c.body)
        .bind(now_ms)
        .bind(id.as_str())
        .bind(project_list(&c.projects))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "case.update",
                entity: "case",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves an item between states (submit, publish, return, take down): a conflict when it
    /// no longer stands where the move starts (someone acted first).
    pub async fn move_case(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &CaseId,
        m: CaseMove<'_>,
    ) -> Result<(), StoreError> {
        let (from, to) = m.states();
        let from_list = in_list(from);
        let mut tx = self.begin_write().await?;
        let (set, binds): (&str, Vec<Option<String>>) = match &m {
            CaseMove::Submit => ("submitted_at = $3, review_comment = null", vec![]),
            CaseMove::Publish { by, on, .. } => (
                "reviewed_at = $3, reviewed_by = $4, published_at = $3, published_on = $5, review_comment = null",
                vec![Some(by.to_string()), Some(on.to_string())],
            ),
            CaseMove::Return { by, comment } => (
                "reviewed_at = $3, reviewed_by = $4, review_comment = $5",
                vec![Some(by.to_string()), Some(comment.to_string())],
            ),
            CaseMove::Unpublish { by } => (
                "reviewed_at = $3, reviewed_by = $4",
                vec![Some(by.to_string())],
            ),
        };
        // The version read, a number: written in.
        let seen = match &m {
            CaseMove::Publish { seen: Some(v), .. } => format!(" and updated_at = {v}"),
            _ => String::new(),
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "update cases set state = $1,
               updated_at = case when updated_at >= $3 then updated_at + 1 else $3 end, {set}
             where id = $2 and state in ({from_list}){seen}"
        )))
        .bind(to.as_str())
        .bind(id.as_str())
        .bind(now_ms);
        for b in binds {
            q = q.bind(b);
        }
        if q.execute(&mut *tx).await?.rows_affected() == 0 {
            let now = sqlx::query("select state from cases where id = $1")
                .bind(id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            return match now {
                None => Err(StoreError::NotFound),
                Some(r)
                    if !seen.is_empty()
                        && from.iter().any(|f| {
                            r.try_get::<String, _>("state")
                                .is_ok_and(|s| s == f.as_str())
                        }) =>
                {
                    Err(StoreError::Conflict(
                        "该稿件在您打开后又被修改并重新提交，请刷新页面阅读最新内容后再审核".into(),
                    ))
                }
                Some(r) => {
                    let s: String = r.try_get("state")?;
                    let label = CaseState::parse(&s).map_or("", CaseState::label);
                    Err(StoreError::Conflict(format!(
                        "该稿件当前为“{label}”，不能{}",
                        match m {
                            CaseMove::Submit => "提交审核",
                            CaseMove::Publish { .. } => "发布",
                            CaseMove::Return { .. } => "退回修改",
                            CaseMove::Unpublish { .. } => "撤下",
                        }
                    )))
                }
            };
        }
        let mut after = json!({ "state": to.as_str() });
        if let CaseMove::Return { comment, .. } = &m {
            after["review_comment"] = json!(comment);
        }
        if let CaseMove::Publish { on, .. } = &m {
            after["published_on"] = json!(on.to_string());
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: m.action(),
                entity: "case",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws an item never published (a draft, or one returned), with its images: a conflict
    /// otherwise (an item once published stays, taken down, with its history). Returns the
    /// images' digests (their files go when no other row refers to them).
    pub async fn withdraw_case(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &CaseId,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        // Claimed first (a correction or review arriving meanwhile waits), then read as it is.
        let claimed = sqlx::query(
            "update cases set updated_at = updated_at
             where id = $1 and state in ('draft', 'returned') and published_at is null",
        )
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "只能撤回未发布过的草稿或退回修改的稿件；已发布过的稿件由市教育局撤下后保留".into(),
            ));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} where c.id = $1")))
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let before = case_from_row(&row)?;
        let images = attachments_of(&mut tx, AttachmentOwner::Case, id.as_str()).await?;
        delete_attachments(&mut tx, actor, now_ms, &images).await?;
        sqlx::query("delete from cases where id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        let mut was = case_json(&before.stored());
        was["group_id"] = json!(before.group_id.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "case.withdraw",
                entity: "case",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(images.into_iter().map(|a| a.sha256).collect())
    }

    /// Adds images for an item's body while its group may correct it; the item's history shows
    /// them. A conflict when they would pass [`MAX_CASE_IMAGES`].
    pub async fn add_case_images(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &CaseId,
        images: &[CheckedFile],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_editable(&mut tx, id).await?;
        let had = attachments_of(&mut tx, AttachmentOwner::Case, id.as_str())
            .await?
            .len();
        if had + images.len() > MAX_CASE_IMAGES {
            return Err(StoreError::Conflict(format!(
                "一篇稿件最多 {MAX_CASE_IMAGES} 张图片（已有 {had} 张）"
            )));
        }
        let record = RecordFile {
            owner: AttachmentOwner::Case,
            owner_id: id.as_str(),
            action: "case.images_add",
            entity: "case",
            called: "files",
        };
        add_record_files(&mut tx, actor, now_ms, group, record, images).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one image of an item while its group may correct it; not found when it is not
    /// this item's.
    pub async fn remove_case_image(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: &CaseId,
        image: &AttachmentId,
    ) -> Result<AttachmentRow, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_editable(&mut tx, id).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Case,
            owner_id: id.as_str(),
            action: "case.image_remove",
            entity: "case",
            called: "files",
        };
        let row = remove_record_file(&mut tx, actor, now_ms, record, image).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// An item's images, oldest first.
    pub async fn case_images(&self, id: &CaseId) -> sqlx::Result<Vec<AttachmentRow>> {
        let mut conn = self.pool.acquire().await?;
        attachments_of(&mut conn, AttachmentOwner::Case, id.as_str()).await
    }

    /// The bureau's queue: items waiting for review first (oldest submission first), then the
    /// rest, latest change first; drafts are the group's own and not listed. One page, with the
    /// number in all and the number waiting.
    pub async fn case_queue(
        &self,
        state: Option<CaseState>,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<(Vec<CaseRow>, i64, i64)> {
        let filter = match state {
            Some(s) => format!("c.state = '{}'", s.as_str()),
            None => "c.state <> 'draft'".to_string(),
        };
        let counts = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n,
                    coalesce(sum(case when c.state = 'submitted' then 1 else 0 end), 0) as waiting
             from cases c where {filter}"
        )))
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where {filter}
             order by case when c.state = 'submitted' then 0 else 1 end,
               case when c.state = 'submitted' then c.submitted_at else -c.updated_at end, c.id
             limit $1 offset $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let rows = rows
            .iter()
            .map(case_from_row)
            .collect::<sqlx::Result<_>>()?;
        Ok((rows, counts.try_get("n")?, counts.try_get("waiting")?))
    }

    /// Published items, latest first, filtered; one page and the number in all.
    pub async fn published_cases(
        &self,
        f: &PublishedFilter,
        limit: i64,
        offset: i64,
    ) -> sqlx::Result<(Vec<CaseRow>, i64)> {
        let (cond, binds) = published_where(f, 3);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} where {cond} order by c.published_at desc, c.id limit $1 offset $2"
        )))
        .bind(limit)
        .bind(offset);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let (cond, binds) = published_where(f, 1);
        let mut c = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from cases c join pairing_groups g on g.id = c.group_id where {cond}"
        )));
        for b in &binds {
            c = c.bind(b.clone());
        }
        let total: i64 = c.fetch_one(&self.pool).await?.try_get("n")?;
        let rows = rows
            .iter()
            .map(case_from_row)
            .collect::<sqlx::Result<_>>()?;
        Ok((rows, total))
    }
}

/// The conditions of `f` on published items, its values bound from `$first` on.
fn published_where(f: &PublishedFilter, first: usize) -> (String, Vec<String>) {
    let mut conds = vec!["c.state = 'published'".to_string()];
    if let Some(a) = f.area {
        // A number (u8): written in, so it compares as one on both databases.
        conds.push(format!("c.area = {a}"));
    }
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |conds: &mut Vec<String>, sql: &str, value: String| {
        conds.push(sql.replace('?', &format!("${}", first + binds.len())));
        binds.push(value);
    };
    if let Some(k) = f.kind {
        bind(&mut conds, "c.kind = ?", k.as_str().to_string());
    }
    if let Some(t) = &f.town {
        bind(&mut conds, "g.lead_town_id = ?", t.to_string());
    }
    if let Some(y) = f.year {
        bind(&mut conds, "c.published_on >= ?", format!("{y:04}-01-01"));
        bind(&mut conds, "c.published_on <= ?", format!("{y:04}-12-31"));
    }
    (conds.join(" and "), binds)
}

/// Why an item cannot be corrected now.
pub const NOT_EDITABLE: &str =
    "该稿件正在审核或已发布，不能修改；如需修改，请联系市教育局退回或撤下后再改";

fn case_from_row(r: &AnyRow) -> sqlx::Result<CaseRow> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let area: Option<i64> = r.try_get("area")?;
    Ok(CaseRow {
        id: CaseId::from_db(r.try_get("id")?),
        group_id: GroupId::from_db(r.try_get("group_id")?),
        group_number: r.try_get("group_number")?,
        lead_town_id: OrgId::from_db(r.try_get("lead_town_id")?),
        lead_town: r.try_get("lead_town")?,
        kind: CaseKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown case kind “{kind}”").into()))?,
        title: r.try_get("title")?,
        area: area.and_then(|a| u8::try_from(a).ok()),
        summary: r.try_get("summary")?,
        body: r.try_get("body")?,
        state: CaseState::parse(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown case state “{state}”").into()))?,
        review_comment: r.try_get("review_comment")?,
        written_by_name: r.try_get("written_by_name")?,
        written_by_org_id: OrgId::from_db(r.try_get("written_by_org_id")?),
        written_by_org: r.try_get("written_by_org")?,
        submitted_at: r.try_get("submitted_at")?,
        reviewed_at: r.try_get("reviewed_at")?,
        reviewed_by_name: r.try_get("reviewed_by_name")?,
        published_at: r.try_get("published_at")?,
        published_on: opt_date(r, "published_on")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        project_ids: r
            .try_get::<String, _>("project_ids")?
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| ProjectId::from_db(p.to_string()))
            .collect(),
    })
}

impl Store {
    /// The group's cooperation projects, id and title, by start: what an item may name.
    pub async fn project_titles(&self, group: &GroupId) -> sqlx::Result<Vec<(ProjectId, String)>> {
        let rows = sqlx::query(
            "select id, title from projects where group_id = $1 order by starts_on, title, id",
        )
        .bind(group.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((ProjectId::from_db(r.try_get("id")?), r.try_get("title")?)))
            .collect()
    }
}
