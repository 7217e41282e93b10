//! 五(三) reporting rate and on-time rate per school and month, and each school's monthly-report
//! verdict for the year, from the one evaluator over the report roll. Both databases.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4};
use crate::on_both;
use reqwest::StatusCode;
use serde_json::Value;

on_both!(rates_count_schools_members_on_the_due_date_and_the_rule_judges_each_year);

fn ms(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

/// A report as the workflow leaves it once submitted (first submission at `at`).
async fn submitted(app: &TestApp, school: &str, month: &str, at: &str) {
    let plan = app.text("select id from plans", &[]).await;
    sqlx::query(
        "insert into monthly_reports (id, plan_id, school_id, month, state, version,
             first_submitted_at, last_submitted_at, created_at, updated_at)
         values ($1, $2, $3, $4, 'submitted', 1, $5, $5, $5, $5)",
    )
    .bind(uuid_like(school, month))
    .bind(plan)
    .bind(school.to_string())
    .bind(month.to_string())
    .bind(ms(at))
    .execute(app.store().pool())
    .await
    .unwrap();
}

fn uuid_like(school: &str, month: &str) -> String {
    format!("{}-{month}", &school[..8])
}

fn line<'a>(body: &'a Value, org: &str) -> &'a Value {
    body["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["org_id"] == org)
        .unwrap_or_else(|| panic!("{org} is listed: {body}"))
}

async fn rates_count_schools_members_on_the_due_date_and_the_rule_judges_each_year(app: TestApp) {
    let g = group4(&app).await;
    // The clock stands at 2026-06-15: January–May 2026 are due, June is not.
    for m in ["01", "02", "03", "04", "05"] {
        submitted(
            &app,
            &g.university,
            &format!("2026-{m}"),
            &format!("2026-{m}-20T02:00:00Z"),
        )
        .await;
    }
    submitted(&app, &g.vocational, "2026-01", "2026-01-28T15:59:59Z").await; // 23:59:59 Shanghai
    submitted(&app, &g.vocational, "2026-02", "2026-02-28T16:00:00Z").await; // 00:00:00 on 1 March
    submitted(&app, &g.vocational, "2026-04", "2026-04-01T00:00:00Z").await;
    submitted(&app, &g.vocational, "2026-05", "2026-05-01T00:00:00Z").await;

    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let body = expect(
        app.api_get(&bureau, "/api/v1/reports/rates?year=2026")
            .await,
        StatusCode::OK,
    )
    .await;
    let uni = line(&body, &g.university);
    assert_eq!(
        (
            uni["rates"]["expected"].as_u64(),
            uni["rates"]["on_time"].as_u64()
        ),
        (Some(5), Some(5)),
        "{uni}"
    );
    assert_eq!(uni["status"], "not_yet_due", "{uni}");
    assert_eq!(
        uni["months"][5]["timeliness"], "not_due",
        "June is not due: {uni}"
    );
    let voc = line(&body, &g.vocational);
    assert_eq!(
        (
            voc["rates"]["expected"].as_u64(),
            voc["rates"]["submitted"].as_u64(),
            voc["rates"]["on_time"].as_u64()
        ),
        (Some(5), Some(4), Some(3)),
        "{voc}"
    );
    assert_eq!(voc["rates"]["reporting_rate"].as_f64(), Some(80.0));
    assert_eq!(voc["status"], "not_met");
    let reason = voc["reason"].as_str().unwrap();
    assert!(
        reason.contains("2026年2月逾期") && reason.contains("2026年3月未报"),
        "{reason}"
    );
    assert!(!reason.contains("2026年1月"), "{reason}");
    // The city's January: every school of the preset was a member on the 28th; two reported.
    let jan = &body["months"][0];
    assert_eq!(jan["month"], "2026-01");
    assert_eq!(jan["rates"]["expected"].as_u64(), Some(18), "{jan}");
    assert_eq!(jan["rates"]["submitted"].as_u64(), Some(2), "{jan}");
    // Before the plan's first report month the rule does not apply.
    let old = expect(
        app.api_get(&bureau, "/api/v1/reports/rates?year=2023")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(line(&old, &g.university)["status"], "not_applicable");

    // A school sees its own line only, without the city's months; a town sees no rates.
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txtown", "塘厦镇", "town").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let own = expect(
        app.api_get(&school, "/api/v1/reports/rates?year=2026")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["schools"].as_array().unwrap().len(), 1);
    assert_eq!(own["schools"][0]["org_id"], g.university.as_str());
    assert!(own["months"].as_array().unwrap().is_empty());
    let town = app.api_token("txtown", PASSWORD).await;
    expect(
        app.api_get(&town, "/api/v1/reports/rates?year=2026").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        app.api_get(&bureau, "/api/v1/reports/rates?year=abc").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // The page shows the same.
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    let html = app
        .get_with(&web, "/reports/rates?year=2026")
        .await
        .text()
        .await
        .unwrap();
    for text in [
        "广东医科大学",
        "东莞市电子科技学校",
        "逾期",
        "未报",
        "80.0%",
    ] {
        assert!(html.contains(text), "the page shows {text}");
    }
}
