//! Group workspace I: agreements, teams, on-site service, practice bases and their rules,
//! through the web forms and the API, on both databases.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, THIS_YEAR, TestApp, group4, post_form};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::collections::HashMap;

/// Adds a team member: (name, organisation id, role, title, school-level leader).
async fn add_member(
    app: &TestApp,
    client: &Client,
    gid: &str,
    m: (&str, &str, &str, &str, bool),
) -> Response {
    let (name, org, role, title, leader) = m;
    let mut fields = vec![
        ("person_name", name),
        ("org_id", org),
        ("role", role),
        ("title", title),
        ("joined_on", "2024-01-10"),
        ("phone", "13800131234"),
    ];
    if leader {
        fields.push(("school_leader", "1"));
    }
    post_form(app, client, &format!("/groups/{gid}/team"), &fields).await
}

/// Rule id → (status, reason) from the API.
async fn checks(
    app: &TestApp,
    token: &str,
    gid: &str,
    year: i32,
) -> HashMap<String, (String, String)> {
    let resp = app
        .api_get(token, &format!("/api/v1/groups/{gid}/checks?year={year}"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(!c["clause"].as_str().unwrap().is_empty());
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["status"].as_str().unwrap().to_string(),
                    c["reason"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// A team that meets every composition rule: captain, vice-captain and four members.
async fn full_team(app: &TestApp, school: &Client, g: &Group4) {
    let r = add_member(
        app,
        school,
        &g.id,
        ("王队长", &g.university, "captain", "senior", true),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let r = add_member(
        app,
        school,
        &g.id,
        (
            "李副队长",
            &g.vocational,
            "vice_captain",
            "vice_senior",
            true,
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for name in ["赵一", "钱二", "孙三", "周四"] {
        let r = add_member(
            app,
            school,
            &g.id,
            (name, &g.university, "member", "intermediate", false),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

async fn team_rules_follow_the_roster(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let token = app.api_token("gdmu", PASSWORD).await;

    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(c["team-size"].0, "not_met");
    assert_eq!(c["team-captain"].0, "not_met");
    assert!(
        c["team-captain"].1.contains("有 366 天不符合") && c["team-captain"].1.contains("未设队长"),
        "{}",
        c["team-captain"].1
    );

    full_team(&app, &school, &g).await;
    let c = checks(&app, &token, &g.id, 2024).await;
    for rule in ["team-size", "team-captain", "team-vice", "team-title"] {
        assert_eq!(c[rule].0, "met", "{rule}: {}", c[rule].1);
    }
    assert!(c["team-size"].1.contains("6 人"));

    // A 初级 member breaks team-title, by name.
    add_member(
        &app,
        &school,
        &g.id,
        ("张三", &g.university, "member", "junior", false),
    )
    .await;
    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(c["team-title"].0, "not_met");
    assert!(
        c["team-title"]
            .1
            .contains("2024-01-10 至 2024-12-31：队员 张三 职称为初级，低于中级要求"),
        "{}",
        c["team-title"].1
    );

    // A second captain, from the vocational school.
    add_member(
        &app,
        &school,
        &g.id,
        ("陈队长", &g.vocational, "captain", "senior", true),
    )
    .await;
    let c = checks(&app, &token, &g.id, 2024).await;
    assert!(
        c["team-captain"].1.contains("有 2 名队长"),
        "{}",
        c["team-captain"].1
    );

    // The team page evaluates the same rules live and keeps the team as it stood on any date.
    let page = app
        .get_with(&school, &format!("/groups/{}/team", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("队员 张三 职称为初级，低于中级要求") && page.contains("四(一)"));
    let earlier = app
        .get_with(&school, &format!("/groups/{}/team?date=2024-01-09", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(earlier.contains("队员（0 人）") && earlier.contains("服务工作队 0 人"));

    // Someone from a school outside the group is refused, the form keeps what was typed.
    let other_school = {
        let g2 = app.group_id(2).await;
        let admin = app.api_token("admin", ADMIN_PASSWORD).await;
        let v: Value = app
            .api_get(&admin, &format!("/api/v1/groups/{g2}"))
            .await
            .json()
            .await
            .unwrap();
        v["members"]["university"][0]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = app.count("team_members").await;
    let r = add_member(
        &app,
        &school,
        &g.id,
        ("外校人员", &other_school, "member", "senior", false),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("所在单位") && text.contains("本组的签约学校"),
        "names the field"
    );
    assert!(text.contains("value=\"外校人员\""), "keeps the typed name");
    let r = add_member(
        &app,
        &school,
        &g.id,
        ("号码错", &g.university, "member", "senior", false),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a valid number");
    let bad_phone = post_form(
        &app,
        &school,
        &format!("/groups/{}/team", g.id),
        &[
            ("person_name", "某某"),
            ("org_id", &g.university),
            ("role", "member"),
            ("title", "senior"),
            ("joined_on", "2024-01-10"),
            ("phone", "12345"),
        ],
    )
    .await;
    assert_eq!(bad_phone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_phone.text().await.unwrap().contains("手机号码"));
    assert_eq!(app.count("team_members").await, before + 1);

    // Leaving is dated: the member stays in the record, and the team on earlier dates keeps them.
    let member_id = app
        .text(
            "select id from team_members where person_name = '张三'",
            &[],
        )
        .await;
    let confirm = app
        .get_with(&school, &format!("/groups/{}/team/{member_id}/leave", g.id))
        .await;
    assert!(confirm.text().await.unwrap().contains("确认离队"));
    let r = post_form(
        &app,
        &school,
        &format!("/groups/{}/team/{member_id}/leave", g.id),
        &[("left_on", "2024-06-01")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // 2024 is judged over the whole year: 张三 was on the team until 31 May, longer than the
    // grace days; 2025 does not hold it against the team.
    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(c["team-title"].0, "not_met");
    assert!(
        c["team-title"]
            .1
            .contains("2024-01-10 至 2024-05-31：队员 张三 职称为初级"),
        "{}",
        c["team-title"].1
    );
    let c = checks(&app, &token, &g.id, 2025).await;
    assert!(!c["team-title"].1.contains("张三"), "{}", c["team-title"].1);
    let june = app
        .get_with(&school, &format!("/groups/{}/team?date=2024-05-31", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(june.contains("张三"));
}

async fn phones_are_masked_for_others(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("dzkj", "东莞市电子科技学校", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    add_member(
        &app,
        &school,
        &g.id,
        ("王队长", &g.university, "captain", "senior", true),
    )
    .await;
    let path = format!("/groups/{}/team", g.id);
    for (user, password, full) in [
        ("gdmu", PASSWORD, true),
        ("admin", ADMIN_PASSWORD, true),
        ("dzkj", PASSWORD, false),
        ("tangxia", PASSWORD, false),
    ] {
        let client = app.web_client(user, password).await;
        let page = app.get_with(&client, &path).await.text().await.unwrap();
        assert_eq!(page.contains("13800131234"), full, "{user}");
        assert_eq!(page.contains("138****1234"), !full, "{user}");
        let export = app
            .get_with(&client, &format!("{path}/export.xlsx"))
            .await
            .bytes()
            .await
            .unwrap();
        let rows = xiaodi::imports::read_sheet(&export).unwrap();
        assert_eq!(rows[1][5] == "13800131234", full, "{user} export");
    }
    // Town users see the team but may not change it.
    let town = app.web_client("tangxia", PASSWORD).await;
    let r = add_member(
        &app,
        &town,
        &g.id,
        ("镇里人", &g.university, "member", "senior", false),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn another_group_cannot_read_or_write(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    let owner = app.web_client("gdmu", PASSWORD).await;
    full_team(&app, &owner, &g).await;
    let pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
    let csrf = app.csrf_of(&owner).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("signed_on", "2024-01-20")
        .text("parties", g.university.clone())
        .text("parties", g.town.clone())
        .part("scans", Part::bytes(pdf).file_name("协议.pdf"));
    let r = owner
        .post(app.url(&format!("/groups/{}/agreement", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let file_id = app.text("select id from attachments", &[]).await;
    assert_eq!(
        app.get_with(&owner, &format!("/files/{file_id}"))
            .await
            .status(),
        StatusCode::OK
    );

    let outsider = app.web_client("gdst", PASSWORD).await;
    for tab in [
        "",
        "/agreement",
        "/team",
        "/onsite",
        "/bases",
        "/team/export.xlsx",
        "/onsite/export.xlsx",
        "/bases/export.xlsx",
    ] {
        let r = app
            .get_with(&outsider, &format!("/groups/{}{tab}", g.id))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {tab}");
        assert!(!r.text().await.unwrap().contains("王队长"));
    }
    assert_eq!(
        app.get_with(&outsider, &format!("/files/{file_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let before = (
        app.count("team_members").await,
        app.count("onsite_entries").await,
        app.count("practice_bases").await,
        app.count("agreements").await,
    );
    let r = add_member(
        &app,
        &outsider,
        &g.id,
        ("入侵者", &g.university, "captain", "senior", true),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post_form(
        &app,
        &outsider,
        &format!("/groups/{}/onsite", g.id),
        &[
            ("date_from", "2024-03-01"),
            ("place", &g.town),
            ("content", "x"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let csrf = app.csrf_of(&outsider).await;
    let form = Form::new()
        .text("csrf_token", csrf.clone())
        .text("signed_on", "2024-01-21")
        .text("parties", g.town.clone());
    let r = outsider
        .post(app.url(&format!("/groups/{}/agreement", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("name", "假基地")
        .text("place", g.town.clone())
        .text("functions", "other")
        .text("opened_on", "2024-03-01");
    let r = outsider
        .post(app.url(&format!("/groups/{}/bases", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let after = (
        app.count("team_members").await,
        app.count("onsite_entries").await,
        app.count("practice_bases").await,
        app.count("agreements").await,
    );
    assert_eq!(before, after);

    let token = app.api_token("gdst", PASSWORD).await;
    assert_eq!(
        app.api_get(&token, &format!("/api/v1/groups/{}/checks?year=2024", g.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn onsite_service_counts_distinct_days_in_the_groups_places(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    full_team(&app, &school, &g).await;
    let ids = |names: &[&str]| {
        let pool = app.store().pool().clone();
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        async move {
            use sqlx::Row;
            let mut out = Vec::new();
            for n in names {
                out.push(
                    sqlx::query("select id from team_members where person_name = $1")
                        .bind(n)
                        .fetch_one(&pool)
                        .await
                        .unwrap()
                        .try_get::<String, _>("id")
                        .unwrap(),
                );
            }
            out
        }
    };
    let people = ids(&["王队长", "赵一"]).await;
    let path = format!("/groups/{}/onsite", g.id);
    let entry = |from: &'static str, to: &'static str, place: String, who: String| {
        let app = &app;
        let school = &school;
        let path = path.clone();
        async move {
            post_form(
                app,
                school,
                &path,
                &[
                    ("date_from", from),
                    ("date_to", to),
                    ("place", &place),
                    ("members", &who),
                    ("content", "驻村开展技术服务"),
                ],
            )
            .await
        }
    };
    // Overlapping entries: 1–10 March and 5–12 March are 12 team-days.
    assert_eq!(
        entry(
            "2024-03-01",
            "2024-03-10",
            g.town.clone(),
            people[0].clone()
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        entry(
            "2024-03-05",
            "2024-03-12",
            g.village.clone(),
            people[1].clone()
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );

    // Several members in one entry.
    let csrf = app.csrf_of(&school).await;
    let r = school
        .post(app.url(&path))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("date_from", "2024-04-01"),
            ("date_to", "2024-04-02"),
            ("place", &g.town),
            ("members", &people[0]),
            ("members", &people[1]),
            ("content", "联合调研"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let token = app.api_token("gdmu", PASSWORD).await;
    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(c["onsite"].0, "not_met");
    assert!(
        c["onsite"]
            .1
            .contains("已累计驻镇(含驻村)服务 14 天（22 人天），要求不少于 90 天"),
        "{}",
        c["onsite"].1
    );

    // A place outside the group (a village of group 2) is refused; nothing is stored.
    let g2 = app.group_id(2).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let v: Value = app
        .api_get(&admin, &format!("/api/v1/groups/{g2}"))
        .await
        .json()
        .await
        .unwrap();
    let elsewhere = v["members"]["village"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = app.count("onsite_entries").await;
    let r = entry("2024-05-01", "2024-05-02", elsewhere, people[0].clone()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("服务地点：只能是本组的镇(街道)或本组的村(社区)"));
    assert!(
        text.contains("value=\"2024-05-01\""),
        "the form keeps the dates typed"
    );
    let r = entry(
        "2024-05-03",
        "2024-05-01",
        g.town.clone(),
        people[0].clone(),
    )
    .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("结束日期：2024-05-01 早于开始日期")
    );
    let r = entry(
        "2099-01-01",
        "2099-01-02",
        g.town.clone(),
        people[0].clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("onsite_entries").await, before);

    // The village confirms service in its village; a town user of another group cannot.
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("fenggang", "凤岗镇", "town").await;
    let village = app.web_client("fhg", PASSWORD).await;
    let page = app
        .get_with(&village, &format!("{path}?year=2024"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("确认属实").count(),
        1,
        "only the entry in 凤凰岗社区"
    );
    let entry_id = app
        .text(
            "select id from onsite_entries where place_org_id = $1",
            &[&g.village],
        )
        .await;
    let other_town = app.web_client("fenggang", PASSWORD).await;
    assert_eq!(
        post_form(
            &app,
            &other_town,
            &format!("{path}/{entry_id}/confirm"),
            &[]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_form(&app, &school, &format!("{path}/{entry_id}/confirm"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_form(&app, &village, &format!("{path}/{entry_id}/confirm"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post_form(&app, &village, &format!("{path}/{entry_id}/confirm"), &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let page = app
        .get_with(&school, &format!("{path}?year=2024&status=confirmed"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("于") && page.contains("确认") && page.contains("共 1 条"));
}

async fn uploads_are_checked_and_stored_by_content(app: TestApp) {
    let g = group4(&app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let files_dir = app.data_dir.join("files");
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let app = &app;
        let admin = &admin;
        let g = &g;
        async move {
            let csrf = app.csrf_of(admin).await;
            let form = Form::new()
                .text("csrf_token", csrf)
                .text("signed_on", "2024-01-20")
                .text("parties", g.university.clone())
                .text("parties", g.town.clone())
                .part("scans", Part::bytes(bytes).file_name(name));
            admin
                .post(app.url(&format!("/groups/{}/agreement", g.id)))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let oversized = [b"%PDF-1.7\n".as_slice(), &vec![b'x'; 20 * 1024 * 1024]].concat();
    let r = upload(oversized, "big.pdf").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("超过 20 MB 上限"));
    let r = upload(b"MZ\x90\x00\x03 a Windows program".to_vec(), "协议.pdf").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("内容不是 PDF、JPEG、PNG 文件")
    );
    assert_eq!(
        (
            app.count("attachments").await,
            app.count("agreements").await
        ),
        (0, 0),
        "nothing recorded"
    );
    assert!(
        !files_dir.exists() || std::fs::read_dir(&files_dir).unwrap().next().is_none(),
        "nothing stored"
    );

    let scan = b"%PDF-1.7\nthe signed agreement\n".to_vec();
    let r = upload(scan.clone(), "三方协议.pdf").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&admin, &format!("/groups/{}/agreement", g.id))
        .await
        .text()
        .await
        .unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&scan)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        page.contains("三方协议.pdf") && !page.contains(&digest),
        "the page lists the file by name; the SHA-256 is for programs"
    );
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let api: Value = app
        .api_get(&token, &format!("/api/v1/groups/{}/agreement", g.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        api.to_string().contains(&digest),
        "the API gives the SHA-256"
    );
    // Signed by the university and the town alone: not the tripartite agreement of 四(二).
    assert!(
        page.contains("期限 2024-01-29 已过，尚未签署：凤凰岗社区、东莞市电子科技学校"),
        "the page names the party that has not signed"
    );
    assert!(
        files_dir.join(&digest[..2]).join(&digest).exists(),
        "stored under its digest"
    );
    let file_id = app.text("select id from attachments", &[]).await;
    let download = app.get_with(&admin, &format!("/files/{file_id}")).await;
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().to_vec(), scan);
}

async fn agreement_deadline_in_the_checks(app: TestApp) {
    let g = group4(&app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(
        c["agreement"],
        (
            "not_met".to_string(),
            "期限 2024-01-29 已过，尚未签署：塘厦镇、凤凰岗社区、广东医科大学、东莞市电子科技学校"
                .to_string()
        )
    );
    let c = checks(&app, &token, &g.id, 2023).await;
    assert_eq!(
        c["agreement"].0, "not_yet_due",
        "on 31 December 2023 the deadline had not come"
    );
    assert_eq!(
        checks(&app, &token, &g.id, 2022).await["team-size"].0,
        "not_applicable",
        "before the group began"
    );

    let sign = |date: &'static str| {
        let app = &app;
        let admin = &admin;
        let g = &g;
        async move {
            let csrf = app.csrf_of(admin).await;
            let form = Form::new()
                .text("csrf_token", csrf)
                .text("signed_on", date)
                .text("parties", g.university.clone())
                .text("parties", g.vocational.clone())
                .text("parties", g.town.clone())
                .text("parties", g.village.clone());
            admin
                .post(app.url(&format!("/groups/{}/agreement", g.id)))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(sign("2024-01-29").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        checks(&app, &token, &g.id, 2024).await["agreement"].0,
        "met",
        "signed on the deadline day"
    );
    assert_eq!(sign("2024-01-30").await.status(), StatusCode::SEE_OTHER);
    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(c["agreement"].0, "not_met");
    assert!(c["agreement"].1.contains("超过期限 2024-01-29 1 天"));
    let r = sign("2099-01-01").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("签署日期"));
    let r = sign("2024-13-01").await;
    assert!(r.text().await.unwrap().contains("不是有效日期"));
    let bad_year = app
        .api_get(&token, &format!("/api/v1/groups/{}/checks?year=abc", g.id))
        .await;
    assert_eq!(bad_year.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Every change is audited with before and after.
    use sqlx::Row;
    let rows = sqlx::query(
        "select before_json, after_json from audit_events where action = 'agreement.update'",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]
            .try_get::<String, _>("before_json")
            .unwrap()
            .contains("2024-01-29")
    );
    assert!(
        rows[0]
            .try_get::<String, _>("after_json")
            .unwrap()
            .contains("2024-01-30")
    );
}

async fn practice_bases(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let token = app.api_token("gdmu", PASSWORD).await;
    assert_eq!(checks(&app, &token, &g.id, 2024).await["base"].0, "not_met");
    let post = |place: String, functions: &'static [&'static str], photo: Option<Vec<u8>>| {
        let app = &app;
        let school = &school;
        let g = &g;
        async move {
            let csrf = app.csrf_of(school).await;
            let mut form = Form::new()
                .text("csrf_token", csrf)
                .text("name", "凤凰岗乡村振兴实践基地")
                .text("place", place)
                .text("opened_on", "2024-04-18");
            for f in functions {
                form = form.text("functions", *f);
            }
            if let Some(p) = photo {
                form = form.part("photos", Part::bytes(p).file_name("揭牌.png"));
            }
            school
                .post(app.url(&format!("/groups/{}/bases", g.id)))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(g.village.clone(), &[], None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("基地功能：至少选择一项")
            && text.contains("value=\"凤凰岗乡村振兴实践基地\"")
    );
    let r = post(g.university.clone(), &["red_education"], None).await;
    assert!(r.text().await.unwrap().contains("所在地"));
    let r = post(
        g.village.clone(),
        &["red_education"],
        Some(b"%PDF-1.4 not a photo".to_vec()),
    )
    .await;
    assert!(r.text().await.unwrap().contains("不是 JPEG、PNG 文件"));
    assert_eq!(app.count("practice_bases").await, 0);

    let r = post(
        g.village.clone(),
        &["red_education", "innovation"],
        Some(b"\x89PNG\r\n\x1a\nphoto".to_vec()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&school, &format!("/groups/{}/bases", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("红色教育、科技创新") && page.contains("揭牌.png"));
    let c = checks(&app, &token, &g.id, 2024).await;
    assert_eq!(c["base"].0, "met");
    assert_eq!(
        checks(&app, &token, &g.id, 2023).await["base"].0,
        "not_applicable",
        "2023 was for signing and setting up"
    );
}

async fn onsite_xlsx_round_trip(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    full_team(&app, &school, &g).await;
    let rows = [
        [
            "2024-03-01",
            "2024-03-03",
            "塘厦镇",
            "王队长、赵一",
            "企业技术服务",
        ],
        ["2024-03-02", "2024-03-02", "凤凰岗社区", "钱二", "义诊"],
        [
            "2024-05-10",
            "2024-05-20",
            "凤凰岗社区",
            "孙三、周四、赵一",
            "乡村规划调研",
        ],
    ];
    let sheet = |rows: &[[&str; 5]]| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (c, h) in ["开始日期", "结束日期", "服务地点", "在场队员", "服务内容"]
            .iter()
            .enumerate()
        {
            ws.write(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    };
    let import = |bytes: Vec<u8>| {
        let app = &app;
        let school = &school;
        let g = &g;
        async move {
            let csrf = app.csrf_of(school).await;
            let form = Form::new()
                .text("csrf_token", csrf)
                .part("file", Part::bytes(bytes).file_name("驻点.xlsx"));
            school
                .post(app.url(&format!("/groups/{}/onsite/import", g.id)))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };

    // A bad row stops the whole file.
    let mut bad = rows.to_vec();
    bad.push(["2024-06-01", "2024-06-02", "新民社区", "王队长", "越界"]);
    bad.push(["2024-06-01", "2024-06-02", "塘厦镇", "查无此人", "x"]);
    let r = import(sheet(&bad)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("第 5 行 服务地点：“新民社区”不是本组的镇(街道)或村(社区)"),
        "{text}"
    );
    assert!(text.contains("第 6 行 在场队员"));
    assert_eq!(app.count("onsite_entries").await, 0);

    let r = import(sheet(&rows)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("saved=onsite_imported"), "{to}");
    let listed = app.get_with(&school, &to).await.text().await.unwrap();
    assert!(listed.contains("已导入 3 条"));
    let export = app
        .get_with(
            &school,
            &format!("/groups/{}/onsite/export.xlsx?year=2024", g.id),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    let back = xiaodi::imports::read_sheet(&export.bytes().await.unwrap()).unwrap();
    assert_eq!(
        back[0][..5],
        ["开始日期", "结束日期", "服务地点", "在场队员", "服务内容"]
    );
    let mut got: Vec<Vec<String>> = back[1..].iter().map(|r| r[..5].to_vec()).collect();
    let mut want: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    // Member names come back in a stable order; compare them as sets.
    let norm = |v: &mut Vec<Vec<String>>| {
        for r in v.iter_mut() {
            let mut names: Vec<&str> = r[3].split('、').collect();
            names.sort();
            r[3] = names.join("、");
        }
        v.sort();
    };
    norm(&mut got);
    norm(&mut want);
    assert_eq!(got, want);
    // The exported file reads back as it is (a true round trip): importing it into the same group
    // finds every row already there and refuses them all, rather than counting the days twice.
    let again = app
        .get_with(
            &school,
            &format!("/groups/{}/onsite/export.xlsx?year=2024", g.id),
        )
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let r = import(again).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert_eq!(
        text.matches("服务记录完全相同，未重复登记").count(),
        3,
        "{text}"
    );
    assert_eq!(app.count("onsite_entries").await, 3);

    // The export holds what the filtered list shows.
    let village_only = app
        .get_with(
            &school,
            &format!(
                "/groups/{}/onsite/export.xlsx?year=2024&place={}",
                g.id, g.village
            ),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let rows = xiaodi::imports::read_sheet(&village_only).unwrap();
    assert_eq!(
        rows.len(),
        3,
        "header and the two entries in 凤凰岗社区: {rows:?}"
    );
    assert!(rows[1..].iter().all(|r| r[2] == "凤凰岗社区"));
}

async fn confirmation_decides_what_counts_when_the_plan_asks(app: TestApp) {
    // A plan that counts only days the town or village confirmed.
    sqlx::query("update plans set plan_toml = replace(plan_toml, 'onsite_requires_confirmation = false', 'onsite_requires_confirmation = true')")
        .execute(app.store().pool())
        .await
        .unwrap();
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    full_team(&app, &school, &g).await;
    let captain = app
        .text(
            "select id from team_members where person_name = '王队长'",
            &[],
        )
        .await;
    let path = format!("/groups/{}/onsite", g.id);
    let r = post_form(
        &app,
        &school,
        &path,
        &[
            ("date_from", "2024-03-01"),
            ("date_to", "2024-03-10"),
            ("place", &g.village),
            ("members", &captain),
            ("content", "驻村服务"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let token = app.api_token("gdmu", PASSWORD).await;
    let c = checks(&app, &token, &g.id, 2024).await;
    assert!(
        c["onsite"].1.contains("已累计驻镇(含驻村)服务 0 天")
            && c["onsite"].1.contains("另有 10 天待镇村确认"),
        "{}",
        c["onsite"].1
    );
    let page = app
        .get_with(&school, &format!("{path}?year=2024"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("另有 10 天待镇村确认，未计入") && page.contains("待确认"));

    // The lead town confirms service in one of the group's villages.
    let town = app.web_client("tangxia", PASSWORD).await;
    let entry_id = app.text("select id from onsite_entries", &[]).await;
    assert_eq!(
        post_form(&app, &town, &format!("{path}/{entry_id}/confirm"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let c = checks(&app, &token, &g.id, 2024).await;
    assert!(
        c["onsite"]
            .1
            .contains("已累计驻镇(含驻村)服务 10 天（10 人天）")
            && !c["onsite"].1.contains("待镇村确认"),
        "{}",
        c["onsite"].1
    );
}

async fn mistakes_are_withdrawn_and_history_is_kept(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    full_team(&app, &school, &g).await;
    let id_of = |name: &'static str| {
        let pool = app.store().pool().clone();
        async move {
            use sqlx::Row;
            sqlx::query("select id from team_members where person_name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<String, _>("id")
                .unwrap()
        }
    };
    let zhao = id_of("赵一").await;
    let path = format!("/groups/{}/onsite", g.id);
    for (from, to, place) in [
        ("2024-03-01", "2024-03-02", &g.village),
        ("2024-04-01", "2024-04-01", &g.town),
    ] {
        let r = post_form(
            &app,
            &school,
            &path,
            &[
                ("date_from", from),
                ("date_to", to),
                ("place", place),
                ("members", &zhao),
                ("content", "驻村服务"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    // The same form sent twice is refused the second time.
    let r = post_form(
        &app,
        &school,
        &path,
        &[
            ("date_from", "2024-04-01"),
            ("date_to", "2024-04-01"),
            ("place", &g.town),
            ("members", &zhao),
            ("content", "驻村服务"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("完全相同"));

    let entry = |place: String| {
        let pool = app.store().pool().clone();
        async move {
            use sqlx::Row;
            sqlx::query("select id from onsite_entries where place_org_id = $1")
                .bind(place)
                .fetch_one(&pool)
                .await
                .unwrap()
                .try_get::<String, _>("id")
                .unwrap()
        }
    };
    let in_village = entry(g.village.clone()).await;
    let in_town = entry(g.town.clone()).await;
    // Withdrawing goes through a confirmation page; the village cannot withdraw the school's record.
    let confirm = app
        .get_with(&school, &format!("{path}/{in_town}/delete"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("确认删除") && confirm.contains("2024-04-01"));
    let village = app.web_client("fhg", PASSWORD).await;
    assert_eq!(
        post_form(&app, &village, &format!("{path}/{in_town}/delete"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_form(&app, &school, &format!("{path}/{in_town}/delete"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("onsite_entries").await, 1);
    // A confirmed record stays.
    assert_eq!(
        post_form(&app, &village, &format!("{path}/{in_village}/confirm"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post_form(&app, &school, &format!("{path}/{in_village}/delete"), &[])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    use sqlx::Row;
    let deleted: String =
        sqlx::query("select before_json from audit_events where action = 'onsite.delete'")
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("before_json")
            .unwrap();
    assert!(
        deleted.contains("2024-04-01") && deleted.contains(&zhao),
        "the audit keeps what was withdrawn"
    );

    // Leaving before one's recorded service is refused; after it, fine.
    let r = post_form(
        &app,
        &school,
        &format!("/groups/{}/team/{zhao}/leave", g.id),
        &[("left_on", "2024-03-02")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("2024-03-02 还有驻镇(含驻村)服务记录")
    );
    let r = post_form(
        &app,
        &school,
        &format!("/groups/{}/team/{zhao}/leave", g.id),
        &[("left_on", "2024-03-03")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Past service of a member who has since left can still be entered.
    let page = app.get_with(&school, &path).await.text().await.unwrap();
    assert!(page.contains("赵一（队员，2024-03-03 离队）"));
    let r = post_form(
        &app,
        &school,
        &path,
        &[
            ("date_from", "2024-02-01"),
            ("date_to", "2024-02-01"),
            ("place", &g.town),
            ("members", &zhao),
            ("content", "补录"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_form(
        &app,
        &school,
        &path,
        &[
            ("date_from", "2024-05-01"),
            ("date_to", "2024-05-01"),
            ("place", &g.town),
            ("members", &zhao),
            ("content", "离队后"),
        ],
    )
    .await;
    assert!(r.text().await.unwrap().contains("不在队中"));

    // Team list filters, and the export follows them.
    let captains = app
        .get_with(&school, &format!("/groups/{}/team?role=captain", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        captains.contains("王队长")
            && !captains.contains("钱二")
            && captains.contains("队员（1 人）")
    );
    let export = app
        .get_with(
            &school,
            &format!(
                "/groups/{}/team/export.xlsx?role=member&org={}",
                g.id, g.university
            ),
        )
        .await
        .bytes()
        .await
        .unwrap();
    let rows = xiaodi::imports::read_sheet(&export).unwrap();
    assert_eq!(
        rows.len(),
        1 + 3,
        "钱二, 孙三, 周四 (赵一 has left): {rows:?}"
    );
}

async fn agreements_name_a_school_and_a_locality(app: TestApp) {
    let g = group4(&app).await;
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let files_dir = app.data_dir.join("files");
    let send = |date: &'static str, parties: Vec<String>, scan: Option<Vec<u8>>| {
        let app = &app;
        let admin = &admin;
        let g = &g;
        async move {
            let csrf = app.csrf_of(admin).await;
            let mut form = Form::new().text("csrf_token", csrf).text("signed_on", date);
            for p in parties {
                form = form.text("parties", p);
            }
            if let Some(s) = scan {
                form = form.part("scans", Part::bytes(s).file_name("scan.pdf"));
            }
            admin
                .post(app.url(&format!("/groups/{}/agreement", g.id)))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let r = send("2024-01-20", vec![g.town.clone(), g.village.clone()], None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("签约各方：至少包括一所签约学校")
    );
    // A valid scan with a date the store refuses: the file written for it is removed again.
    let r = send(
        "2099-01-01",
        vec![g.university.clone(), g.town.clone()],
        Some(b"%PDF-1.7 late".to_vec()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不能登记未来的日期"));
    let stored = |dir: &std::path::Path| {
        if !dir.exists() {
            return 0;
        }
        std::fs::read_dir(dir)
            .unwrap()
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .count()
    };
    assert_eq!(stored(&files_dir), 0, "nothing stays on disk");
    assert_eq!(app.count("attachments").await, 0);
    // The same party twice is one party.
    let r = send(
        "2024-01-20",
        vec![g.university.clone(), g.town.clone(), g.town.clone()],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("agreement_parties").await, 2);

    // Town users see the agreement and its parties, read-only.
    app.add_user("tangxia", "塘厦镇", "town").await;
    let town = app.web_client("tangxia", PASSWORD).await;
    let page = app
        .get_with(&town, &format!("/groups/{}/agreement", g.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("塘厦镇（镇(街道)）")
            && page.contains("2024-01-20")
            && !page.contains("登记协议")
    );
    let csrf = app.csrf_of(&town).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("signed_on", "2024-01-21")
        .text("parties", g.university.clone())
        .text("parties", g.town.clone());
    let r = town
        .post(app.url(&format!("/groups/{}/agreement", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for path in [
        format!("/groups/{}/onsite", g.id),
        format!("/groups/{}/team", g.id),
    ] {
        assert_eq!(
            post_form(&app, &town, &path, &[("x", "y")]).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    // Years to come are not yet due, whatever the team looks like today (the clock is pinned).
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let c = checks(&app, &token, &g.id, THIS_YEAR + 1).await;
    assert!(
        c.values().all(|(status, _)| status == "not_yet_due"),
        "{c:?}"
    );
}

/// A form sent twice at once (a double click, a retry) records the service once: the check runs
/// inside the write and a unique index backs it.
async fn identical_onsite_submissions_at_once_record_one_entry(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let r = add_member(
        &app,
        &school,
        &g.id,
        ("王队长", &g.university, "captain", "senior", true),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let member = app
        .text(
            "select id from team_members where person_name = $1",
            &["王队长"],
        )
        .await;
    let path = format!("/groups/{}/onsite", g.id);
    for (round, day) in ["2024-03-01", "2024-03-02", "2024-03-03"]
        .into_iter()
        .enumerate()
    {
        let fields = [
            ("date_from", day),
            ("date_to", day),
            ("place", g.town.as_str()),
            ("members", member.as_str()),
            ("content", "驻镇开展技术服务"),
        ];
        let (a, b) = tokio::join!(
            post_form(&app, &school, &path, &fields),
            post_form(&app, &school, &path, &fields)
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY],
            "one is recorded, the other refused as a duplicate"
        );
        let refused = if a.status() == StatusCode::UNPROCESSABLE_ENTITY {
            a
        } else {
            b
        };
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("服务记录完全相同，未重复登记")
        );
        assert_eq!(app.count("onsite_entries").await, round as i64 + 1);
    }

    // The schema itself refuses a copy, whatever the application checks.
    let copy = sqlx::query(
        "insert into onsite_entries (id, group_id, date_from, date_to, place_org_id, content, created_at, dedup_key)
         select id || 'x', group_id, date_from, date_to, place_org_id, content, created_at, dedup_key
         from onsite_entries where date_from = '2024-03-01'",
    )
    .execute(app.store().pool())
    .await;
    assert!(
        copy.is_err(),
        "the unique index refuses a second row with the same key"
    );
    assert_eq!(app.count("onsite_entries").await, 3);
}

on_both!(
    mistakes_are_withdrawn_and_history_is_kept,
    agreements_name_a_school_and_a_locality,
    confirmation_decides_what_counts_when_the_plan_asks,
    team_rules_follow_the_roster,
    phones_are_masked_for_others,
    another_group_cannot_read_or_write,
    onsite_service_counts_distinct_days_in_the_groups_places,
    uploads_are_checked_and_stored_by_content,
    agreement_deadline_in_the_checks,
    practice_bases,
    onsite_xlsx_round_trip,
    identical_onsite_submissions_at_once_record_one_entry,
);

/// True when `text` holds a run of 64 hexadecimal digits (a SHA-256 written out).
fn has_sha256(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        if run >= 64 {
            return true;
        }
    }
    false
}

/// Village staff see one name for on-site service, the plan's 驻镇(含驻村)服务, and files by name,
/// size and upload time: no SHA-256 on their pages (the API keeps it).
async fn business_pages_use_one_name_and_show_no_hashes(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let gid = g.id.clone();

    // An agreement with a scan and a base with a photo, so both pages list a file.
    let csrf = app.csrf_of(&school).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("signed_on", "2024-01-20")
        .text("parties", g.university.clone())
        .text("parties", g.town.clone())
        .part(
            "scans",
            Part::bytes(b"%PDF-1.7\n1 0 obj\n".to_vec()).file_name("协议.pdf"),
        );
    let r = school
        .post(app.url(&format!("/groups/{gid}/agreement")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let csrf = app.csrf_of(&school).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("name", "凤凰岗乡村振兴实践基地")
        .text("place", g.village.clone())
        .text("opened_on", "2024-04-18")
        .text("functions", "red_education")
        .part(
            "photos",
            Part::bytes(b"\x89PNG\r\n\x1a\nphoto".to_vec()).file_name("揭牌.png"),
        );
    let r = school
        .post(app.url(&format!("/groups/{gid}/bases")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("attachments").await, 2);

    let village = app.web_client("fhg", PASSWORD).await;
    let mut pages = HashMap::new();
    for tab in ["", "/agreement", "/onsite", "/bases"] {
        let resp = app.get_with(&village, &format!("/groups/{gid}{tab}")).await;
        assert_eq!(resp.status(), StatusCode::OK, "{tab}");
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("驻镇(含驻村)服务"),
            "{tab}: the tab and titles use the plan's name"
        );
        for old in ["驻点服务", "驻镇(驻村)服务", "驻镇(村)服务"] {
            assert!(!page.contains(old), "{tab}: still says {old}");
        }
        assert!(
            !has_sha256(&page),
            "{tab}: a SHA-256 is shown to village staff"
        );
        pages.insert(tab, page);
    }
    assert!(pages["/onsite"].contains("<title>驻镇(含驻村)服务"));

    // Files are listed by name, size and upload time, in Asia/Shanghai.
    let uploaded = |file: &'static str| {
        let app = &app;
        async move {
            let ms: i64 = app
                .text(
                    "select cast(created_at as text) from attachments where file_name = $1",
                    &[file],
                )
                .await
                .parse()
                .unwrap();
            format!("上传于 {}", xiaodi::clock::format_ms(ms))
        }
    };
    let scan = uploaded("协议.pdf").await;
    assert!(
        pages["/agreement"].contains("协议.pdf")
            && pages["/agreement"].contains("1 KB")
            && pages["/agreement"].contains(&scan),
        "{scan}"
    );
    let photo = uploaded("揭牌.png").await;
    assert!(pages["/bases"].contains("揭牌.png") && pages["/bases"].contains(&photo));

    // The hash is still there for programs: the API gives it.
    let token = app.api_token("fhg", PASSWORD).await;
    let body = app
        .api_get(&token, &format!("/api/v1/groups/{gid}/agreement"))
        .await
        .text()
        .await
        .unwrap();
    assert!(has_sha256(&body), "{body}");
    assert!(!has_sha256("3f2a-not-a-hash"));
}

on_both!(business_pages_use_one_name_and_show_no_hashes);
