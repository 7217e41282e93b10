//! Test harness: the real server on port 0 against a fresh database (a temp SQLite file, or a
//! new PostgreSQL database when `XIAODI_TEST_POSTGRES_URL` is set), spoken to over HTTP.

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use std::path::PathBuf;
use xiaodi::clock::Clock;
use xiaodi::config::Config;
use xiaodi::store::{Actor, NewUser, Store};
use xiaodi::{AppState, Application};

pub const ADMIN_PASSWORD: &str = "Harbour#2024pw";
pub const PASSWORD: &str = "Lychee#2024";

/// "Now" for every test app, so no outcome depends on the day the suite runs: noon on
/// 2026-06-15 in Asia/Shanghai. Move it with `app.clock.advance_ms` or `app.clock.set_ms`.
pub const NOW: &str = "2026-06-15T12:00:00+08:00[Asia/Shanghai]";

/// The calendar year of [`NOW`].
pub const THIS_YEAR: i32 = 2026;

pub fn pinned_now() -> jiff::Timestamp {
    NOW.parse::<jiff::Zoned>()
        .expect("NOW is a zoned time")
        .timestamp()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a story on SQLite and, as a second test, on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Db::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::helpers::spawn_app($crate::helpers::Db::Postgres).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("XIAODI_TEST_POSTGRES_URL is not set: the PostgreSQL run of this story is skipped"),
                }
            }
        }
    )*};
}

/// A server under test and a client of it. A clone speaks to the same server (with the same
/// client); [`TestApp::at`] to another server on the same database.
#[derive(Clone)]
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub state: AppState,
    pub clock: Clock,
    pub backend: Db,
    pub data_dir: PathBuf,
    pub database_url: String,
    _dir: std::sync::Arc<tempfile::TempDir>,
    _pg: Option<std::sync::Arc<PgDatabase>>,
}

/// A throw-away PostgreSQL database, dropped when the test ends (even when it fails).
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {name} with (force)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}

/// The PostgreSQL server to test against; required when CI runs the suite.
pub fn postgres_url() -> Option<String> {
    match std::env::var("XIAODI_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set XIAODI_TEST_POSTGRES_URL so every story runs on PostgreSQL too"
            );
            None
        }
    }
}

/// Replaces the database name of a PostgreSQL URL.
fn with_database(url: &str, db: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map(|(h, q)| (h, Some(q)))
        .unwrap_or((url, None));
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(slash) => &head[..scheme_end + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// An empty database (a temp SQLite file, or a new PostgreSQL database).
pub async fn fresh_database_url(
    db: Db,
    dir: &std::path::Path,
) -> Option<(String, Option<PgDatabase>)> {
    database_url(db, dir, false).await
}

/// A database as the first start leaves it; on PostgreSQL cloned from [`PG_TEMPLATE`].
async fn database_url(
    db: Db,
    dir: &std::path::Path,
    prepared: bool,
) -> Option<(String, Option<PgDatabase>)> {
    match db {
        Db::Sqlite => Some((format!("sqlite://{}", dir.join("test.db").display()), None)),
        Db::Postgres => {
            let admin_url = postgres_url()?;
            sqlx::any::install_default_drivers();
            let name = format!("xiaodi_t_{}", uuid::Uuid::new_v4().simple());
            let template = if prepared {
                let t = PG_TEMPLATE
                    .get_or_init(|| pg_template(admin_url.clone()))
                    .await;
                format!(" template {t}")
            } else {
                String::new()
            };
            use sqlx::Connection;
            let mut conn = sqlx::AnyConnection::connect(&admin_url)
                .await
                .expect("connect to XIAODI_TEST_POSTGRES_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "create database {name}{template}"
            )))
            .execute(&mut conn)
            .await
            .expect("create database");
            Some((
                with_database(&admin_url, &name),
                Some(PgDatabase { admin_url, name }),
            ))
        }
    }
}

/// The PostgreSQL database every story's database is cloned from: migrated, the Dongguan preset
/// loaded and the first administrator settled, once per build of the tests (its name carries the
/// test binary's identity, so a rebuilt binary gets its own and the older ones are dropped).
/// Cloning takes a fraction of the time migrating and loading the preset does for each story.
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn pg_template(admin_url: String) -> String {
    use sqlx::{Connection, Row};
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Ok(exe) = std::env::current_exe() {
        exe.hash(&mut h);
        if let Ok(meta) = std::fs::metadata(&exe) {
            meta.len().hash(&mut h);
            meta.modified().ok().hash(&mut h);
        }
    }
    let name = format!("xiaodi_tpl_{:016x}", h.finish());
    let mut conn = sqlx::AnyConnection::connect(&admin_url)
        .await
        .expect("connect to XIAODI_TEST_POSTGRES_URL");
    let exists =
        |n: String| sqlx::query("select count(*) as n from pg_database where datname = $1").bind(n);
    let found: i64 = exists(name.clone())
        .fetch_one(&mut conn)
        .await
        .expect("look for the template")
        .get("n");
    if found == 0 {
        // Built under a name of its own, then renamed: a concurrent test process building the
        // same template loses the rename and drops its copy.
        let building = format!(
            "{name}_b{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {building}")))
            .execute(&mut conn)
            .await
            .expect("create the template database");
        let dir = tempfile::tempdir().expect("temp dir");
        let config = test_config(dir.path(), &with_database(&admin_url, &building));
        let (store, _) = xiaodi::startup::prepare(&config, &Clock::fixed(pinned_now()))
            .await
            .expect("migrate the template and load the preset");
        settle_first_password(&store, "admin").await;
        store.pool().close().await;
        let renamed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "alter database {building} rename to {name}"
        )))
        .execute(&mut conn)
        .await;
        if renamed.is_err() {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "drop database if exists {building} with (force)"
            )))
            .execute(&mut conn)
            .await;
        }
        // Templates of earlier builds are of no further use.
        let old: Vec<String> = sqlx::query(
            "select datname from pg_database where datname like 'xiaodi_tpl_%' and datname <> $1",
        )
        .bind(name.clone())
        .fetch_all(&mut conn)
        .await
        .map(|rows| rows.iter().map(|r| r.get::<String, _>("datname")).collect())
        .unwrap_or_default();
        for db in old
            .iter()
            .filter(|d| !d["xiaodi_tpl_".len()..].contains("_b"))
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {db}")))
                .execute(&mut conn)
                .await;
        }
    }
    name
}

pub fn test_config(dir: &std::path::Path, database_url: &str) -> Config {
    Config {
        addr: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: database_url.to_string(),
        log_level: "warn".into(),
        admin_password: Some(ADMIN_PASSWORD.into()),
        // Stories sign in with a password alone; the second factor's own stories
        // (second_factor.rs) turn it on with the shipped default.
        two_factor_roles: Vec::new(),
        // The reminder scheduler writes notifications on its own: off, except in the stories
        // of reminders.rs, which tick it themselves or turn it on.
        reminder_tick_secs: 0,
        // The robots of the reminder stories answer on loopback (reminders.rs turns this off to
        // see a school's robot held to 企业微信's and 钉钉's hosts).
        webhook_any_host: true,
        ..Config::default()
    }
}

/// The server as it first starts with the test configuration (on PostgreSQL from the template,
/// which that start produces).
pub async fn spawn_app(db: Db) -> Option<TestApp> {
    spawn(db, |_| {}, true).await
}

/// The S3-compatible object store to test against; required when CI runs the suite.
pub fn s3_endpoint() -> Option<String> {
    match std::env::var("XIAODI_TEST_S3_ENDPOINT") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set XIAODI_TEST_S3_ENDPOINT (an S3-compatible server)"
            );
            None
        }
    }
}

/// Like [`spawn_app`], with the configuration adjusted first.
/// The configuration may change what the first start does, so these begin from an empty database.
pub async fn spawn_app_with(db: Db, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    spawn(db, adjust, false).await
}

async fn spawn(db: Db, adjust: impl FnOnce(&mut Config), prepared: bool) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, pg) = database_url(db, dir.path(), prepared).await?;
    let clock = Clock::fixed(pinned_now());
    let mut config = test_config(dir.path(), &database_url);
    adjust(&mut config);
    let app = Application::build_with_clock(config, clock.clone())
        .await
        .expect("build app");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    // The first admin's password comes from the environment and must be changed at first
    // sign-in; the stories start after that change (auth.rs tests the change itself).
    settle_first_password(&state.store, "admin").await;
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        base,
        client: new_client(),
        state,
        clock,
        backend: db,
        data_dir: dir.path().to_path_buf(),
        database_url,
        _dir: std::sync::Arc::new(dir),
        _pg: pg.map(std::sync::Arc::new),
    })
}

/// Marks an account's password as its holder's own (as after the forced first change).
pub async fn settle_first_password(store: &Store, username: &str) {
    sqlx::query("update users set must_change_password = 0 where username = $1")
        .bind(username)
        .execute(store.pool())
        .await
        .expect("settle the first password");
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="field" value="…"` in a page.
pub fn hidden_value(html: &str, field: &str) -> Option<String> {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// Another instance of the server on the same database, data directory and clock as `app`, with
/// the test configuration adjusted by `adjust` (not serving: the test calls its jobs itself).
pub async fn second_instance(app: &TestApp, adjust: impl FnOnce(&mut Config)) -> AppState {
    let mut config = test_config(&app.data_dir, &app.database_url);
    adjust(&mut config);
    let second = Application::build_with_clock(config, app.clock.clone())
        .await
        .expect("second instance");
    second.state().clone()
}

impl TestApp {
    /// The same database and helpers, spoken to at another server's address (another instance
    /// on this database), with a new client.
    pub fn at(&self, base: &str) -> TestApp {
        TestApp {
            base: base.to_string(),
            client: new_client(),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// The text of a page a signed-in client opens.
    pub async fn page(&self, client: &Client, path: &str) -> String {
        self.get_with(client, path).await.text().await.unwrap()
    }

    pub async fn get_with(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    /// Signs in through the login form with a new client; returns the client and the response.
    pub async fn web_login(&self, username: &str, password: &str) -> (Client, Response) {
        let client = new_client();
        let form = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_value(&form, "csrf_token").expect("login form has a CSRF token");
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf_token", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        (client, resp)
    }

    /// A signed-in web client (panics when sign-in fails).
    pub async fn web_client(&self, username: &str, password: &str) -> Client {
        let (client, resp) = self.web_login(username, password).await;
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {username} failed: {}",
            resp.text().await.unwrap()
        );
        client
    }

    /// The CSRF token a signed-in client's forms carry (read from a page with a form on it).
    pub async fn csrf_of(&self, client: &Client) -> String {
        let page = client
            .get(self.url("/account/password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        hidden_value(&page, "csrf_token").expect("page has a CSRF token")
    }

    pub async fn api_login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    pub async fn api_token(&self, username: &str, password: &str) -> String {
        let resp = self.api_login(username, password).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn api_get(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Creates an account directly in the store (no first-password change required).
    pub async fn add_user(&self, username: &str, org: &str, role: &str) {
        let user = NewUser {
            username: username.into(),
            display_name: format!("{username} 测试"),
            org_name: org.into(),
            role: role.into(),
            password: PASSWORD.into(),
            must_change_password: false,
        };
        self.store()
            .create_user(&Actor::system("test"), self.clock.now_ms(), &user)
            .await
            .expect("create user");
    }

    /// The first column of the first row a query returns, as text (ids and the like).
    pub async fn text(&self, sql: &'static str, binds: &[&str]) -> String {
        use sqlx::Row;
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b.to_string());
        }
        q.fetch_one(self.store().pool())
            .await
            .unwrap()
            .try_get::<String, _>(0)
            .unwrap()
    }

    /// A count of rows in a table, to show that a failed action changed nothing.
    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "select count(*) as n from {table}"
        )))
        .fetch_one(self.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
    }

    /// Counts of every business table, to compare before and after a refused change.
    pub async fn snapshot(&self) -> Vec<i64> {
        let mut v = Vec::new();
        for t in [
            "regions",
            "organisations",
            "plans",
            "pairing_groups",
            "group_memberships",
            "users",
        ] {
            v.push(self.count(t).await);
        }
        v
    }

    /// The id of group number `n`, as a bureau user sees it through the API.
    pub async fn group_id(&self, n: i64) -> String {
        let token = self.api_token("admin", ADMIN_PASSWORD).await;
        let groups: serde_json::Value = self
            .api_get(&token, "/api/v1/groups")
            .await
            .json()
            .await
            .unwrap();
        groups["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["number"] == n)
            .unwrap_or_else(|| panic!("group {n} exists"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Group 4 of the Dongguan preset: 塘厦镇, 凤凰岗社区, 广东医科大学 and 东莞市电子科技学校, one
/// organisation of each role.
pub struct Group4 {
    pub id: String,
    pub university: String,
    pub vocational: String,
    pub town: String,
    pub village: String,
}

pub async fn group4(app: &TestApp) -> Group4 {
    let id = app.group_id(4).await;
    let token = app.api_token("admin", ADMIN_PASSWORD).await;
    let g: serde_json::Value = app
        .api_get(&token, &format!("/api/v1/groups/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let only = |role: &str| {
        let all = g["members"][role].as_array().unwrap();
        assert_eq!(all.len(), 1, "group 4 has one {role}");
        all[0]["id"].as_str().unwrap().to_string()
    };
    Group4 {
        university: only("university"),
        vocational: only("vocational_school"),
        town: only("town"),
        village: only("village"),
        id,
    }
}

/// An API call with a bearer token and a JSON body.
pub async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The JSON body of a response that must have `status` (null when it has none), the body shown
/// in full when the status is another.
pub async fn expect(resp: reqwest::Response, status: reqwest::StatusCode) -> serde_json::Value {
    let got = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// A web form sent by a signed-in client, with its CSRF token.
pub async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = app.csrf_of(client).await;
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post(app.url(path)).form(&all).send().await.unwrap()
}

/// Signs a group's agreement through the web form as `client`: on `signed_on` by `parties`, with
/// `scan` as its scan when one is given.
pub async fn sign_agreement(
    app: &TestApp,
    client: &reqwest::Client,
    group: &str,
    signed_on: &str,
    parties: &[&String],
    scan: Option<Vec<u8>>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", app.csrf_of(client).await)
        .text("signed_on", signed_on.to_string());
    for p in parties {
        form = form.text("parties", p.to_string());
    }
    if let Some(scan) = scan {
        form = form.part(
            "scans",
            reqwest::multipart::Part::bytes(scan).file_name("协议.pdf"),
        );
    }
    client
        .post(app.url(&format!("/groups/{group}/agreement")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Adds a captain from `org` (a school leader, there since 2024-01-01) to a group's team through
/// the web form as `client`.
pub async fn add_captain(
    app: &TestApp,
    client: &reqwest::Client,
    group: &str,
    org: &str,
) -> reqwest::Response {
    post_form(
        app,
        client,
        &format!("/groups/{group}/team"),
        &[
            ("person_name", "王校长"),
            ("org_id", org),
            ("role", "captain"),
            ("title", "senior"),
            ("school_leader", "1"),
            ("joined_on", "2024-01-01"),
            ("phone", "13800131234"),
        ],
    )
    .await
}

/// LibreOffice's command when it and pdftotext are installed; none otherwise (a failure under
/// CI, which installs them; a printed note elsewhere, and the caller skips its document check).
pub fn libreoffice() -> Option<&'static str> {
    let office = ["libreoffice", "soffice"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let pdftotext = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    match (office, pdftotext) {
        (Some(office), true) => Some(office),
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "CI must have LibreOffice and pdftotext (.ci/run installs them)"
            );
            eprintln!("LibreOffice or pdftotext is missing: the document check is skipped");
            None
        }
    }
}

/// Converts `files` of `dir` to PDF with one LibreOffice process (its start-up is the slow
/// part) and a profile of its own (so parallel runs do not clash); the text pdftotext reads from
/// each PDF (`-layout` when `layout`), in the order of `files`.
pub async fn pdf_texts(
    office: &'static str,
    dir: &std::path::Path,
    files: &[&str],
    layout: bool,
) -> Vec<String> {
    let profile = dir.join("lo-profile");
    let lo_dir = dir.to_path_buf();
    let inputs: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(office)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&lo_dir)
            .args(&inputs)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.status.success(),
        "LibreOffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    files
        .iter()
        .map(|f| {
            let pdf = dir.join(std::path::Path::new(f).with_extension("pdf"));
            assert!(
                pdf.exists(),
                "{} was written: {}",
                pdf.display(),
                String::from_utf8_lossy(&out.stdout)
            );
            let mut cmd = std::process::Command::new("pdftotext");
            if layout {
                cmd.arg("-layout");
            }
            let text = cmd.arg(&pdf).arg("-").output().unwrap();
            assert!(text.status.success(), "pdftotext {}", pdf.display());
            String::from_utf8(text.stdout).unwrap()
        })
        .collect()
}
