//! 历史补录 (issue 14): a workbook of past records checked (a dry run that writes nothing), then
//! imported all or nothing, once; every problem of every sheet listed; bureau only; the groups
//! list's export reads back as a pairing table.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect};
use crate::on_both;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use std::io::Write;

const SCHOOL: &str = "广东酒店管理职业技术学院";
const SCAN: &[u8] = b"%PDF-1.4\n% a scanned agreement\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n a photo";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 a photo";

/// Rows of text as the workbook builder takes them.
fn refs(rows: &[Vec<String>]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect()
}

/// A workbook with the named sheets, each given as its rows (the first is the headings).
fn workbook(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

const TEAM_HEADS: [&str; 9] = [
    "结对组编号",
    "姓名",
    "所在单位",
    "队内职务",
    "职称",
    "校级领导",
    "手机号码",
    "加入日期",
    "离队日期",
];
const AGREEMENT_HEADS: [&str; 4] = ["结对组编号", "签署日期", "备注", "扫描件"];
const ONSITE_HEADS: [&str; 8] = [
    "结对组编号",
    "开始日期",
    "结束日期",
    "服务地点",
    "在场队员",
    "服务内容",
    "确认情况",
    "参与学生",
];
const REPORT_HEADS: [&str; 5] = ["学校", "月份", "报送时间", "备注", "报告文件"];
/// A Word document as far as the platform looks (a zip with `word/document.xml`).
fn docx() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ])
}
const APRIL_REPORT: &str = "2024年4月月报.docx";
/// The files [`good_workbook`] names: the agreement's scan and April's report.
fn history_zip() -> Vec<u8> {
    let report = docx();
    zip_of(&[
        ("第1组三方协议.pdf", SCAN),
        (APRIL_REPORT, &report),
        ("无关文件.txt", b"ignored"),
    ])
}
const BASE_HEADS: [&str; 7] = [
    "结对组编号",
    "基地名称",
    "所在地",
    "功能",
    "揭牌日期",
    "简介",
    "照片",
];
const COORDINATION_HEADS: [&str; 8] = [
    "结对组编号",
    "姓名",
    "所在单位",
    "职务",
    "手机号码",
    "起始日期",
    "结束日期",
    "现任",
];
const MATTER_HEADS: [&str; 13] = [
    "结对组编号",
    "结对组",
    "事项摘要",
    "紧急程度",
    "发生日期",
    "报告时间",
    "报告单位",
    "报告人",
    "状态",
    "签收",
    "答复",
    "答复时间",
    "详细情况",
];
const EXPENSE_HEADS: [&str; 10] = [
    "结对组编号",
    "日期",
    "类别",
    "金额（元）",
    "实物投入",
    "付款单位",
    "发起单位",
    "分担比例",
    "备注",
    "所属项目",
];
const PLAN_HEADS: [&str; 10] = [
    "结对组编号",
    "年度",
    "合作领域",
    "计划事项",
    "目标指标",
    "目标数值",
    "已记录",
    "关联项目",
    "年终完成情况",
    "年终说明",
];
const COMMENDATION_HEADS: [&str; 8] = [
    "年度",
    "类别",
    "结对组",
    "姓名",
    "学校",
    "主要事迹",
    "状态",
    "批准时间",
];
const DECISION_HEADS: [&str; 12] = [
    "结对组编号",
    "会议日期",
    "会议地点",
    "决定事项",
    "关联项目",
    "关联计划事项",
    "责任单位",
    "责任人",
    "完成期限",
    "落实情况",
    "跟进说明",
    "跟进会议日期",
];
const MEETING_HEADS: [&str; 11] = [
    "结对组编号",
    "会议日期",
    "会议地点",
    "参会单位",
    "已确认参会",
    "参会人员",
    "议程",
    "会议纪要",
    "审议通过年度计划",
    "决定数",
    "会议材料",
];

/// Group 1's history: two members (one left), its agreement with a scan, a confirmed week of
/// service, and two monthly reports (one on time, one late: 五(三), due the month's 28th).
fn good_workbook() -> Vec<u8> {
    history_workbook("")
}

/// [`good_workbook`] with a note in its 说明 sheet (the same records in a file of other bytes).
fn history_workbook(note: &str) -> Vec<u8> {
    workbook(&[
        (
            "队员",
            vec![
                TEAM_HEADS.to_vec(),
                vec![
                    "1",
                    "张晓明",
                    SCHOOL,
                    "队长",
                    "副高级",
                    "否",
                    "",
                    "2024-01-15",
                    "",
                ],
                vec![
                    "1",
                    "李华",
                    SCHOOL,
                    "队员",
                    "中级",
                    "否",
                    "13800138000",
                    "2024-01-15",
                    "2024-09-01",
                ],
            ],
        ),
        (
            "协议",
            vec![
                AGREEMENT_HEADS.to_vec(),
                vec!["1", "2024-01-10", "原件存学校办公室", "第1组三方协议.pdf"],
            ],
        ),
        (
            "驻点服务",
            vec![
                ONSITE_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-03-04",
                    "2024-03-08",
                    "雁田村",
                    "张晓明、李华",
                    "乡村旅游规划调研",
                    "已确认",
                    "12",
                ],
            ],
        ),
        (
            "月报",
            vec![
                REPORT_HEADS.to_vec(),
                vec![SCHOOL, "2024-03", "2024-03-27", ""],
                vec![
                    SCHOOL,
                    "2024-04",
                    "2024-05-03 16:30",
                    "纸质报告存档",
                    APRIL_REPORT,
                ],
            ],
        ),
        ("说明", vec![vec!["工作表", "列"], vec!["队员", note]]),
    ])
}

async fn post_history(
    app: &TestApp,
    token: &str,
    book: Vec<u8>,
    files: Option<Vec<u8>>,
    dry_run: Option<&str>,
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(book).file_name("东莞历史记录.xlsx"));
    if let Some(z) = files {
        form = form.part("files", Part::bytes(z).file_name("扫描件.zip"));
    }
    if let Some(d) = dry_run {
        form = form.text("dry_run", d.to_string());
    }
    app.client
        .post(app.url("/api/v1/history-imports"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A sheet's headings in the bureau's template.
async fn template_heads(app: &TestApp, token: &str, sheet: &str) -> Vec<String> {
    let resp = app
        .api_get(token, "/api/v1/history-imports/template.xlsx")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    let sheets = xiaodi::imports::read_workbook(&bytes, &|_| true).unwrap();
    let (_, rows) = sheets.into_iter().find(|(n, _)| n == sheet).unwrap();
    rows.unwrap().remove(0)
}

/// The mark an imported record's page shows (the bureau's menu names 历史补录 on every page).
const BADGE: &str = r#"<span class="tag backfilled">历史补录</span>"#;

const TABLES: [&str; 16] = [
    "team_members",
    "agreements",
    "onsite_entries",
    "monthly_reports",
    "history_imports",
    "attachments",
    "practice_bases",
    "meetings",
    "annual_plan_items",
    "projects",
    "coordinators",
    "major_matters",
    "annual_plans",
    "project_updates",
    "meeting_attendees",
    "expenses",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in TABLES {
        v.push(app.count(t).await);
    }
    // What the records' writes log (sign-ins log too, and are left out).
    v.push(
        app.count("audit_events where action like 'team_member.%' or action like 'agreement.%' or action like 'onsite.%' or action like 'monthly_report.%' or action like 'history.%' or action like 'attachment.%' or action like 'base.%' or action like 'meeting.%' or action like 'annual_plan%' or action like 'project%' or action like 'coordinator.%' or action like 'major_matter.%' or action like 'expense.%'")
            .await,
    );
    v
}

async fn a_history_workbook_is_checked_then_imported_once(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let zip = history_zip();
    let book = good_workbook();
    let before = counts(&app).await;

    // The dry run: what would be written, nothing written.
    let checked = expect(
        post_history(&app, &token, book.clone(), Some(zip.clone()), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        checked["summary"],
        "将导入 协议 1 条、队员 2 条、驻点服务 1 条、实践基地 0 条、联席会议 0 条、工作协调小组 0 条、重大事项 0 条、合作项目 0 个、经费 0 条、年度合作计划 0 项、会议决定 0 条、表彰 0 项、月报 2 份"
    );
    assert_eq!(checked["imported"], false);
    assert_eq!(checked["problems"], Value::Array(vec![]));
    assert_eq!(counts(&app).await, before, "a dry run writes nothing");

    // The import.
    let done = expect(
        // The same bytes as checked (a workbook built again may carry another creation time).
        post_history(&app, &token, book.clone(), Some(zip.clone()), Some("false")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["imported"], true, "{done}");
    let after = counts(&app).await;
    for (i, added) in [2, 1, 1, 2, 1, 1].iter().enumerate() {
        assert_eq!(after[i], before[i] + added, "{}", TABLES[i]);
    }
    // Every record names the import; the audit log says who imported which file.
    for t in [
        "team_members",
        "agreements",
        "onsite_entries",
        "monthly_reports",
    ] {
        let unmarked = app
            .count(&format!(
                "{t} where history_import_id is null and created_at >= (select imported_at from history_imports)"
            ))
            .await;
        assert_eq!(unmarked, 0, "{t}");
    }
    let actor = app
        .text(
            "select actor_name from audit_events where action = 'history.import'",
            &[],
        )
        .await;
    assert!(
        actor.contains("admin") && actor.contains("东莞历史记录.xlsx"),
        "{actor}"
    );
    let left = app
        .text(
            "select left_on from team_members where person_name = '李华'",
            &[],
        )
        .await;
    assert_eq!(left, "2024-09-01");
    let confirmed = app
        .count("onsite_entries where confirmed_at is not null and history_import_id is not null")
        .await;
    assert_eq!(confirmed, 1);
    // 已确认 with no name: confirmed by the place whose word it was, not by the importer.
    let entries = expect(
        app.api_get(
            &token,
            &format!("/api/v1/groups/{}/onsite?year=2024", app.group_id(1).await),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let entries = entries["entries"].clone();
    assert_eq!(entries[0]["confirmed_by"], "雁田村", "{entries}");
    assert_eq!(
        app.count("onsite_entries where confirmed_by is not null")
            .await,
        0
    );

    // Timeliness from the submission date under the plan's rule (due the 28th of the next month).
    let group = app.group_id(1).await;
    // Each record's page says 历史补录; the reports' timeliness follows from their dates.
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    for path in ["team", "onsite?year=2024", "agreement"] {
        let page = app.page(&web, &format!("/groups/{group}/{path}")).await;
        assert!(page.contains(BADGE), "{path}: {page}");
    }
    let school = app
        .text("select id from organisations where name = $1", &[SCHOOL])
        .await;
    let march = app.page(&web, &format!("/reports/2024-03/{school}")).await;
    assert!(march.contains(BADGE), "{march}");
    assert!(march.contains(r#"data-timeliness="on_time""#), "{march}");
    let april = app.page(&web, &format!("/reports/2024-04/{school}")).await;
    assert!(april.contains(r#"data-timeliness="late""#), "{april}");
    // April's report came with its own file: named on its page and in the API, downloadable by
    // those who see the report (the web and the API alike), and by nobody else.
    assert!(april.contains(APRIL_REPORT), "{april}");
    assert!(!march.contains("report-file"), "{march}");
    let report = expect(
        app.api_get(&token, &format!("/api/v1/reports/2024-04/{school}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["backfilled"], true, "{report}");
    assert_eq!(report["file"]["file_name"], APRIL_REPORT, "{report}");
    assert_eq!(
        report["file"]["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let url = report["file"]["url"].as_str().unwrap().to_string();
    let got = app.api_get(&token, &url).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().to_vec(), docx());
    let got = app
        .get_with(&web, &format!("/reports/2024-04/{school}/file"))
        .await;
    assert_eq!(got.status(), StatusCode::OK);
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment"),
    );
    assert_eq!(got.bytes().await.unwrap().to_vec(), docx());
    let march_report = expect(
        app.api_get(&token, &format!("/api/v1/reports/2024-03/{school}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(march_report["file"], Value::Null);
    assert_eq!(
        app.api_get(&token, &format!("/api/v1/reports/2024-03/{school}/file"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Another school sees neither the report nor its file.
    app.add_user("other-school", "东莞理工学院", "school").await;
    let outsider = app.api_token("other-school", PASSWORD).await;
    for path in ["", "/file"] {
        assert_eq!(
            app.api_get(
                &outsider,
                &format!("/api/v1/reports/2024-04/{school}{path}")
            )
            .await
            .status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let other = app.page(&web, &format!("/reports/2024-05/{school}")).await;
    assert!(
        !other.contains(BADGE),
        "a report not imported says nothing of it"
    );
    let march: i64 = app
        .count("monthly_reports where month = '2024-03' and state = 'accepted' and first_submitted_at is not null")
        .await;
    assert_eq!(march, 1);

    // The group's agreement is recorded for 2024 (三方协议 signed, with its scan).
    let agreement = expect(
        app.api_get(&token, &format!("/api/v1/groups/{group}/agreement"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(agreement["signed_on"], "2024-01-10", "{agreement}");

    // The same workbook again: refused, nothing added.
    let again = expect(
        post_history(&app, &token, book.clone(), Some(zip.clone()), Some("false")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let said = again["problems"][0]["message"].as_str().unwrap();
    assert!(said.contains("不能重复导入"), "{said}");
    assert_eq!(again["problems"].as_array().unwrap().len(), 1, "{again}");
    assert_eq!(counts(&app).await, after);
    // The same records in another file (saved again, so its bytes differ): every one is found
    // recorded already, nothing added.
    let other = history_workbook("另存的一份");
    assert_ne!(other, book);
    let again = expect(
        post_history(&app, &token, other, Some(zip), Some("false")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let sheets: Vec<&str> = again["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sheet"].as_str().unwrap())
        .collect();
    // Both members, the agreement, the service (the same service, in a month its accepted
    // report has locked) and both reports.
    for (sheet, n) in [("队员", 2), ("协议", 1), ("驻点服务", 2), ("月报", 2)] {
        assert_eq!(sheets.iter().filter(|s| **s == sheet).count(), n, "{again}");
    }
    assert_eq!(counts(&app).await, after);

    // A project in March 2024 (locked by the accepted report) is refused, and the plan item
    // that links it by name says so, in the list rather than as a failure.
    let heads = template_heads(&app, &token, "合作项目").await;
    let project: Vec<String> = heads
        .iter()
        .map(|h| {
            match h.as_str() {
                "结对组编号" => "1",
                "项目名称" => "三月的项目",
                "合作领域" => "3",
                "牵头单位" => SCHOOL,
                "开始日期" => "2024-03-05",
                "状态" => "进行中",
                _ => "",
            }
            .to_string()
        })
        .collect();
    let book = workbook(&[
        ("合作项目", refs(&[heads.clone(), project])),
        (
            "年度合作计划",
            vec![
                PLAN_HEADS.to_vec(),
                vec!["1", "2024", "3", "培训", "", "", "", "三月的项目", "", ""],
            ],
        ),
    ]);
    let refused = expect(
        post_history(&app, &token, book, None, Some("false")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let found: Vec<(String, String)> = refused["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["sheet"].as_str().unwrap().to_string(),
                p["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("合作项目".to_string(), "开始日期".to_string()),
            ("年度合作计划".to_string(), "关联项目".to_string()),
        ],
        "{refused}"
    );
    assert_eq!(counts(&app).await, after);

    // A confirmation made before the platform is the place's word: the village withdraws it (no
    // user of the platform made it); the town, which did not, may not.
    let group = app.group_id(1).await;
    let entry = app
        .text(
            "select id from onsite_entries where confirmed_at is not null",
            &[],
        )
        .await;
    let withdraw = |who: String| {
        let (app, group, entry) = (app.clone(), group.clone(), entry.clone());
        async move {
            app.client
                .delete(app.url(&format!(
                    "/api/v1/groups/{group}/onsite/{entry}/confirmation"
                )))
                .bearer_auth(who)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    app.add_user("fenggang", "凤岗镇", "town").await;
    app.add_user("yantian", "雁田村", "village").await;
    let town = app.api_token("fenggang", PASSWORD).await;
    assert_eq!(withdraw(town).await, StatusCode::FORBIDDEN);
    let village = app.api_token("yantian", PASSWORD).await;
    assert!(withdraw(village).await.is_success());
    assert_eq!(
        app.count("onsite_entries where confirmed_at is null and confirmed_by_text is null")
            .await,
        1
    );
}

async fn every_problem_of_every_sheet_is_listed_and_nothing_written(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let before = counts(&app).await;
    let project_heads = template_heads(&app, &token, "合作项目").await;
    let project_row: Vec<String> = project_heads
        .iter()
        .map(|h| {
            match h.as_str() {
                "结对组编号" => "1",
                "项目名称" => "民宿规划",
                "合作领域" => "6",
                "牵头单位" => "不存在学院",
                "开始日期" => "2024-13-01",
                "状态" => "进行中",
                "培训人数（人）" => "30",
                _ => "",
            }
            .to_string()
        })
        .collect();
    let project_rows = vec![project_heads.clone(), project_row];
    let book = workbook(&[
        (
            "队员",
            vec![
                TEAM_HEADS.to_vec(),
                vec![
                    "1",
                    "张晓明",
                    SCHOOL,
                    "队长",
                    "教授",
                    "否",
                    "",
                    "2024-01-15",
                    "",
                ],
                vec![
                    "99",
                    "王五",
                    SCHOOL,
                    "队员",
                    "中级",
                    "否",
                    "",
                    "2024-01-15",
                    "",
                ],
            ],
        ),
        (
            "协议",
            vec![
                AGREEMENT_HEADS.to_vec(),
                vec!["1", "2024-01-10", "", "不在包里.pdf"],
            ],
        ),
        (
            "驻点服务",
            vec![
                ONSITE_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-03-04",
                    "2024-03-08",
                    "雁田村",
                    "赵六",
                    "调研",
                    "待确认",
                    "0",
                ],
            ],
        ),
        (
            "实践基地",
            vec![
                BASE_HEADS.to_vec(),
                vec!["1", "", "塘厦镇", "养殖", "2024-06-01", "", "别的.pdf"],
            ],
        ),
        (
            "联席会议",
            vec![
                MEETING_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-03-15",
                    "凤岗镇人民政府",
                    "凤岗镇",
                    "雁田村",
                    "",
                    "",
                    "",
                    "通过",
                    "",
                    "缺的纪要.pdf",
                ],
            ],
        ),
        (
            "年度合作计划",
            vec![
                PLAN_HEADS.to_vec(),
                vec![
                    "1",
                    "2031",
                    "协助集体经济发展",
                    "民宿",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                vec!["1", "2024", "养殖业", "民宿", "", "", "", "", "", ""],
                vec![
                    "1",
                    "2024",
                    "协助集体经济发展",
                    "民宿",
                    "培训人数",
                    "30",
                    "",
                    "不存在的项目",
                    "做完了",
                    "",
                ],
            ],
        ),
        (
            "月报",
            vec![
                REPORT_HEADS.to_vec(),
                vec!["不存在学院", "2024-03", "2024-03-27", ""],
                vec![SCHOOL, "2024-03", "2024-02-20", ""],
                vec![SCHOOL, "2024-05", "2024-07-20", ""],
                vec![SCHOOL, "2024-06", "2024-07-02", "", "别的.pdf；缺的.docx"],
                vec![SCHOOL, "2024-07", "2024-08-02", "", "照片.png"],
            ],
        ),
        ("合作项目", refs(&project_rows)),
        (
            "表彰",
            vec![
                COMMENDATION_HEADS.to_vec(),
                vec!["2031", "优秀", "第 99 组", "", "", "", "", ""],
                vec![
                    "2024",
                    "先进个人",
                    "1",
                    "无此人",
                    SCHOOL,
                    "事迹",
                    "已批准",
                    "",
                ],
                vec![
                    "2024",
                    "优秀集体",
                    "1",
                    "张三",
                    "",
                    "事迹",
                    "已提名",
                    "2025-01-01",
                ],
                vec![
                    "2024",
                    "优秀集体",
                    "第 1 组（错误镇）",
                    "",
                    "",
                    "事迹",
                    "",
                    "",
                ],
                vec![
                    "2024",
                    "优秀集体",
                    "1",
                    "",
                    "",
                    "事迹",
                    "已批准",
                    "2024-12-31 18:00",
                ],
            ],
        ),
        (
            "会议决定",
            vec![
                DECISION_HEADS.to_vec(),
                // The meeting of this workbook (its row has a problem, but it is named rightly)
                // and a follow-up on a day with no meeting.
                vec![
                    "1",
                    "2024-03-15",
                    "凤岗镇人民政府",
                    "完成规划",
                    "不存在的项目",
                    "",
                    "不存在的镇",
                    "",
                    "",
                    "拖着",
                    "",
                    "2024-04-01",
                ],
                vec![
                    "1",
                    "2024-03-16",
                    "别处",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        (
            "工作协调小组",
            vec![
                COORDINATION_HEADS.to_vec(),
                vec!["1", "王建国", "塘厦镇", "", "", "2024-01-05", "", ""],
            ],
        ),
        (
            "重大事项",
            vec![
                MATTER_HEADS.to_vec(),
                vec![
                    "1",
                    "",
                    "内涝",
                    "很急",
                    "2024-06-12",
                    "2024-06-13 09:30",
                    "凤岗镇",
                    "",
                    "",
                    "2024-06-12 08:00 · 刘晓",
                    "请处置",
                    "",
                    "",
                ],
            ],
        ),
        (
            "经费",
            vec![
                EXPENSE_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-05-20",
                    "餐费",
                    "100",
                    "否",
                    "凤岗镇",
                    "",
                    "",
                    "",
                    "不存在的项目",
                ],
            ],
        ),
        ("备忘", vec![vec!["随手记"]]),
    ]);
    let body = expect(
        post_history(
            &app,
            &token,
            book.clone(),
            Some(zip_of(&[("别的.pdf", SCAN), ("照片.png", PNG)])),
            Some("false"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["imported"], false);
    let problems: Vec<(String, i64, String, String, String)> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["sheet"].as_str().unwrap().to_string(),
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_string(),
                p["message"].as_str().unwrap().to_string(),
                p["hint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |sheet: &str, row: i64, column: &str, says: &str| {
        assert!(
            problems
                .iter()
                .any(|p| p.0 == sheet && p.1 == row && p.2 == column && p.3.contains(says)),
            "{sheet} 第 {row} 行 {column}「{says}」 not in {problems:#?}"
        );
    };
    has("备忘", 1, "工作表", "不认识的工作表");
    has("队员", 2, "职称", "");
    has("队员", 3, "结对组编号", "没有编号为“99”");
    has("协议", 2, "扫描件", "压缩包中没有文件“不在包里.pdf”");
    has("驻点服务", 2, "在场队员", "赵六");
    has("实践基地", 2, "基地名称", "不能为空");
    has(
        "实践基地",
        2,
        "所在地",
        "“塘厦镇”不是本组的镇(街道)或村(社区)",
    );
    has("实践基地", 2, "功能", "“养殖”不是可选的功能");
    has("联席会议", 2, "已确认参会", "“雁田村”不在参会单位中");
    has("联席会议", 2, "审议通过年度计划", "应填 是 或 否");
    has("年度合作计划", 2, "年度", "2031 年还没有到");
    has(
        "年度合作计划",
        3,
        "合作领域",
        "“养殖业”不是方案中的合作领域",
    );
    has(
        "年度合作计划",
        4,
        "目标指标",
        "“培训人数”不是“协助集体经济发展”领域的成果指标",
    );
    has(
        "年度合作计划",
        4,
        "关联项目",
        "没有名为“不存在的项目”的合作项目",
    );
    has("年度合作计划", 4, "年终完成情况", "“做完了”不是可选的状态");
    has("工作协调小组", 2, "所在单位", "“塘厦镇”不是本组");
    has("工作协调小组", 2, "职务", "不能为空");
    has("重大事项", 2, "紧急程度", "“很急”不是可选的紧急程度");
    has("重大事项", 2, "签收", "早于报告时间");
    has("重大事项", 2, "答复时间", "有答复时必填");
    has("经费", 2, "类别", "“餐费”不是经费类别");
    has("经费", 2, "所属项目", "“不存在的项目”不是本组的合作项目");
    has("合作项目", 2, "牵头单位", "“不存在学院”不是本组的成员单位");
    has("合作项目", 2, "开始日期", "");
    has(
        "会议决定",
        2,
        "关联项目",
        "“不存在的项目”不是本组的合作项目",
    );
    has("会议决定", 2, "责任单位", "不存在的镇");
    has("会议决定", 2, "落实情况", "“拖着”不是可选的状态");
    has("会议决定", 2, "跟进会议日期", "2024-04-01 没有召开联席会议");
    has(
        "会议决定",
        3,
        "会议日期",
        "本组没有 2024-03-16 在“别处”召开的联席会议",
    );
    has("会议决定", 3, "决定事项", "不能为空");
    has("表彰", 2, "年度", "方案评价范围内的年度");
    has("表彰", 2, "类别", "应为 优秀集体 或 先进个人");
    has("表彰", 2, "结对组", "平台上没有“第 99 组”这个结对组");
    has("表彰", 2, "主要事迹", "不能为空");
    has(
        "表彰",
        3,
        "姓名",
        "2024 年没有广东酒店管理职业技术学院的“无此人”",
    );
    has("表彰", 3, "批准时间", "须填写批准时间");
    has("表彰", 4, "姓名", "优秀集体不填姓名和学校");
    has("表彰", 4, "批准时间", "已提名（尚未批准）的表彰不填");
    has(
        "表彰",
        5,
        "结对组",
        "平台上没有“第 1 组（错误镇）”这个结对组",
    );
    has("表彰", 6, "批准时间", "早于 2024 年结束");
    has("月报", 2, "学校", "不存在学院");
    has("月报", 3, "报送时间", "早于 2024年3月 开始");
    has("月报", 4, "报送时间", "按方案该月记为未报");
    has("实践基地", 2, "照片", "不是 JPEG、PNG 文件");
    has("联席会议", 2, "会议材料", "压缩包中没有文件“缺的纪要.pdf”");
    has("月报", 5, "报告文件", "压缩包中没有文件“缺的.docx”");
    has("月报", 5, "报告文件", "一份月报只有一个文件");
    has("月报", 6, "报告文件", "不是 Word（docx）、PDF 文件");
    // Each problem says what to type instead.
    let title = problems
        .iter()
        .find(|p| p.0 == "队员" && p.2 == "职称")
        .unwrap();
    assert!(title.4.contains("正高级、副高级"), "{}", title.4);
    // Sheets in the template's order, rows in order within them.
    let sheets: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    let first_team = sheets.iter().position(|s| *s == "队员").unwrap();
    let first_report = sheets.iter().position(|s| *s == "月报").unwrap();
    assert!(first_team < first_report);
    assert_eq!(counts(&app).await, before, "nothing written");

    // The upload page lists the same problems, and writes nothing either.
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    let csrf = app.csrf_of(&web).await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("action", "import")
        .part("file", Part::bytes(book).file_name("历史.xlsx"));
    let resp = web
        .post(app.url("/import/history"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("未写入任何数据"), "{html}");
    assert!(html.contains("不认识的工作表"));
    assert!(html.contains("表中列出了“不在包里.pdf”，但没有随工作簿上传文件压缩包"));
    assert_eq!(counts(&app).await, before);

    // A file that is no workbook at all.
    let body = expect(
        post_history(&app, &token, b"not a workbook".to_vec(), None, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("不是 xlsx 工作簿")
    );
    // The template as it comes (headings only): nothing to import, and it is not used up.
    let template = app
        .api_get(&token, "/api/v1/history-imports/template.xlsx")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    for _ in 0..2 {
        let body = expect(
            post_history(&app, &token, template.clone(), None, Some("false")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            body["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("没有任何记录"),
            "{body}"
        );
    }
    assert_eq!(counts(&app).await, before);
    // A bad dry_run value is named.
    let resp = post_history(&app, &token, good_workbook(), None, Some("maybe")).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("dry_run"));
    // A files archive that is no zip: named, and nothing written.
    let refused = expect(
        post_history(
            &app,
            &token,
            good_workbook(),
            Some(b"PK not really a zip".to_vec()),
            Some("false"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let sheets: Vec<&str> = refused["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sheet"].as_str().unwrap())
        .collect();
    assert!(sheets.contains(&"压缩包"), "{refused}");
    assert_eq!(counts(&app).await, before);
}

async fn only_the_bureau_imports_history(app: TestApp) {
    app.add_user("school1", SCHOOL, "school").await;
    app.add_user("hq1", "东莞市“百千万工程”指挥部办公室", "hq")
        .await;
    let before = counts(&app).await;
    for who in ["school1", "hq1"] {
        let token = app.api_token(who, PASSWORD).await;
        let resp = post_history(&app, &token, good_workbook(), None, Some("false")).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{who}");
        let resp = app
            .api_get(&token, "/api/v1/history-imports/template.xlsx")
            .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{who}");
        let web = app.web_client(who, PASSWORD).await;
        let page = app.get_with(&web, "/import/history").await;
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{who}");
        let template = app.get_with(&web, "/import/history/template.xlsx").await;
        assert_eq!(template.status(), StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(counts(&app).await, before);

    // The bureau's template: the sheets' headings and 说明, nothing else.
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let resp = app
        .api_get(&token, "/api/v1/history-imports/template.xlsx")
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    let sheets = xiaodi::imports::read_workbook(&bytes, &|_| true).unwrap();
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "队员",
            "协议",
            "驻点服务",
            "实践基地",
            "联席会议",
            "工作协调小组",
            "重大事项",
            "合作项目",
            "经费",
            "年度合作计划",
            "会议决定",
            "表彰",
            "月报",
            "说明"
        ]
    );
    assert_eq!(sheets[0].1.as_ref().unwrap(), &vec![TEAM_HEADS.to_vec()]);
    assert_eq!(sheets[2].1.as_ref().unwrap(), &vec![ONSITE_HEADS.to_vec()]);
    // The projects' sheet ends with the plan's outcome figures.
    let projects = &sheets[7].1.as_ref().unwrap()[0];
    assert_eq!(projects.last().unwrap(), "调研报告（份）", "{projects:?}");
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    let page = app.page(&web, "/import/history").await;
    assert!(page.contains("/import/history/template.xlsx"));
    // The page's download is the same template.
    let resp = app.get_with(&web, "/import/history/template.xlsx").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let from_page =
        xiaodi::imports::read_workbook(&resp.bytes().await.unwrap(), &|_| true).unwrap();
    assert_eq!(from_page, sheets);
}

async fn the_cli_checks_and_imports_a_history_workbook(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("历史.xlsx");
    std::fs::write(&book, good_workbook()).unwrap();
    let zip = dir.path().join("扫描件.zip");
    std::fs::write(&zip, history_zip()).unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
            .args([
                "--database-url",
                &app.database_url,
                "--data-dir",
                app.data_dir.to_str().unwrap(),
                "--log-level",
                "error",
                "import",
                "history",
                book.to_str().unwrap(),
                zip.to_str().unwrap(),
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let before = counts(&app).await;
    let out = run(&["--as", "admin", "--dry-run"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(
            "将导入 协议 1 条、队员 2 条、驻点服务 1 条、实践基地 0 条、联席会议 0 条、工作协调小组 0 条、重大事项 0 条、合作项目 0 个、经费 0 条、年度合作计划 0 项、会议决定 0 条、表彰 0 项、月报 2 份"
        ),
        "{said}"
    );
    assert_eq!(counts(&app).await, before, "the dry run writes nothing");

    app.add_user("school1", SCHOOL, "school").await;
    let out = run(&["--as", "school1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("只有市教育局用户"));

    let out = run(&["--as", "admin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已导入 协议 1 条"));
    assert_eq!(app.count("history_imports").await, 1);
    let out = run(&["--as", "admin"]);
    assert!(!out.status.success(), "a second import is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("不能重复导入"));
    assert_eq!(app.count("history_imports").await, 1);
}

/// The groups list's export is a pairing table: read by the pairing import's parser it gives
/// the groups of the founding table (the 序号 and 镇街类型 columns the import wants).
async fn the_groups_export_reads_back_as_the_pairing_table(app: TestApp) {
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    let resp = app.get_with(&web, "/groups/export.xlsx").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let rows = xiaodi::imports::read_sheet(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(
        rows[0][..6],
        [
            "序号",
            "镇(街道)",
            "镇街类型",
            "村(社区)",
            "在莞高校",
            "中职学校"
        ]
    );
    let exported = xiaodi::domain::pairing::parse_pairing_rows(&rows).unwrap();
    let preset = std::fs::read("presets/dongguan-2023/pairings.csv").unwrap();
    let founding =
        xiaodi::domain::pairing::parse_pairing_rows(&xiaodi::imports::read_sheet(&preset).unwrap())
            .unwrap();
    let key = |r: &xiaodi::domain::pairing::PairingRow| {
        let mut villages: Vec<String> = r
            .villages
            .iter()
            .map(|v| format!("{}({})", v.name, v.town))
            .collect();
        villages.sort();
        let mut schools = r.vocational_schools.clone();
        schools.sort();
        (
            r.number,
            r.lead_town.clone(),
            r.town_kind.clone(),
            villages,
            r.university.clone(),
            schools,
        )
    };
    let mut a: Vec<_> = exported.iter().map(key).collect();
    let mut b: Vec<_> = founding.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a.len(), 8);
    assert_eq!(a, b);
}

on_both!(
    a_history_workbook_is_checked_then_imported_once,
    every_problem_of_every_sheet_is_listed_and_nothing_written,
    only_the_bureau_imports_history,
    the_cli_checks_and_imports_a_history_workbook,
    the_groups_export_reads_back_as_the_pairing_table,
);

/// Three years of group 4's records (its team, its agreement with a scan, a week of service a
/// month, its university's monthly reports with one late and one missing) entered in one
/// platform through the history import and in another through the API, as they happened (the
/// clock set to each report's submission): the verdicts for 2024 and 2025 are the same.
async fn imported_history_gives_the_verdicts_entered_history_gives(imported: TestApp) {
    let entered = crate::helpers::spawn_app(imported.backend).await.unwrap();
    const UNIVERSITY: &str = "广东医科大学";
    const VOCATIONAL: &str = "东莞市电子科技学校";
    const VILLAGE: &str = "凤凰岗社区";
    let team = [
        (
            "陈卫东",
            UNIVERSITY,
            "captain",
            "队长",
            "senior",
            "正高级",
            true,
            "2024-01-10",
        ),
        (
            "林晓",
            UNIVERSITY,
            "member",
            "队员",
            "intermediate",
            "中级",
            false,
            "2024-01-10",
        ),
        (
            "周敏",
            VOCATIONAL,
            "vice_captain",
            "副队长",
            "vice_senior",
            "副高级",
            false,
            "2024-02-01",
        ),
    ];
    let months: Vec<String> = (2024..=2025)
        .flat_map(|y| (1..=12).map(move |m| format!("{y}-{m:02}")))
        .collect();
    // Submitted on the 20th, but June 2024 on 10 July (late) and March 2025 never (未报).
    let submitted = |m: &str| match m {
        "2024-06" => Some("2024-07-10".to_string()),
        "2025-03" => None,
        _ => Some(format!("{m}-20")),
    };

    // The workbook.
    let mut team_rows = vec![TEAM_HEADS.to_vec()];
    for (name, org, _, role, _, title, leader, joined) in &team {
        team_rows.push(vec![
            "4",
            name,
            org,
            role,
            title,
            if *leader { "是" } else { "否" },
            "",
            joined,
            "",
        ]);
    }
    let onsite: Vec<(String, String)> = months
        .iter()
        .map(|m| (format!("{m}-12"), format!("{m}-16")))
        .collect();
    let mut onsite_rows = vec![ONSITE_HEADS.to_vec()];
    for (from, to) in &onsite {
        onsite_rows.push(vec![
            "4",
            from,
            to,
            VILLAGE,
            "陈卫东、林晓",
            "驻村开展健康义诊",
            "",
            "3",
        ]);
    }
    let reports: Vec<(String, String)> = months
        .iter()
        .filter_map(|m| submitted(m).map(|d| (m.clone(), d)))
        .collect();
    let mut report_rows = vec![REPORT_HEADS.to_vec()];
    for (m, d) in &reports {
        report_rows.push(vec![UNIVERSITY, m, d, ""]);
    }
    // A base opened in April 2024; two joint meetings in 2024 (the first adopting the year's
    // plan), one in 2025 (one too few: 五(一)).
    const BASE: &str = "凤凰岗乡村振兴实践基地";
    const TOWN: &str = "塘厦镇";
    let meetings = [
        ("2024-02-26", true),
        ("2024-10-15", false),
        ("2025-03-10", false),
    ];
    let mut meeting_rows = vec![MEETING_HEADS.to_vec()];
    let attending = format!("{UNIVERSITY}、{TOWN}、{VILLAGE}");
    for (held_on, adopts) in &meetings {
        meeting_rows.push(vec![
            "4",
            held_on,
            "塘厦镇人民政府",
            &attending,
            UNIVERSITY,
            "陈卫东，广东医科大学，队长",
            "",
            "",
            if *adopts { "是" } else { "否" },
            "",
        ]);
    }
    let book = workbook(&[
        ("队员", team_rows),
        (
            "协议",
            vec![
                AGREEMENT_HEADS.to_vec(),
                vec!["4", "2024-01-20", "", "第4组协议.pdf"],
            ],
        ),
        ("驻点服务", onsite_rows),
        (
            "实践基地",
            vec![
                BASE_HEADS.to_vec(),
                vec!["4", BASE, VILLAGE, "红色教育、实习锻炼", "2024-04-18", ""],
            ],
        ),
        ("联席会议", meeting_rows),
        (
            "年度合作计划",
            vec![
                PLAN_HEADS.to_vec(),
                vec![
                    "4",
                    "2024",
                    "提供基本公共服务支持",
                    "驻村开展健康义诊",
                    "服务群众（人次）",
                    "500",
                    "",
                    "",
                    "完成",
                    "",
                ],
            ],
        ),
        (
            "重大事项",
            vec![
                MATTER_HEADS.to_vec(),
                vec![
                    "4",
                    "",
                    "凤凰岗社区卫生站漏水",
                    "紧急",
                    "2024-06-12",
                    "2024-06-13 09:30",
                    UNIVERSITY,
                    "陈卫东",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                vec![
                    "4",
                    "",
                    "义诊场地被占用",
                    "一般",
                    "2025-05-01",
                    "2025-05-12 10:00",
                    UNIVERSITY,
                    "陈卫东",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        ("月报", report_rows),
    ]);
    let token = imported.api_token("admin", ADMIN_PASSWORD).await;
    let done = expect(
        post_history(
            &imported,
            &token,
            book,
            Some(zip_of(&[("第4组协议.pdf", SCAN)])),
            Some("false"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        done["summary"],
        "将导入 协议 1 条、队员 3 条、驻点服务 24 条、实践基地 1 条、联席会议 3 条、工作协调小组 0 条、重大事项 2 条、合作项目 0 个、经费 0 条、年度合作计划 1 项、会议决定 0 条、表彰 0 项、月报 23 份"
    );

    // The same records through the API.
    let g = crate::helpers::group4(&entered).await;
    let bureau = entered.api_token("admin", ADMIN_PASSWORD).await;
    let mut captain = String::new();
    let mut member = String::new();
    for (name, org, role, _, title, _, leader, joined) in &team {
        let org_id = if *org == UNIVERSITY {
            &g.university
        } else {
            &g.vocational
        };
        let body = serde_json::json!({
            "person_name": name, "org_id": org_id, "role": role, "title": title,
            "school_leader": leader, "phone": "", "joined_on": joined,
        });
        let created = expect(
            crate::helpers::send(
                &entered,
                &bureau,
                reqwest::Method::POST,
                &format!("/api/v1/groups/{}/team", g.id),
                body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let id = created["id"].as_str().unwrap().to_string();
        match *name {
            "陈卫东" => captain = id,
            "林晓" => member = id,
            _ => {}
        }
    }
    expect(
        crate::helpers::send(
            &entered,
            &bureau,
            reqwest::Method::PUT,
            &format!("/api/v1/groups/{}/agreement", g.id),
            serde_json::json!({
                "signed_on": "2024-01-20", "notes": "",
                "parties": [g.university, g.vocational, g.town, g.village],
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for (from, to) in &onsite {
        expect(
            crate::helpers::send(
                &entered,
                &bureau,
                reqwest::Method::POST,
                &format!("/api/v1/groups/{}/onsite", g.id),
                serde_json::json!({
                    "date_from": from, "date_to": to, "place_org_id": g.village,
                    "member_ids": [captain, member], "content": "驻村开展健康义诊", "students": 3,
                }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    // The university's people record the base and the meetings (the bureau reads them).
    entered.add_user("gdmu", UNIVERSITY, "school").await;
    let school = entered.api_token("gdmu", PASSWORD).await;
    let form = reqwest::multipart::Form::new()
        .text("name", BASE)
        .text("place_org_id", g.village.clone())
        .text("functions", "red_education")
        .text("functions", "internship")
        .text("opened_on", "2024-04-18");
    let resp = entered
        .client
        .post(entered.url(&format!("/api/v1/groups/{}/bases", g.id)))
        .bearer_auth(&school)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect(resp, StatusCode::CREATED).await;
    // The 2024 plan, with its item (the year's first meeting adopts it).
    expect(
        crate::helpers::send(
            &entered,
            &school,
            reqwest::Method::PUT,
            &format!("/api/v1/groups/{}/annual-plans/2024", g.id),
            serde_json::json!({"notes": ""}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect(
        crate::helpers::send(
            &entered,
            &school,
            reqwest::Method::POST,
            &format!("/api/v1/groups/{}/annual-plans/2024/items", g.id),
            serde_json::json!({
                "area": 5, "text": "驻村开展健康义诊", "target_code": "people_served",
                "target_amount": "500", "year_end_status": "done",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for (held_on, adopts) in &meetings {
        expect(
            crate::helpers::send(
                &entered,
                &school,
                reqwest::Method::POST,
                &format!("/api/v1/groups/{}/meetings", g.id),
                serde_json::json!({
                    "held_on": held_on, "place": "塘厦镇人民政府",
                    "attending_org_ids": [g.university, g.town, g.village],
                    "people": [{"name": "陈卫东", "organisation": UNIVERSITY, "post": "队长"}],
                    "adopts_annual_plan": adopts,
                }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    // The matters, each reported when it was (the platform stamps the report with now).
    for (summary, urgency, raised_on, reported) in [
        (
            "凤凰岗社区卫生站漏水",
            "urgent",
            "2024-06-12",
            "2024-06-13T09:30:00",
        ),
        (
            "义诊场地被占用",
            "normal",
            "2025-05-01",
            "2025-05-12T10:00:00",
        ),
    ] {
        let at: jiff::Zoned = format!("{reported}+08:00[Asia/Shanghai]").parse().unwrap();
        entered.clock.set_ms(at.timestamp().as_millisecond());
        let school = entered.api_token("gdmu", PASSWORD).await;
        expect(
            crate::helpers::send(
                &entered,
                &school,
                reqwest::Method::POST,
                &format!("/api/v1/groups/{}/matters", g.id),
                serde_json::json!({
                    "summary": summary, "urgency": urgency, "raised_on": raised_on,
                }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    for (m, d) in &reports {
        let noon: jiff::Zoned = format!("{d}T12:00:00+08:00[Asia/Shanghai]")
            .parse()
            .unwrap();
        entered.clock.set_ms(noon.timestamp().as_millisecond());
        let school = entered.api_token("gdmu", PASSWORD).await;
        expect(
            crate::helpers::send(
                &entered,
                &school,
                reqwest::Method::POST,
                &format!("/api/v1/reports/{m}/{}/submit", g.university),
                serde_json::json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    entered
        .clock
        .set_ms(crate::helpers::pinned_now().as_millisecond());

    // The verdicts: the group's checks and its university's, for 2024 and 2025.
    let imported_g4 = imported.group_id(4).await;
    let bureau = entered.api_token("admin", ADMIN_PASSWORD).await;
    for year in [2024, 2025] {
        let read = |app: &TestApp, token: &str, path: String| {
            let (app, token) = (app.clone(), token.to_string());
            async move {
                let v = expect(app.api_get(&token, &path).await, StatusCode::OK).await;
                v["checks"].clone()
            }
        };
        let a = read(
            &imported,
            &token,
            format!("/api/v1/groups/{imported_g4}/checks?year={year}"),
        )
        .await;
        let b = read(
            &entered,
            &bureau,
            format!("/api/v1/groups/{}/checks?year={year}", g.id),
        )
        .await;
        assert_eq!(a, b, "group 4 in {year}");
        assert!(a.as_array().unwrap().len() >= 5, "{a}");
        // The records were read: the agreement met, a week of service in each of 12 months.
        let text = a.to_string();
        assert!(text.contains("已累计驻镇(含驻村)服务 60 天"), "{text}");
        assert_eq!(a[0]["status"], "met", "{text}");
        // The base and the meetings were read: the base stands from 2024; two meetings in
        // 2024, one in 2025.
        let status = |id: &str| {
            a.as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .map(|c| c["status"].clone())
                .unwrap_or_else(|| panic!("no {id} check: {text}"))
        };
        assert_eq!(status("base"), "met", "{text}");
        assert_eq!(
            status("meetings"),
            if year == 2024 { "met" } else { "not_met" },
            "{text}"
        );
        // The matter of 2024 reported the next day, that of 2025 eleven days on (五(一)).
        assert_eq!(
            status("escalation"),
            if year == 2024 { "met" } else { "not_met" },
            "{text}"
        );
        // The 2024 plan, adopted at that year's first meeting; none for 2025.
        assert_eq!(
            status("annual-plan"),
            if year == 2024 { "met" } else { "not_met" },
            "{text}"
        );
        // Each school's 按时 / 逾期 / 未报 and rates (五(三)), ids left out (each platform has its own).
        let rates = |app: &TestApp, token: &str| {
            let (app, token) = (app.clone(), token.to_string());
            async move {
                let v = expect(
                    app.api_get(&token, &format!("/api/v1/reports/rates?year={year}"))
                        .await,
                    StatusCode::OK,
                )
                .await;
                without_ids(v)
            }
        };
        let a = rates(&imported, &token).await;
        let b = rates(&entered, &bureau).await;
        assert_eq!(a, b, "report rates in {year}");
        let text = a.to_string();
        let expected = if year == 2024 { "逾期" } else { "未报" };
        assert!(
            text.contains(UNIVERSITY) && text.contains(expected),
            "{year}: {text}"
        );
    }
}

/// `v` without the fields that name a record by its id.
fn without_ids(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| !(k == "id" || k.ends_with("_id")))
                .map(|(k, v)| (k, without_ids(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_ids).collect()),
        other => other,
    }
}

on_both!(imported_history_gives_the_verdicts_entered_history_gives);

/// The team, on-site, bases and meetings lists round-trip: exported from one platform, given the group's number
/// in front, imported through the history import into a platform without them, and exported
/// again, they read the same, cell for cell.
async fn the_workspace_exports_import_back_as_they_were(first: TestApp) {
    let second = crate::helpers::spawn_app(first.backend).await.unwrap();
    let token = first.api_token("admin", ADMIN_PASSWORD).await;
    // The projects' sheet: the template's headings (the plan's figures after the fixed ones).
    let project_heads = template_heads(&first, &token, "合作项目").await;
    let figure = |heading: &str, value: &str| -> Vec<String> {
        project_heads
            .iter()
            .map(|h| {
                if h == heading {
                    value.to_string()
                } else {
                    String::new()
                }
            })
            .collect()
    };
    let mut project_row = figure("规划方案（份）", "2");
    for (heading, value) in [
        ("结对组编号", "1"),
        ("项目名称", "雁田村民宿提升规划"),
        ("合作领域", "6 提供决策咨询和技术服务"),
        ("牵头单位", SCHOOL),
        ("开始日期", "2024-03-01"),
        ("结束日期", "2024-10-31"),
        ("状态", "已完成"),
        ("项目简介", "民宿集群规划"),
        ("购买服务", "是"),
        ("购买方", "雁田村"),
        ("合同金额（元）", "50000"),
        ("参与学生（人次）", "20"),
    ] {
        let i = project_heads.iter().position(|h| h == heading).unwrap();
        project_row[i] = value.to_string();
    }
    let project_rows = vec![project_heads.clone(), project_row];
    // The first platform's records: the good workbook's, its service left unconfirmed.
    let book = workbook(&[
        (
            "队员",
            vec![
                TEAM_HEADS.to_vec(),
                vec![
                    "1",
                    "张晓明",
                    SCHOOL,
                    "队长",
                    "副高级",
                    "是",
                    "13900139000",
                    "2024-01-15",
                    "",
                ],
                vec![
                    "1",
                    "李华",
                    SCHOOL,
                    "队员",
                    "中级",
                    "否",
                    "",
                    "2024-01-15",
                    "2024-09-01",
                ],
            ],
        ),
        // 2024's commendations: the group, approved by HQ; its captain, nominated.
        (
            "表彰",
            vec![
                COMMENDATION_HEADS.to_vec(),
                vec![
                    "2024",
                    "优秀集体",
                    "第 1 组（凤岗镇）",
                    "",
                    "",
                    "全年驻村服务，完成民宿规划",
                    "已批准",
                    "2025-03-10 10:00 · 市指挥部办公室",
                ],
                vec![
                    "2024",
                    "先进个人",
                    "1",
                    "张晓明",
                    SCHOOL,
                    "带队驻村",
                    "已提名",
                    "",
                ],
                // An earlier nomination of the group in the same words, withdrawn.
                vec![
                    "2024",
                    "优秀集体",
                    "第 1 组（凤岗镇）",
                    "",
                    "",
                    "全年驻村服务，完成民宿规划",
                    "已撤销提名",
                    "2025-02-01 09:00 · 市指挥部办公室",
                ],
            ],
        ),
        (
            "驻点服务",
            vec![
                ONSITE_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-03-04",
                    "2024-03-08",
                    "雁田村",
                    "张晓明、李华",
                    "乡村旅游规划调研",
                    "",
                    "12",
                ],
                vec![
                    "1",
                    "2024-05-10",
                    "",
                    "南面村(谢岗镇)",
                    "张晓明",
                    "电商培训",
                    "待确认",
                    "0",
                ],
            ],
        ),
        (
            "实践基地",
            vec![
                BASE_HEADS.to_vec(),
                vec![
                    "1",
                    "南面村电商实践基地",
                    "南面村(谢岗镇)",
                    "科技创新、实习锻炼",
                    "2024-06-01",
                    "电商直播实训",
                    "基地揭牌.png；实训室.jpg",
                ],
            ],
        ),
        (
            "联席会议",
            vec![
                MEETING_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-03-15",
                    "凤岗镇人民政府",
                    "广东酒店管理职业技术学院、凤岗镇、南面村(谢岗镇)",
                    "凤岗镇",
                    "张晓明，广东酒店管理职业技术学院，队长；王芳，凤岗镇，副镇长",
                    "审议年度合作计划",
                    "通过 2024 年度合作计划",
                    "是",
                    "0",
                    "会议纪要.pdf",
                ],
            ],
        ),
        (
            "年度合作计划",
            vec![
                PLAN_HEADS.to_vec(),
                vec![
                    "1",
                    "2024",
                    "协助集体经济发展",
                    "开发雁田村民宿集群",
                    "集体经济增收",
                    "150000.5",
                    "",
                    "",
                    "部分完成",
                    "两家民宿开业",
                ],
                vec!["1", "2024", "4", "培训民宿经营户", "", "", "", "", "", ""],
                // A project of the same workbook, linked by its name.
                vec![
                    "1",
                    "2024",
                    "提供决策咨询和技术服务",
                    "编制民宿提升规划",
                    "规划方案",
                    "2",
                    "",
                    "雁田村民宿提升规划",
                    "完成",
                    "",
                ],
            ],
        ),
        ("合作项目", refs(&project_rows)),
        // Decisions of the meeting above: one on a project of the workbook, owned by the town;
        // one on a plan item of the workbook, owned by a person.
        (
            "会议决定",
            vec![
                DECISION_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-03-15",
                    "凤岗镇人民政府",
                    "五月前完成民宿规划初稿",
                    "雁田村民宿提升规划",
                    "",
                    "凤岗镇",
                    "王芳",
                    "2024-05-15",
                    "已完成",
                    "初稿已交镇政府",
                    "",
                ],
                vec![
                    "1",
                    "2024-03-15",
                    "凤岗镇人民政府",
                    "组织民宿经营户培训",
                    "",
                    "培训民宿经营户",
                    "南面村(谢岗镇)",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        (
            "经费",
            vec![
                EXPENSE_HEADS.to_vec(),
                vec![
                    "1",
                    "2024-05-20",
                    "重大活动",
                    "12000.50",
                    "否",
                    SCHOOL,
                    "凤岗镇",
                    "广东酒店管理职业技术学院 60.00%、凤岗镇 40.00%",
                    "民宿规划评审会",
                    "雁田村民宿提升规划",
                ],
                vec![
                    "1",
                    "2024-06-02",
                    "交通费",
                    "800",
                    "否",
                    "凤岗镇",
                    "",
                    "",
                    "驻村交通",
                    "",
                ],
            ],
        ),
        (
            "重大事项",
            vec![
                MATTER_HEADS.to_vec(),
                vec![
                    "1",
                    "",
                    "雁田村突发内涝",
                    "特急",
                    "2024-06-12",
                    "2024-06-13 09:30",
                    "凤岗镇",
                    "凤岗镇 · 王建国",
                    "",
                    "2024-06-13 11:00 · 刘晓",
                    "请镇街先行处置并报进展",
                    "2024-06-14 16:00:00 · 刘晓",
                    "暴雨致驻村点受淹",
                ],
                // Replied without a 签收: the reply signs for it, as on the platform.
                vec![
                    "1",
                    "",
                    "驻村点停电",
                    "一般",
                    "2024-08-01",
                    "2024-08-02",
                    "凤岗镇",
                    "",
                    "",
                    "",
                    "已协调供电所",
                    "2024-08-03 10:00 · 刘晓",
                    "",
                ],
            ],
        ),
        (
            "工作协调小组",
            vec![
                COORDINATION_HEADS.to_vec(),
                vec![
                    "1",
                    "王建国",
                    "凤岗镇",
                    "副镇长",
                    "13700137000",
                    "2024-01-05",
                    "",
                    "",
                ],
                vec![
                    "1",
                    "李明",
                    "南面村(谢岗镇)",
                    "村委主任",
                    "",
                    "2024-01-05",
                    "2025-03-01",
                    "否",
                ],
            ],
        ),
    ]);
    // The base's photos and the meeting's minutes come in the zip, and go out by name in the
    // exports, so the second platform takes the same zip.
    let files = zip_of(&[
        ("基地揭牌.png", PNG),
        ("实训室.jpg", JPEG),
        ("会议纪要.pdf", SCAN),
    ]);
    expect(
        post_history(&first, &token, book, Some(files.clone()), Some("false")).await,
        StatusCode::OK,
    )
    .await;

    // Each record names the import, and its page says so.
    for (t, n) in [
        ("practice_bases", 1),
        ("meetings", 1),
        ("annual_plans", 1),
        ("projects", 1),
        ("coordinators", 2),
        ("major_matters", 2),
        ("expenses", 2),
    ] {
        let marked = first
            .count(&format!("{t} where history_import_id is not null"))
            .await;
        assert_eq!(marked, n, "{t}");
    }
    let web = first.web_client("admin", ADMIN_PASSWORD).await;
    let g1 = first.group_id(1).await;
    for page in [
        "bases",
        "meetings?year=2024",
        "annual-plan?year=2024",
        "projects",
        "coordination",
        "matters",
        "expenses",
    ] {
        let html = first.page(&web, &format!("/groups/{g1}/{page}")).await;
        assert!(html.contains(BADGE), "{page}");
    }
    let confirmed = first
        .count("meeting_attendees where confirmed_at is not null")
        .await;
    assert_eq!(
        confirmed, 1,
        "the one organisation the sheet names as confirmed"
    );

    // The team as it stood when both were on it (the list shows the team on a date), the
    // service of 2024.
    let export = |app: &TestApp, list: &'static str| {
        let query = match list {
            "team" => "date=2024-03-05",
            "bases" | "annual-plan/2024" | "projects" | "coordination" | "matters" | "expenses" => {
                ""
            }
            _ => "year=2024",
        };
        let app = app.clone();
        async move {
            let web = app.web_client("admin", ADMIN_PASSWORD).await;
            let group = app.group_id(1).await;
            let path = match list {
                "decisions" => format!("/groups/{group}/meetings/decisions.xlsx"),
                "commendations" => "/commendations/export.xlsx?year=2024".to_string(),
                _ => format!("/groups/{group}/{list}/export.xlsx?{query}"),
            };
            let resp = app.get_with(&web, &path).await;
            assert_eq!(resp.status(), StatusCode::OK, "{list}");
            xiaodi::imports::read_sheet(&resp.bytes().await.unwrap()).unwrap()
        }
    };
    let team = export(&first, "team").await;
    let onsite = export(&first, "onsite").await;
    let bases = export(&first, "bases").await;
    let meetings = export(&first, "meetings").await;
    let plan = export(&first, "annual-plan/2024").await;
    let projects = export(&first, "projects").await;
    let coordination = export(&first, "coordination").await;
    let matters = export(&first, "matters").await;
    let expenses = export(&first, "expenses").await;
    let decisions = export(&first, "decisions").await;
    let commendations = export(&first, "commendations").await;
    assert_eq!(commendations.len(), 4, "{commendations:?}");
    assert_eq!(expenses.len(), 3, "{expenses:?}");
    assert_eq!(decisions.len(), 3, "{decisions:?}");
    assert_eq!(decisions[1][5], "凤岗镇", "{decisions:?}");
    assert_eq!(decisions[2][4], "培训民宿经营户", "{decisions:?}");
    assert!(
        expenses[1..]
            .iter()
            .any(|r| r.last().is_some_and(|c| c == "雁田村民宿提升规划")),
        "{expenses:?}"
    );
    assert_eq!(matters.len(), 3, "{matters:?}");
    let outage = matters.iter().find(|r| r[1] == "驻村点停电").unwrap();
    assert_eq!(outage[8], "2024-08-03 10:00:00 · 刘晓", "{outage:?}");
    // No name given for the reporter: the importer's account reads in its place.
    assert_eq!(outage[6], "系统初始管理员", "{outage:?}");
    let flood = matters.iter().find(|r| r[1] == "雁田村突发内涝").unwrap();
    assert_eq!(flood[6], "王建国", "{flood:?}");
    assert_eq!(flood[7], "已答复", "{flood:?}");
    assert_eq!(coordination.len(), 3, "{coordination:?}");
    assert_eq!(plan.len(), 4, "{plan:?}");
    assert!(
        plan.iter()
            .any(|r| r.get(5).is_some_and(|c| c == "雁田村民宿提升规划")),
        "{plan:?}"
    );
    assert_eq!(projects.len(), 2, "{projects:?}");
    assert!(
        projects[1].contains(&"50000.00".to_string()),
        "{projects:?}"
    );
    assert_eq!(plan[1][3], "150000.50", "{plan:?}");
    assert_eq!(team.len(), 3, "{team:?}");
    assert_eq!(onsite.len(), 3, "{onsite:?}");
    assert_eq!(bases.len(), 2, "{bases:?}");
    assert_eq!(meetings.len(), 2, "{meetings:?}");
    // A village of another town is written with its town, as the import reads it.
    assert_eq!(bases[1][1], "南面村(谢岗镇)", "{bases:?}");
    assert!(meetings[1][2].contains("南面村(谢岗镇)"), "{meetings:?}");
    assert_eq!(meetings[1][3], "凤岗镇", "{meetings:?}");
    // The history sheets are the exports with the group's number in front.
    let with_group = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let mut out = vec![if i == 0 { "结对组编号" } else { "1" }.to_string()];
                out.extend(r.iter().cloned());
                out
            })
            .collect()
    };
    let team_sheet = with_group(&team);
    let onsite_sheet = with_group(&onsite);
    let base_sheet = with_group(&bases);
    let meeting_sheet = with_group(&meetings);
    let project_sheet = with_group(&projects);
    let coordination_sheet = with_group(&coordination);
    let matter_sheet = with_group(&matters);
    let expense_sheet = with_group(&expenses);
    let decision_sheet = with_group(&decisions);
    // The plan's sheet names its year after the group.
    let plan_sheet: Vec<Vec<String>> = with_group(&plan)
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.insert(1, if i == 0 { "年度" } else { "2024" }.to_string());
            r
        })
        .collect();
    let again = workbook(&[
        ("队员", refs(&team_sheet)),
        ("驻点服务", refs(&onsite_sheet)),
        ("实践基地", refs(&base_sheet)),
        ("联席会议", refs(&meeting_sheet)),
        ("年度合作计划", refs(&plan_sheet)),
        ("合作项目", refs(&project_sheet)),
        ("工作协调小组", refs(&coordination_sheet)),
        ("重大事项", refs(&matter_sheet)),
        ("经费", refs(&expense_sheet)),
        ("会议决定", refs(&decision_sheet)),
        // The commendations export names its group itself.
        ("表彰", refs(&commendations)),
    ]);
    let token = second.api_token("admin", ADMIN_PASSWORD).await;
    let done = expect(
        post_history(&second, &token, again, Some(files), Some("false")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        done["summary"],
        "将导入 协议 0 条、队员 2 条、驻点服务 2 条、实践基地 1 条、联席会议 1 条、工作协调小组 2 条、重大事项 2 条、合作项目 1 个、经费 2 条、年度合作计划 3 项、会议决定 2 条、表彰 3 项、月报 0 份"
    );
    assert_eq!(export(&second, "team").await, team);
    assert_eq!(export(&second, "onsite").await, onsite);
    assert_eq!(export(&second, "bases").await, bases);
    assert_eq!(export(&second, "meetings").await, meetings);
    assert_eq!(export(&second, "annual-plan/2024").await, plan);
    assert_eq!(export(&second, "projects").await, projects);
    assert_eq!(export(&second, "coordination").await, coordination);
    assert_eq!(export(&second, "matters").await, matters);
    assert_eq!(export(&second, "expenses").await, expenses);
    assert_eq!(export(&second, "decisions").await, decisions);
    assert_eq!(export(&second, "commendations").await, commendations);
    // A later workbook's decision of a meeting the platform now has, followed up at it: on the
    // meeting's page, marked 历史补录.
    let later = workbook(&[(
        "会议决定",
        vec![
            DECISION_HEADS.to_vec(),
            vec![
                "1",
                "2024-03-15",
                "凤岗镇人民政府",
                "补充一项决定",
                "",
                "",
                "凤岗镇",
                "",
                "",
                "",
                "",
                "",
            ],
        ],
    )]);
    expect(
        post_history(&second, &token, later, None, Some("false")).await,
        StatusCode::OK,
    )
    .await;
    let web = second.web_client("admin", ADMIN_PASSWORD).await;
    let group = second.group_id(1).await;
    let meeting = second
        .text("select id from meetings where held_on = '2024-03-15'", &[])
        .await;
    let page = second
        .page(&web, &format!("/groups/{group}/meetings/{meeting}"))
        .await;
    assert!(
        page.contains("补充一项决定") && page.contains(BADGE),
        "{page}"
    );
    assert_eq!(export(&second, "decisions").await.len(), 4);
    // The files themselves arrived: each attachment's bytes as the zip held them.
    for (path, key, names) in [
        ("bases", "photos", vec!["基地揭牌.png", "实训室.jpg"]),
        ("meetings?year=2024", "papers", vec!["会议纪要.pdf"]),
    ] {
        let listed = expect(
            second
                .api_get(&token, &format!("/api/v1/groups/{group}/{path}"))
                .await,
            StatusCode::OK,
        )
        .await;
        let items = listed.get("items").unwrap_or(&listed);
        // A meeting's papers are on its own page.
        let item = if key == "papers" {
            let id = items[0]["id"].as_str().unwrap();
            expect(
                second
                    .api_get(&token, &format!("/api/v1/groups/{group}/meetings/{id}"))
                    .await,
                StatusCode::OK,
            )
            .await
        } else {
            items[0].clone()
        };
        if key == "papers" {
            // Confirmed before the platform by the town itself, not by the importer.
            let town = item["attendees"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["org"]["name"] == "凤岗镇")
                .unwrap();
            assert_eq!(town["confirmed_by"], "凤岗镇", "{item}");
        }
        let files: Vec<&Value> = item[key]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {item}"))
            .iter()
            .collect();
        let got: Vec<&str> = files
            .iter()
            .map(|f| f["file_name"].as_str().unwrap())
            .collect();
        assert_eq!(got, names, "{listed}");
        for f in files {
            let bytes = second
                .api_get(&token, f["url"].as_str().unwrap())
                .await
                .bytes()
                .await
                .unwrap();
            let want: &[u8] = match f["file_name"].as_str().unwrap() {
                "基地揭牌.png" => PNG,
                "实训室.jpg" => JPEG,
                _ => SCAN,
            };
            assert_eq!(bytes.as_ref(), want);
        }
    }
}

on_both!(the_workspace_exports_import_back_as_they_were);
