//! The plan is data: `xiaodi plan check` on good and broken plan files; a bureau loads a plan
//! version for a later year and the verdicts of that year (and only that year) follow it.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;
use xiaodi::domain::plan::DONGGUAN_2023_PLAN;

on_both!(
    a_version_for_a_year_changes_that_years_verdicts_only,
    the_plan_page_loads_a_version_and_lists_every_error_of_a_broken_one,
    two_versions_loaded_at_once_get_their_own_numbers,
);

/// Two bureau users loading versions at the same moment: both are stored, numbered 1 and 2
/// (the next number is read under the plan's lock, not raced for).
async fn two_versions_loaded_at_once_get_their_own_numbers(app: TestApp) {
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let load = |year: i64| {
        let body = json!({ "plan_toml": made_up_plan(), "from_year": year, "confirm": true });
        send(&app, &bureau, Method::POST, "/api/v1/plan/versions", body)
    };
    let (a, b) = tokio::join!(load(2027), load(2028));
    let a = expect(a, StatusCode::CREATED).await;
    let b = expect(b, StatusCode::CREATED).await;
    let mut seqs = vec![a["seq"].as_i64().unwrap(), b["seq"].as_i64().unwrap()];
    seqs.sort();
    assert_eq!(seqs, vec![1, 2]);
    assert_eq!(
        count(&app, "select cast(count(*) as text) from plan_versions").await,
        2
    );
}

fn plan_check(text: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    std::fs::write(&file, text).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args(["--log-level", "error", "plan", "check"])
        .arg(&file)
        .output()
        .unwrap()
}

#[test]
fn plan_check_accepts_the_preset_and_summarises_it() {
    let out = plan_check(DONGGUAN_2023_PLAN);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("方案文件有效：在莞高校中职学校参与“百县千镇万村高质量发展工程”行动方案（东教通〔2023〕15号）"),
        "{stdout}"
    );
    assert!(
        stdout.contains("四(一)（team-size）服务工作队不少于 6 人"),
        "{stdout}"
    );
    assert!(stdout.contains("每月 28 日前报送"), "{stdout}");
}

/// Each broken file fails (exit code 1) and says what is wrong, naming the field.
#[test]
fn plan_check_rejects_broken_files_naming_each_error() {
    let cases: [(&str, String, &[&str]); 5] = [
        (
            "unknown rule id",
            DONGGUAN_2023_PLAN.replace("[rule_text.publicity]", "[rule_text.publicness]"),
            &[
                "rule_text.publicness：没有编号为“publicness”的规则",
                "rule_text.publicity：缺少条款",
            ],
        ),
        (
            "negative days",
            DONGGUAN_2023_PLAN.replace("onsite_min_days = 90", "onsite_min_days = -5"),
            &["rules.onsite_min_days", "不能为负数，现为 -5"],
        ),
        (
            "missing clause",
            DONGGUAN_2023_PLAN.replace("clause = \"五(四)\"\n", ""),
            &["rule_text.publicity：缺少条款（clause）"],
        ),
        (
            "bad TOML",
            DONGGUAN_2023_PLAN.replace("doc_no = \"东教通〔2023〕15号\"", "doc_no = 东教通"),
            &["方案文件格式错误（第", "doc_no"],
        ),
        (
            "out of range",
            DONGGUAN_2023_PLAN.replace("report_due_day = 28", "report_due_day = 31"),
            &["rules.report_due_day", "1–28", "现为 31"],
        ),
    ];
    for (what, text, expected) in cases {
        assert_ne!(
            text, DONGGUAN_2023_PLAN,
            "{what}: the case changes the file"
        );
        let out = plan_check(&text);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}: nothing said valid");
        assert!(stderr.contains("无效"), "{what}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{what}: “{e}” in {stderr}");
        }
    }
}

#[test]
fn plan_check_says_when_the_file_is_missing() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args([
            "--log-level",
            "error",
            "plan",
            "check",
            "/nonexistent/plan.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("无法读取 /nonexistent/plan.toml")
    );
}

/// A made-up plan for a later year: a team of 8, 60 on-site days, reports due on the 25th.
fn made_up_plan() -> String {
    let text = DONGGUAN_2023_PLAN
        .replace(
            "doc_no = \"东教通〔2023〕15号\"",
            "doc_no = \"东教通〔2026〕1号\"",
        )
        .replace("team_min_members = 6", "team_min_members = 8")
        .replace("onsite_min_days = 90", "onsite_min_days = 60")
        .replace("report_due_day = 28", "report_due_day = 25");
    assert_ne!(text, DONGGUAN_2023_PLAN);
    text
}

fn ms(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// The group's verdict of `rule` for `year`: (status, title, reason).
async fn verdict(
    app: &TestApp,
    token: &str,
    gid: &str,
    year: i32,
    rule: &str,
) -> (String, String, String) {
    let body = expect(
        app.api_get(token, &format!("/api/v1/groups/{gid}/checks?year={year}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let c = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == rule)
        .cloned()
        .unwrap_or_else(|| panic!("{rule} is judged"));
    let s = |k: &str| c[k].as_str().unwrap().to_string();
    (s("status"), s("title"), s("reason"))
}

/// The month's line of a school in the bureau's list: (due_on of the month, its timeliness).
async fn report_line(app: &TestApp, token: &str, month: &str, school: &str) -> (String, String) {
    let list = expect(
        app.api_get(token, &format!("/api/v1/reports?month={month}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["school_id"] == school)
        .cloned()
        .expect("the school owes the month");
    (
        list["due_on"].as_str().unwrap().to_string(),
        item["timeliness"].as_str().unwrap().to_string(),
    )
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.text(sql, &[]).await.parse().unwrap()
}

/// Group 4 with six members from 2024 and a report of May submitted on the 26th in 2025 and in
/// 2026; then the bureau loads the made-up plan for 2026. 2026 is judged by it (team of 8: the
/// six fall short; 60 days asked; the 26th is late against the 25th) and 2025 still by the
/// Dongguan plan (six members meet it; 90 days; the 26th is on time against the 28th).
async fn a_version_for_a_year_changes_that_years_verdicts_only(app: TestApp) {
    let g = group4(&app).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let team = [
        ("王队长", &g.university, "captain", "senior", true),
        (
            "李副队长",
            &g.vocational,
            "vice_captain",
            "vice_senior",
            true,
        ),
        ("赵一", &g.university, "member", "intermediate", false),
        ("钱二", &g.university, "member", "vice_senior", false),
        ("孙三", &g.vocational, "member", "intermediate", false),
        ("周四", &g.vocational, "member", "senior", false),
    ];
    for (name, org, role, title, leader) in team {
        let m = json!({
            "person_name": name, "org_id": org, "role": role, "title": title,
            "school_leader": leader, "phone": "13800131234", "joined_on": "2024-01-01",
        });
        let r = send(
            &app,
            &bureau,
            Method::POST,
            &format!("/api/v1/groups/{}/team", g.id),
            m,
        )
        .await;
        expect(r, StatusCode::CREATED).await;
    }
    // Each May's report of 广东医科大学, submitted on the 26th (noon in Shanghai).
    app.add_user("gdmu", "广东医科大学", "school").await;
    for month in ["2025-05", "2026-05"] {
        app.clock.set_ms(ms(&format!("{month}-26T04:00:00Z")));
        let school = app.api_token("gdmu", PASSWORD).await;
        let r = send(
            &app,
            &school,
            Method::POST,
            &format!("/api/v1/reports/{month}/{}/submit", g.university),
            json!({}),
        )
        .await;
        assert_eq!(
            expect(r, StatusCode::OK).await["timeliness"],
            "on_time",
            "{month}"
        );
    }
    app.clock
        .set_ms(crate::helpers::pinned_now().as_millisecond());
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;

    // Before: both years by the Dongguan plan.
    let (status, title, _) = verdict(&app, &bureau, &g.id, 2026, "team-size").await;
    assert_eq!(
        (status.as_str(), title.as_str()),
        ("met", "服务工作队不少于 6 人")
    );
    assert_eq!(
        report_line(&app, &bureau, "2026-05", &g.university).await,
        ("2026-05-28".to_string(), "on_time".to_string())
    );

    // Loading it for 2026, a year already begun, asks for a confirmation; nothing is stored.
    let body = json!({ "plan_toml": made_up_plan(), "from_year": 2026 });
    let r = send(
        &app,
        &bureau,
        Method::POST,
        "/api/v1/plan/versions",
        body.clone(),
    )
    .await;
    let refused = expect(r, StatusCode::CONFLICT).await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("2026 年已经开始"),
        "{refused}"
    );
    assert_eq!(
        count(&app, "select cast(count(*) as text) from plan_versions").await,
        0
    );
    let mut confirmed = body;
    confirmed["confirm"] = json!(true);
    let r = send(
        &app,
        &bureau,
        Method::POST,
        "/api/v1/plan/versions",
        confirmed,
    )
    .await;
    let loaded = expect(r, StatusCode::CREATED).await;
    assert_eq!(loaded["seq"], 1);
    assert_eq!(loaded["from_year"], 2026);
    assert_eq!(loaded["doc_no"], "东教通〔2026〕1号");
    assert_eq!(loaded["loaded_by"], "admin");
    assert_eq!(
        count(
            &app,
            "select cast(count(*) as text) from audit_events where action = 'plan_version.load'"
        )
        .await,
        1
    );

    // 2026 by the new version.
    let (status, title, reason) = verdict(&app, &bureau, &g.id, 2026, "team-size").await;
    assert_eq!(status, "not_met", "{reason}");
    assert_eq!(title, "服务工作队不少于 8 人");
    let (_, title, reason) = verdict(&app, &bureau, &g.id, 2026, "onsite").await;
    assert_eq!(title, "每年累计驻镇(含驻村)服务不少于 60 天");
    assert!(reason.contains("要求不少于 60 天"), "{reason}");
    assert_eq!(
        report_line(&app, &bureau, "2026-05", &g.university).await,
        ("2026-05-25".to_string(), "late".to_string())
    );
    // 2025 still by the Dongguan plan.
    let (status, title, reason) = verdict(&app, &bureau, &g.id, 2025, "team-size").await;
    assert_eq!(
        (status.as_str(), title.as_str()),
        ("met", "服务工作队不少于 6 人"),
        "{reason}"
    );
    let (_, _, reason) = verdict(&app, &bureau, &g.id, 2025, "onsite").await;
    assert!(reason.contains("要求不少于 90 天"), "{reason}");
    assert_eq!(
        report_line(&app, &bureau, "2025-05", &g.university).await,
        ("2025-05-28".to_string(), "on_time".to_string())
    );

    // The versions, as any business user reads them; only the bureau loads one.
    let school = app.api_token("gdmu", PASSWORD).await;
    let list = expect(
        app.api_get(&school, "/api/v1/plan/versions").await,
        StatusCode::OK,
    )
    .await;
    let versions = list["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["from_year"], 2026);
    let r = send(
        &app,
        &school,
        Method::POST,
        "/api/v1/plan/versions",
        json!({ "plan_toml": made_up_plan(), "from_year": 2027 }),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;

    // A broken body is refused naming its fields, and nothing is stored.
    let broken = made_up_plan().replace("meetings_min = 2", "meetings_min = -1");
    let r = send(
        &app,
        &bureau,
        Method::POST,
        "/api/v1/plan/versions",
        json!({ "plan_toml": broken, "from_year": 1999 }),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<(String, String)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        fields.iter().any(|(f, m)| f == "plan_toml"
            && m.contains("rules.meetings_min")
            && m.contains("不能为负数")),
        "{fields:?}"
    );
    assert!(fields.iter().any(|(f, _)| f == "from_year"), "{fields:?}");
    assert_eq!(
        count(&app, "select cast(count(*) as text) from plan_versions").await,
        1
    );
}

/// The HTML-escaped value of a hidden input, as the browser would send it.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The page of a response that must have `status`.
async fn html(resp: reqwest::Response, status: StatusCode) -> String {
    let got = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    text
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    file: &str,
    from_year: &str,
) -> reqwest::Response {
    let form = Form::new()
        .text("csrf_token", app.csrf_of(client).await)
        .text("from_year", from_year.to_string())
        .part(
            "file",
            Part::bytes(file.as_bytes().to_vec()).file_name("plan.toml"),
        );
    client
        .post(app.url("/plan/versions"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn the_plan_page_loads_a_version_and_lists_every_error_of_a_broken_one(app: TestApp) {
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let page = html(app.get_with(&bureau, "/plan").await, StatusCode::OK).await;
    assert!(page.contains("方案版本") && page.contains("原方案") && page.contains("载入新版本"));
    assert!(
        page.contains("“每队成员不少于6人") || page.contains("每队成员不少于6人"),
        "the plan's words"
    );
    let versions = "select cast(count(*) as text) from plan_versions";

    // A broken file: every problem listed, the file to be chosen again, nothing stored.
    let broken = made_up_plan()
        .replace("onsite_min_days = 60", "onsite_min_days = -5")
        .replace("[rule_text.publicity]", "[rule_text.publicness]");
    let r = upload(&app, &bureau, &broken, "2027").await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("error-summary"), "{page}");
    assert!(
        page.contains("rules.onsite_min_days") && page.contains("不能为负数"),
        "{page}"
    );
    let r = upload(
        &app,
        &bureau,
        &made_up_plan().replace("[rule_text.publicity]", "[rule_text.publicness]"),
        "2027",
    )
    .await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("没有编号为“publicness”的规则"), "{page}");
    assert!(page.contains("rule_text.publicity：缺少条款"), "{page}");
    assert!(
        page.contains("浏览器不会保留出错前选择的文件"),
        "the file is chosen again"
    );
    let r = upload(&app, &bureau, "code = ", "abc").await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("方案文件格式错误"), "{page}");
    assert!(page.contains("适用年度：“abc”不是有效的年度"), "{page}");
    assert!(
        page.contains("href=\"#f-from_year\""),
        "the error links to its field"
    );
    assert_eq!(count(&app, versions).await, 0);

    // A good one for a year not yet begun loads at once.
    let r = upload(&app, &bureau, &made_up_plan(), "2027").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/plan?saved=plan_version_loaded#saved"
    );
    assert_eq!(count(&app, versions).await, 1);
    let page = html(
        app.get_with(&bureau, "/plan?saved=plan_version_loaded")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("已载入：方案新版本已保存"), "{page}");
    assert!(
        page.contains("第 1 版")
            && page.contains("2027 年起")
            && page.contains("东教通〔2026〕1号")
    );

    // Another for the same year replaces it only once confirmed.
    let second = made_up_plan().replace("team_min_members = 8", "team_min_members = 7");
    let r = upload(&app, &bureau, &second, "2027").await;
    let page = html(r, StatusCode::OK).await;
    assert!(page.contains("请确认后再载入"), "{page}");
    assert!(page.contains("2027 年起已有第 1 版"), "{page}");
    assert!(
        page.contains("服务工作队不少于 7 人"),
        "the new version described"
    );
    assert_eq!(
        count(&app, versions).await,
        1,
        "not stored before confirming"
    );
    let carried =
        unescape(&crate::helpers::hidden_value(&page, "plan_toml").expect("the text carried"));
    assert_eq!(carried, second);
    let form = Form::new()
        .text("csrf_token", app.csrf_of(&bureau).await)
        .text("from_year", "2027")
        .text("plan_toml", carried)
        .text("confirm", "1");
    let r = bureau
        .post(app.url("/plan/versions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, versions).await, 2);
    let gid = app.group_id(4).await;
    app.clock.set_ms(ms("2027-06-15T04:00:00Z"));
    let token_2027 = app.api_token("admin", ADMIN_PASSWORD).await;
    let (_, title, _) = verdict(&app, &token_2027, &gid, 2027, "team-size").await;
    assert_eq!(
        title, "服务工作队不少于 7 人",
        "of two for 2027, the one loaded last"
    );
    app.clock
        .set_ms(crate::helpers::pinned_now().as_millisecond());
    let bureau_token = app.api_token("admin", ADMIN_PASSWORD).await;
    let (_, title, _) = verdict(&app, &bureau_token, &gid, 2026, "team-size").await;
    assert_eq!(title, "服务工作队不少于 6 人");

    // A school user reads the versions but has no form, and may not post one.
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let page = html(app.get_with(&school, "/plan").await, StatusCode::OK).await;
    assert!(page.contains("第 2 版") && !page.contains("载入新版本"));
    let r = upload(&app, &school, &made_up_plan(), "2028").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, versions).await, 2);
}
