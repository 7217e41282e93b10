//! 合作项目 (issue 9, 三(一)–(六)): projects in the plan's areas with progress updates that add to
//! the area's outcome figures (named by the plan file, not by code), purchased services (五(二))
//! with their contract value in fen, totals per area, the cross-group list, export and import in
//! the same columns, who may write (not a village, not another group) — through the web and the
//! API, on both databases.

use crate::helpers::{Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use xiaodi::domain::ids::GroupId;

struct Cast {
    g: Group4,
    school: Client,
    token: String,
    town_token: String,
    village: Client,
    village_token: String,
    outsider: Client,
    outsider_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("fhg", "凤凰岗社区(塘厦镇)", "village").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        school: app.web_client("gdmu", PASSWORD).await,
        token: app.api_token("gdmu", PASSWORD).await,
        town_token: app.api_token("tangxia", PASSWORD).await,
        village: app.web_client("fhg", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        g,
    }
}

fn path(g: &str) -> String {
    format!("/api/v1/groups/{g}/projects")
}

/// A training project of area 3 led by the university.
fn training(c: &Cast) -> Value {
    json!({
        "title": "电子技能培训",
        "area": 3,
        "lead_org_id": c.g.university,
        "starts_on": "2026-02-01",
        "status": "active",
        "partners": "塘厦职校",
    })
}

/// 五(二): the village buys a collective-economy plan from the university.
fn purchase(c: &Cast, contract: &str) -> Value {
    json!({
        "title": "集体经济运营陪伴服务",
        "area": 4,
        "lead_org_id": c.g.university,
        "starts_on": "2026-01-10",
        "ends_on": "2026-12-31",
        "status": "active",
        "purchased": true,
        "buyer_org_id": c.g.village,
        "contract": contract,
    })
}

async fn api_add(app: &TestApp, token: &str, g: &str, body: Value) -> String {
    let r = send(app, token, Method::POST, &path(g), body).await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn api_update(app: &TestApp, token: &str, g: &str, p: &str, body: Value) -> String {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("{}/{p}/updates", path(g)),
        body,
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn list(app: &TestApp, token: &str, g: &str, query: &str) -> Value {
    let r = app.api_get(token, &format!("{}{query}", path(g))).await;
    expect(r, StatusCode::OK).await
}

fn fields(body: &Value) -> Vec<String> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

fn messages(body: &Value) -> String {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The figure `code` of a figures array.
fn figure(figures: &Value, code: &str) -> i64 {
    figures
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {figures}"))["amount"]
        .as_i64()
        .unwrap()
}

fn area_total(list: &Value, area: i64) -> &Value {
    list["totals"]["by_area"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == area)
        .unwrap()
}

async fn projects_are_recorded_listed_filtered_and_totalled(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let p1 = api_add(&app, &c.token, &g, training(&c)).await;
    api_update(
        &app,
        &c.token,
        &g,
        &p1,
        json!({"happened_on": "2026-03-01", "summary": "第一期培训", "students": 6,
               "figures": {"people_trained": "40", "training_sessions": "2"}}),
    )
    .await;
    api_update(
        &app,
        &c.town_token,
        &g,
        &p1,
        json!({"happened_on": "2026-05-01", "summary": "第二期培训",
               "figures": {"people_trained": "35"}}),
    )
    .await;
    let p2 = api_add(&app, &c.town_token, &g, purchase(&c, "120000.50")).await;
    api_update(
        &app,
        &c.token,
        &g,
        &p2,
        json!({"happened_on": "2026-04-01", "summary": "合作社分红", "figures": {"collective_income": "8000.05"}}),
    )
    .await;

    let all = list(&app, &c.token, &g, "").await;
    assert_eq!(all["total"], 2);
    let a3 = area_total(&all, 3);
    assert_eq!(a3["projects"], 1);
    assert_eq!(figure(&a3["figures"], "people_trained"), 75);
    assert_eq!(figure(&a3["figures"], "training_sessions"), 2);
    let a4 = area_total(&all, 4);
    assert_eq!(figure(&a4["figures"], "collective_income"), 800_005);
    assert_eq!(all["totals"]["purchased_projects"], 1);
    assert_eq!(all["totals"]["purchased_contract"], "120000.50");
    assert_eq!(all["totals"]["purchased_contract_fen"], 12_000_050);
    let item = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == p1.as_str())
        .unwrap();
    assert_eq!(
        (item["students"].as_i64(), item["updates"].as_i64()),
        (Some(6), Some(2))
    );
    assert_eq!(item["status_label"], "进行中");
    // Filters: area, status, year; a filter it cannot read is a 422 naming it.
    assert_eq!(list(&app, &c.token, &g, "?area=4").await["total"], 1);
    assert_eq!(list(&app, &c.token, &g, "?status=done").await["total"], 0);
    assert_eq!(list(&app, &c.token, &g, "?year=2025").await["total"], 0);
    assert_eq!(
        list(&app, &c.token, &g, "?year=2026&area=3").await["total"],
        1
    );
    for bad in ["?area=9", "?status=finished", "?year=abc", "?page=0"] {
        let r = app.api_get(&c.token, &format!("{}{bad}", path(&g))).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // The village reads them; the bureau reads every group's across groups.
    assert_eq!(list(&app, &c.village_token, &g, "").await["total"], 2);
    let bureau_token = {
        app.add_user("dgjy", "东莞市教育局", "bureau").await;
        app.api_token("dgjy", PASSWORD).await
    };
    let r = app.api_get(&bureau_token, "/api/v1/projects?area=3").await;
    let across = expect(r, StatusCode::OK).await;
    assert_eq!(across["total"], 1);
    assert_eq!(across["items"][0]["group_number"], 4);
    let r = app.api_get(&c.outsider_token, "/api/v1/projects").await;
    assert_eq!(
        expect(r, StatusCode::OK).await["total"],
        0,
        "group 2's school sees none of group 4's"
    );
    let r = app
        .api_get(&bureau_token, "/api/v1/projects?group=nope")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The detail has the progress, newest first, and every figure of the area.
    let r = app.api_get(&c.token, &format!("{}/{p1}", path(&g))).await;
    let detail = expect(r, StatusCode::OK).await;
    assert_eq!(detail["progress"][0]["summary"], "第二期培训");
    assert_eq!(
        figure(&detail["progress"][0]["figures"], "training_sessions"),
        0
    );
    assert_eq!(figure(&detail["figures"], "people_trained"), 75);

    // Correcting: the changed fields land in its history; the area cannot move under figures.
    let mut corrected = training(&c);
    corrected["status"] = json!("done");
    corrected["ends_on"] = json!("2026-06-01");
    let r = send(
        &app,
        &c.token,
        Method::PUT,
        &format!("{}/{p1}", path(&g)),
        corrected.clone(),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["status"], "done");
    corrected["area"] = json!(2);
    let r = send(
        &app,
        &c.token,
        Method::PUT,
        &format!("{}/{p1}", path(&g)),
        corrected,
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["合作领域"]);
    let r = app
        .api_get(
            &c.token,
            &format!("/api/v1/groups/{g}/records/project/{p1}/history"),
        )
        .await;
    let history = expect(r, StatusCode::OK).await;
    let text = history.to_string();
    assert!(
        text.contains("更正合作项目") && text.contains("项目状态：进行中 → 已完成"),
        "{text}"
    );

    // Withdrawing: refused while it has progress, allowed once the progress is withdrawn.
    let r = send(
        &app,
        &c.token,
        Method::DELETE,
        &format!("{}/{p2}", path(&g)),
        json!({}),
    )
    .await;
    let body = expect(r, StatusCode::CONFLICT).await;
    assert!(
        body["message"].as_str().unwrap().contains("进展记录"),
        "{body}"
    );
    let update = detail_update_id(&app, &c.token, &g, &p2).await;
    let r = send(
        &app,
        &c.token,
        Method::DELETE,
        &format!("{}/{p2}/updates/{update}", path(&g)),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = send(
        &app,
        &c.token,
        Method::DELETE,
        &format!("{}/{p2}", path(&g)),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(list(&app, &c.token, &g, "").await["total"], 1);
    assert_eq!(app.count("project_outcomes").await, 3);

    // 一 store query for the year at a glance: per group, per code, the updates dated in range.
    let g4 = GroupId::parse(&g).unwrap();
    let totals = app
        .store()
        .project_outcome_totals(
            std::slice::from_ref(&g4),
            "2026-03-01".parse().unwrap(),
            "2026-04-30".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        totals[&g4]["people_trained"], 40,
        "the May update is outside"
    );
    let totals = app
        .store()
        .project_outcome_totals(
            std::slice::from_ref(&g4),
            "2026-03-02".parse().unwrap(),
            "2026-05-01".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(totals[&g4]["people_trained"], 35, "both ends inclusive");
    assert!(!totals[&g4].contains_key("training_sessions"));
}

async fn detail_update_id(app: &TestApp, token: &str, g: &str, p: &str) -> String {
    let r = app.api_get(token, &format!("{}/{p}", path(g))).await;
    expect(r, StatusCode::OK).await["progress"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn figures_and_contract_values_are_checked(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    // Contract values: yuan with up to two decimals, positive.
    for bad in ["12.345", "-1", "0", "1e3", "１２", ""] {
        let r = send(&app, &c.token, Method::POST, &path(&g), purchase(&c, bad)).await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), vec!["合同金额"], "{bad}");
    }
    for ok in ["0.01", "12", "12.5"] {
        api_add(&app, &c.token, &g, purchase(&c, ok)).await;
    }
    // The buyer is the group's town or a village, the lead a school; the area one of the plan's.
    let mut bad = purchase(&c, "100");
    bad["buyer_org_id"] = json!(c.g.vocational);
    bad["lead_org_id"] = json!(c.g.town);
    bad["area"] = json!(7);
    let r = send(&app, &c.token, Method::POST, &path(&g), bad).await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["合作领域", "牵头单位", "购买方"]);
    // A lead from another group is not a member.
    let mut t = training(&c);
    t["lead_org_id"] = json!(xiaodi::domain::ids::OrgId::new().to_string());
    let r = send(&app, &c.token, Method::POST, &path(&g), t).await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["牵头单位"]
    );

    // Figures: typed by the plan; a code of another area is refused by name.
    let p = api_add(&app, &c.token, &g, training(&c)).await;
    let before = app.count("project_updates").await;
    let upd = |figures: Value| json!({"happened_on": "2026-03-01", "summary": "培训", "students": 2, "figures": figures});
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &format!("{}/{p}/updates", path(&g)),
        upd(json!({"collective_income": "5", "people_trained": "1.5"})),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["成果指标", "成果指标"]);
    let m = messages(&body);
    assert!(m.contains("“collective_income”不是领域 3"), "{m}");
    assert!(m.contains("培训人数（人）“1.5”不是整数"), "{m}");
    let mut neg = upd(json!({}));
    neg["students"] = json!(-1);
    neg["happened_on"] = json!("2026-06-16");
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &format!("{}/{p}/updates", path(&g)),
        neg,
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["日期", "参与学生"]);
    assert_eq!(app.count("project_updates").await, before, "nothing stored");
    // A money figure: yuan kept in fen, exact over many rows.
    let p4 = api_add(&app, &c.token, &g, purchase(&c, "1")).await;
    for _ in 0..30 {
        api_update(
            &app,
            &c.token,
            &g,
            &p4,
            json!({"happened_on": "2026-02-01", "summary": "分红", "figures": {"collective_income": "0.10"}}),
        )
        .await;
    }
    let all = list(&app, &c.token, &g, "?area=4").await;
    assert_eq!(
        figure(&area_total(&all, 4)["figures"], "collective_income"),
        300
    );
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &format!("{}/{p4}/updates", path(&g)),
        json!({"happened_on": "2026-02-01", "summary": "分红", "figures": {"collective_income": "0.101"}}),
    )
    .await;
    assert!(messages(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await).contains("两位小数"));
}

async fn only_the_groups_schools_and_towns_write(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let p = api_add(&app, &c.token, &g, training(&c)).await;
    let u = api_update(
        &app,
        &c.token,
        &g,
        &p,
        json!({"happened_on": "2026-03-01", "summary": "培训", "figures": {"people_trained": "3"}}),
    )
    .await;
    let counts = || async {
        (
            app.count("projects").await,
            app.count("project_updates").await,
            app.count("project_outcomes").await,
        )
    };
    let before = counts().await;
    // Another group's school: 404 everywhere, nothing changed.
    let t = &c.outsider_token;
    let base = path(&g);
    for (method, url, body) in [
        (Method::GET, base.clone(), json!(null)),
        (Method::POST, base.clone(), training(&c)),
        (Method::GET, format!("{base}/{p}"), json!(null)),
        (Method::PUT, format!("{base}/{p}"), training(&c)),
        (Method::DELETE, format!("{base}/{p}"), json!(null)),
        (
            Method::POST,
            format!("{base}/{p}/updates"),
            json!({"happened_on": "2026-03-01", "summary": "x"}),
        ),
        (
            Method::PUT,
            format!("{base}/{p}/updates/{u}"),
            json!({"happened_on": "2026-03-01", "summary": "x"}),
        ),
        (
            Method::DELETE,
            format!("{base}/{p}/updates/{u}"),
            json!(null),
        ),
    ] {
        let r = send(&app, t, method.clone(), &url, body).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {url}");
    }
    for url in [
        format!("/groups/{g}/projects"),
        format!("/groups/{g}/projects/{p}"),
        format!("/groups/{g}/projects/{p}/edit"),
        format!("/groups/{g}/projects/export.xlsx"),
    ] {
        assert_eq!(
            app.get_with(&c.outsider, &url).await.status(),
            StatusCode::NOT_FOUND,
            "{url}"
        );
    }
    let r = post_form(
        &app,
        &c.outsider,
        &format!("/groups/{g}/projects/{p}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The group's village reads but may not write, in the API or the browser.
    let t = &c.village_token;
    let r = send(&app, t, Method::POST, &base, training(&c)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(
        &app,
        t,
        Method::DELETE,
        &format!("{base}/{p}/updates/{u}"),
        json!(null),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post_form(
        &app,
        &c.village,
        &format!("/groups/{g}/projects/{p}/updates"),
        &[("happened_on", "2026-03-02"), ("summary", "村里记录")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = app
        .get_with(&c.village, &format!("/groups/{g}/projects/{p}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("电子技能培训") && !html.contains("登记进展"));
    assert_eq!(counts().await, before, "refused writes change nothing");
}

/// The web's door: the tab, the form, the project page with its progress form, the edit and
/// withdraw confirmation, attachments.
async fn projects_in_the_browser(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let tab = format!("/groups/{g}/projects");
    let html = app.get_with(&c.school, &tab).await.text().await.unwrap();
    assert!(html.contains("登记合作项目") && html.contains("培训人数"));
    // Every error at once, each linked to its field.
    let r = post_form(
        &app,
        &c.school,
        &tab,
        &[("title", ""), ("purchased", "1"), ("contract", "12.345")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for f in [
        "#f-title",
        "#f-area",
        "#f-starts_on",
        "#f-status",
        "#f-lead",
        "#f-buyer",
        "#f-contract",
    ] {
        assert!(html.contains(f), "{f}");
    }
    assert_eq!(app.count("projects").await, 0);
    let r = post_form(
        &app,
        &c.school,
        &tab,
        &[
            ("title", "规划编制"),
            ("area", "6"),
            ("lead", c.g.university.as_str()),
            ("starts_on", "2026-01-05"),
            ("status", "active"),
            ("purchased", "1"),
            ("buyer", c.g.town.as_str()),
            ("contract", "50,000"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let project = to
        .split('/')
        .nth(4)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let page_path = format!("{tab}/{project}");
    let r = post_form(
        &app,
        &c.school,
        &format!("{page_path}/updates"),
        &[
            ("happened_on", "2026-04-01"),
            ("summary", "交付村庄规划"),
            ("students", "4"),
            ("figure_code", "plans_delivered"),
            ("figure_value", "2"),
            ("figure_code", "designs_delivered"),
            ("figure_value", ""),
            ("figure_code", "survey_reports"),
            ("figure_value", "1.5"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("调研报告（份）“1.5”不是整数")
    );
    let r = post_form(
        &app,
        &c.school,
        &format!("{page_path}/updates"),
        &[
            ("happened_on", "2026-04-01"),
            ("summary", "交付村庄规划"),
            ("students", "4"),
            ("figure_code", "plans_delivered"),
            ("figure_value", "2"),
            ("figure_code", "survey_reports"),
            ("figure_value", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app
        .get_with(&c.school, &page_path)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("项目进展已登记") || html.contains("交付村庄规划"));
    assert!(html.contains("规划方案 2 份"), "{html}");
    assert!(html.contains("50,000.00 元"));
    let tab_html = app.get_with(&c.school, &tab).await.text().await.unwrap();
    assert!(
        tab_html.contains("规划方案 <strong>2</strong> 份"),
        "totals per area"
    );
    assert!(tab_html.contains("共 1 项，合同金额 50,000.00 元"));
    // Attachments: added and removed through a confirmation.
    let csrf = app.csrf_of(&c.school).await;
    let form = Form::new().text("csrf_token", csrf).part(
        "files",
        Part::bytes(b"%PDF-1.7\n1 0 obj\n".to_vec()).file_name("规划.pdf"),
    );
    let r = c
        .school
        .post(app.url(&format!("{page_path}/files")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let file = app
        .text(
            "select id from attachments where owner_kind = 'project'",
            &[],
        )
        .await;
    let confirm = app
        .get_with(&c.school, &format!("{page_path}/files/{file}/remove"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("规划.pdf"));
    let r = post_form(
        &app,
        &c.school,
        &format!("{page_path}/files/{file}/remove"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("attachments").await, 0);
    // Edit with its 修改记录; withdraw says why it cannot while there is progress.
    let edit = app
        .get_with(&c.school, &format!("{page_path}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("修改合作项目") && edit.contains("修改记录"));
    let r = post_form(
        &app,
        &c.school,
        &format!("{page_path}/edit"),
        &[
            ("title", "村庄规划编制"),
            ("area", "6"),
            ("lead", c.g.university.as_str()),
            ("starts_on", "2026-01-05"),
            ("status", "done"),
            ("purchased", "1"),
            ("buyer", c.g.town.as_str()),
            ("contract", "50000"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let confirm = app
        .get_with(&c.school, &format!("{page_path}/withdraw"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("不能撤回"));
    let r = post_form(&app, &c.school, &format!("{page_path}/withdraw"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let history = app
        .get_with(
            &c.school,
            &format!("/groups/{g}/records/project/{project}/history"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        history.contains("项目名称：规划编制 → 村庄规划编制"),
        "{history}"
    );
    // The cross-group list, with its export.
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    let hq = app.web_client("hq1", PASSWORD).await;
    let all = app
        .get_with(&hq, "/projects?area=6")
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("村庄规划编制") && all.contains("第 4 组"));
    let r = app.get_with(&hq, "/projects/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows[0][0], "结对组");
    assert_eq!(rows[1][1], "村庄规划编制");
}

/// Outcome fields come from the plan file: a plan whose area 3 counts 技能大师工作室 instead of
/// 培训场次 shows it on the list, the page and the export, and the import reads it.
async fn a_plan_with_another_outcome_field_shows_it(app: TestApp) {
    sqlx::query(
        "update plans set plan_toml = replace(plan_toml, '{ code = \"training_sessions\", label = \"培训场次\", unit = \"场\" }', '{ code = \"master_studios\", label = \"技能大师工作室\", unit = \"个\" }')",
    )
    .execute(app.store().pool())
    .await
    .unwrap();
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let p = api_add(&app, &c.token, &g, training(&c)).await;
    let upd = |code: &str| json!({"happened_on": "2026-03-01", "summary": "工作室挂牌", "figures": {code: "2"}});
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &format!("{}/{p}/updates", path(&g)),
        upd("training_sessions"),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        messages(&body).contains("master_studios（技能大师工作室）"),
        "{body}"
    );
    api_update(&app, &c.token, &g, &p, upd("master_studios")).await;
    let all = list(&app, &c.token, &g, "").await;
    assert_eq!(figure(&area_total(&all, 3)["figures"], "master_studios"), 2);
    let tab = app
        .get_with(&c.school, &format!("/groups/{g}/projects"))
        .await
        .text()
        .await
        .unwrap();
    assert!(tab.contains("技能大师工作室 <strong>2</strong> 个") && !tab.contains("培训场次"));
    let page = app
        .get_with(&c.school, &format!("/groups/{g}/projects/{p}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("技能大师工作室（个）"),
        "the progress form asks for it"
    );
    let r = app
        .get_with(&c.school, &format!("/groups/{g}/projects/export.xlsx"))
        .await;
    let rows = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    let col = rows[0]
        .iter()
        .position(|h| h == "技能大师工作室（个）")
        .expect("its column");
    assert!(!rows[0].iter().any(|h| h.contains("培训场次")));
    assert_eq!(rows[1][col], "2");
    // The same sheet imported again reads the new column.
    let r = import(&app, &c.school, &g, rows_to_csv(&rows)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let all = list(&app, &c.token, &g, "").await;
    assert_eq!(figure(&area_total(&all, 3)["figures"], "master_studios"), 4);
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

async fn import(app: &TestApp, client: &Client, g: &str, bytes: Vec<u8>) -> reqwest::Response {
    let csrf = app.csrf_of(client).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .part("file", Part::bytes(bytes).file_name("项目.xlsx"));
    client
        .post(app.url(&format!("/groups/{g}/projects/import")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Export → import into another group gives the same projects and figures. Group 6 takes on
/// group 4's university and village (a school may be in several groups), so the names resolve.
async fn export_and_import_round_trip(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let p1 = api_add(&app, &c.token, &g, training(&c)).await;
    api_update(
        &app,
        &c.token,
        &g,
        &p1,
        json!({"happened_on": "2026-03-01", "summary": "培训", "students": 7,
               "figures": {"people_trained": "40", "training_sessions": "2"}}),
    )
    .await;
    let p2 = api_add(&app, &c.token, &g, purchase(&c, "120000.50")).await;
    api_update(
        &app,
        &c.token,
        &g,
        &p2,
        json!({"happened_on": "2026-04-01", "summary": "分红", "figures": {"collective_income": "8000.05"}}),
    )
    .await;
    api_add(&app, &c.token, &g, json!({"title": "实践基地共建", "area": 1, "lead_org_id": c.g.town, "starts_on": "2026-07-01", "status": "planned"})).await;
    let r = app
        .get_with(&c.school, &format!("/groups/{g}/projects/export.xlsx"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();

    let g6 = app.group_id(6).await;
    for (org, role) in [
        (&c.g.university, "university"),
        (&c.g.village, "village"),
        (&c.g.town, "town"),
    ] {
        sqlx::query(
            "insert into group_memberships (id, group_id, org_id, role, effective_from, position, created_at) values ($1, $2, $3, $4, '2024-01-01', 9, 0)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&g6)
        .bind(org)
        .bind(role)
        .execute(app.store().pool())
        .await
        .unwrap();
    }
    // A sheet with mistakes: every row's errors at once, nothing stored.
    let mut rows = xiaodi::imports::read_sheet(&bytes).unwrap();
    let good = rows.clone();
    let bought = rows
        .iter()
        .position(|r| r[0] == "集体经济运营陪伴服务")
        .unwrap();
    let other = if bought == 1 { 2 } else { 1 };
    rows[other][1] = "9".into();
    rows[bought][10] = "1.234".into();
    let before = app.count("projects").await;
    let r = import(&app, &c.school, &g6, rows_to_csv(&rows)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("第 {} 行 合作领域", other + 1))
            && html.contains(&format!("第 {} 行 合同金额（元）", bought + 1)),
        "{html}"
    );
    assert_eq!(app.count("projects").await, before);
    // The exported sheet itself goes in whole.
    let r = import(&app, &c.school, &g6, bytes).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let strip = |v: Value| -> Vec<Value> {
        let mut items: Vec<Value> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                json!([
                    p["title"],
                    p["area"],
                    p["lead"]["name"],
                    p["starts_on"],
                    p["ends_on"],
                    p["status"],
                    p["partners"],
                    p["purchased"],
                    p["buyer"]["name"],
                    p["contract_fen"],
                    p["students"],
                    p["figures"]
                ])
            })
            .collect();
        items.sort_by_key(|i| i.to_string());
        items
    };
    let from4 = strip(list(&app, &c.token, &g, "").await);
    let from6 = strip(list(&app, &c.token, &g6, "").await);
    assert_eq!(from4.len(), 3);
    assert_eq!(from4, from6);
    // And its export is the same sheet.
    let r = app
        .get_with(&c.school, &format!("/groups/{g6}/projects/export.xlsx"))
        .await;
    let again = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    let sorted = |mut v: Vec<Vec<String>>| {
        v.sort();
        v
    };
    assert_eq!(sorted(again), sorted(good));
}

/// 四(二) meets 三: an expense may name one of the group's projects, never another group's.
async fn an_expense_may_belong_to_a_project(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let p = api_add(&app, &c.token, &g, training(&c)).await;
    let expense = |project: &str| {
        json!({"spent_on": "2026-05-01", "amount": "300", "payer_org_id": c.g.university,
               "kind": "transport", "project_id": project})
    };
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &format!("/api/v1/groups/{g}/expenses"),
        expense(&p),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    // Another group's project (group 2's school records one there).
    let g2 = app.group_id(2).await;
    let r = app
        .api_get(&c.outsider_token, &format!("/api/v1/groups/{g2}"))
        .await;
    let g2_school = expect(r, StatusCode::OK).await["members"]["university"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut theirs = training(&c);
    theirs["lead_org_id"] = json!(g2_school);
    let other = api_add(&app, &c.outsider_token, &g2, theirs).await;
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &format!("/api/v1/groups/{g}/expenses"),
        expense(&other),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["所属项目"]);
    let r = app
        .api_get(&c.token, &format!("/api/v1/groups/{g}/expenses"))
        .await;
    let list = expect(r, StatusCode::OK).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["project"]["title"], "电子技能培训");
    let html = app
        .get_with(&c.school, &format!("/groups/{g}/expenses"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("所属项目") && html.contains("电子技能培训（2026-02-01）"));
    let r = app
        .get_with(&c.school, &format!("/groups/{g}/expenses/export.xlsx"))
        .await;
    let rows = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows[0].last().unwrap(), "所属项目");
    assert_eq!(rows[1].last().unwrap(), "电子技能培训");
    // A project with an expense is not withdrawn under it.
    let r = send(
        &app,
        &c.token,
        Method::DELETE,
        &format!("{}/{p}", path(&g)),
        json!(null),
    )
    .await;
    let body = expect(r, StatusCode::CONFLICT).await;
    assert!(body["message"].as_str().unwrap().contains("经费"), "{body}");
}

/// 三(一) 师生团队: an on-site entry counts the students who went along (form, API, list, export).
async fn onsite_entries_count_students(app: TestApp) {
    let c = cast(&app).await;
    let g = c.g.id.clone();
    let r = post_form(
        &app,
        &c.school,
        &format!("/groups/{g}/team"),
        &[
            ("person_name", "王队长"),
            ("org_id", c.g.university.as_str()),
            ("role", "captain"),
            ("title", "senior"),
            ("joined_on", "2026-01-10"),
            ("phone", "13800131234"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let member = app
        .text(
            "select id from team_members where person_name = '王队长'",
            &[],
        )
        .await;
    let entry = |students: Value, day: &str| {
        json!({"date_from": day, "place_org_id": c.g.village, "member_ids": [member],
               "content": "村庄调研", "students": students})
    };
    let onsite = format!("/api/v1/groups/{g}/onsite");
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &onsite,
        entry(json!(-1), "2026-05-01"),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["参与学生"]
    );
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &onsite,
        entry(json!(3), "2026-05-01"),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let r = post_form(
        &app,
        &c.school,
        &format!("/groups/{g}/onsite"),
        &[
            ("date_from", "2026-05-02"),
            ("place", c.g.village.as_str()),
            ("members", member.as_str()),
            ("content", "入户走访"),
            ("students", "5"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.api_get(&c.token, &format!("{onsite}?year=2026")).await;
    let list = expect(r, StatusCode::OK).await;
    let counts: Vec<i64> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["students"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, vec![3, 5]);
    let html = app
        .get_with(&c.school, &format!("/groups/{g}/onsite?year=2026"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<td data-label=\"参与学生\">5</td>"));
    let r = app
        .get_with(
            &c.school,
            &format!("/groups/{g}/onsite/export.xlsx?year=2026"),
        )
        .await;
    let rows = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows[0].last().unwrap(), "参与学生");
    assert_eq!(rows[1].last().unwrap(), "3");
}

on_both!(
    onsite_entries_count_students,
    an_expense_may_belong_to_a_project,
    projects_are_recorded_listed_filtered_and_totalled,
    figures_and_contract_values_are_checked,
    only_the_groups_schools_and_towns_write,
    projects_in_the_browser,
    a_plan_with_another_outcome_field_shows_it,
    export_and_import_round_trip,
);
