//! 典型案例与新闻 (五(四), issue 12): a group's school, town or village writes an item, the bureau
//! reviews it, a published item is read without sign-in with its sharing tags, taking it down
//! removes it from public view at once; bodies are cleaned; only the group writes and only the
//! bureau reviews; publicity counts the group's published items; the browser and the API agree.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    an_item_goes_from_a_draft_to_the_public_pages_and_back,
    only_the_group_writes_and_only_the_bureau_reviews,
    wrong_items_are_refused_with_every_field_named,
    the_browser_writes_reviews_and_reads_an_item,
    an_item_names_its_groups_projects,
    an_items_images_are_public_only_while_it_is_published,
);

struct Cast {
    g: Group4,
    school: String,
    town: String,
    outsider: String,
    bureau: String,
    hq: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    Cast {
        school: app.api_token("gdmu", PASSWORD).await,
        town: app.api_token("tangxia", PASSWORD).await,
        outsider: app.api_token("gdst", PASSWORD).await,
        bureau: app.api_token("admin", ADMIN_PASSWORD).await,
        hq: app.api_token("hq1", PASSWORD).await,
        g,
    }
}

const DIRTY: &str = r#"<p onclick="steal()">塘厦镇与广东医科大学共建乡村卫生站。<script>alert(1)</script></p>
<p><img src="/static/x.png" onerror="alert(2)" alt="义诊现场"><img src="https://elsewhere.example/x.png"></p>
<p><a href="javascript:alert(3)">详情</a> <a href="https://www.dg.gov.cn/">东莞市人民政府</a></p>"#;

fn item(title: &str) -> Value {
    json!({
        "kind": "case",
        "title": title,
        "area": 2,
        "summary": "医校结对，送医下乡，村民在家门口看上专家门诊。",
        "body": DIRTY,
    })
}

async fn add(app: &TestApp, token: &str, gid: &str, body: Value) -> String {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{gid}/cases"),
        body,
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn act(app: &TestApp, token: &str, path: &str, body: Value, status: StatusCode) -> Value {
    expect(send(app, token, Method::POST, path, body).await, status).await
}

/// The publicity verdict of group 4 for the current year, as the group's checks give it.
async fn publicity(app: &TestApp, token: &str, gid: &str) -> Value {
    let checks = expect(
        app.api_get(token, &format!("/api/v1/groups/{gid}/checks"))
            .await,
        StatusCode::OK,
    )
    .await;
    checks["checks"]
        .as_array()
        .or_else(|| checks.as_array())
        .unwrap()
        .iter()
        .find(|c| c["id"] == "publicity")
        .unwrap_or_else(|| panic!("publicity in {checks}"))
        .clone()
}

async fn an_item_goes_from_a_draft_to_the_public_pages_and_back(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let before = publicity(&app, &c.bureau, &gid).await;
    assert_eq!(before["status"], "advisory");
    assert!(
        before["reason"].as_str().unwrap().contains("0 篇"),
        "{before}"
    );

    let id = add(&app, &c.school, &gid, item("医校结对送医下乡")).await;
    let path = format!("/api/v1/groups/{gid}/cases/{id}");
    let draft = expect(app.api_get(&c.school, &path).await, StatusCode::OK).await;
    assert_eq!(draft["state"], "draft");
    // Kept cleaned: nothing that runs, nothing from elsewhere; the text, own image and the
    // ordinary link stay.
    let body = draft["body"].as_str().unwrap();
    for gone in [
        "script",
        "alert",
        "onclick",
        "onerror",
        "javascript",
        "elsewhere",
    ] {
        assert!(!body.contains(gone), "{gone} in {body}");
    }
    assert!(body.contains("共建乡村卫生站"), "{body}");
    assert!(body.contains(r#"src="/static/x.png""#), "{body}");
    assert!(body.contains("https://www.dg.gov.cn/"), "{body}");
    // A draft is the group's own: not the bureau's (nor its history), not public.
    assert_eq!(
        app.api_get(&c.bureau, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let history = format!("/api/v1/groups/{gid}/records/case/{id}/history");
    assert_eq!(
        app.api_get(&c.bureau, &history).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api_get(&c.school, &history).await.status(),
        StatusCode::OK
    );
    let seen = expect(
        app.api_get(&c.bureau, &format!("/api/v1/groups/{gid}/cases"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen.as_array().unwrap().len(), 0);
    let public = format!("/api/v1/public/cases/{id}");
    assert_eq!(app.get(&public).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/public/cases/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );

    // Submitted: it waits in the bureau's queue (HQ reads it too), the group cannot change it.
    let sent = act(
        &app,
        &c.school,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(sent["state"], "submitted");
    for token in [&c.bureau, &c.hq] {
        let q = expect(app.api_get(token, "/api/v1/cases").await, StatusCode::OK).await;
        assert_eq!(q["waiting"], 1);
        assert_eq!(q["items"][0]["id"], id.as_str());
    }
    let r = send(&app, &c.school, Method::PUT, &path, item("改标题")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Published by the bureau: public at once, with no one's name, and counted by publicity.
    let review = format!("/api/v1/cases/{id}");
    for token in [&c.school, &c.hq] {
        act(
            &app,
            token,
            &format!("{review}/publish"),
            json!({}),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let published = act(
        &app,
        &c.bureau,
        &format!("{review}/publish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["state"], "published");
    assert_eq!(published["published_on"], app.clock.today().to_string());
    let read = expect(app.get(&public).await, StatusCode::OK).await;
    assert_eq!(read["title"], "医校结对送医下乡");
    assert_eq!(read["organisation"], "广东医科大学");
    assert!(!read.to_string().contains("gdmu"), "{read}");
    let list = expect(app.get("/api/v1/public/cases?area=2").await, StatusCode::OK).await;
    assert_eq!(list["total"], 1);
    // The list gives no bodies (each is read on its own address).
    assert!(list["items"][0].get("body").is_none(), "{list}");
    assert_eq!(list["items"][0]["url"], format!("/public/cases/{id}"));
    let none = expect(app.get("/api/v1/public/cases?area=3").await, StatusCode::OK).await;
    assert_eq!(none["total"], 0);
    let year = app.clock.today().year();
    let by_year = expect(
        app.get(&format!("/api/v1/public/cases?year={year}&kind=case"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_year["total"], 1);
    let last_year = expect(
        app.get(&format!("/api/v1/public/cases?year={}", year - 1))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(last_year["total"], 0);
    let after = publicity(&app, &c.bureau, &gid).await;
    assert!(
        after["reason"].as_str().unwrap().contains("1 篇，已达到"),
        "{after}"
    );

    // The article page: its title, description and sharing tags; the body cleaned.
    let r = app.get(&format!("/public/cases/{id}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<title>医校结对送医下乡 · 校地通</title>"),
        "{html}"
    );
    assert!(html.contains(r#"<meta property="og:title" content="医校结对送医下乡">"#));
    assert!(html.contains(r#"<meta name="description" content="医校结对，送医下乡"#));
    assert!(html.contains(&format!("/public/cases/{id}\">")), "og:url");
    for gone in ["alert", "onerror", "onclick", "javascript:"] {
        assert!(!html.contains(gone), "{gone} on the public page");
    }
    let listed = app.get("/public/cases").await.text().await.unwrap();
    assert!(listed.contains("医校结对送医下乡"));

    // Taken down: gone from public view at once, no longer counted; the group may correct it
    // and send it again, and it cannot be withdrawn (it was published once).
    act(
        &app,
        &c.school,
        &format!("{review}/unpublish"),
        json!({}),
        StatusCode::FORBIDDEN,
    )
    .await;
    let down = act(
        &app,
        &c.bureau,
        &format!("{review}/unpublish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(down["state"], "unpublished");
    assert_eq!(app.get(&public).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/public/cases/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let list = expect(app.get("/api/v1/public/cases").await, StatusCode::OK).await;
    assert_eq!(list["total"], 0);
    assert!(
        publicity(&app, &c.bureau, &gid).await["reason"]
            .as_str()
            .unwrap()
            .contains("0 篇"),
    );
    let r = send(&app, &c.school, Method::DELETE, &path, json!({})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let fixed = expect(
        send(
            &app,
            &c.school,
            Method::PUT,
            &path,
            item("医校结对送医下乡（修订）"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fixed["title"], "医校结对送医下乡（修订）");
    let history = expect(
        app.api_get(
            &c.school,
            &format!("/api/v1/groups/{gid}/records/case/{id}/history"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "撰写典型案例或新闻",
            "提交典型案例或新闻审核",
            "审核通过并发布典型案例或新闻",
            "撤下已发布的典型案例或新闻",
            "修改典型案例或新闻",
        ]
    );
    assert!(
        history[4]["changes"][0]
            .as_str()
            .unwrap()
            .starts_with("标题："),
        "{history}"
    );
}

async fn only_the_group_writes_and_only_the_bureau_reviews(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let base = format!("/api/v1/groups/{gid}/cases");
    // Another group's school: the group is not found, to read or to write.
    assert_eq!(
        app.api_get(&c.outsider, &base).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = send(&app, &c.outsider, Method::POST, &base, item("外组")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The bureau and HQ read the group but do not write its items.
    for token in [&c.bureau, &c.hq] {
        let r = send(&app, token, Method::POST, &base, item("市级")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    // The town writes too (学校和地方共同宣传); a school cannot read the bureau's queue.
    let id = add(&app, &c.town, &gid, item("塘厦镇结对成果")).await;
    assert_eq!(
        app.api_get(&c.school, "/api/v1/cases").await.status(),
        StatusCode::FORBIDDEN
    );
    let path = format!("{base}/{id}");
    // Another group's user cannot act on it by its id either.
    for p in [
        format!("{path}/submit"),
        format!("/api/v1/cases/{id}/publish"),
    ] {
        let r = send(&app, &c.outsider, Method::POST, &p, json!({})).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
    }
    // Not yet submitted: the bureau does not see the draft, so nothing to publish.
    act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/publish"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Only the organisation that wrote it corrects, submits or withdraws it (its name is on it).
    let r = send(&app, &c.school, Method::PUT, &path, item("改写")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for (method, p) in [
        (Method::POST, format!("{path}/submit")),
        (Method::DELETE, path.clone()),
    ] {
        let r = send(&app, &c.school, method, &p, json!({})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{p}");
    }
    let first = act(
        &app,
        &c.town,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    // Returned only with a comment; the comment reaches the group.
    let e = act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/return"),
        json!({"comment": " "}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "退回意见");
    let back = act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/return"),
        json!({"comment": "请补充项目成效数据"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(back["state"], "returned");
    let seen = expect(app.api_get(&c.town, &path).await, StatusCode::OK).await;
    assert_eq!(seen["review_comment"], "请补充项目成效数据");
    // Corrected and sent again: a reviewer publishing what they read before is refused.
    expect(
        send(
            &app,
            &c.town,
            Method::PUT,
            &path,
            item("塘厦镇结对成果（补充数据）"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let again = act(
        &app,
        &c.town,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let stale = format!("/api/v1/cases/{id}/publish?version={}", first["version"]);
    let e = act(&app, &c.bureau, &stale, json!({}), StatusCode::CONFLICT).await;
    assert!(e["message"].as_str().unwrap().contains("刷新"), "{e}");
    let fresh = format!("/api/v1/cases/{id}/publish?version={}", again["version"]);
    let published = act(&app, &c.bureau, &fresh, json!({}), StatusCode::OK).await;
    assert_eq!(published["title"], "塘厦镇结对成果（补充数据）");
    // Taken down: published once, it cannot be withdrawn.
    act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/unpublish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let r = send(&app, &c.town, Method::DELETE, &path, json!({})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A second item, returned and never published: it may be withdrawn.
    let id = add(&app, &c.town, &gid, item("塘厦镇结对成果二")).await;
    let path = format!("{base}/{id}");
    act(
        &app,
        &c.town,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/return"),
        json!({"comment": "重复稿件"}),
        StatusCode::OK,
    )
    .await;
    // Returned and never published: it may be withdrawn; afterwards it is gone.
    let r = send(&app, &c.outsider, Method::DELETE, &path, json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = send(&app, &c.town, Method::DELETE, &path, json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get(&c.town, &path).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn wrong_items_are_refused_with_every_field_named(app: TestApp) {
    let c = cast(&app).await;
    let base = format!("/api/v1/groups/{}/cases", c.g.id);
    let before = app.snapshot().await;
    let e = expect(
        send(
            &app,
            &c.school,
            Method::POST,
            &base,
            json!({"kind": "case", "title": "", "area": 99, "summary": "", "body": "<script>x</script>"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["标题", "摘要", "领域", "正文"]);
    // A body beyond its bound, an unknown field, a wrong type: refused, nothing written.
    let mut big = item("很长");
    big["body"] = json!("字".repeat(70_000));
    let e = expect(
        send(&app, &c.school, Method::POST, &base, big).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        e["fields"][0]["message"].as_str().unwrap().contains("过长"),
        "{e}"
    );
    let mut extra = item("多字段");
    extra["author"] = json!("someone");
    let r = send(&app, &c.school, Method::POST, &base, extra).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(&app, &c.school, Method::POST, &base, json!({"title": 5})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.snapshot().await, before);
    // Public filters out of range are told (an unknown town lists nothing); an id that is no
    // item is not found.
    let none = expect(
        app.get("/api/v1/public/cases?town=%C3%97").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["total"], 0);
    for q in ["year=1900", "kind=poem", "page=0", "area=300", "area=0"] {
        let r = app.get(&format!("/api/v1/public/cases?{q}")).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
    }
    assert_eq!(
        app.get("/api/v1/public/cases/not-an-id").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn the_browser_writes_reviews_and_reads_an_item(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let tab = format!("/groups/{}/cases", g.id);
    let page = app.get_with(&school, &tab).await.text().await.unwrap();
    assert!(
        page.contains("撰写典型案例或新闻"),
        "the school gets the form"
    );
    // A form with errors is shown again with them, nothing kept.
    let r = post_form(&app, &school, &tab, &[("kind", "case"), ("title", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请填写标题") && html.contains("请填写正文"),
        "{html}"
    );
    let r = post_form(
        &app,
        &school,
        &tab,
        &[
            ("kind", "news"),
            ("title", "塘厦镇校地结对签约仪式"),
            ("area", ""),
            ("summary", "签约仪式在塘厦镇举行。"),
            ("body", "<p>签约仪式<script>alert(1)</script></p>"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let case = at.split('?').next().unwrap().to_string();
    let id = case.rsplit('/').next().unwrap().to_string();
    let r = post_form(&app, &school, &format!("{case}/submit"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The school has no review form; the bureau's queue lists it and its page has one.
    let mine = app.get_with(&school, &case).await.text().await.unwrap();
    assert!(!mine.contains("通过并发布"));
    let queue = app.get_with(&bureau, "/cases").await.text().await.unwrap();
    assert!(queue.contains("塘厦镇校地结对签约仪式"), "{queue}");
    let review = app.get_with(&bureau, &case).await.text().await.unwrap();
    assert!(review.contains("通过并发布"));
    let r = post_form(&app, &school, &format!("{case}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post_form(&app, &bureau, &format!("{case}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Read logged out, and through the API the same item.
    let public = app.get(&format!("/public/cases/{id}")).await;
    assert_eq!(public.status(), StatusCode::OK);
    let html = public.text().await.unwrap();
    assert!(
        html.contains("<p>签约仪式</p>") && !html.contains("alert"),
        "{html}"
    );
    let api = expect(
        app.get(&format!("/api/v1/public/cases/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(api["kind"], "news");
    // The exports: the group's list and the bureau's queue.
    for (client, path) in [
        (&school, format!("{tab}/export.xlsx")),
        (&bureau, "/cases/export.xlsx".to_string()),
    ] {
        let r = app.get_with(client, &path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.bytes().await.unwrap().starts_with(b"PK"),
            "{path} is an xlsx"
        );
    }
    // Taken down after a confirmation page; then 404 publicly.
    let confirm = app
        .get_with(&bureau, &format!("{case}/unpublish"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("确认撤下"));
    let r = post_form(&app, &bureau, &format!("{case}/unpublish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/public/cases/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// A case names the group's cooperation projects it is about: kept, corrected, shown on the item
/// and the public article; another group's project (or no project) is refused, nothing written.
async fn an_item_names_its_groups_projects(app: TestApp) {
    let c = cast(&app).await;
    let pool = app.store().pool();
    let other = app.group_id(2).await;
    for (id, group, title) in [
        ("p-clinic", c.g.id.as_str(), "村卫生站共建"),
        ("p-training", c.g.id.as_str(), "乡村医生培训"),
        ("p-elsewhere", other.as_str(), "他组项目"),
    ] {
        sqlx::query(
            "insert into projects (id, group_id, area, title, lead_org_id, starts_on, status, created_at)
             values ($1, $2, 5, $3, $4, '2026-01-01', 'active', 0)",
        )
        .bind(uuid_of(id))
        .bind(group)
        .bind(title)
        .bind(&c.g.university)
        .execute(pool)
        .await
        .unwrap();
    }
    let base = format!("/api/v1/groups/{}/cases", c.g.id);
    // Another group's project, or something that is no project: refused, nothing kept.
    for wrong in [uuid_of("p-elsewhere"), "not-an-id".to_string()] {
        let mut body = item("项目案例");
        body["project_ids"] = json!([wrong]);
        let e = expect(
            send(&app, &c.school, Method::POST, &base, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(e["fields"][0]["field"], "关联项目", "{e}");
    }
    assert_eq!(app.count("cases").await, 0);
    let mut body = item("项目案例");
    body["project_ids"] = json!([uuid_of("p-clinic")]);
    let id = add(&app, &c.school, &c.g.id, body).await;
    let path = format!("{base}/{id}");
    let got = expect(app.api_get(&c.school, &path).await, StatusCode::OK).await;
    assert_eq!(got["project_ids"], json!([uuid_of("p-clinic")]));
    // Corrected to name both; the history says so.
    let mut body = item("项目案例");
    body["project_ids"] = json!([uuid_of("p-training"), uuid_of("p-clinic")]);
    let r = send(&app, &c.school, Method::PUT, &path, body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let got = expect(app.api_get(&c.school, &path).await, StatusCode::OK).await;
    assert_eq!(got["project_ids"].as_array().unwrap().len(), 2);
    let history = expect(
        app.api_get(
            &c.school,
            &format!("/api/v1/groups/{}/records/case/{id}/history", c.g.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let change = history[1]["changes"][0].as_str().unwrap();
    assert!(change.starts_with("关联项目："), "{history}");
    // Published, the article names them.
    act(
        &app,
        &c.school,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/publish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let html = app
        .get(&format!("/public/cases/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("相关合作项目：乡村医生培训、村卫生站共建")
            || html.contains("相关合作项目：村卫生站共建、乡村医生培训"),
        "{html}"
    );
    assert!(!html.contains("他组项目"));
}

/// A fixed UUID per name, for rows written straight into the database.
fn uuid_of(name: &str) -> String {
    let n = name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("00000000-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-case-image";

async fn upload_images(
    app: &TestApp,
    token: &str,
    path: &str,
    files: &[(&str, &[u8])],
) -> reqwest::Response {
    // A form with no file still has a part (an empty multipart body is malformed).
    let mut form = Form::new().text("note", "正文图片");
    for (name, bytes) in files {
        form = form.part(
            "files",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
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

/// 五(四) "body with images": the writing organisation uploads images for its item's body; the
/// body points at them; a reader without sign-in sees them only while the item is published.
async fn an_items_images_are_public_only_while_it_is_published(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let id = add(&app, &c.school, &gid, item("乡村卫生站图片报道")).await;
    let other = add(&app, &c.school, &gid, item("另一篇稿件")).await;
    let path = format!("/api/v1/groups/{gid}/cases/{id}");
    let images = format!("{path}/images");

    // Wrong files are refused, naming the field, and nothing is stored.
    for files in [
        vec![("现场.png", b"%PDF-1.4 not an image".as_slice())],
        vec![],
    ] {
        let r = upload_images(&app, &c.school, &images, &files).await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["fields"][0]["field"], "图片", "{body}");
    }
    assert_eq!(
        expect(app.api_get(&c.school, &images).await, StatusCode::OK).await,
        json!([])
    );
    // Only the writing organisation adds them: the group's town may not, another group's
    // school does not see the item.
    let r = upload_images(&app, &c.town, &images, &[("a.png", PNG)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = upload_images(&app, &c.outsider, &images, &[("a.png", PNG)]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = upload_images(&app, &c.school, &images, &[("义诊现场.png", PNG)]).await;
    let list = expect(r, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["file_name"], "义诊现场.png");
    assert_eq!(list[0]["content_type"], "image/png");
    let image = list[0]["id"].as_str().unwrap().to_string();
    let src = list[0]["src"].as_str().unwrap().to_string();
    assert_eq!(src, format!("/public/cases/{id}/images/{image}"));

    // Not through the general download either (it does not know who sees a draft).
    assert_eq!(
        app.api_get(&c.school, &format!("/api/v1/files/{image}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // A draft's image: not for a reader without sign-in; the school's own browser sees it.
    assert_eq!(app.get(&src).await.status(), StatusCode::NOT_FOUND);
    let browser = app.web_client("gdmu", PASSWORD).await;
    let r = app.get_with(&browser, &src).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // The item's page lists it with the code to put in the body.
    let page = app
        .page(&browser, &format!("/groups/{gid}/cases/{id}"))
        .await;
    assert!(
        page.contains("&lt;img src=") && page.contains(&format!(r#"<img src="{src}""#)),
        "{page}"
    );

    // The body points at it; the bureau publishes; now anyone reads the article and the image.
    let mut body = item("乡村卫生站图片报道");
    body["body"] = json!(format!(
        r#"<p>义诊现场：</p><p><img src="{src}" alt="义诊现场" onerror="alert(1)"></p>"#
    ));
    expect(
        send(&app, &c.school, Method::PUT, &path, body).await,
        StatusCode::OK,
    )
    .await;
    act(
        &app,
        &c.school,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/publish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let article = app.get(&format!("/public/cases/{id}")).await;
    let article = article.text().await.unwrap();
    assert!(
        article.contains(&format!(r#"<img src="{src}" alt="义诊现场">"#)),
        "{article}"
    );
    let r = app.get(&src).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["cache-control"], "no-cache");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    // The image is this item's only: asked for under another item it is not found.
    assert_eq!(
        app.get(&format!("/public/cases/{other}/images/{image}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Published, its images stay as reviewed.
    let r = upload_images(&app, &c.school, &images, &[("b.png", PNG)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = send(
        &app,
        &c.school,
        Method::DELETE,
        &format!("{images}/{image}"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Taken down: the image is gone from public view at once.
    act(
        &app,
        &c.bureau,
        &format!("/api/v1/cases/{id}/unpublish"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.get(&src).await.status(), StatusCode::NOT_FOUND);
    // Correctable again: the school removes it; the history says so; the file is gone.
    let r = send(
        &app,
        &c.school,
        Method::DELETE,
        &format!("{images}/{image}"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        expect(app.api_get(&c.school, &images).await, StatusCode::OK).await,
        json!([])
    );
    assert_eq!(
        app.get_with(&browser, &src).await.status(),
        StatusCode::NOT_FOUND
    );
    let history = app
        .page(&browser, &format!("/groups/{gid}/cases/{id}"))
        .await;
    assert!(
        history.contains("上传典型案例或新闻的正文图片")
            && history.contains("删除典型案例或新闻的正文图片"),
        "{history}"
    );

    // At most 30 images an item: more in one go are refused, none stored.
    let other_images = format!("/api/v1/groups/{gid}/cases/{other}/images");
    let many: Vec<(String, &[u8])> = (0..31).map(|i| (format!("p{i}.png"), PNG)).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let r = upload_images(&app, &c.school, &other_images, &many).await;
    let body = expect(r, StatusCode::CONFLICT).await;
    assert!(
        body["message"].as_str().unwrap().contains("最多 30 张"),
        "{body}"
    );
    assert_eq!(
        expect(app.api_get(&c.school, &other_images).await, StatusCode::OK).await,
        json!([])
    );
    // The page's form uploads too (the same service); a draft withdrawn takes its images with it.
    let csrf = app.csrf_of(&browser).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .part("images", Part::bytes(PNG.to_vec()).file_name("c.png"));
    let r = browser
        .post(app.url(&format!("/groups/{gid}/cases/{other}/images")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let listed = expect(app.api_get(&c.school, &other_images).await, StatusCode::OK).await;
    assert_eq!(listed[0]["file_name"], "c.png", "{listed}");
    // Removed on the web after its confirmation page; then one more, through the API.
    let remove = format!(
        "/groups/{gid}/cases/{other}/images/{}/remove",
        listed[0]["id"].as_str().unwrap()
    );
    let confirm = app.page(&browser, &remove).await;
    assert!(
        confirm.contains("删除正文图片") && confirm.contains("c.png"),
        "{confirm}"
    );
    let r = post_form(&app, &browser, &remove, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        expect(app.api_get(&c.school, &other_images).await, StatusCode::OK).await,
        json!([])
    );
    let r = upload_images(&app, &c.school, &other_images, &[("d.png", PNG)]).await;
    expect(r, StatusCode::OK).await;
    let before = app.count("attachments").await;
    let r = send(
        &app,
        &c.school,
        Method::DELETE,
        &format!("/api/v1/groups/{gid}/cases/{other}"),
        Value::Null,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.count("attachments").await, before - 1);
}
