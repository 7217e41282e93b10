//! What the platform does, once, for every way in: the web pages, the JSON API, the CLI and jobs
//! all call these functions. Services know the store and the domain, never HTTP: they answer with
//! [`ServiceError`], which `http` renders as a page or as JSON.

pub mod access;
pub mod accounts;
pub mod adjustments;
pub mod backfill;
pub mod cases;
pub mod commendations;
pub mod compliance;
pub mod evaluation;
pub mod guide;
pub mod history;
pub mod reads;
pub mod reminders;
pub mod second_factor;
pub mod signin;
pub mod summaries;
pub mod unlocks;
pub mod workbench;
pub mod workspace;
// 五(三) 月度进展报告: the monthly report workflow.
pub mod monthly_reports;
// 结对组卡片, 统计图表, 公开概览.
pub mod cards;
pub mod charts;
pub mod public;
// The compliance matrix (issue 11).
pub mod judged;
pub mod matrix;
pub mod plan_versions;

use crate::domain::FieldErrors;
use crate::store::StoreError;

/// Why a service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The user may not do this (their role or their organisation).
    #[error("没有权限访问此页面")]
    Forbidden,
    /// The user may not do this, and the message says why (三权分立 rules name who may).
    #[error("{0}")]
    Refused(String),
    /// No such record, or one the user may not see (the two read the same, so ids leak nothing).
    #[error("页面或记录不存在")]
    NotFound,
    /// The input is wrong: every field error at once, for the form or the JSON caller to show.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The record is not in a state that allows this (already confirmed, already left).
    #[error("{0}")]
    Conflict(String),
    /// A sheet with errors: each names its row and column.
    #[error("表格有 {} 处错误", .0.len())]
    Rows(Vec<crate::domain::sheet::RowError>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<crate::domain::FieldError> for ServiceError {
    fn from(e: crate::domain::FieldError) -> Self {
        ServiceError::Invalid(e.into())
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(e: FieldErrors) -> Self {
        ServiceError::Invalid(e)
    }
}

/// A store error, with a field error the store found (inside its transaction) kept as one.
impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => ServiceError::Invalid(f.into()),
            StoreError::Conflict(m) => ServiceError::Conflict(m),
            StoreError::NotFound => ServiceError::NotFound,
            other => ServiceError::Store(other),
        }
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Store(StoreError::Db(e))
    }
}
