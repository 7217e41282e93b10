//! The plan is data: `xiaodi plan check` on good and broken plan files; a bureau loads a plan
//! version for a later year and the verdicts of that year (and only that year) follow it.

use xiaodi::domain::plan::DONGGUAN_2023_PLAN;

fn plan_check(text: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    std::fs::write(&file, text).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args(["--log-level", "error", "plan", "check"])
        .arg(&file)
        .output()
        .unwrap()
}

#[test]
fn plan_check_accepts_the_preset_and_summarises_it() {
    let out = plan_check(DONGGUAN_2023_PLAN);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("方案文件有效：在莞高校中职学校参与“百县千镇万村高质量发展工程”行动方案（东教通〔2023〕15号）"),
        "{stdout}"
    );
    assert!(
        stdout.contains("四(一)（team-size）服务工作队不少于 6 人"),
        "{stdout}"
    );
    assert!(stdout.contains("每月 28 日前报送"), "{stdout}");
}

/// Each broken file fails (exit code 1) and says what is wrong, naming the field.
#[test]
fn plan_check_rejects_broken_files_naming_each_error() {
    let cases: [(&str, String, &[&str]); 5] = [
        (
            "unknown rule id",
            DONGGUAN_2023_PLAN.replace("[rule_text.publicity]", "[rule_text.publicness]"),
            &[
                "rule_text.publicness：没有编号为“publicness”的规则",
                "rule_text.publicity：缺少条款",
            ],
        ),
        (
            "negative days",
            DONGGUAN_2023_PLAN.replace("onsite_min_days = 90", "onsite_min_days = -5"),
            &["rules.onsite_min_days", "不能为负数，现为 -5"],
        ),
        (
            "missing clause",
            DONGGUAN_2023_PLAN.replace("clause = \"五(四)\"\n", ""),
            &["rule_text.publicity：缺少条款（clause）"],
        ),
        (
            "bad TOML",
            DONGGUAN_2023_PLAN.replace("doc_no = \"东教通〔2023〕15号\"", "doc_no = 东教通"),
            &["方案文件格式错误（第", "doc_no"],
        ),
        (
            "out of range",
            DONGGUAN_2023_PLAN.replace("report_due_day = 28", "report_due_day = 31"),
            &["rules.report_due_day", "1–28", "现为 31"],
        ),
    ];
    for (what, text, expected) in cases {
        assert_ne!(
            text, DONGGUAN_2023_PLAN,
            "{what}: the case changes the file"
        );
        let out = plan_check(&text);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}: nothing said valid");
        assert!(stderr.contains("无效"), "{what}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{what}: “{e}” in {stderr}");
        }
    }
}

#[test]
fn plan_check_says_when_the_file_is_missing() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xiaodi"))
        .args([
            "--log-level",
            "error",
            "plan",
            "check",
            "/nonexistent/plan.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("无法读取 /nonexistent/plan.toml")
    );
}
