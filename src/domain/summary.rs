//! 月度汇总 (五(三) "市教育局汇总后报市'百千万工程'指挥部"): the bureau's summary of month M for
//! HQ. Its text is the bureau's (checked here); its status table and figures are a snapshot taken
//! when it is generated, from the report roll and the month's records, and refreshed on demand
//! while it is a draft. Pure: the snapshot is built by the service from what the store loaded.

use crate::domain::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a summary is: the bureau's draft, or sent to HQ (read-only; HQ reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryState {
    Draft,
    Sent,
}

impl SummaryState {
    pub fn as_str(self) -> &'static str {
        match self {
            SummaryState::Draft => "draft",
            SummaryState::Sent => "sent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(SummaryState::Draft),
            "sent" => Some(SummaryState::Sent),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SummaryState::Draft => "草稿",
            SummaryState::Sent => "已报送市指挥部",
        }
    }
}

/// Why a sent summary cannot be changed.
pub const SENT: &str = "该月度汇总已报送市指挥部，不能再修改或重新生成；如需更正，请先撤回为草稿";

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The text the bureau writes (as typed, or as stored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryText {
    pub title: String,
    pub intro: String,
    pub highlights: String,
    pub problems: String,
    pub next_steps: String,
}

impl SummaryText {
    /// The fields as audit entries write them.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "doc_title": self.title, "intro": self.intro, "highlights": self.highlights,
            "problems": self.problems, "next_steps": self.next_steps,
        })
    }
}

/// Checks an edit: a title, no field over its length; trimmed (line breaks inside are kept).
pub fn parse_text(input: &SummaryText) -> Result<SummaryText, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    match title.chars().count() {
        0 => errors.push("标题", "不能为空"),
        n if n > MAX_TITLE_CHARS => {
            errors.push("标题", format!("不能超过 {MAX_TITLE_CHARS} 个字符"))
        }
        _ => {}
    }
    if title.contains('\n') {
        errors.push("标题", "应为一行");
    }
    let mut long = |field: &'static str, text: &str| {
        if text.chars().count() > MAX_TEXT_CHARS {
            errors.push(field, format!("不能超过 {MAX_TEXT_CHARS} 个字符"));
        }
    };
    long("导语", &input.intro);
    long("工作亮点", &input.highlights);
    long("存在问题", &input.problems);
    long("下一步工作", &input.next_steps);
    if !errors.is_empty() {
        return Err(errors);
    }
    let clean = |s: &str| s.trim().replace("\r\n", "\n");
    Ok(SummaryText {
        title: title.to_string(),
        intro: clean(&input.intro),
        highlights: clean(&input.highlights),
        problems: clean(&input.problems),
        next_steps: clean(&input.next_steps),
    })
}

/// A month in a URL or a request (`2024-06`), or the field error naming it.
pub fn parse_month(s: &str) -> Result<crate::domain::plan::Month, FieldError> {
    crate::domain::plan::Month::parse(s.trim()).ok_or_else(|| {
        FieldError::new(
            "月份",
            format!("“{}”不是有效的月份，应为 YYYY-MM", s.trim()),
        )
    })
}

/// The default title: `6月校地结对共建工作进展情况汇总`.
pub fn default_title(month: crate::domain::plan::Month) -> String {
    format!("{}月校地结对共建工作进展情况汇总", month.month)
}

/// The default opening paragraph.
pub fn default_intro(month: crate::domain::plan::Month, doc_no: &str) -> String {
    format!(
        "按照《{doc_no}》关于各签约学校每月报送工作进展情况的要求，现将{}全市校地结对共建工作进展情况汇总如下。",
        month.label()
    )
}

/// One school's line of the status table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusLine {
    pub school: String,
    /// on_time, late, missing, not_due ([`crate::domain::monthly::Timeliness`]).
    pub status: String,
    /// 按时, 逾期, 未报, 未到期.
    pub label: String,
    /// The first submission, Beijing time, if any.
    pub first_submitted: Option<String>,
}

/// One group's (or the city's) key figures of the month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFigures {
    pub onsite_days: i64,
    pub person_days: i64,
    pub onsite_students: i64,
    pub projects: i64,
    pub projects_started: i64,
    pub projects_finished: i64,
    pub meetings: i64,
    pub expenses: i64,
    pub expense_cash_fen: i64,
    pub expense_in_kind_fen: i64,
    /// Outcome figures by the plan's outcome code.
    pub outcomes: BTreeMap<String, i64>,
}

impl KeyFigures {
    pub fn add(&mut self, o: &KeyFigures) {
        self.onsite_days += o.onsite_days;
        self.person_days += o.person_days;
        self.onsite_students += o.onsite_students;
        self.projects += o.projects;
        self.projects_started += o.projects_started;
        self.projects_finished += o.projects_finished;
        self.meetings += o.meetings;
        self.expenses += o.expenses;
        self.expense_cash_fen += o.expense_cash_fen;
        self.expense_in_kind_fen += o.expense_in_kind_fen;
        for (k, v) in &o.outcomes {
            *self.outcomes.entry(k.clone()).or_default() += v;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLine {
    pub number: i64,
    pub lead_town: String,
    /// The group's schools, `、`-joined.
    pub schools: String,
    pub figures: KeyFigures,
}

/// An outcome figure's column: its code, label and unit, from the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeColumn {
    pub code: String,
    pub label: String,
    pub unit: String,
}

/// The generated part of a summary: statuses, rates, figures, as of `generated_at`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// `2024-06`.
    pub month: String,
    /// The due day of the month's reports, `2024-06-28`.
    pub due_on: String,
    /// 报送单位: the plan's bureau.
    pub bureau: String,
    pub statuses: Vec<StatusLine>,
    pub expected: u32,
    pub submitted: u32,
    pub on_time: u32,
    pub reporting_rate: String,
    pub on_time_rate: String,
    pub groups: Vec<GroupLine>,
    pub totals: KeyFigures,
    /// The outcome figures any group recorded this month, in the plan's order.
    pub outcome_columns: Vec<OutcomeColumn>,
}

impl Snapshot {
    pub fn count(&self, status: &str) -> usize {
        self.statuses.iter().filter(|s| s.status == status).count()
    }

    /// "应报送 18 所，已报送 2 所（按时 1 所、逾期 1 所），未报 16 所；报送率 11.1%，按时报送率 5.6%。"
    pub fn status_sentence(&self) -> String {
        let not_due = self.count("not_due");
        let mut s = format!(
            "本月应报送进展报告的学校 {} 所，已报送 {} 所（按时 {} 所、逾期 {} 所），未报送 {} 所",
            self.expected,
            self.submitted,
            self.on_time,
            self.submitted - self.on_time,
            self.count("missing"),
        );
        if not_due > 0 {
            s.push_str(&format!("，尚未到期 {not_due} 所"));
        }
        s.push_str(&format!(
            "；报送率 {}，按时报送率 {}。",
            self.reporting_rate, self.on_time_rate
        ));
        s
    }

    /// The city's totals in one sentence.
    pub fn totals_sentence(&self) -> String {
        let t = &self.totals;
        let mut s = format!(
            "全市 {} 个结对组本月驻镇(村)服务 {} 天、{} 人天，带动学生 {} 人次；涉及合作项目 {} 个（新启动 {} 个、完成 {} 个）；召开联席会议 {} 次；登记经费 {} 笔，支出 {} 元",
            self.groups.len(),
            t.onsite_days,
            t.person_days,
            t.onsite_students,
            t.projects,
            t.projects_started,
            t.projects_finished,
            t.meetings,
            t.expenses,
            yuan(t.expense_cash_fen),
        );
        if t.expense_in_kind_fen > 0 {
            s.push_str(&format!(
                "，实物投入折合 {} 元",
                yuan(t.expense_in_kind_fen)
            ));
        }
        for c in &self.outcome_columns {
            if let Some(v) = t.outcomes.get(&c.code).filter(|v| **v != 0) {
                s.push_str(&format!("，{} {v}{}", c.label, c.unit));
            }
        }
        s.push('。');
        s
    }
}

/// Fen as yuan with two decimals: `1234.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// The longest line picked from one school's report.
pub const MAX_PICKED_CHARS: usize = 200;

/// A report's text made one line: whitespace runs (line breaks too) become one space, trimmed,
/// cut at [`MAX_PICKED_CHARS`] with `…`.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > MAX_PICKED_CHARS {
        let mut cut: String = joined.chars().take(MAX_PICKED_CHARS).collect();
        cut.push('…');
        cut
    } else {
        joined
    }
}

/// What a submitted report says, for the picking.
pub struct ReportText<'a> {
    pub school: &'a str,
    /// The narrative JSON: area number (as a string) → text.
    pub narrative: &'a str,
    pub problems: &'a str,
}

/// Highlights and problems picked from the month's submitted reports: one line per school that
/// wrote something, `东莞理工学院：…`, in the order given. The narrative's areas are joined in
/// area order with `；`.
pub fn pick_lines(reports: &[ReportText<'_>]) -> (String, String) {
    let mut highlights = Vec::new();
    let mut problems = Vec::new();
    for r in reports {
        let areas: BTreeMap<i64, String> =
            serde_json::from_str::<BTreeMap<String, serde_json::Value>>(r.narrative)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| {
                    let n = k.trim().parse::<i64>().ok()?;
                    let t = one_line(v.as_str()?);
                    (!t.is_empty()).then_some((n, t))
                })
                .collect();
        if !areas.is_empty() {
            let joined = areas.into_values().collect::<Vec<_>>().join("；");
            highlights.push(format!("{}：{}", r.school, one_line(&joined)));
        }
        let p = one_line(r.problems);
        if !p.is_empty() {
            problems.push(format!("{}：{p}", r.school));
        }
    }
    (highlights.join("\n"), problems.join("\n"))
}

/// The numbered section headings of the document and the page, in order.
pub const SECTIONS: [&str; 5] = [
    "一、报送情况",
    "二、主要数据",
    "三、工作亮点",
    "四、存在问题",
    "五、下一步工作",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::Month;

    #[test]
    fn lines_are_picked_one_per_school_in_area_order() {
        let reports = [
            ReportText {
                school: "东莞理工学院",
                narrative: r#"{"3": "  培训村民\n 120 人次 ", "1": "基地挂牌", "2": ""}"#,
                problems: " 交通不便 ",
            },
            ReportText {
                school: "广东科技学院",
                narrative: "{}",
                problems: "",
            },
            ReportText {
                school: "东莞城市学院",
                narrative: "not json",
                problems: "经费到位慢",
            },
        ];
        let (h, p) = pick_lines(&reports);
        assert_eq!(h, "东莞理工学院：基地挂牌；培训村民 120 人次");
        assert_eq!(p, "东莞理工学院：交通不便\n东莞城市学院：经费到位慢");
    }

    #[test]
    fn a_long_line_is_cut() {
        let s = one_line(&"字".repeat(MAX_PICKED_CHARS + 5));
        assert_eq!(s.chars().count(), MAX_PICKED_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn text_is_checked_whole() {
        let ok = parse_text(&SummaryText {
            title: " 6月汇总 ".into(),
            intro: "a\r\nb ".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((ok.title.as_str(), ok.intro.as_str()), ("6月汇总", "a\nb"));
        let e = parse_text(&SummaryText {
            title: " ".into(),
            problems: "字".repeat(MAX_TEXT_CHARS + 1),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["标题", "存在问题"]);
    }

    #[test]
    fn defaults_and_months() {
        let m = Month::parse("2024-06").unwrap();
        assert_eq!(default_title(m), "6月校地结对共建工作进展情况汇总");
        assert!(default_intro(m, "东教通〔2023〕15号").contains("2024年6月"));
        assert!(parse_month("2024-13").is_err());
        assert_eq!(yuan(123_450), "1234.50");
        assert_eq!(SummaryState::parse("sent"), Some(SummaryState::Sent));
    }
}
