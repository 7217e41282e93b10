//! Several instances (issue 13): two real `xiaodi serve` processes on one PostgreSQL database and
//! one S3 bucket behave as one platform. A session begun on one is good on the other; a write on
//! one is read on the other at once, the compliance matrix each keeps included; an attachment
//! stored through one downloads from the other; sign-in attempts, and the lock of a name, count
//! across both; the scheduled jobs (reminders, the daily backup) run once when two instances reach
//! the same due time together. The servers take the real time, which a test cannot move: that
//! last part races two instances in this process, on the same database, at a fixed time.

use crate::auth::{login_from, retry_after};
use crate::helpers::{
    ADMIN_PASSWORD, Db, PASSWORD, TestApp, add_captain, expect, group4, hidden_value, new_client,
    s3_endpoint, second_instance, sign_agreement, spawn_app_with, test_config,
};
use crate::matrix::{cells, group_row, matrix};
use crate::objects::{TestBucket, digest};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use xiaodi::config::Config;
use xiaodi::domain::password::{LOCK_MS, MAX_FAILED_ATTEMPTS};
use xiaodi::services::reminders::scheduler::Scheduler;

/// A `xiaodi serve` process with a configuration file and data directory of its own, killed when
/// dropped (a failing test included).
struct Serve {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Serve {
    /// Starts the binary with the test configuration on `database_url`, adjusted, on a port of
    /// its choosing; returns once it says where it listens.
    fn start(database_url: &str, adjust: impl FnOnce(&mut Config)) -> Serve {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(dir.path(), database_url);
        adjust(&mut config);
        let file = dir.path().join("xiaodi.toml");
        std::fs::write(&file, toml::to_string(&config).expect("config as TOML")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_xiaodi"))
            .arg("--config")
            .arg(&file)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start xiaodi serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut serve = Serve {
            child,
            base: String::new(),
            _dir: dir,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the whole output, so the process never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("校地通已启动：") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        serve.base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("xiaodi serve says where it listens");
        serve
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_are_one_platform() {
    let Some(endpoint) = s3_endpoint() else {
        eprintln!("XIAODI_TEST_S3_ENDPOINT is not set: the story of two instances is skipped");
        return;
    };
    let bucket = TestBucket::create(&endpoint).await;
    // This process's own instance prepares the database (and serves the scheduled jobs' race).
    let Some(app) = spawn_app_with(Db::Postgres, |c| bucket.configure(&endpoint, c)).await else {
        eprintln!("XIAODI_TEST_POSTGRES_URL is not set: the story of two instances is skipped");
        return;
    };
    let settings = |c: &mut Config| {
        bucket.configure(&endpoint, c);
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.signin_address_burst = 4;
        c.signin_address_per_minute = 1;
    };
    let (serve_a, serve_b) = (
        Serve::start(&app.database_url, settings),
        Serve::start(&app.database_url, settings),
    );
    let (a, b) = (app.at(&serve_a.base), app.at(&serve_b.base));

    sessions_hold_on_both(&a, &b).await;
    writes_are_read_on_the_other_at_once(&a, &b, &bucket).await;
    sign_in_attempts_count_on_both(&a, &b).await;
    scheduled_jobs_run_once(&app, &bucket, &endpoint).await;
}

/// An API token and a browser session from A are good on B; a login form from A is taken by B.
async fn sessions_hold_on_both(a: &TestApp, b: &TestApp) {
    let token = a.api_token("admin", ADMIN_PASSWORD).await;
    let me = expect(b.api_get(&token, "/api/v1/groups").await, StatusCode::OK).await;
    assert_eq!(me["items"].as_array().unwrap().len(), 8);
    let browser = a.web_client("admin", ADMIN_PASSWORD).await;
    let page = b.get_with(&browser, "/account/password").await;
    assert_eq!(page.status(), StatusCode::OK, "A's session cookie on B");
    assert_eq!(
        b.get_with(&new_client(), "/account/password")
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "no session: to the login page"
    );
    // The form's token is in a cookie and the form, not in an instance's memory.
    let client = new_client();
    let form = a.page(&client, "/login").await;
    let csrf = hidden_value(&form, "csrf_token").unwrap();
    let signed_in = client
        .post(b.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", csrf.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
}

/// The agreement with its scan signed on A: B's matrix (judged and kept before) shows it at
/// once, and B serves the scan; a captain added on B shows at once on A's kept matrix.
async fn writes_are_read_on_the_other_at_once(a: &TestApp, b: &TestApp, bucket: &TestBucket) {
    let token = a.api_token("admin", ADMIN_PASSWORD).await;
    let g = group4(a).await;
    let before_a = group_row(&matrix(a, &token, "year=2025").await, 4).clone();
    let before_b = group_row(&matrix(b, &token, "year=2025").await, 4).clone();
    assert_eq!(before_a, before_b);
    assert_eq!(cells(&before_b)["agreement"], "not_met");
    assert_eq!(cells(&before_a)["team-captain"], "not_met");

    let on_a = a.web_client("admin", ADMIN_PASSWORD).await;
    let scan = b"%PDF-1.7 signed on instance A".to_vec();
    let parties = [&g.university, &g.vocational, &g.town, &g.village];
    let r = sign_agreement(a, &on_a, &g.id, "2024-01-20", &parties, Some(scan.clone())).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after_b = group_row(&matrix(b, &token, "year=2025").await, 4).clone();
    assert_eq!(cells(&after_b)["agreement"], "met", "B's kept matrix moved");
    assert_eq!(bucket.object(&digest(&scan)).await, Some(scan.clone()));
    let file_id = a.text("select id from attachments", &[]).await;
    let on_b = b.web_client("admin", ADMIN_PASSWORD).await;
    let download = b.get_with(&on_b, &format!("/files/{file_id}")).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().to_vec(), scan);

    let r = add_captain(b, &on_b, &g.id, &g.university).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after_a = group_row(&matrix(a, &token, "year=2025").await, 4).clone();
    assert_eq!(cells(&after_a)["agreement"], "met");
    assert_eq!(
        cells(&after_a)["team-captain"],
        "met",
        "A's kept matrix moved"
    );
}

/// One address's budget (4 here) is spent by attempts on A and B together; a name locked by
/// failures on A is locked on B; a name's budget (10) is spent on both too.
async fn sign_in_attempts_count_on_both(a: &TestApp, b: &TestApp) {
    for (i, on) in [a, b, a, b].into_iter().enumerate() {
        let r = login_from(on, "203.0.113.9", &format!("name{i}"), "Wrong#pass1").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for on in [b, a] {
        let r = login_from(on, "203.0.113.9", "admin", ADMIN_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!((1..=60).contains(&retry_after(&r)), "{}", retry_after(&r));
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"],
            "too_many_attempts"
        );
    }
    // Another address is not slowed.
    let r = login_from(b, "203.0.113.10", "admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);

    a.add_user("school9", "广东医科大学", "school").await;
    let from = |i: i64| format!("198.51.100.{i}");
    for i in 1..=MAX_FAILED_ATTEMPTS {
        let r = login_from(a, &from(i), "school9", "Wrong#pass1").await;
        let want = if i < MAX_FAILED_ATTEMPTS {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(r.status(), want, "failure {i} on A");
    }
    let r = login_from(b, &from(10), "school9", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) > LOCK_MS / 1000 - 60);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "locked", "on B");
    // Six attempts so far; four more on B spend the name's ten, the eleventh (on A) is throttled.
    for i in 11..15 {
        let r = login_from(b, &from(i), "school9", PASSWORD).await;
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "locked");
    }
    let r = login_from(a, &from(20), "school9", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "too_many_attempts"
    );
}

/// Two instances at the same due time: the day's backup is written by one of them, audited once;
/// each reminder job runs once.
async fn scheduled_jobs_run_once(app: &TestApp, bucket: &TestBucket, endpoint: &str) {
    let backups = tempfile::tempdir().unwrap();
    let (dir_1, dir_2) = (backups.path().join("1"), backups.path().join("2"));
    let mut first = app.state.clone();
    let mut config = (*first.config).clone();
    config.backup_dir = dir_1.to_str().unwrap().to_string();
    first.config = Arc::new(config);
    let second = second_instance(app, |c| {
        bucket.configure(endpoint, c);
        c.backup_dir = dir_2.to_str().unwrap().to_string();
    })
    .await;
    let due = xiaodi::backup::next_backup_at(app.clock.now(), first.config.backup_hour);
    app.clock.set_ms(due.as_millisecond());
    let (x, y) = tokio::join!(
        xiaodi::backup::run_if_due(&first, due),
        xiaodi::backup::run_if_due(&second, due)
    );
    let next = due.as_millisecond() + 86_400_000;
    assert_eq!((x.as_millisecond(), y.as_millisecond()), (next, next));
    let written = [&dir_1, &dir_2]
        .iter()
        .map(|d| xiaodi::backup::list_backups(d).map_or(0, |l| l.len()))
        .sum::<usize>();
    assert_eq!(written, 1, "one backup for the day");
    assert_eq!(
        app.count("audit_events where action = 'backup.create'")
            .await,
        1
    );
    assert_eq!(app.count("scheduled_runs").await, 1);

    // April's and May's overdue notices are due at this moment (see reminders.rs).
    app.clock.set_ms(
        "2026-05-31T12:00:00+08:00[Asia/Shanghai]"
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
            .as_millisecond(),
    );
    let (one, two) = (Scheduler::new(&first), Scheduler::new(&second));
    let (x, y) = tokio::join!(one.run_due_jobs(), two.run_due_jobs());
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.len() + y.len(), 2, "{x:?} {y:?}");
    assert_eq!(app.count("reminder_runs").await, 2);
}
