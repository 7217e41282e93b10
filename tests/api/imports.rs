//! Importing pairing tables and accounts: all or nothing, every bad cell named.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp};
use crate::on_both;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const HEADER: &str = "group_no,lead_town,town_kind,villages,university,vocational_schools";

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let csrf = app.csrf_of(client).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.into_bytes()
}

async fn bad_pairing_tables_change_nothing(app: TestApp) {
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let before = app.snapshot().await;
    let audit_before = app.count("audit_events").await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "unknown school",
            csv(&["9,虎门镇,镇,怀德社区(虎门镇),不存在大学,"]),
            "第 2 行 在莞高校：未知学校“不存在大学”",
        ),
        (
            "duplicate group number",
            csv(&["1,虎门镇,镇,怀德社区(虎门镇),广东医科大学,"]),
            "第 2 行 序号：结对组编号 1 在方案中已存在",
        ),
        (
            "empty town",
            csv(&["9,,镇,怀德社区(虎门镇),广东医科大学,"]),
            "第 2 行 镇(街道)：不能为空",
        ),
        (
            "village without its town",
            csv(&["9,虎门镇,镇,怀德社区,广东医科大学,"]),
            "第 2 行 村(社区)：“怀德社区”缺少所属镇街",
        ),
        (
            "school in the wrong column",
            csv(&["9,虎门镇,镇,怀德社区(虎门镇),东莞市电子科技学校,"]),
            "是中职学校，不能填在在莞高校列",
        ),
        (
            "not a number",
            csv(&["九,虎门镇,镇,怀德社区(虎门镇),广东医科大学,"]),
            "第 2 行 序号：应为正整数",
        ),
        (
            "one good row and one bad row",
            csv(&[
                "9,虎门镇,镇,怀德社区(虎门镇),广东医科大学,",
                "10,虎门镇,镇,怀德社区(虎门镇),不存在大学,",
            ]),
            "第 3 行 在莞高校",
        ),
        (
            "missing column",
            "group_no,lead_town\n9,虎门镇".as_bytes().to_vec(),
            "第 1 行 村(社区)：表头缺少此列",
        ),
        (
            "not a sheet",
            vec![0xff, 0xfe, 0x00, 0x01, 0x02],
            "既不是 xlsx",
        ),
        (
            "a broken xlsx",
            b"PK\x03\x04broken".to_vec(),
            "无法读取 xlsx",
        ),
    ];
    for (what, bytes, expected) in cases {
        let resp = upload(&app, &bureau, "/import/pairings", "table.csv", bytes).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let text = resp.text().await.unwrap();
        assert!(
            text.contains(expected),
            "{what}: expected «{expected}» in the page"
        );
        assert!(text.contains("未导入任何数据"), "{what}");
        assert!(text.contains("重新选择文件上传"), "{what}: {text}");
        assert_eq!(app.snapshot().await, before, "{what} changed the database");
    }
    assert_eq!(
        app.count("audit_events").await,
        audit_before,
        "a refused import writes no audit events either"
    );

    // Someone who is not the bureau may not import at all.
    app.add_user("hotel", "广东酒店管理职业技术学院", "school")
        .await;
    let school = app.web_client("hotel", PASSWORD).await;
    let resp = upload(
        &app,
        &school,
        "/import/pairings",
        "t.csv",
        csv(&["9,虎门镇,镇,怀德社区(虎门镇),广东医科大学,"]),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("pairing_groups").await, 8);
}

async fn a_good_xlsx_table_adds_groups(app: TestApp) {
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write(0, c as u16, h).unwrap();
    }
    // A school may be in several groups; a village may lie in another town than the lead town.
    let row = [9.0_f64];
    sheet.write(1, 0, row[0]).unwrap();
    for (c, v) in [
        "虎门镇",
        "镇",
        "怀德社区(虎门镇);新村(长安镇)",
        "广东医科大学",
        "东莞市电子科技学校",
    ]
    .iter()
    .enumerate()
    {
        sheet.write(1, c as u16 + 1, *v).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let resp = upload(&app, &bureau, "/import/pairings", "table.xlsx", bytes).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("导入成功：1 个结对组"));

    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let g9 = app.group_id(9).await;
    let detail: Value = app
        .api_get(&token, &format!("/api/v1/groups/{g9}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["lead_town"]["name"], "虎门镇");
    let villages: Vec<&str> = detail["members"]["village"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(villages, vec!["怀德社区", "新村"]);
    assert_eq!(detail["members"]["university"][0]["name"], "广东医科大学");
    // 长安镇 already existed as a town; 虎门镇 and two villages are new.
    let towns: Value = app
        .api_get(&token, "/api/v1/organisations?kind=town")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(towns["total"], 16);
    // The group and the organisations it created are in the audit log.
    use sqlx::Row;
    let n: i64 = sqlx::query("select count(*) as n from audit_events where action = 'group.create' and actor_name = 'admin'")
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(n, 1);
}

async fn bulk_accounts_all_or_nothing(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    let users_before = app.count("users").await;
    let bad = "username,display_name,organisation,role\nhotel1,张三,广东酒店管理职业技术学院,school\nvil1,李四,雁田村(凤岗镇),school\nx,王五,不存在单位,town\n";
    let resp = upload(
        &app,
        &sys,
        "/admin/users/import",
        "users.csv",
        bad.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("第 3 行 角色"),
        "a school account cannot belong to a village"
    );
    assert!(
        text.contains("第 4 行 用户名"),
        "x is too short a user name"
    );
    // The page opens at the summary, which says nothing was written and to choose the file again.
    assert!(text.contains(r#"id="error-summary""#) && text.contains("未导入任何数据"));
    assert!(text.contains("重新选择文件上传"), "{text}");
    assert_eq!(app.count("users").await, users_before);

    let good = "用户名,姓名,单位,角色\nhotel1,张三,广东酒店管理职业技术学院,学校\nvil1,李四,雁田村(凤岗镇),village\n";
    let resp = upload(
        &app,
        &sys,
        "/admin/users/import",
        "users.csv",
        good.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.contains("已创建 2 个用户"));
    assert_eq!(app.count("users").await, users_before + 2);
    // The initial password shown works once a security administrator has approved the
    // account (三权分立), then must be changed.
    assert!(text.contains("须经安全管理员审核通过后才能登录"));
    let start = text.find("<td>hotel1</td><td><code>").unwrap() + "<td>hotel1</td><td><code>".len();
    let password = &text[start..start + text[start..].find('<').unwrap()];
    let (_, resp) = app.web_login("hotel1", password).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "pending approval");
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    let sec = app.api_token("sec", PASSWORD).await;
    let id = app
        .text("select id from users where username = 'hotel1'", &[])
        .await;
    let approve = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/approve")))
        .bearer_auth(&sec)
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), StatusCode::OK);
    let (_, resp) = app.web_login("hotel1", password).await;
    assert_eq!(resp.headers()["location"], "/account/password");

    // A duplicate user name is refused with its row.
    let dup =
        "username,display_name,organisation,role\nhotel1,张三,广东酒店管理职业技术学院,school\n";
    let resp = upload(
        &app,
        &sys,
        "/admin/users/import",
        "users.csv",
        dup.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("已被使用"));
}

async fn the_cli_adds_users_and_imports_tables(app: TestApp) {
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
    let out = run(
        &[
            "user",
            "add",
            "--username",
            "gdmu2",
            "--org",
            "广东医科大学",
            "--role",
            "school",
        ],
        "Cli#Pass2024\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.api_login("gdmu2", "Cli#Pass2024").await.status(),
        StatusCode::OK
    );

    let weak = run(
        &[
            "user",
            "add",
            "--username",
            "gdmu3",
            "--org",
            "广东医科大学",
            "--role",
            "school",
        ],
        "weak\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("密码"));
    let wrong_org = run(
        &[
            "user",
            "add",
            "--username",
            "gdmu4",
            "--org",
            "广东医科大学",
            "--role",
            "town",
        ],
        "Cli#Pass2024\n",
    );
    assert!(String::from_utf8_lossy(&wrong_org.stderr).contains("角色"));

    let before = app.snapshot().await;
    let file = app.data_dir.join("bad.csv");
    std::fs::write(&file, csv(&["9,虎门镇,镇,怀德社区,广东医科大学,"])).unwrap();
    let out = run(&["import", "pairings", file.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("第 2 行 村(社区)"));
    assert_eq!(app.snapshot().await, before);

    std::fs::write(&file, csv(&["9,虎门镇,镇,怀德社区(虎门镇),广东医科大学,"])).unwrap();
    let out = run(&["import", "pairings", file.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(app.count("pairing_groups").await, 9);

    let users = app.data_dir.join("users.csv");
    std::fs::write(
        &users,
        "username,display_name,organisation,role\nhumen,虎门用户,虎门镇,town\n",
    )
    .unwrap();
    let out = run(&["user", "import", users.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("humen,"));
}

/// A few KB with cells at A1 and XFD1048576 (a grid of 17 billion cells if read naively).
fn sparse_grid() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "序号").unwrap();
    sheet.write(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// A zip part that inflates to 80 MB of zeros from under 100 KB.
fn deflate_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    let block = vec![0u8; 1024 * 1024];
    for _ in 0..80 {
        zip.write_all(&block).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Sheets that would take the server down are refused with a clear message, through every import
/// and the CLI; nothing is written and the server keeps answering.
async fn hostile_sheets_are_refused(app: TestApp) {
    let grid = sparse_grid();
    let bomb = deflate_bomb();
    assert!(grid.len() < 20_000 && bomb.len() < 200_000);
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    let before = app.snapshot().await;
    let group = app.group_id(4).await;
    let onsite = format!("/groups/{group}/onsite/import");
    for (client, path) in [
        (&bureau, "/import/pairings"),
        (&school, onsite.as_str()),
        (&sys, "/admin/users/import"),
    ] {
        for (bytes, says) in [
            (grid.clone(), "超过 100000 行的上限"),
            (bomb.clone(), "解压后超过 64 MB"),
        ] {
            let resp = upload(&app, client, path, "sheet.xlsx", bytes).await;
            assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            let page = resp.text().await.unwrap();
            assert!(page.contains(says), "{path}: {says}");
        }
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.count("onsite_entries").await, 0);

    // The CLI reads the same way.
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, says) in [
        ("grid.xlsx", grid, "超过 100000 行的上限"),
        ("bomb.xlsx", bomb, "解压后超过 64 MB"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
            .args([
                "--database-url",
                &app.database_url,
                "--data-dir",
                app.data_dir.to_str().unwrap(),
                "--log-level",
                "error",
                "import",
                "pairings",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{name}: {err}");
    }
    assert_eq!(app.snapshot().await, before);
}

on_both!(
    hostile_sheets_are_refused,
    bad_pairing_tables_change_nothing,
    a_good_xlsx_table_adds_groups,
    bulk_accounts_all_or_nothing,
    the_cli_adds_users_and_imports_tables
);
