//! Sheets read into rows (xlsx or csv): finding the columns a table needs, and naming a bad cell
//! by the row a person sees in Excel and the column's heading; dates as people type them.

use crate::domain::FieldError;

/// A problem with one cell, named by the sheet's row number (the header is row 1) and its
/// column's Chinese heading, as a person finds it in Excel: `第 3 行 开始日期：…`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {row} 行 {column}：{message}")]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl RowError {
    pub fn new(row: usize, column: &str, message: impl Into<String>) -> Self {
        Self {
            row,
            column: column.to_string(),
            message: message.into(),
        }
    }
}

/// Where a table's columns are: `index[i]` is the position of the i-th wanted column, and data
/// starts at `rows[first_data_row]` (row numbers stay those of the sheet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub index: Vec<usize>,
    pub first_data_row: usize,
}

impl Columns {
    /// The trimmed text of the i-th wanted column in a row ("" when the row is short).
    pub fn cell(&self, row: &[String], i: usize) -> String {
        row.get(self.index[i])
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }
}

/// The position of each wanted column in the header row (row 1). Each column is given by its code
/// and its Chinese heading (the same twice when there is only one); either is accepted, and
/// errors name the column by its heading.
pub fn locate_columns(
    rows: &[Vec<String>],
    columns: &[(&str, &str)],
) -> Result<Columns, Vec<RowError>> {
    // The header is the first row with anything in it (a sheet may start lower down).
    let Some(header_row) = rows
        .iter()
        .position(|r| r.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err(vec![RowError::new(1, "表头", "文件为空，缺少表头行")]);
    };
    let header = &rows[header_row];
    let line = header_row + 1;
    let mut index = Vec::with_capacity(columns.len());
    let mut errors = Vec::new();
    for (code, alt) in columns {
        let found = header.iter().position(|h| {
            let h = h.trim().trim_start_matches('\u{feff}');
            h == *code || h == *alt
        });
        match found {
            Some(p) => index.push(p),
            None => errors.push(RowError::new(line, alt, "表头缺少此列")),
        }
    }
    if errors.is_empty() {
        Ok(Columns {
            index,
            first_data_row: header_row + 1,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_code_or_heading() {
        let rows = vec![vec!["\u{feff}姓名".to_string(), "username".to_string()]];
        let found =
            locate_columns(&rows, &[("username", "用户名"), ("display_name", "姓名")]).unwrap();
        assert_eq!((found.index, found.first_data_row), (vec![1, 0], 1));
        // A header further down the sheet is found, and rows keep their sheet numbers.
        let lower = vec![vec![], vec![String::new()], vec!["用户名".to_string()]];
        let found = locate_columns(&lower, &[("username", "用户名")]).unwrap();
        assert_eq!((found.index, found.first_data_row), (vec![0], 3));
        let errs = locate_columns(&lower, &[("role", "角色")]).unwrap_err();
        assert_eq!(
            errs[0].row, 3,
            "a missing column is named on the header's row"
        );
        let errs = locate_columns(&rows, &[("role", "角色"), ("日期", "日期")]).unwrap_err();
        assert_eq!(errs[0].to_string(), "第 1 行 角色：表头缺少此列");
        assert_eq!(errs[1].to_string(), "第 1 行 日期：表头缺少此列");
        assert!(
            locate_columns(&[], &[("a", "a")]).unwrap_err()[0]
                .message
                .contains("为空")
        );
    }
}

/// The forms accepted by [`parse_sheet_date`], for messages.
pub const DATE_FORMS: &str = "2026-05-20、2026/5/20、2026.5.20 或 2026年5月20日";

/// Excel's day 0 (its 1900 date system; every serial from 61, 1900-03-01, on is exact).
const EXCEL_EPOCH: jiff::civil::Date = jiff::civil::date(1899, 12, 30);

/// A date as people type it in a sheet, or as Excel stores it: `2026-05-20`, `2026-5-20`,
/// `2026/05/20`, `2026/5/20`, `2026.5.20`, `20260520`, `2026年5月20日` (also with full-width
/// digits), with or without a time after it (`2026/5/20 0:00`, `2026-05-20T00:00:00`), or an
/// Excel serial number (`46162`, `46162.5`) as a date cell comes out when its format is not
/// recognised as a date. Every import reads its dates through here; `label` names the column.
pub fn parse_sheet_date(label: &'static str, s: &str) -> Result<jiff::civil::Date, FieldError> {
    let shown = s.trim();
    if shown.is_empty() {
        return Err(FieldError::new(label, "不能为空"));
    }
    let invalid = || FieldError::new(label, format!("“{shown}”不是有效日期，可写作 {DATE_FORMS}"));
    // Full-width digits and separators, as a Chinese input method types them.
    let text: String = shown
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            '．' => '.',
            '：' => ':',
            '　' => ' ',
            _ => c,
        })
        .collect();
    if let Some(date) = excel_serial(&text) {
        return Ok(date);
    }
    // A time after the date (a datetime cell written out, or typed) is dropped.
    let date_part = match text.split_once(['T', ' ']) {
        Some((d, time))
            if time
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '.' || c == 'Z') =>
        {
            d
        }
        Some(_) => return Err(invalid()),
        None => text.as_str(),
    };
    let ymd = date_part
        .trim()
        .replace(['年', '月'], "-")
        .trim_end_matches(['日', '号'])
        .to_string();
    let parts: Vec<&str> = if ymd.len() == 8 && ymd.bytes().all(|b| b.is_ascii_digit()) {
        vec![&ymd[..4], &ymd[4..6], &ymd[6..]]
    } else {
        ymd.split(['-', '/', '.']).map(str::trim).collect()
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(invalid());
    };
    let digits = |p: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
        return Err(if digits(y, 2..=2) && digits(d, 1..=4) {
            FieldError::new(label, format!("“{shown}”的年份应写 4 位，如 2026/5/20"))
        } else {
            invalid()
        });
    }
    let (y, m, d) = (
        y.parse::<i16>().map_err(|_| invalid())?,
        m.parse::<i8>().map_err(|_| invalid())?,
        d.parse::<i8>().map_err(|_| invalid())?,
    );
    jiff::civil::Date::new(y, m, d).map_err(|_| {
        FieldError::new(
            label,
            format!("“{shown}”不是有效日期（{y} 年 {m} 月没有 {d} 日）"),
        )
    })
}

/// The date of an Excel serial number (perhaps with a time fraction). Only five-digit serials
/// are read so (1927-05-18 to 2173-10-13): `2026.5` or `2026` is a mistake, not a day in 1905.
fn excel_serial(text: &str) -> Option<jiff::civil::Date> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if whole.len() != 5 || !numeric(whole) || !numeric(fraction) {
        return None;
    }
    let serial: i64 = whole.parse().ok()?;
    EXCEL_EPOCH.checked_add(jiff::Span::new().days(serial)).ok()
}

#[cfg(test)]
mod date_tests {
    use super::parse_sheet_date;
    use jiff::civil::date;

    #[test]
    fn the_date_forms_people_type_in_excel() {
        let may20 = date(2026, 5, 20);
        for typed in [
            "2026-05-20",
            "2026-5-20",
            "2026/05/20",
            "2026/5/20",
            "2026.5.20",
            "2026.05.20",
            "20260520",
            "2026年5月20日",
            "2026年05月20日",
            "2026年5月20号",
            "２０２６／５／２０",
            " 2026/5/20 ",
            "2026/5/20 0:00",
            "2026-05-20 00:00:00",
            "2026-05-20T00:00:00",
            "2026-05-20T08:30:00.000Z",
            // Excel serials, as a date cell comes out when its format is not seen as a date.
            "46162",
            "46162.75",
        ] {
            assert_eq!(parse_sheet_date("开始日期", typed), Ok(may20), "{typed}");
        }
        // Excel's serials at the ends of the five-digit range, and around a leap day.
        assert_eq!(parse_sheet_date("d", "10000"), Ok(date(1927, 5, 18)));
        assert_eq!(parse_sheet_date("d", "45351"), Ok(date(2024, 2, 29)));
        assert_eq!(parse_sheet_date("d", "99999"), Ok(date(2173, 10, 13)));
        assert_eq!(parse_sheet_date("d", "2024/2/29"), Ok(date(2024, 2, 29)));
    }

    #[test]
    fn what_is_not_a_date_is_refused_naming_the_column() {
        for (typed, says) in [
            ("", "不能为空"),
            ("  ", "不能为空"),
            ("2026/2/30", "2026 年 2 月没有 30 日"),
            ("2025/2/29", "2025 年 2 月没有 29 日"),
            ("2026/13/1", "13 月没有 1 日"),
            ("26/5/20", "年份应写 4 位"),
            ("5/20/2026", "不是有效日期"),
            ("2026-05", "不是有效日期"),
            ("2026", "不是有效日期"),
            ("2026.5", "不是有效日期"),
            ("9999", "不是有效日期"),
            ("123456", "不是有效日期"),
            ("2026/5/20 上午", "不是有效日期"),
            ("明天", "不是有效日期"),
            ("2026-05-20-01", "不是有效日期"),
        ] {
            let e = parse_sheet_date("开始日期", typed).unwrap_err();
            assert_eq!(e.field, "开始日期");
            assert!(e.message.contains(says), "{typed}: {}", e.message);
        }
        let e = parse_sheet_date("结束日期", "2026/5/32").unwrap_err();
        assert_eq!(
            e.to_string(),
            "结束日期：“2026/5/32”不是有效日期（2026 年 5 月没有 32 日）"
        );
        let e = parse_sheet_date("结束日期", "明天").unwrap_err();
        assert!(
            e.message.contains("2026/5/20"),
            "names the accepted forms: {e}"
        );
    }
}
