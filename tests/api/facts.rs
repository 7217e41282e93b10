//! One group's page and a whole set of groups read the same facts and reach the same verdicts:
//! the page passes the group it already read, the matrix loads every group at once.

use crate::helpers::{ADMIN_PASSWORD, TestApp, add_captain, group4, sign_agreement};
use crate::on_both;
use jiff::civil::date;
use reqwest::StatusCode;
use xiaodi::domain::ids::GroupId;
use xiaodi::services::compliance::{checks_of_group, year_checks};
use xiaodi::store::GroupScope;
use xiaodi::store::facts::GroupSet;

async fn one_group_and_the_whole_set_agree(app: TestApp) {
    // Some records in group 4: an agreement by two of its four members and a captain.
    let admin = app.web_client("admin", ADMIN_PASSWORD).await;
    let g = group4(&app).await;
    let id = g.id.clone();
    let r = sign_agreement(
        &app,
        &admin,
        &id,
        "2024-01-20",
        &[&g.university, &g.town],
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = add_captain(&app, &admin, &id, &g.university).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let store = app.store();
    let plans = &app.state.plans;
    let today = app.clock.today();
    for year in 2023..=2026 {
        let all = year_checks(store, plans, GroupSet::All, year, today)
            .await
            .unwrap();
        assert_eq!(all.len(), 8);
        let ids: Vec<GroupId> = all.iter().map(|c| c.facts.id.clone()).collect();
        let page = year_checks(store, plans, GroupSet::Ids(&ids[2..5]), year, today)
            .await
            .unwrap();
        assert_eq!(page.len(), 3);
        for c in &all {
            let view = store
                .get_group(&GroupScope::All, &c.facts.id)
                .await
                .unwrap()
                .unwrap();
            let one = checks_of_group(store, c.plan.clone(), &view.group, year, today)
                .await
                .unwrap();
            assert_eq!(one.facts, c.facts, "group {} facts, {year}", c.facts.number);
            assert_eq!(
                one.verdicts, c.verdicts,
                "group {} verdicts, {year}",
                c.facts.number
            );
        }
        for p in &page {
            let c = all.iter().find(|c| c.facts.id == p.facts.id).unwrap();
            assert_eq!(p.verdicts, c.verdicts);
        }
    }
    // The records are there in the facts (so the comparison above compared something).
    let all = year_checks(store, plans, GroupSet::All, 2024, today)
        .await
        .unwrap();
    let four = all.iter().find(|c| c.facts.number == 4).unwrap();
    assert_eq!(four.facts.agreements.len(), 1);
    assert_eq!(four.facts.agreements[0].signed_on, Some(date(2024, 1, 20)));
    assert_eq!(four.facts.agreements[0].parties.len(), 2);
    assert_eq!(four.facts.team.len(), 1);
}

on_both!(one_group_and_the_whole_set_agree);
