//! The tamper-evident audit trail: every entry is chained to the one before it by its hash, and
//! `verify` (the store function and `xiaodi audit verify`) names the first entry deleted, altered
//! or slipped in by hand. Reads of personal data, exports and downloads are audited too.

use crate::helpers::{ADMIN_PASSWORD, Db, PASSWORD, TestApp, group4};
use crate::on_both;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use sqlx::Row;
use xiaodi::store::{ChainFault, GENESIS_HASH, Store};

async fn exec(app: &TestApp, sql: &'static str) {
    sqlx::query(sql)
        .execute(app.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// What an intruder with the database's password or file does first: the triggers that keep the
/// log append-only are dropped (the chain, not the trigger, is what must catch the change).
async fn drop_append_only_triggers(app: &TestApp) {
    match app.backend {
        Db::Sqlite => {
            exec(app, "drop trigger audit_events_no_update").await;
            exec(app, "drop trigger audit_events_no_delete").await;
        }
        Db::Postgres => exec(app, "drop trigger audit_events_no_update on audit_events").await,
    }
}

async fn id_at(app: &TestApp, seq: i64) -> String {
    sqlx::query("select id from audit_events where seq = $1")
        .bind(seq)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}

/// Writes from many requests at once (sign-ins, failed sign-ins, direct appends) still form one
/// chain: places 1…n, each entry pointing back to the one before it.
async fn the_chain_holds_under_concurrent_writes(app: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..12 {
        let base = app.base.clone();
        tasks.push(tokio::spawn(async move {
            let client = crate::helpers::new_client();
            let body = if i % 3 == 0 {
                serde_json::json!({ "username": "admin", "password": ADMIN_PASSWORD })
            } else {
                serde_json::json!({ "username": format!("nobody{i}"), "password": "wrong" })
            };
            client
                .post(format!("{base}/api/v1/login"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for i in 0..24 {
        let store = app.store().clone();
        let now = app.clock.now_ms();
        tasks.push(tokio::spawn(async move {
            let entry = xiaodi::store::AuditEntry {
                action: "test.append",
                entity: "test",
                entity_id: None,
                before: None,
                after: Some(serde_json::json!({ "i": i })),
            };
            store
                .audit(&xiaodi::store::Actor::system("并发"), now, entry)
                .await
                .unwrap();
            StatusCode::OK
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = app.store().verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{:?}", report.fault);
    let n = app.count("audit_events").await;
    assert_eq!(report.entries, n);
    assert_eq!(report.head_seq, n);
    assert_ne!(report.head_hash, GENESIS_HASH);
    let distinct: i64 =
        sqlx::query("select count(distinct seq) as n from audit_events where seq between 1 and $1")
            .bind(n)
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
    assert_eq!(distinct, n, "every entry has its own place");
    // The chain, not only the trigger: an update of a chained row is still refused.
    assert!(
        sqlx::query("update audit_events set actor_name = 'x' where seq = 1")
            .execute(app.store().pool())
            .await
            .is_err()
    );
}

async fn an_altered_entry_is_named(app: TestApp) {
    drop_append_only_triggers(&app).await;
    exec(
        &app,
        "update audit_events set actor_name = '别人' where seq = 3",
    )
    .await;
    let report = app.store().verify_audit_chain().await.unwrap();
    assert_eq!(
        report.fault,
        Some(ChainFault::Altered {
            seq: 3,
            id: id_at(&app, 3).await
        })
    );
    assert_eq!(report.entries, 2, "the two before it are intact");
    let text = report.fault.unwrap().to_string();
    assert!(
        text.contains("第 3 条") && text.contains("已被修改"),
        "{text}"
    );
}

async fn a_deleted_entry_is_named(app: TestApp) {
    drop_append_only_triggers(&app).await;
    exec(&app, "delete from audit_events where seq = 5").await;
    let report = app.store().verify_audit_chain().await.unwrap();
    assert_eq!(report.fault, Some(ChainFault::Missing { seq: 5 }));
    assert!(
        report
            .fault
            .unwrap()
            .to_string()
            .contains("第 5 条审计记录缺失")
    );
}

async fn entries_cut_off_the_end_are_named(app: TestApp) {
    let n = app.count("audit_events").await;
    drop_append_only_triggers(&app).await;
    sqlx::query("delete from audit_events where seq >= $1")
        .bind(n - 1)
        .execute(app.store().pool())
        .await
        .unwrap();
    let report = app.store().verify_audit_chain().await.unwrap();
    assert_eq!(
        report.fault,
        Some(ChainFault::Head {
            head_seq: n,
            last_seq: n - 2
        })
    );
    let text = report.fault.unwrap().to_string();
    assert!(
        text.contains(&format!("第 {} 至 {n} 条已被删除", n - 1)),
        "{text}"
    );
}

async fn inserted_entries_are_named(app: TestApp) {
    // Without a place in the chain (the usual forged insert).
    exec(
        &app,
        "insert into audit_events (id, at, actor_name, action, entity, ip)
         values ('forged-1', 1, 'admin', 'login.success', 'user', '10.0.0.1')",
    )
    .await;
    let report = app.store().verify_audit_chain().await.unwrap();
    assert_eq!(
        report.fault,
        Some(ChainFault::Unchained {
            id: "forged-1".into()
        })
    );
    assert!(report.fault.unwrap().to_string().contains("forged-1"));
}

async fn an_entry_inserted_with_a_guessed_place_is_named(app: TestApp) {
    let (seq, hash) = app.store().audit_head().await.unwrap();
    sqlx::query(
        "insert into audit_events (id, at, actor_name, action, entity, ip, seq, prev_hash, hash)
         values ('forged-2', 1, 'admin', 'login.success', 'user', '10.0.0.1', $1, $2, $3)",
    )
    .bind(seq + 1)
    .bind(&hash)
    .bind("f".repeat(64))
    .execute(app.store().pool())
    .await
    .unwrap();
    // Past the head: no append wrote it (an append moves the head with its entry).
    let report = app.store().verify_audit_chain().await.unwrap();
    assert_eq!(
        report.fault,
        Some(ChainFault::Head {
            head_seq: seq,
            last_seq: seq + 1
        })
    );
    assert!(report.fault.unwrap().to_string().contains("手工插入"));
}

async fn append_one(store: Store, now: i64, i: usize) {
    store
        .audit(
            &xiaodi::store::Actor::system(&format!("并发写入{i}")),
            now,
            xiaodi::store::AuditEntry {
                action: "test.append",
                entity: "test",
                entity_id: None,
                before: None,
                after: Some(serde_json::json!({ "i": i })),
            },
        )
        .await
        .unwrap()
}

/// `verify` on a running server: entries appended while it walks are not taken for tampering
/// (they are checked next time), and a change made meanwhile is still found.
async fn verify_beside_appends_finds_no_false_fault(app: TestApp) {
    let now = app.clock.now_ms();
    let append = move |store: Store, i: usize| append_one(store, now, i);
    // A log long enough that a walk takes a while.
    for i in 0..300 {
        append(app.store().clone(), i).await;
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (store, stop) = (app.store().clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 1000 * (w + 1);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    append(store.clone(), i).await;
                    i += 1;
                }
                i - 1000 * (w + 1)
            })
        })
        .collect();
    let mut checked = Vec::new();
    for _ in 0..20 {
        let report = app.store().verify_audit_chain().await.unwrap();
        assert!(
            report.is_intact(),
            "a check beside appends found {:?}",
            report.fault
        );
        checked.push(report.head_seq);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut appended = 0;
    for w in writers {
        appended += w.await.unwrap();
    }
    assert!(appended > 0, "the writers appended while the checks ran");
    assert!(
        checked.first() < checked.last(),
        "the checks saw the chain grow: {checked:?}"
    );
    // Everything appended meanwhile is checked by the next run, and a change is still found.
    let report = app.store().verify_audit_chain().await.unwrap();
    assert!(report.is_intact());
    assert_eq!(report.entries, report.head_seq);
    drop_append_only_triggers(&app).await;
    sqlx::query("update audit_events set actor_name = '别人' where seq = 150")
        .execute(app.store().pool())
        .await
        .unwrap();
    let report = app.store().verify_audit_chain().await.unwrap();
    assert!(
        matches!(report.fault, Some(ChainFault::Altered { seq: 150, .. })),
        "{:?}",
        report.fault
    );
}

/// Entries written before migration 0009 are chained when it runs, once: a row slipped in by
/// hand later stays outside the chain, whatever restarts follow.
async fn earlier_entries_are_chained_once(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = crate::helpers::fresh_database_url(app.backend, dir.path())
        .await
        .unwrap();
    let store = Store::connect(&url).await.unwrap();
    let migrator = match app.backend {
        Db::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Db::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator.run_to(8, store.pool()).await.unwrap();
    for (i, name) in ["系统初始化", "admin\u{1b}[31m", "gdmu"].iter().enumerate() {
        sqlx::query(
            "insert into audit_events (id, at, actor_name, action, entity, ip) values ($1, $2, $3, 'old.event', 'x', 'local')",
        )
        .bind(format!("legacy-{i}"))
        .bind(1_700_000_000_000i64 + i as i64)
        .bind(*name)
        .execute(store.pool())
        .await
        .unwrap();
    }
    store.migrate().await.unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{:?}", report.fault);
    assert_eq!((report.entries, report.head_seq), (3, 3));
    let first: String = sqlx::query("select id from audit_events where seq = 1")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    assert_eq!(first, "legacy-0", "chained in the order they were written");
    // New appends continue the chain.
    store
        .audit(
            &xiaodi::store::Actor::system("t"),
            1_800_000_000_000,
            xiaodi::store::AuditEntry {
                action: "new.event",
                entity: "x",
                entity_id: None,
                before: None,
                after: None,
            },
        )
        .await
        .unwrap();
    // A row slipped in afterwards is not chained by the next start.
    sqlx::query("insert into audit_events (id, at, actor_name, action, entity, ip) values ('late', 1, 'x', 'x', 'x', 'x')")
        .execute(store.pool())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.entries, 4);
    assert_eq!(
        report.fault,
        Some(ChainFault::Unchained { id: "late".into() })
    );
    store.close().await;
}

fn audit_verify(app: &TestApp) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args([
            "--database-url",
            &app.database_url,
            "--data-dir",
            app.data_dir.to_str().unwrap(),
            "--log-level",
            "error",
            "audit",
            "verify",
        ])
        .output()
        .unwrap()
}

/// `xiaodi audit verify`: 0 and the head on an intact chain, non-zero and the broken place otherwise.
async fn the_cli_names_the_break_and_fails(app: TestApp) {
    let out = audit_verify(&app);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("审计日志哈希链完好"), "{stdout}");
    drop_append_only_triggers(&app).await;
    exec(
        &app,
        "update audit_events set after_json = '{}' where seq = 7",
    )
    .await;
    let out = audit_verify(&app);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("哈希链断裂") && stderr.contains("第 7 条"),
        "{stderr}"
    );
}

/// A user name typed with a newline or an escape sequence is stored written out, not raw.
async fn control_characters_from_sign_in_are_escaped(app: TestApp) {
    let (_, resp) = app
        .web_login("admin\n2026-06-15 login.success\u{1b}[2J", "wrong")
        .await;
    assert_ne!(resp.status(), StatusCode::SEE_OTHER);
    let actor = app
        .text(
            "select actor_name from audit_events where action = 'login.failure'",
            &[],
        )
        .await;
    assert_eq!(actor, "admin\\u{a}2026-06-15 login.success\\u{1b}[2J");
    assert!(!actor.chars().any(char::is_control));
    assert!(app.store().verify_audit_chain().await.unwrap().is_intact());
}

async fn entries(app: &TestApp, action: &'static str, entity: &str) -> Vec<(String, String)> {
    sqlx::query(
        "select actor_name, coalesce(entity_id, '') as entity_id from audit_events where action = $1 and entity = $2 order by seq",
    )
    .bind(action)
    .bind(entity)
    .fetch_all(app.store().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get("actor_name").unwrap(), r.try_get("entity_id").unwrap()))
    .collect()
}

/// Pages and API answers with people's phone numbers or accounts, every export and every
/// download leave an entry the auditor can find by its action.
async fn reads_of_personal_data_are_audited(app: TestApp) {
    let g = group4(&app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;

    // The team with phones: the page, the API, the export.
    assert!(entries(&app, "view", "team_member").await.is_empty());
    let r = app
        .get_with(&admin, &format!("/groups/{}/team", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .api_get(&token, &format!("/api/v1/groups/{}/team", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        entries(&app, "view", "team_member").await,
        vec![
            ("admin".into(), g.id.clone()),
            ("admin".into(), g.id.clone())
        ]
    );
    let r = app
        .get_with(&admin, &format!("/groups/{}/team/export.xlsx", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        entries(&app, "export", "team_member").await,
        vec![("admin".into(), g.id.clone())]
    );
    let detail = app
        .text(
            "select after_json from audit_events where action = 'export' and entity = 'team_member'",
            &[],
        )
        .await;
    assert!(
        detail.contains("服务工作队.xlsx") && detail.contains("\"rows\""),
        "{detail}"
    );

    // Every other export of the web UI.
    for (path, entity) in [
        ("/groups/export.xlsx".to_string(), "group"),
        ("/organisations/export.xlsx".to_string(), "organisation"),
        (
            format!("/groups/{}/onsite/export.xlsx", g.id),
            "onsite_entry",
        ),
        (
            format!("/groups/{}/bases/export.xlsx", g.id),
            "practice_base",
        ),
    ] {
        let r = app.get_with(&admin, &path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(entries(&app, "export", entity).await.len(), 1, "{path}");
    }

    // A download, through the page and the API.
    let csrf = app.csrf_of(&admin).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("signed_on", "2024-01-20")
        .text("parties", g.university.clone())
        .text("parties", g.town.clone())
        .part(
            "scans",
            Part::bytes(b"%PDF-1.7\nscan\n".to_vec()).file_name("协议.pdf"),
        );
    let r = admin
        .post(app.url(&format!("/groups/{}/agreement", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let file_id = app.text("select id from attachments", &[]).await;
    assert!(entries(&app, "download", "attachment").await.is_empty());
    let r = app.get_with(&admin, &format!("/files/{file_id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .api_get(&token, &format!("/api/v1/files/{file_id}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        entries(&app, "download", "attachment").await,
        vec![
            ("admin".into(), file_id.clone()),
            ("admin".into(), file_id.clone())
        ]
    );

    // Someone else's file: refused, and nothing recorded as read.
    app.add_user("other", "广东酒店管理职业技术学院", "school")
        .await;
    let other = app.web_client("other", PASSWORD).await;
    let r = app.get_with(&other, &format!("/files/{file_id}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(entries(&app, "download", "attachment").await.len(), 2);

    // The account list and its export (the system administrator's).
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    assert_eq!(
        app.get_with(&sys, "/admin/users?q=gd").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_with(&sys, "/admin/users/export.xlsx")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        entries(&app, "view", "user").await,
        vec![("sys".into(), String::new())]
    );
    assert_eq!(entries(&app, "export", "user").await.len(), 1);
    // The account list through the API is audited alike.
    let token = app.api_token("sys", PASSWORD).await;
    assert_eq!(
        app.api_get(&token, "/api/v1/users?q=gd").await.status(),
        StatusCode::OK
    );
    assert_eq!(entries(&app, "view", "user").await.len(), 2);

    // The auditor finds them by action on the audit page, and the chain holds.
    app.add_user("aud", "东莞市教育局", "auditor").await;
    let aud = app.web_client("aud", PASSWORD).await;
    let page = app
        .get_with(&aud, "/audit?action=download")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&file_id) && page.contains("共 2 条"),
        "{page}"
    );
    assert!(app.store().verify_audit_chain().await.unwrap().is_intact());
}

on_both!(
    the_chain_holds_under_concurrent_writes,
    an_altered_entry_is_named,
    a_deleted_entry_is_named,
    entries_cut_off_the_end_are_named,
    inserted_entries_are_named,
    an_entry_inserted_with_a_guessed_place_is_named,
    verify_beside_appends_finds_no_false_fault,
    earlier_entries_are_chained_once,
    the_cli_names_the_break_and_fails,
    control_characters_from_sign_in_are_escaped,
    reads_of_personal_data_are_audited,
);
