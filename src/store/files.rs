//! Uploaded files, content-addressed under the data directory: `files/ab/abcdef…` by SHA-256.
//! The type is judged from the content, never from the name.

use crate::domain::FieldError;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

/// The kinds of file the platform accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    /// A Word document (a past monthly report as the school wrote it).
    Docx,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Docx => "Word（docx）",
        }
    }
}

/// What the first bytes say the file is.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if crate::imports::is_docx(bytes) {
        Some(FileKind::Docx)
    } else {
        None
    }
}

/// An upload that passed the checks, ready to store.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub file_name: String,
    pub kind: FileKind,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Checks size and type; `field` names the form field in the error.
pub fn check_upload(
    field: &'static str,
    file_name: &str,
    bytes: Vec<u8>,
    max_bytes: usize,
    allowed: &[FileKind],
) -> Result<CheckedFile, FieldError> {
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let name = if name.trim().is_empty() {
        "附件".to_string()
    } else {
        name
    };
    if bytes.is_empty() {
        return Err(FieldError::new(field, format!("“{name}”是空文件")));
    }
    if bytes.len() > max_bytes {
        return Err(FieldError::new(
            field,
            format!(
                "“{name}”大小为 {:.1} MB，超过 {} MB 上限",
                bytes.len() as f64 / 1048576.0,
                max_bytes / 1048576
            ),
        ));
    }
    let allowed_labels: Vec<&str> = allowed.iter().map(|k| k.label()).collect();
    let kind = sniff(&bytes)
        .filter(|k| allowed.contains(k))
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "“{name}”的内容不是 {} 文件（按文件内容判断，而非扩展名）",
                    allowed_labels.join("、")
                ),
            )
        })?;
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(CheckedFile {
        file_name: name,
        kind,
        sha256,
        bytes,
    })
}

/// Where uploaded files live: the data directory by default, or an S3-compatible object store
/// (several stateless instances behind a load balancer cannot share a local directory).
#[derive(Clone)]
pub enum FileStore {
    Local { root: PathBuf },
    Object(Box<ObjectStore>),
}

/// An S3-compatible bucket (AWS S3, Alibaba OSS, Tencent COS, MinIO, …).
#[derive(Clone)]
pub struct ObjectStore {
    bucket: rusty_s3::Bucket,
    credentials: rusty_s3::Credentials,
    http: reqwest::Client,
}

/// Presigned requests are valid this long; each is used at once.
const SIGN_FOR: std::time::Duration = std::time::Duration::from_secs(300);

fn valid_digest(sha256: &str) -> bool {
    sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit())
}

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// A transport error without its URL: a presigned URL carries the access key and a live signature.
fn http_err(e: reqwest::Error) -> std::io::Error {
    io_err(e.without_url())
}

impl ObjectStore {
    /// `virtual_host`: `bucket.endpoint/key` (as Alibaba OSS and Tencent COS require) instead of
    /// `endpoint/bucket/key` (MinIO and most self-hosted stores).
    pub fn new(
        endpoint: &str,
        bucket: &str,
        region: &str,
        access_key: &str,
        secret_key: &str,
        virtual_host: bool,
    ) -> anyhow::Result<Self> {
        let url = endpoint
            .parse()
            .map_err(|e| anyhow::anyhow!("对象存储地址“{endpoint}”无效：{e}"))?;
        let style = if virtual_host {
            rusty_s3::UrlStyle::VirtualHost
        } else {
            rusty_s3::UrlStyle::Path
        };
        let bucket = rusty_s3::Bucket::new(url, style, bucket.to_string(), region.to_string())
            .map_err(|e| anyhow::anyhow!("对象存储桶设置无效：{e}"))?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()?;
        Ok(Self {
            bucket,
            credentials: rusty_s3::Credentials::new(access_key, secret_key),
            http,
        })
    }

    fn key(sha256: &str) -> String {
        format!("files/{}/{}", &sha256[..2], sha256)
    }

    async fn exists(&self, sha256: &str) -> std::io::Result<bool> {
        use rusty_s3::S3Action;
        let url = self
            .bucket
            .head_object(Some(&self.credentials), &Self::key(sha256))
            .sign(SIGN_FOR);
        let resp = self.http.head(url).send().await.map_err(http_err)?;
        match resp.status().as_u16() {
            200 => Ok(true),
            // A key that is not there is 404, or 403 for credentials without ListBucket.
            403 | 404 => Ok(false),
            s => Err(io_err(format!("object store answered {s} to HEAD"))),
        }
    }

    async fn put(&self, file: &CheckedFile) -> std::io::Result<bool> {
        use rusty_s3::S3Action;
        if self.exists(&file.sha256).await? {
            return Ok(false);
        }
        let url = self
            .bucket
            .put_object(Some(&self.credentials), &Self::key(&file.sha256))
            .sign(SIGN_FOR);
        let resp = self
            .http
            .put(url)
            .header("content-type", file.kind.content_type())
            .body(file.bytes.clone())
            .send()
            .await
            .map_err(http_err)?;
        if !resp.status().is_success() {
            return Err(io_err(format!(
                "object store answered {} to PUT",
                resp.status()
            )));
        }
        Ok(true)
    }

    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        use rusty_s3::S3Action;
        let url = self
            .bucket
            .get_object(Some(&self.credentials), &Self::key(sha256))
            .sign(SIGN_FOR);
        let resp = self.http.get(url).send().await.map_err(http_err)?;
        if !resp.status().is_success() {
            return Err(io_err(format!(
                "object store answered {} to GET",
                resp.status()
            )));
        }
        Ok(resp.bytes().await.map_err(http_err)?.to_vec())
    }

    async fn remove(&self, sha256: &str) {
        use rusty_s3::S3Action;
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), &Self::key(sha256))
            .sign(SIGN_FOR);
        match self.http.delete(url).send().await {
            Ok(resp) if resp.status().is_success() || resp.status().as_u16() == 404 => {}
            Ok(resp) => {
                tracing::warn!(status = %resp.status(), "object store refused to remove an object")
            }
            Err(e) => tracing::warn!(error = %e.without_url(), "could not remove an object"),
        }
    }
}

/// Runs file-system work on tokio's blocking pool: a `sync_all` of a 20 MB file must not stall an
/// async worker (and with it every request that worker serves).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(io_err)?
}

/// Writes the content under `path` unless it is there: to a temporary name first, synced, then
/// renamed, so a reader never sees half a file. True when this call wrote it.
fn write_new(path: &std::path::Path, sha256: &str, bytes: &[u8]) -> std::io::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let dir = path.parent().expect("has a parent");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{sha256}.{}", uuid::Uuid::new_v4().simple()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(true)
}

impl FileStore {
    pub fn local(root: PathBuf) -> Self {
        FileStore::Local { root }
    }

    fn path(root: &std::path::Path, sha256: &str) -> std::io::Result<PathBuf> {
        // Only our own hex digests become paths.
        if valid_digest(sha256) {
            Ok(root.join(&sha256[..2]).join(sha256))
        } else {
            Err(io_err("bad digest"))
        }
    }

    /// Stores the content; returns true when it was not there before (so a failed write can undo it).
    pub async fn put(&self, file: &CheckedFile) -> std::io::Result<bool> {
        match self {
            FileStore::Object(o) => o.put(file).await,
            FileStore::Local { root } => {
                let path = Self::path(root, &file.sha256)?;
                // Owned copies for the blocking pool (the object-store path clones the bytes too).
                let (sha256, bytes) = (file.sha256.clone(), file.bytes.clone());
                blocking(move || write_new(&path, &sha256, &bytes)).await
            }
        }
    }

    pub async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        match self {
            FileStore::Object(o) if valid_digest(sha256) => o.read(sha256).await,
            FileStore::Object(_) => Err(io_err("bad digest")),
            FileStore::Local { root } => {
                let path = Self::path(root, sha256)?;
                blocking(move || std::fs::read(path)).await
            }
        }
    }

    pub async fn remove(&self, sha256: &str) {
        match self {
            FileStore::Object(o) if valid_digest(sha256) => o.remove(sha256).await,
            FileStore::Object(_) => {}
            FileStore::Local { root } => {
                if let Ok(path) = Self::path(root, sha256) {
                    let _ = blocking(move || std::fs::remove_file(path)).await;
                }
            }
        }
    }

    /// Stores every file; on failure removes what this call added. Returns the digests it added.
    pub async fn put_all(&self, files: &[CheckedFile]) -> std::io::Result<Vec<String>> {
        let mut added = Vec::new();
        for f in files {
            match self.put(f).await {
                Ok(true) => added.push(f.sha256.clone()),
                Ok(false) => {}
                Err(e) => {
                    self.remove_all(&added).await;
                    return Err(e);
                }
            }
        }
        Ok(added)
    }

    pub async fn remove_all(&self, digests: &[String]) {
        for d in digests {
            self.remove(d).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for name in names {
            out.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(b"<x/>").unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_word_document_is_a_zip_with_its_document_part() {
        let docx = zip_of(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(sniff(&docx), Some(FileKind::Docx));
        // A workbook is a zip too, but not a Word document; nor is a plain zip.
        assert_eq!(
            sniff(&zip_of(&["[Content_Types].xml", "xl/workbook.xml"])),
            None
        );
        assert_eq!(sniff(&zip_of(&["word.txt"])), None);
        assert_eq!(sniff(b"PK\x03\x04 truncated"), None);
        let refused =
            check_upload("报告文件", "月报.docx", docx.clone(), 1 << 20, &ALL).unwrap_err();
        assert!(
            refused.message.contains("不是 PDF、JPEG、PNG 文件"),
            "{}",
            refused.message
        );
        let taken = check_upload(
            "报告文件",
            "月报.docx",
            docx,
            1 << 20,
            &[FileKind::Docx, FileKind::Pdf],
        )
        .unwrap();
        assert_eq!(taken.kind, FileKind::Docx);
    }

    #[test]
    fn type_comes_from_content_not_name() {
        assert!(check_upload("扫描件", "协议.pdf", b"%PDF-1.7 ...".to_vec(), 1024, &ALL).is_ok());
        let exe = check_upload(
            "扫描件",
            "协议.pdf",
            b"MZ\x90\x00 this is a program".to_vec(),
            1024,
            &ALL,
        )
        .unwrap_err();
        assert!(
            exe.message.contains("不是 PDF、JPEG、PNG 文件"),
            "{}",
            exe.message
        );
        let elf = check_upload(
            "扫描件",
            "scan.png",
            b"\x7fELF\x02\x01".to_vec(),
            1024,
            &ALL,
        );
        assert!(elf.is_err());
        let png = check_upload(
            "照片",
            "a.bin",
            b"\x89PNG\r\n\x1a\nrest".to_vec(),
            1024,
            &ALL,
        )
        .unwrap();
        assert_eq!(png.kind, FileKind::Png);
        assert!(
            check_upload(
                "照片",
                "a.pdf",
                b"%PDF-1.4".to_vec(),
                1024,
                &[FileKind::Jpeg, FileKind::Png]
            )
            .is_err()
        );
    }

    #[test]
    fn size_limit_and_empty_files() {
        let at_limit = [b"%PDF-".as_slice(), &vec![b'x'; 1019]].concat();
        assert!(check_upload("扫描件", "a.pdf", at_limit.clone(), 1024, &ALL).is_ok());
        let over = [at_limit.as_slice(), b"x"].concat();
        assert!(
            check_upload("扫描件", "a.pdf", over, 1024, &ALL)
                .unwrap_err()
                .message
                .contains("超过")
        );
        assert!(
            check_upload("扫描件", "a.pdf", vec![], 1024, &ALL)
                .unwrap_err()
                .message
                .contains("空文件")
        );
    }

    #[tokio::test]
    async fn files_are_content_addressed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(dir.path().to_path_buf());
        let f = check_upload(
            "扫描件",
            "../../etc/passwd.pdf",
            b"%PDF-1.7 x".to_vec(),
            1024,
            &ALL,
        )
        .unwrap();
        assert_eq!(f.file_name, "passwd.pdf");
        assert!(store.put(&f).await.unwrap());
        assert!(
            !store.put(&f).await.unwrap(),
            "the same content is stored once"
        );
        assert_eq!(store.read(&f.sha256).await.unwrap(), b"%PDF-1.7 x");
        assert!(dir.path().join(&f.sha256[..2]).join(&f.sha256).exists());
        assert!(store.read("../../etc/passwd").await.is_err());
    }
}
