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

use crate::store::files::{CheckedFile, FileStore, sniff};
use crate::store::{Backend, Store};
use anyhow::{Context, bail, ensure};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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

/// A directory only the server's user may open.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(0o700);
        b.create(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    b.create(path)
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
        if let Some(prev) = previous.as_ref().map(|p| file_path(p, d))
            && prev.is_file()
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

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub files_written: usize,
}

/// Restores the backup in `from` into the configured database and file store. Refuses a data
/// directory (SQLite) or database (PostgreSQL) that already holds data unless `force`; the
/// server must be stopped first.
pub async fn restore(
    config: &crate::config::Config,
    from: &Path,
    force: bool,
) -> anyhow::Result<Restored> {
    let m = verify_backup(from)?;
    let url = config.database_url();
    let backend = Backend::from_url(&url)?;
    ensure!(
        backend_name(backend) == m.backend,
        "这是 {} 数据库的备份，而配置的数据库是 {}",
        m.backend,
        backend_name(backend)
    );
    match backend {
        Backend::Sqlite => {
            let db = sqlite_path(&url)?;
            let data_dir = &config.data_dir;
            let occupied = std::fs::read_dir(data_dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
                || db.exists();
            ensure!(
                !occupied || force,
                "数据目录 {} 不是空的：恢复会覆盖其中的数据库和附件。确需覆盖，请先停止服务，再加 --force",
                data_dir.display()
            );
            private_dir(data_dir)?;
            if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                private_dir(parent)?;
            }
            // Copied beside the database, then renamed over it: the old file is replaced whole.
            let tmp = db.with_extension(format!("restore-{}", uuid::Uuid::new_v4().simple()));
            {
                let mut out = private_file(&tmp)?;
                let mut src = std::fs::File::open(from.join(&m.database_file))?;
                std::io::copy(&mut src, &mut out)?;
                out.sync_all()?;
            }
            // The old database's write-ahead log must not be replayed onto the restored file.
            for suffix in ["-wal", "-shm", "-journal"] {
                let side = PathBuf::from(format!("{}{suffix}", db.display()));
                if side.exists() {
                    std::fs::remove_file(&side)?;
                }
            }
            std::fs::rename(&tmp, &db)?;
        }
        Backend::Postgres => {
            let store = Store::connect(&url).await?;
            let tables = store.public_table_count().await?;
            store.close().await;
            ensure!(
                tables == 0 || force,
                "目标数据库中已有 {tables} 张表：恢复会删除并重建它们。确需覆盖，请先停止服务，再加 --force"
            );
            let dump = from.join(&m.database_file);
            let out = tokio::task::spawn_blocking(move || {
                let mut c = pg_command("pg_restore", &url);
                c.arg("--no-owner").arg("--exit-on-error");
                if tables > 0 {
                    c.arg("--clean").arg("--if-exists");
                }
                c.arg(&dump).output()
            })
            .await?
            .map_err(|e| anyhow::anyhow!("无法运行 pg_restore（{e}）：请安装 postgresql-client"))?;
            ensure!(
                out.status.success(),
                "pg_restore 失败：{}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    let store = config.file_store()?;
    let mut files_written = 0;
    for d in &m.files {
        let bytes = std::fs::read(file_path(&from.join("files"), d))?;
        let kind = sniff(&bytes).with_context(|| format!("附件 {d} 的类型无法识别"))?;
        let file = CheckedFile {
            file_name: d.clone(),
            kind,
            sha256: d.clone(),
            bytes,
        };
        if store.put(&file).await? {
            files_written += 1;
        }
    }
    if let FileStore::Local { .. } = store {
        let root = config.data_dir.join("files");
        if root.exists() {
            private_dir(&root)?;
        }
    }
    Ok(Restored {
        manifest: m,
        files_written,
    })
}

/// The backups under `dir` that retention removes: older than `keep_days` days at `now_ms`,
/// never the newest (a failed nightly run must not leave no backup at all).
pub fn expired_backups(backups: &[(PathBuf, i64)], now_ms: i64, keep_days: i64) -> Vec<PathBuf> {
    let newest = backups.iter().map(|(_, at)| *at).max();
    backups
        .iter()
        .filter(|(_, at)| Some(*at) != newest && now_ms - at > keep_days * 86_400_000)
        .map(|(p, _)| p.clone())
        .collect()
}

/// Removes the backups under `dir` older than `keep_days` (by their manifests' time).
pub fn prune_backups(dir: &Path, now_ms: i64, keep_days: i64) -> anyhow::Result<Vec<PathBuf>> {
    let mut dated = Vec::new();
    for b in list_backups(dir)? {
        let text = std::fs::read_to_string(b.join(MANIFEST))?;
        if let Ok(m) = serde_json::from_str::<Manifest>(&text) {
            dated.push((b, m.created_at_ms));
        }
    }
    let expired = expired_backups(&dated, now_ms, keep_days);
    for p in &expired {
        std::fs::remove_dir_all(p).with_context(|| format!("无法删除过期备份 {}", p.display()))?;
    }
    Ok(expired)
}

/// The next time the daily backup is due: `hour`:00 Asia/Shanghai, strictly after `now`.
pub fn next_backup_at(now: jiff::Timestamp, hour: u8) -> jiff::Timestamp {
    let tz = crate::clock::shanghai();
    let local = now.to_zoned(tz.clone());
    let today = local
        .date()
        .at(hour.min(23) as i8, 0, 0, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(now);
    if today > now {
        today
    } else {
        today + jiff::SignedDuration::from_hours(24)
    }
}

/// The daily backup inside `serve`: at `backup_hour` (Asia/Shanghai) a backup into `backup_dir`,
/// then the ones older than `backup_keep` days are removed. Checks once a minute whether the hour
/// has come; a failure is logged and retried the next day, it never stops the server. With
/// several instances on one PostgreSQL database, set `backup_dir` on one of them.
pub async fn run_daily(state: crate::AppState) {
    let c = state.config.clone();
    let mut due = next_backup_at(state.clock.now(), c.backup_hour);
    tracing::info!(dir = %c.backup_dir, next = %due, keep_days = c.backup_keep, "daily backup scheduled");
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        due = run_if_due(&state, due).await;
    }
}

/// One check of the schedule: when `due` has come (by the application's clock), the backup and
/// the removal of expired ones run; returns when the next one is due.
pub async fn run_if_due(state: &crate::AppState, due: jiff::Timestamp) -> jiff::Timestamp {
    let c = &state.config;
    let now = state.clock.now();
    if now < due {
        return due;
    }
    let dir = PathBuf::from(c.backup_dir.trim());
    let now_ms = now.as_millisecond();
    match backup(&state.store, &state.files, &c.database_url(), &dir, now_ms).await {
        Ok((path, m)) => {
            tracing::info!(path = %path.display(), files = m.file_count, audit_seq = m.audit_seq, audit_hash = %m.audit_hash, "daily backup written");
            record(&state.store, &path, &m, "定时备份", now_ms).await;
        }
        Err(e) => tracing::error!(error = %format!("{e:#}"), "daily backup failed"),
    }
    match prune_backups(&dir, now_ms, c.backup_keep) {
        Ok(removed) if !removed.is_empty() => {
            tracing::info!(removed = removed.len(), "expired backups removed")
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %format!("{e:#}"), "removing expired backups failed"),
    }
    next_backup_at(now, c.backup_hour)
}

/// Writes the backup into the audit log (after the snapshot, so it is in the next backup).
pub async fn record(store: &Store, path: &Path, m: &Manifest, who: &str, now_ms: i64) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let entry = crate::store::AuditEntry {
        action: "backup.create",
        entity: "backup",
        entity_id: Some(&name),
        before: None,
        after: Some(serde_json::json!({
            "database_sha256": m.database_sha256, "files": m.file_count,
            "audit_seq": m.audit_seq, "audit_hash": m.audit_hash,
        })),
    };
    if let Err(e) = store
        .audit(&crate::store::Actor::system(who), now_ms, entry)
        .await
    {
        tracing::error!(error = %e, "could not audit the backup");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse::<jiff::Zoned>().unwrap().timestamp()
    }

    #[test]
    fn the_daily_backup_is_due_at_the_hour_in_shanghai() {
        let next = next_backup_at(at("2026-06-15T01:59:59+08:00[Asia/Shanghai]"), 2);
        assert_eq!(next, at("2026-06-15T02:00:00+08:00[Asia/Shanghai]"));
        // At the hour itself the next one is tomorrow's (the one due now has just run).
        let next = next_backup_at(at("2026-06-15T02:00:00+08:00[Asia/Shanghai]"), 2);
        assert_eq!(next, at("2026-06-16T02:00:00+08:00[Asia/Shanghai]"));
        let next = next_backup_at(at("2026-06-15T23:30:00+08:00[Asia/Shanghai]"), 0);
        assert_eq!(next, at("2026-06-16T00:00:00+08:00[Asia/Shanghai]"));
    }

    #[test]
    fn retention_keeps_recent_backups_and_always_the_newest() {
        let day = 86_400_000;
        let now = 100 * day;
        let list = vec![
            (PathBuf::from("a"), now - 31 * day),
            (PathBuf::from("b"), now - 30 * day),
            (PathBuf::from("c"), now - day),
        ];
        assert_eq!(expired_backups(&list, now, 30), vec![PathBuf::from("a")]);
        // All old: the newest stays.
        let old = vec![
            (PathBuf::from("a"), now - 90 * day),
            (PathBuf::from("b"), now - 60 * day),
        ];
        assert_eq!(expired_backups(&old, now, 30), vec![PathBuf::from("a")]);
    }

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
