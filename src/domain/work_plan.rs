//! 服务工作方案 (四(二)): the service content and form the parties agree when the group is set
//! up — one per group, distinct from each year's annual plan. Every correction is a new
//! revision; the earlier texts stay readable.

use super::{FieldErrors, parse_date};
use jiff::civil::Date;

pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_CONTENT_CHARS: usize = 20_000;

#[derive(Debug, Clone, Default)]
pub struct WorkPlanInput {
    pub title: String,
    /// `YYYY-MM-DD`: the day the parties agreed it.
    pub agreed_on: String,
    /// 服务内容和形式.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWorkPlan {
    pub title: String,
    pub agreed_on: Date,
    pub content: String,
}

/// Checks a work plan against today; every error at once.
pub fn parse_work_plan(input: &WorkPlanInput, today: Date) -> Result<NewWorkPlan, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    match title.chars().count() {
        0 => errors.push("方案名称", "不能为空；如 第4组服务工作方案"),
        n if n > MAX_TITLE_CHARS => {
            errors.push("方案名称", format!("不能超过 {MAX_TITLE_CHARS} 个字符"))
        }
        _ => {}
    }
    let agreed_on = errors.take(parse_date("商定日期", &input.agreed_on));
    if let Some(d) = agreed_on
        && d > today
    {
        errors.push(
            "商定日期",
            format!("{d} 晚于今天；请填写各方商定方案的日期"),
        );
    }
    let content = input.content.trim();
    match content.chars().count() {
        0 => errors.push(
            "服务内容和形式",
            "不能为空；请写明各方商定的服务内容和服务形式",
        ),
        n if n > MAX_CONTENT_CHARS => errors.push(
            "服务内容和形式",
            format!("不能超过 {MAX_CONTENT_CHARS} 个字符（较长的全文请作为附件上传）"),
        ),
        _ => {}
    }
    match agreed_on {
        Some(agreed_on) if errors.is_empty() => Ok(NewWorkPlan {
            title: title.to_string(),
            agreed_on,
            content: content.to_string(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_plan_needs_a_title_a_past_date_and_its_content() {
        let today = date(2026, 6, 15);
        let ok = WorkPlanInput {
            title: "服务工作方案".into(),
            agreed_on: "2026-06-15".into(),
            content: "每月驻村服务不少于 8 天".into(),
        };
        assert!(parse_work_plan(&ok, today).is_ok());
        let bad = WorkPlanInput {
            title: " ".into(),
            agreed_on: "2026-06-16".into(),
            content: String::new(),
        };
        let e = parse_work_plan(&bad, today).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["方案名称", "商定日期", "服务内容和形式"]);
    }
}
