//! 操作手册's screenshots (issue 14): each role signs in, opens the page its chapter's first steps
//! are done on, and the window is saved as `static/guide/{role}.png`, the picture the guide's page
//! and docx show — so the pictures are the platform as it is. Commit the files this test rewrites.
//! Then the help mark of that page leads to the role's own chapter, which passes axe-core.

#[allow(dead_code)] // the helpers this test does not need serve the other browser tests
mod support;

use std::path::Path;
use support::{Browser, GROUP_4_ACCOUNTS, Harness, PASSWORD};
use xiaodi::domain::guide::{self, GROUP_SLOT};
use xiaodi::domain::user::Role;

/// A modest window: the pictures stay small and legible at the guide's width.
const WINDOW: (u32, u32) = (1100, 680);

/// The school records a captain and a day of on-site service in group 4, so the pictures show
/// a filled page and the town's and village's workbenches a day awaiting their confirmation.
async fn record_group_4(b: &Browser) -> String {
    let group = support::record_captain_of_group_4(b).await;

    let form = "#add-entry form";
    for (place, from, to, content) in [
        ("塘厦镇", "2026-03-02", "2026-03-06", "驻镇义诊"),
        ("凤凰岗社区", "2026-05-11", "2026-05-12", "社区健康讲座"),
    ] {
        b.goto(&format!("{group}/onsite")).await;
        b.set_date(&format!("{form} input[name=date_from]"), from)
            .await;
        b.set_date(&format!("{form} input[name=date_to]"), to).await;
        b.select_label(&format!("{form} select[name=place]"), place)
            .await;
        let checkbox = b.checkbox_labelled(form, "members", "王校长（队长）").await;
        b.tick(&checkbox).await;
        b.fill(&format!("{form} textarea[name=content]"), content)
            .await;
        b.submit(form).await;
    }
    group
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_roles_chapter_has_a_screenshot_of_its_first_page() {
    let Some(h) = Harness::start().await else {
        return;
    };
    for (username, org, role) in GROUP_4_ACCOUNTS {
        h.add_user(username, &format!("{username} 测试"), org, role)
            .await;
    }
    let plan = xiaodi::domain::plan::Plan::parse(xiaodi::domain::plan::DONGGUAN_2023_PLAN).unwrap();
    let b = h.browser(WINDOW.0, WINDOW.1).await;

    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    let group = record_group_4(&b).await;
    b.sign_out().await;

    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static");
    let usernames = std::iter::once("admin").chain(GROUP_4_ACCOUNTS.iter().map(|(u, _, _)| *u));
    for (username, role) in usernames.zip(Role::ALL) {
        let chapter = guide::chapter(&plan, role);
        b.sign_in(username, PASSWORD).await;
        let page = chapter
            .screenshot
            .page
            .replace(&format!("/groups/{GROUP_SLOT}"), &group);
        assert!(!page.contains('{'), "{page}: a page the test can open");
        b.goto(&page).await;
        // The page the chapter's steps name is the one the picture shows.
        assert!(
            chapter.steps().any(|s| s.path == chapter.screenshot.page),
            "{role:?}: {} is one of the chapter's pages",
            chapter.screenshot.page
        );
        let png = b.c.screenshot().await.unwrap();
        let file = out.join(&chapter.screenshot.file);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &png).unwrap();
        eprintln!("guide screenshot: {} ({} bytes)", file.display(), png.len());

        // The help mark leads to the reader's own chapter, its first.
        b.click_and_wait("header a.help").await;
        assert_eq!(b.path().await, chapter.href());
        b.wait_for("table.guide-steps").await;
        b.sign_out().await;
    }
    b.close().await;
    h.stop().await;
}
