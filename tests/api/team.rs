//! The service team forgives mistakes (issue 8): a member is corrected field by field with a
//! visible 修改记录, withdrawn when entered by mistake (the same day), recorded as leaving with a
//! date the form does not refuse; the add form starts with nothing chosen and warns about a name
//! already on the team. Web forms and their API twins, on both databases.

use crate::helpers::{Group4, PASSWORD, TestApp, group4, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

/// The body of a response that must have `status`, shown in full when it does not.
async fn expect(resp: Response, status: StatusCode) -> String {
    let got = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    text
}

async fn expect_json(resp: Response, status: StatusCode) -> Value {
    serde_json::from_str(&expect(resp, status).await).unwrap_or(Value::Null)
}

/// `field：message` of every item of an API 422.
fn api_fields(body: &Value) -> Vec<(String, String)> {
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

/// The member form's fields for `name` of `org`, as a school types them.
fn member_fields<'a>(name: &'a str, org: &'a str, joined_on: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("person_name", name),
        ("org_id", org),
        ("role", "member"),
        ("title", "senior"),
        ("joined_on", joined_on),
        ("phone", "13800131234"),
    ]
}

/// Adds a member through the web form (must succeed) and returns their id.
async fn add_member(
    app: &TestApp,
    school: &Client,
    gid: &str,
    name: &str,
    org: &str,
    joined_on: &str,
) -> String {
    let r = post_form(
        app,
        school,
        &format!("/groups/{gid}/team"),
        &member_fields(name, org, joined_on),
    )
    .await;
    expect(r, StatusCode::SEE_OTHER).await;
    member_id(app, name).await
}

async fn member_id(app: &TestApp, name: &str) -> String {
    app.text(
        "select id from team_members where person_name = $1 order by created_at desc",
        &[name],
    )
    .await
}

/// The member's stored fields, to show a refused change left them as they were.
async fn stored(app: &TestApp, id: &str) -> String {
    app.text(
        "select person_name || '|' || org_id || '|' || role || '|' || title || '|' || school_leader || '|' || phone || '|' || joined_on || '|' || coalesce(left_on, '-') from team_members where id = $1",
        &[id],
    )
    .await
}

/// Follows a redirect with `client` and returns the page, checking it went where a save goes.
async fn follow(app: &TestApp, client: &Client, r: Response, saved: &str) -> String {
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with(&format!("?saved={saved}#saved")), "{to}");
    expect(app.get_with(client, &to).await, StatusCode::OK).await
}

/// Records an on-site entry naming `members` through the API (must succeed).
async fn onsite(app: &TestApp, token: &str, g: &Group4, from: &str, to: &str, members: &[&str]) {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/groups/{}/onsite", g.id),
        json!({ "date_from": from, "date_to": to, "place_org_id": g.town,
                "member_ids": members, "content": format!("驻镇服务 {from}") }),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
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

async fn setup(app: &TestApp) -> (Group4, Client, String) {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let token = app.api_token("gdmu", PASSWORD).await;
    (g, school, token)
}

async fn a_member_is_corrected_field_by_field(app: TestApp) {
    let (g, school, token) = setup(&app).await;
    let team = format!("/groups/{}/team", g.id);
    let r = post_form(
        &app,
        &school,
        &team,
        &[
            ("person_name", "张三"),
            ("org_id", &g.university),
            ("role", "captain"),
            ("title", "senior"),
            ("joined_on", "2024-01-10"),
            ("phone", "13800131234"),
        ],
    )
    .await;
    let page = follow(&app, &school, r, "member_added").await;
    assert!(page.contains("已保存：队员已加入服务工作队。"), "{page}");
    let id = member_id(&app, "张三").await;
    let edit = format!("{team}/{id}/edit");
    assert!(page.contains(&edit), "the list links to the edit page");

    // The edit page starts from the record, with its history (the creation).
    let form = expect(app.get_with(&school, &edit).await, StatusCode::OK).await;
    assert!(form.contains("value=\"张三\"") && form.contains("value=\"2024-01-10\""));
    assert!(form.contains("value=\"13800131234\""));
    assert!(
        form.contains("修改记录") && form.contains("新增服务队员"),
        "{form}"
    );

    // A failed correction names every field, keeps what was typed, and changes nothing.
    let before = stored(&app, &id).await;
    let r = post_form(
        &app,
        &school,
        &edit,
        &[
            ("person_name", ""),
            ("org_id", &g.university),
            ("role", "captain"),
            ("title", "senior"),
            ("joined_on", "2026-07-01"),
            ("phone", "139"),
        ],
    )
    .await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    for want in [
        "姓名：不能为空",
        "手机号码：“139”不是有效的 11 位手机号码",
        "加入日期：2026-07-01 晚于今天",
        "href=\"#f-person_name\"",
        "value=\"139\"",
        "value=\"2026-07-01\"",
    ] {
        assert!(page.contains(want), "{want}: {page}");
    }
    assert!(page.contains("id=\"f-phone\" name=\"phone\" value=\"139\" inputmode=\"tel\" placeholder=\"11 位手机号\" aria-invalid=\"true\""));
    assert_eq!(stored(&app, &id).await, before);

    // Every field corrected at once.
    let r = post_form(
        &app,
        &school,
        &edit,
        &[
            ("person_name", "张三丰"),
            ("org_id", &g.vocational),
            ("role", "vice_captain"),
            ("title", "intermediate"),
            ("school_leader", "1"),
            ("joined_on", "2024-02-01"),
            ("phone", "13900139000"),
        ],
    )
    .await;
    let page = follow(&app, &school, r, "member_updated").await;
    assert!(page.contains("已保存：队员信息已更正。"));
    assert_eq!(
        stored(&app, &id).await,
        format!(
            "张三丰|{}|vice_captain|intermediate|1|13900139000|2024-02-01|-",
            g.vocational
        )
    );
    assert_eq!(audited(&app, "team_member.update").await, 1);

    // The history reads in Chinese, schools by name, on the page and through the API.
    let lines = [
        "姓名：张三 → 张三丰",
        "单位：广东医科大学 → 东莞市电子科技学校",
        "队内职务：队长 → 副队长",
        "职称：正高级 → 中级",
        "校级领导：否 → 是",
        "加入日期：2024-01-10 → 2024-02-01",
    ];
    let form = expect(app.get_with(&school, &edit).await, StatusCode::OK).await;
    assert!(form.contains("更正服务队员"), "{form}");
    for l in lines {
        assert!(form.contains(l), "{l}: {form}");
    }
    assert!(
        !form.contains(&format!("单位：{}", g.university)),
        "no ids in the history"
    );
    let history = expect_json(
        app.api_get(
            &token,
            &format!("/api/v1/groups/{}/records/team_member/{id}/history", g.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{history}");
    assert_eq!(entries[0]["action"], "新增服务队员");
    assert_eq!(entries[1]["action"], "更正服务队员");
    let changes: Vec<&str> = entries[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for l in lines {
        assert!(changes.contains(&l), "{l}: {changes:?}");
    }
    assert!(
        changes.iter().any(|c| c.starts_with("电话：")),
        "{changes:?}"
    );

    // The API twin: the full record; a wrong one changes nothing.
    let path = format!("/api/v1/groups/{}/team/{id}", g.id);
    let full = |title: &str, role: &str| {
        json!({ "person_name": "张三丰", "org_id": g.vocational, "role": role, "title": title,
                "school_leader": true, "phone": "13900139000", "joined_on": "2024-02-01" })
    };
    let body = expect_json(
        send(&app, &token, Method::PUT, &path, full("senior", "")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        api_fields(&body),
        [(
            "队内职务".to_string(),
            "请选择队长、副队长或队员".to_string()
        )]
    );
    assert!(stored(&app, &id).await.contains("|intermediate|"));
    let dto = expect_json(
        send(&app, &token, Method::PUT, &path, full("senior", "captain")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&dto["title"], &dto["role"]),
        (&json!("senior"), &json!("captain"))
    );
    assert_eq!(audited(&app, "team_member.update").await, 2);

    // On-site entries must stay within the corrected days: every entry at fault is named.
    onsite(&app, &token, &g, "2024-03-01", "2024-03-01", &[&id]).await;
    onsite(&app, &token, &g, "2024-03-05", "2024-03-06", &[&id]).await;
    let r = post_form(
        &app,
        &school,
        &edit,
        &[
            ("person_name", "张三丰"),
            ("org_id", &g.vocational),
            ("role", "captain"),
            ("title", "senior"),
            ("joined_on", "2024-04-01"),
            ("phone", "13900139000"),
        ],
    )
    .await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        page.contains("2024-03-01、2024-03-05–2024-03-06 早于加入日期 2024-04-01"),
        "{page}"
    );
    assert!(page.contains("href=\"#f-joined_on\""));
    let mut late = full("senior", "captain");
    late["joined_on"] = json!("2024-03-02");
    let body = expect_json(
        send(&app, &token, Method::PUT, &path, late).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let f = api_fields(&body);
    assert_eq!(f[0].0, "加入日期");
    assert!(
        f[0].1.contains("2024-03-01 早于") && !f[0].1.contains("03-05"),
        "{f:?}"
    );
    assert!(stored(&app, &id).await.contains("|2024-02-01|-"));

    // The leaving date is corrected too (once there is one), against the entries as well.
    let r = post_form(
        &app,
        &school,
        &format!("{team}/{id}/leave"),
        &[("left_on", "2024-06-01")],
    )
    .await;
    let page = follow(&app, &school, r, "member_left").await;
    // Listed apart once gone, still with its corrections at hand.
    assert!(
        page.contains("已离队人员（1 人）") && page.contains("2024-02-01 至 2024-06-01"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"{edit}\"")));
    let form = expect(app.get_with(&school, &edit).await, StatusCode::OK).await;
    assert!(form.contains("id=\"f-left_on\" name=\"left_on\" value=\"2024-06-01\""));
    let mut early_leave = full("senior", "captain");
    early_leave["left_on"] = json!("2024-03-06");
    let body = expect_json(
        send(&app, &token, Method::PUT, &path, early_leave).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let f = api_fields(&body);
    assert_eq!(f[0].0, "离队日期");
    assert!(
        f[0].1
            .contains("2024-03-05–2024-03-06 不早于离队日期 2024-03-06"),
        "{f:?}"
    );
    let mut fields = vec![
        ("person_name", "张三丰"),
        ("org_id", g.vocational.as_str()),
        ("role", "captain"),
        ("title", "senior"),
        ("joined_on", "2024-02-01"),
        ("phone", "13900139000"),
        ("left_on", "2024-05-01"),
    ];
    let r = post_form(&app, &school, &edit, &fields).await;
    follow(&app, &school, r, "member_updated").await;
    assert!(stored(&app, &id).await.ends_with("|2024-05-01"));
    // Clearing it takes back a leaving recorded by mistake.
    fields.pop();
    fields.push(("left_on", ""));
    let r = post_form(&app, &school, &edit, &fields).await;
    follow(&app, &school, r, "member_updated").await;
    assert!(stored(&app, &id).await.ends_with("|-"));
    let form = expect(app.get_with(&school, &edit).await, StatusCode::OK).await;
    assert!(form.contains("离队日期：2024-05-01 → （空）"), "{form}");
}

async fn a_member_entered_by_mistake_is_withdrawn_the_same_day(app: TestApp) {
    let (g, school, token) = setup(&app).await;
    let team = format!("/groups/{}/team", g.id);
    // Added today by mistake: leaving today is refused with the dates and the way out named.
    let id = add_member(&app, &school, &g.id, "误录者", &g.university, "2026-06-15").await;
    let leave = expect(
        app.get_with(&school, &format!("{team}/{id}/leave")).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        leave.contains("name=\"left_on\" value=\"\""),
        "nothing refused pre-filled"
    );
    assert!(leave.contains("今天只能填 2026-06-16"), "{leave}");
    let r = post_form(
        &app,
        &school,
        &format!("{team}/{id}/leave"),
        &[("left_on", "2026-06-15")],
    )
    .await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        page.contains("离队日期：2026-06-15 应晚于加入日期 2026-06-15")
            && page.contains("撤回误录"),
        "{page}"
    );
    assert!(page.contains("aria-invalid=\"true\""));

    let before = app.count("team_members").await;
    let confirm = expect(
        app.get_with(&school, &format!("{team}/{id}/withdraw"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        confirm.contains("确定撤回误录的队员 误录者？此操作将删除该记录，离队请用"),
        "{confirm}"
    );
    let r = post_form(&app, &school, &format!("{team}/{id}/withdraw"), &[]).await;
    let page = follow(&app, &school, r, "member_withdrawn").await;
    assert!(page.contains("已撤回：该队员记录已删除（误录）。"));
    assert!(!page.contains("误录者"));
    assert_eq!(app.count("team_members").await, before - 1);
    let before_json = app
        .text(
            "select before_json from audit_events where action = 'team_member.withdraw' and entity_id = $1",
            &[&id],
        )
        .await;
    assert!(
        before_json.contains("误录者") && before_json.contains("2026-06-15"),
        "{before_json}"
    );
    // Gone: its pages and a second withdrawal are 404.
    expect(
        app.get_with(&school, &format!("{team}/{id}/edit")).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The API twin, the same day.
    let r = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/groups/{}/team", g.id),
        json!({ "person_name": "又一误录", "org_id": g.university, "role": "member",
                "title": "none", "joined_on": "2026-06-15" }),
    )
    .await;
    let created = expect_json(r, StatusCode::CREATED).await;
    let api_id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/groups/{}/team/{api_id}", g.id);
    expect(
        send(&app, &token, Method::DELETE, &path, Value::Null).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect(
        send(&app, &token, Method::DELETE, &path, Value::Null).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(audited(&app, "team_member.withdraw").await, 2);

    // Refused while on-site entries name the member: every entry's dates named, nothing deleted.
    let id = add_member(&app, &school, &g.id, "在岗者", &g.university, "2024-01-10").await;
    onsite(&app, &token, &g, "2024-03-01", "2024-03-02", &[&id]).await;
    onsite(&app, &token, &g, "2024-04-08", "2024-04-08", &[&id]).await;
    let confirm = expect(
        app.get_with(&school, &format!("{team}/{id}/withdraw"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        confirm.contains("2024-03-01–2024-03-02、2024-04-08"),
        "{confirm}"
    );
    assert!(
        !confirm.contains("确认撤回"),
        "no button when it cannot be done"
    );
    let r = post_form(&app, &school, &format!("{team}/{id}/withdraw"), &[]).await;
    let page = expect(r, StatusCode::CONFLICT).await;
    assert!(
        page.contains("在岗者 出现在 2024-03-01–2024-03-02、2024-04-08 的驻镇(含驻村)服务记录中"),
        "{page}"
    );
    let path = format!("/api/v1/groups/{}/team/{id}", g.id);
    let body = expect_json(
        send(&app, &token, Method::DELETE, &path, Value::Null).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("2024-04-08"),
        "{body}"
    );
    assert_eq!(member_id(&app, "在岗者").await, id);
    assert_eq!(audited(&app, "team_member.withdraw").await, 2);
}

async fn leaving_is_recorded_up_to_tomorrow(app: TestApp) {
    let (g, school, token) = setup(&app).await;
    let team = format!("/groups/{}/team", g.id);
    let id = add_member(&app, &school, &g.id, "离队者", &g.university, "2024-01-10").await;
    let leave = format!("{team}/{id}/leave");
    let form = expect(app.get_with(&school, &leave).await, StatusCode::OK).await;
    assert!(
        form.contains("name=\"left_on\" value=\"2026-06-15\""),
        "{form}"
    );
    assert!(form.contains("可填 2024-01-11 至 2026-06-16"), "{form}");
    let r = post_form(&app, &school, &leave, &[("left_on", "2026-06-17")]).await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        page.contains("离队日期：2026-06-17 晚于 2026-06-16"),
        "{page}"
    );
    assert!(
        page.contains("value=\"2026-06-17\""),
        "keeps what was typed"
    );
    // The last day on the team is today: the first day off is tomorrow.
    let r = post_form(&app, &school, &leave, &[("left_on", "2026-06-16")]).await;
    let page = follow(&app, &school, r, "member_left").await;
    assert!(page.contains("已保存：已登记离队。"));
    assert!(page.contains("离队者"), "still on the team today");
    assert_eq!(
        stored(&app, &id).await.rsplit('|').next(),
        Some("2026-06-16")
    );

    // A member with service later than the joining day: the form starts after it.
    let id = add_member(&app, &school, &g.id, "服务者", &g.university, "2024-01-10").await;
    onsite(&app, &token, &g, "2026-06-15", "2026-06-15", &[&id]).await;
    let form = expect(
        app.get_with(&school, &format!("{team}/{id}/leave")).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        form.contains("name=\"left_on\" value=\"\""),
        "today would be refused: {form}"
    );
    assert!(form.contains("今天只能填 2026-06-16"), "{form}");
    let r = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/groups/{}/team/{id}/leave", g.id),
        json!({ "left_on": "2026-06-15" }),
    )
    .await;
    let body = expect_json(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(api_fields(&body)[0].0, "离队日期");
    let r = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/groups/{}/team/{id}/leave", g.id),
        json!({ "left_on": "2026-06-16" }),
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
}

async fn the_add_form_starts_empty_and_warns_of_a_name_on_the_team(app: TestApp) {
    let (g, school, token) = setup(&app).await;
    let team = format!("/groups/{}/team", g.id);
    let page = expect(app.get_with(&school, &team).await, StatusCode::OK).await;
    assert!(
        page.contains("<select id=\"f-role\" name=\"role\" required><option value=\"\">请选择</option><option value=\"captain\">队长</option>"),
        "{page}"
    );
    assert!(page.contains("name=\"joined_on\" value=\"\" required"));
    assert!(page.contains("可早于今天"));

    // Role and date left empty: both named, what was typed kept, nothing stored.
    let before = app.count("team_members").await;
    let r = post_form(
        &app,
        &school,
        &team,
        &[
            ("person_name", "空选者"),
            ("org_id", &g.university),
            ("role", ""),
            ("title", "senior"),
            ("joined_on", ""),
        ],
    )
    .await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    for want in [
        "队内职务：请选择队长、副队长或队员",
        "加入日期：不能为空",
        "<select id=\"f-role\" name=\"role\" required aria-invalid=\"true\">",
        "value=\"空选者\"",
        "有 2 处需要修改",
    ] {
        assert!(page.contains(want), "{want}: {page}");
    }
    assert_eq!(app.count("team_members").await, before);
    let add = format!("/api/v1/groups/{}/team", g.id);
    let body = expect_json(
        send(
            &app,
            &token,
            Method::POST,
            &add,
            json!({ "person_name": "空选者", "org_id": g.university, "title": "senior" }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let named: Vec<String> = api_fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(named, ["队内职务", "加入日期"]);

    // The same name again: warned with who has it, then added once confirmed.
    add_member(&app, &school, &g.id, "张三", &g.university, "2024-01-10").await;
    let mut again = member_fields("张三", &g.vocational, "2025-03-01");
    let r = post_form(&app, &school, &team, &again).await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        page.contains("本队已有同名队员 张三（广东医科大学，2024-01-10 加入）；如确为另一人，请勾选“确认添加同名队员”后再提交"),
        "{page}"
    );
    assert!(page.contains("name=\"confirm_duplicate\""));
    assert_eq!(app.count("team_members").await, before + 1);
    again.push(("confirm_duplicate", "1"));
    let r = post_form(&app, &school, &team, &again).await;
    follow(&app, &school, r, "member_added").await;
    assert_eq!(app.count("team_members").await, before + 2);

    // A former member's name too, through the API, and the same 422 until confirmed.
    let former = add_member(&app, &school, &g.id, "王五", &g.university, "2024-01-10").await;
    let r = post_form(
        &app,
        &school,
        &format!("{team}/{former}/leave"),
        &[("left_on", "2025-01-01")],
    )
    .await;
    expect(r, StatusCode::SEE_OTHER).await;
    let mut wang = json!({ "person_name": "王五", "org_id": g.university, "role": "member",
                           "title": "none", "joined_on": "2026-01-05" });
    let body = expect_json(
        send(&app, &token, Method::POST, &add, wang.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let f = api_fields(&body);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "姓名");
    assert!(
        f[0].1
            .contains("王五（广东医科大学，2024-01-10 加入，2025-01-01 离队）"),
        "{f:?}"
    );
    wang["confirm_duplicate"] = json!(true);
    expect(
        send(&app, &token, Method::POST, &add, wang).await,
        StatusCode::CREATED,
    )
    .await;

    // Correcting to a name on the team is warned about too; other corrections are not.
    let li = add_member(&app, &school, &g.id, "李四", &g.university, "2024-01-10").await;
    let edit = format!("{team}/{li}/edit");
    let mut fields = member_fields("张三", &g.university, "2024-01-10");
    let r = post_form(&app, &school, &edit, &fields).await;
    let page = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        page.contains("本队已有同名队员 张三（广东医科大学"),
        "{page}"
    );
    assert!(stored(&app, &li).await.starts_with("李四|"));
    fields.push(("confirm_duplicate", "1"));
    let r = post_form(&app, &school, &edit, &fields).await;
    follow(&app, &school, r, "member_updated").await;
    assert!(stored(&app, &li).await.starts_with("张三|"));
    let put = format!("/api/v1/groups/{}/team/{li}", g.id);
    let same_name = json!({ "person_name": "张三", "org_id": g.university, "role": "member",
                            "title": "junior", "joined_on": "2024-01-10" });
    expect(
        send(&app, &token, Method::PUT, &put, same_name).await,
        StatusCode::OK,
    )
    .await;
    let to_wang = json!({ "person_name": "王五", "org_id": g.university, "role": "member",
                          "title": "junior", "joined_on": "2024-01-10" });
    let body = expect_json(
        send(&app, &token, Method::PUT, &put, to_wang).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(api_fields(&body)[0].0, "姓名");
}

/// On-site service recorded for members not on the team then names every one of them.
async fn onsite_names_every_member_not_on_the_team(app: TestApp) {
    let (g, school, token) = setup(&app).await;
    let a = add_member(&app, &school, &g.id, "甲", &g.university, "2024-02-01").await;
    let b = add_member(&app, &school, &g.id, "乙", &g.university, "2024-02-01").await;
    let r = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/groups/{}/onsite", g.id),
        json!({ "date_from": "2024-01-15", "place_org_id": g.town,
                "member_ids": [a, b], "content": "驻镇服务" }),
    )
    .await;
    let body = expect_json(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let messages: Vec<String> = api_fields(&body).into_iter().map(|(_, m)| m).collect();
    assert!(messages.iter().any(|m| m.contains("甲 在")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("乙 在")), "{messages:?}");
}

/// Another group's member is not found; a read-only role is refused on every new route.
async fn the_new_routes_follow_access(app: TestApp) {
    let (g, school, _) = setup(&app).await;
    let id = add_member(&app, &school, &g.id, "张三", &g.university, "2024-01-10").await;
    let before = stored(&app, &id).await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    app.add_user("tangxia", "塘厦镇", "town").await; // group 4's town: reads, may not change
    let g2 = app.group_id(2).await;
    let other = app.web_client("gdst", PASSWORD).await;
    let other_token = app.api_token("gdst", PASSWORD).await;
    let town = app.web_client("tangxia", PASSWORD).await;
    let town_token = app.api_token("tangxia", PASSWORD).await;
    let fields = member_fields("改名", &g.university, "2024-01-10");
    let body = json!({ "person_name": "改名", "org_id": g.university, "role": "member",
                       "title": "senior", "joined_on": "2024-01-10" });

    // Through the other group's own address, or through group 4's, the member is not there.
    for gid in [&g2, &g.id] {
        let base = format!("/groups/{gid}/team/{id}");
        for page in ["edit", "withdraw", "leave"] {
            let r = app.get_with(&other, &format!("{base}/{page}")).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{base}/{page}");
        }
        expect(
            post_form(&app, &other, &format!("{base}/edit"), &fields).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        expect(
            post_form(&app, &other, &format!("{base}/withdraw"), &[]).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let api = format!("/api/v1/groups/{gid}/team/{id}");
        expect(
            send(&app, &other_token, Method::PUT, &api, body.clone()).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        expect(
            send(&app, &other_token, Method::DELETE, &api, Value::Null).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // A member id that is not one of the group's: 404 for the group's own school too.
    let r = app
        .get_with(&school, &format!("/groups/{}/team/nobody/edit", g.id))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let base = format!("/groups/{}/team/{id}", g.id);
    for page in ["edit", "withdraw", "leave"] {
        let r = app.get_with(&town, &format!("{base}/{page}")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{page}");
    }
    expect(
        post_form(&app, &town, &format!("{base}/edit"), &fields).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        post_form(&app, &town, &format!("{base}/withdraw"), &[]).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        post_form(
            &app,
            &town,
            &format!("{base}/leave"),
            &[("left_on", "2026-06-15")],
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let api = format!("/api/v1/groups/{}/team/{id}", g.id);
    expect(
        send(&app, &town_token, Method::PUT, &api, body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect(
        send(&app, &town_token, Method::DELETE, &api, Value::Null).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // The town sees the list, without the actions.
    let page = expect(
        app.get_with(&town, &format!("/groups/{}/team", g.id)).await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("张三") && !page.contains(&format!("{base}/edit")));
    assert_eq!(stored(&app, &id).await, before);
}

on_both!(
    a_member_is_corrected_field_by_field,
    a_member_entered_by_mistake_is_withdrawn_the_same_day,
    leaving_is_recorded_up_to_tomorrow,
    the_add_form_starts_empty_and_warns_of_a_name_on_the_team,
    onsite_names_every_member_not_on_the_team,
    the_new_routes_follow_access,
);
