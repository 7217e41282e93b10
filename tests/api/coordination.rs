//! 工作协调小组 (五(一)): each member school, town and village delegates people to the group's
//! coordination group; schools and towns record any member's delegates, a village only its own;
//! a person leaves by an end date and is deleted only when withdrawn on the day recorded.
//! Web and API, both databases.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    delegates_through_the_api_with_their_rights,
    delegates_on_the_web_with_export_and_history,
);

struct Cast {
    g: Group4,
    village: Client,
    village_token: String,
    school_token: String,
    town_token: String,
    outsider: Client,
    outsider_token: String,
    bureau_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txz", "塘厦镇", "town").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        village: app.web_client("fhg", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        school_token: app.api_token("gdmu", PASSWORD).await,
        town_token: app.api_token("txz", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        bureau_token: app.api_token("admin", ADMIN_PASSWORD).await,
        g,
    }
}

fn person(name: &str, org: &str, post: &str, from_on: &str) -> Value {
    json!({ "person_name": name, "org_id": org, "post": post, "phone": "13800138000", "from_on": from_on })
}

async fn listed(app: &TestApp, token: &str, gid: &str) -> Vec<Value> {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/coordination"))
        .await;
    expect(r, StatusCode::OK).await.as_array().unwrap().clone()
}

async fn audit_count(app: &TestApp, prefix: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("select count(*) as n from audit_events where action like $1")
        .bind(format!("{prefix}%"))
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn delegates_through_the_api_with_their_rights(app: TestApp) {
    let c = cast(&app).await;
    let base = format!("/api/v1/groups/{}/coordination", c.g.id);
    // A village records its own delegate.
    let r = send(
        &app,
        &c.village_token,
        Method::POST,
        &base,
        person("李村长", &c.g.village, "村委主任", "2026-03-01"),
    )
    .await;
    let village_person = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // …but not the university's: refused on the field, nothing stored.
    let r = send(
        &app,
        &c.village_token,
        Method::POST,
        &base,
        person("王校长", &c.g.university, "副校长", "2026-03-01"),
    )
    .await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["fields"][0]["field"], "所在单位", "{e}");
    assert_eq!(app.count("coordinators").await, 1);
    // A school records the town's delegate; a town the university's.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &base,
        person("陈副镇长", &c.g.town, "副镇长", "2026-01-10"),
    )
    .await;
    let town_person = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        &c.town_token,
        Method::POST,
        &base,
        person("王校长", &c.g.university, "副校长", "2026-01-10"),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    // Every error at once: empty post, a future date, an organisation outside the group, an end date on a new entry.
    let mut bad = person("赵某", "not-an-org", "", "2026-07-01");
    bad["to_on"] = json!("2026-07-02");
    let r = send(&app, &c.bureau_token, Method::POST, &base, bad).await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["所在单位", "职务", "起始日期", "结束日期"] {
        assert!(fields.contains(&f), "{f} in {e}");
    }
    assert_eq!(app.count("coordinators").await, 3);

    // Listed by organisation; phones in full only for the bureau and the person's own organisation.
    let list = listed(&app, &c.school_token, &c.g.id).await;
    assert_eq!(list.len(), 3);
    let of = |list: &[Value], id: &str| list.iter().find(|p| p["id"] == id).unwrap().clone();
    assert_eq!(of(&list, &village_person)["phone"], "138****8000");
    assert_eq!(
        of(&list, &village_person)["organisation"]["name"],
        "凤凰岗社区"
    );
    assert_eq!(
        of(
            &listed(&app, &c.village_token, &c.g.id).await,
            &village_person
        )["phone"],
        "13800138000"
    );
    assert_eq!(
        of(&listed(&app, &c.bureau_token, &c.g.id).await, &town_person)["phone"],
        "13800138000"
    );

    // Another group's user finds nothing and changes nothing.
    let before = audit_count(&app, "coordinator.").await;
    let one = format!("{base}/{town_person}");
    expect(
        app.api_get(&c.outsider_token, &base).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let r = send(
        &app,
        &c.outsider_token,
        Method::POST,
        &base,
        person("外人", &c.g.town, "职员", "2026-03-01"),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.outsider_token,
        Method::PUT,
        &one,
        person("外人", &c.g.town, "职员", "2026-03-01"),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(&app, &c.outsider_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::NOT_FOUND).await;
    // A village user may not correct or withdraw the town's delegate.
    let r = send(
        &app,
        &c.village_token,
        Method::PUT,
        &one,
        person("改名", &c.g.town, "副镇长", "2026-01-10"),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(&app, &c.village_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::FORBIDDEN).await;
    assert_eq!(audit_count(&app, "coordinator.").await, before);
    assert_eq!(app.count("coordinators").await, 3);

    // The town corrects its delegate's post, then records that they left (an end date).
    let mut fix = person("陈副镇长", &c.g.town, "镇党委副书记", "2026-01-10");
    let r = send(&app, &c.town_token, Method::PUT, &one, fix.clone()).await;
    assert_eq!(expect(r, StatusCode::OK).await["post"], "镇党委副书记");
    fix["to_on"] = json!("2026-01-10");
    let r = send(&app, &c.town_token, Method::PUT, &one, fix.clone()).await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["fields"][0]["field"], "结束日期", "{e}");
    fix["to_on"] = json!("2026-06-15");
    let r = send(&app, &c.town_token, Method::PUT, &one, fix).await;
    let left = expect(r, StatusCode::OK).await;
    assert_eq!(
        (left["to_on"].as_str(), left["current"].as_bool()),
        (Some("2026-06-15"), Some(false))
    );
    // A masked number sent back keeps the number (the school sees the village's masked).
    let r = send(&app, &c.school_token, Method::PUT, &format!("{base}/{village_person}"),
        json!({ "person_name": "李村长", "org_id": c.g.village, "post": "村党支部书记", "phone": "138****8000", "from_on": "2026-03-01" })).await;
    expect(r, StatusCode::OK).await;
    assert_eq!(
        of(
            &listed(&app, &c.bureau_token, &c.g.id).await,
            &village_person
        )["phone"],
        "13800138000"
    );

    // The record's history names the changes.
    let h = expect(
        app.api_get(
            &c.school_token,
            &format!(
                "/api/v1/groups/{}/records/coordinator/{town_person}/history",
                c.g.id
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let text = h.to_string();
    assert!(
        text.contains("登记协调小组成员")
            && text.contains("职务：副镇长 → 镇党委副书记")
            && text.contains("协调小组成员不再担任"),
        "{text}"
    );

    // Withdrawn on the day recorded; the next day a mistaken entry stays (record an end date).
    let r = send(
        &app,
        &c.village_token,
        Method::DELETE,
        &format!("{base}/{village_person}"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
    assert_eq!(app.count("coordinators").await, 2);
    app.clock.advance_ms(24 * 3600 * 1000);
    let town_token = app.api_token("txz", PASSWORD).await;
    let r = send(&app, &town_token, Method::DELETE, &one, json!({})).await;
    let e = expect(r, StatusCode::CONFLICT).await;
    assert!(e["message"].as_str().unwrap().contains("结束日期"), "{e}");
    assert_eq!(app.count("coordinators").await, 2);
}

async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let r = app.get_with(client, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap()
}

async fn delegates_on_the_web_with_export_and_history(app: TestApp) {
    let c = cast(&app).await;
    let tab = format!("/groups/{}/coordination", c.g.id);
    let html = page(&app, &c.village, &tab).await;
    assert!(
        html.contains("工作协调小组")
            && html.contains("本组尚未登记协调小组成员")
            && html.contains("登记协调小组成员")
    );
    // A village's form offers its own organisation only.
    assert!(
        html.contains(&c.g.village) && !html.contains(&format!("value=\"{}\"", c.g.university))
    );
    // Every error at once, what was typed kept.
    let r = post_form(
        &app,
        &c.village,
        &tab,
        &[
            ("person_name", "李村长"),
            ("org_id", &c.g.village),
            ("post", ""),
            ("from_on", "2026-07-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("href=\"#f-post\"")
            && html.contains("href=\"#f-from_on\"")
            && html.contains("value=\"李村长\""),
        "{html}"
    );
    assert_eq!(app.count("coordinators").await, 0);
    let r = post_form(
        &app,
        &c.village,
        &tab,
        &[
            ("person_name", "李村长"),
            ("org_id", &c.g.village),
            ("post", "村委主任"),
            ("phone", ""),
            ("from_on", "2026-03-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("{tab}?saved=coordinator_added#saved").as_str()
    );
    let html = page(&app, &c.village, &format!("{tab}?saved=coordinator_added")).await;
    assert!(
        html.contains("已保存：协调小组成员已登记")
            && html.contains("<h4 class=\"first\">凤凰岗社区</h4>")
            && html.contains("村委主任")
    );
    let id = app.text("select id from coordinators", &[]).await;

    // Another group's user: 404 for the tab, the person, the export and the forms; nothing changes.
    for path in [
        tab.clone(),
        format!("{tab}/{id}"),
        format!("{tab}/export.xlsx"),
        format!("{tab}/{id}/withdraw"),
    ] {
        assert_eq!(
            app.get_with(&c.outsider, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let r = post_form(
        &app,
        &c.outsider,
        &format!("{tab}/{id}"),
        &[
            ("person_name", "外人"),
            ("org_id", &c.g.village),
            ("post", "x"),
            ("from_on", "2026-03-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post_form(&app, &c.outsider, &format!("{tab}/{id}/withdraw"), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.text("select person_name from coordinators", &[]).await,
        "李村长"
    );

    // Leaving: the end date folds the person into 往任成员, and the history shows it.
    let r = post_form(
        &app,
        &c.village,
        &format!("{tab}/{id}"),
        &[
            ("person_name", "李村长"),
            ("org_id", &c.g.village),
            ("post", "村委主任"),
            ("phone", ""),
            ("from_on", "2026-03-01"),
            ("to_on", "2026-06-10"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &c.village, &tab).await;
    assert!(
        html.contains("往任成员（1 人）") && html.contains("现任成员（0 人）"),
        "{html}"
    );
    let edit = page(&app, &c.village, &format!("{tab}/{id}")).await;
    assert!(
        edit.contains("修改记录") && edit.contains("结束日期：（空） → 2026-06-10"),
        "{edit}"
    );

    // The export lists everyone ever delegated.
    let r = app
        .get_with(&c.village, &format!("{tab}/export.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows[0][..3], ["姓名", "所在单位", "职务"]);
    assert_eq!(rows[1][..3], ["李村长", "凤凰岗社区", "村委主任"]);
    assert_eq!(rows[1][6], "否");

    // Withdrawn after a confirmation page, on the day recorded.
    let confirm = page(&app, &c.village, &format!("{tab}/{id}/withdraw")).await;
    assert!(confirm.contains("确认撤回"));
    let r = post_form(&app, &c.village, &format!("{tab}/{id}/withdraw"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("coordinators").await, 0);
}
