//! 五(三) 年度评价: how a group's year is scored. "市“百千万工程”指挥部每年组织开展结对情况评价" —
//! the document gives the evaluation to the city HQ and names no criteria or grades, so both are
//! the plan file's (`[evaluation]`): criteria with their points, each either computed from an
//! indicator of the year's records or scored by HQ's reviewers, and grade bands if the plan has
//! any. Everything here is pure: the indicators come from the one evaluator's facts and verdicts
//! (services::evaluation), and the same inputs always give the same points, total and grade.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a criterion's points are computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// The year's rules met, out of those that applied (met or not met; advisory rules and the
    /// evaluation itself left out).
    RulesMet,
    /// On-site team-days against the year's (pro-rated) threshold.
    OnsiteDays,
    /// Joint meetings held against the year's (pro-rated) number.
    Meetings,
    /// The group's schools' monthly reports of the year submitted on time, out of those due.
    ReportsOnTime,
    /// Cooperation projects running in the year (`full_at` gives full points).
    Projects,
    /// Projects of the year marked done (`full_at` gives full points).
    ProjectsDone,
    /// Areas of cooperation (三(一)–(六)) with a project in the year (`full_at`).
    Areas,
    /// Typical cases and news items published in the year (`full_at`).
    CasesPublished,
    /// Scored by HQ's reviewers: the mean of their scores.
    Review,
}

impl Indicator {
    pub const ALL: [Indicator; 9] = [
        Indicator::RulesMet,
        Indicator::OnsiteDays,
        Indicator::Meetings,
        Indicator::ReportsOnTime,
        Indicator::Projects,
        Indicator::ProjectsDone,
        Indicator::Areas,
        Indicator::CasesPublished,
        Indicator::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::RulesMet => "rules_met",
            Indicator::OnsiteDays => "onsite_days",
            Indicator::Meetings => "meetings",
            Indicator::ReportsOnTime => "reports_on_time",
            Indicator::Projects => "projects",
            Indicator::ProjectsDone => "projects_done",
            Indicator::Areas => "areas",
            Indicator::CasesPublished => "cases_published",
            Indicator::Review => "review",
        }
    }

    /// Whether the indicator is a count that reaches full points at the criterion's `full_at`.
    pub fn counted(self) -> bool {
        matches!(
            self,
            Indicator::Projects
                | Indicator::ProjectsDone
                | Indicator::Areas
                | Indicator::CasesPublished
        )
    }
}

/// One criterion of the plan's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Stable name in storage and the API (`onsite`).
    pub code: String,
    /// What users read (驻镇(村)服务).
    pub label: String,
    pub indicator: Indicator,
    /// The most points it gives (its weight).
    pub points: u32,
    /// For a counted indicator: the count that gives full points (fewer give their share).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_at: Option<u32>,
}

/// A grade band: a total of at least `min` points has this grade (bands are listed highest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    pub name: String,
    pub min: u32,
}

/// The plan's evaluation (`[evaluation]` of the plan file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// The first year evaluated (the first full year of the programme).
    pub first_year: i16,
    pub criteria: Vec<Criterion>,
    /// Highest first; none means totals without grades.
    #[serde(default)]
    pub grades: Vec<GradeBand>,
}

impl Scheme {
    /// The most points a group can have.
    pub fn full_points(&self) -> u32 {
        self.criteria.iter().map(|c| c.points).sum()
    }

    pub fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }

    /// The criteria HQ's reviewers score.
    pub fn reviewed(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria
            .iter()
            .filter(|c| c.indicator == Indicator::Review)
    }

    /// Every rule the scheme breaks, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(2000..=2100).contains(&self.first_year) {
            out.push(format!(
                "方案文件 evaluation.first_year：应在 2000–2100 之间，现为 {}",
                self.first_year
            ));
        }
        if self.criteria.is_empty() {
            out.push("方案文件 evaluation.criteria：至少要有一项评价指标".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.criteria.iter().enumerate() {
            let at = format!("方案文件 evaluation.criteria 第 {} 项", i + 1);
            let code_ok = !c.code.is_empty()
                && c.code.len() <= 40
                && c.code
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !code_ok {
                out.push(format!(
                    "{at} code：应为 1–40 个小写英文字母、数字或下划线，现为“{}”",
                    c.code
                ));
            } else if !seen.insert(c.code.as_str()) {
                out.push(format!("{at} code：“{}”重复", c.code));
            }
            if c.label.trim().is_empty() || c.label.chars().count() > 60 {
                out.push(format!("{at} label：应为 1–60 个字"));
            }
            if !(1..=100).contains(&c.points) {
                out.push(format!("{at} points：应在 1–100 之间，现为 {}", c.points));
            }
            match (c.indicator.counted(), c.full_at) {
                (true, None) | (true, Some(0)) => out.push(format!(
                    "{at} full_at：指标 {} 须写明达到满分的数量（至少 1）",
                    c.indicator.as_str()
                )),
                (false, Some(_)) => out.push(format!(
                    "{at} full_at：指标 {} 按比例或评审评分计分，不用 full_at",
                    c.indicator.as_str()
                )),
                _ => {}
            }
        }
        let full = self.full_points();
        if !(1..=1000).contains(&full) {
            out.push(format!(
                "方案文件 evaluation.criteria：各项分值合计应在 1–1000 之间，现为 {full}"
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, g) in self.grades.iter().enumerate() {
            let at = format!("方案文件 evaluation.grades 第 {} 项", i + 1);
            if g.name.trim().is_empty() || g.name.chars().count() > 10 {
                out.push(format!("{at} name：应为 1–10 个字"));
            } else if !names.insert(g.name.as_str()) {
                out.push(format!("{at} name：“{}”重复", g.name));
            }
            if g.min > full {
                out.push(format!("{at} min：{} 高于满分 {full}", g.min));
            }
            if i > 0 && g.min >= self.grades[i - 1].min {
                out.push(format!("{at} min：等级应按分数线从高到低排列"));
            }
        }
        out
    }
}

/// Points are kept in tenths (one decimal place), so sums and grade bands are exact.
pub type Tenths = u32;

/// `12.5` for 125 tenths.
pub fn points_label(t: Tenths) -> String {
    format!("{}.{}", t / 10, t % 10)
}

/// Parses a score as entered (`12`, `12.5`) into tenths; more than one decimal place is refused.
pub fn parse_points(s: &str) -> Option<Tenths> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 4 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 1 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: u32 = whole.parse().ok()?;
    let f: u32 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some(w * 10 + f)
}

/// What the year's records say about one group (computed by services::evaluation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicators {
    pub rules_met: u32,
    pub rules_applicable: u32,
    /// Each rule judged for the year: (rule id, status, reason), as they stood when computed.
    pub rules: Vec<(String, String, String)>,
    pub onsite_days: u32,
    pub onsite_required: u32,
    pub meetings: u32,
    pub meetings_required: u32,
    pub reports_on_time: u32,
    pub reports_due: u32,
    pub projects: u32,
    pub projects_done: u32,
    /// Per area number: (projects running, of them done).
    pub areas: BTreeMap<u8, (u32, u32)>,
    /// The year's outcome figures by code (money in fen), shown with the working.
    pub outcomes: BTreeMap<String, i64>,
    pub cases_published: u32,
}

/// One reviewer's score of one criterion for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewScore {
    pub reviewer: String,
    pub criterion: String,
    pub points: Tenths,
    pub comment: String,
}

/// A criterion's points with the working that gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionPoints {
    pub code: String,
    pub label: String,
    pub indicator: Indicator,
    pub max: Tenths,
    pub points: Tenths,
    /// In words: which value gave which points (本年驻点 45 天 / 要求 90 天 × 15 分 = 7.5 分).
    pub working: String,
}

/// A group's year scored: each criterion's points, the total and the grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scored {
    pub criteria: Vec<CriterionPoints>,
    pub total: Tenths,
    pub full: Tenths,
    pub grade: Option<String>,
    /// Review criteria no reviewer has scored yet (the total lacks them).
    pub unscored: Vec<String>,
}

/// `max × num / den`, with `num` capped at `den`, rounded half up to a tenth; `den` 0 gives full
/// points (nothing was asked).
fn share(max: Tenths, num: u32, den: u32) -> Tenths {
    if den == 0 {
        return max;
    }
    let num = u64::from(num.min(den));
    let (max, den) = (u64::from(max), u64::from(den));
    ((2 * max * num + den) / (2 * den)) as Tenths
}

/// Scores one group's year under `scheme`.
pub fn score(scheme: &Scheme, ind: &Indicators, reviews: &[ReviewScore]) -> Scored {
    let mut criteria = Vec::with_capacity(scheme.criteria.len());
    let mut unscored = Vec::new();
    for c in &scheme.criteria {
        let max = c.points * 10;
        let ratio = |what: &str, num: u32, den: u32, unit: &str| -> (Tenths, String) {
            let p = share(max, num, den);
            let working = if den == 0 {
                format!("本年无{what}要求，计满分 {} 分", points_label(max))
            } else {
                format!(
                    "{what} {num}{unit} / {den}{unit}{} × {} 分 = {} 分",
                    if num > den {
                        "（超出按满额计）"
                    } else {
                        ""
                    },
                    c.points,
                    points_label(p)
                )
            };
            (p, working)
        };
        let counted = |what: &str, n: u32, unit: &str| -> (Tenths, String) {
            let full = c.full_at.unwrap_or(1).max(1);
            let p = share(max, n, full);
            (
                p,
                format!(
                    "{what} {n}{unit}，{full}{unit}及以上得满分：{} × {} 分 = {} 分",
                    if n >= full {
                        "1".to_string()
                    } else {
                        format!("{n}/{full}")
                    },
                    c.points,
                    points_label(p)
                ),
            )
        };
        let (points, working) = match c.indicator {
            Indicator::RulesMet => {
                ratio("方案要求符合", ind.rules_met, ind.rules_applicable, " 项")
            }
            Indicator::OnsiteDays => {
                ratio("驻镇(村)服务", ind.onsite_days, ind.onsite_required, " 天")
            }
            Indicator::Meetings => ratio("联席会议", ind.meetings, ind.meetings_required, " 次"),
            Indicator::ReportsOnTime => {
                ratio("月报按时报送", ind.reports_on_time, ind.reports_due, " 份")
            }
            Indicator::Projects => counted("本年合作项目", ind.projects, " 个"),
            Indicator::ProjectsDone => counted("本年完成的合作项目", ind.projects_done, " 个"),
            Indicator::Areas => counted("开展项目的合作领域", ind.areas.len() as u32, " 个"),
            Indicator::CasesPublished => counted("发布典型案例和新闻", ind.cases_published, " 篇"),
            Indicator::Review => {
                let mine: Vec<&ReviewScore> =
                    reviews.iter().filter(|r| r.criterion == c.code).collect();
                if mine.is_empty() {
                    unscored.push(c.label.clone());
                    (0, "尚无评审评分".to_string())
                } else {
                    let sum: u32 = mine.iter().map(|r| r.points.min(max)).sum();
                    let n = mine.len() as u32;
                    // The mean, rounded half up to a tenth.
                    let p = (2 * sum + n) / (2 * n);
                    let each: Vec<String> = mine
                        .iter()
                        .map(|r| format!("{} {}", r.reviewer, points_label(r.points)))
                        .collect();
                    (
                        p,
                        format!(
                            "评审 {n} 人评分（{}）的平均 = {} 分",
                            each.join("、"),
                            points_label(p)
                        ),
                    )
                }
            }
        };
        criteria.push(CriterionPoints {
            code: c.code.clone(),
            label: c.label.clone(),
            indicator: c.indicator,
            max,
            points,
            working,
        });
    }
    let total: Tenths = criteria.iter().map(|c| c.points).sum();
    let grade = scheme
        .grades
        .iter()
        .find(|g| total >= g.min * 10)
        .map(|g| g.name.clone());
    Scored {
        criteria,
        total,
        full: scheme.full_points() * 10,
        grade,
        unscored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> Scheme {
        let c = |code: &str, indicator, points, full_at| Criterion {
            code: code.into(),
            label: code.into(),
            indicator,
            points,
            full_at,
        };
        Scheme {
            first_year: 2024,
            criteria: vec![
                c("rules", Indicator::RulesMet, 30, None),
                c("onsite", Indicator::OnsiteDays, 15, None),
                c("cases", Indicator::CasesPublished, 5, Some(2)),
                c("review", Indicator::Review, 20, None),
            ],
            grades: vec![
                GradeBand {
                    name: "优秀".into(),
                    min: 60,
                },
                GradeBand {
                    name: "合格".into(),
                    min: 30,
                },
                GradeBand {
                    name: "不合格".into(),
                    min: 0,
                },
            ],
        }
    }

    fn review(reviewer: &str, points: Tenths) -> ReviewScore {
        ReviewScore {
            reviewer: reviewer.into(),
            criterion: "review".into(),
            points,
            comment: "好".into(),
        }
    }

    #[test]
    fn each_criterion_gives_its_share_and_the_total_its_grade() {
        let ind = Indicators {
            rules_met: 7,
            rules_applicable: 9,
            onsite_days: 45,
            onsite_required: 90,
            cases_published: 1,
            ..Indicators::default()
        };
        let s = score(&scheme(), &ind, &[review("甲", 160), review("乙", 175)]);
        let points: Vec<Tenths> = s.criteria.iter().map(|c| c.points).collect();
        // 30 × 7/9 = 23.33 → 23.3; 15 × 45/90 = 7.5; 5 × 1/2 = 2.5; (16 + 17.5) / 2 = 16.75 → 16.8.
        assert_eq!(points, vec![233, 75, 25, 168]);
        assert_eq!(s.total, 501);
        assert_eq!(s.full, 700);
        assert_eq!(s.grade.as_deref(), Some("合格"));
        assert!(s.unscored.is_empty());
        assert_eq!(
            s.criteria[1].working,
            "驻镇(村)服务 45 天 / 90 天 × 15 分 = 7.5 分"
        );
        assert!(
            s.criteria[3].working.contains("甲 16.0"),
            "{}",
            s.criteria[3].working
        );
    }

    #[test]
    fn more_than_asked_is_capped_and_nothing_asked_is_full() {
        let ind = Indicators {
            rules_met: 0,
            rules_applicable: 0,
            onsite_days: 200,
            onsite_required: 90,
            cases_published: 5,
            ..Indicators::default()
        };
        let s = score(&scheme(), &ind, &[]);
        let points: Vec<Tenths> = s.criteria.iter().map(|c| c.points).collect();
        assert_eq!(points, vec![300, 150, 50, 0]);
        assert_eq!(s.unscored, vec!["review".to_string()]);
        // 30 + 15 + 5 + 0 = 50: at least 30, under 60.
        assert_eq!(s.total, 500);
        assert_eq!(s.grade.as_deref(), Some("合格"));
        assert!(s.criteria[1].working.contains("超出按满额计"));
    }

    #[test]
    fn scores_parse_to_tenths() {
        assert_eq!(parse_points("12"), Some(120));
        assert_eq!(parse_points(" 12.5 "), Some(125));
        assert_eq!(parse_points("0"), Some(0));
        for bad in ["", "-1", "1.25", "abc", "1e3", ".5", "12345"] {
            assert_eq!(parse_points(bad), None, "{bad}");
        }
        assert_eq!(points_label(168), "16.8");
    }

    #[test]
    fn a_broken_scheme_names_each_field() {
        let mut s = scheme();
        s.criteria[0].code = "Rules!".into();
        s.criteria[2].full_at = None;
        s.criteria[1].full_at = Some(3);
        s.grades[1].min = 80;
        let p = s.problems().join("\n");
        assert!(p.contains("第 1 项 code"), "{p}");
        assert!(p.contains("第 3 项 full_at"), "{p}");
        assert!(p.contains("第 2 项 full_at"), "{p}");
        assert!(p.contains("grades 第 2 项 min"), "{p}");
        assert!(scheme().problems().is_empty());
    }
}
