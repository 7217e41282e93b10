//! The second factor (等保 8.1.4.1): administrators and bureau/HQ users sign in with a password
//! and a TOTP code; setting up the authenticator, recovery codes, codes good once, wrong codes
//! counted and locking, the setting that decides which roles, the reset, on the web and the API.
//! Codes are computed from the pinned test clock, as the user's phone would show them.

use crate::helpers::{
    ADMIN_PASSWORD, Db, PASSWORD, TestApp, hidden_value, new_client, spawn_app_with,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use xiaodi::config::Config;
use xiaodi::domain::totp::{
    CHALLENGE_LIFETIME_MS, CHALLENGE_MAX_ATTEMPTS, CODE_LOCK_MS, MAX_WRONG_CODES, STEP_SECS,
    base32_decode, code_at, code_lock_ms, recovery_hash, step_of,
};

/// Runs a story on SQLite and PostgreSQL with the shipped `two_factor_roles`.
macro_rules! on_both_with_two_factors {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::helpers::Db;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::spawn(Db::Sqlite).await.expect("sqlite app")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match super::spawn(Db::Postgres).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("XIAODI_TEST_POSTGRES_URL is not set: the PostgreSQL run of this story is skipped"),
                }
            }
        }
    )*};
}

/// A test app with the shipped default of which roles give a second factor.
async fn spawn(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| {
        c.two_factor_roles = Config::default().two_factor_roles
    })
    .await
}

/// The code the authenticator shows at the app's (pinned) time.
fn code_now(app: &TestApp, secret: &[u8]) -> String {
    code_at(secret, step_of(app.clock.now_ms()))
}

/// Moves to the next time step, so a new code is shown.
fn next_step(app: &TestApp) {
    app.clock.advance_ms(STEP_SECS * 1000);
}

async fn json_of(resp: Response, status: StatusCode) -> Value {
    let got = resp.status();
    let body = resp.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn second_step(app: &TestApp, pending: &str, code: &str) -> Response {
    app.client
        .post(app.url("/api/v1/auth/second-factor"))
        .json(&json!({ "pending_token": pending, "code": code }))
        .send()
        .await
        .unwrap()
}

/// A right password through the API: the pending answer.
async fn api_pending(app: &TestApp, username: &str, password: &str) -> Value {
    let answer = json_of(app.api_login(username, password).await, StatusCode::OK).await;
    assert_eq!(answer["second_factor_required"], true, "{answer}");
    assert!(answer.get("token").is_none(), "no session before the code");
    answer
}

/// Sets up an authenticator through the API; the token, the secret and the recovery codes.
async fn api_enrol(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (String, Vec<u8>, Vec<String>) {
    let answer = api_pending(app, username, password).await;
    let secret = answer["enrolment"]["secret"]
        .as_str()
        .expect("an enrolment");
    let secret = base32_decode(secret).unwrap();
    let pending = answer["pending_token"].as_str().unwrap();
    let done = json_of(
        second_step(app, pending, &code_now(app, &secret)).await,
        StatusCode::OK,
    )
    .await;
    let codes = done["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (done["token"].as_str().unwrap().to_string(), secret, codes)
}

/// Signs in through the API with a code from an enrolled authenticator, at the next time step.
async fn api_sign_in(app: &TestApp, username: &str, password: &str, secret: &[u8]) -> String {
    next_step(app);
    let answer = api_pending(app, username, password).await;
    assert!(answer.get("enrolment").is_none(), "{answer}");
    let done = json_of(
        second_step(
            app,
            answer["pending_token"].as_str().unwrap(),
            &code_now(app, secret),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["recovery_codes"], json!([]));
    done["token"].as_str().unwrap().to_string()
}

async fn post_code(app: &TestApp, client: &Client, page: &str, code: &str) -> Response {
    let csrf = hidden_value(page, "csrf_token").expect("the code form has a token");
    client
        .post(app.url("/login/second-factor"))
        .form(&[("code", code), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap()
}

async fn second_factor_page(app: &TestApp, client: &Client) -> String {
    let resp = app.get_with(client, "/login/second-factor").await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.text().await.unwrap()
}

/// The secret the enrolment page shows for typing by hand.
fn secret_on(page: &str) -> Vec<u8> {
    let start = page
        .find("<code class=\"secret\">")
        .expect("the secret is shown")
        + 21;
    let end = start + page[start..].find("</code>").unwrap();
    base32_decode(&page[start..end]).unwrap()
}

async fn audit_actions(app: &TestApp, username: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("select action from audit_events where actor_name = $1 order by at, id")
        .bind(username)
        .fetch_all(app.store().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("action").unwrap())
        .collect()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    app.text("select id from users where username = $1", &[username])
        .await
}

/// The bureau's `admin` on the web: the password leads to setting up an authenticator (QR code
/// and secret), confirmed with a current code before any session; ten recovery codes shown once
/// and stored only hashed; later sign-ins ask for the code, and a code is good once.
async fn the_web_sets_up_and_then_asks_for_the_code(app: TestApp) {
    let (client, resp) = app.web_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/login/second-factor");
    // No session yet: the workspace still sends to the login page.
    let home = app.get_with(&client, "/").await;
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert!(
        home.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    let page = second_factor_page(&app, &client).await;
    assert!(page.contains("设置身份验证器"), "{page}");
    assert!(
        page.contains("<svg") && page.contains("h1v1h-1z"),
        "a QR code"
    );
    assert!(page.contains("otpauth://totp/%E6%A0%A1%E5%9C%B0%E9%80%9A:admin?secret="));
    let secret = secret_on(&page);
    assert_eq!(secret.len(), 20);

    // A wrong code: refused, named, nothing set up.
    let wrong = post_code(&app, &client, &page, "000000").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let text = wrong.text().await.unwrap();
    assert!(
        text.contains("验证码：不正确或已使用过，还可尝试 4 次"),
        "{text}"
    );
    assert_eq!(app.count("second_factors").await, 0);
    assert_eq!(app.count("recovery_codes").await, 0);
    // Not a code at all: named, and not counted.
    let malformed = post_code(&app, &client, &page, "12ab").await;
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = malformed.text().await.unwrap();
    assert!(
        text.contains("验证码：应为身份验证器显示的 6 位数字"),
        "{text}"
    );
    assert!(text.contains("还可尝试 4 次"), "{text}");

    let enrolment_code = code_now(&app, &secret);
    let done = post_code(&app, &client, &page, &enrolment_code).await;
    assert_eq!(done.status(), StatusCode::OK);
    let shown = done.text().await.unwrap();
    assert!(shown.contains("恢复码（只显示这一次）"), "{shown}");
    let codes: Vec<&str> = shown
        .split("<li><code>")
        .skip(1)
        .map(|s| &s[..19])
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.matches('-').count() == 3));
    assert_eq!(
        app.get_with(&client, "/").await.status(),
        StatusCode::OK,
        "signed in once the code is right"
    );
    // Only hashes are kept.
    assert_eq!(app.count("recovery_codes").await, 10);
    let admin = user_id(&app, "admin").await;
    let stored: Vec<String> = {
        use sqlx::Row;
        sqlx::query("select code_hash from recovery_codes")
            .fetch_all(app.store().pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("code_hash").unwrap())
            .collect()
    };
    for code in &codes {
        let plain = code.replace('-', "");
        assert!(
            !stored
                .iter()
                .any(|h| h.contains(&plain) || h.contains(*code))
        );
        assert!(stored.contains(&recovery_hash(&admin, &plain)), "{code}");
    }
    // The half-signed-in state is gone.
    assert_eq!(app.count("second_factor_challenges").await, 0);

    // The next sign-in asks for the code, not for a new set-up; the code used to set up is
    // not good again, even within its window.
    let (client, _) = app.web_login("admin", ADMIN_PASSWORD).await;
    let page = second_factor_page(&app, &client).await;
    assert!(
        page.contains("输入验证码") && !page.contains("<svg"),
        "{page}"
    );
    let reused = post_code(&app, &client, &page, &enrolment_code).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    assert!(reused.text().await.unwrap().contains("已使用过"));
    next_step(&app);
    let code = code_now(&app, &secret);
    let ok = post_code(&app, &client, &page, &code).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/");
    assert_eq!(app.get_with(&client, "/").await.status(), StatusCode::OK);

    // Nor is that one, from another browser, in the same half-minute.
    let (other, _) = app.web_login("admin", ADMIN_PASSWORD).await;
    let page = second_factor_page(&app, &other).await;
    let again = post_code(&app, &other, &page, &code).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_with(&other, "/").await.status(),
        StatusCode::SEE_OTHER
    );

    let actions = audit_actions(&app, "admin").await;
    for want in [
        "login.second_factor_required",
        "second_factor.enrol",
        "login.second_factor_success",
        "login.second_factor_failure",
    ] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
}

/// The API: login answers with a pending token (and the authenticator to set up), the second
/// call completes it; recovery codes work once each; codes are refused when wrong or reused.
async fn the_api_flow_and_recovery_codes(app: TestApp) {
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    assert!(
        answer["enrolment"]["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert_eq!(answer["expires_in_seconds"], CHALLENGE_LIFETIME_MS / 1000);
    // A pending token is no bearer token.
    let pending = answer["pending_token"].as_str().unwrap();
    assert_eq!(
        app.api_get(pending, "/api/v1/groups").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A recovery code cannot set up an authenticator.
    let r = json_of(
        second_step(&app, pending, "ABCD-EFGH-JKLM-NPQR").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(r["fields"][0]["field"], "验证码");

    let (token, secret, codes) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::OK
    );
    let token = api_sign_in(&app, "admin", ADMIN_PASSWORD, &secret).await;
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::OK
    );

    // A recovery code, typed in lower case without hyphens: good once.
    let typed = codes[3].replace('-', "").to_lowercase();
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let done = json_of(
        second_step(&app, answer["pending_token"].as_str().unwrap(), &typed).await,
        StatusCode::OK,
    )
    .await;
    assert!(done["token"].is_string());
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let pending = answer["pending_token"].as_str().unwrap();
    let again = json_of(
        second_step(&app, pending, &codes[3]).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(again["error"], "second_factor_wrong");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("不正确或已使用过"),
        "{again}"
    );
    // Another code still works, through the same pending token.
    json_of(second_step(&app, pending, &codes[4]).await, StatusCode::OK).await;
    // The pending token is spent.
    let spent = json_of(
        second_step(&app, pending, &codes[5]).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(spent["error"], "second_factor_expired");
    use sqlx::Row;
    let used: i64 =
        sqlx::query("select count(*) as n from recovery_codes where used_at is not null")
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
    assert_eq!(used, 2);

    // A pending token lasts five minutes.
    next_step(&app);
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    app.clock.advance_ms(CHALLENGE_LIFETIME_MS);
    let late = json_of(
        second_step(
            &app,
            answer["pending_token"].as_str().unwrap(),
            &code_now(&app, &secret),
        )
        .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(late["error"], "second_factor_expired");
    assert!(late["message"].as_str().unwrap().contains("请重新登录"));
    // A malformed body is a 422 that names the body.
    let bad = app
        .client
        .post(app.url("/api/v1/auth/second-factor"))
        .header("content-type", "application/json")
        .body("{\"pending_token\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Wrong codes are refused and audited; five in a row lock the second step (even a right code
/// and the right password are refused) until the lock ends.
async fn wrong_codes_are_counted_and_lock(app: TestApp) {
    let (_, secret, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    next_step(&app);
    // A code of two steps ago is outside the window.
    let stale = code_at(&secret, step_of(app.clock.now_ms()) - 2);
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let pending = answer["pending_token"].as_str().unwrap().to_string();
    let r = json_of(
        second_step(&app, &pending, &stale).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        r["message"].as_str().unwrap().contains("还可尝试 4 次"),
        "{r}"
    );
    for left in [3, 2, 1] {
        let r = json_of(
            second_step(&app, &pending, "999999").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert!(
            r["message"]
                .as_str()
                .unwrap()
                .contains(&format!("还可尝试 {left} 次")),
            "{r}"
        );
    }
    let locked = json_of(
        second_step(&app, &pending, "999999").await,
        StatusCode::LOCKED,
    )
    .await;
    assert_eq!(locked["error"], "locked");
    assert!(
        locked["message"]
            .as_str()
            .unwrap()
            .contains(&format!("连续 {MAX_WRONG_CODES} 次错误")),
        "{locked}"
    );
    // Locked: the right password does not even begin a second step, on the API or the web.
    let r = json_of(
        app.api_login("admin", ADMIN_PASSWORD).await,
        StatusCode::LOCKED,
    )
    .await;
    assert_eq!(r["error"], "locked");
    let (_, web) = app.web_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(web.status(), StatusCode::UNAUTHORIZED);
    assert!(web.text().await.unwrap().contains("第二步验证已锁定"));

    let actions = audit_actions(&app, "admin").await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "login.second_factor_failure")
            .count() as i64,
        MAX_WRONG_CODES - 1
    );
    assert!(actions.iter().any(|a| a == "login.second_factor_locked"));
    assert!(
        actions
            .iter()
            .any(|a| a == "login.second_factor_refused_locked")
    );

    app.clock.advance_ms(CODE_LOCK_MS);
    let token = api_sign_in(&app, "admin", ADMIN_PASSWORD, &secret).await;
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::OK
    );
}

/// School, town and village users sign in with a password alone; sysadmin, auditor and HQ are
/// asked for the second factor like the bureau.
async fn roles_outside_the_setting_use_a_password_only(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    let (client, resp) = app.web_login("gdmu", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/");
    assert_eq!(app.get_with(&client, "/").await.status(), StatusCode::OK);
    let answer = json_of(app.api_login("gdmu", PASSWORD).await, StatusCode::OK).await;
    assert!(answer["token"].is_string() && answer.get("second_factor_required").is_none());

    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    for who in ["sys", "aud", "hq1"] {
        api_pending(&app, who, PASSWORD).await;
        let (_, resp) = app.web_login(who, PASSWORD).await;
        assert_eq!(resp.headers()["location"], "/login/second-factor", "{who}");
    }
    assert_eq!(app.count("second_factors").await, 0);
}

/// The setting decides: with only `school` listed (and a code that is no role, ignored), the
/// school gives a code and the bureau does not.
async fn the_setting_decides_which_roles(db: Db) {
    let Some(app) = spawn_app_with(db, |c| {
        c.two_factor_roles = vec!["school".into(), "no-such-role".into()]
    })
    .await
    else {
        return;
    };
    app.add_user("gdmu", "广东医科大学", "school").await;
    api_pending(&app, "gdmu", PASSWORD).await;
    let answer = json_of(app.api_login("admin", ADMIN_PASSWORD).await, StatusCode::OK).await;
    assert!(answer["token"].is_string(), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setting_decides_which_roles_sqlite() {
    the_setting_decides_which_roles(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setting_decides_which_roles_postgres() {
    the_setting_decides_which_roles(Db::Postgres).await;
}

/// The system administrator resets a lost authenticator, on the web and through the API:
/// audited, the user's sessions end, and their next sign-in sets up a new one. Not one's own nor
/// another administrator's; not for other roles, the security administrator included (who resets
/// passwords: taking over an account needs both).
async fn an_administrator_resets_a_lost_authenticator(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let (admin_token, _, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    next_step(&app);
    let (sys_token, sys_secret, _) = api_enrol(&app, "sys", PASSWORD).await;
    let admin = user_id(&app, "admin").await;
    let sys = user_id(&app, "sys").await;
    let reset = |token: String, id: String| {
        let app = &app;
        async move {
            app.client
                .delete(app.url(&format!("/api/v1/users/{id}/second-factor")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };

    // Others may not; nor may the administrator on their own account.
    let school = app.api_token("gdmu", PASSWORD).await;
    json_of(reset(school, admin.clone()).await, StatusCode::FORBIDDEN).await;
    next_step(&app);
    let (sec_token, _, _) = api_enrol(&app, "sec", PASSWORD).await;
    json_of(reset(sec_token, admin.clone()).await, StatusCode::FORBIDDEN).await;
    json_of(
        reset(admin_token.clone(), sys.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let own = json_of(
        reset(sys_token.clone(), sys.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        own["message"]
            .as_str()
            .unwrap()
            .contains("不能对自己的账户")
    );
    json_of(
        reset(sys_token.clone(), "not-a-user".into()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.count("second_factors").await, 3);

    // Through the API.
    let r = reset(sys_token.clone(), admin.clone()).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get(&admin_token, "/api/v1/groups").await.status(),
        StatusCode::UNAUTHORIZED,
        "the user's sessions ended"
    );
    let again = json_of(
        reset(sys_token.clone(), admin.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(again["message"].as_str().unwrap().contains("尚未设置"));
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    assert!(answer["enrolment"].is_object(), "set up anew");
    let actions = audit_actions(&app, "sys").await;
    assert!(
        actions.iter().any(|a| a == "second_factor.reset"),
        "{actions:?}"
    );

    // On the web: the sysadmin signs in with their code, opens the user's page and confirms.
    next_step(&app);
    let (_, _, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    next_step(&app);
    let (client, _) = app.web_login("sys", PASSWORD).await;
    let page = second_factor_page(&app, &client).await;
    let resp = post_code(&app, &client, &page, &code_now(&app, &sys_secret)).await;
    assert_eq!(resp.headers()["location"], "/admin/users");
    let list = app
        .get_with(&client, "/admin/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("/admin/users/{admin}/second-factor/reset")));
    let path = format!("/admin/users/{admin}/second-factor/reset");
    let form = app.get_with(&client, &path).await.text().await.unwrap();
    assert!(form.contains("剩余未用恢复码 10 个"), "{form}");
    let csrf = hidden_value(&form, "csrf_token").unwrap();
    // Without the form's token: refused, nothing changed.
    let forged = client
        .post(app.url(&path))
        .form(&[("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("second_factors").await, 3);
    let done = client
        .post(app.url(&path))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("已重置"));
    assert_eq!(app.count("second_factors").await, 2);
    assert_eq!(
        app.count("recovery_codes").await,
        20,
        "only sys's and sec's are left"
    );
    // A school user gets no such page.
    let school_web = app.web_client("gdmu", PASSWORD).await;
    assert_eq!(
        app.get_with(&school_web, &path).await.status(),
        StatusCode::FORBIDDEN
    );
}

/// The operator at the server resets from the command line (when no administrator can sign in).
async fn the_cli_resets_a_second_factor(app: TestApp) {
    api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    let run = |username: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
            .args([
                "--database-url",
                &app.database_url,
                "--data-dir",
                app.data_dir.to_str().unwrap(),
                "--log-level",
                "error",
                "user",
                "reset-second-factor",
                "--username",
                username,
            ])
            .output()
            .unwrap()
    };
    let out = run("nobody");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有用户名为“nobody”的用户"));
    assert_eq!(app.count("second_factors").await, 1);
    let out = run("admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已重置 admin 的第二因素"));
    assert_eq!(app.count("second_factors").await, 0);
    assert_eq!(app.count("recovery_codes").await, 0);
    let actions: Vec<String> = {
        use sqlx::Row;
        sqlx::query("select actor_name from audit_events where action = 'second_factor.reset'")
            .fetch_all(app.store().pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("actor_name").unwrap())
            .collect()
    };
    assert_eq!(actions.len(), 1);
    assert!(actions[0].starts_with("命令行:"), "{actions:?}");
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    assert!(answer["enrolment"].is_object());
}

/// A user whose password must be changed gives the code first, then lands on the password page.
async fn a_forced_password_change_comes_after_the_code(app: TestApp) {
    let (_, secret, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    sqlx::query("update users set must_change_password = 1 where username = 'admin'")
        .execute(app.store().pool())
        .await
        .unwrap();
    next_step(&app);
    let (client, resp) = app.web_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(resp.headers()["location"], "/login/second-factor");
    let page = second_factor_page(&app, &client).await;
    let resp = post_code(&app, &client, &page, &code_now(&app, &secret)).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/account/password");
    // Through the API the code comes first too, and its token can do nothing but change the
    // password (and sign out) until it is changed.
    next_step(&app);
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let done = json_of(
        second_step(
            &app,
            answer["pending_token"].as_str().unwrap(),
            &code_now(&app, &secret),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["must_change_password"], true, "{done}");
    let token = done["token"].as_str().unwrap();
    let r = json_of(
        app.api_get(token, "/api/v1/groups").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(r["error"], "password_change_required");
}

/// The second step without its cookie, or with a forged form token, goes nowhere.
async fn the_second_step_needs_its_cookie_and_token(app: TestApp) {
    let stranger = new_client();
    let resp = app.get_with(&stranger, "/login/second-factor").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/login");
    let resp = stranger
        .post(app.url("/login/second-factor"))
        .form(&[("code", "123456"), ("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.text().await.unwrap().contains("登录验证已失效"));

    let (client, _) = app.web_login("admin", ADMIN_PASSWORD).await;
    let page = second_factor_page(&app, &client).await;
    let secret = secret_on(&page);
    let forged = client
        .post(app.url("/login/second-factor"))
        .form(&[
            ("code", code_now(&app, &secret).as_str()),
            ("csrf_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("second_factors").await, 0);
    // A web challenge is no API pending token (and the other way round).
    let api = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let cookie_jar_client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = cookie_jar_client
        .post(app.url("/login/second-factor"))
        .header(
            "cookie",
            format!(
                "xiaodi_second_factor={}",
                api["pending_token"].as_str().unwrap()
            ),
        )
        .form(&[
            ("code", code_now(&app, &secret).as_str()),
            ("csrf_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("second_factors").await, 0);
}

/// An app whose sign-in limiter stays out of the way, for the stories about the database limits.
async fn spawn_unthrottled(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| {
        c.two_factor_roles = Config::default().two_factor_roles;
        c.signin_address_burst = 1_000;
        c.signin_name_burst = 1_000;
    })
    .await
}

/// A code that is not the one the authenticator shows now (nor one step either side).
fn wrong_code_now(app: &TestApp, secret: &[u8]) -> String {
    let step = step_of(app.clock.now_ms());
    let taken: Vec<String> = (step - 1..=step + 1).map(|s| code_at(secret, s)).collect();
    (0..4)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !taken.contains(c))
        .unwrap()
}

/// Sends all the (pending token, code) pairs at once; the answers' statuses and error codes.
async fn all_at_once(app: &TestApp, tries: Vec<(String, String)>) -> Vec<(StatusCode, String)> {
    let sent = tries.into_iter().map(|(pending, code)| {
        let client = app.client.clone();
        let url = app.url("/api/v1/auth/second-factor");
        tokio::spawn(async move {
            let resp = client
                .post(url)
                .json(&json!({ "pending_token": pending, "code": code }))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (status, body["error"].as_str().unwrap_or("").to_string())
        })
    });
    futures_util::future::join_all(sent)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect()
}

/// How many codes were checked and found wrong: each check writes one audit entry.
async fn codes_checked_wrong(app: &TestApp, username: &str) -> usize {
    audit_actions(app, username)
        .await
        .iter()
        .filter(|a| *a == "login.second_factor_failure" || *a == "login.second_factor_locked")
        .count()
}

async fn factor_state(app: &TestApp, username: &str) -> (i64, Option<i64>) {
    use sqlx::Row;
    let row = sqlx::query(
        "select f.failed_attempts, f.locked_until from second_factors f join users u on u.id = f.user_id where u.username = $1",
    )
    .bind(username)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    (
        row.try_get("failed_attempts").unwrap(),
        row.try_get("locked_until").unwrap(),
    )
}

/// Review finding 5: twenty wrong codes sent at once at one challenge check at most five, both
/// while setting up an authenticator (the challenge's limit) and after (the user's limit, over
/// several challenges at once); the rest are refused without a check.
async fn parallel_codes_check_no_more_than_the_limits(db: Db) {
    let Some(app) = spawn_unthrottled(db).await else {
        return;
    };
    // Setting up: the challenge's five tries.
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let secret = base32_decode(answer["enrolment"]["secret"].as_str().unwrap()).unwrap();
    let pending = answer["pending_token"].as_str().unwrap().to_string();
    let wrong = wrong_code_now(&app, &secret);
    let answers = all_at_once(&app, vec![(pending.clone(), wrong.clone()); 20]).await;
    assert_eq!(
        codes_checked_wrong(&app, "admin").await as i64,
        CHALLENGE_MAX_ATTEMPTS,
        "{answers:?}"
    );
    let told_wrong = answers
        .iter()
        .filter(|(_, e)| e == "second_factor_wrong")
        .count() as i64;
    assert_eq!(told_wrong, CHALLENGE_MAX_ATTEMPTS - 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, e)| *s == StatusCode::UNAUTHORIZED
            && (e == "second_factor_wrong" || e == "second_factor_expired")),
        "{answers:?}"
    );
    assert_eq!(app.count("second_factor_challenges").await, 0);
    // Out of tries: even the right code is refused, and nothing was set up.
    let late = second_step(&app, &pending, &code_now(&app, &secret)).await;
    assert_eq!(
        json_of(late, StatusCode::UNAUTHORIZED).await["error"],
        "second_factor_expired"
    );
    assert_eq!(app.count("second_factors").await, 0);

    // Set up: the user's five wrong codes in a row, over four challenges at once.
    let (_, secret, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    next_step(&app);
    let before = codes_checked_wrong(&app, "admin").await;
    let wrong = wrong_code_now(&app, &secret);
    let mut tries = Vec::new();
    for _ in 0..4 {
        let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
        let pending = answer["pending_token"].as_str().unwrap().to_string();
        tries.extend(std::iter::repeat_n((pending, wrong.clone()), 5));
    }
    let answers = all_at_once(&app, tries).await;
    assert_eq!(
        (codes_checked_wrong(&app, "admin").await - before) as i64,
        MAX_WRONG_CODES,
        "{answers:?}"
    );
    assert_eq!(
        audit_actions(&app, "admin")
            .await
            .iter()
            .filter(|a| *a == "login.second_factor_locked")
            .count(),
        1
    );
    assert!(
        answers
            .iter()
            .any(|(s, e)| *s == StatusCode::LOCKED && e == "locked"),
        "{answers:?}"
    );
    let now = app.clock.now_ms();
    assert_eq!(
        factor_state(&app, "admin").await,
        (MAX_WRONG_CODES, Some(now + CODE_LOCK_MS))
    );
    // The lock ended every waiting challenge.
    assert_eq!(app.count("second_factor_challenges").await, 0);
}

/// Review finding 6: the wrong-code count is not reset when a lock starts; each further five
/// wrong codes lock twice as long (15, 30, 60 minutes …), until a right code starts afresh.
async fn each_further_lock_lasts_longer(app: TestApp) {
    let (_, secret, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    for nth in 1..=3_i64 {
        next_step(&app);
        let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
        let pending = answer["pending_token"].as_str().unwrap().to_string();
        let wrong = wrong_code_now(&app, &secret);
        for _ in 1..MAX_WRONG_CODES {
            json_of(
                second_step(&app, &pending, &wrong).await,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        let locked = json_of(
            second_step(&app, &pending, &wrong).await,
            StatusCode::LOCKED,
        )
        .await;
        let now = app.clock.now_ms();
        let lock = code_lock_ms(nth);
        assert_eq!(lock, CODE_LOCK_MS << (nth - 1));
        assert_eq!(
            factor_state(&app, "admin").await,
            (nth * MAX_WRONG_CODES, Some(now + lock)),
            "lock {nth}"
        );
        assert!(
            locked["message"].as_str().unwrap().contains("锁定时间加倍"),
            "{locked}"
        );
        // Still locked a moment before its end: the right password begins nothing.
        app.clock.advance_ms(lock - 1);
        let r = json_of(
            app.api_login("admin", ADMIN_PASSWORD).await,
            StatusCode::LOCKED,
        )
        .await;
        assert_eq!(r["error"], "locked");
        app.clock.advance_ms(1);
    }
    // A right code clears the count: the next five wrong codes lock for 15 minutes again.
    api_sign_in(&app, "admin", ADMIN_PASSWORD, &secret).await;
    assert_eq!(factor_state(&app, "admin").await, (0, None));
    next_step(&app);
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let pending = answer["pending_token"].as_str().unwrap().to_string();
    let wrong = wrong_code_now(&app, &secret);
    for _ in 1..MAX_WRONG_CODES {
        second_step(&app, &pending, &wrong).await;
    }
    json_of(
        second_step(&app, &pending, &wrong).await,
        StatusCode::LOCKED,
    )
    .await;
    let now = app.clock.now_ms();
    assert_eq!(
        factor_state(&app, "admin").await,
        (MAX_WRONG_CODES, Some(now + CODE_LOCK_MS))
    );
}

/// An app whose sign-in limiter allows `name_burst` tries per name (then one per 30 s) and
/// `address_burst` per address (then one per 6 s).
async fn spawn_throttled(db: Db, name_burst: u32, address_burst: u32) -> Option<TestApp> {
    spawn_app_with(db, |c| {
        c.two_factor_roles = Config::default().two_factor_roles;
        c.signin_name_burst = name_burst;
        c.signin_name_per_minute = 2;
        c.signin_address_burst = address_burst;
        c.signin_address_per_minute = 10;
    })
    .await
}

/// Review finding 5: the second step goes through the sign-in limiter per user name: past the
/// limit a try is answered 429 with Retry-After on the API and the web, and nothing is checked
/// or counted (not even a right code); a right code gives its try back.
async fn the_second_step_is_throttled_per_user(db: Db) {
    let Some(app) = spawn_throttled(db, 3, 1_000).await else {
        return;
    };
    let (_, secret, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    next_step(&app);
    let answer = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let pending = answer["pending_token"].as_str().unwrap().to_string();
    let wrong = wrong_code_now(&app, &secret);
    for _ in 0..3 {
        json_of(
            second_step(&app, &pending, &wrong).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let throttled = second_step(&app, &pending, &code_now(&app, &secret)).await;
    assert_eq!(throttled.headers()["retry-after"], "30");
    let body = json_of(throttled, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["error"], "too_many_attempts");
    assert!(
        body["message"].as_str().unwrap().contains("请 30 秒后再试"),
        "{body}"
    );
    // Nothing checked: the challenge's and the user's counts stand at three.
    assert_eq!(
        app.text(
            "select cast(attempts as text) as t from second_factor_challenges",
            &[]
        )
        .await,
        "3"
    );
    assert_eq!(factor_state(&app, "admin").await.0, 3);
    assert_eq!(codes_checked_wrong(&app, "admin").await, 3);
    // After the wait, the right code (of the new half-minute) signs in, and gives its try back.
    app.clock.advance_ms(30_000);
    let done = json_of(
        second_step(&app, &pending, &code_now(&app, &secret)).await,
        StatusCode::OK,
    )
    .await;
    assert!(done["token"].is_string());
    assert_eq!(factor_state(&app, "admin").await, (0, None));

    // The web form, likewise: two wrong codes spend the tries the right code gave back; the
    // third try is a 429 that keeps the page (and its challenge) for later.
    next_step(&app);
    let (client, _) = app.web_login("admin", ADMIN_PASSWORD).await;
    let page = second_factor_page(&app, &client).await;
    let wrong = wrong_code_now(&app, &secret);
    for _ in 0..2 {
        let r = post_code(&app, &client, &page, &wrong).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = post_code(&app, &client, &page, &code_now(&app, &secret)).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "30");
    let text = r.text().await.unwrap();
    assert!(text.contains("验证尝试过于频繁，请 30 秒后再试"), "{text}");
    assert!(text.contains("还可尝试 3 次"), "{text}");
    app.clock.advance_ms(30_000);
    let page = second_factor_page(&app, &client).await;
    let ok = post_code(&app, &client, &page, &code_now(&app, &secret)).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get_with(&client, "/").await.status(), StatusCode::OK);
}

/// And per address: wrong codes for two users from one address share its limit.
async fn the_second_step_is_throttled_per_address(db: Db) {
    let Some(app) = spawn_throttled(db, 1_000, 4).await else {
        return;
    };
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    // Each right password and each right code gives its try back.
    let (_, admin_secret, _) = api_enrol(&app, "admin", ADMIN_PASSWORD).await;
    let (_, hq_secret, _) = api_enrol(&app, "hq1", PASSWORD).await;
    next_step(&app);
    let admin = api_pending(&app, "admin", ADMIN_PASSWORD).await;
    let hq = api_pending(&app, "hq1", PASSWORD).await;
    let admin_pending = admin["pending_token"].as_str().unwrap();
    let hq_pending = hq["pending_token"].as_str().unwrap();
    for _ in 0..2 {
        json_of(
            second_step(&app, admin_pending, &wrong_code_now(&app, &admin_secret)).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        json_of(
            second_step(&app, hq_pending, &wrong_code_now(&app, &hq_secret)).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let r = second_step(&app, hq_pending, &code_now(&app, &hq_secret)).await;
    assert_eq!(r.headers()["retry-after"], "6");
    assert_eq!(
        json_of(r, StatusCode::TOO_MANY_REQUESTS).await["error"],
        "too_many_attempts"
    );
    assert_eq!(factor_state(&app, "hq1").await.0, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_codes_check_no_more_than_the_limits_sqlite() {
    parallel_codes_check_no_more_than_the_limits(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_codes_check_no_more_than_the_limits_postgres() {
    parallel_codes_check_no_more_than_the_limits(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_step_is_throttled_per_user_sqlite() {
    the_second_step_is_throttled_per_user(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_step_is_throttled_per_user_postgres() {
    the_second_step_is_throttled_per_user(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_step_is_throttled_per_address_sqlite() {
    the_second_step_is_throttled_per_address(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_step_is_throttled_per_address_postgres() {
    the_second_step_is_throttled_per_address(Db::Postgres).await;
}

on_both_with_two_factors!(
    the_web_sets_up_and_then_asks_for_the_code,
    the_api_flow_and_recovery_codes,
    wrong_codes_are_counted_and_lock,
    roles_outside_the_setting_use_a_password_only,
    an_administrator_resets_a_lost_authenticator,
    the_cli_resets_a_second_factor,
    a_forced_password_change_comes_after_the_code,
    the_second_step_needs_its_cookie_and_token,
    each_further_lock_lasts_longer,
);
