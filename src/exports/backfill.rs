//! The history workbook's template (模板): a sheet per record kind with its headings, and a 说明
//! sheet saying what each column takes, the values allowed and an example. Nothing else.

use crate::domain::backfill::{Kind, figure_column};
use crate::domain::plan::Plan;
use crate::services::backfill::EXPLANATIONS_SHEET;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The columns a kind's sheet has under `plan`: its own, then (合作项目) the plan's outcome
/// figures, each with what it takes.
fn headings(kind: Kind, plan: &Plan) -> Vec<String> {
    kind.columns()
        .iter()
        .map(|c| c.heading.to_string())
        .chain(figures(kind, plan).into_iter().map(|(h, _)| h))
        .collect()
}

fn figures(kind: Kind, plan: &Plan) -> Vec<(String, String)> {
    match kind {
        Kind::Project => plan
            .areas
            .iter()
            .flat_map(|a| a.outcomes.iter())
            .map(figure_column)
            .collect(),
        _ => Vec::new(),
    }
}

pub fn template_xlsx(plan: &Plan) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for kind in Kind::ALL {
        let sheet = book.add_worksheet();
        sheet.set_name(kind.sheet())?;
        for (c, heading) in headings(kind, plan).iter().enumerate() {
            sheet.write_with_format(0, c as u16, heading, &bold)?;
            sheet.set_column_width(c as u16, 16)?;
            // Text cells: 2024-03 stays a month and a phone number keeps its digits.
            sheet.set_column_format(c as u16, &Format::new().set_num_format("@"))?;
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name(EXPLANATIONS_SHEET)?;
    let heads = ["工作表", "列", "是否必填", "填写内容", "可选值", "示例"];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_with_format(0, c as u16, *h, &bold)?;
    }
    let mut r = 1u32;
    for kind in Kind::ALL {
        for col in kind.columns() {
            let cells = [
                kind.sheet(),
                col.heading,
                if col.required { "必填" } else { "可不填" },
                col.takes,
                col.allowed,
                col.example,
            ];
            for (c, v) in cells.iter().enumerate() {
                sheet.write(r, c as u16, *v)?;
            }
            r += 1;
        }
        for (heading, takes) in figures(kind, plan) {
            let cells = [
                kind.sheet(),
                heading.as_str(),
                "可不填",
                takes.as_str(),
                "0 或正数；金额以元计，可带两位小数",
                "",
            ];
            for (c, v) in cells.iter().enumerate() {
                sheet.write(r, c as u16, *v)?;
            }
            r += 1;
        }
    }
    for (c, w) in [10.0, 12.0, 10.0, 50.0, 40.0, 26.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_a_sheet_per_kind_with_its_headings_and_the_explanations() {
        let plan = Plan::parse(crate::domain::plan::DONGGUAN_2023_PLAN).unwrap();
        let bytes = template_xlsx(&plan).unwrap();
        let sheets = crate::imports::read_workbook(&bytes, &|_| true).unwrap();
        let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "队员",
                "协议",
                "驻点服务",
                "实践基地",
                "联席会议",
                "工作协调小组",
                "重大事项",
                "合作项目",
                "经费",
                "年度合作计划",
                "会议决定",
                "表彰",
                "月报",
                "说明"
            ]
        );
        for (kind, (_, rows)) in Kind::ALL.iter().zip(&sheets) {
            let rows = rows.as_ref().unwrap();
            assert_eq!(rows.len(), 1, "{} holds its headings only", kind.sheet());
            assert_eq!(rows[0], headings(*kind, &plan));
        }
        // The projects' sheet ends with the plan's figures.
        let at = Kind::ALL.iter().position(|k| *k == Kind::Project).unwrap();
        let projects = sheets[at].1.as_ref().unwrap();
        assert_eq!(projects[0].last().unwrap(), "调研报告（份）");
        let explained = sheets[Kind::ALL.len()].1.as_ref().unwrap();
        let columns: usize = Kind::ALL.iter().map(|k| headings(*k, &plan).len()).sum();
        assert_eq!(explained.len(), 1 + columns);
        assert!(
            explained
                .iter()
                .any(|r| r[1] == "职称" && r[4].contains("副高级"))
        );
        assert!(
            explained
                .iter()
                .any(|r| r[1] == "功能" && r[4].contains("实习锻炼"))
        );
    }
}
