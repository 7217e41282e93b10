//! 五(三) "每月28日前报送工作进展情况": each signing school's monthly progress report. This module
//! defines, once, when a report is due, how it stands (按时 / 逾期 / 未报 / 未到期), its workflow
//! and the reporting and on-time rates; every page, export, reminder and rule reads them here.
//!
//! Time: a report for month M is due on day D (plan `rules.report_due_day`) of month M + k
//! (`rules.report_month_offset`, 0 = the same month) at 23:59:59 Asia/Shanghai, whatever the
//! server's zone. New submissions close at the end of the day `rules.report_close_days` after the
//! due day; after that the bureau may still accept a paper copy, and the report stays 未报.

use crate::domain::plan::{Month, Plan};
use crate::domain::shanghai;
use jiff::ToSpan;
use jiff::civil::{Date, Time};

/// Months from the plan's first report month to `last`, inclusive (empty when `last` is earlier).
pub fn months_from(start: Month, last: Month) -> Vec<Month> {
    let mut out = Vec::new();
    let mut m = start;
    while m <= last {
        out.push(m);
        m = m.next();
    }
    out
}

impl Month {
    pub fn next(self) -> Month {
        self.plus(1)
    }

    pub fn previous(self) -> Month {
        self.plus(-1)
    }

    /// The month `n` months on (or back, for negative `n`).
    pub fn plus(self, n: i32) -> Month {
        let index = i32::from(self.year) * 12 + i32::from(self.month) - 1 + n;
        Month {
            year: index.div_euclid(12) as i16,
            month: (index.rem_euclid(12) + 1) as i8,
        }
    }

    /// The month holding `d`.
    pub fn of(d: Date) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn last_day(self) -> Date {
        self.first_day().last_of_month()
    }

    /// `2024年1月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

/// When a month's report is due and when submissions close, for a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub month: Month,
    /// The due day, Asia/Shanghai.
    pub due_on: Date,
    /// 23:59:59.999 of the due day, Asia/Shanghai, in Unix ms: a first submission at or before
    /// this instant is 按时.
    pub due_ms: i64,
    /// The last instant a school may submit; later the report stays 未报.
    pub closes_ms: i64,
}

/// The due date and closing time of month `m`'s report under `plan`.
pub fn deadline(plan: &Plan, m: Month) -> Deadline {
    let r = &plan.rules;
    let due_month = m.plus(r.report_month_offset as i32);
    let day = r.report_due_day.clamp(1, 28) as i8;
    let due_on = Date::new(due_month.year, due_month.month, day).unwrap_or(due_month.first_day());
    let closes_on = due_on
        .checked_add((r.report_close_days as i64).days())
        .unwrap_or(due_on);
    Deadline {
        month: m,
        due_on,
        due_ms: end_of_day_ms(due_on),
        closes_ms: end_of_day_ms(closes_on),
    }
}

/// The next report a school owes on `today`: the first month from the plan's start whose due
/// day is today or later (on the due day itself, that day's report; the day after, the next).
pub fn next_due(plan: &Plan, today: Date) -> Deadline {
    let offset = plan.rules.report_month_offset as i32;
    let mut m = Month::of(today)
        .plus(-offset - 1)
        .max(plan.report_start_month);
    loop {
        let d = deadline(plan, m);
        if d.due_on >= today {
            return d;
        }
        m = m.next();
    }
}

/// The last millisecond of `d` in Asia/Shanghai.
pub fn end_of_day_ms(d: Date) -> i64 {
    d.to_datetime(Time::MAX)
        .to_zoned(shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MAX)
}

/// The Asia/Shanghai date of a Unix-ms instant.
pub fn date_of_ms(ms: i64) -> Date {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(shanghai()).date())
        .unwrap_or(Date::MIN)
}

/// The first instant of `d` in Asia/Shanghai, Unix ms.
pub fn start_of_day_ms(d: Date) -> i64 {
    d.to_datetime(Time::MIN)
        .to_zoned(shanghai())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(i64::MIN)
}

/// How a report stands against its deadline — defined once, shown everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// First submitted at or before the due time.
    OnTime,
    /// First submitted after the due time.
    Late,
    /// The due time has passed with no submission (a paper copy accepted later stays 未报).
    Missing,
    /// Not submitted, and the due time has not come.
    NotDue,
}

impl Timeliness {
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::OnTime => "按时",
            Timeliness::Late => "逾期",
            Timeliness::Missing => "未报",
            Timeliness::NotDue => "未到期",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
            Timeliness::Missing => "missing",
            Timeliness::NotDue => "not_due",
        }
    }

    /// Whether a report was submitted (on time or late).
    pub fn submitted(self) -> bool {
        matches!(self, Timeliness::OnTime | Timeliness::Late)
    }
}

/// 按时 / 逾期 / 未报 / 未到期 of a report from its first submission (Unix ms, if any) at `now_ms`.
/// A returned and resubmitted report keeps its first submission, so it keeps its timeliness.
pub fn timeliness(d: &Deadline, first_submitted_ms: Option<i64>, now_ms: i64) -> Timeliness {
    match first_submitted_ms {
        Some(t) if t <= d.due_ms => Timeliness::OnTime,
        Some(_) => Timeliness::Late,
        None if now_ms > d.due_ms => Timeliness::Missing,
        None => Timeliness::NotDue,
    }
}

/// Where a report is in its workflow: draft → submitted → accepted, or returned with comments →
/// submitted again → accepted. A granted unlock returns an accepted report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

impl ReportState {
    pub const ALL: [ReportState; 4] = [
        ReportState::Draft,
        ReportState::Submitted,
        ReportState::Returned,
        ReportState::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Returned => "returned",
            ReportState::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The state's words; `version` (submissions so far) tells a resubmission from the first.
    pub fn label(self, version: i64) -> &'static str {
        match self {
            ReportState::Draft => "草稿",
            ReportState::Submitted if version > 1 => "已重新提交",
            ReportState::Submitted => "已提交",
            ReportState::Returned => "已退回",
            ReportState::Accepted => "已通过",
        }
    }

    /// Whether the school may still edit and submit it.
    pub fn editable(self) -> bool {
        matches!(self, ReportState::Draft | ReportState::Returned)
    }

    /// Whether it waits for the bureau's review.
    pub fn awaits_review(self) -> bool {
        self == ReportState::Submitted
    }
}

/// Reporting rate and on-time rate (what DHIS2 calls reporting rate and timeliness) over a set of
/// reports that were due: `expected` counts only schools that were members on the due date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rates {
    /// Reports due (the due time has passed) from schools that were members on the due date.
    pub expected: u32,
    /// Of those, submitted (on time or late).
    pub submitted: u32,
    /// Of those, submitted on time.
    pub on_time: u32,
}

impl Rates {
    /// Adds one report's standing; reports not yet due count for nothing.
    pub fn add(&mut self, t: Timeliness) {
        match t {
            Timeliness::NotDue => {}
            Timeliness::Missing => self.expected += 1,
            Timeliness::Late => {
                self.expected += 1;
                self.submitted += 1;
            }
            Timeliness::OnTime => {
                self.expected += 1;
                self.submitted += 1;
                self.on_time += 1;
            }
        }
    }

    /// Submitted ÷ expected, in per cent (None when nothing was due).
    pub fn reporting_pct(&self) -> Option<f64> {
        pct(self.submitted, self.expected)
    }

    /// On time ÷ expected, in per cent (None when nothing was due).
    pub fn on_time_pct(&self) -> Option<f64> {
        pct(self.on_time, self.expected)
    }

    /// `94.4%` or `—`.
    pub fn reporting_label(&self) -> String {
        pct_label(self.reporting_pct())
    }

    pub fn on_time_label(&self) -> String {
        pct_label(self.on_time_pct())
    }
}

fn pct(n: u32, d: u32) -> Option<f64> {
    (d > 0).then(|| f64::from(n) * 100.0 / f64::from(d))
}

fn pct_label(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.1}%"),
        None => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn plan() -> Plan {
        Plan::parse(include_str!("../../presets/dongguan-2023/plan.toml")).unwrap()
    }

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn due_at_the_end_of_day_d_in_shanghai_whatever_the_servers_zone() {
        let d = deadline(&plan(), Month::parse("2024-01").unwrap());
        assert_eq!(d.due_on, date(2024, 1, 28));
        // 23:59:59 on the 28th Asia/Shanghai is 15:59:59Z: on time; 00:00:00 on the 29th is late.
        assert_eq!(
            timeliness(&d, Some(ms("2024-01-28T15:59:59Z")), 0),
            Timeliness::OnTime
        );
        assert_eq!(
            timeliness(&d, Some(ms("2024-01-28T16:00:00Z")), 0),
            Timeliness::Late
        );
        assert_eq!(
            timeliness(&d, None, ms("2024-01-28T15:59:59Z")),
            Timeliness::NotDue
        );
        assert_eq!(
            timeliness(&d, None, ms("2024-01-28T16:00:00Z")),
            Timeliness::Missing
        );
    }

    #[test]
    fn february_and_the_month_offset() {
        let mut p = plan();
        let feb = deadline(&p, Month::parse("2024-02").unwrap());
        assert_eq!(feb.due_on, date(2024, 2, 28));
        assert_eq!(feb.due_ms, ms("2024-02-28T15:59:59.999Z"));
        p.rules.report_month_offset = 1;
        let dec = deadline(&p, Month::parse("2024-12").unwrap());
        assert_eq!(dec.due_on, date(2025, 1, 28));
    }

    #[test]
    fn submissions_close_days_after_the_due_day() {
        let mut p = plan();
        p.rules.report_close_days = 3;
        let d = deadline(&p, Month::parse("2024-03").unwrap());
        assert_eq!(d.closes_ms, ms("2024-03-31T15:59:59.999Z"));
    }

    #[test]
    fn the_next_report_is_this_months_until_its_due_day() {
        let mut p = plan();
        let next = |p: &Plan, d| {
            let x = next_due(p, d);
            (x.month.to_string(), x.due_on)
        };
        assert_eq!(
            next(&p, date(2026, 11, 28)),
            ("2026-11".into(), date(2026, 11, 28))
        );
        assert_eq!(
            next(&p, date(2026, 11, 29)),
            ("2026-12".into(), date(2026, 12, 28))
        );
        assert_eq!(
            next(&p, date(2026, 12, 29)),
            ("2027-01".into(), date(2027, 1, 28))
        );
        // Before the first reporting month, the first report is next.
        assert_eq!(
            next(&p, date(2023, 12, 30)),
            ("2024-01".into(), date(2024, 1, 28))
        );
        // When a report covers the month before, November's is due on 28 December.
        p.rules.report_month_offset = 1;
        assert_eq!(
            next(&p, date(2026, 12, 10)),
            ("2026-11".into(), date(2026, 12, 28))
        );
        assert_eq!(
            next(&p, date(2026, 12, 29)),
            ("2026-12".into(), date(2027, 1, 28))
        );
    }

    #[test]
    fn months_step_across_years() {
        let m = Month::parse("2024-12").unwrap();
        assert_eq!(m.next().to_string(), "2025-01");
        assert_eq!(Month::parse("2025-01").unwrap().previous(), m);
        assert_eq!(m.plus(-12).to_string(), "2023-12");
        assert_eq!(months_from(m, Month::parse("2025-02").unwrap()).len(), 3);
        assert!(months_from(m, m.previous()).is_empty());
        assert_eq!(
            Month::parse("2024-02").unwrap().last_day(),
            date(2024, 2, 29)
        );
    }

    #[test]
    fn rates_count_only_what_was_due() {
        let mut r = Rates::default();
        for t in [
            Timeliness::OnTime,
            Timeliness::Late,
            Timeliness::Missing,
            Timeliness::NotDue,
        ] {
            r.add(t);
        }
        assert_eq!((r.expected, r.submitted, r.on_time), (3, 2, 1));
        assert_eq!(r.reporting_label(), "66.7%");
        assert_eq!(r.on_time_label(), "33.3%");
        assert_eq!(Rates::default().reporting_label(), "—");
    }

    #[test]
    fn a_resubmission_reads_differently_from_the_first() {
        assert_eq!(ReportState::Submitted.label(1), "已提交");
        assert_eq!(ReportState::Submitted.label(2), "已重新提交");
        assert!(ReportState::Returned.editable());
        assert!(!ReportState::Accepted.editable());
        assert_eq!(ReportState::parse("returned"), Some(ReportState::Returned));
    }
}
