//! 结对调整 (动态调整, 五(三)): HQ ends and starts a group's memberships on the document's grounds
//! from an effective date; nothing is deleted; the verdicts of each period read the memberships
//! in force on its dates; the timeline tells who was in the group when, and why; only HQ adjusts;
//! a school that left sees the group's records made before it left and its own, nothing newer.
//! API and web, both databases.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::matrix::{cells, group_row, matrix};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    a_village_replaced_mid_year_splits_the_agreement_verdicts_by_period,
    a_school_removed_mid_year_is_paired_and_reports_until_it_left,
    only_hq_adjusts,
    wrong_input_is_refused_naming_its_fields_and_changes_nothing,
    a_removed_school_sees_old_records_and_its_own_not_newer_ones,
    hq_adjusts_on_the_web_after_a_confirmation_page,
    hq_sets_up_a_new_group,
    hq_corrects_an_adjustment_and_the_memberships_follow,
);

const HQ: &str = "东莞市“百千万工程”指挥部办公室";

async fn hq_token(app: &TestApp) -> String {
    app.add_user("hq1", HQ, "hq").await;
    app.api_token("hq1", PASSWORD).await
}

async fn org(app: &TestApp, name: &'static str) -> String {
    let sql = "select id from organisations where name = $1";
    app.text(sql, &[name]).await
}

/// The group's timeline through the API.
async fn timeline(app: &TestApp, token: &str, gid: &str) -> Value {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/timeline"))
        .await;
    expect(r, StatusCode::OK).await
}

/// The id of `org`'s open membership of the group.
async fn membership(app: &TestApp, token: &str, gid: &str, org: &str) -> String {
    let t = timeline(app, token, gid).await;
    t["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["org"]["id"] == org && m["effective_to"].is_null())
        .unwrap_or_else(|| panic!("{org} is a member in {t}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn adjust(app: &TestApp, token: &str, gid: &str, body: Value) -> reqwest::Response {
    send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{gid}/adjustments"),
        body,
    )
    .await
}

/// The group's verdict of `rule` for `year`: (status, reason).
async fn verdict(app: &TestApp, token: &str, gid: &str, year: i32, rule: &str) -> (String, String) {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/checks?year={year}"))
        .await;
    let body = expect(r, StatusCode::OK).await;
    let c = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == rule)
        .unwrap_or_else(|| panic!("{rule} in {body}"))
        .clone();
    (
        c["status"].as_str().unwrap().to_string(),
        c["reason"].as_str().unwrap().to_string(),
    )
}

/// Group 4's agreement signed on 2024-01-20 by its four founding parties (in time).
async fn founding_agreement(app: &TestApp, g: &Group4) {
    let store = app.store();
    let mut tx = store.pool().begin().await.unwrap();
    for sql in [
        format!(
            "insert into agreements (id, group_id, signed_on, created_at, updated_at)
             values ('adjust-test-agreement', '{}', '2024-01-20', 0, 0)",
            g.id
        ),
        format!(
            "insert into agreement_parties (agreement_id, org_id) values
             ('adjust-test-agreement', '{}'), ('adjust-test-agreement', '{}'),
             ('adjust-test-agreement', '{}'), ('adjust-test-agreement', '{}')",
            g.university, g.vocational, g.town, g.village
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn a_village_replaced_mid_year_splits_the_agreement_verdicts_by_period(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    founding_agreement(&app, &g).await;
    assert_eq!(
        verdict(&app, &bureau, &g.id, 2025, "agreement").await.0,
        "met"
    );
    // 典型镇村名单调整: 凤凰岗社区 leaves, 新民社区 joins from 2025-07-01.
    let xinmin = org(&app, "新民社区").await;
    let old = membership(&app, &hq, &g.id, &g.village).await;
    let r = adjust(
        &app,
        &hq,
        &g.id,
        json!({
            "grounds": "typical_list", "decided_by": "市指挥部2025年第2次会议",
            "effective_on": "2025-07-01", "end": [old],
            "add": [{"org": xinmin, "role": "village"}],
            "note": "典型村名单调整",
        }),
    )
    .await;
    let id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // 2024 stands as signed; 2025 wants the new village's supplementary agreement by its own
    // deadline, a month after it joined.
    assert_eq!(
        verdict(&app, &bureau, &g.id, 2024, "agreement").await.0,
        "met"
    );
    let (status, reason) = verdict(&app, &bureau, &g.id, 2025, "agreement").await;
    assert_eq!(status, "not_met", "{reason}");
    assert!(
        reason.contains("2025-08-01") && reason.contains("新民社区"),
        "{reason}"
    );
    assert!(!reason.contains("凤凰岗社区"), "{reason}");
    // The year as it stood at the end of each month: in June the new village was not yet a
    // member (nothing owed), in July its deadline was still ahead, from August it is missed.
    for (month, status) in [
        ("2025-06", "met"),
        ("2025-07", "not_yet_due"),
        ("2025-08", "not_met"),
    ] {
        let m = matrix(&app, &bureau, &format!("month={month}")).await;
        assert_eq!(
            cells(group_row(&m, 4))["agreement"],
            status,
            "{month}: {}",
            group_row(&m, 4)
        );
    }

    // The adjustment and the timeline say what happened and why; nothing was deleted.
    let list = expect(
        app.api_get(&bureau, &format!("/api/v1/groups/{}/adjustments", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["grounds_label"], "典型镇村名单调整");
    assert_eq!(list[0]["supplementary_due"], "2025-08-01");
    assert_eq!(list[0]["team_rework"], false, "no school changed");
    let t = timeline(&app, &bureau, &g.id).await;
    let ms = t["memberships"].as_array().unwrap();
    assert_eq!(ms.len(), 5, "four founding memberships and the new one");
    let ended = ms.iter().find(|m| m["org"]["id"] == g.village).unwrap();
    assert_eq!(ended["effective_from"], "2023-12-29");
    assert_eq!(ended["effective_to"], "2025-07-01");
    assert_eq!(ended["ended_by"]["grounds"], "typical_list");
    assert_eq!(ended["ended_by"]["decided_by"], "市指挥部2025年第2次会议");
    let joined = ms.iter().find(|m| m["org"]["id"] == xinmin).unwrap();
    assert_eq!(joined["effective_from"], "2025-07-01");
    assert!(joined["effective_to"].is_null());
    assert_eq!(joined["started_by"]["id"], id.as_str());
    let events: Vec<(String, String, String)> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["on"] == "2025-07-01")
        .map(|e| {
            (
                e["kind"].as_str().unwrap().into(),
                e["who"].as_str().unwrap().into(),
                e["adjustment_id"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("member_left".into(), "凤凰岗社区".into(), id.clone()),
            ("member_joined".into(), "新民社区".into(), id.clone()),
        ]
    );
    // The group's page as it stands today lists the new village, and the old one as ended.
    let page = expect(
        app.api_get(&bureau, &format!("/api/v1/groups/{}", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    let villages: Vec<&str> = page["members"]["village"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(villages, [xinmin.as_str()]);
    // The audit log keeps the adjustment with what it ended and started.
    let audited = app
        .text(
            "select after_json from audit_events where action = 'adjustment.create'",
            &[],
        )
        .await;
    assert!(
        audited.contains("凤凰岗社区") && audited.contains("新民社区"),
        "{audited}"
    );
}

fn school_status(m: &Value, org: &str, rule: &str) -> Option<String> {
    m["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["org_id"] == org)
        .map(|s| cells(s).remove(rule).unwrap_or_default())
}

async fn a_school_removed_mid_year_is_paired_and_reports_until_it_left(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let before_2025 = matrix(&app, &bureau, "year=2025").await;
    assert_eq!(
        school_status(&before_2025, &g.vocational, "pairing").as_deref(),
        Some("met")
    );
    // 合作意愿: the vocational school leaves group 4 (its only group) from 2025-07-01.
    let m = membership(&app, &hq, &g.id, &g.vocational).await;
    let r = adjust(
        &app,
        &hq,
        &g.id,
        json!({"grounds": "willingness", "decided_by": "市指挥部2025年第2次会议",
               "effective_on": "2025-07-01", "end": [m]}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let list = expect(
        app.api_get(&hq, &format!("/api/v1/groups/{}/adjustments", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list[0]["team_rework"], true, "a school left");
    assert!(list[0]["supplementary_due"].is_null(), "nobody joined");

    // 二: paired through 2024 and in June 2025, no longer by the end of 2025.
    let y2024 = matrix(&app, &bureau, "year=2024").await;
    assert_eq!(
        school_status(&y2024, &g.vocational, "pairing").as_deref(),
        Some("met")
    );
    let y2025 = matrix(&app, &bureau, "year=2025").await;
    assert_eq!(
        school_status(&y2025, &g.vocational, "pairing").as_deref(),
        Some("not_met")
    );
    // 五(三): it owes June's report (a member then, nothing submitted: missing), not September's.
    let june = matrix(&app, &bureau, "month=2025-06").await;
    assert_eq!(
        school_status(&june, &g.vocational, "monthly-report").as_deref(),
        Some("not_met"),
        "{june}"
    );
    let september = matrix(&app, &bureau, "month=2025-09").await;
    assert_ne!(
        school_status(&september, &g.vocational, "monthly-report").as_deref(),
        Some("not_met"),
        "{september}"
    );
    // The group keeps its university: the group's pairing stands for it.
    assert_eq!(
        school_status(&y2025, &g.university, "pairing").as_deref(),
        Some("met")
    );
}

async fn only_hq_adjusts(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txz", "塘厦镇", "town").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    let m = membership(&app, &hq, &g.id, &g.village).await;
    let body = json!({"grounds": "evaluation", "decided_by": "市指挥部", "effective_on": "2025-07-01", "end": [m]});
    let before = app.snapshot().await;
    for (who, password, status) in [
        ("admin", ADMIN_PASSWORD, StatusCode::FORBIDDEN),
        ("gdmu", PASSWORD, StatusCode::FORBIDDEN),
        ("txz", PASSWORD, StatusCode::FORBIDDEN),
        ("fhg", PASSWORD, StatusCode::FORBIDDEN),
        // Another group's school does not even see the group.
        ("gdst", PASSWORD, StatusCode::NOT_FOUND),
    ] {
        let token = app.api_token(who, password).await;
        let r = adjust(&app, &token, &g.id, body.clone()).await;
        assert_eq!(r.status(), status, "{who}");
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.count("adjustments").await, 0);
    // Every member reads the timeline; the web form is HQ's alone.
    let school = app.api_token("gdmu", PASSWORD).await;
    assert_eq!(
        timeline(&app, &school, &g.id).await["memberships"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let web = app.web_client("gdmu", PASSWORD).await;
    let page = app
        .get_with(&web, &format!("/groups/{}/adjustments", g.id))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(!page.text().await.unwrap().contains("确认调整前"));
    let r = post_form(
        &app,
        &web,
        &format!("/groups/{}/adjustments/confirm", g.id),
        &[
            ("grounds", "evaluation"),
            ("decided_by", "x"),
            ("effective_on", "2025-07-01"),
            ("end", &m),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // HQ may.
    let r = adjust(&app, &hq, &g.id, body).await;
    expect(r, StatusCode::CREATED).await;
}

async fn wrong_input_is_refused_naming_its_fields_and_changes_nothing(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    let village = membership(&app, &hq, &g.id, &g.village).await;
    let university = membership(&app, &hq, &g.id, &g.university).await;
    let vocational = membership(&app, &hq, &g.id, &g.vocational).await;
    let other_university = org(&app, "东莞理工学院").await;
    let before = app.snapshot().await;
    let ok = json!({"grounds": "willingness", "decided_by": "市指挥部2025年第2次会议", "effective_on": "2025-07-01"});
    let with = |extra: Value| {
        let mut b = ok.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (
            with(json!({"grounds": "mood", "end": [village]})),
            "调整依据",
        ),
        (
            with(json!({"decided_by": "", "end": [village]})),
            "决定机构",
        ),
        // Before the memberships began.
        (
            with(json!({"effective_on": "2023-06-01", "end": [village]})),
            "生效日期",
        ),
        (
            with(json!({"effective_on": "2025-13-01", "end": [village]})),
            "生效日期",
        ),
        // A university is not a village.
        (
            with(json!({"add": [{"org": other_university, "role": "village"}]})),
            "新增成员单位",
        ),
        (
            with(json!({"add": [{"org": g.town, "role": "town"}]})),
            "新增成员单位",
        ),
        // The last schools.
        (
            with(json!({"end": [university, vocational]})),
            "结束的成员关系",
        ),
        (with(json!({})), "调整内容"),
    ] {
        let r = adjust(&app, &hq, &g.id, body.clone()).await;
        let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        let fields: Vec<&str> = e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {e}");
    }
    let r = adjust(
        &app,
        &hq,
        &g.id,
        with(json!({"end": [village], "extra": 1})),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.count("adjustments").await, 0);
    let t = timeline(&app, &hq, &g.id).await;
    assert!(
        t["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["effective_to"].is_null())
    );

    // Ended once, a membership is not ended again.
    let r = adjust(&app, &hq, &g.id, with(json!({"end": [village]}))).await;
    expect(r, StatusCode::CREATED).await;
    let r = adjust(
        &app,
        &hq,
        &g.id,
        with(json!({"effective_on": "2025-09-01", "end": [village]})),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    // 三(五): a medical-focused university may take another group too.
    let gdmu = g.university.clone();
    let g6 = app.group_id(6).await;
    let r = adjust(
        &app,
        &hq,
        &g6,
        with(json!({"grounds": "effectiveness", "add": [{"org": gdmu, "role": "university"}]})),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
}

/// Raises a major matter through the API as `token`; returns its id.
async fn raise(app: &TestApp, token: &str, gid: &str, summary: &str, on: &str) -> String {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{gid}/matters"),
        json!({"summary": summary, "urgency": "normal", "raised_on": on}),
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Records a project led by the group's town as `token`; returns its id.
async fn project(app: &TestApp, token: &str, g: &Group4, title: &str) -> String {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{}/projects", g.id),
        json!({"title": title, "area": 5, "lead_org_id": g.town, "starts_on": "2026-05-01", "status": "active"}),
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn matter_summaries(app: &TestApp, token: &str, gid: &str) -> Vec<String> {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/matters"))
        .await;
    let mut v: Vec<String> = expect(r, StatusCode::OK)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["summary"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// A meeting of group 4 on `held_on` (the town and the village attending) with one decision.
async fn meeting_with_decision(app: &TestApp, token: &str, g: &Group4, held_on: &str, text: &str) {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{}/meetings", g.id),
        json!({"held_on": held_on, "place": "塘厦镇人民政府", "attending_org_ids": [g.town, g.village],
               "people": [], "agenda": "", "minutes": "", "adopts_annual_plan": false}),
    )
    .await;
    let id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{}/meetings/{id}/decisions", g.id),
        json!({"text": text, "owner_org_id": g.town}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
}

async fn a_removed_school_sees_old_records_and_its_own_not_newer_ones(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("txz", "塘厦镇", "town").await;
    // May 2026: the school and the village each raise a matter.
    let may = "2026-05-10T10:00:00+08:00[Asia/Shanghai]"
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
        .as_millisecond();
    let june = app.clock.now_ms();
    app.clock.set_ms(may);
    let school = app.api_token("gdmu", PASSWORD).await;
    let village = app.api_token("fhg", PASSWORD).await;
    raise(&app, &school, &g.id, "学校五月事项", "2026-05-09").await;
    let old = raise(&app, &village, &g.id, "村五月事项", "2026-05-09").await;
    let town = app.api_token("txz", PASSWORD).await;
    project(&app, &town, &g, "镇五月项目").await;
    meeting_with_decision(&app, &town, &g, "2026-05-08", "五月会议决定").await;
    // Back to June: the school has left the group since 2026-06-01.
    app.clock.set_ms(june);
    let hq = hq_token(&app).await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let village = app.api_token("fhg", PASSWORD).await;
    let m = membership(&app, &hq, &g.id, &g.university).await;
    let r = adjust(
        &app,
        &hq,
        &g.id,
        json!({"grounds": "evaluation", "decided_by": "市指挥部2026年第1次会议",
               "effective_on": "2026-06-01", "end": [m]}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let new = raise(&app, &village, &g.id, "村六月事项", "2026-06-14").await;
    let town = app.api_token("txz", PASSWORD).await;
    let june_project = project(&app, &town, &g, "镇六月项目").await;
    meeting_with_decision(&app, &town, &g, "2026-06-12", "六月会议决定").await;

    // The village (a member) sees all three; the school that left sees its own and May's.
    assert_eq!(
        matter_summaries(&app, &village, &g.id).await,
        ["学校五月事项", "村五月事项", "村六月事项"]
    );
    assert_eq!(
        matter_summaries(&app, &school, &g.id).await,
        ["学校五月事项", "村五月事项"]
    );
    let web = app.web_client("gdmu", PASSWORD).await;
    let list = app
        .get_with(&web, &format!("/groups/{}/matters", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("村五月事项") && !list.contains("村六月事项"));
    // The decisions export alike: May's meeting's decision, not June's.
    let r = app
        .get_with(&web, &format!("/groups/{}/meetings/decisions.xlsx", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let sheet = xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap();
    let texts: Vec<&str> = sheet.iter().skip(1).map(|r| r[2].as_str()).collect();
    assert_eq!(texts, ["五月会议决定"]);
    let r = app
        .get_with(&web, &format!("/groups/{}/matters/{new}", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .get_with(&web, &format!("/groups/{}/matters/{old}", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Projects alike, in the list and by id.
    let titles = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_string())
            .collect()
    };
    let projects = format!("/api/v1/groups/{}/projects", g.id);
    let seen = expect(app.api_get(&school, &projects).await, StatusCode::OK).await;
    assert_eq!(titles(seen), ["镇五月项目"]);
    let seen = expect(app.api_get(&town, &projects).await, StatusCode::OK).await;
    assert_eq!(titles(seen).len(), 2);
    // The count and the totals are of what it sees, and a page of one holds its one project
    // (the newer project, first in the order, is left out in the query, not after paging).
    let area_count = |v: &Value| -> i64 {
        v["totals"]["by_area"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["projects"].as_i64().unwrap())
            .sum()
    };
    let one = expect(
        app.api_get(&school, &format!("{projects}?per_page=1&page=1"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["total"], 1, "{one}");
    assert_eq!(area_count(&one), 1, "{one}");
    assert_eq!(titles(one), ["镇五月项目"]);
    let all = expect(
        app.api_get(&town, &format!("{projects}?per_page=1&page=1"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["total"], 2, "{all}");
    assert_eq!(area_count(&all), 2, "{all}");
    // The year at a glance counts what each sees: the town's page (kept after its first read)
    // is never handed to the school that left, read before or after it.
    let glance = format!("/api/v1/groups/{}/glance?year=2026", g.id);
    let area5 = |v: &Value| {
        v["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["area"] == 5)
            .unwrap()["active"]
            .clone()
    };
    let open = |v: &Value| v["open_matters"].as_array().unwrap().len();
    for _ in 0..2 {
        let theirs = expect(app.api_get(&school, &glance).await, StatusCode::OK).await;
        assert_eq!((area5(&theirs), open(&theirs)), (json!(1), 2), "{theirs}");
        let members = expect(app.api_get(&town, &glance).await, StatusCode::OK).await;
        assert_eq!(
            (area5(&members), open(&members)),
            (json!(2), 3),
            "{members}"
        );
    }
    // Expenses read through the same condition (none recorded: the query runs, nothing shows).
    let spent = expect(
        app.api_get(&school, &format!("/api/v1/groups/{}/expenses", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(spent["total"], 0, "{spent}");
    let r = app
        .api_get(&school, &format!("{projects}/{june_project}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Nor its 修改记录.
    let history = format!(
        "/api/v1/groups/{}/records/project/{june_project}/history",
        g.id
    );
    assert_eq!(
        app.api_get(&school, &history).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api_get(&town, &history).await.status(), StatusCode::OK);
    // A file of that project is not the former member's to download either.
    let town_web = app.web_client("txz", PASSWORD).await;
    let csrf = app.csrf_of(&town_web).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"%PDF-1.7\n1 0 obj\n".to_vec()).file_name("六月.pdf"),
        );
    let r = town_web
        .post(app.url(&format!("/groups/{}/projects/{june_project}/files", g.id)))
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
    let download = format!("/api/v1/files/{file}");
    assert_eq!(app.api_get(&town, &download).await.status(), StatusCode::OK);
    assert_eq!(
        app.api_get(&school, &download).await.status(),
        StatusCode::NOT_FOUND
    );
    // It can no longer write to the group.
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("/api/v1/groups/{}/matters", g.id),
        json!({"summary": "离组后事项", "urgency": "normal", "raised_on": "2026-06-14"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // HQ and the bureau see everything.
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    assert_eq!(matter_summaries(&app, &bureau, &g.id).await.len(), 3);
}

async fn hq_adjusts_on_the_web_after_a_confirmation_page(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    let web = app.web_client("hq1", PASSWORD).await;
    let m = membership(&app, &hq, &g.id, &g.village).await;
    let xinmin = org(&app, "新民社区").await;
    // Reached from the group's overview.
    let overview = app
        .get_with(&web, &format!("/groups/{}", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(overview.contains(&format!("/groups/{}/adjustments", g.id)));
    let page = app
        .get_with(&web, &format!("/groups/{}/adjustments", g.id))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("结对调整与时间线") && page.contains("凤凰岗社区"),
        "{page}"
    );
    let fields = [
        ("grounds", "typical_list"),
        ("decided_by", "市指挥部2025年第2次会议"),
        ("effective_on", "2025-07-01"),
        ("end", m.as_str()),
        ("add_village", xinmin.as_str()),
        ("note", ""),
    ];
    // A wrong date: the form again, with the field named, nothing written.
    let mut wrong = fields.to_vec();
    wrong[2] = ("effective_on", "2023-01-01");
    let r = post_form(
        &app,
        &web,
        &format!("/groups/{}/adjustments/confirm", g.id),
        &wrong,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("生效日期"));
    // The confirmation page says what will happen; nothing is written yet.
    let r = post_form(
        &app,
        &web,
        &format!("/groups/{}/adjustments/confirm", g.id),
        &fields,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("确认调整")
            && confirm.contains("凤凰岗社区")
            && confirm.contains("新民社区")
            && confirm.contains("2025-08-01"),
        "{confirm}"
    );
    assert_eq!(app.count("adjustments").await, 0);
    // Confirmed: recorded, and the timeline shows it.
    let r = post_form(
        &app,
        &web,
        &format!("/groups/{}/adjustments", g.id),
        &fields,
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(app.count("adjustments").await, 1);
    let page = app
        .get_with(&web, &format!("/groups/{}/adjustments", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("典型镇村名单调整") && page.contains("新民社区"));
}

async fn hq_sets_up_a_new_group(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let xiegang = org(&app, "谢岗镇").await;
    let nanmian = org(&app, "南面村").await;
    let body = json!({
        "grounds": "effectiveness", "decided_by": "市指挥部2026年第1次会议", "effective_on": "2026-07-01",
        "lead_town": xiegang,
        // 三(五): the medical-focused university takes another town and village.
        "members": [{"org": g.university, "role": "university"}, {"org": nanmian, "role": "village"}],
    });
    let before = app.snapshot().await;
    let r = send(&app, &bureau, Method::POST, "/api/v1/groups", body.clone()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for (wrong, field) in [
        (json!({"lead_town": nanmian}), "牵头镇(街道)"),
        (
            json!({"members": [{"org": nanmian, "role": "village"}]}),
            "成员单位",
        ),
        (json!({"effective_on": "2020-01-01"}), "生效日期"),
    ] {
        let mut b = body.clone();
        for (k, v) in wrong.as_object().unwrap() {
            b[k] = v.clone();
        }
        let r = send(&app, &hq, Method::POST, "/api/v1/groups", b).await;
        let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            e["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{e}"
        );
    }
    assert_eq!(app.snapshot().await, before);
    let r = send(&app, &hq, Method::POST, "/api/v1/groups", body).await;
    let id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.group_id(9).await,
        id,
        "numbered after the plan's eight groups"
    );
    let t = timeline(&app, &hq, &id).await;
    let ms = t["memberships"].as_array().unwrap();
    assert_eq!(ms.len(), 3);
    assert!(
        ms.iter().all(|m| m["effective_from"] == "2026-07-01"
            && m["started_by"]["grounds"] == "effectiveness")
    );
    let list = expect(
        app.api_get(&hq, &format!("/api/v1/groups/{id}/adjustments"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list[0]["supplementary_due"], "2026-08-01");
    // The university is in both groups; group 4 is as it was.
    assert_eq!(
        timeline(&app, &hq, &g.id).await["memberships"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let (status, reason) = verdict(&app, &bureau, &id, 2026, "agreement").await;
    assert_eq!(status, "not_yet_due", "{reason}");

    // On the web: HQ's form, by names, through a confirmation page; the bureau may not.
    let bureau_web = app.web_client("admin", ADMIN_PASSWORD).await;
    let r = app.get_with(&bureau_web, "/groups/new").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let web = app.web_client("hq1", PASSWORD).await;
    let list = app.get_with(&web, "/groups").await.text().await.unwrap();
    assert!(list.contains("/groups/new"));
    let fields = [
        ("grounds", "typical_list"),
        ("decided_by", "市指挥部2026年第2次会议"),
        ("effective_on", "2026-08-01"),
        ("lead_town", "谢岗镇"),
        ("universities", "东莞理工学院"),
        ("vocational_schools", ""),
        ("villages", "南面村(谢岗镇)"),
        ("note", ""),
    ];
    let r = post_form(&app, &web, "/groups/new/confirm", &fields).await;
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains("东莞理工学院") && confirm.contains("2026-09-01"),
        "{confirm}"
    );
    assert!(
        app.count("pairing_groups").await == 9,
        "nothing created before the confirmation"
    );
    let r = post_form(&app, &web, "/groups/new", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("pairing_groups").await, 10);
    let mut wrong = fields.to_vec();
    wrong[3] = ("lead_town", "南面村(谢岗镇)");
    let r = post_form(&app, &web, "/groups/new/confirm", &wrong).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("牵头镇(街道)"));
}

/// Every record can be corrected: HQ corrects an adjustment entered with the wrong date and
/// deciding body; the memberships move with the date and the verdicts follow; the 修改记录 says
/// what changed; a wrong correction is refused naming its field and changes nothing; only HQ
/// corrects; a later adjustment holds the earlier one's date.
async fn hq_corrects_an_adjustment_and_the_memberships_follow(app: TestApp) {
    let g = group4(&app).await;
    let hq = hq_token(&app).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    founding_agreement(&app, &g).await;
    let xinmin = org(&app, "新民社区").await;
    let old = membership(&app, &hq, &g.id, &g.village).await;
    let r = adjust(
        &app,
        &hq,
        &g.id,
        json!({
            "grounds": "typical_list", "decided_by": "市指挥部2025年第2次会",
            "effective_on": "2025-07-01", "end": [old],
            "add": [{"org": xinmin, "role": "village"}],
        }),
    )
    .await;
    let id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/groups/{}/adjustments/{id}", g.id);
    // In June 2025 the new village was not yet a member: nothing owed then.
    let m = matrix(&app, &bureau, "month=2025-06").await;
    assert_eq!(cells(group_row(&m, 4))["agreement"], "met");

    // Only HQ corrects; a wrong correction is refused naming its fields, and changes nothing.
    let fix = json!({"grounds": "typical_list", "decided_by": "市指挥部2025年第2次会议",
                     "effective_on": "2025-06-01", "note": "登记时生效日期有误"});
    app.add_user("txz", "塘厦镇", "town").await;
    let town = app.api_token("txz", PASSWORD).await;
    for token in [&bureau, &town] {
        let r = send(&app, token, Method::PUT, &path, fix.clone()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let before = app.snapshot().await;
    let r = send(
        &app,
        &hq,
        Method::PUT,
        &path,
        json!({"grounds": "luck", "decided_by": "", "effective_on": "2020-01-01"}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"调整依据")
            && fields.contains(&"决定机构")
            && fields.contains(&"生效日期"),
        "{body}"
    );
    let r = send(
        &app,
        &hq,
        Method::PUT,
        &path,
        json!({"grounds": "typical_list", "oops": 1}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(
        &app,
        &hq,
        Method::PUT,
        &format!("/api/v1/groups/{}/adjustments/{}", g.id, uuid_like()),
        fix.clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before, "nothing changed");

    // Corrected to 2025-06-01: the memberships move, June now owes the new village's agreement.
    let r = send(&app, &hq, Method::PUT, &path, fix.clone()).await;
    let a = expect(r, StatusCode::OK).await;
    assert_eq!(a["effective_on"], "2025-06-01");
    assert_eq!(a["decided_by"], "市指挥部2025年第2次会议");
    assert_eq!(a["supplementary_due"], "2025-07-01");
    assert_eq!(a["team_rework"], false, "kept when not given");
    let t = timeline(&app, &hq, &g.id).await;
    let spans: Vec<(String, Value, Value)> = t["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["org"]["id"] == g.village.as_str() || m["org"]["id"] == xinmin.as_str())
        .map(|m| {
            (
                m["org"]["name"].as_str().unwrap().to_string(),
                m["effective_from"].clone(),
                m["effective_to"].clone(),
            )
        })
        .collect();
    assert!(
        spans.contains(&("新民社区".into(), json!("2025-06-01"), Value::Null)),
        "{spans:?}"
    );
    assert!(
        spans
            .iter()
            .any(|(n, _, to)| n == "凤凰岗社区" && *to == json!("2025-06-01")),
        "{spans:?}"
    );
    let m = matrix(&app, &bureau, "month=2025-06").await;
    assert_eq!(cells(group_row(&m, 4))["agreement"], "not_yet_due");
    // The same again changes nothing.
    let r = send(&app, &hq, Method::PUT, &path, fix.clone()).await;
    expect(r, StatusCode::OK).await;
    let history = expect(
        app.api_get(
            &bureau,
            &format!("/api/v1/groups/{}/records/adjustment/{id}/history", g.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2, "created and corrected once: {history}");
    let changes = entries[1]["changes"].to_string();
    assert!(
        changes.contains("2025-07-01")
            && changes.contains("2025-06-01")
            && changes.contains("市指挥部2025年第2次会议"),
        "{changes}"
    );

    // A later adjustment builds on it: its date stays, its decision may still be corrected.
    let xinmin_membership = membership(&app, &hq, &g.id, &xinmin).await;
    let r = adjust(
        &app,
        &hq,
        &g.id,
        json!({"grounds": "willingness", "decided_by": "市指挥部2026年第1次会议",
               "effective_on": "2026-01-01", "end": [xinmin_membership],
               "add": [{"org": g.village, "role": "village"}]}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let mut moved = fix.clone();
    moved["effective_on"] = json!("2025-05-01");
    let body = expect(
        send(&app, &hq, Method::PUT, &path, moved).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "生效日期", "{body}");
    let mut noted = fix.clone();
    noted["note"] = json!("依据会议纪要更正");
    let a = expect(
        send(&app, &hq, Method::PUT, &path, noted).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["note"], "依据会议纪要更正");
    // A note left out stays as it was.
    let mut no_note = fix.clone();
    no_note.as_object_mut().unwrap().remove("note");
    let a = expect(
        send(&app, &hq, Method::PUT, &path, no_note).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["note"], "依据会议纪要更正");

    // On the web: HQ's correction page shows the history; others have no such page.
    let web = app.web_client("hq1", PASSWORD).await;
    let page = app
        .page(&web, &format!("/groups/{}/adjustments/{id}", g.id))
        .await;
    assert!(
        page.contains("更正结对调整") && page.contains("修改记录"),
        "{page}"
    );
    let r = post_form(
        &app,
        &web,
        &format!("/groups/{}/adjustments/{id}", g.id),
        &[
            ("grounds", "typical_list"),
            ("decided_by", ""),
            ("effective_on", "2025-06-01"),
            ("team_rework", "0"),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("决定机构"));
    // Corrected on the web: back to the adjustments page, with the notice; the note changed.
    let r = post_form(
        &app,
        &web,
        &format!("/groups/{}/adjustments/{id}", g.id),
        &[
            ("grounds", "typical_list"),
            ("decided_by", "市指挥部2025年第2次会议"),
            ("effective_on", "2025-06-01"),
            ("team_rework", "0"),
            ("note", "网页更正"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("saved=adjustment_corrected"), "{to}");
    let list = expect(
        app.api_get(&bureau, &format!("/api/v1/groups/{}/adjustments", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(list.to_string().contains("网页更正"), "{list}");
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let r = app
        .get_with(&admin, &format!("/groups/{}/adjustments/{id}", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}
