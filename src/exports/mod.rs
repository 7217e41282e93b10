//! xlsx exports: every list in the UI exports through this one writer.

pub mod backfill;
pub mod evaluation;
pub mod guide;
pub mod matrix;
pub mod summary;

use rust_xlsxwriter::{Format, Workbook};

/// A table to export: a sheet name, column headings and rows of text.
pub struct Table {
    pub sheet: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    write_xlsx(&table.sheet, &table.headers, &table.rows)
}

/// A sheet whose headings may be made at run time (a plan's outcome figures name columns).
pub fn write_xlsx<H: AsRef<str>>(
    sheet_name: &str,
    headers: &[H],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_with_format(0, c as u16, h.as_ref(), &bold)?;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h.as_ref())).collect();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write(r as u32 + 1, c as u16, value.as_str())?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(display_width(value));
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// Columns are sized by display width: a Chinese character is as wide as two Latin ones.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_reads_back_the_same() {
        let table = Table {
            sheet: "结对组".into(),
            headers: vec!["编号", "镇(街道)"],
            rows: vec![vec!["1".into(), "凤岗镇".into()]],
        };
        let bytes = to_xlsx(&table).unwrap();
        let rows = crate::imports::read_sheet(&bytes).unwrap();
        assert_eq!(rows, vec![vec!["编号", "镇(街道)"], vec!["1", "凤岗镇"]]);
    }
}
