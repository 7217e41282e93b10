//! 历史补录: a history workbook's records written in one transaction, all or nothing. The dry run
//! is the same write rolled back, so whatever the database would refuse (an agreement recorded
//! already, a report already there, the same service twice, a month locked) is listed before
//! anything is written, by the same code that writes.

use super::audit::{self, Actor, AuditEntry};
use super::files::CheckedFile;
use super::{Store, StoreError};
use crate::domain::annual_plan::NewPlanItem;
use crate::domain::backfill::{Kind, Problem};
use crate::domain::base::NewBase;
use crate::domain::coordination::NewCoordinator;
use crate::domain::expense::NewExpense;
use crate::domain::ids::{
    AgreementId, AnnualPlanId, AttachmentOwner, BaseId, CoordinatorId, DecisionId, GroupId,
    HistoryImportId, MatterId, MeetingId, MonthlyReportId, OnsiteEntryId, OrgId, PlanId,
    PlanItemId, ProjectId, TeamMemberId,
};
use crate::domain::matter::NewMatter;
use crate::domain::meeting::{NewDecision, NewMeeting};
use crate::domain::onsite::NewOnsiteEntry;
use crate::domain::plan::Month;
use crate::domain::project::{NewProject, NewUpdate};
use crate::domain::team::NewTeamMember;
use jiff::civil::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};

pub struct BackfillMember {
    pub line: usize,
    pub group: GroupId,
    pub id: TeamMemberId,
    pub member: NewTeamMember,
    pub left_on: Option<Date>,
}

pub struct BackfillAgreement {
    pub line: usize,
    pub group: GroupId,
    pub signed_on: Option<Date>,
    pub notes: String,
    pub parties: Vec<OrgId>,
    pub scans: Vec<CheckedFile>,
}

/// One group's on-site entries, each with its sheet row and when it was confirmed (if it was).
pub struct BackfillOnsite {
    pub group: GroupId,
    pub lines: Vec<usize>,
    pub entries: Vec<NewOnsiteEntry>,
    /// When each entry was confirmed, and by whom (a name, or the place's).
    pub confirmed: Vec<Option<(i64, String)>>,
}

pub struct BackfillBase {
    pub line: usize,
    pub group: GroupId,
    pub base: NewBase,
    pub photos: Vec<CheckedFile>,
}

/// A meeting and the attending organisations that had confirmed, with when.
pub struct BackfillMeeting {
    pub line: usize,
    /// Made before the write, so the workbook's decisions can name the meeting.
    pub id: MeetingId,
    pub group: GroupId,
    pub meeting: NewMeeting,
    pub confirmed: Vec<OrgId>,
    pub confirmed_ms: i64,
    /// Its papers (minutes, sign-in sheet, photos).
    pub papers: Vec<CheckedFile>,
}

/// A major matter as the workbook gives it: reported (and acknowledged, replied) when and by
/// whom it says.
pub struct BackfillMatter {
    pub line: usize,
    pub group: GroupId,
    pub matter: NewMatter,
    pub org: OrgId,
    pub reported_at: i64,
    pub reported_on: Date,
    pub reporter: String,
    pub acknowledged: Option<(i64, String)>,
    pub reply: Option<(String, i64, String)>,
}

pub struct BackfillCoordinator {
    pub line: usize,
    pub group: GroupId,
    pub coordinator: NewCoordinator,
}

/// A project and the progress update its figures make (dated its start), under the id the
/// workbook's plan items may name it by.
pub struct BackfillProject {
    pub line: usize,
    pub group: GroupId,
    pub id: ProjectId,
    pub project: NewProject,
    pub update: Option<NewUpdate>,
}

pub struct BackfillExpense {
    pub line: usize,
    pub group: GroupId,
    pub expense: NewExpense,
}

/// A group's plan of one year and its items, each with its sheet row (in the sheet's order).
pub struct BackfillPlan {
    pub group: GroupId,
    pub year: i16,
    pub lines: Vec<usize>,
    pub items: Vec<NewPlanItem>,
    /// Each item's id, made before the write so the workbook's decisions can name it.
    pub ids: Vec<PlanItemId>,
}

/// A commendation as the workbook gives it: nominated, approved or withdrawn, decided when and by
/// whom it says.
pub struct BackfillCommendation {
    pub line: usize,
    pub commendation: super::commendations::NewCommendation,
    pub state: super::commendations::CommendationState,
    pub decided: Option<(i64, String)>,
}

/// A decision of a meeting (of the workbook or the platform), and the later meeting that
/// recorded its follow-up.
pub struct BackfillDecision {
    pub line: usize,
    pub group: GroupId,
    pub meeting: MeetingId,
    pub decision: NewDecision,
    pub followed_up_in: Option<(MeetingId, i64)>,
}

pub struct BackfillReport {
    pub line: usize,
    pub plan_id: PlanId,
    pub school: OrgId,
    pub month: Month,
    pub submitted_ms: i64,
    pub note: String,
    /// The report's own file (Word or PDF), when the workbook named one.
    pub file: Option<CheckedFile>,
}

/// Everything a workbook holds, checked cell by cell.
pub struct Backfill {
    pub sha256: String,
    pub file_name: String,
    pub files_name: Option<String>,
    pub team: Vec<BackfillMember>,
    pub agreements: Vec<BackfillAgreement>,
    pub onsite: Vec<BackfillOnsite>,
    pub bases: Vec<BackfillBase>,
    pub meetings: Vec<BackfillMeeting>,
    pub coordinators: Vec<BackfillCoordinator>,
    pub matters: Vec<BackfillMatter>,
    pub projects: Vec<BackfillProject>,
    pub expenses: Vec<BackfillExpense>,
    pub plans: Vec<BackfillPlan>,
    pub decisions: Vec<BackfillDecision>,
    pub commendations: Vec<BackfillCommendation>,
    pub reports: Vec<BackfillReport>,
}

impl Backfill {
    pub fn counts(&self) -> Vec<(Kind, usize)> {
        vec![
            (Kind::Agreement, self.agreements.len()),
            (Kind::Team, self.team.len()),
            (
                Kind::Onsite,
                self.onsite.iter().map(|g| g.entries.len()).sum(),
            ),
            (Kind::Base, self.bases.len()),
            (Kind::Meeting, self.meetings.len()),
            (Kind::Coordination, self.coordinators.len()),
            (Kind::Matter, self.matters.len()),
            (Kind::Project, self.projects.len()),
            (Kind::Expense, self.expenses.len()),
            (
                Kind::AnnualPlan,
                self.plans.iter().map(|p| p.items.len()).sum(),
            ),
            (Kind::Decision, self.decisions.len()),
            (Kind::Commendation, self.commendations.len()),
            (Kind::Report, self.reports.len()),
        ]
    }
}

/// An earlier import of the same workbook.
pub struct EarlierImport {
    pub file_name: String,
    pub by: String,
    pub at: i64,
}

/// A key a record is looked for by: text, or a whole number, as its column holds it.
enum Key<'k> {
    Text(&'k str),
    Int(i64),
}

/// Whether `sql` (a select of the table's rows matching `$1`…, bound to `keys` in order) finds
/// one: a record the workbook gives is on the platform already, or was written by a row above.
async fn recorded(conn: &mut AnyConnection, sql: &str, keys: &[Key<'_>]) -> sqlx::Result<bool> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("{sql} limit 1")));
    for k in keys {
        q = match k {
            Key::Text(t) => q.bind(*t),
            Key::Int(n) => q.bind(*n),
        };
    }
    Ok(q.fetch_optional(&mut *conn).await?.is_some())
}

fn problem(kind: Kind, line: usize, column: &str, message: impl Into<String>) -> Problem {
    Problem::new(Some(kind), kind.sheet(), line, column, message.into())
}

impl Store {
    /// The import of a workbook with this digest, if one was made.
    pub async fn earlier_import(&self, sha256: &str) -> sqlx::Result<Option<EarlierImport>> {
        let row = sqlx::query(
            "select file_name, imported_by_name, imported_at from history_imports where sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(EarlierImport {
                file_name: r.try_get("file_name")?,
                by: r.try_get("imported_by_name")?,
                at: r.try_get("imported_at")?,
            })
        })
        .transpose()
    }

    /// Writes every record of `b` in one transaction and commits it when `commit` is set and
    /// nothing was refused; otherwise rolls it back. Returns the import's id (committed), or every
    /// problem the database found (nothing written either way but the committed import).
    pub async fn write_backfill(
        &self,
        actor: &Actor,
        now_ms: i64,
        b: &Backfill,
        commit: bool,
    ) -> Result<Result<Option<HistoryImportId>, Vec<Problem>>, StoreError> {
        let mut tx = self.begin_write().await?;
        // Every group the workbook writes to, claimed first and in one order, before the audit
        // chain (which the first audit entry claims): a form saving one of these groups' records
        // claims its group and then the chain, so neither waits on the other in a circle. On
        // SQLite the first write takes the database's write lock.
        let mut groups: Vec<&GroupId> = b
            .team
            .iter()
            .map(|m| &m.group)
            .chain(b.agreements.iter().map(|a| &a.group))
            .chain(b.onsite.iter().map(|g| &g.group))
            .chain(b.bases.iter().map(|x| &x.group))
            .chain(b.meetings.iter().map(|x| &x.group))
            .chain(b.coordinators.iter().map(|x| &x.group))
            .chain(b.matters.iter().map(|x| &x.group))
            .chain(b.projects.iter().map(|x| &x.group))
            .chain(b.expenses.iter().map(|x| &x.group))
            .chain(b.plans.iter().map(|x| &x.group))
            .chain(b.decisions.iter().map(|x| &x.group))
            .chain(b.commendations.iter().map(|x| &x.commendation.group_id))
            .collect();
        groups.sort();
        groups.dedup();
        for g in groups {
            sqlx::query("update pairing_groups set created_at = created_at where id = $1")
                .bind(g.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let id = HistoryImportId::new();
        let counts: serde_json::Map<String, serde_json::Value> = b
            .counts()
            .into_iter()
            .map(|(k, n)| (k.sheet().to_string(), json!(n)))
            .collect();
        let inserted = sqlx::query(
            "insert into history_imports (id, sha256, file_name, files_name, imported_by, imported_by_name, imported_at, counts)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_str())
        .bind(&b.sha256)
        .bind(&b.file_name)
        .bind(b.files_name.as_deref())
        .bind(actor.user_id.as_ref().map(|u| u.to_string()))
        .bind(&actor.name)
        .bind(now_ms)
        .bind(serde_json::Value::Object(counts.clone()).to_string())
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            if super::violates_unique(&e, "history_imports_sha256_key", "history_imports.sha256") {
                return Ok(Err(vec![Problem::new(
                    None,
                    "工作簿",
                    1,
                    "文件",
                    "这份工作簿刚被另一次导入写入，本次未写入任何数据".into(),
                )]));
            }
            return Err(e.into());
        }
        // Every record names the import: its page and its audit entries say 历史补录.
        let actor = Actor {
            name: format!("{}（历史补录：{}）", actor.name, b.file_name),
            ..actor.clone()
        };
        let mut problems = Vec::new();
        write_team(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_agreements(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_onsite(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_bases(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_meetings(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_coordinators(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_matters(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_projects(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_expenses(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_plans(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_decisions(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_commendations(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        write_reports(&mut tx, &actor, now_ms, &id, b, &mut problems).await?;
        if !problems.is_empty() {
            tx.rollback().await?;
            return Ok(Err(problems));
        }
        if !commit {
            tx.rollback().await?;
            return Ok(Ok(None));
        }
        audit::append(
            &mut tx,
            &actor,
            now_ms,
            AuditEntry {
                action: "history.import",
                entity: "history_import",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "file_name": b.file_name, "files_name": b.files_name, "sha256": b.sha256,
                    "counts": counts,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Some(id)))
    }
}

async fn mark(
    conn: &mut AnyConnection,
    table: &str,
    id: &str,
    import: &HistoryImportId,
) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "update {table} set history_import_id = $1 where id = $2"
    )))
    .bind(import.as_str())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_team(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for m in &b.team {
        // The same person of the same school joining on the same day is on the team already
        // (a workbook edited and imported again, or a row given twice).
        if recorded(conn, "select id from team_members where group_id = $1 and person_name = $2 and org_id = $3 and joined_on = $4", &[Key::Text(m.group.as_str()), Key::Text(m.member.person_name()), Key::Text(m.member.org_id().as_str()), Key::Text(&m.member.joined_on().to_string())]).await? {
            problems.push(problem(
                Kind::Team,
                m.line,
                "姓名",
                format!(
                    "{} 已在服务工作队中（{} 加入），请删去此行",
                    m.member.person_name(),
                    m.member.joined_on()
                ),
            ));
            continue;
        }
        super::team::insert_team_member(conn, actor, now_ms, &m.group, &m.id, &m.member, m.left_on)
            .await?;
        mark(conn, "team_members", m.id.as_str(), import).await?;
    }
    Ok(())
}

async fn write_agreements(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for a in &b.agreements {
        if recorded(
            conn,
            "select id from agreements where group_id = $1 and adjustment_id is null",
            &[Key::Text(a.group.as_str())],
        )
        .await?
        {
            problems.push(problem(
                Kind::Agreement,
                a.line,
                "结对组编号",
                "该组已登记三方协议（平台上或本表的另一行），请删去此行或在平台上更正",
            ));
            continue;
        }
        let id = AgreementId::new();
        sqlx::query(
            "insert into agreements (id, group_id, signed_on, notes, created_at, updated_at, history_import_id)
             values ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(id.as_str())
        .bind(a.group.as_str())
        .bind(a.signed_on.map(|d| d.to_string()))
        .bind(&a.notes)
        .bind(now_ms)
        .bind(import.as_str())
        .execute(&mut *conn)
        .await?;
        super::agreements::insert_parties(conn, &id, &a.parties).await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "agreement.create",
                entity: "agreement",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": a.group.as_str(),
                    "signed_on": a.signed_on.map(|d| d.to_string()), "notes": a.notes,
                    "parties": a.parties.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                    "history_import_id": import.as_str(),
                })),
            },
        )
        .await?;
        if !a.scans.is_empty() {
            super::attachments::insert_attachments(
                conn,
                actor,
                now_ms,
                &a.group,
                AttachmentOwner::Agreement,
                id.as_str(),
                &a.scans,
            )
            .await?;
        }
    }
    Ok(())
}

async fn write_onsite(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for g in &b.onsite {
        let ids: Vec<OnsiteEntryId> =
            match super::onsite::add_onsite_entries_in(conn, actor, now_ms, &g.group, &g.entries)
                .await
            {
                Ok(ids) => ids,
                Err(found) => {
                    for (i, e) in found {
                        match e {
                            StoreError::Invalid(f) => {
                                problems.push(problem(Kind::Onsite, g.lines[i], f.field, f.message))
                            }
                            other => return Err(other),
                        }
                    }
                    continue;
                }
            };
        for (id, confirmed) in ids.iter().zip(&g.confirmed) {
            mark(conn, "onsite_entries", id.as_str(), import).await?;
            if let Some((at, by)) = confirmed {
                // Confirmed before the platform, when and by whom the sheet says (no user of the
                // platform confirmed it); the entry says 历史补录.
                sqlx::query(
                    "update onsite_entries set confirmed_by_text = $1, confirmed_at = $2 where id = $3",
                )
                .bind(by)
                .bind(at)
                .bind(id.as_str())
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

async fn write_bases(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for x in &b.bases {
        // A base of the same name is the group's already (on the platform or a row above).
        if recorded(
            conn,
            "select id from practice_bases where group_id = $1 and name = $2",
            &[Key::Text(x.group.as_str()), Key::Text(x.base.name())],
        )
        .await?
        {
            problems.push(problem(
                Kind::Base,
                x.line,
                "基地名称",
                format!(
                    "本组已有实践基地“{}”（平台上或本表的另一行），请删去此行",
                    x.base.name()
                ),
            ));
            continue;
        }
        let id = BaseId::new();
        super::bases::insert_base(conn, actor, now_ms, &x.group, &id, &x.base, &x.photos).await?;
        mark(conn, "practice_bases", id.as_str(), import).await?;
    }
    Ok(())
}

async fn write_meetings(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for x in &b.meetings {
        // A meeting of the group on the same day at the same place is recorded already.
        if recorded(
            conn,
            "select id from meetings where group_id = $1 and held_on = $2 and place = $3",
            &[
                Key::Text(x.group.as_str()),
                Key::Text(&x.meeting.held_on.to_string()),
                Key::Text(&x.meeting.place),
            ],
        )
        .await?
        {
            problems.push(problem(
                Kind::Meeting,
                x.line,
                "会议日期",
                format!(
                    "本组 {} 在“{}”的联席会议已登记（平台上或本表的另一行），请删去此行",
                    x.meeting.held_on, x.meeting.place
                ),
            ));
            continue;
        }
        let id = x.id.clone();
        match super::meetings::insert_meeting(
            conn, actor, now_ms, &x.group, &id, &x.meeting, &x.papers,
        )
        .await
        {
            Ok(()) => {}
            Err(StoreError::Invalid(f)) => {
                problems.push(problem(Kind::Meeting, x.line, f.field, f.message));
                continue;
            }
            Err(other) => return Err(other),
        }
        mark(conn, "meetings", id.as_str(), import).await?;
        for org in &x.confirmed {
            // Confirmed before the platform, on the meeting's day, by the organisation itself
            // (no user of the platform confirmed it).
            sqlx::query(
                "update meeting_attendees set confirmed_at = $1,
                     confirmed_by_text = (select name from organisations where id = $3)
                 where meeting_id = $2 and org_id = $3",
            )
            .bind(x.confirmed_ms)
            .bind(id.as_str())
            .bind(org.as_str())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn write_coordinators(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for x in &b.coordinators {
        let c = &x.coordinator;
        // The same person of the same organisation from the same day is recorded already.
        if recorded(conn, "select id from coordinators where group_id = $1 and person_name = $2 and org_id = $3 and from_on = $4", &[Key::Text(x.group.as_str()), Key::Text(&c.person_name), Key::Text(c.org_id.as_str()), Key::Text(&c.from_on.to_string())]).await? {
            problems.push(problem(
                Kind::Coordination,
                x.line,
                "姓名",
                format!(
                    "{} 已在协调小组中（{} 起），请删去此行",
                    c.person_name, c.from_on
                ),
            ));
            continue;
        }
        let id = CoordinatorId::new();
        super::coordination::insert_coordinator(conn, actor, now_ms, &x.group, &id, c).await?;
        mark(conn, "coordinators", id.as_str(), import).await?;
    }
    Ok(())
}

async fn write_matters(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    // The importer's account stands in for the accounts of then; the names are the workbook's.
    let Some(user) = actor.user_id.as_ref().map(|u| u.to_string()) else {
        if !b.matters.is_empty() {
            return Err(StoreError::Conflict("重大事项须由市教育局用户导入".into()));
        }
        return Ok(());
    };
    for x in &b.matters {
        let m = &x.matter;
        if recorded(
            conn,
            "select id from major_matters where group_id = $1 and summary = $2 and raised_on = $3",
            &[
                Key::Text(x.group.as_str()),
                Key::Text(m.summary()),
                Key::Text(&m.raised_on().to_string()),
            ],
        )
        .await?
        {
            problems.push(problem(
                Kind::Matter,
                x.line,
                "事项摘要",
                format!(
                    "本组 {} 发生的“{}”已登记（平台上或本表的另一行），请删去此行",
                    m.raised_on(),
                    m.summary()
                ),
            ));
            continue;
        }
        let id = MatterId::new();
        sqlx::query(
            "insert into major_matters (id, group_id, summary, details, urgency, raised_on, reported_at, reported_on,
                raised_by, raised_by_org_id, acknowledged_at, acknowledged_by, reply, replied_at, replied_by,
                history_import_id, raised_by_text, acknowledged_by_text, replied_by_text)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(id.as_str())
        .bind(x.group.as_str())
        .bind(m.summary())
        .bind(m.details())
        .bind(m.urgency().as_str())
        .bind(m.raised_on().to_string())
        .bind(x.reported_at)
        .bind(x.reported_on.to_string())
        .bind(&user)
        .bind(x.org.as_str())
        .bind(x.acknowledged.as_ref().map(|a| a.0))
        .bind(x.acknowledged.as_ref().map(|_| user.clone()))
        .bind(x.reply.as_ref().map(|r| r.0.clone()))
        .bind(x.reply.as_ref().map(|r| r.1))
        .bind(x.reply.as_ref().map(|_| user.clone()))
        .bind(import.as_str())
        // A name the workbook leaves out reads as the importer's account.
        .bind(Some(x.reporter.clone()).filter(|n| !n.is_empty()))
        .bind(
            x.acknowledged
                .as_ref()
                .map(|a| a.1.clone())
                .filter(|n| !n.is_empty()),
        )
        .bind(x.reply.as_ref().map(|r| r.2.clone()).filter(|n| !n.is_empty()))
        .execute(&mut *conn)
        .await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "major_matter.history",
                entity: "major_matter",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "group_id": x.group.as_str(), "summary": m.summary(), "details": m.details(),
                    "urgency": m.urgency().as_str(), "raised_on": m.raised_on().to_string(),
                    "reported_at": x.reported_at, "org_id": x.org.as_str(), "reporter": x.reporter,
                    "acknowledged": x.acknowledged.as_ref().map(|a| json!({"at": a.0, "by": a.1})),
                    "reply": x.reply.as_ref().map(|r| json!({"text": r.0, "at": r.1, "by": r.2})),
                    "history_import_id": import.as_str(),
                })),
            },
        )
        .await?;
    }
    Ok(())
}

async fn write_projects(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for x in &b.projects {
        // The group's project of the same name starting the same day is recorded already.
        if recorded(
            conn,
            "select id from projects where group_id = $1 and title = $2 and starts_on = $3",
            &[
                Key::Text(x.group.as_str()),
                Key::Text(x.project.title.as_str()),
                Key::Text(&x.project.starts_on.to_string()),
            ],
        )
        .await?
        {
            problems.push(problem(
                Kind::Project,
                x.line,
                "项目名称",
                format!(
                    "本组 {} 开始的项目“{}”已登记（平台上或本表的另一行），请删去此行",
                    x.project.starts_on, x.project.title
                ),
            ));
            continue;
        }
        let written = async {
            super::projects::insert_project_as(conn, actor, now_ms, &x.group, &x.id, &x.project)
                .await?;
            if let Some(u) = &x.update {
                super::projects::insert_update(conn, actor, now_ms, &x.group, &x.id, u).await?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        match written {
            Ok(()) => mark(conn, "projects", x.id.as_str(), import).await?,
            // A locked month: named in the sheet's columns (an update is dated the start).
            Err(StoreError::Invalid(f)) => {
                let column = match f.field {
                    "结束日期" => "结束日期",
                    _ => "开始日期",
                };
                problems.push(problem(Kind::Project, x.line, column, f.message));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// Whether the group's project a record links is there (a project of the workbook that was
/// refused is not).
async fn project_there(
    conn: &mut AnyConnection,
    group: &GroupId,
    project: &str,
) -> sqlx::Result<bool> {
    recorded(
        conn,
        "select id from projects where id = $1 and group_id = $2",
        &[Key::Text(project), Key::Text(group.as_str())],
    )
    .await
}

async fn write_expenses(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    let n = b.expenses.len() as i64;
    for (i, x) in b.expenses.iter().enumerate() {
        let e = &x.expense;
        // The same expense (day, kind, amount, payer, notes) is recorded already.
        if recorded(
            conn,
            "select id from expenses where group_id = $1 and spent_on = $2 and kind = $3
               and coalesce(amount_fen, -1) = $4 and payer_org_id = $5 and notes = $6",
            &[
                Key::Text(x.group.as_str()),
                Key::Text(&e.spent_on.to_string()),
                Key::Text(&e.kind),
                Key::Int(e.amount.map_or(-1, |a| a.get())),
                Key::Text(e.payer_org_id.as_str()),
                Key::Text(&e.notes),
            ],
        )
        .await?
        {
            problems.push(problem(
                Kind::Expense,
                x.line,
                "日期",
                format!(
                    "同一笔经费（{} {}）已登记（平台上或本表的另一行），请删去此行",
                    e.spent_on, e.notes
                ),
            ));
            continue;
        }
        if let Some(p) = &e.project_id
            && !project_there(conn, &x.group, p.as_str()).await?
        {
            problems.push(problem(
                Kind::Expense,
                x.line,
                "所属项目",
                "所属的合作项目未能导入（见合作项目表中的问题）",
            ));
            continue;
        }
        // Later rows a millisecond earlier: the list (newest first) reads in the sheet's order.
        let at = now_ms + (n - 1 - i as i64);
        match super::expenses::insert_expense(conn, actor, at, &x.group, e).await {
            Ok(id) => mark(conn, "expenses", id.as_str(), import).await?,
            Err(StoreError::Invalid(f)) => {
                problems.push(problem(Kind::Expense, x.line, "日期", f.message));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

async fn write_plans(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for x in &b.plans {
        if recorded(
            conn,
            "select id from annual_plans where group_id = $1 and year = $2",
            &[Key::Text(x.group.as_str()), Key::Int(i64::from(x.year))],
        )
        .await?
        {
            problems.push(problem(
                Kind::AnnualPlan,
                x.lines[0],
                "年度",
                format!(
                    "本组 {} 年度合作计划已在平台上，请删去这些行，在平台上补充或更正事项",
                    x.year
                ),
            ));
            continue;
        }
        let id = AnnualPlanId::new();
        let title = format!("{} 年度合作计划", x.year);
        sqlx::query(
            "insert into annual_plans (id, group_id, year, title, notes, created_by, created_at, history_import_id)
             values ($1, $2, $3, $4, '', $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(x.group.as_str())
        .bind(i64::from(x.year))
        .bind(&title)
        .bind(actor.user_id.as_ref().map(|u| u.to_string()))
        .bind(now_ms)
        .bind(import.as_str())
        .execute(&mut *conn)
        .await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "annual_plan.create",
                entity: "annual_plan",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "title": title, "notes": "", "group_id": x.group.as_str(), "year": x.year,
                    "history_import_id": import.as_str(),
                })),
            },
        )
        .await?;
        // One millisecond apart, so the plan lists its items in the sheet's order.
        for (i, (item, item_id)) in x.items.iter().zip(&x.ids).enumerate() {
            // A project of the workbook that was refused (its month locked) is not there to
            // link.
            if let Some(project) = &item.project
                && !project_there(conn, &x.group, project).await?
            {
                problems.push(problem(
                    Kind::AnnualPlan,
                    x.lines[i],
                    "关联项目",
                    "关联的合作项目未能导入（见合作项目表中的问题）",
                ));
                continue;
            }
            let at = now_ms + i as i64;
            super::annual_plans::insert_plan_item(conn, actor, at, &x.group, &id, item_id, item)
                .await?;
        }
    }
    Ok(())
}

async fn write_decisions(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for (i, x) in b.decisions.iter().enumerate() {
        // A meeting, project or plan item of the workbook that was refused is not there: its own
        // row says why.
        let mut missing = None;
        for (table, id, column) in [
            ("meetings", Some(x.meeting.to_string()), "会议日期"),
            (
                "meetings",
                x.followed_up_in.as_ref().map(|m| m.0.to_string()),
                "跟进会议日期",
            ),
            (
                "projects",
                match &x.decision.link {
                    Some(crate::domain::meeting::DecisionLink::Project(p)) => Some(p.clone()),
                    _ => None,
                },
                "关联项目",
            ),
            (
                "annual_plan_items",
                match &x.decision.link {
                    Some(crate::domain::meeting::DecisionLink::PlanItem(p)) => Some(p.clone()),
                    _ => None,
                },
                "关联计划事项",
            ),
        ] {
            if let Some(id) = id
                && !recorded(
                    conn,
                    &format!("select id from {table} where id = $1 and group_id = $2"),
                    &[Key::Text(&id), Key::Text(x.group.as_str())],
                )
                .await?
            {
                missing = Some(column);
                break;
            }
        }
        if let Some(column) = missing {
            problems.push(problem(
                Kind::Decision,
                x.line,
                column,
                "所指的记录未能导入（见相应工作表中的问题）",
            ));
            continue;
        }
        if recorded(
            conn,
            "select id from meeting_decisions where meeting_id = $1 and text = $2",
            &[Key::Text(x.meeting.as_str()), Key::Text(&x.decision.text)],
        )
        .await?
        {
            problems.push(problem(
                Kind::Decision,
                x.line,
                "决定事项",
                "这次会议的这项决定已在平台上或本表的另一行，请删去此行",
            ));
            continue;
        }
        let id = DecisionId::new();
        // One millisecond apart, so the meeting lists its decisions in the sheet's order.
        super::meetings::insert_decision(
            conn,
            actor,
            now_ms + i as i64,
            &x.group,
            &x.meeting,
            &id,
            &x.decision,
            x.followed_up_in.as_ref(),
        )
        .await?;
        mark(conn, "meeting_decisions", id.as_str(), import).await?;
    }
    Ok(())
}

async fn write_commendations(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    use super::commendations::CommendationState;
    for x in &b.commendations {
        let c = &x.commendation;
        let member = c
            .person
            .as_ref()
            .map(|p| p.0.to_string())
            .unwrap_or_default();
        // The same year's commendation of the group (or person) standing, or this very record
        // again (a withdrawn one with the same words and decision). Unlike the platform, the
        // nomination's time is not known: a decided one is recorded as nominated when decided,
        // one still nominated as nominated at the import.
        if recorded(
            conn,
            "select id from commendations where year = $1 and kind = $2 and group_id = $3
                 and coalesce(team_member_id, '') = $4
                 and ((state <> 'withdrawn' and $5 <> 'withdrawn')
                      or (state = $5 and citation = $6 and coalesce(decided_at, -1) = $7))",
            &[
                Key::Int(i64::from(c.year)),
                Key::Text(c.kind.as_str()),
                Key::Text(c.group_id.as_str()),
                Key::Text(&member),
                Key::Text(x.state.as_str()),
                Key::Text(&c.citation),
                Key::Int(
                    x.decided
                        .as_ref()
                        .filter(|_| x.state != CommendationState::Nominated)
                        .map_or(-1, |d| d.0),
                ),
            ],
        )
        .await?
        {
            problems.push(problem(
                Kind::Commendation,
                x.line,
                "结对组",
                format!(
                    "{} 年度本组（或此人）的这项表彰已在平台上或本表的另一行，请删去此行",
                    c.year
                ),
            ));
            continue;
        }
        // A member of the workbook whose row was refused is not there to name.
        if let Some(p) = &c.person
            && !recorded(
                conn,
                "select id from team_members where id = $1",
                &[Key::Text(p.0.as_str())],
            )
            .await?
        {
            problems.push(problem(
                Kind::Commendation,
                x.line,
                "姓名",
                "该队员未能导入（见队员表中的问题）",
            ));
            continue;
        }
        let id = crate::domain::ids::CommendationId::new();
        let decided = x
            .decided
            .as_ref()
            .filter(|_| x.state != CommendationState::Nominated);
        super::commendations::insert_commendation(
            conn,
            &id,
            c,
            &super::commendations::Written {
                state: x.state,
                nominated_by: None,
                nominated_at: decided.map_or(now_ms, |d| d.0),
                decided: decided.map(|d| (d.0, Some(d.1.as_str()).filter(|n| !n.is_empty()))),
                import: Some(import),
            },
            now_ms,
        )
        .await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "commendation.history",
                entity: "commendation",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "year": c.year, "kind": c.kind.as_str(), "group_id": c.group_id.as_str(),
                    "person_name": c.person.as_ref().map(|p| p.2.clone()), "citation": c.citation,
                    "state": x.state.as_str(), "decided_at": decided.map(|d| d.0),
                    "decided_by": decided.map(|d| d.1.clone()),
                    "history_import_id": import.as_str(),
                })),
            },
        )
        .await?;
    }
    Ok(())
}

async fn write_reports(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    import: &HistoryImportId,
    b: &Backfill,
    problems: &mut Vec<Problem>,
) -> Result<(), StoreError> {
    for r in &b.reports {
        if recorded(
            conn,
            "select id from monthly_reports where plan_id = $1 and school_id = $2 and month = $3",
            &[
                Key::Text(r.plan_id.as_str()),
                Key::Text(r.school.as_str()),
                Key::Text(&r.month.to_string()),
            ],
        )
        .await?
        {
            problems.push(problem(
                Kind::Report,
                r.line,
                "月份",
                format!(
                    "该校 {} 的月报已在平台上或本表的另一行，请删去此行",
                    r.month.label()
                ),
            ));
            continue;
        }
        let id = MonthlyReportId::new();
        sqlx::query(
            "insert into monthly_reports (id, plan_id, school_id, month, state, version, first_submitted_at,
                last_submitted_at, reviewed_at, review_comment, created_at, updated_at, history_import_id)
             values ($1, $2, $3, $4, 'accepted', 0, $5, $5, $5, $6, $7, $7, $8)",
        )
        .bind(id.as_str())
        .bind(r.plan_id.as_str())
        .bind(r.school.as_str())
        .bind(r.month.to_string())
        .bind(r.submitted_ms)
        .bind(&r.note)
        .bind(now_ms)
        .bind(import.as_str())
        .execute(&mut *conn)
        .await?;
        audit::append(
            conn,
            actor,
            now_ms,
            AuditEntry {
                action: "monthly_report.history",
                entity: "monthly_report",
                entity_id: Some(id.as_str()),
                before: None,
                after: Some(json!({
                    "school_id": r.school.as_str(), "month": r.month.to_string(),
                    "state": "accepted", "first_submitted_at": r.submitted_ms, "note": r.note,
                    "history_import_id": import.as_str(),
                })),
            },
        )
        .await?;
        if let Some(f) = &r.file {
            super::monthly_reports::insert_report_file(conn, actor, now_ms, &id, f).await?;
        }
    }
    Ok(())
}
