//! 操作手册: what each role does on the platform every month, every year and whenever the work
//! calls for it — each step with the page it is done on and the clause of the plan it comes from.
//! The guide's pages, its docx and the browser test that takes its screenshots all read this one
//! list, so a page that moves is corrected in one place. The numbers in the steps (the report's
//! due day, the on-site days, the team's size …) are the plan's own, read from its parameters.

use crate::domain::plan::Plan;
use crate::domain::user::Role;

/// When a step comes round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Monthly,
    Yearly,
    Anytime,
}

impl When {
    pub const ALL: [When; 3] = [When::Monthly, When::Yearly, When::Anytime];

    pub fn label(self) -> &'static str {
        match self {
            When::Monthly => "每月",
            When::Yearly => "每年",
            When::Anytime => "随时",
        }
    }
}

/// Stands in a step's page for one of the user's groups (`/groups/{组}/onsite`): the user
/// opens it from 结对组 or the workbench.
pub const GROUP_SLOT: &str = "{组}";

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What to do, in the user's words.
    pub what: String,
    /// The page it is done on: a path of the platform, with [`GROUP_SLOT`] for a group's pages.
    pub path: &'static str,
    /// The page as the user finds it (menu › tab).
    pub place: &'static str,
    /// The clause of the plan the step comes from (`五(三)`); for the three administrators, the
    /// clause of the security standard their duty comes from.
    pub clause: &'static str,
}

impl Step {
    /// A page the user can open as it is (no group to choose first).
    pub fn is_direct(&self) -> bool {
        !self.path.contains('{')
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub when: When,
    pub steps: Vec<Step>,
}

/// A picture of the page of a chapter's first steps, taken by the browser tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screenshot {
    /// Under `static/`: `guide/school.png`.
    pub file: String,
    /// The page shown (as [`Step::path`]).
    pub page: &'static str,
    /// What it shows (the image's alternative text and the docx's caption).
    pub caption: &'static str,
}

/// One role's chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub role: Role,
    /// The chapter's heading: who it is for.
    pub title: &'static str,
    /// What the role is responsible for, in a paragraph.
    pub duty: String,
    pub sections: Vec<Section>,
    pub screenshot: Screenshot,
}

impl Chapter {
    /// The chapter's address: `/guide/school`.
    pub fn href(&self) -> String {
        format!("/guide/{}", self.role.as_str())
    }

    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.sections.iter().flat_map(|s| s.steps.iter())
    }
}

/// The clause column's basis for the administrators: GB/T 22239-2019 (MLPS 2.0) level 3.
const MLPS_AUTH: &str = "等保 8.1.4.1";
const MLPS_ACCESS: &str = "等保 8.1.4.2";
const MLPS_AUDIT: &str = "等保 8.1.4.3";

fn step(
    what: impl Into<String>,
    path: &'static str,
    place: &'static str,
    clause: &'static str,
) -> Step {
    Step {
        what: what.into(),
        path,
        place,
        clause,
    }
}

fn section(when: When, steps: Vec<Step>) -> Section {
    Section { when, steps }
}

fn screenshot(role: Role, page: &'static str, caption: &'static str) -> Screenshot {
    Screenshot {
        file: format!("guide/{}.png", role.as_str()),
        page,
        caption,
    }
}

/// The whole guide: one chapter per role, in [`Role::ALL`]'s order.
pub fn chapters(plan: &Plan) -> Vec<Chapter> {
    Role::ALL.into_iter().map(|r| chapter(plan, r)).collect()
}

/// The chapters with `first` at the head (the reader's own), the others in their order.
pub fn chapters_for(plan: &Plan, first: Role) -> Vec<Chapter> {
    let mut all = chapters(plan);
    if let Some(i) = all.iter().position(|c| c.role == first) {
        let own = all.remove(i);
        all.insert(0, own);
    }
    all
}

/// Parses a chapter's address segment (`school`); None for anything else.
pub fn role_of(slug: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|r| r.as_str() == slug)
}

pub fn chapter(plan: &Plan, role: Role) -> Chapter {
    match role {
        Role::Bureau => bureau(plan),
        Role::Hq => hq(plan),
        Role::School => school(plan),
        Role::Town => town(plan),
        Role::Village => village(plan),
        Role::Sysadmin => sysadmin(),
        Role::Secadmin => secadmin(),
        Role::Auditor => auditor(),
    }
}

/// "本月" or "上月": which month a report covers (the plan's `report_month_offset`).
fn report_month(plan: &Plan) -> &'static str {
    if plan.rules.report_month_offset == 0 {
        "本月"
    } else {
        "上月"
    }
}

fn bureau(plan: &Plan) -> Chapter {
    let r = &plan.rules;
    Chapter {
        role: Role::Bureau,
        title: "市教育局",
        duty: format!(
            "市教育局统筹在莞高校、中职学校参与“百千万工程”的结对共建工作：建立和维护结对关系，\
             跟踪各结对组落实方案的情况，审核各校每月的进展报告，汇总整理后报市指挥部，并审核发布宣传案例。\
             月报自{}起报送。",
            plan.report_start_month.label()
        ),
        sections: vec![
            section(
                When::Monthly,
                vec![
                    step(
                        format!(
                            "查看各校{}月度进展报告的报送情况。报告应于每月{}日前报送；平台在截止日前{}天自动提醒尚未提交的学校，截止后仍未报送的标为未报。",
                            report_month(plan),
                            r.report_due_day,
                            r.reminder_days_before
                        ),
                        "/reports",
                        "月度报告",
                        "五(三)",
                    ),
                    step(
                        "逐份审核已提交的报告：内容属实的予以通过；需要修改的退回并写明意见，学校修改后重新提交。",
                        "/reports",
                        "月度报告",
                        "五(三)",
                    ),
                    step(
                        format!(
                            "截止日后{}天在线报送关闭；此后学校交来纸质报告的，在该报告页登记为纸质报送。",
                            r.report_close_days
                        ),
                        "/reports",
                        "月度报告",
                        "五(三)",
                    ),
                    step(
                        "生成当月的月度汇总：平台按各校报告和当月记录汇总报送情况和主要数据；补充工作亮点、存在问题和下步打算后，标记为已报送市指挥部，并导出 Word、Excel 文件存档。",
                        "/summaries",
                        "月度汇总",
                        "五(三)",
                    ),
                    step(
                        "处理学校的解锁申请：报告通过后所涉月份的记录即锁定，学校发现记录有误时提出申请，由市教育局准予或不予解锁。",
                        "/unlocks",
                        "解锁申请",
                        "五(三)",
                    ),
                    step(
                        "查看提醒的发送情况，企业微信、钉钉群机器人发送失败的可重新发送。",
                        "/reminders",
                        "提醒",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Yearly,
                vec![
                    step(
                        "在合规矩阵中按年度查看各结对组、各学校落实方案各项要求的情况，对未达到要求的督促整改。",
                        "/compliance",
                        "合规矩阵",
                        "五(三)",
                    ),
                    step(
                        "查阅市指挥部组织的年度结对情况评价结果和表彰名单（评价由市指挥部组织，市教育局查阅）。",
                        "/evaluations",
                        "年度评价",
                        "五(三)",
                    ),
                    step(
                        "查看统计图表，比较各组驻点服务、合作项目和经费的年度变化。",
                        "/charts",
                        "统计图表",
                        "五(三)",
                    ),
                    step(
                        "方案的要求有调整时，载入新的方案文件并指定自哪一年起适用；此前年度仍按原方案判定。",
                        "/plan",
                        "行动方案",
                        "二",
                    ),
                ],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        "导入签约结对关系安排表（平台启用时，或结对关系调整后），平台据此建立结对组及其成员单位。",
                        "/import/pairings",
                        "导入结对表",
                        "二",
                    ),
                    step(
                        "平台启用时，把此前在 Excel、Word 中记录的服务工作队、三方协议、驻点服务、实践基地、联席会议、工作协调小组、重大事项、合作项目、经费、年度合作计划、会议决定、表彰和各校月报按模板填入一个工作簿（协议扫描件、基地照片、会议材料和月报原件打包为 zip）做历史补录：先检查，无误后一次导入；月报按报送时间判定按时或逾期。",
                        "/import/history",
                        "导入结对表 › 历史补录",
                        "五(三)",
                    ),
                    step(
                        format!(
                            "审核各组提交的宣传案例和新闻：符合要求的发布到公开页面，需要修改的退回；已发布的可以撤下。方案倡导每组每年至少宣传{}篇。",
                            r.publicity_min_items
                        ),
                        "/cases",
                        "宣传案例",
                        "五(四)",
                    ),
                    step(
                        "查看各结对组的协议、工作队、驻点服务和实践基地等记录，必要时代为补录。",
                        "/groups",
                        "结对组",
                        "四(二)",
                    ),
                    step(
                        "为各单位设置企业微信或钉钉群机器人，月报提醒即推送到该单位的工作群。",
                        "/reminders/webhooks",
                        "提醒 › 群机器人",
                        "五(三)",
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::Bureau,
            "/reports",
            "月度报告：各校当月报告的报送和审核情况",
        ),
    }
}

fn hq(plan: &Plan) -> Chapter {
    let r = &plan.rules;
    Chapter {
        role: Role::Hq,
        title: "市“百千万工程”指挥部办公室",
        duty: "市指挥部办公室直接接收各结对组报告的重大事项，接收市教育局每月报送的汇总，\
               每年组织开展结对情况评价，对优秀集体和先进个人进行表彰，并根据评价情况动态调整结对关系。\
               市指挥部可查阅全部结对组的记录。"
            .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![
                    step(
                        "处理各结对组直接报告的重大事项：逐项确认收到，并给予答复。",
                        "/matters",
                        "重大事项",
                        "五(一)",
                    ),
                    step(
                        "查阅市教育局报送的月度汇总，可导出 Word、Excel 文件存档。",
                        "/summaries",
                        "月度汇总",
                        "五(三)",
                    ),
                    step(
                        "在合规矩阵中查看各结对组落实方案各项要求的情况。",
                        "/compliance",
                        "合规矩阵",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Yearly,
                vec![
                    step(
                        format!(
                            "年度结束后组织结对情况评价：打开该年度的评价，指定评审人。评价宜在年度结束后{}天内完成。",
                            r.evaluation_due_days
                        ),
                        "/evaluations",
                        "年度评价",
                        "五(三)",
                    ),
                    step(
                        "评审人逐组填写评审评分；其余指标由平台按当年的记录计算得分。",
                        "/evaluations",
                        "年度评价",
                        "五(三)",
                    ),
                    step(
                        "评分齐全后定稿，导出年度评价报告（Word、Excel）。",
                        "/evaluations",
                        "年度评价",
                        "五(三)",
                    ),
                    step(
                        "根据评价结果提名并审定优秀集体和先进个人。",
                        "/commendations",
                        "表彰",
                        "五(三)",
                    ),
                    step(
                        "根据评价情况和三方合作成效及意愿，动态调整结对关系：在结对组的“结对调整与时间线”中结束或新增成员单位；需要时新建结对组。",
                        "/groups/{组}/adjustments",
                        "结对组 › 结对调整与时间线",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        "查阅各结对组的记录、统计图表和宣传案例。",
                        "/groups",
                        "结对组",
                        "五(三)",
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::Hq,
            "/matters",
            "重大事项：各结对组直接报告市指挥部的事项",
        ),
    }
}

fn school(plan: &Plan) -> Chapter {
    let r = &plan.rules;
    Chapter {
        role: Role::School,
        title: "高校、中职学校",
        duty: "学校负责本校参与的结对组的服务工作队、驻镇(含驻村)服务、实践基地、合作项目、经费、\
               联席会议等记录，并按月报送本校的月度进展报告：本校参与几个结对组，也只报送一份。"
            .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![
                    step(
                        format!(
                            "开展驻镇(含驻村)服务后及时登记：日期、地点（结对镇街或村）、参加的队员和服务内容，也可以用表格批量导入；所在镇街、村可在平台上确认。每支服务工作队每年累计不少于{}天。",
                            r.onsite_min_days
                        ),
                        "/groups/{组}/onsite",
                        "结对组 › 驻镇(含驻村)服务",
                        "四(二)",
                    ),
                    step(
                        "登记合作项目及其进展，填写培训人数、服务企业等成果数；镇村购买学校服务的项目一并登记。",
                        "/groups/{组}/projects",
                        "结对组 › 合作项目",
                        "三",
                    ),
                    step(
                        "登记经费支出：服务工作队的交通费、生活补助等由学校承担；重大活动按“谁发起、谁负责”，各方协商分担的填写分担比例。",
                        "/groups/{组}/expenses",
                        "结对组 › 经费",
                        "四(二)",
                    ),
                    step(
                        format!(
                            "每月{}日前提交本校{}的月度进展报告：报告草稿按当月记录预先填好，补充各领域进展、存在问题和下月计划后提交；被退回的按意见修改后重新提交。",
                            r.report_due_day,
                            report_month(plan)
                        ),
                        "/reports",
                        "月度报告",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Yearly,
                vec![
                    step(
                        "年初与镇街、村共同制定本年度的合作计划，列出计划事项。",
                        "/groups/{组}/annual-plan",
                        "结对组 › 年度计划",
                        "五(一)",
                    ),
                    step(
                        format!(
                            "每年至少召开{}次联席会议：登记会议议程、纪要和决定事项，注明是否讨论通过了本年度合作计划。",
                            r.meetings_min
                        ),
                        "/groups/{组}/meetings",
                        "结对组 › 联席会议",
                        "五(一)",
                    ),
                    step(
                        format!(
                            "核对服务工作队：不少于{}人；队长由高校校级领导担任，副队长由中职学校校级领导担任（组内有中职学校时）；其他队员为{}以上职称。人员变动及时登记。",
                            r.team_min_members,
                            r.team_min_title.label()
                        ),
                        "/groups/{组}/team",
                        "结对组 › 服务工作队",
                        "四(一)",
                    ),
                    step(
                        format!(
                            "与签约镇街共同建设乡村建设实践基地（每组至少{}个），登记名称、地点、功能和启用日期，并上传照片。",
                            r.bases_min
                        ),
                        "/groups/{组}/bases",
                        "结对组 › 实践基地",
                        "三(一)",
                    ),
                    step(
                        "在合规矩阵中核对本校各组当年的落实情况，如驻点天数是否达到要求。",
                        "/compliance",
                        "合规矩阵",
                        "四(二)",
                    ),
                    step(
                        "查看本校人员获得的表彰，供职称评审、岗位竞聘、考核评优时参考。",
                        "/commendations",
                        "表彰",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        format!(
                            "明确签约关系后{}个月内签署三方合作协议，登记签署日期并上传扫描件；有单位后来加入的，签署补充协议。",
                            r.agreement_months
                        ),
                        "/groups/{组}/agreement",
                        "结对组 › 三方协议",
                        "四(二)",
                    ),
                    step(
                        "与镇街、村协商服务内容和形式，登记服务工作方案并上传方案文件。",
                        "/groups/{组}/work-plan",
                        "结对组 › 服务方案",
                        "四(二)",
                    ),
                    step(
                        "登记学校派入工作协调小组的人员。",
                        "/groups/{组}/coordination",
                        "结对组 › 协调小组",
                        "五(一)",
                    ),
                    step(
                        format!(
                            "遇到重大事项，在{}天内直接向市指挥部报告，并跟踪答复。",
                            r.escalation_days
                        ),
                        "/groups/{组}/matters",
                        "结对组 › 重大事项",
                        "五(一)",
                    ),
                    step(
                        "撰写典型案例或新闻，提交市教育局审核发布。",
                        "/groups/{组}/cases",
                        "结对组 › 宣传案例",
                        "五(四)",
                    ),
                    step(
                        "已通过的报告所涉月份的记录会锁定；发现记录有误需要更正的，在该报告页申请解锁。",
                        "/reports",
                        "月度报告",
                        "五(三)",
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::School,
            "/groups/{组}/onsite",
            "驻镇(含驻村)服务：登记服务日期、地点、队员和内容",
        ),
    }
}

fn town(plan: &Plan) -> Chapter {
    let r = &plan.rules;
    Chapter {
        role: Role::Town,
        title: "镇(街道)",
        duty: "镇(街道)查看本镇参与的结对组，确认服务工作队在本镇的驻点服务，与学校共同召开联席会议、\
               制定年度合作计划，登记本镇承担的经费和合作项目，协调落实服务工作队的日常办公场所和设备。"
            .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![
                    step(
                        "在工作台查看等待本单位确认的驻镇(含驻村)服务，核实后确认。",
                        "/",
                        "工作台",
                        "四(二)",
                    ),
                    step(
                        "登记本镇承担的经费：服务工作队的办公场所和设备等可登记为实物投入及估值。",
                        "/groups/{组}/expenses",
                        "结对组 › 经费",
                        "四(二)",
                    ),
                    step(
                        "登记或更新本镇参与的合作项目进展；本镇购买学校服务的项目一并登记。",
                        "/groups/{组}/projects",
                        "结对组 › 合作项目",
                        "五(二)",
                    ),
                    step(
                        "查阅本组学校报送的月度进展报告。",
                        "/reports",
                        "月度报告",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Yearly,
                vec![
                    step(
                        "与学校、村共同制定本年度的合作计划。",
                        "/groups/{组}/annual-plan",
                        "结对组 › 年度计划",
                        "五(一)",
                    ),
                    step(
                        format!(
                            "与学校共同召开联席会议（每年至少{}次），登记会议或确认本单位出席。",
                            r.meetings_min
                        ),
                        "/groups/{组}/meetings",
                        "结对组 › 联席会议",
                        "五(一)",
                    ),
                    step(
                        "在合规矩阵中查看本镇各组当年的落实情况。",
                        "/compliance",
                        "合规矩阵",
                        "五(三)",
                    ),
                ],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        format!(
                            "与学校、村在{}个月内签署三方合作协议；协议由学校在平台登记，镇街可在此查阅。",
                            r.agreement_months
                        ),
                        "/groups/{组}/agreement",
                        "结对组 › 三方协议",
                        "四(二)",
                    ),
                    step(
                        "登记本镇派入工作协调小组的人员。",
                        "/groups/{组}/coordination",
                        "结对组 › 协调小组",
                        "五(一)",
                    ),
                    step(
                        format!(
                            "遇到重大事项，在{}天内直接向市指挥部报告，并跟踪答复。",
                            r.escalation_days
                        ),
                        "/groups/{组}/matters",
                        "结对组 › 重大事项",
                        "五(一)",
                    ),
                    step(
                        "撰写典型案例或新闻，提交市教育局审核发布。",
                        "/groups/{组}/cases",
                        "结对组 › 宣传案例",
                        "五(四)",
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::Town,
            "/",
            "工作台：等待本单位确认的驻镇(含驻村)服务",
        ),
    }
}

fn village(plan: &Plan) -> Chapter {
    let r = &plan.rules;
    Chapter {
        role: Role::Village,
        title: "村(社区)",
        duty: "村(社区)查看本村参与的结对组，确认服务工作队在本村的驻点服务和本单位出席联席会议，\
               查阅合作项目和经费，遇到重大事项直接报告市指挥部。"
            .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![
                    step(
                        "在工作台查看在本村(社区)开展、等待确认的驻点服务，核实后确认。",
                        "/",
                        "工作台",
                        "四(二)",
                    ),
                    step(
                        "查阅本组的合作项目和成果。",
                        "/groups/{组}/projects",
                        "结对组 › 合作项目",
                        "三",
                    ),
                ],
            ),
            section(
                When::Yearly,
                vec![
                    step(
                        format!(
                            "参加联席会议（每年至少{}次），会后确认本单位出席。",
                            r.meetings_min
                        ),
                        "/groups/{组}/meetings",
                        "结对组 › 联席会议",
                        "五(一)",
                    ),
                    step(
                        "查阅本年度的合作计划。",
                        "/groups/{组}/annual-plan",
                        "结对组 › 年度计划",
                        "五(一)",
                    ),
                ],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        "登记本村(社区)派入工作协调小组的人员。",
                        "/groups/{组}/coordination",
                        "结对组 › 协调小组",
                        "五(一)",
                    ),
                    step(
                        format!(
                            "遇到重大事项，在{}天内直接向市指挥部报告，并跟踪答复。",
                            r.escalation_days
                        ),
                        "/groups/{组}/matters",
                        "结对组 › 重大事项",
                        "五(一)",
                    ),
                    step(
                        "撰写典型案例或新闻，提交市教育局审核发布。",
                        "/groups/{组}/cases",
                        "结对组 › 宣传案例",
                        "五(四)",
                    ),
                    step(
                        "查阅三方合作协议。",
                        "/groups/{组}/agreement",
                        "结对组 › 三方协议",
                        "四(二)",
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::Village,
            "/",
            "工作台：本单位参与的结对组和待确认的服务",
        ),
    }
}

fn sysadmin() -> Chapter {
    Chapter {
        role: Role::Sysadmin,
        title: "系统管理员",
        duty: "系统管理员负责创建和停用用户账户，不查看业务数据（三权分立）。新建的账户须经安全管理员审核通过后才能登录；\
               管理员不能操作自己或其他管理员的账户。"
            .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![step(
                    "核对用户清单，人员离岗或调动的及时停用其账户。",
                    "/admin/users",
                    "用户管理",
                    MLPS_ACCESS,
                )],
            ),
            section(
                When::Yearly,
                vec![step(
                    "导出用户清单交各单位核对，停用不再使用的账户。",
                    "/admin/users",
                    "用户管理",
                    MLPS_ACCESS,
                )],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        "为新用户创建账户（逐个新建，或用表格批量导入），把初始密码交给本人；账户待安全管理员审核通过后方可登录。",
                        "/admin/users/new",
                        "用户管理 › 新建用户",
                        MLPS_AUTH,
                    ),
                    step(
                        "用户手机丢失、无法使用验证器时，为其重置第二重认证，下次登录时重新设置。",
                        "/admin/users",
                        "用户管理",
                        MLPS_AUTH,
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::Sysadmin,
            "/admin/users",
            "用户管理：账户清单、新建和停用",
        ),
    }
}

fn secadmin() -> Chapter {
    Chapter {
        role: Role::Secadmin,
        title: "安全管理员",
        duty: "安全管理员负责审核账户、分配角色、重置密码和解除锁定，不查看业务数据（三权分立）；\
               管理员不能操作自己或其他管理员的账户。"
            .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![step(
                    "处理待审核的新账户和角色变更：核实所属单位和岗位后审核通过，不符合的驳回。",
                    "/admin/approvals",
                    "待审核",
                    MLPS_ACCESS,
                )],
            ),
            section(
                When::Yearly,
                vec![step(
                    "复核各账户的角色是否与岗位相符；需要调整的提出角色变更，由另一名安全管理员审核后生效。",
                    "/admin/users",
                    "用户管理",
                    MLPS_ACCESS,
                )],
            ),
            section(
                When::Anytime,
                vec![
                    step(
                        "用户忘记密码时为其重置密码：新的初始密码只显示一次，用户下次登录须修改。",
                        "/admin/users",
                        "用户管理",
                        MLPS_AUTH,
                    ),
                    step(
                        "账户因多次登录失败被锁定的，核实是本人后解除锁定。",
                        "/admin/users",
                        "用户管理",
                        MLPS_AUTH,
                    ),
                ],
            ),
        ],
        screenshot: screenshot(
            Role::Secadmin,
            "/admin/approvals",
            "待审核：等待审核的账户和角色变更",
        ),
    }
}

fn auditor() -> Chapter {
    Chapter {
        role: Role::Auditor,
        title: "审计管理员",
        duty:
            "审计管理员查阅和导出审计日志，可以看到所有管理员的操作，不查看业务数据（三权分立）。"
                .to_string(),
        sections: vec![
            section(
                When::Monthly,
                vec![step(
                    "查阅审计日志，重点核对管理员的操作（创建账户、审核、角色变更、重置密码）和登录失败记录。",
                    "/audit",
                    "审计日志",
                    MLPS_AUDIT,
                )],
            ),
            section(
                When::Yearly,
                vec![step(
                    "导出审计日志归档备份；日志至少保存六个月。",
                    "/audit",
                    "审计日志",
                    MLPS_AUDIT,
                )],
            ),
            section(
                When::Anytime,
                vec![step(
                    "发现异常操作时，按操作人、单位、操作类型和日期筛选日志并导出，报告本单位负责人。",
                    "/audit",
                    "审计日志",
                    MLPS_AUDIT,
                )],
            ),
        ],
        screenshot: screenshot(
            Role::Auditor,
            "/audit",
            "审计日志：按操作人、操作和日期筛选",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::DONGGUAN_2023_PLAN;

    fn plan() -> Plan {
        Plan::parse(DONGGUAN_2023_PLAN).unwrap()
    }

    #[test]
    fn every_role_has_a_chapter_with_steps_every_month_every_year_and_any_time() {
        let plan = plan();
        let all = chapters(&plan);
        assert_eq!(all.len(), Role::ALL.len());
        for (c, role) in all.iter().zip(Role::ALL) {
            assert_eq!(c.role, role);
            assert_eq!(role_of(role.as_str()), Some(role));
            let whens: Vec<When> = c.sections.iter().map(|s| s.when).collect();
            assert_eq!(whens, When::ALL, "{}", c.title);
            for s in c.steps() {
                assert!(s.path.starts_with('/'), "{}: {}", c.title, s.path);
                assert!(!s.clause.is_empty() && !s.what.is_empty());
                assert!(
                    s.is_direct() || s.path.starts_with("/groups/{组}/"),
                    "{}",
                    s.path
                );
            }
            assert_eq!(c.screenshot.file, format!("guide/{}.png", role.as_str()));
        }
        assert_eq!(role_of("nobody"), None);
    }

    #[test]
    fn business_steps_cite_a_clause_of_the_plan() {
        // 二 … 五(四): the clauses the founding document has.
        let clauses = [
            "二", "三", "三(一)", "四(一)", "四(二)", "五(一)", "五(二)", "五(三)", "五(四)",
        ];
        let plan = plan();
        for role in Role::BUSINESS {
            for s in chapter(&plan, role).steps() {
                assert!(clauses.contains(&s.clause), "{role:?}: {}", s.clause);
            }
        }
    }

    #[test]
    fn the_numbers_are_the_plans() {
        let mut plan = plan();
        let text = |plan: &Plan| {
            chapters(plan)
                .iter()
                .flat_map(|c| c.steps().map(|s| s.what.clone()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let before = text(&plan);
        assert!(before.contains("每月28日前"), "{before}");
        assert!(before.contains("不少于90天"));
        assert!(before.contains("至少召开2次联席会议"));
        plan.rules.report_due_day = 25;
        plan.rules.onsite_min_days = 60;
        plan.rules.meetings_min = 3;
        let after = text(&plan);
        assert!(after.contains("每月25日前") && !after.contains("每月28日前"));
        assert!(after.contains("不少于60天"));
        assert!(after.contains("至少召开3次联席会议"));
    }

    #[test]
    fn the_readers_own_chapter_comes_first() {
        let plan = plan();
        let order: Vec<Role> = chapters_for(&plan, Role::Town)
            .iter()
            .map(|c| c.role)
            .collect();
        assert_eq!(order[0], Role::Town);
        assert_eq!(order.len(), Role::ALL.len());
        assert_eq!(order[1], Role::Bureau);
    }
}
