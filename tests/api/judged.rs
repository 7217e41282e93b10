//! The programme's judgement is kept only while the data version stands still (migration 0022,
//! `services::judged`): any write to a table the verdicts read — through the platform, straight
//! into the database, from another instance — moves it, the next matrix is judged again and
//! shows the write; writes elsewhere (sign-ins) leave it; a user whose matrix is read from the
//! kept judgement sees exactly what judging only their groups gives; and a new day is a new
//! judgement even with no write. After a write only what it touched is judged again (migration
//! 0024): a group's own records that group, a monthly report the schools, anything else all; the
//! result is what judging everything afresh gives.

use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, send};
use crate::matrix::{cells, group_row, matrix};
use crate::on_both;
use serde_json::Value;

on_both!(
    a_write_anywhere_moves_the_data_version_and_the_matrix_shows_it,
    a_member_reads_the_same_from_a_kept_judgement_as_from_its_own,
    a_new_day_is_judged_again_without_a_write,
    an_update_that_changes_nothing_leaves_the_version,
    only_what_changed_is_judged_again,
);

fn cell(row: &Value, rule: &str) -> String {
    cells(row)
        .remove(rule)
        .unwrap_or_else(|| panic!("{rule} in {row}"))
}

async fn a_write_anywhere_moves_the_data_version_and_the_matrix_shows_it(app: TestApp) {
    let store = app.store();
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let g = group4(&app).await;
    let first = matrix(&app, &token, "year=2025").await;
    let lead_town = group_row(&first, 4)["lead_town"]
        .as_str()
        .unwrap()
        .to_string();
    let v0 = store.data_version().await.unwrap();
    // Asked again with nothing written: the same answer, the version where it was.
    assert_eq!(matrix(&app, &token, "year=2025").await, first);
    assert_eq!(store.data_version().await.unwrap(), v0);

    // Signing in writes sessions and sign-in counts, none of which a verdict reads.
    app.api_token("admin", ADMIN_PASSWORD).await;
    assert_eq!(store.data_version().await.unwrap(), v0);

    // A name changed straight in the database (no service, no audit): the version moves and
    // the next matrix shows the new name, not the kept one.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "update organisations set name = name || '（更名）' where id = '{}'",
        g.town
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let v1 = store.data_version().await.unwrap();
    assert!(v1 > v0, "the version stood at {v0} after a write");
    let renamed = matrix(&app, &token, "year=2025").await;
    assert_eq!(
        group_row(&renamed, 4)["lead_town"],
        format!("{lead_town}（更名）")
    );

    // A verdict changed straight in the database, in one transaction of several rows: group 4's
    // agreement signed by its four parties in time; the matrix follows.
    let before = cell(group_row(&renamed, 4), "agreement").to_string();
    let mut tx = store.pool().begin().await.unwrap();
    for sql in [
        format!(
            "insert into agreements (id, group_id, signed_on, created_at, updated_at)
             values ('judged-test-agreement', '{}', '2024-01-20', 0, 0)",
            g.id
        ),
        format!(
            "insert into agreement_parties (agreement_id, org_id) values
             ('judged-test-agreement', '{}'), ('judged-test-agreement', '{}'),
             ('judged-test-agreement', '{}'), ('judged-test-agreement', '{}')",
            g.university, g.vocational, g.town, g.village
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let v2 = store.data_version().await.unwrap();
    assert!(v2 > v1);
    if store.backend() == xiaodi::store::Backend::Postgres {
        // PostgreSQL moves it once per transaction, at its commit, however many rows it wrote.
        assert_eq!(v2, v1 + 1);
    }
    let signed = matrix(&app, &token, "year=2025").await;
    assert_eq!(before, "not_met");
    assert_eq!(cell(group_row(&signed, 4), "agreement"), "met");

    // Another instance on the same database reads the same, its own judgement made afresh.
    let config = crate::helpers::test_config(&app.data_dir, &app.database_url);
    let second = xiaodi::Application::build_with_clock(config, app.clock.clone())
        .await
        .expect("second instance");
    let q = xiaodi::services::matrix::MatrixQuery::parse(
        &xiaodi::services::matrix::RawMatrixQuery {
            year: Some("2025".into()),
            ..Default::default()
        },
        app.clock.today(),
    )
    .unwrap();
    let s = second.state();
    let there = s
        .judged
        .programme(&s.store, &s.plans, &q.period, s.clock.now_ms())
        .await
        .unwrap();
    let id = xiaodi::domain::ids::GroupId::from_db(g.id.clone());
    assert_eq!(
        there.verdicts[&id]
            .iter()
            .find(|v| v.rule.as_str() == "agreement")
            .unwrap()
            .status
            .as_str(),
        "met"
    );
    // A write there is seen here at once.
    sqlx::query("delete from agreement_parties where agreement_id = 'judged-test-agreement'")
        .execute(s.store.pool())
        .await
        .unwrap();
    let unsigned = matrix(&app, &token, "year=2025").await;
    assert_eq!(cell(group_row(&unsigned, 4), "agreement"), "not_met");
}

async fn a_member_reads_the_same_from_a_kept_judgement_as_from_its_own(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("school4", "广东医科大学", "school").await;
    let school = app.api_token("school4", crate::helpers::PASSWORD).await;
    app.add_user("tangxia", "塘厦镇", "town").await;
    let town = app.api_token("tangxia", crate::helpers::PASSWORD).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    // (who, how many school rows it sees: a school its own, a town none)
    for (member, school_rows) in [(&school, 1), (&town, 0)] {
        for query in ["year=2025", "year=2026", "month=2026-05"] {
            // Nothing kept for this version yet (a write moved it): the member's groups are
            // judged alone.
            move_version(&app, &g.town).await;
            let alone = matrix(&app, member, query).await;
            assert!(!alone["groups"].as_array().unwrap().is_empty());
            assert_eq!(alone["schools"].as_array().unwrap().len(), school_rows);
            // The bureau's request judges the whole programme and keeps it; the member's next
            // request reads its rows from that judgement.
            let all = matrix(&app, &bureau, query).await;
            let period = xiaodi::services::matrix::MatrixQuery::parse(
                &serde_json::from_value(serde_json::json!({
                    "year": query.strip_prefix("year=").map(str::to_string),
                    "month": query.strip_prefix("month=").map(str::to_string),
                }))
                .unwrap(),
                app.clock.today(),
            )
            .unwrap()
            .period;
            assert!(
                app.state
                    .judged
                    .kept(app.store(), &period)
                    .await
                    .unwrap()
                    .is_some(),
                "{query}: the bureau's judgement was not kept"
            );
            assert!(
                all["groups"].as_array().unwrap().len() > alone["groups"].as_array().unwrap().len()
            );
            let kept = matrix(&app, member, query).await;
            assert_eq!(kept, alone, "{query}");
        }
    }
}

/// Moves the data version: a name changed and changed back.
async fn move_version(app: &TestApp, org: &str) {
    let before = app.store().data_version().await.unwrap();
    for sql in [
        format!("update organisations set name = name || '·' where id = '{org}'"),
        format!(
            "update organisations set name = substr(name, 1, length(name) - 1) where id = '{org}'"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(app.store().pool())
            .await
            .unwrap();
    }
    assert!(app.store().data_version().await.unwrap() > before);
}

async fn a_new_day_is_judged_again_without_a_write(app: TestApp) {
    let g = group4(&app).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let school_cell = |m: &Value| -> String {
        let row = m["schools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["org_id"] == g.university.as_str())
            .unwrap_or_else(|| panic!("school {} in {m}", g.university))
            .clone();
        cell(&row, "monthly-report").to_string()
    };
    // 2026-06-15: June's report is due on the 28th.
    let june = matrix(&app, &token, "month=2026-06").await;
    assert_eq!(school_cell(&june), "not_yet_due");
    let version = app.store().data_version().await.unwrap();
    // A fortnight on, nothing written: June's report is now missing.
    app.clock.advance_ms(14 * 24 * 3600 * 1000);
    // (Signed in again: the session has been idle too long. Sessions are not read by verdicts.)
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let later = matrix(&app, &token, "month=2026-06").await;
    assert_eq!(app.store().data_version().await.unwrap(), version);
    assert_eq!(school_cell(&later), "not_met");
}

/// Some writes claim rows as locks by writing them as they were (`store::locks`): that changes no
/// record, so the kept judgement stays. On SQLite each update trigger compares every column of
/// its table (a column added later and not compared would leave the matrix stale).
async fn an_update_that_changes_nothing_leaves_the_version(app: TestApp) {
    let store = app.store();
    let v0 = store.data_version().await.unwrap();
    for sql in [
        "update monthly_reports set state = state",
        "update pairing_groups set created_at = created_at",
        "update organisations set name = name",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    assert_eq!(store.data_version().await.unwrap(), v0);
    sqlx::query("update pairing_groups set created_at = created_at + 1")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(store.data_version().await.unwrap() > v0);

    if store.backend() != xiaodi::store::Backend::Sqlite {
        return; // PostgreSQL compares whole rows: `old.* is distinct from new.*`.
    }
    let triggers: Vec<(String, String)> = sqlx::query(
        "select tbl_name, sql from sqlite_master
         where type = 'trigger' and name like 'data_version_%_update'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        use sqlx::Row;
        (r.get("tbl_name"), r.get("sql"))
    })
    .collect();
    assert_eq!(
        triggers.len(),
        22,
        "one update trigger per table a verdict or a group's page reads"
    );
    for (table, sql) in triggers {
        let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select name from pragma_table_info('{table}')"
        )))
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            use sqlx::Row;
            r.get("name")
        })
        .collect();
        assert!(!columns.is_empty());
        for c in columns {
            assert!(
                sql.contains(&format!("old.{c} is not new.{c}")),
                "{table}.{c} is not compared by its data-version trigger"
            );
        }
    }
}

/// The period of a matrix query as the API reads it.
fn period_of(app: &TestApp, query: &str) -> xiaodi::domain::period::Period {
    xiaodi::services::matrix::MatrixQuery::parse(
        &serde_json::from_value(serde_json::json!({
            "year": query.strip_prefix("year=").map(str::to_string),
            "month": query.strip_prefix("month=").map(str::to_string),
        }))
        .unwrap(),
        app.clock.today(),
    )
    .unwrap()
    .period
}

/// The bureau's matrix for `query` asked for, then how its kept judgement was made, after
/// checking it holds exactly what judging the whole programme afresh (an empty cache) gives.
async fn judged_anew(app: &TestApp, token: &str, query: &str) -> xiaodi::services::judged::Anew {
    use xiaodi::services::judged::JudgedCache;
    let shown = matrix(app, token, query).await;
    let period = period_of(app, query);
    let s = &app.state;
    let kept = s
        .judged
        .kept(&s.store, &period)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{query}: nothing kept"));
    let fresh = JudgedCache::default()
        .programme(&s.store, &s.plans, &period, s.clock.now_ms())
        .await
        .unwrap();
    assert_eq!(fresh.anew, xiaodi::services::judged::Anew::Everything);
    assert_eq!(kept.verdicts, fresh.verdicts, "{query}: group verdicts");
    let schools = |j: &xiaodi::services::judged::Judged| -> Vec<_> {
        j.schools
            .iter()
            .map(|r| (r.school.clone(), r.verdicts.clone(), r.months.clone()))
            .collect()
    };
    assert_eq!(schools(&kept), schools(&fresh), "{query}: school verdicts");
    let ids = |j: &xiaodi::services::judged::Judged| -> Vec<_> {
        j.rows
            .iter()
            .map(|r| (r.id.clone(), r.lead_town.clone()))
            .collect()
    };
    assert_eq!(ids(&kept), ids(&fresh), "{query}: rows");
    // And the page shows the kept judgement (asked again, the same).
    assert_eq!(matrix(app, token, query).await, shown);
    kept.anew
}

async fn only_what_changed_is_judged_again(app: TestApp) {
    use xiaodi::services::judged::Anew;
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let bureau = app.api_token("admin", ADMIN_PASSWORD).await;
    let q = "month=2026-06";
    let part = |groups, schools| Anew::Part { groups, schools };
    assert_eq!(judged_anew(&app, &bureau, q).await, Anew::Everything);
    // Nothing written: the kept judgement itself.
    assert_eq!(judged_anew(&app, &bureau, q).await, Anew::Everything);

    // A team member of group 4: that group alone, and its team's reason now reads it.
    let reason = |m: &Value| -> Value {
        group_row(m, 4)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rule"] == "team-size")
            .unwrap()["reason"]
            .clone()
    };
    let before = reason(&matrix(&app, &bureau, q).await);
    let r = send(
        &app,
        &bureau,
        reqwest::Method::POST,
        &format!("/api/v1/groups/{}/team", g.id),
        serde_json::json!({
            "person_name": "王队长", "org_id": g.university, "role": "captain",
            "title": "senior", "school_leader": true, "phone": "13800131234",
            "joined_on": "2024-01-01",
        }),
    )
    .await;
    expect(r, reqwest::StatusCode::CREATED).await;
    assert_eq!(judged_anew(&app, &bureau, q).await, part(1, false));
    assert_ne!(reason(&matrix(&app, &bureau, q).await), before);

    // An agreement with its parties written in one transaction, straight in the database: the
    // parties are traced to their group through the agreement.
    let mut tx = app.store().pool().begin().await.unwrap();
    for sql in [
        format!(
            "insert into agreements (id, group_id, signed_on, created_at, updated_at)
             values ('judged-part-agreement', '{}', '2024-01-20', 0, 0)",
            g.id
        ),
        format!(
            "insert into agreement_parties (agreement_id, org_id) values
             ('judged-part-agreement', '{}'), ('judged-part-agreement', '{}'),
             ('judged-part-agreement', '{}'), ('judged-part-agreement', '{}')",
            g.university, g.vocational, g.town, g.village
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(judged_anew(&app, &bureau, q).await, part(1, false));
    assert_eq!(
        cell(group_row(&matrix(&app, &bureau, q).await, 4), "agreement"),
        "met"
    );
    // A party removed on its own: still that group alone.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "delete from agreement_parties where agreement_id = 'judged-part-agreement' and org_id = '{}'",
        g.village
    )))
    .execute(app.store().pool())
    .await
    .unwrap();
    assert_eq!(judged_anew(&app, &bureau, q).await, part(1, false));
    assert_eq!(
        cell(group_row(&matrix(&app, &bureau, q).await, 4), "agreement"),
        "not_met"
    );

    // June's report submitted by its school: the schools alone, no group.
    let school_cell = |m: &Value| -> String {
        let row = m["schools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["org_id"] == g.university.as_str())
            .unwrap()
            .clone();
        cell(&row, "monthly-report").to_string()
    };
    assert_eq!(school_cell(&matrix(&app, &bureau, q).await), "not_yet_due");
    let r = send(
        &app,
        &school,
        reqwest::Method::POST,
        &format!("/api/v1/reports/2026-06/{}/submit", g.university),
        serde_json::json!({}),
    )
    .await;
    expect(r, reqwest::StatusCode::OK).await;
    assert_eq!(judged_anew(&app, &bureau, q).await, part(0, true));
    assert_eq!(school_cell(&matrix(&app, &bureau, q).await), "met");

    // A typical case of group 4 published (publicity counts it): that group alone.
    let case = send(
        &app,
        &school,
        reqwest::Method::POST,
        &format!("/api/v1/groups/{}/cases", g.id),
        serde_json::json!({"kind": "news", "title": "签约", "summary": "签约仪式", "body": "<p>签约</p>"}),
    )
    .await;
    let case = expect(case, reqwest::StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(judged_anew(&app, &bureau, q).await, part(1, false));
    for (who, path) in [
        (
            &school,
            format!("/api/v1/groups/{}/cases/{case}/submit", g.id),
        ),
        (&bureau, format!("/api/v1/cases/{case}/publish")),
    ] {
        let r = send(
            &app,
            who,
            reqwest::Method::POST,
            &path,
            serde_json::json!({}),
        )
        .await;
        expect(r, reqwest::StatusCode::OK).await;
    }
    assert_eq!(judged_anew(&app, &bureau, q).await, part(1, false));

    // An organisation renamed: every group and school (names head rows and reasons).
    move_version(&app, &g.town).await;
    assert_eq!(judged_anew(&app, &bureau, q).await, Anew::Everything);
}
