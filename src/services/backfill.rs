//! 历史补录: a bureau imports the records kept before the platform from one workbook (a sheet per
//! record kind, the template's) and an optional zip of the files its sheets name. A dry run lists
//! what would be written and every problem of every row; only a workbook with none is written,
//! all or nothing, once. The web page, the API and `xiaodi import history` all come here.

use crate::domain::FieldError;
use crate::domain::annual_plan::{PlanItemInput, parse_item};
use crate::domain::backfill::{Kind, Problem, counts_line};
use crate::domain::base::{BASE_FUNCTIONS, BaseInput, parse_base};
use crate::domain::coordination::{CoordinatorInput, parse_coordinator};
use crate::domain::ids::{
    GroupId, HistoryImportId, MeetingId, OrgId, PlanId, PlanItemId, ProjectId, TeamMemberId,
};
use crate::domain::matter::{MatterInput, parse_matter};
use crate::domain::meeting::{
    DecisionInput, MeetingInput, parse_decision, parse_meeting, people_from_lines,
};
use crate::domain::monthly::{date_of_ms, deadline, end_of_day_ms, start_of_day_ms};
use crate::domain::org::MemberRole;
use crate::domain::plan::{Month, Plan, PlanYears};
use crate::domain::sheet::{Columns, RowError, locate_columns, parse_sheet_date};
use crate::domain::team::{TeamMemberInput, parse_departure, parse_team_member};
use crate::domain::user::Role;
use crate::services::ServiceError;
use crate::services::workspace::expense_import::ExpenseSheet;
use crate::services::workspace::onsite::{OnsiteSheet, find_organisation, find_place};
use crate::services::workspace::projects::ProjectSheet;
use crate::services::workspace::{Upload, Writer};
use crate::store::backfill::{
    Backfill, BackfillAgreement, BackfillBase, BackfillCommendation, BackfillCoordinator,
    BackfillDecision, BackfillExpense, BackfillMatter, BackfillMeeting, BackfillMember,
    BackfillOnsite, BackfillPlan, BackfillProject, BackfillReport,
};
use crate::store::files::{CheckedFile, FileKind, check_upload};
use crate::store::meetings::ProjectChoice;
use crate::store::plans::PlanCache;
use crate::store::team::TeamMemberRow;
use crate::store::{GroupFilter, GroupRow, GroupScope, StoreError};
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

const SCAN_KINDS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];
/// What a base photo may be (as on the base's page).
const PHOTO_KINDS: [FileKind; 2] = [FileKind::Jpeg, FileKind::Png];
/// A past monthly report's own file: as the school wrote it, or its scan.
const REPORT_KINDS: [FileKind; 2] = [FileKind::Docx, FileKind::Pdf];
/// The largest zip of files taken with a workbook (the web's and the API's upload limit).
pub const MAX_FILES_BYTES: usize = 64 * 1024 * 1024;
/// The template's sheet of explanations: read past, never imported.
pub const EXPLANATIONS_SHEET: &str = "说明";

/// What a dry run or an import found: how many records of each kind (the rows that could be
/// read), every problem, and the import's id once written.
#[derive(Debug)]
pub struct Outcome {
    pub counts: Vec<(Kind, usize)>,
    pub problems: Vec<Problem>,
    pub imported: Option<HistoryImportId>,
}

impl Outcome {
    /// "将导入 协议 8 条、队员 56 条、驻点服务 1,204 条、月报 630 份".
    pub fn counts_line(&self) -> String {
        counts_line(&self.counts)
    }
}

/// The template (模板) under the current plan (its outcome figures head the projects' sheet):
/// for the bureau only.
pub async fn template(
    by: &crate::services::access::Viewer,
    store: &crate::store::Store,
    plans: &PlanCache,
    today: Date,
) -> Result<Vec<u8>, ServiceError> {
    by.require(&[Role::Bureau])?;
    let Some((_, years)) = plans.current_years(store).await? else {
        return Err(ServiceError::Conflict("尚未加载行动方案".into()));
    };
    crate::exports::backfill::template_xlsx(years.for_year(today.year()))
        .map_err(|e| StoreError::Internal(e.into()).into())
}

/// Checks the workbook against the current plan and writes nothing (`commit` unset), or checks
/// it and, when it has no problem, writes it all or nothing.
pub async fn check_or_import(
    w: &Writer<'_>,
    plans: &PlanCache,
    today: Date,
    workbook: &Upload,
    files: Option<&Upload>,
    commit: bool,
) -> Result<Outcome, ServiceError> {
    w.by.require(&[Role::Bureau])?;
    let Some((plan_id, years)) = plans.current_years(w.store).await? else {
        return Err(ServiceError::Conflict("尚未加载行动方案".into()));
    };
    run(w, &plan_id, &years, today, workbook, files, commit).await
}

async fn run(
    w: &Writer<'_>,
    plan_id: &PlanId,
    years: &PlanYears,
    today: Date,
    workbook: &Upload,
    files: Option<&Upload>,
    commit: bool,
) -> Result<Outcome, ServiceError> {
    w.by.require(&[Role::Bureau])?;
    let (backfill, mut problems) = read(w, plan_id, years, today, workbook, files).await?;
    let counts = backfill.counts();
    if problems.is_empty() && counts.iter().all(|(_, n)| *n == 0) {
        problems.push(workbook_problem(
            "工作簿中没有任何记录：请在模板的工作表中按表头填写后再上传",
        ));
    }
    let refused = |problems: Vec<Problem>| Outcome {
        counts: counts.clone(),
        problems,
        imported: None,
    };
    if !problems.is_empty() {
        // The database's checks of the rows that could be read, so the list is whole (none when
        // the workbook as a whole was refused: read already, unreadable, or empty).
        let whole = problems.iter().any(|p| p.sheet == WORKBOOK);
        if !whole
            && let Err(found) = w
                .store
                .write_backfill(&w.actor(), w.now_ms, &backfill, false)
                .await?
        {
            problems.extend(found);
        }
        sort(&mut problems);
        return Ok(refused(problems));
    }
    if !commit {
        return Ok(
            match w
                .store
                .write_backfill(&w.actor(), w.now_ms, &backfill, false)
                .await?
            {
                Ok(_) => refused(Vec::new()),
                Err(mut found) => {
                    sort(&mut found);
                    refused(found)
                }
            },
        );
    }
    let scans: Vec<CheckedFile> = backfill
        .agreements
        .iter()
        .flat_map(|a| a.scans.iter().cloned())
        .chain(backfill.bases.iter().flat_map(|b| b.photos.iter().cloned()))
        .chain(
            backfill
                .meetings
                .iter()
                .flat_map(|m| m.papers.iter().cloned()),
        )
        .chain(backfill.reports.iter().filter_map(|r| r.file.clone()))
        .collect();
    let added = w
        .files
        .put_all(&scans)
        .await
        .map_err(|e| StoreError::Internal(e.into()))?;
    let written = w
        .store
        .write_backfill(&w.actor(), w.now_ms, &backfill, true)
        .await;
    match written {
        Ok(Ok(id)) => Ok(Outcome {
            counts,
            problems: Vec::new(),
            imported: id,
        }),
        other => {
            match w.store.unreferenced_digests(&added).await {
                Ok(orphans) => w.files.remove_all(&orphans).await,
                Err(e) => tracing::warn!(error = %e, "could not check imported files for removal"),
            }
            let mut found = match other? {
                Err(found) => found,
                Ok(_) => Vec::new(),
            };
            sort(&mut found);
            Ok(refused(found))
        }
    }
}

fn sort(problems: &mut [Problem]) {
    let order = |sheet: &str| {
        Kind::parse_sheet(sheet).map_or(0, |k| {
            1 + Kind::ALL.iter().position(|x| *x == k).unwrap_or(0)
        })
    };
    problems.sort_by(|a, b| {
        (order(&a.sheet), &a.sheet, a.row).cmp(&(order(&b.sheet), &b.sheet, b.row))
    });
}

/// A workspace sheet's row errors as the history import's problems of `kind`'s sheet.
fn row_problems(kind: Kind, errors: Vec<RowError>) -> impl Iterator<Item = Problem> {
    errors
        .into_iter()
        .map(move |e| at(kind, e.row, &e.column, e.message))
}

fn at(kind: Kind, row: usize, column: &str, message: impl Into<String>) -> Problem {
    Problem::new(Some(kind), kind.sheet(), row, column, message.into())
}

/// The sheet name problems of the workbook as a whole carry.
const WORKBOOK: &str = "工作簿";

/// A date cell, or its problem noted.
fn sheet_date(
    kind: Kind,
    line: usize,
    column: &'static str,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<Date> {
    parse_sheet_date(column, text)
        .map_err(|e| problems.push(at(kind, line, e.field, e.message)))
        .ok()
}

/// A 是 / 否 cell (empty: 否), or its problem noted.
fn yes_no(kind: Kind, line: usize, column: &str, text: &str, problems: &mut Vec<Problem>) -> bool {
    match text {
        "" | "否" => false,
        "是" => true,
        other => {
            problems.push(at(
                kind,
                line,
                column,
                format!("应填 是 或 否，实际为“{other}”"),
            ));
            false
        }
    }
}

/// A moment and a name of the workbook (签收, 答复时间): not later than now, not before the
/// report.
fn later_moment(
    kind: Kind,
    line: usize,
    column: &'static str,
    text: &str,
    reported: Option<i64>,
    now_ms: i64,
) -> Result<(i64, String), Problem> {
    match moment_and_name(column, text) {
        Ok((at_ms, _)) if at_ms > now_ms => Err(at(kind, line, column, "晚于现在，不是历史记录")),
        Ok((at_ms, _)) if reported.is_some_and(|r| at_ms < r) => {
            Err(at(kind, line, column, "早于报告时间"))
        }
        Ok(found) => Ok(found),
        Err(e) => Err(at(kind, line, e.field, e.message)),
    }
}

fn workbook_problem(message: impl Into<String>) -> Problem {
    Problem::new(None, WORKBOOK, 1, "文件", message.into())
}

/// Everything the workbook's sheets hold that could be read, and every problem found.
async fn read(
    w: &Writer<'_>,
    plan_id: &PlanId,
    years: &PlanYears,
    today: Date,
    workbook: &Upload,
    files: Option<&Upload>,
) -> Result<(Backfill, Vec<Problem>), ServiceError> {
    let sha256: String = Sha256::digest(&workbook.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut backfill = Backfill {
        sha256: sha256.clone(),
        file_name: file_name(&workbook.file_name, "历史补录.xlsx"),
        files_name: files.map(|f| file_name(&f.file_name, "附件.zip")),
        team: Vec::new(),
        agreements: Vec::new(),
        onsite: Vec::new(),
        bases: Vec::new(),
        meetings: Vec::new(),
        coordinators: Vec::new(),
        matters: Vec::new(),
        projects: Vec::new(),
        expenses: Vec::new(),
        plans: Vec::new(),
        decisions: Vec::new(),
        commendations: Vec::new(),
        reports: Vec::new(),
    };
    let mut problems = Vec::new();
    if let Some(earlier) = w.store.earlier_import(&sha256).await? {
        problems.push(workbook_problem(format!(
            "这份工作簿已于 {} 由 {} 导入（文件“{}”），不能重复导入；补充的记录请另建工作簿",
            crate::clock::format_ms(earlier.at),
            earlier.by,
            earlier.file_name
        )));
        return Ok((backfill, problems));
    }
    // Only the template's sheets are read; any other is named as not known.
    let known = |name: &str| Kind::parse_sheet(name).is_some();
    let sheets = match crate::imports::read_workbook(&workbook.bytes, &known) {
        Ok(s) => s,
        Err(m) => {
            problems.push(workbook_problem(m));
            return Ok((backfill, problems));
        }
    };
    let (groups, _) = w
        .store
        .list_groups(
            &GroupScope::All,
            &GroupFilter {
                q: None,
                limit: i64::MAX,
                offset: 0,
            },
        )
        .await?;
    // The current plan's groups (a group number names one within its plan).
    let groups: Vec<GroupRow> = groups
        .into_iter()
        .filter(|g| &g.plan_id == plan_id)
        .collect();
    let by_number: HashMap<i64, &GroupRow> = groups.iter().map(|g| (g.number, g)).collect();
    let mut sheet_of: HashMap<Kind, &Vec<Vec<String>>> = HashMap::new();
    for (name, rows) in &sheets {
        match (Kind::parse_sheet(name), rows) {
            (Some(k), Some(rows)) => {
                sheet_of.insert(k, rows);
            }
            _ if name.trim() == EXPLANATIONS_SHEET => {}
            _ => problems.push(Problem::new(
                None,
                name,
                1,
                "工作表",
                format!(
                    "不认识的工作表“{name}”：工作表名应为 {}（请用平台下载的模板）",
                    Kind::ALL.map(|k| k.sheet()).join("、")
                ),
            )),
        }
    }
    if sheet_of.is_empty() {
        problems.push(workbook_problem(format!(
            "工作簿中没有可导入的工作表，应有 {} 中的一个或几个",
            Kind::ALL.map(|k| k.sheet()).join("、")
        )));
        return Ok((backfill, problems));
    }
    // The files the sheets name, taken from the zip (only those).
    let limit = years.original().rules.attachment_max_mb as usize * 1024 * 1024;
    let wanted: HashSet<String> = FILE_COLUMNS
        .iter()
        .filter_map(|(kind, column, _)| {
            sheet_of
                .get(kind)
                .map(|rows| file_names(*kind, rows, *column))
        })
        .flatten()
        .collect();
    let zipped = Zipped {
        with_zip: files.is_some(),
        limit,
        files: match files {
            Some(f) if !wanted.is_empty() => {
                match crate::imports::read_zip_files(&f.bytes, &wanted, limit) {
                    Ok(z) => z,
                    Err(m) => {
                        problems.push(Problem::new(None, "压缩包", 1, "文件", m));
                        HashMap::new()
                    }
                }
            }
            _ => HashMap::new(),
        },
    };
    // Every team of the plan in one query, by group number.
    let mut by_group = w.store.teams_of_plan(plan_id).await?;
    let mut teams: HashMap<i64, Vec<TeamMemberRow>> = groups
        .iter()
        .map(|g| (g.number, by_group.remove(&g.id).unwrap_or_default()))
        .collect();
    let ctx = Context {
        by_number: &by_number,
        today,
    };
    if let Some(rows) = sheet_of.get(&Kind::Team) {
        ctx.team(rows, &mut backfill, &mut teams, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Agreement) {
        ctx.agreements(rows, &zipped, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Onsite) {
        ctx.onsite(rows, &teams, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Base) {
        ctx.bases(rows, &zipped, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Meeting) {
        ctx.meetings(rows, &zipped, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Coordination) {
        ctx.coordinators(rows, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Matter) {
        ctx.matters(rows, w.now_ms, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Project) {
        ctx.projects(
            rows,
            years.for_year(today.year()),
            &mut backfill,
            &mut problems,
        );
    }
    // The projects an expense or a plan item may name: the workbook's, and the platform's (every
    // group's of the plan, in one query, when either sheet is there).
    let mut projects: HashMap<i64, Vec<ProjectChoice>> = HashMap::new();
    let number_of: HashMap<&GroupId, i64> = groups.iter().map(|g| (&g.id, g.number)).collect();
    for p in &backfill.projects {
        if let Some(n) = number_of.get(&p.group) {
            projects.entry(*n).or_default().push(ProjectChoice {
                id: p.id.to_string(),
                title: p.project.title.clone(),
                area: i64::from(p.project.area),
            });
        }
    }
    if [Kind::Expense, Kind::AnnualPlan, Kind::Decision]
        .iter()
        .any(|k| sheet_of.contains_key(k))
    {
        let mut on_platform = w.store.project_choices_of_plan(plan_id).await?;
        for g in &groups {
            if let Some(found) = on_platform.remove(&g.id) {
                projects.entry(g.number).or_default().extend(found);
            }
        }
    }
    if let Some(rows) = sheet_of.get(&Kind::Expense) {
        ctx.expenses(rows, &projects, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::AnnualPlan) {
        ctx.plans(rows, years, &projects, &mut backfill, &mut problems);
    }
    if let Some(rows) = sheet_of.get(&Kind::Decision) {
        // The meetings and plan items a decision may name: the workbook's, and the platform's of
        // the groups the sheet names (one query each per group).
        let mut meetings: HashMap<i64, Vec<MeetingRef>> = HashMap::new();
        let mut items: HashMap<i64, Vec<ItemRef>> = HashMap::new();
        for m in &backfill.meetings {
            if let Some(n) = number_of.get(&m.group) {
                meetings.entry(*n).or_default().push(MeetingRef {
                    id: m.id.clone(),
                    held_on: m.meeting.held_on,
                    place: m.meeting.place.clone(),
                });
            }
        }
        for p in &backfill.plans {
            if let Some(n) = number_of.get(&p.group) {
                let of = items.entry(*n).or_default();
                for (item, id) in p.items.iter().zip(&p.ids) {
                    of.push(ItemRef {
                        id: id.to_string(),
                        year: p.year,
                        text: item.text.clone(),
                    });
                }
            }
        }
        let named: HashSet<i64> = match locate(Kind::Decision, rows) {
            Ok(columns) => data_rows(rows, columns.first_data_row)
                .filter_map(|(_, r)| columns.cell(r, 0).parse::<i64>().ok())
                .collect(),
            Err(_) => HashSet::new(),
        };
        for n in named {
            let Some(g) = by_number.get(&n) else { continue };
            for m in w.store.list_meetings(&g.id, None).await? {
                meetings.entry(n).or_default().push(MeetingRef {
                    id: m.id,
                    held_on: m.held_on,
                    place: m.place,
                });
            }
            for c in w.store.plan_item_choices(&g.id).await? {
                items.entry(n).or_default().push(ItemRef {
                    id: c.id,
                    year: c.year,
                    text: c.text,
                });
            }
        }
        ctx.decisions(
            rows,
            &meetings,
            &projects,
            &items,
            &mut backfill,
            &mut problems,
        );
    }
    if let Some(rows) = sheet_of.get(&Kind::Commendation) {
        ctx.commendations(
            rows,
            years,
            plan_id,
            &teams,
            w.now_ms,
            &mut backfill,
            &mut problems,
        );
    }
    if let Some(rows) = sheet_of.get(&Kind::Report) {
        ctx.reports(
            rows,
            years,
            &groups,
            plan_id,
            w.now_ms,
            &zipped,
            &mut backfill,
            &mut problems,
        );
    }
    Ok((backfill, problems))
}

fn file_name(name: &str, default: &str) -> String {
    let n: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    if n.trim().is_empty() {
        default.to_string()
    } else {
        n
    }
}

/// File names in a cell: separated by ；or ; only (a file's name may hold 、).
fn split_files(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split([';', '；'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn split_names(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split([';', '；', '、'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The id of the one project of a group (the workbook's and the platform's `choices`) named
/// `title`: empty for no title; the problem when none (`missing`) or several bear it.
fn project_named(
    choices: Option<&Vec<ProjectChoice>>,
    title: &str,
    missing: impl FnOnce() -> String,
) -> Result<String, String> {
    if title.is_empty() {
        return Ok(String::new());
    }
    let named: Vec<&ProjectChoice> = choices
        .into_iter()
        .flatten()
        .filter(|p| p.title == title)
        .collect();
    match named.as_slice() {
        [p] => Ok(p.id.clone()),
        [] => Err(missing()),
        _ => Err(format!("本组有多个名为“{title}”的合作项目，请在平台上关联")),
    }
}

/// A plan item a decision of the workbook may name: of the workbook or the platform.
struct ItemRef {
    id: String,
    year: i16,
    text: String,
}

/// A meeting a decision of the workbook may name: of the workbook or the platform.
struct MeetingRef {
    id: MeetingId,
    held_on: Date,
    place: String,
}

/// The columns that name files of the zip: the sheet, the column's index and its heading.
const FILE_COLUMNS: [(Kind, usize, &str); 4] = [
    (Kind::Agreement, 3, "扫描件"),
    (Kind::Base, 6, "照片"),
    (Kind::Meeting, 10, "会议材料"),
    (Kind::Report, 4, "报告文件"),
];

/// The file names a sheet's file column lists.
fn file_names(kind: Kind, rows: &[Vec<String>], column: usize) -> HashSet<String> {
    let Ok(columns) = locate(kind, rows) else {
        return HashSet::new();
    };
    rows.iter()
        .skip(columns.first_data_row)
        .flat_map(|r| split_files(&columns.cell(r, column)).collect::<Vec<_>>())
        .collect()
}

/// The files of the zip the sheets name, and whether a zip came with the workbook.
struct Zipped {
    with_zip: bool,
    limit: usize,
    files: HashMap<String, Vec<u8>>,
}

impl Zipped {
    /// The files a cell names, each checked as an upload of one of `kinds`; a name the zip lacks,
    /// or a file that is not what it should be, is a problem of the cell.
    fn take(
        &self,
        kind: Kind,
        line: usize,
        column: &'static str,
        cell: &str,
        kinds: &[FileKind],
        problems: &mut Vec<Problem>,
    ) -> Vec<CheckedFile> {
        let mut out = Vec::new();
        for name in split_files(cell) {
            match self.files.get(&name) {
                Some(bytes) => {
                    match check_upload(column, &name, bytes.clone(), self.limit, kinds) {
                        Ok(f) => out.push(f),
                        Err(e) => problems.push(at(kind, line, e.field, e.message)),
                    }
                }
                None if self.with_zip => {
                    problems.push(at(kind, line, column, format!("压缩包中没有文件“{name}”")))
                }
                None => problems.push(at(
                    kind,
                    line,
                    column,
                    format!("表中列出了“{name}”，但没有随工作簿上传文件压缩包"),
                )),
            }
        }
        out
    }
}

/// The sheet's columns (every one of its kind, in any order), or the missing headings.
fn locate(kind: Kind, rows: &[Vec<String>]) -> Result<Columns, Vec<Problem>> {
    let wanted: Vec<(&str, &str)> = kind
        .columns()
        .iter()
        .map(|c| (c.heading, c.heading))
        .collect();
    locate_columns(rows, &wanted).map_err(|errors| row_problems(kind, errors).collect())
}

fn data_rows(rows: &[Vec<String>], from: usize) -> impl Iterator<Item = (usize, &Vec<String>)> {
    rows.iter()
        .enumerate()
        .skip(from)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| (i + 1, r))
}

struct Context<'a> {
    by_number: &'a HashMap<i64, &'a GroupRow>,
    today: Date,
}

impl<'a> Context<'a> {
    fn group(&self, kind: Kind, line: usize, cell: &str) -> Result<&'a GroupRow, Problem> {
        let n = cell.trim().parse::<i64>().ok();
        match n.and_then(|n| self.by_number.get(&n)) {
            Some(g) => Ok(g),
            None if cell.trim().is_empty() => Err(at(kind, line, "结对组编号", "不能为空")),
            None => Err(at(
                kind,
                line,
                "结对组编号",
                format!("平台上没有编号为“{}”的结对组", cell.trim()),
            )),
        }
    }

    /// The sheet's rows with the group each names (column 0); a row naming none is a problem.
    fn grouped<'r>(
        &self,
        kind: Kind,
        rows: &'r [Vec<String>],
        columns: &Columns,
        problems: &mut Vec<Problem>,
    ) -> Vec<(usize, &'r Vec<String>, &'a GroupRow)> {
        data_rows(rows, columns.first_data_row)
            .filter_map(|(line, row)| {
                self.group(kind, line, &columns.cell(row, 0))
                    .map(|g| (line, row, g))
                    .map_err(|p| problems.push(p))
                    .ok()
            })
            .collect()
    }

    /// The group's number column and a sheet read by a workspace import's own code (its
    /// columns found by heading), or every heading missing from either.
    fn locate_with<T>(
        kind: Kind,
        rows: &[Vec<String>],
        sheet: Result<T, Vec<RowError>>,
    ) -> Result<(Columns, T), Vec<Problem>> {
        let group_column = locate_columns(rows, &[("结对组编号", "结对组编号")])
            .map_err(|found| row_problems(kind, found).collect::<Vec<_>>());
        match (group_column, sheet) {
            (Ok(c), Ok(s)) => Ok((c, s)),
            (c, s) => {
                let mut found = c.err().unwrap_or_default();
                for e in s.err().unwrap_or_default() {
                    if !found.iter().any(|p| p.column == e.column) {
                        found.push(at(kind, e.row, &e.column, e.message));
                    }
                }
                Err(found)
            }
        }
    }

    fn team(
        &self,
        rows: &[Vec<String>],
        out: &mut Backfill,
        teams: &mut HashMap<i64, Vec<TeamMemberRow>>,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Team;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        for (line, row) in data_rows(rows, columns.first_data_row) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let group = match self.group(kind, line, &cell(0)) {
                Ok(g) => Some(g),
                Err(p) => {
                    problems.push(p);
                    None
                }
            };
            let joined = match parse_sheet_date("加入日期", &cell(7)) {
                Ok(d) => d.to_string(),
                Err(e) => {
                    problems.push(at(kind, line, e.field, e.message));
                    String::new()
                }
            };
            let leader = yes_no(kind, line, "校级领导", &cell(5), problems);
            let Some(group) = group else { continue };
            let org_name = cell(2);
            let org = group
                .members
                .iter()
                .find(|m| {
                    matches!(
                        m.role,
                        MemberRole::University | MemberRole::VocationalSchool
                    ) && m.name == org_name
                })
                .map(|m| m.org_id.clone());
            if org.is_none() {
                problems.push(at(
                    kind,
                    line,
                    "所在单位",
                    if org_name.is_empty() {
                        "不能为空".to_string()
                    } else {
                        format!("“{org_name}”不是第 {} 组的签约学校", group.number)
                    },
                ));
            }
            let input = TeamMemberInput {
                person_name: cell(1),
                org_id: org.as_ref().map(|o| o.to_string()).unwrap_or_default(),
                role: cell(3),
                title: cell(4),
                school_leader: leader,
                phone: cell(6),
                joined_on: joined,
            };
            let parsed = parse_team_member(&input, &group.calendar(), self.today);
            let member = match parsed {
                Ok(m) => Some(m),
                Err(found) => {
                    for f in found.0 {
                        // The school already named as wrong, or a date already refused.
                        if !problems[before..].iter().any(|p| p.column == f.field) {
                            problems.push(at(kind, line, f.field, f.message));
                        }
                    }
                    None
                }
            };
            let left_on = match (cell(8).as_str(), &member) {
                ("", _) => None,
                (text, Some(m)) => match parse_sheet_date("离队日期", text)
                    .map_err(Into::into)
                    .and_then(|d| parse_departure(&d.to_string(), m.joined_on(), self.today))
                {
                    Ok(d) => Some(d.left_on()),
                    Err(found) => {
                        for f in found.0 {
                            problems.push(at(kind, line, f.field, f.message));
                        }
                        None
                    }
                },
                (_, None) => None,
            };
            let Some(member) = member.filter(|_| problems.len() == before) else {
                continue;
            };
            // On the team already (a workbook imported again under another name): the on-site
            // rows that name them find the member recorded, and this row is refused.
            let team = teams.entry(group.number).or_default();
            if let Some(t) = team.iter().find(|t| {
                t.person_name == member.person_name()
                    && &t.org_id == member.org_id()
                    && t.joined_on == member.joined_on()
            }) {
                problems.push(at(
                    kind,
                    line,
                    "姓名",
                    format!(
                        "{} 已在服务工作队中（{} 加入），请删去此行",
                        t.person_name, t.joined_on
                    ),
                ));
                continue;
            }
            let id = TeamMemberId::new();
            team.push(TeamMemberRow {
                id: id.clone(),
                person_name: member.person_name().to_string(),
                org_id: member.org_id().clone(),
                org_name: org_name.clone(),
                role: member.role(),
                title: member.title(),
                school_leader: member.school_leader(),
                phone: member.phone().to_string(),
                joined_on: member.joined_on(),
                left_on,
                backfilled: true,
            });
            out.team.push(BackfillMember {
                line,
                group: group.id.clone(),
                id,
                member,
                left_on,
            });
        }
    }

    fn agreements(
        &self,
        rows: &[Vec<String>],
        zipped: &Zipped,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Agreement;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        let mut seen = HashSet::new();
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            if !seen.insert(group.number) {
                problems.push(at(
                    kind,
                    line,
                    "结对组编号",
                    format!("第 {} 组的三方协议在本表中出现了两次", group.number),
                ));
                continue;
            }
            let signed_on = match cell(1).as_str() {
                "" => None,
                text => match parse_sheet_date("签署日期", text) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        problems.push(at(kind, line, e.field, e.message));
                        None
                    }
                },
            };
            let scans = zipped.take(kind, line, "扫描件", &cell(3), &SCAN_KINDS, problems);
            let on = signed_on.unwrap_or(self.today);
            let parties: Vec<String> = group
                .members
                .iter()
                .filter(|m| m.active_on(on))
                .map(|m| m.org_id.to_string())
                .collect();
            let input = crate::domain::agreement::AgreementInput {
                signed_on: signed_on.map(|d| d.to_string()).unwrap_or_default(),
                notes: cell(2),
                parties,
                with_scans: !scans.is_empty(),
            };
            match crate::domain::agreement::parse_agreement(&input, &group.calendar(), self.today) {
                Ok(a) if problems.len() == before => out.agreements.push(BackfillAgreement {
                    line,
                    group: group.id.clone(),
                    signed_on: a.signed_on(),
                    notes: a.notes().to_string(),
                    parties: a.parties().to_vec(),
                    scans,
                }),
                Ok(_) => {}
                Err(found) => {
                    for f in found.0 {
                        if !problems[before..].iter().any(|p| p.column == f.field) {
                            problems.push(at(kind, line, f.field, f.message));
                        }
                    }
                }
            }
        }
    }

    fn onsite(
        &self,
        rows: &[Vec<String>],
        teams: &HashMap<i64, Vec<TeamMemberRow>>,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Onsite;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        let sheet = match OnsiteSheet::locate(rows) {
            Ok(s) => s,
            Err(found) => {
                problems.extend(row_problems(kind, found));
                return;
            }
        };
        let mut by_group: HashMap<i64, BackfillOnsite> = HashMap::new();
        let mut order = Vec::new();
        let no_team = Vec::new();
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let team = teams.get(&group.number).unwrap_or(&no_team);
            let entry = sheet.entry(line, row, group, self.today, team);
            let confirmed = confirmation(&columns.cell(row, 6));
            let (entry, confirmed) = match (entry, confirmed) {
                (Ok(e), Ok(c)) => (e, c),
                (entry, confirmed) => {
                    if let Err(found) = entry {
                        problems.extend(row_problems(kind, found));
                    }
                    if let Err(m) = confirmed {
                        problems.push(at(kind, line, "确认情况", m));
                    }
                    continue;
                }
            };
            // Confirmed when and by whom the sheet says; 已确认 alone: on the entry's last day, by
            // the place whose word it was.
            let confirmed = confirmed.map(|(at, by)| {
                let place = || {
                    group
                        .members
                        .iter()
                        .find(|m| &m.org_id == entry.place_org_id())
                        .map(|m| m.name.clone())
                        .unwrap_or_default()
                };
                (
                    at.unwrap_or_else(|| end_of_day_ms(entry.date_to())),
                    by.unwrap_or_else(place),
                )
            });
            let g = by_group.entry(group.number).or_insert_with(|| {
                order.push(group.number);
                BackfillOnsite {
                    group: group.id.clone(),
                    lines: Vec::new(),
                    entries: Vec::new(),
                    confirmed: Vec::new(),
                }
            });
            g.lines.push(line);
            g.entries.push(entry);
            g.confirmed.push(confirmed);
        }
        for n in order {
            if let Some(g) = by_group.remove(&n) {
                out.onsite.push(g);
            }
        }
    }

    fn bases(
        &self,
        rows: &[Vec<String>],
        zipped: &Zipped,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Base;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let opened_on = sheet_date(kind, line, "揭牌日期", &cell(4), problems);
            let place = match find_place(group, opened_on, &cell(2), "所在地") {
                Ok(p) => p.to_string(),
                Err(e) => {
                    problems.push(at(kind, line, e.field, e.message));
                    String::new()
                }
            };
            let mut functions = Vec::new();
            for label in split_names(&cell(3)) {
                match BASE_FUNCTIONS.iter().find(|(_, l)| *l == label) {
                    Some((code, _)) => functions.push(code.to_string()),
                    None => {
                        problems.push(at(kind, line, "功能", format!("“{label}”不是可选的功能")))
                    }
                }
            }
            let input = BaseInput {
                name: cell(1),
                place,
                functions,
                opened_on: opened_on.map(|d| d.to_string()).unwrap_or_default(),
                description: cell(5),
            };
            let photos = zipped.take(kind, line, "照片", &cell(6), &PHOTO_KINDS, problems);
            match parse_base(&input, &group.calendar(), self.today) {
                Ok(base) if problems.len() == before => out.bases.push(BackfillBase {
                    line,
                    group: group.id.clone(),
                    base,
                    photos,
                }),
                Ok(_) => {}
                // The form's 基地功能 is the sheet's 功能.
                Err(found) => {
                    self.keep_new_as(kind, line, before, found, ("基地功能", "功能"), problems)
                }
            }
        }
    }

    fn meetings(
        &self,
        rows: &[Vec<String>],
        zipped: &Zipped,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Meeting;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let held_on = sheet_date(kind, line, "会议日期", &cell(1), problems);
            let named = |index: usize, column: &str, problems: &mut Vec<Problem>| -> Vec<OrgId> {
                split_names(&cell(index))
                    .filter_map(
                        |name| match find_organisation(group, held_on, &name, false) {
                            Ok(o) => Some(o),
                            Err(m) => {
                                problems.push(at(kind, line, column, m));
                                None
                            }
                        },
                    )
                    .collect()
            };
            let orgs = named(3, "参会单位", problems);
            let confirmed = named(4, "已确认参会", problems);
            if let Some(o) = confirmed.iter().find(|o| !orgs.contains(o)) {
                let name = group
                    .members
                    .iter()
                    .find(|m| &m.org_id == o)
                    .map_or("", |m| m.name.as_str());
                problems.push(at(
                    kind,
                    line,
                    "已确认参会",
                    format!("“{name}”不在参会单位中"),
                ));
            }
            let adopts = yes_no(kind, line, "审议通过年度计划", &cell(8), problems);
            let input = MeetingInput {
                held_on: held_on.map(|d| d.to_string()).unwrap_or_default(),
                place: cell(2),
                orgs: orgs.iter().map(|o| o.to_string()).collect(),
                people: people_from_lines(&cell(5).replace(['；', ';'], "\n")),
                agenda: cell(6),
                minutes: cell(7),
                adopts_annual_plan: adopts,
            };
            let papers = zipped.take(kind, line, "会议材料", &cell(10), &SCAN_KINDS, problems);
            match parse_meeting(&input, &group.calendar(), self.today) {
                Ok(meeting) if problems.len() == before => out.meetings.push(BackfillMeeting {
                    line,
                    id: MeetingId::new(),
                    group: group.id.clone(),
                    confirmed_ms: end_of_day_ms(meeting.held_on),
                    meeting,
                    confirmed,
                    papers,
                }),
                Ok(_) => {}
                Err(found) => self.keep_new(kind, line, before, found, problems),
            }
        }
    }

    fn coordinators(&self, rows: &[Vec<String>], out: &mut Backfill, problems: &mut Vec<Problem>) {
        let kind = Kind::Coordination;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let from_on = sheet_date(kind, line, "起始日期", &cell(5), problems);
            let org = match cell(2).as_str() {
                "" => {
                    problems.push(at(kind, line, "所在单位", "不能为空"));
                    String::new()
                }
                name => match find_organisation(group, from_on, name, false) {
                    Ok(o) => o.to_string(),
                    Err(m) => {
                        problems.push(at(kind, line, "所在单位", m));
                        String::new()
                    }
                },
            };
            let to_on = match cell(6).as_str() {
                "" => String::new(),
                text => sheet_date(kind, line, "结束日期", text, problems)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            };
            let input = CoordinatorInput {
                person_name: cell(1),
                org_id: org,
                post: cell(3),
                phone: cell(4),
                from_on: from_on.map(|d| d.to_string()).unwrap_or_default(),
                to_on,
            };
            // A past delegate may have left: the end date is taken as on a correction.
            match parse_coordinator(&input, &group.calendar(), self.today, true) {
                Ok(coordinator) if problems.len() == before => {
                    out.coordinators.push(BackfillCoordinator {
                        line,
                        group: group.id.clone(),
                        coordinator,
                    })
                }
                Ok(_) => {}
                Err(found) => self.keep_new(kind, line, before, found, problems),
            }
        }
    }

    fn matters(
        &self,
        rows: &[Vec<String>],
        now_ms: i64,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Matter;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let reported = match cell(5).as_str() {
                "" => {
                    problems.push(at(kind, line, "报告时间", "不能为空"));
                    None
                }
                text => match parse_moment("报告时间", text) {
                    Ok(ms) if ms > now_ms => {
                        problems.push(at(kind, line, "报告时间", "晚于现在，不是历史记录"));
                        None
                    }
                    Ok(ms) => Some(ms),
                    Err(e) => {
                        problems.push(at(kind, line, e.field, e.message));
                        None
                    }
                },
            };
            let acknowledged = match cell(9).as_str() {
                "" => None,
                text => later_moment(kind, line, "签收", text, reported, now_ms)
                    .map_err(|p| problems.push(p))
                    .ok(),
            };
            let reply = match (cell(10).as_str(), cell(11).as_str()) {
                ("", "") => None,
                ("", _) => {
                    problems.push(at(kind, line, "答复", "填写了答复时间，请同时填写答复意见"));
                    None
                }
                (_, "") => {
                    problems.push(at(kind, line, "答复时间", "有答复时必填"));
                    None
                }
                (text, when) => {
                    let text = match crate::domain::matter::parse_reply(text) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            problems.push(at(kind, line, "答复", e.message));
                            None
                        }
                    };
                    let when = later_moment(kind, line, "答复时间", when, reported, now_ms);
                    match (text, when.map_err(|p| problems.push(p)).ok()) {
                        (Some(t), Some((at, by))) => Some((t, at, by)),
                        _ => None,
                    }
                }
            };
            // A reply acknowledges the matter (as HQ's reply on the platform does), so one not
            // signed for before is signed for with the reply; a reply is not before the
            // acknowledgement.
            if let (Some((ack, _)), Some((_, replied, _))) = (&acknowledged, &reply)
                && replied < ack
            {
                problems.push(at(kind, line, "答复时间", "早于签收时间"));
            }
            let acknowledged =
                acknowledged.or_else(|| reply.as_ref().map(|(_, at_ms, by)| (*at_ms, by.clone())));
            let reported_on = reported.map(date_of_ms);
            let org = match cell(6).as_str() {
                "" => {
                    problems.push(at(kind, line, "报告单位", "不能为空"));
                    None
                }
                name => match find_organisation(group, reported_on, name, false) {
                    Ok(o) => Some(o),
                    Err(m) => {
                        problems.push(at(kind, line, "报告单位", m));
                        None
                    }
                },
            };
            // "凤岗镇 · 王建国" as exported, or the name alone.
            let reporter = cell(7)
                .rsplit_once('·')
                .map_or(cell(7), |(_, n)| n.trim().to_string());
            if reporter.chars().count() > 30 {
                problems.push(at(kind, line, "报告人", "姓名不能超过 30 个字"));
            }
            let input = MatterInput {
                summary: cell(2),
                details: cell(12),
                urgency: cell(3),
                raised_on: match cell(4).as_str() {
                    "" => String::new(),
                    text => sheet_date(kind, line, "发生日期", text, problems)
                        .map_or_else(|| "invalid".into(), |d| d.to_string()),
                },
            };
            let matter = match parse_matter(&input, group.started_on, self.today) {
                Ok(m) => Some(m),
                Err(found) => {
                    self.keep_new(kind, line, before, found, problems);
                    None
                }
            };
            if let (Some(m), Some(on)) = (&matter, reported_on)
                && on < m.raised_on()
            {
                problems.push(at(kind, line, "报告时间", "早于发生日期"));
            }
            if let (Some(matter), Some(org), Some(reported_at), Some(reported_on)) =
                (matter, org, reported, reported_on)
                && problems.len() == before
            {
                out.matters.push(BackfillMatter {
                    line,
                    group: group.id.clone(),
                    matter,
                    org,
                    reported_at,
                    reported_on,
                    reporter,
                    acknowledged,
                    reply,
                });
            }
        }
    }

    fn projects(
        &self,
        rows: &[Vec<String>],
        plan: &Plan,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Project;
        // The group's number where the history sheet has it; the rest as the export writes it
        // (the plan's figures included), read by the group's own import's code.
        let (columns, sheet) = match Self::locate_with(kind, rows, ProjectSheet::locate(rows, plan))
        {
            Ok(found) => found,
            Err(p) => return problems.extend(p),
        };
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            match sheet.project(line, row, plan, group, self.today) {
                Ok((project, update)) => out.projects.push(BackfillProject {
                    line,
                    group: group.id.clone(),
                    id: ProjectId::new(),
                    project,
                    update,
                }),
                Err(found) => problems.extend(row_problems(kind, found)),
            }
        }
    }

    fn expenses(
        &self,
        rows: &[Vec<String>],
        projects: &HashMap<i64, Vec<ProjectChoice>>,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Expense;
        let (columns, sheet) = match Self::locate_with(kind, rows, ExpenseSheet::locate(rows)) {
            Ok(found) => found,
            Err(p) => return problems.extend(p),
        };
        let none = Vec::new();
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let choices = projects.get(&group.number).unwrap_or(&none);
            match sheet.expense(line, row, group, self.today, choices) {
                Ok(expense) => out.expenses.push(BackfillExpense {
                    line,
                    group: group.id.clone(),
                    expense,
                }),
                Err(found) => problems.extend(row_problems(kind, found)),
            }
        }
    }

    fn plans(
        &self,
        rows: &[Vec<String>],
        years: &PlanYears,
        projects: &HashMap<i64, Vec<ProjectChoice>>,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::AnnualPlan;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        let mut by_plan: HashMap<(i64, i16), BackfillPlan> = HashMap::new();
        let mut order = Vec::new();
        for (line, row) in data_rows(rows, columns.first_data_row) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let group = match self.group(kind, line, &cell(0)) {
                Ok(g) => Some(g),
                Err(p) => {
                    problems.push(p);
                    None
                }
            };
            let year = match cell(1).trim().parse::<i16>() {
                Ok(y) if group.is_some_and(|g| y < g.started_on.year()) => {
                    problems.push(at(
                        kind,
                        line,
                        "年度",
                        format!("{y} 早于本组结对开始的年份"),
                    ));
                    None
                }
                Ok(y) if y > self.today.year() => {
                    problems.push(at(kind, line, "年度", format!("{y} 年还没有到")));
                    None
                }
                Ok(y) if group.and_then(|g| g.ended_on).is_some_and(|e| y > e.year()) => {
                    problems.push(at(kind, line, "年度", format!("{y} 年本组已结束结对")));
                    None
                }
                Ok(y) => Some(y),
                Err(_) => {
                    problems.push(at(
                        kind,
                        line,
                        "年度",
                        if cell(1).is_empty() {
                            "不能为空".to_string()
                        } else {
                            format!("“{}”不是四位年份", cell(1))
                        },
                    ));
                    None
                }
            };
            let (Some(group), Some(year)) = (group, year) else {
                continue;
            };
            let plan = years.for_year(year);
            // The area by its name (as the export writes it) or its number; the target by the
            // figure's label, with or without its unit.
            let area_text = cell(2);
            let area = plan
                .areas
                .iter()
                .find(|a| a.name == area_text || a.number.to_string() == area_text);
            let figure = cell(4);
            let code = match (area, figure.is_empty()) {
                (_, true) => String::new(),
                (Some(a), false) => a
                    .outcomes
                    .iter()
                    .find(|o| o.label == figure || format!("{}（{}）", o.label, o.unit) == figure)
                    .map_or_else(|| figure.clone(), |o| o.code.clone()),
                (None, false) => figure.clone(),
            };
            let title = cell(7);
            let project = project_named(projects.get(&group.number), &title, || {
                format!(
                    "第 {} 组没有名为“{title}”的合作项目；请先在平台上登记该项目，或不填此列",
                    group.number
                )
            })
            .unwrap_or_else(|m| {
                problems.push(at(kind, line, "关联项目", m));
                String::new()
            });
            let input = PlanItemInput {
                area: area
                    .map(|a| a.number.to_string())
                    .unwrap_or(area_text.clone()),
                text: cell(3),
                target_code: code,
                target_amount: cell(5),
                project,
                year_end_status: cell(8),
                year_end_note: cell(9),
            };
            match parse_item(&input, plan) {
                Ok(item) if problems.len() == before => {
                    let p = by_plan.entry((group.number, year)).or_insert_with(|| {
                        order.push((group.number, year));
                        BackfillPlan {
                            group: group.id.clone(),
                            year,
                            lines: Vec::new(),
                            items: Vec::new(),
                            ids: Vec::new(),
                        }
                    });
                    p.lines.push(line);
                    p.items.push(item);
                    p.ids.push(PlanItemId::new());
                }
                Ok(_) => {}
                Err(found) => self.keep_new(kind, line, before, found, problems),
            }
        }
        for key in order {
            if let Some(p) = by_plan.remove(&key) {
                out.plans.push(p);
            }
        }
    }

    /// The 会议决定 sheet: each decision of a meeting the workbook or the platform has, named by
    /// its date and place; its links and owner by name.
    fn decisions(
        &self,
        rows: &[Vec<String>],
        meetings: &HashMap<i64, Vec<MeetingRef>>,
        projects: &HashMap<i64, Vec<ProjectChoice>>,
        items: &HashMap<i64, Vec<ItemRef>>,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Decision;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        let (no_meetings, no_items) = (Vec::new(), Vec::new());
        for (line, row, group) in self.grouped(kind, rows, &columns, problems) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let of_group = meetings.get(&group.number).unwrap_or(&no_meetings);
            let held_on = sheet_date(kind, line, "会议日期", &cell(1), problems);
            let place = cell(2);
            let meeting = held_on.and_then(|d| {
                let found = of_group.iter().find(|m| m.held_on == d && m.place == place);
                if found.is_none() {
                    problems.push(at(
                        kind,
                        line,
                        "会议日期",
                        format!(
                            "本组没有 {d} 在“{place}”召开的联席会议（联席会议表或平台上），请先登记会议"
                        ),
                    ));
                }
                found
            });
            // By name: one project of the group; one plan item, of the meeting's year when the
            // same words stand in several years' plans.
            let name = cell(4);
            let project = project_named(projects.get(&group.number), &name, || {
                format!("“{name}”不是本组的合作项目")
            })
            .unwrap_or_else(|m| {
                problems.push(at(kind, line, "关联项目", m));
                String::new()
            });
            let plan_item = match cell(5).as_str() {
                "" => String::new(),
                text => {
                    let all: Vec<&ItemRef> = items
                        .get(&group.number)
                        .unwrap_or(&no_items)
                        .iter()
                        .filter(|i| i.text == text)
                        .collect();
                    let that_year: Vec<&&ItemRef> = all
                        .iter()
                        .filter(|i| held_on.is_some_and(|d| d.year() == i.year))
                        .collect();
                    let found: Vec<&ItemRef> = match that_year.as_slice() {
                        [] => all.clone(),
                        some => some.iter().map(|i| **i).collect(),
                    };
                    match found.as_slice() {
                        [i] => i.id.clone(),
                        [] => {
                            problems.push(at(
                                kind,
                                line,
                                "关联计划事项",
                                format!("“{text}”不是本组年度合作计划中的事项"),
                            ));
                            String::new()
                        }
                        _ => {
                            problems.push(at(
                                kind,
                                line,
                                "关联计划事项",
                                format!("本组年度合作计划中有多个“{text}”，请在平台上关联"),
                            ));
                            String::new()
                        }
                    }
                }
            };
            let owner_org = match cell(6).as_str() {
                "" => String::new(),
                name => match find_organisation(group, held_on, name, false) {
                    Ok(o) => o.to_string(),
                    Err(m) => {
                        problems.push(at(kind, line, "责任单位", m));
                        String::new()
                    }
                },
            };
            // The later meeting that recorded the follow-up: the group's only one that day.
            let followed_up_in = match cell(11).as_str() {
                "" => None,
                text => sheet_date(kind, line, "跟进会议日期", text, problems).and_then(|d| {
                    let that_day: Vec<&MeetingRef> =
                        of_group.iter().filter(|m| m.held_on == d).collect();
                    let said = match (that_day.as_slice(), held_on) {
                        ([m], Some(h)) if m.held_on > h => {
                            return Some((m.id.clone(), end_of_day_ms(d)));
                        }
                        ([_], Some(h)) => format!("跟进会议须在作出决定（{h}）之后召开"),
                        ([_], None) => return None,
                        ([], _) => format!("本组 {d} 没有召开联席会议（联席会议表或平台上）"),
                        _ => format!("本组 {d} 召开了不止一次联席会议，请在平台上记录落实情况"),
                    };
                    problems.push(at(kind, line, "跟进会议日期", said));
                    None
                }),
            };
            let input = DecisionInput {
                text: cell(3),
                project,
                plan_item,
                owner_org,
                owner_text: cell(7),
                due_on: cell(8),
                status: cell(9),
                follow_up: cell(10),
            };
            match parse_decision(&input, &group.calendar()) {
                Ok(decision) if problems.len() == before => {
                    if let Some(m) = meeting {
                        out.decisions.push(BackfillDecision {
                            line,
                            group: group.id.clone(),
                            meeting: m.id.clone(),
                            decision,
                            followed_up_in,
                        });
                    }
                }
                Ok(_) => {}
                // Both links named: the sheet's columns are 关联项目 and 关联计划事项.
                Err(found) => self.keep_new_as(
                    kind,
                    line,
                    before,
                    found,
                    ("关联事项", "关联项目"),
                    problems,
                ),
            }
        }
    }

    /// The 表彰 sheet (the commendations export): each names its group in a column of its own
    /// ("第 1 组（凤岗镇）" or 1) and, for 先进个人, a member of that year's team by name and school.
    #[allow(clippy::too_many_arguments)]
    fn commendations(
        &self,
        rows: &[Vec<String>],
        years: &PlanYears,
        plan_id: &PlanId,
        teams: &HashMap<i64, Vec<TeamMemberRow>>,
        now_ms: i64,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        use crate::store::commendations::{CommendationKind, CommendationState, NewCommendation};
        let kind = Kind::Commendation;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        let no_team = Vec::new();
        for (line, row) in data_rows(rows, columns.first_data_row) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let year = cell(0).parse::<i16>().ok().filter(|y| {
                crate::services::evaluation::years(years.for_year(*y), self.today).contains(y)
            });
            if year.is_none() {
                problems.push(at(
                    kind,
                    line,
                    "年度",
                    format!(
                        "应为已经结束、且在方案评价范围内的年度，实际为“{}”",
                        cell(0)
                    ),
                ));
            }
            let class = CommendationKind::parse(&cell(1));
            if class.is_none() {
                problems.push(at(
                    kind,
                    line,
                    "类别",
                    format!("应为 优秀集体 或 先进个人，实际为“{}”", cell(1)),
                ));
            }
            let written = cell(2);
            let number: String = written
                .trim_start_matches('第')
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            // Its number alone, or as the export writes it: 第 N 组（the group's lead town）.
            let group = number
                .parse::<i64>()
                .ok()
                .and_then(|n| self.by_number.get(&n).copied())
                .filter(|g| {
                    let rest = written.trim_start_matches('第').trim()[number.len()..].trim();
                    rest.is_empty()
                        || rest == "组"
                        || rest
                            .strip_prefix("组")
                            .map(str::trim)
                            .and_then(|r| r.strip_prefix('（').or_else(|| r.strip_prefix('(')))
                            .and_then(|r| r.strip_suffix('）').or_else(|| r.strip_suffix(')')))
                            .is_some_and(|town| town.trim() == g.lead_town)
                });
            match (group, year) {
                (None, _) => problems.push(at(
                    kind,
                    line,
                    "结对组",
                    format!("平台上没有“{written}”这个结对组"),
                )),
                (Some(g), Some(y)) => {
                    let (first, last) = crate::domain::rules::year_bounds(y);
                    if g.started_on > last || g.ended_on.is_some_and(|end| end <= first) {
                        problems.push(at(
                            kind,
                            line,
                            "结对组",
                            format!("第 {} 组 {y} 年未开展工作", g.number),
                        ));
                    }
                }
                _ => {}
            }
            let (name, school) = (cell(3), cell(4));
            let person = match (class, group, year) {
                (Some(CommendationKind::Individual), Some(g), Some(y)) => {
                    let (first, last) = crate::domain::rules::year_bounds(y);
                    let found = teams.get(&g.number).unwrap_or(&no_team).iter().find(|m| {
                        m.person_name == name
                            && m.org_name == school
                            && m.joined_on <= last
                            && m.left_on.is_none_or(|l| l > first)
                    });
                    match found {
                        Some(m) => Some((m.id.clone(), m.org_id.clone(), m.person_name.clone())),
                        None => {
                            problems.push(at(
                                kind,
                                line,
                                "姓名",
                                format!(
                                    "第 {} 组服务工作队 {y} 年没有{school}的“{name}”（队员表或平台上）",
                                    g.number
                                ),
                            ));
                            None
                        }
                    }
                }
                (Some(CommendationKind::Collective), _, _)
                    if !name.is_empty() || !school.is_empty() =>
                {
                    problems.push(at(kind, line, "姓名", "优秀集体不填姓名和学校"));
                    None
                }
                _ => None,
            };
            let citation = cell(5);
            if citation.is_empty() {
                problems.push(at(kind, line, "主要事迹", "不能为空"));
            } else if citation.chars().count() > crate::services::commendations::MAX_CITATION_CHARS
            {
                problems.push(at(kind, line, "主要事迹", "不能超过 2000 个字"));
            }
            let state = match cell(6).as_str() {
                "" => Some(CommendationState::Approved),
                t => {
                    let s = CommendationState::parse(t);
                    if s.is_none() {
                        problems.push(at(
                            kind,
                            line,
                            "状态",
                            format!("“{t}”不是可选的状态（已提名、已批准、已撤销提名）"),
                        ));
                    }
                    s
                }
            };
            let decided = match (state, cell(7).as_str()) {
                (Some(CommendationState::Nominated), "") | (None, _) => None,
                (Some(CommendationState::Nominated), _) => {
                    problems.push(at(kind, line, "批准时间", "已提名（尚未批准）的表彰不填"));
                    None
                }
                (Some(_), "") => {
                    problems.push(at(
                        kind,
                        line,
                        "批准时间",
                        "已批准或已撤销提名的表彰须填写批准时间",
                    ));
                    None
                }
                (Some(_), text) => match moment_and_name("批准时间", text) {
                    Ok((at_ms, _)) if at_ms > now_ms => {
                        problems.push(at(kind, line, "批准时间", "晚于现在，不是历史记录"));
                        None
                    }
                    // A year's commendations are decided after it ends.
                    Ok((at_ms, _))
                        if year.is_some_and(|y| {
                            at_ms
                                < start_of_day_ms(crate::domain::rules::year_bounds(y).1)
                                    + 86_400_000
                        }) =>
                    {
                        problems.push(at(
                            kind,
                            line,
                            "批准时间",
                            format!(
                                "早于 {} 年结束，该年度的表彰在年度结束后评定",
                                year.unwrap_or_default()
                            ),
                        ));
                        None
                    }
                    Ok(d) => Some(d),
                    Err(e) => {
                        problems.push(at(kind, line, e.field, e.message));
                        None
                    }
                },
            };
            if problems.len() > before {
                continue;
            }
            if let (Some(class), Some(g), Some(year), Some(state)) = (class, group, year, state) {
                out.commendations.push(BackfillCommendation {
                    line,
                    commendation: NewCommendation {
                        plan_id: plan_id.clone(),
                        year,
                        kind: class,
                        group_id: g.id.clone(),
                        person,
                        citation,
                    },
                    state,
                    decided,
                });
            }
        }
    }

    /// [`Self::keep_new`] of a form's errors, the form's field `rename.0` being the sheet's
    /// column `rename.1`.
    fn keep_new_as(
        &self,
        kind: Kind,
        line: usize,
        before: usize,
        mut found: crate::domain::FieldErrors,
        rename: (&str, &'static str),
        problems: &mut Vec<Problem>,
    ) {
        for f in &mut found.0 {
            if f.field == rename.0 {
                f.field = rename.1;
            }
        }
        self.keep_new(kind, line, before, found, problems)
    }

    /// The checks' errors of a row, but those of a column already named for it.
    fn keep_new(
        &self,
        kind: Kind,
        line: usize,
        before: usize,
        found: crate::domain::FieldErrors,
        problems: &mut Vec<Problem>,
    ) {
        for f in found.0 {
            if !problems[before..].iter().any(|p| p.column == f.field) {
                problems.push(at(kind, line, f.field, f.message));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reports(
        &self,
        rows: &[Vec<String>],
        years: &PlanYears,
        groups: &[GroupRow],
        plan_id: &PlanId,
        now_ms: i64,
        zipped: &Zipped,
        out: &mut Backfill,
        problems: &mut Vec<Problem>,
    ) {
        let kind = Kind::Report;
        let columns = match locate(kind, rows) {
            Ok(c) => c,
            Err(p) => return problems.extend(p),
        };
        let schools: HashMap<&str, &OrgId> = groups
            .iter()
            .flat_map(|g| g.members.iter())
            .filter(|m| {
                matches!(
                    m.role,
                    MemberRole::University | MemberRole::VocationalSchool
                )
            })
            .map(|m| (m.name.as_str(), &m.org_id))
            .collect();
        let first = years.original().report_start_month;
        let mut seen = HashSet::new();
        for (line, row) in data_rows(rows, columns.first_data_row) {
            let cell = |i: usize| columns.cell(row, i);
            let before = problems.len();
            let name = cell(0);
            let school = schools.get(name.as_str()).copied();
            if school.is_none() {
                problems.push(at(
                    kind,
                    line,
                    "学校",
                    if name.is_empty() {
                        "不能为空".to_string()
                    } else {
                        format!("“{name}”不是本方案的签约学校")
                    },
                ));
            }
            let month = match parse_month(&cell(1)) {
                Ok(m) if m < first => {
                    problems.push(at(
                        kind,
                        line,
                        "月份",
                        format!("{} 早于方案的第一个报告月 {}", m.label(), first.label()),
                    ));
                    None
                }
                Ok(m) if m.first_day() > self.today => {
                    problems.push(at(
                        kind,
                        line,
                        "月份",
                        format!("{} 还没有到，不是历史月报", m.label()),
                    ));
                    None
                }
                Ok(m) => Some(m),
                Err(msg) => {
                    problems.push(at(kind, line, "月份", msg));
                    None
                }
            };
            let submitted = match parse_moment("报送时间", &cell(2)) {
                Ok(ms) if ms > now_ms => {
                    problems.push(at(kind, line, "报送时间", "晚于现在，不是历史记录"));
                    None
                }
                Ok(ms) => Some(ms),
                Err(e) => {
                    problems.push(at(kind, line, e.field, e.message));
                    None
                }
            };
            // Reported within the month's window under the plan in force then (五(三)): from the
            // month's first day until submissions close (later, the month stays 未报).
            if let (Some(m), Some(ms)) = (month, submitted) {
                let d = deadline(years.for_month(m), m);
                if ms < start_of_day_ms(m.first_day()) {
                    problems.push(at(
                        kind,
                        line,
                        "报送时间",
                        format!("早于 {} 开始，不是该月的报送", m.label()),
                    ));
                } else if ms > d.closes_ms {
                    problems.push(at(
                        kind,
                        line,
                        "报送时间",
                        format!(
                            "晚于 {} 月报的报送截止时间 {}，按方案该月记为未报，不能作为报送导入",
                            m.label(),
                            crate::clock::format_ms(d.closes_ms)
                        ),
                    ));
                }
            }
            let note = cell(3);
            if note.chars().count() > 500 {
                problems.push(at(kind, line, "备注", "不能超过 500 个字"));
            }
            let named = split_files(&cell(4)).count();
            if named > 1 {
                problems.push(at(
                    kind,
                    line,
                    "报告文件",
                    format!("一份月报只有一个文件，这里列出了 {named} 个"),
                ));
            }
            let mut file = zipped.take(kind, line, "报告文件", &cell(4), &REPORT_KINDS, problems);
            let (Some(school), Some(month), Some(submitted_ms)) = (school, month, submitted) else {
                continue;
            };
            if !seen.insert((school.clone(), month)) {
                problems.push(at(
                    kind,
                    line,
                    "月份",
                    format!("“{name}” {} 的月报在本表中出现了两次", month.label()),
                ));
                continue;
            }
            if problems.len() == before {
                out.reports.push(BackfillReport {
                    line,
                    plan_id: plan_id.clone(),
                    school: school.clone(),
                    month,
                    submitted_ms,
                    note,
                    file: file.pop(),
                });
            }
        }
    }
}

/// `2024-03`, `2024/3`, or a date cell of the month (Excel turns 2024-03 into 2024-03-01).
fn parse_month(text: &str) -> Result<Month, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("不能为空".into());
    }
    let normal = t.replace(['/', '.', '年'], "-").replace('月', "");
    let parts: Vec<&str> = normal.split('-').collect();
    let month = match parts.as_slice() {
        [y, m] | [y, m, _] => format!("{y}-{:0>2}", m),
        _ => String::new(),
    };
    Month::parse(&month).ok_or_else(|| format!("应为 年-月，如 2024-03，实际为“{t}”"))
}

/// A date (its whole day counts as one instant: the deadline is a day) or `date HH:MM[:SS]`,
/// Asia/Shanghai, as Unix ms.
fn parse_moment(field: &'static str, text: &str) -> Result<i64, FieldError> {
    let t = text.trim();
    let (date, time) = match t.split_once([' ', 'T']) {
        Some((d, tm)) => (d, Some(tm.trim())),
        None => (t, None),
    };
    let d = parse_sheet_date(field, date)?;
    let Some(time) = time.filter(|s| !s.is_empty()) else {
        return Ok(start_of_day_ms(d));
    };
    let tm: jiff::civil::Time = time
        .parse()
        .map_err(|_| FieldError::new(field, format!("时间“{time}”应写作 时:分，如 16:30")))?;
    d.to_datetime(tm)
        .to_zoned(crate::domain::shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|_| FieldError::new(field, format!("“{t}”不是有效的时间")))
}

/// "2024-06-13 11:00 · 刘晓" (the export's 签收 and 答复时间), or the time alone: the moment and
/// the name (empty when none is given).
fn moment_and_name(field: &'static str, text: &str) -> Result<(i64, String), FieldError> {
    let (at, name) = match text.rsplit_once('·') {
        Some((at, name)) => (at.trim(), name.trim()),
        None => (text.trim(), ""),
    };
    if name.chars().count() > 30 {
        return Err(FieldError::new(field, "姓名不能超过 30 个字"));
    }
    Ok((parse_moment(field, at)?, name.to_string()))
}

/// A confirmation a sheet gives: when (Unix ms) and by whom, each when it says.
type Confirmed = (Option<i64>, Option<String>);

/// 确认情况: empty or 待确认 is not confirmed; 已确认 is (when and by whom not said); the export's
/// "某某 于 2024-03-09 10:00 确认" is, at that time, by 某某. Ok(None) is not confirmed.
fn confirmation(text: &str) -> Result<Option<Confirmed>, String> {
    let t = text.trim();
    match t {
        "" | "待确认" => return Ok(None),
        "已确认" => return Ok(Some((None, None))),
        _ => {}
    }
    // "于 … 确认" (no name: the cell is trimmed) or "某某 于 … 确认".
    let said = t
        .strip_suffix("确认")
        .and_then(|s| match s.strip_prefix("于 ") {
            Some(when) => Some(("", when.trim())),
            None => s
                .rsplit_once(" 于 ")
                .map(|(by, when)| (by.trim(), when.trim())),
        });
    match said.map(|(by, when)| (by, parse_moment("确认情况", when))) {
        Some((by, Ok(ms))) => Ok(Some((
            Some(ms),
            (!by.is_empty()).then(|| by.chars().take(60).collect()),
        ))),
        _ => Err(format!(
            "应填 待确认、已确认，或“某某 于 2024-03-09 10:00 确认”，实际为“{t}”"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projects_sheet_is_the_projects_export_after_the_group_s_number() {
        let heads: Vec<&str> = Kind::Project.columns().iter().map(|c| c.heading).collect();
        assert_eq!(heads[0], "结对组编号");
        assert_eq!(heads[1..], crate::services::workspace::projects::COLUMNS);
    }

    #[test]
    fn months_read_as_people_type_them() {
        assert_eq!(parse_month("2024-03").unwrap().to_string(), "2024-03");
        assert_eq!(parse_month("2024/3").unwrap().to_string(), "2024-03");
        assert_eq!(parse_month("2024-03-01").unwrap().to_string(), "2024-03");
        assert_eq!(parse_month("2024年3月").unwrap().to_string(), "2024-03");
        assert!(parse_month("三月").unwrap_err().contains("三月"));
        assert!(parse_month("").is_err());
        assert!(parse_month("2024-13").is_err());
    }

    #[test]
    fn a_submission_is_a_day_or_a_moment() {
        let day = parse_moment("报送时间", "2024-04-03").unwrap();
        assert_eq!(day, start_of_day_ms("2024-04-03".parse().unwrap()));
        assert_eq!(
            parse_moment("报送时间", "2024-04-03 16:30").unwrap(),
            day + 16 * 3_600_000 + 30 * 60_000
        );
        assert!(
            parse_moment("报送时间", "2024-04-03 下午")
                .unwrap_err()
                .message
                .contains("下午")
        );
        assert!(parse_moment("报送时间", "昨天").is_err());
    }

    #[test]
    fn an_acknowledgement_is_a_moment_and_maybe_a_name() {
        let (at, name) = moment_and_name("签收", "2024-06-13 11:00:00 · 刘晓").unwrap();
        assert_eq!(name, "刘晓");
        assert_eq!(at, parse_moment("签收", "2024-06-13 11:00").unwrap());
        let (_, none) = moment_and_name("签收", "2024-06-13").unwrap();
        assert_eq!(none, "");
        assert_eq!(
            moment_and_name("签收", "昨天 · 刘晓").unwrap_err().field,
            "签收"
        );
        assert_eq!(
            date_of_ms(parse_moment("报告时间", "2024-06-13 00:30").unwrap()),
            jiff::civil::date(2024, 6, 13)
        );
    }

    #[test]
    fn confirmation_reads_the_export_s_words() {
        assert_eq!(confirmation("").unwrap(), None);
        assert_eq!(confirmation("待确认").unwrap(), None);
        assert_eq!(confirmation("已确认").unwrap(), Some((None, None)));
        let at = confirmation("凤岗镇用户 于 2024-03-09 10:00 确认").unwrap();
        assert_eq!(
            at,
            Some((
                Some(start_of_day_ms("2024-03-09".parse().unwrap()) + 10 * 3_600_000),
                Some("凤岗镇用户".to_string())
            ))
        );
        let unnamed = confirmation(" 于 2024-03-09 10:00 确认").unwrap();
        assert_eq!(unnamed.and_then(|(_, by)| by), None);
        assert!(confirmation("好像确认了").is_err());
    }
}
