//! Writing generated rows in bulk: rows are gathered per table and written with multi-row
//! inserts (thousands of binds a statement) inside the caller's transaction. The per-statement
//! round trip, not the row, was what seeding row by row paid for (BENCHMARKS.md: 806,000 rows in
//! 18–27 s on SQLite, 39 s on PostgreSQL, against 37.6 s and 53.0 s for half as many row by row).

use crate::domain::ids::{GroupId, OrgId};
use crate::store::Backend;
use jiff::civil::Date;

/// Binds per statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_BINDS: usize = 12_000;

/// One bound value.
pub enum V {
    T(String),
    I(i64),
    NoT,
    NoI,
}

impl From<&str> for V {
    fn from(s: &str) -> Self {
        V::T(s.to_string())
    }
}
impl From<String> for V {
    fn from(s: String) -> Self {
        V::T(s)
    }
}
impl From<&String> for V {
    fn from(s: &String) -> Self {
        V::T(s.clone())
    }
}
impl From<i64> for V {
    fn from(i: i64) -> Self {
        V::I(i)
    }
}
impl From<Date> for V {
    fn from(d: Date) -> Self {
        V::T(d.to_string())
    }
}
impl From<&OrgId> for V {
    fn from(o: &OrgId) -> Self {
        V::T(o.as_str().to_string())
    }
}
impl From<&GroupId> for V {
    fn from(g: &GroupId) -> Self {
        V::T(g.as_str().to_string())
    }
}

/// The rows of one table, waiting to be written.
pub struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    values: Vec<V>,
}

impl Table {
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            name,
            columns,
            values: Vec::new(),
        }
    }

    pub fn row<const N: usize>(&mut self, values: [V; N]) {
        assert_eq!(
            N,
            self.columns.len(),
            "a row of {} has the wrong width",
            self.name
        );
        self.values.extend(values);
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    /// Writes every row gathered so far, `MAX_BINDS / width` rows a statement, and empties the
    /// table for the next batch. SQLite gets `?` placeholders: it treats `$n` as a name and
    /// looks each one up among those before it, which made a statement of 12,000 of them cost
    /// half a second to prepare.
    pub async fn write(
        &mut self,
        tx: &mut sqlx::AnyConnection,
        backend: Backend,
    ) -> anyhow::Result<usize> {
        let numbered = backend == Backend::Postgres;
        let width = self.columns.len();
        let per_statement = MAX_BINDS / width;
        let head = format!(
            "insert into {} ({}) values ",
            self.name,
            self.columns.join(", ")
        );
        let rows = self.rows();
        let mut values = std::mem::take(&mut self.values).into_iter();
        let mut left = rows;
        while left > 0 {
            let n = left.min(per_statement);
            let mut sql = String::with_capacity(head.len() + n * width * 7);
            sql.push_str(&head);
            for r in 0..n {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..width {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    if numbered {
                        sql.push('$');
                        sql.push_str(&(r * width + c + 1).to_string());
                    } else {
                        sql.push('?');
                    }
                }
                sql.push(')');
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in values.by_ref().take(n * width) {
                q = match v {
                    V::T(s) => q.bind(s),
                    V::I(i) => q.bind(i),
                    V::NoT => q.bind(None::<String>),
                    V::NoI => q.bind(None::<i64>),
                };
            }
            q.execute(&mut *tx).await?;
            left -= n;
        }
        Ok(rows)
    }
}
impl From<bool> for V {
    fn from(b: bool) -> Self {
        V::I(i64::from(b))
    }
}
impl<T: Into<V>> From<Option<T>> for V {
    /// None as a null text; a null integer column takes [`V::NoI`].
    fn from(o: Option<T>) -> Self {
        o.map_or(V::NoT, Into::into)
    }
}
