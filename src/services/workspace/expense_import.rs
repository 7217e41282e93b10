//! 经费导入: a sheet in the columns of the expense export, all or nothing. Every problem of every
//! row comes back at once, named by row and column heading; each row passes the same checks as
//! the form (`domain::expense::parse_expense`: amounts via `Fen`, shares adding up to exactly
//! 100.00%, payer and initiator members of the group on the day). The optional project column
//! is not read here (another change adds it to expenses).

use super::expenses::may_record;
use super::{OpenedGroup, Writer};
use crate::domain::expense::{EXPENSE_KINDS, ExpenseInput, NewExpense, ShareInput, parse_expense};
use crate::domain::sheet::{Columns, RowError, locate_columns, parse_sheet_date};
use crate::services::ServiceError;
use crate::store::GroupRow;
use crate::store::meetings::ProjectChoice;
use jiff::civil::Date;

/// The export's columns, which the import reads back (the first eight of `export_expenses`).
pub const COLUMNS: [&str; 8] = [
    "日期",
    "类别",
    "金额（元）",
    "实物投入",
    "付款单位",
    "发起单位",
    "分担比例",
    "备注",
];

/// The export's last column, optional on import.
pub const PROJECT_COLUMN: &str = "所属项目";

/// The most expenses one sheet records (a group's years of expenses fit many times over).
pub const MAX_EXPENSES_PER_IMPORT: usize = 2_000;

/// The sheet column a field error of `parse_expense` belongs to.
fn column_of(field: &str) -> &'static str {
    match field {
        "日期" => "日期",
        "类别" => "类别",
        "金额" => "金额（元）",
        "付款单位" => "付款单位",
        "发起单位" => "发起单位",
        "分担比例" => "分担比例",
        "备注" => "备注",
        _ => "日期",
    }
}

/// An organisation of the group by the name a sheet gives it.
fn org_named(group: &GroupRow, name: &str) -> Result<String, String> {
    match group.members.iter().find(|m| m.name == name) {
        Some(m) => Ok(m.org_id.to_string()),
        None => {
            let mut names: Vec<&str> = group.members.iter().map(|m| m.name.as_str()).collect();
            names.dedup();
            Err(format!(
                "“{name}”不是本组的成员单位，可填：{}",
                names.join("、")
            ))
        }
    }
}

/// The shares cell as the export writes it: `单位A 50.00%（600.00 元）、单位B 50.00%（…）`; the
/// amounts in brackets are ignored (they follow from the percentages), the `%` is optional.
fn parse_shares(group: &GroupRow, cell: &str) -> Result<Vec<ShareInput>, String> {
    let hint = "请写作“单位名称 50.00%”，多个单位以“、”分隔，合计须为 100.00%；不分担则留空";
    if cell.trim().is_empty() {
        return Ok(Vec::new());
    }
    cell.split('、')
        .map(|part| {
            let part = part.trim();
            let part = part.split(['（', '(']).next().unwrap_or(part).trim();
            let Some((name, percent)) = part.rsplit_once(char::is_whitespace) else {
                return Err(format!("“{part}”缺少比例；{hint}"));
            };
            Ok(ShareInput {
                org: org_named(group, name.trim())?,
                percent: percent.trim().to_string(),
            })
        })
        .collect()
}

/// Every row of the sheet checked: the expenses with their sheet rows, and every error.
fn parse_rows(
    rows: &[Vec<String>],
    ws: &OpenedGroup,
    projects: &[ProjectChoice],
) -> (Vec<(usize, NewExpense)>, Vec<RowError>) {
    let sheet = match ExpenseSheet::locate(rows) {
        Ok(s) => s,
        Err(errors) => return (Vec::new(), errors),
    };
    let first = sheet.first_data_row();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = 0usize;
    for (offset, row) in rows.iter().enumerate().skip(first) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        seen += 1;
        if seen > MAX_EXPENSES_PER_IMPORT {
            return (
                Vec::new(),
                vec![RowError::new(
                    offset + 1,
                    "日期",
                    format!("表中超过 {MAX_EXPENSES_PER_IMPORT} 条经费，请分成几个文件导入"),
                )],
            );
        }
        match sheet.expense(offset + 1, row, ws.group(), ws.today, projects) {
            Ok(x) => out.push((offset + 1, x)),
            Err(found) => errors.extend(found),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError::new(first + 1, "日期", "表中没有任何经费"));
    }
    (out, errors)
}

/// A sheet of expenses in the export's columns (in any order; 所属项目 when present): the group's
/// import and the history import read it.
pub(crate) struct ExpenseSheet {
    columns: Columns,
    project_column: Option<usize>,
}

impl ExpenseSheet {
    pub(crate) fn locate(rows: &[Vec<String>]) -> Result<Self, Vec<RowError>> {
        let wanted: Vec<(&str, &str)> = COLUMNS.iter().map(|c| (*c, *c)).collect();
        let columns = locate_columns(rows, &wanted)?;
        // 所属项目 is read when present (sheets made before projects still import), by the title
        // of one of the group's projects.
        let project_column = rows
            .get(columns.first_data_row.saturating_sub(1))
            .and_then(|header| header.iter().position(|h| h.trim() == PROJECT_COLUMN));
        Ok(Self {
            columns,
            project_column,
        })
    }

    pub(crate) fn first_data_row(&self) -> usize {
        self.columns.first_data_row
    }

    /// A row's expense, checked as the form checks one; every problem of the row at once.
    pub(crate) fn expense(
        &self,
        line: usize,
        row: &[String],
        group: &GroupRow,
        today: Date,
        projects: &[ProjectChoice],
    ) -> Result<NewExpense, Vec<RowError>> {
        let cell = |i: usize| self.columns.cell(row, i);
        let mut row_errors = Vec::new();
        // Dates as people type them (or a date cell), in the form's YYYY-MM-DD.
        let spent_on = match parse_sheet_date("日期", &cell(0)) {
            Ok(d) => d.to_string(),
            Err(e) => {
                row_errors.push(RowError::new(line, "日期", e.message));
                String::new()
            }
        };
        let kind_text = cell(1);
        let kind = EXPENSE_KINDS
            .iter()
            .find(|(c, l)| *c == kind_text || *l == kind_text)
            .map(|(c, _)| c.to_string());
        if kind.is_none() {
            let labels: Vec<&str> = EXPENSE_KINDS.iter().map(|(_, l)| *l).collect();
            row_errors.push(RowError::new(
                line,
                "类别",
                format!("“{kind_text}”不是经费类别，可填：{}", labels.join("、")),
            ));
        }
        let in_kind = match cell(3).as_str() {
            "是" | "true" | "1" => true,
            "否" | "" | "false" | "0" => false,
            other => {
                row_errors.push(RowError::new(
                    line,
                    "实物投入",
                    format!("“{other}”请填 是 或 否"),
                ));
                false
            }
        };
        let mut org = |i: usize, column: &'static str| {
            let name = cell(i);
            if name.is_empty() {
                return String::new();
            }
            org_named(group, &name).unwrap_or_else(|m| {
                row_errors.push(RowError::new(line, column, m));
                String::new()
            })
        };
        let payer = org(4, "付款单位");
        let initiator = org(5, "发起单位");
        let shares = parse_shares(group, &cell(6)).unwrap_or_else(|m| {
            row_errors.push(RowError::new(line, "分担比例", m));
            Vec::new()
        });
        // The amount as exported ("1200.50"); thousands separators as the form takes them.
        let project_title = self
            .project_column
            .and_then(|i| row.get(i))
            .map(|s| s.trim())
            .unwrap_or_default();
        let project = match project_title {
            "" => String::new(),
            title => {
                let mut same = projects.iter().filter(|p| p.title == title);
                match (same.next(), same.next()) {
                    (Some(p), None) => p.id.clone(),
                    (Some(_), Some(_)) => {
                        row_errors.push(RowError::new(
                            line,
                            PROJECT_COLUMN,
                            format!("本组有多个名为“{title}”的合作项目，请先改名以便区分，或留空"),
                        ));
                        String::new()
                    }
                    (None, _) => {
                        row_errors.push(RowError::new(
                            line,
                            PROJECT_COLUMN,
                            format!("“{title}”不是本组的合作项目，请填本组项目的名称或留空"),
                        ));
                        String::new()
                    }
                }
            }
        };
        let input = ExpenseInput {
            project,
            spent_on,
            amount: cell(2),
            payer,
            kind: kind.unwrap_or_default(),
            in_kind,
            initiator,
            notes: cell(7),
            shares,
        };
        match parse_expense(&input, &group.calendar(), today) {
            Ok(x) if row_errors.is_empty() => return Ok(x),
            Ok(_) => {}
            Err(found) => {
                for f in found.0 {
                    let column = column_of(f.field);
                    // A cell already reported (unreadable date, unknown name) is not reported again
                    // as empty.
                    if row_errors.iter().any(|e: &RowError| e.column == column) {
                        continue;
                    }
                    row_errors.push(RowError::new(line, column, f.message));
                }
            }
        }
        Err(row_errors)
    }
}

/// Records the expenses of a sheet, all or none: those who may record the group's expenses.
/// Returns how many were recorded.
pub async fn import_expenses(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    rows: &[Vec<String>],
) -> Result<usize, ServiceError> {
    if !may_record(w.by, ws) {
        return Err(ServiceError::Forbidden);
    }
    let projects = w.store.project_choices(&ws.group().id).await?;
    let (parsed, mut errors) = parse_rows(rows, ws, &projects);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(ServiceError::Rows(errors));
    }
    let xs: Vec<NewExpense> = parsed.into_iter().map(|(_, x)| x).collect();
    let ids = w
        .store
        .add_expenses(&w.actor(), w.now_ms, &ws.group().id, &xs)
        .await?;
    Ok(ids.len())
}
