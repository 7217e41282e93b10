-- 工作协调小组 (五(一)): the people each member school, town and village delegates to the group's
-- coordination group, dated. A person leaves by an end date (to_on, the first day off); a row is
-- deleted only when withdrawn as a mistaken entry on the day it was recorded.
create table coordinators (
    id text primary key,
    group_id text not null references pairing_groups (id),
    person_name text not null,
    org_id text not null references organisations (id),
    post text not null,
    phone text not null default '',
    from_on text not null,
    to_on text,
    created_at bigint not null,
    constraint coordinators_dates_check check (to_on is null or to_on > from_on)
);
create index coordinators_group_idx on coordinators (group_id, from_on);

-- 服务工作方案 (四(二)): one per group, the service content and form the parties agreed. Every
-- version, the first included, is kept in work_plan_revisions; work_plans holds the current one.
create table work_plans (
    id text primary key,
    group_id text not null references pairing_groups (id),
    title text not null,
    agreed_on text not null,
    content text not null,
    revision integer not null,
    updated_at bigint not null,
    constraint work_plans_group_unique unique (group_id)
);
create table work_plan_revisions (
    id text primary key,
    work_plan_id text not null references work_plans (id),
    revision integer not null,
    title text not null,
    agreed_on text not null,
    content text not null,
    recorded_at bigint not null,
    recorded_by text not null,
    constraint work_plan_revisions_unique unique (work_plan_id, revision)
);
