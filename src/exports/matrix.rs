//! The compliance matrix as one workbook of several sheets (groups × rules, the reasons, schools ×
//! rules), each laid out like every other export's sheet.

use super::display_width;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One sheet: its name, headings made at run time (the rules' clauses) and rows of text.
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub fn write_sheets(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name)?;
        let mut widths: Vec<usize> = s.headers.iter().map(|h| display_width(h)).collect();
        for (c, h) in s.headers.iter().enumerate() {
            sheet.write_with_format(0, c as u16, h.as_str(), &bold)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
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
    }
    book.save_to_buffer()
}
