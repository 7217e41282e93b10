//! The plan (行动方案) as data: every number of the plan is a parameter in a TOML file, so another
//! city's or year's plan is a new file, not new code. The Dongguan 2023 plan is the built-in preset.
//!
//! A plan file is parsed and validated once, into a typed [`Plan`]; nothing reads its text again,
//! and rule titles are built from its numbers (no number of the plan is repeated in code).

use crate::domain::org::MemberRole;
use crate::domain::rules::RuleId;
use crate::domain::team::Title;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A plan file, as shipped in `presets/*/plan.toml`, typed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub code: String,
    pub name: String,
    pub doc_no: String,
    /// The notice's date.
    pub issued_on: Date,
    /// When the pairing groups of this plan start.
    pub group_start: Date,
    /// First month a monthly report is due (五(三)).
    pub report_start_month: Month,
    pub targets: Targets,
    pub region: PlanRegion,
    pub organisations: PlanOrganisations,
    /// 三(一)–(六): the areas of cooperation, each with the outcome figures its projects record.
    pub areas: Vec<Area>,
    pub rules: RuleParams,
    /// 五(三) 年度评价: criteria, points and grade bands (the document names none; plan files
    /// written before evaluations were scored get [`standard_evaluation`]).
    #[serde(default = "standard_evaluation")]
    pub evaluation: crate::domain::evaluation::Scheme,
    /// Each rule's clause and its words in the founding document, by rule id (`team-size`).
    /// Every rule of [`RuleId::ALL`] must have one; checked by [`Plan::parse`].
    #[serde(default)]
    pub rule_text: BTreeMap<String, RuleText>,
}

/// A rule as the founding document has it: its clause (四(一)) and its words, quoted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    /// Optional while reading, so a missing one is named by the validation (缺少条款).
    #[serde(default)]
    pub clause: String,
    #[serde(default)]
    pub text: String,
}

/// One area of cooperation (三 lists six) and the outcome figures of its projects.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// 1 for 三(一), 2 for 三(二), …
    pub number: u8,
    pub name: String,
    pub outcomes: Vec<OutcomeField>,
}

/// A figure a project of an area records ("培训人数 人"); progress updates add to it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutcomeField {
    /// Stable name in storage, exports and the API (`people_trained`).
    pub code: String,
    /// What users read (培训人数).
    pub label: String,
    /// The unit shown after a count (人, 场, 份), or 元 for money.
    pub unit: String,
    #[serde(default)]
    pub kind: OutcomeKind,
}

impl OutcomeField {
    /// Its column heading in a sheet: "培训人数（人）".
    pub fn heading(&self) -> String {
        format!("{}（{}）", self.label, self.unit)
    }
}

/// How an outcome figure is typed: a whole count, or money entered in yuan and kept in fen.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    #[default]
    Count,
    Money,
}

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i16,
    pub month: i8,
}

impl Month {
    pub fn parse(s: &str) -> Option<Self> {
        let d = Date::strptime("%Y-%m-%d", format!("{}-01", s.trim())).ok()?;
        Some(Self {
            year: d.year(),
            month: d.month(),
        })
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("a parsed month")
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("“{s}”不是 YYYY-MM 月份")))
    }
}

fn title_from_label<'de, D: Deserializer<'de>>(d: D) -> Result<Title, D::Error> {
    let s = String::deserialize(d)?;
    Title::parse(&s).ok_or_else(|| {
        serde::de::Error::custom(format!("“{s}”不是职称（正高级、副高级、中级、初级、无）"))
    })
}

fn title_to_label<S: Serializer>(t: &Title, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.label())
}

/// 四(二) "三方合作协议": by default every member organisation of the group signs.
fn every_member_role() -> Vec<MemberRole> {
    MemberRole::ALL.to_vec()
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

/// The rule parameters of SPEC §5 (the Dongguan 2023 values are in its preset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleParams {
    /// The first calendar year the annual rules (team, on-site service, base, meetings, reports)
    /// apply: the year before is for signing and setting up (二).
    pub annual_rules_from_year: i16,
    /// 四(二): the tripartite agreement is signed within this many calendar months.
    pub agreement_months: u32,
    /// 四(二): the member roles whose organisations must sign (default: every member).
    #[serde(default = "every_member_role")]
    pub agreement_signers: Vec<MemberRole>,
    /// 四(一): minimum team size.
    pub team_min_members: u32,
    /// 四(一): minimum title of ordinary members.
    #[serde(
        deserialize_with = "title_from_label",
        serialize_with = "title_to_label"
    )]
    pub team_min_title: Title,
    /// Days in a year a team may fall short of 四(一) (time to replace someone) and still meet it.
    pub team_grace_days: u32,
    /// 四(二): on-site service days per calendar year ("不少于3个月").
    pub onsite_min_days: u32,
    /// Whether only days confirmed by the town or village count.
    pub onsite_requires_confirmation: bool,
    /// 三(一): practice bases per group.
    pub bases_min: u32,
    /// 五(一): joint meetings per calendar year.
    pub meetings_min: u32,
    /// 五(一): "及时" — days within which a major matter reaches HQ (a local setting); plan
    /// files written before the rule was judged leave it out and get 7.
    #[serde(default = "seven_days")]
    pub escalation_days: u32,
    /// 四(二): an unsigned agreement shows as 即将到期 from this many days before its deadline
    /// (a local setting; plan files written before it get 7).
    #[serde(default = "seven_days")]
    pub agreement_due_soon_days: u32,
    /// 五(三): reports are due by this day of the month, Asia/Shanghai.
    pub report_due_day: u32,
    /// Which month a report covers: 0 = the month it is due in; 1 = the month before.
    #[serde(default)]
    pub report_month_offset: u32,
    /// New submissions close at the end of this many days after the due day (then the report
    /// stays 未报; the bureau may still accept a paper copy).
    #[serde(default = "thirty_days")]
    pub report_close_days: u32,
    /// Reminders go to schools that have not submitted this many days before the due day.
    #[serde(default = "three_days")]
    pub reminder_days_before: u32,
    /// 五(四): case or news items per group and year (advisory).
    pub publicity_min_items: u32,
    /// 三(五) "适当增加签约镇(街道)、村(社区)数量": the towns a medical-focused university is
    /// advised to pair with (advisory; a local setting; plan files written before it get 2).
    #[serde(default = "two")]
    pub medical_extra_min_towns: u32,
    /// 五(三) "每年组织开展结对情况评价": days after a year ends by which its evaluation is
    /// recorded (a local setting; plan files written before it get 90).
    #[serde(default = "ninety_days")]
    pub evaluation_due_days: u32,
    /// Largest attachment accepted, in MB.
    pub attachment_max_mb: u32,
}

fn seven_days() -> u32 {
    7
}

fn thirty_days() -> u32 {
    30
}

fn three_days() -> u32 {
    3
}

fn two() -> u32 {
    2
}

fn ninety_days() -> u32 {
    90
}

/// The evaluation of a plan file that has no `[evaluation]`: the Dongguan preset's.
pub fn standard_evaluation() -> crate::domain::evaluation::Scheme {
    #[derive(Deserialize)]
    struct Only {
        evaluation: crate::domain::evaluation::Scheme,
    }
    let text = DONGGUAN_2023_PLAN;
    let start = text
        .find("[evaluation]")
        .expect("the Dongguan preset has an [evaluation]");
    // The preset's last table: the rest of the file is the evaluation.
    toml::from_str::<Only>(&text[start..])
        .expect("the Dongguan preset's evaluation parses")
        .evaluation
}

impl Plan {
    /// Parses and validates a plan file; the message names the field at fault (every problem
    /// found, one a line).
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::check(text).map_err(|problems| problems.join("\n"))
    }

    /// Parses and validates a plan file, listing every problem found (a file that is not valid
    /// TOML has just one: where reading stopped).
    pub fn check(text: &str) -> Result<Self, Vec<String>> {
        let plan: Plan = toml::from_str(text).map_err(|e| vec![explain_toml_error(text, &e)])?;
        let problems = plan.problems();
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(problems)
        }
    }

    /// Every rule the plan file breaks, each naming its field.
    fn problems(&self) -> Vec<String> {
        let r = &self.rules;
        let mut out = Vec::new();
        // (field, value, lowest, highest, what it is)
        let ranges: [(&str, u32, u32, u32, &str); 14] = [
            (
                "agreement_months",
                r.agreement_months,
                1,
                24,
                "协议签署期限（月）",
            ),
            (
                "team_min_members",
                r.team_min_members,
                1,
                100,
                "服务工作队最少人数",
            ),
            (
                "team_grace_days",
                r.team_grace_days,
                0,
                365,
                "队伍不足的宽限天数",
            ),
            (
                "onsite_min_days",
                r.onsite_min_days,
                0,
                366,
                "每年驻镇(含驻村)服务天数",
            ),
            ("bases_min", r.bases_min, 0, 20, "实践基地数"),
            ("meetings_min", r.meetings_min, 0, 24, "每年联席会议次数"),
            (
                "escalation_days",
                r.escalation_days,
                1,
                365,
                "重大事项报告天数",
            ),
            (
                "agreement_due_soon_days",
                r.agreement_due_soon_days,
                0,
                365,
                "协议即将到期提示天数",
            ),
            (
                "report_due_day",
                r.report_due_day,
                1,
                28,
                "月报截止日（每个月都有这一天）",
            ),
            (
                "report_close_days",
                r.report_close_days,
                0,
                90,
                "截止后接收报送的天数",
            ),
            (
                "publicity_min_items",
                r.publicity_min_items,
                0,
                100,
                "每年宣传推广篇数",
            ),
            (
                "medical_extra_min_towns",
                r.medical_extra_min_towns,
                1,
                50,
                "医学为主学校建议结对的镇(街道)数",
            ),
            (
                "evaluation_due_days",
                r.evaluation_due_days,
                1,
                366,
                "年度评价的完成期限（天）",
            ),
            (
                "attachment_max_mb",
                r.attachment_max_mb,
                1,
                200,
                "附件大小上限（MB）",
            ),
        ];
        for (field, value, low, high, what) in ranges {
            if !(low..=high).contains(&value) {
                out.push(format!(
                    "方案文件 rules.{field}：{what}应在 {low}–{high} 之间，现为 {value}"
                ));
            }
        }
        if r.report_month_offset > 1 {
            out.push(
                "方案文件 rules.report_month_offset：应为 0（报送当月）或 1（报送上月）".into(),
            );
        }
        if r.reminder_days_before == 0 || r.reminder_days_before >= r.report_due_day {
            out.push(format!(
                "方案文件 rules.reminder_days_before：应在 1 到 {} 之间（早于报送截止日、晚于月初）",
                r.report_due_day.saturating_sub(1)
            ));
        }
        if r.agreement_signers.is_empty() {
            out.push("方案文件 rules.agreement_signers：至少要有一类签约方".into());
        }
        if let Err(e) = self.validate_areas() {
            out.push(e);
        }
        if r.annual_rules_from_year < self.group_start.year() {
            out.push(format!(
                "方案文件 rules.annual_rules_from_year：{} 早于结对开始的年份 {}",
                r.annual_rules_from_year,
                self.group_start.year()
            ));
        }
        out.extend(self.rule_text_problems());
        out.extend(self.evaluation.problems());
        if self.evaluation.first_year < r.annual_rules_from_year {
            out.push(format!(
                "方案文件 evaluation.first_year：{} 早于 rules.annual_rules_from_year {}（此前为签约、组建之年，不评价）",
                self.evaluation.first_year, r.annual_rules_from_year
            ));
        }
        out
    }

    /// `rule_text`: only known rule ids, and every rule with its clause and its words.
    fn rule_text_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for id in self.rule_text.keys() {
            if RuleId::parse(id).is_none() {
                out.push(format!(
                    "方案文件 rule_text.{id}：没有编号为“{id}”的规则（可用：{}）",
                    RuleId::ALL.map(|r| r.as_str()).join("、")
                ));
            }
        }
        for rule in RuleId::ALL {
            let t = self.rule_text.get(rule.as_str());
            if t.is_none_or(|t| t.clause.trim().is_empty()) {
                out.push(format!(
                    "方案文件 rule_text.{rule}：缺少条款（clause），如 clause = \"{}\"",
                    rule.clause()
                ));
            }
            if t.is_none_or(|t| t.text.trim().is_empty()) {
                out.push(format!("方案文件 rule_text.{rule}：缺少方案原文（text）"));
            }
        }
        out
    }

    /// The clause of the founding document a rule comes from (四(一)), as this plan gives it.
    pub fn rule_clause(&self, rule: RuleId) -> &str {
        self.rule_text
            .get(rule.as_str())
            .map_or(rule.clause(), |t| t.clause.as_str())
    }

    /// The rule's words in the founding document, quoted ("" only for a plan not yet checked).
    pub fn rule_wording(&self, rule: RuleId) -> &str {
        self.rule_text
            .get(rule.as_str())
            .map_or("", |t| t.text.as_str())
    }

    /// Areas are numbered 1, 2, … in order; every outcome code is a lowercase identifier used once
    /// in the whole plan (exports and the API name figures by code alone).
    fn validate_areas(&self) -> Result<(), String> {
        if self.areas.is_empty() {
            return Err("方案文件 areas：至少要有一个合作领域".into());
        }
        let mut codes = std::collections::HashSet::new();
        for (i, area) in self.areas.iter().enumerate() {
            if usize::from(area.number) != i + 1 {
                return Err(format!(
                    "方案文件 areas：第 {} 个合作领域的 number 应为 {}",
                    i + 1,
                    i + 1
                ));
            }
            if area.name.trim().is_empty() {
                return Err(format!("方案文件 areas：领域 {} 缺少 name", area.number));
            }
            for f in &area.outcomes {
                let ok = !f.code.is_empty()
                    && f.code.len() <= 40
                    && f.code.starts_with(|c: char| c.is_ascii_lowercase())
                    && f.code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !ok {
                    return Err(format!(
                        "方案文件 areas.outcomes.code：“{}”应为小写英文字母、数字和下划线",
                        f.code
                    ));
                }
                if !codes.insert(f.code.as_str()) {
                    return Err(format!(
                        "方案文件 areas.outcomes.code：“{}”重复出现",
                        f.code
                    ));
                }
                if f.label.trim().is_empty() || f.unit.trim().is_empty() {
                    return Err(format!(
                        "方案文件 areas.outcomes：“{}”缺少 label 或 unit",
                        f.code
                    ));
                }
            }
        }
        Ok(())
    }

    /// The area with this number (1-based), if the plan has it.
    pub fn area(&self, number: i64) -> Option<&Area> {
        self.areas.iter().find(|a| i64::from(a.number) == number)
    }

    /// The outcome figure with this code and the area it belongs to.
    pub fn outcome(&self, code: &str) -> Option<(&Area, &OutcomeField)> {
        self.areas
            .iter()
            .find_map(|a| a.outcomes.iter().find(|f| f.code == code).map(|f| (a, f)))
    }

    /// The rule as the plan words it, with this plan's numbers.
    pub fn rule_title(&self, rule: RuleId) -> String {
        let r = &self.rules;
        match rule {
            RuleId::Pairing => "每所学校至少结对 1 个镇(街道)、1 个村(社区)".into(),
            RuleId::Agreement => format!("{} 个月内签署三方合作协议", r.agreement_months),
            RuleId::TeamSize => format!("服务工作队不少于 {} 人", r.team_min_members),
            RuleId::TeamCaptain => "队长由签约高校 1 名校级领导担任".into(),
            RuleId::TeamVice => "副队长由签约中职学校 1 名校级领导担任".into(),
            RuleId::TeamTitle => format!(
                "其他队员为{}及以上职称的专业教职工",
                r.team_min_title.label()
            ),
            RuleId::Onsite => format!("每年累计驻镇(含驻村)服务不少于 {} 天", r.onsite_min_days),
            RuleId::Base => format!("共同建设 {} 个乡村建设实践基地", r.bases_min),
            RuleId::Meetings => format!("每年至少召开 {} 次联席会议", r.meetings_min),
            RuleId::AnnualPlan => "联席会议讨论和决定年度合作计划".into(),
            RuleId::Escalation => format!("重大事项 {} 天内直接向市指挥部报告", r.escalation_days),
            RuleId::MonthlyReport => format!("每月 {} 日前报送进展情况", r.report_due_day),
            RuleId::Evaluation => "每年开展结对情况评价".into(),
            RuleId::MedicalExtra => "医学为主的学校适当增加签约镇村数量".into(),
            RuleId::Publicity => format!(
                "每年宣传推广不少于 {} 篇典型案例或新闻",
                r.publicity_min_items
            ),
        }
    }

    /// What `xiaodi plan check` says of a valid plan (and the plan page before loading it): a
    /// line saying it is valid with its name and main numbers, then every rule with its clause.
    pub fn summary(&self) -> String {
        let r = &self.rules;
        let mut out = format!(
            "方案文件有效：{}（{}），{} 个合作领域、{} 条规则；年度规则自 {} 年起检查，月报自 {} 起每月 {} 日前报送\n",
            self.name,
            self.doc_no,
            self.areas.len(),
            RuleId::ALL.len(),
            r.annual_rules_from_year,
            self.report_start_month,
            r.report_due_day
        );
        for rule in RuleId::ALL {
            out.push_str(&format!(
                "  {}（{}）{}\n",
                self.rule_clause(rule),
                rule,
                self.rule_title(rule)
            ));
        }
        out
    }

    /// The parameter a rule reads, in words, for the plan page.
    pub fn describe(&self, rule: RuleId) -> String {
        let r = &self.rules;
        let annual = |s: String| format!("{s}；自 {} 年起检查", r.annual_rules_from_year);
        match rule {
            RuleId::Agreement => format!(
                "{} 个月（到期日为当月末时取月末）；须签署：{}；后加入的单位自加入起同样期限签署补充协议；到期前 {} 天起提示即将到期",
                r.agreement_months,
                r.agreement_signers
                    .iter()
                    .map(|m| m.label())
                    .collect::<Vec<_>>()
                    .join("、"),
                r.agreement_due_soon_days
            ),
            RuleId::TeamSize => annual(format!(
                "≥ {} 人；全年不足天数不超过 {} 天",
                r.team_min_members, r.team_grace_days
            )),
            RuleId::TeamCaptain | RuleId::TeamVice => annual(format!(
                "恰好 1 名；全年不足天数不超过 {} 天",
                r.team_grace_days
            )),
            RuleId::TeamTitle => annual(format!("{}及以上", r.team_min_title.label())),
            RuleId::Onsite => annual(format!(
                "≥ {} 天/年，年内部分时间结对的按比例折算{}",
                r.onsite_min_days,
                if r.onsite_requires_confirmation {
                    "；仅计镇村确认的天数"
                } else {
                    ""
                }
            )),
            RuleId::Base => annual(format!("≥ {} 个", r.bases_min)),
            RuleId::Meetings => annual(format!("≥ {} 次/年", r.meetings_min)),
            RuleId::Escalation => format!("{} 天内", r.escalation_days),
            RuleId::MonthlyReport => format!(
                "自 {} 起每月 {} 日 23:59:59（北京时间）前",
                self.report_start_month, r.report_due_day
            ),
            RuleId::Publicity => format!("≥ {} 篇/年（倡导）", r.publicity_min_items),
            RuleId::Evaluation => format!(
                "每个已结束的年度，于次年 {} 天内完成评价",
                r.evaluation_due_days
            ),
            RuleId::MedicalExtra => format!(
                "医学为主的学校建议结对不少于 {} 个镇(街道)（倡导）",
                r.medical_extra_min_towns
            ),
            _ => "—".to_string(),
        }
    }
}

/// A TOML error in words that name the field: a negative number says 不能为负数, a number too
/// large says so, anything else keeps the reader's own message with its line.
fn explain_toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message();
    let Some(span) = e.span() else {
        return format!("方案文件格式错误：{message}");
    };
    let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let table = text
        .lines()
        .take(line_no)
        .filter(|l| l.trim_start().starts_with('['))
        .last()
        .map(|l| l.trim().trim_matches(|c| c == '[' || c == ']').to_string());
    // The key nearest before the value on its line (in an inline table, the one inside it).
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let before = &text[line_start..span.start.min(text.len()).max(line_start)];
    let key = before
        .rfind('=')
        .map(|eq| &before[..eq])
        .or_else(|| line.split_once('=').map(|(k, _)| k))
        .and_then(|k| {
            k.rsplit(|c: char| c.is_whitespace() || c == '{' || c == ',')
                .find(|t| !t.is_empty())
        })
        .map(str::to_string)
        .filter(|k| !k.starts_with('#'));
    let field = match (table, key) {
        (Some(t), Some(k)) => format!("{t}.{k}"),
        (None, Some(k)) => k,
        (Some(t), None) => t,
        (None, None) => String::new(),
    };
    let value = &text[span.start.min(text.len())..span.end.min(text.len())];
    let is_integer_error = message.contains("invalid value: integer");
    if is_integer_error && value.trim_start().starts_with('-') {
        return format!(
            "方案文件 {field}（第 {line_no} 行）：不能为负数，现为 {}",
            value.trim()
        );
    }
    if is_integer_error {
        return format!(
            "方案文件 {field}（第 {line_no} 行）：数值 {} 超出允许范围",
            value.trim()
        );
    }
    if field.is_empty() {
        format!("方案文件格式错误（第 {line_no} 行）：{message}")
    } else {
        format!("方案文件格式错误（第 {line_no} 行，{field}）：{message}")
    }
}

/// A plan with the versions loaded for later years: the plan in force for year Y is the version
/// with the latest `from_year` ≤ Y (of two for the same year, the one loaded last), else the
/// original plan. Versions are only ever added.
#[derive(Debug, Clone)]
pub struct PlanYears {
    original: Arc<Plan>,
    /// Sorted by `from_year`, then in the order loaded.
    versions: Vec<(i16, Arc<Plan>)>,
}

impl PlanYears {
    /// `versions` as (from_year, plan) in the order they were loaded.
    pub fn new(original: Arc<Plan>, mut versions: Vec<(i16, Arc<Plan>)>) -> Self {
        versions.sort_by_key(|(y, _)| *y);
        Self { original, versions }
    }

    /// The plan as first loaded (what forms and labels read).
    pub fn original(&self) -> &Arc<Plan> {
        &self.original
    }

    /// The plan in force for calendar year `year`.
    pub fn for_year(&self, year: i16) -> &Arc<Plan> {
        self.versions
            .iter()
            .rev()
            .find(|(from, _)| *from <= year)
            .map_or(&self.original, |(_, p)| p)
    }

    /// The plan in force for a month: that of its year.
    pub fn for_month(&self, m: Month) -> &Plan {
        self.for_year(m.year)
    }
}

/// The built-in Dongguan 2023 preset.
pub const DONGGUAN_2023_PLAN: &str = include_str!("../../presets/dongguan-2023/plan.toml");
pub const DONGGUAN_2023_PAIRINGS: &str = include_str!("../../presets/dongguan-2023/pairings.csv");

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_dongguan_preset_holds_the_plan_numbers() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        assert_eq!(plan.doc_no, "东教通〔2023〕15号");
        assert_eq!(plan.issued_on, date(2023, 12, 29));
        assert_eq!(plan.report_start_month.to_string(), "2024-01");
        assert_eq!(plan.rules.annual_rules_from_year, 2024);
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
                r.meetings_min,
                r.team_grace_days,
            ),
            (1, 6, 90, 1, 2, 30)
        );
        assert_eq!(
            (r.escalation_days, r.report_due_day, r.publicity_min_items),
            (7, 28, 1)
        );
        assert_eq!(r.team_min_title, Title::Intermediate);
        let mut signers = r.agreement_signers.clone();
        signers.sort();
        assert_eq!(signers, MemberRole::ALL.to_vec(), "every member signs");
    }

    #[test]
    fn a_plan_file_without_escalation_days_gets_seven() {
        let old = DONGGUAN_2023_PLAN.replace("escalation_days = 7", "");
        assert!(!old.contains("escalation_days"));
        assert_eq!(Plan::parse(&old).unwrap().rules.escalation_days, 7);
        let five = DONGGUAN_2023_PLAN.replace("escalation_days = 7", "escalation_days = 5");
        assert_eq!(Plan::parse(&five).unwrap().rules.escalation_days, 5);
    }

    #[test]
    fn titles_carry_the_plan_numbers() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        assert_eq!(plan.rule_title(RuleId::TeamSize), "服务工作队不少于 6 人");
        let other = Plan::parse(
            &DONGGUAN_2023_PLAN
                .replace("team_min_members = 6", "team_min_members = 8")
                .replace("report_due_day = 28", "report_due_day = 25")
                .replace("team_min_title = \"中级\"", "team_min_title = \"副高级\""),
        )
        .unwrap();
        assert_eq!(other.rule_title(RuleId::TeamSize), "服务工作队不少于 8 人");
        assert_eq!(
            other.rule_title(RuleId::MonthlyReport),
            "每月 25 日前报送进展情况"
        );
        assert!(other.rule_title(RuleId::TeamTitle).contains("副高级及以上"));
        for id in RuleId::ALL {
            assert!(!other.rule_title(id).contains(" 6 人"), "{id:?}");
        }
    }

    /// What a migration appends to the stored preset (`plan_toml || '…'`).
    fn appended(migration: &str) -> &str {
        migration
            .split_once("plan_toml || '")
            .and_then(|(_, rest)| rest.split_once("'\nwhere"))
            .map(|(text, _)| text)
            .expect("the appended text")
    }

    /// The shipped preset without its [rule_text] tables (as stored before migration 0021).
    fn before_0021() -> &'static str {
        DONGGUAN_2023_PLAN
            .split_once("# 条款与原文")
            .map(|(head, _)| head)
            .unwrap()
    }

    /// The preset as stored by the version before these parameters, plus what migration 0005
    /// (then 0021) appends to it, parses to the shipped preset.
    #[test]
    fn migration_0005_completes_the_preset_stored_before() {
        let before: String = before_0021()
            .lines()
            .filter(|l| {
                ![
                    "annual_rules_from_year",
                    "team_grace_days",
                    "agreement_signers",
                ]
                .iter()
                .any(|k| l.starts_with(k))
                    && !l.starts_with("# 二: 2023")
                    && !l.starts_with("# apply from")
                    && !l.starts_with("# 四(二) 三方合作协议")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let rule_text = appended(include_str!(
            "../../migrations/sqlite/0021_plan_versions.sql"
        ));
        assert!(
            Plan::parse(&format!("{before}{rule_text}")).is_err(),
            "the old text lacks them"
        );
        for migration in [
            include_str!("../../migrations/sqlite/0005_plan_annual_rules.sql"),
            include_str!("../../migrations/postgres/0005_plan_annual_rules.sql"),
        ] {
            let after =
                Plan::parse(&format!("{before}{}{rule_text}", appended(migration))).unwrap();
            assert_eq!(after, Plan::parse(DONGGUAN_2023_PLAN).unwrap());
        }
    }

    /// The preset stored before clauses and wording were in plans, plus what migration 0021
    /// appends, parses to the shipped preset; a stored text that has them is left alone.
    #[test]
    fn migration_0021_gives_the_stored_preset_its_clauses_and_words() {
        let before = before_0021();
        let err = Plan::parse(before).unwrap_err();
        assert!(err.contains("rule_text.team-size：缺少条款"), "{err}");
        for migration in [
            include_str!("../../migrations/sqlite/0021_plan_versions.sql"),
            include_str!("../../migrations/postgres/0021_plan_versions.sql"),
        ] {
            assert!(migration.contains("not like '%[rule_text.%'"));
            let after = Plan::parse(&format!("{before}{}", appended(migration))).unwrap();
            assert_eq!(after, Plan::parse(DONGGUAN_2023_PLAN).unwrap());
            assert_eq!(after.rule_clause(RuleId::TeamSize), "四(一)");
        }
    }

    #[test]
    fn the_preset_names_six_areas_with_typed_outcome_figures() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        assert_eq!(plan.areas.len(), 6);
        assert_eq!(plan.area(3).unwrap().name, "深入融入人才兴镇");
        let (area, field) = plan.outcome("collective_income").unwrap();
        assert_eq!((area.number, field.kind), (4, OutcomeKind::Money));
        let (area, field) = plan.outcome("people_trained").unwrap();
        assert_eq!(
            (area.number, field.kind, field.unit.as_str()),
            (3, OutcomeKind::Count, "人")
        );
        assert!(plan.outcome("nonsense").is_none());
        assert!(plan.area(7).is_none());
    }

    /// The preset stored before areas existed, plus what migration 0014 appends, parses to the
    /// shipped preset.
    #[test]
    fn migration_0014_gives_the_stored_preset_its_areas() {
        let (head, rest) = DONGGUAN_2023_PLAN.split_once("# 三(一)–(六)").unwrap();
        let (_, rules) = rest.split_once("[rules]").unwrap();
        let before = format!("{head}[rules]{rules}");
        assert!(Plan::parse(&before).is_err(), "the old text lacks areas");
        for migration in [
            include_str!("../../migrations/sqlite/0014_projects.sql"),
            include_str!("../../migrations/postgres/0014_projects.sql"),
        ] {
            let appended = migration
                .split_once("plan_toml || '")
                .and_then(|(_, rest)| rest.split_once("'\nwhere"))
                .map(|(text, _)| text)
                .expect("the appended text");
            let after = Plan::parse(&format!("{before}{appended}")).unwrap();
            assert_eq!(after, Plan::parse(DONGGUAN_2023_PLAN).unwrap());
        }
    }

    #[test]
    fn a_bad_plan_file_is_refused_with_the_field() {
        let cases = [
            (
                "issued_on = \"2023-12-29\"",
                "issued_on = \"2023-13-29\"",
                "issued_on",
            ),
            (
                "report_due_day = 28",
                "report_due_day = 31",
                "report_due_day",
            ),
            (
                "team_min_title = \"中级\"",
                "team_min_title = \"高级\"",
                "team_min_title",
            ),
            (
                "report_start_month = \"2024-01\"",
                "report_start_month = \"2024-1x\"",
                "report_start_month",
            ),
            (
                "annual_rules_from_year = 2024",
                "annual_rules_from_year = 2022",
                "annual_rules_from_year",
            ),
            ("team_grace_days = 30", "", "team_grace_days"),
            ("number = 2\n", "number = 3\n", "areas"),
            (
                "code = \"survey_reports\"",
                "code = \"plans_delivered\"",
                "areas.outcomes.code",
            ),
            (
                "code = \"people_served\"",
                "code = \"People Served\"",
                "areas.outcomes.code",
            ),
            ("kind = \"money\"", "kind = \"euros\"", "kind"),
        ];
        for (from, to, field) in cases {
            let bad = DONGGUAN_2023_PLAN.replace(from, to);
            assert_ne!(bad, DONGGUAN_2023_PLAN, "{from}");
            let err = Plan::parse(&bad).unwrap_err();
            assert!(err.contains(field), "{field}: {err}");
        }
    }

    #[test]
    fn every_rule_has_its_clause_and_the_plans_words() {
        let plan = Plan::parse(DONGGUAN_2023_PLAN).unwrap();
        for rule in RuleId::ALL {
            assert_eq!(plan.rule_clause(rule), rule.clause(), "{rule}");
            let words = plan.rule_wording(rule);
            assert!(words.chars().count() > 10, "{rule}: {words}");
        }
        assert!(
            plan.rule_wording(RuleId::TeamSize)
                .contains("每队成员不少于6人")
        );
        assert!(
            plan.rule_wording(RuleId::MonthlyReport)
                .contains("每月28日前")
        );
        let other = Plan::parse(
            &DONGGUAN_2023_PLAN.replace("clause = \"三(一)\"", "clause = \"第三条第一款\""),
        )
        .unwrap();
        assert_eq!(other.rule_clause(RuleId::Base), "第三条第一款");
    }

    #[test]
    fn negative_and_out_of_range_numbers_name_the_field_in_words() {
        let err = Plan::parse(
            &DONGGUAN_2023_PLAN.replace("onsite_min_days = 90", "onsite_min_days = -5"),
        )
        .unwrap_err();
        assert!(err.contains("rules.onsite_min_days"), "{err}");
        assert!(err.contains("不能为负数"), "{err}");
        assert!(err.contains("-5"), "{err}");
        let err = Plan::parse(&DONGGUAN_2023_PLAN.replace("meetings_min = 2", "meetings_min = 99"))
            .unwrap_err();
        assert!(
            err.contains("rules.meetings_min") && err.contains("0–24"),
            "{err}"
        );
        let err = Plan::parse(
            &DONGGUAN_2023_PLAN.replace("team_min_members = 6", "team_min_members = 0"),
        )
        .unwrap_err();
        assert!(err.contains("rules.team_min_members"), "{err}");
        let err =
            Plan::parse(&DONGGUAN_2023_PLAN.replace("bases_min = 1", "bases_min = 99999999999"))
                .unwrap_err();
        assert!(
            err.contains("rules.bases_min") && err.contains("超出允许范围"),
            "{err}"
        );
    }

    #[test]
    fn every_problem_is_listed_with_its_rule() {
        let bad = DONGGUAN_2023_PLAN
            .replace(
                "[rule_text.base]\nclause = \"三(一)\"\n",
                "[rule_text.base]\n",
            )
            .replace("[rule_text.publicity]", "[rule_text.publicness]")
            .replace("meetings_min = 2", "meetings_min = 30");
        let problems = Plan::check(&bad).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("rule_text.base：缺少条款")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("rule_text.publicness")
                && p.contains("没有编号为“publicness”的规则")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("rule_text.publicity：缺少条款")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("rules.meetings_min")),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 5, "{problems:?}");
    }

    #[test]
    fn the_plan_in_force_for_a_year_is_the_latest_version_from_that_year_or_before() {
        let base = Arc::new(Plan::parse(DONGGUAN_2023_PLAN).unwrap());
        let with = |members: &str| {
            Arc::new(
                Plan::parse(&DONGGUAN_2023_PLAN.replace("team_min_members = 6", members)).unwrap(),
            )
        };
        let years = PlanYears::new(
            base.clone(),
            vec![
                (2027, with("team_min_members = 8")),
                (2026, with("team_min_members = 7")),
                (2027, with("team_min_members = 9")),
            ],
        );
        let members = |y: i16| years.for_year(y).rules.team_min_members;
        assert_eq!((members(2024), members(2025)), (6, 6));
        assert_eq!(members(2026), 7);
        assert_eq!(members(2027), 9, "of two for 2027, the one loaded last");
        assert_eq!(members(2030), 9);
        assert_eq!(years.original().rules.team_min_members, 6);
        let m = Month::parse("2026-05").unwrap();
        assert_eq!(years.for_month(m).rules.team_min_members, 7);
    }
}
