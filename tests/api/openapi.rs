//! The OpenAPI document says what the server does, as schemathesis (`.ci/schemathesis.sh`) checks
//! it: each finding of that run is pinned here, in the document and in the server's answer.

use crate::helpers::{Db, PASSWORD, TestApp, expect, group4, spawn_app};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn doc(app: &TestApp) -> Value {
    app.get("/api/openapi.json").await.json().await.unwrap()
}

/// The schema of a query parameter of `GET path`.
fn query_param<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    let p = doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has parameters"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{path} declares {name}"));
    assert_eq!(p["in"], "query", "{path} {name}");
    &p["schema"]
}

/// The statuses `method path` declares.
fn declared(doc: &Value, method: &str, path: &str) -> Vec<String> {
    doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is documented"))
        .keys()
        .cloned()
        .collect()
}

/// The fields a 422 names.
fn fields(body: &Value) -> Vec<String> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("a fields list: {body}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

/// `page` answers up to the maximum the document gives it, and is refused one past it.
async fn pages_are_bounded_as_documented(app: TestApp) {
    let doc = doc(&app).await;
    let token = app.api_token("admin", crate::helpers::ADMIN_PASSWORD).await;
    for path in ["/api/v1/groups", "/api/v1/organisations"] {
        let page = query_param(&doc, path, "page");
        assert_eq!(
            (page["minimum"].as_i64(), page["maximum"].as_i64()),
            (Some(1), Some(1_000_000)),
            "{path}: {page}"
        );
        let last = expect(
            app.api_get(&token, &format!("{path}?page=1000000&per_page=500"))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(last["page"], 1_000_000);
        assert_eq!(last["items"].as_array().unwrap().len(), 0);
        assert!(last["total"].as_i64().unwrap() > 0, "{last}");
        let past = expect(
            app.api_get(&token, &format!("{path}?page=1000001")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&past), ["page"], "{past}");
        assert!(
            past["message"].as_str().unwrap().contains("1000000"),
            "{past}"
        );
    }
}

/// `kind` is one of the codes, or empty for every kind; nothing near one is taken for it.
async fn an_organisation_kind_is_exactly_a_code(app: TestApp) {
    let doc = doc(&app).await;
    let pattern = query_param(&doc, "/api/v1/organisations", "kind")["pattern"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        pattern,
        "^(|university|vocational_school|town|village|bureau|hq)$"
    );
    let token = app.api_token("admin", crate::helpers::ADMIN_PASSWORD).await;
    let all = expect(
        app.api_get(&token, "/api/v1/organisations?per_page=500")
            .await,
        StatusCode::OK,
    )
    .await;
    let empty = expect(
        app.api_get(&token, "/api/v1/organisations?per_page=500&kind=")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(empty["total"], all["total"]);
    let towns = expect(
        app.api_get(&token, "/api/v1/organisations?per_page=500&kind=town")
            .await,
        StatusCode::OK,
    )
    .await;
    let items = towns["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|o| o["kind"] == "town"), "{towns}");
    for near in ["%20town", "town%20", "TOWN", "%E9%95%87"] {
        let body = expect(
            app.api_get(&token, &format!("/api/v1/organisations?kind={near}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&body), ["kind"], "{near}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("不是有效的单位类型"),
            "{body}"
        );
    }
}

/// An upload sent without a multipart body is a 422 that names the body (it was axum's bare
/// 400, which the document did not declare), and nothing is recorded.
async fn an_upload_without_a_multipart_body_is_refused_by_name(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    let g = group4(&app).await;
    let token = app.api_token("gdmu", PASSWORD).await;
    let doc = doc(&app).await;
    let before = (
        app.count("practice_bases").await,
        app.count("onsite_entries").await,
        app.count("attachments").await,
    );
    for op in ["bases", "onsite/import", "agreement/scans"] {
        let path = format!("/api/v1/groups/{}/{op}", g.id);
        let documented = declared(&doc, "post", &format!("/api/v1/groups/{{id}}/{op}"));
        assert!(!documented.contains(&"400".to_string()), "{op}");
        assert!(documented.contains(&"422".to_string()), "{op}");
        let bare = app
            .client
            .post(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let body = expect(bare, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), ["请求体"], "{op}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("multipart/form-data"),
            "{body}"
        );
        let as_json = app
            .client
            .post(app.url(&path))
            .bearer_auth(&token)
            .json(&json!({"name": "基地"}))
            .send()
            .await
            .unwrap();
        let body = expect(as_json, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), ["请求体"], "{op}: {body}");
    }
    // Someone else's group is still 404 first: the body is judged after the group.
    let other = app.group_id(2).await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/groups/{other}/bases")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect(resp, StatusCode::NOT_FOUND).await;
    // A real multipart body still reaches the service, which names the missing fields.
    let form = Form::new().part("name", Part::text("红色教育基地"));
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/groups/{}/bases", g.id)))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(!fields(&body).contains(&"请求体".to_string()), "{body}");
    let after = (
        app.count("practice_bases").await,
        app.count("onsite_entries").await,
        app.count("attachments").await,
    );
    assert_eq!(before, after, "nothing was recorded");
}

/// A JSON field the operation does not take is refused by name, not read as if absent (every
/// field has a default, so a misspelt one used to become an empty value); the document says
/// `additionalProperties: false`.
async fn unknown_json_fields_are_refused(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    let g = group4(&app).await;
    let token = app.api_token("gdmu", PASSWORD).await;
    let doc = doc(&app).await;
    for schema in [
        "LoginRequest",
        "AgreementRequest",
        "OnsiteRequest",
        "TeamMemberRequest",
        "LeaveRequest",
    ] {
        assert_eq!(
            doc["components"]["schemas"][schema]["additionalProperties"], false,
            "{schema}"
        );
    }
    let path = format!("/api/v1/groups/{}/team", g.id);
    let member = json!({
        "person_name": "李四", "org_id": g.university, "role": "member", "title": "none",
        "school_leader": false, "joined_on": "2024-01-01",
    });
    let mut misspelt = member.clone();
    misspelt["phone_number"] = json!("13800131234");
    let before = app.count("team_members").await;
    let resp = app
        .client
        .post(app.url(&path))
        .bearer_auth(&token)
        .json(&misspelt)
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["请求体"], "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("phone_number"),
        "the unknown field is named: {body}"
    );
    assert_eq!(app.count("team_members").await, before, "nothing recorded");
    // The same body without it is recorded.
    let resp = app
        .client
        .post(app.url(&path))
        .bearer_auth(&token)
        .json(&member)
        .send()
        .await
        .unwrap();
    expect(resp, StatusCode::CREATED).await;
    assert_eq!(app.count("team_members").await, before + 1);
    // Signing in too: an extra field is a malformed request, not a wrong password.
    let resp = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({"username": "gdmu", "password": PASSWORD, "remember": true}))
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["请求体"], "{body}");
}

/// The administrators, who see no business data, get the 403 each read declares.
async fn administrators_get_the_documented_403(app: TestApp) {
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    app.add_user("aud", "东莞市教育局", "auditor").await;
    let g = group4(&app).await;
    let doc = doc(&app).await;
    for user in ["sys", "aud"] {
        let token = app.api_token(user, PASSWORD).await;
        for (template, path) in [
            ("/api/v1/groups", "/api/v1/groups".to_string()),
            ("/api/v1/organisations", "/api/v1/organisations".to_string()),
            (
                "/api/v1/schools/checks",
                "/api/v1/schools/checks".to_string(),
            ),
            ("/api/v1/groups/{id}", format!("/api/v1/groups/{}", g.id)),
            (
                "/api/v1/groups/{id}/checks",
                format!("/api/v1/groups/{}/checks", g.id),
            ),
            (
                "/api/v1/groups/{id}/agreement",
                format!("/api/v1/groups/{}/agreement", g.id),
            ),
            (
                "/api/v1/groups/{id}/team",
                format!("/api/v1/groups/{}/team", g.id),
            ),
            (
                "/api/v1/groups/{id}/onsite",
                format!("/api/v1/groups/{}/onsite", g.id),
            ),
            (
                "/api/v1/groups/{id}/bases",
                format!("/api/v1/groups/{}/bases", g.id),
            ),
        ] {
            assert!(
                declared(&doc, "get", template).contains(&"403".to_string()),
                "{template} declares 403"
            );
            let body = expect(app.api_get(&token, &path).await, StatusCode::FORBIDDEN).await;
            assert_eq!(body["error"], "forbidden", "{user} {path}: {body}");
        }
        assert!(declared(&doc, "get", "/api/v1/files/{id}").contains(&"403".to_string()));
    }
}

/// Text the server refuses everywhere (NUL, direction controls) is refused in a path segment,
/// a query string and a body alike, never a 500 (PostgreSQL cannot store NUL), and each of those
/// operations declares the 422.
async fn refused_text_is_a_declared_422_everywhere(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    let g = group4(&app).await;
    let token = app.api_token("gdmu", PASSWORD).await;
    let doc = doc(&app).await;
    for (method, template, path) in [
        (
            "get",
            "/api/v1/groups",
            "/api/v1/groups?q=%E2%80%AE".to_string(),
        ),
        (
            "get",
            "/api/v1/groups/{id}/team",
            format!("/api/v1/groups/{}/team?x=%00", g.id),
        ),
        (
            "get",
            "/api/v1/files/{id}",
            "/api/v1/files/x?y=%E2%81%A6".to_string(),
        ),
    ] {
        assert!(declared(&doc, method, template).contains(&"422".to_string()));
        let body = expect(
            app.api_get(&token, &path).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&body), ["输入内容"], "{path}: {body}");
    }
    // A NUL in a path segment finds nothing (and breaks nothing).
    for path in [
        "/api/v1/groups/%00".to_string(),
        format!("/api/v1/groups/{}/onsite/%00/confirm", g.id),
    ] {
        let resp = app
            .client
            .request(
                if path.ends_with("confirm") {
                    Method::POST
                } else {
                    Method::GET
                },
                app.url(&path),
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let before = app.count("team_members").await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/groups/{}/team", g.id)))
        .bearer_auth(&token)
        .json(&json!({
            "person_name": "李\u{0}四", "org_id": g.university, "role": "member",
            "title": "none", "joined_on": "2024-01-01",
        }))
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["输入内容"], "{body}");
    assert_eq!(app.count("team_members").await, before);
}

/// A JSON body over the 2 MiB the text check reads is a 413, which every operation that reads
/// a JSON body declares.
async fn an_oversized_json_body_is_a_declared_413(app: TestApp) {
    app.add_user("gdmu", "广东医科大学", "school").await;
    let g = group4(&app).await;
    let token = app.api_token("gdmu", PASSWORD).await;
    let doc = doc(&app).await;
    for (method, path) in [
        ("post", "/api/v1/login"),
        ("put", "/api/v1/groups/{id}/agreement"),
        ("post", "/api/v1/groups/{id}/onsite"),
        ("post", "/api/v1/groups/{id}/team"),
        ("post", "/api/v1/groups/{id}/team/{member}/leave"),
    ] {
        assert!(
            declared(&doc, method, path).contains(&"413".to_string()),
            "{method} {path}"
        );
    }
    let before = app.count("team_members").await;
    let huge = json!({ "person_name": "李".repeat(1024 * 1024), "org_id": g.university });
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/groups/{}/team", g.id)))
        .bearer_auth(&token)
        .json(&huge)
        .send()
        .await
        .unwrap();
    let body = expect(resp, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(fields(&body), ["请求体"], "{body}");
    assert_eq!(app.count("team_members").await, before);
}

on_both!(
    pages_are_bounded_as_documented,
    an_organisation_kind_is_exactly_a_code,
    an_upload_without_a_multipart_body_is_refused_by_name,
    unknown_json_fields_are_refused,
    administrators_get_the_documented_403,
    refused_text_is_a_declared_422_everywhere,
    an_oversized_json_body_is_a_declared_413,
);

/// Every operation, including those added later, declares the errors every operation of its kind
/// can give, and every request string says which characters are refused. (The document alone:
/// one database.)
#[tokio::test]
async fn every_operation_declares_the_common_errors_and_refused_text() {
    let app = spawn_app(Db::Sqlite).await.unwrap();
    let doc = doc(&app).await;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let statuses = declared(&doc, method, path);
            assert!(statuses.contains(&"422".into()), "{method} {path}");
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                assert!(
                    statuses.contains(&"401".into()),
                    "{method} {path}: needs a token"
                );
            }
            let json_body = op["requestBody"]["content"]["application/json"].is_object();
            assert_eq!(
                statuses.contains(&"413".into()),
                json_body,
                "{method} {path}: 413 exactly when a JSON body is read"
            );
            for p in op["parameters"].as_array().into_iter().flatten() {
                let s = &p["schema"];
                if s["type"] == "string" && s["enum"].is_null() && s["format"].is_null() {
                    assert!(s["pattern"].is_string(), "{method} {path} {}", p["name"]);
                }
            }
        }
    }
    assert!(operations >= 20);
    // Declared where they apply: by the operation's own words (kept), or by the modifier.
    assert_eq!(
        doc["paths"]["/api/v1/groups/{id}/onsite"]["post"]["responses"]["422"]["description"],
        "Every wrong field in `fields`; also the same service recorded twice"
    );
    let login = &doc["paths"]["/api/v1/login"]["post"]["responses"];
    assert!(
        login["429"]["headers"]["Retry-After"].is_object(),
        "{login}"
    );
    // The request schemas' strings, and only theirs, carry the refused-text pattern.
    let schemas = &doc["components"]["schemas"];
    let pattern = xiaodi::api::REFUSED_TEXT_PATTERN;
    assert_eq!(
        schemas["TeamMemberRequest"]["properties"]["person_name"]["pattern"],
        pattern
    );
    assert_eq!(
        schemas["AgreementRequest"]["properties"]["parties"]["items"]["pattern"],
        pattern
    );
    assert_eq!(
        schemas["BaseUpload"]["properties"]["name"]["pattern"],
        pattern
    );
    assert_eq!(
        schemas["OnsiteRequest"]["properties"]["date_from"]["format"],
        "date"
    );
    assert!(
        schemas["OnsiteRequest"]["properties"]["date_from"]["pattern"].is_null(),
        "a date has its format instead"
    );
    assert!(schemas["GroupDto"]["properties"]["id"]["pattern"].is_null());
    assert_eq!(query_param(&doc, "/api/v1/groups", "q")["pattern"], pattern);
    assert_eq!(
        doc["paths"]["/api/v1/groups/{id}"]["get"]["parameters"][0]["schema"]["pattern"],
        pattern
    );
}
