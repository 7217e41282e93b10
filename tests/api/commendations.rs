//! 表彰 (五(三), issue 12) on both stores: HQ nominates 优秀集体 and 先进个人, corrects, approves
//! and withdraws; nobody else may; a member organisation reads only the approved ones of its
//! groups and people, and a school exports its people's for its title-review files.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(hq_nominates_and_approves_and_each_reads_their_own);

const HQ: &str = "东莞市“百千万工程”指挥部办公室";

async fn hq_nominates_and_approves_and_each_reads_their_own(app: TestApp) {
    app.add_user("hq1", HQ, "hq").await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("dgut", "东莞理工学院", "school").await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let gdmu = app.api_token("gdmu", PASSWORD).await;
    let dgut = app.api_token("dgut", PASSWORD).await;
    let g = group4(&app).await;
    // A member of group 4's team in 2025 (广东医科大学), and one who joined only in 2026.
    let member = |name: &str, joined: &str| {
        json!({"person_name": name, "org_id": g.university, "role": "member", "title": "intermediate",
               "school_leader": false, "joined_on": joined})
    };
    let li = expect(
        send(
            &app,
            &bureau,
            Method::POST,
            &format!("/api/v1/groups/{}/team", g.id),
            member("李医生", "2024-03-01"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let late = expect(
        send(
            &app,
            &bureau,
            Method::POST,
            &format!("/api/v1/groups/{}/team", g.id),
            member("赵医生", "2026-02-01"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let nominate = |token: &str, body: Value| {
        let token = token.to_string();
        let app = &app;
        async move { send(app, &token, Method::POST, "/api/v1/commendations", body).await }
    };
    let person = json!({"year": 2025, "kind": "individual", "group_id": g.id, "team_member_id": li,
                        "citation": "全年驻村开展义诊 40 余场"});
    let collective =
        json!({"year": 2025, "kind": "collective", "group_id": g.id, "citation": "合作成效突出"});

    // Only HQ nominates.
    let before = app.count("commendations").await;
    for token in [&bureau, &gdmu] {
        assert_eq!(
            nominate(token, person.clone()).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    // Every wrong field at once; nothing kept.
    let r = nominate(
        &hq,
        json!({"year": 2026, "kind": "gold", "group_id": "x", "citation": " "}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["year", "kind", "citation", "group_id"], "{body}");
    // A member not on the team in the year.
    let mut wrong = person.clone();
    wrong["team_member_id"] = json!(late);
    let body = expect(nominate(&hq, wrong).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["fields"][0]["field"], "team_member_id", "{body}");
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2025 年不在服务工作队中")
    );
    assert_eq!(app.count("commendations").await, before);

    let person_id = expect(nominate(&hq, person.clone()).await, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let group_id = expect(nominate(&hq, collective.clone()).await, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // One standing nomination per person (and per group) and year.
    assert_eq!(
        nominate(&hq, person.clone()).await.status(),
        StatusCode::CONFLICT
    );

    // Nominations are HQ's and the bureau's to read; the school sees nothing until approved.
    let list = |token: &str| {
        let token = token.to_string();
        let app = &app;
        async move {
            expect(
                app.api_get(&token, "/api/v1/commendations?year=2025").await,
                StatusCode::OK,
            )
            .await
        }
    };
    assert_eq!(list(&bureau).await.as_array().unwrap().len(), 2);
    assert_eq!(list(&gdmu).await.as_array().unwrap().len(), 0);
    // HQ corrects the citation while it waits; nobody else can.
    let path = format!("/api/v1/commendations/{person_id}");
    let r = send(&app, &bureau, Method::PUT, &path, json!({"citation": "改"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(
        &app,
        &hq,
        Method::PUT,
        &path,
        json!({"citation": "全年驻村开展义诊 42 场"}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["changed"], true);
    // Approve one, withdraw the other (it stays on record).
    for token in [&bureau, &gdmu] {
        let r = send(
            &app,
            token,
            Method::POST,
            &format!("{path}/approve"),
            json!({}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = send(
        &app,
        &hq,
        Method::POST,
        &format!("{path}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = send(
        &app,
        &hq,
        Method::POST,
        &format!("/api/v1/commendations/{group_id}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Decided is decided.
    let r = send(
        &app,
        &hq,
        Method::POST,
        &format!("{path}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = send(&app, &hq, Method::PUT, &path, json!({"citation": "再改"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let all = list(&hq).await;
    let states: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 2);
    assert!(states.contains(&"approved") && states.contains(&"withdrawn"));
    // A group approved as 优秀集体: its town (a member in 2025) reads it, another group's does not.
    let g2 = app.group_id(2).await;
    let mut second = collective.clone();
    second["group_id"] = json!(g2);
    let g2_nomination = expect(nominate(&hq, second).await, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        &hq,
        Method::POST,
        &format!("/api/v1/commendations/{g2_nomination}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.add_user("tangxia", "塘厦镇", "town").await;
    let town = app.api_token("tangxia", PASSWORD).await;
    assert_eq!(
        list(&town).await.as_array().unwrap().len(),
        0,
        "group 4's town, group 2's item"
    );
    let g2_town = expect(
        app.api_get(&bureau, &format!("/api/v1/groups/{g2}")).await,
        StatusCode::OK,
    )
    .await["members"]["town"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    app.add_user("g2town", &g2_town, "town").await;
    let g2_town = app.api_token("g2town", PASSWORD).await;
    let theirs = list(&g2_town).await;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(theirs[0]["kind"], "collective");

    // A withdrawn group may be nominated again.
    let again = expect(nominate(&hq, collective).await, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The school reads its own person's approved commendation; another school nothing.
    let mine = list(&gdmu).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["person_name"], "李医生");
    assert_eq!(mine[0]["school"], "广东医科大学");
    assert_eq!(mine[0]["citation"], "全年驻村开展义诊 42 场");
    assert_eq!(list(&dgut).await.as_array().unwrap().len(), 0);
    // Its 修改记录: nominated, the citation corrected, approved; read by whoever reads it.
    let id = mine[0]["id"].as_str().unwrap();
    let history = expect(
        app.api_get(&gdmu, &format!("/api/v1/commendations/{id}/history"))
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "提名表彰（优秀集体或先进个人）",
            "修改表彰提名的事迹",
            "批准表彰"
        ],
        "{history}"
    );
    assert!(
        history[1]["changes"]
            .to_string()
            .contains("全年驻村开展义诊 42 场"),
        "{history}"
    );
    assert_eq!(
        app.api_get(&dgut, &format!("/api/v1/commendations/{id}/history"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = app.api_get(&gdmu, "/api/v1/commendations?year=1999").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The school's export: its person, for its title-review files.
    let web = app.web_client("gdmu", PASSWORD).await;
    let page = app.page(&web, &format!("/commendations/{id}")).await;
    assert!(
        page.contains("李医生") && page.contains("修改记录") && page.contains("批准表彰"),
        "{page}"
    );
    let r = web
        .get(app.url("/commendations/export.xlsx?year=2025"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("表彰").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][1], "先进个人");
    assert_eq!(rows[1][3], "李医生");
    assert_eq!(rows[1][4], "广东医科大学");
    // The page shows it, without HQ's forms.
    let page = app.page(&web, "/commendations?year=2025").await;
    assert!(page.contains("李医生"));
    assert!(!page.contains("提名表彰"));

    // HQ's web form: a wrong nomination is named, a right one kept.
    let hq_web = app.web_client("hq1", PASSWORD).await;
    let r = post_form(
        &app,
        &hq_web,
        "/commendations",
        &[
            ("year", "2025"),
            ("kind", "individual"),
            ("group_id", &g.id),
            ("team_member_id", ""),
            ("citation", "好"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("应为该结对组服务工作队的队员")
    );
    let confirm = app
        .page(&hq_web, &format!("/commendations/{again}/withdraw"))
        .await;
    assert!(confirm.contains("确认撤销"));
    // An approved one has nothing to withdraw.
    let r = hq_web
        .get(app.url(&format!("/commendations/{person_id}/withdraw")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
