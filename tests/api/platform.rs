//! The platform as a whole: health, configuration, the OpenAPI document, the audit log.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp};
use crate::on_both;
use reqwest::StatusCode;

/// The data directory is the server's own: other users of the machine cannot list or open it.
async fn the_data_directory_is_private(app: TestApp) {
    use std::os::unix::fs::PermissionsExt;
    let fresh = app.data_dir.join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let users = app.count("users").await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args([
            "--database-url",
            &app.database_url,
            "--data-dir",
            fresh.to_str().unwrap(),
            "--log-level",
            "error",
            "user",
            "add",
            "--username",
            "nobody",
            "--org",
            "不存在的单位",
            "--role",
            "school",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"Cli#Pass2024\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "no such organisation");
    assert_eq!(app.count("users").await, users);
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
}

async fn health_follows_the_database(app: TestApp) {
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.store().close().await;
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

async fn the_openapi_document_is_valid(app: TestApp) {
    let resp = app.get("/api/openapi.json").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3 document");
    assert!(spec.openapi.starts_with("3."));
    for path in [
        "/api/v1/login",
        "/api/v1/groups",
        "/api/v1/groups/{id}",
        "/api/v1/organisations",
    ] {
        assert!(
            spec.paths.as_ref().unwrap().contains_key(path),
            "{path} is documented"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

async fn the_audit_log_only_grows(app: TestApp) {
    app.api_token("admin", ADMIN_PASSWORD).await;
    let n = app.count("audit_events").await;
    assert!(n > 0);
    let update = sqlx::query("update audit_events set actor_name = 'someone else'")
        .execute(app.store().pool())
        .await;
    assert!(
        update.is_err(),
        "updating the audit log is refused by the database"
    );
    let delete = sqlx::query("delete from audit_events")
        .execute(app.store().pool())
        .await;
    assert!(
        delete.is_err(),
        "deleting from the audit log is refused by the database"
    );
    if app.backend == crate::helpers::Db::Postgres {
        let truncate = sqlx::query("truncate audit_events")
            .execute(app.store().pool())
            .await;
        assert!(
            truncate.is_err(),
            "truncating the audit log is refused by the database"
        );
    }
    assert_eq!(app.count("audit_events").await, n);
}

async fn api_errors_keep_their_shape(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    for path in [
        "/api/v1/groups?page=0",
        "/api/v1/groups?page=9223372036854775807",
        "/api/v1/groups?per_page=501",
        "/api/v1/groups?page=x",
    ] {
        let resp = app.api_get(&token, path).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(
            resp.json::<serde_json::Value>().await.unwrap()["error"],
            "invalid",
            "{path}"
        );
    }
    let resp = app
        .client
        .get(app.url("/api/v1/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"],
        "method_not_allowed"
    );
    // Web lists read a page number they cannot parse as page 1.
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        app.get_with(&web, "/groups?page=abc").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_with(&web, "/organisations?page=99999999999999999999")
            .await
            .status(),
        StatusCode::OK
    );
    // Signing out of the API is audited.
    let out = app
        .client
        .post(app.url("/api/v1/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::UNAUTHORIZED
    );
    use sqlx::Row;
    let n: i64 = sqlx::query(
        "select count(*) as n from audit_events where action = 'logout' and actor_name = 'admin'",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(n, 1);
}

async fn searches_ignore_case_on_both_backends(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    let page = app
        .get_with(&sys, "/admin/users?q=ADMIN")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<td data-label=\"用户名\">admin</td>"),
        "ADMIN finds admin"
    );
    let page = app
        .get_with(&sys, "/admin/users?q=%25")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("共 0 条"), "% is matched literally");
}

async fn unknown_pages_are_friendly_404s(app: TestApp) {
    let client = app.web_client("admin", ADMIN_PASSWORD).await;
    let resp = app.get_with(&client, "/no/such/page").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.text().await.unwrap().contains("页面或记录不存在"));
    let resp = app.get("/api/v1/nothing").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"],
        "not_found"
    );
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

/// NUL (which PostgreSQL cannot store: it answered 500) and direction overrides are refused as a
/// clear 422 wherever text comes in: the sign-in form, a search, a JSON body, an upload's fields.
async fn forbidden_characters_are_refused_everywhere(app: TestApp) {
    let (_, resp) = app.web_login("ad\0min", ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("空字符或文字方向控制符")
    );
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    for q in ["%00", "%E2%80%AE"] {
        let resp = app.get_with(&admin, &format!("/groups?q={q}")).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
    }
    let resp = app
        .client
        .post(app.url("/api/v1/login"))
        .header("content-type", "application/json")
        .body(r#"{"username":"admin\u0000","password":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid");
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let before = app.count("team_members").await;
    let group = app.group_id(4).await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/groups/{group}/team")))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "person_name": "张\u{202e}三", "org_id": "x", "role": "member",
            "title": "intermediate", "joined_on": "2024-01-01",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("team_members").await, before);
    // An upload's text fields too.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", app.csrf_of(&admin).await)
        .text("signed_on", "2024-01-20")
        .text("notes", "备注\0");
    let resp = admin
        .post(app.url(&format!("/groups/{group}/agreement")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("agreements").await, 0);
    // Ordinary Chinese text passes.
    let resp = app.get_with(&admin, "/groups?q=%E5%A1%98%E5%8E%A6").await;
    assert_eq!(resp.status(), StatusCode::OK);
}

on_both!(
    the_data_directory_is_private,
    forbidden_characters_are_refused_everywhere,
    api_errors_keep_their_shape,
    searches_ignore_case_on_both_backends,
    health_follows_the_database,
    the_openapi_document_is_valid,
    the_audit_log_only_grows,
    unknown_pages_are_friendly_404s
);

#[tokio::test]
async fn an_unknown_database_scheme_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::helpers::test_config(dir.path(), "mysql://root@127.0.0.1/xiaodi");
    let err = xiaodi::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("mysql"), "{err}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no SQLite file was made instead"
    );
}
