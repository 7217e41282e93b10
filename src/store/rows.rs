//! Decoding helpers shared by the store's row mappers.

use jiff::civil::Date;
use sqlx::Row;
use sqlx::any::AnyRow;

pub(super) fn decode_err(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value}").into())
}

pub(super) fn date(r: &AnyRow, col: &str) -> sqlx::Result<Date> {
    let s: String = r.try_get(col)?;
    s.parse().map_err(|_| decode_err("date", &s))
}

pub(super) fn opt_date(r: &AnyRow, col: &str) -> sqlx::Result<Option<Date>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| s.parse().map_err(|_| decode_err("date", &s)))
        .transpose()
}
