//! 经费导入 (issue 9): a sheet in the columns of the expense export, all or nothing, every row's
//! errors at once; exported expenses imported again come back the same, shares included. Web and
//! API, both databases.

use crate::helpers::{Group4, PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

on_both!(
    exported_expenses_import_back_the_same,
    a_sheet_with_any_error_records_nothing,
);

struct Cast {
    g: Group4,
    school: Client,
    token: String,
    village_token: String,
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
        outsider_token: app.api_token("gdst", PASSWORD).await,
        g,
    }
}

async fn api_import(
    app: &TestApp,
    token: &str,
    gid: &str,
    bytes: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/groups/{gid}/expenses/import")))
        .bearer_auth(token)
        .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name.to_string())))
        .send()
        .await
        .unwrap()
}

/// The group's expenses through the API without their ids, sorted: what an import must reproduce.
async fn expenses(app: &TestApp, token: &str, gid: &str) -> Vec<String> {
    let r = app
        .api_get(
            token,
            &format!("/api/v1/groups/{gid}/expenses?per_page=100"),
        )
        .await;
    let body = expect(r, StatusCode::OK).await;
    let mut out: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let mut x = x.clone();
            x.as_object_mut().unwrap().remove("id");
            x.to_string()
        })
        .collect();
    out.sort();
    out
}

async fn exported_expenses_import_back_the_same(app: TestApp) {
    let c = cast(&app).await;
    let base = format!("/api/v1/groups/{}/expenses", c.g.id);
    for body in [
        json!({"spent_on": "2026-05-01", "amount": "1200.50", "payer_org_id": c.g.university, "kind": "transport", "notes": "往返塘厦，含高速费"}),
        json!({"spent_on": "2026-05-20", "amount": "100", "payer_org_id": c.g.town, "kind": "major_activity", "initiator_org_id": c.g.town,
               "shares": [{"org_id": c.g.university, "percent": "33.33"}, {"org_id": c.g.vocational, "percent": "33.33"}, {"org_id": c.g.town, "percent": "33.34"}]}),
        json!({"spent_on": "2026-03-01", "payer_org_id": c.g.town, "kind": "office_equipment", "in_kind": true, "notes": "镇政府提供办公室"}),
        json!({"spent_on": "2026-04-01", "amount": "0.01", "payer_org_id": c.g.vocational, "kind": "other"}),
    ] {
        expect(
            send(&app, &c.token, Method::POST, &base, body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let before = expenses(&app, &c.token, &c.g.id).await;
    assert_eq!(before.len(), 4);
    let r = app
        .get_with(
            &c.school,
            &format!("/groups/{}/expenses/export.xlsx", c.g.id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = r.bytes().await.unwrap().to_vec();

    // Through the API: the same four again, shares and all.
    let r = api_import(&app, &c.token, &c.g.id, sheet.clone(), "经费.xlsx").await;
    assert_eq!(expect(r, StatusCode::OK).await["imported"], 4);
    let after = expenses(&app, &c.token, &c.g.id).await;
    let mut doubled: Vec<String> = before.iter().chain(before.iter()).cloned().collect();
    doubled.sort();
    assert_eq!(after, doubled);
    assert!(after.iter().any(|x| x.contains("33.34")), "{after:?}");

    // On the web: the import page, then the list with its notice.
    let page = app
        .get_with(&c.school, &format!("/groups/{}/expenses/import", c.g.id))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = app.csrf_of(&c.school).await;
    let r = c
        .school
        .post(app.url(&format!("/groups/{}/expenses/import", c.g.id)))
        .multipart(
            Form::new()
                .text("csrf_token", csrf)
                .part("file", Part::bytes(sheet).file_name("经费.xlsx")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(expenses(&app, &c.token, &c.g.id).await.len(), 12);
}

async fn a_sheet_with_any_error_records_nothing(app: TestApp) {
    let c = cast(&app).await;
    // A malformed file.
    let before = (
        app.count("expenses").await,
        app.count("expense_shares").await,
    );
    let r = api_import(
        &app,
        &c.token,
        &c.g.id,
        b"PK\x03\x04not really a zip".to_vec(),
        "a.xlsx",
    )
    .await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(e.to_string().contains("xlsx"), "{e}");
    // Every row's errors at once: an over-precise amount, shares that do not add up, another
    // group's organisation, an unknown kind with a malformed amount; the good row is not kept.
    let csv = "日期,类别,金额（元）,实物投入,付款单位,发起单位,分担比例,备注\n\
        2026-05-01,交通费,12.345,否,广东医科大学,,,\n\
        2026/5/2,重大活动,100,否,塘厦镇,塘厦镇,广东医科大学 50%、塘厦镇 40%,\n\
        2026-05-03,交通费,10,否,广东科技学院,,,\n\
        2026-05-04,飞机,abc,否,广东医科大学,,,\n\
        2026年5月5日,生活补助,80,否,广东医科大学,,,正确的一行\n";
    let r = api_import(&app, &c.token, &c.g.id, csv.as_bytes().to_vec(), "e.csv").await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let text = e.to_string();
    for want in [
        "第 2 行 金额（元）",
        "第 3 行 分担比例",
        "90.00%",
        "第 4 行 付款单位",
        "广东科技学院",
        "第 5 行 类别",
        "第 5 行 金额（元）",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    assert!(!text.contains("第 6 行"), "{text}");
    // The same on the web: every error listed, nothing recorded.
    let csrf = app.csrf_of(&c.school).await;
    let r = c
        .school
        .post(app.url(&format!("/groups/{}/expenses/import", c.g.id)))
        .multipart(Form::new().text("csrf_token", csrf).part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("e.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("第 4 行 付款单位") && html.contains("未导入任何数据"),
        "{html}"
    );
    // A village does not record expenses; another group's user does not find the group.
    let good = "日期,类别,金额（元）,实物投入,付款单位,发起单位,分担比例,备注\n2026-05-05,生活补助,80,否,广东医科大学,,,\n";
    let r = api_import(
        &app,
        &c.village_token,
        &c.g.id,
        good.as_bytes().to_vec(),
        "g.csv",
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = api_import(
        &app,
        &c.outsider_token,
        &c.g.id,
        good.as_bytes().to_vec(),
        "g.csv",
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let after = (
        app.count("expenses").await,
        app.count("expense_shares").await,
    );
    assert_eq!(after, before);
    use sqlx::Row;
    let writes: i64 =
        sqlx::query("select count(*) as n from audit_events where action = 'expense.create'")
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
    assert_eq!(writes, 0);
    // And the good sheet goes in.
    let r = api_import(&app, &c.token, &c.g.id, good.as_bytes().to_vec(), "g.csv").await;
    assert_eq!(expect(r, StatusCode::OK).await["imported"], 1);
}
