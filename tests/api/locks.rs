//! 五(三) locks: once a school's monthly report for a month is accepted, the records of its groups
//! dated in that month cannot be added, corrected (into or out of the month) or withdrawn, on the
//! web or through the API, for every dated record kind; the months around it, and groups the
//! school is not in, stay open. A school asks to unlock its own accepted report; the bureau grants
//! (the report goes back to 退回, the records may be corrected) or refuses (the lock stays).

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    every_record_kind_is_locked_through_the_api,
    the_web_forms_show_the_lock,
    only_the_school_asks_and_only_the_bureau_decides,
    a_granted_unlock_opens_the_month_and_a_refused_one_keeps_it,
);

const MESSAGE: &str =
    "2026年5月的月度进展报告（广东医科大学）已通过审核，该月记录已锁定；如需更正，请申请解锁";

/// Group 4 with its university's user (广东医科大学), a school of group 2 (广东科技学院), the
/// town of group 4 (塘厦镇) and the bureau.
struct Cast {
    g: Group4,
    school: Client,
    school_token: String,
    other_token: String,
    town_token: String,
    bureau: Client,
    bureau_token: String,
    /// A team member of group 4 (for on-site entries).
    member: String,
    /// A project of group 4 started in January (not locked), for progress updates.
    project: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    app.add_user("txz", "塘厦镇", "town").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let r = post_form(
        app,
        &school,
        &format!("/groups/{}/team", g.id),
        &[
            ("person_name", "赵一"),
            ("org_id", &g.university),
            ("role", "member"),
            ("title", "intermediate"),
            ("joined_on", "2024-01-10"),
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
    let member = app
        .text(
            "select id from team_members where person_name = $1",
            &["赵一"],
        )
        .await;
    let school_token = app.api_token("gdmu", PASSWORD).await;
    let r = send(
        app,
        &school_token,
        Method::POST,
        &format!("/api/v1/groups/{}/projects", g.id),
        json!({"title": "乡村医生培训", "area": 5, "lead_org_id": g.university, "starts_on": "2026-01-10", "status": "active"}),
    )
    .await;
    let project = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    Cast {
        school,
        school_token,
        other_token: app.api_token("gdst", PASSWORD).await,
        town_token: app.api_token("txz", PASSWORD).await,
        bureau: app.web_client("admin", ADMIN_PASSWORD).await,
        bureau_token: app.api_token("admin", ADMIN_PASSWORD).await,
        member,
        project,
        g,
    }
}

/// Until the report workflow is merged: an accepted report of `school` for `month`, written
/// straight into the store (version 1, first submitted on the 20th of the month after).
async fn accept_report(app: &TestApp, school: &str, month: &str) -> String {
    let plan = app.text("select id from plans", &[]).await;
    let admin = app
        .text("select id from users where username = $1", &["admin"])
        .await;
    let id = uuid::Uuid::new_v4().to_string();
    let at = app.clock.now_ms() - 86_400_000;
    sqlx::query(
        "insert into monthly_reports (id, plan_id, school_id, month, state, version, first_submitted_at,
             last_submitted_at, reviewed_at, reviewed_by, review_comment, created_at, updated_at)
         values ($1, $2, $3, $4, 'accepted', 1, $5, $5, $5, $6, '', $5, $5)",
    )
    .bind(id.as_str())
    .bind(plan.as_str())
    .bind(school)
    .bind(month)
    .bind(at)
    .bind(admin.as_str())
    .execute(app.store().pool())
    .await
    .expect("insert an accepted report");
    id
}

async fn report_state(app: &TestApp, id: &str) -> (String, String, i64) {
    use sqlx::Row;
    let r = sqlx::query("select state, review_comment, version from monthly_reports where id = $1")
        .bind(id)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    (
        r.try_get("state").unwrap(),
        r.try_get("review_comment").unwrap(),
        r.try_get("version").unwrap(),
    )
}

/// A record's JSON body dated `date`, with `text` in a field that is not the date.
type Body = Box<dyn Fn(&str, &str) -> Value>;

/// One dated record kind through the API: where its records are, and a body dated `date`
/// (`text` varies a field that is not the date, to make a correction).
struct Kind {
    name: &'static str,
    table: &'static str,
    path: String,
    body: Body,
}

fn kinds(c: &Cast) -> Vec<Kind> {
    let gid = c.g.id.clone();
    let (uni, town, member) = (c.g.university.clone(), c.g.town.clone(), c.member.clone());
    let uni2 = uni.clone();
    let uni3 = uni.clone();
    let village = c.g.village.clone();
    vec![
        Kind {
            name: "expense",
            table: "expenses",
            path: format!("/api/v1/groups/{gid}/expenses"),
            body: Box::new(
                move |d, t| json!({"spent_on": d, "amount": "120.00", "payer_org_id": uni, "kind": "transport", "notes": t}),
            ),
        },
        Kind {
            name: "meeting",
            table: "meetings",
            path: format!("/api/v1/groups/{gid}/meetings"),
            body: Box::new(move |d, t| {
                json!({"held_on": d, "place": "塘厦镇人民政府会议室", "attending_org_ids": [uni2, town],
                       "people": [{"name": "王校长", "organisation": "广东医科大学", "post": "副校长"}],
                       "agenda": "部署驻村服务", "minutes": t, "adopts_annual_plan": false})
            }),
        },
        Kind {
            name: "project",
            table: "projects",
            path: format!("/api/v1/groups/{gid}/projects"),
            body: Box::new(
                move |d, t| json!({"title": t, "area": 3, "lead_org_id": uni3, "starts_on": d, "status": "active"}),
            ),
        },
        Kind {
            name: "project update",
            table: "project_updates",
            path: format!("/api/v1/groups/{gid}/projects/{}/updates", c.project),
            body: Box::new(|d, t| json!({"happened_on": d, "summary": t, "students": 2})),
        },
        Kind {
            name: "on-site entry",
            table: "onsite_entries",
            path: format!("/api/v1/groups/{gid}/onsite"),
            body: Box::new(
                move |d, t| json!({"date_from": d, "date_to": d, "place_org_id": village, "member_ids": [member], "content": t}),
            ),
        },
    ]
}

async fn add(app: &TestApp, token: &str, k: &Kind, date: &str, text: &str) -> reqwest::Response {
    send(app, token, Method::POST, &k.path, (k.body)(date, text)).await
}

async fn added(app: &TestApp, token: &str, k: &Kind, date: &str, text: &str) -> String {
    let r = add(app, token, k, date, text).await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every row of the record table, as text: what a refused write must leave as it was.
async fn rows(app: &TestApp, table: &str) -> Vec<String> {
    use sqlx::Row;
    let mut v: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select * from {table} order by id"
    )))
    .fetch_all(app.store().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (0..r.len())
            .map(|i| {
                r.try_get::<Option<String>, _>(i)
                    .map(|s| s.unwrap_or_default())
                    .or_else(|_| r.try_get::<Option<i64>, _>(i).map(|n| format!("{n:?}")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("|")
    })
    .collect();
    v.sort();
    v
}

fn says_locked(body: &Value) -> bool {
    body["message"]
        .as_str()
        .is_some_and(|m| m.contains(MESSAGE))
        || body["fields"].to_string().contains(MESSAGE)
}

async fn every_record_kind_is_locked_through_the_api(app: TestApp) {
    let c = cast(&app).await;
    let t = &c.school_token;
    for k in kinds(&c) {
        let may = added(&app, t, &k, "2026-05-10", "五月").await;
        let april = added(&app, t, &k, "2026-04-30", "四月").await;
        let june = added(&app, t, &k, "2026-06-01", "六月").await;
        if k.name == "expense" {
            // Before any report is accepted, a May record is corrected freely.
            let r = send(
                &app,
                t,
                Method::PUT,
                &format!("{}/{may}", k.path),
                (k.body)("2026-05-10", "五月（改）"),
            )
            .await;
            expect(r, StatusCode::OK).await;
        }
        let report = accept_report(&app, &c.g.university, "2026-05").await;
        let before = rows(&app, k.table).await;

        // Adding in May, correcting the May record (in place, or out to April), moving the April
        // record into May, withdrawing the May record: all refused, nothing changed.
        let r = add(&app, t, &k, "2026-05-31", "新增").await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(says_locked(&body), "{}: {body}", k.name);
        for (id, date) in [
            (&may, "2026-05-10"),
            (&may, "2026-04-10"),
            (&april, "2026-05-01"),
        ] {
            let r = send(
                &app,
                t,
                Method::PUT,
                &format!("{}/{id}", k.path),
                (k.body)(date, "更正"),
            )
            .await;
            let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert!(says_locked(&body), "{} {date}: {body}", k.name);
        }
        let r = send(
            &app,
            t,
            Method::DELETE,
            &format!("{}/{may}", k.path),
            json!({}),
        )
        .await;
        let body = expect(r, StatusCode::CONFLICT).await;
        assert!(says_locked(&body), "{}: {body}", k.name);
        assert_eq!(
            rows(&app, k.table).await,
            before,
            "{}: nothing changed",
            k.name
        );

        // The months before and after are open: added, corrected, withdrawn.
        added(&app, t, &k, "2026-04-15", "四月中").await;
        added(&app, t, &k, "2026-06-02", "六月初").await;
        let r = send(
            &app,
            t,
            Method::PUT,
            &format!("{}/{april}", k.path),
            (k.body)("2026-04-29", "四月（改）"),
        )
        .await;
        expect(r, StatusCode::OK).await;
        let r = send(
            &app,
            t,
            Method::DELETE,
            &format!("{}/{june}", k.path),
            json!({}),
        )
        .await;
        expect(r, StatusCode::NO_CONTENT).await;

        // The lock is the school's report's: the bureau is refused too.
        let r = add(&app, &c.bureau_token, &k, "2026-05-20", "局").await;
        if k.name != "meeting" {
            expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        // The next kind starts from an open May again.
        sqlx::query("delete from monthly_reports where id = $1")
            .bind(report.as_str())
            .execute(app.store().pool())
            .await
            .unwrap();
    }

    // A school's report locks its own groups only: 广东医科大学 is not in group 2.
    let g2 = app.group_id(2).await;
    let other = app
        .text(
            "select m.org_id from group_memberships m join organisations o on o.id = m.org_id
             where m.group_id = $1 and o.kind = 'university'",
            &[g2.as_str()],
        )
        .await;
    accept_report(&app, &c.g.university, "2026-05").await;
    let r = send(
        &app,
        &c.other_token,
        Method::POST,
        &format!("/api/v1/groups/{g2}/expenses"),
        json!({"spent_on": "2026-05-10", "amount": "80.00", "payer_org_id": other, "kind": "transport"}),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
    // …and only while it was a member: a membership that ended before May leaves May open.
    sqlx::query("update group_memberships set effective_to = '2026-05-01' where group_id = $1 and org_id = $2")
        .bind(c.g.id.as_str())
        .bind(c.g.university.as_str())
        .execute(app.store().pool())
        .await
        .unwrap();
    let lock = app
        .store()
        .locked_by(
            &xiaodi::domain::ids::GroupId::parse(&c.g.id).unwrap(),
            "2026-05-01".parse().unwrap(),
            "2026-05-31".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(lock, None);
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn the_web_forms_show_the_lock(app: TestApp) {
    let c = cast(&app).await;
    let gid = c.g.id.clone();
    let kinds = kinds(&c);
    let expense = added(&app, &c.school_token, &kinds[0], "2026-05-10", "五月").await;
    accept_report(&app, &c.g.university, "2026-05").await;
    let before: Vec<Vec<String>> = {
        let mut v = Vec::new();
        for t in [
            "expenses",
            "meetings",
            "projects",
            "project_updates",
            "onsite_entries",
        ] {
            v.push(rows(&app, t).await);
        }
        v
    };
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/groups/{gid}/expenses"),
            vec![
                ("spent_on", "2026-05-12"),
                ("amount", "50"),
                ("payer", &c.g.university),
                ("kind", "transport"),
            ],
        ),
        (
            format!("/groups/{gid}/expenses/{expense}/edit"),
            vec![
                ("spent_on", "2026-05-10"),
                ("amount", "99"),
                ("payer", &c.g.university),
                ("kind", "transport"),
            ],
        ),
        (
            format!("/groups/{gid}/projects"),
            vec![
                ("title", "新项目"),
                ("area", "3"),
                ("lead", &c.g.university),
                ("starts_on", "2026-05-03"),
                ("status", "active"),
            ],
        ),
        (
            format!("/groups/{gid}/projects/{}/updates", c.project),
            vec![
                ("happened_on", "2026-05-03"),
                ("summary", "五月进展"),
                ("students", "0"),
            ],
        ),
        (
            format!("/groups/{gid}/onsite"),
            vec![
                ("date_from", "2026-05-03"),
                ("date_to", "2026-05-03"),
                ("place", &c.g.village),
                ("members", &c.member),
                ("content", "调研"),
            ],
        ),
        (
            format!("/groups/{gid}/meetings"),
            vec![
                ("held_on", "2026-05-03"),
                ("place", "镇会议室"),
                ("orgs", &c.g.university),
                ("orgs", &c.g.town),
                ("people", "王校长，广东医科大学，副校长"),
                ("agenda", "部署"),
                ("minutes", "同意"),
            ],
        ),
    ];
    for (path, fields) in forms {
        let r = post_form(&app, &c.school, &path, &fields).await;
        let status = r.status();
        let page = r.text().await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {page}");
        assert!(
            page.contains("error-summary") && page.contains(MESSAGE),
            "{path}: {page}"
        );
    }
    // Withdrawing is refused with the same words.
    let r = post_form(
        &app,
        &c.school,
        &format!("/groups/{gid}/expenses/{expense}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains(MESSAGE));
    let mut after = Vec::new();
    for t in [
        "expenses",
        "meetings",
        "projects",
        "project_updates",
        "onsite_entries",
    ] {
        after.push(rows(&app, t).await);
    }
    assert_eq!(before, after, "nothing changed");
    // The bureau's pages work: the empty queue.
    let r = app.get_with(&c.bureau, "/unlocks").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("没有符合条件的解锁申请"));
}

async fn only_the_school_asks_and_only_the_bureau_decides(app: TestApp) {
    let c = cast(&app).await;
    let month = "2026-05";
    let uni = c.g.university.clone();
    let ask = format!("/api/v1/reports/{month}/{uni}/unlock-requests");
    // Nothing accepted yet: nothing to unlock.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &ask,
        json!({"reason": "经费录错"}),
    )
    .await;
    let body = expect(r, StatusCode::CONFLICT).await;
    assert!(
        body["message"].as_str().unwrap().contains("尚未通过审核"),
        "{body}"
    );
    accept_report(&app, &uni, month).await;
    // Another school: not found; the town, HQ and the bureau may not ask; nothing stored.
    let r = send(
        &app,
        &c.other_token,
        Method::POST,
        &ask,
        json!({"reason": "x"}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.town_token,
        Method::POST,
        &ask,
        json!({"reason": "x"}),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(
        &app,
        &c.bureau_token,
        Method::POST,
        &ask,
        json!({"reason": "x"}),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    // A reason is required, bounded; a bad month is named; wrong types are 422.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &ask,
        json!({"reason": "  "}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.to_string().contains("申请理由"), "{body}");
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &ask,
        json!({"reason": "错".repeat(1001)}),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &ask,
        json!({"reason": 5}),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("/api/v1/reports/2026-5/{uni}/unlock-requests"),
        json!({"reason": "x"}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.to_string().contains("月份"), "{body}");
    assert_eq!(app.count("report_unlocks").await, 0);

    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &ask,
        json!({"reason": "五月经费金额录错"}),
    )
    .await;
    let req = expect(r, StatusCode::CREATED).await;
    assert_eq!(req["state"], "open");
    assert_eq!(req["school_name"], "广东医科大学");
    let id = req["id"].as_str().unwrap().to_string();
    // One open request per report.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &ask,
        json!({"reason": "再次申请"}),
    )
    .await;
    expect(r, StatusCode::CONFLICT).await;
    assert_eq!(app.count("report_unlocks").await, 1);

    // Who sees the queue: the bureau and the school (its own); HQ reads; the town nothing; the
    // other school sees none of it.
    let list = |token: String| {
        let app = &app;
        async move {
            app.api_get(&token, "/api/v1/unlock-requests?state=open")
                .await
        }
    };
    let body = expect(list(c.bureau_token.clone()).await, StatusCode::OK).await;
    assert_eq!(
        (body["total"].as_i64(), body["open"].as_i64()),
        (Some(1), Some(1))
    );
    let body = expect(list(c.school_token.clone()).await, StatusCode::OK).await;
    assert_eq!(body["total"], 1);
    let body = expect(list(c.other_token.clone()).await, StatusCode::OK).await;
    assert_eq!(body["total"], 0);
    expect(list(c.town_token.clone()).await, StatusCode::FORBIDDEN).await;
    let r = app
        .api_get(&c.bureau_token, "/api/v1/unlock-requests?state=closed")
        .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Only the bureau decides: the town, the school and another school are refused.
    let grant = format!("/api/v1/unlock-requests/{id}/grant");
    let r = send(&app, &c.town_token, Method::POST, &grant, json!({})).await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(&app, &c.school_token, Method::POST, &grant, json!({})).await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(&app, &c.other_token, Method::POST, &grant, json!({})).await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.bureau_token,
        Method::POST,
        &format!("/api/v1/unlock-requests/{id}/refuse"),
        json!({"reason": ""}),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = app
        .api_get(&c.bureau_token, "/api/v1/unlock-requests")
        .await;
    assert_eq!(expect(r, StatusCode::OK).await["items"][0]["state"], "open");

    // The web form: the school sees it; another school 404; the bureau's queue lists it, and
    // exports it.
    let form = format!("/reports/{month}/{uni}/unlock");
    let page = app.get_with(&c.school, &form).await.text().await.unwrap();
    assert!(
        page.contains("五月经费金额录错") && page.contains("待审批"),
        "{page}"
    );
    let other = app.web_client("gdst", PASSWORD).await;
    assert_eq!(
        app.get_with(&other, &form).await.status(),
        StatusCode::NOT_FOUND
    );
    let queue = app
        .get_with(&c.bureau, "/unlocks?state=open")
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains("广东医科大学") && queue.contains(&format!("/unlocks/{id}/grant")));
    let r = app.get_with(&c.bureau, "/unlocks/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

async fn a_granted_unlock_opens_the_month_and_a_refused_one_keeps_it(app: TestApp) {
    let c = cast(&app).await;
    let uni = c.g.university.clone();
    let kinds = kinds(&c);
    let expense = added(&app, &c.school_token, &kinds[0], "2026-05-10", "五月").await;
    let report = accept_report(&app, &uni, "2026-05").await;
    // The group's vocational school's May report is accepted too: the university's granted
    // unlock must still open the group's May records (while its report is being corrected).
    accept_report(&app, &c.g.vocational, "2026-05").await;
    let correct = |amount: &str| json!({"spent_on": "2026-05-10", "amount": amount, "payer_org_id": uni, "kind": "transport", "notes": "五月"});
    let path = format!("/api/v1/groups/{}/expenses/{expense}", c.g.id);

    // Asked on the web; refused on the web (with a reason): the lock stays.
    let form = format!("/reports/2026-05/{uni}/unlock");
    let r = post_form(&app, &c.school, &form, &[("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("申请理由"));
    let r = post_form(&app, &c.school, &form, &[("reason", "金额应为 150 元")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).ends_with("?saved=unlock_requested#saved"));
    let id = app.text("select id from report_unlocks", &[]).await;
    let page = app
        .get_with(&c.bureau, &format!("/unlocks/{id}/refuse"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let r = post_form(
        &app,
        &c.bureau,
        &format!("/unlocks/{id}/refuse"),
        &[("text", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_form(
        &app,
        &c.bureau,
        &format!("/unlocks/{id}/refuse"),
        &[("text", "金额与凭证一致，无需更正")],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(report_state(&app, &report).await.0, "accepted");
    let r = send(&app, &c.school_token, Method::PUT, &path, correct("150.00")).await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    // A decided request cannot be decided again.
    let r = send(
        &app,
        &c.bureau_token,
        Method::POST,
        &format!("/api/v1/unlock-requests/{id}/grant"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::CONFLICT).await;

    // Asked again through the API, granted through the API: the report goes back to 退回 with
    // "准予解锁：…" and keeps its version; the May record can now be corrected.
    let r = send(
        &app,
        &c.school_token,
        Method::POST,
        &format!("/api/v1/reports/2026-05/{uni}/unlock-requests"),
        json!({"reason": "凭证复核后金额应为 150 元"}),
    )
    .await;
    let id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &app,
        &c.bureau_token,
        Method::POST,
        &format!("/api/v1/unlock-requests/{id}/grant"),
        json!({}),
    )
    .await;
    let body = expect(r, StatusCode::OK).await;
    assert_eq!(
        (body["state"].as_str(), body["report_state"].as_str()),
        (Some("granted"), Some("returned"))
    );
    let (state, comment, version) = report_state(&app, &report).await;
    assert_eq!(state, "returned");
    assert_eq!(comment, "准予解锁：凭证复核后金额应为 150 元");
    assert_eq!(version, 1);
    let r = send(&app, &c.school_token, Method::PUT, &path, correct("150.00")).await;
    expect(r, StatusCode::OK).await;
    // Both decisions are in the audit log, with their labels.
    use sqlx::Row;
    let actions: Vec<String> =
        sqlx::query("select action from audit_events where entity = 'report_unlock' order by seq")
            .fetch_all(app.store().pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("action").unwrap())
            .collect();
    assert_eq!(
        actions,
        vec![
            "report_unlock.request",
            "report_unlock.refuse",
            "report_unlock.request",
            "report_unlock.grant"
        ]
    );
    let page = app.get_with(&c.school, &form).await.text().await.unwrap();
    assert!(
        page.contains("已准予解锁") && page.contains("不予解锁") && page.contains("已退回"),
        "{page}"
    );
}
