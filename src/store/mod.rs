//! Persistence over sqlx's `Any` driver: one set of SQL (with `$n` placeholders) for SQLite and
//! PostgreSQL, one migrations folder per backend with the same file names.

pub mod adjustments;
pub mod agreements;
pub mod annual_plans;
pub mod attachments;
mod audit;
pub mod backfill;
pub mod bases;
mod buckets;
pub mod cases;
pub mod commendations;
pub mod coordination;
pub mod evaluations;
pub mod expenses;
pub mod facts;
pub mod files;
mod groups;
pub mod hashing;
pub mod locks;
pub mod matters;
pub mod meetings;
pub mod monthly;
pub mod monthly_figures;
pub mod monthly_reports;
pub mod onsite;
mod ops;
mod orgs;
mod pairings;
pub mod plan_versions;
pub mod plans;
pub mod projects;
pub mod reminders;
mod rows;
pub mod second_factor;
mod sessions;
pub mod summaries;
pub mod team;
pub mod unlocks;
mod users;
pub mod work_plans;
pub mod workbench;
// 统计图表, 公开概览: projects per group and area.
pub mod project_counts;

pub use audit::{
    Actor, AuditEntry, AuditFilter, AuditRecord, ChainFault, ChainReport, GENESIS_HASH,
};
pub use groups::{GroupFilter, GroupMember, GroupRow, GroupScope, GroupView};
pub use orgs::{OrgFilter, OrgLookup, OrgRow, PlanRow, RegionRow};
pub use pairings::{ImportSummary, PairingImportError};
pub use sessions::{
    DEFAULT_LIFETIME_MS, IDLE_TIMEOUT_MS, NewSession, SessionKind, SessionRow, hash_token,
    random_token,
};
pub use users::{MAX_USERS_PER_IMPORT, NewUser, UserFilter, UserRow};

use crate::domain::ids::GroupId;
use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names. Anything else is an error, never a silent new SQLite file.
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            let scheme = url.split(':').next().unwrap_or("");
            anyhow::bail!("不支持的数据库地址类型“{scheme}”：应以 sqlite: 或 postgres:// 开头")
        }
    }
}

/// What [`Store::data_changes`] found written since a data version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChanges {
    /// The data version now.
    pub version: i64,
    /// Something every verdict or the group list reads (groups, memberships, organisations,
    /// plans) was written.
    pub everything: bool,
    /// Something the school rules read besides those (monthly reports) was written.
    pub schools: bool,
    /// The groups whose own records were written.
    pub groups: Vec<GroupId>,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The password hashing threads (see [`hashing`]).
    hasher: hashing::Hasher,
}

impl Store {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let backend = Backend::from_url(url)?;
        install_default_drivers();
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5));
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the one writer. synchronous=FULL: a committed
                    // write survives a power cut; the cost is a sync per commit, fine at this write rate.
                    conn.execute("pragma journal_mode = wal").await?;
                    conn.execute("pragma synchronous = full").await?;
                    conn.execute("pragma foreign_keys = on").await?;
                    conn.execute("pragma busy_timeout = 5000").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options
            .connect(&url)
            .await
            .with_context(|| format!("无法连接数据库（{}）", redact_url(&url)))?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        // One hashing thread per core: each hash keeps a core busy, so more would not go faster.
        let hasher = hashing::Hasher::start(cores);
        Ok(Self {
            pool,
            backend,
            hasher,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The data version (migration 0022): a number every committed write to a table the rule
    /// verdicts read has moved on, whichever instance or code path made it. Read it before the
    /// records: what is then loaded is at least as new as the number says.
    pub async fn data_version(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("select n from data_version where id = 1")
            .fetch_one(&self.pool)
            .await
    }

    /// The versions a group's page data stands on (migrations 0024 and 0030): everything's
    /// (`global_n`: groups, memberships, organisations, plans) and the group's own (its records).
    pub async fn group_version(&self, group: &GroupId) -> sqlx::Result<(i64, i64)> {
        let row = sqlx::query(
            "select v.global_n, coalesce(g.n, 0) as n from data_version v
             left join group_versions g on g.group_id = $1 where v.id = 1",
        )
        .bind(group.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("global_n")?, row.try_get("n")?))
    }

    /// What changed since data version `since` (migration 0024), read after the version: the
    /// groups whose own records were written since, whether the school rules' inputs were, and
    /// whether anything every verdict reads was (then nothing of an older judgement holds).
    pub async fn data_changes(&self, since: i64) -> sqlx::Result<DataChanges> {
        let row = sqlx::query("select n, global_n, schools_n from data_version where id = 1")
            .fetch_one(&self.pool)
            .await?;
        let (version, global_n, schools_n): (i64, i64, i64) = (
            row.try_get("n")?,
            row.try_get("global_n")?,
            row.try_get("schools_n")?,
        );
        let groups = sqlx::query_scalar::<_, String>(
            "select group_id from group_versions where n > $1 order by group_id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(DataChanges {
            version,
            everything: global_n > since,
            schools: schools_n > since,
            groups: groups.into_iter().map(GroupId::from_db).collect(),
        })
    }

    /// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
    /// taken at the start, waiting up to `busy_timeout` for another writer. A deferred `BEGIN`
    /// that reads first and writes later fails at once with SQLITE_BUSY when another writer
    /// committed in between (SQLite cannot upgrade a stale read snapshot, and does not wait), and
    /// with an audit entry written on every page view that happens under ordinary load.
    /// PostgreSQL's row locks need no such thing: a plain `BEGIN`.
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("begin immediate").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&self.pool).await.context("数据库迁移失败")?;
        // 0009 added the audit hash chain; the entries from before it are chained here, once.
        let chained = self
            .chain_legacy_audit()
            .await
            .context("无法将已有审计记录接入哈希链")?;
        if chained > 0 {
            tracing::info!(chained, "earlier audit entries added to the hash chain");
        }
        Ok(())
    }

    /// For `/healthz`: does the database answer?
    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A database URL with its password hidden, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A failure in the store that a caller may want to tell apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Invalid(#[from] crate::domain::FieldError),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Internal(anyhow::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The name of the violated unique constraint, if that is what failed.
pub(crate) fn unique_violation(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Some(
            d.constraint()
                .map(str::to_string)
                .unwrap_or_else(|| d.message().to_string()),
        ),
        _ => None,
    }
}

/// Whether `e` violates the unique constraint `name`. PostgreSQL reports the name; SQLite reports
/// the columns instead (`UNIQUE constraint failed: table.a, table.b`), which `sqlite_columns` gives.
pub(crate) fn violates_unique(e: &sqlx::Error, name: &str, sqlite_columns: &str) -> bool {
    unique_violation(e).is_some_and(|c| c == name || c.ends_with(sqlite_columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(
            Backend::from_url("mysql://u@h/db")
                .unwrap_err()
                .to_string()
                .contains("mysql")
        );
        assert!(Backend::from_url("xiaodi.db").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let sqlite = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"));
        assert!(!sqlite.is_empty());
        assert_eq!(
            sqlite,
            names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        );
    }
}
