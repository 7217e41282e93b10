//! 驻镇(含驻村)服务 (四(二)): an on-site service entry as entered, parsed into one the store may
//! record. Whether the members were on the team on those days is checked by the store, inside
//! the write, against the team as it stands then.

use crate::domain::group::GroupCalendar;
use crate::domain::ids::{OrgId, TeamMemberId};
use crate::domain::rules::days_between;
use crate::domain::{FieldError, FieldErrors, parse_date};
use jiff::civil::Date;

/// The longest single entry accepted; longer stays are entered month by month.
pub const MAX_ENTRY_DAYS: i64 = 92;

/// The earliest day an entry still running on `first` can have begun: no entry is longer than
/// [`MAX_ENTRY_DAYS`] (a [`NewOnsiteEntry`] is made only by [`check_onsite_entry`], for every
/// way an entry is written or corrected). A query for the entries overlapping a period bounds
/// their start from here, so it reads the period's entries from the index, not the group's whole
/// history before it.
pub fn earliest_start_overlapping(first: Date) -> Date {
    first
        .checked_sub(jiff::ToSpan::days(MAX_ENTRY_DAYS - 1))
        .unwrap_or(first)
}

pub const MAX_CONTENT_CHARS: usize = 2000;

/// An entry as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct OnsiteEntryInput {
    /// `YYYY-MM-DD`.
    pub date_from: String,
    /// `YYYY-MM-DD`, or empty for a one-day entry.
    pub date_to: String,
    /// The organisation id of the town or village.
    pub place: String,
    pub content: String,
    /// Team member ids.
    pub members: Vec<String>,
    /// Students who went along (三(一) 师生团队), a whole number; empty is 0.
    pub students: String,
}

/// An entry whose values are typed (as read from a sheet) but not yet checked.
#[derive(Debug, Clone)]
pub struct OnsiteEntryDraft {
    pub date_from: Date,
    pub date_to: Date,
    pub place_org_id: OrgId,
    pub content: String,
    pub member_ids: Vec<TeamMemberId>,
    pub students: i64,
}

/// An entry that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOnsiteEntry {
    date_from: Date,
    date_to: Date,
    place_org_id: OrgId,
    content: String,
    member_ids: Vec<TeamMemberId>,
    students: i64,
}

impl NewOnsiteEntry {
    /// Students who went along (三(一) 师生团队).
    pub fn students(&self) -> i64 {
        self.students
    }

    pub fn date_from(&self) -> Date {
        self.date_from
    }

    pub fn date_to(&self) -> Date {
        self.date_to
    }

    pub fn place_org_id(&self) -> &OrgId {
        &self.place_org_id
    }

    /// Trimmed.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// Each member once, sorted.
    pub fn member_ids(&self) -> &[TeamMemberId] {
        &self.member_ids
    }

    /// What makes two entries the same service entered twice (an export imported again, a form
    /// sent twice): the days, the place, who was there and what they did.
    pub fn same_service_key(&self) -> String {
        same_service_key(
            self.date_from,
            self.date_to,
            &self.place_org_id,
            &self.member_ids,
            &self.content,
        )
    }
}

/// [`NewOnsiteEntry::same_service_key`] for an entry already recorded.
pub fn same_service_key(
    from: Date,
    to: Date,
    place: &OrgId,
    members: &[TeamMemberId],
    content: &str,
) -> String {
    let mut m: Vec<&str> = members.iter().map(|m| m.as_str()).collect();
    m.sort();
    m.dedup();
    format!("{from}|{to}|{place}|{}|{}", m.join(","), content.trim())
}

/// Parses and checks an entry from the form; all the errors at once.
pub fn parse_onsite_entry(
    input: &OnsiteEntryInput,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewOnsiteEntry, FieldErrors> {
    let mut errors = FieldErrors::default();
    let date_from = errors.take(parse_date("开始日期", &input.date_from));
    let date_to = if input.date_to.trim().is_empty() {
        date_from
    } else {
        errors.take(parse_date("结束日期", &input.date_to))
    };
    let place_org_id = errors.take(
        OrgId::parse(&input.place)
            .ok_or_else(|| FieldError::new("服务地点", "请选择本组的镇(街道)或村(社区)")),
    );
    let member_ids = errors.take(
        input
            .members
            .iter()
            .map(|m| {
                TeamMemberId::parse(m).ok_or_else(|| FieldError::new("在场队员", "选择的队员无效"))
            })
            .collect::<Result<Vec<_>, _>>(),
    );
    let students = errors
        .take(
            super::project::parse_count("参与学生", &input.students)
                .map_err(|m| FieldError::new("参与学生", m)),
        )
        .unwrap_or(0);
    match (date_from, date_to, place_org_id, member_ids) {
        (Some(date_from), Some(date_to), Some(place_org_id), Some(member_ids)) => {
            let draft = OnsiteEntryDraft {
                date_from,
                date_to,
                place_org_id,
                content: input.content.clone(),
                member_ids,
                students,
            };
            match check_onsite_entry(draft, group, today) {
                Ok(e) if errors.is_empty() => Ok(e),
                Ok(_) => Err(errors),
                Err(more) => {
                    errors.0.extend(more.0);
                    Err(errors)
                }
            }
        }
        _ => {
            check_content(&input.content, &mut errors);
            Err(errors)
        }
    }
}

/// The entry's content: not empty, not too long.
pub fn check_content(content: &str, errors: &mut FieldErrors) {
    match content.trim().chars().count() {
        0 => errors.push("服务内容", "不能为空"),
        n if n > MAX_CONTENT_CHARS => {
            errors.push("服务内容", format!("不能超过 {MAX_CONTENT_CHARS} 个字符"))
        }
        _ => {}
    }
}

/// Checks one entry against the group and today; all the errors at once.
pub fn check_onsite_entry(
    e: OnsiteEntryDraft,
    group: &GroupCalendar,
    today: Date,
) -> Result<NewOnsiteEntry, FieldErrors> {
    let mut errors = FieldErrors::default();
    let (from, to) = (e.date_from, e.date_to);
    if to < from {
        errors.push("结束日期", format!("{to} 早于开始日期 {from}"));
    } else if to > today {
        errors.push("结束日期", format!("{to} 晚于今天，只能登记已经发生的服务"));
    } else {
        let days = days_between(from, to) + 1;
        if days > MAX_ENTRY_DAYS {
            errors.push(
                "结束日期",
                format!("一条记录最长 {MAX_ENTRY_DAYS} 天，本条为 {days} 天，请分段登记"),
            );
        } else if let Some(end) = group.ended_on
            && to >= end
        {
            errors.push("结束日期", format!("结对组已于 {end} 结束"));
        }
    }
    if from < group.started_on {
        errors.push(
            "开始日期",
            format!("{from} 早于结对开始日期 {}", group.started_on),
        );
    }
    if !(group.is_place_on(&e.place_org_id, from) && group.is_place_on(&e.place_org_id, to)) {
        errors.push("服务地点", "只能是本组的镇(街道)或本组的村(社区)");
    }
    if e.member_ids.is_empty() {
        errors.push("在场队员", "至少选择一名队员");
    }
    check_content(&e.content, &mut errors);
    let mut member_ids = e.member_ids;
    member_ids.sort();
    member_ids.dedup();
    errors.into_result(|| NewOnsiteEntry {
        date_from: from,
        date_to: to,
        place_org_id: e.place_org_id,
        content: e.content.trim().to_string(),
        member_ids,
        students: e.students,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::Membership;
    use crate::domain::org::MemberRole;

    fn group(village: &OrgId) -> GroupCalendar {
        GroupCalendar {
            started_on: Date::constant(2024, 1, 1),
            ended_on: None,
            members: vec![Membership {
                org_id: village.clone(),
                name: String::new(),
                role: MemberRole::Village,
                from: Date::constant(2024, 1, 1),
                to: None,
            }],
        }
    }

    fn draft(village: &OrgId, from: Date, to: Date) -> OnsiteEntryDraft {
        OnsiteEntryDraft {
            date_from: from,
            date_to: to,
            place_org_id: village.clone(),
            content: " 调研 ".into(),
            member_ids: vec![TeamMemberId::new()],
            students: 0,
        }
    }

    #[test]
    fn an_entry_is_at_most_92_days_and_not_after_today() {
        let v = OrgId::new();
        let today = Date::constant(2026, 6, 15);
        let from = Date::constant(2026, 1, 1);
        // 2026-01-01 + 91 days = day 92.
        let day92 = from.checked_add(jiff::ToSpan::days(91)).unwrap();
        let e = check_onsite_entry(draft(&v, from, day92), &group(&v), today).unwrap();
        assert_eq!(e.content(), "调研");
        let day93 = day92.tomorrow().unwrap();
        assert!(check_onsite_entry(draft(&v, from, day93), &group(&v), today).is_err());
        assert!(check_onsite_entry(draft(&v, today, today), &group(&v), today).is_ok());
        let tomorrow = today.tomorrow().unwrap();
        assert!(check_onsite_entry(draft(&v, today, tomorrow), &group(&v), today).is_err());
    }

    #[test]
    fn the_longest_entry_still_running_starts_no_earlier_than_the_bound() {
        let v = OrgId::new();
        let first = Date::constant(2026, 3, 1);
        let since = earliest_start_overlapping(first);
        assert_eq!(
            since,
            Date::constant(2025, 11, 30),
            "91 days before: day 92 is the 1st"
        );
        // The longest entry there can be that still runs on `first` starts on the bound...
        let e = check_onsite_entry(draft(&v, since, first), &group(&v), first).unwrap();
        assert_eq!((e.date_from(), e.date_to()), (since, first));
        // ...and one starting a day earlier would have to end before `first` or be refused.
        let before = since.yesterday().unwrap();
        assert!(check_onsite_entry(draft(&v, before, first), &group(&v), first).is_err());
    }

    #[test]
    fn a_form_reports_every_wrong_field() {
        let v = OrgId::new();
        let input = OnsiteEntryInput {
            date_from: "2026-13-01".into(),
            date_to: String::new(),
            place: "x".into(),
            content: String::new(),
            members: vec![],
            students: "-3".into(),
        };
        let errs = parse_onsite_entry(&input, &group(&v), Date::constant(2026, 6, 15)).unwrap_err();
        let fields: Vec<_> = errs.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["开始日期", "服务地点", "参与学生", "服务内容"]);
    }

    #[test]
    fn the_same_service_has_one_key_whatever_the_member_order() {
        let (v, a, b) = (OrgId::new(), TeamMemberId::new(), TeamMemberId::new());
        let d = Date::constant(2026, 3, 1);
        assert_eq!(
            same_service_key(d, d, &v, &[a.clone(), b.clone()], "x "),
            same_service_key(d, d, &v, &[b, a], "x")
        );
    }
}
