//! Accessibility: every role signs in and walks every page its navigation and the group pages
//! lead to, at 1440 px and at 390 px, and axe-core finds nothing serious or critical on any of
//! them (the sign-in page, forms turned down, error pages included). One Chromium session does
//! the whole walk: starting a browser is the expensive part.

#[allow(dead_code)] // the helpers this walk does not need serve the other browser tests
mod support;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;
use support::{Browser, GROUP_4_ACCOUNTS, Harness, PASSWORD};

const DESKTOP: (u32, u32) = (1440, 900);
const PHONE: (u32, u32) = (390, 844);

/// The most distinct pages one role's walk visits: a guard against a page that links to ever
/// new addresses, far above what the platform has.
const MAX_PAGES: usize = 80;

/// Addresses the walk does not open: downloads (not pages) and the way out.
fn skipped(path: &str) -> bool {
    path.ends_with(".xlsx")
        || path.ends_with(".docx")
        || path.starts_with("/files/")
        || path == "/logout"
}

/// What kind of page an address is: ids and months (`2026-05`) become `{}` and only the names of
/// query parameters count, so the walk opens one team page, one leave form, one month's report,
/// one page of a list, and not each.
fn shape(path: &str, query: Option<&str>) -> String {
    let path = path
        .split('/')
        .map(|seg| {
            let id_like = seg.len() >= 8
                && seg.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
                && seg.chars().any(|c| c.is_ascii_digit());
            let month = seg.len() == 7
                && seg.as_bytes()[4] == b'-'
                && seg.chars().filter(|c| c.is_ascii_digit()).count() == 6;
            if id_like || month || (!seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit())) {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    // A cell of the compliance matrix: one page per rule, all of one shape; and a chapter of the
    // guide, one page per role (each role's walk reaches its own first, by the help mark).
    let path = match path.rsplit_once('/') {
        Some((head, _))
            if head.starts_with("/compliance/groups/")
                || head.starts_with("/compliance/schools/")
                || head == "/guide" =>
        {
            format!("{head}/{{}}")
        }
        _ => path,
    };
    let mut keys: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split('=').next().unwrap_or_default())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        path
    } else {
        format!("{path}?{}", keys.join("&"))
    }
}

/// The same-site links of the current page, as path and query.
async fn links(b: &Browser, base: &str) -> Vec<String> {
    let hrefs =
        b.c.execute(
            "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);",
            vec![],
        )
        .await
        .unwrap();
    hrefs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str())
        .filter_map(|h| h.strip_prefix(base))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| h.starts_with('/'))
        .collect()
}

/// Walks, breadth first from the home page, every page of a distinct shape that the signed-in
/// user's pages link to; each is checked by axe as it opens. Returns the addresses visited.
async fn walk(b: &Browser, base: &str, also: &[&str]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = VecDeque::from(vec!["/".to_string()]);
    queue.extend(also.iter().map(|s| s.to_string()));
    let mut visited = Vec::new();
    while let Some(next) = queue.pop_front() {
        let (path, query) = match next.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (next.as_str(), None),
        };
        if skipped(path) || !seen.insert(shape(path, query)) {
            continue;
        }
        assert!(
            visited.len() < MAX_PAGES,
            "more than {MAX_PAGES} kinds of page: {visited:?}"
        );
        b.goto(&next).await;
        assert_skip_link_first(b, &next).await;
        visited.push(next.clone());
        queue.extend(links(b, base).await);
    }
    visited
}

/// On a page with the main navigation, the first thing Tab reaches is 跳到正文.
async fn assert_skip_link_first(b: &Browser, page: &str) {
    let first =
        b.c.execute(
            "if (!document.querySelector('nav.mainnav')) return null; \
             const f = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex=\"-1\"])'); \
             return f && f.classList.contains('skip-link') ? f.textContent : (f ? f.outerHTML : 'nothing');",
            vec![],
        )
        .await
        .unwrap();
    if !first.is_null() {
        assert_eq!(first, "跳到正文", "the first Tab stop on {page}");
    }
}

/// The page as it is, checked again at phone width (a form's answer cannot be reloaded).
async fn check_on_a_phone_too(b: &Browser) {
    b.c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    b.check_accessibility().await;
    b.c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// The page as it is, for people to look at: `target/screenshots/a11y-{name}-1440px.png` and
/// `-390px.png`, checked by axe at each width (from desktop width, back to it).
async fn screenshots(b: &Browser, name: &str) {
    b.screenshot(&format!("a11y-{name}-1440px.png")).await;
    b.c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    b.check_accessibility().await;
    b.screenshot(&format!("a11y-{name}-390px.png")).await;
    b.c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// Chooses `file` in a file input and sends its form; the page that comes back is checked.
async fn upload(b: &Browser, form: &str, file: &std::path::Path) {
    b.find(&format!("{form} input[type=file]"))
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    b.click_and_wait(&format!("{form} button[type=submit]"))
        .await;
}

/// What a role does on its forms before its walk, so the answers (turned down or done) are
/// checked, and the lists that follow have something in them.
async fn use_forms(b: &Browser, role: &str, group: &str, bad_sheet: &std::path::Path) {
    match role {
        "bureau" => {
            b.goto("/import/pairings").await;
            upload(b, "form[action='/import/pairings']", bad_sheet).await;
            let summary = b.assert_at_error_summary().await;
            assert!(summary.contains("重新选择文件"), "{summary}");
            check_on_a_phone_too(b).await;
        }
        "school" => {
            b.goto(&format!("{group}/onsite")).await;
            upload(b, "form[action$='/onsite/import']", bad_sheet).await;
            b.assert_at_error_summary().await;
            check_on_a_phone_too(b).await;
        }
        "sysadmin" => {
            // Turned down (no such organisation), then done: the new account awaits approval.
            b.goto("/admin/users/new").await;
            b.fill("input[name=username]", "newteacher").await;
            b.fill("input[name=display_name]", "新老师").await;
            b.fill("input[name=organisation]", "没有这个单位").await;
            b.select_value("select[name=role]", "school").await;
            b.click_and_wait("form[action='/admin/users'] button[type=submit]")
                .await;
            b.wait_for("[role=alert]").await;
            check_on_a_phone_too(b).await;
            b.fill("input[name=organisation]", "广东医科大学").await;
            b.select_value("select[name=role]", "school").await;
            b.submit("form[action='/admin/users']").await;
            b.wait_for("[role=status] code.secret").await;
            check_on_a_phone_too(b).await;
        }
        _ => {}
    }
}

/// Group 4 gets a member, an on-site entry awaiting confirmation and a base, through the school's
/// forms, so the group pages show their tables, progress bar and buttons, not only empty states.
/// A form turned down is checked too.
async fn record_group_4(b: &Browser) -> String {
    let group = support::record_captain_of_group_4(b).await;

    b.goto(&format!("{group}/onsite")).await;
    let form = "#add-entry form";
    // Turned down first (the end before the start): the page with the error is checked.
    b.set_date(&format!("{form} input[name=date_from]"), "2026-03-06")
        .await;
    b.set_date(&format!("{form} input[name=date_to]"), "2026-03-02")
        .await;
    b.select_label(&format!("{form} select[name=place]"), "塘厦镇")
        .await;
    let checkbox = b.checkbox_labelled(form, "members", "王校长（队长）").await;
    b.tick(&checkbox).await;
    b.fill(&format!("{form} textarea[name=content]"), "驻镇义诊")
        .await;
    b.click_and_wait(&format!("{form} button[type=submit]"))
        .await;
    b.wait_for("#add-entry [role=alert]").await;
    b.c.execute(
        "document.querySelector('#add-entry').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshots(b, "onsite-form-turned-down").await;
    b.set_date(&format!("{form} input[name=date_from]"), "2026-03-02")
        .await;
    b.set_date(&format!("{form} input[name=date_to]"), "2026-03-06")
        .await;
    b.select_label(&format!("{form} select[name=place]"), "塘厦镇")
        .await;
    let checkbox = b.checkbox_labelled(form, "members", "王校长（队长）").await;
    b.tick(&checkbox).await;
    b.fill(&format!("{form} textarea[name=content]"), "驻镇义诊")
        .await;
    b.submit(form).await;

    b.goto(&format!("{group}/bases")).await;
    let form = "form[method=post][action$='/bases']";
    b.fill(&format!("{form} input[name=name]"), "塘厦镇实践基地")
        .await;
    b.select_label(&format!("{form} select[name=place]"), "塘厦镇")
        .await;
    b.set_date(&format!("{form} input[name=opened_on]"), "2026-04-18")
        .await;
    let checkbox = b.checkbox_labelled(form, "functions", "实习锻炼").await;
    b.tick(&checkbox).await;
    b.submit(form).await;
    group
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_role_passes_axe_at_desktop_and_phone_width() {
    let Some(h) = Harness::start().await else {
        return;
    };
    for (username, org, role) in GROUP_4_ACCOUNTS {
        h.add_user(username, &format!("{username} 测试"), org, role)
            .await;
    }
    let started = Instant::now();
    let b = h.browser(DESKTOP.0, DESKTOP.1).await;
    b.collect_accessibility_findings();

    // Signed out: the sign-in page, and a refused sign-in.
    b.goto("/login").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", "not the password").await;
    b.click_and_wait("form[action='/login'] button[type=submit]")
        .await;
    b.wait_for("[role=alert]").await;
    b.c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    b.goto("/login").await;
    b.screenshot("login-390px.png").await;
    b.c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();

    // The school fills group 4 in, so its pages have something on them.
    b.goto("/login").await;
    b.sign_in("gdmu", PASSWORD).await;
    let group = record_group_4(&b).await;
    b.sign_out().await;

    // A sheet no import accepts: its answer lists what is wrong.
    let dir = tempfile::tempdir().unwrap();
    let bad_sheet = dir.path().join("错误的表.csv");
    std::fs::write(&bad_sheet, "甲,乙\n1,2\n").unwrap();

    let mut total = 0;
    for (username, _, role) in std::iter::once(("admin", "", "bureau")).chain(GROUP_4_ACCOUNTS) {
        b.sign_in(username, PASSWORD).await;
        use_forms(&b, role, &group, &bad_sheet).await;
        // Pages the navigation does not link to but a user reaches: the group's tabs (for the
        // roles that see group 4), a page that does not exist, a page the role may not open,
        // the password form.
        let mut also = vec!["/account/password".to_string(), "/no-such-page".to_string()];
        if matches!(role, "bureau" | "hq" | "school" | "town" | "village") {
            for tab in ["", "/agreement", "/team", "/onsite", "/bases"] {
                also.push(format!("{group}{tab}"));
            }
            also.push("/admin/users".into());
        } else {
            also.push(group.clone());
        }
        let also: Vec<&str> = also.iter().map(String::as_str).collect();
        let visited = walk(&b, &h.base, &also).await;
        eprintln!("{role}: {} pages at 1440 px: {visited:?}", visited.len());

        b.c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
        for page in &visited {
            b.goto(page).await;
        }
        b.c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
        if role == "school" {
            for (tab, name) in [("", "group"), ("/team", "team"), ("/onsite", "onsite")] {
                b.goto(&format!("{group}{tab}")).await;
                screenshots(&b, name).await;
            }
        }
        // 工作台, each business role's home: target/screenshots/a11y-workbench-{role}-*.png.
        if matches!(role, "bureau" | "school" | "town" | "village") {
            b.goto("/").await;
            screenshots(&b, &format!("workbench-{role}")).await;
        }
        total += visited.len();
        b.goto("/").await;
        b.sign_out().await;
    }

    let findings = b.accessibility_findings();
    eprintln!(
        "accessibility walk: {total} distinct pages over 8 roles, {} axe-core checks \
         ({:.1} s of them in axe-core), {:.1} s in all",
        b.pages_checked(),
        b.time_in_axe().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        findings.is_empty(),
        "{} page(s) with serious or critical axe-core violations:\n{}",
        findings.len(),
        findings.join("\n")
    );
    b.close().await;
    h.stop().await;
}

/// Presses a key the way a keyboard does (down, then up) on whatever has the focus.
async fn press(b: &Browser, key: Key) {
    let key: char = key.into();
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.c.perform_actions(actions).await.unwrap();
}

/// How a strip of links (main navigation, group tabs) scrolls: how much wider its content is
/// than the strip, and whether its background carries the edge shadows that say so.
async fn strip(b: &Browser, css: &str) -> (i64, bool) {
    let found =
        b.c.execute(
            "const el = document.querySelector(arguments[0]); const s = getComputedStyle(el); \
             return [el.scrollWidth - el.clientWidth, \
                     (s.backgroundImage.match(/radial-gradient/g) || []).length === 2 \
                     && s.backgroundAttachment.includes('local') \
                     && s.backgroundAttachment.includes('scroll')];",
            vec![css.into()],
        )
        .await
        .unwrap();
    (found[0].as_i64().unwrap(), found[1].as_bool().unwrap())
}

/// The keyboard's first stop on a page is 跳到正文, and it lands on the content; on a phone the
/// main navigation and the group tabs run past the screen's edge and show an edge shadow there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skip_link_comes_first_and_the_strips_show_that_they_scroll() {
    let Some(h) = Harness::start().await else {
        return;
    };
    let b = h.browser(PHONE.0, PHONE.1).await;
    b.goto("/login").await;
    b.sign_in("admin", PASSWORD).await;
    b.goto("/groups").await;
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    let group = b.path().await;

    // The first Tab from the top of the page.
    press(&b, Key::Tab).await;
    let first = b.c.active_element().await.unwrap();
    assert_eq!(first.text().await.unwrap(), "跳到正文");
    assert_eq!(first.attr("href").await.unwrap().as_deref(), Some("#main"));
    let (_, top, _, height) = first.rectangle().await.unwrap();
    assert!(top >= 0.0 && height > 0.0, "shown once focused: top {top}");
    press(&b, Key::Enter).await;
    let focused =
        b.c.execute("return document.activeElement.id;", vec![])
            .await
            .unwrap();
    assert_eq!(
        focused, "main",
        "Enter on the skip link moves the focus to the content"
    );
    // The next Tab goes to the first link of the content (the breadcrumb), not the header.
    press(&b, Key::Tab).await;
    let next = b.c.active_element().await.unwrap();
    assert_eq!(next.text().await.unwrap(), "结对组");
    let in_main =
        b.c.execute(
            "return document.activeElement.closest('main') !== null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(in_main, true);

    let width =
        b.c.execute("return window.innerWidth;", vec![])
            .await
            .unwrap();
    assert_eq!(width, 390, "the page is laid out for a 390-px phone");
    // Neither the bureau's navigation nor the group's tabs fit a phone.
    for css in [".mainnav", "nav.tabs"] {
        let (overflow, hinted) = strip(&b, css).await;
        assert!(overflow > 0, "{css} runs past a 390-px screen");
        assert!(hinted, "{css} shows that it scrolls");
    }
    b.goto(&format!("{group}/onsite")).await;
    b.screenshot("tabs-scroll-hint-390px.png").await;
    b.c.execute(
        "document.querySelector('nav.tabs').scrollLeft = 1000;",
        vec![],
    )
    .await
    .unwrap();
    b.screenshot("tabs-scrolled-to-end-390px.png").await;

    // On a desktop nothing scrolls: the shadows have nothing to show.
    b.c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    for css in [".mainnav", "nav.tabs"] {
        let (overflow, _) = strip(&b, css).await;
        assert!(overflow <= 0, "{css} fits 1440 px");
    }
    b.close().await;
    h.stop().await;
}

#[test]
fn pages_of_one_kind_share_a_shape() {
    assert_eq!(
        shape("/groups/0190f3a2-7b1c-7def-8abc-0123456789ab/team", None),
        "/groups/{}/team"
    );
    assert_eq!(
        shape("/audit", Some("page=2&action=x")),
        "/audit?action&page"
    );
    assert_eq!(shape("/audit", Some("")), "/audit");
    assert_ne!(
        shape("/groups/1/team", None),
        shape("/groups/1/onsite", None)
    );
    assert!(skipped("/groups/1/team/export.xlsx") && !skipped("/groups/1/team"));
    assert!(skipped("/guide.docx") && !skipped("/guide"));
    assert_eq!(shape("/guide/school", None), shape("/guide/auditor", None));
    assert_ne!(shape("/guide", None), shape("/guide/school", None));
}
