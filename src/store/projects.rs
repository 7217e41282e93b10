//! A group's cooperation projects (合作项目, 三(一)–(六)), their progress updates and the outcome
//! figures each update adds (`project_outcomes`, one row per figure, money in fen). Sums are
//! integer sums in SQL, exact on both databases; the figures are named by the plan's codes.

use super::attachments::{
    AttachmentRow, RecordFile, add_record_files, attachments_of, delete_attachments, file_names,
    remove_record_file,
};
use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::locks;
use super::rows::{date, decode_err, opt_date};
use super::{GroupScope, Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{
    AttachmentId, AttachmentOwner, GroupId, OrgId, ProjectId, ProjectUpdateId,
};
use crate::domain::money::Fen;
use crate::domain::project::{NewProject, NewUpdate, ProjectStatus, Purchase};
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub group_id: GroupId,
    pub group_number: i64,
    pub area: u8,
    pub title: String,
    pub lead_org_id: OrgId,
    pub lead_name: String,
    pub partners: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub status: ProjectStatus,
    pub description: String,
    pub purchased: bool,
    pub buyer_org_id: Option<OrgId>,
    pub buyer_name: Option<String>,
    pub contract_fen: Option<i64>,
    /// How many progress updates it has, and the students they counted.
    pub updates: i64,
    pub students: i64,
    /// Every update's figures summed, by outcome code.
    pub figures: BTreeMap<String, i64>,
    pub created_at: i64,
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
}

impl ProjectRow {
    /// The record as it was checked when written, to compare with a correction.
    pub fn stored(&self) -> NewProject {
        NewProject {
            title: self.title.clone(),
            area: self.area,
            lead_org_id: self.lead_org_id.clone(),
            partners: self.partners.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            status: self.status,
            description: self.description.clone(),
            purchase: match (&self.buyer_org_id, self.contract_fen) {
                (Some(b), Some(f)) if self.purchased => Some(Purchase {
                    buyer_org_id: b.clone(),
                    contract: Fen::from_db(f),
                }),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct UpdateRow {
    pub id: ProjectUpdateId,
    pub project_id: ProjectId,
    pub happened_on: Date,
    pub summary: String,
    pub students: i64,
    /// In no particular order; the page orders them by the area's fields.
    pub figures: Vec<(String, i64)>,
    pub created_at: i64,
}

impl UpdateRow {
    pub fn stored(&self, area_order: &[String]) -> NewUpdate {
        let mut figures = self.figures.clone();
        figures.sort_by_key(|(c, _)| area_order.iter().position(|o| o == c));
        NewUpdate {
            happened_on: self.happened_on,
            summary: self.summary.clone(),
            students: self.students,
            figures,
        }
    }
}

/// Which projects a list, its totals and its export cover.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub group: Option<GroupId>,
    pub area: Option<u8>,
    pub status: Option<ProjectStatus>,
    /// Projects running in the year (started by its end, not ended before its start); the
    /// totals count the updates dated in it.
    pub year: Option<i16>,
    /// A former member's view (those made before it left and its own).
    pub seen_by: Option<super::adjustments::SeenBy>,
}

impl ProjectFilter {
    /// The `where` clause on `projects p` and its values (parameters from `$1`).
    fn clause(&self, scope: &GroupScope) -> (String, Vec<String>) {
        let mut sql = String::from("1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut next = |sql: &mut String, cond: &str, v: String| {
            binds.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", binds.len())));
        };
        match scope {
            GroupScope::All => {}
            GroupScope::Member(org) => next(
                &mut sql,
                " and exists (select 1 from group_memberships m where m.group_id = p.group_id and m.org_id = ?)",
                org.to_string(),
            ),
            GroupScope::Nothing => sql.push_str(" and 1 = 0"),
        }
        if let Some(g) = &self.group {
            next(&mut sql, " and p.group_id = ?", g.to_string());
        }
        if let Some(a) = self.area {
            // Text, as every parameter of the clause: compared with the integer column by value.
            sql.push_str(&format!(" and p.area = {}", i64::from(a)));
        }
        if let Some(s) = self.status {
            next(&mut sql, " and p.status = ?", s.as_str().to_string());
        }
        if let Some(y) = self.year {
            next(&mut sql, " and p.starts_on <= ?", format!("{y:04}-12-31"));
            next(
                &mut sql,
                " and (p.ends_on is null or p.ends_on >= ?)",
                format!("{y:04}-01-01"),
            );
        }
        if let Some(seen) = &self.seen_by {
            next(&mut sql, &seen.condition("p"), seen.org.to_string());
        }
        (sql, binds)
    }

    /// The condition on `project_updates u` the figure totals add: the year's updates only.
    fn update_dates(&self) -> Option<(String, String)> {
        self.year
            .map(|y| (format!("{y:04}-01-01"), format!("{y:04}-12-31")))
    }
}

/// One area's projects and figures over a filtered list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaTotal {
    pub area: u8,
    pub projects: i64,
    pub figures: BTreeMap<String, i64>,
}

/// One buyer's purchased services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerTotal {
    pub buyer_org_id: OrgId,
    pub buyer_name: String,
    pub projects: i64,
    pub contract_fen: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectTotals {
    pub by_area: Vec<AreaTotal>,
    pub purchases: Vec<BuyerTotal>,
    pub purchased_projects: i64,
    pub purchased_fen: i64,
}

const COLUMNS: &str = "p.id, p.group_id, g.number as group_number, p.area, p.title, p.lead_org_id,
     l.name as lead_name, p.partners, p.starts_on, p.ends_on, p.status, p.description, p.purchased,
     p.buyer_org_id, b.name as buyer_name, p.contract_fen, p.created_at, p.history_import_id,
     (select count(*) from project_updates u where u.project_id = p.id) as updates,
     cast((select coalesce(sum(u.students), 0) from project_updates u where u.project_id = p.id) as bigint) as students
     from projects p join pairing_groups g on g.id = p.group_id
     join organisations l on l.id = p.lead_org_id
     left join organisations b on b.id = p.buyer_org_id";

fn project_from_row(r: &AnyRow) -> sqlx::Result<ProjectRow> {
    let status: String = r.try_get("status")?;
    let area: i64 = r.try_get("area")?;
    let purchased: i64 = r.try_get("purchased")?;
    let buyer: Option<String> = r.try_get("buyer_org_id")?;
    Ok(ProjectRow {
        id: ProjectId::from_db(r.try_get("id")?),
        group_id: GroupId::from_db(r.try_get("group_id")?),
        group_number: r.try_get("group_number")?,
        area: u8::try_from(area).map_err(|_| decode_err("area", &area.to_string()))?,
        title: r.try_get("title")?,
        lead_org_id: OrgId::from_db(r.try_get("lead_org_id")?),
        lead_name: r.try_get("lead_name")?,
        partners: r.try_get("partners")?,
        starts_on: date(r, "starts_on")?,
        ends_on: opt_date(r, "ends_on")?,
        status: ProjectStatus::parse(&status).ok_or_else(|| decode_err("status", &status))?,
        description: r.try_get("description")?,
        purchased: purchased != 0,
        buyer_org_id: buyer.map(OrgId::from_db),
        buyer_name: r.try_get("buyer_name")?,
        contract_fen: r.try_get("contract_fen")?,
        updates: r.try_get("updates")?,
        students: r.try_get("students")?,
        figures: BTreeMap::new(),
        created_at: r.try_get("created_at")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

fn update_from_row(r: &AnyRow) -> sqlx::Result<UpdateRow> {
    Ok(UpdateRow {
        id: ProjectUpdateId::from_db(r.try_get("id")?),
        project_id: ProjectId::from_db(r.try_get("project_id")?),
        happened_on: date(r, "happened_on")?,
        summary: r.try_get("summary")?,
        students: r.try_get("students")?,
        figures: Vec::new(),
        created_at: r.try_get("created_at")?,
    })
}

/// `$first, $first+1, …` for `n` values.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bound list stays far below SQLite's and PostgreSQL's limits on parameters.
const CHUNK: usize = 500;

impl Store {
    /// Records a project (and, from an import, its first progress update).
    pub async fn add_project(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        x: &NewProject,
    ) -> Result<ProjectId, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = insert_project(&mut tx, actor, now_ms, group, x).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records the projects of an import, each with its update if it has one: all or none.
    pub async fn import_projects(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        rows: &[(NewProject, Option<NewUpdate>)],
    ) -> Result<Vec<ProjectId>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(rows.len());
        for (p, u) in rows {
            let id = insert_project(&mut tx, actor, now_ms, group, p).await?;
            if let Some(u) = u {
                insert_update(&mut tx, actor, now_ms, group, &id, u).await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// One of the group's projects with its figures; none when it is another group's.
    pub async fn get_project(
        &self,
        group: &GroupId,
        id: &ProjectId,
    ) -> sqlx::Result<Option<ProjectRow>> {
        let mut conn = self.pool.acquire().await?;
        project_in(&mut conn, group, id).await
    }

    /// A page of the projects in `scope` matching `filter` (newest start first; all when `page`
    /// is none) with their figures, and how many match.
    pub async fn list_projects(
        &self,
        scope: &GroupScope,
        filter: &ProjectFilter,
        page: Option<(i64, i64)>,
    ) -> sqlx::Result<(Vec<ProjectRow>, i64)> {
        let (clause, binds) = filter.clause(scope);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from projects p where {clause}"
        )));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let total: i64 = q.fetch_one(&self.pool).await?.try_get("n")?;
        let limit = match page {
            Some((limit, offset)) => format!(" limit {limit} offset {offset}"),
            None => String::new(),
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} where {clause} order by p.starts_on desc, g.number, p.created_at desc, p.id{limit}"
        )));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let mut rows: Vec<ProjectRow> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(project_from_row)
            .collect::<sqlx::Result<_>>()?;
        let mut conn = self.pool.acquire().await?;
        attach_project_figures(&mut conn, &mut rows).await?;
        Ok((rows, total))
    }

    /// Per area the projects matching `filter` and their figures summed (the year's updates
    /// only when a year is chosen), and the purchased services' contract totals per buyer.
    pub async fn project_totals(
        &self,
        scope: &GroupScope,
        filter: &ProjectFilter,
    ) -> sqlx::Result<ProjectTotals> {
        let (clause, binds) = filter.clause(scope);
        let run = |sql: String| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.fetch_all(&self.pool)
        };
        let counts = run(format!(
            "select p.area, count(*) as n from projects p where {clause} group by p.area"
        ))
        .await?;
        let sums = self.outcome_sums(scope, filter).await?;
        let buyers = run(
            format!(
                "select p.buyer_org_id, b.name, count(*) as n, cast(coalesce(sum(p.contract_fen), 0) as bigint) as fen
                 from projects p join organisations b on b.id = p.buyer_org_id
                 where {clause} and p.purchased = 1 group by p.buyer_org_id, b.name order by b.name"
            ),
        )
        .await?;
        let mut by_area: BTreeMap<u8, AreaTotal> = BTreeMap::new();
        for r in &counts {
            let area: i64 = r.try_get("area")?;
            let area = area as u8;
            by_area
                .entry(area)
                .or_insert_with(|| AreaTotal {
                    area,
                    ..Default::default()
                })
                .projects = r.try_get("n")?;
        }
        for (area, field, total) in sums {
            by_area
                .entry(area)
                .or_insert_with(|| AreaTotal {
                    area,
                    ..Default::default()
                })
                .figures
                .insert(field, total);
        }
        let purchases: Vec<BuyerTotal> = buyers
            .iter()
            .map(|r| {
                Ok(BuyerTotal {
                    buyer_org_id: OrgId::from_db(r.try_get("buyer_org_id")?),
                    buyer_name: r.try_get("name")?,
                    projects: r.try_get("n")?,
                    contract_fen: r.try_get("fen")?,
                })
            })
            .collect::<sqlx::Result<_>>()?;
        Ok(ProjectTotals {
            by_area: by_area.into_values().collect(),
            purchased_projects: purchases.iter().map(|b| b.projects).sum(),
            purchased_fen: purchases.iter().map(|b| b.contract_fen).sum(),
            purchases,
        })
    }

    /// Per area, each outcome figure of the projects matching `filter` summed over their
    /// updates (those dated in the filter's year when it has one).
    pub async fn outcome_sums(
        &self,
        scope: &GroupScope,
        filter: &ProjectFilter,
    ) -> sqlx::Result<Vec<(u8, String, i64)>> {
        let (clause, mut binds) = filter.clause(scope);
        let mut dates = String::new();
        if let Some((from, to)) = filter.update_dates() {
            dates = format!(
                " and u.happened_on >= ${} and u.happened_on <= ${}",
                binds.len() + 1,
                binds.len() + 2
            );
            binds.extend([from, to]);
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select p.area, o.field, cast(sum(o.amount) as bigint) as total
             from project_outcomes o join project_updates u on u.id = o.update_id
             join projects p on p.id = u.project_id
             where {clause}{dates} group by p.area, o.field"
        )));
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let area: i64 = r.try_get("area")?;
                Ok((area as u8, r.try_get("field")?, r.try_get("total")?))
            })
            .collect()
    }

    /// Per area and status, how many projects match `filter`: the year at a glance counts
    /// them without reading them.
    pub async fn project_status_counts(
        &self,
        filter: &ProjectFilter,
    ) -> sqlx::Result<Vec<(u8, ProjectStatus, i64)>> {
        let (clause, binds) = filter.clause(&GroupScope::All);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select p.area, p.status, count(*) as n from projects p where {clause}
             group by p.area, p.status"
        )));
        for b in binds {
            q = q.bind(b);
        }
        let mut out = Vec::new();
        for r in q.fetch_all(&self.pool).await? {
            let area: i64 = r.try_get("area")?;
            let status: String = r.try_get("status")?;
            let status =
                ProjectStatus::parse(&status).ok_or_else(|| decode_err("status", &status))?;
            out.push((area as u8, status, r.try_get("n")?));
        }
        Ok(out)
    }

    /// Per group, per outcome code, the sum of the update amounts dated `from` to `to_inclusive`
    /// (the year at a glance, annual plans): one query for all the groups.
    pub async fn project_outcome_totals(
        &self,
        groups: &[GroupId],
        from: Date,
        to_inclusive: Date,
    ) -> sqlx::Result<HashMap<GroupId, BTreeMap<String, i64>>> {
        let mut out: HashMap<GroupId, BTreeMap<String, i64>> = HashMap::new();
        // One query for any realistic set; a province-wide one in a few.
        for chunk in groups.chunks(10_000) {
            let sql = format!(
                "select u.group_id, o.field, cast(sum(o.amount) as bigint) as total
                 from project_outcomes o join project_updates u on u.id = o.update_id
                 where u.happened_on >= $1 and u.happened_on <= $2 and u.group_id in ({})
                 group by u.group_id, o.field",
                placeholders(3, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from.to_string())
                .bind(to_inclusive.to_string());
            for g in chunk {
                q = q.bind(g.to_string());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.entry(GroupId::from_db(r.try_get("group_id")?))
                    .or_default()
                    .insert(r.try_get("field")?, r.try_get("total")?);
            }
        }
        Ok(out)
    }

    /// Corrects a project; the audit entry holds the fields that changed. Refused when the area
    /// would change under updates with figures of the old area, or the start would move after an
    /// update. Returns whether anything changed.
    pub async fn update_project(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &ProjectId,
        x: &NewProject,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_project(&mut tx, group, id).await?;
        let before = project_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if before.area != x.area && !before.figures.is_empty() {
            return Err(FieldError::new(
                "合作领域",
                format!(
                    "已有进展记录填写了领域 {} 的成果指标，不能改为领域 {}；请先撤回或更正这些进展记录",
                    before.area, x.area
                ),
            )
            .into());
        }
        let first: Option<String> = sqlx::query(
            "select min(happened_on) as first from project_updates where project_id = $1",
        )
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("first")?;
        if let Some(first) = first.and_then(|f| f.parse::<Date>().ok())
            && x.starts_on > first
        {
            return Err(FieldError::new(
                "开始日期",
                format!("最早的进展记录是 {first}，开始日期不能晚于它"),
            )
            .into());
        }
        let (was, now) = audit::changed_fields(&before.stored().audit_json(), &x.audit_json());
        if now.is_empty() {
            return Ok(false);
        }
        refuse_locked_correction(&mut tx, group, &before.stored(), x).await?;
        sqlx::query(
            "update projects set area = $1, title = $2, lead_org_id = $3, partners = $4, starts_on = $5,
             ends_on = $6, status = $7, description = $8, purchased = $9, buyer_org_id = $10, contract_fen = $11
             where id = $12 and group_id = $13",
        )
        .bind(i64::from(x.area))
        .bind(x.title.as_str())
        .bind(x.lead_org_id.as_str())
        .bind(x.partners.as_str())
        .bind(x.starts_on.to_string())
        .bind(x.ends_on.map(|d| d.to_string()))
        .bind(x.status.as_str())
        .bind(x.description.as_str())
        .bind(i64::from(x.purchase.is_some()))
        .bind(x.purchase.as_ref().map(|p| p.buyer_org_id.to_string()))
        .bind(x.purchase.as_ref().map(|p| p.contract.get()))
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "project.update",
                entity: "project",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws a project entered by mistake, with its attachments: only while it has no
    /// progress updates and no expense refers to it (those are withdrawn first, or the project
    /// is paused). Returns the digests of the removed attachments' files.
    pub async fn withdraw_project(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &ProjectId,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_project(&mut tx, group, id).await?;
        let before = project_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        for day in finish_and_start(&before.stored()) {
            locks::refuse_locked_withdrawal(&mut tx, group, day, day).await?;
        }
        if before.updates > 0 {
            return Err(StoreError::Conflict(format!(
                "该项目已有 {} 条进展记录，不能撤回；误录的请先撤回各条进展记录，项目中止的请把状态改为“已暂停”",
                before.updates
            )));
        }
        let expenses: i64 = sqlx::query("select count(*) as n from expenses where project_id = $1")
            .bind(id.as_str())
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if expenses > 0 {
            return Err(StoreError::Conflict(format!(
                "有 {expenses} 笔经费记在该项目下，不能撤回；请先在经费中更正这些记录的所属项目"
            )));
        }
        let files = attachments_of(&mut tx, AttachmentOwner::Project, id.as_str()).await?;
        delete_attachments(&mut tx, actor, now_ms, &files).await?;
        sqlx::query("delete from projects where id = $1 and group_id = $2")
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?;
        let mut was = before.stored().audit_json();
        was["group_id"] = json!(group.as_str());
        if !files.is_empty() {
            was["files"] = file_names(files.iter().map(|f| f.file_name.as_str()));
        }
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "project.withdraw",
                entity: "project",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(files.into_iter().map(|f| f.sha256).collect())
    }

    /// The project's progress updates, newest first, each with its figures.
    pub async fn list_project_updates(&self, project: &ProjectId) -> sqlx::Result<Vec<UpdateRow>> {
        let mut conn = self.pool.acquire().await?;
        updates_of(&mut conn, project, None).await
    }

    /// Records a progress update of the group's project; not found for another group's.
    pub async fn add_project_update(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        project: &ProjectId,
        x: &NewUpdate,
    ) -> Result<ProjectUpdateId, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_project(&mut tx, group, project).await?;
        let id = insert_update(&mut tx, actor, now_ms, group, project, x).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One update of the group's project; none when it is not that project's.
    pub async fn get_project_update(
        &self,
        project: &ProjectId,
        id: &ProjectUpdateId,
    ) -> sqlx::Result<Option<UpdateRow>> {
        let mut conn = self.pool.acquire().await?;
        Ok(updates_of(&mut conn, project, Some(id)).await?.pop())
    }

    /// Corrects a progress update (its figures replaced whole). Returns whether anything changed.
    pub async fn update_project_update(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        project: &ProjectId,
        id: &ProjectUpdateId,
        x: &NewUpdate,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_update(&mut tx, group, project, id).await?;
        let before = updates_of(&mut tx, project, Some(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let order: Vec<String> = x.figures.iter().map(|(c, _)| c.clone()).collect();
        let (was, now) =
            audit::changed_fields(&before.stored(&order).audit_json(), &x.audit_json());
        if now.is_empty() {
            return Ok(false);
        }
        let (was_on, now_on) = (before.happened_on, x.happened_on);
        locks::refuse_locked(
            &mut tx,
            group,
            "日期",
            &[(was_on, was_on), (now_on, now_on)],
        )
        .await?;
        sqlx::query(
            "update project_updates set happened_on = $1, summary = $2, students = $3 where id = $4",
        )
        .bind(x.happened_on.to_string())
        .bind(x.summary.as_str())
        .bind(x.students)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from project_outcomes where update_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        insert_figures(&mut tx, id, &x.figures).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "project_update.update",
                entity: "project_update",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws a progress update entered by mistake, with its figures.
    pub async fn withdraw_project_update(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        project: &ProjectId,
        id: &ProjectUpdateId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_update(&mut tx, group, project, id).await?;
        let before = updates_of(&mut tx, project, Some(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        locks::refuse_locked_withdrawal(&mut tx, group, before.happened_on, before.happened_on)
            .await?;
        sqlx::query("delete from project_outcomes where update_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from project_updates where id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        let mut was = before.stored(&[]).audit_json();
        was["project_id"] = json!(project.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "project_update.withdraw",
                entity: "project_update",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds documents or photos to a project; the project's history shows them.
    pub async fn add_project_files(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        project: &ProjectId,
        files: &[CheckedFile],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_project(&mut tx, group, project).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Project,
            owner_id: project.as_str(),
            action: "project.file_add",
            entity: "project",
            called: "files",
        };
        add_record_files(&mut tx, actor, now_ms, group, record, files).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes one attachment of a project; not found when it is not this project's.
    pub async fn remove_project_file(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        project: &ProjectId,
        file: &AttachmentId,
    ) -> Result<AttachmentRow, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_project(&mut tx, group, project).await?;
        let record = RecordFile {
            owner: AttachmentOwner::Project,
            owner_id: project.as_str(),
            action: "project.file_remove",
            entity: "project",
            called: "files",
        };
        let row = remove_record_file(&mut tx, actor, now_ms, record, file).await?;
        tx.commit().await?;
        Ok(row)
    }
}

async fn insert_project(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    x: &NewProject,
) -> Result<ProjectId, StoreError> {
    let id = ProjectId::new();
    insert_project_as(conn, actor, now_ms, group, &id, x).await?;
    Ok(id)
}

/// Records a project under the id given, inside the caller's write; refused when a day it
/// names is locked.
pub(super) async fn insert_project_as(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    id: &ProjectId,
    x: &NewProject,
) -> Result<(), StoreError> {
    let start = x.starts_on;
    locks::refuse_locked(conn, group, "开始日期", &[(start, start)]).await?;
    if let Some(end) = finished_on(x) {
        locks::refuse_locked(conn, group, "结束日期", &[(end, end)]).await?;
    }
    sqlx::query(
        "insert into projects (id, group_id, area, title, lead_org_id, partners, starts_on, ends_on, status,
         description, purchased, buyer_org_id, contract_fen, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id.as_str())
    .bind(group.as_str())
    .bind(i64::from(x.area))
    .bind(x.title.as_str())
    .bind(x.lead_org_id.as_str())
    .bind(x.partners.as_str())
    .bind(x.starts_on.to_string())
    .bind(x.ends_on.map(|d| d.to_string()))
    .bind(x.status.as_str())
    .bind(x.description.as_str())
    .bind(i64::from(x.purchase.is_some()))
    .bind(x.purchase.as_ref().map(|p| p.buyer_org_id.to_string()))
    .bind(x.purchase.as_ref().map(|p| p.contract.get()))
    .bind(actor.user_id.as_ref().map(|u| u.to_string()))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let mut after = x.audit_json();
    after["group_id"] = json!(group.as_str());
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "project.create",
            entity: "project",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_update(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    project: &ProjectId,
    x: &NewUpdate,
) -> Result<ProjectUpdateId, StoreError> {
    locks::refuse_locked(conn, group, "日期", &[(x.happened_on, x.happened_on)]).await?;
    let id = ProjectUpdateId::new();
    sqlx::query(
        "insert into project_updates (id, project_id, group_id, happened_on, summary, students, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_str())
    .bind(project.as_str())
    .bind(group.as_str())
    .bind(x.happened_on.to_string())
    .bind(x.summary.as_str())
    .bind(x.students)
    .bind(actor.user_id.as_ref().map(|u| u.to_string()))
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    insert_figures(conn, &id, &x.figures).await?;
    let mut after = x.audit_json();
    after["project_id"] = json!(project.as_str());
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "project_update.create",
            entity: "project_update",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(id)
}

async fn insert_figures(
    conn: &mut AnyConnection,
    id: &ProjectUpdateId,
    figures: &[(String, i64)],
) -> sqlx::Result<()> {
    for (field, amount) in figures {
        sqlx::query("insert into project_outcomes (update_id, field, amount) values ($1, $2, $3)")
            .bind(id.as_str())
            .bind(field.as_str())
            .bind(*amount)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The day a project finished, as the monthly report counts it (a finished project's end).
fn finished_on(p: &NewProject) -> Option<Date> {
    p.ends_on.filter(|_| p.status == ProjectStatus::Done)
}

/// The days a monthly report dates a project by: its start and, once finished, its end.
fn finish_and_start(p: &NewProject) -> Vec<Date> {
    std::iter::once(p.starts_on).chain(finished_on(p)).collect()
}

/// 五(三): a correction of what a monthly report says of a project — its 开始 line (start, title,
/// area) or its 完成 line (status, end) — is refused when the month of either the old or the new
/// day is locked. A long-running project started in a locked month can still have its
/// description or partners corrected and be marked finished in an open month.
async fn refuse_locked_correction(
    conn: &mut AnyConnection,
    group: &GroupId,
    old: &NewProject,
    new: &NewProject,
) -> Result<(), StoreError> {
    let named = old.title != new.title || old.area != new.area;
    if named || old.starts_on != new.starts_on {
        let ranges = [
            (old.starts_on, old.starts_on),
            (new.starts_on, new.starts_on),
        ];
        locks::refuse_locked(conn, group, "开始日期", &ranges).await?;
    }
    let (was, now) = (finished_on(old), finished_on(new));
    if (named && was.is_some()) || was != now {
        let ranges: Vec<(Date, Date)> = [was, now].into_iter().flatten().map(|d| (d, d)).collect();
        locks::refuse_locked(conn, group, "结束日期", &ranges).await?;
    }
    Ok(())
}

/// Takes the project's row for this write (see `claim_base`); not found when not the group's.
async fn claim_project(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &ProjectId,
) -> Result<(), StoreError> {
    let n = sqlx::query("update projects set status = status where id = $1 and group_id = $2")
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

async fn claim_update(
    conn: &mut AnyConnection,
    group: &GroupId,
    project: &ProjectId,
    id: &ProjectUpdateId,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "update project_updates set summary = summary where id = $1 and project_id = $2 and group_id = $3",
    )
    .bind(id.as_str())
    .bind(project.as_str())
    .bind(group.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn project_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &ProjectId,
) -> sqlx::Result<Option<ProjectRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} where p.id = $1 and p.group_id = $2"
    )))
    .bind(id.as_str())
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut rows = vec![project_from_row(&row)?];
    attach_project_figures(conn, &mut rows).await?;
    Ok(rows.pop())
}

/// Sums every update's figures per project, in chunks of ids.
async fn attach_project_figures(
    conn: &mut AnyConnection,
    rows: &mut [ProjectRow],
) -> sqlx::Result<()> {
    let position: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_string(), i))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "select u.project_id, o.field, cast(sum(o.amount) as bigint) as total
             from project_outcomes o join project_updates u on u.id = o.update_id
             where u.project_id in ({}) group by u.project_id, o.field",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(&mut *conn).await? {
            let project: String = r.try_get("project_id")?;
            if let Some(&i) = position.get(&project) {
                rows[i]
                    .figures
                    .insert(r.try_get("field")?, r.try_get("total")?);
            }
        }
    }
    Ok(())
}

/// The project's updates (or the one `only`), newest first, with their figures.
async fn updates_of(
    conn: &mut AnyConnection,
    project: &ProjectId,
    only: Option<&ProjectUpdateId>,
) -> sqlx::Result<Vec<UpdateRow>> {
    let mut sql = String::from(
        "select id, project_id, happened_on, summary, students, created_at from project_updates where project_id = $1",
    );
    if only.is_some() {
        sql.push_str(" and id = $2");
    }
    sql.push_str(" order by happened_on desc, created_at desc, id");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.as_str());
    if let Some(id) = only {
        q = q.bind(id.as_str());
    }
    let mut rows: Vec<UpdateRow> = q
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(update_from_row)
        .collect::<sqlx::Result<_>>()?;
    let position: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_string(), i))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "select update_id, field, amount from project_outcomes where update_id in ({}) order by field",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(&mut *conn).await? {
            let update: String = r.try_get("update_id")?;
            if let Some(&i) = position.get(&update) {
                rows[i]
                    .figures
                    .push((r.try_get("field")?, r.try_get("amount")?));
            }
        }
    }
    Ok(rows)
}
