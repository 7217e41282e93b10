//! Sign-in as an MLPS (等保) assessor would check it.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, hidden_value, new_client};
use crate::on_both;
use reqwest::StatusCode;
use serde_json::Value;
use xiaodi::domain::password::{LOCK_MS, MAX_FAILED_ATTEMPTS};

/// What the lock-out message says, from the settings the store enforces.
fn locked_message() -> String {
    format!(
        "连续 {MAX_FAILED_ATTEMPTS} 次登录失败，已锁定 {} 分钟",
        LOCK_MS / 60_000
    )
}

/// The `Retry-After` of a response, in seconds.
pub(crate) fn retry_after(resp: &reqwest::Response) -> i64 {
    resp.headers()
        .get("retry-after")
        .expect("a 429 says when to retry")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn lockout_after_five_failures(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    let login_page = app
        .get_with(&new_client(), "/login")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        login_page.contains(&format!(
            "连续 {MAX_FAILED_ATTEMPTS} 次密码错误，账户将锁定 {} 分钟；30 分钟无操作或登录满 12 小时将自动退出",
            LOCK_MS / 60_000
        )),
        "the login page states the policy: {login_page}"
    );
    for i in 1..MAX_FAILED_ATTEMPTS {
        let (_, resp) = app.web_login("gdmu", "Wrong#pass1").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(resp.text().await.unwrap().contains("用户名或密码错误"));
    }
    let (_, fifth) = app.web_login("gdmu", "Wrong#pass1").await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&fifth), LOCK_MS / 1000);
    let text = fifth.text().await.unwrap();
    assert!(
        text.contains(&locked_message()),
        "the fifth failure says the name is locked, and for how long: {text}"
    );

    // Locked: even the right password is refused, on the web and through the API.
    let (_, resp) = app.web_login("gdmu", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.text().await.unwrap().contains("已锁定"));
    let api = app.api_login("gdmu", PASSWORD).await;
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(api.json::<Value>().await.unwrap()["error"], "locked");

    app.clock.advance_ms(LOCK_MS - 60 * 1000);
    let still = app.api_login("gdmu", PASSWORD).await;
    assert_eq!(
        still.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "still locked a minute before the lock ends"
    );
    assert_eq!(retry_after(&still), 60);
    app.clock.advance_ms(60 * 1000 + 1);
    assert_eq!(
        app.api_login("gdmu", PASSWORD).await.status(),
        StatusCode::OK,
        "open again once the lock has ended"
    );

    // Every attempt is in the audit log, with the address it came from.
    use sqlx::Row;
    let rows =
        sqlx::query("select action, ip from audit_events where actor_name = 'gdmu' order by at")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    let actions: Vec<String> = rows.iter().map(|r| r.try_get("action").unwrap()).collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "login.failure").count() as i64,
        MAX_FAILED_ATTEMPTS - 1
    );
    assert!(
        actions.contains(&"login.locked".to_string())
            && actions.contains(&"login.refused_locked".to_string())
    );
    assert_eq!(actions.last().unwrap(), "login.success");
    assert!(
        rows.iter()
            .all(|r| r.try_get::<String, _>("ip").unwrap() == "127.0.0.1")
    );
}

async fn unknown_users_fail_like_wrong_passwords(app: TestApp) {
    let (_, resp) = app.web_login("nobody", "Whatever#1").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("用户名或密码错误"));
    let api = app.api_login("nobody", "Whatever#1").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let malformed = app
        .client
        .post(app.url("/api/v1/login"))
        .header("content-type", "application/json")
        .body("{\"username\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.json::<Value>().await.unwrap()["error"], "invalid");
}

async fn sessions_expire_after_thirty_idle_minutes(app: TestApp) {
    let client = app.web_client("admin", ADMIN_PASSWORD).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    app.clock.advance_ms(29 * 60 * 1000);
    assert_eq!(
        app.get_with(&client, "/").await.status(),
        StatusCode::OK,
        "29 idle minutes: still signed in"
    );
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::OK
    );
    // Each request restarts the idle clock.
    app.clock.advance_ms(29 * 60 * 1000);
    assert_eq!(app.get_with(&client, "/").await.status(), StatusCode::OK);
    app.clock.advance_ms(30 * 60 * 1000);
    let resp = app.get_with(&client, "/").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let api = app.api_get(&token, "/api/v1/groups").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api.json::<Value>().await.unwrap()["error"], "unauthorized");
}

async fn session_cookie_and_security_headers(app: TestApp) {
    let client = new_client();
    let form = client.get(app.url("/login")).send().await.unwrap();
    for (h, v) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(form.headers()[h], v);
    }
    let csp = form.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"));
    let csrf = hidden_value(&form.text().await.unwrap(), "csrf_token").unwrap();

    let first = client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let cookie = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("xiaodi_session="))
            .expect("session cookie set")
    };
    let c1 = cookie(&first);
    assert!(
        c1.contains("HttpOnly") && c1.contains("SameSite=Lax") && !c1.contains("Secure"),
        "{c1}"
    );

    // Signing in again gives a new session id and ends the old one.
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let second = client
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let c2 = cookie(&second);
    assert_ne!(c1.split(';').next(), c2.split(';').next());
    let old = new_client();
    let old_resp = old
        .get(app.url("/"))
        .header("cookie", c1.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        old_resp.status(),
        StatusCode::SEE_OTHER,
        "the pre-login session id no longer works"
    );
}

async fn forms_without_the_token_are_refused(app: TestApp) {
    // Login without the cookie-bound token.
    let resp = new_client()
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    let client = app.web_client("admin", ADMIN_PASSWORD).await;
    let sessions = app.count("sessions").await;
    // Logout without a token, with a wrong one, and from another site: all refused, still signed in.
    let no_token = client
        .post(app.url("/logout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let wrong = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let csrf = app.csrf_of(&client).await;
    let cross = client
        .post(app.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let other_origin = client
        .post(app.url("/logout"))
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(other_origin.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("sessions").await, sessions);
    assert_eq!(app.get_with(&client, "/").await.status(), StatusCode::OK);

    // With the token it works.
    let ok = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with(&client, "/").await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn password_change_enforces_the_policy(app: TestApp) {
    app.add_user("town1", "凤岗镇", "town").await;
    let client = app.web_client("town1", PASSWORD).await;
    let csrf = app.csrf_of(&client).await;
    let change = |new: &'static str, confirm: &'static str| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = app.url("/account/password");
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("current", PASSWORD),
                    ("new_password", new),
                    ("confirm", confirm),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let short = change("Ab1!", "Ab1!").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().await.unwrap().contains("至少需要 8 个字符"));
    let weak = change("abcdefgh", "abcdefgh").await;
    assert!(weak.text().await.unwrap().contains("至少三类"));
    for common in ["Password1", "Passw0rd!", "Qwerty123"] {
        let resp = change(common, common).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{common}");
        assert!(
            resp.text().await.unwrap().contains("密码：过于常见"),
            "{common}"
        );
    }
    let named = change("Town1#Meadow", "Town1#Meadow").await;
    assert!(named.text().await.unwrap().contains("密码：不能包含用户名"));
    let mismatch = change("Better#Pass1", "Better#Pass2").await;
    assert!(mismatch.text().await.unwrap().contains("两次输入"));
    assert_eq!(
        change("Better#Pass1", "Better#Pass1").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.api_login("town1", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.api_login("town1", "Better#Pass1").await.status(),
        StatusCode::OK
    );
}

async fn a_generated_first_password_must_be_changed(app: TestApp) {
    // A fresh database without XIAODI_ADMIN_PASSWORD: a strong password is generated and shown once.
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = crate::helpers::fresh_database_url(app.backend, dir.path())
        .await
        .unwrap();
    let mut config = crate::helpers::test_config(dir.path(), &url);
    config.admin_password = None;
    let other = xiaodi::Application::build(config).await.unwrap();
    let password = other
        .prepared
        .generated_admin_password
        .clone()
        .expect("a generated password");
    assert!(xiaodi::domain::password::check_strength(&password, "admin").is_ok());
    let base = format!("http://{}", other.local_addr());
    tokio::spawn(other.run_until_stopped());

    let client = new_client();
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&form, "csrf_token").unwrap();
    let resp = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", "admin"),
            ("password", password.as_str()),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/account/password");
    let home = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(
        home.headers()["location"],
        "/account/password",
        "nothing else until the password is changed"
    );
    // The API refuses business calls too, until the password is changed (there or on the web).
    api_must_change_then_change(&base, "admin", &password).await;
}

/// Through the API: sign-in says the password must be changed, every business call answers 403
/// `password_change_required`, a refused new password changes nothing, and after the change
/// the same token works.
async fn api_must_change_then_change(base: &str, username: &str, password: &str) {
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let body: Value = login.json().await.unwrap();
    assert_eq!(body["must_change_password"], true);
    assert_eq!(body["lifetime_seconds"], 12 * 3600);
    let token = body["token"].as_str().unwrap().to_string();
    let groups = http
        .get(format!("{base}/api/v1/groups"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.status(), StatusCode::FORBIDDEN);
    let err: Value = groups.json().await.unwrap();
    assert_eq!(err["error"], "password_change_required");
    assert!(err["message"].as_str().unwrap().contains("请先修改密码"));
    let change = |current: String, new: &'static str| {
        http.post(format!("{base}/api/v1/account/password"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "current_password": current, "new_password": new }))
            .send()
    };
    let common = change(password.to_string(), "Password1!").await.unwrap();
    assert_eq!(common.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = common.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "密码");
    assert!(
        err["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("过于常见")
    );
    let wrong = change("Not#the-one9".into(), "Meadow#Lark42")
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["fields"][0]["field"],
        "当前密码"
    );
    let same = change(password.to_string(), "Meadow#Lark42").await.unwrap();
    assert_eq!(same.status(), StatusCode::NO_CONTENT);
    let groups = http
        .get(format!("{base}/api/v1/groups"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.status(), StatusCode::OK, "usable once changed");
    let again = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({ "username": username, "password": "Meadow#Lark42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.json::<Value>().await.unwrap()["must_change_password"],
        false
    );
}

/// 等保: a password someone else chose must be changed. The first admin's, from
/// XIAODI_ADMIN_PASSWORD, and an account an operator created with a given password (the
/// command line's `user add`).
async fn given_passwords_must_be_changed(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = crate::helpers::fresh_database_url(app.backend, dir.path())
        .await
        .unwrap();
    let config = crate::helpers::test_config(dir.path(), &url);
    let other = xiaodi::Application::build(config).await.unwrap();
    let store = other.state().store.clone();
    let base = format!("http://{}", other.local_addr());
    tokio::spawn(other.run_until_stopped());
    let client = new_client();
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&form, "csrf_token").unwrap();
    let resp = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/account/password");
    api_must_change_then_change(&base, "admin", ADMIN_PASSWORD).await;

    use xiaodi::services::accounts::{FirstPassword, NewAccount, create_account};
    create_account(
        &store,
        &xiaodi::store::Actor::system("test"),
        app.clock.now_ms(),
        NewAccount {
            username: "cli1".into(),
            display_name: "命令行建的".into(),
            org_name: "广东医科大学".into(),
            role: "school".into(),
        },
        FirstPassword::Given(PASSWORD.into()),
    )
    .await
    .unwrap();
    api_must_change_then_change(&base, "cli1", PASSWORD).await;

    // The first admin's password is held to the policy too: one containing the name is refused.
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg2) = crate::helpers::fresh_database_url(app.backend, dir.path())
        .await
        .unwrap();
    let mut config = crate::helpers::test_config(dir.path(), &url);
    config.admin_password = Some("Admin#2024pw".into());
    let refused = xiaodi::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(refused.to_string().contains("不能包含用户名"), "{refused}");
}

async fn parallel_guesses_still_lock_the_account(app: TestApp) {
    app.add_user("target", "广东医科大学", "school").await;
    let attempts = (0..10).map(|_| app.api_login("target", "Wrong#pass1"));
    let statuses: Vec<StatusCode> = futures_join(attempts).await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS)
    );
    // The ten took the name's burst: the next attempt is throttled before anything is checked.
    let after = app.api_login("target", PASSWORD).await;
    assert_eq!(after.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        after.json::<Value>().await.unwrap()["error"],
        "too_many_attempts"
    );
    // Once the name has an attempt again (two a minute), the lock the ten caused answers.
    app.clock.advance_ms(30_000);
    let after = app.api_login("target", PASSWORD).await;
    assert_eq!(after.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        after.json::<Value>().await.unwrap()["error"],
        "locked",
        "ten guesses at once lock the name"
    );
}

/// Runs the requests at the same time (they are independent HTTP calls).
async fn futures_join<F: std::future::Future<Output = reqwest::Response>>(
    fs: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let mut set = Vec::new();
    for f in fs {
        set.push(f);
    }
    let responses = join_all(set).await;
    responses.iter().map(|r| r.status()).collect()
}

async fn join_all<F: std::future::Future>(fs: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = fs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

async fn wrong_current_passwords_count_too(app: TestApp) {
    app.add_user("town2", "东坑镇", "town").await;
    let client = app.web_client("town2", PASSWORD).await;
    let csrf = app.csrf_of(&client).await;
    for i in 1..=MAX_FAILED_ATTEMPTS {
        let resp = client
            .post(app.url("/account/password"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("current", "Guess#0000"),
                ("new_password", "Better#Pass1"),
                ("confirm", "Better#Pass1"),
            ])
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        if i < MAX_FAILED_ATTEMPTS {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(text.contains("当前密码：不正确"), "attempt {i}");
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            assert!(
                text.contains(&locked_message()),
                "the fifth wrong current password locks: {text}"
            );
        }
    }
    assert_eq!(
        app.get_with(&client, "/").await.status(),
        StatusCode::SEE_OTHER,
        "and ends the session"
    );
    assert_eq!(
        app.api_login("town2", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Signing in works again once the lock has ended.
    app.clock.advance_ms(LOCK_MS + 1);
    let page = app.get_with(&client, "/login").await.text().await.unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("username", "town2"),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

async fn https_behind_a_trusted_proxy(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = crate::helpers::fresh_database_url(app.backend, dir.path())
        .await
        .unwrap();
    let mut config = crate::helpers::test_config(dir.path(), &url);
    config.trusted_proxies = vec!["127.0.0.1".into()];
    let other = xiaodi::Application::build(config).await.unwrap();
    let store = other.state().store.clone();
    let base = format!("http://{}", other.local_addr());
    tokio::spawn(other.run_until_stopped());
    let client = new_client();
    let get = |forwarded: bool| {
        let mut req = client.get(format!("{base}/login"));
        if forwarded {
            req = req
                .header("x-forwarded-proto", "https")
                .header("x-forwarded-for", "203.0.113.9, 127.0.0.1");
        }
        req.send()
    };
    let plain = get(false).await.unwrap();
    assert!(
        !plain.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    assert!(
        plain.headers().get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    let proxied = get(true).await.unwrap();
    assert!(
        proxied.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure"),
        "https at the proxy: Secure cookie"
    );
    assert_eq!(
        proxied.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains",
        "https at the proxy: HSTS"
    );
    // The audit log records the client behind the proxy.
    let resp = client
        .post(format!("{base}/api/v1/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&serde_json::json!({ "username": "admin", "password": "wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    use sqlx::Row;
    let ip: String = sqlx::query("select ip from audit_events where action = 'login.failure'")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get("ip")
        .unwrap();
    assert_eq!(ip, "203.0.113.9");

    // Without the proxy setting, the same headers are ignored.
    let spoofed = app
        .client
        .post(app.url("/api/v1/login"))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&serde_json::json!({ "username": "admin", "password": "wrong" }))
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), StatusCode::UNAUTHORIZED);
    let ip: String = sqlx::query("select ip from audit_events where action = 'login.failure'")
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("ip")
        .unwrap();
    assert_eq!(ip, "127.0.0.1");
}

/// What an attacker sees of one attempt: status, `Retry-After`, error code and message.
async fn observed(resp: reqwest::Response, json: bool) -> (StatusCode, Option<String>, String) {
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await.unwrap();
    let said = if json {
        let v: Value = serde_json::from_str(&text).unwrap();
        format!("{} {}", v["error"], v["message"])
    } else {
        let start = text.find("role=\"alert\">").expect("the page says why") + 13;
        text[start..start + text[start..].find('<').unwrap()].to_string()
    };
    (status, retry, said)
}

/// Issue 7: unknown and known names behave alike through a run of failures, the lock and the
/// right password during it; a disabled account too. (The clock stands still, so even the
/// lock's end reads the same.)
async fn unknown_and_known_names_answer_alike(app: TestApp) {
    app.add_user("known1", "广东医科大学", "school").await;
    app.add_user("gone1", "广东医科大学", "school").await;
    sqlx::query("update users set disabled = 1 where username = 'gone1'")
        .execute(app.store().pool())
        .await
        .unwrap();
    let mut runs = Vec::new();
    for name in ["known1", "nobody1", "gone1"] {
        let mut seen = Vec::new();
        for _ in 0..MAX_FAILED_ATTEMPTS {
            seen.push(observed(app.api_login(name, "Wrong#pass1").await, true).await);
        }
        // Locked now: the right password (for known1) reads like any other.
        seen.push(observed(app.api_login(name, PASSWORD).await, true).await);
        seen.push(observed(app.web_login(name, PASSWORD).await.1, false).await);
        runs.push((name, seen));
    }
    let (_, first) = &runs[0];
    assert_eq!(first[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        first[MAX_FAILED_ATTEMPTS as usize - 1].0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(first.last().unwrap().2.contains("已锁定"));
    for (name, seen) in &runs[1..] {
        assert_eq!(seen, first, "{name} answers like known1");
    }
    // Each name's failures are in the audit log; the locks came for all three.
    use sqlx::Row;
    let locked: i64 =
        sqlx::query("select count(*) as n from audit_events where action = 'login.locked'")
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
    assert_eq!(locked, 3);
    // The lock is per name in any case: ` KNOWN1 ` is the same name.
    let api = app.api_login(" KNOWN1 ", PASSWORD).await;
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance_ms(LOCK_MS);
    assert_eq!(
        app.api_login("known1", PASSWORD).await.status(),
        StatusCode::OK
    );
}

/// 等保: a session ends 12 hours after sign-in however busy (the setting's default), beside the
/// idle timeout; a shorter setting is honoured.
async fn sessions_end_after_their_lifetime(app: TestApp) {
    let client = app.web_client("admin", ADMIN_PASSWORD).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    // Busy all day: a request every 20 minutes keeps the idle timeout away.
    for _ in 0..(12 * 3 - 1) {
        app.clock.advance_ms(20 * 60 * 1000);
        assert_eq!(app.get_with(&client, "/").await.status(), StatusCode::OK);
        assert_eq!(
            app.api_get(&token, "/api/v1/groups").await.status(),
            StatusCode::OK
        );
    }
    app.clock.advance_ms(20 * 60 * 1000 - 1);
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_with(&client, "/").await.status(),
        StatusCode::OK,
        "11:59:59.999 after sign-in"
    );
    app.clock.advance_ms(1);
    let resp = app.get_with(&client, "/").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "12 h after sign-in");
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Signing in again starts a new one.
    let again = app.web_client("admin", ADMIN_PASSWORD).await;
    assert_eq!(app.get_with(&again, "/").await.status(), StatusCode::OK);

    let short = crate::helpers::spawn_app_with(app.backend, |c| c.session_lifetime_hours = 1)
        .await
        .unwrap();
    let token = short.api_token("admin", ADMIN_PASSWORD).await;
    for _ in 0..2 {
        short.clock.advance_ms(29 * 60 * 1000);
        assert_eq!(
            short.api_get(&token, "/api/v1/groups").await.status(),
            StatusCode::OK
        );
    }
    short.clock.advance_ms(2 * 60 * 1000);
    assert_eq!(
        short.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// A sign-in from `ip` (through the trusted proxy on loopback).
pub(crate) async fn login_from(
    app: &TestApp,
    ip: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/login"))
        .header("x-forwarded-for", ip)
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Issue 7: 200 names from one address were all answered. Now an address gets a burst of
/// attempts, then a few a minute, answered 429 with Retry-After on the API and the web alike;
/// a throttled attempt checks nothing and writes nothing; sign-ins that succeed do not count.
async fn sign_in_is_throttled_per_address(app: TestApp) {
    let app = crate::helpers::spawn_app_with(app.backend, |c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.signin_address_burst = 5;
        c.signin_address_per_minute = 2;
    })
    .await
    .unwrap();
    for i in 0..5 {
        let r = login_from(&app, "203.0.113.5", &format!("name{i}"), "Wrong#pass1").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let audited = app.count("audit_events").await;
    let throttled = login_from(&app, "203.0.113.5", "name5", "Wrong#pass1").await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&throttled), 30, "two a minute: one every 30 s");
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["error"], "too_many_attempts");
    assert_eq!(body["message"], "登录尝试过于频繁，请 30 秒后再试");
    // Even the right password is not looked at.
    let right = login_from(&app, "203.0.113.5", "admin", ADMIN_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("audit_events").await, audited, "nothing written");
    // The web form answers the same, in Chinese.
    let client = new_client();
    let page = app.get_with(&client, "/login").await.text().await.unwrap();
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let web = client
        .post(app.url("/login"))
        .header("x-forwarded-for", "203.0.113.5")
        .form(&[
            ("username", "name6"),
            ("password", "Wrong#pass1"),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(web.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&web), 30);
    assert!(
        web.text()
            .await
            .unwrap()
            .contains("登录尝试过于频繁，请 30 秒后再试")
    );
    // Another address is not slowed; this one gets an attempt back 30 s later.
    assert_eq!(
        login_from(&app, "203.0.113.6", "name7", "Wrong#pass1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance_ms(29_999);
    assert_eq!(
        login_from(&app, "203.0.113.5", "name8", "Wrong#pass1")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_ms(1);
    assert_eq!(
        login_from(&app, "203.0.113.5", "admin", ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    // Many people behind one school's address: successful sign-ins give their attempt back.
    for i in 0..20 {
        assert_eq!(
            login_from(&app, "198.51.100.1", "admin", ADMIN_PASSWORD)
                .await
                .status(),
            StatusCode::OK,
            "sign-in {i}"
        );
    }
}

/// Per name, from any address: a name gets a burst, then a few a minute.
async fn sign_in_is_throttled_per_name(app: TestApp) {
    let app = crate::helpers::spawn_app_with(app.backend, |c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.signin_name_burst = 3;
        c.signin_name_per_minute = 1;
    })
    .await
    .unwrap();
    app.add_user("school7", "广东医科大学", "school").await;
    for (i, ip) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
        .iter()
        .enumerate()
    {
        let r = login_from(&app, ip, "school7", "Wrong#pass1").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for (name, ip) in [
        ("school7", "203.0.113.4"),
        ("SCHOOL7", "203.0.113.5"),
        ("nobody7", "203.0.113.6"),
    ] {
        if name == "nobody7" {
            // An unknown name is throttled the same way after its own three.
            for _ in 0..3 {
                login_from(&app, ip, name, "Wrong#pass1").await;
            }
        }
        let r = login_from(&app, ip, name, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert_eq!(retry_after(&r), 60);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"],
            "too_many_attempts"
        );
    }
    assert_eq!(
        login_from(&app, "203.0.113.4", "admin", ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::OK,
        "other names are not slowed"
    );
    app.clock.advance_ms(60_000);
    assert_eq!(
        login_from(&app, "203.0.113.4", "school7", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

/// The MLPS profile (on): a password 90 days old must be changed at sign-in; an account unused
/// for 90 days is disabled at sign-in and by the daily sweep (system administrators excepted).
async fn mlps_profile_rotates_and_disables(app: TestApp) {
    let app = crate::helpers::spawn_app_with(app.backend, |c| c.mlps_profile = true)
        .await
        .unwrap();
    app.add_user("busy1", "广东医科大学", "school").await;
    app.add_user("idle1", "广东医科大学", "school").await;
    app.add_user("idle2", "广东医科大学", "school").await;
    app.add_user("sys1", "东莞市教育局", "sysadmin").await;
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let token = app.api_token("busy1", PASSWORD).await;
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::OK
    );
    app.clock.advance_ms(89 * DAY);
    let login = app.api_login("busy1", PASSWORD).await;
    assert_eq!(
        login.json::<Value>().await.unwrap()["must_change_password"],
        false,
        "day 89"
    );
    app.clock.advance_ms(DAY);
    // Day 90: busy1's password is due; it signed in the day before, so it is not dormant.
    let login = app.api_login("busy1", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        login.json::<Value>().await.unwrap()["must_change_password"],
        true
    );
    let (_, web) = app.web_login("busy1", PASSWORD).await;
    assert_eq!(web.headers()["location"], "/account/password");
    // idle1 never signed in since its creation 90 days ago: the right password disables it.
    let dormant = app.api_login("idle1", PASSWORD).await;
    assert_eq!(dormant.status(), StatusCode::FORBIDDEN);
    let body: Value = dormant.json().await.unwrap();
    assert_eq!(body["error"], "account_disabled");
    assert!(body["message"].as_str().unwrap().contains("90 天未使用"));
    // A wrong password says only that (nothing about the account).
    assert_eq!(
        app.api_login("idle2", "Wrong#pass1").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The daily sweep disables idle2; the system administrator is kept.
    let n = xiaodi::services::signin::disable_dormant_accounts(app.store(), app.clock.now_ms())
        .await
        .unwrap();
    assert!(n >= 1, "{n}");
    let disabled = |name: &'static str| {
        let pool = app.store().pool().clone();
        async move {
            use sqlx::Row;
            sqlx::query("select disabled from users where username = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<i64, _>("disabled")
                .unwrap()
                == 1
        }
    };
    // (The first admin, a bureau account unused since the start, goes the same way.)
    assert!(disabled("idle1").await && disabled("idle2").await && disabled("admin").await);
    assert!(!disabled("busy1").await && !disabled("sys1").await);
    let actions: i64 = {
        use sqlx::Row;
        sqlx::query("select count(*) as n from audit_events where action = 'user.disable_dormant'")
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    };
    assert_eq!(actions, 3);
    assert_eq!(
        app.api_login("idle2", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Off by default (ASVS advises against forced rotation): the same 90 days change nothing.
async fn mlps_profile_is_off_by_default(app: TestApp) {
    app.add_user("idle3", "广东医科大学", "school").await;
    app.clock.advance_ms(200 * 24 * 60 * 60 * 1000);
    let login = app.api_login("idle3", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        login.json::<Value>().await.unwrap()["must_change_password"],
        false
    );
}

on_both!(
    parallel_guesses_still_lock_the_account,
    wrong_current_passwords_count_too,
    https_behind_a_trusted_proxy,
    lockout_after_five_failures,
    unknown_users_fail_like_wrong_passwords,
    sessions_expire_after_thirty_idle_minutes,
    session_cookie_and_security_headers,
    forms_without_the_token_are_refused,
    password_change_enforces_the_policy,
    a_generated_first_password_must_be_changed,
    given_passwords_must_be_changed,
    unknown_and_known_names_answer_alike,
    sessions_end_after_their_lifetime,
    sign_in_is_throttled_per_address,
    sign_in_is_throttled_per_name,
    mlps_profile_rotates_and_disables,
    mlps_profile_is_off_by_default,
);
