//! Reading uploaded sheets (xlsx or csv) into rows of text, for every import.

use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};

/// The largest sheet accepted, in bytes.
pub const MAX_SHEET_BYTES: usize = 10 * 1024 * 1024;

/// Reads the first worksheet of an xlsx file, or a UTF-8 csv (with or without BOM).
/// The format is judged from the content: xlsx is a zip archive.
pub fn read_sheet(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if bytes.is_empty() {
        return Err("文件为空".into());
    }
    if bytes.len() > MAX_SHEET_BYTES {
        return Err(format!("文件超过 {} MB", MAX_SHEET_BYTES / 1024 / 1024));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

/// Everything inside one xlsx, inflated: a real sheet of the largest upload is far below this;
/// a deflate bomb is far above it, and is refused before any of it is held.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Parts of one xlsx (a workbook has a dozen or so).
pub const MAX_XLSX_PARTS: usize = 1_000;
/// Rows and columns a sheet may use, and the cells it may hold.
pub const MAX_SHEET_ROWS: u32 = 100_000;
pub const MAX_SHEET_COLUMNS: u32 = 200;
pub const MAX_SHEET_CELLS: usize = 1_000_000;

/// Inflates every part of the archive into nothing, counting, and refuses the file as soon as the
/// parts together pass [`MAX_XLSX_UNPACKED_BYTES`]: the sizes the archive declares are not trusted.
fn check_xlsx_archive(bytes: &[u8]) -> Result<(), String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("无法读取 xlsx 文件：{e}");
    let too_big = || {
        format!(
            "xlsx 文件解压后超过 {} MB，不予读取（请删去无关的工作表、图片后再上传）",
            MAX_XLSX_UNPACKED_BYTES / 1024 / 1024
        )
    };
    if declared_entries(bytes).is_some_and(|n| n > MAX_XLSX_PARTS) {
        return Err(format!(
            "xlsx 文件包含的部件超过 {MAX_XLSX_PARTS} 个，不予读取"
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_XLSX_PARTS {
        return Err(format!(
            "xlsx 文件包含 {} 个部件，超过 {MAX_XLSX_PARTS} 个，不予读取",
            zip.len()
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| unreadable(&e))?;
        let left = MAX_XLSX_UNPACKED_BYTES - total;
        if part.size() > left {
            return Err(too_big());
        }
        let read = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|e| unreadable(&e))?;
        if read > left {
            return Err(too_big());
        }
        total += read;
    }
    Ok(())
}

/// The first worksheet, cell by cell: a cell beyond the row, column or cell limits refuses the
/// sheet before a grid is built for it (a sheet with cells at A1 and XFD1048576 would otherwise
/// ask for a grid of 17 billion cells).
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    check_xlsx_archive(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("无法读取 xlsx 文件：{e}"))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("xlsx 文件中没有工作表")?;
    read_worksheet(&mut book, &name, "第一个工作表", &mut Budget::default())
}

/// Text a workbook's cells may hold together, and grid slots (cells and the blanks before
/// them in their rows) its rows may take: a cell limit alone lets one shared string be copied
/// into a million cells, or a million cells each far to the right make a million wide rows.
pub const MAX_SHEET_TEXT_BYTES: usize = 64 * 1024 * 1024;
pub const MAX_SHEET_SLOTS: usize = 2_000_000;
/// Excel's own limit for one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

/// What the sheets read so far have used of the bounds.
#[derive(Default)]
struct Budget {
    cells: usize,
    text: usize,
    slots: usize,
}

/// A worksheet's name and its rows of text (none for a sheet not read).
pub type NamedSheet = (String, Option<Vec<Vec<String>>>);

/// Every worksheet of an xlsx workbook (a history import's sheet per record kind), by name, in
/// the workbook's order. The bounds are those of one sheet, the cells counted over all sheets.
pub fn read_workbook(
    bytes: &[u8],
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<NamedSheet>, String> {
    if bytes.is_empty() {
        return Err("文件为空".into());
    }
    if bytes.len() > MAX_SHEET_BYTES {
        return Err(format!("文件超过 {} MB", MAX_SHEET_BYTES / 1024 / 1024));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err("不是 xlsx 工作簿（请用本平台下载的模板填写后上传）".into());
    }
    check_xlsx_archive(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("无法读取 xlsx 文件：{e}"))?;
    let mut budget = Budget::default();
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        if !wanted(&name) {
            sheets.push((name, None));
            continue;
        }
        let rows = read_worksheet(&mut book, &name, &format!("工作表“{name}”"), &mut budget)?;
        sheets.push((name, Some(rows)));
    }
    Ok(sheets)
}

/// One worksheet, cell by cell, adding its cells to `count` (refused past the cell limit).
fn read_worksheet(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    what: &str,
    budget: &mut Budget,
) -> Result<Vec<Vec<String>>, String> {
    let mut cells = book
        .worksheet_cells_reader(name)
        .map_err(|e| format!("无法读取{what}：{e}"))?;
    // rows[i] is sheet row i + 1, so errors name the row a person sees in Excel.
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("无法读取{what}：{e}"))?
    {
        let (row, col) = cell.get_position();
        if row >= MAX_SHEET_ROWS {
            return Err(format!(
                "{what}用到了第 {} 行，超过 {MAX_SHEET_ROWS} 行的上限",
                u64::from(row) + 1
            ));
        }
        if col >= MAX_SHEET_COLUMNS {
            return Err(format!(
                "{what}用到了第 {} 列，超过 {MAX_SHEET_COLUMNS} 列的上限",
                u64::from(col) + 1
            ));
        }
        budget.cells += 1;
        if budget.cells > MAX_SHEET_CELLS {
            return Err(format!(
                "工作表的单元格超过 {MAX_SHEET_CELLS} 个，请分成几个文件导入"
            ));
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(format!(
                "{what}第 {} 行第 {} 列的内容超过 {MAX_CELL_CHARS} 个字符",
                u64::from(row) + 1,
                u64::from(col) + 1
            ));
        }
        budget.text += text.len();
        if budget.text > MAX_SHEET_TEXT_BYTES {
            return Err(format!(
                "工作表的文字合计超过 {} MB，请分成几个文件导入",
                MAX_SHEET_TEXT_BYTES / 1024 / 1024
            ));
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        if rows[row].len() <= col {
            budget.slots += col + 1 - rows[row].len();
            if budget.slots > MAX_SHEET_SLOTS {
                return Err(
                    "工作表的内容分布过散（空白单元格过多），请删去无关的行和列后再上传".into(),
                );
            }
            rows[row].resize_with(col + 1, String::new);
        }
        rows[row][col] = text;
    }
    Ok(rows)
}

/// How many entries an archive's end record declares, read before the archive is opened (opening
/// reads its whole directory: a small upload could declare a million entries). None when there
/// is no end record, or the archive is zip64 (none of ours needs it).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const END: &[u8] = b"PK\x05\x06";
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = bytes[from..].windows(4).rposition(|w| w == END)? + from;
    let total = bytes.get(at + 10..at + 12)?;
    let n = u16::from_le_bytes([total[0], total[1]]);
    (n != u16::MAX).then_some(n as usize)
}

/// Whether `bytes` are a Word document (docx): a zip archive of at most [`MAX_ZIP_ENTRIES`]
/// entries with `word/document.xml` among them. Only the archive's directory is read.
pub fn is_docx(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"PK\x03\x04")
        || declared_entries(bytes).is_none_or(|n| n > MAX_ZIP_ENTRIES)
    {
        return false;
    }
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|z| z.index_for_name("word/document.xml").is_some())
}

/// Entries a zip of files may hold (a history import's scans and reports).
pub const MAX_ZIP_ENTRIES: usize = 5_000;
/// What the files a workbook names may inflate to, together: they are held until written.
pub const MAX_ZIP_TAKEN_BYTES: u64 = 128 * 1024 * 1024;

/// The files of a zip archive that `wanted` names (by file name, without folders), each read up
/// to `each_max + 1` bytes (the caller refuses a larger one by name) and together at most
/// [`MAX_ZIP_TAKEN_BYTES`]; entries not wanted are never inflated. The sizes the archive declares
/// are not trusted.
pub fn read_zip_files(
    bytes: &[u8],
    wanted: &std::collections::HashSet<String>,
    each_max: usize,
) -> Result<std::collections::HashMap<String, Vec<u8>>, String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("无法读取 zip 压缩包：{e}");
    match declared_entries(bytes) {
        Some(n) if n > MAX_ZIP_ENTRIES => {
            return Err(format!(
                "zip 压缩包包含 {n} 个文件，超过 {MAX_ZIP_ENTRIES} 个，请分批导入"
            ));
        }
        Some(_) => {}
        None => return Err("无法读取 zip 压缩包：不是 zip 文件，或为不支持的 zip64 格式".into()),
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "zip 压缩包包含 {} 个文件，超过 {MAX_ZIP_ENTRIES} 个，请分批导入",
            zip.len()
        ));
    }
    let mut out = std::collections::HashMap::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| unreadable(&e))?;
        if entry.is_dir() {
            continue;
        }
        let full = entry.name().map_err(|e| unreadable(&e))?.to_string();
        let name = full.rsplit(['/', '\\']).next().unwrap_or("").to_string();
        if !wanted.contains(&name) || out.contains_key(&name) {
            continue;
        }
        let mut data = Vec::new();
        let limit = each_max as u64 + 1;
        (&mut entry)
            .take(limit)
            .read_to_end(&mut data)
            .map_err(|e| unreadable(&e))?;
        total += data.len() as u64;
        if total > MAX_ZIP_TAKEN_BYTES {
            return Err(format!(
                "工作簿引用的文件解压后合计超过 {} MB，请分批导入",
                MAX_ZIP_TAKEN_BYTES / 1024 / 1024
            ));
        }
        out.insert(name, data);
    }
    Ok(out)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // Numbers typed into a sheet come back as floats: 1.0 is the group number 1.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // A date cell comes out as the date (its time of day dropped), which every import reads
        // with `domain::sheet::parse_sheet_date`; a time or a duration alone is no date, and
        // comes out as the time, which a date column then refuses by name instead of reading it
        // as 1899-12-30.
        Data::DateTime(d) if d.is_duration() || d.as_f64() < 1.0 => {
            let (.., h, min, sec, _) = d.to_ymd_hms_milli();
            format!("{h}:{min:02}:{sec:02}")
        }
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        "文件既不是 xlsx，也不是 UTF-8 编码的 csv：请在 Excel 中另存为“CSV UTF-8”或 xlsx"
            .to_string()
    })?;
    let text = keep_blank_lines(text.trim_start_matches('\u{feff}'));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("第 {} 行无法解析：{e}", rows.len() + 1))?;
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(rows)
}

/// The csv reader drops blank lines, which would shift every later row number in an error.
/// A blank line (outside a quoted field) gets a space, so it stays a row of its own.
fn keep_blank_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_quotes = false;
    let mut at_line_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at_line_start && !in_quotes && (c == '\n' || (c == '\r' && chars.peek() == Some(&'\n')))
        {
            out.push(' ');
        }
        if c == '"' {
            in_quotes = !in_quotes;
        }
        at_line_start = c == '\n';
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_reads_only_the_sheets_asked_for_within_the_bounds() {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet()
            .set_name("队员")
            .unwrap()
            .write(0, 0, "姓名")
            .unwrap();
        let other = book.add_worksheet().set_name("其他").unwrap();
        other.write(0, 0, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let sheets = read_workbook(&bytes, &|n| n == "队员").unwrap();
        assert_eq!(
            sheets[0],
            ("队员".to_string(), Some(vec![vec!["姓名".to_string()]]))
        );
        assert_eq!(sheets[1], ("其他".to_string(), None));

        // Few cells, each far to the right in a row of its own: refused by the grid they
        // would take, not read into two million blanks.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("队员").unwrap();
        let rows = (MAX_SHEET_SLOTS / MAX_SHEET_COLUMNS as usize) as u32 + 1;
        for r in 0..rows {
            sheet.write(r, MAX_SHEET_COLUMNS as u16 - 1, "x").unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let err = read_workbook(&bytes, &|_| true).unwrap_err();
        assert!(err.contains("空白单元格过多"), "{err}");
        assert!(
            read_workbook(b"not a zip", &|_| true)
                .unwrap_err()
                .contains("不是 xlsx")
        );
    }

    #[test]
    fn a_zip_gives_the_files_asked_for_within_its_bounds() {
        use std::io::Write;
        let zip = |files: &[(String, Vec<u8>)]| {
            let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for (name, bytes) in files {
                out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                    .unwrap();
                out.write_all(bytes).unwrap();
            }
            out.finish().unwrap().into_inner()
        };
        let wanted: std::collections::HashSet<String> =
            ["a.pdf".to_string(), "big.pdf".to_string()].into();
        let bytes = zip(&[
            ("folder/a.pdf".into(), b"%PDF-a".to_vec()),
            ("b.pdf".into(), b"%PDF-b".to_vec()),
            ("big.pdf".into(), vec![b'x'; 5000]),
        ]);
        let got = read_zip_files(&bytes, &wanted, 100).unwrap();
        assert_eq!(got["a.pdf"], b"%PDF-a");
        assert!(!got.contains_key("b.pdf"), "a file not named is not read");
        // Read to one byte past the limit, for the caller to refuse it by its name.
        assert_eq!(got["big.pdf"].len(), 101);

        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ZIP_ENTRIES)
            .map(|i| (format!("{i}.pdf"), Vec::new()))
            .collect();
        let err = read_zip_files(&zip(&many), &wanted, 100).unwrap_err();
        assert!(err.contains("超过 5000 个"), "{err}");
        assert!(read_zip_files(b"not a zip", &wanted, 100).is_err());
    }

    #[test]
    fn sheets_are_read_within_their_limits() {
        // (A deflate bomb and a sheet with cells at A1 and XFD1048576 go through the imports and
        // the CLI in tests/api/imports.rs.)
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet().write(0, 16_383, "XFD1").unwrap();
        let err = read_sheet(&book.save_to_buffer().unwrap()).unwrap_err();
        assert!(err.contains("第 16384 列"), "{err}");
        // Just inside the limits, a sheet is read.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(0, 0, "a").unwrap();
        sheet
            .write(MAX_SHEET_ROWS - 1, MAX_SHEET_COLUMNS as u16 - 1, "z")
            .unwrap();
        let rows = read_sheet(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(rows.len(), MAX_SHEET_ROWS as usize);
        assert_eq!(
            rows[MAX_SHEET_ROWS as usize - 1][MAX_SHEET_COLUMNS as usize - 1],
            "z"
        );
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet()
            .write(MAX_SHEET_ROWS, 0, "one row too far")
            .unwrap();
        let err = read_sheet(&book.save_to_buffer().unwrap()).unwrap_err();
        assert!(err.contains("超过 100000 行的上限"), "{err}");
    }

    #[test]
    fn blank_lines_keep_their_line_numbers() {
        let rows = read_sheet(b"a,b\n\n1,2\n").unwrap();
        assert_eq!(rows[2], vec!["1", "2"], "line 3 stays rows[2]");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write(2, 1, "header").unwrap();
        sheet.write(3, 1, "value").unwrap();
        let rows = read_sheet(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(rows[3], vec!["", "value"], "sheet row 4, column B");
    }

    #[test]
    fn a_sheet_that_starts_lower_down_still_imports() {
        let csv = format!("\n{}", crate::domain::plan::DONGGUAN_2023_PAIRINGS);
        let rows = read_sheet(csv.as_bytes()).unwrap();
        let groups = crate::domain::pairing::parse_pairing_rows(&rows).unwrap();
        assert_eq!(
            (groups.len(), groups[0].row),
            (8, 3),
            "row numbers are the file's lines"
        );
        let users = "\n\nusername,display_name,organisation,role\nzhang,张三,广东医科大学,school\n";
        let parsed = parse_user_rows(&read_sheet(users.as_bytes()).unwrap()).unwrap();
        assert_eq!(parsed[0].row, 4);
    }

    #[test]
    fn csv_with_bom_and_quotes() {
        let rows = read_sheet("\u{feff}a,b\n1,\"x, y\"\n".as_bytes()).unwrap();
        assert_eq!(rows, vec![vec!["a", "b"], vec!["1", "x, y"]]);
    }

    #[test]
    fn xlsx_round_trips_numbers_and_chinese() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("结对表").unwrap();
        sheet.write(0, 0, "group_no").unwrap();
        sheet.write(1, 0, 1).unwrap();
        sheet.write(1, 1, "凤岗镇").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let rows = read_sheet(&bytes).unwrap();
        assert_eq!(rows[1], vec!["1", "凤岗镇"]);
    }

    #[test]
    fn date_cells_come_out_as_their_date_and_a_time_alone_as_no_date() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        let cell = |v: f64, t| cell_text(&Data::DateTime(ExcelDateTime::new(v, t, false)));
        assert_eq!(cell(46162.0, ExcelDateTimeType::DateTime), "2026-05-20");
        assert_eq!(cell(46162.75, ExcelDateTimeType::DateTime), "2026-05-20");
        assert_eq!(cell(0.354166666, ExcelDateTimeType::DateTime), "8:30:00");
        assert_eq!(cell(1.5, ExcelDateTimeType::TimeDelta), "12:00:00");
        let d = crate::domain::sheet::parse_sheet_date;
        assert!(d("开始日期", &cell(0.354166666, ExcelDateTimeType::DateTime)).is_err());
        assert!(d("开始日期", &cell(46162.0, ExcelDateTimeType::DateTime)).is_ok());
        // An ISO date cell (strict Open XML) and a serial in a cell without a date format.
        let iso = cell_text(&Data::DateTimeIso("2026-05-20T00:00:00".into()));
        assert_eq!(d("开始日期", &iso), Ok(jiff::civil::date(2026, 5, 20)));
        let serial = cell_text(&Data::Float(46162.0));
        assert_eq!(d("开始日期", &serial), Ok(jiff::civil::date(2026, 5, 20)));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(read_sheet(b"").unwrap_err().contains("为空"));
        assert!(
            read_sheet(&[0xff, 0xfe, 0x00, 0x41])
                .unwrap_err()
                .contains("UTF-8")
        );
        assert!(
            read_sheet(b"PK\x03\x04not really a zip")
                .unwrap_err()
                .contains("xlsx")
        );
    }
}

/// One account from a bulk sheet, with the sheet row it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSheetRow {
    pub row: usize,
    pub username: String,
    pub display_name: String,
    pub organisation: String,
    pub role: String,
}

/// The columns of an accounts sheet: each code with the Chinese heading the help text shows;
/// either is accepted as the heading.
pub const USER_COLUMNS: [(&str, &str); 4] = [
    ("username", "用户名"),
    ("display_name", "姓名"),
    ("organisation", "单位"),
    ("role", "角色"),
];

/// Reads the columns 用户名, 姓名, 单位, 角色 (or `username, display_name, organisation, role`).
/// Values are checked when the accounts are created; here only presence is.
pub fn parse_user_rows(
    rows: &[Vec<String>],
) -> Result<Vec<UserSheetRow>, Vec<crate::domain::sheet::RowError>> {
    let (out, errors) = read_user_rows(rows);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Every account row of the sheet (those with an empty cell too) and every missing cell, so an
/// import can report them with what the store finds in the other cells.
pub fn read_user_rows(
    rows: &[Vec<String>],
) -> (Vec<UserSheetRow>, Vec<crate::domain::sheet::RowError>) {
    use crate::domain::sheet::RowError;
    let columns = match crate::domain::sheet::locate_columns(rows, &USER_COLUMNS) {
        Ok(c) => c,
        Err(errors) => return (Vec::new(), errors),
    };
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (offset, row) in rows.iter().enumerate().skip(columns.first_data_row) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| columns.cell(row, i);
        let line = offset + 1;
        for (i, (_, zh)) in USER_COLUMNS.iter().enumerate() {
            if cell(i).is_empty() {
                errors.push(RowError::new(line, zh, "不能为空"));
            }
        }
        out.push(UserSheetRow {
            row: line,
            username: cell(0),
            display_name: cell(1),
            organisation: cell(2),
            role: cell(3),
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError::new(2, "用户名", "表中没有任何用户"));
    }
    let max = crate::store::MAX_USERS_PER_IMPORT;
    if out.len() > max {
        let msg = format!(
            "表中有 {} 个用户，一次最多创建 {max} 个，请分成几个文件",
            out.len()
        );
        return (
            Vec::new(),
            vec![RowError::new(columns.first_data_row, "用户名", msg)],
        );
    }
    (out, errors)
}

/// The sheet column (its heading) a validation field belongs to, for row errors.
pub fn user_column_of(field: &str) -> &'static str {
    match field {
        "姓名" => "姓名",
        "单位" => "单位",
        "角色" => "角色",
        _ => "用户名",
    }
}

#[cfg(test)]
mod user_sheet_tests {
    use super::*;

    #[test]
    fn user_rows_need_every_column() {
        let rows: Vec<Vec<String>> = vec![
            vec!["用户名".into(), "姓名".into(), "单位".into(), "角色".into()],
            vec![
                "zhang".into(),
                "张三".into(),
                "广东医科大学".into(),
                "school".into(),
            ],
            vec![
                "li".into(),
                "".into(),
                "广东医科大学".into(),
                "school".into(),
            ],
        ];
        let errs = parse_user_rows(&rows).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].row, errs[0].column.as_str()), (3, "姓名"));
        assert_eq!(errs[0].to_string(), "第 3 行 姓名：不能为空");
        assert!(parse_user_rows(&rows[..2]).is_ok());
        assert!(
            parse_user_rows(&[vec!["username".into()]])
                .unwrap_err()
                .iter()
                .any(|e| e.column == "角色")
        );
    }
}
