//! Sheets read into rows (xlsx or csv): finding the columns a table needs, and naming a bad cell
//! by the row a person sees in Excel and the column's heading.

/// A problem with one cell, named by the sheet's row number (the header is row 1) and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {row} 行「{column}」列：{message}")]
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
/// and the Chinese heading also accepted (the same twice when there is only one).
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
            None if code == alt => errors.push(RowError::new(line, code, "缺少此列")),
            None => errors.push(RowError::new(
                line,
                code,
                format!("缺少此列（也可写作“{alt}”）"),
            )),
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
        assert_eq!(
            errs[0].to_string(),
            "第 1 行「role」列：缺少此列（也可写作“角色”）"
        );
        assert_eq!(errs[1].to_string(), "第 1 行「日期」列：缺少此列");
        assert!(
            locate_columns(&[], &[("a", "a")]).unwrap_err()[0]
                .message
                .contains("为空")
        );
    }
}
