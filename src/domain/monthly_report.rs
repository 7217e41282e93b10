//! 月度进展报告 (五(三)): what a school writes into its monthly report — its own account of the
//! month per cooperation area (三(一)–(六)), the problems it met and next month's plan — checked
//! here, once, for the web form and the API; and the bureau's review comment and its note on a
//! paper copy. Deadlines, timeliness and states live in `domain::monthly`.

use super::plan::Plan;
use super::{FieldError, FieldErrors};
use std::collections::BTreeMap;

/// The most characters of one area's account, of the problems and of next month's plan.
pub const MAX_SECTION_CHARS: usize = 5000;
/// The most characters of a review comment or a paper-copy note.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// How the errors name the narrative of area `n` (the six areas of clause 三; a plan with more
/// areas names the rest together).
pub fn area_field(n: u8) -> &'static str {
    const FIELDS: [&str; 6] = [
        "领域1工作进展",
        "领域2工作进展",
        "领域3工作进展",
        "领域4工作进展",
        "领域5工作进展",
        "领域6工作进展",
    ];
    FIELDS
        .get(usize::from(n).wrapping_sub(1))
        .copied()
        .unwrap_or("各领域工作进展")
}

pub const PROBLEMS_FIELD: &str = "存在问题";
pub const NEXT_PLAN_FIELD: &str = "下月工作计划";
pub const COMMENT_FIELD: &str = "审核意见";
pub const PAPER_NOTE_FIELD: &str = "纸质报告说明";

/// The school's part of a report as typed: the narrative keyed by area number as text
/// (`{"1": "…", "3": "…"}`), problems and next month's plan.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub narrative: BTreeMap<String, String>,
    pub problems: String,
    pub next_plan: String,
}

/// The school's part of a report, checked: every key an area of the plan, empty areas left out,
/// texts trimmed and bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportText {
    narrative: BTreeMap<String, String>,
    problems: String,
    next_plan: String,
}

impl ReportText {
    /// As the store holds it (already checked when it was saved).
    pub fn stored(
        narrative: BTreeMap<String, String>,
        problems: String,
        next_plan: String,
    ) -> Self {
        Self {
            narrative,
            problems,
            next_plan,
        }
    }

    pub fn narrative(&self) -> &BTreeMap<String, String> {
        &self.narrative
    }

    pub fn problems(&self) -> &str {
        &self.problems
    }

    pub fn next_plan(&self) -> &str {
        &self.next_plan
    }

    /// The narrative as its JSON column holds it.
    pub fn narrative_json(&self) -> String {
        serde_json::to_string(&self.narrative).unwrap_or_else(|_| "{}".into())
    }
}

fn bounded(errors: &mut FieldErrors, field: &'static str, text: &str, max: usize) -> String {
    let t = text.trim();
    let n = t.chars().count();
    if n > max {
        errors.push(field, format!("不能超过 {max} 个字符（现为 {n} 个）"));
    }
    t.to_string()
}

/// Checks the school's text against the plan's areas; every error at once.
pub fn parse_report(input: &ReportInput, plan: &Plan) -> Result<ReportText, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut narrative = BTreeMap::new();
    for (key, text) in &input.narrative {
        let area = key.trim().parse::<i64>().ok().and_then(|n| plan.area(n));
        let Some(area) = area else {
            let numbers: Vec<String> = plan.areas.iter().map(|a| a.number.to_string()).collect();
            errors.push(
                "各领域工作进展",
                format!(
                    "“{}”不是行动方案的合作领域编号，应为 {} 之一",
                    key.trim(),
                    numbers.join("、")
                ),
            );
            continue;
        };
        let field = area_field(area.number);
        let t = bounded(&mut errors, field, text, MAX_SECTION_CHARS);
        if !t.is_empty() {
            narrative.insert(area.number.to_string(), t);
        }
    }
    let problems = bounded(
        &mut errors,
        PROBLEMS_FIELD,
        &input.problems,
        MAX_SECTION_CHARS,
    );
    let next_plan = bounded(
        &mut errors,
        NEXT_PLAN_FIELD,
        &input.next_plan,
        MAX_SECTION_CHARS,
    );
    errors.into_result(|| ReportText {
        narrative,
        problems,
        next_plan,
    })
}

/// A required, bounded comment (the bureau's return comment, or its note on a paper copy).
pub fn parse_comment(field: &'static str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    match t.chars().count() {
        0 => Err(FieldError::new(field, "不能为空")),
        n if n > MAX_COMMENT_CHARS => Err(FieldError::new(
            field,
            format!("不能超过 {MAX_COMMENT_CHARS} 个字符（现为 {n} 个）"),
        )),
        _ => Ok(t.to_string()),
    }
}

/// An optional comment on an acceptance: bounded, may be empty.
pub fn parse_optional_comment(text: &str) -> Result<String, FieldError> {
    if text.trim().is_empty() {
        Ok(String::new())
    } else {
        parse_comment(COMMENT_FIELD, text)
    }
}

/// The refusal of a submission after submissions closed.
pub fn closed_message(month: super::plan::Month, closes_on: jiff::civil::Date) -> String {
    format!(
        "{}月进展报告已于 {closes_on} 截止报送，请联系市教育局",
        month.month
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan::parse(include_str!("../../presets/dongguan-2023/plan.toml")).unwrap()
    }

    fn input(pairs: &[(&str, &str)], problems: &str) -> ReportInput {
        ReportInput {
            narrative: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            problems: problems.into(),
            next_plan: String::new(),
        }
    }

    #[test]
    fn areas_are_the_plans_and_empty_ones_are_left_out() {
        let t = parse_report(&input(&[("1", " 建成基地 "), ("3", "  ")], "无"), &plan()).unwrap();
        assert_eq!(t.narrative().len(), 1);
        assert_eq!(t.narrative()["1"], "建成基地");
        assert_eq!(t.narrative_json(), r#"{"1":"建成基地"}"#);
        let e = parse_report(&input(&[("7", "x"), ("a", "y")], ""), &plan()).unwrap_err();
        assert_eq!(e.0.len(), 2);
        assert!(e.0[0].message.contains("“7”不是行动方案的合作领域编号"));
    }

    #[test]
    fn each_text_is_bounded_at_its_field() {
        let long = "字".repeat(MAX_SECTION_CHARS + 1);
        let ok = "字".repeat(MAX_SECTION_CHARS);
        assert!(parse_report(&input(&[("2", &ok)], &ok), &plan()).is_ok());
        let e = parse_report(&input(&[("2", &long)], &long), &plan()).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["领域2工作进展", "存在问题"]);
        assert!(e.0[0].message.contains("不能超过 5000 个字符"));
    }

    #[test]
    fn a_return_needs_a_comment() {
        assert!(parse_comment(COMMENT_FIELD, " ").is_err());
        assert_eq!(parse_comment(COMMENT_FIELD, " 请补充 ").unwrap(), "请补充");
        assert_eq!(parse_optional_comment("").unwrap(), "");
        assert!(parse_optional_comment(&"字".repeat(MAX_COMMENT_CHARS + 1)).is_err());
    }

    #[test]
    fn the_closing_message_names_the_month_and_day() {
        let m = super::super::plan::Month::parse("2024-01").unwrap();
        assert_eq!(
            closed_message(m, jiff::civil::date(2024, 2, 27)),
            "1月进展报告已于 2024-02-27 截止报送，请联系市教育局"
        );
    }
}
