//! The programme's concepts and rules as pure functions: no database, no HTTP, no clock reads.
//! A reader learns the plan here.

pub mod evaluator;
pub mod facts;
pub mod ids;
pub mod org;
pub mod pairing;
pub mod password;
pub mod plan;
pub mod region;
pub mod rules;
pub mod sheet;
pub mod team;
pub mod user;

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
