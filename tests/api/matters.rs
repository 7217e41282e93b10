//! 重大事项 (五(一)): a group user raises a major matter, which reaches HQ directly; the raising
//! organisation corrects or withdraws it until HQ acknowledges it; only HQ acknowledges and
//! replies; the escalation rule counts the days from the matter to its report (day 7 in time,
//! day 8 late, Asia/Shanghai dates). Web and API, both databases.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

on_both!(
    raise_correct_and_withdraw_on_the_web,
    raise_correct_and_withdraw_through_the_api,
    only_hq_acknowledges_and_replies,
    escalation_day_seven_is_in_time_and_day_eight_is_late,
    hq_workbench_counts_waiting_matters_and_matters_export,
);

/// Group 4 with a village user and a school user of it, a school user of group 2, the bureau
/// and HQ.
struct Cast {
    g: Group4,
    village: Client,
    village_token: String,
    school: Client,
    school_token: String,
    outsider: Client,
    outsider_token: String,
    bureau_token: String,
    hq: Client,
    hq_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    Cast {
        village: app.web_client("fhg", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        school: app.web_client("gdmu", PASSWORD).await,
        school_token: app.api_token("gdmu", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        bureau_token: app.api_token("admin", ADMIN_PASSWORD).await,
        hq: app.web_client("hq1", PASSWORD).await,
        hq_token: app.api_token("hq1", PASSWORD).await,
        g,
    }
}

fn location(r: &Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let r = app.get_with(client, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap()
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

/// The matters of group `gid` through the API, as `who` sees them.
async fn matters(app: &TestApp, token: &str, gid: &str) -> Vec<Value> {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/matters"))
        .await;
    expect(r, StatusCode::OK).await.as_array().unwrap().clone()
}

/// Raises a matter through the API as `token`; returns its id.
async fn api_matter(
    app: &TestApp,
    token: &str,
    gid: &str,
    summary: &str,
    raised_on: &str,
) -> String {
    let body = json!({
        "summary": summary, "urgency": "urgent", "raised_on": raised_on,
        "details": "暴雨冲毁村道约 30 米，影响学生驻村服务往返。",
    });
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{gid}/matters"),
        body,
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The group's verdict of the escalation rule for `year`: (status, reason).
async fn escalation(app: &TestApp, token: &str, gid: &str, year: i32) -> (String, String) {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/checks?year={year}"))
        .await;
    let body = expect(r, StatusCode::OK).await;
    let checks = body["checks"].as_array().unwrap();
    let c = checks
        .iter()
        .find(|c| c["id"] == "escalation")
        .expect("the escalation rule is judged");
    (
        c["status"].as_str().unwrap().to_string(),
        c["reason"].as_str().unwrap().to_string(),
    )
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

async fn raise_correct_and_withdraw_on_the_web(app: TestApp) {
    let c = cast(&app).await;
    let list = format!("/groups/{}/matters", c.g.id);
    let tab = page(&app, &c.village, &list).await;
    assert!(tab.contains("报告重大事项") && tab.contains("本组尚未报告重大事项"));
    assert!(tab.contains("不适用"), "no matter: nothing to judge yet");
    // Nothing chosen for urgency, a date after today: every error at once, what was typed kept.
    let r = post_form(
        &app,
        &c.village,
        &list,
        &[
            ("summary", ""),
            ("urgency", ""),
            ("raised_on", "2026-06-16"),
            ("details", "村道塌方"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("error-summary"));
    for msg in [
        "事项摘要：不能为空",
        "紧急程度：请选择",
        "发生日期：2026-06-16 晚于今天",
    ] {
        assert!(body.contains(msg), "{msg}");
    }
    assert!(body.contains("href=\"#f-summary\"") && body.contains(">村道塌方</textarea>"));
    assert_eq!(app.count("major_matters").await, 0);

    let r = post_form(
        &app,
        &c.village,
        &list,
        &[
            ("summary", "暴雨冲毁村道"),
            ("urgency", "normal"),
            ("raised_on", "2026-06-14"),
            ("details", "约 30 米村道被冲毁。"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(
        to.starts_with(&format!("{list}/")) && to.ends_with("?saved=matter_added#saved"),
        "{to}"
    );
    let id = to[list.len() + 1..].split('?').next().unwrap().to_string();
    let shown = page(&app, &c.village, &to).await;
    assert!(shown.contains("已直接报送市指挥部") && shown.contains("待指挥部签收"));
    assert!(
        shown.contains("2026-06-15 12:00:00"),
        "reported when submitted"
    );
    let tab = page(&app, &c.village, &list).await;
    assert!(tab.contains("暴雨冲毁村道") && tab.contains("待指挥部签收"));
    assert!(tab.contains("badge met"), "reported the next day: in time");
    // The bureau reads it, without the forms.
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let read = page(&app, &bureau, &format!("{list}/{id}")).await;
    assert!(
        read.contains("暴雨冲毁村道") && !read.contains("保存更正") && !read.contains(">签收<")
    );
    assert!(
        !page(&app, &bureau, &list)
            .await
            .contains("报送市指挥部</button>")
    );

    // A correction: only the changed field is in the 修改记录.
    let path = format!("{list}/{id}");
    let r = post_form(
        &app,
        &c.village,
        &path,
        &[
            ("summary", "暴雨冲毁村道"),
            ("urgency", "urgent"),
            ("raised_on", "2026-06-14"),
            ("details", "约 30 米村道被冲毁。"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).ends_with("?saved=matter_updated#saved"));
    let edited = page(&app, &c.village, &path).await;
    let history = history_part(&edited);
    assert!(history.contains("向市指挥部报告重大事项"), "{history}");
    assert!(
        history.contains("更正重大事项") && history.contains("紧急程度：一般 → 紧急"),
        "{history}"
    );
    assert!(!history.contains("事项摘要：暴雨冲毁村道 →"));
    // A bad correction: 422, the form kept, nothing changed.
    let r = post_form(
        &app,
        &c.village,
        &path,
        &[
            ("summary", "改"),
            ("urgency", "很急"),
            ("raised_on", "2026-06-14"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“很急”不是可选的紧急程度"));
    assert_eq!(audit_count(&app, "major_matter.update").await, 1);
    // Another organisation of the group (the school) may not correct the village's matter.
    let r = post_form(
        &app,
        &c.school,
        &path,
        &[
            ("summary", "改"),
            ("urgency", "normal"),
            ("raised_on", "2026-06-14"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another group's user: not found, on the page and the form.
    assert_eq!(
        app.get_with(&c.outsider, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = post_form(&app, &c.outsider, &format!("{path}/withdraw"), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("major_matters").await, 1);

    // Withdrawal: a confirmation page first, then gone, with its audit entry.
    let confirm = page(&app, &c.village, &format!("{path}/withdraw")).await;
    assert!(confirm.contains("撤回重大事项") && confirm.contains("确认撤回"));
    let r = post_form(&app, &c.village, &format!("{path}/withdraw"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{list}?saved=matter_withdrawn#saved"));
    assert_eq!(app.count("major_matters").await, 0);
    assert_eq!(audit_count(&app, "major_matter.withdraw").await, 1);
    assert_eq!(
        app.get_with(&c.village, &path).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn raise_correct_and_withdraw_through_the_api(app: TestApp) {
    let c = cast(&app).await;
    let base = format!("/api/v1/groups/{}/matters", c.g.id);
    // Every wrong field at once, nothing stored.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &base,
        json!({"summary": "", "urgency": "x", "raised_on": "2026-13-01"}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["事项摘要", "紧急程度", "发生日期"]);
    assert_eq!(app.count("major_matters").await, 0);
    // Neither the bureau nor HQ raises one; another group's user does not find the group.
    let good = json!({"summary": "驻村干部受伤", "urgency": "critical", "raised_on": "2026-06-10"});
    for token in [&c.bureau_token, &c.hq_token] {
        let r = send(&app, token, Method::POST, &base, good.clone()).await;
        expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = send(&app, &c.outsider_token, Method::POST, &base, good.clone()).await;
    expect(r, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("major_matters").await, 0);

    let id = api_matter(&app, &c.school_token, &c.g.id, "驻村干部受伤", "2026-06-10").await;
    let listed = matters(&app, &c.bureau_token, &c.g.id).await;
    assert_eq!(listed.len(), 1);
    let m = &listed[0];
    assert_eq!(m["status"], "pending");
    assert_eq!(m["raised_on"], "2026-06-10");
    assert_eq!(m["reported_on"], "2026-06-15");
    assert_eq!(m["raised_by_org"], "广东医科大学");
    assert_eq!(m["acknowledged_at"], Value::Null);
    let r = app.api_get(&c.outsider_token, &base).await;
    expect(r, StatusCode::NOT_FOUND).await;

    let one = format!("{base}/{id}");
    let corrected =
        json!({"summary": "驻村干部受伤住院", "urgency": "特急", "raised_on": "2026-06-11"});
    // Others: another group's user 404, the village of the group (not the raiser) 403, the
    // bureau 403; nothing changed.
    let r = send(
        &app,
        &c.outsider_token,
        Method::PUT,
        &one,
        corrected.clone(),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(&app, &c.outsider_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::NOT_FOUND).await;
    for token in [&c.village_token, &c.bureau_token] {
        let r = send(&app, token, Method::PUT, &one, corrected.clone()).await;
        expect(r, StatusCode::FORBIDDEN).await;
        let r = send(&app, token, Method::DELETE, &one, json!({})).await;
        expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = send(
        &app,
        &c.school_token,
        Method::PUT,
        &one,
        json!({"summary": "x", "urgency": "normal", "raised_on": "2026-06-16"}),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        matters(&app, &c.school_token, &c.g.id).await[0]["summary"],
        "驻村干部受伤"
    );
    assert_eq!(audit_count(&app, "major_matter.update").await, 0);

    let r = send(&app, &c.school_token, Method::PUT, &one, corrected).await;
    let body = expect(r, StatusCode::OK).await;
    assert_eq!(body["summary"], "驻村干部受伤住院");
    assert_eq!(body["urgency"], "critical");
    assert_eq!(
        body["reported_on"], "2026-06-15",
        "a correction is not a new report"
    );
    // The 修改记录 through the API names the changed fields.
    let r = app
        .api_get(
            &c.bureau_token,
            &format!(
                "/api/v1/groups/{}/records/major_matter/{id}/history",
                c.g.id
            ),
        )
        .await;
    let history = expect(r, StatusCode::OK).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["向市指挥部报告重大事项", "更正重大事项"]);
    let changes: Vec<&str> = history[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        changes.contains(&"事项摘要：驻村干部受伤 → 驻村干部受伤住院"),
        "{changes:?}"
    );
    assert!(
        changes.contains(&"发生日期：2026-06-10 → 2026-06-11"),
        "{changes:?}"
    );
    assert!(changes.contains(&"紧急程度：紧急 → 特急"), "{changes:?}");
    let r = app
        .api_get(
            &c.outsider_token,
            &format!(
                "/api/v1/groups/{}/records/major_matter/{id}/history",
                c.g.id
            ),
        )
        .await;
    expect(r, StatusCode::NOT_FOUND).await;

    let r = send(&app, &c.school_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::NO_CONTENT).await;
    assert!(matters(&app, &c.school_token, &c.g.id).await.is_empty());
    assert_eq!(audit_count(&app, "major_matter.withdraw").await, 1);
}

async fn only_hq_acknowledges_and_replies(app: TestApp) {
    let c = cast(&app).await;
    let first = api_matter(&app, &c.village_token, &c.g.id, "村道塌方", "2026-06-12").await;
    app.clock.advance_ms(60_000);
    let second = api_matter(&app, &c.school_token, &c.g.id, "学生安全事件", "2026-06-13").await;
    let ack = |id: &str| format!("/api/v1/matters/{id}/acknowledge");
    let reply = |id: &str| format!("/api/v1/matters/{id}/reply");

    // Only HQ: the group's own users and the bureau are refused (403), another group's user
    // does not find the matter (404); nothing changes.
    for token in [&c.village_token, &c.school_token, &c.bureau_token] {
        let r = send(&app, token, Method::POST, &ack(&first), json!({})).await;
        expect(r, StatusCode::FORBIDDEN).await;
        let r = send(
            &app,
            token,
            Method::POST,
            &reply(&first),
            json!({"reply": "收到"}),
        )
        .await;
        expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = send(
        &app,
        &c.outsider_token,
        Method::POST,
        &ack(&first),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.outsider_token,
        Method::POST,
        &reply(&first),
        json!({"reply": "收到"}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.hq_token,
        Method::POST,
        &ack("not-an-id"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    assert_eq!(audit_count(&app, "major_matter.acknowledge").await, 0);
    assert_eq!(audit_count(&app, "major_matter.reply").await, 0);
    // The web forms refuse alike.
    let web_ack = format!("/groups/{}/matters/{first}/acknowledge", c.g.id);
    assert_eq!(
        post_form(&app, &c.village, &web_ack, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_form(&app, &c.outsider, &web_ack, &[]).await.status(),
        StatusCode::NOT_FOUND
    );

    // HQ's queue: the oldest waiting first; only HQ has it.
    let r = app.api_get(&c.hq_token, "/api/v1/matters").await;
    let queue = expect(r, StatusCode::OK).await;
    let ids: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_eq!(
        (queue["total"].as_i64(), queue["waiting"].as_i64()),
        (Some(2), Some(2))
    );
    // A page at a time, in the same order.
    let r = app
        .api_get(&c.hq_token, "/api/v1/matters?page=2&per_page=1")
        .await;
    let second_page = expect(r, StatusCode::OK).await;
    assert_eq!(second_page["items"][0]["id"], second.as_str());
    assert_eq!(second_page["items"].as_array().unwrap().len(), 1);
    for bad in ["per_page=0", "per_page=null&per_page=null", "page=abc"] {
        let r = app
            .api_get(&c.hq_token, &format!("/api/v1/matters?{bad}"))
            .await;
        expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    for token in [&c.bureau_token, &c.school_token] {
        expect(
            app.api_get(token, "/api/v1/matters").await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let web_queue = page(&app, &c.hq, "/matters").await;
    assert!(
        web_queue.contains("待签收")
            && web_queue.contains("村道塌方")
            && web_queue.contains("学生安全事件")
    );
    assert!(
        web_queue.contains("href=\"/matters\""),
        "HQ's nav has 重大事项"
    );
    let school_home = page(&app, &c.school, "/").await;
    assert!(!school_home.contains("href=\"/matters\""));
    assert_eq!(
        app.get_with(&c.school, "/matters").await.status(),
        StatusCode::FORBIDDEN
    );

    // HQ acknowledges the first (API), once.
    let r = send(&app, &c.hq_token, Method::POST, &ack(&first), json!({})).await;
    let body = expect(r, StatusCode::OK).await;
    assert_eq!(body["status"], "acknowledged");
    assert_eq!(body["acknowledged_by"], "hq1 测试");
    let r = send(&app, &c.hq_token, Method::POST, &ack(&first), json!({})).await;
    expect(r, StatusCode::CONFLICT).await;
    // Acknowledged: the raising village can no longer correct or withdraw it (409, nothing changed).
    let one = format!("/api/v1/groups/{}/matters/{first}", c.g.id);
    let r = send(
        &app,
        &c.village_token,
        Method::PUT,
        &one,
        json!({"summary": "改", "urgency": "normal", "raised_on": "2026-06-12"}),
    )
    .await;
    expect(r, StatusCode::CONFLICT).await;
    let r = send(&app, &c.village_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::CONFLICT).await;
    let web = format!("/groups/{}/matters/{first}", c.g.id);
    let r = post_form(
        &app,
        &c.village,
        &web,
        &[
            ("summary", "改"),
            ("urgency", "normal"),
            ("raised_on", "2026-06-12"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("市指挥部已签收该重大事项"));
    let shown = page(&app, &c.village, &web).await;
    assert!(
        shown.contains("已签收") && !shown.contains("保存更正") && !shown.contains("撤回该事项")
    );
    assert_eq!(
        matters(&app, &c.village_token, &c.g.id)
            .await
            .iter()
            .filter(|m| m["summary"] == "村道塌方")
            .count(),
        1
    );

    // A reply: empty refused (422), then given (API); it reaches the group's page.
    let r = send(
        &app,
        &c.hq_token,
        Method::POST,
        &reply(&first),
        json!({"reply": "  "}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["fields"][0]["field"], "答复意见");
    let r = send(
        &app,
        &c.hq_token,
        Method::POST,
        &reply(&first),
        json!({"reply": "已协调交通部门抢修。"}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["status"], "replied");
    let shown = page(&app, &c.village, &web).await;
    assert!(shown.contains("已答复") && shown.contains("已协调交通部门抢修。"));

    // The second through HQ's web forms: acknowledge, then a reply with an empty text kept 422.
    let web2 = format!("/groups/{}/matters/{second}", c.g.id);
    let hq_page = page(&app, &c.hq, &web2).await;
    assert!(hq_page.contains(">签收</button>") && hq_page.contains("答复意见"));
    let r = post_form(&app, &c.hq, &format!("{web2}/acknowledge"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("{web2}?saved=matter_acknowledged#saved")
    );
    // A reload of a form's address leads back to the matter's page.
    let r = app.get_with(&c.hq, &format!("{web2}/reply")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), web2);
    let r = post_form(&app, &c.hq, &format!("{web2}/reply"), &[("reply", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("答复意见：不能为空"));
    let r = post_form(
        &app,
        &c.hq,
        &format!("{web2}/reply"),
        &[("reply", "请学校做好安抚工作。")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = page(&app, &c.school, &web2).await;
    let history = history_part(&shown);
    for action in [
        "向市指挥部报告重大事项",
        "市指挥部签收重大事项",
        "市指挥部答复重大事项",
    ] {
        assert!(history.contains(action), "{action}: {history}");
    }
    assert!(
        history.contains("答复意见：请学校做好安抚工作。"),
        "{history}"
    );
    // Both handled: the queue has nothing waiting.
    let web_queue = page(&app, &c.hq, "/matters").await;
    assert!(web_queue.contains("没有待签收的重大事项"));
}

/// 五(一) "及时": a matter reported 7 days after it arose is in time, 8 days late; the days are
/// Asia/Shanghai dates (a report at 00:00:30 Beijing time is the next day, though UTC still
/// has the day before).
async fn escalation_day_seven_is_in_time_and_day_eight_is_late(app: TestApp) {
    let c = cast(&app).await;
    let (status, reason) = escalation(&app, &c.bureau_token, &c.g.id, 2026).await;
    assert_eq!(status, "not_applicable", "{reason}");

    // Today is 2026-06-15: raised on 06-08 is day 7.
    let day7 = api_matter(&app, &c.village_token, &c.g.id, "第七天报告", "2026-06-08").await;
    let (status, reason) = escalation(&app, &c.bureau_token, &c.g.id, 2026).await;
    assert_eq!(status, "met", "{reason}");
    assert!(reason.contains("7 天内"), "{reason}");

    // 23:59:59 on the 15th, Beijing time: raised on the 8th, still day 7.
    let at = |s: &str| {
        s.parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
            .as_millisecond()
    };
    app.clock
        .set_ms(at("2026-06-15T23:59:59+08:00[Asia/Shanghai]"));
    // Signed in afresh: the morning's sessions have gone idle by night.
    let village = app.api_token("fhg", PASSWORD).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let late_evening = api_matter(&app, &village, &c.g.id, "深夜报告", "2026-06-08").await;
    let (status, reason) = escalation(&app, &bureau, &c.g.id, 2026).await;
    assert_eq!(status, "met", "{reason}");
    // 00:00:30 on the 16th Beijing time (16:00:30 UTC on the 15th): day 8, late.
    app.clock
        .set_ms(at("2026-06-16T00:00:30+08:00[Asia/Shanghai]"));
    let day8 = api_matter(&app, &village, &c.g.id, "第八天报告", "2026-06-08").await;
    let listed = matters(&app, &bureau, &c.g.id).await;
    let reported = |id: &str| {
        listed.iter().find(|m| m["id"] == id).unwrap()["reported_on"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(reported(&late_evening), "2026-06-15");
    assert_eq!(reported(&day8), "2026-06-16");
    let (status, reason) = escalation(&app, &bureau, &c.g.id, 2026).await;
    assert_eq!(status, "not_met");
    assert!(
        reason.contains("第八天报告") && reason.contains("第 8 天"),
        "{reason}"
    );
    assert!(!reason.contains("第七天报告"), "{reason}");
    // The group's page shows the verdict with the others.
    let bureau_web = app.web_client("admin", ADMIN_PASSWORD).await;
    let overview = page(&app, &bureau_web, &format!("/groups/{}", c.g.id)).await;
    assert!(overview.contains("重大事项 7 天内直接向市指挥部报告"));
    assert!(overview.contains("第八天报告"));

    // Correcting the late one's date (before HQ acknowledges) is judged again.
    let one = format!("/api/v1/groups/{}/matters/{day8}", c.g.id);
    let r = send(
        &app,
        &village,
        Method::PUT,
        &one,
        json!({"summary": "第八天报告", "urgency": "urgent", "raised_on": "2026-06-09"}),
    )
    .await;
    expect(r, StatusCode::OK).await;
    let (status, _) = escalation(&app, &bureau, &c.g.id, 2026).await;
    assert_eq!(status, "met");
    // Another year's verdict does not count this year's matters.
    let (status, _) = escalation(&app, &bureau, &c.g.id, 2025).await;
    assert_eq!(status, "not_applicable");
    let _ = day7;
}

/// The rows of an xlsx download that must succeed.
async fn sheet(app: &TestApp, client: &Client, path: &str) -> Vec<Vec<String>> {
    let r = app.get_with(client, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    xiaodi::imports::read_sheet(&r.bytes().await.unwrap()).unwrap()
}

async fn hq_workbench_counts_waiting_matters_and_matters_export(app: TestApp) {
    let c = cast(&app).await;
    let waiting = |v: &Value| v["programme"]["matters_waiting"].clone();
    let wb = expect(
        app.api_get(&c.hq_token, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(waiting(&wb), 0);
    let first = api_matter(&app, &c.village_token, &c.g.id, "村道塌方", "2026-06-12").await;
    app.clock.advance_ms(60_000);
    api_matter(&app, &c.school_token, &c.g.id, "学生安全事件", "2026-06-13").await;
    let wb = expect(
        app.api_get(&c.hq_token, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(waiting(&wb), 2);
    let home = page(&app, &c.hq, "/").await;
    assert!(
        home.contains(r#"<a href="/matters">2 件重大事项待签收</a>"#),
        "{home}"
    );
    // The bureau reads matters but does not acknowledge them: no count on its workbench.
    let wb = expect(
        app.api_get(&c.bureau_token, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        wb["programme"].is_object() && waiting(&wb).is_null(),
        "{wb}"
    );
    let r = send(
        &app,
        &c.hq_token,
        Method::POST,
        &format!("/api/v1/matters/{first}/acknowledge"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::OK).await;
    let wb = expect(
        app.api_get(&c.hq_token, "/api/v1/workbench").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(waiting(&wb), 1);

    // HQ's queue as xlsx, waiting first, every page at once.
    let rows = sheet(&app, &c.hq, "/matters/export.xlsx").await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][1], "事项摘要");
    assert_eq!(rows[1][1], "学生安全事件");
    assert_eq!(rows[1][7], "待指挥部签收");
    assert_eq!(rows[2][1], "村道塌方");
    assert!(rows[2][8].contains("hq1"), "{:?}", rows[2]);
    // The queue is HQ's: no one else exports it.
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    for client in [&bureau, &c.school] {
        let r = app.get_with(client, "/matters/export.xlsx").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    // The group's list: its users and the bureau (read-only: no forms on its pages) export it;
    // another group's user does not find it.
    let path = format!("/groups/{}/matters/export.xlsx", c.g.id);
    for client in [&c.village, &bureau, &c.hq] {
        let rows = sheet(&app, client, &path).await;
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(rows[1][0].contains("第 4 组"));
    }
    let list = page(&app, &bureau, &format!("/groups/{}/matters", c.g.id)).await;
    assert!(list.contains("export.xlsx") && !list.contains("报送市指挥部"));
    let one = page(
        &app,
        &bureau,
        &format!("/groups/{}/matters/{first}", c.g.id),
    )
    .await;
    assert!(
        !one.contains(&format!("action=\"/groups/{}/matters", c.g.id)),
        "the bureau reads a matter without forms"
    );
    let r = app.get_with(&c.outsider, &path).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
