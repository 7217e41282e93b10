//! Province-scale benchmark (SPEC §7): seeds ~2,000 groups, 20,000 team members and a year of
//! on-site service per group (or several years with XIAODI_BENCH_YEARS), then times the reads a
//! page or API call makes. Run: `cargo bench --bench scale` (SQLite), and with
//! `XIAODI_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too.
//! Results are written down in BENCHMARKS.md.

use jiff::civil::Date;
use std::time::{Duration, Instant};
use xiaodi::domain::ids::{GroupId, OrgId};
use xiaodi::services::compliance::{checks_of_group, year_checks};
use xiaodi::store::facts::GroupSet;
use xiaodi::store::plans::PlanCache;
use xiaodi::store::{GroupFilter, GroupScope, Store};

const GROUPS: usize = 2_000;
const SCHOOLS: usize = 560;
const MEMBERS_PER_GROUP: usize = 10;
/// On-site entries per group and year, each 1–3 days with 1–3 members.
const ENTRIES_PER_YEAR: usize = 60;

fn years() -> i16 {
    std::env::var("XIAODI_BENCH_YEARS")
        .ok()
        .and_then(|y| y.parse().ok())
        .unwrap_or(1)
}

async fn seed(store: &Store) -> anyhow::Result<(Vec<GroupId>, Vec<OrgId>)> {
    let pool = store.pool();
    let mut tx = pool.begin().await?;
    let region: String = {
        use sqlx::Row;
        sqlx::query("select id from regions where level = 'city'")
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?
    };
    let plan: String = {
        use sqlx::Row;
        sqlx::query("select id from plans")
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?
    };
    let now = 0i64;
    let mut schools = Vec::new();
    for i in 0..SCHOOLS {
        let id = OrgId::new();
        let kind = if i % 2 == 0 {
            "university"
        } else {
            "vocational_school"
        };
        sqlx::query("insert into organisations (id, kind, name, region_id, medical_focus, created_at) values ($1, $2, $3, $4, 0, $5)")
            .bind(id.as_str()).bind(kind).bind(format!("基准学校{i}")).bind(&region).bind(now)
            .execute(&mut *tx).await?;
        schools.push(id);
    }
    let mut groups = Vec::new();
    for g in 0..GROUPS {
        let town = OrgId::new();
        sqlx::query("insert into organisations (id, kind, name, region_id, medical_focus, created_at) values ($1, 'town', $2, $3, 0, $4)")
            .bind(town.as_str()).bind(format!("基准镇{g}")).bind(&region).bind(now)
            .execute(&mut *tx).await?;
        let villages: Vec<OrgId> = (0..2).map(|_| OrgId::new()).collect();
        for (k, v) in villages.iter().enumerate() {
            sqlx::query("insert into organisations (id, kind, name, region_id, medical_focus, created_at) values ($1, 'village', $2, $3, 0, $4)")
                .bind(v.as_str()).bind(format!("基准村{g}-{k}")).bind(&region).bind(now)
                .execute(&mut *tx).await?;
        }
        let gid = GroupId::new();
        sqlx::query("insert into pairing_groups (id, plan_id, number, lead_town_id, started_on, ended_on, created_at) values ($1, $2, $3, $4, '2023-12-29', null, $5)")
            .bind(gid.as_str()).bind(&plan).bind(1000 + g as i64).bind(town.as_str()).bind(now)
            .execute(&mut *tx).await?;
        let uni = &schools[(2 * g) % SCHOOLS];
        let voc = &schools[(2 * g + 1) % SCHOOLS];
        let members = [
            (&town, "town"),
            (&villages[0], "village"),
            (&villages[1], "village"),
            (uni, "university"),
            (voc, "vocational_school"),
        ];
        for (pos, (org, role)) in members.iter().enumerate() {
            sqlx::query("insert into group_memberships (id, group_id, org_id, role, effective_from, effective_to, position, created_at) values ($1, $2, $3, $4, '2023-12-29', null, $5, $6)")
                .bind(uuid::Uuid::new_v4().to_string()).bind(gid.as_str()).bind(org.as_str()).bind(*role).bind(pos as i64).bind(now)
                .execute(&mut *tx).await?;
        }
        let mut team = Vec::new();
        for m in 0..MEMBERS_PER_GROUP {
            let id = uuid::Uuid::new_v4().to_string();
            let (role, org) = match m {
                0 => ("captain", uni),
                1 => ("vice_captain", voc),
                _ => ("member", uni),
            };
            sqlx::query("insert into team_members (id, group_id, person_name, org_id, role, title, school_leader, phone, joined_on, left_on, created_at) values ($1, $2, $3, $4, $5, 'intermediate', 1, '13800131234', '2024-01-01', null, $6)")
                .bind(&id).bind(gid.as_str()).bind(format!("队员{g}-{m}")).bind(org.as_str()).bind(role).bind(now)
                .execute(&mut *tx).await?;
            team.push(id);
        }
        for y in 0..years() {
            let year = 2024 + y;
            for e in 0..ENTRIES_PER_YEAR {
                let start =
                    Date::new(year, 1, 1)?.checked_add(jiff::Span::new().days((e * 6) as i64))?;
                let end = start.checked_add(jiff::Span::new().days((e % 3) as i64))?;
                let id = uuid::Uuid::new_v4().to_string();
                let place = if e % 2 == 0 { &town } else { &villages[e % 2] };
                let on_site: Vec<&String> = (0..(1 + e % 3))
                    .map(|k| &team[(e + k) % MEMBERS_PER_GROUP])
                    .collect();
                let member_ids = on_site
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                sqlx::query("insert into onsite_entries (id, group_id, date_from, date_to, place_org_id, content, created_at, member_ids) values ($1, $2, $3, $4, $5, '基准服务', $6, $7)")
                    .bind(&id).bind(gid.as_str()).bind(start.to_string()).bind(end.to_string()).bind(place.as_str()).bind(now).bind(&member_ids)
                    .execute(&mut *tx).await?;
                for k in 0..(1 + e % 3) {
                    sqlx::query(
                        "insert into onsite_entry_members (entry_id, member_id) values ($1, $2)",
                    )
                    .bind(&id)
                    .bind(&team[(e + k) % MEMBERS_PER_GROUP])
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        groups.push(gid);
    }
    tx.commit().await?;
    // A live database has statistics (PostgreSQL's autovacuum gathers them); a bulk load has none
    // until analysed, and without them PostgreSQL scanned all 120,000 entries for one group.
    sqlx::query("analyze").execute(pool).await?;
    Ok((groups, schools))
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
    let (groups, schools) = seed(&store).await?;
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
        "{label}: seeded {} groups, {} team members, {entries} on-site entries ({days} entry-member rows) in {:.1} s",
        groups.len(),
        groups.len() * MEMBERS_PER_GROUP,
        t.elapsed().as_secs_f64()
    );

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
        offset: 1980,
    };
    let search = GroupFilter {
        q: Some("基准镇1999".into()),
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
        "groups search q=基准镇1999 (bureau)",
        time(20, |_| store.list_groups(&all, &search)).await,
    );
    report(
        "groups list (a school's own)",
        time(50, |i| {
            let scope = GroupScope::Member(schools[i % SCHOOLS].clone());
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
        time(100, |i| store.get_group(&all, &groups[i * 17 % GROUPS])).await,
    );
    report(
        "one group's 2024 checks (7 rules)",
        time(100, |i| {
            // As a group's page does: the row it has opened, then its records.
            let store = store.clone();
            let plans = plans.clone();
            let gid = groups[i * 31 % GROUPS].clone();
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
    let pick = |i: usize| groups[i * 37 % GROUPS].clone();
    report(
        "  agreement",
        time(100, |i| {
            let s = store.clone();
            let g = pick(i);
            async move { s.get_agreement(&g).await.unwrap() }
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
                .map(|k| groups[(i * 20 + k) % GROUPS].clone())
                .collect();
            async move {
                year_checks(&store, &plans, GroupSet::Ids(&page), 2024, today)
                    .await
                    .unwrap()
            }
        })
        .await,
    );
    report(
        "checks of every group, 2024 (the matrix)",
        time(5, |_| {
            year_checks(&store, &plans, GroupSet::All, 2024, today)
        })
        .await,
    );
    store.close().await;
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
    let dir = tempfile::tempdir()?;
    // XIAODI_BENCH_ONLY=postgres measures PostgreSQL alone.
    if std::env::var("XIAODI_BENCH_ONLY").as_deref() != Ok("postgres") {
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        run("SQLite", &url, dir.path()).await?;
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
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {name} with (force)"
        )))
        .execute(&mut admin)
        .await?;
        result?;
    }
    Ok(())
}
