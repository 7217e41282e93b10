//! Building and running the application: open the database, migrate, load the preset on first
//! start, create the first administrator, then serve.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::plan::{DONGGUAN_2023_PAIRINGS, DONGGUAN_2023_PLAN, Plan};
use crate::services::accounts::{self, FirstPassword, NewAccount};
use crate::state::AppState;
use crate::store::{Actor, Store};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What first start did, for the operator to read once.
#[derive(Debug, Default)]
pub struct Prepared {
    pub preset_loaded: bool,
    /// The generated password of the first `admin`, when one was generated.
    pub generated_admin_password: Option<String>,
    pub admin_created: bool,
}

/// Opens (and creates) the database, migrates it, and on an empty database loads the
/// Dongguan 2023 preset and creates the first administrator.
pub async fn prepare(config: &Config, clock: &Clock) -> anyhow::Result<(Store, Prepared)> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("无法创建数据目录 {}", config.data_dir.display()))?;
    }
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    keep_private(&config.data_dir)?;
    if let Ok(db) = crate::backup::sqlite_path(&url) {
        keep_database_private(&db)?;
    }
    let mut prepared = Prepared::default();
    if !store.has_any_plan().await? {
        let rows = preset_pairing_rows()?;
        let loaded = store
            .load_preset(
                DONGGUAN_2023_PLAN,
                &rows,
                &Actor::system("系统初始化"),
                clock.now_ms(),
            )
            .await;
        match loaded {
            Ok(_) => prepared.preset_loaded = true,
            // Another instance starting at the same moment loaded it first (one transaction, so
            // either all of it is there or none): go on with theirs.
            Err(_) if store.has_any_plan().await? => {}
            Err(e) => return Err(e.context("加载东莞 2023 预置方案失败")),
        }
    }
    if store.count_users().await? == 0 {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).map_err(anyhow::Error::msg)?;
        let (password, generated) = match &config.admin_password {
            Some(p) if !p.is_empty() => (FirstPassword::Given(p.clone()), false),
            _ => (FirstPassword::Generated, true),
        };
        let admin = NewAccount {
            username: "admin".into(),
            display_name: "系统初始管理员".into(),
            org_name: store
                .current_plan()
                .await?
                .map(|p| p.plan.organisations.bureau)
                .unwrap_or(plan.organisations.bureau),
            role: "bureau".into(),
        };
        let created = accounts::create_account(
            &store,
            &Actor::system("系统初始化"),
            clock.now_ms(),
            admin,
            password,
        )
        .await;
        let password = match created {
            Ok((_, password)) => password,
            // Another instance starting at the same moment created it first.
            Err(crate::store::StoreError::Conflict(_)) => return Ok((store, prepared)),
            Err(crate::store::StoreError::Invalid(e)) => anyhow::bail!(
                "无法创建初始管理员 admin：{e}（XIAODI_ADMIN_PASSWORD 须至少 8 位，包含大写、小写、数字、符号中的三类，不含用户名 admin，且不是常见密码）"
            ),
            Err(e) => anyhow::bail!("无法创建初始管理员 admin：{e}"),
        };
        prepared.admin_created = true;
        if generated {
            prepared.generated_admin_password = Some(password);
        }
    }
    Ok((store, prepared))
}

/// Names the codes of `two_factor_roles` that are no role: they are ignored, so a misspelt
/// role would sign in with a password alone.
fn warn_of_unknown_two_factor_roles(config: &Config) {
    let unknown = crate::services::second_factor::unknown_roles(config);
    if !unknown.is_empty() {
        tracing::warn!(
            unknown = ?unknown,
            roles = ?crate::services::second_factor::roles(config),
            "two_factor_roles 中有未知的角色代码，已忽略（这些代码的用户不会被要求第二因素）"
        );
    }
}

/// The data directory (database, attachments) readable by the server's own user only: other
/// users of the machine cannot open the files inside it, whatever each file's own mode.
pub(crate) fn keep_private(dir: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    if dir.is_dir() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("无法设置数据目录 {} 的权限", dir.display()))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The SQLite database file itself too (0600), wherever the URL puts it, in case it is copied
/// or its directory opened up; SQLite gives its -wal and -shm files the main file's mode.
fn keep_database_private(db: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let f = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        if f.is_file() {
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("无法设置 {} 的权限", f.display()))?;
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    Ok(())
}

/// The preset's pairing table as sheet rows.
pub fn preset_pairing_rows() -> anyhow::Result<Vec<Vec<String>>> {
    crate::imports::read_sheet(DONGGUAN_2023_PAIRINGS.as_bytes()).map_err(anyhow::Error::msg)
}

/// A built application, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    pub prepared: Prepared,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let clock = Clock::default();
        if let Some(start) = config.clock_start_ms()? {
            clock.advance_ms(start - clock.now_ms());
            tracing::warn!(now = %clock.now(), "the clock starts at clock_start (a drill or a benchmark, not production)");
        }
        Self::build_with_clock(config, clock).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let (store, prepared) = prepare(&config, &clock).await?;
        warn_of_unknown_two_factor_roles(&config);
        let listener = TcpListener::bind(&config.addr)
            .await
            .with_context(|| format!("无法监听 {}", config.addr))?;
        let files = config.file_store()?;
        let state = AppState {
            store,
            files,
            clock,
            signin: Arc::new(config.signin_limiter()),
            config: Arc::new(config),
            plans: Default::default(),
            public: Default::default(),
            judged: Default::default(),
            year_pages: Default::default(),
        };
        Ok(Self {
            listener,
            state,
            prepared,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // MLPS profile: accounts unused for 90 days are disabled once a day (and at sign-in).
        let sweep = self.state.config.mlps_profile.then(|| {
            tokio::spawn(crate::services::signin::daily_dormancy_sweep(
                self.state.store.clone(),
                self.state.clock.clone(),
            ))
        });
        let app = crate::app::router(self.state.clone());
        // The daily backup runs beside the server and stops with it.
        let daily = (!self.state.config.backup_dir.trim().is_empty())
            .then(|| tokio::spawn(crate::backup::run_daily(self.state.clone())));
        // 五(三) reminders: the scheduler ticks beside the server and stops with it.
        let reminders = tokio::spawn(crate::services::reminders::scheduler::run(
            self.state.clone(),
        ));
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        if let Some(daily) = daily {
            daily.abort();
        }
        if let Some(sweep) = sweep {
            sweep.abort();
        }
        reminders.abort();
        served?;
        self.state.store.close().await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_preset_table_parses() {
        let rows = super::preset_pairing_rows().unwrap();
        assert_eq!(
            crate::domain::pairing::parse_pairing_rows(&rows)
                .unwrap()
                .len(),
            8
        );
    }
}
