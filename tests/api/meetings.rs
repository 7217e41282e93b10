//! 联席会议 and 年度合作计划 (五(一)): a school or town user records a meeting, each attending
//! organisation confirms its attendance, decisions are followed up at the next meeting; the
//! annual plan's targets read against the outcome figures recorded in its year; the meetings and
//! annual-plan rules at their boundaries (31 December vs 1 January, a plan adopted by a meeting
//! of another year). Web and API, both databases.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    meetings_through_the_api,
    meetings_on_the_web,
    only_the_group_records_and_only_attendees_confirm,
    one_meeting_on_31_december_and_one_on_1_january,
    a_plan_adopted_by_a_meeting_of_another_year_does_not_count,
    plan_targets_read_against_the_years_recorded_figures,
);

/// Group 4 with its school, town and village users, a school user of group 2, and the bureau.
struct Cast {
    g: Group4,
    school: Client,
    school_token: String,
    town_token: String,
    village: Client,
    village_token: String,
    outsider: Client,
    outsider_token: String,
    bureau_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txz", "塘厦镇", "town").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        school: app.web_client("gdmu", PASSWORD).await,
        school_token: app.api_token("gdmu", PASSWORD).await,
        town_token: app.api_token("txz", PASSWORD).await,
        village: app.web_client("fhg", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        bureau_token: app.api_token("admin", ADMIN_PASSWORD).await,
        g,
    }
}

fn meeting(_g: &Group4, held_on: &str, orgs: &[&str], adopts: bool) -> Value {
    json!({
        "held_on": held_on,
        "place": "塘厦镇人民政府会议室",
        "attending_org_ids": orgs,
        "people": [
            {"name": "王校长", "organisation": "广东医科大学", "post": "副校长"},
            {"name": "陈镇长", "organisation": "塘厦镇", "post": "镇长"},
        ],
        "agenda": "一、审议年度合作计划\n二、部署驻村服务",
        "minutes": "会议同意年度合作计划。",
        "adopts_annual_plan": adopts,
    })
}

/// Records a meeting through the API as `token`; its id.
async fn api_meeting(
    app: &TestApp,
    token: &str,
    g: &Group4,
    held_on: &str,
    orgs: &[&str],
    adopts: bool,
) -> String {
    let body = meeting(g, held_on, orgs, adopts);
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{}/meetings", g.id),
        body,
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The group's verdict of `rule` for `year`: (status, reason).
async fn verdict(app: &TestApp, token: &str, gid: &str, rule: &str, year: i32) -> (String, String) {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/checks?year={year}"))
        .await;
    let body = expect(r, StatusCode::OK).await;
    let c = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == rule)
        .unwrap_or_else(|| panic!("{rule} is judged"))
        .clone();
    (
        c["status"].as_str().unwrap().to_string(),
        c["reason"].as_str().unwrap().to_string(),
    )
}

async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let r = app.get_with(client, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap()
}

async fn meetings_through_the_api(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let base = format!("/api/v1/groups/{}", g.id);
    // Every wrong field at once.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("{base}/meetings"),
        json!({"held_on": "2026-06-16", "place": "", "attending_org_ids": [], "people": [{"name": ""}]}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let text = body.to_string();
    for msg in [
        "晚于今天",
        "会议地点",
        "请至少勾选一个参会的成员单位",
        "第 1 行没有姓名",
    ] {
        assert!(text.contains(msg), "{msg}: {text}");
    }
    assert_eq!(app.count("meetings").await, 0);

    let all = [
        g.university.as_str(),
        g.vocational.as_str(),
        g.town.as_str(),
        g.village.as_str(),
    ];
    let first = api_meeting(&app, &c.school_token, g, "2026-03-10", &all, true).await;
    // The town records too.
    let second = api_meeting(&app, &c.town_token, g, "2026-06-12", &all[..3], false).await;
    let list = expect(
        app.api_get(&c.bureau_token, &format!("{base}/meetings?year=2026"))
            .await,
        StatusCode::OK,
    )
    .await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], second.as_str(), "newest first");
    assert_eq!(list[1]["attendees"].as_array().unwrap().len(), 4);
    assert_eq!(list[1]["people"][0]["post"], "副校长");
    assert_eq!(
        expect(
            app.api_get(&c.bureau_token, &format!("{base}/meetings?year=2025"))
                .await,
            StatusCode::OK
        )
        .await,
        json!([])
    );
    let r = app
        .api_get(&c.bureau_token, &format!("{base}/meetings?year=twenty"))
        .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // The village confirms its attendance at the first meeting, and undoes it.
    let att = format!("{base}/meetings/{first}/attendance");
    let m = expect(
        send(&app, &c.village_token, Method::POST, &att, json!({})).await,
        StatusCode::OK,
    )
    .await;
    let village = m["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["org"]["id"] == g.village.as_str())
        .unwrap()
        .clone();
    assert_eq!(village["confirmed"], true);
    assert_eq!(village["confirmed_by"], "fhg 测试");
    assert_eq!(village["confirmed_at"], "2026-06-15 12:00:00");
    let m = expect(
        send(&app, &c.village_token, Method::DELETE, &att, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        m["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["confirmed"] == false)
    );
    expect(
        send(&app, &c.village_token, Method::POST, &att, json!({})).await,
        StatusCode::OK,
    )
    .await;

    // A decision of the first meeting, owned by the town, due in May.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("{base}/meetings/{first}/decisions"),
        json!({"text": "完成凤凰岗村道规划初稿", "owner_org_id": g.town, "due_on": "2026-05-31"}),
    )
    .await;
    let decision = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("{base}/meetings/{first}/decisions"),
        json!({"text": ""}),
    )
    .await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .to_string();
    assert!(
        e.contains("决定事项") && e.contains("请选择责任单位，或填写责任人"),
        "{e}"
    );
    // The next meeting lists it for follow-up; the first does not list its own.
    let detail = expect(
        app.api_get(&c.village_token, &format!("{base}/meetings/{second}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["earlier_open_decisions"][0]["id"], decision.as_str());
    assert_eq!(
        detail["earlier_open_decisions"][0]["owner_org"]["name"],
        "塘厦镇"
    );
    let detail = expect(
        app.api_get(&c.village_token, &format!("{base}/meetings/{first}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["decision_list"][0]["status"], "open");
    assert_eq!(detail["earlier_open_decisions"], json!([]));
    // Followed up at the second meeting: done.
    let r = send(
        &app,
        &c.town_token,
        Method::PUT,
        &format!("{base}/decisions/{decision}"),
        json!({"text": "完成凤凰岗村道规划初稿", "owner_org_id": g.town, "due_on": "2026-05-31",
               "status": "done", "follow_up": "初稿已于 5 月交付村委", "followed_up_in": second}),
    )
    .await;
    let d = expect(r, StatusCode::OK).await;
    assert_eq!(d["status"], "done");
    assert_eq!(d["followed_up_in"], second.as_str());
    // A follow-up "at" the meeting that took it is refused.
    let r = send(
        &app,
        &c.town_token,
        Method::PUT,
        &format!("{base}/decisions/{decision}"),
        json!({"text": "完成凤凰岗村道规划初稿", "owner_org_id": g.town, "status": "dropped", "followed_up_in": first}),
    )
    .await;
    assert!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .to_string()
            .contains("跟进须在作出决定")
    );

    // Corrected: the village is no longer listed; the others keep their rows.
    let body = meeting(g, "2026-03-11", &all[..3], true);
    let m = expect(
        send(
            &app,
            &c.school_token,
            Method::PUT,
            &format!("{base}/meetings/{first}"),
            body,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(m["held_on"], "2026-03-11");
    assert_eq!(m["attendees"].as_array().unwrap().len(), 3);
    let history = expect(
        app.api_get(
            &c.bureau_token,
            &format!("{base}/records/meeting/{first}/history"),
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
            "登记联席会议",
            "确认参会",
            "撤销参会确认",
            "确认参会",
            "更正联席会议"
        ]
    );
    let changes = history[4]["changes"].to_string();
    assert!(
        changes.contains("会议日期：2026-03-10 → 2026-03-11"),
        "{changes}"
    );

    // Withdrawn with its decisions.
    let r = send(
        &app,
        &c.school_token,
        Method::DELETE,
        &format!("{base}/meetings/{first}"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.count("meetings").await, 1);
    assert_eq!(app.count("meeting_decisions").await, 0);
    let r = app
        .api_get(&c.bureau_token, &format!("{base}/meetings/{first}"))
        .await;
    expect(r, StatusCode::NOT_FOUND).await;
}

async fn meetings_on_the_web(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let list = format!("/groups/{}/meetings", g.id);
    let tab = page(&app, &c.school, &list).await;
    assert!(tab.contains("登记联席会议") && tab.contains("2026 年尚未登记联席会议"));
    assert!(
        tab.contains("还需召开 2 次"),
        "the rule's verdict on the tab"
    );
    // Errors all at once, what was typed kept.
    let r = post_form(
        &app,
        &c.school,
        &list,
        &[
            ("held_on", "2026-06-16"),
            ("place", "镇政府"),
            ("people", "，塘厦镇"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    for msg in [
        "会议日期：2026-06-16 晚于今天",
        "参会单位：请至少勾选",
        "参会人员：第 1 行没有姓名",
    ] {
        assert!(body.contains(msg), "{msg}");
    }
    assert!(body.contains("value=\"镇政府\"") && body.contains("href=\"#f-held_on\""));
    assert_eq!(app.count("meetings").await, 0);

    let r = post_form(
        &app,
        &c.school,
        &list,
        &[
            ("held_on", "2026-04-02"),
            ("place", "凤凰岗社区党群服务中心"),
            ("orgs", &g.university),
            ("orgs", &g.village),
            (
                "people",
                "王校长，广东医科大学，副校长\n李书记，凤凰岗社区，书记",
            ),
            ("agenda", "审议年度合作计划"),
            ("adopts_annual_plan", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("?saved=meeting_added#saved"), "{to}");
    let path = to.split('?').next().unwrap().to_string();
    let shown = page(&app, &c.village, &path).await;
    assert!(shown.contains("凤凰岗社区党群服务中心") && shown.contains("李书记，凤凰岗社区，书记"));
    assert!(shown.contains("确认本单位参会"), "the village may confirm");
    assert!(!shown.contains("记录会议决定"), "but not record");
    // The village confirms on the web.
    let r = post_form(&app, &c.village, &format!("{path}/attendance"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = page(&app, &c.school, &path).await;
    assert!(
        shown.contains("已确认（fhg 测试，2026-06-15 12:00:00）"),
        "who and when"
    );
    let own = page(&app, &c.village, &path).await;
    assert!(own.contains("撤销本单位的参会确认") && !own.contains("确认本单位参会</button>"));
    // A decision, then a correction of the meeting through its edit page.
    let r = post_form(
        &app,
        &c.school,
        &format!("{path}/decisions"),
        &[
            ("d_text", "开展村医培训"),
            ("d_owner_text", "王校长"),
            ("d_due_on", "2026-09-30"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(page(&app, &c.village, &path).await.contains("开展村医培训"));
    // The decision's text and due date are corrected on the web, as the API's PUT does.
    let decision = app
        .text(
            "select id from meeting_decisions where text = $1",
            &["开展村医培训"],
        )
        .await;
    let form = page(&app, &c.school, &format!("{path}/decisions/{decision}")).await;
    assert!(
        form.contains("更正会议决定") && form.contains("2026-09-30"),
        "filled in"
    );
    assert!(
        app.get_with(&c.village, &format!("{path}/decisions/{decision}"))
            .await
            .status()
            == StatusCode::FORBIDDEN,
        "the village reads but does not correct"
    );
    let r = post_form(
        &app,
        &c.school,
        &format!("{path}/decisions/{decision}"),
        &[("d_text", ""), ("d_due_on", "2026-10-31")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the text is required"
    );
    let r = post_form(
        &app,
        &c.school,
        &format!("{path}/decisions/{decision}"),
        &[
            ("d_text", "开展村医培训两期"),
            ("d_owner_text", "王校长"),
            ("d_due_on", "2026-10-31"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("saved=decision_corrected")
    );
    let shown = page(&app, &c.village, &path).await;
    assert!(shown.contains("开展村医培训两期") && shown.contains("2026-10-31"));
    let edit = page(&app, &c.school, &format!("{path}/edit")).await;
    assert!(edit.contains("修改联席会议") && edit.contains("修改记录"));
    let r = post_form(
        &app,
        &c.school,
        &format!("{path}/edit"),
        &[
            ("held_on", "2026-04-02"),
            ("place", "凤凰岗社区会议室"),
            ("orgs", &g.university),
            ("orgs", &g.village),
            ("people", "王校长，广东医科大学，副校长"),
            ("adopts_annual_plan", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = page(&app, &c.school, &path).await;
    assert!(
        shown.contains("凤凰岗社区会议室")
            && shown.contains("会议地点：凤凰岗社区党群服务中心 → 凤凰岗社区会议室")
    );
    assert!(
        shown.contains("已确认（fhg 测试"),
        "the village's confirmation stays"
    );
    // The export of the list.
    let r = app
        .get_with(&c.village, &format!("{list}/export.xlsx?year=2026"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    // Withdrawn after the confirmation page.
    let confirm = page(&app, &c.school, &format!("{path}/withdraw")).await;
    assert!(confirm.contains("撤回误录的联席会议") && confirm.contains("会议决定"));
    let r = post_form(&app, &c.school, &format!("{path}/withdraw"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("meetings").await, 0);
    assert_eq!(app.count("meeting_attendees").await, 0);
}

async fn only_the_group_records_and_only_attendees_confirm(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let base = format!("/api/v1/groups/{}", g.id);
    let schools = [g.university.as_str(), g.town.as_str()];
    let id = api_meeting(&app, &c.school_token, g, "2026-05-20", &schools, false).await;
    let rows_before = (
        app.count("meetings").await,
        app.count("meeting_attendees").await,
    );
    // Another group's user: 404 for every door, nothing changed.
    let body = meeting(g, "2026-05-21", &schools, false);
    for (method, path) in [
        (Method::GET, format!("{base}/meetings")),
        (Method::GET, format!("{base}/meetings/{id}")),
        (Method::POST, format!("{base}/meetings")),
        (Method::PUT, format!("{base}/meetings/{id}")),
        (Method::DELETE, format!("{base}/meetings/{id}")),
        (Method::POST, format!("{base}/meetings/{id}/attendance")),
        (Method::GET, format!("{base}/annual-plans/2026")),
        (Method::PUT, format!("{base}/annual-plans/2026")),
    ] {
        let r = send(&app, &c.outsider_token, method.clone(), &path, body.clone()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    for path in [
        format!("/groups/{}/meetings", g.id),
        format!("/groups/{}/meetings/{id}", g.id),
    ] {
        assert_eq!(
            app.get_with(&c.outsider, &path).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    // A village cannot record a meeting or a plan, on either door.
    let r = send(
        &app,
        &c.village_token,
        Method::POST,
        &format!("{base}/meetings"),
        body.clone(),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(
        &app,
        &c.village_token,
        Method::PUT,
        &format!("{base}/annual-plans/2026"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = post_form(
        &app,
        &c.village,
        &format!("/groups/{}/meetings", g.id),
        &[
            ("held_on", "2026-05-21"),
            ("place", "村委"),
            ("orgs", &g.village),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        !page(&app, &c.village, &format!("/groups/{}/meetings", g.id))
            .await
            .contains("登记联席会议")
    );
    // A village the meeting does not list cannot confirm: refused, saying why.
    let r = send(
        &app,
        &c.village_token,
        Method::POST,
        &format!("{base}/meetings/{id}/attendance"),
        json!({}),
    )
    .await;
    let e = expect(r, StatusCode::FORBIDDEN).await.to_string();
    assert!(e.contains("参会单位中没有凤凰岗社区"), "{e}");
    // The bureau reads, but does not record (the coordination group's schools and towns do).
    let r = send(
        &app,
        &c.bureau_token,
        Method::POST,
        &format!("{base}/meetings"),
        body,
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    assert_eq!(
        (
            app.count("meetings").await,
            app.count("meeting_attendees").await
        ),
        rows_before
    );
}

/// 五(一) "每年至少召开2次": a meeting on 31 December counts for its year, one on 1 January for
/// the next; a year over with one is 不符合 in words; the running year short is 未到期.
async fn one_meeting_on_31_december_and_one_on_1_january(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let orgs = [g.university.as_str(), g.town.as_str()];
    api_meeting(&app, &c.school_token, g, "2025-12-31", &orgs, false).await;
    api_meeting(&app, &c.school_token, g, "2026-01-01", &orgs, false).await;
    let (status, reason) = verdict(&app, &c.bureau_token, &g.id, "meetings", 2025).await;
    assert_eq!(status, "not_met");
    assert!(
        reason.contains("本年度召开联席会议 1 次") && reason.contains("少于 2 次"),
        "{reason}"
    );
    let (status, reason) = verdict(&app, &c.bureau_token, &g.id, "meetings", 2026).await;
    assert_eq!(status, "not_yet_due", "{reason}");
    assert!(reason.contains("还需召开 1 次"), "{reason}");
    // A second meeting in 2025: met; in 2026: met as soon as it is held.
    api_meeting(&app, &c.school_token, g, "2025-06-01", &orgs, false).await;
    api_meeting(&app, &c.town_token, g, "2026-06-15", &orgs, false).await;
    assert_eq!(
        verdict(&app, &c.bureau_token, &g.id, "meetings", 2025)
            .await
            .0,
        "met"
    );
    let (status, reason) = verdict(&app, &c.bureau_token, &g.id, "meetings", 2026).await;
    assert_eq!(status, "met", "{reason}");
    assert!(reason.contains("召开联席会议 2 次"), "{reason}");
}

/// 五(一) "审议年度合作计划": the 2026 plan adopted at a meeting of 31 December 2025 is not adopted
/// for 2026; a meeting of 2026 that adopts it is.
async fn a_plan_adopted_by_a_meeting_of_another_year_does_not_count(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let base = format!("/api/v1/groups/{}", g.id);
    let orgs = [g.university.as_str(), g.town.as_str()];
    let r = send(
        &app,
        &c.school_token,
        Method::PUT,
        &format!("{base}/annual-plans/2026"),
        json!({"notes": "围绕医教融合"}),
    )
    .await;
    let plan = expect(r, StatusCode::CREATED).await;
    assert_eq!(plan["title"], "2026 年度合作计划");
    let r = send(
        &app,
        &c.school_token,
        Method::PUT,
        &format!("{base}/annual-plans/2026"),
        json!({"title": "2026 年校镇村合作计划"}),
    )
    .await;
    assert_eq!(
        expect(r, StatusCode::OK).await["title"],
        "2026 年校镇村合作计划"
    );
    api_meeting(&app, &c.school_token, g, "2025-12-31", &orgs, true).await;
    let (status, reason) = verdict(&app, &c.bureau_token, &g.id, "annual-plan", 2026).await;
    assert_eq!(status, "not_yet_due", "{reason}");
    assert!(
        reason.contains("尚未经本年度的联席会议审议通过"),
        "{reason}"
    );
    // 2025 had the adopting meeting but no plan of its own: over, not met.
    let (status, reason) = verdict(&app, &c.bureau_token, &g.id, "annual-plan", 2025).await;
    assert_eq!(status, "not_met");
    assert!(reason.contains("尚未录入 2025 年度合作计划"), "{reason}");
    // A meeting on 1 January 2026 adopts it.
    api_meeting(&app, &c.town_token, g, "2026-01-01", &orgs, true).await;
    let (status, reason) = verdict(&app, &c.bureau_token, &g.id, "annual-plan", 2026).await;
    assert_eq!(status, "met", "{reason}");
    assert!(reason.contains("2026-01-01"), "{reason}");
    // The plan page shows the verdict.
    let shown = page(
        &app,
        &c.village,
        &format!("/groups/{}/annual-plan?year=2026", g.id),
    )
    .await;
    assert!(shown.contains("2026 年校镇村合作计划") && shown.contains("badge met"));
}

/// Each target reads against the sum of the figures the group's project updates dated in the
/// plan's year recorded (a money target in yuan, kept in fen).
async fn plan_targets_read_against_the_years_recorded_figures(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let base = format!("/api/v1/groups/{}", g.id);
    // The projects engineer's tables, written directly here: one project with updates in 2025
    // and 2026.
    let pool = app.store().pool();
    sqlx::query(
        "insert into projects (id, group_id, area, title, lead_org_id, starts_on, status, created_at)
         values ('p1', $1, 3, '乡村医生培训', $2, '2025-01-01', 'active', 0)",
    )
    .bind(&g.id)
    .bind(&g.university)
    .execute(pool)
    .await
    .unwrap();
    for (id, on, field, amount) in [
        ("u1", "2025-12-31", "people_trained", 40_i64),
        ("u2", "2026-01-01", "people_trained", 30),
        ("u3", "2026-05-01", "people_trained", 25),
        ("u4", "2026-05-02", "collective_income", 1_234_567),
    ] {
        sqlx::query(
            "insert into project_updates (id, project_id, group_id, happened_on, summary, created_at)
             values ($1, 'p1', $2, $3, '培训', 0)",
        )
        .bind(id)
        .bind(&g.id)
        .bind(on)
        .execute(pool)
        .await
        .unwrap();
        sqlx::query("insert into project_outcomes (update_id, field, amount) values ($1, $2, $3)")
            .bind(id)
            .bind(field)
            .bind(amount)
            .execute(pool)
            .await
            .unwrap();
    }
    // No plan yet: items wait for it.
    let item = json!({"area": 3, "text": "培训乡村医生", "target_code": "people_trained", "target_amount": "100", "project_id": "p1"});
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("{base}/annual-plans/2026/items"),
        item.clone(),
    )
    .await;
    expect(r, StatusCode::CONFLICT).await;
    expect(
        app.api_get(&c.school_token, &format!("{base}/annual-plans/2026"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let r = send(
        &app,
        &c.school_token,
        Method::PUT,
        &format!("{base}/annual-plans/2026"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("{base}/annual-plans/2026/items"),
        item,
    )
    .await;
    let trained = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        &c.town_token,
        Method::POST,
        &format!("{base}/annual-plans/2026/items"),
        json!({"area": 4, "text": "村集体增收", "target_code": "collective_income", "target_amount": "50000"}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    // A target of another area's figure, or over-precise money: refused by name.
    let r = send(
        &app,
        &c.town_token,
        Method::POST,
        &format!("{base}/annual-plans/2026/items"),
        json!({"area": 3, "text": "x", "target_code": "collective_income", "target_amount": "1.005"}),
    )
    .await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .to_string();
    assert!(e.contains("不是“深入融入人才兴镇”领域的成果指标"), "{e}");

    let plan = expect(
        app.api_get(&c.village_token, &format!("{base}/annual-plans/2026"))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = plan["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let t = &items[0]["target"];
    assert_eq!(
        (t["target_amount"].as_i64(), t["recorded_amount"].as_i64()),
        (Some(100), Some(55)),
        "30 + 25, not 2025's 40"
    );
    assert_eq!(t["reached"], false);
    assert_eq!(items[0]["project_title"], "乡村医生培训");
    let t = &items[1]["target"];
    assert_eq!(
        (t["target"].as_str(), t["recorded"].as_str()),
        (Some("50000.00"), Some("12345.67"))
    );
    // 2025's plan would read 2025's figures.
    let r = send(
        &app,
        &c.school_token,
        Method::PUT,
        &format!("{base}/annual-plans/2025"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("{base}/annual-plans/2025/items"),
        json!({"area": 3, "text": "培训", "target_code": "people_trained", "target_amount": "40"}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let plan = expect(
        app.api_get(&c.village_token, &format!("{base}/annual-plans/2025"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(plan["items"][0]["target"]["reached"], true);

    // Year-end status through the API; the item is not found under another year.
    let r = send(
        &app,
        &c.school_token,
        Method::PUT,
        &format!("{base}/annual-plans/2026/items/{trained}"),
        json!({"area": 3, "text": "培训乡村医生", "target_code": "people_trained", "target_amount": "100",
               "project_id": "p1", "year_end_status": "partial", "year_end_note": "完成 55 人"}),
    )
    .await;
    let v = expect(r, StatusCode::OK).await;
    assert_eq!(v["year_end_status"], "partial");
    let r = send(
        &app,
        &c.school_token,
        Method::DELETE,
        &format!("{base}/annual-plans/2025/items/{trained}"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    // The plan page shows target against recorded; the item's history its correction.
    let shown = page(
        &app,
        &c.village,
        &format!("/groups/{}/annual-plan?year=2026", g.id),
    )
    .await;
    assert!(
        shown.contains("培训人数 100 人")
            && shown.contains("55 人")
            && shown.contains("部分完成：完成 55 人"),
        "{shown}"
    );
    let history = expect(
        app.api_get(
            &c.bureau_token,
            &format!("{base}/records/annual_plan_item/{trained}/history"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        history
            .to_string()
            .contains("年终完成情况：（空） → 部分完成"),
        "{history}"
    );
    let r = app
        .get_with(
            &c.school,
            &format!("/groups/{}/annual-plan/2026/export.xlsx", g.id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Withdrawn on the web after its confirmation page.
    let path = format!("/groups/{}/annual-plan/2026/items/{trained}/withdraw", g.id);
    assert!(
        page(&app, &c.school, &path)
            .await
            .contains("撤回误录的计划事项")
    );
    let r = post_form(&app, &c.school, &path, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("annual_plan_items").await, 2);
}
