//! The cost of the tamper-evident audit trail and of backups: one audited event with and without
//! the hash chain, chaining an existing log (migration 0009 on a live database), walking the chain
//! (`xiaodi audit verify`), and an online backup (`xiaodi backup`). Run: `cargo bench --bench audit`
//! (SQLite), with `XIAODI_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` for
//! PostgreSQL too; `XIAODI_BENCH_AUDIT` entries (default 100,000). Figures go into BENCHMARKS.md.

use std::time::{Duration, Instant};
use xiaodi::store::{Actor, AuditEntry, Store};

fn entries() -> usize {
    std::env::var("XIAODI_BENCH_AUDIT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {name:<52} p50 {:>8.2} ms   p95 {:>8.2} ms   (n={})",
        p(0.5).as_secs_f64() * 1e3,
        p(0.95).as_secs_f64() * 1e3,
        samples.len()
    );
}

fn entry(i: usize) -> AuditEntry<'static> {
    AuditEntry {
        action: "view",
        entity: "team_member",
        entity_id: Some("0b8f7c1e-3f4d-4c55-9a57-0d5b7e1f2a3c"),
        before: None,
        after: Some(serde_json::json!({ "via": "web", "rows": i % 40 })),
    }
}

async fn run(label: &str, url: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let config = xiaodi::config::Config {
        addr: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: url.into(),
        log_level: "warn".into(),
        admin_password: Some("Bench#2024pw".into()),
        ..Default::default()
    };
    let app = xiaodi::Application::build(config).await?;
    let store: Store = app.state().store.clone();
    let actor = Actor {
        user_id: None,
        name: "bench".into(),
        ip: "127.0.0.1".into(),
    };

    // One event in its own transaction, as a sign-in or a read records it.
    let mut chained = Vec::new();
    for i in 0..300 {
        let t = Instant::now();
        store.audit(&actor, 1, entry(i)).await?;
        chained.push(t.elapsed());
    }
    // The same row without the chain (what an append cost before 0009): one insert, one commit.
    let mut plain = Vec::new();
    for i in 0..300 {
        let t = Instant::now();
        let mut tx = store.pool().begin().await?;
        sqlx::query("insert into audit_events (id, at, actor_name, action, entity, entity_id, after_json, ip) values ($1, 1, 'bench', 'view', 'team_member', 'x', $2, '127.0.0.1')")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(serde_json::json!({ "via": "web", "rows": i % 40 }).to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        plain.push(t.elapsed());
    }
    println!("{label}:");
    report("one audited event, hash-chained (Store::audit)", chained);
    report("one audit row without the chain (before 0009)", plain);
    // Those unchained rows are what a log written before 0009 looks like: add more, chain them.
    let n = entries();
    let t = Instant::now();
    let mut tx = store.pool().begin().await?;
    for i in 0..n {
        sqlx::query("insert into audit_events (id, at, actor_name, action, entity, entity_id, after_json, ip) values ($1, $2, 'bench', 'view', 'team_member', 'x', $3, '127.0.0.1')")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(i as i64)
            .bind(serde_json::json!({ "via": "web", "rows": i % 40 }).to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    println!(
        "  seeded {n} unchained entries in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    sqlx::query("update audit_chain set legacy_pending = 1")
        .execute(store.pool())
        .await?;
    let t = Instant::now();
    let count = store.chain_legacy_audit().await?;
    println!(
        "  chaining {count} earlier entries (migration 0009 on a live log): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let mut walks = Vec::new();
    let mut total = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let r = store.verify_audit_chain().await?;
        walks.push(t.elapsed());
        anyhow::ensure!(r.is_intact(), "{:?}", r.fault);
        total = r.entries;
    }
    report(&format!("audit verify, {total} entries"), walks);
    let backups = tempfile::tempdir()?;
    let mut runs = Vec::new();
    let mut size = 0;
    for i in 0..3 {
        let t = Instant::now();
        let (_, m) = xiaodi::backup::backup(
            &store,
            &app.state().files,
            url,
            backups.path(),
            1_800_000_000_000 + i * 1000,
        )
        .await?;
        runs.push(t.elapsed());
        size = m.database_bytes;
    }
    report(
        &format!("backup, database copy of {:.1} MB", size as f64 / 1e6),
        runs,
    );
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo test --benches` runs benches in test mode; only a real `cargo bench` measures.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    if std::env::var("XIAODI_BENCH_ONLY").as_deref() != Ok("postgres") {
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        run("SQLite", &url, dir.path()).await?;
    }
    if let Ok(url) = std::env::var("XIAODI_BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let name = format!("xiaodi_bench_audit_{}", std::process::id());
        let mut admin = sqlx::AnyConnection::connect(&url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut admin)
            .await?;
        let db_url = format!(
            "{}/{name}",
            url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url)
        );
        let pg_dir = tempfile::tempdir()?;
        let result = run("PostgreSQL", &db_url, pg_dir.path()).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {name} with (force)"
        )))
        .execute(&mut admin)
        .await?;
        result?;
    }
    Ok(())
}
