//! 月度进展报告 (五(三)) through the API, on both databases, with the clock moved to the months
//! in question: 23:59:59 vs 00:00:00 Asia/Shanghai on the due day (January and February), a
//! school that joined mid-month is expected and one joining after the due day is not, a returned
//! and resubmitted report keeps its first submission, a submission after closing is refused and a
//! paper copy is accepted (the report stays 未报), the pre-fill and its refresh, who may see and
//! do what, and input errors naming their field.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    due_day_boundary_in_january_and_february,
    a_mid_month_joiner_is_expected_and_one_after_the_due_day_is_not,
    returned_and_resubmitted_keeps_its_first_submission,
    closed_submissions_and_a_paper_copy,
    prefill_shows_the_months_records_and_refresh_picks_up_more,
    who_sees_and_does_what,
    bad_input_names_the_field,
    the_web_pages_take_a_report_through_review,
);

fn ms(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// Moves the server's clock to an instant (RFC 3339).
fn at(app: &TestApp, s: &str) {
    app.clock.set_ms(ms(s));
}

async fn org(app: &TestApp, name: &str) -> String {
    app.text("select id from organisations where name = $1", &[name])
        .await
}

fn report_path(month: &str, school: &str) -> String {
    format!("/api/v1/reports/{month}/{school}")
}

async fn get(app: &TestApp, token: &str, path: &str, status: StatusCode) -> Value {
    expect(app.api_get(token, path).await, status).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value, status: StatusCode) -> Value {
    expect(send(app, token, Method::POST, path, body).await, status).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value, status: StatusCode) -> Value {
    expect(send(app, token, Method::PUT, path, body).await, status).await
}

/// The list's line of a school for a month, as `token` sees it.
async fn line(app: &TestApp, token: &str, month: &str, school: &str) -> Option<Value> {
    let list = get(
        app,
        token,
        &format!("/api/v1/reports?month={month}"),
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["school_id"] == school)
        .cloned()
}

/// Group 4's two schools with a user each (signed in through the API), and the bureau. Sessions
/// end when idle, so after the clock moves on [`Schools::renew`] signs them in again.
struct Schools {
    gdmu: String,
    gdmu_token: String,
    dzkj: String,
    dzkj_token: String,
    bureau: String,
}

impl Schools {
    async fn renew(&mut self, app: &TestApp) {
        self.gdmu_token = app.api_token("gdmu", PASSWORD).await;
        self.dzkj_token = app.api_token("dzkj", PASSWORD).await;
        self.bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    }
}

async fn schools(app: &TestApp) -> Schools {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("dzkj", "东莞市电子科技学校", "school").await;
    Schools {
        gdmu: g.university,
        dzkj: g.vocational,
        gdmu_token: app.api_token("gdmu", PASSWORD).await,
        dzkj_token: app.api_token("dzkj", PASSWORD).await,
        bureau: app.api_token("admin", ADMIN_PASSWORD).await,
    }
}

async fn submit(app: &TestApp, token: &str, month: &str, school: &str) -> Value {
    post(
        app,
        token,
        &format!("{}/submit", report_path(month, school)),
        json!({}),
        StatusCode::OK,
    )
    .await
}

async fn due_day_boundary_in_january_and_february(app: TestApp) {
    at(&app, "2024-01-20T04:00:00Z");
    let mut s = schools(&app).await;
    // 23:59:59 on the 28th in Shanghai is 15:59:59Z: on time; a second later is the 29th: late.
    at(&app, "2024-01-28T15:59:59Z");
    s.renew(&app).await;
    let r = submit(&app, &s.gdmu_token, "2024-01", &s.gdmu).await;
    assert_eq!(r["timeliness"], "on_time");
    assert_eq!(r["state_label"], "已提交");
    assert_eq!(r["first_submitted_at"], "2024-01-28 23:59:59");
    at(&app, "2024-01-28T16:00:00Z");
    let r = submit(&app, &s.dzkj_token, "2024-01", &s.dzkj).await;
    assert_eq!(r["timeliness"], "late");
    assert_eq!(r["timeliness_label"], "逾期");

    let list = get(
        &app,
        &s.bureau,
        "/api/v1/reports?month=2024-01",
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["due_on"], "2024-01-28");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 18, "every signing school of the preset");
    let of = |id: &str| items.iter().find(|i| i["school_id"] == id).unwrap();
    assert_eq!(of(&s.gdmu)["timeliness_label"], "按时");
    assert_eq!(of(&s.dzkj)["timeliness_label"], "逾期");
    assert!(
        items
            .iter()
            .filter(|i| i["school_id"] != s.gdmu && i["school_id"] != s.dzkj)
            .all(|i| i["timeliness"] == "missing" && i["state"] == "draft")
    );
    assert_eq!(list["rates"]["expected"], 18);
    assert_eq!(list["rates"]["submitted"], 2);
    assert_eq!(list["rates"]["on_time"], 1);

    // February (2024 is a leap year; the due day is still the 28th).
    at(&app, "2024-02-28T15:59:59Z");
    s.renew(&app).await;
    let feb = get(
        &app,
        &s.gdmu_token,
        &report_path("2024-02", &s.gdmu),
        StatusCode::OK,
    )
    .await;
    assert_eq!(feb["due_on"], "2024-02-28");
    assert_eq!(feb["timeliness"], "not_due");
    assert_eq!(
        submit(&app, &s.gdmu_token, "2024-02", &s.gdmu).await["timeliness"],
        "on_time"
    );
    at(&app, "2024-02-28T16:00:00Z");
    assert_eq!(
        submit(&app, &s.dzkj_token, "2024-02", &s.dzkj).await["timeliness"],
        "late"
    );
    // A month not yet begun has no report.
    get(
        &app,
        &s.gdmu_token,
        &report_path("2024-03", &s.gdmu),
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// A new school organisation (in the region of 广东医科大学), a member of group 4 from `from`.
async fn join_group4(app: &TestApp, gid: &str, name: &str, from: &str) -> String {
    let region = app
        .text(
            "select region_id from organisations where name = $1",
            &["广东医科大学"],
        )
        .await;
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "insert into organisations (id, kind, name, region_id, created_at) values ($1, 'university', $2, $3, 0)",
    )
    .bind(&id)
    .bind(name)
    .bind(&region)
    .execute(app.store().pool())
    .await
    .unwrap();
    sqlx::query(
        "insert into group_memberships (id, group_id, org_id, role, effective_from, position, created_at)
         values ($1, $2, $3, 'university', $4, 9, 0)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(gid)
    .bind(&id)
    .bind(from)
    .execute(app.store().pool())
    .await
    .unwrap();
    id
}

async fn a_mid_month_joiner_is_expected_and_one_after_the_due_day_is_not(app: TestApp) {
    at(&app, "2024-03-10T04:00:00Z");
    let g = group4(&app).await;
    let on_15th = join_group4(&app, &g.id, "东莞测试大学甲", "2024-03-15").await;
    let on_29th = join_group4(&app, &g.id, "东莞测试大学乙", "2024-03-29").await;
    at(&app, "2024-04-02T04:00:00Z");
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let mid = line(&app, &bureau, "2024-03", &on_15th)
        .await
        .expect("a member on the due date is listed");
    assert_eq!(mid["expected"], true);
    assert_eq!(mid["timeliness_label"], "未报");
    assert!(
        line(&app, &bureau, "2024-03", &on_29th).await.is_none(),
        "joined after the due day: not expected in March"
    );
    let list = get(
        &app,
        &bureau,
        "/api/v1/reports?month=2024-03",
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["rates"]["expected"], 19);
    // April's report is owed by both (not yet due on the 2nd).
    let late_joiner = line(&app, &bureau, "2024-04", &on_29th).await.unwrap();
    assert_eq!(late_joiner["expected"], true);
    assert_eq!(late_joiner["timeliness"], "not_due");
    // The school that joined on the 15th reports March with its group's figures.
    app.add_user("jia", "东莞测试大学甲", "school").await;
    let jia = app.api_token("jia", PASSWORD).await;
    let r = get(
        &app,
        &jia,
        &report_path("2024-03", &on_15th),
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["prefill"]["groups"][0]["number"], 4);
}

async fn returned_and_resubmitted_keeps_its_first_submission(app: TestApp) {
    at(&app, "2024-01-20T04:00:00Z");
    let mut s = schools(&app).await;
    let path = report_path("2024-01", &s.gdmu);
    let saved = put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"narrative": {"1": "实践基地揭牌", "3": "开展技能培训 2 场"}, "problems": "经费到位慢", "next_plan": "筹备联席会议"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["state"], "draft");
    assert_eq!(saved["narrative"]["3"], "开展技能培训 2 场");
    submit(&app, &s.gdmu_token, "2024-01", &s.gdmu).await;

    // A return needs a comment.
    let e = post(
        &app,
        &s.bureau,
        &format!("{path}/return"),
        json!({"comment": "  "}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "审核意见");
    at(&app, "2024-01-22T04:00:00Z");
    s.renew(&app).await;
    let r = post(
        &app,
        &s.bureau,
        &format!("{path}/return"),
        json!({"comment": "请补充领域2的进展"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["state_label"], "已退回");
    let seen = get(&app, &s.gdmu_token, &path, StatusCode::OK).await;
    assert_eq!(seen["review_comment"], "请补充领域2的进展");

    // Resubmitted after the due day: still 按时, by its first submission.
    at(&app, "2024-02-02T04:00:00Z");
    s.renew(&app).await;
    put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"narrative": {"1": "实践基地揭牌", "2": "走访企业 3 家", "3": "开展技能培训 2 场"}, "problems": "经费到位慢", "next_plan": "筹备联席会议"}),
        StatusCode::OK,
    )
    .await;
    let again = submit(&app, &s.gdmu_token, "2024-01", &s.gdmu).await;
    assert_eq!(again["state_label"], "已重新提交");
    assert_eq!(again["version"], 2);
    assert_eq!(again["first_submitted_at"], "2024-01-20 12:00:00");
    assert_eq!(again["last_submitted_at"], "2024-02-02 12:00:00");
    assert_eq!(again["timeliness"], "on_time");
    let listed = line(&app, &s.bureau, "2024-01", &s.gdmu).await.unwrap();
    assert_eq!(listed["state_label"], "已重新提交");
    assert_eq!(listed["timeliness_label"], "按时");

    // Both versions stay readable, each with its content and review.
    let v1 = get(
        &app,
        &s.bureau,
        &format!("{path}/versions/1"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v1["review"], "returned");
    assert_eq!(v1["review_comment"], "请补充领域2的进展");
    assert!(v1["content"]["narrative"].get("2").is_none());
    assert!(v1["content"]["prefill"]["groups"].is_array());
    let v2 = get(
        &app,
        &s.gdmu_token,
        &format!("{path}/versions/2"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v2["content"]["narrative"]["2"], "走访企业 3 家");
    assert!(v2["review"].is_null());
    get(
        &app,
        &s.gdmu_token,
        &format!("{path}/versions/3"),
        StatusCode::NOT_FOUND,
    )
    .await;

    let accepted = post(
        &app,
        &s.bureau,
        &format!("{path}/accept"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["state_label"], "已通过");
    assert_eq!(accepted["versions"][1]["review"], "accepted");
    // Accepted: no more changes, and no second review.
    put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"problems": "改"}),
        StatusCode::CONFLICT,
    )
    .await;
    post(
        &app,
        &s.bureau,
        &format!("{path}/accept"),
        json!({}),
        StatusCode::CONFLICT,
    )
    .await;
}

async fn closed_submissions_and_a_paper_copy(app: TestApp) {
    at(&app, "2024-02-20T04:00:00Z");
    let mut s = schools(&app).await;
    let path = report_path("2024-01", &s.dzkj);
    // Submissions close 30 days after the due day, at the end of 2024-02-27 in Shanghai.
    let e = post(
        &app,
        &s.bureau,
        &format!("{path}/paper"),
        json!({"note": "2月20日收到纸质报告"}),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("尚未截止"));
    at(&app, "2024-02-27T16:00:00Z");
    s.renew(&app).await;
    let before = app.count("monthly_report_versions").await;
    let e = post(
        &app,
        &s.dzkj_token,
        &format!("{path}/submit"),
        json!({}),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        e["message"],
        "1月进展报告已于 2024-02-27 截止报送，请联系市教育局"
    );
    assert_eq!(app.count("monthly_report_versions").await, before);
    let e = post(
        &app,
        &s.bureau,
        &format!("{path}/paper"),
        json!({"note": ""}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "纸质报告说明");
    let r = post(
        &app,
        &s.bureau,
        &format!("{path}/paper"),
        json!({"note": "2月28日收到纸质报告，已盖章"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["state"], "accepted");
    assert_eq!(r["paper"], true);
    assert_eq!(r["timeliness_label"], "未报", "a paper copy stays 未报");
    assert_eq!(r["version"], 0);
    let listed = line(&app, &s.bureau, "2024-01", &s.dzkj).await.unwrap();
    assert_eq!(listed["paper"], true);
    assert_eq!(listed["timeliness"], "missing");
    // Once accepted on paper, not again.
    post(
        &app,
        &s.bureau,
        &format!("{path}/paper"),
        json!({"note": "再次登记"}),
        StatusCode::CONFLICT,
    )
    .await;
    // A school that submitted on the platform gets no paper acceptance.
    at(&app, "2024-03-10T04:00:00Z");
    s.renew(&app).await;
    submit(&app, &s.gdmu_token, "2024-03", &s.gdmu).await;
    at(&app, "2024-04-28T04:00:00Z");
    s.renew(&app).await;
    post(
        &app,
        &s.bureau,
        &format!("{}/paper", report_path("2024-03", &s.gdmu)),
        json!({"note": "纸质"}),
        StatusCode::CONFLICT,
    )
    .await;
    // Closing stops new submissions only: returned after closing, it is corrected and sent again,
    // keeping its first submission (and so its timeliness).
    let march = report_path("2024-03", &s.gdmu);
    post(
        &app,
        &s.bureau,
        &format!("{march}/return"),
        json!({"comment": "请补充三月的驻村服务情况"}),
        StatusCode::OK,
    )
    .await;
    let again = post(
        &app,
        &s.gdmu_token,
        &format!("{march}/submit"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (again["state"].as_str(), again["version"].as_i64()),
        (Some("submitted"), Some(2))
    );
    assert_eq!(again["timeliness_label"], "按时");
    let accepted = post(
        &app,
        &s.bureau,
        &format!("{march}/accept"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["state"], "accepted");
}

/// Records a team member of 广东医科大学 in group 4 and an on-site entry on `day`.
async fn onsite_entry(app: &TestApp, token: &str, gid: &str, member: &str, day: &str, place: &str) {
    let body = json!({
        "date_from": day, "place_org_id": place, "member_ids": [member],
        "content": "驻村开展健康义诊", "students": 3,
    });
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{gid}/onsite"),
        body,
    )
    .await;
    expect(r, StatusCode::CREATED).await;
}

async fn prefill_shows_the_months_records_and_refresh_picks_up_more(app: TestApp) {
    at(&app, "2024-03-20T04:00:00Z");
    let s = schools(&app).await;
    let g = group4(&app).await;
    let member = expect(
        send(
            &app,
            &s.gdmu_token,
            Method::POST,
            &format!("/api/v1/groups/{}/team", g.id),
            json!({
                "person_name": "李医生", "org_id": s.gdmu, "role": "member",
                "title": "intermediate", "joined_on": "2024-01-10",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    onsite_entry(
        &app,
        &s.gdmu_token,
        &g.id,
        &member,
        "2024-03-05",
        &g.village,
    )
    .await;
    // February's entry is not March's.
    onsite_entry(
        &app,
        &s.gdmu_token,
        &g.id,
        &member,
        "2024-02-26",
        &g.village,
    )
    .await;
    let path = report_path("2024-03", &s.gdmu);
    let r = get(&app, &s.gdmu_token, &path, StatusCode::OK).await;
    let group = &r["prefill"]["groups"][0];
    assert_eq!(group["number"], 4);
    assert_eq!(group["figures"]["onsite_entries"], 1);
    assert_eq!(group["figures"]["onsite_days"], 1);
    assert_eq!(group["figures"]["onsite_students"], 3);
    // A draft keeps its pre-fill until it is refreshed.
    put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"narrative": {"5": "义诊 1 次"}}),
        StatusCode::OK,
    )
    .await;
    onsite_entry(
        &app,
        &s.gdmu_token,
        &g.id,
        &member,
        "2024-03-12",
        &g.village,
    )
    .await;
    let r = get(&app, &s.gdmu_token, &path, StatusCode::OK).await;
    assert_eq!(r["prefill"]["groups"][0]["figures"]["onsite_entries"], 1);
    let r = post(
        &app,
        &s.gdmu_token,
        &format!("{path}/refresh"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["prefill"]["groups"][0]["figures"]["onsite_entries"], 2);
    assert_eq!(r["prefill"]["groups"][0]["figures"]["onsite_days"], 2);
    assert_eq!(r["prefilled_at"], "2024-03-20 12:00:00");
    assert_eq!(r["narrative"]["5"], "义诊 1 次", "the text is kept");
    // Submitted: the pre-fill is what was submitted.
    submit(&app, &s.gdmu_token, "2024-03", &s.gdmu).await;
    post(
        &app,
        &s.gdmu_token,
        &format!("{path}/refresh"),
        json!({}),
        StatusCode::CONFLICT,
    )
    .await;
    let v1 = get(
        &app,
        &s.bureau,
        &format!("{path}/versions/1"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        v1["content"]["prefill"]["groups"][0]["figures"]["onsite_entries"],
        2
    );
}

async fn who_sees_and_does_what(app: TestApp) {
    at(&app, "2024-01-20T04:00:00Z");
    let s = schools(&app).await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    let town = app.api_token("tangxia", PASSWORD).await;
    let village = app.api_token("fhg", PASSWORD).await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let other_school = org(&app, "广东科技学院").await; // group 2
    let mine = report_path("2024-01", &s.gdmu);
    let theirs = report_path("2024-01", &other_school);

    // A school: only its own. Another school's report is not found, and nothing is written.
    get(&app, &s.gdmu_token, &theirs, StatusCode::NOT_FOUND).await;
    put(
        &app,
        &s.gdmu_token,
        &theirs,
        json!({"problems": "x"}),
        StatusCode::NOT_FOUND,
    )
    .await;
    post(
        &app,
        &s.gdmu_token,
        &format!("{theirs}/submit"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.count("monthly_reports").await, 0);
    let list = get(
        &app,
        &s.gdmu_token,
        "/api/v1/reports?month=2024-01",
        StatusCode::OK,
    )
    .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["school_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [s.gdmu.as_str()]);
    submit(&app, &s.gdmu_token, "2024-01", &s.gdmu).await;
    // A school does not review its own report.
    post(
        &app,
        &s.gdmu_token,
        &format!("{mine}/accept"),
        json!({}),
        StatusCode::FORBIDDEN,
    )
    .await;

    // The town of group 4: its two schools, nobody else's.
    let list = get(&app, &town, "/api/v1/reports?month=2024-01", StatusCode::OK).await;
    let mut ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["school_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![s.gdmu.as_str(), s.dzkj.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    // Only what is due counts: the submitted report (the other is not due on the 20th).
    assert_eq!(list["rates"]["expected"], 1);
    get(&app, &town, &mine, StatusCode::OK).await;
    get(&app, &town, &theirs, StatusCode::NOT_FOUND).await;
    get(&app, &village, &mine, StatusCode::OK).await;

    // Village and HQ read; they neither submit nor review.
    let dzkj_path = report_path("2024-01", &s.dzkj);
    for token in [&village, &hq, &town] {
        post(
            &app,
            token,
            &format!("{dzkj_path}/submit"),
            json!({}),
            StatusCode::FORBIDDEN,
        )
        .await;
        post(
            &app,
            token,
            &format!("{mine}/accept"),
            json!({}),
            StatusCode::FORBIDDEN,
        )
        .await;
        post(
            &app,
            token,
            &format!("{mine}/return"),
            json!({"comment": "退回"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // The bureau does not write a school's report either.
    put(
        &app,
        &s.bureau,
        &dzkj_path,
        json!({"problems": "x"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.count("monthly_reports").await,
        1,
        "only the one submitted"
    );
    let all = get(&app, &hq, "/api/v1/reports?month=2024-01", StatusCode::OK).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 18);
    let r = get(&app, &hq, &mine, StatusCode::OK).await;
    assert_eq!(r["state"], "submitted");
}

async fn bad_input_names_the_field(app: TestApp) {
    at(&app, "2024-01-20T04:00:00Z");
    let s = schools(&app).await;
    let path = report_path("2024-01", &s.gdmu);
    let e = put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"narrative": {"9": "x", "2": "字".repeat(5001)}, "next_plan": "字".repeat(5001)}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["领域2工作进展", "各领域工作进展", "下月工作计划"]);
    assert!(
        e["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不能超过 5000 个字符")
    );
    // Wrong types and unknown fields.
    let e = put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"problems": 5}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "请求体");
    put(
        &app,
        &s.gdmu_token,
        &path,
        json!({"summary": "x"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(app.count("monthly_reports").await, 0, "nothing written");
    // Months outside the reporting months.
    let e = get(
        &app,
        &s.bureau,
        "/api/v1/reports?month=2023-12",
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "month");
    get(
        &app,
        &s.bureau,
        "/api/v1/reports?month=2024-13",
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    get(
        &app,
        &s.bureau,
        &report_path("2023-12", &s.gdmu),
        StatusCode::NOT_FOUND,
    )
    .await;
    get(
        &app,
        &s.bureau,
        &report_path("2024-01", "not-a-uuid"),
        StatusCode::NOT_FOUND,
    )
    .await;
    // A town is not a school: no report.
    let g = group4(&app).await;
    get(
        &app,
        &s.bureau,
        &report_path("2024-01", &g.town),
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = app.get_with(client, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn the_web_pages_take_a_report_through_review(app: TestApp) {
    at(&app, "2024-02-10T04:00:00Z");
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    // The school's workbench points at this month's report; its list shows every month.
    let bench = page(&app, &school, "/").await;
    let base = format!("/reports/2024-02/{}", g.university);
    assert!(bench.contains(&format!("href=\"{base}\"")));
    let list = page(&app, &school, "/reports").await;
    assert!(list.contains("2024年1月") && list.contains("2024年2月") && list.contains("未报"));
    assert!(list.contains("月度报告"), "nav link");

    // A field too long: 422, the summary names it, what was typed is kept.
    let long = "字".repeat(5001);
    let r = post_form(
        &app,
        &school,
        &base,
        &[("narrative_3", &long), ("problems", "人手紧张")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("领域3工作进展：不能超过 5000 个字符"));
    assert!(body.contains("href=\"#f-narrative_3\"") && body.contains(">人手紧张</textarea>"));
    assert_eq!(app.count("monthly_reports").await, 0);

    let r = post_form(
        &app,
        &school,
        &base,
        &[
            ("narrative_3", "举办技能培训"),
            ("problems", "人手紧张"),
            ("next_plan", "走访企业"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.ends_with("?saved=report_saved#saved"), "{to}");
    let shown = page(&app, &school, &to).await;
    assert!(
        shown.contains("已保存：月度进展报告草稿已保存") && shown.contains("第 4 组（塘厦镇）")
    );
    let confirm = page(&app, &school, &format!("{base}/submit")).await;
    assert!(confirm.contains("确认提交"));
    let r = post_form(&app, &school, &format!("{base}/submit"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = page(&app, &school, &base).await;
    assert!(shown.contains("已提交") && shown.contains("第 1 版"));
    assert!(
        !shown.contains("id=\"report-form\""),
        "no form once submitted"
    );

    // The bureau: its workbench counts the report, the queue lists it, an empty return is refused.
    let bench = page(&app, &bureau, "/").await;
    assert!(bench.contains("1 份月度进展报告待审核"));
    let at_queue = bench
        .find("待审核")
        .map(|i| &bench[i.saturating_sub(120)..i])
        .unwrap_or("");
    assert!(
        at_queue.contains("2024-02"),
        "the queue link opens at February: {at_queue}"
    );
    let queue = page(&app, &bureau, "/reports?month=2024-02&state=submitted").await;
    assert!(queue.contains("广东医科大学") && !queue.contains("东莞市电子科技学校"));
    let r = post_form(
        &app,
        &bureau,
        &format!("{base}/return"),
        &[("comment", " ")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("审核意见：不能为空"));
    let r = post_form(&app, &bureau, &format!("{base}/accept"), &[("comment", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = page(&app, &school, &base).await;
    assert!(shown.contains("已通过") && shown.contains(&format!("{base}/unlock")));
    let v = page(&app, &bureau, &format!("{base}/versions/1")).await;
    assert!(v.contains("举办技能培训") && v.contains("已通过"));
    // The export of the month's list.
    let r = app
        .get_with(&bureau, "/reports/export.xlsx?month=2024-02")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    // Another school's report is not found on the web either.
    let other = org(&app, "广东科技学院").await;
    let r = app
        .get_with(&school, &format!("/reports/2024-02/{other}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // After February's due day the next report is March's, which opens on 1 March: the
    // workbench sends the school to its list, not to a page that does not exist yet.
    at(&app, "2024-02-29T04:00:00Z");
    let school = app.web_client("gdmu", PASSWORD).await;
    let bench = page(&app, &school, "/").await;
    assert!(
        bench.contains("2024-03 月度进展报告应于 2024-03-28 前报送"),
        "{bench}"
    );
    assert!(!bench.contains(&format!("/reports/2024-03/{}", g.university)));
    assert!(bench.contains("id=\"next-report-link\""));
    let r = app
        .get_with(&school, &format!("/reports/2024-03/{}", g.university))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "March's report is not open yet"
    );
}
