//! The built-in Dongguan 2023 programme, exactly as the founding document's table says.

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use crate::on_both;
use serde_json::Value;
use std::collections::BTreeSet;

/// One row of the table: number, lead town, villages, university, vocational schools.
type Row = (i64, String, Vec<String>, String, Vec<String>);

/// The project's copy of the table, read here with plain string handling (not the app's parser).
fn table() -> Vec<Row> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/presets/dongguan-2023/pairings.csv"
    ))
    .unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let villages = c[3]
                .split(';')
                .map(|v| v.split('(').next().unwrap().to_string())
                .collect();
            let vocational = c[5].split(';').map(str::to_string).collect();
            (
                c[0].parse().unwrap(),
                c[1].to_string(),
                villages,
                c[4].to_string(),
                vocational,
            )
        })
        .collect()
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

async fn every_group_and_membership_of_the_table(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let groups: Value = app
        .api_get(&token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(groups["total"], 8);
    let items = groups["items"].as_array().unwrap();
    let expected = table();
    assert_eq!(expected.len(), 8);
    for (number, town, villages, university, vocational) in expected {
        let g = items
            .iter()
            .find(|g| g["number"] == number)
            .unwrap_or_else(|| panic!("group {number}"));
        assert_eq!(g["lead_town"]["name"], town.as_str(), "group {number}");
        assert_eq!(g["started_on"], "2023-12-29");
        let m = &g["members"];
        assert_eq!(names(&m["town"]), BTreeSet::from([town.clone()]));
        assert_eq!(
            names(&m["village"]),
            villages.into_iter().collect(),
            "villages of group {number}"
        );
        assert_eq!(
            names(&m["university"]),
            BTreeSet::from([university]),
            "university of group {number}"
        );
        assert_eq!(
            names(&m["vocational_school"]),
            vocational.into_iter().collect(),
            "vocational schools of group {number}"
        );

        // Every membership is dated from the start.
        let detail: Value = app
            .api_get(
                &token,
                &format!("/api/v1/groups/{}", g["id"].as_str().unwrap()),
            )
            .await
            .json()
            .await
            .unwrap();
        for ms in detail["memberships"].as_array().unwrap() {
            assert_eq!(ms["effective_from"], "2023-12-29");
            assert!(ms["effective_to"].is_null());
        }
        assert_eq!(detail["plan"], "东教通〔2023〕15号");
    }
}

async fn organisations_by_kind(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let count = |kind: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let v: Value = app
                .api_get(&token, &format!("/api/v1/organisations?kind={kind}"))
                .await
                .json()
                .await
                .unwrap();
            (v["total"].as_i64().unwrap(), names(&v["items"]))
        }
    };
    let (universities, u) = count("university").await;
    let (vocational, _) = count("vocational_school").await;
    let (villages, v) = count("village").await;
    let (towns, t) = count("town").await;
    assert_eq!((universities, vocational, villages), (8, 10, 15));
    assert!(u.contains("广东医科大学") && v.contains("石鼓") && v.contains("丁屋彭屋黄屋片区"));
    // 8 lead towns and the 7 towns that only host villages.
    assert_eq!(towns, 15);
    for other in [
        "谢岗镇",
        "企石镇",
        "中堂镇",
        "道滘镇",
        "横沥镇",
        "南城街道",
        "万江街道",
    ] {
        assert!(t.contains(other), "{other} is an organisation");
    }
    assert_eq!(
        count("bureau").await.1,
        BTreeSet::from(["东莞市教育局".to_string()])
    );
    assert_eq!(count("hq").await.0, 1);

    let medical: Value = app
        .api_get(&token, "/api/v1/organisations?kind=university")
        .await
        .json()
        .await
        .unwrap();
    let gdmu = medical["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "广东医科大学")
        .unwrap();
    assert_eq!(gdmu["medical_focus"], true);

    let bad = app
        .api_get(&token, "/api/v1/organisations?kind=school")
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"], "invalid");
    assert!(body["message"].as_str().unwrap().contains("kind"));
}

async fn region_tree_and_pages(app: TestApp) {
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let home = app.get_with(&admin, "/groups").await.text().await.unwrap();
    for n in 1..=8 {
        assert!(home.contains(&format!("第 {n} 组")), "home lists group {n}");
    }
    assert!(home.contains("广东酒店管理职业技术学院") && home.contains("麻三村"));
    // A village outside the lead town is shown with its town, as the table writes it.
    assert!(home.contains("雁田村、南面村(谢岗镇)") && home.contains("石鼓(南城街道)"));

    let root = app.get_with(&admin, "/regions").await.text().await.unwrap();
    assert!(root.contains("广东省"));
    // Walk 广东省 › 东莞市 › 南城街道 › 石鼓 through the links.
    let mut page = root;
    for name in ["广东省", "东莞市", "南城街道"] {
        let marker = "href=\"/regions?parent=";
        let pos = page
            .find(&format!("\">{name}</a>"))
            .unwrap_or_else(|| panic!("{name} is linked"));
        let start = page[..pos].rfind(marker).unwrap() + marker.len();
        let id = &page[start..pos];
        page = app
            .get_with(&admin, &format!("/regions?parent={id}"))
            .await
            .text()
            .await
            .unwrap();
    }
    assert!(page.contains("石鼓"), "石鼓 lies in 南城街道");

    let orgs = app
        .get_with(&admin, "/organisations?kind=vocational_school")
        .await
        .text()
        .await
        .unwrap();
    assert!(orgs.contains("东莞市信息技术学校") && !orgs.contains("广东医科大学"));
    assert!(orgs.contains("共 10 条"));

    let plan = app.get_with(&admin, "/plan").await.text().await.unwrap();
    assert!(
        plan.contains("东教通〔2023〕15号")
            && plan.contains("四(一)")
            && plan.contains("≥ 6 人")
            && plan.contains("90")
    );
}

async fn restarting_loads_nothing_twice_and_keeps_the_password(app: TestApp) {
    let before = app.snapshot().await;
    // A second start on the same database, with another admin password in the environment.
    let mut config = crate::helpers::test_config(&app.data_dir, &app.database_url);
    config.admin_password = Some("Another#Pass1".into());
    let again = xiaodi::Application::build(config).await.unwrap();
    assert!(!again.prepared.preset_loaded && !again.prepared.admin_created);
    assert_eq!(app.snapshot().await, before);
    app.api_token("admin", ADMIN_PASSWORD).await;
    assert_eq!(app.api_login("admin", "Another#Pass1").await.status(), 401);
}

/// 二: 2023 was for signing and setting up. The bare preset, as loaded, has nothing unmet in
/// 2023 (the groups existed for three days of it), and the plan page words every rule with the
/// plan's own numbers.
async fn the_bare_preset_has_nothing_unmet_in_2023(app: TestApp) {
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    for number in 1..=8 {
        let id = app.group_id(number).await;
        let body: Value = app
            .api_get(&token, &format!("/api/v1/groups/{id}/checks?year=2023"))
            .await
            .json()
            .await
            .unwrap();
        let checks = body["checks"].as_array().unwrap();
        // Every group rule of SPEC §5 (the school rules are the matrix's second table).
        assert_eq!(checks.len(), 12, "group {number}");
        for c in checks {
            assert_ne!(c["status"], "not_met", "group {number}: {c}");
        }
        let team = checks.iter().find(|c| c["id"] == "team-size").unwrap();
        assert_eq!(team["status"], "not_applicable");
        // 五(一): meetings and the annual plan are annual rules, from 2024 too.
        // So are the evaluation and publicity (五(三), 五(四)).
        for rule in ["meetings", "annual-plan", "evaluation", "publicity"] {
            let c = checks.iter().find(|c| c["id"] == rule).unwrap();
            assert_eq!(c["status"], "not_applicable", "group {number}: {c}");
        }
        assert_eq!(team["title"], "服务工作队不少于 6 人");
    }
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let plan = app.get_with(&admin, "/plan").await.text().await.unwrap();
    assert!(plan.contains("服务工作队不少于 6 人") && plan.contains("全年不足天数不超过 30 天"));
    // 二, judged per school: all 18 schools of the table are paired with a town and a village.
    assert!(plan.contains("各校结对情况"));
    assert_eq!(plan.matches("class=\"badge met\"").count(), 18);
    assert!(plan.contains("广东医科大学 在第 4 组结对镇村"));
    // The API gives the same verdicts.
    let body: Value = app
        .api_get(&token, "/api/v1/schools/checks?year=2024")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["rule"], "pairing");
    assert_eq!(body["clause"], "二");
    let schools = body["schools"].as_array().unwrap();
    assert_eq!(schools.len(), 18);
    assert!(schools.iter().all(|s| s["status"] == "met"), "{body}");
    let before: Value = app
        .api_get(&token, "/api/v1/schools/checks?year=2022")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        before["schools"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "not_yet_due"),
        "before the pairing: {before}"
    );
    let bad = app.api_get(&token, "/api/v1/schools/checks?year=abc").await;
    assert_eq!(bad.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    // A school user sees the plan, not the other schools' standing.
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.web_client("gdmu", crate::helpers::PASSWORD).await;
    let plan = app.get_with(&school, "/plan").await.text().await.unwrap();
    assert!(plan.contains("服务工作队不少于 6 人") && !plan.contains("各校结对情况"));
    let school_token = app.api_token("gdmu", crate::helpers::PASSWORD).await;
    let refused = app
        .api_get(&school_token, "/api/v1/schools/checks?year=2024")
        .await;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
}

on_both!(
    the_bare_preset_has_nothing_unmet_in_2023,
    every_group_and_membership_of_the_table,
    organisations_by_kind,
    region_tree_and_pages,
    restarting_loads_nothing_twice_and_keeps_the_password
);
