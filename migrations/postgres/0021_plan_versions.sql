-- 方案版本: a bureau loads a new version of its plan for a new year (a new document, or the same
-- one with other numbers). The plan in force for year Y is the version with the latest from_year
-- ≤ Y (of two for the same year, the one loaded last: seq), else the plan row itself. Versions
-- are only ever added; the text is kept as loaded, parsed and checked when it was loaded.
create table plan_versions (
    id text primary key,
    plan_id text not null references plans (id),
    seq bigint not null,
    from_year bigint not null,
    name text not null,
    doc_no text not null,
    plan_toml text not null,
    loaded_at bigint not null,
    loaded_by text references users (id),
    loaded_by_name text not null,
    constraint plan_versions_seq_unique unique (plan_id, seq),
    constraint plan_versions_year_sane check (from_year between 2000 and 2100)
);
create index plan_versions_plan_idx on plan_versions (plan_id, from_year);

-- Plans now carry each rule with its clause and its words in the founding document (a stored
-- plan that does not parse is an error, never a default): append the shipped preset tables of
-- [rule_text] to the Dongguan preset stored by earlier versions (after its last table).
update plans set plan_toml = plan_toml || '
# 条款与原文, added by migration 0021 as in the shipped preset: the clause of each rule and its words in the founding document.
[rule_text.pairing]
clause = "二"
text = "原则上每所学校应至少结对签约1个镇(街道)、1个典型村(社区)。"

[rule_text.agreement]
clause = "四(二)"
text = "明确签约关系后，签约学校和签约镇(街道)、村(社区)要迅速进行工作对接……在1个月内签署三方合作协议，有序开展工作。"

[rule_text.team-size]
clause = "四(一)"
text = "相应成立8支“百千万工程”服务工作队，每队成员不少于6人，鼓励派出更多专家。"

[rule_text.team-captain]
clause = "四(一)"
text = "队长由签约高校安排1名校级领导担任。"

[rule_text.team-vice]
clause = "四(一)"
text = "副队长由签约中职学校安排1名校级领导担任。"

[rule_text.team-title]
clause = "四(一)"
text = "其他队员由签约高校、中职学校协商派出，需为中级以上职称(含中级)的专业教职工。"

[rule_text.onsite]
clause = "四(二)"
text = "服务时间原则上每支服务工作队每年需累计开展不少于3个月的驻镇(含驻村)服务。"

[rule_text.base]
clause = "三(一)"
text = "每对签约镇(街道)与签约学校要共同建设1个乡村建设实践基地。"

[rule_text.meetings]
clause = "五(一)"
text = "建立合作联席会议制度，每年至少召开2次联席会议。"

[rule_text.annual-plan]
clause = "五(一)"
text = "每年至少召开2次联席会议，讨论和决定年度合作计划，检查监督合作项目落实情况。"

[rule_text.escalation]
clause = "五(一)"
text = "重大事项需及时向市“百千万工程”指挥部报告。"

[rule_text.monthly-report]
clause = "五(三)"
text = "各签约学校需定期报送结对开展工作情况，从2024年1月起每月28日前将进展情况报市教育局。"

[rule_text.evaluation]
clause = "五(三)"
text = "市“百千万工程”指挥部每年组织开展结对情况评价，对评价结果为优秀集体和先进个人的进行表彰。"

[rule_text.medical-extra]
clause = "三(五)"
text = "鼓励办学以医学为主的签约学校根据自身实际，自我加压适当增加签约镇(街道)、村(社区)数量，主要开展医疗帮扶活动。"

[rule_text.publicity]
clause = "五(四)"
text = "签约学校与签约镇(街道)、村(社区)要充分利用各类新闻媒体，宣传学校参与“百千万工程”实施成效……积极树立一批可复制、可借鉴、可推广的创新模式和典型案例。"
'
where code = 'dongguan-2023' and plan_toml not like '%[rule_text.%';
