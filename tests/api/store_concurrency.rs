//! Writes at once: transactions that read before they write all succeed on SQLite (they take the
//! write lock at their start instead of failing on a stale read), two saves of one agreement take
//! turns on PostgreSQL, and failed sign-ins for names with old failures never deadlock.

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use crate::on_both;
use reqwest::StatusCode;
use sqlx::Row;
use xiaodi::domain::password::{FAILURE_MEMORY_MS, name_key};
use xiaodi::store::Actor;

/// The first `n` groups, each with one school and one town or village to sign its agreement.
async fn groups_with_signers(app: &TestApp, n: usize) -> Vec<(String, [String; 2])> {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let list: serde_json::Value = app
        .api_get(&token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for g in list["items"].as_array().unwrap().iter().take(n) {
        let id = g["id"].as_str().unwrap().to_string();
        let detail: serde_json::Value = app
            .api_get(&token, &format!("/api/v1/groups/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let first = |roles: &[&str]| {
            roles
                .iter()
                .find_map(|r| detail["members"][*r].as_array().and_then(|a| a.first()))
                .unwrap_or_else(|| panic!("group {id} has one of {roles:?}"))["id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let school = first(&["university", "vocational_school"]);
        let local = first(&["town", "village"]);
        out.push((id, [school, local]));
    }
    assert_eq!(out.len(), n, "the preset has {n} groups");
    out
}

async fn save_agreement(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    group: &str,
    parties: &[String; 2],
    notes: &str,
) -> (StatusCode, String) {
    // The form is multipart (it may carry scans); none here.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_string())
        .text("signed_on", "")
        .text("notes", notes.to_string())
        .text("parties", parties[0].clone())
        .text("parties", parties[1].clone());
    let r = client
        .post(app.url(&format!("/groups/{group}/agreement")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// Agreements saved on eight groups at once (each reads the group's agreement, then writes it
/// and an audit entry), beside failed sign-ins and page views that write audit entries too:
/// every one succeeds, none with "database is locked", and the audit chain holds.
async fn writes_that_read_first_all_succeed_at_once(app: TestApp) {
    let groups = groups_with_signers(&app, 8).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let csrf = app.csrf_of(&admin).await;

    let saves = groups.iter().map(|(g, parties)| {
        let (app, admin, csrf) = (&app, admin.clone(), csrf.clone());
        async move { save_agreement(app, &admin, &csrf, g, parties, "同时保存").await }
    });
    let views = groups.iter().map(|(g, _)| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let r = admin
                .get(app.url(&format!("/groups/{g}")))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    });
    let failures = (0..4).map(|i| {
        let app = &app;
        async move {
            let (_, r) = app.web_login(&format!("nobody{i}"), "Wrong#pass1").await;
            (r.status(), r.text().await.unwrap())
        }
    });
    let (saves, views, failures) = tokio::join!(
        futures_util::future::join_all(saves),
        futures_util::future::join_all(views),
        futures_util::future::join_all(failures),
    );
    for (status, body) in &saves {
        assert_eq!(*status, StatusCode::SEE_OTHER, "a save failed: {body}");
    }
    for (status, body) in &views {
        assert_eq!(*status, StatusCode::OK, "a page view failed: {body}");
    }
    for (status, body) in &failures {
        assert_eq!(
            *status,
            StatusCode::UNAUTHORIZED,
            "a failed sign-in failed: {body}"
        );
        assert!(body.contains("用户名或密码"), "{body}");
    }
    assert_eq!(
        count(&app, "select count(*) as n from agreements").await,
        8,
        "every group's agreement is there"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) as n from audit_events where action = 'agreement.create'"
        )
        .await,
        8
    );
    assert_eq!(
        count(
            &app,
            "select count(*) as n from audit_events where action = 'login.failure'"
        )
        .await,
        4
    );
    let report = app.store().verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{:?}", report.fault);
}

/// Six saves of one group's agreement at once: they take turns, so the first creates it and the
/// others correct it; none is refused as a clash, and there is one agreement.
async fn saves_of_one_agreement_take_turns(app: TestApp) {
    let groups = groups_with_signers(&app, 1).await;
    let (group, parties) = &groups[0];
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let csrf = app.csrf_of(&admin).await;
    let saves =
        (0..6).map(|i| {
            let (app, admin, csrf) = (&app, admin.clone(), csrf.clone());
            async move {
                save_agreement(app, &admin, &csrf, group, parties, &format!("第 {i} 次")).await
            }
        });
    for (status, body) in futures_util::future::join_all(saves).await {
        assert_eq!(status, StatusCode::SEE_OTHER, "a save was refused: {body}");
    }
    assert_eq!(count(&app, "select count(*) as n from agreements").await, 1);
    let actions = |a: &'static str| {
        let app = &app;
        async move {
            sqlx::query("select count(*) as n from audit_events where action = $1")
                .bind(a)
                .fetch_one(app.store().pool())
                .await
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        }
    };
    assert_eq!(actions("agreement.create").await, 1);
    assert_eq!(actions("agreement.update").await, 5);
}

/// Failed sign-ins for twenty names at once, each name with failures from long ago, beside old
/// rows of names nobody tries: each failure is counted and audited (on PostgreSQL the clean-up of
/// old rows inside each failure's transaction deadlocked), and the old rows are still cleared.
async fn failures_for_names_with_old_rows_do_not_deadlock(app: TestApp) {
    let now = app.clock.now_ms();
    let old = now - FAILURE_MEMORY_MS - 60_000;
    let names: Vec<String> = (0..20).map(|i| name_key(&format!("guess{i}"))).collect();
    let idle: Vec<String> = (0..10).map(|i| name_key(&format!("idle{i}"))).collect();
    for n in names.iter().chain(&idle) {
        sqlx::query(
            "insert into sign_in_names (name_key, failed_attempts, last_failure_at) values ($1, 3, $2)",
        )
        .bind(n)
        .bind(old)
        .execute(app.store().pool())
        .await
        .unwrap();
    }
    let failures = names.iter().map(|n| {
        let store = app.store().clone();
        let n = n.clone();
        tokio::spawn(async move {
            let actor = Actor {
                user_id: None,
                name: n.clone(),
                ip: "203.0.113.9".into(),
            };
            store.record_sign_in_failure(&n, None, &actor, now).await
        })
    });
    for done in futures_util::future::join_all(failures).await {
        let locked = done.unwrap().expect("a failed sign-in is recorded");
        assert_eq!(
            locked, None,
            "a failure long after the last one starts afresh"
        );
    }
    for n in &names {
        let r = sqlx::query(
            "select failed_attempts, last_failure_at from sign_in_names where name_key = $1",
        )
        .bind(n)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        assert_eq!(r.try_get::<i64, _>("failed_attempts").unwrap(), 1, "{n}");
        assert_eq!(r.try_get::<i64, _>("last_failure_at").unwrap(), now);
    }
    assert_eq!(
        count(
            &app,
            "select count(*) as n from audit_events where action = 'login.failure'"
        )
        .await,
        20
    );
    assert_eq!(
        count(&app, "select count(*) as n from sign_in_names").await,
        20,
        "the names nobody tried, failed long ago, are forgotten"
    );
}

on_both!(
    writes_that_read_first_all_succeed_at_once,
    saves_of_one_agreement_take_turns,
    failures_for_names_with_old_rows_do_not_deadlock,
);
