//! The administrators' duties after review (issue 7, 三权分立, none able to act alone):
//! whoever proposes what waits on an account (creates it, changes its role) cannot approve it;
//! the system administrator proposes role changes too; whatever changes what a password step
//! was checked against ends the account's pending second-factor challenges; and the account
//! lists an administrator looks at are audited reads.

use crate::helpers::{Db, PASSWORD, TestApp, expect, send, spawn_app_with};
use crate::on_both;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

async fn api_post(app: &TestApp, token: &str, path: &str) -> Response {
    send(app, token, Method::POST, path, json!({})).await
}

async fn web_post(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
    let csrf = app.csrf_of(client).await;
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post(app.url(path)).form(&all).send().await.unwrap()
}

async fn id_of(app: &TestApp, username: &str) -> String {
    app.text("select id from users where username = $1", &[username])
        .await
}

/// Everything an approval could change on an account.
async fn account_state(app: &TestApp, username: &str) -> String {
    app.text(
        "select role || '|' || org_id || '|' || approval || '|' || coalesce(pending_role, '-') || '|' || coalesce(pending_org_id, '-') || '|' || cast((select count(*) from sessions s where s.user_id = users.id) as text) from users where username = $1",
        &[username],
    )
    .await
}

async fn audit_count(app: &TestApp, actor: &str, action: &str) -> i64 {
    app.text(
        "select cast(count(*) as text) from audit_events where actor_name = $1 and action = $2",
        &[actor, action],
    )
    .await
    .parse()
    .unwrap()
}

/// The review's path to a bureau session: a security administrator makes a school account a
/// bureau one and approves it. Refused through the API and the pages, nothing changed; another
/// security administrator approves it, and so does one for what the system administrator
/// proposed.
async fn nobody_approves_what_they_proposed(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("sec2", "东莞市教育局", "secadmin").await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let (sys, sec, sec2) = (
        app.api_token("sys", PASSWORD).await,
        app.api_token("sec", PASSWORD).await,
        app.api_token("sec2", PASSWORD).await,
    );
    let school = app.api_token("gdmu", PASSWORD).await;
    let id = id_of(&app, "gdmu").await;
    let to_bureau = json!({"role": "bureau", "organisation": "东莞市教育局"});
    let proposed = expect(
        send(
            &app,
            &sec,
            Method::PUT,
            &format!("/api/v1/users/{id}/role"),
            to_bureau.clone(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(proposed["pending_role"], "bureau");
    assert_eq!(
        app.text(
            "select role_proposed_by from users where username = 'gdmu'",
            &[]
        )
        .await,
        id_of(&app, "sec").await,
        "the proposer is recorded"
    );
    let before = account_state(&app, "gdmu").await;

    // The proposer cannot approve it: API, confirmation page, form.
    let refused = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("提出者以外的安全管理员"),
        "{refused}"
    );
    let sec_web = app.web_client("sec", PASSWORD).await;
    let page = app
        .get_with(&sec_web, &format!("/admin/users/{id}/approve"))
        .await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("提出者以外的安全管理员")
    );
    let form = web_post(&app, &sec_web, &format!("/admin/users/{id}/approve"), &[]).await;
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    // The lists offer no approval of it to the proposer, only its withdrawal.
    let approvals = app
        .get_with(&sec_web, "/admin/approvals")
        .await
        .text()
        .await
        .unwrap();
    assert!(approvals.contains("gdmu") && approvals.contains("本人提出"));
    assert!(!approvals.contains(&format!("/admin/users/{id}/approve")));
    assert!(approvals.contains(&format!("/admin/users/{id}/reject")));
    // Nothing changed: the school account is still a school's, its session alive, no approval
    // in the log.
    assert_eq!(account_state(&app, "gdmu").await, before);
    assert_eq!(audit_count(&app, "sec", "user.approve").await, 0);
    expect(app.api_get(&school, "/api/v1/groups").await, StatusCode::OK).await;

    // Another security administrator approves it.
    let approved = expect(
        api_post(&app, &sec2, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["role"], "bureau");
    assert_eq!(approved["pending_role"], Value::Null);
    assert_eq!(audit_count(&app, "sec2", "user.approve").await, 1);

    // The system administrator proposes role changes too (account management), on the page
    // and through the API; the only security administrator approves them.
    let sys_web = app.web_client("sys", PASSWORD).await;
    let form = app
        .get_with(&sys_web, &format!("/admin/users/{id}/role"))
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    let list = app
        .get_with(&sys_web, "/admin/users?q=gdmu")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("/admin/users/{id}/role")));
    let moved = web_post(
        &app,
        &sys_web,
        &format!("/admin/users/{id}/role"),
        &[("role", "school"), ("organisation", "广东医科大学")],
    )
    .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    // … but does not approve.
    expect(
        api_post(&app, &sys, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let back = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(back["role"], "school");
    assert_eq!(back["organisation"]["name"], "广东医科大学");
    let sec_web_list = app
        .get_with(&sec_web, "/admin/users?q=gdmu")
        .await
        .text()
        .await
        .unwrap();
    assert!(!sec_web_list.contains("本人提出"), "nothing waits now");

    // A new account whose role the security administrator changed before admitting it: the
    // role is theirs, so is the refusal; withdrawing it and approving it after all is refused
    // too; another security administrator admits it.
    let created = expect(
        send(
            &app,
            &sys,
            Method::POST,
            "/api/v1/users",
            json!({"username": "jyj9", "display_name": "新人", "organisation": "东莞市教育局", "role": "bureau"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let jyj9 = created["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.text("select created_by from users where username = 'jyj9'", &[])
            .await,
        id_of(&app, "sys").await,
        "the creator is recorded"
    );
    expect(
        send(
            &app,
            &sec,
            Method::PUT,
            &format!("/api/v1/users/{jyj9}/role"),
            json!({"role": "hq", "organisation": "东莞市“百千万工程”指挥部办公室"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect(
        api_post(&app, &sec, &format!("/api/v1/users/{jyj9}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let withdrawn = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{jyj9}/reject")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(withdrawn["approval"], "rejected");
    let still = account_state(&app, "jyj9").await;
    expect(
        api_post(&app, &sec, &format!("/api/v1/users/{jyj9}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(account_state(&app, "jyj9").await, still);
    let admitted = expect(
        api_post(&app, &sec2, &format!("/api/v1/users/{jyj9}/approve")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(admitted["approval"], "approved");
    assert_eq!(admitted["role"], "hq");
}

/// The store's approval holds against a proposal made after the approver read the account:
/// it writes nothing when what waits is no longer what was read.
async fn an_approval_of_a_stale_proposal_writes_nothing(app: TestApp) {
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("sec2", "东莞市教育局", "secadmin").await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let (sec, sec2) = (
        app.api_token("sec", PASSWORD).await,
        app.api_token("sec2", PASSWORD).await,
    );
    let id = id_of(&app, "gdmu").await;
    let role = format!("/api/v1/users/{id}/role");
    expect(
        send(
            &app,
            &sec2,
            Method::PUT,
            &role,
            json!({"role": "town", "organisation": "凤岗镇"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // `sec` reads the account as sec2's proposal…
    let user_id = xiaodi::domain::ids::UserId::parse(&id).unwrap();
    let read = app.store().get_user(&user_id).await.unwrap().unwrap();
    // … then proposes something else themselves before approving what they read.
    expect(
        send(
            &app,
            &sec,
            Method::PUT,
            &role,
            json!({"role": "bureau", "organisation": "东莞市教育局"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let before = account_state(&app, "gdmu").await;
    let sec_row = app
        .store()
        .get_user(&xiaodi::domain::ids::UserId::parse(&id_of(&app, "sec").await).unwrap())
        .await
        .unwrap()
        .unwrap();
    let actor = xiaodi::store::Actor {
        user_id: Some(sec_row.id.clone()),
        name: "sec".into(),
        ip: "127.0.0.1".into(),
    };
    let done = app
        .store()
        .approve_user(&actor, app.clock.now_ms(), &read)
        .await
        .unwrap();
    assert!(!done, "a stale approval writes nothing");
    assert_eq!(account_state(&app, "gdmu").await, before);
    // The API says so plainly for the proposer: refused.
    expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

/// The lists of accounts an administrator looks at are audited reads: the approvals list, and
/// the list shown after an import (whether the sheet was taken or refused).
async fn account_lists_are_audited(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    let sec = app.web_client("sec", PASSWORD).await;
    let before = audit_count(&app, "sec", "view").await;
    let resp = app.get_with(&sec, "/admin/approvals").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(audit_count(&app, "sec", "view").await, before + 1);
    let detail = app
        .text(
            "select after_json from audit_events where actor_name = 'sec' and action = 'view' order by seq desc limit 1",
            &[],
        )
        .await;
    assert!(detail.contains("approvals"), "{detail}");

    let sys = app.web_client("sys", PASSWORD).await;
    let upload = |sheet: &'static str| {
        let (app, sys) = (&app, &sys);
        async move {
            let csrf = app.csrf_of(sys).await;
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", csrf)
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(sheet.as_bytes().to_vec())
                        .file_name("users.csv"),
                );
            sys.post(app.url("/admin/users/import"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let before = audit_count(&app, "sys", "view").await;
    let bad = upload("username,display_name,organisation,role\nx,王五,不存在单位,town\n").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().await.unwrap().contains("sys 测试"),
        "the list is shown"
    );
    assert_eq!(audit_count(&app, "sys", "view").await, before + 1);
    let good = upload(
        "username,display_name,organisation,role\nhotel7,张三,广东酒店管理职业技术学院,school\n",
    )
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    assert!(good.text().await.unwrap().contains("hotel7"));
    assert_eq!(audit_count(&app, "sys", "view").await, before + 2);
    let detail = app
        .text(
            "select after_json from audit_events where actor_name = 'sys' and action = 'view' order by seq desc limit 1",
            &[],
        )
        .await;
    assert!(
        detail.contains("import") && detail.contains("\"created\":1"),
        "{detail}"
    );
    // A refused look at the approvals writes no read.
    let before = audit_count(&app, "sys", "view").await;
    assert_eq!(
        app.get_with(&sys, "/admin/approvals").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(audit_count(&app, "sys", "view").await, before);
}

on_both!(
    nobody_approves_what_they_proposed,
    an_approval_of_a_stale_proposal_writes_nothing,
    account_lists_are_audited,
);

/// Bureau accounts give a second factor; the administrators here sign in with a password.
async fn spawn_bureau_two_factor(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| {
        c.two_factor_roles = vec!["bureau".into(), "hq".into()]
    })
    .await
}

/// A right password through the API for a bureau account: its pending token.
async fn pending_token(app: &TestApp, username: &str) -> String {
    let answer = expect(app.api_login(username, PASSWORD).await, StatusCode::OK).await;
    assert_eq!(answer["second_factor_required"], true, "{answer}");
    answer["pending_token"].as_str().unwrap().to_string()
}

async fn challenges_of(app: &TestApp, username: &str) -> i64 {
    app.text(
        "select cast(count(*) as text) from second_factor_challenges where user_id = (select id from users where username = $1)",
        &[username],
    )
    .await
    .parse()
    .unwrap()
}

/// A wrong code against a pending token: `second_factor_wrong` while its challenge lives,
/// `second_factor_expired` once it is gone (both 401).
async fn second_step(app: &TestApp, token: &str) -> String {
    let resp = app
        .client
        .post(app.url("/api/v1/auth/second-factor"))
        .json(&json!({ "pending_token": token, "code": "000000" }))
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::UNAUTHORIZED).await;
    body["error"].as_str().unwrap().to_string()
}

/// A password step passed before an administrator's change leads nowhere after it: a password
/// reset, a disabled account, a role change proposed, approved or turned down each end the
/// account's pending challenges; a challenge whose account may no longer sign in is refused.
async fn account_changes_end_pending_second_steps(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("sec2", "东莞市教育局", "secadmin").await;
    app.add_user("jyj5", "东莞市教育局", "bureau").await;
    let (sys, sec, sec2) = (
        app.api_token("sys", PASSWORD).await,
        app.api_token("sec", PASSWORD).await,
        app.api_token("sec2", PASSWORD).await,
    );
    let id = id_of(&app, "jyj5").await;
    // Another account's challenge is left alone throughout.
    let other_token = {
        app.add_user("jyj6", "东莞市教育局", "bureau").await;
        pending_token(&app, "jyj6").await
    };

    // A wrong code against a live challenge is answered as a wrong code, not as expired.
    let token = pending_token(&app, "jyj5").await;
    assert_eq!(second_step(&app, &token).await, "second_factor_wrong");

    let steps: [(&str, &str, Method, String, Value); 5] = [
        (
            "password reset",
            "sec",
            Method::POST,
            format!("/api/v1/users/{id}/reset-password"),
            json!({}),
        ),
        (
            "disabled",
            "sys",
            Method::POST,
            format!("/api/v1/users/{id}/disable"),
            json!({}),
        ),
        (
            "role proposed",
            "sys",
            Method::PUT,
            format!("/api/v1/users/{id}/role"),
            json!({"role": "hq", "organisation": "东莞市“百千万工程”指挥部办公室"}),
        ),
        (
            "role turned down",
            "sec",
            Method::POST,
            format!("/api/v1/users/{id}/reject"),
            json!({}),
        ),
        (
            "role approved",
            "sec2",
            Method::POST,
            format!("/api/v1/users/{id}/approve"),
            json!({}),
        ),
    ];
    let mut password = PASSWORD.to_string();
    for (what, who, method, path, body) in steps {
        if what == "role turned down" || what == "role approved" {
            // Something to decide on: a new proposal (by the system administrator).
            expect(
                send(
                    &app,
                    &sys,
                    Method::PUT,
                    &format!("/api/v1/users/{id}/role"),
                    json!({"role": "hq", "organisation": "东莞市“百千万工程”指挥部办公室"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        }
        let token = {
            let answer = expect(app.api_login("jyj5", &password).await, StatusCode::OK).await;
            answer["pending_token"].as_str().unwrap().to_string()
        };
        assert!(challenges_of(&app, "jyj5").await >= 1, "{what}");
        let by = match who {
            "sys" => &sys,
            "sec" => &sec,
            _ => &sec2,
        };
        let done = expect(send(&app, by, method, &path, body).await, StatusCode::OK).await;
        assert_eq!(challenges_of(&app, "jyj5").await, 0, "{what}");
        assert_eq!(
            second_step(&app, &token).await,
            "second_factor_expired",
            "{what}"
        );
        if let Some(pw) = done["initial_password"].as_str() {
            password = pw.to_string();
        }
        if what == "disabled" {
            expect(
                api_post(&app, &sys, &format!("/api/v1/users/{id}/enable")).await,
                StatusCode::OK,
            )
            .await;
        }
    }
    assert_eq!(
        challenges_of(&app, "jyj6").await,
        1,
        "another account's challenge stays"
    );
    assert_eq!(second_step(&app, &other_token).await, "second_factor_wrong");

    // Where the challenge is loaded, an account that may not sign in has none: rejected (set
    // directly, as no operation leaves a challenge behind any more).
    let token = pending_token(&app, "jyj6").await;
    sqlx::query("update users set approval = 'rejected' where username = 'jyj6'")
        .execute(app.store().pool())
        .await
        .unwrap();
    assert_eq!(second_step(&app, &token).await, "second_factor_expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_end_pending_second_steps_sqlite() {
    let app = spawn_bureau_two_factor(Db::Sqlite)
        .await
        .expect("sqlite app");
    account_changes_end_pending_second_steps(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_end_pending_second_steps_postgres() {
    match spawn_bureau_two_factor(Db::Postgres).await {
        Some(app) => account_changes_end_pending_second_steps(app).await,
        None => eprintln!("XIAODI_TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped"),
    }
}
