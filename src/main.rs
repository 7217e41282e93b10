//! `xiaodi`: parses the command line and hands over to the library.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use xiaodi::config::{Config, Overrides};

#[derive(Parser, Debug)]
#[command(name = "xiaodi", version, about = "校地通：校地结对共建工作平台")]
struct Cli {
    /// Optional TOML configuration file.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Address to listen on (XIAODI_ADDR), default 127.0.0.1:8080.
    #[arg(long, global = true)]
    addr: Option<String>,
    /// Data directory for the embedded database and files (XIAODI_DATA_DIR), default ./xiaodi-data.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… (XIAODI_DATABASE_URL); default SQLite in the data directory.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Log filter (XIAODI_LOG_LEVEL), e.g. info or xiaodi=debug.
    #[arg(long, global = true)]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the platform (web UI and API).
    Serve,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data from a sheet.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Back up the database and attachments into a new directory under DIR (online: the server may run).
    Backup { dir: PathBuf },
    /// Restore a backup directory (made by `backup`) into the configured database and data directory.
    Restore {
        dir: PathBuf,
        /// Overwrite a data directory or database that already holds data (stop the server first).
        #[arg(long)]
        force: bool,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Measure the performance budget (SPEC §7) over HTTP: starts `serve` on the configured
    /// database with its clock on the next report due day, loads it, prints a Markdown table.
    Bench {
        /// Seconds each throughput phase runs.
        #[arg(long, default_value_t = 15)]
        duration: u64,
        /// Concurrent clients of the bare handler and group page phases.
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Clients browsing during the 28th.
        #[arg(long, default_value_t = 100)]
        browsers: usize,
        /// Seconds over which the schools submit on the 28th.
        #[arg(long, default_value_t = 60)]
        window: u64,
        /// Milliseconds a browsing client of the 28th reads a page before asking for the next.
        #[arg(long, default_value_t = 1000)]
        think_ms: u64,
        /// Requests of the matrix and monthly summary phases.
        #[arg(long, default_value_t = 10)]
        samples: usize,
        /// The matrix page's year (default: the year before the bench's month).
        #[arg(long)]
        year: Option<i16>,
        /// Also write the table to this file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run even on a database with people's accounts (the bench writes into it).
        #[arg(long)]
        force: bool,
    },
    /// Work with plan files (行动方案).
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Synthetic demonstration data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Subcommand, Debug)]
enum DemoCommand {
    /// Fill a fresh database (the preset only) with realistic, reproducible data for 2024–2028.
    Generate {
        /// dongguan (the preset's 8 groups), city (100 groups) or province (2,000 groups).
        #[arg(long, value_parser = ["dongguan", "city", "province"])]
        scale: String,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
enum PlanCommand {
    /// Parse and validate a plan file (TOML); print its summary, or every error and exit non-zero.
    Check { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the audit hash chain; name the first broken or missing link and exit non-zero.
    Verify {
        /// Also check the chain head recorded in this backup's manifest.
        #[arg(long)]
        against: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add one account, admitted at once; the password is read from standard input. The only
    /// way to create an administrator (sysadmin, secadmin, auditor).
    Add {
        #[arg(long)]
        username: String,
        /// Organisation name, e.g. 广东医科大学 (a village may be written 名称(所属镇街)).
        #[arg(long)]
        org: String,
        /// bureau, hq, school, town, village, sysadmin, secadmin or auditor.
        #[arg(long)]
        role: String,
        /// Display name; defaults to the user name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Create accounts from an xlsx or csv sheet (username, display_name, organisation, role), all or none.
    Import { file: PathBuf },
    /// Give an account (an administrator's included) a new generated password, to be changed at its next sign-in.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Lift an account's lock-out.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Remove a user's authenticator and recovery codes (a lost phone); they set up a new one
    /// at their next sign-in.
    ResetSecondFactor {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import a pairing table (columns of pairings-dongguan-2023.csv), all or none.
    Pairings { file: PathBuf },
    /// 历史补录: a workbook of past records (the template's sheets) and an optional zip of the
    /// files it names; checked first, written all or nothing when the check is clean.
    History {
        workbook: PathBuf,
        files: Option<PathBuf>,
        /// The bureau user the import is recorded as.
        #[arg(long = "as", value_name = "USERNAME")]
        by: String,
        /// Check only: print what would be imported and every problem, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        addr: cli.addr,
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        log_level: cli.log_level,
    };
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log_level)
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve => serve(config).await,
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    org,
                    role,
                    name,
                },
        } => xiaodi::cli::user_add(&config, &username, &org, &role, name.as_deref()).await,
        Command::User {
            command: UserCommand::Import { file },
        } => xiaodi::cli::user_import(&config, &file).await,
        Command::User {
            command: UserCommand::ResetPassword { username },
        } => xiaodi::cli::user_reset_password(&config, &username).await,
        Command::User {
            command: UserCommand::Unlock { username },
        } => xiaodi::cli::user_unlock(&config, &username).await,
        Command::User {
            command: UserCommand::Disable { username },
        } => xiaodi::cli::user_set_disabled(&config, &username, true).await,
        Command::User {
            command: UserCommand::Enable { username },
        } => xiaodi::cli::user_set_disabled(&config, &username, false).await,
        Command::User {
            command: UserCommand::ResetSecondFactor { username },
        } => xiaodi::cli::user_reset_second_factor(&config, &username).await,
        Command::Import {
            command: ImportCommand::Pairings { file },
        } => xiaodi::cli::import_pairings(&config, &file).await,
        Command::Import {
            command:
                ImportCommand::History {
                    workbook,
                    files,
                    by,
                    dry_run,
                },
        } => xiaodi::cli::import_history(&config, &workbook, files.as_deref(), &by, dry_run).await,
        Command::Bench {
            duration,
            clients,
            browsers,
            window,
            think_ms,
            samples,
            year,
            out,
            force,
        } => {
            let opts = xiaodi::bench::Options {
                duration: std::time::Duration::from_secs(duration),
                clients,
                browsers,
                window: std::time::Duration::from_secs(window),
                think: std::time::Duration::from_millis(think_ms),
                samples: samples.max(1),
                year,
                force,
            };
            let table = xiaodi::bench::run(&config, &opts).await?;
            if let Some(out) = out {
                std::fs::write(&out, table)?;
            }
            Ok(())
        }
        Command::Backup { dir } => xiaodi::cli::backup(&config, &dir).await,
        Command::Restore { dir, force } => xiaodi::cli::restore(&config, &dir, force).await,
        Command::Audit {
            command: AuditCommand::Verify { against },
        } => xiaodi::cli::audit_verify(&config, against.as_deref()).await,
        Command::Plan {
            command: PlanCommand::Check { file },
        } => xiaodi::cli::plan_check(&file),
        Command::Demo {
            command: DemoCommand::Generate { scale, seed },
        } => xiaodi::cli::demo_generate(&config, &scale, seed).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let app = xiaodi::Application::build(config).await?;
    let p = &app.prepared;
    if p.preset_loaded {
        println!("已加载预置方案：东教通〔2023〕15号（8 个结对组）");
    }
    let url = format!("http://{}", app.local_addr());
    println!("校地通已启动：{url}");
    match (&p.generated_admin_password, p.admin_created) {
        (Some(pw), _) => println!(
            "初始管理员 用户名：admin  密码：{pw}\n（此密码只显示这一次，首次登录后须修改）"
        ),
        (None, true) => {
            println!("初始管理员 用户名：admin  密码：XIAODI_ADMIN_PASSWORD 中设置的密码")
        }
        _ => println!("请用已有账户登录。"),
    }
    if p.admin_created {
        println!(
            "三权分立的三位管理员请在服务器上用命令行创建（密码从标准输入读取）：\n  xiaodi user add --username <名> --org <市教育局名称> --role sysadmin|secadmin|auditor"
        );
    }
    app.run_until_stopped().await
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
