//! The period a compliance matrix is asked about: a calendar year or a month, read "as of" a
//! date. How the rules are judged in it (SPEC §5, issue 11):
//!
//! - the "as of" date is the one asked for, never later than today (a later one is read as
//!   today: nothing after today has happened yet);
//! - a year Y is judged as [`crate::domain::evaluator::evaluate_group`] judges it on that date;
//! - a month M is judged on the year's rules as of M's last day (or the "as of" date, if earlier):
//!   the team, memberships and records of that day; its monthly-report cell is that month's
//!   report ([`month_report_verdict`]).
//!
//! Records dated after the date judged on (an on-site stay, a meeting, a matter, a base) have not
//! happened yet as of it: [`records_as_of`] leaves them out.

use crate::domain::FieldErrors;
use crate::domain::facts::GroupFacts;
use crate::domain::monthly::Timeliness;
use crate::domain::plan::Month;
use crate::domain::rules::{RuleId, Status, Verdict, verdict, year_bounds};
use jiff::civil::Date;

/// The years a matrix may be asked about.
pub const YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Year(i16),
    Month(Month),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    /// The date read on: the one asked for, or today, whichever is earlier.
    pub as_of: Date,
    /// Whether an "as of" date was asked for (links keep it only then).
    pub as_of_asked: bool,
}

impl Period {
    /// The year of the period, whose rules are judged.
    pub fn year(&self) -> i16 {
        match self.kind {
            PeriodKind::Year(y) => y,
            PeriodKind::Month(m) => m.year,
        }
    }

    pub fn month(&self) -> Option<Month> {
        match self.kind {
            PeriodKind::Year(_) => None,
            PeriodKind::Month(m) => Some(m),
        }
    }

    /// The date the year's rules are judged on: the "as of" date for a year, the month's last
    /// day (or the "as of" date if earlier) for a month. Never later than today.
    pub fn judged_on(&self) -> Date {
        match self.kind {
            PeriodKind::Year(_) => self.as_of,
            PeriodKind::Month(m) => m.last_day().min(self.as_of),
        }
    }

    /// The months whose reports the period covers (up to the month of the date judged on).
    pub fn months(&self) -> (Month, Month) {
        match self.kind {
            PeriodKind::Year(y) => (
                Month { year: y, month: 1 },
                Month { year: y, month: 12 }.min(Month::of(self.as_of)),
            ),
            PeriodKind::Month(m) => (m, m),
        }
    }

    /// `2025 年` or `2025年3月`, with the date read on when one was asked for.
    pub fn label(&self) -> String {
        let head = match self.kind {
            PeriodKind::Year(y) => format!("{y} 年"),
            PeriodKind::Month(m) => m.label(),
        };
        if self.as_of_asked {
            format!("{head}（截至 {}）", self.as_of)
        } else {
            head
        }
    }

    /// The period as a query string (`year=2025` or `month=2025-03`, `&as_of=` when asked).
    pub fn query(&self) -> String {
        let head = match self.kind {
            PeriodKind::Year(y) => format!("year={y}"),
            PeriodKind::Month(m) => format!("month={m}"),
        };
        if self.as_of_asked {
            format!("{head}&as_of={}", self.as_of)
        } else {
            head
        }
    }

    /// Reads a period from a query: `year` (2000–2100), `month` (`YYYY-MM`; its year must agree
    /// with `year` when both are given) and `as_of` (`YYYY-MM-DD`; later than today is read as
    /// today). Without either, this year. Every wrong field is named, under its query name.
    pub fn parse(
        year: Option<&str>,
        month: Option<&str>,
        as_of: Option<&str>,
        today: Date,
    ) -> Result<Period, FieldErrors> {
        fn given(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let mut errors = FieldErrors::default();
        let year = match given(year) {
            None => None,
            Some(y) => match y.parse::<i16>() {
                Ok(y) if YEARS.contains(&y) => Some(y),
                _ => {
                    errors.push("year", format!("“{y}”不是 2000–2100 之间的年份"));
                    None
                }
            },
        };
        let month = match given(month) {
            None => None,
            Some(m) => match Month::parse(m).filter(|x| x.to_string() == m) {
                Some(x) if YEARS.contains(&x.year) => Some(x),
                _ => {
                    errors.push(
                        "month",
                        format!("“{m}”不是 YYYY-MM 格式的月份（2000–2100 年）"),
                    );
                    None
                }
            },
        };
        if let (Some(y), Some(m)) = (year, month)
            && m.year != y
        {
            errors.push("month", format!("月份 {m} 不在 {y} 年内"));
        }
        let as_of = match given(as_of) {
            None => None,
            Some(d) => match d.parse::<Date>() {
                Ok(x) if d.len() == 10 && YEARS.contains(&x.year()) => Some(x),
                _ => {
                    errors.push("as_of", format!("“{d}”不是 YYYY-MM-DD 格式的日期"));
                    None
                }
            },
        };
        errors.into_result(|| {
            let kind = match (month, year) {
                (Some(m), _) => PeriodKind::Month(m),
                (None, Some(y)) => PeriodKind::Year(y),
                (None, None) => PeriodKind::Year(today.year()),
            };
            Period {
                kind,
                as_of: as_of.map_or(today, |d| d.min(today)),
                as_of_asked: as_of.is_some(),
            }
        })
    }

    /// Whether the period has begun on the date judged on.
    pub fn begun(&self) -> bool {
        let first = match self.kind {
            PeriodKind::Year(y) => year_bounds(y).0,
            PeriodKind::Month(m) => m.first_day(),
        };
        self.as_of >= first
    }
}

/// 五(三) for one month: how the school's report of the month stands as of the date judged on.
/// `owed` is `None` when the school owed no report for the month (not a member on the due date).
pub fn month_report_verdict(month: Month, owed: Option<Timeliness>) -> Verdict {
    let label = month.label();
    let rule = RuleId::MonthlyReport;
    match owed {
        None => verdict(
            rule,
            Status::NotApplicable,
            format!("{label}的截止日不是结对成员，不须报送"),
        ),
        Some(Timeliness::OnTime) => verdict(rule, Status::Met, format!("{label}报告按时报送")),
        Some(Timeliness::Late) => verdict(
            rule,
            Status::NotMet,
            format!("{label}报告逾期报送（晚于截止日）"),
        ),
        Some(Timeliness::Missing) => verdict(
            rule,
            Status::NotMet,
            format!("{label}报告截止日已过，尚未报送"),
        ),
        Some(Timeliness::NotDue) => {
            verdict(rule, Status::NotYetDue, format!("{label}报告尚未到截止日"))
        }
    }
}

/// The group's records as they stood on `d`: on-site stays cut at `d`, and meetings, matters
/// and bases dated after it left out. The team and memberships are dated already (the rules
/// read them on the date judged on); `None` when nothing is after `d`.
pub fn records_as_of(g: &GroupFacts, d: Date) -> Option<GroupFacts> {
    let later = g.onsite.iter().any(|e| e.to > d)
        || g.meetings.iter().any(|m| m.held_on > d)
        || g.matters
            .iter()
            .any(|m| m.raised_on > d || m.reported_on > d)
        || g.bases.iter().any(|b| b.opened_on > d)
        || g.published.iter().any(|p| *p > d);
    if !later {
        return None;
    }
    let mut g = g.clone();
    g.onsite.retain(|e| e.from <= d);
    for e in &mut g.onsite {
        e.to = e.to.min(d);
    }
    g.meetings.retain(|m| m.held_on <= d);
    // A matter raised by `d` but reported after it had not reached HQ as of `d`: it is judged
    // as reported on `d` at the earliest (late already if `d` is past its days).
    g.matters.retain(|m| m.raised_on <= d);
    for m in &mut g.matters {
        m.reported_on = m.reported_on.min(d);
    }
    g.bases.retain(|b| b.opened_on <= d);
    g.published.retain(|p| *p <= d);
    Some(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 6, 15);

    fn parse(y: Option<&str>, m: Option<&str>, a: Option<&str>) -> Result<Period, Vec<String>> {
        Period::parse(y, m, a, TODAY).map_err(|e| e.0.iter().map(|f| f.field.to_string()).collect())
    }

    #[test]
    fn a_year_a_month_and_an_as_of_date_are_read_with_their_fields_named() {
        let p = parse(None, None, None).unwrap();
        assert_eq!(
            (p.kind, p.as_of, p.as_of_asked),
            (PeriodKind::Year(2026), TODAY, false)
        );
        let p = parse(Some("2025"), None, None).unwrap();
        assert_eq!(
            (p.year(), p.judged_on(), p.query()),
            (2025, TODAY, "year=2025".into())
        );
        let p = parse(None, Some("2026-03"), Some("2026-03-10")).unwrap();
        assert_eq!(
            p.month(),
            Some(Month {
                year: 2026,
                month: 3
            })
        );
        assert_eq!(p.judged_on(), date(2026, 3, 10));
        assert_eq!(p.query(), "month=2026-03&as_of=2026-03-10");
        // A month is judged on its last day, never after today.
        let p = parse(None, Some("2026-02"), None).unwrap();
        assert_eq!(p.judged_on(), date(2026, 2, 28));
        let p = parse(None, Some("2026-06"), None).unwrap();
        assert_eq!(p.judged_on(), TODAY);
        // A date after today is read as today.
        let p = parse(Some("2026"), None, Some("2027-01-01")).unwrap();
        assert_eq!(p.as_of, TODAY);
        assert_eq!(parse(Some("1999"), None, None), Err(vec!["year".into()]));
        assert_eq!(parse(Some("abc"), None, None), Err(vec!["year".into()]));
        assert_eq!(
            parse(None, Some("2026-13"), None),
            Err(vec!["month".into()])
        );
        assert_eq!(parse(None, Some("2026-3"), None), Err(vec!["month".into()]));
        assert_eq!(
            parse(Some("2025"), Some("2026-03"), None),
            Err(vec!["month".into()])
        );
        assert_eq!(
            parse(Some("x"), Some("y"), Some("2026-02-30")),
            Err(vec!["year".into(), "month".into(), "as_of".into()])
        );
    }

    #[test]
    fn a_month_report_reads_as_its_timeliness_says() {
        let m = Month {
            year: 2026,
            month: 3,
        };
        let st = |t| month_report_verdict(m, t).status;
        assert_eq!(st(Some(Timeliness::OnTime)), Status::Met);
        assert_eq!(st(Some(Timeliness::Late)), Status::NotMet);
        assert_eq!(st(Some(Timeliness::Missing)), Status::NotMet);
        assert_eq!(st(Some(Timeliness::NotDue)), Status::NotYetDue);
        assert_eq!(st(None), Status::NotApplicable);
    }
}
