//! 驻镇(含驻村)服务 entries that forgive mistakes (issue 8): correcting an entry on the web and
//! through the API (checked as a new one, its members and dedup key kept in step, a
//! confirmation cleared), withdrawing one, and a town's or village's withdrawal of its own
//! confirmation; with the saved notices, the error summary and the 修改记录; on both databases.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

/// The page a redirect leads to, after checking it goes to `#saved` with `key`.
async fn saved_page(app: &TestApp, client: &Client, resp: Response, key: &str) -> String {
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let Some(to) = location else {
        panic!("{status}: {}", resp.text().await.unwrap());
    };
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.contains(&format!("saved={key}")) && to.ends_with("#saved"),
        "{to}"
    );
    app.get_with(client, &to).await.text().await.unwrap()
}

async fn get_page(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let r = app.get_with(client, path).await;
    (r.status(), r.text().await.unwrap())
}

/// Group 1 (凤岗镇 with 雁田村, and 南面村 of 谢岗镇) and its school's user on the web.
struct Setup {
    gid: String,
    school: Client,
    town: String,
    yantian: String,
    nanmian: String,
    /// 王队长 and 赵一 (from 2024-01-10), 钱二 and 孙三 (from 2024-06-01).
    wang: String,
    zhao: String,
    qian: String,
    sun: String,
}

async fn org(app: &TestApp, name: &str) -> String {
    app.text(
        "select o.id from organisations o where o.name = $1",
        &[name],
    )
    .await
}

async fn setup(app: &TestApp) -> Setup {
    let gid = app.group_id(1).await;
    let school_org = org(app, "广东酒店管理职业技术学院").await;
    app.add_user("hotel", "广东酒店管理职业技术学院", "school")
        .await;
    let school = app.web_client("hotel", PASSWORD).await;
    let mut ids = Vec::new();
    for (name, role, title, joined) in [
        ("王队长", "captain", "senior", "2024-01-10"),
        ("赵一", "member", "intermediate", "2024-01-10"),
        ("钱二", "member", "intermediate", "2024-06-01"),
        ("孙三", "member", "intermediate", "2024-06-01"),
    ] {
        let r = post_form(
            app,
            &school,
            &format!("/groups/{gid}/team"),
            &[
                ("person_name", name),
                ("org_id", &school_org),
                ("role", role),
                ("title", title),
                ("joined_on", joined),
                ("phone", "13800131234"),
            ],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        ids.push(
            app.text(
                "select id from team_members where person_name = $1",
                &[name],
            )
            .await,
        );
    }
    Setup {
        town: org(app, "凤岗镇").await,
        yantian: org(app, "雁田村").await,
        nanmian: org(app, "南面村").await,
        wang: ids[0].clone(),
        zhao: ids[1].clone(),
        qian: ids[2].clone(),
        sun: ids[3].clone(),
        gid,
        school,
    }
}

/// Records an entry through the form; returns its id.
async fn add_entry(
    app: &TestApp,
    s: &Setup,
    (from, to, place): (&str, &str, &str),
    members: &[&str],
    content: &str,
) -> String {
    let mut fields = vec![
        ("date_from", from),
        ("date_to", to),
        ("place", place),
        ("content", content),
    ];
    fields.extend(members.iter().map(|m| ("members", *m)));
    let r = post_form(
        app,
        &s.school,
        &format!("/groups/{}/onsite", s.gid),
        &fields,
    )
    .await;
    let page = saved_page(app, &s.school, r, "onsite_added").await;
    assert!(
        page.contains("已保存：驻镇(含驻村)服务记录已登记"),
        "{page}"
    );
    app.text(
        "select id from onsite_entries where date_from = $1 and content = $2",
        &[from, content],
    )
    .await
}

/// Everything recorded of the on-site entries, and a check of the invariant that
/// `member_ids` is the entry's member rows.
async fn entries_state(app: &TestApp) -> Vec<String> {
    use sqlx::Row;
    let pool = app.store().pool();
    let rows = sqlx::query(
        "select id, date_from, date_to, place_org_id, content, member_ids, dedup_key, confirmed_by, confirmed_at
         from onsite_entries order by id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get("id").unwrap();
        let member_ids: String = r.try_get("member_ids").unwrap();
        let members: Vec<String> = sqlx::query(
            "select member_id from onsite_entry_members where entry_id = $1 order by member_id",
        )
        .bind(&id)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|m| m.try_get("member_id").unwrap())
        .collect();
        let mut listed: Vec<String> = member_ids.split(',').map(str::to_string).collect();
        listed.sort();
        assert_eq!(listed, members, "member_ids in step with the member rows");
        out.push(format!(
            "{id}|{}|{}|{}|{}|{member_ids}|{}|{:?}|{:?}",
            r.try_get::<String, _>("date_from").unwrap(),
            r.try_get::<String, _>("date_to").unwrap(),
            r.try_get::<String, _>("place_org_id").unwrap(),
            r.try_get::<String, _>("content").unwrap(),
            r.try_get::<String, _>("dedup_key").unwrap(),
            r.try_get::<Option<String>, _>("confirmed_by").unwrap(),
            r.try_get::<Option<i64>, _>("confirmed_at").unwrap(),
        ));
    }
    out
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.text(
        "select cast(count(*) as text) from audit_events where action = $1",
        &[action],
    )
    .await
    .parse()
    .unwrap()
}

async fn an_entry_is_corrected_on_the_web(app: TestApp) {
    let s = setup(&app).await;
    let e = add_entry(
        &app,
        &s,
        ("2024-03-01", "2024-03-02", &s.yantian),
        &[&s.wang],
        "调研",
    )
    .await;
    let list = format!("/groups/{}/onsite?year=2024", s.gid);
    let edit = format!("/groups/{}/onsite/{e}/edit", s.gid);
    let (_, page) = get_page(&app, &s.school, &list).await;
    assert!(
        page.contains(&format!("href=\"{edit}\"")),
        "a 修改 link per row"
    );

    // The form comes filled with the entry as recorded, with its 修改记录.
    let (status, form) = get_page(&app, &s.school, &edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("id=\"f-date_from\" name=\"date_from\" value=\"2024-03-01\""));
    assert!(form.contains("id=\"f-date_to\" name=\"date_to\" value=\"2024-03-02\""));
    assert!(form.contains(&format!("value=\"{}\" selected", s.yantian)));
    assert!(form.contains(&format!("value=\"{}\" checked", s.wang)));
    assert!(!form.contains(&format!("value=\"{}\" checked", s.zhao)));
    assert!(form.contains(">调研</textarea>"));
    assert!(form.contains("修改记录") && form.contains("登记驻镇(含驻村)服务"));

    // Every wrong field at once; what was typed stays; nothing changes.
    let before = entries_state(&app).await;
    let r = post_form(
        &app,
        &s.school,
        &edit,
        &[
            ("date_from", "2024-13-01"),
            ("date_to", ""),
            ("place", ""),
            ("members", &s.zhao),
            ("content", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("未能保存：有 3 处需要修改"), "{page}");
    for link in ["#f-date_from", "#f-place", "#f-content"] {
        assert!(page.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(page.contains(
        "id=\"f-date_from\" name=\"date_from\" value=\"2024-13-01\" required aria-invalid=\"true\""
    ));
    assert!(
        page.contains(&format!("value=\"{}\" checked", s.zhao)),
        "the chosen member kept"
    );
    assert!(!page.contains(&format!("value=\"{}\" checked", s.wang)));
    assert_eq!(entries_state(&app).await, before);

    // Each member not on the team on those days is named, not only the first.
    let r = post_form(
        &app,
        &s.school,
        &edit,
        &[
            ("date_from", "2024-03-01"),
            ("date_to", "2024-03-02"),
            ("place", &s.yantian),
            ("members", &s.qian),
            ("members", &s.sun),
            ("content", "调研"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("钱二 在 2024-03-01–2024-03-02 期间不在队中"),
        "{page}"
    );
    assert!(
        page.contains("孙三 在 2024-03-01–2024-03-02 期间不在队中"),
        "{page}"
    );
    assert!(page.contains("href=\"#f-members\""));
    assert!(page.contains(&format!("value=\"{}\" checked", s.qian)));
    assert_eq!(entries_state(&app).await, before);

    // The correction: other days, another place, two members, other content.
    let r = post_form(
        &app,
        &s.school,
        &edit,
        &[
            ("date_from", "2024-03-05"),
            ("date_to", "2024-03-06"),
            ("place", &s.nanmian),
            ("members", &s.wang),
            ("members", &s.zhao),
            ("content", "义诊"),
        ],
    )
    .await;
    let page = saved_page(&app, &s.school, r, "onsite_updated").await;
    assert!(page.contains("已保存：驻镇(含驻村)服务记录已更正。"));
    let saved_at = page.find("id=\"saved\"").unwrap();
    let list_at = page.find("<table class=\"list onsite\"").unwrap();
    assert!(saved_at < list_at, "the notice stands above the entries");
    let after = entries_state(&app).await;
    assert_eq!(after.len(), 1);
    let mut both = [s.wang.clone(), s.zhao.clone()];
    both.sort();
    assert!(
        after[0].starts_with(&format!(
            "{e}|2024-03-05|2024-03-06|{}|义诊|{}|",
            s.nanmian,
            both.join(",")
        )),
        "{after:?}"
    );
    assert_eq!(audited(&app, "onsite.update").await, 1);

    // The same values again change nothing and write nothing.
    let r = post_form(
        &app,
        &s.school,
        &edit,
        &[
            ("date_from", "2024-03-05"),
            ("date_to", "2024-03-06"),
            ("place", &s.nanmian),
            ("members", &s.zhao),
            ("members", &s.wang),
            ("content", " 义诊 "),
        ],
    )
    .await;
    saved_page(&app, &s.school, r, "onsite_unchanged").await;
    assert_eq!(audited(&app, "onsite.update").await, 1);
    assert_eq!(entries_state(&app).await, after);

    // The history: the creation and the correction, ids shown by name.
    let (_, form) = get_page(&app, &s.school, &edit).await;
    let history = &form[form.find("修改记录").unwrap()..];
    assert!(history.contains("<strong>hotel</strong>"), "{history}");
    assert!(history.contains("修改驻镇(含驻村)服务"), "{history}");
    assert!(
        history.contains("开始日期：2024-03-01 → 2024-03-05"),
        "{history}"
    );
    assert!(history.contains("服务地点：雁田村 → 南面村"), "{history}");
    assert!(
        history.contains("服务内容：调研 → 义诊") || history.contains("内容：调研 → 义诊"),
        "{history}"
    );
    let members_line = history
        .lines()
        .flat_map(|l| l.split("<li>"))
        .find(|l| l.starts_with("在场队员：王队长 → "))
        .unwrap_or_else(|| panic!("{history}"));
    assert!(members_line.contains("赵一") && !members_line.contains(&s.zhao));
    assert!(!history.contains(&s.nanmian), "no ids in the history");
    assert!(
        !history.contains(&s.gid),
        "the group by its number: {history}"
    );
    assert!(history.contains("结对组：第 "), "{history}");
}

async fn a_correction_keeps_the_same_service_impossible_twice(app: TestApp) {
    let s = setup(&app).await;
    let first = add_entry(&app, &s, ("2024-03-01", "", &s.yantian), &[&s.wang], "调研").await;
    let second = add_entry(&app, &s, ("2024-04-01", "", &s.yantian), &[&s.wang], "座谈").await;
    // Correcting the second into the first is refused, and changes nothing.
    let before = entries_state(&app).await;
    let r = post_form(
        &app,
        &s.school,
        &format!("/groups/{}/onsite/{second}/edit", s.gid),
        &[
            ("date_from", "2024-03-01"),
            ("place", &s.yantian),
            ("members", &s.wang),
            ("content", "调研"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("完全相同"), "{page}");
    assert_eq!(entries_state(&app).await, before);

    // The first corrected: its new values are taken, its old ones free again.
    let token = app.api_token("hotel", PASSWORD).await;
    let path = format!("/api/v1/groups/{}/onsite/{first}", s.gid);
    let r = send(
        &app,
        &token,
        Method::PUT,
        &path,
        json!({"date_from": "2024-03-02", "place_org_id": s.yantian, "member_ids": [s.wang], "content": "调研"}),
    )
    .await;
    expect(r, StatusCode::OK).await;
    let add = format!("/api/v1/groups/{}/onsite", s.gid);
    let r = send(
        &app,
        &token,
        Method::POST,
        &add,
        json!({"date_from": "2024-03-02", "place_org_id": s.yantian, "member_ids": [s.wang], "content": "调研"}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.to_string().contains("完全相同"), "{body}");
    let r = send(
        &app,
        &token,
        Method::POST,
        &add,
        json!({"date_from": "2024-03-01", "place_org_id": s.yantian, "member_ids": [s.wang], "content": "调研"}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    assert_eq!(entries_state(&app).await.len(), 3);
}

async fn an_entry_is_corrected_through_the_api(app: TestApp) {
    let s = setup(&app).await;
    let e = add_entry(
        &app,
        &s,
        ("2024-03-01", "2024-03-02", &s.yantian),
        &[&s.wang],
        "调研",
    )
    .await;
    let token = app.api_token("hotel", PASSWORD).await;
    let path = format!("/api/v1/groups/{}/onsite/{e}", s.gid);

    // Every wrong field in `fields`, each member at fault named; nothing changes.
    let before = entries_state(&app).await;
    let r = send(
        &app,
        &token,
        Method::PUT,
        &path,
        json!({"date_from": "2024-03-01", "date_to": "2024-02-01", "place_org_id": s.yantian,
               "member_ids": [s.wang], "content": ""}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["结束日期", "服务内容"], "{body}");
    let r = send(
        &app,
        &token,
        Method::PUT,
        &path,
        json!({"date_from": "2024-03-01", "place_org_id": s.yantian,
               "member_ids": [s.qian, s.sun], "content": "调研"}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["fields"].as_array().unwrap().len(), 2, "{body}");
    let r = send(
        &app,
        &token,
        Method::PUT,
        &path,
        json!({"date_from": "2024-03-01", "place_org_id": s.yantian, "member_ids": [s.wang],
               "content": "调研", "confirmed": false}),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(entries_state(&app).await, before);

    let r = send(
        &app,
        &token,
        Method::PUT,
        &path,
        json!({"date_from": "2024-03-03", "date_to": "2024-03-04", "place_org_id": s.town,
               "member_ids": [s.zhao, s.wang], "content": "规划"}),
    )
    .await;
    let body = expect(r, StatusCode::OK).await;
    assert_eq!(body["changed"], true);
    assert_eq!(body["confirmation_cleared"], false);
    assert_eq!(body["entry"]["date_from"], "2024-03-03");
    assert_eq!(body["entry"]["days"], 2);
    assert_eq!(body["entry"]["place"]["name"], "凤岗镇");
    assert_eq!(body["entry"]["members"].as_array().unwrap().len(), 2);
    let r = send(
        &app,
        &token,
        Method::PUT,
        &path,
        json!({"date_from": "2024-03-03", "date_to": "2024-03-04", "place_org_id": s.town,
               "member_ids": [s.wang, s.zhao], "content": "规划"}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["changed"], false);
    assert_eq!(audited(&app, "onsite.update").await, 1);
    entries_state(&app).await;

    // Its history through the API: the creation and the correction, by name.
    let r = app
        .api_get(
            &token,
            &format!("/api/v1/groups/{}/records/onsite_entry/{e}/history", s.gid),
        )
        .await;
    let history = expect(r, StatusCode::OK).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["登记驻镇(含驻村)服务", "修改驻镇(含驻村)服务"]);
    let changes = history[1]["changes"].to_string();
    assert!(changes.contains("服务地点：雁田村 → 凤岗镇"), "{changes}");
    assert!(
        changes.contains("赵一") && !changes.contains(&s.zhao),
        "{changes}"
    );

    // Who may not: another group's path (404), an unknown entry (404), a town user (403), HQ (403).
    let other = app.group_id(4).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let good = json!({"date_from": "2024-03-09", "place_org_id": s.town, "member_ids": [s.wang], "content": "x"});
    let r = send(
        &app,
        &admin,
        Method::PUT,
        &format!("/api/v1/groups/{other}/onsite/{e}"),
        good.clone(),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &token,
        Method::PUT,
        &format!("/api/v1/groups/{other}/onsite/{e}"),
        good.clone(),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &token,
        Method::PUT,
        &format!(
            "/api/v1/groups/{}/onsite/0190b1d2-0000-7000-8000-000000000000",
            s.gid
        ),
        good.clone(),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    app.add_user("fenggang", "凤岗镇", "town").await;
    let town = app.api_token("fenggang", PASSWORD).await;
    let r = send(&app, &town, Method::PUT, &path, good.clone()).await;
    expect(r, StatusCode::FORBIDDEN).await;
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let r = send(&app, &hq, Method::PUT, &path, good.clone()).await;
    expect(r, StatusCode::FORBIDDEN).await;
    // The bureau may correct.
    let r = send(&app, &admin, Method::PUT, &path, good).await;
    assert_eq!(expect(r, StatusCode::OK).await["changed"], true);
    assert_eq!(audited(&app, "onsite.update").await, 2);
}

async fn the_web_edit_refuses_other_groups_and_read_only_roles(app: TestApp) {
    let s = setup(&app).await;
    let e = add_entry(&app, &s, ("2024-03-01", "", &s.yantian), &[&s.wang], "调研").await;
    let before = entries_state(&app).await;
    let fields = [
        ("date_from", "2024-03-09"),
        ("place", s.yantian.as_str()),
        ("members", s.wang.as_str()),
        ("content", "改"),
    ];
    // Another group's path, with the bureau (who sees every group): not found.
    let other = app.group_id(4).await;
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let elsewhere = format!("/groups/{other}/onsite/{e}/edit");
    assert_eq!(
        get_page(&app, &bureau, &elsewhere).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_form(&app, &bureau, &elsewhere, &fields).await.status(),
        StatusCode::NOT_FOUND
    );
    // A school of another group does not see this one.
    app.add_user("gdmu", "广东医科大学", "school").await;
    let stranger = app.web_client("gdmu", PASSWORD).await;
    let edit = format!("/groups/{}/onsite/{e}/edit", s.gid);
    assert_eq!(
        get_page(&app, &stranger, &edit).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_form(&app, &stranger, &edit, &fields).await.status(),
        StatusCode::NOT_FOUND
    );
    // The town sees the group but may not change the school's records.
    app.add_user("fenggang", "凤岗镇", "town").await;
    let town = app.web_client("fenggang", PASSWORD).await;
    assert_eq!(get_page(&app, &town, &edit).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        post_form(&app, &town, &edit, &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    let (_, list) = get_page(&app, &town, &format!("/groups/{}/onsite?year=2024", s.gid)).await;
    assert!(!list.contains("/edit\""), "no 修改 for those who may not");
    assert_eq!(entries_state(&app).await, before);
    assert_eq!(audited(&app, "onsite.update").await, 0);
}

async fn correcting_a_confirmed_entry_clears_the_confirmation(app: TestApp) {
    let s = setup(&app).await;
    let e = add_entry(&app, &s, ("2024-03-01", "", &s.yantian), &[&s.wang], "调研").await;
    app.add_user("yantian", "雁田村", "village").await;
    let village = app.web_client("yantian", PASSWORD).await;
    let r = post_form(
        &app,
        &village,
        &format!("/groups/{}/onsite/{e}/confirm", s.gid),
        &[],
    )
    .await;
    let page = saved_page(&app, &village, r, "onsite_confirmed").await;
    assert!(page.contains("已确认：该驻镇(含驻村)服务记录已确认。"));

    // Withdrawing it is refused, saying what to do instead.
    let delete = format!("/groups/{}/onsite/{e}/delete", s.gid);
    let (status, page) = get_page(&app, &s.school, &delete).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("撤销确认") && !page.contains("确认删除"),
        "{page}"
    );
    let r = post_form(&app, &s.school, &delete, &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("请联系确认的镇(街道)或村(社区)")
    );
    let token = app.api_token("hotel", PASSWORD).await;
    let r = send(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/groups/{}/onsite/{e}", s.gid),
        Value::Null,
    )
    .await;
    let body = expect(r, StatusCode::CONFLICT).await;
    assert!(
        body["message"].as_str().unwrap().contains("撤销确认"),
        "{body}"
    );

    // The edit page says the correction needs a new confirmation.
    let edit = format!("/groups/{}/onsite/{e}/edit", s.gid);
    let (_, form) = get_page(&app, &s.school, &edit).await;
    assert!(
        form.contains("该记录已由 yantian 测试 于 ") && form.contains("确认；修改后需重新确认"),
        "{form}"
    );
    let r = post_form(
        &app,
        &s.school,
        &edit,
        &[
            ("date_from", "2024-03-01"),
            ("place", &s.yantian),
            ("members", &s.wang),
            ("members", &s.zhao),
            ("content", "调研"),
        ],
    )
    .await;
    let list = saved_page(&app, &s.school, r, "onsite_updated").await;
    assert!(list.contains("待确认"));
    let confirmed = app
        .text(
            "select coalesce(cast(confirmed_at as text), 'none') from onsite_entries where id = $1",
            &[&e],
        )
        .await;
    assert_eq!(confirmed, "none");
    let before_json = app
        .text(
            "select before_json from audit_events where action = 'onsite.update'",
            &[],
        )
        .await;
    assert!(
        before_json.contains("\"confirmed\":true") && before_json.contains("yantian 测试"),
        "the audit keeps the confirmation: {before_json}"
    );
    let (_, form) = get_page(&app, &s.school, &edit).await;
    assert!(form.contains("已确认：是 → 否"), "{form}");
    assert!(!form.contains("修改后需重新确认"));
    // Unconfirmed again, it may now be withdrawn.
    let r = post_form(&app, &s.school, &delete, &[]).await;
    saved_page(&app, &s.school, r, "onsite_withdrawn").await;
    assert!(entries_state(&app).await.is_empty());
}

async fn a_confirmation_is_withdrawn_by_its_own_locality_only(app: TestApp) {
    let s = setup(&app).await;
    let e = add_entry(&app, &s, ("2024-03-01", "", &s.yantian), &[&s.wang], "调研").await;
    let (path, api) = (
        format!("/groups/{}/onsite/{e}/unconfirm", s.gid),
        format!("/api/v1/groups/{}/onsite/{e}/confirmation", s.gid),
    );
    app.add_user("yantian", "雁田村", "village").await;
    app.add_user("nanmian", "南面村", "village").await;
    app.add_user("fenggang", "凤岗镇", "town").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    let yantian = app.api_token("yantian", PASSWORD).await;
    let nanmian = app.api_token("nanmian", PASSWORD).await;
    let town = app.api_token("fenggang", PASSWORD).await;
    let outsider = app.api_token("fhg", PASSWORD).await;
    let school = app.api_token("hotel", PASSWORD).await;

    // Nothing to withdraw yet.
    let r = send(&app, &yantian, Method::DELETE, &api, Value::Null).await;
    expect(r, StatusCode::CONFLICT).await;
    let confirm = format!("/api/v1/groups/{}/onsite/{e}/confirm", s.gid);
    let r = send(&app, &yantian, Method::POST, &confirm, Value::Null).await;
    expect(r, StatusCode::NO_CONTENT).await;
    let before = entries_state(&app).await;

    // Another village of the group, the lead town (it did not confirm), the school: 403; a
    // village outside the group does not see it: 404.
    for who in [&nanmian, &town, &school] {
        let r = send(&app, who, Method::DELETE, &api, Value::Null).await;
        expect(r, StatusCode::FORBIDDEN).await;
    }
    let r = send(&app, &outsider, Method::DELETE, &api, Value::Null).await;
    expect(r, StatusCode::NOT_FOUND).await;
    let other_village = app.web_client("nanmian", PASSWORD).await;
    assert_eq!(
        get_page(&app, &other_village, &path).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_form(&app, &other_village, &path, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let list = format!("/groups/{}/onsite?year=2024", s.gid);
    let (_, page) = get_page(&app, &other_village, &list).await;
    assert!(!page.contains(&path));
    assert_eq!(entries_state(&app).await, before);
    assert_eq!(audited(&app, "onsite.unconfirm").await, 0);

    // The village that confirmed: a link, a confirmation page, then the notice.
    let village = app.web_client("yantian", PASSWORD).await;
    let (_, page) = get_page(&app, &village, &list).await;
    assert!(page.contains(&format!("href=\"{path}\"")), "{page}");
    let (status, page) = get_page(&app, &village, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("确认撤销") && page.contains("调研"));
    let r = post_form(&app, &village, &path, &[]).await;
    let page = saved_page(&app, &village, r, "onsite_unconfirmed").await;
    assert!(page.contains("已撤销确认") && page.contains("确认属实"));
    assert_eq!(audited(&app, "onsite.unconfirm").await, 1);
    let r = send(&app, &yantian, Method::DELETE, &api, Value::Null).await;
    expect(r, StatusCode::CONFLICT).await;

    // The lead town may confirm service in the village; then the town, not the village, withdraws.
    let r = send(&app, &town, Method::POST, &confirm, Value::Null).await;
    expect(r, StatusCode::NO_CONTENT).await;
    let r = send(&app, &yantian, Method::DELETE, &api, Value::Null).await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(&app, &town, Method::DELETE, &api, Value::Null).await;
    expect(r, StatusCode::NO_CONTENT).await;
    assert_eq!(audited(&app, "onsite.unconfirm").await, 2);

    // The history keeps each confirmation and its withdrawal.
    let r = app
        .api_get(
            &school,
            &format!("/api/v1/groups/{}/records/onsite_entry/{e}/history", s.gid),
        )
        .await;
    let history = expect(r, StatusCode::OK).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "登记驻镇(含驻村)服务",
            "确认驻镇(含驻村)服务",
            "撤销确认驻镇(含驻村)服务",
            "确认驻镇(含驻村)服务",
            "撤销确认驻镇(含驻村)服务",
        ]
    );
    // Unconfirmed, the school may withdraw it.
    let r = send(
        &app,
        &school,
        Method::DELETE,
        &format!("/api/v1/groups/{}/onsite/{e}", s.gid),
        Value::Null,
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
}

async fn the_add_form_keeps_everything_after_an_error(app: TestApp) {
    let s = setup(&app).await;
    let list = format!("/groups/{}/onsite", s.gid);
    let (_, page) = get_page(&app, &s.school, &list).await;
    assert!(
        page.contains("id=\"f-date_from\" name=\"date_from\" value=\"\""),
        "no day pre-filled"
    );
    let r = post_form(
        &app,
        &s.school,
        &list,
        &[
            ("date_from", "2024-03-01"),
            ("date_to", "2024-03-01"),
            ("place", &s.yantian),
            ("members", &s.qian),
            ("members", &s.sun),
            ("content", "调研"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("未能保存：有 2 处需要修改"), "{page}");
    assert!(page.contains("钱二 在") && page.contains("孙三 在"));
    assert!(page.contains(&format!("value=\"{}\" checked", s.qian)));
    assert!(page.contains(&format!("value=\"{}\" checked", s.sun)));
    assert!(page.contains(&format!("value=\"{}\" selected", s.yantian)));
    assert!(page.contains(">调研</textarea>"));
    assert!(!page.contains("class=\"alert\""), "the old alert is gone");
    assert!(entries_state(&app).await.is_empty());
}

on_both!(
    an_entry_is_corrected_on_the_web,
    a_correction_keeps_the_same_service_impossible_twice,
    an_entry_is_corrected_through_the_api,
    the_web_edit_refuses_other_groups_and_read_only_roles,
    correcting_a_confirmed_entry_clears_the_confirmation,
    a_confirmation_is_withdrawn_by_its_own_locality_only,
    the_add_form_keeps_everything_after_an_error,
);
