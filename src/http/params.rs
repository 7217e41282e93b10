//! Reading query parameters into values, for pages and the API alike.

use crate::domain::FieldError;
use jiff::civil::Date;

/// Empty query parameters (`?kind=`) mean "no filter".
pub fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A year from the query string, or this year.
pub fn parse_year(s: Option<&str>, today: Date) -> Result<i16, FieldError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today.year()),
        Some(y) => match y.parse::<i16>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(y),
            _ => Err(FieldError::new(
                "年份",
                format!("“{y}”不是 2000–2100 之间的年份"),
            )),
        },
    }
}
