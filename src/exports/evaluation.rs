//! 年度评价 (五(三)) as files: a docx laid out as the monthly summary is (GB/T 9704: ranking table,
//! then a section per group with its indicators, points with their working and the reviewers'
//! comments) and an xlsx (ranking with each criterion's points; the working; the reviews).

use super::summary::{
    body, chinese_date, empty_line, heading, official_docx, signed, table, title,
};
use crate::domain::evaluation::points_label;
use crate::domain::plan::Plan;
use crate::services::evaluation::{GroupEvaluation, YearEvaluation, YearState};
use jiff::civil::Date;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The ranking table's rows: 名次, 结对组, 牵头镇(街), 总分, 等级.
fn ranking_rows(y: &YearEvaluation) -> Vec<Vec<String>> {
    y.groups
        .iter()
        .map(|g| {
            vec![
                g.rank.to_string(),
                format!("第{}组", g.number),
                g.lead_town.clone(),
                points_label(g.scored.total),
                g.scored.grade.clone().unwrap_or_else(|| "—".into()),
            ]
        })
        .collect()
}

fn state_sentence(y: &YearEvaluation) -> String {
    match &y.state {
        YearState::Final { on, by } => format!(
            "本年度评价已于{}定稿（{by}），以下结果为定稿时的计算结果。",
            chinese_date(*on)
        ),
        YearState::Open => {
            "本年度评价尚未定稿，以下结果按导出时的记录和评分计算，定稿前可能变化。".into()
        }
    }
}

/// The indicators of a group in sentences.
pub(crate) fn indicator_lines(plan: &Plan, g: &GroupEvaluation) -> Vec<String> {
    let i = &g.indicators;
    let areas: Vec<String> = i
        .areas
        .iter()
        .map(|(n, (all, done))| {
            let name = plan.area(i64::from(*n)).map_or("", |a| a.name.as_str());
            format!("{name}{all}个（完成{done}个）")
        })
        .collect();
    let outcomes: Vec<String> = i
        .outcomes
        .iter()
        .map(|(code, amount)| match plan.outcome(code) {
            Some((_, f)) if f.kind == crate::domain::plan::OutcomeKind::Money => {
                format!("{}{}元", f.label, crate::domain::summary::yuan(*amount))
            }
            Some((_, f)) => format!("{}{}{}", f.label, amount, f.unit),
            None => format!("{code} {amount}"),
        })
        .collect();
    vec![
        format!(
            "方案要求：适用{}项，符合{}项。",
            i.rules_applicable, i.rules_met
        ),
        format!(
            "驻镇(村)服务：{}天（要求{}天）；联席会议：{}次（要求{}次）；月报按时报送：{}份（应报{}份）。",
            i.onsite_days,
            i.onsite_required,
            i.meetings,
            i.meetings_required,
            i.reports_on_time,
            i.reports_due
        ),
        format!(
            "合作项目：{}个，完成{}个{}；发布典型案例和新闻：{}篇。",
            i.projects,
            i.projects_done,
            if areas.is_empty() {
                String::new()
            } else {
                format!("（{}）", areas.join("、"))
            },
            i.cases_published
        ),
        if outcomes.is_empty() {
            "成果数据：本年未记录。".into()
        } else {
            format!("成果数据：{}。", outcomes.join("，"))
        },
    ]
}

/// The year's evaluation as a docx: the title, the state, the ranking table, a section per group.
pub fn evaluation_docx(y: &YearEvaluation, hq: &str, dated: Date) -> anyhow::Result<Vec<u8>> {
    let mut doc = official_docx()
        .add_paragraph(title(&format!("{}年度校地结对情况评价报告", y.year)))
        .add_paragraph(empty_line())
        .add_paragraph(body(&format!(
            "根据行动方案五(三)“市“百千万工程”指挥部每年组织开展结对情况评价”，对{}年开展工作的{}个结对组进行评价，满分{}分。{}",
            y.year,
            y.groups.len(),
            y.scheme.full_points(),
            state_sentence(y)
        )))
        .add_paragraph(heading("一、评价结果"))
        .add_table(table(
            &[
                ("名次", 16.0),
                ("结对组", 26.0),
                ("牵头镇(街)", 50.0),
                ("总分", 30.0),
                ("等级", 34.0),
            ],
            &ranking_rows(y),
        ))
        .add_paragraph(empty_line())
        .add_paragraph(heading("二、各结对组评价情况"));
    for (n, g) in y.groups.iter().enumerate() {
        doc = doc.add_paragraph(body(&format!(
            "（{}）第{}组（{}）：总分{}分{}。",
            chinese_number(n + 1),
            g.number,
            g.lead_town,
            points_label(g.scored.total),
            g.scored
                .grade
                .as_ref()
                .map(|gr| format!("，等级{gr}"))
                .unwrap_or_default()
        )));
        for line in indicator_lines(&y.plan, g) {
            doc = doc.add_paragraph(body(&line));
        }
        let rows: Vec<Vec<String>> = g
            .scored
            .criteria
            .iter()
            .map(|c| {
                vec![
                    c.label.clone(),
                    format!("{}/{}", points_label(c.points), points_label(c.max)),
                    c.working.clone(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &[("指标", 40.0), ("得分", 26.0), ("计分依据", 90.0)],
            &rows,
        ));
        for r in &g.reviews {
            doc = doc.add_paragraph(body(&format!(
                "评审意见（{}，{}分）：{}",
                r.reviewer,
                points_label(r.points),
                r.comment
            )));
        }
        doc = doc.add_paragraph(empty_line());
    }
    signed(doc, hq, dated)
}

/// 一, 二, … 九十九 (section numbers).
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// The year's evaluation as an xlsx: 评价结果 (rank, group, each criterion's points, total,
/// grade), 计分依据 (each criterion's working), 评审评分 (each reviewer's score and comment).
pub fn evaluation_xlsx(y: &YearEvaluation) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let title_format = Format::new().set_bold().set_font_size(14);
    let decimal = Format::new().set_num_format("0.0");

    let sheet = book.add_worksheet();
    sheet.set_name("评价结果")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{}年度校地结对情况评价（{}）", y.year, state_sentence(y)),
        &title_format,
    )?;
    let mut headers: Vec<String> = vec!["名次".into(), "结对组".into(), "牵头镇(街)".into()];
    headers.extend(
        y.scheme
            .criteria
            .iter()
            .map(|c| format!("{}（{}分）", c.label, c.points)),
    );
    headers.push("总分".into());
    headers.push("等级".into());
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, h, &bold)?;
    }
    for (r, g) in y.groups.iter().enumerate() {
        let row = r as u32 + 2;
        sheet.write_number(row, 0, g.rank as f64)?;
        sheet.write_string(row, 1, format!("第{}组", g.number))?;
        sheet.write_string(row, 2, &g.lead_town)?;
        for (c, p) in g.scored.criteria.iter().enumerate() {
            sheet.write_number_with_format(
                row,
                3 + c as u16,
                f64::from(p.points) / 10.0,
                &decimal,
            )?;
        }
        let at = 3 + g.scored.criteria.len() as u16;
        sheet.write_number_with_format(row, at, f64::from(g.scored.total) / 10.0, &decimal)?;
        sheet.write_string(row, at + 1, g.scored.grade.clone().unwrap_or_default())?;
    }
    sheet.set_column_width(2, 16)?;

    let sheet = book.add_worksheet();
    sheet.set_name("计分依据")?;
    for (c, h) in ["结对组", "指标", "得分", "满分", "计分依据"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut row = 1;
    for g in &y.groups {
        for p in &g.scored.criteria {
            sheet.write_string(row, 0, format!("第{}组", g.number))?;
            sheet.write_string(row, 1, &p.label)?;
            sheet.write_number_with_format(row, 2, f64::from(p.points) / 10.0, &decimal)?;
            sheet.write_number_with_format(row, 3, f64::from(p.max) / 10.0, &decimal)?;
            sheet.write_string(row, 4, &p.working)?;
            row += 1;
        }
    }
    sheet.set_column_width(4, 70)?;

    let sheet = book.add_worksheet();
    sheet.set_name("评审评分")?;
    for (c, h) in ["结对组", "评审人", "指标", "评分", "评语"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut row = 1;
    for g in &y.groups {
        for r in &g.reviews {
            let label = y
                .scheme
                .criterion(&r.criterion)
                .map_or(r.criterion.as_str(), |c| c.label.as_str());
            sheet.write_string(row, 0, format!("第{}组", g.number))?;
            sheet.write_string(row, 1, &r.reviewer)?;
            sheet.write_string(row, 2, label)?;
            sheet.write_number_with_format(row, 3, f64::from(r.points) / 10.0, &decimal)?;
            sheet.write_string(row, 4, &r.comment)?;
            row += 1;
        }
    }
    sheet.set_column_width(4, 60)?;
    book.save_to_buffer()
}
