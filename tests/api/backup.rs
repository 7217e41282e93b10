//! Backups taken while the platform writes, restored elsewhere: every write acknowledged before
//! the backup began is there, nothing acknowledged after it ended is; damaged backups and
//! occupied targets are refused; the daily backup runs at its hour and expires old ones.

use crate::helpers::{ADMIN_PASSWORD, Db, TestApp, group4, spawn_app_with};
use crate::on_both;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use xiaodi::store::Store;

const SCAN: &[u8] = b"%PDF-1.7\nthe signed agreement, kept in every backup\n";

fn xiaodi(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args(["--log-level", "error"])
        .args(args)
        .output()
        .unwrap()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

async fn upload_scan(app: &TestApp) {
    let g = group4(app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let form = Form::new()
        .text("csrf_token", app.csrf_of(&admin).await)
        .text("signed_on", "2024-01-20")
        .text("parties", g.university.clone())
        .text("parties", g.town.clone())
        .part("scans", Part::bytes(SCAN.to_vec()).file_name("协议.pdf"));
    let r = admin
        .post(app.url(&format!("/groups/{}/agreement", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// A target to restore into: an empty data directory, and for PostgreSQL an empty database.
async fn fresh_target(
    db: Db,
) -> (
    tempfile::TempDir,
    String,
    Option<crate::helpers::PgDatabase>,
) {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = crate::helpers::fresh_database_url(db, dir.path())
        .await
        .unwrap();
    let data = dir.path().join("data");
    // The SQLite file goes inside the data directory, as `serve` would put it.
    let url = match db {
        Db::Sqlite => format!("sqlite://{}", data.join("xiaodi.db").display()),
        Db::Postgres => url,
    };
    (dir, url, pg)
}

/// Writers keep adding team members through the API; `xiaodi backup` runs as its own process
/// meanwhile; the backup is restored into an empty target with `xiaodi restore`.
async fn a_backup_under_write_load_restores_every_acknowledged_write(app: TestApp) {
    upload_scan(&app).await;
    let g = group4(&app).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    // 0: before the backup began, 1: during it, 2: after it ended.
    let phase = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (phase, stop, acked) = (phase.clone(), stop.clone(), acked.clone());
        let (url, token, org) = (
            app.url(&format!("/api/v1/groups/{}/team", g.id)),
            token.clone(),
            g.university.clone(),
        );
        writers.push(tokio::spawn(async move {
            let client = crate::helpers::new_client();
            let mut done: Vec<(String, usize)> = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let sent_in = phase.load(Ordering::SeqCst);
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({
                        "person_name": format!("队员{w}-{i}"), "org_id": org, "role": "member",
                        "title": "junior", "school_leader": false, "phone": "13800131234",
                        "joined_on": "2024-01-01",
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                let id = r.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                // Acknowledged before the backup began (0): must be in it. Sent after it
                // ended (2): must not be. In between (1): either.
                let acked_in = phase.load(Ordering::SeqCst);
                let class = match (sent_in, acked_in) {
                    (_, 0) => 0,
                    (2, _) => 2,
                    _ => 1,
                };
                done.push((id, class));
                acked.fetch_add(1, Ordering::SeqCst);
                i += 1;
            }
            done
        }));
    }
    while acked.load(Ordering::SeqCst) < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let backups = tempfile::tempdir().unwrap();
    let into = backups.path().join("nightly");
    phase.store(1, Ordering::SeqCst);
    let out = {
        let (url, data, into) = (
            app.database_url.clone(),
            app.data_dir.to_str().unwrap().to_string(),
            into.to_str().unwrap().to_string(),
        );
        tokio::task::spawn_blocking(move || {
            xiaodi(&["--database-url", &url, "--data-dir", &data, "backup", &into])
        })
        .await
        .unwrap()
    };
    phase.store(2, Ordering::SeqCst);
    let during = acked.load(Ordering::SeqCst);
    while acked.load(Ordering::SeqCst) < during + 8 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut writes = Vec::new();
    for w in writers {
        writes.extend(w.await.unwrap());
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已备份到"));

    // One complete backup, private throughout.
    let made = xiaodi::backup::list_backups(&into).unwrap();
    assert_eq!(made.len(), 1);
    let backup = &made[0];
    assert_eq!(mode(&into), 0o700);
    assert_eq!(mode(backup), 0o700);
    assert_eq!(mode(&backup.join("manifest.json")), 0o600);
    let manifest = xiaodi::backup::verify_backup(backup).unwrap();
    assert_eq!(mode(&backup.join(&manifest.database_file)), 0o600);
    assert_eq!(manifest.file_count, 1);
    let digest = &manifest.files[0];
    assert_eq!(
        mode(&backup.join("files").join(&digest[..2]).join(digest)),
        0o600
    );
    assert_eq!(
        manifest.schema_version,
        Store::known_schema_version(app.store().backend())
    );

    let (target, url, _pg) = fresh_target(app.backend).await;
    let data = target.path().join("data");
    let out = xiaodi(&[
        "--database-url",
        &url,
        "--data-dir",
        data.to_str().unwrap(),
        "restore",
        backup.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = Store::connect(&url).await.unwrap();
    let present: std::collections::HashSet<String> = sqlx::query("select id from team_members")
        .fetch_all(restored.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect();
    let before: Vec<_> = writes.iter().filter(|(_, p)| *p == 0).collect();
    let after: Vec<_> = writes.iter().filter(|(_, p)| *p == 2).collect();
    assert!(before.len() >= 40 && !after.is_empty());
    for (id, _) in &before {
        assert!(
            present.contains(id),
            "acknowledged before the backup, lost: {id}"
        );
    }
    for (id, _) in &after {
        assert!(
            !present.contains(id),
            "written after the backup ended: {id}"
        );
    }
    // The attachment came back byte for byte, privately; the audit chain is intact.
    let file = data.join("files").join(&digest[..2]).join(digest);
    assert_eq!(std::fs::read(&file).unwrap(), SCAN);
    assert_eq!(mode(&data), 0o700);
    if app.backend == Db::Sqlite {
        // The live database, its log and the restored copy: the server's user only.
        assert_eq!(mode(&app.data_dir.join("test.db")), 0o600);
        assert_eq!(mode(&app.data_dir.join("test.db-wal")), 0o600);
        assert_eq!(mode(&data.join("xiaodi.db")), 0o600);
    }
    let report = restored.verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{:?}", report.fault);
    assert!(
        report.head_seq > manifest.audit_seq,
        "the restore itself is audited"
    );
    assert_eq!(
        restored.audit_hash_at(manifest.audit_seq).await.unwrap(),
        Some(manifest.audit_hash.clone())
    );
    restored.close().await;
    // The live log still agrees with the head the backup recorded.
    let out = xiaodi(&[
        "--database-url",
        &app.database_url,
        "--data-dir",
        app.data_dir.to_str().unwrap(),
        "audit",
        "verify",
        "--against",
        backup.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("一致"));
}

async fn take_backup(app: &TestApp, into: &Path) -> PathBuf {
    xiaodi::backup::backup(
        app.store(),
        &app.state.files,
        &app.database_url,
        into,
        app.clock.now_ms(),
    )
    .await
    .unwrap()
    .0
}

fn restore(url: &str, data: &Path, backup: &Path, force: bool) -> std::process::Output {
    let mut args = vec![
        "--database-url",
        url,
        "--data-dir",
        data.to_str().unwrap(),
        "restore",
        backup.to_str().unwrap(),
    ];
    if force {
        args.push("--force");
    }
    xiaodi(&args)
}

/// A restore never overwrites data unless told to, and refuses a backup that does not match its
/// manifest, naming what is wrong.
async fn restore_refuses_occupied_targets_and_damaged_backups(app: TestApp) {
    upload_scan(&app).await;
    let backups = tempfile::tempdir().unwrap();
    let backup = take_backup(&app, backups.path()).await;

    // Given the folder of backups instead of one backup: told which one is the newest.
    let (target, url, _pg) = fresh_target(app.backend).await;
    let data = target.path().join("data");
    let out = restore(&url, &data, backups.path(), false);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("最新的是"));

    let out = restore(&url, &data, &backup, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Again, into the now occupied target: refused, and it says how to insist.
    let out = restore(&url, &data, &backup, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--force"), "{err}");
    let restored = Store::connect(&url).await.unwrap();
    let n = |s: Store| async move {
        sqlx::query("select count(*) as n from audit_events")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .try_get::<i64, _>("n")
            .unwrap()
    };
    let entries = n(restored.clone()).await;
    restored.close().await;
    let out = restore(&url, &data, &backup, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = Store::connect(&url).await.unwrap();
    assert!(restored.verify_audit_chain().await.unwrap().is_intact());
    assert_eq!(
        n(restored.clone()).await,
        entries,
        "the backup again, plus one entry for this restore"
    );
    restored.close().await;

    // A changed database copy, then a missing attachment: refused before anything is written.
    let manifest = xiaodi::backup::verify_backup(&backup).unwrap();
    let db = backup.join(&manifest.database_file);
    let original = std::fs::read(&db).unwrap();
    let mut changed = original.clone();
    *changed.last_mut().unwrap() ^= 1;
    std::fs::write(&db, &changed).unwrap();
    let out = restore(&url, &data, &backup, true);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sha256 不符") && err.contains(&manifest.database_file),
        "{err}"
    );
    std::fs::write(&db, &original).unwrap();
    let digest = &manifest.files[0];
    std::fs::remove_file(backup.join("files").join(&digest[..2]).join(digest)).unwrap();
    let err = xiaodi::backup::verify_backup(&backup)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("缺少附件") && err.contains(digest.as_str()),
        "{err}"
    );
}

/// The triggers that keep the log append-only, dropped as an intruder would.
async fn drop_append_only_triggers(app: &TestApp) {
    let sql: &[&'static str] = match app.backend {
        Db::Sqlite => &[
            "drop trigger audit_events_no_update",
            "drop trigger audit_events_no_delete",
        ],
        Db::Postgres => &["drop trigger audit_events_no_update on audit_events"],
    };
    for s in sql.iter().copied() {
        sqlx::query(s).execute(app.store().pool()).await.unwrap();
    }
}

async fn restore_entries(url: &str) -> i64 {
    let s = Store::connect(url).await.unwrap();
    let n = sqlx::query("select count(*) as n from audit_events where action = 'backup.restore'")
        .fetch_one(s.pool())
        .await
        .map(|r| r.try_get::<i64, _>("n").unwrap())
        .unwrap_or(-1);
    s.close().await;
    n
}

/// A backup whose audit log was changed before it was taken matches its own sha256, but its
/// chain is broken: the restore is refused, exits non-zero, and chains no `backup.restore` entry
/// onto the broken log. A manifest whose recorded head does not match the copy is refused too.
async fn restore_refuses_a_broken_or_mismatched_audit_chain(app: TestApp) {
    upload_scan(&app).await;
    let backups = tempfile::tempdir().unwrap();
    let good = take_backup(&app, backups.path()).await;

    // The manifest's anchor no longer matches the copy (rewritten, or from another backup).
    let manifest_path = good.join(xiaodi::backup::MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seq = m["audit_seq"].as_i64().unwrap();
    assert!(seq > 0);
    m["audit_hash"] = serde_json::json!("e".repeat(64));
    std::fs::write(&manifest_path, m.to_string()).unwrap();
    let (target, url, _pg) = fresh_target(app.backend).await;
    let data = target.path().join("data");
    let out = restore(&url, &data, &good, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("第 {seq} 条审计记录的哈希与清单")),
        "{err}"
    );
    match app.backend {
        // Checked before it replaced anything: no database in the data directory.
        Db::Sqlite => {
            assert!(err.contains("未恢复"), "{err}");
            assert!(!data.join("xiaodi.db").exists());
            assert_eq!(
                std::fs::read_dir(&data).unwrap().count(),
                0,
                "nothing left behind"
            );
        }
        // Checked in place: said plainly, and nothing chained onto it.
        Db::Postgres => {
            assert!(err.contains("请勿启动服务"), "{err}");
            assert_eq!(restore_entries(&url).await, 0);
        }
    }
    std::fs::write(&manifest_path, &text).unwrap();
    drop(target);

    // An entry of the live log altered, then a backup taken: its copy is what it was given.
    drop_append_only_triggers(&app).await;
    sqlx::query("update audit_events set actor_name = '他人' where seq = 2")
        .execute(app.store().pool())
        .await
        .unwrap();
    let broken = take_backup(&app, backups.path()).await;
    xiaodi::backup::verify_backup(&broken).expect("the copy matches its sha256");
    let (target, url, _pg) = fresh_target(app.backend).await;
    let data = target.path().join("data");
    let out = restore(&url, &data, &broken, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("哈希链断裂") && err.contains("第 2 条审计记录"),
        "{err}"
    );
    match app.backend {
        Db::Sqlite => assert!(!data.join("xiaodi.db").exists()),
        Db::Postgres => assert_eq!(restore_entries(&url).await, 0),
    }

    // The good backup still restores, over the refused one (PostgreSQL) with --force.
    let out = restore(&url, &data, &good, app.backend == Db::Postgres);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("审计哈希链完好"));
    assert_eq!(restore_entries(&url).await, 1);
}

/// `xiaodi backup DIR` into a directory the operator already has keeps that directory's mode
/// (`/tmp` stays open to everyone); what the backup creates is private. A file in the previous
/// backup that no longer matches its name is not linked into the next one but copied afresh.
async fn backups_leave_the_operators_directory_and_do_not_link_damaged_files(app: TestApp) {
    use std::os::unix::fs::PermissionsExt;
    upload_scan(&app).await;
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let first = take_backup(&app, shared.path()).await;
    assert_eq!(
        std::fs::metadata(shared.path())
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o1777,
        "the operator's directory keeps its mode"
    );
    assert_eq!(mode(&first), 0o700);
    // Missing parents it makes itself are private.
    let nested = shared.path().join("a").join("b");
    let inner = take_backup(&app, &nested).await;
    assert_eq!(mode(&shared.path().join("a")), 0o700);
    assert_eq!(mode(&nested), 0o700);
    assert_eq!(mode(&inner), 0o700);

    // The attachment in the first backup is damaged; the next backup (one second later, so a
    // new directory) would have linked it.
    let m = xiaodi::backup::verify_backup(&first).unwrap();
    let digest = &m.files[0];
    let damaged = first.join("files").join(&digest[..2]).join(digest);
    std::fs::write(&damaged, b"not the scan any more").unwrap();
    app.clock.set_ms(app.clock.now_ms() + 1000);
    let second = take_backup(&app, shared.path()).await;
    assert_ne!(second, first);
    xiaodi::backup::verify_backup(&second).expect("the second backup holds the true file");
    let copied = second.join("files").join(&digest[..2]).join(digest);
    assert_eq!(std::fs::read(&copied).unwrap(), SCAN);
    use std::os::unix::fs::MetadataExt;
    assert_ne!(
        std::fs::metadata(&copied).unwrap().ino(),
        std::fs::metadata(&damaged).unwrap().ino(),
        "copied, not linked to the damaged file"
    );
    // An intact file is still linked (same inode), not copied again.
    app.clock.set_ms(app.clock.now_ms() + 1000);
    let third = take_backup(&app, shared.path()).await;
    let linked = third.join("files").join(&digest[..2]).join(digest);
    assert_eq!(
        std::fs::metadata(&linked).unwrap().ino(),
        std::fs::metadata(&copied).unwrap().ino()
    );
}

/// The daily backup: nothing before its hour; at the hour a backup, audited, and the ones older
/// than `backup_keep` days removed.
async fn the_daily_backup_runs_at_its_hour_and_expires_old_ones(db: Db) {
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().join("daily");
    // The server runs without its own daily task (its loop would race this test's moves of the
    // clock); the test runs the schedule's step itself, on the same state with the settings.
    let Some(app) = spawn_app_with(db, |_| {}).await else {
        return;
    };
    let mut state = app.state.clone();
    let mut config = (*state.config).clone();
    config.backup_dir = dir.to_str().unwrap().to_string();
    config.backup_hour = 3;
    config.backup_keep = 7;
    state.config = std::sync::Arc::new(config);
    let day = 86_400_000;
    let now = app.clock.now_ms();
    app.clock.set_ms(now - 10 * day);
    let old = take_backup(&app, &dir).await;
    app.clock.set_ms(now - 2 * day);
    let recent = take_backup(&app, &dir).await;
    app.clock.set_ms(now);

    // Noon on the pinned day: next due at 03:00 tomorrow.
    let due = xiaodi::backup::next_backup_at(app.clock.now(), 3);
    assert_eq!(due.as_millisecond() - now, 15 * 3_600_000);
    assert_eq!(xiaodi::backup::run_if_due(&state, due).await, due);
    assert_eq!(xiaodi::backup::list_backups(&dir).unwrap().len(), 2);

    app.clock.set_ms(due.as_millisecond());
    let next = xiaodi::backup::run_if_due(&state, due).await;
    assert_eq!(next.as_millisecond(), due.as_millisecond() + day);
    let left = xiaodi::backup::list_backups(&dir).unwrap();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&old), "the 10-day-old backup is removed");
    assert!(left.contains(&recent));
    // The day is claimed in the database: another instance (or this one) at the same due time
    // writes nothing more.
    assert_eq!(xiaodi::backup::run_if_due(&state, due).await, next);
    assert_eq!(xiaodi::backup::list_backups(&dir).unwrap(), left);
    assert!(
        left[1]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("xiaodi-")
    );
    let audited = app
        .text(
            "select actor_name from audit_events where action = 'backup.create' order by seq desc",
            &[],
        )
        .await;
    assert_eq!(audited, "定时备份");

    // The next day the backup cannot be written (its directory is a file): the day is given
    // back and this instance tries again in an hour; once it can write, that day is backed up.
    let blocked = backups.path().join("not-a-directory");
    std::fs::write(&blocked, b"x").unwrap();
    let mut failing = (*state.config).clone();
    failing.backup_dir = blocked.to_str().unwrap().to_string();
    let failing_state = xiaodi::AppState {
        config: std::sync::Arc::new(failing),
        ..state.clone()
    };
    app.clock.set_ms(next.as_millisecond());
    let again = xiaodi::backup::run_if_due(&failing_state, next).await;
    assert_eq!(again.as_millisecond(), next.as_millisecond() + 3_600_000);
    let claims = app
        .text(
            "select cast(count(*) as text) from scheduled_runs where job = 'backup.daily'",
            &[],
        )
        .await;
    assert_eq!(claims, "1", "only the first day stays claimed");
    app.clock.set_ms(again.as_millisecond());
    let after = xiaodi::backup::run_if_due(&state, again).await;
    assert_eq!(
        after.as_millisecond(),
        next.as_millisecond() + day,
        "the retry ran and the next is the day after"
    );
    assert_eq!(xiaodi::backup::list_backups(&dir).unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_backup_runs_at_its_hour_on_sqlite() {
    the_daily_backup_runs_at_its_hour_and_expires_old_ones(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_backup_runs_at_its_hour_on_postgres() {
    the_daily_backup_runs_at_its_hour_and_expires_old_ones(Db::Postgres).await;
}

on_both!(
    a_backup_under_write_load_restores_every_acknowledged_write,
    restore_refuses_occupied_targets_and_damaged_backups,
    restore_refuses_a_broken_or_mismatched_audit_chain,
    backups_leave_the_operators_directory_and_do_not_link_damaged_files,
);
