//! 年度合作计划 (五(一): 联席会议 "审议年度合作计划"): one plan per group and year, its items in
//! the plan's areas, each with an optional target on one of the area's outcome figures (a count,
//! or money typed in yuan and kept in fen), an optional linked project, and a year-end status.

use crate::domain::money::{Fen, show_yuan};
use crate::domain::plan::{OutcomeKind, Plan};
use crate::domain::{FieldError, FieldErrors};
use serde_json::{Value, json};

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_NOTES_CHARS: usize = 5000;
pub const MAX_ITEM_CHARS: usize = 1000;
pub const MAX_NOTE_CHARS: usize = 2000;

/// The year-end judgement of an item; unset until judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearEndStatus {
    Done,
    Partial,
    NotDone,
}

impl YearEndStatus {
    pub const ALL: [YearEndStatus; 3] = [
        YearEndStatus::Done,
        YearEndStatus::Partial,
        YearEndStatus::NotDone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            YearEndStatus::Done => "done",
            YearEndStatus::Partial => "partial",
            YearEndStatus::NotDone => "not_done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            YearEndStatus::Done => "完成",
            YearEndStatus::Partial => "部分完成",
            YearEndStatus::NotDone => "未完成",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s || x.label() == s)
    }
}

/// The plan's header as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanHeaderInput {
    pub title: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanHeader {
    pub title: String,
    pub notes: String,
}

/// Checks a plan's header; an empty title becomes "2026 年度合作计划".
pub fn parse_header(input: &PlanHeaderInput, year: i16) -> Result<PlanHeader, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    if title.chars().count() > MAX_TITLE_CHARS {
        errors.push("计划名称", format!("不能超过 {MAX_TITLE_CHARS} 个字符"));
    }
    let notes = input.notes.trim();
    if notes.chars().count() > MAX_NOTES_CHARS {
        errors.push("说明", format!("不能超过 {MAX_NOTES_CHARS} 个字符"));
    }
    errors.into_result(|| PlanHeader {
        title: if title.is_empty() {
            format!("{year} 年度合作计划")
        } else {
            title.to_string()
        },
        notes: notes.to_string(),
    })
}

/// A plan item as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanItemInput {
    /// The area's number, "1"–"6".
    pub area: String,
    pub text: String,
    /// An outcome figure code of the area, or empty for no target.
    pub target_code: String,
    /// A whole count, or yuan for a money figure.
    pub target_amount: String,
    /// A project id of the group, or empty.
    pub project: String,
    /// A code or label of [`YearEndStatus`], or empty (not judged yet).
    pub year_end_status: String,
    pub year_end_note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlanItem {
    pub area: u8,
    pub text: String,
    /// The outcome figure and the target amount (fen for money).
    pub target: Option<(String, i64)>,
    pub project: Option<String>,
    pub year_end_status: Option<YearEndStatus>,
    pub year_end_note: String,
}

impl NewPlanItem {
    pub fn audit_json(&self) -> Value {
        json!({
            "area": self.area,
            "text": self.text,
            "target_code": self.target.as_ref().map(|t| t.0.clone()),
            "target_amount": self.target.as_ref().map(|t| t.1),
            "project_id": self.project,
            "year_end_status": self.year_end_status.map(YearEndStatus::as_str),
            "year_end_note": self.year_end_note,
        })
    }
}

/// An amount of an outcome figure as a page shows it: "1,200.00 元" or "30 人".
pub fn show_amount(kind: OutcomeKind, unit: &str, amount: i64) -> String {
    match kind {
        OutcomeKind::Money => show_yuan(amount),
        OutcomeKind::Count => format!("{amount} {unit}"),
    }
}

/// An amount as a form or the API writes it back: yuan for money, the count otherwise (one
/// writing for projects and plans).
pub use crate::domain::project::show_figure as plain_amount;

/// A whole count of people or things: half-width digits, more than zero.
fn parse_count(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("不能为空".into());
    }
    if !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("“{t}”不是整数；请用半角数字填写，如 30"));
    }
    match t.parse::<i64>() {
        Ok(n) if n > 0 && n <= 1_000_000_000 => Ok(n),
        Ok(_) => Err("应大于 0".into()),
        Err(_) => Err("数值过大".into()),
    }
}

/// Checks an item against the plan's areas and their outcome figures; every error at once.
pub fn parse_item(input: &PlanItemInput, plan: &Plan) -> Result<NewPlanItem, FieldErrors> {
    let mut errors = FieldErrors::default();
    let area = match input.area.trim() {
        "" => {
            errors.push("合作领域", "请选择合作领域");
            None
        }
        t => match t.parse::<i64>().ok().and_then(|n| plan.area(n)) {
            Some(a) => Some(a),
            None => {
                errors.push("合作领域", format!("“{t}”不是方案中的合作领域"));
                None
            }
        },
    };
    let text = input.text.trim();
    if text.is_empty() {
        errors.push("计划事项", "不能为空，请写明本年度要做的事");
    } else if text.chars().count() > MAX_ITEM_CHARS {
        errors.push("计划事项", format!("不能超过 {MAX_ITEM_CHARS} 个字符"));
    }
    let code = input.target_code.trim();
    let amount = input.target_amount.trim();
    let target = match (code.is_empty(), amount.is_empty()) {
        (true, true) => None,
        (true, false) => {
            errors.push("目标指标", "填写了目标数值，请同时选择目标指标");
            None
        }
        (false, _) => {
            let field = area.and_then(|a| a.outcomes.iter().find(|o| o.code == code));
            match (area, field) {
                (None, _) => None,
                (Some(a), None) => {
                    errors.push(
                        "目标指标",
                        format!("“{code}”不是“{}”领域的成果指标，请从列表中选择", a.name),
                    );
                    None
                }
                (Some(_), Some(f)) => {
                    let parsed = match f.kind {
                        OutcomeKind::Money => Fen::parse_yuan(amount).map(Fen::get),
                        OutcomeKind::Count => parse_count(amount),
                    };
                    match parsed {
                        Ok(n) => Some((code.to_string(), n)),
                        Err(m) => {
                            errors
                                .0
                                .push(FieldError::new("目标数值", format!("{}：{m}", f.label)));
                            None
                        }
                    }
                }
            }
        }
    };
    let project = Some(input.project.trim())
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let year_end_status = match input.year_end_status.trim() {
        "" => None,
        t => {
            let s = YearEndStatus::parse(t);
            if s.is_none() {
                errors.push(
                    "年终完成情况",
                    format!("“{t}”不是可选的状态（完成、部分完成、未完成）"),
                );
            }
            s
        }
    };
    let note = input.year_end_note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push("年终说明", format!("不能超过 {MAX_NOTE_CHARS} 个字符"));
    }
    match area {
        Some(a) if errors.is_empty() => Ok(NewPlanItem {
            area: a.number,
            text: text.to_string(),
            target,
            project,
            year_end_status,
            year_end_note: note.to_string(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::DONGGUAN_2023_PLAN;

    fn item(area: &str, code: &str, amount: &str) -> PlanItemInput {
        PlanItemInput {
            area: area.into(),
            text: "开展技能培训".into(),
            target_code: code.into(),
            target_amount: amount.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_target_is_a_figure_of_the_items_area() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        let x = parse_item(&item("3", "people_trained", "120"), &plan).unwrap();
        assert_eq!(x.target, Some(("people_trained".into(), 120)));
        // Money in yuan, kept in fen.
        let x = parse_item(&item("4", "collective_income", "50000.5"), &plan).unwrap();
        assert_eq!(x.target, Some(("collective_income".into(), 5_000_050)));
        for (area, code, amount, msg) in [
            (
                "3",
                "collective_income",
                "1",
                "不是“深入融入人才兴镇”领域的成果指标",
            ),
            ("3", "people_trained", "１２", "不是整数"),
            ("3", "people_trained", "0", "应大于 0"),
            ("4", "collective_income", "12.345", "集体经济增收"),
            ("3", "", "12", "请同时选择目标指标"),
            ("9", "", "", "不是方案中的合作领域"),
        ] {
            let e = parse_item(&item(area, code, amount), &plan)
                .unwrap_err()
                .to_string();
            assert!(e.contains(msg), "{area} {code} {amount}: {e}");
        }
        let mut judged = item("3", "", "");
        judged.year_end_status = "部分完成".into();
        assert_eq!(
            parse_item(&judged, &plan).unwrap().year_end_status,
            Some(YearEndStatus::Partial)
        );
    }
}
