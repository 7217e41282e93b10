//! The compliance matrix (issue 11) through the database, on both stores: the API agrees with the
//! one evaluator, a record changes exactly its own cell, a group adjusted mid-year is judged by
//! its memberships at the time, each user sees only what is theirs, the xlsx export carries the
//! same verdicts, and bad parameters are named 422s. The full table of scenarios (one broken
//! rule each, every rule) is at the evaluator: src/domain/evaluator/scenarios.rs.

use crate::helpers::{
    ADMIN_PASSWORD, PASSWORD, TestApp, add_captain, expect, group4, sign_agreement,
};
use crate::on_both;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use xiaodi::store::facts::GroupSet;

on_both!(
    the_api_agrees_with_the_evaluator_and_a_record_changes_only_its_cell,
    a_group_adjusted_mid_year_is_judged_by_its_memberships_at_the_time,
    each_user_sees_only_their_groups_and_their_school,
    the_export_carries_the_same_verdicts,
    bad_parameters_are_named,
    the_home_page_of_the_bureau_is_the_matrix_and_its_cells_lead_to_the_records,
);

pub(crate) async fn matrix(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app
        .api_get(token, &format!("/api/v1/compliance?{query}"))
        .await;
    expect(r, StatusCode::OK).await
}

/// Rule id → status of one row's checks.
pub(crate) fn cells(row: &Value) -> BTreeMap<String, String> {
    row["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(crate) fn group_row(m: &Value, number: i64) -> &Value {
    m["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["number"] == number)
        .unwrap_or_else(|| panic!("group {number} in {m}"))
}

fn school_row<'a>(m: &'a Value, name: &str) -> &'a Value {
    m["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("school {name} in {m}"))
}

/// The rules whose status differs between two rows, with the new status.
fn changed(before: &Value, after: &Value) -> Vec<(String, String)> {
    let (b, a) = (cells(before), cells(after));
    a.into_iter().filter(|(r, s)| b.get(r) != Some(s)).collect()
}

async fn the_api_agrees_with_the_evaluator_and_a_record_changes_only_its_cell(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let m = matrix(&app, &token, "year=2025").await;
    assert_eq!(m["as_of"], "2026-06-15");
    assert_eq!(m["group_rules"].as_array().unwrap().len(), 12);
    assert_eq!(
        m["school_rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["pairing", "monthly-report", "medical-extra"]
    );
    // Every group's cells are the evaluator's, rule by rule.
    let checks = xiaodi::services::compliance::year_checks(
        app.store(),
        &app.state.plans,
        GroupSet::All,
        2025,
        app.clock.today(),
    )
    .await
    .unwrap();
    assert_eq!(m["groups"].as_array().unwrap().len(), checks.len());
    for c in &checks {
        let row = group_row(&m, c.facts.number);
        let want: BTreeMap<String, String> = c
            .verdicts
            .verdicts
            .iter()
            .map(|v| (v.rule.as_str().to_string(), v.status.as_str().to_string()))
            .collect();
        assert_eq!(cells(row), want, "group {}", c.facts.number);
    }
    // 三(五): the medical university is encouraged, never judged not met; the others do not apply.
    assert_eq!(
        cells(school_row(&m, "广东医科大学"))["medical-extra"],
        "advisory"
    );
    assert_eq!(
        cells(school_row(&m, "东莞理工学院"))["medical-extra"],
        "not_applicable"
    );

    // Group 4 with nothing recorded: the agreement and the captain are not met.
    let before = group_row(&m, 4).clone();
    assert_eq!(cells(&before)["agreement"], "not_met");
    assert_eq!(cells(&before)["team-captain"], "not_met");
    // All four parties sign in time: that cell, and only that cell, turns met.
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let g = group4(&app).await;
    let parties = [&g.university, &g.vocational, &g.town, &g.village];
    let r = sign_agreement(&app, &admin, &g.id, "2024-01-20", &parties, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let signed = group_row(&matrix(&app, &token, "year=2025").await, 4).clone();
    assert_eq!(
        changed(&before, &signed),
        vec![("agreement".to_string(), "met".to_string())]
    );
    // A captain from the start: only the captain's cell turns met (the team is still short).
    let r = add_captain(&app, &admin, &g.id, &g.university).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let captained = group_row(&matrix(&app, &token, "year=2025").await, 4).clone();
    assert_eq!(
        changed(&signed, &captained),
        vec![("team-captain".to_string(), "met".to_string())]
    );
    // Asked as of a day before the captain joined (in the running year), the cell is not met.
    let m = matrix(&app, &token, "year=2024&as_of=2023-12-31").await;
    assert_eq!(m["as_of"], "2023-12-31");
    assert_eq!(cells(group_row(&m, 4))["team-captain"], "not_yet_due");
}

async fn a_group_adjusted_mid_year_is_judged_by_its_memberships_at_the_time(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let g = group4(&app).await;
    // 广东医科大学 (only in group 4) leaves the group on 2026-03-01.
    sqlx::query(
        "update group_memberships set effective_to = '2026-03-01' where group_id = $1 and org_id = $2",
    )
    .bind(g.id.as_str())
    .bind(g.university.as_str())
    .execute(app.store().pool())
    .await
    .unwrap();
    let feb = matrix(&app, &token, "month=2026-02").await;
    let apr = matrix(&app, &token, "month=2026-04").await;
    assert_eq!(feb["judged_on"], "2026-02-28");
    assert_eq!(apr["judged_on"], "2026-04-30");
    let school = |m: &Value| cells(school_row(m, "广东医科大学"));
    // In February it was paired through group 4 and owed February's report (not sent: not met);
    // in April it is in no group and owed nothing.
    assert_eq!(school(&feb)["pairing"], "met");
    assert_eq!(school(&apr)["pairing"], "not_met");
    assert_eq!(school(&feb)["monthly-report"], "not_met");
    assert_eq!(school(&apr)["monthly-report"], "not_applicable");
    let reason = school_row(&apr, "广东医科大学")["checks"][0]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("不在任何结对组中"), "{reason}");
    // The captain's rule reads the group's universities of the day: a captain of 广东医科大学 is
    // one of the group's university in February, and no longer in April.
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let csrf = app.csrf_of(&admin).await;
    let r = admin
        .post(app.url(&format!("/groups/{}/team", g.id)))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("person_name", "王校长"),
            ("org_id", &g.university),
            ("role", "captain"),
            ("title", "senior"),
            ("school_leader", "1"),
            ("joined_on", "2024-01-01"),
            ("phone", "13800131234"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let feb = matrix(&app, &token, "month=2026-02").await;
    let apr = matrix(&app, &token, "month=2026-04").await;
    assert_eq!(cells(group_row(&feb, 4))["team-captain"], "met");
    assert_eq!(cells(group_row(&apr, 4))["team-captain"], "not_met");
}

async fn each_user_sees_only_their_groups_and_their_school(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    for (user, schools) in [
        ("gdmu", Some(vec!["广东医科大学"])),
        ("tangxia", Some(vec![])),
    ] {
        let token = app.api_token(user, PASSWORD).await;
        let m = matrix(&app, &token, "year=2026").await;
        let listed = expect(app.api_get(&token, "/api/v1/groups").await, StatusCode::OK).await;
        let mut want: Vec<String> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect();
        let mut got: Vec<String> = m["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["group_id"].as_str().unwrap().to_string())
            .collect();
        want.sort();
        got.sort();
        assert!(!got.is_empty(), "{user} sees its groups");
        assert!(got.len() < 8, "{user} sees only its groups");
        assert_eq!(got, want, "{user}: the same groups as its group list");
        let names: Vec<&str> = m["schools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(Some(names), schools, "{user}'s school rows");
    }
    // HQ sees the whole programme; the administrators nothing.
    let token = app.api_token("hq1", PASSWORD).await;
    let m = matrix(&app, &token, "year=2026").await;
    assert_eq!(m["groups"].as_array().unwrap().len(), 8);
    assert!(m["schools"].as_array().unwrap().len() >= 18);
    let gdmu = app.web_client("gdmu", PASSWORD).await;
    let other = school_row(&m, "东莞理工学院")["org_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .get_with(
            &gdmu,
            &format!("/compliance/schools/{other}/pairing?year=2026"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "another school's cell");
    // Another group's cell page, and the export, hold nothing of groups not the school's.
    let own = matrix(&app, &app.api_token("gdmu", PASSWORD).await, "year=2026").await;
    let own_ids: Vec<&str> = own["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group_id"].as_str().unwrap())
        .collect();
    let foreign = m["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| !own_ids.contains(&g["group_id"].as_str().unwrap()))
        .expect("a group the school is not in");
    let r = app
        .get_with(
            &gdmu,
            &format!(
                "/compliance/groups/{}/team-size?year=2026",
                foreign["group_id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "another group's cell");
    let r = app
        .get_with(&gdmu, "/compliance/export.xlsx?year=2026")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes)).unwrap();
    let rows = calamine::Reader::worksheet_range(&mut book, "结对组").unwrap();
    assert_eq!(
        rows.rows().count(),
        own_ids.len() + 1,
        "a header and its own groups"
    );
    // The medical-extra reason compares with every other university, whoever asks.
    let mine = school_row(&own, "广东医科大学");
    let hq_view = school_row(&m, "广东医科大学");
    let reason = |row: &serde_json::Value| {
        row["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rule"] == "medical-extra")
            .unwrap()["reason"]
            .clone()
    };
    assert_eq!(reason(mine), reason(hq_view));
    assert!(reason(mine).as_str().unwrap().contains("其他 7 所高校平均"));
}

async fn the_export_carries_the_same_verdicts(app: TestApp) {
    use calamine::{Reader, Xlsx};
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let m = matrix(&app, &token, "year=2025").await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let r = app
        .get_with(&admin, "/compliance/export.xlsx?year=2025")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["结对组", "判定理由", "学校"]);
    let sheet = |book: &mut Xlsx<_>, name: &str| -> Vec<Vec<String>> {
        book.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let groups = sheet(&mut book, "结对组");
    assert_eq!(groups.len(), 1 + 8);
    for row in &groups[1..] {
        let api = group_row(&m, row[0].parse().unwrap());
        let labels: Vec<String> = api["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status_label"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(row[3..3 + 12].to_vec(), labels, "group {}", row[0]);
        assert_eq!(row[15], api["not_met"].to_string());
    }
    let reasons = sheet(&mut book, "判定理由");
    let schools = m["schools"].as_array().unwrap().len();
    assert_eq!(reasons.len(), 1 + 8 * 12 + schools * 3);
    let api_reason = group_row(&m, 4)["checks"][0]["reason"].as_str().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r[0] == "第 4 组" && r[1] == "agreement" && r[4] == api_reason)
    );
    let school_sheet = sheet(&mut book, "学校");
    assert_eq!(school_sheet.len(), 1 + schools);
    for row in &school_sheet[1..] {
        let api = school_row(&m, &row[0]);
        let labels: Vec<String> = api["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status_label"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(row[2..5].to_vec(), labels, "{}", row[0]);
    }
    // The same access: an administrator may not export it.
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sysadmin = app.web_client("sys", PASSWORD).await;
    let r = app.get_with(&sysadmin, "/compliance/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn bad_parameters_are_named(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    for (query, fields) in [
        ("year=1999", vec!["year"]),
        ("year=abc", vec!["year"]),
        ("month=2026-13", vec!["month"]),
        ("month=2026-1", vec!["month"]),
        ("year=2025&month=2026-03", vec!["month"]),
        ("as_of=2026-02-30", vec!["as_of"]),
        ("town=nope&rule=nope", vec!["town", "rule"]),
        (
            "university=00000000-0000-0000-0000-00000000000x",
            vec!["university"],
        ),
    ] {
        let r = app
            .api_get(&token, &format!("/api/v1/compliance?{query}"))
            .await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        let got: Vec<&str> = body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{query}");
    }
    // A date after today is read as today, and said so.
    let m = matrix(&app, &token, "year=2026&as_of=2030-01-01").await;
    assert_eq!(m["as_of"], "2026-06-15");
    // The page answers a bad query with the same fields, not a 500.
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let r = app.get_with(&admin, "/compliance?month=13").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .get_with(&admin, "/compliance/groups/nope/agreement")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn the_home_page_of_the_bureau_is_the_matrix_and_its_cells_lead_to_the_records(app: TestApp) {
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let g = group4(&app).await;
    let home = app.get_with(&admin, "/").await.text().await.unwrap();
    assert!(home.contains("id=\"group-matrix\""), "the matrix is home");
    assert!(home.contains("id=\"school-matrix\""));
    assert!(home.contains("id=\"programme-todos\""), "the to-dos stay");
    let cell = format!("/compliance/groups/{}/team-size?year=2026", g.id);
    assert!(home.contains(&cell), "a cell links to its page");
    // Filters and paging: one town, rows not met on a rule, two rows a page.
    let page = app
        .get_with(&admin, &format!("/compliance?year=2025&town={}", g.town))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<tr id=\"group-").count(), 1);
    let page = app
        .get_with(
            &admin,
            "/compliance?year=2025&per_page=2&page=2&sort=not_met",
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<tr id=\"group-").count(), 2);
    assert!(page.contains("rel=\"prev\"") && page.contains("rel=\"next\""));
    // The cell page: the reason, the clause and the records behind it.
    let r = app.get_with(&admin, &cell).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(body.contains("服务工作队 0 人，少于 6 人"), "{body}");
    assert!(body.contains("四(一)"));
    assert!(body.contains(&format!("href=\"/groups/{}/team\"", g.id)));
    // A school user's page: its groups only; a town user's too; the sysadmin is refused.
    app.add_user("gdmu", "广东医科大学", "school").await;
    let gdmu = app.web_client("gdmu", PASSWORD).await;
    let page = app
        .get_with(&gdmu, "/compliance")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<tr id=\"group-").count(), 1);
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sysadmin = app.web_client("sys", PASSWORD).await;
    assert_eq!(
        app.get_with(&sysadmin, "/compliance").await.status(),
        StatusCode::FORBIDDEN
    );
}
