//! 结对组卡片, 统计图表 and 公开概览: the cards on the home page of schools and towns say what
//! `GET /api/v1/groups/{id}/checks` says, for their groups only; the charts' data tables hold the
//! evaluator's numbers; the public page works signed out, shows every group's statuses and
//! leaks no person, no user and no reason.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, new_client, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let resp = app.get_with(client, path).await;
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path}: {text}");
    text
}

/// The part of `html` from `start` to the first `end` after it.
fn slice<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in the page"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

async fn checks(app: &TestApp, token: &str, gid: &str) -> Vec<(String, String, String)> {
    let c = expect(
        app.api_get(token, &format!("/api/v1/groups/{gid}/checks?year=2026"))
            .await,
        StatusCode::OK,
    )
    .await;
    c["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_string(),
                x["status"].as_str().unwrap().to_string(),
                x["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn own_groups(app: &TestApp, token: &str) -> Vec<(i64, String)> {
    let own: Value = app
        .api_get(token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["number"].as_i64().unwrap(),
                g["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Group 4 with a captain (named, with a phone), three days on site confirmed by the town, a
/// joint meeting and a project in area 3.
async fn some_records(app: &TestApp) -> crate::helpers::Group4 {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txtown", "塘厦镇", "town").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);
    let member = expect(
        send(
            app,
            &school,
            Method::POST,
            &format!("{base}/team"),
            json!({"person_name": "王小明", "org_id": g.university, "role": "captain",
                   "title": "senior", "school_leader": true, "joined_on": "2026-01-05",
                   "phone": "13800131234"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let entry = expect(
        send(
            app,
            &school,
            Method::POST,
            &format!("{base}/onsite"),
            json!({"date_from": "2026-05-10", "date_to": "2026-05-12", "place_org_id": g.town,
                   "member_ids": [member["id"]], "content": "镇企业技术诊断"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let town = app.api_token("txtown", PASSWORD).await;
    let r = send(
        app,
        &town,
        Method::POST,
        &format!("{base}/onsite/{}/confirm", entry["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    expect(
        send(
            app,
            &school,
            Method::POST,
            &format!("{base}/meetings"),
            json!({"held_on": "2026-03-10", "place": "塘厦镇", "attending_org_ids": [g.university, g.town],
                   "people": [], "agenda": "审议年度计划", "minutes": "通过", "adopts_annual_plan": false}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect(
        send(
            app,
            &school,
            Method::POST,
            &format!("{base}/projects"),
            json!({"title": "乡村医生培训", "area": 3, "lead_org_id": g.university,
                   "starts_on": "2026-02-01", "status": "active"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    g
}

async fn cards_on_the_home_page_say_what_the_checks_say(app: TestApp) {
    let g = some_records(&app).await;
    for user in ["gdmu", "txtown"] {
        let token = app.api_token(user, PASSWORD).await;
        let own = own_groups(&app, &token).await;
        assert!(!own.is_empty() && own.len() < 8, "{user}: {own:?}");
        let web = app.web_client(user, PASSWORD).await;
        let home = page(&app, &web, "/").await;
        // One card per group of theirs, and none of another's.
        assert_eq!(
            home.matches(r#"<section class="card group-card""#).count(),
            own.len(),
            "{user}"
        );
        for (number, gid) in &own {
            let card = slice(&home, &format!(r#"id="card-{gid}""#), "</section>");
            assert!(card.contains(&format!("第 {number} 组")), "{card}");
            let c = checks(&app, &token, gid).await;
            assert!(c.len() >= 10, "{c:?}");
            for (rule, status, _) in &c {
                assert!(
                    card.contains(&format!(
                        r#"<li data-rule="{rule}" data-status="{status}">"#
                    )),
                    "{user}, group {number}, {rule} = {status}: {card}"
                );
            }
        }
        let card = slice(&home, &format!(r#"id="card-{}""#, g.id), "</section>");
        // What to do next, counted: 3 of 90 days served, one of two meetings held.
        assert!(card.contains("驻镇(含驻村)服务 3 / 90 天"), "{card}");
        assert!(card.contains("还需驻点 87 天（本年可用 200 天）"), "{card}");
        assert!(card.contains("本年度还需召开 1 次联席会议"), "{card}");
        assert!(card.contains(&format!(r#"href="/groups/{}/meetings?year=2026""#, g.id)));
    }
    // The school's workbench API counts the same days as the card.
    let token = app.api_token("gdmu", PASSWORD).await;
    let wb = expect(
        app.api_get(&token, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await;
    let g4 = wb["school"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["number"] == 4)
        .unwrap()
        .clone();
    assert_eq!(g4["onsite"]["team_days"], 3);
    assert_eq!(g4["onsite"]["still_needed"], 87);

    // The group page carries the same card (without a link to itself), above the verdict table.
    let web = app.web_client("gdmu", PASSWORD).await;
    let group_page = page(&app, &web, &format!("/groups/{}?year=2026", g.id)).await;
    let card = slice(&group_page, &format!(r#"id="card-{}""#, g.id), "</section>");
    for (rule, status, _) in checks(&app, &token, &g.id).await {
        assert!(card.contains(&format!(
            r#"<li data-rule="{rule}" data-status="{status}">"#
        )));
    }
    assert!(group_page.contains(r#"<table class="list verdicts">"#));
}

async fn charts_draw_the_evaluators_numbers(app: TestApp) {
    let g = some_records(&app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let html = page(&app, &admin, "/charts?year=2026").await;
    assert!(html.contains(r#"<a href="/charts" class="active" aria-current="page">统计图表</a>"#));
    assert_eq!(html.matches(r#"<figure class="chart""#).count(), 4);
    assert_eq!(html.matches("<figcaption>").count(), 4);
    assert_eq!(html.matches("<summary>查看数据表</summary>").count(), 4);
    for id in [
        "chart-rates",
        "chart-onsite",
        "chart-areas",
        "chart-meetings",
    ] {
        assert!(
            html.contains(&format!(
                r#"role="img" aria-labelledby="{id}-title {id}-desc""#
            )),
            "{id}"
        );
        assert!(html.contains(&format!(r#"<title id="{id}-title">"#)));
    }
    assert!(html.contains(r#"font-family='"Noto Sans CJK SC","#));

    // The tables hold the evaluator's numbers: group 4's days and meetings as its school's
    // workbench and year at a glance count them.
    let school = app.api_token("gdmu", PASSWORD).await;
    let wb = expect(
        app.api_get(&school, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await;
    let g4 = wb["school"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["number"] == 4)
        .unwrap()
        .clone();
    let onsite = slice(&html, r#"id="table-onsite""#, "</table>");
    assert!(
        onsite.contains(&format!(
            r#"<th scope="row">第 4 组（塘厦镇）</th><td data-col="done">{}</td><td data-col="required">{}</td>"#,
            g4["onsite"]["team_days"], g4["onsite"]["required"]
        )),
        "{onsite}"
    );
    assert_eq!(g4["onsite"]["team_days"], 3);
    let glance = expect(
        app.api_get(
            &school,
            &format!("/api/v1/groups/{}/glance?year=2026", g.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let meetings = slice(&html, r#"id="table-meetings""#, "</table>");
    assert!(
        meetings.contains(&format!(
            r#"<th scope="row">第 4 组（塘厦镇）</th><td data-col="done">{}</td><td data-col="required">{}</td>"#,
            glance["meetings_held"], glance["meetings_required"]
        )),
        "{meetings}"
    );
    assert_eq!(glance["meetings_held"], 1);
    let area3 = glance["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == 3)
        .unwrap();
    let areas = slice(&html, r#"id="table-areas""#, "</table>");
    assert!(
        areas.contains(&format!(
            r#"<th scope="row">3. {}</th><td>1</td>"#,
            area3["name"].as_str().unwrap()
        )),
        "{areas}"
    );
    // Every group has its row in the full tables (8 groups in the preset).
    assert_eq!(onsite.matches(r#"<td data-col="done">"#).count(), 8);

    // A school sees its own groups' charts, without the city's monthly rates.
    let own = own_groups(&app, &school).await;
    let web = app.web_client("gdmu", PASSWORD).await;
    let mine = page(&app, &web, "/charts").await;
    assert!(!mine.contains(r#"id="figure-rates""#));
    assert_eq!(mine.matches(r#"<figure class="chart""#).count(), 3);
    let onsite = slice(&mine, r#"id="table-onsite""#, "</table>");
    assert_eq!(onsite.matches(r#"<td data-col="done">"#).count(), own.len());
    // The administrators see no business data; a bad year is the user's mistake, not a 500.
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    assert_eq!(
        app.get_with(&sys, "/charts").await.status(),
        StatusCode::FORBIDDEN
    );
    let bad = app.get_with(&admin, "/charts?year=abc").await.status();
    assert!(bad.is_client_error(), "{bad}");
}

async fn the_public_page_shows_groups_and_statuses_and_nobody(app: TestApp) {
    let g = some_records(&app).await;
    let anyone = new_client();
    let login = page(&app, &anyone, "/login").await;
    assert!(login.contains(r#"<a href="/public">公开概览</a>"#));
    let html = page(&app, &anyone, "/public").await;
    assert!(html.contains("公开概览 <small>2026 年</small>"));
    assert!(html.contains("数据更新于 12:00"), "{html}");
    // Every group of the preset, in the members table and the matrix.
    assert_eq!(html.matches(r#"<tr data-group=""#).count(), 16);
    let members = slice(&html, r#"<tr data-group="4">"#, "</tr>");
    assert!(
        members.contains("塘厦镇") && members.contains("广东医科大学"),
        "{members}"
    );
    assert!(members.contains(r#"<td data-label="合作项目" data-col="projects">1</td>"#));
    assert!(members.contains(r#"<td data-label="联席会议" data-col="meetings">1</td>"#));
    assert!(members.contains(r#"<td data-label="驻点天数" data-col="onsite">3</td>"#));
    // The matrix: group 4's statuses are its checks', and none of the reasons.
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let matrix = slice(&html, r#"id="public-matrix""#, "</table>");
    let row = slice(matrix, r#"<tr data-group="4">"#, "</tr>");
    let c = checks(&app, &admin, &g.id).await;
    for (rule, status, reason) in &c {
        assert!(
            row.contains(&format!(r#"data-rule="{rule}" data-status="{status}""#)),
            "{rule} = {status}: {row}"
        );
        assert!(!html.contains(reason.as_str()), "a reason leaked: {reason}");
    }
    // Nobody: no team member, no phone number, no user.
    for personal in ["王小明", "13800131234", "gdmu", "txtown", "测试", "admin"] {
        assert!(!html.contains(personal), "{personal} leaked");
    }

    // A minute in memory: a new project shows only once the view is a minute old.
    let school = app.api_token("gdmu", PASSWORD).await;
    expect(
        send(
            &app,
            &school,
            Method::POST,
            &format!("/api/v1/groups/{}/projects", g.id),
            json!({"title": "电工技能培训", "area": 2, "lead_org_id": g.vocational,
                   "starts_on": "2026-03-01", "status": "active"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let again = page(&app, &anyone, "/public").await;
    let row = slice(&again, r#"<tr data-group="4">"#, "</tr>");
    assert!(row.contains(r#"data-col="projects">1</td>"#), "{row}");
    app.clock.advance_ms(61_000);
    let later = page(&app, &anyone, "/public").await;
    let row = slice(&later, r#"<tr data-group="4">"#, "</tr>");
    assert!(row.contains(r#"data-col="projects">2</td>"#), "{row}");
    assert!(later.contains("数据更新于 12:01"));

    // The years of the plan only.
    let earlier = page(&app, &anyone, "/public?year=2024").await;
    assert!(earlier.contains("公开概览 <small>2024 年</small>"));
    for bad in ["/public?year=2019", "/public?year=2027", "/public?year=x"] {
        let s = app.get_with(&anyone, bad).await.status();
        assert!(s.is_client_error(), "{bad}: {s}");
    }
}

on_both!(
    cards_on_the_home_page_say_what_the_checks_say,
    charts_draw_the_evaluators_numbers,
    the_public_page_shows_groups_and_statuses_and_nobody,
);
