//! Subcommands besides `serve`: accounts and imports from the command line.

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
