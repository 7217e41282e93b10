//! The monthly summary (月度汇总) as files for HQ: a docx laid out as a Chinese official report
//! (GB/T 9704-2012's main measures) and an xlsx with one sheet of statuses and one of figures.
//!
//! Fonts are named as the bureau's Windows/WPS machines have them (方正小标宋简体 for the title,
//! 黑体 for first-level headings, 仿宋_GB2312 for the text, 宋体 for the page number); a machine
//! without one substitutes its own (LibreOffice uses Noto CJK), which changes glyphs, not layout.

use crate::domain::summary::{SECTIONS, Snapshot, SummaryText, yuan};
use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run,
    RunFonts, SpecialIndentType, Table, TableAlignmentType, TableCell, TableRow, WidthType,
};
use jiff::civil::Date;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// Millimetres in twips (1/1440 inch), as Word measures pages.
fn mm(v: f64) -> i32 {
    (v * 1440.0 / 25.4).round() as i32
}

// Font sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;

const TITLE_FONT: &str = "方正小标宋简体";
const HEADING_FONT: &str = "黑体";
const BODY_FONT: &str = "仿宋_GB2312";
const PAGE_NUMBER_FONT: &str = "宋体";

/// The text block is 156 mm wide (210 − 28 − 26).
const TEXT_WIDTH_MM: f64 = 156.0;

pub(crate) fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .ascii(name)
        .hi_ansi(name)
        .east_asia(name)
        .cs(name)
}

pub(crate) fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(size)
}

/// 22 lines a page: the 三号 line pitch of the standard's grid, exactly (≈ 28.9 pt).
pub(crate) fn body_spacing() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(578)
}

/// A body paragraph: 三号 仿宋, first line indented two characters.
pub(crate) fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, SANHAO))
        .line_spacing(body_spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .align(AlignmentType::Both)
}

/// A first-level heading: `一、…` in 三号 黑体.
pub(crate) fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, HEADING_FONT, SANHAO))
        .line_spacing(body_spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .keep_next(true)
}

pub(crate) fn empty_line() -> Paragraph {
    Paragraph::new()
        .add_run(run("", BODY_FONT, SANHAO))
        .line_spacing(body_spacing())
}

pub(crate) fn cell(text: &str, width: i32, header: bool) -> TableCell {
    let p = Paragraph::new()
        .add_run(run(
            text,
            if header { HEADING_FONT } else { BODY_FONT },
            SIHAO,
        ))
        .align(if header {
            AlignmentType::Center
        } else {
            AlignmentType::Left
        });
    TableCell::new()
        .add_paragraph(p)
        .width(width as usize, WidthType::Dxa)
}

/// A table over the text block's width: columns in millimetres, a header row, then rows.
pub(crate) fn table(columns: &[(&str, f64)], rows: &[Vec<String>]) -> Table {
    let widths: Vec<i32> = columns.iter().map(|(_, w)| mm(*w)).collect();
    let header = TableRow::new(
        columns
            .iter()
            .zip(&widths)
            .map(|((h, _), w)| cell(h, *w, true))
            .collect(),
    )
    .cant_split();
    let mut all = vec![header];
    for r in rows {
        all.push(
            TableRow::new(
                r.iter()
                    .zip(&widths)
                    .map(|(v, w)| cell(v, *w, false))
                    .collect(),
            )
            .cant_split(),
        );
    }
    Table::new(all)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .width(mm(TEXT_WIDTH_MM) as usize, WidthType::Dxa)
        .align(TableAlignmentType::Center)
}

/// Paragraphs of a text field: one per non-empty line (a line-per-school list stays one per line).
pub(crate) fn paragraphs(text: &str, none: &str) -> Vec<Paragraph> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        vec![body(none)]
    } else {
        lines.into_iter().map(body).collect()
    }
}

/// `2024年7月2日`.
pub fn chinese_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The status table's rows: 序号, 学校, 报送情况, 首次提交时间.
pub fn status_rows(s: &Snapshot) -> Vec<Vec<String>> {
    s.statuses
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                (i + 1).to_string(),
                l.school.clone(),
                l.label.clone(),
                l.first_submitted.clone().unwrap_or_else(|| "—".into()),
            ]
        })
        .collect()
}

/// An empty A4 document laid out as GB/T 9704 asks: margins top 37, bottom 35, left 28, right
/// 26 mm, 三号 仿宋 text, "— 1 —" page numbers in 宋体 四号 at the foot.
pub(crate) fn official_docx() -> Docx {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("— ", PAGE_NUMBER_FONT, SIHAO))
            .add_page_num(PageNum::new())
            .add_run(run(" —", PAGE_NUMBER_FONT, SIHAO))
            .fonts(fonts(PAGE_NUMBER_FONT))
            .size(SIHAO),
    );
    Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: mm(37.0),
            bottom: mm(35.0),
            left: mm(28.0),
            right: mm(26.0),
            header: mm(15.0),
            // The page number sits about 7 mm under the text block.
            footer: mm(24.0),
            gutter: 0,
        })
        .default_fonts(fonts(BODY_FONT))
        .default_size(SANHAO)
        .footer(footer)
}

/// The title line: 二号 方正小标宋, centred.
pub(crate) fn title(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, TITLE_FONT, ERHAO))
        .align(AlignmentType::Center)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(240),
        )
}

/// The summary as a docx: A4, GB/T 9704 margins (top 37, bottom 35, left 28, right 26 mm), the
/// title in 二号 小标宋, the 报送单位 line, numbered sections in 三号 仿宋 with 黑体 headings, the
/// status and figures tables, the issuing organisation and date, "— 1 —" page numbers.
pub fn summary_docx(text: &SummaryText, s: &Snapshot, dated: Date) -> anyhow::Result<Vec<u8>> {
    let mut doc = official_docx()
        .add_paragraph(title(&text.title))
        .add_paragraph(empty_line())
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&format!("报送单位：{}", s.bureau), BODY_FONT, SANHAO))
                .line_spacing(body_spacing()),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(
                    &format!("报送日期：{}", chinese_date(dated)),
                    BODY_FONT,
                    SANHAO,
                ))
                .line_spacing(body_spacing()),
        )
        .add_paragraph(empty_line());
    for p in paragraphs(&text.intro, "") {
        doc = doc.add_paragraph(p);
    }
    // 一、报送情况
    doc = doc
        .add_paragraph(heading(SECTIONS[0]))
        .add_paragraph(body(&format!(
            "{}各签约学校月度进展报告应于 {} 前报送。{}",
            month_label(&s.month),
            s.due_on,
            s.status_sentence()
        )))
        .add_table(table(
            &[
                ("序号", 14.0),
                ("学校", 72.0),
                ("报送情况", 24.0),
                ("首次提交时间", 46.0),
            ],
            &status_rows(s),
        ))
        .add_paragraph(empty_line());
    // 二、主要数据
    let mut rows: Vec<Vec<String>> = s
        .groups
        .iter()
        .map(|g| {
            vec![
                format!("第{}组", g.number),
                g.lead_town.clone(),
                g.figures.onsite_days.to_string(),
                g.figures.person_days.to_string(),
                g.figures.projects.to_string(),
                g.figures.meetings.to_string(),
                yuan(g.figures.expense_cash_fen),
            ]
        })
        .collect();
    rows.push(vec![
        "全市合计".into(),
        String::new(),
        s.totals.onsite_days.to_string(),
        s.totals.person_days.to_string(),
        s.totals.projects.to_string(),
        s.totals.meetings.to_string(),
        yuan(s.totals.expense_cash_fen),
    ]);
    doc = doc
        .add_paragraph(heading(SECTIONS[1]))
        .add_paragraph(body(&s.totals_sentence()))
        .add_table(table(
            &[
                ("组别", 20.0),
                ("牵头镇(街)", 30.0),
                ("驻点天数", 20.0),
                ("人天", 18.0),
                ("项目", 18.0),
                ("会议", 18.0),
                ("经费(元)", 32.0),
            ],
            &rows,
        ))
        .add_paragraph(empty_line());
    // 三、四、五
    for (heading_text, field, none) in [
        (SECTIONS[2], &text.highlights, "本月暂无。"),
        (SECTIONS[3], &text.problems, "本月各校未反映问题。"),
        (SECTIONS[4], &text.next_steps, "（待补充）"),
    ] {
        doc = doc.add_paragraph(heading(heading_text));
        for p in paragraphs(field, none) {
            doc = doc.add_paragraph(p);
        }
    }
    signed(doc, &s.bureau, dated)
}

/// Ends an official document with the issuing organisation and the date, right-aligned four
/// characters in from the edge, and packs it.
pub(crate) fn signed(doc: Docx, by: &str, dated: Date) -> anyhow::Result<Vec<u8>> {
    let sign = |t: &str| {
        Paragraph::new()
            .add_run(run(t, BODY_FONT, SANHAO))
            .align(AlignmentType::Right)
            .indent(None, None, Some(1280), None)
            .line_spacing(body_spacing())
    };
    let doc = doc
        .add_paragraph(empty_line())
        .add_paragraph(sign(by))
        .add_paragraph(sign(&chinese_date(dated)));
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.pack(&mut buf)
        .map_err(|e| anyhow::anyhow!("docx not written: {e}"))?;
    Ok(buf.into_inner())
}

/// `2024-06` as `2024年6月` (the snapshot's month as written).
fn month_label(m: &str) -> String {
    crate::domain::plan::Month::parse(m)
        .map(|m| m.label())
        .unwrap_or_else(|| m.to_string())
}

/// The summary as an xlsx: sheet 报送情况 (each school's status and first submission) and sheet
/// 主要数据 (each group's figures and the city's totals), each under a title row naming the month.
pub fn summary_xlsx(text: &SummaryText, s: &Snapshot) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let money = Format::new().set_num_format("0.00");
    let month = month_label(&s.month);

    let sheet = book.add_worksheet();
    sheet.set_name("报送情况")?;
    sheet.merge_range(
        0,
        0,
        0,
        3,
        &format!("{month}各签约学校月度进展报告报送情况（{}）", text.title),
        &title.clone().set_align(FormatAlign::Left),
    )?;
    for (c, h) in ["序号", "学校", "报送情况", "首次提交时间"]
        .iter()
        .enumerate()
    {
        sheet.write_with_format(1, c as u16, *h, &bold)?;
    }
    for (r, l) in s.statuses.iter().enumerate() {
        let row = r as u32 + 2;
        sheet.write_number(row, 0, (r + 1) as f64)?;
        sheet.write(row, 1, l.school.as_str())?;
        sheet.write(row, 2, l.label.as_str())?;
        sheet.write(row, 3, l.first_submitted.as_deref().unwrap_or("—"))?;
    }
    let end = s.statuses.len() as u32 + 3;
    sheet.write(end, 0, s.status_sentence().as_str())?;
    sheet.set_column_width(0, 8)?;
    sheet.set_column_width(1, 36)?;
    sheet.set_column_width(2, 12)?;
    sheet.set_column_width(3, 22)?;
    sheet.set_freeze_panes(2, 0)?;

    let sheet = book.add_worksheet();
    sheet.set_name("主要数据")?;
    let mut headers: Vec<String> = [
        "组别",
        "牵头镇(街)",
        "学校",
        "驻点天数",
        "人天",
        "学生人次",
        "项目数",
        "新启动项目",
        "完成项目",
        "联席会议",
        "经费笔数",
        "经费支出(元)",
        "实物投入折合(元)",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    headers.extend(
        s.outcome_columns
            .iter()
            .map(|c| format!("{}({})", c.label, c.unit)),
    );
    sheet.merge_range(
        0,
        0,
        0,
        headers.len() as u16 - 1,
        &format!("{month}各结对组主要数据"),
        &title.clone().set_align(FormatAlign::Left),
    )?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_with_format(1, c as u16, h.as_str(), &bold)?;
    }
    let mut write_figures = |row: u32,
                             f: &crate::domain::summary::KeyFigures|
     -> Result<(), XlsxError> {
        let ints = [
            f.onsite_days,
            f.person_days,
            f.onsite_students,
            f.projects,
            f.projects_started,
            f.projects_finished,
            f.meetings,
            f.expenses,
        ];
        for (i, v) in ints.iter().enumerate() {
            sheet.write_number(row, 3 + i as u16, *v as f64)?;
        }
        sheet.write_number_with_format(row, 11, f.expense_cash_fen as f64 / 100.0, &money)?;
        sheet.write_number_with_format(row, 12, f.expense_in_kind_fen as f64 / 100.0, &money)?;
        for (i, c) in s.outcome_columns.iter().enumerate() {
            let v = f.outcomes.get(&c.code).copied().unwrap_or(0);
            sheet.write_number(row, 13 + i as u16, v as f64)?;
        }
        Ok(())
    };
    let mut row = 2;
    for g in &s.groups {
        write_figures(row, &g.figures)?;
        row += 1;
    }
    write_figures(row, &s.totals)?;
    for (r, g) in s.groups.iter().enumerate() {
        let row = r as u32 + 2;
        sheet.write(row, 0, format!("第{}组", g.number).as_str())?;
        sheet.write(row, 1, g.lead_town.as_str())?;
        sheet.write(row, 2, g.schools.as_str())?;
    }
    sheet.write_with_format(row, 0, "全市合计", &bold)?;
    sheet.set_column_width(0, 10)?;
    sheet.set_column_width(1, 14)?;
    sheet.set_column_width(2, 48)?;
    for c in 3..headers.len() as u16 {
        sheet.set_column_width(c, 12)?;
    }
    sheet.set_freeze_panes(2, 1)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::summary::{GroupLine, KeyFigures, StatusLine};

    fn snapshot() -> Snapshot {
        Snapshot {
            month: "2024-06".into(),
            due_on: "2024-06-28".into(),
            bureau: "东莞市教育局".into(),
            statuses: vec![StatusLine {
                school: "东莞理工学院".into(),
                status: "on_time".into(),
                label: "按时".into(),
                first_submitted: Some("2024-06-20 10:00".into()),
            }],
            expected: 1,
            submitted: 1,
            on_time: 1,
            reporting_rate: "100.0%".into(),
            on_time_rate: "100.0%".into(),
            groups: vec![GroupLine {
                number: 1,
                lead_town: "凤岗镇".into(),
                schools: "东莞理工学院".into(),
                figures: KeyFigures {
                    onsite_days: 3,
                    ..Default::default()
                },
            }],
            totals: KeyFigures {
                onsite_days: 3,
                ..Default::default()
            },
            outcome_columns: Vec::new(),
        }
    }

    #[test]
    fn the_docx_is_a4_with_the_standards_margins_and_fonts() {
        let text = SummaryText {
            title: "6月校地结对共建工作进展情况汇总".into(),
            ..Default::default()
        };
        let bytes = summary_docx(&text, &snapshot(), Date::constant(2024, 7, 2)).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        assert!(xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#));
        // 37, 35, 28, 26 mm in twips.
        for m in [
            r#"w:top="2098""#,
            r#"w:bottom="1984""#,
            r#"w:left="1587""#,
            r#"w:right="1474""#,
        ] {
            assert!(xml.contains(m), "{m}");
        }
        assert!(xml.contains("方正小标宋简体") && xml.contains("仿宋_GB2312"));
        assert!(xml.contains("报送单位：东莞市教育局"));
        assert!(xml.contains("2024年7月2日"));
        for s in SECTIONS {
            assert!(xml.contains(s), "{s}");
        }
        let footers: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok().map(|n| n.to_string()))
            .filter(|n| n.starts_with("word/footer"))
            .collect();
        let mut footer = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(&footers[0]).unwrap(), &mut footer).unwrap();
        assert!(footer.contains("PAGE"), "a page number field in the footer");
    }

    #[test]
    fn the_xlsx_has_a_sheet_of_statuses_and_one_of_figures() {
        let bytes = summary_xlsx(&SummaryText::default(), &snapshot()).unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        assert_eq!(book.sheet_names(), ["报送情况", "主要数据"]);
        let statuses = book.worksheet_range("报送情况").unwrap();
        assert_eq!(
            statuses.get_value((2, 1)).unwrap().to_string(),
            "东莞理工学院"
        );
        assert_eq!(statuses.get_value((2, 2)).unwrap().to_string(), "按时");
        let figures = book.worksheet_range("主要数据").unwrap();
        assert_eq!(figures.get_value((3, 0)).unwrap().to_string(), "全市合计");
        assert_eq!(figures.get_value((3, 3)).unwrap().to_string(), "3");
    }
}
