//! 五(三) reminders: the scheduler sends each reminder once — not again after a restart, not
//! twice from two instances on one database — and catches up a minute it missed; never for a
//! month before the plan's first report month; only to schools that have not submitted. A failed
//! robot is retried with back-off and shown to the bureau; 钉钉 signing; the robot's address is
//! never shown in full; one organisation cannot see or change another's robots. Both databases,
//! with a webhook receiver on loopback that counts what it gets.

use crate::helpers::{
    ADMIN_PASSWORD, PASSWORD, TestApp, expect, group4, post_form, second_instance, send,
    test_config,
};
use crate::on_both;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xiaodi::services::reminders::scheduler::{Scheduler, Sender};

/// The deliveries' sender on its own, at the app's clock.
struct Sending {
    sender: Sender,
    store: xiaodi::store::Store,
    clock: xiaodi::clock::Clock,
}

impl Sending {
    async fn tick(&self) -> anyhow::Result<()> {
        self.sender
            .send_due(&self.store, self.clock.now_ms(), None)
            .await?;
        Ok(())
    }
}

on_both!(
    each_reminder_goes_out_once_and_a_missed_minute_is_caught_up,
    two_instances_send_each_reminder_once,
    a_failing_robot_is_retried_with_back_off_then_shown_failed,
    no_reminders_before_the_first_report_month,
    an_organisation_cannot_see_or_change_anothers_robots,
    the_scheduler_ticks_inside_serve,
    robots_on_the_web,
);

/// A group robot on loopback: records each request's target and body, answers
/// `{"errcode":0,"errmsg":"ok"}`, or an error while `failing`.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(String, String)>>>,
    failing: Arc<AtomicBool>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/cgi-bin/webhook/send?key=robotkey-0123456789abcdef",
            listener.local_addr().unwrap()
        );
        let r = Receiver {
            url,
            got: Arc::default(),
            failing: Arc::default(),
        };
        let me = r.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let me = me.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, length) = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (i + 4, length);
                        }
                    };
                    while buf.len() < head_end + length {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let target = head.split(' ').nth(1).unwrap_or("").to_string();
                    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                    me.got.lock().unwrap().push((target, body));
                    let answer = if me.failing.load(Ordering::SeqCst) {
                        r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#
                    } else {
                        r#"{"errcode":0,"errmsg":"ok"}"#
                    };
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                        answer.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        r
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::Null))
            .collect()
    }

    fn targets(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
}

/// A Shanghai wall-clock time as Unix ms.
fn at(s: &str) -> i64 {
    format!("{s}+08:00[Asia/Shanghai]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
        .as_millisecond()
}

async fn tick(app: &TestApp) -> Vec<(String, String)> {
    Scheduler::new(&app.state).tick().await.expect("tick").ran
}

async fn bureau_org(app: &TestApp) -> String {
    app.text("select id from organisations where kind = 'bureau'", &[])
        .await
}

/// Adds a robot to organisation `org` as `token`; returns its id.
async fn add_robot(app: &TestApp, token: &str, org: &str, body: Value) -> String {
    let r = send(
        app,
        token,
        Method::POST,
        &format!("/api/v1/organisations/{org}/webhooks"),
        body,
    )
    .await;
    expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The notifications of `kind` for organisation `org`.
async fn notes(app: &TestApp, org: &str, kind: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("select count(*) as n from notifications where org_id = $1 and kind = $2")
        .bind(org)
        .bind(kind)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// Marks `school`'s report for `month` submitted (the report workflow is another helper's).
async fn submitted(app: &TestApp, school: &str, month: &str, at_ms: i64) {
    let plan = app.text("select id from plans", &[]).await;
    sqlx::query(
        "insert into monthly_reports (id, plan_id, school_id, month, state, version, first_submitted_at, last_submitted_at, created_at, updated_at)
         values ($1, $2, $3, $4, 'submitted', 1, $5, $5, $5, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(plan)
    .bind(school)
    .bind(month)
    .bind(at_ms)
    .execute(app.store().pool())
    .await
    .unwrap();
}

async fn each_reminder_goes_out_once_and_a_missed_minute_is_caught_up(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let bureau = bureau_org(&app).await;
    let school_robot = Receiver::start().await;
    let bureau_robot = Receiver::start().await;
    add_robot(
        &app,
        &school,
        &g.university,
        json!({"kind": "wecom", "url": school_robot.url, "name": "校办值班群"}),
    )
    .await;
    add_robot(
        &app,
        &admin,
        &bureau,
        json!({"kind": "generic", "url": bureau_robot.url}),
    )
    .await;

    // 31 May, a first start: April's and May's reports are overdue (caught up); their school
    // reminders are past, so not sent late.
    app.clock.set_ms(at("2026-05-31T12:00:00"));
    assert_eq!(
        tick(&app).await,
        vec![
            ("overdue".to_string(), "2026-04".to_string()),
            ("overdue".to_string(), "2026-05".to_string())
        ]
    );
    let b = bureau_robot.bodies();
    assert_eq!(b.len(), 2);
    let may = b
        .iter()
        .find(|m| m["month"] == "2026-05")
        .expect("May's notice");
    assert_eq!(may["event"], "overdue");
    assert!(
        may["text"].as_str().unwrap().contains("广东医科大学"),
        "{b:?}"
    );
    assert_eq!(school_robot.count(), 0);
    // The same tick again sends nothing.
    assert!(tick(&app).await.is_empty());
    assert_eq!(bureau_robot.count(), 2);

    // 1 June: nothing at 08:59:59, the month's draft notice at 09:00.
    app.clock.set_ms(at("2026-06-01T08:59:59"));
    assert!(tick(&app).await.is_empty());
    app.clock.set_ms(at("2026-06-01T09:00:00"));
    assert_eq!(
        tick(&app).await,
        vec![("month_start".to_string(), "2026-06".to_string())]
    );
    let s = school_robot.bodies();
    assert_eq!(s.len(), 1, "one message per robot per job");
    assert_eq!(s[0]["msgtype"], "text");
    let text = s[0]["text"]["content"].as_str().unwrap();
    assert!(
        text.contains("2026年6月进展报告已生成草稿，请于 6月28日 前提交"),
        "{text}"
    );
    assert_eq!(notes(&app, &g.university, "month_start").await, 1);
    assert_eq!(notes(&app, &g.vocational, "month_start").await, 1);

    // A restart: a new instance on the same database sends nothing again.
    let restarted = second_instance(&app, |_| {}).await;
    let ran = Scheduler::new(&restarted).tick().await.unwrap().ran;
    assert!(ran.is_empty(), "{ran:?}");
    assert_eq!((school_robot.count(), bureau_robot.count()), (1, 2));

    // Down at 09:00 on the 25th: the next tick (10:30) catches up.
    app.clock.set_ms(at("2026-06-25T10:30:00"));
    assert_eq!(
        tick(&app).await,
        vec![("before_due".to_string(), "2026-06".to_string())]
    );
    assert_eq!(school_robot.count(), 2);
    assert!(
        school_robot.bodies()[1]["text"]["content"]
            .as_str()
            .unwrap()
            .contains("还有 3 天")
    );

    // 广东医科大学 submits; on the due day only the schools that have not are reminded.
    submitted(&app, &g.university, "2026-06", at("2026-06-26T10:00:00")).await;
    app.clock.set_ms(at("2026-06-28T09:00:00"));
    assert_eq!(
        tick(&app).await,
        vec![("due_day".to_string(), "2026-06".to_string())]
    );
    assert_eq!(
        school_robot.count(),
        2,
        "a school that submitted gets no reminder"
    );
    assert_eq!(notes(&app, &g.university, "due_day").await, 0);
    assert_eq!(notes(&app, &g.vocational, "due_day").await, 1);

    // The day after: the bureau hears which schools are missing.
    app.clock.set_ms(at("2026-06-29T09:00:00"));
    assert_eq!(
        tick(&app).await,
        vec![("overdue".to_string(), "2026-06".to_string())]
    );
    let last = bureau_robot.bodies().pop().unwrap();
    let text = last["text"].as_str().unwrap();
    assert!(text.contains("东莞市电子科技学校"), "{text}");
    assert!(!text.contains("广东医科大学"), "{text}");
    assert_eq!(bureau_robot.count(), 3);

    // The school reads its notifications through the API and marks them read (signed in
    // afresh: the clock has moved far beyond the first session).
    let school = app.api_token("gdmu", PASSWORD).await;
    let r = app.api_get(&school, "/api/v1/notifications").await;
    let page = expect(r, StatusCode::OK).await;
    assert_eq!(page["unread"], 2, "{page}");
    let first = page["items"][0]["id"].as_str().unwrap().to_string();
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("/api/v1/notifications/{first}/read"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
    let r = send(
        &app,
        &school,
        Method::POST,
        "/api/v1/notifications/read-all",
        json!({}),
    )
    .await;
    assert_eq!(expect(r, StatusCode::OK).await["marked"], 1);
    // The bureau's notice is not the school's to read: 404, nothing changed.
    let bureau_note = app
        .text(
            "select id from notifications where org_id = $1",
            &[bureau.as_str()],
        )
        .await;
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("/api/v1/notifications/{bureau_note}/read"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NOT_FOUND).await;
    assert_eq!(
        app.count("notifications where read_at is not null").await,
        2
    );

    // The web: the bell counts the bureau's unread notices, the page lists them.
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    let home = app
        .get_with(&web, "/notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("class=\"bell\""), "the header has the bell");
    assert!(home.contains("3 条未读"), "{home}");
    assert!(home.contains("2026年6月进展报告有"), "{home}");
}

async fn two_instances_send_each_reminder_once(app: TestApp) {
    let g = group4(&app).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let school_robot = Receiver::start().await;
    let bureau_robot = Receiver::start().await;
    add_robot(
        &app,
        &admin,
        &g.university,
        json!({"kind": "dingtalk", "url": school_robot.url}),
    )
    .await;
    add_robot(
        &app,
        &admin,
        &bureau_org(&app).await,
        json!({"kind": "wecom", "url": bureau_robot.url}),
    )
    .await;
    let other = second_instance(&app, |_| {}).await;
    let (a, b) = (Scheduler::new(&app.state), Scheduler::new(&other));
    // (April's and May's overdue notices are both caught up at the first moment.)
    for (moment, jobs) in [
        ("2026-05-31T12:00:00", 2),
        ("2026-06-01T09:00:00", 1),
        ("2026-06-25T09:00:00", 1),
        ("2026-06-28T09:00:00", 1),
        ("2026-06-29T09:00:00", 1),
    ] {
        app.clock.set_ms(at(moment));
        // Both instances tick at the same moment, twice each.
        let (x, y) = tokio::join!(a.tick(), b.tick());
        let (x, y) = (x.unwrap(), y.unwrap());
        let (x2, y2) = tokio::join!(a.tick(), b.tick());
        let (x2, y2) = (x2.unwrap(), y2.unwrap());
        assert_eq!(
            x.ran.len() + y.ran.len() + x2.ran.len() + y2.ran.len(),
            jobs,
            "each job at {moment} run by one instance once: {x:?} {y:?} {x2:?} {y2:?}"
        );
    }
    // The school's robot: month start, before due, due day; the bureau's: three overdue notices.
    assert_eq!(school_robot.count(), 3, "{:?}", school_robot.bodies());
    assert_eq!(bureau_robot.count(), 3, "{:?}", bureau_robot.bodies());
    assert_eq!(app.count("reminder_runs").await, 6);
    assert_eq!(
        app.count("webhook_deliveries where status = 'sent'").await,
        6
    );
}

async fn a_failing_robot_is_retried_with_back_off_then_shown_failed(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let robot = Receiver::start().await;
    robot.failing.store(true, Ordering::SeqCst);
    let id = add_robot(
        &app,
        &school,
        &g.university,
        json!({"kind": "dingtalk", "url": robot.url, "secret": "SECtest0123456789"}),
    )
    .await;
    // Shown masked, never in full; the audit log has neither the address nor the secret.
    let r = app
        .api_get(
            &school,
            &format!("/api/v1/organisations/{}/webhooks", g.university),
        )
        .await;
    let list = expect(r, StatusCode::OK).await;
    let shown = list[0]["url"].as_str().unwrap();
    assert!(shown.ends_with("…cdef"), "{shown}");
    assert!(!shown.contains("robotkey"), "{shown}");
    assert_eq!(list[0]["has_secret"], true);
    assert_eq!(
        app.count("audit_events where after_json like '%robotkey%' or after_json like '%SECtest%'")
            .await,
        0
    );
    assert_eq!(
        app.count("audit_events where action = 'webhook.create'")
            .await,
        1
    );

    // The test message fails once and waits for its retry.
    let start = at("2026-06-15T12:00:00");
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("/api/v1/organisations/{}/webhooks/{id}/test", g.university),
        json!({}),
    )
    .await;
    let out = expect(r, StatusCode::OK).await;
    assert_eq!(out["status"], "pending", "{out}");
    assert!(out["error"].as_str().unwrap().contains("93000"), "{out}");
    // 钉钉 加签: timestamp and sign on the URL.
    let target = &robot.targets()[0];
    assert!(
        target.contains(&format!("&timestamp={start}&sign=")),
        "{target}"
    );
    // The sender alone (a tick at this date would also write June's reminders to this robot).
    let sender = Sender::new();
    let store = app.store().clone();
    let clock = app.clock.clone();
    let sent = Sending {
        sender,
        store,
        clock,
    };
    // Back-off: 1, 2, 4, 8, 16 minutes; nothing before its time.
    let mut now = start;
    for wait_min in [1, 2, 4, 8, 16] {
        app.clock.set_ms(now + wait_min * 60_000 - 1_000);
        sent.tick().await.unwrap();
        assert_eq!(
            robot.count() as i64,
            1 + [1, 2, 4, 8, 16]
                .iter()
                .position(|w| *w == wait_min)
                .unwrap() as i64
        );
        now += wait_min * 60_000;
        app.clock.set_ms(now);
        sent.tick().await.unwrap();
    }
    assert_eq!(robot.count(), 6, "six attempts in all");
    app.clock.set_ms(now + 3_600_000);
    sent.tick().await.unwrap();
    assert_eq!(robot.count(), 6, "none after the last");

    // The bureau sees it failed, first; a school may not look (both signed in afresh: an hour
    // has passed on the clock).
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let r = app.api_get(&admin, "/api/v1/reminders/deliveries").await;
    let page = expect(r, StatusCode::OK).await;
    assert_eq!(page["failed"], 1);
    let d = &page["items"][0];
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64()),
        (Some("failed"), Some(6))
    );
    assert!(!d["url"].as_str().unwrap().contains("robotkey"));
    let r = app.api_get(&school, "/api/v1/reminders/deliveries").await;
    expect(r, StatusCode::FORBIDDEN).await;
    let web = app.web_client("admin", ADMIN_PASSWORD).await;
    let html = app.get_with(&web, "/reminders").await.text().await.unwrap();
    assert!(
        html.contains("发送失败") && html.contains("重新发送"),
        "{html}"
    );
    assert!(!html.contains("robotkey"));

    // Retried by the bureau, it goes at the next tick.
    robot.failing.store(false, Ordering::SeqCst);
    let did = d["id"].as_str().unwrap();
    let r = send(
        &app,
        &school,
        Method::POST,
        &format!("/api/v1/reminders/deliveries/{did}/retry"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::FORBIDDEN).await;
    let r = send(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/reminders/deliveries/{did}/retry"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::NO_CONTENT).await;
    sent.tick().await.unwrap();
    assert_eq!(robot.count(), 7);
    assert_eq!(
        app.count("webhook_deliveries where status = 'sent'").await,
        1
    );
    assert_eq!(
        app.count("audit_events where action = 'webhook_delivery.retry'")
            .await,
        1
    );
    let r = send(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/reminders/deliveries/{did}/retry"),
        json!({}),
    )
    .await;
    expect(r, StatusCode::CONFLICT).await;
}

async fn no_reminders_before_the_first_report_month(app: TestApp) {
    let g = group4(&app).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let robot = Receiver::start().await;
    add_robot(
        &app,
        &admin,
        &g.vocational,
        json!({"kind": "wecom", "url": robot.url}),
    )
    .await;
    for moment in [
        "2023-11-29T10:00:00",
        "2023-12-28T09:00:00",
        "2023-12-31T23:59:00",
    ] {
        app.clock.set_ms(at(moment));
        assert!(tick(&app).await.is_empty(), "nothing at {moment}");
    }
    assert_eq!(app.count("reminder_runs").await, 0);
    assert_eq!(app.count("notifications").await, 0);
    app.clock.set_ms(at("2024-01-01T09:00:00"));
    assert_eq!(
        tick(&app).await,
        vec![("month_start".to_string(), "2024-01".to_string())]
    );
    assert_eq!(robot.count(), 1);
    assert!(
        robot.bodies()[0]["text"]["content"]
            .as_str()
            .unwrap()
            .contains("2024年1月进展报告已生成草稿，请于 1月28日 前提交")
    );
}

async fn an_organisation_cannot_see_or_change_anothers_robots(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    app.add_user("fhg", "凤凰岗社区", "village").await;
    app.add_user("audit1", "东莞市教育局", "auditor").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let village = app.api_token("fhg", PASSWORD).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let other = app
        .text(
            "select id from organisations where name = $1",
            &["广东科技学院"],
        )
        .await;
    let theirs = add_robot(
        &app,
        &admin,
        &other,
        json!({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=theirs-secret-9876"}),
    )
    .await;
    // The village manages its own.
    add_robot(
        &app,
        &village,
        &g.village,
        json!({"kind": "generic", "url": "https://hooks.example.org/in/abcd"}),
    )
    .await;
    let auditor = app.api_token("audit1", PASSWORD).await;
    let web = app.web_client("gdmu", PASSWORD).await;
    let before = (
        app.count("org_webhooks").await,
        app.count("audit_events").await,
    );
    let base = format!("/api/v1/organisations/{other}/webhooks");
    expect(app.api_get(&school, &base).await, StatusCode::NOT_FOUND).await;
    let body = json!({"kind": "wecom", "url": "https://evil.example/x", "enabled": true});
    expect(
        send(&app, &school, Method::POST, &base, body.clone()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let one = format!("{base}/{theirs}");
    expect(
        send(&app, &school, Method::PUT, &one, body).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        send(&app, &school, Method::DELETE, &one, json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect(
        send(
            &app,
            &school,
            Method::POST,
            &format!("{one}/test"),
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Their robot under the school's own organisation is not found either.
    let mine_path = format!("/api/v1/organisations/{}/webhooks/{theirs}", g.university);
    expect(
        send(&app, &school, Method::DELETE, &mine_path, json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // The auditor has no business data.
    expect(app.api_get(&auditor, &base).await, StatusCode::FORBIDDEN).await;
    // The web page likewise.
    let r = app
        .get_with(&web, &format!("/organisations/{other}/webhooks"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        (
            app.count("org_webhooks").await,
            app.count("audit_events").await
        ),
        before,
        "nothing changed"
    );
    let still: String = app
        .text(
            "select url from org_webhooks where id = $1",
            &[theirs.as_str()],
        )
        .await;
    assert!(still.contains("theirs-secret"));

    // Bad input is 422 and names the field.
    let own = format!("/api/v1/organisations/{}/webhooks", g.university);
    for (body, field) in [
        (json!({"kind": "wecom", "url": "ftp://x.example/a"}), "地址"),
        (json!({"kind": "qq", "url": "https://x.example/a"}), "类型"),
        (json!({"kind": "wecom"}), "地址"),
        (
            json!({"kind": "wecom", "url": "https://x.example/a", "secret": "SECabc"}),
            "加签密钥",
        ),
        (
            json!({"kind": "wecom", "url": "https://x.example/a", "colour": "red"}),
            "请求体",
        ),
        (json!({"kind": "wecom", "url": 5}), "请求体"),
    ] {
        let r = expect(
            send(&app, &school, Method::POST, &own, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(r.to_string().contains(field), "{body}: {r}");
    }
    // The school's own: added, corrected (the address kept when none is given), removed.
    let id = add_robot(&app, &school, &g.university, json!({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=mine-1111"})).await;
    let r = send(
        &app,
        &school,
        Method::PUT,
        &format!("{own}/{id}"),
        json!({"kind": "wecom", "name": "校办", "enabled": false}),
    )
    .await;
    let w = expect(r, StatusCode::OK).await;
    assert_eq!(
        (
            w["enabled"].as_bool(),
            w["name"].as_str(),
            w["url"].as_str()
        ),
        (
            Some(false),
            Some("校办"),
            Some("https://qyapi.weixin.qq.com/…1111")
        )
    );
    expect(
        send(
            &app,
            &school,
            Method::DELETE,
            &format!("{own}/{id}"),
            json!({}),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(app.count("audit_events where entity = 'webhook'").await, 5);
}

async fn the_scheduler_ticks_inside_serve(app: TestApp) {
    // The shared harness turns the scheduler off; a second instance here serves with it on.
    let mut config = test_config(&app.data_dir, &app.database_url);
    config.reminder_tick_secs = 1;
    let served = xiaodi::Application::build_with_clock(config, app.clock.clone())
        .await
        .unwrap();
    tokio::spawn(served.run_until_stopped());
    // At the pinned 2026-06-15 12:00: May's overdue notice and June's draft notice are due.
    for _ in 0..50 {
        if app.count("reminder_runs").await == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("reminder_runs").await, 2);
    assert!(app.count("notifications where kind = 'month_start'").await >= 18);
}

async fn robots_on_the_web(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let web = app.web_client("gdmu", PASSWORD).await;
    let page = format!("/organisations/{}/webhooks", g.university);
    let html = app.get_with(&web, &page).await.text().await.unwrap();
    assert!(html.contains("尚未设置提醒机器人"), "{html}");
    // A wrong address: 422, the field named, the typed address not sent back.
    let r = post_form(
        &app,
        &web,
        &page,
        &[
            ("kind", "wecom"),
            ("url", "ftp://secret-host/key-7777"),
            ("enabled", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("应以 https:// 或 http:// 开头"), "{html}");
    assert!(!html.contains("key-7777"));
    let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=web-key-4242";
    let r = post_form(
        &app,
        &web,
        &page,
        &[
            ("kind", "wecom"),
            ("name", "校办群"),
            ("url", url),
            ("enabled", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get_with(&web, &page).await.text().await.unwrap();
    assert!(html.contains("https://qyapi.weixin.qq.com/…4242"), "{html}");
    assert!(
        !html.contains("web-key"),
        "the address is never shown in full"
    );
    let id = app.text("select id from org_webhooks", &[]).await;
    // Disable it (the address kept), then remove it after the confirmation page.
    let edit = format!("{page}/{id}/edit");
    let html = app.get_with(&web, &edit).await.text().await.unwrap();
    assert!(html.contains("留空则保留原地址") && !html.contains("web-key"));
    let r = post_form(&app, &web, &edit, &[("kind", "wecom"), ("name", "校办群")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("org_webhooks where enabled = 0").await, 1);
    assert_eq!(app.text("select url from org_webhooks", &[]).await, url);
    let del = format!("{page}/{id}/delete");
    let html = app.get_with(&web, &del).await.text().await.unwrap();
    assert!(html.contains("确认删除"));
    let r = post_form(&app, &web, &del, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("org_webhooks").await, 0);
    // The notifications page links to the school's robots; the bureau's page is the bureau's.
    let html = app
        .get_with(&web, "/notifications")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&page), "{html}");
    let r = app.get_with(&web, "/reminders").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

mod robots_set_by_schools_point_only_at_the_robot_hosts {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = crate::helpers::spawn_app_with(crate::helpers::Db::Sqlite, |c| {
            c.webhook_any_host = false;
            c.reminder_tick_secs = 0;
        })
        .await
        .expect("sqlite app");
        super::robots_set_by_schools_point_only_at_the_robot_hosts(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = crate::helpers::spawn_app_with(crate::helpers::Db::Postgres, |c| {
            c.webhook_any_host = false;
            c.reminder_tick_secs = 0;
        })
        .await
        {
            super::robots_set_by_schools_point_only_at_the_robot_hosts(app).await;
        }
    }
}

/// With the shipped setting, a school cannot make the server call an internal address: its
/// robots point at 企业微信's or 钉钉's host over https, and a generic receiver is the bureau's to
/// set; nothing is stored when refused.
async fn robots_set_by_schools_point_only_at_the_robot_hosts(app: TestApp) {
    let g = group4(&app).await;
    app.add_user("gdmu", "广东医科大学", "school").await;
    let school = app.api_token("gdmu", PASSWORD).await;
    let admin = app.api_token("admin", ADMIN_PASSWORD).await;
    let base = format!("/api/v1/organisations/{}/webhooks", g.university);
    for (body, field) in [
        (
            json!({"kind": "wecom", "url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=x"}),
            "地址",
        ),
        (
            json!({"kind": "wecom", "url": "https://169.254.169.254/latest"}),
            "地址",
        ),
        (
            json!({"kind": "dingtalk", "url": "https://qyapi.weixin.qq.com/robot/send"}),
            "地址",
        ),
        (
            json!({"kind": "generic", "url": "https://hooks.example.org/in"}),
            "类型",
        ),
    ] {
        let e = expect(
            send(&app, &school, Method::POST, &base, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(e["fields"][0]["field"], field, "{body}");
    }
    assert_eq!(app.count("org_webhooks").await, 0);
    let id = add_robot(
        &app,
        &school,
        &g.university,
        json!({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}),
    )
    .await;
    // Nor can a correction move it inside the network.
    let e = expect(
        send(
            &app,
            &school,
            Method::PUT,
            &format!("{base}/{id}"),
            json!({"kind": "wecom", "url": "http://10.0.0.5/hook"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(e["fields"][0]["field"], "地址");
    // The bureau may set a generic receiver for any organisation.
    add_robot(
        &app,
        &admin,
        &g.university,
        json!({"kind": "generic", "url": "https://hooks.example.org/in"}),
    )
    .await;
    assert_eq!(app.count("org_webhooks").await, 2);
}
