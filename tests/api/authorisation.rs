//! Who sees what: school, town and village users see only their groups; the three
//! administrators see no business records, and each only their own duty (三权分立). Checked on
//! pages, lists, search, exports and the API.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp};
use crate::on_both;
use reqwest::StatusCode;
use serde_json::Value;

async fn a_school_of_group_1_never_sees_group_2(app: TestApp) {
    let g1 = app.group_id(1).await;
    let g2 = app.group_id(2).await;
    app.add_user("hotel", "广东酒店管理职业技术学院", "school")
        .await;
    let web = app.web_client("hotel", PASSWORD).await;

    assert_eq!(
        app.get_with(&web, &format!("/groups/{g1}")).await.status(),
        StatusCode::OK
    );
    let other = app.get_with(&web, &format!("/groups/{g2}")).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert!(!other.text().await.unwrap().contains("东坑镇"));
    // Not there, malformed: the same 404.
    assert_eq!(
        app.get_with(&web, "/groups/00000000-0000-0000-0000-000000000000")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_with(&web, "/groups/not-a-uuid").await.status(),
        StatusCode::NOT_FOUND
    );

    let home = app.get_with(&web, "/groups").await.text().await.unwrap();
    assert!(
        home.contains("第 1 组") && !home.contains("第 2 组") && !home.contains("广东科技学院")
    );
    assert!(home.contains("共 1 条"));
    let search = app
        .get_with(&web, "/groups?q=广东科技学院")
        .await
        .text()
        .await
        .unwrap();
    assert!(!search.contains("第 2 组") && search.contains("没有符合条件的结对组"));

    let export = app.get_with(&web, "/groups/export.xlsx").await;
    assert_eq!(export.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&export.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 2, "header and group 1 only: {rows:?}");
    assert_eq!(rows[1][0], "1");

    let token = app.api_token("hotel", PASSWORD).await;
    let list: Value = app
        .api_get(&token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], g1.as_str());
    let list: Value = app
        .api_get(&token, "/api/v1/groups?q=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let resp = app.api_get(&token, &format!("/api/v1/groups/{g2}")).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_found");
    assert_eq!(
        app.api_get(&token, &format!("/api/v1/groups/{g1}"))
            .await
            .status(),
        StatusCode::OK
    );
}

async fn towns_and_villages_see_their_groups(app: TestApp) {
    app.add_user("fenggang", "凤岗镇", "town").await;
    // 南面村 lies in 谢岗镇 but is paired in group 1 (凤岗).
    app.add_user("nanmian", "南面村(谢岗镇)", "village").await;
    for user in ["fenggang", "nanmian"] {
        let token = app.api_token(user, PASSWORD).await;
        let list: Value = app
            .api_get(&token, "/api/v1/groups")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1, "{user}");
        assert_eq!(list["items"][0]["number"], 1, "{user}");
    }
    // The bureau and HQ see all eight.
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    let token = app.api_token("hq1", PASSWORD).await;
    let list: Value = app
        .api_get(&token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 8);
}

async fn sysadmin_and_auditor_see_no_business_records(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    let g1 = app.group_id(1).await;

    let sys = app.web_client("sys", PASSWORD).await;
    assert_eq!(
        app.get_with(&sys, "/groups").await.headers()["location"],
        "/admin/users"
    );
    for path in [
        format!("/groups/{g1}"),
        "/organisations".into(),
        "/groups/export.xlsx".into(),
        "/audit".into(),
        "/regions".into(),
    ] {
        assert_eq!(
            app.get_with(&sys, &path).await.status(),
            StatusCode::FORBIDDEN,
            "sysadmin {path}"
        );
    }
    assert_eq!(
        app.get_with(&sys, "/admin/users").await.status(),
        StatusCode::OK
    );
    let token = app.api_token("sys", PASSWORD).await;
    assert_eq!(
        app.api_get(&token, "/api/v1/groups").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api_get(&token, "/api/v1/organisations").await.status(),
        StatusCode::FORBIDDEN
    );

    let aud = app.web_client("aud", PASSWORD).await;
    assert_eq!(
        app.get_with(&aud, "/groups").await.headers()["location"],
        "/audit"
    );
    for path in [
        format!("/groups/{g1}"),
        "/admin/users".into(),
        "/admin/users/export.xlsx".into(),
    ] {
        assert_eq!(
            app.get_with(&aud, &path).await.status(),
            StatusCode::FORBIDDEN,
            "auditor {path}"
        );
    }
    let audit = app
        .get_with(&aud, "/audit?action=login.success")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("login.success") && audit.contains("127.0.0.1"));
    let export = app.get_with(&aud, "/audit/export.xlsx").await;
    assert_eq!(export.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&export.bytes().await.unwrap()).unwrap();
    assert!(
        rows.iter()
            .any(|r| r[2] == "新建结对组" && r[3] == "group.create")
    );

    // The bureau owns the programme but does not read the audit log or manage accounts.
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        app.get_with(&bureau, "/audit").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&bureau, "/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );
}

/// Role × route for the administrators' pages and API: each duty answers to its one role.
async fn each_administrator_reaches_only_their_duty(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("sec", "东莞市教育局", "secadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    app.add_user("hotel", "广东酒店管理职业技术学院", "school")
        .await;
    let target = app
        .text("select id from users where username = 'hotel'", &[])
        .await;
    let g1 = app.group_id(1).await;
    // (name, password) of each role, and the routes each may reach (200); all others are 403.
    let people = [
        ("admin", ADMIN_PASSWORD, "bureau"),
        ("hotel", PASSWORD, "school"),
        ("sys", PASSWORD, "sysadmin"),
        ("sec", PASSWORD, "secadmin"),
        ("aud", PASSWORD, "auditor"),
    ];
    let web_routes: Vec<(String, &[&str])> = vec![
        ("/admin/users".into(), &["sysadmin", "secadmin"]),
        ("/admin/users/export.xlsx".into(), &["sysadmin", "secadmin"]),
        ("/admin/users/new".into(), &["sysadmin"]),
        (format!("/admin/users/{target}/disable"), &["sysadmin"]),
        (format!("/admin/users/{target}/enable"), &["sysadmin"]),
        ("/admin/approvals".into(), &["secadmin"]),
        (format!("/admin/users/{target}/approve"), &["secadmin"]),
        (format!("/admin/users/{target}/reject"), &["secadmin"]),
        (
            format!("/admin/users/{target}/role"),
            &["sysadmin", "secadmin"],
        ),
        (format!("/admin/users/{target}/unlock"), &["secadmin"]),
        (
            format!("/admin/users/{target}/reset-password"),
            &["secadmin"],
        ),
        ("/audit".into(), &["auditor"]),
        ("/audit/export.xlsx".into(), &["auditor"]),
        (format!("/groups/{g1}"), &["bureau", "school"]),
        ("/organisations".into(), &["bureau", "school"]),
    ];
    let api_routes: [(&str, &[&str]); 2] = [
        ("/api/v1/users", &["sysadmin", "secadmin"]),
        ("/api/v1/groups", &["bureau", "school"]),
    ];
    let mut cells = 0;
    for (name, password, role) in people {
        let web = app.web_client(name, password).await;
        for (path, allowed) in &web_routes {
            let want = if allowed.contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(
                app.get_with(&web, path).await.status(),
                want,
                "{role} GET {path}"
            );
            cells += 1;
        }
        let token = app.api_token(name, password).await;
        for (path, allowed) in api_routes {
            let want = if allowed.contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(
                app.api_get(&token, path).await.status(),
                want,
                "{role} GET {path}"
            );
            cells += 1;
        }
        // Creating an account through the API: the system administrator's (422 for an empty
        // body, read after the role check), 403 for everyone else.
        let resp = app
            .client
            .post(app.url("/api/v1/users"))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let want = if role == "sysadmin" {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(resp.status(), want, "{role} POST /api/v1/users");
        // Proposing a role through the API: the system and the security administrator (422
        // for an empty body), 403 for everyone else.
        let resp = app
            .client
            .put(app.url(&format!("/api/v1/users/{target}/role")))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        let want = if role == "sysadmin" || role == "secadmin" {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(resp.status(), want, "{role} PUT role");
        // Approving through the API: the security administrator alone (409: nothing waits).
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/users/{target}/approve")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let want = if role == "secadmin" {
            StatusCode::CONFLICT
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(resp.status(), want, "{role} approve");
        // Acting on an account through the API.
        for (action, owner) in [("disable", "sysadmin"), ("unlock", "secadmin")] {
            let resp = app
                .client
                .post(app.url(&format!("/api/v1/users/{target}/{action}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let want = if role == owner {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(resp.status(), want, "{role} {action}");
            if action == "disable" && role == owner {
                // Enable again, for the next person's checks.
                let resp = app
                    .client
                    .post(app.url(&format!("/api/v1/users/{target}/enable")))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::OK);
            }
        }
        cells += 5;
    }
    assert_eq!(cells, 5 * (web_routes.len() + api_routes.len() + 5));
    // The group list sends the security administrator to the approvals, off business pages.
    let sec = app.web_client("sec", PASSWORD).await;
    assert_eq!(
        app.get_with(&sec, "/groups").await.headers()["location"],
        "/admin/approvals"
    );
}

async fn nobody_signed_in_sees_nothing(app: TestApp) {
    let g1 = app.group_id(1).await;
    let resp = app.get(&format!("/groups/{g1}")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    for path in ["/api/v1/groups", "/api/v1/organisations"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let resp = app
        .client
        .get(app.url("/api/v1/groups"))
        .bearer_auth("made-up-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // A web session cookie is not an API token, and an API token is not a web session.
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let resp = crate::helpers::new_client()
        .get(app.url("/"))
        .header("cookie", format!("xiaodi_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

on_both!(
    a_school_of_group_1_never_sees_group_2,
    towns_and_villages_see_their_groups,
    sysadmin_and_auditor_see_no_business_records,
    each_administrator_reaches_only_their_duty,
    nobody_signed_in_sees_nothing,
);
