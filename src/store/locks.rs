//! 五(三): a school's accepted monthly report locks the records it summarised — those of every
//! group the school was a member of in that month, dated in that month. The one check is
//! [`locked_by`]; every write of a dated record (on-site entries, projects and their updates,
//! expenses, joint meetings) calls it inside its own write transaction, after claiming its row, so
//! web, API and imports are refused alike and a report accepted at the same moment cannot slip
//! between the check and the write (see [`locked_by`] for how).

use super::{Store, StoreError};
use crate::domain::FieldError;
use crate::domain::ids::{GroupId, OrgId};
use crate::domain::plan::Month;
use crate::domain::unlock::Lock;
use jiff::civil::Date;
use sqlx::{AnyConnection, Row};

/// The reports of `$1`'s plan for the months `$2 ..= $3` of the schools that were members of
/// group `$1` during the report's month (memberships end the day before `effective_to`, as in the
/// report roll). Months are `YYYY-MM` and dates `YYYY-MM-DD`, so `month || '-31'` is at or after
/// every day of the month and `month || '-01'` its first day, compared as text on both databases.
const REPORTS_OF_GROUP: &str =
    "monthly_reports.plan_id = (select g.plan_id from pairing_groups g where g.id = $1)
    and monthly_reports.month >= $2 and monthly_reports.month <= $3
    and exists (select 1 from group_memberships m
        where m.group_id = $1 and m.org_id = monthly_reports.school_id
          and m.role in ('university', 'vocational_school')
          and m.effective_from <= (monthly_reports.month || '-31')
          and (m.effective_to is null or m.effective_to > (monthly_reports.month || '-01')))";

/// The first month of `from ..= to` in which `group`'s records are locked, with the school whose
/// accepted report locks it (the first by name when several do); none when no month is.
///
/// To be called inside the caller's write transaction: it *claims* the reports it reads (a no-op
/// update of each, whatever its state), so on PostgreSQL a review accepting one of them at the
/// same moment either committed first (and is seen here, so the write is refused) or waits for
/// this write to commit (and accepts a report whose records it can then read). On SQLite the
/// transaction holds the write lock already (`begin_write`).
pub async fn locked_by(
    conn: &mut AnyConnection,
    group: &GroupId,
    from: Date,
    to: Date,
) -> sqlx::Result<Option<Lock>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "update monthly_reports set state = state where {REPORTS_OF_GROUP}
         returning school_id, month, state"
    )))
    .bind(group.as_str())
    .bind(Month::of(from).to_string())
    .bind(Month::of(to).to_string())
    .fetch_all(&mut *conn)
    .await?;
    lock_from(conn, &rows).await
}

/// The lock the group's reports `rows` (month, school_id, state) put on it, if any: the first
/// locked month and the first by name of the schools whose accepted reports lock it.
async fn lock_from(
    conn: &mut AnyConnection,
    rows: &[sqlx::any::AnyRow],
) -> sqlx::Result<Option<Lock>> {
    let mut reports: Vec<(String, String, String)> = Vec::new();
    for r in rows {
        reports.push((
            r.try_get("month")?,
            r.try_get("school_id")?,
            r.try_get("state")?,
        ));
    }
    let Some((month, schools)) = first_locked_month(&reports) else {
        return Ok(None);
    };
    let mut names = Vec::new();
    for s in schools {
        let name: String = sqlx::query("select name from organisations where id = $1")
            .bind(s.as_str())
            .fetch_one(&mut *conn)
            .await?
            .try_get("name")?;
        names.push((name, s));
    }
    names.sort();
    let (school_name, school) = names.swap_remove(0);
    Ok(lock_of(&month, school, school_name))
}

/// Of the group's reports `(month, school, state)`, the first month with an accepted report and
/// none sent back to its school for correction (returned, or unlocked), with the schools whose
/// accepted reports lock it. While one school of the group corrects its report of a month, the
/// group's records of that month stay open to it, whatever its group-mates' reports say; once
/// it is accepted again the month locks again.
fn first_locked_month(reports: &[(String, String, String)]) -> Option<(String, Vec<String>)> {
    let reopened = |m: &str| {
        reports
            .iter()
            .any(|(month, _, state)| month == m && state == "returned")
    };
    let month = reports
        .iter()
        .filter(|(m, _, state)| state == "accepted" && !reopened(m))
        .map(|(m, _, _)| m.clone())
        .min()?;
    let schools = reports
        .iter()
        .filter(|(m, _, state)| *m == month && state == "accepted")
        .map(|(_, s, _)| s.clone())
        .collect();
    Some((month, schools))
}

fn lock_of(month: &str, school: String, school_name: String) -> Option<Lock> {
    Some(Lock {
        month: Month::parse(month)?,
        school_id: OrgId::from_db(school),
        school_name,
    })
}

/// Refuses a record written (added, or corrected from or to) with a date in a locked month: a
/// field error naming the record's date `field`, so the form shows it there and the API answers
/// 422. `ranges` are the record's days before and after the write (one day for a dated record).
pub async fn refuse_locked(
    conn: &mut AnyConnection,
    group: &GroupId,
    field: &'static str,
    ranges: &[(Date, Date)],
) -> Result<(), StoreError> {
    for (i, &(from, to)) in ranges.iter().enumerate() {
        if ranges[..i].contains(&(from, to)) {
            continue;
        }
        if let Some(lock) = locked_by(conn, group, from, to).await? {
            return Err(FieldError::new(field, lock.message()).into());
        }
    }
    Ok(())
}

/// Refuses withdrawing a record dated in a locked month (a conflict: 409, nothing to correct in
/// a form).
pub async fn refuse_locked_withdrawal(
    conn: &mut AnyConnection,
    group: &GroupId,
    from: Date,
    to: Date,
) -> Result<(), StoreError> {
    match locked_by(conn, group, from, to).await? {
        Some(lock) => Err(StoreError::Conflict(lock.message())),
        None => Ok(()),
    }
}

impl Store {
    /// [`locked_by`] outside a write (reads only, claims nothing): whether `group`'s records
    /// dated in `from ..= to` are locked now.
    pub async fn locked_by(
        &self,
        group: &GroupId,
        from: Date,
        to: Date,
    ) -> sqlx::Result<Option<Lock>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select month, school_id, state from monthly_reports where {REPORTS_OF_GROUP}"
        )))
        .bind(group.as_str())
        .bind(Month::of(from).to_string())
        .bind(Month::of(to).to_string())
        .fetch_all(&mut *conn)
        .await?;
        lock_from(&mut conn, &rows).await
    }
}
