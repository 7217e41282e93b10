//! The JSON API writes a group's records through the same services as the web forms: the same
//! validation (every field error at once), authorisation and audit. And every route it serves is
//! in its OpenAPI document, and nothing else is.

use crate::helpers::{PASSWORD, TestApp, expect, group4, send};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn multipart(app: &TestApp, token: &str, path: &str, form: Form) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The fields a 422 names, in order.
fn fields(body: &Value) -> Vec<String> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("a fields list: {body}"))
        .iter()
        .map(|f| {
            assert!(!f["message"].as_str().unwrap().is_empty());
            f["field"].as_str().unwrap().to_string()
        })
        .collect()
}

fn member(name: &str, org: &str, role: &str, title: &str, leader: bool) -> Value {
    json!({
        "person_name": name, "org_id": org, "role": role, "title": title,
        "school_leader": leader, "phone": "13800131234", "joined_on": "2024-01-01",
    })
}

/// Audit events of `action` by `actor`.
async fn audited(app: &TestApp, action: &str, actor: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("select count(*) as n from audit_events where action = $1 and actor_name = $2")
        .bind(action)
        .bind(actor)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nphoto";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n";

/// Group 4 meets every rule of 2024, recorded through the API alone.
async fn a_school_meets_every_rule_through_the_api(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let t = app.api_token("gdmu", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);

    // 四(二): the agreement, signed by every member within a month of the start.
    let a = expect(
        send(
            &app,
            &t,
            Method::PUT,
            &format!("{base}/agreement"),
            json!({
                "signed_on": "2024-01-20", "notes": "四方签署",
                "parties": [g.university, g.vocational, g.town, g.village],
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["signed_on"], "2024-01-20");
    assert_eq!(a["parties"].as_array().unwrap().len(), 4);
    assert_eq!(a["deadline"], "2024-01-29");
    let a = expect(
        multipart(
            &app,
            &t,
            &format!("{base}/agreement/scans"),
            Form::new().part("scans", Part::bytes(PDF.to_vec()).file_name("协议.pdf")),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        a["signed_on"], "2024-01-20",
        "adding scans keeps the agreement"
    );
    let scan = &a["scans"][0];
    assert_eq!(scan["file_name"], "协议.pdf");
    assert_eq!(scan["content_type"], "application/pdf");
    let download = app.api_get(&t, scan["url"].as_str().unwrap()).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);
    let got = expect(
        app.api_get(&t, &format!("{base}/agreement")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got["scans"].as_array().unwrap().len(), 1);
    assert!(
        got["parties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "东莞市电子科技学校")
    );
    // The agreement's 修改记录: its recording, then the scans added, names not ids.
    let agreement_id = got["id"].as_str().unwrap();
    let history = expect(
        app.api_get(
            &t,
            &format!("{base}/records/agreement/{agreement_id}/history"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let history = history.as_array().unwrap();
    assert!(history.len() >= 2, "{history:?}");
    assert_eq!(history[0]["action"], "录入协议");
    let first: Vec<&str> = history[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        first.iter().any(|c| c.starts_with("签订日期：2024-01-20")),
        "{first:?}"
    );
    assert!(
        first.iter().any(|c| c.contains("东莞市电子科技学校")),
        "parties by name: {first:?}"
    );
    // Another kind, an unknown kind or another group's record: not found.
    for path in [
        format!("{base}/records/team_member/{agreement_id}/history"),
        format!("{base}/records/widget/{agreement_id}/history"),
    ] {
        assert_eq!(app.api_get(&t, &path).await.status(), StatusCode::NOT_FOUND);
    }

    // 四(一): a captain and a vice-captain who are school-level leaders, four titled members.
    let mut ids = Vec::new();
    for m in [
        member("王队长", &g.university, "captain", "senior", true),
        member(
            "李副队长",
            &g.vocational,
            "vice_captain",
            "vice_senior",
            true,
        ),
        member("赵一", &g.university, "member", "intermediate", false),
        member("钱二", &g.university, "member", "vice_senior", false),
        member("孙三", &g.vocational, "member", "intermediate", false),
        member("周四", &g.vocational, "member", "senior", false),
    ] {
        let r = send(&app, &t, Method::POST, &format!("{base}/team"), m).await;
        ids.push(
            expect(r, StatusCode::CREATED).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let team = expect(
        app.api_get(&t, &format!("{base}/team")).await,
        StatusCode::OK,
    )
    .await;
    let team = team.as_array().unwrap();
    assert_eq!(team.len(), 6);
    let phone = |name: &str| {
        team.iter().find(|m| m["person_name"] == name).unwrap()["phone"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(phone("王队长"), "13800131234", "their own school's members");
    assert_eq!(phone("李副队长"), "138****1234", "another school's, masked");

    // 四(二): at least 90 days on site in 2024 (an entry is at most 92 days).
    for (from, to, place, who) in [
        ("2024-03-01", "2024-05-31", &g.town, &ids[0]),
        ("2024-06-01", "2024-06-30", &g.village, &ids[2]),
    ] {
        let r = send(
            &app,
            &t,
            Method::POST,
            &format!("{base}/onsite"),
            json!({
                "date_from": from, "date_to": to, "place_org_id": place,
                "member_ids": [who], "content": "驻镇开展医疗服务",
            }),
        )
        .await;
        expect(r, StatusCode::CREATED).await;
    }
    let onsite = expect(
        app.api_get(&t, &format!("{base}/onsite?year=2024")).await,
        StatusCode::OK,
    )
    .await;
    let entries = onsite["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["days"], 92);
    assert_eq!(entries[0]["members"][0]["name"], "王队长");

    // 三(一): a practice base opened in 2024.
    let form = Form::new()
        .text("name", "凤凰岗乡村振兴实践基地")
        .text("place_org_id", g.village.clone())
        .text("functions", "red_education")
        .text("functions", "internship")
        .text("opened_on", "2024-04-18")
        .part("photos", Part::bytes(PNG.to_vec()).file_name("揭牌.png"));
    expect(
        multipart(&app, &t, &format!("{base}/bases"), form).await,
        StatusCode::CREATED,
    )
    .await;
    let bases = expect(
        app.api_get(&t, &format!("{base}/bases")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        bases[0]["functions"],
        json!(["red_education", "internship"])
    );
    assert_eq!(bases[0]["photos"][0]["content_type"], "image/png");

    // 五(一): the 2024 annual plan, and two joint meetings of 2024, the first adopting it.
    expect(
        send(
            &app,
            &t,
            Method::PUT,
            &format!("{base}/annual-plans/2024"),
            json!({"notes": "医教融合、驻村服务"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for (held_on, adopts) in [("2024-02-26", true), ("2024-10-15", false)] {
        expect(
            send(
                &app,
                &t,
                Method::POST,
                &format!("{base}/meetings"),
                json!({"held_on": held_on, "place": "塘厦镇人民政府",
                       "attending_org_ids": [g.university, g.town, g.village],
                       "adopts_annual_plan": adopts}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }

    let checks = expect(
        app.api_get(&t, &format!("{base}/checks?year=2024")).await,
        StatusCode::OK,
    )
    .await;
    let checks = checks["checks"].as_array().unwrap();
    let ids: BTreeSet<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "agreement",
            "team-size",
            "team-captain",
            "team-vice",
            "team-title",
            "onsite",
            "base",
            "meetings",
            "annual-plan",
            "escalation",
            "evaluation",
            "publicity"
        ])
    );
    for c in checks {
        // No major matter arose in 2024: escalation has nothing to judge. HQ has not finalised
        // 2024's evaluation, due by 2025-03-31 (its to do, not the school's), and publicity is
        // advisory.
        let expected = match c["id"].as_str() {
            Some("escalation") => "not_applicable",
            Some("evaluation") => "not_met",
            Some("publicity") => "advisory",
            _ => "met",
        };
        assert_eq!(c["status"], expected, "{c}");
    }

    // Audited as the browser's writes are, under the API caller's name.
    assert_eq!(audited(&app, "agreement.create", "gdmu").await, 1);
    // Scans added later are an entry of their own on the agreement, not a correction.
    assert_eq!(audited(&app, "agreement.scan_add", "gdmu").await, 1);
    assert_eq!(audited(&app, "agreement.update", "gdmu").await, 0);
    assert_eq!(audited(&app, "team_member.create", "gdmu").await, 6);
    assert_eq!(audited(&app, "onsite.create", "gdmu").await, 2);
    assert_eq!(audited(&app, "base.create", "gdmu").await, 1);
    assert_eq!(audited(&app, "meeting.create", "gdmu").await, 2);
    assert_eq!(audited(&app, "annual_plan.create", "gdmu").await, 1);

    // The members on site kept on each entry (what the rules count) are those of the join table
    // (what the pages list).
    use sqlx::Row;
    let rows = sqlx::query("select id, member_ids from onsite_entries")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let id: String = r.try_get("id").unwrap();
        let mut kept: Vec<String> = r
            .try_get::<String, _>("member_ids")
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        kept.sort();
        let mut joined: Vec<String> = sqlx::query(
            "select member_id from onsite_entry_members where entry_id = $1 order by member_id",
        )
        .bind(&id)
        .fetch_all(app.store().pool())
        .await
        .unwrap()
        .iter()
        .map(|m| m.try_get("member_id").unwrap())
        .collect();
        joined.sort();
        assert!(!joined.is_empty());
        assert_eq!(kept, joined, "entry {id}");
    }
}

/// Who may not write is refused before anything is read from the body; wrong input is refused
/// with every field error and writes nothing.
async fn api_writes_are_refused_and_checked(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    let school = app.api_token("gdmu", PASSWORD).await;
    let town = app.api_token("tangxia", PASSWORD).await;
    let other = app.api_token("gdst", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);
    let agreement = json!({ "signed_on": "2024-01-20", "parties": [g.university, g.town] });
    let captain = member("王队长", &g.university, "captain", "senior", true);
    // Writes only: the reads below (the town's look at the team) are audited as `view`.
    let writes_audited = "audit_events where action not in ('view', 'export', 'download')";
    let audit_before = app.count(writes_audited).await;
    let tables = [
        "agreements",
        "team_members",
        "onsite_entries",
        "practice_bases",
        "attachments",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(app.count(t).await);
    }

    // A town user reads the group but may not record its work.
    for (method, path, body) in [
        (Method::PUT, format!("{base}/agreement"), agreement.clone()),
        (Method::POST, format!("{base}/team"), captain.clone()),
        (Method::POST, format!("{base}/onsite"), json!({})),
    ] {
        let r = send(&app, &town, method, &path, body).await;
        assert_eq!(
            expect(r, StatusCode::FORBIDDEN).await["error"],
            "forbidden",
            "{path}"
        );
    }
    let r = multipart(
        &app,
        &town,
        &format!("{base}/bases"),
        Form::new().text("name", "x"),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    expect(
        app.api_get(&town, &format!("{base}/team")).await,
        StatusCode::OK,
    )
    .await;
    // A school of another group does not see it at all.
    for (method, path, body) in [
        (Method::PUT, format!("{base}/agreement"), agreement.clone()),
        (Method::POST, format!("{base}/team"), captain.clone()),
        (Method::GET, format!("{base}/onsite"), Value::Null),
    ] {
        let r = send(&app, &other, method, &path, body).await;
        assert_eq!(
            expect(r, StatusCode::NOT_FOUND).await["error"],
            "not_found",
            "{path}"
        );
    }

    // Every wrong field at once, in the domain's words.
    let r = send(
        &app,
        &school,
        Method::PUT,
        &format!("{base}/agreement"),
        json!({ "signed_on": "2026-07-01", "notes": "字".repeat(2001), "parties": [g.university] }),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["签署日期", "备注", "签约各方"]
    );
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("{base}/team"),
        json!({ "person_name": "", "org_id": g.town, "role": "boss", "title": "高级",
                "phone": "12345", "joined_on": "2099-01-01" }),
    )
    .await;
    let named = fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    for f in [
        "姓名",
        "队内职务",
        "职称",
        "手机号码",
        "加入日期",
        "所在单位",
    ] {
        assert!(named.iter().any(|n| n == f), "{f} in {named:?}");
    }
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("{base}/onsite"),
        json!({ "date_from": "2024-01-01", "date_to": "2024-04-02", "place_org_id": g.university,
                "member_ids": [], "content": " " }),
    )
    .await;
    let named = fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    assert_eq!(
        named,
        ["结束日期", "服务地点", "在场队员", "服务内容"],
        "93 days and more"
    );
    let form = Form::new()
        .text("name", "")
        .text("place_org_id", g.university.clone())
        .text("opened_on", "2024-04-18")
        .part("photos", Part::bytes(PDF.to_vec()).file_name("a.png"));
    let r = multipart(&app, &school, &format!("{base}/bases"), form).await;
    let named = fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    for f in ["基地名称", "所在地", "基地功能", "基地照片"] {
        assert!(named.iter().any(|n| n == f), "{f} in {named:?}");
    }
    let r = multipart(
        &app,
        &school,
        &format!("{base}/agreement/scans"),
        Form::new().part("scans", Part::bytes(PDF.to_vec()).file_name("a.pdf")),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["协议扫描件"]
    );
    // A body that is not JSON names 请求体.
    let r = app
        .client
        .post(app.url(&format!("{base}/team")))
        .bearer_auth(&school)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["请求体"]
    );
    // Nothing was written by any of it, and nothing audited.
    for (t, n) in tables.iter().zip(&before) {
        assert_eq!(app.count(t).await, *n, "{t}");
    }
    assert_eq!(app.count(writes_audited).await, audit_before);
    assert_eq!(
        std::fs::read_dir(app.data_dir.join("files"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no file of a refused upload is kept"
    );

    // Withdrawing: an entry entered by mistake goes, a confirmed one stays.
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("{base}/team"),
        captain,
    )
    .await;
    let captain = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut entries = Vec::new();
    for day in ["2024-03-01", "2024-03-02"] {
        let r = send(
            &app,
            &school,
            Method::POST,
            &format!("{base}/onsite"),
            json!({ "date_from": day, "place_org_id": g.town, "member_ids": [captain],
                    "content": "义诊" }),
        )
        .await;
        entries.push(
            expect(r, StatusCode::CREATED).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let confirm = format!("{base}/onsite/{}/confirm", entries[0]);
    let r = send(&app, &school, Method::POST, &confirm, Value::Null).await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(&app, &town, Method::POST, &confirm, Value::Null).await;
    expect(r, StatusCode::NO_CONTENT).await;
    let r = send(&app, &town, Method::POST, &confirm, Value::Null).await;
    expect(r, StatusCode::CONFLICT).await;
    let r = send(
        &app,
        &town,
        Method::DELETE,
        &format!("{base}/onsite/{}", entries[1]),
        Value::Null,
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(
        &app,
        &school,
        Method::DELETE,
        &format!("{base}/onsite/{}", entries[0]),
        Value::Null,
    )
    .await;
    assert_eq!(expect(r, StatusCode::CONFLICT).await["error"], "conflict");
    let r = send(
        &app,
        &school,
        Method::DELETE,
        &format!("{base}/onsite/{}", entries[1]),
        Value::Null,
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
    let r = send(
        &app,
        &school,
        Method::DELETE,
        &format!("{base}/onsite/{}", entries[1]),
        Value::Null,
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let listed = expect(
        app.api_get(&school, &format!("{base}/onsite?year=2024"))
            .await,
        StatusCode::OK,
    )
    .await;
    let listed = listed["entries"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["confirmed"], true);
    assert_eq!(audited(&app, "onsite.confirm", "tangxia").await, 1);
    assert_eq!(audited(&app, "onsite.delete", "gdmu").await, 1);

    // Leaving: after joining, once.
    let leave = format!("{base}/team/{captain}/leave");
    let r = send(
        &app,
        &school,
        Method::POST,
        &leave,
        json!({ "left_on": "2023-01-01" }),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["离队日期"]
    );
    let r = send(
        &app,
        &school,
        Method::POST,
        &leave,
        json!({ "left_on": "2024-06-01" }),
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
    let r = send(
        &app,
        &school,
        Method::POST,
        &leave,
        json!({ "left_on": "2024-06-01" }),
    )
    .await;
    expect(r, StatusCode::CONFLICT).await;
    assert_eq!(audited(&app, "team_member.leave", "gdmu").await, 1);
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("{base}/team/nobody/leave"),
        json!({ "left_on": "2024-06-01" }),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
}

/// A file is downloaded only by those who may see its group.
async fn files_follow_their_group(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    let school = app.api_token("gdmu", PASSWORD).await;
    let other = app.api_token("gdst", PASSWORD).await;
    let form = Form::new()
        .text("name", "基地")
        .text("place_org_id", g.village.clone())
        .text("functions", "other")
        .text("opened_on", "2024-04-18")
        .part("photos", Part::bytes(PNG.to_vec()).file_name("p.png"));
    let path = format!("/api/v1/groups/{}/bases", g.id);
    expect(
        multipart(&app, &school, &path, form).await,
        StatusCode::CREATED,
    )
    .await;
    let bases = expect(app.api_get(&school, &path).await, StatusCode::OK).await;
    let url = bases[0]["photos"][0]["url"].as_str().unwrap().to_string();
    let mine = app.api_get(&school, &url).await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(mine.headers()["content-type"], "image/png");
    assert_eq!(mine.bytes().await.unwrap().as_ref(), PNG);
    expect(app.api_get(&other, &url).await, StatusCode::NOT_FOUND).await;
    let r = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// The OpenAPI document and the router list the same operations: each documented operation is
/// served (never the 404 or 405 fallback) and each path answers 405 to every other method.
async fn every_route_is_documented_and_nothing_else(app: TestApp) {
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    // A path parameter is one the path names; every other parameter is an optional query one.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                let want = if in_path { "path" } else { "query" };
                assert_eq!(p["in"], want, "{method} {path} {name}");
                if !in_path {
                    assert_ne!(p["required"], true, "{method} {path} {name}");
                }
            }
        }
    }
    let per_page = &doc["paths"]["/api/v1/groups"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "per_page")
        .unwrap()["schema"];
    assert_eq!(
        (per_page["minimum"].as_f64(), per_page["maximum"].as_f64()),
        (Some(1.0), Some(500.0))
    );
    let routed: Vec<(String, String)> = xiaodi::api::operations();
    let routed_set: BTreeSet<(String, String)> = routed.iter().cloned().collect();
    assert_eq!(routed.len(), routed_set.len(), "each operation routed once");
    let undocumented: Vec<_> = routed_set.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed_set).collect();
    assert!(
        undocumented.is_empty(),
        "routed, not documented: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");
    for want in [
        ("PUT", "/api/v1/groups/{id}/agreement"),
        ("POST", "/api/v1/groups/{id}/agreement/scans"),
        ("POST", "/api/v1/groups/{id}/team/{member}/leave"),
        ("DELETE", "/api/v1/groups/{id}/onsite/{entry}"),
        ("POST", "/api/v1/groups/{id}/onsite/{entry}/confirm"),
        ("POST", "/api/v1/groups/{id}/bases"),
        ("GET", "/api/v1/files/{id}"),
        ("GET", "/api/openapi.json"),
    ] {
        assert!(
            routed_set.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?}"
        );
    }
    // The live router agrees: without a token each operation answers (401, or 422/200 for the
    // ones that need none), never the fallbacks.
    let paths: BTreeSet<&String> = routed_set.iter().map(|(_, p)| p).collect();
    for path in paths {
        let concrete = path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["GET", "PUT", "POST", "DELETE", "PATCH"] {
            let resp = app
                .client
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    app.url(&concrete),
                )
                .send()
                .await
                .unwrap();
            let status = resp.status();
            // A public item read by a made-up id is the item's 404, not the router's: the
            // other methods on the same path answering 405 show the router knows the path.
            let public_item = path.starts_with("/api/v1/public/") && path.contains('{');
            if routed_set.contains(&(method.to_string(), path.clone())) {
                assert!(
                    (status != StatusCode::NOT_FOUND || public_item)
                        && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            }
        }
    }
    // Request and response schemas are named for the writes.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "AgreementRequest",
        "TeamMemberRequest",
        "OnsiteRequest",
        "BaseUpload",
        "ErrorBody",
        "FieldErrorBody",
        "Created",
    ] {
        assert!(schemas.contains_key(s), "{s}");
    }
    assert!(
        doc["paths"]["/api/v1/groups/{id}/bases"]["post"]["requestBody"]["content"]
            ["multipart/form-data"]
            .is_object()
    );
}

/// The on-site page's sheet import has its API twin: all rows or none, every row error named,
/// the same limits on the sheet, and only the group's schools may use it.
async fn the_onsite_sheet_imports_through_the_api(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    let t = app.api_token("gdmu", PASSWORD).await;
    let town = app.api_token("tangxia", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);
    let r = send(
        &app,
        &t,
        Method::POST,
        &format!("{base}/team"),
        member("王队长", &g.university, "captain", "senior", true),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    let import = |token: String, csv: Vec<u8>| {
        let app = &app;
        let path = format!("{base}/onsite/import");
        async move {
            let form = Form::new().part("file", Part::bytes(csv).file_name("驻点.csv"));
            multipart(app, &token, &path, form).await
        }
    };
    let header = "开始日期,结束日期,服务地点,在场队员,服务内容\n";
    let bad = format!(
        "{header}2024-03-01,2024-03-02,塘厦镇,王队长,调研\n2024-03-05,2024-03-05,新民社区,王队长,越界\n"
    );
    let body = expect(
        import(t.clone(), bad.into_bytes()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&body), vec!["第 3 行 服务地点".to_string()]);
    assert_eq!(app.count("onsite_entries").await, 0, "all rows or none");

    let good = format!("{header}2024-03-01,2024-03-02,塘厦镇,王队长,调研\n");
    let r = expect(
        import(town, good.clone().into_bytes()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(r["error"], "forbidden");
    let r = expect(import(t.clone(), good.into_bytes()).await, StatusCode::OK).await;
    assert_eq!(r["imported"], 1);
    assert_eq!(app.count("onsite_entries").await, 1);

    let r = expect(
        import(t.clone(), b"PK\x03\x04 not a zip".to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&r), vec!["驻镇(含驻村)服务表".to_string()]);
    let r = multipart(
        &app,
        &t,
        &format!("{base}/onsite/import"),
        Form::new().text("x", "y"),
    )
    .await;
    assert_eq!(
        expect(r, StatusCode::UNPROCESSABLE_ENTITY).await["error"],
        "invalid"
    );
}

on_both!(
    the_onsite_sheet_imports_through_the_api,
    a_school_meets_every_rule_through_the_api,
    api_writes_are_refused_and_checked,
    files_follow_their_group,
    every_route_is_documented_and_nothing_else,
);

/// The router of `/api` gets its routes from the `operations!` list alone: a `.route(`, `.nest(`,
/// `.merge(` or `.route_service(` written anywhere else in `src/api` would add a route that
/// neither `xiaodi::api::operations()` nor the OpenAPI document knows.
#[test]
fn api_routes_come_only_from_the_operations_list() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = vec![];
    let mut dirs = vec![dir];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut calls = vec![];
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for call in [
                ".route(",
                ".nest(",
                ".merge(",
                ".route_service(",
                ".nest_service(",
            ] {
                if code.contains(call) {
                    calls.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert_eq!(
        calls.len(),
        1,
        "only the operations! macro adds routes:\n{}",
        calls.join("\n")
    );
    assert!(
        calls[0].contains("let router = router.route("),
        "{}",
        calls[0]
    );
}
