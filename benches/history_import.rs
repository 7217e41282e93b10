//! History import benchmark (issue 14): a generated workbook of three years of the Dongguan
//! preset's records (every group's team, agreement, on-site service, base, meetings, coordination
//! group, matters, projects with figures, annual plans, and every school's monthly reports) is
//! checked (`--dry-run`) and then imported with `xiaodi import history`, on a fresh SQLite data
//! directory (and on PostgreSQL when `XIAODI_BENCH_POSTGRES_URL` names an empty database). Prints
//! the rows, the wall time of each step and the process's peak resident memory (VmHWM, sampled).
//!
//! Run: `cargo bench --bench history_import`; `XIAODI_BENCH_ONSITE_PER_MONTH` (default 4, at most
//! 28) sets the on-site entries per group and month, for a denser history. Results are written
//! down in BENCHMARKS.md. A benchmark, not a test: it asserts only that the import succeeded.

use rust_xlsxwriter::Workbook;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const GROUPS: &str = include_str!("../presets/dongguan-2023/pairings.csv");

struct Group {
    number: String,
    town: String,
    village: String,
    university: String,
    vocational: String,
}

fn groups() -> Vec<Group> {
    GROUPS
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let first = |s: &str| s.split(';').next().unwrap_or("").to_string();
            Group {
                number: f[0].to_string(),
                town: f[1].to_string(),
                // 雁田村(凤岗镇): the sheet names the lead town's village bare, another town's with
                // its town.
                village: {
                    let v = first(f[3]);
                    match v.split_once('(') {
                        Some((name, town)) if town.trim_end_matches(')') == f[1] => {
                            name.to_string()
                        }
                        _ => v,
                    }
                },
                university: f[4].to_string(),
                vocational: first(f[5]),
            }
        })
        .collect()
}

/// The months 2024-01 up to the one before today's.
fn months() -> Vec<(i16, i8)> {
    let today = jiff::Zoned::now().date();
    let mut out = Vec::new();
    let (mut y, mut m) = (2024i16, 1i8);
    while (y, m) < (today.year(), today.month()) {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

fn sheet(book: &mut Workbook, name: &str, rows: &[Vec<String>]) {
    let s = book.add_worksheet();
    s.set_name(name).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            s.write_string(r as u32, c as u16, v).unwrap();
        }
    }
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// The workbook, and how many rows each sheet has.
fn workbook(per_month: u32) -> (Vec<u8>, Vec<(&'static str, usize)>) {
    let groups = groups();
    let months = months();
    let mut team = vec![row(&[
        "结对组编号",
        "姓名",
        "所在单位",
        "队内职务",
        "职称",
        "校级领导",
        "手机号码",
        "加入日期",
        "离队日期",
    ])];
    let mut agreements = vec![row(&["结对组编号", "签署日期", "备注", "扫描件"])];
    let mut onsite = vec![row(&[
        "结对组编号",
        "开始日期",
        "结束日期",
        "服务地点",
        "在场队员",
        "服务内容",
        "确认情况",
        "参与学生",
    ])];
    let mut bases = vec![row(&[
        "结对组编号",
        "基地名称",
        "所在地",
        "功能",
        "揭牌日期",
        "简介",
    ])];
    let mut meetings = vec![row(&[
        "结对组编号",
        "会议日期",
        "会议地点",
        "参会单位",
        "已确认参会",
        "参会人员",
        "议程",
        "会议纪要",
        "审议通过年度计划",
        "决定数",
    ])];
    let mut coordination = vec![row(&[
        "结对组编号",
        "姓名",
        "所在单位",
        "职务",
        "手机号码",
        "起始日期",
        "结束日期",
        "现任",
    ])];
    let mut matters = vec![row(&[
        "结对组编号",
        "结对组",
        "事项摘要",
        "紧急程度",
        "发生日期",
        "报告时间",
        "报告单位",
        "报告人",
        "状态",
        "签收",
        "答复",
        "答复时间",
        "详细情况",
    ])];
    let mut plans = vec![row(&[
        "结对组编号",
        "年度",
        "合作领域",
        "计划事项",
        "目标指标",
        "目标数值",
        "已记录",
        "关联项目",
        "年终完成情况",
        "年终说明",
    ])];
    // The fixed project columns, then the plan's figures; each project fills 培训人数 (area 3).
    let plan = xiaodi::domain::plan::Plan::parse(xiaodi::domain::plan::DONGGUAN_2023_PLAN).unwrap();
    let figures: Vec<String> = plan
        .areas
        .iter()
        .flat_map(|a| a.outcomes.iter().map(|o| o.heading()))
        .collect();
    let trained = figures.iter().position(|h| h == "培训人数（人）").unwrap();
    let mut projects = vec![
        row(&[
            "结对组编号",
            "项目名称",
            "合作领域",
            "牵头单位",
            "合作方",
            "开始日期",
            "结束日期",
            "状态",
            "项目简介",
            "购买服务",
            "购买方",
            "合同金额（元）",
            "参与学生（人次）",
        ])
        .into_iter()
        .chain(figures.iter().cloned())
        .collect::<Vec<_>>(),
    ];
    let mut reports = vec![row(&["学校", "月份", "报送时间", "备注"])];
    let years: Vec<i16> = {
        let mut y: Vec<i16> = months.iter().map(|(y, _)| *y).collect();
        y.dedup();
        y
    };
    for g in &groups {
        let n = g.number.as_str();
        let members = [
            ("队长", "正高级", g.university.as_str()),
            ("副队长", "副高级", g.vocational.as_str()),
            ("队员", "中级", g.university.as_str()),
            ("队员", "中级", g.university.as_str()),
            ("队员", "初级", g.vocational.as_str()),
        ];
        for (i, (role, title, org)) in members.iter().enumerate() {
            let name = format!("队员{n}-{i}");
            team.push(row(&[
                n,
                &name,
                org,
                role,
                title,
                "否",
                "",
                "2024-01-01",
                "",
            ]));
        }
        agreements.push(row(&[n, "2024-01-20", "", ""]));
        for (y, m) in &months {
            for d in 1..=per_month.min(28) {
                let day = format!("{y}-{m:02}-{d:02}");
                onsite.push(row(&[
                    n,
                    &day,
                    &day,
                    &g.village,
                    &format!("队员{n}-0、队员{n}-2"),
                    "驻村开展技术服务",
                    "已确认",
                    "2",
                ]));
            }
        }
        bases.push(row(&[
            n,
            &format!("第{n}组实践基地"),
            &g.village,
            "红色教育、实习锻炼",
            "2024-04-18",
            "",
        ]));
        let attending = format!("{}、{}、{}", g.university, g.town, g.village);
        for y in &years {
            for (k, md) in ["03-10", "09-10"].iter().enumerate() {
                let held = format!("{y}-{md}");
                if held.as_str() >= jiff::Zoned::now().date().to_string().as_str() {
                    continue;
                }
                meetings.push(row(&[
                    n,
                    &held,
                    &format!("{}人民政府", g.town),
                    &attending,
                    &g.university,
                    "",
                    "",
                    "",
                    if k == 0 { "是" } else { "否" },
                    "",
                ]));
            }
            let matter_day = format!("{y}-06-12");
            matters.push(row(&[
                n,
                "",
                &format!("{y} 年汛期驻村点受淹"),
                "紧急",
                &matter_day,
                &format!("{matter_day} 18:00"),
                &g.town,
                "",
                "",
                "",
                "",
                "",
                "",
            ]));
            for p in 0..3 {
                let title = format!("{y} 年技能培训 {p}");
                let mut project = row(&[
                    n,
                    &title,
                    "3",
                    &g.university,
                    "",
                    &format!("{y}-02-0{}", p + 1),
                    "",
                    "进行中",
                    "",
                    "否",
                    "",
                    "",
                    "10",
                ]);
                project.extend(figures.iter().map(|_| String::new()));
                project[13 + trained] = "50".into();
                projects.push(project);
                plans.push(row(&[
                    n,
                    &y.to_string(),
                    "3",
                    &format!("{y} 年培训计划 {p}"),
                    "培训人数",
                    "100",
                    "",
                    &title,
                    "",
                    "",
                ]));
            }
        }
        for (i, (name, org)) in [("王一", &g.town), ("李二", &g.university)]
            .iter()
            .enumerate()
        {
            coordination.push(row(&[
                n,
                &format!("{name}{n}"),
                org,
                if i == 0 { "副镇长" } else { "副校长" },
                "",
                "2024-01-05",
                "",
                "",
            ]));
        }
    }
    let mut schools: Vec<&str> = groups
        .iter()
        .flat_map(|g| [g.university.as_str(), g.vocational.as_str()])
        .collect();
    schools.sort();
    schools.dedup();
    for s in schools {
        for (y, m) in &months {
            let month = format!("{y}-{m:02}");
            reports.push(row(&[s, &month, &format!("{month}-20"), ""]));
        }
    }
    let mut book = Workbook::new();
    let sheets: Vec<(&'static str, &Vec<Vec<String>>)> = vec![
        ("队员", &team),
        ("协议", &agreements),
        ("驻点服务", &onsite),
        ("实践基地", &bases),
        ("联席会议", &meetings),
        ("工作协调小组", &coordination),
        ("重大事项", &matters),
        ("合作项目", &projects),
        ("年度合作计划", &plans),
        ("月报", &reports),
    ];
    let counts = sheets.iter().map(|(n, r)| (*n, r.len() - 1)).collect();
    for (name, rows) in sheets {
        sheet(&mut book, name, rows);
    }
    (book.save_to_buffer().unwrap(), counts)
}

/// Runs `xiaodi` with `args` on the data directory (and database) given; its wall time, its
/// peak resident memory as last sampled, its exit status and what it printed.
fn run(dir: &Path, database_url: Option<&str>, args: &[&str]) -> (Duration, u64, bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xiaodi"));
    cmd.args(args)
        .env("XIAODI_DATA_DIR", dir)
        .env("XIAODI_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = database_url {
        cmd.env("XIAODI_DATABASE_URL", url);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("xiaodi runs");
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (elapsed, peak_kb, exit.success(), said)
}

fn main() {
    let per_month: u32 = std::env::var("XIAODI_BENCH_ONSITE_PER_MONTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let started = Instant::now();
    let (bytes, counts) = workbook(per_month);
    println!(
        "workbook: {:.1} MB, built in {:.0} ms; rows: {}",
        bytes.len() as f64 / 1048576.0,
        started.elapsed().as_secs_f64() * 1e3,
        counts
            .iter()
            .map(|(n, c)| format!("{n} {c}"))
            .collect::<Vec<_>>()
            .join("、")
    );
    let mut backends: Vec<(&str, Option<String>)> = vec![("SQLite", None)];
    if let Ok(url) = std::env::var("XIAODI_BENCH_POSTGRES_URL") {
        backends.push(("PostgreSQL", Some(url)));
    }
    for (backend, url) in backends {
        let dir = std::env::temp_dir().join(format!(
            "xiaodi-history-bench-{}-{backend}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let book = dir.join("历史补录.xlsx");
        std::fs::write(&book, &bytes).unwrap();
        let book = book.to_string_lossy().into_owned();
        // The preset loaded and the first administrator made, as `serve` would on first start.
        let (setup, _, ok, said) = run(&dir, url.as_deref(), &["audit", "verify"]);
        assert!(ok, "{said}");
        for (step, extra) in [("检查（--dry-run）", Some("--dry-run")), ("导入", None)] {
            let mut args = vec!["import", "history", book.as_str(), "--as", "admin"];
            args.extend(extra);
            let (took, peak_kb, ok, said) = run(&dir, url.as_deref(), &args);
            assert!(ok, "{step}: {said}");
            println!(
                "{backend:<10} {step:<14} {:>8.2} s   peak RSS {:>6.1} MB   {}",
                took.as_secs_f64(),
                peak_kb as f64 / 1024.0,
                said.lines().next().unwrap_or("")
            );
        }
        println!(
            "{backend:<10} (setup: preset loaded in {:.2} s)",
            setup.as_secs_f64()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
