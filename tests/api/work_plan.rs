//! 服务工作方案 (四(二)): one per group, every correction a new revision whose earlier text stays
//! readable; files added and removed; the group's schools and the bureau write, everyone who sees
//! the group reads, another group's user finds nothing. Web and API, both databases.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

const PDF: &[u8] = b"%PDF-1.7\nthe agreed work plan\n";

on_both!(
    revisions_through_the_api_with_files_and_rights,
    revisions_on_the_web,
);

struct Cast {
    g: Group4,
    school: Client,
    token: String,
    village_token: String,
    outsider: Client,
    outsider_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        school: app.web_client("gdmu", PASSWORD).await,
        token: app.api_token("gdmu", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        g,
    }
}

async fn revisions_through_the_api_with_files_and_rights(app: TestApp) {
    let c = cast(&app).await;
    let path = format!("/api/v1/groups/{}/work-plan", c.g.id);
    let empty = expect(app.api_get(&c.village_token, &path).await, StatusCode::OK).await;
    assert!(empty["id"].is_null() && empty["revision"] == 0, "{empty}");
    let first = json!({"title": "第4组服务工作方案", "agreed_on": "2026-01-15", "content": "每月驻村服务不少于 8 天；开展农技培训。"});
    let saved = expect(
        send(&app, &c.token, Method::PUT, &path, first.clone()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["revision"], 1);
    // The same text again adds no revision.
    let same = expect(
        send(&app, &c.token, Method::PUT, &path, first).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(same["revision"], 1);
    // Every error at once, nothing changed.
    let r = send(
        &app,
        &c.token,
        Method::PUT,
        &path,
        json!({"title": "", "agreed_on": "2026-07-01", "content": ""}),
    )
    .await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["fields"].as_array().unwrap().len(), 3, "{e}");
    // A village, another group's user: refused, nothing changed.
    let second = json!({"title": "第4组服务工作方案（修订）", "agreed_on": "2026-03-01", "content": "每月驻村服务不少于 10 天；开展农技培训和电商直播培训。"});
    expect(
        send(&app, &c.village_token, Method::PUT, &path, second.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        send(&app, &c.outsider_token, Method::PUT, &path, second.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        app.api_get(&c.outsider_token, &path).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        app.api_get(&c.outsider_token, &format!("{path}/revisions"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.count("work_plan_revisions").await, 1);
    // A correction is a new revision; the first text stays readable.
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let revised = expect(
        send(&app, &bureau, Method::PUT, &path, second).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            revised["revision"].as_i64(),
            revised["content"].as_str().map(|s| s.contains("10 天"))
        ),
        (Some(2), Some(true))
    );
    let revs = expect(
        app.api_get(&c.village_token, &format!("{path}/revisions"))
            .await,
        StatusCode::OK,
    )
    .await;
    let revs = revs.as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[1]["revision"], 1);
    assert!(revs[1]["content"].as_str().unwrap().contains("不少于 8 天"));
    assert_eq!(revs[1]["agreed_on"], "2026-01-15");
    assert_eq!(revs[1]["recorded_by"], "gdmu 测试");

    // Files: added (the text unchanged, no revision), removed; another group's user cannot.
    let add = |token: &str| {
        app.client
            .post(app.url(&format!("{path}/files")))
            .bearer_auth(token.to_string())
            .multipart(Form::new().part("files", Part::bytes(PDF.to_vec()).file_name("方案.pdf")))
            .send()
    };
    expect(add(&c.outsider_token).await.unwrap(), StatusCode::NOT_FOUND).await;
    let withfile = expect(add(&c.token).await.unwrap(), StatusCode::OK).await;
    assert_eq!(
        (
            withfile["files"].as_array().unwrap().len(),
            withfile["revision"].as_i64()
        ),
        (1, Some(2))
    );
    let file = withfile["files"][0]["id"].as_str().unwrap().to_string();
    let dl = app
        .api_get(&c.village_token, &format!("/api/v1/files/{file}"))
        .await;
    assert_eq!(dl.status(), StatusCode::OK);
    expect(
        send(
            &app,
            &c.outsider_token,
            Method::DELETE,
            &format!("{path}/files/{file}"),
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        send(
            &app,
            &c.token,
            Method::DELETE,
            &format!("{path}/files/{file}"),
            json!({}),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let after = expect(app.api_get(&c.token, &path).await, StatusCode::OK).await;
    assert!(after["files"].as_array().unwrap().is_empty());
}

async fn revisions_on_the_web(app: TestApp) {
    let c = cast(&app).await;
    let tab = format!("/groups/{}/work-plan", c.g.id);
    let html = app.get_with(&c.school, &tab).await.text().await.unwrap();
    assert!(html.contains("本组尚未登记服务工作方案") && html.contains("登记服务工作方案"));
    let r = post_plan(&app, &c.school, &tab, "", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("href=\"#f-title\""));
    assert_eq!(
        post_plan(
            &app,
            &c.school,
            &tab,
            "服务工作方案",
            "第一版：每月驻村 8 天"
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post_plan(
            &app,
            &c.school,
            &tab,
            "服务工作方案",
            "第二版：每月驻村 10 天"
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    let html = app
        .get_with(&c.school, &format!("{tab}?saved=work_plan_saved"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("已保存：服务工作方案已记为新的版本")
            && html.contains("第 2 版")
            && html.contains("第二版：每月驻村 10 天"),
        "{html}"
    );
    assert!(
        html.contains("以前的版本（1 个）") && html.contains("第一版：每月驻村 8 天"),
        "{html}"
    );
    // Another group's user finds nothing.
    assert_eq!(
        app.get_with(&c.outsider, &tab).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn post_plan(
    app: &TestApp,
    client: &Client,
    tab: &str,
    title: &str,
    content: &str,
) -> reqwest::Response {
    let csrf = app.csrf_of(client).await;
    client
        .post(app.url(tab))
        .multipart(
            Form::new()
                .text("csrf_token", csrf)
                .text("title", title.to_string())
                .text("agreed_on", "2026-01-15")
                .text("content", content.to_string()),
        )
        .send()
        .await
        .unwrap()
}
