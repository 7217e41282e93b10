//! Sign-in as an MLPS (等保) assessor would check it.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, hidden_value, new_client};
use crate::on_both;
use reqwest::StatusCode;
use serde_json::Value;
use xiaodi::domain::password::{LOCK_MS, MAX_FAILED_ATTEMPTS};

/// What the lock-out message says, from the settings the store enforces.
fn locked_message() -> String {
    format!(
        "连续 {MAX_FAILED_ATTEMPTS} 次登录失败，账户已锁定 {} 分钟",
        LOCK_MS / 60_000
    )
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
            "连续 {MAX_FAILED_ATTEMPTS} 次密码错误，账户将锁定 {} 分钟",
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
    let text = fifth.text().await.unwrap();
    assert!(
        text.contains(&locked_message()),
        "the fifth failure says the account is locked, and for how long: {text}"
    );

    // Locked: even the right password is refused, on the web and through the API.
    let (_, resp) = app.web_login("gdmu", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("已锁定"));
    let api = app.api_login("gdmu", PASSWORD).await;
    assert_eq!(api.status(), StatusCode::LOCKED);
    assert_eq!(api.json::<Value>().await.unwrap()["error"], "locked");

    app.clock.advance_ms(LOCK_MS - 60 * 1000);
    assert_eq!(
        app.api_login("gdmu", PASSWORD).await.status(),
        StatusCode::LOCKED,
        "still locked a minute before the lock ends"
    );
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
    assert!(xiaodi::domain::password::check_strength(&password).is_ok());
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
    // The API refuses it too, until the password is changed on the web.
    let api = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({ "username": "admin", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        api.json::<Value>().await.unwrap()["error"],
        "password_change_required"
    );
}

async fn parallel_guesses_still_lock_the_account(app: TestApp) {
    app.add_user("target", "广东医科大学", "school").await;
    let attempts = (0..10).map(|_| app.api_login("target", "Wrong#pass1"));
    let statuses: Vec<StatusCode> = futures_join(attempts).await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::LOCKED)
    );
    assert_eq!(
        app.api_login("target", PASSWORD).await.status(),
        StatusCode::LOCKED,
        "ten guesses at once lock the account"
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
        let text = resp.text().await.unwrap();
        if i < MAX_FAILED_ATTEMPTS {
            assert!(text.contains("当前密码：不正确"), "attempt {i}");
        } else {
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
        StatusCode::LOCKED
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
);
