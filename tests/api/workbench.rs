//! 工作台 per role (the home page `/` and `GET /api/v1/workbench`), the group list at `/groups`
//! with its status column and filters, and the verdicts a user must not misread: 0 on-site days
//! late in the year is 无法按期完成, an empty team is not 符合.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, send};
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

async fn workbench(app: &TestApp, token: &str) -> Value {
    expect(
        app.api_get(token, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await
}

/// Moves the pinned clock to noon of `date` (Asia/Shanghai).
fn set_day(app: &TestApp, date: &str) {
    let t: jiff::Zoned = format!("{date}T12:00:00+08:00[Asia/Shanghai]")
        .parse()
        .unwrap();
    app.clock.set_ms(t.timestamp().as_millisecond());
}

fn group_in(list: &Value, number: i64) -> &Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|g| g["number"] == number)
        .unwrap_or_else(|| panic!("group {number} in {list}"))
}

async fn school_workbench_shows_what_is_due_next(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let token = app.api_token("gdmu", PASSWORD).await;

    // The API: only the school's own groups, each with what it owes next.
    let wb = workbench(&app, &token).await;
    assert_eq!(wb["role"], "school");
    assert!(wb["programme"].is_null() && wb["locality"].is_null());
    let school = &wb["school"];
    assert_eq!(school["next_report"]["month"], "2026-06");
    assert_eq!(school["next_report"]["due_on"], "2026-06-28");
    let own: Value = app
        .api_get(&token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    let mut own_numbers: Vec<i64> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["number"].as_i64().unwrap())
        .collect();
    let mut listed: Vec<i64> = school["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["number"].as_i64().unwrap())
        .collect();
    own_numbers.sort();
    listed.sort();
    assert_eq!(listed, own_numbers, "a school sees exactly its groups");
    assert!(listed.len() < 8, "not every group: {listed:?}");
    let g4 = group_in(&school["groups"], 4);
    assert_eq!(g4["group_id"], g.id.as_str());
    // Nothing recorded yet: the agreement is overdue, the team is missing, 90 days to serve.
    assert!(g4["agreement"]["days_left"].as_i64().unwrap() < 0);
    assert_eq!(g4["agreement"]["verdict"]["status"], "not_met");
    assert!(
        g4["agreement"]["parties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "广东医科大学")
    );
    let gaps = g4["gaps"].as_array().unwrap();
    let gap = |rule: &str| {
        gaps.iter()
            .find(|v| v["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} in {gaps:?}"))
    };
    assert_eq!(gap("team-size")["status"], "not_met");
    assert_eq!(gap("team-captain")["status"], "not_met");
    // An empty team is not 符合 on the title rule: there is nothing to judge.
    assert_eq!(gap("team-title")["status"], "nothing_to_judge");
    assert_eq!(g4["onsite"]["verdict"]["status"], "not_yet_due");
    assert_eq!(g4["onsite"]["still_needed"], 90);
    assert_eq!(g4["onsite"]["days_left"], 200);
    assert_eq!(g4["worst"], "not_met");

    // The page shows the same, with links to each tab.
    let web = app.web_client("gdmu", PASSWORD).await;
    let home = page(&app, &web, "/").await;
    assert!(home.contains(r#"<a href="/" class="active" aria-current="page">工作台</a>"#));
    assert!(home.contains("2026-06 月度进展报告应于 2026-06-28 前报送（剩余 13 天）"));
    // Each group's card: its rules with links to their records, and what to do next.
    assert!(home.contains(&format!(r#"href="/groups/{}/agreement?year=2026""#, g.id)));
    assert!(home.contains(&format!(r#"href="/groups/{}/onsite?year=2026""#, g.id)));
    assert!(home.contains("驻镇(含驻村)服务 0 / 90 天"));
    assert!(home.contains("还需驻点 90 天（本年可用 200 天）"));
    assert!(home.contains("尚无队长、副队长以外的队员，职称要求无可判断"));
    // The group page and the checks say the same about the title rule.
    let checks = expect(
        app.api_get(&token, &format!("/api/v1/groups/{}/checks", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    let status_of = |c: &Value, rule: &str| {
        c["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == rule)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&checks, "team-title"), "nothing_to_judge");
    let group_page = page(&app, &web, &format!("/groups/{}", g.id)).await;
    assert!(group_page.contains(r#"data-rule="team-title" data-status="nothing_to_judge""#));
    assert!(group_page.contains(r#"<span class="badge nothing_to_judge">无可判断</span>"#));
    assert!(group_page.contains(r#"<a href="/groups">结对组</a>"#));

    // 29 November with 0 of 90 days: it can no longer be met, and says so in words.
    set_day(&app, "2026-11-29");
    let token = app.api_token("gdmu", PASSWORD).await;
    let wb = workbench(&app, &token).await;
    let g4 = group_in(&wb["school"]["groups"], 4);
    assert_eq!(g4["onsite"]["verdict"]["status"], "unattainable");
    assert_eq!(g4["onsite"]["days_left"], 33);
    assert!(
        g4["onsite"]["verdict"]["reason"]
            .as_str()
            .unwrap()
            .contains("还需 90 天，本年仅余 33 天"),
        "{}",
        g4["onsite"]["verdict"]["reason"]
    );
    // The next report is December's once November's due day has passed.
    assert_eq!(wb["school"]["next_report"]["month"], "2026-12");
    let checks = expect(
        app.api_get(&token, &format!("/api/v1/groups/{}/checks", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(status_of(&checks, "onsite"), "unattainable");
    let web = app.web_client("gdmu", PASSWORD).await;
    let home = page(&app, &web, "/").await;
    assert!(home.contains(r#"<li data-rule="onsite" data-status="unattainable">"#));
    assert!(home.contains(r#"<span aria-hidden="true">⚠</span> 无法按期完成</span>"#));
    let onsite = page(&app, &web, &format!("/groups/{}/onsite", g.id)).await;
    assert!(
        onsite
            .contains(r#"<span class="badge unattainable" id="onsite-status">无法按期完成</span>"#)
    );
    assert!(!onsite.contains(r#"id="onsite-status">未到期"#));

    // Unauthenticated: 401; the JSON shape is in the OpenAPI document.
    assert_eq!(
        app.client
            .get(app.url("/api/v1/workbench"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/workbench"]["get"].is_object());
    let statuses = doc["components"]["schemas"]["VerdictStatus"]["enum"].to_string();
    for s in [
        "unattainable",
        "nothing_to_judge",
        "not_yet_due",
        "met",
        "not_met",
    ] {
        assert!(statuses.contains(&format!("\"{s}\"")), "{statuses}");
    }
}

async fn towns_and_villages_see_what_awaits_their_confirmation(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txtown", "塘厦镇", "town").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    // A village of another group.
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let g2 = app.group_id(2).await;
    let v2: Value = app
        .api_get(&admin, &format!("/api/v1/groups/{g2}"))
        .await
        .json()
        .await
        .unwrap();
    let other_village = v2["members"]["village"][0]["name"].as_str().unwrap();
    app.add_user("other", other_village, "village").await;

    let school = app.api_token("gdmu", PASSWORD).await;
    let member = expect(
        send(
            &app,
            &school,
            Method::POST,
            &format!("/api/v1/groups/{}/team", g.id),
            json!({"person_name": "王队长", "org_id": g.university, "role": "captain",
                   "title": "senior", "school_leader": true, "joined_on": "2026-01-05"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let member_id = member["id"].as_str().unwrap().to_string();
    let entry = |from: &str, to: &str, place: &str, content: &str| {
        let body = json!({"date_from": from, "date_to": to, "place_org_id": place,
                          "member_ids": [member_id.clone()], "content": content});
        let (app, school, path) = (
            &app,
            school.clone(),
            format!("/api/v1/groups/{}/onsite", g.id),
        );
        async move {
            expect(
                send(app, &school, Method::POST, &path, body).await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let in_village = entry("2026-05-10", "2026-05-12", &g.village, "村史馆布展指导").await;
    entry("2026-05-20", "2026-05-20", &g.town, "镇企业技术诊断").await;

    // The village sees its own place's entry only; the lead town sees both.
    let village = app.api_token("fhg", PASSWORD).await;
    let wb = workbench(&app, &village).await;
    assert_eq!(wb["role"], "village");
    let groups = wb["locality"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["number"], 4);
    let entries = groups[0]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["content"], "村史馆布展指导");
    assert_eq!(entries[0]["date_from"], "2026-05-10");
    let town = app.api_token("txtown", PASSWORD).await;
    let wb = workbench(&app, &town).await;
    let entries = wb["locality"]["groups"][0]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    // A village of another group sees none of them.
    let other = app.api_token("other", PASSWORD).await;
    let wb = workbench(&app, &other).await;
    assert_eq!(wb["locality"]["groups"], json!([]));

    // The pages: each entry links to the group's on-site tab filtered to what waits.
    let web = app.web_client("fhg", PASSWORD).await;
    let home = page(&app, &web, "/").await;
    assert!(home.contains("待确认的驻镇(含驻村)服务"));
    assert!(home.contains("村史馆布展指导") && !home.contains("镇企业技术诊断"));
    assert!(home.contains("2026-05-10 至 2026-05-12"));
    let link = format!(
        "/groups/{}/onsite?year=2026&#38;place={}&#38;status=unconfirmed",
        g.id, g.village
    );
    assert!(home.contains(&link), "{home}");
    let tab = page(&app, &web, &link.replace("&#38;", "&")).await;
    assert!(tab.contains("确认属实"));
    let other_web = app.web_client("other", PASSWORD).await;
    let home = page(&app, &other_web, "/").await;
    assert!(home.contains("目前没有等待本单位确认的服务记录") && !home.contains("村史馆"));

    // Once confirmed, it no longer waits.
    expect(
        send(
            &app,
            &village,
            Method::POST,
            &format!(
                "/api/v1/groups/{}/onsite/{}/confirm",
                g.id,
                in_village["id"].as_str().unwrap()
            ),
            Value::Null,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let wb = workbench(&app, &village).await;
    assert_eq!(wb["locality"]["groups"], json!([]));
    let wb = workbench(&app, &town).await;
    assert_eq!(
        wb["locality"]["groups"][0]["entries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn the_bureau_counts_groups_by_status_and_the_list_filters_by_them(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let wb = workbench(&app, &token).await;
    assert_eq!(wb["role"], "bureau");
    let p = &wb["programme"];
    assert_eq!(p["groups"], 8);
    let total: u64 = p["worst"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["groups"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 8, "each group counted once");
    let count = |rule: &str, status: &str| {
        p["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule)
            .unwrap()["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == status)
            .unwrap()["groups"]
            .as_u64()
            .unwrap()
    };
    // The preset has no teams yet: every group short of members, none 符合 on titles.
    assert_eq!(count("team-size", "not_met"), 8);
    assert_eq!(count("team-title", "nothing_to_judge"), 8);
    assert_eq!(count("team-title", "met"), 0);
    assert_eq!(count("onsite", "not_yet_due"), 8);
    // No meeting held, no plan made yet in the running year: not yet due, not unmet.
    assert_eq!(count("meetings", "not_yet_due"), 8);
    assert_eq!(count("annual-plan", "not_yet_due"), 8);

    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    // The bureau's home is the compliance matrix (issue 11): the same verdicts per group, each
    // rule's count at the foot of its column.
    let home = page(&app, &web, "/").await;
    assert!(home.contains(r#"id="group-matrix""#), "{home}");
    assert_eq!(
        home.matches(r#"data-rule="team-title" data-status="nothing_to_judge""#)
            .count(),
        8
    );
    assert!(home.contains("无可判断 8"), "{home}");
    let link = "/groups?rule=team-title&#38;status=nothing_to_judge";
    let nav_first = home.find(">工作台</a>").unwrap();
    assert!(nav_first < home.find(">结对组</a>").unwrap());
    // Each count leads to the list filtered accordingly.
    let list = page(&app, &web, &link.replace("&#38;", "&")).await;
    for n in 1..=8 {
        assert!(list.contains(&format!("第 {n} 组")), "group {n}");
    }
    assert!(list.contains(r#"<tr data-status="not_met">"#));
    let none = page(&app, &web, "/groups?rule=team-title&status=met").await;
    assert!(none.contains("没有符合条件的结对组") && !none.contains("第 1 组"));
    let worst = page(&app, &web, "/groups?status=not_met&q=塘厦").await;
    assert!(worst.contains("第 4 组") && !worst.contains("第 1 组"));
    assert!(worst.contains(r#"<option value="not_met" selected>"#));
    // The export is the list as filtered, with the same status column.
    let export = app
        .get_with(&web, "/groups/export.xlsx?status=not_met&q=塘厦")
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&export.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 2, "header and group 4: {rows:?}");
    assert_eq!(rows[0].last().unwrap(), "本年状态");
    assert_eq!(rows[1][0], "4");
    assert_eq!(rows[1].last().unwrap(), "不符合");
    // A filter it cannot read is refused, naming the field.
    for bad in [
        "/groups?status=bogus",
        "/groups?rule=nope&status=met",
        "/groups?rule=onsite",
    ] {
        let resp = app.get_with(&web, bad).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // An old bookmark of the list at `/` with its filters is sent to `/groups`.
    let resp = app.get_with(&web, "/?q=%E5%A1%98%E5%8E%A6&page=1").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        "/groups?q=%E5%A1%98%E5%8E%A6&page=1"
    );

    // The API's list: the same status per group and the same filters.
    let list = expect(
        app.api_get(
            &token,
            "/api/v1/groups?rule=team-title&status=nothing_to_judge",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 8);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["status"] == "not_met" && g["number"].is_i64())
    );
    let list = expect(
        app.api_get(&token, "/api/v1/groups?status=not_met&q=塘厦")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["number"], 4);
    let bad = expect(
        app.api_get(&token, "/api/v1/groups?status=bogus").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(bad["fields"][0]["field"], "status", "{bad}");

    // HQ reads the same counts; neither sees a school's or a village's workbench.
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let wb = workbench(&app, &hq).await;
    assert_eq!(wb["programme"]["groups"], 8);
    assert!(wb["school"].is_null() && wb["locality"].is_null());
}

async fn administrators_get_their_duties_and_no_business_data(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    // A school account created by the system administrator waits for approval.
    app.add_user("gdmu", "广东医科大学", "school").await;
    let pending: i64 = {
        use sqlx::Row;
        sqlx::query(
            "select count(*) as n from users where approval = 'pending' or pending_role is not null",
        )
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
    };
    for (user, duty) in [
        ("sys", "/admin/users"),
        ("sec", "/admin/approvals"),
        ("aud", "/audit"),
    ] {
        let web = app.web_client(user, PASSWORD).await;
        let home = page(&app, &web, "/").await;
        assert!(home.contains("我的职责") && home.contains(duty), "{user}");
        assert!(
            !home.contains("第 1 组") && !home.contains("/groups"),
            "{user}: {home}"
        );
        let token = app.api_token(user, PASSWORD).await;
        let wb = workbench(&app, &token).await;
        assert_eq!(wb["admin"]["awaiting_approval"], pending, "{user}");
        assert!(wb["school"].is_null() && wb["programme"].is_null() && wb["locality"].is_null());
    }
    let sec = app.web_client("sec", PASSWORD).await;
    let home = page(&app, &sec, "/").await;
    assert!(home.contains(&format!(
        r#"待审核的账户：<strong id="awaiting-approval">{pending}</strong>"#
    )));
}

on_both!(
    school_workbench_shows_what_is_due_next,
    towns_and_villages_see_what_awaits_their_confirmation,
    the_bureau_counts_groups_by_status_and_the_list_filters_by_them,
    administrators_get_their_duties_and_no_business_data,
);
