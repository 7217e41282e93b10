//! Reading a multipart body (fields and files), for the web forms and the JSON API alike.

use crate::domain::FieldError;
use crate::http::AppError;
use crate::services::workspace::Upload;
use axum::extract::Multipart;

pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Default)]
pub struct Submitted {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

impl Submitted {
    /// The first value of a text field, trimmed ("" when absent).
    pub fn text(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// The files sent under `name`, as uploads for a service to check.
    pub fn take_files(&mut self, name: &str) -> Vec<Upload> {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.files)
            .into_iter()
            .partition(|f| f.field == name);
        self.files = rest;
        mine.into_iter()
            .map(|f| Upload {
                file_name: f.file_name,
                bytes: f.bytes,
            })
            .collect()
    }
}

/// Reads every part.
pub async fn read_parts(mut multipart: Multipart) -> Result<Submitted, AppError> {
    let mut out = Submitted::default();
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            // Over the route's limit: the web's error page says the limits and what to do.
            return AppError::TooLarge("上传的内容超过了本次提交的大小上限，未保存任何内容".into());
        }
        AppError::Invalid(FieldError::new(
            "上传",
            "表单数据不完整，请重新选择文件后提交",
        ))
    };
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        if field
            .file_name()
            .is_some_and(|f| f.chars().any(super::text::is_forbidden))
        {
            return Err(AppError::Invalid(super::text::refused(&name)));
        }
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(broken)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if !(file_name.is_empty() && bytes.is_empty()) {
                    out.files.push(UploadedFile {
                        field: name,
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => {
                let value = field.text().await.map_err(broken)?;
                if value.chars().any(super::text::is_forbidden) {
                    return Err(AppError::Invalid(super::text::refused(&name)));
                }
                out.fields.push((name, value));
            }
        }
    }
    Ok(out)
}
