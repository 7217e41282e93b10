//! 乡村建设实践基地 (三(一)): a base as entered, parsed into one the store may record.

use crate::domain::group::GroupCalendar;
use crate::domain::ids::OrgId;
use crate::domain::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

/// 三(一): "开展红色教育、科技创新、文创设计、实习煅练等社会实践".
pub const BASE_FUNCTIONS: [(&str, &str); 5] = [
    ("red_education", "红色教育"),
    ("innovation", "科技创新"),
    ("creative_design", "文创设计"),
    ("internship", "实习锻炼"),
    ("other", "其他"),
];

pub fn base_function_label(code: &str) -> &'static str {
    BASE_FUNCTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("其他")
}

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// A base as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct BaseInput {
    pub name: String,
    /// The organisation id of its town or village.
    pub place: String,
    /// Function codes of [`BASE_FUNCTIONS`].
    pub functions: Vec<String>,
    /// `YYYY-MM-DD`.
    pub opened_on: String,
    pub description: String,
}

/// A base that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBase {
    name: String,
    place_org_id: OrgId,
    functions: Vec<String>,
    opened_on: Date,
    description: String,
}

impl NewBase {
    /// A base as the store holds it (checked when it was recorded), to compare with a correction.
    pub fn stored(
        name: String,
        place_org_id: OrgId,
        functions: Vec<String>,
        opened_on: Date,
        description: String,
    ) -> Self {
        Self {
            name,
            place_org_id,
            functions,
            opened_on,
            description,
        }
    }

    /// Trimmed.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn place_org_id(&self) -> &OrgId {
        &self.place_org_id
    }

    /// Each function code once, in the plan's order.
    pub fn functions(&self) -> &[String] {
        &self.functions
    }

    pub fn opened_on(&self) -> Date {
        self.opened_on
    }

    /// Trimmed.
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// Checks a base against the group and today; all the errors at once.
pub fn parse_base(
    input: &BaseInput,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewBase, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = input.name.trim();
    match name.chars().count() {
        0 => errors.push("基地名称", "不能为空"),
        n if n > MAX_NAME_CHARS => {
            errors.push("基地名称", format!("不能超过 {MAX_NAME_CHARS} 个字符"))
        }
        _ => {}
    }
    let place = errors.take(
        OrgId::parse(&input.place)
            .ok_or_else(|| FieldError::new("所在地", "请选择本组的镇(街道)或村(社区)")),
    );
    let opened_on = errors.take(parse_date("揭牌日期", &input.opened_on));
    if let (Some(place), Some(opened)) = (&place, opened_on)
        && !group.is_place_on(place, opened.min(today))
    {
        errors.push("所在地", "只能是本组的镇(街道)或本组的村(社区)");
    }
    if let Some(bad) = input
        .functions
        .iter()
        .find(|f| !BASE_FUNCTIONS.iter().any(|(c, _)| c == f))
    {
        errors.push("基地功能", format!("“{bad}”不是可选的功能"));
    }
    // Each function once, in the plan's order (三(一): 红色教育、科技创新、文创设计、实习锻炼).
    let functions: Vec<String> = BASE_FUNCTIONS
        .iter()
        .filter(|(c, _)| input.functions.iter().any(|f| f == c))
        .map(|(c, _)| c.to_string())
        .collect();
    if functions.is_empty() && input.functions.is_empty() {
        errors.push("基地功能", "至少选择一项");
    }
    if let Some(d) = opened_on
        && d > today
    {
        errors.push("揭牌日期", format!("{d} 晚于今天"));
    }
    if input.description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.push("简介", format!("不能超过 {MAX_DESCRIPTION_CHARS} 个字符"));
    }
    match (place, opened_on) {
        (Some(place_org_id), Some(opened_on)) if errors.is_empty() => Ok(NewBase {
            name: name.to_string(),
            place_org_id,
            functions,
            opened_on,
            description: input.description.trim().to_string(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Membership;
    use crate::domain::org::MemberRole;

    #[test]
    fn a_base_is_checked_whole_and_its_functions_put_in_order() {
        let village = OrgId::new();
        let g = GroupCalendar {
            started_on: Date::constant(2024, 1, 1),
            ended_on: None,
            members: vec![Membership {
                org_id: village.clone(),
                name: String::new(),
                role: MemberRole::Village,
                from: Date::constant(2024, 1, 1),
                to: None,
            }],
        };
        let today = Date::constant(2026, 6, 15);
        let input = BaseInput {
            name: " 红色基地 ".into(),
            place: village.to_string(),
            functions: vec![
                "internship".into(),
                "red_education".into(),
                "internship".into(),
            ],
            opened_on: "2026-06-15".into(),
            description: String::new(),
        };
        let b = parse_base(&input, &g, today).unwrap();
        assert_eq!(b.name(), "红色基地");
        assert_eq!(b.functions(), ["red_education", "internship"]);

        let bad = BaseInput {
            name: String::new(),
            place: OrgId::new().to_string(),
            functions: vec![],
            opened_on: "2026-06-16".into(),
            description: String::new(),
        };
        let fields: Vec<_> = parse_base(&bad, &g, today)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["基地名称", "所在地", "基地功能", "揭牌日期"]);
    }
}
