//! 年度评价 (五(三), issue 12) through the API and the web, on both stores: a fixture year scored
//! exactly as worked by hand below, HQ's reviewers and their scores, finalisation freezing the
//! result (a record written afterwards does not move it), the evaluation rule judged from it,
//! the report files, and who may do what (only HQ assigns, scores and finalises).

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    a_fixture_year_scores_as_worked_by_hand_and_freezes_when_final,
    only_hq_assigns_scores_and_finalises_and_bad_scores_are_named,
    the_web_pages_score_finalise_and_export,
);

const HQ: &str = "东莞市“百千万工程”指挥部办公室";

async fn hq_users(app: &TestApp) -> (String, String, String) {
    for u in ["hq1", "hq2", "hq3"] {
        app.add_user(u, HQ, "hq").await;
    }
    (
        app.api_token("hq1", PASSWORD).await,
        app.api_token("hq2", PASSWORD).await,
        app.api_token("hq3", PASSWORD).await,
    )
}

async fn user_id(app: &TestApp, username: &str) -> String {
    app.text("select id from users where username = $1", &[username])
        .await
}

async fn evaluation(app: &TestApp, token: &str) -> Value {
    expect(
        app.api_get(token, "/api/v1/evaluations/2025").await,
        StatusCode::OK,
    )
    .await
}

fn group(e: &Value, number: i64) -> &Value {
    e["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["number"] == number)
        .unwrap_or_else(|| panic!("group {number} in {e}"))
}

fn points(g: &Value) -> Vec<(String, f64)> {
    g["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["points"].as_f64().unwrap(),
            )
        })
        .collect()
}

async fn score(app: &TestApp, token: &str, group: &str, value: f64, comment: &str) -> StatusCode {
    send(
        app,
        token,
        Method::PUT,
        &format!("/api/v1/evaluations/2025/groups/{group}/scores/effect"),
        json!({"score": value, "comment": comment}),
    )
    .await
    .status()
}

/// Group 4's 2025 as recorded: a captain (the only team member), 45 days on site, one joint
/// meeting (no annual plan), two projects running in 2025 of which one done (and one of 2023,
/// not counted), one news item published in 2025. Everything else of the year is missing.
async fn fixture(app: &TestApp) {
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let g = group4(app).await;
    let captain = expect(
        send(
            app,
            &admin,
            Method::POST,
            &format!("/api/v1/groups/{}/team", g.id),
            json!({"person_name": "王校长", "org_id": g.university, "role": "captain",
                   "title": "senior", "school_leader": true, "joined_on": "2024-01-01"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    expect(
        send(
            app,
            &admin,
            Method::POST,
            &format!("/api/v1/groups/{}/onsite", g.id),
            json!({"date_from": "2025-03-01", "date_to": "2025-04-14", "place_org_id": g.town,
                   "member_ids": [captain], "content": "驻镇调研"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let pool = app.store().pool();
    sqlx::query(
        "insert into meetings (id, group_id, held_on, place, adopts_annual_plan, created_at)
         values ('m-2025', $1, '2025-05-10', '塘厦镇政府', 0, 0)",
    )
    .bind(&g.id)
    .execute(pool)
    .await
    .unwrap();
    for (id, area, starts, ends, status) in [
        ("p-done", 2, "2025-02-01", Some("2025-10-31"), "done"),
        ("p-running", 5, "2024-06-01", None, "active"),
        ("p-old", 3, "2023-01-01", Some("2023-12-31"), "done"),
    ] {
        sqlx::query(
            "insert into projects (id, group_id, area, title, lead_org_id, starts_on, ends_on, status, created_at)
             values ($1, $2, $3, '项目', $4, $5, $6, $7, 0)",
        )
        .bind(id)
        .bind(&g.id)
        .bind(area as i64)
        .bind(&g.university)
        .bind(starts)
        .bind(ends)
        .bind(status)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "insert into cases (id, group_id, kind, title, summary, body, state, written_by, written_by_org_id,
                            published_on, created_at, updated_at)
         values ('c-2025', $1, 'news', '塘厦新闻', '摘要', '<p>正文</p>', 'published', 'x', $2, '2025-06-01', 0, 1)",
    )
    .bind(&g.id)
    .bind(&g.university)
    .execute(pool)
    .await
    .unwrap();
}

async fn a_fixture_year_scores_as_worked_by_hand_and_freezes_when_final(app: TestApp) {
    fixture(&app).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let (hq1, hq2, _) = hq_users(&app).await;
    for u in ["hq1", "hq2"] {
        let r = send(
            &app,
            &hq1,
            Method::POST,
            "/api/v1/evaluations/2025/reviewers",
            json!({"user_id": user_id(&app, u).await}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let e = evaluation(&app, &admin).await;
    assert_eq!(e["state"], "open");
    assert_eq!(e["due"], "2026-03-31");
    // Every group of the preset worked in 2025 (the annual rules apply from 2024).
    assert_eq!(e["groups"].as_array().unwrap().len(), 8);
    assert_eq!(e["reviewers"].as_array().unwrap().len(), 2);
    let g4 = group(&e, 4).clone();
    let g4_id = g4["group_id"].as_str().unwrap().to_string();
    let ind = &g4["indicators"];
    // The indicators as recorded (the reports: 广东医科大学 and 东莞市电子科技学校 owed all twelve
    // months of 2025 and sent none).
    assert_eq!(ind["onsite_days"], 45);
    assert_eq!(ind["onsite_required"], 90);
    assert_eq!(ind["meetings"], 1);
    assert_eq!(ind["meetings_required"], 2);
    assert_eq!(ind["reports_on_time"], 0);
    assert_eq!(ind["reports_due"], 24);
    assert_eq!(ind["projects"], 2);
    assert_eq!(ind["projects_done"], 1);
    assert_eq!(ind["cases_published"], 1);
    // Rules of 2025 that applied: the agreement (never signed, not met), team size (1 < 6, not
    // met), captain (met), vice-captain (none, not met), on-site (45 < 90), base (none), meetings
    // (1 < 2), annual plan (none): 1 of 8. The title rule has no ordinary member to judge and
    // escalation no matter; the evaluation and publicity are left out.
    assert_eq!(ind["rules_met"], 1, "{ind}");
    assert_eq!(ind["rules_applicable"], 8, "{ind}");

    // Reviewers: hq1 gives group 4 16, hq2 17.5; every other group 10 and 11.
    for g in e["groups"].as_array().unwrap() {
        let id = g["group_id"].as_str().unwrap();
        let (a, b) = if id == g4_id {
            (16.0, 17.5)
        } else {
            (10.0, 11.0)
        };
        assert_eq!(score(&app, &hq1, id, a, "工作扎实").await, StatusCode::OK);
        assert_eq!(score(&app, &hq2, id, b, "成效明显").await, StatusCode::OK);
    }
    let e = evaluation(&app, &admin).await;
    let g4 = group(&e, 4);
    // Worked by hand, each criterion's share rounded half up to a tenth:
    //   rules     30 × 1/8   = 3.75 → 3.8
    //   onsite    15 × 45/90 = 7.5
    //   meetings  10 × 1/2   = 5.0
    //   reports   10 × 0/24  = 0.0
    //   projects  10 × 1/3 (one done; full at 3) = 3.333… → 3.3
    //   publicity  5 × 1/2 (one item; full at 2) = 2.5
    //   effect    (16 + 17.5) / 2 = 16.75 → 16.8
    //   total 3.8 + 7.5 + 5.0 + 0 + 3.3 + 2.5 + 16.8 = 38.9 → under 60: 不合格.
    assert_eq!(
        points(g4),
        vec![
            ("rules".to_string(), 3.8),
            ("onsite".to_string(), 7.5),
            ("meetings".to_string(), 5.0),
            ("reports".to_string(), 0.0),
            ("projects".to_string(), 3.3),
            ("publicity".to_string(), 2.5),
            ("effect".to_string(), 16.8),
        ]
    );
    assert_eq!(g4["total"], 38.9);
    assert_eq!(g4["full"], 100.0);
    assert_eq!(g4["grade"], "不合格");
    assert_eq!(g4["rank"], 1);
    assert!(
        g4["criteria"][1]["working"]
            .as_str()
            .unwrap()
            .contains("45 天 / 90 天 × 15 分 = 7.5 分")
    );
    // Group 5 recorded nothing: 0 of 8 rules, nothing else; the reviewers' (10 + 11) / 2 = 10.5.
    let g5 = group(&e, 5);
    assert_eq!(g5["indicators"]["rules_met"], 0);
    assert_eq!(g5["total"], 10.5);
    assert_eq!(g5["grade"], "不合格");
    assert_eq!(g5["rank"], 2, "equal totals share the next rank");

    // The evaluation rule reads the year as not finalised, past its due day.
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let m = crate::matrix::matrix(&app, &token, "year=2025").await;
    assert_eq!(
        crate::matrix::cells(crate::matrix::group_row(&m, 4))["evaluation"],
        "not_met"
    );

    // Results computed before a change that commits meanwhile are not frozen: the store compares,
    // inside its transaction, what they were computed from (the service computes again).
    let plan = xiaodi::domain::ids::PlanId::from_db(app.text("select id from plans", &[]).await);
    let g5_id = app.group_id(5).await;
    use xiaodi::store::evaluations::Finalising;
    // A reviewer's comment corrected meanwhile.
    let seen = app.store().evaluation_inputs(&plan, 2025).await.unwrap();
    assert_eq!(
        score(&app, &hq2, &g5_id, 11.0, "成效明显，做法可推广").await,
        StatusCode::OK
    );
    assert_eq!(
        finalise_as_seen(&app, &plan, &g5_id, seen).await,
        Finalising::Stale
    );
    // A record every verdict reads written meanwhile (simulated: its version moved on).
    let seen = app.store().evaluation_inputs(&plan, 2025).await.unwrap();
    sqlx::query("update data_version set n = n + 1, global_n = n + 1 where id = 1")
        .execute(app.store().pool())
        .await
        .unwrap();
    assert_eq!(
        finalise_as_seen(&app, &plan, &g5_id, seen).await,
        Finalising::Stale
    );
    assert_eq!(
        app.count("evaluations").await,
        0,
        "nothing stored when stale"
    );

    // HQ finalises; the result is frozen.
    let r = send(
        &app,
        &hq2,
        Method::POST,
        "/api/v1/evaluations/2025/finalise",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let m = crate::matrix::matrix(&app, &token, "year=2025").await;
    let cell = &crate::matrix::group_row(&m, 4)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "evaluation")
        .unwrap()
        .clone();
    assert_eq!(cell["status"], "met");
    assert!(cell["reason"].as_str().unwrap().contains("2026-06-15 完成"));
    let frozen = evaluation(&app, &admin).await;
    assert_eq!(frozen["state"], "final");
    assert_eq!(frozen["finalised_on"], "2026-06-15");

    // A second meeting of 2025 and a third done project, recorded after the year was finalised,
    // do not move the result; the records it was based on read as they were.
    sqlx::query(
        "insert into meetings (id, group_id, held_on, place, adopts_annual_plan, created_at)
         values ('m-late', $1, '2025-11-10', '塘厦镇政府', 1, 0)",
    )
    .bind(&g4_id)
    .execute(app.store().pool())
    .await
    .unwrap();
    sqlx::query("update projects set status = 'done' where id = 'p-running'")
        .execute(app.store().pool())
        .await
        .unwrap();
    let after = evaluation(&app, &admin).await;
    assert_eq!(group(&after, 4)["total"], 38.9);
    assert_eq!(group(&after, 4)["indicators"]["meetings"], 1);
    assert_eq!(group(&after, 4)["indicators"]["projects_done"], 1);
    assert_eq!(after["groups"], frozen["groups"]);
    // Nothing of a final year can be written any more.
    assert_eq!(
        score(&app, &hq1, &g4_id, 20.0, "改分").await,
        StatusCode::CONFLICT
    );
    let r = send(
        &app,
        &hq1,
        Method::POST,
        "/api/v1/evaluations/2025/finalise",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = send(
        &app,
        &hq1,
        Method::POST,
        "/api/v1/evaluations/2025/reviewers",
        json!({"user_id": user_id(&app, "hq3").await}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // The finalisation and every score are in the audit log.
    let n: i64 = app
        .text(
            "select cast(count(*) as text) from audit_events where action like 'evaluation.%'",
            &[],
        )
        .await
        .parse()
        .unwrap();
    assert_eq!(
        n,
        2 + 16 + 1 + 1,
        "two reviewers, sixteen scores, one comment corrected, one finalisation"
    );
}

async fn only_hq_assigns_scores_and_finalises_and_bad_scores_are_named(app: TestApp) {
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let (hq1, _, hq3) = hq_users(&app).await;
    app.add_user("school1", "东莞理工学院", "school").await;
    let school = app.api_token("school1", PASSWORD).await;
    let g4 = app.group_id(4).await;
    let hq1_id = user_id(&app, "hq1").await;
    let before = app.count("audit_events").await;

    // Only the bureau and HQ read it; only HQ assigns reviewers and finalises.
    let r = app.api_get(&school, "/api/v1/evaluations/2025").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for token in [&admin, &school] {
        let r = send(
            &app,
            token,
            Method::POST,
            "/api/v1/evaluations/2025/reviewers",
            json!({"user_id": hq1_id}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = send(
            &app,
            token,
            Method::POST,
            "/api/v1/evaluations/2025/finalise",
            json!({}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            score(&app, token, &g4, 10.0, "好").await,
            StatusCode::FORBIDDEN
        );
    }
    // A reviewer must be an HQ account.
    let r = send(
        &app,
        &hq1,
        Method::POST,
        "/api/v1/evaluations/2025/reviewers",
        json!({"user_id": user_id(&app, "school1").await}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["fields"][0]["field"], "reviewer", "{body}");
    // An HQ user who is not a reviewer of the year cannot score.
    assert_eq!(
        score(&app, &hq3, &g4, 10.0, "好").await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.count("audit_events").await,
        before,
        "nothing was written"
    );

    let r = send(
        &app,
        &hq1,
        Method::POST,
        "/api/v1/evaluations/2025/reviewers",
        json!({"user_id": hq1_id}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Wrong scores: over the criterion's 20 points, two decimals, negative, no comment.
    for (value, comment, field) in [
        (20.5, "好", "score"),
        (1.25, "好", "score"),
        (-1.0, "好", "score"),
        (10.0, "  ", "comment"),
    ] {
        let r = send(
            &app,
            &hq1,
            Method::PUT,
            &format!("/api/v1/evaluations/2025/groups/{g4}/scores/effect"),
            json!({"score": value, "comment": comment}),
        )
        .await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            body["fields"][0]["field"], field,
            "{value} {comment:?}: {body}"
        );
    }
    // A computed criterion is not the reviewers' to score; an unknown group is not found.
    let r = send(
        &app,
        &hq1,
        Method::PUT,
        &format!("/api/v1/evaluations/2025/groups/{g4}/scores/rules"),
        json!({"score": 10, "comment": "好"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        score(
            &app,
            &hq1,
            "00000000-0000-4000-8000-000000000000",
            10.0,
            "好"
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // Unknown fields are refused.
    let r = send(
        &app,
        &hq1,
        Method::PUT,
        &format!("/api/v1/evaluations/2025/groups/{g4}/scores/effect"),
        json!({"score": 10, "comment": "好", "grade": "优秀"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Years: the running one and one before the plan's first evaluated year have no evaluation
    // to read, nor can they be scored.
    for year in ["2026", "2023"] {
        let r = app
            .api_get(&admin, &format!("/api/v1/evaluations/{year}"))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{year}");
        let r = send(
            &app,
            &hq1,
            Method::PUT,
            &format!("/api/v1/evaluations/{year}/groups/{g4}/scores/effect"),
            json!({"score": 10, "comment": "好"}),
        )
        .await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["fields"][0]["field"], "year", "{year}: {body}");
    }
    assert_eq!(
        app.count("evaluation_scores").await,
        0,
        "no refused score was kept"
    );
    // A correction is kept, and the same again changes nothing.
    assert_eq!(score(&app, &hq1, &g4, 12.0, "好").await, StatusCode::OK);
    let r = send(
        &app,
        &hq1,
        Method::PUT,
        &format!("/api/v1/evaluations/2025/groups/{g4}/scores/effect"),
        json!({"score": 12.0, "comment": "好"}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["changed"], false);
    assert_eq!(score(&app, &hq1, &g4, 13.5, "更好").await, StatusCode::OK);
    let e = evaluation(&app, &admin).await;
    assert_eq!(group(&e, 4)["reviews"][0]["score"], 13.5);
    // The year's 修改记录 names each score's group and criterion, and what the correction changed.
    let history = expect(
        app.api_get(&admin, "/api/v1/evaluations/2025/history")
            .await,
        StatusCode::OK,
    )
    .await;
    let corrected = history
        .as_array()
        .unwrap()
        .iter()
        .rfind(|h| h["action"] == "修改年度评价评分")
        .unwrap_or_else(|| panic!("a correction in {history}"));
    let lines: Vec<&str> = corrected["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(lines[0], "第 4 组 · 合作成效（评审评分）", "{corrected}");
    assert!(
        lines.contains(&"得分：12.0 → 13.5") && lines.contains(&"评语：好 → 更好"),
        "{corrected}"
    );
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["action"] == "指定年度评价评审人"),
        "{history}"
    );
    assert_eq!(
        app.api_get(&school, "/api/v1/evaluations/2025/history")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Finalising with groups unscored is refused, naming them.
    let r = send(
        &app,
        &hq1,
        Method::POST,
        "/api/v1/evaluations/2025/finalise",
        json!({}),
    )
    .await;
    let body = expect(r, StatusCode::CONFLICT).await;
    assert!(
        body["message"].as_str().unwrap().contains("第1组"),
        "{body}"
    );
    assert_eq!(app.count("evaluations").await, 0);
    // Removing a reviewer takes their scores out of the year.
    let r = send(
        &app,
        &hq1,
        Method::DELETE,
        &format!("/api/v1/evaluations/2025/reviewers/{hq1_id}"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.count("evaluation_scores").await, 0);
}

async fn the_web_pages_score_finalise_and_export(app: TestApp) {
    hq_users(&app).await;
    let hq = app.web_client("hq1", PASSWORD).await;
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    // The nav leads there; /evaluations opens the latest completed year.
    let home = hq.get(app.url("/evaluations")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()["location"], "/evaluations/2025");
    let page = app.page(&hq, "/evaluations/2025").await;
    assert!(page.contains("2025 年度结对情况评价"), "{page}");
    assert!(page.contains("评分中（未定稿）"));
    let hq1 = user_id(&app, "hq1").await;
    let r = post_form(
        &app,
        &hq,
        "/evaluations/2025/reviewers",
        &[("reviewer", &hq1)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The bureau reads the page but has no forms.
    let page = app.page(&bureau, "/evaluations/2025").await;
    assert!(page.contains("hq1 测试"));
    assert!(!page.contains("定稿…"));
    let r = post_form(&app, &bureau, "/evaluations/2025/finalise", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Scoring every group through its page: a wrong score is shown with what was typed.
    let ids: Vec<String> = {
        let token = app.api_token("hq1", PASSWORD).await;
        evaluation(&app, &token).await["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["group_id"].as_str().unwrap().to_string())
            .collect()
    };
    let path = format!("/evaluations/2025/groups/{}/scores/effect", ids[0]);
    let r = post_form(&app, &hq, &path, &[("score", "25"), ("comment", "很好")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("应为 0–20.0 之间的分数"), "{page}");
    assert!(page.contains("很好"), "what was typed is kept");
    for id in &ids {
        let path = format!("/evaluations/2025/groups/{id}/scores/effect");
        let r = post_form(&app, &hq, &path, &[("score", "15.5"), ("comment", "很好")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let page = app
        .page(&hq, &format!("/evaluations/2025/groups/{}", ids[0]))
        .await;
    assert!(
        page.contains("评审 1 人评分（hq1 测试 15.5）的平均 = 15.5 分"),
        "{page}"
    );

    // Finalising after the confirmation page.
    let confirm = app.page(&hq, "/evaluations/2025/finalise").await;
    assert!(confirm.contains("确认定稿"));
    let r = post_form(&app, &hq, "/evaluations/2025/finalise", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.page(&hq, "/evaluations/2025").await;
    assert!(page.contains("已于 2026-06-15 定稿"), "{page}");

    // The report: a docx whose text names every group, and an xlsx with the ranking.
    let r = bureau
        .get(app.url("/evaluations/2025/report.docx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("2025年度校地结对情况评价报告"));
    assert!(xml.contains("第4组"));
    assert!(xml.contains("评审意见（hq1 测试，15.5分）：很好"));
    let r = bureau
        .get(app.url("/evaluations/2025/report.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("评价结果").unwrap();
    assert_eq!(sheet.get_size().0, 2 + 8, "title, heads and eight groups");
    let school = {
        app.add_user("school1", "东莞理工学院", "school").await;
        app.web_client("school1", PASSWORD).await
    };
    let r = school
        .get(app.url("/evaluations/2025/report.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The store's finalisation of 2025 with `seen` as what the results were computed from.
async fn finalise_as_seen(
    app: &TestApp,
    plan: &xiaodi::domain::ids::PlanId,
    group: &str,
    seen: xiaodi::store::evaluations::InputsSeen,
) -> xiaodi::store::evaluations::Finalising {
    app.store()
        .finalise_evaluation(
            &xiaodi::store::Actor::system("test"),
            app.clock.now_ms(),
            plan,
            2025,
            jiff::civil::date(2026, 6, 15),
            "{}",
            &[xiaodi::store::evaluations::Finalised {
                group_id: xiaodi::domain::ids::GroupId::from_db(group.to_string()),
                total: 0,
                grade: None,
                working: "{}".into(),
            }],
            &seen,
        )
        .await
        .unwrap()
}
