//! A group's expenses (经费, 四(二)) and their agreed shares; totals are integer sums in SQL, so
//! they are exact to the fen on both databases.

use super::audit::{self, Actor, AuditEntry};
use super::locks;
use super::rows::date;
use super::{Store, StoreError};
use crate::domain::expense::{NewExpense, Share};
use crate::domain::ids::{ExpenseId, GroupId, OrgId, ProjectId};
use crate::domain::money::Fen;
use jiff::civil::Date;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub use crate::domain::expense::{EXPENSE_KINDS, ExpenseInput, expense_kind_label};

#[derive(Debug, Clone)]
pub struct ShareRow {
    pub org_id: OrgId,
    pub org_name: String,
    pub basis_points: i32,
    pub amount_fen: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ExpenseRow {
    pub id: ExpenseId,
    pub spent_on: Date,
    pub amount_fen: Option<i64>,
    pub payer_org_id: OrgId,
    pub payer_name: String,
    pub kind: String,
    pub in_kind: bool,
    pub initiator_org_id: Option<OrgId>,
    pub initiator_name: Option<String>,
    pub notes: String,
    pub shares: Vec<ShareRow>,
    pub created_at: i64,
    /// The cooperation project it was spent on, and its title.
    pub project_id: Option<ProjectId>,
    pub project_title: Option<String>,
    /// Imported from a history workbook (历史补录).
    pub backfilled: bool,
}

impl ExpenseRow {
    /// The record as it was checked when written, to compare with a correction.
    pub fn stored(&self) -> NewExpense {
        NewExpense {
            spent_on: self.spent_on,
            amount: self.amount_fen.map(Fen::from_db),
            payer_org_id: self.payer_org_id.clone(),
            kind: self.kind.clone(),
            in_kind: self.in_kind,
            initiator_org_id: self.initiator_org_id.clone(),
            notes: self.notes.clone(),
            shares: self
                .shares
                .iter()
                .map(|s| Share {
                    org_id: s.org_id.clone(),
                    basis_points: s.basis_points,
                    fen: s.amount_fen.unwrap_or(0),
                })
                .collect(),
            project_id: self.project_id.clone(),
        }
    }
}

/// Which of a group's expenses a list, its totals and its export cover.
#[derive(Debug, Clone, Default)]
pub struct ExpenseFilter {
    pub year: Option<i16>,
    pub kind: Option<String>,
    pub payer: Option<OrgId>,
    /// A former member's view (those made before it left and its own).
    pub seen_by: Option<super::adjustments::SeenBy>,
}

impl ExpenseFilter {
    /// The `where` clause on `expenses e` (parameters from `$first`) and its values.
    fn clause(&self, group: &GroupId, first: usize) -> (String, Vec<String>) {
        let mut sql = format!("e.group_id = ${first}");
        let mut binds = vec![group.to_string()];
        let mut next = |sql: &mut String, cond: &str, v: String| {
            binds.push(v);
            let n = first + binds.len() - 1;
            sql.push_str(&cond.replace('?', &format!("${n}")));
        };
        if let Some(y) = self.year {
            // spent_on is YYYY-MM-DD: a year is a range of it (the index serves it).
            next(&mut sql, " and e.spent_on >= ?", format!("{y:04}-01-01"));
            next(
                &mut sql,
                " and e.spent_on < ?",
                format!("{:04}-01-01", y + 1),
            );
        }
        if let Some(k) = &self.kind {
            next(&mut sql, " and e.kind = ?", k.clone());
        }
        if let Some(p) = &self.payer {
            next(&mut sql, " and e.payer_org_id = ?", p.to_string());
        }
        if let Some(seen) = &self.seen_by {
            next(&mut sql, &seen.condition("e"), seen.org.to_string());
        }
        (sql, binds)
    }
}

/// Cash paid and the estimated value of contributions in kind, in fen, and how many records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sum {
    pub cash_fen: i64,
    pub in_kind_fen: i64,
    pub count: i64,
}

/// The filtered expenses' totals: what each party bore (its agreed shares, else what it paid),
/// per kind, per year and overall.
#[derive(Debug, Clone, Default)]
pub struct ExpenseTotals {
    pub by_party: Vec<(OrgId, String, Sum)>,
    pub by_kind: Vec<(String, Sum)>,
    pub by_year: Vec<(String, Sum)>,
    pub all: Sum,
}

const SUMS: &str =
    "cast(coalesce(sum(case when in_kind = 0 then fen else 0 end), 0) as bigint) as cash_fen,
     cast(coalesce(sum(case when in_kind = 1 then fen else 0 end), 0) as bigint) as in_kind_fen,
     count(*) as n";

fn sum_of(r: &AnyRow) -> sqlx::Result<Sum> {
    Ok(Sum {
        cash_fen: r.try_get("cash_fen")?,
        in_kind_fen: r.try_get("in_kind_fen")?,
        count: r.try_get("n")?,
    })
}

const COLUMNS: &str =
    "e.id, e.spent_on, e.amount_fen, e.payer_org_id, p.name as payer_name, e.kind, e.in_kind,
     e.initiator_org_id, i.name as initiator_name, e.notes, e.created_at, e.history_import_id,
     e.project_id, pr.title as project_title
     from expenses e join organisations p on p.id = e.payer_org_id
     left join organisations i on i.id = e.initiator_org_id
     left join projects pr on pr.id = e.project_id";

impl Store {
    pub async fn add_expense(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        x: &NewExpense,
    ) -> Result<ExpenseId, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = insert_expense(&mut tx, actor, now_ms, group, x).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records every expense of an import in one transaction: all of them, or none. Each gets
    /// its own audit entry, as when recorded one at a time.
    pub async fn add_expenses(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        xs: &[NewExpense],
    ) -> Result<Vec<ExpenseId>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(xs.len());
        for x in xs {
            ids.push(insert_expense(&mut tx, actor, now_ms, group, x).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// One of the group's expenses; none when it is another group's (or none at all).
    pub async fn get_expense(
        &self,
        group: &GroupId,
        id: &ExpenseId,
    ) -> sqlx::Result<Option<ExpenseRow>> {
        let mut conn = self.pool.acquire().await?;
        expense_in(&mut conn, group, id).await
    }

    /// A page of the group's expenses matching `filter` (newest first; all when `page` is none)
    /// and how many match.
    pub async fn list_expenses(
        &self,
        group: &GroupId,
        filter: &ExpenseFilter,
        page: Option<(i64, i64)>,
    ) -> sqlx::Result<(Vec<ExpenseRow>, i64)> {
        let (clause, binds) = filter.clause(group, 1);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from expenses e where {clause}"
        )));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let total: i64 = q.fetch_one(&self.pool).await?.try_get("n")?;
        let limit = match page {
            Some((limit, offset)) => format!(" limit {limit} offset {offset}"),
            None => String::new(),
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} where {clause} order by e.spent_on desc, e.created_at desc, e.id{limit}"
        )));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let mut rows: Vec<ExpenseRow> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(expense_from_row)
            .collect::<sqlx::Result<_>>()?;
        let mut conn = self.pool.acquire().await?;
        attach_shares(&mut conn, &mut rows).await?;
        Ok((rows, total))
    }

    /// The totals of the group's expenses matching `filter`, as integer sums in SQL.
    pub async fn expense_totals(
        &self,
        group: &GroupId,
        filter: &ExpenseFilter,
    ) -> sqlx::Result<ExpenseTotals> {
        let (clause, binds) = filter.clause(group, 1);
        let run = |sql: String| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                q = q.bind(b.clone());
            }
            q.fetch_all(&self.pool)
        };
        let plain = format!(
            "select e.kind, e.spent_on, e.amount_fen as fen, e.in_kind from expenses e where {clause}"
        );
        let by_kind = run(format!(
            "select kind, {SUMS} from ({plain}) x group by kind order by kind"
        ))
        .await?;
        let by_year = run(format!(
            "select substr(spent_on, 1, 4) as year, {SUMS} from ({plain}) x group by substr(spent_on, 1, 4) order by year"
        ))
        .await?;
        let by_party = self.party_totals(group, filter).await?;
        let mut kinds = by_kind
            .iter()
            .map(|r| Ok((r.try_get::<String, _>("kind")?, sum_of(r)?)))
            .collect::<sqlx::Result<Vec<_>>>()?;
        // In the clause's order, not the codes'.
        kinds.sort_by_key(|(k, _)| EXPENSE_KINDS.iter().position(|(c, _)| c == k));
        Ok(ExpenseTotals {
            all: self.expense_sum(group, filter).await?,
            by_kind: kinds,
            by_year: by_year
                .iter()
                .map(|r| Ok((r.try_get("year")?, sum_of(r)?)))
                .collect::<sqlx::Result<_>>()?,
            by_party,
        })
    }

    /// What each party bore of the group's expenses matching `filter`: its agreed shares, or
    /// the whole amount it paid where none were agreed; by the parties' names.
    pub async fn party_totals(
        &self,
        group: &GroupId,
        filter: &ExpenseFilter,
    ) -> sqlx::Result<Vec<(OrgId, String, Sum)>> {
        let (clause, binds) = filter.clause(group, 1);
        // The same filter numbers its parameters once for both halves.
        let borne = format!(
            "select e.payer_org_id as org_id, e.amount_fen as fen, e.in_kind from expenses e
             where {clause} and not exists (select 1 from expense_shares s where s.expense_id = e.id)
             union all
             select s.org_id, s.amount_fen as fen, e.in_kind from expense_shares s join expenses e on e.id = s.expense_id
             where {clause}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select x.org_id, o.name, {SUMS} from ({borne}) x join organisations o on o.id = x.org_id
             group by x.org_id, o.name order by o.name"
        )));
        for b in binds {
            q = q.bind(b);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    OrgId::from_db(r.try_get("org_id")?),
                    r.try_get("name")?,
                    sum_of(r)?,
                ))
            })
            .collect()
    }

    /// The group's expenses matching `filter` summed: cash and in kind.
    pub async fn expense_sum(&self, group: &GroupId, filter: &ExpenseFilter) -> sqlx::Result<Sum> {
        let (clause, binds) = filter.clause(group, 1);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {SUMS} from (select e.amount_fen as fen, e.in_kind from expenses e where {clause}) x"
        )));
        for b in binds {
            q = q.bind(b);
        }
        sum_of(&q.fetch_one(&self.pool).await?)
    }

    /// Corrects an expense; the audit entry holds the fields that changed, before and after.
    /// Returns whether anything changed.
    pub async fn update_expense(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &ExpenseId,
        x: &NewExpense,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        claim_expense(&mut tx, group, id).await?;
        let before = expense_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let old = before.stored().audit_json();
        let new = x.audit_json();
        let (was, now) = audit::changed_fields(&old, &new);
        // The fen each share bears follows the amount and the percentages.
        let shares_moved = before.stored().shares != x.shares;
        if now.is_empty() && !shares_moved {
            return Ok(false);
        }
        let (was_on, now_on) = (before.spent_on, x.spent_on);
        locks::refuse_locked(
            &mut tx,
            group,
            "日期",
            &[(was_on, was_on), (now_on, now_on)],
        )
        .await?;
        sqlx::query(
            "update expenses set spent_on = $1, amount_fen = $2, payer_org_id = $3, kind = $4, in_kind = $5,
             initiator_org_id = $6, notes = $7, project_id = $10 where id = $8 and group_id = $9",
        )
        .bind(x.spent_on.to_string())
        .bind(x.amount.map(Fen::get))
        .bind(x.payer_org_id.as_str())
        .bind(x.kind.as_str())
        .bind(i64::from(x.in_kind))
        .bind(x.initiator_org_id.as_ref().map(|o| o.to_string()))
        .bind(x.notes.as_str())
        .bind(id.as_str())
        .bind(group.as_str())
        .bind(x.project_id.as_ref().map(|p| p.to_string()))
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from expense_shares where expense_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        insert_shares(&mut tx, id, &x.shares).await?;
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "expense.update",
                entity: "expense",
                entity_id: Some(id.as_str()),
                before: Some(was.into()),
                after: Some(now.into()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws an expense entered by mistake, with its shares; the audit entry keeps it whole.
    pub async fn withdraw_expense(
        &self,
        actor: &Actor,
        now_ms: i64,
        group: &GroupId,
        id: &ExpenseId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        claim_expense(&mut tx, group, id).await?;
        let before = expense_in(&mut tx, group, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        locks::refuse_locked_withdrawal(&mut tx, group, before.spent_on, before.spent_on).await?;
        sqlx::query("delete from expense_shares where expense_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from expenses where id = $1 and group_id = $2")
            .bind(id.as_str())
            .bind(group.as_str())
            .execute(&mut *tx)
            .await?;
        let mut was = before.stored().audit_json();
        was["group_id"] = json!(group.as_str());
        audit::append(
            &mut tx,
            actor,
            now_ms,
            AuditEntry {
                action: "expense.withdraw",
                entity: "expense",
                entity_id: Some(id.as_str()),
                before: Some(was),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_shares(
    conn: &mut AnyConnection,
    id: &ExpenseId,
    shares: &[Share],
) -> Result<(), StoreError> {
    for s in shares {
        sqlx::query(
            "insert into expense_shares (expense_id, org_id, basis_points, amount_fen) values ($1, $2, $3, $4)",
        )
        .bind(id.as_str())
        .bind(s.org_id.as_str())
        .bind(i64::from(s.basis_points))
        .bind(s.fen)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes the expense's row for this write (see `claim_base`); not found when not the group's.
async fn claim_expense(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &ExpenseId,
) -> Result<(), StoreError> {
    let n = sqlx::query("update expenses set kind = kind where id = $1 and group_id = $2")
        .bind(id.as_str())
        .bind(group.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn expense_in(
    conn: &mut AnyConnection,
    group: &GroupId,
    id: &ExpenseId,
) -> sqlx::Result<Option<ExpenseRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} where e.id = $1 and e.group_id = $2"
    )))
    .bind(id.as_str())
    .bind(group.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut rows = vec![expense_from_row(&row)?];
    attach_shares(conn, &mut rows).await?;
    Ok(rows.pop())
}

/// Reads the shares of `rows` in chunks (a bound list stays far below SQLite's and PostgreSQL's
/// limits on parameters however long an export is), each placed by its expense's id.
async fn attach_shares(conn: &mut AnyConnection, rows: &mut [ExpenseRow]) -> sqlx::Result<()> {
    const CHUNK: usize = 500;
    let position: std::collections::HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.to_string(), i))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    for chunk in ids.chunks(CHUNK) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select s.expense_id, s.org_id, o.name, s.basis_points, s.amount_fen
             from expense_shares s join organisations o on o.id = s.org_id
             where s.expense_id in ({}) order by s.basis_points desc, o.name",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.clone());
        }
        for s in q.fetch_all(&mut *conn).await? {
            let expense: String = s.try_get("expense_id")?;
            if let Some(&i) = position.get(&expense) {
                let bp: i64 = s.try_get("basis_points")?;
                rows[i].shares.push(ShareRow {
                    org_id: OrgId::from_db(s.try_get("org_id")?),
                    org_name: s.try_get("name")?,
                    basis_points: bp as i32,
                    amount_fen: s.try_get("amount_fen")?,
                });
            }
        }
    }
    Ok(())
}

fn expense_from_row(r: &AnyRow) -> sqlx::Result<ExpenseRow> {
    let in_kind: i64 = r.try_get("in_kind")?;
    let initiator: Option<String> = r.try_get("initiator_org_id")?;
    Ok(ExpenseRow {
        id: ExpenseId::from_db(r.try_get("id")?),
        spent_on: date(r, "spent_on")?,
        amount_fen: r.try_get("amount_fen")?,
        payer_org_id: OrgId::from_db(r.try_get("payer_org_id")?),
        payer_name: r.try_get("payer_name")?,
        kind: r.try_get("kind")?,
        in_kind: in_kind != 0,
        initiator_org_id: initiator.map(OrgId::from_db),
        initiator_name: r.try_get("initiator_name")?,
        notes: r.try_get("notes")?,
        shares: Vec::new(),
        created_at: r.try_get("created_at")?,
        project_id: r
            .try_get::<Option<String>, _>("project_id")?
            .map(ProjectId::from_db),
        project_title: r.try_get("project_title")?,
        backfilled: r
            .try_get::<Option<String>, _>("history_import_id")?
            .is_some(),
    })
}

/// Inserts one expense with its shares and its audit entry, inside the caller's transaction.
pub(super) async fn insert_expense(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    group: &GroupId,
    x: &NewExpense,
) -> Result<ExpenseId, StoreError> {
    locks::refuse_locked(conn, group, "日期", &[(x.spent_on, x.spent_on)]).await?;
    let id = ExpenseId::new();
    sqlx::query(
        "insert into expenses (id, group_id, spent_on, amount_fen, payer_org_id, kind, in_kind, initiator_org_id, notes, created_by, created_at, project_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id.as_str())
    .bind(group.as_str())
    .bind(x.spent_on.to_string())
    .bind(x.amount.map(Fen::get))
    .bind(x.payer_org_id.as_str())
    .bind(x.kind.as_str())
    .bind(i64::from(x.in_kind))
    .bind(x.initiator_org_id.as_ref().map(|o| o.to_string()))
    .bind(x.notes.as_str())
    .bind(actor.user_id.as_ref().map(|u| u.to_string()))
    .bind(now_ms)
    .bind(x.project_id.as_ref().map(|p| p.to_string()))
    .execute(&mut *conn)
    .await?;
    insert_shares(&mut *conn, &id, &x.shares).await?;
    let mut after = x.audit_json();
    after["group_id"] = json!(group.as_str());
    audit::append(
        conn,
        actor,
        now_ms,
        AuditEntry {
            action: "expense.create",
            entity: "expense",
            entity_id: Some(id.as_str()),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(id)
}
