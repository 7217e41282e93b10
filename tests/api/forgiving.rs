//! Imports that forgive (issue 8): dates as people type them in Excel and as Excel stores them,
//! villages written `名称(镇街)` as the platform shows them, and every error of every row reported
//! at once, still all or nothing; on both databases.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp};
use crate::on_both;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()[2..].to_string()
}

async fn upload(
    app: &TestApp,
    client: &Client,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Response {
    let csrf = app.csrf_of(client).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The page a successful import redirects to (the list, with its 已保存 notice).
async fn followed(app: &TestApp, client: &Client, resp: Response) -> String {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    let page = app.get_with(client, &to).await.text().await.unwrap();
    assert!(page.contains("已保存：表格中的记录已全部导入。"), "{page}");
    page
}

async fn api_upload(app: &TestApp, token: &str, path: &str, bytes: Vec<u8>) -> Value {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("sheet.csv"));
    let resp = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    resp.json().await.unwrap()
}

/// `第 N 行 列名：问题` for every item of an API error's `fields`.
fn api_rows(body: &Value) -> Vec<String> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}：{}",
                f["field"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Group 1 (凤岗镇, with 雁田村 and 南面村 of 谢岗镇), its university's school user on the web, and
/// a team of 王队长 (from 2024-01-10) and 赵一 (from 2024-01-10).
async fn group1_with_team(app: &TestApp) -> (String, Client) {
    let gid = app.group_id(1).await;
    let school_org = app
        .text(
            "select id from organisations where name = $1",
            &["广东酒店管理职业技术学院"],
        )
        .await;
    app.add_user("hotel", "广东酒店管理职业技术学院", "school")
        .await;
    let school = app.web_client("hotel", PASSWORD).await;
    for (name, role, title) in [("王队长", "captain", "senior"), ("赵一", "member", "none")] {
        let csrf = app.csrf_of(&school).await;
        let resp = school
            .post(app.url(&format!("/groups/{gid}/team")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("person_name", name),
                ("org_id", &school_org),
                ("role", role),
                ("title", title),
                ("joined_on", "2024-01-10"),
                ("phone", "13800131234"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "{}",
            resp.text().await.unwrap()
        );
    }
    (gid, school)
}

const ONSITE_HEADER: &str = "开始日期,结束日期,服务地点,在场队员,服务内容";

fn onsite_csv(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(ONSITE_HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.into_bytes()
}

/// The recorded entries as `from|to|place|content`, sorted.
async fn onsite_entries(app: &TestApp) -> Vec<String> {
    let sql = "select e.date_from || '|' || e.date_to || '|' || o.name || '|' || e.content as line
               from onsite_entries e join organisations o on o.id = e.place_org_id";
    let rows = sqlx::query(sql)
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| sqlx::Row::try_get::<String, _>(r, "line").unwrap())
        .collect();
    lines.sort();
    lines
}

async fn onsite_import_reads_dates_and_places_as_typed(app: TestApp) {
    let (gid, school) = group1_with_team(&app).await;
    let path = format!("/groups/{gid}/onsite/import");
    let typed = onsite_csv(&[
        "2024/3/1,2024/3/2,南面村(谢岗镇),王队长,调研",
        // A one-day entry may leave its end date empty; full-width brackets as typed in Chinese.
        "2024年3月5日,,南面村（谢岗镇）,王队长、赵一,义诊",
        "2024.3.8,2024-3-8,凤岗镇,赵一,座谈",
        "2024-03-11,2024/03/12,雁田村,王队长,规划",
        "20240315,2024/3/15 0:00,雁田村(凤岗镇),王队长,培训",
    ]);
    let resp = upload(&app, &school, &path, "驻点.csv", typed).await;
    let text = followed(&app, &school, resp).await;
    assert!(text.contains("已导入 5 条"), "{text}");
    assert_eq!(
        onsite_entries(&app).await,
        vec![
            "2024-03-01|2024-03-02|南面村|调研",
            "2024-03-05|2024-03-05|南面村|义诊",
            "2024-03-08|2024-03-08|凤岗镇|座谈",
            "2024-03-11|2024-03-12|雁田村|规划",
            "2024-03-15|2024-03-15|雁田村|培训",
        ]
    );

    // Excel's own date cells: a formatted date, a datetime, a Chinese custom format, and a
    // serial number in a cell without a date format (as a pasted column often ends up).
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ONSITE_HEADER.split(',').enumerate() {
        ws.write(0, c as u16, h).unwrap();
    }
    let plain = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    let chinese = rust_xlsxwriter::Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let with_time = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = |y, m, d| rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, d).unwrap();
    ws.write_datetime_with_format(1, 0, day(2024, 4, 1), &plain)
        .unwrap();
    ws.write_datetime_with_format(1, 1, day(2024, 4, 2), &chinese)
        .unwrap();
    ws.write_datetime_with_format(
        2,
        0,
        rust_xlsxwriter::ExcelDateTime::parse_from_str("2024-04-08 09:30:00").unwrap(),
        &with_time,
    )
    .unwrap();
    // 45397 is 2024-04-15 in Excel's 1900 date system.
    ws.write_number(3, 0, 45397).unwrap();
    for (r, (place, content)) in [
        ("南面村(谢岗镇)", "四月调研"),
        ("凤岗镇", "四月座谈"),
        ("雁田村", "四月培训"),
    ]
    .iter()
    .enumerate()
    {
        let r = r as u32 + 1;
        ws.write(r, 2, *place).unwrap();
        ws.write(r, 3, "王队长").unwrap();
        ws.write(r, 4, *content).unwrap();
    }
    let resp = upload(
        &app,
        &school,
        &path,
        "驻点.xlsx",
        book.save_to_buffer().unwrap(),
    )
    .await;
    let text = followed(&app, &school, resp).await;
    assert!(text.contains("已导入 3 条"), "{text}");
    let all = onsite_entries(&app).await;
    for want in [
        "2024-04-01|2024-04-02|南面村|四月调研",
        "2024-04-08|2024-04-08|凤岗镇|四月座谈",
        "2024-04-15|2024-04-15|雁田村|四月培训",
    ] {
        assert!(all.contains(&want.to_string()), "{want} in {all:?}");
    }

    // A village of another town is not the group's, whatever its brackets say.
    let before = app.count("onsite_entries").await;
    let resp = upload(
        &app,
        &school,
        &path,
        "驻点.csv",
        onsite_csv(&["2024/5/6,,南面村(凤岗镇),王队长,调研"]),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("第 2 行 服务地点：“南面村(凤岗镇)”不是本组的镇(街道)或村(社区)，可填：凤岗镇、雁田村、南面村(谢岗镇)"),
        "{text}"
    );
    assert_eq!(app.count("onsite_entries").await, before);
}

async fn onsite_import_reports_every_error_of_every_row(app: TestApp) {
    let (gid, school) = group1_with_team(&app).await;
    let path = format!("/groups/{gid}/onsite/import");
    let first = onsite_csv(&["2024/3/1,2024/3/2,南面村(谢岗镇),王队长,调研"]);
    let resp = upload(&app, &school, &path, "驻点.csv", first).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let before = app.snapshot().await;
    let audit_before = app.count("audit_events").await;

    let bad = onsite_csv(&[
        // Four cells wrong in one row: each is named.
        "2024/2/30,2024/3/1,东坑镇,查无此人,",
        // Right cells, but nobody was on the team in 2023 (found with the others, not after).
        "2023/12/30,2023/12/30,凤岗镇,王队长、赵一,调研",
        // The same service as recorded already: the store's finding, reported with the rest.
        "2024-03-01,2024-03-02,南面村(谢岗镇),王队长,调研",
        // A good row changes nothing either.
        "2024/3/20,,雁田村,赵一,座谈",
        // The end before the start, and a date that is no date.
        "2024/3/9,2024/3/8,雁田村,赵一,座谈",
        "明天,2024/3/8,雁田村,赵一,座谈",
    ]);
    let resp = upload(&app, &school, &path, "驻点.csv", bad.clone()).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    let expected = [
        "第 2 行 开始日期：“2024/2/30”不是有效日期（2024 年 2 月没有 30 日）",
        "第 2 行 服务地点：“东坑镇”不是本组的镇(街道)或村(社区)",
        "第 2 行 在场队员：服务工作队中没有“查无此人”",
        "第 2 行 服务内容：不能为空",
        "第 3 行 在场队员：王队长 在 2023-12-30–2023-12-30 期间不在队中",
        "第 3 行 在场队员：赵一 在 2023-12-30–2023-12-30 期间不在队中",
        "第 4 行 开始日期：与已登记的 2024-03-01–2024-03-02 服务记录完全相同",
        "第 6 行 结束日期：2024-03-08 早于开始日期 2024-03-09",
        "第 7 行 开始日期：“明天”不是有效日期，可写作 2026-05-20、2026/5/20",
    ];
    for e in expected {
        assert!(text.contains(e), "«{e}» in {text}");
    }
    assert!(
        !text.contains("第 5 行"),
        "the good row has nothing to mend"
    );
    assert!(text.contains("有 9 处需要修改"), "{text}");
    assert!(
        text.contains("再重新选择文件上传"),
        "a failed import says the file must be chosen again"
    );
    assert_eq!(app.snapshot().await, before, "all rows or none");
    assert_eq!(app.count("audit_events").await, audit_before);

    // The API answers the same, every problem in `fields`.
    let token = app.api_token("hotel", PASSWORD).await;
    let body = api_upload(
        &app,
        &token,
        &format!("/api/v1/groups/{gid}/onsite/import"),
        bad,
    )
    .await;
    let rows = api_rows(&body);
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for (got, want) in rows.iter().zip(expected) {
        assert!(
            want.starts_with(got.as_str()) || got.starts_with(want),
            "{got} / {want}"
        );
    }
    assert_eq!(app.snapshot().await, before);
}

async fn pairing_and_account_imports_report_every_error(app: TestApp) {
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let before = app.snapshot().await;
    let table = "序号,镇(街道),镇街类型,村(社区),在莞高校,中职学校\n\
                 九,虎门镇,镇,怀德社区,不存在大学,\n\
                 1,谢岗镇,镇,南面村（谢岗镇）,东莞市电子科技学校,不存在学校\n\
                 9,谢岗镇,镇,南面村（谢岗镇）,广东医科大学,\n";
    let resp = upload(
        &app,
        &bureau,
        "/import/pairings",
        "结对表.csv",
        table.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    for e in [
        "第 2 行 序号：应为正整数，实际为“九”",
        "第 2 行 村(社区)：“怀德社区”缺少所属镇街",
        // Found by the database although the row's other cells were wrong.
        "第 2 行 在莞高校：未知学校“不存在大学”",
        "第 3 行 序号：结对组编号 1 在方案中已存在",
        "第 3 行 在莞高校：“东莞市电子科技学校”是中职学校，不能填在在莞高校列",
        "第 3 行 中职学校：未知学校“不存在学校”",
    ] {
        assert!(text.contains(e), "«{e}» in {text}");
    }
    assert!(
        !text.contains("第 4 行"),
        "a full-width 南面村（谢岗镇） is read: {text}"
    );
    assert!(text.contains("有 6 处需要修改"), "{text}");
    assert!(text.contains("再重新选择文件上传"), "{text}");
    assert_eq!(app.snapshot().await, before);
    // Searching for a village as the platform shows it finds it.
    for q in ["南面村(谢岗镇)", "南面村（谢岗镇）"] {
        let page = app
            .get_with(&bureau, &format!("/groups?q={}", urlencode(q)))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("凤岗镇") && !page.contains("塘厦镇"),
            "groups: {q}"
        );
        let page = app
            .get_with(&bureau, &format!("/organisations?q={}", urlencode(q)))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("南面村") && !page.contains("雁田村"),
            "organisations: {q}"
        );
    }
    // The help names the columns in Chinese.
    let page = app
        .get_with(&bureau, "/import/pairings")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("序号、镇(街道)、镇街类型、村(社区)、在莞高校、中职学校"));
    assert!(!page.contains("group_no"));

    // Accounts: every cell of every row, and what the store finds of the cells that are there.
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    let users_before = app.count("users").await;
    let sheet = "用户名,姓名,单位,角色\n\
                 x,,不存在单位,学校\n\
                 sys,李四,南面村（谢岗镇）,学校\n\
                 vil9,王五,南面村(谢岗镇),村(社区)\n";
    let resp = upload(
        &app,
        &sys,
        "/admin/users/import",
        "users.csv",
        sheet.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    for e in [
        "第 2 行 用户名：",
        "第 2 行 姓名：不能为空",
        "第 2 行 单位：没有名为“不存在单位”的单位",
        "第 3 行 角色：学校角色的用户不能属于",
        "第 3 行 用户名：用户名“sys”已被使用",
    ] {
        assert!(text.contains(e), "«{e}» in {text}");
    }
    assert!(
        !text.contains("第 4 行"),
        "南面村(谢岗镇) is the village: {text}"
    );
    assert_eq!(app.count("users").await, users_before);
    let token = app.api_token("sys", PASSWORD).await;
    let body = api_upload(
        &app,
        &token,
        "/api/v1/users/import",
        sheet.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(api_rows(&body).len(), 5, "{body}");
    let page = app
        .get_with(&sys, "/admin/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("表头为 用户名、姓名、单位、角色"));
    assert!(!page.contains("display_name"));
}

/// The site's navigation of a signed-in page, and the signed-in user's name, are on `page`.
fn has_navigation(page: &str, who: &str) {
    assert!(page.contains("aria-label=\"主导航\""), "navigation: {page}");
    assert!(page.contains(who), "the user's name: {page}");
}

fn no_english(page: &str) {
    for english in [
        "Not Found",
        "Method Not Allowed",
        "payload",
        "Payload",
        "Failed to",
        "Unprocessable",
        "length limit",
    ] {
        assert!(!page.contains(english), "«{english}» in {page}");
    }
}

async fn error_pages_are_chinese_with_the_navigation(app: TestApp) {
    let gid = app.group_id(4).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let who = app
        .text(
            "select display_name from users where username = $1",
            &["gdmu"],
        )
        .await;

    // 404, signed in and not.
    let resp = app.get_with(&school, "/no-such-page").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("页面不存在") && page.contains("错误 404"),
        "{page}"
    );
    has_navigation(&page, &who);
    no_english(&page);
    let resp = app.get("/no-such-page").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("页面不存在") && !page.contains("主导航"),
        "{page}"
    );

    // 403.
    let resp = app.get_with(&school, "/admin/users").await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let page = resp.text().await.unwrap();
    assert!(page.contains("无权访问"), "{page}");
    has_navigation(&page, &who);

    // 405 on a method no web route takes.
    let resp = school
        .put(app.url(&format!("/groups/{gid}/onsite")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("不支持此操作") && page.contains("返回填写页面"),
        "{page}"
    );
    has_navigation(&page, &who);
    no_english(&page);

    // 415 and 422: a form the browser did not send as the page's form would.
    let resp = school
        .post(app.url("/login"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
    let page = resp.text().await.unwrap();
    assert!(page.contains("错误 4"), "{page}");
    no_english(&page);
    let resp = school
        .post(app.url("/login"))
        .form(&[("nothing", "here")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("提交的内容有误"), "{page}");
    no_english(&page);

    // The API stays JSON, in Chinese.
    let resp = app
        .client
        .put(app.url("/api/v1/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
    let resp = app
        .client
        .post(app.url("/api/v1/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"].is_string() && body["message"].is_string(),
        "{body}"
    );
}

async fn a_get_on_a_forms_address_leads_back_to_its_page(app: TestApp) {
    let gid = app.group_id(4).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    for (address, page) in [
        ("/logout".to_string(), "/".to_string()),
        (
            format!("/groups/{gid}/onsite/import"),
            format!("/groups/{gid}/onsite"),
        ),
        (
            format!("/groups/{gid}/onsite/0190b1d2-0000-7000-8000-000000000000/confirm"),
            format!("/groups/{gid}/onsite"),
        ),
    ] {
        let resp = app.get_with(&school, &address).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "GET {address}");
        assert_eq!(resp.headers()["location"], page.as_str(), "GET {address}");
    }
    // A GET on /logout does not sign out (only the form's POST does).
    let resp = app.get_with(&school, "/").await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.add_user("sys", "东莞市教育局", "sysadmin").await;
    let sys = app.web_client("sys", PASSWORD).await;
    let resp = app.get_with(&sys, "/admin/users/import").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/admin/users");
    // Followed, as a browser does, the page opens.
    let resp = sys.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn a_too_large_upload_is_answered_in_chinese_with_what_to_do(app: TestApp) {
    let g = crate::helpers::group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", PASSWORD).await;
    let who = app
        .text(
            "select display_name from users where username = $1",
            &["gdmu"],
        )
        .await;
    let before = app.snapshot().await;
    // Four 18 MB photos: each within the 20 MB per file, together over the submission's limit.
    let csrf = app.csrf_of(&school).await;
    let mut form = Form::new()
        .text("csrf_token", csrf)
        .text("name", "凤凰岗乡村振兴实践基地")
        .text("place", g.village.clone())
        .text("opened_on", "2024-04-18")
        .text("functions", "red_education");
    let mut photo = b"\x89PNG\r\n\x1a\n".to_vec();
    photo.resize(18 * 1024 * 1024, 0);
    for i in 0..4 {
        form = form.part(
            "photos",
            Part::bytes(photo.clone()).file_name(format!("揭牌{i}.png")),
        );
    }
    let resp = school
        .post(app.url(&format!("/groups/{}/bases", g.id)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = resp.text().await.unwrap();
    assert!(page.contains("上传的内容过大"), "{page}");
    assert!(
        page.contains("每个文件不能超过 20 MB，每次提交的文件合计不能超过 64 MB"),
        "{page}"
    );
    assert!(page.contains("一次少选几个文件") && page.contains("需要重新选择文件"));
    assert!(
        page.contains(&format!("href=\"/groups/{}/bases\"", g.id)),
        "{page}"
    );
    has_navigation(&page, &who);
    no_english(&page);
    assert_eq!(app.snapshot().await, before);

    // A sheet over the import's limit.
    let mut big = ONSITE_HEADER.as_bytes().to_vec();
    big.resize(11 * 1024 * 1024, b' ');
    let resp = upload(
        &app,
        &school,
        &format!("/groups/{}/onsite/import", g.id),
        "驻点.csv",
        big.clone(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = resp.text().await.unwrap();
    assert!(page.contains("导入的表格文件不能超过 10 MB"), "{page}");
    assert!(
        page.contains(&format!("href=\"/groups/{}/onsite\"", g.id)),
        "{page}"
    );
    has_navigation(&page, &who);
    no_english(&page);
    // A text form over the limit is told so, without talk of files.
    let csrf = app.csrf_of(&school).await;
    let long = "很".repeat(1024 * 1024);
    let resp = school
        .post(app.url(&format!("/groups/{}/onsite", g.id)))
        .form(&[("csrf_token", csrf.as_str()), ("content", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = resp.text().await.unwrap();
    assert!(
        // " MB" with its space: the page's random CSRF token may hold the letters "MB".
        page.contains("填写的文字内容过多") && !page.contains(" MB"),
        "{page}"
    );
    has_navigation(&page, &who);
    // The health check stays JSON for monitors.
    let resp = app.get("/healthz").await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    // The API names the upload as a wrong field of its call.
    let token = app.api_token("gdmu", PASSWORD).await;
    let body = api_upload(
        &app,
        &token,
        &format!("/api/v1/groups/{}/onsite/import", g.id),
        big,
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "上传", "{body}");
    assert_eq!(app.snapshot().await, before);
}

/// Every error status the platform may answer with, made bare below the handlers (as axum's
/// rejections, a limit or a throttle make them), comes out of the error layer as a Chinese page
/// in the layout, with the navigation for a signed-in user; under /api as JSON.
async fn every_error_status_is_a_chinese_page(app: TestApp) {
    use axum::extract::Path;
    use axum::routing::get;
    async fn bare(Path(code): Path<u16>) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(code).unwrap()
    }
    let router = axum::Router::new()
        .route("/status/{code}", get(bare))
        .route("/api/status/{code}", get(bare))
        .layer(axum::middleware::from_fn_with_state(
            app.state.clone(),
            xiaodi::web::errors::error_pages,
        ))
        .with_state(app.state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    app.add_user("gdmu", "广东医科大学", "school").await;
    // The session cookie is the site's (cookies do not tell ports apart).
    let school = app.web_client("gdmu", PASSWORD).await;
    let who = app
        .text(
            "select display_name from users where username = $1",
            &["gdmu"],
        )
        .await;
    for (code, title) in [
        (400, "请求有误"),
        (403, "无权访问"),
        (404, "页面不存在"),
        (405, "不支持此操作"),
        (413, "上传的内容过大"),
        (422, "提交的内容有误"),
        (429, "操作过于频繁"),
        (500, "服务器出错了"),
    ] {
        // A 405 on a GET leads back to the form's page (tested above): the router's own 405
        // comes here for a PUT.
        let url = format!("{base}/status/{code}");
        let resp = if code == 405 {
            school.put(&url).send().await.unwrap()
        } else {
            school.get(&url).send().await.unwrap()
        };
        assert_eq!(resp.status().as_u16(), code);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = resp.text().await.unwrap();
        assert!(
            page.contains(title) && page.contains(&format!("错误 {code}")),
            "{code}: {page}"
        );
        has_navigation(&page, &who);
        no_english(&page);
        let resp = app
            .client
            .get(format!("{base}/api/status/{code}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), code);
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"].is_string(), "{code}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            !message.is_ascii(),
            "{code}: a Chinese message, not «{message}»"
        );
    }
}

on_both!(
    every_error_status_is_a_chinese_page,
    onsite_import_reads_dates_and_places_as_typed,
    onsite_import_reports_every_error_of_every_row,
    pairing_and_account_imports_report_every_error,
    error_pages_are_chinese_with_the_navigation,
    a_get_on_a_forms_address_leads_back_to_its_page,
    a_too_large_upload_is_answered_in_chinese_with_what_to_do,
);
