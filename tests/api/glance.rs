//! 本年概览: a group's year at a glance on its page and through the API — projects by area and
//! status with the year's outcome figures, expenses by party, meetings held against required,
//! the annual plan, open major matters, and what is left to do, in words. Both databases.

use crate::helpers::{PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    the_year_at_a_glance_sums_the_records_and_says_what_is_left,
    a_kept_page_follows_every_write_to_what_it_shows
);

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let r = send(app, token, Method::POST, path, body).await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn glance(app: &TestApp, token: &str, gid: &str) -> Value {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/glance?year=2026"))
        .await;
    expect(r, StatusCode::OK).await
}

fn steps(g: &Value) -> Vec<String> {
    g["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

async fn the_year_at_a_glance_sums_the_records_and_says_what_is_left(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    let token = app.api_token("gdmu", PASSWORD).await;
    let outsider = app.api_token("gdst", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);

    // Nothing recorded yet: two meetings and the year's plan are still to come.
    let empty = glance(&app, &token, &g.id).await;
    assert_eq!(
        (
            empty["meetings_held"].as_u64(),
            empty["meetings_required"].as_u64()
        ),
        (Some(0), Some(2))
    );
    assert!(empty["annual_plan"].is_null());
    let s = steps(&empty);
    assert!(
        s.contains(&"本年度还需召开 2 次联席会议".to_string()),
        "{s:?}"
    );
    assert!(
        s.contains(&"制定 2026 年度合作计划，并在联席会议上审议通过".to_string()),
        "{s:?}"
    );

    let project = created(
        &app,
        &token,
        &format!("{base}/projects"),
        json!({"title": "乡村医生培训", "area": 3, "lead_org_id": g.university,
               "starts_on": "2026-02-01", "status": "active"}),
    )
    .await;
    for (on, trained) in [
        ("2025-12-31", "99"),
        ("2026-03-01", "40"),
        ("2026-05-01", "35"),
    ] {
        let r = send(
            &app,
            &token,
            Method::POST,
            &format!("{base}/projects/{project}/updates"),
            json!({"happened_on": on, "summary": "培训", "figures": {"people_trained": trained}}),
        )
        .await;
        // An update before the project started is refused; the rest count.
        if on.starts_with("2025") {
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        } else {
            expect(r, StatusCode::CREATED).await;
        }
    }
    for (amount, payer) in [
        ("1200.50", &g.university),
        ("0.01", &g.university),
        ("300", &g.town),
    ] {
        created(
            &app,
            &token,
            &format!("{base}/expenses"),
            json!({"spent_on": "2026-04-01", "amount": amount, "payer_org_id": payer, "kind": "transport"}),
        )
        .await;
    }
    let r = send(
        &app,
        &token,
        Method::PUT,
        &format!("{base}/annual-plans/2026"),
        json!({"title": "2026 年校镇村合作计划"}),
    )
    .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    created(
        &app,
        &token,
        &format!("{base}/annual-plans/2026/items"),
        json!({"area": 3, "text": "培训乡村医生", "target_code": "people_trained", "target_amount": "100"}),
    )
    .await;
    created(
        &app,
        &token,
        &format!("{base}/meetings"),
        json!({"held_on": "2026-03-10", "place": "塘厦镇", "attending_org_ids": [g.university, g.town],
               "people": [], "agenda": "审议年度计划", "minutes": "通过", "adopts_annual_plan": false}),
    )
    .await;
    let matter = created(
        &app,
        &token,
        &format!("{base}/matters"),
        json!({"summary": "村道受损", "urgency": "urgent", "raised_on": "2026-06-14"}),
    )
    .await;

    let year = glance(&app, &token, &g.id).await;
    let area3 = year["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area"] == 3)
        .unwrap();
    assert_eq!(area3["active"], 1);
    assert_eq!(area3["done"], 0);
    let trained = area3["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "people_trained")
        .unwrap();
    assert_eq!(trained["total"], "75 人", "only the updates dated in 2026");
    let paid: Vec<(String, String)> = year["expenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["org_id"].as_str().unwrap().to_string(),
                e["cash"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        paid.contains(&(g.university.clone(), "1,200.51 元".to_string())),
        "{paid:?}"
    );
    assert!(
        paid.contains(&(g.town.clone(), "300.00 元".to_string())),
        "{paid:?}"
    );
    assert_eq!(year["expenses_cash"], "1,500.51 元");
    assert_eq!(year["meetings_held"], 1);
    assert_eq!(year["annual_plan"]["adopted"], false);
    assert_eq!(year["annual_plan"]["items"][0]["text"], "培训乡村医生");
    assert_eq!(year["open_matters"][0]["id"], matter.as_str());
    assert_eq!(year["open_matters"][0]["status"], "待指挥部签收");
    let s = steps(&year);
    assert!(
        s.contains(&"本年度还需召开 1 次联席会议".to_string()),
        "{s:?}"
    );
    assert!(
        s.contains(&"2026 年度合作计划尚待联席会议审议通过".to_string()),
        "{s:?}"
    );

    // The page shows the same; another group's user sees neither (404).
    let web = app.web_client("gdmu", PASSWORD).await;
    let page = web
        .get(app.url(&format!("/groups/{}?year=2026", g.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("2026 年概览"), "{page}");
    assert!(page.contains("本年度还需召开 1 次联席会议"));
    assert!(page.contains("培训人数 75 人"));
    assert!(page.contains("1,500.51 元"));
    assert!(page.contains("村道受损"));
    let r = app
        .api_get(
            &outsider,
            &format!("/api/v1/groups/{}/glance?year=2026", g.id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .api_get(
            &token,
            &format!("/api/v1/groups/{}/glance?year=twenty", g.id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The group's page is kept under its version (migrations 0024 and 0030): read twice without a
/// write it is the same, and a write to any table it shows — even one no verdict reads, made
/// outside the app's code (another instance, a hand fix in SQL) — shows on the next read.
async fn a_kept_page_follows_every_write_to_what_it_shows(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let token = app.api_token("gdmu", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);
    let project = created(
        &app,
        &token,
        &format!("{base}/projects"),
        json!({"title": "乡村医生培训", "area": 3, "lead_org_id": g.university,
               "starts_on": "2026-02-01", "status": "active"}),
    )
    .await;
    created(
        &app,
        &token,
        &format!("{base}/projects/{project}/updates"),
        json!({"happened_on": "2026-03-01", "summary": "培训", "figures": {"people_trained": "40"}}),
    )
    .await;
    let expense = created(
        &app,
        &token,
        &format!("{base}/expenses"),
        json!({"spent_on": "2026-04-01", "amount": "100", "payer_org_id": g.university,
               "kind": "major_activity", "initiator_org_id": g.town,
               "shares": [{"org_id": g.university, "percent": "50"}, {"org_id": g.town, "percent": "50"}]}),
    )
    .await;
    let r = send(
        &app,
        &token,
        Method::PUT,
        &format!("{base}/annual-plans/2026"),
        json!({"title": "2026 年校镇村合作计划"}),
    )
    .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    created(
        &app,
        &token,
        &format!("{base}/annual-plans/2026/items"),
        json!({"area": 3, "text": "培训乡村医生"}),
    )
    .await;

    let area3 = |v: &Value| {
        v["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["area"] == 3)
            .unwrap()
            .clone()
    };
    let trained = |v: &Value| {
        area3(v)["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "people_trained")
            .unwrap()["total"]
            .clone()
    };
    let borne = |v: &Value, org: &str| {
        v["expenses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["org_id"] == org)
            .map(|e| e["cash"].clone())
    };
    let first = glance(&app, &token, &g.id).await;
    assert_eq!(
        first,
        glance(&app, &token, &g.id).await,
        "read twice, the same"
    );
    assert_eq!(trained(&first), "40 人");
    assert_eq!(borne(&first, &g.town), Some(json!("50.00 元")));
    assert_eq!(first["annual_plan"]["items"][0]["status"], "");

    // Each write alone, in SQL, to one table the page shows and no verdict reads.
    let pool = app.store().pool().clone();
    let sql = |q: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(q).execute(&pool).await.unwrap();
        }
    };
    // Kept, not counted again: a change whose version is put back (as if it never moved) is
    // not seen; once the version moves, it is.
    let kept = app.state.year_pages.len();
    assert!(kept >= 1, "the page is kept");
    let version: i64 = sqlx::query_scalar("select n from group_versions where group_id = $1")
        .bind(&g.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    sql("update project_outcomes set amount = 41").await;
    sqlx::query("update group_versions set n = $1 where group_id = $2")
        .bind(version)
        .bind(&g.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(trained(&glance(&app, &token, &g.id).await), "40 人", "kept");
    sql("update project_outcomes set amount = 45").await;
    assert_eq!(trained(&glance(&app, &token, &g.id).await), "45 人");
    assert_eq!(app.state.year_pages.len(), kept, "replaced, not added");
    // An update with its figures, added through the API (inserts into both tables).
    created(
        &app,
        &token,
        &format!("{base}/projects/{project}/updates"),
        json!({"happened_on": "2026-04-01", "summary": "培训", "figures": {"people_trained": "5"}}),
    )
    .await;
    assert_eq!(trained(&glance(&app, &token, &g.id).await), "50 人");
    sql("delete from project_outcomes where amount = 5").await;
    assert_eq!(trained(&glance(&app, &token, &g.id).await), "45 人");
    sql("update projects set status = 'done'").await;
    let now = glance(&app, &token, &g.id).await;
    assert_eq!(
        (area3(&now)["active"].clone(), area3(&now)["done"].clone()),
        (json!(0), json!(1))
    );
    let s = sqlx::query("update expense_shares set amount_fen = 3000 where org_id = $1")
        .bind(&g.town)
        .execute(app.store().pool())
        .await
        .unwrap();
    assert_eq!(s.rows_affected(), 1);
    assert_eq!(
        borne(&glance(&app, &token, &g.id).await, &g.town),
        Some(json!("30.00 元"))
    );
    sql("update annual_plan_items set year_end_status = 'done'").await;
    assert_eq!(
        glance(&app, &token, &g.id).await["annual_plan"]["items"][0]["status"],
        "完成"
    );
    sql("delete from expense_shares").await;
    let now = glance(&app, &token, &g.id).await;
    assert_eq!(
        borne(&now, &g.university),
        Some(json!("100.00 元")),
        "no shares: the payer bore it"
    );
    assert_eq!(borne(&now, &g.town), None);
    let r = send(
        &app,
        &token,
        Method::DELETE,
        &format!("{base}/expenses/{expense}"),
        json!({}),
    )
    .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert_eq!(
        glance(&app, &token, &g.id).await["expenses_cash"],
        "0.00 元"
    );
}
