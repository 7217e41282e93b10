//! The compliance matrix in a real browser (issue 11): the bureau's home is the matrix; a failing
//! cell opens its page (the reason and the clause), and its link reaches the record behind it.

#[allow(dead_code)] // the accessibility walk's helpers are not used here
mod support;

use support::{Harness, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bureau_follows_a_failing_cell_to_the_record_behind_it() {
    let Some(h) = Harness::start().await else {
        return;
    };
    let b = h.browser(1440, 900).await;
    b.goto("/").await;
    b.wait_for("input[name=username]").await;
    b.sign_in("admin", PASSWORD).await;

    // Home: the matrix, 8 groups × 12 rules, each cell a word and an icon.
    assert_eq!(b.path().await, "/");
    b.wait_for("#group-matrix").await;
    assert!(b.text("main h1").await.contains("合规矩阵"));
    assert_eq!(b.count("#group-matrix tbody tr").await, 8);
    assert_eq!(b.count("#group-matrix thead th[data-rule]").await, 12);
    assert!(b.count("#school-matrix tbody tr").await >= 18);
    let cell = "tr[data-number='4'] td[data-rule='team-size'] a";
    let text = b.text(cell).await;
    assert!(text.contains("不符合"), "{text}");
    b.screenshot("matrix-1440px.png").await;

    // The failing cell: its page gives the reason and the clause.
    b.click_and_wait(cell).await;
    assert!(b.path().await.ends_with("/team-size"));
    assert!(b.text("#cell-reason").await.contains("少于 6 人"));
    assert!(b.text("#cell-rule").await.contains("四(一)"));
    b.screenshot("matrix-cell-1440px.png").await;

    // …and its link reaches the team page the verdict was judged on.
    b.follow("服务工作队").await;
    assert!(b.path().await.ends_with("/team"));
    b.wait_for("tr[data-rule='team-size']").await;
    b.close().await;
    h.stop().await;
}
