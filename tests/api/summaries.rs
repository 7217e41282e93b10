//! 月度汇总 (五(三)): the bureau generates month M's summary from the report roll (statuses match
//! it: one school on time, one late, the rest missing), the month's records (an on-site entry's
//! days) and the submitted reports (highlights and problems, one line per school); edits its text
//! (kept on regeneration); sends it to HQ. HQ reads it only once sent; schools and towns never;
//! only the bureau writes. The docx and xlsx open in LibreOffice and their text names the month,
//! every school and its status.

use crate::helpers::{ADMIN_PASSWORD, Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both!(
    content_follows_the_roll_the_records_and_the_reports,
    edits_survive_regeneration_and_sending_freezes_it,
    only_the_bureau_writes_and_hq_reads_once_sent,
    the_web_pages_generate_edit_and_send,
);

const MONTH: &str = "2026-05";

/// 2026-05-20 10:00 and 2026-05-29 09:00, Beijing time, in Unix ms.
fn ms(s: &str) -> i64 {
    s.parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
        .as_millisecond()
}

/// A submitted report of `school` for May 2026, written through the store's pool.
async fn submitted_report(
    app: &TestApp,
    school: &str,
    first_ms: i64,
    narrative: &str,
    problems: &str,
) {
    let plan = app.text("select id from plans", &[]).await;
    let org = app
        .text("select id from organisations where name = $1", &[school])
        .await;
    sqlx::query(
        "insert into monthly_reports (id, plan_id, school_id, month, state, version, narrative,
            problems, first_submitted_at, last_submitted_at, created_at, updated_at)
         values ($1, $2, $3, $4, 'submitted', 1, $5, $6, $7, $7, $7, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(plan)
    .bind(org)
    .bind(MONTH)
    .bind(narrative.to_string())
    .bind(problems.to_string())
    .bind(first_ms)
    .execute(app.store().pool())
    .await
    .unwrap();
}

/// One on-time report (广东医科大学, with a narrative and a problem), one late (东莞理工学院),
/// and an on-site entry of group 4 on 4–6 May with one member.
async fn month_of_work(app: &TestApp, g: &Group4) {
    submitted_report(
        app,
        "广东医科大学",
        ms("2026-05-20T10:00:00+08:00[Asia/Shanghai]"),
        r#"{"5": "在塘厦镇开展义诊 3 场，服务群众 260 人次", "1": "实践基地挂牌"}"#,
        "村道狭窄，医疗车进村不便",
    )
    .await;
    submitted_report(
        app,
        "东莞理工学院",
        ms("2026-05-29T09:00:00+08:00[Asia/Shanghai]"),
        "{}",
        "",
    )
    .await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let t = app.api_token("gdmu", PASSWORD).await;
    let base = format!("/api/v1/groups/{}", g.id);
    let r = send(
        app,
        &t,
        Method::POST,
        &format!("{base}/team"),
        json!({
            "person_name": "王队长", "org_id": g.university, "role": "captain", "title": "senior",
            "school_leader": true, "phone": "13800131234", "joined_on": "2024-01-01",
        }),
    )
    .await;
    let member = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        app,
        &t,
        Method::POST,
        &format!("{base}/onsite"),
        json!({
            "date_from": "2026-05-04", "date_to": "2026-05-06", "place_org_id": g.town,
            "member_ids": [member], "content": "驻镇开展医疗服务",
        }),
    )
    .await;
    expect(r, StatusCode::CREATED).await;
}

async fn generate(app: &TestApp, token: &str, status: StatusCode) -> Value {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/summaries/{MONTH}"),
        json!({}),
    )
    .await;
    expect(r, status).await
}

fn status_of<'a>(s: &'a Value, school: &str) -> &'a Value {
    s["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["school"] == school)
        .unwrap_or_else(|| panic!("{school} is in the status table"))
}

async fn content_follows_the_roll_the_records_and_the_reports(app: TestApp) {
    let g = group4(&app).await;
    month_of_work(&app, &g).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let s = generate(&app, &bureau, StatusCode::CREATED).await;

    assert_eq!(s["month"], MONTH);
    assert_eq!(s["state"], "draft");
    assert_eq!(s["title"], "5月校地结对共建工作进展情况汇总");
    assert_eq!(s["bureau"], "东莞市教育局");
    assert_eq!(s["due_on"], "2026-05-28");
    // The roll: all 18 schools owed May's report; one on time, one late, the rest missing.
    assert_eq!(s["statuses"].as_array().unwrap().len(), 18);
    assert_eq!(
        (
            s["expected"].as_u64(),
            s["submitted"].as_u64(),
            s["on_time"].as_u64()
        ),
        (Some(18), Some(2), Some(1))
    );
    let on_time = status_of(&s, "广东医科大学");
    assert_eq!(
        (on_time["status"].as_str(), on_time["label"].as_str()),
        (Some("on_time"), Some("按时"))
    );
    assert_eq!(on_time["first_submitted"], "2026-05-20 10:00:00");
    let late = status_of(&s, "东莞理工学院");
    assert_eq!(
        (late["status"].as_str(), late["label"].as_str()),
        (Some("late"), Some("逾期"))
    );
    let missing = status_of(&s, "广东科技学院");
    assert_eq!(
        (missing["status"].as_str(), missing["label"].as_str()),
        (Some("missing"), Some("未报"))
    );
    assert!(missing["first_submitted"].is_null());

    // Figures: group 4's on-site entry of 4–6 May, and the city's totals.
    let g4 = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["number"] == 4)
        .unwrap();
    assert_eq!(g4["figures"]["onsite_days"], 3);
    assert_eq!(g4["figures"]["person_days"], 3);
    assert!(g4["schools"].as_str().unwrap().contains("广东医科大学"));
    assert_eq!(s["totals"]["onsite_days"], 3);
    assert_eq!(s["groups"].as_array().unwrap().len(), 8);

    // Highlights and problems from the submitted report, one line per school, areas in order.
    assert_eq!(
        s["highlights"],
        "广东医科大学：实践基地挂牌；在塘厦镇开展义诊 3 场，服务群众 260 人次"
    );
    assert_eq!(s["problems"], "广东医科大学：村道狭窄，医疗车进村不便");

    // The read the issue asks for gives the same.
    let r = app
        .api_get(&bureau, &format!("/api/v1/summaries/{MONTH}"))
        .await;
    assert_eq!(expect(r, StatusCode::OK).await, s);
    // A month not a month, before the plan's first, or still to come: 422.
    for bad in ["2026-13", "2023-12", "2026-07", "may"] {
        let r = send(
            &app,
            &bureau,
            Method::POST,
            &format!("/api/v1/summaries/{bad}"),
            json!({}),
        )
        .await;
        expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_eq!(app.count("monthly_summaries").await, 1);
}

async fn edits_survive_regeneration_and_sending_freezes_it(app: TestApp) {
    let g = group4(&app).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let s = generate(&app, &bureau, StatusCode::CREATED).await;
    assert_eq!(s["submitted"], 0);
    assert_eq!(s["highlights"], "");

    let path = format!("/api/v1/summaries/{MONTH}");
    let edit = json!({
        "title": "2026年5月校地结对共建工作进展情况", "intro": "五月各组工作有序推进。",
        "highlights": "广东医科大学：义诊三场", "problems": "", "next_steps": "督促未报学校补报。",
    });
    let r = send(&app, &bureau, Method::PUT, &path, edit.clone()).await;
    let edited = expect(r, StatusCode::OK).await;
    assert_eq!(edited["title"], "2026年5月校地结对共建工作进展情况");
    // Wrong fields: all named; unknown ones refused; nothing changed.
    let r = send(
        &app,
        &bureau,
        Method::PUT,
        &path,
        json!({"title": " ", "next_steps": "x".repeat(20_001)}),
    )
    .await;
    let e = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["标题", "下一步工作"]);
    let r = send(
        &app,
        &bureau,
        Method::PUT,
        &path,
        json!({"title": "x", "colour": "red"}),
    )
    .await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // A report and an on-site entry arrive; regenerating refreshes the figures, keeps the text.
    month_of_work(&app, &g).await;
    let again = generate(&app, &bureau, StatusCode::OK).await;
    assert_eq!(again["submitted"], 2);
    assert_eq!(again["totals"]["onsite_days"], 3);
    for k in ["title", "intro", "highlights", "problems", "next_steps"] {
        assert_eq!(again[k], edit[k], "{k} kept");
    }
    // The edit's before and after are in the audit log.
    use sqlx::Row;
    let row = sqlx::query(
        "select before_json, after_json from audit_events where action = 'monthly_summary.update'",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    let before: String = row.try_get("before_json").unwrap();
    let after: String = row.try_get("after_json").unwrap();
    assert!(
        before.contains("5月校地结对共建工作进展情况汇总"),
        "{before}"
    );
    assert!(after.contains("督促未报学校补报"), "{after}");

    // Sent: read-only, no regeneration, not sent twice.
    let r = send(
        &app,
        &bureau,
        Method::POST,
        &format!("{path}/send"),
        json!({}),
    )
    .await;
    let sent = expect(r, StatusCode::OK).await;
    assert_eq!(sent["state"], "sent");
    assert!(sent["sent_at"].is_string());
    expect(
        send(&app, &bureau, Method::PUT, &path, edit.clone()).await,
        StatusCode::CONFLICT,
    )
    .await;
    expect(
        send(&app, &bureau, Method::POST, &path, json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    expect(
        send(
            &app,
            &bureau,
            Method::POST,
            &format!("{path}/send"),
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // 撤回: back to draft, editable again.
    let r = send(
        &app,
        &bureau,
        Method::POST,
        &format!("{path}/recall"),
        json!({}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["state"], "draft");
    let r = send(
        &app,
        &bureau,
        Method::PUT,
        &path,
        json!({"title": "更正后的标题"}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["title"], "更正后的标题");
    for action in [
        "monthly_summary.generate",
        "monthly_summary.regenerate",
        "monthly_summary.send",
        "monthly_summary.recall",
    ] {
        let n: i64 = sqlx::query("select count(*) as n from audit_events where action = $1")
            .bind(action)
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}

async fn only_the_bureau_writes_and_hq_reads_once_sent(app: TestApp) {
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("txtown", "塘厦镇", "town").await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let hq = app.api_token("hq1", PASSWORD).await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let town = app.api_token("txtown", PASSWORD).await;
    let path = format!("/api/v1/summaries/{MONTH}");

    // Nobody but the bureau generates, edits or sends; nothing is written.
    for t in [&hq, &school, &town] {
        expect(
            send(&app, t, Method::POST, &path, json!({})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(app.count("monthly_summaries").await, 0);
    generate(&app, &bureau, StatusCode::CREATED).await;
    for t in [&hq, &school, &town] {
        expect(
            send(&app, t, Method::PUT, &path, json!({"title": "改"})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            send(&app, t, Method::POST, &format!("{path}/send"), json!({})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    // Before it is sent HQ finds nothing; schools and towns never may look.
    for p in [
        path.clone(),
        format!("{path}/export.docx"),
        format!("{path}/export.xlsx"),
    ] {
        assert_eq!(
            app.api_get(&hq, &p).await.status(),
            StatusCode::NOT_FOUND,
            "{p}"
        );
        for t in [&school, &town] {
            assert_eq!(
                app.api_get(t, &p).await.status(),
                StatusCode::FORBIDDEN,
                "{p}"
            );
        }
    }
    let list = expect(app.api_get(&hq, "/api/v1/summaries").await, StatusCode::OK).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    expect(
        app.api_get(&school, "/api/v1/summaries").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let s = expect(app.api_get(&bureau, &path).await, StatusCode::OK).await;
    assert_eq!(s["title"], "5月校地结对共建工作进展情况汇总");

    expect(
        send(
            &app,
            &bureau,
            Method::POST,
            &format!("{path}/send"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Sent: HQ reads it and downloads both files; schools and towns still may not.
    let s = expect(app.api_get(&hq, &path).await, StatusCode::OK).await;
    assert_eq!(s["state"], "sent");
    let docx = app.api_get(&hq, &format!("{path}/export.docx")).await;
    assert_eq!(docx.status(), StatusCode::OK);
    assert!(
        docx.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("wordprocessingml")
    );
    assert!(docx.bytes().await.unwrap().starts_with(b"PK"));
    let xlsx = app.api_get(&hq, &format!("{path}/export.xlsx")).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let list = expect(app.api_get(&hq, "/api/v1/summaries").await, StatusCode::OK).await;
    assert_eq!(list[0]["month"], MONTH);
    for t in [&school, &town] {
        assert_eq!(app.api_get(t, &path).await.status(), StatusCode::FORBIDDEN);
    }
    // HQ cannot recall it either.
    expect(
        send(
            &app,
            &hq,
            Method::POST,
            &format!("{path}/recall"),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

async fn the_web_pages_generate_edit_and_send(app: TestApp) {
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let bureau = app.web_client("admin", ADMIN_PASSWORD).await;
    let hq = app.web_client("hq1", PASSWORD).await;
    let school = app.web_client("gdmu", PASSWORD).await;

    let list = app
        .get_with(&bureau, "/summaries")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("月度汇总") && list.contains("生成2026年5月汇总"));
    assert_eq!(
        app.get_with(&school, "/summaries").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.get_with(&school, "/")
            .await
            .text()
            .await
            .unwrap()
            .contains("href=\"/summaries\"")
    );

    let r = post_form(&app, &bureau, "/summaries", &[("month", MONTH)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_with(&bureau, &format!("/summaries/{MONTH}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("5月校地结对共建工作进展情况汇总") && page.contains("一、报送情况"));
    assert!(page.contains("广东科技学院") && page.contains("未报"));
    assert_eq!(
        app.get_with(&hq, &format!("/summaries/{MONTH}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // An empty title is refused with the field named; the text typed is kept.
    let r = post_form(
        &app,
        &bureau,
        &format!("/summaries/{MONTH}"),
        &[("title", ""), ("next_steps", "督促补报")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("标题") && body.contains("不能为空") && body.contains("督促补报"));
    let r = post_form(
        &app,
        &bureau,
        &format!("/summaries/{MONTH}"),
        &[("title", "五月汇总"), ("next_steps", "督促补报")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Sending asks first, then HQ reads it.
    let confirm = app
        .get_with(&bureau, &format!("/summaries/{MONTH}/send"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("确认报送"));
    let r = post_form(&app, &bureau, &format!("/summaries/{MONTH}/send"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let read = app.get_with(&hq, &format!("/summaries/{MONTH}")).await;
    assert_eq!(read.status(), StatusCode::OK);
    let read = read.text().await.unwrap();
    assert!(read.contains("五月汇总") && read.contains("督促补报") && !read.contains("保存文字"));
    assert!(
        app.get_with(&hq, "/")
            .await
            .text()
            .await
            .unwrap()
            .contains("href=\"/summaries\"")
    );
    let docx = app
        .get_with(&hq, &format!("/summaries/{MONTH}/export.docx"))
        .await;
    assert_eq!(docx.status(), StatusCode::OK);
}

/// The docx and xlsx open in LibreOffice: one conversion of both to PDF, whose text names the
/// month, every school and its status. On SQLite only (the documents do not depend on the
/// backend). Without LibreOffice: a failure under CI, a printed note elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documents_open_in_libreoffice() {
    let Some(office) = crate::helpers::libreoffice() else {
        return;
    };
    let app = crate::helpers::spawn_app(crate::helpers::Db::Sqlite)
        .await
        .unwrap();
    let g = group4(&app).await;
    month_of_work(&app, &g).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let s = generate(&app, &bureau, StatusCode::CREATED).await;

    // a.docx and b.xlsx, so their PDFs (a.pdf, b.pdf) do not overwrite each other.
    let dir = tempfile::tempdir().unwrap();
    for (file, ext) in [("a.docx", "docx"), ("b.xlsx", "xlsx")] {
        let r = app
            .api_get(&bureau, &format!("/api/v1/summaries/{MONTH}/export.{ext}"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        std::fs::write(dir.path().join(file), r.bytes().await.unwrap()).unwrap();
    }
    // One LibreOffice process for both.
    let texts = crate::helpers::pdf_texts(office, dir.path(), &["a.docx", "b.xlsx"], true).await;
    let statuses = s["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 18);
    for (stem, text) in ["a", "b"].into_iter().zip(&texts) {
        // pdftotext puts spaces between digits and Chinese ("2026 年 5 月"): compare without them.
        let text: String = text.chars().filter(|c| *c != ' ').collect();
        assert!(text.contains("2026年5月"), "{stem}: the month\n{text}");
        // Every school, on one line with its status.
        for l in statuses {
            let (school, label) = (l["school"].as_str().unwrap(), l["label"].as_str().unwrap());
            assert!(
                text.lines()
                    .any(|line| line.contains(school) && line.contains(label)),
                "{stem}: {school} {label}\n{text}"
            );
        }
        if stem == "a" {
            assert!(text.contains("5月校地结对共建工作进展情况汇总"), "{text}");
            assert!(text.contains("报送单位：东莞市教育局"), "{text}");
            assert!(
                text.contains("一、报送情况") && text.contains("五、下一步工作"),
                "{text}"
            );
            assert!(text.contains("—1—"), "the page number: {text}");
        }
    }
}
