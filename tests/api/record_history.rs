//! 修改记录 for those who may only read a group: a town's user opens a team member's history from
//! the team page (the web twin of the API's history route); a user of another group cannot.

use crate::helpers::{PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn a_reader_sees_a_records_history_but_not_another_groups(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txtown", "塘厦镇", "town").await;
    app.add_user("hotel", "广东酒店管理职业技术学院", "school")
        .await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let team = format!("/api/v1/groups/{}/team", g.id);
    let created = expect(
        send(
            &app,
            &school,
            Method::POST,
            &team,
            json!({
                "person_name": "王队长", "org_id": g.university, "role": "captain",
                "title": "senior", "school_leader": true, "phone": "", "joined_on": "2024-01-01",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let member = created["id"].as_str().unwrap().to_string();
    expect(
        send(
            &app,
            &school,
            Method::PUT,
            &format!("{team}/{member}"),
            json!({
                "person_name": "王队长", "org_id": g.university, "role": "captain",
                "title": "vice_senior", "school_leader": true, "phone": "", "joined_on": "2024-01-01",
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // The town may not change the team: its list links each member to the history instead.
    let town = app.web_client("txtown", PASSWORD).await;
    let list = app
        .get_with(&town, &format!("/groups/{}/team?date=2024-06-01", g.id))
        .await
        .text()
        .await
        .unwrap();
    let link = format!("/groups/{}/records/team_member/{member}/history", g.id);
    assert!(list.contains(&link), "{list}");
    assert!(!list.contains("/edit\""), "no edit link for a reader");
    let resp = app.get_with(&town, &link).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("服务队员的修改记录"), "{page}");
    assert!(page.contains("职称：正高级 → 副高级"), "{page}");
    assert!(!page.contains(&g.university), "the school by name: {page}");

    // Unknown kinds and records, and a user of another group: not found.
    for path in [
        format!("/groups/{}/records/widget/{member}/history", g.id),
        format!("/groups/{}/records/onsite_entry/{member}/history", g.id),
    ] {
        assert_eq!(
            app.get_with(&town, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let other = app.web_client("hotel", PASSWORD).await;
    assert_eq!(
        app.get_with(&other, &link).await.status(),
        StatusCode::NOT_FOUND
    );
}

on_both!(a_reader_sees_a_records_history_but_not_another_groups);
