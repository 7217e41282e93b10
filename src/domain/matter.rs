//! 重大事项 (五(一) "重大事项需及时向市'百千万工程'指挥部报告"): a matter a group raises and
//! reports directly to HQ — not through the bureau. HQ acknowledges it and replies; its status
//! is derived from those two, never stored.

use crate::domain::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

/// How urgent the group judges the matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    Urgent,
    Critical,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Normal, Urgency::Urgent, Urgency::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::Critical => "critical",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Normal => "一般",
            Urgency::Urgent => "紧急",
            Urgency::Critical => "特急",
        }
    }

    /// The code (`urgent`) or the label (`紧急`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|u| u.as_str() == s || u.label() == s)
    }
}

/// Where a matter stands with HQ, from its acknowledgement and reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatterStatus {
    /// Reported, not yet acknowledged: the group may still correct or withdraw it.
    Pending,
    Acknowledged,
    Replied,
}

impl MatterStatus {
    pub fn of(acknowledged: bool, replied: bool) -> Self {
        match (acknowledged, replied) {
            (_, true) => MatterStatus::Replied,
            (true, false) => MatterStatus::Acknowledged,
            (false, false) => MatterStatus::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MatterStatus::Pending => "pending",
            MatterStatus::Acknowledged => "acknowledged",
            MatterStatus::Replied => "replied",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MatterStatus::Pending => "待指挥部签收",
            MatterStatus::Acknowledged => "已签收",
            MatterStatus::Replied => "已答复",
        }
    }
}

pub const MAX_SUMMARY_CHARS: usize = 100;
pub const MAX_DETAILS_CHARS: usize = 5000;
pub const MAX_REPLY_CHARS: usize = 2000;

/// Why a matter HQ has acknowledged can no longer be changed by the group.
pub const LOCKED: &str =
    "市指挥部已签收该重大事项，不能再修改或撤回；如有补充，请另行报告一项重大事项";

/// A matter as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct MatterInput {
    pub summary: String,
    pub details: String,
    /// A code or label of [`Urgency`].
    pub urgency: String,
    /// `YYYY-MM-DD`: the day the matter arose.
    pub raised_on: String,
}

/// A matter that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMatter {
    summary: String,
    details: String,
    urgency: Urgency,
    raised_on: Date,
}

impl NewMatter {
    /// A matter as the store holds it, to compare with a correction.
    pub fn stored(summary: String, details: String, urgency: Urgency, raised_on: Date) -> Self {
        Self {
            summary,
            details,
            urgency,
            raised_on,
        }
    }

    /// Trimmed.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// Trimmed.
    pub fn details(&self) -> &str {
        &self.details
    }

    pub fn urgency(&self) -> Urgency {
        self.urgency
    }

    pub fn raised_on(&self) -> Date {
        self.raised_on
    }
}

/// Checks a matter against the group's start and today; all the errors at once.
pub fn parse_matter(
    input: &MatterInput,
    group_started_on: Date,
    today: Date,
) -> Result<NewMatter, FieldErrors> {
    let mut errors = FieldErrors::default();
    let summary = input.summary.trim();
    match summary.chars().count() {
        0 => errors.push("事项摘要", "不能为空"),
        n if n > MAX_SUMMARY_CHARS => {
            errors.push("事项摘要", format!("不能超过 {MAX_SUMMARY_CHARS} 个字符"))
        }
        _ => {}
    }
    let urgency = if input.urgency.trim().is_empty() {
        errors.push("紧急程度", "请选择一般、紧急或特急");
        None
    } else {
        errors.take(Urgency::parse(&input.urgency).ok_or_else(|| {
            FieldError::new(
                "紧急程度",
                format!(
                    "“{}”不是可选的紧急程度，应为一般、紧急或特急",
                    input.urgency.trim()
                ),
            )
        }))
    };
    let raised_on = errors.take(parse_date("发生日期", &input.raised_on));
    if let Some(d) = raised_on {
        if d > today {
            errors.push(
                "发生日期",
                format!("{d} 晚于今天，请填写事项实际发生的日期"),
            );
        } else if d < group_started_on {
            errors.push(
                "发生日期",
                format!("{d} 早于结对组开展工作的日期 {group_started_on}"),
            );
        }
    }
    let details = input.details.trim();
    if details.chars().count() > MAX_DETAILS_CHARS {
        errors.push("详细情况", format!("不能超过 {MAX_DETAILS_CHARS} 个字符"));
    }
    match (urgency, raised_on) {
        (Some(urgency), Some(raised_on)) if errors.is_empty() => Ok(NewMatter {
            summary: summary.to_string(),
            details: details.to_string(),
            urgency,
            raised_on,
        }),
        _ => Err(errors),
    }
}

/// HQ's reply: not empty, not too long; trimmed.
pub fn parse_reply(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    match t.chars().count() {
        0 => Err(FieldError::new("答复意见", "不能为空")),
        n if n > MAX_REPLY_CHARS => Err(FieldError::new(
            "答复意见",
            format!("不能超过 {MAX_REPLY_CHARS} 个字符"),
        )),
        _ => Ok(t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(summary: &str, urgency: &str, raised_on: &str) -> MatterInput {
        MatterInput {
            summary: summary.into(),
            details: String::new(),
            urgency: urgency.into(),
            raised_on: raised_on.into(),
        }
    }

    #[test]
    fn a_matter_is_checked_whole() {
        let start = Date::constant(2024, 1, 1);
        let today = Date::constant(2026, 6, 15);
        let m = parse_matter(&input(" 山体滑坡 ", "紧急", "2026-06-15"), start, today).unwrap();
        assert_eq!(m.summary(), "山体滑坡");
        assert_eq!(m.urgency(), Urgency::Urgent);

        let fields = |i: MatterInput| -> Vec<&'static str> {
            parse_matter(&i, start, today)
                .unwrap_err()
                .0
                .iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(input("", "", "2026-06-16")),
            ["事项摘要", "紧急程度", "发生日期"]
        );
        assert_eq!(
            fields(input("x", "很急", "2023-12-31")),
            ["紧急程度", "发生日期"]
        );
        assert_eq!(fields(input("x", "urgent", "6/1")), ["发生日期"]);
    }

    #[test]
    fn status_follows_acknowledgement_and_reply() {
        assert_eq!(MatterStatus::of(false, false).label(), "待指挥部签收");
        assert_eq!(MatterStatus::of(true, false).label(), "已签收");
        assert_eq!(MatterStatus::of(true, true).label(), "已答复");
    }

    #[test]
    fn a_reply_is_not_empty() {
        assert!(parse_reply("  ").is_err());
        assert_eq!(parse_reply(" 已转交 ").unwrap(), "已转交");
        assert!(parse_reply(&"字".repeat(MAX_REPLY_CHARS + 1)).is_err());
    }
}
