//! Account administration and the separation of the administrators' duties (三权分立, issue 7
//! point 3): the system administrator creates, disables and enables business accounts; the
//! security administrator approves them (what someone else proposed), changes roles, resets
//! passwords and unlocks; the
//! auditor reads every administrator action; nobody acts on their own or an administrator's
//! account on the platform (only the server's command line does).

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, send};
use crate::on_both;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

async fn post(app: &TestApp, client: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
    let csrf = app.csrf_of(client).await;
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post(app.url(path)).form(&all).send().await.unwrap()
}

async fn api_post(app: &TestApp, token: &str, path: &str) -> Response {
    send(app, token, Method::POST, path, json!({})).await
}

/// The initial password a page shows once, in `<code class="secret">`.
fn shown_password(page: &str) -> String {
    let start = page
        .find("<code class=\"secret\">")
        .expect("a password is shown")
        + "<code class=\"secret\">".len();
    page[start..start + page[start..].find('<').unwrap()].to_string()
}

async fn id_of(app: &TestApp, username: &str) -> String {
    app.text("select id from users where username = $1", &[username])
        .await
}

/// Everything about an account an administrator could change.
async fn account_state(app: &TestApp, username: &str) -> String {
    app.text(
        "select password_hash || '|' || role || '|' || org_id || '|' || cast(disabled as text) || '|' || approval || '|' || coalesce(pending_role, '-') from users where username = $1",
        &[username],
    )
    .await
}

/// The three administrators, created as the server operator creates them (the store directly,
/// as `xiaodi user add` does), signed in on the web.
async fn admins(app: &TestApp) -> (Client, Client, Client) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    (
        app.web_client("sys", PASSWORD).await,
        app.web_client("sec", PASSWORD).await,
        app.web_client("aud", PASSWORD).await,
    )
}

async fn three_administrators_share_the_account_duties(app: TestApp) {
    let (sys, sec, _) = admins(&app).await;

    // A bad form keeps what was typed and names the field.
    let bad = post(
        &app,
        &sys,
        "/admin/users",
        &[
            ("username", "gdmu9"),
            ("display_name", "张老师"),
            ("organisation", "广东医科大学"),
            ("role", "town"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text().await.unwrap();
    assert!(
        text.contains("角色：")
            && text.contains("value=\"gdmu9\"")
            && text.contains("value=\"张老师\"")
    );
    let users_before = app.count("users").await;

    let created = post(
        &app,
        &sys,
        "/admin/users",
        &[
            ("username", "gdmu9"),
            ("display_name", "张老师"),
            ("organisation", "广东医科大学"),
            ("role", "school"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page = created.text().await.unwrap();
    assert!(page.contains("安全管理员审核通过后才能登录"));
    let first = shown_password(&page);
    assert_eq!(app.count("users").await, users_before + 1);
    let again = post(
        &app,
        &sys,
        "/admin/users",
        &[
            ("username", "gdmu9"),
            ("display_name", "又一个"),
            ("organisation", "广东医科大学"),
            ("role", "school"),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("已被使用"));

    // Pending approval: the right password is answered exactly like a wrong one.
    let (_, pending) = app.web_login("gdmu9", &first).await;
    assert_eq!(pending.status(), StatusCode::UNAUTHORIZED);
    assert!(pending.text().await.unwrap().contains("用户名或密码错误"));
    let (right, wrong) = (
        app.api_login("gdmu9", &first).await,
        app.api_login("gdmu9", "Wrong#pass1").await,
    );
    assert_eq!(right.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        right.json::<Value>().await.unwrap(),
        wrong.json::<Value>().await.unwrap()
    );
    let list = app
        .get_with(&sys, "/admin/users?q=gdmu9")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("待审核"));

    // The security administrator approves it from the approvals list, through a confirmation.
    let id = id_of(&app, "gdmu9").await;
    let approvals = app
        .get_with(&sec, "/admin/approvals")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        approvals.contains("gdmu9") && approvals.contains(&format!("/admin/users/{id}/approve"))
    );
    assert_eq!(
        app.get_with(&sys, "/admin/approvals").await.status(),
        StatusCode::FORBIDDEN,
        "the system administrator does not approve its own creations"
    );
    assert_eq!(
        post(&app, &sys, &format!("/admin/users/{id}/approve"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let confirm = app
        .get_with(&sec, &format!("/admin/users/{id}/approve"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("确认审核通过"));
    assert_eq!(
        post(&app, &sec, &format!("/admin/users/{id}/approve"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        !app.get_with(&sec, "/admin/approvals")
            .await
            .text()
            .await
            .unwrap()
            .contains("gdmu9")
    );
    let (_, login) = app.web_login("gdmu9", &first).await;
    assert_eq!(
        login.headers()["location"],
        "/account/password",
        "approved: the shown password works once and must be changed"
    );

    // Lock the account; the security administrator lifts the lock, the system administrator cannot.
    for _ in 0..5 {
        app.api_login("gdmu9", "Wrong#pass1").await;
    }
    assert_eq!(
        app.api_login("gdmu9", &first).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let list = app
        .get_with(&sec, "/admin/users?q=gdmu9")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("已锁定至") && list.contains(&format!("/admin/users/{id}/unlock")));
    let sys_list = app
        .get_with(&sys, "/admin/users?q=gdmu9")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !sys_list.contains(&format!("/admin/users/{id}/unlock"))
            && !sys_list.contains(&format!("/admin/users/{id}/reset-password"))
    );
    for action in ["unlock", "reset-password"] {
        assert_eq!(
            post(&app, &sys, &format!("/admin/users/{id}/{action}"), &[])
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "sysadmin {action}"
        );
    }
    // A role change the system administrator may propose (an empty one names its field).
    let empty_role = post(&app, &sys, &format!("/admin/users/{id}/role"), &[]).await;
    assert_eq!(empty_role.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty_role.text().await.unwrap().contains("角色："));
    let confirm = app
        .get_with(&sec, &format!("/admin/users/{id}/unlock"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("确认解除锁定"));
    assert_eq!(
        post(&app, &sec, &format!("/admin/users/{id}/unlock"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let unlocked = app.api_login("gdmu9", &first).await;
    assert_eq!(unlocked.status(), StatusCode::OK, "unlocked");
    assert_eq!(
        unlocked.json::<serde_json::Value>().await.unwrap()["must_change_password"],
        true,
        "still to change its password"
    );

    // A reset (security administrator) shows a new password once; the old one stops working.
    // (Some minutes later: the name has used up its sign-in attempts for now.)
    app.clock.advance_ms(5 * 60_000);
    let reset = post(
        &app,
        &sec,
        &format!("/admin/users/{id}/reset-password"),
        &[],
    )
    .await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(
        reset.headers()["cache-control"],
        "no-store",
        "a page with a password is not cached"
    );
    let second = shown_password(&reset.text().await.unwrap());
    assert_ne!(first, second);
    assert_eq!(
        app.web_login("gdmu9", &first).await.1.status(),
        StatusCode::UNAUTHORIZED
    );
    let (holder, login) = app.web_login("gdmu9", &second).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);

    // Disabling (system administrator) ends the sessions and refuses sign-in; enabling restores it.
    for action in ["disable", "enable"] {
        assert_eq!(
            post(&app, &sec, &format!("/admin/users/{id}/{action}"), &[])
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "secadmin {action}"
        );
    }
    assert_eq!(
        post(&app, &sys, &format!("/admin/users/{id}/disable"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get_with(&holder, "/account/password").await.status(),
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(
        app.web_login("gdmu9", &second).await.1.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, &sys, &format!("/admin/users/{id}/enable"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.web_login("gdmu9", &second).await.1.status(),
        StatusCode::SEE_OTHER
    );

    // No unknown actions; no business user doing any of this.
    assert_eq!(
        app.get_with(&sys, &format!("/admin/users/{id}/delete"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    for action in ["disable", "unlock", "approve"] {
        assert_eq!(
            post(&app, &bureau, &format!("/admin/users/{id}/{action}"), &[])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }

    // Each of these is in the audit log under the administrator who did it.
    for (actor, action) in [
        ("sys", "user.create"),
        ("sec", "user.approve"),
        ("sec", "user.unlock"),
        ("sec", "user.reset_password"),
        ("sys", "user.disable"),
        ("sys", "user.enable"),
    ] {
        let n = app.text("select cast(count(*) as text) from audit_events where action = $1 and actor_name = $2", &[action, actor]).await;
        assert_eq!(n, "1", "{action} by {actor} is audited");
    }
}

/// The probe's three bypasses, and their neighbours, each refused with nothing changed.
async fn the_probe_bypasses_are_refused(app: TestApp) {
    let (sys, sec, _) = admins(&app).await;
    let sys_token = app.api_token("sys", PASSWORD).await;
    let sec_token = app.api_token("sec", PASSWORD).await;

    // 1. The system administrator creates a bureau account and cannot sign in with it.
    let created = expect(
        send(
            &app,
            &sys_token,
            Method::POST,
            "/api/v1/users",
            json!({"username": "jyj2", "display_name": "冒名", "organisation": "东莞市教育局", "role": "bureau"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["user"]["approval"], "pending");
    let password = created["initial_password"].as_str().unwrap().to_string();
    assert_eq!(
        app.web_login("jyj2", &password).await.1.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.api_login("jyj2", &password).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // … nor make the account an administrator's, nor approve it (it may propose a business
    // role, which a security administrator then approves or not).
    let jyj2 = created["user"]["id"].as_str().unwrap().to_string();
    expect(
        api_post(&app, &sys_token, &format!("/api/v1/users/{jyj2}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let body = expect(
        send(
            &app,
            &sys_token,
            Method::PUT,
            &format!("/api/v1/users/{jyj2}/role"),
            json!({"role": "auditor"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "角色");

    // Administrators' accounts are not made on the platform, by form, API or sheet.
    let users = app.count("users").await;
    let form = post(
        &app,
        &sys,
        "/admin/users",
        &[
            ("username", "sys2"),
            ("display_name", "第二系统管理员"),
            ("organisation", "东莞市教育局"),
            ("role", "auditor"),
        ],
    )
    .await;
    assert_eq!(form.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = form.text().await.unwrap();
    assert!(text.contains("角色：") && text.contains("命令行"), "{text}");
    let body = expect(
        send(
            &app,
            &sys_token,
            Method::POST,
            "/api/v1/users",
            json!({"username": "sec2", "display_name": "x", "organisation": "东莞市教育局", "role": "secadmin"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "角色");
    let sheet = "username,display_name,organisation,role\naud2,x,东莞市教育局,审计管理员\n";
    let part = reqwest::multipart::Part::bytes(sheet.as_bytes().to_vec()).file_name("u.csv");
    let resp = app
        .client
        .post(app.url("/api/v1/users/import"))
        .bearer_auth(&sys_token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.to_string().contains("命令行"), "{body}");
    assert_eq!(app.count("users").await, users);

    // 2 and 3. Nobody resets, disables or unlocks the auditor (or any administrator) on the
    // platform; the list offers no such link.
    let aud = id_of(&app, "aud").await;
    let before: Vec<String> = account_states(&app, &["sys", "sec", "aud"]).await;
    let list = app
        .get_with(&sys, "/admin/users?q=aud")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("管理员账户由命令行管理") && !list.contains(&format!("/admin/users/{aud}/"))
    );
    for (client, token, actions) in [
        (&sys, &sys_token, ["disable", "enable"].as_slice()),
        (
            &sec,
            &sec_token,
            ["reset-password", "unlock", "approve", "reject"].as_slice(),
        ),
    ] {
        for target in ["aud", "sys", "sec"] {
            let id = id_of(&app, target).await;
            for action in actions {
                let resp = post(&app, client, &format!("/admin/users/{id}/{action}"), &[]).await;
                assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{action} {target}");
                assert!(resp.text().await.unwrap().contains("命令行"));
                let body = expect(
                    api_post(&app, token, &format!("/api/v1/users/{id}/{action}")).await,
                    StatusCode::FORBIDDEN,
                )
                .await;
                assert!(body["message"].as_str().unwrap().contains("命令行"));
            }
        }
    }
    // The security administrator changes no administrator's role, its own included.
    for target in ["aud", "sec", "sys"] {
        let id = id_of(&app, target).await;
        let resp = post(
            &app,
            &sec,
            &format!("/admin/users/{id}/role"),
            &[("role", "bureau"), ("organisation", "东莞市教育局")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "role of {target}");
        expect(
            send(
                &app,
                &sec_token,
                Method::PUT,
                &format!("/api/v1/users/{id}/role"),
                json!({"role": "bureau"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // … nor makes a business account an administrator's.
    let admin = id_of(&app, "admin").await;
    let body = expect(
        send(
            &app,
            &sec_token,
            Method::PUT,
            &format!("/api/v1/users/{admin}/role"),
            json!({"role": "auditor"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "角色");
    assert_eq!(account_states(&app, &["sys", "sec", "aud"]).await, before);
    assert_eq!(
        account_state(&app, "admin").await.split('|').nth(1),
        Some("bureau")
    );
    // The auditor still signs in and reads the log.
    let aud_client = app.web_client("aud", PASSWORD).await;
    assert_eq!(
        app.get_with(&aud_client, "/audit").await.status(),
        StatusCode::OK
    );
    // The auditor acts on no account at all.
    let aud_token = app.api_token("aud", PASSWORD).await;
    expect(
        app.api_get(&aud_token, "/api/v1/users").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        api_post(&app, &aud_token, &format!("/api/v1/users/{jyj2}/approve")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

async fn account_states(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        out.push(account_state(app, n).await);
    }
    out
}

/// A role change (with its organisation) waits for approval; the account keeps its role till then.
async fn role_changes_wait_for_approval(app: TestApp) {
    admins(&app).await;
    let sec = app.api_token("sec", PASSWORD).await;
    let sys = app.api_token("sys", PASSWORD).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let id = id_of(&app, "gdmu").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let role = format!("/api/v1/users/{id}/role");

    // Wrong changes name their field and change nothing.
    let before = account_state(&app, "gdmu").await;
    for (body, field) in [
        (json!({"role": "village"}), "角色"),
        (
            json!({"role": "town", "organisation": "不存在的镇"}),
            "单位",
        ),
        (json!({"role": "school"}), "角色"),
        (json!({"role": "mayor"}), "角色"),
    ] {
        let resp = expect(
            send(&app, &sec, Method::PUT, &role, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(resp["fields"][0]["field"], field, "{body}");
    }
    assert_eq!(account_state(&app, "gdmu").await, before);

    // Proposed by the system administrator, approved by the security administrator (who may
    // not approve what they proposed themselves: duties.rs).
    let moved = expect(
        send(
            &app,
            &sys,
            Method::PUT,
            &role,
            json!({"role": "town", "organisation": "凤岗镇"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["role"], "school");
    assert_eq!(moved["pending_role"], "town");
    assert_eq!(moved["pending_organisation"]["name"], "凤岗镇");
    // Until approved, the account works as it did.
    expect(app.api_get(&school, "/api/v1/groups").await, StatusCode::OK).await;
    let waiting = expect(
        app.api_get(&sec, "/api/v1/users?awaiting_approval=true")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(waiting["total"], 1);
    assert_eq!(waiting["items"][0]["username"], "gdmu");

    let approved = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["role"], "town");
    assert_eq!(approved["organisation"]["name"], "凤岗镇");
    assert_eq!(approved["pending_role"], Value::Null);
    assert_eq!(
        app.api_get(&school, "/api/v1/groups").await.status(),
        StatusCode::UNAUTHORIZED,
        "the old session ends with the old role"
    );
    let town = app.api_token("gdmu", PASSWORD).await;
    let groups = expect(app.api_get(&town, "/api/v1/groups").await, StatusCode::OK).await;
    assert_eq!(groups["items"][0]["lead_town"]["name"], "凤岗镇");

    // A change turned down is dropped; the account keeps what it has.
    expect(
        send(
            &app,
            &sec,
            Method::PUT,
            &role,
            json!({"role": "school", "organisation": "广东医科大学"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rejected = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/reject")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rejected["role"], "town");
    assert_eq!(rejected["pending_role"], Value::Null);
    assert_eq!(rejected["approval"], "approved");
    // Nothing waits now.
    let body = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/approve")).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("没有待审核"));

    // A new account that is rejected stays unable to sign in.
    let created = expect(
        send(
            &app,
            &sys,
            Method::POST,
            "/api/v1/users",
            json!({"username": "hq9", "display_name": "新人", "organisation": "东莞市“百千万工程”指挥部办公室", "role": "hq"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let hq9 = created["user"]["id"].as_str().unwrap();
    let body = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{hq9}/reject")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["approval"], "rejected");
    let hq9_password = created["initial_password"].as_str().unwrap();
    assert_eq!(
        app.api_login("hq9", hq9_password).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A rejection can be undone by approving after all.
    let sec_list = app.web_client("sec", PASSWORD).await;
    let list = app
        .get_with(&sec_list, "/admin/users?q=hq9")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("审核未通过") && list.contains(&format!("/admin/users/{hq9}/approve")));
    let body = expect(
        api_post(&app, &sec, &format!("/api/v1/users/{hq9}/approve")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["approval"], "approved");
    let admitted = expect(app.api_login("hq9", hq9_password).await, StatusCode::OK).await;
    assert_eq!(
        admitted["must_change_password"], true,
        "admitted; its first password is still to be changed"
    );

    // The web form does the same: the role page proposes, the approvals page lists it.
    let sec_web = app.web_client("sec", PASSWORD).await;
    let form = app
        .get_with(&sec_web, &format!("/admin/users/{id}/role"))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains("name=\"role\"") && form.contains("value=\"凤岗镇\""));
    let bad = post(
        &app,
        &sec_web,
        &format!("/admin/users/{id}/role"),
        &[("role", "school"), ("organisation", "凤岗镇")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("角色："));
    let ok = post(
        &app,
        &sec_web,
        &format!("/admin/users/{id}/role"),
        &[("role", "village"), ("organisation", "雁田村(凤岗镇)")],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let approvals = app
        .get_with(&sec_web, "/admin/approvals")
        .await
        .text()
        .await
        .unwrap();
    assert!(approvals.contains("gdmu") && approvals.contains("村(社区)"));
}

/// The auditor sees each administrator action, with who did it.
async fn the_auditor_sees_every_administrator_action(app: TestApp) {
    let (_, _, aud) = admins(&app).await;
    let sys = app.api_token("sys", PASSWORD).await;
    let sec = app.api_token("sec", PASSWORD).await;
    let created = expect(
        send(
            &app,
            &sys,
            Method::POST,
            "/api/v1/users",
            json!({"username": "fg1", "display_name": "镇干部", "organisation": "凤岗镇", "role": "town"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["user"]["id"].as_str().unwrap().to_string();
    for (token, path) in [
        (&sec, "approve"),
        (&sec, "unlock"),
        (&sec, "reset-password"),
        (&sys, "disable"),
        (&sys, "enable"),
    ] {
        expect(
            api_post(&app, token, &format!("/api/v1/users/{id}/{path}")).await,
            StatusCode::OK,
        )
        .await;
    }
    expect(
        send(
            &app,
            &sec,
            Method::PUT,
            &format!("/api/v1/users/{id}/role"),
            json!({"role": "village", "organisation": "雁田村(凤岗镇)"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect(
        api_post(&app, &sec, &format!("/api/v1/users/{id}/reject")).await,
        StatusCode::OK,
    )
    .await;
    // The administrators' sign-ins are there too.
    let export = app.get_with(&aud, "/audit/export.xlsx").await;
    assert_eq!(export.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&export.bytes().await.unwrap()).unwrap();
    for (actor, action) in [
        ("sys", "user.create"),
        ("sec", "user.approve"),
        ("sec", "user.unlock"),
        ("sec", "user.reset_password"),
        ("sys", "user.disable"),
        ("sys", "user.enable"),
        ("sec", "user.role_requested"),
        ("sec", "user.reject"),
        ("sys", "login.success"),
        ("sec", "login.success"),
    ] {
        let on_account = |r: &Vec<String>| action.starts_with("login.") || r[5] == id;
        assert!(
            rows.iter()
                .any(|r| r[1] == actor && r[3] == action && on_account(r)),
            "{actor} {action} in the auditor's export"
        );
    }
    let page = app
        .get_with(&aud, "/audit?action=user.approve")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("user.approve") && page.contains("sec"));
}

/// The server's command line creates the three administrators and mends their accounts.
async fn the_command_line_keeps_the_administrators_accounts(app: TestApp) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xiaodi"))
            .args([
                "--database-url",
                &app.database_url,
                "--data-dir",
                app.data_dir.to_str().unwrap(),
                "--log-level",
                "error",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    for role in ["sysadmin", "secadmin", "auditor"] {
        let out = run(
            &[
                "user",
                "add",
                "--username",
                role,
                "--org",
                "东莞市教育局",
                "--role",
                role,
            ],
            "Cli#Pass2024\n",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Admitted at once.
        assert_eq!(
            app.api_login(role, "Cli#Pass2024").await.status(),
            StatusCode::OK,
            "{role}"
        );
    }
    // A password typed at the command line was set by someone else: it is changed first.
    let sec = app.web_client("secadmin", "Cli#Pass2024").await;
    assert_eq!(
        app.get_with(&sec, "/").await.headers()["location"],
        "/account/password"
    );
    // An administrator locked out is let in again, and given a new password, from the command line.
    for _ in 0..5 {
        app.api_login("auditor", "Wrong#pass1").await;
    }
    assert_eq!(
        app.api_login("auditor", "Cli#Pass2024").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let out = run(&["user", "unlock", "--username", "auditor"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.api_login("auditor", "Cli#Pass2024").await.status(),
        StatusCode::OK
    );
    let out = run(&["user", "reset-password", "--username", "auditor"], "");
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let password = said.trim().rsplit('：').next().unwrap().to_string();
    assert_eq!(
        app.api_login("auditor", "Cli#Pass2024").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, login) = app.web_login("auditor", &password).await;
    assert_eq!(login.headers()["location"], "/account/password");
    let out = run(&["user", "disable", "--username", "sysadmin"], "");
    assert!(out.status.success());
    assert_eq!(
        app.api_login("sysadmin", "Cli#Pass2024").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let out = run(&["user", "unlock", "--username", "nobody"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有用户名为“nobody”的账户"));
    // Each is audited under the operator.
    let n = app
        .text(
            "select cast(count(*) as text) from audit_events where action in ('user.unlock', 'user.reset_password', 'user.disable') and actor_name like '命令行:%'",
            &[],
        )
        .await;
    assert_eq!(n, "3");
}

on_both!(
    three_administrators_share_the_account_duties,
    the_probe_bypasses_are_refused,
    role_changes_wait_for_approval,
    the_auditor_sees_every_administrator_action,
    the_command_line_keeps_the_administrators_accounts,
);
