//! What every browser test needs: the real server on a fresh database with its clock pinned, a
//! chromedriver, headless Chromium sessions, and the few moves a person makes on a page (sign
//! in, fill a field, pick an option, tick a box, send a form and wait for the next page).
//! Every page a test opens or reaches by a click is checked with axe-core (see `axe`).

mod axe;

use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use xiaodi::clock::Clock;
use xiaodi::config::Config;
use xiaodi::services::accounts::{FirstPassword, NewAccount, create_account};
use xiaodi::store::Actor;

/// The bureau's `admin` and every account a test creates sign in with this password.
pub const PASSWORD: &str = "Browser#2024";

/// One account for each role but the bureau's (its `admin` is there already), each in an
/// organisation of group 4 where it has one.
pub const GROUP_4_ACCOUNTS: [(&str, &str, &str); 7] = [
    ("hq1", "东莞市“百千万工程”指挥部办公室", "hq"),
    ("gdmu", "广东医科大学", "school"),
    ("tangxia", "塘厦镇", "town"),
    ("fhg", "凤凰岗社区", "village"),
    ("sys", "东莞市教育局", "sysadmin"),
    ("sec", "东莞市教育局", "secadmin"),
    ("aud", "东莞市教育局", "auditor"),
];

/// Through the school's team form (signed in as `gdmu`), 王校长 becomes group 4's captain from
/// 2026-01-05; the group's path.
pub async fn record_captain_of_group_4(b: &Browser) -> String {
    b.goto("/groups").await;
    b.follow("第 4 组").await;
    b.wait_for("dl.facts").await;
    let group = b.path().await;
    b.goto(&format!("{group}/team")).await;
    b.fill("#add-member input[name=person_name]", "王校长")
        .await;
    b.select_label(
        "#add-member select[name=org_id]",
        "广东医科大学（在莞高校）",
    )
    .await;
    b.select_value("#add-member select[name=role]", "captain")
        .await;
    b.select_value("#add-member select[name=title]", "senior")
        .await;
    b.set_date("#add-member input[name=joined_on]", "2026-01-05")
        .await;
    b.tick_at("#add-member input[name=school_leader]").await;
    b.submit("#add-member form").await;
    group
}

/// "Now" for the server: 2026-06-15 12:00 Asia/Shanghai (Unix ms), as in the API tests, so what
/// is past, running or not yet due does not depend on the day the suite runs.
const NOW_MS: i64 = 1_781_496_000_000;

/// How long a page may take to come back after a click.
const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

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
pub fn screenshot_dir() -> PathBuf {
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

/// Sets [`PASSWORD`] again as the holder's own, so no change is forced at sign-in.
async fn settle_password(state: &xiaodi::AppState, username: &str) {
    let user = state
        .store
        .find_user_by_username(username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("user {username} exists"));
    state
        .store
        .set_password(
            &Actor::system("浏览器测试"),
            state.clock.now_ms(),
            &user.id,
            PASSWORD,
            false,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("settle the password of {username}: {e}"));
}

/// The server (Dongguan preset, `admin` with [`PASSWORD`]) and a chromedriver to drive it with.
pub struct Harness {
    pub base: String,
    state: xiaodi::AppState,
    driver: Driver,
    _data: tempfile::TempDir,
}

impl Harness {
    /// `None` when chromedriver is not installed (and CI is not set): the test is skipped.
    pub async fn start() -> Option<Self> {
        Self::start_with(|_| {}).await
    }

    /// Like [`Harness::start`], with the configuration adjusted first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let binary = chromedriver()?;
        let data = tempfile::tempdir().unwrap();
        let mut config = Config {
            addr: "127.0.0.1:0".into(),
            data_dir: data.path().to_path_buf(),
            admin_password: Some(PASSWORD.into()),
            log_level: "warn".into(),
            // The pages under test are reached with a password alone.
            two_factor_roles: Vec::new(),
            ..Config::default()
        };
        adjust(&mut config);
        let clock = Clock::default();
        clock.set_ms(NOW_MS);
        let app = xiaodi::Application::build_with_clock(config, clock)
            .await
            .unwrap();
        let base = format!("http://{}", app.local_addr());
        let state = app.state().clone();
        // The first admin's password comes from the environment and must be changed at first
        // sign-in; these stories start after that change.
        settle_password(&state, "admin").await;
        tokio::spawn(app.run_until_stopped());
        let driver = Driver::start(&binary).await;
        Some(Self {
            base,
            state,
            driver,
            _data: data,
        })
    }

    /// An account with [`PASSWORD`], created the way `xiaodi user add` does, its holder having
    /// already made the password their own (the first change is not what these stories test).
    pub async fn add_user(&self, username: &str, display_name: &str, org: &str, role: &str) {
        let account = NewAccount {
            username: username.into(),
            display_name: display_name.into(),
            org_name: org.into(),
            role: role.into(),
        };
        create_account(
            &self.state.store,
            &Actor::system("浏览器测试"),
            self.state.clock.now_ms(),
            account,
            FirstPassword::Given(PASSWORD.into()),
        )
        .await
        .unwrap_or_else(|e| panic!("create user {username}: {e}"));
        settle_password(&self.state, username).await;
    }

    /// The server's (pinned) time, Unix ms: what a phone's authenticator would go by.
    pub fn now_ms(&self) -> i64 {
        self.state.clock.now_ms()
    }

    /// A new headless Chromium session with its own profile, its window `width`×`height`.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        // Read before the session starts, so that a missing axe-core fails at once.
        axe::source();
        let profile = tempfile::tempdir().unwrap();
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
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let c = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.driver.url)
            .await
            .expect("open a Chromium session");
        // Headless Chromium widens a window opened narrower than 500 px; set again, the size holds
        // (a phone's 390 px is then what the page gets).
        c.set_window_size(width, height).await.unwrap();
        Browser {
            c,
            base: self.base.clone(),
            _profile: profile,
            collect: AtomicBool::new(false),
            findings: Mutex::new(Vec::new()),
            checked: AtomicUsize::new(0),
            axe_micros: AtomicU64::new(0),
        }
    }

    pub async fn stop(mut self) {
        let _ = self.driver.child.kill().await;
    }
}

/// One Chromium session on the server. `c` is the fantoccini client for anything the helpers
/// do not cover.
pub struct Browser {
    pub c: fantoccini::Client,
    base: String,
    _profile: tempfile::TempDir,
    /// Whether axe findings are kept for [`Browser::accessibility_findings`] instead of failing
    /// the test at the first page that has one.
    collect: AtomicBool,
    findings: Mutex<Vec<String>>,
    checked: AtomicUsize,
    /// Time spent in axe-core (injection and run), µs.
    axe_micros: AtomicU64,
}

impl Browser {
    /// Opens a path of the server, waits for the page to load and checks it with axe-core.
    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.wait_loaded().await;
        self.check_accessibility().await;
    }

    /// Runs axe-core on the page as it is now (at the window's current width) and fails the
    /// test on a serious or critical violation, or keeps it when findings are being collected.
    pub async fn check_accessibility(&self) {
        let start = Instant::now();
        let loaded = self
            .c
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .unwrap();
        if loaded.as_bool() != Some(true) {
            self.c.execute(axe::source(), vec![]).await.unwrap();
        }
        let violations = self.c.execute_async(axe::RUN, vec![]).await.unwrap();
        self.checked.fetch_add(1, Ordering::Relaxed);
        self.axe_micros
            .fetch_add(start.elapsed().as_micros() as u64, Ordering::Relaxed);
        let width = self
            .c
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap_or_default();
        let url = self.c.current_url().await.unwrap();
        let page = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        if let Some(report) = axe::describe(&page, width, &violations) {
            if self.collect.load(Ordering::Relaxed) {
                self.findings.lock().unwrap().push(report);
            } else {
                panic!("{report}");
            }
        }
    }

    /// From now on axe findings are kept (see [`Browser::accessibility_findings`]) rather than
    /// failing at once: a crawl reports every page at the end.
    pub fn collect_accessibility_findings(&self) {
        self.collect.store(true, Ordering::Relaxed);
    }

    /// The axe reports kept so far, one per page that had serious or critical violations.
    pub fn accessibility_findings(&self) -> Vec<String> {
        self.findings.lock().unwrap().clone()
    }

    /// How many times axe-core has checked a page in this session.
    pub fn pages_checked(&self) -> usize {
        self.checked.load(Ordering::Relaxed)
    }

    /// How long those checks took together (injecting axe-core and running it).
    pub fn time_in_axe(&self) -> Duration {
        Duration::from_micros(self.axe_micros.load(Ordering::Relaxed))
    }

    pub async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    /// The query string of the current address (`year=2024`), empty when there is none.
    pub async fn query(&self) -> String {
        let url = self.c.current_url().await.unwrap();
        url.query().unwrap_or_default().to_string()
    }

    /// Waits for an element (the page may still be arriving).
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let found = self
            .c
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(el) => el,
            Err(e) => panic!("waiting for {css} on {}: {e}", self.describe().await),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(el) => el,
            Err(e) => panic!("no {css} on {}: {e}", self.describe().await),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// How many elements `css` finds.
    pub async fn count(&self, css: &str) -> usize {
        self.c.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// The `class` attribute of an element (a status badge reads `badge met`).
    pub async fn class(&self, css: &str) -> String {
        let el = self.find(css).await;
        el.attr("class").await.unwrap().unwrap_or_default()
    }

    /// Types into a text field or textarea, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Sets a date field. Chromium's date picker takes keystrokes in the browser locale's order
    /// (mm/dd/yyyy under en-US), so the ISO value is set on the element instead, as fantoccini's
    /// `Form::set` does; the form then sends it like any picked date.
    pub async fn set_date(&self, css: &str, iso: &str) {
        let field = self.find(css).await;
        assert_eq!(field.attr("type").await.unwrap().as_deref(), Some("date"));
        let args = vec![serde_json::to_value(&field).unwrap(), iso.into()];
        self.c
            .execute(
                "arguments[0].value = arguments[1]; \
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                args,
            )
            .await
            .unwrap();
        assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(iso));
    }

    /// Picks an option of a select by its visible text.
    pub async fn select_label(&self, css: &str, label: &str) {
        self.find(css)
            .await
            .select_by_label(label)
            .await
            .unwrap_or_else(|e| panic!("{css} has no option {label}: {e}"));
    }

    /// Picks an option of a select by its value.
    pub async fn select_value(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} has no option of value {value}: {e}"));
    }

    /// Ticks a checkbox (leaves it ticked when it already was).
    pub async fn tick(&self, checkbox: &fantoccini::elements::Element) {
        if !checkbox.is_selected().await.unwrap() {
            checkbox.click().await.unwrap();
        }
        assert!(checkbox.is_selected().await.unwrap());
    }

    /// Ticks the checkbox `css` finds.
    pub async fn tick_at(&self, css: &str) {
        let checkbox = self.find(css).await;
        self.tick(&checkbox).await;
    }

    /// The checkbox of a group of checkboxes whose label reads `label` (e.g. a member school).
    pub async fn checkbox_labelled(
        &self,
        scope: &str,
        name: &str,
        label: &str,
    ) -> fantoccini::elements::Element {
        for lab in self
            .c
            .find_all(Locator::Css(&format!("{scope} label.check")))
            .await
            .unwrap()
        {
            if lab.text().await.unwrap().trim() == label {
                return lab
                    .find(Locator::Css(&format!("input[type=checkbox][name={name}]")))
                    .await
                    .unwrap();
            }
        }
        panic!("no {name} checkbox labelled {label} in {scope}")
    }

    /// Clicks a button or link that leaves the page and waits until the next page has loaded.
    pub async fn click_and_wait(&self, css: &str) {
        let target = self.find(css).await;
        self.click_element_and_wait(&target, css).await;
    }

    /// Follows a link by its text and waits for the page it leads to.
    pub async fn follow(&self, text: &str) {
        let link = match self.c.find(Locator::LinkText(text)).await {
            Ok(el) => el,
            Err(e) => panic!("no link {text} on {}: {e}", self.describe().await),
        };
        self.click_element_and_wait(&link, text).await;
    }

    async fn click_element_and_wait(&self, target: &fantoccini::elements::Element, what: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        target.click().await.unwrap();
        let start = Instant::now();
        // The old document's root goes stale once the browser has moved on.
        loop {
            match old.tag_name().await {
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => {
                    break;
                }
                // While the old document is being replaced, Chromium's driver sometimes answers
                // with this instead of a stale reference: the page has moved on all the same.
                Err(CmdError::Standard(e))
                    if e.error == ErrorStatus::UnknownError
                        && e.message.contains("does not belong to the document") =>
                {
                    break;
                }
                Err(e) => panic!("after clicking {what}: {e}"),
                Ok(_) => {}
            }
            assert!(
                start.elapsed() < PAGE_TIMEOUT,
                "clicking {what} did not lead to another page"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.wait_loaded().await;
        self.check_accessibility().await;
    }

    /// Sends a form with its submit button, waits for the page that comes back and fails with
    /// the page's error message when the server turned the form down.
    pub async fn submit(&self, form: &str) {
        self.click_and_wait(&format!("{form} button[type=submit]"))
            .await;
        if let Ok(alert) = self.c.find(Locator::Css("[role=alert]")).await {
            panic!(
                "the form {form} was turned down on {}: {}",
                self.path().await,
                alert.text().await.unwrap()
            );
        }
    }

    async fn wait_loaded(&self) {
        let start = Instant::now();
        loop {
            let state = self
                .c
                .execute("return document.readyState;", vec![])
                .await
                .unwrap();
            if state.as_str() == Some("complete") {
                return;
            }
            assert!(start.elapsed() < PAGE_TIMEOUT, "the page did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fills the sign-in form on the current page (the login page) and sends it.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.wait_for("input[name=username]").await;
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", password).await;
        self.submit("form[action='/login']").await;
        self.wait_for("header .account").await;
    }

    /// Signs out through the header's 退出 button; back on the login page.
    pub async fn sign_out(&self) {
        self.submit("form[action='/logout']").await;
        self.wait_for("input[name=username]").await;
        assert_eq!(self.path().await, "/login");
    }

    /// Whether the element `css` is on screen now (its top inside the window, to the pixel: a
    /// scroll to an element can leave it a fraction of a pixel above the edge).
    pub async fn in_view(&self, css: &str) -> bool {
        let r = self
            .c
            .execute(
                "const e = document.querySelector(arguments[0]); if (!e) return null; \
                 const r = e.getBoundingClientRect(); \
                 return r.top > -1 && r.top < window.innerHeight && r.height > 0;",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap();
        assert!(!r.is_null(), "no {css} on {}", self.describe().await);
        r.as_bool().unwrap()
    }

    /// After a form was turned down: the page opened at its error summary, which has the focus
    /// (a screen reader reads it first) and is on screen, however far down the form is. Returns
    /// the summary's text.
    pub async fn assert_at_error_summary(&self) -> String {
        let summary = self.wait_for("#error-summary").await;
        let focused = self
            .c
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            focused.as_str(),
            Some("error-summary"),
            "the error summary has the focus on {}",
            self.describe().await
        );
        assert!(
            self.in_view("#error-summary").await,
            "the error summary is on screen on {}",
            self.describe().await
        );
        summary.text().await.unwrap()
    }

    /// After a save: the 已保存 notice is on screen (where the work was done).
    pub async fn assert_saved_notice(&self) -> String {
        let notice = self.wait_for("#saved").await;
        if !self.in_view("#saved").await {
            let where_ = self
                .c
                .execute(
                    "const r = document.querySelector('#saved').getBoundingClientRect(); \
                     return `top ${r.top}, height ${r.height}, window ${window.innerHeight}, \
                     scrolled ${window.scrollY}, focus ${document.activeElement.id || document.activeElement.tagName}`;",
                    vec![],
                )
                .await
                .unwrap();
            panic!(
                "the saved notice is not on screen on {} ({where_})",
                self.describe().await
            );
        }
        notice.text().await.unwrap()
    }

    /// Saves a screenshot of the window under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let shot = screenshot_dir().join(name);
        std::fs::write(&shot, &png).unwrap();
        eprintln!("screenshot: {}", shot.display());
        shot
    }

    pub async fn close(self) {
        self.c.close().await.unwrap();
    }

    async fn describe(&self) -> String {
        match self.c.current_url().await {
            Ok(u) => u.to_string(),
            Err(_) => "the page".into(),
        }
    }
}
