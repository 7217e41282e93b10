//! `xiaodi restore`: a checked backup written back into the configured database and file store.

use super::{
    Manifest, backend_name, file_path, make_private_dir, pg_command, private_dir, private_file,
    sqlite_path, verify_backup,
};
use crate::store::files::{CheckedFile, FileStore, sniff};
use crate::store::{Backend, ChainReport, Store};
use anyhow::{Context, bail, ensure};
use std::path::{Path, PathBuf};

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub files_written: usize,
    /// The restored audit chain, checked whole and against the manifest's anchor.
    pub audit: ChainReport,
}

/// Checks the audit chain of the database at `url`: intact, and the entry the manifest recorded
/// as the head at backup time still has the hash recorded then. A database copy that matches its
/// sha256 but not this was changed before the backup was taken, or the manifest was rewritten
/// to match a changed copy: either way its audit log cannot be trusted.
async fn check_audit(url: &str, m: &Manifest) -> anyhow::Result<ChainReport> {
    let store = Store::connect(url).await?;
    let checked = async {
        let report = store
            .verify_audit_chain()
            .await
            .context("无法检查备份中的审计日志")?;
        if let Some(f) = &report.fault {
            bail!(
                "备份中的审计日志哈希链断裂（断点前完好 {} 条）：{f}",
                report.entries
            );
        }
        if m.audit_seq > 0 {
            let at = store.audit_hash_at(m.audit_seq).await?;
            ensure!(
                at.as_deref() == Some(m.audit_hash.as_str()),
                "备份中第 {} 条审计记录的哈希与清单（{}）记下的不符：数据库副本或清单被改动过",
                m.audit_seq,
                m.created_at
            );
        }
        Ok(report)
    }
    .await;
    store.close().await;
    checked
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
    // Checked on either backend before the restore counts as done.
    let audit: ChainReport;
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
            // Checked before it replaces anything: a refused backup leaves the data directory as
            // it was.
            let checked = check_audit(&format!("sqlite://{}", tmp.display()), &m).await;
            let tmp_sides = |tmp: &Path| {
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
                }
            };
            tmp_sides(&tmp);
            match checked {
                Ok(report) => audit = report,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.context("未恢复：数据目录保持原样"));
                }
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
            // PostgreSQL's copy can only be read once restored: checked in place, and a fault
            // says plainly that the database now holds it.
            audit = check_audit(&config.database_url(), &m).await.context(
                "备份已写入数据库，但其审计日志不可信：请勿启动服务，先查明原因（可用 --force 恢复另一份备份）",
            )?;
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
            make_private_dir(&root)?;
        }
    }
    Ok(Restored {
        manifest: m,
        files_written,
        audit,
    })
}
