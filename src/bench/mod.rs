//! `xiaodi bench`: the performance budget of SPEC §7 (issue 13), measured over HTTP against a
//! real `xiaodi serve` of this same binary on whatever database is configured (a dataset from
//! `xiaodi demo generate`, or the Dongguan preset alone).
//!
//! The harness prepares the database as `serve` would, adds its own accounts (a bureau user, and
//! one per school for the 28th) with sessions made in the store — signing 560 schools in through
//! the throttled sign-in would measure argon2, not the pages — and then starts `serve` as a child
//! process with its clock on the due day of the first month no school has reported yet (the 28th
//! of the schedule). Its own HTTP client is the load tool for every phase, so the pages and the
//! bare handler (`/livez`, a constant string) are measured alike and their ratio is fair; the
//! child's resident memory is sampled from `/proc/PID/status` throughout.
//!
//! Phases (each a line of the printed table): the bare handler and a group page with `clients`
//! concurrent clients for `duration`; the compliance matrix of one year, all groups, rendered
//! (the first request judges the year, the rest read the kept judgement); the monthly summary of
//! the last month due (generated, then its page, docx and xlsx); and the 28th: every school
//! saves and submits its report at a random moment within `window` while `browsers` clients
//! browse, then the database is asked whether every submission is stored.
//!
//! A benchmark, not a test: it asserts nothing about speed. `tests/api/bench_smoke.rs` runs it on
//! the Dongguan preset for a second per phase so that it cannot rot.

mod load;

use crate::config::Config;
use crate::domain::monthly::deadline;
use crate::domain::org::OrgKind;
use crate::domain::plan::Month;
use crate::store::{Actor, NewUser, SessionKind, Store};
use anyhow::Context;
use load::{Stats, closed_loop};
use sqlx::Row;
use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What to run, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long each throughput phase runs.
    pub duration: Duration,
    /// Concurrent clients of the throughput phases.
    pub clients: usize,
    /// Clients browsing during the 28th.
    pub browsers: usize,
    /// The 28th's submissions are spread over this long.
    pub window: Duration,
    /// How long a browsing client of the 28th reads a page before the next.
    pub think: Duration,
    /// Sequential requests of the matrix and summary phases.
    pub samples: usize,
    /// The matrix page's year; the year before the bench's month when not given.
    pub year: Option<i16>,
    /// Run on a database that has accounts of its own (people's): the bench adds accounts,
    /// submits the month's reports and writes the audit log with its clock, so by default it
    /// runs only on a database no one uses (the preset or `demo generate`'s data).
    pub force: bool,
}

/// The bench's accounts' sessions, made in the store before `serve` starts.
struct Sessions {
    bureau_web: String,
    bureau_api: String,
    /// (school id, API token, web token) of every school in a group.
    schools: Vec<(String, String, String)>,
}

/// Kills the child `serve` however the bench ends.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of a process, sampled: the highest seen since the last reset and overall.
#[derive(Default)]
struct Rss {
    phase_kb: AtomicU64,
    peak_kb: AtomicU64,
}

impl Rss {
    fn sample(&self, pid: u32) {
        if let Some(kb) = status_kb(pid, "VmRSS:") {
            self.phase_kb.fetch_max(kb, Ordering::Relaxed);
            self.peak_kb.fetch_max(kb, Ordering::Relaxed);
        }
    }

    /// The phase's highest figure in MB (sampled once more now: a phase may be shorter than the
    /// sampling interval), and a new phase begins.
    fn take_phase_mb(&self, pid: u32) -> f64 {
        self.sample(pid);
        self.phase_kb.swap(0, Ordering::Relaxed) as f64 / 1024.0
    }
}

/// A field of `/proc/PID/status` in kB (VmRSS, VmHWM).
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// Runs the whole budget and returns the report (Markdown), also printing each line as it comes.
pub async fn run(config: &Config, opts: &Options) -> anyhow::Result<String> {
    let real = crate::clock::Clock::default();
    let (store, _) = crate::startup::prepare(config, &real).await?;
    let (_, plan) = crate::store::plans::PlanCache::default()
        .current(&store)
        .await?
        .context("数据库中没有行动方案")?;
    let people: i64 = sqlx::query(
        "select cast(count(*) as bigint) from users where username <> 'admin' and username not like 'bench-%'",
    )
    .fetch_one(store.pool())
    .await?
    .try_get(0)?;
    anyhow::ensure!(
        people == 0 || opts.force,
        "这个数据库有 {people} 个用户账户：压测会新建账户、以压测时钟报送当月月报并写审计日志，只应在无人使用的数据库（预置方案或 demo generate 生成的数据）上运行；确需在此运行请加 --force"
    );
    let month = open_month(&store, real.today()).await?;
    let due = deadline(&plan, month);
    // 10:00 on the due day, Asia/Shanghai: the morning of the 28th.
    let bench_now_ms = crate::domain::monthly::start_of_day_ms(due.due_on) + 10 * 3_600_000;
    let year = opts.year.unwrap_or(month.year - 1);
    let summary_month = month.plus(-1);
    let groups = group_ids(&store).await?;
    anyhow::ensure!(!groups.is_empty(), "数据库中没有结对组");
    let sessions = accounts(&store, bench_now_ms, month).await?;
    let counts = counts(&store).await?;
    store.close().await;

    let server = start_server(config, bench_now_ms)?;
    let pid = server.child.id();
    let rss = Arc::new(Rss::default());
    let sampler = {
        let rss = rss.clone();
        tokio::spawn(async move {
            loop {
                rss.sample(pid);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.browsers.max(opts.clients) + 16)
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    wait_until_up(&client, &server.base).await?;

    let mut out = String::new();
    let mut line = |s: String| {
        println!("{s}");
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "数据：{} 个结对组、{} 所学校、{} 条驻点服务、{} 个项目、{} 条经费、{} 份月报；服务器时钟 {}（{} 月报到期日 10:00）\n",
        counts.groups,
        sessions.schools.len(),
        counts.onsite,
        counts.projects,
        counts.expenses,
        counts.reports,
        crate::clock::format_ms(bench_now_ms),
        month
    ));
    line(
        "| phase | requests | errors | req/s | p50 ms | p99 ms | max ms | serve RSS max MB |"
            .into(),
    );
    line("| --- | --- | --- | --- | --- | --- | --- | --- |".into());
    rss.take_phase_mb(pid);

    let bare = closed_loop(
        &client,
        &server.base,
        opts.clients,
        opts.duration,
        Duration::ZERO,
        |_| ("/livez".to_string(), None),
    )
    .await;
    line(bare.row(
        &format!("bare handler `/livez`, {} clients", opts.clients),
        rss.take_phase_mb(pid),
    ));

    let cookie = format!(
        "{}={}",
        crate::http::auth::SESSION_COOKIE,
        sessions.bureau_web
    );
    // The group pages of the matrix's year: a year of records (the bench's own month is the
    // first no school has reported, often the first of a year with none yet).
    let group_paths: Vec<String> = groups
        .iter()
        .map(|g| format!("/groups/{g}?year={year}"))
        .collect();
    let group = {
        let cookie = cookie.clone();
        let paths = group_paths.clone();
        closed_loop(
            &client,
            &server.base,
            opts.clients,
            opts.duration,
            Duration::ZERO,
            move |i| (paths[spread(i) % paths.len()].clone(), Some(cookie.clone())),
        )
        .await
    };
    line(group.row(
        &format!(
            "group page `/groups/{{id}}?year={year}` (bureau), {} clients",
            opts.clients
        ),
        rss.take_phase_mb(pid),
    ));
    line(format!(
        "\nratio group page / bare handler (requests/s): **{:.3}**\n",
        group.rps() / bare.rps().max(f64::MIN_POSITIVE)
    ));
    line(
        "| phase | requests | errors | req/s | p50 ms | p99 ms | max ms | serve RSS max MB |"
            .into(),
    );
    line("| --- | --- | --- | --- | --- | --- | --- | --- |".into());

    let matrix_path = format!("/compliance?year={year}&per_page=all");
    let first = sequential(&client, &server.base, &matrix_path, &cookie, 1).await;
    line(first.row(
        &format!("matrix {year}, all groups, first request (judged)"),
        rss.take_phase_mb(pid),
    ));
    let kept = sequential(&client, &server.base, &matrix_path, &cookie, opts.samples).await;
    line(kept.row(
        &format!("matrix {year}, all groups, kept judgement"),
        rss.take_phase_mb(pid),
    ));

    let summary = summary_round(
        &client,
        &server.base,
        &sessions,
        &cookie,
        summary_month,
        opts.samples,
    )
    .await;
    line(summary.row(
        &format!("monthly summary {summary_month}: generate + page + docx + xlsx"),
        rss.take_phase_mb(pid),
    ));

    let (browse, submit) =
        the_28th(&client, &server.base, &sessions, &group_paths, month, opts).await;
    let browse_mb = rss.take_phase_mb(pid);
    line(browse.row(
        &format!(
            "the 28th: {} clients browsing ({} ms between pages)",
            opts.browsers,
            opts.think.as_millis()
        ),
        browse_mb,
    ));
    line(submit.row(
        &format!(
            "the 28th: {} schools save + submit within {} s",
            sessions.schools.len(),
            opts.window.as_secs()
        ),
        browse_mb,
    ));
    sampler.abort();
    let hwm = status_kb(pid, "VmHWM:").unwrap_or(0) as f64 / 1024.0;
    drop(server);

    let store = Store::connect(&config.database_url()).await?;
    let stored = submitted(&store, month, &sessions).await?;
    store.close().await;
    line(format!(
        "\n{month} 月报：{} 所学校中 {stored} 份已存为已报送；serve 常驻内存峰值 {:.0} MB（VmHWM {hwm:.0} MB）",
        sessions.schools.len(),
        rss.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0,
    ));
    anyhow::ensure!(
        stored == sessions.schools.len(),
        "{month} 月报只存下 {stored} 份，应为 {} 份",
        sessions.schools.len()
    );
    Ok(out)
}

/// A well-spread index for request `i` (so clients do not walk the groups in step).
fn spread(i: u64) -> usize {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17) as usize
}

/// The first month no school has a report of, not before this month.
async fn open_month(store: &Store, today: jiff::civil::Date) -> anyhow::Result<Month> {
    let latest: Option<String> = sqlx::query("select max(month) from monthly_reports")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
    let this = Month {
        year: today.year(),
        month: today.month(),
    };
    Ok(match latest.as_deref().and_then(Month::parse) {
        Some(m) if m.plus(1) > this => m.plus(1),
        _ => this,
    })
}

async fn group_ids(store: &Store) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query("select id from pairing_groups order by id")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?)
}

struct Counts {
    groups: i64,
    onsite: i64,
    projects: i64,
    expenses: i64,
    reports: i64,
}

async fn counts(store: &Store) -> anyhow::Result<Counts> {
    let one = |table: &'static str| async move {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select cast(count(*) as bigint) from {table}"
        )))
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
        anyhow::Ok(n)
    };
    Ok(Counts {
        groups: one("pairing_groups").await?,
        onsite: one("onsite_entries").await?,
        projects: one("projects").await?,
        expenses: one("expenses").await?,
        reports: one("monthly_reports").await?,
    })
}

/// The bench's accounts (made once, kept for the next run) and fresh sessions at the bench's
/// clock: the bureau, and every school that is in a group in `month`.
async fn accounts(store: &Store, now_ms: i64, month: Month) -> anyhow::Result<Sessions> {
    let bureau_org: String =
        sqlx::query("select name from organisations where kind = $1 order by name limit 1")
            .bind(OrgKind::Bureau.as_str())
            .fetch_one(store.pool())
            .await
            .context("数据库中没有市教育局")?
            .try_get(0)?;
    let schools: Vec<(String, String)> = sqlx::query(
        "select o.id, o.name from organisations o
         where o.kind in ($1, $2) and exists (
            select 1 from group_memberships m where m.org_id = o.id
              and m.effective_from <= $3 and (m.effective_to is null or m.effective_to > $4))
         order by o.id",
    )
    .bind(OrgKind::University.as_str())
    .bind(OrgKind::VocationalSchool.as_str())
    .bind(month.last_day().to_string())
    .bind(month.first_day().to_string())
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut wanted = vec![NewUser {
        username: "bench-bureau".into(),
        display_name: "压测（市教育局）".into(),
        org_name: bureau_org,
        role: "bureau".into(),
        password: bench_password(),
        must_change_password: false,
    }];
    for (i, (_, name)) in schools.iter().enumerate() {
        wanted.push(NewUser {
            username: format!("bench-school-{i:04}"),
            display_name: format!("压测（{name}）"),
            org_name: name.clone(),
            role: "school".into(),
            password: bench_password(),
            must_change_password: false,
        });
    }
    let mut missing = Vec::new();
    for u in wanted {
        if store.find_user_by_username(&u.username).await?.is_none() {
            missing.push(u);
        }
    }
    if !missing.is_empty() {
        eprintln!("新建 {} 个压测账户……", missing.len());
        store
            .create_users(&Actor::system("压测"), now_ms, &missing)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "无法新建压测账户：{:?}",
                    e.first().map(|(_, e)| e.to_string())
                )
            })?;
    }
    let lifetime = 24 * 3_600_000;
    let session = |name: String, kind: SessionKind| async move {
        let id = store
            .find_user_by_username(&name)
            .await?
            .with_context(|| format!("压测账户 {name} 不在"))?
            .id;
        anyhow::Ok(
            store
                .create_session(&id, kind, "127.0.0.1", now_ms, lifetime)
                .await?
                .token,
        )
    };
    let mut out = Sessions {
        bureau_web: session("bench-bureau".into(), SessionKind::Web).await?,
        bureau_api: session("bench-bureau".into(), SessionKind::Api).await?,
        schools: Vec::new(),
    };
    for (i, (id, _)) in schools.iter().enumerate() {
        let name = format!("bench-school-{i:04}");
        out.schools.push((
            id.clone(),
            session(name.clone(), SessionKind::Api).await?,
            session(name, SessionKind::Web).await?,
        ));
    }
    Ok(out)
}

/// Starts `serve` (this binary) on a free loopback port with the bench's clock.
fn start_server(config: &Config, now_ms: i64) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let start = jiff::Timestamp::from_millisecond(now_ms)?.to_string();
    let child = Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("XIAODI_ADDR", format!("127.0.0.1:{port}"))
        .env("XIAODI_DATABASE_URL", config.database_url())
        .env("XIAODI_DATA_DIR", &config.data_dir)
        .env("XIAODI_CLOCK_START", start)
        .env("XIAODI_TWO_FACTOR_ROLES", "[]")
        .env("XIAODI_REMINDER_TICK_SECS", "0")
        .env("XIAODI_BACKUP_DIR", "")
        .env("XIAODI_MLPS_PROFILE", "false")
        .env("XIAODI_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("无法启动 xiaodi serve")?;
    Ok(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    })
}

async fn wait_until_up(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("xiaodi serve 60 秒内未就绪")
}

/// `n` samples one after another, each the time `one()` takes and whether it succeeded.
async fn samples<F, Fut>(n: usize, mut one: F) -> Stats
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut stats = Stats::default();
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let ok = one().await;
        stats.record(t.elapsed(), ok);
    }
    stats.elapsed = started.elapsed();
    stats
}

/// `n` requests of one page, one after another.
async fn sequential(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
    n: usize,
) -> Stats {
    samples(n, || load::get(client, base, path, Some(cookie))).await
}

/// The monthly summary as the bureau makes it, `n` times: generate (or refresh) through the API,
/// then the page, the docx and the xlsx; each sample is the four requests together.
async fn summary_round(
    client: &reqwest::Client,
    base: &str,
    sessions: &Sessions,
    cookie: &str,
    month: Month,
    n: usize,
) -> Stats {
    samples(n, || async move {
        let mut ok = client
            .post(format!("{base}/api/v1/summaries/{month}"))
            .bearer_auth(&sessions.bureau_api)
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        for path in [
            format!("/summaries/{month}"),
            format!("/summaries/{month}/export.docx"),
            format!("/summaries/{month}/export.xlsx"),
        ] {
            ok &= load::get(client, base, &path, Some(cookie)).await;
        }
        ok
    })
    .await
}

/// The 28th: every school saves its report and submits it at a moment spread over the window,
/// while `browsers` clients browse group pages (the bureau) and schools' workbenches.
async fn the_28th(
    client: &reqwest::Client,
    base: &str,
    sessions: &Sessions,
    group_paths: &[String],
    month: Month,
    opts: &Options,
) -> (Stats, Stats) {
    let bureau = format!(
        "{}={}",
        crate::http::auth::SESSION_COOKIE,
        sessions.bureau_web
    );
    let mut pages: Vec<(String, String)> = group_paths
        .iter()
        .map(|p| (p.clone(), bureau.clone()))
        .collect();
    for (school, _, web) in &sessions.schools {
        let c = format!("{}={web}", crate::http::auth::SESSION_COOKIE);
        pages.push(("/".into(), c.clone()));
        pages.push((format!("/reports/{month}/{school}"), c));
    }
    pages.push(("/groups".into(), bureau.clone()));
    let pages = Arc::new(pages);
    let browse = {
        let pages = pages.clone();
        closed_loop(
            client,
            base,
            opts.browsers,
            opts.window,
            opts.think,
            move |i| {
                let (p, c) = &pages[spread(i) % pages.len()];
                (p.clone(), Some(c.clone()))
            },
        )
    };
    let n = sessions.schools.len().max(1) as u64;
    let window_ms = opts.window.as_millis() as u64;
    let started = Instant::now();
    let submissions = sessions
        .schools
        .iter()
        .enumerate()
        .map(|(i, (school, token, _))| {
            let at = Duration::from_millis(spread(i as u64) as u64 % n * window_ms / n);
            let url = format!("{base}/api/v1/reports/{month}/{school}");
            let client = client.clone();
            let token = token.clone();
            async move {
                tokio::time::sleep_until((started + at).into()).await;
                let body = serde_json::json!({
                    "narrative": {"1": "本月按计划开展驻镇驻村服务。"},
                    "problems": "无",
                    "next_plan": "继续推进结对项目。",
                });
                let t = Instant::now();
                let saved = client
                    .put(&url)
                    .bearer_auth(&token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                let saved_ok = matches!(&saved, Ok(r) if r.status().is_success());
                let first = t.elapsed();
                let t = Instant::now();
                let submitted = client
                    .post(format!("{url}/submit"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let submitted_ok = matches!(&submitted, Ok(r) if r.status().is_success());
                [(first, saved_ok), (t.elapsed(), submitted_ok)]
            }
        });
    let (browsed, submitted) = tokio::join!(browse, futures_util::future::join_all(submissions));
    let mut stats = Stats::default();
    for [a, b] in submitted {
        stats.record(a.0, a.1);
        stats.record(b.0, b.1);
    }
    stats.elapsed = started.elapsed();
    (browsed, stats)
}

/// How many of the bench's schools have `month`'s report submitted, as the database says.
async fn submitted(store: &Store, month: Month, sessions: &Sessions) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "select school_id from monthly_reports where month = $1 and first_submitted_at is not null",
    )
    .bind(month.to_string())
    .fetch_all(store.pool())
    .await?;
    let done: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    Ok(sessions
        .schools
        .iter()
        .filter(|(s, _, _)| done.contains(s))
        .count())
}

impl Stats {
    /// One line of the Markdown table.
    fn row(&self, what: &str, rss_mb: f64) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "| {what} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {rss_mb:.0} |",
            self.count(),
            self.errors,
            self.rps(),
            self.quantile_ms(0.5),
            self.quantile_ms(0.99),
            self.quantile_ms(1.0),
        );
        s
    }
}

/// A password no one types (the bench signs in through sessions it makes in the store) that
/// meets the password rule whatever the random part holds: a random token alone may lack a
/// digit and a symbol (about one account in 7,500: one bench run in fourteen), and then the rule
/// refuses it.
fn bench_password() -> String {
    format!("Bench-1-{}", crate::store::random_token())
}
