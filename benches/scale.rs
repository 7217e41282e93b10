//! Province-scale benchmark (SPEC §7): generates ~2,000 groups, 20,000 team members and a year of
//! every record kind the compliance matrix reads (or several years with XIAODI_BENCH_YEARS) with
//! `xiaodi demo generate`'s generator (`src/demo`, scale `province`, seed 1), then times the reads a page or API call makes, the compliance computations
//! and the matrix page itself. Run: `cargo bench --bench scale` (SQLite), and with
//! `XIAODI_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too.
//! Results are written down in BENCHMARKS.md.

use jiff::civil::Date;
use std::time::{Duration, Instant};
use xiaodi::domain::ids::GroupId;
use xiaodi::domain::rules::Status;
use xiaodi::services::compliance::{checks_of_group, count_by_rule, report_year, year_checks};
use xiaodi::store::facts::GroupSet;
use xiaodi::store::plans::PlanCache;
use xiaodi::store::{GroupFilter, GroupScope, Store};

fn years() -> i16 {
    std::env::var("XIAODI_BENCH_YEARS")
        .ok()
        .and_then(|y| y.parse().ok())
        .unwrap_or(1)
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {name:<48} p50 {:>8.2} ms   p95 {:>8.2} ms   (n={})",
        p(0.5).as_secs_f64() * 1e3,
        p(0.95).as_secs_f64() * 1e3,
        samples.len()
    );
}

/// CPU time this process has used so far (all threads; for SQLite that includes the database's
/// own work), from /proc/self/stat in clock ticks (100 a second on Linux).
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// Like [`time`], and prints the CPU time a call took on average: on a machine shared with other
/// work the wall-clock figures grow with the load; this one grows less (SQLite's work included,
/// PostgreSQL's server not).
async fn time_cpu<F, Fut, T>(name: &str, n: usize, f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let before = cpu_ms();
    let samples = time(n, f).await;
    let per_call = cpu_ms().zip(before).map(|(a, b)| (a - b) / n as f64);
    report(name, samples);
    if let Some(ms) = per_call {
        println!("    CPU {ms:.0} ms a call (this process, both cores)");
    }
}

async fn time<F, Fut, T>(n: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        std::hint::black_box(f(i).await);
        out.push(t.elapsed());
    }
    out
}

async fn run(label: &str, url: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let config = xiaodi::config::Config {
        addr: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: url.into(),
        log_level: "warn".into(),
        admin_password: Some("Bench#2024pw".into()),
        ..Default::default()
    };
    let app = xiaodi::Application::build(config).await?;
    let store = app.state().store.clone();
    let t = Instant::now();
    let options = xiaodi::demo::Options {
        scale: xiaodi::demo::Scale::Province,
        seed: 1,
        years: years(),
    };
    let seeded = xiaodi::demo::generate(&store, options, |_| {}).await?;
    let seconds = t.elapsed().as_secs_f64();
    let members = seeded.rows_of("team_members");
    let (groups, schools) = (seeded.groups.clone(), seeded.schools.clone());
    let (groups_n, schools_n) = (groups.len(), schools.len());
    let (entries, days): (i64, i64) = {
        use sqlx::Row;
        let r = sqlx::query("select count(*) as n from onsite_entries")
            .fetch_one(store.pool())
            .await?;
        let m = sqlx::query("select count(*) as n from onsite_entry_members")
            .fetch_one(store.pool())
            .await?;
        (r.try_get("n")?, m.try_get("n")?)
    };
    println!(
        "{label}: generated {} groups, {members} team members, {entries} on-site entries ({days} entry-member rows) in {:.1} s",
        groups_n, seconds
    );
    println!(
        "  {} rows, built and checked in {:.1} s, written in {:.1} s, analysed in {:.1} s (table rows): {}",
        seeded.total_rows(),
        seeded.built.as_secs_f64(),
        seeded.written.as_secs_f64(),
        seeded.analysed.as_secs_f64(),
        seeded
            .rows
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // A town of the last group, to search by.
    let last_town: String = {
        use sqlx::Row;
        sqlx::query(
            "select o.name from pairing_groups g join organisations o on o.id = g.lead_town_id order by g.number desc limit 1",
        )
        .fetch_one(store.pool())
        .await?
        .try_get("name")?
    };

    let plans = PlanCache::default();
    let today = Date::new(2026, 11, 29)?;
    let all = GroupScope::All;
    let first = GroupFilter {
        q: None,
        limit: 20,
        offset: 0,
    };
    let last = GroupFilter {
        q: None,
        limit: 20,
        offset: groups_n.saturating_sub(20) as i64,
    };
    let search = GroupFilter {
        q: Some(last_town.clone()),
        limit: 20,
        offset: 0,
    };
    report(
        "groups list, page 1 (bureau)",
        time(50, |_| store.list_groups(&all, &first)).await,
    );
    report(
        "groups list, page 100 (bureau)",
        time(50, |_| store.list_groups(&all, &last)).await,
    );
    report(
        &format!("groups search q={last_town} (bureau)"),
        time(20, |_| store.list_groups(&all, &search)).await,
    );
    report(
        "groups list (a school's own)",
        time(50, |i| {
            let scope = GroupScope::Member(schools[i % schools_n].clone());
            let store = store.clone();
            async move {
                store
                    .list_groups(
                        &scope,
                        &GroupFilter {
                            q: None,
                            limit: 20,
                            offset: 0,
                        },
                    )
                    .await
            }
        })
        .await,
    );
    report(
        "one group page (get_group)",
        time(100, |i| store.get_group(&all, &groups[i * 17 % groups_n])).await,
    );
    report(
        "one group's 2024 checks (7 rules)",
        time(100, |i| {
            // As a group's page does: the row it has opened, then its records.
            let store = store.clone();
            let plans = plans.clone();
            let gid = groups[i * 31 % groups_n].clone();
            async move {
                let view = store
                    .get_group(&GroupScope::All, &gid)
                    .await
                    .unwrap()
                    .unwrap();
                let plan = plans
                    .get(&store, &view.group.plan_id)
                    .await
                    .unwrap()
                    .unwrap();
                checks_of_group(&store, plan, &view.group, 2024, today)
                    .await
                    .unwrap()
            }
        })
        .await,
    );
    // The reads behind one group's checks, one by one.
    let first = Date::new(2024, 1, 1)?;
    let last = Date::new(2024, 12, 31)?;
    let pick = |i: usize| groups[i * 37 % groups_n].clone();
    report(
        "  agreement",
        time(100, |i| {
            let s = store.clone();
            let g = pick(i);
            let key = xiaodi::domain::agreement::AgreementKey::tripartite(&g);
            async move { s.get_agreement(&key).await.unwrap() }
        })
        .await,
    );
    report(
        "  team",
        time(100, |i| {
            let s = store.clone();
            let g = pick(i);
            async move { s.list_team(&g).await.unwrap() }
        })
        .await,
    );
    report(
        "  bases",
        time(100, |i| {
            let s = store.clone();
            let g = pick(i);
            async move { s.list_bases(&g).await.unwrap() }
        })
        .await,
    );
    report(
        "  on-site entries of 2024",
        time(100, |i| {
            let s = store.clone();
            let g = pick(i);
            async move { s.list_onsite(&g, first, last).await.unwrap() }
        })
        .await,
    );
    report(
        "checks of a page of 20 groups, 2024",
        time(50, |i| {
            let store = store.clone();
            let plans = plans.clone();
            let page: Vec<GroupId> = (0..20)
                .map(|k| groups[(i * 20 + k) % groups_n].clone())
                .collect();
            async move {
                year_checks(&store, &plans, GroupSet::Ids(&page), 2024, today)
                    .await
                    .unwrap()
            }
        })
        .await,
    );
    time_cpu("checks of every group, 2024 (the matrix)", 10, |_| {
        year_checks(&store, &plans, GroupSet::All, 2024, today)
    })
    .await;
    judged_as_seeded(&store, &plans, today, groups_n).await?;
    let now_ms = app.state().clock.now_ms();
    time_cpu(
        "every school's monthly reports, 2024 (report_year)",
        10,
        |_| report_year(&store, &plans, 2024, now_ms, today, None),
    )
    .await;
    let (school_years, city) = report_year(&store, &plans, 2024, now_ms, today, None).await?;
    let mut rates = xiaodi::domain::monthly::Rates::default();
    for m in &city {
        rates.expected += m.rates.expected;
        rates.submitted += m.rates.submitted;
        rates.on_time += m.rates.on_time;
    }
    println!(
        "    {} schools; the year's reports: {} due, {} submitted, {} on time",
        school_years.len(),
        rates.expected,
        rates.submitted,
        rates.on_time
    );
    assert!(
        rates.expected as usize >= schools_n * 12 && rates.on_time < rates.submitted,
        "the seeded monthly reports were not read back"
    );
    matrix_page(app.state(), &groups).await?;
    store.close().await;
    Ok(())
}

/// Every rule the generator breaks now and then is met by most groups and not met by some: the
/// generated records are read back and judged, not skipped.
async fn judged_as_seeded(
    store: &Store,
    plans: &PlanCache,
    today: Date,
    groups: usize,
) -> anyhow::Result<()> {
    use xiaodi::domain::rules::RuleId;
    let checks = year_checks(store, plans, GroupSet::All, 2024, today).await?;
    let counts = count_by_rule(&checks);
    let n = |rule: RuleId, status: Status| {
        counts
            .iter()
            .find(|c| c.rule == rule)
            .and_then(|c| c.counts.iter().find(|(s, _)| *s == status))
            .map_or(0, |(_, n)| *n)
    };
    let line: Vec<String> = counts
        .iter()
        .map(|c| {
            format!(
                "{} {}/{}",
                c.rule.as_str(),
                n(c.rule, Status::Met),
                n(c.rule, Status::NotMet)
            )
        })
        .collect();
    println!("    met / not met per rule: {}", line.join(", "));
    for rule in [
        RuleId::Agreement,
        RuleId::Onsite,
        RuleId::Base,
        RuleId::Meetings,
        RuleId::AnnualPlan,
        RuleId::Escalation,
    ] {
        let (met, not_met) = (n(rule, Status::Met), n(rule, Status::NotMet));
        assert!(
            met > groups / 2 && not_met > 0,
            "{}: {met} groups met, {not_met} not: the seeded records were not judged as seeded",
            rule.as_str()
        );
    }
    Ok(())
}

/// The matrix page as a bureau user gets it: the app's router driven in-process with a signed-in
/// session, GET `/compliance?year=2024&per_page=all`, HTML rendered. Skipped (with a line saying
/// so) while the route does not exist.
async fn matrix_page(state: &xiaodi::AppState, groups: &[GroupId]) -> anyhow::Result<()> {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::{Request, StatusCode, header};
    use sqlx::Row;
    use tower::ServiceExt;
    use xiaodi::store::SessionKind;

    let store = &state.store;
    // Signed in as the first start's bureau account, its password settled (as tests do) and
    // its session made the way a sign-in makes it.
    sqlx::query("update users set must_change_password = 0 where username = 'admin'")
        .execute(store.pool())
        .await?;
    let admin: String = sqlx::query("select id from users where username = 'admin'")
        .fetch_one(store.pool())
        .await?
        .try_get("id")?;
    let session = store
        .create_session(
            &xiaodi::domain::ids::UserId::from_db(admin),
            SessionKind::Web,
            "127.0.0.1",
            state.clock.now_ms(),
            state.config.session_lifetime_ms(),
        )
        .await?;
    let cookie = format!("{}={}", xiaodi::http::auth::SESSION_COOKIE, session.token);
    let router = xiaodi::app::router(state.clone());
    let path = "/compliance?year=2024&per_page=all";
    let get = || {
        let mut req = Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("a request");
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                40000,
            ))));
        let router = router.clone();
        async move {
            let resp = router.oneshot(req).await.expect("the router answers");
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("a body");
            (status, body)
        }
    };
    let (status, body) = get().await;
    if status == StatusCode::NOT_FOUND {
        println!("  matrix page not present ({path} answered 404): skipped");
        return Ok(());
    }
    let html = String::from_utf8_lossy(&body);
    anyhow::ensure!(status == StatusCode::OK, "{path} answered {status}");
    let missing = groups.iter().filter(|g| !html.contains(g.as_str())).count();
    anyhow::ensure!(
        missing == 0,
        "{path}: {missing} of {} groups are not on the page",
        groups.len()
    );
    // Nothing written between requests: the judgement kept for the data version is shown.
    time_cpu(
        &format!(
            "matrix page, all groups, 2024 ({} KB), kept",
            body.len() / 1024
        ),
        20,
        |_| async {
            let (status, body) = get().await;
            assert_eq!(status, StatusCode::OK);
            body.len()
        },
    )
    .await;
    // A write before each request, so the data version moves each time: (1) an on-site entry
    // of one group corrected (its text toggled), the everyday write — that group is judged
    // again, the rest carried over (migration 0024); (2) a monthly report's narrative — the
    // schools are judged again; (3) a town's name — every group and school is judged again.
    let one = |sql: &str| {
        let sql = sql.to_string();
        async move {
            let r = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_one(store.pool())
                .await?;
            anyhow::Ok(r.try_get::<String, _>("id")?)
        }
    };
    let entry = one("select id from onsite_entries order by id limit 1").await?;
    let report = one("select id from monthly_reports order by id limit 1").await?;
    let town = one("select id from organisations where kind = 'town' order by id limit 1").await?;
    let toggle = |table: &str, column: &str, id: &str| {
        format!(
            "update {table} set {column} = case when {column} like '%·' then substr({column}, 1, length({column}) - 1) else {column} || '·' end where id = '{id}'"
        )
    };
    for (what, touch) in [
        (
            "an on-site entry",
            toggle("onsite_entries", "content", &entry),
        ),
        (
            "a monthly report",
            toggle("monthly_reports", "narrative", &report),
        ),
        ("a town's name", toggle("organisations", "name", &town)),
    ] {
        time_cpu(
            &format!("matrix page, all groups, 2024, after a write to {what}"),
            20,
            |_| async {
                sqlx::query(sqlx::AssertSqlSafe(touch.clone()))
                    .execute(store.pool())
                    .await
                    .expect("a write");
                let (status, body) = get().await;
                assert_eq!(status, StatusCode::OK);
                body.len()
            },
        )
        .await;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // `cargo test --benches` runs benches in test mode; only a real `cargo bench` seeds.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    // XIAODI_BENCH_LOG=xiaodi::store::facts=debug shows where loading the facts spends its time.
    if let Ok(filter) = std::env::var("XIAODI_BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .init();
    }
    // XIAODI_BENCH_KEEP=1 keeps the seeded databases (SQLite file, PostgreSQL database) to
    // look into their queries afterwards (sqlite3, psql: `explain query plan`, `explain analyze`).
    let keep = std::env::var_os("XIAODI_BENCH_KEEP").is_some();
    let dir = tempfile::tempdir()?;
    // XIAODI_BENCH_ONLY=postgres measures PostgreSQL alone.
    if std::env::var("XIAODI_BENCH_ONLY").as_deref() != Ok("postgres") {
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        run("SQLite", &url, dir.path()).await?;
        if keep {
            println!("kept {}", dir.keep().join("bench.db").display());
        }
    }
    if let Ok(url) = std::env::var("XIAODI_BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let name = format!("xiaodi_bench_{}", std::process::id());
        let mut admin = sqlx::AnyConnection::connect(&url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut admin)
            .await?;
        let db_url = format!(
            "{}/{name}",
            url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url)
        );
        let pg_dir = tempfile::tempdir()?;
        let result = run("PostgreSQL", &db_url, pg_dir.path()).await;
        if keep {
            println!("kept {db_url}");
            return result;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {name} with (force)"
        )))
        .execute(&mut admin)
        .await?;
        result?;
    }
    Ok(())
}
