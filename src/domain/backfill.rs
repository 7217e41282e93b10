//! 历史补录: the workbook a bureau fills with the records kept before the platform (Excel, Word,
//! WeChat), one sheet per record kind. The sheets' columns are those of the lists' exports with
//! the group's number in front, so a list exported from the platform pastes into its sheet; the
//! template, the import and its error messages all read the columns from here.

use crate::domain::team::{TeamRole, Title};

/// One column of a sheet: its heading, what it takes, the values allowed (empty: free text) and
/// an example, as the template's 说明 sheet gives them and every error's hint repeats them.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub heading: &'static str,
    pub takes: &'static str,
    pub allowed: &'static str,
    pub example: &'static str,
    pub required: bool,
}

const fn col(
    heading: &'static str,
    takes: &'static str,
    allowed: &'static str,
    example: &'static str,
    required: bool,
) -> Column {
    Column {
        heading,
        takes,
        allowed,
        example,
        required,
    }
}

const GROUP_NO: Column = col(
    "结对组编号",
    "结对组的序号（结对关系安排表的第一列）",
    "正整数，须是平台上已有的结对组",
    "1",
    true,
);

/// The record kinds a history workbook holds, in the order they are written (a member before the
/// on-site service that names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Team,
    Agreement,
    Onsite,
    Base,
    Meeting,
    Coordination,
    Matter,
    Project,
    Expense,
    AnnualPlan,
    Decision,
    Commendation,
    Report,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Team,
        Kind::Agreement,
        Kind::Onsite,
        Kind::Base,
        Kind::Meeting,
        Kind::Coordination,
        Kind::Matter,
        Kind::Project,
        Kind::Expense,
        Kind::AnnualPlan,
        Kind::Decision,
        Kind::Commendation,
        Kind::Report,
    ];

    /// The sheet's name in the workbook (and the template).
    pub fn sheet(self) -> &'static str {
        match self {
            Kind::Team => "队员",
            Kind::Agreement => "协议",
            Kind::Onsite => "驻点服务",
            Kind::Base => "实践基地",
            Kind::Meeting => "联席会议",
            Kind::Coordination => "工作协调小组",
            Kind::Matter => "重大事项",
            Kind::Project => "合作项目",
            Kind::Expense => "经费",
            Kind::AnnualPlan => "年度合作计划",
            Kind::Decision => "会议决定",
            Kind::Commendation => "表彰",
            Kind::Report => "月报",
        }
    }

    /// How the count of its records reads: 协议 8 条, 月报 630 份.
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Report => "份",
            Kind::AnnualPlan | Kind::Commendation => "项",
            Kind::Project => "个",
            _ => "条",
        }
    }

    pub fn parse_sheet(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.sheet() == name.trim())
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Team => &TEAM,
            Kind::Agreement => &AGREEMENT,
            Kind::Onsite => &ONSITE,
            Kind::Base => &BASE,
            Kind::Meeting => &MEETING,
            Kind::Coordination => &COORDINATION,
            Kind::Matter => &MATTER,
            Kind::Project => &PROJECT,
            Kind::Expense => &EXPENSE,
            Kind::AnnualPlan => &ANNUAL_PLAN,
            Kind::Decision => &DECISION,
            Kind::Commendation => &COMMENDATION,
            Kind::Report => &REPORT,
        }
    }

    /// The column headed `heading`, for an error's hint.
    pub fn column(self, heading: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.heading == heading)
    }
}

/// The team list's export columns (服务工作队) after the group's number.
const TEAM: [Column; 9] = [
    GROUP_NO,
    col("姓名", "队员姓名", "不超过 30 个字", "张三", true),
    col(
        "所在单位",
        "队员所在学校的全称",
        "本组在加入日期时的签约高校或中职学校",
        "广东酒店管理职业技术学院",
        true,
    ),
    col("队内职务", "在服务工作队中的职务", TEAM_ROLES, "队员", true),
    col("职称", "专业技术职称", TITLES, "副高级", true),
    col("校级领导", "是否为学校校级领导", "是、否", "否", false),
    col(
        "手机号码",
        "11 位手机号码，可不填",
        "",
        "13800138000",
        false,
    ),
    col(
        "加入日期",
        "加入服务工作队的日期",
        "日期，如 2024-01-15，不早于结对开始日期",
        "2024-01-15",
        true,
    ),
    col(
        "离队日期",
        "离队后的第一天，仍在队中则不填",
        "日期，晚于加入日期",
        "",
        false,
    ),
];
const TEAM_ROLES: &str = "队长、副队长、队员";
const TITLES: &str = "正高级、副高级、中级、初级、无";

const AGREEMENT: [Column; 4] = [
    GROUP_NO,
    col(
        "签署日期",
        "三方协议的签署日期，尚未签署则不填并在备注中说明",
        "日期，如 2024-01-10",
        "2024-01-10",
        false,
    ),
    col("备注", "协议的说明", "", "三方协议原件存学校办公室", false),
    col(
        "扫描件",
        "随工作簿上传的压缩包中扫描件的文件名，多个用；分隔",
        "PDF、JPEG 或 PNG 文件",
        "第1组三方协议.pdf",
        false,
    ),
];

/// The on-site list's export columns after the group's number.
const ONSITE: [Column; 8] = [
    GROUP_NO,
    col("开始日期", "驻点服务的第一天", "日期", "2024-03-04", true),
    col(
        "结束日期",
        "驻点服务的最后一天，一天的服务可不填",
        "日期，不早于开始日期，一条记录不超过 92 天",
        "2024-03-08",
        false,
    ),
    col(
        "服务地点",
        "本组的镇(街道)或村(社区)；另一镇街的村写作 村名(镇街)",
        "本组在服务日期时的镇街或村(社区)",
        "雁田村",
        true,
    ),
    col(
        "在场队员",
        "在场队员的姓名，多个用、分隔",
        "本组服务工作队在服务期间的队员（队员表或平台上已有）",
        "张三、李四",
        true,
    ),
    col("服务内容", "服务的内容", "", "开展乡村旅游规划调研", true),
    col(
        "确认情况",
        "镇街或村是否已确认；已确认可写“已确认”或“某某 于 2024-03-09 10:00 确认”",
        "待确认、已确认",
        "已确认",
        false,
    ),
    col("参与学生", "参与服务的学生人数", "0 或正整数", "12", false),
];

/// The bases list's export columns after the group's number.
const BASE: [Column; 7] = [
    GROUP_NO,
    col(
        "基地名称",
        "实践基地的名称",
        "不超过 100 个字",
        "雁田村红色教育实践基地",
        true,
    ),
    col(
        "所在地",
        "基地所在的本组镇(街道)或村(社区)；另一镇街的村写作 村名(镇街)",
        "本组在揭牌日期时的镇街或村(社区)",
        "雁田村",
        true,
    ),
    col(
        "功能",
        "基地的功能，多个用、分隔",
        BASE_FUNCTION_LABELS,
        "红色教育、实习锻炼",
        true,
    ),
    col(
        "揭牌日期",
        "基地揭牌（建成）的日期",
        "日期，如 2024-05-20",
        "2024-05-20",
        true,
    ),
    col("简介", "基地的简介", "不超过 2000 个字", "", false),
    col(
        "照片",
        "随工作簿上传的压缩包中基地照片的文件名，多个用；分隔，可不填",
        "JPEG 或 PNG 文件",
        "雁田村基地揭牌.jpg",
        false,
    ),
];
const BASE_FUNCTION_LABELS: &str = "红色教育、科技创新、文创设计、实习锻炼、其他";

/// The meetings list's export columns after the group's number. Decisions have their own sheet
/// ([`DECISION`]): the count the export gives is not read.
const MEETING: [Column; 11] = [
    GROUP_NO,
    col(
        "会议日期",
        "联席会议召开的日期",
        "日期，结对期内",
        "2024-03-15",
        true,
    ),
    col(
        "会议地点",
        "召开会议的地点",
        "不超过 100 个字",
        "凤岗镇政府会议室",
        true,
    ),
    col(
        "参会单位",
        "参会的本组成员单位，多个用、分隔",
        "本组在会议日期时的学校、镇街或村(社区)",
        "东莞城市学院、凤岗镇",
        true,
    ),
    col(
        "已确认参会",
        "已确认参会的单位（须在参会单位中），多个用、分隔",
        "参会单位中的单位",
        "东莞城市学院",
        false,
    ),
    col(
        "参会人员",
        "参会人员，每人写“姓名，单位，职务”，多人用；分隔",
        "",
        "张三，东莞城市学院，副校长；李四，凤岗镇，副镇长",
        false,
    ),
    col("议程", "会议议程", "", "审议年度合作计划", false),
    col("会议纪要", "会议纪要", "", "", false),
    col(
        "审议通过年度计划",
        "会议是否审议通过本组当年的年度合作计划",
        "是、否",
        "是",
        false,
    ),
    col(
        "决定数",
        "平台导出的会议决定数，导入时不读；决定填在“会议决定”表中",
        "",
        "",
        false,
    ),
    col(
        "会议材料",
        "随工作簿上传的压缩包中会议纪要、签到表、照片的文件名，多个用；分隔，可不填",
        "PDF、JPEG 或 PNG 文件",
        "第1组2024年第一次联席会议纪要.pdf",
        false,
    ),
];

/// The coordination group's export columns after the group's number.
const COORDINATION: [Column; 8] = [
    GROUP_NO,
    col("姓名", "协调小组成员的姓名", "不超过 30 个字", "王五", true),
    col(
        "所在单位",
        "委派此人的本组成员单位",
        "本组在起始日期时的学校、镇街或村(社区)",
        "凤岗镇",
        true,
    ),
    col(
        "职务",
        "此人在本单位的职务",
        "不超过 40 个字",
        "副镇长",
        true,
    ),
    col(
        "手机号码",
        "11 位手机号码，可不填",
        "",
        "13800138000",
        false,
    ),
    col(
        "起始日期",
        "进入协调小组的日期",
        "日期，结对期内",
        "2024-01-05",
        true,
    ),
    col(
        "结束日期",
        "不再担任的第一天，仍在任则不填",
        "日期，晚于起始日期",
        "",
        false,
    ),
    col("现任", "平台按今天计算，导入时不读", "", "", false),
];

/// The major matters' export columns after the group's number (五(一): reported to HQ).
const MATTER: [Column; 13] = [
    GROUP_NO,
    col("结对组", "平台导出的结对组名称，导入时不读", "", "", false),
    col(
        "事项摘要",
        "重大事项的摘要",
        "不超过 100 个字",
        "雁田村突发内涝影响驻村服务",
        true,
    ),
    col(
        "紧急程度",
        "事项的紧急程度",
        "一般、紧急、特急",
        "紧急",
        true,
    ),
    col(
        "发生日期",
        "事项发生的日期",
        "日期，结对期内",
        "2024-06-12",
        true,
    ),
    col(
        "报告时间",
        "向市指挥部报告的时间（按方案判断是否及时报告）",
        "日期，或日期和时间，如 2024-06-13 09:30",
        "2024-06-13 09:30",
        true,
    ),
    col(
        "报告单位",
        "报告事项的本组成员单位",
        "本组的学校、镇街或村(社区)",
        "凤岗镇",
        true,
    ),
    col(
        "报告人",
        "报告人姓名，可写“单位 · 姓名”",
        "",
        "凤岗镇 · 王建国",
        false,
    ),
    col("状态", "平台按签收和答复计算，导入时不读", "", "", false),
    col(
        "签收",
        "市指挥部签收的时间和签收人，未签收则不填",
        "时间，或“时间 · 姓名”",
        "2024-06-13 11:00 · 刘晓",
        false,
    ),
    col(
        "答复",
        "市指挥部的答复意见，未答复则不填",
        "不超过 2000 个字",
        "",
        false,
    ),
    col(
        "答复时间",
        "答复的时间和答复人，有答复时必填",
        "时间，或“时间 · 姓名”",
        "",
        false,
    ),
    col("详细情况", "事项的详细情况", "不超过 5000 个字", "", false),
];

/// The projects list's export columns after the group's number; the plan's outcome figures
/// follow them, one column each (the template adds them: [`figure_column`]).
const PROJECT: [Column; 13] = [
    GROUP_NO,
    col(
        "项目名称",
        "合作项目的名称",
        "不超过 100 个字",
        "雁田村民宿提升规划",
        true,
    ),
    col(
        "合作领域",
        "项目所属的合作领域（方案三(一)至三(六)）",
        "领域的序号，或“序号 名称”，或名称",
        "6 提供决策咨询和技术服务",
        true,
    ),
    col(
        "牵头单位",
        "牵头的本组成员单位",
        "本组的学校、镇街或村(社区)",
        "广东酒店管理职业技术学院",
        true,
    ),
    col(
        "合作方",
        "其他合作单位，可不填",
        "",
        "雁田村股份经济合作社",
        false,
    ),
    col(
        "开始日期",
        "项目开始的日期",
        "日期，结对期内",
        "2024-03-01",
        true,
    ),
    col(
        "结束日期",
        "项目结束的日期，进行中可不填",
        "日期，不早于开始日期",
        "2024-10-31",
        false,
    ),
    col(
        "状态",
        "项目的状态",
        "计划中、进行中、已完成、已暂停",
        "已完成",
        true,
    ),
    col("项目简介", "项目的简介", "", "", false),
    col(
        "购买服务",
        "是否为镇村购买服务的项目（五(二)）",
        "是、否",
        "否",
        false,
    ),
    col(
        "购买方",
        "购买服务的本组镇街或村(社区)",
        "购买服务时必填",
        "",
        false,
    ),
    col(
        "合同金额（元）",
        "购买服务的合同金额",
        "元，可带两位小数",
        "",
        false,
    ),
    col(
        "参与学生（人次）",
        "参与项目的学生人次",
        "0 或正整数",
        "20",
        false,
    ),
];

const EXPENSE_KINDS: &str = "交通费、生活补助、办公场所设备、重大活动、其他";

/// The expenses' export columns after the group's number.
const EXPENSE: [Column; 10] = [
    GROUP_NO,
    col(
        "日期",
        "支出或投入的日期",
        "日期，结对期内",
        "2024-05-20",
        true,
    ),
    col("类别", "经费类别", EXPENSE_KINDS, "交通费", true),
    col(
        "金额（元）",
        "金额；实物投入未估值可不填",
        "元，可带两位小数",
        "12000.00",
        false,
    ),
    col("实物投入", "是否为实物投入", "是、否", "否", false),
    col(
        "付款单位",
        "付款的本组成员单位",
        "本组的学校、镇街或村(社区)",
        "凤岗镇",
        true,
    ),
    col(
        "发起单位",
        "发起的本组成员单位，可不填",
        "本组的成员单位",
        "",
        false,
    ),
    col(
        "分担比例",
        "各单位分担的比例，不分担则不填",
        "“单位名称 50.00%”，多个用、分隔，合计 100.00%",
        "",
        false,
    ),
    col("备注", "说明", "", "", false),
    col(
        "所属项目",
        "经费所属的合作项目，可不填",
        "本组合作项目的名称（平台上或本工作簿中的）",
        "",
        false,
    ),
];

/// An outcome figure's column in the 合作项目 sheet: its heading and what it takes.
pub fn figure_column(f: &crate::domain::plan::OutcomeField) -> (String, String) {
    (
        f.heading(),
        format!("项目累计的“{}”，只填本项目所属领域的指标", f.label),
    )
}

/// The annual plan's export columns (one row per item) after the group's number and the year;
/// the rows of a group and year make its plan.
const ANNUAL_PLAN: [Column; 10] = [
    GROUP_NO,
    col(
        "年度",
        "计划所属的年度，同组同年度的各行组成一份年度合作计划",
        "四位年份，结对期内且不晚于今年",
        "2024",
        true,
    ),
    col(
        "合作领域",
        "计划事项所属的合作领域（方案三(一)至三(六)），写名称或序号",
        "方案中合作领域的名称，或 1 至 6",
        "深入融入人才兴镇",
        true,
    ),
    col(
        "计划事项",
        "本年度要做的事",
        "不超过 1000 个字",
        "开展乡村电商人才培训",
        true,
    ),
    col(
        "目标指标",
        "该领域的一项成果指标，可不填",
        "该领域成果指标的名称，如 培训人数 或 培训人数（人）",
        "培训人数（人）",
        false,
    ),
    col(
        "目标数值",
        "目标指标的数值；金额以元计",
        "大于 0 的数；人数、场次等为整数",
        "200",
        false,
    ),
    col(
        "已记录",
        "平台按合作项目累计的数值，导入时不读",
        "",
        "",
        false,
    ),
    col(
        "关联项目",
        "平台上本组合作项目的名称，可不填",
        "本组已登记的合作项目名称",
        "",
        false,
    ),
    col(
        "年终完成情况",
        "年终评定的完成情况，尚未评定则不填",
        "完成、部分完成、未完成",
        "完成",
        false,
    ),
    col("年终说明", "年终评定的说明", "不超过 2000 个字", "", false),
];

/// The meetings' decisions export columns after the group's number: each decision names its
/// meeting by date and place (a meeting of the 联席会议 sheet or of the platform).
const DECISION: [Column; 12] = [
    GROUP_NO,
    col(
        "会议日期",
        "作出决定的联席会议的日期",
        "本组联席会议（联席会议表或平台上已有）的日期",
        "2024-03-15",
        true,
    ),
    col(
        "会议地点",
        "该次会议的地点，同一天有两次会议时用以区分",
        "与联席会议表或平台上的会议地点一致",
        "凤岗镇政府会议室",
        true,
    ),
    col(
        "决定事项",
        "会议决定做什么",
        "不超过 1000 个字",
        "两个月内完成雁田村民宿规划初稿",
        true,
    ),
    col(
        "关联项目",
        "决定所关联的本组合作项目的名称，可不填",
        "本组合作项目的名称（平台上或本工作簿中的）；与关联计划事项只填一个",
        "雁田村民宿提升规划",
        false,
    ),
    col(
        "关联计划事项",
        "决定所关联的本组年度计划事项，可不填",
        "本组年度计划事项的内容（平台上或本工作簿中的）",
        "",
        false,
    ),
    col(
        "责任单位",
        "负责落实的本组成员单位，可不填但须与责任人至少填一项",
        "本组的学校、镇街或村(社区)",
        "凤岗镇",
        false,
    ),
    col("责任人", "负责落实的人", "不超过 100 个字", "王芳", false),
    col(
        "完成期限",
        "要求完成的日期，可不填",
        "日期",
        "2024-05-15",
        false,
    ),
    col(
        "落实情况",
        "决定的落实情况，不填为未完成",
        "未完成、已完成、不再执行",
        "已完成",
        false,
    ),
    col("跟进说明", "落实情况的说明", "不超过 2000 个字", "", false),
    col(
        "跟进会议日期",
        "记录落实情况的那次联席会议的日期，可不填",
        "本组在作出决定之后召开的联席会议的日期（当天只有一次会议）",
        "",
        false,
    ),
];

/// The commendations list's export columns (五(三)): the group is a column of its own.
const COMMENDATION: [Column; 8] = [
    col(
        "年度",
        "表彰所属的年度",
        "已经结束、且在方案评价范围内的年度",
        "2024",
        true,
    ),
    col("类别", "表彰的类别", "优秀集体、先进个人", "优秀集体", true),
    col(
        "结对组",
        "受表彰的结对组",
        "结对组的序号，或平台导出的“第 1 组（凤岗镇）”",
        "第 1 组（凤岗镇）",
        true,
    ),
    col(
        "姓名",
        "先进个人的姓名（优秀集体不填）",
        "该组服务工作队在该年度的队员（队员表或平台上已有）",
        "",
        false,
    ),
    col(
        "学校",
        "先进个人所在学校的全称（优秀集体不填）",
        "该队员所在的学校",
        "",
        false,
    ),
    col(
        "主要事迹",
        "主要事迹或表彰理由",
        "不超过 2000 个字",
        "全年驻村服务 120 天，完成民宿规划",
        true,
    ),
    col(
        "状态",
        "表彰的状态，不填为已批准",
        "已提名、已批准、已撤销提名",
        "已批准",
        false,
    ),
    col(
        "批准时间",
        "批准（或撤销提名）的时间和决定人，已提名的不填",
        "时间，或“时间 · 姓名”",
        "2025-03-10 · 市指挥部办公室",
        false,
    ),
];

const REPORT: [Column; 5] = [
    col(
        "学校",
        "报送月报的学校全称",
        "本方案的签约高校或中职学校",
        "东莞城市学院",
        true,
    ),
    col("月份", "报告所属月份", "年-月，如 2024-03", "2024-03", true),
    col(
        "报送时间",
        "学校首次报送的日期（或日期和时间），按方案的报送期限判断按时或逾期",
        "日期，如 2024-04-03，或 2024-04-03 16:30",
        "2024-04-03",
        true,
    ),
    col("备注", "说明，如 纸质报告存档位置", "", "", false),
    col(
        "报告文件",
        "随工作簿上传的压缩包中这份月报的文件名（学校当时报送的 Word 或 PDF 文件），可不填",
        "Word（docx）或 PDF 文件",
        "东莞城市学院2024年3月月报.docx",
        false,
    ),
];

/// A problem with one cell of the workbook, as the dry run lists it: the sheet, the row a person
/// sees in Excel, the column's heading, what is wrong and what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub sheet: String,
    pub row: usize,
    pub column: String,
    pub message: String,
    pub hint: String,
}

impl Problem {
    pub fn new(kind: Option<Kind>, sheet: &str, row: usize, column: &str, message: String) -> Self {
        let hint = kind
            .and_then(|k| k.column(column))
            .map(hint_of)
            .unwrap_or_default();
        Self {
            sheet: sheet.to_string(),
            row,
            column: column.to_string(),
            message,
            hint,
        }
    }
}

/// What to type in a column: what it takes, its allowed values and an example.
fn hint_of(c: &Column) -> String {
    let mut out = format!("应填{}", c.takes);
    if !c.allowed.is_empty() {
        out.push_str(&format!("（{}）", c.allowed));
    }
    if !c.example.is_empty() {
        out.push_str(&format!("，例如“{}”", c.example));
    }
    out
}

/// "将导入 协议 8 条、队员 56 条、驻点服务 1,204 条、月报 630 份".
pub fn counts_line(counts: &[(Kind, usize)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{} {} {}", k.sheet(), thousands(*n), k.unit()))
        .collect();
    format!("将导入 {}", parts.join("、"))
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether the allowed values a column lists match the domain's labels (kept in one place: a
/// renamed title must change the template too).
pub fn labels_match() -> bool {
    let roles: Vec<&str> = TeamRole::ALL.iter().map(|r| r.label()).collect();
    let titles: Vec<&str> = Title::ALL.iter().map(|t| t.label()).collect();
    let functions: Vec<&str> = crate::domain::base::BASE_FUNCTIONS
        .iter()
        .map(|(_, l)| *l)
        .collect();
    let kinds: Vec<&str> = crate::domain::expense::EXPENSE_KINDS
        .iter()
        .map(|(_, l)| *l)
        .collect();
    roles.join("、") == TEAM_ROLES
        && titles.join("、") == TITLES
        && kinds.join("、") == EXPENSE_KINDS
        && functions.join("、") == BASE_FUNCTION_LABELS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_the_dry_run_says_them() {
        assert_eq!(
            counts_line(&[
                (Kind::Agreement, 8),
                (Kind::Onsite, 1204),
                (Kind::Report, 630)
            ]),
            "将导入 协议 8 条、驻点服务 1,204 条、月报 630 份"
        );
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn the_template_lists_the_domain_s_labels() {
        assert!(labels_match());
    }

    #[test]
    fn a_problem_s_hint_says_what_to_type() {
        let p = Problem::new(Some(Kind::Team), "队员", 3, "职称", "不认识“教授”".into());
        assert_eq!(
            p.hint,
            "应填专业技术职称（正高级、副高级、中级、初级、无），例如“副高级”"
        );
        let unknown = Problem::new(None, "其他", 1, "表", "x".into());
        assert!(unknown.hint.is_empty());
    }

    #[test]
    fn every_sheet_is_found_by_its_name_and_has_distinct_headings() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse_sheet(k.sheet()), Some(k));
            let mut h: Vec<&str> = k.columns().iter().map(|c| c.heading).collect();
            h.sort();
            h.dedup();
            assert_eq!(h.len(), k.columns().len());
        }
        assert_eq!(Kind::parse_sheet("说明"), None);
    }
}
