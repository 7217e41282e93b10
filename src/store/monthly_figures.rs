//! What was recorded in one month, per group: the figures a school's monthly report is pre-filled
//! with and the bureau's summary adds up (五(三)). Loaded for many groups at once: one query per
//! record table, whatever the number of groups (chunked far below the parameter limits).

use super::Store;
use super::projects::placeholders;
use super::rows::date;
use crate::domain::ids::GroupId;
use crate::domain::plan::Month;
use crate::domain::project::ProjectStatus;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A project that started, moved or finished in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectInMonth {
    pub title: String,
    pub area: i64,
    /// Its status now (计划中 / 进行中 / 已完成 / 已暂停), as a code.
    pub status: String,
    pub started: bool,
    pub finished: bool,
    /// Progress updates dated in the month.
    pub updates: i64,
}

/// One group's month, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigures {
    /// Distinct days in the month with at least one on-site entry (团队驻点天数).
    pub onsite_days: i64,
    /// Member-days on site in the month (人天): each entry's members × its days in the month.
    pub person_days: i64,
    pub onsite_entries: i64,
    /// Students who went along on site (三(一) 师生团队), summed over entries starting in the month.
    pub onsite_students: i64,
    pub projects: Vec<ProjectInMonth>,
    /// Outcome figures added by the month's project updates, by the plan's outcome code.
    pub outcomes: BTreeMap<String, i64>,
    pub meetings: Vec<Date>,
    pub expenses: i64,
    /// Cash spent, in fen.
    pub expense_cash_fen: i64,
    /// In-kind contributions' estimated value, in fen (those with a value).
    pub expense_in_kind_fen: i64,
}

impl MonthFigures {
    pub fn projects_started(&self) -> usize {
        self.projects.iter().filter(|p| p.started).count()
    }

    pub fn projects_finished(&self) -> usize {
        self.projects.iter().filter(|p| p.finished).count()
    }

    /// Whether nothing at all was recorded.
    pub fn is_empty(&self) -> bool {
        self == &MonthFigures::default()
    }

    /// Adds another group's month (for a school's or the city's totals; project lists append).
    pub fn add(&mut self, o: &MonthFigures) {
        self.onsite_days += o.onsite_days;
        self.person_days += o.person_days;
        self.onsite_entries += o.onsite_entries;
        self.onsite_students += o.onsite_students;
        self.projects.extend(o.projects.iter().cloned());
        for (k, v) in &o.outcomes {
            *self.outcomes.entry(k.clone()).or_default() += v;
        }
        self.meetings.extend(o.meetings.iter().copied());
        self.expenses += o.expenses;
        self.expense_cash_fen += o.expense_cash_fen;
        self.expense_in_kind_fen += o.expense_in_kind_fen;
    }
}

const CHUNK: usize = 500;

impl Store {
    /// The month's figures of each group asked about (groups with nothing recorded get zeros).
    pub async fn month_figures(
        &self,
        groups: &[GroupId],
        month: Month,
    ) -> sqlx::Result<HashMap<GroupId, MonthFigures>> {
        let first = month.first_day();
        let last = month.first_day().last_of_month();
        let (a, b) = (first.to_string(), last.to_string());
        // A date we format, inlined: the entries that can overlap the month start from it.
        let since = crate::domain::onsite::earliest_start_overlapping(first);
        let mut out: HashMap<GroupId, MonthFigures> = groups
            .iter()
            .map(|g| (g.clone(), MonthFigures::default()))
            .collect();
        let mut days: HashMap<GroupId, BTreeSet<Date>> = HashMap::new();
        for chunk in groups.chunks(CHUNK) {
            let list = placeholders(3, chunk.len());
            let bind = |sql: String| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(a.clone())
                    .bind(b.clone());
                for g in chunk {
                    q = q.bind(g.as_str().to_owned());
                }
                q
            };
            // On-site entries overlapping the month, with their members (the ids the verdicts
            // count, kept on the entry: counted here rather than looked up per entry).
            for r in bind(format!(
                "select e.group_id, e.date_from, e.date_to, e.students, e.member_ids
                 from onsite_entries e
                 where e.date_from <= $2 and e.date_from >= '{since}' and e.date_to >= $1
                   and e.group_id in ({list})"
            ))
            .fetch_all(self.pool())
            .await?
            {
                let g = GroupId::from_db(r.try_get("group_id")?);
                let (from, to) = (date(&r, "date_from")?, date(&r, "date_to")?);
                let members: String = r.try_get("member_ids")?;
                let members = members.split(',').filter(|m| !m.is_empty()).count() as i64;
                let (from_in, to_in) = (from.max(first), to.min(last));
                let n = i64::from(from_in.until(to_in).map(|s| s.get_days()).unwrap_or(0)) + 1;
                let f = out.entry(g.clone()).or_default();
                f.onsite_entries += 1;
                f.person_days += members * n;
                if from >= first {
                    f.onsite_students += r.try_get::<i64, _>("students")?;
                }
                let set = days.entry(g).or_default();
                let mut d = from_in;
                while d <= to_in {
                    set.insert(d);
                    match d.tomorrow() {
                        Ok(next) => d = next,
                        Err(_) => break,
                    }
                }
            }
            // Projects that started, finished, or had an update in the month: three index
            // ranges per group (migration 0031 for the finished), not every project's row.
            let mut updates: HashMap<String, i64> = HashMap::new();
            for r in bind(format!(
                "select project_id, count(*) as n from project_updates
                 where happened_on >= $1 and happened_on <= $2 and group_id in ({list})
                 group by project_id"
            ))
            .fetch_all(self.pool())
            .await?
            {
                updates.insert(r.try_get("project_id")?, r.try_get("n")?);
            }
            for r in bind(format!(
                "select p.id, p.group_id, p.title, p.area, p.status, p.starts_on, p.ends_on
                 from projects p
                 where p.id in (
                    select s.id from projects s
                    where s.group_id in ({list}) and s.starts_on >= $1 and s.starts_on <= $2
                    union
                    select f.id from projects f
                    where f.group_id in ({list}) and f.ends_on >= $1 and f.ends_on <= $2
                      and f.status = 'done'
                    union
                    select u.project_id from project_updates u
                    where u.group_id in ({list}) and u.happened_on >= $1 and u.happened_on <= $2)
                 order by p.starts_on, p.title"
            ))
            .fetch_all(self.pool())
            .await?
            {
                let id: String = r.try_get("id")?;
                let status: String = r.try_get("status")?;
                let starts = date(&r, "starts_on")?;
                let ends: Option<String> = r.try_get("ends_on")?;
                let ends = ends.and_then(|s| s.parse::<Date>().ok());
                let done = ProjectStatus::parse(&status) == Some(ProjectStatus::Done);
                out.entry(GroupId::from_db(r.try_get("group_id")?))
                    .or_default()
                    .projects
                    .push(ProjectInMonth {
                        title: r.try_get("title")?,
                        area: r.try_get("area")?,
                        status,
                        started: starts >= first && starts <= last,
                        finished: done && ends.is_some_and(|e| e >= first && e <= last),
                        updates: updates.get(&id).copied().unwrap_or(0),
                    });
            }
            for r in bind(format!(
                "select group_id, held_on from meetings
                 where held_on >= $1 and held_on <= $2 and group_id in ({list}) order by held_on"
            ))
            .fetch_all(self.pool())
            .await?
            {
                out.entry(GroupId::from_db(r.try_get("group_id")?))
                    .or_default()
                    .meetings
                    .push(date(&r, "held_on")?);
            }
            for r in bind(format!(
                "select group_id, count(*) as n,
                        cast(coalesce(sum(case when in_kind = 0 then amount_fen else 0 end), 0) as bigint) as cash,
                        cast(coalesce(sum(case when in_kind = 1 then amount_fen else 0 end), 0) as bigint) as in_kind
                 from expenses
                 where spent_on >= $1 and spent_on <= $2 and group_id in ({list})
                 group by group_id"
            ))
            .fetch_all(self.pool())
            .await?
            {
                let f = out
                    .entry(GroupId::from_db(r.try_get("group_id")?))
                    .or_default();
                f.expenses = r.try_get("n")?;
                f.expense_cash_fen = r.try_get("cash")?;
                f.expense_in_kind_fen = r.try_get("in_kind")?;
            }
        }
        for (g, set) in days {
            out.entry(g).or_default().onsite_days = set.len() as i64;
        }
        for (g, totals) in self.project_outcome_totals(groups, first, last).await? {
            out.entry(g).or_default().outcomes = totals;
        }
        Ok(out)
    }
}
