//! 经费 (issue 9, 四(二)): amounts typed in yuan and kept in whole fen, cost shares that add up to
//! exactly 100.00%, totals exact to the fen over many rows, who may record (not a village), and
//! correction with its 修改记录, withdrawal and export — through the web form and the API, on
//! both databases.

use crate::helpers::{Group4, PASSWORD, TestApp, expect, group4, post_form, send};
use crate::on_both;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use xiaodi::domain::expense::{NewExpense, Share};
use xiaodi::domain::ids::{GroupId, OrgId};
use xiaodi::domain::money::Fen;
use xiaodi::store::Actor;

const HINT: &str = "如 1200 或 1200.50";

/// Group 4 with its university's school user, its town's and its village's users, and a school
/// user of group 2.
struct Cast {
    g: Group4,
    school: Client,
    token: String,
    town_token: String,
    village: Client,
    village_token: String,
    outsider: Client,
    outsider_token: String,
}

async fn cast(app: &TestApp) -> Cast {
    let g = group4(app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    app.add_user("fhg", "凤凰岗社区(塘厦镇)", "village").await;
    app.add_user("gdst", "广东科技学院", "school").await; // group 2
    Cast {
        school: app.web_client("gdmu", PASSWORD).await,
        token: app.api_token("gdmu", PASSWORD).await,
        town_token: app.api_token("tangxia", PASSWORD).await,
        village: app.web_client("fhg", PASSWORD).await,
        village_token: app.api_token("fhg", PASSWORD).await,
        outsider: app.web_client("gdst", PASSWORD).await,
        outsider_token: app.api_token("gdst", PASSWORD).await,
        g,
    }
}

fn path(c: &Cast) -> String {
    format!("/api/v1/groups/{}/expenses", c.g.id)
}

fn web_path(c: &Cast) -> String {
    format!("/groups/{}/expenses", c.g.id)
}

/// A transport expense paid by the university, with `amount`.
fn transport(c: &Cast, amount: &str) -> Value {
    json!({
        "spent_on": "2026-05-01",
        "amount": amount,
        "payer_org_id": c.g.university,
        "kind": "transport",
    })
}

async fn api_add(app: &TestApp, c: &Cast, body: Value) -> String {
    let r = send(app, &c.token, Method::POST, &path(c), body).await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn list(app: &TestApp, token: &str, c: &Cast, query: &str) -> Value {
    let r = app.api_get(token, &format!("{}{query}", path(c))).await;
    expect(r, StatusCode::OK).await
}

fn fields(body: &Value) -> Vec<String> {
    assert_eq!(body["error"], "invalid", "{body}");
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

fn messages(body: &Value) -> String {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The web form's fields for a transport expense paid by the university.
fn web_fields<'a>(c: &'a Cast, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("spent_on", "2026-05-01"),
        ("kind", "transport"),
        ("amount", amount),
        ("payer", c.g.university.as_str()),
        ("initiator", ""),
        ("notes", "往返塘厦"),
    ]
}

/// The share inputs of the form: each member organisation's id and the percentage typed.
fn web_shares<'a>(fields: &mut Vec<(&'a str, &'a str)>, shares: &[(&'a str, &'a str)]) {
    for (org, pct) in shares {
        fields.push(("share_org", org));
        fields.push(("share_percent", pct));
    }
}

async fn amount_fens(app: &TestApp) -> Vec<i64> {
    use sqlx::Row;
    sqlx::query("select amount_fen from expenses order by amount_fen")
        .fetch_all(app.store().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64, _>("amount_fen").unwrap())
        .collect()
}

async fn amounts_are_typed_in_yuan_and_kept_in_fen(app: TestApp) {
    let c = cast(&app).await;
    // The web form: accepted amounts land as whole fen, with the saved notice.
    for amount in ["0.01", "12", "12.5", "1,234.56"] {
        let r = post_form(&app, &c.school, &web_path(&c), &web_fields(&c, amount)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{amount}");
        assert_eq!(
            r.headers()["location"],
            format!("{}?saved=expense_added#saved", web_path(&c)).as_str()
        );
    }
    assert_eq!(amount_fens(&app).await, vec![1, 1200, 1250, 123_456]);
    let page = app
        .get_with(&c.school, &format!("{}?saved=expense_added", web_path(&c)))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已保存：经费已登记。"), "{page}");
    assert!(page.contains("1,234.56 元"));
    assert!(page.contains("共 4 笔"), "the totals count every record");
    assert!(page.contains("1,259.07 元"), "0.01 + 12 + 12.5 + 1234.56");

    // Refused amounts, each saying what to type instead; what was typed stays; nothing stored.
    for (amount, says) in [
        ("12.345", "两位小数"),
        ("-1", "负数"),
        ("0", "不能为 0"),
        ("1e3", "不是金额"),
        ("１２", "全角"),
        ("", "不能为空"),
        ("abc", "不是金额"),
        ("100000000001", "上限"),
    ] {
        let r = post_form(&app, &c.school, &web_path(&c), &web_fields(&c, amount)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{amount}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"error-summary\""), "{amount}");
        assert!(page.contains("href=\"#f-amount\""), "{amount}");
        assert!(
            page.contains(says) && page.contains(HINT),
            "{amount}: {page}"
        );
        assert!(
            page.contains(&format!("name=\"amount\" value=\"{amount}\"")),
            "{amount}: what was typed is kept"
        );
        assert!(page.contains("往返塘厦"), "the other fields are kept");
    }
    assert_eq!(app.count("expenses").await, 4);

    // The API: the same strings, amount and amount_fen in the answer.
    let id = api_add(&app, &c, transport(&c, "1200.50")).await;
    let body = list(&app, &c.token, &c, "").await;
    let item = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["amount"], "1200.50");
    assert_eq!(item["amount_fen"], 120_050);
    for amount in ["12.345", "-1", "0", "1e3", "１２", ""] {
        let r = send(
            &app,
            &c.token,
            Method::POST,
            &path(&c),
            transport(&c, amount),
        )
        .await;
        let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), vec!["金额"], "{amount}");
        assert!(messages(&body).contains(HINT), "{amount}");
    }
    // A JSON number is refused: amounts travel as text, never as floating point.
    let mut as_number = transport(&c, "1");
    as_number["amount"] = json!(12.5);
    let r = send(&app, &c.token, Method::POST, &path(&c), as_number).await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.count("expenses").await, 5);

    // Every error at once; a major activity names who initiated it (谁发起、谁负责).
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &path(&c),
        json!({"kind": "major_activity", "spent_on": "2026-06-16"}),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["日期", "金额", "付款单位", "发起单位"]);
    // A contribution in kind may come without an estimated value.
    let id = api_add(
        &app,
        &c,
        json!({"spent_on": "2026-03-01", "payer_org_id": c.g.town, "kind": "office_equipment", "in_kind": true, "notes": "镇政府提供办公室"}),
    )
    .await;
    let body = list(&app, &c.token, &c, "?kind=office_equipment").await;
    assert_eq!(body["items"][0]["id"], id.as_str());
    assert_eq!(body["items"][0]["amount"], Value::Null);
    assert_eq!(body["total"], 1);
}

async fn shares_add_up_to_exactly_one_hundred_percent(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let (uni, voc, town, village) = (
        g.university.as_str(),
        g.vocational.as_str(),
        g.town.as_str(),
        g.village.as_str(),
    );
    let shared = |pcts: &[(&str, &str)]| {
        let mut b = transport(&c, "100.00");
        b["kind"] = json!("major_activity");
        b["initiator_org_id"] = json!(town);
        b["shares"] = pcts
            .iter()
            .map(|(o, p)| json!({"org_id": o, "percent": p}))
            .collect();
        b
    };
    // 50/50 and 33.33/33.33/33.34 accepted; each share bears whole fen adding up to the amount.
    api_add(&app, &c, shared(&[(uni, "50"), (town, "50")])).await;
    let id = api_add(
        &app,
        &c,
        shared(&[(uni, "33.33"), (voc, "33.33"), (town, "33.34")]),
    )
    .await;
    let body = list(&app, &c.token, &c, "").await;
    let item = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap()
        .clone();
    let mut fens: Vec<i64> = item["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["amount_fen"].as_i64().unwrap())
        .collect();
    fens.sort_unstable();
    assert_eq!(fens, vec![3333, 3333, 3334]);
    // 33.33 × 3 is 99.99%: refused, nothing stored.
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &path(&c),
        shared(&[(uni, "33.33"), (voc, "33.33"), (town, "33.33")]),
    )
    .await;
    let body = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["分担比例"]);
    assert!(messages(&body).contains("99.99%"), "{body}");
    // One party alone is not a share; an outsider organisation is not a party.
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &path(&c),
        shared(&[(uni, "100")]),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["分担比例"]
    );
    let stranger = app
        .text(
            "select id from organisations where name = $1",
            &["广东科技学院"],
        )
        .await;
    let r = send(
        &app,
        &c.token,
        Method::POST,
        &path(&c),
        shared(&[(uni, "50"), (stranger.as_str(), "50")]),
    )
    .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["分担比例"]
    );
    assert_eq!(app.count("expenses").await, 2);
    assert_eq!(app.count("expense_shares").await, 5);

    // The web form: the same, with a percentage per member organisation (empty = no share).
    let mut f = web_fields(&c, "100");
    web_shares(
        &mut f,
        &[
            (uni, "33.33"),
            (voc, "33.33"),
            (town, "33.33"),
            (village, ""),
        ],
    );
    let r = post_form(&app, &c.school, &web_path(&c), &f).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("href=\"#f-shares\""), "{page}");
    assert!(page.contains("合计为 99.99%"), "{page}");
    assert!(
        page.contains("value=\"33.33\""),
        "the shares typed are kept"
    );
    assert_eq!(app.count("expenses").await, 2);
    let mut f = web_fields(&c, "100");
    web_shares(
        &mut f,
        &[(uni, "50"), (voc, ""), (town, "50.00"), (village, "")],
    );
    let r = post_form(&app, &c.school, &web_path(&c), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("expense_shares").await, 7);
    let page = app
        .get_with(&c.school, &web_path(&c))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("塘厦镇 50.00%（50.00 元）"), "{page}");
}

/// An expense for [`bulk`]: date, fen, payer and the agreed shares (organisation, basis points).
type Row<'a> = (&'a str, i64, &'a str, Vec<(&'a str, i32)>);

/// Records expenses straight into the store (the HTTP path is tested above; here the sums).
async fn bulk(app: &TestApp, g: &Group4, rows: &[Row<'_>]) {
    let group = GroupId::parse(&g.id).unwrap();
    let actor = Actor::system("test");
    for (date, fen, payer, shares) in rows {
        let parts = xiaodi::domain::money::split_fen(
            *fen,
            &shares.iter().map(|(_, bp)| *bp).collect::<Vec<_>>(),
        );
        let x = NewExpense {
            spent_on: date.parse().unwrap(),
            amount: Some(Fen::from_db(*fen)),
            payer_org_id: OrgId::parse(payer).unwrap(),
            kind: "transport".into(),
            in_kind: false,
            initiator_org_id: None,
            notes: String::new(),
            shares: shares
                .iter()
                .zip(parts)
                .map(|((o, bp), fen)| Share {
                    org_id: OrgId::parse(o).unwrap(),
                    basis_points: *bp,
                    fen,
                })
                .collect(),
            project_id: None,
        };
        app.store()
            .add_expense(&actor, app.clock.now_ms(), &group, &x)
            .await
            .unwrap();
    }
}

async fn totals_are_exact_to_the_fen_over_many_rows(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    // 1,000 rows of 0.01 in 2026, and odd amounts (some shared three ways) in 2025 and 2026.
    let cents: Vec<_> = (0..1000)
        .map(|_| ("2026-04-01", 1_i64, g.university.as_str(), vec![]))
        .collect();
    bulk(&app, g, &cents).await;
    let three = || {
        vec![
            (g.university.as_str(), 3333),
            (g.vocational.as_str(), 3333),
            (g.town.as_str(), 3334),
        ]
    };
    let odd = vec![
        ("2025-12-31", 33_333_333_i64, g.town.as_str(), vec![]),
        ("2026-01-01", 1, g.town.as_str(), three()),
        ("2026-02-02", 99_999, g.vocational.as_str(), three()),
        (
            "2026-03-03",
            10_000_000_000_000,
            g.university.as_str(),
            vec![],
        ),
        ("2025-07-07", 7, g.vocational.as_str(), three()),
    ];
    bulk(&app, g, &odd).await;
    let all_2026 = 1000 + 1 + 99_999 + 10_000_000_000_000;
    let all_2025 = 33_333_333 + 7;

    let body = list(&app, &c.town_token, &c, "").await;
    let t = &body["totals"];
    assert_eq!(t["all"]["cash_fen"], all_2026 + all_2025);
    assert_eq!(t["all"]["count"], 1005);
    assert_eq!(t["all"]["cash"], "100000334343.40");
    let party_sum: i64 = t["by_party"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cash_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(party_sum, all_2026 + all_2025, "the parties bear every fen");
    let party = |id: &str| {
        t["by_party"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["org"]["id"] == id)
            .map(|p| p["cash_fen"].as_i64().unwrap())
    };
    // The town: its unshared 2025 amount and its 33.34% of the three shared ones.
    // 0.01 shared three ways: the one fen goes to the largest remainder (33.34%); 999.99: 33,339
    // fen (the two 33.33% shares take the two fen left over); 0.07: 3 fen.
    let town_shares = 1 + 33_339 + 3;
    assert_eq!(party(&g.town), Some(33_333_333 + town_shares));
    let years: Vec<(String, i64)> = t["by_year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["key"].as_str().unwrap().to_string(),
                y["cash_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        years,
        vec![("2025".into(), all_2025), ("2026".into(), all_2026)]
    );
    // Filtered by year: the list and its totals cover that year only (31 December vs 1 January).
    let body = list(&app, &c.town_token, &c, "?year=2025").await;
    assert_eq!(body["total"], 2);
    assert_eq!(body["totals"]["all"]["cash_fen"], all_2025);
    let body = list(&app, &c.town_token, &c, "?year=2026&per_page=10&page=2").await;
    assert_eq!(body["total"], 1003);
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    assert_eq!(body["totals"]["all"]["cash_fen"], all_2026);
    let r = app
        .api_get(&c.town_token, &format!("{}?year=abc", path(&c)))
        .await;
    assert_eq!(
        fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        vec!["年度"]
    );
    // The page shows the same totals, and pages through the list.
    let page = app
        .get_with(&c.school, &format!("{}?year=2026", web_path(&c)))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("共 1003 笔"), "{page}");
    assert!(page.contains("100,000,001,010.00 元"), "{page}");
    assert!(page.contains("第 1 / 51 页"), "{page}");
}

async fn a_village_reads_and_another_group_finds_nothing(app: TestApp) {
    let c = cast(&app).await;
    let id = api_add(&app, &c, transport(&c, "80")).await;
    let before = amount_fens(&app).await;
    // A village user reads the list but cannot record, correct or withdraw (四(二): the schools
    // and towns pay).
    let body = list(&app, &c.village_token, &c, "").await;
    assert_eq!(body["total"], 1);
    let r = send(
        &app,
        &c.village_token,
        Method::POST,
        &path(&c),
        transport(&c, "5"),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let one = format!("{}/{id}", path(&c));
    let r = send(
        &app,
        &c.village_token,
        Method::PUT,
        &one,
        transport(&c, "5"),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(&app, &c.village_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = post_form(&app, &c.village, &web_path(&c), &web_fields(&c, "5")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = app
        .get_with(&c.village, &web_path(&c))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("80.00 元"));
    assert!(!page.contains("登记经费"), "no form for a reader");
    // A reader sees the record's 修改记录 on its history page instead of an edit link.
    let history = format!("/groups/{}/records/expense/{id}/history", c.g.id);
    assert!(page.contains(&history), "{page}");
    let r = app.get_with(&c.village, &history).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.text().await.unwrap();
    assert!(h.contains("登记经费") && h.contains("80.00 元"), "{h}");
    let r = app
        .get_with(&c.village, &format!("{}/{id}/edit", web_path(&c)))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post_form(
        &app,
        &c.village,
        &format!("{}/{id}/withdraw", web_path(&c)),
        &[("confirm", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The town records expenses (office space, its share of activities).
    let r = send(
        &app,
        &c.town_token,
        Method::POST,
        &path(&c),
        json!({"spent_on": "2026-05-02", "amount": "300", "payer_org_id": c.g.town, "kind": "office_equipment"}),
    )
    .await;
    let town_id = expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Another group's user: the group and its records are not found; nothing changes.
    let r = app.api_get(&c.outsider_token, &path(&c)).await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.outsider_token,
        Method::POST,
        &path(&c),
        transport(&c, "5"),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(
        &app,
        &c.outsider_token,
        Method::PUT,
        &one,
        transport(&c, "5"),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = send(&app, &c.outsider_token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::NOT_FOUND).await;
    let r = app
        .api_get(
            &c.outsider_token,
            &format!("/api/v1/groups/{}/records/expense/{id}/history", c.g.id),
        )
        .await;
    expect(r, StatusCode::NOT_FOUND).await;
    // Through their own group's address, group 4's expense is not theirs either.
    let own = app.group_id(2).await;
    let r = send(
        &app,
        &c.outsider_token,
        Method::DELETE,
        &format!("/api/v1/groups/{own}/expenses/{id}"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    for p in [
        web_path(&c),
        format!("{}/{id}/edit", web_path(&c)),
        format!("{}/{id}/withdraw", web_path(&c)),
        format!("{}/export.xlsx", web_path(&c)),
    ] {
        let r = app.get_with(&c.outsider, &p).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
    }
    let r = post_form(&app, &c.outsider, &web_path(&c), &web_fields(&c, "5")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let mut after = amount_fens(&app).await;
    after.retain(|f| *f != 30_000);
    assert_eq!(after, before, "nothing changed");
    assert_eq!(app.count("expenses").await, 2);
    assert!(!town_id.is_empty());
}

async fn a_correction_keeps_its_history_and_a_withdrawal_asks_first(app: TestApp) {
    let c = cast(&app).await;
    let g = &c.g;
    let id = api_add(&app, &c, transport(&c, "1200")).await;
    let one = format!("{}/{id}", path(&c));
    // Through the API: a new amount, kind and shares.
    let mut fixed = transport(&c, "1350.50");
    fixed["kind"] = json!("living_allowance");
    fixed["shares"] = json!([
        {"org_id": g.university, "percent": "60"},
        {"org_id": g.vocational, "percent": "40"},
    ]);
    let r = send(&app, &c.token, Method::PUT, &one, fixed).await;
    let body = expect(r, StatusCode::OK).await;
    assert_eq!(body["amount"], "1350.50");
    assert_eq!(body["amount_fen"], 135_050);
    assert_eq!(body["shares"].as_array().unwrap().len(), 2);
    // A refused correction changes nothing.
    let r = send(&app, &c.token, Method::PUT, &one, transport(&c, "1.001")).await;
    expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(amount_fens(&app).await, vec![135_050]);
    // The history names the fields, amounts in yuan, organisations by name.
    let r = app
        .api_get(
            &c.token,
            &format!("/api/v1/groups/{}/records/expense/{id}/history", g.id),
        )
        .await;
    let history = expect(r, StatusCode::OK).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["登记经费", "更正经费"]);
    let changes: Vec<&str> = history[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        changes.contains(&"金额：1,200.00 元 → 1,350.50 元"),
        "{changes:?}"
    );
    assert!(
        changes.contains(&"经费类别：交通费 → 生活补助"),
        "{changes:?}"
    );
    assert!(
        changes.contains(&"分担比例：（不分担） → 广东医科大学 60.00%、东莞市电子科技学校 40.00%"),
        "{changes:?}"
    );

    // Through the web: the edit page starts from the record and shows the history.
    let edit = format!("{}/{id}/edit", web_path(&c));
    let page = app.get_with(&c.school, &edit).await.text().await.unwrap();
    assert!(page.contains("name=\"amount\" value=\"1350.50\""), "{page}");
    assert!(page.contains("金额：1,200.00 元 → 1,350.50 元"));
    assert!(page.contains("value=\"60.00\""));
    // A wrong correction is shown again with its summary and what was typed.
    let mut f = web_fields(&c, "1350.5");
    f[0] = ("spent_on", "2026-13-01");
    let r = post_form(&app, &c.school, &edit, &f).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("href=\"#f-spent_on\"") && page.contains("2026-13-01"));
    assert_eq!(amount_fens(&app).await, vec![135_050]);
    // A right one saves (shares cleared), and the page says so where the list is.
    let r = post_form(&app, &c.school, &edit, &web_fields(&c, "1350.5")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("{}?saved=expense_updated#saved", web_path(&c)).as_str()
    );
    assert_eq!(app.count("expense_shares").await, 0);
    // The same again changes nothing and says so.
    let r = post_form(&app, &c.school, &edit, &web_fields(&c, "1350.50")).await;
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("expense_unchanged")
    );

    // Withdrawal: a confirmation page first, then the record goes and the log keeps it.
    let withdraw = format!("{}/{id}/withdraw", web_path(&c));
    let page = app
        .get_with(&c.school, &withdraw)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("确认撤回") && page.contains("1,350.50 元"),
        "{page}"
    );
    assert_eq!(app.count("expenses").await, 1, "a GET changes nothing");
    let r = post_form(&app, &c.school, &withdraw, &[("confirm", "1")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("{}?saved=expense_withdrawn#saved", web_path(&c)).as_str()
    );
    assert_eq!(app.count("expenses").await, 0);
    let before = app
        .text(
            "select before_json from audit_events where action = 'expense.withdraw' and entity = 'expense' and entity_id = $1",
            &[&id],
        )
        .await;
    assert!(before.contains("135050"), "{before}");
    // Through the API: withdrawn once, then not found.
    let other = api_add(&app, &c, transport(&c, "9.90")).await;
    let one = format!("{}/{other}", path(&c));
    let r = send(&app, &c.token, Method::DELETE, &one, json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = send(&app, &c.token, Method::DELETE, &one, json!({})).await;
    expect(r, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("expenses").await, 0);
    assert_eq!(app.count("expense_shares").await, 0);
}

async fn the_export_is_the_filtered_list(app: TestApp) {
    use calamine::{Reader, Xlsx};
    let c = cast(&app).await;
    api_add(&app, &c, transport(&c, "1234.5")).await;
    let mut other = transport(&c, "66");
    other["kind"] = json!("other");
    api_add(&app, &c, other).await;
    let r = app
        .get_with(
            &c.school,
            &format!("{}/export.xlsx?kind=transport", web_path(&c)),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("经费").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "the header and the one transport expense");
    assert_eq!(rows[0][2], "金额（元）");
    assert_eq!(rows[1][1], "交通费");
    assert_eq!(rows[1][2], "1234.50");
    assert_eq!(rows[1][4], "广东医科大学");
    let n = app
        .text(
            "select cast(count(*) as text) from audit_events where action = 'export' and entity = 'expense'",
            &[],
        )
        .await;
    assert_eq!(n, "1", "the export is in the audit log");
}

on_both!(
    amounts_are_typed_in_yuan_and_kept_in_fen,
    shares_add_up_to_exactly_one_hundred_percent,
    totals_are_exact_to_the_fen_over_many_rows,
    a_village_reads_and_another_group_finds_nothing,
    a_correction_keeps_its_history_and_a_withdrawal_asks_first,
    the_export_is_the_filtered_list,
);
