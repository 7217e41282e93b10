-- 合作项目 (三(一)–(六)): a group's cooperation projects in the plan's areas, their dated progress
-- updates and the outcome figures each update adds. The figures are named by the plan file
-- (areas.outcomes.code), not by columns: another plan brings other figures without a migration.
create table projects (
    id text primary key,
    group_id text not null references pairing_groups (id),
    area bigint not null,
    title text not null,
    -- The member organisation leading it; partners are bodies outside the programme, as text.
    lead_org_id text not null references organisations (id),
    partners text not null default '',
    starts_on text not null,
    ends_on text,
    status text not null,
    description text not null default '',
    -- 五(二) 购买服务: a town or village buys planning, construction or operation services from a
    -- school; money flows from the buyer to the school, contract value in fen.
    purchased bigint not null default 0,
    buyer_org_id text references organisations (id),
    contract_fen bigint,
    created_by text references users (id),
    created_at bigint not null,
    constraint projects_status_known check (status in ('planned', 'active', 'done', 'paused')),
    constraint projects_area_positive check (area > 0),
    constraint projects_dates_ordered check (ends_on is null or ends_on >= starts_on),
    constraint projects_contract_positive check (contract_fen is null or contract_fen > 0),
    constraint projects_purchase_complete check (purchased = 0 or (buyer_org_id is not null and contract_fen is not null))
);
-- A group's projects by year (the tab, the year at a glance, the annual plan's links).
create index projects_group_start_idx on projects (group_id, starts_on);

-- A dated progress update; students counts the students who took part (三(一) 师生团队).
create table project_updates (
    id text primary key,
    project_id text not null references projects (id),
    group_id text not null references pairing_groups (id),
    happened_on text not null,
    summary text not null,
    students bigint not null default 0,
    created_by text references users (id),
    created_at bigint not null,
    constraint project_updates_students_nonnegative check (students >= 0)
);
create index project_updates_project_idx on project_updates (project_id, happened_on);
-- Outcome totals per group and year read updates by date.
create index project_updates_group_idx on project_updates (group_id, happened_on);

-- What an update adds to one outcome figure of its project's area (money figures in fen).
create table project_outcomes (
    update_id text not null references project_updates (id) on delete cascade,
    field text not null,
    amount bigint not null,
    constraint project_outcomes_pk primary key (update_id, field),
    constraint project_outcomes_positive check (amount > 0)
);

-- 经费 may belong to a project.
alter table expenses add column project_id text references projects (id);
-- On-site service counts the students who went along (三(一) 师生团队), as updates do.
alter table onsite_entries add column students bigint not null default 0;

-- The Dongguan preset stored by earlier versions has no areas (a stored plan that does not parse
-- is an error, never a default): append the shipped preset's six areas of clause 三.
update plans set plan_toml = plan_toml || '
# 三(一)–(六), added by migration 0014 as in the shipped preset
[[areas]]
number = 1
name = "建设校镇合作实践基地"
outcomes = [
  { code = "practice_activities", label = "实践活动", unit = "次" },
  { code = "practice_participants", label = "参与师生", unit = "人次" },
]

[[areas]]
number = 2
name = "大力支持科技强镇"
outcomes = [
  { code = "enterprises_served", label = "服务企业", unit = "家" },
  { code = "technical_services", label = "技术服务", unit = "项" },
]

[[areas]]
number = 3
name = "深入融入人才兴镇"
outcomes = [
  { code = "people_trained", label = "培训人数", unit = "人" },
  { code = "training_sessions", label = "培训场次", unit = "场" },
]

[[areas]]
number = 4
name = "协助集体经济发展"
outcomes = [
  { code = "collective_income", label = "集体经济增收", unit = "元", kind = "money" },
]

[[areas]]
number = 5
name = "提供基本公共服务支持"
outcomes = [
  { code = "people_served", label = "服务群众", unit = "人次" },
  { code = "medical_aid_sessions", label = "医疗帮扶", unit = "次" },
]

[[areas]]
number = 6
name = "提供决策咨询和技术服务"
outcomes = [
  { code = "plans_delivered", label = "规划方案", unit = "份" },
  { code = "designs_delivered", label = "设计方案", unit = "份" },
  { code = "survey_reports", label = "调研报告", unit = "份" },
]

'
where code = 'dongguan-2023' and plan_toml not like '%[[areas]]%';
