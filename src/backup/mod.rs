//! Backups and restores, online: `xiaodi backup DIR`, the daily backup inside `serve`, and
//! `xiaodi restore DIR`.
//!
//! A backup is one directory `xiaodi-<UTC time>` holding the database copy, the attachments the
//! database refers to (`files/ab/abcd…`, content-addressed as in the data directory) and
//! `manifest.json` (time, schema version, sha256 of the database copy, the attachments, and the
//! audit chain's head as an anchor for `xiaodi audit verify --against`). It is written under a
//! `.partial-` name and renamed when complete, so a half-written backup never looks like one.
//! Directories are 0700 and files 0600: a backup holds the same personal data as the database.
//!
//! Consistency while the server writes: SQLite's `VACUUM INTO` copies one read transaction's view
//! of the database (under WAL, writers go on meanwhile); PostgreSQL's `pg_dump` reads one
//! snapshot. Attachments are listed from the database *after* that snapshot: a file is stored
//! before the record that refers to it and attachments are never deleted, so that list holds
//! every file the snapshot refers to.

use crate::store::files::FileStore;
use crate::store::{Backend, Store};
use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

mod restore;
mod schedule;

pub use restore::{Restored, restore};
pub use schedule::{expired_backups, next_backup_at, prune_backups, record, run_daily, run_if_due};

pub const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "xiaodi.db";
const PG_DUMP_FILE: &str = "xiaodi.pgdump";
const FORMAT: u32 = 1;
/// Backup directories are named `xiaodi-YYYYMMDDTHHMMSSZ` (UTC, so they sort by time).
const PREFIX: &str = "xiaodi-";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    /// When the snapshot was taken, Unix ms and readable (Asia/Shanghai).
    pub created_at_ms: i64,
    pub created_at: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The newest migration applied to the copied database.
    pub schema_version: i64,
    /// The database copy in this directory, its size and sha256.
    pub database_file: String,
    pub database_bytes: u64,
    pub database_sha256: String,
    pub file_count: usize,
    pub files_bytes: u64,
    /// sha256 of each attachment (its name under `files/`).
    pub files: Vec<String>,
    /// The audit chain's head at the snapshot: entry `audit_seq` had hash `audit_hash`.
    pub audit_seq: i64,
    pub audit_hash: String,
}

/// Creates `path` and any missing parents, each one it creates open to the server's user alone.
/// A directory that already exists keeps its mode: it is the operator's (`xiaodi backup /tmp`
/// must not close /tmp to everyone else); the backup itself is a new directory inside it.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    let missing: Vec<&Path> = path
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .collect();
    for dir in missing.into_iter().rev() {
        match std::fs::create_dir(dir) {
            Ok(()) => make_private_dir(dir)?,
            // Made meanwhile by someone else (another backup): theirs, left as it is.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sets an existing directory of the platform's own to 0700 (the mode is set after creation, so
/// the umask does not widen or narrow it).
pub(crate) fn make_private_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// A new file only the server's user may read (it must not exist yet).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

fn set_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// sha256 (hex) and size of a file, read in blocks.
fn digest_of(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((format!("{:x}", h.finalize()), n))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

fn file_path(root: &Path, digest: &str) -> PathBuf {
    root.join(&digest[..2]).join(digest)
}

/// Where the SQLite database of `url` lives.
pub(crate) fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .context("不是 SQLite 数据库地址")?;
    let path = rest.split('?').next().unwrap_or(rest);
    ensure!(
        !path.is_empty() && path != ":memory:",
        "内存数据库无法备份或恢复"
    );
    Ok(PathBuf::from(path))
}

/// A PostgreSQL URL without its password, and the password (percent-decoded) for `PGPASSWORD`:
/// pg_dump and pg_restore get it from their environment, not from an argument every user of the
/// machine can read in the process list.
fn split_password(url: &str) -> (String, Option<String>) {
    let (Some(s), Some(at)) = (url.find("://"), url.rfind('@')) else {
        return (url.to_string(), None);
    };
    if at < s {
        return (url.to_string(), None);
    }
    let creds = &url[s + 3..at];
    let Some(colon) = creds.find(':') else {
        return (url.to_string(), None);
    };
    let encoded = &creds[colon + 1..];
    let mut bytes = Vec::new();
    let raw = encoded.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            raw[i],
            raw.get(i + 1).and_then(|b| hex(*b)),
            raw.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                bytes.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    let without = format!("{}{}{}", &url[..s + 3], &creds[..colon], &url[at..]);
    (without, Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// pg_dump or pg_restore for `url`, the password passed through the environment.
fn pg_command(program: &str, url: &str) -> std::process::Command {
    let (url, password) = split_password(url);
    let mut c = std::process::Command::new(program);
    if let Some(p) = password {
        c.env("PGPASSWORD", p);
    }
    c.arg("--dbname").arg(url);
    c
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Takes a backup of the running platform into a new directory under `into`; returns its path
/// and manifest.
pub async fn backup(
    store: &Store,
    files: &FileStore,
    database_url: &str,
    into: &Path,
    now_ms: i64,
) -> anyhow::Result<(PathBuf, Manifest)> {
    private_dir(into).with_context(|| format!("无法创建备份目录 {}", into.display()))?;
    let stamp = jiff::Timestamp::from_millisecond(now_ms)?
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut name = format!("{PREFIX}{stamp}");
    let mut n = 2;
    while into.join(&name).exists() {
        name = format!("{PREFIX}{stamp}-{n}");
        n += 1;
    }
    let partial = into.join(format!(".partial-{name}"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    private_dir(&partial)?;
    let result = write_backup(store, files, database_url, into, &partial, now_ms).await;
    match result {
        Ok(manifest) => {
            let done = into.join(&name);
            std::fs::rename(&partial, &done)?;
            sync_dir(into);
            Ok((done, manifest))
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

async fn write_backup(
    store: &Store,
    files: &FileStore,
    database_url: &str,
    into: &Path,
    dir: &Path,
    now_ms: i64,
) -> anyhow::Result<Manifest> {
    let schema_version = store.schema_version().await?;
    let (audit_seq, audit_hash) = store.audit_head().await?;
    let database_file = match store.backend() {
        Backend::Sqlite => {
            let target = dir.join(SQLITE_FILE);
            drop(private_file(&target)?);
            // An empty file of mode 0600 is what VACUUM INTO fills (it accepts an empty file).
            let target_text = target.to_str().context("备份路径须为 UTF-8")?.to_string();
            sqlx::query("vacuum into $1")
                .bind(target_text)
                .execute(store.pool())
                .await
                .context("SQLite 在线备份（VACUUM INTO）失败")?;
            SQLITE_FILE
        }
        Backend::Postgres => {
            let target = dir.join(PG_DUMP_FILE);
            let url = database_url.to_string();
            let t = target.clone();
            let out = tokio::task::spawn_blocking(move || {
                pg_command("pg_dump", &url)
                    .arg("--format=custom")
                    .arg("--no-owner")
                    .arg("--file")
                    .arg(&t)
                    .output()
            })
            .await?
            .map_err(|e| {
                anyhow::anyhow!(
                    "无法运行 pg_dump（{e}）：PostgreSQL 的备份由 pg_dump 完成，请安装 postgresql-client（版本不低于数据库服务器）"
                )
            })?;
            ensure!(
                out.status.success(),
                "pg_dump 失败：{}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            set_private(&target)?;
            PG_DUMP_FILE
        }
    };
    let (database_sha256, database_bytes) = digest_of(&dir.join(database_file))?;
    // Files of the newest earlier backup are linked rather than copied: same name, same content.
    let previous = list_backups(into)?
        .into_iter()
        .last()
        .map(|b| b.join("files"));
    let digests = store.attachment_digests().await?;
    let root = dir.join("files");
    private_dir(&root)?;
    let mut files_bytes = 0u64;
    for d in &digests {
        ensure!(
            d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()),
            "附件摘要无效：{d}"
        );
        let target = file_path(&root, d);
        private_dir(target.parent().expect("has a parent"))?;
        // Linked only when the earlier copy still holds what its name says: a file damaged or
        // changed in the earlier backup is not carried into this one (it is copied afresh).
        if let Some(prev) = previous.as_ref().map(|p| file_path(p, d))
            && prev.is_file()
            && digest_of(&prev).is_ok_and(|(sha, _)| sha == *d)
            && std::fs::hard_link(&prev, &target).is_ok()
        {
            files_bytes += std::fs::metadata(&target)?.len();
            continue;
        }
        let bytes = files
            .read(d)
            .await
            .with_context(|| format!("无法读取附件 {d}"))?;
        ensure!(
            sha256_hex(&bytes) == *d,
            "附件 {d} 的内容与其摘要不符（数据目录中的文件已损坏）"
        );
        let mut f = private_file(&target)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        files_bytes += bytes.len() as u64;
    }
    let manifest = Manifest {
        format: FORMAT,
        created_at_ms: now_ms,
        created_at: crate::clock::format_ms(now_ms),
        backend: backend_name(store.backend()).into(),
        schema_version,
        database_file: database_file.into(),
        database_bytes,
        database_sha256,
        file_count: digests.len(),
        files_bytes,
        files: digests,
        audit_seq,
        audit_hash,
    };
    let mut f = private_file(&dir.join(MANIFEST))?;
    f.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    f.sync_all()?;
    Ok(manifest)
}

/// The complete backups under `dir` (with a manifest), oldest first.
pub fn list_backups(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(found);
    };
    for e in entries {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX) && e.path().join(MANIFEST).is_file() {
            found.push(e.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Reads and checks a backup: the database copy matches its sha256, every attachment is there
/// and matches its name, and this version of the platform knows its schema.
pub fn verify_backup(dir: &Path) -> anyhow::Result<Manifest> {
    let manifest_path = dir.join(MANIFEST);
    if !manifest_path.is_file() {
        if let Some(newest) = list_backups(dir)?.last() {
            bail!(
                "{} 不是一份备份，而是存放备份的目录：请指定其中一份，最新的是 {}",
                dir.display(),
                newest.display()
            );
        }
        bail!("{} 中没有 {MANIFEST}，不是一份备份", dir.display());
    }
    let text = std::fs::read_to_string(&manifest_path)?;
    let m: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{} 无法解析", manifest_path.display()))?;
    ensure!(m.format == FORMAT, "备份格式 {} 无法识别", m.format);
    ensure!(
        m.database_file == SQLITE_FILE || m.database_file == PG_DUMP_FILE,
        "清单中的数据库文件名无效：{}",
        m.database_file
    );
    let (sha, bytes) = digest_of(&dir.join(&m.database_file))
        .with_context(|| format!("备份中缺少数据库文件 {}", m.database_file))?;
    ensure!(
        sha == m.database_sha256 && bytes == m.database_bytes,
        "数据库文件 {} 与清单中的 sha256 不符：备份已损坏或被改动",
        m.database_file
    );
    ensure!(m.files.len() == m.file_count, "清单中的附件数与列表不一致");
    for d in &m.files {
        ensure!(
            d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()),
            "清单中的附件摘要无效：{d}"
        );
        let (sha, _) = digest_of(&file_path(&dir.join("files"), d))
            .with_context(|| format!("备份中缺少附件 {d}"))?;
        ensure!(sha == *d, "附件 {d} 的内容与其摘要不符：备份已损坏");
    }
    let known = Store::known_schema_version(match m.backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => bail!("清单中的数据库类型无效：{other}"),
    });
    ensure!(
        m.schema_version <= known,
        "备份来自较新版本的平台（数据库结构版本 {}，本程序只认识到 {known}）：请用相应版本恢复",
        m.schema_version
    );
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://u:p%40ss:w@h:5432/db?sslmode=require"),
            (
                "postgres://u@h:5432/db?sslmode=require".to_string(),
                Some("p@ss:w".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://u@h/db"),
            ("postgres://u@h/db".to_string(), None)
        );
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///var/x/xiaodi.db?mode=rwc").unwrap(),
            PathBuf::from("/var/x/xiaodi.db")
        );
        assert_eq!(
            sqlite_path("sqlite://./d/xiaodi.db").unwrap(),
            PathBuf::from("./d/xiaodi.db")
        );
        assert!(sqlite_path("sqlite::memory:").is_err());
    }
}
