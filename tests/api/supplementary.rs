//! 补充协议 (四(二), 结对调整 五(三)): a party an adjustment adds to a group is bound only by an
//! agreement signed since it joined, so it signs a supplementary agreement of its own within the
//! plan's months. It is recorded, corrected, withdrawn and its scans kept like the tripartite
//! agreement, by the same people; the verdict of its year follows it and the founding parties'
//! earlier verdicts do not move. Migration 0028 keeps the agreements a database already held.
//! API and web, both databases.

use crate::helpers::{ADMIN_PASSWORD, Db, Group4, PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

on_both!(
    an_added_village_is_judged_by_its_supplementary_agreement,
    wrong_supplementary_agreements_are_refused_naming_their_fields,
    the_supplementary_agreement_on_the_web,
    migration_0028_keeps_the_agreements_and_their_triggers,
);

const HQ: &str = "东莞市“百千万工程”指挥部办公室";
const PDF: &[u8] = b"%PDF-1.7\nthe signed supplementary agreement\n";
/// One day, in milliseconds.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Group 4's tripartite agreement signed on 2024-01-20 by its four founding parties (in time).
async fn founding_agreement(app: &TestApp, g: &Group4) {
    let mut tx = app.store().pool().begin().await.unwrap();
    for sql in [
        format!(
            "insert into agreements (id, group_id, signed_on, created_at, updated_at)
             values ('supp-test-agreement', '{}', '2024-01-20', 0, 0)",
            g.id
        ),
        format!(
            "insert into agreement_parties (agreement_id, org_id) values
             ('supp-test-agreement', '{}'), ('supp-test-agreement', '{}'),
             ('supp-test-agreement', '{}'), ('supp-test-agreement', '{}')",
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

async fn org(app: &TestApp, name: &'static str) -> String {
    app.text("select id from organisations where name = $1", &[name])
        .await
}

/// HQ adds 新民社区 to group 4 from 2026-06-01 (today is 2026-06-15): its supplementary agreement
/// is due on 2026-07-01. Returns (the adjustment's id, the village's id).
async fn village_added(app: &TestApp, g: &Group4) -> (String, String) {
    app.add_user("hq1", HQ, "hq").await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let xinmin = org(app, "新民社区").await;
    let r = send(
        app,
        &hq,
        Method::POST,
        &format!("/api/v1/groups/{}/adjustments", g.id),
        json!({
            "grounds": "typical_list", "decided_by": "市指挥部2026年第1次会议",
            "effective_on": "2026-06-01", "add": [{"org": xinmin, "role": "village"}],
        }),
    )
    .await;
    let id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    (id, xinmin)
}

/// The group's verdict of the agreement rule for `year`: (status, reason).
async fn verdict(app: &TestApp, token: &str, gid: &str, year: i32) -> (String, String) {
    let r = app
        .api_get(token, &format!("/api/v1/groups/{gid}/checks?year={year}"))
        .await;
    let body = expect(r, StatusCode::OK).await;
    let c = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "agreement")
        .unwrap_or_else(|| panic!("agreement in {body}"))
        .clone();
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

fn fields(body: &Value) -> Vec<(String, String)> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn an_added_village_is_judged_by_its_supplementary_agreement(app: TestApp) {
    let g = group4(&app).await;
    founding_agreement(&app, &g).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let (adjustment, xinmin) = village_added(&app, &g).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    // The founding parties' years, as they stand before the supplementary agreement.
    let earlier = [
        verdict(&app, &bureau, &g.id, 2024).await,
        verdict(&app, &bureau, &g.id, 2025).await,
    ];
    assert_eq!(earlier[0].0, "met", "{:?}", earlier[0]);

    // Joined on 2026-06-01, due on 2026-07-01: not yet due today.
    let (status, reason) = verdict(&app, &bureau, &g.id, 2026).await;
    assert_eq!(status, "not_yet_due", "{reason}");
    assert!(
        reason.contains("补充协议") && reason.contains("新民社区"),
        "{reason}"
    );
    let path = format!("/api/v1/groups/{}/adjustments/{adjustment}/agreement", g.id);
    let none = expect(app.api_get(&school, &path).await, StatusCode::OK).await;
    assert!(none["id"].is_null(), "{none}");
    assert_eq!(none["deadline"], "2026-07-01");
    assert_eq!(none["effective_on"], "2026-06-01");
    assert_eq!(none["adjustment_id"], adjustment.as_str());
    assert_eq!(none["added"][0]["id"], xinmin.as_str());
    assert_eq!(none["added"][0]["name"], "新民社区");

    // Past its deadline, unsigned: not met, the village named.
    app.clock.advance_ms(20 * DAY_MS); // 2026-07-05
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let (status, reason) = verdict(&app, &bureau, &g.id, 2026).await;
    assert_eq!(status, "not_met", "{reason}");
    assert!(
        reason.contains("2026-07-01") && reason.contains("新民社区"),
        "{reason}"
    );

    // Signed by the village on 2026-06-20, within its month: met.
    let r = send(
        &app,
        &school,
        Method::PUT,
        &path,
        json!({"signed_on": "2026-06-20", "parties": [g.university, g.town, xinmin]}),
    )
    .await;
    let saved = expect(r, StatusCode::OK).await;
    assert_eq!(saved["signed_on"], "2026-06-20");
    assert_eq!(saved["parties"].as_array().unwrap().len(), 3);
    let id = saved["id"].as_str().unwrap().to_string();
    let (status, reason) = verdict(&app, &bureau, &g.id, 2026).await;
    assert_eq!(status, "met", "{reason}");
    // The founding parties' years read as before, and their agreement is the one it was.
    assert_eq!(
        [
            verdict(&app, &bureau, &g.id, 2024).await,
            verdict(&app, &bureau, &g.id, 2025).await,
        ],
        earlier
    );
    let tripartite = expect(
        app.api_get(&school, &format!("/api/v1/groups/{}/agreement", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tripartite["id"], "supp-test-agreement");
    assert_eq!(tripartite["signed_on"], "2024-01-20");
    assert_eq!(tripartite["parties"].as_array().unwrap().len(), 4);

    // Corrected: the 修改记录 names the supplementary agreement and the changed date.
    let r = send(
        &app,
        &school,
        Method::PUT,
        &path,
        json!({"signed_on": "2026-06-25", "notes": "原件存镇政府", "parties": [g.university, g.town, xinmin]}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["id"], id.as_str());
    let h = expect(
        app.api_get(
            &school,
            &format!("/api/v1/groups/{}/records/agreement/{id}/history", g.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["录入补充协议", "修改补充协议"]);
    let changes = h[1]["changes"].to_string();
    assert!(changes.contains("2026-06-20 → 2026-06-25"), "{changes}");
    assert_eq!(audit_count(&app, "supplementary_agreement.create").await, 1);
    assert_eq!(audit_count(&app, "agreement.update").await, 0);

    // Scans added and one removed, through the API.
    let form = Form::new().part("scans", Part::bytes(PDF.to_vec()).file_name("补充协议.pdf"));
    let r = app
        .client
        .post(app.url(&format!("{path}/scans")))
        .bearer_auth(&school)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let with_scan = expect(r, StatusCode::OK).await;
    let scan = with_scan["scans"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(with_scan["signed_on"], "2026-06-25", "the date is kept");
    let r = send(
        &app,
        &school,
        Method::DELETE,
        &format!("{path}/scans/{}", uuid::Uuid::new_v4()),
        Value::Null,
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &school,
        Method::DELETE,
        &format!("{path}/scans/{scan}"),
        Value::Null,
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;

    // Withdrawn: gone, the year not met again; the tripartite agreement stays.
    let r = send(&app, &school, Method::DELETE, &path, Value::Null).await;
    expect(r, StatusCode::NO_CONTENT).await;
    let r = send(&app, &school, Method::DELETE, &path, Value::Null).await;
    expect(r, StatusCode::NOT_FOUND).await;
    assert!(expect(app.api_get(&school, &path).await, StatusCode::OK).await["id"].is_null());
    assert_eq!(verdict(&app, &bureau, &g.id, 2026).await.0, "not_met");
    assert_eq!(
        audit_count(&app, "supplementary_agreement.withdraw").await,
        1
    );
    assert_eq!(
        (
            app.count("agreements").await,
            app.count("agreement_parties").await
        ),
        (1, 4)
    );
}

async fn wrong_supplementary_agreements_are_refused_naming_their_fields(app: TestApp) {
    let g = group4(&app).await;
    let (adjustment, xinmin) = village_added(&app, &g).await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    let school = app.api_token("gdmu", PASSWORD).await;
    let town = app.api_token("tangxia", PASSWORD).await;
    let other = app.api_token("gdst", PASSWORD).await;
    let path = |gid: &str, adj: &str| format!("/api/v1/groups/{gid}/adjustments/{adj}/agreement");
    let good = json!({"signed_on": "2026-06-10", "parties": [g.university, g.town, xinmin]});

    // An adjustment that only ended a membership (the old village leaves): no one owes a
    // supplementary agreement for it.
    let t = expect(
        app.api_get(&hq, &format!("/api/v1/groups/{}/timeline", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    let old = t["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["org"]["id"] == g.village.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        &hq,
        Method::POST,
        &format!("/api/v1/groups/{}/adjustments", g.id),
        json!({
            "grounds": "willingness", "decided_by": "市指挥部2026年第2次会议",
            "effective_on": "2026-06-10", "end": [old],
        }),
    )
    .await;
    let ended_only = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let group2 = app.group_id(2).await;
    for p in [
        path(&g.id, &ended_only),
        // Group 4's adjustment under group 2.
        path(&group2, &adjustment),
        path(&g.id, &uuid::Uuid::new_v4().to_string()),
        path(&g.id, "not-a-uuid"),
    ] {
        let r = send(&app, &bureau, Method::PUT, &p, good.clone()).await;
        assert_eq!(
            expect(r, StatusCode::NOT_FOUND).await["error"],
            "not_found",
            "{p}"
        );
        expect(app.api_get(&bureau, &p).await, StatusCode::NOT_FOUND).await;
        let r = send(&app, &bureau, Method::DELETE, &p, Value::Null).await;
        expect(r, StatusCode::NOT_FOUND).await;
    }

    // Signed before the adjustment took effect; without the village it added.
    let p = path(&g.id, &adjustment);
    let r = send(
        &app,
        &school,
        Method::PUT,
        &p,
        json!({"signed_on": "2026-05-20", "parties": [g.university, g.town, xinmin]}),
    )
    .await;
    let errs = fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "签署日期");
    assert!(errs[0].1.contains("调整生效日期 2026-06-01"), "{errs:?}");
    let r = send(
        &app,
        &school,
        Method::PUT,
        &p,
        json!({"signed_on": "2026-06-10", "parties": [g.university, g.town]}),
    )
    .await;
    let errs = fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    assert_eq!(errs[0].0, "签约各方");
    assert!(errs[0].1.contains("新民社区"), "{errs:?}");
    // An organisation that is no member of the group.
    let r = send(
        &app,
        &school,
        Method::PUT,
        &p,
        json!({"signed_on": "2026-06-10", "parties": [g.university, xinmin, uuid::Uuid::new_v4().to_string()]}),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await)[0].0,
        "签约各方"
    );

    // Who may write: the group's schools and the bureau, as for the tripartite agreement.
    for (who, status) in [
        (&town, StatusCode::FORBIDDEN),
        (&hq, StatusCode::FORBIDDEN),
        (&other, StatusCode::NOT_FOUND),
    ] {
        let r = send(&app, who, Method::PUT, &p, good.clone()).await;
        expect(r, status).await;
    }
    expect(app.api_get(&town, &p).await, StatusCode::OK).await;
    expect(app.api_get(&other, &p).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("agreements").await, 0, "nothing stored");
    let r = send(&app, &bureau, Method::PUT, &p, good.clone()).await;
    expect(r, StatusCode::OK).await;
    let r = send(&app, &town, Method::DELETE, &p, Value::Null).await;
    expect(r, StatusCode::FORBIDDEN).await;
    // One per adjustment: saving again corrects it.
    let r = send(&app, &school, Method::PUT, &p, good.clone()).await;
    expect(r, StatusCode::OK).await;
    assert_eq!(app.count("agreements").await, 1);
    // It is no tripartite agreement: the group still has none.
    let tri = expect(
        app.api_get(&school, &format!("/api/v1/groups/{}/agreement", g.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(tri["id"].is_null(), "{tri}");
}

fn location(r: &Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn post_multipart(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Response {
    let csrf = app.csrf_of(client).await;
    let mut form = Form::new().text("csrf_token", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, name, bytes) in files {
        form = form.part(
            field.to_string(),
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn the_supplementary_agreement_on_the_web(app: TestApp) {
    let g = group4(&app).await;
    let (adjustment, xinmin) = village_added(&app, &g).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let town = app.web_client("tangxia", PASSWORD).await;
    let tripartite = format!("/groups/{}/agreement", g.id);
    let path = format!("{tripartite}/supplementary/{adjustment}");

    // Under the tripartite agreement: the adjustment, who joined, the deadline, unsigned.
    let page = app.page(&school, &tripartite).await;
    let section = &page[page
        .find("id=\"supplementary\"")
        .expect("a 补充协议 section")..];
    for text in [
        "2026-06-01",
        "新民社区",
        "2026-07-01",
        "未签署",
        "登记补充协议",
    ] {
        assert!(section.contains(text), "{text}: {section}");
    }
    assert!(section.contains(&format!("href=\"{path}\"")), "{section}");
    // The adjustments page links to it from the adjustment's deadline.
    let adjustments = app
        .page(&school, &format!("/groups/{}/adjustments", g.id))
        .await;
    assert!(
        adjustments.contains(&format!("<a href=\"{path}\">补充协议</a>")),
        "{adjustments}"
    );

    // Its own page: the form posts to it, the village that joined chosen.
    let form = app.page(&school, &path).await;
    assert!(form.contains("登记补充协议") && form.contains("name=\"csrf_token\""));
    assert!(form.contains(&format!("action=\"{path}\"")), "{form}");
    assert!(
        form.contains(&format!("value=\"{xinmin}\" checked")),
        "the added village is chosen"
    );
    assert!(form.contains("签署期限：2026-07-01"));

    // Signed before it took effect: refused, the field named, nothing stored.
    let parties = [
        ("parties", g.university.as_str()),
        ("parties", g.town.as_str()),
        ("parties", xinmin.as_str()),
    ];
    let mut early = vec![("signed_on", "2026-05-31")];
    early.extend_from_slice(&parties);
    let r = post_multipart(&app, &school, &path, &early, &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("签署日期不能早于调整生效日期 2026-06-01")
            && text.contains("href=\"#f-signed_on\""),
        "{text}"
    );
    assert_eq!(app.count("agreements").await, 0);

    // Recorded with a scan.
    let mut signed = vec![("signed_on", "2026-06-10")];
    signed.extend_from_slice(&parties);
    let r = post_multipart(
        &app,
        &school,
        &path,
        &signed,
        &[("scans", "补充协议.pdf", PDF)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{path}?saved=agreement_saved#saved"));
    let shown = app.page(&school, &path).await;
    for text in [
        "修改补充协议",
        "补充协议.pdf",
        "录入补充协议",
        "上传补充协议扫描件",
        "已签署（按期）",
    ] {
        assert!(shown.contains(text), "{text}: {shown}");
    }
    let page = app.page(&school, &tripartite).await;
    assert!(page.contains("已签署 2026-06-10"), "{page}");
    // The tripartite agreement is still to be recorded.
    assert!(page.contains("登记协议"), "{page}");

    // The town reads it, with no form and no withdrawal, and may not write.
    let read = app.page(&town, &path).await;
    assert!(read.contains("2026-06-10") && !read.contains("/withdraw"));
    let r = post_multipart(&app, &town, &path, &signed, &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .get_with(
            &school,
            &format!("{tripartite}/supplementary/{}", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Withdrawn after a confirmation page: the agreement and its scan go.
    let confirm = app.page(&school, &format!("{path}/withdraw")).await;
    assert!(
        confirm.contains("撤回补充协议（误录）")
            && confirm.contains(&format!("action=\"{path}/withdraw\""))
            && confirm.contains("新民社区"),
        "{confirm}"
    );
    let csrf = app.csrf_of(&school).await;
    let r = school
        .post(app.url(&format!("{path}/withdraw")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("{path}?saved=agreement_withdrawn#saved")
    );
    assert_eq!(
        (
            app.count("agreements").await,
            app.count("attachments").await
        ),
        (0, 0)
    );
    assert_eq!(
        audit_count(&app, "supplementary_agreement.withdraw").await,
        1
    );
}

/// A database that held agreements before 0028: the rebuilt table keeps them and their parties,
/// one tripartite agreement per group still, and its writes still move the data version and the
/// group's version (the compliance matrix's kept judgement depends on both).
async fn migration_0028_keeps_the_agreements_and_their_triggers(app: TestApp) {
    use sqlx::Row;
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = crate::helpers::fresh_database_url(app.backend, dir.path())
        .await
        .unwrap();
    let store = xiaodi::store::Store::connect(&url).await.unwrap();
    let migrator = match app.backend {
        Db::Sqlite => sqlx::migrate!("migrations/sqlite"),
        Db::Postgres => sqlx::migrate!("migrations/postgres"),
    };
    migrator.run_to(27, store.pool()).await.unwrap();
    store
        .load_preset(
            xiaodi::domain::plan::DONGGUAN_2023_PLAN,
            &xiaodi::startup::preset_pairing_rows().unwrap(),
            &xiaodi::store::Actor::system("t"),
            1_700_000_000_000,
        )
        .await
        .unwrap();
    let groups: Vec<String> =
        sqlx::query_scalar("select id from pairing_groups order by number limit 2")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let members = |g: &str| {
        sqlx::query_scalar::<_, String>(
            "select org_id from group_memberships where group_id = $1 order by org_id",
        )
        .bind(g.to_string())
    };
    let mut parties = 0;
    for (i, g) in groups.iter().enumerate() {
        sqlx::query(
            "insert into agreements (id, group_id, signed_on, notes, created_at, updated_at)
             values ($1, $2, '2024-01-20', $3, 1, 2)",
        )
        .bind(format!("before-0028-{i}"))
        .bind(g.clone())
        .bind(format!("原件{i}"))
        .execute(store.pool())
        .await
        .unwrap();
        for org in members(g).fetch_all(store.pool()).await.unwrap() {
            sqlx::query("insert into agreement_parties (agreement_id, org_id) values ($1, $2)")
                .bind(format!("before-0028-{i}"))
                .bind(org)
                .execute(store.pool())
                .await
                .unwrap();
            parties += 1;
        }
    }
    store.migrate().await.unwrap();

    // Every row as it was, with no adjustment: each group's tripartite agreement.
    let rows = sqlx::query(
        "select id, group_id, signed_on, notes, created_at, updated_at, adjustment_id
         from agreements order by id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.get::<String, _>("id"), format!("before-0028-{i}"));
        assert_eq!(r.get::<String, _>("group_id"), groups[i]);
        assert_eq!(r.get::<String, _>("signed_on"), "2024-01-20");
        assert_eq!(r.get::<String, _>("notes"), format!("原件{i}"));
        assert_eq!(
            (r.get::<i64, _>("created_at"), r.get::<i64, _>("updated_at")),
            (1, 2)
        );
        assert!(r.get::<Option<String>, _>("adjustment_id").is_none());
    }
    let kept: i64 = sqlx::query_scalar("select count(*) from agreement_parties")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(kept, parties);
    if app.backend == Db::Sqlite {
        let broken = sqlx::query("pragma foreign_key_check")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert!(broken.is_empty(), "foreign keys hold after the rebuild");
        let triggers: Vec<String> = sqlx::query_scalar(
            "select name from sqlite_master where type = 'trigger' and tbl_name = 'agreements'
             order by name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(
            triggers,
            [
                "data_version_agreements_delete",
                "data_version_agreements_insert",
                "data_version_agreements_update"
            ]
        );
    }

    // Still one tripartite agreement per group.
    let second = sqlx::query(
        "insert into agreements (id, group_id, created_at, updated_at) values ('second', $1, 0, 0)",
    )
    .bind(groups[0].clone())
    .execute(store.pool())
    .await;
    assert!(second.is_err(), "a second tripartite agreement of a group");

    // A write to an agreement, to one of its parties, moves the version and the group's.
    let group_version = |g: String| {
        let pool = store.pool().clone();
        async move {
            sqlx::query("select n from group_versions where group_id = $1")
                .bind(g)
                .fetch_optional(&pool)
                .await
                .unwrap()
                .map(|r| r.get::<i64, _>("n"))
                .unwrap_or(0)
        }
    };
    for sql in [
        "update agreements set signed_on = '2024-01-21' where id = 'before-0028-0'",
        "delete from agreement_parties where agreement_id = 'before-0028-0'
         and org_id = (select min(org_id) from agreement_parties where agreement_id = 'before-0028-0')",
        "delete from agreement_parties where agreement_id = 'before-0028-1'",
        "delete from agreements where id = 'before-0028-1'",
    ] {
        let target = if sql.contains("before-0028-0") { 0 } else { 1 };
        let (v0, g0) = (
            store.data_version().await.unwrap(),
            group_version(groups[target].clone()).await,
        );
        sqlx::query(sql).execute(store.pool()).await.unwrap();
        let v1 = store.data_version().await.unwrap();
        assert!(v1 > v0, "{sql}: the version stood");
        let g1 = group_version(groups[target].clone()).await;
        assert!(g1 > g0, "{sql}: the group's version stood");
    }
}
