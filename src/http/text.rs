//! Text no field may hold, refused before any handler sees it: NUL (PostgreSQL cannot store it,
//! and it answered 500) and the bidirectional controls that make a name read other than it is
//! (U+202A–U+202E, U+2066–U+2069). Query strings, form and JSON bodies are checked here; the text
//! fields of uploads (and file names) in `multipart`.

use super::{ApiError, AppError};
use crate::domain::FieldError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest form or JSON body read here (uploads are multipart and not read here).
const MAX_TEXT_BODY: usize = 2 * 1024 * 1024;

pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\0' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The error a field with such a character gets.
pub fn refused(field: &str) -> FieldError {
    FieldError::new(
        "输入内容",
        format!("“{field}”含有空字符或文字方向控制符（如 U+202E），请删除后重新输入"),
    )
}

/// The first name or value of urlencoded `bytes` holding a forbidden character, if any.
fn bad_pair(bytes: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| k.chars().chain(v.chars()).any(is_forbidden))
        .map(|(k, _)| k)
}

/// Whether any string (or key) of a JSON body holds a forbidden character, as typed or escaped
/// (`\u0000`, `\u202e`): the body is read as JSON, so an escaped backslash is not mistaken for one.
/// A body that is not JSON is left to the handler, which names it.
fn bad_json(bytes: &[u8]) -> bool {
    fn holds(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.chars().any(is_forbidden),
            serde_json::Value::Array(a) => a.iter().any(holds),
            serde_json::Value::Object(o) => o
                .iter()
                .any(|(k, v)| k.chars().any(is_forbidden) || holds(v)),
            _ => false,
        }
    }
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| holds(&v))
}

pub async fn refuse_forbidden_text(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let refuse = |field: &str| {
        let e = AppError::Invalid(refused(field));
        if api {
            ApiError(e).into_response()
        } else {
            e.into_response()
        }
    };
    if let Some(field) = req.uri().query().and_then(|q| bad_pair(q.as_bytes())) {
        return refuse(&field);
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let form = kind.starts_with("application/x-www-form-urlencoded");
    let json = kind.starts_with("application/json");
    if !(form || json) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TEXT_BODY).await else {
        let e = AppError::Invalid(FieldError::new("请求体", "过大或不完整"));
        let mut resp = if api {
            ApiError(e).into_response()
        } else {
            e.into_response()
        };
        *resp.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return resp;
    };
    if form {
        if let Some(field) = bad_pair(&bytes) {
            return refuse(&field);
        }
    } else if bad_json(&bytes) {
        return refuse("请求体");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_direction_controls_are_found_as_typed_and_escaped() {
        assert_eq!(
            bad_pair(b"username=ad%00min&x=1").as_deref(),
            Some("username")
        );
        assert_eq!(bad_pair("q=张%E2%80%AE三".as_bytes()).as_deref(), Some("q"));
        assert_eq!(bad_pair("q=张三&page=2".as_bytes()), None);
        assert!(bad_json(br#"{"username":"a\u0000"}"#));
        assert!(bad_json(br#"{"person_name":"\u202Eabc"}"#));
        assert!(bad_json("{\"n\":\"\u{2066}x\"}".as_bytes()));
        assert!(!bad_json(br#"{"person_name":"\u5f20\u4e09"}"#));
        assert!(!bad_json(br#"{"note":"a backslash, then u0000: \\u0000"}"#));
        assert!(bad_json(br#"{"parties":["x","y\u202d"]}"#));
        assert!(!bad_json("{\"name\":\"张三\"}".as_bytes()));
    }
}
