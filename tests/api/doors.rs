//! Three doors, one service: the actions the browser had alone now also go through the API
//! (project attachments, meeting papers, project import), with the same checks and audit; a
//! meeting paper may be removed on the web too, after a confirmation page. Both databases.

use crate::helpers::{Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    project_files_through_the_api,
    meeting_papers_through_the_api_and_the_web,
    projects_imported_through_the_api,
);

const PDF: &[u8] = b"%PDF-1.7\nsigned minutes\n";

struct Cast {
    g: Group4,
    school: Client,
    token: String,
    village: Client,
    village_token: String,
    outsider_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("fhg", "凤凰岗社区(塘厦镇)", "village").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        school: app.web_client("gdmu", PASSWORD).await,
        token: app.api_token("gdmu", PASSWORD).await,
        village: app.web_client("fhg", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        g,
    }
}

/// A multipart upload through the API as `token`.
async fn upload(
    app: &TestApp,
    token: &str,
    path: &str,
    field: &str,
    bytes: &[u8],
    name: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(Form::new().part(
            field.to_string(),
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        ))
        .send()
        .await
        .unwrap()
}

async fn delete(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    send(app, token, Method::DELETE, path, json!({})).await
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("select count(*) as n from audit_events where action = $1")
        .bind(action)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn add_project(app: &TestApp, c: &Cast) -> String {
    let r = send(
        app,
        &c.token,
        Method::POST,
        &format!("/api/v1/groups/{}/projects", c.g.id),
        json!({"title": "电子技能培训", "area": 3, "lead_org_id": c.g.university,
               "starts_on": "2026-02-01", "status": "active"}),
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn project_files_through_the_api(app: TestApp) {
    let c = cast(&app).await;
    let p = add_project(&app, &c).await;
    let files = format!("/api/v1/groups/{}/projects/{p}/files", c.g.id);
    // Refused, nothing stored: another group's user, a village, a file of another type, none.
    expect(
        upload(&app, &c.outsider_token, &files, "files", PDF, "方案.pdf").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        upload(&app, &c.village_token, &files, "files", PDF, "方案.pdf").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let e = expect(
        upload(&app, &c.token, &files, "files", b"just text", "方案.txt").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "附件", "{e}");
    expect(
        upload(&app, &c.token, &files, "other", PDF, "方案.pdf").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(app.count("attachments").await, 0);
    assert_eq!(audited(&app, "project.file_add").await, 0);
    // Added: the project as it now stands, the file downloadable by the group.
    let detail = expect(
        upload(&app, &c.token, &files, "files", PDF, "培训签到表.pdf").await,
        StatusCode::OK,
    )
    .await;
    let list = detail["attachments"].as_array().unwrap();
    assert_eq!(
        (
            list.len(),
            list[0]["file_name"].as_str(),
            detail["title"].as_str()
        ),
        (1, Some("培训签到表.pdf"), Some("电子技能培训"))
    );
    let file = list[0]["id"].as_str().unwrap().to_string();
    let dl = app
        .api_get(&c.village_token, &format!("/api/v1/files/{file}"))
        .await;
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(audited(&app, "project.file_add").await, 1);
    // Removed only by those who may record the group's projects.
    let one = format!("{files}/{file}");
    expect(
        delete(&app, &c.outsider_token, &one).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        delete(&app, &c.village_token, &one).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.count("attachments").await, 1);
    expect(delete(&app, &c.token, &one).await, StatusCode::NO_CONTENT).await;
    expect(delete(&app, &c.token, &one).await, StatusCode::NOT_FOUND).await;
    let after = expect(
        app.api_get(&c.token, &format!("/api/v1/groups/{}/projects/{p}", c.g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(after["attachments"].as_array().unwrap().is_empty());
    assert_eq!(audited(&app, "project.file_remove").await, 1);
}

async fn add_meeting(app: &TestApp, c: &Cast) -> String {
    let r = send(
        app,
        &c.token,
        Method::POST,
        &format!("/api/v1/groups/{}/meetings", c.g.id),
        json!({"held_on": "2026-03-10", "place": "塘厦镇人民政府会议室",
               "attending_org_ids": [c.g.university, c.g.town],
               "people": [{"name": "王校长", "organisation": "广东医科大学", "post": "副校长"}],
               "agenda": "部署驻村服务", "minutes": "会议同意。", "adopts_annual_plan": false}),
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn meeting_papers_through_the_api_and_the_web(app: TestApp) {
    let c = cast(&app).await;
    let m = add_meeting(&app, &c).await;
    let files = format!("/api/v1/groups/{}/meetings/{m}/files", c.g.id);
    expect(
        upload(&app, &c.outsider_token, &files, "files", PDF, "纪要.pdf").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        upload(&app, &c.village_token, &files, "files", PDF, "纪要.pdf").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let e = expect(
        upload(&app, &c.token, &files, "files", b"GIF89a....", "合影.gif").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "会议材料", "{e}");
    assert_eq!(app.count("attachments").await, 0);
    // Added through the API: the meeting with its papers.
    let detail = expect(
        upload(&app, &c.token, &files, "files", PDF, "会议纪要.pdf").await,
        StatusCode::OK,
    )
    .await;
    let papers = detail["papers"].as_array().unwrap();
    assert_eq!(papers.len(), 1, "{detail}");
    assert_eq!(detail["place"], "塘厦镇人民政府会议室", "{detail}");
    let paper = papers[0]["id"].as_str().unwrap().to_string();
    // Removed through the API: not by another group, not by a village.
    let one = format!("{files}/{paper}");
    expect(
        delete(&app, &c.outsider_token, &one).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        delete(&app, &c.village_token, &one).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.count("attachments").await, 1);
    expect(delete(&app, &c.token, &one).await, StatusCode::NO_CONTENT).await;
    assert_eq!(app.count("attachments").await, 0);
    assert_eq!(audited(&app, "meeting.paper_remove").await, 1);

    // On the web: the meeting page links each paper's removal, which asks first.
    let detail = expect(
        upload(&app, &c.token, &files, "files", PDF, "签到表.pdf").await,
        StatusCode::OK,
    )
    .await;
    let paper = detail["papers"][0]["id"].as_str().unwrap().to_string();
    let page_path = format!("/groups/{}/meetings/{m}", c.g.id);
    let remove = format!("{page_path}/papers/{paper}/remove");
    let html = app
        .get_with(&c.school, &page_path)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&remove), "{html}");
    let village_html = app
        .get_with(&c.village, &page_path)
        .await
        .text()
        .await
        .unwrap();
    assert!(!village_html.contains(&remove));
    let confirm = app.get_with(&c.school, &remove).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let confirm = confirm.text().await.unwrap();
    assert!(
        confirm.contains("删除会议材料") && confirm.contains("签到表.pdf"),
        "{confirm}"
    );
    assert_eq!(
        app.get_with(&c.village, &remove).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = post_form(&app, &c.village, &remove, &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("attachments").await, 1);
    let r = post_form(&app, &c.school, &remove, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = app
        .get_with(&c.school, r.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(back.contains("该份会议材料已删除"), "{back}");
    assert_eq!(app.count("attachments").await, 0);
    assert_eq!(audited(&app, "meeting.paper_remove").await, 2);
}

fn rows_to_csv(rows: &[Vec<String>]) -> Vec<u8> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

async fn projects(app: &TestApp, token: &str, gid: &str) -> Value {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/projects"))
        .await;
    expect(r, StatusCode::OK).await
}

async fn projects_imported_through_the_api(app: TestApp) {
    let c = cast(&app).await;
    let p = add_project(&app, &c).await;
    send(
        &app,
        &c.token,
        Method::POST,
        &format!("/api/v1/groups/{}/projects/{p}/updates", c.g.id),
        json!({"happened_on": "2026-03-01", "summary": "培训", "students": 7,
               "figures": {"people_trained": "40"}}),
    )
    .await;
    let r = app
        .get_with(
            &c.school,
            &format!("/groups/{}/projects/export.xlsx", c.g.id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = r.bytes().await.unwrap().to_vec();
    let import = format!("/api/v1/groups/{}/projects/import", c.g.id);
    let counts = async || {
        (
            app.count("projects").await,
            app.count("project_updates").await,
        )
    };
    let before = counts().await;
    assert_eq!(before, (1, 1));
    // Refused, nothing recorded: another group's user, a village, a file that is no sheet, a
    // sheet with a wrong row (every row's errors at once, the good row not kept), no file.
    expect(
        upload(
            &app,
            &c.outsider_token,
            &import,
            "file",
            &sheet,
            "项目.xlsx",
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        upload(&app, &c.village_token, &import, "file", &sheet, "项目.xlsx").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let e = expect(
        upload(
            &app,
            &c.token,
            &import,
            "file",
            b"PK\x03\x04not really a zip",
            "项目.xlsx",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "合作项目表", "{e}");
    let mut rows = xiaodi::imports::read_sheet(&sheet).unwrap();
    let mut wrong = rows[1].clone();
    wrong[1] = "9".into();
    wrong[4] = "2026-13-01".into();
    rows.push(wrong);
    let e = expect(
        upload(
            &app,
            &c.token,
            &import,
            "file",
            &rows_to_csv(&rows),
            "项目.csv",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let text = e["fields"].to_string();
    assert!(
        text.contains("第 3 行 合作领域") && text.contains("第 3 行 开始日期"),
        "{e}"
    );
    assert!(!text.contains("第 2 行"), "{e}");
    expect(
        upload(&app, &c.token, &import, "sheet", &sheet, "项目.xlsx").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(counts().await, before);
    // The exported sheet goes in whole: the project again, its figures as one update.
    let r = upload(&app, &c.token, &import, "file", &sheet, "项目.xlsx").await;
    assert_eq!(expect(r, StatusCode::OK).await["imported"], 1);
    assert_eq!(counts().await, (2, 2));
    let list = projects(&app, &c.token, &c.g.id).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["figures"], items[1]["figures"], "{list}");
    assert_eq!(items[0]["students"], 7, "{list}");
}
