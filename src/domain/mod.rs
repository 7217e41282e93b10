//! The programme's concepts and rules as pure functions: no database, no HTTP, no clock reads.
//! A reader learns the plan here.

pub mod adjustment;
pub mod agreement;
pub mod annual_plan;
pub mod audit_labels;
pub mod backfill;
pub mod base;
pub mod case;
pub mod coordination;
pub mod evaluation;
pub mod evaluator;
pub mod expense;
pub mod facts;
pub mod group;
pub mod guide;
pub mod ids;
pub mod matter;
pub mod meeting;
pub mod money;
pub mod monthly;
pub mod monthly_report;
pub mod next_steps;
pub mod onsite;
pub mod org;
pub mod pairing;
pub mod password;
pub mod period;
pub mod plan;
pub mod project;
pub mod region;
pub mod reminders;
pub mod rules;
pub mod sheet;
pub mod summary;
pub mod team;
pub mod totp;
pub mod unlock;
pub mod user;
pub mod work_plan;

/// The programme's time zone: every deadline and every "which day" is Asia/Shanghai's, whatever
/// the server's zone.
pub fn shanghai() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Shanghai").expect("the bundled tz database has Asia/Shanghai")
}

/// A validation failure that names the field (in the user's words) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}：{message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Every field error of one record, found at once (a form shows them all, not one per submit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors found so far, or `value` when there are none.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// Records the error of a parse and gives its value, if any.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("；")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

/// Parses a `YYYY-MM-DD` field; `label` names it in the error.
pub fn parse_date(label: &'static str, s: &str) -> Result<jiff::civil::Date, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(label, "不能为空"));
    }
    s.parse()
        .map_err(|_| FieldError::new(label, format!("“{s}”不是有效日期，应为 YYYY-MM-DD")))
}
