//! The auditor's audit log in Chinese: actions and record kinds by name, changes as
//! "字段：旧值 → 新值", accounts, groups and organisations by name, filters by person,
//! organisation, action and date that the xlsx export shares; codes without a label still show.

use crate::helpers::{PASSWORD, TestApp};
use crate::on_both;
use reqwest::{Client, StatusCode};
use serde_json::json;
use xiaodi::store::{Actor, AuditEntry};

async fn auditor(app: &TestApp) -> Client {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    app.web_client("aud", PASSWORD).await
}

async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let resp = app.get_with(client, path).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap()
}

/// How many entries a page of the log lists.
fn rows(html: &str) -> usize {
    html.matches("<td data-label=\"时间\">").count()
}

/// Unix ms of noon (Asia/Shanghai) on a day.
fn noon(day: &str) -> i64 {
    let date: jiff::civil::Date = day.parse().unwrap();
    date.at(12, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

async fn write(app: &TestApp, actor: &str, at_ms: i64, action: &str, entity: &str) {
    app.store()
        .audit(
            &Actor::system(actor),
            at_ms,
            AuditEntry {
                action,
                entity,
                entity_id: Some("w-1"),
                before: None,
                after: Some(json!({ "colour": "red" })),
            },
        )
        .await
        .unwrap();
}

async fn the_log_reads_in_chinese_with_changes_and_names(app: TestApp) {
    let aud = auditor(&app).await;
    app.add_user("fg1", "凤岗镇", "town").await;
    let id = app
        .text("select id from users where username = $1", &["fg1"])
        .await;
    let sys = app.api_token("sys", PASSWORD).await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/users/{id}/disable")))
        .bearer_auth(&sys)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let html = page(&app, &aud, "/audit?action=user.disable").await;
    assert_eq!(rows(&html), 1, "{html}");
    assert!(
        html.contains("<td data-label=\"操作\">停用账户</td>"),
        "{html}"
    );
    // The record by kind and name, not by its id; the change field by field.
    assert!(html.contains("账户：fg1 测试（fg1）"), "{html}");
    assert!(html.contains("已停用：否 → 是"), "{html}");
    // The raw entry stays at hand for the auditor, folded away.
    assert!(html.contains("<summary>原始记录</summary>"));
    assert!(html.contains(&id) && html.contains("<code>user.disable</code>"));
    // The filter offers the action in Chinese, chosen.
    assert!(html.contains("<option value=\"user.disable\" selected>停用账户</option>"));

    let all = page(&app, &aud, "/audit").await;
    assert!(all.contains("<td data-label=\"操作\">登录成功</td>"));
    assert!(all.contains("<td data-label=\"操作\">创建账户</td>"));
    assert!(!all.contains("<td data-label=\"操作\">login.success</td>"));

    // Groups by their number, resolved for the whole page at once.
    let groups = page(&app, &aud, "/audit?action=group.create").await;
    assert!(
        groups.contains("<td data-label=\"对象\">结对组：第 4 组</td>"),
        "{groups}"
    );
}

async fn an_unknown_action_code_still_shows(app: TestApp) {
    let aud = auditor(&app).await;
    let now = app.clock.now_ms();
    write(&app, "外部工具", now, "mystery.code", "widget").await;
    let html = page(&app, &aud, "/audit").await;
    assert!(
        html.contains("<td data-label=\"操作\">mystery.code</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td data-label=\"对象\">widget</td>"),
        "{html}"
    );
    assert!(html.contains("colour：red"));
    // Filtering on it keeps the code as a chosen option of its own.
    let html = page(&app, &aud, "/audit?action=mystery.code").await;
    assert_eq!(rows(&html), 1);
    assert!(html.contains("<option value=\"mystery.code\" selected>mystery.code</option>"));
}

async fn filters_narrow_the_page_and_the_export(app: TestApp) {
    let aud = auditor(&app).await;
    // A town user signs in: the one entry of 凤岗镇's people.
    app.add_user("fg2", "凤岗镇", "town").await;
    app.web_client("fg2", PASSWORD).await;
    for _ in 0..25 {
        write(&app, "批量", noon("2026-05-01"), "view", "user").await;
    }
    write(&app, "批量", noon("2026-05-03"), "export", "user").await;

    // By person: only 批量's 26 entries, 20 a page.
    let html = page(&app, &aud, "/audit?actor=批量").await;
    assert!(html.contains("共 26 条，第 1 / 2 页"), "{html}");
    assert_eq!(rows(&html), 20);
    assert_eq!(
        html.matches("<td data-label=\"操作人\">批量</td>").count(),
        20
    );
    let html = page(&app, &aud, "/audit?actor=%E6%89%B9%E9%87%8F&page=2").await;
    assert_eq!(rows(&html), 6);

    // By organisation: the acting user's.
    let html = page(&app, &aud, "/audit?organisation=凤岗镇").await;
    assert_eq!(rows(&html), 1, "{html}");
    assert!(html.contains("<td data-label=\"操作人\">fg2</td>"));
    assert!(html.contains("登录成功"));
    assert_eq!(
        rows(&page(&app, &aud, "/audit?organisation=雁田村").await),
        0
    );

    // By date: the day of the views, then the day after them.
    let html = page(&app, &aud, "/audit?from=2026-05-01&to=2026-05-01").await;
    assert!(html.contains("共 25 条"), "{html}");
    assert!(!html.contains(">导出</td>"));
    let html = page(&app, &aud, "/audit?actor=批量&from=2026-05-02").await;
    assert!(html.contains("共 1 条"), "{html}");
    assert!(html.contains("<td data-label=\"操作\">导出</td>"));

    // By action, combined with person.
    let html = page(&app, &aud, "/audit?actor=批量&action=view").await;
    assert!(html.contains("共 25 条"), "{html}");

    // The export: the same filters, Chinese columns.
    let resp = app
        .get_with(&aud, "/audit/export.xlsx?actor=批量&action=export")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let sheet = xiaodi::imports::read_sheet(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(sheet.len(), 2, "{sheet:?}");
    assert_eq!(
        sheet[0],
        [
            "时间",
            "操作人",
            "操作",
            "操作代码",
            "对象类型",
            "对象编号",
            "对象",
            "变更内容",
            "变更前（原始）",
            "变更后（原始）",
            "来源地址"
        ]
    );
    assert_eq!(sheet[1][1], "批量");
    assert_eq!(sheet[1][2], "导出");
    assert_eq!(sheet[1][3], "export");
    assert_eq!(sheet[1][4], "账户");
    assert_eq!(sheet[1][7], "colour：red");
}

async fn a_bad_date_is_refused_by_name(app: TestApp) {
    let aud = auditor(&app).await;
    let resp = app.get_with(&aud, "/audit?from=2026/13/40").await;
    assert!(resp.status().is_client_error());
    let html = resp.text().await.unwrap();
    assert!(html.contains("开始日期"), "{html}");
}

on_both!(
    the_log_reads_in_chinese_with_changes_and_names,
    an_unknown_action_code_still_shows,
    filters_narrow_the_page_and_the_export,
    a_bad_date_is_refused_by_name,
);
