//! The plan (行动方案) as data: every number of the plan is a parameter in a TOML file, so another
//! city's or year's plan is a new file, not new code. The Dongguan 2023 plan is the built-in preset.

use serde::{Deserialize, Serialize};

/// A plan file, as shipped in `presets/*/plan.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub code: String,
    pub name: String,
    pub doc_no: String,
    /// The notice's date, `YYYY-MM-DD`.
    pub issued_on: String,
    /// When the pairing groups of this plan start, `YYYY-MM-DD`.
    pub group_start: String,
    /// First month a monthly report is due, `YYYY-MM` (五(三)).
    pub report_start_month: String,
    pub targets: Targets,
    pub region: PlanRegion,
    pub organisations: PlanOrganisations,
    pub rules: RuleParams,
}

/// 二: 2023 pairing, 2025 diversified cooperation, 2027 significant results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub pairing_year: i32,
    pub diversified_year: i32,
    pub significant_year: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanRegion {
    pub province: String,
    pub city: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanOrganisations {
    pub bureau: String,
    pub hq: String,
    pub universities: Vec<String>,
    pub vocational_schools: Vec<String>,
    /// 三(五): universities whose teaching is mainly medical (办学以医学为主).
    #[serde(default)]
    pub medical_focused: Vec<String>,
}

/// The rule parameters of SPEC §5 (defaults are the Dongguan 2023 values).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleParams {
    /// 四(二): the tripartite agreement is signed within this many calendar months.
    pub agreement_months: u32,
    /// 四(一): minimum team size.
    pub team_min_members: u32,
    /// 四(一): minimum title of ordinary members.
    pub team_min_title: String,
    /// 四(二): on-site service days per calendar year ("不少于3个月").
    pub onsite_min_days: u32,
    /// Whether only days confirmed by the town or village count.
    pub onsite_requires_confirmation: bool,
    /// 三(一): practice bases per group.
    pub bases_min: u32,
    /// 五(一): joint meetings per calendar year.
    pub meetings_min: u32,
    /// 五(一): "及时" — days within which a major matter reaches HQ (a local setting).
    pub escalation_days: u32,
    /// 五(三): reports are due by this day of the month, Asia/Shanghai.
    pub report_due_day: u32,
    /// 五(四): case or news items per group and year (advisory).
    pub publicity_min_items: u32,
    /// Largest attachment accepted, in MB.
    pub attachment_max_mb: u32,
}

impl PlanFile {
    pub fn parse(text: &str) -> Result<Self, String> {
        let plan: PlanFile = toml::from_str(text).map_err(|e| format!("方案文件格式错误：{e}"))?;
        plan.validate()?;
        Ok(plan)
    }

    fn validate(&self) -> Result<(), String> {
        for (field, value) in [
            ("issued_on", &self.issued_on),
            ("group_start", &self.group_start),
        ] {
            if value.parse::<jiff::civil::Date>().is_err() {
                return Err(format!("方案文件 {field}：“{value}”不是 YYYY-MM-DD 日期"));
            }
        }
        if jiff::civil::Date::strptime("%Y-%m-%d", format!("{}-01", self.report_start_month))
            .is_err()
        {
            return Err(format!(
                "方案文件 report_start_month：“{}”不是 YYYY-MM 月份",
                self.report_start_month
            ));
        }
        if !(1..=28).contains(&self.rules.report_due_day) {
            return Err("方案文件 rules.report_due_day：应在 1–28 之间，每个月都有这一天".into());
        }
        if crate::domain::team::Title::parse(&self.rules.team_min_title).is_none() {
            return Err(format!(
                "方案文件 rules.team_min_title：“{}”不是职称（正高级、副高级、中级、初级、无）",
                self.rules.team_min_title
            ));
        }
        if self.rules.team_min_members == 0 || self.rules.agreement_months == 0 {
            return Err("方案文件 rules：队伍人数和协议期限必须大于 0".into());
        }
        Ok(())
    }
}

/// One rule of the plan, with the clause it comes from (SPEC §5). The platform shows the clause
/// next to every verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub clause: &'static str,
    pub title: &'static str,
    pub advisory: bool,
}

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "pairing",
        clause: "二",
        title: "每所学校至少结对 1 个镇(街道)、1 个村(社区)",
        advisory: false,
    },
    RuleInfo {
        id: "agreement",
        clause: "四(二)",
        title: "1 个月内签署三方合作协议",
        advisory: false,
    },
    RuleInfo {
        id: "team-size",
        clause: "四(一)",
        title: "服务工作队不少于 6 人",
        advisory: false,
    },
    RuleInfo {
        id: "team-captain",
        clause: "四(一)",
        title: "队长由签约高校 1 名校级领导担任",
        advisory: false,
    },
    RuleInfo {
        id: "team-vice",
        clause: "四(一)",
        title: "副队长由签约中职学校 1 名校级领导担任",
        advisory: false,
    },
    RuleInfo {
        id: "team-title",
        clause: "四(一)",
        title: "其他队员为中级以上职称的专业教职工",
        advisory: false,
    },
    RuleInfo {
        id: "onsite",
        clause: "四(二)",
        title: "每年累计驻镇(村)服务不少于 3 个月",
        advisory: false,
    },
    RuleInfo {
        id: "base",
        clause: "三(一)",
        title: "共同建设 1 个乡村建设实践基地",
        advisory: false,
    },
    RuleInfo {
        id: "meetings",
        clause: "五(一)",
        title: "每年至少召开 2 次联席会议",
        advisory: false,
    },
    RuleInfo {
        id: "annual-plan",
        clause: "五(一)",
        title: "联席会议讨论和决定年度合作计划",
        advisory: false,
    },
    RuleInfo {
        id: "escalation",
        clause: "五(一)",
        title: "重大事项及时向市指挥部报告",
        advisory: false,
    },
    RuleInfo {
        id: "monthly-report",
        clause: "五(三)",
        title: "每月 28 日前报送进展情况",
        advisory: false,
    },
    RuleInfo {
        id: "evaluation",
        clause: "五(三)",
        title: "每年开展结对情况评价",
        advisory: false,
    },
    RuleInfo {
        id: "medical-extra",
        clause: "三(五)",
        title: "医学为主的学校适当增加签约镇村数量",
        advisory: true,
    },
    RuleInfo {
        id: "publicity",
        clause: "五(四)",
        title: "宣传推广，树立典型案例",
        advisory: true,
    },
];

impl RuleParams {
    /// The parameter a rule reads, in words, for the plan page.
    pub fn describe(&self, rule_id: &str) -> String {
        match rule_id {
            "agreement" => format!("{} 个月（到期日为当月末时取月末）", self.agreement_months),
            "team-size" => format!("≥ {} 人", self.team_min_members),
            "team-title" => format!("{}及以上", self.team_min_title),
            "onsite" => format!(
                "≥ {} 天/年，年内部分时间结对的按比例折算{}",
                self.onsite_min_days,
                if self.onsite_requires_confirmation {
                    "；仅计镇村确认的天数"
                } else {
                    ""
                }
            ),
            "base" => format!("≥ {} 个", self.bases_min),
            "meetings" => format!("≥ {} 次/年", self.meetings_min),
            "escalation" => format!("{} 天内", self.escalation_days),
            "monthly-report" => format!("每月 {} 日（北京时间）前", self.report_due_day),
            "publicity" => format!("≥ {} 篇/年（倡导）", self.publicity_min_items),
            _ => "—".to_string(),
        }
    }
}

/// The built-in Dongguan 2023 preset.
pub const DONGGUAN_2023_PLAN: &str = include_str!("../../presets/dongguan-2023/plan.toml");
pub const DONGGUAN_2023_PAIRINGS: &str = include_str!("../../presets/dongguan-2023/pairings.csv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dongguan_preset_holds_the_plan_numbers() {
        let plan = PlanFile::parse(DONGGUAN_2023_PLAN).unwrap();
        assert_eq!(plan.doc_no, "东教通〔2023〕15号");
        assert_eq!(plan.issued_on, "2023-12-29");
        assert_eq!(plan.report_start_month, "2024-01");
        assert_eq!(plan.organisations.universities.len(), 8);
        assert_eq!(plan.organisations.vocational_schools.len(), 10);
        assert_eq!(
            plan.organisations.medical_focused,
            vec!["广东医科大学".to_string()]
        );
        let r = &plan.rules;
        assert_eq!(
            (
                r.agreement_months,
                r.team_min_members,
                r.onsite_min_days,
                r.bases_min,
                r.meetings_min
            ),
            (1, 6, 90, 1, 2)
        );
        assert_eq!(
            (r.escalation_days, r.report_due_day, r.publicity_min_items),
            (7, 28, 1)
        );
        assert_eq!(r.team_min_title, "中级");
    }

    #[test]
    fn a_bad_plan_file_is_refused_with_the_field() {
        let bad =
            DONGGUAN_2023_PLAN.replace("issued_on = \"2023-12-29\"", "issued_on = \"2023-13-29\"");
        assert!(PlanFile::parse(&bad).unwrap_err().contains("issued_on"));
        let bad = DONGGUAN_2023_PLAN.replace("report_due_day = 28", "report_due_day = 31");
        assert!(
            PlanFile::parse(&bad)
                .unwrap_err()
                .contains("report_due_day")
        );
    }
}
