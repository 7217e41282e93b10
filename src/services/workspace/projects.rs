//! 合作项目 (三(一)–(六)): recording a project, correcting it, withdrawing one entered by mistake,
//! its progress updates and the outcome figures they add, its attachments, the filtered lists
//! (one group's and every group the viewer reads) with totals per area, and the sheet both the
//! export writes and the import reads. The group's schools and towns (and the bureau) write, as
//! for expenses; everyone who sees the group reads.

use super::{OpenedGroup, Upload, Writer, check_uploads, remove_unreferenced, write_with_files};
use crate::domain::ids::{AttachmentId, ProjectId, ProjectUpdateId};
use crate::domain::plan::{OutcomeField, Plan};
use crate::domain::project::{
    NewProject, NewUpdate, ProjectInput, ProjectStatus, UpdateInput, parse_figure, parse_project,
    parse_update, show_figure,
};
use crate::domain::sheet::{RowError, locate_columns, parse_sheet_date};
use crate::domain::{FieldError, FieldErrors};
use crate::services::ServiceError;
use crate::services::access::{self, Viewer};
use crate::store::adjustments::RecordTable;
use crate::store::files::FileKind;
use crate::store::projects::{ProjectFilter, ProjectRow, ProjectTotals, UpdateRow};
use crate::store::{GroupRow, Store};
use jiff::civil::Date;

/// What a project's attachment may be: documents and photos.
const FILE_KINDS: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

/// Whether `viewer` may record the opened group's projects.
pub fn may_record(viewer: &Viewer, ws: &OpenedGroup) -> bool {
    access::may_record_projects(viewer, ws.group(), ws.today)
}

fn require_record(viewer: &Viewer, ws: &OpenedGroup) -> Result<(), ServiceError> {
    if may_record(viewer, ws) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn project_id(id: &str) -> Result<ProjectId, ServiceError> {
    ProjectId::parse(id).ok_or(ServiceError::NotFound)
}

fn update_id(id: &str) -> Result<ProjectUpdateId, ServiceError> {
    ProjectUpdateId::parse(id).ok_or(ServiceError::NotFound)
}

fn pick(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The lists' filters as typed in a query string; an unknown area, status, year or group is a
/// 422 that names it rather than an empty list.
pub fn parse_filter(
    plan: &Plan,
    area: Option<&str>,
    status: Option<&str>,
    year: Option<&str>,
    group: Option<&str>,
) -> Result<ProjectFilter, ServiceError> {
    let area = match pick(area) {
        None => None,
        Some(a) => Some(
            a.parse::<i64>()
                .ok()
                .and_then(|n| plan.area(n))
                .map(|a| a.number)
                .ok_or_else(|| {
                    FieldError::new(
                        "合作领域",
                        format!("“{a}”不是合作领域；应为 1–{}", plan.areas.len()),
                    )
                })?,
        ),
    };
    let status = match pick(status) {
        None => None,
        Some(s) => Some(ProjectStatus::parse(s).ok_or_else(|| {
            FieldError::new(
                "状态",
                format!("“{s}”不是可选的状态；应为 planned、active、done 或 paused"),
            )
        })?),
    };
    let year = match pick(year) {
        None => None,
        Some(y) => Some(
            y.parse::<i16>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| FieldError::new("年度", format!("“{y}”不是年份，如 2026")))?,
        ),
    };
    let group = match pick(group) {
        None => None,
        Some(g) => Some(
            crate::domain::ids::GroupId::parse(g)
                .ok_or_else(|| FieldError::new("结对组", format!("“{g}”不是结对组编号")))?,
        ),
    };
    Ok(ProjectFilter {
        group,
        area,
        status,
        year,
        seen_by: None,
    })
}

/// Records a project; every field error at once, nothing stored when there is one.
pub async fn add_project(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &ProjectInput,
) -> Result<ProjectId, ServiceError> {
    require_record(w.by, ws)?;
    let x = parse_project(input, &ws.plan, &ws.group().calendar())?;
    Ok(w.store
        .add_project(&w.actor(), w.now_ms, &ws.group().id, &x)
        .await?)
}

/// One of the group's projects, for anyone who sees the group; not found for another group's.
pub async fn project(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<ProjectRow, ServiceError> {
    let p = store
        .get_project(&ws.group().id, &project_id(id)?)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !ws
        .shows_record(store, RecordTable::Projects, p.id.as_str())
        .await?
    {
        return Err(ServiceError::NotFound);
    }
    Ok(p)
}

/// Corrects a project with the same checks as recording one; not found for another group's
/// (before the form's errors are told). Returns whether anything changed.
pub async fn update_project(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &ProjectInput,
) -> Result<bool, ServiceError> {
    require_record(w.by, ws)?;
    let row = project(w.store, ws, id).await?;
    let x = parse_project(input, &ws.plan, &ws.group().calendar())?;
    Ok(w.store
        .update_project(&w.actor(), w.now_ms, &ws.group().id, &row.id, &x)
        .await?)
}

/// Withdraws a project entered by mistake (only while it has no progress updates and no
/// expenses), with its attachments; their files go when no other record refers to them.
pub async fn withdraw_project(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
) -> Result<(), ServiceError> {
    require_record(w.by, ws)?;
    let id = project_id(id)?;
    let digests = w
        .store
        .withdraw_project(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?;
    remove_unreferenced(w, &digests).await;
    Ok(())
}

/// A page of the group's filtered projects (all of them when `page` is none: the export).
pub async fn list_projects(
    store: &Store,
    ws: &OpenedGroup,
    filter: &ProjectFilter,
    page: Option<(i64, i64)>,
) -> Result<(Vec<ProjectRow>, i64), ServiceError> {
    // A former member's page, count and totals hold only what it still sees.
    let filter = ProjectFilter {
        group: Some(ws.group().id.clone()),
        seen_by: ws.seen_by(),
        ..filter.clone()
    };
    Ok(store
        .list_projects(&crate::store::GroupScope::All, &filter, page)
        .await?)
}

/// The group's filtered projects' totals per area and its purchased services.
pub async fn project_totals(
    store: &Store,
    ws: &OpenedGroup,
    filter: &ProjectFilter,
) -> Result<ProjectTotals, ServiceError> {
    let filter = ProjectFilter {
        group: Some(ws.group().id.clone()),
        seen_by: ws.seen_by(),
        ..filter.clone()
    };
    Ok(store
        .project_totals(&crate::store::GroupScope::All, &filter)
        .await?)
}

/// The projects of every group the viewer reads (the bureau and HQ: all), filtered and paged,
/// with the totals of every match.
pub async fn list_all_projects(
    store: &Store,
    viewer: &Viewer,
    filter: &ProjectFilter,
    page: Option<(i64, i64)>,
) -> Result<(Vec<ProjectRow>, i64, ProjectTotals), ServiceError> {
    access::require_business(viewer)?;
    let scope = access::group_scope(viewer);
    let (rows, total) = store.list_projects(&scope, filter, page).await?;
    let totals = store.project_totals(&scope, filter).await?;
    Ok((rows, total, totals))
}

/// The project's progress updates, newest first.
pub async fn updates(store: &Store, project: &ProjectRow) -> Result<Vec<UpdateRow>, ServiceError> {
    Ok(store.list_project_updates(&project.id).await?)
}

fn area_of<'a>(
    ws: &'a OpenedGroup,
    p: &ProjectRow,
) -> Result<&'a crate::domain::plan::Area, ServiceError> {
    ws.plan.area(i64::from(p.area)).ok_or_else(|| {
        ServiceError::Conflict(format!(
            "行动方案中没有领域 {}，无法登记它的成果指标",
            p.area
        ))
    })
}

/// Records a progress update of the group's project: figures of its area only.
pub async fn add_update(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    project_id: &str,
    input: &UpdateInput,
) -> Result<ProjectUpdateId, ServiceError> {
    require_record(w.by, ws)?;
    let p = project(w.store, ws, project_id).await?;
    let x = parse_update(input, area_of(ws, &p)?, p.starts_on, ws.today)?;
    Ok(w.store
        .add_project_update(&w.actor(), w.now_ms, &ws.group().id, &p.id, &x)
        .await?)
}

/// One update of the group's project; not found when it is not that project's.
pub async fn update(
    store: &Store,
    ws: &OpenedGroup,
    project_id: &str,
    id: &str,
) -> Result<(ProjectRow, UpdateRow), ServiceError> {
    let p = project(store, ws, project_id).await?;
    let u = store
        .get_project_update(&p.id, &update_id(id)?)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((p, u))
}

/// Corrects a progress update with the same checks. Returns whether anything changed.
pub async fn correct_update(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    project_id: &str,
    id: &str,
    input: &UpdateInput,
) -> Result<bool, ServiceError> {
    require_record(w.by, ws)?;
    let (p, u) = update(w.store, ws, project_id, id).await?;
    let x = parse_update(input, area_of(ws, &p)?, p.starts_on, ws.today)?;
    Ok(w.store
        .update_project_update(&w.actor(), w.now_ms, &ws.group().id, &p.id, &u.id, &x)
        .await?)
}

/// Withdraws a progress update entered by mistake.
pub async fn withdraw_update(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    project_id: &str,
    id: &str,
) -> Result<(), ServiceError> {
    require_record(w.by, ws)?;
    let p = project_id_of(project_id)?;
    let id = update_id(id)?;
    Ok(w.store
        .withdraw_project_update(&w.actor(), w.now_ms, &ws.group().id, &p, &id)
        .await?)
}

fn project_id_of(id: &str) -> Result<ProjectId, ServiceError> {
    project_id(id)
}

/// Adds documents or photos to a project; each checked against the plan's limit, none stored
/// when one is wrong.
pub async fn add_files(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    project_id: &str,
    files: Vec<Upload>,
) -> Result<(), ServiceError> {
    require_record(w.by, ws)?;
    let p = project(w.store, ws, project_id).await?;
    let mut errors = FieldErrors::default();
    if files.is_empty() {
        errors.push("附件", "请选择要上传的文件");
    }
    let files = check_uploads(
        &mut errors,
        "附件",
        files,
        ws.attachment_limit(),
        &FILE_KINDS,
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let actor = w.actor();
    let write = || {
        w.store
            .add_project_files(&actor, w.now_ms, &ws.group().id, &p.id, &files)
    };
    write_with_files(w, &files, write).await
}

/// Removes one attachment of a project. Returns its file name.
pub async fn remove_file(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    project_id: &str,
    file: &str,
) -> Result<String, ServiceError> {
    require_record(w.by, ws)?;
    let id = project_id_of(project_id)?;
    let file = AttachmentId::parse(file).ok_or(ServiceError::NotFound)?;
    let row = w
        .store
        .remove_project_file(&w.actor(), w.now_ms, &ws.group().id, &id, &file)
        .await?;
    remove_unreferenced(w, std::slice::from_ref(&row.sha256)).await;
    Ok(row.file_name)
}

// ---- The sheet: the export's columns, which the import reads back. ----

/// The fixed columns before the outcome figures.
pub const COLUMNS: [&str; 12] = [
    "项目名称",
    "合作领域",
    "牵头单位",
    "合作方",
    "开始日期",
    "结束日期",
    "状态",
    "项目简介",
    "购买服务",
    "购买方",
    "合同金额（元）",
    "参与学生（人次）",
];

/// An outcome figure's column heading: "培训人数（人）".
pub fn figure_heading(f: &OutcomeField) -> String {
    f.heading()
}

/// Every outcome figure of the plan, in the areas' order.
pub fn plan_figures(plan: &Plan) -> Vec<&OutcomeField> {
    plan.areas.iter().flat_map(|a| a.outcomes.iter()).collect()
}

/// The sheet's headings: the fixed columns, then one per outcome figure of the plan.
pub fn sheet_headers(plan: &Plan) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(plan_figures(plan).into_iter().map(figure_heading))
        .collect()
}

/// An area as a sheet names it: "3 深入融入人才兴镇".
pub fn area_text(plan: &Plan, area: u8) -> String {
    match plan.area(i64::from(area)) {
        Some(a) => format!("{} {}", a.number, a.name),
        None => area.to_string(),
    }
}

/// A project as a row of the sheet (figures summed over its updates; money in yuan).
pub fn sheet_row(plan: &Plan, p: &ProjectRow) -> Vec<String> {
    let mut row = vec![
        p.title.clone(),
        area_text(plan, p.area),
        p.lead_name.clone(),
        p.partners.clone(),
        p.starts_on.to_string(),
        p.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        p.status.label().to_string(),
        p.description.clone(),
        if p.purchased { "是" } else { "否" }.to_string(),
        p.buyer_name.clone().unwrap_or_default(),
        p.contract_fen
            .map(crate::domain::money::plain_yuan)
            .unwrap_or_default(),
        p.students.to_string(),
    ];
    for f in plan_figures(plan) {
        row.push(
            p.figures
                .get(&f.code)
                .map(|a| show_figure(f.kind, *a))
                .unwrap_or_default(),
        );
    }
    row
}

/// What an imported row's figures become: one progress update dated the project's start.
pub const IMPORTED_SUMMARY: &str = "导入时的累计成果（按项目开始日期登记）";

/// The most rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 2000;

/// Records the projects of a sheet in the export's columns, all or none. A row's figures (and
/// students) become one progress update dated its start date, summarised as imported; figures of
/// another area than the row's are refused by column. Every problem of every row comes back at
/// once. Returns how many projects were recorded.
pub async fn import_projects(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    rows: &[Vec<String>],
) -> Result<usize, ServiceError> {
    require_record(w.by, ws)?;
    let sheet = ProjectSheet::locate(rows, &ws.plan).map_err(ServiceError::Rows)?;
    let first = sheet.first_data_row();
    let filled: Vec<(usize, &Vec<String>)> = rows
        .iter()
        .enumerate()
        .skip(first)
        .map(|(i, r)| (i + 1, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if filled.is_empty() {
        return Err(ServiceError::Rows(vec![RowError::new(
            first + 1,
            "项目名称",
            "表中没有项目",
        )]));
    }
    if filled.len() > MAX_IMPORT_ROWS {
        return Err(ServiceError::Rows(vec![RowError::new(
            first + 1,
            "项目名称",
            format!(
                "一次最多导入 {MAX_IMPORT_ROWS} 个项目，表中有 {} 个；请分批导入",
                filled.len()
            ),
        )]));
    }
    let mut errors: Vec<RowError> = Vec::new();
    let mut parsed: Vec<(NewProject, Option<NewUpdate>)> = Vec::new();
    for (line, row) in filled {
        match sheet.project(line, row, &ws.plan, ws.group(), ws.today) {
            Ok(p) => parsed.push(p),
            Err(found) => errors.extend(found),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Rows(errors));
    }
    let ids = w
        .store
        .import_projects(&w.actor(), w.now_ms, &ws.group().id, &parsed)
        .await?;
    Ok(ids.len())
}

/// A sheet of projects in the export's columns (in any order, others ignored): the group's
/// import and the history import read it.
pub(crate) struct ProjectSheet {
    cols: crate::domain::sheet::Columns,
    headers: Vec<String>,
}

impl ProjectSheet {
    pub(crate) fn locate(rows: &[Vec<String>], plan: &Plan) -> Result<Self, Vec<RowError>> {
        let headers = sheet_headers(plan);
        // A heading is found as exported, or with half-width brackets.
        let alt: Vec<String> = headers
            .iter()
            .map(|h| h.replace('（', "(").replace('）', ")"))
            .collect();
        let wanted: Vec<(&str, &str)> = alt
            .iter()
            .zip(headers.iter())
            .map(|(a, h)| (a.as_str(), h.as_str()))
            .collect();
        let cols = locate_columns(rows, &wanted)?;
        Ok(Self { cols, headers })
    }

    pub(crate) fn first_data_row(&self) -> usize {
        self.cols.first_data_row
    }

    /// A row's project and the progress update its figures (and students) make, dated its
    /// start; every problem of the row at once.
    pub(crate) fn project(
        &self,
        line: usize,
        row: &[String],
        plan: &Plan,
        group: &GroupRow,
        today: Date,
    ) -> Result<(NewProject, Option<NewUpdate>), Vec<RowError>> {
        let calendar = group.calendar();
        // Organisations by the names the export writes (the pairing table's, or the bare name).
        let org_named = |name: &str| -> Option<String> {
            let name = name.trim();
            group
                .members
                .iter()
                .find(|m| m.name == name || m.name_in(&group.lead_town) == name)
                .map(|m| m.org_id.to_string())
        };
        let figures = plan_figures(plan);
        let column_of = |field: &'static str| -> &'static str {
            match field {
                "项目名称" => COLUMNS[0],
                "合作领域" => COLUMNS[1],
                "牵头单位" => COLUMNS[2],
                "合作方" => COLUMNS[3],
                "开始日期" => COLUMNS[4],
                "结束日期" => COLUMNS[5],
                "状态" => COLUMNS[6],
                "项目简介" => COLUMNS[7],
                "购买方" => COLUMNS[9],
                "合同金额" => COLUMNS[10],
                "参与学生" => COLUMNS[11],
                other => other,
            }
        };
        let cell = |i: usize| self.cols.cell(row, i);
        let mut row_errors: Vec<RowError> = Vec::new();
        let mut date_cell = |i: usize, required: bool| -> String {
            let text = cell(i);
            if text.is_empty() && !required {
                return String::new();
            }
            match parse_sheet_date(COLUMNS[i], &text) {
                Ok(d) => d.to_string(),
                Err(e) => {
                    row_errors.push(RowError::new(line, COLUMNS[i], e.message));
                    "invalid".to_string()
                }
            }
        };
        let starts_on = date_cell(4, true);
        let ends_on = date_cell(5, false);
        let dates_ok = row_errors.is_empty();
        // 合作领域: "3", "3 深入融入人才兴镇" or the area's name.
        let area_cell = cell(1);
        let area = area_cell
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<i64>().ok())
            .or_else(|| {
                plan.areas
                    .iter()
                    .find(|a| a.name == area_cell)
                    .map(|a| i64::from(a.number))
            })
            .map(|n| n.to_string())
            .unwrap_or(area_cell.clone());
        let purchased = matches!(cell(8).as_str(), "是" | "Y" | "y" | "true" | "1");
        let name_to_id = |text: String| -> String {
            if text.is_empty() {
                text
            } else {
                org_named(&text).unwrap_or_else(|| format!("unknown:{text}"))
            }
        };
        let lead_cell = cell(2);
        let buyer_cell = cell(9);
        let input = ProjectInput {
            title: cell(0),
            area,
            lead: name_to_id(lead_cell.clone()),
            partners: cell(3),
            starts_on: starts_on.clone(),
            ends_on,
            status: cell(6),
            description: cell(7),
            purchased,
            buyer: name_to_id(buyer_cell.clone()),
            contract: cell(10),
        };
        let project = match parse_project(&input, plan, &calendar) {
            Ok(p) => Some(p),
            Err(e) => {
                for f in e.0 {
                    if !dates_ok && (f.field == "开始日期" || f.field == "结束日期") {
                        continue; // told already, in the sheet's words
                    }
                    let message = match f.field {
                        "牵头单位" if input.lead.starts_with("unknown:") => {
                            format!("“{lead_cell}”不是本组的成员单位")
                        }
                        "购买方" if input.buyer.starts_with("unknown:") => {
                            format!("“{buyer_cell}”不是本组的镇街或村(社区)")
                        }
                        _ => f.message,
                    };
                    row_errors.push(RowError::new(line, column_of(f.field), message));
                }
                None
            }
        };
        // The figures: only the row's area's columns may hold a value.
        let area_no = project.as_ref().map(|p| p.area);
        let mut update_input = UpdateInput {
            happened_on: starts_on,
            summary: IMPORTED_SUMMARY.to_string(),
            students: cell(11),
            figures: Vec::new(),
        };
        let mut any = false;
        if let Err(m) = crate::domain::project::parse_count("参与学生", &update_input.students)
        {
            row_errors.push(RowError::new(line, COLUMNS[11], m));
        } else if crate::domain::project::parse_count("参与学生", &update_input.students)
            .unwrap_or(0)
            > 0
        {
            any = true;
        }
        for (k, f) in figures.iter().enumerate() {
            let text = cell(COLUMNS.len() + k);
            let heading = &self.headers[COLUMNS.len() + k];
            match parse_figure(f, &text) {
                Ok(0) => {}
                Ok(_) => {
                    let (area, _) = plan.outcome(&f.code).expect("a figure of the plan");
                    if area_no.is_some_and(|n| n != area.number) {
                        row_errors.push(RowError::new(
                            line,
                            heading,
                            format!(
                                "属于领域 {}（{}），本行项目不在该领域；请留空",
                                area.number, area.name
                            ),
                        ));
                    } else {
                        any = true;
                        update_input.figures.push((f.code.clone(), text));
                    }
                }
                Err(m) => row_errors.push(RowError::new(line, heading, m)),
            }
        }
        if let Some(p) = project
            && row_errors.is_empty()
        {
            let update = if any {
                let area = plan.area(i64::from(p.area)).expect("checked area");
                match parse_update(&update_input, area, p.starts_on, today) {
                    Ok(u) => Some(u),
                    Err(e) => {
                        for f in e.0 {
                            let column = match f.field {
                                "日期" => COLUMNS[4],
                                "参与学生" => COLUMNS[11],
                                _ => "成果指标",
                            };
                            let message = if f.field == "日期" {
                                format!("填写了成果指标或参与学生时，{}", f.message)
                            } else {
                                f.message
                            };
                            row_errors.push(RowError::new(line, column, message));
                        }
                        None
                    }
                }
            } else {
                None
            };
            if row_errors.is_empty() {
                return Ok((p, update));
            }
        }
        Err(row_errors)
    }
}
