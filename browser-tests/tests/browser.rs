//! Real Chromium (Debian's chromium + chromium-driver) against the real server.

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use xiaodi::config::Config;

const PASSWORD: &str = "Browser#2024";

fn chromedriver() -> Option<PathBuf> {
    let path = Path::new("/usr/bin/chromedriver");
    if path.exists() {
        return Some(path.to_path_buf());
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must install chromium and chromium-driver (see .ci/run)"
    );
    eprintln!(
        "chromedriver is not installed: the browser test is skipped (apt-get install -y chromium chromium-driver)"
    );
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where screenshots are kept for people to look at.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start(binary: &Path) -> Self {
        let port = free_port();
        let child = tokio::process::Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self { child, url };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start on port {port}");
    }
}

async fn browser(driver: &Driver, profile: &Path, width: u32, height: u32) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--hide-scrollbars",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("open a Chromium session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_and_sees_the_eight_groups_on_a_phone() {
    let Some(binary) = chromedriver() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        addr: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        admin_password: Some(PASSWORD.into()),
        log_level: "warn".into(),
        ..Config::default()
    };
    let app = xiaodi::Application::build(config).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());

    let mut driver = Driver::start(&binary).await;
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path(), 390, 844).await;

    c.goto(&format!("{base}/")).await.unwrap();
    // Not signed in: the login page.
    c.wait()
        .for_element(Locator::Css("input[name=username]"))
        .await
        .unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit].primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    c.wait()
        .for_element(Locator::Css("table.groups"))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    let rows = c
        .find_all(Locator::Css("table.groups tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 8, "the home page lists the 8 groups");
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for n in 1..=8 {
        assert!(text.contains(&format!("第 {n} 组")), "group {n} is shown");
    }
    assert!(text.contains("广东医科大学") && text.contains("凤凰岗社区"));

    // Usable on a 390-px phone: nothing runs off the side of the screen.
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the page is wider than the phone by {overflow} px"
    );

    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let shot = screenshot_dir().join("groups-390px.png");
    std::fs::write(&shot, &png).unwrap();
    eprintln!("screenshot: {}", shot.display());

    // A group page opens from the list.
    c.find(Locator::LinkText("第 4 组"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("dl.facts"))
        .await
        .unwrap();
    let page = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("塘厦镇") && page.contains("东莞市电子科技学校"));
    std::fs::write(
        screenshot_dir().join("group-4-390px.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The team page: no captain yet; add one through the form and the verdict turns.
    c.find(Locator::LinkText("服务工作队"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let captain = Locator::Css("tr[data-rule='team-captain']");
    let row = c.wait().for_element(captain).await.unwrap();
    assert_eq!(
        row.attr("data-status").await.unwrap().as_deref(),
        Some("not_met")
    );
    assert!(row.text().await.unwrap().contains("未设队长"));
    c.find(Locator::Css("#add-member input[name=person_name]"))
        .await
        .unwrap()
        .send_keys("王校长")
        .await
        .unwrap();
    c.find(Locator::Css("#add-member select[name=org_id]"))
        .await
        .unwrap()
        .select_by_label("广东医科大学（在莞高校）")
        .await
        .unwrap();
    c.find(Locator::Css("#add-member select[name=role]"))
        .await
        .unwrap()
        .select_by_value("captain")
        .await
        .unwrap();
    c.find(Locator::Css("#add-member select[name=title]"))
        .await
        .unwrap()
        .select_by_value("senior")
        .await
        .unwrap();
    c.find(Locator::Css("#add-member input[name=school_leader]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#add-member button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // After the redirect back to the team page the row reads 符合.
    let row = c
        .wait()
        .for_element(Locator::Css(
            "tr[data-rule='team-captain'][data-status='met']",
        ))
        .await
        .unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/team"));
    assert!(row.text().await.unwrap().contains("队长 王校长"));
    let team = c
        .find(Locator::Css("table.team"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(team.contains("王校长") && team.contains("正高级"));
    std::fs::write(
        screenshot_dir().join("team-390px.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The same page on a desktop screen, for people to look at.
    c.set_window_size(1280, 900).await.unwrap();
    std::fs::write(
        screenshot_dir().join("team-1280px.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // The other tabs of the workspace render, at desktop width, for people to look at.
    for (tab, marker, shot) in [
        ("驻点服务", "#onsite-progress", "onsite-1280px.png"),
        ("三方协议", "#agreement-status", "agreement-1280px.png"),
        ("实践基地", "#base-status", "bases-1280px.png"),
    ] {
        c.find(Locator::LinkText(tab))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let el = c.wait().for_element(Locator::Css(marker)).await.unwrap();
        assert!(
            !el.text().await.unwrap().is_empty(),
            "{tab} shows its status"
        );
        std::fs::write(screenshot_dir().join(shot), c.screenshot().await.unwrap()).unwrap();
    }

    c.close().await.unwrap();
    let _ = driver.child.kill().await;
}
