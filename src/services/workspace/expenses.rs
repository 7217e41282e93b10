//! 经费 (四(二)): recording an expense, correcting it, withdrawing one entered by mistake, the
//! filtered list with its totals, and its export. The parties that pay write (the group's
//! schools and towns, and the bureau); everyone who sees the group reads.

use super::{OpenedGroup, Writer};
use crate::domain::expense::{ExpenseInput, parse_expense};
use crate::domain::ids::{ExpenseId, OrgId};
use crate::services::ServiceError;
use crate::services::access::{self, Viewer};
use crate::store::Store;
use crate::store::adjustments::RecordTable;
use crate::store::expenses::{EXPENSE_KINDS, ExpenseFilter, ExpenseRow, ExpenseTotals};

/// Whether `viewer` may record the opened group's expenses.
pub fn may_record(viewer: &Viewer, ws: &OpenedGroup) -> bool {
    access::may_record_expenses(viewer, ws.group(), ws.today)
}

fn require_record(viewer: &Viewer, ws: &OpenedGroup) -> Result<(), ServiceError> {
    if may_record(viewer, ws) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn expense_id(id: &str) -> Result<ExpenseId, ServiceError> {
    ExpenseId::parse(id).ok_or(ServiceError::NotFound)
}

/// The list's filters as typed in a query string; an unknown kind, payer or year is a 422 that
/// names it rather than an empty list.
fn pick(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

pub fn parse_filter(
    year: Option<&str>,
    kind: Option<&str>,
    payer: Option<&str>,
) -> Result<ExpenseFilter, ServiceError> {
    let year = match pick(year) {
        None => None,
        Some(y) => Some(
            y.parse::<i16>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| {
                    crate::domain::FieldError::new("年度", format!("“{y}”不是年份，如 2026"))
                })?,
        ),
    };
    let kind = match pick(kind) {
        None => None,
        Some(k) if EXPENSE_KINDS.iter().any(|(c, _)| *c == k) => Some(k.to_string()),
        Some(k) => {
            return Err(
                crate::domain::FieldError::new("类别", format!("“{k}”不是可选的类别")).into(),
            );
        }
    };
    let payer = match pick(payer) {
        None => None,
        Some(p) => Some(OrgId::parse(p).ok_or_else(|| {
            crate::domain::FieldError::new("付款单位", format!("“{p}”不是单位编号"))
        })?),
    };
    Ok(ExpenseFilter {
        year,
        kind,
        payer,
        seen_by: None,
    })
}

/// Checks that the project an expense names (if any) is one of the group's.
async fn check_project(
    store: &Store,
    ws: &OpenedGroup,
    x: &crate::domain::expense::NewExpense,
) -> Result<(), ServiceError> {
    if let Some(p) = &x.project_id
        && store.get_project(&ws.group().id, p).await?.is_none()
    {
        return Err(crate::domain::FieldError::new(
            "所属项目",
            "不是本组的合作项目；请从列表中选择本组的项目，或不选",
        )
        .into());
    }
    Ok(())
}

/// Records an expense; every field error at once, nothing stored when there is one.
pub async fn add_expense(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    input: &ExpenseInput,
) -> Result<ExpenseId, ServiceError> {
    require_record(w.by, ws)?;
    let x = parse_expense(input, &ws.group().calendar(), ws.today)?;
    check_project(w.store, ws, &x).await?;
    Ok(w.store
        .add_expense(&w.actor(), w.now_ms, &ws.group().id, &x)
        .await?)
}

/// One of the group's expenses, for anyone who sees the group; not found for another group's.
pub async fn expense(
    store: &Store,
    ws: &OpenedGroup,
    id: &str,
) -> Result<ExpenseRow, ServiceError> {
    let e = store
        .get_expense(&ws.group().id, &expense_id(id)?)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !ws
        .shows_record(store, RecordTable::Expenses, e.id.as_str())
        .await?
    {
        return Err(ServiceError::NotFound);
    }
    Ok(e)
}

/// Corrects an expense with the same checks as recording one; not found for another group's
/// (before the form's errors are told). Returns whether anything changed.
pub async fn update_expense(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
    input: &ExpenseInput,
) -> Result<bool, ServiceError> {
    require_record(w.by, ws)?;
    let row = expense(w.store, ws, id).await?;
    let x = parse_expense(input, &ws.group().calendar(), ws.today)?;
    check_project(w.store, ws, &x).await?;
    Ok(w.store
        .update_expense(&w.actor(), w.now_ms, &ws.group().id, &row.id, &x)
        .await?)
}

/// Withdraws an expense entered by mistake.
pub async fn withdraw_expense(
    w: &Writer<'_>,
    ws: &OpenedGroup,
    id: &str,
) -> Result<(), ServiceError> {
    require_record(w.by, ws)?;
    let id = expense_id(id)?;
    Ok(w.store
        .withdraw_expense(&w.actor(), w.now_ms, &ws.group().id, &id)
        .await?)
}

/// A page of the filtered list (all of it when `page` is none: the export) and how many match.
pub async fn list_expenses(
    store: &Store,
    ws: &OpenedGroup,
    filter: &ExpenseFilter,
    page: Option<(i64, i64)>,
) -> Result<(Vec<ExpenseRow>, i64), ServiceError> {
    // A former member's page, count and totals hold only what it still sees.
    let filter = ExpenseFilter {
        seen_by: ws.seen_by(),
        ..filter.clone()
    };
    Ok(store.list_expenses(&ws.group().id, &filter, page).await?)
}

/// The filtered list's totals per party, kind and year, exact to the fen.
pub async fn expense_totals(
    store: &Store,
    ws: &OpenedGroup,
    filter: &ExpenseFilter,
) -> Result<ExpenseTotals, ServiceError> {
    let filter = ExpenseFilter {
        seen_by: ws.seen_by(),
        ..filter.clone()
    };
    Ok(store.expense_totals(&ws.group().id, &filter).await?)
}
