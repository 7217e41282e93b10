//! The group cards, the charts and the public overview in real Chromium, each page checked with
//! axe-core as it opens (the accessibility walk follows the navigation, which does not reach
//! `/public`, nor the school's view of `/charts`).

#[allow(dead_code)] // the accessibility walk's helpers are not used here
mod support;

use support::{Harness, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_charts_and_the_public_page_read_well() {
    let Some(h) = Harness::start().await else {
        return;
    };
    h.add_user("gdmu", "张老师", "广东医科大学", "school").await;
    let b = h.browser(1280, 900).await;

    // Signed out: the public overview, linked from the login page.
    b.goto("/login").await;
    b.follow("公开概览").await;
    assert_eq!(b.path().await, "/public");
    assert_eq!(b.count("#public-matrix tbody tr").await, 8);
    assert!(b.text("#updated-at").await.contains("数据更新于"));
    b.screenshot("public-1280px.png").await;

    // The school: one card per group on its workbench, and the same card on the group page.
    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    assert!(b.count("section.group-card").await >= 1);
    b.screenshot("workbench-cards-1280px.png").await;
    b.goto("/charts").await;
    assert_eq!(b.count("figure.chart").await, 3);
    b.sign_out().await;

    // The bureau: the four charts from the navigation, each with its table behind a toggle.
    b.sign_in("admin", PASSWORD).await;
    b.follow("统计图表").await;
    assert_eq!(b.path().await, "/charts");
    assert_eq!(b.count("figure.chart svg[role=img]").await, 4);
    b.find("#figure-onsite summary")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(b.count("#table-onsite tbody tr").await, 8);
    b.check_accessibility().await;
    b.screenshot("charts-1280px.png").await;
    b.close().await;
    h.stop().await;
}
