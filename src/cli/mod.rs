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
