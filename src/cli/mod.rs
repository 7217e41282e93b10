//! Subcommands besides `serve`: accounts and imports from the command line.
//!
//! The command line is the server operator's: whoever runs it holds the host and its database
//! already. It is the one way to create and mend the three administrators' accounts
//! (三权分立: no administrator can change an administrator's account on the platform), and the
//! accounts it creates are admitted at once.

use crate::config::Config;
use crate::domain::sheet::RowError;
use crate::imports::read_sheet;
use crate::services::accounts::{
    FirstPassword, NewAccount, SheetFailure, create_account, create_users_from_sheet,
};
use crate::store::{Actor, PairingImportError, Store};
use anyhow::Context;

async fn open(config: &Config) -> anyhow::Result<Store> {
    let clock = crate::clock::Clock::default();
    let (store, prepared) = crate::startup::prepare(config, &clock).await?;
    if let Some(pw) = prepared.generated_admin_password {
        eprintln!("已创建初始管理员 admin，初始密码（只显示这一次）：{pw}");
    }
    Ok(store)
}

fn operator() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    Actor::system(&format!("命令行:{who}"))
}

fn print_row_errors(errors: &[RowError]) -> anyhow::Error {
    for e in errors {
        eprintln!("  {e}");
    }
    anyhow::anyhow!("共 {} 处错误，未写入任何数据", errors.len())
}

pub async fn user_add(
    config: &Config,
    username: &str,
    org: &str,
    role: &str,
    display_name: Option<&str>,
) -> anyhow::Result<()> {
    let store = open(config).await?;
    let mut password = String::new();
    use tokio::io::AsyncBufReadExt;
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut password)
        .await
        .context("无法从标准输入读取密码")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let account = NewAccount {
        username: username.into(),
        display_name: display_name.unwrap_or(username).into(),
        org_name: org.into(),
        role: role.into(),
    };
    let now = crate::clock::Clock::default().now_ms();
    create_account(
        &store,
        &operator(),
        now,
        account,
        FirstPassword::Given(password),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("已创建用户 {username}（{role}，{org}）");
    Ok(())
}

pub async fn user_import(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let rows = read_sheet(&bytes).map_err(anyhow::Error::msg)?;
    let store = open(config).await?;
    let now = crate::clock::Clock::default().now_ms();
    match create_users_from_sheet(&store, &operator(), now, &rows).await {
        Ok(created) => {
            println!(
                "已创建 {} 个用户。初始密码只显示这一次，首次登录须修改：",
                created.len()
            );
            println!("username,initial_password");
            for (u, p) in created {
                println!("{u},{p}");
            }
            Ok(())
        }
        Err(SheetFailure::Rows(errors)) => Err(print_row_errors(&errors)),
        Err(SheetFailure::Store(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

pub async fn import_pairings(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let rows = read_sheet(&bytes).map_err(anyhow::Error::msg)?;
    let store = open(config).await?;
    let now = crate::clock::Clock::default().now_ms();
    match store.import_pairings(&rows, &operator(), now).await {
        Ok(s) => {
            println!(
                "已导入 {} 个结对组、{} 条成员关系，新建 {} 个单位",
                s.groups, s.memberships, s.organisations_created
            );
            Ok(())
        }
        Err(PairingImportError::Rows(errors)) => Err(print_row_errors(&errors)),
        Err(e) => Err(e.into()),
    }
}

/// The account named `username`, or an error that says it does not exist.
async fn account(store: &Store, username: &str) -> anyhow::Result<crate::store::UserRow> {
    store
        .find_user_by_username(username.trim())
        .await?
        .ok_or_else(|| anyhow::anyhow!("没有用户名为“{}”的账户", username.trim()))
}

/// Gives any account (administrators' included) a new generated password to be changed at its
/// next sign-in, and prints it once.
pub async fn user_reset_password(config: &Config, username: &str) -> anyhow::Result<()> {
    let store = open(config).await?;
    let user = account(&store, username).await?;
    let now = crate::clock::Clock::default().now_ms();
    let password = crate::services::accounts::reset_password(&store, &operator(), now, &user.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "已重置 {} 的密码。新的初始密码（只显示这一次，登录后须修改）：{password}",
        user.username
    );
    Ok(())
}

/// Lifts any account's lock-out.
pub async fn user_unlock(config: &Config, username: &str) -> anyhow::Result<()> {
    let store = open(config).await?;
    let user = account(&store, username).await?;
    let now = crate::clock::Clock::default().now_ms();
    store.unlock_user(&operator(), now, &user).await?;
    println!("已解除 {} 的锁定", user.username);
    Ok(())
}

/// Disables or enables any account (disabling ends its sessions).
pub async fn user_set_disabled(
    config: &Config,
    username: &str,
    disabled: bool,
) -> anyhow::Result<()> {
    let store = open(config).await?;
    let user = account(&store, username).await?;
    let now = crate::clock::Clock::default().now_ms();
    store
        .set_user_disabled(&operator(), now, &user, disabled)
        .await?;
    println!(
        "已{} {}",
        if disabled { "停用" } else { "启用" },
        user.username
    );
    Ok(())
}

/// Resets a user's second factor from the server's command line (a lost phone, when no
/// administrator who may do it on the web can sign in). Audited as the operator.
pub async fn user_reset_second_factor(config: &Config, username: &str) -> anyhow::Result<()> {
    let store = open(config).await?;
    let now = crate::clock::Clock::default().now_ms();
    let user =
        crate::services::second_factor::reset_by_operator(&store, &operator(), username, now)
            .await
            .map_err(|e| match e {
                crate::services::ServiceError::NotFound => {
                    anyhow::anyhow!("没有用户名为“{}”的用户", username.trim())
                }
                other => anyhow::anyhow!("{other}"),
            })?;
    println!(
        "已重置 {} 的第二因素：其登录已全部退出，下次登录时须重新设置身份验证器",
        user.username
    );
    Ok(())
}

/// `xiaodi backup DIR`: an online backup of the database and attachments into a new directory
/// under `dir`, while the server may be running.
pub async fn backup(config: &Config, dir: &std::path::Path) -> anyhow::Result<()> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        let db = config.data_dir.join("xiaodi.db");
        anyhow::ensure!(
            !config.database_url.trim().is_empty() || db.exists(),
            "数据库文件 {} 不存在：请用 --data-dir 或 --database-url 指向要备份的平台",
            db.display()
        );
    }
    let store = open(config).await?;
    let files = config.file_store()?;
    let now = crate::clock::Clock::default().now_ms();
    let (path, m) = crate::backup::backup(&store, &files, &url, dir, now).await?;
    crate::backup::record(&store, &path, &m, &operator().name, now).await;
    println!("已备份到 {}", path.display());
    println!(
        "  数据库 {}（{} 字节，sha256 {}，结构版本 {}）",
        m.database_file, m.database_bytes, m.database_sha256, m.schema_version
    );
    println!("  附件 {} 个，共 {} 字节", m.file_count, m.files_bytes);
    println!(
        "  审计哈希链：到第 {} 条，哈希 {}",
        m.audit_seq, m.audit_hash
    );
    Ok(())
}

/// `xiaodi restore DIR [--force]`: checks the backup against its manifest, then writes it into
/// the configured database and file store. The server must be stopped. A backup whose audit chain
/// is broken, or does not reach the head its manifest recorded, is refused (non-zero exit) and no
/// `backup.restore` entry is chained onto it.
pub async fn restore(config: &Config, dir: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let restored = crate::backup::restore(config, dir, force).await?;
    let m = &restored.manifest;
    println!(
        "已从 {} 恢复：{} 的数据库（结构版本 {}），附件 {} 个（新写入 {} 个）",
        dir.display(),
        m.created_at,
        m.schema_version,
        m.file_count,
        restored.files_written
    );
    let store = open(config).await?;
    let now = crate::clock::Clock::default().now_ms();
    let entry = crate::store::AuditEntry {
        action: "backup.restore",
        entity: "backup",
        entity_id: dir.file_name().and_then(|n| n.to_str()),
        before: None,
        after: Some(
            serde_json::json!({ "created_at": m.created_at, "database_sha256": m.database_sha256 }),
        ),
    };
    store.audit(&operator(), now, entry).await?;
    println!(
        "审计哈希链完好：共 {} 条，与备份清单记下的第 {} 条一致",
        restored.audit.entries, m.audit_seq
    );
    Ok(())
}

/// `xiaodi audit verify [--against BACKUP]`: walks the audit hash chain and names the first
/// broken or missing link; with a backup, also checks that the entry its manifest recorded as the
/// chain's head still has the same hash (an anchor kept outside the database).
pub async fn audit_verify(
    config: &Config,
    against: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let anchor = match against {
        Some(dir) => {
            let text = std::fs::read_to_string(dir.join(crate::backup::MANIFEST))
                .with_context(|| format!("无法读取 {} 中的备份清单", dir.display()))?;
            let m: crate::backup::Manifest = serde_json::from_str(&text)?;
            Some(m)
        }
        None => None,
    };
    let store = open(config).await?;
    let report = store.verify_audit_chain().await?;
    if let Some(f) = report.fault {
        anyhow::bail!(
            "审计日志哈希链断裂（断点前完好 {} 条）：{f}",
            report.entries
        );
    }
    if let Some(m) = anchor
        && m.audit_seq > 0
    {
        let now = store.audit_hash_at(m.audit_seq).await?;
        anyhow::ensure!(
            now.as_deref() == Some(m.audit_hash.as_str()),
            "第 {} 条审计记录与备份（{}）时记下的哈希不符：此后审计日志被整体改写",
            m.audit_seq,
            m.created_at
        );
        println!(
            "与备份（{}）时的链头第 {} 条一致",
            m.created_at, m.audit_seq
        );
    }
    println!(
        "审计日志哈希链完好：共 {} 条，链头第 {} 条，哈希 {}",
        report.entries, report.head_seq, report.head_hash
    );
    Ok(())
}

/// `xiaodi plan check FILE`: parses and validates a plan file; prints its summary, or every
/// problem found (and fails).
pub fn plan_check(file: &std::path::Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} 不是 UTF-8 编码的文本文件", file.display()))?;
    match crate::domain::plan::Plan::check(&text) {
        Ok(plan) => {
            print!("{}", plan.summary());
            Ok(())
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("  {p}");
            }
            Err(anyhow::anyhow!(
                "方案文件 {} 无效：共 {} 处错误",
                file.display(),
                problems.len()
            ))
        }
    }
}

/// `demo generate`: fills a fresh database with generated data, a progress bar on stderr.
pub async fn demo_generate(config: &Config, scale: &str, seed: u64) -> anyhow::Result<()> {
    use crate::demo::{FIRST_YEAR, LAST_YEAR, Options, Progress, Scale, generate};
    use std::io::Write;
    let scale = Scale::parse(scale)
        .ok_or_else(|| anyhow::anyhow!("未知的规模“{scale}”：应为 dongguan、city 或 province"))?;
    let store = open(config).await?;
    let started = std::time::Instant::now();
    let bar = |p: Progress| {
        const WIDTH: usize = 30;
        let filled = (p.done * WIDTH).checked_div(p.total).unwrap_or(WIDTH);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{} [{}{}] {}/{} {:>4.0} s",
            p.stage,
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            p.done,
            p.total,
            started.elapsed().as_secs_f64()
        );
        if p.done == p.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    };
    let options = Options {
        scale,
        seed,
        years: LAST_YEAR - FIRST_YEAR + 1,
    };
    let generated = generate(&store, options, bar).await?;
    store.close().await;
    println!(
        "已生成 {} 规模的演示数据（种子 {seed}，{FIRST_YEAR}–{LAST_YEAR} 年）：{} 个结对组、{} 所学校，共 {} 行，用时 {:.1} 秒（生成与校验 {:.1} 秒，写入 {:.1} 秒，analyze {:.1} 秒）",
        scale.as_str(),
        generated.groups.len(),
        generated.schools.len(),
        generated.total_rows(),
        started.elapsed().as_secs_f64(),
        generated.built.as_secs_f64(),
        generated.written.as_secs_f64(),
        generated.analysed.as_secs_f64(),
    );
    for (table, n) in &generated.rows {
        println!("  {table:<28} {n:>10}");
    }
    Ok(())
}

/// 历史补录 from the command line: checks the workbook (and the zip of files it names) as the
/// bureau user `by`, prints what it would write and every problem, and writes it all when there
/// is none (unless `dry_run`). Fails (exit code 1) when there are problems.
pub async fn import_history(
    config: &Config,
    workbook: &std::path::Path,
    files: Option<&std::path::Path>,
    by: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    use crate::services::workspace::{Upload, Writer};
    let read = |p: &std::path::Path, max: usize| -> anyhow::Result<Upload> {
        let size = std::fs::metadata(p)
            .with_context(|| format!("无法读取 {}", p.display()))?
            .len();
        anyhow::ensure!(
            size <= max as u64,
            "{} 大小为 {:.1} MB，超过 {} MB 上限",
            p.display(),
            size as f64 / 1048576.0,
            max / 1048576
        );
        Ok(Upload {
            file_name: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: std::fs::read(p).with_context(|| format!("无法读取 {}", p.display()))?,
        })
    };
    let workbook = read(workbook, crate::imports::MAX_SHEET_BYTES)?;
    let files = files
        .map(|p| read(p, crate::services::backfill::MAX_FILES_BYTES))
        .transpose()?;
    let store = open(config).await?;
    let user = account(&store, by).await?;
    anyhow::ensure!(!user.disabled, "用户“{by}”已停用");
    let viewer = crate::services::access::Viewer {
        user_id: user.id.clone(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        org_id: user.org_id.clone(),
        org_name: user.org_name.clone(),
        role: user.role,
        csrf_token: String::new(),
        session_hash: String::new(),
        must_change_password: false,
        ip: "命令行".into(),
    };
    let clock = crate::clock::Clock::default();
    let file_store = config.file_store()?;
    let w = Writer {
        store: &store,
        files: &file_store,
        by: &viewer,
        now_ms: clock.now_ms(),
    };
    let plans = crate::store::plans::PlanCache::default();
    let outcome = crate::services::backfill::check_or_import(
        &w,
        &plans,
        clock.today(),
        &workbook,
        files.as_ref(),
        !dry_run,
    )
    .await
    .map_err(|e| match e {
        crate::services::ServiceError::Forbidden => {
            anyhow::anyhow!("只有市教育局用户可以导入历史补录，“{by}”不是")
        }
        other => anyhow::anyhow!("{other}"),
    })?;
    if !outcome.problems.is_empty() {
        eprintln!("{}（仅计无误的行）", outcome.counts_line());
        eprintln!("发现 {} 处错误，未写入任何数据：", outcome.problems.len());
        for p in &outcome.problems {
            eprintln!(
                "{} 第 {} 行 {}：{}{}",
                p.sheet,
                p.row,
                p.column,
                p.message,
                if p.hint.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", p.hint)
                }
            );
        }
        anyhow::bail!("历史补录未导入");
    }
    if outcome.imported.is_some() {
        println!("{}", outcome.counts_line().replacen("将导入", "已导入", 1));
    } else {
        println!(
            "{}。检查通过，未写入（去掉 --dry-run 即导入）",
            outcome.counts_line()
        );
    }
    Ok(())
}
