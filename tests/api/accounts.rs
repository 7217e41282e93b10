//! Account administration on the web (system administrator): create, unlock, reset, disable.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp};
use crate::on_both;
use reqwest::{Client, StatusCode};

async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = app.csrf_of(client).await;
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post(app.url(path)).form(&all).send().await.unwrap()
}

/// The initial password a page shows once, in `<code class="secret">`.
fn shown_password(page: &str) -> String {
    let start = page
        .find("<code class=\"secret\">")
        .expect("a password is shown")
        + "<code class=\"secret\">".len();
    page[start..start + page[start..].find('<').unwrap()].to_string()
}

async fn a_sysadmin_manages_accounts(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;

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
    let first = shown_password(&created.text().await.unwrap());
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
    let (_, login) = app.web_login("gdmu9", &first).await;
    assert_eq!(
        login.headers()["location"],
        "/account/password",
        "the shown password works once and must be changed"
    );

    let id = app
        .text("select id from users where username = 'gdmu9'", &[])
        .await;
    // Lock the account, then lift the lock through the confirmation page.
    for _ in 0..5 {
        app.api_login("gdmu9", "Wrong#pass1").await;
    }
    assert_eq!(
        app.api_login("gdmu9", &first).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let list = app
        .get_with(&sys, "/admin/users?q=gdmu9")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("已锁定至") && list.contains(&format!("/admin/users/{id}/unlock")));
    let confirm = app
        .get_with(&sys, &format!("/admin/users/{id}/unlock"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("确认解除锁定"));
    assert_eq!(
        post(&app, &sys, &format!("/admin/users/{id}/unlock"), &[])
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

    // A reset shows a new password once; the old one stops working and sessions end.
    let reset = post(
        &app,
        &sys,
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

    // Disabling ends the account's sessions and refuses sign-in; enabling restores it.
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

    // No disabling oneself, no unknown actions, no one else doing any of this.
    let me = app
        .text("select id from users where username = 'sys'", &[])
        .await;
    assert_eq!(
        post(&app, &sys, &format!("/admin/users/{me}/disable"), &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.get_with(&sys, &format!("/admin/users/{id}/delete"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        post(&app, &bureau, &format!("/admin/users/{id}/disable"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Each of these is in the audit log.
    for action in [
        "user.create",
        "user.unlock",
        "user.reset_password",
        "user.disable",
        "user.enable",
    ] {
        let n = app.text("select cast(count(*) as text) from audit_events where action = $1 and actor_name = 'sys'", &[action]).await;
        assert_ne!(n, "0", "{action} is audited");
    }
}

on_both!(a_sysadmin_manages_accounts);
