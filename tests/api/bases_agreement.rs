//! Practice bases and the agreement forgive mistakes (issue 8): a base is corrected, withdrawn
//! when entered by mistake, photos are added later and removed; the agreement refuses an empty
//! form, is corrected with the changed fields kept, withdrawn, and a scan removed. Each through
//! the web form and the API, with the record's 修改记录, on both databases.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, group4};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nthe opening ceremony";
const PNG2: &[u8] = b"\x89PNG\r\n\x1a\nthe students at work";
const PDF: &[u8] = b"%PDF-1.7\nthe signed agreement\n";

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the file store holds content `bytes`.
fn stored(app: &TestApp, bytes: &[u8]) -> bool {
    let d = sha256(bytes);
    app.data_dir.join("files").join(&d[..2]).join(&d).exists()
}

/// Every file in the file store.
fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        match std::fs::read_dir(p) {
            Ok(entries) => entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum(),
            Err(_) => 0,
        }
    }
    walk(&app.data_dir.join("files"))
}

/// A multipart form to `path` with the client's CSRF token: text fields and files.
async fn post_multipart(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Response {
    let csrf = app.csrf_of(client).await;
    let mut form = Form::new().text("csrf_token", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, name, bytes) in files {
        form = form.part(
            field.to_string(),
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A confirmation form's POST (only the CSRF token).
async fn confirm(app: &TestApp, client: &Client, path: &str) -> Response {
    let csrf = app.csrf_of(client).await;
    client
        .post(app.url(path))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

/// The 修改记录 section of a page.
fn history_part(page: &str) -> &str {
    let start = page
        .find("id=\"history-title\"")
        .expect("the page shows its 修改记录");
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

fn location(r: &Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let r = app.get_with(client, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap()
}

async fn api(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn api_files(
    app: &TestApp,
    token: &str,
    path: &str,
    field: &str,
    files: &[&[u8]],
) -> Response {
    let mut form = Form::new();
    for (i, f) in files.iter().enumerate() {
        form = form.part(
            field.to_string(),
            Part::bytes(f.to_vec()).file_name(format!("照片{i}.png")),
        );
    }
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The 修改记录 of a record through the API: (action, change lines) oldest first.
async fn history(
    app: &TestApp,
    token: &str,
    gid: &str,
    kind: &str,
    id: &str,
) -> Vec<(String, Vec<String>)> {
    let r = app
        .api_get(
            token,
            &format!("/api/v1/groups/{gid}/records/{kind}/{id}/history"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    body.as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap().to_string(),
                h["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("select count(*) as n from audit_events where action = $1")
        .bind(action)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

fn field_names(body: &Value) -> Vec<String> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

/// Group 4 with its university's school user (web and API), a town user who may only read,
/// and a school user of group 2.
struct Cast {
    g: crate::helpers::Group4,
    school: Client,
    token: String,
    town: Client,
    town_token: String,
    outsider: Client,
    outsider_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        school: app.web_client("gdmu", PASSWORD).await,
        token: app.api_token("gdmu", PASSWORD).await,
        town: app.web_client("tangxia", PASSWORD).await,
        town_token: app.api_token("tangxia", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        g,
    }
}

/// Records a base through the web form; returns its id.
async fn web_base(app: &TestApp, c: &Cast, photo: Option<&[u8]>) -> String {
    let files: Vec<(&str, &str, &[u8])> = photo
        .map(|p| ("photos", "揭牌.png", p))
        .into_iter()
        .collect();
    let r = post_multipart(
        app,
        &c.school,
        &format!("/groups/{}/bases", c.g.id),
        &[
            ("name", "凤凰岗乡村振兴实践基地"),
            ("place", &c.g.village),
            ("opened_on", "2024-04-18"),
            ("functions", "red_education"),
            ("description", "村委会旧址"),
        ],
        &files,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("/groups/{}/bases?saved=base_added#saved", c.g.id)
    );
    app.text(
        "select id from practice_bases where name = $1",
        &["凤凰岗乡村振兴实践基地"],
    )
    .await
}

async fn a_base_is_corrected_and_its_history_kept(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let id = web_base(&app, &c, None).await;
    let list = page(
        &app,
        &c.school,
        &format!("/groups/{gid}/bases?saved=base_added"),
    )
    .await;
    assert!(list.contains("已保存：实践基地已登记。"));
    let edit = format!("/groups/{gid}/bases/{id}/edit");
    assert!(
        list.contains(&format!("href=\"{edit}\"")),
        "the list links to the edit page"
    );
    let form = page(&app, &c.school, &edit).await;
    assert!(
        form.contains("value=\"凤凰岗乡村振兴实践基地\"") && form.contains("value=\"2024-04-18\"")
    );
    assert!(form.contains("修改记录") && form.contains("新增实践基地"));

    // Every wrong field at once, what was typed kept, nothing changed.
    let r = post_multipart(
        &app,
        &c.school,
        &edit,
        &[
            ("name", ""),
            ("place", &c.g.town),
            ("opened_on", "2026-06-16"),
            ("description", "改过的简介"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("有 3 处需要修改"), "{text}");
    for (field, input) in [
        ("基地名称", "name"),
        ("揭牌日期", "opened_on"),
        ("基地功能", "functions"),
    ] {
        assert!(
            text.contains(&format!("href=\"#f-{input}\"")),
            "{field} links to its input"
        );
    }
    assert!(text.contains("id=\"f-name\" name=\"name\" value=\"\" required aria-invalid=\"true\""));
    assert!(text.contains("value=\"2026-06-16\"") && text.contains("改过的简介"));
    assert!(!text.contains("您选择的文件尚未上传"), "no file was chosen");
    assert_eq!(audit_count(&app, "base.update").await, 0);
    assert_eq!(
        app.text(
            "select description from practice_bases where id = $1",
            &[&id]
        )
        .await,
        "村委会旧址"
    );

    // A correction: name and place; today's date is accepted today.
    let r = post_multipart(
        &app,
        &c.school,
        &edit,
        &[
            ("name", "塘厦镇乡村振兴实践基地"),
            ("place", &c.g.town),
            ("opened_on", "2026-06-15"),
            ("functions", "red_education"),
            ("description", "村委会旧址"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{edit}?saved=base_updated#saved"));
    let form = page(&app, &c.school, &format!("{edit}?saved=base_updated")).await;
    assert!(form.contains("已保存：实践基地信息已更正。"));
    assert!(form.contains("修改实践基地"));
    assert!(
        form.contains("名称：凤凰岗乡村振兴实践基地 → 塘厦镇乡村振兴实践基地"),
        "{form}"
    );
    assert!(
        form.contains("凤凰岗社区 → 塘厦镇"),
        "places by name: {form}"
    );
    let h = history_part(&form);
    assert!(
        !h.contains(&c.g.town) && !h.contains(&c.g.village),
        "no ids: {h}"
    );

    // The API: the same correction rules; functions shown in Chinese in the history.
    let path = format!("/api/v1/groups/{gid}/bases/{id}");
    let good = json!({
        "name": "塘厦镇乡村振兴实践基地", "place_org_id": c.g.town, "opened_on": "2026-06-15",
        "functions": ["innovation", "internship"], "description": "村委会旧址",
    });
    let r = api(
        &app,
        &c.token,
        reqwest::Method::PUT,
        &path,
        Some(json!({
            "name": " ", "place_org_id": c.g.university, "opened_on": "2026-06-15", "functions": [],
        })),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = field_names(&r.json().await.unwrap());
    assert!(
        fields.contains(&"基地名称".to_string())
            && fields.contains(&"所在地".to_string())
            && fields.contains(&"基地功能".to_string()),
        "{fields:?}"
    );
    for (token, status) in [
        (&c.town_token, StatusCode::FORBIDDEN),
        (&c.outsider_token, StatusCode::NOT_FOUND),
    ] {
        let r = api(&app, token, reqwest::Method::PUT, &path, Some(good.clone())).await;
        assert_eq!(r.status(), status);
    }
    assert_eq!(
        audit_count(&app, "base.update").await,
        1,
        "refusals change nothing"
    );
    let r = api(
        &app,
        &c.token,
        reqwest::Method::PUT,
        &path,
        Some(good.clone()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let dto: Value = r.json().await.unwrap();
    assert_eq!(dto["functions"], json!(["innovation", "internship"]));
    assert_eq!(dto["place"]["name"], "塘厦镇");
    // The same again changes nothing and writes nothing.
    let r = api(&app, &c.token, reqwest::Method::PUT, &path, Some(good)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = history(&app, &c.token, &gid, "practice_base", &id).await;
    let actions: Vec<&str> = h.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["新增实践基地", "修改实践基地", "修改实践基地"]);
    assert!(
        h[0].1
            .iter()
            .any(|l| l == "所在地：凤凰岗社区" || l.ends_with("：凤凰岗社区")),
        "{:?}",
        h[0].1
    );
    assert!(
        h[2].1
            .contains(&"功能：红色教育 → 科技创新、实习锻炼".to_string()),
        "{:?}",
        h[2].1
    );
    assert_eq!(h[2].1.len(), 1, "only the changed field: {:?}", h[2].1);

    // Another group's base through this group's address, the edit page for readers and outsiders.
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let g2 = app.group_id(2).await;
    let g2_info: Value = app
        .api_get(&admin, &format!("/api/v1/groups/{g2}"))
        .await
        .json()
        .await
        .unwrap();
    let g2_town = g2_info["members"]["town"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = Form::new()
        .text("name", "别组基地")
        .text("place_org_id", g2_town)
        .text("functions", "other")
        .text("opened_on", "2024-05-01");
    let r = app
        .client
        .post(app.url(&format!("/api/v1/groups/{g2}/bases")))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let other: Value = r.json().await.unwrap();
    let other = other["id"].as_str().unwrap();
    let r = api(&app, &c.token, reqwest::Method::PUT, &format!("/api/v1/groups/{gid}/bases/{other}"), Some(json!({
        "name": "改别组", "place_org_id": c.g.town, "opened_on": "2024-05-01", "functions": ["other"],
    })))
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_with(&c.school, &format!("/groups/{gid}/bases/{other}/edit"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_with(&c.town, &edit).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&c.outsider, &edit).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = post_multipart(
        &app,
        &c.town,
        &edit,
        &[
            ("name", "镇改"),
            ("place", &c.g.town),
            ("opened_on", "2024-01-01"),
            ("functions", "other"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.text("select name from practice_bases where id = $1", &[other])
            .await,
        "别组基地"
    );
    assert_eq!(audit_count(&app, "base.update").await, 2);
}

async fn photos_are_added_later_and_removed(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let id = web_base(&app, &c, None).await;
    let edit = format!("/groups/{gid}/bases/{id}/edit");
    let photos = format!("/groups/{gid}/bases/{id}/photos");
    let form = page(&app, &c.school, &edit).await;
    assert!(
        form.contains("每张不超过 20 MB，每次提交合计不超过 64 MB"),
        "limits per file and per submission next to the input"
    );

    // No photo, or a file that is not one: refused, nothing stored, the file to be chosen again.
    let r = post_multipart(&app, &c.school, &photos, &[], &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("基地照片：请选择要上传的照片")
    );
    let r = post_multipart(
        &app,
        &c.school,
        &photos,
        &[],
        &[("photos", "揭牌.pdf", PDF)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("不是 JPEG、PNG 文件") && text.contains("您选择的文件尚未上传"),
        "{text}"
    );
    assert!(text.contains("href=\"#f-new_photos\""));
    assert_eq!((app.count("attachments").await, stored_files(&app)), (0, 0));
    // A reload of the photo form's address leads to the edit page.
    let r = app.get_with(&c.school, &photos).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), edit);

    // Added later: on the edit page and the list, and it downloads.
    let r = post_multipart(
        &app,
        &c.school,
        &photos,
        &[],
        &[("photos", "揭牌.png", PNG)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{edit}?saved=photos_added#saved"));
    let form = page(&app, &c.school, &format!("{edit}?saved=photos_added")).await;
    assert!(form.contains("已保存：照片已上传。") && form.contains("揭牌.png"));
    assert!(
        form.contains("上传实践基地照片") && form.contains("照片：揭牌.png"),
        "in the history"
    );
    assert!(
        page(&app, &c.school, &format!("/groups/{gid}/bases"))
            .await
            .contains("揭牌.png")
    );
    let photo = app
        .text(
            "select id from attachments where file_name = $1",
            &["揭牌.png"],
        )
        .await;
    let d = app.get_with(&c.school, &format!("/files/{photo}")).await;
    assert_eq!(d.headers()["content-type"], "image/png");
    assert_eq!(d.bytes().await.unwrap().to_vec(), PNG);
    assert!(stored(&app, PNG));

    // The API: two more, one of them the same content as the first (one file, two rows).
    let api_photos = format!("/api/v1/groups/{gid}/bases/{id}/photos");
    for (token, status) in [
        (&c.town_token, StatusCode::FORBIDDEN),
        (&c.outsider_token, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            api_files(&app, token, &api_photos, "photos", &[PNG2])
                .await
                .status(),
            status
        );
    }
    assert!(!stored(&app, PNG2), "a refused upload leaves no file");
    let r = api_files(&app, &c.token, &api_photos, "photos", &[PNG2, PNG]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let dto: Value = r.json().await.unwrap();
    assert_eq!(dto["photos"].as_array().unwrap().len(), 3);
    assert_eq!(stored_files(&app), 2);

    // Removing a photo: confirmation first; readers and outsiders may not.
    let remove = format!("/groups/{gid}/bases/{id}/photos/{photo}/remove");
    let confirm_page = page(&app, &c.school, &remove).await;
    assert!(
        confirm_page.contains("删除实践基地照片")
            && confirm_page.contains("揭牌.png")
            && confirm_page.contains("确认删除")
    );
    assert_eq!(
        app.get_with(&c.town, &remove).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&c.outsider, &remove).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        confirm(&app, &c.town, &remove).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("attachments").await, 3);
    let r = confirm(&app, &c.school, &remove).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{edit}?saved=photo_removed#saved"));
    let form = page(&app, &c.school, &format!("{edit}?saved=photo_removed")).await;
    assert!(form.contains("已删除：该照片已移除。") && form.contains("删除实践基地照片"));
    assert_eq!(app.count("attachments").await, 2);
    assert_eq!(
        app.get_with(&c.school, &format!("/files/{photo}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        stored(&app, PNG),
        "the same content is still another photo's"
    );

    // Through the API: the other copy of the first photo; then its file goes too.
    let rows: Vec<(String, String)> = {
        use sqlx::Row;
        sqlx::query("select id, sha256 from attachments order by created_at, file_name")
            .fetch_all(app.store().pool())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.try_get("id").unwrap(), r.try_get("sha256").unwrap()))
            .collect()
    };
    let copy = rows
        .iter()
        .find(|(_, d)| *d == sha256(PNG))
        .unwrap()
        .0
        .clone();
    let del = format!("/api/v1/groups/{gid}/bases/{id}/photos/{copy}");
    for (token, status) in [
        (&c.town_token, StatusCode::FORBIDDEN),
        (&c.outsider_token, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            api(&app, token, reqwest::Method::DELETE, &del, None)
                .await
                .status(),
            status
        );
    }
    // A photo through another base's address is not found.
    let other_base = {
        let form = Form::new()
            .text("name", "第二基地")
            .text("place_org_id", c.g.town.clone())
            .text("functions", "other")
            .text("opened_on", "2024-05-01");
        let r = app
            .client
            .post(app.url(&format!("/api/v1/groups/{gid}/bases")))
            .bearer_auth(&c.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let wrong = format!("/api/v1/groups/{gid}/bases/{other_base}/photos/{copy}");
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &wrong, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("attachments").await, 2);
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &del, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &del, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(!stored(&app, PNG), "no row refers to it any more");
    assert!(stored(&app, PNG2));
    assert_eq!(app.count("attachments").await, 1);
    let h = history(&app, &c.token, &gid, "practice_base", &id).await;
    let actions: Vec<&str> = h.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "新增实践基地",
            "上传实践基地照片",
            "上传实践基地照片",
            "删除实践基地照片",
            "删除实践基地照片"
        ]
    );
    assert!(
        h[2].1.contains(&"照片：照片0.png、照片1.png".to_string()),
        "{:?}",
        h[2].1
    );
}

async fn a_base_entered_by_mistake_is_withdrawn(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let id = web_base(&app, &c, Some(PNG)).await;
    assert!(stored(&app, PNG));
    let withdraw = format!("/groups/{gid}/bases/{id}/withdraw");
    let form = page(&app, &c.school, &withdraw).await;
    assert!(
        form.contains("撤回实践基地（误录）")
            && form.contains("凤凰岗乡村振兴实践基地")
            && form.contains("揭牌.png")
            && form.contains("确认撤回")
    );
    assert_eq!(
        app.get_with(&c.town, &withdraw).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&c.outsider, &withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        confirm(&app, &c.town, &withdraw).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        confirm(&app, &c.outsider, &withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("practice_bases").await, 1);

    let r = confirm(&app, &c.school, &withdraw).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("/groups/{gid}/bases?saved=base_withdrawn#saved")
    );
    let list = page(
        &app,
        &c.school,
        &format!("/groups/{gid}/bases?saved=base_withdrawn"),
    )
    .await;
    assert!(
        list.contains("已撤回：该实践基地记录已删除。") && !list.contains("凤凰岗乡村振兴实践基地")
    );
    assert_eq!(
        (
            app.count("practice_bases").await,
            app.count("attachments").await
        ),
        (0, 0)
    );
    assert!(!stored(&app, PNG), "its photo's file is gone");
    assert_eq!(
        confirm(&app, &c.school, &withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
    use sqlx::Row;
    let before: String =
        sqlx::query("select before_json from audit_events where action = 'base.withdraw'")
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("before_json")
            .unwrap();
    assert!(before.contains("凤凰岗乡村振兴实践基地") && before.contains("揭牌.png"));

    // Through the API.
    let id = web_base(&app, &c, None).await;
    let path = format!("/api/v1/groups/{gid}/bases/{id}");
    for (token, status) in [
        (&c.town_token, StatusCode::FORBIDDEN),
        (&c.outsider_token, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            api(&app, token, reqwest::Method::DELETE, &path, None)
                .await
                .status(),
            status
        );
    }
    assert_eq!(app.count("practice_bases").await, 1);
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &path, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &path, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("practice_bases").await, 0);
    assert_eq!(audit_count(&app, "base.withdraw").await, 2);
}

async fn the_agreement_refuses_an_empty_form_and_is_corrected(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let path = format!("/groups/{gid}/agreement");
    let form = page(&app, &c.school, &path).await;
    assert!(
        form.contains("id=\"f-signed_on\" name=\"signed_on\" value=\"\""),
        "no date pre-filled"
    );
    assert!(form.contains("每个不超过 20 MB，每次提交合计不超过 64 MB"));

    // Nothing typed, nothing chosen: refused, each field named.
    let r = post_multipart(&app, &c.school, &path, &[], &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("href=\"#f-signed_on\"") && text.contains("href=\"#f-parties\""),
        "{text}"
    );
    assert!(text.contains("签署日期：未填写"));
    // The parties the form offers, and nothing else: still not an agreement.
    let r = post_multipart(
        &app,
        &c.school,
        &path,
        &[("parties", &c.g.university), ("parties", &c.g.town)],
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api(
        &app,
        &c.token,
        reqwest::Method::PUT,
        &format!("/api/v1{path}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_names(&r.json().await.unwrap()),
        ["签署日期", "签约各方"]
    );
    // A wrong date with a scan: the scan must be chosen again, and none is kept.
    let r = post_multipart(
        &app,
        &c.school,
        &path,
        &[
            ("signed_on", "2099-01-01"),
            ("parties", &c.g.university),
            ("parties", &c.g.town),
            ("notes", "原件存校办"),
        ],
        &[("scans", "协议.pdf", PDF)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("您选择的文件尚未上传")
            && text.contains("原件存校办")
            && text.contains("value=\"2099-01-01\"")
    );
    assert!(text.contains(
        "id=\"f-signed_on\" name=\"signed_on\" value=\"2099-01-01\" aria-invalid=\"true\""
    ));
    assert_eq!(
        (
            app.count("agreements").await,
            app.count("attachments").await,
            stored_files(&app)
        ),
        (0, 0, 0)
    );

    // Recorded with a scan, then corrected: the changed fields only, parties by name.
    let r = post_multipart(
        &app,
        &c.school,
        &path,
        &[
            ("signed_on", "2024-01-20"),
            ("parties", &c.g.university),
            ("parties", &c.g.town),
            ("notes", "原件存校办"),
        ],
        &[("scans", "协议.pdf", PDF)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{path}?saved=agreement_saved#saved"));
    let r = post_multipart(
        &app,
        &c.school,
        &path,
        &[
            ("signed_on", "2024-01-25"),
            ("parties", &c.g.university),
            ("parties", &c.g.vocational),
            ("parties", &c.g.town),
            ("parties", &c.g.village),
            ("notes", "原件存校办"),
        ],
        &[],
    )
    .await;
    assert_eq!(location(&r), format!("{path}?saved=agreement_saved#saved"));
    use sqlx::Row;
    let row = sqlx::query(
        "select before_json, after_json from audit_events where action = 'agreement.update'",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    let before: Value =
        serde_json::from_str(&row.try_get::<String, _>("before_json").unwrap()).unwrap();
    let after: Value =
        serde_json::from_str(&row.try_get::<String, _>("after_json").unwrap()).unwrap();
    assert_eq!(before["signed_on"], "2024-01-20");
    assert_eq!(after["signed_on"], "2024-01-25");
    assert_eq!(after["parties"].as_array().unwrap().len(), 4);
    assert!(
        before.get("notes").is_none() && after.get("notes").is_none(),
        "unchanged fields are left out"
    );
    // The same form again with a scan only: the notice says scans were added.
    let r = post_multipart(
        &app,
        &c.school,
        &path,
        &[
            ("signed_on", "2024-01-25"),
            ("parties", &c.g.university),
            ("parties", &c.g.vocational),
            ("parties", &c.g.town),
            ("parties", &c.g.village),
            ("notes", "原件存校办"),
        ],
        &[("scans", "协议第二页.png", PNG)],
    )
    .await;
    assert_eq!(location(&r), format!("{path}?saved=scans_added#saved"));
    assert_eq!(audit_count(&app, "agreement.update").await, 1);
    let shown = page(&app, &c.school, &format!("{path}?saved=scans_added")).await;
    assert!(shown.contains("已保存：扫描件已上传。") && shown.contains("协议第二页.png"));
    assert!(
        shown.contains("修改记录")
            && shown.contains("录入协议")
            && shown.contains("修改协议")
            && shown.contains("上传协议扫描件")
    );
    assert!(
        shown.contains("签订日期：2024-01-20 → 2024-01-25"),
        "{shown}"
    );
    assert!(
        shown.contains("协议各方：塘厦镇、广东医科大学 → ")
            || shown.contains("协议各方：广东医科大学、塘厦镇 → "),
        "parties by name, not id: {shown}"
    );
    let h = history_part(&shown);
    assert!(
        !h.contains(&c.g.vocational) && !h.contains(&c.g.town),
        "no ids: {h}"
    );
    // Readers see the history too, but no form.
    let town_view = page(&app, &c.town, &path).await;
    assert!(town_view.contains("修改记录") && !town_view.contains("/agreement/withdraw"));
}

async fn the_agreement_is_withdrawn_and_a_scan_removed(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let path = format!("/groups/{gid}/agreement");
    let r = post_multipart(
        &app,
        &c.school,
        &path,
        &[
            ("signed_on", "2024-01-20"),
            ("parties", &c.g.university),
            ("parties", &c.g.town),
        ],
        &[("scans", "协议.pdf", PDF), ("scans", "签字页.png", PNG)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let agreement = app.text("select id from agreements", &[]).await;
    let scan = app
        .text(
            "select id from attachments where file_name = $1",
            &["签字页.png"],
        )
        .await;

    // A scan removed: confirmation, then gone with its file; readers and outsiders may not.
    let remove = format!("{path}/scans/{scan}/remove");
    let shown = page(&app, &c.school, &remove).await;
    assert!(
        shown.contains("删除协议扫描件")
            && shown.contains("签字页.png")
            && shown.contains("确认删除")
    );
    assert_eq!(
        app.get_with(&c.town, &remove).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&c.outsider, &remove).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        confirm(&app, &c.town, &remove).await.status(),
        StatusCode::FORBIDDEN
    );
    let api_scan = format!("/api/v1{path}/scans/{scan}");
    assert_eq!(
        api(
            &app,
            &c.town_token,
            reqwest::Method::DELETE,
            &api_scan,
            None
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api(
            &app,
            &c.outsider_token,
            reqwest::Method::DELETE,
            &api_scan,
            None
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("attachments").await, 2);
    let r = confirm(&app, &c.school, &remove).await;
    assert_eq!(location(&r), format!("{path}?saved=scan_removed#saved"));
    let shown = page(&app, &c.school, &format!("{path}?saved=scan_removed")).await;
    assert!(shown.contains("已删除：该扫描件已移除。") && !shown.contains("签字页.png</a>"));
    assert!(
        shown.contains("删除协议扫描件") && shown.contains("扫描件：签字页.png"),
        "in the history"
    );
    assert!(!stored(&app, PNG) && stored(&app, PDF));
    assert_eq!(app.count("attachments").await, 1);
    // Through the API; an unknown scan is not found.
    let pdf_scan = app.text("select id from attachments", &[]).await;
    let api_scan = format!("/api/v1{path}/scans/{pdf_scan}");
    assert_eq!(
        api(
            &app,
            &c.token,
            reqwest::Method::DELETE,
            &format!("/api/v1{path}/scans/{scan}"),
            None
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &api_scan, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!((app.count("attachments").await, stored_files(&app)), (0, 0));
    let h = history(&app, &c.token, &gid, "agreement", &agreement).await;
    let actions: Vec<&str> = h.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "录入协议",
            "上传协议扫描件",
            "删除协议扫描件",
            "删除协议扫描件"
        ]
    );

    // Withdrawn: confirmation, then the group has no agreement; scans and parties go with it.
    let r = api_files(
        &app,
        &c.token,
        &format!("/api/v1{path}/scans"),
        "scans",
        &[PNG2],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let withdraw = format!("{path}/withdraw");
    let shown = page(&app, &c.school, &withdraw).await;
    assert!(
        shown.contains("撤回三方合作协议（误录）")
            && shown.contains("2024-01-20")
            && shown.contains("广东医科大学")
            && shown.contains("确认撤回")
    );
    assert_eq!(
        app.get_with(&c.town, &withdraw).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&c.outsider, &withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        confirm(&app, &c.town, &withdraw).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        confirm(&app, &c.outsider, &withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("agreements").await, 1);
    let r = confirm(&app, &c.school, &withdraw).await;
    assert_eq!(
        location(&r),
        format!("{path}?saved=agreement_withdrawn#saved")
    );
    let shown = page(
        &app,
        &c.school,
        &format!("{path}?saved=agreement_withdrawn"),
    )
    .await;
    assert!(shown.contains("已撤回：协议记录已删除。") && shown.contains("登记协议"));
    assert_eq!(
        (
            app.count("agreements").await,
            app.count("agreement_parties").await,
            app.count("attachments").await,
            stored_files(&app),
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(
        app.get_with(&c.school, &withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(audit_count(&app, "agreement.withdraw").await, 1);

    // Through the API.
    let api_path = format!("/api/v1{path}");
    let r = api(
        &app,
        &c.token,
        reqwest::Method::PUT,
        &api_path,
        Some(json!({
            "signed_on": "2024-01-22", "parties": [c.g.university, c.g.village],
        })),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    for (token, status) in [
        (&c.town_token, StatusCode::FORBIDDEN),
        (&c.outsider_token, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            api(&app, token, reqwest::Method::DELETE, &api_path, None)
                .await
                .status(),
            status
        );
    }
    assert_eq!(app.count("agreements").await, 1);
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &api_path, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api(&app, &c.token, reqwest::Method::DELETE, &api_path, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let got: Value = app.api_get(&c.token, &api_path).await.json().await.unwrap();
    assert!(got["id"].is_null() && got["parties"].as_array().unwrap().is_empty());
}

on_both!(
    a_base_is_corrected_and_its_history_kept,
    photos_are_added_later_and_removed,
    a_base_entered_by_mistake_is_withdrawn,
    the_agreement_refuses_an_empty_form_and_is_corrected,
    the_agreement_is_withdrawn_and_a_scan_removed,
);
