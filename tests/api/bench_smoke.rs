//! A smoke run of the benchmark harness (`xiaodi bench`) on the Dongguan preset, so that it
//! cannot rot: every phase runs for a moment against a real `serve` child and answers without
//! error, and the 28th's submissions are stored. Speed is not asserted; the figures are the
//! benchmark's (BENCHMARKS.md), made on the province dataset with a release build.

use crate::helpers::TestApp;
use crate::on_both;
use sqlx::Row;

async fn the_bench_harness_runs_every_phase_on_the_preset(app: TestApp) {
    let c = &app.state.config;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args(["--log-level", "error", "--data-dir"])
        .arg(&c.data_dir)
        .args(["--database-url", &c.database_url(), "bench"])
        .args(["--duration", "1", "--window", "3", "--samples", "2"])
        .args(["--clients", "4", "--browsers", "4"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| phase") && !l.starts_with("| ---"))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    for phase in [
        "bare handler",
        "group page",
        "first request (judged)",
        "kept judgement",
        "monthly summary",
        "clients browsing",
        "save + submit",
    ] {
        let row = rows
            .iter()
            .find(|r| r[1].contains(phase))
            .unwrap_or_else(|| panic!("no line for {phase}:\n{stdout}"));
        let requests: u64 = row[2].parse().unwrap();
        assert!(requests > 0, "{phase} made no request:\n{stdout}");
        assert_eq!(row[3], "0", "{phase} had errors:\n{stdout}");
        let rss: f64 = row[8].parse().unwrap();
        assert!(
            rss > 0.0,
            "{phase}: serve's memory was not sampled:\n{stdout}"
        );
    }
    // Every school in a group saved and submitted the month's report: as many as the preset has.
    let schools: i64 = sqlx::query(
        "select cast(count(*) as bigint) from organisations where kind in ('university', 'vocational_school')",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap()
    .get(0);
    let submitted: i64 = sqlx::query(
        "select cast(count(*) as bigint) from monthly_reports where first_submitted_at is not null",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap()
    .get(0);
    assert!(schools > 0);
    assert_eq!(submitted, schools, "{stdout}");
    assert!(
        stdout.contains("ratio group page / bare handler"),
        "{stdout}"
    );

    // A database with people's accounts is refused (the bench writes into it), unless forced.
    app.add_user("zhang.san", "东莞理工学院", "school").await;
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args(["--log-level", "error", "--data-dir"])
        .arg(&c.data_dir)
        .args([
            "--database-url",
            &c.database_url(),
            "bench",
            "--duration",
            "1",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("--force") && said.contains("1 个用户账户"),
        "{said}"
    );
}

on_both!(the_bench_harness_runs_every_phase_on_the_preset);
