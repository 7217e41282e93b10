//! 工作协调小组 (五(一)): the people the leadership of each member school, town and village
//! delegates to the group's coordination group — not the service team (四(一)); the
//! coordination group runs the joint meetings. Each person is dated: from the day delegated to
//! the first day off (`to_on`), so the group as it stood on any day can be read back.

use super::group::GroupCalendar;
use super::ids::OrgId;
use super::team::{PhoneNumber, earliest_left_on, latest_left_on, parse_person_name};
use super::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

/// The longest post (职务) accepted, in characters.
pub const MAX_POST_CHARS: usize = 40;

/// A delegate as typed in the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct CoordinatorInput {
    pub person_name: String,
    /// The id of one of the group's member organisations.
    pub org_id: String,
    /// 职务, e.g. 副校长, 党委委员, 村委主任.
    pub post: String,
    /// May be empty.
    pub phone: String,
    /// `YYYY-MM-DD`: the first day in the coordination group.
    pub from_on: String,
    /// `YYYY-MM-DD` or empty: the first day off (only on a correction).
    pub to_on: String,
}

/// A delegate that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCoordinator {
    pub person_name: String,
    pub org_id: OrgId,
    pub post: String,
    phone: Option<PhoneNumber>,
    pub from_on: Date,
    /// The first day off; `None` while in the coordination group.
    pub to_on: Option<Date>,
}

impl NewCoordinator {
    /// The normalised number, or empty when none was given.
    pub fn phone(&self) -> &str {
        self.phone.as_ref().map_or("", |p| p.as_str())
    }
}

fn parse_post(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    match s.chars().count() {
        0 => Err(FieldError::new(
            "职务",
            "不能为空；请填写此人在本单位的职务，如 副校长、村委主任",
        )),
        n if n > MAX_POST_CHARS => Err(FieldError::new(
            "职务",
            format!("不能超过 {MAX_POST_CHARS} 个字符"),
        )),
        _ => Ok(s.to_string()),
    }
}

/// Checks a delegate against the group and today; every error at once. `correction` allows an
/// end date (a new delegate is recorded without one: leaving is a later correction).
pub fn parse_coordinator(
    input: &CoordinatorInput,
    group: &GroupCalendar,
    today: Date,
    correction: bool,
) -> Result<NewCoordinator, FieldErrors> {
    let mut errors = FieldErrors::default();
    let person_name = errors.take(parse_person_name(&input.person_name));
    let org_id = errors.take(OrgId::parse(input.org_id.trim()).ok_or_else(|| {
        FieldError::new("所在单位", "请选择本组的一个成员单位（学校、镇街或村社区）")
    }));
    let post = errors.take(parse_post(&input.post));
    let phone = if input.phone.trim().is_empty() {
        Some(None)
    } else {
        errors.take(PhoneNumber::parse(&input.phone)).map(Some)
    };
    let from_on = errors.take(parse_date("起始日期", &input.from_on));
    if let Some(d) = from_on {
        if d > today {
            errors.push("起始日期", format!("{d} 晚于今天，不能登记未来的日期"));
        } else if d < group.started_on {
            errors.push(
                "起始日期",
                format!("{d} 早于结对开始日期 {}", group.started_on),
            );
        }
        if let Some(org) = &org_id
            && !group
                .members
                .iter()
                .any(|m| &m.org_id == org && m.active_on(d))
        {
            errors.push(
                "所在单位",
                format!("{d} 时该单位不是本组成员；协调小组成员须由本组的学校、镇街或村社区委派"),
            );
        }
    }
    let to_on = if input.to_on.trim().is_empty() {
        Some(None)
    } else if !correction {
        errors.push("结束日期", "新登记的成员不填结束日期；离开时再更正其记录");
        None
    } else {
        match parse_date("结束日期", &input.to_on) {
            Err(e) => {
                errors.push(e.field, e.message);
                None
            }
            Ok(d) => {
                let mut ok = true;
                if let Some(from) = from_on
                    && d < earliest_left_on(from)
                {
                    errors.push(
                        "结束日期",
                        format!(
                            "{d} 应晚于起始日期 {from}：结束日期是不再担任的第一天，最早为 {}；当天误录的请用“撤回误录”",
                            earliest_left_on(from)
                        ),
                    );
                    ok = false;
                }
                let latest = latest_left_on(today);
                if d > latest {
                    errors.push(
                        "结束日期",
                        format!("{d} 晚于 {latest}：结束日期最多登记到明天（即今天为最后一天）"),
                    );
                    ok = false;
                }
                ok.then_some(Some(d))
            }
        }
    };
    match (person_name, org_id, post, phone, from_on, to_on) {
        (Some(person_name), Some(org_id), Some(post), Some(phone), Some(from_on), Some(to_on))
            if errors.is_empty() =>
        {
            Ok(NewCoordinator {
                person_name,
                org_id,
                post,
                phone,
                from_on,
                to_on,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Membership;
    use crate::domain::org::MemberRole;
    use jiff::civil::date;

    fn group(org: &OrgId) -> GroupCalendar {
        GroupCalendar {
            started_on: date(2023, 9, 1),
            ended_on: None,
            members: vec![Membership {
                org_id: org.clone(),
                name: "凤凰岗社区".into(),
                role: MemberRole::Village,
                from: date(2023, 9, 1),
                to: None,
            }],
        }
    }

    fn input(org: &OrgId) -> CoordinatorInput {
        CoordinatorInput {
            person_name: "李四".into(),
            org_id: org.to_string(),
            post: "村委主任".into(),
            phone: String::new(),
            from_on: "2026-06-15".into(),
            to_on: String::new(),
        }
    }

    #[test]
    fn a_delegate_needs_a_member_a_post_and_a_past_date() {
        let org = OrgId::new();
        let g = group(&org);
        let today = date(2026, 6, 15);
        assert!(parse_coordinator(&input(&org), &g, today, false).is_ok());
        let mut bad = input(&OrgId::new());
        bad.post = " ".into();
        bad.from_on = "2026-06-16".into();
        bad.phone = "12345".into();
        let e = parse_coordinator(&bad, &g, today, false).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            ["职务", "手机号码", "起始日期", "所在单位"],
            "{e:?}"
        );
    }

    #[test]
    fn the_end_date_is_after_the_start_and_at_most_tomorrow() {
        let org = OrgId::new();
        let g = group(&org);
        let today = date(2026, 6, 15);
        let mut i = input(&org);
        i.from_on = "2026-01-01".into();
        i.to_on = "2026-06-16".into();
        assert!(
            parse_coordinator(&i, &g, today, false).is_err(),
            "not on a new entry"
        );
        assert_eq!(
            parse_coordinator(&i, &g, today, true).unwrap().to_on,
            Some(date(2026, 6, 16))
        );
        i.to_on = "2026-06-17".into();
        assert!(parse_coordinator(&i, &g, today, true).is_err());
        i.to_on = "2026-01-01".into();
        assert!(
            parse_coordinator(&i, &g, today, true).is_err(),
            "same day as the start"
        );
        i.to_on = "2026-01-02".into();
        assert!(parse_coordinator(&i, &g, today, true).is_ok());
    }
}
